// SPDX-License-Identifier: GPL-2.0-or-later
/* inactivity=: see idle.h. */
#include "daemon/idle.h"

bool dmn_idle_due(const struct dmn_idle *s, uint64_t now)
{
	return now >= s->next_ms;
}

bool dmn_idle_sample(struct dmn_idle *s, uint64_t bytes, uint64_t now, uint32_t inactivity_s)
{
	uint64_t limit = (uint64_t)inactivity_s * 1000, step = limit / 4;
	step = step < DMN_IDLE_SAMPLE_MIN_MS   ? DMN_IDLE_SAMPLE_MIN_MS
	       : step > DMN_IDLE_SAMPLE_MAX_MS ? DMN_IDLE_SAMPLE_MAX_MS
					       : step;
	s->next_ms = now + step;
	if (!s->since_ms || bytes != s->bytes) {
		s->since_ms = now;
		s->bytes = bytes;
		return false;
	}
	return inactivity_s && now - s->since_ms >= limit;
}
