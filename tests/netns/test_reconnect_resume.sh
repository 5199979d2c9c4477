#!/bin/bash
# test_reconnect_resume.sh - Auto Reconnect after a (simulated) system resume and after
# an agent restart (issue 8, scenario 2; PROTOCOL.md §12 codes 9 and 107): the same
# tunnel address, no prompt, traffic after, the seed's log lines, the gateway's
# reconnect counters, and a long-lived TCP connection that survives.
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
agent_login
vip=$(agent_stat assigned_ipv4)
sid=$(agent_stat session_id)
log "connected: $vip, session $sid"

tcp_start
bg cl "$TEST_TMP/follow.txt" "$BIN/anyroam" --ctl "$AGENT_CTL" events --follow >/dev/null
sleep 0.3
log "simulate resume"
agent_cli debug simulate-resume >/dev/null || die "simulate-resume refused"
wait_for 10 agent_connected || die "not Connected again after resume"
[ "$(agent_stat assigned_ipv4)" = "$vip" ] || die "address changed: $(agent_stat assigned_ipv4) != $vip"
[ "$(agent_stat reconnects)" = 1 ] || die "reconnects != 1"
[ "$(agent_stat last_reconnect_reason)" = 9 ] || die "last_reconnect_reason != 9"
log "reconnected in $(agent_stat last_reconnect_ms) ms"
nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP >"$TEST_TMP/ping2.log" || die "no traffic after the resume"
tcp_check "after the resume"
agent_cli events >"$TEST_TMP/events.txt"
for line in "Client Agent continuing from system suspend." \
	"Session level reconnect reason code 9: System resume from suspend mode (Sleep, Stand-by, Hibernate, etc)." \
	"Reconnecting to IKEv2_Gateway..." "Using IKE ID '$sid' for reconnect" "Connected to IKEv2_Gateway."; do
	grep -qF "$line" "$TEST_TMP/events.txt" || die "event log lacks '$line'"
done
grep -qF "Session level reconnect reason code 9" "$AGENT_STATE/anyroam.log" || die "DART log lacks reason code 9"
grep -qF "Session level reconnect reason code 9" "$TEST_TMP/follow.txt" || die "events --follow did not show the reconnect"
[ "$(gw_stat success)" -ge 1 ] || die "gateway counted no successful reconnect: $(gw_ctl show crypto ikev2 stats reconnect)"
gw_ctl show crypto ikev2 session detailed >"$TEST_TMP/show.txt"
grep -q "Auth verify: PSK" "$TEST_TMP/show.txt" || die "gateway does not show a PSK reconnect"

log "agent restart (SIGKILL, then start again)"
kill -9 "$AGENT_PID"
sleep 0.3
agent_start
wait_for 10 agent_connected || die "the restarted agent did not reconnect"
[ "$(agent_stat assigned_ipv4)" = "$vip" ] || die "address changed after the restart"
[ "$(agent_stat last_reconnect_reason)" = 107 ] || die "last_reconnect_reason != 107"
nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP >"$TEST_TMP/ping3.log" || die "no traffic after the agent restart"
agent_cli disconnect >/dev/null || die "disconnect failed"
# after a SIGKILL, a restart and a disconnect, everything is as before the first login
snapshot after
diff -u "$TEST_TMP/snap.before" "$TEST_TMP/snap.after" || die "not restored exactly after the crash"
log "PASS"
