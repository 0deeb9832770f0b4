// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmn_config_orient(): the rule that lets one conn text serve both gateways. With a pretend host
 * (a list of its addresses): left local or neither local keeps the conn as written; right local
 * swaps every per-side field; %defaultroute/%any on the left count as "not known local";
 * hostnames are never looked up; VICI conns are left alone; a second run changes nothing; and a
 * reload compares oriented conns, so an unchanged text stays equal.
 */
#include <errno.h>
#include <stdlib.h>

#include "daemon/config_int.h"
#include "daemon/secrets.h"
#include "tests/unit/daemon/cfgtest.h"

/* Every side keyword set, differently on each side. */
#define FULL_CONN                                                                                  \
	"conn full\n"                                                                              \
	"\tleft=192.0.2.10\n\tleftid=@west.example.org\n\tleftsubnet=203.0.113.0/26\n"             \
	"\tleftprotoport=tcp/80\n\tleftsourceip=203.0.113.1\n\tleftnexthop=192.0.2.1\n"            \
	"\tleftupdown=/usr/lib/west-updown\n\tleftfirewall=yes\n\tlefthostaccess=no\n"             \
	"\tleftikeport=500\n"                                                                      \
	"\tright=198.51.100.20\n\trightid=@east.example.org\n"                                     \
	"\trightsubnets={203.0.113.64/27 203.0.113.96/27}\n\trightprotoport=udp/%any\n"            \
	"\trightsourceip=203.0.113.65\n\trightnexthop=198.51.100.1\n"                              \
	"\trightupdown=/usr/lib/east-updown\n\trightfirewall=no\n\trighthostaccess=yes\n"          \
	"\trightikeport=4500\n\tauto=start\n"

static struct dmn_config *parse_ok(const char *name, const char *text)
{
	struct dmn_diags d = {0};
	struct dmn_config *c = NULL;
	int r = dmn_config_parse_buffer(name, text, strlen(text), NULL, &d, &c);
	if (!CHECK_EQ_INT(r, 0))
		cfg_show(&d);
	dmn_diags_free(&d);
	return c;
}

static bool side_is(const struct dmn_side *s, const char *host, const char *id, size_t n_subnets,
		    uint8_t proto, const char *updown, bool firewall, bool hostaccess,
		    uint16_t ikeport)
{
	struct dmn_addr h = {0};
	struct dmn_id i;
	if (dmn_cfg_parse_addr(host, false, &h) || dmn_cfg_parse_id(id, &i))
		return false;
	bool same = s->host.kind == DMN_ADDR_IP && s->host.family == h.family &&
		    !memcmp(s->host.bytes, h.bytes, 16) && dmn_id_equal(&s->id, &i) &&
		    s->n_subnets == n_subnets && s->proto == proto && s->updown &&
		    !strcmp(s->updown, updown) && s->firewall == firewall &&
		    s->hostaccess == hostaccess && s->ikeport == ikeport;
	free(h.host);
	return same;
}

static void test_keep_and_swap(void)
{
	/* left is this host: as written */
	struct cfg_fake_host west = {.addrs = {"127.0.0.1", "192.0.2.10"}};
	struct dmn_config *c = parse_ok("t.conf", FULL_CONN);
	if (!c)
		return;
	CHECK_EQ_INT(dmn_config_orient(c, cfg_fake_is_local, &west), 0);
	CHECK(!c->conns[0]->swapped);
	CHECK(side_is(&c->conns[0]->left, "192.0.2.10", "@west.example.org", 1, 6,
		      "/usr/lib/west-updown", true, false, 500));
	CHECK_EQ_INT(west.calls_not_ip, 0);

	/* right is this host: every per-side field changes place */
	struct cfg_fake_host east = {.addrs = {"198.51.100.20"}};
	CHECK_EQ_INT(dmn_config_orient(c, cfg_fake_is_local, &east), 1);
	const struct dmn_conn *k = c->conns[0];
	CHECK(k->swapped);
	CHECK(side_is(&k->left, "198.51.100.20", "@east.example.org", 2, 17, "/usr/lib/east-updown",
		      false, true, 4500));
	CHECK(side_is(&k->right, "192.0.2.10", "@west.example.org", 1, 6, "/usr/lib/west-updown",
		      true, false, 500));
	uint8_t net[4] = {203, 0, 113, 64}, src[4] = {203, 0, 113, 65}, hop[4] = {198, 51, 100, 1};
	CHECK(k->left.subnets && !memcmp(k->left.subnets[0].from, net, 4) &&
	      k->left.subnets[0].prefix == 27);
	CHECK(!memcmp(k->left.sourceip.bytes, src, 4) && !memcmp(k->left.nexthop.bytes, hop, 4));
	CHECK(k->right.subnets && k->right.subnets[0].prefix == 26 && k->right.port_lo == 80);
	CHECK_EQ_INT(east.calls_not_ip, 0);

	/* a second run on the same host: left is local now, nothing moves */
	CHECK_EQ_INT(dmn_config_orient(c, cfg_fake_is_local, &east), 0);
	CHECK(c->conns[0]->swapped && c->conns[0]->left.n_subnets == 2);
	dmn_config_free(c); /* each subnet list freed once (ASan) */

	/* neither side is this host, or both are: as written */
	struct cfg_fake_host none = {.addrs = {"192.0.2.99"}};
	struct cfg_fake_host both = {.addrs = {"198.51.100.20", "192.0.2.10"}};
	c = parse_ok("t.conf", FULL_CONN);
	CHECK(c && dmn_config_orient(c, cfg_fake_is_local, &none) == 0 && !c->conns[0]->swapped);
	CHECK(c && dmn_config_orient(c, cfg_fake_is_local, &both) == 0 && !c->conns[0]->swapped);
	dmn_config_free(c);
}

/* left= that is not an address: %defaultroute, %any, unset, a hostname. */
static void test_symbolic_left(void)
{
	static const char *const lefts[] = {"\tleft=%defaultroute\n", "\tleft=%any\n", "",
					    "\tleft=gw.example.org\n"};
	struct cfg_fake_host hq = {.addrs = {"203.0.113.80"}};
	char text[512];
	for (size_t i = 0; i < sizeof(lefts) / sizeof(lefts[0]); i++) {
		snprintf(text, sizeof(text),
			 "conn b\n%s\tleftid=@branch\n\tright=203.0.113.80\n\trightid=@hq\n"
			 "\tauto=add\n",
			 lefts[i]);
		struct dmn_config *c = parse_ok("t.conf", text);
		if (!c)
			continue;
		unsigned kind = c->conns[0]->left.host.kind;
		CHECK_EQ_INT(dmn_config_orient(c, cfg_fake_is_local, &hq), 1);
		CHECK(c->conns[0]->left.host.kind == DMN_ADDR_IP &&
		      c->conns[0]->left.id.str[0] == 'h');
		CHECK_EQ_INT(c->conns[0]->right.host.kind, kind);
		dmn_config_free(c);
	}
	/* the client of a road warrior: left=%any, right a hostname that may well be this host's
	 * name; it is not resolved, so the conn stays as written */
	struct dmn_config *c =
		parse_ok("t.conf", "conn rw\n\tleft=%any\n\tright=vpn.example.com\n\tauto=add\n");
	struct cfg_fake_host any = {.addrs = {"192.0.2.1"}};
	CHECK(c && dmn_config_orient(c, cfg_fake_is_local, &any) == 0 && !c->conns[0]->swapped);
	CHECK_EQ_INT(any.calls, 0);
	CHECK_EQ_INT(any.calls_not_ip, 0);
	dmn_config_free(c);
	/* IPv6 */
	c = parse_ok("t.conf", "conn v6\n\tleft=2001:db8:1::1\n\tright=2001:db8:2::1\n"
			       "\tleftsubnet=2001:db8:100::/48\n\tauto=add\n");
	struct cfg_fake_host v6 = {.addrs = {"192.0.2.1", "2001:db8:2::1"}};
	CHECK(c && dmn_config_orient(c, cfg_fake_is_local, &v6) == 1 &&
	      c->conns[0]->right.n_subnets == 1 && c->conns[0]->left.n_subnets == 0);
	dmn_config_free(c);
}

/* Several conns: each decided on its own; the count is of swapped conns only. VICI conns never. */
static void test_several_and_vici(void)
{
	struct cfg_fake_host h = {.addrs = {"192.0.2.2"}};
	struct dmn_config *c = parse_ok("t.conf", "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"
						  "\tauto=add\n"
						  "conn b\n\tleft=192.0.2.2\n\tright=192.0.2.1\n"
						  "\tauto=add\n"
						  "conn c\n\tleft=192.0.2.3\n\tright=192.0.2.2\n"
						  "\tauto=add\n");
	CHECK(c && dmn_config_orient(c, cfg_fake_is_local, &h) == 2);
	CHECK(c && c->conns[0]->swapped && !c->conns[1]->swapped && c->conns[2]->swapped);
	dmn_config_free(c);
	c = parse_ok(DMN_VICI_CONN_FILE,
		     "conn v\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauto=add\n");
	CHECK(c && dmn_config_orient(c, cfg_fake_is_local, &h) == 0 && !c->conns[0]->swapped);
	dmn_config_free(c);
	CHECK_EQ_INT(dmn_config_orient(NULL, cfg_fake_is_local, &h), 0);
}

/* Reload compares oriented conns: the same text loaded again on the same host is equal to the
 * running conn; left unoriented it would not be, and every swapped tunnel would be torn down. */
static void test_reload_equal(void)
{
	struct cfg_fake_host east = {.addrs = {"198.51.100.20"}};
	struct dmn_config *run = parse_ok("t.conf", FULL_CONN);
	struct dmn_config *now = parse_ok("t.conf", FULL_CONN);
	if (!run || !now)
		goto out;
	dmn_config_orient(run, cfg_fake_is_local, &east);
	CHECK(!dmn_conn_equal(run->conns[0], now->conns[0]));
	dmn_config_orient(now, cfg_fake_is_local, &east);
	CHECK(dmn_conn_equal(run->conns[0], now->conns[0]));
	/* the host lost the address: the new load is kept as written and differs */
	struct dmn_config *moved = parse_ok("t.conf", FULL_CONN);
	struct cfg_fake_host none = {.addrs = {NULL}};
	CHECK(moved && dmn_config_orient(moved, cfg_fake_is_local, &none) == 0 &&
	      !dmn_conn_equal(run->conns[0], moved->conns[0]));
	dmn_config_free(moved);
out:
	dmn_config_free(run);
	dmn_config_free(now);
}

/* The dump names a swapped conn. */
static void test_dump(void)
{
	struct cfg_fake_host east = {.addrs = {"198.51.100.20"}};
	struct dmn_config *c = parse_ok("t.conf", FULL_CONN);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!c || !f) {
		dmn_config_free(c);
		return;
	}
	dmn_config_orient(c, cfg_fake_is_local, &east);
	CHECK_EQ_INT(dmn_config_dump(c, f), 0);
	fclose(f);
	CHECK(buf && strstr(buf, "# left and right swapped: right= is this host") &&
	      strstr(buf, "left=198.51.100.20"));
	free(buf);
	dmn_config_free(c);
}

int main(void)
{
	test_keep_and_swap();
	test_symbolic_left();
	test_several_and_vici();
	test_reload_equal();
	test_dump();
	return TEST_END();
}
