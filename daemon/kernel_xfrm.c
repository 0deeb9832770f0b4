// SPDX-License-Identifier: GPL-2.0-or-later
/* The real kernel operations table (daemon/kernel.h): xfrm/ over NETLINK_XFRM. */
#include "daemon/kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

struct kx {
	struct xfrm_handle *req; /* requests */
	struct xfrm_handle *ev;	 /* events, once events_open succeeded */
	struct xfrm_handle *failed;
};

/* Remembers which handle failed last, for errmsg. */
static int kx_ret(struct kx *k, struct xfrm_handle *h, int r)
{
	if (r < 0)
		k->failed = h;
	return r;
}

static int kx_open(void **ret_ctx)
{
	struct kx *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	int r = xfrm_open(&k->req);
	if (r < 0) {
		free(k);
		return r;
	}
	*ret_ctx = k;
	return 0;
}

static void kx_close(void *ctx)
{
	struct kx *k = ctx;
	if (!k)
		return;
	xfrm_close(k->ev);
	xfrm_close(k->req);
	free(k);
}

static const char *kx_errmsg(void *ctx)
{
	struct kx *k = ctx;
	return xfrm_errmsg(k->failed ? k->failed : k->req);
}

static int kx_allocspi(void *ctx, const struct xfrm_ipaddr *src, const struct xfrm_ipaddr *dst,
		       uint8_t proto, uint32_t reqid, uint32_t *ret_spi)
{
	struct kx *k = ctx;
	return kx_ret(k, k->req, xfrm_allocspi(k->req, src, dst, proto, reqid, 0, 0, 0, ret_spi));
}

static int kx_sa_add(void *ctx, const struct xfrm_sa *sa)
{
	struct kx *k = ctx;
	return kx_ret(k, k->req, xfrm_sa_add(k->req, sa));
}

static int kx_sa_update(void *ctx, const struct xfrm_sa *sa)
{
	struct kx *k = ctx;
	return kx_ret(k, k->req, xfrm_sa_update(k->req, sa));
}

static int kx_sa_del(void *ctx, const struct xfrm_sa_id *id)
{
	struct kx *k = ctx;
	return kx_ret(k, k->req, xfrm_sa_del(k->req, id));
}

static int kx_sa_get(void *ctx, const struct xfrm_sa_id *id, struct xfrm_sa_info *ret_info)
{
	struct kx *k = ctx;
	return kx_ret(k, k->req, xfrm_sa_get(k->req, id, ret_info));
}

static int kx_policy_update(void *ctx, const struct xfrm_policy *pol)
{
	struct kx *k = ctx;
	return kx_ret(k, k->req, xfrm_policy_update(k->req, pol));
}

static int kx_policy_del(void *ctx, const struct xfrm_policy *pol)
{
	struct kx *k = ctx;
	return kx_ret(k, k->req, xfrm_policy_del(k->req, pol));
}

static int kx_flush_owned(void *ctx)
{
	struct kx *k = ctx;
	return kx_ret(k, k->req, xfrm_flush_owned(k->req));
}

static int kx_events_open(void *ctx)
{
	struct kx *k = ctx;
	if (k->ev)
		return -EBUSY;
	int r = xfrm_events_open(&k->ev);
	if (r < 0)
		return r;
	int fd = xfrm_fd(k->ev);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static int kx_events_recv(void *ctx, xfrm_event_cb cb, void *arg)
{
	struct kx *k = ctx;
	if (!k->ev)
		return -EBADF;
	int r = xfrm_events_recv(k->ev, cb, arg);
	return r == -EAGAIN ? r : kx_ret(k, k->ev, r);
}

static void kx_events_close(void *ctx)
{
	struct kx *k = ctx;
	if (k->failed == k->ev)
		k->failed = NULL;
	xfrm_close(k->ev);
	k->ev = NULL;
}

static int kx_socket_bypass(void *ctx, int fd, int family)
{
	(void)ctx;
	return xfrm_socket_bypass(fd, family);
}

static int kx_socket_udp_encap(void *ctx, int fd)
{
	(void)ctx;
	return xfrm_socket_udp_encap(fd);
}

const struct dmn_kernel_ops dmn_kernel_xfrm = {
	.open = kx_open,
	.close = kx_close,
	.errmsg = kx_errmsg,
	.allocspi = kx_allocspi,
	.sa_add = kx_sa_add,
	.sa_update = kx_sa_update,
	.sa_del = kx_sa_del,
	.sa_get = kx_sa_get,
	.policy_update = kx_policy_update,
	.policy_del = kx_policy_del,
	.flush_owned = kx_flush_owned,
	.events_open = kx_events_open,
	.events_recv = kx_events_recv,
	.events_close = kx_events_close,
	.socket_bypass = kx_socket_bypass,
	.socket_udp_encap = kx_socket_udp_encap,
};

int dmn_kernel_open(struct dmn_kernel *k, const struct dmn_kernel_ops *ops)
{
	k->ops = ops ? ops : &dmn_kernel_xfrm;
	k->ctx = NULL;
	int r = k->ops->open(&k->ctx);
	if (r < 0)
		k->ops = NULL;
	return r;
}

void dmn_kernel_close(struct dmn_kernel *k)
{
	if (k->ops)
		k->ops->close(k->ctx);
	k->ops = NULL;
	k->ctx = NULL;
}
