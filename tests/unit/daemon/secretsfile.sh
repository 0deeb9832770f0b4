#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# config setup secretsfile= (Libreswan) acts: oakleyd --check-config reads the keys from that file
# when --secrets is not given, and from --secrets when it is (the command line wins).
# usage: secretsfile.sh OAKLEYD
set -eu
OAKLEYD=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$TMP/ipsec.conf" <<EOT
config setup
    secretsfile=$TMP/other.secrets
conn a
    left=192.0.2.1
    right=192.0.2.2
    auto=add
EOT
printf '192.0.2.1 192.0.2.2 : PSK "first key"\n192.0.2.1 192.0.2.3 : PSK "second key"\n' \
    > "$TMP/other.secrets"
printf '192.0.2.1 192.0.2.2 : PSK "cmdline key"\n' > "$TMP/cmdline.secrets"
chmod 600 "$TMP"/*.secrets

out=$("$OAKLEYD" --check-config --config "$TMP/ipsec.conf" 2>&1) || fail "check-config: $out"
echo "$out" | grep -q '1 connection, 2 secrets: OK' || fail "secretsfile= not read: $out"
out=$("$OAKLEYD" --check-config --config "$TMP/ipsec.conf" --secrets "$TMP/cmdline.secrets" 2>&1) ||
    fail "check-config --secrets: $out"
echo "$out" | grep -q '1 connection, 1 secret: OK' || fail "--secrets did not win: $out"
echo "secretsfile=: 2 secrets read from it; --secrets: 1 secret from the command line's file"
