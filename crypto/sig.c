// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RSA PKCS#1 v1.5 (raw, no DigestInfo) and ECDSA (RFC 4754) signatures over Nettle/hogweed.
 * Every key number copied into GMP is overwritten before mpz_clear; what GMP and Nettle allocate
 * internally while computing (temporaries, the blinded values) is freed by them unwiped, a limit
 * of building on GMP that every Nettle user shares.
 */
#include "crypto/sig.h"

#include <errno.h>
#include <string.h>

#include <gmp.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <nettle/rsa.h>
#include <nettle/sha2.h>

struct sig_alg_row {
	const char *name;
	size_t hash_len;  /* 0: RSA signs the data itself */
	size_t field_len; /* ECDSA: bytes of r and of s */
	const struct ecc_curve *(*curve)(void);
};

static const struct sig_alg_row sig_algs[CRYPTO_SIG__MAX] = {
	[CRYPTO_SIG_RSA] = {"RSA", 0, 0, NULL},
	[CRYPTO_SIG_ECDSA_P256] = {"ECDSA-P256", SHA256_DIGEST_SIZE, 32, nettle_get_secp_256r1},
	[CRYPTO_SIG_ECDSA_P384] = {"ECDSA-P384", SHA384_DIGEST_SIZE, 48, nettle_get_secp_384r1},
	[CRYPTO_SIG_ECDSA_P521] = {"ECDSA-P521", SHA512_DIGEST_SIZE, 66, nettle_get_secp_521r1},
};

static const struct sig_alg_row *sig_row(enum crypto_sig_alg alg)
{
	return (unsigned)alg < CRYPTO_SIG__MAX ? &sig_algs[alg] : NULL;
}

const char *crypto_sig_alg_name(enum crypto_sig_alg alg)
{
	const struct sig_alg_row *r = sig_row(alg);
	return r ? r->name : "?";
}

size_t crypto_sig_hash_len(enum crypto_sig_alg alg)
{
	const struct sig_alg_row *r = sig_row(alg);
	return r ? r->hash_len : 0;
}

size_t crypto_sig_ec_field_len(enum crypto_sig_alg alg)
{
	const struct sig_alg_row *r = sig_row(alg);
	return r ? r->field_len : 0;
}

/* Overwrites the limbs of x, then clears it. */
static void mpz_wipe(mpz_t x)
{
	size_t n = mpz_size(x);
	if (n) {
		mp_limb_t *l = mpz_limbs_modify(x, n);
		memset(l, 0, n * sizeof(*l));
		__asm__ __volatile__("" : : "r"(l) : "memory");
	}
	mpz_clear(x);
}

static void num_import(mpz_t z, const struct crypto_sig_num *n)
{
	mpz_init(z);
	if (n->p && n->len)
		mpz_import(z, n->len, 1, 1, 0, 0, n->p);
}

/* Writes z big-endian into exactly len bytes (zero-padded). Returns 0 or -EINVAL when too big. */
static int num_export(const mpz_t z, uint8_t *out, size_t len)
{
	size_t bytes = (mpz_sizeinbase(z, 2) + 7) / 8;
	if (mpz_sgn(z) < 0 || bytes > len)
		return -EINVAL;
	memset(out, 0, len);
	if (mpz_sgn(z) > 0)
		mpz_export(out + len - bytes, NULL, 1, 1, 0, 0, z);
	return 0;
}

/* The data's hash for an ECDSA method into out (64 bytes). */
static void ec_hash(enum crypto_sig_alg alg, const uint8_t *data, size_t len, uint8_t *out)
{
	if (alg == CRYPTO_SIG_ECDSA_P256) {
		struct sha256_ctx c;
		sha256_init(&c);
		sha256_update(&c, len, data);
		sha256_digest(&c, SHA256_DIGEST_SIZE, out);
	} else if (alg == CRYPTO_SIG_ECDSA_P384) {
		struct sha384_ctx c;
		sha384_init(&c);
		sha384_update(&c, len, data);
		sha384_digest(&c, SHA384_DIGEST_SIZE, out);
	} else {
		struct sha512_ctx c;
		sha512_init(&c);
		sha512_update(&c, len, data);
		sha512_digest(&c, SHA512_DIGEST_SIZE, out);
	}
}

/* Loads the public key; returns 0 or -EINVAL (modulus outside the accepted sizes, even, e < 3). */
static int rsa_pub_load(struct rsa_public_key *pub, const struct crypto_sig_key *key)
{
	rsa_public_key_init(pub);
	mpz_clear(pub->n);
	mpz_clear(pub->e);
	num_import(pub->n, &key->n);
	num_import(pub->e, &key->e);
	size_t bits = mpz_sizeinbase(pub->n, 2);
	if (bits < CRYPTO_SIG_RSA_MIN_BITS || bits > CRYPTO_SIG_RSA_MAX_BITS ||
	    mpz_even_p(pub->n) || mpz_cmp_ui(pub->e, 3) < 0 || mpz_cmp(pub->e, pub->n) >= 0 ||
	    !rsa_public_key_prepare(pub)) {
		rsa_public_key_clear(pub);
		return -EINVAL;
	}
	return 0;
}

int crypto_sig_len(const struct crypto_sig_key *key)
{
	const struct sig_alg_row *r = key ? sig_row(key->alg) : NULL;
	if (!r)
		return -EINVAL;
	if (r->field_len)
		return (int)(2 * r->field_len);
	struct rsa_public_key pub;
	if (rsa_pub_load(&pub, key) < 0)
		return -EINVAL;
	int n = (int)pub.size;
	rsa_public_key_clear(&pub);
	return n;
}

static void rsa_priv_wipe(struct rsa_private_key *k)
{
	mpz_wipe(k->d);
	mpz_wipe(k->p);
	mpz_wipe(k->q);
	mpz_wipe(k->a);
	mpz_wipe(k->b);
	mpz_wipe(k->c);
}

static int rsa_sign(const struct crypto_sig_key *key, const uint8_t *data, size_t len,
		    crypto_sig_random_fn *random, void *random_ctx, uint8_t *sig, size_t cap,
		    size_t *ret_len)
{
	struct rsa_public_key pub;
	struct rsa_private_key priv;
	int r = rsa_pub_load(&pub, key);
	if (r < 0)
		return r;
	if (pub.size > cap) {
		rsa_public_key_clear(&pub);
		return -ENOBUFS;
	}
	num_import(priv.d, &(struct crypto_sig_num){NULL, 0});
	num_import(priv.p, &key->p);
	num_import(priv.q, &key->q);
	num_import(priv.a, &key->dp);
	num_import(priv.b, &key->dq);
	num_import(priv.c, &key->qinv);
	mpz_t s;
	mpz_init(s);
	if (!rsa_private_key_prepare(&priv) || priv.size != pub.size) {
		r = -EINVAL;
	} else if (len + 11 > pub.size) {
		r = -EINVAL;
	} else if (!rsa_pkcs1_sign_tr(&pub, &priv, random_ctx, random, len, data, s)) {
		/* _tr checks the result with the public key: the parts do not fit together */
		r = -EKEYREJECTED;
	} else {
		r = num_export(s, sig, pub.size);
		if (r == 0)
			*ret_len = pub.size;
	}
	mpz_clear(s);
	rsa_priv_wipe(&priv);
	rsa_public_key_clear(&pub);
	return r;
}

static int rsa_verify(const struct crypto_sig_key *key, const uint8_t *data, size_t len,
		      const uint8_t *sig, size_t sig_len)
{
	struct rsa_public_key pub;
	int r = rsa_pub_load(&pub, key);
	if (r < 0)
		return r;
	/* A signature is the modulus' length; a shorter one is a number with leading zeros cut. */
	r = -EBADMSG;
	if (sig_len && sig_len <= pub.size) {
		mpz_t s;
		mpz_init(s);
		mpz_import(s, sig_len, 1, 1, 0, 0, sig);
		if (rsa_pkcs1_verify(&pub, len, data, s))
			r = 0;
		mpz_clear(s);
	}
	rsa_public_key_clear(&pub);
	return r;
}

/* The public point of key on row's curve; returns 0 or -EINVAL when it is not on the curve. */
static int ec_pub_load(struct ecc_point *pt, const struct sig_alg_row *row,
		       const struct crypto_sig_key *key)
{
	mpz_t x, y;
	num_import(x, &key->x);
	num_import(y, &key->y);
	ecc_point_init(pt, row->curve());
	int ok = key->x.len <= row->field_len + 1 && key->y.len <= row->field_len + 1 &&
		 ecc_point_set(pt, x, y);
	mpz_clear(x);
	mpz_clear(y);
	if (!ok) {
		ecc_point_clear(pt);
		return -EINVAL;
	}
	return 0;
}

static int ec_sign(const struct crypto_sig_key *key, const struct sig_alg_row *row,
		   const uint8_t *data, size_t len, crypto_sig_random_fn *random, void *random_ctx,
		   uint8_t *sig, size_t cap, size_t *ret_len)
{
	uint8_t digest[SHA512_DIGEST_SIZE];
	struct ecc_scalar k;
	struct dsa_signature rs;
	mpz_t z;
	int r = 0;

	if (cap < 2 * row->field_len)
		return -ENOBUFS;
	num_import(z, &key->priv);
	ecc_scalar_init(&k, row->curve());
	if (!ecc_scalar_set(&k, z)) { /* 0 < priv < q */
		r = -EINVAL;
		goto out;
	}
	ec_hash(key->alg, data, len, digest);
	dsa_signature_init(&rs);
	if (key->prehashed)
		ecdsa_sign(&k, random_ctx, random, len, data, &rs);
	else
		ecdsa_sign(&k, random_ctx, random, row->hash_len, digest, &rs);
	if (num_export(rs.r, sig, row->field_len) < 0 ||
	    num_export(rs.s, sig + row->field_len, row->field_len) < 0)
		r = -EINVAL;
	dsa_signature_clear(&rs);
	/* like RSA's _tr: check the signature when the public point is given */
	if (r == 0 && key->x.len && crypto_sig_verify(key, data, len, sig, 2 * row->field_len) != 0)
		r = -EKEYREJECTED;
	if (r == 0)
		*ret_len = 2 * row->field_len;
out:
	ecc_scalar_clear(&k); /* nettle's scalar: wiped below through z only */
	mpz_wipe(z);
	memset(digest, 0, sizeof(digest));
	return r;
}

static int ec_verify(const struct crypto_sig_key *key, const struct sig_alg_row *row,
		     const uint8_t *data, size_t len, const uint8_t *sig, size_t sig_len)
{
	uint8_t digest[SHA512_DIGEST_SIZE];
	struct ecc_point pt;
	struct dsa_signature rs;
	int r = ec_pub_load(&pt, row, key);
	if (r < 0)
		return r;
	if (sig_len != 2 * row->field_len) {
		ecc_point_clear(&pt);
		return -EBADMSG;
	}
	ec_hash(key->alg, data, len, digest);
	dsa_signature_init(&rs);
	mpz_import(rs.r, row->field_len, 1, 1, 0, 0, sig);
	mpz_import(rs.s, row->field_len, 1, 1, 0, 0, sig + row->field_len);
	r = (key->prehashed ? ecdsa_verify(&pt, len, data, &rs)
			    : ecdsa_verify(&pt, row->hash_len, digest, &rs))
		    ? 0
		    : -EBADMSG;
	dsa_signature_clear(&rs);
	ecc_point_clear(&pt);
	return r;
}

int crypto_sig_sign(const struct crypto_sig_key *key, const uint8_t *data, size_t len,
		    crypto_sig_random_fn *random, void *random_ctx, uint8_t *sig, size_t cap,
		    size_t *ret_len)
{
	const struct sig_alg_row *row = key ? sig_row(key->alg) : NULL;
	if (!row || !random || (!data && len))
		return -EINVAL;
	if (key->alg == CRYPTO_SIG_RSA)
		return rsa_sign(key, data, len, random, random_ctx, sig, cap, ret_len);
	return ec_sign(key, row, data, len, random, random_ctx, sig, cap, ret_len);
}

int crypto_sig_verify(const struct crypto_sig_key *key, const uint8_t *data, size_t len,
		      const uint8_t *sig, size_t sig_len)
{
	const struct sig_alg_row *row = key ? sig_row(key->alg) : NULL;
	if (!row || (!data && len))
		return -EINVAL;
	if (!sig)
		return -EBADMSG;
	if (key->alg == CRYPTO_SIG_RSA)
		return rsa_verify(key, data, len, sig, sig_len);
	return ec_verify(key, row, data, len, sig, sig_len);
}
