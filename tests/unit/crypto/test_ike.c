// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto/ike: the IKEv1 key schedule against independently produced vectors, and the IV rules.
 *
 * Vector source: no published NIST CAVP SP 800-135 IKEv1 KDF vectors (with expected values) were
 * available from this environment, so ike_vectors.h is produced by gen_ike_vectors.py, a separate
 * implementation of the RFC 2409 §5 / §5.5 / App. B formulas written with Python's hashlib and hmac
 * only. It covers all five hashes, the App. B expansion of SKEYID_e (MD5 and SHA-1 with a 32-byte
 * AES-256 key), KEYMAT with and without PFS over several PRF blocks, HASH_I/HASH_R, QM HASH(1..3)
 * and both IVs. Interoperability tests against strongSwan (exchange issue) are the final judge.
 */
#include "crypto/ike_keys.h"

#include <errno.h>
#include <string.h>

#include "tests/testutil.h"
#include "tests/unit/crypto/ike_vectors.h"

struct bytes {
	uint8_t b[512];
	size_t len;
};

static void hx(struct bytes *r, const char *hex)
{
	int n = test_unhex(hex, r->b, sizeof(r->b));
	if (n < 0) {
		fprintf(stderr, "bad hex\n");
		exit(2);
	}
	r->len = (size_t)n;
}

static struct crypto_buf view(const struct bytes *b)
{
	return (struct crypto_buf){.p = b->b, .len = b->len};
}

/* Compares out (len bytes) with the expected hex; names the field on failure. */
static void expect(const char *what, unsigned hash, const uint8_t *out, size_t len, const char *hex)
{
	struct bytes want;
	hx(&want, hex);
	CHECK_EQ_INT(len, want.len);
	if (!CHECK_MEM(out, want.b, len < want.len ? len : want.len))
		fprintf(stderr, "  %s, hash %u\n", what, hash);
}

static struct bytes psk, ni, nr, gxy, gxi, gxr, cky_i, cky_r, sai_b, idii_b, idir_b, rest, g_qm;

static void load_inputs(void)
{
	hx(&psk, ikev_in_psk);
	hx(&ni, ikev_in_ni);
	hx(&nr, ikev_in_nr);
	hx(&gxy, ikev_in_gxy);
	hx(&gxi, ikev_in_gxi);
	hx(&gxr, ikev_in_gxr);
	hx(&cky_i, ikev_in_cky_i);
	hx(&cky_r, ikev_in_cky_r);
	hx(&sai_b, ikev_in_sai_b);
	hx(&idii_b, ikev_in_idii_b);
	hx(&idir_b, ikev_in_idir_b);
	hx(&rest, ikev_in_rest);
	hx(&g_qm, ikev_in_g_qm);
}

static void test_vector(const struct ikev_out *v)
{
	uint8_t skeyid[CRYPTO_HASH_MAX_LEN], out[CRYPTO_IKE_KEYMAT_MAX];
	struct crypto_ike_keys keys;
	struct crypto_iv iv1, iv2;
	size_t n = crypto_hash_len(v->hash);
	unsigned h = v->hash;

	CHECK(crypto_ike_skeyid_sig(h, view(&ni), view(&nr), view(&gxy), skeyid) == 0);
	expect("SKEYID (signatures)", h, skeyid, n, v->skeyid_sig);
	CHECK(crypto_ike_skeyid_psk(h, view(&psk), view(&ni), view(&nr), skeyid) == 0);
	expect("SKEYID (pre-shared key)", h, skeyid, n, v->skeyid_psk);

	if (!CHECK(crypto_ike_keys_derive(&keys, h, skeyid, view(&gxy), cky_i.b, cky_r.b,
					  IKEV_ENC_KEY_LEN) == 0))
		return;
	CHECK_EQ_INT(keys.prf_len, n);
	expect("SKEYID_d", h, keys.skeyid_d, n, v->skeyid_d);
	expect("SKEYID_a", h, keys.skeyid_a, n, v->skeyid_a);
	expect("SKEYID_e", h, keys.skeyid_e, n, v->skeyid_e);
	expect("Ka (App. B)", h, keys.enc_key, keys.enc_key_len, v->enc_key);

	struct crypto_ike_auth_in in = {
		.gxi = view(&gxi),
		.gxr = view(&gxr),
		.cky_i = cky_i.b,
		.cky_r = cky_r.b,
		.sai_b = view(&sai_b),
		.id_b = view(&idii_b),
	};
	CHECK(crypto_ike_hash_i(&keys, &in, out) == 0);
	expect("HASH_I", h, out, n, v->hash_i);
	in.id_b = view(&idir_b);
	CHECK(crypto_ike_hash_r(&keys, &in, out) == 0);
	expect("HASH_R", h, out, n, v->hash_r);

	CHECK(crypto_ike_qm_hash1(&keys, IKEV_MSGID, view(&rest), out) == 0);
	expect("QM HASH(1)", h, out, n, v->qm_hash1);
	CHECK(crypto_ike_info_hash1(&keys, IKEV_MSGID, view(&rest), out) == 0);
	expect("Informational HASH(1)", h, out, n, v->qm_hash1);
	CHECK(crypto_ike_qm_hash2(&keys, IKEV_MSGID, view(&ni), view(&rest), out) == 0);
	expect("QM HASH(2)", h, out, n, v->qm_hash2);
	CHECK(crypto_ike_qm_hash3(&keys, IKEV_MSGID, view(&ni), view(&nr), out) == 0);
	expect("QM HASH(3)", h, out, n, v->qm_hash3);

	struct crypto_buf none = {0};
	CHECK(crypto_ike_keymat(&keys, none, IKEV_PROTO, IKEV_SPI, view(&ni), view(&nr), out,
				IKEV_KEYMAT_LEN) == 0);
	expect("KEYMAT", h, out, IKEV_KEYMAT_LEN, v->keymat);
	CHECK(crypto_ike_keymat(&keys, view(&g_qm), IKEV_PROTO, IKEV_SPI, view(&ni), view(&nr), out,
				IKEV_KEYMAT_LEN) == 0);
	expect("KEYMAT (PFS)", h, out, IKEV_KEYMAT_LEN, v->keymat_pfs);
	/* A shorter request is a prefix. */
	uint8_t shorter[20];
	CHECK(crypto_ike_keymat(&keys, view(&g_qm), IKEV_PROTO, IKEV_SPI, view(&ni), view(&nr),
				shorter, sizeof(shorter)) == 0);
	CHECK_MEM(shorter, out, sizeof(shorter));

	CHECK(crypto_ike_iv_phase1(h, view(&gxi), view(&gxr), IKEV_BLOCK, &iv1) == 0);
	expect("phase-1 IV", h, iv1.b, iv1.len, v->iv_phase1);
	CHECK(crypto_ike_iv_phase2(h, &iv1, IKEV_MSGID, &iv2) == 0);
	expect("phase-2 IV", h, iv2.b, iv2.len, v->iv_phase2);

	crypto_ike_keys_wipe(&keys);
	CHECK(keys.prf_len == 0 && keys.skeyid_d[0] == 0);
}

static void test_errors(void)
{
	uint8_t skeyid[CRYPTO_HASH_MAX_LEN] = {1}, out[CRYPTO_IKE_KEYMAT_MAX], big[300] = {0};
	struct crypto_ike_keys keys, before;
	struct crypto_buf none = {0}, longnonce = {.p = big, .len = 257};
	struct crypto_iv iv = {.len = 16}, iv2;

	CHECK_EQ_INT(crypto_ike_skeyid_psk(3, view(&psk), view(&ni), view(&nr), out), -EINVAL);
	CHECK_EQ_INT(crypto_ike_skeyid_sig(CRYPTO_HASH_SHA1, longnonce, view(&nr), view(&gxy), out),
		     -EINVAL);
	memset(&keys, 0x5c, sizeof(keys));
	before = keys;
	CHECK_EQ_INT(crypto_ike_keys_derive(&keys, 7, skeyid, view(&gxy), cky_i.b, cky_r.b, 16),
		     -EINVAL);
	CHECK_EQ_INT(crypto_ike_keys_derive(&keys, CRYPTO_HASH_SHA1, skeyid, view(&gxy), cky_i.b,
					    cky_r.b, CRYPTO_CIPHER_KEY_MAX + 1),
		     -EINVAL);
	CHECK(memcmp(&keys, &before, sizeof(keys)) == 0);
	CHECK(crypto_ike_keys_derive(&keys, CRYPTO_HASH_SHA1, skeyid, view(&gxy), cky_i.b, cky_r.b,
				     16) == 0);
	CHECK_EQ_INT(crypto_ike_keymat(&keys, none, 3, 1, view(&ni), view(&nr), out, 0), -EINVAL);
	CHECK_EQ_INT(crypto_ike_keymat(&keys, none, 3, 1, view(&ni), view(&nr), out,
				       CRYPTO_IKE_KEYMAT_MAX + 1),
		     -EINVAL);
	CHECK(crypto_ike_keymat(&keys, none, 3, 1, view(&ni), view(&nr), out,
				CRYPTO_IKE_KEYMAT_MAX) == 0);
	/* 3DES block (8) with MD5 is fine; a block longer than the hash is not. */
	CHECK(crypto_ike_iv_phase1(CRYPTO_HASH_MD5, view(&gxi), view(&gxr), 8, &iv2) == 0);
	CHECK_EQ_INT(iv2.len, 8);
	CHECK_EQ_INT(crypto_ike_iv_phase1(CRYPTO_HASH_MD5, view(&gxi), view(&gxr), 17, &iv2),
		     -EINVAL);
	CHECK_EQ_INT(crypto_ike_iv_phase1(9, view(&gxi), view(&gxr), 16, &iv2), -EINVAL);
	CHECK_EQ_INT(crypto_ike_iv_phase2(9, &iv, 1, &iv2), -EINVAL);
	crypto_ike_keys_wipe(&keys);
	crypto_ike_keys_wipe(NULL);
}

/*
 * The IV rule of RFC 2409 App. B over a Main Mode tail (MM5 from the initiator, MM6 from the
 * responder) and a Quick Mode, each side with its own state, plus a forged message that fails
 * authentication and a retransmitted one.
 */
static void test_iv_state(void)
{
	uint8_t key[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
	struct crypto_iv_state ini, res, qi, qr;
	struct crypto_iv iv0, saved;
	struct crypto_cipher c;
	uint8_t m[64], forged[64], retrans[64];
	size_t n = 0, n5 = 0;

	CHECK(crypto_cipher_init(&c, CRYPTO_CIPHER_AES_CBC, key, 16) == 0);
	CHECK(crypto_ike_iv_phase1(CRYPTO_HASH_SHA1, view(&gxi), view(&gxr), 16, &iv0) == 0);
	crypto_iv_state_init(&ini, &iv0);
	crypto_iv_state_init(&res, &iv0);

	/* MM5: initiator encrypts, IV advances at once to the last ciphertext block. */
	memset(m, 0x11, 40);
	CHECK(crypto_iv_state_encrypt(&ini, &c, m, 40, sizeof(m), &n5) == 0);
	CHECK_EQ_INT(n5, 48);
	CHECK_MEM(crypto_iv_state_current(&ini)->b, m + 32, 16);
	memcpy(retrans, m, n5);

	/* A forged MM5 reaches the responder first: decrypts to garbage, HASH fails, discarded. */
	memcpy(forged, m, n5);
	forged[5] ^= 0x80;
	forged[47] ^= 0x01;
	saved = *crypto_iv_state_current(&res);
	CHECK(crypto_iv_state_decrypt(&res, &c, forged, n5) == 0);
	crypto_iv_state_discard(&res);
	CHECK_MEM(crypto_iv_state_current(&res)->b, saved.b, 16);
	CHECK_EQ_INT(crypto_iv_state_commit(&res), -ENOENT);

	/* The real MM5: decrypts, HASH_I verifies, committed. */
	CHECK(crypto_iv_state_decrypt(&res, &c, m, n5) == 0);
	CHECK(m[0] == 0x11 && m[39] == 0x11);
	/* Replying before committing is a bug in the caller. */
	CHECK_EQ_INT(crypto_iv_state_encrypt(&res, &c, m, 16, sizeof(m), &n), -EBUSY);
	CHECK(crypto_iv_state_commit(&res) == 0);
	CHECK_MEM(crypto_iv_state_current(&res)->b, crypto_iv_state_current(&ini)->b, 16);

	/* The initiator retransmits the stored MM5 bytes; the responder recognises the duplicate,
	 * but even if it decrypts it, discarding leaves the IV alone. */
	saved = *crypto_iv_state_current(&res);
	memcpy(m, retrans, n5);
	CHECK(crypto_iv_state_decrypt(&res, &c, m, n5) == 0);
	crypto_iv_state_discard(&res);
	CHECK_MEM(crypto_iv_state_current(&res)->b, saved.b, 16);

	/* MM6 from the responder. */
	memset(m, 0x22, 20);
	CHECK(crypto_iv_state_encrypt(&res, &c, m, 20, sizeof(m), &n) == 0);
	CHECK(crypto_iv_state_decrypt(&ini, &c, m, n) == 0);
	CHECK(m[0] == 0x22 && m[19] == 0x22 && m[31] == 11);
	CHECK(crypto_iv_state_commit(&ini) == 0);
	CHECK_MEM(crypto_iv_state_current(&res)->b, crypto_iv_state_current(&ini)->b, 16);

	/* Quick Mode: both derive the same per-message-ID IV from the last phase-1 block. */
	struct crypto_iv a, b;
	CHECK(crypto_ike_iv_phase2(CRYPTO_HASH_SHA1, crypto_iv_state_current(&ini), 0x1234, &a) ==
	      0);
	CHECK(crypto_ike_iv_phase2(CRYPTO_HASH_SHA1, crypto_iv_state_current(&res), 0x1234, &b) ==
	      0);
	CHECK_MEM(a.b, b.b, 16);
	crypto_iv_state_init(&qi, &a);
	crypto_iv_state_init(&qr, &b);
	memset(m, 0x33, 50);
	CHECK(crypto_iv_state_encrypt(&qi, &c, m, 50, sizeof(m), &n) == 0);
	CHECK(crypto_iv_state_decrypt(&qr, &c, m, n) == 0);
	CHECK(m[49] == 0x33);
	CHECK(crypto_iv_state_commit(&qr) == 0);
	CHECK_MEM(crypto_iv_state_current(&qi)->b, crypto_iv_state_current(&qr)->b, 16);
	/* A second Quick Mode gets a different IV; phase-1 state is not touched by phase 2. */
	CHECK(crypto_ike_iv_phase2(CRYPTO_HASH_SHA1, crypto_iv_state_current(&ini), 0x1235, &b) ==
	      0);
	CHECK(memcmp(a.b, b.b, 16) != 0);
	/* Wrong-length input is refused and leaves nothing pending. */
	CHECK_EQ_INT(crypto_iv_state_decrypt(&qr, &c, m, 15), -EINVAL);
	CHECK_EQ_INT(crypto_iv_state_commit(&qr), -ENOENT);
	crypto_cipher_wipe(&c);
}

int main(void)
{
	load_inputs();
	for (size_t i = 0; i < sizeof(ikev_out) / sizeof(ikev_out[0]); i++)
		test_vector(&ikev_out[i]);
	_Static_assert(sizeof(ikev_out) / sizeof(ikev_out[0]) == 5, "one vector per hash");
	test_errors();
	test_iv_state();
	return TEST_END();
}
