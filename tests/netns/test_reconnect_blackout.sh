#!/bin/bash
# test_reconnect_blackout.sh - reconnecting over a bad path (issue 8, scenario 7 and the
# blackout target): the path goes dark (nftables drops all UDP) while a resume
# reconnect runs; once it returns, traffic must flow again within 2 s, because
# unanswered attempts keep a short jittered cadence. Then a reconnect with 30 % packet
# loss each way must still succeed. Same address, no prompt, TCP survives both.
#
#  [ns cl: anyroamd, nftables drop]                     [ns gw: anyroam-gw, argw0]
#  veth-c 10.77.0.2/24 --------------------------------- veth-g 10.77.0.1/24
#                                                        lo 192.168.10.1/32 (behind the gateway)
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_bin anyroam-gw anyroamd anyroam
need_cmd nft

BLACKOUT=${BLACKOUT_SECONDS:-10}

gw_topology
gw_lab
gw_start
agent_conf
agent_start
agent_login
vip=$(agent_stat assigned_ipv4)
tcp_start

nft_path() { # RULE-EXPR: applied to UDP both ways on the client's link
	nsx cl nft -f - <<NFT
table inet arblack
delete table inet arblack
table inet arblack {
	chain in { type filter hook input priority 0; iifname "veth-c" udp sport { 500, 4500 } $1; }
	chain out { type filter hook output priority 0; oifname "veth-c" udp dport { 500, 4500 } $1; }
}
NFT
}
nft_clear() { nsx cl nft delete table inet arblack 2>/dev/null || true; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

log "blackout of ${BLACKOUT}s during a resume reconnect"
nsx cl nft add table inet arblack
nft_path drop
agent_cli debug simulate-resume >/dev/null || die "simulate-resume refused"
sleep "$BLACKOUT"
[ "$(agent_cli state)" = "state: Reconnecting" ] || die "not Reconnecting during the blackout"
nft_clear
t0=$(now_ms)
wait_for 10 agent_connected || die "no reconnect after the path returned"
nsx cl ping -c 1 -W 2 $BEHIND_IP >/dev/null || die "no traffic after the blackout"
dt=$(($(now_ms) - t0))
log "traffic again ${dt} ms after the path returned"
[ "$dt" -le 2000 ] || die "took ${dt} ms (> 2 s) after the path returned"
[ "$(agent_stat assigned_ipv4)" = "$vip" ] || die "address changed after the blackout"
tcp_check "the blackout"

log "30% loss each way during a resume reconnect"
nsx cl nft add table inet arblack
nft_path "numgen random mod 100 < 30 drop"
agent_cli debug simulate-resume >/dev/null || die "simulate-resume refused"
wait_for 30 agent_connected || die "no reconnect with 30% loss"
[ "$(agent_stat reconnects)" = 2 ] || die "reconnects != 2"
nft_clear
[ "$(agent_stat assigned_ipv4)" = "$vip" ] || die "address changed after the lossy reconnect"
nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP >/dev/null || die "no traffic after the lossy reconnect"
tcp_check "the lossy reconnect"
log "lossy reconnect took $(agent_stat last_reconnect_ms) ms"
agent_cli disconnect >/dev/null || die "disconnect failed"
log "PASS"
