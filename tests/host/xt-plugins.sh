#!/bin/bash
# Host tests of the luaxt plugins (usr/lib/xtable, luaxt/), without our
# kernel module: the generator, help, option parsing and errors, save (as
# iptables-restore-translate shows untranslatable rules), xlate, and
# iptables-restore --test with iptables and ip6tables, legacy and nft.
# A user namespace stands in for root: with its own network namespace,
# libxtables cannot confirm a revision and assumes 0 works; without one,
# it cannot ask at all and assumes any revision works.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
# check WHAT PATTERN OUTPUT
check() { if grep -qE -- "$2" <<<"$3"; then ok "$1"; else bad "$1: /$2/ not in: $3"; fi; }

if ! unshare -rn true 2>/dev/null; then
	echo "no user namespaces here: cannot run iptables without root"
	exit 1
fi

build() {	# build NAME DIR
	LUAXTABLE_MODULE=$1 LUAXTABLE_DIR=$2 make -s -C "$root/usr/lib/xtable" >"$T/make.log" 2>&1
}
mkdir "$T/lib"
cp "$root"/examples/dnsblock/libxt_dnsblock.lua "$root"/examples/dnsdoctor/libxt_dnsdoctor.lua "$T/lib/"
cat >"$T/lib/libxt_xttest.lua" <<'EOT'
local luaxt = require("luaxt")
luaxt.match{
	revision = 1,
	family = luaxt.family.IPV4,
	options = {
		{name = "need", type = "uint", required = true, help = "a number"},
		{name = "flag", type = "none"},
	},
	init = function (par) par.userargs = "init" end,
	parse = function (par)
		par.userargs = par.userargs .. " " .. par.option .. "=" .. tostring(par.value)
		par.flags = par.flags | 1 << (par.option == "need" and 0 or 1)
		return true
	end,
	final_check = function (flags, seen)
		if flags & 2 ~= 0 and flags & 1 == 0 then error("--flag needs --need", 0) end
	end,
	save = function (args) return "--args '" .. args .. "'" end,
	xlate = function (args) return "comment \"" .. args .. "\"" end,
}
EOT
for n in dnsblock dnsdoctor xttest; do
	if build $n "$T/lib"; then ok "build libxt_$n.so"; else bad "build $n: $(cat "$T/make.log")"; fi
done
# The description is embedded: the plugin works without it, from anywhere.
rm "$T"/lib/*.lua
cd /
export XTABLES_LIBDIR=$T/lib:$(pkg-config --variable=xtlibdir xtables)

# Bad descriptions stop the build with Lua's message and the line.
# refused NAME PATTERN <<'EOF' ... : the description must not build
refused() {
	cat >"$T/libxt_$1.lua"
	if build "$1" "$T"; then
		bad "description $1 builds"
	else
		check "description $1 is refused at build time" "$2" "$(cat "$T/make.log")"
	fi
	[ ! -e "$T/libxt_$1.so" ] || bad "$1: a plugin was left behind"
}
refused syntax 'libxt_syntax.lua:2: .*near' <<'EOT'
local luaxt = require("luaxt")
luaxt.match{revision = 0,,}
EOT
refused badtype "libxt_badtype.lua:2: option 'x': unknown type 'ipaddr'" <<'EOT'
local luaxt = require("luaxt")
luaxt.match{revision = 0, family = luaxt.family.UNSPEC, encoding = "typed",
	options = {{name = "x", type = "ipaddr"}}}
EOT
refused reserved "libxt_reserved.lua:2: option 'version': iptables has its own --version" <<'EOT'
local luaxt = require("luaxt")
luaxt.match{revision = 0, family = luaxt.family.UNSPEC, encoding = "typed",
	options = {{name = "version", type = "string"}}}
EOT
refused reserved6 "option 'ipv6': iptables has its own --ipv6" <<'EOT'
local luaxt = require("luaxt")
luaxt.target{revision = 0, family = luaxt.family.UNSPEC, encoding = "typed", options = {{name = "ipv6", type = "none"}}}
EOT
refused nofamily "libxt_nofamily.lua:2: 'family' must be a luaxt.family" <<'EOT'
local luaxt = require("luaxt")
luaxt.match{revision = 0}
EOT
refused noparse "'parse' must be a function" <<'EOT'
local luaxt = require("luaxt")
luaxt.match{revision = 0, family = 0, options = {{name = "x"}}}
EOT
refused typo "libxt_typo.lua:2: luaxt.match: unknown field 'optoins'" <<'EOT'
local luaxt = require("luaxt")
luaxt.match{revision = 0, family = 0, optoins = {}}
EOT
refused badflag "option 'x': 'excl' names no option 'y'" <<'EOT'
local luaxt = require("luaxt")
luaxt.match{revision = 0, family = 0, encoding = "typed", options = {{name = "x", type = "none", excl = {"y"}}}}
EOT
refused badmax "option 'x': 'max' 300 out of range \\[0, 255\\]" <<'EOT'
local luaxt = require("luaxt")
luaxt.match{revision = 0, family = 0, encoding = "typed", options = {{name = "x", type = "uint8", max = 300}}}
EOT
refused nocall "calls neither luaxt.match nor luaxt.target" <<'EOT'
local luaxt = require("luaxt")
EOT
refused raises "^no way" <<'EOT'
error("no way", 0)
EOT

ipt() { unshare -rn "$@" 2>&1; }
iptr() { unshare -r "$@" 2>&1; }

out=$(iptr iptables-legacy -m dnsblock -h)
check "dnsblock help, in libxtables' layout" '^\[!\] --domain name           DNS queries for this domain' "$out"
check "help's second line in the column" '^                            default: the script' "$out"
out=$(iptr ip6tables-nft -j dnsdoctor -h)
check "dnsdoctor help (ip6tables-nft)" '^--client address            the client' "$out"
out=$(iptr iptables-legacy -m xttest -h)
check "options listed after help" '^--need value                a number' "$out"

rules='*filter
-A OUTPUT -m dnsblock -j DROP
-A OUTPUT -p udp -m dnsblock --domain Example.COM. --domain foo.test -j DROP
-A OUTPUT -m dnsblock ! --domain keep.test -j ACCEPT
COMMIT
*mangle
-A PREROUTING -p udp --sport 53 -j dnsdoctor
-A PREROUTING -p udp --sport 53 -j dnsdoctor --domain a.test --client 10.0.0.1 --from 1.2.3.4 --to 10.0.0.2
COMMIT
*raw
-A OUTPUT -m dnsblock -j ACCEPT
COMMIT'
# dnsdoctor rewrites IPv4 answers: ip6tables rules name no address.
rules6=$(sed 's/ --client.*//' <<<"$rules")
for t in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
	r=$rules
	[[ $t != ip6* ]] || r=$rules6
	if out=$(ipt sh -c "$t-restore --test" <<<"$r"); then
		ok "$t-restore --test"
	else
		bad "$t-restore --test: $out"
	fi
done

# nft has no DNS match: no xlate, so iptables-translate prints the rule as a comment.
out=$(ipt iptables-translate -A OUTPUT -m dnsblock --domain a.com --domain B.org -j DROP)
check "xlate: what nft cannot express is a comment" "^nft # -A OUTPUT -m dnsblock --domain a.com --domain B.org -j DROP" "$out"
printf '%s\n' "$rules" >"$T/rules"
out=$(ipt iptables-restore-translate -f "$T/rules")
check "restore-translate: dnsdoctor as a comment" "^# -t mangle -A PREROUTING -p udp --sport 53 -j dnsdoctor --domain a.test" "$(grep dnsdoctor <<<"$out")"
out=$(ipt iptables-translate -A OUTPUT -m xttest --need 7 --flag)
check "init, parse of uint and none options, in order" "comment \"init need=7 flag=true\"" "$out"

# expect_status WHAT STATUS PATTERN CMD...
expect_status() {
	local what=$1 want=$2 pat=$3 out rc=0
	shift 3
	out=$("$@" 2>&1) || rc=$?
	if [ $rc -ne "$want" ]; then bad "$what: exit $rc, want $want: $out"; return; fi
	check "$what (exit $rc)" "$pat" "$out"
}
expect_status "bad domain" 2 "dnsblock: invalid domain 'bad d'" \
	ipt iptables-legacy -A OUTPUT -m dnsblock --domain "bad d"
expect_status "unknown option" 2 'unknown option "--nope"' \
	ipt iptables-nft -A OUTPUT -m dnsblock --nope x
expect_status "missing value" 2 "requires an argument" \
	ipt iptables-nft -A OUTPUT -m dnsblock --domain
expect_status "mixed negation" 2 "applies to every --domain" \
	ipt iptables-legacy -A OUTPUT -m dnsblock --domain a.test ! --domain b.test
expect_status "negation where not allowed" 2 "cannot be inverted" \
	ipt iptables-legacy -t mangle -A PREROUTING -j dnsdoctor ! --to 10.0.0.1
expect_status "bad address" 2 "host/network .10.0.0.300. not found|getaddrinfo" \
	ipt iptables-legacy -t mangle -A PREROUTING -j dnsdoctor --to 10.0.0.300
expect_status "an address of the rule's family" 2 "dnsdoctor rewrites IPv4 answers only|getaddrinfo" \
	ipt ip6tables-legacy -t mangle -A PREROUTING -j dnsdoctor --to ::1
expect_status "repeated option" 2 "only be specified once|once" \
	ipt iptables-legacy -t mangle -A PREROUTING -j dnsdoctor --to 10.0.0.1 --to 10.0.0.2
expect_status "a required option" 2 'option "--need" must be specified' \
	ipt iptables-translate -A OUTPUT -m xttest
expect_status "final_check rejects" 2 "xttest: --flag needs --need" \
	ipt iptables-translate -A OUTPUT -m xttest --flag
expect_status "uint parsing" 2 "xttest" \
	ipt iptables-translate -A OUTPUT -m xttest --need nan
long=$(printf 'd%03d.test ' $(seq 30))
set -- $long
args=()
for d in "$@"; do args+=(--domain "$d"); done
expect_status "arguments over 248 bytes" 2 "more than 248" \
	ipt iptables-legacy -A OUTPUT -m dnsblock "${args[@]}"

[ $fails -eq 0 ]
