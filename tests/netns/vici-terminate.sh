#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VICI initiate, rekey and terminate with each of their selectors, as swanctl sends them: initiate
# by ike name alone, terminate by child name, child-id, ike-id and ike name, and `oakley reauth`
# (rekey with ike alone). Requests without a child key once read an uninitialised buffer as the
# name; terminate knew only ike names.
#
#   gwa (oakleyd A, 192.0.2.1) ======== gwb (oakleyd B, 192.0.2.2)
#   198.51.100.0/25 (conn pair)          198.51.100.128/25
#
# On a kernel without ESP the IPsec SAs are negotiated but not installed: they are listed as
# FAILED, and terminate acts on them all the same (Delete sent, record gone).
#
# usage: vici-terminate.sh OAKLEYD OAKLEY
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2
netns_init vterm
command -v python3 >/dev/null || skip "python3 is not installed"
command -v swanctl >/dev/null || skip "swanctl (strongSwan) is not installed"
netns_add gwa
netns_add gwb
netns_link gwa gwb 192.0.2.1/24 192.0.2.2/24

A=192.0.2.1 B=192.0.2.2 SA=198.51.100.0/25 SB=198.51.100.128/25
DA=$NETNS_TMP/a DB=$NETNS_TMP/b
oak_site_conf "$DA" pair $A $B $SA $SB aes128gcm16! add "oakley-vterm-$$"
oak_site_conf "$DB" pair $B $A $SB $SA aes128gcm16! add "oakley-vterm-$$"
oakleyd_start gwb "$DB"
oakleyd_start gwa "$DA"

oak() { ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$DA/oakley.vici" "$@"; }
cat > "$NETNS_TMP/strongswan.conf" <<CONF
swanctl { load = pem pkcs1 x509 revocation constraints pubkey openssl random }
CONF
swan() {
    local cmd=$1
    shift
    ip netns exec "$(ns gwa)" env STRONGSWAN_CONF="$NETNS_TMP/strongswan.conf" \
        swanctl "$cmd" --uri "unix://$DA/oakley.vici" "$@"
}
# sas EXPR: EXPR over the list-sas listing as a list of (ike uniqueid, [child uniqueids]) of pair.
sas() {
    oak --json list-sas > "$NETNS_TMP/sas.json" || fail "oakley --json list-sas failed"
    python3 -c "
import json, sys
l = [(int(e['pair']['uniqueid']) if 'uniqueid' in e['pair'] else 0,
      sorted(int(c['uniqueid']) for c in e['pair'].get('child-sas', {}).values()))
     for e in json.load(open('$NETNS_TMP/sas.json')) if 'pair' in e]
print($1)"
}
# run NAME CMD...: CMD's output to $NETNS_TMP/NAME and the test log; its status.
run() {
    local name=$1
    shift
    "$@" > "$NETNS_TMP/$name" 2>&1
    local rc=$?
    sed "s/^/  $name: /" "$NETNS_TMP/$name"
    return $rc
}
n_children() { sas 'sum(len(c) for _, c in l)'; }
child_up() { [ "$(n_children)" -ge "$1" ]; }
n_sas_is() { [ "$(sas 'len(l)')" = "$1" ]; }

echo "--- swanctl --initiate --ike pair (no child key)"
run init swan --initiate --ike pair || fail "swanctl --initiate --ike pair failed"
grep -q "initiate completed successfully" "$NETNS_TMP/init" || fail "no success line"
[ "$(sas 'len(l)')" = 1 ] || fail "want 1 ISAKMP SA, list-sas: $(cat "$NETNS_TMP/sas.json")"
IKE1=$(sas 'l[0][0]')
wait_for 10 child_up 1 || fail "no IPsec SA listed under $IKE1: $(cat "$NETNS_TMP/sas.json")"

echo "--- swanctl --terminate --child pair: the IPsec SA goes, the ISAKMP SA stays"
run tchild swan --terminate --child pair || fail "swanctl --terminate --child pair failed"
grep -q "terminate completed successfully" "$NETNS_TMP/tchild" || fail "no success line"
[ "$(sas 'l')" = "[($IKE1, [])]" ] || fail "after --terminate --child: $(sas 'l'), want [($IKE1, [])]"
wait_for 5 grep -q "peer deleted IPsec SA" "$DB/log" || fail "B was not told (no Delete)"

echo "--- oakley reauth pair (rekey with ike alone): a second ISAKMP SA"
run reauth oak reauth pair || fail "oakley reauth failed"
grep -q "reauthentication of pair started (1 SAs matched)" "$NETNS_TMP/reauth" || fail "reauth output"
wait_for 10 grep -q "pair: initiating Main Mode (reauthentication)" "$DA/log" || fail "no reauthentication"
wait_for 10 n_sas_is 2 ||
    fail "no second ISAKMP SA: $(oak list-sas)"
IKE2=$(sas "[i for i, _ in l if i != $IKE1][0]")

echo "--- swanctl --terminate --ike-id $IKE1: that ISAKMP SA alone"
run tid swan --terminate --ike-id "$IKE1" || fail "swanctl --terminate --ike-id $IKE1 failed"
grep -q "terminated ISAKMP SA #$IKE1" "$NETNS_TMP/tid" || fail "no control-log line about #$IKE1"
[ "$(sas '[i for i, _ in l]')" = "[$IKE2]" ] || fail "after --ike-id $IKE1: $(sas 'l'), want only $IKE2"
run tnone swan --terminate --ike-id 999999 && fail "terminate of a missing ike-id succeeded"
grep -q "no matching SAs to terminate found" "$NETNS_TMP/tnone" || fail "missing ike-id: no reason"
run tbad swan --terminate --ike-id "$IKE2" --ike nosuch && fail "terminate with a wrong ike name succeeded"

echo "--- oakley up pair, then swanctl --terminate --child-id N"
run up oak up pair
wait_for 10 child_up 1 ||
    fail "no IPsec SA after oakley up: $(oak list-sas)"
CHILD=$(sas '[c for _, cs in l for c in cs][0]')
NCHILD=$(n_children)
run tcid swan --terminate --child-id "$CHILD" || fail "swanctl --terminate --child-id $CHILD failed"
[ "$(n_children)" = $((NCHILD - 1)) ] || fail "child $CHILD not terminated: $(sas 'l')"
[ "$(sas "[c for _, cs in l for c in cs if c == $CHILD]")" = "[]" ] || fail "child $CHILD still listed"

echo "--- swanctl --terminate --ike pair: everything of the conn"
run tike swan --terminate --ike pair || fail "swanctl --terminate --ike pair failed"
[ "$(sas 'l')" = "[]" ] || fail "SAs left after --terminate --ike pair: $(sas 'l')"
run tagain swan --terminate --ike pair && fail "a second --terminate --ike pair succeeded"
run tnosel swan --terminate && fail "terminate without a selector succeeded"
oak version > /dev/null || fail "daemon unusable"
grep -q "runtime error\|AddressSanitizer" "$DA/log" "$DB/log" && fail "sanitizer report in a daemon log"
echo PASS
