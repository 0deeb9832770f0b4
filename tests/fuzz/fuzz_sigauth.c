// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: signature authentication of phase 1, fast. What the decrypted MM5 (AM3) or
 * MM6 (AM2) of a signature method carries goes through the auth row's steps of
 * proto/ike/ike_mm.c: proto_ike_take_peer_id (ID), proto_ike_auth_take (SIG, CERT of encodings
 * 4, 1 and 7, CR) and proto_ike_auth_check, whose verify callback is the daemon's
 * (dmn_ike_policy_verify, daemon/ike_certs.c) on a certificate store holding one CA
 * (tests/fuzz/sigauth_pki.h), so the certificate store's parsing, chain, CRL, ID and signature
 * checks all see the peer's bytes.
 *
 * Made once: a responder SA with ECDSA P-256 signatures (method 9) and keys (a real Main Mode
 * through MM3 between the two engines of tests/exch/harness.c: no Diffie-Hellman per input), the
 * store, and the HASH_I / HASH_R the peer of the PKI would sign for its DN and FQDN IDs. Each
 * input runs the three steps on that SA with a throwaway exchange of a kind whose failure hook
 * only logs (the phase-1 hook would free the SA), then the SA's phase-1 data is put back as it
 * was.
 *
 * Input: byte 0 bit 0 picks MM5 (0: the peer is the initiator, HASH_I over IDii) or MM6 (HASH_R
 * over IDir); byte 1 is the type of the chain's first payload; the rest is the plaintext payload
 * chain. FUZZ_SIGAUTH_SEEDS=DIR writes the seeds (valid signatures) there.
 *
 * Invariant (no unauthenticated success, __builtin_trap otherwise): an input is accepted only
 * after the daemon's verify said OK, for a hash the peer's key signed here (HASH_I or HASH_R
 * over one of its two IDs).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "daemon/certs.h"
#include "daemon/dmn.h"
#include "daemon/ike_certs.h"
#include "daemon/ike_glue_int.h"
#include "daemon/log.h"
#include "proto/codec.h"
#include "proto/consts.h"
#include "proto/ike/engine_int.h"
#include "tests/exch/harness.h"
#include "tests/fuzz/sigauth_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct h_world w;
static struct ike_sa *sa;
static struct ike_p1_data saved_n;
static struct proto_ike_conn saved_conn;
static struct proto_ike_id saved_peer_id;
static struct dmn d; /* the daemon as ike_certs.c sees it: the store, and one conn */
static struct dmn_conn conn;
static struct dmn_certs *peer_store; /* the peer's key, to sign the seeds */
static const struct dmn_cert *peer_cert;

/* The IDs the peer may use: ID payload bodies (type, protocol, port, data). */
static uint8_t id_body[2][4 + PROTO_IKE_ID_MAX];
static size_t id_len[2];
static uint8_t genuine[2][2][CRYPTO_HASH_MAX_LEN]; /* [hash_r][id] */
static size_t prf_len;

static struct {
	bool called, ok;
	uint8_t hash[CRYPTO_HASH_MAX_LEN];
	size_t hash_len;
	char text[200];
} seen;
static bool verbose; /* FUZZ_SIGAUTH_VERBOSE: each input's outcome on stderr */

/* ike_conn.c's lookup, here: every engine conn is the one dmn_conn. */
const struct dmn_conn *dmn_ike_conn_by_handle(const struct dmn *dd, uint64_t handle, size_t *ret_i)
{
	(void)dd, (void)handle;
	if (ret_i)
		*ret_i = 0;
	return &conn;
}

static enum proto_ike_reason verify(void *ctx, const struct proto_ike_conn *pc,
				    const struct proto_ike_peer_auth *in, char *text,
				    size_t text_cap)
{
	(void)ctx;
	enum proto_ike_reason r = dmn_ike_policy_verify(&d, pc, in, text, text_cap);
	seen.called = true;
	seen.ok = r == PROTO_IKE_OK;
	seen.hash_len = in->hash_len <= sizeof(seen.hash) ? in->hash_len : 0;
	memcpy(seen.hash, in->hash, seen.hash_len);
	snprintf(seen.text, sizeof(seen.text), "%s", text);
	return r;
}

static bool no_debug(void *ctx, enum proto_log_level level)
{
	(void)ctx;
	return level != PROTO_LOG_DEBUG;
}

static struct ike_sa *only_sa(struct proto_ike_engine *e)
{
	for (unsigned i = 0; i < e->n_buckets; i++)
		if (e->ck[i])
			return e->ck[i];
	return NULL;
}

/* b's SA after MM3 (keys derived, MM4 sent), both sides on ECDSA P-256 signatures. */
static struct ike_sa *handshake(void)
{
	h_init(&w, false, 1);
	for (int i = 0; i < 2; i++) {
		struct h_peer *p = &w.p[i];
		p->conn.ike[0].group = IKE_GROUP_ECP256;
		p->conn.ike[0].auth = IKE_AUTH_ECDSA_SHA256;
		p->conn.n_ike = 1;
		memset(&p->conn.remote_id, 0, sizeof(p->conn.remote_id)); /* from the cert */
		p->env.log_enabled = no_debug;
		proto_ike_engine_free(p->e);
		p->e = proto_ike_engine_new(&p->env, &p->pol);
	}
	if (!h_initiate(&w, 0))
		return NULL;
	w.deliver_limit = 3;
	h_run(&w, 0);
	struct ike_sa *s = only_sa(w.p[1].e);
	return s && s->keys_ready && s->p1.state == S_MM_R4_SENT ? s : NULL;
}

static void set_id(int k, uint8_t type, const void *p, size_t len)
{
	id_body[k][0] = type;
	memset(id_body[k] + 1, 0, 3);
	memcpy(id_body[k] + 4, p, len);
	id_len[k] = 4 + len;
}

static void store_init(void)
{
	const struct dmn_cert *c;
	if (dmn_certs_new("/nonexistent/oakley-fuzz", &d.certs) < 0 ||
	    dmn_certs_load_cert_mem(d.certs, sa_ca_der, sizeof(sa_ca_der), true, "fuzz-ca", &c,
				    NULL) < 0 ||
	    dmn_certs_new("/nonexistent/oakley-fuzz-peer", &peer_store) < 0 ||
	    dmn_certs_load_cert_mem(peer_store, sa_ca_der, sizeof(sa_ca_der), true, "fuzz-ca", &c,
				    NULL) < 0 ||
	    dmn_certs_load_cert_mem(peer_store, sa_peer_der, sizeof(sa_peer_der), false,
				    "fuzz-peer", &peer_cert, NULL) < 0 ||
	    !peer_cert ||
	    dmn_certs_load_key_mem(peer_store, sa_peer_key, sizeof(sa_peer_key), NULL, "fuzz-key",
				   NULL) < 0)
		abort();
	snprintf(conn.name, sizeof(conn.name), "fuzz");
	conn.auth = DMN_AUTH_ECDSA;
	const uint8_t *dn;
	size_t dn_len;
	dmn_cert_subject_der(peer_cert, &dn, &dn_len);
	set_id(0, ID_DER_ASN1_DN, dn, dn_len);
	set_id(1, ID_FQDN, "peer.fuzz.example", 17);
}

static void init(void)
{
	dmn_log_setup(LOG_CRIT, false);
	if (!(sa = handshake()))
		abort();
	store_init();
	w.p[1].e->pol.verify = verify;
	/* what MM3 brought (the initiator's CRs) goes: the saved state holds no buffers */
	proto_ike_auth_free(sa->n);
	sa->n->n_peer_crs = 0;
	sa->n->peer_cr = false;
	prf_len = sa->keys.prf_len;
	for (int r = 0; r < 2; r++)
		for (int k = 0; k < 2; k++) {
			memcpy(r ? sa->n->idr_b : sa->n->idi_b, id_body[k], id_len[k]);
			*(r ? &sa->n->idr_b_len : &sa->n->idi_b_len) = id_len[k];
			if (!proto_ike_auth_hash(sa, !r, genuine[r][k]))
				abort();
		}
	saved_n = *sa->n;
	saved_conn = *sa->conn;
	saved_peer_id = sa->peer_id;
}

/* Puts the SA's phase-1 data back as init left it. */
static void restore(void)
{
	proto_ike_auth_free(sa->n);
	*sa->n = saved_n;
	*sa->conn = saved_conn;
	sa->peer_id = saved_peer_id;
}

/* Whether sig (r|s) is the peer key's ECDSA P-256 signature of the digest hash, checked with
 * GnuTLS directly (not through the store): the second opinion of the invariant. */
static bool peer_signed(const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len)
{
	static gnutls_pubkey_t pub;
	gnutls_datum_t der = {(unsigned char *)sa_peer_der, sizeof(sa_peer_der)};
	if (!pub && (gnutls_pubkey_init(&pub) < 0 ||
		     gnutls_pubkey_import_x509_raw(pub, &der, GNUTLS_X509_FMT_DER, 0) < 0))
		abort();
	if (sig_len != 64)
		return false;
	gnutls_datum_t r = {(unsigned char *)sig, 32}, s = {(unsigned char *)sig + 32, 32}, enc;
	if (gnutls_encode_rs_value(&enc, &r, &s) < 0)
		abort();
	gnutls_datum_t h = {(unsigned char *)hash, (unsigned)hash_len};
	int v = gnutls_pubkey_verify_hash2(pub, GNUTLS_SIGN_ECDSA_SHA256, 0, &h, &enc);
	gnutls_free(enc.data);
	return v >= 0;
}

static bool genuine_hash(bool hash_r)
{
	for (int k = 0; k < 2; k++)
		if (seen.hash_len == prf_len && !memcmp(seen.hash, genuine[hash_r][k], prf_len))
			return true;
	return false;
}

/* The payload check dispatch makes before the handler (ike_dispatch.c payloads_ok), with the row
 * of MM5 in the responder's table (MM6's allows the same): every required type present, nothing
 * outside allowed. */
static bool payloads_ok(const struct proto_msg *m)
{
	static const struct ike_row *row;
	for (size_t i = 0; !row && i < proto_ike_mm_r_table.n; i++)
		if (proto_ike_mm_r_table.rows[i].from == S_MM_R4_SENT)
			row = &proto_ike_mm_r_table.rows[i];
	if (!row)
		abort();
	uint64_t got = 0, required = row->required, allowed = row->allowed | row->required, r, a;
	proto_ike_auth_payloads(sa, &r, &a);
	required |= r;
	allowed |= a;
	for (unsigned i = 0; i < m->n; i++) {
		if (!m->pl[i].known)
			continue;
		uint8_t type = proto_ike_pl_canonical(m->pl[i].type);
		uint64_t bit = type < 64 ? PL(type) : 0;
		if (!(bit & allowed))
			return false;
		got |= bit;
	}
	return (got & required) == required;
}

static void run(bool hash_r, uint8_t first, const uint8_t *chain, size_t len)
{
	static struct proto_msg m;
	if (proto_decode_payloads(first, chain, len, 0, &m) != PROTO_OK || !payloads_ok(&m))
		return;
	struct ike_xchg x = {.used = true, .type = ISAKMP_XCHG_TRANSACTION};
	struct ike_ctx c = {.e = w.p[1].e, .sa = sa, .x = &x, .msg = &m};
	memset(&seen, 0, sizeof(seen));
	bool ok = proto_ike_take_peer_id(&c, hash_r ? sa->n->idr_b : sa->n->idi_b,
					 hash_r ? &sa->n->idr_b_len : &sa->n->idi_b_len) &&
		  proto_ike_auth_take(&c) && proto_ike_auth_check(&c, !hash_r);
	if (c.sa != sa)
		__builtin_trap(); /* the throwaway exchange's hook freed the SA */
	if (ok && (!seen.called || !seen.ok || !genuine_hash(hash_r) ||
		   !peer_signed(seen.hash, seen.hash_len, sa->n->sig_peer, sa->n->sig_peer_len)))
		__builtin_trap(); /* accepted without the peer's signature over a hash it signs */
	if (verbose)
		fprintf(stderr, "%s: %s\n", ok ? "accepted" : "refused",
			seen.called ? seen.text : "before verify");
	restore();
}

/* ---- seeds (FUZZ_SIGAUTH_SEEDS=DIR) ---- */

struct chain {
	uint8_t b[4096];
	size_t len;
	size_t last; /* offset of the last payload's header, or SIZE_MAX */
	uint8_t first;
};

static void add(struct chain *ch, uint8_t type, uint8_t sub, bool has_sub, const uint8_t *p,
		size_t n)
{
	size_t pl = 4 + (has_sub ? 1 : 0) + n;
	if (ch->len + pl > sizeof(ch->b))
		abort();
	if (ch->last == SIZE_MAX)
		ch->first = type;
	else
		ch->b[ch->last] = type;
	ch->last = ch->len;
	uint8_t *h = ch->b + ch->len;
	h[0] = 0, h[1] = 0, h[2] = (uint8_t)(pl >> 8), h[3] = (uint8_t)pl;
	if (has_sub)
		h[4] = sub;
	memcpy(h + pl - n, p, n);
	ch->len += pl;
}

static void seed(const char *dir, const char *name, bool hash_r, const struct chain *ch)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s-%s", dir, hash_r ? "mm6" : "mm5", name);
	FILE *f = fopen(path, "wb");
	uint8_t hdr[2] = {hash_r, ch->first};
	if (!f || fwrite(hdr, 1, 2, f) != 2 || fwrite(ch->b, 1, ch->len, f) != ch->len ||
	    fclose(f) != 0)
		abort();
}

/* One input: the ID k, CERT payloads as the variant says, a CR, the signature (spoilt: bad). */
static void variant(const char *dir, const char *name, bool hash_r, int k, const uint8_t *enc,
		    bool cr, bool bad)
{
	struct chain ch = {.last = SIZE_MAX};
	uint8_t sig[256];
	size_t sig_len;
	add(&ch, ISAKMP_PL_ID, 0, false, id_body[k], id_len[k]);
	for (; *enc; enc++) {
		const uint8_t *p = *enc == CERT_PKCS7 ? sa_peer_p7
				   : *enc == CERT_CRL ? sa_crl_der
						      : sa_peer_der;
		size_t n = *enc == CERT_PKCS7 ? sizeof(sa_peer_p7)
			   : *enc == CERT_CRL ? sizeof(sa_crl_der)
					      : sizeof(sa_peer_der);
		add(&ch, ISAKMP_PL_CERT, *enc, true, p, n);
	}
	if (cr) {
		struct dmn_cert_blob ca;
		if (dmn_certs_ca_dns(d.certs, &ca, 1) != 1)
			abort();
		add(&ch, ISAKMP_PL_CR, CERT_X509_SIG, true, ca.data, ca.len);
	}
	if (dmn_certs_sign(peer_store, peer_cert, CRYPTO_SIG_ECDSA_P256, genuine[hash_r][k],
			   prf_len, sig, sizeof(sig), &sig_len) < 0)
		abort();
	if (bad)
		sig[sig_len / 2] ^= 1;
	add(&ch, ISAKMP_PL_SIG, 0, false, sig, sig_len);
	seed(dir, name, hash_r, &ch);
}

static void seeds_write(const char *dir)
{
	static const uint8_t x509[] = {CERT_X509_SIG, 0}, p7[] = {CERT_PKCS7, 0},
			     crl[] = {CERT_CRL, CERT_X509_SIG, 0}, none[] = {0};
	if (!dir)
		return;
	for (int r = 0; r < 2; r++) {
		variant(dir, "x509-dn", r, 0, x509, false, false);
		variant(dir, "pkcs7-dn", r, 0, p7, false, false);
		variant(dir, "crl-cr-fqdn", r, 1, crl, true, false);
		variant(dir, "nocert-dn", r, 0, none, false, false);
		variant(dir, "badsig-dn", r, 0, x509, false, true);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		init();
		ready = true;
		seeds_write(getenv("FUZZ_SIGAUTH_SEEDS"));
		verbose = getenv("FUZZ_SIGAUTH_VERBOSE") != NULL;
	}
	if (size < 2 || size > 65536)
		return 0;
	run(data[0] & 1, data[1], data + 2, size - 2);
	w.p[1].log_len = 0;
	return 0;
}
