// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tests/bench/crypto: Diffie-Hellman cost per group on one core, next to the bare library cost
 * measured in the same run, so the handshake benchmark can state its crypto bound.
 *
 *   ours keygen  = getrandom + crypto_dh_new + crypto_dh_free   (private value, public value)
 *   ours shared  = crypto_dh_shared                 (peer validation + the multiplication)
 *   raw keygen   = mpz_powm_sec(2, x, p) | ecc_point_mul_g | curve25519_mul_g
 *   raw shared   = mpz_powm_sec(y, x, p) | ecc_point_mul   | curve25519_mul
 * with the same exponent length (crypto_dh_exponent_bits) and key sizes. Operations are timed one
 * by one (thread CPU time, so time spent descheduled does not count), ours and raw interleaved in
 * small chunks; each figure is the minimum over the samples (the uncontended cost, robust on a
 * busy machine), the JSON also gives the medians.
 *
 * Usage: crypto [-t MS] [GROUP...]   MS = time budget per group (default 500 ms).
 * Output: a table, then one JSON line per group:
 *   {"group":14,"name":"modp2048","keygen_us":..,"shared_us":..,"keygen_per_s":..,
 *    "shared_per_s":..,"raw_keygen_us":..,"raw_shared_us":..,"ratio_keygen":..,"ratio_shared":..,
 *    "keygen_median_us":..,"shared_median_us":..,"raw_keygen_median_us":..,
 *    "raw_shared_median_us":..,"samples":..,"exponent_bits":..}
 * keygen_us/shared_us (and the per-second figures) are the minima: the crypto bound of one core.
 * Exit status 0; 1 if a DH operation fails.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <gmp.h>
#include <nettle/curve25519.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>

#include "crypto/dh.h"
#include "tests/dh_random.h"

#define CHUNK	    4
#define MIN_SAMPLES 48
#define MAX_SAMPLES 20000

static const unsigned default_groups[] = {1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 31};

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wall clock, for the time budget. */
static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* This thread's CPU time, for the samples: time spent descheduled on a busy machine is not
 * counted (the clock read costs well under 1 us, against 30 us for the cheapest operation). */
static double cpu_s(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

/* One benchmarked operation over a context. Returns 0 or -1 on failure. */
typedef int (*op_fn)(void *ctx);

/* Per-operation samples of one kind of operation. */
struct samples {
	double t[MAX_SAMPLES];
	unsigned n;
};

/* Times chunk single operations, one sample each. Returns 0 or -1 if an operation failed. */
static int run_chunk(op_fn op, void *ctx, struct samples *s, unsigned chunk)
{
	for (unsigned i = 0; i < chunk && s->n < MAX_SAMPLES; i++) {
		double t0 = cpu_s();
		if (op(ctx) < 0)
			return -1;
		s->t[s->n++] = cpu_s() - t0;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sorts the samples; returns the minimum and stores the median. */
static double summarize(struct samples *s, double *median)
{
	qsort(s->t, s->n, sizeof(s->t[0]), cmp_double);
	*median = s->t[s->n / 2];
	return s->t[0];
}

/* State shared by the operations of one group. */
struct bench {
	unsigned group;
	const struct ecc_curve *curve;
	struct crypto_dh *mine;
	uint8_t peer[CRYPTO_DH_PUBLIC_MAX], out[CRYPTO_DH_SHARED_MAX];
	size_t peer_len;
	/* raw MODP */
	mpz_t p, x, y, z, two;
	/* raw ECP */
	struct ecc_scalar s;
	struct ecc_point pt, res;
	/* raw X25519 */
	uint8_t k[32], u[32], q[32];
};

static int op_keygen(void *ctx)
{
	struct bench *b = ctx;
	struct crypto_dh *dh = NULL;
	if (test_dh_new_random(b->group, &dh) < 0)
		return -1;
	crypto_dh_free(dh);
	return 0;
}

static int op_shared(void *ctx)
{
	struct bench *b = ctx;
	size_t n;
	return crypto_dh_shared(b->mine, b->peer, b->peer_len, b->out, sizeof(b->out), &n) < 0 ? -1
											       : 0;
}

static int op_raw_keygen(void *ctx)
{
	struct bench *b = ctx;
	if (b->curve)
		ecc_point_mul_g(&b->res, &b->s);
	else if (b->group == 31)
		curve25519_mul_g(b->q, b->k);
	else
		mpz_powm_sec(b->z, b->two, b->x, b->p);
	return 0;
}

static int op_raw_shared(void *ctx)
{
	struct bench *b = ctx;
	if (b->curve)
		ecc_point_mul(&b->res, &b->s, &b->pt);
	else if (b->group == 31)
		curve25519_mul(b->q, b->k, b->u);
	else
		mpz_powm_sec(b->z, b->y, b->x, b->p);
	return 0;
}

/* Sets up the raw-library operands with the same sizes as crypto/dh uses. */
static int raw_setup(struct bench *b)
{
	uint8_t rnd[1024];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	if (b->group == 31) {
		memcpy(b->k, rnd, 32);
		curve25519_mul_g(b->u, rnd + 32);
		return 0;
	}
	if (b->curve) {
		mpz_t t, px, py;
		mpz_inits(t, px, py, NULL);
		ecc_scalar_init(&b->s, b->curve);
		ecc_point_init(&b->pt, b->curve);
		ecc_point_init(&b->res, b->curve);
		mpz_import(t, (size_t)(ecc_bit_size(b->curve) - 1) / 8, 1, 1, 1, 0, rnd);
		if (!ecc_scalar_set(&b->s, t))
			return -1;
		ecc_point_mul_g(&b->pt, &b->s); /* a valid peer point */
		mpz_import(t, (size_t)(ecc_bit_size(b->curve) - 1) / 8, 1, 1, 1, 0, rnd + 100);
		if (!ecc_scalar_set(&b->s, t))
			return -1;
		mpz_clears(t, px, py, NULL);
		return 0;
	}
	unsigned ebits = crypto_dh_exponent_bits(b->group);
	mpz_inits(b->x, b->y, b->z, NULL);
	mpz_init_set_ui(b->two, 2);
	mpz_init_set_str(b->p, crypto_dh_modp_prime_hex(b->group), 16);
	rnd[0] |= 0x80;
	mpz_import(b->x, ebits / 8, 1, 1, 1, 0, rnd);
	mpz_import(b->y, b->peer_len, 1, 1, 1, 0, b->peer); /* the real peer value */
	return 0;
}

static void raw_clear(struct bench *b)
{
	if (b->curve) {
		ecc_scalar_clear(&b->s);
		ecc_point_clear(&b->pt);
		ecc_point_clear(&b->res);
	} else if (b->group != 31) {
		mpz_clears(b->p, b->x, b->y, b->z, b->two, NULL);
	}
}

static const struct ecc_curve *curve_of(unsigned group)
{
	switch (group) {
	case 19:
		return nettle_get_secp_256r1();
	case 20:
		return nettle_get_secp_384r1();
	case 21:
		return nettle_get_secp_521r1();
	default:
		return NULL;
	}
}

static int bench_group(unsigned group, double budget)
{
	struct bench b = {.group = group, .curve = curve_of(group)};
	struct crypto_dh *peer = NULL;
	static struct samples smp[4];
	double mn[4], med[4];
	op_fn ops[4] = {op_keygen, op_raw_keygen, op_shared, op_raw_shared};
	int err = 0;

	b.peer_len = crypto_dh_public_len(group);
	if (test_dh_new_random(group, &b.mine) < 0 || test_dh_new_random(group, &peer) < 0 ||
	    crypto_dh_public(peer, b.peer, b.peer_len) < 0 || raw_setup(&b) < 0) {
		fprintf(stderr, "group %u: setup failed\n", group);
		crypto_dh_free(b.mine);
		crypto_dh_free(peer);
		return -1;
	}
	/*
	 * Interleave ours and raw in chunks of CHUNK operations, each timed alone, until the budget
	 * is spent (and every kind has MIN_SAMPLES): both see the same machine state, and the
	 * minimum over many single operations is the uncontended cost even on a busy machine.
	 */
	for (int i = 0; i < 4; i++)
		smp[i].n = 0;
	double start = now_s();
	while (!err && smp[3].n < MAX_SAMPLES &&
	       (now_s() - start < budget || smp[0].n < MIN_SAMPLES || smp[3].n < MIN_SAMPLES))
		for (int i = 0; i < 4 && !err; i++)
			err = run_chunk(ops[i], &b, &smp[i], CHUNK) < 0;
	raw_clear(&b);
	crypto_dh_free(b.mine);
	crypto_dh_free(peer);
	if (err) {
		fprintf(stderr, "group %u: operation failed\n", group);
		return -1;
	}
	for (int i = 0; i < 4; i++)
		mn[i] = summarize(&smp[i], &med[i]) * 1e6;
	double kg = mn[0], rkg = mn[1], sh = mn[2], rsh = mn[3];
	printf("%5u %-11s %10.1f %10.1f %6.3f %10.1f %10.1f %6.3f %9.0f %9.0f\n", group,
	       crypto_dh_group_name(group), kg, rkg, kg / rkg, sh, rsh, sh / rsh, 1e6 / kg,
	       1e6 / sh);
	printf("{\"group\":%u,\"name\":\"%s\",\"keygen_us\":%.2f,\"shared_us\":%.2f,"
	       "\"keygen_per_s\":%.0f,\"shared_per_s\":%.0f,\"raw_keygen_us\":%.2f,"
	       "\"raw_shared_us\":%.2f,\"ratio_keygen\":%.3f,\"ratio_shared\":%.3f,"
	       "\"keygen_median_us\":%.2f,\"shared_median_us\":%.2f,\"raw_keygen_median_us\":%.2f,"
	       "\"raw_shared_median_us\":%.2f,\"samples\":%u,\"exponent_bits\":%u}\n",
	       group, crypto_dh_group_name(group), kg, sh, 1e6 / kg, 1e6 / sh, rkg, rsh, kg / rkg,
	       sh / rsh, med[0] * 1e6, med[2] * 1e6, med[1] * 1e6, med[3] * 1e6, smp[0].n,
	       crypto_dh_exponent_bits(group));
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	double budget = 0.5;
	unsigned groups[64], n = 0;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			budget = strtod(argv[++i], NULL) / 1000.0;
		else if (n < 64 && crypto_dh_group_supported((unsigned)strtoul(argv[i], NULL, 10)))
			groups[n++] = (unsigned)strtoul(argv[i], NULL, 10);
		else {
			fprintf(stderr, "usage: %s [-t MS] [GROUP...]\n", argv[0]);
			return 2;
		}
	}
	if (n == 0)
		for (; n < sizeof(default_groups) / sizeof(default_groups[0]); n++)
			groups[n] = default_groups[n];

	/* One core: pin to the CPU we started on. */
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		fprintf(stderr, "note: could not pin to one CPU: %s\n", strerror(errno));

	printf("# DH cost per operation, microseconds of thread CPU time, one core: minimum of\n"
	       "# single-operation samples taken interleaved (ours/raw) over %.0f ms per group;\n"
	       "# medians in the JSON lines\n",
	       budget * 1000);
	printf("%5s %-11s %10s %10s %6s %10s %10s %6s %9s %9s\n", "group", "name", "keygen", "raw",
	       "ratio", "shared", "raw", "ratio", "keygen/s", "shared/s");
	for (unsigned i = 0; i < n; i++)
		if (bench_group(groups[i], budget) < 0)
			failed = 1;
	return failed;
}
