#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The built oakleyd --check-config on small config files: exit 0 and "OK" for a good one, exit 1
# with file:line for a PSK conn that no secret can match, a KEY_ID or DN ID (which used to pass
# here and fail at `oakley up` with "ID type not supported yet"), leftcert= (certificates are not
# implemented), and a Libreswan XAUTH remote-access server (which used to load as a group-PSK
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
case_ leftcert 1 "ipsec.conf:7: 'leftcert=gw.pem' refused: certificates" \
    "${S2S}    leftcert=gw.pem\n" '%any : PSK "k"\n'
case_ lsw-xauth-server 1 "ipsec.conf:6: 'leftxauthserver=yes' refused: XAUTH is not implemented yet" \
    'conn xauth-psk\n    ikev2=no\n    authby=secret\n    left=192.0.2.1\n    right=%any\n    leftxauthserver=yes\n    rightxauthclient=yes\n    xauthby=file\n    auto=add\n' \
    '%any : PSK "group"\n'
echo "$n cases"
