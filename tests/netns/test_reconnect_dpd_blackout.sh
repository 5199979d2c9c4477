#!/bin/bash
# test_reconnect_dpd_blackout.sh - a blackout that outlasts the gateway's DPD while the
# client is idle (issue 8's blackout target): the gateway drops the SA and keeps the
# session inactive; the client's periodic DPD goes unanswered and is judged within 2 s
# (not after its 31.5 s retransmission schedule), so its reconnect attempts are already
# running at the short dark cadence when the path returns. Traffic must flow again
# within 2 s of the path returning, with the same address and reason 103.
#
#  [ns cl: anyroamd, nftables drop]                     [ns gw: anyroam-gw, dpd 10 retry 2]
#  veth-c 10.77.0.2/24 --------------------------------- veth-g 10.77.0.1/24
#                                                        lo 192.168.10.1/32 (behind the gateway)
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_bin anyroam-gw anyroamd anyroam
need_cmd nft

# gateway: probe after 10 s of silence, resend every 2 s, 5 times: the SA is gone ~20 s
# into the blackout; the client's DPD interval is 2/3 of 10 s = 6 s (PROTOCOL.md §11)
BLACKOUT=${BLACKOUT_SECONDS:-25}
gw_topology
gw_lab
sed -i 's/^ dpd 45 retry 2 on-demand/ dpd 10 retry 2 on-demand/' "$LAB/gw.conf"
grep -q '^ dpd 10 retry 2' "$LAB/gw.conf" || die "cannot shorten the gateway DPD"
gw_start
agent_conf
agent_start
agent_login
vip=$(agent_stat assigned_ipv4)
nsx cl ping -c 1 -W 2 $BEHIND_IP >/dev/null || die "no traffic before the blackout"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
log "blackout of ${BLACKOUT}s with the client idle"
nsx cl nft -f - <<NFT
table inet ardpd {
	chain in { type filter hook input priority 0; iifname "veth-c" udp sport { 500, 4500 } drop; }
	chain out { type filter hook output priority 0; oifname "veth-c" udp dport { 500, 4500 } drop; }
}
NFT
sleep "$BLACKOUT"
[ "$(gw_stat inactive)" -ge 1 ] 2>/dev/null ||
	log "note: gateway stats: $(gw_ctl show crypto ikev2 stats reconnect | tr '\n' ' ')"
[ "$(agent_cli state)" = "state: Reconnecting" ] || die "the client did not notice the dead SA during the blackout ($(agent_cli state))"
nsx cl nft delete table inet ardpd
t0=$(now_ms)
wait_for 10 nsx cl ping -c 1 -W 1 $BEHIND_IP || die "no traffic after the path returned"
dt=$(($(now_ms) - t0))
log "traffic again ${dt} ms after the path returned"
[ "$dt" -le 2000 ] || die "took ${dt} ms (> 2 s) after the path returned"
wait_for 5 agent_connected || die "not Connected"
[ "$(agent_stat last_reconnect_reason)" = 103 ] || die "reason $(agent_stat last_reconnect_reason), want 103"
[ "$(agent_stat assigned_ipv4)" = "$vip" ] || die "address changed after the blackout"
grep -q "Enter your" "$TEST_TMP/agent.log" && die "a prompt appeared"
agent_cli disconnect >/dev/null || die "disconnect failed"
log "PASS"
