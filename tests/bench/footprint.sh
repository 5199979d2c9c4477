#!/bin/bash
# footprint.sh - issue 7 benchmark: anyroamd's memory and wake-ups while connected.
# Targets (issue 7): under 8 MiB RSS, at most one wake-up per second connected and idle.
#
# anyroamd logs in to anyroam-gw (lab account, namespaces as in tests/gateway/gw_netns.sh),
# then:
#  - memory, from /proc/PID/status (VmRSS = RssAnon + RssFile + RssShmem) and
#    /proc/PID/smaps_rollup (Pss, Private_Clean + Private_Dirty = what this process alone
#    costs; the shared part is mostly libc/libcrypto/libsystemd pages that other processes
#    map too). Taken right after connecting, and again after a few seconds of iperf3 (the
#    data plane's buffers are touched then). The largest mappings by Rss and by private Rss
#    are listed so one sees what dominates.
#  - wake-ups over WINDOW seconds of idle, per thread: the delta of voluntary +
#    nonvoluntary context switches (/proc/PID/task/TID/status; a thread that sleeps and
#    is woken switches out once per wake-up) and of schedstat's run count
#    (/proc/PID/task/TID/schedstat, 3rd field), and `perf stat -e sched:sched_switch` when
#    tracepoints are available.
#  - the same figures for openconnect (DTLS, connected to ocserv in the same namespaces)
#    as an anchor measured in the same run (ANCHOR=0 skips it).
#
# Usage (root): tests/bench/footprint.sh   env: ANYROAM_BINDIR (build-bench-tp),
#   WINDOW (30), ANCHOR (1), HARNESS (/work/shared/harness)
: "${ANYROAM_BINDIR:=$(cd "$(dirname "$0")/../.." && pwd)/build-bench-tp}"
export ANYROAM_BINDIR
. "$(dirname "$0")/../netns/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_bin anyroam-gw anyroamd anyroam
need_cmd iperf3 flock

WINDOW=${WINDOW:-30}
ANCHOR=${ANCHOR:-1}
HARNESS=${HARNESS:-/work/shared/harness}
LOCK=/tmp/anyroam-bench.lock
export GW_NS=$(ns gw) CL_NS=$(ns cl) GW_VETH=veth-g CL_VETH=veth-c GW_IP CL_IP
export INNER_IP=$BEHIND_IP INNER_NET=192.168.10.0/24 HARNESS_RUN=$TEST_TMP/harness

kib() { awk -v k="$1:" '$1 == k { print $2 }' "$2"; }

# memory LABEL PID: one line of figures (KiB)
memory() {
	local label=$1 pid=$2 st=/proc/$2/status sr=/proc/$2/smaps_rollup
	printf '%s: VmRSS %s KiB (anon %s, file %s, shmem %s), Pss %s KiB, private %s KiB (clean %s, dirty %s), VmSize %s KiB, threads %s\n' \
		"$label" "$(kib VmRSS $st)" "$(kib RssAnon $st)" "$(kib RssFile $st)" "$(kib RssShmem $st)" \
		"$(kib Pss $sr)" "$(($(kib Private_Clean $sr) + $(kib Private_Dirty $sr)))" \
		"$(kib Private_Clean $sr)" "$(kib Private_Dirty $sr)" "$(kib VmSize $st)" "$(kib Threads $st)"
}

# mappings PID: the largest mappings by Rss, summed per file (or [heap], [stack], anon)
mappings() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]"; next }
		$1 == "Rss:" { rss[name] += $2 }
		$1 == "Private_Clean:" || $1 == "Private_Dirty:" { priv[name] += $2 }
		END { for (n in rss) if (rss[n] > 0) printf "    %6d KiB rss %6d KiB private  %s\n", rss[n], priv[n], n }' \
		"/proc/$1/smaps" | sort -rn | head -"${2:-12}"
}

# switches PID: "TID COMM CTXT RUNS" per thread
switches() {
	local t
	for t in /proc/$1/task/*; do
		printf '%s %s %s %s\n' "${t##*/}" "$(tr ' ' _ <"$t/comm")" \
			"$(($(kib voluntary_ctxt_switches "$t/status") + $(kib nonvoluntary_ctxt_switches "$t/status")))" \
			"$(cut -d' ' -f3 "$t/schedstat")"
	done
}

# wakeups LABEL PID: context switches per thread over WINDOW idle seconds
wakeups() {
	local label=$1 pid=$2 a b perf_out=
	a=$(switches "$pid")
	if command -v perf >/dev/null; then
		perf_out=$(perf stat -e 'sched:sched_switch' -p "$pid" -- sleep "$WINDOW" 2>&1 |
			awk '/sched:sched_switch/ { print $1 }') || perf_out=
	else
		sleep "$WINDOW"
	fi
	b=$(switches "$pid")
	join <(sort <<<"$a") <(sort <<<"$b") | awk -v w="$WINDOW" -v l="$label" '
		{ c = $6 - $3; r = $7 - $4; tc += c; tr += r
		  printf "    %s thread %s (%s): %d switches, %d runs in %d s\n", l, $1, $2, c, r, w }
		END { printf "%s: %d context switches, %d runs in %d s = %.2f wake-ups/s\n", l, tc, tr, w, tr / w }'
	[ -n "$perf_out" ] && echo "$label: perf sched:sched_switch over $WINDOW s: $perf_out" ||
		echo "$label: perf sched:sched_switch not available (tracepoints), counts from /proc only"
}

report() {
	local label=$1 pid=$2
	memory "$label" "$pid"
	mappings "$pid"
}

gw_topology
gw_lab
gw_start
agent_conf
agent_start
agent_login
log "connected; anyroamd pid $AGENT_PID, load $(cut -d' ' -f1-3 /proc/loadavg)"
sleep 2
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"
echo "== anyroamd, connected, before any traffic"
report "anyroamd connected" "$AGENT_PID"

bg gw "$TEST_TMP/iperf3-server.log" iperf3 -s -B "$BEHIND_IP" -1 >/dev/null
sleep 0.5
nsx cl iperf3 -c "$BEHIND_IP" -t 3 -f m >"$TEST_TMP/iperf3.log" 2>&1 || die "iperf3 through the tunnel failed"
sleep 2
echo "== anyroamd, connected, after 3 s of iperf3 ($(awk '/receiver/ { print $7, $8 }' "$TEST_TMP/iperf3.log"))"
report "anyroamd after traffic" "$AGENT_PID"

echo "== anyroamd, connected and idle, $WINDOW s"
exec 9>"$LOCK"
flock 9
wakeups anyroamd "$AGENT_PID"
flock -u 9
agent_cli disconnect >/dev/null || die "disconnect failed"

if [ "$ANCHOR" = 1 ] && command -v openconnect >/dev/null && command -v ocserv >/dev/null; then
	chmod 711 "$TEST_TMP" # ocserv's workers (nobody) reach their sockets under HARNESS_RUN
	"$HARNESS/ocserv-pair.sh" start >/dev/null 2>&1 || die "ocserv start failed"
	"$HARNESS/ocserv-pair.sh" connect >"$TEST_TMP/oc-connect.out" 2>&1 || die "openconnect: $(cat "$TEST_TMP/oc-connect.out")"
	oc=$(read -r p _ <"$HARNESS_RUN/pids/openconnect.pid" && echo "$p")
	# the recorded pid is `ip netns exec`/unshare's, which exec in place: openconnect itself
	[ "$(cat /proc/"$oc"/comm)" = openconnect ] || oc=$(pgrep -P "$oc" openconnect | head -1)
	sleep 2
	echo "== anchor: openconnect (DTLS to ocserv), connected and idle"
	report openconnect "$oc"
	flock 9
	wakeups openconnect "$oc"
	flock -u 9
	"$HARNESS/ocserv-pair.sh" stop >/dev/null 2>&1
fi
