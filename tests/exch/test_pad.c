// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Plaintext padding as Libreswan sends it (ikepad=yes, its default): zero bytes after the last
 * payload of every unencrypted message, counted in the ISAKMP header length. 1..3 such bytes (all
 * alignment to 4 octets can need) must not stop Main or Aggressive Mode in either role; 4 zero
 * bytes, or a non-zero one, still do, and the receiver says so in one line naming the offset.
 * One meson test per case (argv[1]).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/consts.h"
#include "tests/exch/harness.h"
#include "tests/testutil.h"

#define RUN_MS 600000u

static size_t pad_len;
static uint8_t pad_byte;
static unsigned padded;

/* Appends pad_len bytes of pad_byte to every unencrypted ISAKMP message on port 500 and
 * raises its header length to match. */
static void mangle_pad(struct h_world *w, struct h_pkt *pk)
{
	(void)w;
	if (pk->natt || pk->len < PROTO_HDR_LEN || (pk->data[19] & ISAKMP_FLAG_E))
		return;
	uint8_t *d = realloc(pk->data, pk->len + pad_len);
	if (!d)
		return;
	memset(d + pk->len, pad_byte, pad_len);
	pk->data = d;
	pk->len += pad_len;
	d[24] = (uint8_t)(pk->len >> 24);
	d[25] = (uint8_t)(pk->len >> 16);
	d[26] = (uint8_t)(pk->len >> 8);
	d[27] = (uint8_t)pk->len;
	padded++;
}

/* A negotiation started by who, every plaintext message padded with n bytes of byte b. */
static void run(int who, bool aggressive, size_t n, uint8_t b, struct h_world *w)
{
	h_init(w, false, 70 + (uint64_t)who + n);
	for (int i = 0; i < 2; i++)
		w->p[i].conn.aggressive = aggressive;
	pad_len = n;
	pad_byte = b;
	padded = 0;
	w->mangle = mangle_pad;
	CHECK(h_initiate(w, who) != 0);
	h_run(w, RUN_MS);
}

static void case_accepted(bool aggressive)
{
	for (int who = 0; who < 2; who++)
		for (size_t n = 1; n <= PROTO_PLAIN_PAD_MAX; n++) {
			struct h_world w;
			run(who, aggressive, n, 0, &w);
			CHECK(padded >= (aggressive ? 2u : 4u));
			for (int i = 0; i < 2; i++) {
				CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P1_UP), 1);
				CHECK_EQ_INT(h_count(&w.p[i], PROTO_IKE_EV_P2_UP), 1);
			}
			h_free(&w);
		}
}

static void case_am(void)
{
	case_accepted(true);
}

static void case_mm(void)
{
	case_accepted(false);
}

/* 4 zero bytes, or 1 non-zero byte: the first message is refused where its payloads end, said
 * once in the responder's log, and no SA comes up. */
static void case_refused(void)
{
	static const struct {
		size_t n;
		uint8_t b;
	} bad[] = {{4, 0}, {1, 0x01}, {3, 0x80}};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct h_world w;
		run(0, true, bad[k].n, bad[k].b, &w);
		CHECK_EQ_INT(h_count(&w.p[1], PROTO_IKE_EV_P1_UP), 0);
		CHECK_EQ_INT(h_count(&w.p[0], PROTO_IKE_EV_P1_UP), 0);
		if (!CHECK(h_log_has(&w.p[1], "malformed message in AM_R_START dropped: payload "
					      "lengths do not add up to the container at byte")))
			fprintf(stderr, "  responder log:\n%s\n", w.p[1].log);
		h_free(&w);
	}
}

static const struct h_case cases[] = {
	{"pad-am", case_am},
	{"pad-mm", case_mm},
	{"pad-refused", case_refused},
};

int main(int argc, char **argv)
{
	return h_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv) ? TEST_END() : 1;
}
