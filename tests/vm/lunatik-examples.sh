#!/bin/bash
# lunatik-examples.sh DEST: Lunatik's own example scripts of the reference's
# era, for the VM tests that run them unmodified. They are read from a git
# mirror of Lunatik (LUNATIK_MIRROR, by default the team's) and never
# committed here. Without the mirror DEST stays empty and those tests fail
# saying so.
set -euo pipefail
dest=${1:?usage: lunatik-examples.sh DEST}
mirror=${LUNATIK_MIRROR:-/work/.mirror/luainkernel+lunatik/repo}
rev=789f7334
mkdir -p "$dest"
git -C "$mirror" rev-parse --verify -q "$rev^{commit}" >/dev/null 2>&1 || exit 0
for f in systrack spyglass keylocker shared tap; do
	git -C "$mirror" show "$rev:examples/$f.lua" >"$dest/$f.lua"
done
# echod as of a little later (e1ec2c72), the version the issue names.
git -C "$mirror" rev-parse --verify -q "e1ec2c72^{commit}" >/dev/null 2>&1 || exit 0
mkdir -p "$dest/echod"
for f in daemon worker; do
	git -C "$mirror" show "e1ec2c72:examples/echod/$f.lua" >"$dest/echod/$f.lua"
done
