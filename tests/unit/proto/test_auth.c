// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's authentication table (proto/ike/ike_auth.c): every method derives SKEYID as
 * RFC 2409 §5 says, checked against HMAC computed here directly with Nettle (not through
 * crypto/prf.c):
 *   pre-shared keys (§5.4):  SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
 *   signatures (§5.1, RFC 4754 for ECDSA): SKEYID = prf(Ni_b | Nr_b, g^xy)
 * for each negotiable hash; the refused and unknown methods derive nothing; each row names the
 * payloads the peer's authenticating message needs.
 */
#include <errno.h>
#include <nettle/hmac.h>
#include <stdio.h>
#include <string.h>

#include "proto/ike/engine_int.h"
#include "tests/testutil.h"

/* HMAC-hash(key, msg) into out; the digest length. */
static size_t hmac(enum crypto_hash h, const uint8_t *key, size_t klen, const uint8_t *msg,
		   size_t mlen, uint8_t *out)
{
	switch (h) {
	case CRYPTO_HASH_MD5: {
		struct hmac_md5_ctx c;
		hmac_md5_set_key(&c, klen, key);
		hmac_md5_update(&c, mlen, msg);
		hmac_md5_digest(&c, MD5_DIGEST_SIZE, out);
		return MD5_DIGEST_SIZE;
	}
	case CRYPTO_HASH_SHA1: {
		struct hmac_sha1_ctx c;
		hmac_sha1_set_key(&c, klen, key);
		hmac_sha1_update(&c, mlen, msg);
		hmac_sha1_digest(&c, SHA1_DIGEST_SIZE, out);
		return SHA1_DIGEST_SIZE;
	}
	case CRYPTO_HASH_SHA2_256: {
		struct hmac_sha256_ctx c;
		hmac_sha256_set_key(&c, klen, key);
		hmac_sha256_update(&c, mlen, msg);
		hmac_sha256_digest(&c, SHA256_DIGEST_SIZE, out);
		return SHA256_DIGEST_SIZE;
	}
	case CRYPTO_HASH_SHA2_384: {
		struct hmac_sha384_ctx c;
		hmac_sha384_set_key(&c, klen, key);
		hmac_sha384_update(&c, mlen, msg);
		hmac_sha384_digest(&c, SHA384_DIGEST_SIZE, out);
		return SHA384_DIGEST_SIZE;
	}
	case CRYPTO_HASH_SHA2_512: {
		struct hmac_sha512_ctx c;
		hmac_sha512_set_key(&c, klen, key);
		hmac_sha512_update(&c, mlen, msg);
		hmac_sha512_digest(&c, SHA512_DIGEST_SIZE, out);
		return SHA512_DIGEST_SIZE;
	}
	}
	return 0;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static const uint16_t sig_methods[] = {IKE_AUTH_RSA_SIG, IKE_AUTH_ECDSA_SHA256,
				       IKE_AUTH_ECDSA_SHA384, IKE_AUTH_ECDSA_SHA512};
static const enum crypto_hash hashes[] = {CRYPTO_HASH_MD5, CRYPTO_HASH_SHA1, CRYPTO_HASH_SHA2_256,
					  CRYPTO_HASH_SHA2_384, CRYPTO_HASH_SHA2_512};

static void check_skeyid(void)
{
	uint8_t ni[32], nr[48], gxy[256], psk[29], nn[80], want[64], got[64];
	fill(ni, sizeof(ni), 1);
	fill(nr, sizeof(nr), 2);
	fill(gxy, sizeof(gxy), 3);
	fill(psk, sizeof(psk), 4);
	memcpy(nn, ni, sizeof(ni));
	memcpy(nn + sizeof(ni), nr, sizeof(nr));
	struct crypto_buf vpsk = {psk, sizeof(psk)}, vni = {ni, sizeof(ni)}, vnr = {nr, sizeof(nr)},
			  vgxy = {gxy, sizeof(gxy)}, none = {NULL, 0};
	for (size_t h = 0; h < sizeof(hashes) / sizeof(hashes[0]); h++) {
		/* PSK: prf(PSK, Ni_b | Nr_b); g^xy plays no part; method 0 is PSK */
		size_t n = hmac(hashes[h], psk, sizeof(psk), nn, sizeof(nn), want);
		for (uint16_t m = 0; m <= IKE_AUTH_PSK; m++) {
			memset(got, 0, sizeof(got));
			CHECK_EQ_INT(proto_ike_auth_skeyid(m, hashes[h], vpsk, vni, vnr, none, got),
				     0);
			CHECK_MEM(got, want, n);
		}
		/* signatures: prf(Ni_b | Nr_b, g^xy); no PSK */
		n = hmac(hashes[h], nn, sizeof(nn), gxy, sizeof(gxy), want);
		for (size_t k = 0; k < sizeof(sig_methods) / sizeof(sig_methods[0]); k++) {
			memset(got, 0, sizeof(got));
			CHECK_EQ_INT(proto_ike_auth_skeyid(sig_methods[k], hashes[h], none, vni,
							   vnr, vgxy, got),
				     0);
			CHECK_MEM(got, want, n);
			/* a PSK given by mistake changes nothing */
			memset(got, 0, sizeof(got));
			CHECK_EQ_INT(proto_ike_auth_skeyid(sig_methods[k], hashes[h], vpsk, vni,
							   vnr, vgxy, got),
				     0);
			CHECK_MEM(got, want, n);
		}
	}
	/* refused and unknown methods: nothing derived, got untouched */
	static const uint16_t refused[] = {IKE_AUTH_DSS_SIG,
					   IKE_AUTH_RSA_ENC,
					   IKE_AUTH_RSA_REV_ENC,
					   6,
					   8,
					   64223,
					   65003,
					   65007};
	for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
		memset(got, 0xaa, sizeof(got));
		CHECK_EQ_INT(proto_ike_auth_skeyid(refused[k], CRYPTO_HASH_SHA2_256, vpsk, vni, vnr,
						   vgxy, got),
			     -EOPNOTSUPP);
		CHECK(got[0] == 0xaa && got[31] == 0xaa);
		CHECK(!proto_ike_auth_usable(refused[k]));
	}
}

/* The rows: what the peer's authenticating message must and may carry, refusal texts. */
static void check_rows(void)
{
	const struct ike_auth_method *psk = proto_ike_auth_get(IKE_AUTH_PSK);
	if (CHECK(psk != NULL)) {
		CHECK(proto_ike_auth_get(0) == psk);
		CHECK(!psk->sig && !psk->refused);
		CHECK(psk->required == PL(ISAKMP_PL_HASH));
		CHECK(psk->allowed == 0); /* no CERT, CR or SIG with a PSK */
	}
	for (size_t k = 0; k < sizeof(sig_methods) / sizeof(sig_methods[0]); k++) {
		const struct ike_auth_method *a = proto_ike_auth_get(sig_methods[k]);
		if (!CHECK(a != NULL))
			continue;
		CHECK_EQ_INT(a->method, sig_methods[k]);
		CHECK(a->sig && !a->refused && proto_ike_auth_usable(a->method));
		CHECK(a->required == PL(ISAKMP_PL_SIG));
		CHECK(a->allowed == (PL(ISAKMP_PL_CERT) | PL(ISAKMP_PL_CR)));
		CHECK(!(a->allowed & PL(ISAKMP_PL_HASH)));
	}
	const struct ike_auth_method *dss = proto_ike_auth_get(IKE_AUTH_DSS_SIG);
	if (CHECK(dss != NULL && dss->refused != NULL))
		CHECK(strstr(dss->refused, "DSS") != NULL);
	const struct ike_auth_method *enc = proto_ike_auth_get(IKE_AUTH_RSA_ENC);
	if (CHECK(enc != NULL && enc->refused != NULL))
		CHECK(strstr(enc->refused, "method 4") != NULL);
	/* XAUTH and hybrid: their base method's SKEYID and payloads, and which role XAUTH
	 * authenticates; the DSS and encryption variants stay unknown */
	static const struct {
		uint16_t m, base;
		uint8_t xauth;
		bool hybrid;
	} xa[] = {
		{IKE_AUTH_XAUTH_INIT_PSK, IKE_AUTH_PSK, IKE_XAUTH_INIT, false},
		{IKE_AUTH_XAUTH_RESP_PSK, IKE_AUTH_PSK, IKE_XAUTH_RESP, false},
		{IKE_AUTH_XAUTH_INIT_RSA, IKE_AUTH_RSA_SIG, IKE_XAUTH_INIT, false},
		{IKE_AUTH_XAUTH_RESP_RSA, IKE_AUTH_RSA_SIG, IKE_XAUTH_RESP, false},
		{IKE_AUTH_HYBRID_INIT_RSA, IKE_AUTH_RSA_SIG, IKE_XAUTH_INIT, true},
		{IKE_AUTH_HYBRID_RESP_RSA, IKE_AUTH_RSA_SIG, IKE_XAUTH_RESP, true},
	};
	for (size_t k = 0; k < sizeof(xa) / sizeof(xa[0]); k++) {
		const struct ike_auth_method *a = proto_ike_auth_get(xa[k].m);
		const struct ike_auth_method *b = proto_ike_auth_get(xa[k].base);
		if (!CHECK(a != NULL && b != NULL))
			continue;
		CHECK(proto_ike_auth_usable(xa[k].m));
		CHECK(a->xauth == xa[k].xauth && a->hybrid == xa[k].hybrid && !b->xauth);
		CHECK(a->sig == b->sig && a->skeyid == b->skeyid && a->required == b->required &&
		      a->allowed == b->allowed);
	}
	CHECK(proto_ike_auth_get(65003) == NULL && proto_ike_auth_get(64223) == NULL);
}

int main(void)
{
	check_skeyid();
	check_rows();
	return TEST_END();
}
