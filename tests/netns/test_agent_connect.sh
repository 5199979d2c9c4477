#!/bin/bash
# test_agent_connect.sh - anyroamd + anyroam against anyroam-gw (issue 7): log in with
# the lab account through `anyroam -s`, ping and iperf3 a host behind the gateway
# through the tunnel, check state/stats, disconnect, and check that the client's
# routes, links and resolv.conf are exactly as before.
#
#  [ns cl: anyroamd, anyroam0 192.168.20.x]             [ns gw: anyroam-gw, argw0]
#  veth-c 10.77.0.2/24 --------------------------------- veth-g 10.77.0.1/24
#                                                        lo 192.168.10.1/32 (behind the gateway)
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_bin anyroam-gw anyroamd anyroam

gw_topology
gw_lab
gw_start
agent_conf
snapshot before
agent_start

log "connect in script mode"
printf 'connect IKEv2_Gateway\ntest\ncisco\n' | agent_cli -s >"$TEST_TMP/connect.out" 2>"$TEST_TMP/connect.err" ||
	die "connect failed: $(cat "$TEST_TMP/connect.err")"
for line in "Contacting IKEv2_Gateway." "Please enter your username and password." \
	"Establishing VPN session..." "Connected to IKEv2_Gateway."; do
	grep -qxF "$line" "$TEST_TMP/connect.out" || die "missing progress line '$line': $(cat "$TEST_TMP/connect.out")"
done
grep -q cisco "$TEST_TMP/connect.out" && die "the password was echoed"
[ "$(agent_cli state)" = "state: Connected" ] || die "state is not Connected"

vip=$(agent_stat assigned_ipv4)
case "$vip" in 192.168.20.*) log "assigned $vip" ;; *) die "no pool address: '$vip'" ;; esac
grep -q "inet $vip" <<<"$(nsx cl ip -4 addr show dev anyroam0)" || die "anyroam0 does not carry $vip"
grep -q anyroam0 <<<"$(nsx cl ip route show 192.168.10.0/24)" || die "no split-include route via anyroam0"

nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP >"$TEST_TMP/ping.log" || die "no traffic through the tunnel"
log "ping through the tunnel ok"
if command -v iperf3 >/dev/null; then
	bg gw "$TEST_TMP/iperf3-server.log" iperf3 -s -B $BEHIND_IP -1 >/dev/null
	sleep 0.5
	nsx cl iperf3 -c $BEHIND_IP -t 3 -f m >"$TEST_TMP/iperf3.log" 2>&1 || die "iperf3 through the tunnel failed"
	log "iperf3: $(grep -E 'receiver' "$TEST_TMP/iperf3.log" | tail -1)"
fi
agent_cli --json stats >"$TEST_TMP/stats.json"
grep -q '"packets_in":[1-9]' "$TEST_TMP/stats.json" || die "stats count no packets: $(cat "$TEST_TMP/stats.json")"
grep -qi token "$TEST_TMP/stats.json" && die "stats mention the token"
[ -f "$AGENT_STATE/session" ] || die "no stored session"
[ "$(stat -c %a "$AGENT_STATE/session")" = 600 ] || die "session file is not 0600"

if command -v unzip >/dev/null; then
	agent_cli dart -o "$TEST_TMP/bundle.zip" >"$TEST_TMP/dart.out" 2>&1 || die "dart failed: $(cat "$TEST_TMP/dart.out")"
	tok=$(printf '%b' "$(sed -n 's/^token=//p' "$AGENT_STATE/session" | sed 's/../\\x&/g')")
	[ ${#tok} -ge 16 ] || die "no token in the session file"
	# whole outputs in files: `grep -q` on a pipe would SIGPIPE unzip under pipefail
	unzip -p "$TEST_TMP/bundle.zip" >"$TEST_TMP/bundle.txt"
	unzip -l "$TEST_TMP/bundle.zip" >"$TEST_TMP/bundle.list"
	grep -qF "$tok" "$TEST_TMP/bundle.txt" && die "the DART bundle contains the session token"
	grep -q 'eventlog/anyroam.log' "$TEST_TMP/bundle.list" || die "the bundle lacks the event log"
	log "dart bundle ok ($(tail -1 "$TEST_TMP/bundle.list" | awk '{print $2}') files, no token)"
fi

log "disconnect"
agent_cli disconnect >"$TEST_TMP/disconnect.out" || die "disconnect failed"
[ "$(agent_cli state)" = "state: Disconnected" ] || die "state is not Disconnected"
[ -f "$AGENT_STATE/session" ] && die "the session file survived an explicit disconnect"
snapshot after
diff -u "$TEST_TMP/snap.before" "$TEST_TMP/snap.after" || die "routes, links or resolv.conf not restored exactly"
agent_cli events >"$TEST_TMP/events.txt"
grep -q "Connected to IKEv2_Gateway." "$TEST_TMP/events.txt" || die "event log lacks the connect"
grep -q "Disconnected from IKEv2_Gateway." "$TEST_TMP/events.txt" || die "event log lacks the disconnect"
log "PASS"
