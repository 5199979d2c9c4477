#!/bin/bash
# test_agent_trust.sh - the gateway certificate is checked (PROTOCOL.md §5.2): with a CA
# that did not sign the gateway's certificate the login stops before any credential is
# sent, with a one-line reason, and nothing on the client changes; pinning the
# gateway's certificate with trust-server-cert-sha256 lets the same agent connect.
#
#  [ns cl: anyroamd]                                    [ns gw: anyroam-gw, argw0]
#  veth-c 10.77.0.2/24 --------------------------------- veth-g 10.77.0.1/24
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_bin anyroam-gw anyroamd anyroam
need_cmd openssl

gw_topology
gw_lab
gw_start
"$BIN/anyroam-gw" --lab "$TEST_TMP/otherlab" --address $GW_IP >/dev/null || die "second lab"
agent_conf "system-ca no"
sed -i "s|^ca-file .*|ca-file $TEST_TMP/otherlab/ca.pem|" "$AGENT_CONF"
snapshot before
agent_start

log "a CA that did not sign the gateway"
printf 'connect IKEv2_Gateway\ntest\ncisco\n' | agent_cli -s >"$TEST_TMP/connect.out" 2>"$TEST_TMP/connect.err" &&
	die "connected with an untrusted gateway certificate"
grep -qi "certificate" "$TEST_TMP/connect.err" || die "no certificate reason: $(cat "$TEST_TMP/connect.err")"
grep -q "Please enter your username" "$TEST_TMP/connect.out" && die "credentials were asked before the gateway was trusted"
log "refused: $(cat "$TEST_TMP/connect.err")"
[ "$(agent_cli state)" = "state: Disconnected" ] || die "not Disconnected"
snapshot after
diff -u "$TEST_TMP/snap.before" "$TEST_TMP/snap.after" || die "the client changed after a refused login"

log "the same agent with the gateway certificate pinned"
kill "$AGENT_PID"
wait_for 5 sh -c "! kill -0 $AGENT_PID 2>/dev/null" || die "anyroamd did not stop"
pin=$(openssl x509 -in "$LAB/gw.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
echo "trust-server-cert-sha256 $pin" >>"$AGENT_CONF"
agent_start
agent_login
nsx cl ping -c 2 -i 0.2 -W 2 $BEHIND_IP >/dev/null || die "no traffic with the pinned certificate"
agent_cli disconnect >/dev/null || die "disconnect failed"
log "PASS"
