#!/bin/bash
# Numbers are integers: '/' is floor division, no float syntax or formats.
set -euo pipefail
. ./testlib.bash

expect "division" "$(printf '3\t-4\t3\t-4\t-2\t2')" "$(lua 'return 7 / 2, -7 / 2, 7 // 2, -7 // 2, 7 % -3, -7 % 3')"
expect "power" "$(printf '1024\t0\t1\t-1')" "$(lua 'return 2 ^ 10, 3 ^ -1, 1 ^ -5, (-1) ^ -3')"
expect "math type" "$(printf 'number\t3')" "$(lua 'return type(7 / 2), tostring(7 / 2)')"
expect "wrap-around" "$(printf '%s\t%s' -9223372036854775808 -9223372036854775808)" "$(lua 'return (9223372036854775807 + 1), (-9223372036854775807 - 1) // -1')"
expect "string coercion" "$(printf '15\t16\t5')" "$(lua "return '10' + 5, '0x10' * 1, '10' / 2")"
expect "tonumber" "$(printf 'nil\t16\t42\tnil')" "$(lua "return tonumber('1.5'), tonumber('0x10'), tonumber(' 42 '), tonumber('1e3')")"
expect "for loop with a division limit" "15" "$(lua 'local s = 0 for i = 1, 10 / 2 do s = s + i end return s')"
expect "table keys" "x" "$(lua 'return ({[6 / 2] = "x"})[3]')"
expect "format" "$(printf '%s' '   42|ff|-7|A|17|FF|0x10')" "$(lua "return string.format('%5d|%x|%i|%c|%o|%X|%#x', 42, 255, -7, 65, 15, 255, 16)")"
expect "%q" '9223372036854775807' "$(lua "return string.format('%q', 9223372036854775807)")"
expect "pack n is an integer" "$(printf '8\t-5')" "$(lua "local s = string.pack('n', -5) return #s, (string.unpack('n', s))")"
expect_fail "float literal" "malformed number near '1.5'" lua 'return 1.5'
expect_fail "division by zero" "attempt to (perform 'n//0'|divide by zero)" lua 'local z = 0 return 1 / z'
expect_fail "modulo by zero" "attempt to perform 'n%0'" lua 'local z = 0 return 1 % z'
expect_fail "%f" "invalid conversion '%f' to 'format'" lua "return string.format('%f', 1)"
expect_fail "%g" "invalid conversion '%g' to 'format'" lua "return string.format('%g', 1)"
expect_fail "%a" "invalid conversion '%a' to 'format'" lua "return string.format('%a', 1)"
expect_fail "pack d" "invalid format option 'd'" lua "return string.pack('d', 1)"
expect "binary chunks" "attempt to load a binary chunk (mode is 't')" "$(lua 'return select(2, load(string.dump(function () return 1 end)))')"
expect "gc count in bytes" "true" "$(lua 'local n = collectgarbage("count") return n > 4096 and n < 1048576')"
expect "utf8" "$(printf '3\t%s' 'é€')" "$(lua 'return utf8.len("aé€"), utf8.char(233, 8364)')"
expect "ASCII character classes" "$(printf 'nil\tnil\ttrue')" "$(lua "return ('\\xe9'):find('%a'), ('\\xa0'):find('%s'), string.upper('\\xe9') == '\\xe9'")"
expect "sort" "1,3,5,7,9" "$(lua 'local t = {9, 3, 7, 1, 5} table.sort(t) return table.concat(t, ",")')"
kernel_clean
