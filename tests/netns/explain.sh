#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oakley explain names the real cause of a failed negotiation: one broken setting per case,
# against a second oakleyd and against strongSwan; each case checks the reason, the engine's own
# account and the advice that `oakley explain NAME` prints on the side that saw the failure.
#
#   gwa (oakleyd, 192.0.2.1) ======== gwb (oakleyd or charon, 192.0.2.2)
#
# usage: explain.sh OAKLEYD OAKLEY
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2
netns_init explain
netns_add gwa
netns_add gwb
netns_link gwa gwb 192.0.2.1/24 192.0.2.2/24 2001:db8::1/64 2001:db8::2/64

PIDS=()
stop_all() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    PIDS=()
}
# conf DIR LEFT RIGHT EXTRA PSK AUTO
conf() {
    mkdir -p "$1"
    printf 'conn t\n    keyexchange=ikev1\n    authby=secret\n    left=%s\n    right=%s\n    keyingtries=1\n    auto=%s\n%b\n' \
        "$2" "$3" "$6" "$4" > "$1/ipsec.conf"
    # (the unreachable 203.0.113.9 of no-route and the stranger of unmatched have secrets too:
    # a conn without one is refused at load)
    printf '192.0.2.1 192.0.2.2 : PSK "%s"\n@a.example.org @b.example.org : PSK "%s"\n192.0.2.1 @somebody.else : PSK "%s"\n192.0.2.1 203.0.113.9 : PSK "%s"\n@stranger.example.org @b.example.org : PSK "%s"\n' \
        "$5" "$5" "$5" "$5" "$5" > "$1/ipsec.secrets"
    chmod 600 "$1/ipsec.secrets"
}
n=0 passed=0
# case NAME SIDE(a|b) PEER(oakley|strongswan) A_EXTRA B_EXTRA(oakley) or SS_PROPS WAIT EXPECT...
explain_case() {
    local name=$1 side=$2 peer=$3 aextra=$4 bextra=$5 wait=$6
    shift 6
    n=$((n + 1))
    local A=$NETNS_TMP/$name/a B=$NETNS_TMP/$name/b
    conf "$A" 192.0.2.1 "${RIGHT_A:-192.0.2.2}" "$aextra" "psk-a-$$" add
    if [ "$peer" = oakley ]; then
        local pskb="psk-a-$$"
        [ "$name" = psk ] && pskb="psk-b-$$"
        conf "$B" 192.0.2.2 192.0.2.1 "$bextra" "$pskb" add
        case $name in no-response | no-route) ;; *) oakleyd_start gwb "$B"; PIDS+=("$OAKLEYD_PID") ;; esac
    else
        charon_ss "$B" "$bextra"
    fi
    oakleyd_start gwa "$A"
    PIDS+=("$OAKLEYD_PID")
    # case-specific set-up of the path (a firewall rule), before anyone sends
    [ -z "${PATH_SETUP:-}" ] || "$PATH_SETUP"
    if [ "$side" = b ] && [ "$peer" = strongswan ]; then
        swanctl_ns gwb "$B" --initiate --child t --timeout 10 > "$B/initiate.log" 2>&1
    else
        ip netns exec "$(ns gwa)" timeout 60 "$OAKLEY" --socket "$A/oakley.vici" up t > "$A/up.log" 2>&1
    fi
    local dir=$A ns=gwa
    [ "$side" = b ] && [ "$peer" = oakley ] && dir=$B ns=gwb
    got() { ip netns exec "$(ns $ns)" "$OAKLEY" --socket "$dir/oakley.vici" explain t; }
    local ok=1 e
    wait_for "$wait" sh -c "ip netns exec $(ns $ns) $OAKLEY --socket $dir/oakley.vici explain t | grep -q 'phase'"
    local out
    out=$(got 2>&1)
    for e in "$@"; do
        echo "$out" | grep -qF -- "$e" || { ok=0; echo "  missing: $e"; }
    done
    if [ $ok = 1 ]; then
        passed=$((passed + 1)); echo "ok   $name ($peer, explained on gw$side)"
        echo "$out" | sed 's/^/     | /'
    else
        echo "FAIL $name ($peer, explained on gw$side):"; echo "$out" | sed 's/^/     | /'
        grep -v ' -> \|keymat' "$dir/log" | tail -15 | sed 's/^/     log| /'
    fi
    stop_all
}
# charon_ss DIR "proposals|esp_proposals|psk|aggressive[|child settings]"
charon_ss() {
    local dir=$1 props esp psk aggr child
    IFS='|' read -r props esp psk aggr child <<< "$2"
    mkdir -p "$dir/swanctl"
    cat > "$dir/swanctl/swanctl.conf" <<CONF
connections { t { version = 1
  local_addrs = 192.0.2.2
  remote_addrs = 192.0.2.1
  proposals = $props
  aggressive = $aggr
  local { auth = psk
    id = 192.0.2.2 }
  remote { auth = psk
    id = 192.0.2.1 }
  children { t { esp_proposals = $esp
       $child
       mode = transport
       start_action = none } } } }
secrets { ike-1 { id-1 = 192.0.2.1
    id-2 = 192.0.2.2
    secret = "$psk" } }
CONF
    charon_start gwb "$dir"
    PIDS+=("$CHARON_PID")
    swanctl_ns gwb "$dir" --load-all --file "$dir/swanctl/swanctl.conf" > "$dir/load.log" 2>&1 ||
        fail "swanctl --load-all: $(cat "$dir/load.log")"
}

IKE='    ike=aes128-sha256-modp2048!\n    esp=aes128gcm16!\n    type=transport'
# 1. phase-1 proposals differ: the responder shows both lists and says to change ike=
explain_case ike-proposal b oakley "$IKE" '    ike=aes256-sha1-modp3072!\n    esp=aes128gcm16!\n    type=transport' 10 \
    "no proposal chosen" "peer offered" "we accept" "add one of the peer's offers listed above to ike="
# 2. the PSKs differ: the responder's HASH check fails
explain_case psk b oakley "$IKE" "$IKE" 10 "authentication failed" "pre-shared keys" "same PSK in ipsec.secrets"
# 3. the peer's ID is not the expected one
explain_case id a oakley "$IKE\n    rightid=@somebody.else" "$IKE" 10 "invalid ID" "does not match the expected" "set rightid="
# 4. Aggressive Mode offered, refused by the responder
explain_case aggressive b oakley "$IKE\n    aggressive=yes\n    leftid=@a.example.org\n    rightid=@b.example.org" \
    "$IKE\n    leftid=@b.example.org\n    rightid=@a.example.org" 10 "aggressive mode refused" "aggressive=yes on both sides"
# 5. phase 2: the ESP proposals differ
explain_case esp-proposal b oakley "$IKE" '    ike=aes128-sha256-modp2048!\n    esp=aes256-sha1!\n    type=transport' 10 \
    "phase 2" "no proposal chosen" "esp="
# 6. nobody answers (no daemon on gwb): 20 s of retransmissions (retransmit-timeout=)
explain_case no-response a oakley "$IKE\n    retransmit-timeout=20s" "" 45 "peer not responding" "UDP 500" "firewalls"
# 6b. the peer is on no route of ours (gwa has no default route): sendto fails with
#     ENETUNREACH, and that is said, not "the peer never answered"
RIGHT_A=203.0.113.9
explain_case no-route a oakley "$IKE\n    retransmit-timeout=20s" "" 45 "peer not responding" "sending to it failed here" \
    "(no route)" "this host has no route to the peer" "ip route get"
RIGHT_A=
# 6c. Aggressive Mode from an ID no conn of gwb expects: gwb keeps the peer (address and the ID
#     it sent) apart from its conns' failures, and shows it under the conn whose right= is that
#     address
explain_case unmatched b oakley "$IKE\n    aggressive=yes\n    leftid=@stranger.example.org\n    rightid=@b.example.org" \
    "$IKE\n    aggressive=yes\n    leftid=@b.example.org\n    rightid=@a.example.org" 10 \
    "(no conn): phase 1 as responder with 192.0.2.1" "no matching connection" \
    "Aggressive Mode from ID @stranger.example.org" "add a conn"
# 7. strongSwan refuses our phase-1 proposal with NO-PROPOSAL-CHOSEN
explain_case ss-ike-proposal a strongswan "$IKE" "aes256-sha1-modp3072|aes128gcm16|psk-a-$$|no" 15 \
    "no proposal chosen" "NO-PROPOSAL-CHOSEN" "the peer accepts none of what ike= offers"
# 8. strongSwan initiates with another PSK: our HASH check fails
explain_case ss-psk b strongswan "$IKE" "aes128-sha256-modp2048|aes128gcm16|other-psk-$$|no" 15 \
    "authentication failed" "pre-shared keys"
# 8b. we initiate towards strongSwan with another PSK. charon 5.9 answers MM2 and MM4 and then
#     our undecryptable MM5 with an encrypted notify (we say "authentication failed"); many peers
#     (Cisco IOS, racoon) just drop MM5. That silence is made here by dropping charon's
#     Informational exchanges (ISAKMP exchange type 5, byte 18 after the UDP header): the
#     timeout in MM_I5_SENT is then named a PSK mismatch, not an unreachable peer.
explain_case ss-psk-i a strongswan "$IKE" "aes128-sha256-modp2048|aes128gcm16|other-psk-$$|no" 15 \
    "authentication failed" "encrypted notify" "same PSK in ipsec.secrets"
drop_informational() {
    ip netns exec "$(ns gwb)" nft -f - <<'NFT'
table inet oakexplain {
    chain out {
        type filter hook output priority 0;
        udp sport 500 @th,208,8 5 drop
    }
}
NFT
}
if command -v nft > /dev/null; then
    PATH_SETUP=drop_informational
    explain_case ss-psk-silent a strongswan "$IKE\n    retransmit-timeout=20s" "aes128-sha256-modp2048|aes128gcm16|other-psk-$$|no" 45 \
        "peer not responding" "in MM_I5_SENT" "went silent at our MM5" "pre-shared key mismatch" \
        "same PSK in ipsec.secrets"
    ip netns exec "$(ns gwb)" nft delete table inet oakexplain
    PATH_SETUP=
else
    echo "SKIP ss-psk-silent: nft is not installed"
fi
# 9. strongSwan offers a phase-1 proposal we do not accept
explain_case ss-offer b strongswan "$IKE" "3des-sha1-modp1024|aes128gcm16|psk-a-$$|no" 15 \
    "no proposal chosen" "peer offered" "3DES"
# 10. forceencaps=yes here, NAT-T turned off at the peer: no NAT-T vendor ID comes back
explain_case natt-force a oakley "$IKE\n    forceencaps=yes" "$IKE\n    encapsulation=no" 10 \
    "NAT traversal disagreement" "does not announce NAT traversal" "turn NAT-T on at the peer"
# 11. NAT-T moves to UDP 4500 (forced), and the path to strongSwan drops 4500: MM5 never answered
block_4500() {
    ip netns exec "$(ns gwb)" nft -f - <<'NFT'
table inet oakexplain {
    chain in {
        type filter hook input priority 0;
        udp dport 4500 drop
    }
}
NFT
}
PATH_SETUP=block_4500
if command -v nft > /dev/null; then
    explain_case ss-natt-blocked a strongswan "$IKE\n    forceencaps=yes\n    retransmit-timeout=20s" "aes128-sha256-modp2048|aes128gcm16|psk-a-$$|no" 45 \
        "peer not responding" "NAT-T port" "UDP 4500 is blocked" "open UDP 4500"
    ip netns exec "$(ns gwb)" nft delete table inet oakexplain
else
    echo "SKIP ss-natt-blocked: nft is not installed"
fi
PATH_SETUP=
# 12. the responder refuses an ISAKMP lifetime longer than its own (lifetimecheck=strict)
explain_case lifetime b oakley "$IKE\n    ikelifetime=3h" "$IKE\n    ikelifetime=1h\n    lifetimecheck=strict" 10 \
    "lifetime refused" "10800 s" "at most 3600 s" "lifetimecheck=claim"
# 13. strongSwan proposes IPsec SAs that live 2 h; a strict oakley allows 1 h (and 8 h for its
#     ISAKMP SA: charon offers rekey_time plus 10% there, 15840 s by default)
explain_case ss-lifetime b strongswan "$IKE\n    ikelifetime=8h\n    lifetime=1h\n    lifetimecheck=strict" \
    "aes128-sha256-modp2048|aes128gcm16|psk-a-$$|no|life_time = 2h" 15 \
    "phase 2" "lifetime refused" "at most 3600 s" "IPsec SA lifetime"
echo "figures: oakley explain: $passed of $n failure causes named correctly"
[ "$passed" = "$n" ] || fail "$((n - passed)) cases not explained"
echo PASS
