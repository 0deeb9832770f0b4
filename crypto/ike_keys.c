// SPDX-License-Identifier: GPL-2.0-or-later
/* The IKEv1 key schedule, IVs and IV state (RFC 2409 §5, App. B). See ike_keys.h. */
#include "crypto/ike_keys.h"

#include <errno.h>
#include <string.h>

#define CKY_LEN 8

static void put_be32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

static void prf_buf(struct crypto_prf *prf, struct crypto_buf b)
{
	crypto_prf_update(prf, b.p, b.len);
}

int crypto_ike_skeyid_psk(enum crypto_hash hash, struct crypto_buf psk, struct crypto_buf ni_b,
			  struct crypto_buf nr_b, uint8_t *ret_skeyid)
{
	struct crypto_prf prf;
	int r = crypto_prf_init(&prf, hash, psk.p, psk.len);
	if (r < 0)
		return r;
	prf_buf(&prf, ni_b);
	prf_buf(&prf, nr_b);
	crypto_prf_final(&prf, ret_skeyid);
	crypto_prf_wipe(&prf);
	return 0;
}

int crypto_ike_skeyid_sig(enum crypto_hash hash, struct crypto_buf ni_b, struct crypto_buf nr_b,
			  struct crypto_buf gxy, uint8_t *ret_skeyid)
{
	uint8_t key[2 * CRYPTO_IKE_NONCE_MAX];
	int r;

	/* The key is a concatenation; HMAC keys cannot be fed in pieces. */
	if (ni_b.len > CRYPTO_IKE_NONCE_MAX || nr_b.len > CRYPTO_IKE_NONCE_MAX)
		return -EINVAL;
	if (ni_b.len)
		memcpy(key, ni_b.p, ni_b.len);
	if (nr_b.len)
		memcpy(key + ni_b.len, nr_b.p, nr_b.len);
	r = crypto_prf(hash, key, ni_b.len + nr_b.len, gxy.p, gxy.len, ret_skeyid);
	explicit_bzero(key, sizeof(key));
	return r;
}

/* out = prf(SKEYID, [prev |] g^xy | CKY-I | CKY-R | n); prf keyed with SKEYID. */
static void skeyid_x(struct crypto_prf *prf, const uint8_t *prev, size_t prev_len,
		     struct crypto_buf gxy, const uint8_t *cky_i, const uint8_t *cky_r, uint8_t n,
		     uint8_t *out)
{
	crypto_prf_update(prf, prev, prev_len);
	prf_buf(prf, gxy);
	crypto_prf_update(prf, cky_i, CKY_LEN);
	crypto_prf_update(prf, cky_r, CKY_LEN);
	crypto_prf_update_byte(prf, n);
	crypto_prf_final(prf, out);
}

/* Ka of len bytes from SKEYID_e (RFC 2409 App. B). */
static int expand_enc_key(struct crypto_ike_keys *k, size_t len)
{
	uint8_t block[CRYPTO_HASH_MAX_LEN];
	struct crypto_prf prf;
	size_t done = 0;
	int r;

	if (k->prf_len >= len) {
		memcpy(k->enc_key, k->skeyid_e, len);
		return 0;
	}
	r = crypto_prf_init(&prf, k->hash, k->skeyid_e, k->prf_len);
	if (r < 0)
		return r;
	crypto_prf_update_byte(&prf, 0);
	while (done < len) {
		size_t n = len - done < k->prf_len ? len - done : k->prf_len;
		crypto_prf_final(&prf, block);
		memcpy(k->enc_key + done, block, n);
		done += n;
		crypto_prf_update(&prf, block, k->prf_len);
	}
	explicit_bzero(block, sizeof(block));
	crypto_prf_wipe(&prf);
	return 0;
}

int crypto_ike_keys_derive(struct crypto_ike_keys *keys, enum crypto_hash hash,
			   const uint8_t *skeyid, struct crypto_buf gxy, const uint8_t *cky_i,
			   const uint8_t *cky_r, size_t enc_key_len)
{
	struct crypto_ike_keys k;
	struct crypto_prf prf;
	size_t n = crypto_hash_len(hash);
	int r;

	if (n == 0 || enc_key_len > CRYPTO_CIPHER_KEY_MAX)
		return -EINVAL;
	memset(&k, 0, sizeof(k));
	k.hash = hash;
	k.prf_len = n;
	k.enc_key_len = enc_key_len;
	r = crypto_prf_init(&prf, hash, skeyid, n);
	if (r < 0)
		return r;
	memcpy(k.skeyid, skeyid, n);
	skeyid_x(&prf, NULL, 0, gxy, cky_i, cky_r, 0, k.skeyid_d);
	skeyid_x(&prf, k.skeyid_d, n, gxy, cky_i, cky_r, 1, k.skeyid_a);
	skeyid_x(&prf, k.skeyid_a, n, gxy, cky_i, cky_r, 2, k.skeyid_e);
	crypto_prf_wipe(&prf);
	r = expand_enc_key(&k, enc_key_len);
	if (r == 0)
		*keys = k;
	explicit_bzero(&k, sizeof(k));
	return r;
}

void crypto_ike_keys_wipe(struct crypto_ike_keys *keys)
{
	if (keys)
		explicit_bzero(keys, sizeof(*keys));
}

/* prf(SKEYID, a | b | c1 | c2 | SAi_b | ID_b) */
static int hash_ir(const struct crypto_ike_keys *keys, struct crypto_buf a, struct crypto_buf b,
		   const uint8_t *c1, const uint8_t *c2, const struct crypto_ike_auth_in *in,
		   uint8_t *out)
{
	struct crypto_prf prf;
	int r = crypto_prf_init(&prf, keys->hash, keys->skeyid, keys->prf_len);
	if (r < 0)
		return r;
	prf_buf(&prf, a);
	prf_buf(&prf, b);
	crypto_prf_update(&prf, c1, CKY_LEN);
	crypto_prf_update(&prf, c2, CKY_LEN);
	prf_buf(&prf, in->sai_b);
	prf_buf(&prf, in->id_b);
	crypto_prf_final(&prf, out);
	crypto_prf_wipe(&prf);
	return 0;
}

int crypto_ike_hash_i(const struct crypto_ike_keys *keys, const struct crypto_ike_auth_in *in,
		      uint8_t *ret_hash)
{
	return hash_ir(keys, in->gxi, in->gxr, in->cky_i, in->cky_r, in, ret_hash);
}

int crypto_ike_hash_r(const struct crypto_ike_keys *keys, const struct crypto_ike_auth_in *in,
		      uint8_t *ret_hash)
{
	return hash_ir(keys, in->gxr, in->gxi, in->cky_r, in->cky_i, in, ret_hash);
}

/* prf(SKEYID_a, [0 |] M-ID | x | y) */
static int hash_a(const struct crypto_ike_keys *keys, bool zero, uint32_t msgid,
		  struct crypto_buf x, struct crypto_buf y, uint8_t *out)
{
	struct crypto_prf prf;
	uint8_t mid[4];
	int r = crypto_prf_init(&prf, keys->hash, keys->skeyid_a, keys->prf_len);
	if (r < 0)
		return r;
	if (zero)
		crypto_prf_update_byte(&prf, 0);
	put_be32(mid, msgid);
	crypto_prf_update(&prf, mid, sizeof(mid));
	prf_buf(&prf, x);
	prf_buf(&prf, y);
	crypto_prf_final(&prf, out);
	crypto_prf_wipe(&prf);
	return 0;
}

static const struct crypto_buf empty;

int crypto_ike_qm_hash1(const struct crypto_ike_keys *keys, uint32_t msgid, struct crypto_buf rest,
			uint8_t *ret_hash)
{
	return hash_a(keys, false, msgid, rest, empty, ret_hash);
}

int crypto_ike_qm_hash2(const struct crypto_ike_keys *keys, uint32_t msgid, struct crypto_buf ni_b,
			struct crypto_buf rest, uint8_t *ret_hash)
{
	return hash_a(keys, false, msgid, ni_b, rest, ret_hash);
}

int crypto_ike_qm_hash3(const struct crypto_ike_keys *keys, uint32_t msgid, struct crypto_buf ni_b,
			struct crypto_buf nr_b, uint8_t *ret_hash)
{
	return hash_a(keys, true, msgid, ni_b, nr_b, ret_hash);
}

int crypto_ike_info_hash1(const struct crypto_ike_keys *keys, uint32_t msgid,
			  struct crypto_buf rest, uint8_t *ret_hash)
{
	return hash_a(keys, false, msgid, rest, empty, ret_hash);
}

int crypto_ike_keymat(const struct crypto_ike_keys *keys, struct crypto_buf g_qm, uint8_t protocol,
		      uint32_t spi, struct crypto_buf ni_b, struct crypto_buf nr_b,
		      uint8_t *ret_keymat, size_t len)
{
	uint8_t out[CRYPTO_IKE_KEYMAT_MAX + CRYPTO_HASH_MAX_LEN];
	uint8_t spi_b[4];
	struct crypto_prf prf;
	size_t done = 0;
	int r;

	if (len == 0 || len > CRYPTO_IKE_KEYMAT_MAX)
		return -EINVAL;
	r = crypto_prf_init(&prf, keys->hash, keys->skeyid_d, keys->prf_len);
	if (r < 0)
		return r;
	put_be32(spi_b, spi);
	while (done < len) {
		if (done)
			crypto_prf_update(&prf, out + done - keys->prf_len, keys->prf_len);
		prf_buf(&prf, g_qm);
		crypto_prf_update_byte(&prf, protocol);
		crypto_prf_update(&prf, spi_b, sizeof(spi_b));
		prf_buf(&prf, ni_b);
		prf_buf(&prf, nr_b);
		crypto_prf_final(&prf, out + done);
		done += keys->prf_len;
	}
	memcpy(ret_keymat, out, len);
	explicit_bzero(out, sizeof(out));
	crypto_prf_wipe(&prf);
	return 0;
}

int crypto_ike_iv_phase1(enum crypto_hash hash, struct crypto_buf gxi, struct crypto_buf gxr,
			 size_t block_len, struct crypto_iv *ret_iv)
{
	uint8_t d[CRYPTO_HASH_MAX_LEN];
	struct crypto_hash_ctx ctx;
	int r;

	if (block_len == 0 || block_len > CRYPTO_CIPHER_BLOCK_MAX ||
	    block_len > crypto_hash_len(hash))
		return -EINVAL;
	r = crypto_hash_init(&ctx, hash);
	if (r < 0)
		return r;
	crypto_hash_update(&ctx, gxi.p, gxi.len);
	crypto_hash_update(&ctx, gxr.p, gxr.len);
	crypto_hash_final(&ctx, d);
	memcpy(ret_iv->b, d, block_len);
	ret_iv->len = block_len;
	return 0;
}

int crypto_ike_iv_phase2(enum crypto_hash hash, const struct crypto_iv *phase1_last, uint32_t msgid,
			 struct crypto_iv *ret_iv)
{
	uint8_t d[CRYPTO_HASH_MAX_LEN], mid[4];
	struct crypto_hash_ctx ctx;
	size_t bl = phase1_last->len;
	int r;

	if (bl == 0 || bl > CRYPTO_CIPHER_BLOCK_MAX || bl > crypto_hash_len(hash))
		return -EINVAL;
	r = crypto_hash_init(&ctx, hash);
	if (r < 0)
		return r;
	put_be32(mid, msgid);
	crypto_hash_update(&ctx, phase1_last->b, bl);
	crypto_hash_update(&ctx, mid, sizeof(mid));
	crypto_hash_final(&ctx, d);
	memcpy(ret_iv->b, d, bl);
	ret_iv->len = bl;
	return 0;
}

void crypto_iv_state_init(struct crypto_iv_state *s, const struct crypto_iv *iv)
{
	memset(s, 0, sizeof(*s));
	s->cur = *iv;
}

const struct crypto_iv *crypto_iv_state_current(const struct crypto_iv_state *s)
{
	return &s->cur;
}

int crypto_iv_state_decrypt(struct crypto_iv_state *s, const struct crypto_cipher *c, uint8_t *buf,
			    size_t len)
{
	struct crypto_iv next;
	int r = crypto_cipher_decrypt(c, &s->cur, buf, len, &next);
	if (r < 0)
		return r;
	s->pending = next;
	s->has_pending = true;
	return 0;
}

int crypto_iv_state_commit(struct crypto_iv_state *s)
{
	if (!s->has_pending)
		return -ENOENT;
	s->cur = s->pending;
	s->has_pending = false;
	return 0;
}

void crypto_iv_state_discard(struct crypto_iv_state *s)
{
	memset(&s->pending, 0, sizeof(s->pending));
	s->has_pending = false;
}

int crypto_iv_state_encrypt(struct crypto_iv_state *s, const struct crypto_cipher *c, uint8_t *buf,
			    size_t len, size_t cap, size_t *ret_len)
{
	if (s->has_pending)
		return -EBUSY;
	return crypto_cipher_encrypt(c, &s->cur, buf, len, cap, ret_len);
}
