#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oakleyd's VICI control socket driven by the `oakley` tool and by strongSwan's own swanctl.
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  .1 | 192.0.2.1   192.0.2.2 | .129     198.51.100.138/25
#                   oakleyd (A)           oakleyd (B)
#                   A/oakley.vici         B/oakley.vici
#
# usage: vici-ctl.sh OAKLEYD OAKLEY
#
# Both daemons have the conn `pair` with auto=add; everything is started and stopped through A's
# socket: `oakley up` (where the kernel has no ESP the ISAKMP SA comes up, the install fails and
# `up` must exit non-zero with that reason), `oakley status`, `oakley --json list-sas`,
# `oakley list-conns`, `oakley down`, and swanctl --list-sas/--list-conns/--initiate/--terminate
# with --uri, whose output must agree with oakley --json (state, hosts, IDs, algorithms, SPIs).
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2
netns_init vici
command -v python3 >/dev/null || skip "python3 is not installed"
topo_site_to_site

A=192.0.2.1 B=192.0.2.2 SA=198.51.100.0/25 SB=198.51.100.128/25
write_conf() { # DIR ME PEER MYNET PEERNET
    oak_site_conf "$1" pair "$2" "$3" "$4" "$5" aes128gcm16! add "oakley-vici-$$"
}
DA=$NETNS_TMP/a DB=$NETNS_TMP/b
mkdir -p "$DA" "$DB"
write_conf "$DA" $A $B $SA $SB
write_conf "$DB" $B $A $SB $SA
SOCKA=$DA/run/oakley.vici SOCKB=$DB/run/oakley.vici
oakleyd_start gwb "$DB" --socket "$SOCKB"
oakleyd_start gwa "$DA" --socket "$SOCKA"
wait_for 5 test -S "$SOCKA" || fail "no socket $SOCKA"
[ "$(stat -c %a "$SOCKA")" = 660 ] || fail "socket mode $(stat -c %a "$SOCKA"), want 660"
[ "$(stat -c %a "$DA/run")" = 750 ] || fail "socket dir mode $(stat -c %a "$DA/run"), want 750"

oak() { ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$SOCKA" "$@"; }
# swanctl needs only a few plugins (and none of charon's).
cat > "$NETNS_TMP/strongswan.conf" <<CONF
swanctl { load = pem pkcs1 x509 revocation constraints pubkey openssl random }
CONF
swan() {
    local cmd=$1
    shift
    ip netns exec "$(ns gwa)" env STRONGSWAN_CONF="$NETNS_TMP/strongswan.conf" \
        swanctl "$cmd" --uri "unix://$SOCKA" "$@"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

echo "--- version"
oak version | tee "$NETNS_TMP/out" || fail "oakley version failed"
grep -q oakleyd "$NETNS_TMP/out" || fail "version does not name oakleyd"

echo "--- a second daemon on the same socket is refused"
ip netns exec "$(ns gwa)" "$OAKLEYD" --foreground --config "$DA/ipsec.conf" \
    --secrets "$DA/ipsec.secrets" --socket "$SOCKA" --ike-port 1500 --natt-port 14500 \
    > "$NETNS_TMP/second.log" 2>&1 &
second=$!
NETNS_PIDS+=("$second")
wait_for 10 sh -c "! kill -0 $second" || fail "a second oakleyd kept running on $SOCKA"
grep -q "another daemon answers" "$NETNS_TMP/second.log" || fail "second daemon: $(cat "$NETNS_TMP/second.log")"
oak version >/dev/null || fail "the first daemon lost its socket"

echo "--- list-conns"
oak list-conns | tee "$NETNS_TMP/out" || fail "oakley list-conns failed"
grep -q "pair" "$NETNS_TMP/out" || fail "list-conns lacks pair"
# every stored keyword, from the keyword table (daemon/config_keywords.c)
grep -q "^    esp: " "$NETNS_TMP/out" && grep -q "^    leftsubnets: {" "$NETNS_TMP/out" ||
    fail "list-conns lacks the conn's stored keywords"
swan --list-conns | tee "$NETNS_TMP/swan-conns" || fail "swanctl --list-conns failed"
grep -q "^pair: IKEv1" "$NETNS_TMP/swan-conns" || fail "swanctl --list-conns lacks 'pair: IKEv1'"
grep -q "^  local:  $A" "$NETNS_TMP/swan-conns" || fail "swanctl conns lack the local address"
grep -q "^  remote: $B" "$NETNS_TMP/swan-conns" || fail "swanctl conns lack the remote address"
grep -q "^    local:  $SA" "$NETNS_TMP/swan-conns" || fail "swanctl conns lack the local TS"
grep -q "^    remote: $SB" "$NETNS_TMP/swan-conns" || fail "swanctl conns lack the remote TS"

# Follows ike-updown and child-updown; prints "EVENT up|down NAME" per event (own wire parser).
cat > "$NETNS_TMP/events.py" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1])
def seg(b): return struct.pack(">I", len(b)) + b
def recv_exact(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: sys.exit(0)
        b += c
    return b
for ev in ("ike-updown", "child-updown"):
    s.sendall(seg(bytes([3, len(ev)]) + ev.encode()))
    if recv_exact(struct.unpack(">I", recv_exact(4))[0]) != b"\x05":
        print("registration refused"); sys.exit(1)
print("ready", flush=True)
while True:
    body = recv_exact(struct.unpack(">I", recv_exact(4))[0])
    if body[0] != 7: continue
    name = body[2:2 + body[1]].decode(); msg = body[2 + body[1]:]
    # first element: KEY_VALUE "up" = "yes", or the SA's section
    up = msg[:4] == b"\x03\x02up"
    i = 0
    while i < len(msg) and msg[i] != 1:
        i += 2 + msg[i + 1] + 2 + struct.unpack(">H", msg[i + 2 + msg[i + 1]:i + 4 + msg[i + 1]])[0]
    sec = msg[i + 2:i + 2 + msg[i + 1]].decode() if i < len(msg) else "?"
    print(name, "up" if up else "down", sec, flush=True)
PY
ip netns exec "$(ns gwa)" python3 "$NETNS_TMP/events.py" "$SOCKA" > "$NETNS_TMP/events" 2>&1 &
NETNS_PIDS+=("$!")
wait_for 10 grep -q ready "$NETNS_TMP/events" || fail "event listener: $(cat "$NETNS_TMP/events")"

echo "--- up"
oak up nosuch > "$NETNS_TMP/up" 2>&1 && fail "up of an unknown conn succeeded"
grep -q "no connection named 'nosuch'" "$NETNS_TMP/up" || fail "up nosuch: $(cat "$NETNS_TMP/up")"
oak up pair > "$NETNS_TMP/up" 2>&1
up_rc=$?
cat "$NETNS_TMP/up"
if esp_expected; then
    [ $up_rc = 0 ] || fail "oakley up failed"
else
    [ $up_rc != 0 ] || fail "oakley up succeeded without ESP in the kernel"
    grep -q "not installed" "$NETNS_TMP/up" || fail "oakley up does not say why"
fi

wait_for 5 grep -q "ike-updown up pair" "$NETNS_TMP/events" || fail "no ike-updown event: $(cat "$NETNS_TMP/events")"
if esp_expected; then
    wait_for 5 grep -q "child-updown up pair" "$NETNS_TMP/events" || fail "no child-updown event"
fi

echo "--- status"
oak status | tee "$NETNS_TMP/out" || fail "oakley status failed"
grep -q "pair" "$NETNS_TMP/out" && grep -q ESTABLISHED "$NETNS_TMP/out" || fail "status lacks the SA"

echo "--- list-sas --json vs swanctl --list-sas"
oak --json list-sas > "$NETNS_TMP/sas.json" || fail "oakley --json list-sas failed"
cat "$NETNS_TMP/sas.json"
swan --list-sas | tee "$NETNS_TMP/swan-sas" || fail "swanctl --list-sas failed"
ike='d[0]["pair"]'
state=$(json "$ike['state']" < "$NETNS_TMP/sas.json") || fail "bad JSON"
[ "$state" = ESTABLISHED ] || fail "state $state"
[ "$(json "$ike['version']" < "$NETNS_TMP/sas.json")" = 1 ] || fail "version is not 1"
uid=$(json "$ike['uniqueid']" < "$NETNS_TMP/sas.json")
lh=$(json "$ike['local-host']" < "$NETNS_TMP/sas.json")
rh=$(json "$ike['remote-host']" < "$NETNS_TMP/sas.json")
lid=$(json "$ike['local-id']" < "$NETNS_TMP/sas.json")
rid=$(json "$ike['remote-id']" < "$NETNS_TMP/sas.json")
algs=$(json "'%s-%s/%s/%s/%s' % tuple($ike[k] for k in ('encr-alg','encr-keysize','integ-alg','prf-alg','dh-group'))" < "$NETNS_TMP/sas.json")
[ "$lh $rh $lid $rid" = "$A $B $A $B" ] || fail "hosts/IDs '$lh $rh $lid $rid'"
[ "$algs" = AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048 ] || fail "algorithms $algs"
grep -q "^pair: #$uid, ESTABLISHED, IKEv1" "$NETNS_TMP/swan-sas" || fail "swanctl: no 'pair: #$uid, ESTABLISHED, IKEv1'"
grep -q "local  '$lid' @ $lh\[500\]" "$NETNS_TMP/swan-sas" || fail "swanctl: local line"
grep -q "remote '$rid' @ $rh\[500\]" "$NETNS_TMP/swan-sas" || fail "swanctl: remote line"
grep -qF "$algs" "$NETNS_TMP/swan-sas" || fail "swanctl: algorithms differ from $algs"
child=$(json "list($ike['child-sas'].values())[0]['spi-in'] + ' ' + list($ike['child-sas'].values())[0]['spi-out'] + ' ' + list($ike['child-sas'].values())[0]['encr-alg']" < "$NETNS_TMP/sas.json") ||
    fail "no child in list-sas"
set -- $child
grep -q "ESP:$3" "$NETNS_TMP/swan-sas" || fail "swanctl: child algorithm $3 missing"
swan --list-sas --ike nosuch | grep -q ESTABLISHED && fail "swanctl --list-sas --ike ignores the filter"
grep -q "in  *$1" "$NETNS_TMP/swan-sas" && grep -q "out *$2" "$NETNS_TMP/swan-sas" || fail "swanctl: SPIs $1/$2 missing"

echo "--- timing (10 calls each, including ip netns exec)"
for tool in "oak list-sas" "swan --list-sas"; do
    t0=$(date +%s%N)
    for i in $(seq 1 10); do $tool > /dev/null || fail "$tool"; done
    t1=$(date +%s%N)
    echo "$tool: $(( (t1 - t0) / 10000000 )) ms per call"
done

echo "--- down"
oak down pair || fail "oakley down failed"
oak --json list-sas > "$NETNS_TMP/sas.json" || fail "list-sas after down failed"
[ "$(json 'len([s for s in d if s.get("pair", {}).get("state") == "ESTABLISHED"])' < "$NETNS_TMP/sas.json")" = 0 ] ||
    fail "SA still listed after down: $(cat "$NETNS_TMP/sas.json")"
oak down pair && fail "a second down succeeded"
wait_for 5 grep -q "ike-updown down pair" "$NETNS_TMP/events" || fail "no ike-updown down event"
cat "$NETNS_TMP/events"

echo "--- swanctl --initiate / --terminate"
swan --initiate --child pair > "$NETNS_TMP/swan-up" 2>&1
swan_rc=$?
cat "$NETNS_TMP/swan-up"
if esp_expected; then [ $swan_rc = 0 ] || fail "swanctl --initiate failed"
else [ $swan_rc != 0 ] || fail "swanctl --initiate succeeded without ESP"; fi
swan --list-sas | grep -q "ESTABLISHED" || fail "no SA after swanctl --initiate"
swan --terminate --ike pair || fail "swanctl --terminate failed"
swan --list-sas | grep -q "ESTABLISHED" && fail "SA left after swanctl --terminate"
oak list-conns >/dev/null || fail "daemon unusable after swanctl"

echo "--- swanctl --load-creds / --load-conns (load-shared, load-conn, get-conns, unload-conn)"
# A's file PSK is now wrong: only the PSK loaded over VICI lets the next tunnel come up.
printf '%s %s : PSK "wrong-%s"\n' $A $B "$$" > "$DA/ipsec.secrets"
oak reload || fail "reload"
mkdir -p "$NETNS_TMP/swanctl"
write_swanctl() {
    cat > "$NETNS_TMP/swanctl/swanctl.conf" <<CONF
connections {
$1
}
secrets { ike-b { id-a = $A
                  id-b = $B
                  secret = "oakley-vici-$$" } }
CONF
}
write_swanctl "viapair { version = 1
    local_addrs = $A
    remote_addrs = $B
    proposals = aes128-sha256-modp2048
    local { auth = psk
            id = $A }
    remote { auth = psk
             id = $B }
    children { viapair { local_ts = $SA
                         remote_ts = $SB
                         esp_proposals = aes128gcm16
                         mode = tunnel } } }"
swan --load-creds --file "$NETNS_TMP/swanctl/swanctl.conf" || fail "swanctl --load-creds failed"
swan --load-conns --file "$NETNS_TMP/swanctl/swanctl.conf" || fail "swanctl --load-conns failed"
oak list-conns | grep -q "^viapair:" || fail "viapair not loaded"
swan --list-conns | grep -q "^viapair: IKEv1" || fail "swanctl does not list viapair"
oak up viapair > "$NETNS_TMP/up" 2>&1
up_rc=$?
cat "$NETNS_TMP/up"
if esp_expected; then
    [ $up_rc = 0 ] || fail "oakley up viapair failed"
else
    grep -q "not installed" "$NETNS_TMP/up" || fail "viapair did not reach Quick Mode (PSK from load-shared unused?)"
fi
oak down viapair || fail "down viapair"
# a reload of the files keeps what was loaded over VICI (as charon does)
oak reload || fail "reload with a VICI-loaded conn"
oak list-conns | grep -q "^viapair:" || fail "a reload dropped the VICI-loaded conn viapair"
grep -q "reload: 1 connection loaded over VICI kept" "$DA/log" || fail "no reload note about viapair"
write_swanctl ""
swan --load-conns --file "$NETNS_TMP/swanctl/swanctl.conf" || fail "swanctl --load-conns (empty) failed"
oak list-conns > "$NETNS_TMP/out" || fail "list-conns"
grep -q "^viapair:" "$NETNS_TMP/out" && fail "viapair still loaded after swanctl unloaded it"
grep -q "^pair:" "$NETNS_TMP/out" || fail "swanctl --load-conns unloaded the ipsec.conf conn"
grep -q "runtime error\|AddressSanitizer" "$DA/log" "$DB/log" && fail "sanitizer report in a daemon log"
echo PASS
