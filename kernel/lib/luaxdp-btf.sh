#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Gives luaxdp.ko the BTF that XDP programs need to call bpf_luaxdp_run.
#
# kbuild does this itself when the kernel's headers hold a vmlinux with BTF
# (Debian's 6.12 headers do); Debian's 6.1 headers have neither vmlinux nor
# resolve_btfids, so then we run what kbuild would: pahole -J against the
# target kernel's BTF, then resolve_btfids. Without them the module still
# builds and loads (require("xdp") works), but no XDP program can call the
# kfunc: we say why, and the rest of the build goes on.
#
# Usage: luaxdp-btf.sh KO KDIR KERNEL_RELEASE
# VMLINUX_BTF: the target kernel's BTF (default: KDIR/vmlinux, or
#   /sys/kernel/btf/vmlinux when building for the running kernel)
# RESOLVE_BTFIDS: the tool (default: KDIR's, any /usr/lib/linux-kbuild-*'s, PATH's)
set -euo pipefail

ko=$1 kdir=$2 krel=$3

has_btf() {
	local sections
	sections=$(LC_ALL=C readelf -S "$1" 2>/dev/null) || return 1
	grep -q ' \.BTF ' <<<"$sections"
}

leave_out() {
	echo "luaxdp: XDP support left out: $*." >&2
	echo "luaxdp: luaxdp.ko loads, but XDP programs cannot call bpf_luaxdp_run" \
		"(README, \"xdp\": building the BTF)." >&2
	exit 0
}

[ -f "$ko" ] || exit 0
if has_btf "$ko"; then
	exit 0
fi

vmlinux=${VMLINUX_BTF:-}
if [ -z "$vmlinux" ]; then
	if [ -f "$kdir/vmlinux" ]; then
		vmlinux=$kdir/vmlinux
	elif [ "$krel" = "$(uname -r)" ] && [ -r /sys/kernel/btf/vmlinux ]; then
		vmlinux=/sys/kernel/btf/vmlinux
	fi
fi
[ -n "$vmlinux" ] || leave_out "no BTF of kernel $krel (set VMLINUX_BTF=, or build for the running kernel, whose /sys/kernel/btf/vmlinux is used)"
[ -r "$vmlinux" ] || leave_out "cannot read $vmlinux"

resolve=${RESOLVE_BTFIDS:-}
if [ -z "$resolve" ]; then
	for r in "$kdir/tools/bpf/resolve_btfids/resolve_btfids" \
		$(ls -d /usr/lib/linux-kbuild-*/tools/bpf/resolve_btfids/resolve_btfids 2>/dev/null | sort -V -r) \
		"$(command -v resolve_btfids || true)"; do
		if [ -n "$r" ] && [ -x "$r" ]; then
			resolve=$r
			break
		fi
	done
fi
[ -n "$resolve" ] || leave_out "no resolve_btfids (Debian's 6.1 kbuild lacks it: install a linux-kbuild-6.12.* package from bookworm-backports, or set RESOLVE_BTFIDS=)"
command -v pahole >/dev/null || leave_out "no pahole (Debian package dwarves)"

echo "  BTF [M] $ko (base $vmlinux)"
LLVM_OBJCOPY=${LLVM_OBJCOPY:-objcopy} pahole -J --btf_base "$vmlinux" "$ko"
"$resolve" -b "$vmlinux" "$ko"
has_btf "$ko" || { echo "luaxdp: pahole wrote no BTF into $ko" >&2; exit 1; }
