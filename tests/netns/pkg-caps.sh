#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oakleyd started as root keeps only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE (daemon/caps.c), in every
# thread, and still serves its control socket and a reload afterwards; started as an unprivileged
# user it stops with a clear error.
#
#   [ gw: oakleyd on 192.0.2.1, UDP 500/4500 ] --veth-- [ peer: 192.0.2.2 (nothing runs) ]
#
# usage: pkg-caps.sh OAKLEYD
# Bits (include/uapi/linux/capability.h): CAP_NET_BIND_SERVICE = 10, CAP_NET_ADMIN = 12 -> 0x1400.
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
KEPT=0000000000001400
netns_init pkgcaps
netns_add gw
netns_add peer
netns_link gw peer 192.0.2.1/24 192.0.2.2/24
D=$NETNS_TMP/gw
mkdir -p "$D"
cat > "$D/ipsec.conf" <<'CONF'
conn peer
    keyexchange=ikev1
    authby=secret
    left=192.0.2.1
    right=192.0.2.2
    ike=aes128-sha256-modp2048!
    esp=aes128-sha256!
    auto=add
CONF
printf '192.0.2.1 192.0.2.2 : PSK "oakley-caps-%s"\n' "$$" > "$D/ipsec.secrets"
chmod 600 "$D/ipsec.secrets"
oakleyd_start gw "$D" --socket "$D/oakley.vici"
PID=$OAKLEYD_PID

# field FILE NAME: the value of "NAME:" in a /proc status file.
field() { sed -n "s/^$2:[[:space:]]*//p" "$1"; }
bad=0
ntask=0
for st in /proc/"$PID"/task/*/status; do
    ntask=$((ntask + 1))
    tid=$(basename "$(dirname "$st")")
    for f in CapPrm CapEff CapBnd; do
        v=$(field "$st" $f)
        echo "task $tid $f=$v"
        [ "$v" = "$KEPT" ] || { echo "task $tid: $f is $v, want $KEPT" >&2; bad=1; }
    done
    for f in CapInh CapAmb; do
        v=$(field "$st" $f)
        echo "task $tid $f=$v"
        [ "$v" = 0000000000000000 ] || { echo "task $tid: $f is $v, want 0" >&2; bad=1; }
    done
    v=$(field "$st" NoNewPrivs)
    [ "$v" = 1 ] || { echo "task $tid: NoNewPrivs is $v" >&2; bad=1; }
done
echo "$ntask threads checked"
[ "$ntask" -ge 1 ] || fail "no task of oakleyd $PID found"
[ $bad = 0 ] || fail "oakleyd keeps more (or other) capabilities than CAP_NET_ADMIN + CAP_NET_BIND_SERVICE"

# Still working with the reduced set: a reload (SIGHUP) and the control socket.
kill -HUP "$PID"
sleep 0.5
kill -0 "$PID" 2>/dev/null || fail "oakleyd died after SIGHUP: $(tail -5 "$D/log")"
OAKLEY=$(dirname "$OAKLEYD")/../tools/oakley
if [ -x "$OAKLEY" ] && [ -S "$D/oakley.vici" ]; then
    ip netns exec "$(ns gw)" "$OAKLEY" --socket "$D/oakley.vici" list-conns > "$D/conns" 2>&1 ||
        fail "oakley list-conns failed after the drop: $(cat "$D/conns")"
    grep -q peer "$D/conns" || fail "list-conns does not show 'peer': $(cat "$D/conns")"
    echo "control socket answers after the drop"
fi

# As nobody, without capabilities: a clear error and a failed exit, not a half-working daemon.
command -v setpriv >/dev/null || fail "setpriv (util-linux) missing"
chmod 755 "$NETNS_TMP" "$D"
chmod 644 "$D/ipsec.secrets" "$D/ipsec.conf"
timeout 10 ip netns exec "$(ns gw)" setpriv --reuid 65534 --regid 65534 --clear-groups \
    --inh-caps=-all "$OAKLEYD" --foreground --config "$D/ipsec.conf" --secrets "$D/ipsec.secrets" \
    --socket "$NETNS_TMP/nobody.vici" --ike-port 10500 --natt-port 14500 > "$D/nobody.log" 2>&1
rc=$?
echo "as nobody: exit $rc: $(cat "$D/nobody.log")"
[ $rc != 0 ] && [ $rc != 124 ] || fail "oakleyd as nobody did not stop with an error (exit $rc)"
grep -qi "lacks the capabilities.*cap_net_admin" "$D/nobody.log" ||
    fail "no clear error naming the missing capabilities as nobody"
echo "PASS: exactly CAP_NET_ADMIN + CAP_NET_BIND_SERVICE in $ntask threads"
