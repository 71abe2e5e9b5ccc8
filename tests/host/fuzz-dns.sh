#!/bin/bash
# Fuzz target of the examples' DNS module (examples/dns/dns.lua) under the
# host's lua5.4: a fixed seed, then a time-seeded run, FUZZ_SECONDS in all
# (10 by default). See fuzz-dns.lua for the contract it checks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec lua5.4 "$here/fuzz-dns.lua" "${FUZZ_SEED:-1}" "${FUZZ_SECONDS:-10}"
