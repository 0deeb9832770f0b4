/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data attributes of a Transaction exchange (ISAKMP exchange type 6): Mode-Config
 * (draft-dukes-ike-mode-cfg), XAUTH (draft-beaulieu-ike-xauth) and Cisco Unity. The types, names,
 * value kinds and length limits are one list, MODECFG_ATTRS in proto/consts.h; this codec
 * decodes an attribute list with the bounds-checked cursor into views (nothing allocated) and
 * appends attributes to a list being built.
 *
 * A REQUEST or an ACK carries values empty (length 0); racoon (iOS, Android) sends 4 zero bytes
 * for the IPv4 ones instead. Both are accepted: a value is empty, or of the kind's size, or at
 * most its limit for the variable kinds. An attribute type not in the list is kept as bytes
 * (a peer may send a vendor's); its value is bounded by PROTO_CFG_VALUE_MAX.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/codec.h"

#define PROTO_CFG_ATTRS_MAX 64	 /* attributes in one list */
#define PROTO_CFG_VALUE_MAX 1024 /* longest value of an attribute not in the list */
#define PROTO_CFG_LIST_MAX  1024 /* an encoded list (struct proto_ike_cfg_msg's attrs) */
#define PROTO_CFG_SPLIT_LEN 14	 /* one Unity split entry: addr, mask, proto, sport, dport */

/* How an attribute's value is read. */
enum proto_cfg_kind {
	PROTO_CFG_K_ADDR4,   /* 4 bytes */
	PROTO_CFG_K_ADDR6,   /* 16 bytes */
	PROTO_CFG_K_ADDR6P,  /* 16 bytes and a prefix length */
	PROTO_CFG_K_SUBNET4, /* address and mask, 8 bytes */
	PROTO_CFG_K_U16,     /* TV (or a TLV of 2 bytes) */
	PROTO_CFG_K_U32,     /* 4 bytes (or TV) */
	PROTO_CFG_K_STRING,  /* text, not NUL-terminated */
	PROTO_CFG_K_SECRET,  /* text never printed or logged */
	PROTO_CFG_K_BYTES,   /* opaque */
	PROTO_CFG_K_SPLIT,   /* Unity: PROTO_CFG_SPLIT_LEN-byte entries */
};

struct proto_cfg_attr_desc {
	uint16_t type;
	const char *name;
	enum proto_cfg_kind kind;
	uint16_t max; /* longest value */
};

/* One decoded attribute: value views into the decoded buffer. */
struct proto_cfg_attr {
	uint16_t type; /* without the AF bit */
	bool tv;
	uint16_t u16;		 /* TV value, or a U16/U32 kind's value (U32: see u32) */
	uint32_t u32;		 /* U32 kind */
	struct proto_view value; /* TLV (may be empty) */
};

struct proto_cfg_list {
	unsigned n;
	struct proto_cfg_attr a[PROTO_CFG_ATTRS_MAX];
};

/* An encoded list being built (the data attributes of an ATTR payload). */
struct proto_cfg_out {
	size_t len;
	bool bad; /* something did not fit: stays set */
	uint8_t buf[PROTO_CFG_LIST_MAX];
};

/* The row of a type, or NULL when the list does not know it. */
const struct proto_cfg_attr_desc *proto_cfg_attr_desc(uint16_t type);

/* Decodes len bytes of data attributes into *ret (views into p). PROTO_OK, or PROTO_E_ATTR
 * (overrun, more than PROTO_CFG_ATTRS_MAX), PROTO_E_ATTR_VALUE (a value of the wrong size or
 * above its limit) with *ret_off the offending attribute's offset; *ret is then undefined. */
enum proto_err proto_cfg_decode(const uint8_t *p, size_t len, struct proto_cfg_list *ret,
				size_t *ret_off);

/* The first attribute of a type in l from index *at (updated past it), or NULL. */
const struct proto_cfg_attr *proto_cfg_find(const struct proto_cfg_list *l, uint16_t type,
					    unsigned *at);

/* Appending: a TV attribute, a TLV one (len may be 0: a request's empty value). */
void proto_cfg_put_tv(struct proto_cfg_out *o, uint16_t type, uint16_t value);
void proto_cfg_put_tlv(struct proto_cfg_out *o, uint16_t type, const void *value, size_t len);
/* A U16 kind as TV, a U32 as 4 bytes, others by proto_cfg_put_tlv. */
void proto_cfg_put_u32(struct proto_cfg_out *o, uint16_t type, uint32_t value);

/* One attribute as "NAME = value" (addresses dotted, strings quoted, secrets "<hidden>"), for
 * logs and traces. Returns the length snprintf would write. */
int proto_cfg_attr_str(const struct proto_cfg_attr *a, char *buf, size_t len);
