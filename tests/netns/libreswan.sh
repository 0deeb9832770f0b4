#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oakleyd against Libreswan 4.10's pluto (unpacked privately, see libreswan-lib.sh), IKEv1 PSK,
# with oakley as initiator or as responder.
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  oakleyd  192.0.2.1   192.0.2.2  pluto    198.51.100.138/25
#                     2001:db8::1 (ipv6)   2001:db8::2
# natt: the initiator (oakleyd or pluto) on gwa behind a masquerading router, as in natt-nat.sh
# (topo_nat in lib.sh), the responder on gwb with right=%any:
#   gwa 198.51.100.2 --- nat 198.51.100.1 | 203.0.113.1 --- gwb 203.0.113.2
#   lo 192.0.2.10/32                                         lo 192.0.2.20/32
#
# usage: libreswan.sh OAKLEYD OAKLEY initiator|responder CASE   ("initiator": oakley initiates)
#   mm-N      Main Mode, aes128-sha2_256-modp2048, QM aes128-sha2_256, FQDN IDs of N bytes
#             (N=1..4: @o/@p ... @oakl/@plut, so every ID length mod 4 is met)
#   am-N      the same in Aggressive Mode: pluto pads AM1/AM2 to a multiple of 4 octets
#             (ikepad=yes, its default), which oakley refused before
#   pfs       Main Mode with PFS in Quick Mode (modp2048; pluto 4.10 refuses ECP/x25519 PFS)
#   transport transport mode between the gateways
#   ipv6      the gateways talk over IPv6, tunnel between IPv6 LANs
#   natt      NAT traversal (gwa behind the NAT; both sides detect it, IKE moves to 4500)
#   delete    oakley's `down` makes pluto remove its ISAKMP SA, and pluto's --terminate
#             makes oakley remove its SAs
#   dpd       DPD configured on both ends: pluto answers oakley's R-U-THERE; then pluto is
#             killed and oakley declares it dead (dpdaction=clear)
#   dialect   one ipsec.conf in Libreswan's spelling (ikev2=no, ike=...;modp2048,
#             phase2alg=, leftid=@...), the same file loaded unchanged by pluto and by oakleyd
# Host kernel (no ESP): phase 1 must be up on both sides (pluto's status shows the ISAKMP SA
# established, oakley logs it); for Quick Mode, pluto installs its SAs after it has verified
# oakley's QM message and before it answers, so the check is pluto's install attempt (it fails
# with "Protocol not supported") after oakley's message: QM1 when oakley initiates, QM2 when
# pluto does. With OAKLEY_EXPECT_ESP=1 (the VM) Quick Mode must complete on both sides and a
# ping must cross the tunnel in both directions (before delete/dpd take it down).
# LSW_PCAP=FILE keeps a capture of gwb's IKE traffic (tshark -r FILE -O isakmp).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/libreswan-lib.sh"
export OAKLEYD=$1
OAKLEY=$2 ROLE=$3 CASE=$4
netns_init lsw
lsw_fetch

PSK="oakley-libreswan-$$"
A=192.0.2.1 B=192.0.2.2 ASUB=198.51.100.0/25 BSUB=198.51.100.128/25
PING_A=198.51.100.10 PING_B=198.51.100.138 NS_A=lana NS_B=lanb
IDLEN=2 AGGR=no TYPE=tunnel PFS=no EXTRA_O="" EXTRA_P=""
case $CASE in
mm-[1-4]) IDLEN=${CASE#mm-} ;;
am-[1-4]) IDLEN=${CASE#am-} AGGR=yes ;;
pfs) PFS=yes ;;
transport) TYPE=transport PING_A=$A PING_B=$B NS_A=gwa NS_B=gwb ;;
ipv6) A=2001:db8::1 B=2001:db8::2 ASUB=2001:db8:a::/64 BSUB=2001:db8:b::/64
    PING_A=2001:db8:a::10 PING_B=2001:db8:b::10 ;;
natt) A=198.51.100.2 B=203.0.113.2 ASUB=192.0.2.10/32 BSUB=192.0.2.20/32
    PING_A=192.0.2.10 PING_B=192.0.2.20 NS_A=gwa NS_B=gwb ;;
delete | dialect) ;;
dpd) EXTRA_O="    dpddelay=2
    dpdtimeout=6
    dpdaction=clear"
    EXTRA_P="    dpddelay=2
    dpdtimeout=30
    dpdaction=clear" ;;
*) fail "unknown case $CASE" ;;
esac
IDA=@$(echo oakl | cut -c1-"$IDLEN") IDB=@$(echo plut | cut -c1-"$IDLEN")

if [ "$CASE" = natt ]; then
    topo_nat
else
    topo_site_to_site
fi
# LSW_PCAP=FILE: a capture of the IKE traffic on gwb, for a look with tshark -O isakmp
if [ -n "${LSW_PCAP:-}" ] && command -v dumpcap >/dev/null; then
    netns_bg gwb "$NETNS_TMP/dumpcap.log" dumpcap -q -i any -f "udp port 500 or udp port 4500" -w "$LSW_PCAP"
    wait_secs 10 test -s "$LSW_PCAP"
fi

# Who sits where: oakley on gwa and pluto on gwb, except with NAT-T when pluto initiates (the
# initiator is the one behind the NAT).
O_NS=gwa P_NS=gwb O_ADDR=$A P_ADDR=$B O_SUB=$ASUB P_SUB=$BSUB O_PEER=$B P_PEER=$A
if [ "$CASE" = natt ]; then
    P_PEER=%any
    if [ "$ROLE" = responder ]; then
        O_NS=gwb P_NS=gwa O_ADDR=$B P_ADDR=$A O_SUB=$BSUB P_SUB=$ASUB O_PEER=%any P_PEER=$B
    fi
fi
O_ID=$IDA P_ID=$IDB
OD=$NETNS_TMP/oak PD=$NETNS_TMP/pluto
mkdir -p "$OD" "$PD"
O_AUTO=add
[ "$ROLE" = initiator ] && [ "$CASE" != dialect ] && O_AUTO=start
ESP_O=aes128-sha256 ESP_P=aes128-sha2_256
[ $PFS = yes ] && ESP_O=aes128-sha256-modp2048 ESP_P="aes128-sha2_256;modp2048"
subnets() { # LSUB RSUB: tunnel mode subnets, or nothing in transport mode
    [ "$TYPE" = tunnel ] && printf '    leftsubnet=%s\n    rightsubnet=%s\n' "$1" "$2"
}

if [ "$CASE" = dialect ]; then
    # One file, Libreswan's spelling, loaded unchanged by both: each daemon finds its own side.
    cat > "$PD/ipsec.conf" <<CONF
# Libreswan site-to-site, IKEv1 PSK (as in Libreswan's documentation style)
version 2.0

config setup
	ikev1-policy=accept
	protostack=netkey
	uniqueids=yes

conn t
	ikev2=no
	authby=secret
	left=$A
	leftid=$IDA
	leftsubnet=$ASUB
	right=$B
	rightid=$IDB
	rightsubnet=$BSUB
	ike=aes128-sha2_256;modp2048
	phase2=esp
	phase2alg=aes128-sha2_256
	pfs=no
	ikelifetime=1h
	salifetime=8h
	dpddelay=10
	dpdtimeout=60
	dpdaction=clear
	keyingtries=1
	auto=add
CONF
    cp "$PD/ipsec.conf" "$OD/ipsec.conf"
else
    cat > "$OD/ipsec.conf" <<CONF
conn t
    keyexchange=ikev1
    authby=secret
    left=$O_ADDR
    leftid=$O_ID
    right=$O_PEER
    rightid=$P_ID
$(subnets "$O_SUB" "$P_SUB")
    type=$TYPE
    ike=aes128-sha256-modp2048!
    esp=$ESP_O!
    aggressive=$AGGR
    keyingtries=1
    auto=$O_AUTO
$EXTRA_O
CONF
    cat > "$PD/ipsec.conf" <<CONF
config setup
    ikev1-policy=accept
conn t
    ikev2=no
    authby=secret
    left=$P_ADDR
    leftid=$P_ID
    right=$P_PEER
    rightid=$O_ID
$(subnets "$P_SUB" "$O_SUB")
    type=$TYPE
    ike=aes128-sha2_256-modp2048
    phase2alg=$ESP_P
    pfs=$PFS
    aggressive=$AGGR
    keyingtries=1
    auto=add
$EXTRA_P
CONF
fi
printf '%s %s : PSK "%s"\n' "$IDA" "$IDB" "$PSK" > "$OD/ipsec.secrets"
cp "$OD/ipsec.secrets" "$PD/ipsec.secrets"
chmod 600 "$OD/ipsec.secrets" "$PD/ipsec.secrets"

pluto_start "$P_NS" "$PD"
oakleyd_start "$O_NS" "$OD"
oak() { ip netns exec "$(ns "$O_NS")" timeout 30 "$OAKLEY" --socket "$OD/oakley.vici" "$@"; }
initiate() {
    if [ "$ROLE" = initiator ]; then
        [ "$O_AUTO" = start ] || oak up t > "$OD/up.log" 2>&1 &
    else
        whack_ns "$P_NS" "$PD" --initiate --name t --asynchronous > "$PD/initiate.log" 2>&1
    fi
}
initiate

show_logs() {
    echo "--- oakleyd"; grep -v ' -> ' "$OD/log" | tail -40
    echo "--- pluto"; grep -v "adding UDP interface\|netlink_expire got" "$PD/pluto.log" | tail -40
    echo "--- whack --status"; whack_ns "$P_NS" "$PD" --status | grep '"t"' | tail -20
}
# phase 1 up on both sides
p1_up() {
    grep -q "ISAKMP SA established" "$OD/log" &&
        whack_ns "$P_NS" "$PD" --status | grep -q "STATE_[A-Z]*_[IR][0-9] (IKE SA established)"
}
# Quick Mode as far as the kernel allows: with ESP, IPsec SAs on both sides; without, pluto
# reached its SA install after oakley's QM message.
qm_done() {
    if esp_expected; then
        grep -q "IPsec SA established with" "$OD/log" &&
            grep -q "IPsec SA established" "$PD/pluto.log"
    elif [ "$ROLE" = initiator ]; then
        grep -q "netlink response for Add SA esp.*Protocol not supported" "$PD/pluto.log"
    else
        grep -q -- "-> QM_R2_SENT" "$OD/log" && grep -q "netlink response for Add SA esp.*Protocol not supported" "$PD/pluto.log"
    fi
}
check_natt() {
    local n4500
    show_logs
    # pluto logs no NAT-T result at its default level; its status shows the ports: the
    # initiator's ISAKMP SA on 4500, the responder's peer at the NAT's remapped port
    local st
    st=$(whack_ns "$P_NS" "$PD" --status)
    if [ "$ROLE" = initiator ]; then
        grep -q "NAT detected: we are behind a NAT" "$OD/log" || fail "oakley on gwa: no NAT seen"
        echo "$st" | grep -q '203.0.113.1:4[0-9]\{4\} STATE_MAIN_R3 (IKE SA established)' ||
            fail "pluto on gwb does not see its peer at the NAT's port"
    else
        grep -q "NAT detected: the peer is behind a NAT" "$OD/log" || fail "oakley on gwb: no NAT seen"
        echo "$st" | grep -q '"t":4500 STATE_MAIN_I4 (IKE SA established)' ||
            fail "pluto on gwa did not move to UDP 4500"
    fi
    n4500=$(nat_counter natt)
    echo "datagrams through the NAT to 4500: $n4500, to 500: $(nat_counter ike)"
    [ "${n4500:-0}" -ge 2 ] || fail "IKE did not move to UDP 4500"
}
# oakley's `down` deletes the ISAKMP SA at pluto (which, as initiator, revives the conn at once:
# its policy keeps it up); then, up again, pluto's --terminate deletes it at oakley.
check_delete() {
    local n st
    n=$(whack_ns "$P_NS" "$PD" --status | sed -n 's/^000 #\([0-9]*\): .*(IKE SA established).*/\1/p' | head -1)
    [ -n "$n" ] || fail "no ISAKMP SA at pluto"
    oak down t > "$OD/down.log" 2>&1 || fail "oakley down t: $(cat "$OD/down.log")"
    gone() { ! whack_ns "$P_NS" "$PD" --status | grep -q "^000 #$n: "; }
    wait_secs 10 gone || { show_logs; fail "pluto kept its ISAKMP SA #$n after oakley's Delete"; }
    grep -q "received Delete SA payload: .*deleting ISAKMP State #$n\b" "$PD/pluto.log" ||
        fail "pluto did not log oakley's Delete of #$n"
    echo "oakley down: pluto removed its ISAKMP SA #$n"
    [ "$ROLE" = initiator ] && { oak up t > "$OD/up2.log" 2>&1 & }
    two_up() { [ "$(grep -c "ISAKMP SA established (" "$OD/log")" -ge 2 ] && p1_up; }
    wait_secs $LONG two_up || { show_logs; fail "phase 1 did not come up again"; }
    st=$(oak list-sas 2>&1)
    echo "$st" | grep -q "ESTABLISHED" || fail "oakley lists no established SA: $st"
    whack_ns "$P_NS" "$PD" --terminate --name t > "$PD/terminate.log" 2>&1
    wait_secs 10 grep -q "peer deleted the ISAKMP SA" "$OD/log" ||
        { show_logs; fail "oakley did not act on pluto's Delete"; }
    st=$(oak list-sas 2>&1)
    echo "$st" | grep -q "ESTABLISHED" && fail "oakley still lists SAs: $st"
    echo "pluto --terminate: oakley removed its ISAKMP SA"
}
# pluto answers oakley's R-U-THERE; killed, it is declared dead by oakley.
check_dpd() {
    wait_secs 15 grep -q "R-U-THERE-ACK [0-9]* from" "$OD/log" ||
        { show_logs; fail "pluto did not answer oakley's R-U-THERE"; }
    echo "pluto answered oakley's R-U-THERE: $(grep -c "R-U-THERE-ACK [0-9]* from" "$OD/log")"
    kill -KILL "$PLUTO_PID"
    local t0=$SECONDS
    wait_secs 20 grep -q "peer .* is dead" "$OD/log" || fail "oakley did not declare pluto dead"
    echo "pluto killed: declared dead after $((SECONDS - t0)) s"
}
check_ping() {
    grep -q "IPsec SA established with" "$OD/log" || fail "oakley did not install its SAs"
    local src=() src6=()
    [ "$CASE" = natt ] && src=(-I "$PING_A") src6=(-I "$PING_B")
    ip netns exec "$(ns "$NS_A")" ping -c 3 -i 0.2 -W 2 "${src[@]}" "$PING_B" ||
        fail "ping $PING_A -> $PING_B across the tunnel failed"
    ip netns exec "$(ns "$NS_B")" ping -c 3 -i 0.2 -W 2 "${src6[@]}" "$PING_A" ||
        fail "ping $PING_B -> $PING_A across the tunnel failed"
    ip -n "$(ns "$O_NS")" -s xfrm state | grep -q "proto esp" || fail "no ESP state at oakley"
    echo "ping crossed the tunnel both ways"
}

# generous under the VM's TCG, where every process start and modp2048 cost seconds
LONG=40
esp_expected && LONG=150
wait_secs $LONG p1_up || { show_logs; fail "phase 1 is not up on both sides"; }
wait_secs $LONG qm_done || { show_logs; fail "Quick Mode did not get as far as the kernel allows"; }
[ "$CASE" = natt ] || show_logs
mode=main
[ $AGGR = yes ] && mode=aggressive
grep -q "ISAKMP SA established ($mode mode).*, ID $P_ID, as $ROLE" "$OD/log" ||
    fail "oakley's ISAKMP SA is not $mode mode as $ROLE with the peer ID $P_ID"
grep -q "Peer ID is ID_FQDN: '$O_ID'" "$PD/pluto.log" || fail "pluto did not see the ID $O_ID"
# PFS: oakley did a Diffie-Hellman for Quick Mode; pluto, whose policy demands PFS (pfs=yes),
# went on to install (or initiated with the group).
if [ $PFS = yes ]; then
    grep -q "QM_I0_DH\|QM_R1_DH" "$OD/log" || fail "oakley did no Quick Mode Diffie-Hellman (no PFS)"
    [ "$ROLE" = initiator ] || grep -q "initiating Quick Mode.*pfsgroup=MODP2048" "$PD/pluto.log" ||
        fail "pluto did not initiate Quick Mode with PFS modp2048"
fi

# dialect: Libreswan's ike=aes128-sha2_256;modp2048 and ikelifetime=1h acted on at oakley
if [ "$CASE" = dialect ]; then
    grep -q "ISAKMP SA established .*AES-CBC-128/SHA2-256/modp2048" "$OD/log" ||
        fail "oakley did not negotiate the file's ike= proposal"
    grep -q "ISAKMP SA established with .*lifetime 3600 s" "$OD/log" ||
        fail "oakley did not take ikelifetime=1h"
fi
# the data path first: delete and dpd take the tunnel down
esp_expected && check_ping
case $CASE in
natt) check_natt ;;
delete) check_delete ;;
dpd) check_dpd ;;
esac
esp_expected ||
    echo "negotiation checked against pluto; this kernel has no ESP, the data path is checked in tests/vm"
echo PASS
