#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `oakley up` shows progress while the peer is silent (each retransmission and the wait after it)
# and exits non-zero with the reason when an attempt fails, saying when the daemon tries again
# (keyingtries); `oakley status` counts a conn whose negotiation runs, or whose retry is planned,
# as connecting.
#
#   gwa (oakleyd A, 192.0.2.1) ======== gwb (192.0.2.2: nothing at first, then oakleyd B)
#
# 1. conn silent: gwb does not answer. Within 5 s `up` has printed the 2nd and 3rd transmissions;
#    status shows "1 connecting". (The attempt would fail after 31 s; `up` is stopped before.)
# 2. conn refused: oakleyd B refuses its proposal (NO-PROPOSAL-CHOSEN), keyingtries=3: `up` fails
#    at once with the reason and the planned retry; status shows it connecting until the daemon
#    gives up.
#
# usage: vici-progress.sh OAKLEYD OAKLEY
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2
netns_init vprog
netns_add gwa
netns_add gwb
netns_link gwa gwb 192.0.2.1/24 192.0.2.2/24

A=192.0.2.1 B=192.0.2.2
DA=$NETNS_TMP/a DB=$NETNS_TMP/b
oak_site_conf "$DA" silent $A $B 198.51.100.0/26 198.51.100.64/26 aes128gcm16! add "vprog-$$" \
    "    keyingtries=1"
cat >> "$DA/ipsec.conf" <<CONF
conn refused
    keyexchange=ikev1
    authby=secret
    left=$A
    right=$B
    leftsubnet=198.51.100.128/26
    rightsubnet=198.51.100.192/26
    ike=aes128-sha256-modp2048!
    esp=aes128gcm16!
    keyingtries=3
    auto=add
CONF
oak_site_conf "$DB" refused $B $A 198.51.100.192/26 198.51.100.128/26 aes128gcm16! add "vprog-$$"
sed -i 's/ike=aes128-sha256-modp2048!/ike=aes256-sha1-modp3072!/' "$DB/ipsec.conf"
oakleyd_start gwa "$DA"
oak() { ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$DA/oakley.vici" "$@"; }

echo "--- 1. a silent peer: up shows each retransmission; status counts the conn as connecting"
ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$DA/oakley.vici" up silent > "$NETNS_TMP/up1" 2>&1 &
UP=$!
NETNS_PIDS+=("$UP")
# retransmit-interval= 500 ms by default: send 2 at 0.5 s waits 1 s, send 3 at 1.5 s waits 2 s
resent() { grep -q "\"silent\" #[0-9]*: no reply to MM_I1_SENT yet: sent it again (send $1), waiting $2 ms" "$NETNS_TMP/up1"; }
wait_for 10 resent 3 2000 || fail "up shows no progress: $(cat "$NETNS_TMP/up1")"
resent 2 1000 || fail "up missed the second transmission: $(cat "$NETNS_TMP/up1")"
sed 's/^/  up: /' "$NETNS_TMP/up1"
kill -0 "$UP" 2>/dev/null || fail "up ended while the attempt runs"
oak status silent > "$NETNS_TMP/st1" || fail "status failed"
sed 's/^/  status: /' "$NETNS_TMP/st1"
grep -q "^Security Associations (0 up, 1 connecting):" "$NETNS_TMP/st1" || fail "not counted as connecting"
grep -q "^silent: CONNECTING, $A...$B, attempt 1$" "$NETNS_TMP/st1" || fail "no CONNECTING line"
kill "$UP"
wait "$UP" 2>/dev/null

echo "--- 2. a refusing peer, keyingtries=3: up fails with the reason and the planned retry"
oakleyd_start gwb "$DB"
oak up refused > "$NETNS_TMP/up2" 2>"$NETNS_TMP/err2" && fail "up of a refused conn succeeded"
sed 's/^/  up: /' "$NETNS_TMP/up2" "$NETNS_TMP/err2"
grep -q "^oakley: up failed: refused: ISAKMP SA with $B\[500\] failed: .*NO-PROPOSAL-CHOSEN" "$NETNS_TMP/err2" ||
    fail "up does not say why"
grep -q "^oakley: the daemon tries refused again in 1s (attempt 2, keyingtries)$" "$NETNS_TMP/err2" ||
    fail "up does not say that the daemon tries again"
oak status refused > "$NETNS_TMP/st2" || fail "status failed"
sed 's/^/  status: /' "$NETNS_TMP/st2"
grep -q "^Security Associations (0 up, 1 connecting):" "$NETNS_TMP/st2" || fail "a retrying conn is not connecting"
grep -q "^refused: CONNECTING, $A...$B, attempt 2" "$NETNS_TMP/st2" || fail "no CONNECTING line for refused"
wait_for 15 grep -q "refused: giving up after 3 failed attempts" "$DA/log" || fail "no give-up"
oak status refused > "$NETNS_TMP/st3" || fail "status failed"
grep -q "^Security Associations (0 up, 0 connecting):" "$NETNS_TMP/st3" ||
    fail "still connecting after giving up: $(cat "$NETNS_TMP/st3")"
grep -q "runtime error\|AddressSanitizer" "$DA/log" "$DB/log" && fail "sanitizer report in a daemon log"
echo PASS
