// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table dispatcher that runs every exchange (one const table per exchange and role, see
 * engine_int.h for the handler results), the retransmission timers and the DH jobs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ike/engine_int.h"

/* ---- timers ---- */

void proto_ike_sa_update_timer(struct ike_sa *sa)
{
	uint64_t t = sa->p1.deadline;
	if (sa->half_open && sa->expire && (!t || sa->expire < t))
		t = sa->expire;
	if (sa->ra.pending && sa->ra.deadline && (!t || sa->ra.deadline < t))
		t = sa->ra.deadline;
	if (sa->dpd_pending && (!t || sa->dpd_resend < t))
		t = sa->dpd_resend;
	if (sa->dpd_pending && sa->dpd_expire < t)
		t = sa->dpd_expire;
	for (unsigned i = 0; i < IKE_SLOTS; i++)
		if (sa->xs[i] && sa->xs[i]->used && sa->xs[i]->deadline &&
		    (!t || sa->xs[i]->deadline < t))
			t = sa->xs[i]->deadline;
	if (t == sa->timer_armed)
		return;
	struct proto_ike_action *a = proto_ike_q_push(sa->e);
	if (!a)
		return;
	a->type = PROTO_IKE_ACT_TIMER;
	a->sa_id = sa->id;
	a->deadline_ms = t;
	sa->timer_armed = t;
}

static void fail_p1(struct ike_sa *sa, enum proto_ike_reason r, const char *text)
{
	struct proto_ike_event *ev = proto_ike_event_new(sa, PROTO_IKE_EV_P1_FAILED);
	/* The failure event carries the text; the daemon logs it at warning level. */
	proto_ike_log(sa->e, PROTO_LOG_DEBUG, "\"%s\" #%llu: phase 1 failed: %s", sa->conn->name,
		      (unsigned long long)sa->id, text);
	if (ev) {
		ev->reason = r;
		snprintf(ev->text, sizeof(ev->text), "%s", text);
	}
	proto_ike_push_event(sa->e, ev);
	proto_ike_sa_free(sa);
}

/* Phase 1's hooks (struct ike_kind): the SA goes with its phase 1. */
bool proto_ike_p1_on_timeout(struct ike_sa *sa, struct ike_xchg *x, const char *text)
{
	(void)x;
	fail_p1(sa, PROTO_IKE_E_TIMEOUT, text);
	return false;
}

bool proto_ike_p1_on_fail(struct ike_ctx *c, enum proto_ike_reason r, const char *text)
{
	if (c->notify)
		proto_ike_send_notify_plain(c->sa, c->notify);
	fail_p1(c->sa, r, text);
	return false;
}

/* The conn whose retransmit settings x follows: a Quick Mode's own, else the ISAKMP SA's. */
static const struct proto_ike_conn *xchg_conn(const struct ike_sa *sa, const struct ike_xchg *x)
{
	return x->qm ? &x->qm->conn : sa->conn;
}

static uint64_t retransmit_timeout_ms(const struct proto_ike_conn *c)
{
	return c->retransmit_timeout_ms ? c->retransmit_timeout_ms
					: PROTO_IKE_RETRANSMIT_TIMEOUT_MS;
}

/* When x, sent for the sends-th time at now, is next due: the conn's interval doubled per
 * resend, at most PROTO_IKE_RETRANSMIT_WAIT_MAX_MS, and never past the give-up time. */
static uint64_t retransmit_deadline(const struct ike_sa *sa, const struct ike_xchg *x, uint64_t now,
				    unsigned sends)
{
	const struct proto_ike_conn *c = xchg_conn(sa, x);
	uint64_t wait = c->retransmit_interval_ms ? c->retransmit_interval_ms
						  : PROTO_IKE_RETRANSMIT_INTERVAL_MS;
	for (unsigned i = 1; i < sends && wait < PROTO_IKE_RETRANSMIT_WAIT_MAX_MS; i++)
		wait *= 2;
	if (wait > PROTO_IKE_RETRANSMIT_WAIT_MAX_MS)
		wait = PROTO_IKE_RETRANSMIT_WAIT_MAX_MS;
	uint64_t end = x->first_sent + retransmit_timeout_ms(c);
	return now + wait < end ? now + wait : end;
}

/* Resends the cached message of x, or gives up once the conn's retransmit timeout has passed
 * since its first send. Returns false if the SA was freed. */
static bool xchg_timeout(struct ike_sa *sa, struct ike_xchg *x, uint64_t now)
{
	const struct ike_kind *k = proto_ike_kind(x->type);
	if (x->state == k->done_i || x->state == k->done_r || !x->last_sent) {
		if (x == &sa->p1)
			x->deadline = 0;
		else
			proto_ike_xchg_retire(sa, x);
		return true;
	}
	if (now >= x->first_sent + retransmit_timeout_ms(xchg_conn(sa, x))) {
		char text[256];
		int w = snprintf(text, sizeof(text),
				 "no reply from the peer after %u transmissions over %llu ms in %s",
				 x->tries, (unsigned long long)(now - x->first_sent),
				 proto_ike_state_name(x->state));
		/* NAT-T moves phase 1 to UDP 4500 half way (RFC 3947 §4): a path that passes 500
		 * and drops 4500 fails exactly here; say so, the explain command relies on it. */
		if (w > 0 && (size_t)w < sizeof(text) && x == &sa->p1 && !sa->established &&
		    (sa->natt || sa->nat_local || sa->nat_peer))
			snprintf(
				text + w, sizeof(text) - (size_t)w,
				sa->natt
					? ", sent to the NAT-T port %u after the peer had answered "
					  "on the IKE port"
					: ", after a NAT was detected: the peer was to move to the "
					  "NAT-T port %u",
				sa->e->natt_port);
		if (!k->on_timeout(sa, x, text))
			return false;
		if (x != &sa->p1)
			proto_ike_xchg_clear(x);
		return true;
	}
	proto_ike_push_send(sa, x->last_sent, x->last_len);
	sa->e->st.retransmits++;
	x->tries++;
	x->deadline = retransmit_deadline(sa, x, now, x->tries);
	/* What `oakley up` shows while the peer is silent. Info for the exchanges we started only:
	 * a responder's resends are what a flood of spoofed first messages leaves behind. */
	uint64_t end = x->first_sent + retransmit_timeout_ms(xchg_conn(sa, x));
	proto_ike_log(sa->e, x->initiator ? PROTO_LOG_INFO : PROTO_LOG_DEBUG,
		      "\"%s\" #%llu: no reply to %s yet: sent it again (send %u), waiting %llu ms "
		      "(giving up in %llu s)",
		      x->qm ? x->qm->conn.name : sa->conn->name, (unsigned long long)sa->id,
		      proto_ike_state_name(x->state), x->tries,
		      (unsigned long long)(x->deadline - now),
		      (unsigned long long)(end > now ? (end - now + 999) / 1000 : 0));
	return true;
}

void proto_ike_timer(struct proto_ike_engine *e, uint64_t sa_id)
{
	proto_ike_frag_expire(e);
	struct ike_sa *sa = proto_ike_sa_by_id(e, sa_id);
	if (!sa)
		return;
	uint64_t now = proto_ike_now(e);
	sa->timer_armed = 0; /* it fired */
	if (sa->half_open && sa->expire && sa->expire <= now) {
		fail_p1(sa, PROTO_IKE_E_TIMEOUT, "half-open negotiation timed out");
		return;
	}
	if (sa->p1.deadline && sa->p1.deadline <= now && !xchg_timeout(sa, &sa->p1, now))
		return;
	if (!proto_ike_ra_timer(sa, now))
		return;
	for (unsigned i = 0; i < IKE_SLOTS; i++)
		if (sa->xs[i] && sa->xs[i]->used && sa->xs[i]->deadline &&
		    sa->xs[i]->deadline <= now)
			xchg_timeout(sa, sa->xs[i], now);
	proto_ike_dpd_timer(sa, now);
	proto_ike_sa_update_timer(sa);
	proto_ike_slots_reclaim(sa);
}

/* ---- failures, DH jobs ---- */

void proto_ike_fail(struct ike_ctx *c, enum proto_ike_reason r, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!proto_ike_kind(c->x->type)->on_fail(c, r, text))
		c->sa = NULL;
}

int proto_ike_dh_start(struct ike_ctx *c, unsigned group, struct crypto_dh *dh, const uint8_t *peer,
		       size_t peer_len)
{
	struct proto_ike_dh_job *job = calloc(1, sizeof(*job));
	struct proto_ike_action *a;
	if (!job || peer_len > sizeof(job->peer))
		goto fail;
	if (!(a = proto_ike_q_push(c->e)))
		goto fail;
	job->group = group;
	job->sa_id = c->sa->id;
	job->msgid = c->x->msgid;
	job->dh = dh;
	if (!dh) {
		_Static_assert(sizeof(job->rnd) >= CRYPTO_DH_RANDOM_MAX, "proto_ike_dh_job.rnd");
		job->rnd_len = crypto_dh_random_len(group);
		proto_ike_random(c->e, job->rnd, job->rnd_len);
	}
	if (peer_len)
		memcpy(job->peer, peer, peer_len);
	job->peer_len = peer_len;
	a->type = PROTO_IKE_ACT_DH;
	a->sa_id = c->sa->id;
	a->job = job;
	return 0;
fail:
	free(job);
	crypto_dh_free(dh);
	return -ENOMEM;
}

void proto_ike_dh_run(struct proto_ike_dh_job *job)
{
	int r = 0;
	if (!job->dh)
		r = crypto_dh_new(job->group, job->rnd, job->rnd_len, &job->dh);
	explicit_bzero(job->rnd, sizeof(job->rnd));
	if (r == 0 && job->peer_len)
		r = crypto_dh_shared(job->dh, job->peer, job->peer_len, job->shared,
				     sizeof(job->shared), &job->shared_len);
	job->result = r;
}

void proto_ike_dh_free(struct proto_ike_dh_job *job)
{
	if (!job)
		return;
	crypto_dh_free(job->dh);
	explicit_bzero(job, sizeof(*job));
	free(job);
}

void proto_ike_dh_done(struct proto_ike_engine *e, struct proto_ike_dh_job *job, bool ran)
{
	struct ike_sa *sa = proto_ike_sa_by_id(e, job->sa_id);
	struct ike_xchg *x = NULL;
	if (sa)
		x = job->msgid ? proto_ike_xchg_find(sa, job->msgid) : &sa->p1;
	if (!x) {
		proto_ike_dh_free(job);
		return;
	}
	if (!ran)
		job->result = -ECANCELED;
	uint64_t id = sa->id;
	struct ike_ctx c = {.e = e, .sa = sa, .x = x, .job = job};
	proto_ike_dispatch(&c, EV_DH);
	proto_ike_dh_free(job);
	if ((sa = proto_ike_sa_by_id(e, id)))
		proto_ike_slots_reclaim(sa);
	if ((sa = proto_ike_sa_by_id(e, id)))
		proto_ike_early_replay(
			sa); /* phase 1 may be done now (Aggressive Mode initiator) */
}

/* ---- dispatcher ---- */

static const struct ike_table *table_of(const struct ike_xchg *x)
{
	const struct ike_kind *k = proto_ike_kind(x->type);
	return !k ? NULL : x->initiator ? k->i : k->r;
}

/* Checks the payload set of a message against a row: every required type present, nothing
 * outside allowed (unknown non-critical payloads were skipped by the decoder). */
static bool payloads_ok(struct ike_sa *sa, const struct ike_row *row, const struct proto_msg *m)
{
	uint64_t seen = 0, required = row->required, allowed = row->allowed | row->required;
	if (row->allowed & PL_AUTH) {
		uint64_t r, a;
		proto_ike_auth_payloads(sa, &r, &a);
		required |= r;
		allowed |= a;
	}
	for (unsigned i = 0; i < m->n; i++) {
		const struct proto_payload *p = &m->pl[i];
		if (!p->known)
			continue;
		uint8_t type = proto_ike_pl_canonical(p->type); /* draft NAT-D/NAT-OA numbers */
		uint64_t bit = type < 64 ? PL(type) : 0;
		if (!(bit & allowed)) {
			proto_ike_log(sa->e, PROTO_LOG_INFO, "#%llu: unexpected %s payload in %s",
				      (unsigned long long)sa->id,
				      proto_name(PROTO_NAMES_PAYLOAD, p->type),
				      proto_ike_state_name(row->from));
			return false;
		}
		seen |= bit;
	}
	if ((seen & required) != required) {
		proto_ike_log(sa->e, PROTO_LOG_INFO, "#%llu: a required payload is missing in %s",
			      (unsigned long long)sa->id, proto_ike_state_name(row->from));
		return false;
	}
	return true;
}

/*
 * One line for a message the codec refused: what was wrong and at which byte of the message
 * (the header counts; for an encrypted message, of its decrypted form). At info level, as the
 * dispatcher's unexpected-payload lines, so a negotiation never dies of it silently: once per
 * SA (the peer's retransmissions go to debug), and for a first message, which makes a new SA
 * each time and which anyone can send, at most once a second (the daemon counts every drop).
 */
void proto_ike_log_malformed(struct ike_sa *sa, const struct ike_xchg *x, bool enc, bool plain,
			     const struct proto_msg *m)
{
	enum proto_log_level l = PROTO_LOG_INFO;
	uint64_t now = proto_ike_now(sa->e);
	if (sa->malformed_logged)
		l = PROTO_LOG_DEBUG;
	else if (x->state == S_MM_R_START || x->state == S_AM_R_START) {
		if (now < sa->e->malformed_log_ms)
			l = PROTO_LOG_DEBUG;
		else
			sa->e->malformed_log_ms = now + 1000;
	}
	sa->malformed_logged = true;
	if (plain)
		proto_ike_log(sa->e, l, "#%llu: message in %s dropped: not encrypted",
			      (unsigned long long)sa->id, proto_ike_state_name(x->state));
	else
		proto_ike_log(sa->e, l, "#%llu: %s message in %s dropped: %s at byte %zu",
			      (unsigned long long)sa->id, enc ? "decrypted" : "malformed",
			      proto_ike_state_name(x->state), proto_err_str(m->err),
			      m->err_offset + PROTO_HDR_LEN);
}

/* Sends the message the handler built and caches it for retransmission and duplicates. */
static void send_out(struct ike_ctx *c, const struct ike_row *row, enum ike_ev ev)
{
	struct ike_xchg *x = c->x;
	if (!x->out_ready)
		return;
	free(x->last_sent);
	/* kept until the exchange ends (an established SA keeps its last phase-1 message): at its
	 * size, not the builder's PROTO_IKE_MSG_MAX */
	uint8_t *fit = realloc(x->out, x->out_len);
	x->last_sent = fit ? fit : x->out;
	x->last_len = x->out_len;
	x->out = NULL;
	x->out_ready = false;
	x->reply_to_rx = ev != EV_START;
	proto_ike_push_send(c->sa, x->last_sent, x->last_len);
	x->tries = 1;
	x->first_sent = proto_ike_now(c->e);
	x->deadline = row->arm ? retransmit_deadline(c->sa, x, x->first_sent, 1) : 0;
}

/* An exchange ended well: phase 1 is up, or a post-phase-1 exchange lingers or is retired. */
static void done(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	struct ike_xchg *x = c->x;
	const struct ike_kind *k = proto_ike_kind(x->type);
	x->deadline = 0;
	if (x == &sa->p1) {
		proto_ike_established(c);
		return;
	}
	if (x->initiator ? k->linger_i : k->linger_r)
		x->deadline = proto_ike_now(c->e) + IKE_QM_LINGER_MS;
	else
		proto_ike_xchg_retire(sa, x);
	if (x->initiator)
		proto_ike_start_qms(sa); /* pairs that waited for a free slot */
	if (k->on_done)
		k->on_done(c);
}

void proto_ike_dispatch(struct ike_ctx *c, enum ike_ev ev)
{
	struct ike_sa *sa = c->sa;
	struct ike_xchg *x = c->x;
	const struct ike_table *t = table_of(x);
	const struct ike_row *row = NULL;
	for (size_t i = 0; t && i < t->n; i++)
		if (!row && t->rows[i].from == x->state && t->rows[i].ev == ev &&
		    (!t->rows[i].when || t->rows[i].when(c)))
			row = &t->rows[i];
	if (!row || (ev == EV_RECV && !payloads_ok(sa, row, c->msg))) {
		if (x->has_iv)
			crypto_iv_state_discard(&x->iv);
		c->e->st.drop_state++;
		if (!row)
			proto_ike_log(c->e, PROTO_LOG_DEBUG, "#%llu: nothing to do in %s",
				      (unsigned long long)sa->id, proto_ike_state_name(x->state));
		return;
	}
	enum ike_state from = x->state;
	enum ike_ret r = row->handler(c);
	if (r == IKE_GONE)
		return;
	if (r == IKE_FAIL) {
		if (c->sa && x != &sa->p1)
			proto_ike_xchg_clear(x);
		if (c->sa)
			proto_ike_sa_update_timer(sa);
		return;
	}
	if (x->has_iv)
		crypto_iv_state_discard(&x->iv); /* no-op once committed */
	if (r == IKE_DROP) {
		c->e->st.drop_state++;
		return;
	}
	x->state = row->to;
	proto_ike_log(c->e, PROTO_LOG_DEBUG, "#%llu: %s %08x: %s -> %s", (unsigned long long)sa->id,
		      t->name, x->msgid, proto_ike_state_name(from), proto_ike_state_name(row->to));
	if (r == IKE_WAIT) {
		x->deadline = 0;
		/* a DH job runs: the reply we hold answers an earlier message, not this one */
		if (ev == EV_RECV)
			x->reply_to_rx = false;
	} else
		send_out(c, row, ev);
	if (r == IKE_DONE)
		done(c);
	proto_ike_sa_update_timer(sa);
}

void proto_ike_established(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	char buf[96], id[128], peer[64];
	sa->established = true;
	proto_ike_sa_half_open_end(sa);
	proto_ike_p1_str(&sa->prop, buf, sizeof(buf));
	proto_ike_id_str(&sa->peer_id, id, sizeof(id));
	proto_ike_addr_str(&sa->peer, peer, sizeof(peer));
	proto_ike_log(c->e, PROTO_LOG_INFO,
		      "\"%s\" #%llu: ISAKMP SA established (%s mode) with %s, ID %s, as %s, %s",
		      sa->conn->name, (unsigned long long)sa->id,
		      sa->p1.type == ISAKMP_XCHG_AGGRESSIVE ? "aggressive" : "main", peer, id,
		      sa->initiator ? "initiator" : "responder", buf);
	proto_ike_ra_begin(sa); /* XAUTH, Mode-Config: P1_UP once they are done */
}

/* The ISAKMP SA counts as up: the daemon hears of it, our Quick Modes start. */
void proto_ike_p1_up(struct ike_sa *sa)
{
	struct proto_ike_event *ev = proto_ike_event_new(sa, PROTO_IKE_EV_P1_UP);
	if (ev) {
		ev->u.p1.prop = sa->prop;
		ev->u.p1.exchange = sa->p1.type;
		ev->u.p1.lifetime_s = sa->lifetime_s;
		ev->u.p1.peer_id = sa->peer_id;
		ev->u.p1.peer_dpd = sa->peer_dpd;
		ev->u.p1.peer_natt = sa->peer_natt;
		ev->u.p1.nat_local = sa->nat_local;
		ev->u.p1.nat_peer = sa->nat_peer;
		ev->u.p1.natt = sa->natt;
		ev->u.p1.peer_initial_contact = sa->peer_initial_contact;
		ev->u.p1.initial_contact_sent = sa->initiator && sa->conn->initial_contact;
		ev->u.p1.started_ms = sa->created;
		memcpy(ev->u.p1.icookie, sa->icookie, 8);
		memcpy(ev->u.p1.rcookie, sa->rcookie, 8);
	}
	proto_ike_push_event(sa->e, ev);
	if (sa->peer_initial_contact)
		proto_ike_push_event(sa->e, proto_ike_event_new(sa, PROTO_IKE_EV_INITIAL_CONTACT));
	if (sa->initiator)
		proto_ike_start_qms(sa);
}

void proto_ike_start_qms(struct ike_sa *sa)
{
	if (!sa->initiator || sa->ra.pending)
		return; /* a responder's conn pairs are the peer's to start; XAUTH goes first */
	unsigned nl = sa->conn->n_local_ts ? sa->conn->n_local_ts : 1;
	unsigned nr = sa->conn->n_remote_ts ? sa->conn->n_remote_ts : 1;
	for (; sa->qm_next_pair < nl * nr; sa->qm_next_pair++) {
		uint32_t msgid = proto_ike_msgid_new(sa);
		struct ike_xchg *x = proto_ike_xchg_new(sa, ISAKMP_XCHG_QUICK, msgid, true);
		if (!x)
			break; /* PROTO_IKE_QM_MAX in flight: the rest start as these finish */
		unsigned li = sa->qm_next_pair / nr, ri = sa->qm_next_pair % nr;
		if (sa->conn->n_local_ts) {
			x->qm->ts_i = sa->conn->local_ts[li];
		} else {
			proto_ike_ts_host(&sa->local, &x->qm->ts_i);
			x->qm->ts_i.proto = sa->conn->local_proto;
			x->qm->ts_i.port = sa->conn->local_port;
		}
		if (sa->conn->n_remote_ts) {
			x->qm->ts_r = sa->conn->remote_ts[ri];
		} else {
			proto_ike_ts_host(&sa->peer, &x->qm->ts_r);
			x->qm->ts_r.proto = sa->conn->remote_proto;
			x->qm->ts_r.port = sa->conn->remote_port;
		}
		struct ike_ctx c = {.e = sa->e, .sa = sa, .x = x};
		proto_ike_dispatch(&c, EV_START);
	}
}
