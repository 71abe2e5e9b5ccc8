#!/bin/bash
# Fetch Lua 5.4.4 from Debian's source package into kernel/lua/src (git-ignored),
# verify it, and apply Debian's CVE patches plus our kernel patches.
# LUA_SRC=/path/to/lua-5.4.x.tar.gz uses another tarball instead (no Debian patches).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/src
dl=$here/dl
stamp=$src/.patched
orig_sha256=164c7849653b80ae67bec4b7473b884bf5cc8d2dca05653475ec2ed27b9ebf61

# Rebuild when our patches change.
want=$(cat "$here"/patches/*.patch "$here"/exports.sh | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi

if [ -n "${LUA_SRC:-}" ]; then
	tarball=$LUA_SRC
	debian=
else
	mkdir -p "$dl"
	if ! ls "$dl"/lua5.4_5.4.4.orig.tar.gz >/dev/null 2>&1; then
		echo "==> fetching Lua 5.4 sources from Debian (apt-get source lua5.4)" >&2
		if ! apt-get source --print-uris lua5.4 2>/dev/null | grep -q orig.tar; then
			# apt needs a deb-src entry; mirror the binary sources.
			list=/etc/apt/sources.list.d/lunatik-src.sources
			sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$list"
			apt-get update -qq
		fi
		(cd "$dl" && apt-get source --download-only -qq lua5.4 >/dev/null)
	fi
	tarball=$(ls "$dl"/lua5.4_5.4.4.orig.tar.gz)
	debian=$(ls "$dl"/lua5.4_5.4.4-*.debian.tar.xz | sort -V | tail -1)
	echo "$orig_sha256  $tarball" | sha256sum -c --quiet - ||
		{ echo "fetch.sh: checksum mismatch for $tarball" >&2; exit 1; }
fi

rm -rf "$src" "$src.tmp"
mkdir -p "$src.tmp"
tar -xzf "$tarball" -C "$src.tmp" --strip-components=1
if [ -n "$debian" ]; then
	mkdir -p "$src.tmp/debian"
	tar -xJf "$debian" -C "$src.tmp"
	for p in "$src.tmp"/debian/patches/*cve*.patch; do
		patch -d "$src.tmp" -p1 -s < "$p"
	done
fi
# Keep only what the kernel build needs.
mv "$src.tmp/src" "$src"
rm -rf "$src.tmp"
for p in "$here"/patches/*.patch; do
	patch -d "$src" -p1 -s < "$p"
done
"$here"/exports.sh "$src" > "$src/luak_exports.c"
echo "$want" > "$stamp"
