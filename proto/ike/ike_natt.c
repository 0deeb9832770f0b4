// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NAT traversal for IKEv1 (RFC 3947), and its draft predecessors as far as older peers need it:
 *
 *   Main Mode                                 Aggressive Mode
 *   HDR, SA, VID                -->           HDR, SA, KE, Ni, IDii, VID               -->
 *                <--  HDR, SA, VID                <-- HDR, SA, KE, Nr, IDir, VID, NAT-D, NAT-D,
 *   HDR, KE, Ni, NAT-D, NAT-D   -->                   HASH_R
 *       <--  HDR, KE, Nr, NAT-D, NAT-D            HDR*#, NAT-D, NAT-D, HASH_I               -->
 *   HDR*#, IDii, HASH_I         -->
 *            <--  HDR*#, IDir, HASH_R         (# : on the NAT-T port, with the non-ESP marker)
 *
 * §3.2: NAT-D = HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash; the first NAT-D is the
 * receiver's address as the sender sees it, the others the sender's own. A mismatch of the first
 * means we are behind a NAT, no match among the others means the peer is. §4: the initiator then
 * floats to port 4500 from message 5 (MM) or 3 (AM) on. §5.1: Quick Mode then asks for the
 * UDP-encapsulated modes (3/4, or 61443/61444 with a draft peer), §5.2: transport mode carries
 * the original addresses in NAT-OA payloads. forceencaps fakes our own NAT-D (random bytes), so
 * the peer believes we are behind a NAT and both sides encapsulate.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/ike/engine_int.h"

/* RFC 3947 §3.1 and the drafts: MD5 of "RFC 3947", "draft-ietf-ipsec-nat-t-ike-02",
 * "draft-ietf-ipsec-nat-t-ike-02\n" and "draft-ietf-ipsec-nat-t-ike-03" (checked by the
 * exch-natt-vid test with the hash). */
static const uint8_t vid_rfc3947[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
					0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
static const uint8_t vid_drafts[3][16] = {
	{0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4,
	 0x48},
	{0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b,
	 0x1f},
	{0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d,
	 0x56},
};

/* Records a NAT-T vendor ID of the peer; false if vid is not one. */
bool proto_ike_natt_vid(struct ike_sa *sa, const uint8_t *vid, size_t len)
{
	uint8_t kind = IKE_NATT_NONE;
	if (len != 16 || sa->conn->no_natt)
		return false;
	if (memcmp(vid, vid_rfc3947, 16) == 0)
		kind = IKE_NATT_RFC;
	for (unsigned i = 0; i < 3; i++)
		if (memcmp(vid, vid_drafts[i], 16) == 0)
			kind = IKE_NATT_DRAFT;
	if (kind == IKE_NATT_NONE)
		return false;
	if (kind > sa->natt_kind)
		sa->natt_kind = kind;
	sa->peer_natt = true;
	return true;
}

bool proto_ike_natt_on(const struct ike_sa *sa)
{
	return sa->natt_kind != IKE_NATT_NONE;
}

/* A draft peer numbers the payloads 130/131; the tables know the RFC numbers. */
uint8_t proto_ike_pl_canonical(uint8_t type)
{
	if (type == ISAKMP_PL_NAT_D_DRAFT)
		return ISAKMP_PL_NAT_D;
	if (type == ISAKMP_PL_NAT_OA_DRAFT)
		return ISAKMP_PL_NAT_OA;
	return type;
}

/* HASH(CKY-I | CKY-R | IP | Port) into out; returns its length (0 on an unknown hash). */
static size_t natd_hash(const struct ike_sa *sa, const struct proto_ike_addr *a, uint8_t *out)
{
	struct crypto_hash_ctx h;
	uint8_t port[2] = {(uint8_t)(a->port >> 8), (uint8_t)a->port};
	if (crypto_hash_init(&h, (enum crypto_hash)sa->prop.hash) < 0)
		return 0;
	crypto_hash_update(&h, sa->icookie, 8);
	crypto_hash_update(&h, sa->rcookie, 8);
	crypto_hash_update(&h, a->addr, a->family == AF_INET6 ? 16 : 4);
	crypto_hash_update(&h, port, 2);
	crypto_hash_final(&h, out);
	return crypto_hash_len(sa->prop.hash);
}

/* NAT-D(peer), NAT-D(us) when the peer speaks NAT-T; ours is random with forceencaps. */
void proto_ike_natd_put(struct ike_sa *sa, struct proto_builder *b)
{
	uint8_t h[CRYPTO_HASH_MAX_LEN];
	uint8_t type = sa->natt_kind == IKE_NATT_RFC ? ISAKMP_PL_NAT_D : ISAKMP_PL_NAT_D_DRAFT;
	if (!proto_ike_natt_on(sa))
		return;
	size_t n = natd_hash(sa, &sa->peer, h);
	if (n == 0)
		return;
	proto_put_nat_d(b, type, h, n);
	if (sa->conn->force_encaps)
		proto_ike_random(sa->e, h, n);
	else
		natd_hash(sa, &sa->local, h);
	proto_put_nat_d(b, type, h, n);
}

/* Compares the peer's NAT-D payloads with the addresses this message travelled between. */
void proto_ike_natd_check(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	uint8_t mine[CRYPTO_HASH_MAX_LEN], theirs[CRYPTO_HASH_MAX_LEN];
	unsigned seen = 0;
	bool local_ok = false, peer_ok = false;
	if (!proto_ike_natt_on(sa))
		return;
	size_t n = natd_hash(sa, &sa->local, mine);
	if (n == 0 || natd_hash(sa, &sa->peer, theirs) != n)
		return;
	for (unsigned i = 0; i < c->msg->n; i++) {
		const struct proto_payload *p = &c->msg->pl[i];
		if (proto_ike_pl_canonical(p->type) != ISAKMP_PL_NAT_D)
			continue;
		bool len_ok = p->u.data.len == n;
		if (seen == 0)
			local_ok = len_ok && memcmp(p->u.data.p, mine, n) == 0;
		else if (len_ok && memcmp(p->u.data.p, theirs, n) == 0)
			peer_ok = true;
		seen++;
	}
	if (seen < 2)
		return; /* no (complete) NAT-D: the peer does not detect, neither do we */
	sa->natd_seen = true;
	sa->nat_local = !local_ok || sa->conn->force_encaps;
	sa->nat_peer = !peer_ok;
	if (sa->nat_local || sa->nat_peer)
		proto_ike_log(c->e, PROTO_LOG_INFO, "\"%s\" #%llu: NAT detected:%s%s%s",
			      sa->conn->name, (unsigned long long)sa->id,
			      !local_ok ? " we are behind a NAT" : "",
			      sa->nat_peer ? (!local_ok ? ", the peer is behind a NAT"
							: " the peer is behind a NAT")
					   : "",
			      local_ok && sa->conn->force_encaps ? " (forced: forceencaps)" : "");
}

/*
 * The initiator of a conn with forceencaps=yes needs a peer that speaks NAT-T: without its vendor
 * ID no NAT-D is exchanged, the SA stays on port 500 and ESP goes out unencapsulated, which is
 * what the operator forced encapsulation to avoid (a path that drops ESP). Fail now, naming why.
 */
bool proto_ike_natt_agree(struct ike_ctx *c)
{
	struct ike_sa *sa = c->sa;
	if (!sa->conn->force_encaps || sa->peer_natt)
		return true;
	if (!sa->initiator) {
		proto_ike_log(
			c->e, PROTO_LOG_INFO,
			"\"%s\" #%llu: forceencaps=yes, but the peer does not announce NAT-T: ESP "
			"will not be UDP-encapsulated",
			sa->conn->name, (unsigned long long)sa->id);
		return true;
	}
	proto_ike_fail(
		c, PROTO_IKE_E_NATT,
		"forceencaps=yes, but the peer does not announce NAT traversal (no RFC 3947 or "
		"draft NAT-T vendor ID): ESP could not be UDP-encapsulated");
	return false;
}

/* RFC 3947 §4: after NAT was detected, the initiator moves to the NAT-T port on both sides. */
void proto_ike_natt_float(struct ike_sa *sa)
{
	if (sa->natt || !(sa->nat_local || sa->nat_peer))
		return;
	sa->natt = true;
	sa->local.port = sa->e->natt_port;
	sa->peer.port = sa->e->natt_port;
	proto_ike_log(sa->e, PROTO_LOG_DEBUG, "#%llu: floating to port %u",
		      (unsigned long long)sa->id, sa->e->natt_port);
}

/* The Encapsulation-Mode attribute to send: the UDP-encapsulated one over a NAT (§5.1). */
uint16_t proto_ike_natt_mode(const struct ike_sa *sa, uint16_t mode)
{
	bool draft = sa->natt_kind == IKE_NATT_DRAFT;
	if (!(sa->nat_local || sa->nat_peer))
		return mode;
	if (mode == ENCAP_TRANSPORT)
		return draft ? ENCAP_UDP_TRANSPORT_DRAFT : ENCAP_UDP_TRANSPORT;
	return draft ? ENCAP_UDP_TUNNEL_DRAFT : ENCAP_UDP_TUNNEL;
}

static bool oa_wanted(const struct ike_ctx *c)
{
	const struct ike_sa *sa = c->sa;
	return (sa->nat_local || sa->nat_peer) && c->x->qm->conn.mode == ENCAP_TRANSPORT &&
	       sa->local.family && sa->peer.family;
}

/* NAT-OAi, NAT-OAr (§5.2): the initiator's and the responder's address as we see them. */
void proto_ike_nat_oa_put(struct ike_ctx *c, struct proto_builder *b)
{
	const struct ike_sa *sa = c->sa;
	uint8_t type = sa->natt_kind == IKE_NATT_RFC ? ISAKMP_PL_NAT_OA : ISAKMP_PL_NAT_OA_DRAFT;
	if (!oa_wanted(c))
		return;
	const struct proto_ike_addr *i = c->x->initiator ? &sa->local : &sa->peer;
	const struct proto_ike_addr *r = c->x->initiator ? &sa->peer : &sa->local;
	proto_put_nat_oa(b, type, i->family, i->addr);
	proto_put_nat_oa(b, type, r->family, r->addr);
}

/* The peer's original address from its NAT-OA: OAi from an initiator, OAr from a responder. */
void proto_ike_nat_oa_take(struct ike_ctx *c)
{
	struct ike_xchg *x = c->x;
	unsigned k = 0, want = x->initiator ? 1 : 0;
	for (unsigned i = 0; i < c->msg->n; i++) {
		const struct proto_payload *p = &c->msg->pl[i];
		if (proto_ike_pl_canonical(p->type) != ISAKMP_PL_NAT_OA)
			continue;
		if (k++ != want)
			continue;
		memset(&x->qm->oa_peer, 0, sizeof(x->qm->oa_peer));
		x->qm->oa_peer.family = p->u.nat_oa.family;
		memcpy(x->qm->oa_peer.addr, p->u.nat_oa.addr,
		       p->u.nat_oa.family == AF_INET6 ? 16 : 4);
		x->qm->has_oa = true;
	}
}
