#!/bin/bash
# build-bpf.sh TESTS VMLINUX: the eBPF objects the VM tests load (the guest
# has no compiler), built on the host with clang:
#   TESTS/bpf/NAME.o                      from tests/vm/suite/xdp/NAME.c
#   TESTS/lunatik-examples/filter/https.o Lunatik's examples/filter/https.c,
#     unmodified, from the mirror (as lunatik-examples.sh), with the
#     vmlinux.h its Makefile makes, here from the booted kernel's BTF
# A failure is printed and leaves the object out: the tests that need it
# fail saying so.
set -uo pipefail
tests=${1:?usage: build-bpf.sh TESTS VMLINUX} vmlinux=${2:?usage: build-bpf.sh TESTS VMLINUX}
here=$(cd "$(dirname "$0")" && pwd)
mirror=${LUNATIK_MIRROR:-/work/.mirror/luainkernel+lunatik/repo}
rev=789f7334
inc=-I/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

command -v clang >/dev/null || { echo "build-bpf: no clang (tests/setup-host.sh installs it)" >&2; exit 0; }
mkdir -p "$tests/bpf"
for c in "$here"/suite/xdp/*.c; do
	o=$tests/bpf/$(basename "$c" .c).o
	clang -target bpf -O2 -g -Wall -Werror "$inc" -c "$c" -o "$o" ||
		echo "build-bpf: $c did not build" >&2
done

f=$tests/lunatik-examples/filter
if git -C "$mirror" rev-parse --verify -q "$rev^{commit}" >/dev/null 2>&1; then
	mkdir -p "$f"
	git -C "$mirror" show "$rev:examples/filter/https.c" >"$f/https.c"
	git -C "$mirror" show "$rev:examples/filter/sni.lua" >"$f/sni.lua"
	if bpftool btf dump file "$vmlinux" format c >"$f/vmlinux.h"; then
		# as its Makefile does: clang -target bpf -Wall -O2 -c -g
		(cd "$f" && clang -target bpf -Wall -O2 -g "$inc" -c https.c -o https.o) ||
			echo "build-bpf: Lunatik's https.c did not build" >&2
	else
		echo "build-bpf: no vmlinux.h from $vmlinux (bpftool)" >&2
	fi
	rm -f "$f/vmlinux.h"
fi
exit 0
