// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Proposal strings (daemon/config_algs.c), table-driven, in both dialects: strongSwan
 * ipsec.conf(5) "ike=aes128-sha256-modp2048!" and Libreswan "ike=aes128-sha2;dh14". Expected
 * numbers are the IANA values of proto/consts.h (RFC 2409 App. A, RFC 2407 §4.4.4 / §4.5,
 * RFC 3526, RFC 5903).
 */
#include "daemon/config.h"

#include <string.h>

#include "proto/consts.h"
#include "tests/testutil.h"

struct ike_case {
	const char *s;
	bool allow_weak;
	int r;
	size_t n; /* 0: do not check the count */
	bool strict;
	struct dmn_ike_proposal first;
	const char *err; /* substring of the error */
};

#define P(e, b, h, g)                                                                              \
	{                                                                                          \
		e, b, h, 0, g                                                                      \
	}
#define AES IKE_ENCR_AES_CBC

static const struct ike_case ike_cases[] = {
	/* strongSwan spellings */
	{"aes128-sha256-modp2048!", 0, 0, 1, 1, P(AES, 128, IKE_HASH_SHA2_256, 14), NULL},
	{"aes256-sha1-ecp256!", 0, 0, 1, 1, P(AES, 256, IKE_HASH_SHA1, 19), NULL},
	{"aes192-sha384-ecp384!", 0, 0, 1, 1, P(AES, 192, IKE_HASH_SHA2_384, 20), NULL},
	{"aes256-sha512-modp4096!", 0, 0, 1, 1, P(AES, 256, IKE_HASH_SHA2_512, 16), NULL},
	{"aes128-sha256-curve25519!", 0, 0, 1, 1, P(AES, 128, IKE_HASH_SHA2_256, 31), NULL},
	{"camellia256-sha256-modp3072!", 0, 0, 1, 1,
	 P(IKE_ENCR_CAMELLIA_CBC, 256, IKE_HASH_SHA2_256, 15), NULL},
	{"3des-sha1-modp2048!", 0, 0, 1, 1, P(IKE_ENCR_3DES_CBC, 0, IKE_HASH_SHA1, 14), NULL},
	{"aes128-aes256-sha256-modp2048!", 0, 0, 2, 1, P(AES, 128, IKE_HASH_SHA2_256, 14), NULL},
	{"aes128-sha256-modp2048,aes256-sha1-modp4096!", 0, 0, 2, 1,
	 P(AES, 128, IKE_HASH_SHA2_256, 14), NULL},
	{"aes128-sha256-prfsha256-modp2048!", 0, 0, 1, 1, P(AES, 128, IKE_HASH_SHA2_256, 14), NULL},
	{"AES128-SHA256-MODP2048!", 0, 0, 1, 1, P(AES, 128, IKE_HASH_SHA2_256, 14), NULL},
	/* no '!': oakley's defaults appended after the configured one */
	{"aes128-sha256-modp3072", 0, 0, 7, 0, P(AES, 128, IKE_HASH_SHA2_256, 15), NULL},
	/* Libreswan spellings */
	{"aes128-sha2;dh14", 0, 0, 0, 0, P(AES, 128, IKE_HASH_SHA2_256, 14), NULL},
	{"aes128-sha2_256;modp2048", 0, 0, 0, 0, P(AES, 128, IKE_HASH_SHA2_256, 14), NULL},
	{"aes_cbc_256-sha2_512;dh21!", 0, 0, 1, 1, P(AES, 256, IKE_HASH_SHA2_512, 21), NULL},
	{"aes-256-sha1;modp2048!", 0, 0, 1, 1, P(AES, 256, IKE_HASH_SHA1, 14), NULL},
	{"aes128+aes256-sha2;dh14!", 0, 0, 2, 1, P(AES, 128, IKE_HASH_SHA2_256, 14), NULL},
	{"aes256-sha2;dh19+dh20!", 0, 0, 2, 1, P(AES, 256, IKE_HASH_SHA2_256, 19), NULL},
	/* defaults for missing parts: hash sha256+sha1, group modp2048 */
	{"aes128!", 0, 0, 2, 1, P(AES, 128, IKE_HASH_SHA2_256, 14), NULL},
	{"aes256-sha1!", 0, 0, 1, 1, P(AES, 256, IKE_HASH_SHA1, 14), NULL},
	/* weak: refused, then accepted with the opt-in */
	{"3des-sha1;modp1024", 0, -22, 0, 0, P(0, 0, 0, 0), "allow-weak-crypto=yes"},
	{"3des-sha1;modp1024!", 1, 0, 1, 1, P(IKE_ENCR_3DES_CBC, 0, IKE_HASH_SHA1, 2), NULL},
	{"des-md5-modp768!", 0, -22, 0, 0, P(0, 0, 0, 0), "des is weaker"},
	{"des-md5-modp768!", 1, 0, 1, 1, P(IKE_ENCR_DES_CBC, 0, IKE_HASH_MD5, 1), NULL},
	{"aes128-md5-modp2048!", 0, -22, 0, 0, P(0, 0, 0, 0), "md5"},
	{"aes128-sha1-modp1536!", 0, -22, 0, 0, P(0, 0, 0, 0), "modp1536"},
	{"aes128-sha1-dh2!", 0, -22, 0, 0, P(0, 0, 0, 0), "modp1024"},
	{"blowfish-sha256-modp2048!", 0, -22, 0, 0, P(0, 0, 0, 0), "blowfish"},
	/* errors */
	{"", 0, -22, 0, 0, P(0, 0, 0, 0), "empty"},
	{"!", 0, -22, 0, 0, P(0, 0, 0, 0), "empty"},
	{"foo-sha1-modp2048", 0, -22, 0, 0, P(0, 0, 0, 0), "unknown algorithm 'foo'"},
	{"aes100-sha1-modp2048", 0, -22, 0, 0, P(0, 0, 0, 0), "100-bit key"},
	{"aes-100-sha1-modp2048", 0, -22, 0, 0, P(0, 0, 0, 0), "100-bit key"},
	{"aes128gcm16-modp2048", 0, -22, 0, 0, P(0, 0, 0, 0), "not defined for IKEv1"},
	{"aes128-sha256--modp2048", 0, -22, 0, 0, P(0, 0, 0, 0), "empty algorithm"},
	{"aes128-sha256-modp2048,,aes", 0, -22, 0, 0, P(0, 0, 0, 0), "empty proposal"},
	{"aes128-sha256-prfsha1-modp2048", 0, -22, 0, 0, P(0, 0, 0, 0), "must match"},
	{"aes128-sha256-modp2048-esn", 0, -22, 0, 0, P(0, 0, 0, 0), "no meaning"},
	{"3des128-sha1", 0, -22, 0, 0, P(0, 0, 0, 0), "unknown algorithm"},
	{"sha1-modp2048", 0, -22, 0, 0, P(0, 0, 0, 0), "no encryption"},
};

struct esp_case {
	const char *s;
	uint8_t proto;
	bool allow_weak;
	int r;
	size_t n;
	bool strict;
	struct dmn_esp_proposal first;
	const char *err;
};

#define E(t, b, a, g)                                                                              \
	{                                                                                          \
		PROTO_IPSEC_ESP, t, b, a, g, false                                                 \
	}
#define ESP PROTO_IPSEC_ESP
#define AH  PROTO_IPSEC_AH

static const struct esp_case esp_cases[] = {
	{"aes128gcm16-modp2048!", ESP, 0, 0, 1, 1, E(ESP_AES_GCM_16, 128, 0, 14), NULL},
	{"aes256gcm16!", ESP, 0, 0, 1, 1, E(ESP_AES_GCM_16, 256, 0, 0), NULL},
	{"aes128gcm8!", ESP, 0, 0, 1, 1, E(ESP_AES_GCM_8, 128, 0, 0), NULL},
	{"aes256gcm128!", ESP, 0, 0, 1, 1, E(ESP_AES_GCM_16, 256, 0, 0), NULL},
	{"aes128ccm12!", ESP, 0, 0, 1, 1, E(ESP_AES_CCM_12, 128, 0, 0), NULL},
	{"aes128ctr-sha256!", ESP, 0, 0, 1, 1, E(ESP_AES_CTR, 128, AUTH_HMAC_SHA2_256, 0), NULL},
	{"aes128-sha256!", ESP, 0, 0, 1, 1, E(ESP_AES_CBC, 128, AUTH_HMAC_SHA2_256, 0), NULL},
	{"aes256-sha1-modp2048!", ESP, 0, 0, 1, 1, E(ESP_AES_CBC, 256, AUTH_HMAC_SHA1, 14), NULL},
	{"aes256-sha384-ecp384!", ESP, 0, 0, 1, 1, E(ESP_AES_CBC, 256, AUTH_HMAC_SHA2_384, 20),
	 NULL},
	{"aes256-sha512!", ESP, 0, 0, 1, 1, E(ESP_AES_CBC, 256, AUTH_HMAC_SHA2_512, 0), NULL},
	{"aes128-aesxcbc!", ESP, 0, 0, 1, 1, E(ESP_AES_CBC, 128, AUTH_AES_XCBC_MAC, 0), NULL},
	{"3des-sha1!", ESP, 0, 0, 1, 1, E(ESP_3DES, 0, AUTH_HMAC_SHA1, 0), NULL},
	{"aes128!", ESP, 0, 0, 2, 1, E(ESP_AES_CBC, 128, AUTH_HMAC_SHA2_256, 0), NULL},
	{"aes128-sha256", ESP, 0, 0, 0, 0, E(ESP_AES_CBC, 128, AUTH_HMAC_SHA2_256, 0), NULL},
	/* Libreswan spellings */
	{"aes_gcm128-null", ESP, 0, 0, 0, 0, E(ESP_AES_GCM_16, 128, 0, 0), NULL},
	{"aes_gcm256-null!", ESP, 0, 0, 1, 1, E(ESP_AES_GCM_16, 256, 0, 0), NULL},
	{"aes_gcm_c-256-null!", ESP, 0, 0, 1, 1, E(ESP_AES_GCM_16, 256, 0, 0), NULL},
	{"aes_gcm_a-128-null!", ESP, 0, 0, 1, 1, E(ESP_AES_GCM_8, 128, 0, 0), NULL},
	{"aes_gcm!", ESP, 0, 0, 1, 1, E(ESP_AES_GCM_16, 128, 0, 0), NULL},
	{"aes128-sha2;dh14!", ESP, 0, 0, 1, 1, E(ESP_AES_CBC, 128, AUTH_HMAC_SHA2_256, 14), NULL},
	{"aes128-sha2_256;modp2048!", ESP, 0, 0, 1, 1, E(ESP_AES_CBC, 128, AUTH_HMAC_SHA2_256, 14),
	 NULL},
	{"aes_ctr256-sha2_512!", ESP, 0, 0, 1, 1, E(ESP_AES_CTR, 256, AUTH_HMAC_SHA2_512, 0), NULL},
	{"aes128-sha1-esn!",
	 ESP,
	 0,
	 0,
	 1,
	 1,
	 {ESP, ESP_AES_CBC, 128, AUTH_HMAC_SHA1, 0, true},
	 NULL},
	/* weak */
	{"3des-sha1;modp1024", ESP, 0, -22, 0, 0, E(0, 0, 0, 0), "allow-weak-crypto=yes"},
	{"3des-sha1;modp1024!", ESP, 1, 0, 1, 1, E(ESP_3DES, 0, AUTH_HMAC_SHA1, 2), NULL},
	{"aes128-md5!", ESP, 0, -22, 0, 0, E(0, 0, 0, 0), "md5"},
	{"des-sha1!", ESP, 0, -22, 0, 0, E(0, 0, 0, 0), "des"},
	{"null-sha256!", ESP, 0, -22, 0, 0, E(0, 0, 0, 0), "null"},
	{"null-sha256!", ESP, 1, 0, 1, 1, E(ESP_NULL, 0, AUTH_HMAC_SHA2_256, 0), NULL},
	{"aes128-null!", ESP, 0, -22, 0, 0, E(0, 0, 0, 0), "without integrity"},
	/* errors */
	{"aes128gcm16-sha256!", ESP, 0, -22, 0, 0, E(0, 0, 0, 0), "AEAD"},
	{"aes128gcm16-aes128-sha1!", ESP, 0, -22, 0, 0, E(0, 0, 0, 0), "mixed"},
	{"camellia128-sha256!", ESP, 0, -22, 0, 0, E(0, 0, 0, 0), "not defined for ESP"},
	{"sha256!", ESP, 0, -22, 0, 0, E(0, 0, 0, 0), "no encryption"},
	{"aes128-prfsha256", ESP, 0, -22, 0, 0, E(0, 0, 0, 0), "PRF"},
	{"aes512-sha256", ESP, 0, -22, 0, 0, E(0, 0, 0, 0), "512-bit"},
	/* AH */
	{"sha256!", AH, 0, 0, 1, 1, {AH, AH_SHA2_256, 0, AUTH_HMAC_SHA2_256, 0, false}, NULL},
	{"sha1-modp2048!", AH, 0, 0, 1, 1, {AH, AH_SHA, 0, AUTH_HMAC_SHA1, 14, false}, NULL},
	{"sha2_512", AH, 0, 0, 0, 0, {AH, AH_SHA2_512, 0, AUTH_HMAC_SHA2_512, 0, false}, NULL},
	{"md5!", AH, 0, -22, 0, 0, E(0, 0, 0, 0), "md5"},
	{"aes128-sha1", AH, 0, -22, 0, 0, E(0, 0, 0, 0), "AH has no encryption"},
	{"aesxcbc", AH, 0, -22, 0, 0, E(0, 0, 0, 0), "not defined for AH"},
};

static void test_ike(void)
{
	for (size_t i = 0; i < sizeof(ike_cases) / sizeof(ike_cases[0]); i++) {
		const struct ike_case *c = &ike_cases[i];
		struct dmn_ike_proposals p = {.n = 99};
		char err[200] = "";
		int r = dmn_parse_ike_proposals(c->s, c->allow_weak, &p, err, sizeof(err));
		if (!CHECK_EQ_INT(r, c->r))
			fprintf(stderr, "  ike '%s': %s\n", c->s, err);
		if (r < 0) {
			CHECK_EQ_INT(p.n, 99); /* untouched */
			if (c->err && !CHECK(strstr(err, c->err)))
				fprintf(stderr, "  ike '%s': '%s' lacks '%s'\n", c->s, err, c->err);
			continue;
		}
		if (c->n)
			CHECK_EQ_INT(p.n, c->n);
		CHECK_EQ_INT(p.strict, c->strict);
		CHECK_EQ_INT(p.v[0].encr, c->first.encr);
		CHECK_EQ_INT(p.v[0].key_bits, c->first.key_bits);
		CHECK_EQ_INT(p.v[0].hash, c->first.hash);
		if (!CHECK_EQ_INT(p.v[0].group, c->first.group))
			fprintf(stderr, "  ike '%s'\n", c->s);
	}
}

static void test_esp(void)
{
	for (size_t i = 0; i < sizeof(esp_cases) / sizeof(esp_cases[0]); i++) {
		const struct esp_case *c = &esp_cases[i];
		struct dmn_esp_proposals p = {.n = 99};
		char err[200] = "";
		int r = dmn_parse_esp_proposals(c->s, c->proto, c->allow_weak, &p, err,
						sizeof(err));
		if (!CHECK_EQ_INT(r, c->r))
			fprintf(stderr, "  esp '%s': %s\n", c->s, err);
		if (r < 0) {
			CHECK_EQ_INT(p.n, 99);
			if (c->err && !CHECK(strstr(err, c->err)))
				fprintf(stderr, "  esp '%s': '%s' lacks '%s'\n", c->s, err, c->err);
			continue;
		}
		if (c->n)
			CHECK_EQ_INT(p.n, c->n);
		CHECK_EQ_INT(p.strict, c->strict);
		CHECK_EQ_INT(p.v[0].protocol, c->first.protocol);
		CHECK_EQ_INT(p.v[0].transform, c->first.transform);
		CHECK_EQ_INT(p.v[0].key_bits, c->first.key_bits);
		CHECK_EQ_INT(p.v[0].auth, c->first.auth);
		CHECK_EQ_INT(p.v[0].esn, c->first.esn);
		if (!CHECK_EQ_INT(p.v[0].group, c->first.group))
			fprintf(stderr, "  esp '%s'\n", c->s);
	}
}

/* Both dialects of the same proposal give the same transforms. */
static void test_dialects_equal(void)
{
	static const char *const pairs[][2] = {
		{"aes128-sha256-modp2048!", "aes128-sha2;dh14!"},
		{"aes128-sha256-modp2048!", "aes128-sha2_256;modp2048!"},
		{"aes256-sha1-ecp256!", "aes_cbc_256-sha1;dh19!"},
		{"3des-sha1-modp2048", "3des-sha;dh14"},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct dmn_ike_proposals a, b;
		CHECK_EQ_INT(dmn_parse_ike_proposals(pairs[i][0], false, &a, NULL, 0), 0);
		CHECK_EQ_INT(dmn_parse_ike_proposals(pairs[i][1], false, &b, NULL, 0), 0);
		CHECK_EQ_INT(a.n, b.n);
		CHECK_MEM(a.v, b.v, sizeof(a.v[0]) * a.n);
	}
	struct dmn_esp_proposals x, y;
	CHECK_EQ_INT(dmn_parse_esp_proposals("aes128gcm16!", PROTO_IPSEC_ESP, false, &x, NULL, 0),
		     0);
	CHECK_EQ_INT(
		dmn_parse_esp_proposals("aes_gcm128-null!", PROTO_IPSEC_ESP, false, &y, NULL, 0),
		0);
	CHECK_EQ_INT(x.n, y.n);
	CHECK_MEM(x.v, y.v, sizeof(x.v[0]));
}

static void test_defaults_and_strings(void)
{
	struct dmn_ike_proposals d;
	struct dmn_esp_proposals e;
	char buf[96];
	dmn_default_ike_proposals(&d);
	CHECK_EQ_INT(d.n, 6);
	CHECK_EQ_INT(d.strict, 0);
	dmn_ike_proposal_str(&d.v[0], buf, sizeof(buf));
	CHECK(!strcmp(buf, "aes128-sha256-modp2048"));
	for (size_t i = 0; i < d.n; i++) { /* every default is >= 112-bit */
		CHECK(d.v[i].group >= IKE_GROUP_MODP2048);
		CHECK(d.v[i].hash != IKE_HASH_MD5);
	}
	dmn_default_esp_proposals(PROTO_IPSEC_ESP, &e);
	CHECK_EQ_INT(e.n, 6);
	dmn_esp_proposal_str(&e.v[0], buf, sizeof(buf));
	CHECK(!strcmp(buf, "aes128gcm16-null"));
	dmn_default_esp_proposals(PROTO_IPSEC_AH, &e);
	CHECK_EQ_INT(e.v[0].transform, AH_SHA2_256);
	CHECK_EQ_INT(dmn_parse_esp_proposals("aes256-sha256-modp3072!", PROTO_IPSEC_ESP, false, &e,
					     NULL, 0),
		     0);
	dmn_esp_proposal_str(&e.v[0], buf, sizeof(buf));
	if (!CHECK(!strcmp(buf, "aes256-sha256-modp3072")))
		fprintf(stderr, "  got '%s'\n", buf);
	/* without '!', the appended defaults carry the configured PFS group */
	CHECK_EQ_INT(dmn_parse_esp_proposals("aes256-sha256-modp3072", PROTO_IPSEC_ESP, false, &e,
					     NULL, 0),
		     0);
	CHECK(e.n > 1);
	for (size_t i = 0; i < e.n; i++)
		CHECK_EQ_INT(e.v[i].group, IKE_GROUP_MODP3072);
	/* the cross product is capped */
	char err[200];
	CHECK_EQ_INT(dmn_parse_ike_proposals("aes128+aes192+aes256-sha1+sha256+sha384+sha512-"
					     "modp2048+modp3072+modp4096!",
					     false, &d, err, sizeof(err)),
		     -22);
	CHECK(strstr(err, "more than") != NULL);
}

int main(void)
{
	test_ike();
	test_esp();
	test_dialects_equal();
	test_defaults_and_strings();
	return TEST_END();
}
