#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# closeaction=: gateway B takes the tunnel down (`oakley down`: Deletes for the IPsec SAs and the
# ISAKMP SA); gateway A, which started it, then does what its closeaction= says. restart: it
# negotiates the tunnel again at once; hold: it keeps the policies (checked in the VM, where SAs
# install); none: nothing (the control case, also true of the old code).
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  oakleyd  192.0.2.1   192.0.2.2  oakleyd  198.51.100.138/25
#   conn pair: 198.51.100.0/25 === 198.51.100.128/25; A auto=start closeaction=MODE, B auto=add
#
# usage: closeaction.sh OAKLEYD OAKLEY none|hold|restart
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2
MODE=$3
netns_init closeact
topo_site_to_site
PSK="oakley-closeaction-$$"
oak_site_conf "$NETNS_TMP/a" pair 192.0.2.1 192.0.2.2 198.51.100.0/25 198.51.100.128/25 \
    aes128gcm16! start "$PSK" "    closeaction=$MODE"
oak_site_conf "$NETNS_TMP/b" pair 192.0.2.2 192.0.2.1 198.51.100.128/25 198.51.100.0/25 \
    aes128gcm16! add "$PSK"
oakleyd_start gwb "$NETNS_TMP/b"
oakleyd_start gwa "$NETNS_TMP/a"
children() { grep -c "IPsec SA established with\|negotiated but not installed" "$NETNS_TMP/a/log"; }
first_up() { [ "$(children)" -ge 1 ]; }
again_up() { [ "$(children)" -ge 2 ]; }
wait_for 60 first_up || fail "the tunnel did not come up: $(cat "$NETNS_TMP/a/log")"
policies() { ip -n "$(ns gwa)" xfrm policy | grep -c "198.51.100.128/25"; }
echo "up; gwa has $(policies) policies for the peer's subnet"

ip netns exec "$(ns gwb)" "$OAKLEY" --socket "$NETNS_TMP/b/oakley.vici" down pair ||
    fail "oakley down on gwb failed"
wait_for 10 grep -q "peer deleted IPsec SA" "$NETNS_TMP/a/log" || fail "gwa got no Delete"
grep "peer deleted IPsec SA" "$NETNS_TMP/a/log"
case $MODE in
restart)
    grep -q "restarting (closeaction=restart)" "$NETNS_TMP/a/log" || fail "no restart logged"
    wait_for 30 again_up || fail "the tunnel was not negotiated again: $(tail -30 "$NETNS_TMP/a/log")"
    echo "negotiated again after the peer's Delete" ;;
hold)
    grep -q "holding its traffic (closeaction=hold)" "$NETNS_TMP/a/log" || fail "no hold logged"
    if esp_expected; then
        [ "$(policies)" -ge 1 ] || fail "hold: the policies are gone"
        echo "hold: $(policies) policies kept"
    fi ;;
none)
    sleep 3
    grep -q "closeaction=" "$NETNS_TMP/a/log" && fail "closeaction=none acted"
    [ "$(children)" -eq 1 ] || fail "closeaction=none negotiated again"
    if esp_expected; then [ "$(policies)" -eq 0 ] || fail "none: policies left"; fi ;;
*) fail "usage: closeaction.sh OAKLEYD OAKLEY none|hold|restart" ;;
esac
echo PASS
