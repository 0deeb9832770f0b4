/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE SA encryption (RFC 2409 Appendix B): AES-CBC 128/192/256 and 3DES-CBC over Nettle, in place
 * over a caller buffer, without allocation.
 *
 * Padding on send. RFC 2409 says it twice, differently: Appendix B pads each message to the block
 * size "using bytes containing 0x00"; §5.3 says all padding bytes but the last are 0x00, the last
 * holds the number of padding bytes excluding itself, and "there will always be padding". We emit
 * the §5.3 form (1..block_len bytes, zeros, last byte = count - 1), which also satisfies Appendix B
 * everywhere but the count byte. Receivers known to us (strongSwan, Libreswan, racoon-derived
 * stacks, Cisco) parse by the payload lengths and ignore padding content; the interop tests of
 * the exchange issue must confirm it. On receive nothing about the padding is checked: the
 * caller's payload chain and the ISAKMP length determine where the real data ends.
 *
 * The IV is the CBC chaining value; which IV to use and when to advance it is the job of
 * struct crypto_iv_state in crypto/ike_keys.h.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <nettle/aes.h>
#include <nettle/des.h>

/* IKEv1 Encryption Algorithm attribute values (RFC 2409 App. A; AES: RFC 3602 / IANA). */
enum crypto_cipher_alg {
	CRYPTO_CIPHER_3DES_CBC = 5,
	CRYPTO_CIPHER_AES_CBC = 7,
};

#define CRYPTO_CIPHER_BLOCK_MAX 16
#define CRYPTO_CIPHER_KEY_MAX	32

/* A keyed cipher. Holds expanded key schedules: wipe with crypto_cipher_wipe. */
struct crypto_cipher {
	enum crypto_cipher_alg alg;
	size_t key_len;
	size_t block_len;
	union {
		struct aes128_ctx aes128;
		struct aes192_ctx aes192;
		struct aes256_ctx aes256;
		struct des3_ctx des3;
	} enc, dec;
};

/* The chaining value between messages. */
struct crypto_iv {
	uint8_t b[CRYPTO_CIPHER_BLOCK_MAX];
	size_t len;
};

/*
 * Key length in bytes for alg with the Key Length attribute key_bits (0 when absent: only 3DES,
 * whose key length is fixed at 192 bits). Returns 0 if the pair is not supported.
 */
size_t crypto_cipher_key_len(unsigned alg, unsigned key_bits);
/* Block length of alg in bytes, or 0 if unsupported. */
size_t crypto_cipher_block_len(unsigned alg);

/*
 * Keys c for alg with key_len bytes (16/24/32 for AES, 24 for 3DES). Returns 0, -EINVAL for an
 * unsupported alg or length, or -EKEYREJECTED for a weak or semi-weak 3DES key (RFC 2409 App. B
 * asks that such keys be rejected).
 */
int crypto_cipher_init(struct crypto_cipher *c, enum crypto_cipher_alg alg, const uint8_t *key,
		       size_t key_len);
void crypto_cipher_wipe(struct crypto_cipher *c);

/* Bytes of padding crypto_cipher_encrypt adds to len bytes (1..block_len). */
size_t crypto_cipher_pad_len(const struct crypto_cipher *c, size_t len);

/*
 * Pads buf[0..len) as described above and encrypts it in place with CBC starting from iv. cap is
 * the buffer size; on success *ret_len is the padded length and iv holds the last ciphertext block
 * (the next chaining value). Returns 0, or -ENOBUFS if cap is too small, -EINVAL if iv->len does
 * not match the block length. buf and iv are untouched on failure.
 */
int crypto_cipher_encrypt(const struct crypto_cipher *c, struct crypto_iv *iv, uint8_t *buf,
			  size_t len, size_t cap, size_t *ret_len);

/*
 * Decrypts buf[0..len) in place with CBC from iv. len must be a non-zero multiple of the block
 * length (else -EINVAL, buffer untouched). On success *ret_next_iv receives the last ciphertext
 * block, which becomes the chaining value only once the caller has authenticated the message.
 * Padding is not examined.
 */
int crypto_cipher_decrypt(const struct crypto_cipher *c, const struct crypto_iv *iv, uint8_t *buf,
			  size_t len, struct crypto_iv *ret_next_iv);
