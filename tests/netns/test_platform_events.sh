#!/bin/bash
# test_platform_events.sh - link events from rtnetlink: a source address
# change (reason 102), the route to the gateway moving to another interface
# (101), link down / up (admin and carrier), each burst of netlink messages
# debounced into exactly one event, and changes that do not touch the path
# to the gateway make none. The helper is the "tool monitor" mode of
# tests/unit/test_platform_linux.c.
#
#  [ns cl: test_platform_linux tool monitor --gw 10.2.0.2]      [ns wan]
#  veth-a 10.1.0.2/24 (-> 10.1.0.7) ------------------------- veth-wa 10.1.0.1/24
#  veth-b 10.3.0.2/24 --------------------------------------- veth-wb 10.3.0.1/24
#  default via 10.1.0.1 (later via 10.3.0.1)                   lo 10.2.0.2/32 = the VPN gateway
. "$(dirname "$0")/lib.sh"
need_root
TOOL=$BINDIR/tests/test_platform_linux
[ -x "$TOOL" ] || skip "test_platform_linux is not built"

ns_add cl
ns_add wan
link cl veth-a 10.1.0.2/24 wan veth-wa 10.1.0.1/24
link cl veth-b 10.3.0.2/24 wan veth-wb 10.3.0.1/24
nsx wan ip addr add 10.2.0.2/32 dev lo
nsx cl ip route add default via 10.1.0.1 dev veth-a
wait_for 5 nsx cl ping -c1 -W1 10.2.0.2 || die "no path to the gateway"

EV=$TEST_TMP/monitor.log
bg cl "$EV" "$TOOL" tool monitor --gw 10.2.0.2 --count 100 --timeout 120 >/dev/null
wait_for 10 grep -q '^watching' "$EV" || die "monitor did not start"

n_events() { grep -c '^event ' "$EV" || true; }
has_events() { [ "$(n_events)" -ge "$1" ]; }
# expect N PATTERN : the Nth event arrives and matches; no other event with it
expect() {
	local n=$1 pattern=$2 t0 line
	t0=$(date +%s%N)
	wait_for 5 has_events "$n" || die "event $n ($pattern) never came"
	line=$(grep '^event ' "$EV" | sed -n "${n}p")
	grep -qE "$pattern" <<<"$line" || die "event $n is '$line', expected /$pattern/"
	log "ok: $line ($((($(date +%s%N) - t0) / 1000000)) ms)"
	sleep 0.4 # longer than the debounce: a second event from the same burst would show now
	[ "$(n_events)" -eq "$n" ] || die "more than one event for one burst: $(grep '^event ' "$EV")"
}

# 1. new address on the same link: delete + add + default route again, one burst
nsx cl sh -c 'ip addr del 10.1.0.2/24 dev veth-a; ip addr add 10.1.0.7/24 dev veth-a;
	ip route add default via 10.1.0.1 dev veth-a'
expect 1 '^event ADDR_CHANGED reason=102 old=veth-a new=veth-a src=10\.1\.0\.7$'

# 2. the route to the gateway moves to veth-b (Wi-Fi -> wired)
nsx cl ip route replace default via 10.3.0.1 dev veth-b
expect 2 '^event ROUTE_CHANGED reason=101 old=veth-a new=veth-b src=10\.3\.0\.2$'

# 3. noise that does not change the path: no event
nsx cl ip route add 10.50.0.0/16 via 10.1.0.1 dev veth-a
nsx cl ip addr add 10.1.0.8/24 dev veth-a
nsx cl ip link set veth-a mtu 1400
sleep 0.5
[ "$(n_events)" -eq 2 ] || die "an event for a change off the path: $(tail -1 "$EV")"
log "ok: changes off the path make no event"

# 4. admin down: the kernel flushes veth-b's routes, no path is left
nsx cl ip link set veth-b down
expect 3 '^event LINK_DOWN reason=0 old=veth-b new=- '

# 5. back up, with its default route
nsx cl sh -c 'ip link set veth-b up; ip route add default via 10.3.0.1 dev veth-b'
expect 4 '^event LINK_UP reason=101 old=- new=veth-b src=10\.3\.0\.2$'

# 6. carrier lost (the far end goes down: cable pulled), then back
nsx wan ip link set veth-wb down
expect 5 '^event LINK_DOWN reason=0 old=veth-b new=- '
nsx wan ip link set veth-wb up
expect 6 '^event LINK_UP reason=101 old=- new=veth-b'

# 7. a storm of address flaps is still one event per burst (capped at 1 s)
nsx cl sh -c 'for i in 1 2 3 4 5 6 7 8; do ip addr add 10.3.0.$((20 + i))/32 dev veth-b;
	ip addr del 10.3.0.$((20 + i))/32 dev veth-b; done; ip addr del 10.3.0.2/24 dev veth-b;
	ip addr add 10.3.0.9/24 dev veth-b; ip route add default via 10.3.0.1 dev veth-b'
expect 7 '^event ADDR_CHANGED reason=102 old=veth-b new=veth-b src=10\.3\.0\.9$'

# 8. down, a new lease while down, up again: back on the same link with
#    another source address, so the SA's address is gone (102, not 101)
nsx cl ip link set veth-b down
expect 8 '^event LINK_DOWN reason=0 old=veth-b new=- '
nsx cl sh -c 'ip addr flush dev veth-b; ip addr add 10.3.0.11/24 dev veth-b; ip link set veth-b up;
	ip route add default via 10.3.0.1 dev veth-b'
expect 9 '^event LINK_UP reason=102 old=- new=veth-b src=10\.3\.0\.11$'
log "ok: $(n_events) events, one per change"
