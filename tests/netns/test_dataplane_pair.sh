#!/bin/bash
# test_dataplane_pair.sh - two real data planes (platform/linux/dataplane.c), client
# and gateway roles, with fixed keys, over veth and TUN: ping both ways, iperf3 both
# ways, a simulated reconnect (new socket + new SA pair, TUN untouched) under ping,
# NAT keepalives, and the counters. Runs once per ESP transform in $TRANSFORMS; a
# ":vnet" suffix opens the TUN devices with IFF_VNET_HDR (TSO cut up in userspace).
#
#  [ns c: bench_esp_pair --role client]          [ns g: bench_esp_pair --role gateway]
#  tun-c 192.168.20.5/32, mtu 1400                tun-g 10.201.0.1/24, mtu 1400
#  route 10.201.0.0/24 dev tun-c                  route 192.168.20.0/24 dev tun-g
#  veth-c 10.1.0.2/24 ------- UDP 4500 ESP ------ veth-g 10.1.0.1/24 (:4500)
#
# Prints "throughput TRANSFORM up=N down=N Mbit/s" (iperf3, IPERF_SECS each way).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root
need_cmd iperf3 ping
PAIR=$BINDIR/bench/bench_esp_pair
[ -x "$PAIR" ] || skip "bench_esp_pair is not built ($PAIR)"
TRANSFORMS=${TRANSFORMS:-"aes256gcm16 aes256-sha384 aes256gcm16:vnet"}
IPERF_SECS=${IPERF_SECS:-4}

ns_add c
ns_add g
link c veth-c 10.1.0.2/24 g veth-g 10.1.0.1/24
bg g "$TEST_TMP/iperf.log" iperf3 -s >/dev/null

# stat LOG KEY -> value printed by bench_esp_pair at exit
stat() { sed -n "s/^$2=//p" "$1"; }

tun_up() { # NS DEV ADDR ROUTE
	wait_for 5 nsx "$1" ip link show "$2" || die "$2 did not appear"
	nsx "$1" ip addr add "$3" dev "$2"
	nsx "$1" ip link set "$2" mtu 1400 up
	nsx "$1" ip route add "$4" dev "$2"
}

mbits() { # iperf3 JSON on stdin -> received Mbit/s
	sed -n '/"sum_received"/,/}/s/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' |
		head -1 | awk '{printf "%d", $1 / 1e6}'
}

# PROTOCOL.md §2 on the wire: ESP in UDP 4500 with checksum 0, both directions.
check_wire() {
	command -v tshark >/dev/null || { log "tshark missing: wire check skipped"; return 0; }
	local cap=$TEST_TMP/wire-$1.txt
	nsx g timeout 15 tshark -i veth-g -c 6 -f "udp port 4500 and greater 100" -T fields \
		-e udp.srcport -e udp.dstport -e udp.checksum -e esp.spi >"$cap" 2>/dev/null &
	local shark=$! pinger
	# tshark starts slowly on a busy machine: keep traffic going until it has enough
	ip netns exec "$(ns c)" ping -c 70 -i 0.2 -W 2 10.201.0.1 >/dev/null 2>&1 & # $! is ping
	pinger=$!
	wait "$shark" || true
	kill "$pinger" 2>/dev/null || true
	wait "$pinger" 2>/dev/null || true
	[ "$(wc -l <"$cap")" -ge 6 ] || die "$1: captured $(wc -l <"$cap") ESP packets, want 6"
	awk '$3 != "0x0000" && $3 != "0x00000000" { bad = 1 } END { exit bad }' "$cap" ||
		die "$1: UDP checksum not 0: $(cat "$cap")"
	grep -q $'^4500\t' "$cap" && grep -q $'\t4500\t' "$cap" || die "$1: not both directions on 4500"
	log "$1: wire ok: $(head -2 "$cap" | tr '\t\n' ' ')"
}

run_pair() {
	local t=$1 gw cl up down lost xf=${1%%:*} extra=()
	[ "$t" = "$xf" ] || extra=(--offload)
	log "== $t"
	bg g "$TEST_TMP/gw-$t.log" "$PAIR" --role gateway --tun tun-g --local 10.1.0.1:4500 \
		--inner 192.168.20.5 --transform "$xf" "${extra[@]}" >/dev/null
	gw=${_pids[-1]}
	bg c "$TEST_TMP/cl-$t.log" "$PAIR" --role client --tun tun-c --local 10.1.0.2:0 \
		--peer 10.1.0.1:4500 --transform "$xf" --keepalive-ms 500 "${extra[@]}" >/dev/null
	cl=${_pids[-1]}
	tun_up g tun-g 10.201.0.1/24 192.168.20.0/24
	tun_up c tun-c 192.168.20.5/32 10.201.0.0/24

	# the client speaks first: the gateway learns its address from the first ESP packet
	nsx c ping -c 5 -i 0.2 -W 2 10.201.0.1 >/dev/null || die "$t: ping client -> gateway"
	nsx g ping -c 5 -i 0.2 -W 2 192.168.20.5 >/dev/null || die "$t: ping gateway -> client"
	check_wire "$t"

	wait_for 5 nsx c iperf3 -c 10.201.0.1 -t 1 >/dev/null || die "$t: iperf3 server not reachable"
	up=$(nsx c iperf3 -c 10.201.0.1 -t "$IPERF_SECS" -J | mbits)
	down=$(nsx c iperf3 -c 10.201.0.1 -t "$IPERF_SECS" -R -J | mbits)
	[ "${up:-0}" -gt 0 ] && [ "${down:-0}" -gt 0 ] || die "$t: iperf3 moved nothing"
	echo "throughput $t up=$up down=$down Mbit/s"

	# reconnect under traffic: new SA pair and socket, the TUN device stays
	nsx c ping -i 0.05 -c 40 -W 1 10.201.0.1 >"$TEST_TMP/ping-$t.log" 2>&1 &
	local pinger=$!
	sleep 0.5
	kill -USR1 "$gw"
	kill -USR1 "$cl"
	wait "$pinger" || true
	# the summary line is what counts; give ping time to print it on a busy machine
	wait_for 10 grep -q "packet loss" "$TEST_TMP/ping-$t.log" || die "$t: ping under reconnect did not finish"
	lost=$(sed -n 's/.* \([0-9]*\)% packet loss.*/\1/p' "$TEST_TMP/ping-$t.log")
	log "$t: reconnect under ping: ${lost}% lost"
	[ "${lost:-100}" -le 20 ] || die "$t: ${lost}% lost across the reconnect"
	grep -q "reconnected gen=1" "$TEST_TMP/cl-$t.log" || die "$t: client did not reconnect"
	nsx c ping -c 3 -i 0.2 -W 2 10.201.0.1 >/dev/null || die "$t: ping after reconnect"

	sleep 1.2 # idle: keepalives
	kill -TERM "$cl" "$gw"
	wait "$cl" "$gw" || die "$t: a data plane exited with an error"
	for f in "$TEST_TMP/cl-$t.log" "$TEST_TMP/gw-$t.log"; do
		[ "$(stat "$f" drop_auth)" = 0 ] || die "$t: ICV failures in $f"
		[ "$(stat "$f" drop_replay)" -le 5 ] || die "$t: replays in $f"
		[ "$(stat "$f" esp_rx_packets)" -gt 1000 ] || die "$t: little ESP in $f"
		[ "$(stat "$f" sa_in_packets)" -gt 0 ] || die "$t: new SA unused in $f"
	done
	[ "$(stat "$TEST_TMP/cl-$t.log" keepalive_tx)" -ge 1 ] || die "$t: no keepalive sent"
	[ "$(stat "$TEST_TMP/gw-$t.log" keepalive_rx)" -ge 1 ] || die "$t: no keepalive received"
	log "$t: client $(grep -E '^(tun_rx_packets|esp_tx|esp_rx|drop_queue-full|keepalive_tx)' "$TEST_TMP/cl-$t.log" | tr '\n' ' ')"
	wait_for 5 bash -c "! ip -n $(ns c) link show tun-c" || die "tun-c left behind"
}

for t in $TRANSFORMS; do
	run_pair "$t"
done
log "PASS"
