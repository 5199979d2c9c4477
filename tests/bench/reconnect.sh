#!/bin/bash
# reconnect.sh - reconnect-latency benchmark of issue 8: milliseconds from a trigger to
# the first packet through the new SA, median and p95 over RUNS runs, for a network
# change (the client's address moves on its link) and for a resume (`anyroam debug
# simulate-resume`), beside openconnect+ocserv recovering from the same network change
# (address move + SIGUSR2, its fastest path) on the same namespaces; then the blackout
# target: the path dark for BLACKOUT s (nftables drop on the gateway's veth, the
# harness's impair.sh block), then restored, and how long until traffic flows again
# (ours, strongSwan charon as a client of anyroam-gw, openconnect).
#
# Measured from outside the agent:
#  - a ping stream (every 2 ms, `ping -D`) from ns cl to the host behind the gateway;
#    "gap" = the longest stretch without an echo reply after the trigger (what an
#    application sees); for a blackout: restore -> first reply;
#  - a capture of UDP 4500 on the client's veth (dumpcap); "spi" = first ESP packet
#    from the gateway whose SPI was never seen before the trigger, i.e. the first
#    reply through the new inbound SA (ESP-in-UDP, RFC 3948: SPI = first 4 bytes,
#    0 = non-ESP marker of IKE);
#  - for the network change, the kernel's own time of the address deletion
#    (`ip -ts monitor address`), so the figure can also be read without the ~5 ms
#    of starting `ip`;
#  - beside them the agent's own `last_reconnect_ms` and its DART timeline steps.
# Trigger time = date +%s%N just before the ip/anyroam/kill command (fork and exec of
# that command are included).
#
# The figures are not checked against targets here (the host is shared and noisy):
# read them, and the table in tests/bench/RESULTS.md.
#
# Usage (root): ANYROAM_BINDIR=build-bench-rc tests/bench/reconnect.sh
#   RUNS=50 BLACKOUT=60 BLACKOUT_RUNS=1 PARTS="net resume blackout sw-blackout oc oc-blackout"
# Output: one line per run on stderr, a summary table on stdout, raw data kept in
# $OUT (default /tmp/anyroam-bench-reconnect); ANALYZE=1 recomputes the table from it.
# Every measured phase holds /tmp/anyroam-bench.lock; set-up stays outside it.
. "$(dirname "$0")/../netns/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_bin anyroam-gw anyroamd anyroam
need_cmd nft dumpcap tshark ping flock

RUNS=${RUNS:-50}
BLACKOUT=${BLACKOUT:-60}
BLACKOUT_RUNS=${BLACKOUT_RUNS:-1}
PARTS=${PARTS:-net resume blackout sw-blackout oc oc-blackout}
OUT=${OUT:-/tmp/anyroam-bench-reconnect}
LOCK=/tmp/anyroam-bench.lock
HARNESS=/work/shared/harness

now_ns() { date +%s%N; }
has_part() { [[ " $PARTS " == *" $1 "* ]]; }

# the shared harness scripts, pointed at this run's namespaces and addresses
harness() {
	GW_NS=$(ns gw) CL_NS=$(ns cl) GW_VETH=veth-g CL_VETH=veth-c GW_IP=$GW_IP CL_IP=$CL_IP \
		INNER_IP=$BEHIND_IP INNER_NET=$BEHIND_IP/32 OC_POOL_NET=192.168.30.0 \
		HARNESS_RUN=$OUT/harness "$HARNESS/$1" "${@:2}"
}

# ping_start NAME / ping_stop: the probe stream through the tunnel
ping_start() {
	PING_LOG=$OUT/$1.ping
	PING_PID=$(bg cl "$PING_LOG" ping -D -n -i 0.002 -W 1 $BEHIND_IP)
	sleep 0.5
}
ping_stop() { kill "$PING_PID" 2>/dev/null || true; }

# first_reply_after T_NS: unix ns of the first echo reply received after T_NS (or empty)
first_reply_after() {
	awk -v t="$1" '/bytes from/ { s = substr($1, 2, length($1) - 2); split(s, a, ".");
		ns = a[1] * 1e9 + a[2] * 1000; if (ns > t) { printf "%.0f\n", ns; exit } }' "$PING_LOG"
}

cap_start() {
	CAP=$OUT/$1.pcapng
	CAP_PID=$(bg cl "$OUT/$1.dumpcap.log" dumpcap -q -i veth-c -f "udp port 4500" -w "$CAP")
	wait_for 10 grep -q "Capturing\|File:" "$OUT/$1.dumpcap.log" || sleep 1
	sleep 0.5
}
cap_stop() {
	sleep 0.3
	kill -INT "$CAP_PID" 2>/dev/null || true
	wait_for 5 sh -c "! kill -0 $CAP_PID" || true
}

# outage_after T_NS END_NS: the longest stretch without an echo reply between T_NS and
# END_NS (T_NS itself counts as the last reply before): what an application sees
outage_after() {
	awk -v t="$1" -v e="$2" 'BEGIN { prev = t; m = 0 } /bytes from/ { s = substr($1, 2, length($1) - 2);
		split(s, a, "."); ns = a[1] * 1e9 + a[2] * 1000; if (ns <= t) next; if (ns > e) exit;
		if (ns - prev > m) m = ns - prev; prev = ns } END { printf "%d\n", m / 1e6 }' "$PING_LOG"
}

# spi_firsts NAME: "first-seen-ns SPI" of every inbound ESP SPI in the capture
spi_firsts() {
	tshark -r "$CAP" -Y "ip.src == $GW_IP && udp.srcport == 4500" -T fields \
		-e frame.time_epoch -e udp.payload 2>/dev/null |
		awk '{ spi = substr($2, 1, 8); gsub(":", "", spi); if (length($2) < 16 || spi == "00000000") next;
			if (!(spi in seen)) { seen[spi] = 1; split($1, a, "."); while (length(a[2]) < 9) a[2] = a[2] "0";
			printf "%s%s %s\n", a[1], substr(a[2], 1, 9), spi } }' >"$OUT/$1.spi"
}

# spi_after NAME T_NS: first-seen time of the first SPI that appeared after T_NS
spi_after() { awk -v t="$2" '$1 > t { print $1; exit }' "$OUT/$1.spi"; }

ms() { if [ -n "$1" ] && [ -n "$2" ]; then echo $((($2 - $1) / 1000000)); else echo NA; fi; }

# stats FILE COLUMN: "median p95 min max n" of a column (NA skipped); nearest-rank p95
stats() {
	awk -v c="$2" '$c != "NA" { print $c }' "$1" | sort -n | awk '{ v[NR] = $1 }
		END { if (!NR) { print "NA NA NA NA 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		r = int(0.95 * NR); if (r < 0.95 * NR) r++; print m, v[r], v[1], v[NR], NR }'
}

reconnects() { agent_stat reconnects; }

# wait_reconnect N: the agent has done N reconnects and is Connected again
wait_reconnect() {
	wait_for 15 sh -c "[ \"\$($BIN/anyroam --ctl $AGENT_CTL --json stats | sed -n 's/.*\"reconnects\":\([0-9]*\).*/\1/p')\" -ge $1 ]" &&
		wait_for 10 agent_connected
}

# flip_addr: move the client's address on veth-c to the other of .2/.3 (reason 102), in
# one `ip -batch` (one process: the trigger is one command, as a DHCP client's would be)
CUR_ADDR=$CL_IP
flip_addr() {
	local new=10.77.0.3
	[ "$CUR_ADDR" = 10.77.0.3 ] && new=$CL_IP
	printf 'addr add %s/24 dev veth-c\naddr del %s/24 dev veth-c\n' $new $CUR_ADDR |
		ip -n "$(ns cl)" -batch -
	CUR_ADDR=$new
}

# ours KIND: RUNS triggers of KIND (net|resume); raw lines "run ping_ms spi_ms agent_ms"
ours() {
	local kind=$1 i t0 n0 raw=$OUT/ours-$1.raw
	: >"$raw"
	ping_start "ours-$kind"
	cap_start "ours-$kind"
	: >"$OUT/ours-$kind.trig"
	n0=$(reconnects)
	# the kernel's own time of each address deletion (ip -ts: local time, microseconds)
	[ "$kind" = net ] && MON_PID=$(bg cl "$OUT/ours-net.mon" ip -ts monitor address)
	sleep 0.2
	for ((i = 1; i <= RUNS; i++)); do
		t0=$(now_ns)
		if [ "$kind" = net ]; then flip_addr; else agent_cli debug simulate-resume >/dev/null; fi
		wait_reconnect $((n0 + i)) || die "$kind run $i: no reconnect"
		wait_for 5 sh -c "[ -n \"\$(awk -v t=$t0 '/bytes from/ { s = substr(\$1, 2, length(\$1) - 2); split(s, a, \".\"); if (a[1] * 1e9 + a[2] * 1000 > t) { print; exit } }' $PING_LOG)\" ]" ||
			log "$kind run $i: no ping reply yet"
		echo "$i $t0 $(agent_stat last_reconnect_ms) $(agent_stat last_reconnect_reason)" >>"$OUT/ours-$kind.trig"
		sleep 0.3
	done
	cap_stop
	ping_stop
	[ "$kind" = net ] && kill "$MON_PID"
	analyze_ours "$kind"
	log "ours $kind: $(tr '\n' ';' <"$raw")"
}

# deletions KIND: unix ns of every "Deleted ... inet" event the address monitor saw
deletions() {
	[ -s "$OUT/ours-$1.mon" ] || return 0
	local ts
	sed -n 's/^\[\([^]]*\)\] Deleted .* inet .*/\1/p' "$OUT/ours-$1.mon" | while read -r ts; do
		echo "$(date -d "${ts%.*}" +%s)${ts##*.}000"
	done
}

# analyze_ours KIND: raw lines "run gap_ms spi_ms agent_ms reason first_reply_ms
# spi_after_kernel_ms" from the trigger times, the ping log, the capture and (net) the
# kernel's address events; a run's window ends at the next trigger
analyze_ours() {
	local kind=$1 raw=$OUT/ours-$1.raw r t a reason i=0 end
	local -a trig
	PING_LOG=$OUT/ours-$kind.ping CAP=$OUT/ours-$kind.pcapng
	spi_firsts "ours-$kind"
	mapfile -t trig <"$OUT/ours-$kind.trig"
	deletions "$kind" >"$OUT/ours-$kind.del"
	: >"$raw"
	for ((i = 0; i < ${#trig[@]}; i++)); do
		read -r r t a reason <<<"${trig[i]}"
		end=$((t + 1000000000))
		((i + 1 < ${#trig[@]})) && end=$(awk '{ print $2 }' <<<"${trig[i + 1]}")
		local sp k
		sp=$(spi_after "ours-$kind" "$t")
		k=$(awk -v t="$t" '$1 > t { print $1; exit }' "$OUT/ours-$kind.del")
		echo "$r $(outage_after "$t" "$end") $(ms "$t" "$sp") $a $reason $(ms "$t" "$(first_reply_after "$t")") $(ms "$k" "$sp")" >>"$raw"
	done
}

# dart_steps KIND: the agent's own reconnect steps from a DART bundle (the daemon keeps
# the last 32 reconnects): "step median-ms" since the agent saw the trigger
dart_steps() {
	agent_cli dart --local -o "$OUT/dart-$1.zip" >"$OUT/dart-$1.log" 2>&1 &&
		unzip -p "$OUT/dart-$1.zip" agent/reconnect-timeline.json >"$OUT/timeline-$1.json" ||
		{ log "no DART bundle for $1"; return 0; }
}
steps_summary() {
	grep -o '"step":"[a-z_]*","at_ms":[0-9]*\|"duration_ms":[0-9]*' "$OUT/timeline-$1.json" |
		sed 's/"step":"\([a-z_]*\)","at_ms":/\1 /; s/"duration_ms":/duration_ms /' |
		sort -k1,1 -k2n | awk '{ v[$1] = v[$1] " " $2; n[$1]++ }
		END { for (k in v) { split(substr(v[k], 2), a, " "); printf "%s %s (n=%d); ", k, a[int((n[k] + 1) / 2)], n[k] } }'
}

# oc_net: the same address move for openconnect, followed at once by SIGUSR2
oc_net() {
	local i t0 pid raw=$OUT/oc-net.raw
	: >"$raw"
	pid=$(awk '{ print $1 }' "$OUT/harness/pids/openconnect.pid")
	ping_start oc-net
	for ((i = 1; i <= RUNS; i++)); do
		t0=$(now_ns)
		flip_addr
		kill -USR2 "$pid"
		wait_for 30 sh -c "[ -n \"\$(awk -v t=$t0 '/bytes from/ { s = substr(\$1, 2, length(\$1) - 2); split(s, a, \".\"); if (a[1] * 1e9 + a[2] * 1000 > t) { print; exit } }' $PING_LOG)\" ]" ||
			log "openconnect run $i: no traffic within 30 s"
		sleep 1
		echo "$i $(outage_after "$t0" $(now_ns)) $(ms "$t0" "$(first_reply_after "$t0")")" >>"$raw"
	done
	ping_stop
	log "openconnect net: $(tr '\n' ';' <"$raw")"
}

# blackout NAME: BLACKOUT s of drop on the gateway's veth; ms from restore to first reply
blackout() {
	local name=$1 i tu raw=$OUT/$1.raw
	: >"$raw"
	for ((i = 1; i <= BLACKOUT_RUNS; i++)); do
		ping_start "$name-$i"
		harness impair.sh block
		sleep "$BLACKOUT"
		tu=$(now_ns)
		harness impair.sh unblock
		wait_for 300 sh -c "[ -n \"\$(awk -v t=$tu '/bytes from/ { s = substr(\$1, 2, length(\$1) - 2); split(s, a, \".\"); if (a[1] * 1e9 + a[2] * 1000 > t) { print; exit } }' $PING_LOG)\" ]" ||
			log "$name run $i: no traffic within 300 s of the restore"
		echo "$i $(ms "$tu" "$(first_reply_after "$tu")")" >>"$raw"
		ping_stop
		log "$name run $i: $(tail -1 "$raw") ms after restore"
		sleep 2
	done
}

# sw_client: strongSwan (charon, kernel-libipsec) as the other IKEv2 client, with the
# settings of the harness's earlier blackout figure: DPD every 10 s, restart on a dead
# peer, keep trying (gw_netns.sh's strongswan.conf: 2 retransmits, 1 s timeout)
sw_client() {
	sw_conf "connections {
	bench {
		version = 2
		remote_addrs = $GW_IP
		vips = 0.0.0.0
		proposals = aes256-sha512-ecp256
		encap = yes
		send_certreq = yes
		keyingtries = 0
		dpd_delay = 10s
		local {
			auth = eap-mschapv2
			id = test
			eap_id = test
		}
		remote {
			auth = pubkey
			id = $GW_IP
		}
		children {
			bench-net {
				remote_ts = 192.168.10.0/24
				esp_proposals = aes256-sha384
				dpd_action = restart
			}
		}
	}
}
secrets {
	eap-test {
		id = test
		secret = \"cisco\"
	}
}"
	sw_start
	sw --initiate --child bench-net --timeout 20 >"$OUT/sw-initiate.log" 2>&1 ||
		die "strongSwan login failed: $(tail -3 "$OUT/sw-initiate.log")"
	wait_for 10 nsx cl ping -c 1 -W 1 $BEHIND_IP || die "no traffic through strongSwan"
}

row() { # LABEL FILE COLUMN
	local s
	read -r -a s <<<"$(stats "$2" "$3")"
	printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "${s[4]}" "${s[0]}" "${s[1]}" "${s[2]}" "${s[3]}"
}

summary() {
	echo "reconnect benchmark $(date -u '+%F %H:%M UTC'), RUNS=$RUNS, BLACKOUT=${BLACKOUT}s, STATE_TMPFS=${STATE_TMPFS:-1}, load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "| what (ms) | n | median | p95 | min | max |"
	echo "| --- | --- | --- | --- | --- | --- |"
	for k in net resume; do
		[ -s "$OUT/ours-$k.raw" ] || continue
		row "anyroam $k: trigger -> first ESP on the new inbound SPI" "$OUT/ours-$k.raw" 3
		row "anyroam $k: longest ping gap after the trigger" "$OUT/ours-$k.raw" 2
		[ $k = net ] && row "anyroam $k: kernel's address deletion -> first ESP on the new SPI" "$OUT/ours-$k.raw" 7
		row "anyroam $k: agent last_reconnect_ms" "$OUT/ours-$k.raw" 4
	done
	[ -s "$OUT/oc-net.raw" ] && row "openconnect net (+SIGUSR2): longest ping gap after the trigger" "$OUT/oc-net.raw" 2
	[ -s "$OUT/ours-blackout.raw" ] && row "anyroam ${BLACKOUT}s blackout: restore -> first ping reply" "$OUT/ours-blackout.raw" 2
	[ -s "$OUT/oc-blackout.raw" ] && row "openconnect ${BLACKOUT}s blackout: restore -> first ping reply" "$OUT/oc-blackout.raw" 2
	[ -s "$OUT/sw-blackout.raw" ] && row "strongSwan ${BLACKOUT}s blackout: restore -> first ping reply" "$OUT/sw-blackout.raw" 2
	for k in net resume; do
		[ -s "$OUT/timeline-$k.json" ] && echo "agent's DART steps, $k, median ms after the agent's trigger: $(steps_summary $k)"
	done
	true
}

# ANALYZE=1: recompute the table from the files a previous run left in $OUT
if [ -n "${ANALYZE:-}" ]; then
	for k in net resume; do [ -s "$OUT/ours-$k.trig" ] && analyze_ours $k; done
	summary
	exit 0
fi
rm -rf "$OUT"
mkdir -p "$OUT"
# ocserv's workers run as nobody and must reach the sockets under HARNESS_RUN
chmod 755 "$OUT"

gw_topology
gw_lab
gw_start
agent_conf
# the agent's session record lives in /run/anyroam, a tmpfs, in production; here the
# state dir would be on /tmp's disk, and its fsyncs before each reconnect would be
# measured too (STATE_TMPFS=0 keeps the disk, to see that cost)
if [ "${STATE_TMPFS:-1}" = 1 ]; then
	mkdir -p "$AGENT_STATE"
	mount -t tmpfs -o mode=0700,size=4m anyroam-bench "$AGENT_STATE"
	trap 'rc=$?; umount -l "$AGENT_STATE" 2>/dev/null; (exit $rc); cleanup' EXIT
fi
agent_start
agent_login
vip=$(agent_stat assigned_ipv4)
nsx cl sysctl -qw net.ipv4.conf.veth-c.promote_secondaries=1
nsx cl ping -c 2 -i 0.2 -W 2 $BEHIND_IP >/dev/null || die "no traffic through the tunnel"
log "connected as $vip; load: $(cut -d' ' -f1-3 /proc/loadavg)"

exec 9>"$LOCK"
if has_part net || has_part resume || has_part blackout; then
	flock 9
	has_part net && ours net && dart_steps net
	has_part resume && ours resume && dart_steps resume
	[ "$(agent_stat assigned_ipv4)" = "$vip" ] || die "address changed"
	has_part blackout && blackout ours-blackout
	agent_connected || wait_for 30 agent_connected || die "not Connected after the blackout"
	cp "$TEST_TMP/agent.log" "$OUT/agent.log"
	flock -u 9
fi
agent_cli disconnect >/dev/null || die "disconnect failed"

if has_part sw-blackout; then
	if command -v swanctl >/dev/null && [ -x /usr/sbin/charon-systemd ]; then
		sw_client
		flock 9
		blackout sw-blackout
		flock -u 9
		cp "$SW/charon.log" "$OUT/charon.log" 2>/dev/null || true
		sw --terminate --ike bench >/dev/null 2>&1 || true
		kill "$(nsx cl pidof charon-systemd)" 2>/dev/null || true
		sleep 1
	else
		log "strongSwan not installed: no sw-blackout"
	fi
fi

if has_part oc || has_part oc-blackout; then
	harness ocserv-pair.sh start >"$OUT/ocserv-start.log" 2>&1 || die "ocserv start failed: $(tail -5 "$OUT/ocserv-start.log")"
	harness ocserv-pair.sh connect >"$OUT/oc-connect.log" 2>&1 || die "openconnect failed: $(tail -5 "$OUT/oc-connect.log")"
	flock 9
	has_part oc && oc_net
	has_part oc-blackout && blackout oc-blackout
	flock -u 9
	cp "$OUT/harness/oc/openconnect.log" "$OUT/openconnect.log" 2>/dev/null || true
	harness ocserv-pair.sh stop >/dev/null 2>&1 || true
fi

summary | tee "$OUT/summary.md"
