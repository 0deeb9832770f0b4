/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The certificate store (GnuTLS, X.509 only): trust anchors, our own certificates and their
 * private keys, CRLs; chain verification and ID matching of a peer's certificate; signing with a
 * private key that never leaves the store.
 *
 * Directory layout (the other daemons'), under a base directory (default DMN_CERTS_BASEDIR, tests
 * give a temporary one):
 *   cacerts/   trust anchors and intermediates (PEM, several per file, or DER)
 *   certs/     our own (and configured peer) certificates: leftcert=, rightcert=
 *   private/   private keys: PKCS#1 or PKCS#8, PEM or DER, PKCS#8 possibly encrypted (ipsec.secrets
 *              ": RSA file passphrase" gives the passphrase)
 *   crls/      CRLs (PEM or DER)
 *   ocspcerts/ OCSP signer certificates (loaded and listed; OCSP itself is not done)
 * A relative name given to a dmn_certs_load_* function is resolved in the directory of its kind;
 * an absolute one is used as is.
 *
 * Verification: a peer's chain (CERT payloads: X.509 type 4, PKCS#7 type 1 unwrapped, CRLs type
 * 7 added to the store) is built through intermediates (cacerts/ and the peer's own) to a trust
 * anchor with gnutls_x509_trust_list; validity dates, key usage (digitalSignature on the end
 * entity, keyCertSign on CAs) and CRLs are checked. The peer's ID must be the end entity's subject
 * DN or one of its subjectAltNames (FQDN, USER_FQDN/email, IPv4/IPv6 address), and the configured
 * rightid= must match it too (DN with wildcard RDNs: "C=CH, O=Example, CN=*").
 *
 * Every failure comes back as a verdict and a sentence in plain words (for logs and oakley
 * explain): which CA a chain ends at, the dates, which CRL, both IDs.
 *
 * Ownership: the store owns every struct dmn_cert it returns; they live until dmn_certs_free (a
 * reload keeps the objects of files that did not change; dmn_certs_reload says when it replaced
 * some, so callers holding pointers look them up again by name).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/sig.h"
#include "daemon/config.h"

#define DMN_CERTS_BASEDIR  "/etc/oakley/ipsec.d"
#define DMN_CERTS_MAX	   1024 /* certificates in the store (each directory and run-time loads) */
#define DMN_CERT_CHAIN_MAX 8	/* certificates a peer may send (CERT payloads + PKCS#7 content) */
#define DMN_CERT_TEXT_MAX  512	/* one verdict sentence */
#define DMN_DN_TEXT_MAX	   512	/* a DN as RFC 4514-ish text "C=CH, O=Example, CN=gw" */

/* The subdirectories of the base directory, in this order. */
enum dmn_cert_dir {
	DMN_CERT_DIR_CACERTS,
	DMN_CERT_DIR_CERTS,
	DMN_CERT_DIR_PRIVATE,
	DMN_CERT_DIR_CRLS,
	DMN_CERT_DIR_OCSPCERTS,
	DMN_CERT_DIR__MAX
};

/* ISAKMP Certificate Encoding (RFC 2408 §3.9) values a CERT payload carries and we accept. */
enum dmn_cert_encoding {
	DMN_CERT_ENC_PKCS7 = 1,
	DMN_CERT_ENC_X509_SIG = 4,
	DMN_CERT_ENC_CRL = 7,
};

/* IPsec DOI identification types (RFC 2407 §4.6.2.1) the ID matching knows. */
enum dmn_cert_id_type {
	DMN_CERT_ID_IPV4_ADDR = 1,
	DMN_CERT_ID_FQDN = 2,
	DMN_CERT_ID_USER_FQDN = 3,
	DMN_CERT_ID_IPV6_ADDR = 5,
	DMN_CERT_ID_DER_ASN1_DN = 9,
};

/* The outcome of a load, check or verification. */
enum dmn_cert_verdict {
	DMN_CERT_OK,
	DMN_CERT_UNREADABLE,	 /* file missing or unreadable */
	DMN_CERT_MALFORMED,	 /* not a certificate/key/CRL, bad PKCS#7, wrong passphrase */
	DMN_CERT_NO_CERT,	 /* no certificate received and none configured for that ID */
	DMN_CERT_UNTRUSTED,	 /* the chain does not end at one of our trust anchors */
	DMN_CERT_EXPIRED,	 /* a certificate of the chain is past notAfter */
	DMN_CERT_NOT_YET_VALID,	 /* ... or before notBefore */
	DMN_CERT_REVOKED,	 /* listed in a CRL */
	DMN_CERT_KEY_USAGE,	 /* key usage forbids signing (end entity) or certificate signing */
	DMN_CERT_ID_MISMATCH,	 /* the peer's ID is not the certificate's, or not rightid= */
	DMN_CERT_BAD_SIGNATURE,	 /* SIG payload does not verify with the certificate's key */
	DMN_CERT_WRONG_KEY_TYPE, /* key type or curve does not fit the negotiated method */
	DMN_CERT_NO_KEY,	 /* no private key for our certificate */
	DMN_CERT_KEY_MISMATCH,	 /* the private key is not the certificate's */
	DMN_CERT__MAX
};

/* A verdict and its sentence, e.g. "certificate 'CN=peer' expired on 2025-01-01 00:00:00 UTC". */
struct dmn_cert_status {
	enum dmn_cert_verdict verdict;
	char text[DMN_CERT_TEXT_MAX];
};

struct dmn_certs; /* the store */
struct dmn_cert;  /* one certificate in the store */

/* One CERT payload's content as received (a view into the message). */
struct dmn_cert_blob {
	enum dmn_cert_encoding encoding;
	const uint8_t *data;
	size_t len;
};

/* A peer's authentication data in phase 1 (all views the caller owns). */
struct dmn_peer_auth {
	const struct dmn_cert_blob *certs; /* the CERT payloads received, end entity first or not */
	size_t n_certs;			   /* 0: use expect_cert */
	uint8_t id_type;		   /* enum dmn_cert_id_type, the peer's ID payload */
	const uint8_t *id;		   /* ID payload data after the DOI header */
	size_t id_len;
	const struct dmn_id *expect_id; /* rightid=: NULL or DMN_ID_ANY/DEFAULT accept the cert's */
	const char *expect_ca;		/* rightca= DN text (wildcard RDNs), NULL = any anchor */
	const char *expect_cert;	/* rightcert= name, NULL = none configured */
	enum crypto_sig_alg alg;	/* the negotiated method's */
	const uint8_t *data;		/* HASH_I or HASH_R */
	size_t data_len;
	const uint8_t *sig; /* SIG payload data; NULL: chain and ID only, no signature check */
	size_t sig_len;
	time_t now; /* 0 = time(NULL) */
};

/* What list-certs shows of one certificate. */
struct dmn_cert_info {
	const char *file; /* path it came from, or "(vici)"/"(peer)" */
	char subject[DMN_DN_TEXT_MAX];
	char issuer[DMN_DN_TEXT_MAX];
	char serial[80];		/* hex with ':' */
	char key[24];			/* "RSA 3072", "ECDSA P-256" */
	char altnames[DMN_DN_TEXT_MAX]; /* "gw.example.org, 192.0.2.1", "" when none */
	time_t not_before, not_after;
	enum dmn_cert_dir dir;	     /* cacerts, certs or ocspcerts */
	bool ca;		     /* basicConstraints CA:TRUE */
	bool has_key;		     /* a private key for it is loaded */
	const struct dmn_cert *cert; /* the certificate itself (dmn_cert_der: VICI list-cert) */
};

/* "OK", "untrusted CA", "expired", ...: the verdict in two or three words. */
const char *dmn_cert_verdict_name(enum dmn_cert_verdict v);
/* "cacerts", "certs", "private", "crls", "ocspcerts". */
const char *dmn_cert_dir_name(enum dmn_cert_dir d);

/*
 * A new empty store on basedir (NULL: DMN_CERTS_BASEDIR); nothing is read. Returns 0 and sets
 * *ret (free with dmn_certs_free) or -ENOMEM/-ENAMETOOLONG.
 */
int dmn_certs_new(const char *basedir, struct dmn_certs **ret);
/* Wipes every private key and frees the store. Accepts NULL. */
void dmn_certs_free(struct dmn_certs *s);
/* The base directory. */
const char *dmn_certs_basedir(const struct dmn_certs *s);
/* Resolves name in directory dir (see the header comment) into out. Returns 0 or -ENAMETOOLONG. */
int dmn_certs_path(const struct dmn_certs *s, enum dmn_cert_dir dir, const char *name, char *out,
		   size_t cap);

/*
 * Loads every file of cacerts/, certs/, crls/ and ocspcerts/ (a missing directory is fine). A file
 * that fails is skipped with a warning in diags ("file: reason", line 0). Private keys are not
 * loaded here: ipsec.secrets names them (dmn_certs_load_secrets). Returns the number of files
 * loaded, or -errno when the store cannot be updated at all.
 */
int dmn_certs_load_dirs(struct dmn_certs *s, struct dmn_diags *diags);
/*
 * Reload: rereads the directories, drops CRLs and certificates whose files are gone, adds new ones,
 * keeps run-time (VICI, peer CRL) additions and loaded keys. Returns the number of files read or
 * -errno; *ret_changed (may be NULL) tells whether certificates were added or removed.
 */
int dmn_certs_reload(struct dmn_certs *s, struct dmn_diags *diags, bool *ret_changed);

/*
 * Loads a certificate file (PEM with one or more certificates, or DER) from name resolved in
 * cacerts/ (ca true) or certs/. The store keeps one copy of each certificate (same DER: the
 * existing one is returned). Returns 0 and sets *ret (the first certificate of the file; may be
 * NULL) or -errno with st filled (st may be NULL).
 */
int dmn_certs_load_cert_file(struct dmn_certs *s, const char *name, bool ca,
			     const struct dmn_cert **ret, struct dmn_cert_status *st);
/* The same for bytes (PEM or DER), e.g. VICI load-cert; origin names it in list-certs. */
int dmn_certs_load_cert_mem(struct dmn_certs *s, const uint8_t *data, size_t len, bool ca,
			    const char *origin, const struct dmn_cert **ret,
			    struct dmn_cert_status *st);
/*
 * Loads a private key (PKCS#1 or PKCS#8, PEM or DER, encrypted PKCS#8 with passphrase) from name
 * resolved in private/. The passphrase is never logged nor kept. Returns 0 or -errno with st.
 */
int dmn_certs_load_key_file(struct dmn_certs *s, const char *name, const char *passphrase,
			    struct dmn_cert_status *st);
/* The same for bytes (VICI load-key); the caller wipes its copy. */
int dmn_certs_load_key_mem(struct dmn_certs *s, const uint8_t *data, size_t len,
			   const char *passphrase, const char *origin, struct dmn_cert_status *st);
/* Loads a CRL file (PEM or DER) from name resolved in crls/. Returns 0 or -errno with st. */
int dmn_certs_load_crl_file(struct dmn_certs *s, const char *name, struct dmn_cert_status *st);
/* A CRL as bytes: from VICI or a peer's CERT payload of type 7 (DER). A CRL (from anywhere) is
 * used only when its signature verifies with the issuer of the certificate it would revoke.
 * origin names it; one starting with "peer" counts against the peers' CRL limit (oldest go). */
int dmn_certs_load_crl_mem(struct dmn_certs *s, const uint8_t *data, size_t len, const char *origin,
			   struct dmn_cert_status *st);

/*
 * Loads the private key of every ": RSA file [passphrase]" and ": ECDSA file" entry of secrets
 * (the dmn_secret kinds DMN_SECRET_RSA/ECDSA), adding "file:line: reason" errors to diags.
 * Returns the number of keys loaded.
 */
struct dmn_secrets;
int dmn_certs_load_secrets(struct dmn_certs *s, const struct dmn_secrets *secrets,
			   struct dmn_diags *diags);

/* Our certificate for leftcert=name (resolved in certs/, loaded on first use). NULL: st says why.
 */
const struct dmn_cert *dmn_certs_own(struct dmn_certs *s, const char *name,
				     struct dmn_cert_status *st);
/* A certificate of the store with a private key whose subject or subjectAltName is id (for
 * leftid= without leftcert=), or NULL. */
const struct dmn_cert *dmn_certs_own_by_id(const struct dmn_certs *s, const struct dmn_id *id);
/* A certificate with a private key issued (directly or through intermediates) under the CA whose
 * DER subject DN is ca_dn (a peer's CR), or NULL: "the peer's CR names a CA we have no
 * certificate from". */
const struct dmn_cert *dmn_certs_own_by_ca(const struct dmn_certs *s, const uint8_t *ca_dn,
					   size_t ca_dn_len);

/* The certificate's DER (the CERT payload to send). */
void dmn_cert_der(const struct dmn_cert *c, const uint8_t **ret, size_t *ret_len);
/* Its subject DN in DER (our ID_DER_ASN1_DN for leftid=%fromcert) and as text. */
void dmn_cert_subject_der(const struct dmn_cert *c, const uint8_t **ret, size_t *ret_len);
const char *dmn_cert_subject(const struct dmn_cert *c);
/* The signature method its key can make: RSA or the ECDSA curve's; -EINVAL for other keys. */
int dmn_cert_sig_alg(const struct dmn_cert *c);
/* True when the store has the private key of c. */
bool dmn_cert_has_key(const struct dmn_certs *s, const struct dmn_cert *c);
/*
 * The intermediates between c and its trust anchor that the store holds (to send as extra CERT
 * payloads), nearest first, at most cap. Returns the number written.
 */
size_t dmn_certs_intermediates(const struct dmn_certs *s, const struct dmn_cert *c,
			       const struct dmn_cert **out, size_t cap);
/*
 * The DER subject DNs of the trust anchors (CR payloads), at most cap; views into the store.
 * Returns the total number of anchors (may exceed cap).
 */
size_t dmn_certs_ca_dns(const struct dmn_certs *s, struct dmn_cert_blob *out, size_t cap);

/*
 * Signs data (HASH_I/HASH_R) with the private key of c for method alg: RSA PKCS#1 v1.5 without
 * DigestInfo, or ECDSA r|s over the method's hash. Returns 0 and sets *ret_len, or -ENOKEY (no
 * key for c), -EKEYREJECTED (alg does not fit the key), -ENOBUFS, -EIO.
 */
int dmn_certs_sign(const struct dmn_certs *s, const struct dmn_cert *c, enum crypto_sig_alg alg,
		   const uint8_t *data, size_t len, uint8_t *sig, size_t cap, size_t *ret_len);

/*
 * Verifies a peer: CRLs among a->certs are loaded first; the chain is built from the other CERT
 * payloads (PKCS#7 unwrapped; the end entity is the one that issued none of the others) or, when
 * none came, a->expect_cert or a certificate of certs/ carrying the peer's ID; it is verified to a
 * trust anchor (rightca= when set) at a->now, the ID matched, then the signature checked with the
 * end entity's key. Order of the checks (the first failure is the verdict): chain, dates,
 * revocation, key usage, rightca=, ID, rightid=, method/key type, signature. Returns 0 (st->verdict
 * DMN_CERT_OK, text naming the subject and the CA) or -EACCES with st saying why; -ENOMEM.
 * ret_cert (may be NULL) gets the peer's end-entity certificate when it is known; it stays valid
 * until the next verification or reload.
 */
int dmn_certs_verify_peer(struct dmn_certs *s, const struct dmn_peer_auth *a,
			  struct dmn_cert_status *st, const struct dmn_cert **ret_cert);

/* True when the ID payload (type, data) names c: its subject DN (DER compared as DN, or a text DN
 * with wildcard RDNs) or one of its subjectAltNames. */
bool dmn_cert_matches_id(const struct dmn_cert *c, uint8_t id_type, const uint8_t *id, size_t len);
/* True when the configured ID (rightid=) names c the same way (DN wildcards allowed). */
bool dmn_cert_matches_cfg_id(const struct dmn_cert *c, const struct dmn_id *id);
/* Whether the ID payload the peer sent (type, value) is the configured rightid= (a DN with
 * wildcard RDNs; none or %any: any ID). */
bool dmn_certs_cfg_id_is_payload(const struct dmn_id *want, uint8_t type, const uint8_t *id,
				 size_t len);
/*
 * DN matching as operators know it: pattern is text ("C=CH, O=Example, CN=*", also '/' separated),
 * dn is DER. RDNs are compared in order, attribute types by name or OID, values case-insensitively;
 * a value "*" matches any value of that attribute. Returns true on a match.
 */
bool dmn_dn_match(const char *pattern, const uint8_t *dn, size_t dn_len);
/* A DER DN as text into out. Returns 0 or -EINVAL/-ENOBUFS. */
int dmn_dn_to_text(const uint8_t *dn, size_t dn_len, char *out, size_t cap);

/*
 * Checks the certificate a conn names (leftcert= or rightcert=, at cfg_file:cfg_line): readable,
 * valid now, chains to a trust anchor, and (need_key) its private key is loaded and matches.
 * Adds one "cfg_file:cfg_line: certificate 'name': reason" error per problem to diags. Returns the
 * number of errors added.
 */
unsigned dmn_certs_check(struct dmn_certs *s, const char *name, bool need_key, const char *cfg_file,
			 unsigned cfg_line, struct dmn_diags *diags);

/* Calls fn for each certificate (cacerts, certs, ocspcerts, run-time loads) until it returns
 * non-zero; returns that value or 0. */
int dmn_certs_foreach(const struct dmn_certs *s,
		      int (*fn)(const struct dmn_cert_info *info, void *ctx), void *ctx);
/* Counts for metrics/status. */
size_t dmn_certs_count(const struct dmn_certs *s, size_t *ret_keys, size_t *ret_crls);
