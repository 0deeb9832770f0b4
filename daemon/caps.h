/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Privilege dropping for oakleyd (libcap). After its IKE sockets are bound and the XFRM netlink
 * socket is open, the daemon keeps only CAP_NET_ADMIN (program XFRM SAs and policies) and
 * CAP_NET_BIND_SERVICE (re-bind UDP 500 when addresses change), whether it was started by systemd
 * or by hand as root. Capabilities are per thread: call this before any other thread exists.
 */
#pragma once

#include <stdbool.h>

/*
 * Checks, before anything privileged is tried, that the process holds CAP_NET_ADMIN and
 * CAP_NET_BIND_SERVICE (permitted). Logs one clear error naming what is missing and how to grant
 * it, and returns -EPERM, when it does not; 0 when it does.
 */
int dmn_caps_check(void);

/*
 * Reduces the calling process to CAP_NET_ADMIN + CAP_NET_BIND_SERVICE in the permitted and
 * effective sets; clears the inheritable and ambient sets; drops every other capability from the
 * bounding set when allowed (CAP_SETPCAP; under systemd CapabilityBoundingSet= has done it);
 * sets PR_SET_NO_NEW_PRIVS. Logs and returns -EPERM when the process does not have both
 * capabilities (non-root without them), -EBUSY when more than one thread runs, another -errno
 * when a kernel call fails, 0 on success (verified by reading the sets back).
 */
int dmn_caps_drop(void);

/*
 * Whether the calling thread's permitted, effective, inheritable and ambient sets are exactly what
 * dmn_caps_drop() leaves and the bounding set holds no capability beyond the two kept ones.
 * For tests and for the start-up log.
 */
bool dmn_caps_are_dropped(void);
