// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Aggressive Mode (RFC 2409 §5) with pre-shared keys (§5.4) or signatures (§5.1), initiator and
 * responder; the method's row in ike_auth.c says what authenticates messages 2 and 3:
 *
 *   Initiator                                 Responder
 *   HDR, SA, KE, Ni, IDii [, CR]         -->
 *                                        <--  HDR, SA, KE, Nr, IDir [, CR], HASH_R
 *                                             (signatures: ... IDir [, CR] [, CERT], SIG_R)
 *   HDR, HASH_I  /  HDR, [CERT,] SIG_I   -->
 *
 * The responder refuses Aggressive Mode unless the conn opts in: its second message carries
 * HASH_R, computed from the PSK and values an eavesdropper sees, which allows an offline
 * dictionary attack on the PSK. The KE is sent before the group is agreed, so the initiator only
 * offers the transforms of its first proposal's group. RFC 2409 §5.4 draws the third message
 * without encryption, but deployed implementations send it encrypted (HDR*) with the new keys; we
 * do too (it then carries INITIAL-CONTACT), and accept it either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ike/engine_int.h"

/* ---- initiator ---- */

/* our key pair first (the KE goes in the first message) */
static enum ike_ret am_i_start_dh(struct ike_ctx *c)
{
	if (!proto_ike_auth_offer_ok(c))
		return IKE_FAIL;
	c->sa->prop.group = c->sa->conn->ike[0].group;
	return proto_ike_dh_start(c, c->sa->prop.group, NULL, NULL, 0) < 0 ? IKE_DROP : IKE_WAIT;
}

/* --> HDR, SA, KE, Ni, IDii */
static enum ike_ret am_i_dh_send_i1(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	struct proto_builder b;
	if (!proto_ike_take_public(c, sa->n->gxi))
		return IKE_FAIL;
	sa->n->dh = c->job->dh;
	c->job->dh = NULL;
	sa->n->ni_len = IKE_NONCE_LEN;
	proto_ike_random(c->e, sa->n->ni, sa->n->ni_len);
	proto_ike_set_own_id(sa, sa->n->idi_b, &sa->n->idi_b_len);
	proto_ike_msg_begin(c, &b, false);
	size_t sa_off = b.len;
	proto_ike_put_p1_sa(&b, sa->conn, sa->prop.group);
	proto_put_ke(&b, sa->n->gxi, sa->n->gx_len);
	proto_put_nonce(&b, sa->n->ni, sa->n->ni_len);
	proto_put_id(&b, sa->n->idi_b[0], 0, 0, sa->n->idi_b + 4, sa->n->idi_b_len - 4);
	proto_ike_auth_put_cr(c, &b);
	proto_ike_vid_put(c->sa, &b);
	if (!proto_ike_msg_end(c, &b))
		return IKE_DROP;
	size_t sa_len = (size_t)c->x->out[sa_off + 2] << 8 | c->x->out[sa_off + 3];
	proto_ike_save_sai(sa, c->x->out + sa_off + PROTO_GENERIC_LEN, sa_len - PROTO_GENERIC_LEN);
	return IKE_NEXT;
}

/* HDR, SA, KE, Nr, IDir, HASH_R / [CERT,] SIG_R <-- : g^xy (the peer's HASH or SIG is kept
 * until the keys are there) */
static enum ike_ret am_i_recv_r1_start_dh(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	const struct proto_payload *pl = proto_msg_find(c->msg, ISAKMP_PL_SA, 0);
	uint16_t group = sa->prop.group;
	if (!proto_ike_take_nonce(c, sa->n->nr, &sa->n->nr_len))
		return IKE_DROP;
	if (!proto_ike_p1_reply_ok(c, &pl->u.sa) || !proto_ike_auth_take(c))
		return IKE_FAIL;
	if (sa->prop.group != group) {
		proto_ike_fail(c, PROTO_IKE_E_NO_PROPOSAL, "the responder chose another DH group");
		return IKE_FAIL;
	}
	if (!proto_ike_take_peer_ke(c, sa->n->gxr) ||
	    !proto_ike_take_peer_id(c, sa->n->idr_b, &sa->n->idr_b_len))
		return IKE_FAIL;
	proto_ike_vid_scan(sa, c->msg);
	if (!proto_ike_natt_agree(c))
		return IKE_FAIL;
	proto_ike_natd_check(c);
	struct crypto_dh *dh = sa->n->dh;
	sa->n->dh = NULL;
	return proto_ike_dh_start(c, group, dh, sa->n->gxr, sa->n->gx_len) < 0 ? IKE_DROP
									       : IKE_WAIT;
}

/* --> HDR*, HASH_I / [CERT,] SIG_I [, N(INITIAL-CONTACT)] */
static enum ike_ret am_i_dh_send_i3(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	struct proto_builder b;
	uint8_t spi[16];
	if (!proto_ike_take_shared(c) || !proto_ike_auth_keys(c, &sa->peer_id) ||
	    !proto_ike_auth_check(c, false))
		return IKE_FAIL;
	proto_ike_natt_float(sa); /* RFC 3947 §4: AM3 on the NAT-T port */
	proto_ike_msg_begin(c, &b, true);
	proto_ike_natd_put(sa, &b);
	if (!proto_ike_auth_put(c, &b, true))
		return IKE_FAIL;
	if (sa->conn->initial_contact) {
		memcpy(spi, sa->icookie, 8);
		memcpy(spi + 8, sa->rcookie, 8);
		proto_put_notify(&b, ISAKMP_DOI_IPSEC, PROTO_ISAKMP, ISAKMP_N_INITIAL_CONTACT, spi,
				 16, NULL, 0);
	}
	return proto_ike_msg_end(c, &b) ? IKE_DONE : IKE_DROP;
}

/* ---- responder ---- */

/* HDR, SA, KE, Ni, IDii <-- : policy, then our key pair and g^xy */
static enum ike_ret am_r_recv_i1_start_dh(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	const struct proto_payload *pl = proto_msg_find(c->msg, ISAKMP_PL_SA, 0);
	const struct proto_payload *idp = proto_msg_find(c->msg, ISAKMP_PL_ID, 0);
	struct proto_ike_id id;
	if (!proto_ike_take_nonce(c, sa->n->ni, &sa->n->ni_len))
		return IKE_DROP;
	if (!proto_ike_id_from_payload(idp, &id)) {
		c->notify = ISAKMP_N_INVALID_ID_INFORMATION;
		proto_ike_fail(c, PROTO_IKE_E_ID,
			       "the peer's ID payload is not a usable phase-1 ID");
		return IKE_FAIL;
	}
	if (!c->e->pol.find_p1 ||
	    c->e->pol.find_p1(c->e->pol.ctx, &sa->local, &sa->peer, &id, sa->conn) < 0) {
		char got[128];
		proto_ike_id_str(&id, got, sizeof(got));
		c->notify = ISAKMP_N_INVALID_ID_INFORMATION;
		proto_ike_fail(c, PROTO_IKE_E_POLICY,
			       "no connection for this peer and ID: Aggressive Mode from ID %s",
			       got);
		return IKE_FAIL;
	}
	if (!sa->conn->aggressive) {
		c->notify = ISAKMP_N_NO_PROPOSAL_CHOSEN;
		proto_ike_fail(
			c, PROTO_IKE_E_AGGRESSIVE,
			"aggressive mode refused for \"%s\": with a pre-shared key it hands an "
			"eavesdropper a hash for an offline dictionary attack on the key "
			"(set aggressive=yes on the connection to allow it)",
			sa->conn->name);
		return IKE_FAIL;
	}
	if (!proto_ike_select_p1(c, &pl->u.sa) || !proto_ike_take_peer_ke(c, sa->n->gxi) ||
	    !proto_ike_take_peer_id(c, sa->n->idi_b, &sa->n->idi_b_len))
		return IKE_FAIL;
	if (!proto_ike_auth_take_cr(c))
		return IKE_DROP;
	proto_ike_vid_scan(sa, c->msg);
	(void)proto_ike_natt_agree(c); /* a responder only logs */
	proto_ike_save_sai(sa, pl->body.p, pl->body.len);
	return proto_ike_dh_start(c, sa->prop.group, NULL, sa->n->gxi, sa->n->gx_len) < 0
		       ? IKE_DROP
		       : IKE_WAIT;
}

/* --> HDR, SA, KE, Nr, IDir [, CR], HASH_R / [CERT,] SIG_R */
static enum ike_ret am_r_dh_send_r2(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	struct proto_builder b;
	if (!proto_ike_take_public(c, sa->n->gxr) || !proto_ike_take_shared(c))
		return IKE_FAIL;
	sa->n->nr_len = IKE_NONCE_LEN;
	proto_ike_random(c->e, sa->n->nr, sa->n->nr_len);
	if (!proto_ike_auth_keys(c, &sa->peer_id))
		return IKE_FAIL;
	proto_ike_set_own_id(sa, sa->n->idr_b, &sa->n->idr_b_len);
	proto_ike_msg_begin(c, &b, false);
	proto_ike_put_p1_reply(sa, &b);
	proto_put_ke(&b, sa->n->gxr, sa->n->gx_len);
	proto_put_nonce(&b, sa->n->nr, sa->n->nr_len);
	proto_put_id(&b, sa->n->idr_b[0], 0, 0, sa->n->idr_b + 4, sa->n->idr_b_len - 4);
	proto_ike_auth_put_cr(c, &b);
	if (!proto_ike_auth_put(c, &b, false))
		return IKE_FAIL;
	proto_ike_vid_put(c->sa, &b);
	proto_ike_natd_put(sa, &b);
	return proto_ike_msg_end(c, &b) ? IKE_NEXT : IKE_DROP;
}

/* HDR*, HASH_I / [CERT,] SIG_I <-- : established */
static enum ike_ret am_r_recv_i3_done(struct ike_ctx *c)
{
	const struct proto_payload *n;
	if (!proto_ike_auth_take(c) || !proto_ike_auth_check(c, true))
		return IKE_FAIL;
	crypto_iv_state_commit(&c->x->iv); /* when it came encrypted */
	proto_ike_natd_check(c);
	for (unsigned i = 0; (n = proto_msg_find(c->msg, ISAKMP_PL_N, i)); i++)
		if (n->u.n.type == ISAKMP_N_INITIAL_CONTACT)
			c->sa->peer_initial_contact = true;
	return IKE_DONE;
}

#define AM1  (PL(ISAKMP_PL_SA) | PL(ISAKMP_PL_KE) | PL(ISAKMP_PL_NONCE) | PL(ISAKMP_PL_ID))
#define VIDS (PL(ISAKMP_PL_VID) | PL(ISAKMP_PL_NAT_D))

static const struct ike_row am_i_rows[] = {
	/* our key pair for the first message */
	{S_AM_I_START, S_AM_I0_DH, EV_START, 0, 0, NULL, am_i_start_dh, false},
	/* --> HDR, SA, KE, Ni, IDii */
	{S_AM_I0_DH, S_AM_I1_SENT, EV_DH, 0, 0, NULL, am_i_dh_send_i1, true},
	/* HDR, SA, KE, Nr, IDir [, CR], HASH_R / [CERT,] SIG_R <-- */
	{S_AM_I1_SENT, S_AM_I2_DH, EV_RECV, AM1, VIDS | PL(ISAKMP_PL_CR) | PL_AUTH, NULL,
	 am_i_recv_r1_start_dh, false},
	/* --> HDR*, HASH_I */
	{S_AM_I2_DH, S_P1_UP, EV_DH, 0, 0, NULL, am_i_dh_send_i3, false},
};

static const struct ike_row am_r_rows[] = {
	/* HDR, SA, KE, Ni, IDii <-- */
	{S_AM_R_START, S_AM_R1_DH, EV_RECV, AM1, VIDS | PL(ISAKMP_PL_CR), NULL,
	 am_r_recv_i1_start_dh, false},
	/* --> HDR, SA, KE, Nr, IDir, HASH_R */
	{S_AM_R1_DH, S_AM_R2_SENT, EV_DH, 0, 0, NULL, am_r_dh_send_r2, true},
	/* HDR*, HASH_I / [CERT,] SIG_I <-- (or without encryption) */
	{S_AM_R2_SENT, S_P1_UP, EV_RECV, 0, VIDS | PL(ISAKMP_PL_N) | PL_AUTH, NULL,
	 am_r_recv_i3_done, false},
};

const struct ike_table proto_ike_am_i_table = {"AM-I", am_i_rows,
					       sizeof(am_i_rows) / sizeof(am_i_rows[0])};
const struct ike_table proto_ike_am_r_table = {"AM-R", am_r_rows,
					       sizeof(am_r_rows) / sizeof(am_r_rows[0])};
