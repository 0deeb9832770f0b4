// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto/prf: HMAC known answers from RFC 2202 (HMAC-MD5 §2, HMAC-SHA-1 §3; test cases 1, 2, 3, 6)
 * and RFC 4231 (HMAC-SHA-256/384/512, §4.2 case 1, §4.3 case 2, §4.4 case 3, §4.7 case 6 with a
 * 131-byte key), plain hashes from FIPS 180-4 / RFC 1321 ("abc"), and the incremental API.
 */
#include "crypto/prf.h"

#include <errno.h>
#include <string.h>

#include "tests/testutil.h"

struct hmac_vec {
	const char *src;
	enum crypto_hash hash;
	uint8_t key_byte; /* key = key_len copies of key_byte, or the string "Jefe" if 0 */
	size_t key_len;
	const char *data; /* NULL: 50 bytes of 0xdd */
	const char *mac;
};

static const char hi[] = "Hi There";
static const char jefe[] = "what do ya want for nothing?";
static const char big[] = "Test Using Larger Than Block-Size Key - Hash Key First";

static const struct hmac_vec vecs[] = {
	{"RFC 2202 §2 case 1", CRYPTO_HASH_MD5, 0x0b, 16, hi, "9294727a3638bb1c13f48ef8158bfc9d"},
	{"RFC 2202 §2 case 2", CRYPTO_HASH_MD5, 0, 4, jefe, "750c783e6ab0b503eaa86e310a5db738"},
	{"RFC 2202 §2 case 3", CRYPTO_HASH_MD5, 0xaa, 16, NULL, "56be34521d144c88dbb8c733f0e8b3f6"},
	{"RFC 2202 §2 case 6", CRYPTO_HASH_MD5, 0xaa, 80, big, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
	{"RFC 2202 §3 case 1", CRYPTO_HASH_SHA1, 0x0b, 20, hi,
	 "b617318655057264e28bc0b6fb378c8ef146be00"},
	{"RFC 2202 §3 case 2", CRYPTO_HASH_SHA1, 0, 4, jefe,
	 "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
	{"RFC 2202 §3 case 3", CRYPTO_HASH_SHA1, 0xaa, 20, NULL,
	 "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
	{"RFC 2202 §3 case 6", CRYPTO_HASH_SHA1, 0xaa, 80, big,
	 "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
	{"RFC 4231 §4.2", CRYPTO_HASH_SHA2_256, 0x0b, 20, hi,
	 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
	{"RFC 4231 §4.3", CRYPTO_HASH_SHA2_256, 0, 4, jefe,
	 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	{"RFC 4231 §4.4", CRYPTO_HASH_SHA2_256, 0xaa, 20, NULL,
	 "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
	{"RFC 4231 §4.7", CRYPTO_HASH_SHA2_256, 0xaa, 131, big,
	 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
	{"RFC 4231 §4.2", CRYPTO_HASH_SHA2_384, 0x0b, 20, hi,
	 "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	 "faea9ea9076ede7f4af152e8b2fa9cb6"},
	{"RFC 4231 §4.3", CRYPTO_HASH_SHA2_384, 0, 4, jefe,
	 "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	 "8e2240ca5e69e2c78b3239ecfab21649"},
	{"RFC 4231 §4.4", CRYPTO_HASH_SHA2_384, 0xaa, 20, NULL,
	 "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	 "2a5ab39dc13814b94e3ab6e101a34f27"},
	{"RFC 4231 §4.7", CRYPTO_HASH_SHA2_384, 0xaa, 131, big,
	 "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	 "0c2ef6ab4030fe8296248df163f44952"},
	{"RFC 4231 §4.2", CRYPTO_HASH_SHA2_512, 0x0b, 20, hi,
	 "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	 "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
	{"RFC 4231 §4.3", CRYPTO_HASH_SHA2_512, 0, 4, jefe,
	 "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	 "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	{"RFC 4231 §4.4", CRYPTO_HASH_SHA2_512, 0xaa, 20, NULL,
	 "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	 "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
	{"RFC 4231 §4.7", CRYPTO_HASH_SHA2_512, 0xaa, 131, big,
	 "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	 "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
};

static void test_hmac_vectors(void)
{
	for (size_t v = 0; v < sizeof(vecs) / sizeof(vecs[0]); v++) {
		const struct hmac_vec *e = &vecs[v];
		uint8_t key[131], data[64], want[64], out[64];
		size_t dlen, mlen = (size_t)test_unhex(e->mac, want, sizeof(want));
		struct crypto_prf prf;

		if (e->key_byte)
			memset(key, e->key_byte, e->key_len);
		else
			memcpy(key, "Jefe", 4);
		if (e->data) {
			dlen = strlen(e->data);
			memcpy(data, e->data, dlen);
		} else {
			dlen = 50;
			memset(data, 0xdd, dlen);
		}
		CHECK_EQ_INT(crypto_hash_len(e->hash), mlen);
		memset(out, 0, sizeof(out));
		CHECK(crypto_prf(e->hash, key, e->key_len, data, dlen, out) == 0);
		if (!CHECK_MEM(out, want, mlen))
			fprintf(stderr, "  %s (%s)\n", e->src, crypto_hash_name(e->hash));

		/* Incremental, one byte at a time, then the context reused for a second MAC. */
		CHECK(crypto_prf_init(&prf, e->hash, key, e->key_len) == 0);
		CHECK_EQ_INT(crypto_prf_len(&prf), mlen);
		for (size_t i = 0; i < dlen; i++)
			crypto_prf_update_byte(&prf, data[i]);
		memset(out, 0, sizeof(out));
		crypto_prf_final(&prf, out);
		CHECK_MEM(out, want, mlen);
		crypto_prf_update(&prf, data, dlen / 3);
		crypto_prf_update(&prf, NULL, 0);
		crypto_prf_update(&prf, data + dlen / 3, dlen - dlen / 3);
		memset(out, 0, sizeof(out));
		crypto_prf_final(&prf, out);
		CHECK_MEM(out, want, mlen);
		crypto_prf_wipe(&prf);
		CHECK(prf.h == NULL);
	}
}

/* "abc" digests: RFC 1321 §A.5, FIPS 180-4 examples (NIST CSRC "Examples with intermediate
 * values"). */
static void test_hash_vectors(void)
{
	static const struct {
		enum crypto_hash hash;
		const char *digest;
	} abc[] = {
		{CRYPTO_HASH_MD5, "900150983cd24fb0d6963f7d28e17f72"},
		{CRYPTO_HASH_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{CRYPTO_HASH_SHA2_256,
		 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{CRYPTO_HASH_SHA2_384,
		 "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
		 "8086072ba1e7cc2358baeca134c825a7"},
		{CRYPTO_HASH_SHA2_512,
		 "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
	};
	for (size_t i = 0; i < sizeof(abc) / sizeof(abc[0]); i++) {
		uint8_t want[64], out[64];
		struct crypto_hash_ctx ctx;
		size_t n = (size_t)test_unhex(abc[i].digest, want, sizeof(want));
		CHECK(crypto_hash(abc[i].hash, (const uint8_t *)"abc", 3, out) == 0);
		CHECK_MEM(out, want, n);
		CHECK(crypto_hash_init(&ctx, abc[i].hash) == 0);
		crypto_hash_update(&ctx, (const uint8_t *)"a", 1);
		crypto_hash_update(&ctx, (const uint8_t *)"bc", 2);
		memset(out, 0, sizeof(out));
		crypto_hash_final(&ctx, out);
		CHECK_MEM(out, want, n);
	}
}

static void test_unknown(void)
{
	static const unsigned bad[] = {0, 3, 7, 8, 255};
	struct crypto_prf prf;
	struct crypto_hash_ctx ctx;
	uint8_t out[64];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ_INT(crypto_hash_len(bad[i]), 0);
		CHECK(crypto_hash_name(bad[i]) == NULL);
		CHECK_EQ_INT(crypto_prf_init(&prf, bad[i], out, 4), -EINVAL);
		CHECK_EQ_INT(crypto_hash_init(&ctx, bad[i]), -EINVAL);
		CHECK_EQ_INT(crypto_prf(bad[i], out, 4, out, 4, out), -EINVAL);
		CHECK_EQ_INT(crypto_hash(bad[i], out, 4, out), -EINVAL);
	}
	/* An empty key is legal HMAC (RFC 2104 pads it with zeros). */
	CHECK(crypto_prf(CRYPTO_HASH_SHA1, NULL, 0, (const uint8_t *)"x", 1, out) == 0);
	crypto_prf_wipe(NULL);
}

static void test_mem_equal(void)
{
	uint8_t a[64], b[64];
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)(i * 31);
	CHECK(crypto_mem_equal(a, b, sizeof(a)));
	CHECK(crypto_mem_equal(a, b, 0));
	for (size_t i = 0; i < sizeof(a); i += 7) {
		b[i] ^= 0x01;
		CHECK(!crypto_mem_equal(a, b, sizeof(a)));
		b[i] ^= 0x01;
	}
	b[63] ^= 0x80;
	CHECK(!crypto_mem_equal(a, b, 64));
	CHECK(crypto_mem_equal(a, b, 63));
}

int main(void)
{
	test_hmac_vectors();
	test_hash_vectors();
	test_unknown();
	test_mem_equal();
	return TEST_END();
}
