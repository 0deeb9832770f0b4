// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Load-time checks of keywords that act (issue 15): values the daemon cannot honour are refused
 * with the conn's file and line.
 */
#include "tests/unit/daemon/cfgtest.h"

#define CONN "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"

/* Parses CONN plus the lines; true when it loads without an error. */
static bool loads(const char *lines)
{
	char text[512];
	snprintf(text, sizeof(text), "%s%s", CONN, lines);
	struct dmn_diags d;
	struct dmn_config *c = cfg_parse(text, &d);
	bool ok = c && d.n_errors == 0;
	dmn_config_free(c);
	dmn_diags_free(&d);
	return ok;
}

static void retransmit(void)
{
	EXPECT_ERROR(CONN "\tauto=add\n\tretransmit-timeout=0\n", 1,
		     "retransmit-timeout must be at least 1s");
	CHECK(loads("\tauto=add\n\tretransmit-timeout=1\n\tretransmit-interval=2000\n"));
}

/* installpolicy=no installs SAs only: auto=route (and ondemand) would have no trap policies. */
static void installpolicy(void)
{
	EXPECT_ERROR(CONN "\tinstallpolicy=no\n\tauto=route\n", 1,
		     "auto=route needs the trap policies that installpolicy=no leaves out");
	EXPECT_ERROR(CONN "\tinstallpolicy=no\n\tauto=ondemand\n", 1, "installpolicy=no");
	CHECK(loads("\tinstallpolicy=no\n\tauto=start\n"));
	CHECK(loads("\tinstallpolicy=yes\n\tauto=route\n"));
}

int main(void)
{
	retransmit();
	installpolicy();
	return TEST_END();
}
