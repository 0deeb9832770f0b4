#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# updown scripts (leftupdown=, leftfirewall=), oakleyd against oakleyd. Children must be installed,
# so this runs in the VM (ESP); on a host without ESP it says SKIP.
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  .1 | 192.0.2.1   192.0.2.2 | .129     198.51.100.138/25
#   2001:db8:a::10    ::1| 2001:db8::1 2001:db8::2| ::1      2001:db8:b::10
#                   oakleyd (initiator)   oakleyd (responder)
#
# usage: updown.sh OAKLEYD OAKLEY CASE
#   site     tunnel between the two LANs: every variable of up and down, exact values, both sides
#            (SPIs and reqid as `ip xfrm state` shows them); a rekey runs no script; `oakley down`
#            runs down on both (the peer's through its DELETE)
#   host     transport, host to host, lefthostaccess=yes, leftnexthop=: up-host / down-host;
#            the initiator's down runs at its exit (SIGTERM)
#   v6       IPv6 tunnel: up-client-v6 / down-client-v6 and IPv6 masks
#   natt     forceencaps=yes: PLUTO_UDP_ENC=4500
#   marks    mark_in=/mark_out=/if_id_in=/if_id_out=: PLUTO_MARK_*, PLUTO_IF_ID_*
#   hang     conn "hang" whose script never ends (it starts a sleep): conn "second" comes up and
#            runs its script meanwhile; at --updown-timeout 15 the hung script's process group
#            (the sleep too) is killed and logged
#   firewall leftfirewall=yes (oakley-updown): table inet oakley has the conn's forward rules
#            while up (a ping through them under a forward drop policy) and loses them on down
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2 CASE=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
netns_init updown
esp_expected || skip "child up needs ESP in the kernel: run in the VM (vm-updown)"
topo_site_to_site
A=$NETNS_TMP/a B=$NETNS_TMP/b
mkdir -p "$A/rec" "$B/rec"

# The recorder: each run writes its environment, sorted, to DIR/VERB.CONN.PID.
cat > "$NETNS_TMP/rec.sh" <<'EOF'
#!/bin/sh
env | LC_ALL=C sort > "$1/$PLUTO_VERB.$PLUTO_CONNECTION.$$"
EOF
# The hanging script: records that it started and the PID of a child of its own, then waits.
cat > "$NETNS_TMP/hang.sh" <<'EOF'
#!/bin/sh
sleep 1000 &
echo $! > "$1/hang.sleep"
wait
EOF
chmod 755 "$NETNS_TMP/rec.sh" "$NETNS_TMP/hang.sh"

PSK="updown-test-$$"
v4=(192.0.2.1 192.0.2.2 198.51.100.0/25 198.51.100.128/25)
# conf DIR ME PEER MYNET PEERNET AUTO EXTRA: one conn "ud" (EXTRA lines added).
conf() {
    oak_site_conf "$1" ud "$2" "$3" "$4" "$5" 'aes128gcm16!' "$6" "$PSK" "$7"
}
# alive PID: the process exists and is not a zombie.
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }
has_rec() { ls "$1/rec" | grep -q "^$2"; }
wait_rec() { wait_for "$3" has_rec "$1" "$2"; }
rec_file() { ls "$1/rec"/$2* 2>/dev/null | head -1; }

# spi NS SRC DST: the SPI of the SA from SRC to DST, as 0x%08x; reqid NS: the SAs' reqid.
spi() {
    ip -n "$(ns "$1")" xfrm state | awk -v s="$2" -v d="$3" \
        '$1 == "src" && $2 == s && $4 == d { getline; print $4; exit }'
}
reqid() {
    ip -n "$(ns "$1")" xfrm state | awk '$1 == "proto" { for (i = 1; i < NF; i++) if ($i == "reqid") { print $(i + 1); exit } }'
}

# check_env FILE NAME=VALUE...: the file holds exactly these variables (plus PWD=/ that sh
# adds), with these values; a value "#" stands for any decimal number.
check_env() {
    local f=$1 kv name val got bad=0
    shift
    [ -f "$f" ] || fail "no environment recorded ($f)"
    local want=("$@" "PWD=/")
    for kv in "${want[@]}"; do
        name=${kv%%=*} val=${kv#*=}
        got=$(grep -m1 "^$name=" "$f") || { echo "  $name missing" >&2; bad=1; continue; }
        got=${got#*=}
        if [ "$val" = "#" ]; then
            [[ $got =~ ^[0-9]+$ ]] || { echo "  $name='$got', want a number" >&2; bad=1; }
        elif [ "$got" != "$val" ]; then
            echo "  $name='$got', want '$val'" >&2; bad=1
        fi
    done
    local n
    n=$(wc -l < "$f")
    [ "$n" = "${#want[@]}" ] || { echo "  $n variables, want ${#want[@]}:" >&2; cat "$f" >&2; bad=1; }
    [ $bad = 0 ] || fail "environment of $(basename "$f") differs"
    echo "$(basename "$f"): ${#want[@]} variables as expected"
}

# common NS ME PEER MYNET PEERNET IFACE VERB: the variables every case has.
common() {
    local n=$1 me=$2 peer=$3 my=$4 pe=$5
    local fam=4 mymask pemask
    [[ $me == *:* ]] && fam=6
    mask() { # the masks of the prefixes used here, as addresses
        case ${1#*/} in
        25) echo 255.255.255.128 ;; 32) echo 255.255.255.255 ;;
        64) echo ffff:ffff:ffff:ffff:: ;; *) echo "?" ;;
        esac
    }
    mymask=$(mask "$my") pemask=$(mask "$pe")
    COMMON=("PLUTO_VERB=$7" "PLUTO_VERSION=1.1" "PLUTO_CONNECTION=ud" "PLUTO_INTERFACE=$6"
        "PLUTO_REQID=$(reqid "$n")" "PLUTO_PROTO=esp" "PLUTO_UNIQUEID=#" "PLUTO_ME=$me"
        "PLUTO_MY_ID=$me" "PLUTO_MY_CLIENT=$my" "PLUTO_MY_CLIENT_NET=${my%/*}"
        "PLUTO_MY_CLIENT_MASK=$mymask" "PLUTO_MY_PORT=0" "PLUTO_MY_PROTOCOL=0"
        "PLUTO_PEER=$peer" "PLUTO_PEER_ID=$peer" "PLUTO_PEER_CLIENT=$pe"
        "PLUTO_PEER_CLIENT_NET=${pe%/*}" "PLUTO_PEER_CLIENT_MASK=$pemask" "PLUTO_PEER_PORT=0"
        "PLUTO_PEER_PROTOCOL=0" "SPI_IN=$(spi "$n" "$peer" "$me")"
        "SPI_OUT=$(spi "$n" "$me" "$peer")"
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
}

# conf DIR ME PEER MYNET PEERNET AUTO EXTRA for type=transport (no subnets: MYNET, PEERNET unused).
conf_transport() {
    mkdir -p "$1"
    cat > "$1/ipsec.conf" <<CONF
conn ud
    keyexchange=ikev1
    authby=secret
    left=$2
    right=$3
    type=transport
    ike=aes128-sha256-modp2048!
    esp=aes128gcm16!
    auto=$6
$7
CONF
    printf '%s %s : PSK "%s"\n' "$2" "$3" "$PSK" > "$1/ipsec.secrets"
    chmod 600 "$1/ipsec.secrets"
}

# start_pair EXTRA_A EXTRA_B [ME PEER NETA NETB] [OAKLEYD_ARGS...]: configs, both daemons, waits
# for the up records of both sides.
start_pair() {
    local xa=$1 xb=$2 a=${3:-${v4[0]}} b=${4:-${v4[1]}} na=${5:-${v4[2]}} nb=${6:-${v4[3]}}
    shift 6 2>/dev/null || shift $#
    ${CONF:-conf} "$A" "$a" "$b" "$na" "$nb" start "$xa"
    ${CONF:-conf} "$B" "$b" "$a" "$nb" "$na" add "$xb"
    oakleyd_start gwb "$B" "$@"
    BPID=$OAKLEYD_PID
    oakleyd_start gwa "$A" "$@"
    APID=$OAKLEYD_PID
    { [ "${NO_REC_A:-0}" = 1 ] || wait_rec "$A" up- 30; } && wait_rec "$B" up- 30 ||
        fail "no up script ran: $(grep -h 'updown\|IPsec SA' "$A/log" "$B/log" | tail -20)"
}

# both_sides VERB_A_SUFFIX EXTRA_VARS...: checks the up records of both gateways.
check_both() {
    local verb=$1 me peer my pe
    shift
    common gwa "$ME_A" "$ME_B" "$NET_A" "$NET_B" v-gwb "up-$verb"
    check_env "$(rec_file "$A" "up-$verb.ud")" "${COMMON[@]}" "$@"
    common gwb "$ME_B" "$ME_A" "$NET_B" "$NET_A" v-gwa "up-$verb"
    check_env "$(rec_file "$B" "up-$verb.ud")" "${COMMON[@]}" "$@"
}

# The down record of DIR must be its up record with the down verb.
check_down_matches_up() {
    local dir=$1 verb=$2 up down
    wait_rec "$dir" "down-$verb" 15 || fail "no down-$verb in $dir: $(grep updown "$dir/log" | tail)"
    up=$(rec_file "$dir" "up-$verb.ud") down=$(rec_file "$dir" "down-$verb.ud")
    diff <(sed "s/^PLUTO_VERB=up-/PLUTO_VERB=down-/" "$up") "$down" >&2 ||
        fail "down environment is not the up one with the down verb"
    echo "$(basename "$down"): the up environment with PLUTO_VERB=down-$verb"
}

REC_A="leftupdown=\"$NETNS_TMP/rec.sh $A/rec\""
REC_B="leftupdown=\"$NETNS_TMP/rec.sh $B/rec\""
ME_A=${v4[0]} ME_B=${v4[1]} NET_A=${v4[2]} NET_B=${v4[3]}

case $CASE in
site)
    start_pair "    $REC_A" "    $REC_B"
    check_both client
    grep -q "ud: updown up-client (.*): exit status 0" "$A/log" || fail "exit status not logged"
    # a rekey replaces the child: no script on either side
    "$OAKLEY" --socket "$A/oakley.vici" rekey ud >/dev/null || fail "oakley rekey"
    wait_for 20 grep -q "replaced by" "$A/log" || fail "no rekey: $(tail "$A/log")"
    sas() { ip -n "$(ns gwa)" xfrm state | grep -c "^src"; }
    for _ in $(seq 200); do [ "$(sas)" = 2 ] && break; sleep 0.1; done
    [ "$(sas)" = 2 ] || fail "the old child stayed: $(ip -n "$(ns gwa)" xfrm state | grep -c ^src) SAs"
    n=$(($(ls "$A/rec" | wc -l) + $(ls "$B/rec" | wc -l)))
    [ "$n" = 2 ] || fail "a rekey ran scripts: $(ls "$A/rec" "$B/rec")"
    echo "rekey: child replaced and deleted, no script ran (2 records in all)"
    # down: the new child's, with the environment of the up it took over
    "$OAKLEY" --socket "$A/oakley.vici" down ud >/dev/null || fail "oakley down"
    check_down_matches_up "$A" client
    check_down_matches_up "$B" client
    echo "figures: 2x${#COMMON[@]} variables exact on up, rekey silent, down on both sides"
    ;;
host)
    CONF=conf_transport start_pair "    lefthostaccess=yes
    leftnexthop=192.0.2.254
    $REC_A" "    $REC_B" "${v4[0]}" "${v4[1]}" "${v4[0]}/32" "${v4[1]}/32"
    NET_A=${v4[0]}/32 NET_B=${v4[1]}/32
    common gwa "$ME_A" "$ME_B" "$NET_A" "$NET_B" v-gwb up-host
    check_env "$(rec_file "$A" up-host.ud)" "${COMMON[@]}" PLUTO_HOST_ACCESS=1 \
        PLUTO_NEXT_HOP=192.0.2.254
    common gwb "$ME_B" "$ME_A" "$NET_B" "$NET_A" v-gwa up-host
    check_env "$(rec_file "$B" up-host.ud)" "${COMMON[@]}"
    kill -TERM "$APID"
    check_down_matches_up "$A" host
    check_down_matches_up "$B" host
    echo "figures: up-host both sides, down-host at the initiator's exit and at the peer"
    ;;
v6)
    ME_A=2001:db8::1 ME_B=2001:db8::2 NET_A=2001:db8:a::/64 NET_B=2001:db8:b::/64
    start_pair "    $REC_A" "    $REC_B" $ME_A $ME_B $NET_A $NET_B
    check_both client-v6
    "$OAKLEY" --socket "$A/oakley.vici" down ud >/dev/null || fail "oakley down"
    check_down_matches_up "$A" client-v6
    check_down_matches_up "$B" client-v6
    echo "figures: up/down-client-v6 both sides"
    ;;
natt)
    start_pair "    forceencaps=yes
    $REC_A" "    forceencaps=yes
    $REC_B"
    check_both client PLUTO_UDP_ENC=4500
    "$OAKLEY" --socket "$A/oakley.vici" down ud >/dev/null || fail "oakley down"
    check_down_matches_up "$A" client
    echo "figures: PLUTO_UDP_ENC=4500 both sides"
    ;;
marks)
    start_pair "    mark_in=42/0xff
    mark_out=7
    if_id_in=5
    if_id_out=6
    $REC_A" "    $REC_B"
    common gwa "$ME_A" "$ME_B" "$NET_A" "$NET_B" v-gwb up-client
    check_env "$(rec_file "$A" up-client.ud)" "${COMMON[@]}" PLUTO_MARK_IN=42/0x000000ff \
        PLUTO_MARK_OUT=7/0xffffffff PLUTO_IF_ID_IN=5 PLUTO_IF_ID_OUT=6
    common gwb "$ME_B" "$ME_A" "$NET_B" "$NET_A" v-gwa up-client
    check_env "$(rec_file "$B" up-client.ud)" "${COMMON[@]}"
    "$OAKLEY" --socket "$A/oakley.vici" down ud >/dev/null || fail "oakley down"
    check_down_matches_up "$A" client
    echo "figures: marks and if_ids of gwa as set, none at gwb"
    ;;
hang)
    oak_site_conf "$A" hang "${v4[0]}" "${v4[1]}" 198.51.100.0/26 198.51.100.128/26 \
        'aes128gcm16!' start "$PSK" "    leftupdown=\"$NETNS_TMP/hang.sh $A/rec\"
conn second
    keyexchange=ikev1
    authby=secret
    left=${v4[0]}
    right=${v4[1]}
    leftsubnet=198.51.100.64/26
    rightsubnet=198.51.100.192/26
    ike=aes128-sha256-modp2048!
    esp=aes128gcm16!
    auto=add
    $REC_A"
    oak_site_conf "$B" hang "${v4[1]}" "${v4[0]}" 198.51.100.128/26 198.51.100.0/26 \
        'aes128gcm16!' add "$PSK" "conn second
    keyexchange=ikev1
    authby=secret
    left=${v4[1]}
    right=${v4[0]}
    leftsubnet=198.51.100.192/26
    rightsubnet=198.51.100.64/26
    ike=aes128-sha256-modp2048!
    esp=aes128gcm16!
    auto=add"
    oakleyd_start gwb "$B"
    oakleyd_start gwa "$A" --updown-timeout 15
    wait_for 30 test -s "$A/rec/hang.sleep" || fail "the hanging script did not start"
    t0=$(date +%s.%N)
    sleeper=$(cat "$A/rec/hang.sleep")
    "$OAKLEY" --socket "$A/oakley.vici" up second >/dev/null || fail "oakley up second"
    wait_rec "$A" up-client.second 20 || fail "second's script did not run"
    t1=$(date +%s.%N)
    alive "$sleeper" || fail "the hung script ended before second came up ($(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s): $(grep updown "$A/log")"
    echo "second up and its script run while hang's script still ran"
    wait_for 30 grep -q "hang: updown up-client (.*): killed at its time limit of 15 s" "$A/log" ||
        fail "no kill at the limit: $(grep updown "$A/log")"
    for _ in $(seq 50); do alive "$sleeper" || break; sleep 0.1; done
    alive "$sleeper" && fail "the script's child survived"
    echo "hang: killed at 15 s with its process group (its sleep $sleeper is gone)"
    echo "figures: second up $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s after the hang began; kill at 15 s"
    ;;
firewall)
    command -v nft >/dev/null || skip "nft is not installed"
    NO_REC_A=1 start_pair "    leftfirewall=yes" "    $REC_B" "${v4[0]}" "${v4[1]}" "${v4[2]}" "${v4[3]}" \
        --firewall-script "$SRC/packaging/updown/oakley-updown"
    wait_for 10 grep -q "ud: updown up-client (.*oakley-updown): exit status 0" "$A/log" ||
        fail "oakley-updown did not run: $(grep updown "$A/log")"
    tag="oakley:ud:$(spi gwa "${v4[1]}" "${v4[0]}")"
    rules=$(ip netns exec "$(ns gwa)" nft list chain inet oakley forward)
    echo "$rules"
    [ "$(grep -c "comment \"$tag\"" <<< "$rules")" = 2 ] || fail "want 2 forward rules tagged $tag"
    grep -q "ip saddr ${v4[3]} ip daddr ${v4[2]} meta ipsec exists accept comment \"$tag\"" <<< "$rules" &&
        grep -q "ip saddr ${v4[2]} ip daddr ${v4[3]} rt ipsec exists accept comment \"$tag\"" <<< "$rules" ||
        fail "the forward rules differ"
    # they carry the tunnel under a drop policy
    ip netns exec "$(ns gwa)" nft 'chain inet oakley forward { policy drop ; }' || fail "policy drop"
    ip netns exec "$(ns lana)" ping -c 3 -i 0.2 -W 2 198.51.100.138 >/dev/null ||
        fail "no ping through the rules under policy drop"
    echo "ping lan-a -> lan-b through the rules with the forward policy drop"
    "$OAKLEY" --socket "$A/oakley.vici" down ud >/dev/null || fail "oakley down"
    wait_for 15 grep -q "ud: updown down-client (.*oakley-updown): exit status 0" "$A/log" ||
        fail "no down: $(grep updown "$A/log")"
    rules=$(ip netns exec "$(ns gwa)" nft list chain inet oakley forward)
    grep -q "oakley:" <<< "$rules" && fail "rules left after down: $rules"
    grep -q "policy drop" <<< "$rules" || fail "the script changed the chain's policy"
    echo "down: the tagged rules are gone, the chain and its drop policy stay"
    echo "figures: 2 forward rules while up, 0 after down; ping under policy drop 3/3"
    ;;
*) fail "unknown case $CASE" ;;
esac
echo PASS
