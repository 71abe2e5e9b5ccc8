#!/bin/bash
# What `make install` installs (tests/vm/run stages it): the modules, each
# with the release's version, the commands with --version, their man pages
# and completion, the generator with its pkg-config file, the examples with
# their configuration in /etc.
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
grep -q "/extra/lunatik/" <<<"$(modinfo -n lunatik)"

prefix=/usr/local
for f in man8/lunatik.8 man8/nft-lua.8 man5/luaxt.5 man7/lunatik-lua.7; do
	grep -q "Lunatik $release" "$prefix/share/man/$f"
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
