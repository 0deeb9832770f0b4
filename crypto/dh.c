// SPDX-License-Identifier: GPL-2.0-or-later
/* Diffie-Hellman groups for IKEv1: MODP on GMP, ECP and Curve25519 on Nettle. See dh.h. */
#include "crypto/dh.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>
#include <nettle/curve25519.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>

/*
 * The MODP primes, generated from the formula each RFC prints above its hex value (the unit test
 * recomputes the formula with GMP and compares, and proves p and (p-1)/2 prime). Generator 2.
 */
/* Group 1, 768-bit MODP: 2^768 - 2^704 - 1 + 2^64 * ([2^638 pi] + 149686) */
static const char modp_768[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
			       "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
			       "4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF";
/* Group 2, 1024-bit MODP: 2^1024 - 2^960 - 1 + 2^64 * ([2^894 pi] + 129093) */
static const char modp_1024[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
				"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
				"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
				"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";
/* Group 5, 1536-bit MODP: 2^1536 - 2^1472 - 1 + 2^64 * ([2^1406 pi] + 741804) */
static const char modp_1536[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
				"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
				"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
				"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
				"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
				"9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF";
/* Group 14, 2048-bit MODP: 2^2048 - 2^1984 - 1 + 2^64 * ([2^1918 pi] + 124476) */
static const char modp_2048[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
				"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
				"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
				"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
				"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
				"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
				"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
				"3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";
/* Group 15, 3072-bit MODP: 2^3072 - 2^3008 - 1 + 2^64 * ([2^2942 pi] + 1690314) */
static const char modp_3072[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
				"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
				"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
				"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
				"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
				"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
				"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
				"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
				"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
				"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
				"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
				"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
/* Group 16, 4096-bit MODP: 2^4096 - 2^4032 - 1 + 2^64 * ([2^3966 pi] + 240904) */
static const char modp_4096[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
				"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
				"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
				"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
				"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
				"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
				"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
				"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
				"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
				"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
				"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
				"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7"
				"88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8"
				"DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2"
				"233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9"
				"93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF";
/* Group 17, 6144-bit MODP: 2^6144 - 2^6080 - 1 + 2^64 * ([2^6014 pi] + 929484) */
static const char modp_6144[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
				"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
				"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
				"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
				"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
				"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
				"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
				"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
				"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
				"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
				"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
				"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7"
				"88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8"
				"DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2"
				"233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9"
				"93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C93402849236C3FAB4D27C7026"
				"C1D4DCB2602646DEC9751E763DBA37BDF8FF9406AD9E530EE5DB382F413001AE"
				"B06A53ED9027D831179727B0865A8918DA3EDBEBCF9B14ED44CE6CBACED4BB1B"
				"DB7F1447E6CC254B332051512BD7AF426FB8F401378CD2BF5983CA01C64B92EC"
				"F032EA15D1721D03F482D7CE6E74FEF6D55E702F46980C82B5A84031900B1C9E"
				"59E7C97FBEC7E8F323A97A7E36CC88BE0F1D45B7FF585AC54BD407B22B4154AA"
				"CC8F6D7EBF48E1D814CC5ED20F8037E0A79715EEF29BE32806A1D58BB7C5DA76"
				"F550AA3D8A1FBFF0EB19CCB1A313D55CDA56C9EC2EF29632387FE8D76E3C0468"
				"043E8F663F4860EE12BF2D5B0B7474D6E694F91E6DCC4024FFFFFFFFFFFFFFFF";
/* Group 18, 8192-bit MODP: 2^8192 - 2^8128 - 1 + 2^64 * ([2^8062 pi] + 4743158) */
static const char modp_8192[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
				"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
				"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
				"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
				"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
				"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
				"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
				"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
				"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
				"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
				"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
				"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7"
				"88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8"
				"DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2"
				"233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9"
				"93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C93402849236C3FAB4D27C7026"
				"C1D4DCB2602646DEC9751E763DBA37BDF8FF9406AD9E530EE5DB382F413001AE"
				"B06A53ED9027D831179727B0865A8918DA3EDBEBCF9B14ED44CE6CBACED4BB1B"
				"DB7F1447E6CC254B332051512BD7AF426FB8F401378CD2BF5983CA01C64B92EC"
				"F032EA15D1721D03F482D7CE6E74FEF6D55E702F46980C82B5A84031900B1C9E"
				"59E7C97FBEC7E8F323A97A7E36CC88BE0F1D45B7FF585AC54BD407B22B4154AA"
				"CC8F6D7EBF48E1D814CC5ED20F8037E0A79715EEF29BE32806A1D58BB7C5DA76"
				"F550AA3D8A1FBFF0EB19CCB1A313D55CDA56C9EC2EF29632387FE8D76E3C0468"
				"043E8F663F4860EE12BF2D5B0B7474D6E694F91E6DBE115974A3926F12FEE5E4"
				"38777CB6A932DF8CD8BEC4D073B931BA3BC832B68D9DD300741FA7BF8AFC47ED"
				"2576F6936BA424663AAB639C5AE4F5683423B4742BF1C978238F16CBE39D652D"
				"E3FDB8BEFC848AD922222E04A4037C0713EB57A81A23F0C73473FC646CEA306B"
				"4BCBC8862F8385DDFA9D4B7FA2C087E879683303ED5BDD3A062B3CF5B3A278A6"
				"6D2A13F83F44F82DDF310EE074AB6A364597E899A0255DC164F31CC50846851D"
				"F9AB48195DED7EA1B1D510BD7EE74D73FAF36BC31ECFA268359046F4EB879F92"
				"4009438B481C6CD7889A002ED5EE382BC9190DA6FC026E479558E4475677E9AA"
				"9E3050E2765694DFC81F56E880B96E7160C980DD98EDD3DFFFFFFFFFFFFFFFFF";

enum dh_kind { DH_MODP, DH_ECP, DH_X25519 };

struct dh_group {
	unsigned id;
	enum dh_kind kind;
	const char *name;
	bool weak;
	unsigned exp_bits;			/* MODP private exponent length */
	const char *prime;			/* MODP */
	const struct ecc_curve *(*curve)(void); /* ECP */
	size_t pub_len, shared_len;
};

/* One row per group; lengths per RFC 2409 §6, RFC 3526, RFC 5903 §7, RFC 8031 §2. */
static const struct dh_group groups[] = {
	{1, DH_MODP, "modp768", true, 192, modp_768, NULL, 96, 96},
	{2, DH_MODP, "modp1024", true, 192, modp_1024, NULL, 128, 128},
	{5, DH_MODP, "modp1536", false, 192, modp_1536, NULL, 192, 192},
	{14, DH_MODP, "modp2048", false, 256, modp_2048, NULL, 256, 256},
	{15, DH_MODP, "modp3072", false, 320, modp_3072, NULL, 384, 384},
	{16, DH_MODP, "modp4096", false, 320, modp_4096, NULL, 512, 512},
	{17, DH_MODP, "modp6144", false, 384, modp_6144, NULL, 768, 768},
	{18, DH_MODP, "modp8192", false, 448, modp_8192, NULL, 1024, 1024},
	{19, DH_ECP, "ecp256", false, 0, NULL, nettle_get_secp_256r1, 64, 32},
	{20, DH_ECP, "ecp384", false, 0, NULL, nettle_get_secp_384r1, 96, 48},
	{21, DH_ECP, "ecp521", false, 0, NULL, nettle_get_secp_521r1, 132, 66},
	{31, DH_X25519, "curve25519", false, 0, NULL, NULL, CURVE25519_SIZE, CURVE25519_SIZE},
};

struct crypto_dh {
	const struct dh_group *g;
	mpz_t p, x;		    /* MODP: prime and private exponent */
	struct ecc_scalar s;	    /* ECP: private scalar */
	uint8_t k[CURVE25519_SIZE]; /* X25519: private scalar */
	uint8_t pub[CRYPTO_DH_PUBLIC_MAX];
};

static const struct dh_group *group_find(unsigned id)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

bool crypto_dh_group_supported(unsigned group)
{
	return group_find(group) != NULL;
}

bool crypto_dh_group_is_weak(unsigned group)
{
	const struct dh_group *g = group_find(group);
	return g && g->weak;
}

const char *crypto_dh_group_name(unsigned group)
{
	const struct dh_group *g = group_find(group);
	return g ? g->name : NULL;
}

size_t crypto_dh_public_len(unsigned group)
{
	const struct dh_group *g = group_find(group);
	return g ? g->pub_len : 0;
}

size_t crypto_dh_shared_len(unsigned group)
{
	const struct dh_group *g = group_find(group);
	return g ? g->shared_len : 0;
}

unsigned crypto_dh_exponent_bits(unsigned group)
{
	const struct dh_group *g = group_find(group);
	return g ? g->exp_bits : 0;
}

const char *crypto_dh_modp_prime_hex(unsigned group)
{
	const struct dh_group *g = group_find(group);
	return g && g->kind == DH_MODP ? g->prime : NULL;
}

unsigned crypto_dh_group(const struct crypto_dh *dh)
{
	return dh->g->id;
}

/* Zeroes an mpz's whole allocation, then frees it. */
static void mpz_wipe(mpz_t z)
{
	explicit_bzero(z->_mp_d, (size_t)z->_mp_alloc * sizeof(mp_limb_t));
	mpz_clear(z);
}

/* Writes z big-endian, left-padded with zeros, into exactly len bytes. Requires z < 2^(8 len). */
static void mpz_to_bytes(const mpz_t z, uint8_t *out, size_t len)
{
	size_t n = (mpz_sizeinbase(z, 2) + 7) / 8;
	memset(out, 0, len - n);
	if (mpz_sgn(z))
		mpz_export(out + len - n, NULL, 1, 1, 1, 0, z);
}

static size_t ecp_field_len(const struct dh_group *g)
{
	return g->shared_len;
}

/* Allocates dh for g with empty private state. */
static struct crypto_dh *dh_alloc(const struct dh_group *g)
{
	struct crypto_dh *dh = calloc(1, sizeof(*dh));
	if (!dh)
		return NULL;
	dh->g = g;
	if (g->kind == DH_MODP) {
		mpz_init_set_str(dh->p, g->prime, 16);
		mpz_init(dh->x);
	} else if (g->kind == DH_ECP) {
		ecc_scalar_init(&dh->s, g->curve());
	}
	return dh;
}

/* Writes the n-limb number rp big-endian into exactly len bytes, in value-independent time. */
static void limbs_to_bytes(const mp_limb_t *rp, size_t n, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t bit = 8 * (len - 1 - i);
		size_t limb = bit / GMP_NUMB_BITS;
		out[i] = limb < n ? (uint8_t)(rp[limb] >> (bit % GMP_NUMB_BITS)) : 0;
	}
}

/*
 * out = b^x mod p as len big-endian bytes. Uses mpn_sec_powm (the side-channel-silent core of
 * mpz_powm_sec) with scratch space we allocate, so that every intermediate value of the
 * exponentiation is wiped afterwards; mpz_powm_sec would leave them in GMP's temporary memory.
 */
static int modp_powm(const struct crypto_dh *dh, const mp_limb_t *bp, mp_size_t bn, uint8_t *out,
		     size_t len)
{
	mp_size_t n = mpz_size(dh->p);
	/* Random exponents have their top bit set, so enb is the same for every key of a group. */
	mp_bitcnt_t enb = mpz_sizeinbase(dh->x, 2);
	mp_size_t itch = mpn_sec_powm_itch(bn, enb, n);
	size_t total = (size_t)(itch + n);
	mp_limb_t *tp = calloc(total, sizeof(mp_limb_t));

	if (!tp)
		return -ENOMEM;
	mpn_sec_powm(tp + itch, bp, bn, mpz_limbs_read(dh->x), enb, mpz_limbs_read(dh->p), n, tp);
	limbs_to_bytes(tp + itch, (size_t)n, out, len);
	explicit_bzero(tp, total * sizeof(mp_limb_t));
	free(tp);
	return 0;
}

/* Computes dh->pub from the private value already set. */
static int dh_make_public(struct crypto_dh *dh)
{
	const struct dh_group *g = dh->g;

	if (g->kind == DH_MODP) {
		const mp_limb_t two = 2;
		return modp_powm(dh, &two, 1, dh->pub, g->pub_len);
	} else if (g->kind == DH_ECP) {
		struct ecc_point pt;
		mpz_t x, y;
		size_t f = ecp_field_len(g);
		ecc_point_init(&pt, g->curve());
		mpz_init(x);
		mpz_init(y);
		ecc_point_mul_g(&pt, &dh->s);
		ecc_point_get(&pt, x, y);
		mpz_to_bytes(x, dh->pub, f);
		mpz_to_bytes(y, dh->pub + f, f);
		mpz_clear(x);
		mpz_clear(y);
		ecc_point_clear(&pt);
	} else {
		curve25519_mul_g(dh->pub, dh->k);
	}
	return 0;
}

/* Sets the MODP exponent from big-endian bytes; requires 1 < x < p-1. */
static int modp_set_private(struct crypto_dh *dh, const uint8_t *priv, size_t len)
{
	mpz_import(dh->x, len, 1, 1, 1, 0, priv);
	mpz_sub_ui(dh->p, dh->p, 1);
	int ok = mpz_cmp_ui(dh->x, 1) > 0 && mpz_cmp(dh->x, dh->p) < 0;
	mpz_add_ui(dh->p, dh->p, 1);
	return ok ? 0 : -EINVAL;
}

/* Sets the ECP scalar from big-endian bytes; requires 0 < s < q. */
static int ecp_set_private(struct crypto_dh *dh, const uint8_t *priv, size_t len)
{
	mpz_t z;
	int r;

	if (len > ecp_field_len(dh->g))
		return -EINVAL;
	mpz_init(z);
	mpz_import(z, len, 1, 1, 1, 0, priv);
	r = ecc_scalar_set(&dh->s, z) ? 0 : -EINVAL;
	mpz_wipe(z);
	return r;
}

static int dh_set_private(struct crypto_dh *dh, const uint8_t *priv, size_t len)
{
	switch (dh->g->kind) {
	case DH_MODP:
		return modp_set_private(dh, priv, len);
	case DH_ECP:
		return ecp_set_private(dh, priv, len);
	default:
		if (len != CURVE25519_SIZE)
			return -EINVAL;
		memcpy(dh->k, priv, len);
		return 0;
	}
}

/* Bytes of randomness per candidate private value: the exponent, the scalar or the key. */
static size_t random_candidate_len(const struct dh_group *g)
{
	if (g->kind == DH_MODP)
		return g->exp_bits / 8;
	if (g->kind == DH_ECP)
		return ecp_field_len(g);
	return CURVE25519_SIZE;
}

/* ECP takes two candidates (see crypto_dh_new); MODP and X25519 accept every value. */
size_t crypto_dh_random_len(unsigned group)
{
	const struct dh_group *g = group_find(group);
	if (!g)
		return 0;
	return (g->kind == DH_ECP ? 2 : 1) * random_candidate_len(g);
}

/*
 * Sets dh's private value from the caller's random bytes: MODP exp_bits bits with the top bit
 * set; ECP the first candidate in [1, q-1] (rejection sampling); X25519 the 32 bytes.
 */
static int dh_private_from_random(struct crypto_dh *dh, const uint8_t *rnd, size_t len)
{
	uint8_t buf[CRYPTO_DH_RANDOM_MAX];
	const struct dh_group *g = dh->g;
	size_t n = random_candidate_len(g);
	int r = -EIO;

	if (len != crypto_dh_random_len(g->id) || len > sizeof(buf))
		return -EINVAL;
	for (size_t off = 0; off < len; off += n) {
		memcpy(buf, rnd + off, n);
		if (g->kind == DH_MODP)
			buf[0] |= 0x80;
		else if (g->kind == DH_ECP && g->id == 21)
			buf[0] &= 0x01; /* 521 bits in 66 bytes */
		r = dh_set_private(dh, buf, n);
		if (r == 0)
			break;
		r = -EIO;
	}
	explicit_bzero(buf, sizeof(buf));
	return r;
}

int crypto_dh_new(unsigned group, const uint8_t *rnd, size_t len, struct crypto_dh **ret)
{
	const struct dh_group *g = group_find(group);
	struct crypto_dh *dh;
	int r;

	if (!g)
		return -EINVAL;
	dh = dh_alloc(g);
	if (!dh)
		return -ENOMEM;
	r = dh_private_from_random(dh, rnd, len);
	if (r == 0)
		r = dh_make_public(dh);
	if (r < 0) {
		crypto_dh_free(dh);
		return r;
	}
	*ret = dh;
	return 0;
}

int crypto_dh_new_from_private(unsigned group, const uint8_t *priv, size_t len,
			       struct crypto_dh **ret)
{
	const struct dh_group *g = group_find(group);
	struct crypto_dh *dh;
	int r;

	if (!g || !priv || len == 0)
		return -EINVAL;
	dh = dh_alloc(g);
	if (!dh)
		return -ENOMEM;
	r = dh_set_private(dh, priv, len);
	if (r == 0)
		r = dh_make_public(dh);
	if (r < 0) {
		crypto_dh_free(dh);
		return r;
	}
	*ret = dh;
	return 0;
}

int crypto_dh_public(const struct crypto_dh *dh, uint8_t *ret_public, size_t len)
{
	if (len != dh->g->pub_len)
		return -EINVAL;
	memcpy(ret_public, dh->pub, len);
	return 0;
}

/* g^xy for MODP after checking len == |p| and 1 < y < p-1. */
static int modp_shared(struct crypto_dh *dh, const uint8_t *peer, size_t len, uint8_t *out)
{
	mpz_t y;
	int r = -EINVAL;

	if (len != dh->g->pub_len)
		return -EINVAL;
	mpz_init(y);
	mpz_import(y, len, 1, 1, 1, 0, peer);
	mpz_sub_ui(dh->p, dh->p, 1);
	if (mpz_cmp_ui(y, 1) > 0 && mpz_cmp(y, dh->p) < 0)
		r = 0;
	mpz_add_ui(dh->p, dh->p, 1);
	if (r == 0)
		r = modp_powm(dh, mpz_limbs_read(y), mpz_size(y), out, dh->g->shared_len);
	mpz_clear(y);
	return r;
}

/* x of (scalar * peer) for ECP after checking the length and that the peer point is on the curve.
 */
static int ecp_shared(struct crypto_dh *dh, const uint8_t *peer, size_t len, uint8_t *out)
{
	size_t f = ecp_field_len(dh->g);
	struct ecc_point pt, res;
	mpz_t x, y;
	int r = -EINVAL;

	if (len != 2 * f)
		return -EINVAL;
	mpz_init(x);
	mpz_init(y);
	mpz_import(x, f, 1, 1, 1, 0, peer);
	mpz_import(y, f, 1, 1, 1, 0, peer + f);
	ecc_point_init(&pt, dh->g->curve());
	/* ecc_point_set checks 0 <= x, y < p and y^2 = x^3 - 3x + b. */
	if (ecc_point_set(&pt, x, y)) {
		ecc_point_init(&res, dh->g->curve());
		ecc_point_mul(&res, &dh->s, &pt);
		ecc_point_get(&res, x, NULL);
		mpz_to_bytes(x, out, f);
		explicit_bzero(res.p, (size_t)ecc_size_a(dh->g->curve()) * sizeof(mp_limb_t));
		ecc_point_clear(&res);
		r = 0;
	}
	ecc_point_clear(&pt);
	mpz_wipe(x);
	mpz_clear(y);
	return r;
}

/* X25519 (RFC 7748 §5) with the all-zero check of RFC 7748 §6.1 / RFC 8031 §2. */
static int x25519_shared(struct crypto_dh *dh, const uint8_t *peer, size_t len, uint8_t *out)
{
	uint8_t z[CURVE25519_SIZE];
	uint8_t acc = 0;

	if (len != CURVE25519_SIZE)
		return -EINVAL;
	curve25519_mul(z, dh->k, peer);
	for (size_t i = 0; i < sizeof(z); i++)
		acc |= z[i];
	if (acc == 0) {
		explicit_bzero(z, sizeof(z));
		return -EINVAL;
	}
	memcpy(out, z, sizeof(z));
	explicit_bzero(z, sizeof(z));
	return 0;
}

int crypto_dh_shared(struct crypto_dh *dh, const uint8_t *peer, size_t len, uint8_t *ret_shared,
		     size_t cap, size_t *ret_len)
{
	uint8_t tmp[CRYPTO_DH_SHARED_MAX];
	size_t n = dh->g->shared_len;
	int r;

	if (cap < n)
		return -ENOBUFS;
	if (!peer)
		return -EINVAL;
	switch (dh->g->kind) {
	case DH_MODP:
		r = modp_shared(dh, peer, len, tmp);
		break;
	case DH_ECP:
		r = ecp_shared(dh, peer, len, tmp);
		break;
	default:
		r = x25519_shared(dh, peer, len, tmp);
		break;
	}
	if (r == 0) {
		memcpy(ret_shared, tmp, n);
		*ret_len = n;
	}
	explicit_bzero(tmp, n);
	return r;
}

void crypto_dh_free(struct crypto_dh *dh)
{
	if (!dh)
		return;
	if (dh->g->kind == DH_MODP) {
		mpz_wipe(dh->x);
		mpz_clear(dh->p);
	} else if (dh->g->kind == DH_ECP) {
		explicit_bzero(dh->s.p, (size_t)ecc_size(dh->g->curve()) * sizeof(mp_limb_t));
		ecc_scalar_clear(&dh->s);
	}
	explicit_bzero(dh, sizeof(*dh));
	free(dh);
}
