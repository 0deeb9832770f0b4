/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The certificate store's insides, shared by daemon/certs.c (store, loading, keys, signing),
 * daemon/certs_dn.c (DN text and matching, IDs) and daemon/certs_verify.c (chains, verdicts).
 */
#pragma once

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "daemon/certs.h"

#define CERTS_KEYID_MAX 64
#define CERTS_KEYS_MAX	256	   /* private keys */
#define CERTS_CRLS_MAX	256	   /* CRLs (files and run time) */
#define CERTS_PEER_CRLS 16	   /* of them from peers' CERT payloads, oldest dropped first */
#define CERTS_FILE_MAX	(1u << 20) /* bytes of one certificate, key or CRL file */

/* Where a certificate or CRL came from. */
enum certs_origin {
	CERTS_FROM_DIR,	 /* found scanning a directory: dropped by reload when gone */
	CERTS_FROM_FILE, /* loaded by name (leftcert=, a file outside the directories) */
	CERTS_FROM_MEM,	 /* VICI */
	CERTS_FROM_PEER, /* a peer's CERT payload */
};

struct dmn_cert {
	gnutls_x509_crt_t crt;
	gnutls_datum_t der;	    /* owned (gnutls_free) */
	gnutls_datum_t subject_der; /* owned (gnutls_free), from gnutls_x509_crt_get_raw_dn */
	char subject[DMN_DN_TEXT_MAX];
	char file[DMN_PATH_MAX];
	enum dmn_cert_dir dir;
	enum certs_origin origin;
	bool ca;	  /* basicConstraints CA:TRUE */
	bool self_signed; /* issuer == subject and its own signature verifies */
	bool seen;	  /* reload bookkeeping */
	uint8_t keyid[CERTS_KEYID_MAX];
	size_t keyid_len;
};

struct certs_key {
	gnutls_x509_privkey_t key;
	uint8_t keyid[CERTS_KEYID_MAX];
	size_t keyid_len;
	char origin[DMN_PATH_MAX];
};

struct certs_crl {
	gnutls_x509_crl_t crl;
	char origin[DMN_PATH_MAX];
	enum certs_origin from;
	bool seen;
};

struct dmn_certs {
	char base[DMN_PATH_MAX];
	struct dmn_cert **certs; /* pointers stay valid while the certificate is in the store */
	size_t n_certs, cap_certs;
	struct certs_key keys[CERTS_KEYS_MAX];
	size_t n_keys;
	struct certs_crl crls[CERTS_CRLS_MAX];
	size_t n_crls;
	gnutls_x509_trust_list_t tl; /* every certificate of cacerts/; rebuilt when dirty */
	bool tl_dirty;
	struct dmn_cert *peer[DMN_CERT_CHAIN_MAX]; /* the last verification's received certs */
	size_t n_peer;
};

/* A new certificate from DER (not yet in the store). Returns 0 or a negative errno. */
int dmn_certs_cert_new(const gnutls_datum_t *der, struct dmn_cert **ret);
void dmn_certs_cert_free(struct dmn_cert *c);
/* Frees the certificates the last verification received. */
void dmn_certs_peer_clear(struct dmn_certs *s);
/* Formats the verdict v and a printf-style sentence into st (NULL: nothing). Returns -EACCES for
 * a failure verdict, 0 for OK. */
int dmn_certs_status(struct dmn_cert_status *st, enum dmn_cert_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "2026-12-08 02:40:00 UTC" */
void dmn_certs_time_text(time_t t, char *out, size_t cap);
/* The index of the key whose key ID is c's, or -1. */
int dmn_certs_key_index(const struct dmn_certs *s, const struct dmn_cert *c);

/* certs_dn.c: the subject's DNs and altnames. */
bool dmn_certs_dn_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);
/* The subjectAltNames as "a, b, c" text. */
void dmn_certs_altnames_text(const struct dmn_cert *c, char *out, size_t cap);
/* The ID payload as text for messages ("@gw.example", "192.0.2.1", "C=CH, CN=x"). */
void dmn_certs_id_text(uint8_t id_type, const uint8_t *id, size_t len, char *out, size_t cap);

/* certs_verify.c: builds the chain of c (plus the given extra certificates), checks it at now. */
int dmn_certs_verify_chain(struct dmn_certs *s, struct dmn_cert *ee, struct dmn_cert *const *extra,
			   size_t n_extra, time_t now, const char *expect_ca,
			   struct dmn_cert_status *st);
