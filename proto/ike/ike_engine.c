// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine object, ISAKMP SAs (lookup by cookies, half-open caps, responder cookies) and the
 * action queue. The input path is in ike_input.c; the table dispatcher, timers and DH jobs are in
 * ike_dispatch.c.
 */
#include "proto/ike/engine.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/ike/engine_int.h"

#define IKE_X_STATE_NAME(s) #s,
static const char *const state_names[] = {IKE_STATES(IKE_X_STATE_NAME)};

const char *proto_ike_state_name(enum ike_state s)
{
	return (unsigned)s < S__MAX ? state_names[s] + 2 : "?";
}

#define IKE_X_REASON_STR(sym, text) text,
static const char *const reason_names[] = {PROTO_IKE_REASONS(IKE_X_REASON_STR)};

const char *proto_ike_reason_str(enum proto_ike_reason r)
{
	return (unsigned)r < PROTO_IKE_REASON__MAX ? reason_names[r] : "?";
}

uint64_t proto_ike_now(struct proto_ike_engine *e)
{
	return e->env.now_ms ? e->env.now_ms(e->env.ctx) : 0;
}

void proto_ike_random(struct proto_ike_engine *e, uint8_t *buf, size_t n)
{
	e->env.random(e->env.ctx, buf, n);
}

void proto_ike_log(struct proto_ike_engine *e, enum proto_log_level l, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	if (!e->env.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	e->env.log(e->env.ctx, l, "%s", line);
}

/* ---- action queue ---- */

struct proto_ike_action *proto_ike_q_push(struct proto_ike_engine *e)
{
	if (e->q.n >= PROTO_IKE_ACTIONS_MAX) {
		e->st.drop_actions++;
		return NULL;
	}
	struct proto_ike_action *a = &e->q.v[(e->q.head + e->q.n) % PROTO_IKE_ACTIONS_MAX];
	e->q.n++;
	memset(a, 0, sizeof(*a));
	return a;
}

bool proto_ike_next_action(struct proto_ike_engine *e, struct proto_ike_action *ret)
{
	if (!e || e->q.n == 0)
		return false;
	*ret = e->q.v[e->q.head];
	e->q.head = (e->q.head + 1) % PROTO_IKE_ACTIONS_MAX;
	e->q.n--;
	return true;
}

void proto_ike_action_release(struct proto_ike_action *a)
{
	if (!a)
		return;
	free(a->data);
	a->data = NULL;
	if (a->event) {
		explicit_bzero(a->event, sizeof(*a->event));
		free(a->event);
		a->event = NULL;
	}
}

/* A message to the peer: in fragments if ike_frag.c says so, else whole. */
void proto_ike_push_send(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	if (!proto_ike_frag_send(sa, buf, len))
		proto_ike_push_datagram(sa, buf, len);
}

void proto_ike_push_datagram(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct proto_ike_action *a;
	uint8_t *copy = malloc(len);
	if (!copy || !(a = proto_ike_q_push(sa->e))) {
		free(copy);
		return;
	}
	memcpy(copy, buf, len);
	a->type = PROTO_IKE_ACT_SEND;
	a->sa_id = sa->id;
	a->data = copy;
	a->len = len;
	a->src = sa->local;
	a->dst = sa->peer;
	a->natt = sa->natt;
	a->unproven = !sa->initiator && !sa->proven;
	sa->e->st.tx++;
}

struct proto_ike_event *proto_ike_event_new(struct ike_sa *sa, enum proto_ike_event_type t)
{
	struct proto_ike_event *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return NULL;
	ev->type = t;
	ev->sa_id = sa->id;
	ev->conn_handle = sa->conn->handle;
	ev->reqid = sa->conn->reqid;
	ev->initiator = sa->initiator;
	ev->local = sa->local;
	ev->peer = sa->peer;
	return ev;
}

void proto_ike_push_event(struct proto_ike_engine *e, struct proto_ike_event *ev)
{
	struct proto_ike_action *a;
	if (!ev)
		return;
	if (!(a = proto_ike_q_push(e))) {
		explicit_bzero(ev, sizeof(*ev));
		free(ev);
		return;
	}
	a->type = PROTO_IKE_ACT_EVENT;
	a->sa_id = ev->sa_id;
	a->event = ev;
}

/* ---- engine ---- */

struct proto_ike_engine *proto_ike_engine_new(const struct proto_env *env,
					      const struct proto_ike_policy *policy)
{
	if (!env || !env->random || !policy || policy->sas_max > PROTO_IKE_SAS_LIMIT)
		return NULL;
	struct proto_ike_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->q.v = calloc(PROTO_IKE_ACTIONS_MAX, sizeof(*e->q.v));
	e->n_buckets = IKE_SA_BUCKETS;
	e->ck = calloc(e->n_buckets, sizeof(*e->ck));
	e->ids = calloc(e->n_buckets, sizeof(*e->ids));
	if (!e->q.v || !e->ck || !e->ids) {
		free(e->q.v);
		free(e->ck);
		free(e->ids);
		free(e);
		return NULL;
	}
	e->env = *env;
	e->pol = *policy;
	if (!e->pol.sas_max)
		e->pol.sas_max = PROTO_IKE_SAS_DEFAULT;
	e->next_id = 1;
	e->natt_port = PROTO_IKE_NATT_PORT;
	proto_ike_random(e, e->secret, sizeof(e->secret));
	memcpy(e->old_secret, e->secret, sizeof(e->secret));
	proto_ike_random(e, (uint8_t *)e->hkey, sizeof(e->hkey));
	e->hkey[1] |= 1; /* an odd multiplier */
	return e;
}

void proto_ike_engine_free(struct proto_ike_engine *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->n_buckets; i++)
		while (e->ck[i])
			proto_ike_sa_free(e->ck[i]);
	struct proto_ike_action a;
	while (proto_ike_next_action(e, &a)) {
		if (a.type == PROTO_IKE_ACT_DH)
			proto_ike_dh_free(a.job);
		proto_ike_action_release(&a);
	}
	free(e->q.v);
	proto_ike_frag_free(e);
	proto_ike_conn_table_free(e);
	free(e->ck);
	free(e->ids);
	explicit_bzero(e, sizeof(*e));
	free(e);
}

void proto_ike_rotate_secret(struct proto_ike_engine *e)
{
	memcpy(e->old_secret, e->secret, sizeof(e->secret));
	proto_ike_random(e, e->secret, sizeof(e->secret));
}

void proto_ike_get_stats(const struct proto_ike_engine *e, struct proto_ike_stats *ret)
{
	*ret = e->st;
}

void proto_ike_set_natt_port(struct proto_ike_engine *e, uint16_t port)
{
	e->natt_port = port ? port : PROTO_IKE_NATT_PORT;
}

int proto_ike_set_sas_max(struct proto_ike_engine *e, unsigned sas_max)
{
	if (sas_max > PROTO_IKE_SAS_LIMIT)
		return -EINVAL;
	e->pol.sas_max = sas_max ? sas_max : PROTO_IKE_SAS_DEFAULT;
	return 0;
}

/* ---- SAs ---- */

/* A keyed multiplicative hash of 8 bytes: peers choose initiator cookies and addresses, so the
 * bucket must not be predictable from them alone. Not a MAC; a flood that guessed the key
 * would only lengthen its own chains. */
static uint64_t mix(const struct proto_ike_engine *e, const uint8_t b[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	v = (v ^ e->hkey[0]) * e->hkey[1];
	v = (v ^ v >> 32) * 0x9e3779b97f4a7c15u; /* fold the high bits into the low ones */
	return v ^ v >> 29;
}

static unsigned bucket_of(const struct proto_ike_engine *e, const uint8_t icookie[8])
{
	return (unsigned)(mix(e, icookie) & (e->n_buckets - 1));
}

static unsigned id_bucket(const struct proto_ike_engine *e, uint64_t id)
{
	return (unsigned)(id & (e->n_buckets - 1)); /* ids are sequential: an even spread */
}

static unsigned ho_bucket(const struct proto_ike_engine *e, const struct proto_ike_addr *a)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(a->addr[i] ^ a->addr[i + 8]);
	return (unsigned)(mix(e, b) % IKE_HO_BUCKETS);
}

bool proto_ike_addr_eq(const struct proto_ike_addr *a, const struct proto_ike_addr *b)
{
	size_t n = a->family == AF_INET6 ? 16 : 4;
	return a->family == b->family && memcmp(a->addr, b->addr, n) == 0;
}

/* Doubles both tables once there are twice as many SAs as buckets (until there are sas_max / 2 or
 * more: at most 2^19 for PROTO_IKE_SAS_LIMIT); on allocation failure the tables stay as they are,
 * only slower. */
static void tables_grow(struct proto_ike_engine *e)
{
	if (e->st.sas < 2u * e->n_buckets || e->n_buckets >= e->pol.sas_max / 2)
		return;
	unsigned n = e->n_buckets * 2;
	struct ike_sa **ck = calloc(n, sizeof(*ck)), **ids = calloc(n, sizeof(*ids));
	if (!ck || !ids) {
		free(ck);
		free(ids);
		return;
	}
	struct ike_sa **old = e->ck;
	unsigned old_n = e->n_buckets;
	free(e->ids);
	e->ck = ck;
	e->ids = ids;
	e->n_buckets = n;
	for (unsigned i = 0; i < old_n; i++)
		for (struct ike_sa *s = old[i], *next; s; s = next) {
			next = s->next;
			unsigned b = bucket_of(e, s->icookie), k = id_bucket(e, s->id);
			s->next = ck[b];
			ck[b] = s;
			s->id_next = ids[k];
			ids[k] = s;
		}
	free(old);
}

/* RFC 2408 §2.5.3: the responder cookie is a hash over the peer's address and port, a local secret
 * and the time (here, the 64-second period), plus the initiator cookie so that two negotiations
 * from one peer get different cookies. */
static void make_rcookie(struct proto_ike_engine *e, struct ike_sa *sa)
{
	struct crypto_hash_ctx h;
	uint8_t d[CRYPTO_HASH_MAX_LEN], t[8];
	uint64_t period = proto_ike_now(e) >> 16;
	for (int i = 0; i < 8; i++)
		t[i] = (uint8_t)(period >> (56 - 8 * i));
	crypto_hash_init(&h, CRYPTO_HASH_SHA2_256);
	crypto_hash_update(&h, e->secret, sizeof(e->secret));
	crypto_hash_update(&h, sa->peer.addr, sizeof(sa->peer.addr));
	crypto_hash_update(&h, (const uint8_t *)&sa->peer.port, sizeof(sa->peer.port));
	crypto_hash_update(&h, t, sizeof(t));
	crypto_hash_update(&h, sa->icookie, 8);
	crypto_hash_final(&h, d);
	memcpy(sa->rcookie, d, 8);
	explicit_bzero(d, sizeof(d));
}

/* How many half-open SAs peer has, and when the newest of them began. */
static unsigned half_open_from(struct proto_ike_engine *e, const struct proto_ike_addr *peer,
			       uint64_t *ret_newest)
{
	unsigned n = 0;
	*ret_newest = 0;
	for (struct ike_sa *s = e->ho[ho_bucket(e, peer)]; s; s = s->ho_next)
		if (proto_ike_addr_eq(&s->peer, peer)) {
			n++;
			if (s->created > *ret_newest)
				*ret_newest = s->created;
		}
	return n;
}

/* Counts sa against the half-open caps: its address's chain and the age list. */
static void half_open_begin(struct ike_sa *sa)
{
	struct proto_ike_engine *e = sa->e;
	unsigned b = ho_bucket(e, &sa->peer);
	sa->half_open = true;
	e->st.half_open++;
	sa->ho_next = e->ho[b];
	e->ho[b] = sa;
	sa->ho_older = e->ho_newest;
	sa->ho_newer = NULL;
	if (e->ho_newest)
		e->ho_newest->ho_newer = sa;
	else
		e->ho_oldest = sa;
	e->ho_newest = sa;
}

/* Established or freed: no longer half-open. */
void proto_ike_sa_half_open_end(struct ike_sa *sa)
{
	struct proto_ike_engine *e = sa->e;
	if (!sa->half_open)
		return;
	struct ike_sa **pp = &e->ho[ho_bucket(e, &sa->peer)];
	while (*pp && *pp != sa)
		pp = &(*pp)->ho_next;
	if (*pp)
		*pp = sa->ho_next;
	if (sa->ho_older)
		sa->ho_older->ho_newer = sa->ho_newer;
	else
		e->ho_oldest = sa->ho_newer;
	if (sa->ho_newer)
		sa->ho_newer->ho_older = sa->ho_older;
	else
		e->ho_newest = sa->ho_older;
	sa->ho_next = sa->ho_newer = sa->ho_older = NULL;
	sa->half_open = false;
	e->st.half_open--;
}

struct ike_sa *proto_ike_sa_new(struct proto_ike_engine *e, bool initiator,
				const struct proto_ike_addr *local,
				const struct proto_ike_addr *peer)
{
	if (e->st.sas >= e->pol.sas_max)
		return NULL;
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	if (!sa)
		return NULL;
	if (!(sa->n = calloc(1, sizeof(*sa->n)))) {
		free(sa);
		return NULL;
	}
	sa->conn = &sa->n->conn;
	sa->e = e;
	sa->id = e->next_id++;
	sa->initiator = initiator;
	sa->local = *local;
	sa->peer = *peer;
	sa->p1.used = true;
	sa->p1.initiator = initiator;
	sa->created = proto_ike_now(e);
	e->st.sas++;
	return sa;
}

/* Links sa into both tables (after its initiator cookie is set). */
static void sa_link(struct ike_sa *sa)
{
	struct proto_ike_engine *e = sa->e;
	tables_grow(e);
	unsigned b = bucket_of(e, sa->icookie), k = id_bucket(e, sa->id);
	sa->next = e->ck[b];
	e->ck[b] = sa;
	sa->id_next = e->ids[k];
	e->ids[k] = sa;
	sa->linked = true;
}

/* Ends an exchange: its messages freed, its state and data wiped (the data stays allocated
 * with its slot, for the next exchange of the slot). */
void proto_ike_xchg_clear(struct ike_xchg *x)
{
	if (!x) /* destructors accept NULL */
		return;
	const struct ike_kind *k = x->used ? proto_ike_kind(x->type) : NULL;
	void *data = x->data;
	size_t cap = x->data_cap;
	if (data && k && k->clear)
		k->clear(x);
	free(x->last_sent);
	free(x->out);
	explicit_bzero(x, sizeof(*x));
	if (data) {
		explicit_bzero(data, cap);
		x->data = data;
		x->data_cap = cap;
	}
}

void proto_ike_p1_data_free(struct ike_sa *sa)
{
	struct ike_p1_data *n = sa->n;
	if (!n)
		return;
	crypto_dh_free(n->dh);
	proto_ike_auth_free(n);
	if (n->sai_b) {
		explicit_bzero(n->sai_b, n->sai_b_len);
		free(n->sai_b);
	}
	if (sa->conn == &n->conn)
		sa->conn = NULL; /* only proto_ike_sa_free gets here before the conn is shared */
	explicit_bzero(n, sizeof(*n));
	free(n);
	sa->n = NULL;
}

/* Frees the slots no exchange uses, and phase 1's negotiation data once phase 1 is up
 * (no row of the phase-1 tables starts from S_P1_UP), once nothing refers to them any more (at the
 * end of an input, timer or DH completion): an established tunnel keeps no exchange memory. */
void proto_ike_slots_reclaim(struct ike_sa *sa)
{
	if (sa->established && proto_ike_conn_share(sa))
		proto_ike_p1_data_free(sa);
	for (unsigned i = 0; i < IKE_SLOTS; i++)
		if (sa->xs[i] && !sa->xs[i]->used) {
			proto_ike_xchg_clear(sa->xs[i]);
			free(sa->xs[i]);
			sa->xs[i] = NULL;
		}
}

/* Frees a finished exchange and remembers its message ID so that a replay of its first message
 * is not taken for a new exchange. */
void proto_ike_xchg_retire(struct ike_sa *sa, struct ike_xchg *x)
{
	sa->done_msgids[sa->done_next++ % IKE_DONE_MSGIDS] = x->msgid;
	proto_ike_xchg_clear(x);
}

bool proto_ike_msgid_done(const struct ike_sa *sa, uint32_t msgid)
{
	for (unsigned i = 0; i < IKE_DONE_MSGIDS; i++)
		if (sa->done_msgids[i] == msgid)
			return true;
	return false;
}

void proto_ike_sa_free(struct ike_sa *sa)
{
	struct proto_ike_engine *e = sa->e;
	if (sa->linked) {
		struct ike_sa **pp = &e->ck[bucket_of(e, sa->icookie)];
		while (*pp && *pp != sa)
			pp = &(*pp)->next;
		if (*pp)
			*pp = sa->next;
		pp = &e->ids[id_bucket(e, sa->id)];
		while (*pp && *pp != sa)
			pp = &(*pp)->id_next;
		if (*pp)
			*pp = sa->id_next;
	}
	if (sa->timer_armed) {
		struct proto_ike_action *a = proto_ike_q_push(e);
		if (a) {
			a->type = PROTO_IKE_ACT_TIMER;
			a->sa_id = sa->id;
		}
	}
	if (sa->established && sa->ra.pending) { /* never counted as up (ike_xauth.c) */
		struct proto_ike_event *ev = proto_ike_event_new(sa, PROTO_IKE_EV_P1_FAILED);
		if (ev && sa->ra.fail) { /* ours failed already: its reason, not the Delete */
			ev->reason = sa->ra.fail;
			snprintf(ev->text, sizeof(ev->text), "%s", sa->ra.why);
		} else if (ev) {
			ev->reason = PROTO_IKE_E_DELETED;
			snprintf(ev->text, sizeof(ev->text),
				 "deleted before XAUTH/Mode-Config completed");
		}
		proto_ike_push_event(e, ev);
	} else if (sa->established) {
		proto_ike_push_event(e, proto_ike_event_new(sa, PROTO_IKE_EV_SA_GONE));
	}
	proto_ike_sa_half_open_end(sa);
	e->st.sas--;
	proto_ike_xchg_clear(&sa->p1);
	for (unsigned i = 0; i < IKE_SLOTS; i++)
		if (sa->xs[i]) {
			proto_ike_xchg_clear(sa->xs[i]);
			free(sa->xs[i]);
		}
	proto_ike_early_free(sa);
	proto_ike_conn_release(sa);
	proto_ike_p1_data_free(sa);
	crypto_ike_keys_wipe(&sa->keys);
	crypto_cipher_wipe(&sa->cipher);
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
}

struct ike_sa *proto_ike_sa_by_id(struct proto_ike_engine *e, uint64_t id)
{
	for (struct ike_sa *s = e->ids[id_bucket(e, id)]; s; s = s->id_next)
		if (s->id == id)
			return s;
	return NULL;
}

/* A slot for a new exchange of a phase2 kind, with data of at least size bytes: a free slot whose
 * allocation is large enough, else an empty one newly allocated. A free slot that is too small is
 * left alone: the exchange that just finished in it may still be referred to by the caller up the
 * stack (its input path reads it after the dispatcher returns); proto_ike_slots_reclaim frees it
 * at the end of the input. NULL if no slot can be had. */
static struct ike_xchg *slot_get(struct ike_sa *sa, size_t size)
{
	for (unsigned i = 0; i < IKE_SLOTS; i++)
		if (sa->xs[i] && !sa->xs[i]->used && sa->xs[i]->data_cap >= size)
			return sa->xs[i];
	for (unsigned i = 0; i < IKE_SLOTS; i++) {
		if (sa->xs[i])
			continue;
		struct ike_slot *slot = malloc(sizeof(*slot) + size);
		if (!slot)
			return NULL;
		memset(&slot->x, 0, sizeof(slot->x));
		slot->x.data = size ? slot->d : NULL;
		slot->x.data_cap = size;
		sa->xs[i] = &slot->x;
		return sa->xs[i];
	}
	return NULL;
}

struct ike_xchg *proto_ike_xchg_new(struct ike_sa *sa, uint8_t type, uint32_t msgid, bool initiator)
{
	const struct ike_kind *k = proto_ike_kind(type);
	struct ike_xchg *x = k && k->phase2 ? slot_get(sa, k->data_size) : NULL;
	if (!x)
		return NULL;
	void *data = x->data;
	size_t cap = x->data_cap;
	memset(x, 0, sizeof(*x));
	if (data)
		memset(data, 0, cap);
	x->data = data;
	x->data_cap = cap;
	x->qm = type == ISAKMP_XCHG_QUICK ? data : NULL;
	x->used = true;
	x->initiator = initiator;
	x->type = type;
	x->msgid = msgid;
	x->state = initiator ? k->start_i : k->start_r;
	if (k->init)
		k->init(sa, x);
	if (!proto_ike_iv_phase2(sa, msgid, &x->iv)) {
		x->used = false;
		return NULL;
	}
	x->has_iv = true;
	return x;
}

struct ike_xchg *proto_ike_xchg_find(struct ike_sa *sa, uint32_t msgid)
{
	for (unsigned i = 0; i < IKE_SLOTS; i++)
		if (sa->xs[i] && sa->xs[i]->used && sa->xs[i]->msgid == msgid)
			return sa->xs[i];
	return NULL;
}

/* A random message ID no exchange of sa uses or used lately. */
uint32_t proto_ike_msgid_new(struct ike_sa *sa)
{
	uint32_t msgid = 0;
	while (msgid == 0 || proto_ike_xchg_find(sa, msgid) || proto_ike_msgid_done(sa, msgid))
		proto_ike_random(sa->e, (uint8_t *)&msgid, sizeof(msgid));
	return msgid;
}

/* ---- SA lookup for the input path (ike_input.c) ---- */

/* The SA a message belongs to by its cookies (and, for a resent first message, the peer); an
 * initiator waiting for its first reply adopts the responder's cookie (*ret_adopted). */
struct ike_sa *proto_ike_sa_find(struct proto_ike_engine *e, const struct proto_header *h,
				 const struct proto_ike_addr *peer, bool *ret_adopted)
{
	static const uint8_t zero[8];
	bool rzero = memcmp(h->rcookie, zero, 8) == 0;
	for (struct ike_sa *s = e->ck[bucket_of(e, h->icookie)]; s; s = s->next) {
		if (memcmp(s->icookie, h->icookie, 8) != 0)
			continue;
		if (rzero && !s->initiator && proto_ike_addr_eq(&s->peer, peer))
			return s; /* a resent MM1/AM1 */
		if (memcmp(s->rcookie, h->rcookie, 8) == 0) {
			if (!rzero)
				s->proven = true; /* RFC 2408 §2.5.3: it got our reply */
			return s;
		}
		if (s->initiator && !s->established && memcmp(s->rcookie, zero, 8) == 0 &&
		    (s->p1.state == S_MM_I1_SENT || s->p1.state == S_AM_I1_SENT) &&
		    !(h->flags & ISAKMP_FLAG_E) &&
		    (h->exchange == s->p1.type || h->exchange == ISAKMP_XCHG_INFO)) {
			/* the responder's first reply: adopt its cookie (undone if the message is
			 * dropped, so a forged reply cannot take the SA over) */
			memcpy(s->rcookie, h->rcookie, 8);
			*ret_adopted = true;
			return s;
		}
	}
	return NULL;
}

/*
 * The SA to give up for a new first message from peer at the caps: one whose peer never answered
 * (we sent MM2 or AM2 and got nothing back that echoes our cookie, so whoever sent the first
 * message may not even own its source address). The oldest of peer's own if it has one, so that
 * a source at the global cap only replaces its own state; else (only when the per-peer cap is not
 * what is full) the oldest of all. NULL if none.
 */
static struct ike_sa *unproven_victim(struct proto_ike_engine *e, const struct proto_ike_addr *peer,
				      bool peer_full)
{
	struct ike_sa *own = NULL, *any = NULL;
	for (struct ike_sa *s = e->ho[ho_bucket(e, peer)]; s; s = s->ho_next)
		if ((s->p1.state == S_MM_R2_SENT || s->p1.state == S_AM_R2_SENT) &&
		    proto_ike_addr_eq(&s->peer, peer) && (!own || s->id < own->id))
			own = s;
	if (own || peer_full)
		return own;
	/* the oldest unanswered; those that answered are skipped (at most the cap of them) */
	for (any = e->ho_oldest; any; any = any->ho_newer)
		if (any->p1.state == S_MM_R2_SENT || any->p1.state == S_AM_R2_SENT)
			break;
	return any;
}

/*
 * A new responder SA for an MM1/AM1, within the half-open caps and the policy's sas_max. At a cap
 * an SA whose peer never answered our reply makes room (RFC 2408 §2.5.3 anti-clogging, in
 * spirit): spoofed first messages never get past that state, so a flood of them, even from a real
 * peer's address, cannot keep that peer out, and a peer that answered keeps its slot. A flood
 * from a bounded set of sources only recycles its own slots; one from ever new addresses still
 * competes with a real peer for the oldest slot. At sas_max with no such SA, the message is
 * dropped (drop_sa_limit).
 */
struct ike_sa *proto_ike_sa_respond(struct proto_ike_engine *e, const struct proto_header *h,
				    const struct proto_ike_addr *local,
				    const struct proto_ike_addr *peer, bool natt)
{
	uint64_t newest;
	bool peer_full = half_open_from(e, peer, &newest) >= PROTO_IKE_HALF_OPEN_PEER_MAX;
	if (peer_full && proto_ike_now(e) < newest + PROTO_IKE_HALF_OPEN_PEER_INTERVAL_MS) {
		e->st.drop_half_open++;
		return NULL;
	}
	bool sas_full = e->st.sas >= e->pol.sas_max;
	if (peer_full || sas_full || e->st.half_open >= PROTO_IKE_HALF_OPEN_MAX) {
		struct ike_sa *victim = unproven_victim(e, peer, peer_full);
		if (!victim) {
			if (sas_full && !peer_full)
				e->st.drop_sa_limit++;
			else
				e->st.drop_half_open++;
			return NULL;
		}
		e->st.evict_half_open++;
		proto_ike_sa_free(victim);
	}
	struct ike_sa *sa = proto_ike_sa_new(e, false, local, peer);
	if (!sa)
		return NULL;
	memcpy(sa->icookie, h->icookie, 8);
	make_rcookie(e, sa);
	sa->natt = natt;
	half_open_begin(sa);
	sa->expire = proto_ike_now(e) + PROTO_IKE_HALF_OPEN_TIMEOUT_MS;
	sa->p1.type = h->exchange;
	sa->p1.state = h->exchange == ISAKMP_XCHG_IDPROT ? S_MM_R_START : S_AM_R_START;
	sa_link(sa);
	return sa;
}

int proto_ike_initiate(struct proto_ike_engine *e, const struct proto_ike_conn *conn,
		       const struct proto_ike_addr *local, const struct proto_ike_addr *peer,
		       uint64_t *ret_sa_id)
{
	if (!conn->n_ike || !conn->n_esp)
		return -EINVAL;
	struct ike_sa *sa = proto_ike_sa_new(e, true, local, peer);
	if (!sa)
		return -EAGAIN;
	*sa->conn = *conn;
	static const uint8_t zero[8];
	do
		proto_ike_random(e, sa->icookie, 8);
	while (memcmp(sa->icookie, zero, 8) == 0);
	sa->p1.type = conn->aggressive ? ISAKMP_XCHG_AGGRESSIVE : ISAKMP_XCHG_IDPROT;
	sa->p1.state = conn->aggressive ? S_AM_I_START : S_MM_I_START;
	sa_link(sa);
	uint64_t id = sa->id;
	struct ike_ctx c = {.e = e, .sa = sa, .x = &sa->p1};
	proto_ike_dispatch(&c, EV_START);
	if (!proto_ike_sa_by_id(e, id))
		return -EINVAL;
	*ret_sa_id = id;
	return 0;
}

int proto_ike_initiate_p1(struct proto_ike_engine *e, const struct proto_ike_conn *conn,
			  const struct proto_ike_addr *local, const struct proto_ike_addr *peer,
			  uint64_t *ret_sa_id)
{
	struct proto_ike_conn c = *conn;
	/* No (local, remote) pair is left to negotiate once phase 1 is up. */
	c.n_local_ts = c.n_remote_ts = 0;
	int r = proto_ike_initiate(e, &c, local, peer, ret_sa_id);
	struct ike_sa *sa = r == 0 ? proto_ike_sa_by_id(e, *ret_sa_id) : NULL;
	if (sa) {
		*sa->conn = *conn;
		sa->qm_next_pair = UINT_MAX;
	}
	return r;
}

int proto_ike_quick_mode(struct proto_ike_engine *e, uint64_t sa_id,
			 const struct proto_ike_conn *conn, const struct proto_ike_ts *local_ts,
			 const struct proto_ike_ts *remote_ts, uint32_t *ret_msgid)
{
	struct ike_sa *sa = proto_ike_sa_by_id(e, sa_id);
	if (!sa || !sa->established)
		return -ENOENT;
	if (sa->ra.pending)
		return -EAGAIN; /* XAUTH / Mode-Config first: its P1_UP says when */
	if (!(conn ? conn : sa->conn)->n_esp)
		return -EINVAL;
	uint32_t msgid = proto_ike_msgid_new(sa);
	struct ike_xchg *x = proto_ike_xchg_new(sa, ISAKMP_XCHG_QUICK, msgid, true);
	if (!x)
		return -EAGAIN;
	if (conn)
		x->qm->conn = *conn;
	if (local_ts)
		x->qm->ts_i = *local_ts;
	else
		proto_ike_ts_host(&sa->local, &x->qm->ts_i);
	if (remote_ts)
		x->qm->ts_r = *remote_ts;
	else
		proto_ike_ts_host(&sa->peer, &x->qm->ts_r);
	*ret_msgid = msgid;
	struct ike_ctx c = {.e = e, .sa = sa, .x = x};
	proto_ike_dispatch(&c, EV_START);
	return 0;
}

int proto_ike_delete_child(struct proto_ike_engine *e, uint64_t sa_id, uint8_t protocol,
			   uint32_t spi_in)
{
	struct ike_sa *sa = proto_ike_sa_by_id(e, sa_id);
	uint8_t spi[4] = {(uint8_t)(spi_in >> 24), (uint8_t)(spi_in >> 16), (uint8_t)(spi_in >> 8),
			  (uint8_t)spi_in};
	if (!sa || !sa->established)
		return -ENOENT;
	return proto_ike_send_info(sa, ISAKMP_PL_D, protocol, 0, spi, 4, 1, NULL, 0);
}

int proto_ike_delete_sa(struct proto_ike_engine *e, uint64_t sa_id)
{
	struct ike_sa *sa = proto_ike_sa_by_id(e, sa_id);
	uint8_t spi[16];
	if (!sa)
		return -ENOENT;
	if (sa->established) {
		memcpy(spi, sa->icookie, 8);
		memcpy(spi + 8, sa->rcookie, 8);
		proto_ike_send_info(sa, ISAKMP_PL_D, PROTO_ISAKMP, 0, spi, 16, 1, NULL, 0);
	}
	proto_ike_sa_free(sa);
	return 0;
}
