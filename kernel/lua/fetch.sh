#!/bin/bash
# Lua 5.4.4 for the kernel build: extract Debian's source package from
# kernel/lua/dl into kernel/lua/src (both git-ignored), verify it, and apply
# Debian's CVE patches plus our kernel patches. Needs neither root nor the
# network. LUA_SRC=/path/to/lua-5.4.x.tar.gz uses another tarball instead
# (no Debian patches).
#   fetch.sh                   extract and patch (what `make` runs)
#   fetch.sh --download        first download into kernel/lua/dl with
#                              `apt-get source` (`make deps` runs it; apt needs
#                              a deb-src entry, which tests/setup-host.sh writes)
#   fetch.sh --check-download  fail unless kernel/lua/dl holds the sources
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/src
dl=$here/dl
stamp=$src/.patched
orig_sha256=164c7849653b80ae67bec4b7473b884bf5cc8d2dca05653475ec2ed27b9ebf61
orig=$dl/lua5.4_5.4.4.orig.tar.gz

have_download() {
	[ -f "$orig" ] && compgen -G "$dl/lua5.4_5.4.4-*.debian.tar.xz" >/dev/null
}

case ${1:-} in
--download)
	have_download && exit 0
	mkdir -p "$dl"
	echo "==> fetching Lua 5.4 sources from Debian (apt-get source lua5.4)" >&2
	(cd "$dl" && apt-get source --download-only -qq lua5.4 >/dev/null) || {
		echo "fetch.sh: apt-get source lua5.4 failed (is there a deb-src entry?" \
			"tests/setup-host.sh writes one)" >&2
		exit 1
	}
	exit 0 ;;
--check-download)
	have_download || { echo "fetch.sh: no Lua sources in $dl: run make deps" >&2; exit 1; }
	exit 0 ;;
'' ) ;;
*) sed -n '2,/^set /s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac

# Rebuild when our patches change.
want=$(cat "$here"/patches/*.patch "$here"/exports.sh | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi

if [ -n "${LUA_SRC:-}" ]; then
	tarball=$LUA_SRC
	debian=
else
	have_download || {
		echo "Lua's sources are missing in $dl: run \`make deps\` (as root; it" \
			"downloads them), or set LUA_SRC=/path/to/lua-5.4.x.tar.gz" >&2
		exit 1
	}
	tarball=$orig
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
