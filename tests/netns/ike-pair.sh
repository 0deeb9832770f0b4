#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two oakleyd negotiate IKEv1 with each other: Main or Aggressive Mode + Quick Mode, PSK, with or
# without PFS, tunnel or transport, over IPv4 or IPv6.
#
#   lan-a ----------- gw-a ================ gw-b ----------- lan-b
#   198.51.100.10/25  .1 | 192.0.2.1   192.0.2.2 | .129     198.51.100.138/25
#   2001:db8:a::10    ::1| 2001:db8::1 2001:db8::2| ::1      2001:db8:b::10
#                   oakleyd (initiator)   oakleyd (responder)
#
# usage: ike-pair.sh OAKLEYD mm|am pfs|nopfs tunnel|transport 4|6
#
# Checks: both daemons log the ISAKMP SA and the IPsec SA as established, with the same KEYMAT
# (compared through the digest each logs at debug level, never the keys). Where the kernel has ESP
# (OAKLEY_EXPECT_ESP=1, the VM bed) the SAs must be installed and a ping must cross the tunnel with
# the SA counters growing; elsewhere the install must fail with the clear "no ESP" message.
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1; MODE=$2 PFS=$3 TYPE=$4 FAM=$5
netns_init pair
topo_site_to_site

if [ "$FAM" = 6 ]; then
    A=2001:db8::1 B=2001:db8::2 SA=2001:db8:a::/64 SB=2001:db8:b::/64 PA=2001:db8:a::10 PB=2001:db8:b::10
else
    A=192.0.2.1 B=192.0.2.2 SA=198.51.100.0/25 SB=198.51.100.128/25 PA=198.51.100.10 PB=198.51.100.138
fi
ESP=aes128gcm16
[ "$PFS" = pfs ] && ESP=aes128gcm16-modp2048
write_conf() { # DIR ME PEER MYNET PEERNET AUTO
    local subnets=""
    [ "$TYPE" = tunnel ] && subnets="    leftsubnet=$4
    rightsubnet=$5"
    cat > "$1/ipsec.conf" <<CONF
conn pair
    keyexchange=ikev1
    authby=secret
    left=$2
    right=$3
$subnets
    type=$TYPE
    ike=aes128-sha256-modp2048!
    esp=$ESP!
    aggressive=$([ "$MODE" = am ] && echo yes || echo no)
    auto=$6
CONF
    printf '%s %s : PSK "oakley-test-%s"\n' "$2" "$3" "$$" > "$1/ipsec.secrets"
    chmod 600 "$1/ipsec.secrets"
}
mkdir -p "$NETNS_TMP/a" "$NETNS_TMP/b"
write_conf "$NETNS_TMP/a" $A $B $SA $SB start
write_conf "$NETNS_TMP/b" $B $A $SB $SA add
oakleyd_start gwb "$NETNS_TMP/b"
oakleyd_start gwa "$NETNS_TMP/a"
APID=$OAKLEYD_PID

established() { grep -q "IPsec SA established with\|negotiated but not installed" "$1/log"; }
wait_for 20 established "$NETNS_TMP/a" && wait_for 5 established "$NETNS_TMP/b"
ok=$?
echo "--- initiator"; grep -v ' -> ' "$NETNS_TMP/a/log"
echo "--- responder"; grep -v ' -> ' "$NETNS_TMP/b/log"
[ $ok = 0 ] || fail "tunnel did not come up"

for s in a b; do
    grep -q "ISAKMP SA established with .*($([ "$MODE" = am ] && echo Aggressive || echo Main))" \
        "$NETNS_TMP/$s/log" || fail "$s: no ISAKMP SA line for the expected mode"
    if [ "$PFS" = pfs ]; then
        grep -q "IPsec SA.*PFS\|PFS" "$NETNS_TMP/$s/log" || fail "$s: PFS not used"
    fi
done
# Same keys: a's inbound digest is b's outbound and the other way round.
da=$(sed -n 's/.*keymat digest in \([0-9a-f]*\) out \([0-9a-f]*\).*/\1 \2/p' "$NETNS_TMP/a/log" | head -1)
db=$(sed -n 's/.*keymat digest in \([0-9a-f]*\) out \([0-9a-f]*\).*/\2 \1/p' "$NETNS_TMP/b/log" | head -1)
[ -n "$da" ] && [ "$da" = "$db" ] || fail "KEYMAT differs: initiator in/out '$da', responder out/in '$db'"
echo "KEYMAT digests agree: $da"

if esp_expected; then
    for s in a b; do
        grep -q "IPsec SA established with" "$NETNS_TMP/$s/log" || fail "$s: SAs not installed"
    done
    if [ "$TYPE" = tunnel ]; then
        ip netns exec "$(ns lana)" ping -c 3 -i 0.2 -W 2 "$PB" || fail "ping lan-a -> lan-b failed"
    else
        ip netns exec "$(ns gwa)" ping -c 3 -i 0.2 -W 2 "$B" || fail "ping gw-a -> gw-b failed"
    fi
    bytes=$(ip -n "$(ns gwb)" -s xfrm state | awk '/lifetime current:/{getline; print $1}' | sort -n | tail -1)
    echo "largest SA byte counter on gw-b: ${bytes%%(*}"
    [ "${bytes%%(*}" -gt 0 ] 2>/dev/null || fail "ESP counters did not grow"
    ip -n "$(ns gwb)" xfrm state | grep -q "proto esp" || fail "no ESP state on gw-b"
else
    for s in a b; do
        grep -q "not installed: kernel has no ESP support" "$NETNS_TMP/$s/log" ||
            fail "$s: expected the clear no-ESP message (set OAKLEY_EXPECT_ESP=1 where ESP exists)"
    done
    echo "negotiation and keys checked; this kernel has no ESP, the data path is checked in tests/vm"
fi
# A clean stop (SIGTERM) tells the peer (DELETE) and removes everything this daemon installed.
kill -TERM "$APID"
wait_for 10 bash -c "! kill -0 $APID 2>/dev/null" || fail "initiator did not exit on SIGTERM"
grep -q "shutting down" "$NETNS_TMP/a/log" || fail "no shutdown line"
wait_for 5 grep -q "peer deleted IPsec SA" "$NETNS_TMP/b/log" ||
    fail "responder did not get the DELETE: $(tail -5 "$NETNS_TMP/b/log")"
left=$(ip -n "$(ns gwa)" xfrm state | grep -c "^src"; ip -n "$(ns gwa)" xfrm policy | grep -c "^src")
[ "$(( $(echo $left | tr ' ' '+') ))" = 0 ] || fail "SAs or policies left behind on gw-a: $left"
echo "SIGTERM: DELETE sent, kernel state of gw-a removed"
echo PASS
