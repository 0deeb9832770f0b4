#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The `oakley` tool against a real VICI server: two strongSwan charon-systemd instances, one per
# network namespace, each with its own strongswan.conf, VICI socket and log file. They bring up an
# IKEv1 PSK Main Mode SA (the host kernel has no ESP, so the CHILD_SA install fails, but the IKE SA
# is ESTABLISHED and list-sas / list-conns have real content). swanctl --raw is the oracle.
#
#   ns oak-vici-a                                 ns oak-vici-b
#   charon-systemd A  (DIR/a/charon.vici)         charon-systemd B  (DIR/b/charon.vici)
#   veth va 192.0.2.1/24  <------------------>  veth vb 192.0.2.2/24
#   conn "net": 198.51.100.0/24 === 203.0.113.0/24, IKEv1, PSK, aes128-sha256-modp2048
#
# Usage: netns_vici.sh OAKLEY_BINARY. Root only; exits 77 (SKIP) when root, ip netns or charon is
# missing. Starts both charons by PID and stops them by PID; the trap removes everything.
set -u
OAKLEY=${1:?usage: netns_vici.sh OAKLEY_BINARY}
CHARON=/usr/sbin/charon-systemd
NS_A=oak-vici-a-$$
NS_B=oak-vici-b-$$

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
[ -x "$CHARON" ] || { echo "SKIP: $CHARON not installed"; exit 77; }
command -v swanctl > /dev/null || { echo "SKIP: swanctl not installed"; exit 77; }
ip netns list > /dev/null 2>&1 || { echo "SKIP: ip netns unusable"; exit 77; }
# The plugins of the load= list below: a missing one (openssl is in libstrongswan-standard-plugins,
# curve25519 in libstrongswan-extra-plugins) makes charon print a warning that version would show.
for p in openssl curve25519 gmp vici kernel-netlink socket-default; do
    [ -e "/usr/lib/ipsec/plugins/libstrongswan-$p.so" ] ||
        { echo "FAIL: strongSwan plugin $p is missing (see tools/deps.sh)"; exit 1; }
done

START=$(date +%s%N)
DIR=$(mktemp -d /tmp/oak-vici.XXXXXX)
PIDS=()
fails=0 checks=0

cleanup() {
    local pid i
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2> /dev/null
    done
    for pid in "${PIDS[@]}"; do
        for i in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2> /dev/null
    done
    ip netns del "$NS_A" 2> /dev/null
    ip netns del "$NS_B" 2> /dev/null
    if [ "$fails" != 0 ]; then
        echo "--- charon A log"; tail -40 "$DIR/a/charon.log" 2> /dev/null
        echo "--- charon B log"; tail -20 "$DIR/b/charon.log" 2> /dev/null
    fi
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# check DESCRIPTION COMMAND...: runs a test command and counts the result.
check() {
    local what=$1; shift
    checks=$((checks + 1))
    if "$@"; then
        echo "ok: $what"
    else
        echo "FAIL: $what"
        fails=$((fails + 1))
    fi
}

# write_conf SIDE LOCAL REMOTE LOCAL_TS REMOTE_TS: strongswan.conf and swanctl.conf of one side.
write_conf() {
    local d=$DIR/$1
    mkdir -p "$d"
    cat > "$d/strongswan.conf" <<EOF
charon-systemd {
    load = random nonce aes sha1 sha2 hmac kdf pem pkcs1 x509 revocation constraints pubkey socket-default kernel-netlink updown vici openssl curve25519 gmp
    plugins {
        vici {
            socket = unix://$d/charon.vici
        }
    }
    filelog {
        test {
            path = $d/charon.log
            default = 1
            ike = 2
            time_format = %T
        }
    }
    journal {
        default = -1
    }
    install_routes = no
    retransmit_tries = 2
    retransmit_timeout = 1
}
swanctl {
    load = random pem pkcs1 x509 revocation constraints pubkey openssl
}
EOF
    cat > "$d/swanctl.conf" <<EOF
connections {
    net {
        version = 1
        local_addrs = $2
        remote_addrs = $3
        proposals = aes128-sha256-modp2048
        local {
            auth = psk
        }
        remote {
            auth = psk
        }
        children {
            net {
                local_ts = $4
                remote_ts = $5
                esp_proposals = aes128-sha256
            }
        }
    }
}
secrets {
    ike-net {
        secret = oakley-netns-test-psk
    }
}
EOF
}

# start_charon SIDE NS: starts charon-systemd in NS and waits (bounded) for its VICI socket.
start_charon() {
    local d=$DIR/$1 i
    ip netns exec "$2" env STRONGSWAN_CONF="$d/strongswan.conf" "$CHARON" \
        > "$d/charon.out" 2>&1 &
    PIDS+=($!)
    for i in $(seq 100); do
        [ -S "$d/charon.vici" ] && return 0
        sleep 0.1
    done
    echo "charon $1 did not open its VICI socket"; cat "$d/charon.out"
    return 1
}

swan() { # swan SIDE COMMAND...: swanctl against one side's socket
    local side=$1; shift
    STRONGSWAN_CONF="$DIR/$side/strongswan.conf" swanctl "$@" --uri "unix://$DIR/$side/charon.vici"
}
oak() { # oak SIDE ARGS...: the tool against one side's socket
    local side=$1; shift
    "$OAKLEY" --socket "$DIR/$side/charon.vici" "$@"
}

ip netns add "$NS_A" && ip netns add "$NS_B" || { echo "cannot create namespaces"; exit 1; }
ip link add va netns "$NS_A" type veth peer name vb netns "$NS_B" || exit 1
ip -n "$NS_A" addr add 192.0.2.1/24 dev va && ip -n "$NS_A" link set va up && ip -n "$NS_A" link set lo up
ip -n "$NS_B" addr add 192.0.2.2/24 dev vb && ip -n "$NS_B" link set vb up && ip -n "$NS_B" link set lo up

write_conf a 192.0.2.1 192.0.2.2 198.51.100.0/24 203.0.113.0/24
write_conf b 192.0.2.2 192.0.2.1 203.0.113.0/24 198.51.100.0/24
start_charon a "$NS_A" || exit 1
start_charon b "$NS_B" || exit 1
swan a --load-all --file "$DIR/a/swanctl.conf" > "$DIR/a/load.out" 2>&1 || { cat "$DIR/a/load.out"; exit 1; }
swan b --load-all --file "$DIR/b/swanctl.conf" > "$DIR/b/load.out" 2>&1 || { cat "$DIR/b/load.out"; exit 1; }
T=$DIR/out

# Errors: a one-line reason and a non-zero status.
"$OAKLEY" --socket "$DIR/nonexistent.vici" version > "$T" 2>&1; rc=$?
check "no daemon: exit 1" test "$rc" = 1
check "no daemon: one-line reason" grep -q "^oakley: cannot connect to $DIR/nonexistent.vici: No such file or directory (is oakleyd running?)$" "$T"
oak a bogus > "$T" 2>&1; rc=$?
check "unknown command: exit 2" test "$rc" = 2

# version, against swanctl --version.
oak a version > "$T" 2>&1
check "version names charon-systemd" grep -q '^charon-systemd 5\.' "$T"
swan a --version --daemon > "$T.swan" 2>&1
# swanctl prints "strongSwan VERSION DAEMON (SYS, RELEASE, MACHINE)", oakley "DAEMON VERSION (...)".
check "version fields equal swanctl --version --daemon's" test \
    "$(sed 's/^\([^ ]*\) \([^ ]*\) /strongSwan \2 \1 /' "$T")" = "$(cat "$T.swan")"
oak a --json version > "$T" 2>&1
check "--json version is JSON with daemon" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["daemon"]=="charon-systemd"' "$T"

# list-conns, text and JSON.
oak a list-conns > "$T" 2>&1
check "list-conns shows conn net" grep -q '^net:$' "$T"
check "list-conns shows remote_addrs" grep -q 'remote_addrs: \[192.0.2.2\]' "$T"
oak a --json list-conns > "$T" 2>&1
check "--json list-conns" python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
assert len(d)==1 and d[0]["net"]["version"]=="IKEv1", d
assert d[0]["net"]["children"]["net"]["local-ts"]==["198.51.100.0/24"], d' "$T"

# log: follow the log in the background while bringing the tunnel up.
oak a log > "$DIR/log.out" 2>&1 &
LOGPID=$!
PIDS+=($LOGPID)

# up: Main Mode completes; Quick Mode's SA install fails on this kernel (no ESP), so the command
# fails with charon's errmsg and shows the control-log lines meanwhile.
oak a up net > "$T" 2>&1; rc=$?
cp "$T" "$DIR/up.out"
check "up streams control-log lines" grep -q '^\[IKE\] initiating Main Mode IKE_SA net\[' "$DIR/up.out"
if grep -q 'completed successfully' "$DIR/up.out"; then
    check "up succeeded: exit 0" test "$rc" = 0
else
    check "up failed: exit 1" test "$rc" = 1
    check "up failed: errmsg as one line" grep -q '^oakley: up failed: ' "$DIR/up.out"
fi
oak a up nosuch > "$T" 2>&1; rc=$?
check "up of an unknown child: exit 1" test "$rc" = 1
check "up of an unknown child: errmsg" grep -q "^oakley: up failed: .*nosuch" "$T"

# list-sas against the oracle swanctl --list-sas --raw.
swan a --list-sas --raw > "$DIR/raw.out" 2>&1
oak a --json list-sas > "$DIR/json.out" 2>&1
check "swanctl shows an ESTABLISHED IKE SA" grep -q 'state=ESTABLISHED' "$DIR/raw.out"
check "--json list-sas agrees with swanctl --raw" python3 - "$DIR/raw.out" "$DIR/json.out" <<'EOF'
import json, re, sys
raw = open(sys.argv[1]).read()
sas = json.load(open(sys.argv[2]))
assert len(sas) == 1, sas
ike = sas[0]["net"]
for key in ("uniqueid", "version", "state", "local-host", "remote-host", "initiator-spi",
            "responder-spi", "encr-alg", "encr-keysize", "integ-alg", "prf-alg", "dh-group"):
    m = re.search(r"[ {]%s=([^ }]+)" % re.escape(key), raw)
    assert m, "swanctl --raw has no %s" % key
    assert ike[key] == m.group(1), (key, ike[key], m.group(1))
assert ike["state"] == "ESTABLISHED" and ike["remote-host"] == "192.0.2.2"
print("compared 12 fields, initiator-spi", ike["initiator-spi"])
EOF
# Informational: the cost of one list-sas round trip, oakley against swanctl (10 runs each).
t0=$(date +%s%N); for i in $(seq 10); do oak a --json list-sas > /dev/null; done
t1=$(date +%s%N); for i in $(seq 10); do swan a --list-sas --raw > /dev/null; done
t2=$(date +%s%N)
echo "list-sas per call: oakley $(( (t1 - t0) / 10000 )) us, swanctl $(( (t2 - t1) / 10000 )) us"
oak a list-sas > "$T" 2>&1
check "list-sas text shows the SA" grep -q '^  state: ESTABLISHED$' "$T"
oak a status > "$T" 2>&1
cp "$T" "$DIR/status.out"
check "status header" grep -q '^Security Associations (1 up, 0 connecting):$' "$T"
check "status IKE line" grep -Eq '^net\[[0-9]+\]: ESTABLISHED [0-9]+s ago, 192\.0\.2\.1\[192\.0\.2\.1\]\.\.\.192\.0\.2\.2\[192\.0\.2\.2\], IKEv1, AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048$' "$T"
oak a status nosuch > "$T" 2>&1
check "status of an unknown conn: none" grep -q '(0 up, 0 connecting)' "$T"
oak a --json status > "$T" 2>&1
check "--json status is the list-sas JSON" python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))[0]["net"]["state"]=="ESTABLISHED"' "$T"

# rekey and reload: either done, or charon's errmsg as one line.
oak a rekey net > "$T" 2>&1; rc=$?
check "rekey: done or a one-line reason" grep -Eq '^(rekey of net started|oakley: rekey failed: )' "$T"
oak a reload > "$T" 2>&1
check "reload" grep -q '^reloaded$' "$T"

# down, then nothing is left; B saw the delete.
oak a down net > "$T" 2>&1; rc=$?
cp "$T" "$DIR/down.out"
check "down: exit 0" test "$rc" = 0
check "down: completed" grep -q '^terminate of net completed successfully$' "$T"
check "down streams control-log lines" grep -q '^\[IKE\] deleting IKE_SA net\[' "$T"
oak a --json list-sas > "$T" 2>&1
check "no SA after down" python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))==[]' "$T"
oak a down net > "$T" 2>&1; rc=$?
check "down again: exit 1 with errmsg" grep -q '^oakley: down failed: ' "$T"

kill "$LOGPID" 2> /dev/null
wait "$LOGPID" 2> /dev/null
check "log followed charon's log events" grep -q '^\[IKE\] ' "$DIR/log.out"

END=$(date +%s%N)
echo "elapsed: $(( (END - START) / 1000000 )) ms"
echo "--- up:"; cat "$DIR/up.out"
echo "--- status:"; cat "$DIR/status.out"
echo "$checks checks, $fails failed"
[ "$fails" = 0 ]
