// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark (runs in the VM, from tests/vm/bench-sa): install and remove COUNT ESP SAs through
 * xfrm/ (one process, one netlink handle) and the same COUNT through `ip -batch`, in one run, in a
 * network namespace of its own (unshare(CLONE_NEWNET)). SAs: ESP tunnel 192.0.2.1 -> 192.0.2.2,
 * SPI 0x10000 + i, rfc4106(gcm(aes)) with a fixed 160-bit test key (not a secret), ICV 128.
 * Checks the SA count after each phase (a dump), prints both rates and the ratio. Needs root.
 *   bench_sa [COUNT]     (default 10000)
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "xfrm/xfrm.h"

#define BENCH_SPI0 0x10000u
#define BENCH_KEYLEN 20

/* A fixed, public test key: bytes 0x01..0x14. */
static const uint8_t bench_key[BENCH_KEYLEN] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14,
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct xfrm_sa bench_sa(unsigned i)
{
	struct xfrm_sa sa = {
		.spi = BENCH_SPI0 + i,
		.proto = IPPROTO_ESP,
		.mode = XFRM_MODE_TUNNEL,
		.reqid = XFRM_REQID_MIN + 1,
		.aead = {.alg = "rfc4106(gcm(aes))", .key = bench_key, .len = BENCH_KEYLEN, .bits = 128},
	};
	xfrm_ipaddr_parse("192.0.2.1", &sa.src, NULL);
	xfrm_ipaddr_parse("192.0.2.2", &sa.dst, NULL);
	return sa;
}

static int write_batch(const char *path, unsigned n, bool add)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	for (unsigned i = 0; i < n; i++) {
		if (add) {
			fprintf(f, "xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x%x "
				   "reqid %u mode tunnel aead rfc4106(gcm(aes)) 0x",
				BENCH_SPI0 + i, XFRM_REQID_MIN + 1);
			for (size_t k = 0; k < BENCH_KEYLEN; k++)
				fprintf(f, "%02x", bench_key[k]);
			fprintf(f, " 128\n");
		} else {
			fprintf(f, "xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x%x\n",
				BENCH_SPI0 + i);
		}
	}
	return fclose(f) == 0 ? 0 : -EIO;
}

/* Runs `ip -batch PATH`; returns the wall time in seconds, or -1 if it failed. */
static double run_ip(const char *path)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ip -batch %s", path);
	double t = now_s();
	int r = system(cmd);
	t = now_s() - t;
	return r == 0 ? t : -1;
}

/* Adds (or deletes) SAs 0..n-1 through the module; returns the wall time, or -1. */
static double run_module(struct xfrm_handle *h, unsigned n, bool add)
{
	double t = now_s();
	for (unsigned i = 0; i < n; i++) {
		struct xfrm_sa sa = bench_sa(i);
		int r;
		if (add) {
			r = xfrm_sa_add(h, &sa);
		} else {
			struct xfrm_sa_id id = {.src = sa.src, .dst = sa.dst, .spi = sa.spi,
						.proto = sa.proto};
			r = xfrm_sa_del(h, &id);
		}
		if (r < 0) {
			fprintf(stderr, "%s %u: %s\n", add ? "add" : "del", i, xfrm_errmsg(h));
			return -1;
		}
	}
	return now_s() - t;
}

static int check_count(struct xfrm_handle *h, const char *what, int want)
{
	int got = xfrm_sa_dump(h, NULL, NULL);
	if (got != want) {
		fprintf(stderr, "%s: %d SAs in the kernel, expected %d\n", what, got, want);
		return -1;
	}
	return 0;
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
	/* Warm-up outside the timing: the first GCM SA instantiates the crypto templates. */
	struct xfrm_sa warm = bench_sa(0);
	warm.spi = BENCH_SPI0 - 1;
	struct xfrm_sa_id warm_id = {.dst = warm.dst, .spi = warm.spi, .proto = warm.proto};
	if (xfrm_sa_add(h, &warm) < 0 || xfrm_sa_del(h, &warm_id) < 0) {
		fprintf(stderr, "warm-up: %s\n", xfrm_errmsg(h));
		return 1;
	}
	double mod_add = run_module(h, n, true);
	if (mod_add < 0 || check_count(h, "module add", (int)n) < 0)
		return 1;
	double mod_del = run_module(h, n, false);
	if (mod_del < 0 || check_count(h, "module delete", 0) < 0)
		return 1;

	char add_path[] = "/tmp/oak-sa-bench-add-XXXXXX", del_path[] = "/tmp/oak-sa-bench-del-XXXXXX";
	int fa = mkstemp(add_path), fd = mkstemp(del_path);
	if (fa < 0 || fd < 0)
		return 1;
	close(fa);
	close(fd);
	if (write_batch(add_path, n, true) < 0 || write_batch(del_path, n, false) < 0)
		return 1;
	double ip_add = run_ip(add_path);
	int ok = ip_add >= 0 && check_count(h, "ip add", (int)n) == 0;
	double ip_del = ok ? run_ip(del_path) : -1;
	ok = ok && ip_del >= 0 && check_count(h, "ip delete", 0) == 0;
	unlink(add_path);
	unlink(del_path);
	xfrm_close(h);
	if (!ok) {
		fprintf(stderr, "ip -batch failed\n");
		return 1;
	}
	printf("ESP SAs: %u (rfc4106(gcm(aes)), tunnel)\n", n);
	printf("xfrm module: add %.0f/s (%.3f s), delete %.0f/s (%.3f s)\n", n / mod_add, mod_add,
	       n / mod_del, mod_del);
	printf("ip -batch:   add %.0f/s (%.3f s), delete %.0f/s (%.3f s)\n", n / ip_add, ip_add,
	       n / ip_del, ip_del);
	printf("ratio module/ip (time ip / time module): add %.2f, delete %.2f, total %.2f\n",
	       ip_add / mod_add, ip_del / mod_del, (ip_add + ip_del) / (mod_add + mod_del));
	return 0;
}
