#!/bin/bash
# demo.sh - the main job on the embedded default: a lab gateway and the agent in
# their own network namespaces; connect with the lab account, traffic through the
# tunnel, a network change and a simulated resume, each reconnect with its timing,
# and the gateway's reconnect stats. Needs root (namespaces, TUN).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh demo
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >build.configure.log 2>&1 ||
	{ cat build.configure.log; exit 1; }
if ! cmake --build build -j"$(nproc)" >build.build.log 2>&1; then
	grep -E 'error|Error' build.build.log | head -40
	echo "build failed; full log in build.build.log"
	exit 1
fi
exec bash tests/netns/demo.sh
