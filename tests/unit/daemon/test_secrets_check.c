// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmn_secrets_check_conns: a PSK conn that no entry of ipsec.secrets can ever match is an error
 * at its "conn" line (the daemon refuses such a configuration, and so does --check-config);
 * road warriors whose key is keyed by %any or by the gateway's ID pass, as do conns that
 * negotiate nothing.
 */
#include "daemon/secrets.h"
#include "tests/unit/daemon/cfgtest.h"

#define S2S "conn a\n\tleft=192.0.2.1\n\tright=203.0.113.2\n\tauto=add\n"

/* The number of errors the check adds for conf and secrets (NULL: no secrets file); -1 when
 * either does not parse. want_sub, if given, must be in an error at line 1. */
static int check(const char *conf, const char *secrets, const char *want_sub)
{
	struct dmn_diags d = {0};
	struct dmn_config *c = cfg_parse(conf, &d);
	struct dmn_secrets *s = NULL;
	int n = -1;
	if (secrets &&
	    dmn_secrets_parse_buffer("t.secrets", secrets, strlen(secrets), NULL, &d, &s) < 0)
		c = (dmn_config_free(c), NULL);
	if (c) {
		unsigned before = d.n_errors;
		n = (int)dmn_secrets_check_conns(s, c, &d);
		CHECK_EQ_INT(d.n_errors - before, (unsigned)n);
	}
	if (want_sub && !CHECK(cfg_has(&d, DMN_DIAG_ERROR, 1, want_sub))) {
		fprintf(stderr, "  wanted '%s' for:\n%s", want_sub, conf);
		cfg_show(&d);
	}
	dmn_config_free(c);
	dmn_secrets_free(s);
	dmn_diags_free(&d);
	return n;
}

static void site_to_site(void)
{
	CHECK_EQ_INT(check(S2S, "192.0.2.1 203.0.113.2 : PSK \"k\"\n", NULL), 0);
	CHECK_EQ_INT(check(S2S, "203.0.113.2 192.0.2.1 : PSK \"k\"\n", NULL), 0);
	CHECK_EQ_INT(check(S2S, "203.0.113.2 : PSK \"k\"\n", NULL), 0);
	CHECK_EQ_INT(check(S2S, ": PSK \"k\"\n", NULL), 0);
	CHECK_EQ_INT(check(S2S, "%any : PSK \"k\"\n", NULL), 0);
	/* another pair only: an error naming the conn, both IDs and the line to add */
	CHECK_EQ_INT(check(S2S, "192.0.2.1 203.0.113.9 : PSK \"k\"\n",
			   "conn 'a': no pre-shared key in ipsec.secrets for IDs 192.0.2.1 and "
			   "203.0.113.2"),
		     1);
	CHECK_EQ_INT(check(S2S, "192.0.2.7 : PSK \"k\"\n", "'192.0.2.1 203.0.113.2 : PSK"), 1);
	/* no secrets file, or one with no PSK at all */
	CHECK_EQ_INT(check(S2S, NULL, "could never authenticate"), 1);
	CHECK_EQ_INT(check(S2S, ": XAUTH alice \"pw\"\n", "could never authenticate"), 1);
	/* IDs, when set, select the key: an address-keyed entry does not do for @IDs */
	CHECK_EQ_INT(check(S2S "\tleftid=@a.example.org\n\trightid=@b.example.org\n",
			   "192.0.2.1 203.0.113.2 : PSK \"k\"\n",
			   "IDs @a.example.org and @b.example.org"),
		     1);
	CHECK_EQ_INT(check(S2S "\tleftid=@a.example.org\n\trightid=@b.example.org\n",
			   "@b.example.org @a.example.org : PSK \"k\"\n", NULL),
		     0);
	/* two conns, one without: one error */
	CHECK_EQ_INT(check(S2S "conn b\n\tleft=192.0.2.1\n\tright=203.0.113.3\n\tauto=add\n",
			   "192.0.2.1 203.0.113.2 : PSK \"k\"\n", NULL),
		     1);
}

static void road_warriors(void)
{
	static const char rw[] = "conn rw\n\tleft=%defaultroute\n\tleftid=@gw.example.org\n"
				 "\tright=%any\n\trightid=%any\n\tauto=add\n";
	CHECK_EQ_INT(check(rw, "@gw.example.org @alice.example.org : PSK \"k\"\n", NULL), 0);
	CHECK_EQ_INT(check(rw, "@gw.example.org %any : PSK \"k\"\n", NULL), 0);
	CHECK_EQ_INT(check(rw, "%any : PSK \"k\"\n", NULL), 0);
	/* the gateway's own ID must be in the entry (or %any) */
	CHECK_EQ_INT(check(rw, "@other.example.org @alice.example.org : PSK \"k\"\n",
			   "IDs @gw.example.org and %any"),
		     1);
	/* right=%any without rightid: any peer address, so any entry may be its key */
	CHECK_EQ_INT(check("conn rw\n\tleft=192.0.2.1\n\tright=%any\n\tauto=add\n",
			   "192.0.2.1 198.51.100.7 : PSK \"k\"\n", NULL),
		     0);
	/* a named client: its ID must be there */
	static const char named[] = "conn rw\n\tleft=%defaultroute\n\tleftid=@gw.example.org\n"
				    "\tright=%any\n\trightid=@alice.example.org\n\tauto=add\n";
	CHECK_EQ_INT(check(named, "@gw.example.org @alice.example.org : PSK \"k\"\n", NULL), 0);
	CHECK_EQ_INT(check(named, "@alice.example.org : PSK \"k\"\n", NULL), 0);
	CHECK_EQ_INT(check(named, "@gw.example.org @bob.example.org : PSK \"k\"\n",
			   "IDs @gw.example.org and @alice.example.org"),
		     1);
	/* left=%defaultroute without leftid: this host's address is only known at run time */
	CHECK_EQ_INT(check("conn c\n\tleft=%defaultroute\n\tright=203.0.113.2\n\tauto=add\n",
			   "192.0.2.9 203.0.113.2 : PSK \"k\"\n", NULL),
		     0);
	/* right= a hostname without rightid: the peer's address as the ID, known at run time */
	CHECK_EQ_INT(check("conn c\n\tleft=192.0.2.1\n\tright=vpn.example.org\n\tauto=add\n",
			   "192.0.2.1 198.51.100.5 : PSK \"k\"\n", NULL),
		     0);
}

/* Conns that negotiate nothing need no key. */
static void no_negotiation(void)
{
	CHECK_EQ_INT(check("conn p\n\tleft=192.0.2.1\n\tright=203.0.113.2\n\ttype=passthrough\n"
			   "\tauto=route\n",
			   NULL, NULL),
		     0);
	CHECK_EQ_INT(check("conn p\n\tleft=192.0.2.1\n\tright=203.0.113.2\n\ttype=drop\n"
			   "\tauto=route\n",
			   NULL, NULL),
		     0);
	CHECK_EQ_INT(
		check("conn t\n\tleft=192.0.2.1\n\tright=203.0.113.2\n\tauto=ignore\n", NULL, NULL),
		0);
}

int main(void)
{
	site_to_site();
	road_warriors();
	no_negotiation();
	return TEST_END();
}
