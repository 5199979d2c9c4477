#!/bin/bash
# test_gw_flood.sh - bad input never stops anyroam-gw:
#   - an IKE_SA_INIT flood from random SPIs: past `crypto ikev2 cookie-challenge 5` the
#     gateway answers with a stateless COOKIE (RFC 7296 §2.6), and the half-open SAs stay
#     within `crypto ikev2 limit max-in-negotiation-sa 20`;
#   - junk datagrams on UDP 500 and 4500 are counted and dropped;
#   - afterwards a real client still logs in and passes traffic;
#   - with COOKIE off, the hard limit alone drops what exceeds it.
#
#  [ns cl: python3 flooder, then strongSwan]             [ns gw: anyroam-gw]
#  veth-c 10.77.0.2/24 ---------------------------------- veth-g 10.77.0.1/24
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
need_root
need_bin anyroam-gw
need_cmd python3
need_strongswan

gw_topology
gw_lab
sed -i 's/^crypto ikev2 limit max-in-negotiation-sa .*/crypto ikev2 limit max-in-negotiation-sa 20/;
	s/^crypto ikev2 cookie-challenge .*/crypto ikev2 cookie-challenge 5/' "$LAB/gw.conf"
gw_start

# IKE_SA_INIT requests (RFC 7296 §1.2): SA (AES-CBC-256, PRF/INTEG SHA2-512, MODP-2048),
# KE group 14 with a random public value, Nonce; a fresh SPIi each. Prints
# "<normal responses> <COOKIE responses>".
cat >"$TEST_TMP/flood.py" <<'PY'
import os, socket, struct, sys
gw, n = sys.argv[1], int(sys.argv[2])
def pl(nxt, body): return struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
def tr(last, ttype, tid, attr=b""):
    body = struct.pack("!BBH", ttype, 0, tid) + attr
    return struct.pack("!BBH", 0 if last else 3, 0, 8 + len(body) - 4) + body
ts = [tr(0, 1, 12, struct.pack("!HH", 0x800E, 256)), tr(0, 2, 7), tr(0, 3, 14), tr(1, 4, 14)]
prop = b"".join(ts)
prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(prop), 1, 1, 0, len(ts)) + prop
ke_pub = b"\x7f" + os.urandom(255)
sa, ke, nonce = pl(34, prop), pl(40, struct.pack("!HH", 14, 0) + ke_pub), pl(0, os.urandom(32))
body = sa + ke + nonce
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
normal = cookie = 0
for i in range(n):
    hdr = os.urandom(8) + b"\0" * 8 + struct.pack("!BBBBII", 33, 0x20, 34, 0x08, 0, 28 + len(body))
    s.sendto(hdr + body, (gw, 500))
    try:
        r = s.recv(65536)
    except socket.timeout:
        continue
    # first payload after the header: a COOKIE notify (type 16390) or the SA
    if r[16] == 41 and struct.unpack("!H", r[28 + 6:28 + 8])[0] == 16390:
        cookie += 1
    elif r[16] == 33:
        normal += 1
# junk: short, wrong version, lying length, random bytes; on 500 and 4500
for port in (500, 4500):
    for j in (b"\0", b"\xff" * 3, os.urandom(27), os.urandom(28), os.urandom(200),
              b"\0\0\0\0" + os.urandom(40)):
        for k in range(20):
            s.sendto(j, (gw, port))
print(normal, cookie)
PY
read -r normal cookie < <(nsx cl python3 "$TEST_TMP/flood.py" $GW_IP 60) || die "flooder failed"
log "flood of 60 IKE_SA_INIT: $normal normal responses, $cookie COOKIE challenges"
[ "$cookie" -gt 0 ] || die "no COOKIE challenge under the flood"
[ "$normal" -le 20 ] || die "$normal half-open SAs created, limit 20"
stats=$(gw_ctl --json show crypto ikev2 stats) || die "gateway not answering after the flood"
half=$(sed -n 's/.*"half_open":\([0-9]*\).*/\1/p' <<<"$stats")
bad=$(sed -n 's/.*"ike_malformed":\([0-9]*\).*/\1/p' <<<"$stats")
[ "${half:-99}" -le 20 ] || die "half-open SAs: $half (limit 20)"
[ "${bad:-0}" -gt 0 ] || die "no malformed IKE datagram counted: $stats"
gw_ctl show crypto ikev2 stats
kill -0 "${_pids[0]}" 2>/dev/null || die "anyroam-gw died"

# a real client still gets in (it answers the COOKIE, as RFC 7296 §2.6 requires)
sw_conf "connections {
	mschap {
$(sw_common)
		local {
			auth = eap-mschapv2
			id = test
			eap_id = test
		}
		remote {
			auth = pubkey
			id = $GW_IP
		}
		children {
			mschap-net {
				remote_ts = 192.168.10.0/24
				esp_proposals = aes256-sha384
			}
		}
	}
}
secrets {
	eap-test {
		id = test
		secret = \"cisco\"
	}
}"
sw_start
sw --initiate --child mschap-net --timeout 30 >"$TEST_TMP/initiate.log" 2>&1 ||
	die "login after the flood failed: $(tail -3 "$TEST_TMP/initiate.log")"
nsx cl ping -c 2 -i 0.2 -W 2 $BEHIND_IP >/dev/null || die "no traffic after the flood"

# without COOKIE (cookie-challenge 0) the hard limit alone bounds the half-open SAs
kill "${_pids[0]}"
wait_for 10 sh -c "! kill -0 ${_pids[0]} 2>/dev/null" || die "anyroam-gw did not stop"
sed -i 's/^crypto ikev2 limit max-in-negotiation-sa .*/crypto ikev2 limit max-in-negotiation-sa 10/;
	s/^crypto ikev2 cookie-challenge .*/crypto ikev2 cookie-challenge 0/' "$LAB/gw.conf"
gw_start
read -r normal cookie < <(nsx cl python3 "$TEST_TMP/flood.py" $GW_IP 30) || die "flooder failed"
stats=$(gw_ctl --json show crypto ikev2 stats)
drops=$(sed -n 's/.*"half_open_drops":\([0-9]*\).*/\1/p' <<<"$stats")
log "flood of 30 without COOKIE: $normal answered, $drops dropped at the limit"
[ "$cookie" = 0 ] || die "COOKIE sent although cookie-challenge is 0"
[ "$normal" -le 10 ] && [ "${drops:-0}" -ge 20 ] || die "the half-open limit did not hold: $stats"
log "ok: COOKIE under flood, half-open bounded, junk counted, login still works"
