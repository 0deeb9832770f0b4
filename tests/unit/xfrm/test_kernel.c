// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrm/ against the running kernel, in a network namespace of its own (unshare(CLONE_NEWNET) gives
 * a fresh, empty XFRM state and policy database, so the host's tables are never touched):
 *
 *   [ this process, new netns: lo only ]  --NETLINK_XFRM-->  [ kernel SAD / SPD ]
 *
 * Policy add/update/dump/delete round trips with every field, the error messages (EEXIST, ENOENT,
 * no ESP, no IPComp), ALLOCSPI ranges, the ESP+IPComp layout, flush-owned sparing a foreign policy,
 * event overflow (ENOBUFS -> "resync needed"), and the socket helpers. Needs root (CAP_NET_ADMIN);
 * skips otherwise.
 */
#include <errno.h>
#include <sched.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/testutil.h"
#include "xfrm/xfrm.h"

static struct xfrm_ipaddr ip(const char *s)
{
	struct xfrm_ipaddr a;
	if (xfrm_ipaddr_parse(s, &a, NULL) < 0)
		exit(2);
	return a;
}

static struct xfrm_sel sel(const char *src, const char *dst)
{
	struct xfrm_sel s = {0};
	if (xfrm_ipaddr_parse(src, &s.src, &s.src_len) < 0 ||
	    xfrm_ipaddr_parse(dst, &s.dst, &s.dst_len) < 0)
		exit(2);
	return s;
}

struct find {
	uint32_t priority;
	struct xfrm_policy found;
	int n, owned;
};

static int find_cb(const struct xfrm_policy *p, void *arg)
{
	struct find *f = arg;
	f->n++;
	f->owned += p->owned;
	if (p->priority == f->priority)
		f->found = *p;
	return 0;
}

static void test_policy(struct xfrm_handle *h)
{
	struct xfrm_policy p = {
		.sel = sel("192.0.2.0/24", "198.51.100.0/25"),
		.dir = XFRM_POLICY_IN, /* 6.x refuses optional templates in outbound policies */
		.priority = 1234,
		.mark_v = 0x10,
		.mark_m = 0xf0,
		.if_id = 7,
		.n_tmpls = 2,
	};
	p.sel.proto = IPPROTO_TCP;
	p.sel.sport = 1000;
	p.sel.dport = 443;
	p.tmpls[0] = (struct xfrm_tmpl){.proto = IPPROTO_COMP,
					.mode = XFRM_MODE_TUNNEL,
					.src = ip("203.0.113.1"),
					.dst = ip("203.0.113.2"),
					.reqid = XFRM_REQID_MIN + 1,
					.optional = true};
	p.tmpls[1] = (struct xfrm_tmpl){.proto = IPPROTO_ESP,
					.mode = XFRM_MODE_TUNNEL,
					.src = ip("203.0.113.1"),
					.dst = ip("203.0.113.2"),
					.reqid = XFRM_REQID_MIN + 1};
	CHECK_EQ_INT(xfrm_policy_add(h, &p), 0);
	CHECK_EQ_INT(xfrm_policy_add(h, &p), -EEXIST);
	CHECK(!strncmp(xfrm_errmsg(h), "policy exists", 13));

	struct find f = {.priority = 1234};
	CHECK_EQ_INT(xfrm_policy_dump(h, find_cb, &f), 1);
	CHECK(f.found.owned);
	CHECK_EQ_INT(f.found.dir, XFRM_POLICY_IN);
	CHECK_EQ_INT(f.found.sel.src_len, 24);
	CHECK_EQ_INT(f.found.sel.dst_len, 25);
	CHECK_EQ_INT(f.found.sel.proto, IPPROTO_TCP);
	CHECK_EQ_INT(f.found.sel.sport, 1000);
	CHECK_EQ_INT(f.found.sel.dport, 443);
	CHECK_EQ_INT(f.found.mark_v, 0x10);
	CHECK_EQ_INT(f.found.mark_m, 0xf0);
	CHECK_EQ_INT(f.found.if_id, 7);
	CHECK_EQ_INT(f.found.n_tmpls, 2);
	CHECK_EQ_INT(f.found.tmpls[0].proto, IPPROTO_COMP);
	CHECK(f.found.tmpls[0].optional);
	CHECK_EQ_INT(f.found.tmpls[1].proto, IPPROTO_ESP);
	CHECK(!f.found.tmpls[1].optional);
	CHECK_EQ_INT(f.found.tmpls[1].reqid, XFRM_REQID_MIN + 1);
	CHECK_MEM(f.found.tmpls[1].dst.bytes, ip("203.0.113.2").bytes, 4);

	/* Update in place: same selector, new priority and action. */
	p.priority = 99;
	p.action = XFRM_POLICY_BLOCK;
	p.n_tmpls = 0;
	CHECK_EQ_INT(xfrm_policy_update(h, &p), 0);
	f = (struct find){.priority = 99};
	CHECK_EQ_INT(xfrm_policy_dump(h, find_cb, &f), 1);
	CHECK_EQ_INT(f.found.action, XFRM_POLICY_BLOCK);
	CHECK_EQ_INT(f.found.n_tmpls, 0);

	/* Delete needs the same mark and if_id; a wrong mark finds nothing. */
	struct xfrm_policy q = p;
	q.mark_v = 0x20;
	CHECK_EQ_INT(xfrm_policy_del(h, &q), -ENOENT);
	CHECK(!strncmp(xfrm_errmsg(h), "no such policy", 14));
	CHECK_EQ_INT(xfrm_policy_del(h, &p), 0);
	CHECK_EQ_INT(xfrm_policy_dump(h, NULL, NULL), 0);
}

static bool has_esp;

static void test_sa(struct xfrm_handle *h)
{
	struct xfrm_ipaddr a = ip("192.0.2.1"), b = ip("192.0.2.2");
	uint32_t spi = 0;
	for (int i = 0; i < 20; i++) {
		CHECK_EQ_INT(xfrm_allocspi(h, &a, &b, IPPROTO_ESP, XFRM_REQID_MIN, 0, 0x2000,
					   0x20ff, &spi),
			     0);
		CHECK(spi >= 0x2000 && spi <= 0x20ff);
	}
	CHECK_EQ_INT(xfrm_allocspi(h, &a, &b, IPPROTO_COMP, 0, 0, 0, 0, &spi), 0);
	CHECK(spi >= 0x100 && spi <= XFRM_CPI_MAX);
	CHECK_EQ_INT(xfrm_allocspi(h, &a, &b, IPPROTO_COMP, 0, 0, 0x100, 0x10000, &spi), -EINVAL);

	struct xfrm_sa_id id = {.dst = b, .spi = spi, .proto = IPPROTO_COMP};
	struct xfrm_sa_info info;
	CHECK_EQ_INT(xfrm_sa_get(h, &id, &info), 0);
	CHECK_EQ_INT(info.spi, spi);
	CHECK_EQ_INT(info.proto, IPPROTO_COMP);
	CHECK(info.add_time > 0);
	CHECK_EQ_INT(xfrm_sa_del(h, &id), 0);
	CHECK_EQ_INT(xfrm_sa_del(h, &id), -ESRCH);
	CHECK(!strncmp(xfrm_errmsg(h), "no such SA", 10));
	CHECK(xfrm_sa_get(h, &id, &info) < 0);

	/* A full ESP SA: installed where the kernel has ESP, the clear message where not. */
	static const uint8_t key[20] = {1,  2,	3,  4,	5,  6,	7,    8,    9,	  10,
					11, 12, 13, 14, 15, 16, 0xca, 0xfe, 0xba, 0xbe};
	struct xfrm_sa sa = {
		.src = a,
		.dst = b,
		.spi = 0x1001,
		.proto = IPPROTO_ESP,
		.mode = XFRM_MODE_TUNNEL,
		.reqid = XFRM_REQID_MIN + 5,
		.aead = {"rfc4106(gcm(aes))", key, sizeof(key), 128},
		.encap = true,
		.encap_sport = 4500,
		.encap_dport = 4500,
		.replay_window = 64,
		.esn = true,
		.lft = {.soft_secs = 100, .hard_secs = 120, .hard_bytes = 1 << 30},
		.mark_v = 3,
		.mark_m = 0xff,
		.if_id = 9,
	};
	int r = xfrm_sa_add(h, &sa);
	if (r == 0) {
		printf("kernel has ESP: SA installed\n");
		has_esp = true;
		id = (struct xfrm_sa_id){
			.dst = b, .spi = 0x1001, .proto = IPPROTO_ESP, .mark_v = 3, .mark_m = 0xff};
		CHECK_EQ_INT(xfrm_sa_get(h, &id, &info), 0);
		CHECK_EQ_INT(info.reqid, XFRM_REQID_MIN + 5);
		CHECK(info.encap && info.encap_dport == 4500);
		CHECK_EQ_INT(info.replay_window, 64);
		CHECK_EQ_INT(info.if_id, 9);
		CHECK_EQ_INT(xfrm_sa_add(h, &sa), -EEXIST);
		CHECK(!strncmp(xfrm_errmsg(h), "SA exists", 9));
	} else {
		printf("no ESP in this kernel: %s\n", xfrm_errmsg(h));
		CHECK(r == -ENOSYS || r == -EPROTONOSUPPORT);
		CHECK(!strncmp(xfrm_errmsg(h), "kernel has no ESP support (CONFIG_INET_ESP)", 43));
		sa.aead.alg = NULL;
		sa.enc = (struct xfrm_key){"cbc(aes)", key, 16, 0};
		sa.auth = (struct xfrm_key){"hmac(sha256)", key, 20, 128};
		CHECK_EQ_INT(xfrm_sa_add(h, &sa), -EPROTONOSUPPORT);
		CHECK(!strncmp(xfrm_errmsg(h), "kernel has no ESP support (CONFIG_INET_ESP)", 43));
		struct xfrm_sa comp = {.src = a,
				       .dst = b,
				       .spi = 0x2002,
				       .proto = IPPROTO_COMP,
				       .mode = XFRM_MODE_TUNNEL,
				       .comp = {.alg = "deflate"}};
		CHECK(xfrm_sa_add(h, &comp) < 0);
		CHECK(strstr(xfrm_errmsg(h), "IPComp support (CONFIG_INET_IPCOMP)") != NULL);
	}
}

/*
 * ESP with IPComp as the daemon installs it (measured in the VM with static keys): the policy's
 * templates are [IPComp, ESP], IPComp applied first on the way out; in tunnel mode IPComp
 * carries the tunnel and the addresses, ESP runs in transport mode with a wildcard selector (the
 * kernel matches the inner flow against it); on the inbound directions the IPComp template is
 * optional ("level use"), since small packets travel uncompressed (as IP-in-IP, which the kernel's
 * own tunnel state decapsulates). The SAs need IPComp in the kernel (the VM).
 */
static void test_ipcomp_bundle(struct xfrm_handle *h)
{
	struct xfrm_ipaddr a = ip("192.0.2.1"), b = ip("192.0.2.2");
	static const uint8_t key[20] = {0x11, 0x22, 0x33};
	uint32_t cpi = 0;
	CHECK_EQ_INT(xfrm_allocspi(h, &b, &a, IPPROTO_COMP, XFRM_REQID_MIN + 30, 0, 0, 0, &cpi), 0);
	CHECK(cpi >= 0x100 && cpi <= XFRM_CPI_MAX);
	static const uint8_t dirs[] = {XFRM_POLICY_IN, XFRM_POLICY_FWD, XFRM_POLICY_OUT};
	for (size_t i = 0; i < sizeof(dirs); i++) {
		bool out = dirs[i] == XFRM_POLICY_OUT;
		struct xfrm_policy p = {
			.sel = out ? sel("198.51.100.0/25", "198.51.100.128/25")
				   : sel("198.51.100.128/25", "198.51.100.0/25"),
			.dir = dirs[i],
			.priority = 4000 + (uint32_t)i,
			.n_tmpls = 2,
		};
		p.tmpls[0] = (struct xfrm_tmpl){.proto = IPPROTO_COMP,
						.mode = XFRM_MODE_TUNNEL,
						.src = out ? a : b,
						.dst = out ? b : a,
						.reqid = XFRM_REQID_MIN + 30,
						.optional = !out};
		p.tmpls[1] = (struct xfrm_tmpl){.proto = IPPROTO_ESP,
						.mode = XFRM_MODE_TRANSPORT,
						.reqid = XFRM_REQID_MIN + 30};
		CHECK_EQ_INT(xfrm_policy_update(h, &p), 0);
		struct find f = {.priority = p.priority};
		xfrm_policy_dump(h, find_cb, &f);
		CHECK_EQ_INT(f.found.n_tmpls, 2);
		CHECK_EQ_INT(f.found.tmpls[0].proto, IPPROTO_COMP);
		CHECK_EQ_INT(f.found.tmpls[0].mode, XFRM_MODE_TUNNEL);
		CHECK_EQ_INT(f.found.tmpls[0].optional, !out);
		CHECK_EQ_INT(f.found.tmpls[1].proto, IPPROTO_ESP);
		CHECK_EQ_INT(f.found.tmpls[1].mode, XFRM_MODE_TRANSPORT);
		CHECK(!f.found.tmpls[1].optional);
	}
	if (has_esp) {
		/* inbound IPComp over the larval CPI, then ESP in transport mode, wildcard sel */
		struct xfrm_sa comp = {.src = b,
				       .dst = a,
				       .spi = cpi,
				       .proto = IPPROTO_COMP,
				       .mode = XFRM_MODE_TUNNEL,
				       .reqid = XFRM_REQID_MIN + 30,
				       .comp = {.alg = "deflate"}};
		CHECK_EQ_INT(xfrm_sa_update(h, &comp), 0);
		struct xfrm_sa esp = {
			.src = b,
			.dst = a,
			.spi = 0x3001,
			.proto = IPPROTO_ESP,
			.mode = XFRM_MODE_TRANSPORT,
			.reqid = XFRM_REQID_MIN + 30,
			.sel = {.src = {.family = AF_INET}, .dst = {.family = AF_INET}},
			.aead = {"rfc4106(gcm(aes))", key, 20, 128},
			.replay_window = 32};
		CHECK_EQ_INT(xfrm_sa_add(h, &esp), 0);
		struct xfrm_sa_info info;
		struct xfrm_sa_id id = {.dst = a, .spi = cpi, .proto = IPPROTO_COMP};
		CHECK_EQ_INT(xfrm_sa_get(h, &id, &info), 0);
		CHECK_EQ_INT(info.mode, XFRM_MODE_TUNNEL);
		id = (struct xfrm_sa_id){.dst = a, .spi = 0x3001, .proto = IPPROTO_ESP};
		CHECK_EQ_INT(xfrm_sa_get(h, &id, &info), 0);
		CHECK_EQ_INT(info.mode, XFRM_MODE_TRANSPORT);
		CHECK(info.sel.src_len == 0 && info.sel.dst_len == 0);
	}
	CHECK(xfrm_flush_owned(h) >= 3);
	CHECK_EQ_INT(xfrm_policy_dump(h, NULL, NULL), 0);
}

/* A foreign policy (no owner tag) survives flush-owned; ours and our larval SAs go. */
static void test_flush_owned(struct xfrm_handle *h)
{
	struct xfrm_policy mine = {.sel = sel("192.0.2.0/24", "198.51.100.0/24"),
				   .dir = XFRM_POLICY_IN};
	CHECK_EQ_INT(xfrm_policy_add(h, &mine), 0);
	mine.dir = XFRM_POLICY_FWD;
	CHECK_EQ_INT(xfrm_policy_add(h, &mine), 0);
	CHECK_EQ_INT(system("ip xfrm policy add dir in src 192.0.2.0/24 dst 198.51.100.0/24 "
			    "priority 5"),
		     0);
	struct find f = {.priority = 5};
	CHECK_EQ_INT(xfrm_policy_dump(h, find_cb, &f), 3);
	CHECK_EQ_INT(f.owned, 2);
	CHECK(!f.found.owned);
	int n = xfrm_flush_owned(h);
	CHECK(n >= 2);
	f = (struct find){.priority = 5};
	CHECK_EQ_INT(xfrm_policy_dump(h, find_cb, &f), 1);
	CHECK_EQ_INT(f.owned, 0);
	CHECK_EQ_INT(f.found.priority, 5);
	CHECK_EQ_INT(xfrm_sa_dump(h, NULL, NULL), 0);
	CHECK_EQ_INT(system("ip xfrm policy flush"), 0);
}

struct expire_seen {
	uint32_t spi;
	int soft, hard;
};

static int expire_cb(const struct xfrm_event *ev, void *arg)
{
	struct expire_seen *e = arg;
	if (ev->type == XFRM_EV_EXPIRE && ev->expire.sa.spi == e->spi) {
		if (ev->expire.hard)
			e->hard++;
		else
			e->soft++;
	}
	return 0;
}

/*
 * Only where the kernel has ESP, AH and IPComp (the VM): ALLOCSPI + UPDSA, AH, IPComp, mixed
 * inner/outer families, and soft then hard expire events for a 1 s / 2 s SA.
 */
static void test_esp_kernel(struct xfrm_handle *h)
{
	static const uint8_t key[36] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99};
	struct xfrm_ipaddr a = ip("192.0.2.1"), b = ip("192.0.2.2");
	uint32_t spi;
	CHECK_EQ_INT(xfrm_allocspi(h, &a, &b, IPPROTO_ESP, XFRM_REQID_MIN + 20, 0, 0, 0, &spi), 0);
	struct xfrm_sa sa = {
		.src = a,
		.dst = b,
		.spi = spi,
		.proto = IPPROTO_ESP,
		.mode = XFRM_MODE_TRANSPORT,
		.reqid = XFRM_REQID_MIN + 20,
		.aead = {"rfc7539esp(chacha20,poly1305)", key, 36,
			 128} /* 32-byte key + 4-byte salt (RFC 7634 §2) */,
		.replay_window = 32,
	};
	CHECK_EQ_INT(xfrm_sa_update(h, &sa), 0);
	struct xfrm_sa_info info;
	struct xfrm_sa_id id = {.dst = b, .spi = spi, .proto = IPPROTO_ESP};
	CHECK_EQ_INT(xfrm_sa_get(h, &id, &info), 0);
	CHECK_EQ_INT(info.reqid, XFRM_REQID_MIN + 20);
	CHECK_EQ_INT(info.mode, XFRM_MODE_TRANSPORT);
	CHECK(info.owned);

	struct xfrm_sa ah = {.src = a,
			     .dst = b,
			     .spi = 0x2001,
			     .proto = IPPROTO_AH,
			     .mode = XFRM_MODE_TUNNEL,
			     .auth = {"hmac(sha256)", key, 32, 128}};
	CHECK_EQ_INT(xfrm_sa_add(h, &ah), 0);
	struct xfrm_sa comp = {.src = a,
			       .dst = b,
			       .spi = 0x2002,
			       .proto = IPPROTO_COMP,
			       .mode = XFRM_MODE_TUNNEL,
			       .comp = {.alg = "deflate"}};
	int r = xfrm_sa_add(h, &comp);
	CHECK_EQ_INT(r, 0);
	if (r < 0)
		printf("IPComp: %s\n", xfrm_errmsg(h));
	/* IPv4 traffic in an IPv6 tunnel. */
	struct xfrm_sa mixed = {
		.src = ip("2001:db8::1"),
		.dst = ip("2001:db8::2"),
		.spi = 0x2003,
		.proto = IPPROTO_ESP,
		.mode = XFRM_MODE_TUNNEL,
		.sel = sel("198.51.100.0/24", "203.0.113.0/24"),
		.enc = {"cbc(aes)", key, 16, 0},
		.auth = {"hmac(sha1)", key, 20, 96},
	};
	r = xfrm_sa_add(h, &mixed);
	CHECK_EQ_INT(r, 0);
	if (r < 0)
		printf("mixed: %s\n", xfrm_errmsg(h));

	struct xfrm_handle *ev;
	CHECK_EQ_INT(xfrm_events_open(&ev), 0);
	struct xfrm_sa shortlived = {.src = a,
				     .dst = b,
				     .spi = 0x2004,
				     .proto = IPPROTO_ESP,
				     .mode = XFRM_MODE_TUNNEL,
				     .aead = {"rfc4106(gcm(aes))", key, 20, 128},
				     .lft = {.soft_secs = 1, .hard_secs = 2}};
	CHECK_EQ_INT(xfrm_sa_add(h, &shortlived), 0);
	struct expire_seen e = {.spi = 0x2004};
	for (int i = 0; i < 100 && !e.hard; i++) {
		usleep(100000);
		while (xfrm_events_recv(ev, expire_cb, &e) > 0)
			;
	}
	CHECK_EQ_INT(e.soft, 1);
	CHECK_EQ_INT(e.hard, 1);
	xfrm_close(ev);
	CHECK(xfrm_flush_owned(h) >= 4);
	CHECK_EQ_INT(xfrm_sa_dump(h, NULL, NULL), 0);
}

static int count_cb(const struct xfrm_event *ev, void *arg)
{
	(void)ev;
	(*(int *)arg)++;
	return 0;
}

static int fail_cb(const struct xfrm_policy *p, void *arg)
{
	(void)p;
	(void)arg;
	return -ECANCELED;
}

/* Overflow the event socket's queue: the receive reports -ENOBUFS and asks for a resync. */
static void test_event_overflow(struct xfrm_handle *h)
{
	struct xfrm_handle *ev;
	CHECK_EQ_INT(xfrm_events_open(&ev), 0);
	int small = 4096;
	CHECK_EQ_INT(setsockopt(xfrm_fd(ev), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	struct xfrm_policy p = {.sel = sel("192.0.2.0/24", "198.51.100.0/24")};
	for (uint32_t i = 0; i < 200; i++) {
		p.priority = i;
		p.sel.sport = (uint16_t)(i + 1);
		CHECK_EQ_INT(xfrm_policy_add(h, &p), 0);
	}
	int events = 0, r = 0, enobufs = 0;
	for (int i = 0; i < 1000 && r != -EAGAIN; i++) {
		r = xfrm_events_recv(ev, count_cb, &events);
		if (r == -ENOBUFS) {
			enobufs++;
			CHECK(strstr(xfrm_errmsg(ev), "resync needed") != NULL);
		}
	}
	CHECK_EQ_INT(enobufs, 1);
	CHECK(events > 0 && events < 200);
	/* A dump whose callback fails at once is drained, so the next request still works. */
	CHECK_EQ_INT(xfrm_policy_dump(h, fail_cb, NULL), -ECANCELED);
	/* The resync: a dump lists all of them. */
	CHECK_EQ_INT(xfrm_policy_dump(h, NULL, NULL), 200);
	CHECK_EQ_INT(xfrm_flush_owned(h), 200);
	xfrm_close(ev);
}

static void test_sockets(void)
{
	int u4 = socket(AF_INET, SOCK_DGRAM, 0), u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	int t4 = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(u4 >= 0 && u6 >= 0 && t4 >= 0);
	CHECK_EQ_INT(xfrm_socket_bypass(u4, AF_INET), 0);
	CHECK_EQ_INT(xfrm_socket_bypass(u6, AF_INET6), 0);
	CHECK_EQ_INT(xfrm_socket_bypass(u4, AF_UNIX), -EAFNOSUPPORT);
	CHECK_EQ_INT(xfrm_socket_udp_encap(u4), 0);
	CHECK(xfrm_socket_udp_encap(t4) < 0);
	close(u4);
	close(u6);
	close(t4);
}

int main(void)
{
	if (geteuid() != 0)
		TEST_SKIP("needs root (CAP_NET_ADMIN) for a network namespace and NETLINK_XFRM");
	if (unshare(CLONE_NEWNET) < 0)
		TEST_SKIP("unshare(CLONE_NEWNET) not permitted here");
	if (system("ip -V >/dev/null 2>&1") != 0)
		TEST_SKIP("iproute2 (ip) not installed");
	struct xfrm_handle *h;
	if (xfrm_open(&h) < 0)
		TEST_SKIP("no NETLINK_XFRM in this kernel (CONFIG_XFRM_USER)");
	test_policy(h);
	test_sa(h);
	test_flush_owned(h);
	test_ipcomp_bundle(h);
	if (has_esp)
		test_esp_kernel(h);
	test_event_overflow(h);
	test_sockets();
	xfrm_close(h);
	return TEST_END();
}
