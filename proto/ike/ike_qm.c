// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Quick Mode (RFC 2409 §5.5), initiator and responder, with and without PFS:
 *
 *   Initiator                                  Responder
 *   HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] -->
 *                          <-- HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr] [,
 * N(RESPONDER-LIFETIME)] HDR*, HASH(3)                               -->
 *
 * With the commit bit (RFC 2408 §3.1, set by an initiator whose conn asks for it, echoed by the
 * responder), the responder ends with a fourth message in the same exchange:
 *                                         <-- HDR*, HASH, N(CONNECTED)
 * HASH being prf(SKEYID_a, M-ID | N), computed like HASH(1). We report the SA pair after QM3 on
 * both sides and take CONNECTED as a confirmation (logged); we do not hold back the SA until it
 * arrives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ike/engine_int.h"

static bool has_pfs(const struct ike_ctx *c)
{
	return c->x->qm->conn.pfs_group != 0;
}

static bool no_pfs(const struct ike_ctx *c)
{
	return !has_pfs(c);
}

static bool msg_has_ke(const struct ike_ctx *c)
{
	return proto_msg_count(c->msg, ISAKMP_PL_KE) > 0;
}

static bool msg_no_ke(const struct ike_ctx *c)
{
	return !msg_has_ke(c);
}

/* An inbound SPI, or for PROTO_IPCOMP a CPI; 0 when the daemon has none (or a reserved one). */
static uint32_t alloc_spi(struct ike_ctx *c, uint8_t protocol)
{
	uint32_t spi = 0;
	struct ike_sa *sa = c->sa;
	if (!c->e->pol.alloc_spi ||
	    c->e->pol.alloc_spi(c->e->pol.ctx, &c->x->qm->conn, protocol, &sa->local, &sa->peer,
				&spi) < 0 ||
	    spi < 256 || /* RFC 4303 §2.1: 1..255 are reserved; RFC 3173 §3.3 for CPIs */
	    (protocol == PROTO_IPCOMP && spi > IKE_CPI_MAX))
		return 0;
	return spi;
}

/* The initiator's offer: SPIs (one per protocol), a CPI with compress=yes, and the proposals in
 * the conn's order: the first PROTO_IKE_IPCOMP_OFFER_MAX with IPComp, then all without (the
 * layout is drawn in ike_prop.c). */
static bool qm_i_prepare(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	uint32_t spi_esp = 0, spi_ah = 0, cpi = 0;
	unsigned n = x->qm->conn.n_esp < PROTO_IKE_P2_PROPS_MAX ? x->qm->conn.n_esp
								: PROTO_IKE_P2_PROPS_MAX;
	unsigned ncomp = !x->qm->conn.compress		  ? 0
			 : n < PROTO_IKE_IPCOMP_OFFER_MAX ? n
							  : PROTO_IKE_IPCOMP_OFFER_MAX;
	if (ncomp && !(cpi = alloc_spi(c, PROTO_IPCOMP))) {
		proto_ike_log(c->e, PROTO_LOG_WARNING,
			      "\"%s\" #%llu: could not allocate a CPI: offering no IPComp",
			      x->qm->conn.name, (unsigned long long)c->sa->id);
		ncomp = 0;
	}
	x->qm->n_offer = 0;
	for (unsigned k = 0; k < ncomp + n; k++) {
		const struct proto_ike_p2_prop *p = &x->qm->conn.esp[k < ncomp ? k : k - ncomp];
		uint32_t *spi = p->protocol == PROTO_IPSEC_AH ? &spi_ah : &spi_esp;
		if (!*spi && !(*spi = alloc_spi(c, p->protocol))) {
			proto_ike_fail(c, PROTO_IKE_E_INTERNAL,
				       "could not allocate an inbound SPI");
			return false;
		}
		struct ike_p2_choice *o = &x->qm->offer[x->qm->n_offer++];
		memset(o, 0, sizeof(*o));
		o->prop = *p;
		o->number = (uint8_t)(k + 1);
		o->xf_number = 1;
		o->spi_in = *spi;
		o->mode = x->qm->conn.mode ? x->qm->conn.mode : ENCAP_TUNNEL;
		o->group = x->qm->conn.pfs_group;
		o->offered_life_s =
			x->qm->conn.ipsec_lifetime_s ? x->qm->conn.ipsec_lifetime_s : 28800;
		o->offered_life_kb = x->qm->conn.ipsec_lifetime_kb;
		if (k < ncomp) {
			o->comp = true;
			o->comp_xf_number = 1;
			o->comp_transform = IPCOMP_DEFLATE;
			o->cpi_in = (uint16_t)cpi;
			o->cpi_len = 2;
		}
	}
	x->commit = x->qm->conn.commit;
	x->qm->ni_len = IKE_NONCE_LEN;
	proto_ike_random(c->e, x->qm->ni, x->qm->ni_len);
	return true;
}

/* The peer's nonce into x->nr (or x->ni for the responder). */
static bool qm_take_nonce(struct ike_ctx *c, uint8_t *out, size_t *ret_len)
{
	const struct proto_payload *n = proto_msg_find(c->msg, ISAKMP_PL_NONCE, 0);
	if (!n || n->u.data.len < PROTO_NONCE_MIN || n->u.data.len > PROTO_NONCE_MAX)
		return false;
	memcpy(out, n->u.data.p, n->u.data.len);
	*ret_len = n->u.data.len;
	return true;
}

static bool qm_take_ke(struct ike_ctx *c)
{
	const struct proto_payload *ke = proto_msg_find(c->msg, ISAKMP_PL_KE, 0);
	struct ike_xchg *x = c->x;
	if (!ke || ke->u.data.len != crypto_dh_public_len(x->qm->conn.pfs_group))
		return false;
	memcpy(x->qm->peer_ke, ke->u.data.p, ke->u.data.len);
	x->qm->peer_ke_len = ke->u.data.len;
	return true;
}

/* Builds and sends QM1 (own KE from x->dh when PFS). */
static enum ike_ret qm_i_send_i1(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	struct proto_builder b;
	uint8_t zero[CRYPTO_HASH_MAX_LEN] = {0}, ke[CRYPTO_DH_PUBLIC_MAX];
	proto_ike_msg_begin(c, &b, true);
	size_t hoff = proto_put_hash(&b, zero, c->sa->keys.prf_len);
	proto_ike_put_p2_sa(c, &b);
	proto_put_nonce(&b, x->qm->ni, x->qm->ni_len);
	if (x->qm->dh) {
		size_t n = crypto_dh_public_len(x->qm->conn.pfs_group);
		if (crypto_dh_public(x->qm->dh, ke, n) < 0) {
			proto_ike_fail(c, PROTO_IKE_E_DH,
				       "PFS Diffie-Hellman: no public value for group %u",
				       x->qm->conn.pfs_group);
			return IKE_FAIL;
		}
		proto_put_ke(&b, ke, n);
	}
	proto_ike_put_ts(&b, &x->qm->ts_i);
	proto_ike_put_ts(&b, &x->qm->ts_r);
	proto_ike_nat_oa_put(c, &b);
	return proto_ike_msg_end_hash(c, &b, hoff, IKE_HASH1) ? IKE_NEXT : IKE_DROP;
}

/* The child event with the KEYMAT of both directions (RFC 2409 §5.5). */
static enum ike_ret qm_established(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	struct ike_xchg *x = c->x;
	struct ike_p2_choice *ch = &x->qm->chosen;
	struct proto_ike_event *ev = proto_ike_event_new(sa, PROTO_IKE_EV_P2_UP);
	struct crypto_buf gqm = {x->qm->gqm, x->qm->gqm_len};
	struct crypto_buf ni = {x->qm->ni, x->qm->ni_len}, nr = {x->qm->nr, x->qm->nr_len};
	char din[9], dout[9], alg[80], tsl[100], tsr[100], peer[64];
	if (!ev)
		return IKE_DROP;
	struct proto_ike_child *k = &ev->u.child;
	ev->conn_handle = x->qm->conn.handle;
	ev->reqid = x->qm->conn.reqid;
	k->protocol = ch->prop.protocol;
	k->transform = ch->prop.transform;
	k->key_bits = ch->prop.key_bits;
	k->auth = ch->prop.auth;
	k->mode = ch->mode;
	k->spi_in = ch->spi_in;
	k->spi_out = ch->spi_out;
	k->enc_key_len = proto_ike_enc_key_len(&ch->prop);
	k->auth_key_len = proto_ike_auth_key_len(&ch->prop);
	k->lifetime_s = ch->lifetime_s;
	k->lifetime_kb = ch->lifetime_kb;
	k->pfs_group = ch->group;
	k->local_ts = x->initiator ? x->qm->ts_i : x->qm->ts_r;
	k->remote_ts = x->initiator ? x->qm->ts_r : x->qm->ts_i;
	/* RFC 3948: ESP in UDP between the NAT-T ports once a NAT is detected (or forced) */
	k->natt = sa->natt && (sa->nat_local || sa->nat_peer);
	k->encap_sport = k->natt ? sa->local.port : 0;
	k->encap_dport = k->natt ? sa->peer.port : 0;
	k->msgid = x->msgid;
	k->has_oa = x->qm->has_oa;
	k->oa_peer = x->qm->oa_peer;
	k->ipcomp = ch->comp;
	k->ipcomp_transform = ch->comp ? ch->comp_transform : 0;
	k->cpi_in = ch->comp ? ch->cpi_in : 0;
	k->cpi_out = ch->comp ? ch->cpi_out : 0;
	k->cpi_spare = !ch->comp && x->initiator && x->qm->n_offer && x->qm->offer[0].comp
			       ? x->qm->offer[0].cpi_in
			       : 0;
	size_t len = k->enc_key_len + k->auth_key_len;
	if (len == 0 || len > PROTO_IKE_KEYMAT_MAX ||
	    crypto_ike_keymat(&sa->keys, gqm, k->protocol, k->spi_in, ni, nr, k->keymat_in, len) <
		    0 ||
	    crypto_ike_keymat(&sa->keys, gqm, k->protocol, k->spi_out, ni, nr, k->keymat_out, len) <
		    0) {
		explicit_bzero(ev, sizeof(*ev));
		free(ev);
		proto_ike_fail(c, PROTO_IKE_E_INTERNAL, "KEYMAT derivation failed");
		return IKE_FAIL;
	}
	explicit_bzero(x->qm->gqm, sizeof(x->qm->gqm));
	proto_ike_keymat_digest(k->keymat_in, len, din);
	proto_ike_keymat_digest(k->keymat_out, len, dout);
	proto_ike_p2_str(&ch->prop, alg, sizeof(alg));
	proto_ike_ts_str(&k->local_ts, tsl, sizeof(tsl));
	proto_ike_ts_str(&k->remote_ts, tsr, sizeof(tsr));
	proto_ike_addr_str(&sa->peer, peer, sizeof(peer));
	/* The daemon logs the one info line per child, once the kernel has it. */
	char comp[48] = "";
	if (k->ipcomp)
		snprintf(comp, sizeof(comp), ", IPComp CPIs in %04x out %04x", k->cpi_in,
			 k->cpi_out);
	proto_ike_log(
		c->e, PROTO_LOG_DEBUG,
		"\"%s\" #%llu: IPsec SA negotiated with %s: %s %s, %s === %s, SPIs in %08x out "
		"%08x%s%s%s, lifetime %us",
		x->qm->conn.name, (unsigned long long)sa->id, peer, alg,
		k->mode == ENCAP_TRANSPORT ? "transport" : "tunnel", tsl, tsr, k->spi_in,
		k->spi_out, comp, k->pfs_group ? ", PFS " : "",
		k->pfs_group ? proto_name(PROTO_NAMES_IKE_GROUP, k->pfs_group) ?: "?" : "",
		k->lifetime_s);
	proto_ike_log(c->e, PROTO_LOG_DEBUG, "#%llu: keymat digest in %s out %s",
		      (unsigned long long)sa->id, din, dout);
	proto_ike_push_event(c->e, ev);
	return IKE_DONE;
}

/* ---- initiator ---- */

/* start with PFS: our QM key pair first */
static enum ike_ret qm_i_start_dh(struct ike_ctx *c)
{
	if (!qm_i_prepare(c))
		return IKE_FAIL;
	return proto_ike_dh_start(c, c->x->qm->conn.pfs_group, NULL, NULL, 0) < 0 ? IKE_DROP
										  : IKE_WAIT;
}

/* --> HDR*, HASH(1), SA, Ni, IDci, IDcr */
static enum ike_ret qm_i_start_send_i1(struct ike_ctx *c)
{
	if (!qm_i_prepare(c))
		return IKE_FAIL;
	return qm_i_send_i1(c);
}

/* --> HDR*, HASH(1), SA, Ni, KE, IDci, IDcr */
static enum ike_ret qm_i_dh_send_i1(struct ike_ctx *c)
{
	if (c->job->result < 0) {
		proto_ike_fail(c, PROTO_IKE_E_DH, "Diffie-Hellman key generation failed");
		return IKE_FAIL;
	}
	c->x->qm->dh = c->job->dh;
	c->job->dh = NULL;
	return qm_i_send_i1(c);
}

/* Applies a RESPONDER-LIFETIME notify (RFC 2407 §4.6.3.1) to the chosen SA. */
static void obey_responder_lifetime(struct ike_ctx *c)
{
	const struct proto_payload *n;
	struct ike_p2_choice *ch = &c->x->qm->chosen;
	for (unsigned i = 0; (n = proto_msg_find(c->msg, ISAKMP_PL_N, i)); i++) {
		struct proto_iter it;
		struct proto_attr a;
		uint16_t type = 0;
		uint32_t v;
		if (n->u.n.type != ISAKMP_N_RESPONDER_LIFETIME)
			continue;
		proto_attrs_begin(&it, n->u.n.data);
		while (proto_attrs_next(&it, &a)) {
			if (proto_attr_u32(&a, &v) != PROTO_OK)
				break;
			if (a.type == IPSEC_ATTR_SA_LIFE_TYPE)
				type = (uint16_t)v;
			else if (a.type == IPSEC_ATTR_SA_LIFE_DURATION && type == LIFE_SECONDS &&
				 v && v < ch->lifetime_s)
				ch->lifetime_s = v;
			else if (a.type == IPSEC_ATTR_SA_LIFE_DURATION && type == LIFE_KILOBYTES &&
				 v && (!ch->lifetime_kb || v < ch->lifetime_kb))
				ch->lifetime_kb = v;
		}
	}
}

/* The responder's QM2: HASH(2), its choice, nonce and (if present) the echoed IDs. */
static bool qm_i_check_r1(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	if (!qm_take_nonce(c, x->qm->nr, &x->qm->nr_len) || !proto_ike_qm_verify_hash(c, IKE_HASH2))
		return false;
	crypto_iv_state_commit(&x->iv);
	return true;
}

static enum ike_ret qm_i_finish(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	struct proto_builder b;
	uint8_t h3[CRYPTO_HASH_MAX_LEN];
	struct crypto_buf ni = {x->qm->ni, x->qm->ni_len}, nr = {x->qm->nr, x->qm->nr_len};
	if (crypto_ike_qm_hash3(&c->sa->keys, x->msgid, ni, nr, h3) < 0)
		return IKE_DROP;
	proto_ike_msg_begin(c, &b, true);
	proto_put_hash(&b, h3, c->sa->keys.prf_len);
	if (!proto_ike_msg_end(c, &b))
		return IKE_DROP;
	return qm_established(c);
}

/* Common checks of QM2 after HASH(2): the choice, the IDs, the lifetime. */
static bool qm_i_take_r1(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	const struct proto_payload *sa = proto_msg_find(c->msg, ISAKMP_PL_SA, 0);
	struct proto_ike_ts ti, tr;
	if (!proto_ike_p2_reply_ok(c, &sa->u.sa))
		return false;
	if (proto_msg_count(c->msg, ISAKMP_PL_ID) == 2 &&
	    (!proto_ike_ts_from_payload(proto_msg_find(c->msg, ISAKMP_PL_ID, 0), &ti) ||
	     !proto_ike_ts_from_payload(proto_msg_find(c->msg, ISAKMP_PL_ID, 1), &tr) ||
	     memcmp(&ti, &x->qm->ts_i, sizeof(ti)) != 0 ||
	     memcmp(&tr, &x->qm->ts_r, sizeof(tr)) != 0)) {
		proto_ike_fail(c, PROTO_IKE_E_ID, "the responder changed the traffic selectors");
		return false;
	}
	obey_responder_lifetime(c);
	proto_ike_nat_oa_take(c);
	return true;
}

/* HDR*, HASH(2), SA, Nr, IDci, IDcr <-- --> HDR*, HASH(3) */
static enum ike_ret qm_i_recv_r1_send_i3(struct ike_ctx *c)
{
	if (!qm_i_check_r1(c))
		return IKE_DROP;
	if (msg_has_ke(c) || !qm_i_take_r1(c))
		return msg_has_ke(c) ? IKE_DROP : IKE_FAIL;
	return qm_i_finish(c);
}

/* HDR*, HASH(2), SA, Nr, KE, IDci, IDcr <-- : g(qm)^xy */
static enum ike_ret qm_i_recv_r1_start_dh(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	if (!qm_i_check_r1(c))
		return IKE_DROP;
	if (!qm_i_take_r1(c))
		return IKE_FAIL;
	if (!qm_take_ke(c)) {
		proto_ike_fail(c, PROTO_IKE_E_NO_PROPOSAL,
			       "PFS requested but the responder's KE is "
			       "missing or of the wrong size");
		return IKE_FAIL;
	}
	struct crypto_dh *dh = x->qm->dh;
	x->qm->dh = NULL;
	return proto_ike_dh_start(c, x->qm->conn.pfs_group, dh, x->qm->peer_ke,
				  x->qm->peer_ke_len) < 0
		       ? IKE_DROP
		       : IKE_WAIT;
}

/* --> HDR*, HASH(3) (after the PFS DH) */
static enum ike_ret qm_i_dh_send_i3(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	if (c->job->result < 0 || c->job->shared_len > sizeof(x->qm->gqm)) {
		proto_ike_fail(c, PROTO_IKE_E_DH, "PFS Diffie-Hellman failed: invalid peer value");
		return IKE_FAIL;
	}
	memcpy(x->qm->gqm, c->job->shared, c->job->shared_len);
	x->qm->gqm_len = c->job->shared_len;
	return qm_i_finish(c);
}

/* ---- responder ---- */

/* The protocol and SPI of the initiator's first proposal: an error notify names them so the
 * initiator knows which Quick Mode failed. */
static void first_peer_spi(const struct proto_sa *sa, struct ike_p2_choice *ret)
{
	struct proto_iter it;
	struct proto_proposal p;
	proto_proposals_begin(&it, sa);
	if (proto_proposals_next(&it, &p) && p.spi.len == 4) {
		ret->prop.protocol = p.protocol;
		ret->spi_out = (uint32_t)p.spi.p[0] << 24 | (uint32_t)p.spi.p[1] << 16 |
			       (uint32_t)p.spi.p[2] << 8 | p.spi.p[3];
	}
}

/* QM1 after HASH(1): selectors, conn, proposal, SPI. */
static bool qm_r_take_i1(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	struct ike_xchg *x = c->x;
	const struct proto_payload *pl = proto_msg_find(c->msg, ISAKMP_PL_SA, 0);
	char a[100], b[100];
	unsigned nid = proto_msg_count(c->msg, ISAKMP_PL_ID);
	if (!qm_take_nonce(c, x->qm->ni, &x->qm->ni_len)) {
		c->notify = ISAKMP_N_PAYLOAD_MALFORMED;
		proto_ike_fail(c, PROTO_IKE_E_NO_PROPOSAL, "nonce of a bad size in quick mode");
		return false;
	}
	x->qm->send_ids = nid == 2;
	x->commit = c->flags & ISAKMP_FLAG_C;
	if (nid == 2) {
		if (!proto_ike_ts_from_payload(proto_msg_find(c->msg, ISAKMP_PL_ID, 0),
					       &x->qm->ts_i) ||
		    !proto_ike_ts_from_payload(proto_msg_find(c->msg, ISAKMP_PL_ID, 1),
					       &x->qm->ts_r)) {
			c->notify = ISAKMP_N_INVALID_ID_INFORMATION;
			proto_ike_fail(c, PROTO_IKE_E_ID, "unusable client IDs in quick mode");
			return false;
		}
	} else {
		proto_ike_ts_host(&sa->peer, &x->qm->ts_i);
		proto_ike_ts_host(&sa->local, &x->qm->ts_r);
	}
	if (!c->e->pol.find_p2 || c->e->pol.find_p2(c->e->pol.ctx, sa->conn, &sa->peer,
						    &x->qm->ts_r, &x->qm->ts_i, &x->qm->conn) < 0) {
		proto_ike_ts_str(&x->qm->ts_i, a, sizeof(a));
		proto_ike_ts_str(&x->qm->ts_r, b, sizeof(b));
		c->notify = ISAKMP_N_INVALID_ID_INFORMATION;
		proto_ike_fail(c, PROTO_IKE_E_POLICY, "no connection for %s === %s", b, a);
		return false;
	}
	first_peer_spi(&pl->u.sa, &x->qm->chosen);
	if (!proto_ike_select_p2(c, &pl->u.sa, msg_has_ke(c)))
		return false;
	if (x->qm->chosen.comp && !(x->qm->chosen.cpi_in = (uint16_t)alloc_spi(c, PROTO_IPCOMP))) {
		proto_ike_log(c->e, PROTO_LOG_WARNING,
			      "\"%s\" #%llu: could not allocate a CPI: choosing without IPComp",
			      x->qm->conn.name, (unsigned long long)sa->id);
		x->qm->conn.compress = false;
		if (!proto_ike_select_p2(c, &pl->u.sa, msg_has_ke(c)))
			return false;
	}
	if (!(x->qm->chosen.spi_in = alloc_spi(c, x->qm->chosen.prop.protocol))) {
		proto_ike_fail(c, PROTO_IKE_E_INTERNAL, "could not allocate an inbound SPI");
		return false;
	}
	if (msg_has_ke(c) && !qm_take_ke(c)) {
		c->notify = ISAKMP_N_INVALID_KEY_INFORMATION;
		proto_ike_fail(c, PROTO_IKE_E_DH, "KE payload of the wrong size for group %u",
			       x->qm->conn.pfs_group);
		return false;
	}
	proto_ike_nat_oa_take(c);
	x->qm->nr_len = IKE_NONCE_LEN;
	proto_ike_random(c->e, x->qm->nr, x->qm->nr_len);
	return true;
}

/* RFC 2407 §4.5 attributes of a RESPONDER-LIFETIME notify (TV, or TLV for long durations). */
static size_t lifetime_attrs(const struct ike_p2_choice *ch, uint8_t *out)
{
	size_t n = 0;
	uint32_t vals[2] = {ch->lifetime_s, ch->lifetime_kb};
	for (unsigned i = 0; i < 2; i++) {
		if (!vals[i])
			continue;
		uint16_t type = (uint16_t)(i ? LIFE_KILOBYTES : LIFE_SECONDS);
		out[n++] = 0x80;
		out[n++] = IPSEC_ATTR_SA_LIFE_TYPE;
		out[n++] = (uint8_t)(type >> 8);
		out[n++] = (uint8_t)type;
		out[n++] = 0;
		out[n++] = IPSEC_ATTR_SA_LIFE_DURATION;
		out[n++] = 0;
		out[n++] = 4;
		for (int k = 3; k >= 0; k--)
			out[n++] = (uint8_t)(vals[i] >> (8 * k));
	}
	return n;
}

/* --> HDR*, HASH(2), SA, Nr [, KE], IDci, IDcr [, N(RESPONDER-LIFETIME)] */
static enum ike_ret qm_r_send_r2(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	struct proto_builder b;
	uint8_t zero[CRYPTO_HASH_MAX_LEN] = {0}, ke[CRYPTO_DH_PUBLIC_MAX], spi[4], attrs[24];
	proto_ike_msg_begin(c, &b, true);
	size_t hoff = proto_put_hash(&b, zero, c->sa->keys.prf_len);
	proto_ike_put_p2_reply(c, &b);
	proto_put_nonce(&b, x->qm->nr, x->qm->nr_len);
	if (x->qm->chosen.group && c->job) {
		size_t n = crypto_dh_public_len(x->qm->chosen.group);
		if (!c->job->dh || crypto_dh_public(c->job->dh, ke, n) < 0) {
			proto_ike_fail(c, PROTO_IKE_E_DH,
				       "PFS Diffie-Hellman: no public value for group %u",
				       x->qm->chosen.group);
			return IKE_FAIL;
		}
		proto_put_ke(&b, ke, n);
	}
	if (x->qm->send_ids) {
		proto_ike_put_ts(&b, &x->qm->ts_i);
		proto_ike_put_ts(&b, &x->qm->ts_r);
	}
	proto_ike_nat_oa_put(c, &b);
	if (x->qm->resp_lifetime) {
		for (int k = 0; k < 4; k++)
			spi[k] = (uint8_t)(x->qm->chosen.spi_in >> (24 - 8 * k));
		proto_put_notify(&b, ISAKMP_DOI_IPSEC, x->qm->chosen.prop.protocol,
				 ISAKMP_N_RESPONDER_LIFETIME, spi, 4, attrs,
				 lifetime_attrs(&x->qm->chosen, attrs));
	}
	return proto_ike_msg_end_hash(c, &b, hoff, IKE_HASH2) ? IKE_NEXT : IKE_DROP;
}

/* HDR*, HASH(1), SA, Ni, IDci, IDcr <-- --> QM2 */
static enum ike_ret qm_r_recv_i1_send_r2(struct ike_ctx *c)
{
	if (!proto_ike_qm_verify_hash(c, IKE_HASH1))
		return IKE_DROP;
	crypto_iv_state_commit(&c->x->iv);
	if (!qm_r_take_i1(c))
		return IKE_FAIL;
	return qm_r_send_r2(c);
}

/* HDR*, HASH(1), SA, Ni, KE, IDci, IDcr <-- : our key pair and g(qm)^xy */
static enum ike_ret qm_r_recv_i1_start_dh(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	if (!proto_ike_qm_verify_hash(c, IKE_HASH1))
		return IKE_DROP;
	crypto_iv_state_commit(&x->iv);
	if (!qm_r_take_i1(c))
		return IKE_FAIL;
	return proto_ike_dh_start(c, x->qm->conn.pfs_group, NULL, x->qm->peer_ke,
				  x->qm->peer_ke_len) < 0
		       ? IKE_DROP
		       : IKE_WAIT;
}

/* --> QM2 with our KE */
static enum ike_ret qm_r_dh_send_r2(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	if (c->job->result < 0 || c->job->shared_len > sizeof(x->qm->gqm)) {
		proto_ike_fail(c, PROTO_IKE_E_DH, "PFS Diffie-Hellman failed: invalid peer value");
		return IKE_FAIL;
	}
	memcpy(x->qm->gqm, c->job->shared, c->job->shared_len);
	x->qm->gqm_len = c->job->shared_len;
	return qm_r_send_r2(c);
}

/* HDR*, HASH(3) <-- : established [ --> HDR*, HASH, N(CONNECTED) ] */
static enum ike_ret qm_r_recv_i3_done(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	struct proto_builder b;
	uint8_t zero[CRYPTO_HASH_MAX_LEN] = {0}, spi[4];
	if (!proto_ike_qm_verify_hash(c, 3))
		return IKE_DROP;
	crypto_iv_state_commit(&x->iv);
	enum ike_ret r = qm_established(c);
	if (r != IKE_DONE || !x->commit)
		return r;
	for (int k = 0; k < 4; k++)
		spi[k] = (uint8_t)(x->qm->chosen.spi_in >> (24 - 8 * k));
	proto_ike_msg_begin(c, &b, true);
	size_t hoff = proto_put_hash(&b, zero, c->sa->keys.prf_len);
	proto_put_notify(&b, ISAKMP_DOI_IPSEC, x->qm->chosen.prop.protocol, ISAKMP_N_CONNECTED, spi,
			 4, NULL, 0);
	if (!proto_ike_msg_end_hash(c, &b, hoff, IKE_HASH1))
		/* the SA is up all the same: the initiator only misses its confirmation */
		proto_ike_log(
			c->e, PROTO_LOG_WARNING,
			"\"%s\" #%llu: quick mode %08x: could not build the CONNECTED notify, "
			"not sent",
			x->qm->conn.name, (unsigned long long)c->sa->id, x->msgid);
	return IKE_DONE;
}

/* HDR*, HASH, N(CONNECTED) <-- : the responder confirms the commit */
static enum ike_ret qm_i_recv_connected(struct ike_ctx *c)
{
	const struct proto_payload *n = proto_msg_find(c->msg, ISAKMP_PL_N, 0);
	if (!c->x->commit || !proto_ike_qm_verify_hash(c, IKE_HASH1) ||
	    n->u.n.type != ISAKMP_N_CONNECTED)
		return IKE_DROP;
	crypto_iv_state_commit(&c->x->iv);
	proto_ike_log(c->e, PROTO_LOG_INFO, "\"%s\" #%llu: quick mode %08x: CONNECTED received",
		      c->x->qm->conn.name, (unsigned long long)c->sa->id, c->x->msgid);
	return IKE_NEXT;
}

#define QM1_REQ (PL(ISAKMP_PL_HASH) | PL(ISAKMP_PL_SA) | PL(ISAKMP_PL_NONCE))
#define QM_OPT	(PL(ISAKMP_PL_ID) | PL(ISAKMP_PL_N) | PL(ISAKMP_PL_NAT_OA))

/* The Quick Mode kind's hooks (ike_kind.c). */
void proto_ike_qm_init(struct ike_sa *sa, struct ike_xchg *x)
{
	x->qm->conn = *sa->conn;
}

void proto_ike_qm_clear(struct ike_xchg *x)
{
	crypto_dh_free(x->qm->dh);
	x->qm->dh = NULL;
}

static void qm_failed_event(struct ike_sa *sa, struct ike_xchg *x, enum proto_ike_reason r,
			    const char *text)
{
	struct proto_ike_event *ev = proto_ike_event_new(sa, PROTO_IKE_EV_P2_FAILED);
	if (ev) {
		ev->reason = r;
		ev->conn_handle = x->qm->conn.handle;
		ev->u.child.msgid = x->msgid;
		snprintf(ev->text, sizeof(ev->text), "%s", text);
	}
	proto_ike_push_event(sa->e, ev);
}

bool proto_ike_qm_on_timeout(struct ike_sa *sa, struct ike_xchg *x, const char *text)
{
	qm_failed_event(sa, x, PROTO_IKE_E_TIMEOUT, text);
	return true;
}

/* A responder's failure names the SPI it chose in the notify it sends (if any). */
bool proto_ike_qm_on_fail(struct ike_ctx *c, enum proto_ike_reason r, const char *text)
{
	struct ike_sa *sa = c->sa;
	struct ike_qm_data *qm = c->x->qm;
	proto_ike_log(sa->e, PROTO_LOG_DEBUG, "\"%s\" #%llu: quick mode %08x failed: %s",
		      qm->conn.name, (unsigned long long)sa->id, c->x->msgid, text);
	if (c->notify && !c->x->initiator) {
		uint8_t spi[4];
		uint32_t v = qm->chosen.spi_out;
		for (int k = 0; k < 4; k++)
			spi[k] = (uint8_t)(v >> (24 - 8 * k));
		proto_ike_send_info(sa, ISAKMP_PL_N,
				    qm->chosen.prop.protocol ? qm->chosen.prop.protocol
							     : PROTO_IPSEC_ESP,
				    c->notify, spi, 4, 0, NULL, 0);
	}
	qm_failed_event(sa, c->x, r, text);
	return true;
}

static const struct ike_row qm_i_rows[] = {
	/* (PFS) our QM key pair */
	{S_QM_I_START, S_QM_I0_DH, EV_START, 0, 0, has_pfs, qm_i_start_dh, false},
	/* --> HDR*, HASH(1), SA, Ni, IDci, IDcr */
	{S_QM_I_START, S_QM_I1_SENT, EV_START, 0, 0, no_pfs, qm_i_start_send_i1, true},
	/* --> HDR*, HASH(1), SA, Ni, KE, IDci, IDcr */
	{S_QM_I0_DH, S_QM_I1_SENT, EV_DH, 0, 0, NULL, qm_i_dh_send_i1, true},
	/* HDR*, HASH(2), SA, Nr, KE, IDci, IDcr <-- */
	{S_QM_I1_SENT, S_QM_I2_DH, EV_RECV, QM1_REQ | PL(ISAKMP_PL_KE), QM_OPT, has_pfs,
	 qm_i_recv_r1_start_dh, false},
	/* HDR*, HASH(2), SA, Nr, IDci, IDcr <-- --> HDR*, HASH(3) */
	{S_QM_I1_SENT, S_QM_I_DONE, EV_RECV, QM1_REQ, QM_OPT, no_pfs, qm_i_recv_r1_send_i3, false},
	/* --> HDR*, HASH(3) */
	{S_QM_I2_DH, S_QM_I_DONE, EV_DH, 0, 0, NULL, qm_i_dh_send_i3, false},
	/* (commit bit) HDR*, HASH, N(CONNECTED) <-- */
	{S_QM_I_DONE, S_QM_I_DONE, EV_RECV, PL(ISAKMP_PL_HASH) | PL(ISAKMP_PL_N), 0, NULL,
	 qm_i_recv_connected, false},
};

static const struct ike_row qm_r_rows[] = {
	/* HDR*, HASH(1), SA, Ni, KE, IDci, IDcr <-- */
	{S_QM_R_START, S_QM_R1_DH, EV_RECV, QM1_REQ | PL(ISAKMP_PL_KE), QM_OPT, msg_has_ke,
	 qm_r_recv_i1_start_dh, false},
	/* HDR*, HASH(1), SA, Ni, IDci, IDcr <-- --> HDR*, HASH(2), SA, Nr, IDci, IDcr */
	{S_QM_R_START, S_QM_R2_SENT, EV_RECV, QM1_REQ, QM_OPT, msg_no_ke, qm_r_recv_i1_send_r2,
	 true},
	/* --> HDR*, HASH(2), SA, Nr, KE, IDci, IDcr */
	{S_QM_R1_DH, S_QM_R2_SENT, EV_DH, 0, 0, NULL, qm_r_dh_send_r2, true},
	/* HDR*, HASH(3) <-- [ --> HDR*, HASH, N(CONNECTED) ] */
	{S_QM_R2_SENT, S_QM_R_DONE, EV_RECV, PL(ISAKMP_PL_HASH), 0, NULL, qm_r_recv_i3_done, false},
};

const struct ike_table proto_ike_qm_i_table = {"QM-I", qm_i_rows,
					       sizeof(qm_i_rows) / sizeof(qm_i_rows[0])};
const struct ike_table proto_ike_qm_r_table = {"QM-R", qm_r_rows,
					       sizeof(qm_r_rows) / sizeof(qm_r_rows[0])};
