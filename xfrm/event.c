// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Receiving events on a handle from xfrm_events_open(); the parsing is in parse.c.
 */
#include "xfrm/xfrm.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "xfrm/internal.h"

int xfrm_events_recv(struct xfrm_handle *h, xfrm_event_cb cb, void *arg)
{
	ssize_t n = recv(xfrm_fd(h), h->rbuf, XFRM_RECV_BUF, MSG_DONTWAIT);
	if (n < 0) {
		int err = -errno;
		if (err == -ENOBUFS)
			return xfrm_fail(h, err, "kernel dropped XFRM events: resync needed");
		if (err == -EAGAIN || err == -EWOULDBLOCK)
			return -EAGAIN;
		return xfrm_fail(h, err, "event receive failed: %s", strerror(-err));
	}
	int r = xfrm_events_parse(h->rbuf, (size_t)n, cb, arg);
	explicit_bzero(h->rbuf, (size_t)n);
	if (r == -EBADMSG)
		return xfrm_fail(h, r, "malformed XFRM event from the kernel");
	return r;
}
