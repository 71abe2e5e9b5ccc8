# Helpers for the nft-lua VM tests (sourced, not run): everything happens
# in a network namespace of its own, whose nftables ruleset starts empty and
# goes with it.

NFT_LUA=$(command -v nft-lua) || { echo "FAIL nft-lua is not installed"; exit 1; }
NS=nftlua

X() { ip netns exec $NS "$@"; }
N() { ip netns exec $NS "$NFT_LUA" "$@"; }

nft_setup() {
	ip netns add $NS
	X ip link set lo up
}

nft_cleanup() {
	ip netns del $NS 2>/dev/null || true
	cleanup
}
trap nft_cleanup EXIT

# the handle of the rule whose listing matches PATTERN
handle_of() {
	N list | grep -E -- "$1" | sed -n 's/.*# handle \([0-9]*\)$/\1/p' | head -1
}

# udp_send ADDR PORT COUNT: COUNT datagrams of 3 bytes ("hi\n")
udp_send() {
	X bash -c "for i in \$(seq $3); do echo hi >/dev/udp/$1/$2; done" 2>/dev/null || true
}
