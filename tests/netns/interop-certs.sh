#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Certificate authentication (issue 16): oakleyd with RSA and ECDSA signatures against strongSwan
# 5.9 or a second oakleyd, every certificate made here with strongSwan's `pki`.
#
#   gwa (oakleyd, 192.0.2.1) ============ gwb (charon or oakleyd, 192.0.2.2)
#   ID  C=CH, O=Oakley Test, CN=a.example.org | a.example.org | 192.0.2.1     (and b. for gwb)
#
# usage: interop-certs.sh OAKLEYD OAKLEY strongswan|oakley [rsa|ecdsa|neg|frag|CASE...]
#        OAKLEY_CERTS_PKI=DIR interop-certs.sh OAKLEYD OAKLEY PEER pki   (only make the PKI in DIR)
# A case is KEY-IDTYPE-MODE-ROLE (ROLE: oakley on gwa initiates "i" or responds "r"):
#   KEY     rsa2048, rsa3072, ecdsa256, ecdsa384, chain (RSA 2048 through an intermediate CA)
#   IDTYPE  dn, fqdn, addr          MODE  mm (Main), am (Aggressive)
# or a negative case NEG-ROLE, the peer's credential broken and oakley on gwa refusing it with
# the plain-words reason of `oakley explain t`:
#   expired   the peer's certificate expired on 2020-01-01
#   revoked   the peer's certificate is on the root CA's CRL (ipsec.d/crls)
#   wrongca   the peer's certificate is issued by a CA gwa does not trust ("Other CA")
#   idmismatch  gwa expects rightid=@c.example.org, the certificate says b.example.org
#   nocert    the peer sends no certificate (sendcert never) and gwa has none configured for it
#   decoy-dn-MODE-r  gwa has conn "decoy" (rightid="C=CH, O=Other, CN=*") before conn t
#             (rightid="C=CH, O=Oakley Test, CN=*"), both for the peer's address: t must be chosen
#   reload-crl  established, then the peer's certificate revoked by a CRL put into ipsec.d/crls/
#               and `oakley reload`: the ISAKMP SA stays, the next reauthentication is refused
#   creds     oakley list-certs (--json), swanctl --list-certs and --load-creds against oakleyd
#   frag-ROLE IKE fragmentation forced on both sides (oakley fragmentation=force, fragment_size=576;
#             charon fragmentation = force, fragment_size = 576) with RSA 4096 leaves issued by the
#             intermediate CA (oakley sends leaf and intermediate, charon 5.9.8 its leaf only):
#             tshark -O isakmp on gwb's capture must show MM5 and MM6 (the only messages above 576
#             bytes) in 3+ payload-132 fragments each way, and `oakley metrics` messages
#             reassembled, nothing dropped or held
# Without CASE arguments the whole matrix runs. A positive case passes when both sides show phase
# 1 established with the peer's certificate ID and Quick Mode done (the host kernel has no ESP:
# the install refused is accepted as in interop-strongswan.sh; OAKLEY_EXPECT_ESP=1 insists on it,
# and on a ping from gwa to gwb counted by oakley's outbound ESP SA: tests/netns/meson.build vm-certs).
# Every case prints "ok" or "FAIL" with the logs; the figures line counts them; exit 1 if any
# failed. oakleyd refusing the certificate keywords (authentication not wired) is a SKIP.
set -u
. "$(dirname "$0")/lib.sh"
export OAKLEYD=$1
OAKLEY=$2 PEER=$3
shift 3
command -v pki >/dev/null || skip "strongSwan's pki is not installed (apt-get install strongswan-pki)"
netns_init certs
netns_add gwa
netns_add gwb
netns_link gwa gwb 192.0.2.1/24 192.0.2.2/24

ORG="C=CH, O=Oakley Test"
ROOT_DN="$ORG, CN=Oakley Root CA"
P=$NETNS_TMP/pki
mkdir -p "$P"
# pki prints a TPM plugin warning on stderr on every run: keep it out of the output
pk() { pki "$@" 2>>"$P/pki.err"; }

# key NAME TYPE SIZE
key() { pk --gen --type "$2" --size "$3" --outform pem > "$P/$1.key" || fail "pki --gen $1"; }
# leaf NAME HOST(a|b|c) ISSUER [pki --issue options]: a certificate for HOST.example.org and its
# address, subject "$ORG, CN=HOST.example.org"
leaf() {
    local name=$1 host=$2 ca=$3 addr
    shift 3
    case $host in a) addr=192.0.2.1 ;; *) addr=192.0.2.2 ;; esac
    pk --issue --cacert "$P/$ca.crt" --cakey "$P/$ca.key" --type priv --in "$P/$name.key" \
        --dn "$ORG, CN=$host.example.org" --san "$host.example.org" --san "$addr" \
        --outform pem "$@" > "$P/$name.crt" || fail "pki --issue $name"
}
make_pki() {
    key root rsa 3072
    pk --self --ca --lifetime 3650 --in "$P/root.key" --dn "$ROOT_DN" --outform pem > "$P/root.crt"
    key other rsa 2048
    pk --self --ca --lifetime 3650 --in "$P/other.key" --dn "C=CH, O=Elsewhere, CN=Other CA" \
        --outform pem > "$P/other.crt"
    key inter rsa 2048
    pk --issue --ca --cacert "$P/root.crt" --cakey "$P/root.key" --type priv --in "$P/inter.key" \
        --dn "$ORG, CN=Oakley Intermediate CA" --outform pem > "$P/inter.crt"
    local h k
    for h in a b; do
        for k in "rsa2048 rsa 2048" "rsa3072 rsa 3072" "ecdsa256 ecdsa 256" "ecdsa384 ecdsa 384"; do
            set -- $k
            key "$h-$1" "$2" "$3"
            leaf "$h-$1" "$h" root
        done
        key "$h-chain" rsa 2048
        leaf "$h-chain" "$h" inter
    done
    key b-expired rsa 2048
    leaf b-expired b root --dateform "%Y-%m-%d %T" --not-before "2019-01-01 00:00:00" \
        --not-after "2020-01-01 00:00:00"
    key b-revoked rsa 2048
    leaf b-revoked b root
    key b-wrongca rsa 2048
    leaf b-wrongca b other
    if [ "$FRAG_PKI" = 1 ]; then
        for h in a b; do
            key "$h-frag" rsa 4096
            leaf "$h-frag" "$h" inter
        done
    fi
    pk --signcrl --cacert "$P/root.crt" --cakey "$P/root.key" --reason key-compromise \
        --cert "$P/b-revoked.crt" --outform pem > "$P/root.crl" || fail "pki --signcrl"
    for f in "$P"/*.crt; do [ -s "$f" ] || fail "pki made an empty $f: $(cat "$P/pki.err")"; done
}

# id HOST IDTYPE: the ID a side proves (oakley syntax; strongSwan takes the same strings)
id() {
    case $2 in
    dn) echo "$ORG, CN=$1.example.org" ;;
    fqdn) echo "@$1.example.org" ;;
    addr) [ "$1" = a ] && echo 192.0.2.1 || echo 192.0.2.2 ;;
    esac
}
ike_for() { case $1 in ecdsa384) echo aes256-sha384-ecp384 ;; ecdsa*) echo aes128-sha256-ecp256 ;; *) echo aes128-sha256-modp2048 ;; esac; }

# oak_conf DIR SELF(a|b) CERT LOCALID REMOTEID MODE AUTO [EXTRA]: ipsec.conf + ipsec.d/ + secrets.
# Relative names resolve under the ipsec.d/ next to ipsec.conf, as /etc/oakley/ipsec.d/ does.
oak_conf() {
    local d=$1 self=$2 cert=$3 lid=$4 rid=$5 mode=$6 auto=$7 extra=${8:-${OAK_EXTRA:-}} me peer
    [ "$self" = a ] && me=192.0.2.1 peer=192.0.2.2 || me=192.0.2.2 peer=192.0.2.1
    mkdir -p "$d/ipsec.d/cacerts" "$d/ipsec.d/certs" "$d/ipsec.d/private" "$d/ipsec.d/crls"
    cp "$P/root.crt" "$d/ipsec.d/cacerts/root.pem"
    cp "$P/root.crl" "$d/ipsec.d/crls/root.crl"
    cp "$P/$cert.crt" "$d/ipsec.d/certs/$cert.pem"
    # the intermediate travels in the CERT payloads: only its owner has it
    case $cert in *chain | *frag) cp "$P/inter.crt" "$d/ipsec.d/cacerts/inter.pem" ;; esac
    cp "$P/$cert.key" "$d/ipsec.d/private/$cert.key"
    chmod 600 "$d/ipsec.d/private/$cert.key"
    cat > "$d/ipsec.conf" <<CONF
conn t
    keyexchange=ikev1
    authby=pubkey
    left=$me
    leftid="$lid"
    leftcert=$cert.pem
    leftsendcert=${SENDCERT:-always}
    right=$peer
    rightid="$rid"
    rightca="$ROOT_DN"
    ike=$IKE!
    esp=aes128gcm16!
    type=transport
    aggressive=$([ "$mode" = am ] && echo yes || echo no)
    keyingtries=1
    auto=$auto
$extra
CONF
    case $cert in *ecdsa*) echo ": ECDSA $cert.key" ;; *) echo ": RSA $cert.key" ;; esac > "$d/ipsec.secrets"
    chmod 600 "$d/ipsec.secrets"
    # DECOY=1 (gwa): conn t takes the peer by wildcard RDNs, and before it in the file a conn
    # "decoy", the same but for another organisation's DNs: a responder must pick t by the
    # peer's ID (once known: MM5, AM1), not the first conn for the peer's address
    if [ -n "${DECOY:-}" ] && [ "$self" = a ]; then
        sed -i "s/^    rightid=.*/    rightid=\"$ORG, CN=*\"/" "$d/ipsec.conf"
        { sed -e 's/^conn t$/conn decoy/' -e 's/^    rightid=.*/    rightid="C=CH, O=Other, CN=*"/' \
            "$d/ipsec.conf"; echo; cat "$d/ipsec.conf"; } > "$d/ipsec.conf.new"
        mv "$d/ipsec.conf.new" "$d/ipsec.conf"
    fi
}

# ss_conf DIR CERT LOCALID REMOTEID MODE: charon's swanctl dir (SWANCTL_DIR) on gwb
ss_conf() {
    local d=$1 cert=$2 lid=$3 rid=$4 mode=$5
    mkdir -p "$d/swanctl/x509ca" "$d/swanctl/x509" "$d/swanctl/private" "$d/swanctl/x509crl"
    cp "$P/root.crt" "$d/swanctl/x509ca/root.pem"
    cp "$P/root.crl" "$d/swanctl/x509crl/root.crl"
    case $cert in *chain | *frag) cp "$P/inter.crt" "$d/swanctl/x509ca/inter.pem" ;; esac
    cp "$P/$cert.crt" "$d/swanctl/x509/$cert.pem"
    cp "$P/$cert.key" "$d/swanctl/private/$cert.pem"
    cat > "$d/swanctl/swanctl.conf" <<CONF
connections { t { version = 1
  local_addrs = 192.0.2.2
  remote_addrs = 192.0.2.1
  proposals = $IKE
  aggressive = $([ "$mode" = am ] && echo yes || echo no)
  rekey_time = 0
  ${SS_EXTRA:-}
  send_cert = ${SENDCERT:-always}
  local { auth = pubkey
    certs = $cert.pem
    id = "${lid#@}" }
  remote { auth = pubkey
    id = "${rid#@}" }
  children { t { esp_proposals = aes128gcm16
       mode = transport
       start_action = none } } } }
CONF
}
swan() {
    local d=$1 cmd=$2
    shift 2
    ip netns exec "$(ns gwb)" env STRONGSWAN_CONF="$d/strongswan.conf" SWANCTL_DIR="$d/swanctl" \
        swanctl "$cmd" --uri "unix://$d/charon.vici" "$@"
}

PIDS=()
stop_all() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    PIDS=()
}
oak_explain() { ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$1/oakley.vici" explain t 2>&1; }

# Quick Mode reached on oakley's side DIR (ROLE i|r), the install refused where there is no ESP
qm_done() {
    grep -q "IPsec SA established with\|negotiated but not installed" "$1/log" && return 0
    # charon as initiator fails its install before QM3: oakley as responder sent QM2
    ! esp_expected && [ "$2" = r ] && [ "$PEER" = strongswan ] &&
        grep -q -- "-> QM_R2_SENT" "$1/log" && grep -q "unable to install" "$B/charon.log"
}

# start_peer DIR CERT LOCALID REMOTEID MODE ROLE: charon or oakleyd on gwb
start_peer() {
    if [ "$PEER" = strongswan ]; then
        ss_conf "$@"
        charon_start gwb "$1"
        PIDS+=("$CHARON_PID")
        swan "$1" --load-all --file "$1/swanctl/swanctl.conf" > "$1/load.log" 2>&1 ||
            { echo "     swanctl --load-all: $(cat "$1/load.log")"; return 1; }
    else
        oak_conf "$1" b "$2" "$3" "$4" "$5" "$([ "$6" = r ] && echo start || echo add)"
        # an oakleyd checks its own certificate as the peer does: give it what makes its own
        # broken certificate load (the other CA, no CRL)
        case $2 in
        b-wrongca) cp "$P/other.crt" "$1/ipsec.d/cacerts/other.pem" ;;
        b-revoked) rm -f "$1/ipsec.d/crls/root.crl" ;;
        esac
        # (not oakleyd_start: a peer refusing its own broken certificate fails the case only)
        netns_bg gwb "$1/log" "$OAKLEYD" --foreground --log-level debug --config "$1/ipsec.conf" \
            --secrets "$1/ipsec.secrets" --socket "$1/oakley.vici"
        PIDS+=("$NETNS_LAST_PID")
        wait_for 10 grep -q " ready" "$1/log" || { echo "     gwb: $(tail -3 "$1/log")"; return 1; }
    fi
}
initiate() { # ROLE: gwa's oakley brings it up, or the peer does
    if [ "$1" = i ]; then
        ip netns exec "$(ns gwa)" timeout 40 "$OAKLEY" --socket "$A/oakley.vici" up t > "$A/up.log" 2>&1
    elif [ "$PEER" = strongswan ]; then
        swan "$B" --initiate --child t --timeout 20 > "$B/initiate.log" 2>&1
    fi # (an oakley peer has auto=start)
}
show_logs() {
    grep -v ' -> \|keymat' "$A/log" | tail -25 | sed 's/^/     gwa| /'
    if [ "$PEER" = strongswan ]; then
        grep -E "IKE\]|ENC\]|CFG\]|LIB\]" "$B/charon.log" | tail -25 | sed 's/^/     gwb| /'
    else
        grep -v ' -> \|keymat' "$B/log" | tail -15 | sed 's/^/     gwb| /'
    fi
}

n=0 passed=0 RESULTS=""
result() { # OK NAME WHY
    n=$((n + 1))
    if [ "$1" = 1 ]; then
        passed=$((passed + 1)); echo "ok   $2"
    else
        echo "FAIL $2: $3"; show_logs
    fi
    RESULTS="$RESULTS $2=$([ "$1" = 1 ] && echo ok || echo FAIL)"
}

# positive KEY IDTYPE MODE ROLE
positive() {
    local name="${DECOY:+decoy-}$1-$2-$3-$4" k=$1 ok=1 why=""
    [ "${5:-}" = keep ] || A=$NETNS_TMP/$name/a B=$NETNS_TMP/$name/b
    IKE=$(ike_for "$k")
    oak_conf "$A" a "a-$k" "$(id a "$2")" "$(id b "$2")" "$3" add
    oakleyd_start gwa "$A"
    PIDS+=("$OAKLEYD_PID")
    if ! start_peer "$B" "b-$k" "$(id b "$2")" "$(id a "$2")" "$3" "$4"; then
        [ "${5:-}" = keep ] && FRAG_WHY="peer did not load" && return
        result 0 "$name" "peer did not load"; stop_all; return
    fi
    initiate "$4"
    wait_for 30 qm_done "$A" "$4" || ok=0 why="no Quick Mode on gwa"
    local want="Main"
    [ "$3" = am ] && want="Aggressive"
    grep -q "ISAKMP SA established with .*($want" "$A/log" || ok=0 why="$why; no $want Mode ISAKMP SA on gwa"
    if [ -n "${DECOY:-}" ]; then
        grep -q '"t" #[0-9]*: ISAKMP SA established' "$A/log" || ok=0 why="$why; conn t not chosen"
        grep -q '"decoy" #[0-9]*: ISAKMP SA established' "$A/log" && ok=0 why="$why; conn decoy chosen"
    fi
    if [ "$2" = dn ]; then # the peer's DN as text, as the local one, in list-sas and the log
        local ls
        ls=$(ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$A/oakley.vici" list-sas 2>&1)
        echo "$ls" | grep -qxF "  remote-id: $(id b dn)" || ok=0 why="$why; list-sas lacks remote-id: $(id b dn)"
        grep -qF "the peer's ID is \"$(id b dn)\"" "$A/log" || ok=0 why="$why; log lacks the peer's DN"
    fi
    if [ "$PEER" = strongswan ]; then
        local sas
        sas=$(swan "$B" --list-sas --raw 2>&1)
        echo "$sas" | grep -q "state=ESTABLISHED" || ok=0 why="$why; charon's IKE SA not ESTABLISHED"
        echo "$sas" | grep -qF "remote-id=$(id a "$2" | sed 's/^@//')" ||
            ok=0 why="$why; charon shows another remote-id"
        grep -q "authentication of .* successful\|signature.*successful\|established between" "$B/charon.log" ||
            ok=0 why="$why; charon did not authenticate gwa"
    else
        wait_for 10 qm_done "$B" "$4" || ok=0 why="$why; no Quick Mode on gwb"
    fi
    if [ "${5:-}" = keep ]; then
        FRAG_WHY=$why
        [ $ok = 1 ] || FRAG_WHY=${why:-failed}
        return
    fi
    esp_expected && [ $ok = 1 ] && esp_ping
    result $ok "$name" "${why#; }"
    stop_all
}

# esp_ping (OAKLEY_EXPECT_ESP=1, the VM bed): the SAs are installed on both sides and a ping
# crosses the transport-mode tunnel as ESP (oakley's outbound state counts the packets); sets ok
# and why of positive()
esp_ping() {
    local pk
    grep -q "IPsec SA established with" "$A/log" || { ok=0 why="oakley on gwa did not install its SAs"; return; }
    if [ "$PEER" = strongswan ]; then
        swan "$B" --list-sas --raw 2>&1 | grep -q "state=INSTALLED" || { ok=0 why="CHILD_SA not INSTALLED at charon"; return; }
    else
        wait_for 10 grep -q "IPsec SA established with" "$B/log" || { ok=0 why="oakley on gwb did not install its SAs"; return; }
    fi
    ip netns exec "$(ns gwa)" ping -c 3 -i 0.2 -W 2 192.0.2.2 > "$A/ping.log" 2>&1 ||
        { ok=0 why="ping gwa -> gwb failed: $(tail -2 "$A/ping.log")"; return; }
    # the outbound ESP state (src 192.0.2.1) carried the 3 echo requests
    pk=$(ip -n "$(ns gwa)" -s xfrm state list src 192.0.2.1 proto esp | awk '/lifetime current:/ {
        getline; if (match($0, /[0-9]+\(packets\)/)) { print substr($0, RSTART, RLENGTH - 9); exit } }')
    [ "${pk:-0}" -ge 3 ] || { ok=0 why="oakley's outbound ESP state counted ${pk:-no} packets, not 3"; return; }
    echo "     ping gwa -> gwb: 3/3 replies, $pk packets on oakley's outbound ESP SA"
}

# negative NEG ROLE: the peer's credential is broken; gwa must refuse and explain it
negative() {
    local name="$1-$2" cert=b-rsa2048 rid ok=1 why="" e psend=""
    A=$NETNS_TMP/$name/a B=$NETNS_TMP/$name/b
    IKE=aes128-sha256-modp2048
    local expect=()
    rid=$(id b dn)
    if [ "$1" = expired ] && [ "$PEER" = oakley ]; then
        # oakleyd refuses to start with its own expired certificate (check-config.sh shows it)
        echo "SKIP $name: an oakleyd peer does not start with an expired certificate of its own"
        return
    fi
    case $1 in
    expired) cert=b-expired expect=("certificate" "expired" "2020-01-01") ;;
    revoked) cert=b-revoked expect=("certificate" "revoked" "CRL" "Oakley Root CA") ;;
    wrongca) cert=b-wrongca expect=("certificate" "untrusted" "Other CA") ;;
    idmismatch) rid="@c.example.org" expect=("does not match" "c.example.org" "b.example.org") ;;
    nocert) psend=never expect=("no certificate") ;;
    esac
    oak_conf "$A" a a-rsa2048 "$(id a dn)" "$rid" mm add "    retransmit-timeout=15s"
    oakleyd_start gwa "$A"
    PIDS+=("$OAKLEYD_PID")
    SENDCERT=$psend # the peer's only
    start_peer "$B" "$cert" "$(id b dn)" "$(id a dn)" mm "$2" || { result 0 "$name" "peer did not load"; stop_all; return; }
    SENDCERT=
    initiate "$2"
    wait_for 30 sh -c "ip netns exec $(ns gwa) $OAKLEY --socket $A/oakley.vici explain t | grep -q 'certificate\|does not match'"
    local out
    out=$(oak_explain "$A")
    for e in "${expect[@]}"; do
        echo "$out" | grep -qF -- "$e" || ok=0 why="$why; explain lacks '$e'"
    done
    grep -q "IPsec SA established with\|negotiated but not installed\|ISAKMP SA established" "$A/log" &&
        ok=0 why="$why; gwa established an SA with a bad certificate"
    result $ok "$name" "${why#; }"
    echo "$out" | grep -v '^$' | sed 's/^/     explain| /' 
    stop_all
}

# creds: the credential commands against oakleyd (gwa, with a conn's certificate loaded):
# `oakley list-certs --json` shows our certificate with its key and the root CA; swanctl
# --list-certs (strongSwan's own client) lists them; swanctl --load-creds adds a CA, which
# list-certs then shows.
creds_case() {
    local name=creds ok=1 why="" out
    A=$NETNS_TMP/$name/a B=$NETNS_TMP/$name/b
    IKE=aes128-sha256-modp2048
    oak_conf "$A" a a-rsa2048 "$(id a dn)" "$(id b dn)" mm add
    oakleyd_start gwa "$A"
    PIDS+=("$OAKLEYD_PID")
    out=$(ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$A/oakley.vici" list-certs --json 2>&1)
    echo "$out" | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null || ok=0 why="$why; list-certs --json is not JSON"
    echo "$out" | grep -q "CN=a.example.org" || ok=0 why="$why; list-certs lacks our certificate"
    echo "$out" | grep -q "Oakley Root CA" || ok=0 why="$why; list-certs lacks the root CA"
    echo "$out" | grep -q '"has_privkey": *"yes"' || ok=0 why="$why; list-certs shows no private key"
    local SC=$NETNS_TMP/$name/swanctl
    mkdir -p "$SC/swanctl/x509ca"
    printf 'swanctl { load = pem pkcs1 x509 revocation constraints pubkey openssl random }\n' > "$SC/strongswan.conf"
    cp "$P/other.crt" "$SC/swanctl/x509ca/other.pem"
    echo 'secrets { }' > "$SC/swanctl/swanctl.conf"
    sc() { ip netns exec "$(ns gwa)" env STRONGSWAN_CONF="$SC/strongswan.conf" SWANCTL_DIR="$SC/swanctl" \
        swanctl "$@" --uri "unix://$A/oakley.vici"; }
    out=$(sc --list-certs 2>&1)
    echo "$out" | grep -q "a.example.org" || ok=0 why="$why; swanctl --list-certs lacks our certificate"
    out=$(sc --load-creds 2>&1) || ok=0 why="$why; swanctl --load-creds failed: $(echo "$out" | tail -2)"
    ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$A/oakley.vici" list-certs 2>&1 | grep -q "Other CA" ||
        ok=0 why="$why; the CA loaded by swanctl --load-creds is not listed"
    result $ok "$name" "${why#; }"
    stop_all
}

# reload-crl-ROLE: established with the peer's certificate, then its CRL is put into
# ipsec.d/crls/ and oakley reloads: the ISAKMP SA stays; a reauthentication then fails as revoked.
reload_crl_case() {
    local name="reload-crl-$1" ok=1 why="" before after
    A=$NETNS_TMP/$name/a B=$NETNS_TMP/$name/b
    IKE=aes128-sha256-modp2048
    oak_conf "$A" a a-rsa2048 "$(id a dn)" "$(id b dn)" mm add "    retransmit-timeout=15s"
    rm "$A/ipsec.d/crls/root.crl"
    oakleyd_start gwa "$A"
    PIDS+=("$OAKLEYD_PID")
    start_peer "$B" b-revoked "$(id b dn)" "$(id a dn)" mm "$1" || { result 0 "$name" "peer did not load"; stop_all; return; }
    initiate "$1"
    wait_for 30 qm_done "$A" "$1" || ok=0 why="no Quick Mode before the reload"
    before=$(ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$A/oakley.vici" list-sas 2>&1 | grep -o "initiator-spi[^,]*" | sort)
    cp "$P/root.crl" "$A/ipsec.d/crls/root.crl"
    ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$A/oakley.vici" reload > "$A/reload.log" 2>&1 ||
        ok=0 why="$why; oakley reload failed: $(cat "$A/reload.log")"
    after=$(ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$A/oakley.vici" list-sas 2>&1 | grep -o "initiator-spi[^,]*" | sort)
    [ -n "$before" ] && [ "$before" = "$after" ] || ok=0 why="$why; the reload touched the ISAKMP SA ($before / $after)"
    ip netns exec "$(ns gwa)" timeout 40 "$OAKLEY" --socket "$A/oakley.vici" reauth t > "$A/reauth.log" 2>&1
    wait_for 30 sh -c "ip netns exec $(ns gwa) $OAKLEY --socket $A/oakley.vici explain t | grep -q revoked" ||
        ok=0 why="$why; after the reload a reauthentication was not refused as revoked"
    result $ok "$name" "${why#; }"
    stop_all
}

# frag-ROLE: fragmentation forced on both sides, RSA 4096 leaves through the intermediate,
# fragments of at most 576 bytes. A positive case, plus the capture and oakley's metrics.
frag_case() {
    local name="frag-$1" ok=1 why="" pcap sizes fa fb m
    A=$NETNS_TMP/$name/a B=$NETNS_TMP/$name/b
    mkdir -p "$A" "$B"
    pcap=$NETNS_TMP/$name/ike.pcap
    netns_bg gwb "$NETNS_TMP/$name/dumpcap.log" dumpcap -q -i any -f "udp port 500 or udp port 4500" -w "$pcap"
    local dumpcap_pid=$NETNS_LAST_PID
    # dumpcap writes its file header before it captures, and hands packets to its file in blocks:
    # a probe datagram (UDP length 14) seen in the file marks the capture live, and, at the end,
    # everything before it written
    probes() { tshark -r "$pcap" -Y "udp.length == 14" 2>/dev/null | wc -l; }
    cap_live() { # N: send a probe, wait until the file holds N
        ip netns exec "$(ns gwa)" bash -c 'echo probe > /dev/udp/192.0.2.2/500'
        sleep 0.2
        [ "$(probes)" -ge "$1" ]
    }
    wait_for 10 cap_live 1 || { result 0 "$name" "dumpcap does not capture"; kill "$dumpcap_pid"; return; }
    # shellcheck disable=SC2034 # CHARON_EXTRA is read by charon_start (lib.sh)
    OAK_EXTRA="    fragmentation=force
    fragment_size=576" SS_EXTRA="fragmentation = force" CHARON_EXTRA="fragment_size = 576"
    FRAG_WHY=""
    positive frag dn mm "$1" keep
    local n0
    n0=$(probes)
    wait_for 10 cap_live $((n0 + 1)) || why="; the capture did not take the last probe"
    kill -INT "$dumpcap_pid" 2>/dev/null
    wait_for 5 sh -c "! kill -0 $dumpcap_pid"
    # per fragmented message (source, fragment ID): its fragment count, in capture order
    sizes=$(tshark -r "$pcap" -Y "isakmp.nextpayload == 132" -T fields -e ip.src -e isakmp.frag.packetid \
        2>/dev/null | awk '{ if (!(($1" "$2) in n)) o[++k] = $1" "$2; n[$1" "$2]++ }
            END { for (i = 1; i <= k; i++) print o[i], n[o[i]] }')
    echo "     fragmented messages (source, fragment ID, fragments): $(echo "$sizes" | tr '\n' ';')"
    [ -n "$sizes" ] || echo "     capture: $(capinfos -c "$pcap" 2>&1 | tail -1)"
    # MM5 and MM6 are the only messages above 576 bytes: the chain, the SIG and the ID
    fa=$(echo "$sizes" | awk '$1 == "192.0.2.1" && $3 > m { m = $3 } END { print m + 0 }')
    fb=$(echo "$sizes" | awk '$1 == "192.0.2.2" && $3 > m { m = $3 } END { print m + 0 }')
    [ "$fa" -ge 3 ] || ok=0 why="$why; oakley (192.0.2.1) sent its certificate message in $fa fragments, not 3+"
    [ "$fb" -ge 3 ] || ok=0 why="$why; the peer (192.0.2.2) sent its certificate message in $fb fragments, not 3+"
    tshark -r "$pcap" -O isakmp -Y "isakmp.nextpayload == 132" 2>/dev/null |
        grep -m 6 -E "Payload: Fragment|Frag (ID|seq|last)" | sed 's/^/     tshark| /'
    m=$(ip netns exec "$(ns gwa)" "$OAKLEY" --socket "$A/oakley.vici" metrics 2>&1)
    echo "$m" | grep "^oakley_ike_fragment" | sed 's/^/     metrics| /'
    metric() { echo "$m" | sed -n "s/^$1 //p"; }
    [ "$(metric 'oakley_ike_fragments_total{event="sent"}')" -ge 3 ] 2>/dev/null ||
        ok=0 why="$why; metrics: fewer than 3 fragments sent"
    [ "$(metric 'oakley_ike_fragments_total{event="reassembled"}')" -ge 1 ] 2>/dev/null ||
        ok=0 why="$why; metrics: no message reassembled"
    [ "$(metric 'oakley_ike_fragments_total{event="dropped"}')" = 0 ] || ok=0 why="$why; metrics: fragments dropped"
    [ "$(metric oakley_ike_fragment_bytes)" = 0 ] || ok=0 why="$why; metrics: reassembly still holds bytes"
    FIGURES="$FIGURES $name:oakley=$fa,peer=$fb"
    [ -z "$FRAG_WHY" ] || ok=0 why="$FRAG_WHY$why"
    result $ok "$name" "${why#; }"
    stop_all
    unset OAK_EXTRA SS_EXTRA CHARON_EXTRA
}

# Does this oakleyd take the certificate keywords? (Before issue 16 it refuses authby=pubkey.)
FRAG_PKI=0 FIGURES=""
case " $* " in *" frag"*) FRAG_PKI=1 ;; esac
# OAKLEY_CERTS_PKI=DIR keeps the PKI for the next run (key generation dominates a few cases
# under TCG: vm-certs.sh makes it on the host, with the single argument pki, before the boot).
if [ -n "${OAKLEY_CERTS_PKI:-}" ] && [ -s "$OAKLEY_CERTS_PKI/root.crl" ]; then
    cp -a "$OAKLEY_CERTS_PKI/." "$P/"
else
    make_pki
    if [ -n "${OAKLEY_CERTS_PKI:-}" ]; then mkdir -p "$OAKLEY_CERTS_PKI" && cp -a "$P/." "$OAKLEY_CERTS_PKI/"; fi
fi
if [ "$*" = pki ]; then
    [ -n "${OAKLEY_CERTS_PKI:-}" ] || fail "pki: set OAKLEY_CERTS_PKI to the directory to fill"
    echo "PKI made in $OAKLEY_CERTS_PKI"
    exit 0
fi
IKE=aes128-sha256-modp2048
oak_conf "$NETNS_TMP/probe" a a-rsa2048 "$(id a dn)" "$(id b dn)" mm add
probe=$("$OAKLEYD" --check-config --config "$NETNS_TMP/probe/ipsec.conf" \
    --secrets "$NETNS_TMP/probe/ipsec.secrets" 2>&1) ||
    skip "this oakleyd does not take certificate authentication: $(echo "$probe" | grep -m1 -i 'refused\|error')"

# groups of cases: rsa (RSA 2048/3072 and the chain), ecdsa (P-256, P-384), neg (the refused
# certificates, reload-crl, creds), frag (fragmentation, both roles); no argument: the first three
groups=("$@")
[ ${#groups[@]} = 0 ] && groups=(rsa ecdsa neg)
CASES=()
for g in "${groups[@]}"; do
    for r in i r; do
        case $g in
        rsa) CASES+=("rsa2048-dn-mm-$r" "rsa3072-fqdn-mm-$r" "chain-dn-mm-$r" "rsa2048-dn-am-$r" \
            "rsa3072-fqdn-am-$r" "chain-dn-am-$r" "rsa2048-fqdn-mm-$r" "rsa2048-addr-mm-$r" \
            "rsa2048-addr-am-$r")
            [ "$r" = r ] && CASES+=("decoy-dn-mm-r" "decoy-dn-am-r") ;;
        ecdsa) CASES+=("ecdsa256-addr-mm-$r" "ecdsa384-dn-mm-$r" "ecdsa256-addr-am-$r" \
            "ecdsa384-dn-am-$r" "ecdsa256-fqdn-mm-$r") ;;
        neg) CASES+=("expired-$r" "revoked-$r" "wrongca-$r" "idmismatch-$r" "nocert-$r" \
            "reload-crl-$r") ;;
        frag) CASES+=("frag-$r") ;;
        *) [ "$r" = i ] && CASES+=("$g") ;; # a single case
        esac
    done
    [ "$g" = neg ] && CASES+=(creds)
done
for c in "${CASES[@]}"; do
    IFS=- read -r a b c2 d <<< "$c"
    case $a in
    creds) creds_case ;;
    reload) reload_crl_case "$c2" ;;
    frag) frag_case "$b" ;;
    expired | revoked | wrongca | idmismatch | nocert) negative "$a" "$b" ;;
    decoy) DECOY=1 positive rsa2048 "$b" "$c2" "$d" ;;
    *) positive "$a" "$b" "$c2" "$d" ;;
    esac
done
echo "figures: certificates against $PEER: $passed of $n cases passed:$RESULTS"
[ -z "$FIGURES" ] || echo "figures: largest fragment count of a message per side:$FIGURES"
[ "$passed" = "$n" ] || fail "$((n - passed)) of $n cases failed"
echo PASS
