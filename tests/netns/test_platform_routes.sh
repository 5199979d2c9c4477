#!/bin/bash
# test_platform_routes.sh - platform/linux on a real kernel: the tun device,
# split-include and full-tunnel routes, resolv.conf; undo leaves the routing
# table and resolv.conf byte for byte as they were; after a SIGKILL the next
# start's platform_recover() restores them. The helper is the "tool" mode of
# tests/unit/test_platform_linux.c.
#
#  [ns cl: test_platform_linux tool]                  [ns wan]
#  anyroam0 192.168.20.5/32 (while applied)
#  veth-c 10.1.0.2/24 -------------------------------- veth-w 10.1.0.1/24
#  veth-d 10.3.0.2/24 -------------------------------- veth-x 10.3.0.1/24
#  default via 10.1.0.1 (for a while via 10.3.0.1)     lo 10.2.0.2/32 = the VPN gateway
. "$(dirname "$0")/lib.sh"
need_root
TOOL=$BINDIR/tests/test_platform_linux
[ -x "$TOOL" ] || skip "test_platform_linux is not built"

ns_add cl
ns_add wan
link cl veth-c 10.1.0.2/24 wan veth-w 10.1.0.1/24
link cl veth-d 10.3.0.2/24 wan veth-x 10.3.0.1/24
nsx wan ip addr add 10.2.0.2/32 dev lo
nsx cl ip route add default via 10.1.0.1
wait_for 5 nsx cl ping -c1 -W1 10.2.0.2 || die "no path to the gateway"

STATE=$TEST_TMP/state
RESOLV=$TEST_TMP/resolv.conf
printf 'nameserver 10.1.0.1\r\nsearch lan\n# odd bytes kept\noptions edns0' >"$RESOLV"
cp "$RESOLV" "$TEST_TMP/resolv.orig"
# (grep -q on a pipe could SIGPIPE the producer and fail under pipefail:
#  output is captured first)
snapshot() { nsx cl ip route show table all; nsx cl ip -o addr show; nsx cl ip -o link show | sed 's/ state [A-Z]* / /'; }
snapshot >"$TEST_TMP/before.txt"

# start NAME ARGS... : the tool in the background, ready when it says so
start() {
	local name=$1
	shift
	bg cl "$TEST_TMP/$name.log" "$TOOL" tool apply --state-dir "$STATE" --resolv-conf "$RESOLV" \
		--addr 192.168.20.5 --gw 10.2.0.2 "$@" >/dev/null
	PID=${_pids[-1]}
	wait_for 10 grep -q '^ready' "$TEST_TMP/$name.log" || die "$name: not ready"
}

# stop_and_compare NAME : SIGTERM undoes; everything must be as before
stop_and_compare() {
	kill -TERM "$PID"
	wait "$PID" || die "$1: undo failed"
	snapshot >"$TEST_TMP/after-$1.txt"
	diff -u "$TEST_TMP/before.txt" "$TEST_TMP/after-$1.txt" || die "$1: routes/links not restored"
	cmp "$RESOLV" "$TEST_TMP/resolv.orig" || die "$1: resolv.conf not restored byte for byte"
	[ ! -e "$STATE/platform.journal" ] || die "$1: journal left behind"
	log "ok: $1 undone exactly"
}

# 1. split include: one route per subnet, no host route, DNS servers first
start split --subnet 192.168.10.0/24 --subnet 172.16.0.0/12 --dns 192.168.10.53 --domain example.com
routes=$(nsx cl ip route)
grep -q '^192.168.10.0/24 dev anyroam0 proto 177' <<<"$routes" || die "split: no 192.168.10.0/24 route"
grep -q '^172.16.0.0/12 dev anyroam0 proto 177' <<<"$routes" || die "split: no 172.16.0.0/12 route"
grep -q '10.2.0.2' <<<"$routes" && die "split: unexpected host route"
grep -q '^default via 10.1.0.1 dev veth-c' <<<"$routes" || die "split: default route touched"
grep -q 'inet 192.168.20.5/32' <<<"$(nsx cl ip -o addr show dev anyroam0)" || die "split: tun address"
grep -q 'mtu 1400' <<<"$(nsx cl ip -o link show dev anyroam0)" || die "split: tun MTU"
grep -q '^nameserver 192.168.10.53$' "$RESOLV" || die "split: resolv.conf"
grep -q 'dev anyroam0' <<<"$(nsx cl ip route get 192.168.10.1)" || die "split: 192.168.10.1 not tunnelled"
grep -q 'dev veth-c' <<<"$(nsx cl ip route get 8.8.8.8)" || die "split: internet tunnelled"
stop_and_compare split

# 2. full tunnel: 0/1 + 128/1 into the tunnel, the gateway pinned to veth-c
start full --dns 192.168.10.53
routes=$(nsx cl ip route)
log "full tunnel routes:"$'\n'"$routes"
grep -q '^0.0.0.0/1 dev anyroam0 proto 177' <<<"$routes" || die "full: no 0/1"
grep -q '^128.0.0.0/1 dev anyroam0 proto 177' <<<"$routes" || die "full: no 128/1"
grep -q '^10.2.0.2 via 10.1.0.1 dev veth-c proto 177' <<<"$routes" || die "full: no host route"
grep -q 'dev anyroam0' <<<"$(nsx cl ip route get 8.8.8.8)" || die "full: 8.8.8.8 not tunnelled"
grep -q 'via 10.1.0.1 dev veth-c' <<<"$(nsx cl ip route get 10.2.0.2)" || die "full: gateway tunnelled"
nsx cl ping -c1 -W1 10.2.0.2 >/dev/null || die "full: gateway unreachable"
grep -q '^nameserver 10.1.0.1' "$RESOLV" && die "full: local DNS server kept"
stop_and_compare full

# 2b. roaming under a full tunnel: the default route moves to veth-d; the
#     gateway's host route follows before the agent hears ROUTE_CHANGED (101)
start roam --dns 192.168.10.53
nsx cl ip route replace default via 10.3.0.1 dev veth-d
wait_for 5 grep -q '^event ROUTE_CHANGED reason=101 old=veth-c new=veth-d src=10.3.0.2' \
	"$TEST_TMP/roam.log" || die "roam: no ROUTE_CHANGED event"
routes=$(nsx cl ip route)
grep -q '^10.2.0.2 via 10.3.0.1 dev veth-d proto 177' <<<"$routes" || die "roam: host route stayed"
[ "$(grep -c '^10.2.0.2 ' <<<"$routes")" = 1 ] || die "roam: old host route left: $routes"
nsx cl ping -c1 -W1 -I 10.3.0.2 10.2.0.2 >/dev/null || die "roam: gateway unreachable via veth-d"
grep -q '^10.2.0.2/32 10.3.0.1 [0-9]* veth-d$' <<<"$(sed 's/^route //' "$STATE/platform.journal")" ||
	die "roam: journal does not have the new host route"
kill -TERM "$PID"
wait "$PID" || die "roam: undo failed"
nsx cl ip route replace default via 10.1.0.1 dev veth-c
snapshot >"$TEST_TMP/after-roam.txt"
diff -u "$TEST_TMP/before.txt" "$TEST_TMP/after-roam.txt" || die "roam: not restored"
cmp "$RESOLV" "$TEST_TMP/resolv.orig" || die "roam: resolv.conf not restored byte for byte"
log "ok: host route followed the roam and was removed exactly"

# 3. crash: SIGKILL after applying; the tun goes with the fd, the host route
#    and resolv.conf stay; recover puts them back
start crash --dns 192.168.10.53
kill -KILL "$PID"
wait "$PID" 2>/dev/null || true
grep -q '^10.2.0.2 via 10.1.0.1' <<<"$(nsx cl ip route)" ||
	die "crash: host route should survive a SIGKILL: $(nsx cl ip route; cat "$STATE/platform.journal")"
grep -q '192.168.10.53' "$RESOLV" || die "crash: resolv.conf should still be ours"
[ -s "$STATE/platform.journal" ] || die "crash: no journal"
log "journal after the crash:"$'\n'"$(cat "$STATE/platform.journal")"
nsx cl "$TOOL" tool recover --state-dir "$STATE" --resolv-conf "$RESOLV" 2>"$TEST_TMP/recover.log" ||
	die "recover failed"
snapshot >"$TEST_TMP/after-crash.txt"
diff -u "$TEST_TMP/before.txt" "$TEST_TMP/after-crash.txt" || die "crash: not restored"
cmp "$RESOLV" "$TEST_TMP/resolv.orig" || die "crash: resolv.conf not restored byte for byte"
[ ! -e "$STATE/platform.journal" ] || die "crash: journal left behind"
log "ok: recovered after SIGKILL"

# 4. the real path /etc/resolv.conf, bind-mounted in a private mount namespace
#    (as in containers: rename over it fails, so it is rewritten in place)
cp "$TEST_TMP/resolv.orig" "$TEST_TMP/etc-resolv.conf"
# ip netns exec, unshare and sh all exec: $! is the tool itself
INMNT=(ip netns exec "$(ns cl)" unshare -m --propagation private sh -c
	"mount --bind '$TEST_TMP/etc-resolv.conf' /etc/resolv.conf && exec \"\$@\"" sh)
"${INMNT[@]}" "$TOOL" tool apply --state-dir "$STATE" --resolv-conf /etc/resolv.conf --addr 192.168.20.5 \
	--gw 10.2.0.2 --dns 192.168.10.53 >"$TEST_TMP/etc.log" 2>&1 &
PID=$!
_pids+=("$PID")
wait_for 10 grep -q '^ready' "$TEST_TMP/etc.log" || die "etc: not ready"
grep -q '192.168.10.53' "$TEST_TMP/etc-resolv.conf" || die "etc: bind-mounted resolv.conf not rewritten"
kill -KILL "$PID"
wait "$PID" 2>/dev/null || true
"${INMNT[@]}" "$TOOL" tool recover --state-dir "$STATE" --resolv-conf /etc/resolv.conf 2>>"$TEST_TMP/etc.log" ||
	die "etc: recover failed"
cmp "$TEST_TMP/etc-resolv.conf" "$TEST_TMP/resolv.orig" || die "etc: not restored byte for byte"
snapshot >"$TEST_TMP/after-etc.txt"
diff -u "$TEST_TMP/before.txt" "$TEST_TMP/after-etc.txt" || die "etc: routes not restored"
log "ok: bind-mounted /etc/resolv.conf restored after SIGKILL"

# 5. anyroamd.service's sandbox: /etc read-only except resolv.conf, which is a
#    symlink into /run (resolvconf, NetworkManager): no rename is possible, so
#    the target is written through and its bytes restored in place; the link
#    itself is never touched
mkdir -p "$TEST_TMP/ro/etc" "$TEST_TMP/ro/run"
cp "$TEST_TMP/resolv.orig" "$TEST_TMP/ro/run/resolv.conf"
ln -s ../run/resolv.conf "$TEST_TMP/ro/etc/resolv.conf"
INRO=(ip netns exec "$(ns cl)" unshare -m --propagation private sh -c
	"mount --bind '$TEST_TMP/ro/etc' '$TEST_TMP/ro/etc' &&
	 mount -o remount,bind,ro '$TEST_TMP/ro/etc' && exec \"\$@\"" sh)
"${INRO[@]}" "$TOOL" tool apply --state-dir "$STATE" --resolv-conf "$TEST_TMP/ro/etc/resolv.conf" \
	--addr 192.168.20.5 --gw 10.2.0.2 --dns 192.168.10.53 >"$TEST_TMP/ro.log" 2>&1 &
PID=$!
_pids+=("$PID")
wait_for 10 grep -q '^ready' "$TEST_TMP/ro.log" || die "ro: not ready"
grep -q '192.168.10.53' "$TEST_TMP/ro/run/resolv.conf" || die "ro: symlink target not rewritten"
[ "$(readlink "$TEST_TMP/ro/etc/resolv.conf")" = ../run/resolv.conf ] || die "ro: symlink replaced"
kill -TERM "$PID"
wait "$PID" || die "ro: undo failed"
cmp "$TEST_TMP/ro/run/resolv.conf" "$TEST_TMP/resolv.orig" || die "ro: target not restored byte for byte"
[ "$(readlink "$TEST_TMP/ro/etc/resolv.conf")" = ../run/resolv.conf ] || die "ro: symlink changed"
[ -z "$(ls -A "$STATE")" ] || die "ro: state left behind: $(ls -A "$STATE")"
log "ok: symlinked resolv.conf in a read-only /etc written through and restored"
