// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto/cipher: known answers and the padding / in-place contract.
 *   AES-CBC: NIST SP 800-38A Appendix F.2.1-F.2.6 (CBC-AES128/192/256 Encrypt and Decrypt).
 *   3DES:    NIST SP 800-67 Rev. 1 Appendix B example (three distinct keys, TDEA ECB on
 *            "The qufck brown fox jump", sic), run as three one-block CBC operations with a zero
 * IV.
 */
#include "crypto/cipher.h"

#include <errno.h>
#include <string.h>

#include "tests/testutil.h"

static const char sp80038a_iv[] = "000102030405060708090a0b0c0d0e0f";
static const char sp80038a_pt[] =
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

static const struct {
	const char *section, *key, *ct;
} aes_vecs[] = {
	{"SP 800-38A F.2.1/F.2.2", "2b7e151628aed2a6abf7158809cf4f3c",
	 "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
	 "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"},
	{"SP 800-38A F.2.3/F.2.4", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
	 "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
	 "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
	{"SP 800-38A F.2.5/F.2.6",
	 "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
	 "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
	 "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
};

static void test_aes_vectors(void)
{
	for (size_t v = 0; v < sizeof(aes_vecs) / sizeof(aes_vecs[0]); v++) {
		uint8_t key[32], pt[64], ct[80], buf[80];
		struct crypto_iv iv, iv0, next;
		struct crypto_cipher c;
		size_t klen = (size_t)test_unhex(aes_vecs[v].key, key, sizeof(key)), out_len = 0;

		test_unhex(sp80038a_pt, pt, sizeof(pt));
		test_unhex(aes_vecs[v].ct, ct, sizeof(ct));
		iv0.len = (size_t)test_unhex(sp80038a_iv, iv0.b, sizeof(iv0.b));
		if (!CHECK(crypto_cipher_init(&c, CRYPTO_CIPHER_AES_CBC, key, klen) == 0))
			continue;
		CHECK_EQ_INT(c.block_len, 16);

		/* F.2.x Encrypt: 64 bytes are block-aligned, so our padding adds one whole block;
		 * the first 64 ciphertext bytes are the NIST ones. */
		memcpy(buf, pt, 64);
		iv = iv0;
		CHECK(crypto_cipher_encrypt(&c, &iv, buf, 64, sizeof(buf), &out_len) == 0);
		CHECK_EQ_INT(out_len, 80);
		if (!CHECK_MEM(buf, ct, 64))
			fprintf(stderr, "  %s encrypt\n", aes_vecs[v].section);
		CHECK_MEM(iv.b, buf + 64, 16); /* IV advanced to the last ciphertext block */

		/* F.2.x Decrypt, in place. */
		memcpy(buf, ct, 64);
		CHECK(crypto_cipher_decrypt(&c, &iv0, buf, 64, &next) == 0);
		if (!CHECK_MEM(buf, pt, 64))
			fprintf(stderr, "  %s decrypt\n", aes_vecs[v].section);
		CHECK_MEM(next.b, ct + 48, 16);
		crypto_cipher_wipe(&c);
		CHECK(c.key_len == 0);
	}
}

static void test_3des_vector(void)
{
	uint8_t key[24], pt[24], want[24], buf[24];
	struct crypto_cipher c;
	struct crypto_iv iv, next;
	size_t n = 0;

	test_unhex("0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123", key, sizeof(key));
	memcpy(pt, "The qufck brown fox jump", 24);
	test_unhex("A826FD8CE53B855FCCE21C8112256FE668D5C05DD9B6B900", want, sizeof(want));
	if (!CHECK(crypto_cipher_init(&c, CRYPTO_CIPHER_3DES_CBC, key, 24) == 0))
		return;
	CHECK_EQ_INT(c.block_len, 8);
	for (int blk = 0; blk < 3; blk++) {
		uint8_t b[16];
		memcpy(b, pt + 8 * blk, 8);
		memset(&iv, 0, sizeof(iv));
		iv.len = 8;
		CHECK(crypto_cipher_encrypt(&c, &iv, b, 8, sizeof(b), &n) == 0);
		CHECK_EQ_INT(n, 16);
		CHECK_MEM(b, want + 8 * blk, 8);
		memcpy(buf + 8 * blk, b, 8);
		memset(&iv, 0, sizeof(iv));
		iv.len = 8;
		CHECK(crypto_cipher_decrypt(&c, &iv, b, 8, &next) == 0);
		CHECK_MEM(b, pt + 8 * blk, 8);
	}
	CHECK_MEM(buf, want, 24);
	crypto_cipher_wipe(&c);
}

static void test_padding(void)
{
	uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	struct crypto_cipher c;
	struct crypto_iv iv = {.len = 16}, iv_start, next;
	uint8_t buf[64], copy[64];
	size_t n = 0;

	CHECK(crypto_cipher_init(&c, CRYPTO_CIPHER_AES_CBC, key, 16) == 0);
	for (size_t len = 0; len <= 33; len++) {
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(0x40 + i);
		iv_start = iv;
		size_t want_pad = 16 - len % 16;
		CHECK_EQ_INT(crypto_cipher_pad_len(&c, len), want_pad);
		CHECK(crypto_cipher_encrypt(&c, &iv, buf, len, sizeof(buf), &n) == 0);
		CHECK_EQ_INT(n, len + want_pad);
		memcpy(copy, buf, n);
		CHECK(crypto_cipher_decrypt(&c, &iv_start, copy, n, &next) == 0);
		CHECK_MEM(next.b, iv.b, 16);
		for (size_t i = 0; i < len; i++)
			CHECK(copy[i] == (uint8_t)(0x40 + i));
		/* Zero padding, last byte = number of padding bytes before it (RFC 2409 §5.3). */
		for (size_t i = len; i + 1 < n; i++)
			CHECK(copy[i] == 0);
		CHECK_EQ_INT(copy[n - 1], want_pad - 1);
	}
	/* Buffer too small: nothing touched. */
	memset(buf, 0x5a, sizeof(buf));
	iv_start = iv;
	CHECK_EQ_INT(crypto_cipher_encrypt(&c, &iv, buf, 16, 31, &n), -ENOBUFS);
	CHECK_MEM(iv.b, iv_start.b, 16);
	CHECK(buf[16] == 0x5a && buf[0] == 0x5a);
	CHECK_EQ_INT(crypto_cipher_encrypt(&c, &iv, buf, 40, 32, &n), -ENOBUFS);
	/* Decrypt needs whole blocks. */
	CHECK_EQ_INT(crypto_cipher_decrypt(&c, &iv, buf, 0, &next), -EINVAL);
	CHECK_EQ_INT(crypto_cipher_decrypt(&c, &iv, buf, 17, &next), -EINVAL);
	CHECK(buf[0] == 0x5a);
	/* IV of the wrong size. */
	struct crypto_iv small = {.len = 8};
	CHECK_EQ_INT(crypto_cipher_decrypt(&c, &small, buf, 16, &next), -EINVAL);
	CHECK_EQ_INT(crypto_cipher_encrypt(&c, &small, buf, 16, 64, &n), -EINVAL);
	crypto_cipher_wipe(&c);
}

static void test_params(void)
{
	struct crypto_cipher c;
	uint8_t key[32] = {0};

	CHECK_EQ_INT(crypto_cipher_key_len(CRYPTO_CIPHER_AES_CBC, 128), 16);
	CHECK_EQ_INT(crypto_cipher_key_len(CRYPTO_CIPHER_AES_CBC, 192), 24);
	CHECK_EQ_INT(crypto_cipher_key_len(CRYPTO_CIPHER_AES_CBC, 256), 32);
	CHECK_EQ_INT(crypto_cipher_key_len(CRYPTO_CIPHER_AES_CBC, 0), 0);
	CHECK_EQ_INT(crypto_cipher_key_len(CRYPTO_CIPHER_AES_CBC, 64), 0);
	CHECK_EQ_INT(crypto_cipher_key_len(CRYPTO_CIPHER_3DES_CBC, 0), 24);
	CHECK_EQ_INT(crypto_cipher_key_len(1, 0), 0); /* DES-CBC */
	CHECK_EQ_INT(crypto_cipher_block_len(CRYPTO_CIPHER_3DES_CBC), 8);
	CHECK_EQ_INT(crypto_cipher_block_len(CRYPTO_CIPHER_AES_CBC), 16);
	CHECK_EQ_INT(crypto_cipher_block_len(6), 0);
	CHECK_EQ_INT(crypto_cipher_init(&c, CRYPTO_CIPHER_AES_CBC, key, 20), -EINVAL);
	CHECK_EQ_INT(crypto_cipher_init(&c, CRYPTO_CIPHER_3DES_CBC, key, 16), -EINVAL);
	CHECK_EQ_INT(crypto_cipher_init(&c, (enum crypto_cipher_alg)1, key, 8), -EINVAL);
	/* A weak DES key (all zero parity-adjusted: 0101010101010101) in the first third. */
	memset(key, 0x01, 8);
	for (int i = 8; i < 24; i++)
		key[i] = (uint8_t)(0x10 + i * 7);
	CHECK_EQ_INT(crypto_cipher_init(&c, CRYPTO_CIPHER_3DES_CBC, key, 24), -EKEYREJECTED);
	crypto_cipher_wipe(NULL);
}

int main(void)
{
	test_aes_vectors();
	test_3des_vector();
	test_padding();
	test_params();
	return TEST_END();
}
