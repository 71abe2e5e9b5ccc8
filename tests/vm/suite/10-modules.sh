#!/bin/bash
# The module tooling and both iptables backends work.
set -euo pipefail
modprobe -a x_tables ip_tables ip6_tables
iptables-legacy -L -n
ip6tables-legacy -L -n
iptables-nft -L -n
nft list ruleset
grep -q '^nf_tables ' <<<"$(lsmod)"
