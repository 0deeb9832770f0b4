# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared helpers of the VM tests (sourced, runs inside the guest). They install SAs and policies
# through one tool, chosen by $XFRM: "xfrmctl" (the module's CLI, path in $XFRMCTL) or "ip"
# (iproute2, the fallback while xfrmctl does not exist). iproute2 is always the independent oracle
# that reads back what the kernel holds.
#
# Two namespaces joined by one veth pair; tunnel mode protects traffic between "LAN" addresses on
# each side's loopback:
#
#   ns oak-vm-a                                         ns oak-vm-b
#   lo 198.51.100.1/32 (LAN A)                          lo 203.0.113.1/32 (LAN B)
#   lo 2001:db8:a::1/128                                lo 2001:db8:b::1/128
#   va 192.0.2.1/24, 2001:db8::1/64 <=== veth ===>  vb 192.0.2.2/24, 2001:db8::2/64
#        nft netdev ingress counters on va and vb: what was on the wire (esp, icmp, udp 4500)

NS_A=oak-vm-a
NS_B=oak-vm-b
BB=/bin/busybox
PY=/usr/bin/python3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ -z "${XFRM:-}" ]; then
	if [ -n "${XFRMCTL:-}" ] && [ -x "$XFRMCTL" ]; then
		XFRM=xfrmctl
	else
		XFRM=ip
	fi
fi
if [ "$XFRM" = xfrmctl ] && ! [ -x "${XFRMCTL:-}" ]; then
	echo "XFRM=xfrmctl but XFRMCTL='${XFRMCTL:-}' is not an executable" >&2
	exit 1
fi

# Runs a command in namespace $1.
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# Prints n random bytes as lower-case hex.
randhex() { od -An -v -tx1 -N "$1" /dev/urandom | tr -d ' \n'; }

# Fails the current case with a message (used as `cond || fail msg; return`).
fail() {
	echo "    FAIL: $*"
	return 1
}
note() { echo "    $*"; }

# Creates the two namespaces, the veth pair, addresses, routes to the other LAN and nft counters.
# (Few processes: every exec costs ~0.1 s under TCG.)
ns_setup() {
	ns_teardown
	ip netns add $NS_A && ip netns add $NS_B || return 1
	ip link add va netns $NS_A type veth peer name vb netns $NS_B || return 1
	ip -n $NS_A -b - <<EOF || return 1
link set lo up
addr add 192.0.2.1/24 dev va
addr add 2001:db8::1/64 dev va nodad
addr add 198.51.100.1/32 dev lo
addr add 2001:db8:a::1/128 dev lo nodad
link set va up
route add 203.0.113.1/32 via 192.0.2.2 src 198.51.100.1
route add 2001:db8:b::1/128 via 2001:db8::2 src 2001:db8:a::1
EOF
	ip -n $NS_B -b - <<EOF || return 1
link set lo up
addr add 192.0.2.2/24 dev vb
addr add 2001:db8::2/64 dev vb nodad
addr add 203.0.113.1/32 dev lo
addr add 2001:db8:b::1/128 dev lo nodad
link set vb up
route add 198.51.100.1/32 via 192.0.2.1 src 203.0.113.1
route add 2001:db8:a::1/128 via 2001:db8::1 src 2001:db8:b::1
EOF
	wire_counters_setup $NS_A va && wire_counters_setup $NS_B vb
}

ns_teardown() {
	ip netns del $NS_A 2>/dev/null
	ip netns del $NS_B 2>/dev/null
	return 0
}

# Removes every SA and policy of both namespaces (between cases).
xfrm_flush() {
	local ns
	for ns in $NS_A $NS_B; do
		ip -n $ns xfrm state flush && ip -n $ns xfrm policy flush || return 1
	done
}

# nft counters at the egress of device $2 in namespace $1: everything that side put on the wire.
# (Egress, not ingress: a tunnel-mode packet decapsulated by the receiver re-enters the ingress hook
# of the same device as plaintext.)
wire_counters_setup() {
	in_ns "$1" nft -f - <<EOF
table netdev oakwire {
	counter c_esp {}
	counter c_icmp {}
	counter c_natt {}
	counter c_esp6 {}
	counter c_icmp6 {}
	chain out {
		type filter hook egress device "$2" priority 0;
		ip protocol esp counter name "c_esp"
		ip protocol icmp counter name "c_icmp"
		ip protocol udp udp dport 4500 counter name "c_natt"
		ip6 nexthdr esp counter name "c_esp6"
		ip6 nexthdr ipv6-icmp icmpv6 type { echo-request, echo-reply } counter name "c_icmp6"
	}
}
EOF
}

# Prints the packet count of wire counter $2 in namespace $1.
wire_count() {
	local out
	out=$(in_ns "$1" nft list counter netdev oakwire "c_$2")
	[[ $out =~ packets\ ([0-9]+)\ bytes ]] && echo "${BASH_REMATCH[1]}"
}

wire_reset() {
	in_ns "$1" nft reset counters table netdev oakwire >/dev/null
}

# ping_ok NS SRC DST [COUNT]: COUNT (default 3) pings from SRC to DST, all answered.
ping_ok() {
	local ns=$1 src=$2 dst=$3 n=${4:-3} out got
	out=$(in_ns "$ns" $BB ping -c "$n" -i 0.2 -W 3 -w 15 -I "$src" "$dst" 2>&1)
	got=
	[[ $out =~ \ ([0-9]+)\ packets\ received ]] && got=${BASH_REMATCH[1]}
	note "ping $src -> $dst: ${got:-?}/$n"
	[ "${got:-0}" = "$n" ]
}

# --- Algorithms -------------------------------------------------------------------------------------
# alg_set FAMILY: sets fresh keys and the kernel algorithm names for one family.
#   ALG_AEAD=NAME:HEX:ICV or ALG_ENC=NAME:HEX plus ALG_AUTH=NAME:HEX:TRUNC
alg_set() {
	ALG_AEAD='' ALG_ENC='' ALG_AUTH=''
	case $1 in
	gcm) ALG_AEAD="rfc4106(gcm(aes)):$(randhex 20):128" ;;        # 128-bit AES key + 32-bit salt
	cbc) ALG_ENC="cbc(aes):$(randhex 16)"
	     ALG_AUTH="hmac(sha256):$(randhex 32):128" ;;
	chacha) ALG_AEAD="rfc7539esp(chacha20,poly1305):$(randhex 36):128" ;; # 256-bit key + salt
	3des) ALG_ENC="cbc(des3_ede):$(randhex 24)"
	      ALG_AUTH="hmac(sha1):$(randhex 20):96" ;;
	*) echo "unknown family $1" >&2; return 1 ;;
	esac
}

# Splits NAME:HEX[:BITS] into the three words that ip xfrm wants (NAME 0xHEX [BITS]).
alg_ip_words() {
	local IFS=:
	set -- $1
	echo "$1" "0x$2" ${3:+"$3"}
}

# --- The tool under test ----------------------------------------------------------------------------
# sa_add NS SRC DST SPI MODE REQID [extra xfrmctl options...]: installs one ESP SA with the current
# ALG_* keys. Extra options understood in ip mode: --encap S:D, --soft-secs, --hard-secs,
# --soft-bytes, --hard-bytes.
sa_add() {
	local ns=$1 src=$2 dst=$3 spi=$4 mode=$5 reqid=$6
	shift 6
	if [ "$XFRM" = xfrmctl ]; then
		local a=(--src "$src" --dst "$dst" --spi "$spi" --proto esp --mode "$mode" --reqid "$reqid")
		[ -n "$ALG_AEAD" ] && a+=(--aead "$ALG_AEAD")
		[ -n "$ALG_ENC" ] && a+=(--enc "$ALG_ENC" --auth "$ALG_AUTH")
		in_ns "$ns" "$XFRMCTL" sa-add "${a[@]}" "$@"
		return
	fi
	local a=(src "$src" dst "$dst" proto esp spi "$spi" reqid "$reqid" mode "$mode") lim=()
	[ -n "$ALG_AEAD" ] && a+=(aead $(alg_ip_words "$ALG_AEAD"))
	[ -n "$ALG_ENC" ] && a+=(enc $(alg_ip_words "$ALG_ENC") auth-trunc $(alg_ip_words "$ALG_AUTH"))
	while [ $# -gt 0 ]; do
		case $1 in
		--encap) a+=(encap espinudp "${2%%:*}" "${2##*:}" 0.0.0.0) ;;
		--soft-secs) lim+=(limit time-soft "$2") ;;
		--hard-secs) lim+=(limit time-hard "$2") ;;
		--soft-bytes) lim+=(limit byte-soft "$2") ;;
		--hard-bytes) lim+=(limit byte-hard "$2") ;;
		*) echo "sa_add: $1 not supported with XFRM=ip" >&2; return 1 ;;
		esac
		shift 2
	done
	ip -n "$ns" xfrm state add "${a[@]}" "${lim[@]}"
}

sa_del() {
	local ns=$1 src=$2 dst=$3 spi=$4
	if [ "$XFRM" = xfrmctl ]; then
		in_ns "$ns" "$XFRMCTL" sa-del --src "$src" --dst "$dst" --spi "$spi" --proto esp
	else
		ip -n "$ns" xfrm state delete src "$src" dst "$dst" proto esp spi "$spi"
	fi
}

# sa_packets NS SRC DST SPI: prints the SA's packet counter as the tool under test reads it.
sa_packets() {
	local ns=$1 src=$2 dst=$3 spi=$4
	if [ "$XFRM" = xfrmctl ]; then
		local out
		out=$(in_ns "$ns" "$XFRMCTL" sa-get --src "$src" --dst "$dst" --spi "$spi" --proto esp)
		[[ $out =~ packets=([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
	else
		oracle_sa_packets "$@"
	fi
}

# The same counter read by iproute2.
oracle_sa_packets() {
	local out
	out=$(ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4")
	[[ $out =~ [0-9]+\(bytes\),\ ([0-9]+)\(packets\) ]] && echo "${BASH_REMATCH[1]}"
}

# pol_add NS DIR SELSRC SELDST TMPLSRC TMPLDST MODE REQID
pol_add() {
	local ns=$1 dir=$2 ss=$3 sd=$4 ts=$5 td=$6 mode=$7 reqid=$8
	if [ "$XFRM" = xfrmctl ]; then
		in_ns "$ns" "$XFRMCTL" policy-add --dir "$dir" --sel-src "$ss" --sel-dst "$sd" \
			--tmpl-src "$ts" --tmpl-dst "$td" --proto esp --mode "$mode" --reqid "$reqid"
	else
		ip -n "$ns" xfrm policy add dir "$dir" src "$ss" dst "$sd" \
			tmpl src "$ts" dst "$td" proto esp reqid "$reqid" mode "$mode"
	fi
}

# --- The oracle -------------------------------------------------------------------------------------
# oracle_sa_check NS SRC DST SPI MODE REQID [ENCAP]: `ip xfrm state get` shows the SA with exactly
# the requested SPI, reqid, mode, algorithms, keys and encapsulation.
oracle_sa_check() {
	local ns=$1 src=$2 dst=$3 spi=$4 mode=$5 reqid=$6 encap=${7:-} out want w l lines=()
	out=$(ip -n "$ns" xfrm state get src "$src" dst "$dst" proto esp spi "$spi") ||
		{ fail "ip xfrm state get $src $dst $spi: no such SA"; return; }
	while read -r l; do lines+=("$l"); done <<<"$out"
	want=("src $src dst $dst" "proto esp spi $(printf '0x%08x' "$spi") reqid $reqid mode $mode")
	[ -n "$ALG_AEAD" ] && want+=("aead $(alg_ip_words "$ALG_AEAD")")
	[ -n "$ALG_ENC" ] && want+=("enc $(alg_ip_words "$ALG_ENC")" \
		"auth-trunc $(alg_ip_words "$ALG_AUTH")")
	[ -n "$encap" ] &&
		want+=("encap type espinudp sport ${encap%%:*} dport ${encap##*:} addr 0.0.0.0")
	for w in "${want[@]}"; do
		for l in "${lines[@]}" ""; do
			[ "$l" = "$w" ] && break
		done
		if [ "$l" != "$w" ]; then
			fail "ip xfrm state does not show '$w' for spi $spi; it shows:"
			printf '      %s\n' "${lines[@]}"
			return 1
		fi
	done
	if [ -z "$encap" ] && [[ $out == *encap* ]]; then
		fail "spi $spi has an encap it was not asked for"
		return
	fi
}

# --- ESP-in-UDP sockets -----------------------------------------------------------------------------
# natt_socket_start NS ADDR: holds a UDP socket on ADDR:4500 with UDP_ENCAP_ESPINUDP and a per-socket
# bypass policy (in and out) open in the background; sets NATT_PIDS.
NATT_PIDS=()
natt_socket_start() {
	local ns=$1 addr=$2 ready _
	ready=$(mktemp -u /tmp/natt.XXXXXX)
	in_ns "$ns" $PY "$HERE/natt-socket.py" "$addr" 4500 "$ready" 120 &
	NATT_PIDS+=($!)
	for _ in $(seq 1 100); do
		[ -e "$ready" ] && { rm -f "$ready"; return 0; }
		kill -0 "${NATT_PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	fail "the UDP_ENCAP socket on $addr:4500 in $ns did not come up"
}

natt_socket_stop() {
	local p
	for p in "${NATT_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	NATT_PIDS=()
}
