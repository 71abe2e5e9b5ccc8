#!/bin/bash
# Host tests of building and installing without a kernel: the install
# targets into a DESTDIR (what each installs, uninstall leaving nothing but
# an edited example configuration), a plugin built with the installed
# generator outside the tree through pkg-config, the commands' --version,
# a build without Lua's sources or kernel headers failing with what to do,
# and `make dist`: a tarball that extracts and patches Lua offline.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
release=$(cat "$root/VERSION")
failures=0 checks=0

ok() { checks=$((checks + 1)); echo "ok   $1"; }
bad() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }
check() { if eval "$2"; then ok "$1"; else bad "$1" "$2"; fi; }

m() { make -s --no-print-directory -C "$root" "$@" >"$T/make.log" 2>&1; }

D=$T/dest
if m install-tools install-xtable install-examples scripts_install DESTDIR="$D" PREFIX=/usr; then
	ok "install-tools install-xtable install-examples scripts_install"
else
	bad "install" "$(tail -20 "$T/make.log")"
fi
for f in usr/sbin/lunatik usr/sbin/nft-lua usr/share/man/man8/lunatik.8 \
	usr/share/man/man8/nft-lua.8 usr/share/man/man5/luaxt.5 usr/share/man/man7/lunatik-lua.7 \
	usr/share/bash-completion/completions/lunatik usr/share/bash-completion/completions/nft-lua \
	usr/share/lunatik/xtable/Makefile usr/share/lunatik/xtable/plugin.mk \
	usr/share/lunatik/xtable/luaxt.c usr/share/lunatik/xtable/embed.lua \
	usr/include/lunatik/luaxtable.h usr/share/pkgconfig/lunatik-xtable.pc \
	lib/modules/lua/lunatik/runner.lua lib/modules/lua/examples/dnsblock/nf_dnsblock.lua \
	etc/lunatik/examples/dnsblock/config.lua etc/lunatik/examples/dnsdoctor/config.lua \
	usr/share/lunatik/examples/dnsdoctor/setup.sh; do
	[ -e "$D/$f" ] || bad "installed: $f"
done
ok "installed files"
check "config link into /etc" \
	'[ "$(readlink "$D/lib/modules/lua/examples/dnsblock/config.lua")" = /etc/lunatik/examples/dnsblock/config.lua ]'
check "lunatik --version" '[ "$("$D/usr/sbin/lunatik" --version)" = "Lunatik $release" ]'
check "nft-lua --version" '[ "$("$D/usr/sbin/nft-lua" --version)" = "nft-lua (Lunatik) $release" ]'
check "man page footers carry the release" 'grep -q "Lunatik $release" "$D/usr/share/man/man8/lunatik.8"'

# The installed generator, found through pkg-config, builds a plugin from a
# description outside the tree (--define-prefix: the .pc is under $D).
pc() { PKG_CONFIG_PATH=$D/usr/share/pkgconfig pkg-config --define-prefix "$@" lunatik-xtable; }
check "pkg-config version" '[ "$(pc --modversion)" = "$release" ]'
mkdir -p "$T/ext/vmtgen"
sed 's/dnsblock/vmtgen/g' "$root/examples/dnsblock/libxt_dnsblock.lua" >"$T/ext/vmtgen/libxt_vmtgen.lua"
if (cd "$T/ext/vmtgen" && make -s -f "$(pc --variable=makefile)" LUAXTABLE_MODULE=vmtgen \
	>"$T/gen.log" 2>&1); then
	check "plugin built outside the tree" '[ -f "$T/ext/vmtgen/libxt_vmtgen.so" ]'
else
	bad "plugin built outside the tree" "$(cat "$T/gen.log")"
fi
rm -f "$T/ext/vmtgen/libxt_vmtgen.so"
printf 'include %s\n' "$(pc --variable=pluginmk)" >"$T/ext/vmtgen/Makefile"
if make -s -C "$T/ext/vmtgen" >"$T/gen.log" 2>&1 && [ -f "$T/ext/vmtgen/libxt_vmtgen.so" ]; then
	ok "plugin built by a one-line Makefile (pluginmk)"
else
	bad "pluginmk" "$(cat "$T/gen.log")"
fi
check "the plugin's help through iptables" \
	'XTABLES_LIBDIR=$T/ext/vmtgen:$(pkg-config --variable=xtlibdir xtables) iptables -m vmtgen -h 2>&1 | grep -q -- --domain'

# Uninstall: nothing left but the configuration a user edited.
echo '-- mine' >>"$D/etc/lunatik/examples/dnsblock/config.lua"
if m uninstall-tools uninstall-xtable uninstall-examples DESTDIR="$D" PREFIX=/usr &&
	rm -rf "$D/lib/modules/lua/lunatik" "$D/lib/modules/lua/socket" "$D/lib/modules/lua/syscall"; then
	left=$(cd "$D" && find . ! -type d | sort)
	check "uninstall keeps only the edited config" \
		'[ "$left" = ./etc/lunatik/examples/dnsblock/config.lua ]'
	check "uninstall said so" 'grep -q "kept .*dnsblock/config.lua" "$T/make.log"'
else
	bad "uninstall" "$(tail -20 "$T/make.log")"
fi

# Without Lua's sources a build stops and says what to do; no apt, no /etc.
mkdir -p "$T/lua"
cp -r "$root/kernel/lua/fetch.sh" "$root/kernel/lua/exports.sh" "$root/kernel/lua/patches" "$T/lua/"
out=$("$T/lua/fetch.sh" 2>&1) && bad "fetch.sh without sources succeeded"
check "fetch.sh without sources says: make deps" 'grep -q "make deps" <<<"$out"'
check "... or LUA_SRC" 'grep -q LUA_SRC <<<"$out"'
check "... and wrote nothing but its folder" '[ "$(ls "$T/lua")" = "$(printf "exports.sh\nfetch.sh\npatches")" ]'
out=$(make -s -C "$root" modules KERNEL_RELEASE=0.0-none 2>&1) && bad "make without headers succeeded"
check "make without headers names them" 'grep -q "No kernel headers at /lib/modules/0.0-none/build" <<<"$out"'

# make dist: the tree, Lua's sources, the man pages; Lua extracts offline.
if m dist && tar -C "$T" -xzf "$root/lunatik-$release.tar.gz"; then
	X=$T/lunatik-$release
	check "dist carries Lua's sources" '[ -f "$X/kernel/lua/dl/lua5.4_5.4.4.orig.tar.gz" ]'
	check "dist carries the man pages" '[ -f "$X/docs/man/lunatik.8" ]'
	check "dist has no git or build leftovers" '[ ! -e "$X/.git" ] && [ -z "$(find "$X" -name "*.o" -o -name "*.ko")" ]'
	check "dist: Lua extracted and patched offline" \
		'env -u LUA_SRC "$X/kernel/lua/fetch.sh" && [ -f "$X/kernel/lua/src/luak_exports.c" ]'
	check "dist: man pages up to date (no scdoc needed)" 'make -s -q -C "$X/docs/man"'
	check "dist: list-modules" 'make -s -C "$X" list-modules | grep -x kernel/lunatik.ko >/dev/null'
else
	bad "make dist" "$(tail -20 "$T/make.log")"
fi
rm -f "$root/lunatik-$release.tar.gz"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
