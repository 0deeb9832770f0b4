/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signature authentication in oakleyd: the engine's policy callbacks on the certificate store
 * (daemon/ike_certs.c), the store's place (ipsec.d/ next to the config file) and the load-time
 * checks of the certificates a conn names.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proto/ike/engine.h"

struct dmn_certs;
struct dmn_config;
struct dmn_diags;
struct dmn_secrets;

/* enum crypto_sig_alg of an IKEv1 authentication method, or -EINVAL (PSK, DSS, RSA encryption). */
int dmn_ike_method_alg(uint16_t method);
/* The ipsec.d/ directory next to config_path (NULL: DMN_CERTS_BASEDIR) into out. 0 or
 * -ENAMETOOLONG. */
int dmn_ike_certs_basedir(const char *config_path, char *out, size_t cap);
/* A new store on that directory with its files and the key entries of secrets loaded; problems
 * go to diags. Returns 0 and sets *ret, or -errno. */
int dmn_ike_certs_build(const char *config_path, const struct dmn_secrets *secrets,
			struct dmn_diags *diags, struct dmn_certs **ret);
/* Checks every leftcert= (with its key) and rightcert= of cfg; returns the number of errors
 * added to diags (each "file:line: certificate 'name': reason"). */
unsigned dmn_ike_certs_check(struct dmn_certs *s, const struct dmn_config *cfg,
			     struct dmn_diags *diags);

/* The signature part of a conn for the engine (called by dmn_ike_conn_to_proto): each phase-1
 * transform's method from authby= and the key of our certificate, leftsendcert=, and our ID as
 * the certificate's subject when leftid= is a DN, %fromcert or not set. 0 for PSK conns; -ENOKEY
 * (logged) without a usable certificate, -EKEYREJECTED when authby= does not fit its key. */
struct dmn;
struct dmn_conn;
int dmn_ike_certs_to_proto(const struct dmn *d, const struct dmn_conn *c,
			   struct proto_ike_conn *ret);

/* The policy callbacks (struct proto_ike_policy); ctx is the struct dmn. */
int dmn_ike_policy_sign(void *ctx, const struct proto_ike_conn *pc, uint16_t method,
			const uint8_t *hash, size_t hash_len, uint8_t *sig, size_t cap,
			size_t *ret_len);
int dmn_ike_policy_own_certs(void *ctx, const struct proto_ike_conn *pc,
			     const struct proto_ike_blob *cr, unsigned n_cr,
			     struct proto_ike_blob *ret, unsigned cap, unsigned *ret_n);
int dmn_ike_policy_ca_dns(void *ctx, const struct proto_ike_conn *pc, struct proto_ike_blob *ret,
			  unsigned cap, unsigned *ret_n);
enum proto_ike_reason dmn_ike_policy_verify(void *ctx, const struct proto_ike_conn *pc,
					    const struct proto_ike_peer_auth *in, char *text,
					    size_t text_cap);
