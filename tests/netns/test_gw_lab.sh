#!/bin/bash
# test_gw_lab.sh - `anyroam-gw --lab DIR` on a fresh machine, then starting the gateway
# from it, works: the lab has every file, the certificate chains to the lab CA and names
# the address, the gateway listens on UDP 500/4500 and a login with the lab account
# succeeds. A broken configuration is refused with file and line.
#
#  [ns lab: anyroam-gw on 127.0.0.1 and the test client, both on lo]
. "$(dirname "$0")/lib.sh"
need_root
need_bin anyroam-gw anyroam-gw-testclient
need_cmd openssl ss

ns_add lab
LAB=$TEST_TMP/lab
CTL=$TEST_TMP/gw.sock

nsx lab "$BIN/anyroam-gw" --lab "$LAB" >"$TEST_TMP/lab.out" || die "--lab failed"
for f in ca.pem ca.key gw.pem gw.key gw.conf lab.xml agent.conf; do
	[ -s "$LAB/$f" ] || die "lab file $f missing"
done
[ "$(stat -c %a "$LAB/gw.key")" = 600 ] || die "gw.key is not 0600"
[ "$(stat -c %a "$LAB/ca.key")" = 600 ] || die "ca.key is not 0600"
openssl verify -CAfile "$LAB/ca.pem" -purpose sslserver "$LAB/gw.pem" >/dev/null || die "gw.pem does not chain to ca.pem"
openssl x509 -in "$LAB/gw.pem" -noout -ext subjectAltName,extendedKeyUsage >"$TEST_TMP/ext.txt"
grep -q "IP Address:127.0.0.1" "$TEST_TMP/ext.txt" || die "the certificate does not name 127.0.0.1"
grep -q "TLS Web Server Authentication" "$TEST_TMP/ext.txt" || die "no serverAuth EKU"
grep -q "1.3.6.1.5.5.7.3.17\|ipsec Internet Key Exchange" "$TEST_TMP/ext.txt" || die "no ipsecIKE EKU"
grep -q "<HostAddress>127.0.0.1</HostAddress>" "$LAB/lab.xml" || die "lab.xml does not point at the address"
grep -q "^ca-file $LAB/ca.pem$" "$LAB/agent.conf" || die "agent.conf does not trust the lab CA"
grep -q "cisco" "$LAB/gw.conf" && ! grep -q "^username test password 0" "$LAB/gw.conf" ||
	die "gw.conf should mention the lab password only in a comment (stored hashed)"
"$BIN/anyroam-gw" --config "$LAB/gw.conf" --check || die "the lab's gw.conf does not parse"

# a broken configuration names file and line
cp "$LAB/gw.conf" "$TEST_TMP/bad.conf"
sed -i 's/^ip local pool ACPOOL .*/ip local pool ACPOOL 192.168.20.10 192.168.20.5/' "$TEST_TMP/bad.conf"
line=$(grep -n '^ip local pool' "$TEST_TMP/bad.conf" | cut -d: -f1)
if "$BIN/anyroam-gw" --config "$TEST_TMP/bad.conf" --check 2>"$TEST_TMP/bad.err"; then die "a bad pool was accepted"; fi
grep -q "bad.conf:$line: " "$TEST_TMP/bad.err" || die "error does not name the line: $(cat "$TEST_TMP/bad.err")"

# start it, as a user would
bg lab "$TEST_TMP/gw.log" "$BIN/anyroam-gw" --config "$LAB/gw.conf" --ctl "$CTL" --foreground >/dev/null
wait_for 10 "$BIN/anyroam-gw" --ctl "$CTL" show crypto ikev2 stats reconnect || die "the lab gateway did not start"
nsx lab ss -uln >"$TEST_TMP/ss.txt"
grep -q "127.0.0.1:500 " "$TEST_TMP/ss.txt" && grep -q "127.0.0.1:4500 " "$TEST_TMP/ss.txt" ||
	die "not listening on UDP 500 and 4500: $(cat "$TEST_TMP/ss.txt")"
echo cisco | nsx lab "$BIN/anyroam-gw-testclient" --server 127.0.0.1 --ca "$LAB/ca.pem" --user test \
	--state "$TEST_TMP/session" >"$TEST_TMP/testclient.log" 2>&1 ||
	die "login to the lab failed: $(cat "$TEST_TMP/testclient.log")"
"$BIN/anyroam-gw" --ctl "$CTL" show crypto session detail | grep -q "Session status: UP-ACTIVE" ||
	die "no session after the login"
echo wrong | nsx lab "$BIN/anyroam-gw-testclient" --server 127.0.0.1 --ca "$LAB/ca.pem" --user test \
	--state "$TEST_TMP/session2" >"$TEST_TMP/testclient2.log" 2>&1 && die "a wrong password logged in"
log "ok: lab written, checked, started; login with test/cisco works, a wrong password does not"
