#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# keyingtries with backoff: a conn whose phase 1 fails is started again after 1 s, 2 s, 4 s...
# until keyingtries attempts failed; with %forever it keeps trying, and comes up once the peer
# accepts it. The peer (oakleyd on gwb) refuses at first with NO-PROPOSAL-CHOSEN, which fails
# each attempt at once.
#
#   gwa (oakleyd, 192.0.2.1) ======== gwb (oakleyd, 192.0.2.2)
#
# usage: keyingtries.sh OAKLEYD
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
netns_init tries
netns_add gwa
netns_add gwb
netns_link gwa gwb 192.0.2.1/24 192.0.2.2/24 2001:db8::1/64 2001:db8::2/64
conf() { # DIR LEFT RIGHT IKE TRIES AUTO
    mkdir -p "$1"
    printf 'conn t\n    keyexchange=ikev1\n    authby=secret\n    left=%s\n    right=%s\n    ike=%s!\n    esp=aes128gcm16!\n    type=transport\n    keyingtries=%s\n    auto=%s\n' \
        "$2" "$3" "$4" "$5" "$6" > "$1/ipsec.conf"
    printf '192.0.2.1 192.0.2.2 : PSK "tries-%s"\n' "$$" > "$1/ipsec.secrets"
    chmod 600 "$1/ipsec.secrets"
}
attempts() { grep -c "t: initiating Main Mode" "$1/log"; }

# 1. keyingtries=3: three attempts, 1 s and 2 s apart, then the daemon gives up.
A=$NETNS_TMP/1a B=$NETNS_TMP/1b
conf "$B" 192.0.2.2 192.0.2.1 aes256-sha1-modp3072 3 add
conf "$A" 192.0.2.1 192.0.2.2 aes128-sha256-modp2048 3 start
oakleyd_start gwb "$B"; BPID=$OAKLEYD_PID
t0=$(date +%s.%N)
oakleyd_start gwa "$A"; APID=$OAKLEYD_PID
wait_for 15 grep -q "giving up after 3 failed attempts (keyingtries=3)" "$A/log" ||
    fail "no give-up after 3 attempts: $(grep -v ' -> ' "$A/log")"
secs=$(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
sleep 3
grep -v ' -> \|keymat' "$A/log" | grep "t: "
[ "$(attempts "$A")" = 3 ] || fail "$(attempts "$A") attempts, want exactly 3"
grep -q "attempt 1 with 192.0.2.2\[500\] failed; trying again in 1 s" "$A/log" || fail "no 1 s backoff"
grep -q "attempt 2 with 192.0.2.2\[500\] failed; trying again in 2 s" "$A/log" || fail "no 2 s backoff"
awk -v s="$secs" 'BEGIN{exit !(s >= 3 && s < 10)}' || fail "gave up after $secs s, want 3-10 s (1 s + 2 s backoff)"
echo "keyingtries=3: 3 attempts, gave up after $secs s"
kill "$APID" "$BPID"; wait "$APID" "$BPID" 2>/dev/null

# 2. keyingtries=%forever: it keeps trying; once the peer accepts (its config fixed and
#    reloaded) the next attempt brings the tunnel up.
A=$NETNS_TMP/2a B=$NETNS_TMP/2b
conf "$B" 192.0.2.2 192.0.2.1 aes256-sha1-modp3072 3 add
conf "$A" 192.0.2.1 192.0.2.2 aes128-sha256-modp2048 %forever start
oakleyd_start gwb "$B"; BPID=$OAKLEYD_PID
oakleyd_start gwa "$A"; APID=$OAKLEYD_PID
wait_for 10 grep -q "attempt 3 with .* trying again in 4 s (keyingtries=%forever)" "$A/log" ||
    fail "no third attempt with %forever: $(grep -v ' -> ' "$A/log")"
conf "$B" 192.0.2.2 192.0.2.1 aes128-sha256-modp2048 3 add
kill -HUP "$BPID"
up() { grep -q "ISAKMP SA established (main mode)" "$A/log"; }
wait_for 20 up || fail "the tunnel did not come up once the peer accepted: $(grep -v ' -> ' "$A/log")"
n=$(attempts "$A")
grep -v ' -> \|keymat' "$A/log" | grep "t: "
[ "$n" -ge 4 ] || fail "only $n attempts before success"
grep -q "giving up" "$A/log" && fail "%forever gave up"
echo "figures: keyingtries: 3 attempts then give-up (1 s, 2 s backoff); %forever: up at attempt $n after the peer's fix"
echo PASS
