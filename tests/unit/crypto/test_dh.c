// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto/dh: known answers and peer-value validation for every group.
 *
 * Vectors:
 *   ECP   RFC 5903 §8.1 (group 19), §8.2 (group 20), §8.3 (group 21): i, g^i, r, g^r, g^ir.
 *   X25519 RFC 7748 §5.2 (two scalar multiplications, and the iterated vector after 1 and 1000
 *         rounds) and §6.1 (Alice/Bob key agreement).
 *   MODP  The primes are checked in test_dh_primes.c; here: agreement, encoding and validation.
 * Invalid peer values per group: 0, 1, p-1, p, too short, too long (MODP); wrong length, off-curve,
 * coordinates >= p, the all-zero "point at infinity" encoding (ECP); the low-order points of
 * curve25519 (all giving an all-zero result, RFC 7748 §6.1), wrong lengths (X25519).
 */
#include "crypto/dh.h"
#include "tests/dh_random.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tests/testutil.h"

static const unsigned all_groups[] = {1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 31};

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	int n = test_unhex(hex, out, cap);
	if (n < 0) {
		fprintf(stderr, "bad hex in test: %.40s\n", hex);
		exit(2);
	}
	return (size_t)n;
}

/* One RFC 5903 §8 example. */
struct ecp_vec {
	const char *section;
	unsigned group;
	const char *i, *gix, *giy, *r, *grx, *gry, *girx;
};

static const struct ecp_vec ecp_vecs[] = {
	{"RFC 5903 §8.1", 19, "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	 "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
	 "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	 "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	 "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
	 "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	 "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"},
	{"RFC 5903 §8.2", 20,
	 "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"
	 "E35B538041E649EE3FAEF896783AB194",
	 "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
	 "DE3AC808ACB4BDB4C88732AEE95F41AA",
	 "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38E"
	 "EB9FCFF3C2C947DAE69B4C634573A81C",
	 "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"
	 "E0308312916B8ED2960E4BD55A7448FC",
	 "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
	 "0D1AC43A0336DEF96FDA41D0774A3571",
	 "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FF"
	 "F83FA40142209DFF5EAAD96DB9E6386C",
	 "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
	 "D603135569B9E9D09CF5D4A270F59746"},
	{"RFC 5903 §8.3", 21,
	 "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A0"
	 "95AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D4A52",
	 "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBE"
	 "E1E3BF42E00B8E380AEAE57C2D107564941885942AF5A7F4601723C4195D176CED3E",
	 "017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10A"
	 "D8A788015AC405D7799DC75E7B7D5B6CF2261A6A7F1507438BF01BEB6CA3926F9582",
	 "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E"
	 "9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB151685EB9",
	 "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A21"
	 "9B97C356436ADC6E95BB0352F6BE64A6C2912D4EF2D0433CED2B6171640012D9460F",
	 "015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87"
	 "220B6536C5C408A1D2AEBB8E86D678AE49CB57091F4732296579AB44FCD17F0FC56A",
	 "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04"
	 "D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3DDEA"},
};

static void test_ecp_vectors(void)
{
	for (size_t v = 0; v < sizeof(ecp_vecs) / sizeof(ecp_vecs[0]); v++) {
		const struct ecp_vec *e = &ecp_vecs[v];
		uint8_t i[66], r[66], gi[132], gr[132], gir[66], pub[132],
			out[CRYPTO_DH_SHARED_MAX];
		struct crypto_dh *di = NULL, *dr = NULL;
		size_t f, il, rl, out_len = 0;

		il = unhex(e->i, i, sizeof(i));
		rl = unhex(e->r, r, sizeof(r));
		f = unhex(e->gix, gi, sizeof(gi));
		unhex(e->giy, gi + f, sizeof(gi) - f);
		unhex(e->grx, gr, sizeof(gr));
		unhex(e->gry, gr + f, sizeof(gr) - f);
		unhex(e->girx, gir, sizeof(gir));
		CHECK_EQ_INT(crypto_dh_public_len(e->group), 2 * f);
		CHECK_EQ_INT(crypto_dh_shared_len(e->group), f);
		if (!CHECK(crypto_dh_new_from_private(e->group, i, il, &di) == 0) ||
		    !CHECK(crypto_dh_new_from_private(e->group, r, rl, &dr) == 0)) {
			fprintf(stderr, "%s: constructor failed\n", e->section);
			crypto_dh_free(di);
			continue;
		}
		CHECK(crypto_dh_public(di, pub, 2 * f) == 0);
		CHECK_MEM(pub, gi, 2 * f);
		CHECK(crypto_dh_public(dr, pub, 2 * f) == 0);
		CHECK_MEM(pub, gr, 2 * f);
		CHECK(crypto_dh_shared(di, gr, 2 * f, out, sizeof(out), &out_len) == 0);
		CHECK_EQ_INT(out_len, f);
		CHECK_MEM(out, gir, f);
		memset(out, 0, sizeof(out));
		CHECK(crypto_dh_shared(dr, gi, 2 * f, out, sizeof(out), &out_len) == 0);
		CHECK_MEM(out, gir, f);

		/* Invalid peer values. */
		uint8_t bad[133];
		CHECK_EQ_INT(crypto_dh_shared(di, gr, 2 * f - 1, out, sizeof(out), &out_len),
			     -EINVAL);
		memcpy(bad, gr, 2 * f);
		bad[2 * f] = 0;
		CHECK_EQ_INT(crypto_dh_shared(di, bad, 2 * f + 1, out, sizeof(out), &out_len),
			     -EINVAL);
		/* With the 0x04 prefix of SEC1 (not the RFC 5903 encoding): wrong length. */
		bad[0] = 0x04;
		memcpy(bad + 1, gr, 2 * f);
		CHECK_EQ_INT(crypto_dh_shared(di, bad, 2 * f + 1, out, sizeof(out), &out_len),
			     -EINVAL);
		/* Off the curve: y + 1. */
		memcpy(bad, gr, 2 * f);
		bad[2 * f - 1] ^= 1;
		CHECK_EQ_INT(crypto_dh_shared(di, bad, 2 * f, out, sizeof(out), &out_len), -EINVAL);
		/* Off the curve: x changed. */
		memcpy(bad, gr, 2 * f);
		bad[f / 2] ^= 0x40;
		CHECK_EQ_INT(crypto_dh_shared(di, bad, 2 * f, out, sizeof(out), &out_len), -EINVAL);
		/* (0, 0): how some encode the point at infinity. */
		memset(bad, 0, 2 * f);
		CHECK_EQ_INT(crypto_dh_shared(di, bad, 2 * f, out, sizeof(out), &out_len), -EINVAL);
		/* Coordinates all ones: >= p. */
		memset(bad, 0xff, 2 * f);
		CHECK_EQ_INT(crypto_dh_shared(di, bad, 2 * f, out, sizeof(out), &out_len), -EINVAL);
		/* Too small an output buffer. */
		CHECK_EQ_INT(crypto_dh_shared(di, gr, 2 * f, out, f - 1, &out_len), -ENOBUFS);
		/* Scalar 0 and scalar >= q are refused by the deterministic constructor. */
		struct crypto_dh *dz = NULL;
		memset(bad, 0, f);
		CHECK_EQ_INT(crypto_dh_new_from_private(e->group, bad, f, &dz), -EINVAL);
		memset(bad, 0xff, f);
		CHECK_EQ_INT(crypto_dh_new_from_private(e->group, bad, f, &dz), -EINVAL);
		CHECK(dz == NULL);
		crypto_dh_free(di);
		crypto_dh_free(dr);
	}
}

/* X25519 as a function of (scalar, u), through the DH object. */
static int x25519(const uint8_t k[32], const uint8_t u[32], uint8_t out[32])
{
	struct crypto_dh *dh = NULL;
	size_t n = 0;
	int r = crypto_dh_new_from_private(31, k, 32, &dh);
	if (r == 0)
		r = crypto_dh_shared(dh, u, 32, out, 32, &n);
	crypto_dh_free(dh);
	return r;
}

static void test_x25519_vectors(void)
{
	uint8_t k[32], u[32], want[32], out[32], pub[32];

	/* RFC 7748 §5.2, first and second test vectors. */
	unhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", k, 32);
	unhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", u, 32);
	unhex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", want, 32);
	CHECK(x25519(k, u, out) == 0);
	CHECK_MEM(out, want, 32);
	unhex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d", k, 32);
	unhex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493", u, 32);
	unhex("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957", want, 32);
	CHECK(x25519(k, u, out) == 0);
	CHECK_MEM(out, want, 32);

	/* RFC 7748 §5.2, iterated: k = u = 9; k, u = X25519(k, u), k. After 1 and 1000 rounds. */
	memset(k, 0, 32);
	k[0] = 9;
	memcpy(u, k, 32);
	for (int round = 1; round <= 1000; round++) {
		if (x25519(k, u, out) != 0) {
			fprintf(stderr, "x25519 iteration %d failed\n", round);
			test_failures++;
			break;
		}
		memcpy(u, k, 32);
		memcpy(k, out, 32);
		if (round == 1) {
			unhex("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
			      want, 32);
			CHECK_MEM(k, want, 32);
		}
	}
	unhex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", want, 32);
	CHECK_MEM(k, want, 32);

	/* RFC 7748 §6.1: Alice and Bob. */
	uint8_t a[32], apub[32], b[32], bpub[32], shared[32];
	struct crypto_dh *da = NULL, *db = NULL;
	size_t n = 0;
	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a, 32);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", apub, 32);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b, 32);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bpub, 32);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", shared, 32);
	CHECK(crypto_dh_new_from_private(31, a, 32, &da) == 0);
	CHECK(crypto_dh_new_from_private(31, b, 32, &db) == 0);
	if (da && db) {
		CHECK(crypto_dh_public(da, pub, 32) == 0);
		CHECK_MEM(pub, apub, 32);
		CHECK(crypto_dh_public(db, pub, 32) == 0);
		CHECK_MEM(pub, bpub, 32);
		CHECK(crypto_dh_shared(da, bpub, 32, out, 32, &n) == 0);
		CHECK_MEM(out, shared, 32);
		CHECK(crypto_dh_shared(db, apub, 32, out, 32, &n) == 0);
		CHECK_MEM(out, shared, 32);
		CHECK_EQ_INT(crypto_dh_shared(da, bpub, 31, out, 32, &n), -EINVAL);
		CHECK_EQ_INT(crypto_dh_shared(da, bpub, 33, out, 32, &n), -EINVAL);
		CHECK_EQ_INT(crypto_dh_public(da, pub, 31), -EINVAL);
	}
	crypto_dh_free(da);
	crypto_dh_free(db);
	CHECK_EQ_INT(crypto_dh_new_from_private(31, a, 31, &da), -EINVAL);
}

/*
 * Low-order u-coordinates of curve25519 and their non-canonical forms (RFC 7748 §5 asks that u be
 * taken mod p and the top bit ignored; these are the points of order 1, 2, 4 and 8, listed at
 * https://cr.yp.to/ecdh.html#validate). Each gives the all-zero result, which RFC 7748 §6.1 and
 * RFC 8031 §2 require us to reject.
 */
static const char *const x25519_low_order[] = {
	"0000000000000000000000000000000000000000000000000000000000000000", /* 0 */
	"0100000000000000000000000000000000000000000000000000000000000000", /* 1 */
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", /* order 8 */
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", /* order 8 */
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p - 1 */
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p = 0 */
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p + 1 = 1 */
	"0000000000000000000000000000000000000000000000000000000000000080", /* 0, top bit */
	"0100000000000000000000000000000000000000000000000000000000000080", /* 1, top bit */
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880", /* order 8, top bit */
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", /* p, top bit */
};

/*
 * crypto_dh_new takes its private value from the caller's bytes (crypto/ draws none): the
 * X25519 key of RFC 7748 §6.1; for P-256 (RFC 5903 §8.1) a first candidate >= q is rejected and
 * the second taken, two bad ones are -EIO; MODP sets the exponent's top bit; a wrong length is
 * -EINVAL.
 */
static void test_new_from_random(void)
{
	uint8_t rnd[CRYPTO_DH_RANDOM_MAX], pub[CRYPTO_DH_PUBLIC_MAX], want[CRYPTO_DH_PUBLIC_MAX];
	struct crypto_dh *dh = NULL, *ref = NULL;

	CHECK_EQ_INT(crypto_dh_random_len(31), 32);
	CHECK_EQ_INT(crypto_dh_random_len(19), 64);
	CHECK_EQ_INT(crypto_dh_random_len(21), CRYPTO_DH_RANDOM_MAX);
	CHECK_EQ_INT(crypto_dh_random_len(14), crypto_dh_exponent_bits(14) / 8);
	CHECK_EQ_INT(crypto_dh_random_len(3), 0);

	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", rnd, 32);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", want, 32);
	CHECK_EQ_INT(crypto_dh_new(31, rnd, 31, &dh), -EINVAL);
	if (CHECK(crypto_dh_new(31, rnd, 32, &dh) == 0)) {
		CHECK(crypto_dh_public(dh, pub, 32) == 0);
		CHECK_MEM(pub, want, 32);
		crypto_dh_free(dh);
	}

	memset(rnd, 0xff, 32);
	unhex(ecp_vecs[0].i, rnd + 32, 32);
	unhex(ecp_vecs[0].gix, want, 32);
	unhex(ecp_vecs[0].giy, want + 32, 32);
	if (CHECK(crypto_dh_new(19, rnd, 64, &dh) == 0)) {
		CHECK(crypto_dh_public(dh, pub, 64) == 0);
		CHECK_MEM(pub, want, 64);
		crypto_dh_free(dh);
	}
	memset(rnd, 0xff, 64);
	dh = NULL;
	CHECK_EQ_INT(crypto_dh_new(19, rnd, 64, &dh), -EIO);
	CHECK(dh == NULL);

	size_t n = crypto_dh_random_len(14), len = crypto_dh_public_len(14);
	memset(rnd, 0x5a, n);
	if (CHECK(crypto_dh_new(14, rnd, n, &dh) == 0)) {
		rnd[0] |= 0x80;
		CHECK(crypto_dh_new_from_private(14, rnd, n, &ref) == 0);
		CHECK(crypto_dh_public(dh, pub, len) == 0);
		CHECK(ref && crypto_dh_public(ref, want, len) == 0);
		CHECK_MEM(pub, want, len);
		crypto_dh_free(ref);
		crypto_dh_free(dh);
	}
}

static void test_x25519_low_order(void)
{
	struct crypto_dh *dh = NULL;
	uint8_t u[32], out[32];
	size_t n = 0;

	if (!CHECK(test_dh_new_random(31, &dh) == 0))
		return;
	for (size_t i = 0; i < sizeof(x25519_low_order) / sizeof(x25519_low_order[0]); i++) {
		unhex(x25519_low_order[i], u, 32);
		memset(out, 0xa5, sizeof(out));
		if (!CHECK_EQ_INT(crypto_dh_shared(dh, u, 32, out, 32, &n), -EINVAL))
			fprintf(stderr, "  low-order point %zu accepted\n", i);
		/* out untouched on failure */
		CHECK(out[0] == 0xa5 && out[31] == 0xa5);
	}
	crypto_dh_free(dh);
}

/* Writes v (small) or p + delta as a big-endian value of len bytes. */
static void modp_value(unsigned group, long delta, uint8_t *out, size_t len)
{
	const char *hex = crypto_dh_modp_prime_hex(group);
	size_t n = unhex(hex, out, len);
	CHECK_EQ_INT(n, len);
	/* Add delta (|delta| <= 2) to the big-endian number p. */
	long carry = delta;
	for (size_t i = len; i-- > 0 && carry != 0;) {
		long v = (long)out[i] + carry;
		carry = 0;
		while (v < 0) {
			v += 256;
			carry--;
		}
		while (v > 255) {
			v -= 256;
			carry++;
		}
		out[i] = (uint8_t)v;
	}
}

static void test_modp(unsigned group)
{
	static uint8_t pa[CRYPTO_DH_PUBLIC_MAX], pb[CRYPTO_DH_PUBLIC_MAX],
		bad[CRYPTO_DH_PUBLIC_MAX + 1];
	static uint8_t sa[CRYPTO_DH_SHARED_MAX], sb[CRYPTO_DH_SHARED_MAX];
	struct crypto_dh *a = NULL, *b = NULL;
	size_t len = crypto_dh_public_len(group), na = 0, nb = 0;

	CHECK_EQ_INT(len, strlen(crypto_dh_modp_prime_hex(group)) / 2);
	CHECK(crypto_dh_exponent_bits(group) >= 192);
	if (!CHECK(test_dh_new_random(group, &a) == 0) ||
	    !CHECK(test_dh_new_random(group, &b) == 0)) {
		crypto_dh_free(a);
		return;
	}
	CHECK_EQ_INT(crypto_dh_group(a), group);
	CHECK(crypto_dh_public(a, pa, len) == 0);
	CHECK(crypto_dh_public(b, pb, len) == 0);
	CHECK(memcmp(pa, pb, len) != 0);
	CHECK(crypto_dh_shared(a, pb, len, sa, sizeof(sa), &na) == 0);
	CHECK(crypto_dh_shared(b, pa, len, sb, sizeof(sb), &nb) == 0);
	CHECK_EQ_INT(na, len);
	CHECK_EQ_INT(nb, len);
	CHECK_MEM(sa, sb, len);

	/* 0, 1, p-1, p, p+1 rejected; 2 and p-2 accepted. */
	static const long deltas[] = {-1, 0, 1};
	memset(bad, 0, len);
	CHECK_EQ_INT(crypto_dh_shared(a, bad, len, sa, sizeof(sa), &na), -EINVAL);
	bad[len - 1] = 1;
	CHECK_EQ_INT(crypto_dh_shared(a, bad, len, sa, sizeof(sa), &na), -EINVAL);
	bad[len - 1] = 2;
	CHECK_EQ_INT(crypto_dh_shared(a, bad, len, sa, sizeof(sa), &na), 0);
	for (size_t i = 0; i < 3; i++) {
		modp_value(group, deltas[i], bad, len);
		CHECK_EQ_INT(crypto_dh_shared(a, bad, len, sa, sizeof(sa), &na), -EINVAL);
	}
	modp_value(group, -2, bad, len);
	CHECK_EQ_INT(crypto_dh_shared(a, bad, len, sa, sizeof(sa), &na), 0);
	memset(bad, 0xff, len);
	CHECK_EQ_INT(crypto_dh_shared(a, bad, len, sa, sizeof(sa), &na), -EINVAL);
	/* Too short (a valid value without its leading byte) and too long (leading zero added). */
	CHECK_EQ_INT(crypto_dh_shared(a, pb + 1, len - 1, sa, sizeof(sa), &na), -EINVAL);
	bad[0] = 0;
	memcpy(bad + 1, pb, len);
	CHECK_EQ_INT(crypto_dh_shared(a, bad, len + 1, sa, sizeof(sa), &na), -EINVAL);
	CHECK_EQ_INT(crypto_dh_shared(a, pb, len, sa, len - 1, &na), -ENOBUFS);
	CHECK_EQ_INT(crypto_dh_public(a, pa, len + 1), -EINVAL);
	crypto_dh_free(a);
	crypto_dh_free(b);
}

/* A small MODP known answer: x = 2 gives g^x = 4; the peer's y = 3 gives 3^2 = 9 (left-padded). */
static void test_modp_encoding(void)
{
	uint8_t two = 2, pub[256], want[256], peer[256], out[256];
	struct crypto_dh *dh = NULL;
	size_t n = 0;

	if (!CHECK(crypto_dh_new_from_private(14, &two, 1, &dh) == 0))
		return;
	memset(want, 0, sizeof(want));
	want[255] = 4;
	CHECK(crypto_dh_public(dh, pub, sizeof(pub)) == 0);
	CHECK_MEM(pub, want, sizeof(want));
	memset(peer, 0, sizeof(peer));
	peer[255] = 3;
	want[255] = 9;
	CHECK(crypto_dh_shared(dh, peer, sizeof(peer), out, sizeof(out), &n) == 0);
	CHECK_MEM(out, want, sizeof(want));
	crypto_dh_free(dh);
	/* Private values 0, 1 and p-1 are refused. */
	uint8_t one = 1, pm1[256];
	CHECK_EQ_INT(crypto_dh_new_from_private(14, &one, 1, &dh), -EINVAL);
	one = 0;
	CHECK_EQ_INT(crypto_dh_new_from_private(14, &one, 1, &dh), -EINVAL);
	modp_value(14, -1, pm1, sizeof(pm1));
	CHECK_EQ_INT(crypto_dh_new_from_private(14, pm1, sizeof(pm1), &dh), -EINVAL);
}

static void test_random_agreement(unsigned group)
{
	uint8_t pa[CRYPTO_DH_PUBLIC_MAX], pb[CRYPTO_DH_PUBLIC_MAX];
	uint8_t sa[CRYPTO_DH_SHARED_MAX], sb[CRYPTO_DH_SHARED_MAX];
	struct crypto_dh *a = NULL, *b = NULL;
	size_t len = crypto_dh_public_len(group), na = 0, nb = 0;

	if (!CHECK(test_dh_new_random(group, &a) == 0) ||
	    !CHECK(test_dh_new_random(group, &b) == 0)) {
		crypto_dh_free(a);
		return;
	}
	CHECK(crypto_dh_public(a, pa, len) == 0);
	CHECK(crypto_dh_public(b, pb, len) == 0);
	CHECK(crypto_dh_shared(a, pb, len, sa, sizeof(sa), &na) == 0);
	CHECK(crypto_dh_shared(b, pa, len, sb, sizeof(sb), &nb) == 0);
	CHECK_EQ_INT(na, crypto_dh_shared_len(group));
	CHECK(na == nb && memcmp(sa, sb, na) == 0);
	crypto_dh_free(a);
	crypto_dh_free(b);
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(all_groups) / sizeof(all_groups[0]); i++) {
		unsigned g = all_groups[i];
		CHECK(crypto_dh_group_supported(g));
		CHECK(crypto_dh_group_name(g) != NULL);
		CHECK(crypto_dh_public_len(g) > 0 &&
		      crypto_dh_public_len(g) <= CRYPTO_DH_PUBLIC_MAX);
		CHECK(crypto_dh_group_is_weak(g) == (g == 1 || g == 2));
	}
	struct crypto_dh *dh = NULL;
	static const unsigned unsupported[] = {0, 3, 4, 22, 23, 24, 25, 26, 30, 32, 1000};
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		CHECK(!crypto_dh_group_supported(unsupported[i]));
		CHECK_EQ_INT(crypto_dh_public_len(unsupported[i]), 0);
		CHECK_EQ_INT(test_dh_new_random(unsupported[i], &dh), -EINVAL);
	}
	CHECK(dh == NULL);
	crypto_dh_free(NULL);
}

/* xorshift64: a deterministic stream for the robustness test below. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Arbitrary peer bytes of arbitrary lengths (the KE payload is attacker-controlled): every call
 * must return 0 with a full-length secret or -EINVAL, never anything else, and never touch the
 * output on failure. Run under -Db_sanitize this also checks every read stays in bounds.
 */
static void test_random_peers(void)
{
	static uint8_t peer[2 * CRYPTO_DH_PUBLIC_MAX], out[CRYPTO_DH_SHARED_MAX];
	for (size_t gi = 0; gi < sizeof(all_groups) / sizeof(all_groups[0]); gi++) {
		unsigned g = all_groups[gi];
		size_t plen = crypto_dh_public_len(g), ok = 0;
		bool big_modp = plen >= 384 && g < 19; /* 3 ms and up per exponentiation */
		unsigned tries = big_modp ? 6 : 64;
		struct crypto_dh *dh = NULL;

		if (!CHECK(test_dh_new_random(g, &dh) == 0))
			continue;
		for (unsigned t = 0; t < tries; t++) {
			uint64_t pick = rng();
			size_t len;
			switch (pick % 5) {
			case 0:
			case 1:
				len = plen;
				break;
			case 2:
				len = plen + 1;
				break;
			case 3:
				len = plen - 1;
				break;
			default:
				len = big_modp ? plen : (size_t)(rng() % (2 * plen + 1));
				break;
			}
			for (size_t i = 0; i < len; i++)
				peer[i] = (uint8_t)rng();
			if ((pick >> 8) % 4 == 0 && len > 0)
				peer[0] = (pick >> 16) & 1
						  ? 0xff
						  : 0x00; /* push MODP values to the edges */
			uint8_t *heap =
				malloc(len ? len : 1); /* exact size, so ASan sees overreads */
			size_t n = 12345;
			if (!heap)
				break;
			memcpy(heap, peer, len);
			memset(out, 0xa5, sizeof(out));
			int r = crypto_dh_shared(dh, heap, len, out, sizeof(out), &n);
			free(heap);
			if (r == 0) {
				ok++;
				CHECK_EQ_INT(len, plen);
				CHECK_EQ_INT(n, crypto_dh_shared_len(g));
			} else {
				CHECK_EQ_INT(r, -EINVAL);
				CHECK_EQ_INT(n, 12345);
				CHECK(out[0] == 0xa5);
			}
		}
		/* Random x||y is never on a curve; random MODP and X25519 values mostly are valid.
		 */
		if (g >= 19 && g <= 21)
			CHECK_EQ_INT(ok, 0);
		crypto_dh_free(dh);
	}
}

int main(void)
{
	test_table();
	test_ecp_vectors();
	test_x25519_vectors();
	test_x25519_low_order();
	test_new_from_random();
	test_modp_encoding();
	static const unsigned modp[] = {1, 2, 5, 14, 15, 16, 17, 18};
	for (size_t i = 0; i < sizeof(modp) / sizeof(modp[0]); i++)
		test_modp(modp[i]);
	for (unsigned g = 19; g <= 21; g++)
		test_random_agreement(g);
	test_random_agreement(31);
	test_random_peers();
	return TEST_END();
}
