#!/bin/bash
# Install the Debian packages the project needs to build and to run its tests
# (host unit tests and the QEMU bench), then Lua's sources for the kernel
# build (kernel/lua/fetch.sh --download, with the deb-src entry apt needs)
# and iptables' (its iptables-test.py runs our .t files in the VM, see
# tests/vm/iptables-test-py.sh).
# Idempotent, and silent when everything is already there. Run as root on
# Debian 12 (bookworm). This and `make deps` are the only steps that use the
# network or write /etc.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

build=(gcc make kmod dpkg-dev pkg-config m4 lua5.4 liblua5.4-dev libxtables-dev
	libnftnl-dev libmnl-dev iptables nftables dwarves xz-utils zstd cpio scdoc)
# the eBPF side of the xdp library: examples/filter, the XDP tests and bench
build+=(clang llvm libbpf-dev linux-libc-dev bpftool)
# make deb and its host tests (DKMS, lintian)
pkg=(debhelper dh-dkms dkms lintian fakeroot bash-completion man-db)
vm=(qemu-system-x86 busybox-static bash dash iproute2 dnsmasq-base bind9-dnsutils
	socat netcat-openbsd util-linux kmod bc python3-minimal libpython3-stdlib
	gnuplot-nox)

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

pkgs=("${build[@]}" "${vm[@]}" "${pkg[@]}" "linux-headers-$kver")
# `make` builds for the running kernel: its headers too, when Debian has them.
running=linux-headers-$(uname -r)
if [ "$running" != "linux-headers-$kver" ] && apt-cache show "$running" >/dev/null 2>&1; then
	pkgs+=("$running")
fi
if ! dpkg -s "${pkgs[@]}" >/dev/null 2>&1; then
	echo "==> installing build and test packages (kernel headers $kver)" >&2
	install() { apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null; }
	# Stale lists (an ABI that left the mirror) make the first attempt fail: refresh once.
	install || { apt-get update -qq && install; }
fi

# Lua's and iptables' sources: `apt-get source` needs a deb-src entry;
# mirror the binary ones.
fetch=$(dirname "$0")/../kernel/lua/fetch.sh
iptsrc=$(dirname "$0")/vm/iptables-test-py.sh
"$fetch" --check-download 2>/dev/null && "$iptsrc" --check-download 2>/dev/null && exit 0
if ! apt-get source --print-uris lua5.4 2>/dev/null | grep -q orig.tar; then
	list=/etc/apt/sources.list.d/lunatik-src.sources
	sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$list"
	apt-get update -qq
fi
"$fetch" --download
"$iptsrc" --download
