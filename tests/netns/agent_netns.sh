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
