// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Our side of the certificate store: finding our certificate (by leftcert=, by ID, by a peer's
 * CR), what we send (the certificate, its intermediates, our CAs' DNs for CR payloads), signing
 * HASH_I/HASH_R with the private key (exported into crypto/sig.h numbers only for the one
 * operation and wiped), and what list-certs shows.
 */
#include "daemon/certs_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct dmn_cert *dmn_certs_own(struct dmn_certs *s, const char *name,
				     struct dmn_cert_status *st)
{
	char path[DMN_PATH_MAX];
	const struct dmn_cert *c = NULL;
	if (dmn_certs_path(s, DMN_CERT_DIR_CERTS, name, path, sizeof(path)) < 0) {
		dmn_certs_status(st, DMN_CERT_UNREADABLE, "%s: path too long", name);
		return NULL;
	}
	for (size_t i = 0; i < s->n_certs; i++)
		if (!strcmp(s->certs[i]->file, path)) {
			dmn_certs_status(st, DMN_CERT_OK, "%s: '%s'", path, s->certs[i]->subject);
			return s->certs[i];
		}
	if (dmn_certs_load_cert_file(s, name, false, &c, st) < 0)
		return NULL;
	return c;
}

const struct dmn_cert *dmn_certs_own_by_id(const struct dmn_certs *s, const struct dmn_id *id)
{
	if (!id || id->type == DMN_ID_ANY || id->type == DMN_ID_DEFAULT)
		return NULL;
	for (size_t i = 0; i < s->n_certs; i++)
		if (!s->certs[i]->ca && dmn_cert_has_key(s, s->certs[i]) &&
		    dmn_cert_matches_cfg_id(s->certs[i], id))
			return s->certs[i];
	return NULL;
}

/* The store's certificate that issued c (not c itself), or NULL. */
static const struct dmn_cert *issuer_of(const struct dmn_certs *s, const struct dmn_cert *c)
{
	if (c->self_signed)
		return NULL;
	for (size_t i = 0; i < s->n_certs; i++)
		if (s->certs[i] != c && s->certs[i]->ca &&
		    gnutls_x509_crt_check_issuer(c->crt, s->certs[i]->crt))
			return s->certs[i];
	return NULL;
}

const struct dmn_cert *dmn_certs_own_by_ca(const struct dmn_certs *s, const uint8_t *ca_dn,
					   size_t ca_dn_len)
{
	for (size_t i = 0; i < s->n_certs; i++) {
		const struct dmn_cert *c = s->certs[i], *up = c;
		if (c->ca || !dmn_cert_has_key(s, c))
			continue;
		for (unsigned depth = 0; up && depth < DMN_CERT_CHAIN_MAX; depth++) {
			gnutls_datum_t issuer = {NULL, 0};
			bool match = gnutls_x509_crt_get_raw_issuer_dn(up->crt, &issuer) == 0 &&
				     dmn_certs_dn_equal(issuer.data, issuer.size, ca_dn, ca_dn_len);
			gnutls_free(issuer.data);
			if (match)
				return c;
			up = issuer_of(s, up);
		}
	}
	return NULL;
}

void dmn_cert_der(const struct dmn_cert *c, const uint8_t **ret, size_t *ret_len)
{
	*ret = c->der.data;
	*ret_len = c->der.size;
}

void dmn_cert_subject_der(const struct dmn_cert *c, const uint8_t **ret, size_t *ret_len)
{
	*ret = c->subject_der.data;
	*ret_len = c->subject_der.size;
}

const char *dmn_cert_subject(const struct dmn_cert *c)
{
	return c->subject;
}

/* The method a public key algorithm and curve sign with, or -EINVAL. */
static int alg_of(int pk, gnutls_ecc_curve_t curve)
{
	if (pk == GNUTLS_PK_RSA)
		return CRYPTO_SIG_RSA;
	if (pk != GNUTLS_PK_ECDSA)
		return -EINVAL;
	switch (curve) {
	case GNUTLS_ECC_CURVE_SECP256R1:
		return CRYPTO_SIG_ECDSA_P256;
	case GNUTLS_ECC_CURVE_SECP384R1:
		return CRYPTO_SIG_ECDSA_P384;
	case GNUTLS_ECC_CURVE_SECP521R1:
		return CRYPTO_SIG_ECDSA_P521;
	default:
		return -EINVAL;
	}
}

int dmn_cert_sig_alg(const struct dmn_cert *c)
{
	unsigned bits = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(c->crt, &bits);
	gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
	if (pk == GNUTLS_PK_ECDSA) {
		gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
		if (gnutls_x509_crt_get_pk_ecc_raw(c->crt, &curve, &x, &y) < 0)
			curve = GNUTLS_ECC_CURVE_INVALID;
		gnutls_free(x.data);
		gnutls_free(y.data);
	}
	return alg_of(pk, curve);
}

size_t dmn_certs_intermediates(const struct dmn_certs *s, const struct dmn_cert *c,
			       const struct dmn_cert **out, size_t cap)
{
	size_t n = 0;
	const struct dmn_cert *up = issuer_of(s, c);
	while (up && !up->self_signed && n < cap) {
		out[n++] = up;
		up = issuer_of(s, up);
	}
	return n;
}

size_t dmn_certs_ca_dns(const struct dmn_certs *s, struct dmn_cert_blob *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_certs; i++) {
		const struct dmn_cert *c = s->certs[i];
		if (c->dir != DMN_CERT_DIR_CACERTS || !c->ca)
			continue;
		if (n < cap)
			out[n] = (struct dmn_cert_blob){DMN_CERT_ENC_X509_SIG, c->subject_der.data,
							c->subject_der.size};
		n++;
	}
	return n;
}

static void rnd(void *ctx, size_t len, uint8_t *dst)
{
	(void)ctx;
	if (gnutls_rnd(GNUTLS_RND_KEY, dst, len) < 0)
		abort(); /* never sign with predictable blinding or nonces */
}

#define SIG_NUMS 8

static void datums_wipe(gnutls_datum_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i].data) {
			explicit_bzero(d[i].data, d[i].size);
			gnutls_free(d[i].data);
			d[i].data = NULL;
		}
}

static struct crypto_sig_num num(const gnutls_datum_t *d)
{
	return (struct crypto_sig_num){d->data, d->size};
}

int dmn_certs_sign(const struct dmn_certs *s, const struct dmn_cert *c, enum crypto_sig_alg alg,
		   const uint8_t *data, size_t len, uint8_t *sig, size_t cap, size_t *ret_len)
{
	int idx = dmn_certs_key_index(s, c);
	if (idx < 0)
		return -ENOKEY;
	gnutls_x509_privkey_t k = s->keys[idx].key;
	gnutls_datum_t d[SIG_NUMS] = {0};
	gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
	struct crypto_sig_key key = {.alg = alg};
	int pk = gnutls_x509_privkey_get_pk_algorithm(k), r;

	if (pk == GNUTLS_PK_RSA) {
		/* m, e, d, p, q, u (= q^-1 mod p, PKCS#1's coefficient), e1, e2 */
		r = gnutls_x509_privkey_export_rsa_raw2(k, &d[0], &d[1], &d[2], &d[3], &d[4], &d[5],
							&d[6], &d[7]);
		key.n = num(&d[0]), key.e = num(&d[1]), key.p = num(&d[3]), key.q = num(&d[4]);
		key.qinv = num(&d[5]), key.dp = num(&d[6]), key.dq = num(&d[7]);
	} else {
		r = gnutls_x509_privkey_export_ecc_raw(k, &curve, &d[0], &d[1], &d[2]);
		key.x = num(&d[0]), key.y = num(&d[1]), key.priv = num(&d[2]);
		key.prehashed = true; /* HASH_I/HASH_R signed as is (crypto/sig.h) */
	}
	if (r < 0) {
		r = -EIO;
	} else if (alg_of(pk, curve) != (int)alg) {
		r = -EKEYREJECTED;
	} else {
		r = crypto_sig_sign(&key, data, len, rnd, NULL, sig, cap, ret_len);
		if (r == -EINVAL)
			r = -EIO;
	}
	datums_wipe(d, SIG_NUMS);
	explicit_bzero(&key, sizeof(key));
	return r;
}

/* The key as "RSA 3072" or "ECDSA P-256". */
static void key_text(const struct dmn_cert *c, char *out, size_t cap)
{
	unsigned bits = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(c->crt, &bits);
	int alg = dmn_cert_sig_alg(c);
	if (pk == GNUTLS_PK_RSA)
		snprintf(out, cap, "RSA %u", bits);
	else if (alg > 0)
		snprintf(out, cap, "ECDSA P-%s",
			 alg == CRYPTO_SIG_ECDSA_P256	? "256"
			 : alg == CRYPTO_SIG_ECDSA_P384 ? "384"
							: "521");
	else
		snprintf(out, cap, "%s", gnutls_pk_get_name(pk) ? gnutls_pk_get_name(pk) : "?");
}

static void cert_info(const struct dmn_certs *s, const struct dmn_cert *c,
		      struct dmn_cert_info *info)
{
	gnutls_datum_t issuer = {NULL, 0};
	uint8_t serial[40];
	size_t sl = sizeof(serial), n = 0;
	memset(info, 0, sizeof(*info));
	info->file = c->file;
	snprintf(info->subject, sizeof(info->subject), "%s", c->subject);
	if (gnutls_x509_crt_get_raw_issuer_dn(c->crt, &issuer) < 0 ||
	    dmn_dn_to_text(issuer.data, issuer.size, info->issuer, sizeof(info->issuer)) < 0)
		snprintf(info->issuer, sizeof(info->issuer), "(unprintable DN)");
	gnutls_free(issuer.data);
	if (gnutls_x509_crt_get_serial(c->crt, serial, &sl) == 0)
		for (size_t i = 0; i < sl && n + 4 < sizeof(info->serial); i++)
			n += (size_t)snprintf(info->serial + n, sizeof(info->serial) - n, "%s%02x",
					      i ? ":" : "", serial[i]);
	key_text(c, info->key, sizeof(info->key));
	dmn_certs_altnames_text(c, info->altnames, sizeof(info->altnames));
	info->not_before = gnutls_x509_crt_get_activation_time(c->crt);
	info->not_after = gnutls_x509_crt_get_expiration_time(c->crt);
	info->dir = c->dir;
	info->ca = c->ca;
	info->has_key = dmn_cert_has_key(s, c);
	info->cert = c;
}

int dmn_certs_foreach(const struct dmn_certs *s,
		      int (*fn)(const struct dmn_cert_info *info, void *ctx), void *ctx)
{
	struct dmn_cert_info info;
	for (size_t i = 0; i < s->n_certs; i++) {
		cert_info(s, s->certs[i], &info);
		int r = fn(&info, ctx);
		if (r)
			return r;
	}
	return 0;
}

size_t dmn_certs_count(const struct dmn_certs *s, size_t *ret_keys, size_t *ret_crls)
{
	if (ret_keys)
		*ret_keys = s->n_keys;
	if (ret_crls)
		*ret_crls = s->n_crls;
	return s->n_certs;
}
