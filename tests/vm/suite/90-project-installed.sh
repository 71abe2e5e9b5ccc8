#!/bin/bash
# What `make install` installs (tests/vm/run stages it), or the Debian
# packages with their DKMS-built modules (tests/vm/run --packaged), and never
# both: the modules, each with the release's version, the commands with
# --version, their man pages and completion, the generator with its
# pkg-config file, the examples with their configuration in /etc.
set -euo pipefail
. ./testlib.bash

command -v lunatik nft-lua
release=$(lunatik --version)
release=${release#Lunatik }
[ -n "$release" ] || { echo "lunatik --version printed no release"; exit 1; }
expect "nft-lua --version" "nft-lua (Lunatik) $release" "$(nft-lua --version)"
expect "lunatik version" "Lunatik $release" "$(lunatik version)"

# Every module `lunatik load` loads carries the release (MODULE_VERSION).
mods=$(lunatik status | cut -f1)
[ "$(wc -l <<<"$mods")" -ge 2 ]
for m in $mods; do
	expect "modinfo -F version $m" "$release" "$(modinfo -F version "$m")"
done

# One installation: `make install`'s (/usr/local, the modules in
# /extra/lunatik) or the packages' (/usr, DKMS's /updates/dkms), not both.
prefix=$LUNATIK_PREFIX
case $prefix in
/usr/local) mdir=/extra/lunatik/ ;;
/usr) mdir=/updates/dkms/ ;;
*) echo "FAIL lunatik in $prefix"; exit 1 ;;
esac
grep -q "$mdir" <<<"$(modinfo -n lunatik)"
expect "lunatik.ko under /lib/modules/$(uname -r)" 1 \
	"$(find "/lib/modules/$(uname -r)" -name 'lunatik.ko*' | wc -l)"
expect "lunatik commands" 1 "$(ls /usr/sbin/lunatik /usr/local/sbin/lunatik 2>/dev/null | wc -l)"
expect "generators" 1 "$(ls -d /usr/share/lunatik/xtable /usr/local/share/lunatik/xtable 2>/dev/null | wc -l)"
expect "lunatik(8) pages" 1 "$(ls /usr/share/man/man8/lunatik.8* /usr/local/share/man/man8/lunatik.8* 2>/dev/null | wc -l)"
echo "ok   installed from $prefix, modules in $mdir"

# the packages' pages are compressed (busybox's zcat -f reads only those)
for f in man8/lunatik.8 man8/nft-lua.8 man5/luaxt.5 man7/lunatik-lua.7; do
	page=$(ls "$prefix/share/man/$f"*)
	case $page in *.gz) zcat "$page" ;; *) cat "$page" ;; esac | grep "Lunatik $release" >/dev/null
done
echo "ok   man pages"

# The generator: its Makefile, sources, header and pkg-config file.
pc=$prefix/share/pkgconfig/lunatik-xtable.pc
grep -qx "Version: $release" "$pc"
grep -qx 'makefile=${generatordir}/Makefile' "$pc"
for f in Makefile plugin.mk luaxt.c embed.lua; do
	[ -f "$prefix/share/lunatik/xtable/$f" ]
done
[ -f "$prefix/include/lunatik/luaxtable.h" ]
echo "ok   generator"

# Example configuration lives in /etc; the scripts find it through a link.
for e in dnsblock dnsdoctor; do
	expect "$e config link" "/etc/lunatik/examples/$e/config.lua" \
		"$(readlink "$LUA_DIR/examples/$e/config.lua")"
	[ -f "/etc/lunatik/examples/$e/config.lua" ]
done

# Completion: verbs, scripts under /lib/modules/lua, running scripts for stop.
comp=$prefix/share/bash-completion/completions
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _lunatik
		printf "%s\n" "${COMPREPLY[@]}"' _ "$comp/lunatik" "$@"
}
expect "complete lunatik s" "$(printf 'spawn\nstatus\nstop')" "$(complete_words lunatik s | sort)"
grep -qx examples/dnsblock/nf_dnsblock <<<"$(complete_words lunatik run examples/dnsb)"
put_script vmt-complete <<'EOS'
return function () end
EOS
lunatik load
lunatik run vmt-complete
expect "complete lunatik stop" vmt-complete "$(complete_words lunatik stop vmt)"
lunatik stop vmt-complete
bash -c '. "$1"; COMP_WORDS=(nft-lua add r); COMP_CWORD=2; _nft_lua
	[ "${COMPREPLY[*]}" = rule ]' _ "$comp/nft-lua"
echo "ok   completion"
