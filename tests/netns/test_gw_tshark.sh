#!/bin/bash
# test_gw_tshark.sh - Wireshark's IKEv2 dissector reads every message anyroam-gw sends
# with no "Malformed" mark: an EAP-AnyConnect login (our test client; IKE_SA_INIT with
# the Cisco vendor IDs in clear, the rest as SK payloads) and a strongSwan KEY_ID + PSK
# reconnect whose keys come from strongSwan's log (ike=4), so tshark decrypts IKE_AUTH
# (IDr, CERT, AUTH, CP with the private attributes, SA, TS) and the INFORMATIONAL
# exchanges, and the ESP carrying a ping.
#
#  [ns cl: tshark on veth-c, test client, charon]        [ns gw: anyroam-gw]
#  veth-c 10.77.0.2/24 ---------------------------------- veth-g 10.77.0.1/24
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
need_root
need_bin anyroam-gw anyroam-gw-testclient
need_cmd tshark
need_strongswan

gw_topology
gw_lab
gw_start
T=$TEST_TMP/tshark
mkdir -p "$T/wireshark"
bg cl "$T/tshark.out" tshark -n -i veth-c -f "udp port 500 or udp port 4500" -w "$T/ike.pcap" >/dev/null
wait_for 10 grep -q "Capturing on" "$T/tshark.out" || die "tshark did not start"

echo cisco | nsx cl "$BIN/anyroam-gw-testclient" --server $GW_IP --ca "$LAB/ca.pem" --user test \
	--state "$TEST_TMP/session" >"$TEST_TMP/testclient.log" 2>&1 || die "login failed: $(cat "$TEST_TMP/testclient.log")"
sid=$(sed -n 's/^session-id //p' "$TEST_TMP/session")
token=$(sed -n 's/^token //p' "$TEST_TMP/session")

SW_LOG_IKE=4 SW_LOG_CHD=4
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
sw --initiate --child rc-net --timeout 20 >"$TEST_TMP/initiate.log" 2>&1 || die "reconnect failed"
nsx cl ping -c 2 -i 0.2 -W 2 $BEHIND_IP >/dev/null || die "no traffic"
sw --list-sas --raw >"$T/sas.raw"
sw --terminate --ike rc --timeout 10 >/dev/null 2>&1 || die "terminate failed"
sleep 0.5
kill -INT "${_pids[1]}" 2>/dev/null || true # gw, tshark, charon were started in this order
wait_for 10 sh -c "! kill -0 ${_pids[1]} 2>/dev/null" || true

# keys from strongSwan's hexdumps (as /work/shared/harness/tshark-ike.sh does)
awk '
  function flush() { if (cur != "") { key[cur] = hex; cur = "" } }
  /(Sk_ei|Sk_er|Sk_ai|Sk_ar) secret => / { flush(); match($0, /Sk_(ei|er|ai|ar)/); cur = substr($0, RSTART, RLENGTH); hex = ""; next }
  /(encryption|integrity) (initiator|responder) key => / {
      flush(); match($0, /(encryption|integrity) (initiator|responder)/); cur = substr($0, RSTART, RLENGTH); hex = ""; next }
  cur != "" && match($0, /\[[A-Z]+\]( <[^>]*>)? +[0-9]+: /) {
      line = substr($0, RSTART + RLENGTH, 48); gsub(/ /, "", line); hex = hex tolower(line); next }
  { flush() }
  END { flush(); for (k in key) print k "=" key[k] }
' "$SW/charon.log" >"$T/keys.txt"
get() { awk -F= -v k="$1" '$1==k{v=$2} END{print v}' "$T/keys.txt"; }
[ -n "$(get Sk_ei)" ] || die "no IKE keys in strongSwan's log"
read -r ispi rspi < <(tshark -n -r "$T/ike.pcap" -Y "isakmp.exchangetype==34 && isakmp.flag_r==1" \
	-T fields -e isakmp.ispi -e isakmp.rspi 2>/dev/null | tail -1)
printf '%s,%s,%s,%s,"AES-CBC-256 [RFC3602]",%s,%s,"HMAC_SHA2_512_256 [RFC4868]"\n' "$ispi" "$rspi" \
	"$(get Sk_ei)" "$(get Sk_er)" "$(get Sk_ai)" "$(get Sk_ar)" >"$T/wireshark/ikev2_decryption_table"
spi_in=$(grep -o 'spi-in=[0-9a-f]*' "$T/sas.raw" | head -1 | cut -d= -f2)
spi_out=$(grep -o 'spi-out=[0-9a-f]*' "$T/sas.raw" | head -1 | cut -d= -f2)
{
	printf '"IPv4","%s","%s","0x%s","AES-CBC [RFC3602]","0x%s","HMAC-SHA-384-192 [RFC4868]","0x%s"\n' \
		$CL_IP $GW_IP "$spi_out" "$(get "encryption initiator")" "$(get "integrity initiator")"
	printf '"IPv4","%s","%s","0x%s","AES-CBC [RFC3602]","0x%s","HMAC-SHA-384-192 [RFC4868]","0x%s"\n' \
		$GW_IP $CL_IP "$spi_in" "$(get "encryption responder")" "$(get "integrity responder")"
} >"$T/wireshark/esp_sa"

tsh() { XDG_CONFIG_HOME="$T" tshark -n -r "$T/ike.pcap" -o esp.enable_encryption_decode:TRUE "$@" 2>/dev/null; }
tsh -V >"$T/dissect.txt"
n_ike=$(tsh -Y isakmp -T fields -e frame.number | wc -l)
[ "$n_ike" -ge 12 ] || die "only $n_ike IKE messages captured"
if grep -qi "malformed" "$T/dissect.txt"; then
	grep -i -B5 "malformed" "$T/dissect.txt" | head -40 >&2
	die "tshark marks a message malformed"
fi
for x in 34 35 37; do
	tsh -Y "isakmp.exchangetype==$x && ip.src==$GW_IP" -T fields -e frame.number | grep -q . ||
		die "no exchange type $x from the gateway"
done
# the decrypted reconnect IKE_AUTH response: our IDr, the CP address, the session ID attribute
tsh -Y "isakmp.exchangetype==35 && ip.src==$GW_IP" -T fields -e isakmp.cfg.attr.internal_ip4_address |
	grep -q "192.168.20.5" || die "decrypted IKE_AUTH response has no INTERNAL_IP4_ADDRESS 192.168.20.5"
grep -q "Payload: Certificate (37)" "$T/dissect.txt" || die "no CERT payload dissected"
grep -q "Vendor ID: 434953434f2d44454c4554452d524541534f4e" "$T/dissect.txt" ||
	die "the Cisco vendor IDs are not in the capture"
tsh -Y "esp && icmp" -T fields -e icmp.type | grep -q . || die "ESP was not decrypted to ICMP"
log "ok: $n_ike IKE messages dissected (IKE_SA_INIT, IKE_AUTH, INFORMATIONAL), none malformed; ESP decrypted"
