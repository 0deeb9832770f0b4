// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's boundary conversions (daemon/convert.c): addresses to the kernel's and sockets'
 * forms and back, IPsec <-> IP protocol numbers, the selector text of the listings and the log,
 * and the two forms of an ID (the listings', the updown environment's).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/convert.h"
#include "proto/consts.h"
#include "tests/testutil.h"

#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

static struct proto_ike_addr v4(const char *s, uint16_t port)
{
	struct proto_ike_addr a = {.family = AF_INET, .port = port};
	inet_pton(AF_INET, s, a.addr);
	return a;
}

static void test_addrs(void)
{
	struct proto_ike_addr a = v4("192.0.2.7", 4500), b;
	struct xfrm_ipaddr x;
	dmn_addr_to_xfrm(&a, &x);
	CHECK_EQ_INT(x.family, AF_INET);
	CHECK_MEM(x.bytes, a.addr, 16);
	struct sockaddr_storage ss;
	CHECK_EQ_INT(dmn_addr_to_sockaddr(&a, &ss), sizeof(struct sockaddr_in));
	dmn_addr_from_sockaddr(&ss, &b);
	CHECK_EQ_INT(b.family, AF_INET);
	CHECK_EQ_INT(b.port, 4500);
	CHECK_MEM(b.addr, a.addr, 4);
	struct proto_ike_addr c = {.family = AF_INET6, .port = 500};
	inet_pton(AF_INET6, "2001:db8::1", c.addr);
	CHECK_EQ_INT(dmn_addr_to_sockaddr(&c, &ss), sizeof(struct sockaddr_in6));
	dmn_addr_from_sockaddr(&ss, &b);
	CHECK_EQ_INT(b.family, AF_INET6);
	CHECK_EQ_INT(b.port, 500);
	char s[64];
	CHECK_STR(dmn_addr_str(AF_INET6, c.addr, s, sizeof(s)), "2001:db8::1");
	CHECK_STR(dmn_addr_str(AF_INET, a.addr, s, 4), "?"); /* does not fit */
}

static void test_protocols(void)
{
	CHECK_EQ_INT(dmn_ipproto(PROTO_IPSEC_ESP), IPPROTO_ESP);
	CHECK_EQ_INT(dmn_ipproto(PROTO_IPSEC_AH), IPPROTO_AH);
	CHECK_EQ_INT(dmn_ipproto(PROTO_IPCOMP), IPPROTO_COMP);
	CHECK_EQ_INT(dmn_ipsec_protocol(IPPROTO_ESP), PROTO_IPSEC_ESP);
	CHECK_EQ_INT(dmn_ipsec_protocol(IPPROTO_AH), PROTO_IPSEC_AH);
	CHECK_EQ_INT(dmn_ipsec_protocol(IPPROTO_COMP), 0);
}

static void test_selectors(void)
{
	struct proto_ike_addr h = v4("198.51.100.9", 500);
	struct proto_ike_ts ts;
	dmn_ts_host(&h, &ts);
	char s[128];
	CHECK_STR(dmn_proto_ts_str(&ts, s, sizeof(s)), "198.51.100.9/32");
	struct xfrm_ipaddr x;
	uint8_t len;
	dmn_ts_to_xfrm(&ts, &x, &len);
	CHECK_EQ_INT(len, 32);
	/* a range is narrowed to its first address's host route */
	ts.prefix = -1;
	inet_pton(AF_INET, "198.51.100.20", ts.to);
	ts.proto = IPPROTO_TCP;
	ts.port = 80;
	dmn_ts_to_xfrm(&ts, &x, &len);
	CHECK_EQ_INT(len, 32);
	CHECK_MEM(x.bytes, h.addr, 4);
	CHECK_STR(dmn_proto_ts_str(&ts, s, sizeof(s)), "198.51.100.9..198.51.100.20[tcp/80]");
	ts.port = 0;
	ts.proto = 47;
	CHECK_STR(dmn_proto_ts_str(&ts, s, sizeof(s)), "198.51.100.9..198.51.100.20[47]");
}

static void test_ids(void)
{
	char s[64];
	struct proto_ike_addr peer = v4("203.0.113.5", 500);
	struct proto_ike_id fq = {.type = ID_FQDN, .len = 10};
	memcpy(fq.data, "gw b.'test", 10);
	dmn_peer_id_str(&fq, &peer, DMN_ID_FORM_LIST, s, sizeof(s));
	CHECK_STR(s, "gw b.'test");
	dmn_peer_id_str(&fq, &peer, DMN_ID_FORM_ENV, s, sizeof(s));
	CHECK_STR(s, "@gw?b.?test"); /* no space or quote in the environment */
	struct proto_ike_id kid = {.type = ID_KEY_ID, .len = 2, .data = {0xab, 0x01}};
	dmn_peer_id_str(&kid, &peer, DMN_ID_FORM_LIST, s, sizeof(s));
	CHECK_STR(s, "11:ab01");
	dmn_peer_id_str(&kid, &peer, DMN_ID_FORM_ENV, s, sizeof(s));
	CHECK_STR(s, "203.0.113.5");
	dmn_peer_id_str(NULL, &peer, DMN_ID_FORM_ENV, s, sizeof(s));
	CHECK_STR(s, "203.0.113.5");
	/* SEQUENCE { SET { SEQUENCE { OID 2.5.4.6, PrintableString "CH" } },
	 *            SET { SEQUENCE { OID 2.5.4.3, UTF8String "gw" } } } */
	static const uint8_t dn[] = {0x30, 0x1a, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04,
				     0x06, 0x13, 0x02, 'C',  'H',  0x31, 0x0b, 0x30, 0x09, 0x06,
				     0x03, 0x55, 0x04, 0x03, 0x0c, 0x02, 'g',  'w'};
	struct proto_ike_id did = {.type = ID_DER_ASN1_DN, .len = sizeof(dn)};
	memcpy(did.data, dn, sizeof(dn));
	dmn_peer_id_str(&did, &peer, DMN_ID_FORM_LIST, s, sizeof(s));
	CHECK_STR(s, "C=CH, CN=gw");
	did.len = 5; /* truncated DER: the type and bytes in hex as before */
	dmn_peer_id_str(&did, &peer, DMN_ID_FORM_LIST, s, sizeof(s));
	CHECK_STR(s, "9:301a310b30");
	struct dmn_id id = {.type = DMN_ID_FQDN, .str = "vpn.example"};
	dmn_conf_id_str(&id, &peer, DMN_ID_FORM_LIST, s, sizeof(s));
	CHECK_STR(s, "vpn.example");
	dmn_conf_id_str(&id, &peer, DMN_ID_FORM_ENV, s, sizeof(s));
	CHECK_STR(s, "@vpn.example");
	id = (struct dmn_id){.type = DMN_ID_DEFAULT};
	dmn_conf_id_str(&id, NULL, DMN_ID_FORM_LIST, s, sizeof(s));
	CHECK_STR(s, "%any");
	dmn_conf_id_str(&id, &peer, DMN_ID_FORM_ENV, s, sizeof(s));
	CHECK_STR(s, "203.0.113.5");
}

int main(void)
{
	test_addrs();
	test_protocols();
	test_selectors();
	test_ids();
	return TEST_END();
}
