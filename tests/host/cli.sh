#!/bin/bash
# Host tests of the lunatik command, without a kernel: arguments, help,
# exit statuses, the chunks sent for each verb, the REPL, device errors and
# module loading. fakedev.c stands in for /dev/lunatik (LUNATIK_DEVICE) and
# a fake modprobe first in PATH logs what would be loaded.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
T=$(mktemp -d)
export T
lunatik=$root/usr/bin/lunatik
pids=()

cleanup()
{
	local pid

	for pid in "${pids[@]}" $(cat "$T"/*.pid 2>/dev/null); do
		kill "$pid" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

make -s -C "$root/usr/bin" >"$T/make.log" 2>&1 || { cat "$T/make.log"; exit 1; }
gcc -O2 -Wall -Wextra -Werror -o "$T/fakedev" "$here/fakedev.c" || exit 1

# fake modprobe: logs its arguments; fails for $FAIL_MODULE; for
# lunatik_run, starts a fake device at $LUNATIK_DEVICE if $START_DEVICE is set
mkdir "$T/bin" "$T/empty"
cat >"$T/bin/modprobe" <<'EOF'
#!/bin/bash
echo "$*" >>"$T/modprobe.log"
if [ "$*" = "${FAIL_MODULE-}" ]; then
	echo "modprobe: FATAL: Module $* not found." >&2
	exit 1
fi
if [ "$*" = lunatik_run ] && [ -n "${START_DEVICE-}" ]; then
	"$T/fakedev" "$LUNATIK_DEVICE" "$T/auto.log" </dev/null >/dev/null 2>&1 &
	echo $! >"$T/auto.pid"
fi
exit 0
EOF
chmod +x "$T/bin/modprobe"
export PATH="$T/bin:$PATH"

dev=$T/dev
log=$T/chunks.log
"$T/fakedev" "$dev" "$log" </dev/null >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	[ -S "$dev" ] && break
	sleep 0.02
done
[ -S "$dev" ] || { echo "fakedev did not start"; exit 1; }
export LUNATIK_DEVICE=$dev
# no luaxtable here unless a check makes one
export LUNATIK_SYSMODULE=$T/empty

checks=0 failures=0

fail()
{
	failures=$((failures + 1))
	echo "FAIL: $1"
	shift
	printf '  %s\n' "$@"
}

# Expected text: a newline is added to non-empty expectations.
lines() { [ -n "$1" ] && printf '%s\n' "$1"; }

# check DESC STATUS STDOUT STDERR CMD...: runs CMD with stdin holding
# exactly $IN, or the file $IN_FILE, and compares its exit status and output.
check()
{
	local desc=$1 want_rc=$2 want_out=$3 want_err=$4 rc=0
	shift 4

	checks=$((checks + 1))
	printf '%s' "${IN-}" >"$T/in"
	"$@" <"${IN_FILE:-$T/in}" >"$T/out" 2>"$T/err" || rc=$?
	lines "$want_out" >"$T/want_out"
	lines "$want_err" >"$T/want_err"
	if [ "$rc" != "$want_rc" ]; then
		fail "$desc: exit status $rc, expected $want_rc" "stderr: $(head -c 500 "$T/err")"
	elif ! cmp -s "$T/out" "$T/want_out"; then
		fail "$desc: stdout differs" "got:      $(head -c 500 "$T/out" | od -c | head -5)" \
			"expected: $(od -c "$T/want_out" | head -5)"
	elif ! cmp -s "$T/err" "$T/want_err"; then
		fail "$desc: stderr differs" "got:      $(head -c 500 "$T/err")" \
			"expected: $(cat "$T/want_err")"
	fi
}

# check_log DESC FILE EXPECTED: FILE holds exactly the EXPECTED lines; empties it.
check_log()
{
	checks=$((checks + 1))
	lines "$3" >"$T/want_log"
	touch "$2"
	cmp -s "$2" "$T/want_log" || fail "$1: log differs" "got:      $(cat "$2")" \
		"expected: $3"
	: >"$2"
}

usage=$(cat <<'EOF'
usage: lunatik [load|unload|reload|status|list] [run|spawn|stop <script>]
  load            load the Lunatik kernel modules
  unload          stop every runtime, then unload the Lunatik kernel modules
  reload          reload the Lunatik kernel modules
  status          show which Lunatik kernel modules are loaded
  list            show which runtime environments are running
  run <script> [true|false|process|softirq] [percpu]
                  run /lib/modules/lua/<script>.lua in a new runtime
                  environment; false (or softirq) makes it non-sleepable
                  (packet hooks); percpu runs it once per CPU, each CPU's
                  packets calling that CPU's runtime
  spawn <script>  run the function <script> returns in a kernel thread
                  (named after the script) of a new runtime environment
  stop <script>   stop the runtime environment (and thread) of <script>
  help            show this help
  version         show the version (also --version)
  (no command)    start a REPL (Read-Eval-Print Loop) in the kernel
<script> may end with .lua. LUNATIK_DEVICE overrides the device path
(default /dev/lunatik).
EOF
)

# --- help and usage errors (nothing reaches the device) ---
release=$(cat "$root/VERSION")
[ "$("$lunatik" --version)" = "Lunatik $release" ] || fail "--version: $("$lunatik" --version)"
[ "$("$lunatik" version)" = "Lunatik $release" ] || fail "version: $("$lunatik" version)"
for h in help -h --help; do
	check "$h" 0 "$usage" "" "$lunatik" "$h"
done
check "unknown verb" 2 "" "lunatik: unknown command 'frob'
$usage" "$lunatik" frob
check "help with an operand" 2 "" "lunatik: usage: lunatik help" "$lunatik" help me
for v in load unload reload status list; do
	check "$v with an operand" 2 "" "lunatik: usage: lunatik $v" "$lunatik" "$v" x
done
check "run without script" 2 "" "lunatik: usage: lunatik run <script> [true|false|process|softirq] [percpu]" "$lunatik" run
check "run with a bad third operand" 2 "" "lunatik: usage: lunatik run <script> [true|false|process|softirq] [percpu]" \
	"$lunatik" run a true x
check "run with 4 operands" 2 "" "lunatik: usage: lunatik run <script> [true|false|process|softirq] [percpu]" \
	"$lunatik" run a true percpu x
check "run with two kinds" 2 "" "lunatik: usage: lunatik run <script> [true|false|process|softirq] [percpu]" \
	"$lunatik" run a softirq false
check "run with percpu twice" 2 "" "lunatik: usage: lunatik run <script> [true|false|process|softirq] [percpu]" \
	"$lunatik" run a percpu percpu
check "run hardirq" 2 "" "lunatik: hardirq runtimes are not supported: use softirq
lunatik: usage: lunatik run <script> [true|false|process|softirq] [percpu]" "$lunatik" run a hardirq
check "run with a bad sleep flag" 2 "" "lunatik: usage: lunatik run <script> [true|false|process|softirq] [percpu]" \
	"$lunatik" run a maybe
check "stop without script" 2 "" "lunatik: usage: lunatik stop <script>" "$lunatik" stop
check "spawn without script" 2 "" "lunatik: usage: lunatik spawn <script>" "$lunatik" spawn

long=$(printf 'a%.0s' $(seq 201))
for name in ../x a/../b .. . ./a a/./b /etc/passwd a//b a/ '' 'a b' 'a"b' "a'b" 'a;b' \
	'a\b' $'a\nb' "$long" "$long.lua" x/.lua ../x.lua; do
	for verb in run stop spawn; do
		check "$verb rejects '$name'" 2 "" "lunatik: invalid script name '$name' (expected a relative path of [A-Za-z0-9_./-], without '.' or '..' components, at most 200 characters)" \
			"$lunatik" "$verb" "$name"
	done
done
check_log "rejected names send nothing" "$log" ""

# --- verbs and the chunks they send ---
check "run" 0 "" "" "$lunatik" run examples/shared
check_log "run chunk" "$log" 'return require("lunatik.runner").run("examples/shared", true)'
check "run strips .lua" 0 "" "" "$lunatik" run a-b_c.d/E9.lua false
check_log "run false chunk" "$log" 'return require("lunatik.runner").run("a-b_c.d/E9", false)'
check "run softirq percpu" 0 "" "" "$lunatik" run x softirq percpu
check_log "run softirq percpu chunk" "$log" 'return require("lunatik.runner").run("x", false, true)'
check "run percpu false" 0 "" "" "$lunatik" run x percpu false
check_log "run percpu false chunk" "$log" 'return require("lunatik.runner").run("x", false, true)'
check "run process" 0 "" "" "$lunatik" run x process
check_log "run process chunk" "$log" 'return require("lunatik.runner").run("x", true)'
check "run 200 characters" 0 "" "" "$lunatik" run "${long:1}" true
check_log "run 200 characters chunk" "$log" "return require(\"lunatik.runner\").run(\"${long:1}\", true)"
check "run .lua.lua" 0 "" "" "$lunatik" run x.lua.lua
check_log "run .lua.lua chunk" "$log" 'return require("lunatik.runner").run("x.lua", true)'
check "run error" 1 "" "lunatik: fail.lua:1: boom" "$lunatik" run fail
check_log "run error chunk" "$log" 'return require("lunatik.runner").run("fail", true)'
check "stop" 0 "" "" "$lunatik" stop net/filter.lua
check_log "stop chunk" "$log" 'require("lunatik.runner").stop("net/filter")'
check "stop error" 1 "" "lunatik: fail.lua:1: boom" "$lunatik" stop fail
check_log "stop error chunk" "$log" 'require("lunatik.runner").stop("fail")'
check "list" 0 "a
b" "" "$lunatik" list
check_log "list chunk" "$log" 'return require("lunatik.runner").list()'
check "spawn" 0 "" "" "$lunatik" spawn examples/shared.lua
check_log "spawn chunk" "$log" 'require("lunatik.runner").spawn("examples/shared")'

# --- the REPL, stdin not a terminal ---
IN='R 42' check "repl result" 0 "42" "" "$lunatik"
IN=$'session\nsession\nsession' check "repl keeps one session" 0 $'1\n2\n3' "" "$lunatik"
: >"$log"
IN=$'R a\nE oops\n\nR c\nR ' check "repl error" 1 $'a\nc' "lunatik: oops" "$lunatik"
check_log "repl skips empty lines" "$log" $'R a\nE oops\nR c\nR '
IN=$'f(1,\n2\n)\nR done' check "repl continues incomplete chunks" 0 $'f(1,\n2\n)\ndone' "" \
	"$lunatik"
check_log "repl resends the whole chunk" "$log" $'f(1,\nf(1,\n2\nf(1,\n2\n)\nR done'
IN=$'R x\ng(' check "repl incomplete at end of input" 1 "x" \
	"lunatik: [string \"x\"]:1: ')' expected near <eof>" "$lunatik"
: >"$log"
IN=big check "repl reads a long reply whole" 0 "$(printf 'x%.0s' $(seq 300000))" "" \
	"$lunatik"
check_log "big chunk" "$log" "big"
{ head -c 1048577 /dev/zero | tr '\0' y; printf '\nR after\n'; } >"$T/huge"
IN_FILE=$T/huge check "repl refuses a chunk over LUNATIK_CHUNK_MAX" 1 "after" \
	"lunatik: chunk of 1048577 bytes refused (at most 1048576)" "$lunatik"
check_log "oversized chunk not sent" "$log" "R after"
IN='' check "repl on empty input" 0 "" "" "$lunatik"

# --- device errors and module loading ---
LUNATIK_DEVICE=$T check "device is a directory" 1 "" "lunatik: $T: Is a directory" \
	"$lunatik" list
: >"$T/modprobe.log"
LUNATIK_DEVICE=$T/none FAIL_MODULE=lunatik check "device missing, modprobe fails" 1 "" \
	"modprobe: FATAL: Module lunatik not found.
lunatik: modprobe lunatik failed" "$lunatik" list
check_log "autoload stops at the failing module" "$T/modprobe.log" "lunatik"
LUNATIK_DEVICE=$T/none check "device missing, no modprobe" 1 "" \
	"lunatik: modprobe: No such file or directory
lunatik: modprobe lunatik failed" env PATH="$T/empty" "$lunatik" run x
LUNATIK_DEVICE=$T/none FAIL_MODULE=luadata check "load fails on a module" 1 "" \
	"modprobe: FATAL: Module luadata not found.
lunatik: modprobe luadata failed" "$lunatik" load
check_log "load order up to the failure" "$T/modprobe.log" $'lunatik\nlualinux\nluadata'
LUNATIK_DEVICE=$T/none check "load: device never appears" 1 "" \
	"lunatik: $T/none did not appear after loading the modules" "$lunatik" load
check_log "load order" "$T/modprobe.log" $'lunatik\nlualinux\nluadata\nluanetfilter\nluaxtable\nluathread\nluabyteorder\nluacompletion\nluafifo\nluarcu\nluadevice\nluasocket\nluanotifier\nluafib\nluaprobe\nluasyscall\nluaset\nluaxdp\nlunatik_run'
check "load: device already there" 0 "" \
	"lunatik: $dev exists: the modules are already loaded" "$lunatik" load
check_log "load with the device: no modprobe" "$T/modprobe.log" ""
LUNATIK_DEVICE=$T/auto START_DEVICE=1 check "run loads the modules" 0 "" "" \
	"$lunatik" run x
check_log "autoload order" "$T/modprobe.log" $'lunatik\nlualinux\nluadata\nluanetfilter\nluaxtable\nluathread\nluabyteorder\nluacompletion\nluafifo\nluarcu\nluadevice\nluasocket\nluanotifier\nluafib\nluaprobe\nluasyscall\nluaset\nluaxdp\nlunatik_run'
check_log "run after autoload" "$T/auto.log" 'return require("lunatik.runner").run("x", true)'

# status and unload read /proc/modules, which a container may lack
if [ -r /proc/modules ]; then
	want=$(for m in lunatik lualinux luadata luanetfilter luaxtable luathread luabyteorder luacompletion luafifo luarcu luadevice luasocket luanotifier luafib luaprobe luasyscall luaset luaxdp lunatik_run; do
		if grep -q "^$m " /proc/modules; then
			printf '%s\tloaded\n' "$m"
		else
			printf '%s\tnot loaded\n' "$m"
		fi
	done)
	removed=$(for m in lunatik_run luaxdp luaset luasyscall luaprobe luafib luanotifier luasocket luadevice luarcu luafifo luacompletion luabyteorder luathread luaxtable luanetfilter luadata lualinux lunatik; do
		grep -q "^$m " /proc/modules && echo "-r $m"
	done)
	check "status" 0 "$want" "" "$lunatik" status
	check "unload" 0 "" "" "$lunatik" unload
	check_log "unload removes loaded modules" "$T/modprobe.log" "$removed"
else
	nomods="lunatik: /proc/modules: No such file or directory"
	check "status without /proc/modules" 1 "" "$nomods" "$lunatik" status
	check "unload without /proc/modules" 1 "" "$nomods" "$lunatik" unload
	check_log "unload without /proc/modules: no modprobe" "$T/modprobe.log" ""
fi
check_log "unload stops every runtime" "$log" 'require("lunatik.runner").shutdown()'
LUNATIK_DEVICE=$T/none check "unload without device sends nothing" \
	"$([ -r /proc/modules ] && echo 0 || echo 1)" "" \
	"$([ -r /proc/modules ] || echo "$nomods")" "$lunatik" unload
check_log "no device, no shutdown" "$log" ""

# unload and reload refuse, before stopping anything, while rules hold luaxtable
mkdir -p "$T/sys/luaxtable/parameters"
echo 2 >"$T/sys/luaxtable/parameters/rules"
held="lunatik: 2 iptables/nftables rule(s) use Lua extensions (luaxtable): delete them first; nothing was stopped or unloaded"
for v in unload reload; do
	LUNATIK_SYSMODULE=$T/sys check "$v refused while rules use luaxtable" 1 "" "$held" "$lunatik" $v
	check_log "$v refused: nothing stopped" "$log" ""
	check_log "$v refused: no modprobe" "$T/modprobe.log" ""
done
echo garbage >"$T/sys/luaxtable/parameters/rules"
LUNATIK_SYSMODULE=$T/sys check "unload: unreadable rule count" 1 "" \
	"lunatik: $T/sys/luaxtable/parameters/rules: unreadable" "$lunatik" unload
check_log "unreadable rule count: nothing stopped" "$log" ""
if [ -r /proc/modules ]; then
	echo 0 >"$T/sys/luaxtable/parameters/rules"
	LUNATIK_SYSMODULE=$T/sys check "unload with no rules" 0 "" "" "$lunatik" unload
	check_log "unload with no rules stops every runtime" "$log" 'require("lunatik.runner").shutdown()'
	: >"$T/modprobe.log"
fi

# --- install ---
checks=$((checks + 1))
make -s -C "$root/usr/bin" install DESTDIR="$T/dest" PREFIX=/usr >/dev/null &&
	[ "$(stat -c %a "$T/dest/usr/sbin/lunatik")" = 755 ] &&
	make -s -C "$root/usr/bin" uninstall DESTDIR="$T/dest" PREFIX=/usr &&
	[ ! -e "$T/dest/usr/sbin/lunatik" ] || fail "make install/uninstall"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
