#!/bin/bash
# The reference README's usage of dnsblock and dnsdoctor (the xtables
# examples), command for command, in the built tree at /root/lunatik, once
# with `iptables` being iptables-legacy and once iptables-nft: a PATH shim
# picks the backend, the command text stays `iptables`. `sudo` is the guest's
# exec-as-is, and `make` must find the generated plugins up to date (there is
# no compiler here). The README writes dnsdoctor's `setup.sh` and
# `cleanup.sh` bare, run from examples/dnsdoctor: that folder is put on PATH.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash

TREE=/root/lunatik
SHIM=/run/vmt63
XTDIR=/usr/lib/x86_64-linux-gnu/xtables
S=10.9.63.2 # the DNS server dnsblock's queries go to
PATH0=$PATH
t_cleanup() {
	PATH=$PATH0
	for t in iptables-legacy iptables-nft; do
		$t -F OUTPUT 2>/dev/null || true
		$t -t mangle -F PREROUTING 2>/dev/null || true
	done
	cleanup
	[ ! -f /run/vmt63.pid ] || kill "$(cat /run/vmt63.pid)" 2>/dev/null || true
	ip netns del vmt63 2>/dev/null || true
	"$TREE/examples/dnsdoctor/cleanup.sh" >/dev/null 2>&1 || true
	rm -rf "$SHIM"
}
trap t_cleanup EXIT

[ -f "$TREE/Makefile" ] || { echo "FAIL no built tree at $TREE"; exit 1; }
for t in make install pkg-config sudo; do command -v $t >/dev/null; done
echo "ok   make, install, pkg-config and sudo in the guest; no cc: $(command -v cc || echo none)"

# dnsblock's DNS server: dnsmasq in a namespace answering every name.
ip netns add vmt63
ip link add vmt63a type veth peer name vmt63b netns vmt63
ip addr add 10.9.63.1/24 dev vmt63a
ip -n vmt63 addr add $S/24 dev vmt63b
ip link set vmt63a up
ip -n vmt63 link set vmt63b up
ip -n vmt63 link set lo up
ip netns exec vmt63 dnsmasq --no-resolv --no-hosts --bind-interfaces \
	--listen-address=$S --pid-file=/run/vmt63.pid --address=/#/192.0.2.1
# ask NAME: the A answer of dnsblock's server, empty when none comes
ask() { local a; a=$(dig +short +time=1 +tries=1 @$S "$1" A 2>/dev/null) || a=; echo "$a"; }
for _ in $(seq 50); do [ -z "$(ask example.org)" ] || break; sleep 0.1; done
expect "dnsblock's server answers" 192.0.2.1 "$(ask example.org)"

# A of NAME in the answer section of dig's full output on stdin
answer_a() { awk -v n="$1." '$1 == n && $3 == "IN" && $4 == "A" { print $5 }'; }
export -f answer_a

# readme WHAT <<EOF: run the commands as a shell script would (bash -ex, a
# process of its own so that -e holds), output in $out and shown.
readme() {
	local script rc=0
	script=$(cat)
	out=$(bash -exc "$script" 2>&1) || rc=$?
	printf '%s\n' "$out"
	[ $rc -eq 0 ] || { echo "FAIL $1 (exit $rc)"; exit 1; }
}

for b in legacy nft; do
	mkdir -p "$SHIM/$b"
	ln -sfn "/usr/sbin/xtables-$b-multi" "$SHIM/$b/iptables"
	PATH=$SHIM/$b:$PATH0
	v=$(iptables -V)
	case $b in legacy) want='(legacy)' ;; nft) want='(nf_tables)' ;; esac
	[[ $v == *"$want"* ]] || { echo "FAIL iptables is $v, not $b"; exit 1; }
	echo "== $b: iptables is $v"
	export b

	# --- dnsblock, as the README writes it
	readme "$b: the dnsblock sequence" <<-'EOF'
		cd /root/lunatik
		sudo make examples_install              # installs examples
		cd examples/dnsblock
		make                                    # builds the userspace extension for netfilter
		sudo make install   					# installs the extension to Xtables directory
		sudo lunatik run examples/dnsblock/dnsblock false	# runs the Lua kernel script
		sudo iptables -A OUTPUT -m dnsblock -j DROP     	# this initiates the netfilter framework to load our extension
	EOF
	grep -q "Nothing to be done for 'all'" <<<"$out" ||
		{ echo "FAIL $b: make rebuilt the plugin"; exit 1; }
	cmp "$TREE/examples/dnsblock/libxt_dnsblock.so" "$XTDIR/libxt_dnsblock.so"
	expect "$b: the rule is in iptables-$b" "-A OUTPUT -m dnsblock -j DROP" \
		"$(iptables-$b -S OUTPUT | grep dnsblock)"
	rc=0
	res=$(dig +time=1 +tries=1 @$S github.com 2>&1) || rc=$?
	if [ $rc -ne 9 ] || ! grep -q 'timed out' <<<"$res"; then
		printf '%s\n' "$res"
		echo "FAIL $b: github.com got an answer (dig exit $rc)"
		exit 1
	fi
	echo "ok   $b: github.com: no answer (dig exit 9, timed out)"
	expect "$b: gitlab.com gets no answer" "" "$(ask gitlab.com)"
	expect "$b: example.org resolves" 192.0.2.1 "$(ask example.org)"
	iptables -D OUTPUT -m dnsblock -j DROP
	sudo lunatik unload
	expect "$b: github.com resolves once the rule is gone" 192.0.2.1 "$(ask github.com)"

	# --- dnsdoctor, as the README writes it
	readme "$b: the dnsdoctor sequence" <<-'EOF'
		PATH=$PATH:/root/lunatik/examples/dnsdoctor # setup.sh, cleanup.sh
		cd /root/lunatik
		sudo make examples_install              # installs examples
		cd examples/dnsdoctor
		setup.sh                                # sets up the environment

		# test the setup, a response with IP 192.168.10.1 should be returned
		dig lunatik.com
		echo "@@ before: $(dig lunatik.com | answer_a lunatik.com)"

		# run the Lua kernel script
		sudo lunatik run examples/dnsdoctor/dnsdoctor false

		# build and install the userspace extension for netfilter
		make
		sudo make install

		# add rule to the mangle table
		sudo iptables -t mangle -A PREROUTING -p udp --sport 53 -j dnsdoctor

		# test the setup, a response with IP 10.1.2.3 should be returned
		dig lunatik.com
		echo "@@ after: $(dig lunatik.com | answer_a lunatik.com)"
		echo "@@ rule: $(iptables-$b -t mangle -S PREROUTING | grep dnsdoctor)"

		# cleanup
		sudo iptables -t mangle -D PREROUTING -p udp --sport 53 -j dnsdoctor # remove the rule
		sudo lunatik unload
		cleanup.sh
	EOF
	grep -q "Nothing to be done for 'all'" <<<"$out" ||
		{ echo "FAIL $b: make rebuilt the plugin"; exit 1; }
	cmp "$TREE/examples/dnsdoctor/libxt_dnsdoctor.so" "$XTDIR/libxt_dnsdoctor.so"
	expect "$b: dig lunatik.com before the rule" 192.168.10.1 "$(sed -n 's/^@@ before: //p' <<<"$out")"
	expect "$b: dig lunatik.com with the rule" 10.1.2.3 "$(sed -n 's/^@@ after: //p' <<<"$out")"
	expect "$b: the rule was in iptables-$b" "-A PREROUTING -p udp -m udp --sport 53 -j dnsdoctor" \
		"$(sed -n 's/^@@ rule: //p' <<<"$out")"
	expect "$b: cleanup.sh removed the namespaces" "" "$(ip netns list | grep -wE '^ns[12]' || true)"
	expect "$b: no rule left" "" "$(iptables-$b -t mangle -S PREROUTING | grep dnsdoctor || true)"
done

PATH=$PATH0
expect "modules unloaded" "" "$(lsmod | grep -E '^lua(xtable|netfilter) ' || true)"
kernel_clean
