// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * XAUTH and Mode-Config (ike_xauth.c) between two engines: a (192.0.2.1) initiates and is the
 * XAUTH client (XAUTHInitPreShared / HybridInitRSA: the initiator is XAUTH-authenticated), b is
 * the server. The test policy (struct proto_ike_policy's ra) of b accepts alice/good-pass and
 * hands out 10.9.0.7; a's answers with the password it is given. Cases:
 *   psk         XAUTH PSK: P1_UP on both only after STATUS=OK, then the Quick Mode
 *   bad-pass    a wrong password: both SAs end (XAUTH_FAILED, the user named), no Quick Mode,
 *               the password in no log of either side
 *   retry       the policy asks again: 3 REQUESTs (PROTO_IKE_XAUTH_ROUNDS_MAX), then refused
 *   hybrid      HybridInitRSA: b signs, a sends HASH only (mock signatures), then XAUTH
 *   pull, push  Mode-Config after XAUTH: a receives INTERNAL_IP4_ADDRESS 10.9.0.7
 *   qm-wait     b defers its REQUEST and checks asynchronously: no P1_UP, no Quick Mode (and
 *               proto_ike_quick_mode says -EAGAIN) until the daemon's calls come
 *   early       MM6 lost: the REQUEST that overtakes it is kept until a's phase 1 is done
 *   resp-psk    XAUTHRespPreShared: the roles the other way round
 *   hybrid-resp HybridRespRSA: likewise, a signs and b sends HASH_R only
 *   cfg-only    Mode-Config pull without XAUTH (a plain PSK)
 *   timeout     a never answers (its copies of the REQUEST are spoiled): b gives up
 *               (XAUTH_TIMEOUT), a's SA ends too
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/cfg_attr.h"
#include "proto/consts.h"
#include "tests/exch/harness.h"
#include "tests/testutil.h"

#define RUN_MS 600000u

struct rstate {
	const char *pass; /* client: the password it answers with */
	int check;	  /* server: 0 = compare, else what XAUTH_CHECK returns */
	int defer;	  /* server: XAUTH_REQUEST returns it */
	unsigned ops[PROTO_IKE_RA_CFG_RECEIVED + 1];
	unsigned p1_up_at_check, p1_up_at_status; /* P1_UP events when these came */
	uint64_t sa_id;
	uint8_t got_addr[4];
	unsigned signs, verifies;
};
static struct rstate rs[2];

static int who_of(void *ctx)
{
	struct h_peer *p = ctx;
	return p == &p->w->p[1];
}

static void put_addr(struct proto_cfg_out *o)
{
	static const uint8_t addr[4] = {10, 9, 0, 7}, dns[4] = {10, 9, 0, 1};
	proto_cfg_put_tlv(o, CFG_INTERNAL_IP4_ADDRESS, addr, 4);
	proto_cfg_put_tlv(o, CFG_INTERNAL_IP4_DNS, dns, 4);
	proto_cfg_put_tlv(o, UNITY_BANNER, "welcome", 7);
}

static bool creds_ok(const struct proto_cfg_list *in)
{
	const struct proto_cfg_attr *u = proto_cfg_find(in, XAUTH_USER_NAME, NULL);
	const struct proto_cfg_attr *p = proto_cfg_find(in, XAUTH_USER_PASSWORD, NULL);
	return u && p && u->value.len == 5 && memcmp(u->value.p, "alice", 5) == 0 &&
	       p->value.len == 9 && memcmp(p->value.p, "good-pass", 9) == 0;
}

static int t_ra(void *ctx, const struct proto_ike_conn *conn, uint64_t sa_id,
		enum proto_ike_ra_op op, const struct proto_cfg_list *in, struct proto_cfg_out *out)
{
	struct h_peer *p = ctx;
	struct rstate *r = &rs[who_of(ctx)];
	const struct proto_cfg_attr *a;
	(void)conn;
	r->ops[op]++;
	r->sa_id = sa_id;
	switch (op) {
	case PROTO_IKE_RA_XAUTH_REQUEST:
		return r->defer;
	case PROTO_IKE_RA_XAUTH_REPLY:
		proto_cfg_put_tlv(out, XAUTH_USER_NAME, "alice", 5);
		proto_cfg_put_tlv(out, XAUTH_USER_PASSWORD, r->pass, strlen(r->pass));
		return 0;
	case PROTO_IKE_RA_XAUTH_CHECK:
		r->p1_up_at_check = h_count(p, PROTO_IKE_EV_P1_UP);
		if (r->check)
			return r->check;
		return creds_ok(in) ? 0 : -EACCES;
	case PROTO_IKE_RA_XAUTH_STATUS:
		r->p1_up_at_status = h_count(p, PROTO_IKE_EV_P1_UP);
		return 0;
	case PROTO_IKE_RA_CFG_REQUEST:
		proto_cfg_put_tlv(out, CFG_INTERNAL_IP4_ADDRESS, NULL, 0);
		proto_cfg_put_tlv(out, CFG_INTERNAL_IP4_DNS, NULL, 0);
		return 0;
	case PROTO_IKE_RA_CFG_REPLY:
		if (!proto_cfg_find(in, CFG_INTERNAL_IP4_ADDRESS, NULL))
			return -EINVAL;
		put_addr(out);
		return 0;
	case PROTO_IKE_RA_CFG_PUSH:
		put_addr(out);
		return 0;
	case PROTO_IKE_RA_CFG_RECEIVED:
		a = proto_cfg_find(in, CFG_INTERNAL_IP4_ADDRESS, NULL);
		if (!a || a->value.len != 4)
			return -EINVAL;
		memcpy(r->got_addr, a->value.p, 4);
		return 0;
	}
	return -EINVAL;
}

/* Mock signatures for hybrid: the "signature" is the hash itself. */
static int t_sign(void *ctx, const struct proto_ike_conn *conn, uint16_t method,
		  const uint8_t *hash, size_t hash_len, uint8_t *sig, size_t cap, size_t *ret_len)
{
	(void)conn;
	(void)method;
	rs[who_of(ctx)].signs++;
	if (hash_len > cap)
		return -ENOSPC;
	memcpy(sig, hash, hash_len);
	*ret_len = hash_len;
	return 0;
}

static enum proto_ike_reason t_verify(void *ctx, const struct proto_ike_conn *conn,
				      const struct proto_ike_peer_auth *in, char *text, size_t cap)
{
	(void)conn;
	(void)text;
	(void)cap;
	rs[who_of(ctx)].verifies++;
	return in->sig_len == in->hash_len && memcmp(in->sig, in->hash, in->hash_len) == 0
		       ? PROTO_IKE_OK
		       : PROTO_IKE_E_BAD_SIG;
}

static void world(struct h_world *w, uint16_t method, uint8_t cfg_a, uint8_t cfg_b, uint64_t seed)
{
	h_init(w, false, seed);
	memset(rs, 0, sizeof(rs));
	rs[0].pass = "good-pass";
	for (int i = 0; i < 2; i++) {
		struct h_peer *p = &w->p[i];
		for (unsigned k = 0; k < p->conn.n_ike; k++)
			p->conn.ike[k].auth = method;
		p->conn.modecfg = i ? cfg_b : cfg_a;
		p->pol.ra = t_ra;
		p->pol.sign = t_sign;
		p->pol.verify = t_verify;
		proto_ike_engine_free(p->e);
		p->e = proto_ike_engine_new(&p->env, &p->pol);
	}
}

static const struct proto_ike_event *failed(const struct h_peer *p)
{
	return h_event(p, PROTO_IKE_EV_P1_FAILED, 0);
}

/* Both up once, after XAUTH, and the Quick Mode after that. */
static void check_up(struct h_world *w)
{
	for (int i = 0; i < 2; i++) {
		const struct proto_ike_event *f = failed(&w->p[i]);
		if (!CHECK(h_count(&w->p[i], PROTO_IKE_EV_P1_UP) == 1))
			fprintf(stderr, "  %s: %s\n", w->p[i].name, f ? f->text : "no event");
		CHECK_EQ_INT(h_count(&w->p[i], PROTO_IKE_EV_P2_UP), 1);
		CHECK(f == NULL);
	}
	CHECK_EQ_INT(rs[1].ops[PROTO_IKE_RA_XAUTH_CHECK], 1);
	CHECK_EQ_INT(rs[1].p1_up_at_check, 0);
	CHECK_EQ_INT(rs[0].ops[PROTO_IKE_RA_XAUTH_STATUS], 1);
	CHECK_EQ_INT(rs[0].p1_up_at_status, 0);
	CHECK(h_log_has(&w->p[1], "XAUTH user \"alice\" accepted"));
	CHECK(!h_log_has(&w->p[0], "good-pass") && !h_log_has(&w->p[1], "good-pass"));
}

static void case_psk(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_XAUTH_INIT_PSK, 0, 0, 1);
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_up(&w);
	CHECK_EQ_INT(h_event(&w.p[0], PROTO_IKE_EV_P1_UP, 0)->u.p1.prop.auth,
		     IKE_AUTH_XAUTH_INIT_PSK);
	CHECK(!h_log_has(&w.p[1], "Quick Mode") || !h_log_has(&w.p[1], "dropped: XAUTH"));
	h_free(&w);
}

/* Mode-Config alone (a PSK, no XAUTH): pull right after phase 1. */
static void case_cfg_only(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_PSK, PROTO_IKE_MODECFG_CLIENT_PULL, PROTO_IKE_MODECFG_SERVER_PULL, 11);
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P1_UP), 1);
		CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P2_UP), 1);
	}
	static const uint8_t want[4] = {10, 9, 0, 7};
	CHECK_MEM(rs[0].got_addr, want, 4);
	CHECK_EQ_INT(rs[0].ops[PROTO_IKE_RA_XAUTH_REPLY] + rs[1].ops[PROTO_IKE_RA_XAUTH_CHECK], 0);
	CHECK(h_log_has(&w.p[1], "\"net-b\" #1: Mode-Config done"));
	h_free(&w);
}

/* HybridRespRSA: the responder b is the client and sends HASH_R only; a signs. */
static void case_hybrid_resp(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_HYBRID_RESP_RSA, 0, 0, 12);
	rs[1].pass = "good-pass";
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	for (int i = 0; i < 2; i++)
		CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P2_UP), 1);
	CHECK_EQ_INT(rs[0].signs, 1);
	CHECK_EQ_INT(rs[1].verifies, 1);
	CHECK_EQ_INT(rs[1].signs + rs[0].verifies, 0);
	CHECK_EQ_INT(rs[0].ops[PROTO_IKE_RA_XAUTH_CHECK], 1);
	h_free(&w);
}

/* MM6 lost: b's REQUEST reaches a before its phase 1 is done; kept and run after it. */
static void case_early(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_XAUTH_INIT_PSK, 0, 0, 9);
	w.drop_nth[w.n_drop++] = 6;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_up(&w);
	CHECK(h_log_has(&w.p[0], "before phase 1 is done: kept"));
	CHECK_EQ_INT(rs[0].ops[PROTO_IKE_RA_XAUTH_REPLY], 1);
	h_free(&w);
}

/* XAUTHRespPreShared: the responder b is the client, the initiator a the server. */
static void case_resp_psk(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_XAUTH_RESP_PSK, 0, 0, 10);
	rs[1].pass = "good-pass";
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P1_UP), 1);
		CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P2_UP), 1);
	}
	CHECK_EQ_INT(rs[0].ops[PROTO_IKE_RA_XAUTH_CHECK], 1);
	CHECK_EQ_INT(rs[1].ops[PROTO_IKE_RA_XAUTH_REPLY], 1);
	CHECK_EQ_INT(rs[0].ops[PROTO_IKE_RA_XAUTH_REPLY] + rs[1].ops[PROTO_IKE_RA_XAUTH_CHECK], 0);
	CHECK(h_log_has(&w.p[0], "XAUTH user \"alice\" accepted"));
	h_free(&w);
}

static void check_refused(struct h_world *w, const char *pass)
{
	for (int i = 0; i < 2; i++) {
		const struct proto_ike_event *f = failed(&w->p[i]);
		CHECK_EQ_INT(h_count(&w->p[i], PROTO_IKE_EV_P1_UP), 0);
		CHECK_EQ_INT(h_count(&w->p[i], PROTO_IKE_EV_P2_UP), 0);
		CHECK_EQ_INT(h_count(&w->p[i], PROTO_IKE_EV_SA_GONE), 0);
		if (CHECK(f != NULL)) {
			CHECK(f->reason == PROTO_IKE_E_XAUTH_FAILED);
			CHECK(strstr(f->text, pass) == NULL);
		}
		CHECK(!h_log_has(&w->p[i], pass));
	}
	CHECK(strstr(failed(&w->p[1])->text, "alice") != NULL);
	CHECK(h_log_has(&w->p[1], "XAUTH user \"alice\" refused"));
	CHECK(h_log_has(&w->p[0], "the server refused our XAUTH credentials"));
}

static void case_bad_pass(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_XAUTH_INIT_PSK, 0, 0, 2);
	rs[0].pass = "wrong-pass";
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_refused(&w, "wrong-pass");
	CHECK_EQ_INT(rs[1].ops[PROTO_IKE_RA_XAUTH_CHECK], 1);
	h_free(&w);
}

static void case_retry(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_XAUTH_INIT_PSK, 0, 0, 3);
	rs[0].pass = "wrong-pass";
	rs[1].check = -EAGAIN;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_refused(&w, "wrong-pass");
	CHECK_EQ_INT(rs[0].ops[PROTO_IKE_RA_XAUTH_REPLY], PROTO_IKE_XAUTH_ROUNDS_MAX);
	CHECK_EQ_INT(rs[1].ops[PROTO_IKE_RA_XAUTH_CHECK], PROTO_IKE_XAUTH_ROUNDS_MAX);
	CHECK(h_log_has(&w.p[1], "asking again (round 2 of 3)"));
	h_free(&w);
}

static void case_hybrid(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_HYBRID_INIT_RSA, 0, 0, 4);
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_up(&w);
	/* the server signed and the client checked it; the client only sent its HASH */
	CHECK_EQ_INT(rs[1].signs, 1);
	CHECK_EQ_INT(rs[0].verifies, 1);
	CHECK_EQ_INT(rs[0].signs, 0);
	CHECK_EQ_INT(rs[1].verifies, 0);
	h_free(&w);
}

static void check_addr(struct h_world *w)
{
	static const uint8_t want[4] = {10, 9, 0, 7};
	CHECK_MEM(rs[0].got_addr, want, 4);
	CHECK(h_log_has(&w->p[0], "Mode-Config received INTERNAL_IP4_ADDRESS = 10.9.0.7"));
	CHECK(h_log_has(&w->p[0], "UNITY_BANNER = welcome"));
	CHECK(h_log_has(&w->p[1], "XAUTH and Mode-Config done"));
}

static void case_pull(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_XAUTH_INIT_PSK, PROTO_IKE_MODECFG_CLIENT_PULL,
	      PROTO_IKE_MODECFG_SERVER_PULL, 5);
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_up(&w);
	check_addr(&w);
	CHECK_EQ_INT(rs[0].ops[PROTO_IKE_RA_CFG_REQUEST], 1);
	CHECK_EQ_INT(rs[1].ops[PROTO_IKE_RA_CFG_REPLY], 1);
	CHECK_EQ_INT(rs[1].ops[PROTO_IKE_RA_CFG_PUSH], 0);
	h_free(&w);
}

static void case_push(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_XAUTH_INIT_PSK, PROTO_IKE_MODECFG_CLIENT_PUSH,
	      PROTO_IKE_MODECFG_SERVER_PUSH, 6);
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_up(&w);
	check_addr(&w);
	CHECK_EQ_INT(rs[1].ops[PROTO_IKE_RA_CFG_PUSH], 1);
	CHECK_EQ_INT(rs[0].ops[PROTO_IKE_RA_CFG_REQUEST], 0);
	h_free(&w);
}

static void case_qm_wait(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_XAUTH_INIT_PSK, 0, 0, 7);
	rs[1].defer = 1;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, 5000);
	uint64_t b_sa = rs[1].sa_id;
	uint32_t msgid;
	CHECK_EQ_INT(rs[1].ops[PROTO_IKE_RA_XAUTH_REQUEST], 1);
	CHECK_EQ_INT(rs[0].ops[PROTO_IKE_RA_XAUTH_REPLY], 0);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P1_UP), 0);
		CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P2_UP), 0);
		CHECK(failed(&w.p[i]) == NULL);
	}
	CHECK_EQ_INT(proto_ike_quick_mode(w.p[1].e, b_sa, NULL, NULL, NULL, &msgid), -EAGAIN);
	/* the daemon starts XAUTH, and answers its check later */
	rs[1].check = -EINPROGRESS;
	CHECK_EQ_INT(proto_ike_ra_xauth_start(w.p[1].e, b_sa), 0);
	CHECK_EQ_INT(proto_ike_ra_xauth_start(w.p[1].e, b_sa), -ENOENT);
	h_run(&w, 5000);
	CHECK_EQ_INT(rs[1].ops[PROTO_IKE_RA_XAUTH_CHECK], 1);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P2_UP), 0);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P1_UP), 0);
	CHECK_EQ_INT(proto_ike_ra_xauth_result(w.p[1].e, b_sa, 0), 0);
	CHECK_EQ_INT(proto_ike_ra_xauth_result(w.p[1].e, b_sa, 0), -ENOENT);
	h_run(&w, RUN_MS);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P1_UP), 1);
		CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P2_UP), 1);
	}
	h_free(&w);
}

/* Spoils every Transaction message to a: its HASH fails, a never answers. */
static void spoil_to_a(struct h_world *w, struct h_pkt *pk)
{
	(void)w;
	if (pk->to == 0 && pk->len > 40 && pk->data[18] == ISAKMP_XCHG_TRANSACTION)
		pk->data[pk->len - 1] ^= 0x55;
}

static void case_timeout(void)
{
	struct h_world w;
	world(&w, IKE_AUTH_XAUTH_INIT_PSK, 0, 0, 8);
	w.mangle = spoil_to_a; /* b gives up (60 s) before a's PROTO_IKE_RA_TIMEOUT_MS */
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	for (int i = 0; i < 2; i++) {
		const struct proto_ike_event *f = failed(&w.p[i]);
		CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P1_UP), 0);
		CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P2_UP), 0);
		if (CHECK(f != NULL) && i == 1)
			CHECK(f->reason == PROTO_IKE_E_XAUTH_TIMEOUT);
	}
	CHECK_EQ_INT(rs[0].ops[PROTO_IKE_RA_XAUTH_REPLY], 0);
	CHECK(h_log_has(&w.p[1], "XAUTH no reply from the peer"));
	h_free(&w);
}

int main(int argc, char **argv)
{
	static const struct h_case cases[] = {
		{"psk", case_psk},	     {"bad-pass", case_bad_pass},
		{"retry", case_retry},	     {"hybrid", case_hybrid},
		{"pull", case_pull},	     {"push", case_push},
		{"qm-wait", case_qm_wait},   {"timeout", case_timeout},
		{"early", case_early},	     {"resp-psk", case_resp_psk},
		{"cfg-only", case_cfg_only}, {"hybrid-resp", case_hybrid_resp},
	};
	if (!h_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv))
		return 2;
	return TEST_END();
}
