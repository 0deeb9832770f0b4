// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The MODP primes of crypto/dh.c (groups 1, 2: RFC 2409 §6.1, §6.2; groups 5, 14-18: RFC 3526
 * §2-§7). For every group this test
 *   - recomputes the RFC's defining formula p = 2^n - 2^(n-64) - 1 + 2^64 * ([2^(n-130) pi] + k),
 *     with pi from Machin's formula in GMP integers, and compares it with the table;
 *   - compares groups 1 and 2 with the hex digits printed in RFC 2409 §6.1 and §6.2;
 *   - proves p is a safe prime: q = (p-1)/2 passes mpz_probab_prime_p, and then p is prime by
 *     Pocklington's criterion (q prime, q > sqrt(p), 3^(p-1) = 1 mod p, gcd(3^2 - 1, p) = 1); p
 *     itself is also run through mpz_probab_prime_p for the small groups;
 *   - checks that 2 generates the subgroup of order q (2^q = 1 mod p), which holds as p = 7 mod 8.
 */
#include "crypto/dh.h"

#include <gmp.h>
#include <string.h>

#include "tests/testutil.h"

/* floor(pi * 2^bits) by Machin: pi = 16 atan(1/5) - 4 atan(1/239), with 64 guard bits. */
static void pi_fixed(mpz_t out, unsigned bits)
{
	mpz_t one, t, sum, term;
	static const struct {
		unsigned long x;
		int mult;
	} parts[] = {{5, 16}, {239, -4}};

	mpz_inits(one, t, sum, term, NULL);
	mpz_set_ui(out, 0);
	mpz_ui_pow_ui(one, 2, bits + 64);
	for (int k = 0; k < 2; k++) {
		unsigned long x = parts[k].x, n = 1;
		mpz_tdiv_q_ui(t, one, x); /* t = one / x^(2i+1) */
		mpz_set(sum, t);
		for (int sign = -1; mpz_sgn(t) != 0 && n < 100000; sign = -sign) {
			mpz_tdiv_q_ui(t, t, x * x);
			n += 2;
			mpz_tdiv_q_ui(term, t, n);
			if (sign < 0)
				mpz_sub(sum, sum, term);
			else
				mpz_add(sum, sum, term);
		}
		mpz_mul_si(sum, sum, parts[k].mult);
		mpz_add(out, out, sum);
	}
	mpz_fdiv_q_2exp(out, out, 64);
	mpz_clears(one, t, sum, term, NULL);
}

static const struct {
	unsigned group, bits;
	unsigned long k;
} defs[] = {
	{1, 768, 149686},    {2, 1024, 129093},	 {5, 1536, 741804},  {14, 2048, 124476},
	{15, 3072, 1690314}, {16, 4096, 240904}, {17, 6144, 929484}, {18, 8192, 4743158},
};

/* RFC 2409 §6.1 and §6.2, as printed (spaces and line breaks removed). */
static const char rfc2409_group1[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
	"8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620"
	"FFFFFFFFFFFFFFFF";
static const char rfc2409_group2[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
	"8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
	"0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

static void check_group(unsigned idx)
{
	unsigned group = defs[idx].group, n = defs[idx].bits;
	const char *hex = crypto_dh_modp_prime_hex(group);
	mpz_t p, f, t, q, r;

	if (!CHECK(hex != NULL))
		return;
	mpz_inits(p, f, t, q, r, NULL);
	CHECK(mpz_set_str(p, hex, 16) == 0);
	CHECK_EQ_INT(mpz_sizeinbase(p, 2), n);
	CHECK_EQ_INT(strlen(hex), n / 4);
	CHECK_EQ_INT(crypto_dh_public_len(group), n / 8);

	/* The formula. */
	pi_fixed(f, n - 130);
	mpz_add_ui(f, f, defs[idx].k);
	mpz_mul_2exp(f, f, 64);
	mpz_ui_pow_ui(t, 2, n);
	mpz_add(f, f, t);
	mpz_ui_pow_ui(t, 2, n - 64);
	mpz_sub(f, f, t);
	mpz_sub_ui(f, f, 1);
	if (!CHECK(mpz_cmp(f, p) == 0))
		fprintf(stderr, "  group %u differs from its RFC formula\n", group);

	/* Safe prime. */
	mpz_sub_ui(q, p, 1);
	mpz_fdiv_q_2exp(q, q, 1);
	if (!CHECK(mpz_probab_prime_p(q, 25) > 0))
		fprintf(stderr, "  group %u: (p-1)/2 is not prime\n", group);
	mpz_sub_ui(t, p, 1);
	mpz_set_ui(r, 3);
	mpz_powm(r, r, t, p);
	CHECK(mpz_cmp_ui(r, 1) == 0); /* Pocklington with a = 3 */
	mpz_set_ui(t, 8);
	mpz_gcd(t, t, p);
	CHECK(mpz_cmp_ui(t, 1) == 0);
	if (n <= 2048)
		CHECK(mpz_probab_prime_p(p, 25) > 0);
	/* Generator 2 has order q. */
	CHECK_EQ_INT(mpz_fdiv_ui(p, 8), 7);
	mpz_set_ui(r, 2);
	mpz_powm(r, r, q, p);
	CHECK(mpz_cmp_ui(r, 1) == 0);
	mpz_clears(p, f, t, q, r, NULL);
}

int main(int argc, char **argv)
{
	/* Optional argument: one group number, so meson can run the big groups in parallel. */
	unsigned only = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 0;
	unsigned done = 0;

	for (unsigned i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		if (only && defs[i].group != only)
			continue;
		check_group(i);
		done++;
	}
	if (!CHECK(done > 0))
		fprintf(stderr, "no such MODP group: %u\n", only);
	if (!only || only == 1)
		CHECK(strcmp(crypto_dh_modp_prime_hex(1), rfc2409_group1) == 0);
	if (!only || only == 2)
		CHECK(strcmp(crypto_dh_modp_prime_hex(2), rfc2409_group2) == 0);
	CHECK(crypto_dh_modp_prime_hex(19) == NULL);
	return TEST_END();
}
