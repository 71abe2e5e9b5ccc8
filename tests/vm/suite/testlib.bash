# Helpers for the VM tests (sourced, not run). Each test starts from a
# system with the project installed and nothing loaded, and leaves it so.

LUA_DIR=/lib/modules/lua

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
