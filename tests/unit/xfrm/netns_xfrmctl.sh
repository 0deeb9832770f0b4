#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xfrmctl (and so xfrm/) against the host kernel, with iproute2 as the independent oracle
# (ipxfrm_oracle.py normalises `ip xfrm policy|state`).
#
#   netns oak-xfrm-$$-a                      netns oak-xfrm-$$-b
#   +-----------------------+   veth    +-----------------------+
#   | oakxa$$ 192.0.2.1/24  |-----------| oakxb$$ 192.0.2.2/24  |
#   | xfrmctl, ip xfrm      |           | (ping target)         |
#   +-----------------------+           +-----------------------+
#
# Checks: policies appear with every field as requested and are removed exactly; flush-owned
# spares foreign entries; ALLOCSPI ranges; ESP SA add gives the clear no-ESP message (or works,
# on a kernel with ESP); an ACQUIRE arrives after a ping hits an out policy with a template;
# policy events; sa-get's output line.
# Usage: netns_xfrmctl.sh XFRMCTL ORACLE.py
set -u
XFRMCTL=$1
ORACLE=$2
NA=oak-xfrm-$$-a
NB=oak-xfrm-$$-b
fails=0 checks=0
MONPID=

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "iproute2 not installed"
command -v python3 >/dev/null || skip "python3 not installed"

cleanup() {
    [ -n "$MONPID" ] && kill "$MONPID" 2>/dev/null
    ip netns del "$NA" 2>/dev/null
    ip netns del "$NB" 2>/dev/null
}
trap cleanup EXIT
ip netns add "$NA" 2>/dev/null || skip "cannot create network namespaces here"
ip netns add "$NB" || exit 1
ip link add "oakxa$$" type veth peer name "oakxb$$" || skip "no veth support"
ip link set "oakxa$$" netns "$NA"
ip link set "oakxb$$" netns "$NB"
ip -n "$NA" addr add 192.0.2.1/24 dev "oakxa$$"
ip -n "$NB" addr add 192.0.2.2/24 dev "oakxb$$"
ip -n "$NA" link set "oakxa$$" up
ip -n "$NB" link set "oakxb$$" up
ip -n "$NA" link set lo up

A() { ip netns exec "$NA" "$@"; }
X() { ip netns exec "$NA" "$XFRMCTL" "$@"; }
ok() { checks=$((checks + 1)); echo "ok: $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }
# expect_lines WHAT EXPECTED ACTUAL: the two sorted line sets must be equal.
expect_lines() {
    if [ "$2" = "$3" ]; then ok "$1"; else
        bad "$1"; echo "--- expected"; echo "$2"; echo "--- got"; echo "$3"; fi
}
policies() { A ip xfrm policy | python3 "$ORACLE"; }
states() { A ip xfrm state | python3 "$ORACLE"; }

# --- policies: every field as requested ---------------------------------------------------
X policy-add --dir out --sel-src 192.0.2.0/24 --sel-dst 198.51.100.0/25 --sel-proto 6 \
    --sport 1000 --dport 443 --tmpl-src 192.0.2.1 --tmpl-dst 198.51.100.1 --proto esp \
    --mode tunnel --reqid 0x6f6b0001 --priority 1234 --mark 0x10/0xf0 --if-id 7 || bad "policy-add 1"
X policy-add --dir in --sel-src 2001:db8:1::/64 --sel-dst 2001:db8::/48 --sel-proto 17 --dport 500 \
    --proto esp --mode transport --reqid 12 --optional --priority 7 || bad "policy-add 2"
X policy-add --dir fwd --sel-src 203.0.113.0/24 --sel-dst 198.51.100.0/24 --action block \
    --priority 3 || bad "policy-add 3"
X policy-add --dir out --sel-src 192.0.2.1/32 --sel-dst 192.0.2.2/32 --tmpl-src 192.0.2.1 \
    --tmpl-dst 192.0.2.2 --proto ah --mode tunnel --reqid 0x6f6b0002 --action allow || bad "policy-add 4"
A ip xfrm policy add dir out src 10.0.0.0/8 dst 10.1.0.0/16 priority 5 \
    tmpl src 192.0.2.1 dst 192.0.2.9 proto esp reqid 77 mode tunnel || bad "foreign policy"
FOREIGN="policy dir=out sel=10.0.0.0/8->10.1.0.0/16 priority=5 action=allow tmpl=esp/tunnel/192.0.2.1->192.0.2.9/reqid=77/required"
P1="policy dir=out sel=192.0.2.0/24->198.51.100.0/25 proto=tcp sport=1000 dport=443 priority=1234 action=allow mark=0x10/0xf0 if_id=0x7 tmpl=esp/tunnel/192.0.2.1->198.51.100.1/reqid=1869283329/required"
P2="policy dir=in sel=2001:db8:1::/64->2001:db8::/48 proto=udp dport=500 priority=7 action=allow tmpl=esp/transport/-/reqid=12/optional"
P3="policy dir=fwd sel=203.0.113.0/24->198.51.100.0/24 priority=3 action=block"
P4="policy dir=out sel=192.0.2.1/32->192.0.2.2/32 priority=0 action=allow tmpl=ah/tunnel/192.0.2.1->192.0.2.2/reqid=1869283330/required"
expect_lines "policies as requested" "$(printf '%s\n' "$FOREIGN" "$P1" "$P2" "$P3" "$P4" | sort)" "$(policies)"

# Adding the same policy again: the clear message, exit 1.
err=$(X policy-add --dir fwd --sel-src 203.0.113.0/24 --sel-dst 198.51.100.0/24 --action block 2>&1)
rc=$?
[ $rc = 1 ] && [ "$err" = "xfrmctl: policy exists" ] && ok "duplicate: '$err'" || bad "duplicate: rc=$rc '$err'"

# Update in place, then delete exactly one.
X policy-update --dir fwd --sel-src 203.0.113.0/24 --sel-dst 198.51.100.0/24 --action allow \
    --priority 4 || bad "policy-update"
P3U="policy dir=fwd sel=203.0.113.0/24->198.51.100.0/24 priority=4 action=allow"
expect_lines "policy updated" "$(printf '%s\n' "$FOREIGN" "$P1" "$P2" "$P3U" "$P4" | sort)" "$(policies)"
X policy-del --dir in --sel-src 2001:db8:1::/64 --sel-dst 2001:db8::/48 --sel-proto 17 --dport 500 \
    || bad "policy-del"
expect_lines "one policy deleted" "$(printf '%s\n' "$FOREIGN" "$P1" "$P3U" "$P4" | sort)" "$(policies)"
err=$(X policy-del --dir in --sel-src 2001:db8:1::/64 --sel-dst 2001:db8::/48 2>&1)
rc=$?
[ $rc = 1 ] && [ "$err" = "xfrmctl: no such policy" ] && ok "delete again: '$err'" || bad "delete again: rc=$rc '$err'"

# --- ALLOCSPI ---------------------------------------------------------------------------
inrange=1
for i in $(seq 1 10); do
    spi=$(X allocspi --src 192.0.2.1 --dst 192.0.2.2 --proto esp --reqid 0x6f6b0003) || inrange=0
    [[ $spi =~ ^0x[0-9a-f]{8}$ ]] && [ $((spi)) -ge 256 ] || inrange=0
done
[ $inrange = 1 ] && ok "allocspi esp default range (last $spi)" || bad "allocspi esp default range"
inrange=1
for i in $(seq 1 10); do
    spi=$(X allocspi --src 192.0.2.1 --dst 192.0.2.2 --proto ah --min 3000 --max 3010 \
        --reqid 0x6f6b0004) || inrange=0
    [ $((spi)) -ge $((0x3000)) ] && [ $((spi)) -le $((0x3010)) ] || inrange=0
done
[ $inrange = 1 ] && ok "allocspi ah in 0x3000-0x3010 (last $spi)" || bad "allocspi ah range"
cpi=$(X allocspi --src 192.0.2.1 --dst 192.0.2.2 --proto comp)
[ $((cpi)) -ge 256 ] && [ $((cpi)) -le 65535 ] && ok "allocspi comp CPI $cpi" || bad "allocspi comp $cpi"
states | grep -q "state proto=comp spi=$cpi src=192.0.2.1 dst=192.0.2.2 reqid=0 " \
    && ok "larval IPComp SA in ip xfrm state" || bad "larval SA $cpi not in ip xfrm state"
line=$(X sa-get --src 192.0.2.1 --dst 192.0.2.2 --spi "${cpi#0x}" --proto comp)
[[ $line =~ ^bytes=0\ packets=0\ add_time=[0-9]+\ use_time=0$ ]] && ok "sa-get: $line" || bad "sa-get: '$line'"
X sa-del --src 192.0.2.1 --dst 192.0.2.2 --spi "${cpi#0x}" --proto comp || bad "sa-del"
states | grep -q "spi=$cpi " && bad "sa-del left $cpi" || ok "sa-del removed $cpi"
err=$(X sa-del --src 192.0.2.1 --dst 192.0.2.2 --spi "${cpi#0x}" --proto comp 2>&1)
[ "$err" = "xfrmctl: no such SA" ] && ok "sa-del again: '$err'" || bad "sa-del again: '$err'"

# --- ESP SA: the clear message without ESP, the SA itself with ESP -------------------------
SA=(--src 192.0.2.1 --dst 192.0.2.2 --spi 1001 --proto esp --mode tunnel --reqid 0x6f6b0005
    --enc cbc\(aes\):00112233445566778899aabbccddeeff
    --auth hmac\(sha256\):00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff:128
    --replay 64 --soft-secs 100 --hard-secs 120)
if A ip xfrm state add src 192.0.2.9 dst 192.0.2.8 proto esp spi 9 enc 'cbc(aes)' \
        0x00112233445566778899aabbccddeeff 2>/dev/null; then
    A ip xfrm state flush
    X sa-add "${SA[@]}" && ok "ESP SA added (kernel has ESP)" || bad "ESP SA add on an ESP kernel"
else
    err=$(X sa-add "${SA[@]}" 2>&1)
    rc=$?
    [ $rc = 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] &&
        [[ $err == "xfrmctl: kernel has no ESP support (CONFIG_INET_ESP)"* ]] \
        && ok "no-ESP message: '$err'" || bad "no-ESP message: rc=$rc '$err'"
    err=$(X sa-add --src 192.0.2.1 --dst 192.0.2.2 --spi 1002 --proto esp --mode transport \
        --aead rfc4106\(gcm\(aes\)\):00112233445566778899aabbccddeeff01020304:128 --esn --replay 128 \
        --encap 4500:4500:198.51.100.7 2>&1)
    [[ $err == "xfrmctl: kernel has no ESP support (CONFIG_INET_ESP)"* ]] \
        && ok "no-ESP message (AEAD): '$err'" || bad "no-ESP message (AEAD): '$err'"
fi

# --- ACQUIRE after a ping hits an out policy with a template -------------------------------
A sysctl -q net.core.xfrm_acq_expires=1
out=$(mktemp)
X monitor --count 1 --timeout 15 > "$out" &
MONPID=$!
if command -v busybox >/dev/null; then PING=(busybox ping -c1 -W1 192.0.2.2)
elif command -v ping >/dev/null; then PING=(ping -c1 -W1 192.0.2.2)
else PING=(bash -c 'echo x > /dev/udp/192.0.2.2/9'); fi
for i in $(seq 1 20); do
    kill -0 "$MONPID" 2>/dev/null || break
    A "${PING[@]}" >/dev/null 2>&1
    sleep 0.5
done
wait "$MONPID"
rc=$?
MONPID=
line=$(head -1 "$out")
[ $rc = 0 ] && [[ $line == "acquire src=192.0.2.1 dst=192.0.2.2 proto=ah reqid=1869283330 "* ]] \
    && ok "ACQUIRE: $line" || bad "ACQUIRE: rc=$rc '$line'"
A sysctl -q net.core.xfrm_acq_expires=30

# --- policy events ----------------------------------------------------------------------
X monitor --count 2 --timeout 10 > "$out" &
MONPID=$!
sleep 0.5
X policy-add --dir in --sel-src 198.51.100.0/24 --sel-dst 192.0.2.0/24 --priority 42
X policy-del --dir in --sel-src 198.51.100.0/24 --sel-dst 192.0.2.0/24
wait "$MONPID"
rc=$?
MONPID=
[ $rc = 0 ] && grep -q "^policy-add dir=in .*priority=42 .*sel=198.51.100.0/24->192.0.2.0/24 owned" "$out" &&
    grep -q "^policy-del dir=in " "$out" && ok "policy events" || { bad "policy events rc=$rc"; cat "$out"; }
rm -f "$out"

# --- flush-owned: ours go, foreign ones stay ----------------------------------------------
A ip xfrm state allocspi src 192.0.2.1 dst 192.0.2.3 proto esp reqid 77 >/dev/null
X allocspi --src 192.0.2.1 --dst 192.0.2.3 --proto esp --reqid 0x6f6b0010 >/dev/null
X flush-owned 2>/dev/null || bad "flush-owned"
expect_lines "flush-owned leaves the foreign policy" "$FOREIGN" "$(policies)"
remaining=$(states)
[ "$(echo "$remaining" | grep -c .)" = 1 ] && [[ $remaining == *"reqid=77 "* ]] \
    && ok "flush-owned leaves the foreign SA" || { bad "flush-owned SAs"; echo "$remaining"; }

echo "$checks checks, $fails failed"
[ $fails = 0 ]
