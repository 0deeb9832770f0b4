// SPDX-License-Identifier: GPL-2.0-or-later
/* The Transaction exchange's attribute codec (proto/cfg_attr.c): the table, decoding with its
 * bounds, encoding, printing without secrets. */
#include <stdint.h>
#include <string.h>

#include "proto/cfg_attr.h"
#include "proto/consts.h"
#include "tests/testutil.h"

static void test_table(void)
{
	const struct proto_cfg_attr_desc *d = proto_cfg_attr_desc(UNITY_SPLIT_INCLUDE);
	CHECK(d && d->kind == PROTO_CFG_K_SPLIT && strcmp(d->name, "UNITY_SPLIT_INCLUDE") == 0);
	CHECK(d && d->type == 28676);
	d = proto_cfg_attr_desc(XAUTH_USER_PASSWORD);
	CHECK(d && d->kind == PROTO_CFG_K_SECRET);
	d = proto_cfg_attr_desc(XAUTH_STATUS);
	CHECK(d && d->kind == PROTO_CFG_K_U16 && d->type == 16527);
	CHECK(proto_cfg_attr_desc(CFG_INTERNAL_IP4_SUBNET)->kind == PROTO_CFG_K_SUBNET4);
	CHECK(proto_cfg_attr_desc(CFG_INTERNAL_IP6_ADDRESS)->max == 17);
	CHECK(proto_cfg_attr_desc(12345) == NULL);
	CHECK(strcmp(proto_name(PROTO_NAMES_MODECFG_ATTR, 28672), "UNITY_BANNER") == 0);
}

/* Encode a REPLY-like list, decode it back, print it. */
static void test_roundtrip(void)
{
	struct proto_cfg_out o = {0};
	const uint8_t addr[4] = {198, 51, 100, 10}, sub[8] = {10, 1, 0, 0, 255, 255, 0, 0};
	uint8_t split[28] = {10, 1, 0, 0, 255, 255, 0,	 0, 0, 0, 0, 0, 0, 0,
			     10, 2, 1, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0};
	proto_cfg_put_tlv(&o, CFG_INTERNAL_IP4_ADDRESS, addr, 4);
	proto_cfg_put_tlv(&o, CFG_INTERNAL_IP4_SUBNET, sub, 8);
	proto_cfg_put_tlv(&o, UNITY_SPLIT_INCLUDE, split, sizeof(split));
	proto_cfg_put_tlv(&o, UNITY_BANNER, "hi\n", 3);
	proto_cfg_put_u32(&o, XAUTH_STATUS, 1);
	proto_cfg_put_u32(&o, CFG_INTERNAL_ADDRESS_EXPIRY, 3600);
	proto_cfg_put_tlv(&o, XAUTH_USER_PASSWORD, "s3cret", 6);
	proto_cfg_put_tlv(&o, CFG_INTERNAL_IP4_DNS, NULL, 0); /* a request's empty value */
	CHECK(!o.bad);
	struct proto_cfg_list l;
	size_t off = 99;
	CHECK_EQ_INT(proto_cfg_decode(o.buf, o.len, &l, &off), PROTO_OK);
	CHECK_EQ_INT(l.n, 8);
	CHECK(l.a[0].type == CFG_INTERNAL_IP4_ADDRESS && l.a[0].value.len == 4 &&
	      memcmp(l.a[0].value.p, addr, 4) == 0);
	CHECK(l.a[4].tv && l.a[4].type == XAUTH_STATUS && l.a[4].u16 == 1);
	CHECK(!l.a[5].tv && l.a[5].u32 == 3600);
	CHECK(l.a[7].value.len == 0);
	unsigned at = 0;
	CHECK(proto_cfg_find(&l, UNITY_BANNER, &at) == &l.a[3] && at == 4);
	CHECK(proto_cfg_find(&l, UNITY_BANNER, &at) == NULL);
	char s[256];
	proto_cfg_attr_str(&l.a[0], s, sizeof(s));
	CHECK(strcmp(s, "INTERNAL_IP4_ADDRESS = 198.51.100.10") == 0);
	proto_cfg_attr_str(&l.a[1], s, sizeof(s));
	CHECK(strcmp(s, "INTERNAL_IP4_SUBNET = 10.1.0.0/255.255.0.0") == 0);
	proto_cfg_attr_str(&l.a[3], s, sizeof(s));
	CHECK(strcmp(s, "UNITY_BANNER = hi\\x0a") == 0);
	proto_cfg_attr_str(&l.a[6], s, sizeof(s));
	CHECK(strcmp(s, "XAUTH_USER_PASSWORD = <hidden, 6 bytes>") == 0);
	CHECK(strstr(s, "s3cret") == NULL);
	proto_cfg_attr_str(&l.a[7], s, sizeof(s));
	CHECK(strcmp(s, "INTERNAL_IP4_DNS = (empty)") == 0);
}

/* Every bound: overruns, wrong fixed sizes, values over a limit, too many attributes. */
static void test_bounds(void)
{
	struct proto_cfg_list l;
	size_t off = 0;
	const uint8_t trunc[] = {0x00, 0x01, 0x00, 0x04, 1, 2, 3};
	CHECK_EQ_INT(proto_cfg_decode(trunc, sizeof(trunc), &l, &off), PROTO_E_ATTR);
	const uint8_t half[] = {0x00, 0x01, 0x00};
	CHECK_EQ_INT(proto_cfg_decode(half, sizeof(half), &l, &off), PROTO_E_ATTR);
	const uint8_t bad_len[] = {0x80, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 1, 2, 3};
	/* TV address: refused; then a 3-byte address */
	CHECK_EQ_INT(proto_cfg_decode(bad_len, sizeof(bad_len), &l, &off), PROTO_E_ATTR_VALUE);
	CHECK_EQ_INT(off, 0);
	CHECK_EQ_INT(proto_cfg_decode(bad_len + 4, sizeof(bad_len) - 4, &l, &off),
		     PROTO_E_ATTR_VALUE);
	struct proto_cfg_out o = {0};
	uint8_t big[600] = {0};
	proto_cfg_put_tlv(&o, XAUTH_USER_NAME, big, 129); /* limit 128 */
	CHECK_EQ_INT(proto_cfg_decode(o.buf, o.len, &l, &off), PROTO_E_ATTR_VALUE);
	o = (struct proto_cfg_out){0};
	proto_cfg_put_tlv(&o, UNITY_SPLIT_INCLUDE, big, 15); /* not a multiple of 14 */
	CHECK_EQ_INT(proto_cfg_decode(o.buf, o.len, &l, &off), PROTO_E_ATTR_VALUE);
	o = (struct proto_cfg_out){0};
	for (unsigned i = 0; i <= PROTO_CFG_ATTRS_MAX; i++)
		proto_cfg_put_tv(&o, XAUTH_TYPE, 0);
	CHECK(!o.bad);
	CHECK_EQ_INT(proto_cfg_decode(o.buf, o.len, &l, &off), PROTO_E_ATTR);
	CHECK_EQ_INT(off, 4 * PROTO_CFG_ATTRS_MAX);
	/* encoder: a full buffer marks the list bad and stays bad */
	o = (struct proto_cfg_out){0};
	proto_cfg_put_tlv(&o, CFG_APPLICATION_VERSION, big, sizeof(big));
	proto_cfg_put_tlv(&o, CFG_APPLICATION_VERSION, big, sizeof(big));
	CHECK(o.bad && o.len == 604);
	proto_cfg_put_tv(&o, XAUTH_TYPE, 0);
	CHECK(o.bad && o.len == 604);
	/* an unknown type is kept as bytes; racoon's 0.0.0.0 request value is accepted */
	const uint8_t unk[] = {0x12, 0x34, 0x00, 0x02, 0xab, 0xcd, 0x00,
			       0x01, 0x00, 0x04, 0,    0,    0,	   0};
	CHECK_EQ_INT(proto_cfg_decode(unk, sizeof(unk), &l, &off), PROTO_OK);
	CHECK(l.n == 2 && l.a[0].type == 0x1234 && l.a[0].value.len == 2);
}

int main(void)
{
	test_table();
	test_roundtrip();
	test_bounds();
	return TEST_END();
}
