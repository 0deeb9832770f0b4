# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for oakley's network-namespace tests (bash; source it).
#
# Every namespace is named oak-<tag>-<pid>-<name> and every process started here is recorded by PID;
# netns_cleanup (installed as an EXIT trap by netns_init) kills exactly those PIDs and deletes exactly
# those namespaces. Only documentation addresses are used: 192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24 and 2001:db8::/32.

NETNS_PIDS=()
NETNS_LIST=()
NETNS_TMP=""

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# netns_init TAG: checks root and iproute2, makes a temp dir, installs the cleanup trap.
netns_init() {
    [ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
    command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
    NETNS_TAG="oak-$1-$$"
    NETNS_TMP=$(mktemp -d "/tmp/$NETNS_TAG.XXXXXX")
    trap netns_cleanup EXIT
    trap 'exit 130' INT TERM
}

netns_cleanup() {
    local pid ns
    for pid in "${NETNS_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${NETNS_PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$pid" 2>/dev/null
    done
    for ns in "${NETNS_LIST[@]}"; do
        ip netns del "$ns" 2>/dev/null
    done
    if [ -n "$NETNS_TMP" ] && [ -z "${KEEP_TMP:-}" ]; then
        rm -rf "$NETNS_TMP"
    fi
}

# netns_add NAME: creates namespace $NETNS_TAG-NAME with lo up; prints nothing. Use ns NAME to get it.
netns_add() {
    local full="$NETNS_TAG-$1"
    ip netns add "$full" || fail "ip netns add $full"
    NETNS_LIST+=("$full")
    ip -n "$full" link set lo up
    # IPv6 duplicate address detection would delay the first packets by ~2 s.
    ip netns exec "$full" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 2>/dev/null
}

ns() { echo "$NETNS_TAG-$1"; }

# netns_link A B ADDR_A/PFX ADDR_B/PFX [ADDR6_A/PFX ADDR6_B/PFX]: a veth pair between A and B.
netns_link() {
    local a=$(ns "$1") b=$(ns "$2") ia="v-$2" ib="v-$1"
    ip link add "$ia" netns "$a" type veth peer name "$ib" netns "$b" || fail "veth $1-$2"
    ip -n "$a" addr add "$3" dev "$ia"
    ip -n "$b" addr add "$4" dev "$ib"
    if [ -n "${5:-}" ]; then
        ip -n "$a" addr add "$5" dev "$ia" nodad
        ip -n "$b" addr add "$6" dev "$ib" nodad
    fi
    ip -n "$a" link set "$ia" up
    ip -n "$b" link set "$ib" up
}

# netns_bg NAME LOG CMD...: runs CMD in namespace NAME in the background, output to LOG; records PID.
# The PID is left in $NETNS_LAST_PID.
netns_bg() {
    local n=$(ns "$1") log=$2
    shift 2
    ip netns exec "$n" "$@" > "$log" 2>&1 &
    NETNS_LAST_PID=$!
    NETNS_PIDS+=("$NETNS_LAST_PID")
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds; returns 1 on timeout.
wait_for() {
    local tries=$(( $1 * 10 ))
    shift
    while [ "$tries" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

# charon_start NAME DIR: starts strongSwan's charon-systemd in namespace NAME with its own config in
# DIR (DIR/strongswan.conf is written here; DIR/swanctl/swanctl.conf is the caller's), VICI socket
# DIR/charon.vici, log DIR/charon.log. Waits for the socket. Sets CHARON_PID. $CHARON_EXTRA, if
# set, is added to the charon-systemd section.
# charon_need_plugins NAME...: fails, naming the Debian package to install, when one of strongSwan's
# plugins is missing. Without the plugin charon would start anyway and answer with a confusing
# protocol error (no openssl plugin: INVALID-KEY-INFORMATION for every ECP group).
charon_need_plugins() {
    local p pkg missing=""
    for p in "$@"; do
        [ -e "/usr/lib/ipsec/plugins/libstrongswan-$p.so" ] && continue
        case $p in
        openssl) pkg=libstrongswan-standard-plugins ;;
        curve25519) pkg=libstrongswan-extra-plugins ;;
        xauth-generic | eap-mschapv2 | eap-md5 | eap-gtc) pkg=libcharon-extauth-plugins ;;
        unity | xauth-pam | xauth-eap) pkg=libcharon-extra-plugins ;;
        vici) pkg=strongswan-swanctl ;;
        socket-default | updown) pkg=strongswan-libcharon ;;
        *) pkg=libstrongswan ;;
        esac
        missing="$missing $p (apt-get install $pkg)"
    done
    [ -z "$missing" ] || fail "strongSwan plugins missing:$missing"
}

charon_start() {
    local name=$1 dir=$2
    command -v charon-systemd >/dev/null || [ -x /usr/sbin/charon-systemd ] ||
        skip "strongSwan (charon-systemd) is not installed"
    mkdir -p "$dir/swanctl"
    # A short plugin list: loading everything is slow and kernel-libipsec/bypass-lan would take the
    # test subnets' traffic (shared/notes/vm-testbed.md).
    local plugins="random nonce aes sha1 sha2 md5 hmac kdf gmp curve25519 x509 pubkey pem pkcs1 \
revocation constraints socket-default kernel-netlink updown vici openssl ${CHARON_PLUGINS:-}"
    # shellcheck disable=SC2086
    charon_need_plugins $plugins
    cat > "$dir/strongswan.conf" <<CONF
charon-systemd {
    load = $plugins
    install_routes = no
    ${CHARON_EXTRA:-}
    retransmit_tries = 3
    retransmit_timeout = 1.0
    plugins {
        vici { socket = unix://$dir/charon.vici }
    }
    journal { default = -1 }
    filelog {
        log { path = $dir/charon.log
              default = 1
              ike = 2
              cfg = 2
              knl = 2
              flush_line = yes
              time_format = %T }
    }
}
swanctl {
    load = pem pkcs1 x509 revocation constraints pubkey openssl random
}
CONF
    STRONGSWAN_CONF="$dir/strongswan.conf" netns_bg "$name" "$dir/charon.stdout" \
        env STRONGSWAN_CONF="$dir/strongswan.conf" /usr/sbin/charon-systemd
    CHARON_PID=$NETNS_LAST_PID
    wait_for 20 test -S "$dir/charon.vici" || fail "charon did not create $dir/charon.vici"
}

# swanctl_ns NAME DIR ARGS...: runs swanctl against the charon of DIR.
swanctl_ns() {
    local name=$1 dir=$2
    shift 2
    local cmd=$1
    shift
    ip netns exec "$(ns "$name")" env STRONGSWAN_CONF="$dir/strongswan.conf" \
        swanctl "$cmd" --uri "unix://$dir/charon.vici" "$@"
}

# topo_site_to_site: four namespaces, two gateways and a LAN behind each:
#
#   lana ------------ gwa ================ gwb ------------ lanb
#   198.51.100.10/25  .1 | 192.0.2.1   192.0.2.2 | .129     198.51.100.138/25
#   2001:db8:a::10    ::1| 2001:db8::1 2001:db8::2| ::1      2001:db8:b::10
#
# The gateways forward and route each other's LAN over the link, as a site's default route would;
# an IPsec policy then takes that traffic into the tunnel.
topo_site_to_site() {
    local n
    for n in lana gwa gwb lanb; do netns_add $n; done
    netns_link gwa gwb 192.0.2.1/24 192.0.2.2/24 2001:db8::1/64 2001:db8::2/64
    netns_link lana gwa 198.51.100.10/25 198.51.100.1/25 2001:db8:a::10/64 2001:db8:a::1/64
    netns_link gwb lanb 198.51.100.129/25 198.51.100.138/25 2001:db8:b::1/64 2001:db8:b::10/64
    ip -n "$(ns lana)" route add default via 198.51.100.1
    ip -n "$(ns lanb)" route add default via 198.51.100.129
    ip -n "$(ns lana)" -6 route add default via 2001:db8:a::1
    ip -n "$(ns lanb)" -6 route add default via 2001:db8:b::1
    ip -n "$(ns gwa)" route add 198.51.100.128/25 via 192.0.2.2
    ip -n "$(ns gwb)" route add 198.51.100.0/25 via 192.0.2.1
    ip -n "$(ns gwa)" -6 route add 2001:db8:b::/64 via 2001:db8::2
    ip -n "$(ns gwb)" -6 route add 2001:db8:a::/64 via 2001:db8::1
    for n in gwa gwb; do
        ip netns exec "$(ns $n)" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    done
}

# oakleyd_start NS DIR [ARGS...]: starts $OAKLEYD in NS with DIR/ipsec.conf and DIR/ipsec.secrets,
# control socket DIR/oakley.vici, log DIR/log at debug level, and waits until it is ready. Sets
# OAKLEYD_PID.
oakleyd_start() {
    local n=$1 dir=$2
    shift 2
    netns_bg "$n" "$dir/log" "$OAKLEYD" --foreground --log-level debug \
        --config "$dir/ipsec.conf" --secrets "$dir/ipsec.secrets" --socket "$dir/oakley.vici" "$@"
    OAKLEYD_PID=$NETNS_LAST_PID
    wait_for 10 grep -q " ready" "$dir/log" || fail "oakleyd in $n did not start: $(cat "$dir/log")"
}

# esp_expected: true where the test must see ESP work (OAKLEY_EXPECT_ESP=1: the VM bed); hosts
# without CONFIG_INET_ESP check the negotiation and the clear "no ESP" error instead.
esp_expected() { [ "${OAKLEY_EXPECT_ESP:-0}" = 1 ]; }

# oak_site_conf DIR NAME LEFT RIGHT LSUB RSUB ESP AUTO PSK [EXTRA]: writes DIR/ipsec.conf with one
# tunnel conn NAME between gateways LEFT and RIGHT for subnets LSUB and RSUB (IKEv1, PSK,
# ike=aes128-sha256-modp2048!, esp=ESP, auto=AUTO, then the EXTRA lines as given) and
# DIR/ipsec.secrets with "LEFT RIGHT : PSK" (mode 600).
oak_site_conf() {
    mkdir -p "$1"
    cat > "$1/ipsec.conf" <<CONF
conn $2
    keyexchange=ikev1
    authby=secret
    left=$3
    right=$4
    leftsubnet=$5
    rightsubnet=$6
    ike=aes128-sha256-modp2048!
    esp=$7
    auto=$8
${10:-}
CONF
    printf '%s %s : PSK "%s"\n' "$3" "$4" "$9" > "$1/ipsec.secrets"
    chmod 600 "$1/ipsec.secrets"
}

# Road warriors of one gateway at 203.0.113.2 (ID @gw.example.org, subnet 192.0.2.20/32), as in
# rw-nat.sh and uniqueids.sh.
# oak_rw_conf DIR ADDR ID SUBNET PSK [SETUP]: a road warrior at ADDR proving @ID for SUBNET/32,
# auto=start, keyingtries=1; SETUP lines go into config setup.
oak_rw_conf() {
    mkdir -p "$1"
    cat > "$1/ipsec.conf" <<CONF
config setup
${6:-}
conn rw
    keyexchange=ikev1
    authby=secret
    left=$2
    leftid=@$3
    leftsubnet=$4/32
    right=203.0.113.2
    rightid=@gw.example.org
    rightsubnet=192.0.2.20/32
    ike=aes128-sha256-modp2048!
    esp=aes128gcm16!
    keyingtries=1
    auto=start
CONF
    printf '@%s @gw.example.org : PSK "%s"\n' "$3" "$5" > "$1/ipsec.secrets"
    chmod 600 "$1/ipsec.secrets"
}
# oak_rw_gw_conf DIR PSK [SETUP] [CONN]: the gateway, right=%any for 192.0.2.0/28; SETUP lines go
# into config setup, CONN lines into the conn.
oak_rw_gw_conf() {
    mkdir -p "$1"
    cat > "$1/ipsec.conf" <<CONF
config setup
${3:-}
conn rw
    keyexchange=ikev1
    authby=secret
    left=203.0.113.2
    leftid=@gw.example.org
    leftsubnet=192.0.2.20/32
    right=%any
    rightsubnet=192.0.2.0/28
    ike=aes128-sha256-modp2048!
    esp=aes128gcm16!
    auto=add
${4:-}
CONF
    printf '@gw.example.org %%any : PSK "%s"\n' "$2" > "$1/ipsec.secrets"
    chmod 600 "$1/ipsec.secrets"
}

# topo_nat: the NAT topology of natt-nat.sh: gwa behind a masquerading router (nftables, UDP
# source ports remapped to 40000-49999) reaching gwb on the public side.
#
#   gwa                        nat (masquerade)               gwb
#   198.51.100.2/24 --------- 198.51.100.1 | 203.0.113.1 --------- 203.0.113.2/24
#   lo 192.0.2.10/32                                           lo 192.0.2.20/32
#
# The router counts forwarded datagrams to UDP 500 ("ike"), to 4500 ("natt") and one-byte NAT
# keepalives ("keepalive"): nat_counter NAME. SKIPs when the kernel has no nftables NAT.
topo_nat() {
    command -v nft >/dev/null || skip "nftables (nft) is not installed"
    local n
    for n in gwa nat gwb; do netns_add $n; done
    netns_link gwa nat 198.51.100.2/24 198.51.100.1/24
    netns_link nat gwb 203.0.113.1/24 203.0.113.2/24
    ip -n "$(ns gwb)" route add 192.0.2.10/32 via 203.0.113.1
    nat_router v-gwb
}
# nat_router PUBIF: gwa's default route and both inner addresses, and the router's forwarding,
# counters and masquerade out of PUBIF (natt-nat.sh puts a second NAT behind it).
nat_router() {
    ip -n "$(ns gwa)" route add default via 198.51.100.1
    ip -n "$(ns gwa)" addr add 192.0.2.10/32 dev lo
    ip -n "$(ns gwb)" addr add 192.0.2.20/32 dev lo
    ip netns exec "$(ns nat)" sysctl -qw net.ipv4.ip_forward=1
    ip netns exec "$(ns nat)" nft -f - <<NFT || skip "this kernel has no nftables NAT"
table ip oaknat {
    chain tally {
        type filter hook forward priority 0; policy accept;
        udp dport 4500 udp length 9 counter comment "keepalive"
        udp dport 4500 counter comment "natt"
        udp dport 500 counter comment "ike"
    }
    chain masq {
        type nat hook postrouting priority 100; policy accept;
        oifname "$1" meta l4proto udp masquerade to :40000-49999
        oifname "$1" masquerade
    }
}
NFT
}
# nat_counter NAME: packets of topo_nat's forward counter commented NAME
nat_counter() {
    ip netns exec "$(ns nat)" nft list chain ip oaknat tally |
        sed -n "s/.*counter packets \([0-9]*\) .*comment \"$1\".*/\1/p"
}
