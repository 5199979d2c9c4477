#!/bin/bash
# test_topology.sh - the netns layer itself: namespaces, veth, TUN and nftables
# work here, and every namespace the test makes is gone afterwards.
#
#  [ns cl]  veth-c 10.9.0.2/24 ------------ veth-g 10.9.0.1/24  [ns gw]
#                                                       lo 10.9.1.1/32
. "$(dirname "$0")/lib.sh"
need_root
need_cmd nft

ns_add cl
ns_add gw
link cl veth-c 10.9.0.2/24 gw veth-g 10.9.0.1/24
nsx gw ip addr add 10.9.1.1/32 dev lo
nsx cl ip route add 10.9.1.0/24 via 10.9.0.1
wait_for 5 nsx cl ping -c1 -W1 10.9.1.1 || die "veth path does not pass traffic"

# a TUN device can be made in a namespace (the data plane needs one)
nsx cl ip tuntap add dev tuntest mode tun
nsx cl ip link show tuntest >/dev/null || die "no TUN device"

# nftables drop makes the faults of the reconnect tests
nsx gw nft add table inet fault
nsx gw nft add chain inet fault in '{ type filter hook input priority 0; }'
nsx gw nft add rule inet fault in ip saddr 10.9.0.2 drop
nsx cl ping -c1 -W1 10.9.1.1 >/dev/null && die "nftables drop did not drop"
nsx gw nft flush ruleset
wait_for 5 nsx cl ping -c1 -W1 10.9.1.1 || die "traffic did not come back"
log "ok: netns, veth, TUN and nftables work"
