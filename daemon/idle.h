/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inactivity=: when a child has carried no traffic for a while. Pure bookkeeping over samples of
 * the kernel's byte counters (inbound plus outbound SA); the caller reads the counters and closes
 * the child.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Samples are taken every quarter of the inactivity time, within these bounds. */
#define DMN_IDLE_SAMPLE_MIN_MS 250u
#define DMN_IDLE_SAMPLE_MAX_MS 10000u

struct dmn_idle {
	uint64_t bytes;	   /* the counters' sum at the last sample */
	uint64_t since_ms; /* last change seen (or the first sample); 0 = not started */
	uint64_t next_ms;  /* next sample due */
};

/* True when a sample is due at now. */
bool dmn_idle_due(const struct dmn_idle *s, uint64_t now);

/* Records a sample of the byte counters taken at now and plans the next one. Returns true when
 * they have not changed for inactivity_s seconds (0: never). */
bool dmn_idle_sample(struct dmn_idle *s, uint64_t bytes, uint64_t now, uint32_t inactivity_s);
