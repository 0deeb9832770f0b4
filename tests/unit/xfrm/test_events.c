// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the pure XFRM message parser (xfrm_events_parse). The vectors are real kernel
 * messages captured on Linux 6.18 with `xfrmctl monitor --raw` (and one GETSA dump reply) in a
 * network namespace; the same bytes seed the fuzz corpus in tests/fuzz/corpus/xfrm_events/. The
 * expected values are what the setup commands requested and what `ip xfrm` showed for them. Two
 * SA notifications were captured the same way inside the VM (tests/vm/run), whose kernel has ESP.
 * Around them: every truncation, bad lengths, unknown types and callback errors.
 */
#include <errno.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netlink.h>

#include "tests/testutil.h"
#include "xfrm/xfrm.h"

/* acquire-v4-udp.bin */
static const char hex_acquire_v4_udp[] =
	"78010000170000000000000000000000c00002020000000000000000000000000000000032000000c0000201"
	"000000000000000000000000c0000202000000000000000000000000c0000201000000000000000000000000"
	"0009ffff9dfbffff02002020110000000600000000000000c0000202000000000000000000000000c0000201"
	"00000000000000000000000000000000000000000200202000000000000000006c6b616fffffffffffffffff"
	"ffffffffffffffffffffffffffffffffffffffffffffffff0000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000000afc086b000000000000000000000000"
	"0a000000110000000100000000000000ffffffffffffffffffffffff01000000440005000000000000000000"
	"00000000000000000000000032000000020000000000000000000000000000000000000001006b6f00000000"
	"ffffffffffffffffffffffff0a0010000000000000000000";

/* acquire-v6-tunnel.bin */
static const char hex_acquire_v6_tunnel[] =
	"7801000017000000000000000000000020010db8000200000000000000000001000000003200000020010db8"
	"00000000000000000000000120010db800020000000000000000000520010db8000000000000000000000001"
	"0009ffffbbafffff0a00808011000000000000000000000020010db800020000000000000000000020010db8"
	"0000000000000000000000010009ffff000000000a00408011000000000000006c6b616fffffffffffffffff"
	"ffffffffffffffffffffffffffffffffffffffffffffffff0000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000000afc086b000000000000000000000000"
	"00000000190000000100000000000000ffffffffffffffffffffffff020000004400050020010db800020000"
	"000000000000000100000000320000000a00000020010db800000000000000000000000104006b6f01000000"
	"ffffffffffffffffffffffff0a0010000000000000000000";

/* expire-hard-larval.bin */
static const char hex_expire_hard_larval[] =
	"f8000000180000000000000000000000c0000202000000000000000000000000c00002010000000000000000"
	"00000000000000000000000000002020000000000000000000000000c0000202000000000000000000000000"
	"dad1369132000000c0000201000000000000000000000000ffffffffffffffffffffffffffffffffffffffff"
	"ffffffffffffffffffffffff0000000000000000020000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000f0fb086b000000000000000000000000000000000000000000000000"
	"0000000002006b6f0200000000000000000000000100000000000000";

/* policy-add-v6-tunnel.bin */
static const char hex_policy_add_v6_tunnel[] =
	"080100001300000068458b6b0000000020010db800020000000000000000000020010db80000000000000000"
	"000000010009ffff000000000a00408011000000000000006c6b616fffffffffffffffffffffffffffffffff"
	"ffffffffffffffffffffffffffffffff00000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000000000afc086b0000000000000000000000000000000019000000"
	"01000000000000004400050020010db800020000000000000000000100000000320000000a00000020010db8"
	"00000000000000000000000104006b6f01000000ffffffffffffffffffffffff0a0010000000000000000000";

/* policy-del-v4.bin */
static const char hex_policy_del_v4[] =
	"4c0100001400000068458b6b00000000c0000202000000000000000000000000c00002010000000000000000"
	"0000000000000000000000000200202000000000000000006c6b616f0000000001000000ac000700c0000202"
	"000000000000000000000000c000020100000000000000000000000000000000000000000200202000000000"
	"000000006c6b616fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00000000"
	"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	"f3fb086b0000000000000000000000000b000000010000000100000000000000440005000000000000000000"
	"00000000000000000000000032000000020000000000000000000000000000000000000001006b6f00000000"
	"ffffffffffffffffffffffff0a0010000000000000000000";

/* sa-del-ah.bin */
static const char hex_sa_del_ah[] =
	"1c01000011000000f5fb086b00000000c00002020000000000000000000000004dfc0f1502003300e4000600"
	"c0000202000000000000000000000000c0000201000000000000000000000000000000000000000000002020"
	"000000000000000000000000c00002020000000000000000000000004dfc0f1533000000c000020100000000"
	"0000000000000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00000000"
	"0000000002000000000000000000000000000000000000000000000000000000000000000000000000000000"
	"f3fb086b0000000000000000000000000000000000000000000000000000000003006b6f0200000000000000"
	"0000000010000a00000000000000000000000000";

/* sa-dump-larval-v4-v6.bin */
static const char hex_sa_dump_larval_v4_v6[] =
	"000100001000020001000000c86e000020010db800000000000000000000000220010db80000000000000000"
	"0000000100000000000000000000808000000000000000000000000020010db8000000000000000000000002"
	"0000aaf66c00000020010db8000000000000000000000001ffffffffffffffffffffffffffffffffffffffff"
	"ffffffffffffffffffffffff0000000000000000020000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000019fc086b000000000000000000000000000000000000000000000000"
	"00000000000000000a000000000000000000000010000a000000000000000000000000000001000010000200"
	"01000000c86e0000c0000202000000000000000000000000c000020100000000000000000000000000000000"
	"0000000000002020000000000000000000000000c0000202000000000000000000000000f1d4693c32000000"
	"c0000201000000000000000000000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	"ffffffff00000000000000000200000000000000000000000000000000000000000000000000000000000000"
	"000000000000000019fc086b0000000000000000000000000000000000000000000000000000000009006b6f"
	"02000000000000000000000010000a00000000000000000000000000";

/* sa-flush.bin */
static const char hex_sa_flush[] = "140000001c00000011fc086b0000000000000000";

/* policy-flush.bin */
static const char hex_policy_flush[] = "1c0000001d000000f4fb086b000000000a0010000000000000000000";

/* vm-sa-add-gcm-encap-esn-mark.bin (captured in the VM, Linux 6.1; test keys only) */
static const char hex_vm_sa_add_gcm_encap_esn_mark[] =
	"a401000010000000b701096b0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000200000000000000000000006c6b616fc0000202000000000000000000000000"
	"0000100132000000c0000201000000000000000000000000ffffffffffffffffffffffffffffffffffffffff"
	"ffffffffffffffffffffffff0100000000000000020000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000b601096b000000000000000000000000000000000000000000000000"
	"0000000001006b6f02000100800000000000000060001200726663343130362867636d286165732929000000"
	"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	"a00000008000000000112233445566778899aabbccddeeff010203041c0004000200119411940000c6336409"
	"0000000000000000000000000c00150005000000ff0000002400170002000000000000000000000000000000"
	"0000000040000000000000000000000008001f0003000000";

/* vm-sa-add-v6-cbc-sha256-v4sel.bin (captured in the VM, Linux 6.1; test keys only) */
static const char hex_vm_sa_add_v6_cbc_sha256_v4sel[] =
	"2c02000010000000ba01096b00000000cb007100000000000000000000000000c63364000000000000000000"
	"0000000000000000000000000200181800000000000000006c6b616f20010db8000000000000000000000002"
	"000010023200000020010db8000000000000000000000001ffffffffffffffffffffffffffffffffffffffff"
	"ffffffffffffffffffffffff0000000000000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000b901096b000000000000000000000000000000000000000000000000"
	"00000000000000000a000100200000000000000068000100686d616328736861323536290000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	"0001000000112233445566778899aabbccddeeff00112233445566778899aabbccddeeff6c001400686d6163"
	"2873686132353629000000000000000000000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000100008000000000112233445566778899aabbccddeeff00112233"
	"445566778899aabbccddeeff5800020063626328616573290000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000000000008000000000112233"
	"445566778899aabbccddeeff10000a00000000000000000000000000";

#define EV_MAX 8

struct collect {
	struct xfrm_event ev[EV_MAX];
	int n;
	int fail_at; /* return -EIO on this event (1-based), 0 = never */
};

static int collect_cb(const struct xfrm_event *ev, void *arg)
{
	struct collect *c = arg;
	if (c->fail_at && c->n + 1 == c->fail_at)
		return -EIO;
	if (c->n < EV_MAX)
		c->ev[c->n] = *ev;
	c->n++;
	return 0;
}

static uint8_t buf[4096];

static size_t load(const char *hex)
{
	int n = test_unhex(hex, buf, sizeof(buf));
	if (n < 0) {
		fprintf(stderr, "bad vector\n");
		exit(2);
	}
	return (size_t)n;
}

static int parse(const uint8_t *p, size_t len, struct collect *c)
{
	memset(c, 0, sizeof(*c));
	return xfrm_events_parse(p, len, collect_cb, c);
}

static bool addr_is(const struct xfrm_ipaddr *a, const char *s)
{
	struct xfrm_ipaddr b;
	return xfrm_ipaddr_parse(s, &b, NULL) == 0 && a->family == b.family &&
	       memcmp(a->bytes, b.bytes, a->family == AF_INET ? 4 : 16) == 0;
}

/* Setup: policy out 192.0.2.1/32 -> 192.0.2.2/32 tmpl esp transport reqid 0x6f6b0001 (index 17),
 * then a UDP datagram to 192.0.2.2:9. */
static void test_acquire_v4(void)
{
	struct collect c;
	size_t n = load(hex_acquire_v4_udp);
	CHECK_EQ_INT(parse(buf, n, &c), 1);
	const struct xfrm_event *ev = &c.ev[0];
	CHECK_EQ_INT(ev->type, XFRM_EV_ACQUIRE);
	CHECK(addr_is(&ev->acquire.src, "192.0.2.1"));
	CHECK(addr_is(&ev->acquire.dst, "192.0.2.2"));
	CHECK_EQ_INT(ev->acquire.tmpl.proto, IPPROTO_ESP);
	CHECK_EQ_INT(ev->acquire.tmpl.mode, XFRM_MODE_TRANSPORT);
	CHECK_EQ_INT(ev->acquire.tmpl.reqid, 0x6f6b0001);
	CHECK_EQ_INT(ev->acquire.policy_index, 17);
	CHECK_EQ_INT(ev->acquire.policy_dir, XFRM_POLICY_OUT);
	CHECK_EQ_INT(ev->acquire.seq, 1);
	CHECK(addr_is(&ev->acquire.sel.src, "192.0.2.1"));
	CHECK(addr_is(&ev->acquire.sel.dst, "192.0.2.2"));
	CHECK_EQ_INT(ev->acquire.sel.src_len, 32);
	CHECK_EQ_INT(ev->acquire.sel.dst_len, 32);
	CHECK_EQ_INT(ev->acquire.sel.proto, IPPROTO_UDP);
	CHECK_EQ_INT(ev->acquire.sel.dport, 9);
}

/* Setup: policy out 2001:db8::1/128 -> 2001:db8:2::/64 udp dport 9, tmpl esp tunnel
 * 2001:db8::1 -> 2001:db8:2::1 reqid 0x6f6b0004 (index 25); UDP to [2001:db8:2::5]:9. */
static void test_acquire_v6(void)
{
	struct collect c;
	size_t n = load(hex_acquire_v6_tunnel);
	CHECK_EQ_INT(parse(buf, n, &c), 1);
	const struct xfrm_event *ev = &c.ev[0];
	CHECK_EQ_INT(ev->type, XFRM_EV_ACQUIRE);
	CHECK(addr_is(&ev->acquire.src, "2001:db8::1"));
	CHECK(addr_is(&ev->acquire.dst, "2001:db8:2::1"));
	CHECK(addr_is(&ev->acquire.tmpl.src, "2001:db8::1"));
	CHECK(addr_is(&ev->acquire.tmpl.dst, "2001:db8:2::1"));
	CHECK_EQ_INT(ev->acquire.tmpl.mode, XFRM_MODE_TUNNEL);
	CHECK_EQ_INT(ev->acquire.tmpl.reqid, 0x6f6b0004);
	CHECK_EQ_INT(ev->acquire.policy_index, 25);
	CHECK(addr_is(&ev->acquire.sel.dst, "2001:db8:2::5"));
	CHECK_EQ_INT(ev->acquire.sel.dst_len, 128);
	CHECK_EQ_INT(ev->acquire.sel.dport, 9);
}

/* Setup: ALLOCSPI esp 192.0.2.1 -> 192.0.2.2 reqid 0x6f6b0002 returned 0xdad13691;
 * net.core.xfrm_acq_expires=2 let the larval SA expire. */
static void test_expire(void)
{
	struct collect c;
	size_t n = load(hex_expire_hard_larval);
	CHECK_EQ_INT(parse(buf, n, &c), 1);
	const struct xfrm_event *ev = &c.ev[0];
	CHECK_EQ_INT(ev->type, XFRM_EV_EXPIRE);
	CHECK(ev->expire.hard);
	CHECK_EQ_INT(ev->expire.sa.spi, 0xdad13691);
	CHECK_EQ_INT(ev->expire.sa.proto, IPPROTO_ESP);
	CHECK_EQ_INT(ev->expire.sa.reqid, 0x6f6b0002);
	CHECK(ev->expire.sa.owned);
	CHECK(addr_is(&ev->expire.sa.src, "192.0.2.1"));
	CHECK(addr_is(&ev->expire.sa.dst, "192.0.2.2"));
}

static void test_policy_add(void)
{
	struct collect c;
	size_t n = load(hex_policy_add_v6_tunnel);
	CHECK_EQ_INT(parse(buf, n, &c), 1);
	const struct xfrm_policy *p = &c.ev[0].policy.pol;
	CHECK_EQ_INT(c.ev[0].type, XFRM_EV_POLICY_ADD);
	CHECK_EQ_INT(p->dir, XFRM_POLICY_OUT);
	CHECK_EQ_INT(p->index, 25);
	CHECK(p->owned);
	CHECK_EQ_INT(p->sel.user, XFRM_OWNER_TAG);
	CHECK(addr_is(&p->sel.src, "2001:db8::1"));
	CHECK(addr_is(&p->sel.dst, "2001:db8:2::"));
	CHECK_EQ_INT(p->sel.src_len, 128);
	CHECK_EQ_INT(p->sel.dst_len, 64);
	CHECK_EQ_INT(p->sel.proto, IPPROTO_UDP);
	CHECK_EQ_INT(p->sel.dport, 9);
	CHECK_EQ_INT(p->n_tmpls, 1);
	CHECK_EQ_INT(p->tmpls[0].proto, IPPROTO_ESP);
	CHECK_EQ_INT(p->tmpls[0].mode, XFRM_MODE_TUNNEL);
	CHECK_EQ_INT(p->tmpls[0].reqid, 0x6f6b0004);
	CHECK(!p->tmpls[0].optional);
	CHECK(addr_is(&p->tmpls[0].dst, "2001:db8:2::1"));
}

/* Setup: policy-update to priority 11, then policy-del by selector. */
static void test_policy_del(void)
{
	struct collect c;
	size_t n = load(hex_policy_del_v4);
	CHECK_EQ_INT(parse(buf, n, &c), 1);
	const struct xfrm_policy *p = &c.ev[0].policy.pol;
	CHECK_EQ_INT(c.ev[0].type, XFRM_EV_POLICY_DEL);
	CHECK_EQ_INT(p->index, 1);
	CHECK_EQ_INT(p->priority, 11);
	CHECK(p->owned);
	CHECK_EQ_INT(p->n_tmpls, 1);
	CHECK_EQ_INT(p->tmpls[0].reqid, 0x6f6b0001);
	CHECK(addr_is(&p->sel.dst, "192.0.2.2"));
}

/* Setup: ALLOCSPI ah reqid 0x6f6b0003, then `ip xfrm state deleteall proto ah`. */
static void test_sa_del(void)
{
	struct collect c;
	size_t n = load(hex_sa_del_ah);
	CHECK_EQ_INT(parse(buf, n, &c), 1);
	CHECK_EQ_INT(c.ev[0].type, XFRM_EV_SA_DEL);
	CHECK_EQ_INT(c.ev[0].sa.proto, IPPROTO_AH);
	CHECK_EQ_INT(c.ev[0].sa.spi, 0x4dfc0f15);
	CHECK_EQ_INT(c.ev[0].sa.reqid, 0x6f6b0003);
	CHECK(c.ev[0].sa.owned);
}

/* Setup: ALLOCSPI esp 192.0.2.1 -> 192.0.2.2 reqid 0x6f6b0009 (0xf1d4693c) and comp
 * 2001:db8::1 -> 2001:db8::2 (0x0000aaf6); one GETSA dump receive. */
static void test_sa_dump(void)
{
	struct collect c;
	size_t n = load(hex_sa_dump_larval_v4_v6);
	CHECK_EQ_INT(parse(buf, n, &c), 2);
	bool seen_esp = false, seen_comp = false;
	for (int i = 0; i < 2; i++) {
		const struct xfrm_sa_info *sa = &c.ev[i].sa;
		CHECK_EQ_INT(c.ev[i].type, XFRM_EV_SA_ADD);
		if (sa->proto == IPPROTO_ESP) {
			seen_esp = true;
			CHECK_EQ_INT(sa->spi, 0xf1d4693c);
			CHECK(sa->owned);
			CHECK(addr_is(&sa->dst, "192.0.2.2"));
		} else if (sa->proto == IPPROTO_COMP) {
			seen_comp = true;
			CHECK_EQ_INT(sa->spi, 0xaaf6);
			CHECK(!sa->owned); /* reqid 0: the kernel built the larval selector */
			CHECK(addr_is(&sa->dst, "2001:db8::2"));
		}
		CHECK_EQ_INT(sa->bytes, 0);
		CHECK(sa->add_time > 1700000000u);
	}
	CHECK(seen_esp && seen_comp);
}

/* Setup (VM): sa-add esp tunnel 192.0.2.1 -> 192.0.2.2 spi 0x1001 reqid 0x6f6b0001 AES-GCM-16,
 * encap 4500:4500 OA 198.51.100.9, replay 64, ESN, mark 5/0xff, if_id 3, soft 1 s, hard 2 s. */
static void test_sa_add_full(void)
{
	struct collect c;
	size_t n = load(hex_vm_sa_add_gcm_encap_esn_mark);
	CHECK_EQ_INT(parse(buf, n, &c), 1);
	const struct xfrm_sa_info *sa = &c.ev[0].sa;
	CHECK_EQ_INT(c.ev[0].type, XFRM_EV_SA_ADD);
	CHECK_EQ_INT(sa->spi, 0x1001);
	CHECK_EQ_INT(sa->proto, IPPROTO_ESP);
	CHECK_EQ_INT(sa->mode, XFRM_MODE_TUNNEL);
	CHECK_EQ_INT(sa->reqid, 0x6f6b0001);
	CHECK(sa->owned);
	CHECK(sa->encap);
	CHECK_EQ_INT(sa->encap_sport, 4500);
	CHECK_EQ_INT(sa->encap_dport, 4500);
	CHECK_EQ_INT(sa->replay_window, 64);
	CHECK(sa->flags & XFRM_STATE_ESN);
	CHECK_EQ_INT(sa->mark_v, 5);
	CHECK_EQ_INT(sa->mark_m, 0xff);
	CHECK_EQ_INT(sa->if_id, 3);
	CHECK_EQ_INT(sa->lft.soft_secs, 1);
	CHECK_EQ_INT(sa->lft.hard_secs, 2);
	CHECK_EQ_INT(sa->lft.hard_bytes, 0); /* XFRM_INF reads back as "no limit" */
	CHECK(addr_is(&sa->src, "192.0.2.1"));

	/* IPv4 selector inside an IPv6 tunnel (XFRM_STATE_AF_UNSPEC). */
	n = load(hex_vm_sa_add_v6_cbc_sha256_v4sel);
	CHECK_EQ_INT(parse(buf, n, &c), 1);
	sa = &c.ev[0].sa;
	CHECK(addr_is(&sa->src, "2001:db8::1"));
	CHECK(addr_is(&sa->dst, "2001:db8::2"));
	CHECK(addr_is(&sa->sel.src, "198.51.100.0"));
	CHECK_EQ_INT(sa->sel.src_len, 24);
	CHECK(addr_is(&sa->sel.dst, "203.0.113.0"));
	CHECK(sa->flags & XFRM_STATE_AF_UNSPEC);
	CHECK(sa->owned);
	CHECK(!sa->encap);
}

static void test_flush(void)
{
	struct collect c;
	size_t n = load(hex_sa_flush);
	CHECK_EQ_INT(parse(buf, n, &c), 1);
	CHECK_EQ_INT(c.ev[0].type, XFRM_EV_SA_FLUSH);
	CHECK_EQ_INT(c.ev[0].flush_proto, 0); /* `ip xfrm state flush`: all protocols */
	n = load(hex_policy_flush);
	CHECK_EQ_INT(parse(buf, n, &c), 1);
	CHECK_EQ_INT(c.ev[0].type, XFRM_EV_POLICY_FLUSH);
}

/* Every proper prefix of every vector is rejected whole (or is empty), never read past. */
static void test_truncated(void)
{
	static const char *const all[] = {
		hex_acquire_v4_udp,	hex_acquire_v6_tunnel,
		hex_expire_hard_larval, hex_policy_add_v6_tunnel,
		hex_policy_del_v4,	hex_sa_del_ah,
		hex_sa_flush,
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		size_t n = load(all[i]);
		unsigned bad = 0;
		for (size_t len = 1; len < n; len++) {
			uint8_t *copy = malloc(len);
			memcpy(copy, buf, len);
			struct collect c;
			if (parse(copy, len, &c) != -EBADMSG || c.n != 0)
				bad++;
			free(copy);
		}
		CHECK_EQ_INT(bad, 0);
	}
	struct collect c;
	CHECK_EQ_INT(parse(buf, 0, &c), 0);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* nlmsg_len shrunk below the fixed header; attributes with bad lengths; an odd XFRMA_TMPL. */
static void test_malformed(void)
{
	struct collect c;
	size_t n = load(hex_acquire_v4_udp);
	/* Fixed part of ACQUIRE is sizeof(struct xfrm_user_acquire) = 280; the TMPL attr follows.
	 */
	size_t fixed = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct xfrm_user_acquire));
	CHECK(n > fixed + 4);
	uint8_t m[4096];
	memcpy(m, buf, n);
	put32(m, 16 + 100); /* header says 100 bytes of payload: short ACQUIRE */
	CHECK_EQ_INT(parse(m, 16 + 100, &c), -EBADMSG);
	memcpy(m, buf, n);
	put32(m, 8); /* shorter than a netlink header */
	CHECK_EQ_INT(parse(m, n, &c), -EBADMSG);
	memcpy(m, buf, n);
	/* 2^31 and more: libmnl's mnl_nlmsg_ok compares nlmsg_len cast to int, so this length
	 * would pass it and the payload would run 2 GiB past the buffer */
	put32(m, 0x80000010u);
	CHECK_EQ_INT(parse(m, n, &c), -EBADMSG);
	put32(m, 0xffffffffu);
	CHECK_EQ_INT(parse(m, n, &c), -EBADMSG);
	memcpy(m, buf, n);
	put16(m + fixed, 2); /* nla_len below the attribute header */
	CHECK_EQ_INT(parse(m, n, &c), -EBADMSG);
	memcpy(m, buf, n);
	put16(m + fixed, (uint16_t)(n - fixed + 4)); /* nla_len past the end */
	CHECK_EQ_INT(parse(m, n, &c), -EBADMSG);
	memcpy(m, buf, n);
	put16(m + fixed, 4 + 20); /* XFRMA_TMPL shorter than one template */
	put32(m, (uint32_t)(fixed + 24));
	CHECK_EQ_INT(parse(m, fixed + 24, &c), -EBADMSG);

	n = load(hex_policy_add_v6_tunnel);
	memcpy(m, buf, n);
	fixed = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct xfrm_userpolicy_info));
	/* The first attribute is XFRMA_TMPL: one template plus 8 stray bytes is not a whole number.
	 */
	uint16_t tl;
	memcpy(&tl, m + fixed, 2);
	CHECK_EQ_INT(tl, 4 + sizeof(struct xfrm_user_tmpl));
	put16(m + fixed, (uint16_t)(tl - 8));
	CHECK_EQ_INT(parse(m, n, &c), -EBADMSG);
}

/* Two messages in one buffer, unknown types skipped, a callback error stops the walk. */
static void test_multi(void)
{
	struct collect c;
	uint8_t m[4096];
	size_t a = load(hex_acquire_v4_udp);
	memcpy(m, buf, a);
	size_t b = load(hex_expire_hard_larval);
	memcpy(m + a, buf, b);
	/* NLMSG_DONE and XFRM_MSG_NEWAE (not an event here) in between are skipped. */
	uint8_t done[20] = {20, 0, 0, 0, NLMSG_DONE, 0};
	memcpy(m + a + b, done, sizeof(done));
	uint8_t newae[16] = {16, 0, 0, 0, XFRM_MSG_NEWAE, 0};
	memcpy(m + a + b + 20, newae, sizeof(newae));
	size_t total = a + b + 20 + 16;
	CHECK_EQ_INT(parse(m, total, &c), 2);
	CHECK_EQ_INT(c.ev[0].type, XFRM_EV_ACQUIRE);
	CHECK_EQ_INT(c.ev[1].type, XFRM_EV_EXPIRE);
	memset(&c, 0, sizeof(c));
	c.fail_at = 2;
	CHECK_EQ_INT(xfrm_events_parse(m, total, collect_cb, &c), -EIO);
	CHECK_EQ_INT(c.n, 1);
	/* A bad message after a good one: the good one was delivered, then -EBADMSG. */
	put32(m + a, 3);
	CHECK_EQ_INT(parse(m, total, &c), -EBADMSG);
	CHECK_EQ_INT(c.n, 1);
}

static void test_helpers(void)
{
	struct xfrm_ipaddr a;
	uint8_t len = 0;
	char s[64];
	CHECK_EQ_INT(xfrm_ipaddr_parse("198.51.100.0/24", &a, &len), 0);
	CHECK_EQ_INT(len, 24);
	CHECK(!strcmp(xfrm_ipaddr_str(&a, s, sizeof(s)), "198.51.100.0"));
	CHECK_EQ_INT(xfrm_ipaddr_parse("2001:db8::/129", &a, &len), -EINVAL);
	CHECK_EQ_INT(xfrm_ipaddr_parse("2001:db8::/32", &a, &len), 0);
	CHECK_EQ_INT(a.family, AF_INET6);
	CHECK_EQ_INT(xfrm_ipaddr_parse("192.0.2.1/8", &a, NULL), -EINVAL);
	CHECK_EQ_INT(xfrm_ipaddr_parse("192.0.2.300", &a, NULL), -EINVAL);
	const struct xfrm_alg *g = xfrm_alg_find("aes-gcm-16");
	CHECK(g && !strcmp(g->kernel, "rfc4106(gcm(aes))") && g->kind == XFRM_ALG_AEAD);
	CHECK(xfrm_alg_find("rfc7539esp(chacha20,poly1305)") != NULL);
	CHECK(xfrm_alg_find("rot13") == NULL);
	CHECK(!strcmp(xfrm_event_name(XFRM_EV_ACQUIRE), "acquire"));
	CHECK(!strcmp(xfrm_event_name(XFRM_EV__MAX), "?"));
}

int main(void)
{
	test_acquire_v4();
	test_acquire_v6();
	test_expire();
	test_policy_add();
	test_policy_del();
	test_sa_del();
	test_sa_dump();
	test_sa_add_full();
	test_flush();
	test_truncated();
	test_malformed();
	test_multi();
	test_helpers();
	return TEST_END();
}
