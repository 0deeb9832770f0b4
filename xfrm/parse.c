// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pure parsing of XFRM netlink messages (events, dump entries, GETSA replies) into the neutral
 * structs of xfrm.h. Buffer in, structs out: no sockets, no allocation, no globals, so the
 * libFuzzer target tests/fuzz/fuzz_xfrm_events.c drives it directly. libmnl walks the messages
 * and attributes (mnl_nlmsg_ok, mnl_attr_parse_payload) and checks each attribute read here
 * against a per-type policy (mnl_attr_validate, mnl_attr_validate2); fixed headers and attribute
 * payloads are copied out after their length is checked, never used in place. libmnl reads the
 * netlink headers in place, so buf must be 4-byte aligned, as netlink buffers are.
 */
#include "xfrm/xfrm.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netlink.h>

#include "xfrm/internal.h"

/* Attributes a message may carry, gathered by one walk (the first valid one of each type wins). */
struct attrs {
	const struct nlattr *a[XFRMA_MAX + 1];
	unsigned n; /* attributes seen */
	size_t end; /* offset just past the last one seen (before its padding) */
	const uint8_t *base;
};

/* Bound on attributes per message; the kernel sends fewer than 20. */
#define XFRM_ATTRS_MAX 256

/*
 * What each attribute read here must hold, checked by libmnl before use; the others are skipped
 * unread. min: at least len bytes (a struct with a variable tail); otherwise exactly len. An
 * attribute that fails its check is ignored as if absent.
 */
static const struct {
	enum mnl_attr_data_type type;
	uint16_t len;
	bool min;
} attr_policy[XFRMA_MAX + 1] = {
	[XFRMA_MARK] = {MNL_TYPE_BINARY, sizeof(struct xfrm_mark), false},
	[XFRMA_IF_ID] = {MNL_TYPE_U32, 0, false},
	[XFRMA_ENCAP] = {MNL_TYPE_BINARY, sizeof(struct xfrm_encap_tmpl), false},
	[XFRMA_REPLAY_ESN_VAL] = {MNL_TYPE_BINARY, sizeof(struct xfrm_replay_state_esn), true},
	[XFRMA_SA] = {MNL_TYPE_BINARY, sizeof(struct xfrm_usersa_info), false},
	[XFRMA_POLICY] = {MNL_TYPE_BINARY, sizeof(struct xfrm_userpolicy_info), false},
	[XFRMA_TMPL] = {MNL_TYPE_BINARY, 0, true}, /* a whole number of xfrm_user_tmpl: readers */
};

static bool attr_valid(const struct nlattr *a, uint16_t type)
{
	if (attr_policy[type].min)
		return mnl_attr_validate(a, attr_policy[type].type) == 0 &&
		       mnl_attr_get_payload_len(a) >= attr_policy[type].len;
	return mnl_attr_validate2(a, attr_policy[type].type, attr_policy[type].len) == 0;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	uint16_t type = mnl_attr_get_type(a);
	if (++at->n > XFRM_ATTRS_MAX)
		return MNL_CB_ERROR;
	at->end = (size_t)((const uint8_t *)a - at->base) + a->nla_len;
	if (type <= XFRMA_MAX && !at->a[type] && attr_valid(a, type))
		at->a[type] = a;
	return MNL_CB_OK;
}

/*
 * Gathers the attributes of p (len bytes) through mnl_attr_parse_payload, which checks each
 * header against the bytes left. libmnl stops quietly at a header that does not fit; here the
 * attributes must cover the whole payload (only the last one's padding may be missing).
 */
static int walk_attrs(const uint8_t *p, size_t len, struct attrs *at)
{
	memset(at, 0, sizeof(*at));
	at->base = p;
	if (len == 0)
		return 0;
	if (mnl_attr_parse_payload(p, len, attr_cb, at) != MNL_CB_OK || len > MNL_ALIGN(at->end))
		return -EBADMSG;
	return 0;
}

/* Copies the payload of an attribute that passed its policy; false if absent. */
static bool attr_get(const struct attrs *at, int type, void *dst, size_t n)
{
	if (!at->a[type])
		return false;
	memcpy(dst, mnl_attr_get_payload(at->a[type]), n);
	return true;
}

void xfrm_addr_from_kernel(uint16_t family, const xfrm_address_t *k, struct xfrm_ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->bytes, k, 4);
	} else if (family == AF_INET6) {
		a->family = AF_INET6;
		memcpy(a->bytes, k, 16);
	}
}

static void sel_from_kernel(const struct xfrm_selector *k, struct xfrm_sel *s)
{
	memset(s, 0, sizeof(*s));
	xfrm_addr_from_kernel(k->family, &k->saddr, &s->src);
	xfrm_addr_from_kernel(k->family, &k->daddr, &s->dst);
	s->src_len = k->prefixlen_s;
	s->dst_len = k->prefixlen_d;
	s->proto = k->proto;
	s->sport = ntohs(k->sport & k->sport_mask);
	s->dport = ntohs(k->dport & k->dport_mask);
	s->user = k->user;
}

static uint64_t lft_from_kernel(uint64_t v)
{
	return v == XFRM_INF ? 0 : v;
}

static void lft_conv(const struct xfrm_lifetime_cfg *k, struct xfrm_lifetime *l)
{
	l->soft_bytes = lft_from_kernel(k->soft_byte_limit);
	l->hard_bytes = lft_from_kernel(k->hard_byte_limit);
	l->soft_packets = lft_from_kernel(k->soft_packet_limit);
	l->hard_packets = lft_from_kernel(k->hard_packet_limit);
	l->soft_secs = lft_from_kernel(k->soft_add_expires_seconds);
	l->hard_secs = lft_from_kernel(k->hard_add_expires_seconds);
	l->soft_use_secs = lft_from_kernel(k->soft_use_expires_seconds);
	l->hard_use_secs = lft_from_kernel(k->hard_use_expires_seconds);
}

/* Attributes common to SAs: mark, if_id, encapsulation, ESN replay window. */
static void sa_attrs(const struct attrs *at, struct xfrm_sa_info *sa)
{
	struct xfrm_mark mark;
	struct xfrm_encap_tmpl encap;
	struct xfrm_replay_state_esn esn;
	uint32_t if_id;
	if (attr_get(at, XFRMA_MARK, &mark, sizeof(mark))) {
		sa->mark_v = mark.v;
		sa->mark_m = mark.m;
	}
	if (attr_get(at, XFRMA_IF_ID, &if_id, sizeof(if_id)))
		sa->if_id = if_id;
	if (attr_get(at, XFRMA_ENCAP, &encap, sizeof(encap))) {
		sa->encap = true;
		sa->encap_sport = ntohs(encap.encap_sport);
		sa->encap_dport = ntohs(encap.encap_dport);
	}
	if (attr_get(at, XFRMA_REPLAY_ESN_VAL, &esn, sizeof(esn)))
		sa->replay_window = esn.replay_window;
}

static void sa_from_kernel(const struct xfrm_usersa_info *k, struct xfrm_sa_info *sa)
{
	memset(sa, 0, sizeof(*sa));
	xfrm_addr_from_kernel(k->family, &k->saddr, &sa->src);
	xfrm_addr_from_kernel(k->family, &k->id.daddr, &sa->dst);
	sa->spi = ntohl(k->id.spi);
	sa->proto = k->id.proto;
	sa->mode = k->mode;
	sa->flags = k->flags;
	sa->reqid = k->reqid;
	sel_from_kernel(&k->sel, &sa->sel);
	lft_conv(&k->lft, &sa->lft);
	sa->bytes = k->curlft.bytes;
	sa->packets = k->curlft.packets;
	sa->add_time = k->curlft.add_time;
	sa->use_time = k->curlft.use_time;
	sa->replay_window = k->replay_window;
	sa->owned = k->sel.user == XFRM_OWNER_TAG ||
		    (k->reqid >= XFRM_REQID_MIN && k->reqid <= XFRM_REQID_MAX);
}

static void tmpl_from_kernel(const struct xfrm_user_tmpl *k, struct xfrm_tmpl *t)
{
	memset(t, 0, sizeof(*t));
	if (k->mode == XFRM_MODE_TUNNEL) {
		xfrm_addr_from_kernel(k->family, &k->saddr, &t->src);
		xfrm_addr_from_kernel(k->family, &k->id.daddr, &t->dst);
	}
	t->proto = k->id.proto;
	t->mode = k->mode;
	t->reqid = k->reqid;
	t->spi = ntohl(k->id.spi);
	t->optional = k->optional != 0;
}

/* The number of templates in an XFRMA_TMPL attribute, or SIZE_MAX if not a whole number. */
static size_t tmpl_count(const struct nlattr *a)
{
	size_t len = mnl_attr_get_payload_len(a);
	return len % sizeof(struct xfrm_user_tmpl) ? SIZE_MAX : len / sizeof(struct xfrm_user_tmpl);
}

/* Policy attributes: templates (a whole number of them), mark, if_id. */
static int policy_attrs(const struct attrs *at, struct xfrm_policy *pol)
{
	struct xfrm_mark mark;
	uint32_t if_id;
	if (attr_get(at, XFRMA_MARK, &mark, sizeof(mark))) {
		pol->mark_v = mark.v;
		pol->mark_m = mark.m;
	}
	if (attr_get(at, XFRMA_IF_ID, &if_id, sizeof(if_id)))
		pol->if_id = if_id;
	if (at->a[XFRMA_TMPL]) {
		const uint8_t *p = mnl_attr_get_payload(at->a[XFRMA_TMPL]);
		size_t n = tmpl_count(at->a[XFRMA_TMPL]);
		if (n == SIZE_MAX)
			return -EBADMSG;
		for (size_t i = 0; i < n && pol->n_tmpls < XFRM_TMPL_MAX; i++) {
			struct xfrm_user_tmpl k;
			memcpy(&k, p + i * sizeof(k), sizeof(k));
			tmpl_from_kernel(&k, &pol->tmpls[pol->n_tmpls++]);
		}
	}
	return 0;
}

static void policy_from_kernel(const struct xfrm_userpolicy_info *k, struct xfrm_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	sel_from_kernel(&k->sel, &pol->sel);
	pol->dir = k->dir;
	pol->action = k->action;
	pol->priority = k->priority;
	pol->index = k->index;
	pol->owned = k->sel.user == XFRM_OWNER_TAG;
}

/* A message's payload: len bytes at p. */
struct msg {
	const uint8_t *p;
	size_t len;
};

/* Copies a fixed header of n bytes out of m, then gathers the attributes after its aligned end
 * (that padding may be missing when nothing follows). */
static int fixed_and_attrs(const struct msg *m, void *fixed, size_t n, struct attrs *at)
{
	if (m->len < n)
		return -EBADMSG;
	memcpy(fixed, m->p, n);
	size_t off = NLMSG_ALIGN(n) < m->len ? NLMSG_ALIGN(n) : m->len;
	return walk_attrs(m->p + off, m->len - off, at);
}

static int parse_sa_msg(const struct msg *m, struct xfrm_sa_info *sa)
{
	struct xfrm_usersa_info k;
	struct attrs at;
	if (fixed_and_attrs(m, &k, sizeof(k), &at) < 0)
		return -EBADMSG;
	sa_from_kernel(&k, sa);
	sa_attrs(&at, sa);
	return 1;
}

/* XFRM_MSG_DELSA: struct xfrm_usersa_id, the whole SA in XFRMA_SA when the kernel has it. */
static int parse_delsa(const struct msg *m, struct xfrm_sa_info *sa)
{
	struct xfrm_usersa_id id;
	struct attrs at;
	struct xfrm_usersa_info k;
	if (fixed_and_attrs(m, &id, sizeof(id), &at) < 0)
		return -EBADMSG;
	if (attr_get(&at, XFRMA_SA, &k, sizeof(k))) {
		sa_from_kernel(&k, sa);
	} else {
		memset(sa, 0, sizeof(*sa));
		xfrm_addr_from_kernel(id.family, &id.daddr, &sa->dst);
		sa->spi = ntohl(id.spi);
		sa->proto = id.proto;
	}
	sa_attrs(&at, sa);
	return 1;
}

static int parse_policy_msg(const struct msg *m, struct xfrm_policy *pol)
{
	struct xfrm_userpolicy_info k;
	struct attrs at;
	if (fixed_and_attrs(m, &k, sizeof(k), &at) < 0)
		return -EBADMSG;
	policy_from_kernel(&k, pol);
	return policy_attrs(&at, pol) < 0 ? -EBADMSG : 1;
}

/* XFRM_MSG_DELPOLICY: struct xfrm_userpolicy_id, the whole policy in XFRMA_POLICY. */
static int parse_delpolicy(const struct msg *m, struct xfrm_policy *pol)
{
	struct xfrm_userpolicy_id id;
	struct xfrm_userpolicy_info k;
	struct attrs at;
	if (fixed_and_attrs(m, &id, sizeof(id), &at) < 0)
		return -EBADMSG;
	if (attr_get(&at, XFRMA_POLICY, &k, sizeof(k))) {
		policy_from_kernel(&k, pol);
	} else {
		memset(pol, 0, sizeof(*pol));
		sel_from_kernel(&id.sel, &pol->sel);
		pol->dir = id.dir;
		pol->index = id.index;
		pol->owned = id.sel.user == XFRM_OWNER_TAG;
	}
	return policy_attrs(&at, pol) < 0 ? -EBADMSG : 1;
}

/*
 * XFRM_MSG_ACQUIRE: struct xfrm_user_acquire, then the policy's templates in XFRMA_TMPL. The outer
 * addresses (id.daddr, saddr) have the family of the template being acquired, which differs from
 * the selector's in a mixed-family tunnel: take it from the template whose protocol matches.
 */
static int parse_acquire(const struct msg *m, struct xfrm_event *ev)
{
	struct xfrm_user_acquire k;
	struct attrs at;
	if (fixed_and_attrs(m, &k, sizeof(k), &at) < 0)
		return -EBADMSG;
	uint16_t family = k.sel.family;
	sel_from_kernel(&k.sel, &ev->acquire.sel);
	ev->acquire.tmpl.proto = k.id.proto;
	if (at.a[XFRMA_TMPL]) {
		const uint8_t *p = mnl_attr_get_payload(at.a[XFRMA_TMPL]);
		size_t n = tmpl_count(at.a[XFRMA_TMPL]);
		if (n == 0 || n == SIZE_MAX)
			return -EBADMSG;
		for (size_t i = 0; i < n && i < XFRM_TMPL_MAX; i++) {
			struct xfrm_user_tmpl u;
			memcpy(&u, p + i * sizeof(u), sizeof(u));
			if (i == 0 || u.id.proto == k.id.proto) {
				tmpl_from_kernel(&u, &ev->acquire.tmpl);
				family = u.family;
			}
			if (u.id.proto == k.id.proto)
				break;
		}
	}
	xfrm_addr_from_kernel(family, &k.saddr, &ev->acquire.src);
	xfrm_addr_from_kernel(family, &k.id.daddr, &ev->acquire.dst);
	ev->acquire.policy_index = k.policy.index;
	ev->acquire.policy_dir = k.policy.dir;
	ev->acquire.seq = k.seq;
	return 1;
}

static int parse_expire(const struct msg *m, struct xfrm_event *ev)
{
	struct xfrm_user_expire k;
	struct attrs at;
	if (fixed_and_attrs(m, &k, sizeof(k), &at) < 0)
		return -EBADMSG;
	sa_from_kernel(&k.state, &ev->expire.sa);
	sa_attrs(&at, &ev->expire.sa);
	ev->expire.hard = k.hard != 0;
	return 1;
}

static int parse_polexpire(const struct msg *m, struct xfrm_event *ev)
{
	struct xfrm_user_polexpire k;
	struct attrs at;
	if (fixed_and_attrs(m, &k, sizeof(k), &at) < 0)
		return -EBADMSG;
	policy_from_kernel(&k.pol, &ev->policy.pol);
	ev->policy.hard = k.hard != 0;
	return policy_attrs(&at, &ev->policy.pol) < 0 ? -EBADMSG : 1;
}

static int parse_mapping(const struct msg *m, struct xfrm_event *ev)
{
	struct xfrm_user_mapping k;
	if (m->len < sizeof(k))
		return -EBADMSG;
	memcpy(&k, m->p, sizeof(k));
	xfrm_addr_from_kernel(k.id.family, &k.id.daddr, &ev->mapping.id.dst);
	ev->mapping.id.spi = ntohl(k.id.spi);
	ev->mapping.id.proto = k.id.proto;
	xfrm_addr_from_kernel(k.id.family, &k.old_saddr, &ev->mapping.old_addr);
	xfrm_addr_from_kernel(k.id.family, &k.new_saddr, &ev->mapping.new_addr);
	ev->mapping.old_port = ntohs(k.old_sport);
	ev->mapping.new_port = ntohs(k.new_sport);
	ev->mapping.reqid = k.reqid;
	return 1;
}

int xfrm_parse_msg(uint16_t type, const uint8_t *payload, size_t len, struct xfrm_event *ev)
{
	struct msg c = {payload, len};
	memset(ev, 0, sizeof(*ev));
	switch (type) {
	case XFRM_MSG_ACQUIRE:
		ev->type = XFRM_EV_ACQUIRE;
		return parse_acquire(&c, ev);
	case XFRM_MSG_EXPIRE:
		ev->type = XFRM_EV_EXPIRE;
		return parse_expire(&c, ev);
	case XFRM_MSG_NEWSA:
		ev->type = XFRM_EV_SA_ADD;
		return parse_sa_msg(&c, &ev->sa);
	case XFRM_MSG_UPDSA:
		ev->type = XFRM_EV_SA_UPDATE;
		return parse_sa_msg(&c, &ev->sa);
	case XFRM_MSG_DELSA:
		ev->type = XFRM_EV_SA_DEL;
		return parse_delsa(&c, &ev->sa);
	case XFRM_MSG_FLUSHSA:
		ev->type = XFRM_EV_SA_FLUSH;
		if (len < 1)
			return -EBADMSG;
		ev->flush_proto = payload[0];
		return 1;
	case XFRM_MSG_NEWPOLICY:
		ev->type = XFRM_EV_POLICY_ADD;
		return parse_policy_msg(&c, &ev->policy.pol);
	case XFRM_MSG_UPDPOLICY:
		ev->type = XFRM_EV_POLICY_UPDATE;
		return parse_policy_msg(&c, &ev->policy.pol);
	case XFRM_MSG_DELPOLICY:
		ev->type = XFRM_EV_POLICY_DEL;
		return parse_delpolicy(&c, &ev->policy.pol);
	case XFRM_MSG_POLEXPIRE:
		ev->type = XFRM_EV_POLICY_EXPIRE;
		return parse_polexpire(&c, ev);
	case XFRM_MSG_FLUSHPOLICY:
		ev->type = XFRM_EV_POLICY_FLUSH;
		return 1;
	case XFRM_MSG_MAPPING:
		ev->type = XFRM_EV_MAPPING;
		return parse_mapping(&c, ev);
	default:
		return 0;
	}
}

/* Bound on messages per buffer: 64 KiB of 16-byte headers. */
#define XFRM_MSGS_MAX 4096

int xfrm_events_parse(const uint8_t *buf, size_t len, xfrm_event_cb cb, void *arg)
{
	if (len > INT32_MAX)
		return -EBADMSG;
	int left = (int)len, count = 0;
	unsigned i = 0;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	/* mnl_nlmsg_ok checks each header against the bytes left; it stops quietly at one that
	 * does not fit, so whatever is left after the walk (beyond a last message's missing
	 * padding) is a malformed buffer. Its length check casts nlmsg_len to int, so a length of
	 * 2^31 or more would pass it: compared again unsigned here. */
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (++i > XFRM_MSGS_MAX || nlh->nlmsg_len > (uint32_t)left)
			return -EBADMSG;
		struct xfrm_event ev;
		int r = xfrm_parse_msg(nlh->nlmsg_type, mnl_nlmsg_get_payload(nlh),
				       mnl_nlmsg_get_payload_len(nlh), &ev);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		r = cb(&ev, arg);
		if (r < 0)
			return r;
		if (count < INT32_MAX)
			count++;
	}
	return left > 0 ? -EBADMSG : count;
}
