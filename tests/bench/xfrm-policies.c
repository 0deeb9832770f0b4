// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark: install and remove 10,000 policies through xfrm/ and the same 10,000 through
 * `ip -batch`, in one run, in a fresh network namespace of its own (unshare(CLONE_NEWNET)).
 * Policies: out, 2001:db8::1/128 -> 2001:db8:1::N/128, ESP tunnel template, one per peer host.
 * Prints both rates (policies/s for add and for delete) and the ratio. Needs root.
 *   xfrm-policies [COUNT]
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "xfrm/xfrm.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void peer(unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "2001:db8:1::%x", i + 1);
}

static struct xfrm_policy policy(unsigned i)
{
	char dst[64];
	peer(i, dst, sizeof(dst));
	struct xfrm_policy p = {.dir = XFRM_POLICY_OUT, .priority = 100, .n_tmpls = 1};
	xfrm_ipaddr_parse("2001:db8::1/128", &p.sel.src, &p.sel.src_len);
	xfrm_ipaddr_parse(dst, &p.sel.dst, NULL);
	p.sel.dst_len = 128;
	p.tmpls[0] = (struct xfrm_tmpl){.src = p.sel.src,
					.dst = p.sel.dst,
					.proto = IPPROTO_ESP,
					.mode = XFRM_MODE_TUNNEL,
					.reqid = XFRM_REQID_MIN + i};
	return p;
}

static int write_batch(const char *path, unsigned n, bool add)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	for (unsigned i = 0; i < n; i++) {
		char dst[64];
		peer(i, dst, sizeof(dst));
		if (add)
			fprintf(f,
				"xfrm policy add src 2001:db8::1/128 dst %s/128 dir out priority "
				"100 "
				"tmpl src 2001:db8::1 dst %s proto esp reqid %u mode tunnel\n",
				dst, dst, XFRM_REQID_MIN + i);
		else
			fprintf(f, "xfrm policy delete src 2001:db8::1/128 dst %s/128 dir out\n",
				dst);
	}
	return fclose(f) == 0 ? 0 : -EIO;
}

static double run_ip(const char *path)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ip -batch %s", path);
	double t = now_s();
	int r = system(cmd);
	t = now_s() - t;
	return r == 0 ? t : -1;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 10000;
	if (n == 0 || n > 1000000)
		n = 10000;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: needs root to unshare a network namespace\n");
		return 77;
	}
	struct xfrm_handle *h;
	if (xfrm_open(&h) < 0) {
		printf("SKIP: no NETLINK_XFRM\n");
		return 77;
	}
	double t = now_s();
	for (unsigned i = 0; i < n; i++) {
		struct xfrm_policy p = policy(i);
		if (xfrm_policy_add(h, &p) < 0) {
			fprintf(stderr, "add %u: %s\n", i, xfrm_errmsg(h));
			return 1;
		}
	}
	double mod_add = now_s() - t;
	int count = xfrm_policy_dump(h, NULL, NULL);
	t = now_s();
	for (unsigned i = 0; i < n; i++) {
		struct xfrm_policy p = policy(i);
		if (xfrm_policy_del(h, &p) < 0) {
			fprintf(stderr, "del %u: %s\n", i, xfrm_errmsg(h));
			return 1;
		}
	}
	double mod_del = now_s() - t;
	int left = xfrm_policy_dump(h, NULL, NULL);
	if (count != (int)n || left != 0) {
		fprintf(stderr, "module: %d policies after add, %d after delete\n", count, left);
		return 1;
	}

	char add_path[] = "/tmp/oak-xfrm-bench-add-XXXXXX",
	     del_path[] = "/tmp/oak-xfrm-bench-del-XXXXXX";
	int fa = mkstemp(add_path), fd = mkstemp(del_path);
	if (fa < 0 || fd < 0)
		return 1;
	close(fa);
	close(fd);
	if (write_batch(add_path, n, true) < 0 || write_batch(del_path, n, false) < 0)
		return 1;
	double ip_add = run_ip(add_path);
	count = xfrm_policy_dump(h, NULL, NULL);
	double ip_del = run_ip(del_path);
	left = xfrm_policy_dump(h, NULL, NULL);
	unlink(add_path);
	unlink(del_path);
	xfrm_close(h);
	if (ip_add < 0 || ip_del < 0 || count != (int)n || left != 0) {
		fprintf(stderr, "ip -batch failed: %d policies after add, %d after delete\n", count,
			left);
		return 1;
	}
	printf("policies: %u\n", n);
	printf("xfrm module: add %.0f/s (%.3f s), delete %.0f/s (%.3f s)\n", n / mod_add, mod_add,
	       n / mod_del, mod_del);
	printf("ip -batch:   add %.0f/s (%.3f s), delete %.0f/s (%.3f s)\n", n / ip_add, ip_add,
	       n / ip_del, ip_del);
	printf("ratio module/ip: add %.2f, delete %.2f, total %.2f\n", ip_add / mod_add,
	       ip_del / mod_del, (ip_add + ip_del) / (mod_add + mod_del));
	return 0;
}
