#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The built oakleyd --check-config on small config files: exit 0 and "OK" for a good one, exit 1
# with file:line for a PSK conn that no secret can match, a KEY_ID or DN ID (which used to pass
# here and fail at `oakley up` with "ID type not supported yet"), a certificate that is missing,
# expired or not its key's (file:line and the reason), and a Libreswan XAUTH remote-access server (which used to load as a group-PSK
# gateway); a road warrior keyed by %any or by the gateway's ID passes. No root, no network.
#
# usage: check-config.sh OAKLEYD
set -u
OAKLEYD=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
TMP=$(mktemp -d /tmp/oak-checkcfg.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n=0
# case NAME WANT_RC WANT_TEXT CONF SECRETS: runs --check-config on the two texts
case_() {
    local name=$1 want=$2 text=$3
    mkdir -p "$TMP/$name"
    printf '%b' "$4" > "$TMP/$name/ipsec.conf"
    printf '%b' "$5" > "$TMP/$name/ipsec.secrets"
    chmod 600 "$TMP/$name/ipsec.secrets"
    local rc=0
    "$OAKLEYD" --check-config --config "$TMP/$name/ipsec.conf" \
        --secrets "$TMP/$name/ipsec.secrets" > "$TMP/$name/out" 2>&1 || rc=$?
    [ "$rc" = "$want" ] || fail "$name: exit $rc, want $want: $(cat "$TMP/$name/out")"
    grep -qF -- "$text" "$TMP/$name/out" || fail "$name: no '$text' in: $(cat "$TMP/$name/out")"
    n=$((n + 1))
    echo "ok   $name (exit $rc)"
}
S2S='conn a\n    keyexchange=ikev1\n    authby=secret\n    left=192.0.2.1\n    right=203.0.113.2\n    auto=add\n'
case_ good 0 "1 connection, 1 secret: OK" "$S2S" '192.0.2.1 203.0.113.2 : PSK "k"\n'
case_ no-secret 1 "ipsec.conf:1: conn 'a': no pre-shared key in ipsec.secrets for IDs 192.0.2.1 and 203.0.113.2" \
    "$S2S" '192.0.2.1 203.0.113.9 : PSK "k"\n'
case_ no-secret-ids 1 "ipsec.conf:1: conn 'a': no pre-shared key" \
    "${S2S}    leftid=@a.example.org\n    rightid=@b.example.org\n" '192.0.2.1 203.0.113.2 : PSK "k"\n'
case_ empty-secrets 1 "could never authenticate" "$S2S" '# nothing yet\n'
RW='conn rw\n    authby=secret\n    left=%defaultroute\n    leftid=@gw.example.org\n    right=%any\n    rightid=%any\n    aggressive=yes\n    auto=add\n'
case_ rw-any 0 "1 connection, 1 secret: OK" "$RW" '%any : PSK "k"\n'
case_ rw-gw-id 0 "1 connection, 2 secrets: OK" "$RW" \
    '@gw.example.org @alice.example.org : PSK "k1"\n@gw.example.org @bob.example.org : PSK "k2"\n'
case_ keyid 1 "ipsec.conf:7: 'leftid=keyid:0a0b' refused: KEY_ID IDs are not implemented yet" \
    "${S2S}    leftid=keyid:0a0b\n" '%any : PSK "k"\n'
case_ dn 1 "ipsec.conf:7: 'rightid=C=CH, CN=peer' refused: distinguished-name IDs" \
    "${S2S}    rightid=\"C=CH, CN=peer\"\n" '%any : PSK "k"\n'
case_ leftcert-psk 0 "ipsec.conf:7: 'leftcert=gw.pem' unused: authby= uses pre-shared keys" \
    "${S2S}    leftcert=gw.pem\n" '%any : PSK "k"\n'
# Certificate conns: every certificate and key a conn names is loaded and checked (ipsec.d/ next
# to ipsec.conf), with file:line and the reason.
CERT='conn c\n    keyexchange=ikev1\n    authby=pubkey\n    left=192.0.2.1\n    right=203.0.113.2\n    leftcert=gw.pem\n    auto=add\n'
case_ cert-missing 1 "ipsec.conf:6: certificate 'gw.pem': unreadable" "$CERT" ': RSA gw.key\n'
# the line of rightcert= given in conn %default, not the conn's
case_ rightcert-default 1 "ipsec.conf:2: certificate 'peer.pem': unreadable" \
    "conn %default\n    rightcert=peer.pem\n\n$CERT" ': RSA gw.key\n'
if command -v pki >/dev/null; then
    P=$TMP/pki
    mkdir -p "$P"
    pki --gen --type rsa --size 2048 --outform pem > "$P/ca.key" 2>/dev/null
    pki --self --ca --in "$P/ca.key" --dn "C=CH, CN=Check CA" --outform pem > "$P/ca.pem" 2>/dev/null
    pki --gen --type rsa --size 2048 --outform pem > "$P/gw.key" 2>/dev/null
    pki --gen --type rsa --size 2048 --outform pem > "$P/other.key" 2>/dev/null
    pki --issue --cacert "$P/ca.pem" --cakey "$P/ca.key" --type priv --in "$P/gw.key" \
        --dn "C=CH, CN=gw" --san 192.0.2.1 --outform pem > "$P/gw.pem" 2>/dev/null
    pki --issue --cacert "$P/ca.pem" --cakey "$P/ca.key" --type priv --in "$P/gw.key" \
        --dn "C=CH, CN=gw" --dateform "%Y-%m-%d" --not-before 2019-01-01 --not-after 2020-01-01 \
        --outform pem > "$P/old.pem" 2>/dev/null
    # ipsec.d/ next to ipsec.conf: case DIR CERTFILE KEYFILE
    ipsecd() {
        mkdir -p "$TMP/$1/ipsec.d/cacerts" "$TMP/$1/ipsec.d/certs" "$TMP/$1/ipsec.d/private"
        cp "$P/ca.pem" "$TMP/$1/ipsec.d/cacerts/"
        cp "$P/$2" "$TMP/$1/ipsec.d/certs/gw.pem"
        cp "$P/$3" "$TMP/$1/ipsec.d/private/gw.key"
    }
    ipsecd cert-good gw.pem gw.key
    case_ cert-good 0 "1 connection, 1 secret: OK" "$CERT" ': RSA gw.key\n'
    ipsecd cert-expired old.pem gw.key
    case_ cert-expired 1 "ipsec.conf:6: certificate 'gw.pem'" "$CERT" ': RSA gw.key\n'
    grep -q "expired\|2020-01-01" "$TMP/cert-expired/out" || fail "cert-expired: no date or 'expired'"
    ipsecd cert-wrong-key gw.pem other.key
    case_ cert-wrong-key 1 "ipsec.conf:6: certificate 'gw.pem'" "$CERT" ': RSA gw.key\n'
else
    echo "skip cert-good, cert-expired, cert-wrong-key: strongSwan's pki is not installed"
fi
case_ lsw-xauth-server 1 "ipsec.conf:6: 'leftxauthserver=yes' refused: XAUTH is not implemented yet" \
    'conn xauth-psk\n    ikev2=no\n    authby=secret\n    left=192.0.2.1\n    right=%any\n    leftxauthserver=yes\n    rightxauthclient=yes\n    xauthby=file\n    auto=add\n' \
    '%any : PSK "group"\n'
echo "$n cases"
