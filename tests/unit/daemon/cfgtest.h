/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the config tests: parse a text, look for a diagnostic. */
#pragma once

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/config.h"
#include "tests/testutil.h"

/* Parses text named "t.conf" without includes. Returns the config or NULL (errors in *d). */
static inline struct dmn_config *cfg_parse(const char *text, struct dmn_diags *d)
{
	struct dmn_config *c = NULL;
	memset(d, 0, sizeof(*d));
	if (dmn_config_parse_buffer("t.conf", text, strlen(text), NULL, d, &c) < 0)
		return NULL;
	return c;
}

/* True when d holds a message of level at line (0 = any line) containing sub. */
static inline bool cfg_has(const struct dmn_diags *d, enum dmn_diag_level level, unsigned line,
			   const char *sub)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].level == level && (!line || d->v[i].line == line) &&
		    strstr(d->v[i].msg, sub))
			return true;
	return false;
}

/* A pretend host for dmn_config_orient(): its addresses as text, and what it was asked. */
struct cfg_fake_host {
	const char *addrs[8]; /* ended by NULL */
	unsigned calls;
	unsigned calls_not_ip; /* must stay 0: orientation asks only about IP addresses */
};

/* The is_local callback over a struct cfg_fake_host. */
static inline bool cfg_fake_is_local(const struct dmn_addr *a, void *ctx)
{
	struct cfg_fake_host *h = ctx;
	h->calls++;
	if (a->kind != DMN_ADDR_IP) {
		h->calls_not_ip++;
		return false;
	}
	for (size_t i = 0; i < 8 && h->addrs[i]; i++) {
		uint8_t b[16] = {0};
		int f = strchr(h->addrs[i], ':') ? AF_INET6 : AF_INET;
		if (inet_pton(f, h->addrs[i], b) == 1 && f == a->family &&
		    !memcmp(b, a->bytes, f == AF_INET ? 4 : 16))
			return true;
	}
	return false;
}

/* Prints the diagnostics when a check about them failed. */
static inline void cfg_show(const struct dmn_diags *d)
{
	dmn_diags_print(d, stderr);
}

/* Expects text to fail with an error at line containing sub. */
#define EXPECT_ERROR(text, line, sub)                                                              \
	do {                                                                                       \
		struct dmn_diags d_;                                                               \
		struct dmn_config *c_ = cfg_parse(text, &d_);                                      \
		CHECK(c_ == NULL);                                                                 \
		if (!CHECK(cfg_has(&d_, DMN_DIAG_ERROR, line, sub))) {                             \
			fprintf(stderr, "  wanted error at line %u with '%s' in:\n%s\n  got:\n",   \
				(unsigned)(line), sub, text);                                      \
			cfg_show(&d_);                                                             \
		}                                                                                  \
		dmn_config_free(c_);                                                               \
		dmn_diags_free(&d_);                                                               \
	} while (0)
