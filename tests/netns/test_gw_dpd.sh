#!/bin/bash
# test_gw_dpd.sh - the session life cycle of PROTOCOL.md §4.4 on the gateway's clock:
#   1. an EAP-AnyConnect login, then the client goes silent (exits without a Delete, like
#      a laptop put to sleep);
#   2. on-demand DPD (`dpd 10 retry 2`): after 10 s of silence the gateway probes, every
#      2 s, 5 times; no answer -> SA deleted, session in the inactive database, address kept;
#   3. a KEY_ID + PSK reconnect (strongSwan) brings it back with the same address;
#   4. silent again; after DPD and `reconnect timeout 10` the session expires: a reconnect
#      now gets AUTHENTICATION_FAILED, counted as expired-session.
#
#  [ns cl: test client, then charon]                     [ns gw: anyroam-gw]
#  veth-c 10.77.0.2/24 ---------------------------------- veth-g 10.77.0.1/24
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
need_root
need_bin anyroam-gw anyroam-gw-testclient
need_strongswan

gw_topology
gw_lab
sed -i 's/^ dpd 45 retry 2 on-demand/ dpd 10 retry 2 on-demand/; s/^ reconnect timeout 900/ reconnect timeout 10/' "$LAB/gw.conf"
grep -q "^ dpd 10 retry 2" "$LAB/gw.conf" || die "could not set the DPD interval"
gw_start

echo cisco | nsx cl "$BIN/anyroam-gw-testclient" --server $GW_IP --ca "$LAB/ca.pem" --user test \
	--state "$TEST_TMP/session" >"$TEST_TMP/testclient.log" 2>&1 || die "login failed: $(cat "$TEST_TMP/testclient.log")"
sid=$(sed -n 's/^session-id //p' "$TEST_TMP/session")
token=$(sed -n 's/^token //p' "$TEST_TMP/session")
addr=$(sed -n 's/^address //p' "$TEST_TMP/session")
t0=$(date +%s)
[ "$(gw_stat active)" = 1 ] || die "no active session after the login"
sleep 8
[ "$(gw_stat active)" = 1 ] || die "the session went inactive before the DPD interval"
# 10 s silence + 5 probes 2 s apart (+ the last one's wait)
wait_for 30 sh -c "[ \"\$('$BIN/anyroam-gw' --ctl '$GW_CTL' --json show crypto ikev2 stats reconnect |
	sed -n 's/.*\"inactive\":\([0-9]*\).*/\1/p')\" = 1 ]" ||
	die "DPD did not move the session to the inactive database: $(gw_ctl show crypto ikev2 stats reconnect)"
log "DPD: session inactive after $(($(date +%s) - t0)) s of silence"
[ "$(gw_stat active)" = 0 ] || die "the dead session is still active"
gw_ctl show crypto session detail | grep -q "UP-ACTIVE" && die "a dead session is still shown UP-ACTIVE"

sw_conf "connections {
	rc {
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
			rc-net {
				remote_ts = 192.168.10.0/24
				esp_proposals = aes256-sha384
			}
		}
	}
}
secrets {
	ike-rc {
		id-1 = keyid:$sid
		secret = \"$token\"
	}
}"
sw_start
sw --initiate --child rc-net --timeout 20 >"$TEST_TMP/initiate-1.log" 2>&1 ||
	die "reconnect of the inactive session failed: $(tail -3 "$TEST_TMP/initiate-1.log")"
vip=$(nsx cl ip -4 addr show | sed -n 's/.*inet \(192\.168\.20\.[0-9]*\).*/\1/p' | head -1)
[ "$vip" = "$addr" ] || die "reconnect got $vip, not the session's $addr"
[ "$(gw_stat success)" = 1 ] && [ "$(gw_stat active)" = 1 ] && [ "$(gw_stat inactive)" = 0 ] ||
	die "after reconnect: $(gw_ctl show crypto ikev2 stats reconnect)"
log "reconnect after DPD: same address $vip"

# strongSwan goes silent: its charon is stopped without a Delete (kill -9)
kill -9 "${_pids[1]}"
nsx cl ip link set veth-c down
wait_for 45 sh -c "'$BIN/anyroam-gw' --ctl '$GW_CTL' --json show crypto ikev2 stats reconnect |
	grep -q '\"active\":0,\"inactive\":0'" ||
	die "the session did not expire: $(gw_ctl show crypto ikev2 stats reconnect)"
nsx cl ip link set veth-c up
nsx cl ip route flush table 220 2>/dev/null || true
nsx cl ip addr flush dev ipsec0 2>/dev/null || true
sw_start
if sw --initiate --child rc-net --timeout 15 >"$TEST_TMP/initiate-2.log" 2>&1; then
	die "an expired session was reconnected"
fi
[ "$(gw_stat expired_session)" = 1 ] || die "not counted as expired-session: $(gw_ctl --json show crypto ikev2 stats reconnect)"
gw_ctl show crypto ikev2 stats reconnect
log "ok: on-demand DPD -> inactive -> reconnect -> DPD -> expiry -> expired-session"
