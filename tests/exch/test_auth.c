// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Signature authentication (RFC 2409 §5.1, RFC 4754) between two engines of the exch harness:
 * RSA (method 3) and ECDSA P-256/384/521 (methods 9-11) in Main and Aggressive Mode, both roles,
 * and the failures (bad signature, no certificate, ID not the certificate's, method mismatch,
 * DSS refused by a responder and by an initiator).
 *
 * The policy callbacks are the test's: real RSA and ECDSA signatures with Nettle (keys generated
 * here from a fixed seed), PKCS#1 v1.5 over the raw HASH_I/HASH_R for RSA, r|s over the method's
 * SHA-2 of the hash for ECDSA. A "certificate" is an opaque blob naming its peer ("CERT-LEAF-a"),
 * sent with an intermediate ("CERT-CA"); verify finds the peer by it, checks that the ID the peer
 * sent (a DER DN, ID_DER_ASN1_DN) is that peer's, and checks the signature with its public key.
 */
#include <errno.h>
#include <gmp.h>
#include <nettle/bignum.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <nettle/knuth-lfib.h>
#include <nettle/rsa.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/consts.h"
#include "tests/exch/harness.h"
#include "tests/testutil.h"

#define RUN_MS 600000u

static const char *const ca_dn = "DN-OF-THE-TEST-CA";

/* What one peer holds and what its callbacks saw. */
struct tpeer {
	struct rsa_public_key rpub;
	struct rsa_private_key rkey;
	struct ecc_point epub[3];
	struct ecc_scalar ekey[3];
	uint8_t dn[24];
	char leaf[16];
	bool corrupt_sig; /* sign: flip a bit of the signature */
	bool no_ca;	  /* ca_dns: none (no CR sent) */
	/* observations */
	unsigned signs, verifies, own_certs_calls;
	unsigned certs_seen, crs_seen;
	uint16_t method_seen;
	size_t sig_len_seen, hash_len_seen;
	bool id_dn_seen;
};

static struct tpeer tp[2];
static struct knuth_lfib_ctx rng;

static void lfib_random(void *ctx, size_t n, uint8_t *dst)
{
	knuth_lfib_random(ctx, n, dst);
}

static struct tpeer *of(void *ctx)
{
	const struct h_peer *p = ctx;
	return &tp[p->name[0] == 'b'];
}

static int curve_index(uint16_t method)
{
	return method == IKE_AUTH_ECDSA_SHA256 ? 0 : method == IKE_AUTH_ECDSA_SHA384 ? 1 : 2;
}

static const struct ecc_curve *curve_of(int i)
{
	return i == 0	? nettle_get_secp_256r1()
	       : i == 1 ? nettle_get_secp_384r1()
			: nettle_get_secp_521r1();
}

/* The ECDSA digest: the method's SHA-2 of the IKE hash (RFC 4754), and its r/s length. */
static size_t ecdsa_digest(uint16_t method, const uint8_t *hash, size_t len, uint8_t *out,
			   size_t *ret_rs)
{
	int i = curve_index(method);
	if (i == 0) {
		struct sha256_ctx c;
		sha256_init(&c);
		sha256_update(&c, len, hash);
		sha256_digest(&c, SHA256_DIGEST_SIZE, out);
		*ret_rs = 32;
		return SHA256_DIGEST_SIZE;
	}
	if (i == 1) {
		struct sha384_ctx c;
		sha384_init(&c);
		sha384_update(&c, len, hash);
		sha384_digest(&c, SHA384_DIGEST_SIZE, out);
		*ret_rs = 48;
		return SHA384_DIGEST_SIZE;
	}
	struct sha512_ctx c;
	sha512_init(&c);
	sha512_update(&c, len, hash);
	sha512_digest(&c, SHA512_DIGEST_SIZE, out);
	*ret_rs = 66;
	return SHA512_DIGEST_SIZE;
}

static int t_sign(void *ctx, const struct proto_ike_conn *conn, uint16_t method,
		  const uint8_t *hash, size_t hash_len, uint8_t *sig, size_t cap, size_t *ret_len)
{
	struct tpeer *t = of(ctx);
	(void)conn;
	mpz_t s;
	mpz_init(s);
	t->signs++;
	if (method == IKE_AUTH_RSA_SIG) {
		/* the raw hash as the "DigestInfo": PKCS#1 v1.5 type 1 without one */
		if (t->rkey.size > cap ||
		    !rsa_pkcs1_sign_tr(&t->rpub, &t->rkey, &rng, lfib_random, hash_len, hash, s)) {
			mpz_clear(s);
			return -EINVAL;
		}
		nettle_mpz_get_str_256(t->rkey.size, sig, s);
		*ret_len = t->rkey.size;
	} else {
		uint8_t d[64];
		size_t rs;
		size_t dl = ecdsa_digest(method, hash, hash_len, d, &rs);
		struct dsa_signature ds;
		dsa_signature_init(&ds);
		ecdsa_sign(&t->ekey[curve_index(method)], &rng, lfib_random, dl, d, &ds);
		nettle_mpz_get_str_256(rs, sig, ds.r);
		nettle_mpz_get_str_256(rs, sig + rs, ds.s);
		dsa_signature_clear(&ds);
		*ret_len = 2 * rs;
	}
	if (t->corrupt_sig)
		sig[*ret_len / 2] ^= 0x10;
	mpz_clear(s);
	return 0;
}

static int t_own_certs(void *ctx, const struct proto_ike_conn *conn,
		       const struct proto_ike_blob *cr, unsigned n_cr, struct proto_ike_blob *ret,
		       unsigned cap, unsigned *ret_n)
{
	struct tpeer *t = of(ctx);
	(void)conn;
	t->own_certs_calls++;
	t->crs_seen = n_cr;
	if (n_cr && (cr[0].len != strlen(ca_dn) || memcmp(cr[0].p, ca_dn, cr[0].len) != 0))
		return -ENOENT; /* a CR for a CA we have no certificate from */
	if (cap < 2)
		return -ENOSPC;
	ret[0] = (struct proto_ike_blob){(const uint8_t *)t->leaf, strlen(t->leaf)};
	ret[1] = (struct proto_ike_blob){(const uint8_t *)"CERT-CA", 7};
	*ret_n = 2;
	return 0;
}

static int t_ca_dns(void *ctx, const struct proto_ike_conn *conn, struct proto_ike_blob *ret,
		    unsigned cap, unsigned *ret_n)
{
	(void)conn;
	*ret_n = 0;
	if (!of(ctx)->no_ca && cap) {
		ret[0] = (struct proto_ike_blob){(const uint8_t *)ca_dn, strlen(ca_dn)};
		*ret_n = 1;
	}
	return 0;
}

static enum proto_ike_reason t_verify(void *ctx, const struct proto_ike_conn *conn,
				      const struct proto_ike_peer_auth *in, char *text,
				      size_t text_cap)
{
	struct tpeer *t = of(ctx);
	const struct tpeer *peer = NULL;
	(void)conn;
	t->verifies++;
	t->certs_seen = in->n_certs;
	t->method_seen = in->method;
	t->sig_len_seen = in->sig_len;
	t->hash_len_seen = in->hash_len;
	t->id_dn_seen = in->peer_id->type == ID_DER_ASN1_DN;
	for (unsigned i = 0; i < in->n_certs && !peer; i++)
		for (int k = 0; k < 2; k++)
			if (in->certs[i].encoding == CERT_X509_SIG &&
			    in->certs[i].data.len == strlen(tp[k].leaf) &&
			    memcmp(in->certs[i].data.p, tp[k].leaf, in->certs[i].data.len) == 0)
				peer = &tp[k];
	if (!peer) {
		snprintf(text, text_cap, "test: no certificate received (%u CERT payloads)",
			 in->n_certs);
		return PROTO_IKE_E_CERT_NONE;
	}
	if (in->peer_id->len != sizeof(peer->dn) ||
	    memcmp(in->peer_id->data, peer->dn, sizeof(peer->dn)) != 0) {
		snprintf(text, text_cap, "test: ID is not the subject of %s", peer->leaf);
		return PROTO_IKE_E_CERT_ID;
	}
	bool ok;
	if (in->method == IKE_AUTH_RSA_SIG) {
		mpz_t s;
		mpz_init(s);
		nettle_mpz_set_str_256_u(s, in->sig_len, in->sig);
		ok = in->sig_len == peer->rkey.size &&
		     rsa_pkcs1_verify(&peer->rpub, in->hash_len, in->hash, s);
		mpz_clear(s);
	} else {
		uint8_t d[64];
		size_t rs;
		size_t dl = ecdsa_digest(in->method, in->hash, in->hash_len, d, &rs);
		struct dsa_signature ds;
		dsa_signature_init(&ds);
		ok = in->sig_len == 2 * rs;
		if (ok) {
			nettle_mpz_set_str_256_u(ds.r, rs, in->sig);
			nettle_mpz_set_str_256_u(ds.s, rs, in->sig + rs);
			ok = ecdsa_verify(&peer->epub[curve_index(in->method)], dl, d, &ds);
		}
		dsa_signature_clear(&ds);
	}
	if (!ok) {
		snprintf(text, text_cap, "test: the signature does not verify with %s", peer->leaf);
		return PROTO_IKE_E_BAD_SIG;
	}
	return PROTO_IKE_OK;
}

/* A world whose peers authenticate with method (both transforms of the default conns), with DN
 * IDs, and whose engines have the signature callbacks. */
static void sig_world(struct h_world *w, uint16_t method, bool aggressive, uint64_t seed)
{
	h_init(w, false, seed);
	for (int i = 0; i < 2; i++) {
		struct h_peer *p = &w->p[i];
		struct tpeer *t = &tp[i];
		memset(&t->signs, 0, sizeof(*t) - offsetof(struct tpeer, signs));
		t->corrupt_sig = t->no_ca = false;
		for (unsigned k = 0; k < p->conn.n_ike; k++)
			p->conn.ike[k].auth = method;
		p->conn.aggressive = aggressive;
		p->conn.sendcert = PROTO_IKE_SENDCERT_IFASKED;
		p->conn.local_id.type = ID_DER_ASN1_DN;
		p->conn.local_id.len = sizeof(t->dn);
		memcpy(p->conn.local_id.data, t->dn, sizeof(t->dn));
		p->conn.remote_id.type = ID_DER_ASN1_DN;
		p->conn.remote_id.len = sizeof(tp[!i].dn);
		memcpy(p->conn.remote_id.data, tp[!i].dn, sizeof(tp[!i].dn));
		p->pol.sign = t_sign;
		p->pol.own_certs = t_own_certs;
		p->pol.ca_dns = t_ca_dns;
		p->pol.verify = t_verify;
		proto_ike_engine_free(p->e);
		p->e = proto_ike_engine_new(&p->env, &p->pol);
	}
}

static size_t sig_len_of(uint16_t method)
{
	switch (method) {
	case IKE_AUTH_RSA_SIG:
		return 256;
	case IKE_AUTH_ECDSA_SHA256:
		return 64;
	case IKE_AUTH_ECDSA_SHA384:
		return 96;
	default:
		return 132;
	}
}

/* Both sides up with method, each verified the other's signature once, with both
 * certificates (each side sent a CR, so ifasked sends them) and the DN ID. */
static void check_sig_up(struct h_world *w, uint16_t method)
{
	for (int i = 0; i < 2; i++) {
		const struct proto_ike_event *e = h_event(&w->p[i], PROTO_IKE_EV_P1_UP, 0);
		if (!CHECK(e != NULL)) {
			const struct proto_ike_event *f =
				h_event(&w->p[i], PROTO_IKE_EV_P1_FAILED, 0);
			fprintf(stderr, "  %s: %s\n", w->p[i].name, f ? f->text : "no event");
			continue;
		}
		CHECK_EQ_INT(e->u.p1.prop.auth, method);
		CHECK_EQ_INT(e->u.p1.peer_id.type, ID_DER_ASN1_DN);
		CHECK_EQ_INT(h_count(&w->p[i], PROTO_IKE_EV_P2_UP), 1);
		CHECK_EQ_INT(tp[i].signs, 1);
		CHECK_EQ_INT(tp[i].verifies, 1);
		CHECK_EQ_INT(tp[i].method_seen, method);
		CHECK_EQ_INT(tp[i].certs_seen, 2);
		CHECK_EQ_INT(tp[i].crs_seen, 1);
		CHECK_EQ_INT(tp[i].sig_len_seen, sig_len_of(method));
		CHECK_EQ_INT(tp[i].hash_len_seen, 32); /* the PRF: HMAC-SHA2-256 */
		CHECK(tp[i].id_dn_seen);
	}
}

static void sig_up(uint16_t method, bool aggressive)
{
	for (int who = 0; who < 2; who++) {
		struct h_world w;
		sig_world(&w, method, aggressive, 40 + (uint64_t)who);
		CHECK(h_initiate(&w, who) != 0);
		h_run(&w, RUN_MS);
		check_sig_up(&w, method);
		h_free(&w);
	}
}

static void case_rsa_mm(void)
{
	sig_up(IKE_AUTH_RSA_SIG, false);
}

static void case_rsa_am(void)
{
	sig_up(IKE_AUTH_RSA_SIG, true);
}

static void case_ecdsa_mm(void)
{
	sig_up(IKE_AUTH_ECDSA_SHA256, false);
	sig_up(IKE_AUTH_ECDSA_SHA384, false);
	sig_up(IKE_AUTH_ECDSA_SHA512, false);
}

static void case_ecdsa_am(void)
{
	sig_up(IKE_AUTH_ECDSA_SHA256, true);
	sig_up(IKE_AUTH_ECDSA_SHA384, true);
	sig_up(IKE_AUTH_ECDSA_SHA512, true);
}

/* The failure event of peer p: reason r and text containing s. */
static void check_failed(struct h_peer *p, enum proto_ike_reason r, const char *s)
{
	const struct proto_ike_event *e = h_event(p, PROTO_IKE_EV_P1_FAILED, 0);
	if (!CHECK(e != NULL))
		return;
	CHECK_EQ_INT(e->reason, r);
	if (!CHECK(strstr(e->text, s) != NULL))
		fprintf(stderr, "  %s: text was: %s\n", p->name, e->text);
	CHECK_EQ_INT(h_count(p, PROTO_IKE_EV_P1_UP), 0);
}

/* A bad signature from the initiator (MM5/AM3) and from the responder (MM6/AM2). */
static void case_bad_sig(void)
{
	for (int k = 0; k < 4; k++) {
		struct h_world w;
		int liar = k & 1;
		sig_world(&w, k < 2 ? IKE_AUTH_RSA_SIG : IKE_AUTH_ECDSA_SHA256, k >= 2, 50 + k);
		tp[liar].corrupt_sig = true;
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		check_failed(&w.p[!liar], PROTO_IKE_E_BAD_SIG, "does not verify");
		/* the liar is up when the message it lied in was its last: MM6, AM3 */
		CHECK_EQ_INT(h_count(&w.p[liar], PROTO_IKE_EV_P1_UP), k < 2 ? liar : !liar);
		h_free(&w);
	}
}

/* No certificate: sendcert=never on one side, and a peer that sent no CR with ifasked. */
static void case_no_cert(void)
{
	for (int k = 0; k < 2; k++) {
		struct h_world w;
		sig_world(&w, IKE_AUTH_RSA_SIG, false, 60 + k);
		if (k == 0)
			w.p[1].conn.sendcert = PROTO_IKE_SENDCERT_NEVER;
		else
			tp[0].no_ca = true; /* a sends no CR: b (ifasked) sends no CERT */
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		check_failed(&w.p[0], PROTO_IKE_E_CERT_NONE, "no certificate received");
		CHECK_EQ_INT(tp[0].certs_seen, 0);
		CHECK_EQ_INT(tp[1].own_certs_calls, 0);
		CHECK_EQ_INT(tp[1].verifies, 1); /* b verified a before answering */
		h_free(&w);
	}
	/* sendcert=always sends them without a CR */
	struct h_world w;
	sig_world(&w, IKE_AUTH_RSA_SIG, false, 62);
	tp[0].no_ca = tp[1].no_ca = true;
	w.p[0].conn.sendcert = w.p[1].conn.sendcert = PROTO_IKE_SENDCERT_ALWAYS;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 1);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P1_UP), 1);
	CHECK_EQ_INT(tp[0].certs_seen, 2);
	CHECK_EQ_INT(tp[1].crs_seen, 0);
	h_free(&w);
}

/* The peer's ID is not its certificate's. */
static void case_id_mismatch(void)
{
	struct h_world w;
	sig_world(&w, IKE_AUTH_ECDSA_SHA384, false, 70);
	/* b's own ID (and a's expectation of it) is another DN than b's certificate names */
	w.p[1].conn.local_id.data[3] ^= 1;
	w.p[0].conn.remote_id.data[3] ^= 1;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_failed(&w.p[0], PROTO_IKE_E_CERT_ID, "ID is not the subject");
	h_free(&w);
}

/* a offers RSA signatures, b accepts only ECDSA: refused as a method mismatch, not as "no
 * proposal"; then a conn offering only DSS (initiator), and a DSS offer (responder). */
static void case_method(void)
{
	struct h_world w;
	sig_world(&w, IKE_AUTH_RSA_SIG, false, 80);
	for (unsigned k = 0; k < w.p[1].conn.n_ike; k++)
		w.p[1].conn.ike[k].auth = IKE_AUTH_ECDSA_SHA256;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_failed(&w.p[1], PROTO_IKE_E_AUTH_METHOD, "authentication method mismatch");
	CHECK(h_log_has(&w.p[1], "RSA signatures"));
	check_failed(&w.p[0], PROTO_IKE_E_NO_PROPOSAL, "NO-PROPOSAL-CHOSEN");
	h_free(&w);

	/* PSK against signatures */
	sig_world(&w, IKE_AUTH_PSK, false, 81);
	for (unsigned k = 0; k < w.p[1].conn.n_ike; k++)
		w.p[1].conn.ike[k].auth = IKE_AUTH_RSA_SIG;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_failed(&w.p[1], PROTO_IKE_E_AUTH_METHOD, "authentication method mismatch");
	h_free(&w);
}

static void case_dss(void)
{
	/* initiator: nothing it could offer */
	struct h_world w;
	uint64_t id = 0;
	sig_world(&w, IKE_AUTH_DSS_SIG, false, 90);
	CHECK(proto_ike_initiate(w.p[0].e, &w.p[0].conn, &w.p[0].addr, &w.p[1].addr, &id) ==
	      -EINVAL);
	h_run(&w, RUN_MS);
	check_failed(&w.p[0], PROTO_IKE_E_AUTH_METHOD, "DSS signatures (method 2) are not");
	CHECK_EQ_INT(w.sent, 0);
	h_free(&w);

	/* responder: an MM1 offering DSS, then RSA encryption */
	for (int k = 0; k < 2; k++) {
		uint8_t buf[512];
		struct proto_builder b;
		struct proto_header hdr = {.major = 1, .exchange = ISAKMP_XCHG_IDPROT};
		memcpy(hdr.icookie, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
		sig_world(&w, IKE_AUTH_RSA_SIG, false, 91 + k);
		proto_builder_init(&b, buf, sizeof(buf));
		proto_put_header(&b, &hdr);
		proto_put_sa(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
		proto_put_proposal(&b, 1, PROTO_ISAKMP, NULL, 0);
		proto_put_transform(&b, 1, KEY_IKE);
		proto_put_attr_tv(&b, IKE_ATTR_ENCRYPTION_ALGORITHM, IKE_ENCR_AES_CBC);
		proto_put_attr_tv(&b, IKE_ATTR_KEY_LENGTH, 128);
		proto_put_attr_tv(&b, IKE_ATTR_HASH_ALGORITHM, IKE_HASH_SHA2_256);
		proto_put_attr_tv(&b, IKE_ATTR_AUTHENTICATION_METHOD,
				  k ? IKE_AUTH_RSA_ENC : IKE_AUTH_DSS_SIG);
		proto_put_attr_tv(&b, IKE_ATTR_GROUP_DESCRIPTION, IKE_GROUP_MODP2048);
		size_t n = proto_builder_finish(&b);
		CHECK(n > 0);
		proto_ike_input(w.p[1].e, buf, n, &w.p[1].addr, &w.p[0].addr, false);
		h_run(&w, RUN_MS);
		check_failed(&w.p[1], PROTO_IKE_E_AUTH_METHOD,
			     k ? "RSA encryption (method 4) is not supported"
			       : "DSS signatures (method 2) are not supported");
		h_free(&w);
	}
}

static void keys_init(void)
{
	knuth_lfib_init(&rng, 4711);
	for (int i = 0; i < 2; i++) {
		struct tpeer *t = &tp[i];
		rsa_public_key_init(&t->rpub);
		rsa_private_key_init(&t->rkey);
		mpz_set_ui(t->rpub.e, 65537);
		if (!rsa_generate_keypair(&t->rpub, &t->rkey, &rng, lfib_random, NULL, NULL, 2048,
					  0))
			abort();
		for (int c = 0; c < 3; c++) {
			ecc_point_init(&t->epub[c], curve_of(c));
			ecc_scalar_init(&t->ekey[c], curve_of(c));
			ecdsa_generate_keypair(&t->epub[c], &t->ekey[c], &rng, lfib_random);
		}
		/* a DER DN in spirit: SEQUENCE { ... "peer-a" } (compared as bytes) */
		memset(t->dn, 0, sizeof(t->dn));
		memcpy(t->dn, "\x30\x16\x31\x14\x30\x12\x06\x03\x55\x04\x03\x0c\x0b", 13);
		memcpy(t->dn + 13, i ? "test-peer-b" : "test-peer-a", 11);
		snprintf(t->leaf, sizeof(t->leaf), "CERT-LEAF-%c", i ? 'b' : 'a');
	}
}

static void keys_free(void)
{
	for (int i = 0; i < 2; i++) {
		rsa_public_key_clear(&tp[i].rpub);
		rsa_private_key_clear(&tp[i].rkey);
		for (int c = 0; c < 3; c++) {
			ecc_point_clear(&tp[i].epub[c]);
			ecc_scalar_clear(&tp[i].ekey[c]);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct h_case cases[] = {
		{"rsa-mm", case_rsa_mm},
		{"rsa-am", case_rsa_am},
		{"ecdsa-mm", case_ecdsa_mm},
		{"ecdsa-am", case_ecdsa_am},
		{"bad-sig", case_bad_sig},
		{"no-cert", case_no_cert},
		{"id-mismatch", case_id_mismatch},
		{"method", case_method},
		{"dss", case_dss},
	};
	keys_init();
	bool ok = h_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	keys_free();
	if (!ok)
		return 1;
	return TEST_END();
}
