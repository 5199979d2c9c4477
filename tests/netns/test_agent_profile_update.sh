#!/bin/bash
# test_agent_profile_update.sh - anyroamd fetches the profile anyroam-gw announces in the
# EAP-AnyConnect `complete` message (profile/profile_update.h) from an HTTPS server on the
# gateway's address, installs it into its profile directory and reloads the profiles
# (a new HostName appears in `anyroam hosts`); the login is not held up by the fetch; a
# second login finds the installed copy current and fetches nothing.
#
#  [ns cl: anyroamd]                                    [ns gw: anyroam-gw, openssl s_server -WWW :443]
#  veth-c 10.77.0.2/24 --------------------------------- veth-g 10.77.0.1/24
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/gateway/gw_netns.sh"
. "$SRCDIR/tests/netns/agent_netns.sh"
need_root
need_cmd openssl sha1sum
need_bin anyroam-gw anyroamd anyroam

gw_topology
gw_lab
www=$TEST_TMP/www
mkdir -p "$www"
# the announced profile: the lab's, with a HostName the agent does not know yet
sed 's/IKEv2_Gateway/Updated_Gateway/g' "$LAB/lab.xml" >"$www/acvpn.xml"
sha=$(sha1sum "$www/acvpn.xml" | cut -d' ' -f1)
sed -i "s|^ dpd 45 retry 2 on-demand| dpd 45 retry 2 on-demand\n anyconnect profile-manifest /acvpn.xml $sha|" "$LAB/gw.conf"
grep -q "^ anyconnect profile-manifest /acvpn.xml $sha" "$LAB/gw.conf" || die "cannot add the manifest line"
# the HTTPS server on the gateway's address, with the gateway's certificate (lab CA)
bg gw "$TEST_TMP/s_server.log" bash -c 'cd "$1" && exec openssl s_server -WWW -quiet -accept "$2:443" \
	-cert "$3" -key "$4"' _ "$www" $GW_IP "$LAB/gw.pem" "$LAB/gw.key" >/dev/null
wait_for 10 nsx cl bash -c "exec 3<>/dev/tcp/$GW_IP/443" || die "s_server did not start"
gw_start
agent_conf
agent_start
agent_cli hosts | grep -q Updated_Gateway && die "Updated_Gateway known before the update"

agent_login
wait_for 20 cmp -s "$www/acvpn.xml" "$TEST_TMP/profiles/acvpn.xml" ||
	die "profile not installed: $(grep -i 'profile update' "$TEST_TMP/agent.log")"
wait_for 5 grep -q "installed 1 file(s) into $TEST_TMP/profiles" "$TEST_TMP/agent.log" ||
	die "no outcome logged: $(grep -i 'profile update' "$TEST_TMP/agent.log")"
wait_for 5 sh -c "$BIN/anyroam --ctl $AGENT_CTL hosts | grep -q Updated_Gateway" ||
	die "profiles not reloaded: $(agent_cli hosts)"
log "ok: profile fetched over HTTPS, installed, profiles reloaded: $(agent_cli hosts | tr '\n' ' ')"
nsx cl ping -c 2 -i 0.2 -W 2 $BEHIND_IP >/dev/null || die "no traffic through the tunnel"

agent_cli disconnect >/dev/null || die "disconnect failed"
agent_login
wait_for 20 grep -q "installed 0 file(s)" "$TEST_TMP/agent.log" ||
	die "second login: no up-to-date outcome: $(grep -i 'profile update' "$TEST_TMP/agent.log")"
log "ok: the second login found the profile current"
agent_cli disconnect >/dev/null || die "disconnect failed"
log "PASS"
