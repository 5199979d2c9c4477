#!/bin/bash
# run_smoke.sh HARNESS CORPUS_DIR - a short libFuzzer run on a copy of the seed corpus
# (libFuzzer writes new inputs into its first directory; the source tree stays clean).
set -euo pipefail
harness=$1 corpus=$2
secs=${FUZZ_SECONDS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null || true
exec "$harness" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$work"
