#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oakleyd's VICI socket under hostile or careless clients: several clients at once, a client that
# registers for events and never reads, malformed packets, too many clients. The daemon must keep
# answering everyone else and drop only the offender.
#
#   gwa ================ gwb
#   192.0.2.1        192.0.2.2
#   oakleyd          (idle)
#   A/oakley.vici
#
# usage: vici-robust.sh OAKLEYD OAKLEY
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2
netns_init vicir
command -v python3 >/dev/null || skip "python3 is not installed"
netns_add gwa
netns_add gwb
netns_link gwa gwb 192.0.2.1/24 192.0.2.2/24

DA=$NETNS_TMP/a
mkdir -p "$DA"
{
    for i in $(seq 1 20); do
        printf 'conn c%s\n    keyexchange=ikev1\n    authby=secret\n    left=192.0.2.1\n' "$i"
        printf '    right=192.0.2.2\n    leftsubnet=198.51.100.%s/32\n' "$i"
        printf '    rightsubnet=203.0.113.%s/32\n    auto=add\n' "$i"
    done
} > "$DA/ipsec.conf"
printf '192.0.2.1 192.0.2.2 : PSK "oakley-vici-%s"\n' "$$" > "$DA/ipsec.secrets"
chmod 600 "$DA/ipsec.secrets"
SOCK=$DA/oakley.vici
oakleyd_start gwa "$DA" --socket "$SOCK"
wait_for 5 test -S "$SOCK" || fail "no socket"
oak() { timeout 10 ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$SOCK" "$@"; }

# A minimal VICI client (wire format as in tools/vici/vici.h), with one subcommand per scenario.
cat > "$NETNS_TMP/vc.py" <<'PY'
import socket, struct, sys, time
path, what = sys.argv[1], sys.argv[2]
def seg(b): return struct.pack(">I", len(b)) + b
def named(t, name, msg=b""): return seg(bytes([t, len(name)]) + name.encode() + msg)
def recv_seg(s):
    hdr = b""
    while len(hdr) < 4:
        c = s.recv(4 - len(hdr))
        if not c: return None
        hdr += c
    n = struct.unpack(">I", hdr)[0]; body = b""
    while len(body) < n:
        c = s.recv(n - len(body))
        if not c: return None
        body += c
    return body
def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(path); s.settimeout(10); return s
def closed(s):
    try:
        while True:
            if not s.recv(65536): return True
    except (ConnectionResetError, BrokenPipeError): return True
    except socket.timeout: return False
def check_reply(r):
    # A reply is CMD_RESPONSE with a well-formed message, or a bare CMD_UNKNOWN/EVENT_CONFIRM/
    # EVENT_UNKNOWN (vici.h): element types 1..6, sections balanced, items only inside lists.
    if r[0] in (2, 5, 6):
        if len(r) != 1: sys.exit("bad reply: bare packet with data %r" % r)
        return
    if r[0] != 1: sys.exit("bad reply type %d" % r[0])
    i, depth, in_list = 1, 0, False
    while i < len(r):
        t = r[i]; i += 1
        if t in (1, 3, 4):
            n = r[i]; i += 1 + n
            if n == 0: sys.exit("bad reply: empty name")
        if t in (3, 5):
            vl = struct.unpack(">H", r[i:i + 2])[0]; i += 2 + vl
        if t == 1: depth += 1
        elif t == 2: depth -= 1
        elif t == 4: in_list = True
        elif t == 6: in_list = False
        elif t == 5 and not in_list: sys.exit("bad reply: item outside a list")
        elif t not in (3, 5): sys.exit("bad reply: element %d" % t)
        if depth < 0 or i > len(r): sys.exit("bad reply: structure")
    if depth or in_list: sys.exit("bad reply: unbalanced")
if what == "stuck":
    # Registers for log and list-conn events, pipelines list-conns requests and never reads.
    s = connect()
    s.sendall(named(3, "log") + named(3, "list-conn"))
    s.setblocking(False)
    req = named(0, "list-conns") * 200
    sent = 0; deadline = time.time() + 20
    while time.time() < deadline:
        try:
            s.send(req); sent += 1
        except BlockingIOError: time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            print("stuck client dropped after %d batches" % sent); sys.exit(0)
    print("stuck client was never dropped"); sys.exit(1)
elif what in ("garbage", "badtype", "badmsg", "huge", "response"):
    s = connect()
    payload = {"garbage": seg(b"\xff\x00\x01"),
               "badtype": seg(b"\x09"),
               "badmsg": named(0, "version", b"\x03\x05hello\x00\x10x"),
               "huge": struct.pack(">I", 0x7fffffff) + b"\x00",
               "response": seg(b"\x01")}[what]
    s.sendall(payload)
    if not closed(s): print(what + ": client not dropped"); sys.exit(1)
    print(what + ": dropped")
elif what == "random":
    # Framed segments of random bytes (seeded: reproducible), each on a fresh connection.
    import random
    rnd = random.Random(int(sys.argv[3]))
    dropped = answered = 0
    for i in range(300):
        s = connect(); s.settimeout(2)
        if i % 2:
            n = rnd.randrange(1, 64)
            body = bytes([rnd.choice((0, 3, 4, 7, rnd.randrange(256)))]) + bytes(rnd.randrange(256) for _ in range(n))
        else:
            # A well-formed request with random keys and values, then maybe one byte flipped.
            cmd = rnd.choice(("version", "stats", "list-sas", "list-conns", "get-conns", "rekey",
                              "terminate", "initiate", "nosuch"))
            msg = b""
            for _ in range(rnd.randrange(0, 6)):
                k = rnd.choice((b"ike", b"child", b"ike-id", b"timeout", b"noblock", b"x" * rnd.randrange(1, 9)))
                v = rnd.choice((b"c99", b"", b"-1", b"1", b"18446744073709551616", bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 40)))))
                msg += bytes([3, len(k)]) + k + struct.pack(">H", len(v)) + v
            body = bytearray(bytes([0, len(cmd)]) + cmd.encode() + msg)
            if rnd.random() < 0.3:
                body[rnd.randrange(len(body))] = rnd.randrange(256)
            body = bytes(body)
        try:
            s.sendall(seg(body))
            r = recv_seg(s)
            if r is None: dropped += 1
            else:
                check_reply(r)
                answered += 1
        except socket.timeout: pass
        except OSError: dropped += 1
        s.close()
    print("random: %d answered, %d dropped" % (answered, dropped))
elif what == "hangup":
    # Starts a request that stays pending (initiate of a conn whose peer runs no daemon), hangs up.
    s = connect()
    s.sendall(named(0, "initiate", bytes([3, 5]) + b"child" + struct.pack(">H", 2) + b"c2" +
                    bytes([3, 7]) + b"timeout" + struct.pack(">H", 4) + b"5000"))
    time.sleep(0.5)
    s.close()
    print("hangup: closed while initiate was pending")
elif what == "unknown":
    s = connect()
    s.sendall(named(0, "no-such-command") + named(3, "no-such-event"))
    a, b = recv_seg(s), recv_seg(s)
    if a != b"\x02" or b != b"\x06": print("unknown: got", a, b); sys.exit(1)
    print("unknown: CMD_UNKNOWN and EVENT_UNKNOWN")
elif what == "many":
    socks = []
    for i in range(80):
        try: socks.append(connect())
        except OSError: break
    ok = 0
    for s in socks:
        try: s.sendall(named(0, "version"))
        except OSError: pass
    for s in socks:
        try:
            r = recv_seg(s)
            if r and r[0] == 1: ok += 1
        except OSError: pass
    print("many: %d of %d connections answered" % (ok, len(socks)))
    sys.exit(0 if 0 < ok <= 64 else 1)
PY
vc() { timeout 60 ip netns exec "$(ns gwa)" python3 "$NETNS_TMP/vc.py" "$SOCK" "$@"; }

echo "--- two clients: one follows the log while the other sends commands"
ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$SOCK" log > "$NETNS_TMP/follow" 2>&1 &
follower=$!
NETNS_PIDS+=("$follower")
sleep 0.3
oak reload || fail "oakley reload failed"
oak list-conns >/dev/null || fail "list-conns while another client follows the log"
wait_for 5 grep -q "reload" "$NETNS_TMP/follow" || fail "the log follower saw nothing: $(cat "$NETNS_TMP/follow")"
echo "log follower got $(wc -l < "$NETNS_TMP/follow") lines"

t0=$(date +%s%N)
for i in $(seq 1 20); do oak version > /dev/null || fail "version"; done
t1=$(date +%s%N)
echo "20 version calls, nobody stuck: $(( (t1 - t0) / 1000000 )) ms"

echo "--- a client that never reads"
vc stuck > "$NETNS_TMP/stuck" 2>&1 &
stuck=$!
t0=$(date +%s%N)
n=0
for i in $(seq 1 20); do
    oak version > /dev/null || fail "daemon did not answer while a client was stuck"
    n=$((n + 1))
done
t1=$(date +%s%N)
echo "$n version calls while a client was stuck: $(( (t1 - t0) / 1000000 )) ms"
wait $stuck || fail "$(cat "$NETNS_TMP/stuck")"
cat "$NETNS_TMP/stuck"
grep -q "dropped: not reading" "$DA/log" || fail "daemon did not log the drop"
kill -0 "$follower" 2>/dev/null || fail "the log follower was dropped too"

echo "--- malformed packets drop only their sender"
for w in garbage badtype badmsg huge response unknown; do
    vc $w || fail "$w"
    oak version > /dev/null || fail "daemon unusable after $w"
done

vc random 6 || fail "random segments"
oak version > /dev/null || fail "daemon unusable after random segments"

echo "--- a client hangs up while its request is pending"
vc hangup || fail "hangup"
cpu() { awk '{print $14 + $15}' "/proc/$OAKLEYD_PID/stat"; }
c0=$(cpu)
sleep 2
c1=$(cpu)
echo "daemon CPU over 2 s after the hang-up: $((c1 - c0)) ticks"
[ $((c1 - c0)) -lt 50 ] || fail "the daemon spins after a pending client hung up"
oak version > /dev/null || fail "daemon unusable after the hang-up"

echo "--- more clients than the cap"
vc many || fail "client cap"
oak version > /dev/null || fail "daemon unusable after the client flood"
oak list-conns | grep -c "^c[0-9]*:" | grep -qx 20 || fail "list-conns does not show the 20 conns"
kill "$follower"
grep -q "runtime error\|AddressSanitizer" "$DA/log" && fail "sanitizer report in the daemon log"

echo "--- a stale socket (daemon killed) is replaced on restart"
kill -KILL "$OAKLEYD_PID"
wait_for 5 sh -c "! kill -0 $OAKLEYD_PID" || fail "oakleyd did not die"
[ -S "$SOCK" ] || fail "expected the killed daemon's socket to remain"
mv "$DA/log" "$DA/log.1"
oakleyd_start gwa "$DA" --socket "$SOCK"
grep -q "removed stale socket" "$DA/log" || fail "no stale-socket notice: $(cat "$DA/log")"
oak version > /dev/null || fail "restarted daemon does not answer"
kill -TERM "$OAKLEYD_PID"
wait_for 10 sh -c "! kill -0 $OAKLEYD_PID" || fail "oakleyd did not stop on SIGTERM"
[ -e "$SOCK" ] && fail "socket left behind after a clean exit"
echo PASS
