# lib.sh - shared helpers for tests/netns scripts; source it, don't run it.
#
# Every namespace a test makes is named "ar<PID>-<name>", so parallel runs never
# collide, and a trap on EXIT kills what the test started and deletes them.
# Tests that cannot run (not root, no TUN) exit 77, which CTest shows as skipped.
set -euo pipefail

SRCDIR=${ANYROAM_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BINDIR=${ANYROAM_BINDIR:-$SRCDIR/build}
BIN=$BINDIR/bin
NS_PREFIX="ar$$"
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/anyroam-netns.XXXXXX")
_namespaces=()
_pids=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S.%3N)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 77; }

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TUN); run the suite as root"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun on this machine"
	command -v ip >/dev/null || skip "iproute2 not installed (scripts/deps.sh test)"
}

need_bin() {
	local b
	for b in "$@"; do
		[ -x "$BIN/$b" ] || skip "$b is not built yet"
	done
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c not installed (scripts/deps.sh test)"
	done
}

# ns NAME -> the real namespace name
ns() { echo "$NS_PREFIX-$1"; }

ns_add() {
	local n
	n=$(ns "$1")
	ip netns add "$n"
	_namespaces+=("$n")
	ip -n "$n" link set lo up
	ip netns exec "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
}

# nsx NAME CMD... : run in a namespace
nsx() {
	local n
	n=$(ns "$1")
	shift
	ip netns exec "$n" "$@"
}

# link NS_A IF_A ADDR_A/LEN NS_B IF_B ADDR_B/LEN : a veth pair between two namespaces
link() {
	local a b
	a=$(ns "$1") b=$(ns "$4")
	ip -n "$a" link add "$2" type veth peer name "$5" netns "$b"
	ip -n "$a" addr add "$3" dev "$2"
	ip -n "$b" addr add "$6" dev "$5"
	ip -n "$a" link set "$2" up
	ip -n "$b" link set "$5" up
}

# bg NS LOGFILE CMD... : start a process in a namespace, remembered for cleanup
bg() {
	local n=$1 logf=$2
	shift 2
	ip netns exec "$(ns "$n")" "$@" >"$logf" 2>&1 &
	_pids+=($!)
	echo $!
}

# wait_for SECONDS CMD... : poll until CMD succeeds
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

cleanup() {
	local rc=$? p n
	for p in "${_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.2
	for p in "${_pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for n in "${_namespaces[@]}"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$n" 2>/dev/null || true
	done
	if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -d "$TEST_TMP" ]; then
		log "logs kept in $TEST_TMP"
		for f in "$TEST_TMP"/*.log; do
			[ -f "$f" ] && { echo "==== $f"; tail -40 "$f"; } >&2
		done
	else
		rm -rf "$TEST_TMP"
	fi
	exit $rc
}
trap cleanup EXIT
