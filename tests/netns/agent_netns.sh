# agent_netns.sh - helpers for tests/netns/test_agent_*.sh and test_reconnect_*.sh;
# source after lib.sh and tests/gateway/gw_netns.sh (namespaces cl and gw, $LAB).

AGENT_CTL=$TEST_TMP/agent.sock
AGENT_STATE=$TEST_TMP/agent-state
AGENT_CONF=$TEST_TMP/agent.conf
AGENT_RESOLV=$TEST_TMP/resolv.conf

# agent_conf [extra lines]: the lab's agent.conf, with DNS kept in a file of the test
# (the namespaces share /etc with the host)
agent_conf() {
	cp "$LAB/agent.conf" "$AGENT_CONF"
	printf 'dns-backend file\nresolv-conf %s\nlog-level debug\n' "$AGENT_RESOLV" >>"$AGENT_CONF"
	printf '# the client namespace before the tunnel\nnameserver 10.77.0.53\nsearch lan\n' >"$AGENT_RESOLV"
	local l
	for l in "$@"; do printf '%s\n' "$l" >>"$AGENT_CONF"; done
	mkdir -p "$TEST_TMP/profiles"
}

agent_start() {
	AGENT_PID=$(bg cl "$TEST_TMP/agent.log" "$BIN/anyroamd" --foreground --config "$AGENT_CONF" \
		--ctl "$AGENT_CTL" --state-dir "$AGENT_STATE" --profile-dir "$TEST_TMP/profiles")
	wait_for 10 agent_cli state || die "anyroamd did not come up"
}

agent_cli() { nsx cl "$BIN/anyroam" --ctl "$AGENT_CTL" "$@"; }

# agent_stat FIELD: a value from `anyroam --json stats`
agent_stat() { agent_cli --json stats | sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }

# snapshot NAME: what a disconnect must restore exactly
snapshot() {
	{
		nsx cl ip -4 route show table all
		nsx cl ip -o link show | sed 's/^[0-9]*: //; s/ qlen.*//'
		nsx cl ip -4 -o addr show
		cat "$AGENT_RESOLV"
	} >"$TEST_TMP/snap.$1"
}

agent_connected() { [ "$(agent_cli state)" = "state: Connected" ]; }

# agent_login: the lab account through script mode; the connect must succeed
agent_login() {
	printf 'connect IKEv2_Gateway\ntest\ncisco\n' | agent_cli -s >"$TEST_TMP/connect.out" 2>"$TEST_TMP/connect.err" ||
		die "connect failed: $(cat "$TEST_TMP/connect.err")"
	agent_connected || die "not Connected after login"
}

# tcp_start / tcp_check: one long-lived TCP connection through the tunnel (a socat echo
# server behind the gateway; a bash client in ns cl that sends each line written to a
# fifo and appends the echo to a file). It must survive every reconnect.
tcp_start() {
	need_cmd socat
	bg gw "$TEST_TMP/socat-server.log" socat TCP-LISTEN:7777,bind=$BEHIND_IP,reuseaddr,fork EXEC:cat >/dev/null
	sleep 0.3
	mkfifo "$TEST_TMP/tcp.in"
	: >"$TEST_TMP/tcp.out"
	bg cl "$TEST_TMP/tcp-client.log" bash -c "exec 3<>/dev/tcp/$BEHIND_IP/7777 || exit 1
		while :; do read -r l <'$TEST_TMP/tcp.in'; echo \"\$l\" >&3; read -r -t 10 e <&3 || exit 2; echo \"\$e\" >>'$TEST_TMP/tcp.out'; done" >/dev/null
	TCP_N=0
	tcp_check "at the start"
}

tcp_check() {
	local want="line$((TCP_N += 1))"
	timeout 5 sh -c "echo $want >'$TEST_TMP/tcp.in'" || die "TCP client gone ($1)"
	wait_for 10 grep -qx "$want" "$TEST_TMP/tcp.out" || die "TCP connection did not survive ($1)"
}
