#!/bin/bash
# Build the base initramfs of the VM bench: the host's real test tools with
# their libraries, busybox for the remaining applets, and the netfilter-related
# modules of an extracted Debian kernel with their dependency closure.
# Usage: build-initramfs.sh KROOT KVER OUT.cpio   (KROOT: dpkg-deb -x of the image)
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
kroot=${1:?extracted kernel root}
kver=${2:?kernel version}
out=${3:?output cpio}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root" # it becomes the guest's /: mktemp's 0700 locks out non-root users

# usrmerged like the host, so host paths copy verbatim
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{proc,sys,dev,tmp,run,etc,mnt,root,var}
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
ln -s ../run "$root/var/run"
mkdir -p "$root/home/tester" "$root/var/lib/misc" "$root/etc/vmbench"
chown 1000:1000 "$root/home/tester"

# Real tools, not busybox: ip netns, softdep-aware modprobe (the kernel's
# request_module() runs /sbin/modprobe; nf_tables needs crc32c via a softdep),
# and tests that expect the behaviour of the real programs.
tools=(
	/usr/bin/dash /usr/bin/bash
	/usr/sbin/xtables-legacy-multi /usr/sbin/xtables-nft-multi /usr/sbin/nft
	/usr/bin/ip /usr/bin/ss /usr/sbin/tc /usr/sbin/bridge
	/usr/bin/dig /usr/sbin/dnsmasq /usr/bin/nc.openbsd /usr/bin/socat /usr/bin/lua5.4
	/usr/bin/setpriv /usr/bin/nsenter /usr/bin/unshare /usr/bin/timeout /usr/bin/kmod
	/usr/bin/make /usr/bin/install /usr/bin/pkgconf
)
copy_with_libs "$root" "${tools[@]}"
ln -s dash "$root/usr/bin/sh"
ln -s nc.openbsd "$root/usr/bin/nc"
ln -s lua5.4 "$root/usr/bin/lua"
ln -s pkgconf "$root/usr/bin/pkg-config"
# The .pc files the examples' Makefiles ask pkg-config about.
pc=/usr/lib/x86_64-linux-gnu/pkgconfig
mkdir -p "$root$pc"
for f in xtables lua5.4; do [ ! -e "$pc/$f.pc" ] || cp -L "$pc/$f.pc" "$root$pc/"; done
# The README's commands start with sudo; we are root already: run them as is.
printf '#!/bin/sh\n# the VM bench: every test runs as root\nexec "$@"\n' >"$root/usr/bin/sudo"
chmod 755 "$root/usr/bin/sudo"
for t in modprobe insmod rmmod lsmod depmod modinfo; do
	ln -s ../bin/kmod "$root/usr/sbin/$t"
done
for fam in iptables ip6tables; do
	for s in "" -save -restore; do
		ln -s xtables-legacy-multi "$root/usr/sbin/$fam-legacy$s"
		ln -s xtables-nft-multi "$root/usr/sbin/$fam-nft$s"
		ln -s xtables-nft-multi "$root/usr/sbin/$fam$s" # nft backend by default, as on Debian
	done
	ln -s xtables-nft-multi "$root/usr/sbin/$fam-translate"
	ln -s xtables-nft-multi "$root/usr/sbin/$fam-restore-translate"
done
for t in ebtables ebtables-nft arptables arptables-nft; do
	ln -s xtables-nft-multi "$root/usr/sbin/$t"
done

# python3 for iptables' own iptables-test.py (test 67): Debian's minimal
# interpreter and library with their compiled modules, and the two modules of
# the full library the runner needs (argparse imports gettext; its re-exec in
# a network namespace, shutil).
py=$(readlink /usr/bin/python3) # python3.11
tag=cpython-${py#python}
tag=${tag/./}                     # cpython-311
copy_py() {	# copy_py FILE: and its compiled module, if the host has it
	local pyc=$(dirname "$1")/__pycache__/$(basename "$1" .py).$tag.pyc
	mkdir -p "$root$(dirname "$1")"
	cp -a "$1" "$root$1"
	[ "${1%.py}" = "$1" ] || [ ! -f "$pyc" ] || { mkdir -p "$root${pyc%/*}"; cp -a "$pyc" "$root$pyc"; }
}
copy_with_libs "$root" /usr/bin/python3
dpkg -L "$py-minimal" "lib$py-minimal" | grep -v '^/usr/share/' | while read -r f; do
	[ ! -f "$f" ] || [ -L "$f" ] || copy_py "$f"
done
for m in gettext shutil; do copy_py "/usr/lib/$py/$m.py"; done
add_libs "$root" "$root/usr/lib/$py"/lib-dynload/*.so

# xtables plugins (and what they link)
xt=/usr/lib/x86_64-linux-gnu/xtables
mkdir -p "$root$xt"
cp -a "$xt/." "$root$xt/"
add_libs "$root" "$xt"/*.so

# busybox for every other command
cp /bin/busybox "$root/usr/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$root/usr/bin/$a" ] || [ -e "$root/usr/sbin/$a" ] || ln -s busybox "$root/usr/bin/$a"
done

# Name databases. glibc has files lookups built in, so no NSS module is needed.
cp -a /etc/protocols /etc/services /etc/ethertypes "$root/etc/"
[ -d /etc/iproute2 ] && cp -a /etc/iproute2 "$root/etc/"
cat >"$root/etc/passwd" <<-EOF
	root:x:0:0:root:/root:/bin/bash
	tester:x:1000:1000:tester:/home/tester:/bin/bash
	nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$root/etc/group" <<-EOF
	root:x:0:
	tester:x:1000:
	nogroup:x:65534:
EOF
cat >"$root/etc/hosts" <<-EOF
	127.0.0.1	localhost vm
	::1	localhost ip6-localhost ip6-loopback
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\nservices: files\nprotocols: files\n' \
	>"$root/etc/nsswitch.conf"
: >"$root/etc/resolv.conf"

# Kernel modules: netfilter and the networking a test may need, with the
# closure of hard deps, softdeps and aliases computed by the host's kmod.
# Compressed ones (6.12 ships .ko.xz) are stored plain: unpacking them in the
# guest would cost every modprobe and depmod seconds under TCG.
src=$kroot/lib/modules/$kver
dst=$root/lib/modules/$kver
[ -f "$src/modules.dep" ] || depmod -b "$kroot" "$kver"
mkdir -p "$dst"
cp "$src"/modules.builtin "$src"/modules.builtin.modinfo "$src"/modules.order "$dst/"
mapfile -t names < <(cd "$src" && find kernel/net/netfilter kernel/net/ipv4/netfilter \
	kernel/net/ipv6/netfilter kernel/net/bridge kernel/net/sched kernel/net/packet \
	kernel/net/ipv4 kernel/net/ipv6 kernel/drivers/net/vxlan \
	kernel/drivers/net/{veth,dummy,macvlan,ipvlan/ipvlan,ifb,tun}.ko* \
	-name '*.ko*' 2>/dev/null | sed 's|.*/||; s|\.ko.*||')
names+=(crc32c)
# the string match's search algorithms, which it loads by name (bench)
names+=(ts_bm ts_kmp)
# keyboard events for the notifier tests: a HID keyboard made through /dev/uhid
names+=(uhid hid-generic)
modprobe -d "$kroot" -S "$kver" --show-depends -a "${names[@]}" 2>/dev/null |
	awk '$1 == "insmod" { print $2 }' | sort -u | while read -r f; do
	rel=${f#"$src/"}
	mkdir -p "$dst/$(dirname "$rel")"
	case $f in
	*.ko.xz) xz -dc "$f" >"$dst/${rel%.xz}" ;;
	*.ko.zst) zstd -qdc "$f" >"$dst/${rel%.zst}" ;;
	*) cp "$f" "$dst/$rel" ;;
	esac
done
depmod -b "$root" "$kver"

cp "$VM_DIR/init" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
say "base initramfs: $(du -h "$out" | cut -f1), $(find "$dst" -name '*.ko*' | wc -l) modules"
