/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Phase-2 algorithms as negotiated (RFC 2407 ESP/AH transform IDs and authentication algorithms)
 * to the kernel's algorithm names. The kernel names themselves are xfrm/'s table (xfrm_algs[]);
 * this table only says which row each IKEv1 value means.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct dmn_kalg {
	const char *kernel; /* a name from xfrm_algs[] */
	uint16_t bits;      /* ICV bits (AEAD) or truncation bits (auth) */
	bool aead;
};

/* The kernel cipher for an ESP transform ID; NULL when the kernel path has none. */
const struct dmn_kalg *dmn_kalg_esp(uint16_t transform);
/* The kernel integrity algorithm for an IPsec authentication algorithm (RFC 2407 §4.5). */
const struct dmn_kalg *dmn_kalg_auth(uint16_t auth);
/* Short names for status lines ("aes128gcm16", "hmac-sha256"). */
const char *dmn_kalg_esp_name(uint16_t transform);
const char *dmn_kalg_auth_name(uint16_t auth);
