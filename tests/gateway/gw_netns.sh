# gw_netns.sh - helpers for tests/netns/test_gw_*.sh; source after tests/netns/lib.sh.
#
#  [ns cl: charon (strongSwan) or the test client]      [ns gw: anyroam-gw]
#  veth-c 10.77.0.2/24 --------------------------------- veth-g 10.77.0.1/24
#                                                        lo 192.168.10.1/32 (behind the gateway)
#                                                        argw0: pool 192.168.20.5-10
#
# strongSwan recipes follow /work/shared/harness (charon-systemd with a private
# strongswan.conf, kernel-libipsec before kernel-netlink, vici socket under $TEST_TMP).

GW_IP=10.77.0.1
CL_IP=10.77.0.2
BEHIND_IP=192.168.10.1
GW_CTL=$TEST_TMP/gw.sock
LAB=$TEST_TMP/lab
SW=$TEST_TMP/sw

gw_topology() {
	ns_add cl
	ns_add gw
	link cl veth-c $CL_IP/24 gw veth-g $GW_IP/24
	nsx gw ip addr add $BEHIND_IP/32 dev lo
}

# gw_lab [extra config lines...]: the lab for $GW_IP, plus lines appended to gw.conf
gw_lab() {
	"$BIN/anyroam-gw" --lab "$LAB" --address $GW_IP >/dev/null || die "anyroam-gw --lab failed"
	local l
	for l in "$@"; do printf '%s\n' "$l" >>"$LAB/gw.conf"; done
}

gw_start() {
	bg gw "$TEST_TMP/gw.log" "$BIN/anyroam-gw" --config "$LAB/gw.conf" --ctl "$GW_CTL" --foreground >/dev/null
	wait_for 10 gw_ctl show crypto ikev2 stats reconnect || die "anyroam-gw did not come up"
}

gw_ctl() { "$BIN/anyroam-gw" --ctl "$GW_CTL" "$@"; }

# gw_stat FIELD: a number from `show crypto ikev2 stats reconnect --json`
gw_stat() { gw_ctl --json show crypto ikev2 stats reconnect | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

need_strongswan() {
	need_cmd swanctl
	[ -x /usr/sbin/charon-systemd ] || skip "charon-systemd not installed (scripts/deps.sh test)"
	[ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] || skip "strongSwan kernel-libipsec plugin missing"
}

sw() { STRONGSWAN_CONF="$SW/strongswan.conf" SWANCTL_DIR="$SW/swanctl" swanctl "$@" --uri "unix://$SW/charon.vici"; }

# sw_conf CONNECTIONS_AND_SECRETS: a charon instance for ns cl; the body is swanctl.conf
sw_conf() {
	mkdir -p "$SW/swanctl"/{x509,x509ca,private,pubkey,rsa,ecdsa,pkcs8,pkcs12,x509crl,x509ocsp,x509aa,x509ac,bliss}
	cp "$LAB/ca.pem" "$SW/swanctl/x509ca/ca.pem"
	cat >"$SW/strongswan.conf" <<CONF
charon {
	load_modular = no
	load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints sha1 sha2 md5 hmac aes gcm kdf curve25519 kernel-libipsec kernel-netlink socket-default vici attr eap-identity eap-md5 eap-mschapv2
	filelog {
		main {
			path = $SW/charon.log
			time_format = %H:%M:%S
			default = 1
			ike = ${SW_LOG_IKE:-1}
			chd = ${SW_LOG_CHD:-1}
			flush_line = yes
		}
	}
	install_routes = yes
	routing_table = 220
	routing_table_prio = 220
	retransmit_tries = 2
	retransmit_timeout = 1.0
	plugins {
		vici {
			socket = unix://$SW/charon.vici
		}
	}
}
charon-systemd {
	journal {
		default = -1
	}
}
swanctl {
	load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey
}
CONF
	printf '%s\n' "$1" >"$SW/swanctl/swanctl.conf"
	chmod -R go-rwx "$SW"
}

sw_start() {
	bg cl "$TEST_TMP/charon.log" env STRONGSWAN_CONF="$SW/strongswan.conf" /usr/sbin/charon-systemd >/dev/null
	wait_for 15 sw --stats || die "charon did not come up"
	sw --load-all --noprompt >"$TEST_TMP/swanctl-load.log" 2>&1 || die "swanctl --load-all failed"
}

# sw_common: the connection settings every test client shares
sw_common() {
	cat <<EOF
		version = 2
		remote_addrs = $GW_IP
		vips = 0.0.0.0
		proposals = aes256-sha512-ecp256
		encap = yes
		send_certreq = yes
		keyingtries = 1
EOF
}
