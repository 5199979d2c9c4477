#!/bin/bash
# test_gw_reconnect.sh - IKEv2 Auto Reconnect against anyroam-gw (PROTOCOL.md §4.2, D5-D7):
#   1. an EAP-AnyConnect login (anyroam-gw-testclient: agent/ike + agent/eap) creates a
#      session: ID and token, address 192.168.20.5;
#   2. a strongSwan client with KEY_ID(session ID) + PSK(token) reconnects while the
#      session is still active: same address, traffic passes, stats show one success,
#      Phase1_id is the session ID in hex, capabilities DNR, Auth verify PSK;
#   3. `clear crypto session` moves it to the inactive database, and a reconnect brings it
#      back (two successes);
#   4. a wrong token fails: AUTHENTICATION_FAILED, stats show one failure;
#   5. token rotation (D6): the test client reconnects asking for a new token; the old
#      token is refused afterwards, the new one accepted.
#
#  [ns cl: testclient, then charon]                      [ns gw: anyroam-gw]
#  veth-c 10.77.0.2/24 ---------------------------------- veth-g 10.77.0.1/24
#                                                        lo 192.168.10.1/32
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
need_root
need_bin anyroam-gw anyroam-gw-testclient
need_strongswan

gw_topology
gw_lab
gw_start

# 1. EAP-AnyConnect login
echo cisco | nsx cl "$BIN/anyroam-gw-testclient" --server $GW_IP --ca "$LAB/ca.pem" --user test \
	--state "$TEST_TMP/session" >"$TEST_TMP/testclient.log" 2>&1 ||
	die "EAP-AnyConnect login failed: $(cat "$TEST_TMP/testclient.log")"
sid=$(sed -n 's/^session-id //p' "$TEST_TMP/session")
token=$(sed -n 's/^token //p' "$TEST_TMP/session")
addr=$(sed -n 's/^address //p' "$TEST_TMP/session")
[[ "$sid" =~ ^[A-Za-z]{18}$ ]] || die "session ID '$sid' is not 18 letters"
[[ "$token" =~ ^[0-9A-F]{64}$ ]] || die "the token is not 64 uppercase hex characters"
[ "$addr" = 192.168.20.5 ] || die "login address $addr, expected 192.168.20.5"
gw_ctl show crypto session detail | grep -q 'Phase1_id: \*\$AnyConnectClient\$\*' ||
	die "login session's Phase1_id is not *\$AnyConnectClient\$*"
gw_ctl show crypto ikev2 session detailed | grep -q "Auth verify: AnyConnect-EAP" ||
	die "login is not shown as AnyConnect-EAP"
[ "$(gw_stat active)" = 1 ] || die "expected one reconnect-capable active session"
if gw_ctl show crypto session detail | grep -q "$token"; then die "a show view printed the token"; fi
log "EAP-AnyConnect login: session $sid, address $addr"

sid_hex=$(printf '%s' "$sid" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
conn() { # conn NAME PSK
	cat <<EOF
	$1 {
$(sw_common)
		local {
			auth = psk
			id = keyid:$sid
		}
		remote {
			auth = pubkey
			id = $GW_IP
		}
		children {
			$1-net {
				remote_ts = 192.168.10.0/24
				esp_proposals = aes256-sha384
			}
		}
	}
EOF
}
sw_conf "connections {
$(conn good)
$(conn bad)
}
secrets {
	ike-good {
		id-1 = keyid:$sid
		secret = \"$token\"
	}
}"
sw_start

# 2. reconnect while the session is still active
sw --initiate --child good-net --timeout 20 >"$TEST_TMP/initiate-1.log" 2>&1 ||
	die "reconnect with KEY_ID + PSK failed: $(tail -3 "$TEST_TMP/initiate-1.log")"
vip=$(nsx cl ip -4 addr show | sed -n 's/.*inet \(192\.168\.20\.[0-9]*\).*/\1/p' | head -1)
[ "$vip" = "$addr" ] || die "reconnect got address '$vip', not the session's $addr"
nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP >/dev/null || die "no traffic after the reconnect"
[ "$(gw_stat total)" = 1 ] && [ "$(gw_stat success)" = 1 ] && [ "$(gw_stat failed)" = 0 ] ||
	die "stats after reconnect: $(gw_ctl show crypto ikev2 stats reconnect)"
gw_ctl show crypto session detail >"$TEST_TMP/show1.txt"
grep -q "Phase1_id: $sid_hex" "$TEST_TMP/show1.txt" || die "Phase1_id is not the session ID in hex"
grep -q "Capabilities:DNR" "$TEST_TMP/show1.txt" || die "capabilities are not DNR"
[ "$(grep -c 'Session status: UP-ACTIVE' "$TEST_TMP/show1.txt")" = 1 ] || die "the old SA was not replaced"
gw_ctl show crypto ikev2 session detailed | grep -q "Auth sign: RSA, Auth verify: PSK" ||
	die "reconnect is not shown as Auth verify: PSK"
log "reconnect while active: same address $vip, Phase1_id $sid_hex, DNR"

# 3. clear crypto session -> inactive -> reconnect
gw_ctl clear crypto session "$sid" >/dev/null || die "clear crypto session failed"
[ "$(gw_stat inactive)" = 1 ] && [ "$(gw_stat active)" = 0 ] ||
	die "after clear: $(gw_ctl show crypto ikev2 stats reconnect)"
sw --terminate --ike good --timeout 5 >/dev/null 2>&1 || true
sw --initiate --child good-net --timeout 20 >"$TEST_TMP/initiate-2.log" 2>&1 ||
	die "reconnect from the inactive database failed: $(tail -3 "$TEST_TMP/initiate-2.log")"
[ "$(gw_stat success)" = 2 ] && [ "$(gw_stat inactive)" = 0 ] && [ "$(gw_stat active)" = 1 ] ||
	die "after the second reconnect: $(gw_ctl show crypto ikev2 stats reconnect)"
nsx cl ping -c 2 -i 0.2 -W 2 $BEHIND_IP >/dev/null || die "no traffic after reconnecting an inactive session"
log "clear crypto session + reconnect: back from the inactive database"

# 4. a wrong token, for the (again inactive) session; a client Delete would end it
gw_ctl clear crypto session >/dev/null || die "clear crypto session (all) failed"
sw_conf "connections {
$(conn bad)
}
secrets {
	ike-bad {
		id-1 = keyid:$sid
		secret = \"0000000000000000000000000000000000000000000000000000000000000000\"
	}
}"
sw --load-all --noprompt >/dev/null 2>&1 || die "reloading strongSwan failed"
if sw --initiate --child bad-net --timeout 15 >"$TEST_TMP/initiate-bad.log" 2>&1; then
	die "a wrong token was accepted"
fi
[ "$(gw_stat failed)" = 1 ] && [ "$(gw_stat bad_token)" = 1 ] && [ "$(gw_stat success)" = 2 ] ||
	die "stats after a wrong token: $(gw_ctl --json show crypto ikev2 stats reconnect)"
grep -q "AUTHENTICATION_FAILED" "$SW/charon.log" || die "strongSwan did not see AUTHENTICATION_FAILED"

# 5. token rotation (D6): a reconnect asking for a new token gets one; the old token stops
#    working at once, the new one works
cp "$TEST_TMP/session" "$TEST_TMP/session.old"
nsx cl "$BIN/anyroam-gw-testclient" --server $GW_IP --ca "$LAB/ca.pem" --state "$TEST_TMP/session" \
	--reconnect >"$TEST_TMP/rotate.log" 2>&1 || die "reconnect with token request failed: $(cat "$TEST_TMP/rotate.log")"
grep -q "token rotated" "$TEST_TMP/rotate.log" || die "no new token: $(cat "$TEST_TMP/rotate.log")"
grep -q "address $addr" "$TEST_TMP/rotate.log" || die "the rotating reconnect changed the address"
new_token=$(sed -n 's/^token //p' "$TEST_TMP/session")
[[ "$new_token" =~ ^[0-9A-F]{64}$ ]] && [ "$new_token" != "$token" ] || die "the stored token was not replaced"
[ "$(gw_stat success)" = 3 ] || die "rotating reconnect not counted: $(gw_ctl --json show crypto ikev2 stats reconnect)"
sw_conf "connections {
$(conn bad)
}
secrets {
	ike-old {
		id-1 = keyid:$sid
		secret = \"$token\"
	}
}"
sw --load-all --noprompt >/dev/null 2>&1 || die "reloading strongSwan failed"
if sw --initiate --child bad-net --timeout 15 >"$TEST_TMP/initiate-old.log" 2>&1; then
	die "the old token still works after rotation"
fi
[ "$(gw_stat bad_token)" = 2 ] || die "old token not refused as bad-token: $(gw_ctl --json show crypto ikev2 stats reconnect)"
nsx cl "$BIN/anyroam-gw-testclient" --server $GW_IP --ca "$LAB/ca.pem" --state "$TEST_TMP/session" \
	--reconnect >"$TEST_TMP/rotate2.log" 2>&1 || die "the new token does not work: $(cat "$TEST_TMP/rotate2.log")"
[ "$(gw_stat success)" = 4 ] || die "stats: $(gw_ctl --json show crypto ikev2 stats reconnect)"
log "token rotation: new token issued and stored, old one refused, new one accepted"
gw_ctl show crypto ikev2 stats reconnect
log "ok: login, reconnect (active and inactive), same address, wrong token refused and counted, rotation"
