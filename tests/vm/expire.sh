#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# expire.sh: soft and hard expire events for SAs with short lifetimes, received by `xfrmctl monitor`.
# Runs inside the VM (tests/vm/run -- tests/vm/expire.sh); needs xfrmctl ($XFRMCTL).
#
#   ns oak-vm-a                                        ns oak-vm-b
#   va 192.0.2.1/24  <=========== veth ===========>  vb 192.0.2.2/24
#   xfrmctl monitor (events of ns A)
#
#   time:  after a warm-up SA (0x2fff), one SA 192.0.2.1 -> 192.0.2.2 (spi 0x3000, AES-GCM) with
#          --soft-secs 2 --hard-secs 4 and
#          no traffic. Monitor (started first, --count 3): sa-add, expire soft (>= 1.5 s after the
#          add), expire hard (>= 3.5 s); afterwards the SA is gone from `ip xfrm state`.
#   bytes: ESP transport mode 192.0.2.1 <-> 192.0.2.2; A's outbound SA (spi 0x3100, AES-CBC +
#          HMAC-SHA2-256) has --soft-bytes 600 --hard-bytes 1200 (the counter adds 108 bytes, the ESP
#          payload, per ping). Monitor (started after the SAs,
#          `--count 2 --timeout 10`) while 16 pings (-s 100) go out: expire soft then
#          expire hard for 0x3100; the SA is gone afterwards.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ "$XFRM" != xfrmctl ]; then
	echo "SKIP: expire.sh needs xfrmctl (XFRMCTL) for its monitor"
	exit 77
fi

MON_PID=
MON_OUT=/tmp/expire-monitor.txt

# Starts `xfrmctl monitor ARGS...` in namespace $1 in the background; every line it prints is
# stamped with the time (ms) it was read. Waits (bounded) until its socket is subscribed.
monitor_start() {
	local ns=$1 _
	shift
	: >"$MON_OUT"
	(
		in_ns "$ns" "$XFRMCTL" monitor "$@" | while read -r l; do
			t=${EPOCHREALTIME/[.,]/}
			echo "$((t / 1000)) $l"
		done >"$MON_OUT"
		echo "${PIPESTATUS[0]}" >"$MON_OUT.rc"
	) &
	MON_PID=$!
	rm -f "$MON_OUT.rc"
	# Subscribed = a NETLINK_XFRM (protocol 6) socket with groups in the namespace.
	for _ in $(seq 1 100); do
		in_ns "$ns" awk '$2 == 6 && $4 != "00000000" { f = 1 } END { exit !f }' \
			/proc/net/netlink && return 0
		sleep 0.1
	done
	fail "xfrmctl monitor did not subscribe"
}

# Waits for the monitor to end by itself (bounded by its own --timeout plus 10 s).
monitor_wait() {
	local _ rc
	for _ in $(seq 1 $((($1 + 10) * 10))); do
		[ -s "$MON_OUT.rc" ] && break
		sleep 0.1
	done
	wait "$MON_PID" 2>/dev/null
	rc=$(cat "$MON_OUT.rc" 2>/dev/null)
	note "monitor exit status ${rc:-none}; events:"
	sed 's/^/      /' "$MON_OUT"
	[ "$rc" = 0 ] || { fail "monitor did not end with status 0 after its event count"; return; }
}

# Prints the time stamp of the first monitor line matching the extended regex $1.
event_time() {
	awk -v re="$1" '$0 ~ re { print $1; exit }' "$MON_OUT"
}

case_time() {
	local t_add t_soft t_hard
	alg_set gcm
	# Warm-up: the kernel stamps add_time when it allocates the SA, before instantiating the
	# cipher, which takes seconds under TCG the first time; that delay would eat the soft
	# lifetime (the first timer run would find the hard one already due and skip the soft).
	sa_add $NS_A 192.0.2.1 192.0.2.2 0x2fff tunnel 1 && sa_del $NS_A 192.0.2.1 192.0.2.2 0x2fff ||
		{ fail "warm-up sa-add/sa-del"; return; }
	monitor_start $NS_A --count 3 --timeout 15 || return 1
	t_add=${EPOCHREALTIME/[.,]/}
	t_add=$((t_add / 1000))
	sa_add $NS_A 192.0.2.1 192.0.2.2 0x3000 tunnel 1 --soft-secs 2 --hard-secs 4 ||
		{ fail "sa-add with lifetimes"; return; }
	monitor_wait 15 || return 1
	grep -q ' sa-add.* spi=0x00003000' "$MON_OUT" || { fail "no sa-add event"; return; }
	t_soft=$(event_time ' expire soft spi=0x00003000 ')
	t_hard=$(event_time ' expire hard spi=0x00003000 ')
	[ -n "$t_soft" ] || { fail "no soft expire event"; return; }
	[ -n "$t_hard" ] || { fail "no hard expire event"; return; }
	note "soft after $((t_soft - t_add)) ms, hard after $((t_hard - t_add)) ms"
	[ $((t_soft - t_add)) -ge 1500 ] || { fail "soft expire came too early"; return; }
	[ $((t_hard - t_add)) -ge 3500 ] || { fail "hard expire came too early"; return; }
	[ "$t_hard" -ge "$t_soft" ] || { fail "hard before soft"; return; }
	[ -z "$(ip -n $NS_A xfrm state)" ] || { fail "the SA is still there after its hard expire"; return; }
}

case_bytes() {
	local ns
	xfrm_flush
	alg_set cbc
	sa_add $NS_A 192.0.2.1 192.0.2.2 0x3100 transport 2 --soft-bytes 600 --hard-bytes 1200 &&
		sa_add $NS_A 192.0.2.2 192.0.2.1 0x3200 transport 2 &&
		sa_add $NS_B 192.0.2.1 192.0.2.2 0x3100 transport 2 &&
		sa_add $NS_B 192.0.2.2 192.0.2.1 0x3200 transport 2 || { fail "sa-add"; return; }
	pol_add $NS_A out 192.0.2.1/32 192.0.2.2/32 192.0.2.1 192.0.2.2 transport 2 &&
		pol_add $NS_A in 192.0.2.2/32 192.0.2.1/32 192.0.2.2 192.0.2.1 transport 2 &&
		pol_add $NS_B out 192.0.2.2/32 192.0.2.1/32 192.0.2.2 192.0.2.1 transport 2 &&
		pol_add $NS_B in 192.0.2.1/32 192.0.2.2/32 192.0.2.1 192.0.2.2 transport 2 ||
		{ fail "policy-add"; return; }
	oracle_sa_check $NS_A 192.0.2.1 192.0.2.2 0x3100 transport 2 || return 1
	local st
	st=$(ip -n $NS_A -s xfrm state get src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x3100)
	[[ $st == *"soft 600(bytes), hard 1200(bytes)"* ]] || {
		fail "ip -s xfrm state does not show the byte limits 600/1200:"
		echo "$st"
		return 1
	}
	note "ip xfrm state shows soft 600(bytes), hard 1200(bytes)"
	monitor_start $NS_A --count 2 --timeout 10 || return 1
	in_ns $NS_A $BB ping -c 16 -i 0.2 -s 100 -W 1 -w 10 192.0.2.2 >/dev/null 2>&1
	monitor_wait 10 || return 1
	local t_soft t_hard
	t_soft=$(event_time ' expire soft spi=0x00003100 ')
	t_hard=$(event_time ' expire hard spi=0x00003100 ')
	[ -n "$t_soft" ] || { fail "no soft expire event"; return; }
	[ -n "$t_hard" ] || { fail "no hard expire event"; return; }
	[ "$t_hard" -ge "$t_soft" ] || { fail "hard before soft"; return; }
	in_ns $NS_A ip xfrm state get src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x3100 \
		>/dev/null 2>&1 && { fail "SA 0x3100 still there after its hard byte expire"; return; }
	return 0
}

failed=0
ns_setup || { echo "not ok - namespace setup"; ns_teardown; exit 1; }
for c in time bytes; do
	if case_$c; then
		echo "ok - expire $c"
	else
		echo "not ok - expire $c"
		failed=$((failed + 1))
	fi
	[ -n "$MON_PID" ] && kill "$MON_PID" 2>/dev/null
done
ns_teardown
echo "# expire: $failed failed"
[ $failed = 0 ]
