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

/* The check looks entries up by ID (daemon/secrets_check.c): it must agree with the daemon's own
 * lookup, dmn_secrets_has_psk, conn by conn, for a mix of one-ID, two-ID, three-ID and %any
 * entries, FQDNs in other cases, and a hub whose every entry names its own ID. */
static void index_agrees(void)
{
	static const char *const ids[] = {"192.0.2.1",	    "192.0.2.2",      "@a.example.org",
					  "@B.example.org", "@b.EXAMPLE.org", "c@example.org",
					  "2001:db8::1",    "198.51.100.7",   "@d.example.org"};
	const size_t n_ids = sizeof(ids) / sizeof(ids[0]);
	static char conf[64 * 1024], sec[16 * 1024];
	uint32_t rnd = 12345;
	size_t cl = 0, sl = 0, n_conns = 0;
	for (size_t i = 0; i < 12; i++) { /* entries: two one-ID, the others two or three IDs */
		rnd = rnd * 1103515245u + 12345u;
		unsigned k = i < 2 ? 1 : 2 + (rnd >> 16) % 2;
		for (unsigned j = 0; j < k; j++) {
			rnd = rnd * 1103515245u + 12345u;
			sl += (size_t)snprintf(sec + sl, sizeof(sec) - sl, "%s ",
					       (rnd >> 16) % 29 == 0 ? "%any"
								     : ids[(rnd >> 16) % n_ids]);
		}
		sl += (size_t)snprintf(sec + sl, sizeof(sec) - sl, ": PSK \"k%zu\"\n", i);
	}
	for (size_t a = 0; a < n_ids; a++)
		for (size_t b = 0; b < n_ids; b++, n_conns++)
			cl += (size_t)snprintf(conf + cl, sizeof(conf) - cl,
					       "conn c%zu\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"
					       "\tleftid=%s\n\trightid=%s\n\tauto=add\n",
					       n_conns, ids[a], ids[b]);
	struct dmn_diags d = {0};
	struct dmn_config *c = cfg_parse(conf, &d);
	struct dmn_secrets *s = NULL;
	CHECK_EQ_INT(dmn_secrets_parse_buffer("t.secrets", sec, sl, NULL, &d, &s), 0);
	if (!CHECK(c && s && c->n_conns == n_conns)) {
		cfg_show(&d);
	} else {
		unsigned want = 0, before = d.n_errors;
		for (size_t i = 0; i < c->n_conns; i++)
			want += !dmn_secrets_has_psk(s, &c->conns[i]->left.id,
						     &c->conns[i]->right.id);
		unsigned n = dmn_secrets_check_conns(s, c, &d);
		CHECK_EQ_INT(n, want);
		CHECK_EQ_INT(d.n_errors - before, want);
		for (size_t i = 0; i < c->n_conns; i++) {
			bool has = dmn_secrets_has_psk(s, &c->conns[i]->left.id,
						       &c->conns[i]->right.id);
			char sub[128];
			snprintf(sub, sizeof(sub), "conn '%s': no pre-shared key",
				 c->conns[i]->name);
			if (!CHECK(cfg_has(&d, DMN_DIAG_ERROR, c->conns[i]->line, sub) == !has))
				fprintf(stderr, "  conn %s: linear lookup %d\n", c->conns[i]->name,
					has);
		}
		printf("index agrees with the linear lookup: %zu conns, %u without a key\n",
		       c->n_conns, want);
		CHECK(want > 0 && want < c->n_conns); /* both outcomes exercised */
	}
	dmn_config_free(c);
	dmn_secrets_free(s);
	dmn_diags_free(&d);
}

/* A hub: 500 per-peer entries that all name the hub's address, the conn's entry last. */
static void hub(void)
{
	static char conf[64 * 1024], sec[32 * 1024];
	size_t cl = 0, sl = 0;
	for (unsigned i = 0; i < 500; i++) {
		sl += (size_t)snprintf(sec + sl, sizeof(sec) - sl,
				       "192.0.2.1 198.51.100.%u : PSK \"k%u\"\n%s", i % 250 + 1, i,
				       i == 249 ? "192.0.2.1 203.0.113.1 : PSK \"z\"\n" : "");
		if (i < 250)
			cl += (size_t)snprintf(conf + cl, sizeof(conf) - cl,
					       "conn c%u\n\tleft=192.0.2.1\n\tright=198.51.100.%u\n"
					       "\tauto=add\n",
					       i, 250 - i);
	}
	cl += (size_t)snprintf(conf + cl, sizeof(conf) - cl,
			       "conn lost\n\tleft=192.0.2.1\n\tright=203.0.113.2\n\tauto=add\n");
	struct dmn_diags d = {0};
	struct dmn_config *c = cfg_parse(conf, &d);
	struct dmn_secrets *s = NULL;
	CHECK_EQ_INT(dmn_secrets_parse_buffer("t.secrets", sec, sl, NULL, &d, &s), 0);
	if (CHECK(c && s)) {
		CHECK_EQ_INT(dmn_secrets_check_conns(s, c, &d), 1);
		CHECK(cfg_has(&d, DMN_DIAG_ERROR, 0, "conn 'lost': no pre-shared key"));
	}
	dmn_config_free(c);
	dmn_secrets_free(s);
	dmn_diags_free(&d);
}

int main(void)
{
	site_to_site();
	road_warriors();
	no_negotiation();
	index_agrees();
	hub();
	return TEST_END();
}
