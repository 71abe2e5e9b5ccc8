# Helpers for the VM tests (sourced, not run). Each test starts from a
# system with the project installed and nothing loaded, and leaves it so.

LUA_DIR=/lib/modules/lua
# Where the commands and the shared files are: /usr/local from `make install`,
# /usr from the Debian packages (tests/vm/run --packaged).
LUNATIK_PREFIX=$(dirname "$(dirname "$(command -v lunatik)")")

# expect WHAT EXPECTED ACTUAL: fail the test when they differ.
expect() {
	if [ "$2" != "$3" ]; then
		printf 'FAIL %s\n  expected: %q\n  actual:   %q\n' "$1" "$2" "$3"
		exit 1
	fi
	printf 'ok   %s\n' "$1"
}

# expect_fail WHAT PATTERN CMD...: CMD must exit non-zero and print PATTERN (grep -E).
expect_fail() {
	local what=$1 pattern=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [ $rc -eq 0 ]; then
		printf 'FAIL %s: succeeded, printed %q\n' "$what" "$out"
		exit 1
	fi
	if ! grep -qE -- "$pattern" <<<"$out"; then
		printf 'FAIL %s: exit %d but output %q lacks /%s/\n' "$what" $rc "$out" "$pattern"
		exit 1
	fi
	printf 'ok   %s (exit %d)\n' "$what" $rc
}

# lua CHUNK: run a chunk in the kernel through the REPL, print its result.
lua() {
	printf '%s\n' "$1" | lunatik
}

# A script under /lib/modules/lua, removed at exit: put_script NAME <<'EOF' ...
SCRIPTS=()
put_script() {
	mkdir -p "$(dirname "$LUA_DIR/$1.lua")"
	cat > "$LUA_DIR/$1.lua"
	SCRIPTS+=("$LUA_DIR/$1.lua")
}

cleanup() {
	lunatik unload >/dev/null 2>&1 || true
	dns_cleanup
	[ ${#SCRIPTS[@]} -eq 0 ] || rm -f "${SCRIPTS[@]}"
}
trap cleanup EXIT

# No WARN, BUG or Oops so far (panic_on_warn would have stopped us anyway).
kernel_clean() {
	! dmesg | grep -E 'WARNING:|BUG:|Oops|general protection'
}

# repl_is CHUNK EXPECTED: the REPL's exact output for CHUNK.
repl_is() {
	local out
	out=$(printf '%s' "$1" | lunatik)
	if [ "$out" != "$2" ]; then
		printf 'FAIL: %s\n  expected: %s\n  got:      %s\n' "$1" "$2" "$out"
		exit 1
	fi
	echo "ok: $1 -> $2"
}

# The Lua assertions (testlib.lua), for scripts that require("testlib").
install_testlib() {
	mkdir -p "$LUA_DIR"
	cp testlib.lua "$LUA_DIR/testlib.lua"
	SCRIPTS+=("$LUA_DIR/testlib.lua")
}

# dns_server NS NET4 NET6: a DNS server (dnsmasq answering every name with
# 192.0.2.1) in namespace NS, reached from here over veth at NET4.2 and
# NET6::2 (this side is .1 and ::1); sets S and S6, waits until it answers.
# Removed at exit by cleanup.
DNS_NETNS=()
dns_server() {
	local ns=$1
	S=$2.2 S6=$3::2
	ip netns add "$ns"
	DNS_NETNS+=("$ns")
	ip link add "$ns-h" type veth peer name "$ns-s" netns "$ns"
	ip addr add "$2.1/24" dev "$ns-h"
	ip -6 addr add "$3::1/64" dev "$ns-h" nodad
	ip -n "$ns" addr add "$S/24" dev "$ns-s"
	ip -n "$ns" -6 addr add "$S6/64" dev "$ns-s" nodad
	ip link set "$ns-h" up
	ip -n "$ns" link set "$ns-s" up
	ip -n "$ns" link set lo up
	ip netns exec "$ns" dnsmasq --no-resolv --no-hosts --bind-interfaces \
		--listen-address="$S" --listen-address="$S6" --pid-file="/run/$ns.dns.pid" \
		--address=/#/192.0.2.1
	for _ in $(seq 50); do [ "$(ask "$S" example.org)" = blocked ] || break; sleep 0.1; done
	expect "the DNS server answers" 192.0.2.1 "$(ask "$S" example.org)"
}

# ask SERVER NAME: the A record dig gets, or "blocked" when none comes.
ask() {
	local a
	a=$(dig +short +time=1 +tries=1 @"$1" "$2" A 2>/dev/null) || a=
	echo "${a:-blocked}"
}

dns_cleanup() {
	local ns
	for ns in "${DNS_NETNS[@]}"; do
		[ ! -f "/run/$ns.dns.pid" ] || kill "$(cat "/run/$ns.dns.pid")" 2>/dev/null || true
		rm -f "/run/$ns.dns.pid" 2>/dev/null || true	# dnsmasq may be removing it as it exits
		ip netns del "$ns" 2>/dev/null || true
	done
}

# wait_log PATTERN [N]: dmesg has N (1) lines matching PATTERN, within 10 s.
wait_log() {
	local i n
	for i in $(seq 100); do
		n=$(dmesg | grep -cE -- "$1" || true)
		[ "$n" -lt "${2:-1}" ] || return 0
		sleep 0.1
	done
	printf 'FAIL %s log lines /%s/, want %s\n' "$n" "$1" "${2:-1}"
	exit 1
}

# nlog PATTERN: how many dmesg lines match PATTERN.
nlog() { dmesg | grep -cE -- "$1" || true; }

# ratelimited PATTERN CALLS START: the error lines of CALLS (or more) errors
# since START (date +%s) are at most 10 per 5 s.
ratelimited() {
	local n allowed=$((10 * (($(date +%s) - $3) / 5 + 2)))
	n=$(dmesg | grep -cE -- "$1" || true)
	if [ "$n" -gt "$allowed" ]; then
		echo "FAIL $n lines for $2 errors in $(($(date +%s) - $3)) s: not rate-limited"
		exit 1
	fi
	echo "ok   errors are logged at a bounded rate ($n lines for $2 errors)"
}

# count_tasks PATTERN: how many tasks have a name matching PATTERN (grep -E).
count_tasks() {
	cat /proc/[0-9]*/comm 2>/dev/null | grep -cE -- "$1" || true
}

# wait_for WHAT CMD...: CMD succeeds within WAIT_FOR_S seconds (10 by
# default), polled every 0.1 s; otherwise FAIL with the log's tail.
wait_for() {
	local what=$1 i
	shift
	for i in $(seq $((${WAIT_FOR_S:-10} * 10))); do
		if "$@"; then
			echo "ok   $what (at ${SECONDS} s)"
			return 0
		fi
		sleep 0.1
	done
	echo "FAIL $what"
	dmesg | tail -20
	exit 1
}

# tap_veth: for the tap examples, taph here (02:00:00:00:00:01,
# 10.99.0.1/24) and tapn in namespace tapns (02:00:00:00:00:02,
# 10.99.0.2/24), a veth pair with known addresses, up.
tap_veth() {
	ip netns add tapns
	ip link add taph address 02:00:00:00:00:01 type veth peer name tapn \
		address 02:00:00:00:00:02 netns tapns
	ip addr add 10.99.0.1/24 dev taph
	ip link set taph up
	ip -n tapns addr add 10.99.0.2/24 dev tapn
	ip -n tapns link set tapn up
}

# veth_pair C S N: namespaces C and S joined by a veth pair, vc in C with
# 10.9.N.2/24 and fd00:9N::2/64, vs in S with 10.9.N.1 and fd00:9N::1, up.
veth_pair() {
	local c=$1 s=$2 n=$3
	ip netns add "$c"
	ip netns add "$s"
	ip link add vc netns "$c" type veth peer name vs netns "$s"
	ip -n "$c" addr add "10.9.$n.2/24" dev vc
	ip -n "$s" addr add "10.9.$n.1/24" dev vs
	ip -n "$c" addr add "fd00:9$n::2/64" dev vc nodad
	ip -n "$s" addr add "fd00:9$n::1/64" dev vs nodad
	ip -n "$c" link set vc up
	ip -n "$s" link set vs up
}
