#!/bin/bash
# check_no_io.sh - ARCHITECTURE.md rule 1 made mechanical: the protocol core
# libraries (ike, eap, esp, profile, control) must not reference I/O, clock or
# randomness symbols. Time and randomness come in through core's seams.
set -euo pipefail
bindir=${ANYROAM_BINDIR:?}
forbidden='^(socket|connect|bind|listen|accept4?|send|sendto|sendmsg|sendmmsg|recv|recvfrom|recvmsg|recvmmsg|read|write|pread|pwrite|readv|writev|open|open64|openat|openat64|fopen|fopen64|creat|close|ioctl|poll|ppoll|select|epoll_wait|clock_gettime|gettimeofday|time|getrandom|getentropy|RAND_bytes|RAND_priv_bytes|syslog|sd_journal_send|printf|fprintf|puts|fputs|fwrite|perror|xmlReadFile|xmlParseFile|xmlCtxtReadFile|curl_easy_perform)$'
status=0 checked=0
for mod in agent/ike agent/eap agent/esp agent/control profile; do
	name=$(basename "$mod")
	lib="$bindir/$mod/libanyroam_$name.a"
	[ -f "$lib" ] || { echo "$mod: no library yet (no sources), nothing to check"; continue; }
	checked=$((checked + 1))
	bad=$(nm -u --format=posix "$lib" | awk '{print $1}' | sed 's/@.*//' | grep -E "$forbidden" | sort -u || true)
	if [ -n "$bad" ]; then
		echo "FAIL $mod references I/O/clock/RNG symbols: $(echo $bad)"
		status=1
	else
		echo "ok   $mod"
	fi
done
echo "checked $checked protocol-core libraries"
exit $status
