#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Makes the test PKI of daemon-certs in DIR (an ipsec.d layout) with strongSwan's pki:
#
#   cacerts/root.der  "C=CH, O=Example, CN=Root CA" (RSA 3072, self-signed)
#   inter.der         "C=CH, O=Example, CN=Intermediate CA" (ECDSA P-384, by root; not in cacerts:
#                     a peer sends it)
#   certs/rsa2048.der "C=CH, O=Example, CN=gw-rsa2048" SANs gw2048.example.org, 192.0.2.1,
#                     2001:db8::1, alice@example.org (by root)
#   certs/rsa3072.der "C=CH, O=Example, CN=gw-rsa3072" (by root)
#   certs/ec256.der   "C=CH, O=Example, OU=VPN, CN=gw-ec256" SAN ec256.example.org (by inter)
#   certs/ec384.pem   "C=CH, O=Example, CN=gw-ec384" (by root, PEM)
#   certs/expired.der, certs/future.der (2020-2021, 2045-2046), certs/revoked.der (serial 77, in
#   crls/root.crl), wrongca.der (by otherca.der "C=CH, O=Other, CN=Other Root", not trusted)
#   private/*.der     the keys (PKCS#1 / SEC1 DER as pki writes them)
# Exit 77 when pki is missing.
set -eu
dir=$1
command -v pki >/dev/null 2>&1 || { echo "SKIP: strongSwan's pki is not installed (strongswan-pki)"; exit 77; }
p() { pki "$@" 2>/dev/null; }
mkdir -p "$dir/cacerts" "$dir/certs" "$dir/private" "$dir/crls"
cd "$dir"
root="--cacert cacerts/root.der --cakey private/root.der"
p --gen --type rsa --size 3072 > private/root.der
p --self --in private/root.der --dn "C=CH, O=Example, CN=Root CA" --ca --lifetime 3650 > cacerts/root.der
p --gen --type ecdsa --size 384 > private/inter.der
p --issue $root --type priv --in private/inter.der --dn "C=CH, O=Example, CN=Intermediate CA" \
	--ca > inter.der
p --gen --type rsa --size 2048 > private/rsa2048.der
p --issue $root --type priv --in private/rsa2048.der --dn "C=CH, O=Example, CN=gw-rsa2048" \
	--san gw2048.example.org --san 192.0.2.1 --san 2001:db8::1 --san alice@example.org \
	> certs/rsa2048.der
p --gen --type rsa --size 3072 > private/rsa3072.der
p --issue $root --type priv --in private/rsa3072.der --dn "C=CH, O=Example, CN=gw-rsa3072" \
	--san gw3072.example.org > certs/rsa3072.der
p --gen --type ecdsa --size 256 > private/ec256.der
p --issue --cacert inter.der --cakey private/inter.der --type priv --in private/ec256.der \
	--dn "C=CH, O=Example, OU=VPN, CN=gw-ec256" --san ec256.example.org > certs/ec256.der
p --gen --type ecdsa --size 384 > private/ec384.der
p --issue $root --type priv --in private/ec384.der --dn "C=CH, O=Example, CN=gw-ec384" \
	--san ec384.example.org --outform pem > certs/ec384.pem
p --gen --type ecdsa --size 256 > private/other.der
p --issue $root --type priv --in private/other.der --dn "C=CH, O=Example, CN=expired" \
	--not-before "01.01.20 00:00:00" --not-after "01.01.21 00:00:00" > certs/expired.der
p --issue $root --type priv --in private/other.der --dn "C=CH, O=Example, CN=future" \
	--not-before "01.01.45 00:00:00" --not-after "01.01.46 00:00:00" > certs/future.der
p --issue $root --type priv --in private/other.der --dn "C=CH, O=Example, CN=revoked" \
	--serial 77 > certs/revoked.der
p --signcrl $root --cert certs/revoked.der --reason key-compromise > crls/root.crl
p --gen --type ecdsa --size 256 > private/otherca.der
p --self --in private/otherca.der --dn "C=CH, O=Other, CN=Other Root" --ca > otherca.der
p --issue --cacert otherca.der --cakey private/otherca.der --type priv --in private/other.der \
	--dn "C=CH, O=Example, CN=wrong-ca" --san wrong.example.org > wrongca.der
