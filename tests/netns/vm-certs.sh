#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-certs, the host side: makes interop-certs.sh's PKI here with pki (under TCG in the guest that
# alone took ~130 s), then boots the VM, where OAKLEY_CERTS_PKI (the host's /tmp shows through
# the overlay) hands it to each run, and a ping must cross each certificate-authenticated tunnel.
#
# usage: vm-certs.sh OAKLEYD OAKLEY 'CASES...'   (interop-certs.sh cases, run against strongSwan
#        and against oakleyd)
set -u
dir=$(cd "$(dirname "$0")" && pwd)
OAKLEYD=$1 OAKLEY=$2 CASES=$3
PKI=$(mktemp -d /tmp/oakley-vm-certs.XXXXXX) || exit 1
trap 'rm -rf "$PKI"' EXIT
out=$(OAKLEY_CERTS_PKI=$PKI "$dir/interop-certs.sh" "$OAKLEYD" "$OAKLEY" strongswan pki 2>&1)
rc=$?
[ $rc = 0 ] || { echo "$out"; exit $rc; } # 77 (no pki, no root) stays a SKIP
"$dir/../vm/run" --timeout 540 --env OAKLEY_EXPECT_ESP=1 --env "OAKLEY_CERTS_PKI=$PKI" -- \
    "$dir/run-cases.sh" "interop-certs.sh $OAKLEYD $OAKLEY strongswan $CASES" \
    "interop-certs.sh $OAKLEYD $OAKLEY oakley $CASES"
