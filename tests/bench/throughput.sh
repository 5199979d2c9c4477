#!/bin/bash
# throughput.sh - issue 7 benchmark: iperf3 TCP throughput through our tunnel
# (anyroamd <-> anyroam-gw, lab account) beside strongSwan's kernel-libipsec tunnel
# (charon <-> charon) and openconnect <-> ocserv over DTLS, all on the same two
# namespaces, one table of medians and ratios measured in the same run.
#
#  [ns cl: anyroamd / charon / openconnect]             [ns gw: anyroam-gw / charon / ocserv]
#  veth-c 10.77.0.2/24 --------------------------------- veth-g 10.77.0.1/24
#                                                        lo 192.168.10.1/32 (iperf3 server)
#
# The phases run one after another (anyroam-gw and charon both want udp/500+4500);
# each tunnel is torn down before the next starts. ESP transforms:
#  - ours: the gateway's transform set decides (PROTOCOL.md §3: the client offers
#    GCM then CBC, the gateway walks its own list). The lab's
#    `crypto ipsec transform-set TSET esp-aes 256 esp-sha384-hmac` gives CBC/SHA-384;
#    the same line with `esp-gcm 256` appended to gw.conf (last one wins) gives GCM.
#  - strongSwan: the client proposes exactly aes256gcm16, or aes256-sha384.
#  - openconnect: DTLS 1.2, whatever ocserv/GnuTLS pick (AES-256-GCM here).
#
# Usage (root): tests/bench/throughput.sh
#   env: ANYROAM_BINDIR (default build-bench-tp), SECS (10), RUNS (3), REVERSE (1: also
#   gw->cl with iperf3 -R), HARNESS (/work/shared/harness), PHASES ("veth ours sw oc"),
#   PLAIN_BINDIR: a second build of ours (e.g. before a data-plane change) measured as
#   phase "plain" (rows ours-plain-*), so the two builds compare in one run.
# Measurements take /tmp/anyroam-bench.lock (bench-common: no overlapping runs); set-up
# and connects stay outside it.
: "${ANYROAM_BINDIR:=$(cd "$(dirname "$0")/../.." && pwd)/build-bench-tp}"
export ANYROAM_BINDIR
. "$(dirname "$0")/../netns/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_bin anyroam-gw anyroamd anyroam
need_cmd iperf3 jq flock

SECS=${SECS:-10}
RUNS=${RUNS:-3}
REVERSE=${REVERSE:-1}
PHASES=${PHASES:-"veth ours sw oc"}
HARNESS=${HARNESS:-/work/shared/harness}
LOCK=/tmp/anyroam-bench.lock
RESULTS=$TEST_TMP/results # lines: key dir median retransmits-median

# The harness scripts (common.sh) take their topology from the environment: point
# them at this run's namespaces and addresses, and keep their files in TEST_TMP.
export GW_NS=$(ns gw) CL_NS=$(ns cl) GW_VETH=veth-g CL_VETH=veth-c GW_IP CL_IP
export INNER_IP=$BEHIND_IP INNER_NET=192.168.10.0/24 HARNESS_RUN=$TEST_TMP/harness
export ESP_PROPOSALS=aes256gcm16,aes256-sha384 # gateway charon; the client narrows it

# measure KEY TARGET: median Mbit/s of RUNS iperf3 runs, cl->gw and (REVERSE) gw->cl
measure() {
	local key=$1 target=$2 dir flag out
	for dir in up down; do
		[ $dir = down ] && [ "$REVERSE" != 1 ] && continue
		flag=
		[ $dir = down ] && flag=-R
		out=$(flock $LOCK "$HARNESS/iperf.sh" "$target" "$SECS" "$RUNS" $flag) ||
			die "iperf3 $key $dir failed: $out"
		printf '%s\n' "$out" | sed "s/^/  $key $dir: /" >&2
		printf '%s %s %s %s\n' "$key" $dir "$(sed -n 's/.*median_mbit=//p' <<<"$out")" \
			"$(sed -n 's/.*retransmits \([0-9]*\).*/\1/p' <<<"$out" | sort -n | sed -n "$(((RUNS + 1) / 2))p")" \
			>>"$RESULTS"
	done
}

stop_pid_ns() { kill "$1" 2>/dev/null || true; for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -9 "$1" 2>/dev/null || true; }

# ours KEY [gw.conf lines...]: anyroam-gw with the lab config (+ lines), anyroamd logs in
ours() {
	local key=$1 gw agent esp
	shift
	rm -rf "$LAB" "$AGENT_STATE"
	gw_lab "$@"
	gw_start
	gw=${_pids[-1]}
	agent_conf
	agent_start
	agent=$AGENT_PID
	agent_login
	# the data plane logs the transform of each SA pair it installs
	esp=$(sed -n 's/.*installed (\(.*\))$/\1/p' "$TEST_TMP/agent.log" | tail -1)
	log "$key connected, ESP $esp"
	[ -n "$esp" ] || die "$key: no ESP SA installed"
	printf '%s %s\n' "$key" "$esp" >>"$TEST_TMP/esp"
	nsx cl ping -c 2 -i 0.2 -W 2 "$BEHIND_IP" >/dev/null || die "$key: no traffic through the tunnel"
	measure "$key" "$BEHIND_IP"
	agent_cli disconnect >/dev/null || die "$key: disconnect failed"
	stop_pid_ns "$agent"
	stop_pid_ns "$gw"
}

# libipsec KEY ESP: strongSwan initiator -> responder, both kernel-libipsec, connection eap
libipsec() {
	local key=$1 esp=$2
	ESP_PROPOSALS=$esp "$HARNESS/strongswan-client.sh" start >/dev/null 2>&1 || die "charon client start"
	ESP_PROPOSALS=$esp "$HARNESS/strongswan-client.sh" up eap >&2 || die "strongSwan eap did not come up"
	"$HARNESS/strongswan-client.sh" status 2>/dev/null | grep -E 'ESP|in  |out ' | head -1 | sed "s/^/  $key: /" >&2
	"$HARNESS/strongswan-client.sh" ping 2 >/dev/null || die "$key: no traffic through libipsec"
	measure "$key" "$BEHIND_IP"
	"$HARNESS/strongswan-client.sh" down eap
	"$HARNESS/strongswan-client.sh" stop 2>/dev/null
}

phase_veth() { measure veth "$GW_IP"; }

phase_ours() {
	ours ours-cbc
	ours ours-gcm 'crypto ipsec transform-set TSET esp-gcm 256' ' mode tunnel'
}

phase_plain() {
	local bin=$BIN

	[ -x "${PLAIN_BINDIR:-}/bin/anyroamd" ] || die "PLAIN_BINDIR has no bin/anyroamd"
	BIN=$PLAIN_BINDIR/bin
	ours ours-plain-cbc
	ours ours-plain-gcm 'crypto ipsec transform-set TSET esp-gcm 256' ' mode tunnel'
	BIN=$bin
}

phase_sw() {
	need_cmd swanctl
	"$HARNESS/strongswan-gw.sh" start >/dev/null 2>&1 || die "strongswan-gw.sh start failed"
	libipsec sw-gcm aes256gcm16
	libipsec sw-cbc aes256-sha384
	"$HARNESS/strongswan-gw.sh" stop 2>/dev/null
}

phase_oc() {
	need_cmd ocserv openconnect
	# ocserv's workers run as nobody and must reach their sockets under HARNESS_RUN
	chmod 711 "$TEST_TMP"
	"$HARNESS/ocserv-pair.sh" start >/dev/null 2>&1 || die "ocserv start failed"
	"$HARNESS/ocserv-pair.sh" connect >"$TEST_TMP/oc-connect.out" 2>&1 || die "openconnect: $(cat "$TEST_TMP/oc-connect.out")"
	grep -q "DTLS" "$HARNESS_RUN"/*/openconnect.log 2>/dev/null ||
		grep -q DTLS "$TEST_TMP/oc-connect.out" || die "openconnect did not establish DTLS"
	grep -hE "DTLS connected|Established DTLS" "$HARNESS_RUN"/*/openconnect.log | tail -1 | sed 's/^/  oc: /' >&2 || true
	measure oc-dtls "$BEHIND_IP"
	"$HARNESS/ocserv-pair.sh" stop 2>/dev/null
}

val() { awk -v k="$1" -v d="$2" -v c="$3" '$1 == k && $2 == d { print $c }' "$RESULTS"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2fx", a / b }'; }

table() {
	local k dir name c sw_ref
	printf '| path | ESP / cipher | dir | Mbit/s (median of %s x %s s) | retrans (median) | vs strongSwan same cipher | vs openconnect DTLS | vs bare veth |\n' "$RUNS" "$SECS"
	printf '|---|---|---|---|---|---|---|---|\n'
	for k in veth ours-gcm ours-cbc ours-plain-gcm ours-plain-cbc sw-gcm sw-cbc oc-dtls; do
		for dir in up down; do
			[ -n "$(val $k $dir 3)" ] || continue
			case $k in
			veth) name="bare veth (anchor)" c=- sw_ref= ;;
			ours-gcm) name="anyroamd <-> anyroam-gw" c="AES-256-GCM-16" sw_ref=sw-gcm ;;
			ours-cbc) name="anyroamd <-> anyroam-gw" c="AES-256-CBC / HMAC-SHA-384-192" sw_ref=sw-cbc ;;
			ours-plain-gcm) name="same, PLAIN_BINDIR build" c="AES-256-GCM-16" sw_ref=sw-gcm ;;
			ours-plain-cbc) name="same, PLAIN_BINDIR build" c="AES-256-CBC / HMAC-SHA-384-192" sw_ref=sw-cbc ;;
			sw-gcm) name="strongSwan libipsec <-> libipsec" c="aes256gcm16" sw_ref=sw-gcm ;;
			sw-cbc) name="strongSwan libipsec <-> libipsec" c="aes256-sha384" sw_ref=sw-cbc ;;
			oc-dtls) name="openconnect <-> ocserv" c="DTLS 1.2 (AES-256-GCM)" sw_ref=sw-gcm ;;
			esac
			printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$c" \
				"$([ $dir = up ] && echo "cl->gw" || echo "gw->cl (-R)")" "$(val $k $dir 3)" \
				"$(val $k $dir 4)" "$(ratio "$(val $k $dir 3)" "$(val "$sw_ref" $dir 3)")" \
				"$(ratio "$(val $k $dir 3)" "$(val oc-dtls $dir 3)")" \
				"$(ratio "$(val $k $dir 3)" "$(val veth $dir 3)")"
		done
	done
}

gw_topology
: >"$RESULTS"
log "load before: $(cat /proc/loadavg), $(nproc) CPUs"
for p in $PHASES; do
	log "phase $p"
	"phase_$p"
done
log "load after: $(cat /proc/loadavg)"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"
echo
table
