#!/bin/bash
# scenario_demo.sh - the README's main job (scripts/demo.sh runs it after the build):
# a lab gateway and the agent in their own namespaces; connect with the lab account,
# traffic through the tunnel, a network change and a simulated resume, each reconnect
# with its timing, and the gateway's reconnect stats.
#
#  [ns cl: anyroamd, anyroam0 <- pool 192.168.20.5-10]   [ns gw: anyroam-gw, argw0]
#  veth-c  10.77.0.2/24 --------------------------------- veth-g  10.77.0.1/24
#  veth-c2 10.78.0.2/24 --------------------------------- veth-g2 10.78.0.1/24 (second path)
#                                                         lo 192.168.10.1/32 (split include)
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_bin anyroam-gw anyroamd anyroam

say() { printf '\n== %s\n' "$*"; }
show_reconnect() { # WHAT
	printf '   %-34s reason %-3s  %s ms (trigger to traffic-ready)\n' "$1" \
		"$(agent_stat last_reconnect_reason)" "$(agent_stat last_reconnect_ms)"
}
wait_reconnects() { # N
	wait_for 15 sh -c "[ \"\$($BIN/anyroam --ctl $AGENT_CTL --json stats | sed -n 's/.*\"reconnects\":\([0-9]*\).*/\1/p')\" -ge $1 ]" &&
		wait_for 10 agent_connected
}

say "lab: anyroam-gw --lab $LAB --address $GW_IP"
gw_topology
link cl veth-c2 10.78.0.2/24 gw veth-g2 10.78.0.1/24
gw_lab
ls "$LAB"
gw_start
agent_conf
agent_start
echo "   anyroam-gw (ns $(ns gw)) and anyroamd (ns $(ns cl)) are running"

say "anyroam -s: connect IKEv2_Gateway as test / cisco"
printf 'connect IKEv2_Gateway\ntest\ncisco\n' | agent_cli -s || die "connect failed"
agent_cli state
vip=$(agent_stat assigned_ipv4)

say "traffic through the tunnel to $BEHIND_IP (behind the gateway)"
nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP | tail -2
agent_cli stats

say "network change 1: new source address on the same link"
nsx cl sysctl -qw net.ipv4.conf.veth-c.promote_secondaries=1
nsx cl ip addr add 10.77.0.3/24 dev veth-c
nsx cl ip addr del 10.77.0.2/24 dev veth-c
wait_reconnects 1 || die "no reconnect after the address change"
show_reconnect "address change"

say "network change 2: the path moves to a second link"
nsx cl ip route add $GW_IP/32 via 10.78.0.1 dev veth-c2 metric 500
nsx cl ip link set veth-c down
wait_reconnects 2 || die "no reconnect after the link change"
show_reconnect "move to a second link"

say "simulated resume: anyroam debug simulate-resume"
agent_cli debug simulate-resume >/dev/null
wait_reconnects 3 || die "no reconnect after the resume"
show_reconnect "resume from suspend"

say "after three reconnects: same address, no prompt, traffic flows"
echo "   address before: $vip  after: $(agent_stat assigned_ipv4)"
nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP | tail -2

say "the agent's event log (DART style)"
agent_cli events | tail -12

say "gateway: show crypto ikev2 stats reconnect"
gw_ctl show crypto ikev2 stats reconnect
say "gateway: show crypto session detail"
gw_ctl show crypto session detail

say "disconnect"
agent_cli disconnect
agent_cli state
echo
echo "Demo complete."
