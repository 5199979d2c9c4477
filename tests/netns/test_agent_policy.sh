#!/bin/bash
# test_agent_policy.sh - the profile's AutoReconnect settings are honoured (issue 8):
# AutoReconnectBehavior=DisconnectOnSuspend ends the tunnel on a resume instead of
# reconnecting, AutoReconnect=false ends it on any trigger; both with a clear reason in
# the event log, the session forgotten and routes/links/resolv.conf restored exactly.
#
#  [ns cl: anyroamd]                                    [ns gw: anyroam-gw, argw0]
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
cp "$LAB/lab.xml" "$TEST_TMP/lab.orig.xml"

# expect_torn_down WHAT TEXT: after a resume, the tunnel is gone for the reason TEXT
expect_torn_down() {
	agent_cli debug simulate-resume >/dev/null || die "simulate-resume refused ($1)"
	wait_for 10 sh -c "[ \"\$($BIN/anyroam --ctl $AGENT_CTL state)\" = 'state: Disconnected' ]" ||
		die "still $(agent_cli state) after a resume with $1"
	grep -qF "$2" <<<"$(agent_cli events)" || die "no '$2' in the event log ($1)"
	[ -f "$AGENT_STATE/session" ] && die "the session survived ($1)"
	[ "$(agent_stat reconnects)" = 0 ] || die "a reconnect happened with $1"
	snapshot after
	diff -u "$TEST_TMP/snap.before" "$TEST_TMP/snap.after" || die "not restored exactly ($1)"
	log "$1: torn down, restored"
}

log "DisconnectOnSuspend"
sed 's/>ReconnectAfterResume</>DisconnectOnSuspend</' "$TEST_TMP/lab.orig.xml" >"$LAB/lab.xml"
agent_start
agent_login
expect_torn_down DisconnectOnSuspend "DisconnectOnSuspend"
kill "$AGENT_PID"
wait_for 5 sh -c "! kill -0 $AGENT_PID 2>/dev/null" || die "anyroamd did not stop"

log "AutoReconnect=false"
sed 's/\(<AutoReconnect UserControllable="false">\)true/\1false/' "$TEST_TMP/lab.orig.xml" >"$LAB/lab.xml"
grep -q '<AutoReconnect UserControllable="false">false' "$LAB/lab.xml" || die "cannot turn AutoReconnect off"
agent_start
agent_login
expect_torn_down "AutoReconnect=false" "AutoReconnect is off"
log "PASS"
