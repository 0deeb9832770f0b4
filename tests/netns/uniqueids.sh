#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# uniqueids= (config setup): two road warriors prove the same ID (@rw.example.org) to one
# gateway conn from different addresses, one after the other, as a client does that moved to
# another network (or a second client that uses its ID).
#
#   gwa 198.51.100.2/25 ---+
#   (lo 192.0.2.10/32)     +--- rt (router) 203.0.113.1 ------- gwb 203.0.113.2/24
#   gwc 198.51.100.130/25 -+                                   (lo 192.0.2.20/32)
#   (lo 192.0.2.11/32)
#
# usage: uniqueids.sh OAKLEYD OAKLEY yes|replace|keep|no|never
#   yes, replace  gwc's new ISAKMP SA replaces gwa's: gwb deletes gwa's ISAKMP SA and IPsec SA
#   keep          gwb refuses gwc's new ISAKMP SA; gwa's stays
#   no, never     both stay; then gwa restarts (INITIAL-CONTACT): with no its old IPsec SA is
#                 removed, with never INITIAL-CONTACT is ignored
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2 MODE=$3
case $MODE in yes|replace|keep|no|never) ;; *) fail "unknown mode $MODE" ;; esac
netns_init uniq
for n in gwa gwc rt gwb; do netns_add $n; done
netns_link gwa rt 198.51.100.2/25 198.51.100.1/25
netns_link gwc rt 198.51.100.130/25 198.51.100.129/25
netns_link rt gwb 203.0.113.1/24 203.0.113.2/24
ip -n "$(ns gwa)" route add default via 198.51.100.1
ip -n "$(ns gwc)" route add default via 198.51.100.129
ip -n "$(ns gwb)" route add 198.51.100.0/24 via 203.0.113.1
ip -n "$(ns gwa)" addr add 192.0.2.10/32 dev lo
ip -n "$(ns gwc)" addr add 192.0.2.11/32 dev lo
ip -n "$(ns gwb)" addr add 192.0.2.20/32 dev lo
ip netns exec "$(ns rt)" sysctl -qw net.ipv4.ip_forward=1

PSK="oakley-uniq-$$"
A=$NETNS_TMP/a B=$NETNS_TMP/b C=$NETNS_TMP/c
oak_rw_gw_conf "$B" "$PSK" "    uniqueids=$MODE" "    rightid=@rw.example.org"
oakleyd_start gwb "$B"
B_PID=$OAKLEYD_PID
oak_rw_conf "$A" 198.51.100.2 rw.example.org 192.0.2.10 "$PSK"
oak_rw_conf "$C" 198.51.100.130 rw.example.org 192.0.2.11 "$PSK"

show() { echo "--- oakleyd (gwb)"; grep -v ' -> ' "$B/log"; }
count() { grep -c "$1" "$B/log"; }
at_least() { [ "$(count "$1")" -ge "$2" ]; }
p1_up="ISAKMP SA established (main mode)"
child_up="IPsec SA established with\|negotiated but not installed"
# list-sas on gwb: the remote hosts of its ISAKMP SAs, sorted
hosts() {
    "$OAKLEY" --socket "$B/oakley.vici" list-sas > "$B/list.txt" 2>&1 || fail "list-sas: $(cat "$B/list.txt")"
    sed -n 's/^ *remote-host: *//p' "$B/list.txt" | sort | tr '\n' ' ' | sed 's/ $//'
}

oakleyd_start gwa "$A"
A_PID=$OAKLEYD_PID
wait_for 20 at_least "$child_up" 1 || { show; fail "gwa's tunnel did not come up"; }
oakleyd_start gwc "$C"
wait_for 20 at_least "$p1_up" 2 || { show; fail "gwc's ISAKMP SA did not come up"; }
case $MODE in
yes|replace)
    wait_for 20 at_least "$child_up" 2 || { show; fail "gwc's tunnel did not come up"; }
    wait_for 5 at_least "deleting its ISAKMP SA with 198.51.100.2" 1 ||
        { show; fail "gwa's ISAKMP SA was not replaced"; }
    grep "uniqueids=" "$B/log" | sed 's/^/gwb: /'
    grep -q "deleting its ISAKMP SA with 198.51.100.2\[500\] and 1 IPsec SA (uniqueids=$MODE)" "$B/log" ||
        { show; fail "not gwa's one IPsec SA deleted with its ISAKMP SA"; }
    h=$(hosts)
    [ "$h" = "198.51.100.130" ] || { cat "$B/list.txt"; fail "gwb list-sas: '$h', not only gwc's"; }
    grep -c "remote-ts:" "$B/list.txt" | grep -qx 1 || { cat "$B/list.txt"; fail "gwb: not one child"; }
    wait_for 5 grep -q "peer deleted" "$A/log" ||
        { grep -v ' -> ' "$A/log"; fail "gwa was not told (Delete)"; }
    echo "$MODE: gwc's ISAKMP SA replaced gwa's; gwb lists only $h; gwa got the Delete" ;;
keep)
    wait_for 5 at_least "refusing the new one with 198.51.100.130" 1 ||
        { show; fail "gwc's ISAKMP SA was not refused"; }
    grep "uniqueids=" "$B/log" | sed 's/^/gwb: /'
    sleep 1
    [ "$(count "$child_up")" = 1 ] || { show; fail "gwb: a child came up over the refused SA"; }
    h=$(hosts)
    [ "$h" = "198.51.100.2" ] || { cat "$B/list.txt"; fail "gwb list-sas: '$h', not only gwa's"; }
    echo "keep: gwc's ISAKMP SA refused; gwb lists only $h" ;;
no|never)
    wait_for 20 at_least "$child_up" 2 || { show; fail "gwc's tunnel did not come up"; }
    grep -q "deleting its ISAKMP SA\\|refusing the new one" "$B/log" && { show; fail "uniqueids=$MODE acted"; }
    h=$(hosts)
    [ "$h" = "198.51.100.130 198.51.100.2" ] || { cat "$B/list.txt"; fail "gwb list-sas: '$h', not both"; }
    # gwa restarts: a new ISAKMP SA with INITIAL-CONTACT from the same address
    kill -KILL "$A_PID"
    wait "$A_PID" 2>/dev/null
    oakleyd_start gwa "$A"
    wait_for 20 at_least "$child_up" 3 || { show; fail "gwa's tunnel did not come back"; }
    if [ "$MODE" = no ]; then
        [ "$(count "INITIAL-CONTACT from peer: removing old IPsec SA")" = 1 ] ||
            { show; fail "no: INITIAL-CONTACT did not remove gwa's old IPsec SA (only)"; }
    else
        grep -q "INITIAL-CONTACT from peer: removing" "$B/log" && { show; fail "never: INITIAL-CONTACT acted"; }
        grep -q "INITIAL-CONTACT from peer ignored (uniqueids=never)" "$B/log" ||
            { show; fail "never: INITIAL-CONTACT not seen"; }
    fi
    echo "$MODE: both ISAKMP SAs kept ($h); INITIAL-CONTACT on gwa's restart: $( [ "$MODE" = no ] && echo honoured || echo ignored)" ;;
esac
kill -0 "$B_PID" || fail "gwb's oakleyd died"
echo PASS
