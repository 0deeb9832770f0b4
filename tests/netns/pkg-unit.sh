#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# packaging/systemd/oakleyd.service without a running systemd: the offline security score must stay
# at or below 2.5, and the unit's sandbox must fit what oakleyd really does. oakleyd runs under
# strace in a namespace (start, cap drop, SIGHUP reload, control socket, SIGTERM); every system call
# it makes must be allowed by the unit's SystemCallFilter= lines (expanded with
# `systemd-analyze syscall-filter`, applied in order), every socket() family must be in
# RestrictAddressFamilies=, and it must not write outside /run/oakley and its own temp paths
# (ProtectSystem=strict).
#
#   [ gw: strace oakleyd, 192.0.2.1 ] --veth-- [ peer: oakleyd initiating, 192.0.2.2 ]
#
# The traced daemon responds to a full Main Mode + Quick Mode negotiation, so the system calls of
# the exchange, the worker threads and the XFRM requests are in the trace too.
#
# usage: pkg-unit.sh OAKLEYD SOURCE_DIR
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
UNIT=$2/packaging/systemd/oakleyd.service
command -v systemd-analyze >/dev/null || skip "systemd-analyze is missing (apt-get install systemd)"
command -v strace >/dev/null || skip "strace is missing (apt-get install strace)"
command -v python3 >/dev/null || skip "python3 is missing"
[ -f "$UNIT" ] || fail "no $UNIT"

# Syntax: everything but "binary not installed on this host" is an error.
systemd-analyze verify --man=no "$UNIT" 2>&1 | grep -v "is not executable: No such file" > "/tmp/oak-pkgunit-verify.$$"
if [ -s "/tmp/oak-pkgunit-verify.$$" ]; then
    cat "/tmp/oak-pkgunit-verify.$$"
    rm -f "/tmp/oak-pkgunit-verify.$$"
    fail "systemd-analyze verify complains about the unit"
fi
rm -f "/tmp/oak-pkgunit-verify.$$"
echo "systemd-analyze verify: clean"
score=$(systemd-analyze security --offline=true "$UNIT" 2>&1 |
    sed -n 's/.*Overall exposure level for oakleyd.service: \([0-9.]*\).*/\1/p')
echo "systemd-analyze security --offline=true: exposure $score"
[ -n "$score" ] || fail "systemd-analyze security printed no score"
python3 -c "import sys; sys.exit(0 if float('$score') <= 2.5 else 1)" ||
    fail "exposure $score is above 2.5"

netns_init pkgunit
netns_add gw
netns_add peer
netns_link gw peer 192.0.2.1/24 192.0.2.2/24
D=$NETNS_TMP/gw P=$NETNS_TMP/peer
mkdir -p "$D" "$P"
write_conf() { # DIR ME PEER AUTO
    cat > "$1/ipsec.conf" <<CONF
conn peer
    keyexchange=ikev1
    authby=secret
    left=$2
    right=$3
    ike=aes128-sha256-modp2048!
    esp=aes128-sha256-modp2048!
    auto=$4
CONF
    printf '%s %s : PSK "oakley-unit-%s"\n' "$2" "$3" "$$" > "$1/ipsec.secrets"
    chmod 600 "$1/ipsec.secrets"
}
write_conf "$D" 192.0.2.1 192.0.2.2 add
write_conf "$P" 192.0.2.2 192.0.2.1 start
netns_bg gw "$D/log" strace -f -qq -o "$D/trace" "$OAKLEYD" --foreground --log-level debug \
    --config "$D/ipsec.conf" --secrets "$D/ipsec.secrets" --socket "$D/oakley.vici"
wait_for 15 grep -q " ready" "$D/log" || fail "oakleyd did not start under strace: $(cat "$D/log")"
STRACE_PID=$NETNS_LAST_PID
PID=$(pgrep -P "$STRACE_PID" -x oakleyd | head -1)
[ -n "$PID" ] || fail "no oakleyd child of strace $STRACE_PID"
oakleyd_start peer "$P" --socket "$P/oakley.vici"
established() { grep -q "IPsec SA established with\|negotiated but not installed" "$1"; }
wait_for 20 established "$D/log" || fail "no negotiation with the traced daemon: $(grep -v ' -> ' "$D/log" | tail -5)"
kill -HUP "$PID"
wait_for 5 grep -q "reload" "$D/log" || fail "no reload after SIGHUP: $(tail -3 "$D/log")"
OAKLEY=$(dirname "$OAKLEYD")/../tools/oakley
[ -x "$OAKLEY" ] && ip netns exec "$(ns gw)" "$OAKLEY" --socket "$D/oakley.vici" list-conns > /dev/null 2>&1
kill -TERM "$PID"
for _ in $(seq 150); do kill -0 "$STRACE_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$STRACE_PID" 2>/dev/null && fail "oakleyd did not stop on SIGTERM"
grep -q "ready" "$D/log" || fail "log lost"

python3 - "$UNIT" "$D/trace" "$NETNS_TMP" <<'PY' || exit 1
import re, subprocess, sys
unit, trace, tmp = sys.argv[1:4]
memo = {}
def expand(name):
    if not name.startswith('@'):
        return {name}
    if name not in memo:
        out = subprocess.run(['systemd-analyze', 'syscall-filter', name], capture_output=True,
                             text=True, check=True).stdout.split('\n')[1:]
        s = set()
        for l in out:
            l = l.strip()
            if l and not l.startswith('#'):
                s |= expand(l)
        memo[name] = s
    return memo[name]
allowed, families = None, None
for line in open(unit):
    m = re.match(r'\s*SystemCallFilter=(~?)(.*)', line)
    if m:
        names = set().union(*(expand(n) for n in m.group(2).split()))
        if allowed is None:
            allowed = names if not m.group(1) else None
        elif m.group(1):
            allowed -= names
        else:
            allowed |= names
    m = re.match(r'\s*RestrictAddressFamilies=(.*)', line)
    if m:
        families = set(m.group(1).split())
assert allowed, 'no allow-list SystemCallFilter= in the unit'
used, socks, writes = {}, set(), set()
for l in open(trace):
    m = re.match(r'\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]', l)
    if m and '+++' not in l and '---' not in l:
        used[m.group(1)] = l.strip()
    m = re.search(r'socket\((AF_[A-Z0-9]+)', l)
    if m:
        socks.add(m.group(1))
    m = re.search(r'open(?:at)?\([^"]*"([^"]+)", [^)]*O_(?:WRONLY|RDWR|CREAT)', l)
    if m:
        writes.add(m.group(1))
bad = sorted(s for s in used if s not in allowed and s not in ('exit_group', 'exit'))
print('%d distinct system calls, all in the filter' % len(used) if not bad else
      'system calls outside SystemCallFilter=: ' + ', '.join(bad))
for s in bad:
    print('  e.g. ' + used[s])
print('used: ' + ' '.join(sorted(used)))
fam_bad = sorted(socks - families)
print('socket families: ' + ' '.join(sorted(socks)))
if fam_bad:
    print('families outside RestrictAddressFamilies=: ' + ' '.join(fam_bad))
w_bad = sorted(p for p in writes if not p.startswith(('/run/oakley', '/dev/null', tmp)))
if w_bad:
    print('writes outside /run/oakley (ProtectSystem=strict): ' + ' '.join(w_bad))
sys.exit(1 if bad or fam_bad or w_bad else 0)
PY
echo "PASS: score $score; the sandbox fits oakleyd's system calls, families and writes"
