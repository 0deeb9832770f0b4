// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Diagnostics of the engine over the in-memory wire of harness.c: failures it must report instead
 * of sending garbage (a PFS DH job whose key pair cannot give the group's public value), and what
 * its debug log tells an interop engineer (payload lists, vendor IDs, proposals) without a secret.
 *
 * The DH failure is injected white-box in the harness's before_dh hook: a Quick Mode job of the
 * chosen peer gets a key pair of another group (x25519 for a MODP-2048 conn) before it runs, so
 * the engine's crypto_dh_public() for the conn's group refuses it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/dh.h"
#include "proto/consts.h"
#include "proto/ike/ike_int.h"
#include "tests/exch/harness.h"
#include "tests/testutil.h"

#define RUN_MS 600000u

static int spoil_peer;
static unsigned spoiled;

static unsigned qm_to[2]; /* Quick Mode datagrams delivered to each peer */

static void count_qm(struct h_world *w, int to, const uint8_t *data, size_t len)
{
	(void)w;
	if (len > 18 && data[18] == ISAKMP_XCHG_QUICK)
		qm_to[to]++;
}

static void spoil_qm_job(struct h_world *w)
{
	for (unsigned i = 0; i < w->n_jobs; i++) {
		struct proto_ike_dh_job *j = w->jobs[i];
		if (j->user != &w->p[spoil_peer] || !j->msgid || j->dh)
			continue;
		if (CHECK_EQ_INT(crypto_dh_new(IKE_GROUP_CURVE25519, &j->dh), 0)) {
			j->peer_len = 0; /* the job only "generates" the foreign key pair */
			spoiled++;
		}
	}
}

/* Phase 1 up, then the QM key pair of peer who (0 initiator, 1 responder) spoiled: that peer fails
 * the QM with a DH reason and sends nothing with a KE; no IPsec SA on either side. */
static void dh_public_fails(int who)
{
	struct h_world w;
	h_init(&w, false, 70 + (uint64_t)who);
	for (int i = 0; i < 2; i++)
		w.p[i].conn.pfs_group = IKE_GROUP_MODP2048;
	spoil_peer = who;
	spoiled = 0;
	w.before_dh = spoil_qm_job;
	w.tap = count_qm;
	qm_to[0] = qm_to[1] = 0;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	CHECK(spoiled >= 1); /* the responder meets each retransmitted QM1 anew */
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 1);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P2_UP), 0);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P2_UP), 0);
	const struct proto_ike_event *e = h_event(&w.p[who], PROTO_IKE_EV_P2_FAILED, 0);
	if (CHECK(e != NULL)) {
		CHECK_EQ_INT(e->reason, PROTO_IKE_E_DH);
		if (!CHECK(strstr(e->text, "no public value for group 14") != NULL))
			fprintf(stderr, "  text was: %s\n", e->text);
	}
	/* the message that would have carried the KE never left: the responder got no QM1, or
	 * the initiator no QM2 */
	CHECK_EQ_INT(qm_to[!who], 0);
	if (who == 1)
		CHECK(qm_to[1] >= 1);
	h_free(&w);
}

static void case_dh_public_initiator(void)
{
	dh_public_fails(0);
}

static void case_dh_public_responder(void)
{
	dh_public_fails(1);
}

static const struct h_case cases[] = {
	{"dh-public-i", case_dh_public_initiator},
	{"dh-public-r", case_dh_public_responder},
};

int main(int argc, char **argv)
{
	if (!h_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv))
		return 1;
	return TEST_END();
}
