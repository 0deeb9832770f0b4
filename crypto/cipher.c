// SPDX-License-Identifier: GPL-2.0-or-later
/* AES-CBC and 3DES-CBC in place over Nettle (RFC 2409 App. B). */
#include "crypto/cipher.h"

#include <errno.h>
#include <string.h>

#include <nettle/cbc.h>

size_t crypto_cipher_key_len(unsigned alg, unsigned key_bits)
{
	switch (alg) {
	case CRYPTO_CIPHER_3DES_CBC:
		return key_bits == 0 || key_bits == 192 ? DES3_KEY_SIZE : 0;
	case CRYPTO_CIPHER_AES_CBC:
		return key_bits == 128 || key_bits == 192 || key_bits == 256 ? key_bits / 8 : 0;
	default:
		return 0;
	}
}

size_t crypto_cipher_block_len(unsigned alg)
{
	switch (alg) {
	case CRYPTO_CIPHER_3DES_CBC:
		return DES3_BLOCK_SIZE;
	case CRYPTO_CIPHER_AES_CBC:
		return AES_BLOCK_SIZE;
	default:
		return 0;
	}
}

static int aes_init(struct crypto_cipher *c, const uint8_t *key, size_t key_len)
{
	switch (key_len) {
	case AES128_KEY_SIZE:
		aes128_set_encrypt_key(&c->enc.aes128, key);
		aes128_invert_key(&c->dec.aes128, &c->enc.aes128);
		return 0;
	case AES192_KEY_SIZE:
		aes192_set_encrypt_key(&c->enc.aes192, key);
		aes192_invert_key(&c->dec.aes192, &c->enc.aes192);
		return 0;
	case AES256_KEY_SIZE:
		aes256_set_encrypt_key(&c->enc.aes256, key);
		aes256_invert_key(&c->dec.aes256, &c->enc.aes256);
		return 0;
	default:
		return -EINVAL;
	}
}

int crypto_cipher_init(struct crypto_cipher *c, enum crypto_cipher_alg alg, const uint8_t *key,
		       size_t key_len)
{
	struct crypto_cipher tmp;
	int r;

	memset(&tmp, 0, sizeof(tmp));
	tmp.alg = alg;
	tmp.key_len = key_len;
	tmp.block_len = crypto_cipher_block_len(alg);
	switch (alg) {
	case CRYPTO_CIPHER_AES_CBC:
		r = aes_init(&tmp, key, key_len);
		break;
	case CRYPTO_CIPHER_3DES_CBC:
		if (key_len != DES3_KEY_SIZE) {
			r = -EINVAL;
			break;
		}
		/* des3_set_key ignores parity bits and returns 0 for weak or semi-weak keys. */
		r = des3_set_key(&tmp.enc.des3, key) ? 0 : -EKEYREJECTED;
		if (r == 0)
			tmp.dec.des3 = tmp.enc.des3;
		break;
	default:
		r = -EINVAL;
		break;
	}
	if (r == 0)
		*c = tmp;
	explicit_bzero(&tmp, sizeof(tmp));
	return r;
}

void crypto_cipher_wipe(struct crypto_cipher *c)
{
	if (c)
		explicit_bzero(c, sizeof(*c));
}

static nettle_cipher_func *enc_func(const struct crypto_cipher *c)
{
	if (c->alg == CRYPTO_CIPHER_3DES_CBC)
		return (nettle_cipher_func *)des3_encrypt;
	switch (c->key_len) {
	case AES128_KEY_SIZE:
		return (nettle_cipher_func *)aes128_encrypt;
	case AES192_KEY_SIZE:
		return (nettle_cipher_func *)aes192_encrypt;
	default:
		return (nettle_cipher_func *)aes256_encrypt;
	}
}

static nettle_cipher_func *dec_func(const struct crypto_cipher *c)
{
	if (c->alg == CRYPTO_CIPHER_3DES_CBC)
		return (nettle_cipher_func *)des3_decrypt;
	switch (c->key_len) {
	case AES128_KEY_SIZE:
		return (nettle_cipher_func *)aes128_decrypt;
	case AES192_KEY_SIZE:
		return (nettle_cipher_func *)aes192_decrypt;
	default:
		return (nettle_cipher_func *)aes256_decrypt;
	}
}

size_t crypto_cipher_pad_len(const struct crypto_cipher *c, size_t len)
{
	return c->block_len - len % c->block_len;
}

int crypto_cipher_encrypt(const struct crypto_cipher *c, struct crypto_iv *iv, uint8_t *buf,
			  size_t len, size_t cap, size_t *ret_len)
{
	size_t pad, total;

	if (iv->len != c->block_len)
		return -EINVAL;
	pad = crypto_cipher_pad_len(c, len);
	if (len > cap || cap - len < pad)
		return -ENOBUFS;
	total = len + pad;
	memset(buf + len, 0, pad - 1);
	buf[total - 1] = (uint8_t)(pad - 1);
	cbc_encrypt(&c->enc, enc_func(c), c->block_len, iv->b, total, buf, buf);
	*ret_len = total;
	return 0;
}

int crypto_cipher_decrypt(const struct crypto_cipher *c, const struct crypto_iv *iv, uint8_t *buf,
			  size_t len, struct crypto_iv *ret_next_iv)
{
	uint8_t chain[CRYPTO_CIPHER_BLOCK_MAX];
	struct crypto_iv next;

	if (iv->len != c->block_len || len == 0 || len % c->block_len)
		return -EINVAL;
	next.len = c->block_len;
	memcpy(next.b, buf + len - c->block_len, c->block_len);
	memcpy(chain, iv->b, c->block_len);
	/* Nettle's cbc_decrypt supports dst == src. */
	cbc_decrypt(&c->dec, dec_func(c), c->block_len, chain, len, buf, buf);
	*ret_next_iv = next;
	return 0;
}
