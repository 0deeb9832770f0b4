/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikeload's signature authentication (tests/bench/ikeload_sig.c): the engine's sign, own_certs,
 * ca_dns and verify callbacks on a certificate store (daemon/certs.h) holding the client's
 * certificate and private key and the CA the responder's certificate must chain to, all read
 * from files (made by strongSwan's pki in tests/bench/run).
 */
#pragma once

#include <stdint.h>

#include "proto/ike/engine.h"

struct ikeload_sig;

/* Loads cert (PEM or DER), its private key and the CA certificate. Returns 0 and sets *ret, or
 * -errno after printing why on stderr. */
int ikeload_sig_new(const char *cert, const char *key, const char *ca, struct ikeload_sig **ret);
void ikeload_sig_free(struct ikeload_sig *s);
/* The IKEv1 method the key signs with: IKE_AUTH_RSA_SIG or IKE_AUTH_ECDSA_SHA256/384/512. */
uint16_t ikeload_sig_method(const struct ikeload_sig *s);
/* Sets pol's sign, own_certs, ca_dns and verify. pol->ctx must point to a struct whose first
 * member is the struct ikeload_sig pointer. The peer's certificate is verified as the daemon does
 * (chain to the CA, dates, its ID payload against the certificate, the signature). */
void ikeload_sig_policy(struct proto_ike_policy *pol);
