#!/bin/bash
# test_agent_strongswan.sh - anyroamd against a gateway we did not write (issue 7):
# strongSwan's charon as the IKEv2 responder, gateway certificate (the lab CA's) plus
# EAP-MSCHAPv2 for user test / cisco, then the same with EAP-MD5, a virtual IP from its pool, no split include
# (so the agent installs the full-tunnel routes); traffic through the tunnel, then a
# disconnect that restores routes, links and resolv.conf exactly.
#
#  [ns cl: anyroamd, anyroam0 192.168.30.x]            [ns gw: charon, kernel-libipsec]
#  veth-c 10.77.0.2/24 --------------------------------- veth-g 10.77.0.1/24
#                                                        lo 192.168.10.1/32 (behind the gateway)
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_bin anyroam-gw anyroamd anyroam
need_strongswan

gw_topology
gw_lab # only for its CA, gateway certificate and profile; anyroam-gw is not started

sw_conf "connections {
	anyroam {
		version = 2
		local_addrs = $GW_IP
		proposals = aes256-sha512-ecp256,aes256-sha384-ecp256
		pools = pool4
		encap = yes
		send_certreq = no
		local {
			auth = pubkey
			certs = gw.pem
			id = $GW_IP
		}
		remote {
			auth = eap-mschapv2
			eap_id = %any
		}
		children {
			net {
				local_ts = 192.168.10.0/24
				esp_proposals = aes256-sha384,aes256gcm16
			}
		}
	}
}
pools {
	pool4 {
		addrs = 192.168.30.0/24
		dns = 192.168.10.53
	}
}
secrets {
	eap-test {
		id = test
		secret = \"cisco\"
	}
}"
cp "$LAB/gw.pem" "$SW/swanctl/x509/gw.pem"
cp "$LAB/gw.key" "$SW/swanctl/private/gw.key"
bg gw "$TEST_TMP/charon.log" env STRONGSWAN_CONF="$SW/strongswan.conf" /usr/sbin/charon-systemd >/dev/null
wait_for 15 sw --stats || die "charon did not come up"
sw --load-all --noprompt >"$TEST_TMP/swanctl-load.log" 2>&1 || die "swanctl --load-all failed: $(cat "$TEST_TMP/swanctl-load.log")"

# the lab profile, told to run EAP-MSCHAPv2 (StandardAuthenticationOnly) instead of AnyConnect
sed -i 's/>EAP-AnyConnect</>EAP-MSCHAPv2</' "$LAB/lab.xml"
agent_conf
snapshot before
agent_start

printf 'connect IKEv2_Gateway\ntest\ncisco\n' | agent_cli -s >"$TEST_TMP/connect.out" 2>"$TEST_TMP/connect.err" ||
	die "connect to strongSwan failed: $(cat "$TEST_TMP/connect.err")"
agent_connected || die "not Connected"
vip=$(agent_stat assigned_ipv4)
case "$vip" in 192.168.30.*) log "strongSwan assigned $vip" ;; *) die "no virtual IP: '$vip'" ;; esac
grep -q "0.0.0.0/1" <<<"$(nsx cl ip route show dev anyroam0)" || die "no full-tunnel route"
nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP >"$TEST_TMP/ping.log" || die "no traffic through the strongSwan tunnel"
log "ping through the strongSwan tunnel ok"
if command -v iperf3 >/dev/null; then
	bg gw "$TEST_TMP/iperf3-server.log" iperf3 -s -B $BEHIND_IP -1 >/dev/null
	sleep 0.5
	nsx cl iperf3 -c $BEHIND_IP -t 2 -f m >"$TEST_TMP/iperf3.log" 2>&1 || die "iperf3 through the strongSwan tunnel failed"
	log "iperf3: $(grep -E 'receiver' "$TEST_TMP/iperf3.log" | tail -1)"
fi
agent_cli disconnect >/dev/null || die "disconnect failed"
snapshot after
diff -u "$TEST_TMP/snap.before" "$TEST_TMP/snap.after" || die "routes, links or resolv.conf not restored exactly"

log "EAP-MD5 (RFC 3748 §5.4): strongSwan reloaded with eap-md5, the profile asks for it"
sed -i 's/auth = eap-mschapv2/auth = eap-md5/' "$SW/swanctl/swanctl.conf"
sw --load-all --noprompt >"$TEST_TMP/swanctl-load.log" 2>&1 || die "swanctl reload failed"
sed -i 's/>EAP-MSCHAPv2</>EAP-MD5</' "$LAB/lab.xml"
kill "$AGENT_PID"
wait_for 10 sh -c "! kill -0 $AGENT_PID 2>/dev/null" || die "anyroamd did not stop"
agent_start
printf 'connect IKEv2_Gateway\ntest\ncisco\n' | agent_cli -s >"$TEST_TMP/connect-md5.out" 2>"$TEST_TMP/connect-md5.err" ||
	die "EAP-MD5 connect to strongSwan failed: $(cat "$TEST_TMP/connect-md5.err")"
agent_connected || die "not Connected with EAP-MD5"
grep -q "EAP method EAP_MD5 succeeded" "$SW/charon.log" || die "charon's log shows no EAP-MD5 login"
nsx cl ping -c 3 -i 0.2 -W 2 $BEHIND_IP >"$TEST_TMP/ping-md5.log" || die "no traffic through the EAP-MD5 tunnel"
log "EAP-MD5 login and ping through the strongSwan tunnel ok"
agent_cli disconnect >/dev/null || die "disconnect failed"
log "PASS"
