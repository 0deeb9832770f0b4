/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Minimal assertions for oakley's unit tests. Each CHECK that fails prints file:line and the
 * expression and counts a failure; TEST_END() returns the process status (0 or 1): 1 also when no
 * check ran at all, since a test that checked nothing proves nothing. A test that cannot run prints
 * "SKIP: why" and exits 77 (TEST_SKIP), which meson reports as skipped.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned test_failures;
static unsigned test_checks;

#define CHECK(cond)                                                                                \
	(test_checks++,                                                                            \
	 (cond) ? 1                                                                                \
		: (fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond),        \
		   test_failures++, 0))

#define CHECK_EQ_INT(a, b)                                                                         \
	(test_checks++,                                                                            \
	 ((long long)(a) == (long long)(b))                                                        \
		 ? 1                                                                               \
		 : (fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__,    \
			    __LINE__, #a, #b, (long long)(a), (long long)(b)),                     \
		    test_failures++, 0))

#define CHECK_MEM(a, b, n)                                                                         \
	(test_checks++, memcmp((a), (b), (n)) == 0                                                 \
				? 1                                                                \
				: (fprintf(stderr, "%s:%d: CHECK failed: memcmp(%s, %s, %s)\n",    \
					   __FILE__, __LINE__, #a, #b, #n),                        \
				   test_failures++, 0))

#define TEST_SKIP(why) (printf("SKIP: %s\n", (why)), exit(77))

#define TEST_END()                                                                                 \
	(printf("%u checks, %u failed%s\n", test_checks, test_failures,                            \
		test_checks ? "" : " (no check ran: failure)"),                                    \
	 test_failures || !test_checks ? 1 : 0)

/* Parses a hex string (whitespace ignored) into out; returns the byte count or -1. */
static inline int test_unhex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *hex; hex++) {
		int v;
		char ch = *hex;
		if (ch == ' ' || ch == '\n' || ch == '\t')
			continue;
		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v = ch - 'A' + 10;
		else
			return -1;
		if (hi < 0) {
			hi = v;
		} else {
			if (n >= cap)
				return -1;
			out[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return hi < 0 ? (int)n : -1;
}
