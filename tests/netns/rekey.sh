#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tunnels that outlive their lifetimes: short lifetimes, a continuous ping (10 per second) across
# the tunnel, and no packet may be lost while the IPsec SAs are rekeyed (make before break) and the
# ISAKMP SA is reauthenticated; the SA count in the kernel stays bounded.
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  oakleyd  192.0.2.1   192.0.2.2  PEER     198.51.100.138/25
#
# usage: rekey.sh OAKLEYD oakley|strongswan [SECONDS] [reauth|bytes]
#   oakley      oakleyd on both gateways (gwa initiates)
#   strongswan  strongSwan on gwb as the responder (oakley rekeys and reauthenticates)
#   SECONDS     how long the ping runs (default 180); IPsec lifetime 20 s, ISAKMP lifetime 60 s,
#               rekeymargin 6 s: phase 2 is rekeyed about every 12 s, phase 1 about every 52 s
#   reauth      phase 1 only (runs without ESP in the kernel): the ISAKMP SA is reauthenticated
#               before it expires and the old one deleted; the children's side is not checked
#   bytes       byte lifetimes instead: lifebytes=300000, marginbytes=100000, lifetime 1 h; the
#               ping carries 1400-byte payloads, so each SA reaches its soft byte limit in ~15 s
# Needs ESP in the kernel (the VM bed, OAKLEY_EXPECT_ESP=1) except in reauth mode.
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
PEER=$2 SECS=${3:-180} MODE=${4:-time}
[ "$MODE" = reauth ] || esp_expected ||
    skip "phase-2 rekeys need ESP in the kernel (this host has none); tests/vm runs this"
netns_init rekey
topo_site_to_site

PSK="oakley-rekey-$$"
LIFE=20 IKELIFE=60 MARGIN=6 EXTRA="" PINGSIZE=56
[ "$MODE" = reauth ] && IKELIFE=20 MARGIN=4
[ "$MODE" = bytes ] && LIFE=3600 IKELIFE=10800 PINGSIZE=1400 EXTRA="    lifebytes=300000
    marginbytes=100000"
[ "$MODE" = bytes ] && [ "$PEER" != oakley ] && fail "bytes mode is for oakley peers"
oak_conf() { # DIR LEFT RIGHT LSUB RSUB AUTO
    oak_site_conf "$1" t "$2" "$3" "$4" "$5" aes128gcm16-modp2048! "$6" "$PSK" "    lifetime=${LIFE}s
    ikelifetime=${IKELIFE}s
    rekeymargin=${MARGIN}s
    rekeyfuzz=50%
$EXTRA"
}
A=$NETNS_TMP/a B=$NETNS_TMP/b
if [ "$PEER" = oakley ]; then
    oak_conf "$B" 192.0.2.2 192.0.2.1 198.51.100.128/25 198.51.100.0/25 add
    oakleyd_start gwb "$B"
elif [ "$PEER" = strongswan ]; then
    mkdir -p "$B/swanctl"
    # strongSwan takes the 20 s lifetime oakley proposes and keeps its configured distance between
    # rekey and life time (1 s here), so oakley (margin 6 s) rekeys first; strongSwan keeps
    # the old CHILD_SA until oakley's DELETE. The IKE SA is neither rekeyed nor reauthenticated
    # by strongSwan: oakley reauthenticates.
    cat > "$B/swanctl/swanctl.conf" <<CONF
connections { t { version = 1
  local_addrs = 192.0.2.2
  remote_addrs = 192.0.2.1
  proposals = aes128-sha256-modp2048
  rekey_time = 0
  reauth_time = 0
  over_time = 1h
  local { auth = psk
    id = 192.0.2.2 }
  remote { auth = psk
    id = 192.0.2.1 }
  children { t { local_ts = 198.51.100.128/25
       remote_ts = 198.51.100.0/25
       esp_proposals = aes128gcm16-modp2048
       rekey_time = 3599s
       life_time = 3600s
       rand_time = 0
       start_action = none } } } }
secrets { ike-1 { id-1 = 192.0.2.1
    id-2 = 192.0.2.2
    secret = "$PSK" } }
CONF
    charon_start gwb "$B"
    swanctl_ns gwb "$B" --load-all --file "$B/swanctl/swanctl.conf" > "$B/load.log" 2>&1 ||
        fail "swanctl --load-all: $(cat "$B/load.log")"
else
    fail "unknown peer $PEER"
fi
oak_conf "$A" 192.0.2.1 192.0.2.2 198.51.100.0/25 198.51.100.128/25 start
oakleyd_start gwa "$A"
APID=$OAKLEYD_PID

show() {
    echo "--- oakleyd gwa"; grep -v ' -> \|keymat digest' "$A/log" | tail -60
    if [ "$PEER" = oakley ]; then echo "--- oakleyd gwb"; grep -v ' -> \|keymat digest' "$B/log" | tail -30
    else echo "--- charon"; grep -E "IKE\]|CHILD|KNL\] unable|deleting|received DELETE" "$B/charon.log" | tail -30; fi
}
up() { grep -q "IPsec SA established with\|negotiated but not installed" "$A/log"; }
wait_for 30 up || { show; fail "the tunnel did not come up"; }

if [ "$MODE" = reauth ]; then
    # ISAKMP lifetime 20 s, margin 4 s: reauthentication 14-18 s in, the old SA deleted at 20 s.
    # Against oakley both sides hold the same 20 s: whichever side's 250 ms tick comes first
    # expires the old SA and the other gets its DELETE (under load either may be first).
    expired() {
        grep -q "ISAKMP SA with .* expired after" "$A/log" ||
            { [ "$PEER" = oakley ] && grep -q "ISAKMP SA with .* expired after" "$B/log" &&
                grep -q '"t" #1: peer deleted the ISAKMP SA' "$A/log"; }
    }
    wait_for $((SECS > 30 ? SECS : 30)) expired || { show; fail "the ISAKMP SA did not expire"; }
    show
    grep -q "reauthenticating with 192.0.2.2" "$A/log" || fail "gwa did not reauthenticate"
    grep -q "initiating Main Mode (reauthentication)" "$A/log" || fail "no phase-1-only exchange"
    [ "$(grep -c "ISAKMP SA established (main mode)" "$A/log")" -ge 2 ] ||
        fail "no second ISAKMP SA"
    grep -q "new ISAKMP SA with the peer takes over 1 IPsec SA" "$A/log" ||
        fail "the child did not move to the new ISAKMP SA"
    [ "$(grep -c "IPsec SA established with\|negotiated but not installed" "$A/log")" = 1 ] ||
        fail "the reauthentication renegotiated the child"
    if [ "$PEER" = oakley ]; then
        grep -q "ISAKMP SA with .* expired after" "$A/log" &&
            { grep -q '"t" #1: peer deleted the ISAKMP SA' "$B/log" ||
                fail "gwb did not get the DELETE of the old ISAKMP SA"; }
        grep -q "new ISAKMP SA with the peer takes over 1 IPsec SA" "$B/log" ||
            fail "gwb's child did not move to the new ISAKMP SA"
    else
        grep -q "received DELETE for IKE_SA" "$B/charon.log" ||
            fail "strongSwan did not get the DELETE of the old ISAKMP SA"
        n=$(swanctl_ns gwb "$B" --list-sas --raw | grep -o "state=ESTABLISHED" | wc -l)
        [ "$n" = 1 ] || fail "strongSwan has $n established IKE SAs, want 1"
    fi
    echo PASS
    exit 0
fi

# The ping runs for SECS seconds; meanwhile the kernel's SA and policy counts are sampled.
COUNT=$((SECS * 10))
ip netns exec "$(ns lana)" ping -i 0.1 -s "$PINGSIZE" -c "$COUNT" -W 1 198.51.100.138 > "$NETNS_TMP/ping.log" 2>&1 &
PING_PID=$!
max_a=0 max_b=0
for _ in $(seq 1 $((SECS / 2 + 10))); do
    kill -0 "$PING_PID" 2>/dev/null || break
    na=$(ip -n "$(ns gwa)" xfrm state | grep -c '^src')
    nb=$(ip -n "$(ns gwb)" xfrm state | grep -c '^src')
    [ "$na" -gt "$max_a" ] && max_a=$na
    [ "$nb" -gt "$max_b" ] && max_b=$nb
    sleep 2
done
wait "$PING_PID"
prc=$?
show
tail -3 "$NETNS_TMP/ping.log"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$NETNS_TMP/ping.log")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$NETNS_TMP/ping.log")
p2=$(grep -c "IPsec SA 0x[0-9a-f]*/0x[0-9a-f]* replaced by" "$A/log")
p1=$(grep -c "new ISAKMP SA with the peer takes over" "$A/log")
exp1=$(grep -c "ISAKMP SA with .* expired after" "$A/log")
lost=$(( ${sent:-0} - ${recv:-0} ))
echo "figures: ${MODE} lifetimes: ping: $sent sent, $recv received, $lost lost in ${SECS} s; phase-2 rekeys at gwa: $p2;" \
    "reauthentications: $p1 (old ISAKMP SAs expired: $exp1); most SAs in the kernel: gwa $max_a, gwb $max_b"
[ "$prc" = 0 ] && [ "${sent:-0}" = "$COUNT" ] || fail "ping did not run to the end"
[ "$lost" = 0 ] || fail "$lost packets lost during rekeys"
if [ "$MODE" = bytes ]; then
    [ "$p2" -ge 3 ] || fail "only $p2 byte-driven rekeys (want >= 3)"
    grep -q "reached its soft lifetime" "$A/log" || fail "no soft-expire event from the kernel"
    [ "$p1" = 0 ] || fail "a reauthentication with a 3 h ISAKMP lifetime"
else
    [ "$p2" -ge 5 ] || fail "only $p2 phase-2 rekeys (want >= 5)"
    [ "$p1" -ge 1 ] || fail "no phase-1 reauthentication"
fi
[ "$max_a" -le 6 ] || fail "gwa's SA count grew to $max_a"
[ "$max_b" -le 6 ] || fail "gwb's SA count grew to $max_b"
grep -q "expired without a replacement" "$A/log" && fail "an IPsec SA expired without a replacement"
np=$(ip -n "$(ns gwa)" xfrm policy | grep -c '^src 198\.51\.100\.')
[ "$np" = 3 ] || fail "gwa has $np policies for the tunnel, want 3 (in, fwd, out): $(ip -n "$(ns gwa)" xfrm policy)"
kill -0 "$APID" || fail "oakleyd died"
echo PASS
