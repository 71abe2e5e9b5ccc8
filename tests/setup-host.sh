#!/bin/bash
# Install the Debian packages the project needs to build and to run its tests
# (host unit tests and the QEMU bench). Idempotent, and silent when everything
# is already installed. Run as root on Debian 12 (bookworm).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

build=(gcc make kmod dpkg-dev pkg-config m4 lua5.4 liblua5.4-dev libxtables-dev
	libnftnl-dev libmnl-dev iptables nftables dwarves xz-utils zstd cpio)
vm=(qemu-system-x86 busybox-static bash dash iproute2 dnsmasq-base bind9-dnsutils
	socat netcat-openbsd util-linux kmod bc)

# A fresh container has no package lists; nothing below works without them.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
	echo "==> apt-get update" >&2
	apt-get update -qq
fi

# The kernel ABI (6.1.0-NN) drifts as Debian publishes updates: ask the
# metapackage, and remember the answer while the package lists stay the same
# (apt-cache takes over a second when apt keeps no binary cache, as in Docker).
memo=$(cd "$(dirname "$0")/.." && pwd)/.cache/setup-host.kver
lists=$(stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* | md5sum)
if [ "$(head -1 "$memo" 2>/dev/null)" = "$lists" ]; then
	kver=$(sed -n 2p "$memo")
else
	kver=$(apt-cache depends linux-headers-amd64 |
		awk '/Depends: linux-headers-/ { sub(/^linux-headers-/, "", $2); print $2; exit }')
	[ -n "$kver" ] || { echo "setup-host: cannot resolve linux-headers-amd64" >&2; exit 1; }
	mkdir -p "$(dirname "$memo")"
	printf '%s\n%s\n' "$lists" "$kver" >"$memo"
fi

pkgs=("${build[@]}" "${vm[@]}" "linux-headers-$kver")
dpkg -s "${pkgs[@]}" >/dev/null 2>&1 && exit 0

echo "==> installing build and test packages (kernel headers $kver)" >&2
install() { apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null; }
# Stale lists (an ABI that left the mirror) make the first attempt fail: refresh once.
install || { apt-get update -qq && install; }
