// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark: install and remove 10,000 ESP SAs (AES-GCM-16, tunnel mode, 192.0.2.1 -> 192.0.2.2,
 * SPIs 0x1000..) through xfrm/ and the same 10,000 through `ip -batch`, in one run, in a fresh
 * network namespace. Needs a kernel with ESP: on the host it skips; tests/vm/run runs it in the VM.
 *   xfrm-sas [COUNT]
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

/* A test key (not secret): 16 bytes of AES key and the 4-byte salt (RFC 4106 §8.1). */
static const uint8_t key[20] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
				0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct xfrm_sa sa_of(unsigned i)
{
	struct xfrm_sa sa = {.spi = 0x1000 + i,
			     .proto = IPPROTO_ESP,
			     .mode = XFRM_MODE_TUNNEL,
			     .reqid = XFRM_REQID_MIN + i,
			     .replay_window = 32,
			     .aead = {"rfc4106(gcm(aes))", key, sizeof(key), 128}};
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
		if (add)
			fprintf(f,
				"xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x%x "
				"reqid %u mode tunnel replay-window 32 aead 'rfc4106(gcm(aes))' "
				"0x00112233445566778899aabbccddeeff01020304 128\n",
				0x1000 + i, XFRM_REQID_MIN + i);
		else
			fprintf(f,
				"xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi "
				"0x%x\n",
				0x1000 + i);
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

static int phase_module(struct xfrm_handle *h, unsigned n, double *ret_add, double *ret_del)
{
	double t = now_s();
	for (unsigned i = 0; i < n; i++) {
		struct xfrm_sa sa = sa_of(i);
		int r = xfrm_sa_add(h, &sa);
		if (r == -EPROTONOSUPPORT || r == -ENOSYS) {
			printf("SKIP: %s\n", xfrm_errmsg(h));
			exit(77);
		}
		if (r < 0) {
			fprintf(stderr, "add %u: %s\n", i, xfrm_errmsg(h));
			return r;
		}
	}
	*ret_add = now_s() - t;
	int count = xfrm_sa_dump(h, NULL, NULL);
	t = now_s();
	for (unsigned i = 0; i < n; i++) {
		struct xfrm_sa_id id = {
			.dst = sa_of(i).dst, .spi = 0x1000 + i, .proto = IPPROTO_ESP};
		if (xfrm_sa_del(h, &id) < 0) {
			fprintf(stderr, "del %u: %s\n", i, xfrm_errmsg(h));
			return -EIO;
		}
	}
	*ret_del = now_s() - t;
	int left = xfrm_sa_dump(h, NULL, NULL);
	if (count != (int)n || left != 0) {
		fprintf(stderr, "module: %d SAs after add, %d after delete\n", count, left);
		return -EIO;
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
	double mod_add, mod_del;
	if (phase_module(h, n, &mod_add, &mod_del) < 0)
		return 1;
	char add_path[] = "/tmp/oak-xfrm-sas-add-XXXXXX",
	     del_path[] = "/tmp/oak-xfrm-sas-del-XXXXXX";
	int fa = mkstemp(add_path), fd = mkstemp(del_path);
	if (fa < 0 || fd < 0)
		return 1;
	close(fa);
	close(fd);
	if (write_batch(add_path, n, true) < 0 || write_batch(del_path, n, false) < 0)
		return 1;
	double ip_add = run_ip(add_path);
	int count = xfrm_sa_dump(h, NULL, NULL);
	double ip_del = run_ip(del_path);
	int left = xfrm_sa_dump(h, NULL, NULL);
	unlink(add_path);
	unlink(del_path);
	xfrm_close(h);
	if (ip_add < 0 || ip_del < 0 || count != (int)n || left != 0) {
		fprintf(stderr, "ip -batch failed: %d SAs after add, %d after delete\n", count,
			left);
		return 1;
	}
	printf("SAs: %u\n", n);
	printf("xfrm module: add %.0f/s (%.3f s), delete %.0f/s (%.3f s)\n", n / mod_add, mod_add,
	       n / mod_del, mod_del);
	printf("ip -batch:   add %.0f/s (%.3f s), delete %.0f/s (%.3f s)\n", n / ip_add, ip_add,
	       n / ip_del, ip_del);
	printf("ratio module/ip: add %.2f, delete %.2f, total %.2f\n", ip_add / mod_add,
	       ip_del / mod_del, (ip_add + ip_del) / (mod_add + mod_del));
	return 0;
}
