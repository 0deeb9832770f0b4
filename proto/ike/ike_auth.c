// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Phase-1 authentication as a table (RFC 2409 §5, App. A; RFC 4754): one row per method says how
 * SKEYID is derived, what our last phase-1 message carries, how the peer's is checked and which
 * payloads that message requires and allows. Main and Aggressive Mode call the functions below;
 * the dispatcher adds the row's payload sets to the exchange rows marked auth.
 *
 *   method          SKEYID                        we send            peer's checked by
 *   PSK (1)         prf(PSK, Ni_b | Nr_b)         HASH               comparing with our HASH
 *   RSA (3)         prf(Ni_b | Nr_b, g^xy)        [CERT] SIG         policy verify callback
 *   ECDSA (9-11)    prf(Ni_b | Nr_b, g^xy)        [CERT] SIG         policy verify callback
 *   DSS (2), RSA encryption (4, 5): refused.
 *   XAUTH PSK (65001/65002), XAUTH RSA (65005/65006): as PSK / RSA, then an XAUTH round of the
 *                   initiator (Init) or responder (Resp) before the SA counts as up (ike_xauth.c).
 *   Hybrid RSA (64221/64222): the XAUTH'd side (Init: initiator) sends HASH with the signature
 *                   SKEYID, no certificate; the other side signs; then the XAUTH round.
 *
 * The private key stays behind the policy's sign callback and certificates are only passed
 * through: this file never parses one. CR payloads go where charon and Libreswan send them: MM4
 * (responder) and MM5 (initiator), AM1 and AM2; MM3 and MM5 CRs are accepted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ike/engine_int.h"

#define SIG_REQ	  PL(ISAKMP_PL_SIG)
#define SIG_ALLOW (PL(ISAKMP_PL_CERT) | PL(ISAKMP_PL_CR))

static int skeyid_psk(enum crypto_hash h, struct crypto_buf psk, struct crypto_buf ni,
		      struct crypto_buf nr, struct crypto_buf gxy, uint8_t *out)
{
	(void)gxy;
	return crypto_ike_skeyid_psk(h, psk, ni, nr, out);
}

static int skeyid_sig(enum crypto_hash h, struct crypto_buf psk, struct crypto_buf ni,
		      struct crypto_buf nr, struct crypto_buf gxy, uint8_t *out)
{
	(void)psk;
	return crypto_ike_skeyid_sig(h, ni, nr, gxy, out);
}

#define XI IKE_XAUTH_INIT
#define XR IKE_XAUTH_RESP

static const struct ike_auth_method auth_table[] = {
	{IKE_AUTH_PSK, "pre-shared key", false, skeyid_psk, PL(ISAKMP_PL_HASH), 0, NULL, 0, false},
	{IKE_AUTH_XAUTH_INIT_PSK, "XAUTHInitPreShared", false, skeyid_psk, PL(ISAKMP_PL_HASH), 0,
	 NULL, XI, false},
	{IKE_AUTH_XAUTH_RESP_PSK, "XAUTHRespPreShared", false, skeyid_psk, PL(ISAKMP_PL_HASH), 0,
	 NULL, XR, false},
	{IKE_AUTH_XAUTH_INIT_RSA, "XAUTHInitRSA", true, skeyid_sig, SIG_REQ, SIG_ALLOW, NULL, XI,
	 false},
	{IKE_AUTH_XAUTH_RESP_RSA, "XAUTHRespRSA", true, skeyid_sig, SIG_REQ, SIG_ALLOW, NULL, XR,
	 false},
	{IKE_AUTH_HYBRID_INIT_RSA, "HybridInitRSA", true, skeyid_sig, SIG_REQ, SIG_ALLOW, NULL, XI,
	 true},
	{IKE_AUTH_HYBRID_RESP_RSA, "HybridRespRSA", true, skeyid_sig, SIG_REQ, SIG_ALLOW, NULL, XR,
	 true},
	{IKE_AUTH_DSS_SIG, "DSS signatures", true, NULL, 0, 0,
	 "DSS signatures (method 2) are not supported: use RSA or ECDSA certificates", 0, false},
	{IKE_AUTH_RSA_SIG, "RSA signatures", true, skeyid_sig, SIG_REQ, SIG_ALLOW, NULL, 0, false},
	{IKE_AUTH_RSA_ENC, "RSA encryption", false, NULL, 0, 0,
	 "authentication by RSA encryption (method 4) is not supported: use RSA signatures", 0,
	 false},
	{IKE_AUTH_RSA_REV_ENC, "revised RSA encryption", false, NULL, 0, 0,
	 "authentication by revised RSA encryption (method 5) is not supported: use RSA "
	 "signatures",
	 0, false},
	{IKE_AUTH_ECDSA_SHA256, "ECDSA P-256", true, skeyid_sig, SIG_REQ, SIG_ALLOW, NULL, 0,
	 false},
	{IKE_AUTH_ECDSA_SHA384, "ECDSA P-384", true, skeyid_sig, SIG_REQ, SIG_ALLOW, NULL, 0,
	 false},
	{IKE_AUTH_ECDSA_SHA512, "ECDSA P-521", true, skeyid_sig, SIG_REQ, SIG_ALLOW, NULL, 0,
	 false},
};

/* Whether the side (initiator or not) authenticates phase 1 by a signature (else by HASH). */
static bool side_signs(const struct ike_auth_method *a, bool initiator)
{
	return a->sig && !(a->hybrid && (a->xauth == IKE_XAUTH_INIT) == initiator);
}

/* The XAUTH roles of an SA's negotiated method: the client is the side XAUTH authenticates. */
bool proto_ike_auth_xauth_client(const struct ike_sa *sa)
{
	const struct ike_auth_method *a = proto_ike_auth_get(sa->prop.auth);
	return a && a->xauth && (a->xauth == IKE_XAUTH_INIT) == sa->initiator;
}

bool proto_ike_auth_xauth_server(const struct ike_sa *sa)
{
	const struct ike_auth_method *a = proto_ike_auth_get(sa->prop.auth);
	return a && a->xauth && (a->xauth == IKE_XAUTH_INIT) != sa->initiator;
}

const struct ike_auth_method *proto_ike_auth_get(uint16_t method)
{
	method = proto_ike_auth_norm(method);
	for (size_t i = 0; i < sizeof(auth_table) / sizeof(auth_table[0]); i++)
		if (auth_table[i].method == method)
			return &auth_table[i];
	return NULL;
}

/* A method we negotiate (known and not refused). */
bool proto_ike_auth_usable(uint16_t method)
{
	const struct ike_auth_method *a = proto_ike_auth_get(method);
	return a && !a->refused;
}

int proto_ike_auth_skeyid(uint16_t method, enum crypto_hash hash, struct crypto_buf psk,
			  struct crypto_buf ni_b, struct crypto_buf nr_b, struct crypto_buf gxy,
			  uint8_t *ret_skeyid)
{
	const struct ike_auth_method *a = proto_ike_auth_get(method);
	if (!a || a->refused)
		return -EOPNOTSUPP;
	return a->skeyid(hash, psk, ni_b, nr_b, gxy, ret_skeyid);
}

/* The payloads the peer's authenticating message adds to its row. Before the method is
 * negotiated (an Aggressive Mode initiator reading message 2 checks the reply's transform in its
 * handler), any method's payloads are allowed and the handler checks what is required. */
void proto_ike_auth_payloads(const struct ike_sa *sa, uint64_t *ret_required, uint64_t *ret_allowed)
{
	const struct ike_auth_method *a = sa->prop.auth ? proto_ike_auth_get(sa->prop.auth) : NULL;
	if (a && !side_signs(a, !sa->initiator) && a->sig) { /* hybrid: the client's HASH */
		*ret_required = PL(ISAKMP_PL_HASH);
		*ret_allowed = PL(ISAKMP_PL_HASH) | PL(ISAKMP_PL_CR);
		return;
	}
	if (a) {
		*ret_required = a->required;
		*ret_allowed = a->required | a->allowed;
		return;
	}
	*ret_required = 0;
	*ret_allowed = PL(ISAKMP_PL_HASH) | SIG_REQ | SIG_ALLOW;
}

/* SKEYID by the negotiated method, then the keys. PSK: from the policy for (our ID, remote). */
bool proto_ike_auth_keys(struct ike_ctx *c, const struct proto_ike_id *remote)
{
	struct ike_sa *sa = c->sa;
	const struct ike_auth_method *a = proto_ike_auth_get(sa->prop.auth);
	uint8_t psk[PROTO_IKE_PSK_MAX], skeyid[CRYPTO_HASH_MAX_LEN];
	size_t psk_len = 0;
	int r = 0;
	if (!a || a->refused) {
		proto_ike_fail(c, PROTO_IKE_E_AUTH_METHOD, "authentication method %u refused",
			       sa->prop.auth);
		return false;
	}
	if (!a->sig) {
		struct proto_ike_id local;
		proto_ike_local_id(sa, &local);
		r = c->e->pol.get_psk ? c->e->pol.get_psk(c->e->pol.ctx, sa->conn, &local, remote,
							  psk, sizeof(psk), &psk_len)
				      : -1;
	}
	bool ok = r == 0 && psk_len <= sizeof(psk) &&
		  a->skeyid((enum crypto_hash)sa->prop.hash, (struct crypto_buf){psk, psk_len},
			    (struct crypto_buf){sa->n->ni, sa->n->ni_len},
			    (struct crypto_buf){sa->n->nr, sa->n->nr_len},
			    (struct crypto_buf){sa->n->gxy, sa->n->gxy_len}, skeyid) == 0 &&
		  proto_ike_keys_derive(c, skeyid);
	explicit_bzero(psk, sizeof(psk));
	explicit_bzero(skeyid, sizeof(skeyid));
	if (!ok)
		proto_ike_fail(c, r ? PROTO_IKE_E_POLICY : PROTO_IKE_E_INTERNAL,
			       r ? "no pre-shared key for this peer" : "key derivation failed");
	return ok;
}

/* Whether we use a signature method: the negotiated one, or before that any we offer. */
static bool use_sig(const struct ike_sa *sa)
{
	if (sa->prop.auth)
		return proto_ike_auth_get(sa->prop.auth)->sig;
	for (unsigned i = 0; i < sa->conn->n_ike && i < PROTO_IKE_P1_PROPS_MAX; i++)
		if (proto_ike_auth_get(sa->conn->ike[i].auth) &&
		    proto_ike_auth_get(sa->conn->ike[i].auth)->sig)
			return true;
	return false;
}

/* Our CR payloads (one per CA the policy names) when we authenticate with signatures. */
void proto_ike_auth_put_cr(struct ike_ctx *c, struct proto_builder *b)
{
	struct proto_ike_blob dn[PROTO_IKE_CRS_MAX];
	unsigned n = 0;
	if (!use_sig(c->sa) || !c->e->pol.ca_dns ||
	    c->e->pol.ca_dns(c->e->pol.ctx, c->sa->conn, dn, PROTO_IKE_CRS_MAX, &n) < 0)
		return;
	for (unsigned i = 0; i < n && i < PROTO_IKE_CRS_MAX; i++)
		proto_put_cr(b, CERT_X509_SIG, dn[i].p, dn[i].len);
}

/* Whether the data of a CERT (or CR) payload of this encoding goes to the policy: X.509
 * signature certificates, PKCS#7 wrapped chains and CRLs (RFC 2408 §3.9); a CR names a CA by
 * the DN of an X.509 certificate. */
static bool passed(uint8_t type, uint8_t encoding)
{
	if (type == ISAKMP_PL_CR)
		return encoding == CERT_X509_SIG;
	return encoding == CERT_X509_SIG || encoding == CERT_PKCS7 || encoding == CERT_CRL;
}

/* Copies the data of the CERT or CR payloads of m that are passed on (at most cap) into one
 * fresh buffer; out[] are views into it. NULL on allocation failure. */
static uint8_t *copy_certs(const struct proto_msg *m, uint8_t type, struct proto_ike_cert *out,
			   unsigned cap, unsigned *ret_n)
{
	const struct proto_payload *p;
	size_t total = 0, at = 0;
	unsigned n = 0;
	for (unsigned i = 0; (p = proto_msg_find(m, type, i)) && n < cap; i++)
		if (passed(type, p->u.cert.encoding)) {
			total += p->u.cert.data.len;
			n++;
		}
	uint8_t *buf = malloc(total ? total : 1);
	if (!buf)
		return NULL;
	n = 0;
	for (unsigned i = 0; (p = proto_msg_find(m, type, i)) && n < cap; i++) {
		if (!passed(type, p->u.cert.encoding))
			continue;
		if (p->u.cert.data.len)
			memcpy(buf + at, p->u.cert.data.p, p->u.cert.data.len);
		out[n++] =
			(struct proto_ike_cert){p->u.cert.encoding, {buf + at, p->u.cert.data.len}};
		at += p->u.cert.data.len;
	}
	*ret_n = n;
	return buf;
}

/* Remembers the peer's CR payloads (the CAs it trusts: for own_certs and sendcert=ifasked). */
bool proto_ike_auth_take_cr(struct ike_ctx *c)
{
	struct ike_p1_data *n = c->sa->n;
	if (!proto_msg_find(c->msg, ISAKMP_PL_CR, 0))
		return true;
	free(n->cr_buf);
	n->cr_buf =
		copy_certs(c->msg, ISAKMP_PL_CR, n->peer_crs, PROTO_IKE_CRS_MAX, &n->n_peer_crs);
	n->peer_cr = true;
	return n->cr_buf != NULL;
}

/* Keeps the peer's authentication of c->msg (HASH, or SIG and CERTs) until it is checked. */
bool proto_ike_auth_take(struct ike_ctx *c)
{
	struct ike_p1_data *n = c->sa->n;
	const struct proto_payload *h = proto_msg_find(c->msg, ISAKMP_PL_HASH, 0);
	const struct proto_payload *s = proto_msg_find(c->msg, ISAKMP_PL_SIG, 0);
	const struct ike_auth_method *a = proto_ike_auth_get(c->sa->prop.auth);
	bool sig = a && side_signs(a, !c->sa->initiator);
	if (!a || !(sig ? s : h)) {
		c->notify = ISAKMP_N_PAYLOAD_MALFORMED;
		proto_ike_fail(c, PROTO_IKE_E_AUTH, "the peer's %s payload is missing (method %s)",
			       sig ? "SIG" : "HASH", a ? a->name : "?");
		return false;
	}
	if (!proto_ike_auth_take_cr(c))
		return false;
	const struct proto_view *v = sig ? &s->u.data : &h->u.data;
	if (v->len > (sig ? sizeof(n->sig_peer) : sizeof(n->hash_peer)))
		return false;
	memcpy(sig ? n->sig_peer : n->hash_peer, v->p, v->len);
	*(sig ? &n->sig_peer_len : &n->hash_peer_len) = v->len;
	if (!sig)
		return true;
	free(n->cert_buf);
	n->cert_buf =
		copy_certs(c->msg, ISAKMP_PL_CERT, n->peer_certs, PROTO_IKE_CERTS_MAX, &n->n_certs);
	return n->cert_buf != NULL;
}

/* Our certificates, as conn->sendcert says (ifasked: when the peer sent a CR). */
static bool put_certs(struct ike_ctx *c, struct proto_builder *b)
{
	struct ike_sa *sa = c->sa;
	struct proto_ike_blob own[PROTO_IKE_CERTS_MAX], cr[PROTO_IKE_CRS_MAX];
	unsigned n = 0;
	if (sa->conn->sendcert == PROTO_IKE_SENDCERT_NEVER ||
	    (sa->conn->sendcert == PROTO_IKE_SENDCERT_IFASKED && !sa->n->peer_cr) ||
	    !c->e->pol.own_certs)
		return true;
	for (unsigned i = 0; i < sa->n->n_peer_crs; i++)
		cr[i] = sa->n->peer_crs[i].data;
	if (c->e->pol.own_certs(c->e->pol.ctx, sa->conn, cr, sa->n->n_peer_crs, own,
				PROTO_IKE_CERTS_MAX, &n) < 0) {
		proto_ike_fail(c, PROTO_IKE_E_NO_KEY, "no certificate of our own for \"%s\"",
			       sa->conn->name);
		return false;
	}
	for (unsigned i = 0; i < n && i < PROTO_IKE_CERTS_MAX; i++)
		proto_put_cert(b, CERT_X509_SIG, own[i].p, own[i].len);
	return true;
}

/* Our authentication in the last phase-1 message: HASH_I/HASH_R, or [CERT] SIG over it. */
bool proto_ike_auth_put(struct ike_ctx *c, struct proto_builder *b, bool hash_i)
{
	struct ike_sa *sa = c->sa;
	const struct ike_auth_method *a = proto_ike_auth_get(sa->prop.auth);
	uint8_t hash[CRYPTO_HASH_MAX_LEN], sig[PROTO_IKE_SIG_MAX];
	size_t sig_len = 0;
	if (!a || !proto_ike_auth_hash(sa, hash_i, hash)) {
		proto_ike_fail(c, PROTO_IKE_E_INTERNAL, "cannot compute %s",
			       hash_i ? "HASH_I" : "HASH_R");
		return false;
	}
	if (!side_signs(a, hash_i)) {
		proto_put_hash(b, hash, sa->keys.prf_len);
		explicit_bzero(hash, sizeof(hash));
		return true;
	}
	int r = c->e->pol.sign ? c->e->pol.sign(c->e->pol.ctx, sa->conn, a->method, hash,
						sa->keys.prf_len, sig, sizeof(sig), &sig_len)
			       : -ENOENT;
	explicit_bzero(hash, sizeof(hash));
	if (r < 0 || sig_len == 0 || sig_len > sizeof(sig)) {
		proto_ike_fail(c, PROTO_IKE_E_NO_KEY, "cannot sign with %s for \"%s\": %s", a->name,
			       sa->conn->name, r < 0 ? strerror(-r) : "empty signature");
		return false;
	}
	if (!put_certs(c, b))
		return false;
	proto_put_sig(b, sig, sig_len);
	return true;
}

/* The notify that goes with a failed signature check. */
static uint16_t reason_notify(enum proto_ike_reason r)
{
	switch (r) {
	case PROTO_IKE_E_BAD_SIG:
		return ISAKMP_N_INVALID_SIGNATURE;
	case PROTO_IKE_E_CERT_NONE:
		return ISAKMP_N_CERTIFICATE_UNAVAILABLE;
	case PROTO_IKE_E_CERT_UNTRUSTED:
		return ISAKMP_N_INVALID_CERT_AUTHORITY;
	case PROTO_IKE_E_CERT_EXPIRED:
	case PROTO_IKE_E_CERT_REVOKED:
		return ISAKMP_N_INVALID_CERTIFICATE;
	case PROTO_IKE_E_CERT_ID:
		return ISAKMP_N_INVALID_ID_INFORMATION;
	default:
		return ISAKMP_N_AUTHENTICATION_FAILED;
	}
}

/* Checks the peer's authentication kept by proto_ike_auth_take: hash_i when the peer is the
 * initiator. The signature check is the policy's (verify). */
bool proto_ike_auth_check(struct ike_ctx *c, bool hash_i)
{
	struct ike_sa *sa = c->sa;
	struct ike_p1_data *n = sa->n;
	const struct ike_auth_method *a = proto_ike_auth_get(sa->prop.auth);
	uint8_t hash[CRYPTO_HASH_MAX_LEN];
	char text[200] = "";
	if (!side_signs(a, hash_i))
		return proto_ike_check_auth(c, n->hash_peer, n->hash_peer_len, hash_i);
	if (!proto_ike_auth_hash(sa, hash_i, hash)) {
		proto_ike_fail(c, PROTO_IKE_E_INTERNAL, "cannot compute %s",
			       hash_i ? "HASH_I" : "HASH_R");
		return false;
	}
	struct proto_ike_peer_auth in = {
		.method = a->method,
		.peer_id = &sa->peer_id,
		.certs = n->peer_certs,
		.n_certs = n->n_certs,
		.hash = hash,
		.hash_len = sa->keys.prf_len,
		.sig = n->sig_peer,
		.sig_len = n->sig_peer_len,
	};
	enum proto_ike_reason r = c->e->pol.verify ? c->e->pol.verify(c->e->pol.ctx, sa->conn, &in,
								      text, sizeof(text))
						   : PROTO_IKE_E_INTERNAL;
	explicit_bzero(hash, sizeof(hash));
	if (r == PROTO_IKE_OK)
		return true;
	if ((unsigned)r >= PROTO_IKE_REASON__MAX)
		r = PROTO_IKE_E_AUTH;
	c->notify = reason_notify(r);
	proto_ike_fail(c, r, "%s authentication of the peer failed: %s", a->name,
		       text[0] ? text : proto_ike_reason_str(r));
	return false;
}

/* Frees what proto_ike_auth_take kept. */
void proto_ike_auth_free(struct ike_p1_data *n)
{
	free(n->cert_buf);
	free(n->cr_buf);
	n->cert_buf = n->cr_buf = NULL;
}

/* The initiator's check before its first message: at least one transform of the conn has a
 * method we speak; else fails with the reason the first refused one gives. */
bool proto_ike_auth_offer_ok(struct ike_ctx *c)
{
	const struct proto_ike_conn *conn = c->sa->conn;
	const struct ike_auth_method *a, *refused = NULL;
	for (unsigned i = 0; i < conn->n_ike && i < PROTO_IKE_P1_PROPS_MAX; i++) {
		a = proto_ike_auth_get(conn->ike[i].auth);
		if (a && !a->refused)
			return true;
		refused = refused ? refused : a;
	}
	if (refused)
		proto_ike_fail(c, PROTO_IKE_E_AUTH_METHOD, "%s", refused->refused);
	else
		proto_ike_fail(c, PROTO_IKE_E_AUTH_METHOD,
			       "no transform of \"%s\" has an authentication method oakley speaks",
			       conn->name);
	return false;
}
