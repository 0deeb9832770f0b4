#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# NAT traversal (RFC 3947/3948): the initiator sits behind a masquerading router (nftables, source
# ports remapped to 40000-49999) and reaches a responder on the public side.
#
#   gwa (initiator)            nat (masquerade)               gwb (responder)
#   198.51.100.2/24 --------- 198.51.100.1 | 203.0.113.1 --------- 203.0.113.2/24
#   lo 192.0.2.10/32                                           lo 192.0.2.20/32
#
# usage: natt-nat.sh OAKLEYD PEER   PEER = oakley (oakleyd on both), ss-responder (strongSwan on
#        gwb), ss-initiator (strongSwan on gwa, oakley the responder), remap (oakleyd on both, then
#        the router forgets its mappings and gives gwa new ports: gwa's next DPD probe moves gwb's
#        SAs to the new port, RFC 3947 §4, and traffic flows again without a new negotiation),
#        both (oakleyd on both, each behind its own NAT; gwb's router forwards 500 and 4500:
#
#   gwa ---------- nat (masquerade) ------------ nat2 (port forward) ---------- gwb
#   198.51.100.2   198.51.100.1 | 203.0.113.1 -- 203.0.113.2 | 192.0.2.129     192.0.2.130/25)
#
# Checks: both sides detect the NAT (the one behind it and the one in front of it), IKE moves to
# UDP 4500 (the router's counter of datagrams to 4500 grows), NAT keepalives (one-byte datagrams
# to 4500) leave gwa when oakley is there, the children are ESP in UDP. Where the kernel has ESP
# (OAKLEY_EXPECT_ESP=1) the SAs in the kernel carry encap espinudp and a ping from 192.0.2.10 to
# 192.0.2.20 crosses the tunnel; elsewhere the install fails with the clear "no ESP" message.
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
PEER=$2
netns_init natt
command -v nft >/dev/null || skip "nftables (nft) is not installed"

# gwb's address: public, or (both) private behind nat2
GWB=203.0.113.2 PUBIF=v-gwb
if [ "$PEER" = both ]; then
    GWB=192.0.2.130 PUBIF=v-nat2
    for n in gwa nat nat2 gwb; do netns_add $n; done
    netns_link gwa nat 198.51.100.2/24 198.51.100.1/24
    netns_link nat nat2 203.0.113.1/24 203.0.113.2/24
    netns_link nat2 gwb 192.0.2.129/25 192.0.2.130/25
    ip -n "$(ns gwb)" route add default via 192.0.2.129
    ip netns exec "$(ns nat2)" sysctl -qw net.ipv4.ip_forward=1
    ip netns exec "$(ns nat2)" nft -f - <<'NFT' || skip "this kernel has no nftables NAT"
table ip oaknat2 {
    chain pre {
        type nat hook prerouting priority -100; policy accept;
        iifname "v-nat" udp dport { 500, 4500 } dnat to 192.0.2.130
    }
    chain post {
        type nat hook postrouting priority 100; policy accept;
        oifname "v-nat" masquerade
    }
}
NFT
else
    for n in gwa nat gwb; do netns_add $n; done
    netns_link gwa nat 198.51.100.2/24 198.51.100.1/24
    netns_link nat gwb 203.0.113.1/24 203.0.113.2/24
    ip -n "$(ns gwb)" route add 192.0.2.10/32 via 203.0.113.1
fi
nat_router "$PUBIF"
counter() { nat_counter "$@"; }

PSK="oakley-natt-$$"
KEEPALIVE=2 A_EXTRA=""
if [ "$PEER" = remap ]; then
    # quiet between DPD probes (every 8 s while idle) so the router's UDP mappings expire (3 s)
    KEEPALIVE=60 A_EXTRA="    dpddelay=8
    dpdtimeout=30
    dpdaction=clear"
    ip netns exec "$(ns nat)" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3 \
        net.netfilter.nf_conntrack_udp_timeout_stream=3 || skip "no per-namespace conntrack timeouts"
fi
oak_conf() { # DIR ROLE
    local dir=$1
    mkdir -p "$dir"
    if [ "$2" = initiator ]; then
        cat > "$dir/ipsec.conf" <<CONF
config setup
    keep_alive=$KEEPALIVE
conn natt
    keyexchange=ikev1
    authby=secret
    left=198.51.100.2
    leftid=@a.example.org
    leftsubnet=192.0.2.10/32
    right=203.0.113.2
    rightid=@b.example.org
    rightsubnet=192.0.2.20/32
    ike=aes128-sha256-modp2048!
    esp=aes128gcm16!
    keyingtries=1
    auto=start
$A_EXTRA
CONF
    else
        cat > "$dir/ipsec.conf" <<CONF
conn natt
    keyexchange=ikev1
    authby=secret
    left=$GWB
    leftid=@b.example.org
    leftsubnet=192.0.2.20/32
    right=%any
    rightid=@a.example.org
    rightsubnet=192.0.2.10/32
    ike=aes128-sha256-modp2048!
    esp=aes128gcm16!
    auto=add
CONF
    fi
    printf '@a.example.org @b.example.org : PSK "%s"\n' "$PSK" > "$dir/ipsec.secrets"
    chmod 600 "$dir/ipsec.secrets"
}
ss_conf() { # DIR ROLE
    local dir=$1 me peer lid rid lts rts
    mkdir -p "$dir/swanctl"
    if [ "$2" = initiator ]; then
        me=198.51.100.2 peer=203.0.113.2 lid=a.example.org rid=b.example.org
        lts=192.0.2.10/32 rts=192.0.2.20/32
    else
        me=203.0.113.2 peer=%any lid=b.example.org rid=a.example.org
        lts=192.0.2.20/32 rts=192.0.2.10/32
    fi
    cat > "$dir/swanctl/swanctl.conf" <<CONF
connections { natt { version = 1
  local_addrs = $me
  remote_addrs = $peer
  proposals = aes128-sha256-modp2048
  rekey_time = 0
  local { auth = psk
    id = $lid }
  remote { auth = psk
    id = $rid }
  children { natt { local_ts = $lts
       remote_ts = $rts
       esp_proposals = aes128gcm16
       start_action = none } } } }
secrets { ike-1 { id-1 = a.example.org
    id-2 = b.example.org
    secret = "$PSK" } }
CONF
}

A=$NETNS_TMP/a B=$NETNS_TMP/b
case $PEER in
oakley|remap|both)
    oak_conf "$B" responder; oakleyd_start gwb "$B"
    oak_conf "$A" initiator; oakleyd_start gwa "$A" ;;
ss-responder)
    ss_conf "$B" responder; charon_start gwb "$B"
    swanctl_ns gwb "$B" --load-all --file "$B/swanctl/swanctl.conf" > "$B/load.log" 2>&1 ||
        fail "swanctl --load-all: $(cat "$B/load.log")"
    oak_conf "$A" initiator; oakleyd_start gwa "$A" ;;
ss-initiator)
    oak_conf "$B" responder; oakleyd_start gwb "$B"
    ss_conf "$A" initiator; charon_start gwa "$A"
    swanctl_ns gwa "$A" --load-all --file "$A/swanctl/swanctl.conf" > "$A/load.log" 2>&1 ||
        fail "swanctl --load-all: $(cat "$A/load.log")"
    swanctl_ns gwa "$A" --initiate --child natt --timeout 20 > "$A/initiate.log" 2>&1 & ;;
*) fail "unknown peer $PEER" ;;
esac

# The oakley side(s) and the strongSwan side, if any.
OAK=() SS=""
case $PEER in
oakley|remap|both) OAK=("$A" "$B") ;;
ss-responder) OAK=("$A"); SS=$B ;;
ss-initiator) OAK=("$B"); SS=$A ;;
esac
# Without ESP in the kernel, charon as initiator fails its install before it sends QM3, so oakley
# as responder gets as far as sending QM2 and no further.
qm2_only() { ! esp_expected && [ "$PEER" = ss-initiator ] && grep -q -- "-> QM_R2_SENT" "$1/log"; }
child_done() {
    grep -q "IPsec SA established with\|negotiated but not installed" "$1/log" || qm2_only "$1"
}
ss_done() { # strongSwan got as far as installing its CHILD_SA (or failing only there)
    grep -q "CHILD_SA natt{[0-9]*} established\|unable to install inbound and outbound IPsec SA\|unable to add SAD entry" "$1/charon.log"
}
ok=0
for d in "${OAK[@]}"; do wait_for 30 child_done "$d" || ok=1; done
[ -n "$SS" ] && { wait_for 20 ss_done "$SS" || ok=1; }
sleep 5 # keepalives (keep_alive=2 on gwa) and the last QM message
for d in "${OAK[@]}"; do echo "--- oakleyd $d"; grep -v ' -> ' "$d/log"; done
[ -n "$SS" ] && { echo "--- charon"; grep -E "IKE\]|ENC\]|KNL\] unable|NAT|CHILD" "$SS/charon.log" | tail -40; }
echo "--- router counters"; ip netns exec "$(ns nat)" nft list chain ip oaknat tally | grep counter
[ $ok = 0 ] || fail "the tunnel did not come up"

# NAT detection on both sides.
behind() { # the log of the side behind the NAT says so
    case $PEER in ss-initiator) grep -q "local host is behind NAT" "$SS/charon.log" ;;
    *) grep -q "NAT detected: we are behind a NAT" "$A/log" ;; esac
}
infront() {
    case $PEER in ss-responder) grep -q "remote host is behind NAT" "$SS/charon.log" ;;
    both) grep -q "NAT detected: we are behind a NAT, the peer is behind a NAT" "$B/log" &&
        grep -q "NAT detected: we are behind a NAT, the peer is behind a NAT" "$A/log" ;;
    *) grep -q "NAT detected: the peer is behind a NAT" "$B/log" ;; esac
}
behind || fail "gwa did not detect that it is behind a NAT"
infront || fail "gwb did not detect the NAT in front of its peer"
n4500=$(counter natt) n500=$(counter ike) nka=$(counter keepalive)
echo "datagrams through the NAT: to 500: $n500, to 4500: $n4500 (keepalives: $nka)"
[ "${n4500:-0}" -ge 2 ] || fail "IKE did not move to UDP 4500"
if [ "$PEER" != ss-initiator ] && [ "$PEER" != remap ]; then
    [ "${nka:-0}" -ge 1 ] || fail "no NAT keepalive from gwa (keep_alive=2)"
fi
for d in "${OAK[@]}"; do
    grep -q "IPsec SA negotiated with\|IPsec SA established with" "$d/log" || qm2_only "$d" ||
        fail "$d: no child"
done

if esp_expected; then
    for d in "${OAK[@]}"; do
        grep -q "IPsec SA established with.*ESP in UDP 4500->" "$d/log" ||
            fail "$d: no ESP-in-UDP SA installed"
    done
    ip -n "$(ns gwa)" xfrm state | grep -q "encap type espinudp sport 4500 dport 4500" ||
        fail "gwa: no espinudp SA 4500->4500: $(ip -n "$(ns gwa)" xfrm state)"
    ip -n "$(ns gwb)" xfrm state | grep -q "encap type espinudp sport 4500 dport 4[0-9]*" ||
        fail "gwb: no espinudp SA towards the NAT's port"
    ip netns exec "$(ns gwa)" ping -c 3 -i 0.2 -W 2 -I 192.0.2.10 192.0.2.20 ||
        fail "ping 192.0.2.10 -> 192.0.2.20 across the NAT failed"
    ip -n "$(ns gwb)" -s xfrm state | grep -q "espinudp" || fail "no ESP state on gwb"
    echo "ESP in UDP through the NAT: ping crossed"
else
    for d in "${OAK[@]}"; do
        grep -q "not installed: kernel has no ESP support" "$d/log" || qm2_only "$d" ||
            fail "$d: expected the clear no-ESP message (set OAKLEY_EXPECT_ESP=1 where ESP exists)"
    done
    [ -z "$SS" ] || grep -q "unable to install inbound and outbound IPsec SA\|unable to add SAD entry" "$SS/charon.log" ||
        fail "strongSwan did not reach its CHILD_SA install"
    echo "NAT-T negotiation checked; this kernel has no ESP, the data path is checked in tests/vm"
fi
[ "$PEER" = remap ] || { echo PASS; exit 0; }

# The router reboots, in effect: new source ports (50000-59999) once the old mappings expire.
acks() { grep -c "R-U-THERE-ACK" "$A/log"; }
n=$(acks)
more_acks() { [ "$(acks)" -gt "$1" ]; }
wait_for 12 more_acks "$n" || fail "no DPD probe answered before the remap"
ip netns exec "$(ns nat)" nft -f - <<'NFT' || fail "cannot change the masquerade rule"
flush chain ip oaknat masq
add rule ip oaknat masq oifname "v-gwb" meta l4proto udp masquerade to :50000-59999
add rule ip oaknat masq oifname "v-gwb" masquerade
NFT
echo "router: masquerade now to ports 50000-59999; waiting for gwa's next DPD probe"
# (with 8 s between probes the old mappings may already have expired and moved once before)
moved="the peer's NAT mapping moved from 203.0.113.1:4[0-9]* to 203.0.113.1:5[0-9]*"
wait_for 15 grep -q "$moved" "$B/log" ||
    { grep -v ' -> ' "$B/log" | tail; fail "gwb did not follow the new mapping"; }
grep "NAT mapping moved" "$B/log"
[ "$(grep -c "ISAKMP SA established (main mode)" "$B/log")" = 1 ] || fail "renegotiated instead"
if esp_expected; then
    grep -q "IPsec SAs 0x[0-9a-f]*/0x[0-9a-f]* updated" "$B/log" || fail "gwb's SAs not updated"
    ip -n "$(ns gwb)" xfrm state | grep -q "encap type espinudp sport 4500 dport 5[0-9]*" ||
        fail "gwb: SA not moved to the new port: $(ip -n "$(ns gwb)" xfrm state)"
    ip netns exec "$(ns gwa)" ping -c 3 -i 0.2 -W 2 -I 192.0.2.10 192.0.2.20 ||
        fail "ping after the remap failed"
    echo "ESP in UDP follows the new NAT mapping: ping crossed"
fi
echo PASS
