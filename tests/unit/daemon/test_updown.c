// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The updown environment builder (daemon/updown_env.c): every variable, exact values, for a
 * site-to-site child (subnets), a host-to-host one over IPv6, NAT-T with marks and if_ids, AH with
 * IPComp; the verbs up/down, -host/-client, -v6; the script choice (leftupdown=, leftfirewall=).
 */
#include "daemon/updown.h"

#include <arpa/inet.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/ike_glue.h"
#include "proto/consts.h"
#include "tests/testutil.h"

/* The value of NAME in env, or NULL. */
static const char *env_get(const struct dmn_updown_env *env, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < env->n; i++) {
		const char *v = dmn_updown_env_at(env, i);
		if (strncmp(v, name, n) == 0 && v[n] == '=')
			return v + n + 1;
	}
	return NULL;
}

/* Checks that env holds exactly the NULL-ended list of "NAME=value". */
static void env_expect(const struct dmn_updown_env *env, const char *const *want)
{
	size_t n = 0;
	for (; want[n]; n++) {
		const char *eq = strchr(want[n], '=');
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(eq - want[n]), want[n]);
		const char *got = env_get(env, name);
		if (!CHECK(got && strcmp(got, eq + 1) == 0))
			fprintf(stderr, "  %s: got '%s', want '%s'\n", name, got ? got : "(unset)",
				eq + 1);
	}
	if (!CHECK_EQ_INT(env->n, n))
		for (size_t i = 0; i < env->n; i++)
			fprintf(stderr, "  have %s\n", dmn_updown_env_at(env, i));
}

static void addr(struct proto_ike_addr *a, int family, const char *s)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	inet_pton(family, s, a->addr);
}

static void ts(struct proto_ike_ts *t, int family, const char *from, int prefix)
{
	memset(t, 0, sizeof(*t));
	t->family = family;
	inet_pton(family, from, t->from);
	memcpy(t->to, t->from, 16);
	t->prefix = prefix;
}

static void test_site_to_site(void)
{
	struct dmn_child c = {0};
	struct dmn_conn conn = {0};
	snprintf(c.conn, sizeof(c.conn), "site");
	c.protocol = PROTO_IPSEC_ESP;
	c.reqid = 7;
	c.spi_in = 0xc1a2b3c4;
	c.spi_out = 0x0000abcd;
	addr(&c.local, AF_INET, "192.0.2.1");
	addr(&c.peer, AF_INET, "192.0.2.2");
	ts(&c.local_ts, AF_INET, "198.51.100.0", 25);
	ts(&c.remote_ts, AF_INET, "198.51.100.128", 25);
	c.remote_ts.proto = 6, c.remote_ts.port = 443;
	conn.left.id.type = DMN_ID_FQDN;
	snprintf(conn.left.id.str, sizeof(conn.left.id.str), "gw-a.example.org");
	struct proto_ike_id pid = {.type = ID_FQDN, .len = 16};
	memcpy(pid.data, "gw-b.example.org", 16);
	struct dmn_updown_env env;
	CHECK_EQ_INT(dmn_updown_env_build(&c, &conn, &pid, 3, "eth0", true, &env), 0);
	static const char *const want[] = {"PLUTO_VERB=up-client",
					   "PLUTO_VERSION=1.1",
					   "PLUTO_CONNECTION=site",
					   "PLUTO_INTERFACE=eth0",
					   "PLUTO_REQID=7",
					   "PLUTO_PROTO=esp",
					   "PLUTO_UNIQUEID=3",
					   "PLUTO_ME=192.0.2.1",
					   "PLUTO_MY_ID=@gw-a.example.org",
					   "PLUTO_MY_CLIENT=198.51.100.0/25",
					   "PLUTO_MY_CLIENT_NET=198.51.100.0",
					   "PLUTO_MY_CLIENT_MASK=255.255.255.128",
					   "PLUTO_MY_PORT=0",
					   "PLUTO_MY_PROTOCOL=0",
					   "PLUTO_PEER=192.0.2.2",
					   "PLUTO_PEER_ID=@gw-b.example.org",
					   "PLUTO_PEER_CLIENT=198.51.100.128/25",
					   "PLUTO_PEER_CLIENT_NET=198.51.100.128",
					   "PLUTO_PEER_CLIENT_MASK=255.255.255.128",
					   "PLUTO_PEER_PORT=443",
					   "PLUTO_PEER_PROTOCOL=6",
					   "SPI_IN=0xc1a2b3c4",
					   "SPI_OUT=0x0000abcd",
					   "PATH=" DMN_UPDOWN_PATH,
					   NULL};
	env_expect(&env, want);
	CHECK_EQ_INT(dmn_updown_env_build(&c, &conn, &pid, 3, "eth0", false, &env), 0);
	CHECK(strcmp(env_get(&env, "PLUTO_VERB"), "down-client") == 0);
}

static void test_host_v6(void)
{
	struct dmn_child c = {0};
	struct dmn_conn conn = {0};
	snprintf(c.conn, sizeof(c.conn), "h6");
	c.protocol = PROTO_IPSEC_ESP;
	c.reqid = 1;
	addr(&c.local, AF_INET6, "2001:db8::1");
	addr(&c.peer, AF_INET6, "2001:db8::2");
	ts(&c.local_ts, AF_INET6, "2001:db8::1", 128);
	ts(&c.remote_ts, AF_INET6, "2001:db8::2", 128);
	conn.left.hostaccess = true;
	conn.left.nexthop.kind = DMN_ADDR_IP;
	conn.left.nexthop.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::fe", conn.left.nexthop.bytes);
	conn.left.sourceip.kind = conn.right.sourceip.kind = DMN_ADDR_IP;
	conn.left.sourceip.family = conn.right.sourceip.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:a::1", conn.left.sourceip.bytes);
	inet_pton(AF_INET6, "2001:db8:b::1", conn.right.sourceip.bytes);
	struct dmn_updown_env env;
	/* no peer ID known: its address; no interface: "unknown" */
	CHECK_EQ_INT(dmn_updown_env_build(&c, &conn, NULL, 12, NULL, false, &env), 0);
	static const char *const want[] = {
		"PLUTO_VERB=down-host-v6",
		"PLUTO_VERSION=1.1",
		"PLUTO_CONNECTION=h6",
		"PLUTO_INTERFACE=unknown",
		"PLUTO_REQID=1",
		"PLUTO_PROTO=esp",
		"PLUTO_UNIQUEID=12",
		"PLUTO_ME=2001:db8::1",
		"PLUTO_MY_ID=2001:db8::1",
		"PLUTO_MY_CLIENT=2001:db8::1/128",
		"PLUTO_MY_CLIENT_NET=2001:db8::1",
		"PLUTO_MY_CLIENT_MASK=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"PLUTO_MY_PORT=0",
		"PLUTO_MY_PROTOCOL=0",
		"PLUTO_PEER=2001:db8::2",
		"PLUTO_PEER_ID=2001:db8::2",
		"PLUTO_PEER_CLIENT=2001:db8::2/128",
		"PLUTO_PEER_CLIENT_NET=2001:db8::2",
		"PLUTO_PEER_CLIENT_MASK=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"PLUTO_PEER_PORT=0",
		"PLUTO_PEER_PROTOCOL=0",
		"SPI_IN=0x00000000",
		"SPI_OUT=0x00000000",
		"PLUTO_HOST_ACCESS=1",
		"PLUTO_NEXT_HOP=2001:db8::fe",
		"PLUTO_MY_SOURCEIP=2001:db8:a::1",
		"PLUTO_PEER_SOURCEIP=2001:db8:b::1",
		"PATH=" DMN_UPDOWN_PATH,
		NULL};
	env_expect(&env, want);
}

static void test_natt_marks_ah(void)
{
	struct dmn_child c = {0};
	struct dmn_conn conn = {0};
	snprintf(c.conn, sizeof(c.conn), "nat");
	c.protocol = PROTO_IPSEC_AH;
	c.ipcomp = true;
	addr(&c.local, AF_INET, "192.0.2.1");
	addr(&c.peer, AF_INET, "203.0.113.9");
	/* a subnet on our side holding our address is still "-client"; a range: its covering prefix
	 */
	ts(&c.local_ts, AF_INET, "192.0.2.0", 24);
	ts(&c.remote_ts, AF_INET, "203.0.113.16", -1);
	inet_pton(AF_INET, "203.0.113.23", c.remote_ts.to);
	c.natt = true, c.encap_sport = 4500, c.encap_dport = 31000;
	c.mark_in = 42, c.mark_in_mask = 0xffffffff, c.mark_out = 7, c.mark_out_mask = 0xff;
	c.if_id_in = 5, c.if_id_out = 6;
	conn.left.id.type = DMN_ID_USER_FQDN;
	snprintf(conn.left.id.str, sizeof(conn.left.id.str), "me@example.org");
	struct proto_ike_id pid = {.type = ID_IPV4_ADDR, .len = 4, .data = {198, 51, 100, 7}};
	struct dmn_updown_env env;
	CHECK_EQ_INT(dmn_updown_env_build(&c, &conn, &pid, 1, "va", true, &env), 0);
	CHECK(strcmp(env_get(&env, "PLUTO_VERB"), "up-client") == 0);
	CHECK(strcmp(env_get(&env, "PLUTO_PROTO"), "ah") == 0);
	CHECK(strcmp(env_get(&env, "PLUTO_IPCOMP"), "1") == 0);
	CHECK(strcmp(env_get(&env, "PLUTO_MY_ID"), "me@example.org") == 0);
	CHECK(strcmp(env_get(&env, "PLUTO_PEER_ID"), "198.51.100.7") == 0);
	CHECK(strcmp(env_get(&env, "PLUTO_PEER_CLIENT"), "203.0.113.16/29") == 0);
	CHECK(strcmp(env_get(&env, "PLUTO_PEER_CLIENT_MASK"), "255.255.255.248") == 0);
	CHECK(strcmp(env_get(&env, "PLUTO_MARK_IN"), "42/0xffffffff") == 0);
	CHECK(strcmp(env_get(&env, "PLUTO_MARK_OUT"), "7/0x000000ff") == 0);
	CHECK(strcmp(env_get(&env, "PLUTO_IF_ID_IN"), "5") == 0);
	CHECK(strcmp(env_get(&env, "PLUTO_IF_ID_OUT"), "6") == 0);
	CHECK(strcmp(env_get(&env, "PLUTO_UDP_ENC"), "31000") == 0);
	CHECK(env_get(&env, "PLUTO_HOST_ACCESS") == NULL);
	CHECK(env_get(&env, "PLUTO_NEXT_HOP") == NULL);
	CHECK(env_get(&env, "PLUTO_MY_SOURCEIP") == NULL);
	/* a peer ID with quotes or control bytes reaches the script as '?' */
	struct proto_ike_id bad = {.type = ID_FQDN, .len = 5};
	memcpy(bad.data, "a'b\nc", 5);
	CHECK_EQ_INT(dmn_updown_env_build(&c, &conn, &bad, 1, "va", true, &env), 0);
	CHECK(strcmp(env_get(&env, "PLUTO_PEER_ID"), "@a?b?c") == 0);
}

static void test_script_choice(void)
{
	struct dmn_conn conn = {0};
	CHECK(dmn_updown_script(&conn, "/fw") == NULL);
	conn.left.firewall = true;
	CHECK(strcmp(dmn_updown_script(&conn, "/fw"), "/fw") == 0);
	char mine[] = "/etc/oakley/mine --route yes", off[] = "%disabled";
	conn.left.updown = mine;
	CHECK(strcmp(dmn_updown_script(&conn, "/fw"), mine) == 0);
	conn.left.updown = off;
	CHECK(dmn_updown_script(&conn, "/fw") == NULL);
	CHECK(dmn_updown_script(NULL, "/fw") == NULL);
}

int main(void)
{
	test_site_to_site();
	test_host_v6();
	test_natt_marks_ah();
	test_script_choice();
	return TEST_END();
}
