// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto/sig.c against published vectors and round trips.
 *
 * RSA: PKCS#1 v1.5 signature Example 1.2 of RSA Laboratories' pkcs1v15sign-vectors.txt (the
 * 1024-bit key of Example 1; the CRT parts are the key's published primes and exponents). IKEv1
 * signs raw bytes, so the test signs the vector's DigestInfo (SHA-1 of the message) itself and
 * must produce the published signature byte for byte (PKCS#1 v1.5 is deterministic).
 * ECDSA: RFC 4754 §8.1 (P-256), §8.2 (P-384), §8.3 (P-521), message "abc", with the published
 * ephemeral k fed through the random callback, so signing must produce the published r|s.
 */
#include "crypto/sig.h"

#include <errno.h>
#include <sys/random.h>

#include <nettle/rsa.h>
#include <nettle/sha2.h>

#include "tests/testutil.h"

struct rsa_vec {
	const char *n, *e, *p, *q, *dp, *dq, *qinv, *data, *sig;
};

static const struct rsa_vec rsa_ex12 = {
	.n = "a56e4a0e701017589a5187dc7ea841d156f2ec0e36ad52a44dfeb1e61f7ad991d8c51056ffedb162b4c0"
	     "f283a12a88a394dff526ab7291cbb307ceabfce0b1dfd5cd9508096d5b2b8b6df5d671ef6377c0921cb2"
	     "3c270a70e2598e6ff89d19f105acc2d3f0cb35f29280e1386b6f64c4ef22e1e1f20d0ce8cffb2249bd9a"
	     "2137",
	.e = "010001",
	.p = "e7e8942720a877517273a356053ea2a1bc0c94aa72d55c6e86296b2dfc967948c0a72cbccca7eacb3570"
	     "6e09a1df55a1535bd9b3cc34160b3b6dcd3eda8e6443",
	.q = "b69dca1cf7d4d7ec81e75b90fcca874abcde123fd2700180aa90479b6e48de8d67ed24f9f19d85ba2758"
	     "74f542cd20dc723e6963364a1f9425452b269a6799fd",
	.dp = "28fa13938655be1f8a159cbaca5a72ea190c30089e19cd274a556f36c4f6e19f554b34c077790427bb"
	      "dd8dd3ede2448328f385d81b30e8e43b2fffa027861979",
	.dq = "1a8b38f398fa712049898d7fb79ee0a77668791299cdfa09efc0e507acb21ed74301ef5bfd48be455e"
	      "aeb6e1678255827580a8e4e8e14151d1510a82a3f2e729",
	.qinv = "27156aba4126d24a81f3a528cbfb27f56886f840a9f6e86e17a44b94fe9319584b8e22fdde1e5a2e3b"
		"d8aa5ba8d8584194eb2190acf832b847f13a3d24a79f4d",
	/* DigestInfo(SHA-1) || SHA-1(message of Example 1.2) */
	.data = "3021300906052b0e03021a05000414e35befc17a1d160b9ce35fbd8eb16e7ee491d3fd",
	.sig = "84fd2ce734ec1da828d0f15bf49a8707c15d05948136de537a3db421384167c86fae022587ee9e137d"
	       "aee754738262932d271c744c6d3a189ad4311bdb020492e322fbddc40406ea860d4e8ea2a4084aa98b9"
	       "622a446756fdb740ddb3d91db7670e211661bbf8709b11c08a70771422d1a12def29f0688a192aebd89"
	       "e0f896f8",
};

struct ec_vec {
	enum crypto_sig_alg alg;
	const char *w, *gwx, *gwy, *k, *r, *s;
};

static const struct ec_vec ec_vecs[] = {
	{CRYPTO_SIG_ECDSA_P256, /* RFC 4754 §8.1 */
	 "dc51d3866a15bacde33d96f992fca99da7e6ef0934e7097559c27f1614c88a7f",
	 "2442a5cc0ecd015fa3ca31dc8e2bbc70bf42d60cbca20085e0822cb04235e970",
	 "6fc98bd7e50211a4a27102fa3549df79ebcb4bf246b80945cddfe7d509bbfd7d",
	 "9e56f509196784d963d1c0a401510ee7ada3dcc5dee04b154bf61af1d5a6dece",
	 "cb28e0999b9c7715fd0a80d8e47a77079716cbbf917dd72e97566ea1c066957c",
	 "86fa3bb4e26cad5bf90b7f81899256ce7594bb1ea0c89212748bff3b3d5b0315"},
	{CRYPTO_SIG_ECDSA_P384, /* RFC 4754 §8.2 */
	 "0beb646634ba87735d77ae4809a0ebea865535de4c1e1dcb692e84708e81a5af62e528c38b2a81b35309668d"
	 "73524d9f",
	 "96281bf8dd5e0525ca049c048d345d3082968d10fedf5c5aca0c64e6465a97ea5ce10c9dfec21797415710"
	 "721f437922",
	 "447688ba94708eb6e2e4d59f6ab6d7edff9301d249fe49c33096655f5d502fad3d383b91c5e7edaa2b714c"
	 "c99d5743ca",
	 "b4b74e44d71a13d568003d7489908d564c7761e229c58cbfa18950096eb7463b854d7fa992f934d9273762"
	 "85e63414fa",
	 "fb017b914e29149432d8bac29a514640b46f53ddab2c69948084e2930f1c8f7e08e07c9c63f2d21a07dcb5"
	 "6a6af56eb3",
	 "b263a1305e057f984d38726a1b46874109f417bca112674c528262a40a629af1cbb9f516ce0fa7d2ff6308"
	 "63a00e8b9f"},
	{CRYPTO_SIG_ECDSA_P521, /* RFC 4754 §8.3 */
	 "0065fda3409451dcab0a0ead45495112a3d813c17bfd34bdf8c1209d7df5849120597779060a7ff9d704ad"
	 "f78b570ffad6f062e95c7e0c5d5481c5b153b48b375fa1",
	 "0151518f1af0f563517edd5485190df95a4bf57b5cba4cf2a9a3f6474725a35f7afe0a6ddeb8bedbcd6a19"
	 "7e592d40188901cecd650699c9b5e456aea5add19052a8",
	 "006f3b142ea1bfff7e2837ad44c9e4ff6d2d34c73184bbad90026dd5e6e85317d9df45cad7803c6c20035b"
	 "2f3ff63aff4e1ba64d1c077577da3f4286c58f0aeae643",
	 "00c1c2b305419f5a41344d7e4359933d734096f556197a9b244342b8b62f46f9373778f9de6b6497b1ef82"
	 "5ff24f42f9b4a4bd7382cfc3378a540b1b7f0c1b956c2f",
	 "0154fd3836af92d0dca57dd5341d3053988534fde8318fc6aaaab68e2e6f4339b19f2f281a7e0b22c269d9"
	 "3cf8794a9278880ed7dbb8d9362caeacee544320552251",
	 "017705a7030290d1ceb605a9a1bb03ff9cdd521e87a696ec926c8c10c8362df4975367101f67d1cf9bccbf"
	 "2f3d239534fa509e70aac851ae01aac68d62f866472660"},
};

/* A pool of hex-decoded numbers the keys point into. */
static uint8_t pool[16384];
static size_t pool_used;

static struct crypto_sig_num num(const char *hex)
{
	int n = test_unhex(hex, pool + pool_used, sizeof(pool) - pool_used);
	if (n < 0) {
		fprintf(stderr, "bad hex %.20s\n", hex);
		exit(2);
	}
	struct crypto_sig_num r = {pool + pool_used, (size_t)n};
	pool_used += (size_t)n;
	return r;
}

static void sys_random(void *ctx, size_t len, uint8_t *dst)
{
	(void)ctx;
	while (len) {
		ssize_t r = getrandom(dst, len, 0);
		if (r <= 0)
			exit(2);
		dst += r;
		len -= (size_t)r;
	}
}

/* Returns the fixed bytes of ctx (the vector's k) as the "random" nonce. */
struct fixed {
	struct crypto_sig_num k;
	unsigned calls;
};

static void fixed_random(void *ctx, size_t len, uint8_t *dst)
{
	struct fixed *f = ctx;
	f->calls++;
	memset(dst, 0, len);
	if (f->k.len <= len)
		memcpy(dst + len - f->k.len, f->k.p, f->k.len);
}

static void test_rsa_vector(void)
{
	const struct rsa_vec *v = &rsa_ex12;
	struct crypto_sig_key key = {.alg = CRYPTO_SIG_RSA,
				     .n = num(v->n),
				     .e = num(v->e),
				     .p = num(v->p),
				     .q = num(v->q),
				     .dp = num(v->dp),
				     .dq = num(v->dq),
				     .qinv = num(v->qinv)};
	struct crypto_sig_num data = num(v->data), want = num(v->sig);
	uint8_t sig[CRYPTO_SIG_MAX_LEN];
	size_t len = 0;

	CHECK_EQ_INT(crypto_sig_len(&key), 128);
	CHECK_EQ_INT(
		crypto_sig_sign(&key, data.p, data.len, sys_random, NULL, sig, sizeof(sig), &len),
		0);
	CHECK_EQ_INT(len, 128);
	CHECK(len == want.len && CHECK_MEM(sig, want.p, want.len));
	CHECK_EQ_INT(crypto_sig_verify(&key, data.p, data.len, want.p, want.len), 0);
	/* a flipped bit in the signature or the data, a truncated or overlong signature */
	sig[77] ^= 0x10;
	CHECK_EQ_INT(crypto_sig_verify(&key, data.p, data.len, sig, len), -EBADMSG);
	sig[77] ^= 0x10;
	uint8_t d2[64];
	memcpy(d2, data.p, data.len);
	d2[data.len - 1] ^= 1;
	CHECK_EQ_INT(crypto_sig_verify(&key, d2, data.len, sig, len), -EBADMSG);
	CHECK_EQ_INT(crypto_sig_verify(&key, data.p, data.len - 1, sig, len), -EBADMSG);
	CHECK_EQ_INT(crypto_sig_verify(&key, data.p, data.len, sig, 129), -EBADMSG);
	CHECK_EQ_INT(crypto_sig_verify(&key, data.p, data.len, sig, 0), -EBADMSG);
	/* the padding needs 11 bytes: 118 bytes fit a 1024-bit key, 118 + 1 do not */
	uint8_t big[128] = {0};
	CHECK_EQ_INT(crypto_sig_sign(&key, big, 117, sys_random, NULL, sig, sizeof(sig), &len), 0);
	CHECK_EQ_INT(crypto_sig_sign(&key, big, 118, sys_random, NULL, sig, sizeof(sig), &len),
		     -EINVAL);
	CHECK_EQ_INT(crypto_sig_sign(&key, data.p, data.len, sys_random, NULL, sig, 127, &len),
		     -ENOBUFS);
	/* parts that do not fit together: the _tr check refuses to hand out the result */
	struct crypto_sig_key bad = key;
	bad.qinv = key.dp;
	CHECK_EQ_INT(
		crypto_sig_sign(&bad, data.p, data.len, sys_random, NULL, sig, sizeof(sig), &len),
		-EKEYREJECTED);
	/* a modulus below 1024 bits is refused */
	bad = key;
	bad.n.p++;
	bad.n.len--;
	CHECK_EQ_INT(crypto_sig_verify(&bad, data.p, data.len, want.p, want.len), -EINVAL);
}

/* A 2048-bit key made by Nettle now: sign and verify IKE-sized data both ways. */
static void test_rsa_round_trip(void)
{
	struct rsa_public_key pub;
	struct rsa_private_key priv;
	rsa_public_key_init(&pub);
	rsa_private_key_init(&priv);
	mpz_set_ui(pub.e, 65537);
	if (!CHECK(rsa_generate_keypair(&pub, &priv, NULL, sys_random, NULL, NULL, 2048, 0)))
		return;
	uint8_t *buf = pool + pool_used;
	size_t off = 0;
	mpz_t *nums[] = {&pub.n, &pub.e, &priv.p, &priv.q, &priv.a, &priv.b, &priv.c};
	struct crypto_sig_num out[7];
	for (size_t i = 0; i < 7; i++) {
		size_t cnt = 0;
		mpz_export(buf + off, &cnt, 1, 1, 0, 0, *nums[i]);
		out[i] = (struct crypto_sig_num){buf + off, cnt};
		off += cnt;
	}
	struct crypto_sig_key key = {.alg = CRYPTO_SIG_RSA,
				     .n = out[0],
				     .e = out[1],
				     .p = out[2],
				     .q = out[3],
				     .dp = out[4],
				     .dq = out[5],
				     .qinv = out[6]};
	uint8_t hash[32], sig[CRYPTO_SIG_MAX_LEN];
	size_t len = 0;
	sys_random(NULL, sizeof(hash), hash);
	CHECK_EQ_INT(
		crypto_sig_sign(&key, hash, sizeof(hash), sys_random, NULL, sig, sizeof(sig), &len),
		0);
	CHECK_EQ_INT(len, 256);
	CHECK_EQ_INT(crypto_sig_verify(&key, hash, sizeof(hash), sig, len), 0);
	hash[0] ^= 1;
	CHECK_EQ_INT(crypto_sig_verify(&key, hash, sizeof(hash), sig, len), -EBADMSG);
	rsa_public_key_clear(&pub);
	rsa_private_key_clear(&priv);
}

/* The hash an ECDSA method names, as crypto/sig.c computes it when not prehashed. */
static void hash_of(enum crypto_sig_alg alg, const uint8_t *d, size_t n, uint8_t *out)
{
	if (alg == CRYPTO_SIG_ECDSA_P256) {
		struct sha256_ctx c;
		sha256_init(&c);
		sha256_update(&c, n, d);
		sha256_digest(&c, SHA256_DIGEST_SIZE, out);
	} else if (alg == CRYPTO_SIG_ECDSA_P384) {
		struct sha384_ctx c;
		sha384_init(&c);
		sha384_update(&c, n, d);
		sha384_digest(&c, SHA384_DIGEST_SIZE, out);
	} else {
		struct sha512_ctx c;
		sha512_init(&c);
		sha512_update(&c, n, d);
		sha512_digest(&c, SHA512_DIGEST_SIZE, out);
	}
}

static void test_ec_vector(const struct ec_vec *v)
{
	struct crypto_sig_key key = {
		.alg = v->alg, .x = num(v->gwx), .y = num(v->gwy), .priv = num(v->w)};
	struct crypto_sig_num r = num(v->r), s = num(v->s);
	size_t fl = crypto_sig_ec_field_len(v->alg);
	uint8_t want[CRYPTO_SIG_MAX_LEN], sig[CRYPTO_SIG_MAX_LEN];
	size_t len = 0;
	const uint8_t abc[] = "abc";

	CHECK_EQ_INT(r.len, fl);
	CHECK_EQ_INT(crypto_sig_len(&key), 2 * fl);
	memcpy(want, r.p, fl);
	memcpy(want + fl, s.p, fl);
	CHECK_EQ_INT(crypto_sig_verify(&key, abc, 3, want, 2 * fl), 0);

	/* the published nonce gives the published signature */
	struct fixed f = {.k = num(v->k)};
	CHECK_EQ_INT(crypto_sig_sign(&key, abc, 3, fixed_random, &f, sig, sizeof(sig), &len), 0);
	CHECK_EQ_INT(len, 2 * fl);
	CHECK_MEM(sig, want, 2 * fl);

	/* wrong r, wrong s, wrong data, wrong length */
	want[1] ^= 4;
	CHECK_EQ_INT(crypto_sig_verify(&key, abc, 3, want, 2 * fl), -EBADMSG);
	want[1] ^= 4;
	want[2 * fl - 1] ^= 4;
	CHECK_EQ_INT(crypto_sig_verify(&key, abc, 3, want, 2 * fl), -EBADMSG);
	want[2 * fl - 1] ^= 4;
	CHECK_EQ_INT(crypto_sig_verify(&key, (const uint8_t *)"abd", 3, want, 2 * fl), -EBADMSG);
	CHECK_EQ_INT(crypto_sig_verify(&key, abc, 3, want, 2 * fl - 1), -EBADMSG);
	/* r = s = 0 is out of range */
	memset(sig, 0, 2 * fl);
	CHECK_EQ_INT(crypto_sig_verify(&key, abc, 3, sig, 2 * fl), -EBADMSG);

	/* prehashed (IKEv1's HASH_I signed as is): the method's hash of "abc" given as the data
	 * gives the published signature with the published nonce, and verifies as such */
	uint8_t digest[64];
	size_t hl = crypto_sig_hash_len(v->alg);
	hash_of(v->alg, abc, 3, digest);
	key.prehashed = true;
	memcpy(want + fl, s.p, fl);
	struct fixed f2 = {.k = num(v->k)};
	CHECK_EQ_INT(crypto_sig_sign(&key, digest, hl, fixed_random, &f2, sig, sizeof(sig), &len),
		     0);
	CHECK_MEM(sig, want, 2 * fl);
	CHECK_EQ_INT(crypto_sig_verify(&key, digest, hl, want, 2 * fl), 0);
	CHECK_EQ_INT(crypto_sig_verify(&key, abc, 3, want, 2 * fl), -EBADMSG);

	/* round trip with fresh nonces: two signatures differ, both verify */
	uint8_t sig2[CRYPTO_SIG_MAX_LEN], h[48];
	size_t len2 = 0;
	sys_random(NULL, sizeof(h), h);
	CHECK_EQ_INT(crypto_sig_sign(&key, h, sizeof(h), sys_random, NULL, sig, sizeof(sig), &len),
		     0);
	CHECK_EQ_INT(
		crypto_sig_sign(&key, h, sizeof(h), sys_random, NULL, sig2, sizeof(sig2), &len2),
		0);
	CHECK(len == len2 && memcmp(sig, sig2, len) != 0);
	CHECK_EQ_INT(crypto_sig_verify(&key, h, sizeof(h), sig, len), 0);
	CHECK_EQ_INT(crypto_sig_verify(&key, h, sizeof(h), sig2, len2), 0);
	CHECK_EQ_INT(crypto_sig_sign(&key, h, sizeof(h), sys_random, NULL, sig, 2 * fl - 1, &len),
		     -ENOBUFS);

	/* a point off the curve, a private key that is not the point's */
	struct crypto_sig_key bad = key;
	uint8_t y[80];
	memcpy(y, key.y.p, key.y.len);
	y[key.y.len - 1] ^= 1;
	bad.y.p = y;
	CHECK_EQ_INT(crypto_sig_verify(&bad, abc, 3, want, 2 * fl), -EINVAL);
	bad = key;
	uint8_t w[80];
	memcpy(w, key.priv.p, key.priv.len);
	w[key.priv.len - 1] ^= 1;
	bad.priv.p = w;
	CHECK_EQ_INT(crypto_sig_sign(&bad, h, sizeof(h), sys_random, NULL, sig, sizeof(sig), &len),
		     -EKEYREJECTED);
}

int main(void)
{
	CHECK(!strcmp(crypto_sig_alg_name(CRYPTO_SIG_ECDSA_P384), "ECDSA-P384"));
	CHECK_EQ_INT(crypto_sig_hash_len(CRYPTO_SIG_ECDSA_P521), 64);
	CHECK_EQ_INT(crypto_sig_hash_len(CRYPTO_SIG_RSA), 0);
	test_rsa_vector();
	test_rsa_round_trip();
	for (size_t i = 0; i < sizeof(ec_vecs) / sizeof(ec_vecs[0]); i++)
		test_ec_vector(&ec_vecs[i]);
	/* an unknown method */
	struct crypto_sig_key none = {.alg = CRYPTO_SIG__MAX};
	CHECK_EQ_INT(crypto_sig_verify(&none, (const uint8_t *)"x", 1, (const uint8_t *)"x", 1),
		     -EINVAL);
	return TEST_END();
}
