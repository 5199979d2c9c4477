#!/bin/bash
# test_dart_secrets.sh - `anyroam dart` against a live session (issue 9): log in to
# anyroam-gw with a distinctive password, reconnect once (simulated resume, reason 9),
# plant the password and the token the gateway issued into files the bundle collects,
# then search every decompressed file of the bundle for them: none may be found.
# Also checks the bundle's content (summary.txt first, manifest complete with matching
# SHA-256, the expected files), --redact-users, and a bundle made after the agent died.
#
#  [ns cl: anyroamd, anyroam0 192.168.20.x]             [ns gw: anyroam-gw, argw0]
#  veth-c 10.77.0.2/24 --------------------------------- veth-g 10.77.0.1/24
#                                                        lo 192.168.10.1/32 (behind the gateway)
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_bin anyroam-gw anyroamd anyroam
need_cmd python3 perl

DART_USER=dartuser$$
DART_PW="Pl4nted-Dart-Pw-$$-x"

# unpack ZIP DIR: every file of the bundle, decompressed (python3's zipfile, no unzip needed)
unpack() {
	python3 - "$1" "$2" <<'PY' || die "cannot unpack $1"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
z.extractall(sys.argv[2])
open(sys.argv[2] + "/.order", "w").write("\n".join(z.namelist()) + "\n")
PY
}

# search DIR WORD...: none of the words in any file (binary included)
search_none() {
	local dir=$1 w
	shift
	for w in "$@"; do
		if grep -r -a -F -l -- "$w" "$dir" --exclude=.order; then
			die "a planted secret is in the bundle ($(grep -r -a -F -l -- "$w" "$dir" | tr '\n' ' '))"
		fi
	done
}

# check_manifest DIR: summary.txt first, manifest second, every other file listed
# with its size and SHA-256
check_manifest() {
	python3 - "$1" <<'PY' || die "manifest check failed for $1"
import hashlib, json, os, sys
d = sys.argv[1]
order = open(d + "/.order").read().split()
assert order[0] == "summary.txt", order[:2]
assert order[1] == "manifest.json", order[:2]
m = json.load(open(d + "/manifest.json"))
listed = {f["name"]: f for f in m["files"]}
assert m["created"] and m["versions"]["anyroam"], m
for name in order:
    if name == "manifest.json":
        continue
    data = open(os.path.join(d, name), "rb").read()
    f = listed.pop(name)
    assert f["size"] == len(data), name
    assert f["sha256"] == hashlib.sha256(data).hexdigest(), name
assert not listed, listed
print("manifest ok: %d files" % len(order))
PY
}

gw_topology
gw_lab "username $DART_USER password 0 $DART_PW"
gw_start
agent_conf
agent_start

log "login as $DART_USER"
printf 'connect IKEv2_Gateway\n%s\n%s\n' "$DART_USER" "$DART_PW" | agent_cli -s >"$TEST_TMP/connect.out" 2>"$TEST_TMP/connect.err" ||
	skip "the end-to-end login does not work in this build: $(cat "$TEST_TMP/connect.err")"
agent_connected || skip "not Connected after login"

log "simulated resume: one reconnect (reason 9) for the timeline"
agent_cli debug simulate-resume >/dev/null || die "simulate-resume failed"
wait_for 10 agent_connected || die "not Connected after the simulated resume"

# the token the gateway issued: the agent's stored session (root only, mode 0600)
TOKEN_HEX=$(sed -n 's/^token=//p' "$AGENT_STATE/session")
[ -n "$TOKEN_HEX" ] || die "no token in the stored session"
TOKEN=$(perl -e 'print pack("H*", $ARGV[0])' "$TOKEN_HEX")
TOKEN_HEX_LOWER=$(printf '%s' "$TOKEN_HEX" | tr 'A-F' 'a-f')
[ ${#TOKEN} -ge 16 ] || die "token too short: ${#TOKEN}"
log "token of ${#TOKEN} bytes"

# plant: the password and the token in files the bundle collects
printf '# password 0 %s\n# session_token=%s\n' "$DART_PW" "$TOKEN" >>"$AGENT_CONF"
printf '# debug: <session-token>%s</session-token> raw %s\n' "$TOKEN" "$TOKEN" >>"$AGENT_RESOLV"
cat >"$TEST_TMP/profiles/planted.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<AnyConnectProfile xmlns="http://schemas.xmlsoap.org/encoding/">
  <!-- <username>$DART_USER</username> <password>$DART_PW</password> token $TOKEN -->
  <ServerList><HostEntry><HostName>Planted</HostName><HostAddress>10.9.9.9</HostAddress></HostEntry></ServerList>
</AnyConnectProfile>
XML

log "anyroam dart with the agent running"
(cd "$TEST_TMP" && agent_cli dart -o bundle.zip) >"$TEST_TMP/dart.out" 2>"$TEST_TMP/dart.err" || {
	grep -q 'not part of this build' "$TEST_TMP/dart.err" &&
		skip "anyroamd does not answer DART yet: the dart_daemon hook is not wired (see the dart report)"
	die "anyroam dart failed: $(cat "$TEST_TMP/dart.err")"
}
[ -f "$TEST_TMP/bundle.zip" ] || die "no bundle written: $(cat "$TEST_TMP/dart.out" "$TEST_TMP/dart.err")"
unpack "$TEST_TMP/bundle.zip" "$TEST_TMP/b1"
search_none "$TEST_TMP/b1" "$DART_PW" "$TOKEN" "$TOKEN_HEX" "$TOKEN_HEX_LOWER"
check_manifest "$TEST_TMP/b1"
for f in summary.txt manifest.json agent/state.json agent/stats.json agent/reconnect-timeline.json \
	agent/control-commands.txt agent/gateway-chain.pem eventlog/anyroam.log config/agent.conf \
	profiles/effective.txt network/ip-addr.txt network/ip-route.txt network/ip-rule.txt \
	network/tun-link.txt network/resolv.conf system/os-release system/uname.txt; do
	[ -f "$TEST_TMP/b1/$f" ] || die "bundle lacks $f ($(tr '\n' ' ' <"$TEST_TMP/b1/.order"))"
done
grep -q 'state  *: Connected' "$TEST_TMP/b1/summary.txt" || die "summary lacks the state"
grep -q 'reason 9 (System resume' "$TEST_TMP/b1/summary.txt" || die "summary lacks the reconnect"
grep -q '"reason":9,"done":true,"ok":true' "$TEST_TMP/b1/agent/reconnect-timeline.json" ||
	die "timeline lacks the reconnect: $(cat "$TEST_TMP/b1/agent/reconnect-timeline.json")"
grep -q 'BEGIN CERTIFICATE' "$TEST_TMP/b1/agent/gateway-chain.pem" || die "no gateway chain"
grep -q 'PRIVATE KEY' "$TEST_TMP/b1/agent/gateway-chain.pem" && die "a key in the chain"
grep -q ' dart$' "$TEST_TMP/b1/agent/control-commands.txt" || die "control commands lack dart"
grep -q 'anyroam0' "$TEST_TMP/b1/network/tun-link.txt" || die "tun device not shown"
grep -qx '# password \[REDACTED\]' "$TEST_TMP/b1/config/agent.conf" || die "planted conf line not scrubbed as expected"
grep -qx '# session_token=\[REDACTED\]' "$TEST_TMP/b1/config/agent.conf" || die "planted token line not scrubbed as expected"
log "bundle 1: $(wc -l <"$TEST_TMP/b1/.order") files, no planted secret; $(head -1 "$TEST_TMP/dart.out")"

log "anyroam dart --redact-users"
grep -r -q -F "$DART_USER" "$TEST_TMP/b1" || die "the user name is nowhere in bundle 1: nothing to redact"
# the redact flag travels in the DART request (field redact_users): the agent writes it
agent_cli dart --redact-users -o "$TEST_TMP/bundle2.zip" >"$TEST_TMP/dart2.out" 2>"$TEST_TMP/dart2.err" ||
	die "dart --redact-users failed: $(cat "$TEST_TMP/dart2.err")"
grep -q "dart: wrote $TEST_TMP/bundle2.zip" "$TEST_TMP/agent.log" ||
	die "the agent did not write the redacted bundle (the CLI collected it): $(cat "$TEST_TMP/dart2.err")"
unpack "$TEST_TMP/bundle2.zip" "$TEST_TMP/b2"
search_none "$TEST_TMP/b2" "$DART_PW" "$TOKEN" "$TOKEN_HEX" "$TOKEN_HEX_LOWER" "$DART_USER"
check_manifest "$TEST_TMP/b2"
grep -r -q -F '[USER]' "$TEST_TMP/b2" || die "no user name placeholder in the redacted bundle"
# written by the agent, with its own data
for f in agent/reconnect-timeline.json agent/control-commands.txt agent/gateway-chain.pem agent/stats.json \
	agent/paths.txt eventlog/anyroam.log config/agent.conf; do
	[ -f "$TEST_TMP/b2/$f" ] || die "the CLI's bundle lacks the agent's $f"
done

log "anyroam dart after the agent died (SIGKILL: the session file stays)"
kill -9 "$AGENT_PID"
wait_for 5 sh -c "! kill -0 $AGENT_PID" || die "anyroamd did not die"
nsx cl "$BIN/anyroam" --ctl "$AGENT_CTL" dart -o "$TEST_TMP/bundle3.zip" --state-dir "$AGENT_STATE" \
	--config "$AGENT_CONF" --profile-dir "$TEST_TMP/profiles" >"$TEST_TMP/dart3.out" 2>"$TEST_TMP/dart3.err" ||
	die "dart without the agent failed: $(cat "$TEST_TMP/dart3.err")"
grep -q 'not running' "$TEST_TMP/dart3.err" || die "stderr does not say the agent is not running"
unpack "$TEST_TMP/bundle3.zip" "$TEST_TMP/b3"
search_none "$TEST_TMP/b3" "$DART_PW" "$TOKEN" "$TOKEN_HEX" "$TOKEN_HEX_LOWER"
check_manifest "$TEST_TMP/b3"
grep -q 'the agent is not running' "$TEST_TMP/b3/summary.txt" || die "summary does not say the agent is not running"
grep -q 'reason 9 (System resume' "$TEST_TMP/b3/summary.txt" || die "summary lacks the reconnect from the event log"
[ -f "$TEST_TMP/b3/eventlog/anyroam.log" ] || die "no event log without the agent"
log "anyroam dart with an agent in its own mount namespace (as PrivateTmp/ProtectHome do)"
if command -v unshare >/dev/null; then
	mkdir -p "$TEST_TMP/hidden"
	AGENT_PID=$(bg cl "$TEST_TMP/agent2.log" unshare -m --propagation private sh -c \
		"mount -t tmpfs tmpfs '$TEST_TMP/hidden' && exec '$BIN/anyroamd' --foreground --config '$AGENT_CONF' \
		--ctl '$AGENT_CTL' --state-dir '$AGENT_STATE' --profile-dir '$TEST_TMP/profiles'")
	wait_for 10 agent_cli state || die "the sandboxed anyroamd did not come up"
	wait_for 10 agent_connected || log "(the restarted agent did not reconnect; the bundle is made anyway)"
	agent_cli dart -o "$TEST_TMP/hidden/bundle4.zip" >"$TEST_TMP/dart4.out" 2>"$TEST_TMP/dart4.err" ||
		die "dart with a sandboxed agent failed: $(cat "$TEST_TMP/dart4.err")"
	grep -q 'not visible' "$TEST_TMP/dart4.err" || die "the CLI did not notice the agent's hidden file: $(cat "$TEST_TMP/dart4.err")"
	[ -s "$TEST_TMP/hidden/bundle4.zip" ] || die "no bundle where the user asked for it"
	unpack "$TEST_TMP/hidden/bundle4.zip" "$TEST_TMP/b4"
	[ -f "$TEST_TMP/b4/eventlog/anyroam.log" ] || die "the fallback bundle lacks the event log"
	search_none "$TEST_TMP/b4" "$DART_PW" "$TOKEN" "$TOKEN_HEX" "$TOKEN_HEX_LOWER"
	check_manifest "$TEST_TMP/b4"
else
	log "(unshare not installed: sandboxed agent case not run)"
fi
log "PASS"
