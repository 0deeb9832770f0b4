// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Messages of the engine on the wire: building with the ISAKMP header, the QM/Informational
 * HASH payloads (RFC 2409 §5.5, §5.7), encryption and decryption with the IV rules of RFC 2409
 * Appendix B (crypto/ike_keys.h's crypto_iv_state), and the phase-1 key schedule.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/ike/engine_int.h"

void proto_ike_msg_begin(struct ike_ctx *c, struct proto_builder *b, bool encrypt)
{
	struct ike_xchg *x = c->x;
	struct proto_header h = {
		.major = 1,
		.exchange = x->type,
		.flags = (uint8_t)((encrypt ? ISAKMP_FLAG_E : 0) | (x->commit ? ISAKMP_FLAG_C : 0)),
		.msgid = x->msgid,
	};
	memcpy(h.icookie, c->sa->icookie, 8);
	memcpy(h.rcookie, c->sa->rcookie, 8);
	if (!x->out)
		x->out = malloc(PROTO_IKE_MSG_MAX);
	proto_builder_init(b, x->out, x->out ? PROTO_IKE_MSG_MAX : 0);
	proto_put_header(b, &h);
}

/* Encrypts the body of a finished message in place when its E flag is set. */
static bool encrypt_body(struct ike_sa *sa, struct crypto_iv_state *iv, struct proto_builder *b,
			 size_t n)
{
	size_t elen;
	if (!(b->buf[19] & ISAKMP_FLAG_E))
		return true;
	if (crypto_iv_state_encrypt(iv, &sa->cipher, b->buf + PROTO_HDR_LEN, n - PROTO_HDR_LEN,
				    b->cap - PROTO_HDR_LEN, &elen) < 0)
		return false;
	return proto_builder_set_length(b, PROTO_HDR_LEN + elen);
}

bool proto_ike_msg_end(struct ike_ctx *c, struct proto_builder *b)
{
	size_t n = proto_builder_finish(b);
	if (n)
		proto_ike_trace_sent(c->sa, c->x, b->buf, n);
	if (n == 0 || !encrypt_body(c->sa, &c->x->iv, b, n))
		return false;
	c->x->out_len = b->len;
	c->x->out_ready = true;
	return true;
}

/* Computes the HASH of kind over the message after the HASH payload at hash_off. */
static bool fill_hash(struct ike_sa *sa, struct ike_xchg *x, uint8_t *buf, size_t n,
		      size_t hash_off, int kind)
{
	size_t hl = sa->keys.prf_len;
	size_t rest_off = hash_off + PROTO_GENERIC_LEN + hl;
	struct crypto_buf rest = {buf + rest_off, n - rest_off};
	uint8_t *out = buf + hash_off + PROTO_GENERIC_LEN;
	int r;
	if (rest_off > n)
		return false;
	if (kind == IKE_HASH1)
		r = crypto_ike_qm_hash1(&sa->keys, x->msgid, rest, out);
	else if (kind == IKE_HASH2)
		r = crypto_ike_qm_hash2(&sa->keys, x->msgid,
					(struct crypto_buf){x->qm->ni, x->qm->ni_len}, rest, out);
	else
		r = crypto_ike_info_hash1(&sa->keys, x->msgid, rest, out);
	return r == 0;
}

bool proto_ike_msg_end_hash(struct ike_ctx *c, struct proto_builder *b, size_t hash_off, int kind)
{
	size_t n = proto_builder_finish(b);
	if (n)
		proto_ike_trace_sent(c->sa, c->x, b->buf, n);
	if (n == 0 || !fill_hash(c->sa, c->x, b->buf, n, hash_off, kind) ||
	    !encrypt_body(c->sa, &c->x->iv, b, n))
		return false;
	c->x->out_len = b->len;
	c->x->out_ready = true;
	return true;
}

int proto_ike_decrypt(struct ike_sa *sa, struct crypto_iv_state *iv, uint8_t *body, size_t len)
{
	if (len == 0 || len % sa->cipher.block_len)
		return -1;
	return crypto_iv_state_decrypt(iv, &sa->cipher, body, len);
}

bool proto_ike_iv_phase2(struct ike_sa *sa, uint32_t msgid, struct crypto_iv_state *ret)
{
	struct crypto_iv iv;
	if (!sa->keys_ready ||
	    crypto_ike_iv_phase2(sa->keys.hash, crypto_iv_state_current(&sa->p1.iv), msgid, &iv) <
		    0)
		return false;
	crypto_iv_state_init(ret, &iv);
	return true;
}

/* Compares two MACs in time independent of where they differ. */
static bool mac_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/*
 * Checks the HASH payload that must come first in a QM or Informational message (RFC 2409 §5.5:
 * "the HASH payload MUST immediately follow the ISAKMP header"). kind IKE_HASH1/IKE_HASH2/
 * IKE_HASH_INFO hash the rest of the message; 3 is HASH(3) over the nonces.
 */
bool proto_ike_qm_verify_hash(struct ike_ctx *c, int kind)
{
	const struct proto_msg *m = c->msg;
	struct ike_sa *sa = c->sa;
	struct ike_xchg *x = c->x;
	uint8_t want[CRYPTO_HASH_MAX_LEN];
	size_t hl = sa->keys.prf_len;
	int r;
	if (m->n == 0 || m->pl[0].type != ISAKMP_PL_HASH || m->pl[0].body.len != hl)
		return false;
	size_t rest_off = m->pl[0].offset + PROTO_GENERIC_LEN + hl;
	if (rest_off > c->body_len)
		return false;
	struct crypto_buf rest = {c->body + rest_off, c->body_len - rest_off};
	if (kind == IKE_HASH1) {
		r = crypto_ike_qm_hash1(&sa->keys, x->msgid, rest, want);
	} else if (kind == IKE_HASH_INFO) {
		r = crypto_ike_info_hash1(&sa->keys, x->msgid, rest, want);
	} else {
		struct crypto_buf ni = {x->qm->ni, x->qm->ni_len}, nr = {x->qm->nr, x->qm->nr_len};
		r = kind == IKE_HASH2 ? crypto_ike_qm_hash2(&sa->keys, x->msgid, ni, rest, want)
				      : crypto_ike_qm_hash3(&sa->keys, x->msgid, ni, nr, want);
	}
	return r == 0 && mac_eq(want, m->pl[0].body.p, hl);
}

/* SKEYID for PSK and the derived keys, cipher and phase-1 IV (RFC 2409 §5, App. B). */
bool proto_ike_keys_derive(struct ike_ctx *c, const uint8_t *skeyid)
{
	struct ike_sa *sa = c->sa;
	enum crypto_hash hash = (enum crypto_hash)sa->prop.hash;
	struct crypto_iv iv;
	size_t klen = crypto_cipher_key_len(sa->prop.encr, sa->prop.key_bits);
	size_t blen = crypto_cipher_block_len(sa->prop.encr);
	struct crypto_buf gxi = {sa->n->gxi, sa->n->gx_len}, gxr = {sa->n->gxr, sa->n->gx_len};
	bool ok = klen && blen &&
		  crypto_ike_keys_derive(&sa->keys, hash, skeyid,
					 (struct crypto_buf){sa->n->gxy, sa->n->gxy_len},
					 sa->icookie, sa->rcookie, klen) == 0 &&
		  crypto_cipher_init(&sa->cipher, (enum crypto_cipher_alg)sa->prop.encr,
				     sa->keys.enc_key, sa->keys.enc_key_len) == 0 &&
		  crypto_ike_iv_phase1(hash, gxi, gxr, blen, &iv) == 0;
	if (!ok)
		return false;
	crypto_iv_state_init(&sa->p1.iv, &iv);
	sa->p1.has_iv = true;
	sa->keys_ready = true;
	/* g^xy is no longer needed */
	explicit_bzero(sa->n->gxy, sizeof(sa->n->gxy));
	return true;
}

/* Plaintext Informational with one notify about this ISAKMP SA (before keys can be trusted). */
void proto_ike_send_notify_plain(struct ike_sa *sa, uint16_t type)
{
	uint8_t buf[256], spi[16];
	struct proto_builder b;
	struct proto_header h = {.major = 1, .exchange = ISAKMP_XCHG_INFO};
	memcpy(h.icookie, sa->icookie, 8);
	memcpy(h.rcookie, sa->rcookie, 8);
	proto_ike_random(sa->e, (uint8_t *)&h.msgid, 4);
	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	proto_builder_init(&b, buf, sizeof(buf));
	proto_put_header(&b, &h);
	proto_put_notify(&b, ISAKMP_DOI_IPSEC, PROTO_ISAKMP, type, spi, 16, NULL, 0);
	size_t n = proto_builder_finish(&b);
	if (n)
		proto_ike_push_send(sa, buf, n);
}

/* Protected Informational (RFC 2409 §5.7): HDR*, HASH(1), N or D. 0 or -ENOMEM/-EINVAL. */
int proto_ike_send_info(struct ike_sa *sa, uint8_t pl_type, uint8_t protocol, uint16_t type,
			const uint8_t *spis, uint8_t spi_size, uint16_t count, const uint8_t *data,
			size_t data_len)
{
	struct ike_xchg x = {.type = ISAKMP_XCHG_INFO, .used = true};
	uint8_t zero[CRYPTO_HASH_MAX_LEN] = {0};
	struct proto_builder b;
	struct ike_ctx c = {.e = sa->e, .sa = sa, .x = &x};
	int r = -1;
	if (!sa->keys_ready)
		return -1;
	while (x.msgid == 0)
		proto_ike_random(sa->e, (uint8_t *)&x.msgid, 4);
	if (!proto_ike_iv_phase2(sa, x.msgid, &x.iv))
		return -1;
	proto_ike_msg_begin(&c, &b, true);
	size_t hoff = proto_put_hash(&b, zero, sa->keys.prf_len);
	if (pl_type == ISAKMP_PL_D)
		proto_put_delete(&b, ISAKMP_DOI_IPSEC, protocol, spi_size, spis, count);
	else
		proto_put_notify(&b, ISAKMP_DOI_IPSEC, protocol, type, spis, spi_size, data,
				 data_len);
	if (proto_ike_msg_end_hash(&c, &b, hoff, IKE_HASH_INFO)) {
		proto_ike_push_send(sa, x.out, x.out_len);
		r = 0;
	}
	free(x.out);
	explicit_bzero(&x, sizeof(x));
	return r;
}

/* The first 4 bytes of SHA-256(keymat) in hex: lets tests and logs compare both sides' keys
 * without revealing them. */
void proto_ike_keymat_digest(const uint8_t *km, size_t len, char out[9])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[32];
	crypto_hash(CRYPTO_HASH_SHA2_256, km, len, d);
	for (int i = 0; i < 4; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[8] = '\0';
	explicit_bzero(d, sizeof(d));
}

/* HASH_I (hash_i) or HASH_R of RFC 2409 §5 over the SA's saved exchange values. */
bool proto_ike_auth_hash(struct ike_sa *sa, bool hash_i, uint8_t *out)
{
	struct crypto_ike_auth_in in = {
		.gxi = {sa->n->gxi, sa->n->gx_len},
		.gxr = {sa->n->gxr, sa->n->gx_len},
		.cky_i = sa->icookie,
		.cky_r = sa->rcookie,
		.sai_b = {sa->n->sai_b, sa->n->sai_b_len},
	};
	if (hash_i) {
		in.id_b = (struct crypto_buf){sa->n->idi_b, sa->n->idi_b_len};
		return crypto_ike_hash_i(&sa->keys, &in, out) == 0;
	}
	in.id_b = (struct crypto_buf){sa->n->idr_b, sa->n->idr_b_len};
	return crypto_ike_hash_r(&sa->keys, &in, out) == 0;
}

/* Keeps a copy of the initiator's SA payload body (SAi_b). */
void proto_ike_save_sai(struct ike_sa *sa, const uint8_t *p, size_t len)
{
	free(sa->n->sai_b);
	sa->n->sai_b = malloc(len ? len : 1);
	sa->n->sai_b_len = sa->n->sai_b ? len : 0;
	if (sa->n->sai_b)
		memcpy(sa->n->sai_b, p, len);
}
