/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crypto_dh_new with fresh bytes from getrandom(2), as the daemon's proto_env draws them: for the
 * tests and benchmarks that need a random key pair outside the engine (crypto/ draws none).
 */
#pragma once

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "crypto/dh.h"

static inline int test_dh_new_random(unsigned group, struct crypto_dh **ret)
{
	uint8_t rnd[CRYPTO_DH_RANDOM_MAX];
	size_t n = crypto_dh_random_len(group);
	if (n > sizeof(rnd) || getrandom(rnd, n, 0) != (ssize_t)n)
		return -EIO;
	int r = crypto_dh_new(group, rnd, n, ret);
	explicit_bzero(rnd, sizeof(rnd));
	return r;
}
