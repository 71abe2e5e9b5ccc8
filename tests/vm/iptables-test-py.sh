#!/bin/bash
# iptables' own test runner, iptables-test.py, from Debian's iptables source
# package of the iptables the guest runs (the host's, which the VM copies):
# test 67 runs our .t files with it. The sources are downloaded once into
# .cache/iptables (never committed), with the deb-src entry that
# tests/setup-host.sh writes.
#   iptables-test-py.sh --download        apt-get source --download-only (setup-host.sh)
#   iptables-test-py.sh --check-download  fail unless the sources are there
#   iptables-test-py.sh DEST              extract iptables-test.py to DEST
# Without the sources DEST is not written, and test 67 fails saying so.
set -euo pipefail
dl=$(cd "$(dirname "$0")/../.." && pwd)/.cache/iptables
ver=$(dpkg-query -W -f '${Version}' iptables)
upstream=${ver#*:}
upstream=${upstream%-*}
orig=$dl/iptables_$upstream.orig.tar.xz

case ${1:?usage: iptables-test-py.sh --download|--check-download|DEST} in
--download)
	[ ! -f "$orig" ] || exit 0
	mkdir -p "$dl"
	echo "==> fetching iptables $ver sources from Debian (apt-get source iptables)" >&2
	# apt verifies the tarball against the signed .dsc
	(cd "$dl" && apt-get source --download-only -qq -o APT::Sandbox::User=root \
		"iptables=$ver" >/dev/null) || {
		echo "iptables-test-py.sh: apt-get source iptables=$ver failed (is there a" \
			"deb-src entry? tests/setup-host.sh writes one)" >&2
		exit 1
	}
	[ -f "$orig" ] || { echo "iptables-test-py.sh: no $orig after apt-get source" >&2; exit 1; } ;;
--check-download)
	[ -f "$orig" ] || { echo "iptables-test-py.sh: no iptables sources in $dl: run make deps" >&2; exit 1; } ;;
*)
	[ -f "$orig" ] || exit 0
	tar -xJOf "$orig" "iptables-$upstream/iptables-test.py" >"$1.tmp"
	mv "$1.tmp" "$1" ;;
esac
