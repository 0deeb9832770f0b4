#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Certificate authentication (issue 16) against Libreswan 4.10's pluto (unpacked privately, see
# libreswan-lib.sh): RSA signatures in Main Mode, oakley initiating or responding. The PKI is
# made here with strongSwan's `pki`; pluto's NSS database is filled with `certutil` (the root CA,
# trusted) and `pk12util` (its own key and certificate, from a PKCS#12 made with openssl, or
# `pki --pkcs12` where openssl is missing).
#
#   gwa (oakleyd, 192.0.2.1) ============ gwb (pluto, 192.0.2.2)
#   C=CH, O=Oakley Test, CN=a.example.org    C=CH, O=Oakley Test, CN=b.example.org
#
# usage: libreswan-certs.sh OAKLEYD OAKLEY initiator|responder dn|ca   ("initiator": oakley initiates)
#   dn   pluto expects oakley's subject: rightid="C=CH, O=Oakley Test, CN=a.example.org"
#   ca   pluto takes any ID oakley's certificate proves from its own CA: rightid=%fromcert,
#        rightca=%same
# Both: authby=rsasig, leftcert=<NSS nickname>, leftid=%fromcert at pluto; oakley authby=pubkey
# with leftcert=/rightid= the peer's DN. Passes when phase 1 is up on both sides with the DN IDs
# (each side shows the other's subject) and Quick Mode got as far as the kernel allows: on the
# host (no ESP) pluto's SA install after oakley's Quick Mode message, refused with "Protocol not
# supported"; with OAKLEY_EXPECT_ESP=1 the IPsec SAs on both sides.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/libreswan-lib.sh"
export OAKLEYD=$1
OAKLEY=$2 ROLE=$3 CASE=$4
case $ROLE in initiator | responder) ;; *) fail "unknown role $ROLE" ;; esac
case $CASE in dn | ca) ;; *) fail "unknown case $CASE" ;; esac
command -v pki > /dev/null || skip "strongSwan's pki is not installed (apt-get install strongswan-pki)"
netns_init lswcert
lsw_fetch
netns_add gwa
netns_add gwb
netns_link gwa gwb 192.0.2.1/24 192.0.2.2/24

ORG="C=CH, O=Oakley Test"
ROOT_DN="$ORG, CN=Oakley Root CA"
DN_A="$ORG, CN=a.example.org" DN_B="$ORG, CN=b.example.org"
P=$NETNS_TMP/pki OD=$NETNS_TMP/oak PD=$NETNS_TMP/pluto
mkdir -p "$P" "$OD" "$PD"
pk() { pki "$@" 2>> "$P/pki.err"; }
pk --gen --type rsa --size 3072 --outform pem > "$P/root.key" || fail "pki --gen root"
pk --self --ca --lifetime 3650 --in "$P/root.key" --dn "$ROOT_DN" --outform pem > "$P/root.crt"
for h in a b; do
    addr=192.0.2.1
    [ $h = b ] && addr=192.0.2.2
    pk --gen --type rsa --size 2048 --outform pem > "$P/$h.key" || fail "pki --gen $h"
    pk --issue --cacert "$P/root.crt" --cakey "$P/root.key" --type priv --in "$P/$h.key" \
        --dn "$ORG, CN=$h.example.org" --san "$h.example.org" --san "$addr" --outform pem \
        > "$P/$h.crt" || fail "pki --issue $h"
done
for f in "$P"/*.crt; do [ -s "$f" ] || fail "pki made an empty $f: $(cat "$P/pki.err")"; done

# pluto's NSS database: the root CA trusted for peers' certificates, its own key and certificate
# under the nickname "gwb" (a PKCS#12 with a throwaway password)
certutil=$LSW_TREE/usr/bin/certutil pk12util=$LSW_TREE/usr/bin/pk12util
command -v certutil > /dev/null && certutil=$(command -v certutil) pk12util=$(command -v pk12util)
if command -v openssl > /dev/null; then
    openssl pkcs12 -export -inkey "$P/b.key" -in "$P/b.crt" -name gwb -passout pass:p12 \
        -out "$P/b.p12" 2> "$P/p12.err" || fail "openssl pkcs12: $(cat "$P/p12.err")"
else
    pk --pkcs12 --export --in "$P/b.crt" --in "$P/b.key" --outform der > "$P/b.p12" ||
        fail "pki --pkcs12: $(cat "$P/pki.err")"
    skip "no openssl: pki --pkcs12 writes an unprotected PKCS#12 whose nickname pk12util chooses"
fi
mkdir -p "$PD/nss"
nss() { "$@" >> "$PD/nss.log" 2>&1 || fail "$1: $(tail -3 "$PD/nss.log")"; }
nss "$certutil" -N -d "sql:$PD/nss" --empty-password
nss "$certutil" -A -d "sql:$PD/nss" -n root -t "CT,," -a -i "$P/root.crt"
nss "$pk12util" -i "$P/b.p12" -d "sql:$PD/nss" -W p12 -K ""
"$certutil" -L -d "sql:$PD/nss" > "$PD/nss.list" 2>&1
grep -q "^gwb .*u,u,u" "$PD/nss.list" || fail "the NSS database lacks gwb with its key: $(cat "$PD/nss.list")"

O_AUTO=add
[ "$ROLE" = initiator ] && O_AUTO=start
mkdir -p "$OD/ipsec.d/cacerts" "$OD/ipsec.d/certs" "$OD/ipsec.d/private"
cp "$P/root.crt" "$OD/ipsec.d/cacerts/root.pem"
cp "$P/a.crt" "$OD/ipsec.d/certs/a.pem"
cp "$P/a.key" "$OD/ipsec.d/private/a.key"
chmod 600 "$OD/ipsec.d/private/a.key"
cat > "$OD/ipsec.conf" <<CONF
conn t
    keyexchange=ikev1
    authby=pubkey
    left=192.0.2.1
    leftid="$DN_A"
    leftcert=a.pem
    leftsendcert=always
    right=192.0.2.2
    rightid="$DN_B"
    rightca="$ROOT_DN"
    type=transport
    ike=aes128-sha256-modp2048!
    esp=aes128-sha256!
    keyingtries=1
    auto=$O_AUTO
CONF
echo ": RSA a.key" > "$OD/ipsec.secrets"
chmod 600 "$OD/ipsec.secrets"
probe=$("$OAKLEYD" --check-config --config "$OD/ipsec.conf" --secrets "$OD/ipsec.secrets" 2>&1) ||
    skip "this oakleyd does not take certificate authentication: $(echo "$probe" | grep -m1 -i 'refused\|error')"

if [ "$CASE" = dn ]; then
    P_RIGHT="    rightid=\"$DN_A\""
else
    P_RIGHT="    rightid=%fromcert
    rightca=%same"
fi
cat > "$PD/ipsec.conf" <<CONF
config setup
    ikev1-policy=accept
conn t
    ikev2=no
    authby=rsasig
    left=192.0.2.2
    leftcert=gwb
    leftid=%fromcert
    leftsendcert=always
    right=192.0.2.1
$P_RIGHT
    type=transport
    ike=aes128-sha2_256-modp2048
    phase2alg=aes128-sha2_256
    pfs=no
    keyingtries=1
    auto=add
CONF
: > "$PD/ipsec.secrets"

pluto_start gwb "$PD"
oakleyd_start gwa "$OD"
if [ "$ROLE" = responder ]; then
    whack_ns gwb "$PD" --initiate --name t --asynchronous > "$PD/initiate.log" 2>&1
fi

oak() { ip netns exec "$(ns gwa)" timeout 30 "$OAKLEY" --socket "$OD/oakley.vici" "$@"; }
show_logs() {
    echo "--- oakleyd"; grep -v ' -> ' "$OD/log" | tail -30
    echo "--- pluto"; grep -v "adding UDP interface\|netlink_expire got" "$PD/pluto.log" | tail -30
    echo "--- whack --status"; whack_ns gwb "$PD" --status | grep '"t"' | tail -10
}
p1_up() {
    grep -q "ISAKMP SA established" "$OD/log" &&
        whack_ns gwb "$PD" --status | grep -q "STATE_MAIN_[IR][0-9] (IKE SA established)"
}
qm_done() {
    if esp_expected; then
        grep -q "IPsec SA established with" "$OD/log" && grep -q "IPsec SA established" "$PD/pluto.log"
    elif [ "$ROLE" = initiator ]; then
        grep -q "netlink response for Add SA esp.*Protocol not supported" "$PD/pluto.log"
    else
        grep -q -- "-> QM_R2_SENT" "$OD/log" &&
            grep -q "netlink response for Add SA esp.*Protocol not supported" "$PD/pluto.log"
    fi
}
LONG=40
esp_expected && LONG=150
t0=$SECONDS
wait_secs $LONG p1_up || { show_logs; fail "phase 1 is not up on both sides"; }
wait_secs $LONG qm_done || { show_logs; fail "Quick Mode did not get as far as the kernel allows"; }
show_logs
grep -q "ISAKMP SA established (main mode) with 192.0.2.2:500, ID DER_ASN1_DN, as $ROLE" "$OD/log" ||
    fail "oakley's ISAKMP SA is not Main Mode as $ROLE with a DN ID: $(grep "ISAKMP SA established (" "$OD/log")"
# the peer's ID as oakley lists it: the DN (or, as this version prints a DN, type 9 and the DER,
# which holds "b.example.org")
rid=$(oak list-sas | sed -n 's/^ *remote-id: //p')
[ "$rid" = "$DN_B" ] || [[ "$rid" == 9:*$(printf b.example.org | od -An -tx1 | tr -d ' \n')* ]] ||
    fail "oakley lists the peer's ID as '$rid', not $DN_B"
grep -q "Peer ID is ID_DER_ASN1_DN: '$DN_A'" "$PD/pluto.log" || fail "pluto did not see the ID $DN_A"
grep -q "authenticated peer .*RSA.* signature using peer certificate .$DN_A. issued by CA .$ROOT_DN." "$PD/pluto.log" ||
    fail "pluto does not say it verified oakley's RSA signature with its certificate"
echo "figures: Libreswan $ROLE-$CASE: RSA certificates, Main Mode, phase 1 and Quick Mode in $((SECONDS - t0)) s"
esp_expected ||
    echo "negotiation checked against pluto; this kernel has no ESP, the data path is checked in tests/vm"
echo PASS
