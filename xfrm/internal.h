/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals shared by the xfrm/ files: the handle and the request helpers. Replies are read with
 * libmnl's own walkers and attribute validation (parse.c, nl.c); xfrm/ has no byte cursor.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "xfrm/xfrm.h"

/* Request buffers: fixed and aligned; MNL_SOCKET_BUFFER_SIZE would call sysconf. */
#define XFRM_REQ_BUF 8192
/* Receive buffer: the kernel's dump skbs are at most 32 KiB; events are far smaller. */
#define XFRM_RECV_BUF 65536
/* Bound on entries collected by xfrm_flush_owned() per table. */
#define XFRM_FLUSH_MAX 1000000

struct xfrm_handle {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char errmsg[256];
	char kmsg[128]; /* the kernel's extended-ack text for the last error, or "" */
	uint8_t *rbuf;	/* XFRM_RECV_BUF bytes, wiped after every receive */
};

/* A request under construction: a fixed, aligned buffer plus a sticky overflow flag. */
struct xfrm_req {
	union {
		uint8_t buf[XFRM_REQ_BUF];
		struct nlmsghdr align;
	};
	struct nlmsghdr *nlh;
	bool overflow;
};

/* Sets h's message (printf-style) and returns err (a -errno) for tail calls. */
int xfrm_fail(struct xfrm_handle *h, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Starts a request of the given type; the NLM_F_REQUEST | NLM_F_ACK flags are always set. */
struct nlmsghdr *xfrm_req_start(struct xfrm_handle *h, struct xfrm_req *req, uint16_t type,
				uint16_t flags);
/* Appends a fixed header of len bytes; returns it zeroed, or NULL (and sets overflow). */
void *xfrm_req_extra(struct xfrm_req *req, size_t len);
/* Appends an attribute of len bytes and returns its zeroed payload, or NULL (overflow). */
void *xfrm_req_attr(struct xfrm_req *req, uint16_t type, size_t len);
/* Appends an attribute copied from data. */
void xfrm_req_put(struct xfrm_req *req, uint16_t type, size_t len, const void *data);

/* Reply handler for data messages: return MNL_CB_OK, MNL_CB_STOP or MNL_CB_ERROR (errno set). */
typedef int (*xfrm_reply_cb)(const struct nlmsghdr *nlh, void *arg);

/*
 * Sends req, wipes it, and reads replies through mnl_cb_run2 (seq and portid checked) until the
 * ACK, an error or NLMSG_DONE. Returns 0 or -errno; the kernel's ext-ack text lands in h->kmsg.
 */
int xfrm_req_run(struct xfrm_handle *h, struct xfrm_req *req, xfrm_reply_cb cb, void *arg);

/*
 * Sets h's message for a request op on an object ("SA", "policy") that failed with err and
 * returns err: what if given, else "<object> exists", "no such <object>", "request too large" or
 * "<op> failed: <strerror>"; the kernel's ext-ack text is appended.
 */
int xfrm_req_fail(struct xfrm_handle *h, int err, const char *op, const char *object,
		  const char *what);

/* Called by xfrm_dump for each entry: 0, or a -errno that ends the dump with it. */
typedef int (*xfrm_dump_cb)(const struct xfrm_event *ev, void *arg);

/*
 * Dumps a table (msg_type XFRM_MSG_GETSA or XFRM_MSG_GETPOLICY) and calls cb for each entry whose
 * parsed event has type want. Returns the number of entries, cb's first error, or -errno with
 * h's message "<what> failed: ...".
 */
int xfrm_dump(struct xfrm_handle *h, uint16_t msg_type, enum xfrm_event_type want, xfrm_dump_cb cb,
	      void *arg, const char *what);

/* Kernel struct <-> neutral struct conversions. */
void xfrm_addr_to_kernel(const struct xfrm_ipaddr *a, xfrm_address_t *k);
void xfrm_addr_from_kernel(uint16_t family, const xfrm_address_t *k, struct xfrm_ipaddr *a);
int xfrm_sel_to_kernel(const struct xfrm_sel *s, struct xfrm_selector *k);
void xfrm_mark_put(struct xfrm_req *req, uint32_t v, uint32_t m);

/*
 * Parses the payload of one XFRM message (after the nlmsghdr) into ev. Returns 1 if it is an event
 * type, 0 for a type that is none, -EBADMSG if malformed.
 */
int xfrm_parse_msg(uint16_t type, const uint8_t *payload, size_t len, struct xfrm_event *ev);
