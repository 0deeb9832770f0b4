// SPDX-License-Identifier: GPL-2.0-or-later
/* The fake kernel of the in-process daemon tests: see fake_kernel.h. */
#include "fake_kernel.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

void fk_init(struct fake_kernel *k, const char *name, uint32_t spi_base)
{
	memset(k, 0, sizeof(*k));
	k->name = name;
	k->next_spi = spi_base;
	k->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

void fk_fini(struct fake_kernel *k)
{
	if (k->evfd >= 0)
		close(k->evfd);
	k->evfd = -1;
}

static int fk_call(struct fake_kernel *k, enum fk_op op)
{
	k->calls[op]++;
	int r = k->fail[op];
	k->fail[op] = 0;
	if (r)
		snprintf(k->errmsg, sizeof(k->errmsg), "refused by the test kernel %s (%s)",
			 k->name, strerror(-r));
	return r;
}

static void fk_close(void *ctx)
{
	(void)ctx; /* the test owns its kernels */
}

static const char *fk_errmsg(void *ctx)
{
	struct fake_kernel *k = ctx;
	return k->errmsg;
}

static bool addr_eq(const struct xfrm_ipaddr *a, const struct xfrm_ipaddr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

static struct fk_sa *sa_slot(struct fake_kernel *k, const struct xfrm_ipaddr *dst, uint8_t proto,
			     uint32_t spi)
{
	for (unsigned i = 0; i < FK_MAX; i++) {
		struct fk_sa *s = &k->sas[i];
		if (s->used && s->sa.spi == spi && s->sa.proto == proto &&
		    (!dst || addr_eq(&s->sa.dst, dst)))
			return s;
	}
	return NULL;
}

static struct fk_sa *sa_free_slot(struct fake_kernel *k)
{
	for (unsigned i = 0; i < FK_MAX; i++)
		if (!k->sas[i].used)
			return &k->sas[i];
	return NULL;
}

static int fk_allocspi(void *ctx, const struct xfrm_ipaddr *src, const struct xfrm_ipaddr *dst,
		       uint8_t proto, uint32_t reqid, uint32_t *ret_spi)
{
	struct fake_kernel *k = ctx;
	int r = fk_call(k, FK_ALLOCSPI);
	struct fk_sa *s = r ? NULL : sa_free_slot(k);
	if (r || !s)
		return r ? r : -ENOSPC;
	uint32_t spi = proto == IPPROTO_COMP ? 0x100 + (k->next_spi++ & 0xfff) : k->next_spi++;
	*s = (struct fk_sa){.used = true, .larval = true};
	s->sa = (struct xfrm_sa){
		.src = *src, .dst = *dst, .spi = spi, .proto = proto, .reqid = reqid};
	*ret_spi = spi;
	return 0;
}

/* Keys are not kept: the pointers in sa would dangle. */
static void sa_store(struct fk_sa *s, const struct xfrm_sa *sa)
{
	*s = (struct fk_sa){.used = true};
	s->sa = *sa;
	s->sa.enc.key = s->sa.auth.key = s->sa.aead.key = s->sa.comp.key = NULL;
	s->sa.enc.alg = s->sa.auth.alg = s->sa.aead.alg = s->sa.comp.alg = NULL;
}

static int fk_sa_add(void *ctx, const struct xfrm_sa *sa)
{
	struct fake_kernel *k = ctx;
	int r = fk_call(k, FK_SA_ADD);
	if (r)
		return r;
	if (sa_slot(k, &sa->dst, sa->proto, sa->spi))
		return -EEXIST;
	struct fk_sa *s = sa_free_slot(k);
	if (!s)
		return -ENOSPC;
	sa_store(s, sa);
	return 0;
}

static int fk_sa_update(void *ctx, const struct xfrm_sa *sa)
{
	struct fake_kernel *k = ctx;
	int r = fk_call(k, FK_SA_UPDATE);
	if (r)
		return r;
	struct fk_sa *s = sa_slot(k, &sa->dst, sa->proto, sa->spi);
	if (!s)
		return -ENOENT;
	sa_store(s, sa);
	return 0;
}

static int fk_sa_del(void *ctx, const struct xfrm_sa_id *id)
{
	struct fake_kernel *k = ctx;
	int r = fk_call(k, FK_SA_DEL);
	if (r)
		return r;
	struct fk_sa *s = sa_slot(k, &id->dst, id->proto, id->spi);
	if (!s)
		return -ENOENT;
	s->used = false;
	return 0;
}

static int fk_sa_get(void *ctx, const struct xfrm_sa_id *id, struct xfrm_sa_info *ret_info)
{
	struct fake_kernel *k = ctx;
	struct fk_sa *s = sa_slot(k, &id->dst, id->proto, id->spi);
	if (!s)
		return -ENOENT;
	*ret_info = (struct xfrm_sa_info){.src = s->sa.src,
					  .dst = s->sa.dst,
					  .spi = s->sa.spi,
					  .proto = s->sa.proto,
					  .mode = s->sa.mode,
					  .reqid = s->sa.reqid,
					  .sel = s->sa.sel,
					  .lft = s->sa.lft,
					  .bytes = s->bytes,
					  .mark_v = s->sa.mark_v,
					  .mark_m = s->sa.mark_m,
					  .if_id = s->sa.if_id,
					  .encap = s->sa.encap,
					  .owned = true};
	return 0;
}

static bool sel_eq(const struct xfrm_sel *a, const struct xfrm_sel *b)
{
	return addr_eq(&a->src, &b->src) && addr_eq(&a->dst, &b->dst) && a->src_len == b->src_len &&
	       a->dst_len == b->dst_len && a->proto == b->proto && a->sport == b->sport &&
	       a->dport == b->dport;
}

static struct fk_pol *pol_slot(struct fake_kernel *k, const struct xfrm_policy *p)
{
	for (unsigned i = 0; i < FK_MAX; i++) {
		struct fk_pol *s = &k->pols[i];
		if (s->used && s->pol.dir == p->dir && s->pol.mark_v == p->mark_v &&
		    s->pol.mark_m == p->mark_m && s->pol.if_id == p->if_id &&
		    sel_eq(&s->pol.sel, &p->sel))
			return s;
	}
	return NULL;
}

static int fk_policy_update(void *ctx, const struct xfrm_policy *pol)
{
	struct fake_kernel *k = ctx;
	int r = fk_call(k, FK_POL_UPDATE);
	if (r)
		return r;
	struct fk_pol *s = pol_slot(k, pol);
	for (unsigned i = 0; !s && i < FK_MAX; i++)
		if (!k->pols[i].used)
			s = &k->pols[i];
	if (!s)
		return -ENOSPC;
	*s = (struct fk_pol){.used = true, .pol = *pol};
	return 0;
}

static int fk_policy_del(void *ctx, const struct xfrm_policy *pol)
{
	struct fake_kernel *k = ctx;
	int r = fk_call(k, FK_POL_DEL);
	if (r)
		return r;
	struct fk_pol *s = pol_slot(k, pol);
	if (!s)
		return -ENOENT;
	s->used = false;
	return 0;
}

static int fk_flush_owned(void *ctx)
{
	struct fake_kernel *k = ctx;
	int n = 0;
	for (unsigned i = 0; i < FK_MAX; i++) {
		n += k->sas[i].used + k->pols[i].used;
		k->sas[i].used = k->pols[i].used = false;
	}
	return n;
}

static int fk_events_recv(void *ctx, xfrm_event_cb cb, void *arg)
{
	struct fake_kernel *k = ctx;
	uint64_t v;
	if (read(k->evfd, &v, sizeof(v)) < 0 || !k->n_events)
		return -EAGAIN;
	unsigned n = k->n_events;
	struct xfrm_event evs[32];
	memcpy(evs, k->events, n * sizeof(evs[0]));
	k->n_events = 0;
	for (unsigned i = 0; i < n; i++) {
		int r = cb(&evs[i], arg);
		if (r < 0)
			return r;
	}
	return (int)n;
}

static int fk_events_open(void *ctx)
{
	struct fake_kernel *k = ctx;
	return k->evfd;
}

static void fk_events_close(void *ctx)
{
	(void)ctx;
}

static int fk_socket_bypass(void *ctx, int fd, int family)
{
	(void)ctx;
	(void)fd;
	(void)family;
	return 0;
}

static int fk_socket_udp_encap(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
	return 0;
}

const struct dmn_kernel_ops fk_ops = {
	.close = fk_close,
	.errmsg = fk_errmsg,
	.allocspi = fk_allocspi,
	.sa_add = fk_sa_add,
	.sa_update = fk_sa_update,
	.sa_del = fk_sa_del,
	.sa_get = fk_sa_get,
	.policy_update = fk_policy_update,
	.policy_del = fk_policy_del,
	.flush_owned = fk_flush_owned,
	.events_open = fk_events_open,
	.events_recv = fk_events_recv,
	.events_close = fk_events_close,
	.socket_bypass = fk_socket_bypass,
	.socket_udp_encap = fk_socket_udp_encap,
};

static void queue(struct fake_kernel *k, const struct xfrm_event *ev)
{
	if (k->n_events == sizeof(k->events) / sizeof(k->events[0]))
		return;
	k->events[k->n_events++] = *ev;
	uint64_t one = 1;
	if (write(k->evfd, &one, sizeof(one)) < 0)
		perror("eventfd");
}

void fk_expire(struct fake_kernel *k, uint32_t spi, bool hard)
{
	for (unsigned i = 0; i < FK_MAX; i++) {
		struct fk_sa *s = &k->sas[i];
		if (!s->used || s->larval || s->sa.spi != spi || s->sa.proto == IPPROTO_COMP)
			continue;
		struct xfrm_event ev = {.type = XFRM_EV_EXPIRE};
		struct xfrm_sa_id id = {.dst = s->sa.dst, .spi = spi, .proto = s->sa.proto};
		fk_sa_get(k, &id, &ev.expire.sa);
		ev.expire.hard = hard;
		if (hard)
			s->used = false;
		queue(k, &ev);
		return;
	}
}

void fk_acquire(struct fake_kernel *k, uint32_t reqid, const struct xfrm_sel *sel)
{
	struct xfrm_event ev = {.type = XFRM_EV_ACQUIRE};
	ev.acquire.sel = *sel;
	ev.acquire.tmpl.reqid = reqid;
	queue(k, &ev);
}

unsigned fk_n_sas(const struct fake_kernel *k, uint8_t proto)
{
	unsigned n = 0;
	for (unsigned i = 0; i < FK_MAX; i++)
		n += k->sas[i].used && !k->sas[i].larval && (!proto || k->sas[i].sa.proto == proto);
	return n;
}

unsigned fk_n_pols(const struct fake_kernel *k)
{
	unsigned n = 0;
	for (unsigned i = 0; i < FK_MAX; i++)
		n += k->pols[i].used;
	return n;
}

struct fk_sa *fk_find_sa(struct fake_kernel *k, uint8_t proto, uint32_t spi)
{
	return sa_slot(k, NULL, proto, spi);
}
