#!/bin/bash
# Fuzz target of luaxt's description and option handling (luaxt/luaxt.c),
# built with ASan and UBSan: a fixed seed, then a time-seeded run, about
# FUZZ_SECONDS in all (10 by default). See fuzz-luaxt.c for the contract.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${FUZZ_SECONDS:-10}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck disable=SC2046
gcc -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Wno-unused-parameter -Wno-unused-function \
	-I"$root/luaxt" -I"$root/xt" $(pkg-config --cflags xtables lua5.4) \
	-o "$T/fuzz-luaxt" "$here/fuzz-luaxt.c" $(pkg-config --libs xtables lua5.4)
# a small quarantine: fresh pages for every freed byte make ASan 4x slower here
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:quarantine_size_mb=4 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
seed=${FUZZ_SEED:-1}
echo "fixed seed $seed"
"$T/fuzz-luaxt" "$here/fuzz-luaxt.lua" "$seed" $((secs / 2))
seed=$(date +%s)
echo "time seed $seed (FUZZ_SEED=$seed reproduces it)"
"$T/fuzz-luaxt" "$here/fuzz-luaxt.lua" "$seed" $((secs - secs / 2))
