// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Main Mode (RFC 2409 §5) with pre-shared keys (§5.4) or signatures (§5.1), initiator and
 * responder; the method's row in ike_auth.c says what authenticates messages 5 and 6:
 *
 *   Initiator                          Responder
 *   HDR, SA                       -->
 *                                 <--  HDR, SA
 *   HDR, KE, Ni                   -->
 *                                 <--  HDR, KE, Nr [, CR]
 *   HDR*, IDii, HASH_I            -->                          (PSK)
 *   HDR*, IDii, [CR,] [CERT,] SIG_I -->                        (signatures)
 *                                 <--  HDR*, IDir, HASH_R / HDR*, IDir, [CERT,] SIG_R
 *
 * CRs go where charon 5.9 and Libreswan put them: the responder's in MM4, the initiator's in
 * MM5 (so a responder with sendcert=ifasked learns it in time for MM6); a CR in MM3 is accepted.
 * Each side computes its DH values on a worker (the *_DH states). The responder must pick the PSK
 * before it knows the peer's ID (message 5 is encrypted with it), so it asks the policy for the
 * PSK of the conn found by address (RFC 2409 §5.4's known limitation of Main Mode with PSK).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ike/engine_int.h"

/* Stores our new DH value (keygen result of the job) as g^xi or g^xr. */
bool proto_ike_take_public(struct ike_ctx *c, uint8_t *gx)
{
	struct ike_sa *sa = c->sa;
	size_t n = crypto_dh_public_len(sa->prop.group);
	if (c->job->result < 0 || !c->job->dh || crypto_dh_public(c->job->dh, gx, n) < 0) {
		proto_ike_fail(c, PROTO_IKE_E_DH, "Diffie-Hellman computation failed (%d)",
			       c->job->result);
		return false;
	}
	sa->n->gx_len = n;
	return true;
}

/* Stores the peer's KE data; its length must match the group. */
bool proto_ike_take_peer_ke(struct ike_ctx *c, uint8_t *gx)
{
	const struct proto_payload *ke = proto_msg_find(c->msg, ISAKMP_PL_KE, 0);
	size_t n = crypto_dh_public_len(c->sa->prop.group);
	if (ke->u.data.len != n) {
		c->notify = ISAKMP_N_INVALID_KEY_INFORMATION;
		proto_ike_fail(c, PROTO_IKE_E_DH, "KE payload of %zu bytes, group %u needs %zu",
			       ke->u.data.len, c->sa->prop.group, n);
		return false;
	}
	memcpy(gx, ke->u.data.p, n);
	c->sa->n->gx_len = n;
	return true;
}

/* Copies the peer's nonce. */
bool proto_ike_take_nonce(struct ike_ctx *c, uint8_t *out, size_t *ret_len)
{
	const struct proto_payload *n = proto_msg_find(c->msg, ISAKMP_PL_NONCE, 0);
	if (n->u.data.len < PROTO_NONCE_MIN || n->u.data.len > PROTO_NONCE_MAX)
		return false;
	memcpy(out, n->u.data.p, n->u.data.len);
	*ret_len = n->u.data.len;
	return true;
}

/* The shared secret of the finished job into sa->gxy. */
bool proto_ike_take_shared(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	if (c->job->result < 0 || c->job->shared_len > sizeof(sa->n->gxy)) {
		proto_ike_fail(c, PROTO_IKE_E_DH,
			       "Diffie-Hellman failed: the peer's public value is invalid");
		return false;
	}
	memcpy(sa->n->gxy, c->job->shared, c->job->shared_len);
	sa->n->gxy_len = c->job->shared_len;
	return true;
}

/* Our ID payload body into idi_b/idr_b. */
void proto_ike_set_own_id(struct ike_sa *sa, uint8_t *out, size_t *ret_len)
{
	struct proto_ike_id id;
	proto_ike_local_id(sa, &id);
	*ret_len = proto_ike_id_body(&id, out, 4 + PROTO_IKE_ID_MAX);
}

/* Whether conn accepts the negotiated method. */
static bool conn_has_method(const struct proto_ike_conn *conn, uint16_t method)
{
	for (unsigned i = 0; i < conn->n_ike && i < PROTO_IKE_P1_PROPS_MAX; i++)
		if (proto_ike_auth_norm(conn->ike[i].auth) == method)
			return true;
	return false;
}

/* Reads the peer's ID payload and checks it against the conn. */
bool proto_ike_take_peer_id(struct ike_ctx *c, uint8_t *id_b, size_t *ret_len)
{
	struct ike_sa *sa = c->sa;
	const struct proto_payload *pl = proto_msg_find(c->msg, ISAKMP_PL_ID, 0);
	char got[128], want[128];
	if (!proto_ike_id_from_payload(pl, &sa->peer_id) || pl->body.len > 4 + PROTO_IKE_ID_MAX) {
		c->notify = ISAKMP_N_INVALID_ID_INFORMATION;
		proto_ike_fail(c, PROTO_IKE_E_ID,
			       "the peer's ID payload is not a usable phase-1 ID");
		return false;
	}
	/* a responder chose its conn by address: another conn may fit the ID (same PSK, which the
	 * HASH check then proves). With signatures the conn does not name the peer's ID (the
	 * verify callback matches it, wildcard RDNs too): the policy is asked again whatever it
	 * is, and its conn for this ID taken (SKEYID does not depend on the conn). */
	struct proto_ike_conn other;
	bool sig = proto_ike_auth_norm(sa->prop.auth) != IKE_AUTH_PSK;
	if (!sa->initiator && (sig || !proto_ike_id_match(&sa->conn->remote_id, &sa->peer_id)) &&
	    c->e->pol.find_p1 &&
	    c->e->pol.find_p1(c->e->pol.ctx, &sa->local, &sa->peer, &sa->peer_id, &other) == 0 &&
	    proto_ike_id_match(&other.remote_id, &sa->peer_id) &&
	    conn_has_method(&other, sa->prop.auth))
		*sa->conn = other;
	if (!proto_ike_id_match(&sa->conn->remote_id, &sa->peer_id)) {
		proto_ike_id_str(&sa->peer_id, got, sizeof(got));
		proto_ike_id_str(&sa->conn->remote_id, want, sizeof(want));
		c->notify = ISAKMP_N_INVALID_ID_INFORMATION;
		proto_ike_fail(c, PROTO_IKE_E_ID, "the peer's ID %s does not match the expected %s",
			       got, want);
		return false;
	}
	memcpy(id_b, pl->body.p, pl->body.len);
	*ret_len = pl->body.len;
	return true;
}

/* Verifies the peer's HASH_I/HASH_R against ours. */
bool proto_ike_check_auth(struct ike_ctx *c, const uint8_t *got, size_t len, bool hash_i)
{
	uint8_t want[CRYPTO_HASH_MAX_LEN];
	uint8_t d = 0;
	bool ok = len == c->sa->keys.prf_len && proto_ike_auth_hash(c->sa, hash_i, want);
	for (size_t i = 0; ok && i < len; i++)
		d |= want[i] ^ got[i];
	explicit_bzero(want, sizeof(want));
	if (ok && d == 0)
		return true;
	c->notify = ISAKMP_N_INVALID_HASH_INFORMATION;
	proto_ike_fail(c, PROTO_IKE_E_AUTH, "%s mismatch: the pre-shared keys probably differ",
		       hash_i ? "HASH_I" : "HASH_R");
	return false;
}

/* ---- initiator ---- */

/* --> HDR, SA */
static enum ike_ret mm_i_start_send_i1(struct ike_ctx *c)
{
	struct proto_builder b;
	if (!proto_ike_auth_offer_ok(c))
		return IKE_FAIL;
	proto_ike_msg_begin(c, &b, false);
	size_t sa_off = b.len;
	proto_ike_put_p1_sa(&b, c->sa->conn, 0);
	proto_ike_vid_put(c->sa, &b);
	if (!proto_ike_msg_end(c, &b))
		return IKE_DROP;
	size_t sa_len = (size_t)c->x->out[sa_off + 2] << 8 | c->x->out[sa_off + 3];
	proto_ike_save_sai(c->sa, c->x->out + sa_off + PROTO_GENERIC_LEN,
			   sa_len - PROTO_GENERIC_LEN);
	return IKE_NEXT;
}

/* HDR, SA <-- : start our DH key pair */
static enum ike_ret mm_i_recv_r1_start_dh(struct ike_ctx *c)
{
	const struct proto_payload *sa = proto_msg_find(c->msg, ISAKMP_PL_SA, 0);
	if (!proto_ike_p1_reply_ok(c, &sa->u.sa))
		return IKE_FAIL;
	proto_ike_vid_scan(c->sa, c->msg);
	if (!proto_ike_natt_agree(c))
		return IKE_FAIL;
	if (proto_ike_dh_start(c, c->sa->prop.group, NULL, NULL, 0) < 0)
		return IKE_DROP;
	return IKE_WAIT;
}

/* --> HDR, KE, Ni */
static enum ike_ret mm_i_dh_send_i3(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	struct proto_builder b;
	if (!proto_ike_take_public(c, sa->n->gxi))
		return IKE_FAIL;
	sa->n->dh = c->job->dh;
	c->job->dh = NULL;
	sa->n->ni_len = IKE_NONCE_LEN;
	proto_ike_random(c->e, sa->n->ni, sa->n->ni_len);
	proto_ike_msg_begin(c, &b, false);
	proto_put_ke(&b, sa->n->gxi, sa->n->gx_len);
	proto_put_nonce(&b, sa->n->ni, sa->n->ni_len);
	proto_ike_natd_put(sa, &b);
	return proto_ike_msg_end(c, &b) ? IKE_NEXT : IKE_DROP;
}

/* HDR, KE, Nr <-- : compute g^xy */
static enum ike_ret mm_i_recv_r3_start_dh(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	size_t own = sa->n->gx_len;
	if (!proto_ike_take_nonce(c, sa->n->nr, &sa->n->nr_len))
		return IKE_DROP;
	if (!proto_ike_take_peer_ke(c, sa->n->gxr))
		return IKE_FAIL;
	if (sa->n->gx_len != own || !proto_ike_auth_take_cr(c))
		return IKE_DROP;
	proto_ike_natd_check(c);
	struct crypto_dh *dh = sa->n->dh;
	sa->n->dh = NULL;
	if (proto_ike_dh_start(c, sa->prop.group, dh, sa->n->gxr, sa->n->gx_len) < 0)
		return IKE_DROP;
	return IKE_WAIT;
}

/* --> HDR*, IDii, HASH_I / [CERT,] SIG_I [, N(INITIAL-CONTACT)] */
static enum ike_ret mm_i_dh_send_i5(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	struct proto_builder b;
	uint8_t spi[16];
	if (!proto_ike_take_shared(c))
		return IKE_FAIL;
	if (!proto_ike_auth_keys(c, sa->conn->remote_id.type ? &sa->conn->remote_id : NULL))
		return IKE_FAIL;
	proto_ike_set_own_id(sa, sa->n->idi_b, &sa->n->idi_b_len);
	proto_ike_natt_float(sa); /* RFC 3947 §4: MM5 on, from and to the NAT-T port */
	proto_ike_msg_begin(c, &b, true);
	proto_put_id(&b, sa->n->idi_b[0], 0, 0, sa->n->idi_b + 4, sa->n->idi_b_len - 4);
	proto_ike_auth_put_cr(c, &b); /* charon and Libreswan ask here as initiators */
	if (!proto_ike_auth_put(c, &b, true))
		return IKE_FAIL;
	if (sa->conn->initial_contact) {
		memcpy(spi, sa->icookie, 8);
		memcpy(spi + 8, sa->rcookie, 8);
		proto_put_notify(&b, ISAKMP_DOI_IPSEC, PROTO_ISAKMP, ISAKMP_N_INITIAL_CONTACT, spi,
				 16, NULL, 0);
	}
	return proto_ike_msg_end(c, &b) ? IKE_NEXT : IKE_DROP;
}

/* HDR*, IDir, HASH_R / [CERT,] SIG_R <-- : established */
static enum ike_ret mm_i_recv_r5_done(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	if (!proto_ike_take_peer_id(c, sa->n->idr_b, &sa->n->idr_b_len) ||
	    !proto_ike_auth_take(c) || !proto_ike_auth_check(c, false))
		return IKE_FAIL;
	crypto_iv_state_commit(&c->x->iv);
	return IKE_DONE;
}

/* ---- responder ---- */

/* HDR, SA <-- --> HDR, SA */
static enum ike_ret mm_r_recv_i1_send_r1(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	const struct proto_payload *pl = proto_msg_find(c->msg, ISAKMP_PL_SA, 0);
	struct proto_builder b;
	if (!c->e->pol.find_p1 ||
	    c->e->pol.find_p1(c->e->pol.ctx, &sa->local, &sa->peer, NULL, sa->conn) < 0) {
		c->notify = ISAKMP_N_NO_PROPOSAL_CHOSEN;
		proto_ike_fail(c, PROTO_IKE_E_POLICY, "no connection for this peer address");
		return IKE_FAIL;
	}
	if (!proto_ike_select_p1(c, &pl->u.sa))
		return IKE_FAIL;
	proto_ike_vid_scan(sa, c->msg);
	(void)proto_ike_natt_agree(c); /* a responder only logs */
	proto_ike_save_sai(sa, pl->body.p, pl->body.len);
	proto_ike_msg_begin(c, &b, false);
	proto_ike_put_p1_reply(sa, &b);
	proto_ike_vid_put(c->sa, &b);
	return proto_ike_msg_end(c, &b) ? IKE_NEXT : IKE_DROP;
}

/* HDR, KE, Ni <-- : our key pair and g^xy */
static enum ike_ret mm_r_recv_i3_start_dh(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	if (!proto_ike_take_nonce(c, sa->n->ni, &sa->n->ni_len))
		return IKE_DROP;
	if (!proto_ike_take_peer_ke(c, sa->n->gxi))
		return IKE_FAIL;
	if (!proto_ike_auth_take_cr(c))
		return IKE_DROP;
	proto_ike_natd_check(c);
	if (proto_ike_dh_start(c, sa->prop.group, NULL, sa->n->gxi, sa->n->gx_len) < 0)
		return IKE_DROP;
	return IKE_WAIT;
}

/* --> HDR, KE, Nr */
static enum ike_ret mm_r_dh_send_r4(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	struct proto_builder b;
	if (!proto_ike_take_public(c, sa->n->gxr) || !proto_ike_take_shared(c))
		return IKE_FAIL;
	sa->n->nr_len = IKE_NONCE_LEN;
	proto_ike_random(c->e, sa->n->nr, sa->n->nr_len);
	if (!proto_ike_auth_keys(c, NULL))
		return IKE_FAIL;
	proto_ike_msg_begin(c, &b, false);
	proto_put_ke(&b, sa->n->gxr, sa->n->gx_len);
	proto_put_nonce(&b, sa->n->nr, sa->n->nr_len);
	proto_ike_auth_put_cr(c, &b);
	proto_ike_natd_put(sa, &b);
	return proto_ike_msg_end(c, &b) ? IKE_NEXT : IKE_DROP;
}

/* HDR*, IDii, HASH_I / [CERT,] SIG_I <-- --> HDR*, IDir, HASH_R / [CERT,] SIG_R */
static enum ike_ret mm_r_recv_i5_send_r6(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	const struct proto_payload *n;
	struct proto_builder b;
	if (!proto_ike_take_peer_id(c, sa->n->idi_b, &sa->n->idi_b_len) ||
	    !proto_ike_auth_take(c) || !proto_ike_auth_check(c, true))
		return IKE_FAIL;
	crypto_iv_state_commit(&c->x->iv);
	for (unsigned i = 0; (n = proto_msg_find(c->msg, ISAKMP_PL_N, i)); i++)
		if (n->u.n.type == ISAKMP_N_INITIAL_CONTACT)
			sa->peer_initial_contact = true;
	proto_ike_set_own_id(sa, sa->n->idr_b, &sa->n->idr_b_len);
	proto_ike_msg_begin(c, &b, true);
	proto_put_id(&b, sa->n->idr_b[0], 0, 0, sa->n->idr_b + 4, sa->n->idr_b_len - 4);
	if (!proto_ike_auth_put(c, &b, false))
		return IKE_FAIL;
	return proto_ike_msg_end(c, &b) ? IKE_DONE : IKE_DROP;
}

#define VIDS (PL(ISAKMP_PL_VID))
#define NATD (PL(ISAKMP_PL_NAT_D))
#define CR   (PL(ISAKMP_PL_CR))

static const struct ike_row mm_i_rows[] = {
	/* --> HDR, SA */
	{S_MM_I_START, S_MM_I1_SENT, EV_START, 0, 0, NULL, mm_i_start_send_i1, true},
	/* HDR, SA <-- */
	{S_MM_I1_SENT, S_MM_I2_DH, EV_RECV, PL(ISAKMP_PL_SA), VIDS, NULL, mm_i_recv_r1_start_dh,
	 false},
	/* --> HDR, KE, Ni */
	{S_MM_I2_DH, S_MM_I3_SENT, EV_DH, 0, 0, NULL, mm_i_dh_send_i3, true},
	/* HDR, KE, Nr <-- */
	{S_MM_I3_SENT, S_MM_I4_DH, EV_RECV, PL(ISAKMP_PL_KE) | PL(ISAKMP_PL_NONCE),
	 VIDS | NATD | CR, NULL, mm_i_recv_r3_start_dh, false},
	/* --> HDR*, IDii, HASH_I */
	{S_MM_I4_DH, S_MM_I5_SENT, EV_DH, 0, 0, NULL, mm_i_dh_send_i5, true},
	/* HDR*, IDir, HASH_R / [CERT,] SIG_R <-- (auth: the method's payloads) */
	{S_MM_I5_SENT, S_P1_UP, EV_RECV, PL(ISAKMP_PL_ID), VIDS | PL(ISAKMP_PL_N) | PL_AUTH, NULL,
	 mm_i_recv_r5_done, false},
};

static const struct ike_row mm_r_rows[] = {
	/* HDR, SA <-- --> HDR, SA */
	{S_MM_R_START, S_MM_R2_SENT, EV_RECV, PL(ISAKMP_PL_SA), VIDS, NULL, mm_r_recv_i1_send_r1,
	 true},
	/* HDR, KE, Ni <-- */
	{S_MM_R2_SENT, S_MM_R3_DH, EV_RECV, PL(ISAKMP_PL_KE) | PL(ISAKMP_PL_NONCE),
	 VIDS | NATD | CR, NULL, mm_r_recv_i3_start_dh, false},
	/* --> HDR, KE, Nr */
	{S_MM_R3_DH, S_MM_R4_SENT, EV_DH, 0, 0, NULL, mm_r_dh_send_r4, true},
	/* HDR*, IDii, HASH_I / [CERT,] SIG_I <-- --> HDR*, IDir, HASH_R / [CERT,] SIG_R */
	{S_MM_R4_SENT, S_P1_UP, EV_RECV, PL(ISAKMP_PL_ID), VIDS | PL(ISAKMP_PL_N) | PL_AUTH, NULL,
	 mm_r_recv_i5_send_r6, false},
};

const struct ike_table proto_ike_mm_i_table = {"MM-I", mm_i_rows,
					       sizeof(mm_i_rows) / sizeof(mm_i_rows[0])};
const struct ike_table proto_ike_mm_r_table = {"MM-R", mm_r_rows,
					       sizeof(mm_r_rows) / sizeof(mm_r_rows[0])};
