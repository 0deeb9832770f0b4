# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tools/check, tools/demo and .ci/run: installs, as root with apt-get, every Debian 12
# package that building and testing oakley needs and that is not installed yet.
# strongSwan's test peers need its plugin packages: openssl (ECP groups) in -standard-plugins,
# curve25519 in -extra-plugins, xauth-generic in libcharon-extauth-plugins, unity/attr in
# libcharon-extra-plugins (tests/netns/lib.sh charon_need_plugins names them when missing).
OAKLEY_BUILD_DEPS="meson ninja-build pkg-config gcc clang llvm libclang-rt-14-dev
 libmnl-dev libnl-3-dev libnl-route-3-dev nettle-dev libgmp-dev libgnutls28-dev libsystemd-dev libcap-dev"
OAKLEY_TEST_DEPS="iproute2 nftables tshark python3 python3-scapy python3-cryptography strongswan-swanctl charon-systemd
 strongswan-pki qemu-system-x86 linux-image-cloud-amd64 busybox-static kmod procps psmisc util-linux iputils-ping
 debhelper dpkg-dev build-essential fakeroot lintian scdoc strace systemd cpio
 libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extauth-plugins libcharon-extra-plugins
 strongswan-starter strongswan-charon debootstrap libnss3-tools"

oakley_install_deps() {
    local want="$*" missing="" p
    for p in $want; do
        dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -q '^installed$' ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing packages:$missing (run as root to install them)" >&2
        return 1
    fi
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture; answer no without a prompt.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq || return 1
    # charon-systemd's maintainer scripts would start a system charon: keep services from starting.
    local made_rcd=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_rcd=1
    fi
    apt-get install -y -qq --no-install-recommends $missing
    local rc=$?
    [ "$made_rcd" = 1 ] && rm -f /usr/sbin/policy-rc.d
    return $rc
}
