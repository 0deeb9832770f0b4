// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netlink side: handles, request buffers, sending, and reading replies through mnl_cb_run2 with
 * the kernel's extended ACK (NETLINK_EXT_ACK) kept for the caller's message.
 */
#include "xfrm/xfrm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/netlink.h>

#include "xfrm/internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int xfrm_fail(struct xfrm_handle *h, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->errmsg, sizeof(h->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

const char *xfrm_errmsg(const struct xfrm_handle *h)
{
	return h && h->errmsg[0] ? h->errmsg : "no error";
}

int xfrm_fd(const struct xfrm_handle *h)
{
	return mnl_socket_get_fd(h->nl);
}

/* Opens the socket, sets the ACK options and binds to groups (a bitmask of 1 << (grp - 1)). */
static int handle_open(unsigned groups, struct xfrm_handle **ret_handle)
{
	struct xfrm_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->rbuf = calloc(1, XFRM_RECV_BUF);
	h->nl = mnl_socket_open(NETLINK_XFRM);
	if (!h->rbuf || !h->nl) {
		int err = h->rbuf ? -errno : -ENOMEM;
		xfrm_close(h);
		return err;
	}
	int one = 1;
	/* Both are best effort: kernels without them still work, with plainer messages. */
	(void)mnl_socket_setsockopt(h->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(h->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(h->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;
		xfrm_close(h);
		return err;
	}
	h->portid = mnl_socket_get_portid(h->nl);
	h->seq = (uint32_t)time(NULL);
	*ret_handle = h;
	return 0;
}

int xfrm_open(struct xfrm_handle **ret_handle)
{
	return handle_open(0, ret_handle);
}

int xfrm_events_open(struct xfrm_handle **ret_handle)
{
	unsigned groups = 1u << (XFRMNLGRP_ACQUIRE - 1) | 1u << (XFRMNLGRP_EXPIRE - 1) |
			  1u << (XFRMNLGRP_SA - 1) | 1u << (XFRMNLGRP_POLICY - 1) |
			  1u << (XFRMNLGRP_MAPPING - 1);
	return handle_open(groups, ret_handle);
}

void xfrm_close(struct xfrm_handle *h)
{
	if (!h)
		return;
	if (h->nl)
		mnl_socket_close(h->nl);
	if (h->rbuf) {
		explicit_bzero(h->rbuf, XFRM_RECV_BUF);
		free(h->rbuf);
	}
	free(h);
}

struct nlmsghdr *xfrm_req_start(struct xfrm_handle *h, struct xfrm_req *req, uint16_t type,
				uint16_t flags)
{
	memset(req->buf, 0, sizeof(struct nlmsghdr));
	req->overflow = false;
	req->nlh = mnl_nlmsg_put_header(req->buf);
	req->nlh->nlmsg_type = type;
	req->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	req->nlh->nlmsg_seq = ++h->seq;
	return req->nlh;
}

void *xfrm_req_extra(struct xfrm_req *req, size_t len)
{
	if (req->overflow || req->nlh->nlmsg_len + MNL_ALIGN(len) > sizeof(req->buf)) {
		req->overflow = true;
		return NULL;
	}
	void *p = mnl_nlmsg_put_extra_header(req->nlh, len);
	memset(p, 0, MNL_ALIGN(len));
	return p;
}

void *xfrm_req_attr(struct xfrm_req *req, uint16_t type, size_t len)
{
	size_t total = MNL_ATTR_HDRLEN + len;
	if (req->overflow || total > UINT16_MAX ||
	    req->nlh->nlmsg_len + MNL_ALIGN(total) > sizeof(req->buf)) {
		req->overflow = true;
		return NULL;
	}
	struct nlattr *attr = mnl_nlmsg_get_payload_tail(req->nlh);
	memset(attr, 0, MNL_ALIGN(total));
	attr->nla_type = type;
	attr->nla_len = (uint16_t)total;
	req->nlh->nlmsg_len += MNL_ALIGN(total);
	return mnl_attr_get_payload(attr);
}

void xfrm_req_put(struct xfrm_req *req, uint16_t type, size_t len, const void *data)
{
	if (req->overflow)
		return;
	if (!mnl_attr_put_check(req->nlh, sizeof(req->buf), type, len, data))
		req->overflow = true;
}

void xfrm_mark_put(struct xfrm_req *req, uint32_t v, uint32_t m)
{
	struct xfrm_mark mark = {.v = v, .m = m};
	xfrm_req_put(req, XFRMA_MARK, sizeof(mark), &mark);
}

struct run_ctx {
	struct xfrm_handle *h;
	xfrm_reply_cb cb;
	void *arg;
	int cb_err; /* the first error of cb; later replies are read and dropped */
};

static int ext_ack_cb(const struct nlattr *a, void *data)
{
	struct xfrm_handle *h = data;
	if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG || mnl_attr_validate(a, MNL_TYPE_STRING) < 0)
		return MNL_CB_OK;
	const char *p = mnl_attr_get_payload(a);
	size_t n = strnlen(p, mnl_attr_get_payload_len(a));
	if (n >= sizeof(h->kmsg))
		n = sizeof(h->kmsg) - 1;
	memcpy(h->kmsg, p, n);
	h->kmsg[n] = '\0';
	return MNL_CB_STOP;
}

/*
 * Keeps NLMSGERR_ATTR_MSG of an error or ACK, if the kernel sent one: the TLVs follow struct
 * nlmsgerr, whose copy of the request is cut to its header when NLM_F_CAPPED is set.
 */
static void read_ext_ack(struct xfrm_handle *h, const struct nlmsghdr *nlh)
{
	struct nlmsghdr orig;
	size_t off = sizeof(struct nlmsgerr);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || mnl_nlmsg_get_payload_len(nlh) < off)
		return;
	memcpy(&orig, (const uint8_t *)mnl_nlmsg_get_payload(nlh) + sizeof(int32_t), sizeof(orig));
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (orig.nlmsg_len < sizeof(orig) ||
		    orig.nlmsg_len > mnl_nlmsg_get_payload_len(nlh))
			return;
		off = sizeof(int32_t) + orig.nlmsg_len;
	}
	if (MNL_ALIGN(off) < mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, (unsigned)off, ext_ack_cb, h);
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *ctx = data;
	int32_t err;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(err)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	read_ext_ack(ctx->h, nlh);
	if (err == 0)
		return MNL_CB_STOP;
	errno = err < 0 ? -err : err;
	return MNL_CB_ERROR;
}

static int on_done(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	int32_t err = 0;
	if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err < 0) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int on_noop(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/*
 * A failing reply handler does not stop the reading: the rest of a dump and the final ACK must be
 * consumed, or they would meet the next request's sequence check.
 */
static int on_data(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *ctx = data;
	if (!ctx->cb || ctx->cb_err)
		return MNL_CB_OK;
	int r = ctx->cb(nlh, ctx->arg);
	if (r == MNL_CB_ERROR)
		ctx->cb_err = errno ? -errno : -EBADMSG;
	return r == MNL_CB_STOP ? MNL_CB_STOP : MNL_CB_OK;
}

int xfrm_req_run(struct xfrm_handle *h, struct xfrm_req *req, xfrm_reply_cb cb, void *arg)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = on_noop,
		[NLMSG_ERROR] = on_error,
		[NLMSG_DONE] = on_done,
		[NLMSG_OVERRUN] = on_noop,
	};
	struct run_ctx ctx = {h, cb, arg, 0};
	uint32_t seq = req->nlh->nlmsg_seq;
	size_t len = req->nlh->nlmsg_len;
	h->kmsg[0] = '\0';
	if (req->overflow) {
		explicit_bzero(req->buf, sizeof(req->buf));
		return -EMSGSIZE;
	}
	ssize_t n = mnl_socket_sendto(h->nl, req->buf, len);
	int err = n < 0 ? -errno : 0;
	explicit_bzero(req->buf, len);
	if (err < 0)
		return err;
	/* Bounded: every reply is one receive; a dump of a million entries is ~100k receives. */
	for (unsigned i = 0; i < 10000000; i++) {
		n = mnl_socket_recvfrom(h->nl, h->rbuf, XFRM_RECV_BUF);
		if (n < 0)
			return -errno;
		int r = mnl_cb_run2(h->rbuf, (size_t)n, seq, h->portid, on_data, &ctx, ctl,
				    NLMSG_MIN_TYPE);
		err = r < 0 ? -errno : 0;
		explicit_bzero(h->rbuf, (size_t)n);
		if (r <= MNL_CB_STOP)
			return err < 0 ? err : ctx.cb_err;
	}
	return -ETIMEDOUT;
}

struct dump_ctx {
	enum xfrm_event_type want;
	xfrm_dump_cb cb;
	void *arg;
	int count;
	int cb_err;
};

static int on_dump(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *ctx = arg;
	struct xfrm_event ev;
	int r = xfrm_parse_msg(nlh->nlmsg_type, mnl_nlmsg_get_payload(nlh),
			       mnl_nlmsg_get_payload_len(nlh), &ev);
	if (r < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (r == 0 || ev.type != ctx->want)
		return MNL_CB_OK;
	ctx->count++;
	r = ctx->cb(&ev, ctx->arg);
	if (r < 0) {
		ctx->cb_err = r;
		errno = -r;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int xfrm_dump(struct xfrm_handle *h, uint16_t msg_type, enum xfrm_event_type want, xfrm_dump_cb cb,
	      void *arg, const char *what)
{
	struct xfrm_req req;
	struct dump_ctx ctx = {want, cb, arg, 0, 0};
	xfrm_req_start(h, &req, msg_type, NLM_F_DUMP);
	int r = xfrm_req_run(h, &req, on_dump, &ctx);
	if (ctx.cb_err)
		return ctx.cb_err;
	if (r < 0)
		return xfrm_fail(h, r, "%s failed: %s", what, strerror(-r));
	return ctx.count;
}

int xfrm_req_fail(struct xfrm_handle *h, int err, const char *op, const char *object,
		  const char *what)
{
	char buf[128];
	if (!what) {
		if (err == -EEXIST)
			snprintf(buf, sizeof(buf), "%s exists", object);
		else if (err == -ENOENT || err == -ESRCH)
			snprintf(buf, sizeof(buf), "no such %s", object);
		else if (err == -EMSGSIZE)
			snprintf(buf, sizeof(buf), "request too large");
		else
			snprintf(buf, sizeof(buf), "%s failed: %s", op, strerror(-err));
		what = buf;
	}
	if (h->kmsg[0])
		return xfrm_fail(h, err, "%s (kernel: %s)", what, h->kmsg);
	return xfrm_fail(h, err, "%s", what);
}
