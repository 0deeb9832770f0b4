#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The example configs of tests/unit/daemon/configs/ brought up for real. For each one, two gateway
# namespaces get the addresses the file names, the SAME file goes unchanged to both as ipsec.conf
# (with the example sswan.secrets as ipsec.secrets), and two oakleyd must bring the tunnel(s) up.
# Each daemon finds out by itself which side of the conn it is: the one that holds right= swaps the
# sides at load ("right= is this host"), which the test checks in both logs.
#
#   gwa ================================== gwb      one veth; each end has the address the file
#   left= (kept as written)     right= (this host: sides swapped)    names, /32 or /128, and a
#   lo: first address of leftsubnet       lo: first address of rightsubnet    route to the other
#
# usage: examples.sh OAKLEYD OAKLEY CASE
#   site-to-site  sswan-site-to-site.conf  192.0.2.10 == 198.51.100.20, 203.0.113.0/26 and
#                 203.0.113.64/26, Main Mode, auto=start on both; then `oakley reload` on the
#                 swapped side keeps the conn (oriented before it is compared)
#   transport     sswan-transport.conf     203.0.113.5 == 203.0.113.6, transport mode for L2TP,
#                 auto=add on both: `oakley up host-host` on gwa
#   subnets       lsw-subnets.conf         192.0.2.1 == 198.51.100.1, two subnets on each side:
#                 one Quick Mode per pair, four
#   ipv6          sswan-ipv6.conf          2001:db8:1::1 == 2001:db8:2::1, auto=route: trap
#                 policies on both, a packet from 2001:db8:100::1 to 2001:db8:200::1 starts it
#   aggressive    lsw-aggressive.conf      branch (left=%defaultroute, here 192.0.2.10) to hq
#                 (right=203.0.113.80), Aggressive Mode with @IDs; on hq the sides are swapped
#                 and its own auto=start cannot initiate (its peer is %defaultroute): logged
#   roadwarrior   sswan-roadwarrior.conf   the client (rw-client: left=%any,
#                 right=vpn.example.com, which /etc/netns/NS/hosts resolves to the gateway) to
#                 the gateway (rw-gateway): oakleyd resolves the name on a worker thread, then
#                 initiates; the gateway matches the client by right=%any and its @ID.
# Not brought up: lsw-l2tp-roadwarrior.conf is a server-only file (right=%any on the one conn:
# nothing in it can initiate; its clients are L2TP/IPsec clients with their own settings).
#
# Checks per case: both daemons start with the file; the orientation line on the right= side only;
# every expected IPsec SA negotiated on both sides with the same keys (the KEYMAT digests each side
# logs at debug level, never the keys). Where the kernel has ESP (OAKLEY_EXPECT_ESP=1, the VM bed)
# the SAs must be installed and traffic between the protected addresses must cross as ESP (the
# SA byte counters grow); elsewhere the install must fail with the clear "no ESP" message.
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2
CASE=$3
CONFIGS=$(cd "$(dirname "$0")/../unit/daemon/configs" && pwd)
netns_init ex
HOSTS_DIRS=()
[ -d /etc/netns ] && ETC_NETNS_WAS=1 || ETC_NETNS_WAS=0
# /etc/netns/NS/hosts files made here go with their namespaces (and /etc/netns, if made here).
cleanup_hosts() {
    local d
    for d in "${HOSTS_DIRS[@]}"; do
        rm -f "$d/hosts"
        rmdir "$d" 2>/dev/null
    done
    [ $ETC_NETNS_WAS = 1 ] || rmdir /etc/netns 2>/dev/null
    netns_cleanup
}
trap cleanup_hosts EXIT

# gateways A B: namespaces gwa (address A) and gwb (address B) on one veth, each routing
# everything (default route) over it, as across the internet.
gateways() {
    local pfx=32 v=-4
    case $1 in *:*) pfx=128 v=-6 ;; esac
    netns_add gwa
    netns_add gwb
    netns_link gwa gwb "$1/$pfx" "$2/$pfx"
    ip -n "$(ns gwa)" $v route add default dev v-gwb || fail "route on gwa"
    ip -n "$(ns gwb)" $v route add default dev v-gwa || fail "route on gwb"
}
# inside NAME ADDR: a protected address on the gateway itself (lo), to send traffic from.
inside() {
    local pfx=32
    case $2 in *:*) pfx=128 ;; esac
    ip -n "$(ns "$1")" addr add "$2/$pfx" dev lo || fail "address $2 on $1"
}
# install FILE: the same example file on both gateways, and the example secrets.
install() {
    local s
    for s in a b; do
        mkdir -p "$NETNS_TMP/$s"
        cp "$CONFIGS/$1" "$NETNS_TMP/$s/ipsec.conf"
        cp "$CONFIGS/sswan.secrets" "$NETNS_TMP/$s/ipsec.secrets"
        chmod 600 "$NETNS_TMP/$s/ipsec.secrets"
    done
    cmp -s "$NETNS_TMP/a/ipsec.conf" "$NETNS_TMP/b/ipsec.conf" || fail "the two files differ"
}
start_both() {
    oakleyd_start gwb "$NETNS_TMP/b"
    oakleyd_start gwa "$NETNS_TMP/a"
}
show() {
    echo "--- gwa (left=)"
    grep -v ' -> ' "$NETNS_TMP/a/log"
    echo "--- gwb (right=)"
    grep -v ' -> ' "$NETNS_TMP/b/log"
}
# oriented CONN: gwb swapped the conn's sides, gwa kept them.
oriented() {
    local line="conn $1: right= is this host: using it as the local side"
    grep -qF "$line" "$NETNS_TMP/b/log" || { show; fail "gwb did not take right= as itself"; }
    grep -qF "$line" "$NETNS_TMP/a/log" && fail "gwa swapped the sides of $1"
    echo "orientation: gwb swapped $1, gwa kept it"
}
# children S CONN: how many IPsec SAs of CONN side S negotiated (installed or not).
children() {
    grep -c "$2: IPsec SA established with\|$2: IPsec SA with .* negotiated but not installed" \
        "$NETNS_TMP/$1/log"
}
at_least() { [ "$(children "$1" "$2")" -ge "$3" ]; }
# up CONN N: N IPsec SAs of CONN negotiated on each side (both may initiate: more are fine).
up() {
    wait_for 30 at_least a "$1" "$2" && wait_for 10 at_least b "$1" "$2" ||
        { show; fail "$1: fewer than $2 IPsec SAs on a side"; }
    echo "$1: IPsec SAs negotiated: gwa $(children a "$1"), gwb $(children b "$1")"
}
# Every KEYMAT gwa derived, gwb derived too (its inbound is gwb's outbound and the other way).
digests() { # S: "IN OUT" per Quick Mode, gwb's turned around, sorted
    if [ "$1" = a ]; then
        sed -n 's/.*keymat digest in \([0-9a-f]*\) out \([0-9a-f]*\).*/\1 \2/p' "$NETNS_TMP/a/log"
    else
        sed -n 's/.*keymat digest in \([0-9a-f]*\) out \([0-9a-f]*\).*/\2 \1/p' "$NETNS_TMP/b/log"
    fi | sort
}
keys_agree() { [ -n "$(digests a)" ] && [ "$(digests a)" = "$(digests b)" ]; }
same_keys() {
    wait_for 5 keys_agree || fail "KEYMAT differs: gwa $(digests a | tr '\n' ' '), gwb $(digests b | tr '\n' ' ')"
    echo "KEYMAT digests agree: $(digests a | wc -l) Quick Mode(s)"
}
no_esp() {
    local s
    for s in a b; do
        grep -q "not installed: kernel has no ESP support" "$NETNS_TMP/$s/log" ||
            { show; fail "gw$s: expected the clear no-ESP message (OAKLEY_EXPECT_ESP=1 where ESP exists)"; }
    done
    echo "negotiation and keys checked; this kernel has no ESP, the data path is checked in tests/vm"
}
# esp_bytes NAME: the largest byte counter of NAME's SAs.
esp_bytes() {
    local b
    b=$(ip -n "$(ns "$1")" -s xfrm state | awk '/lifetime current:/{getline; print $1}' | sort -n | tail -1)
    echo "${b%%(*}"
}
# crossed: on gwa and gwb the SAs counted bytes.
crossed() {
    local s b
    for s in gwa gwb; do
        b=$(esp_bytes $s)
        [ "${b:-0}" -gt 0 ] 2>/dev/null || fail "$s: ESP counters did not grow"
        ip -n "$(ns $s)" xfrm state | grep -q "proto esp" || fail "$s: no ESP state"
    done
    echo "figures: examples $CASE: traffic crossed as ESP (largest SA counter gwa $(esp_bytes gwa), gwb $(esp_bytes gwb) bytes)"
}
ping_from() { # NS SRC DST
    # auto=start on both gateways: each makes an ISAKMP SA and the second pair of IPsec SAs
    # replaces the first within a second or so; a ping during that switch may be lost, so
    # four pings over two seconds, of which one must come back
    ip netns exec "$(ns "$1")" ping -c 4 -i 0.5 -W 2 -I "$2" "$3" > /dev/null ||
        { show; fail "ping $2 -> $3 from $1 did not cross"; }
}

case $CASE in
site-to-site)
    gateways 192.0.2.10 198.51.100.20
    inside gwa 203.0.113.1
    inside gwb 203.0.113.65
    install sswan-site-to-site.conf
    start_both
    oriented west-east
    up west-east 1
    same_keys
    if esp_expected; then
        ping_from gwa 203.0.113.1 203.0.113.65
        crossed
    else
        no_esp
    fi
    # A reload of the unchanged file on the swapped side: oriented again before the comparison,
    # so the conn is unchanged and keeps its tunnel.
    ip netns exec "$(ns gwb)" "$OAKLEY" --socket "$NETNS_TMP/b/oakley.vici" reload > /dev/null ||
        fail "oakley reload failed"
    wait_for 10 grep -q "reload: 1 connections" "$NETNS_TMP/b/log" || fail "no reload summary"
    grep -q "reload: 1 connections: 1 unchanged, 0 changed in place, 0 changed (SAs kept until replaced), 0 with a new auto=, 0 removed (torn down), 0 started" \
        "$NETNS_TMP/b/log" || { grep "reload" "$NETNS_TMP/b/log"; fail "the reload changed west-east"; }
    [ "$(grep -c "conn west-east: right= is this host" "$NETNS_TMP/b/log")" = 2 ] ||
        fail "the reload did not orient the new config"
    if esp_expected; then
        ping_from gwa 203.0.113.1 203.0.113.65
        echo "reload on gwb: west-east oriented again and kept, the tunnel still carries traffic"
    else
        echo "reload on gwb: west-east oriented again and kept"
    fi
    ;;
transport)
    gateways 203.0.113.5 203.0.113.6
    install sswan-transport.conf
    start_both
    oriented host-host
    ip netns exec "$(ns gwa)" timeout 30 "$OAKLEY" --socket "$NETNS_TMP/a/oakley.vici" up host-host \
        > "$NETNS_TMP/up.log" 2>&1
    up host-host 1
    same_keys
    grep -q '"host-host" #[0-9]*: IPsec SA negotiated with .* transport' "$NETNS_TMP/a/log" ||
        fail "not transport mode"
    # leftprotoport=17/1701, rightprotoport=17/%any: the selectors carry them (L2TP only)
    grep '"host-host" #[0-9]*: IPsec SA negotiated' "$NETNS_TMP/a/log" | grep -q '203.0.113.5/32\[17/1701\] === 203.0.113.6/32\[17/0\]' ||
        { show; fail "the selectors are not UDP 1701 <-> UDP any"; }
    if esp_expected; then
        # L2TP's way: from any port on gwb (rightprotoport=17/%any) to UDP 1701 on gwa.
        for _ in 1 2 3; do
            ip netns exec "$(ns gwb)" bash -c 'echo l2tp > /dev/udp/203.0.113.5/1701' ||
                fail "cannot send UDP to 1701"
        done
        crossed
    else
        no_esp
    fi
    ;;
subnets)
    gateways 192.0.2.1 198.51.100.1
    inside gwa 203.0.113.1
    inside gwa 203.0.113.33
    inside gwb 203.0.113.65
    inside gwb 203.0.113.97
    install lsw-subnets.conf
    start_both
    oriented branch-hq
    up branch-hq 4
    same_keys
    [ "$(digests a | wc -l)" -ge 4 ] || fail "fewer than four Quick Modes"
    # one Quick Mode per pair of subnets, as the engine logs them (installed or not)
    pairs=$(sed -n 's/.*"branch-hq" #[0-9]*: IPsec SA negotiated with .* tunnel, \([^,]* === [^,]*\),.*/\1/p' \
        "$NETNS_TMP/a/log" | sort -u)
    echo "subnet pairs negotiated by gwa:"; echo "$pairs" | sed 's/^/  /'
    [ "$(echo "$pairs" | grep -c ===)" = 4 ] || fail "gwa: not four distinct subnet pairs"
    if esp_expected; then
        for src in 203.0.113.1 203.0.113.33; do
            for dst in 203.0.113.65 203.0.113.97; do
                ping_from gwa $src $dst
            done
        done
        crossed
    else
        no_esp
    fi
    ;;
ipv6)
    gateways 2001:db8:1::1 2001:db8:2::1
    inside gwa 2001:db8:100::1
    inside gwb 2001:db8:200::1
    install sswan-ipv6.conf
    start_both
    oriented v6-net
    for s in a b; do
        wait_for 5 grep -q "v6-net: routed" "$NETNS_TMP/$s/log" || { show; fail "gw$s: no trap policies"; }
    done
    grep -q "initiating Main Mode" "$NETNS_TMP/a/log" && fail "negotiated before any traffic"
    # mark=42: the trap policies carry it, and only traffic with that mark (set here by an
    # nftables rule on each gateway, as an operator would) takes the tunnel; the ESP that
    # arrives is marked too, so that its inbound SA, and the decrypted packets' inbound
    # policy, match
    for s in gwa gwb; do
        ip -n "$(ns $s)" -6 xfrm policy | grep -q "mark 0x2a/0xffffffff" ||
            { show; fail "$s: trap policies without mark 42"; }
        ip netns exec "$(ns $s)" nft -f - <<'NFT' || fail "nft on $s"
table ip6 oakmark {
    chain out {
        type route hook output priority 0;
        ip6 saddr 2001:db8:100::/48 ip6 daddr 2001:db8:200::/48 meta mark set 42
        ip6 saddr 2001:db8:200::/48 ip6 daddr 2001:db8:100::/48 meta mark set 42
    }
    chain in {
        type filter hook prerouting priority -150;
        meta l4proto esp meta mark set 42
    }
}
NFT
    done
    # the first packet makes the kernel send an ACQUIRE (it is not answered: no SA yet)
    ip netns exec "$(ns gwa)" ping -6 -c 1 -W 1 -I 2001:db8:100::1 2001:db8:200::1 > /dev/null 2>&1
    grep -q "v6-net: traffic from 2001:db8:100::1 to 2001:db8:200::1 needs the tunnel" \
        "$NETNS_TMP/a/log" || { show; fail "no ACQUIRE-started negotiation"; }
    up v6-net 1
    same_keys
    if esp_expected; then
        ping_from gwa 2001:db8:100::1 2001:db8:200::1
        crossed
    else
        no_esp
    fi
    ;;
aggressive)
    gateways 192.0.2.10 203.0.113.80
    inside gwa 198.51.100.1
    inside gwb 198.51.100.129
    install lsw-aggressive.conf
    start_both
    oriented branch
    grep -q "branch: cannot initiate: right= is not an IP address" "$NETNS_TMP/b/log" ||
        { show; fail "hq: expected its auto=start to be refused (its peer is %defaultroute)"; }
    up branch 1
    for s in a b; do
        grep -q "branch: ISAKMP SA established with .*(Aggressive)" "$NETNS_TMP/$s/log" ||
            { show; fail "gw$s: not Aggressive Mode"; }
    done
    same_keys
    if esp_expected; then
        # ipsec-interface=2: SAs and policies carry XFRM if_id 2, so only traffic routed
        # through an XFRM interface with that if_id (Libreswan's ipsec2) takes the tunnel
        for s in a b; do
            ip -n "$(ns gw$s)" link add ipsec2 type xfrm dev "v-gw$([ $s = a ] && echo b || echo a)" if_id 2 &&
                ip -n "$(ns gw$s)" link set ipsec2 up || fail "gw$s: no XFRM interface"
        done
        ip -n "$(ns gwa)" route add 198.51.100.129/32 dev ipsec2 src 198.51.100.1 || fail "route on gwa"
        ip -n "$(ns gwb)" route add 198.51.100.1/32 dev ipsec2 src 198.51.100.129 || fail "route on gwb"
        ping_from gwa 198.51.100.1 198.51.100.129
        crossed
        ip -n "$(ns gwa)" xfrm state | grep -q "if_id 0x2" || fail "gwa: SAs without if_id 2"
    else
        no_esp
    fi
    ;;
roadwarrior)
    gateways 192.0.2.100 198.51.100.5
    HOSTS_DIRS+=("/etc/netns/$(ns gwa)")
    mkdir -p "/etc/netns/$(ns gwa)"
    printf '127.0.0.1 localhost\n198.51.100.5 vpn.example.com\n' > "/etc/netns/$(ns gwa)/hosts"
    got=$(ip netns exec "$(ns gwa)" getent ahostsv4 vpn.example.com)
    case $got in 198.51.100.5*) got=${got%%[[:space:]]*} ;; *) fail "vpn.example.com does not resolve in gwa: '$got'" ;; esac
    echo "in the client's namespace vpn.example.com is $got"
    install sswan-roadwarrior.conf
    start_both
    wait_for 30 at_least a rw-client 1 && wait_for 10 at_least b rw-gateway 1 ||
        { show; fail "road warrior: no IPsec SA on the client (rw-client) or the gateway (rw-gateway)"; }
    same_keys
    if esp_expected; then
        ping_from gwa 192.0.2.100 198.51.100.5
        crossed
    else
        no_esp
    fi
    ;;
*)
    fail "unknown case '$CASE'"
    ;;
esac
echo "figures: examples $CASE: up on both gateways from one unchanged file"
echo PASS
