// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IKEv1 exchange tests: two engines over the in-memory wire of harness.c. Each case is one meson
 * test (the case name is argv[1]); both roles are exercised by letting either peer initiate.
 * Keys are compared byte for byte between the two sides (tests may see keys, logs may not).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "proto/consts.h"
#include "tests/exch/harness.h"
#include "tests/testutil.h"

#define RUN_MS 600000u
/* sends of an unanswered message with the default retransmit settings (500 ms doubling up to
 * 16 s, given up at 60 s): at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 and 47.5 s */
#define DEFAULT_SENDS 8

/* Both sides up once each with n_child IPsec SA pairs whose keys and SPIs mirror each other. */
static void check_up(struct h_world *w, unsigned n_child)
{
	struct h_peer *a = &w->p[0], *b = &w->p[1];
	CHECK_EQ_INT(h_count(a, PROTO_IKE_EV_P1_UP), 1);
	CHECK_EQ_INT(h_count(b, PROTO_IKE_EV_P1_UP), 1);
	CHECK_EQ_INT(h_count(a, PROTO_IKE_EV_P2_UP), n_child);
	CHECK_EQ_INT(h_count(b, PROTO_IKE_EV_P2_UP), n_child);
	CHECK_EQ_INT(h_count(a, PROTO_IKE_EV_P1_FAILED) + h_count(b, PROTO_IKE_EV_P1_FAILED), 0);
	CHECK_EQ_INT(h_count(a, PROTO_IKE_EV_P2_FAILED) + h_count(b, PROTO_IKE_EV_P2_FAILED), 0);
	for (unsigned i = 0; i < n_child; i++) {
		const struct proto_ike_event *ea = h_event(a, PROTO_IKE_EV_P2_UP, i);
		const struct proto_ike_event *eb = NULL;
		if (!CHECK(ea != NULL))
			return;
		/* find b's SA with the mirrored SPIs */
		for (unsigned k = 0; k < n_child; k++) {
			const struct proto_ike_event *e = h_event(b, PROTO_IKE_EV_P2_UP, k);
			if (e && e->u.child.spi_in == ea->u.child.spi_out)
				eb = e;
		}
		if (!CHECK(eb != NULL))
			return;
		const struct proto_ike_child *ka = &ea->u.child, *kb = &eb->u.child;
		size_t len = ka->enc_key_len + ka->auth_key_len;
		CHECK_EQ_INT(ka->spi_in, kb->spi_out);
		CHECK_EQ_INT(ka->protocol, kb->protocol);
		CHECK_EQ_INT(ka->transform, kb->transform);
		CHECK_EQ_INT(ka->auth, kb->auth);
		CHECK_EQ_INT(ka->mode, kb->mode);
		CHECK_EQ_INT(ka->lifetime_s, kb->lifetime_s);
		CHECK_EQ_INT(len, kb->enc_key_len + kb->auth_key_len);
		CHECK(len > 0);
		CHECK_MEM(ka->keymat_in, kb->keymat_out, len);
		CHECK_MEM(ka->keymat_out, kb->keymat_in, len);
		CHECK(memcmp(ka->keymat_in, ka->keymat_out, len) != 0);
		CHECK(memcmp(&ka->local_ts, &kb->remote_ts, sizeof(ka->local_ts)) == 0);
		CHECK(memcmp(&ka->remote_ts, &kb->local_ts, sizeof(ka->local_ts)) == 0);
	}
	/* nothing secret in the logs: the PSK never appears */
	CHECK(!h_log_has(a, a->psk) && !h_log_has(b, b->psk));
	CHECK(h_log_has(a, "keymat digest") && h_log_has(b, "keymat digest"));
}

/* A basic negotiation started by who. */
static void basic(bool v6, int who, bool aggressive, uint16_t pfs, uint8_t mode)
{
	struct h_world w;
	h_init(&w, v6, 1 + (uint64_t)who + pfs);
	for (int i = 0; i < 2; i++) {
		w.p[i].conn.aggressive = aggressive;
		w.p[i].conn.pfs_group = pfs;
		w.p[i].conn.mode = mode;
	}
	CHECK(h_initiate(&w, who) != 0);
	h_run(&w, RUN_MS);
	check_up(&w, 1);
	const struct proto_ike_event *e = h_event(&w.p[who], PROTO_IKE_EV_P1_UP, 0);
	if (CHECK(e != NULL)) {
		CHECK_EQ_INT(e->u.p1.exchange,
			     aggressive ? ISAKMP_XCHG_AGGRESSIVE : ISAKMP_XCHG_IDPROT);
		CHECK_EQ_INT(e->u.p1.prop.encr, IKE_ENCR_AES_CBC);
		CHECK_EQ_INT(e->u.p1.prop.group, IKE_GROUP_MODP2048);
		CHECK(e->initiator);
		CHECK(e->u.p1.peer_dpd && e->u.p1.peer_natt);
	}
	e = h_event(&w.p[!who], PROTO_IKE_EV_P2_UP, 0);
	if (CHECK(e != NULL)) {
		CHECK_EQ_INT(e->u.child.pfs_group, pfs);
		CHECK_EQ_INT(e->u.child.mode, mode);
		CHECK_EQ_INT(e->u.child.transform, ESP_AES_CBC);
		CHECK_EQ_INT(e->u.child.enc_key_len, 16);
		CHECK_EQ_INT(e->u.child.auth_key_len, 32);
		CHECK_EQ_INT(e->u.child.local_ts.family, v6 ? AF_INET6 : AF_INET);
		CHECK(!e->initiator);
	}
	h_free(&w);
}

static void case_mm(void)
{
	for (int who = 0; who < 2; who++) {
		basic(false, who, false, 0, ENCAP_TUNNEL);
		basic(false, who, false, IKE_GROUP_MODP2048, ENCAP_TUNNEL);
		basic(false, who, false, IKE_GROUP_ECP256, ENCAP_TRANSPORT);
		basic(true, who, false, 0, ENCAP_TRANSPORT);
		basic(true, who, false, IKE_GROUP_MODP2048, ENCAP_TUNNEL);
	}
}

static void case_am(void)
{
	for (int who = 0; who < 2; who++) {
		basic(false, who, true, 0, ENCAP_TUNNEL);
		basic(false, who, true, IKE_GROUP_MODP2048, ENCAP_TRANSPORT);
		basic(true, who, true, IKE_GROUP_ECP256, ENCAP_TUNNEL);
	}
}

/* Losing any one datagram of MM (+QM) or AM (+QM) is repaired by retransmission. */
static void case_loss(void)
{
	for (int am = 0; am < 2; am++)
		for (unsigned k = 1; k <= (am ? 6u : 9u); k++) {
			struct h_world w;
			h_init(&w, false, 40 + k);
			for (int i = 0; i < 2; i++) {
				w.p[i].conn.aggressive = am;
				w.p[i].conn.pfs_group = k % 2 ? IKE_GROUP_MODP2048 : 0;
			}
			w.drop_nth[w.n_drop++] = k;
			CHECK(h_initiate(&w, (int)(k % 2)) != 0);
			h_run(&w, RUN_MS);
			check_up(&w, 1);
			struct proto_ike_stats sa, sb;
			proto_ike_get_stats(w.p[0].e, &sa);
			proto_ike_get_stats(w.p[1].e, &sb);
			CHECK(sa.retransmits + sb.retransmits >= 1);
			h_free(&w);
		}
}

/* Every datagram delivered twice: the copies are answered from the cache, states move once. */
static void case_dup(void)
{
	for (int am = 0; am < 2; am++) {
		struct h_world w;
		h_init(&w, false, 77);
		w.duplicate_all = true;
		for (int i = 0; i < 2; i++) {
			w.p[i].conn.aggressive = am;
			w.p[i].conn.pfs_group = IKE_GROUP_MODP2048;
		}
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		check_up(&w, 1);
		struct proto_ike_stats sa, sb;
		proto_ike_get_stats(w.p[0].e, &sa);
		proto_ike_get_stats(w.p[1].e, &sb);
		CHECK(sa.duplicates >= 2 && sb.duplicates >= 2);
		h_free(&w);
	}
}

/* Two subnet pairs: two Quick Modes run at once; each batch on the wire is delivered in reverse
 * order, so their messages cross. */
static void case_reorder(void)
{
	struct h_world w;
	h_init(&w, false, 99);
	w.reverse = true;
	for (int i = 0; i < 2; i++) {
		struct proto_ike_conn *c = &w.p[i].conn;
		c->pfs_group = IKE_GROUP_ECP256;
		/* a second local subnet on a: 10.3.0.0/16 */
		struct proto_ike_ts extra = i ? c->remote_ts[0] : c->local_ts[0];
		extra.from[1] = 3;
		extra.to[1] = 3;
		if (i) {
			c->remote_ts[1] = extra;
			c->n_remote_ts = 2;
		} else {
			c->local_ts[1] = extra;
			c->n_local_ts = 2;
		}
	}
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_up(&w, 2);
	h_free(&w);
}

/* Several proposals: the responder picks by its own preference order, and RESPONDER-LIFETIME
 * shortens the initiator's lifetime. */
static void case_proposals(void)
{
	struct h_world w;
	h_init(&w, false, 5);
	struct proto_ike_conn *a = &w.p[0].conn, *b = &w.p[1].conn;
	a->esp[0] = (struct proto_ike_p2_prop){PROTO_IPSEC_ESP, ESP_3DES, 0, AUTH_HMAC_SHA1};
	a->esp[1] = (struct proto_ike_p2_prop){PROTO_IPSEC_AH, AH_SHA, 0, AUTH_HMAC_SHA1};
	a->esp[2] =
		(struct proto_ike_p2_prop){PROTO_IPSEC_ESP, ESP_AES_CBC, 256, AUTH_HMAC_SHA2_512};
	a->n_esp = 3;
	b->esp[0] =
		(struct proto_ike_p2_prop){PROTO_IPSEC_ESP, ESP_AES_CBC, 256, AUTH_HMAC_SHA2_512};
	b->esp[1] = (struct proto_ike_p2_prop){PROTO_IPSEC_ESP, ESP_3DES, 0, AUTH_HMAC_SHA1};
	b->n_esp = 2;
	a->ike[0] = (struct proto_ike_p1_prop){IKE_ENCR_3DES_CBC, 0, IKE_HASH_SHA1,
					       IKE_GROUP_MODP1536, IKE_AUTH_PSK};
	a->ike[1] = (struct proto_ike_p1_prop){IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA2_512,
					       IKE_GROUP_ECP256, IKE_AUTH_PSK};
	b->ike[0] = a->ike[1];
	b->ike[1] = a->ike[0];
	a->ipsec_lifetime_s = 7200;
	b->ipsec_lifetime_s = 1200;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_up(&w, 1);
	const struct proto_ike_event *e = h_event(&w.p[0], PROTO_IKE_EV_P2_UP, 0);
	const struct proto_ike_event *p1 = h_event(&w.p[0], PROTO_IKE_EV_P1_UP, 0);
	if (CHECK(e && p1)) {
		CHECK_EQ_INT(p1->u.p1.prop.hash, IKE_HASH_SHA2_512);
		CHECK_EQ_INT(p1->u.p1.prop.key_bits, 256);
		CHECK_EQ_INT(e->u.child.transform, ESP_AES_CBC);
		CHECK_EQ_INT(e->u.child.key_bits, 256);
		CHECK_EQ_INT(e->u.child.auth, AUTH_HMAC_SHA2_512);
		CHECK_EQ_INT(e->u.child.enc_key_len + e->u.child.auth_key_len, 32 + 64);
		CHECK_EQ_INT(e->u.child.lifetime_s, 1200);
	}
	h_free(&w);

	/* AH only */
	h_init(&w, true, 6);
	for (int i = 0; i < 2; i++) {
		w.p[i].conn.esp[0] = (struct proto_ike_p2_prop){PROTO_IPSEC_AH, AH_SHA2_256, 0,
								AUTH_HMAC_SHA2_256};
		w.p[i].conn.mode = ENCAP_TRANSPORT;
	}
	CHECK(h_initiate(&w, 1) != 0);
	h_run(&w, RUN_MS);
	check_up(&w, 1);
	e = h_event(&w.p[0], PROTO_IKE_EV_P2_UP, 0);
	if (CHECK(e != NULL)) {
		CHECK_EQ_INT(e->u.child.protocol, PROTO_IPSEC_AH);
		CHECK_EQ_INT(e->u.child.enc_key_len, 0);
		CHECK_EQ_INT(e->u.child.auth_key_len, 32);
	}
	h_free(&w);
}

static void check_failed(struct h_peer *p, enum proto_ike_event_type t, enum proto_ike_reason r,
			 const char *text)
{
	const struct proto_ike_event *e = h_event(p, t, 0);
	if (!CHECK(e != NULL))
		return;
	CHECK_EQ_INT(e->reason, r);
	if (!CHECK(strstr(e->text, text) != NULL))
		fprintf(stderr, "  %s: text was: %s\n", p->name, e->text);
}

static void case_no_proposal(void)
{
	struct h_world w;
	/* phase 1 */
	h_init(&w, false, 8);
	w.p[1].conn.ike[0] = (struct proto_ike_p1_prop){IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA2_384,
							IKE_GROUP_ECP384, IKE_AUTH_PSK};
	w.p[1].conn.n_ike = 1;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_failed(&w.p[1], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_NO_PROPOSAL, "peer offered");
	check_failed(&w.p[0], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_NO_PROPOSAL,
		     "NO-PROPOSAL-CHOSEN");
	CHECK(h_log_has(&w.p[1], "we accept AES-CBC-256/SHA2-384/ecp384"));
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 0);
	h_free(&w);
	/* phase 2: PFS mismatch, then algorithms */
	for (int k = 0; k < 2; k++) {
		h_init(&w, false, 9);
		if (k == 0)
			w.p[0].conn.pfs_group = IKE_GROUP_MODP2048;
		else
			w.p[1].conn.esp[0].auth = AUTH_HMAC_SHA1;
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 1);
		CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P1_UP), 1);
		CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P2_UP), 0);
		check_failed(&w.p[1], PROTO_IKE_EV_P2_FAILED, PROTO_IKE_E_NO_PROPOSAL,
			     "no proposal chosen: peer offered");
		check_failed(&w.p[0], PROTO_IKE_EV_P2_FAILED, PROTO_IKE_E_NO_PROPOSAL,
			     "NO-PROPOSAL-CHOSEN");
		h_free(&w);
	}
}

/* lifetimecheck=strict: the responder refuses a longer lifetime (phase 1 seconds, phase 2
 * seconds and kilobytes) with NO-PROPOSAL-CHOSEN and names it; an equal or shorter one passes;
 * without strict, the longer offer is shortened instead. */
static void case_lifetime(void)
{
	struct h_world w;
	for (int k = 0; k < 5; k++) {
		h_init(&w, false, 90 + (uint64_t)k);
		struct proto_ike_conn *a = &w.p[0].conn, *b = &w.p[1].conn;
		b->strict_lifetime = k != 4;
		if (k == 0 || k == 4)
			a->ike_lifetime_s = 7200, b->ike_lifetime_s = 3600;
		else if (k == 1)
			a->ipsec_lifetime_s = 7200, b->ipsec_lifetime_s = 3600;
		else if (k == 2)
			a->ipsec_lifetime_kb = 0, b->ipsec_lifetime_kb = 1000;
		else
			a->ike_lifetime_s = 1800, a->ipsec_lifetime_s = 600; /* shorter: fine */
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		if (k == 0) {
			check_failed(&w.p[1], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_LIFETIME,
				     "lifetime of 7200 s, we accept at most 3600 s");
			check_failed(&w.p[0], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_NO_PROPOSAL,
				     "NO-PROPOSAL-CHOSEN");
		} else if (k == 1 || k == 2) {
			CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 1);
			check_failed(
				&w.p[1], PROTO_IKE_EV_P2_FAILED, PROTO_IKE_E_LIFETIME,
				k == 1 ? "lifetime of 7200 s and 0 KB, we accept at most 3600 s"
				       : "and 0 KB, we accept at most 3600 s and 1000 KB");
			CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P2_UP), 0);
		} else {
			check_up(&w, 1);
			const struct proto_ike_event *p1 = h_event(&w.p[1], PROTO_IKE_EV_P1_UP, 0);
			const struct proto_ike_event *c = h_event(&w.p[0], PROTO_IKE_EV_P2_UP, 0);
			if (CHECK(p1 && c)) {
				CHECK_EQ_INT(p1->u.p1.lifetime_s, k == 3 ? 1800 : 3600);
				CHECK_EQ_INT(c->u.child.lifetime_s, k == 3 ? 600 : 3600);
			}
		}
		h_free(&w);
	}
}

static void case_bad_psk(void)
{
	for (int am = 0; am < 2; am++) {
		struct h_world w;
		h_init(&w, false, 10);
		snprintf(w.p[1].psk, sizeof(w.p[1].psk), "%s", "wrong horse");
		for (int i = 0; i < 2; i++)
			w.p[i].conn.aggressive = am;
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 0);
		CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P1_UP), 0);
		/* MM: the responder finds MM5 undecryptable and tells the initiator; AM: the
		 * initiator finds HASH_R wrong and tells the responder */
		check_failed(&w.p[0], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_AUTH,
			     "pre-shared keys probably differ");
		check_failed(&w.p[1], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_AUTH,
			     "pre-shared keys probably differ");
		CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_FAILED), 1);
		CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P1_FAILED), 1);
		CHECK(!h_log_has(&w.p[0], "horse") && !h_log_has(&w.p[1], "horse"));
		h_free(&w);
	}
}

static void case_wrong_id(void)
{
	for (int am = 0; am < 2; am++) {
		struct h_world w;
		h_init(&w, false, 11);
		struct proto_ike_id *want = &w.p[1].conn.remote_id;
		want->type = ID_FQDN;
		want->len = 9;
		memcpy(want->data, "a.example", 9);
		struct proto_ike_id *have = &w.p[0].conn.local_id;
		have->type = ID_FQDN;
		have->len = 9;
		memcpy(have->data, "c.example", 9);
		for (int i = 0; i < 2; i++)
			w.p[i].conn.aggressive = am;
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		check_failed(&w.p[1], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_ID,
			     "ID @c.example does not match the expected @a.example");
		check_failed(&w.p[0], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_ID,
			     "INVALID-ID-INFORMATION");
		h_free(&w);
	}
	/* the right FQDN works, case-insensitively */
	struct h_world w;
	h_init(&w, false, 12);
	w.p[1].conn.remote_id = (struct proto_ike_id){.type = ID_FQDN, .len = 9};
	memcpy(w.p[1].conn.remote_id.data, "A.example", 9);
	w.p[0].conn.local_id = (struct proto_ike_id){.type = ID_FQDN, .len = 9};
	memcpy(w.p[0].conn.local_id.data, "a.example", 9);
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_up(&w, 1);
	const struct proto_ike_event *e = h_event(&w.p[1], PROTO_IKE_EV_P1_UP, 0);
	if (CHECK(e != NULL))
		CHECK_EQ_INT(e->u.p1.peer_id.type, ID_FQDN);
	h_free(&w);
}

static void case_am_refused(void)
{
	struct h_world w;
	h_init(&w, false, 13);
	w.p[0].conn.aggressive = true; /* b did not opt in */
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_failed(&w.p[1], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_AGGRESSIVE,
		     "offline dictionary attack");
	CHECK(h_log_has(&w.p[1], "aggressive mode refused"));
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 0);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_FAILED), 1);
	h_free(&w);
}

static uint8_t qm1_copy[2048];
static size_t qm1_len;

/* Keeps the first Quick Mode datagram sent to b. */
static void tap_qm1(struct h_world *w, int to, const uint8_t *data, size_t len)
{
	(void)w;
	if (to == 1 && len > 28 && data[18] == ISAKMP_XCHG_QUICK && !qm1_len &&
	    len <= sizeof(qm1_copy)) {
		memcpy(qm1_copy, data, len);
		qm1_len = len;
	}
}

/* INITIAL-CONTACT reported; DELETE of an IPsec SA and of the ISAKMP SA; unknown SAs counted. */
static void case_info(void)
{
	struct h_world w;
	h_init(&w, false, 14);
	w.p[0].conn.initial_contact = true;
	w.tap = tap_qm1;
	qm1_len = 0;
	uint64_t id = h_initiate(&w, 0);
	CHECK(id != 0);
	h_run(&w, RUN_MS);
	check_up(&w, 1);
	/* a replayed QM1 of a finished exchange is not a new Quick Mode */
	struct proto_ike_stats before, after;
	proto_ike_get_stats(w.p[1].e, &before);
	CHECK(qm1_len > 0);
	CHECK_EQ_INT(
		proto_ike_input(w.p[1].e, qm1_copy, qm1_len, &w.p[1].addr, &w.p[0].addr, false),
		PROTO_IKE_IN_DROPPED);
	h_run(&w, RUN_MS);
	proto_ike_get_stats(w.p[1].e, &after);
	CHECK_EQ_INT(after.drop_msgid, before.drop_msgid + 1);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P2_UP), 1);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_INITIAL_CONTACT), 1);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_INITIAL_CONTACT), 0);
	const struct proto_ike_event *up = h_event(&w.p[0], PROTO_IKE_EV_P2_UP, 0);
	uint32_t spi_in = up ? up->u.child.spi_in : 0;
	CHECK_EQ_INT(proto_ike_delete_child(w.p[0].e, id, PROTO_IPSEC_ESP, spi_in), 0);
	h_run(&w, RUN_MS);
	const struct proto_ike_event *d = h_event(&w.p[1], PROTO_IKE_EV_DELETE, 0);
	if (CHECK(d != NULL)) {
		CHECK_EQ_INT(d->u.del.protocol, PROTO_IPSEC_ESP);
		CHECK_EQ_INT(d->u.del.n_spis, 1);
		CHECK_EQ_INT(d->u.del.spis[0], spi_in);
	}
	CHECK_EQ_INT(proto_ike_delete_sa(w.p[0].e, id), 0);
	h_run(&w, RUN_MS);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_SA_GONE), 1);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_SA_GONE), 1);
	CHECK_EQ_INT(proto_ike_delete_sa(w.p[0].e, id), -2 /* -ENOENT */);
	/* a message for an SA nobody knows */
	uint8_t junk[28] = {1, 2, 3, 4,	   5,  6, 7, 8, 9, 9, 9, 9, 9, 9,
			    9, 9, 0, 0x10, 32, 1, 0, 0, 0, 1, 0, 0, 0, 28};
	struct proto_ike_stats st;
	CHECK_EQ_INT(
		proto_ike_input(w.p[1].e, junk, sizeof(junk), &w.p[1].addr, &w.p[0].addr, false),
		PROTO_IKE_IN_DROPPED);
	proto_ike_get_stats(w.p[1].e, &st);
	CHECK_EQ_INT(st.drop_unknown_sa, 1);
	CHECK_EQ_INT(st.sas, 0);
	h_free(&w);
}

/* A silent peer: bounded retransmissions, then a timeout; the half-open responder gives up. */
static void case_timeout(void)
{
	struct h_world w;
	h_init(&w, false, 15);
	w.blackhole_to[0] = true; /* a never hears from b */
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_failed(&w.p[0], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_TIMEOUT, "no reply");
	check_failed(&w.p[1], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_TIMEOUT, "");
	struct proto_ike_stats st;
	proto_ike_get_stats(w.p[0].e, &st);
	CHECK_EQ_INT(st.sas, 0);
	proto_ike_get_stats(w.p[1].e, &st);
	CHECK_EQ_INT(st.sas, 0);
	CHECK_EQ_INT(st.half_open, 0);
	h_free(&w);
}

/* Peer a's sends of one message since its first: they must be at exactly want[] ms after it. */
static void check_sends(const struct h_world *w, unsigned from, const uint64_t *want, unsigned n)
{
	CHECK_EQ_INT(w->n_sent_at[0] - from, n);
	for (unsigned i = 0; i < n && from + i < w->n_sent_at[0]; i++)
		if (!CHECK_EQ_INT(w->sent_at[0][from + i] - w->sent_at[0][from], want[i]))
			fprintf(stderr, "  send %u\n", i + 1);
}

/* retransmit-interval= and retransmit-timeout= (struct proto_ike_conn): the peer is silent; the
 * waits double from the interval, none longer than PROTO_IKE_RETRANSMIT_WAIT_MAX_MS, and the
 * exchange fails when the timeout has passed since the first send. */
static void retransmit_one(uint32_t interval, uint32_t timeout, const uint64_t *want, unsigned n,
			   const char *text)
{
	struct h_world w;
	h_init(&w, false, 21);
	w.p[0].conn.retransmit_interval_ms = interval;
	w.p[0].conn.retransmit_timeout_ms = timeout;
	w.blackhole_to[1] = true; /* b never hears a */
	uint64_t t0 = w.now;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	check_sends(&w, 0, want, n);
	check_failed(&w.p[0], PROTO_IKE_EV_P1_FAILED, PROTO_IKE_E_TIMEOUT, text);
	CHECK_EQ_INT(w.now - t0, timeout ? timeout : PROTO_IKE_RETRANSMIT_TIMEOUT_MS);
	h_free(&w);
}

static void case_retransmit(void)
{
	/* 200 ms, 5 s: waits of 0.2, 0.4, 0.8, 1.6 s; the next (3.2 s) would pass 5 s */
	static const uint64_t a[] = {0, 200, 600, 1400, 3000};
	retransmit_one(200, 5000, a, 5, "after 5 transmissions over 5000 ms");
	/* the defaults (500 ms, 60 s): waits double up to 16 s */
	static const uint64_t b[] = {0, 500, 1500, 3500, 7500, 15500, 31500, 47500};
	retransmit_one(0, 0, b, 8, "after 8 transmissions over 60000 ms");
	/* 5 s, 2 min: 5, 10, then 16 s (the cap) each time */
	static const uint64_t c[] = {0, 5000, 15000, 31000, 47000, 63000, 79000, 95000, 111000};
	retransmit_one(5000, 120000, c, 9, "after 9 transmissions over 120000 ms");
	/* a Quick Mode follows its own conn: phase 1 up with the defaults, then QM1 unanswered */
	struct h_world w;
	h_init(&w, false, 22);
	uint64_t ida = h_initiate(&w, 0);
	h_run(&w, RUN_MS);
	check_up(&w, 1);
	struct proto_ike_conn qc = w.p[0].conn;
	qc.retransmit_interval_ms = 1000;
	qc.retransmit_timeout_ms = 4000;
	w.blackhole_to[1] = true;
	unsigned from = w.n_sent_at[0];
	uint32_t msgid = 0;
	uint64_t t0 = w.now;
	CHECK_EQ_INT(proto_ike_quick_mode(w.p[0].e, ida, &qc, NULL, NULL, &msgid), 0);
	h_run(&w, 10000);
	static const uint64_t d[] = {0, 1000, 3000};
	check_sends(&w, from, d, 3);
	check_failed(&w.p[0], PROTO_IKE_EV_P2_FAILED, PROTO_IKE_E_TIMEOUT,
		     "after 3 transmissions over 4000 ms");
	CHECK_EQ_INT(w.now - t0, 4000);
	h_free(&w);
}

/* The half-open caps: one peer gets PROTO_IKE_HALF_OPEN_PEER_MAX responder SAs, the rest of its
 * MM1s are dropped and counted; a cookie secret rotation changes the next responder cookies. */
static void case_half_open(void)
{
	struct h_world w;
	struct proto_ike_stats st;
	h_init(&w, false, 16);
	/* a resends no later than b's half-open SAs expire: one failure per SA at b */
	w.p[0].conn.retransmit_timeout_ms = PROTO_IKE_HALF_OPEN_TIMEOUT_MS;
	w.blackhole_to[0] = true;
	for (unsigned i = 0; i < PROTO_IKE_HALF_OPEN_PEER_MAX + 4; i++)
		CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, 0);
	proto_ike_get_stats(w.p[1].e, &st);
	CHECK_EQ_INT(st.half_open, PROTO_IKE_HALF_OPEN_PEER_MAX);
	CHECK_EQ_INT(st.sas, PROTO_IKE_HALF_OPEN_PEER_MAX);
	/* at one instant an address gets no more than the cap: the 4 others are dropped */
	CHECK_EQ_INT(st.evict_half_open, 0);
	CHECK_EQ_INT(st.drop_half_open, 4);
	/* a moment later its oldest unanswered SA makes room for one new one */
	w.now += PROTO_IKE_HALF_OPEN_PEER_INTERVAL_MS;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, 0);
	proto_ike_get_stats(w.p[1].e, &st);
	CHECK_EQ_INT(st.half_open, PROTO_IKE_HALF_OPEN_PEER_MAX);
	CHECK_EQ_INT(st.evict_half_open, 1);
	proto_ike_rotate_secret(w.p[1].e);
	h_run(&w, RUN_MS); /* everything times out */
	proto_ike_get_stats(w.p[1].e, &st);
	CHECK_EQ_INT(st.half_open, 0);
	CHECK_EQ_INT(st.sas, 0);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P1_FAILED), PROTO_IKE_HALF_OPEN_PEER_MAX);
	proto_ike_get_stats(w.p[0].e, &st);
	CHECK_EQ_INT(st.sas, 0);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_FAILED), PROTO_IKE_HALF_OPEN_PEER_MAX + 5);
	/* A peer whose address a flood of first messages uses still gets in: the flood fills its
	 * slots, its own MM1 (resent a second later) evicts the oldest unanswered one, and its MM3
	 * proves it. */
	uint64_t flood[PROTO_IKE_HALF_OPEN_PEER_MAX * 2];
	for (unsigned i = 0; i < PROTO_IKE_HALF_OPEN_PEER_MAX * 2; i++)
		CHECK((flood[i] = h_initiate(&w, 0)) != 0);
	h_run(&w, 0);
	/* the flood's senders are gone (spoofed: nobody at a answers for them) */
	for (unsigned i = 0; i < PROTO_IKE_HALF_OPEN_PEER_MAX * 2; i++)
		CHECK_EQ_INT(proto_ike_delete_sa(w.p[0].e, flood[i]), 0);
	w.blackhole_to[0] = false;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, 20000);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 1);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P1_UP), 1);
	proto_ike_get_stats(w.p[1].e, &st);
	CHECK(st.evict_half_open >= 2);
	CHECK(st.drop_half_open >= 4 + PROTO_IKE_HALF_OPEN_PEER_MAX + 1); /* the flood's surplus */
	h_free(&w);
}

/* b's engine anew with policy sas_max = n. */
static void renew_with_sas_max(struct h_world *w, unsigned n)
{
	struct h_peer *b = &w->p[1];
	proto_ike_engine_free(b->e);
	b->pol.sas_max = n;
	b->e = proto_ike_engine_new(&b->env, &b->pol);
}

/*
 * The policy's sas_max (config setup ikesa_limit=): a responder with a limit of 3 holds 3 tunnels
 * and drops the next peer's MM1s (counted), until one is deleted; at the limit an unanswered
 * half-open SA makes room for a new MM1; an initiator at its limit cannot start; limits above
 * PROTO_IKE_SAS_LIMIT are refused.
 */
static void case_sa_limit(void)
{
	struct h_world w;
	struct proto_ike_stats st;
	h_init(&w, false, 19);
	struct proto_ike_policy big = w.p[1].pol;
	big.sas_max = PROTO_IKE_SAS_LIMIT + 1;
	CHECK(proto_ike_engine_new(&w.p[1].env, &big) == NULL);
	big.sas_max = PROTO_IKE_SAS_LIMIT;
	struct proto_ike_engine *e = proto_ike_engine_new(&w.p[1].env, &big);
	CHECK(e != NULL);
	CHECK_EQ_INT(proto_ike_set_sas_max(e, PROTO_IKE_SAS_LIMIT + 1), -22 /* -EINVAL */);
	proto_ike_engine_free(e);
	renew_with_sas_max(&w, 3);
	if (!CHECK(w.p[1].e != NULL)) {
		h_free(&w);
		return;
	}
	uint64_t up[3];
	for (int i = 0; i < 3; i++)
		CHECK((up[i] = h_initiate(&w, 0)) != 0);
	h_run(&w, RUN_MS);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P2_UP), 3);
	/* the fourth: every MM1 (first and resends) is dropped, the initiator times out */
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	proto_ike_get_stats(w.p[1].e, &st);
	CHECK_EQ_INT(st.sas, 3);
	CHECK_EQ_INT(st.drop_sa_limit, DEFAULT_SENDS);
	CHECK_EQ_INT(st.drop_half_open + st.evict_half_open, 0);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_FAILED), 1);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P1_UP), 3);
	/* one tunnel goes: room for one, which a spoofed MM1 takes and a real peer's MM1 takes back
	 * (the spoofed one never answered) */
	CHECK_EQ_INT(proto_ike_delete_sa(w.p[0].e, up[0]), 0);
	h_run(&w, RUN_MS);
	w.blackhole_to[0] = true;
	uint64_t spoof = h_initiate(&w, 0);
	CHECK(spoof != 0);
	h_run(&w, 0);
	CHECK_EQ_INT(proto_ike_delete_sa(w.p[0].e, spoof), 0); /* its sender is gone */
	w.blackhole_to[0] = false;
	proto_ike_get_stats(w.p[1].e, &st);
	CHECK_EQ_INT(st.sas, 3);
	CHECK_EQ_INT(st.half_open, 1);
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	proto_ike_get_stats(w.p[1].e, &st);
	CHECK_EQ_INT(st.sas, 3);
	CHECK_EQ_INT(st.half_open, 0);
	CHECK_EQ_INT(st.evict_half_open, 1);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P2_UP), 4);
	/* the initiator's own limit: at it, nothing starts; raised (0: the default), it does */
	proto_ike_get_stats(w.p[0].e, &st);
	CHECK_EQ_INT(st.sas, 3);
	CHECK_EQ_INT(proto_ike_set_sas_max(w.p[0].e, 3), 0);
	CHECK(h_initiate(&w, 0) == 0);
	CHECK_EQ_INT(proto_ike_set_sas_max(w.p[0].e, 0), 0);
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	proto_ike_get_stats(w.p[1].e, &st);
	CHECK_EQ_INT(st.sas, 3);
	CHECK_EQ_INT(st.drop_sa_limit, 2 * DEFAULT_SENDS);
	h_free(&w);
}

/* Drains an engine's actions the way the daemon does, without a wire. */
static void drain(struct proto_ike_engine *e)
{
	struct proto_ike_action a;
	while (proto_ike_next_action(e, &a)) {
		if (a.type == PROTO_IKE_ACT_DH)
			proto_ike_dh_free(a.job);
		proto_ike_action_release(&a);
	}
}

/*
 * A flood of first messages from many addresses (spoofed: nobody answers): the caps hold
 * (global and per address), each MM1 costs the same whether 2,000 or 20,000 came before (no
 * walk over all SAs: the per-MM1 time is printed for both runs, and must not grow more than
 * 3-fold), and a real peer still gets in afterwards.
 */
static void case_flood(void)
{
	struct h_world w;
	struct proto_ike_stats st;
	struct proto_ike_action a;
	uint8_t mm1[2048];
	size_t mm1_len = 0;
	double per[2];
	h_init(&w, true, 18);
	uint64_t id = h_initiate(&w, 0);
	while (proto_ike_next_action(w.p[0].e, &a)) {
		if (a.type == PROTO_IKE_ACT_SEND && a.len <= sizeof(mm1) && !mm1_len)
			memcpy(mm1, a.data, mm1_len = a.len);
		proto_ike_action_release(&a);
	}
	CHECK_EQ_INT(proto_ike_delete_sa(w.p[0].e, id), 0);
	drain(w.p[0].e);
	if (!CHECK(mm1_len > 28)) {
		h_free(&w);
		return;
	}
	unsigned sent = 0;
	for (int run = 0; run < 2; run++) {
		unsigned n = run ? 20000 : 2000;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (unsigned i = 0; i < n; i++, sent++) {
			struct proto_ike_addr src = w.p[0].addr;
			src.addr[14] =
				(uint8_t)(sent >> 8 & 0x0f); /* 2001:db8::/32, 4,096 sources */
			src.addr[15] = (uint8_t)sent;
			for (int k = 0; k < 4; k++)
				mm1[k] = (uint8_t)(sent >> (8 * k)); /* a fresh initiator cookie */
			proto_ike_input(w.p[1].e, mm1, mm1_len, &w.p[1].addr, &src, false);
			drain(w.p[1].e);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		per[run] = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
			    (double)(t1.tv_nsec - t0.tv_nsec)) /
			   n / 1000.0;
		proto_ike_get_stats(w.p[1].e, &st);
		CHECK(st.half_open <= PROTO_IKE_HALF_OPEN_MAX);
		CHECK_EQ_INT(st.sas, st.half_open);
	}
	printf("flood: %.2f us per MM1 after 2,000, %.2f us after 22,000 (ratio %.2f); %llu "
	       "evicted, %llu dropped\n",
	       per[0], per[1], per[1] / per[0], (unsigned long long)st.evict_half_open,
	       (unsigned long long)st.drop_half_open);
	CHECK_EQ_INT(st.half_open, PROTO_IKE_HALF_OPEN_MAX);
	CHECK_EQ_INT(st.evict_half_open, 22000 - PROTO_IKE_HALF_OPEN_MAX);
	CHECK(per[1] < 3 * per[0] + 1.0);
	/* the real peer: its MM1 evicts the oldest unanswered SA, its MM3 proves it */
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, 20000);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 1);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P2_UP), 1);
	h_free(&w);
}

/* The commit bit: the responder answers QM3 with N(CONNECTED), which the initiator verifies. */
static void case_commit(void)
{
	for (int pfs = 0; pfs < 2; pfs++) {
		struct h_world w;
		h_init(&w, false, 17);
		w.p[0].conn.commit = true;
		for (int i = 0; i < 2; i++)
			w.p[i].conn.pfs_group = pfs ? IKE_GROUP_ECP256 : 0;
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		check_up(&w, 1);
		CHECK(h_log_has(&w.p[0], "CONNECTED received"));
		h_free(&w);
	}
}

/* Phase-2 rekeys on an established ISAKMP SA from either side (with PFS), a phase-1-only
 * reauthentication followed by a Quick Mode over the new SA, and a Quick Mode that times out
 * reporting its message ID. */
static void case_rekey(void)
{
	struct h_world w;
	h_init(&w, false, 18);
	for (int i = 0; i < 2; i++)
		w.p[i].conn.pfs_group = IKE_GROUP_MODP2048;
	uint64_t ida = h_initiate(&w, 0);
	CHECK(ida != 0);
	h_run(&w, RUN_MS);
	check_up(&w, 1);
	const struct proto_ike_event *up_b = h_event(&w.p[1], PROTO_IKE_EV_P1_UP, 0);
	uint64_t idb = up_b ? up_b->sa_id : 0;
	const struct proto_ike_event *c0 = h_event(&w.p[0], PROTO_IKE_EV_P2_UP, 0);
	if (!CHECK(c0 != NULL && idb != 0))
		return;
	struct proto_ike_ts lts = c0->u.child.local_ts, rts = c0->u.child.remote_ts;
	uint32_t old_in = c0->u.child.spi_in, msgid = 0;
	/* a rekeys the child: same selectors, new SPIs and keys on both sides */
	CHECK_EQ_INT(proto_ike_quick_mode(w.p[0].e, ida, NULL, &lts, &rts, &msgid), 0);
	CHECK(msgid != 0);
	h_run(&w, RUN_MS);
	const struct proto_ike_event *c1 = h_event(&w.p[0], PROTO_IKE_EV_P2_UP, 1);
	const struct proto_ike_event *c1b = h_event(&w.p[1], PROTO_IKE_EV_P2_UP, 1);
	if (CHECK(c1 != NULL && c1b != NULL)) {
		CHECK_EQ_INT(c1->u.child.msgid, msgid);
		CHECK(c1->u.child.spi_in != old_in);
		CHECK_EQ_INT(c1->u.child.spi_in, c1b->u.child.spi_out);
		CHECK_EQ_INT(c1->u.child.spi_out, c1b->u.child.spi_in);
		CHECK_EQ_INT(c1->u.child.pfs_group, IKE_GROUP_MODP2048);
		CHECK(memcmp(&c1->u.child.local_ts, &lts, sizeof(lts)) == 0);
		CHECK(memcmp(&c1b->u.child.local_ts, &rts, sizeof(rts)) == 0);
		size_t len = c1->u.child.enc_key_len + c1->u.child.auth_key_len;
		CHECK_MEM(c1->u.child.keymat_in, c1b->u.child.keymat_out, len);
		CHECK(memcmp(c1->u.child.keymat_in, c0->u.child.keymat_in, len) != 0);
	}
	/* b (the phase-1 responder) rekeys it as well */
	CHECK_EQ_INT(proto_ike_quick_mode(w.p[1].e, idb, &w.p[1].conn, &rts, &lts, &msgid), 0);
	h_run(&w, RUN_MS);
	const struct proto_ike_event *c2 = h_event(&w.p[1], PROTO_IKE_EV_P2_UP, 2);
	const struct proto_ike_event *c2a = h_event(&w.p[0], PROTO_IKE_EV_P2_UP, 2);
	if (CHECK(c2 != NULL && c2a != NULL)) {
		CHECK_EQ_INT(c2->u.child.msgid, msgid);
		CHECK_EQ_INT(c2->u.child.spi_in, c2a->u.child.spi_out);
		CHECK(!c2->initiator); /* the ISAKMP SA's role, not the Quick Mode's */
	}
	CHECK_EQ_INT(proto_ike_quick_mode(w.p[0].e, 999999, NULL, NULL, NULL, &msgid), -2);
	/* reauthentication: a new ISAKMP SA and no Quick Mode with it */
	uint64_t ida2 = 0;
	CHECK_EQ_INT(
		proto_ike_initiate_p1(w.p[0].e, &w.p[0].conn, &w.p[0].addr, &w.p[1].addr, &ida2),
		0);
	h_run(&w, RUN_MS);
	CHECK(ida2 != 0 && ida2 != ida);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 2);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P1_UP), 2);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P2_UP), 3);
	/* the old ISAKMP SA goes; the child is rekeyed over the new one */
	CHECK_EQ_INT(proto_ike_delete_sa(w.p[0].e, ida), 0);
	CHECK_EQ_INT(proto_ike_quick_mode(w.p[0].e, ida2, NULL, &lts, &rts, &msgid), 0);
	h_run(&w, RUN_MS);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P2_UP), 4);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P2_UP), 4);
	const struct proto_ike_event *c3 = h_event(&w.p[0], PROTO_IKE_EV_P2_UP, 3);
	if (CHECK(c3 != NULL))
		CHECK_EQ_INT(c3->sa_id, ida2);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_SA_GONE), 1);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P2_FAILED) +
			     h_count(&w.p[1], PROTO_IKE_EV_P2_FAILED),
		     0);
	/* a Quick Mode nobody answers: P2_FAILED names its message ID */
	w.blackhole_to[1] = true;
	CHECK_EQ_INT(proto_ike_quick_mode(w.p[0].e, ida2, NULL, &lts, &rts, &msgid), 0);
	h_run(&w, RUN_MS);
	const struct proto_ike_event *f = h_event(&w.p[0], PROTO_IKE_EV_P2_FAILED, 0);
	if (CHECK(f != NULL)) {
		CHECK_EQ_INT(f->u.child.msgid, msgid);
		CHECK_EQ_INT(f->reason, PROTO_IKE_E_TIMEOUT);
		CHECK_EQ_INT(f->conn_handle, w.p[0].conn.handle);
	}
	h_free(&w);
}

static const struct h_case cases[] = {
	{"mm", case_mm},
	{"am", case_am},
	{"loss", case_loss},
	{"dup", case_dup},
	{"reorder", case_reorder},
	{"proposals", case_proposals},
	{"no-proposal", case_no_proposal},
	{"bad-psk", case_bad_psk},
	{"wrong-id", case_wrong_id},
	{"am-refused", case_am_refused},
	{"info", case_info},
	{"timeout", case_timeout},
	{"half-open", case_half_open},
	{"commit", case_commit},
	{"rekey", case_rekey},
	{"lifetime", case_lifetime},
	{"flood", case_flood},
	{"sa-limit", case_sa_limit},
	{"retransmit", case_retransmit},
};

int main(int argc, char **argv)
{
	return h_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv) ? TEST_END() : 1;
}
