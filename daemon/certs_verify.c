// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Verification in the certificate store: the chain of a certificate through intermediates (the
 * peer's and cacerts/) to a trust anchor with gnutls_x509_trust_list, then our own checks that
 * give the operator the reason in plain words: validity dates (against the caller's clock),
 * revocation (which CRL), key usage, rightca=; then a peer's ID and its signature.
 */
#include "daemon/certs_int.h"

#include <errno.h>
#include <gnutls/pkcs7.h>
#include <stdio.h>
#include <string.h>

/* Rebuilds the trust list from the certificates of cacerts/ when they changed. */
static int tl_ready(struct dmn_certs *s)
{
	if (s->tl && !s->tl_dirty)
		return 0;
	if (s->tl)
		gnutls_x509_trust_list_deinit(s->tl, 0); /* the certificates stay ours */
	s->tl = NULL;
	if (gnutls_x509_trust_list_init(&s->tl, 0) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_certs; i++)
		if (s->certs[i]->dir == DMN_CERT_DIR_CACERTS &&
		    gnutls_x509_trust_list_add_cas(s->tl, &s->certs[i]->crt, 1, 0) < 0)
			return -ENOMEM;
	s->tl_dirty = false;
	return 0;
}

/* The certificate that issued c: among extra first, then the store's CAs. */
static struct dmn_cert *find_issuer(const struct dmn_certs *s, const struct dmn_cert *c,
				    struct dmn_cert *const *extra, size_t n_extra)
{
	for (size_t i = 0; i < n_extra; i++)
		if (extra[i] != c && gnutls_x509_crt_check_issuer(c->crt, extra[i]->crt))
			return extra[i];
	for (size_t i = 0; i < s->n_certs; i++)
		if (s->certs[i] != c && s->certs[i]->ca &&
		    gnutls_x509_crt_check_issuer(c->crt, s->certs[i]->crt))
			return s->certs[i];
	return NULL;
}

/* ee, its issuer, ... up to a self-signed certificate or one whose issuer we lack. */
static size_t build_chain(const struct dmn_certs *s, struct dmn_cert *ee,
			  struct dmn_cert *const *extra, size_t n_extra, struct dmn_cert **chain)
{
	size_t n = 1;
	chain[0] = ee;
	while (n < DMN_CERT_CHAIN_MAX + 1 && !chain[n - 1]->self_signed) {
		struct dmn_cert *up = find_issuer(s, chain[n - 1], extra, n_extra);
		bool loop = false;
		for (size_t i = 0; up && i < n; i++)
			loop = loop || chain[i] == up;
		if (!up || loop)
			break;
		chain[n++] = up;
	}
	return n;
}

static int untrusted(const struct dmn_cert *top, const struct dmn_cert *ee, unsigned status,
		     struct dmn_cert_status *st)
{
	char issuer[DMN_DN_TEXT_MAX] = "(unprintable DN)";
	gnutls_datum_t raw = {NULL, 0};
	if (gnutls_x509_crt_get_raw_issuer_dn(top->crt, &raw) == 0)
		dmn_dn_to_text(raw.data, raw.size, issuer, sizeof(issuer));
	gnutls_free(raw.data);
	if (status & (GNUTLS_CERT_SIGNER_NOT_CA | GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE))
		return dmn_certs_status(
			st, DMN_CERT_KEY_USAGE,
			"the chain of '%s' has an issuer that may not sign certificates "
			"(no CA:TRUE or no keyCertSign)",
			ee->subject);
	if (status & GNUTLS_CERT_SIGNATURE_FAILURE)
		return dmn_certs_status(st, DMN_CERT_UNTRUSTED,
					"a signature in the chain of '%s' does not verify",
					ee->subject);
	if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		return dmn_certs_status(st, DMN_CERT_UNTRUSTED,
					"the chain of '%s' is signed with an insecure algorithm",
					ee->subject);
	if (top->self_signed)
		return dmn_certs_status(
			st, DMN_CERT_UNTRUSTED,
			"untrusted CA: the chain of '%s' ends at '%s', which is not a "
			"trust anchor (cacerts/)",
			ee->subject, top->subject);
	return dmn_certs_status(
		st, DMN_CERT_UNTRUSTED,
		"untrusted CA: the chain of '%s' ends at '%s' (issuer of '%s'), which "
		"is not a trust anchor (cacerts/)",
		ee->subject, issuer, top->subject);
}

static int check_dates(struct dmn_cert *const *chain, size_t n, time_t now,
		       struct dmn_cert_status *st)
{
	for (size_t i = 0; i < n; i++) {
		char a[40], b[40], t[40];
		time_t nb = gnutls_x509_crt_get_activation_time(chain[i]->crt);
		time_t na = gnutls_x509_crt_get_expiration_time(chain[i]->crt);
		dmn_certs_time_text(nb, a, sizeof(a));
		dmn_certs_time_text(na, b, sizeof(b));
		dmn_certs_time_text(now, t, sizeof(t));
		if (na != (time_t)-1 && now > na)
			return dmn_certs_status(
				st, DMN_CERT_EXPIRED,
				"certificate '%s' expired on %s (valid from %s; now %s)",
				chain[i]->subject, b, a, t);
		if (nb == (time_t)-1 || now < nb)
			return dmn_certs_status(
				st, DMN_CERT_NOT_YET_VALID,
				"certificate '%s' is not valid before %s (until %s; now "
				"%s)",
				chain[i]->subject, a, b, t);
	}
	return 0;
}

/* chain[i] revoked by a CRL that chain[i + 1] signed. */
static int check_revocation(const struct dmn_certs *s, struct dmn_cert *const *chain, size_t n,
			    struct dmn_cert_status *st)
{
	for (size_t i = 0; i + 1 < n; i++)
		for (size_t k = 0; k < s->n_crls; k++) {
			gnutls_x509_crl_t crl = s->crls[k].crl;
			unsigned vst = 0;
			if (!gnutls_x509_crl_check_issuer(crl, chain[i + 1]->crt) ||
			    gnutls_x509_crl_verify(crl, &chain[i + 1]->crt, 1,
						   GNUTLS_VERIFY_DISABLE_TIME_CHECKS, &vst) < 0 ||
			    vst != 0)
				continue;
			if (gnutls_x509_crt_check_revocation(chain[i]->crt, &crl, 1) == 1)
				return dmn_certs_status(
					st, DMN_CERT_REVOKED,
					"certificate '%s' is revoked by the CRL of '%s' "
					"(%s)",
					chain[i]->subject, chain[i + 1]->subject,
					s->crls[k].origin);
		}
	return 0;
}

int dmn_certs_verify_chain(struct dmn_certs *s, struct dmn_cert *ee, struct dmn_cert *const *extra,
			   size_t n_extra, time_t now, const char *expect_ca,
			   struct dmn_cert_status *st)
{
	struct dmn_cert *chain[DMN_CERT_CHAIN_MAX + 1];
	gnutls_x509_crt_t crts[DMN_CERT_CHAIN_MAX + 1];
	unsigned status = 0, ku = 0, crit = 0;
	size_t n = build_chain(s, ee, extra, n_extra, chain);
	int r;

	if (tl_ready(s) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		crts[i] = chain[i]->crt;
	r = gnutls_x509_trust_list_verify_crt2(s->tl, crts, (unsigned)n, NULL, 0,
					       GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
						       GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
					       &status, NULL);
	if (r < 0)
		return dmn_certs_status(st, DMN_CERT_UNTRUSTED,
					"cannot verify the chain of '%s': %s", ee->subject,
					gnutls_strerror(r));
	if (status)
		return untrusted(chain[n - 1], ee, status, st);
	if ((r = check_dates(chain, n, now ? now : time(NULL), st)) < 0)
		return r;
	if ((r = check_revocation(s, chain, n, st)) < 0)
		return r;
	if (gnutls_x509_crt_get_key_usage(ee->crt, &ku, &crit) >= 0 &&
	    !(ku & (GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_NON_REPUDIATION)))
		return dmn_certs_status(st, DMN_CERT_KEY_USAGE,
					"certificate '%s' may not sign (keyUsage without "
					"digitalSignature)",
					ee->subject);
	if (expect_ca && *expect_ca && strcmp(expect_ca, "%any")) {
		bool found = false;
		for (size_t i = 1; i < n && !found; i++)
			found = dmn_dn_match(expect_ca, chain[i]->subject_der.data,
					     chain[i]->subject_der.size);
		if (!found)
			return dmn_certs_status(
				st, DMN_CERT_UNTRUSTED,
				"the chain of '%s' ends at '%s', not at the CA rightca= "
				"names ('%s')",
				ee->subject, chain[n - 1]->subject, expect_ca);
	}
	return dmn_certs_status(st, DMN_CERT_OK, "'%s' is trusted through '%s'", ee->subject,
				chain[n - 1]->subject);
}

/* Adds the certificates of a PKCS#7 SignedData (RFC 2315) to the received ones. */
static int add_pkcs7(struct dmn_certs *s, const struct dmn_cert_blob *b, struct dmn_cert_status *st)
{
	gnutls_pkcs7_t p7;
	gnutls_datum_t d = {(unsigned char *)b->data, (unsigned)b->len};
	int r = 0;
	if (gnutls_pkcs7_init(&p7) < 0)
		return -ENOMEM;
	int n = gnutls_pkcs7_import(p7, &d, GNUTLS_X509_FMT_DER) < 0
			? -1
			: gnutls_pkcs7_get_crt_count(p7);
	if (n < 0)
		r = dmn_certs_status(st, DMN_CERT_MALFORMED,
				     "a PKCS#7 CERT payload does not decode");
	for (int i = 0; r == 0 && i < n; i++) {
		gnutls_datum_t c = {NULL, 0};
		if (s->n_peer >= DMN_CERT_CHAIN_MAX)
			r = dmn_certs_status(st, DMN_CERT_MALFORMED,
					     "the peer sent more than %d certificates",
					     DMN_CERT_CHAIN_MAX);
		else if (gnutls_pkcs7_get_crt_raw2(p7, (unsigned)i, &c) < 0 ||
			 dmn_certs_cert_new(&c, &s->peer[s->n_peer]) < 0)
			r = dmn_certs_status(
				st, DMN_CERT_MALFORMED,
				"certificate %d of a PKCS#7 CERT payload does not decode", i + 1);
		else
			s->n_peer++;
		gnutls_free(c.data);
	}
	gnutls_pkcs7_deinit(p7);
	return r;
}

/* Takes the CERT payloads: CRLs into the store, certificates into s->peer. */
static int take_payloads(struct dmn_certs *s, const struct dmn_peer_auth *a,
			 struct dmn_cert_status *st)
{
	for (size_t i = 0; i < a->n_certs; i++) {
		const struct dmn_cert_blob *b = &a->certs[i];
		gnutls_datum_t d = {(unsigned char *)b->data, (unsigned)b->len};
		int r = 0;
		if (b->encoding == DMN_CERT_ENC_CRL) {
			struct dmn_cert_status ignore;
			dmn_certs_load_crl_mem(s, b->data, b->len, "peer's CERT payload", &ignore);
		} else if (b->encoding == DMN_CERT_ENC_PKCS7) {
			r = add_pkcs7(s, b, st);
		} else if (b->encoding == DMN_CERT_ENC_X509_SIG) {
			if (s->n_peer >= DMN_CERT_CHAIN_MAX)
				r = dmn_certs_status(st, DMN_CERT_MALFORMED,
						     "the peer sent more than %d certificates",
						     DMN_CERT_CHAIN_MAX);
			else if (dmn_certs_cert_new(&d, &s->peer[s->n_peer]) < 0)
				r = dmn_certs_status(st, DMN_CERT_MALFORMED,
						     "CERT payload %zu is not an X.509 certificate",
						     i + 1);
			else
				s->n_peer++;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The end entity among the received certificates: one that issued none of the others. */
static struct dmn_cert *leaf(const struct dmn_certs *s)
{
	for (size_t i = 0; i < s->n_peer; i++) {
		bool issuer = false;
		for (size_t k = 0; k < s->n_peer && !issuer; k++)
			issuer = k != i &&
				 gnutls_x509_crt_check_issuer(s->peer[k]->crt, s->peer[i]->crt);
		if (!issuer)
			return s->peer[i];
	}
	return s->n_peer ? s->peer[0] : NULL;
}

bool dmn_certs_cfg_id_is_payload(const struct dmn_id *want, uint8_t type, const uint8_t *id,
				 size_t len)
{
	size_t l = strlen(want->str);
	if ((type == DMN_CERT_ID_FQDN || type == DMN_CERT_ID_USER_FQDN) && memchr(id, '\0', len))
		return false;
	switch (want->type) {
	case DMN_ID_DEFAULT:
	case DMN_ID_ANY:
		return true;
	case DMN_ID_IPV4:
		return type == DMN_CERT_ID_IPV4_ADDR && len == 4 && !memcmp(id, want->addr, 4);
	case DMN_ID_IPV6:
		return type == DMN_CERT_ID_IPV6_ADDR && len == 16 && !memcmp(id, want->addr, 16);
	case DMN_ID_FQDN:
		return type == DMN_CERT_ID_FQDN && len == l &&
		       !strncasecmp((const char *)id, want->str, l);
	case DMN_ID_USER_FQDN:
		return type == DMN_CERT_ID_USER_FQDN && len == l &&
		       !strncasecmp((const char *)id, want->str, l);
	case DMN_ID_DN:
		return type == DMN_CERT_ID_DER_ASN1_DN && dmn_dn_match(want->str, id, len);
	default:
		return false;
	}
}

/* The peer's end entity: received, or rightcert=, or a certificate of certs/ with its ID. */
static struct dmn_cert *peer_ee(struct dmn_certs *s, const struct dmn_peer_auth *a,
				struct dmn_cert_status *st)
{
	char idt[DMN_DN_TEXT_MAX];
	if (s->n_peer)
		return leaf(s);
	if (a->expect_cert && *a->expect_cert)
		return (struct dmn_cert *)dmn_certs_own(s, a->expect_cert, st);
	for (size_t i = 0; i < s->n_certs; i++)
		if (s->certs[i]->dir == DMN_CERT_DIR_CERTS && !s->certs[i]->ca &&
		    dmn_cert_matches_id(s->certs[i], a->id_type, a->id, a->id_len))
			return s->certs[i];
	dmn_certs_id_text(a->id_type, a->id, a->id_len, idt, sizeof(idt));
	dmn_certs_status(st, DMN_CERT_NO_CERT,
			 "no certificate received from the peer and none configured for its ID "
			 "'%s' (rightcert=)",
			 idt);
	return NULL;
}

static int check_ids(const struct dmn_cert *ee, const struct dmn_peer_auth *a,
		     struct dmn_cert_status *st)
{
	char idt[DMN_DN_TEXT_MAX], alt[DMN_DN_TEXT_MAX];
	dmn_certs_id_text(a->id_type, a->id, a->id_len, idt, sizeof(idt));
	if (!dmn_cert_matches_id(ee, a->id_type, a->id, a->id_len)) {
		dmn_certs_altnames_text(ee, alt, sizeof(alt));
		return dmn_certs_status(st, DMN_CERT_ID_MISMATCH,
					"ID does not match the certificate: the peer's ID '%s' is "
					"neither the subject '%s' nor a subjectAltName (%s)",
					idt, ee->subject, alt[0] ? alt : "none");
	}
	if (a->expect_id &&
	    (!dmn_certs_cfg_id_is_payload(a->expect_id, a->id_type, a->id, a->id_len) ||
	     !dmn_cert_matches_cfg_id(ee, a->expect_id)))
		return dmn_certs_status(
			st, DMN_CERT_ID_MISMATCH,
			"ID does not match: the peer's ID '%s' (certificate '%s') is "
			"not rightid='%s'",
			idt, ee->subject, a->expect_id->str[0] ? a->expect_id->str : "(address)");
	return 0;
}

static int check_signature(const struct dmn_cert *ee, const struct dmn_peer_auth *a,
			   struct dmn_cert_status *st)
{
	gnutls_datum_t d[2] = {{NULL, 0}, {NULL, 0}};
	gnutls_ecc_curve_t curve;
	struct crypto_sig_key key = {.alg = a->alg};
	int alg = dmn_cert_sig_alg(ee), r;
	if (alg != (int)a->alg)
		return dmn_certs_status(st, DMN_CERT_WRONG_KEY_TYPE,
					"the certificate '%s' has a %s key, the negotiated method "
					"needs %s",
					ee->subject, alg < 0 ? "?" : crypto_sig_alg_name(alg),
					crypto_sig_alg_name(a->alg));
	if (alg == CRYPTO_SIG_RSA) {
		r = gnutls_x509_crt_get_pk_rsa_raw(ee->crt, &d[0], &d[1]);
		key.n = (struct crypto_sig_num){d[0].data, d[0].size};
		key.e = (struct crypto_sig_num){d[1].data, d[1].size};
	} else {
		r = gnutls_x509_crt_get_pk_ecc_raw(ee->crt, &curve, &d[0], &d[1]);
		key.x = (struct crypto_sig_num){d[0].data, d[0].size};
		key.y = (struct crypto_sig_num){d[1].data, d[1].size};
		key.prehashed = true; /* HASH_I/HASH_R signed as is (crypto/sig.h) */
	}
	if (r == 0)
		r = crypto_sig_verify(&key, a->data, a->data_len, a->sig, a->sig_len);
	gnutls_free(d[0].data);
	gnutls_free(d[1].data);
	if (r < 0)
		return dmn_certs_status(st, DMN_CERT_BAD_SIGNATURE,
					"the SIG payload does not verify with the key of '%s' (%s)",
					ee->subject, r == -EBADMSG ? "wrong signature" : "bad key");
	return 0;
}

int dmn_certs_verify_peer(struct dmn_certs *s, const struct dmn_peer_auth *a,
			  struct dmn_cert_status *st, const struct dmn_cert **ret_cert)
{
	struct dmn_cert_status local;
	struct dmn_cert *ee;
	int r;
	if (!st)
		st = &local;
	dmn_certs_peer_clear(s);
	if ((r = take_payloads(s, a, st)) < 0)
		return r;
	if (!(ee = peer_ee(s, a, st)))
		return -EACCES;
	if (ret_cert)
		*ret_cert = ee;
	r = dmn_certs_verify_chain(s, ee, s->peer, s->n_peer, a->now, a->expect_ca, st);
	if (r < 0)
		return r;
	char trusted[DMN_CERT_TEXT_MAX];
	snprintf(trusted, sizeof(trusted), "%s", st->text);
	if ((r = check_ids(ee, a, st)) < 0)
		return r;
	if (a->sig && (r = check_signature(ee, a, st)) < 0)
		return r;
	return dmn_certs_status(st, DMN_CERT_OK, "%s%s", trusted,
				a->sig ? "; signature verified" : "");
}

unsigned dmn_certs_check(struct dmn_certs *s, const char *name, bool need_key, const char *cfg_file,
			 unsigned cfg_line, struct dmn_diags *diags)
{
	struct dmn_cert_status st;
	const struct dmn_cert *c = dmn_certs_own(s, name, &st);
	unsigned errors = 0;
	if (c &&
	    dmn_certs_verify_chain(s, (struct dmn_cert *)c, NULL, 0, time(NULL), NULL, &st) == 0)
		st.verdict = DMN_CERT_OK;
	if (!c || st.verdict != DMN_CERT_OK) {
		dmn_diag_add(diags, DMN_DIAG_ERROR, cfg_file, cfg_line, "certificate '%s': %s: %s",
			     name, dmn_cert_verdict_name(st.verdict), st.text);
		errors++;
	}
	if (c && need_key && !dmn_cert_has_key(s, c)) {
		if (s->n_keys)
			dmn_diag_add(diags, DMN_DIAG_ERROR, cfg_file, cfg_line,
				     "certificate '%s': key/cert mismatch: none of the %zu private "
				     "keys loaded from ipsec.secrets is the key of '%s'",
				     name, s->n_keys, c->subject);
		else
			dmn_diag_add(diags, DMN_DIAG_ERROR, cfg_file, cfg_line,
				     "certificate '%s': no private key for '%s': add ': RSA "
				     "keyfile' or ': ECDSA keyfile' to ipsec.secrets",
				     name, c->subject);
		errors++;
	}
	return errors;
}
