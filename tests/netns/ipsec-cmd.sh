#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oakley-ipsec: every verb of strongSwan's starter and of Libreswan that it accepts, run against
# oakleyd, with the exit status and the fields scripts grep for; then monitoring one-liners
# from common practice, whose answers must be what the original daemons give in the same state.
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  .1 | 192.0.2.1   192.0.2.2 | .129     198.51.100.138/25
#                   oakleyd (A)           oakleyd (B)          gwc: oakleyd started by
#                   `ipsec` runs here                           `ipsec start` (no link)
#
# usage: ipsec-cmd.sh OAKLEYD OAKLEY_IPSEC
# Where the kernel has no ESP (this host) the ISAKMP SA comes up and the IPsec SA is not installed:
# `up` must fail (exit 1), no SA counts as INSTALLED or in trafficstatus. With OAKLEY_EXPECT_ESP=1
# (the VM) `up` succeeds and the IPsec SA is listed everywhere.
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
IPSEC=$2
netns_init ipsec
topo_site_to_site
A=192.0.2.1 B=192.0.2.2 SA=198.51.100.0/25 SB=198.51.100.128/25
DA=$NETNS_TMP/a DB=$NETNS_TMP/b
oak_site_conf "$DA" pair $A $B $SA $SB aes128gcm16! add "oakley-ipsec-$$"
oak_site_conf "$DB" pair $B $A $SB $SA aes128gcm16! add "oakley-ipsec-$$"
oakleyd_start gwb "$DB"
oakleyd_start gwa "$DA"
export OAKLEY_SOCKET=$DA/oakley.vici OAKLEY_IPSEC_NO_SYSTEMD=1
OUT=$NETNS_TMP/out
checks=0

# run VERB ARGS...: runs `ipsec VERB ARGS` in gwa, output in $OUT, status in $rc.
run() {
    ip netns exec "$(ns gwa)" "$IPSEC" "$@" > "$OUT" 2>&1
    rc=$?
    sed 's/^/    | /' "$OUT"
}
# expect RC [PATTERN...] -- VERB ARGS: exit status RC and every PATTERN (grep -E; !PATTERN: absent).
expect() {
    local want=$1 p pats=()
    shift
    while [ "$1" != -- ]; do pats+=("$1"); shift; done
    shift
    echo "--- ipsec $*"
    run "$@"
    [ "$rc" = "$want" ] || fail "ipsec $*: exit $rc, want $want"
    for p in "${pats[@]}"; do
        if [ "${p:0:1}" = '!' ]; then
            grep -qE -- "${p:1}" "$OUT" && fail "ipsec $*: output has '${p:1}'"
        else
            grep -qE -- "$p" "$OUT" || fail "ipsec $*: output lacks '$p'"
        fi
    done
    checks=$((checks + 1))
}
# idiom WANT CMD: a monitoring one-liner (sh -c in gwa, `ipsec` on PATH) prints WANT.
idiom() {
    local want=$1 got
    got=$(ip netns exec "$(ns gwa)" env PATH="$NETNS_TMP/bin:$PATH" sh -c "$2" 2>/dev/null)
    echo "--- idiom: $2 -> '$got'"
    [ "$got" = "$want" ] || fail "idiom '$2' gave '$got', the original daemons give '$want'"
    checks=$((checks + 1))
}
mkdir -p "$NETNS_TMP/bin"
ln -s "$IPSEC" "$NETNS_TMP/bin/ipsec"

if esp_expected; then UP_RC=0 INST=1; else UP_RC=1 INST=0; fi

expect 0 'oakley-ipsec' 'daemon: oakleyd' -- version
expect 0 'Security Associations \(0 up, 0 connecting\)' 'none' -- status
idiom no 'ipsec status pair | grep -q ESTABLISHED && echo yes || echo no'
idiom 0 'ipsec whack --trafficstatus | grep -c ESP'

expect $UP_RC "initiating Main Mode" -- up pair
if esp_expected; then
    grep -q "connection 'pair' established successfully" "$OUT" || fail "up: no success line"
else
    grep -q "establishing connection 'pair' failed" "$OUT" || fail "up: no failure line"
fi
expect 0 'Security Associations \(1 up, 0 connecting\)' '^pair\[[0-9]+\]: ESTABLISHED' -- status pair
idiom yes 'ipsec status pair | grep -q ESTABLISHED && echo yes || echo no'
idiom $INST 'ipsec status | grep -c INSTALLED'
idiom 1 'ipsec status | grep -c ESTABLISHED'
expect 0 '^Connections:' '^  pair: IKEv1' 'ESTABLISHED' -- statusall
expect 0 '^Connections:' '!pair: IKEv1' -- statusall nosuch
idiom $INST 'ipsec whack --trafficstatus | grep -c "type=ESP"'
idiom $INST 'ipsec trafficstatus | grep -c "\"pair\""'
if esp_expected; then
    expect 0 "^#[0-9]+: \"pair\", type=ESP, add_time=[0-9]+, inBytes=[0-9]+, outBytes=[0-9]+, maxBytes=2\^63B, id='$B'$" -- whack --trafficstatus
fi
expect 0 'STATE_MAIN_I4 \(ISAKMP SA established\)' "Total IPsec connections: loaded 1, active $INST" -- whack --status
run env OAKLEY_IPSEC_STYLE=libreswan true # (the style only changes `status`)
echo "--- OAKLEY_IPSEC_STYLE=libreswan ipsec status"
ip netns exec "$(ns gwa)" env OAKLEY_IPSEC_STYLE=libreswan "$IPSEC" status > "$OUT" 2>&1 ||
    fail "libreswan-style status failed"
grep -q 'ISAKMP SA established' "$OUT" && grep -q '^Total IPsec connections: loaded 1' "$OUT" ||
    fail "libreswan-style status: $(cat "$OUT")"
idiom 1 'ipsec whack --status | grep -c "ISAKMP SA established"'
idiom $INST 'ipsec whack --status | grep -c "IPsec SA established"'
expect 0 '^Bare Shunt list:' -- whack --shuntstatus
expect 0 '^Bare Shunt list:' -- shuntstatus

# down by ISAKMP SA number, then by name, then an IPsec SA number that does not exist
n=$(ip netns exec "$(ns gwa)" "$IPSEC" status | sed -n 's/^pair\[\([0-9]*\)\].*/\1/p' | head -1)
[ -n "$n" ] || fail "no ISAKMP SA number in status"
expect 0 -- down "pair[$n]"
wait_for 5 sh -c "! ip netns exec $(ns gwa) $IPSEC status pair | grep -q ESTABLISHED" ||
    fail "pair[$n] still up after down"
idiom no 'ipsec status pair | grep -q ESTABLISHED && echo yes || echo no'
expect $UP_RC -- up pair
expect 0 -- down pair
expect 0 'none' -- status
expect 1 -- down 'pair{4711}'
expect 2 'not a number' -- down 'pair{x1}'

# route / unroute: the trap policies appear and go (the host kernel takes policies)
has_pol() { ip -n "$(ns gwa)" xfrm policy list src $SA dst $SB | grep -q "dir out"; }
expect 0 "'pair' routed" -- route pair
has_pol || fail "route: no trap policy $SA -> $SB"
expect 1 'already routed' -- route pair
expect 0 "configuration 'pair' unrouted" -- unroute pair
has_pol && fail "unroute: the trap policy stayed"
expect 1 'not routed' -- unroute pair
expect 1 "no connection named 'nosuch'" -- route nosuch

# Libreswan's auto
expect 0 '"pair": added' -- auto --add pair
expect 1 "not in oakleyd's ipsec.conf" -- auto --add nosuch
expect 0 -- auto --delete pair
expect 1 "no connection named 'pair'" -- auto --up pair
expect 0 '"pair": added' -- auto --add pair
expect $UP_RC -- auto --up pair
expect 0 -- auto --down pair
expect 0 -- auto --route pair
has_pol || fail "auto --route: no trap policy"
expect 0 -- auto --unroute pair
has_pol && fail "auto --unroute: the trap policy stayed"
expect 0 '"pair": added' -- auto --replace pair
expect 0 -- auto --rereadsecrets
expect 0 'Total IPsec connections: loaded 1, active 0' -- auto --status
expect 2 'usage' -- auto --up
for v in reload update rereadsecrets rereadall secrets; do expect 0 -- $v; done

# what oakley does not have is refused with 2, never a silent success
expect 2 'not supported' 'no certificates' -- listcerts
expect 2 'not supported' -- whack --listen
expect 2 'not supported' -- auto --ready
expect 2 'unknown verb' -- frobnicate
expect 2 'usage' -- up

# verify: the config check and the kernel checks
echo "--- ipsec verify"
ip netns exec "$(ns gwa)" env OAKLEYD_ARGS="--config $DA/ipsec.conf --secrets $DA/ipsec.secrets" \
    "$IPSEC" verify > "$OUT" 2>&1
rc=$?
sed 's/^/    | /' "$OUT"
grep -qE 'Checking the configuration .*\[OK\]' "$OUT" || fail "verify: config not OK"
grep -qE 'netlink XFRM.*\[OK\]' "$OUT" || fail "verify: XFRM not OK"
grep -qE 'UDP port 500 .*\[OK\] \(in use; oakleyd answers' "$OUT" || fail "verify: port 500 line"
if esp_expected; then
    grep -qE 'ESP in the kernel.*\[OK\]' "$OUT" || fail "verify: ESP not OK in the VM"
    [ $rc = 0 ] || fail "verify exit $rc with ESP present"
else
    grep -qE 'ESP in the kernel.*\[FAILED\]' "$OUT" || fail "verify: no ESP must be FAILED here"
    [ $rc = 1 ] || fail "verify exit $rc without ESP, want 1"
fi
checks=$((checks + 1))
printf 'conn broken\n    keyingtries=many\n' > "$NETNS_TMP/bad.conf"
ip netns exec "$(ns gwa)" env OAKLEYD_ARGS="--config $NETNS_TMP/bad.conf --secrets $DA/ipsec.secrets" \
    "$IPSEC" verify > "$OUT" 2>&1 && fail "verify passed a broken config"
grep -qE 'Checking the configuration .*\[FAILED\]' "$OUT" && grep -q 'bad.conf:2' "$OUT" ||
    fail "verify: broken config not named: $(cat "$OUT")"
checks=$((checks + 1))

# start / restart / stop without systemd, in a namespace of its own
netns_add gwc
DC=$NETNS_TMP/c
oak_site_conf "$DC" pair 203.0.113.1 203.0.113.2 $SA $SB aes128gcm16! add "oakley-ipsec-c-$$"
cipsec() {
    ip netns exec "$(ns gwc)" env OAKLEY_SOCKET="$DC/oakley.vici" OAKLEYD="$OAKLEYD" \
        OAKLEYD_ARGS="--config $DC/ipsec.conf --secrets $DC/ipsec.secrets --socket $DC/oakley.vici" \
        OAKLEY_PIDFILE="$DC/pid" OAKLEY_LOGFILE="$DC/log" OAKLEY_IPSEC_NO_SYSTEMD=1 "$IPSEC" "$@"
}
echo "--- ipsec start / restart / stop (no systemd)"
cipsec start || fail "start failed: $(cat "$DC/log")"
p1=$(cat "$DC/pid")
NETNS_PIDS+=("$p1")
cipsec version | grep -q 'daemon: oakleyd' || fail "started daemon does not answer"
cipsec start && fail "a second start succeeded"
cipsec restart || fail "restart failed"
p2=$(cat "$DC/pid")
NETNS_PIDS+=("$p2")
[ "$p1" != "$p2" ] || fail "restart kept pid $p1"
kill -0 "$p1" 2>/dev/null && fail "restart left the old oakleyd $p1 running"
cipsec stop || fail "stop failed"
kill -0 "$p2" 2>/dev/null && fail "stop left oakleyd $p2 running"
cipsec stop && fail "stop of a stopped daemon succeeded"
cipsec status > /dev/null 2>&1; [ $? = 3 ] || fail "status of a stopped daemon: want exit 3"
checks=$((checks + 1))

# bash completion offers exactly the verbs of --help (those with a help text)
comp=$(dirname "$0")/../../packaging/completion/oakley-ipsec.bash
want=$("$IPSEC" --help | sed -n '/^Verbs:/,$ s/^  \([a-z-][a-z-]*\)\( .*\)\{0,1\}$/\1/p' | tr '\n' ' ')
have=$(sed -n 's/^ *local verbs="\(.*\)"$/\1 /p' "$comp")
[ "$want" = "$have" ] || fail "completion verbs '$have' differ from --help's '$want'"
checks=$((checks + 1))

echo "ipsec-cmd: $checks checks passed"
