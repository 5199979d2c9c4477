#!/bin/bash
# test_package.sh - issue 10: build the Debian package from the tree, install it
# into a fresh Debian root (debootstrap minbase), start the daemon there in the
# foreground and ask it for its state with the packaged CLI.
#
#  build/  --cpack-->  anyroam_*.deb  --apt-get install-->  [fresh bookworm root]
#                                                            anyroamd --foreground
#                                                            anyroam state -> "state: Disconnected"
. "$(dirname "$0")/lib.sh"
need_root
need_bin anyroamd anyroam anyroam-gw
need_cmd debootstrap cpack dpkg-deb

root=$TEST_TMP/root
cache=${ANYROAM_DEBOOTSTRAP_CACHE:-/var/cache/anyroam-debootstrap}
log "building the package"
(cd "$BINDIR" && cpack -G DEB >"$TEST_TMP/cpack.log" 2>&1) || die "cpack failed"
deb=$(ls -t "$BINDIR"/anyroam_*.deb | head -1)
[ -f "$deb" ] || die "no package produced"
dpkg-deb -c "$deb" >"$TEST_TMP/contents.txt"
for f in ./usr/sbin/anyroamd ./usr/bin/anyroam ./usr/sbin/anyroam-gw \
	./usr/lib/systemd/system/anyroamd.service ./usr/share/man/man1/anyroam.1 \
	./usr/share/man/man8/anyroamd.8 ./usr/share/man/man5/anyroam-profile.5 \
	./usr/share/bash-completion/completions/anyroam; do
	grep -q " $f\$" "$TEST_TMP/contents.txt" || die "package lacks $f"
done
log "package $(basename "$deb") has binaries, units, man pages and completion"

# A fresh root; the minbase tarball is cached between runs on one machine.
mkdir -p "$cache"
if [ ! -f "$cache/bookworm-minbase.tgz" ]; then
	log "debootstrap bookworm minbase (first run on this machine)"
	debootstrap --variant=minbase --make-tarball="$cache/bookworm-minbase.tgz" bookworm \
		"$TEST_TMP/dbs-work" http://deb.debian.org/debian >"$TEST_TMP/debootstrap.log" 2>&1 ||
		die "debootstrap --make-tarball failed"
fi
debootstrap --variant=minbase --unpack-tarball="$cache/bookworm-minbase.tgz" bookworm "$root" \
	http://deb.debian.org/debian >"$TEST_TMP/debootstrap.log" 2>&1 || die "debootstrap failed"

cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/anyroam.deb"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
umount_root() { umount "$root/dev" 2>/dev/null || true; umount "$root/proc" 2>/dev/null || true; }
trap 'rc=$?; umount_root; (exit $rc); cleanup' EXIT

log "installing the package into the fresh root"
chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/anyroam.deb' \
	>"$TEST_TMP/install.log" 2>&1 || die "apt-get install of the package failed"
chroot "$root" getent group anyroam >/dev/null || die "postinst did not create the anyroam group"

chroot "$root" /usr/sbin/anyroamd --foreground --ctl /run/anyroam/control.sock \
	--state-dir /run/anyroam >"$TEST_TMP/anyroamd.log" 2>&1 &
_pids+=($!)
wait_for 10 test -S "$root/run/anyroam/control.sock" || die "anyroamd did not open its control socket"
out=$(chroot "$root" /usr/bin/anyroam --ctl /run/anyroam/control.sock state) || die "anyroam state failed"
[ "$out" = "state: Disconnected" ] || die "unexpected state output: $out"
log "ok: packaged anyroamd runs in a fresh root and answers '$out'"
