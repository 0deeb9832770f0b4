/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diffie-Hellman for IKEv1: one interface for the MODP groups (GMP, mpn_sec_powm), the ECP groups
 * (Nettle's ecc) and Curve25519 (Nettle).
 *
 *   group  kind     size  public value (KE payload data)      shared secret g^xy
 *   1      MODP      768  96 bytes, big-endian, left-padded   96 bytes, left-padded   RFC 2409 §6.1
 *   2      MODP     1024  128                                 128                     RFC 2409 §6.2
 *   5      MODP     1536  192                                 192                     RFC 3526 §2
 *   14     MODP     2048  256                                 256                     RFC 3526 §3
 *   15     MODP     3072  384                                 384                     RFC 3526 §4
 *   16     MODP     4096  512                                 512                     RFC 3526 §5
 *   17     MODP     6144  768                                 768                     RFC 3526 §6
 *   18     MODP     8192  1024                                1024                    RFC 3526 §7
 *   19     ECP     P-256  64 = x || y (no 0x04 prefix)        32 = x                  RFC 5903 §7
 *   20     ECP     P-384  96                                  48                      RFC 5903 §7
 *   21     ECP     P-521  132 (each coordinate 66 bytes)      66                      RFC 5903 §7
 *   31     X25519    255  32, little-endian u (RFC 7748 §5)   32                      RFC 8031 §2
 *
 * Private exponent length for MODP (crypto_dh_exponent_bits): twice the group's symmetric strength,
 * because the best attack on a short exponent (Pollard lambda / baby-step giant-step) costs
 * 2^(bits/2) (RFC 3526 §8 and its table of "exponent size" next to "strength estimate"; NIST SP
 * 800-57 Part 1 Table 2 for the strengths). The strength used is the larger of SP 800-57's figure
 * and the lower bound of RFC 3526's range; twice that is rounded up to a multiple of 64 bits
 * (a whole limb, a margin of at most 63 bits, paid for linearly in exponentiation time):
 *
 *   group         1    2    5    14   15   16   17   18
 *   strength      80   80   90   112  130  150  176  200   (SP 800-57 where it has a row:
 *   2 x strength  160  160  180  224  260  300  352  400    1024 -> 80, 2048 -> 112, 3072 -> 128,
 *   exponent      192  192  192  256  320  320  384  448    7680 -> 192, interpolated between;
 *                                                           RFC 3526 lower bounds 90..190)
 *
 * Group 14 thus gets 256 bits (SP 800-57 alone would give 224; 256 matches the AES-128 keys it
 * usually protects, at about 14% more time). The exponent's top bit is set, so every
 * exponent of a group has the same bit length and mpn_sec_powm's running time (which depends
 * only on that length) does not vary between keys. Groups 1 and 2 have less than 80 bits of
 * strength (the prime is the weak point); their exponent length is simply the smallest we use.
 *
 * Groups 1 and 2 are computed correctly but are weak (RFC 8247 §2.4, IKEv2 guidance that applies
 * equally here: group 1 MUST NOT, group 2 SHOULD NOT); crypto_dh_group_is_weak() tells the
 * configuration layer, which decides. Group 5 is SHOULD NOT there too but is not reported as
 * weak (many deployed IKEv1 peers still default to it); policy may still refuse it.
 *
 * MODP exponentiation is GMP's mpn_sec_powm (the core of mpz_powm_sec, side-channel silent) with
 * scratch space allocated and wiped here.
 *
 * Peer public values are validated before use: MODP exact length and 1 < y < p-1 (RFC 2631 §2.1.5
 * partial check; the groups are safe primes, so the only small subgroups are {1} and {1, p-1});
 * ECP exact length and the point on the curve (Nettle's ecc_point_set); X25519 exact length and an
 * all-zero result rejected (RFC 7748 §6.1, RFC 8031 §2).
 *
 * All functions return 0 or -errno. Secrets (private value, MODP scratch and shared value
 * temporaries) are wiped. Not wiped: the scratch Nettle's ecc_point_mul / ecc_point_mul_g /
 * curve25519_mul use internally (stack), which its public API does not expose.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest public value (group 18) and largest shared secret (group 18). */
#define CRYPTO_DH_PUBLIC_MAX 1024
#define CRYPTO_DH_SHARED_MAX 1024
/* Largest crypto_dh_random_len() (group 21: two 66-byte candidates). */
#define CRYPTO_DH_RANDOM_MAX 132

struct crypto_dh;

/* True if group is implemented here. */
bool crypto_dh_group_supported(unsigned group);
/* True for groups that need an explicit opt-in in the configuration (1 and 2). */
bool crypto_dh_group_is_weak(unsigned group);
/* A short name ("modp2048", "ecp256", "curve25519"), or NULL. */
const char *crypto_dh_group_name(unsigned group);
/* Length of the KE payload data for group, or 0 if unsupported. */
size_t crypto_dh_public_len(unsigned group);
/* Length of g^xy for group, or 0 if unsupported. */
size_t crypto_dh_shared_len(unsigned group);
/* MODP private exponent length in bits (table above); 0 for other or unknown groups. */
unsigned crypto_dh_exponent_bits(unsigned group);

/* Random bytes crypto_dh_new() takes for group (at most CRYPTO_DH_RANDOM_MAX), or 0 if unsupported.
 */
size_t crypto_dh_random_len(unsigned group);

/*
 * Creates a key pair for group from len = crypto_dh_random_len(group) bytes the caller drew from
 * its random source (crypto/ draws none; proto/ passes its proto_env's) and computes its public
 * value. MODP: the exponent is the bytes with the top bit set. X25519: the 32 bytes. ECP: two
 * field-size candidates, the first in [1, q-1] taken (rejection sampling; both fail with
 * probability below 2^-64 for every curve here, P-256's 2^-32 each being the largest). The bytes
 * are only read: the caller wipes them. Returns 0, -EINVAL for an unsupported group or a wrong
 * len, -EIO if both ECP candidates are out of range, -ENOMEM.
 */
int crypto_dh_new(unsigned group, const uint8_t *rnd, size_t len, struct crypto_dh **ret);

/*
 * Deterministic constructor for known-answer tests: the private value is given. MODP: big-endian
 * exponent, 1 < x < p-1. ECP: big-endian scalar, 0 < x < q, any length up to the field size.
 * X25519: the 32-byte scalar of RFC 7748 §5 (clamped by the multiplication). Returns 0, -EINVAL
 * for a bad group or value, -ENOMEM.
 */
int crypto_dh_new_from_private(unsigned group, const uint8_t *priv, size_t len,
			       struct crypto_dh **ret);

/* The group of dh. */
unsigned crypto_dh_group(const struct crypto_dh *dh);

/* Copies the public value to ret_public; len must equal crypto_dh_public_len(). Returns 0 or
 * -EINVAL. */
int crypto_dh_public(const struct crypto_dh *dh, uint8_t *ret_public, size_t len);

/*
 * Validates the peer's public value and computes the shared secret g^xy into ret_shared (cap
 * bytes); *ret_len receives crypto_dh_shared_len(). Returns 0, -EINVAL for an invalid peer value
 * (wrong length, out of range, off the curve, low order / all-zero result), -ENOBUFS if cap is too
 * small, -ENOMEM. ret_shared and ret_len are untouched on failure.
 */
int crypto_dh_shared(struct crypto_dh *dh, const uint8_t *peer, size_t len, uint8_t *ret_shared,
		     size_t cap, size_t *ret_len);

/* Wipes the private value and frees dh. Accepts NULL. */
void crypto_dh_free(struct crypto_dh *dh);

/*
 * The prime of a MODP group as the upper-case hex constant the RFC prints (without spaces), for
 * tests; NULL for other groups.
 */
const char *crypto_dh_modp_prime_hex(unsigned group);
