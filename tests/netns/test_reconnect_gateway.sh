#!/bin/bash
# test_reconnect_gateway.sh - the gateway side of Auto Reconnect (issue 8, scenarios 3-5):
#  3. the client frozen (SIGSTOP) longer than the gateway's DPD: the gateway moves the
#     session to its inactive database; after SIGCONT the client reconnects from it
#     with the same address and no prompt;
#  5. the gateway restarted (its sessions gone): the reconnect is refused, the agent
#     says why and needs one full login; script mode without answers exits with a
#     clear message; with answers it connects again;
#  4. a reconnect after the reconnect timeout: refused as expired, full login again.
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
# a short gateway DPD (probe after 10 s, then every 2 s) so a frozen client is lost fast
sed -i 's/^ dpd 45 retry 2 on-demand/ dpd 10 retry 2 on-demand/' "$LAB/gw.conf"
grep -q '^ dpd 10 retry 2' "$LAB/gw.conf" || die "cannot shorten the gateway DPD"
gw_start
agent_conf
agent_start
agent_login
vip=$(agent_stat assigned_ipv4)

log "scenario 3: client frozen beyond the gateway's DPD"
kill -STOP "$AGENT_PID"
gw_inactive() { [ "$(gw_stat inactive)" -ge 1 ] 2>/dev/null; }
wait_for 40 gw_inactive || die "the gateway never moved the session to inactive: $(gw_ctl --json show crypto ikev2 stats reconnect)"
sleep 2
kill -CONT "$AGENT_PID"
# SIGCONT makes the agent probe at once (3 DPD tries in 2 s, then reason 103), not
# after its own DPD's full retransmission schedule (~35 s)
t0=$(date +%s%N)
until nsx cl ping -c 1 -W 1 $BEHIND_IP >/dev/null 2>&1; do
	[ $(($(date +%s%N) - t0)) -lt 8000000000 ] ||
		die "no traffic within 8 s of SIGCONT (state: $(agent_cli state))"
	sleep 0.1
done
log "traffic back $((($(date +%s%N) - t0) / 1000000)) ms after SIGCONT"
[ "$(agent_stat reconnects)" -ge 1 ] || die "traffic without a reconnect after the freeze"
[ "$(agent_stat last_reconnect_reason)" = 103 ] ||
	die "reconnect reason $(agent_stat last_reconnect_reason), expected 103 (dead peer)"
wait_for 10 agent_connected || die "not Connected after SIGCONT"
[ "$(agent_stat assigned_ipv4)" = "$vip" ] || die "address changed after the freeze"
nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP >/dev/null || die "no traffic after the freeze"
log "reconnected after the freeze (reason $(agent_stat last_reconnect_reason))"

full_login_after() { # WHAT: the agent must ask for one full login, then get it
	wait_for 30 sh -c "[ \"\$($BIN/anyroam --ctl $AGENT_CTL state)\" = 'state: Connecting' ]" ||
		die "no full login asked for after $1 (state: $(agent_cli state))"
	grep -qF "reconnect rejected by gateway (AUTHENTICATION_FAILED)" <<<"$(agent_cli events)" ||
		grep -qF "full login required" "$AGENT_STATE/anyroam.log" || die "no reason logged after $1"
	printf 'connect IKEv2_Gateway\n' | agent_cli -s >/dev/null 2>"$TEST_TMP/noanswer.err" &&
		die "script mode without answers succeeded"
	grep -q "standard input has no more answers (script mode)" "$TEST_TMP/noanswer.err" ||
		die "script mode without answers gave no clear message: $(cat "$TEST_TMP/noanswer.err")"
	agent_login
	nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP >/dev/null || die "no traffic after the full login ($1)"
	log "full login after $1 ok"
}

log "scenario 5: gateway restarted"
kill "${_pids[0]}"
wait "${_pids[0]}" 2>/dev/null || true
sed -i 's/^ reconnect timeout 900/ reconnect timeout 10/' "$LAB/gw.conf"
gw_start
agent_cli debug simulate-resume >/dev/null || die "simulate-resume refused"
full_login_after "the gateway restart"

log "scenario 4: reconnect after the reconnect timeout"
kill -STOP "$AGENT_PID"
gw_ctl clear crypto session >/dev/null || die "clear crypto session failed"
sleep 20
kill -CONT "$AGENT_PID"
agent_cli debug simulate-resume >/dev/null || true
full_login_after "the reconnect timeout"
log "gateway counters: $(gw_ctl --json show crypto ikev2 stats reconnect)"
agent_cli disconnect >/dev/null || die "disconnect failed"
log "PASS"
