#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Keywords that act on the kernel state of a child (issue 15), between two oakleyd:
#   installpolicy  installpolicy=no on both: SAs only, none of the tunnel's policies; with
#                  auto=route the conn is refused at load.
#   replay         replay_window=0 on gwa (no replay protection), 128 on gwb (above the kernel's
#                  legacy 8-bit field: the ESN replay state carries it); ip xfrm state shows both.
#   inactivity     inactivity=6s on gwa: the child stays while a ping runs through it, and is
#                  closed (Delete sent, SAs gone) about 6 s after the ping stops.
#   ports          config setup ikeport=5500 on gwb: it binds UDP 5500, gwa (rightikeport=5500)
#                  negotiates with it there; --ike-port wins over ikeport=; a conn whose local side
#                  asks for another IKE port than the daemon's is refused with its file:line.
# replay and inactivity need ESP (the VM bed, OAKLEY_EXPECT_ESP=1); elsewhere they SKIP.
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  oakleyd  192.0.2.1   192.0.2.2  oakleyd  198.51.100.138/25
#
# usage: kwacts.sh OAKLEYD installpolicy|replay|inactivity|ports
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
CASE=$2
case $CASE in
installpolicy | ports) ;;
replay | inactivity) esp_expected || skip "$CASE needs ESP in the kernel (run it in tests/vm)" ;;
*) fail "unknown case $CASE" ;;
esac
netns_init kw
topo_site_to_site
PSK="oakley-kw-$$"
A=$NETNS_TMP/a B=$NETNS_TMP/b
conf() { # DIR LEFT RIGHT LSUB RSUB AUTO EXTRA
    oak_site_conf "$1" t "$2" "$3" "$4" "$5" aes128gcm16! "$6" "$PSK" "$7"
}
show() { echo "--- gwa"; grep -v ' -> \|keymat' "$A/log"; echo "--- gwb"; grep -v ' -> \|keymat' "$B/log"; }
up() { grep -q "IPsec SA established with\|negotiated but not installed" "$1/log"; }
start_pair() { # EXTRA_A EXTRA_B
    conf "$B" 192.0.2.2 192.0.2.1 198.51.100.128/25 198.51.100.0/25 add "$2"
    conf "$A" 192.0.2.1 192.0.2.2 198.51.100.0/25 198.51.100.128/25 start "$1"
    oakleyd_start gwb "$B"
    oakleyd_start gwa "$A"
    wait_for 30 up "$A" && wait_for 10 up "$B" || { show; fail "the tunnel did not come up"; }
}
# the tunnel's policies (either direction) in namespace $1
tunnel_policies() { ip -n "$(ns "$1")" xfrm policy | grep -c "^src 198.51.100.*dst 198.51.100."; }

case $CASE in
installpolicy)
    conf "$A" 192.0.2.1 192.0.2.2 198.51.100.0/25 198.51.100.128/25 route "    installpolicy=no"
    out=$(ip netns exec "$(ns gwa)" "$OAKLEYD" --check-config --config "$A/ipsec.conf" --secrets "$A/ipsec.secrets" 2>&1) &&
        fail "auto=route with installpolicy=no loaded: $out"
    echo "$out" | grep -q "ipsec.conf:1: .*auto=route needs the trap policies that installpolicy=no leaves out" ||
        fail "no file:line refusal of auto=route with installpolicy=no: $out"
    echo "auto=route with installpolicy=no refused at load"
    start_pair "    installpolicy=no" "    installpolicy=no"
    show
    for s in gwa gwb; do
        ip -n "$(ns $s)" xfrm policy
        n=$(tunnel_policies $s)
        [ "$n" = 0 ] || fail "$s: $n policies of the tunnel with installpolicy=no"
    done
    if esp_expected; then
        for d in "$A" "$B"; do
            grep -q "t: installpolicy=no: SAs installed, no XFRM policies" "$d/log" ||
                fail "$d: no 'SAs installed, no XFRM policies' line"
        done
        for s in gwa gwb; do
            n=$(ip -n "$(ns $s)" xfrm state | grep -c "^src 192.0.2")
            [ "$n" = 2 ] || fail "$s: $n SAs, want 2 (in and out)"
        done
        echo "figures: installpolicy=no: 2 SAs and 0 tunnel policies on each gateway"
    else
        # Without ESP the SA install fails, and policies are only ever added after the SAs:
        # what is checked here is the load refusal and that nothing was left in the SPD.
        grep -q "not installed: kernel has no ESP support" "$A/log" ||
            fail "expected the clear no-ESP message (OAKLEY_EXPECT_ESP=1 where ESP exists)"
        echo "no ESP here: no policies either way; the SA-only install is checked in tests/vm"
    fi
    ;;
replay)
    start_pair "    replay_window=0" "    replay-window=128"
    show
    sa=$(ip -n "$(ns gwa)" xfrm state); sb=$(ip -n "$(ns gwb)" xfrm state)
    echo "--- gwa xfrm state"; echo "$sa"; echo "--- gwb xfrm state"; echo "$sb"
    [ "$(echo "$sa" | grep -c "replay-window 0 ")" = 2 ] || fail "gwa: want 2 SAs with replay-window 0"
    [ "$(echo "$sa" | grep -c "replay_window")" = 0 ] || fail "gwa: an ESN replay state with replay_window=0"
    [ "$(echo "$sb" | grep -c "replay_window 128")" = 2 ] ||
        fail "gwb: want 2 SAs with an ESN replay state of window 128"
    ip netns exec "$(ns lana)" ping -c 3 -i 0.3 -W 2 198.51.100.138 || fail "ping across the tunnel failed"
    echo "figures: replay: gwa 2 SAs with window 0, gwb 2 SAs with window 128 (ESN replay state), ping ok"
    ;;
inactivity)
    start_pair "    inactivity=6s" ""
    # a ping every 0.5 s for 10 s: the child is used both ways and must stay
    ip netns exec "$(ns lana)" ping -c 20 -i 0.5 -W 1 198.51.100.138 > "$NETNS_TMP/ping.log" 2>&1 ||
        { cat "$NETNS_TMP/ping.log"; show; fail "ping across the tunnel failed"; }
    grep -q "carried no traffic" "$A/log" && { show; fail "closed while a ping ran through it"; }
    t0=$(date +%s.%N)
    closed() { grep -q "t: IPsec SA 0x.* carried no traffic for 6 s (inactivity=): closing it" "$A/log"; }
    wait_for 30 closed || { show; fail "the idle child was not closed"; }
    secs=$(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
    wait_for 10 grep -q "peer deleted IPsec SA" "$B/log" || { show; fail "gwb got no Delete"; }
    show
    n=$(ip -n "$(ns gwa)" xfrm state | grep -c "^src 192.0.2")
    [ "$n" = 0 ] || fail "gwa: $n SAs left after the inactivity close"
    awk -v s="$secs" 'BEGIN{exit !(s >= 4 && s <= 20)}' || fail "closed $secs s after the ping stopped, want about 6"
    echo "figures: inactivity=6s: child kept during a 10 s ping, closed $secs s after it, Delete seen by gwb"
    ;;
ports)
    SETUP_B='config setup
    ikeport=5500'
    start_pair "    rightikeport=5500" "$SETUP_B"
    show
    grep -q "ready: IKE on UDP 5500 and 4500" "$B/log" || fail "gwb did not bind ikeport=5500"
    ip netns exec "$(ns gwb)" ss -Hunl | grep -q ":5500 " || fail "nothing on UDP 5500 in gwb"
    grep -q "ISAKMP SA established with 192.0.2.2\[5500\]" "$A/log" ||
        fail "gwa did not negotiate with gwb's port 5500"
    # the command line wins over config setup
    C=$NETNS_TMP/c
    conf "$C" 198.51.100.10 192.0.2.2 198.51.100.10/32 198.51.100.128/25 add "$SETUP_B"
    oakleyd_start lana "$C" --ike-port 5700
    grep -q "ready: IKE on UDP 5700 and 4500" "$C/log" || fail "--ike-port 5700 did not win: $(cat "$C/log")"
    # a local side with its own IKE port: refused, with the conn's file:line
    conf "$C" 192.0.2.1 192.0.2.2 198.51.100.0/25 198.51.100.128/25 add "    leftikeport=5600"
    out=$(ip netns exec "$(ns gwa)" "$OAKLEYD" --check-config --config "$C/ipsec.conf" --secrets "$C/ipsec.secrets" 2>&1) &&
        fail "leftikeport=5600 loaded though oakleyd serves UDP 500: $out"
    echo "$out" | grep -q "ipsec.conf:1: conn 't': leftikeport=5600 is this host's side, but oakleyd serves every conn on UDP 500" ||
        fail "no file:line refusal of leftikeport=5600: $out"
    conf "$C" 192.0.2.1 192.0.2.2 198.51.100.0/25 198.51.100.128/25 add "    leftikeport=5600
config setup
    ikeport=5600"
    ip netns exec "$(ns gwa)" "$OAKLEYD" --check-config --config "$C/ipsec.conf" --secrets "$C/ipsec.secrets" ||
        fail "leftikeport=5600 with ikeport=5600 refused"
    echo "figures: ports: gwb bound ikeport=5500 and negotiated there, --ike-port 5700 won, leftikeport=5600 refused at UDP 500"
    ;;
esac
echo PASS
