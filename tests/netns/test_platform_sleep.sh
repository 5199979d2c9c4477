#!/bin/bash
# test_platform_sleep.sh - sleep events from logind's PrepareForSleep signal
# (PROTOCOL.md §12, reason 9), over a private D-Bus daemon standing in for the
# system bus (sd_bus_open_system honours DBUS_SYSTEM_BUS_ADDRESS); the sender
# owns org.freedesktop.login1 there, as logind does, so the match on the
# well-known sender is exercised as in production. The CLOCK_BOOTTIME gap
# detector needs a real suspend and is covered on a fake clock in
# tests/unit/test_platform.c.
#
#  [ns cl: dbus-daemon (private "system" bus)
#          test_platform_linux tool monitor   <- PrepareForSleep(true/false)
#          test_platform_linux tool emit-sleep]
#  veth-c 10.1.0.2/24 ---------------- [ns wan] veth-w 10.1.0.1/24, lo 10.2.0.2/32
. "$(dirname "$0")/lib.sh"
need_root
need_cmd dbus-daemon
TOOL=$BINDIR/tests/test_platform_linux
[ -x "$TOOL" ] || skip "test_platform_linux is not built"

ns_add cl
ns_add wan
link cl veth-c 10.1.0.2/24 wan veth-w 10.1.0.1/24
nsx wan ip addr add 10.2.0.2/32 dev lo
nsx cl ip route add default via 10.1.0.1

BUS=$TEST_TMP/system_bus_socket
cat >"$TEST_TMP/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=$BUS</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
bg cl "$TEST_TMP/dbus.log" dbus-daemon --nofork --nopidfile --config-file="$TEST_TMP/bus.conf" >/dev/null
wait_for 5 test -S "$BUS" || die "private bus did not start"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$BUS

EV=$TEST_TMP/monitor.log
bg cl "$EV" "$TOOL" tool monitor --gw 10.2.0.2 --count 100 --timeout 60 >/dev/null
wait_for 10 grep -q '^watching' "$EV" || die "monitor did not start"
grep -q 'gap only' "$EV" && die "monitor did not subscribe to logind"

nsx cl "$TOOL" tool emit-sleep true 2>"$TEST_TMP/emit.log" || die "cannot emit PrepareForSleep(true)"
wait_for 5 grep -q '^event SLEEP reason=0' "$EV" || die "no SLEEP event"
log "ok: $(grep '^event SLEEP' "$EV")"
nsx cl "$TOOL" tool emit-sleep false 2>>"$TEST_TMP/emit.log" || die "cannot emit PrepareForSleep(false)"
wait_for 5 grep -q '^event RESUME reason=9' "$EV" || die "no RESUME event"
log "ok: $(grep '^event RESUME' "$EV")"
[ "$(grep -c '^event ' "$EV")" = 2 ] || die "unexpected events: $(grep '^event ' "$EV")"

# a signal from someone who is not logind is ignored (the match names the sender)
nsx cl env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
	dbus-send --system --type=signal /org/freedesktop/login1 \
	org.freedesktop.login1.Manager.PrepareForSleep boolean:false 2>/dev/null || true
sleep 0.5
[ "$(grep -c '^event ' "$EV")" = 2 ] || die "a forged PrepareForSleep was believed"
log "ok: a PrepareForSleep from another sender is ignored"
