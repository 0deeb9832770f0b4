// SPDX-License-Identifier: GPL-2.0-or-later
/* The Transaction exchange's attribute codec (proto/cfg_attr.h). */
#include <stdio.h>
#include <string.h>

#include "proto/cfg_attr.h"
#include "proto/consts.h"
#include "proto/cursor.h"

#define X_DESC(sym, val, str, kind, max) {val, str, PROTO_CFG_K_##kind, max},
static const struct proto_cfg_attr_desc descs[] = {MODECFG_ATTRS(X_DESC)};

const struct proto_cfg_attr_desc *proto_cfg_attr_desc(uint16_t type)
{
	for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++)
		if (descs[i].type == type)
			return &descs[i];
	return NULL;
}

/* The size a fixed kind's value has (0: variable). */
static size_t fixed_len(enum proto_cfg_kind k)
{
	switch (k) {
	case PROTO_CFG_K_ADDR4:
	case PROTO_CFG_K_U32:
		return 4;
	case PROTO_CFG_K_ADDR6:
		return 16;
	case PROTO_CFG_K_ADDR6P:
		return 17;
	case PROTO_CFG_K_SUBNET4:
		return 8;
	case PROTO_CFG_K_U16:
		return 2;
	default:
		return 0;
	}
}

/* Whether a's value fits its row (unknown types: PROTO_CFG_VALUE_MAX). */
static bool value_ok(struct proto_cfg_attr *a)
{
	const struct proto_cfg_attr_desc *d = proto_cfg_attr_desc(a->type);
	size_t len = a->value.len, fix = d ? fixed_len(d->kind) : 0;
	if (a->tv)
		return !d || d->kind == PROTO_CFG_K_U16 || d->kind == PROTO_CFG_K_U32 ||
		       d->kind == PROTO_CFG_K_BYTES;
	if (!d)
		return len <= PROTO_CFG_VALUE_MAX;
	if (len == 0)
		return true; /* a REQUEST's or an ACK's empty value */
	if (d->kind == PROTO_CFG_K_SPLIT)
		return len % PROTO_CFG_SPLIT_LEN == 0 && len <= d->max;
	if (fix)
		return len == fix;
	return len <= d->max;
}

/* The integer value of a U16/U32 kind (TV, or a TLV of its size). */
static void take_int(struct proto_cfg_attr *a)
{
	const uint8_t *v = a->value.p;
	if (a->tv) {
		a->u32 = a->u16;
	} else if (a->value.len == 2) {
		a->u16 = (uint16_t)(v[0] << 8 | v[1]);
		a->u32 = a->u16;
	} else if (a->value.len == 4) {
		a->u32 = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
		a->u16 = (uint16_t)a->u32;
	}
}

enum proto_err proto_cfg_decode(const uint8_t *p, size_t len, struct proto_cfg_list *ret,
				size_t *ret_off)
{
	struct cursor c = cur_init(p, len);
	ret->n = 0;
	while (c.left > 0) {
		size_t off = len - c.left;
		*ret_off = off;
		if (ret->n >= PROTO_CFG_ATTRS_MAX)
			return PROTO_E_ATTR;
		struct proto_cfg_attr *a = &ret->a[ret->n];
		memset(a, 0, sizeof(*a));
		uint16_t t = cur_u16(&c), v = cur_u16(&c);
		a->type = t & 0x7fff;
		a->tv = t & 0x8000;
		if (a->tv)
			a->u16 = v;
		else
			a->value = (struct proto_view){cur_take(&c, v), v, off + 4};
		if (c.bad)
			return PROTO_E_ATTR;
		if (!value_ok(a))
			return PROTO_E_ATTR_VALUE;
		take_int(a);
		ret->n++;
	}
	return PROTO_OK;
}

const struct proto_cfg_attr *proto_cfg_find(const struct proto_cfg_list *l, uint16_t type,
					    unsigned *at)
{
	for (unsigned i = at ? *at : 0; i < l->n && i < PROTO_CFG_ATTRS_MAX; i++)
		if (l->a[i].type == type) {
			if (at)
				*at = i + 1;
			return &l->a[i];
		}
	return NULL;
}

static uint8_t *room(struct proto_cfg_out *o, size_t n)
{
	if (o->bad || sizeof(o->buf) - o->len < n) {
		o->bad = true;
		return NULL;
	}
	uint8_t *p = o->buf + o->len;
	o->len += n;
	return p;
}

void proto_cfg_put_tv(struct proto_cfg_out *o, uint16_t type, uint16_t value)
{
	uint8_t *p = room(o, 4);
	if (p) {
		p[0] = (uint8_t)(0x80 | (type >> 8 & 0x7f));
		p[1] = (uint8_t)type;
		p[2] = (uint8_t)(value >> 8);
		p[3] = (uint8_t)value;
	}
}

void proto_cfg_put_tlv(struct proto_cfg_out *o, uint16_t type, const void *value, size_t len)
{
	if (len > 0xffff) {
		o->bad = true;
		return;
	}
	uint8_t *p = room(o, 4 + len);
	if (!p)
		return;
	p[0] = (uint8_t)(type >> 8 & 0x7f);
	p[1] = (uint8_t)type;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	if (len)
		memcpy(p + 4, value, len);
}

void proto_cfg_put_u32(struct proto_cfg_out *o, uint16_t type, uint32_t value)
{
	const struct proto_cfg_attr_desc *d = proto_cfg_attr_desc(type);
	if (d && d->kind == PROTO_CFG_K_U16) {
		proto_cfg_put_tv(o, type, (uint16_t)value);
		return;
	}
	uint8_t v[4] = {(uint8_t)(value >> 24), (uint8_t)(value >> 16), (uint8_t)(value >> 8),
			(uint8_t)value};
	proto_cfg_put_tlv(o, type, v, 4);
}

/* Appends the value of a to buf at *at as its kind reads. */
static void value_str(const struct proto_cfg_attr *a, enum proto_cfg_kind k, char *buf, size_t len,
		      size_t at)
{
	const uint8_t *v = a->value.p;
	size_t n = a->value.len;
	if (at >= len)
		return;
	buf += at;
	len -= at;
	if (k == PROTO_CFG_K_SECRET) {
		snprintf(buf, len, "<hidden, %zu bytes>", n);
	} else if (a->tv || k == PROTO_CFG_K_U16 || k == PROTO_CFG_K_U32) {
		snprintf(buf, len, "%u", (unsigned)a->u32);
	} else if (n == 0) {
		snprintf(buf, len, "(empty)");
	} else if (k == PROTO_CFG_K_ADDR4 || k == PROTO_CFG_K_SUBNET4) {
		int w = snprintf(buf, len, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
		if (n == 8 && w > 0 && (size_t)w < len)
			snprintf(buf + w, len - (size_t)w, "/%u.%u.%u.%u", v[4], v[5], v[6], v[7]);
	} else if (k == PROTO_CFG_K_STRING) {
		size_t o = 0;
		for (size_t i = 0; i < n && o + 5 < len; i++)
			o += (size_t)snprintf(buf + o, len - o,
					      v[i] >= 32 && v[i] < 127 ? "%c" : "\\x%02x", v[i]);
	} else {
		size_t o = 0;
		for (size_t i = 0; i < n && o + 3 < len; i++)
			o += (size_t)snprintf(buf + o, len - o, "%02x", v[i]);
	}
}

int proto_cfg_attr_str(const struct proto_cfg_attr *a, char *buf, size_t len)
{
	const struct proto_cfg_attr_desc *d = proto_cfg_attr_desc(a->type);
	int w = d ? snprintf(buf, len, "%s = ", d->name)
		  : snprintf(buf, len, "attribute %u = ", a->type);
	if (w < 0)
		return w;
	value_str(a, d ? d->kind : PROTO_CFG_K_BYTES, buf, len, (size_t)w);
	return (int)strlen(buf);
}
