// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for what a peer controls in the certificate store (daemon/certs*.c): the
 * first byte picks the surface, the rest is the peer's bytes.
 *   0: an ID_DER_ASN1_DN: DN text (bounded, NUL-terminated), wildcard matching against fixed
 *      patterns, DN comparison with itself (a DN that decodes equals itself).
 *   1..3: CERT payloads of encoding X.509 (4), PKCS#7 (1) or CRL (7) given to
 *      dmn_certs_verify_peer on an empty store: the verdict is never OK (nothing is trusted),
 *      its sentence is NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/certs_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_dn(const uint8_t *p, size_t n)
{
	char text[DMN_DN_TEXT_MAX];
	memset(text, 0x55, sizeof(text));
	int r = dmn_dn_to_text(p, n, text, sizeof(text));
	if (r == 0 && !memchr(text, '\0', sizeof(text)))
		abort();
	bool eq = dmn_certs_dn_equal(p, n, p, n);
	(void)dmn_dn_match("C=CH, O=Example, CN=*", p, n);
	(void)dmn_dn_match("/C=*/O=*/OU=*/CN=*", p, n);
	if (r == 0 && !eq)
		abort(); /* it decoded, so it equals itself */
}

static void fuzz_payload(uint8_t which, const uint8_t *p, size_t n)
{
	static const enum dmn_cert_encoding enc[] = {DMN_CERT_ENC_X509_SIG, DMN_CERT_ENC_PKCS7,
						     DMN_CERT_ENC_CRL};
	static struct dmn_certs *s;
	struct dmn_cert_status st;
	if (!s && dmn_certs_new("/nonexistent/oakley-fuzz", &s) < 0)
		abort();
	struct dmn_cert_blob b = {enc[(which - 1) % 3], p, n};
	struct dmn_peer_auth a = {.certs = &b,
				  .n_certs = 1,
				  .id_type = DMN_CERT_ID_DER_ASN1_DN,
				  .id = p,
				  .id_len = n,
				  .alg = CRYPTO_SIG_RSA,
				  .data = p,
				  .data_len = n,
				  .sig = p,
				  .sig_len = n,
				  .now = 1700000000};
	memset(&st, 0x55, sizeof(st));
	if (dmn_certs_verify_peer(s, &a, &st, NULL) == 0 || st.verdict == DMN_CERT_OK ||
	    !memchr(st.text, '\0', sizeof(st.text)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	if (data[0] % 4 == 0)
		fuzz_dn(data + 1, size - 1);
	else
		fuzz_payload(data[0] % 4, data + 1, size - 1);
	return 0;
}
