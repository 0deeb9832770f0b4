// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Trap policies by hand: `ipsec route NAME` / `ipsec unroute NAME` (VICI install / uninstall).
 * The conn's handle remembers the override, so that a tunnel of the conn that goes down leaves
 * the traps (routed) or takes its policies with it (unrouted), and a reload that changes or
 * removes the conn removes the traps it had.
 */
#include "daemon/ike_glue_int.h"

#include <errno.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/log.h"

bool dmn_ike_conn_trapped(const struct dmn *d, const struct dmn_conn *c)
{
	if (!c)
		return false;
	const struct dmn_conn_handle *h = d->ike ? dmn_ike_handle_by_name(d->ike, c->name) : NULL;
	if (h && h->route_override)
		return h->route_override > 0;
	return dmn_ike_conn_routed(c);
}

/* Whether a child of conn name has its policies in the kernel (they double as the traps). */
static bool has_live_policies(const struct dmn *d, const char *name)
{
	for (const struct dmn_child *ch = dmn_ike_children(d); ch; ch = dmn_ike_child_next(ch))
		if (ch->policies && strcmp(ch->conn, name) == 0)
			return true;
	return false;
}

int dmn_ike_route(struct dmn *d, const char *name, bool add)
{
	size_t i = 0;
	while (d->config && i < d->config->n_conns && strcmp(d->config->conns[i]->name, name) != 0)
		i++;
	if (!d->config || i == d->config->n_conns)
		return -ENOENT;
	const struct dmn_conn *c = d->config->conns[i];
	if (dmn_ike_conn_trapped(d, c) == add)
		return -EALREADY;
	if (!dmn_ike_conn_handle(d, i))
		return -ENOMEM;
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(d->ike, name);
	int r = 0;
	/* a live tunnel's policies are the traps already (route), or go with its SAs (unroute) */
	if (!has_live_policies(d, name))
		r = dmn_ike_conn_trap(d, i, add, NULL);
	if (r < 0 && add)
		(void)dmn_ike_conn_trap(d, i, false, NULL); /* the selectors that did go in */
	if (r == 0 || !add) {
		h->route_override = add ? 1 : -1;
		log_notice("%s: %s by hand", name, add ? "routed" : "unrouted");
	}
	return r;
}
