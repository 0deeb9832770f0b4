#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# auto=route (on-demand): oakleyd on gwa installs its trap policies at start, without SAs; the
# first packet from lana to lanb makes the kernel send an ACQUIRE and the tunnel is negotiated.
# In the VM (ESP) the ping then crosses; on a host without ESP the negotiation must get as far
# as the kernel install. Bringing the tunnel down leaves the traps in place.
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  oakleyd  192.0.2.1   192.0.2.2  oakleyd  198.51.100.138/25
#
# usage: route.sh OAKLEYD OAKLEY
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2
netns_init route
topo_site_to_site
PSK="oakley-route-$$"
conf() { # DIR LEFT RIGHT LSUB RSUB AUTO
    oak_site_conf "$1" t "$2" "$3" "$4" "$5" aes128gcm16! "$6" "$PSK"
}
A=$NETNS_TMP/a B=$NETNS_TMP/b
conf "$B" 192.0.2.2 192.0.2.1 198.51.100.128/25 198.51.100.0/25 add
conf "$A" 192.0.2.1 192.0.2.2 198.51.100.0/25 198.51.100.128/25 route
oakleyd_start gwb "$B"
oakleyd_start gwa "$A"
show() { echo "--- gwa"; grep -v ' -> \|keymat' "$A/log"; echo "--- gwb"; grep -v ' -> \|keymat' "$B/log"; }
wait_for 5 grep -q "t: routed" "$A/log" || { show; fail "no trap policies"; }
traps() { ip -n "$(ns gwa)" xfrm policy | grep -A3 "^src 198.51.100.0/25 dst 198.51.100.128/25" |
    grep -q "tmpl src 192.0.2.1 dst 192.0.2.2"; }
traps || fail "no out policy with a template towards gwb: $(ip -n "$(ns gwa)" xfrm policy)"
ip -n "$(ns gwa)" xfrm state | grep -q . && fail "SAs before any traffic"
grep -q "initiating Main Mode" "$A/log" && fail "negotiated before any traffic"
echo "trap policies in place, no SA, nothing negotiated"

ip netns exec "$(ns lana)" ping -c 12 -i 0.5 -W 1 198.51.100.138 > "$NETNS_TMP/ping.log" 2>&1
prc=$?
child() { grep -q "IPsec SA established with\|negotiated but not installed" "$A/log"; }
wait_for 20 child || { show; fail "the ACQUIRE did not bring the tunnel up"; }
show
grep -q "t: traffic from 198.51.100.10 to 198.51.100.138 needs the tunnel: negotiating" "$A/log" ||
    fail "no ACQUIRE-started negotiation logged"
[ "$(grep -c "initiating Main Mode" "$A/log")" = 1 ] || fail "more than one negotiation for one flow"
cat "$NETNS_TMP/ping.log" | tail -2
if esp_expected; then
    [ $prc = 0 ] || fail "ping did not cross once the tunnel was up"
    recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$NETNS_TMP/ping.log")
    echo "figures: on-demand: $recv of 12 pings answered (the first ones wait for the negotiation)"
    [ "${recv:-0}" -ge 2 ] || fail "only the trigger got through"
else
    grep -q "not installed: kernel has no ESP support" "$A/log" ||
        fail "expected the clear no-ESP message (OAKLEY_EXPECT_ESP=1 where ESP exists)"
fi
# oakley metrics: Prometheus text format, and the counters say what happened.
M=$(ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$A/oakley.vici" metrics) || fail "oakley metrics failed"
SAMPLE='^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9]+$'
echo "$M" | grep -vE '^# (HELP|TYPE) ' | grep -vqE "$SAMPLE" &&
    fail "metrics not in the text format: $(echo "$M" | grep -vE '^# ' | grep -vE "$SAMPLE")"
# an IPsec SA the kernel refused (no ESP on the host) carries no traffic: not counted as up
if esp_expected; then up=1 refused=0; else up=0 refused=1; fi
for want in 'oakley_negotiations_started_total 1' 'oakley_ike_sas_established_total 1' \
            'oakley_ipsec_sas_established_total 1' 'oakley_ike_sas 1' '# TYPE oakley_ike_sas gauge' \
            '# TYPE oakley_ike_sa_failures_total counter' \
            'oakley_ike_sa_failures_total{reason="authentication failed"} 0' \
            "oakley_ipsec_sas $up" "oakley_ipsec_sas_not_installed $refused" \
            'oakley_conn_ike_sas_established_total{conn="t"} 1' \
            'oakley_conn_ipsec_sas_established_total{conn="t"} 1' \
            "oakley_conn_ipsec_sas{conn=\"t\"} $up" \
            'oakley_conn_failures_total{conn="t",phase="1"} 0' \
            '# TYPE oakley_conn_ipsec_bytes_total counter'; do
    echo "$M" | grep -qxF "$want" || fail "metrics lack '$want': $M"
done
if esp_expected; then
    out=$(echo "$M" | sed -n 's/^oakley_ipsec_bytes_total{direction="out"} //p')
    [ "${out:-0}" -gt 0 ] || fail "no outbound bytes in the metrics: $M"
fi
echo "metrics: $(echo "$M" | grep -vc '^#') samples"
ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$A/oakley.vici" --json metrics | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["samples"]["oakley_ike_sas_established_total"] == "1", d["samples"]
assert d["help"]["oakley_ike_sas"].startswith("gauge|"), d["help"]' || fail "oakley --json metrics"
# explain: nothing failed where ESP exists; on the host the refused install is the failure
ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$A/oakley.vici" --json explain t | python3 -c '
import json, sys
d = json.load(sys.stdin)
if sys.argv[1] == "1":
    assert d["order"] == [], d
else:
    assert d["order"] == ["1"], d
    assert "not installed" in d["1"]["detail"] and "kernel refused" in d["1"]["why"], d' \
    "$up" || fail "oakley --json explain t"
ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$A/oakley.vici" down t || fail "oakley down failed"
sleep 0.5
traps || fail "the trap policies went with the tunnel"
echo "down: trap policies stay"
echo PASS
