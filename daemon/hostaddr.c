// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * This host's addresses through libnl-route: one RTM_GETADDR dump into an rtnl_addr cache, copied
 * into a plain array so that the cache and its socket live only for the read.
 */
#include "daemon/hostaddr.h"

#include <errno.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Appends the local address of one rtnl_addr (IFA_LOCAL, or IFA_ADDRESS for IPv6, which libnl
 * both report as "local") when it is IPv4 or IPv6. */
static void add_one(struct dmn_hostaddrs *h, size_t cap, struct rtnl_addr *ra)
{
	struct nl_addr *a = rtnl_addr_get_local(ra);
	if (!a || h->n >= cap)
		return;
	int family = nl_addr_get_family(a);
	unsigned len = nl_addr_get_len(a);
	if (!((family == AF_INET && len == 4) || (family == AF_INET6 && len == 16)))
		return;
	struct dmn_hostaddr *e = &h->v[h->n++];
	memset(e, 0, sizeof(*e));
	e->family = family;
	memcpy(e->bytes, nl_addr_get_binary_addr(a), len);
}

int dmn_hostaddrs_read(struct dmn_hostaddrs *ret, const char **ret_why)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	struct dmn_hostaddrs h = {0};
	int r = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;
	if (r == 0)
		r = rtnl_addr_alloc_cache(sk, &cache);
	if (r < 0) {
		nl_socket_free(sk);
		*ret_why = nl_geterror(r);
		return r == -NLE_NOMEM ? -ENOMEM : -EIO;
	}
	int n = nl_cache_nitems(cache);
	if (n > DMN_HOSTADDRS_MAX) {
		r = -E2BIG;
		*ret_why = "too many addresses";
	} else if (n > 0 && !(h.v = calloc((size_t)n, sizeof(*h.v)))) {
		r = -ENOMEM;
		*ret_why = "out of memory";
	}
	for (struct nl_object *o = nl_cache_get_first(cache); r == 0 && o; o = nl_cache_get_next(o))
		add_one(&h, (size_t)n, (struct rtnl_addr *)o);
	nl_cache_free(cache);
	nl_socket_free(sk);
	if (r < 0) {
		free(h.v);
		return r;
	}
	*ret = h;
	return 0;
}

bool dmn_hostaddrs_has(const struct dmn_addr *a, void *ctx)
{
	const struct dmn_hostaddrs *h = ctx;
	if (a->kind != DMN_ADDR_IP)
		return false;
	size_t len = a->family == AF_INET ? 4 : 16;
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].family == a->family && !memcmp(h->v[i].bytes, a->bytes, len))
			return true;
	return false;
}

void dmn_hostaddrs_clear(struct dmn_hostaddrs *h)
{
	if (!h)
		return;
	free(h->v);
	h->v = NULL;
	h->n = 0;
}
