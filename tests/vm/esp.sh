#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# esp.sh MODE [FAMILY...]: static-key ESP between two namespaces, one case per algorithm family
# (gcm, cbc, chacha, 3des; all by default), SAs and policies installed by $XFRM (xfrmctl; see lib.sh).
# MODE is tunnel, transport, udp (tunnel mode, ESP-in-UDP 4500:4500) or tunnel6 (IPv6 in IPv6).
# Runs inside the VM (tests/vm/run -- tests/vm/esp.sh tunnel).
#
#   ns oak-vm-a                                          ns oak-vm-b
#   lo 198.51.100.1 / 2001:db8:a::1 (LAN A)              lo 203.0.113.1 / 2001:db8:b::1 (LAN B)
#   va 192.0.2.1 / 2001:db8::1  <======= veth =======>   vb 192.0.2.2 / 2001:db8::2
#   [udp: python holds 192.0.2.1:4500]                   [udp: python holds 192.0.2.2:4500]
#
#   tunnel:    LAN A <-> LAN B in ESP tunnel mode between 192.0.2.1 and 192.0.2.2
#   transport: 192.0.2.1 <-> 192.0.2.2 in ESP transport mode
#   udp:       as tunnel, ESP in UDP 4500 -> 4500 (RFC 3948), UDP_ENCAP sockets with bypass policies
#   tunnel6:   2001:db8:a::1 <-> 2001:db8:b::1 in ESP tunnel mode between 2001:db8::1 and ::2
#
# Each case shows: 3/3 pings cross; the SA counters grow (tool under test and iproute2 agree they
# do); `ip xfrm state` shows the keys, algorithms, mode and encap requested; the nft ingress counters
# at both ends saw ESP (or UDP 4500) and no ICMP, i.e. only ESP was on the wire. A control ping
# without SAs first proves the counters do see plaintext ICMP. The namespaces (and for udp the
# sockets) are set up once; each case starts from flushed SAs and policies. Prints "ok"/"not ok" per
# case and exits 1 if any failed.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MODE=${1:?usage: esp.sh tunnel|transport|udp|tunnel6 [family...]}
shift
FAMILIES=${*:-gcm cbc chacha 3des}

case $MODE in
tunnel|udp)
	OUT_A=192.0.2.1 OUT_B=192.0.2.2 IN_A=198.51.100.1 IN_B=203.0.113.1 XMODE=tunnel
	SEL_A=198.51.100.1/32 SEL_B=203.0.113.1/32 WIRE_ESP=esp WIRE_ICMP=icmp ;;
transport)
	OUT_A=192.0.2.1 OUT_B=192.0.2.2 IN_A=192.0.2.1 IN_B=192.0.2.2 XMODE=transport
	SEL_A=192.0.2.1/32 SEL_B=192.0.2.2/32 WIRE_ESP=esp WIRE_ICMP=icmp ;;
tunnel6)
	OUT_A=2001:db8::1 OUT_B=2001:db8::2 IN_A=2001:db8:a::1 IN_B=2001:db8:b::1 XMODE=tunnel
	SEL_A=2001:db8:a::1/128 SEL_B=2001:db8:b::1/128 WIRE_ESP=esp6 WIRE_ICMP=icmp6 ;;
*) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
ENCAP=
[ "$MODE" = udp ] && ENCAP=4500:4500 WIRE_ESP=natt

SPI_AB=0x1000 SPI_BA=0x2000 REQID=7

# control: with no SA, a ping is plaintext and the counters see it.
control() {
	ping_ok $NS_A "$IN_A" "$IN_B" 2 || { fail "plaintext ping without SAs"; return; }
	local c
	c=$(wire_count $NS_B "$WIRE_ICMP")
	[ "${c:-0}" -ge 2 ] || { fail "the wire counter did not see plaintext ICMP ($c)"; return; }
	note "control: plaintext ping counted as $WIRE_ICMP on the wire ($c packets)"
}

# Installs the SA pair and the policies of one case in both namespaces.
install() {
	local ns e=()
	[ -n "$ENCAP" ] && e=(--encap "$ENCAP")
	for ns in $NS_A $NS_B; do
		sa_add $ns $OUT_A $OUT_B $SPI_AB $XMODE $REQID "${e[@]}" || { fail "sa-add $SPI_AB in $ns"; return; }
		sa_add $ns $OUT_B $OUT_A $SPI_BA $XMODE $REQID "${e[@]}" || { fail "sa-add $SPI_BA in $ns"; return; }
	done
	pol_add $NS_A out $SEL_A $SEL_B $OUT_A $OUT_B $XMODE $REQID &&
		pol_add $NS_A in $SEL_B $SEL_A $OUT_B $OUT_A $XMODE $REQID &&
		pol_add $NS_B out $SEL_B $SEL_A $OUT_B $OUT_A $XMODE $REQID &&
		pol_add $NS_B in $SEL_A $SEL_B $OUT_A $OUT_B $XMODE $REQID || { fail "policy-add"; return; }
}

# One case: family $1.
run_case() {
	local fam=$1 ns c pk ok=1
	alg_set "$fam" || return 1
	xfrm_flush || { fail "flush"; return; }
	install || return 1
	for ns in $NS_A $NS_B; do
		oracle_sa_check $ns $OUT_A $OUT_B $SPI_AB $XMODE $REQID "$ENCAP" || return 1
		oracle_sa_check $ns $OUT_B $OUT_A $SPI_BA $XMODE $REQID "$ENCAP" || return 1
	done
	note "ip xfrm state shows the requested keys, algorithms, mode${ENCAP:+ and encap} (4 SAs)"
	wire_reset $NS_A && wire_reset $NS_B
	ping_ok $NS_A "$IN_A" "$IN_B" 3 || { fail "ping through ESP"; return; }
	# Counters: A's outbound and B's inbound SA carried the 3 requests, the reverse the 3 replies.
	for c in "$NS_A $OUT_A $OUT_B $SPI_AB" "$NS_B $OUT_A $OUT_B $SPI_AB" \
		"$NS_B $OUT_B $OUT_A $SPI_BA" "$NS_A $OUT_B $OUT_A $SPI_BA"; do
		set -- $c
		pk=$(sa_packets "$@")
		[ "${pk:-0}" -ge 3 ] || { fail "$XFRM: SA $4 in $1 counted ${pk:-nothing} packets"; ok=0; }
		pk=$(oracle_sa_packets "$@")
		[ "${pk:-0}" -ge 3 ] || { fail "ip: SA $4 in $1 counted ${pk:-nothing} packets"; ok=0; }
	done
	[ $ok = 1 ] || return 1
	note "SA packet counters >= 3 in both directions ($XFRM sa-get and ip -s xfrm state)"
	for ns in $NS_A $NS_B; do
		c=$(wire_count $ns "$WIRE_ESP")
		[ "${c:-0}" -ge 3 ] || { fail "$ns saw ${c:-no} $WIRE_ESP packets on the wire"; return; }
		c=$(wire_count $ns "$WIRE_ICMP")
		[ "${c:-1}" = 0 ] || { fail "$ns saw $c plaintext $WIRE_ICMP packets on the wire"; return; }
		if [ "$MODE" = udp ]; then
			c=$(wire_count $ns esp)
			[ "${c:-1}" = 0 ] || { fail "$ns saw $c bare ESP packets"; return; }
		fi
	done
	note "wire: only $WIRE_ESP, no plaintext $WIRE_ICMP, at both ends"
	for ns in $NS_A $NS_B; do
		sa_del $ns $OUT_A $OUT_B $SPI_AB && sa_del $ns $OUT_B $OUT_A $SPI_BA ||
			{ fail "sa-del in $ns"; return; }
		[ -z "$(in_ns $ns ip xfrm state)" ] || { fail "SAs left in $ns after sa-del"; return; }
	done
	note "sa-del removed all 4 SAs"
}

echo "# ESP $MODE through $XFRM${XFRMCTL:+ ($XFRMCTL)}"
failed=0
ns_setup || { echo "not ok - $MODE namespace setup"; ns_teardown; exit 1; }
if [ "$MODE" = udp ]; then
	natt_socket_start $NS_A $OUT_A && natt_socket_start $NS_B $OUT_B ||
		{ echo "not ok - $MODE UDP_ENCAP sockets"; natt_socket_stop; ns_teardown; exit 1; }
fi
if control; then
	echo "ok - $MODE control (plaintext visible to the wire counters)"
else
	echo "not ok - $MODE control"
	failed=1
fi
for fam in $FAMILIES; do
	if run_case "$fam"; then
		echo "ok - $MODE $fam"
	else
		echo "not ok - $MODE $fam"
		failed=$((failed + 1))
	fi
done
natt_socket_stop
ns_teardown
echo "# $MODE: $failed failed"
[ $failed = 0 ]
