// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's input path: a datagram's header, its SA (ike_engine.c finds or makes it), the
 * exchange it belongs to, duplicates, NAT-T port moves, decryption and decoding, then the table
 * dispatcher (ike_dispatch.c).
 */
#include "proto/ike/engine.h"

#include <stdlib.h>
#include <string.h>

#include "proto/ike/engine_int.h"

/* Decrypts (if needed), decodes and dispatches one message of exchange x. */
static enum proto_ike_input_result xchg_input(struct ike_sa *sa, struct ike_xchg *x,
					      const struct proto_header *h, uint8_t *body,
					      size_t len, const uint8_t digest[32])
{
	struct proto_ike_engine *e = sa->e;
	bool enc = h->flags & ISAKMP_FLAG_E;
	struct proto_msg *m = malloc(sizeof(*m));
	if (!m)
		return PROTO_IKE_IN_DROPPED;
	if (enc &&
	    (!sa->keys_ready || !x->has_iv || proto_ike_decrypt(sa, &x->iv, body, len) < 0)) {
		e->st.drop_malformed++;
		free(m);
		return PROTO_IKE_IN_DROPPED;
	}
	const struct ike_kind *k = proto_ike_kind(x->type);
	bool encrypted_phase =
		k->enc == IKE_ENC_ALWAYS || (k->enc == IKE_ENC_AFTER_KEYS && sa->keys_ready);
	if (proto_decode_payloads(h->next_payload, body, len, enc ? PROTO_DECODE_PADDING : 0, m) !=
		    PROTO_OK ||
	    (encrypted_phase && !enc)) {
		if (x->has_iv)
			crypto_iv_state_discard(&x->iv);
		proto_ike_log_malformed(sa, x, enc, encrypted_phase && !enc, m);
		e->st.drop_malformed++;
		bool p1_auth = x == &sa->p1 && enc && !sa->established;
		free(m);
		if (p1_auth) {
			/* garbage after decryption in MM5/MM6: the keys differ */
			struct ike_ctx c = {.e = e, .sa = sa, .x = x};
			proto_ike_send_notify_plain(sa, ISAKMP_N_PAYLOAD_MALFORMED);
			proto_ike_fail(
				&c, PROTO_IKE_E_AUTH,
				"message %s does not decrypt to valid payloads: the pre-shared "
				"keys probably differ",
				proto_ike_state_name(x->state));
		}
		return PROTO_IKE_IN_DROPPED;
	}
	proto_ike_trace_msg(sa, x, false, m);
	struct ike_ctx c = {.e = e,
			    .sa = sa,
			    .x = x,
			    .msg = m,
			    .body = body,
			    .body_len = len - m->padding,
			    .flags = h->flags};
	enum ike_state before = x->state;
	proto_ike_dispatch(&c, EV_RECV);
	bool moved = c.sa && proto_ike_sa_by_id(e, sa->id) == sa && x->used && x->state != before;
	if (moved) {
		memcpy(x->rx_digest, digest, 32);
		x->has_rx = true;
		x->dup_resends = 0;
	}
	free(m);
	return moved ? PROTO_IKE_IN_OK : PROTO_IKE_IN_DROPPED;
}

/* The exchange a message belongs to: phase 1 (message ID 0), a post-phase-1 exchange in
 * progress of the same kind, or a new one (the peer starts it) unless its message ID was used
 * before. NULL: drop. */
static struct ike_xchg *xchg_of(struct ike_sa *sa, const struct proto_header *h)
{
	struct ike_xchg *x = NULL;
	if (h->exchange == sa->p1.type && h->msgid == 0)
		return &sa->p1;
	const struct ike_kind *k = proto_ike_kind(h->exchange);
	if (!k || !k->phase2 || !sa->established || !h->msgid ||
	    (h->exchange == ISAKMP_XCHG_TRANSACTION && !sa->e->pol.cfg && !sa->ra.on))
		return NULL;
	if (h->exchange == ISAKMP_XCHG_QUICK && sa->ra.pending) {
		proto_ike_log(sa->e, PROTO_LOG_DEBUG,
			      "#%llu: Quick Mode %08x dropped: XAUTH/Mode-Config not done yet",
			      (unsigned long long)sa->id, h->msgid);
		return NULL;
	}
	x = proto_ike_xchg_find(sa, h->msgid);
	if (x && x->type != h->exchange)
		return NULL;
	if (!x && !proto_ike_msgid_done(sa, h->msgid))
		x = proto_ike_xchg_new(sa, h->exchange, h->msgid, false);
	return x;
}

/* A retransmission of the last message x accepted: resend our cached answer, at most
 * PROTO_IKE_RETRANSMIT_TRIES times and not more often than PROTO_IKE_DUP_INTERVAL_MS. */
static void answer_duplicate(struct ike_sa *sa, struct ike_xchg *x)
{
	uint64_t now = proto_ike_now(sa->e);
	sa->e->st.duplicates++;
	if (x->reply_to_rx && x->last_sent && x->dup_resends < PROTO_IKE_RETRANSMIT_TRIES &&
	    (!x->dup_resends || now >= x->dup_resent_at + PROTO_IKE_DUP_INTERVAL_MS)) {
		proto_ike_push_send(sa, x->last_sent, x->last_len);
		sa->e->st.retransmits++;
		x->dup_resends++;
		x->dup_resent_at = now;
	}
}

/* Where the SA talks to the peer, saved while a message from a new NAT-T port is checked. */
struct sa_ports {
	struct proto_ike_addr local, peer;
	bool natt, moved;
};

/* RFC 3947 §4: a message on the NAT-T socket from another port (the initiator floated, or the
 * peer's NAT mapping changed) moves the SA there; undone unless the message proves genuine. */
static void ports_try(struct ike_sa *sa, const struct proto_ike_addr *local,
		      const struct proto_ike_addr *peer, bool natt, struct sa_ports *ret)
{
	ret->local = sa->local;
	ret->peer = sa->peer;
	ret->natt = sa->natt;
	ret->moved = natt && (!sa->natt || peer->port != sa->peer.port ||
			      (local->port && local->port != sa->local.port));
	if (!ret->moved)
		return;
	sa->natt = true;
	sa->peer.port = peer->port;
	if (local->port)
		sa->local.port = local->port;
}

static void ports_settle(struct ike_sa *sa, const struct sa_ports *old, bool genuine)
{
	if (!old->moved)
		return;
	if (!genuine) {
		sa->local = old->local;
		sa->peer = old->peer;
		sa->natt = old->natt;
		return;
	}
	if (!sa->established || !old->natt)
		return;
	char a[64], b[64];
	proto_ike_addr_str(&old->peer, a, sizeof(a));
	proto_ike_addr_str(&sa->peer, b, sizeof(b));
	proto_ike_log(sa->e, PROTO_LOG_INFO,
		      "\"%s\" #%llu: the peer's NAT mapping moved from %s to %s", sa->conn->name,
		      (unsigned long long)sa->id, a, b);
	struct proto_ike_event *ev = proto_ike_event_new(sa, PROTO_IKE_EV_PEER_MOVED);
	if (ev) {
		ev->u.moved.old_local = old->local;
		ev->u.moved.old_peer = old->peer;
	}
	proto_ike_push_event(sa->e, ev);
}

/*
 * A message of an early kind (Transaction) that comes while our phase 1 is not done yet, with
 * keys: the peer finished phase 1 and went on, and its last phase-1 message is lost or late.
 * One such message is kept (the latest; its sender retransmits anything else) and run once
 * phase 1 is up.
 */
static bool early_keep(struct ike_sa *sa, const struct proto_header *h, const uint8_t *buf,
		       const struct proto_ike_addr *local, const struct proto_ike_addr *peer,
		       bool natt)
{
	if (sa->established || !sa->keys_ready || !h->msgid || !(h->flags & ISAKMP_FLAG_E) ||
	    (h->exchange == ISAKMP_XCHG_TRANSACTION && !sa->e->pol.cfg && !sa->e->pol.ra))
		return false;
	struct ike_early *q = malloc(sizeof(*q) + h->length);
	if (!q)
		return false;
	memcpy(q->buf, buf, h->length);
	q->len = h->length;
	q->local = *local;
	q->peer = *peer;
	q->natt = natt;
	proto_ike_early_free(sa);
	sa->early = q;
	proto_ike_log(sa->e, PROTO_LOG_DEBUG,
		      "#%llu: %s message %08x before phase 1 is done: kept until it is",
		      (unsigned long long)sa->id, proto_name(PROTO_NAMES_EXCHANGE, h->exchange),
		      h->msgid);
	return true;
}

void proto_ike_early_free(struct ike_sa *sa)
{
	if (!sa->early)
		return;
	explicit_bzero(sa->early, sizeof(*sa->early) + sa->early->len);
	free(sa->early);
	sa->early = NULL;
}

void proto_ike_early_replay(struct ike_sa *sa)
{
	struct ike_early *q = sa->early;
	if (!q || !sa->established)
		return;
	sa->early = NULL;
	proto_ike_input(sa->e, q->buf, q->len, &q->local, &q->peer, q->natt);
	explicit_bzero(q, sizeof(*q) + q->len);
	free(q);
}

/* Runs one message of an existing SA (body is a private copy, decrypted in place). */
static enum proto_ike_input_result sa_input(struct ike_sa *sa, const struct proto_header *h,
					    const uint8_t *buf, uint8_t *body, size_t blen,
					    bool adopted, const struct proto_ike_addr *local,
					    const struct proto_ike_addr *peer, bool natt)
{
	struct proto_ike_engine *e = sa->e;
	uint64_t id = sa->id;
	uint8_t digest[32];
	struct sa_ports old;
	const struct ike_kind *k = proto_ike_kind(h->exchange);
	if (k && k->input) {
		ports_try(sa, local, peer, natt && sa->established, &old);
		bool genuine = k->input(sa, h, body, blen);
		if ((sa = proto_ike_sa_by_id(e, id)))
			ports_settle(sa, &old, genuine);
		if (adopted && sa)
			memset(sa->rcookie, 0, 8);
		return PROTO_IKE_IN_OK;
	}
	struct ike_xchg *x = xchg_of(sa, h);
	if (!x && k && k->early && early_keep(sa, h, buf, local, peer, natt))
		return PROTO_IKE_IN_OK;
	if (!x) {
		e->st.drop_msgid++;
		return PROTO_IKE_IN_DROPPED;
	}
	crypto_hash(CRYPTO_HASH_SHA2_256, buf, h->length, digest);
	if (x->has_rx && memcmp(x->rx_digest, digest, 32) == 0) {
		answer_duplicate(sa, x);
		return PROTO_IKE_IN_DUPLICATE;
	}
	ports_try(sa, local, peer, natt && (h->flags & ISAKMP_FLAG_E), &old);
	enum proto_ike_input_result r = xchg_input(sa, x, h, body, blen, digest);
	if (!(sa = proto_ike_sa_by_id(e, id)))
		return r;
	ports_settle(sa, &old, r == PROTO_IKE_IN_OK);
	if (adopted && r == PROTO_IKE_IN_DROPPED && !sa->established)
		memset(sa->rcookie, 0, 8);
	if (x != &sa->p1 && x->used && x->state == k->start_r)
		proto_ike_xchg_clear(x); /* a first message that did not start an exchange */
	proto_ike_slots_reclaim(sa);
	if (sa->p1.state == S_MM_R_START || sa->p1.state == S_AM_R_START) {
		proto_ike_sa_free(sa); /* a first message that did not start a negotiation */
		return r;
	}
	proto_ike_early_replay(sa);
	return r;
}

enum proto_ike_input_result proto_ike_input(struct proto_ike_engine *e, const uint8_t *buf,
					    size_t len, const struct proto_ike_addr *local,
					    const struct proto_ike_addr *peer, bool natt)
{
	static const uint8_t zero[8];
	struct proto_header h;
	size_t err_off;
	bool adopted = false;
	e->st.rx++;
	if (len > PROTO_IKE_MSG_MAX || proto_decode_header(buf, len, &h, &err_off) != PROTO_OK) {
		e->st.drop_malformed++;
		return PROTO_IKE_IN_DROPPED;
	}
	if (h.next_payload == ISAKMP_PL_FRAG)
		return proto_ike_frag_input(e, buf, &h, local, peer, natt);
	struct ike_sa *sa = proto_ike_sa_find(e, &h, peer, &adopted);
	if (!sa && (h.exchange == ISAKMP_XCHG_IDPROT || h.exchange == ISAKMP_XCHG_AGGRESSIVE) &&
	    h.msgid == 0 && !(h.flags & ISAKMP_FLAG_E) && memcmp(h.rcookie, zero, 8) == 0)
		sa = proto_ike_sa_respond(e, &h, local, peer, natt);
	if (!sa || !proto_ike_addr_eq(&sa->peer, peer)) {
		if (sa && adopted)
			memset(sa->rcookie, 0, 8);
		e->st.drop_unknown_sa++;
		return PROTO_IKE_IN_DROPPED;
	}
	size_t blen = h.length - PROTO_HDR_LEN;
	uint8_t *body = malloc(blen + 1);
	if (!body)
		return PROTO_IKE_IN_DROPPED;
	memcpy(body, buf + PROTO_HDR_LEN, blen);
	enum proto_ike_input_result r =
		sa_input(sa, &h, buf, body, blen, adopted, local, peer, natt);
	explicit_bzero(body, blen);
	free(body);
	return r;
}
