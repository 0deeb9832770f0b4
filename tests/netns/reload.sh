#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGHUP reload without disruption: an unchanged conn keeps its tunnel (same SPIs; in the VM a ping
# running across it loses nothing), a changed conn is renegotiated (its old IPsec SA stays until
# the new one replaces it), a removed one is torn down (the peer gets the DELETE), a new
# auto=start conn comes up, and a broken file changes nothing.
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  oakleyd  192.0.2.1   192.0.2.2  oakleyd  198.51.100.138/25
#   conns keep: 198.51.100.0/26 === 198.51.100.128/26     chg: .64/26 === .192/26
#         gone: 203.0.113.0/26 === 203.0.113.64/26        new: 203.0.113.128/26 === 203.0.113.192/26
#
# usage: reload.sh OAKLEYD OAKLEY
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2
netns_init reload
topo_site_to_site
mkdir -p "$NETNS_TMP/a" "$NETNS_TMP/b"

conn() { # NAME LEFT RIGHT LSUB RSUB ESP AUTO
    printf 'conn %s\n    left=%s\n    right=%s\n    leftsubnet=%s\n    rightsubnet=%s\n    esp=%s\n    auto=%s\n\n' "$@"
}
defaults='conn %default
    keyexchange=ikev1
    authby=secret
    ike=aes128-sha256-modp2048!

'
{ echo "$defaults"
  conn keep 192.0.2.1 192.0.2.2 198.51.100.0/26 198.51.100.128/26 aes128gcm16! start
  conn chg 192.0.2.1 192.0.2.2 198.51.100.64/26 198.51.100.192/26 aes128gcm16! start
  conn gone 192.0.2.1 192.0.2.2 203.0.113.0/26 203.0.113.64/26 aes128gcm16! start
} > "$NETNS_TMP/a/ipsec.conf"
{ echo "$defaults"
  conn keep 192.0.2.2 192.0.2.1 198.51.100.128/26 198.51.100.0/26 aes128gcm16! add
  conn chg 192.0.2.2 192.0.2.1 198.51.100.192/26 198.51.100.64/26 aes128gcm16,aes256gcm16! add
  conn gone 192.0.2.2 192.0.2.1 203.0.113.64/26 203.0.113.0/26 aes128gcm16! add
  conn new 192.0.2.2 192.0.2.1 203.0.113.192/26 203.0.113.128/26 aes128gcm16! add
} > "$NETNS_TMP/b/ipsec.conf"
for s in a b; do
    printf '192.0.2.1 192.0.2.2 : PSK "oakley-reload-%s"\n' "$$" > "$NETNS_TMP/$s/ipsec.secrets"
    chmod 600 "$NETNS_TMP/$s/ipsec.secrets"
done
oakleyd_start gwb "$NETNS_TMP/b"
oakleyd_start gwa "$NETNS_TMP/a"
APID=$OAKLEYD_PID
oak() { ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$NETNS_TMP/a/oakley.vici" "$@"; }
children() { grep -c "IPsec SA established with\|negotiated but not installed" "$NETNS_TMP/a/log"; }
children_up() { [ "$(children)" -ge 3 ]; }
wait_for 60 children_up ||
    fail "3 children did not come up: $(cat "$NETNS_TMP/a/log"; echo "--- gwb"; cat "$NETNS_TMP/b/log")"

# "conn spi_in spi_out" per child, from the control socket.
spis() {
    oak --json list-sas | python3 -c '
import json, sys
for ev in json.load(sys.stdin):
    for name, ike in ev.items():
        for cname, ch in (ike.get("child-sas") or {}).items():
            print(ch.get("name", name), ch.get("spi-in"), ch.get("spi-out"))' | sort
}
before=$(spis)
echo "before:"; echo "$before"
echo "$before" | grep -q "^keep " || fail "no child for keep in list-sas"

PING_PID=
if esp_expected; then
    ip netns exec "$(ns lana)" ping -i 0.1 -c 60 -W 1 198.51.100.138 > "$NETNS_TMP/ping.log" 2>&1 &
    PING_PID=$!
    sleep 1
fi

{ echo "$defaults"
  conn chg 192.0.2.1 192.0.2.2 198.51.100.64/26 198.51.100.192/26 aes256gcm16! start
  conn keep 192.0.2.1 192.0.2.2 198.51.100.0/26 198.51.100.128/26 aes128gcm16! start
  conn new 192.0.2.1 192.0.2.2 203.0.113.128/26 203.0.113.192/26 aes128gcm16! start
} > "$NETNS_TMP/a/ipsec.conf"
kill -HUP "$APID"
wait_for 10 grep -q "reload: 3 connections" "$NETNS_TMP/a/log" || fail "no reload summary"
grep "reload:" "$NETNS_TMP/a/log"
grep -q "reload: 3 connections: 1 unchanged, 0 changed in place, 1 changed (SAs kept until replaced), 0 with a new auto=, 1 removed (torn down), 2 started" \
    "$NETNS_TMP/a/log" || fail "wrong reload summary"
children_up5() { [ "$(children)" -ge 5 ]; }
wait_for 30 children_up5 || fail "the changed and the new conn did not come up"
sleep 1
# chg's IPsec SA stays until its replacement is installed, then goes a few seconds later (as at
# a rekey); on a host without ESP nothing is installed, so it stays.
chg_old=$(echo "$before" | grep '^chg ')
if esp_expected; then
    chg_replaced() { ! spis | grep -qxF "$chg_old"; }
    wait_for 15 chg_replaced || fail "chg's old IPsec SA was not replaced"
else
    spis | grep -qxF "$chg_old" || fail "chg's old IPsec SA went before a replacement was installed"
fi
after=$(spis)
echo "after:"; echo "$after"
[ "$(echo "$before" | grep '^keep ')" = "$(echo "$after" | grep '^keep ')" ] ||
    fail "keep's SPIs changed across the reload"
echo "$after" | grep -q "^gone " && fail "gone is still listed"
echo "$after" | grep -q "^new " || fail "new did not come up"
[ "$(echo "$before" | grep '^chg ')" != "$(echo "$after" | grep '^chg ')" ] || fail "chg was not renegotiated"
wait_for 5 grep -q "peer deleted IPsec SA" "$NETNS_TMP/b/log" || fail "the peer got no DELETE"

# A broken file changes nothing.
echo "    nosuchkeyword=1" >> "$NETNS_TMP/a/ipsec.conf"
kill -HUP "$APID"
wait_for 10 grep -q "reload failed: keeping the configuration in force" "$NETNS_TMP/a/log" ||
    fail "a broken file was not refused"
grep -q "ipsec.conf:[0-9]*: .*nosuchkeyword" "$NETNS_TMP/a/log" || fail "no file:line for the bad keyword"
[ "$(spis)" = "$after" ] || fail "a failed reload changed the tunnels"
kill -0 "$APID" || fail "oakleyd died"

if [ -n "$PING_PID" ]; then
    wait "$PING_PID"
    cat "$NETNS_TMP/ping.log" | tail -3
    grep -q " 0% packet loss" "$NETNS_TMP/ping.log" &&
        echo "figures: reload under a ping (10/s): $(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 sent, \2 received/p' "$NETNS_TMP/ping.log"); unchanged conn kept SPIs $(echo "$after" | sed -n 's/^keep //p')"
    grep -q " 0% packet loss" "$NETNS_TMP/ping.log" || {
        for g in gwa gwb; do echo "--- $g"; ip -n "$(ns $g)" xfrm policy; ip -n "$(ns $g)" -s xfrm state | grep -E "^src|proto|lifetime current|bytes"; done
        grep -v ' -> \|keymat' "$NETNS_TMP/a/log" | tail -40
        fail "pings were lost across the reload"; }
fi
echo PASS
