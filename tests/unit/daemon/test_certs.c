// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The certificate store (daemon/certs*.c) on a PKI made now by certs_gen.sh with strongSwan's
 * pki (see its header for the certificates): loading the ipsec.d layout, keys from
 * ipsec.secrets (PKCS#1, SEC1, encrypted PKCS#8 made here with GnuTLS), signing and verifying
 * with RSA 2048/3072 and ECDSA P-256/P-384, a chain through an intermediate (as CERT payloads and
 * PKCS#7), expired, not yet valid, revoked (CRL file and CRL CERT payload), wrong CA, keyUsage
 * without digitalSignature (a certificate made here with GnuTLS), every ID
 * type, ID mismatch, wildcard RDNs, the --check-config checker (key/cert mismatch, no key,
 * unreadable), list-certs, CR DNs and reload. Usage: test_certs certs_gen.sh
 */
#include <errno.h>
#include <gnutls/pkcs7.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/certs.h"
#include "daemon/config_int.h"
#include "daemon/secrets.h"
#include "tests/unit/daemon/cfgtest.h"

static char dir[64];

static void file_path(char *out, size_t cap, const char *rel)
{
	snprintf(out, cap, "%s/%s", dir, rel);
}

/* The bytes of a file of the test PKI (DER; PEM files are decoded) into buf. */
static size_t der_of(const char *rel, uint8_t *buf, size_t cap)
{
	char p[256];
	file_path(p, sizeof(p), rel);
	FILE *f = fopen(p, "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;
	if (f)
		fclose(f);
	if (!n)
		fprintf(stderr, "cannot read %s\n", p);
	return n;
}

static struct dmn_certs *store(bool keys)
{
	struct dmn_certs *s = NULL;
	struct dmn_diags d = {0};
	CHECK_EQ_INT(dmn_certs_new(dir, &s), 0);
	CHECK(dmn_certs_load_dirs(s, &d) >= 8);
	CHECK_EQ_INT(d.n_warnings, 0);
	if (keys) {
		const char *text = ": RSA rsa2048.der\n"
				   ": RSA rsa3072.der\n"
				   ": ECDSA ec256.der\n"
				   "@ec384.example.org : ECDSA ec384.der\n";
		struct dmn_secrets *sec = NULL;
		CHECK_EQ_INT(
			dmn_secrets_parse_buffer("t.secrets", text, strlen(text), NULL, &d, &sec),
			0);
		CHECK_EQ_INT(dmn_certs_load_secrets(s, sec, &d), 4);
		CHECK_EQ_INT(d.n_errors, 0);
		dmn_secrets_free(sec);
	}
	dmn_diags_free(&d);
	return s;
}

struct peer {
	struct dmn_cert_blob certs[4];
	size_t n;
	uint8_t buf[4][4096];
};

static void peer_add(struct peer *p, enum dmn_cert_encoding enc, const char *rel)
{
	size_t n = der_of(rel, p->buf[p->n], sizeof(p->buf[0]));
	p->certs[p->n] = (struct dmn_cert_blob){enc, p->buf[p->n], n};
	p->n++;
}

/* Signs a HASH_I-sized value with own certificate name, then verifies it as the peer would. */
static enum dmn_cert_verdict sign_verify(struct dmn_certs *s, const char *own,
					 enum crypto_sig_alg alg, uint8_t id_type, const void *id,
					 size_t id_len, struct dmn_cert_status *st)
{
	uint8_t hash[32], sig[CRYPTO_SIG_MAX_LEN];
	size_t len = 0;
	struct dmn_cert_status ost;
	const struct dmn_cert *c = dmn_certs_own(s, own, &ost);
	if (!CHECK(c != NULL))
		return DMN_CERT__MAX;
	memset(hash, 0x5a, sizeof(hash));
	CHECK_EQ_INT(dmn_certs_sign(s, c, alg, hash, sizeof(hash), sig, sizeof(sig), &len), 0);
	const uint8_t *der;
	size_t der_len;
	dmn_cert_der(c, &der, &der_len);
	struct dmn_cert_blob b = {DMN_CERT_ENC_X509_SIG, der, der_len};
	struct dmn_peer_auth a = {.certs = &b,
				  .n_certs = 1,
				  .id_type = id_type,
				  .id = id,
				  .id_len = id_len,
				  .alg = alg,
				  .data = hash,
				  .data_len = sizeof(hash),
				  .sig = sig,
				  .sig_len = len};
	dmn_certs_verify_peer(s, &a, st, NULL);
	return st->verdict;
}

static void test_sign_verify(void)
{
	struct dmn_certs *s = store(true);
	struct dmn_cert_status st;
	const uint8_t v4[4] = {192, 0, 2, 1};
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
	v6[15] = 1;

	/* RSA 2048 with each ID type its certificate carries */
	CHECK_EQ_INT(sign_verify(s, "rsa2048.der", CRYPTO_SIG_RSA, DMN_CERT_ID_FQDN,
				 "gw2048.example.org", 18, &st),
		     DMN_CERT_OK);
	CHECK(strstr(st.text, "trusted through 'C=CH, O=Example, CN=Root CA'"));
	CHECK_EQ_INT(
		sign_verify(s, "rsa2048.der", CRYPTO_SIG_RSA, DMN_CERT_ID_IPV4_ADDR, v4, 4, &st),
		DMN_CERT_OK);
	CHECK_EQ_INT(
		sign_verify(s, "rsa2048.der", CRYPTO_SIG_RSA, DMN_CERT_ID_IPV6_ADDR, v6, 16, &st),
		DMN_CERT_OK);
	CHECK_EQ_INT(sign_verify(s, "rsa2048.der", CRYPTO_SIG_RSA, DMN_CERT_ID_USER_FQDN,
				 "alice@example.org", 17, &st),
		     DMN_CERT_OK);
	/* leftid=%fromcert: our ID_DER_ASN1_DN is the subject's DER */
	const struct dmn_cert *c = dmn_certs_own(s, "rsa2048.der", NULL);
	const uint8_t *dn;
	size_t dn_len;
	dmn_cert_subject_der(c, &dn, &dn_len);
	CHECK(!strcmp(dmn_cert_subject(c), "C=CH, O=Example, CN=gw-rsa2048"));
	CHECK_EQ_INT(sign_verify(s, "rsa2048.der", CRYPTO_SIG_RSA, DMN_CERT_ID_DER_ASN1_DN, dn,
				 dn_len, &st),
		     DMN_CERT_OK);
	/* ID mismatch names both */
	CHECK_EQ_INT(sign_verify(s, "rsa2048.der", CRYPTO_SIG_RSA, DMN_CERT_ID_FQDN,
				 "other.example.org", 17, &st),
		     DMN_CERT_ID_MISMATCH);
	CHECK(strstr(st.text, "@other.example.org") && strstr(st.text, "CN=gw-rsa2048") &&
	      strstr(st.text, "gw2048.example.org"));
	/* a NUL inside the peer's ID never matches the name before it */
	CHECK_EQ_INT(sign_verify(s, "rsa2048.der", CRYPTO_SIG_RSA, DMN_CERT_ID_FQDN,
				 "gw2048.example.org\0.evil", 23, &st),
		     DMN_CERT_ID_MISMATCH);
	const uint8_t v4b[4] = {192, 0, 2, 2};
	CHECK_EQ_INT(
		sign_verify(s, "rsa2048.der", CRYPTO_SIG_RSA, DMN_CERT_ID_IPV4_ADDR, v4b, 4, &st),
		DMN_CERT_ID_MISMATCH);
	/* RSA 3072, ECDSA P-384 (PEM) */
	CHECK_EQ_INT(sign_verify(s, "rsa3072.der", CRYPTO_SIG_RSA, DMN_CERT_ID_FQDN,
				 "gw3072.example.org", 18, &st),
		     DMN_CERT_OK);
	CHECK_EQ_INT(sign_verify(s, "ec384.pem", CRYPTO_SIG_ECDSA_P384, DMN_CERT_ID_FQDN,
				 "ec384.example.org", 17, &st),
		     DMN_CERT_OK);
	/* the method must fit the key */
	uint8_t sig[CRYPTO_SIG_MAX_LEN] = {0};
	size_t len;
	CHECK_EQ_INT(dmn_certs_sign(s, c, CRYPTO_SIG_ECDSA_P256, sig, 20, sig, sizeof(sig), &len),
		     -EKEYREJECTED);
	CHECK_EQ_INT(dmn_certs_sign(s, dmn_certs_own(s, "expired.der", NULL), CRYPTO_SIG_ECDSA_P256,
				    sig, 20, sig, sizeof(sig), &len),
		     -ENOKEY);
	CHECK_EQ_INT(dmn_cert_sig_alg(dmn_certs_own(s, "ec384.pem", NULL)), CRYPTO_SIG_ECDSA_P384);
	dmn_certs_free(s);
}

/* An ECDSA P-256 signature through the intermediate, and a bad signature. */
static void test_chain(void)
{
	struct dmn_certs *s = store(true);
	struct dmn_cert_status st;
	const struct dmn_cert *c = dmn_certs_own(s, "ec256.der", NULL), *ret = NULL;
	uint8_t hash[20] = {1, 2, 3}, sig[CRYPTO_SIG_MAX_LEN];
	size_t len = 0;
	if (!CHECK(c != NULL))
		return;
	CHECK_EQ_INT(dmn_certs_sign(s, c, CRYPTO_SIG_ECDSA_P256, hash, sizeof(hash), sig,
				    sizeof(sig), &len),
		     0);
	CHECK_EQ_INT(len, 64);
	struct peer p = {0};
	peer_add(&p, DMN_CERT_ENC_X509_SIG, "certs/ec256.der");
	peer_add(&p, DMN_CERT_ENC_X509_SIG, "inter.der");
	struct dmn_peer_auth a = {.certs = p.certs,
				  .n_certs = 2,
				  .id_type = DMN_CERT_ID_FQDN,
				  .id = (const uint8_t *)"ec256.example.org",
				  .id_len = 17,
				  .alg = CRYPTO_SIG_ECDSA_P256,
				  .data = hash,
				  .data_len = sizeof(hash),
				  .sig = sig,
				  .sig_len = len};
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, &ret), 0);
	CHECK(strstr(st.text, "signature verified"));
	CHECK(ret && !strcmp(dmn_cert_subject(ret), "C=CH, O=Example, OU=VPN, CN=gw-ec256"));
	/* rightca= must be in the chain */
	a.expect_ca = "C=CH, O=Example, CN=Intermediate CA";
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), 0);
	a.expect_ca = "C=CH, O=Example, CN=Other CA";
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), -EACCES);
	CHECK_EQ_INT(st.verdict, DMN_CERT_UNTRUSTED);
	a.expect_ca = NULL;
	/* the wrong method, a flipped bit */
	a.alg = CRYPTO_SIG_ECDSA_P384;
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), -EACCES);
	CHECK_EQ_INT(st.verdict, DMN_CERT_WRONG_KEY_TYPE);
	a.alg = CRYPTO_SIG_ECDSA_P256;
	sig[5] ^= 1;
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), -EACCES);
	CHECK_EQ_INT(st.verdict, DMN_CERT_BAD_SIGNATURE);
	sig[5] ^= 1;
	/* without the intermediate the chain ends at it */
	a.n_certs = 1;
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), -EACCES);
	CHECK_EQ_INT(st.verdict, DMN_CERT_UNTRUSTED);
	CHECK(strstr(st.text, "ends at 'C=CH, O=Example, CN=Intermediate CA'"));
	/* no certificate received: certs/ has one with the peer's ID, but not its intermediate */
	a.n_certs = 0;
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), -EACCES);
	CHECK_EQ_INT(st.verdict, DMN_CERT_UNTRUSTED);
	a.id = (const uint8_t *)"nobody.example.org";
	a.id_len = 18;
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), -EACCES);
	CHECK_EQ_INT(st.verdict, DMN_CERT_NO_CERT);
	CHECK(strstr(st.text, "@nobody.example.org"));
	dmn_certs_free(s);
}

/* The same chain as one PKCS#7 CERT payload (made here with GnuTLS). */
static void test_pkcs7(void)
{
	struct dmn_certs *s = store(false);
	struct dmn_cert_status st;
	gnutls_pkcs7_t p7;
	gnutls_datum_t out = {NULL, 0};
	uint8_t b1[4096], b2[4096];
	gnutls_datum_t d1 = {b1, (unsigned)der_of("certs/ec256.der", b1, sizeof(b1))};
	gnutls_datum_t d2 = {b2, (unsigned)der_of("inter.der", b2, sizeof(b2))};
	CHECK_EQ_INT(gnutls_pkcs7_init(&p7), 0);
	CHECK_EQ_INT(gnutls_pkcs7_set_crt_raw(p7, &d2), 0);
	CHECK_EQ_INT(gnutls_pkcs7_set_crt_raw(p7, &d1), 0);
	CHECK_EQ_INT(gnutls_pkcs7_export2(p7, GNUTLS_X509_FMT_DER, &out), 0);
	struct dmn_cert_blob b = {DMN_CERT_ENC_PKCS7, out.data, out.size};
	struct dmn_peer_auth a = {.certs = &b,
				  .n_certs = 1,
				  .id_type = DMN_CERT_ID_FQDN,
				  .id = (const uint8_t *)"ec256.example.org",
				  .id_len = 17,
				  .alg = CRYPTO_SIG_ECDSA_P256};
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), 0);
	out.data[out.size / 2] ^= 0xff; /* a broken PKCS#7 is malformed, not trusted */
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), -EACCES);
	CHECK(st.verdict == DMN_CERT_MALFORMED || st.verdict == DMN_CERT_UNTRUSTED);
	gnutls_free(out.data);
	gnutls_pkcs7_deinit(p7);
	dmn_certs_free(s);
}

static enum dmn_cert_verdict verify_file(struct dmn_certs *s, const char *rel, const char *fqdn,
					 struct dmn_cert_status *st)
{
	struct peer p = {0};
	peer_add(&p, DMN_CERT_ENC_X509_SIG, rel);
	struct dmn_peer_auth a = {.certs = p.certs,
				  .n_certs = 1,
				  .id_type = DMN_CERT_ID_FQDN,
				  .id = (const uint8_t *)fqdn,
				  .id_len = strlen(fqdn)};
	dmn_certs_verify_peer(s, &a, st, NULL);
	return st->verdict;
}

static void test_negative(void)
{
	struct dmn_certs *s = store(false);
	struct dmn_cert_status st;
	CHECK_EQ_INT(verify_file(s, "certs/expired.der", "x", &st), DMN_CERT_EXPIRED);
	CHECK(strstr(st.text, "CN=expired") &&
	      strstr(st.text, "expired on 2021-01-01 00:00:00 UTC"));
	CHECK_EQ_INT(verify_file(s, "certs/future.der", "x", &st), DMN_CERT_NOT_YET_VALID);
	CHECK(strstr(st.text, "not valid before 2045-01-01 00:00:00 UTC"));
	CHECK_EQ_INT(verify_file(s, "certs/revoked.der", "x", &st), DMN_CERT_REVOKED);
	CHECK(strstr(st.text, "CN=revoked") && strstr(st.text, "crls/root.crl"));
	CHECK_EQ_INT(verify_file(s, "wrongca.der", "wrong.example.org", &st), DMN_CERT_UNTRUSTED);
	CHECK(strstr(st.text, "untrusted CA") && strstr(st.text, "C=CH, O=Other, CN=Other Root"));
	/* the caller's clock: in 2020 the certificate was valid, but its CA (made today) was not */
	struct peer p = {0};
	peer_add(&p, DMN_CERT_ENC_X509_SIG, "certs/expired.der");
	struct dmn_peer_auth a = {.certs = p.certs, .n_certs = 1, .now = 1593561600 /* 2020-07 */};
	dmn_certs_verify_peer(s, &a, &st, NULL);
	CHECK_EQ_INT(st.verdict, DMN_CERT_NOT_YET_VALID);
	CHECK(strstr(st.text, "'C=CH, O=Example, CN=Root CA' is not valid before"));
	dmn_certs_free(s);

	/* a CRL as a CERT payload (type 7), in a store that has no CRL file */
	char crl[256], moved[256];
	file_path(crl, sizeof(crl), "crls/root.crl");
	file_path(moved, sizeof(moved), "root.crl");
	CHECK_EQ_INT(rename(crl, moved), 0);
	s = store(false);
	CHECK_EQ_INT(verify_file(s, "certs/revoked.der", "x", &st), DMN_CERT_ID_MISMATCH);
	struct peer q = {0};
	peer_add(&q, DMN_CERT_ENC_CRL, "root.crl");
	peer_add(&q, DMN_CERT_ENC_X509_SIG, "certs/revoked.der");
	a = (struct dmn_peer_auth){.certs = q.certs, .n_certs = 2};
	dmn_certs_verify_peer(s, &a, &st, NULL);
	CHECK_EQ_INT(st.verdict, DMN_CERT_REVOKED);
	CHECK(strstr(st.text, "peer's CERT payload"));
	dmn_certs_free(s);
	CHECK_EQ_INT(rename(moved, crl), 0);
}

/* A certificate made here with GnuTLS, signed by the root CA, with the given keyUsage. */
static size_t make_ku_cert(unsigned usage, uint8_t *out, size_t cap)
{
	uint8_t raw[4096], craw[4096];
	gnutls_datum_t kd = {raw, (unsigned)der_of("private/root.der", raw, sizeof(raw))};
	gnutls_datum_t cd = {craw, (unsigned)der_of("cacerts/root.der", craw, sizeof(craw))};
	gnutls_x509_privkey_t ca_key, key;
	gnutls_x509_crt_t ca, crt;
	gnutls_datum_t der = {NULL, 0};
	const uint8_t serial[] = {0x42};
	time_t now = time(NULL);
	size_t n = 0;
	gnutls_x509_privkey_init(&ca_key);
	gnutls_x509_privkey_init(&key);
	gnutls_x509_crt_init(&ca);
	gnutls_x509_crt_init(&crt);
	if (CHECK(gnutls_x509_privkey_import(ca_key, &kd, GNUTLS_X509_FMT_DER) == 0 &&
		  gnutls_x509_crt_import(ca, &cd, GNUTLS_X509_FMT_DER) == 0 &&
		  gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					       GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
					       0) == 0 &&
		  gnutls_x509_crt_set_version(crt, 3) == 0 &&
		  gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) == 0 &&
		  gnutls_x509_crt_set_dn(crt, "CN=ku,O=Example,C=CH", NULL) == 0 &&
		  gnutls_x509_crt_set_activation_time(crt, now - 3600) == 0 &&
		  gnutls_x509_crt_set_expiration_time(crt, now + 86400) == 0 &&
		  gnutls_x509_crt_set_key(crt, key) == 0 &&
		  gnutls_x509_crt_set_key_usage(crt, usage) == 0 &&
		  gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "ku.example.org",
						       14, GNUTLS_FSAN_SET) == 0 &&
		  gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0) == 0 &&
		  gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) == 0 &&
		  der.size <= cap)) {
		memcpy(out, der.data, der.size);
		n = der.size;
	}
	gnutls_free(der.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_privkey_deinit(key);
	gnutls_x509_privkey_deinit(ca_key);
	return n;
}

/* keyUsage: an end entity that may only encipher cannot authenticate; digitalSignature can. */
static void test_key_usage(void)
{
	struct dmn_certs *s = store(false);
	struct dmn_cert_status st;
	uint8_t der[4096];
	for (int i = 0; i < 2; i++) {
		unsigned usage = i ? GNUTLS_KEY_DIGITAL_SIGNATURE : GNUTLS_KEY_KEY_ENCIPHERMENT;
		struct dmn_cert_blob b = {DMN_CERT_ENC_X509_SIG, der,
					  make_ku_cert(usage, der, sizeof(der))};
		struct dmn_peer_auth a = {.certs = &b,
					  .n_certs = 1,
					  .id_type = DMN_CERT_ID_FQDN,
					  .id = (const uint8_t *)"ku.example.org",
					  .id_len = 14};
		dmn_certs_verify_peer(s, &a, &st, NULL);
		CHECK_EQ_INT(st.verdict, i ? DMN_CERT_OK : DMN_CERT_KEY_USAGE);
		if (!i)
			CHECK(strstr(st.text, "'C=CH, O=Example, CN=ku' may not sign"));
	}
	dmn_certs_free(s);
}

static void test_dn(void)
{
	struct dmn_certs *s = store(false);
	const struct dmn_cert *c = dmn_certs_own(s, "rsa2048.der", NULL);
	const struct dmn_cert *e = dmn_certs_own(s, "ec256.der", NULL);
	const uint8_t *dn, *edn;
	size_t len, elen;
	char text[DMN_DN_TEXT_MAX];
	if (!CHECK(c && e))
		return;
	dmn_cert_subject_der(c, &dn, &len);
	dmn_cert_subject_der(e, &edn, &elen);
	CHECK(dmn_dn_match("C=CH, O=Example, CN=*", dn, len));
	CHECK(dmn_dn_match("C=CH, O=Example, CN=gw-rsa2048", dn, len));
	CHECK(dmn_dn_match("c=ch,o=EXAMPLE,cn=GW-RSA2048", dn, len));
	CHECK(dmn_dn_match("/C=CH/O=Example/CN=gw-rsa2048", dn, len));
	CHECK(dmn_dn_match("C=*, O=*, CN=*", dn, len));
	CHECK(!dmn_dn_match("C=CH, O=Other, CN=*", dn, len));
	CHECK(!dmn_dn_match("C=CH, CN=*", dn, len));		  /* an RDN missing */
	CHECK(!dmn_dn_match("C=CH, O=Example, CN=*", edn, elen)); /* OU=VPN too */
	CHECK(dmn_dn_match("C=CH, O=Example, OU=*, CN=*", edn, elen));
	CHECK(!dmn_dn_match("O=Example, C=CH, CN=gw-rsa2048", dn, len)); /* order counts */
	CHECK(!dmn_dn_match("C=CH, O=Example, CN=gw-rsa*", dn, len));	 /* '*' is a whole value */
	CHECK(!dmn_dn_match("X=CH", dn, len));
	CHECK_EQ_INT(dmn_dn_to_text(edn, elen, text, sizeof(text)), 0);
	CHECK(!strcmp(text, "C=CH, O=Example, OU=VPN, CN=gw-ec256"));
	CHECK_EQ_INT(dmn_dn_to_text(edn, elen, text, 10), -ENOBUFS);
	CHECK_EQ_INT(dmn_dn_to_text(edn, elen - 1, text, sizeof(text)), -EINVAL);

	/* rightid= as configured: the binary DN ID against text with wildcards, FQDN, address */
	struct dmn_id want;
	struct dmn_peer_auth a = {.id_type = DMN_CERT_ID_DER_ASN1_DN,
				  .id = dn,
				  .id_len = len,
				  .expect_id = &want,
				  .expect_cert = "rsa2048.der"};
	struct dmn_cert_status st;
	CHECK_EQ_INT(dmn_cfg_parse_id("C=CH, O=Example, CN=*", &want), 0);
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), 0);
	CHECK_EQ_INT(dmn_cfg_parse_id("C=CH, O=Example, CN=gw-other", &want), 0);
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), -EACCES);
	CHECK_EQ_INT(st.verdict, DMN_CERT_ID_MISMATCH);
	CHECK(strstr(st.text, "rightid='C=CH, O=Example, CN=gw-other'") &&
	      strstr(st.text, "'C=CH, O=Example, CN=gw-rsa2048'"));
	CHECK_EQ_INT(dmn_cfg_parse_id("@gw2048.example.org", &want), 0);
	CHECK(dmn_cert_matches_cfg_id(c, &want));
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), -EACCES); /* the peer sent a DN */
	a.id_type = DMN_CERT_ID_FQDN, a.id = (const uint8_t *)"GW2048.example.org", a.id_len = 18;
	CHECK_EQ_INT(dmn_certs_verify_peer(s, &a, &st, NULL), 0);
	CHECK_EQ_INT(dmn_cfg_parse_id("192.0.2.1", &want), 0);
	CHECK(dmn_cert_matches_cfg_id(c, &want));
	CHECK(dmn_certs_own_by_id(s, &want) == NULL); /* no key loaded */
	CHECK_EQ_INT(dmn_cfg_parse_id("alice@example.org", &want), 0);
	CHECK(dmn_cert_matches_cfg_id(c, &want) && !dmn_cert_matches_cfg_id(e, &want));
	dmn_certs_free(s);
}

/* An encrypted PKCS#8 copy of the RSA 3072 key (made with GnuTLS) and wrong passphrases. */
static void test_encrypted_key(void)
{
	uint8_t raw[4096];
	gnutls_datum_t in = {raw, (unsigned)der_of("private/rsa3072.der", raw, sizeof(raw))}, out;
	gnutls_x509_privkey_t k;
	char p[256];
	CHECK_EQ_INT(gnutls_x509_privkey_init(&k), 0);
	CHECK_EQ_INT(gnutls_x509_privkey_import(k, &in, GNUTLS_X509_FMT_DER), 0);
	CHECK_EQ_INT(gnutls_x509_privkey_export2_pkcs8(k, GNUTLS_X509_FMT_PEM, "pass phrase",
						       GNUTLS_PKCS_PBES2_AES_256, &out),
		     0);
	gnutls_x509_privkey_deinit(k);
	file_path(p, sizeof(p), "private/enc.pem");
	FILE *f = fopen(p, "w");
	CHECK(f && fwrite(out.data, 1, out.size, f) == out.size);
	if (f)
		fclose(f);
	gnutls_free(out.data);

	struct dmn_certs *s = store(false);
	struct dmn_cert_status st;
	const struct dmn_cert *c = dmn_certs_own(s, "rsa3072.der", NULL);
	CHECK_EQ_INT(dmn_certs_load_key_file(s, "enc.pem", NULL, &st), -EINVAL);
	CHECK(strstr(st.text, "encrypted and no passphrase"));
	CHECK_EQ_INT(dmn_certs_load_key_file(s, "enc.pem", "wrong", &st), -EINVAL);
	CHECK(strstr(st.text, "wrong passphrase") && !strstr(st.text, "pass phrase"));
	CHECK(!dmn_cert_has_key(s, c));
	const char *text = "@gw3072.example.org : RSA enc.pem \"pass phrase\"\n";
	struct dmn_secrets *sec = NULL;
	struct dmn_diags d = {0};
	CHECK_EQ_INT(dmn_secrets_parse_buffer("t.secrets", text, strlen(text), NULL, &d, &sec), 0);
	CHECK_EQ_INT(dmn_certs_load_secrets(s, sec, &d), 1);
	CHECK(dmn_cert_has_key(s, c));
	uint8_t sig[CRYPTO_SIG_MAX_LEN] = {0};
	size_t len = 0;
	CHECK_EQ_INT(dmn_certs_sign(s, c, CRYPTO_SIG_RSA, sig, 20, sig, sizeof(sig), &len), 0);
	CHECK_EQ_INT(len, 384);
	dmn_secrets_free(sec);
	dmn_diags_free(&d);
	dmn_certs_free(s);
}

static bool has_diag(const struct dmn_diags *d, unsigned line, const char *what)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].line == line && strstr(d->v[i].msg, what))
			return true;
	return false;
}

/* The --check-config checker: file:line and the reason. */
static void test_check(void)
{
	struct dmn_certs *s = store(false);
	struct dmn_diags d = {0};
	struct dmn_cert_status st;
	CHECK_EQ_INT(dmn_certs_check(s, "rsa2048.der", true, "ipsec.conf", 10, &d), 1);
	CHECK(has_diag(&d, 10, "no private key for 'C=CH, O=Example, CN=gw-rsa2048'"));
	CHECK_EQ_INT(dmn_certs_load_key_file(s, "rsa3072.der", NULL, &st), 0);
	CHECK_EQ_INT(dmn_certs_check(s, "rsa2048.der", true, "ipsec.conf", 11, &d), 1);
	CHECK(has_diag(&d, 11, "key/cert mismatch"));
	CHECK_EQ_INT(dmn_certs_check(s, "rsa3072.der", true, "ipsec.conf", 12, &d), 0);
	CHECK_EQ_INT(dmn_certs_check(s, "expired.der", false, "ipsec.conf", 13, &d), 1);
	CHECK(has_diag(&d, 13, "expired on 2021-01-01"));
	CHECK_EQ_INT(dmn_certs_check(s, "revoked.der", false, "ipsec.conf", 14, &d), 1);
	CHECK(has_diag(&d, 14, "revoked"));
	CHECK_EQ_INT(dmn_certs_check(s, "../wrongca.der", false, "ipsec.conf", 15, &d), 1);
	CHECK(has_diag(&d, 15, "untrusted CA"));
	CHECK_EQ_INT(dmn_certs_check(s, "missing.der", false, "ipsec.conf", 16, &d), 1);
	CHECK(has_diag(&d, 16, "unreadable") && has_diag(&d, 16, "certs/missing.der"));
	CHECK_EQ_INT(dmn_certs_load_key_file(s, "../cacerts/root.der", NULL, &st), -EINVAL);
	CHECK_EQ_INT(d.n_errors, 6);
	dmn_diags_free(&d);
	dmn_certs_free(s);
}

struct listing {
	unsigned n, ca, keys;
	bool rsa2048, ec256, root;
};

static int list_one(const struct dmn_cert_info *i, void *ctx)
{
	struct listing *l = ctx;
	l->n++;
	l->ca += i->ca;
	l->keys += i->has_key;
	if (!strcmp(i->subject, "C=CH, O=Example, CN=gw-rsa2048"))
		l->rsa2048 = !strcmp(i->key, "RSA 2048") && strstr(i->altnames, "192.0.2.1") &&
			     strstr(i->altnames, "gw2048.example.org") &&
			     i->not_after > i->not_before &&
			     !strcmp(i->issuer, "C=CH, O=Example, CN=Root CA") && i->serial[0];
	if (strstr(i->subject, "CN=gw-ec256"))
		l->ec256 = !strcmp(i->key, "ECDSA P-256");
	if (!strcmp(i->subject, "C=CH, O=Example, CN=Root CA"))
		l->root = i->ca && i->dir == DMN_CERT_DIR_CACERTS && !strcmp(i->key, "RSA 3072");
	return 0;
}

static void test_list_cr_reload(void)
{
	struct dmn_certs *s = store(true);
	struct listing l = {0};
	size_t keys, crls;
	CHECK_EQ_INT(dmn_certs_count(s, &keys, &crls), 8);
	CHECK_EQ_INT(keys, 4);
	CHECK_EQ_INT(crls, 1);
	CHECK_EQ_INT(dmn_certs_foreach(s, list_one, &l), 0);
	CHECK_EQ_INT(l.n, 8);
	CHECK_EQ_INT(l.ca, 1);
	CHECK_EQ_INT(l.keys, 4);
	CHECK(l.rsa2048 && l.ec256 && l.root);

	/* CR: our CA's DN; the peer's CR picks our certificate under it */
	struct dmn_cert_blob cas[4];
	CHECK_EQ_INT(dmn_certs_ca_dns(s, cas, 4), 1);
	const struct dmn_cert *own = dmn_certs_own_by_ca(s, cas[0].data, cas[0].len);
	CHECK(own && dmn_cert_has_key(s, own));
	uint8_t other[1024];
	size_t on = der_of("otherca.der", other, sizeof(other));
	struct dmn_cert_status st;
	const struct dmn_cert *oc = NULL;
	CHECK_EQ_INT(dmn_certs_load_cert_mem(s, other, on, false, "test", &oc, &st), 0);
	const uint8_t *odn;
	size_t odn_len;
	dmn_cert_subject_der(oc, &odn, &odn_len);
	CHECK(dmn_certs_own_by_ca(s, odn, odn_len) == NULL);
	/* the intermediate, once known, is sent along with ec256 and found by a CR naming it */
	uint8_t inter[2048];
	size_t in = der_of("inter.der", inter, sizeof(inter));
	const struct dmn_cert *ic = NULL, *chain[4];
	CHECK_EQ_INT(dmn_certs_load_cert_mem(s, inter, in, true, "test", &ic, &st), 0);
	CHECK_EQ_INT(dmn_certs_intermediates(s, dmn_certs_own(s, "ec256.der", NULL), chain, 4), 1);
	CHECK(chain[0] == ic);
	dmn_cert_subject_der(ic, &odn, &odn_len);
	own = dmn_certs_own_by_ca(s, odn, odn_len);
	CHECK(own && strstr(dmn_cert_subject(own), "gw-ec256"));
	struct dmn_id id;
	CHECK_EQ_INT(dmn_cfg_parse_id("@ec384.example.org", &id), 0);
	own = dmn_certs_own_by_id(s, &id);
	CHECK(own && strstr(dmn_cert_subject(own), "gw-ec384"));

	/* reload: a removed file goes, a new one comes, run-time loads stay */
	char a[256], b[256];
	bool changed = false;
	file_path(a, sizeof(a), "certs/future.der");
	file_path(b, sizeof(b), "future.der");
	CHECK_EQ_INT(rename(a, b), 0);
	struct dmn_diags d = {0};
	CHECK(dmn_certs_reload(s, &d, &changed) >= 7);
	CHECK(changed);
	CHECK_EQ_INT(dmn_certs_count(s, &keys, &crls), 9); /* 8 - future + other + inter */
	CHECK_EQ_INT(keys, 4);
	CHECK_EQ_INT(crls, 1);
	CHECK_EQ_INT(rename(b, a), 0);
	CHECK(dmn_certs_reload(s, &d, &changed) >= 8 && changed);
	CHECK_EQ_INT(dmn_certs_count(s, NULL, NULL), 10);
	CHECK(dmn_certs_reload(s, &d, &changed) >= 8 && !changed);
	dmn_diags_free(&d);
	dmn_certs_free(s);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	snprintf(dir, sizeof(dir), "/tmp/oakley-certs.XXXXXX");
	if (!mkdtemp(dir))
		return 2;
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", argv[1], dir);
	int rc = system(cmd);
	if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77)
		exit(77);
	if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
		fprintf(stderr, "certs_gen.sh failed (%d)\n", rc);
		return 1;
	}
	test_sign_verify();
	test_chain();
	test_pkcs7();
	test_negative();
	test_key_usage();
	test_dn();
	test_encrypted_key();
	test_check();
	test_list_cr_reload();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return TEST_END();
}
