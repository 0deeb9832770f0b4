#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# IKE fragmentation (IKEv1 vendor-ID scheme, payload 132) forced on both sides, against strongSwan
# 5.9 (charon-systemd + swanctl) and against another oakleyd.
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  oakleyd  192.0.2.1   192.0.2.2  charon or oakleyd   198.51.100.138/25
#                                   dumpcap on gwb
#
# usage: ike-frag.sh OAKLEYD OAKLEY CASE
#   CASE  ss-initiator  oakley initiates Main Mode PSK to charon
#         ss-responder  charon initiates
#         oakley        oakleyd on both gateways, gwa initiates
# Both sides: fragmentation forced (charon: fragmentation = force in the conn, fragment_size = 576
# in strongswan.conf; oakley: fragmentation=force, fragment_size=576) and MODP-4096, so that MM3
# and MM4 (a 512-byte KE) exceed 576 bytes and go in fragments. Checks: tshark -O isakmp sees
# payload 132 from each gateway; phase 1 and Quick Mode complete (on the host the SA install
# itself is refused: no ESP); oakley metrics counts fragments sent and messages reassembled, and
# nothing left in reassembly.
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2 CASE=$3
netns_init frag
command -v tshark > /dev/null && command -v dumpcap > /dev/null || skip "tshark/dumpcap not installed"
topo_site_to_site

PSK="oakley-frag-$$"
IKE=aes128-sha256-modp4096 ESP=aes128-sha256
PCAP=$NETNS_TMP/ike.pcap
netns_bg gwb "$NETNS_TMP/dumpcap.log" dumpcap -q -i any -f "udp port 500 or udp port 4500" -w "$PCAP"
DUMPCAP_PID=$NETNS_LAST_PID
wait_for 10 test -s "$PCAP" || fail "dumpcap did not start: $(cat "$NETNS_TMP/dumpcap.log")"

oak_conf() { # DIR ME PEER MYNET PEERNET AUTO
    cat > "$1/ipsec.conf" <<CONF
conn t
    keyexchange=ikev1
    authby=secret
    left=$2
    right=$3
    leftsubnet=$4
    rightsubnet=$5
    ike=$IKE!
    esp=$ESP!
    fragmentation=force
    fragment_size=576
    keyingtries=1
    auto=$6
CONF
    printf '%s %s : PSK "%s"\n' "$2" "$3" "$PSK" > "$1/ipsec.secrets"
    chmod 600 "$1/ipsec.secrets"
}

OD=$NETNS_TMP/oak
mkdir -p "$OD"
SD=$NETNS_TMP/peer
mkdir -p "$SD"
if [ "$CASE" = oakley ]; then
    oak_conf "$SD" 192.0.2.2 192.0.2.1 198.51.100.128/25 198.51.100.0/25 add
    oakleyd_start gwb "$SD"
    oak_conf "$OD" 192.0.2.1 192.0.2.2 198.51.100.0/25 198.51.100.128/25 start
    oakleyd_start gwa "$OD"
else
    export CHARON_EXTRA="fragment_size = 576"
    mkdir -p "$SD/swanctl"
    cat > "$SD/swanctl/swanctl.conf" <<CONF
connections { t { version = 1
  local_addrs = 192.0.2.2
  remote_addrs = 192.0.2.1
  proposals = $IKE
  fragmentation = force
  rekey_time = 0
  local { auth = psk
    id = 192.0.2.2 }
  remote { auth = psk
    id = 192.0.2.1 }
  children { t { local_ts = 198.51.100.128/25
       remote_ts = 198.51.100.0/25
       esp_proposals = $ESP
       start_action = none } } } }
secrets { ike-1 { id-1 = 192.0.2.1
    id-2 = 192.0.2.2
    secret = "$PSK" } }
CONF
    charon_start gwb "$SD"
    swanctl_ns gwb "$SD" --load-all --file "$SD/swanctl/swanctl.conf" > "$SD/load.log" 2>&1 ||
        fail "swanctl --load-all: $(cat "$SD/load.log")"
    oak_conf "$OD" 192.0.2.1 192.0.2.2 198.51.100.0/25 198.51.100.128/25 \
        "$([ "$CASE" = ss-initiator ] && echo start || echo add)"
    oakleyd_start gwa "$OD"
    if [ "$CASE" = ss-responder ]; then
        swanctl_ns gwb "$SD" --initiate --child t --timeout 20 > "$SD/initiate.log" 2>&1
    fi
fi

child_done() {
    grep -q "IPsec SA established with\|negotiated but not installed" "$OD/log" && return 0
    # charon as initiator fails its install (no ESP on the host) before it sends QM3: oakley as
    # responder gets as far as sending QM2.
    ! esp_expected && [ "$CASE" = ss-responder ] && grep -q -- "-> QM_R2_SENT" "$OD/log" &&
        grep -q "unable to install inbound and outbound IPsec SA" "$SD/charon.log"
}
wait_for 40 child_done
ok=$?
sleep 0.5
echo "--- oakleyd (gwa)"; grep -v ' -> ' "$OD/log" | tail -40
if [ "$CASE" = oakley ]; then
    echo "--- oakleyd (gwb)"; grep -v ' -> ' "$SD/log" | tail -20
else
    echo "--- charon"; grep -E "IKE\]|ENC\]|KNL\] unable|CFG\] (selected|received)" "$SD/charon.log" | tail -40
fi
kill -INT "$DUMPCAP_PID" 2> /dev/null
wait_for 5 sh -c "! kill -0 $DUMPCAP_PID"
[ $ok = 0 ] || fail "the negotiation did not complete on the oakley side"

# Payload 132 on the wire, both ways.
frags() { tshark -r "$PCAP" -Y "isakmp.nextpayload == 132 && ip.src == $1" -T fields -e frame.number 2> /dev/null | wc -l; }
fa=$(frags 192.0.2.1) fb=$(frags 192.0.2.2)
echo "--- fragments on the wire: from 192.0.2.1: $fa, from 192.0.2.2: $fb"
tshark -r "$PCAP" -O isakmp -Y "isakmp.nextpayload == 132" 2> /dev/null | grep -m 4 -iE "fragment|payload: 132|Next payload"
[ "$fa" -ge 2 ] || fail "oakley (192.0.2.1) sent no IKE fragments"
[ "$fb" -ge 2 ] || fail "the peer (192.0.2.2) sent no IKE fragments"

if [ "$CASE" = oakley ]; then
    grep -q "IPsec SA established with\|negotiated but not installed" "$SD/log" ||
        fail "the responding oakleyd did not complete Quick Mode"
else
    sas=$(swanctl_ns gwb "$SD" --list-sas --raw 2>&1)
    echo "$sas" | grep -q "state=ESTABLISHED" || fail "strongSwan's IKE SA is not ESTABLISHED"
    echo "$sas" | grep -q "dh-group=MODP_4096" || fail "strongSwan shows no MODP_4096"
    esp_expected || grep -q "selected proposal: ESP:AES_CBC" "$SD/charon.log" ||
        fail "strongSwan did not select the ESP proposal"
fi

M=$(ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$OD/oakley.vici" metrics) || fail "oakley metrics failed"
echo "$M" | grep oakley_ike_fragment
metric() { echo "$M" | sed -n "s/^$1 //p"; }
[ "$(metric 'oakley_ike_fragments_total{event="sent"}')" -ge 2 ] || fail "metrics: no fragments sent"
[ "$(metric 'oakley_ike_fragments_total{event="reassembled"}')" -ge 1 ] ||
    fail "metrics: no message reassembled"
[ "$(metric oakley_ike_fragment_bytes)" = 0 ] || fail "metrics: reassembly still holds bytes"
[ "$(metric 'oakley_ike_fragments_total{event="dropped"}')" = 0 ] || fail "metrics: fragments dropped"
kill -0 "$OAKLEYD_PID" || fail "oakleyd died"
echo PASS
