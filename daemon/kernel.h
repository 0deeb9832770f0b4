/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's one way into the kernel's IPsec tables: a small table of operations. The real
 * table (dmn_kernel_xfrm, daemon/kernel_xfrm.c) calls xfrm/; a test installs its own through
 * dmn_opts.kernel_ops (or by setting struct dmn's `kernel` before the glue runs) and so drives the
 * daemon glue in-process, recording calls and failing on request, without root or a namespace.
 *
 * Every operation takes the table's own context (struct dmn_kernel.ctx, made by open) and returns
 * 0 (or a count where said) or -errno; after a failure, errmsg tells why in words. The types are
 * xfrm/'s neutral ones (xfrm/xfrm.h): addresses as family + 16 bytes, ports and SPIs in host
 * order. No operation keeps a pointer it was given; keys passed in struct xfrm_sa stay the
 * caller's (to wipe).
 *
 * The glue calls the inline wrappers below (dmn_kernel_sa_add(&d->kernel, &sa), ...), never the
 * table's members directly.
 */
#pragma once

#include <stdint.h>

#include "xfrm/xfrm.h"

struct dmn_kernel_ops {
	/* Makes the table's context (the real one: opens the XFRM request socket). Called once by
	 * dmn_new(); close frees it (accepts NULL). */
	int (*open)(void **ret_ctx);
	void (*close)(void *ctx);
	/* Words for the last operation that failed ("kernel has no ESP support ..."); never NULL.
	 */
	const char *(*errmsg)(void *ctx);

	/* Allocates an SPI (ESP/AH) or a CPI (IPComp, 256..61439) for a larval inbound SA
	 * src -> dst with reqid: the kernel holds that SA until sa_update replaces it (or it
	 * expires). */
	int (*allocspi)(void *ctx, const struct xfrm_ipaddr *src, const struct xfrm_ipaddr *dst,
			uint8_t proto, uint32_t reqid, uint32_t *ret_spi);
	/* Installs a new SA (outbound, IPComp outbound): -EEXIST if (dst, spi, proto) exists. */
	int (*sa_add)(void *ctx, const struct xfrm_sa *sa);
	/* Replaces an SA: the larval one allocspi left (inbound), or an installed one whose
	 * encapsulation moved (NAT mapping; keys and counters stay the kernel's). */
	int (*sa_update)(void *ctx, const struct xfrm_sa *sa);
	/* Deletes an SA: -ENOENT if the kernel has none (expired, flushed by someone else). */
	int (*sa_del)(void *ctx, const struct xfrm_sa_id *id);
	/* Reads an SA's counters, times and lifetimes (never its keys). */
	int (*sa_get)(void *ctx, const struct xfrm_sa_id *id, struct xfrm_sa_info *ret_info);
	/* Adds a policy, or replaces the one with the same selector, direction, mark and if_id
	 * (a rekeyed child, a child taking over its conn's trap). */
	int (*policy_update)(void *ctx, const struct xfrm_policy *pol);
	/* Deletes a policy by selector, direction, mark and if_id: -ENOENT if none. */
	int (*policy_del)(void *ctx, const struct xfrm_policy *pol);
	/* Removes every SA and policy the daemon owns (XFRM_OWNER_TAG) and nothing else; returns
	 * how many, or -errno. */
	int (*flush_owned)(void *ctx);

	/* Kernel events (SA expiry, ACQUIRE, NAT mapping). events_open subscribes and returns a
	 * non-blocking descriptor to poll (or -errno: the daemon then follows lifetimes by the
	 * clock); when it is readable, events_recv hands each queued event to cb and returns their
	 * number, -EAGAIN when none was queued, -ENOBUFS when the kernel dropped some. events_close
	 * unsubscribes (harmless when not open). */
	int (*events_open)(void *ctx);
	int (*events_recv)(void *ctx, xfrm_event_cb cb, void *arg);
	void (*events_close)(void *ctx);

	/* Per-socket settings of the IKE sockets: bypass IPsec policies in and out, and (NAT-T
	 * port) decapsulate ESP in UDP (RFC 3948). */
	int (*socket_bypass)(void *ctx, int fd, int family);
	int (*socket_udp_encap)(void *ctx, int fd);
};

/* The table in force and its context (struct dmn.kernel). */
struct dmn_kernel {
	const struct dmn_kernel_ops *ops;
	void *ctx;
};

/* The real table: xfrm/ over NETLINK_XFRM (daemon/kernel_xfrm.c). */
extern const struct dmn_kernel_ops dmn_kernel_xfrm;

/* Opens k with ops (NULL: dmn_kernel_xfrm); 0 or -errno. dmn_kernel_close accepts a closed k. */
int dmn_kernel_open(struct dmn_kernel *k, const struct dmn_kernel_ops *ops);
void dmn_kernel_close(struct dmn_kernel *k);

static inline const char *dmn_kernel_errmsg(const struct dmn_kernel *k)
{
	return k->ops->errmsg(k->ctx);
}
static inline int dmn_kernel_allocspi(const struct dmn_kernel *k, const struct xfrm_ipaddr *src,
				      const struct xfrm_ipaddr *dst, uint8_t proto, uint32_t reqid,
				      uint32_t *ret_spi)
{
	return k->ops->allocspi(k->ctx, src, dst, proto, reqid, ret_spi);
}
static inline int dmn_kernel_sa_add(const struct dmn_kernel *k, const struct xfrm_sa *sa)
{
	return k->ops->sa_add(k->ctx, sa);
}
static inline int dmn_kernel_sa_update(const struct dmn_kernel *k, const struct xfrm_sa *sa)
{
	return k->ops->sa_update(k->ctx, sa);
}
static inline int dmn_kernel_sa_del(const struct dmn_kernel *k, const struct xfrm_sa_id *id)
{
	return k->ops->sa_del(k->ctx, id);
}
static inline int dmn_kernel_sa_get(const struct dmn_kernel *k, const struct xfrm_sa_id *id,
				    struct xfrm_sa_info *ret_info)
{
	return k->ops->sa_get(k->ctx, id, ret_info);
}
static inline int dmn_kernel_policy_update(const struct dmn_kernel *k,
					   const struct xfrm_policy *pol)
{
	return k->ops->policy_update(k->ctx, pol);
}
static inline int dmn_kernel_policy_del(const struct dmn_kernel *k, const struct xfrm_policy *pol)
{
	return k->ops->policy_del(k->ctx, pol);
}
static inline int dmn_kernel_flush_owned(const struct dmn_kernel *k)
{
	return k->ops->flush_owned(k->ctx);
}
static inline int dmn_kernel_events_open(const struct dmn_kernel *k)
{
	return k->ops->events_open(k->ctx);
}
static inline int dmn_kernel_events_recv(const struct dmn_kernel *k, xfrm_event_cb cb, void *arg)
{
	return k->ops->events_recv(k->ctx, cb, arg);
}
static inline void dmn_kernel_events_close(const struct dmn_kernel *k)
{
	if (k->ops)
		k->ops->events_close(k->ctx);
}
