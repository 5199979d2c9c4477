#!/bin/bash
# test_profile_update.sh - a profile update announced in the EAP-AnyConnect `complete`
# message, fetched from a real HTTPS server (openssl s_server -WWW) with a test CA:
# installed when certificate, host name and hash are right; refused, leaving the installed
# profile untouched, when the CA is another, the name differs, the hash differs or the
# file is not a valid profile; not fetched again when already current.
#
#  [ns cl: test_profile_update --apply]            [ns gw: openssl s_server -WWW]
#  veth-c 10.7.0.1/24 ---------------------------- veth-g 10.7.0.2/24
#                                                   :8443 cert IP:10.7.0.2 (lab CA)
#                                                   :8444 cert DNS:other.example (lab CA)
. "$(dirname "$0")/lib.sh"
need_root
need_cmd openssl sha1sum
drv=$BINDIR/tests/test_profile_update
[ -x "$drv" ] || skip "test_profile_update is not built"

ns_add cl
ns_add gw
link cl veth-c 10.7.0.1/24 gw veth-g 10.7.0.2/24

pki=$TEST_TMP/pki www=$TEST_TMP/www dir=$TEST_TMP/profile
mkdir -p "$pki" "$www" "$dir"

# CA -> server certificate with SAN; $1 name, $2 SAN, $3 CA name
mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$1" -keyout "$pki/$1.key" -out "$pki/$1.crt" 2>/dev/null
}
mkcert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
	openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$3.crt" -CAkey "$pki/$3.key" -CAcreateserial \
		-days 2 -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$2") \
		-out "$pki/$1.crt" 2>/dev/null
}
mkca labca
mkca otherca
mkcert gw IP:10.7.0.2 labca
mkcert gw-other DNS:other.example labca

cp "$SRCDIR/tests/data/profiles/seed-acvpn.xml" "$www/acvpn.xml"
cp "$SRCDIR/tests/data/profiles/acvpn-bad-behavior.xml" "$www/bad.xml"
# -WWW serves files relative to its working directory
serve() {
	bg gw "$TEST_TMP/s_server-$1.log" bash -c 'cd "$1" && exec openssl s_server -WWW -quiet \
		-accept "10.7.0.2:$2" -cert "$3" -key "$4"' _ "$www" "$1" "$pki/$2.crt" "$pki/$2.key" >/dev/null
}
serve 8443 gw
serve 8444 gw-other
wait_for 10 nsx cl bash -c 'exec 3<>/dev/tcp/10.7.0.2/8443' || die "s_server did not start"
wait_for 10 nsx cl bash -c 'exec 3<>/dev/tcp/10.7.0.2/8444' || die "second s_server did not start"

# complete.xml with one manifest entry: $1 uri, $2 sha1
complete() {
	cat >"$TEST_TMP/complete.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="complete" aggregate-auth-version="2">
<session-id>rIUHKccDRiUtFTATwq</session-id>
<auth id="success"><message id="0" param1="" param2=""></message></auth>
<config client="vpn" type="private"><vpn-profile-manifest><vpn rev="1.0">
<file type="profile" service-type="user"><uri>$1</uri><hash type="sha1">$2</hash></file>
</vpn></vpn-profile-manifest></config>
</config-auth>
EOF
}
sha1() { sha1sum "$1" | cut -d' ' -f1; }
# apply HOST CA -> output in $TEST_TMP/apply.log, status returned
apply() {
	nsx cl "$drv" --apply "$TEST_TMP/complete.xml" "$1" "$2" "$dir" >"$TEST_TMP/apply.log" 2>&1
}
expect_fail() {
	local what=$1 pattern=$2
	shift 2
	apply "$@" && die "$what: update was accepted: $(cat "$TEST_TMP/apply.log")"
	grep -q -- "$pattern" "$TEST_TMP/apply.log" || die "$what: no '$pattern' in: $(cat "$TEST_TMP/apply.log")"
	log "ok: $what refused ($(grep -m1 -- "$pattern" "$TEST_TMP/apply.log"))"
}

# 1. the right CA, name and hash: installed
complete /acvpn.xml "$(sha1 "$www/acvpn.xml")"
apply 10.7.0.2:8443 "$pki/labca.crt" || die "update failed: $(cat "$TEST_TMP/apply.log")"
grep -q "installed 1" "$TEST_TMP/apply.log" || die "nothing installed: $(cat "$TEST_TMP/apply.log")"
cmp -s "$www/acvpn.xml" "$dir/acvpn.xml" || die "installed file differs from the served one"
[ "$(stat -c %a "$dir/acvpn.xml")" = 644 ] || die "installed with mode $(stat -c %a "$dir/acvpn.xml")"
ls -A "$dir" | grep -q '^\.' && die "temporary file left behind: $(ls -A "$dir")"
log "ok: profile installed over HTTPS"

# 2. already current: nothing is fetched or written
apply 10.7.0.2:8443 "$pki/labca.crt" || die "second run failed: $(cat "$TEST_TMP/apply.log")"
grep -q "installed 0" "$TEST_TMP/apply.log" || die "up-to-date profile re-installed"
log "ok: up-to-date profile left alone"

# make the installed copy stale so each refusal below would otherwise install
printf '<AnyConnectProfile/>\n' >"$dir/acvpn.xml"
cp "$dir/acvpn.xml" "$TEST_TMP/stale.xml"

# 3. a different CA: the server is not trusted
expect_fail "untrusted CA" "download from https://10.7.0.2:8443/acvpn.xml failed" 10.7.0.2:8443 "$pki/otherca.crt"
# 4. trusted CA but the certificate names another host
expect_fail "name mismatch" "download from https://10.7.0.2:8444/acvpn.xml failed" 10.7.0.2:8444 "$pki/labca.crt"
# 5. the bytes do not match the manifest
complete /acvpn.xml "0000000000000000000000000000000000000000"
expect_fail "hash mismatch" "does not match the sha1 hash" 10.7.0.2:8443 "$pki/labca.crt"
# 6. matching hash, but not a loadable profile
complete /bad.xml "$(sha1 "$www/bad.xml")"
expect_fail "invalid profile" "'Reconnect' is not one of" 10.7.0.2:8443 "$pki/labca.crt"
[ -e "$dir/bad.xml" ] && die "invalid profile was installed"
# 7. absent on the server (s_server -WWW answers 200 with an error text): the hash catches it
complete /missing.xml "$(sha1 "$www/acvpn.xml")"
expect_fail "missing file" "does not match the sha1 hash" 10.7.0.2:8443 "$pki/labca.crt"
cmp -s "$dir/acvpn.xml" "$TEST_TMP/stale.xml" || die "a refused update changed the installed profile"
log "ok: every refusal left the installed profile untouched"
