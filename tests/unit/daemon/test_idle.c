// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * inactivity= bookkeeping (daemon/idle.c): samples every quarter of the time (250 ms to 10 s), the
 * idle time counted from the last change of the byte counters, never idle with inactivity 0.
 */
#include <stdio.h>

#include "daemon/idle.h"
#include "tests/testutil.h"

/* Samples every due moment from t0 to t1 with constant bytes; returns when it said idle (0: not).
 */
static uint64_t run_idle(struct dmn_idle *s, uint64_t t0, uint64_t t1, uint64_t bytes,
			 uint32_t inactivity_s)
{
	for (uint64_t t = t0; t <= t1; t += 50)
		if (dmn_idle_due(s, t) && dmn_idle_sample(s, bytes, t, inactivity_s))
			return t;
	return 0;
}

int main(void)
{
	struct dmn_idle s = {0};
	/* 20 s: a sample every 5 s; no traffic at all: idle 20 s after the first sample */
	CHECK(dmn_idle_due(&s, 1000));
	CHECK(!dmn_idle_sample(&s, 0, 1000, 20));
	CHECK_EQ_INT(s.next_ms, 6000);
	CHECK_EQ_INT(run_idle(&s, 1050, 100000, 0, 20), 21000);
	/* traffic at 3 s (counters moved by the 6 s sample): idle 20 s after that sample */
	s = (struct dmn_idle){0};
	CHECK(!dmn_idle_sample(&s, 100, 1000, 20));
	CHECK_EQ_INT(run_idle(&s, 1050, 5999, 100, 20), 0);
	CHECK(!dmn_idle_sample(&s, 180, 6000, 20)); /* inbound or outbound: the sum moved */
	CHECK_EQ_INT(s.since_ms, 6000);
	CHECK_EQ_INT(run_idle(&s, 6050, 100000, 180, 20), 26000);
	/* short and long times: samples at least 250 ms and at most 10 s apart */
	s = (struct dmn_idle){0};
	dmn_idle_sample(&s, 0, 1000, 0);
	CHECK_EQ_INT(s.next_ms, 1250);
	CHECK_EQ_INT(run_idle(&s, 1050, 1000000, 0, 0), 0); /* inactivity 0: never idle */
	s = (struct dmn_idle){0};
	dmn_idle_sample(&s, 0, 1000, 3600);
	CHECK_EQ_INT(s.next_ms, 11000);
	CHECK_EQ_INT(run_idle(&s, 1050, 4000000, 0, 3600), 3601000);
	/* a busy tunnel: the counters move at every sample, it is never idle */
	s = (struct dmn_idle){0};
	uint64_t b = 0, idle = 0;
	for (uint64_t t = 1000; t < 200000 && !idle; t += 250)
		if (dmn_idle_due(&s, t) && dmn_idle_sample(&s, b += 84, t, 5))
			idle = t;
	CHECK_EQ_INT(idle, 0);
	return TEST_END();
}
