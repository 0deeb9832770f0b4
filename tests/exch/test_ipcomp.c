// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPComp (RFC 3173) in Quick Mode: two engines over the in-memory wire of harness.c. Each case is
 * one meson test (the case name is argv[1]):
 *   ipcomp     both compress=yes, either side initiating: IPComp chosen, CPIs mirrored; a rekey
 *              gets new CPIs
 *   fallback   one side without compress=yes, or without a CPI: plain ESP
 *   malformed  the initiator's IPComp part spoiled on its way out (unknown transform, reserved
 *              CPI, 4- and 3-byte CPI, no fallback): fallback, NO-PROPOSAL-CHOSEN or a drop
 *   reply      the responder leaves IPComp out of its reply (accepted, no compression) or adds
 *              it to a suite offered without (refused)
 * The spoiling is done white-box, in the harness's before_dh hook: with PFS an initiator's QM1
 * (and a responder's QM2) waits for its DH job, and its offer (or choice) can be changed there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/consts.h"
#include "proto/ike/engine_int.h"
#include "tests/exch/harness.h"
#include "tests/testutil.h"

#define RUN_MS 600000u

/* The first Quick Mode of engine e in state st, or NULL. */
static struct ike_xchg *find_qm(struct proto_ike_engine *e, enum ike_state st)
{
	for (unsigned b = 0; b < e->n_buckets; b++)
		for (struct ike_sa *sa = e->ck[b]; sa; sa = sa->next)
			for (unsigned k = 0; k < IKE_SLOTS; k++)
				if (sa->xs[k] && sa->xs[k]->used && sa->xs[k]->state == st)
					return sa->xs[k];
	return NULL;
}

/* The nth child event of p, checked against its peer's mirror image; returns p's. */
static const struct proto_ike_child *check_child(struct h_world *w, int who, unsigned nth,
						 bool comp)
{
	const struct proto_ike_event *ea = h_event(&w->p[who], PROTO_IKE_EV_P2_UP, nth);
	const struct proto_ike_event *eb = NULL;
	if (!CHECK(ea != NULL))
		return NULL;
	for (unsigned k = 0; (eb = h_event(&w->p[!who], PROTO_IKE_EV_P2_UP, k)); k++)
		if (eb->u.child.spi_in == ea->u.child.spi_out)
			break;
	if (!CHECK(eb != NULL))
		return NULL;
	const struct proto_ike_child *a = &ea->u.child, *b = &eb->u.child;
	size_t len = a->enc_key_len + a->auth_key_len;
	CHECK_EQ_INT(a->protocol, PROTO_IPSEC_ESP);
	CHECK_EQ_INT(a->ipcomp, comp);
	CHECK_EQ_INT(b->ipcomp, comp);
	CHECK_EQ_INT(a->mode, b->mode);
	CHECK(len > 0 && len == b->enc_key_len + b->auth_key_len);
	CHECK_MEM(a->keymat_in, b->keymat_out, len);
	CHECK_MEM(a->keymat_out, b->keymat_in, len);
	if (comp) {
		CHECK_EQ_INT(a->ipcomp_transform, IPCOMP_DEFLATE);
		CHECK_EQ_INT(b->ipcomp_transform, IPCOMP_DEFLATE);
		CHECK_EQ_INT(a->cpi_in, b->cpi_out);
		CHECK_EQ_INT(a->cpi_out, b->cpi_in);
		CHECK(a->cpi_in >= IKE_CPI_MIN && a->cpi_in <= IKE_CPI_MAX);
		CHECK(a->cpi_out >= IKE_CPI_MIN && a->cpi_out <= IKE_CPI_MAX);
	} else {
		CHECK_EQ_INT(a->cpi_in + a->cpi_out + b->cpi_in + b->cpi_out, 0);
	}
	return a;
}

static void world(struct h_world *w, uint64_t seed, bool v6, uint16_t pfs, uint8_t mode,
		  bool comp_a, bool comp_b)
{
	h_init(w, v6, seed);
	for (int i = 0; i < 2; i++) {
		w->p[i].conn.pfs_group = pfs;
		w->p[i].conn.mode = mode;
		w->p[i].conn.compress = i ? comp_b : comp_a;
		/* a second proposal, to see the bundles and fallbacks numbered apart */
		w->p[i].conn.esp[1] =
			(struct proto_ike_p2_prop){PROTO_IPSEC_ESP, ESP_AES_GCM_16, 256, 0};
		w->p[i].conn.n_esp = 2;
	}
}

static unsigned failed(const struct h_world *w)
{
	return h_count(&w->p[0], PROTO_IKE_EV_P2_FAILED) +
	       h_count(&w->p[1], PROTO_IKE_EV_P2_FAILED);
}

static void case_ipcomp(void)
{
	static const struct {
		bool v6;
		uint16_t pfs;
		uint8_t mode;
	} v[] = {
		{false, 0, ENCAP_TUNNEL},
		{false, IKE_GROUP_MODP2048, ENCAP_TRANSPORT},
		{true, IKE_GROUP_ECP256, ENCAP_TUNNEL},
	};
	for (int who = 0; who < 2; who++)
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
			struct h_world w;
			world(&w, 3 + k, v[k].v6, v[k].pfs, v[k].mode, true, true);
			uint64_t id = h_initiate(&w, who);
			CHECK(id != 0);
			h_run(&w, RUN_MS);
			CHECK_EQ_INT(failed(&w), 0);
			const struct proto_ike_child *c = check_child(&w, who, 0, true);
			if (c) {
				CHECK_EQ_INT(c->mode, v[k].mode);
				CHECK_EQ_INT(c->transform, ESP_AES_CBC); /* the first proposal */
				CHECK_EQ_INT(c->cpi_in, who ? 0x2100 : 0x1100);
				CHECK_EQ_INT(c->cpi_out, who ? 0x1100 : 0x2100);
			}
			CHECK(h_log_has(&w.p[who], "IPComp CPIs in"));
			/* a rekey: a new Quick Mode gets new CPIs on both sides */
			uint32_t msgid;
			const struct proto_ike_conn *pc = &w.p[who].conn;
			CHECK_EQ_INT(proto_ike_quick_mode(w.p[who].e, id, NULL, &pc->local_ts[0],
							  &pc->remote_ts[0], &msgid),
				     0);
			h_run(&w, RUN_MS);
			const struct proto_ike_child *r = check_child(&w, who, 1, true);
			if (c && r) {
				CHECK(r->cpi_in != c->cpi_in && r->cpi_out != c->cpi_out);
				CHECK(r->spi_in != c->spi_in);
			}
			CHECK_EQ_INT(failed(&w), 0);
			h_free(&w);
		}
}

static void case_fallback(void)
{
	for (int k = 0; k < 4; k++) {
		struct h_world w;
		/* 0: responder compress=no; 1: initiator compress=no; 2: the initiator gets no
		 * CPI; 3: the responder gets none (it takes a suite without IPComp instead) */
		world(&w, 20 + (uint64_t)k, false, 0, ENCAP_TUNNEL, k != 1, k != 0);
		w.p[0].fail_cpi = k == 2;
		w.p[1].fail_cpi = k == 3;
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		CHECK_EQ_INT(failed(&w), 0);
		const struct proto_ike_child *c = check_child(&w, 0, 0, false);
		if (c)
			CHECK_EQ_INT(c->transform, ESP_AES_CBC);
		CHECK(!h_log_has(&w.p[0], "declined IPComp"));
		/* the initiator's unused CPI is reported, so that its larval SA can go */
		const struct proto_ike_event *e = h_event(&w.p[0], PROTO_IKE_EV_P2_UP, 0);
		if (e)
			CHECK_EQ_INT(e->u.child.cpi_spare, k == 0 || k == 3 ? 0x1100 : 0);
		if (k == 2)
			CHECK(h_log_has(&w.p[0], "could not allocate a CPI: offering no IPComp"));
		if (k == 3)
			CHECK(h_log_has(&w.p[1], "could not allocate a CPI: choosing without"));
		h_free(&w);
	}
}

/* ---- spoiling the offer (initiator a) or the choice (responder b) ---- */

enum spoil {
	SP_TRANSFORM_99,
	SP_TRANSFORM_LZS,
	SP_CPI_WELL_KNOWN,
	SP_CPI_4_BYTES,
	SP_CPI_3_BYTES,
	SP_NO_FALLBACK,
	SP_NO_FALLBACK_BAD,
	SP_REPLY_NO_COMP,
	SP_REPLY_EXTRA_COMP,
};

static enum spoil spoil;
static bool spoiled;

static void before_dh(struct h_world *w)
{
	struct ike_xchg *x;
	if (spoiled)
		return;
	if (spoil >= SP_REPLY_NO_COMP) {
		if (!(x = find_qm(w->p[1].e, S_QM_R1_DH)))
			return;
		if (spoil == SP_REPLY_NO_COMP) {
			x->qm->chosen.comp = false;
		} else {
			x->qm->chosen.comp = true;
			x->qm->chosen.cpi_in = 0x2222;
			x->qm->chosen.cpi_len = 2;
			x->qm->chosen.comp_xf_number = 1;
			x->qm->chosen.comp_transform = IPCOMP_DEFLATE;
		}
		spoiled = true;
		return;
	}
	if (!(x = find_qm(w->p[0].e, S_QM_I0_DH)))
		return;
	for (unsigned i = 0; i < x->qm->n_offer; i++) {
		struct ike_p2_choice *o = &x->qm->offer[i];
		if (!o->comp)
			continue;
		switch (spoil) {
		case SP_TRANSFORM_99:
			o->comp_transform = 99;
			break;
		case SP_TRANSFORM_LZS:
		case SP_NO_FALLBACK_BAD:
			o->comp_transform = IPCOMP_LZS;
			break;
		case SP_CPI_WELL_KNOWN:
			o->cpi_in = IPCOMP_DEFLATE; /* a well-known CPI is not negotiated */
			break;
		case SP_CPI_4_BYTES:
			o->cpi_len = 4;
			break;
		case SP_CPI_3_BYTES:
			o->cpi_len = 3;
			break;
		default:
			break;
		}
	}
	if (spoil == SP_NO_FALLBACK || spoil == SP_NO_FALLBACK_BAD)
		x->qm->n_offer = 2; /* the two suites with IPComp */
	spoiled = true;
}

/* A pair with PFS (so that QM1 and QM2 wait for a DH job) and the given spoiling. */
static void spoiled_world(struct h_world *w, enum spoil s, bool comp_b)
{
	world(w, 40 + (uint64_t)s, false, IKE_GROUP_ECP256, ENCAP_TUNNEL, true, comp_b);
	spoil = s;
	spoiled = false;
	w->before_dh = before_dh;
	CHECK(h_initiate(w, 0) != 0);
	h_run(w, RUN_MS);
	CHECK(spoiled);
}

static void check_no_proposal(struct h_world *w, const char *text)
{
	const struct proto_ike_event *e = h_event(&w->p[1], PROTO_IKE_EV_P2_FAILED, 0);
	CHECK_EQ_INT(h_count(&w->p[0], PROTO_IKE_EV_P2_UP), 0);
	if (CHECK(e != NULL)) {
		CHECK_EQ_INT(e->reason, PROTO_IKE_E_NO_PROPOSAL);
		if (!CHECK(strstr(e->text, text) != NULL))
			fprintf(stderr, "  text was: %s\n", e->text);
	}
	e = h_event(&w->p[0], PROTO_IKE_EV_P2_FAILED, 0);
	if (CHECK(e != NULL))
		CHECK(strstr(e->text, "NO-PROPOSAL-CHOSEN") != NULL);
}

static void case_malformed(void)
{
	struct h_world w;
	/* An IPComp part the responder cannot use makes it take the same proposal without. */
	for (enum spoil s = SP_TRANSFORM_99; s <= SP_CPI_WELL_KNOWN; s++) {
		spoiled_world(&w, s, true);
		CHECK_EQ_INT(failed(&w), 0);
		const struct proto_ike_child *c = check_child(&w, 0, 0, false);
		if (c)
			CHECK_EQ_INT(c->transform, ESP_AES_CBC);
		h_free(&w);
	}
	/* A 4-byte CPI whose first two bytes are zero is the other form RFC 3173 §4.1 allows. */
	spoiled_world(&w, SP_CPI_4_BYTES, true);
	CHECK_EQ_INT(failed(&w), 0);
	const struct proto_ike_child *c = check_child(&w, 0, 0, true);
	if (c)
		CHECK_EQ_INT(c->cpi_in, 0x1100);
	h_free(&w);

	/* A 3-byte CPI is a malformed proposal (RFC 2408 §3.5: INVALID-SPI): the decoder drops the
	 * message, the initiator's Quick Mode times out, the ISAKMP SA lives on. */
	spoiled_world(&w, SP_CPI_3_BYTES, true);
	struct proto_ike_stats st;
	proto_ike_get_stats(w.p[1].e, &st);
	CHECK(st.drop_malformed >= 1);
	CHECK(h_log_has(&w.p[1], "SPI size wrong for the protocol"));
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P2_UP), 0);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P2_FAILED), 0);
	const struct proto_ike_event *f = h_event(&w.p[0], PROTO_IKE_EV_P2_FAILED, 0);
	if (CHECK(f != NULL))
		CHECK_EQ_INT(f->reason, PROTO_IKE_E_TIMEOUT);
	const struct proto_ike_event *up = h_event(&w.p[0], PROTO_IKE_EV_P1_UP, 0);
	uint32_t msgid;
	if (CHECK(up != NULL))
		CHECK_EQ_INT(proto_ike_quick_mode(w.p[0].e, up->sa_id, NULL,
						  &w.p[0].conn.local_ts[0],
						  &w.p[0].conn.remote_ts[0], &msgid),
			     0);
	h_run(&w, RUN_MS);
	check_child(&w, 0, 0, true);
	h_free(&w);

	/* Only suites with IPComp: refused whole by a responder without compress=yes (RFC 2408
	 * §4.2), and by one with it when the IPComp part is unusable. */
	spoiled_world(&w, SP_NO_FALLBACK, false);
	check_no_proposal(&w, "AES-CBC-128/HMAC-SHA2-256+pfs+IPComp, ");
	CHECK(h_log_has(&w.p[1], "no IPComp)"));
	h_free(&w);
	spoiled_world(&w, SP_NO_FALLBACK_BAD, true);
	check_no_proposal(&w, "+IPComp(unusable)");
	h_free(&w);
}

static void case_reply(void)
{
	struct h_world w;
	/* The responder echoes the suite without its IPComp part: no compression, and said so. */
	spoiled_world(&w, SP_REPLY_NO_COMP, true);
	CHECK_EQ_INT(failed(&w), 0);
	check_child(&w, 0, 0, false);
	CHECK(h_log_has(&w.p[0], "the responder declined IPComp"));
	h_free(&w);
	/* The responder adds IPComp to a suite we offered without: refused. */
	spoiled_world(&w, SP_REPLY_EXTRA_COMP, false);
	const struct proto_ike_event *f = h_event(&w.p[0], PROTO_IKE_EV_P2_FAILED, 0);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P2_UP), 0);
	if (CHECK(f != NULL)) {
		CHECK_EQ_INT(f->reason, PROTO_IKE_E_NO_PROPOSAL);
		CHECK(strstr(f->text, "IPComp part is not one we offered") != NULL);
	}
	h_free(&w);
}

static const struct h_case cases[] = {
	{"ipcomp", case_ipcomp},
	{"fallback", case_fallback},
	{"malformed", case_malformed},
	{"reply", case_reply},
};

int main(int argc, char **argv)
{
	return h_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv) ? TEST_END() : 1;
}
