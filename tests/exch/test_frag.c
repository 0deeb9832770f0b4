// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IKE fragmentation (vendor-ID scheme, payload 132): negotiations whose phase-1 messages travel
 * in fragments (fragmentation=force and yes, Main and Aggressive Mode, a lost fragment), a peer
 * with fragmentation=no, and every reassembly limit driven by hand-made fragments: a 17th
 * fragment, a message over PROTO_IKE_MSG_MAX, a duplicate fragment, a partial message dropped
 * after the timeout, interleaved messages from two peers, and the per-peer and global memory
 * caps. One meson test per case (argv[1]).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/consts.h"
#include "tests/exch/harness.h"
#include "tests/testutil.h"

#define RUN_MS 600000u

static unsigned frags_to[2], first_to_b_frag = 2;

/* Counts the fragments delivered to each peer, and whether a's first datagram was one. */
static void count_frags(struct h_world *w, struct h_pkt *pk)
{
	(void)w;
	bool frag = pk->len > 16 && pk->data[16] == ISAKMP_PL_FRAG;
	if (pk->to == 1 && first_to_b_frag == 2)
		first_to_b_frag = frag;
	frags_to[pk->to] += frag;
}

static void negotiate(struct h_world *w, uint64_t seed, bool aggressive, uint8_t mode_a,
		      uint8_t mode_b)
{
	h_init(w, false, seed);
	frags_to[0] = frags_to[1] = 0;
	first_to_b_frag = 2;
	w->mangle = count_frags;
	for (int i = 0; i < 2; i++) {
		w->p[i].conn.aggressive = aggressive;
		w->p[i].conn.fragment_size = 128; /* every phase-1 message but the smallest */
	}
	w->p[0].conn.fragmentation = mode_a;
	w->p[1].conn.fragmentation = mode_b;
	CHECK(h_initiate(w, 0) != 0);
	h_run(w, RUN_MS);
}

static void check_up(struct h_world *w)
{
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_INT(h_count(&w->p[i], PROTO_IKE_EV_P1_UP), 1);
		CHECK_EQ_INT(h_count(&w->p[i], PROTO_IKE_EV_P2_UP), 1);
		struct proto_ike_stats st;
		proto_ike_get_stats(w->p[i].e, &st);
		CHECK_EQ_INT(st.frag_partial, 0);
		CHECK_EQ_INT(st.frag_bytes, 0);
	}
}

/* Both force: the first message too goes in fragments, both ways, and the SAs come up. */
static void forced(bool aggressive)
{
	struct h_world w;
	negotiate(&w, 90 + aggressive, aggressive, PROTO_IKE_FRAG_FORCE, PROTO_IKE_FRAG_FORCE);
	check_up(&w);
	CHECK_EQ_INT(first_to_b_frag, 1);
	CHECK(frags_to[0] >= 2 && frags_to[1] >= 2);
	struct proto_ike_stats sa, sb;
	proto_ike_get_stats(w.p[0].e, &sa);
	proto_ike_get_stats(w.p[1].e, &sb);
	CHECK(sa.frag_tx == frags_to[1] && sb.frag_tx == frags_to[0]);
	CHECK(sa.frag_reassembled >= 1 && sb.frag_reassembled >= 1);
	CHECK_EQ_INT(sa.drop_frag + sb.drop_frag, 0);
	h_free(&w);
}

static void case_mm_force(void)
{
	forced(false);
}

static void case_am_force(void)
{
	forced(true);
}

/* Both yes: the first message goes whole (the peer's vendor ID is not known yet), later ones in
 * fragments. */
static void case_yes(void)
{
	struct h_world w;
	negotiate(&w, 92, false, PROTO_IKE_FRAG_YES, PROTO_IKE_FRAG_YES);
	check_up(&w);
	CHECK_EQ_INT(first_to_b_frag, 0);
	CHECK(frags_to[0] >= 2 && frags_to[1] >= 2);
	h_free(&w);
}

/* a yes, b no: b announces nothing, so nobody fragments. a accept, b yes: a announces, so b
 * fragments, but a never does. */
static void case_no(void)
{
	struct h_world w;
	negotiate(&w, 93, false, PROTO_IKE_FRAG_YES, PROTO_IKE_FRAG_NO);
	check_up(&w);
	CHECK_EQ_INT(frags_to[0] + frags_to[1], 0);
	h_free(&w);
	negotiate(&w, 94, false, PROTO_IKE_FRAG_ACCEPT, PROTO_IKE_FRAG_YES);
	check_up(&w);
	CHECK_EQ_INT(frags_to[1], 0); /* a (accept) never fragments, b (yes) does */
	CHECK(frags_to[0] >= 2);
	h_free(&w);
}

/* The 2nd datagram (a fragment of MM1) is lost: the resent MM1 (new fragment ID) replaces the
 * partial message and the negotiation completes. */
static void case_loss(void)
{
	struct h_world w;
	h_init(&w, false, 95);
	w.drop_nth[w.n_drop++] = 2;
	for (int i = 0; i < 2; i++) {
		w.p[i].conn.fragment_size = 128;
		w.p[i].conn.fragmentation = PROTO_IKE_FRAG_FORCE;
	}
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_up(&w);
	struct proto_ike_stats sb;
	proto_ike_get_stats(w.p[1].e, &sb);
	CHECK(sb.frag_evict + sb.frag_timeout >= 1);
	h_free(&w);
}

/* ---- limits, with hand-made fragments ---- */

/* a's MM1 (whole: a does not know yet that b reassembles). Returns its length. */
static size_t mm1_of(struct h_world *w, uint8_t *out, size_t cap)
{
	struct proto_ike_action a;
	size_t n = 0;
	CHECK(h_initiate(w, 0) != 0);
	while (proto_ike_next_action(w->p[0].e, &a)) {
		if (a.type == PROTO_IKE_ACT_SEND && !n && a.len <= cap) {
			memcpy(out, a.data, a.len);
			n = a.len;
		}
		proto_ike_action_release(&a);
	}
	CHECK(n > PROTO_HDR_LEN);
	return n;
}

/* A datagram carrying fragment number of message msg (its header) with id and data. */
static size_t mk_frag(uint8_t *out, const uint8_t *msg, uint16_t id, uint8_t number, bool last,
		      const uint8_t *data, size_t len)
{
	size_t pl = 8 + len, total = PROTO_HDR_LEN + pl;
	memcpy(out, msg, PROTO_HDR_LEN);
	out[16] = ISAKMP_PL_FRAG;
	out[19] = 0;
	out[24] = (uint8_t)(total >> 24), out[25] = (uint8_t)(total >> 16);
	out[26] = (uint8_t)(total >> 8), out[27] = (uint8_t)total;
	uint8_t *p = out + PROTO_HDR_LEN;
	p[0] = 0, p[1] = 0, p[2] = (uint8_t)(pl >> 8), p[3] = (uint8_t)pl;
	p[4] = (uint8_t)(id >> 8), p[5] = (uint8_t)id, p[6] = number;
	p[7] = last ? PROTO_FRAG_FLAG_LAST : 0;
	memcpy(p + 8, data, len);
	return total;
}

/* Fragment number of n equal parts of msg (len bytes) from peer into b's engine. */
static enum proto_ike_input_result send_part(struct h_world *w, const struct proto_ike_addr *peer,
					     const uint8_t *msg, size_t len, uint16_t id,
					     unsigned number, unsigned n)
{
	static uint8_t d[PROTO_IKE_MSG_MAX + 64];
	size_t chunk = (len + n - 1) / n, off = (number - 1) * chunk;
	size_t part = off + chunk > len ? len - off : chunk;
	size_t dl = mk_frag(d, msg, id, (uint8_t)number, number == n, msg + off, part);
	return proto_ike_input(w->p[1].e, d, dl, &w->p[1].addr, peer, false);
}

static struct proto_ike_stats stats_b(struct h_world *w)
{
	struct proto_ike_stats st;
	proto_ike_get_stats(w->p[1].e, &st);
	return st;
}

/* Fragments 1..17: the 17th breaks the limit and the partial message is gone. */
static void case_limit_17(void)
{
	struct h_world w;
	uint8_t mm1[PROTO_IKE_MSG_MAX], junk[32] = {0};
	uint8_t d[128];
	h_init(&w, false, 96);
	mm1_of(&w, mm1, sizeof(mm1));
	for (unsigned i = 1; i <= PROTO_IKE_FRAG_MAX + 1; i++) {
		size_t dl = mk_frag(d, mm1, 7, (uint8_t)i, i == PROTO_IKE_FRAG_MAX + 1, junk,
				    sizeof(junk));
		enum proto_ike_input_result r =
			proto_ike_input(w.p[1].e, d, dl, &w.p[1].addr, &w.p[0].addr, false);
		CHECK(r == (i <= PROTO_IKE_FRAG_MAX ? PROTO_IKE_IN_OK : PROTO_IKE_IN_DROPPED));
	}
	struct proto_ike_stats st = stats_b(&w);
	CHECK_EQ_INT(st.drop_frag, 1);
	CHECK_EQ_INT(st.frag_partial, 0);
	CHECK_EQ_INT(st.frag_bytes, 0);
	CHECK_EQ_INT(st.frag_reassembled, 0);
	CHECK_EQ_INT(st.frag_rx, PROTO_IKE_FRAG_MAX + 1);
	h_free(&w);
}

/* Fragments of 1000 bytes: the 9th would make the message larger than PROTO_IKE_MSG_MAX. */
static void case_oversize(void)
{
	struct h_world w;
	static uint8_t big[1000];
	uint8_t mm1[PROTO_IKE_MSG_MAX], d[1100];
	h_init(&w, false, 97);
	mm1_of(&w, mm1, sizeof(mm1));
	unsigned i;
	for (i = 1; i <= 9; i++) {
		size_t dl = mk_frag(d, mm1, 8, (uint8_t)i, false, big, sizeof(big));
		if (proto_ike_input(w.p[1].e, d, dl, &w.p[1].addr, &w.p[0].addr, false) !=
		    PROTO_IKE_IN_OK)
			break;
		CHECK_EQ_INT(stats_b(&w).frag_bytes, i * sizeof(big));
	}
	CHECK_EQ_INT(i, PROTO_IKE_MSG_MAX / sizeof(big) + 1);
	struct proto_ike_stats st = stats_b(&w);
	CHECK_EQ_INT(st.drop_frag, 1);
	CHECK_EQ_INT(st.frag_partial, 0);
	CHECK_EQ_INT(st.frag_bytes, 0);
	h_free(&w);
}

/* A fragment twice: the second is a duplicate; the message is reassembled once and answered. */
static void case_dup(void)
{
	struct h_world w;
	uint8_t mm1[PROTO_IKE_MSG_MAX];
	h_init(&w, false, 98);
	size_t n = mm1_of(&w, mm1, sizeof(mm1));
	CHECK(send_part(&w, &w.p[0].addr, mm1, n, 9, 1, 3) == PROTO_IKE_IN_OK);
	CHECK(send_part(&w, &w.p[0].addr, mm1, n, 9, 1, 3) == PROTO_IKE_IN_DUPLICATE);
	CHECK(send_part(&w, &w.p[0].addr, mm1, n, 9, 3, 3) == PROTO_IKE_IN_OK);
	CHECK_EQ_INT(stats_b(&w).frag_reassembled, 0);
	CHECK(send_part(&w, &w.p[0].addr, mm1, n, 9, 2, 3) == PROTO_IKE_IN_OK);
	struct proto_ike_stats st = stats_b(&w);
	CHECK_EQ_INT(st.frag_dup, 1);
	CHECK_EQ_INT(st.frag_reassembled, 1);
	CHECK_EQ_INT(st.half_open, 1); /* b answered the MM1 */
	CHECK_EQ_INT(st.frag_partial, 0);
	CHECK_EQ_INT(st.frag_bytes, 0);
	h_free(&w);
}

/* Fragment 2 of 2 missing: at the timeout the partial message is dropped (on a timer, from the
 * env clock); fragment 2 arriving later starts a new one that never completes. */
static void case_timeout(void)
{
	struct h_world w;
	uint8_t mm1[PROTO_IKE_MSG_MAX];
	h_init(&w, false, 99);
	size_t n = mm1_of(&w, mm1, sizeof(mm1));
	CHECK(send_part(&w, &w.p[0].addr, mm1, n, 10, 1, 2) == PROTO_IKE_IN_OK);
	CHECK(stats_b(&w).frag_bytes > 0);
	w.now += PROTO_IKE_FRAG_TIMEOUT_MS - 1;
	proto_ike_timer(w.p[1].e, 12345);
	CHECK_EQ_INT(stats_b(&w).frag_partial, 1);
	w.now += 1;
	proto_ike_timer(w.p[1].e, 12345);
	struct proto_ike_stats st = stats_b(&w);
	CHECK_EQ_INT(st.frag_timeout, 1);
	CHECK_EQ_INT(st.frag_partial, 0);
	CHECK_EQ_INT(st.frag_bytes, 0);
	CHECK(send_part(&w, &w.p[0].addr, mm1, n, 10, 2, 2) == PROTO_IKE_IN_OK);
	st = stats_b(&w);
	CHECK_EQ_INT(st.frag_reassembled, 0);
	CHECK_EQ_INT(st.half_open, 0);
	CHECK_EQ_INT(st.frag_partial, 1);
	h_free(&w);
}

/* Two peers' MM1s (different cookies, the same fragment ID) in interleaved fragments: both are
 * reassembled and answered. */
static void case_two_peers(void)
{
	struct h_world w;
	uint8_t m1[PROTO_IKE_MSG_MAX], m2[PROTO_IKE_MSG_MAX];
	h_init(&w, false, 100);
	size_t n = mm1_of(&w, m1, sizeof(m1));
	memcpy(m2, m1, n);
	m2[0] ^= 0x5a;
	struct proto_ike_addr p2 = w.p[0].addr;
	p2.addr[3] = 3; /* 192.0.2.3 */
	for (unsigned i = 1; i <= 4; i++) {
		CHECK(send_part(&w, &w.p[0].addr, m1, n, 1, i, 4) == PROTO_IKE_IN_OK);
		CHECK(send_part(&w, &p2, m2, n, 1, 5 - i, 4) == PROTO_IKE_IN_OK);
		CHECK_EQ_INT(stats_b(&w).frag_partial, i < 4 ? 2 : 0);
	}
	struct proto_ike_stats st = stats_b(&w);
	CHECK_EQ_INT(st.frag_reassembled, 2);
	CHECK_EQ_INT(st.half_open, 2);
	h_free(&w);
}

/* Memory: one peer holds at most PROTO_IKE_FRAG_PEER_MAX partial messages (its oldest goes for
 * a new one); all peers at most PROTO_IKE_FRAG_PARTIAL_MAX; the bytes held are counted exactly. */
static void case_memory(void)
{
	struct h_world w;
	uint8_t mm1[PROTO_IKE_MSG_MAX];
	h_init(&w, false, 101);
	size_t n = mm1_of(&w, mm1, sizeof(mm1)), chunk = (n + 1) / 2;
	for (unsigned k = 0; k < 5; k++) {
		mm1[0] = (uint8_t)k; /* another message (cookies) of the same peer */
		CHECK(send_part(&w, &w.p[0].addr, mm1, n, 1, 1, 2) == PROTO_IKE_IN_OK);
		w.now++;
	}
	struct proto_ike_stats st = stats_b(&w);
	CHECK_EQ_INT(st.frag_partial, PROTO_IKE_FRAG_PEER_MAX);
	CHECK_EQ_INT(st.frag_bytes, PROTO_IKE_FRAG_PEER_MAX * chunk);
	CHECK_EQ_INT(st.frag_evict, 5 - PROTO_IKE_FRAG_PEER_MAX);
	/* the newest of that peer is still there: its second half completes it */
	CHECK(send_part(&w, &w.p[0].addr, mm1, n, 1, 2, 2) == PROTO_IKE_IN_OK);
	CHECK_EQ_INT(stats_b(&w).frag_reassembled, 1);
	/* many peers: the table stays at its cap */
	struct proto_ike_addr p = w.p[0].addr;
	for (unsigned k = 0; k < PROTO_IKE_FRAG_PARTIAL_MAX + 10; k++) {
		p.addr[2] = (uint8_t)(k >> 8), p.addr[3] = (uint8_t)(10 + k);
		CHECK(send_part(&w, &p, mm1, n, 2, 1, 2) == PROTO_IKE_IN_OK);
		w.now++;
	}
	st = stats_b(&w);
	CHECK_EQ_INT(st.frag_partial, PROTO_IKE_FRAG_PARTIAL_MAX);
	CHECK_EQ_INT(st.frag_bytes, PROTO_IKE_FRAG_PARTIAL_MAX * chunk);
	CHECK(st.frag_bytes <= (size_t)PROTO_IKE_FRAG_PARTIAL_MAX * PROTO_IKE_MSG_MAX);
	h_free(&w);
}

/* Fragments of what is not a phase-1 message, and a fragment not alone in its datagram. */
static void case_refused(void)
{
	struct h_world w;
	uint8_t mm1[PROTO_IKE_MSG_MAX], d[256], junk[16] = {0};
	h_init(&w, false, 102);
	mm1_of(&w, mm1, sizeof(mm1));
	mm1[18] = ISAKMP_XCHG_QUICK;
	size_t dl = mk_frag(d, mm1, 3, 1, true, junk, sizeof(junk));
	CHECK(proto_ike_input(w.p[1].e, d, dl, &w.p[1].addr, &w.p[0].addr, false) ==
	      PROTO_IKE_IN_DROPPED);
	mm1[18] = ISAKMP_XCHG_IDPROT;
	dl = mk_frag(d, mm1, 3, 1, true, junk, sizeof(junk));
	d[PROTO_HDR_LEN] = ISAKMP_PL_VID; /* a VID payload after the fragment */
	memcpy(d + dl, "\0\0\0\x08VVVV", 8);
	dl += 8;
	d[27] = (uint8_t)dl;
	CHECK(proto_ike_input(w.p[1].e, d, dl, &w.p[1].addr, &w.p[0].addr, false) ==
	      PROTO_IKE_IN_DROPPED);
	/* a whole message whose reassembled header is itself a fragment */
	dl = mk_frag(d, mm1, 4, 1, true, junk, sizeof(junk));
	uint8_t outer[300];
	size_t ol = mk_frag(outer, mm1, 5, 1, true, d, dl);
	CHECK(proto_ike_input(w.p[1].e, outer, ol, &w.p[1].addr, &w.p[0].addr, false) ==
	      PROTO_IKE_IN_DROPPED);
	struct proto_ike_stats st = stats_b(&w);
	CHECK_EQ_INT(st.drop_frag, 2);
	CHECK_EQ_INT(st.frag_partial, 0);
	CHECK_EQ_INT(st.frag_reassembled, 0);
	h_free(&w);
}

int main(int argc, char **argv)
{
	static const struct h_case cases[] = {
		{"mm-force", case_mm_force}, {"am-force", case_am_force},
		{"yes", case_yes},	     {"no", case_no},
		{"loss", case_loss},	     {"limit-17", case_limit_17},
		{"oversize", case_oversize}, {"dup", case_dup},
		{"timeout", case_timeout},   {"two-peers", case_two_peers},
		{"memory", case_memory},     {"refused", case_refused},
	};
	if (!h_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv))
		return 2;
	return TEST_END();
}
