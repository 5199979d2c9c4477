#!/bin/bash
# test.sh - the whole test suite on a fresh Debian 12 machine:
# installs what is missing, builds three trees and runs every layer.
#   build/        gcc, hardened: unit, exchange, netns (root), rule-1 check
#   build-asan/   gcc with AddressSanitizer + UndefinedBehaviorSanitizer: unit, exchange
#   build-fuzz/   clang with libFuzzer: each harness briefly on its seed corpus
# The last thing printed is ctest's summary of the main tree.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/deps.sh test

configure_build() { # DIR CMAKE-ARGS...
	local dir=$1
	shift
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir.configure.log" 2>&1 ||
		{ cat "$dir.configure.log"; exit 1; }
	if ! cmake --build "$dir" -j"$jobs" >"$dir.build.log" 2>&1; then
		grep -E 'error|Error' "$dir.build.log" | head -40
		echo "build of $dir failed; full log in $dir.build.log"
		exit 1
	fi
	grep -E 'warning' "$dir.build.log" | head -20 || true
}

mkdir -p build build-asan build-fuzz
echo "== sanitizer build (ASan + UBSan): unit and exchange tests"
configure_build build-asan -DANYROAM_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan -L 'unit|exchange' --output-on-failure -j"$jobs"

echo "== fuzz build (clang, libFuzzer): smoke runs on the seed corpora"
configure_build build-fuzz -DANYROAM_FUZZ=ON -DCMAKE_C_COMPILER=clang
ctest --test-dir build-fuzz -L fuzz --output-on-failure -j"$jobs"

echo "== main build: unit, exchange, netns, fuzz-free"
configure_build build
ctest --test-dir build --output-on-failure
