/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hashes and the IKEv1 PRF (HMAC, RFC 2104) over Nettle.
 *
 * The hash ids are the IKEv1 Hash Algorithm attribute values (RFC 2409 Appendix A; SHA2 values from
 * the IANA "IPSEC Hash Algorithm" registry, lengths per RFC 4868): the exchange code can cast the
 * attribute value directly after crypto_hash_len() said it is known.
 *
 * The incremental PRF lets the key schedule feed concatenations (g^xy | CKY-I | CKY-R | 0) piece by
 * piece without building them in a temporary buffer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/md5.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

enum crypto_hash {
	CRYPTO_HASH_MD5 = 1,
	CRYPTO_HASH_SHA1 = 2,
	CRYPTO_HASH_SHA2_256 = 4,
	CRYPTO_HASH_SHA2_384 = 5,
	CRYPTO_HASH_SHA2_512 = 6,
};

/* Largest digest of any supported hash (SHA2-512). */
#define CRYPTO_HASH_MAX_LEN 64

union crypto_hash_state {
	struct md5_ctx md5;
	struct sha1_ctx sha1;
	struct sha256_ctx sha256;
	struct sha512_ctx sha512; /* also SHA2-384 */
};

/* A plain hash in progress. Holds no secret of its own but may hash secrets: wipe when done. */
struct crypto_hash_ctx {
	const struct nettle_hash *h;
	union crypto_hash_state st;
};

/*
 * An HMAC in progress (RFC 2104). The key is absorbed into the inner and outer states at init;
 * those states are key-equivalent secrets, so every crypto_prf_init must be paired with
 * crypto_prf_wipe. The context can be reused: crypto_prf_final restarts it with the same key.
 */
struct crypto_prf {
	const struct nettle_hash *h;
	union crypto_hash_state outer, inner, state;
};

/* Digest length in bytes of hash, or 0 if hash is not a supported id. */
size_t crypto_hash_len(unsigned hash);
/* Human-readable name ("sha2-256"), or NULL if unknown. */
const char *crypto_hash_name(unsigned hash);

/* Starts a plain hash. Returns 0 or -EINVAL for an unknown hash. */
int crypto_hash_init(struct crypto_hash_ctx *ctx, enum crypto_hash hash);
void crypto_hash_update(struct crypto_hash_ctx *ctx, const uint8_t *data, size_t len);
/* Writes crypto_hash_len() bytes to ret_digest and wipes the context. */
void crypto_hash_final(struct crypto_hash_ctx *ctx, uint8_t *ret_digest);
/* One-shot hash of data; ret_digest receives crypto_hash_len(hash) bytes. Returns 0 or -EINVAL. */
int crypto_hash(enum crypto_hash hash, const uint8_t *data, size_t len, uint8_t *ret_digest);

/* Starts HMAC with key (any length, including 0). Returns 0 or -EINVAL for an unknown hash. */
int crypto_prf_init(struct crypto_prf *prf, enum crypto_hash hash, const uint8_t *key,
		    size_t key_len);
/* Feeds one more piece of the message. */
void crypto_prf_update(struct crypto_prf *prf, const uint8_t *data, size_t len);
/* Feeds one byte (the 0/1/2 suffixes of RFC 2409 §5). */
void crypto_prf_update_byte(struct crypto_prf *prf, uint8_t b);
/* Writes the full MAC (crypto_prf_len() bytes) and restarts the context with the same key. */
void crypto_prf_final(struct crypto_prf *prf, uint8_t *ret_mac);
/* Output length of an initialised PRF. */
size_t crypto_prf_len(const struct crypto_prf *prf);
/* Wipes the context (keyed states included). Accepts a context that was never initialised only if
 * it was zeroed. */
void crypto_prf_wipe(struct crypto_prf *prf);
/*
 * Constant-time comparison of two n-byte strings (Nettle's memeql_sec): use it to check a
 * received HASH_I/HASH_R/HASH(n) against the computed one. True if equal.
 */
bool crypto_mem_equal(const uint8_t *a, const uint8_t *b, size_t n);
/* One-shot HMAC: ret_mac receives crypto_hash_len(hash) bytes. Returns 0 or -EINVAL. */
int crypto_prf(enum crypto_hash hash, const uint8_t *key, size_t key_len, const uint8_t *data,
	       size_t len, uint8_t *ret_mac);
