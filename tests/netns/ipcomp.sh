#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# IPComp (compress=yes, RFC 3173) in tunnel mode: oakleyd against oakleyd or strongSwan 5.9.
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  .1 | 192.0.2.1   192.0.2.2 | .129     198.51.100.138/25
#                   oakleyd (initiator)   oakleyd or charon
#
# usage: ipcomp.sh OAKLEYD OAKLEY CASE
#   CASE  pair          both oakleyd with compress=yes: ESP+IPComp, CPIs mirrored; after
#                       `oakley rekey` new CPIs (and, in the VM, traffic through them)
#         fallback      gw-a compress=yes, gw-b compress=no: plain ESP (gw-b takes the suite
#                       offered without IPComp)
#         ss-initiator  oakleyd (compress=yes) initiates to charon (child ipcomp = yes)
#         ss-responder  charon (ipcomp = yes) initiates to oakleyd (compress=yes)
#
# Where the kernel has ESP and IPComp (OAKLEY_EXPECT_ESP=1, the VM bed): a compressible large
# ping (-s 1200 -p 00) and a small one cross in both directions, `ip -s xfrm state` shows the
# comp states with growing counters on both gateways (and far fewer ESP bytes than the pings
# carried), `oakley status` shows the CPIs. Elsewhere the negotiation must succeed and the install
# fail with the clear message naming IPComp (or ESP, for the fallback). Prints one
# 'figures: ...' line with the counters seen.
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2 CASE=$3
netns_init ipcomp
topo_site_to_site
A=192.0.2.1 B=192.0.2.2 SA=198.51.100.0/25 SB=198.51.100.128/25 PA=198.51.100.10 PB=198.51.100.138
PSK="oakley-ipcomp-$$"
COMP_A=yes COMP_B=yes
case $CASE in
pair | ss-initiator | ss-responder) ;;
fallback) COMP_B=no ;;
*) fail "unknown case $CASE" ;;
esac

write_conf() { # DIR ME PEER MYNET PEERNET AUTO COMPRESS
    cat > "$1/ipsec.conf" <<CONF
conn t
    keyexchange=ikev1
    authby=secret
    left=$2
    right=$3
    leftsubnet=$4
    rightsubnet=$5
    ike=aes128-sha256-modp2048!
    esp=aes128-sha256!
    compress=$7
    keyingtries=1
    auto=$6
CONF
    printf '%s %s : PSK "%s"\n' "$2" "$3" "$PSK" > "$1/ipsec.secrets"
    chmod 600 "$1/ipsec.secrets"
}
DA=$NETNS_TMP/a DB=$NETNS_TMP/b
mkdir -p "$DA" "$DB"
write_conf "$DA" $A $B $SA $SB "$([ "$CASE" = ss-responder ] && echo add || echo start)" $COMP_A

if [ "${CASE#ss-}" != "$CASE" ]; then
    mkdir -p "$DB/swanctl"
    cat > "$DB/swanctl/swanctl.conf" <<CONF
connections { t { version = 1
  local_addrs = $B
  remote_addrs = $A
  proposals = aes128-sha256-modp2048
  rekey_time = 0
  local { auth = psk
    id = $B }
  remote { auth = psk
    id = $A }
  children { t { local_ts = $SB
       remote_ts = $SA
       mode = tunnel
       ipcomp = yes
       esp_proposals = aes128-sha256
       start_action = none } } } }
secrets { ike-1 { id-1 = $A
    id-2 = $B
    secret = "$PSK" } }
CONF
    charon_start gwb "$DB"
    swanctl_ns gwb "$DB" --load-all --file "$DB/swanctl/swanctl.conf" > "$DB/load.log" 2>&1 ||
        fail "swanctl --load-all: $(cat "$DB/load.log")"
else
    write_conf "$DB" $B $A $SB $SA add $COMP_B
    oakleyd_start gwb "$DB"
fi
oakleyd_start gwa "$DA"
[ "$CASE" = ss-responder ] && swanctl_ns gwb "$DB" --initiate --child t --timeout 20 > "$DB/initiate.log" 2>&1 &

done_a() {
    grep -q "IPsec SA established with\|negotiated but not installed" "$DA/log" && return 0
    # Without ESP/IPComp in the kernel charon as initiator fails its install before it sends
    # QM3, so oakleyd as responder gets as far as sending QM2 and no further.
    ! esp_expected && [ "$CASE" = ss-responder ] && grep -q -- "-> QM_R2_SENT" "$DA/log" &&
        grep -q "unable to install inbound and outbound IPsec SA" "$DB/charon.log"
}
wait_for 30 done_a
ok=$?
sleep 0.2
show_logs() {
    echo "--- gw-a (oakleyd)"; grep -v ' -> ' "$DA/log"
    if [ -f "$DB/log" ]; then
        echo "--- gw-b (oakleyd)"; grep -v ' -> ' "$DB/log"
    else
        echo "--- gw-b (charon)"
        grep -E "IKE\]|ENC\]|KNL\] (unable|received)|CFG\] (selected|received|config)|CHD\]" \
            "$DB/charon.log" | tail -40
    fi
}
show_logs
[ $ok = 0 ] || fail "no IPsec SA on gw-a"
# charon's install of an IPComp SA shows its CPI as a 32-bit SPI 0000xxxx.
charon_comp() { grep -q "unable to add SAD entry with SPI 0000$1\|adding SAD entry with SPI 0000$1" \
    "$DB/charon.log"; }
if [ "$CASE" = ss-responder ] && ! esp_expected; then
    grep -q "unable to add SAD entry with SPI 0000[0-9a-f][0-9a-f][0-9a-f][0-9a-f] " "$DB/charon.log" ||
        fail "charon did not try to install IPComp SAs"
    echo "negotiation checked as far as this kernel goes (charon fails its install before QM3)"
    echo PASS
    exit 0
fi

# What was negotiated: IPComp with mirrored CPIs, or (fallback) none at all.
cpis() { sed -n 's/.*IPComp CPIs in \([0-9a-f]*\) out \([0-9a-f]*\).*/\1 \2/p' "$1" | head -1; }
ca=$(cpis "$DA/log")
if [ "$CASE" = fallback ]; then
    [ -z "$ca" ] || fail "gw-a negotiated IPComp ($ca) with a peer that has compress=no"
    grep -q "declined IPComp" "$DA/log" && fail "gw-b should have taken the suite without IPComp"
else
    [ -n "$ca" ] || fail "gw-a did not negotiate IPComp"
    CIN=${ca% *} COUT=${ca#* }
    [ $((16#$CIN)) -ge 256 ] && [ $((16#$CIN)) -le $((16#efff)) ] ||
        fail "CPI $CIN out of 256..61439"
    if [ -f "$DB/log" ]; then
        cb=$(cpis "$DB/log")
        [ "$cb" = "$COUT $CIN" ] || fail "CPIs do not mirror: gw-a in/out '$ca', gw-b in/out '$cb'"
    fi
fi
oak() { ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$DA/oakley.vici" "$@"; }
st=$(oak status 2>&1)
echo "--- oakley status"; echo "$st"
if [ "$CASE" = fallback ]; then
    echo "$st" | grep -q "CPIs" && fail "oakley status shows CPIs without IPComp"
else
    echo "$st" | grep -q "ESP SPIs [0-9a-f]*_i [0-9a-f]*_o IPComp CPIs ${CIN}_i ${COUT}_o" ||
        fail "oakley status does not show the CPIs $CIN/$COUT"
fi
if [ "${CASE#ss-}" != "$CASE" ]; then
    charon_comp "$COUT" && charon_comp "$CIN" || fail "charon did not install the CPIs $COUT/$CIN"
    if esp_expected; then
        sas=$(swanctl_ns gwb "$DB" --list-sas --raw 2>&1)
        echo "--- swanctl --list-sas --raw"; echo "$sas"
        echo "$sas" | grep -q "cpi-in=$COUT cpi-out=$CIN" ||
            fail "charon does not show the CPIs $COUT/$CIN"
    fi
fi

# pair: a rekey (oakley rekey) negotiates new CPIs along with the new SPIs.
rekey() {
    oak rekey t > "$NETNS_TMP/rekey.out" 2>&1 || fail "oakley rekey t: $(cat "$NETNS_TMP/rekey.out")"
    wait_for 15 bash -c "[ \$(grep -c 'IPComp CPIs in' '$DA/log') -ge 2 ]" ||
        fail "no second IPComp negotiation after oakley rekey"
    local cr
    cr=$(sed -n 's/.*IPComp CPIs in \([0-9a-f]*\) out \([0-9a-f]*\).*/\1 \2/p' "$DA/log" | sed -n 2p)
    RIN=${cr% *} ROUT=${cr#* }
    [ "$RIN" != "$CIN" ] && [ "$ROUT" != "$COUT" ] || fail "the rekey kept the CPIs: '$ca' -> '$cr'"
    echo "rekey: CPIs $ca -> $cr"
}

if ! esp_expected; then
    [ "$CASE" = pair ] && rekey
    want="kernel has no IPComp support (CONFIG_INET_IPCOMP)"
    [ "$CASE" = fallback ] && want="kernel has no ESP support"
    grep -q "not installed: $want" "$DA/log" || fail "gw-a: expected the clear '$want' message"
    if [ "$CASE" = pair ] || [ "$CASE" = fallback ]; then
        grep -q "not installed: $want" "$DB/log" || fail "gw-b: expected the clear '$want' message"
    fi
    echo "negotiation checked; this kernel has no ESP/IPComp, the data path is checked in tests/vm"
    echo PASS
    exit 0
fi

grep -q "IPsec SA established with" "$DA/log" || fail "gw-a did not install its SAs"
pings() { # NS DST ARGS...: the number of replies
    local n=$1 d=$2
    shift 2
    ip netns exec "$(ns "$n")" ping -q -c 3 -i 0.2 -W 2 "$@" "$d" 2>&1 |
        sed -n 's/.* \([0-9]*\) received.*/\1/p'
}
p1=$(pings lana $PB -s 1200 -p 00)
p2=$(pings lanb $PA -s 1200 -p 00)
p3=$(pings lana $PB)
[ "$p1" = 3 ] || fail "large ping lan-a -> lan-b: $p1/3 replies"
[ "$p2" = 3 ] || fail "large ping lan-b -> lan-a: $p2/3 replies"
[ "$p3" = 3 ] || fail "small ping lan-a -> lan-b: $p3/3 replies"
# Counters: the comp states carry the uncompressed bytes, ESP the compressed ones. One line per
# gateway: "comp B/P B/P ;esp B/P B/P " (bytes/packets of each state of that protocol).
counters() {
    ip -n "$(ns "$1")" -s xfrm state | awk '
        /^\tproto comp / { p = "comp" } /^\tproto esp / { p = "esp" } /^\tproto 4 / { p = "" }
        p && /lifetime current:/ { getline; sub(/\(bytes\),/, ""); sub(/\(packets\)/, "");
            v[p] = v[p] $1 "/" $2 " "; p = "" }
        END { printf "%s;%s", v["comp"], v["esp"] }'
}
figs=""
for g in gwa gwb; do
    c=$(counters $g)
    comp=${c%;*} esp=${c#*;}
    echo "$g: comp ${comp:-none}; esp ${esp:-none}"
    [ -n "$esp" ] || fail "$g: no esp state"
    if [ "$CASE" = fallback ]; then
        [ -z "$comp" ] || fail "$g: comp states without IPComp: $comp"
    else
        [ -n "$comp" ] || fail "$g: no comp state"
        case " $comp" in *" 0/"*) fail "$g: a comp state did not count: $comp" ;; esac
    fi
    figs="$figs $g comp[${comp% }] esp[${esp% }]"
done
if [ "$CASE" = pair ]; then
    # The replacement's IPComp SAs carry the traffic once its outbound SAs are in (1 s later).
    rekey
    comp_out() { ip -n "$(ns gwa)" -s xfrm state get src $A dst $B proto comp spi "0x$ROUT"; }
    wait_for 10 comp_out || fail "gw-a: no outbound IPComp SA with the new CPI $ROUT"
    p4=$(pings lana $PB -s 1200 -p 00)
    [ "$p4" = 3 ] || fail "large ping after the rekey: $p4/3 replies"
    rb=$(comp_out | awk '/lifetime current:/ { getline; print $1 }')
    [ "${rb%%(*}" -gt 0 ] 2>/dev/null || fail "the new IPComp SA $ROUT did not count: $rb"
    figs="$figs; after rekey $p4/3, new comp out ${rb%%(*} bytes"
fi
echo "figures: pings 1200B $p1/3 + $p2/3, 56B $p3/3;$figs"

# A clean stop removes the IPComp states with the ESP ones (and the kernel's own tunnel state).
kill -TERM "$OAKLEYD_PID"
wait_for 10 bash -c "! kill -0 $OAKLEYD_PID 2>/dev/null" || fail "gw-a did not exit on SIGTERM"
left=$(ip -n "$(ns gwa)" xfrm state | grep -c "^src"; ip -n "$(ns gwa)" xfrm policy | grep -c "^src")
[ "$(( $(echo $left | tr ' ' '+') ))" = 0 ] || fail "SAs or policies left behind on gw-a: $left"
echo "SIGTERM: kernel state of gw-a removed"
echo PASS
