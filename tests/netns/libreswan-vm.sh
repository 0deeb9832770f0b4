#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs tests/vm/run ARGS... once Libreswan's private tree is in place on the host: the guest
# shares the host's root read-only and has no network, so it cannot fetch the packages itself.
# SKIPs (77) when they cannot be fetched.
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/libreswan-lib.sh"
lsw_fetch
exec "$dir/../vm/run" "$@"
