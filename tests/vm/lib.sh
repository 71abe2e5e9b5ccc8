# Shared helpers of the VM bench; sourced, not run.
# shellcheck shell=bash

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The cache lives at the root of the repository holding the bench (git-ignored).
VM_CACHE=${VM_CACHE:-$(cd "$VM_DIR/../.." && pwd)/.cache/vm}
export DEBIAN_FRONTEND=noninteractive

say() { echo "==> $*" >&2; }
die() { echo "error: $*" >&2; exit 1; }

# Copy host files into the tree $1 at the same paths, plus the shared
# libraries they need (one ldd call for all of them).
copy_with_libs() {
	local root=$1 f lib
	shift
	for f in "$@"; do
		mkdir -p "$root$(dirname "$f")"
		# rm first: never write through a busybox applet symlink
		rm -f "$root$f"
		cp -a "$f" "$root$f"
		if [ -L "$f" ]; then
			lib=$(readlink -f "$f")
			mkdir -p "$root$(dirname "$lib")"
			cp -a "$lib" "$root$lib"
		fi
	done
	add_libs "$root" "$@"
}

# Add to $1 the shared libraries that the ELF files given after it need and
# that $1 does not have yet.
add_libs() {
	local root=$1 lib
	shift
	# ldd prints "file:" headers for several files and fails on non-ELF ones
	{ ldd "$@" 2>/dev/null || true; } |
		awk '!/:$/ { for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | sort -u |
		while read -r lib; do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
}

# Make sure the apt lists exist (a fresh machine has none).
apt_lists() {
	compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt-get update -qq
}
