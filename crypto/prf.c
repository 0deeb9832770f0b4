// SPDX-License-Identifier: GPL-2.0-or-later
/* Hashes and HMAC over Nettle's generic nettle_hash descriptors. */
#include "crypto/prf.h"

#include <errno.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>

/* IKEv1 hash attribute value -> Nettle descriptor (RFC 2409 App. A; RFC 4868 for SHA2). */
static const struct {
	unsigned id;
	const char *name;
	const struct nettle_hash *h;
} hash_table[] = {
	{CRYPTO_HASH_MD5, "md5", &nettle_md5},
	{CRYPTO_HASH_SHA1, "sha1", &nettle_sha1},
	{CRYPTO_HASH_SHA2_256, "sha2-256", &nettle_sha256},
	{CRYPTO_HASH_SHA2_384, "sha2-384", &nettle_sha384},
	{CRYPTO_HASH_SHA2_512, "sha2-512", &nettle_sha512},
};

static const struct nettle_hash *hash_desc(unsigned id)
{
	for (size_t i = 0; i < sizeof(hash_table) / sizeof(hash_table[0]); i++)
		if (hash_table[i].id == id)
			return hash_table[i].h;
	return NULL;
}

size_t crypto_hash_len(unsigned hash)
{
	const struct nettle_hash *h = hash_desc(hash);
	return h ? h->digest_size : 0;
}

const char *crypto_hash_name(unsigned hash)
{
	for (size_t i = 0; i < sizeof(hash_table) / sizeof(hash_table[0]); i++)
		if (hash_table[i].id == hash)
			return hash_table[i].name;
	return NULL;
}

int crypto_hash_init(struct crypto_hash_ctx *ctx, enum crypto_hash hash)
{
	const struct nettle_hash *h = hash_desc(hash);
	if (!h)
		return -EINVAL;
	ctx->h = h;
	h->init(&ctx->st);
	return 0;
}

void crypto_hash_update(struct crypto_hash_ctx *ctx, const uint8_t *data, size_t len)
{
	if (len)
		ctx->h->update(&ctx->st, len, data);
}

void crypto_hash_final(struct crypto_hash_ctx *ctx, uint8_t *ret_digest)
{
	ctx->h->digest(&ctx->st, ctx->h->digest_size, ret_digest);
	explicit_bzero(&ctx->st, sizeof(ctx->st));
}

int crypto_hash(enum crypto_hash hash, const uint8_t *data, size_t len, uint8_t *ret_digest)
{
	struct crypto_hash_ctx ctx;
	int r = crypto_hash_init(&ctx, hash);
	if (r < 0)
		return r;
	crypto_hash_update(&ctx, data, len);
	crypto_hash_final(&ctx, ret_digest);
	return 0;
}

int crypto_prf_init(struct crypto_prf *prf, enum crypto_hash hash, const uint8_t *key,
		    size_t key_len)
{
	const struct nettle_hash *h = hash_desc(hash);
	if (!h)
		return -EINVAL;
	prf->h = h;
	/* Nettle's hmac_set_key hashes keys longer than the block size, as RFC 2104 §2 says. */
	hmac_set_key(&prf->outer, &prf->inner, &prf->state, h, key_len,
		     key_len ? key : (const uint8_t *)"");
	return 0;
}

void crypto_prf_update(struct crypto_prf *prf, const uint8_t *data, size_t len)
{
	if (len)
		hmac_update(&prf->state, prf->h, len, data);
}

void crypto_prf_update_byte(struct crypto_prf *prf, uint8_t b)
{
	hmac_update(&prf->state, prf->h, 1, &b);
}

void crypto_prf_final(struct crypto_prf *prf, uint8_t *ret_mac)
{
	hmac_digest(&prf->outer, &prf->inner, &prf->state, prf->h, prf->h->digest_size, ret_mac);
}

size_t crypto_prf_len(const struct crypto_prf *prf)
{
	return prf->h->digest_size;
}

void crypto_prf_wipe(struct crypto_prf *prf)
{
	if (prf)
		explicit_bzero(prf, sizeof(*prf));
}

int crypto_prf(enum crypto_hash hash, const uint8_t *key, size_t key_len, const uint8_t *data,
	       size_t len, uint8_t *ret_mac)
{
	struct crypto_prf prf;
	int r = crypto_prf_init(&prf, hash, key, key_len);
	if (r < 0)
		return r;
	crypto_prf_update(&prf, data, len);
	crypto_prf_final(&prf, ret_mac);
	crypto_prf_wipe(&prf);
	return 0;
}

bool crypto_mem_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	return n == 0 || memeql_sec(a, b, n);
}
