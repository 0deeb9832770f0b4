// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the ISAKMP decoder: header, payload chain (as plaintext and as a decrypted
 * body with padding), every sub-decoder and iterator, the ID/attribute helpers and the printer.
 * The Transaction exchange's attribute codec too (seeds cfg-request, cfg-reply).
 * Also accepts a UDP 4500 datagram with the 4-byte non-ESP marker in front.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto/cfg_attr.h"
#include "proto/codec.h"
#include "proto/print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned sink;

/* The Transaction exchange's attribute codec (proto/cfg_attr.c): decode and print each. */
static void cfg_attrs(struct proto_view v)
{
	struct proto_cfg_list l;
	size_t off = 0;
	char line[128];
	if (proto_cfg_decode(v.p, v.len, &l, &off) != PROTO_OK)
		return;
	for (unsigned i = 0; i < l.n; i++)
		sink += (unsigned)proto_cfg_attr_str(&l.a[i], line, sizeof(line));
}

static void walk_attrs(struct proto_view v)
{
	struct proto_iter it;
	struct proto_attr a;
	uint32_t v32;
	uint64_t v64;
	proto_attrs_begin(&it, v);
	while (proto_attrs_next(&it, &a)) {
		if (proto_attr_u32(&a, &v32) == PROTO_OK)
			sink += v32;
		if (proto_attr_u64(&a, &v64) == PROTO_OK)
			sink += (unsigned)v64;
		if (!a.tv && a.value.len)
			sink += a.value.p[a.value.len - 1];
	}
	sink += it.err;
}

/* The per-type index agrees with the payload list. */
static void check_index(const struct proto_msg *msg)
{
	unsigned seen[256] = {0};
	for (unsigned i = 0; i < msg->n; i++) {
		uint8_t t = msg->pl[i].type;
		if (proto_msg_find(msg, t, seen[t]++) != &msg->pl[i])
			__builtin_trap();
	}
	for (unsigned t = 0; t < 256; t++)
		if (proto_msg_count(msg, (uint8_t)t) != seen[t] ||
		    proto_msg_find(msg, (uint8_t)t, seen[t]) != NULL)
			__builtin_trap();
}

static void walk(const struct proto_msg *msg)
{
	check_index(msg);
	for (unsigned i = 0; i < msg->n; i++) {
		const struct proto_payload *pl = &msg->pl[i];
		struct proto_iter pi, ti;
		struct proto_proposal p;
		struct proto_transform t;
		struct proto_id_net net;
		if (pl->body.len)
			sink += pl->body.p[pl->body.len - 1];
		if (!pl->known)
			continue;
		switch (pl->type) {
		case ISAKMP_PL_SA:
			proto_proposals_begin(&pi, &pl->u.sa);
			while (proto_proposals_next(&pi, &p)) {
				if (p.spi.len)
					sink += p.spi.p[p.spi.len - 1];
				proto_transforms_begin(&ti, &p);
				while (proto_transforms_next(&ti, &t))
					walk_attrs(t.attrs);
			}
			break;
		case ISAKMP_PL_ID:
			if (proto_id_to_net(&pl->u.id, &net) == PROTO_OK)
				sink += net.to[0] + (unsigned)net.prefix;
			break;
		case ISAKMP_PL_D:
			for (unsigned k = 0; k < pl->u.d.count; k++) {
				const uint8_t *spi = proto_delete_spi(&pl->u.d, k);
				if (spi)
					sink += spi[pl->u.d.spi_size - 1];
			}
			break;
		case ISAKMP_PL_ATTR:
			walk_attrs(pl->u.cfg.attrs);
			cfg_attrs(pl->u.cfg.attrs);
			break;
		case ISAKMP_PL_N:
			if (pl->u.n.spi.len)
				sink += pl->u.n.spi.p[pl->u.n.spi.len - 1];
			if (pl->u.n.data.len)
				sink += pl->u.n.data.p[pl->u.n.data.len - 1];
			break;
		default:
			break;
		}
	}
}

static void print(const struct proto_header *h, const struct proto_msg *msg)
{
	static char out[65536];
	sink += (unsigned)proto_print(h, msg, true, out, sizeof(out));
	sink += (unsigned)proto_print(h, msg, false, out, 64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proto_msg msg;
	struct proto_header h;
	size_t off;

	if (size >= 4 && memcmp(data, "\0\0\0\0", 4) == 0) {
		data += 4;
		size -= 4;
	}
	if (proto_decode_header(data, size, &h, &off) != PROTO_OK) {
		/* still exercise the chain walker on the raw bytes */
		if (size > 1) {
			proto_decode_payloads(data[0], data + 1, size - 1, PROTO_DECODE_PADDING,
					      &msg);
			walk(&msg);
			print(NULL, &msg);
		}
		return 0;
	}
	const uint8_t *body = data + PROTO_HDR_LEN;
	size_t len = h.length - PROTO_HDR_LEN;
	proto_decode_payloads(h.next_payload, body, len, 0, &msg);
	walk(&msg);
	print(&h, &msg);
	proto_decode_payloads(h.next_payload, body, len, PROTO_DECODE_PADDING, &msg);
	walk(&msg);
	return 0;
}
