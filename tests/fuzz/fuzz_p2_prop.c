// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the Quick Mode proposal logic of the IKE engine (proto/ike/ike_prop.c),
 * which the exchange fuzzer cannot reach (a Quick Mode needs the keys): the input is one SA
 * payload (generic header included), as it would be after decryption. Checked, whatever the
 * bytes: the suites read stay within PROTO_IKE_CONSIDER_MAX and say nothing impossible (a usable
 * IPComp part has a negotiated CPI and DEFLATE); the responder's pick, for compress=yes and no,
 * tunnel and transport, never takes IPComp it must not; the reply built from a pick decodes and
 * reads back as exactly that suite, with our SPI and CPI.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/ike/engine_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ike_sa no_nat; /* only its NAT-T fields are read: none */
static struct proto_msg msg, back_msg;
static struct ike_p2_choice got[PROTO_IKE_CONSIDER_MAX], back[PROTO_IKE_CONSIDER_MAX];
static uint8_t reply[PROTO_IKE_MSG_MAX];

static const struct proto_sa *sa_of(const uint8_t *p, size_t n, struct proto_msg *m)
{
	if (proto_decode_payloads(ISAKMP_PL_SA, p, n, 0, m) != PROTO_OK)
		return NULL;
	const struct proto_payload *sa = proto_msg_find(m, ISAKMP_PL_SA, 0);
	return sa ? &sa->u.sa : NULL;
}

/* The reply to ch decodes back to ch alone, with our SPI and CPI. */
static void check_reply(const struct ike_p2_choice *picked)
{
	struct ike_p2_choice ch = *picked;
	struct proto_builder b;
	ch.spi_in = 0xb0000001;
	ch.cpi_in = 0x2345;
	ch.cpi_len = 2;
	proto_builder_init(&b, reply, sizeof(reply));
	proto_ike_put_p2_choice(&no_nat, &b, &ch);
	size_t len = proto_builder_finish(&b);
	const struct proto_sa *sa = len ? sa_of(reply, len, &back_msg) : NULL;
	if (!sa || proto_ike_p2_collect(sa, back) != 1)
		abort();
	const struct ike_p2_choice *r = &back[0];
	if (r->number != ch.number || r->prop.protocol != ch.prop.protocol ||
	    r->prop.transform != ch.prop.transform || r->prop.auth != ch.prop.auth ||
	    r->prop.key_bits != ch.prop.key_bits || r->mode != ch.mode || r->group != ch.group ||
	    r->spi_out != ch.spi_in || r->comp != ch.comp || r->comp_seen != ch.comp ||
	    (ch.comp && (r->cpi_out != ch.cpi_in || r->comp_first != ch.comp_first)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct proto_sa *sa = sa_of(data, size, &msg);
	if (!sa)
		return 0;
	unsigned n = proto_ike_p2_collect(sa, got);
	if (n > PROTO_IKE_CONSIDER_MAX)
		abort();
	for (unsigned i = 0; i < n; i++) {
		const struct ike_p2_choice *c = &got[i];
		if ((c->comp && !c->comp_seen) ||
		    (c->comp &&
		     (c->cpi_out < IKE_CPI_MIN || c->comp_transform != IPCOMP_DEFLATE)) ||
		    (c->prop.protocol != PROTO_IPSEC_ESP && c->prop.protocol != PROTO_IPSEC_AH))
			abort();
	}
	/* The responder's pick for a few conns made of the peer's own first proposals. */
	struct proto_ike_conn conn;
	memset(&conn, 0, sizeof(conn));
	for (unsigned i = 0; i < n && conn.n_esp < 4; i++)
		conn.esp[conn.n_esp++] = got[i].prop;
	for (int k = 0; k < 8; k++) {
		struct ike_p2_choice ch;
		conn.compress = k & 1;
		conn.mode = k & 2 ? ENCAP_TRANSPORT : ENCAP_TUNNEL;
		conn.pfs_group = k & 4 ? IKE_GROUP_MODP2048 : 0;
		if (!proto_ike_p2_pick(&conn, got, n, conn.pfs_group != 0, &ch))
			continue;
		if (ch.comp_seen && !conn.compress) /* RFC 2408 §4.2: such a suite is refused */
			abort();
		if (ch.comp_seen && !ch.comp) /* an unusable IPComp part refuses the suite */
			abort();
		check_reply(&ch);
	}
	return 0;
}
