// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Policies: XFRM_MSG_NEWPOLICY, UPDPOLICY, DELPOLICY, the policy dump, and xfrm_flush_owned().
 */
#include "xfrm/xfrm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netlink.h>

#include "xfrm/internal.h"

static int policy_fail(struct xfrm_handle *h, int err, const char *op)
{
	return xfrm_req_fail(h, err, op, "policy", NULL);
}

static int tmpl_fill(const struct xfrm_tmpl *t, uint8_t sel_family, struct xfrm_user_tmpl *k)
{
	memset(k, 0, sizeof(*k));
	if (t->mode == XFRM_MODE_TUNNEL) {
		if (!t->src.family || t->src.family != t->dst.family)
			return -EINVAL;
		xfrm_addr_to_kernel(&t->dst, &k->id.daddr);
		xfrm_addr_to_kernel(&t->src, &k->saddr);
		k->family = t->src.family;
	} else {
		k->family = sel_family;
	}
	k->id.spi = htonl(t->spi);
	k->id.proto = t->proto;
	k->reqid = t->reqid;
	k->mode = t->mode;
	k->optional = t->optional ? 1 : 0;
	k->aalgos = k->ealgos = k->calgos = ~0u;
	return 0;
}

static int policy_send(struct xfrm_handle *h, const struct xfrm_policy *pol, uint16_t type)
{
	const char *op = type == XFRM_MSG_NEWPOLICY ? "policy add" : "policy update";
	struct xfrm_req req;
	xfrm_req_start(h, &req, type, type == XFRM_MSG_NEWPOLICY ? NLM_F_CREATE | NLM_F_EXCL : 0);
	struct xfrm_userpolicy_info *k = xfrm_req_extra(&req, sizeof(*k));
	if (!k || pol->n_tmpls > XFRM_TMPL_MAX || xfrm_sel_to_kernel(&pol->sel, &k->sel) < 0)
		return xfrm_fail(h, -EINVAL, "%s: invalid selector", op);
	k->lft.soft_byte_limit = k->lft.hard_byte_limit = XFRM_INF;
	k->lft.soft_packet_limit = k->lft.hard_packet_limit = XFRM_INF;
	k->priority = pol->priority;
	k->dir = pol->dir;
	k->action = pol->action;
	if (pol->n_tmpls) {
		struct xfrm_user_tmpl t[XFRM_TMPL_MAX];
		for (size_t i = 0; i < pol->n_tmpls; i++)
			if (tmpl_fill(&pol->tmpls[i], k->sel.family, &t[i]) < 0)
				return xfrm_fail(h, -EINVAL, "%s: invalid template %zu", op, i);
		xfrm_req_put(&req, XFRMA_TMPL, pol->n_tmpls * sizeof(t[0]), t);
	}
	if (pol->mark_v || pol->mark_m)
		xfrm_mark_put(&req, pol->mark_v, pol->mark_m);
	if (pol->if_id)
		xfrm_req_put(&req, XFRMA_IF_ID, sizeof(pol->if_id), &pol->if_id);
	int r = xfrm_req_run(h, &req, NULL, NULL);
	return r < 0 ? policy_fail(h, r, op) : 0;
}

int xfrm_policy_add(struct xfrm_handle *h, const struct xfrm_policy *pol)
{
	return policy_send(h, pol, XFRM_MSG_NEWPOLICY);
}

int xfrm_policy_update(struct xfrm_handle *h, const struct xfrm_policy *pol)
{
	return policy_send(h, pol, XFRM_MSG_UPDPOLICY);
}

int xfrm_policy_del(struct xfrm_handle *h, const struct xfrm_policy *pol)
{
	struct xfrm_req req;
	xfrm_req_start(h, &req, XFRM_MSG_DELPOLICY, 0);
	struct xfrm_userpolicy_id *k = xfrm_req_extra(&req, sizeof(*k));
	if (!k)
		return xfrm_fail(h, -EMSGSIZE, "policy delete: request too large");
	if (pol->index) {
		k->index = pol->index;
	} else if (xfrm_sel_to_kernel(&pol->sel, &k->sel) < 0) {
		return xfrm_fail(h, -EINVAL, "policy delete: invalid selector");
	}
	k->dir = pol->dir;
	if (pol->mark_v || pol->mark_m)
		xfrm_mark_put(&req, pol->mark_v, pol->mark_m);
	if (pol->if_id)
		xfrm_req_put(&req, XFRMA_IF_ID, sizeof(pol->if_id), &pol->if_id);
	int r = xfrm_req_run(h, &req, NULL, NULL);
	return r < 0 ? policy_fail(h, r, "policy delete") : 0;
}

struct pol_dump_arg {
	int (*cb)(const struct xfrm_policy *pol, void *arg);
	void *arg;
};

static int pol_dump_one(const struct xfrm_event *ev, void *arg)
{
	const struct pol_dump_arg *a = arg;
	return a->cb ? a->cb(&ev->policy.pol, a->arg) : 0;
}

int xfrm_policy_dump(struct xfrm_handle *h, int (*cb)(const struct xfrm_policy *pol, void *arg),
		     void *arg)
{
	struct pol_dump_arg a = {cb, arg};
	return xfrm_dump(h, XFRM_MSG_GETPOLICY, XFRM_EV_POLICY_ADD, pol_dump_one, &a,
			 "policy dump");
}

/* A growing array of what xfrm_flush_owned() will delete once the dump is over. */
struct owned_list {
	void *items;
	size_t n, cap, size;
};

static int owned_push(struct owned_list *l, const void *item)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		if (cap > XFRM_FLUSH_MAX)
			return -E2BIG;
		void *p = realloc(l->items, cap * l->size);
		if (!p)
			return -ENOMEM;
		l->items = p;
		l->cap = cap;
	}
	memcpy((uint8_t *)l->items + l->n * l->size, item, l->size);
	l->n++;
	return 0;
}

static int collect_sa(const struct xfrm_sa_info *sa, void *arg)
{
	if (!sa->owned)
		return 0;
	struct xfrm_sa_id id = {.src = sa->src,
				.dst = sa->dst,
				.spi = sa->spi,
				.proto = sa->proto,
				.mark_v = sa->mark_v,
				.mark_m = sa->mark_m};
	return owned_push(arg, &id);
}

static int collect_policy(const struct xfrm_policy *pol, void *arg)
{
	return pol->owned ? owned_push(arg, pol) : 0;
}

int xfrm_flush_owned(struct xfrm_handle *h)
{
	struct owned_list sas = {.size = sizeof(struct xfrm_sa_id)};
	struct owned_list pols = {.size = sizeof(struct xfrm_policy)};
	int removed = 0;
	int r = xfrm_policy_dump(h, collect_policy, &pols);
	for (size_t i = 0; r >= 0 && i < pols.n; i++) {
		struct xfrm_policy *p = (struct xfrm_policy *)pols.items + i;
		r = xfrm_policy_del(h, p); /* by index, dir, mark and if_id */
		if (r == -ENOENT)
			r = 0; /* gone meanwhile */
		else if (r == 0)
			removed++;
	}
	if (r >= 0)
		r = xfrm_sa_dump(h, collect_sa, &sas);
	for (size_t i = 0; r >= 0 && i < sas.n; i++) {
		r = xfrm_sa_del(h, (struct xfrm_sa_id *)sas.items + i);
		if (r == -ESRCH || r == -ENOENT)
			r = 0;
		else if (r == 0)
			removed++;
	}
	free(sas.items);
	free(pols.items);
	if (r == -E2BIG || r == -ENOMEM)
		return xfrm_fail(h, r, "flush: too many entries (%s)", strerror(-r));
	return r < 0 ? r : removed;
}
