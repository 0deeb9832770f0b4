// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tests/bench/sigcost: the signature cost of one certificate-authenticated handshake on one core,
 * for the crypto bound of tests/bench/run (tests/bench/crypto.c gives the DH part). For the
 * certificate CERT with its key KEY under the CA CA (files made by strongSwan's pki):
 *
 *   sign         dmn_certs_sign over a 32-byte HASH_R: oakleyd's path (the GnuTLS key exported
 *                into crypto/sig numbers, Nettle signs, the numbers wiped)
 *   verify       crypto_sig_verify of that signature with the certificate's public key: the
 *                signature check alone, which no responder can avoid
 *   verify_peer  dmn_certs_verify_peer with the certificate as the peer's CERT payload, its DN as
 *                the ID and the SIG: oakleyd's whole check (chain to the CA with its signature,
 *                dates, ID, then the SIG); a daemon that caches verified chains pays less
 *
 * Thread CPU time per operation, interleaved in small chunks; each figure is the minimum over the
 * samples, the JSON also gives the medians (as tests/bench/crypto.c does).
 *
 * Usage: sigcost [-t MS] CERT KEY CA     MS = time budget (default 500 ms).
 * Output: a line of figures, then one JSON line:
 *   {"alg":"RSA","sig_bytes":384,"sign_us":..,"verify_us":..,"verify_peer_us":..,
 *    "sign_median_us":..,"verify_median_us":..,"verify_peer_median_us":..,"samples":..}
 * Exit status 0; 1 if an operation fails, 2 for a usage or load error.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "daemon/certs.h"

#define CHUNK	    4
#define MAX_SAMPLES 20000
#define MIN_SAMPLES 24

struct samples {
	double t[MAX_SAMPLES];
	unsigned n;
};

struct bench {
	struct dmn_certs *store;
	const struct dmn_cert *own;
	enum crypto_sig_alg alg;
	struct crypto_sig_key pub;
	gnutls_datum_t a, b; /* RSA n, e or EC x, y */
	uint8_t hash[32], sig[CRYPTO_SIG_MAX_LEN];
	size_t sig_len;
	struct dmn_cert_blob cert;
	const uint8_t *dn;
	size_t dn_len;
};

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int op_sign(struct bench *b)
{
	return dmn_certs_sign(b->store, b->own, b->alg, b->hash, sizeof(b->hash), b->sig,
			      sizeof(b->sig), &b->sig_len);
}

static int op_verify(struct bench *b)
{
	return crypto_sig_verify(&b->pub, b->hash, sizeof(b->hash), b->sig, b->sig_len);
}

static int op_verify_peer(struct bench *b)
{
	struct dmn_peer_auth a = {.certs = &b->cert,
				  .n_certs = 1,
				  .id_type = DMN_CERT_ID_DER_ASN1_DN,
				  .id = b->dn,
				  .id_len = b->dn_len,
				  .alg = b->alg,
				  .data = b->hash,
				  .data_len = sizeof(b->hash),
				  .sig = b->sig,
				  .sig_len = b->sig_len};
	struct dmn_cert_status st = {0};
	int r = dmn_certs_verify_peer(b->store, &a, &st, NULL);
	if (r < 0)
		fprintf(stderr, "sigcost: verify_peer: %s\n", st.text);
	return r;
}

/* The certificate's public key as crypto/sig numbers (GnuTLS's raw export). */
static int export_pub(struct bench *b)
{
	gnutls_x509_crt_t crt;
	gnutls_pubkey_t pk;
	gnutls_datum_t der = {(unsigned char *)b->cert.data, (unsigned)b->cert.len};
	gnutls_ecc_curve_t curve;
	int r = gnutls_x509_crt_init(&crt);
	if (r < 0)
		return -ENOMEM;
	if (gnutls_pubkey_init(&pk) < 0) {
		gnutls_x509_crt_deinit(crt);
		return -ENOMEM;
	}
	r = gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER);
	if (r >= 0)
		r = gnutls_pubkey_import_x509(pk, crt, 0);
	b->pub = (struct crypto_sig_key){.alg = b->alg, .prehashed = true};
	if (r >= 0 && b->alg == CRYPTO_SIG_RSA) {
		r = gnutls_pubkey_export_rsa_raw2(pk, &b->a, &b->b, 0);
		b->pub.n = (struct crypto_sig_num){b->a.data, b->a.size};
		b->pub.e = (struct crypto_sig_num){b->b.data, b->b.size};
	} else if (r >= 0) {
		r = gnutls_pubkey_export_ecc_raw2(pk, &curve, &b->a, &b->b, 0);
		b->pub.x = (struct crypto_sig_num){b->a.data, b->a.size};
		b->pub.y = (struct crypto_sig_num){b->b.data, b->b.size};
	}
	gnutls_pubkey_deinit(pk);
	gnutls_x509_crt_deinit(crt);
	return r < 0 ? -EINVAL : 0;
}

static int load(struct bench *b, char **files)
{
	char p[3][PATH_MAX];
	struct dmn_cert_status st = {0};
	const struct dmn_cert *anchor = NULL;
	for (int i = 0; i < 3; i++)
		if (!realpath(files[i], p[i])) {
			fprintf(stderr, "sigcost: %s: %s\n", files[i], strerror(errno));
			return -1;
		}
	if (dmn_certs_new(NULL, &b->store) < 0 ||
	    dmn_certs_load_cert_file(b->store, p[2], true, &anchor, &st) < 0 ||
	    dmn_certs_load_key_file(b->store, p[1], NULL, &st) < 0 ||
	    !(b->own = dmn_certs_own(b->store, p[0], &st)) || dmn_cert_sig_alg(b->own) < 0) {
		fprintf(stderr, "sigcost: %s\n", st.text[0] ? st.text : "cannot load the files");
		return -1;
	}
	b->alg = (enum crypto_sig_alg)dmn_cert_sig_alg(b->own);
	b->cert.encoding = DMN_CERT_ENC_X509_SIG;
	dmn_cert_der(b->own, &b->cert.data, &b->cert.len);
	dmn_cert_subject_der(b->own, &b->dn, &b->dn_len);
	if (getrandom(b->hash, sizeof(b->hash), 0) != sizeof(b->hash) || op_sign(b) < 0 ||
	    export_pub(b) < 0 || op_verify(b) < 0 || op_verify_peer(b) < 0) {
		fprintf(stderr, "sigcost: the first sign/verify failed\n");
		return -1;
	}
	return 0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;
	return a < c ? -1 : a > c;
}

static double summarize(struct samples *s, double *median)
{
	qsort(s->t, s->n, sizeof(s->t[0]), cmp_double);
	*median = s->t[s->n / 2];
	return s->t[0];
}

static int run(struct bench *b, double budget, struct samples s[3])
{
	int (*ops[3])(struct bench *) = {op_sign, op_verify, op_verify_peer};
	double end = now_s() + budget;
	while ((now_s() < end || s[2].n < MIN_SAMPLES) && s[2].n < MAX_SAMPLES)
		for (int k = 0; k < 3; k++)
			for (unsigned i = 0; i < CHUNK; i++) {
				double t0 = cpu_s();
				if (ops[k](b) < 0)
					return -1;
				s[k].t[s[k].n++] = cpu_s() - t0;
			}
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench b;
	static struct samples s[3];
	double budget = 0.5, med[3], min[3];
	int i = 1;
	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		budget = strtod(argv[2], NULL) / 1000.0;
		i = 3;
	}
	if (argc - i != 3) {
		fprintf(stderr, "usage: %s [-t MS] CERT KEY CA\n", argv[0]);
		return 2;
	}
	if (load(&b, argv + i) < 0)
		return 2;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		fprintf(stderr, "note: could not pin to one CPU: %s\n", strerror(errno));
	int r = run(&b, budget, s);
	if (r == 0) {
		for (int k = 0; k < 3; k++)
			min[k] = summarize(&s[k], &med[k]) * 1e6, med[k] *= 1e6;
		printf("# %s (%zu-byte signatures), us of thread CPU time, minimum of %u samples: "
		       "sign "
		       "%.1f, verify %.1f, verify_peer %.1f\n",
		       crypto_sig_alg_name(b.alg), b.sig_len, s[0].n, min[0], min[1], min[2]);
		printf("{\"alg\":\"%s\",\"sig_bytes\":%zu,\"sign_us\":%.2f,\"verify_us\":%.2f,"
		       "\"verify_peer_us\":%.2f,\"sign_median_us\":%.2f,\"verify_median_us\":%.2f,"
		       "\"verify_peer_median_us\":%.2f,\"samples\":%u}\n",
		       crypto_sig_alg_name(b.alg), b.sig_len, min[0], min[1], min[2], med[0],
		       med[1], med[2], s[0].n);
	}
	gnutls_free(b.a.data);
	gnutls_free(b.b.data);
	dmn_certs_free(b.store);
	return r < 0 ? 1 : 0;
}
