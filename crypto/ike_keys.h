/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKEv1 key schedule (RFC 2409 §5, §5.5, §5.7, Appendix B), the phase-1 and per-Message-ID IVs,
 * and the IV state the exchange layer keeps per message ID.
 *
 * Every prf() below is HMAC with the negotiated hash (crypto/prf.h). Byte strings are passed as
 * struct crypto_buf views; the caller gives the "_b" forms RFC 2409 §5 defines (payload bodies
 * without their generic headers). Message IDs and SPIs are passed in host order and hashed as the
 * 4 network-order bytes they are on the wire. All functions return 0 or -errno (-EINVAL for an
 * unknown hash or a bad length). Secrets live in struct crypto_ike_keys: wipe it with
 * crypto_ike_keys_wipe on every path.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/cipher.h"
#include "crypto/prf.h"

/* RFC 2409 §5: a nonce is 8..256 bytes; the signature SKEYID keys HMAC with Ni_b | Nr_b. */
#define CRYPTO_IKE_NONCE_MAX 256
/* Longest KEYMAT one call derives (AES-256 + HMAC-SHA2-512 = 96 bytes, with room to spare). */
#define CRYPTO_IKE_KEYMAT_MAX 256

/* A read-only view of caller bytes. */
struct crypto_buf {
	const uint8_t *p;
	size_t len;
};

/* The phase-1 keys of one ISAKMP SA (RFC 2409 §5). */
struct crypto_ike_keys {
	enum crypto_hash hash;
	size_t prf_len; /* length of each SKEYID* */
	uint8_t skeyid[CRYPTO_HASH_MAX_LEN];
	uint8_t skeyid_d[CRYPTO_HASH_MAX_LEN];
	uint8_t skeyid_a[CRYPTO_HASH_MAX_LEN];
	uint8_t skeyid_e[CRYPTO_HASH_MAX_LEN];
	uint8_t enc_key[CRYPTO_CIPHER_KEY_MAX]; /* Ka: SKEYID_e, expanded by App. B if needed */
	size_t enc_key_len;
};

/* Inputs of HASH_I / HASH_R (RFC 2409 §5). id_b is IDii_b for HASH_I and IDir_b for HASH_R. */
struct crypto_ike_auth_in {
	struct crypto_buf gxi, gxr;   /* KE payload data of initiator and responder */
	const uint8_t *cky_i, *cky_r; /* 8 bytes each */
	struct crypto_buf sai_b;      /* the initiator's whole SA payload body */
	struct crypto_buf id_b;
};

/*
 * SKEYID for pre-shared keys: prf(pre-shared-key, Ni_b | Nr_b). ret_skeyid receives
 * crypto_hash_len(hash) bytes.
 */
int crypto_ike_skeyid_psk(enum crypto_hash hash, struct crypto_buf psk, struct crypto_buf ni_b,
			  struct crypto_buf nr_b, uint8_t *ret_skeyid);

/* SKEYID for signatures: prf(Ni_b | Nr_b, g^xy). Nonces up to CRYPTO_IKE_NONCE_MAX each. */
int crypto_ike_skeyid_sig(enum crypto_hash hash, struct crypto_buf ni_b, struct crypto_buf nr_b,
			  struct crypto_buf gxy, uint8_t *ret_skeyid);

/*
 * Fills keys from SKEYID (crypto_hash_len(hash) bytes):
 *   SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 *   SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 *   SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 * and the encryption key Ka of enc_key_len bytes (<= CRYPTO_CIPHER_KEY_MAX): the first bytes of
 * SKEYID_e if it is long enough, else (App. B) K1 | K2 | ... with K1 = prf(SKEYID_e, 0),
 * Kn = prf(SKEYID_e, Kn-1), where "0" is one zero byte. keys is untouched on failure.
 */
int crypto_ike_keys_derive(struct crypto_ike_keys *keys, enum crypto_hash hash,
			   const uint8_t *skeyid, struct crypto_buf gxy, const uint8_t *cky_i,
			   const uint8_t *cky_r, size_t enc_key_len);
void crypto_ike_keys_wipe(struct crypto_ike_keys *keys);

/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b). prf_len bytes out. */
int crypto_ike_hash_i(const struct crypto_ike_keys *keys, const struct crypto_ike_auth_in *in,
		      uint8_t *ret_hash);
/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b). */
int crypto_ike_hash_r(const struct crypto_ike_keys *keys, const struct crypto_ike_auth_in *in,
		      uint8_t *ret_hash);

/*
 * Quick Mode (RFC 2409 §5.5), "rest" being the message after the HASH payload up to the end of
 * the last payload (padding excluded):
 *   HASH(1) = prf(SKEYID_a, M-ID | rest)
 *   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest)
 *   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
 */
int crypto_ike_qm_hash1(const struct crypto_ike_keys *keys, uint32_t msgid, struct crypto_buf rest,
			uint8_t *ret_hash);
int crypto_ike_qm_hash2(const struct crypto_ike_keys *keys, uint32_t msgid, struct crypto_buf ni_b,
			struct crypto_buf rest, uint8_t *ret_hash);
int crypto_ike_qm_hash3(const struct crypto_ike_keys *keys, uint32_t msgid, struct crypto_buf ni_b,
			struct crypto_buf nr_b, uint8_t *ret_hash);
/* Informational (RFC 2409 §5.7): HASH(1) = prf(SKEYID_a, M-ID | N/D). */
int crypto_ike_info_hash1(const struct crypto_ike_keys *keys, uint32_t msgid,
			  struct crypto_buf rest, uint8_t *ret_hash);

/*
 * KEYMAT for one SPI (RFC 2409 §5.5), len bytes (<= CRYPTO_IKE_KEYMAT_MAX):
 *   K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 *   Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * g_qm is the Quick Mode PFS shared secret, or an empty view without PFS. spi is the SPI of the
 * SA being keyed (the receiver's choice, RFC 2409 §5.5), host order.
 */
int crypto_ike_keymat(const struct crypto_ike_keys *keys, struct crypto_buf g_qm, uint8_t protocol,
		      uint32_t spi, struct crypto_buf ni_b, struct crypto_buf nr_b,
		      uint8_t *ret_keymat, size_t len);

/* Phase-1 IV (RFC 2409 App. B): hash(g^xi | g^xr) truncated to block_len. */
int crypto_ike_iv_phase1(enum crypto_hash hash, struct crypto_buf gxi, struct crypto_buf gxr,
			 size_t block_len, struct crypto_iv *ret_iv);
/*
 * IV of a Quick Mode or Informational exchange (RFC 2409 App. B): hash(last phase-1 CBC block |
 * M-ID), truncated to the block length. phase1_last is the committed IV of the phase-1 state
 * (crypto_iv_state_current of the ISAKMP SA's state after the last phase-1 message).
 */
int crypto_ike_iv_phase2(enum crypto_hash hash, const struct crypto_iv *phase1_last, uint32_t msgid,
			 struct crypto_iv *ret_iv);

/*
 * The CBC chaining state of one exchange: the ISAKMP SA keeps one for phase 1 (Main/Aggressive
 * Mode) and the exchange layer one per Quick Mode / Informational message ID, each seeded with the
 * IVs above. The RFC 2409 App. B rule: the IV advances to the last ciphertext block of the last
 * message sent, or of the last message received that was successfully decrypted AND authenticated
 * (HASH verified). A message that fails, and a retransmission, does not move it.
 *
 * Receive:  crypto_iv_state_decrypt(s, c, buf, len)    decrypts with the current IV and remembers
 *                                                      the candidate next IV;
 *           ... parse, verify HASH ...
 *           crypto_iv_state_commit(s)                  only after the HASH verified; or
 *           crypto_iv_state_discard(s)                 on any failure (the IV is unchanged).
 * Send:     crypto_iv_state_encrypt(s, c, ...)         pads, encrypts, advances at once.
 * Retransmit the stored ciphertext: do not re-encrypt (the IV has already moved past it).
 * A duplicate of a message already accepted must be recognised (by its bytes) before decrypting;
 * if it is decrypted anyway, discard it.
 */
struct crypto_iv_state {
	struct crypto_iv cur;	  /* IV for the next message in either direction */
	struct crypto_iv pending; /* last block of a decrypted, not yet authenticated message */
	bool has_pending;
};

void crypto_iv_state_init(struct crypto_iv_state *s, const struct crypto_iv *iv);
const struct crypto_iv *crypto_iv_state_current(const struct crypto_iv_state *s);
/*
 * Decrypts buf in place with the current IV. Returns 0 or -EINVAL (see crypto_cipher_decrypt).
 * A second decrypt before commit/discard replaces the pending IV (the first message is dropped).
 */
int crypto_iv_state_decrypt(struct crypto_iv_state *s, const struct crypto_cipher *c, uint8_t *buf,
			    size_t len);
/* Makes the pending IV current. Returns 0, or -ENOENT if nothing is pending. */
int crypto_iv_state_commit(struct crypto_iv_state *s);
void crypto_iv_state_discard(struct crypto_iv_state *s);
/*
 * Pads and encrypts (crypto_cipher_encrypt) with the current IV, which then advances. Returns
 * -EBUSY while a decrypted message is neither committed nor discarded.
 */
int crypto_iv_state_encrypt(struct crypto_iv_state *s, const struct crypto_cipher *c, uint8_t *buf,
			    size_t len, size_t cap, size_t *ret_len);
