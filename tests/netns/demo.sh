#!/bin/bash
# demo.sh - the README's main job, run by scripts/demo.sh after the build.
#
#  [ns client: anyroamd]                               [ns gw: anyroam-gw]
#  anyroam0 <- pool 192.168.20.5-10                    lo 192.168.10.1 (split include)
#  veth-c 10.1.0.2/24 ------------------------------ veth-g 10.1.0.1/24
#  veth-c2 10.3.0.2/24 ----------------------------- veth-g2 10.3.0.1/24 (second path)
. "$(dirname "$0")/lib.sh"
need_root

missing=()
for b in anyroam-gw anyroamd anyroam; do
	[ -x "$BIN/$b" ] || missing+=("$b")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "Anyroam demo: not there yet: ${missing[*]} (see the open issues)."
	echo "What exists now: agent/core and the test layers; run scripts/test.sh for the suite."
	exit 0
fi
exec bash "$SRCDIR/tests/netns/scenario_demo.sh"
