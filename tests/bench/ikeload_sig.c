// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ikeload's signature authentication: see tests/bench/ikeload_sig.h. The store is oakleyd's own
 * (daemon/certs.h), so the client signs and verifies with the same code as the daemon; its cost
 * is part of the client CPU ikeload prints.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/certs.h"
#include "proto/consts.h"
#include "tests/bench/ikeload_sig.h"

struct ikeload_sig {
	struct dmn_certs *store;
	const struct dmn_cert *own;
	enum crypto_sig_alg alg;
};

static int alg_of(uint16_t method)
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

uint16_t ikeload_sig_method(const struct ikeload_sig *s)
{
	static const uint16_t method[CRYPTO_SIG__MAX] = {
		[CRYPTO_SIG_RSA] = IKE_AUTH_RSA_SIG,
		[CRYPTO_SIG_ECDSA_P256] = IKE_AUTH_ECDSA_SHA256,
		[CRYPTO_SIG_ECDSA_P384] = IKE_AUTH_ECDSA_SHA384,
		[CRYPTO_SIG_ECDSA_P521] = IKE_AUTH_ECDSA_SHA512,
	};
	return method[s->alg];
}

/* Absolute names: the store resolves relative ones under its ipsec.d/ directories. */
static int load(struct ikeload_sig *s, const char *cert, const char *key, const char *ca)
{
	char p[3][PATH_MAX];
	const char *in[3] = {cert, key, ca};
	struct dmn_cert_status st = {0};
	const struct dmn_cert *anchor = NULL;
	for (int i = 0; i < 3; i++)
		if (!realpath(in[i], p[i])) {
			fprintf(stderr, "ikeload: %s: %s\n", in[i], strerror(errno));
			return -errno;
		}
	int r = dmn_certs_load_cert_file(s->store, p[2], true, &anchor, &st);
	if (r == 0 && !anchor)
		r = -EINVAL;
	if (r == 0)
		r = dmn_certs_load_key_file(s->store, p[1], NULL, &st);
	if (r == 0 && !(s->own = dmn_certs_own(s->store, p[0], &st)))
		r = -EINVAL;
	if (r == 0 && !dmn_cert_has_key(s->store, s->own)) {
		snprintf(st.text, sizeof(st.text), "the key %s is not the certificate's", in[1]);
		r = -EKEYREJECTED;
	}
	if (r == 0 && (r = dmn_cert_sig_alg(s->own)) >= 0) {
		s->alg = (enum crypto_sig_alg)r;
		return 0;
	}
	fprintf(stderr, "ikeload: certificate: %s\n", st.text[0] ? st.text : strerror(-r));
	return r;
}

int ikeload_sig_new(const char *cert, const char *key, const char *ca, struct ikeload_sig **ret)
{
	struct ikeload_sig *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	int r = dmn_certs_new(NULL, &s->store);
	if (r == 0)
		r = load(s, cert, key, ca);
	if (r < 0) {
		ikeload_sig_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void ikeload_sig_free(struct ikeload_sig *s)
{
	if (!s)
		return;
	dmn_certs_free(s->store);
	free(s);
}

static struct ikeload_sig *sig_of(void *ctx)
{
	return *(struct ikeload_sig **)ctx;
}

static int sig_sign(void *ctx, const struct proto_ike_conn *conn, uint16_t method,
		    const uint8_t *hash, size_t hash_len, uint8_t *sig, size_t cap, size_t *ret_len)
{
	struct ikeload_sig *s = sig_of(ctx);
	(void)conn;
	int alg = alg_of(method);
	if (alg < 0)
		return -ENOENT;
	int r = dmn_certs_sign(s->store, s->own, (enum crypto_sig_alg)alg, hash, hash_len, sig, cap,
			       ret_len);
	return r == -ENOKEY ? -ENOENT : r;
}

static int sig_own_certs(void *ctx, const struct proto_ike_conn *conn,
			 const struct proto_ike_blob *cr, unsigned n_cr, struct proto_ike_blob *ret,
			 unsigned cap, unsigned *ret_n)
{
	struct ikeload_sig *s = sig_of(ctx);
	(void)conn, (void)cr, (void)n_cr;
	*ret_n = 0;
	if (cap == 0)
		return -ENOBUFS;
	dmn_cert_der(s->own, &ret[0].p, &ret[0].len);
	*ret_n = 1;
	return 0;
}

static int sig_ca_dns(void *ctx, const struct proto_ike_conn *conn, struct proto_ike_blob *ret,
		      unsigned cap, unsigned *ret_n)
{
	struct ikeload_sig *s = sig_of(ctx);
	struct dmn_cert_blob v[PROTO_IKE_CRS_MAX];
	(void)conn;
	size_t n = dmn_certs_ca_dns(s->store, v, PROTO_IKE_CRS_MAX);
	*ret_n = 0;
	for (size_t i = 0; i < n && i < cap && i < PROTO_IKE_CRS_MAX; i++) {
		ret[i] = (struct proto_ike_blob){.p = v[i].data, .len = v[i].len};
		(*ret_n)++;
	}
	return 0;
}

static enum proto_ike_reason sig_verify(void *ctx, const struct proto_ike_conn *conn,
					const struct proto_ike_peer_auth *in, char *text,
					size_t text_cap)
{
	struct ikeload_sig *s = sig_of(ctx);
	struct dmn_cert_blob certs[PROTO_IKE_CERTS_MAX];
	size_t n = 0;
	(void)conn;
	int alg = alg_of(in->method);
	if (alg < 0) {
		snprintf(text, text_cap, "not a signature method");
		return PROTO_IKE_E_AUTH_METHOD;
	}
	for (unsigned i = 0; i < in->n_certs && n < PROTO_IKE_CERTS_MAX; i++)
		certs[n++] = (struct dmn_cert_blob){.encoding = in->certs[i].encoding,
						    .data = in->certs[i].data.p,
						    .len = in->certs[i].data.len};
	struct dmn_peer_auth a = {.certs = certs,
				  .n_certs = n,
				  .id_type = in->peer_id ? in->peer_id->type : 0,
				  .id = in->peer_id ? in->peer_id->data : NULL,
				  .id_len = in->peer_id ? in->peer_id->len : 0,
				  .alg = (enum crypto_sig_alg)alg,
				  .data = in->hash,
				  .data_len = in->hash_len,
				  .sig = in->sig,
				  .sig_len = in->sig_len};
	struct dmn_cert_status st = {0};
	int r = dmn_certs_verify_peer(s->store, &a, &st, NULL);
	snprintf(text, text_cap, "%s", st.text);
	if (r == 0)
		return PROTO_IKE_OK;
	return st.verdict == DMN_CERT_BAD_SIGNATURE || st.verdict == DMN_CERT_OK
		       ? PROTO_IKE_E_BAD_SIG
		       : PROTO_IKE_E_CERT_UNTRUSTED;
}

void ikeload_sig_policy(struct proto_ike_policy *pol)
{
	pol->sign = sig_sign;
	pol->own_certs = sig_own_certs;
	pol->ca_dns = sig_ca_dns;
	pol->verify = sig_verify;
}
