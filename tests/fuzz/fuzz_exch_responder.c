// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: an IKEv1 responder engine (peer b of tests/exch/harness.c) is brought to a
 * state by a real initiator (peer a), then gets the fuzz input as the next datagram from a's
 * address, and the pair runs on (without advancing time) so whatever the input started completes.
 *
 * Input: byte 0 picks the state (mod 6), the rest is the datagram:
 *   0  fresh responder (Main Mode)       the input plays MM1
 *   1  Main Mode after MM1               plays MM3
 *   2  Main Mode after MM3 (keys ready)  plays MM5 (encrypted)
 *   3  phase 1 established               plays a Quick Mode / Informational message
 *   4  fresh responder, aggressive conn  plays AM1
 *   5  Aggressive Mode after AM1         plays AM3
 * Groups are ECP-256 to keep each run cheap. The engine must never crash, leak or read out of
 * bounds, whatever the bytes; the invariants checked: the responder holds at most one SA.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/consts.h"
#include "tests/exch/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Datagrams delivered to b before the fuzz input, per state. */
static const unsigned prefix_len[6] = {0, 1, 2, 3, 0, 1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct h_world w;
	struct proto_ike_stats st;
	if (size < 1)
		return 0;
	unsigned stage = data[0] % 6u;
	h_init(&w, false, 1);
	for (int i = 0; i < 2; i++) {
		struct proto_ike_conn *c = &w.p[i].conn;
		c->ike[0].group = IKE_GROUP_ECP256;
		c->n_ike = 1;
		c->aggressive = stage >= 4;
	}
	if (stage != 0 && stage != 4) {
		h_initiate(&w, 0);
		/* deliver every datagram to b up to the prefix; a's own inputs too (stage 3) */
		w.deliver_limit = stage == 3 ? 6 : 2 * prefix_len[stage] - 1;
		h_run(&w, 0);
	}
	w.deliver_limit = 0;
	for (unsigned i = 0; i < w.n_wire; i++)
		free(w.wire[i].data);
	w.n_wire = 0;
	proto_ike_input(w.p[1].e, data + 1, size - 1, &w.p[1].addr, &w.p[0].addr, data[0] & 0x80);
	h_run(&w, 0);
	proto_ike_get_stats(w.p[1].e, &st);
	if (st.sas > 2)
		abort();
	h_free(&w);
	return 0;
}
