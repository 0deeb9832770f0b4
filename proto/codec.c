// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ISAKMP decoding: the header check, one descriptor row per payload type, one chain walker, and
 * the SA/attribute iterators (which the walker also uses to validate). No allocation, no globals
 * but const tables; every byte read goes through a struct cursor.
 */
#include "proto/codec.h"

#include <string.h>
#include <sys/socket.h>

#define PROTO_X_ERR_ROW(sym, notify, desc) [sym] = {notify, desc},
static const struct {
	uint16_t notify;
	const char *desc;
} errors[PROTO_E__MAX] = {PROTO_ERRORS(PROTO_X_ERR_ROW)};

const char *proto_err_str(enum proto_err e)
{
	return (unsigned)e < PROTO_E__MAX ? errors[e].desc : "unknown error";
}

uint16_t proto_err_notify(enum proto_err e)
{
	return (unsigned)e < PROTO_E__MAX ? errors[e].notify : ISAKMP_N_PAYLOAD_MALFORMED;
}

static struct proto_view view(const uint8_t *p, size_t len, size_t off)
{
	struct proto_view v = {.p = p, .len = len, .off = off};
	return v;
}

/* The rest of a cursor as a view; off is the offset where the cursor started, start its size. */
static struct proto_view rest(struct cursor *c, size_t off, size_t start)
{
	size_t left = c->bad ? 0 : c->left;
	struct proto_view v = view(left ? cur_take(c, left) : NULL, left, off + (start - left));
	return v;
}

/* RFC 2408 §3.1: the fixed 28-byte header. */
enum proto_err proto_decode_header(const uint8_t *buf, size_t len, struct proto_header *ret,
				   size_t *ret_err_offset)
{
	struct proto_header h;
	struct cursor c = cur_init(buf, len);
	size_t eoff = 0;
	enum proto_err e = PROTO_OK;
	static const uint8_t zero[8];

	memset(&h, 0, sizeof(h));
	const uint8_t *ic = cur_take(&c, 8), *rc = cur_take(&c, 8);
	h.next_payload = cur_u8(&c);
	uint8_t ver = cur_u8(&c);
	h.exchange = cur_u8(&c);
	h.flags = cur_u8(&c);
	h.msgid = cur_u32(&c);
	h.length = cur_u32(&c);
	h.major = ver >> 4;
	h.minor = ver & 0x0f;
	if (c.bad)
		e = PROTO_E_SHORT;
	else if (h.major != 1)
		e = PROTO_E_MAJOR_VERSION, eoff = 17;
	else if (h.minor != 0)
		e = PROTO_E_MINOR_VERSION, eoff = 17;
	else if (h.exchange == ISAKMP_XCHG_NONE ||
		 (h.exchange > ISAKMP_XCHG_TRANSACTION && h.exchange < ISAKMP_XCHG_QUICK))
		e = PROTO_E_EXCHANGE_TYPE, eoff = 18;
	else if (h.flags & ~(ISAKMP_FLAG_E | ISAKMP_FLAG_C | ISAKMP_FLAG_A))
		e = PROTO_E_FLAGS, eoff = 19;
	else if (memcmp(ic, zero, 8) == 0)
		e = PROTO_E_COOKIE, eoff = 0;
	else if (h.length < PROTO_HDR_LEN || h.length > len)
		e = PROTO_E_HDR_LENGTH, eoff = 24;
	if (e != PROTO_OK) {
		if (ret_err_offset)
			*ret_err_offset = eoff;
		return e;
	}
	memcpy(h.icookie, ic, 8);
	memcpy(h.rcookie, rc, 8);
	h.trailing = len - h.length;
	*ret = h;
	return PROTO_OK;
}

/* Valid SPI sizes per protocol (RFC 2407 §4.4.1, RFC 2408 §2.4, RFC 3173 §4.1 for the CPI). */
static enum proto_err check_spi(uint8_t protocol, size_t spi_size, bool allow_zero)
{
	switch (protocol) {
	case PROTO_ISAKMP:
		return spi_size == 0 || spi_size == 16 ? PROTO_OK : PROTO_E_SPI;
	case PROTO_IPSEC_AH:
	case PROTO_IPSEC_ESP:
		return spi_size == 4 || (allow_zero && spi_size == 0) ? PROTO_OK : PROTO_E_SPI;
	case PROTO_IPCOMP:
		return spi_size == 2 || spi_size == 4 || (allow_zero && spi_size == 0)
			       ? PROTO_OK
			       : PROTO_E_SPI;
	default:
		return PROTO_E_PROTOCOL_ID;
	}
}

static void iter_init(struct proto_iter *it, struct proto_view v)
{
	memset(it, 0, sizeof(*it));
	it->c = cur_init(v.p, v.len);
	it->off = v.off;
}

static bool iter_fail(struct proto_iter *it, enum proto_err e, size_t off)
{
	it->err = e;
	it->err_offset = off;
	it->done = true;
	return false;
}

/*
 * Reads one element of a proposal/transform chain (RFC 2408 §3.5/§3.6: the generic header whose
 * next payload is `more` or 0), returning its body cursor; min is the minimal body length.
 */
static bool chain_elem(struct proto_iter *it, uint8_t more, size_t min, unsigned max,
		       struct cursor *ret_body, size_t *ret_off)
{
	size_t start = it->off;
	if (it->done || it->err)
		return false;
	if (it->seen >= max)
		return iter_fail(it, PROTO_E_TOO_MANY, start);
	if (it->c.left == 0 && it->seen == 0)
		return iter_fail(it, PROTO_E_PROPOSAL, start); /* no proposal / transform at all */
	if (it->c.left < PROTO_GENERIC_LEN)
		return iter_fail(it, PROTO_E_OVERRUN, start);
	uint8_t np = cur_u8(&it->c);
	uint8_t res = cur_u8(&it->c);
	uint16_t plen = cur_u16(&it->c);
	if (res != 0)
		return iter_fail(it, PROTO_E_RESERVED, start + 1);
	if (np != more && np != ISAKMP_PL_NONE)
		return iter_fail(it, PROTO_E_PROPOSAL, start);
	if (plen < PROTO_GENERIC_LEN + min)
		return iter_fail(it, PROTO_E_LENGTH, start + 2);
	if ((size_t)plen - PROTO_GENERIC_LEN > it->c.left)
		return iter_fail(it, PROTO_E_OVERRUN, start + 2);
	*ret_body = cur_sub(&it->c, (size_t)plen - PROTO_GENERIC_LEN);
	*ret_off = start + PROTO_GENERIC_LEN;
	it->off = start + plen;
	it->seen++;
	if (np == ISAKMP_PL_NONE) {
		it->done = true;
		if (it->c.left)
			return iter_fail(it, PROTO_E_UNEQUAL, it->off);
	} else if (it->c.left == 0) {
		return iter_fail(it, PROTO_E_PROPOSAL, start);
	}
	return true;
}

void proto_proposals_begin(struct proto_iter *it, const struct proto_sa *sa)
{
	iter_init(it, sa->proposals);
}

/* RFC 2408 §3.5 Proposal payload */
bool proto_proposals_next(struct proto_iter *it, struct proto_proposal *ret)
{
	struct cursor c;
	size_t off;
	if (!chain_elem(it, ISAKMP_PL_P, 4, PROTO_PROPOSALS_MAX, &c, &off))
		return false;
	struct proto_proposal p;
	size_t start = c.left;
	p.number = cur_u8(&c);
	p.protocol = cur_u8(&c);
	uint8_t spi_size = cur_u8(&c);
	p.n_transforms = cur_u8(&c);
	const uint8_t *spi = cur_take(&c, spi_size);
	if (c.bad)
		return iter_fail(it, PROTO_E_OVERRUN, off + 2);
	enum proto_err e = check_spi(p.protocol, spi_size, false);
	if (e != PROTO_OK)
		return iter_fail(it, e, off + 1);
	if (it->seen > 1 && p.number < it->last_number)
		return iter_fail(it, PROTO_E_PROPOSAL, off);
	it->last_number = p.number;
	p.spi = view(spi, spi_size, off + 4);
	p.transforms = rest(&c, off, start);
	*ret = p;
	return true;
}

void proto_transforms_begin(struct proto_iter *it, const struct proto_proposal *p)
{
	iter_init(it, p->transforms);
}

/* RFC 2408 §3.6 Transform payload */
bool proto_transforms_next(struct proto_iter *it, struct proto_transform *ret)
{
	struct cursor c;
	size_t off;
	if (!chain_elem(it, ISAKMP_PL_T, 4, PROTO_TRANSFORMS_MAX, &c, &off))
		return false;
	struct proto_transform t;
	size_t start = c.left;
	t.number = cur_u8(&c);
	t.id = cur_u8(&c);
	if (cur_u16(&c) != 0)
		return iter_fail(it, PROTO_E_RESERVED, off + 2);
	t.attrs = rest(&c, off, start);
	*ret = t;
	return true;
}

void proto_attrs_begin(struct proto_iter *it, struct proto_view attrs)
{
	iter_init(it, attrs);
}

/* RFC 2408 §3.3 Data Attributes: AF|type, then a 16-bit value (TV) or length + value (TLV). */
bool proto_attrs_next(struct proto_iter *it, struct proto_attr *ret)
{
	if (it->done || it->err)
		return false;
	if (it->c.left == 0) {
		it->done = true;
		return false;
	}
	if (it->seen >= PROTO_ATTRS_MAX)
		return iter_fail(it, PROTO_E_TOO_MANY, it->off);
	struct proto_attr a;
	size_t start = it->c.left;
	uint16_t t = cur_u16(&it->c);
	uint16_t v = cur_u16(&it->c);
	memset(&a, 0, sizeof(a));
	a.type = t & 0x7fff;
	a.tv = t & 0x8000;
	if (a.tv) {
		a.tv_value = v;
	} else {
		const uint8_t *p = cur_take(&it->c, v);
		a.value = view(p, v, it->off + 4);
	}
	if (it->c.bad)
		return iter_fail(it, PROTO_E_ATTR, it->off);
	it->off += start - it->c.left;
	it->seen++;
	*ret = a;
	return true;
}

static enum proto_err attr_uint(const struct proto_attr *a, size_t max, uint64_t *ret)
{
	if (a->tv) {
		*ret = a->tv_value;
		return PROTO_OK;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < a->value.len; i++) {
		if (v >> ((max - 1) * 8))
			return PROTO_E_ATTR_VALUE;
		v = v << 8 | a->value.p[i];
	}
	if (a->value.len == 0)
		return PROTO_E_ATTR_VALUE;
	*ret = v;
	return PROTO_OK;
}

enum proto_err proto_attr_u32(const struct proto_attr *a, uint32_t *ret)
{
	uint64_t v;
	enum proto_err e = attr_uint(a, 4, &v);
	if (e == PROTO_OK)
		*ret = (uint32_t)v;
	return e;
}

enum proto_err proto_attr_u64(const struct proto_attr *a, uint64_t *ret)
{
	uint64_t v;
	enum proto_err e = attr_uint(a, 8, &v);
	if (e == PROTO_OK)
		*ret = v;
	return e;
}

/* Checks every attribute of a list; returns the first error. */
static enum proto_err check_attrs(struct proto_view attrs, size_t *err_off)
{
	struct proto_iter it;
	struct proto_attr a;
	proto_attrs_begin(&it, attrs);
	while (proto_attrs_next(&it, &a))
		;
	if (it.err)
		*err_off = it.err_offset;
	return it.err;
}

/* Walks every proposal, transform and attribute of an SA. */
static enum proto_err check_proposals(const struct proto_sa *sa, size_t *err_off)
{
	struct proto_iter pi, ti;
	struct proto_proposal p;
	struct proto_transform t;
	enum proto_err e;
	proto_proposals_begin(&pi, sa);
	while (proto_proposals_next(&pi, &p)) {
		proto_transforms_begin(&ti, &p);
		while (proto_transforms_next(&ti, &t))
			if ((e = check_attrs(t.attrs, err_off)) != PROTO_OK)
				return e;
		if (ti.err) {
			*err_off = ti.err_offset;
			return ti.err;
		}
		if (ti.seen != p.n_transforms || ti.seen == 0) {
			*err_off = p.spi.off - 1;
			return PROTO_E_PROPOSAL;
		}
	}
	if (pi.err) {
		*err_off = pi.err_offset;
		return pi.err;
	}
	return PROTO_OK;
}

/* RFC 2408 §3.4 SA: DOI, situation (RFC 2407 §4.6.1: 4 bytes, IDENTITY_ONLY), proposals. */
static enum proto_err dec_sa(struct cursor *c, struct proto_payload *pl, size_t *err_off)
{
	struct proto_sa *sa = &pl->u.sa;
	size_t start = c->left;
	sa->doi = cur_u32(c);
	sa->situation = cur_u32(c);
	if (sa->doi != ISAKMP_DOI_IPSEC)
		return PROTO_E_DOI;
	*err_off += 4;
	if (sa->situation != IPSEC_SIT_IDENTITY_ONLY)
		return PROTO_E_SITUATION;
	sa->proposals = rest(c, pl->body.off, start);
	enum proto_err e = check_proposals(sa, err_off);
	struct proto_iter it;
	struct proto_proposal p;
	proto_proposals_begin(&it, sa);
	while (e == PROTO_OK && proto_proposals_next(&it, &p))
		sa->n_proposals++;
	return e;
}

/* KE, HASH, SIG, NONCE, VID, NAT-D: opaque data (RFC 2408 §3.7, §3.11-3.13, §3.16, RFC 3947). */
static enum proto_err dec_data(struct cursor *c, struct proto_payload *pl, size_t *err_off)
{
	(void)err_off;
	pl->u.data = rest(c, pl->body.off, c->left);
	if (pl->u.data.len)
		return PROTO_OK;
	switch (pl->type) {
	case ISAKMP_PL_KE:
		return PROTO_E_KE;
	case ISAKMP_PL_HASH:
		return PROTO_E_HASH;
	case ISAKMP_PL_SIG:
		return PROTO_E_SIG;
	default:
		return PROTO_E_LENGTH;
	}
}

static enum proto_err dec_nonce(struct cursor *c, struct proto_payload *pl, size_t *err_off)
{
	(void)err_off;
	pl->u.data = rest(c, pl->body.off, c->left);
	if (pl->u.data.len < PROTO_NONCE_MIN || pl->u.data.len > PROTO_NONCE_MAX)
		return PROTO_E_NONCE;
	return PROTO_OK;
}

/* Data length each address ID type needs, 0 for a variable non-address type, -1 for unknown. */
static int id_data_len(uint8_t type)
{
	switch (type) {
	case ID_IPV4_ADDR:
		return 4;
	case ID_IPV4_ADDR_SUBNET:
	case ID_IPV4_ADDR_RANGE:
		return 8;
	case ID_IPV6_ADDR:
		return 16;
	case ID_IPV6_ADDR_SUBNET:
	case ID_IPV6_ADDR_RANGE:
		return 32;
	case ID_FQDN:
	case ID_USER_FQDN:
	case ID_DER_ASN1_DN:
	case ID_DER_ASN1_GN:
	case ID_KEY_ID:
		return 0;
	default:
		return -1;
	}
}

/* RFC 2407 §4.6.2 Identification */
static enum proto_err dec_id(struct cursor *c, struct proto_payload *pl, size_t *err_off)
{
	struct proto_id *id = &pl->u.id;
	size_t start = c->left;
	id->type = cur_u8(c);
	id->protocol = cur_u8(c);
	id->port = cur_u16(c);
	id->data = rest(c, pl->body.off, start);
	int need = id_data_len(id->type);
	if (need < 0 || (need == 0 && id->data.len == 0) ||
	    (need > 0 && id->data.len != (size_t)need))
		return PROTO_E_ID;
	struct proto_id_net net;
	*err_off += 4;
	if (need > 0)
		return proto_id_to_net(id, &net);
	return PROTO_OK;
}

/* Prefix length of a contiguous netmask, or -1. */
static int mask_prefix(const uint8_t *m, size_t n)
{
	int prefix = 0;
	bool zero = false;
	for (size_t i = 0; i < n * 8; i++) {
		bool bit = m[i / 8] & (0x80 >> (i % 8));
		if (bit && zero)
			return -1;
		if (bit)
			prefix++;
		else
			zero = true;
	}
	return prefix;
}

enum proto_err proto_id_to_net(const struct proto_id *id, struct proto_id_net *ret)
{
	struct proto_id_net n;
	int need = id_data_len(id->type);
	if (need <= 0 || id->data.len != (size_t)need)
		return PROTO_E_ID;
	memset(&n, 0, sizeof(n));
	bool v6 = id->type == ID_IPV6_ADDR || id->type == ID_IPV6_ADDR_SUBNET ||
		  id->type == ID_IPV6_ADDR_RANGE;
	size_t alen = v6 ? 16 : 4;
	const uint8_t *d = id->data.p;
	n.family = v6 ? AF_INET6 : AF_INET;
	memcpy(n.from, d, alen);
	switch (id->type) {
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		memcpy(n.to, d, alen);
		n.prefix = (int)alen * 8;
		break;
	case ID_IPV4_ADDR_SUBNET:
	case ID_IPV6_ADDR_SUBNET:
		n.prefix = mask_prefix(d + alen, alen);
		if (n.prefix < 0)
			return PROTO_E_ID;
		for (size_t i = 0; i < alen; i++) {
			n.from[i] = d[i] & d[alen + i];
			n.to[i] = d[i] | (uint8_t)~d[alen + i];
		}
		break;
	default: /* ranges */
		memcpy(n.to, d + alen, alen);
		if (memcmp(n.from, n.to, alen) > 0)
			return PROTO_E_ID;
		n.prefix = -1;
		break;
	}
	*ret = n;
	return PROTO_OK;
}

/* RFC 2408 §3.9 Certificate / §3.10 Certificate Request: encoding, then data. */
static enum proto_err dec_cert(struct cursor *c, struct proto_payload *pl, size_t *err_off)
{
	size_t start = c->left;
	(void)err_off;
	pl->u.cert.encoding = cur_u8(c);
	pl->u.cert.data = rest(c, pl->body.off, start);
	if (pl->type == ISAKMP_PL_CERT && pl->u.cert.data.len == 0)
		return PROTO_E_CERT;
	return PROTO_OK;
}

/* RFC 2408 §3.14 Notification: DOI, protocol, SPI size, type, SPI, data. */
static enum proto_err dec_notify(struct cursor *c, struct proto_payload *pl, size_t *err_off)
{
	struct proto_notify *n = &pl->u.n;
	size_t start = c->left;
	n->doi = cur_u32(c);
	n->protocol = cur_u8(c);
	uint8_t spi_size = cur_u8(c);
	n->type = cur_u16(c);
	if (n->doi != ISAKMP_DOI_ISAKMP && n->doi != ISAKMP_DOI_IPSEC)
		return PROTO_E_DOI;
	const uint8_t *spi = cur_take(c, spi_size);
	if (c->bad) {
		*err_off += 5;
		return PROTO_E_OVERRUN;
	}
	n->spi = view(spi, spi_size, pl->body.off + 8);
	n->data = rest(c, pl->body.off, start);
	return PROTO_OK;
}

/* RFC 2408 §3.15 Delete: DOI, protocol, SPI size, count, count SPIs filling the payload. */
static enum proto_err dec_delete(struct cursor *c, struct proto_payload *pl, size_t *err_off)
{
	struct proto_delete *d = &pl->u.d;
	size_t start = c->left;
	d->doi = cur_u32(c);
	d->protocol = cur_u8(c);
	d->spi_size = cur_u8(c);
	d->count = cur_u16(c);
	d->spis = rest(c, pl->body.off, start);
	if (d->doi != ISAKMP_DOI_ISAKMP && d->doi != ISAKMP_DOI_IPSEC)
		return PROTO_E_DOI;
	*err_off += 4;
	enum proto_err e = check_spi(d->protocol, d->spi_size, false);
	if (e == PROTO_OK && d->spi_size == 0)
		e = PROTO_E_SPI;
	if (e != PROTO_OK)
		return e;
	*err_off += 2;
	if (d->count == 0)
		return PROTO_E_MALFORMED;
	if (d->count > PROTO_DELETE_SPIS_MAX)
		return PROTO_E_TOO_MANY;
	if ((size_t)d->count * d->spi_size != d->spis.len)
		return PROTO_E_UNEQUAL;
	return PROTO_OK;
}

const uint8_t *proto_delete_spi(const struct proto_delete *d, unsigned i)
{
	size_t at = (size_t)i * d->spi_size;
	if (i >= d->count || d->spi_size == 0 || at + d->spi_size > d->spis.len)
		return NULL;
	return d->spis.p + at;
}

/* draft-ietf-ipsec-isakmp-mode-cfg-05 §3.2: type, reserved, identifier, attributes. */
static enum proto_err dec_cfg(struct cursor *c, struct proto_payload *pl, size_t *err_off)
{
	struct proto_cfg *cfg = &pl->u.cfg;
	size_t start = c->left;
	cfg->type = cur_u8(c);
	uint8_t res = cur_u8(c);
	cfg->identifier = cur_u16(c);
	cfg->attrs = rest(c, pl->body.off, start);
	if (cfg->type < CFG_REQUEST || cfg->type > CFG_ACK)
		return PROTO_E_MALFORMED;
	if (res) {
		*err_off += 1;
		return PROTO_E_RESERVED;
	}
	return check_attrs(cfg->attrs, err_off);
}

/* RFC 3947 §5.2 NAT-OA: ID type, 3 reserved bytes, IPv4 or IPv6 address. */
static enum proto_err dec_nat_oa(struct cursor *c, struct proto_payload *pl, size_t *err_off)
{
	struct proto_nat_oa *oa = &pl->u.nat_oa;
	oa->id_type = cur_u8(c);
	const uint8_t *res = cur_take(c, 3);
	if (res[0] | res[1] | res[2]) {
		*err_off += 1;
		return PROTO_E_RESERVED;
	}
	*err_off += 4;
	size_t alen = oa->id_type == ID_IPV4_ADDR ? 4 : oa->id_type == ID_IPV6_ADDR ? 16 : 0;
	if (alen == 0 || c->left != alen)
		return PROTO_E_ID;
	oa->family = alen == 4 ? AF_INET : AF_INET6;
	memcpy(oa->addr, cur_take(c, alen), alen);
	return PROTO_OK;
}

/* Cisco fragment payload 132: fragment ID, number (from 1), flags (LAST), data. */
static enum proto_err dec_frag(struct cursor *c, struct proto_payload *pl, size_t *err_off)
{
	struct proto_frag *f = &pl->u.frag;
	size_t start = c->left;
	f->id = cur_u16(c);
	f->number = cur_u8(c);
	f->flags = cur_u8(c);
	f->data = rest(c, pl->body.off, start);
	*err_off += 2;
	if (f->number == 0)
		return PROTO_E_MALFORMED;
	*err_off += 1;
	if (f->flags & ~PROTO_FRAG_FLAG_LAST)
		return PROTO_E_RESERVED;
	return f->data.len ? PROTO_OK : PROTO_E_LENGTH;
}

/*
 * One row per top-level payload type: minimal and maximal body length (after the generic
 * header) and the decoder, which reads the body through a cursor and may advance *err_off from
 * the body's offset to the faulty field.
 */
struct pl_desc {
	uint16_t min, max;
	enum proto_err (*decode)(struct cursor *c, struct proto_payload *pl, size_t *err_off);
};

static const struct pl_desc descs[256] = {
	[ISAKMP_PL_SA] = {8, 0xffff, dec_sa},
	[ISAKMP_PL_KE] = {0, 0xffff, dec_data},
	[ISAKMP_PL_ID] = {4, 0xffff, dec_id},
	[ISAKMP_PL_CERT] = {1, 0xffff, dec_cert},
	[ISAKMP_PL_CR] = {1, 0xffff, dec_cert},
	[ISAKMP_PL_HASH] = {0, 0xffff, dec_data},
	[ISAKMP_PL_SIG] = {0, 0xffff, dec_data},
	[ISAKMP_PL_NONCE] = {0, 0xffff, dec_nonce},
	[ISAKMP_PL_N] = {8, 0xffff, dec_notify},
	[ISAKMP_PL_D] = {8, 0xffff, dec_delete},
	[ISAKMP_PL_VID] = {1, 0xffff, dec_data},
	[ISAKMP_PL_ATTR] = {4, 0xffff, dec_cfg},
	[ISAKMP_PL_NAT_D] = {1, 0xffff, dec_data},
	[ISAKMP_PL_NAT_OA] = {8, 20, dec_nat_oa},
	[ISAKMP_PL_NAT_D_DRAFT] = {1, 0xffff, dec_data},
	[ISAKMP_PL_NAT_OA_DRAFT] = {8, 20, dec_nat_oa},
	[ISAKMP_PL_FRAG] = {5, 0xffff, dec_frag},
};

static enum proto_err msg_fail(struct proto_msg *msg, enum proto_err e, size_t off)
{
	msg->err = e;
	msg->err_offset = off;
	return e;
}

/* Decodes one payload whose generic header is at off into msg->pl[msg->n]. */
static enum proto_err decode_one(struct proto_msg *msg, uint8_t type, uint8_t res,
				 struct cursor body, size_t off)
{
	struct proto_payload *pl = &msg->pl[msg->n];
	const struct pl_desc *d = &descs[type];
	size_t err_off = off;

	memset(pl, 0, sizeof(*pl));
	pl->type = type;
	pl->reserved = res;
	pl->offset = off;
	pl->body = view(body.p, body.left, off + PROTO_GENERIC_LEN);
	if (!d->decode) {
		/* Proposal and Transform only live inside an SA (RFC 2408 §3.5/3.6). */
		if ((res & PROTO_CRITICAL) || type == ISAKMP_PL_P || type == ISAKMP_PL_T)
			return msg_fail(msg, PROTO_E_PAYLOAD_TYPE, off);
		pl->u.data = pl->body;
	} else {
		if (res & ~PROTO_CRITICAL)
			return msg_fail(msg, PROTO_E_RESERVED, off + 1);
		if (body.left < d->min || body.left > d->max)
			return msg_fail(msg, PROTO_E_LENGTH, off + 2);
		pl->known = true;
		err_off = off + PROTO_GENERIC_LEN;
		enum proto_err e = d->decode(&body, pl, &err_off);
		if (e != PROTO_OK)
			return msg_fail(msg, e, err_off);
	}
	if (msg->first[type] == 0xff)
		msg->first[type] = (uint8_t)msg->n;
	msg->count[type]++;
	msg->n++;
	return PROTO_OK;
}

/*
 * Plaintext bytes after the last payload, inside the header length. RFC 2408 §3.1 defines that
 * length as header plus payloads and §3.2 each payload length as its own bytes, so a plaintext
 * message has no room for padding; but Libreswan's pluto (ikepad=yes, its default) rounds every
 * unencrypted IKEv1 message up to a multiple of 4 octets with zero bytes counted in the header
 * length, and drops nothing of the kind itself. Accept exactly that: 1..3 bytes (alignment to 4
 * never needs more), all zero. Anything longer or non-zero still means the lengths disagree.
 */
static bool alignment_padding(struct cursor c)
{
	if (c.bad || c.left > PROTO_PLAIN_PAD_MAX)
		return false;
	uint8_t any = 0;
	while (c.left)
		any |= cur_u8(&c);
	return any == 0 && !c.bad;
}

enum proto_err proto_decode_payloads(uint8_t first_np, const uint8_t *body, size_t len,
				     unsigned flags, struct proto_msg *msg)
{
	struct cursor c = cur_init(body, len);
	uint8_t np = first_np;
	size_t off = 0;

	msg->n = 0;
	msg->padding = 0;
	msg->err = PROTO_OK;
	msg->err_offset = 0;
	memset(msg->first, 0xff, sizeof(msg->first));
	memset(msg->count, 0, sizeof(msg->count));
	while (np != ISAKMP_PL_NONE) {
		if (msg->n >= PROTO_PAYLOADS_MAX)
			return msg_fail(msg, PROTO_E_TOO_MANY, off);
		if (c.left < PROTO_GENERIC_LEN)
			return msg_fail(msg, PROTO_E_OVERRUN, off);
		uint8_t next = cur_u8(&c);
		uint8_t res = cur_u8(&c);
		uint16_t plen = cur_u16(&c);
		if (plen < PROTO_GENERIC_LEN)
			return msg_fail(msg, PROTO_E_LENGTH, off + 2);
		if ((size_t)plen - PROTO_GENERIC_LEN > c.left)
			return msg_fail(msg, PROTO_E_OVERRUN, off + 2);
		struct cursor pc = cur_sub(&c, (size_t)plen - PROTO_GENERIC_LEN);
		enum proto_err e = decode_one(msg, np, res, pc, off);
		if (e != PROTO_OK)
			return e;
		np = next;
		off += plen;
	}
	if (c.left && !(flags & PROTO_DECODE_PADDING) && !alignment_padding(c))
		return msg_fail(msg, PROTO_E_UNEQUAL, off);
	msg->padding = c.left;
	return PROTO_OK;
}

const struct proto_payload *proto_msg_find(const struct proto_msg *msg, uint8_t type, unsigned nth)
{
	if (nth >= msg->count[type])
		return NULL;
	for (unsigned i = msg->first[type]; i < msg->n && i < PROTO_PAYLOADS_MAX; i++)
		if (msg->pl[i].type == type && nth-- == 0)
			return &msg->pl[i];
	return NULL;
}

unsigned proto_msg_count(const struct proto_msg *msg, uint8_t type)
{
	return msg->count[type];
}
