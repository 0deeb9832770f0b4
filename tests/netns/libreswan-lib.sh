# SPDX-License-Identifier: GPL-2.0-or-later
# Libreswan 4.10 (Debian 12's pluto) as a test peer, never installed: Debian's libreswan package
# conflicts with strongSwan's, so its .debs are unpacked into a private tree and pluto runs from
# there, in a private mount namespace that puts the tree's /usr/libexec over the host's (pluto
# execs the hard-coded /usr/libexec/ipsec/addconn at start; nothing on the host changes). Each
# pluto has its own config dir, NSS database, rundir and control socket. Source after lib.sh.
#
# LSW_CACHE (default /var/cache/oakley-test/libreswan) holds the .debs and the tree; a missing
# tree is fetched with `apt-get download` (SKIP when apt cannot fetch).

LSW_CACHE=${LSW_CACHE:-/var/cache/oakley-test/libreswan}
LSW_TREE=$LSW_CACHE/tree
# libevent-core-2.1-7: a fresh Debian 12 has no libevent_core (pluto links it)
LSW_DEBS="libreswan libevent-core-2.1-7 libevent-pthreads-2.1-7 libldns3 libnss3-tools"

# lsw_tree_ok: the tree holds pluto and certutil, unpacked from exactly $LSW_DEBS.
lsw_tree_ok() {
    [ -x "$LSW_TREE/usr/libexec/ipsec/pluto" ] && [ -x "$LSW_TREE/usr/bin/certutil" ] &&
        [ "$(cat "$LSW_TREE/.debs" 2>/dev/null)" = "$LSW_DEBS" ]
}

# lsw_fetch: makes sure $LSW_TREE holds pluto, whack, addconn and certutil with every library
# found: SKIPs when apt cannot fetch the packages, FAILs when the unpacked programs still miss a
# library (a package missing from $LSW_DEBS: a fresh machine has fewer libraries than this one).
lsw_fetch() {
    local f
    if ! lsw_tree_ok; then
        command -v apt-get >/dev/null || skip "Libreswan not in $LSW_TREE and no apt-get to fetch it"
        mkdir -p "$LSW_CACHE/debs" || skip "cannot create $LSW_CACHE"
        # one fetch at a time (meson runs these tests in parallel)
        exec 9> "$LSW_CACHE/.lock"
        flock -w 300 9 || skip "$LSW_CACHE is locked by another fetch"
        if ! lsw_tree_ok; then
            rm -f "$LSW_CACHE"/debs/*.deb
            (cd "$LSW_CACHE/debs" && apt-get download $LSW_DEBS) > "$LSW_CACHE/fetch.log" 2>&1 ||
                skip "apt-get download $LSW_DEBS failed: $(tail -1 "$LSW_CACHE/fetch.log")"
            rm -rf "$LSW_TREE.new"
            for f in "$LSW_CACHE"/debs/*.deb; do
                dpkg-deb -x "$f" "$LSW_TREE.new" || skip "dpkg-deb -x $f failed"
            done
            echo "$LSW_DEBS" > "$LSW_TREE.new/.debs"
            rm -rf "$LSW_TREE" && mv "$LSW_TREE.new" "$LSW_TREE"
        fi
        exec 9>&-
    fi
    export LD_LIBRARY_PATH=$LSW_TREE/usr/lib/x86_64-linux-gnu
    for f in usr/libexec/ipsec/pluto usr/libexec/ipsec/whack usr/libexec/ipsec/addconn usr/bin/certutil; do
        ldd "$LSW_TREE/$f" 2>&1 | grep -q "not found" &&
            fail "$f from $LSW_TREE misses libraries (add their packages to LSW_DEBS): $(ldd "$LSW_TREE/$f" | grep "not found" | tr -d '\t' | tr '\n' ' ')"
    done
    command -v unshare >/dev/null || skip "util-linux unshare is not installed"
    return 0
}

# wait_secs SECONDS CMD...: polls CMD until it succeeds or SECONDS of wall time have passed (1 on
# timeout). Unlike wait_for it counts time, not tries: under the VM's TCG one whack costs ~2 s.
wait_secs() {
    local end=$((SECONDS + $1))
    shift
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ $SECONDS -lt $end ] || return 1
        sleep 0.2
    done
}

# pluto_start NS DIR: starts pluto in namespace NS with DIR/ipsec.conf and DIR/ipsec.secrets (the
# caller's; config setup must say ikev1-policy=accept), NSS db DIR/nss, rundir DIR/run (control
# socket DIR/run/pluto.ctl), log DIR/pluto.log. Waits until whack answers. Sets PLUTO_PID.
pluto_start() {
    local n=$1 dir=$2
    mkdir -p "$dir/nss" "$dir/run"
    chmod 600 "$dir/ipsec.secrets"
    # a caller may have made and filled the database (certificates)
    [ -e "$dir/nss/cert9.db" ] || "$LSW_TREE/usr/bin/certutil" -N -d "sql:$dir/nss" --empty-password > "$dir/certutil.log" 2>&1 ||
        fail "certutil -N: $(cat "$dir/certutil.log")"
    # --config first: it resets the other paths (shared/notes/libreswan.md)
    # PATH: pluto runs its updown as "ipsec _updown", which must be Libreswan's ipsec (the
    # tree's), not strongSwan's /usr/sbin/ipsec
    netns_bg "$n" "$dir/pluto.log" env PATH="$LSW_TREE/usr/sbin:$PATH" \
        unshare -m --propagation private sh -c \
        'mount --bind "$1/usr/libexec" /usr/libexec && shift && exec "$@"' sh "$LSW_TREE" \
        "$LSW_TREE/usr/libexec/ipsec/pluto" --config "$dir/ipsec.conf" --nofork --stderrlog \
        --rundir "$dir/run" --nssdir "$dir/nss" --secretsfile "$dir/ipsec.secrets" \
        --ipsecdir "$dir" --no-dnssec
    PLUTO_PID=$NETNS_LAST_PID
    trap "pluto_stop $n $dir; netns_cleanup" EXIT
    wait_secs 60 whack_ns "$n" "$dir" --status || fail "pluto in $n did not start: $(tail -20 "$dir/pluto.log")"
}

# whack_ns NS DIR ARGS...: pluto's whack against the pluto of DIR.
whack_ns() {
    local n=$1 dir=$2
    shift 2
    ip netns exec "$(ns "$n")" "$LSW_TREE/usr/libexec/ipsec/whack" --ctlsocket "$dir/run/pluto.ctl" "$@"
}

# pluto_stop NS DIR: stops the pluto of PLUTO_PID (whack --shutdown, then SIGKILL; it sometimes
# segfaults on SIGTERM, which says nothing about the test). Installed in the EXIT trap by
# pluto_start, before netns_cleanup.
pluto_stop() {
    kill -0 "$PLUTO_PID" 2>/dev/null || return 0
    whack_ns "$1" "$2" --shutdown > /dev/null 2>&1
    wait_secs 5 bash -c "! kill -0 $PLUTO_PID"
    kill -KILL "$PLUTO_PID" 2>/dev/null
    wait "$PLUTO_PID" 2>/dev/null
    return 0
}
