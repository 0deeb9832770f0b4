/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sample ISAKMP messages built with the proto/ encoder: the plaintext layouts of Main Mode
 * (MM1..MM6, RFC 2409 §5), Aggressive Mode (§5), Quick Mode (§5.5), Informational (§5.7, RFC 3706),
 * Transaction (mode-cfg), NAT-T (RFC 3947) and Cisco fragments, covering every payload type.
 * Shared by the round-trip test, the tshark cross-check and the fuzz corpus generator.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SAMPLE_BUF  2048
#define SAMPLES_MAX 40

struct sample {
	const char *name;
	bool nat_t;	/* send on UDP 4500 with the non-ESP marker */
	bool encrypted; /* body is opaque (E flag) */
	size_t len;
	uint8_t buf[SAMPLE_BUF];
};

extern const uint8_t sample_icookie[8];
extern const uint8_t sample_rcookie[8];
extern const uint8_t sample_vid_rfc3947[16];
extern const uint8_t sample_del_spis[8];
extern const uint8_t sample_dn[24];
extern const uint8_t sample_cert[324];

/* Builds every sample into out (at most max); returns the count, or 0 if one failed to build. */
size_t samples_build(struct sample *out, size_t max);
