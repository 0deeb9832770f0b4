// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: IKE fragment reassembly (proto/ike/ike_frag.c). A responder engine (peer b of
 * tests/exch/harness.c) gets a sequence of records, each one of:
 *
 *   op & 3 == 0  a raw datagram: len (1 byte), bytes
 *   op & 3 == 1  a fragment made here: cookie set (1), exchange (1), id (1), number (1),
 *                flags (1), len (1), data
 *   op & 3 == 2  piece k of n of a real MM1 from peer a: id (1), k (1), n (1)
 *   op & 3 == 3  the clock moves on: steps of 1/16 of PROTO_IKE_FRAG_TIMEOUT_MS (1), and a timer
 *                fires
 *
 * from one of 8 peer addresses (op >> 2 & 7) and natt (op & 0x20). Reassembled messages run
 * through the whole input path. Checked after every record: the reassembly gauges stay within
 * PROTO_IKE_FRAG_PARTIAL_MAX messages and PROTO_IKE_FRAG_PARTIAL_MAX * PROTO_IKE_MSG_MAX bytes;
 * at the end, once the timeout passed, nothing is held (the counts are exact).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/consts.h"
#include "tests/exch/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p;
	size_t left;
};

static bool take(struct in *in, size_t n, const uint8_t **ret)
{
	if (in->left < n)
		return false;
	*ret = in->p;
	in->p += n;
	in->left -= n;
	return true;
}

/* Drops every queued action of b (answers to reassembled messages). */
static void drain(struct h_world *w)
{
	struct proto_ike_action a;
	while (proto_ike_next_action(w->p[1].e, &a)) {
		if (a.type == PROTO_IKE_ACT_DH)
			proto_ike_dh_free(a.job);
		proto_ike_action_release(&a);
	}
}

static size_t mm1_of(struct h_world *w, uint8_t *out, size_t cap)
{
	struct proto_ike_action a;
	size_t n = 0;
	h_initiate(w, 0);
	while (proto_ike_next_action(w->p[0].e, &a)) {
		if (a.type == PROTO_IKE_ACT_SEND && !n && a.len <= cap) {
			memcpy(out, a.data, a.len);
			n = a.len;
		}
		proto_ike_action_release(&a);
	}
	return n;
}

/* A datagram: hdr's cookies, exchange xchg, then one fragment payload. */
static size_t frag_dgram(uint8_t *out, const uint8_t *hdr, uint8_t xchg, uint16_t id,
			 uint8_t number, uint8_t flags, const uint8_t *d, size_t len)
{
	size_t pl = 8 + len, total = PROTO_HDR_LEN + pl;
	memcpy(out, hdr, PROTO_HDR_LEN);
	out[16] = ISAKMP_PL_FRAG;
	out[18] = xchg;
	out[19] = 0;
	out[20] = out[21] = out[22] = out[23] = 0;
	out[24] = 0, out[25] = 0, out[26] = (uint8_t)(total >> 8), out[27] = (uint8_t)total;
	uint8_t *p = out + PROTO_HDR_LEN;
	p[0] = 0, p[1] = 0, p[2] = (uint8_t)(pl >> 8), p[3] = (uint8_t)pl;
	p[4] = (uint8_t)(id >> 8), p[5] = (uint8_t)id, p[6] = number, p[7] = flags;
	memcpy(p + 8, d, len);
	return total;
}

static void check(struct h_world *w)
{
	struct proto_ike_stats st;
	proto_ike_get_stats(w->p[1].e, &st);
	if (st.frag_partial > PROTO_IKE_FRAG_PARTIAL_MAX ||
	    st.frag_bytes > (size_t)PROTO_IKE_FRAG_PARTIAL_MAX * PROTO_IKE_MSG_MAX ||
	    (!st.frag_partial) != (!st.frag_bytes))
		abort();
}

/* One record; false at the end of the input. */
static bool record(struct h_world *w, struct in *in, const uint8_t *mm1, size_t mm1_len)
{
	static uint8_t d[PROTO_IKE_MSG_MAX + 64];
	const uint8_t *op, *f, *b;
	if (!take(in, 1, &op))
		return false;
	struct proto_ike_addr peer = w->p[0].addr;
	peer.addr[3] = (uint8_t)(1 + ((*op >> 2) & 7));
	bool natt = *op & 0x20;
	size_t dl = 0;
	switch (*op & 3) {
	case 0:
		if (!take(in, 1, &f) || !take(in, *f, &b))
			return false;
		memcpy(d, b, *f);
		dl = *f;
		break;
	case 1: {
		uint8_t hdr[PROTO_HDR_LEN];
		if (!take(in, 6, &f) || !take(in, f[5], &b))
			return false;
		memcpy(hdr, mm1, PROTO_HDR_LEN);
		hdr[0] ^= (uint8_t)(f[0] & 3);
		hdr[8] = (uint8_t)(f[0] >> 2 & 1); /* a responder cookie, or none */
		uint8_t xchg = f[1] & 1	  ? ISAKMP_XCHG_IDPROT
			       : f[1] & 2 ? ISAKMP_XCHG_AGGRESSIVE
					  : f[1];
		dl = frag_dgram(d, hdr, xchg, f[2], f[3], f[4], b, f[5]);
		break;
	}
	case 2: {
		if (!take(in, 3, &f))
			return false;
		size_t n = f[2] % 18 + 1, k = f[1] % 18 + 1;
		size_t chunk = (mm1_len + n - 1) / n, off = (k - 1) * chunk;
		if (off >= mm1_len)
			off = mm1_len - 1;
		size_t part = mm1_len - off < chunk ? mm1_len - off : chunk;
		dl = frag_dgram(d, mm1, ISAKMP_XCHG_IDPROT, f[0], (uint8_t)k,
				k == n ? PROTO_FRAG_FLAG_LAST : 0, mm1 + off, part);
		break;
	}
	default:
		if (!take(in, 1, &f))
			return false;
		w->now += (uint64_t)*f * (PROTO_IKE_FRAG_TIMEOUT_MS / 16);
		proto_ike_timer(w->p[1].e, 1);
		break;
	}
	if (dl)
		proto_ike_input(w->p[1].e, d, dl, &w->p[1].addr, &peer, natt);
	drain(w);
	check(w);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct h_world w;
	static uint8_t mm1[PROTO_IKE_MSG_MAX];
	h_init(&w, false, 1);
	size_t mm1_len = mm1_of(&w, mm1, sizeof(mm1));
	if (mm1_len < PROTO_HDR_LEN)
		abort();
	struct in in = {data, size};
	for (unsigned i = 0; i < 4096 && record(&w, &in, mm1, mm1_len); i++)
		;
	w.now += PROTO_IKE_FRAG_TIMEOUT_MS;
	proto_ike_timer(w.p[1].e, 1);
	struct proto_ike_stats st;
	proto_ike_get_stats(w.p[1].e, &st);
	if (st.frag_partial || st.frag_bytes)
		abort();
	drain(&w);
	h_free(&w);
	return 0;
}
