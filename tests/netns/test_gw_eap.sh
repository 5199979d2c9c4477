#!/bin/bash
# test_gw_eap.sh - a standard IKEv2 client (strongSwan) logs into anyroam-gw with
# EAP-MSCHAPv2 (user test / cisco from the lab's NT hash), gets a pool address and the
# split-include route, and passes traffic to a host behind the gateway; then with
# EAP-MD5 (a cleartext user) as well.
#
#  [ns cl: charon, libipsec ipsec0]                       [ns gw: anyroam-gw, argw0]
#  veth-c 10.77.0.2/24 ---------------------------------- veth-g 10.77.0.1/24
#  virtual IP from 192.168.20.5-10                        lo 192.168.10.1/32
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
need_root
need_bin anyroam-gw
need_strongswan

gw_topology
gw_lab "username bob password 0 bob-md5-secret"
gw_start

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
	md5 {
$(sw_common)
		local {
			auth = eap-md5
			id = bob
			eap_id = bob
		}
		remote {
			auth = pubkey
			id = $GW_IP
		}
		children {
			md5-net {
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
	eap-bob {
		id = bob
		secret = \"bob-md5-secret\"
	}
}"
sw_start

# --- EAP-MSCHAPv2 ---
sw --initiate --child mschap-net --timeout 20 >"$TEST_TMP/initiate-mschap.log" 2>&1 ||
	die "EAP-MSCHAPv2 login failed: $(tail -3 "$TEST_TMP/initiate-mschap.log")"
vip=$(nsx cl ip -4 addr show | sed -n 's/.*inet \(192\.168\.20\.[0-9]*\).*/\1/p' | head -1)
[ -n "$vip" ] || die "no virtual IP from the pool on the client"
log "EAP-MSCHAPv2 up, virtual IP $vip"
nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP >"$TEST_TMP/ping.log" || die "no traffic through the tunnel"
if command -v iperf3 >/dev/null; then # real traffic: TCP through the data plane both ways
	bg gw "$TEST_TMP/iperf-server.log" iperf3 -s -B $BEHIND_IP -1 >/dev/null
	wait_for 5 nsx gw sh -c "ss -tln | grep -q '$BEHIND_IP:5201'" || die "iperf3 server did not start"
	nsx cl iperf3 -c $BEHIND_IP -t 2 -f m >"$TEST_TMP/iperf.log" 2>&1 || die "iperf3 through the tunnel failed"
	mbit=$(awk '/receiver/ {print $(NF-2)}' "$TEST_TMP/iperf.log")
	log "iperf3 through the tunnel: ${mbit:-?} Mbit/s"
	awk -v m="${mbit:-0}" 'BEGIN { exit !(m > 1) }' || die "iperf3 moved ${mbit:-no} Mbit/s"
fi
gw_ctl show crypto session detail >"$TEST_TMP/show.txt"
grep -q "Session status: UP-ACTIVE" "$TEST_TMP/show.txt" || die "no UP-ACTIVE session: $(cat "$TEST_TMP/show.txt")"
grep -q "Phase1_id: test" "$TEST_TMP/show.txt" || die "Phase1_id is not the EAP user"
grep -q "host $vip" "$TEST_TMP/show.txt" || die "IPSEC FLOW does not name $vip"
pkts=$(sed -n "s/.*#pkts dec'ed \([0-9]*\).*/\1/p" "$TEST_TMP/show.txt")
[ "${pkts:-0}" -ge 3 ] || die "decrypted packet counter is ${pkts:-none}, expected >= 3"
gw_ctl show crypto ikev2 session detailed | grep -q "Auth verify: EAP-MSCHAPv2" ||
	die "ikev2 session detailed does not show EAP-MSCHAPv2"
sw --terminate --ike mschap --timeout 10 >/dev/null 2>&1 || true
wait_for 5 sh -c "! '$BIN/anyroam-gw' --ctl '$GW_CTL' show crypto session detail | grep -q UP-ACTIVE" ||
	die "the client's Delete did not end the session"

# --- EAP-MD5 ---
sw --initiate --child md5-net --timeout 20 >"$TEST_TMP/initiate-md5.log" 2>&1 ||
	die "EAP-MD5 login failed: $(tail -3 "$TEST_TMP/initiate-md5.log")"
nsx cl ping -c 2 -i 0.2 -W 2 $BEHIND_IP >/dev/null || die "no traffic through the EAP-MD5 tunnel"
gw_ctl show crypto ikev2 session detailed | grep -q "Remote EAP id: bob" || die "EAP id bob not shown"
log "ok: EAP-MSCHAPv2 and EAP-MD5 logins pass traffic; shows and logout behave"
