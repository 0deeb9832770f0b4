// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Transaction exchange (type 6, ike_cfg.c) between two engines with a test policy callback:
 * a REQUEST/REPLY and a SET/ACK pair, each with its own message ID and the identifier echoed;
 * a REQUEST whose HASH does not verify (dropped, then the retransmission answered); a REQUEST
 * that reaches the phase-1 initiator before the last Main Mode message (kept, run once phase 1
 * is up); a REQUEST never answered (the initiator gives up and tells the policy). One meson test
 * per case (argv[1]).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/consts.h"
#include "tests/exch/harness.h"
#include "tests/testutil.h"

#define RUN_MS 600000u

/* XAUTH attribute types (draft-beaulieu-ike-xauth-02) and one of Mode-Config. */
#define XAUTH_USER_NAME	    16521
#define XAUTH_USER_PASSWORD 16522
#define XAUTH_STATUS	    16527
#define APPLICATION_VERSION 7

struct call {
	uint64_t sa_id;
	uint32_t msgid;
	bool has_in;
	struct proto_ike_cfg_msg in;
	char text[256];
};
static struct call calls[2][8];
static unsigned n_calls[2];

static size_t put_tlv(uint8_t *p, uint16_t type, const char *v)
{
	size_t n = strlen(v);
	p[0] = (uint8_t)(type >> 8);
	p[1] = (uint8_t)type;
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	memcpy(p + 4, v, n);
	return 4 + n;
}

static size_t put_tv(uint8_t *p, uint16_t type, uint16_t v)
{
	p[0] = (uint8_t)(0x80 | type >> 8);
	p[1] = (uint8_t)type;
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

/* Records the call; answers a REQUEST with a user name and password, a SET with an empty
 * XAUTH_STATUS (as an ACK echoes it). */
static int test_cfg(struct h_peer *p, uint64_t sa_id, uint32_t msgid,
		    const struct proto_ike_cfg_msg *in, struct proto_ike_cfg_msg *ret,
		    const char *text)
{
	int who = p == &p->w->p[1];
	if (n_calls[who] < 8) {
		struct call *c = &calls[who][n_calls[who]++];
		c->sa_id = sa_id;
		c->msgid = msgid;
		c->has_in = in != NULL;
		if (in)
			c->in = *in;
		snprintf(c->text, sizeof(c->text), "%s", text ? text : "");
	}
	if (!ret)
		return 0;
	if (in->type == PROTO_IKE_CFG_REQUEST) {
		ret->len = put_tlv(ret->attrs, XAUTH_USER_NAME, "alice");
		ret->len += put_tlv(ret->attrs + ret->len, XAUTH_USER_PASSWORD, "pw");
	} else {
		ret->len = put_tlv(ret->attrs, XAUTH_STATUS, "");
	}
	return 0;
}

static void world(struct h_world *w, uint64_t seed)
{
	h_init(w, false, seed);
	memset(calls, 0, sizeof(calls));
	n_calls[0] = n_calls[1] = 0;
	w->p[0].cfg = w->p[1].cfg = test_cfg;
}

static uint64_t sa_of(const struct h_peer *p)
{
	const struct proto_ike_event *ev = h_event(p, PROTO_IKE_EV_P1_UP, 0);
	return ev ? ev->sa_id : 0;
}

static void up(struct h_world *w, uint64_t seed)
{
	world(w, seed);
	CHECK(h_initiate(w, 0) != 0);
	h_run(w, RUN_MS);
	CHECK_EQ_INT(h_count(&w->p[0], PROTO_IKE_EV_P1_UP), 1);
	CHECK_EQ_INT(h_count(&w->p[1], PROTO_IKE_EV_P1_UP), 1);
}

static struct proto_ike_cfg_msg request(uint16_t id)
{
	struct proto_ike_cfg_msg m = {.type = PROTO_IKE_CFG_REQUEST, .identifier = id};
	m.len = put_tlv(m.attrs, XAUTH_USER_NAME, "");
	m.len += put_tlv(m.attrs + m.len, XAUTH_USER_PASSWORD, "");
	return m;
}

static void case_pairs(void)
{
	struct h_world w;
	up(&w, 1);
	struct proto_ike_cfg_msg req = request(20),
				 set = {.type = PROTO_IKE_CFG_SET, .identifier = 7};
	set.len = put_tv(set.attrs, XAUTH_STATUS, 1);
	uint32_t m1 = 0, m2 = 0;
	/* a asks, b answers */
	CHECK_EQ_INT(proto_ike_cfg_start(w.p[0].e, sa_of(&w.p[0]), &req, &m1), 0);
	h_run(&w, RUN_MS);
	CHECK_EQ_INT(n_calls[1], 1);
	CHECK(calls[1][0].has_in && calls[1][0].in.type == PROTO_IKE_CFG_REQUEST);
	CHECK_EQ_INT(calls[1][0].in.identifier, 20);
	CHECK(calls[1][0].in.len == req.len &&
	      memcmp(calls[1][0].in.attrs, req.attrs, req.len) == 0);
	CHECK_EQ_INT(calls[1][0].msgid, m1);
	CHECK_EQ_INT(n_calls[0], 1);
	CHECK(calls[0][0].has_in && calls[0][0].in.type == PROTO_IKE_CFG_REPLY);
	CHECK_EQ_INT(calls[0][0].in.identifier, 20);
	uint8_t want[64];
	size_t wl = put_tlv(want, XAUTH_USER_NAME, "alice");
	wl += put_tlv(want + wl, XAUTH_USER_PASSWORD, "pw");
	CHECK(calls[0][0].in.len == wl && memcmp(calls[0][0].in.attrs, want, wl) == 0);
	CHECK_EQ_INT(calls[0][0].msgid, m1);
	/* b sets, a acknowledges: a new message ID */
	CHECK_EQ_INT(proto_ike_cfg_start(w.p[1].e, sa_of(&w.p[1]), &set, &m2), 0);
	h_run(&w, RUN_MS);
	CHECK(m2 != m1 && m2 != 0);
	CHECK_EQ_INT(n_calls[0], 2);
	CHECK(calls[0][1].has_in && calls[0][1].in.type == PROTO_IKE_CFG_SET);
	CHECK_EQ_INT(calls[0][1].in.identifier, 7);
	CHECK_EQ_INT(calls[0][1].msgid, m2);
	CHECK_EQ_INT(n_calls[1], 2);
	CHECK(calls[1][1].has_in && calls[1][1].in.type == PROTO_IKE_CFG_ACK);
	CHECK_EQ_INT(calls[1][1].in.identifier, 7);
	CHECK_EQ_INT(calls[1][1].in.len, 4); /* XAUTH_STATUS, empty */
	CHECK_EQ_INT(calls[1][1].msgid, m2);
	/* the SA is still there, nothing failed, no retransmission was needed */
	struct proto_ike_stats sa, sb;
	proto_ike_get_stats(w.p[0].e, &sa);
	proto_ike_get_stats(w.p[1].e, &sb);
	CHECK_EQ_INT(sa.retransmits + sb.retransmits, 0);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_SA_GONE), 0);
	h_free(&w);
}

static unsigned mangled;

/* Flips one bit inside the attribute value of the first Transaction message: CBC garbles that
 * block of the value and one byte of the next, the payload structure stays intact, so only the
 * HASH can tell. */
static void flip_value(struct h_world *w, struct h_pkt *pk)
{
	(void)w;
	if (mangled || pk->len < 28 + 112 || pk->data[18] != ISAKMP_XCHG_TRANSACTION)
		return;
	pk->data[28 + 52] ^= 0x01;
	mangled++;
}

static void case_bad_hash(void)
{
	struct h_world w;
	up(&w, 2);
	struct proto_ike_cfg_msg req = request(3);
	char v[65];
	memset(v, 'v', 64);
	v[64] = 0;
	req.len = put_tlv(req.attrs, APPLICATION_VERSION, v); /* body bytes 48..111 */
	mangled = 0;
	w.mangle = flip_value;
	CHECK_EQ_INT(proto_ike_cfg_start(w.p[0].e, sa_of(&w.p[0]), &req, NULL), 0);
	h_run(&w, RUN_MS);
	CHECK_EQ_INT(mangled, 1);
	CHECK(h_log_has(&w.p[1], "dropped: bad HASH"));
	/* the resent REQUEST is answered: b saw exactly one, a got the REPLY */
	CHECK_EQ_INT(n_calls[1], 1);
	CHECK(calls[1][0].in.len == req.len &&
	      memcmp(calls[1][0].in.attrs, req.attrs, req.len) == 0);
	CHECK_EQ_INT(n_calls[0], 1);
	CHECK(calls[0][0].has_in && calls[0][0].in.type == PROTO_IKE_CFG_REPLY);
	struct proto_ike_stats st;
	proto_ike_get_stats(w.p[0].e, &st);
	CHECK(st.retransmits >= 1);
	h_free(&w);
}

static void case_early(void)
{
	struct h_world w;
	world(&w, 3);
	w.drop_nth[w.n_drop++] = 6; /* MM6: b is up, a still waits */
	/* b resends its REQUEST only after 16 s (the longest wait): a must run its copy */
	w.p[1].conn.retransmit_interval_ms = 100000;
	w.p[1].conn.retransmit_timeout_ms = 300000;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, 50);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P1_UP), 1);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 0);
	struct proto_ike_cfg_msg req = request(9);
	CHECK_EQ_INT(proto_ike_cfg_start(w.p[1].e, sa_of(&w.p[1]), &req, NULL), 0);
	h_run(&w, 50);
	CHECK(h_log_has(&w.p[0], "before phase 1 is done: kept"));
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 0);
	CHECK_EQ_INT(n_calls[0], 0);
	h_run(&w, 10000); /* a resends MM5, b resends MM6, a runs the kept REQUEST */
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 1);
	CHECK_EQ_INT(n_calls[0], 1);
	CHECK(calls[0][0].has_in && calls[0][0].in.type == PROTO_IKE_CFG_REQUEST);
	CHECK_EQ_INT(calls[0][0].in.identifier, 9);
	CHECK_EQ_INT(n_calls[1], 1);
	CHECK(calls[1][0].has_in && calls[1][0].in.type == PROTO_IKE_CFG_REPLY);
	CHECK_EQ_INT(calls[1][0].in.identifier, 9);
	h_free(&w);
}

static void case_timeout(void)
{
	struct h_world w;
	up(&w, 4);
	struct proto_ike_cfg_msg req = request(1);
	uint32_t m = 0;
	w.blackhole_to[1] = true;
	CHECK_EQ_INT(proto_ike_cfg_start(w.p[0].e, sa_of(&w.p[0]), &req, &m), 0);
	h_run(&w, RUN_MS);
	CHECK_EQ_INT(n_calls[1], 0);
	CHECK_EQ_INT(n_calls[0], 1);
	CHECK(!calls[0][0].has_in);
	CHECK_EQ_INT(calls[0][0].msgid, m);
	CHECK(strstr(calls[0][0].text, "no reply from the peer") != NULL);
	CHECK(h_log_has(&w.p[0], "failed: no reply from the peer"));
	struct proto_ike_stats st;
	proto_ike_get_stats(w.p[0].e, &st);
	CHECK(st.retransmits >= 2);
	/* the ISAKMP SA outlives its exchange: another one starts */
	w.blackhole_to[1] = false;
	CHECK_EQ_INT(proto_ike_cfg_start(w.p[0].e, sa_of(&w.p[0]), &req, NULL), 0);
	h_run(&w, RUN_MS);
	CHECK_EQ_INT(n_calls[1], 1);
	CHECK_EQ_INT(n_calls[0], 2);
	CHECK(calls[0][1].has_in && calls[0][1].in.type == PROTO_IKE_CFG_REPLY);
	h_free(&w);
}

int main(int argc, char **argv)
{
	static const struct h_case cases[] = {
		{"pairs", case_pairs},
		{"bad-hash", case_bad_hash},
		{"early", case_early},
		{"timeout", case_timeout},
	};
	if (!h_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv))
		return 2;
	return TEST_END();
}
