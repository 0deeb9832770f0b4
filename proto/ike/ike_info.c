// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Informational exchanges (RFC 2409 §5.7, RFC 2408 §4.8) and vendor IDs.
 *
 *   HDR*, HASH(1), N/D   -->      (once the ISAKMP SA is established; HASH(1) = prf(SKEYID_a,
 *                                  M-ID | N/D), a fresh IV from the phase-1 IV and the M-ID)
 *   HDR, N               -->      (during phase 1: unauthenticated error notifies)
 *
 * Protected messages: DELETE of IPsec SAs and of the ISAKMP SA, INITIAL-CONTACT, R-U-THERE
 * (answered with R-U-THERE-ACK, RFC 3706 §5), other notifies reported. Unprotected ones are only
 * believed while phase 1 is in progress (they end it: a peer that says NO-PROPOSAL-CHOSEN or
 * AUTHENTICATION-FAILED will not go on); after it, they are ignored.
 *
 * Its row in the kind table (ike_kind.c) has no state tables: proto_ike_info_input takes the
 * message whole. Run as a dispatcher exchange it would change what peers see: each message would
 * take one of the IKE_SLOTS slots (with 16 Quick Modes in flight a DELETE or an R-U-THERE would be
 * dropped, today it never is), fall under the duplicate digest and the finished-message-ID list
 * (a notify resent unchanged would no longer be acted on), and a plaintext notify during phase 1
 * has neither keys nor an exchange to belong to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ike/engine_int.h"

/* RFC 3706 §5 (DPD) and RFC 3947 §3.1 (NAT-T: MD5("RFC 3947") = 4a131c81...e95452f; note the
 * last byte is 0x2f, as tshark and strongSwan recognise it). The draft NAT-T IDs older peers send
 * are recognised in ike_natt.c. */
static const uint8_t vid_dpd[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
				    0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
static const uint8_t vid_natt[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
				     0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};

/* Our vendor IDs: DPD, NAT-T unless the conn turned it off (encapsulation=no), and IKE
 * fragmentation unless fragmentation=no. */
void proto_ike_vid_put(const struct ike_sa *sa, struct proto_builder *b)
{
	proto_put_vid(b, vid_dpd, sizeof(vid_dpd));
	if (!sa->conn->no_natt)
		proto_put_vid(b, vid_natt, sizeof(vid_natt));
	proto_ike_frag_vid_put(sa, b);
}

void proto_ike_vid_scan(struct ike_sa *sa, const struct proto_msg *m)
{
	const struct proto_payload *v;
	for (unsigned i = 0; (v = proto_msg_find(m, ISAKMP_PL_VID, i)); i++) {
		if (v->u.data.len == 16 && memcmp(v->u.data.p, vid_dpd, 16) == 0)
			sa->peer_dpd = true;
		proto_ike_natt_vid(sa, v->u.data.p, v->u.data.len);
		proto_ike_frag_vid(sa, v->u.data.p, v->u.data.len);
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A plaintext notify during phase 1: an error from the peer ends the negotiation. */
static void plain_notify(struct ike_sa *sa, const struct proto_msg *m)
{
	const struct proto_payload *n = proto_msg_find(m, ISAKMP_PL_N, 0);
	char name[48];
	if (!n || sa->established || n->u.n.type >= 8192) {
		sa->e->st.drop_state++;
		return;
	}
	uint16_t t = n->u.n.type;
	bool psk = t == ISAKMP_N_AUTHENTICATION_FAILED || t == ISAKMP_N_INVALID_HASH_INFORMATION ||
		   (t == ISAKMP_N_PAYLOAD_MALFORMED && sa->keys_ready);
	struct ike_ctx c = {.e = sa->e, .sa = sa, .x = &sa->p1};
	proto_ike_fail(&c,
		       t == ISAKMP_N_NO_PROPOSAL_CHOSEN	      ? PROTO_IKE_E_NO_PROPOSAL
		       : psk				      ? PROTO_IKE_E_AUTH
		       : t == ISAKMP_N_INVALID_ID_INFORMATION ? PROTO_IKE_E_ID
							      : PROTO_IKE_E_PEER_NOTIFY,
		       "the peer sent %s (unauthenticated)%s",
		       proto_name_buf(PROTO_NAMES_NOTIFY, t, name, sizeof(name)),
		       psk ? ": the pre-shared keys probably differ" : "");
}

/* A DELETE: the ISAKMP SA itself (returns false: sa is gone) or IPsec SAs (an event). */
static bool handle_delete(struct ike_sa *sa, const struct proto_payload *pl)
{
	const struct proto_delete *d = &pl->u.d;
	if (d->protocol == PROTO_ISAKMP) {
		for (unsigned i = 0; i < d->count && d->spi_size == 16; i++) {
			const uint8_t *spi = proto_delete_spi(d, i);
			if (spi && memcmp(spi, sa->icookie, 8) == 0 &&
			    memcmp(spi + 8, sa->rcookie, 8) == 0) {
				proto_ike_log(sa->e, PROTO_LOG_INFO,
					      "\"%s\" #%llu: peer deleted the ISAKMP SA",
					      sa->conn->name, (unsigned long long)sa->id);
				proto_ike_sa_free(sa);
				return false;
			}
		}
		return true;
	}
	if (d->spi_size != 4)
		return true;
	struct proto_ike_event *ev = proto_ike_event_new(sa, PROTO_IKE_EV_DELETE);
	if (!ev)
		return true;
	ev->u.del.protocol = d->protocol;
	for (unsigned i = 0; i < d->count && ev->u.del.n_spis < PROTO_IKE_DELETE_SPIS_MAX; i++) {
		const uint8_t *spi = proto_delete_spi(d, i);
		if (spi)
			ev->u.del.spis[ev->u.del.n_spis++] = be32(spi);
	}
	proto_ike_push_event(sa->e, ev);
	return true;
}

static void handle_notify(struct ike_sa *sa, const struct proto_payload *pl)
{
	const struct proto_notify *n = &pl->u.n;
	if (n->type == ISAKMP_N_R_U_THERE && n->data.len == 4) {
		uint8_t spi[16];
		memcpy(spi, sa->icookie, 8);
		memcpy(spi + 8, sa->rcookie, 8);
		/* RFC 3706 §5: the SPI is CKY-I | CKY-R (some peers send none) */
		if (n->spi.len && (n->spi.len != 16 || memcmp(n->spi.p, spi, 16) != 0))
			return;
		proto_ike_send_info(sa, ISAKMP_PL_N, PROTO_ISAKMP, ISAKMP_N_R_U_THERE_ACK, spi, 16,
				    0, n->data.p, 4);
		return;
	}
	if (n->type == ISAKMP_N_R_U_THERE_ACK) {
		if (n->data.len == 4)
			proto_ike_dpd_ack(sa, be32(n->data.p));
		return;
	}
	if (n->type < 8192 && n->spi.len == 4) {
		/* an error about one of our Quick Modes: it names the SPI we offered */
		uint32_t spi = be32(n->spi.p);
		for (unsigned i = 0; i < IKE_SLOTS; i++) {
			struct ike_xchg *x = sa->xs[i];
			if (!x || !x->used || !x->initiator || x->state != S_QM_I1_SENT ||
			    !x->qm->n_offer || x->qm->offer[0].spi_in != spi)
				continue;
			char name[48];
			struct ike_ctx c = {.e = sa->e, .sa = sa, .x = x};
			proto_ike_fail(
				&c,
				n->type == ISAKMP_N_NO_PROPOSAL_CHOSEN ? PROTO_IKE_E_NO_PROPOSAL
								       : PROTO_IKE_E_PEER_NOTIFY,
				"the peer sent %s",
				proto_name_buf(PROTO_NAMES_NOTIFY, n->type, name, sizeof(name)));
			proto_ike_xchg_clear(x);
			proto_ike_sa_update_timer(sa);
			return;
		}
	}
	struct proto_ike_event *ev = proto_ike_event_new(sa, n->type == ISAKMP_N_INITIAL_CONTACT
								     ? PROTO_IKE_EV_INITIAL_CONTACT
								     : PROTO_IKE_EV_NOTIFY);
	if (!ev)
		return;
	ev->u.notify.type = n->type;
	ev->u.notify.protocol = n->protocol;
	ev->u.notify.spi = n->spi.len == 4 ? be32(n->spi.p) : 0;
	proto_ike_push_event(sa->e, ev);
}

/* An encrypted informational we cannot read while we wait for the peer's authentication: the
 * peer encrypted it with keys that differ from ours. */
static void undecryptable_in_phase1(struct ike_sa *sa)
{
	if (sa->established || !sa->keys_ready ||
	    (sa->p1.state != S_MM_I5_SENT && sa->p1.state != S_MM_R4_SENT &&
	     sa->p1.state != S_AM_R2_SENT))
		return;
	struct ike_ctx c = {.e = sa->e, .sa = sa, .x = &sa->p1};
	proto_ike_fail(
		&c, PROTO_IKE_E_AUTH,
		"the peer answered with an encrypted notify we cannot decrypt: the pre-shared keys "
		"probably differ");
}

/* Returns true for an authenticated (HASH(1) verified) informational. */
bool proto_ike_info_input(struct ike_sa *sa, const struct proto_header *h, uint8_t *body,
			  size_t len)
{
	struct ike_xchg x = {.used = true, .type = ISAKMP_XCHG_INFO, .msgid = h->msgid};
	struct proto_msg *m = malloc(sizeof(*m));
	bool enc = h->flags & ISAKMP_FLAG_E, ok = false;
	if (!m)
		return false;
	if (enc && (!sa->keys_ready || !proto_ike_iv_phase2(sa, h->msgid, &x.iv) ||
		    proto_ike_decrypt(sa, &x.iv, body, len) < 0)) {
		sa->e->st.drop_malformed++;
		goto out;
	}
	if (proto_decode_payloads(h->next_payload, body, len, enc ? PROTO_DECODE_PADDING : 0, m) !=
	    PROTO_OK) {
		sa->e->st.drop_malformed++;
		if (enc)
			undecryptable_in_phase1(sa);
		goto out;
	}
	if (!enc) {
		plain_notify(sa, m);
		goto out;
	}
	struct ike_ctx c = {.e = sa->e,
			    .sa = sa,
			    .x = &x,
			    .msg = m,
			    .body = body,
			    .body_len = len - m->padding};
	if (!proto_ike_qm_verify_hash(&c, IKE_HASH_INFO)) {
		proto_ike_log(sa->e, PROTO_LOG_INFO,
			      "#%llu: informational with a bad HASH(1) dropped",
			      (unsigned long long)sa->id);
		sa->e->st.drop_malformed++;
		undecryptable_in_phase1(sa);
		goto out;
	}
	ok = true;
	for (unsigned i = 1; i < m->n; i++) {
		const struct proto_payload *pl = &m->pl[i];
		/* Before the peer's HASH_I/HASH_R is checked the keys only prove it knows the PSK,
		 * not which ID it is (a PSK may be shared): it may report an error, nothing more:
		 * no Delete, INITIAL-CONTACT or DPD until phase 1 is established. */
		if (!sa->established && (pl->type != ISAKMP_PL_N || pl->u.n.type >= 8192)) {
			proto_ike_log(sa->e, PROTO_LOG_DEBUG,
				      "#%llu: %s before phase 1 is established ignored",
				      (unsigned long long)sa->id,
				      pl->type == ISAKMP_PL_D ? "delete" : "status notify");
			continue;
		}
		if (pl->type == ISAKMP_PL_D && !handle_delete(sa, pl))
			goto out; /* sa is gone */
		if (pl->type == ISAKMP_PL_N)
			handle_notify(sa, pl);
	}
out:
	explicit_bzero(&x, sizeof(x));
	free(m);
	return ok;
}

/* ---- Dead Peer Detection (RFC 3706 §5) ---- */

static void dpd_send(struct ike_sa *sa)
{
	uint8_t spi[16], seq[4];
	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	sa->dpd_seq++;
	for (int k = 0; k < 4; k++)
		seq[k] = (uint8_t)(sa->dpd_seq >> (24 - 8 * k));
	proto_ike_send_info(sa, ISAKMP_PL_N, PROTO_ISAKMP, ISAKMP_N_R_U_THERE, spi, 16, 0, seq, 4);
	sa->dpd_resend = proto_ike_now(sa->e) + PROTO_IKE_DPD_RESEND_MS;
	if (sa->dpd_resend > sa->dpd_expire)
		sa->dpd_resend = sa->dpd_expire;
}

int proto_ike_dpd_probe(struct proto_ike_engine *e, uint64_t sa_id, uint32_t timeout_ms)
{
	struct ike_sa *sa = proto_ike_sa_by_id(e, sa_id);
	if (!sa || !sa->established)
		return -ENOENT;
	if (!sa->peer_dpd)
		return -EOPNOTSUPP;
	if (sa->dpd_pending)
		return -EALREADY;
	if (sa->dpd_seq == 0) {
		/* §5.4: a random first sequence number, kept below 2^31 so it never wraps */
		proto_ike_random(e, (uint8_t *)&sa->dpd_seq, sizeof(sa->dpd_seq));
		sa->dpd_seq = (sa->dpd_seq & 0x7fffffffu) | 1;
	}
	sa->dpd_pending = true;
	sa->dpd_first = sa->dpd_seq + 1;
	sa->dpd_expire = proto_ike_now(e) + timeout_ms;
	dpd_send(sa);
	proto_ike_sa_update_timer(sa);
	return 0;
}

/* An authenticated R-U-THERE-ACK: it must answer one of this probe's R-U-THEREs (§5.5). */
void proto_ike_dpd_ack(struct ike_sa *sa, uint32_t seq)
{
	if (!sa->dpd_pending || seq < sa->dpd_first || seq > sa->dpd_seq) {
		proto_ike_log(sa->e, PROTO_LOG_DEBUG,
			      "#%llu: R-U-THERE-ACK %u ignored (not expected)",
			      (unsigned long long)sa->id, seq);
		return;
	}
	sa->dpd_pending = false;
	struct proto_ike_event *ev = proto_ike_event_new(sa, PROTO_IKE_EV_DPD_ACK);
	if (ev)
		ev->u.dpd.seq = seq;
	proto_ike_push_event(sa->e, ev);
	proto_ike_sa_update_timer(sa);
}

/* The SA's timer fired: resend R-U-THERE, or declare the peer dead. */
void proto_ike_dpd_timer(struct ike_sa *sa, uint64_t now)
{
	if (!sa->dpd_pending)
		return;
	if (now >= sa->dpd_expire) {
		sa->dpd_pending = false;
		proto_ike_log(sa->e, PROTO_LOG_INFO, "\"%s\" #%llu: DPD: no answer from the peer",
			      sa->conn->name, (unsigned long long)sa->id);
		struct proto_ike_event *ev = proto_ike_event_new(sa, PROTO_IKE_EV_DPD_DEAD);
		if (ev) {
			ev->u.dpd.seq = sa->dpd_seq;
			ev->reason = PROTO_IKE_E_TIMEOUT;
			snprintf(ev->text, sizeof(ev->text), "no R-U-THERE-ACK from the peer");
		}
		proto_ike_push_event(sa->e, ev);
		return;
	}
	if (now >= sa->dpd_resend)
		dpd_send(sa);
}
