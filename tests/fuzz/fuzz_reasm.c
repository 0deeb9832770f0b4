// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: IKE fragment reassembly (proto/ike/ike_frag.c), fast. Unlike 'frag', which
 * builds two engines and a real MM1 per input, one world (tests/exch/harness.c) and the MM1 of
 * peer a are made once; every input is fed to the responder b, and b is brought back to empty
 * after it: the clock passes the reassembly timeout (every partial message goes), the SAs that
 * reassembled messages created are deleted, and the clock is reset, so inputs do not depend on
 * each other. The records are those of 'frag' (its corpus is valid here):
 *
 *   op & 3 == 0  a raw datagram: len (1 byte), bytes
 *   op & 3 == 1  a fragment made here: cookie set (1), exchange (1), id (1), number (1),
 *                flags (1), len (1), data
 *   op & 3 == 2  piece k of n of the MM1: id (1), k (1), n (1)
 *   op & 3 == 3  one byte s: the clock moves on by (s & 31) / 16 of PROTO_IKE_FRAG_TIMEOUT_MS, a
 *                timer fires, and s >> 5 picks the subnet of the following peer addresses
 *
 * from one of 8 hosts (op >> 2 & 7) of the current subnet (64 peer addresses in all, enough to
 * reach the engine-wide limit) and natt (op & 0x20: port 4500), at most RECORDS_MAX. Checked after
 * every record
 * (__builtin_trap on a violation): at most PROTO_IKE_FRAG_PARTIAL_MAX partial messages, at most
 * PROTO_IKE_FRAG_PEER_MAX per address used so far, at most PROTO_IKE_MSG_MAX bytes each, bytes
 * held exactly when messages are; at the end nothing is held and no SA is left.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/consts.h"
#include "tests/exch/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE_MS 1000000u
#define SAS_MAX 256 /* > RECORDS_MAX: each record makes at most one SA */
/* Records read from one input: enough for 65 partial messages from 33 addresses (the engine-wide
 * eviction) and a reassembly on top; the rest of a longer input is ignored, so that libFuzzer
 * keeps inputs short (a campaign whose inputs grew to 1.5 KB ran at half the speed). */
#define RECORDS_MAX 192

static struct h_world w;
static uint8_t mm1[PROTO_IKE_MSG_MAX];
static size_t mm1_len;
static uint64_t sas[SAS_MAX]; /* SAs of b this input created (by their actions) */
static unsigned n_sas;
static uint64_t used_addr; /* bit per peer address of this input */

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

static void note_sa(uint64_t id)
{
	if (!id)
		return;
	for (unsigned i = 0; i < n_sas; i++)
		if (sas[i] == id)
			return;
	if (n_sas < SAS_MAX)
		sas[n_sas++] = id;
	else
		__builtin_trap(); /* more SAs than records */
}

/* Drops every queued action of b, noting the SAs they name. */
static void drain(void)
{
	struct proto_ike_action a;
	while (proto_ike_next_action(w.p[1].e, &a)) {
		note_sa(a.sa_id);
		if (a.type == PROTO_IKE_ACT_DH)
			proto_ike_dh_free(a.job);
		proto_ike_action_release(&a);
	}
}

/* b keeps no debug lines: the per-message traces would cost more than the reassembly (the decode
 * and decrypt targets fuzz them). */
static bool no_debug(void *ctx, enum proto_log_level level)
{
	(void)ctx;
	return level != PROTO_LOG_DEBUG;
}

static void init(void)
{
	struct proto_ike_action a;
	h_init(&w, false, 1);
	proto_ike_engine_free(w.p[1].e);
	w.p[1].env.log_enabled = no_debug;
	w.p[1].e = proto_ike_engine_new(&w.p[1].env, &w.p[1].pol);
	h_initiate(&w, 0);
	while (proto_ike_next_action(w.p[0].e, &a)) {
		if (a.type == PROTO_IKE_ACT_SEND && !mm1_len && a.len <= sizeof(mm1)) {
			memcpy(mm1, a.data, a.len);
			mm1_len = a.len;
		}
		proto_ike_action_release(&a);
	}
	if (mm1_len < PROTO_HDR_LEN)
		abort();
	/* peer a is not used again; b never sends it anything */
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
	memset(out + 20, 0, 6);
	out[26] = (uint8_t)(total >> 8), out[27] = (uint8_t)total;
	uint8_t *p = out + PROTO_HDR_LEN;
	p[0] = 0, p[1] = 0, p[2] = (uint8_t)(pl >> 8), p[3] = (uint8_t)pl;
	p[4] = (uint8_t)(id >> 8), p[5] = (uint8_t)id, p[6] = number, p[7] = flags;
	memcpy(p + 8, d, len);
	return total;
}

static void check(void)
{
	struct proto_ike_stats st;
	proto_ike_get_stats(w.p[1].e, &st);
	unsigned addrs = (unsigned)__builtin_popcountll(used_addr);
	if (st.frag_partial > PROTO_IKE_FRAG_PARTIAL_MAX ||
	    st.frag_partial > addrs * PROTO_IKE_FRAG_PEER_MAX ||
	    st.frag_bytes > (size_t)st.frag_partial * PROTO_IKE_MSG_MAX ||
	    (!st.frag_partial) != (!st.frag_bytes))
		__builtin_trap();
}

static size_t made_frag(uint8_t *d, struct in *in)
{
	const uint8_t *f, *b;
	uint8_t hdr[PROTO_HDR_LEN];
	if (!take(in, 6, &f) || !take(in, f[5], &b))
		return 0;
	memcpy(hdr, mm1, PROTO_HDR_LEN);
	hdr[0] ^= (uint8_t)(f[0] & 3);
	hdr[8] = (uint8_t)(f[0] >> 2 & 1); /* a responder cookie, or none */
	uint8_t xchg = f[1] & 1 ? ISAKMP_XCHG_IDPROT : f[1] & 2 ? ISAKMP_XCHG_AGGRESSIVE : f[1];
	return frag_dgram(d, hdr, xchg, f[2], f[3], f[4], b, f[5]);
}

static size_t mm1_piece(uint8_t *d, struct in *in)
{
	const uint8_t *f;
	if (!take(in, 3, &f))
		return 0;
	size_t n = f[2] % 18 + 1, k = f[1] % 18 + 1;
	size_t chunk = (mm1_len + n - 1) / n, off = (k - 1) * chunk;
	if (off >= mm1_len)
		off = mm1_len - 1;
	size_t part = mm1_len - off < chunk ? mm1_len - off : chunk;
	return frag_dgram(d, mm1, ISAKMP_XCHG_IDPROT, f[0], (uint8_t)k,
			  k == n ? PROTO_FRAG_FLAG_LAST : 0, mm1 + off, part);
}

/* One record; false at the end of the input. */
static bool record(struct in *in, uint8_t *subnet)
{
	static uint8_t d[PROTO_IKE_MSG_MAX + 64];
	const uint8_t *op, *f, *b;
	if (!take(in, 1, &op))
		return false;
	unsigned host = (*op >> 2) & 7;
	struct proto_ike_addr peer = w.p[0].addr;
	peer.addr[2] = (uint8_t)(2 + *subnet);
	peer.addr[3] = (uint8_t)(1 + host);
	bool natt = *op & 0x20;
	peer.port = natt ? 4500 : 500;
	size_t dl = 0;
	switch (*op & 3) {
	case 0:
		if (!take(in, 1, &f) || !take(in, *f, &b))
			return false;
		memcpy(d, b, *f);
		dl = *f;
		break;
	case 1:
		if (!(dl = made_frag(d, in)))
			return false;
		break;
	case 2:
		if (!(dl = mm1_piece(d, in)))
			return false;
		break;
	default:
		if (!take(in, 1, &f))
			return false;
		w.now += (uint64_t)(*f & 31) * (PROTO_IKE_FRAG_TIMEOUT_MS / 16);
		*subnet = *f >> 5;
		proto_ike_timer(w.p[1].e, 1);
		break;
	}
	if (dl) {
		used_addr |= 1ull << (*subnet * 8 + host);
		struct proto_ike_addr local = w.p[1].addr;
		local.port = peer.port;
		proto_ike_input(w.p[1].e, d, dl, &local, &peer, natt);
	}
	drain();
	check();
	return true;
}

/* b back to empty: every partial message timed out, the SAs of this input deleted. */
static void reset(void)
{
	struct proto_ike_stats st;
	w.now += PROTO_IKE_FRAG_TIMEOUT_MS;
	proto_ike_timer(w.p[1].e, 1);
	drain();
	proto_ike_get_stats(w.p[1].e, &st);
	if (st.frag_partial || st.frag_bytes)
		__builtin_trap();
	for (unsigned i = 0; i < n_sas; i++)
		proto_ike_delete_sa(w.p[1].e, sas[i]);
	drain();
	proto_ike_get_stats(w.p[1].e, &st);
	if (st.sas || st.half_open)
		__builtin_trap(); /* an SA this target did not see (no action named it) */
	n_sas = 0;
	used_addr = 0;
	w.now = BASE_MS;
	w.p[1].n_ev = 0;
	w.p[1].log_len = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		init();
		ready = true;
	}
	w.now = BASE_MS;
	struct in in = {data, size};
	uint8_t subnet = 0;
	for (unsigned i = 0; i < RECORDS_MAX && record(&in, &subnet); i++)
		;
	reset();
	return 0;
}
