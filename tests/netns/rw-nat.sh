#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two road warriors behind one NAT, one conn on the gateway: the gateway sees both at the same
# public address (203.0.113.1, different ports) with the same conn. Each must keep its own IPsec
# SAs: the second ISAKMP SA does not take over the first one's children (it would, were "same
# conn, same address" taken to mean "same peer": then a DPD failure or a delete of one road
# warrior's ISAKMP SA would act on the other's tunnels).
#
#   gwa 198.51.100.2/25 ---+
#   (lo 192.0.2.10/32)     +--- nat (masquerade) 203.0.113.1 ------- gwb 203.0.113.2/24
#   gwc 198.51.100.130/25 -+                                        (lo 192.0.2.20/32)
#   (lo 192.0.2.11/32)
#
# Then gwa's oakleyd is restarted (same ID, new NAT port, INITIAL-CONTACT): gwb replaces gwa's
# SAs and gwc's stay untouched. Where the kernel has ESP (OAKLEY_EXPECT_ESP=1) both road warriors
# ping 192.0.2.20 through their own tunnels; elsewhere the installs fail with the "no ESP" error.
# usage: rw-nat.sh OAKLEYD OAKLEY
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2
netns_init rwnat
command -v nft >/dev/null || skip "nftables (nft) is not installed"
for n in gwa gwc nat gwb; do netns_add $n; done
netns_link gwa nat 198.51.100.2/25 198.51.100.1/25
netns_link gwc nat 198.51.100.130/25 198.51.100.129/25
netns_link nat gwb 203.0.113.1/24 203.0.113.2/24
ip -n "$(ns gwa)" route add default via 198.51.100.1
ip -n "$(ns gwc)" route add default via 198.51.100.129
ip -n "$(ns gwa)" addr add 192.0.2.10/32 dev lo
ip -n "$(ns gwc)" addr add 192.0.2.11/32 dev lo
ip -n "$(ns gwb)" addr add 192.0.2.20/32 dev lo
ip -n "$(ns gwb)" route add 192.0.2.0/28 via 203.0.113.1
ip netns exec "$(ns nat)" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$(ns nat)" nft -f - <<'NFT' || skip "this kernel has no nftables NAT"
table ip oakrwnat {
    chain masq {
        type nat hook postrouting priority 100; policy accept;
        oifname "v-gwb" meta l4proto udp masquerade to :40000-49999
        oifname "v-gwb" masquerade
    }
}
NFT

PSK="oakley-rwnat-$$"
A=$NETNS_TMP/a B=$NETNS_TMP/b C=$NETNS_TMP/c
oak_rw_gw_conf "$B" "$PSK"
oakleyd_start gwb "$B"
B_PID=$OAKLEYD_PID
oak_rw_conf "$A" 198.51.100.2 a.example.org 192.0.2.10 "$PSK" "    keep_alive=5"
oak_rw_conf "$C" 198.51.100.130 c.example.org 192.0.2.11 "$PSK" "    keep_alive=5"

# ping_both WHEN: where ESP exists, each road warrior pings 192.0.2.20 through its own tunnel
ping_both() {
    esp_expected || return 0
    for n in gwa:192.0.2.10 gwc:192.0.2.11; do
        ip netns exec "$(ns "${n%%:*}")" ping -c 2 -i 0.3 -W 2 -I "${n#*:}" 192.0.2.20 ||
            fail "${n%%:*}: ping through its tunnel failed ($1)"
    done
    echo "both road warriors ping through their own tunnels ($1)"
}
child_up() { grep -c "IPsec SA established with\|negotiated but not installed" "$1"; }
children_at_least() { [ "$(child_up "$B/log")" -ge "$1" ]; }
oakleyd_start gwa "$A"
A_PID=$OAKLEYD_PID
wait_for 20 children_at_least 1 || fail "gwa's tunnel did not come up: $(grep -v ' -> ' "$B/log" | tail)"
oakleyd_start gwc "$C"
wait_for 20 children_at_least 2 || fail "gwc's tunnel did not come up: $(grep -v ' -> ' "$B/log" | tail)"
grep "ISAKMP SA established (main mode)" "$B/log" | sed 's/^/gwb: /'
[ "$(grep -c "ISAKMP SA established (main mode)" "$B/log")" = 2 ] || fail "gwb: not two ISAKMP SAs"
grep -q "takes over" "$B/log" &&
    fail "gwb: one road warrior's ISAKMP SA took over the other's IPsec SAs: $(grep "takes over" "$B/log")"
grep -q "INITIAL-CONTACT from peer: removing" "$B/log" &&
    fail "gwb: gwc's INITIAL-CONTACT removed gwa's IPsec SAs: $(grep "removing" "$B/log")"
# list-sas: each ISAKMP SA (one per ID) with its own child
check_list() { # what: both road warriors, each with its child under its own ISAKMP SA
    "$OAKLEY" --socket "$B/oakley.vici" list-sas > "$B/list.txt" 2>&1 || fail "list-sas: $(cat "$B/list.txt")"
    for rw in a:192.0.2.10 c:192.0.2.11; do
        awk -v id="${rw%%:*}.example.org" -v ts="[${rw#*:}/32]" '
            /remote-id:/ { cur = $2 }
            /remote-ts:/ && $2 == ts { n++; if (cur == id) ok++ }
            END { exit !(n == 1 && ok == 1) }' "$B/list.txt" ||
            { cat "$B/list.txt"; fail "gwb: ${rw#*:}'s child is not (only) under ${rw%%:*}.example.org's ISAKMP SA ($1)"; }
    done
    echo "gwb list-sas ($1): each road warrior's child under its own ISAKMP SA"
}
check_list "both up"
ping_both "both up"
if ! esp_expected; then
    grep -q "kernel has no ESP" "$B/log" || fail "gwb: neither installed nor the no-ESP error"
fi

# gwa restarts (INITIAL-CONTACT, a new NAT port): gwb replaces gwa's SAs, gwc's stay.
kill -KILL "$A_PID"
wait "$A_PID" 2>/dev/null
oakleyd_start gwa "$A"
wait_for 20 children_at_least 3 || fail "gwa's tunnel did not come back: $(grep -v ' -> ' "$B/log" | tail)"
grep -q "takes over" "$B/log" &&
    fail "gwb: took over IPsec SAs of another road warrior after gwa's restart: $(grep "takes over" "$B/log")"
n_rm=$(grep -c "INITIAL-CONTACT from peer: removing old IPsec SA" "$B/log")
[ "$n_rm" = 1 ] || fail "gwb: gwa's restart removed $n_rm old IPsec SAs, not 1 (its own): $(grep removing "$B/log")"
check_list "after gwa's restart"
ping_both "after gwa's restart"
kill -0 "$B_PID" || fail "gwb's oakleyd died"
echo PASS
