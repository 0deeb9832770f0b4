// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NAT traversal (RFC 3947/3948) and Dead Peer Detection (RFC 3706) exchange tests: two engines
 * over the in-memory wire of harness.c, which can put a NAT in front of a peer (rewriting its
 * address and ports as a masquerading router would) and runs a fake clock. One meson test per
 * case (argv[1]).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/prf.h"
#include "proto/codec.h"
#include "proto/consts.h"
#include "tests/exch/harness.h"
#include "tests/testutil.h"

#define RUN_MS 600000u

/* Payload types seen in the unencrypted datagrams each peer sent (tap). */
static unsigned natd_rfc[2], natd_draft[2], vids_seen;

static void tap_payloads(struct h_world *w, int to, const uint8_t *data, size_t len)
{
	struct proto_header h;
	size_t off;
	struct proto_msg *m = malloc(sizeof(*m));
	(void)w;
	if (m && proto_decode_header(data, len, &h, &off) == PROTO_OK &&
	    !(h.flags & ISAKMP_FLAG_E) &&
	    proto_decode_payloads(h.next_payload, data + PROTO_HDR_LEN, h.length - PROTO_HDR_LEN, 0,
				  m) == PROTO_OK) {
		natd_rfc[!to] += proto_msg_count(m, ISAKMP_PL_NAT_D);
		natd_draft[!to] += proto_msg_count(m, ISAKMP_PL_NAT_D_DRAFT);
		vids_seen += proto_msg_count(m, ISAKMP_PL_VID);
	}
	free(m);
}

/* Both sides up with one child each; returns a's child event. */
static const struct proto_ike_event *up(struct h_world *w)
{
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_INT(h_count(&w->p[i], PROTO_IKE_EV_P1_UP), 1);
		CHECK_EQ_INT(h_count(&w->p[i], PROTO_IKE_EV_P2_UP), 1);
		CHECK_EQ_INT(h_count(&w->p[i], PROTO_IKE_EV_P1_FAILED), 0);
		CHECK_EQ_INT(h_count(&w->p[i], PROTO_IKE_EV_P2_FAILED), 0);
	}
	const struct proto_ike_event *ea = h_event(&w->p[0], PROTO_IKE_EV_P2_UP, 0);
	const struct proto_ike_event *eb = h_event(&w->p[1], PROTO_IKE_EV_P2_UP, 0);
	if (ea && eb) {
		size_t n = ea->u.child.enc_key_len + ea->u.child.auth_key_len;
		CHECK_MEM(ea->u.child.keymat_in, eb->u.child.keymat_out, n);
		CHECK_EQ_INT(ea->u.child.spi_in, eb->u.child.spi_out);
	}
	return ea;
}

/* a (initiator, or responder when who = 1) behind a NAT: detected on both sides, the initiator
 * floats to 4500, the children are UDP-encapsulated between the right ports. */
static void nat_case(bool v6, int who, bool aggressive, uint8_t mode)
{
	struct h_world w;
	h_init(&w, v6, 11 + (uint64_t)who);
	h_nat(&w, 0);
	w.tap = tap_payloads;
	memset(natd_rfc, 0, sizeof(natd_rfc));
	for (int i = 0; i < 2; i++) {
		w.p[i].conn.aggressive = aggressive;
		w.p[i].conn.mode = mode;
	}
	if (who == 1) {
		/* b initiates towards a's NAT (a port forward of 500 and 4500 on it) */
		w.nat[0].port500 = 500;
		w.nat[0].port4500 = 4500;
	}
	CHECK(h_initiate(&w, who) != 0);
	h_run(&w, RUN_MS);
	const struct proto_ike_event *ca = up(&w);
	const struct proto_ike_event *pa = h_event(&w.p[0], PROTO_IKE_EV_P1_UP, 0);
	const struct proto_ike_event *pb = h_event(&w.p[1], PROTO_IKE_EV_P1_UP, 0);
	const struct proto_ike_event *cb = h_event(&w.p[1], PROTO_IKE_EV_P2_UP, 0);
	if (!CHECK(ca && pa && pb && cb))
		return;
	/* a is behind the NAT, b sees a NAT in front of its peer */
	CHECK(pa->u.p1.nat_local && !pa->u.p1.nat_peer);
	CHECK(!pb->u.p1.nat_local && pb->u.p1.nat_peer);
	CHECK(pa->u.p1.natt && pb->u.p1.natt);
	/* the NAT-D pairs of MM3/MM4 (or AM2; AM3 is encrypted) */
	CHECK_EQ_INT(natd_rfc[0] + natd_rfc[1], aggressive ? 2 : 4);
	CHECK(!w.bad_port);
	CHECK(w.natt_sent[0] >= 2 && w.natt_sent[1] >= 1);
	/* the children: ESP in UDP, a from 4500 to 4500, b to a's NAT mapping of 4500 */
	CHECK(ca->u.child.natt && cb->u.child.natt);
	CHECK_EQ_INT(ca->u.child.encap_sport, 4500);
	CHECK_EQ_INT(ca->u.child.encap_dport, 4500);
	CHECK_EQ_INT(cb->u.child.encap_sport, 4500);
	CHECK_EQ_INT(cb->u.child.encap_dport, w.nat[0].port4500);
	CHECK_EQ_INT(ca->u.child.mode, mode);
	CHECK_EQ_INT(cb->u.child.mode, mode);
	CHECK(memcmp(pb->peer.addr, w.nat[0].pub.addr, 16) == 0);
	/* RFC 3947 §5.2: NAT-OA in transport mode, each side learns the other's real address */
	CHECK_EQ_INT(ca->u.child.has_oa, mode == ENCAP_TRANSPORT);
	CHECK_EQ_INT(cb->u.child.has_oa, mode == ENCAP_TRANSPORT);
	if (mode == ENCAP_TRANSPORT) {
		CHECK(memcmp(cb->u.child.oa_peer.addr, w.p[0].addr.addr, 16) == 0);
		CHECK(memcmp(ca->u.child.oa_peer.addr, w.p[1].addr.addr, 16) == 0);
	}
	CHECK(h_log_has(&w.p[0], "NAT detected: we are behind a NAT"));
	CHECK(h_log_has(&w.p[1], "NAT detected: the peer is behind a NAT"));
	h_free(&w);
}

static void case_nat_mm(void)
{
	nat_case(false, 0, false, ENCAP_TUNNEL);
	nat_case(true, 0, false, ENCAP_TUNNEL);
	nat_case(false, 1, false, ENCAP_TUNNEL);
}

static void case_nat_am(void)
{
	nat_case(false, 0, true, ENCAP_TUNNEL);
	nat_case(true, 0, true, ENCAP_TUNNEL);
}

static void case_nat_oa(void)
{
	nat_case(false, 0, false, ENCAP_TRANSPORT);
	nat_case(true, 0, false, ENCAP_TRANSPORT);
}

/* Without a NAT: NAT-D exchanged, nothing detected, everything stays on port 500. */
static void case_no_nat(void)
{
	struct h_world w;
	h_init(&w, false, 21);
	w.tap = tap_payloads;
	memset(natd_rfc, 0, sizeof(natd_rfc));
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	const struct proto_ike_event *ca = up(&w);
	const struct proto_ike_event *pa = h_event(&w.p[0], PROTO_IKE_EV_P1_UP, 0);
	if (CHECK(ca && pa)) {
		CHECK(!pa->u.p1.nat_local && !pa->u.p1.nat_peer && !pa->u.p1.natt);
		CHECK(!ca->u.child.natt);
		CHECK_EQ_INT(ca->u.child.encap_sport, 0);
	}
	CHECK_EQ_INT(natd_rfc[0], 2);
	CHECK_EQ_INT(natd_rfc[1], 2);
	CHECK_EQ_INT(w.natt_sent[0] + w.natt_sent[1], 0);
	CHECK(!w.bad_port);
	h_free(&w);
}

/* encapsulation=no on either side: no NAT-T VID, no NAT-D, no float even behind a NAT (the
 * tunnel still comes up; ESP through the NAT is then the operator's problem). */
static void case_off(void)
{
	for (int who = 0; who < 2; who++) {
		struct h_world w;
		h_init(&w, false, 71 + (uint64_t)who);
		h_nat(&w, 0);
		w.tap = tap_payloads;
		memset(natd_rfc, 0, sizeof(natd_rfc));
		memset(natd_draft, 0, sizeof(natd_draft));
		w.p[who].conn.no_natt = true;
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		const struct proto_ike_event *ca = up(&w);
		const struct proto_ike_event *pa = h_event(&w.p[0], PROTO_IKE_EV_P1_UP, 0);
		const struct proto_ike_event *pb = h_event(&w.p[1], PROTO_IKE_EV_P1_UP, 0);
		if (CHECK(ca && pa && pb)) {
			CHECK(!pa->u.p1.nat_local && !pb->u.p1.nat_peer);
			CHECK(!pa->u.p1.natt && !pb->u.p1.natt);
			CHECK_EQ_INT(pa->u.p1.peer_natt, 0);
			CHECK_EQ_INT(pb->u.p1.peer_natt, 0);
			CHECK(!ca->u.child.natt);
		}
		CHECK_EQ_INT(natd_rfc[0] + natd_rfc[1] + natd_draft[0] + natd_draft[1], 0);
		CHECK_EQ_INT(w.natt_sent[0] + w.natt_sent[1], 0);
		h_free(&w);
	}
}

/* forceencaps on either side: no NAT, yet both sides encapsulate on 4500. */
static void case_force(void)
{
	for (int who = 0; who < 2; who++) {
		struct h_world w;
		h_init(&w, false, 31 + (uint64_t)who);
		w.p[who].conn.force_encaps = true;
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		const struct proto_ike_event *ca = up(&w);
		const struct proto_ike_event *cb = h_event(&w.p[1], PROTO_IKE_EV_P2_UP, 0);
		const struct proto_ike_event *pf = h_event(&w.p[who], PROTO_IKE_EV_P1_UP, 0);
		const struct proto_ike_event *po = h_event(&w.p[!who], PROTO_IKE_EV_P1_UP, 0);
		if (CHECK(ca && cb && pf && po)) {
			CHECK(pf->u.p1.nat_local);
			CHECK(po->u.p1.nat_peer && !po->u.p1.nat_local);
			CHECK(ca->u.child.natt && cb->u.child.natt);
			CHECK_EQ_INT(ca->u.child.encap_dport, 4500);
			CHECK_EQ_INT(cb->u.child.encap_dport, 4500);
		}
		CHECK(w.natt_sent[0] > 0 && w.natt_sent[1] > 0);
		CHECK(!w.bad_port);
		h_free(&w);
	}
}

/* forceencaps=yes against encapsulation=no: the initiator that forces fails at once, naming
 * the disagreement (Main and Aggressive Mode); a responder that forces only logs it. */
static void case_force_off(void)
{
	for (int k = 0; k < 3; k++) {
		struct h_world w;
		int forcer = k == 2 ? 1 : 0;
		h_init(&w, false, 81 + (uint64_t)k);
		for (int i = 0; i < 2; i++)
			w.p[i].conn.aggressive = k == 1;
		w.p[forcer].conn.force_encaps = true;
		w.p[!forcer].conn.no_natt = true;
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		if (forcer == 0) {
			const struct proto_ike_event *e =
				h_event(&w.p[0], PROTO_IKE_EV_P1_FAILED, 0);
			if (CHECK(e != NULL)) {
				CHECK_EQ_INT(e->reason, PROTO_IKE_E_NATT);
				CHECK(strstr(e->text, "forceencaps=yes") != NULL);
			}
			CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 0);
		} else {
			CHECK(up(&w) != NULL);
			CHECK(h_log_has(&w.p[1], "peer does not announce NAT-T"));
		}
		h_free(&w);
	}
}

/* A peer's RFC 3947 VID is rewritten into a draft one: NAT-D goes out as payload 130 from the
 * side that saw only the draft, and the NAT still works. The draft IDs are MD5 of their names. */
static const char *const draft_names[] = {"draft-ietf-ipsec-nat-t-ike-02",
					  "draft-ietf-ipsec-nat-t-ike-02\n",
					  "draft-ietf-ipsec-nat-t-ike-03"};
static uint8_t rfc_vid[16], draft_vid[16];

static void rewrite_vid(struct h_world *w, int to, const uint8_t *data, size_t len)
{
	tap_payloads(w, to, data, len);
	if (to != 0)
		return;
	/* the wire copy is ours to change (harness frees it after delivery) */
	uint8_t *p = (uint8_t *)data;
	for (size_t i = 0; i + 16 <= len; i++)
		if (memcmp(p + i, rfc_vid, 16) == 0)
			memcpy(p + i, draft_vid, 16);
}

static void case_draft(void)
{
	CHECK(crypto_hash(CRYPTO_HASH_MD5, (const uint8_t *)"RFC 3947", 8, rfc_vid) == 0);
	for (unsigned k = 0; k < 3; k++) {
		struct h_world w;
		h_init(&w, false, 41 + k);
		h_nat(&w, 0);
		CHECK(crypto_hash(CRYPTO_HASH_MD5, (const uint8_t *)draft_names[k],
				  strlen(draft_names[k]), draft_vid) == 0);
		w.tap = rewrite_vid;
		memset(natd_rfc, 0, sizeof(natd_rfc));
		memset(natd_draft, 0, sizeof(natd_draft));
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		const struct proto_ike_event *ca = up(&w);
		const struct proto_ike_event *pa = h_event(&w.p[0], PROTO_IKE_EV_P1_UP, 0);
		if (CHECK(ca && pa)) {
			CHECK(pa->u.p1.peer_natt && pa->u.p1.nat_local);
			CHECK(ca->u.child.natt);
		}
		CHECK_EQ_INT(natd_draft[0], 2); /* a saw only the draft VID */
		CHECK_EQ_INT(natd_rfc[1], 2);
		h_free(&w);
	}
}

static uint8_t last[2048];
static size_t last_len;

static void tap_last(struct h_world *w, int to, const uint8_t *data, size_t len)
{
	(void)w;
	if (to == 1 && len <= sizeof(last)) {
		memcpy(last, data, len);
		last_len = len;
	}
}

static uint64_t sa_of(const struct h_world *w, int who)
{
	const struct proto_ike_event *e = h_event(&w->p[who], PROTO_IKE_EV_P1_UP, 0);
	return e ? e->sa_id : 0;
}

/* R-U-THERE / ACK; then the peer goes silent and the probe times out after exactly its timeout,
 * with resends (new sequence numbers) in between. Both directions. */
static void case_dpd(void)
{
	for (int who = 0; who < 2; who++) {
		struct h_world w;
		h_init(&w, false, 51 + (uint64_t)who);
		CHECK(h_initiate(&w, 0) != 0);
		h_run(&w, RUN_MS);
		up(&w);
		struct proto_ike_engine *e = w.p[who].e;
		uint64_t id = sa_of(&w, who);
		CHECK_EQ_INT(proto_ike_dpd_probe(e, id, 10000), 0);
		CHECK_EQ_INT(proto_ike_dpd_probe(e, id, 10000), -EALREADY);
		CHECK_EQ_INT(proto_ike_dpd_probe(e, id + 1000, 10000), -ENOENT);
		h_run(&w, RUN_MS);
		CHECK_EQ_INT(h_count(&w.p[who], PROTO_IKE_EV_DPD_ACK), 1);
		CHECK_EQ_INT(h_count(&w.p[who], PROTO_IKE_EV_DPD_DEAD), 0);
		const struct proto_ike_event *ack = h_event(&w.p[who], PROTO_IKE_EV_DPD_ACK, 0);
		uint32_t seq1 = ack ? ack->u.dpd.seq : 0;
		CHECK(seq1 != 0 && seq1 < 0x80000000u);
		/* a second probe uses the next number */
		CHECK_EQ_INT(proto_ike_dpd_probe(e, id, 10000), 0);
		h_run(&w, RUN_MS);
		ack = h_event(&w.p[who], PROTO_IKE_EV_DPD_ACK, 1);
		CHECK(ack && ack->u.dpd.seq == seq1 + 1);
		/* the peer dies */
		w.blackhole_to[!who] = true;
		unsigned sent = w.sent;
		uint64_t t0 = w.now;
		CHECK_EQ_INT(proto_ike_dpd_probe(e, id, 10000), 0);
		h_run(&w, RUN_MS);
		const struct proto_ike_event *dead = h_event(&w.p[who], PROTO_IKE_EV_DPD_DEAD, 0);
		CHECK_EQ_INT(h_count(&w.p[who], PROTO_IKE_EV_DPD_DEAD), 1);
		if (CHECK(dead != NULL)) {
			CHECK_EQ_INT(dead->u.dpd.seq, seq1 + 1 + 5); /* first + 4 resends at 2 s */
			CHECK_EQ_INT(dead->reason, PROTO_IKE_E_TIMEOUT);
		}
		CHECK_EQ_INT(w.now - t0, 10000);
		CHECK_EQ_INT(w.sent - sent, 5);
		/* the SA is still there for the daemon to act on */
		CHECK_EQ_INT(proto_ike_dpd_probe(e, id, 1000), 0);
		h_free(&w);
	}
	/* a peer without the DPD vendor ID is never probed: covered by -EOPNOTSUPP */
}

/* The NAT in front of a gives it a new port: b moves the SA there on the next authenticated
 * message (a DPD probe) and tells the daemon; its answer goes to the new port. */
static void case_mapping(void)
{
	struct h_world w;
	h_init(&w, false, 61);
	h_nat(&w, 0);
	w.tap = tap_last;
	CHECK(h_initiate(&w, 0) != 0);
	h_run(&w, RUN_MS);
	up(&w);
	w.nat[0].port4500 = 45123;
	CHECK_EQ_INT(proto_ike_dpd_probe(w.p[0].e, sa_of(&w, 0), 10000), 0);
	h_run(&w, RUN_MS);
	CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_DPD_ACK), 1);
	CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_PEER_MOVED), 1);
	const struct proto_ike_event *mv = h_event(&w.p[1], PROTO_IKE_EV_PEER_MOVED, 0);
	if (CHECK(mv != NULL)) {
		CHECK_EQ_INT(mv->u.moved.old_peer.port, 44500);
		CHECK_EQ_INT(mv->peer.port, 45123);
		CHECK(memcmp(mv->peer.addr, w.nat[0].pub.addr, 4) == 0);
	}
	CHECK_EQ_INT(w.last_dport[1], 45123);
	/* a tampered copy of a's last datagram, from yet another port, does not move the SA */
	if (CHECK(last_len > 40)) {
		last[last_len - 1] ^= 0x55;
		struct proto_ike_addr local = w.p[1].addr, src = w.nat[0].pub;
		local.port = 4500;
		src.port = 47000;
		proto_ike_input(w.p[1].e, last, last_len, &local, &src, true);
		h_run(&w, RUN_MS);
		CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_PEER_MOVED), 1);
		CHECK_EQ_INT(proto_ike_dpd_probe(w.p[1].e, sa_of(&w, 1), 10000), 0);
		h_run(&w, RUN_MS);
		CHECK_EQ_INT(w.last_dport[1], 45123);
		CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_DPD_ACK), 1);
	}
	h_free(&w);
}

static const struct h_case cases[] = {
	{"nat-mm", case_nat_mm}, {"nat-am", case_nat_am},
	{"nat-oa", case_nat_oa}, {"no-nat", case_no_nat},
	{"force", case_force},	 {"draft", case_draft},
	{"dpd", case_dpd},	 {"mapping", case_mapping},
	{"off", case_off},	 {"force-off", case_force_off},
};

int main(int argc, char **argv)
{
	return h_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv) ? TEST_END() : 1;
}
