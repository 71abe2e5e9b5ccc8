#!/bin/bash
# Prepare a Debian kernel for the VM bench, cached under .cache/vm/<kver>/:
#   root/     the linux-image, linux-headers(-common) and linux-kbuild packages,
#             extracted (never installed: the 6.12 headers depend on its image)
#   vmlinux   the ELF inside the bzImage, booted through PVH (no in-guest unpacking)
#   base.cpio the base initramfs (tools + netfilter modules), see build-initramfs.sh
# Usage: kernel.sh --kernel 6.1|6.12
# Prints shell assignments for eval: KVER KDIR VMLINUX BASE KCACHE BTFIDS
# (a resolve_btfids when the headers have no vmlinux for kbuild's module BTF).
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

series=6.1
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) series=${2:?--kernel needs 6.1 or 6.12}; shift 2 ;;
	*) die "usage: kernel.sh --kernel 6.1|6.12" ;;
	esac
done

# 6.12 comes from bookworm-backports: add that suite, mirroring the main archive.
backports_source() {
	local src=/etc/apt/sources.list.d/vmbench-backports.sources uri
	grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ && return
	uri=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ { print u; exit }' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null)
	say "adding bookworm-backports to apt sources"
	cat >"$src" <<-EOF
		Types: deb
		URIs: ${uri:-http://deb.debian.org/debian}
		Suites: bookworm-backports
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	# refresh only this source: the others are fine and slower to fetch
	apt-get update -qq -o Dir::Etc::sourcelist="$src" -o Dir::Etc::sourceparts=- \
		-o APT::Get::List-Cleanup=0
}

# The ABI (6.1.0-NN, 6.12.NN+deb12) drifts with the archive: derive it from the
# package lists, and remember it while they stay the same (apt-cache is slow here).
resolve_kver() {
	local memo=$VM_CACHE/kver-$series kver lists
	apt_lists
	[ "$series" != 6.12 ] || backports_source
	lists=$(stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* | md5sum)
	if [ "$(head -1 "$memo" 2>/dev/null)" = "$lists" ]; then
		sed -n 2p "$memo"
		return
	fi
	case $series in
	6.1)
		kver=$(apt-cache depends linux-headers-amd64 |
			awk '/Depends: linux-headers-/ { sub(/^linux-headers-/, "", $2); print $2; exit }') ;;
	6.12)
		kver=$(apt-cache pkgnames linux-image-6.12. |
			sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12-amd64\)$/\1/p' | sort -V | tail -1) ;;
	*) die "unknown kernel series '$series' (6.1 or 6.12)" ;;
	esac
	[ -n "$kver" ] || die "no Debian kernel found for $series"
	printf '%s\n%s\n' "$lists" "$kver" >"$memo"
	echo "$kver"
}

# Download and extract image + headers + kbuild into $1.
extract_kernel() {
	local root=$1 kver=$2 tmp pkgs
	say "downloading Debian kernel $kver"
	# headers-common and kbuild are whatever this ABI's headers package depends on
	mapfile -t pkgs < <(apt-cache depends "linux-headers-$kver" |
		awk '/Depends: linux-(headers|kbuild)-/ { print $2 }')
	pkgs+=("linux-image-$kver" "linux-headers-$kver")
	tmp=$(mktemp -d "$VM_CACHE/dl.XXXXXX")
	(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "${pkgs[@]}")
	rm -rf "$root"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	rm -rf "$tmp"
	# The headers Makefile includes the -common one by absolute path.
	sed -i "s|/usr/src/|$root/usr/src/|" "$root/usr/src/linux-headers-$kver/Makefile"
	touch "$root/.complete"
}

# The bzImage wraps an xz (6.1) or zstd (6.12) compressed ELF; booting that ELF
# through PVH skips about 2 s of decompression under TCG.
extract_vmlinux() {
	local bz=$1 out=$2 off
	if off=$(LC_ALL=C grep -abo $'\xfd7zXZ\x00' "$bz" | head -1 | cut -d: -f1) && [ -n "$off" ]; then
		tail -c +$((off + 1)) "$bz" | xz -dc >"$out.tmp" 2>/dev/null || true
	elif off=$(LC_ALL=C grep -abo $'\x28\xb5\x2f\xfd' "$bz" | head -1 | cut -d: -f1) && [ -n "$off" ]; then
		tail -c +$((off + 1)) "$bz" | zstd -dc >"$out.tmp" 2>/dev/null || true
	fi
	# trailing garbage after the stream makes the decompressor fail: check the ELF instead
	if ! readelf -n "$out.tmp" 2>/dev/null | grep -q 'Unknown note type: (0x00000012)'; then
		say "no PVH entry in $bz; booting the bzImage"
		cp "$bz" "$out.tmp"
	fi
	mv "$out.tmp" "$out"
}

# Module BTF (the xdp library's kfunc) needs resolve_btfids, which Debian's
# 6.1 kbuild lacks: take the 6.12 kbuild's, which reads 6.1's BTF_SET8 too.
fetch_resolve_btfids() {
	local out=$VM_CACHE/resolve_btfids k612 pkg tmp
	if [ ! -x "$out" ]; then
		k612=$(series=6.12 resolve_kver)
		pkg=$(apt-cache depends "linux-headers-$k612" | awk '/Depends: linux-kbuild-/ { print $2; exit }')
		[ -n "$pkg" ] || die "no linux-kbuild package for $k612"
		say "downloading resolve_btfids ($pkg)"
		tmp=$(mktemp -d "$VM_CACHE/dl.XXXXXX")
		(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$pkg")
		dpkg-deb -x "$tmp"/*.deb "$tmp/x"
		install -m 0755 "$(find "$tmp/x" -type f -name resolve_btfids | head -1)" "$out.tmp"
		mv "$out.tmp" "$out"
		rm -rf "$tmp"
	fi
	echo "$out"
}

# a fresh machine: the tools used here and in the guest come from the host
"$VM_DIR/../setup-host.sh"
# concurrent runs wait for the one preparing this kernel
mkdir -p "$VM_CACHE"
exec 8>"$VM_CACHE/kernel-$series.lock"
flock 8
kver=$(resolve_kver)
kc=$VM_CACHE/$kver
mkdir -p "$kc"
[ -f "$kc/root/.complete" ] || extract_kernel "$kc/root" "$kver"
[ -f "$kc/vmlinux" ] || extract_vmlinux "$kc/root/boot/vmlinuz-$kver" "$kc/vmlinux"

# Rebuild the base initramfs when the bench or the host tools it copies change.
key=$({
	echo "$kver"
	cat "$VM_DIR/build-initramfs.sh" "$VM_DIR/init" "$VM_DIR/lib.sh"
	dpkg-query -W busybox-static bash dash iptables nftables iproute2 kmod lua5.4 \
		bind9-dnsutils dnsmasq-base socat netcat-openbsd util-linux coreutils libc6 \
		make pkgconf python3-minimal "lib$(readlink /usr/bin/python3)-stdlib"
} | sha256sum | cut -d' ' -f1)
if [ "$(cat "$kc/base.key" 2>/dev/null)" != "$key" ] || [ ! -f "$kc/base.cpio" ]; then
	say "building base initramfs for $kver"
	"$VM_DIR/build-initramfs.sh" "$kc/root" "$kver" "$kc/base.cpio"
	echo "$key" >"$kc/base.key"
fi

btfids=
[ -f "$kc/root/usr/src/linux-headers-$kver/vmlinux" ] || btfids=$(fetch_resolve_btfids)

printf 'KVER=%q\nKDIR=%q\nVMLINUX=%q\nBASE=%q\nKCACHE=%q\nBTFIDS=%q\n' "$kver" \
	"$kc/root/usr/src/linux-headers-$kver" "$kc/vmlinux" "$kc/base.cpio" "$kc" "$btfids"
