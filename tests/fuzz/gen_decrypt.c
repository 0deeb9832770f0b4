// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the seed corpus of the decrypt fuzz target (format in fuzz_decrypt.h). Usage:
 * gen_decrypt DIR (DIR is tests/fuzz/corpus/decrypt; the output is committed).
 *
 * The Quick Mode chains are the real initiator's: fzd_setup() leaves peer a's first Quick Mode
 * message on the wire, and this program decrypts it with b's keys and strips its HASH(1) and
 * padding. The Informational and phase-1 chains are built with the proto/ encoders, with the
 * cookies of the SA the setup makes (the harness is deterministic, but for the DH private values,
 * which crypto/ draws itself: qm-pfs carries a fresh KE each time it is generated).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ike/engine_int.h"
#include "tests/fuzz/fuzz_decrypt.h"

/* The seed being written. */
static uint8_t seed[16384];
static size_t seed_len;

static void seed_begin(uint8_t setup)
{
	seed[0] = setup;
	seed_len = 1;
}

static void seed_rec(uint8_t xchg, uint8_t flags, uint8_t m, uint8_t np, const uint8_t *chain,
		     size_t n)
{
	uint8_t h[FZD_REC_HDR_LEN] = {xchg, flags, m, np, (uint8_t)(n >> 8), (uint8_t)n};
	if (seed_len + sizeof(h) + n > sizeof(seed))
		abort();
	memcpy(seed + seed_len, h, sizeof(h));
	if (n)
		memcpy(seed + seed_len + sizeof(h), chain, n);
	seed_len += sizeof(h) + n;
}

static int seed_write(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return 1;
	}
	int bad = fwrite(seed, 1, seed_len, f) != seed_len;
	return fclose(f) != 0 || bad;
}

/* A plaintext chain and the type of its first payload. */
struct chain {
	uint8_t np;
	uint8_t p[4096];
	size_t n;
};

/* The initiator's first Quick Mode message after setup, decrypted with b's keys, without its
 * HASH(1) and padding. */
static int qm1_chain(uint8_t setup, struct chain *ret)
{
	static struct h_world w;
	static struct proto_msg m;
	struct crypto_iv_state iv;
	struct ike_sa *sa = fzd_setup(&w, setup);
	int r = 1;
	for (unsigned i = 0; sa && i < w.n_wire && r; i++) {
		const uint8_t *d = w.wire[i].data;
		size_t len = w.wire[i].len;
		if (w.wire[i].to != 1 || len <= PROTO_HDR_LEN ||
		    len - PROTO_HDR_LEN > sizeof(ret->p) || d[18] != ISAKMP_XCHG_QUICK)
			continue;
		uint32_t msgid = (uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 |
				 (uint32_t)d[22] << 8 | d[23];
		size_t n = len - PROTO_HDR_LEN;
		memcpy(ret->p, d + PROTO_HDR_LEN, n);
		if (!proto_ike_iv_phase2(sa, msgid, &iv) ||
		    proto_ike_decrypt(sa, &iv, ret->p, n) < 0 ||
		    proto_decode_payloads(d[16], ret->p, n, PROTO_DECODE_PADDING, &m) != PROTO_OK ||
		    m.n < 2 || m.pl[0].type != ISAKMP_PL_HASH)
			break;
		ret->np = m.pl[1].type;
		ret->n = n - m.padding - m.pl[1].offset;
		memmove(ret->p, ret->p + m.pl[1].offset, ret->n);
		r = 0;
	}
	h_free(&w);
	if (r)
		fprintf(stderr, "gen_decrypt: no Quick Mode message after setup %u\n", setup);
	return r;
}

/* The cookies of the SA of setup, as the 16-byte SPI of an ISAKMP delete or notify. */
static int cookies(uint8_t setup, uint8_t ret[16])
{
	static struct h_world w;
	struct ike_sa *sa = fzd_setup(&w, setup);
	if (sa) {
		memcpy(ret, sa->icookie, 8);
		memcpy(ret + 8, sa->rcookie, 8);
	}
	h_free(&w);
	return sa ? 0 : 1;
}

/* A chain written with a body-only builder (no header: its first type is b->first_np). */
static void body_begin(struct proto_builder *b, struct chain *c)
{
	proto_builder_init(b, c->p, sizeof(c->p));
}

static void body_end(struct proto_builder *b, struct chain *c)
{
	c->n = proto_builder_finish(b);
	c->np = b->first_np;
	if (!c->n)
		abort();
}

/* in behind a HASH payload of 32 zero bytes (the length of a SHA2-256 HASH(1), but wrong). */
static void zero_hash(const struct chain *in, struct chain *ret)
{
	static const uint8_t h[4] = {0, 0, 0, 4 + 32};
	if (4 + 32 + in->n > sizeof(ret->p))
		abort();
	memcpy(ret->p, h, 4);
	ret->p[0] = in->np;
	memset(ret->p + 4, 0, 32);
	memcpy(ret->p + 4 + 32, in->p, in->n);
	ret->n = 4 + 32 + in->n;
	ret->np = ISAKMP_PL_HASH;
}

int main(int argc, char **argv)
{
	static struct chain qm, qm_pfs, del_esp, del_isakmp, dpd, ic, mm5, am3, bad, qm_h0, h0,
		mm5_sig, am3_sig;
	static const uint8_t leaf[] = {0x30, 0x03, 'a', 'b', 'c'}, ca_dn[] = {0x30, 0x02, 'C', 'A'};
	static const uint8_t dn[] = {0x30, 0x0b, 0x31, 0x09, 0x30, 0x07, 0x06,
				     0x03, 0x55, 0x04, 0x03, 0x0c, 0x00};
	static const uint8_t esp_spi[4] = {0xa0, 0x00, 0x01, 0x00}, seq[4] = {0, 0, 0, 1};
	static const uint8_t a_addr[4] = {192, 0, 2, 1}, hash0[32];
	uint8_t ck[16], am_ck[16];
	struct proto_builder b;
	int r = 0;
	if (argc != 2) {
		fprintf(stderr, "usage: gen_decrypt DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	if (qm1_chain(FZD_MM_UP, &qm) || qm1_chain(FZD_MM_UP | FZD_PFS, &qm_pfs) ||
	    cookies(FZD_MM_UP, ck) || cookies(FZD_AM_UP, am_ck))
		return 1;

	body_begin(&b, &del_esp);
	proto_put_delete(&b, ISAKMP_DOI_IPSEC, PROTO_IPSEC_ESP, 4, esp_spi, 1);
	body_end(&b, &del_esp);
	body_begin(&b, &del_isakmp);
	proto_put_delete(&b, ISAKMP_DOI_IPSEC, PROTO_ISAKMP, 16, ck, 1);
	body_end(&b, &del_isakmp);
	body_begin(&b, &dpd);
	proto_put_notify(&b, ISAKMP_DOI_IPSEC, PROTO_ISAKMP, ISAKMP_N_R_U_THERE, ck, 16, seq, 4);
	body_end(&b, &dpd);
	body_begin(&b, &ic);
	proto_put_notify(&b, ISAKMP_DOI_IPSEC, PROTO_ISAKMP, ISAKMP_N_INITIAL_CONTACT, am_ck, 16,
			 NULL, 0);
	body_end(&b, &ic);
	/* MM5 (HDR*, IDii, HASH_I, N(INITIAL-CONTACT)) and AM3 (HDR*, HASH_I): the target writes
	 * HASH_I over the zeros (SHA2-256, 32 bytes) */
	body_begin(&b, &mm5);
	proto_put_id(&b, ID_IPV4_ADDR, 0, 0, a_addr, sizeof(a_addr));
	proto_put_hash(&b, hash0, sizeof(hash0));
	proto_put_notify(&b, ISAKMP_DOI_IPSEC, PROTO_ISAKMP, ISAKMP_N_INITIAL_CONTACT, NULL, 0,
			 NULL, 0);
	body_end(&b, &mm5);
	body_begin(&b, &am3);
	proto_put_hash(&b, hash0, sizeof(hash0));
	body_end(&b, &am3);
	/* with signatures (FZD_SIG): MM5 (HDR*, IDii (a DN), CR, CERT, CERT (PKCS#7), CERT (CRL),
	 * SIG_I) and AM3 (HDR*, CERT, SIG_I): the target writes the stub signature over the zeros
	 */
	body_begin(&b, &mm5_sig);
	proto_put_id(&b, ID_DER_ASN1_DN, 0, 0, dn, sizeof(dn));
	proto_put_cr(&b, CERT_X509_SIG, ca_dn, sizeof(ca_dn));
	proto_put_cert(&b, CERT_X509_SIG, leaf, sizeof(leaf));
	proto_put_cert(&b, CERT_PKCS7, leaf, sizeof(leaf));
	proto_put_cert(&b, CERT_CRL, ca_dn, sizeof(ca_dn));
	proto_put_sig(&b, hash0, sizeof(hash0));
	body_end(&b, &mm5_sig);
	body_begin(&b, &am3_sig);
	proto_put_cert(&b, CERT_X509_SIG, leaf, sizeof(leaf));
	proto_put_sig(&b, hash0, sizeof(hash0));
	body_end(&b, &am3_sig);
	/* the real QM1 chain with its SA payload's length running past the end */
	bad = qm;
	bad.p[2] = 0xff;

	/* signature authentication: MM5 and AM3 with the right and with a wrong signature */
	seed_begin(FZD_MM_KEYS | FZD_SIG);
	seed_rec(FZD_X_PHASE1, FZD_HASH, 0, mm5_sig.np, mm5_sig.p, mm5_sig.n);
	r |= seed_write(dir, "mm5-sig");
	seed_begin(FZD_MM_KEYS | FZD_SIG);
	seed_rec(FZD_X_PHASE1, 0, 0, mm5_sig.np, mm5_sig.p, mm5_sig.n);
	r |= seed_write(dir, "mm5-sig-bad");
	seed_begin(FZD_AM_KEYS | FZD_SIG);
	seed_rec(FZD_X_PHASE1, FZD_HASH, 0, am3_sig.np, am3_sig.p, am3_sig.n);
	r |= seed_write(dir, "am3-sig");
	/* an established SA with signatures: QM1, QM3 */
	seed_begin(FZD_MM_UP | FZD_SIG);
	seed_rec(FZD_X_QUICK, FZD_HASH, 1, qm.np, qm.p, qm.n);
	seed_rec(FZD_X_QUICK, FZD_HASH, 1, 0, NULL, 0);
	r |= seed_write(dir, "qm-sig");
	/* QM1 with HASH(1), then QM3 with HASH(3): an IPsec SA pair */
	seed_begin(FZD_MM_UP);
	seed_rec(FZD_X_QUICK, FZD_HASH, 1, qm.np, qm.p, qm.n);
	seed_rec(FZD_X_QUICK, FZD_HASH, 1, 0, NULL, 0);
	r |= seed_write(dir, "qm-hash1-hash3");
	/* the same with the commit bit: the responder ends with N(CONNECTED) */
	seed_begin(FZD_MM_UP);
	seed_rec(FZD_X_QUICK, FZD_HASH | FZD_COMMIT, 2, qm.np, qm.p, qm.n);
	seed_rec(FZD_X_QUICK, FZD_HASH | FZD_COMMIT, 2, 0, NULL, 0);
	r |= seed_write(dir, "qm-commit");
	/* with PFS: the responder's DH job, then QM3 */
	seed_begin(FZD_MM_UP | FZD_PFS);
	seed_rec(FZD_X_QUICK, FZD_HASH, 3, qm_pfs.np, qm_pfs.p, qm_pfs.n);
	seed_rec(FZD_X_QUICK, FZD_HASH, 3, 0, NULL, 0);
	r |= seed_write(dir, "qm-pfs");
	/* QM1 without its HASH(1), then in the clear, then timers: dropped, dropped */
	seed_begin(FZD_MM_UP);
	seed_rec(FZD_X_QUICK, 0, 4, qm.np, qm.p, qm.n);
	seed_rec(FZD_X_QUICK, FZD_HASH | FZD_PLAIN | FZD_TIMERS, 5, qm.np, qm.p, qm.n);
	r |= seed_write(dir, "qm-unauthenticated");
	/* QM1 and QM3 with a wrong HASH (zeros) in the chain: dropped, no IPsec SA */
	zero_hash(&qm, &qm_h0);
	zero_hash(&(struct chain){.np = 0}, &h0);
	seed_begin(FZD_MM_UP);
	seed_rec(FZD_X_QUICK, 0, 14, qm_h0.np, qm_h0.p, qm_h0.n);
	seed_rec(FZD_X_QUICK, 0, 14, h0.np, h0.p, h0.n);
	r |= seed_write(dir, "qm-wrong-hash");
	/* one more QM1 than PROTO_IKE_QM_MAX Quick Modes may be in progress: the last is dropped */
	seed_begin(FZD_MM_UP);
	for (unsigned i = 0; i <= PROTO_IKE_QM_MAX; i++)
		seed_rec(FZD_X_QUICK, FZD_HASH, (uint8_t)(0x20 + i), qm.np, qm.p, qm.n);
	r |= seed_write(dir, "qm-cap");
	/* an invalid chain, with a correct HASH(1) */
	seed_begin(FZD_MM_UP);
	seed_rec(FZD_X_QUICK, FZD_HASH, 6, bad.np, bad.p, bad.n);
	r |= seed_write(dir, "qm-invalid-chain");
	/* Informationals: delete an ESP SA, R-U-THERE (on the NAT-T port), delete the ISAKMP SA */
	seed_begin(FZD_MM_UP);
	seed_rec(FZD_X_INFO, FZD_HASH, 7, del_esp.np, del_esp.p, del_esp.n);
	r |= seed_write(dir, "info-delete-esp");
	seed_begin(FZD_MM_UP);
	seed_rec(FZD_X_INFO, FZD_HASH, 8, dpd.np, dpd.p, dpd.n);
	seed_rec(FZD_X_INFO, FZD_HASH | FZD_NATT | FZD_TIMERS, 9, dpd.np, dpd.p, dpd.n);
	r |= seed_write(dir, "info-dpd");
	seed_begin(FZD_MM_UP);
	seed_rec(FZD_X_INFO, FZD_HASH, 10, del_isakmp.np, del_isakmp.p, del_isakmp.n);
	seed_rec(FZD_X_QUICK, FZD_HASH, 11, qm.np, qm.p, qm.n);
	r |= seed_write(dir, "info-delete-isakmp");
	/* a Main Mode message on the established SA: nothing to do */
	seed_begin(FZD_MM_UP);
	seed_rec(FZD_X_PHASE1, FZD_HASH, 0, mm5.np, mm5.p, mm5.n);
	r |= seed_write(dir, "mm-after-up");
	/* MM5 with HASH_I (phase 1 up), then a Quick Mode */
	seed_begin(FZD_MM_KEYS);
	seed_rec(FZD_X_PHASE1, FZD_HASH, 0, mm5.np, mm5.p, mm5.n);
	seed_rec(FZD_X_QUICK, FZD_HASH, 1, qm.np, qm.p, qm.n);
	seed_rec(FZD_X_QUICK, FZD_HASH, 1, 0, NULL, 0);
	r |= seed_write(dir, "mm5-then-qm");
	/* MM5 with a wrong HASH_I */
	seed_begin(FZD_MM_KEYS);
	seed_rec(FZD_X_PHASE1, 0, 0, mm5.np, mm5.p, mm5.n);
	r |= seed_write(dir, "mm5-bad-hash");
	/* AM3 with HASH_I, then INITIAL-CONTACT */
	seed_begin(FZD_AM_KEYS);
	seed_rec(FZD_X_PHASE1, FZD_HASH, 0, am3.np, am3.p, am3.n);
	seed_rec(FZD_X_INFO, FZD_HASH, 12, ic.np, ic.p, ic.n);
	r |= seed_write(dir, "am3-then-notify");
	/* Aggressive Mode established: a Quick Mode */
	seed_begin(FZD_AM_UP);
	seed_rec(FZD_X_QUICK, FZD_HASH, 13, qm.np, qm.p, qm.n);
	seed_rec(FZD_X_QUICK, FZD_HASH, 13, 0, NULL, 0);
	r |= seed_write(dir, "am-up-qm");
	return r;
}
