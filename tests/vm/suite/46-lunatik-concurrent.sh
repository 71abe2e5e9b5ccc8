#!/bin/bash
# Commands running at the same time each get their own answer.
set -euo pipefail
. ./testlib.bash

lunatik load
dir=$(mktemp -d)
for i in $(seq 1 20); do
	printf 'local s = 0 for k = 1, 20000 do s = s + 1 end return %d * 1000 + s // 20000\n' "$i" | lunatik > "$dir/$i" &
done
wait
for i in $(seq 1 20); do
	expect "answer $i" "$((i * 1000 + 1))" "$(cat "$dir/$i")"
done
put_script slow <<'EOT'
local s = 0
for k = 1, 200000 do s = s + k end
EOT
lunatik run slow & lunatik list > "$dir/list" & wait
expect "run and list at once" "0" "$(grep -cv '^slow$' "$dir/list" || true)"
lunatik stop slow
rm -rf "$dir"
