/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv1 signature primitives over Nettle/hogweed: what RSA signature (RFC 2409 §5.1, method 3) and
 * ECDSA (RFC 4754, methods 9/10/11) authentication compute over HASH_I/HASH_R.
 *
 * - RSA: PKCS#1 v1.5 type 1 padding (RFC 8017 §9.2 steps 2-5) around the raw data, no DigestInfo:
 *   IKEv1 signs HASH_I itself, as every other implementation does. Signing uses RSA blinding with
 *   the caller's randomness and checks its result (nettle's _tr variant).
 * - ECDSA: the data is hashed with the hash the method names (P-256: SHA-256, P-384: SHA-384,
 *   P-521: SHA-512; not the negotiated PRF), or taken as the digest itself (key.prehashed: how
 *   IKEv1 peers sign HASH_I, checked against strongSwan 5.9.8), and the signature is r|s, each
 *   zero-padded to the field size (RFC 4754 §7): 64, 96 or 132 bytes.
 *
 * Keys are given as raw big-endian numbers (views the caller owns), so crypto/ parses no X.509:
 * the daemon's certificate store exports them from GnuTLS. Every number copied into GMP is wiped
 * before it is freed (GMP temporaries made while computing are not: see crypto/sig.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum crypto_sig_alg {
	CRYPTO_SIG_RSA,	       /* PKCS#1 v1.5, raw data, no DigestInfo (IKEv1 method 3) */
	CRYPTO_SIG_ECDSA_P256, /* SHA-256, r|s of 64 bytes (method 9) */
	CRYPTO_SIG_ECDSA_P384, /* SHA-384, r|s of 96 bytes (method 10) */
	CRYPTO_SIG_ECDSA_P521, /* SHA-512, r|s of 132 bytes (method 11) */
	CRYPTO_SIG__MAX
};

/* The longest signature: RSA with a 8192-bit modulus (the largest accepted). */
#define CRYPTO_SIG_MAX_LEN	1024
#define CRYPTO_SIG_RSA_MIN_BITS 1024 /* smaller moduli are refused (-EKEYREJECTED) */
#define CRYPTO_SIG_RSA_MAX_BITS 8192

/* A big-endian unsigned number or octet string; leading zeros allowed. */
struct crypto_sig_num {
	const uint8_t *p;
	size_t len;
};

/*
 * A key. Verification needs only the public part: RSA n and e; ECDSA the point (x, y). Signing
 * also needs the private part: RSA p, q, dp = d mod (p-1), dq = d mod (q-1), qinv = q^-1 mod p
 * (d itself is not needed); ECDSA the scalar priv.
 */
struct crypto_sig_key {
	enum crypto_sig_alg alg;
	struct crypto_sig_num n, e;		  /* RSA public */
	struct crypto_sig_num p, q, dp, dq, qinv; /* RSA private (signing only) */
	struct crypto_sig_num x, y;		  /* ECDSA public point */
	struct crypto_sig_num priv;		  /* ECDSA private scalar (signing only) */
	bool prehashed; /* ECDSA: data is the digest, signed as is (IKEv1: HASH_I/HASH_R, which
			   strongSwan signs and verifies without hashing it again) */
};

/* Random bytes for blinding and ECDSA nonces (same shape as nettle_random_func). */
typedef void crypto_sig_random_fn(void *ctx, size_t len, uint8_t *dst);

/* "RSA", "ECDSA-P256", ...; "?" for an unknown value. */
const char *crypto_sig_alg_name(enum crypto_sig_alg alg);
/* The hash an ECDSA method names: 32, 48 or 64 bytes; 0 for RSA (signed raw). */
size_t crypto_sig_hash_len(enum crypto_sig_alg alg);
/* The curve's field size in bytes (32, 48, 66) for ECDSA; 0 for RSA. */
size_t crypto_sig_ec_field_len(enum crypto_sig_alg alg);

/*
 * The signature length key produces: RSA the modulus in bytes, ECDSA twice the field size.
 * Returns the length or -EINVAL (unknown alg, RSA modulus outside the accepted sizes).
 */
int crypto_sig_len(const struct crypto_sig_key *key);

/*
 * Signs data (HASH_I/HASH_R bytes) with key into sig (cap bytes). RSA: data must fit the padding
 * (len <= modulus bytes - 11). random feeds RSA blinding and the ECDSA nonce. Returns 0 and sets
 * *ret_len, or -EINVAL (bad key or data too long), -ENOBUFS (cap too small), -EKEYREJECTED (the
 * key's parts do not fit together: the signature did not verify), -ENOMEM.
 */
int crypto_sig_sign(const struct crypto_sig_key *key, const uint8_t *data, size_t len,
		    crypto_sig_random_fn *random, void *random_ctx, uint8_t *sig, size_t cap,
		    size_t *ret_len);

/*
 * Verifies sig over data with key's public part. Returns 0 when it is valid, -EBADMSG when it is
 * not (including a signature of the wrong length or r, s out of range), -EINVAL for a bad key
 * (RSA modulus outside the accepted sizes, EC point not on the curve), -ENOMEM.
 */
int crypto_sig_verify(const struct crypto_sig_key *key, const uint8_t *data, size_t len,
		      const uint8_t *sig, size_t sig_len);
