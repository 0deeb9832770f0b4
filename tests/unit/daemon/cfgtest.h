/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the config tests: parse a text, look for a diagnostic. */
#pragma once

#include <stdbool.h>
#include <string.h>

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
