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
#include "proto/codec.h"
#include "proto/consts.h"
#include "proto/ike/engine_int.h"
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
		static const uint8_t k[32] = {0x77, 0x07, 0x6d, 0x0a}; /* any scalar */
		if (CHECK_EQ_INT(crypto_dh_new(IKE_GROUP_CURVE25519, k, sizeof(k), &j->dh), 0)) {
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

/* Secrets seen on the wire in plaintext messages (MM3/MM4, AM1/AM2): each nonce and KE value, in
 * lower-case hex, the way a careless trace would print them. */
static char secret_hex[8][2 * 64 + 1];
static unsigned n_secret_hex;

static void take_secrets(struct h_world *w, int to, const uint8_t *data, size_t len)
{
	(void)w;
	(void)to;
	struct proto_msg *m = malloc(sizeof(*m));
	if (!m || len < PROTO_HDR_LEN || (data[19] & ISAKMP_FLAG_E) ||
	    proto_decode_payloads(data[16], data + PROTO_HDR_LEN, len - PROTO_HDR_LEN, 0, m) !=
		    PROTO_OK) {
		free(m);
		return;
	}
	for (unsigned i = 0; i < m->n && n_secret_hex < 8; i++) {
		const struct proto_payload *p = &m->pl[i];
		if (p->type != ISAKMP_PL_NONCE && p->type != ISAKMP_PL_KE)
			continue;
		char *o = secret_hex[n_secret_hex++];
		size_t n = p->u.data.len < 64 ? p->u.data.len : 64; /* 64 bytes: unique enough */
		for (size_t k = 0; k < n; k++)
			snprintf(o + 2 * k, 3, "%02x", p->u.data.p[k]);
	}
	free(m);
}

/* Main Mode (and Aggressive Mode) with PFS at debug level: every message's payload list, the
 * vendor IDs received by name, the proposals offered and received by algorithm name; and no
 * PSK, nonce or KE value anywhere in either log. */
static void debug_log(bool aggressive)
{
	struct h_world w;
	h_init(&w, false, aggressive ? 81 : 80);
	snprintf(w.p[0].psk, sizeof(w.p[0].psk), "%s", "correct-horse-7f3a");
	snprintf(w.p[1].psk, sizeof(w.p[1].psk), "%s", "correct-horse-7f3a");
	for (int i = 0; i < 2; i++) {
		w.p[i].conn.pfs_group = IKE_GROUP_MODP2048;
		w.p[i].conn.aggressive = aggressive;
	}
	n_secret_hex = 0;
	w.tap = take_secrets;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P2_UP), 1);
	struct h_peer *a = &w.p[0], *b = &w.p[1];
	static const char *const mm_a[] = {
		"send MM1: SA, 3 VID",
		"send MM1 proposals: AES-CBC-128/SHA2-256/modp2048, 3DES-CBC/SHA/modp1536",
		"recv MM2: SA, 3 VID",
		"recv MM2 proposals: AES-CBC-128/SHA2-256/modp2048",
		"recv VID DPD (RFC 3706)",
		"recv VID RFC 3947 NAT-T",
		"recv VID IKE fragmentation",
		"send MM3: KE NONCE NAT-D NAT-D",
		"recv MM4: KE NONCE NAT-D NAT-D",
		"send MM5: ID HASH",
		"recv MM6: ID HASH",
		"proposals: ESP_AES-CBC-128/HMAC-SHA2-256+pfs",
		": HASH SA NONCE KE ID ID",
		NULL};
	static const char *const mm_b[] = {"recv MM1: SA, 3 VID",
					   "recv MM3: KE NONCE NAT-D NAT-D",
					   "send MM4: KE NONCE NAT-D NAT-D",
					   "recv MM5: ID HASH",
					   "recv VID RFC 3947 NAT-T",
					   NULL};
	static const char *const am_a[] = {"send AM1: SA KE NONCE ID, 3 VID",
					   "recv AM2: SA KE NONCE ID HASH NAT-D NAT-D, 3 VID",
					   "send AM3: NAT-D NAT-D HASH", NULL};
	static const char *const am_b[] = {"recv AM1 proposals: AES-CBC-128/SHA2-256/modp2048",
					   "recv VID DPD (RFC 3706)", NULL};
	for (const char *const *l = aggressive ? am_a : mm_a; *l; l++)
		if (!CHECK(h_log_has(a, *l)))
			fprintf(stderr, "  a's log lacks \"%s\"\n", *l);
	for (const char *const *l = aggressive ? am_b : mm_b; *l; l++)
		if (!CHECK(h_log_has(b, *l)))
			fprintf(stderr, "  b's log lacks \"%s\"\n", *l);
	CHECK(!h_log_has(a, "correct-horse") && !h_log_has(b, "correct-horse"));
	CHECK(n_secret_hex >= 4); /* both nonces and both KE values */
	for (unsigned i = 0; i < n_secret_hex; i++) {
		char head[17];
		snprintf(head, sizeof(head), "%s", secret_hex[i]); /* any 8 bytes of it */
		if (!CHECK(!h_log_has(a, head) && !h_log_has(b, head)))
			fprintf(stderr, "  a log has the secret bytes %s\n", head);
	}
	h_free(&w);
}

static void case_debug_log_mm(void)
{
	debug_log(false);
}

static void case_debug_log_am(void)
{
	debug_log(true);
}

static const struct h_case cases[] = {
	{"debug-log-mm", case_debug_log_mm},
	{"debug-log-am", case_debug_log_am},
	{"dh-public-i", case_dh_public_initiator},
	{"dh-public-r", case_dh_public_responder},
};

int main(int argc, char **argv)
{
	if (!h_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv))
		return 1;
	return TEST_END();
}
