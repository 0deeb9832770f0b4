#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: packaging/build-deb builds it from the source tree, lintian finds no error,
# it holds the files it should (programs, unit, man pages, completion, example config with a 0600
# secrets file as conffiles), and the programs run from a clean root made of the unpacked .deb plus
# only the shared libraries they link (chroot): `oakleyd --version`, `oakleyd --check-config` on
# the packaged example config at its packaged path, and the packaged daemon started with its
# defaults (as the unit does) in a network namespace, answering `oakley version` on the default
# control socket /run/oakley/oakley.vici of the chroot.
#
#   host: build-deb -> oakley_*.deb -> dpkg-deb -x ROOT; ldd libs -> ROOT; chroot ROOT oakleyd ...
#   [ ns pkg: chroot ROOT oakleyd --foreground, 192.0.2.1 ] --veth-- [ ns peer: 192.0.2.2 ]
#
# Then a Debian 12 root (OAKLEY_DEB_CHROOT=DIR, else one debootstrapped here once and cached) gets
# the package through `apt-get install ./oakley_*.deb` (dependencies from the archive): the unit is
# enabled, the programs run, /usr/sbin/ipsec is oakley-ipsec through update-alternatives unless
# strongSwan's or Libreswan's package ships it (installed before or after oakley; removing oakley
# leaves theirs working), and `apt-get purge` removes /etc/oakley.
#
# usage: pkg-deb.sh SOURCE_DIR
set -u
SRC=$1
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (chroot into the unpacked package)"
for p in dpkg-buildpackage:dpkg-dev dh:debhelper fakeroot:fakeroot lintian:lintian; do
    command -v "${p%%:*}" >/dev/null || skip "${p%%:*} is missing (apt-get install ${p#*:})"
done
command -v scdoc >/dev/null || skip "scdoc is missing (apt-get install scdoc): no man pages"
[ -f "$SRC/packaging/meson.build" ] || fail "no packaging/meson.build in $SRC"
grep -q "subdir('packaging')" "$SRC/meson.build" || fail "meson.build does not include subdir('packaging')"

netns_init pkgdeb
TMP=$NETNS_TMP
DB=""
# /proc is bind-mounted into the debootstrapped copy: unmount it before the temp dir is removed.
pkg_cleanup() {
    [ -n "$DB" ] && umount -l "$DB/proc" 2>/dev/null
    netns_cleanup
}
trap pkg_cleanup EXIT
t0=$(date +%s)
"$SRC/packaging/build-deb" "$TMP/out" > "$TMP/build.log" 2>&1 || {
    tail -40 "$TMP/build.log"
    fail "packaging/build-deb failed"
}
echo "build-deb took $(( $(date +%s) - t0 )) s"
DEB=$(ls "$TMP"/out/oakley_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || fail "no oakley_*.deb in $TMP/out"
echo "package: $(basename "$DEB"), $(stat -c %s "$DEB") bytes"
dpkg-deb -c "$DEB" | awk '{print $1, $3, $6}' | tee "$TMP/contents"

# lintian: no errors (warnings are listed; the report names them).
lintian --tag-display-limit 0 "$TMP"/out/oakley_*.changes > "$TMP/lintian" 2>&1
cat "$TMP/lintian"
echo "lintian: $(grep -c '^E:' "$TMP/lintian") errors, $(grep -c '^W:' "$TMP/lintian") warnings"
! grep -q '^E:' "$TMP/lintian" || fail "lintian reports errors"

ROOT=$TMP/root
dpkg-deb -x "$DEB" "$ROOT" || fail "dpkg-deb -x"
for f in usr/sbin/oakleyd usr/bin/oakley lib/systemd/system/oakleyd.service \
    usr/share/man/man8/oakleyd.8.gz usr/share/man/man8/oakley.8.gz \
    usr/share/man/man5/oakley-ipsec.conf.5.gz usr/share/man/man5/oakley-ipsec.secrets.5.gz \
    usr/sbin/oakley-ipsec usr/share/man/man8/oakley-ipsec.8.gz \
    usr/share/bash-completion/completions/oakley usr/share/bash-completion/completions/oakley-ipsec \
    etc/oakley/ipsec.conf etc/oakley/ipsec.secrets \
    usr/share/doc/oakley/copyright usr/libexec/oakley/oakley-updown; do
    [ -e "$ROOT/$f" ] || fail "the package lacks /$f"
done
[ -x "$ROOT/usr/libexec/oakley/oakley-updown" ] || fail "oakley-updown is not executable"
[ "$(stat -c %a "$ROOT/etc/oakley/ipsec.secrets")" = 600 ] || fail "ipsec.secrets is not 0600"
dpkg-deb -e "$DEB" "$TMP/control"
for f in /etc/oakley/ipsec.conf /etc/oakley/ipsec.secrets; do
    grep -qx "$f" "$TMP/control/conffiles" || fail "$f is not a conffile"
done
grep -q 'systemctl\|deb-systemd-helper' "$TMP/control/postinst" || fail "postinst does not enable the unit"

# A clean root: the package's files plus the libraries its programs link, nothing else.
for bin in usr/sbin/oakleyd usr/bin/oakley; do
    for lib in $(ldd "$ROOT/$bin" | grep -o '/[^ ]*'); do
        mkdir -p "$ROOT$(dirname "$lib")"
        cp -nL "$lib" "$ROOT$lib"
    done
done
out=$(chroot "$ROOT" /usr/sbin/oakleyd --version) || fail "oakleyd --version failed in the chroot"
echo "chroot: $out"
ver=$(dpkg-deb -f "$DEB" Version)
[ "$out" = "oakleyd ${ver%%-*}" ] || fail "oakleyd --version says '$out', package is $ver"
chroot "$ROOT" /usr/sbin/oakleyd --check-config > "$TMP/check" 2>&1 ||
    fail "oakleyd --check-config on the packaged example failed: $(cat "$TMP/check")"
echo "chroot: oakleyd --check-config /etc/oakley/ipsec.conf: ok"
cat "$TMP/check"
chroot "$ROOT" /usr/bin/oakley --help > "$TMP/help" 2>&1 || fail "oakley --help failed in the chroot"
grep -q "list-conns" "$TMP/help" || fail "oakley --help lists no commands"
# The packaged daemon with its packaged defaults, in a namespace, from the chroot.
netns_add pkg
netns_add peer
netns_link pkg peer 192.0.2.1/24 192.0.2.2/24
mkdir -p "$ROOT/run/oakley" "$ROOT/tmp"
chmod 750 "$ROOT/run/oakley"
netns_bg pkg "$TMP/daemon.log" chroot "$ROOT" /usr/sbin/oakleyd --foreground
wait_for 10 grep -q " ready" "$TMP/daemon.log" || fail "the packaged oakleyd did not start: $(cat "$TMP/daemon.log")"
ip netns exec "$(ns pkg)" chroot "$ROOT" /usr/bin/oakley version > "$TMP/version" 2>&1 ||
    fail "oakley version against the packaged daemon failed: $(cat "$TMP/version")"
echo "chroot: oakley version: $(cat "$TMP/version")"
grep -q "${ver%%-*}" "$TMP/version" || fail "oakley version does not show ${ver%%-*}"
# A Debian 12 root: $OAKLEY_DEB_CHROOT, else one made here once with debootstrap (minbase, from the
# mirror apt uses) and kept as a tarball in /var/cache/oakley-test (about 70 s the first time).
DEBROOT_TGZ=/var/cache/oakley-test/bookworm-minbase.tgz
DB=$TMP/debootstrap
if [ -n "${OAKLEY_DEB_CHROOT:-}" ]; then
    [ -x "$OAKLEY_DEB_CHROOT/usr/bin/apt-get" ] || fail "OAKLEY_DEB_CHROOT=$OAKLEY_DEB_CHROOT is not a Debian root"
    cp -a "$OAKLEY_DEB_CHROOT" "$DB"
else
    if [ ! -s "$DEBROOT_TGZ" ]; then
        command -v debootstrap >/dev/null || fail "debootstrap is missing (apt-get install debootstrap)"
        mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
        mirror=${mirror:-$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) bookworm .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -1)}
        t0=$(date +%s)
        debootstrap --variant=minbase bookworm "$TMP/mk" "${mirror:-http://deb.debian.org/debian}" \
            > "$TMP/debootstrap.log" 2>&1 || fail "debootstrap failed: $(tail -5 "$TMP/debootstrap.log")"
        [ -f /etc/apt/sources.list.d/debian.sources ] && rm -f "$TMP/mk/etc/apt/sources.list" &&
            cp /etc/apt/sources.list.d/debian.sources "$TMP/mk/etc/apt/sources.list.d/"
        printf '#!/bin/sh\nexit 101\n' > "$TMP/mk/usr/sbin/policy-rc.d" # no service starts
        chmod +x "$TMP/mk/usr/sbin/policy-rc.d"
        mkdir -p "$(dirname "$DEBROOT_TGZ")"
        tar -C "$TMP/mk" -czf "$DEBROOT_TGZ.tmp" . && mv "$DEBROOT_TGZ.tmp" "$DEBROOT_TGZ"
        rm -rf "$TMP/mk"
        echo "debootstrap: made $DEBROOT_TGZ in $(( $(date +%s) - t0 )) s"
    fi
    mkdir -p "$DB" && tar -C "$DB" -xzf "$DEBROOT_TGZ" || fail "cannot unpack $DEBROOT_TGZ"
fi
cp "$DEB" "$DB/tmp/"
mount --bind /proc "$DB/proc" || fail "cannot mount /proc in the chroot"
cp -L /etc/resolv.conf "$DB/etc/resolv.conf" 2>/dev/null
apt_in() { chroot "$DB" env DEBIAN_FRONTEND=noninteractive apt-get -y -qq "$@" >> "$TMP/apt.log" 2>&1; }
# ipsec_is WHO: /usr/sbin/ipsec is oakley's alternative (oakley), a plain file of another
# package (other), or absent (none).
ipsec_is() {
    local got=none
    if [ -L "$DB/usr/sbin/ipsec" ]; then
        [ "$(chroot "$DB" readlink -f /usr/sbin/ipsec)" = /usr/sbin/oakley-ipsec ] && got=oakley || got=link
    elif [ -e "$DB/usr/sbin/ipsec" ]; then
        got=other
    fi
    [ "$got" = "$1" ] || { echo "/usr/sbin/ipsec is '$got', want '$1'"; return 1; }
}
# deb_chroot_steps: install, run, check the enable link and the ipsec alternative beside strongSwan's
# and Libreswan's packages, purge; prints what failed, returns 1.
deb_chroot_steps() {
    local d="/tmp/$(basename "$DEB")"
    apt_in update || { echo "apt-get update failed: $(tail -5 "$TMP/apt.log")"; return 1; }
    apt_in install "$d" || { echo "apt-get install of the .deb failed: $(tail -5 "$TMP/apt.log")"; return 1; }
    chroot "$DB" /usr/sbin/oakleyd --version && chroot "$DB" /usr/sbin/oakleyd --check-config ||
        { echo "the installed oakleyd does not run"; return 1; }
    [ -L "$DB/etc/systemd/system/multi-user.target.wants/oakleyd.service" ] ||
        { echo "the package did not enable oakleyd.service"; return 1; }
    ipsec_is oakley || return 1
    chroot "$DB" ipsec version | grep -q oakley-ipsec || { echo "ipsec is not oakley-ipsec"; return 1; }
    echo "ipsec: oakley's alternative"
    # strongSwan's starter beside it: its /usr/sbin/ipsec wins, oakley-ipsec keeps its name
    apt_in install strongswan-starter || { echo "strongswan-starter: $(tail -5 "$TMP/apt.log")"; return 1; }
    ipsec_is other || return 1
    chroot "$DB" ipsec --version | grep -q strongSwan || { echo "ipsec is not strongSwan's"; return 1; }
    chroot "$DB" oakley-ipsec version | grep -q oakley-ipsec || { echo "oakley-ipsec broke"; return 1; }
    apt_in remove oakley || { echo "remove oakley: $(tail -5 "$TMP/apt.log")"; return 1; }
    ipsec_is other && chroot "$DB" ipsec --version | grep -q strongSwan ||
        { echo "removing oakley broke strongSwan's ipsec"; return 1; }
    chroot "$DB" update-alternatives --query ipsec > /dev/null 2>&1 &&
        { echo "oakley's ipsec alternative outlived the package"; return 1; }
    apt_in install "$d" && ipsec_is other || { echo "installing oakley over strongSwan's ipsec"; return 1; }
    echo "ipsec: strongSwan's, installed after or before oakley, and it stays when oakley goes"
    apt_in purge oakley strongswan-starter || { echo "purge: $(tail -5 "$TMP/apt.log")"; return 1; }
    [ ! -e "$DB/etc/oakley" ] || { echo "apt-get purge left /etc/oakley behind"; return 1; }
    # Libreswan (conflicts with strongSwan's packages) the same way
    apt_in install "$d" libreswan || { echo "oakley + libreswan: $(tail -5 "$TMP/apt.log")"; return 1; }
    ipsec_is other && chroot "$DB" ipsec --version 2>&1 | grep -qi libreswan ||
        { echo "ipsec is not Libreswan's beside oakley"; return 1; }
    apt_in remove oakley && ipsec_is other || { echo "removing oakley broke Libreswan's ipsec"; return 1; }
    echo "ipsec: Libreswan's beside oakley, and it stays when oakley goes"
}
deb_chroot_steps > "$TMP/steps" 2>&1
r=$?
umount "$DB/proc"
cat "$TMP/steps"
[ $r = 0 ] || fail "install into the Debian root"
echo "Debian root: apt-get install, oakleyd runs, unit enabled, ipsec alternative beside strongSwan and Libreswan, purge removes /etc/oakley"
echo "PASS: .deb built, lintian clean of errors, programs run from the unpacked package"
