#!/bin/bash
# ike_handshake.sh - issue 3's handshake-rate benchmark: PSK reconnect handshakes
# (IKE_SA_INIT + IKE_AUTH, KEY_ID + AUTH(PSK), the gateway signs with RSA-2048) per
# second of one responder core, ours beside strongSwan charon, plus the crypto bound,
# all in the same run.
#
#   ANYROAM_BINDIR=build-bench-ike tests/bench/ike_handshake.sh [ROUNDS] [SECONDS] [CONCURRENCY]
#
#  [ns cl: bench_ike_handshake gen, CPU 1]
#     veth-c 10.77.0.2 ---- veth-g 10.77.0.1  [ns gw: bench_ike_handshake resp, CPU 0]
#     veth-s 10.78.0.2 ---- veth-w 10.78.0.1  [ns sw: charon-systemd, all threads CPU 0]
#
# Both responders get the same gateway certificate (anyroam-gw --lab), the same
# suite (AES-CBC-256, HMAC-SHA2-512-256, PRF-SHA512, ECP-256; ESP AES-CBC-256/SHA-256)
# and no COOKIE/half-open limit; every completed SA is deleted by the generator. The
# rounds alternate ours / strongSwan so drift in the machine's load hits both; each
# figure is the median of the rounds. Measurements run under the bench lock.
source "$(dirname "${BASH_SOURCE[0]}")/../netns/lib.sh"
source "$SRCDIR/tests/gateway/gw_netns.sh"

ROUNDS=${1:-3}
SECS=${2:-10}
CONC=${3:-32}
WARMUP=2
RESP_CPU=${RESP_CPU:-0}
GEN_CPU=${GEN_CPU:-1}
KEYID=rIUHKccDRiUtFTATwq
TOKEN=E0CB21612620F736F899721C620F73BC5237D966436EC70B3EC235375CA3E0B0
SW_IP=10.78.0.1
BENCH=$BINDIR/bench/bench_ike_handshake

need_root
need_bin anyroam-gw
[ -x "$BENCH" ] || skip "$BENCH is not built"
need_strongswan
need_cmd openssl taskset

gw_topology
ns_add sw
link cl veth-s 10.78.0.2/24 sw veth-w $SW_IP/24
nsx sw ip addr add $BEHIND_IP/32 dev lo # the protected side (kernel-libipsec routes from it)
gw_lab

# --- our responder -------------------------------------------------------------
OURS_PID=$(bg gw "$TEST_TMP/resp.log" taskset -c "$RESP_CPU" "$BENCH" resp --listen $GW_IP \
	--cert "$LAB/gw.pem" --key "$LAB/gw.key" --keyid $KEYID --psk $TOKEN)

# --- strongSwan charon as the responder, in ns sw ----------------------------------
sw_conf "connections {
	psk {
		version = 2
		local_addrs = $SW_IP
		proposals = aes256-sha512-ecp256
		pools = pool4
		send_cert = always
		unique = never
		local {
			auth = pubkey
			certs = gw.pem
		}
		remote {
			auth = psk
			id = keyid:$KEYID
		}
		children {
			psk {
				local_ts = 192.168.10.0/24
				esp_proposals = aes256-sha256
			}
		}
	}
}
pools {
	pool4 {
		addrs = 10.128.0.0/16
	}
}
secrets {
	ike-reconnect {
		id = keyid:$KEYID
		secret = \"$TOKEN\"
	}
}"
cp "$LAB/gw.pem" "$SW/swanctl/x509/gw.pem"
cp "$LAB/gw.key" "$SW/swanctl/private/gw.key"
# strongswan.conf(5): a section given twice is merged, later values win. A responder
# tuned for load: no per-peer half-open block, no COOKIE, a larger SA table, no
# logging (ours logs warnings only), no routes (our gateway installs none per SA).
cat >>"$SW/strongswan.conf" <<CONF
charon {
	filelog {
		main {
			default = ${SW_LOG:--1}
			ike = ${SW_LOG:--1}
			chd = ${SW_LOG:--1}
		}
	}
	install_routes = no
	cookie_threshold = 1000000
	block_threshold = 1000000
	init_limit_half_open = 0
	ikesa_table_size = 4096
	ikesa_table_segments = 16
}
CONF
SW_PID=$(bg sw "$TEST_TMP/charon.out" env STRONGSWAN_CONF="$SW/strongswan.conf" \
	taskset -c "$RESP_CPU" /usr/sbin/charon-systemd)
wait_for 15 sw --stats || die "charon did not come up"
[ -n "${SW_LOG:-}" ] && log "charon log: $SW/charon.log"
sw --load-all --noprompt >"$TEST_TMP/swanctl-load.log" 2>&1 || die "swanctl --load-all failed: $(cat "$TEST_TMP/swanctl-load.log")"
sleep 0.5
kill -0 "$OURS_PID" || die "our responder died: $(cat "$TEST_TMP/resp.log")"

gen() { # gen TARGET PID LABEL
	nsx cl taskset -c "$GEN_CPU" "$BENCH" gen --target "$1" --pid "$2" --label "$3" \
		--keyid $KEYID --psk $TOKEN --concurrency "$CONC" --warmup $WARMUP --seconds "$SECS" || log "generator against $3 completed nothing"
}

# field NAME LINE
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

RES=$TEST_TMP/results.txt
: >"$RES"
(
	flock 9
	date -u '+date=%Y-%m-%dT%H:%M:%SZ'
	echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
	taskset -c "$RESP_CPU" openssl speed -seconds 3 -mr rsa2048 ecdhp256 2>/dev/null | grep '^+F'
	for ((i = 1; i <= ROUNDS; i++)); do
		gen $GW_IP "$OURS_PID" ours
		gen $SW_IP "$SW_PID" strongswan
	done
	taskset -c "$RESP_CPU" openssl speed -seconds 3 -mr rsa2048 ecdhp256 2>/dev/null | grep '^+F'
	echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
) 9>/tmp/anyroam-bench.lock | tee "$RES"

# The crypto bound of one responder handshake: one RSA-2048 signature and two ECDH
# P-256 operations (key pair + shared secret), at the median of the two openssl runs.
rsa=$(sed -n 's/^+F2:[0-9]*:2048:\([0-9.]*\):.*/\1/p' "$RES" | median)
ecdh=$(sed -n 's/^+F5:[0-9]*:256:\([0-9.]*\):.*/\1/p' "$RES" | median)
bound=$(awk -v r="$rsa" -v e="$ecdh" 'BEGIN {printf "%.0f", 1 / (1 / r + 2 / e)}')
summary() { # summary LABEL
	local f
	for f in hs_per_cpu_s hs_per_wall_s resp_cpu_util failed; do
		printf '%s_%s=%s ' "$1" $f "$(grep "^label=$1 " "$RES" | while read -r l; do field $f "$l"; done | median)"
	done
}
ours_cpu=$(grep '^label=ours ' "$RES" | while read -r l; do field hs_per_cpu_s "$l"; done | median)
sw_cpu=$(grep '^label=strongswan ' "$RES" | while read -r l; do field hs_per_cpu_s "$l"; done | median)
echo "rsa2048_sign_per_s=$rsa ecdhp256_per_s=$ecdh crypto_bound_hs_per_s=$bound"
echo "$(summary ours)"
echo "$(summary strongswan)"
awk -v o="$ours_cpu" -v s="$sw_cpu" -v b="$bound" 'BEGIN {
	printf "ours/strongswan (per CPU-s) = %.2f (target >= 2)   ours/crypto_bound = %.2f (target >= 0.60)\n", o / s, o / b }'
