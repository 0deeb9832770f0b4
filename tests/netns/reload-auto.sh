#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What a reload does to a conn that stays, and auto=keep. One conn t between two oakleyd.
#   keep:    gwb has auto=keep: it does not initiate at start; once gwa brought t up, gwa's
#            `oakley down` (Deletes) makes gwb initiate it again; gwb's own `oakley down` does
#            not; a revival the peer refuses is not retried (keyingtries=1).
#   auto:    only auto= changes on gwa: add->start initiates; start->add leaves the SAs as they
#            are (same ISAKMP SA, no Delete); add->route installs the trap policies without
#            negotiating; route->add removes them.
#   changed: gwb (auto=add) reloads a changed t: its SAs stay, gwa gets no Delete; gwa
#            (auto=start) reloads a changed t: a new ISAKMP SA comes up and the old one is deleted
#            (in the VM, with ESP, the old IPsec SA is replaced and a ping loses nothing); a change
#            whose negotiation the peer refuses leaves the SAs in place.
#   moved:   gwa's t gets another right= (a second address of gwb): once the new ISAKMP SA is
#            up, the one with the old address is deleted (in the VM the IPsec SA is replaced).
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  oakleyd  192.0.2.1   192.0.2.2  oakleyd  198.51.100.138/25
#   conn t: 198.51.100.0/25 === 198.51.100.128/25
#
# usage: reload-auto.sh OAKLEYD OAKLEY keep|auto|changed|moved
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2
CASE=$3
netns_init "rl$CASE"
topo_site_to_site
PSK="oakley-reload-auto-$$"
A=$NETNS_TMP/a B=$NETNS_TMP/b
conf_a() { # AUTO ESP [EXTRA]
    oak_site_conf "$A" t 192.0.2.1 192.0.2.2 198.51.100.0/25 198.51.100.128/25 "$2" "$1" "$PSK" "${3:-}"
}
conf_b() { # AUTO ESP [EXTRA]
    oak_site_conf "$B" t 192.0.2.2 192.0.2.1 198.51.100.128/25 198.51.100.0/25 "$2" "$1" "$PSK" "${3:-}"
}
oak() { local s=$1; shift; ip netns exec "$(ns gw$s)" "$OAKLEY" --socket "$NETNS_TMP/$s/oakley.vici" "$@"; }
show() { echo "--- gwa"; grep -v ' -> \|keymat' "$A/log"; echo "--- gwb"; grep -v ' -> \|keymat' "$B/log"; }
die() { show; fail "$*"; }
# ISAKMP SAs of side a|b: "uniqueid initiator" per line
ikesas() {
    oak "$1" --json list-sas | python3 -c '
import json, sys
for ev in json.load(sys.stdin):
    for name, ike in ev.items():
        if ike.get("state") == "ESTABLISHED":
            print(ike.get("uniqueid"), ike.get("initiator"))'
}
# IPsec SAs of side a|b: "spi_in spi_out state" per line
childsas() {
    oak "$1" --json list-sas | python3 -c '
import json, sys
for ev in json.load(sys.stdin):
    for name, ike in ev.items():
        for ch in (ike.get("child-sas") or {}).values():
            print(ch.get("spi-in"), ch.get("spi-out"), ch.get("state"))' | sort
}
# reload SIDE: SIGHUP, then wait for the summary line (n-th reload of that side)
reload() {
    local s=$1 pid=$2 n
    n=$(( $(grep -c "reload: [0-9]* connections:" "$NETNS_TMP/$s/log") + 1 ))
    kill -HUP "$pid"
    rl_done() { [ "$(grep -c "reload: [0-9]* connections:" "$NETNS_TMP/$s/log")" -ge "$n" ]; }
    wait_for 10 rl_done || die "no reload summary on gw$s"
    grep "reload: [0-9]* connections:" "$NETNS_TMP/$s/log" | tail -1
}
count() { grep -c "$1" "$2"; }
p1_up() { [ "$(count "ISAKMP SA established" "$1")" -ge "$2" ]; }
child_up() { [ "$(count "IPsec SA established with\|negotiated but not installed" "$1")" -ge "$2" ]; }
traps() { ip -n "$(ns gwa)" xfrm policy | grep -A3 "^src 198.51.100.0/25 dst 198.51.100.128/25" |
    grep -q "tmpl src 192.0.2.1 dst 192.0.2.2"; }

case $CASE in
keep)
    conf_a add aes128gcm16!
    conf_b keep aes128gcm16! "    keyingtries=1"
    oakleyd_start gwb "$B"
    oakleyd_start gwa "$A"; APID=$OAKLEYD_PID
    sleep 2
    grep -q "t: initiating" "$B/log" && die "auto=keep initiated at start"
    oak a up t > /dev/null # fails on a host without ESP: the IPsec SA is not installed
    wait_for 20 p1_up "$B/log" 1 || die "t did not come up"
    wait_for 10 child_up "$B/log" 1 || die "no IPsec SA for t"
    [ "$(ikesas b | awk '{print $2}')" = no ] || die "gwb should be the responder: $(ikesas b)"
    # the peer closes it: gwb brings it up again, as initiator
    oak a down t > /dev/null || die "oakley down t on gwa failed"
    wait_for 10 grep -q "t: the connection went down: initiating it again (auto=keep)" "$B/log" ||
        die "gwb did not initiate t again after the peer closed it"
    revived() { ikesas b | grep -q " yes$"; }
    wait_for 20 revived || die "no ISAKMP SA initiated by gwb after the revival: $(ikesas b)"
    echo "keep: gwa's oakley down -> gwb initiated t again: $(ikesas b)"
    # our own oakley down: not brought up again
    n=$(count "t: initiating Main Mode" "$B/log")
    oak b down t > /dev/null || die "oakley down t on gwb failed"
    sleep 3
    [ "$(count "t: initiating Main Mode" "$B/log")" = "$n" ] || die "gwb's own oakley down was revived"
    [ -z "$(ikesas b)" ] || die "t is up again after gwb's own oakley down: $(ikesas b)"
    # a revival the peer refuses is given up after keyingtries=1, not tried again
    oak a up t > /dev/null
    wait_for 20 p1_up "$B/log" 3 || die "t did not come up a third time"
    sed -i 's/ike=aes128-sha256-modp2048!/ike=aes256-sha1-modp3072!/' "$A/ipsec.conf"
    reload a "$APID" > /dev/null
    n=$(count "t: initiating Main Mode" "$B/log")
    oak a down t > /dev/null || die "oakley down t on gwa (third) failed"
    wait_for 10 grep -q "t: giving up after 1 failed attempt" "$B/log" ||
        die "the refused revival was not given up"
    sleep 3
    [ "$(count "t: initiating Main Mode" "$B/log")" = $((n + 1)) ] ||
        die "want exactly one revival attempt, got $(( $(count "t: initiating Main Mode" "$B/log") - n ))"
    echo "keep: own oakley down not revived; a refused revival tried once"
    ;;
auto)
    conf_b add aes128gcm16!
    conf_a add aes128gcm16!
    oakleyd_start gwb "$B"
    oakleyd_start gwa "$A"; APID=$OAKLEYD_PID
    sleep 1
    # add -> start: initiated
    conf_a start aes128gcm16!
    sum=$(reload a "$APID")
    wait_for 20 p1_up "$A/log" 1 || die "add->start did not initiate t"
    wait_for 10 child_up "$A/log" 1 || die "add->start: no IPsec SA"
    echo "$sum" | grep -q "1 with a new auto=, 0 removed (torn down), 1 started" ||
        die "wrong summary for add->start: $sum"
    before=$(ikesas a); children=$(childsas a)
    echo "add->start: up, ISAKMP SA $before"
    # start -> add: nothing torn down or restarted
    conf_a add aes128gcm16!
    reload a "$APID" | grep -q "1 with a new auto=, 0 removed (torn down), 0 started" ||
        die "wrong summary for start->add"
    sleep 2
    [ "$(ikesas a)" = "$before" ] || die "start->add changed the ISAKMP SA: $before -> $(ikesas a)"
    [ "$(childsas a)" = "$children" ] || die "start->add changed the IPsec SAs"
    [ "$(count "t: initiating Main Mode" "$A/log")" = 1 ] || die "start->add initiated"
    grep -q "peer deleted" "$B/log" && die "start->add sent a Delete"
    echo "start->add: SAs kept as they were"
    oak a down t > /dev/null || die "oakley down t failed"
    sleep 1
    traps && die "trap policies before auto=route"
    # add -> route: traps, nothing negotiated
    conf_a route aes128gcm16!
    reload a "$APID" > /dev/null
    wait_for 5 traps || die "add->route installed no trap policies: $(ip -n "$(ns gwa)" xfrm policy)"
    grep -q "t: routed" "$A/log" || die "no 'routed' line"
    sleep 1
    [ "$(count "t: initiating Main Mode" "$A/log")" = 1 ] || die "add->route negotiated"
    echo "add->route: trap policies in place, nothing negotiated"
    # route -> add: traps gone
    conf_a add aes128gcm16!
    reload a "$APID" > /dev/null
    traps && die "route->add left the trap policies: $(ip -n "$(ns gwa)" xfrm policy)"
    echo "route->add: trap policies removed"
    ;;
changed)
    conf_b add aes128gcm16,aes256gcm16!
    conf_a start aes128gcm16!
    oakleyd_start gwb "$B"; BPID=$OAKLEYD_PID
    oakleyd_start gwa "$A"; APID=$OAKLEYD_PID
    wait_for 20 child_up "$A/log" 1 || die "t did not come up"
    wait_for 10 child_up "$B/log" 1 || die "t did not come up on gwb"
    a0=$(ikesas a); b0=$(ikesas b); bc0=$(childsas b); a_spi0=$(childsas a | awk '{print $1}')
    PING_PID=
    if esp_expected; then
        ip netns exec "$(ns lana)" ping -i 0.1 -W 1 198.51.100.138 > "$NETNS_TMP/ping.log" 2>&1 &
        PING_PID=$!; NETNS_PIDS+=("$PING_PID")
        sleep 1
    fi
    # gwb (auto=add) changes t: its SAs stay, gwa hears nothing
    conf_b add aes256gcm16,aes128gcm16!
    sum=$(reload b "$BPID")
    sleep 2
    grep -q "tearing" "$B/log" && die "gwb tore t down"
    grep -q "peer deleted" "$A/log" && die "gwa got a Delete from gwb's reload"
    echo "$sum" | grep -q "0 changed in place, 1 changed (SAs kept until replaced)" ||
        die "gwb: wrong summary: $sum"
    [ "$(ikesas b)" = "$b0" ] || die "gwb's ISAKMP SA changed: $b0 -> $(ikesas b)"
    [ "$(childsas b)" = "$bc0" ] || die "gwb's IPsec SAs changed: $bc0 -> $(childsas b)"
    echo "auto=add side changed: ISAKMP SA $b0 and IPsec SAs kept"
    # gwa (auto=start) changes t: a new ISAKMP SA replaces the old one
    conf_a start aes256gcm16!
    sum=$(reload a "$APID")
    wait_for 20 p1_up "$A/log" 2 || die "the changed t was not negotiated again"
    replaced() { [ -n "$(ikesas a)" ] && [ "$(ikesas a | wc -l)" = 1 ] && [ "$(ikesas a)" != "$a0" ]; }
    wait_for 10 replaced || die "the old ISAKMP SA was not replaced: $a0 -> $(ikesas a)"
    grep -q "t: ISAKMP SA negotiated before the reload replaced by the new one" "$A/log" ||
        die "no replacement logged"
    wait_for 10 child_up "$A/log" 2 || die "no new IPsec SA with the new settings"
    grep -q "tearing" "$A/log" && die "gwa tore t down"
    echo "$sum" | grep -q "1 changed (SAs kept until replaced), 0 with a new auto=, 0 removed (torn down), 1 started" ||
        die "gwa: wrong summary: $sum"
    if esp_expected; then
        old_gone() { [ "$(childsas a | grep -c .)" = 1 ] && ! childsas a | grep -q "^$a_spi0 "; }
        wait_for 15 old_gone || die "the old IPsec SA $a_spi0 was not replaced: $(childsas a)"
        sleep 1
        kill -INT "$PING_PID"
        wait "$PING_PID"
        tail -2 "$NETNS_TMP/ping.log"
        grep -q " 0% packet loss" "$NETNS_TMP/ping.log" || die "pings lost across the reloads"
        echo "figures: ping 10/s across both reloads: $(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 sent, \2 received/p' "$NETNS_TMP/ping.log")"
    else
        # the new IPsec SA never gets into this kernel: the old one is not replaced either
        grep -q "peer deleted IPsec SA" "$B/log" && die "the old IPsec SA was deleted before a replacement"
    fi
    a1=$(ikesas a)
    echo "auto=start side changed: ISAKMP SA $a0 replaced by $a1"
    # a change the peer refuses: the SAs in place stay
    sed -i 's/ike=aes128-sha256-modp2048!/ike=aes256-sha1-modp3072!/' "$A/ipsec.conf"
    reload a "$APID" > /dev/null
    wait_for 20 grep -q "t: ISAKMP SA with .* failed" "$A/log" || die "the refused change did not fail"
    sleep 1
    [ "$(ikesas a)" = "$a1" ] || die "a refused change cost the ISAKMP SA: $a1 -> $(ikesas a)"
    [ -n "$(childsas a)" ] || die "a refused change cost the IPsec SAs"
    echo "refused change: ISAKMP SA $a1 and IPsec SAs kept"
    ;;
moved)
    # gwb answers on a second address too; gwa's t moves from 192.0.2.2 to it
    ip -n "$(ns gwb)" addr add 192.0.2.3/24 dev v-gwa
    conf_b add aes128gcm16!
    sed -i 's/left=192.0.2.2/left=%any/' "$B/ipsec.conf"
    printf '%%any 192.0.2.1 : PSK "%s"\n' "$PSK" > "$B/ipsec.secrets"
    conf_a start aes128gcm16!
    printf '192.0.2.1 192.0.2.3 : PSK "%s"\n' "$PSK" >> "$A/ipsec.secrets"
    oakleyd_start gwb "$B"
    oakleyd_start gwa "$A"; APID=$OAKLEYD_PID
    wait_for 20 child_up "$A/log" 1 || die "t did not come up"
    a0=$(ikesas a); a_spi0=$(childsas a | awk '{print $1}')
    oak a --json list-sas | grep -q '"remote-host": *"192.0.2.2"' || die "not up with 192.0.2.2"
    sed -i 's/right=192.0.2.2/right=192.0.2.3/' "$A/ipsec.conf"
    sum=$(reload a "$APID")
    wait_for 20 p1_up "$A/log" 2 || die "t was not negotiated with 192.0.2.3"
    moved() { [ "$(ikesas a | wc -l)" = 1 ] && [ "$(ikesas a)" != "$a0" ]; }
    wait_for 10 moved || die "the ISAKMP SA with 192.0.2.2 was not deleted: $(ikesas a)"
    oak a --json list-sas | python3 -c '
import json, sys
hosts = [ike["remote-host"] for ev in json.load(sys.stdin) for ike in ev.values()
         if ike.get("state") == "ESTABLISHED"]
assert hosts == ["192.0.2.3"], hosts' || die "the ISAKMP SA left is not with 192.0.2.3"
    wait_for 10 child_up "$A/log" 2 || die "no IPsec SA with 192.0.2.3"
    if esp_expected; then
        old_gone() { ! childsas a | grep -q "^$a_spi0 "; }
        wait_for 15 old_gone || die "the IPsec SA with 192.0.2.2 was not replaced: $(childsas a)"
    else
        # its replacement never gets into this kernel: the old IPsec SA stays
        sleep 1
        childsas a | grep -q "^$a_spi0 " || die "the old IPsec SA went before a replacement"
    fi
    echo "right= moved: ISAKMP SA $a0 with 192.0.2.2 replaced by $(ikesas a) with 192.0.2.3"
    ;;
*) fail "unknown case $CASE" ;;
esac
kill -0 "$APID" || fail "oakleyd on gwa died"
echo PASS
