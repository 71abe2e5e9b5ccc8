#!/bin/bash
# The examples' DNS parsing (examples/dns/dns.lua), on the host's Lua 5.4.
set -euo pipefail
exec make -s -C "$(dirname "$0")/../../examples" check
