#!/bin/bash
# deps.sh - install the Debian packages a build or test run needs, only when missing.
# Usage: scripts/deps.sh build|test|demo   (each set includes the one before it)
set -euo pipefail

BUILD_PKGS=(build-essential cmake pkg-config clang llvm libclang-rt-14-dev clang-format
	libssl-dev libxml2-dev libsystemd-dev libnl-3-dev libnl-route-3-dev libarchive-dev
	libcurl4-openssl-dev libcmocka-dev openssl)
RUN_PKGS=(iproute2 iputils-ping nftables iperf3 socat procps psmisc kmod unzip debootstrap dpkg-dev)
PEER_PKGS=(strongswan-charon charon-systemd strongswan-swanctl strongswan-pki
	libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins
	libcharon-extauth-plugins tshark)

want=("${BUILD_PKGS[@]}")
case "${1:-build}" in
build) ;;
demo) want+=("${RUN_PKGS[@]}") ;;
test) want+=("${RUN_PKGS[@]}" "${PEER_PKGS[@]}") ;;
*) echo "usage: $0 build|test|demo" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq >/dev/null 2>&1 || echo "deps.sh: apt-get update failed (continuing)" >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
