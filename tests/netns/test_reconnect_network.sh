#!/bin/bash
# test_reconnect_network.sh - Auto Reconnect on network changes (issue 8, scenario 1 and
# the TCP part of 6): the client's address changes on its link (reason 102), then the
# path moves to a second link (reason 101). Each time: same tunnel address, no prompt,
# tun and its routes untouched, traffic and a long-lived TCP connection survive.
#
#  [ns cl: anyroamd, anyroam0 192.168.20.x]             [ns gw: anyroam-gw, argw0]
#  veth-c  10.77.0.2/24 -> .3/24 ----------------------- veth-g  10.77.0.1/24
#  veth-c2 10.78.0.2/24 -------------------------------- veth-g2 10.78.0.1/24
#                                                        lo 192.168.10.1/32 (behind the gateway)
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_bin anyroam-gw anyroamd anyroam

gw_topology
link cl veth-c2 10.78.0.2/24 gw veth-g2 10.78.0.1/24
gw_lab
gw_start
agent_conf
agent_start
agent_login
vip=$(agent_stat assigned_ipv4)
nsx cl ip route show dev anyroam0 >"$TEST_TMP/tunroutes.before"
tcp_start

expect_reconnect() { # N REASON WHAT
	wait_for 10 sh -c "[ \"\$($BIN/anyroam --ctl $AGENT_CTL --json stats | sed -n 's/.*\"reconnects\":\([0-9]*\).*/\1/p')\" -ge $1 ]" ||
		die "no reconnect after $3"
	wait_for 10 agent_connected || die "not Connected after $3"
	[ "$(agent_stat last_reconnect_reason)" = "$2" ] || die "reason $(agent_stat last_reconnect_reason), want $2 ($3)"
	[ "$(agent_stat assigned_ipv4)" = "$vip" ] || die "address changed after $3"
	nsx cl ip route show dev anyroam0 >"$TEST_TMP/tunroutes.after"
	diff -u "$TEST_TMP/tunroutes.before" "$TEST_TMP/tunroutes.after" || die "tunnel routes touched by $3"
	nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP >"$TEST_TMP/ping.log" || die "no traffic after $3"
	tcp_check "$3"
	log "$3: reconnected in $(agent_stat last_reconnect_ms) ms (reason $2)"
}

log "address change on the same link"
# keep the new address when the old primary goes (Linux drops secondaries otherwise)
nsx cl sysctl -qw net.ipv4.conf.veth-c.promote_secondaries=1
nsx cl ip addr add 10.77.0.3/24 dev veth-c
nsx cl ip addr del 10.77.0.2/24 dev veth-c
expect_reconnect 1 102 "the address change"

log "move to the second link"
nsx cl ip route add 10.77.0.1/32 via 10.78.0.1 dev veth-c2 metric 500
nsx cl ip link set veth-c down
expect_reconnect 2 101 "the move to the second link"
[ "$(gw_stat success)" -ge 2 ] || die "gateway counted $(gw_stat success) successful reconnects"
grep -q "Enter your" "$TEST_TMP/agent.log" && die "a prompt appeared"
agent_cli disconnect >/dev/null || die "disconnect failed"
log "PASS"
