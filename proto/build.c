// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ISAKMP encoding into a caller-owned fixed buffer. Lengths, next-payload chains, proposal and
 * transform counts are patched by offset; a write that does not fit marks the builder bad and
 * writes nothing more.
 */
#include "proto/codec.h"

#include <string.h>
#include <sys/socket.h>

#define NONE_OFF SIZE_MAX

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void proto_builder_init(struct proto_builder *b, uint8_t *buf, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = buf ? cap : 0;
	b->np_off = NONE_OFF;
	b->pl_off = b->prop_off = b->xf_off = NONE_OFF;
}

/* Reserves n bytes (zeroed) at the end; returns their offset or NONE_OFF (builder bad). */
static size_t reserve(struct proto_builder *b, size_t n)
{
	if (b->bad || b->cap - b->len < n) {
		b->bad = true;
		return NONE_OFF;
	}
	size_t at = b->len;
	memset(b->buf + at, 0, n);
	b->len += n;
	return at;
}

static size_t append(struct proto_builder *b, const void *data, size_t n)
{
	size_t at = reserve(b, n);
	if (at != NONE_OFF && n)
		memcpy(b->buf + at, data, n);
	return at;
}

/* Patches the 16-bit length of the generic header at off to cover up to the end. */
static void patch_len(struct proto_builder *b, size_t off)
{
	if (b->bad || off == NONE_OFF)
		return;
	size_t n = b->len - off;
	if (n > 0xffff) {
		b->bad = true;
		return;
	}
	put16(b->buf + off + 2, (uint16_t)n);
}

static void close_transform(struct proto_builder *b)
{
	patch_len(b, b->xf_off);
	b->xf_off = NONE_OFF;
}

static void close_proposal(struct proto_builder *b)
{
	close_transform(b);
	if (b->prop_off != NONE_OFF && !b->bad) {
		patch_len(b, b->prop_off);
		b->buf[b->prop_off + 7] = (uint8_t)b->n_xf;
	}
	b->prop_off = NONE_OFF;
	b->n_xf = 0;
}

static void close_payload(struct proto_builder *b)
{
	close_proposal(b);
	patch_len(b, b->pl_off);
	b->pl_off = NONE_OFF;
}

size_t proto_put_header(struct proto_builder *b, const struct proto_header *h)
{
	size_t at = reserve(b, PROTO_HDR_LEN);
	if (at == NONE_OFF)
		return at;
	uint8_t *p = b->buf + at;
	memcpy(p, h->icookie, 8);
	memcpy(p + 8, h->rcookie, 8);
	p[17] = (uint8_t)(h->major << 4 | (h->minor & 0x0f));
	p[18] = h->exchange;
	p[19] = h->flags;
	put32(p + 20, h->msgid);
	b->has_header = true;
	b->np_off = at + 16;
	b->body_off = b->len;
	return at;
}

size_t proto_builder_body_offset(const struct proto_builder *b)
{
	return b->body_off;
}

bool proto_builder_set_length(struct proto_builder *b, size_t total)
{
	if (b->bad || total > b->cap || total > UINT32_MAX || total < b->body_off)
		return false;
	b->len = total;
	if (b->has_header)
		put32(b->buf + 24, (uint32_t)total);
	return true;
}

size_t proto_builder_finish(struct proto_builder *b)
{
	close_payload(b);
	if (b->bad)
		return 0;
	if (b->has_header)
		put32(b->buf + 24, (uint32_t)b->len);
	return b->len;
}

/* Starts a top-level payload: closes open ones, chains its type, writes its generic header. */
static size_t start_payload(struct proto_builder *b, uint8_t type, uint8_t reserved, size_t fixed)
{
	close_payload(b);
	size_t at = reserve(b, PROTO_GENERIC_LEN + fixed);
	if (at == NONE_OFF)
		return at;
	if (b->np_off == NONE_OFF)
		b->first_np = type;
	else
		b->buf[b->np_off] = type;
	b->np_off = at;
	b->buf[at + 1] = reserved;
	put16(b->buf + at + 2, (uint16_t)(PROTO_GENERIC_LEN + fixed));
	return at;
}

/* A payload of fixed fields (already in hdr) followed by data, closed at once. */
static size_t simple_payload(struct proto_builder *b, uint8_t type, const void *fixed,
			     size_t fixed_len, const void *data, size_t len)
{
	size_t at = start_payload(b, type, 0, 0);
	append(b, fixed, fixed_len);
	append(b, data, len);
	patch_len(b, at);
	return at;
}

size_t proto_put_raw(struct proto_builder *b, uint8_t type, uint8_t reserved, const void *data,
		     size_t len)
{
	size_t at = start_payload(b, type, reserved, 0);
	append(b, data, len);
	patch_len(b, at);
	return at;
}

size_t proto_put_sa(struct proto_builder *b, uint32_t doi, uint32_t situation)
{
	size_t at = start_payload(b, ISAKMP_PL_SA, 0, 8);
	if (at == NONE_OFF)
		return at;
	put32(b->buf + at + 4, doi);
	put32(b->buf + at + 8, situation);
	b->pl_off = at;
	b->pl_type = ISAKMP_PL_SA;
	return at;
}

size_t proto_put_proposal(struct proto_builder *b, uint8_t number, uint8_t protocol,
			  const void *spi, size_t spi_len)
{
	if (b->pl_off == NONE_OFF || b->pl_type != ISAKMP_PL_SA || spi_len > 0xff) {
		b->bad = true;
		return NONE_OFF;
	}
	size_t prev = b->prop_off;
	close_proposal(b);
	size_t at = reserve(b, 8);
	if (at == NONE_OFF)
		return at;
	if (prev != NONE_OFF)
		b->buf[prev] = ISAKMP_PL_P;
	b->buf[at + 4] = number;
	b->buf[at + 5] = protocol;
	b->buf[at + 6] = (uint8_t)spi_len;
	append(b, spi, spi_len);
	b->prop_off = at;
	return at;
}

size_t proto_put_transform(struct proto_builder *b, uint8_t number, uint8_t id)
{
	if (b->prop_off == NONE_OFF || b->n_xf >= 0xff) {
		b->bad = true;
		return NONE_OFF;
	}
	size_t prev = b->xf_off;
	close_transform(b);
	size_t at = reserve(b, 8);
	if (at == NONE_OFF)
		return at;
	if (prev != NONE_OFF)
		b->buf[prev] = ISAKMP_PL_T;
	b->buf[at + 4] = number;
	b->buf[at + 5] = id;
	b->xf_off = at;
	b->n_xf++;
	return at;
}

/* Attributes go into an open transform or an open mode-cfg payload. */
static bool attr_container(struct proto_builder *b)
{
	if (b->xf_off != NONE_OFF || (b->pl_off != NONE_OFF && b->pl_type == ISAKMP_PL_ATTR))
		return true;
	b->bad = true;
	return false;
}

size_t proto_put_attr_tv(struct proto_builder *b, uint16_t type, uint16_t value)
{
	if (!attr_container(b))
		return NONE_OFF;
	size_t at = reserve(b, 4);
	if (at != NONE_OFF) {
		put16(b->buf + at, (uint16_t)(0x8000 | (type & 0x7fff)));
		put16(b->buf + at + 2, value);
	}
	return at;
}

size_t proto_put_attr_tlv(struct proto_builder *b, uint16_t type, const void *value, size_t len)
{
	if (!attr_container(b) || len > 0xffff) {
		b->bad = true;
		return NONE_OFF;
	}
	size_t at = reserve(b, 4);
	if (at != NONE_OFF) {
		put16(b->buf + at, type & 0x7fff);
		put16(b->buf + at + 2, (uint16_t)len);
	}
	append(b, value, len);
	return at;
}

size_t proto_put_attr(struct proto_builder *b, uint16_t type, uint64_t value)
{
	if (value <= 0xffff)
		return proto_put_attr_tv(b, type, (uint16_t)value);
	uint8_t v[8];
	size_t n = value <= UINT32_MAX ? 4 : 8;
	for (size_t i = 0; i < n; i++)
		v[i] = (uint8_t)(value >> (8 * (n - 1 - i)));
	return proto_put_attr_tlv(b, type, v, n);
}

size_t proto_put_ke(struct proto_builder *b, const void *data, size_t len)
{
	return simple_payload(b, ISAKMP_PL_KE, NULL, 0, data, len);
}

size_t proto_put_id(struct proto_builder *b, uint8_t id_type, uint8_t protocol, uint16_t port,
		    const void *data, size_t len)
{
	uint8_t f[4] = {id_type, protocol, (uint8_t)(port >> 8), (uint8_t)port};
	return simple_payload(b, ISAKMP_PL_ID, f, 4, data, len);
}

size_t proto_put_cert(struct proto_builder *b, uint8_t encoding, const void *data, size_t len)
{
	return simple_payload(b, ISAKMP_PL_CERT, &encoding, 1, data, len);
}

size_t proto_put_cr(struct proto_builder *b, uint8_t encoding, const void *data, size_t len)
{
	return simple_payload(b, ISAKMP_PL_CR, &encoding, 1, data, len);
}

size_t proto_put_hash(struct proto_builder *b, const void *data, size_t len)
{
	return simple_payload(b, ISAKMP_PL_HASH, NULL, 0, data, len);
}

size_t proto_put_sig(struct proto_builder *b, const void *data, size_t len)
{
	return simple_payload(b, ISAKMP_PL_SIG, NULL, 0, data, len);
}

size_t proto_put_nonce(struct proto_builder *b, const void *data, size_t len)
{
	return simple_payload(b, ISAKMP_PL_NONCE, NULL, 0, data, len);
}

size_t proto_put_notify(struct proto_builder *b, uint32_t doi, uint8_t protocol, uint16_t type,
			const void *spi, size_t spi_len, const void *data, size_t data_len)
{
	uint8_t f[8];
	if (spi_len > 0xff) {
		b->bad = true;
		return NONE_OFF;
	}
	put32(f, doi);
	f[4] = protocol;
	f[5] = (uint8_t)spi_len;
	put16(f + 6, type);
	size_t at = start_payload(b, ISAKMP_PL_N, 0, 0);
	append(b, f, 8);
	append(b, spi, spi_len);
	append(b, data, data_len);
	patch_len(b, at);
	return at;
}

size_t proto_put_delete(struct proto_builder *b, uint32_t doi, uint8_t protocol, uint8_t spi_size,
			const void *spis, uint16_t count)
{
	uint8_t f[8];
	put32(f, doi);
	f[4] = protocol;
	f[5] = spi_size;
	put16(f + 6, count);
	return simple_payload(b, ISAKMP_PL_D, f, 8, spis, (size_t)spi_size * count);
}

size_t proto_put_vid(struct proto_builder *b, const void *data, size_t len)
{
	return simple_payload(b, ISAKMP_PL_VID, NULL, 0, data, len);
}

size_t proto_put_cfg(struct proto_builder *b, uint8_t type, uint16_t identifier)
{
	size_t at = start_payload(b, ISAKMP_PL_ATTR, 0, 4);
	if (at == NONE_OFF)
		return at;
	b->buf[at + 4] = type;
	put16(b->buf + at + 6, identifier);
	b->pl_off = at;
	b->pl_type = ISAKMP_PL_ATTR;
	return at;
}

size_t proto_put_nat_d(struct proto_builder *b, uint8_t type, const void *hash, size_t len)
{
	return simple_payload(b, type, NULL, 0, hash, len);
}

size_t proto_put_nat_oa(struct proto_builder *b, uint8_t type, int family, const void *addr)
{
	uint8_t f[4] = {family == AF_INET6 ? ID_IPV6_ADDR : ID_IPV4_ADDR, 0, 0, 0};
	if (family != AF_INET && family != AF_INET6) {
		b->bad = true;
		return NONE_OFF;
	}
	return simple_payload(b, type, f, 4, addr, family == AF_INET6 ? 16 : 4);
}

size_t proto_put_frag(struct proto_builder *b, uint16_t id, uint8_t number, bool last,
		      const void *data, size_t len)
{
	uint8_t f[4] = {(uint8_t)(id >> 8), (uint8_t)id, number, last ? PROTO_FRAG_FLAG_LAST : 0};
	return simple_payload(b, ISAKMP_PL_FRAG, f, 4, data, len);
}
