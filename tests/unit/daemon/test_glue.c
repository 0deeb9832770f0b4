// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon glue in-process (issue 21): two oakleyd instances on one loop (glue_harness.h), each
 * with a fake kernel, no root, no namespace, no socket. Each case brings conns up and down through
 * the daemon's own entry points and checks what each kernel was asked to hold and what the
 * daemon's records say.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/ike_glue.h"
#include "glue_harness.h"
#include "tests/testutil.h"

#define PSK "192.0.2.1 198.51.100.1 : PSK \"glue-test-secret-0123456789\"\n"

/* conn net: left 10.1.0.0/24 <-> right 10.2.0.0/24; extra lines go at the end of the conn. */
static char conf_buf[4096];
static const char *conf(const char *setup, const char *extra)
{
	snprintf(conf_buf, sizeof(conf_buf),
		 "config setup\n%s\n"
		 "conn net\n"
		 "    keyexchange=ikev1\n"
		 "    authby=secret\n"
		 "    left=192.0.2.1\n"
		 "    right=198.51.100.1\n"
		 "    leftsubnet=10.1.0.0/24\n"
		 "    rightsubnet=10.2.0.0/24\n"
		 "    ike=aes128-sha256-modp2048!\n"
		 "    esp=aes128-sha256!\n"
		 "    keyingtries=1\n"
		 "    auto=add\n%s\n",
		 setup ? setup : "", extra ? extra : "");
	return conf_buf;
}

struct want {
	const struct gw *g;
	const char *conn;
	unsigned n;
};

__attribute__((unused)) static bool has_children(void *arg)
{
	const struct want *w = arg;
	return gw_children(w->g, w->conn, false) == w->n;
}

static bool both_up(void *arg)
{
	const char *conn = arg;
	const struct dmn_child *l = gw_child(&gw_left, conn), *r = gw_child(&gw_right, conn);
	return l && r && dmn_child_installed(l) && dmn_child_installed(r);
}

static bool children_gone(void *arg)
{
	const char *conn = arg;
	return gw_children(&gw_left, conn, true) == 0 && gw_children(&gw_right, conn, true) == 0;
}

static void start_both(const char *setup, const char *extra)
{
	gw_setup();
	CHECK_EQ_INT(gw_start(&gw_left, conf(setup, extra), PSK), 0);
	CHECK_EQ_INT(gw_start(&gw_right, conf(setup, extra), PSK), 0);
}

/* The child of conn net up on both sides: one SA pair each, the SPIs crossed, policies. */
static bool bring_up(void)
{
	CHECK_EQ_INT(dmn_ike_initiate(gw_left.d, "net"), 0);
	if (!CHECK(gw_run_until(both_up, "net", 20000)))
		return false;
	const struct dmn_child *l = gw_child(&gw_left, "net"), *r = gw_child(&gw_right, "net");
	CHECK_EQ_INT(l->spi_in, r->spi_out);
	CHECK_EQ_INT(l->spi_out, r->spi_in);
	return true;
}

static void case_up_down(void)
{
	start_both(NULL, NULL);
	if (bring_up()) {
		const struct dmn_child *l = gw_child(&gw_left, "net");
		uint32_t spi_in = l->spi_in, spi_out = l->spi_out;
		CHECK_EQ_INT(fk_n_sas(&gw_left.k, IPPROTO_ESP), 2);
		CHECK_EQ_INT(fk_n_sas(&gw_right.k, IPPROTO_ESP), 2);
		/* out, in and fwd on each side */
		CHECK_EQ_INT(fk_n_pols(&gw_left.k), 3);
		CHECK_EQ_INT(fk_n_pols(&gw_right.k), 3);
		struct fk_sa *in = fk_find_sa(&gw_left.k, IPPROTO_ESP, spi_in);
		struct fk_sa *out = fk_find_sa(&gw_left.k, IPPROTO_ESP, spi_out);
		if (CHECK(in && out)) {
			CHECK_EQ_INT(in->sa.mode, XFRM_MODE_TUNNEL);
			CHECK_EQ_INT(in->sa.src.bytes[0], 198); /* from right */
			CHECK_EQ_INT(out->sa.dst.bytes[0], 198);
			CHECK_EQ_INT(out->sa.reqid, in->sa.reqid);
		}
		CHECK_EQ_INT(gw_sas(&gw_left, "net"), 1);
		CHECK_EQ_INT(gw_sas(&gw_right, "net"), 1);
		/* operator down on left: DELETE to right, both remove SAs and policies */
		CHECK_EQ_INT(dmn_ike_terminate(gw_left.d, "net"), 1); /* ISAKMP SAs */
		CHECK(gw_run_until(children_gone, "net", 10000));
		CHECK_EQ_INT(fk_n_sas(&gw_left.k, 0), 0);
		CHECK_EQ_INT(fk_n_sas(&gw_right.k, 0), 0);
		CHECK_EQ_INT(fk_n_pols(&gw_left.k), 0);
		CHECK_EQ_INT(fk_n_pols(&gw_right.k), 0);
		CHECK(gw_right.k.calls[FK_SA_DEL] >= 2);
	}
	gw_teardown();
}

int main(void)
{
	case_up_down();
	return TEST_END();
}
