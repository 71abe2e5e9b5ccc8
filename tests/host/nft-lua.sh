#!/bin/bash
# Host tests of nft-lua without a kernel: usage, --help, parse errors, and
# golden dry runs (-n) with stock xtables plugins: the expressions a rule
# becomes, and the words list would print for them, which must read back
# into the same expressions.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
make -s -C "$root/nft" >"$T/make.log" 2>&1 || { cat "$T/make.log"; exit 1; }
N=$root/nft/nft-lua
checks=0 failures=0

fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# is WHAT EXPECTED-STATUS EXPECTED-OUTPUT CMD...: stdout+stderr and status
is() {
	local what=$1 status=$2 expected=$3 out rc=0
	shift 3
	checks=$((checks + 1))
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" != "$status" ] || [ "$out" != "$expected" ]; then
		fail "$what: exit $rc (want $status)"
		diff <(printf '%s\n' "$expected") <(printf '%s\n' "$out") | sed 's/^/    /'
	fi
}

# has WHAT EXPECTED-STATUS PATTERN CMD...
has() {
	local what=$1 status=$2 pattern=$3 out rc=0
	shift 3
	checks=$((checks + 1))
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" != "$status" ] || ! grep -qE -- "$pattern" <<<"$out"; then
		fail "$what: exit $rc (want $status), output lacks /$pattern/:"
		printf '    %s\n' "$out"
	fi
}

has "--help" 0 '^Usage: nft-lua' "$N" --help
has "no command" 2 'no command; see --help' "$N"
has "bad option" 2 "Try 'nft-lua --help'" "$N" --bogus
has "unknown command" 2 'unknown command "frob rule"' "$N" frob rule
has "list takes no dry run" 2 'no --dry-run' "$N" -n list

# golden dry runs
is "udp, comment match, counter, verdict" 0 "add rule ip filter output
	compat proto 17 flags 0
	[ meta load l4proto => reg 1 ]
	[ cmp eq reg 1 0x00000011 ]
	[ payload load 2b @ transport header + 2 => reg 1 ]
	[ cmp eq reg 1 0x00003500 ]
	[ match name comment rev 0 ] info 256 bytes
		68656c6c6f
	[ counter pkts 0 bytes 0 ]
	[ immediate reg 0 accept ]
	=> udp dport 53 match comment --comment hello counter accept" \
	"$N" -n add rule ip filter output udp dport 53 comment --comment hello counter accept

is "match and target with options, rule comment" 0 'add rule inet t c
	[ match name mark rev 1 ] info 16 bytes
		01000000ff
	[ target name CONNMARK rev 2 ] info 16 bytes
		05000000ffffffffffffffff
	comment "a \"q\""
	=> mark --mark 0x1/0xff CONNMARK --set-xmark 0x5/0xffffffff comment "a \"q\""' \
	"$N" -n add rule inet t c mark --mark 0x1/0xff CONNMARK --set-mark 5 comment 'a "q"'

is "negations, two ports, jump" 0 "add rule ip6 t c
	compat proto 6 flags 0
	[ meta load l4proto => reg 1 ]
	[ cmp eq reg 1 0x00000006 ]
	[ payload load 2b @ transport header + 0 => reg 1 ]
	[ cmp neq reg 1 0x00001600 ]
	[ payload load 2b @ transport header + 2 => reg 1 ]
	[ cmp eq reg 1 0x00005000 ]
	[ immediate reg 0 jump -> other ]
	=> tcp sport != 22 tcp dport 80 jump other" \
	"$N" -n add rule ip6 t c tcp sport != 22 tcp dport 80 jump other

is "LOG with a quoted prefix, match by keyword" 0 'insert rule ip t c
	[ match name comment rev 0 ] info 256 bytes
		636f756e746572
	[ target name LOG rev 0 ] info 32 bytes
		040061206222
	=> match comment --comment counter LOG --log-prefix "a b\""' \
	"$N" -n insert rule ip t c match comment --comment counter LOG --log-prefix 'a b"'

# every "=>" line reads back into the same expressions
for rule in "udp dport 53 comment --comment hello counter accept" \
	    "mark --mark 0x1/0xff CONNMARK --set-mark 5 comment x" \
	    "meta l4proto icmp counter packets 5 bytes 7 drop" \
	    "tcp sport != 22 tcp dport 80 jump other" \
	    "comment --comment 'with space' LOG --log-prefix 'p: ' --log-level 4"; do
	checks=$((checks + 1))
	first=$(eval "\"$N\" -n add rule ip t c $rule" 2>&1)
	words=$(sed -n 's/^\t=> //p' <<<"$first")
	second=$(eval "\"$N\" -n add rule ip t c $words" 2>&1)
	[ "$first" = "$second" ] || {
		fail "round trip of: $rule"
		diff <(echo "$first") <(echo "$second") | sed 's/^/    /'
	}
done

# restore files: one batch, errors name the line
cat >"$T/rules" <<'EOF2'
# a comment line
add table ip t
add chain ip t c { type filter hook output priority filter ; policy drop ; }
add rule ip t c udp sport 53 comment --comment "two words" counter accept
flush table ip t
delete rule ip t c handle 4
EOF2
is "restore dry run" 0 'add table ip t
add chain ip t c { type filter hook output priority filter ; policy drop ; }
add rule ip t c
	compat proto 17 flags 0
	[ meta load l4proto => reg 1 ]
	[ cmp eq reg 1 0x00000011 ]
	[ payload load 2b @ transport header + 0 => reg 1 ]
	[ cmp eq reg 1 0x00003500 ]
	[ match name comment rev 0 ] info 256 bytes
		74776f20776f726473
	[ counter pkts 0 bytes 0 ]
	[ immediate reg 0 accept ]
	=> udp sport 53 match comment --comment "two words" counter accept
flush table ip t
delete rule ip t c handle 4' "$N" -n -f "$T/rules"
printf 'add table ip t\nadd rule ip t c mark --mark\n' >"$T/bad"
has "restore: error names its line" 2 '^nft-lua: line 2: mark: option "--mark" needs an argument$' "$N" -n -f "$T/bad"
has "restore: unterminated quote" 2 'line 1: unterminated quote' "$N" -n -f - <<<'add rule ip t c comment "x'
has "restore from stdin" 0 '=> accept' "$N" -n restore <<<'add rule ip t c accept'

# parse errors
has "unknown family" 2 'unknown or unsupported family "netdev"' "$N" -n add rule netdev t c accept
has "missing words" 2 'expected: add rule FAMILY TABLE CHAIN' "$N" -n add rule ip t
has "empty rule" 2 'a rule needs at least one word' "$N" -n add rule ip t c
has "unknown word" 2 'unknown word or extension "frobnicate": no libxt_frobnicate.so' "$N" -n add rule ip t c frobnicate
has "unknown match" 2 'unknown match "nosuch"' "$N" -n add rule ip t c match nosuch
has "unknown option of a plugin" 2 'comment: unknown option "--nope"' "$N" -n add rule ip t c comment --nope x
has "bad value for a plugin" 2 'mark' "$N" -n add rule ip t c mark --mark zz
has "plugin's final check" 2 'comment' "$N" -n add rule ip t c match comment
has "stray !" 2 '"!" must stand before an option' "$N" -n add rule ip t c mark --mark 1 !
has "word after verdict" 2 '"counter" after the verdict would never run' "$N" -n add rule ip t c accept counter
has "two targets" 2 'only one target per rule' "$N" -n add rule ip t c LOG CONNMARK --set-mark 1
has "standard target" 2 'use the verdicts' "$N" -n add rule ip t c ACCEPT
has "port range" 2 'udp: "70000" is not a number from 0 to 65535' "$N" -n add rule ip t c udp dport 70000
has "port field" 2 'udp: nft-lua takes sport and dport; "udp saddr" is nft.s own syntax: write this rule with nft' "$N" -n add rule ip t c udp saddr 1
has "meta key" 2 'nft-lua takes "meta l4proto"; other meta expressions are nft.s own syntax' "$N" -n add rule ip t c meta mark 1
has "native words point to nft" 2 '"ip" is nft.s own syntax, which nft-lua leaves to nft: write this rule with nft' \
	"$N" -n add rule ip t c ip saddr 1.2.3.4 drop
has "native words: no plugin is looked for" 2 '^nft-lua: "iifname" is nft' "$N" -n add rule ip t c iifname lo accept
has "a native word with options is the extension" 0 '=> mark --mark 0x1 drop' "$N" -n add rule ip t c mark --mark 1 drop
has "restore: a directory is an error" 1 "$T: Is a directory" "$N" -n -f "$T"
has "conflicting protocols" 2 'tcp after meta l4proto 17 never matches' "$N" -n add rule ip t c meta l4proto udp tcp dport 1
has "two counters" 2 'one counter per rule' "$N" -n add rule ip t c counter counter
has "delete needs a handle" 2 'delete rule FAMILY TABLE CHAIN handle HANDLE' "$N" -n delete rule ip t c 4
has "bad handle" 2 '"x" is not a rule handle' "$N" -n delete rule ip t c handle x
has "chain spec" 2 'a base chain needs type, hook and priority' "$N" -n add chain ip t c '{ type filter ; }'
has "chain hook" 2 'unknown hook "ingress"' "$N" -n add chain ip t c '{ type filter hook ingress priority 0 ; }'

# priorities: nft's names per family (the kernel's constants); listing prints them back so
prio() {	# nft knows dstnat, srcnat and bridge out at their hooks only
	local hook=forward
	case $2 in dstnat*) hook=prerouting ;; srcnat*) hook=postrouting ;; out*) hook=output ;; esac
	"$N" -n add chain "$1" t c "{ type filter hook $hook priority $2 ; }" 2>&1
}
for case in "ip filter" "ip raw" "ip6 mangle" "inet dstnat" "ip security" "ip srcnat" \
	    "bridge dstnat" "bridge filter" "bridge out" "bridge srcnat" "ip -7" "bridge filter + 5" "ip mangle - 3"; do
	set -- $case
	f=$1
	shift
	checks=$((checks + 1))
	out=$(prio "$f" "$*") || fail "priority $case: $out"
done
has "bridge has no mangle priority" 2 '"mangle" is not a bridge chain priority \(a number, or dstnat, filter, out, srcnat' \
	"$N" -n add chain bridge t c '{ type filter hook forward priority mangle ; }'
has "ip has no out priority" 2 '"out" is not a ip chain priority' \
	"$N" -n add chain ip t c '{ type filter hook forward priority out ; }'
has "bridge out is at the output hook only, as in nft" 2 '"out" is not a bridge chain priority' \
	"$N" -n add chain bridge t c '{ type filter hook forward priority out ; }'
has "a priority offset is a number" 2 'not a ip chain priority' \
	"$N" -n add chain ip t c '{ type filter hook forward priority filter + x ; }'

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
