// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's signature-authentication callbacks (proto/ike/engine.h: sign, own_certs, ca_dns,
 * verify) on the daemon's certificate store (daemon/certs.h). The private keys stay in the store:
 * the engine hands a hash to sign and gets the signature back.
 *
 * The store lives in d->certs, on the ipsec.d/ next to the config file (/etc/oakley/ipsec.conf:
 * /etc/oakley/ipsec.d/): built at start and on reload from the directories and the key entries
 * of ipsec.secrets; a reload replaces it whole, established SAs keep what they proved.
 *
 * The conn's sides are oriented (left is this host): leftcert= is what we send, rightca=,
 * rightcert= and rightid= what the peer must prove (rightca=%same: leftca=).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "daemon/certs.h"
#include "daemon/ike_certs.h"
#include "daemon/ike_glue.h"
#include "daemon/ike_glue_int.h"
#include "daemon/log.h"
#include "proto/consts.h"

/* The signature algorithm of an IKEv1 method, or -EINVAL for PSK and the refused methods. */
int dmn_ike_method_alg(uint16_t method)
{
	switch (method) {
	case IKE_AUTH_RSA_SIG:
		return CRYPTO_SIG_RSA;
	case IKE_AUTH_ECDSA_SHA256:
		return CRYPTO_SIG_ECDSA_P256;
	case IKE_AUTH_ECDSA_SHA384:
		return CRYPTO_SIG_ECDSA_P384;
	case IKE_AUTH_ECDSA_SHA512:
		return CRYPTO_SIG_ECDSA_P521;
	default:
		return -EINVAL;
	}
}

int dmn_ike_certs_basedir(const char *config_path, char *out, size_t cap)
{
	char tmp[DMN_PATH_MAX];
	if (!config_path || snprintf(tmp, sizeof(tmp), "%s", config_path) >= (int)sizeof(tmp))
		return snprintf(out, cap, "%s", DMN_CERTS_BASEDIR) >= (int)cap ? -ENAMETOOLONG : 0;
	return snprintf(out, cap, "%s/ipsec.d", dirname(tmp)) >= (int)cap ? -ENAMETOOLONG : 0;
}

int dmn_ike_certs_build(const char *config_path, const struct dmn_secrets *secrets,
			struct dmn_diags *diags, struct dmn_certs **ret)
{
	char base[DMN_PATH_MAX];
	struct dmn_certs *s = NULL;
	int r = dmn_ike_certs_basedir(config_path, base, sizeof(base));
	if (r == 0)
		r = dmn_certs_new(base, &s);
	if (r < 0)
		return r;
	r = dmn_certs_load_dirs(s, diags);
	if (r >= 0 && secrets)
		dmn_certs_load_secrets(s, secrets, diags);
	if (r < 0) {
		dmn_certs_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

/* Our certificate for conn c: leftcert=, else one whose subject or altName is leftid=. */
static const struct dmn_cert *own_cert(struct dmn_certs *s, const struct dmn_conn *c,
				       struct dmn_cert_status *st)
{
	if (c->left.cert)
		return dmn_certs_own(s, c->left.cert, st);
	const struct dmn_cert *o = dmn_certs_own_by_id(s, &c->left.id);
	if (!o && st) {
		st->verdict = DMN_CERT_NO_CERT;
		snprintf(
			st->text, sizeof(st->text),
			"conn '%s' has no leftcert= and no certificate names its leftid=", c->name);
	}
	return o;
}

static const struct dmn_conn *conn_of(struct dmn *d, const struct proto_ike_conn *pc)
{
	return d->certs ? dmn_ike_conn_by_handle(d, pc->handle, NULL) : NULL;
}

int dmn_ike_policy_sign(void *ctx, const struct proto_ike_conn *pc, uint16_t method,
			const uint8_t *hash, size_t hash_len, uint8_t *sig, size_t cap,
			size_t *ret_len)
{
	struct dmn *d = ctx;
	const struct dmn_conn *c = conn_of(d, pc);
	struct dmn_cert_status st = {0};
	int alg = dmn_ike_method_alg(method);
	const struct dmn_cert *o = c && alg >= 0 ? own_cert(d->certs, c, &st) : NULL;
	if (!o) {
		log_warn("conn %s: nothing to sign with: %s", pc->name,
			 st.text[0] ? st.text : "no certificate store or not a signature method");
		return -ENOENT;
	}
	int r = dmn_certs_sign(d->certs, o, (enum crypto_sig_alg)alg, hash, hash_len, sig, cap,
			       ret_len);
	if (r < 0)
		log_warn("conn %s: signing with '%s' failed: %s", pc->name, dmn_cert_subject(o),
			 strerror(-r));
	return r == -ENOKEY ? -ENOENT : r;
}

int dmn_ike_policy_own_certs(void *ctx, const struct proto_ike_conn *pc,
			     const struct proto_ike_blob *cr, unsigned n_cr,
			     struct proto_ike_blob *ret, unsigned cap, unsigned *ret_n)
{
	struct dmn *d = ctx;
	const struct dmn_conn *c = conn_of(d, pc);
	*ret_n = 0;
	if (!c || cap == 0)
		return c ? -ENOBUFS : -ENOENT;
	const struct dmn_cert *o = own_cert(d->certs, c, NULL);
	/* without leftcert=, the CA the peer asks for picks among ours */
	for (unsigned i = 0; !o && !c->left.cert && i < n_cr; i++)
		if (cr[i].len)
			o = dmn_certs_own_by_ca(d->certs, cr[i].p, cr[i].len);
	if (!o)
		return -ENOENT;
	const struct dmn_cert *chain[PROTO_IKE_CERTS_MAX];
	size_t n = 1;
	chain[0] = o;
	n += dmn_certs_intermediates(d->certs, o, chain + 1,
				     (cap < PROTO_IKE_CERTS_MAX ? cap : PROTO_IKE_CERTS_MAX) - 1);
	for (size_t i = 0; i < n; i++)
		dmn_cert_der(chain[i], &ret[i].p, &ret[i].len);
	*ret_n = (unsigned)n;
	return 0;
}

int dmn_ike_policy_ca_dns(void *ctx, const struct proto_ike_conn *pc, struct proto_ike_blob *ret,
			  unsigned cap, unsigned *ret_n)
{
	struct dmn *d = ctx;
	struct dmn_cert_blob v[PROTO_IKE_CRS_MAX];
	*ret_n = 0;
	if (!conn_of(d, pc))
		return -ENOENT;
	size_t n = dmn_certs_ca_dns(d->certs, v, PROTO_IKE_CRS_MAX);
	for (size_t i = 0; i < n && i < cap && i < PROTO_IKE_CRS_MAX; i++) {
		ret[i].p = v[i].data;
		ret[i].len = v[i].len;
		(*ret_n)++;
	}
	return 0;
}

static enum proto_ike_reason reason_of(enum dmn_cert_verdict v)
{
	switch (v) {
	case DMN_CERT_OK:
		return PROTO_IKE_OK;
	case DMN_CERT_NO_CERT:
		return PROTO_IKE_E_CERT_NONE;
	case DMN_CERT_UNTRUSTED:
	case DMN_CERT_KEY_USAGE:
	case DMN_CERT_MALFORMED:
	case DMN_CERT_UNREADABLE:
		return PROTO_IKE_E_CERT_UNTRUSTED;
	case DMN_CERT_EXPIRED:
	case DMN_CERT_NOT_YET_VALID:
		return PROTO_IKE_E_CERT_EXPIRED;
	case DMN_CERT_REVOKED:
		return PROTO_IKE_E_CERT_REVOKED;
	case DMN_CERT_ID_MISMATCH:
		return PROTO_IKE_E_CERT_ID;
	case DMN_CERT_BAD_SIGNATURE:
	case DMN_CERT_WRONG_KEY_TYPE:
	case DMN_CERT_KEY_MISMATCH:
		return PROTO_IKE_E_BAD_SIG;
	case DMN_CERT_NO_KEY:
	case DMN_CERT__MAX:
		break;
	}
	return PROTO_IKE_E_NO_KEY;
}

enum proto_ike_reason dmn_ike_policy_verify(void *ctx, const struct proto_ike_conn *pc,
					    const struct proto_ike_peer_auth *in, char *text,
					    size_t text_cap)
{
	struct dmn *d = ctx;
	const struct dmn_conn *c = conn_of(d, pc);
	int alg = dmn_ike_method_alg(in->method);
	if (!c || alg < 0) {
		snprintf(text, text_cap, "no certificate store or not a signature method");
		return PROTO_IKE_E_AUTH_METHOD;
	}
	struct dmn_cert_blob certs[PROTO_IKE_CERTS_MAX];
	size_t n = 0;
	for (unsigned i = 0; i < in->n_certs && n < PROTO_IKE_CERTS_MAX; i++)
		certs[n++] = (struct dmn_cert_blob){.encoding = in->certs[i].encoding,
						    .data = in->certs[i].data.p,
						    .len = in->certs[i].data.len};
	struct dmn_peer_auth a = {
		.certs = certs,
		.n_certs = n,
		.id_type = in->peer_id ? in->peer_id->type : 0,
		.id = in->peer_id ? in->peer_id->data : NULL,
		.id_len = in->peer_id ? in->peer_id->len : 0,
		.expect_id = &c->right.id,
		.expect_ca = c->right.ca_same ? c->left.ca : c->right.ca,
		.expect_cert = c->right.cert,
		.alg = (enum crypto_sig_alg)alg,
		.data = in->hash,
		.data_len = in->hash_len,
		.sig = in->sig,
		.sig_len = in->sig_len,
	};
	struct dmn_cert_status st = {0};
	int r = dmn_certs_verify_peer(d->certs, &a, &st, NULL);
	snprintf(text, text_cap, "%s", st.text);
	if (r == -ENOMEM) {
		snprintf(text, text_cap, "out of memory verifying the peer's certificate");
		return PROTO_IKE_E_INTERNAL;
	}
	return r < 0 && st.verdict == DMN_CERT_OK ? PROTO_IKE_E_BAD_SIG : reason_of(st.verdict);
}

_Static_assert((int)DMN_SENDCERT_IFASKED == (int)PROTO_IKE_SENDCERT_IFASKED &&
		       (int)DMN_SENDCERT_ALWAYS == (int)PROTO_IKE_SENDCERT_ALWAYS &&
		       (int)DMN_SENDCERT_NEVER == (int)PROTO_IKE_SENDCERT_NEVER,
	       "leftsendcert= values are the engine's");

static const uint16_t alg_method[CRYPTO_SIG__MAX] = {
	[CRYPTO_SIG_RSA] = IKE_AUTH_RSA_SIG,
	[CRYPTO_SIG_ECDSA_P256] = IKE_AUTH_ECDSA_SHA256,
	[CRYPTO_SIG_ECDSA_P384] = IKE_AUTH_ECDSA_SHA384,
	[CRYPTO_SIG_ECDSA_P521] = IKE_AUTH_ECDSA_SHA512,
};

/* Our ID from the certificate: its subject DN, unless leftid= is an address or a name (the
 * certificate must name it: dmn_ike_certs_check and the peer check that). */
static int own_id(const struct dmn_conn *c, const struct dmn_cert *o, struct proto_ike_id *ret)
{
	if (c->left.id.type != DMN_ID_DEFAULT && c->left.id.type != DMN_ID_DN)
		return 0;
	if (c->left.id.type == DMN_ID_DN && !dmn_cert_matches_cfg_id(o, &c->left.id)) {
		log_warn("conn %s: leftid=\"%s\" is not the subject of '%s' (%s)", c->name,
			 c->left.id.str, c->left.cert ? c->left.cert : "our certificate",
			 dmn_cert_subject(o));
		return -EINVAL;
	}
	const uint8_t *dn;
	size_t len;
	dmn_cert_subject_der(o, &dn, &len);
	if (len > PROTO_IKE_ID_MAX) {
		log_warn("conn %s: the subject DN of our certificate is %zu bytes, at most %u fit",
			 c->name, len, (unsigned)PROTO_IKE_ID_MAX);
		return -E2BIG;
	}
	ret->type = ID_DER_ASN1_DN;
	ret->len = (uint8_t)len;
	memcpy(ret->data, dn, len);
	return 0;
}

int dmn_ike_certs_to_proto(const struct dmn *d, const struct dmn_conn *c,
			   struct proto_ike_conn *ret)
{
	if (c->auth == DMN_AUTH_PSK)
		return 0;
	struct dmn_cert_status st = {0};
	const struct dmn_cert *o = d->certs ? own_cert(d->certs, c, &st) : NULL;
	if (!o) {
		log_warn("conn %s: no certificate to authenticate with: %s", c->name,
			 st.text[0] ? st.text : "no certificate store");
		return -ENOKEY;
	}
	int alg = dmn_cert_sig_alg(o);
	if (alg < 0 || alg >= CRYPTO_SIG__MAX ||
	    (c->auth == DMN_AUTH_RSA && alg != CRYPTO_SIG_RSA) ||
	    (c->auth == DMN_AUTH_ECDSA && alg == CRYPTO_SIG_RSA)) {
		log_warn("conn %s: the key of '%s' does not fit authby= (%s)", c->name,
			 dmn_cert_subject(o),
			 alg < 0 ? "not RSA or ECDSA" : crypto_sig_alg_name(alg));
		return -EKEYREJECTED;
	}
	for (unsigned k = 0; k < ret->n_ike; k++)
		ret->ike[k].auth = alg_method[alg];
	ret->sendcert = c->left.sendcert;
	/* the peer's ID is matched by dmn_ike_policy_verify against rightid= and its certificate
	 * (wildcard RDNs, subjectAltNames), which names both IDs when they differ */
	memset(&ret->remote_id, 0, sizeof(ret->remote_id));
	return own_id(c, o, &ret->local_id);
}

/* Where a side's leftcert= is, else the conn's line. */
static const char *where_file(const struct dmn_conn *c, const struct dmn_side *sd)
{
	return sd->cert_file && sd->cert_line ? sd->cert_file : c->file;
}

static unsigned where_line(const struct dmn_conn *c, const struct dmn_side *sd)
{
	return sd->cert_file && sd->cert_line ? sd->cert_line : c->line;
}

unsigned dmn_ike_certs_check(struct dmn_certs *s, const struct dmn_config *cfg,
			     struct dmn_diags *diags)
{
	unsigned n = 0;
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct dmn_conn *c = cfg->conns[i];
		if (c->auth == DMN_AUTH_PSK)
			continue; /* a certificate named there is unused (a notice at parse time) */
		if (c->left.cert)
			n += dmn_certs_check(s, c->left.cert, true, where_file(c, &c->left),
					     where_line(c, &c->left), diags);
		else if (c->left.sigkey_cert && c->auth != DMN_AUTH_PSK) {
			dmn_diag_add(diags, DMN_DIAG_ERROR, c->file, c->line,
				     "conn '%s': leftrsasigkey=%%cert without leftcert=", c->name);
			n++;
		}
		if (c->right.cert)
			n += dmn_certs_check(s, c->right.cert, false, where_file(c, &c->right),
					     where_line(c, &c->right), diags);
	}
	return n;
}
