// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmn_caps_drop(): each case runs in a forked child (dropping is one-way) and reads the result
 * back from /proc/self/status, the kernel's own view, as well as through libcap. Needs root.
 * Bits (include/uapi/linux/capability.h): CAP_NET_BIND_SERVICE = 10, CAP_NET_ADMIN = 12, so the
 * kept mask is 0x1400.
 */
#include "daemon/caps.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/log.h"
#include "tests/testutil.h"

#define KEPT_MASK 0x1400ull

/* Reads "Name:\t<hex>" (or decimal for NoNewPrivs) from /proc/self/status; UINT64_MAX if absent. */
static uint64_t status_field(const char *name, int base)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return UINT64_MAX;
	char line[256];
	size_t n = strlen(name);
	uint64_t v = UINT64_MAX;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = strtoull(line + n + 1, NULL, base);
	fclose(f);
	return v;
}

/* Runs fn in a child; returns the child's exit status (its failure count) or 100 on a crash. */
static int in_child(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int failures = fn();
		printf("  %u checks in the child, %d failed\n", test_checks, failures);
		fflush(stdout);
		_exit(failures);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 100;
	return WEXITSTATUS(st);
}

static int case_root(void)
{
	CHECK_EQ_INT(dmn_caps_drop(), 0);
	CHECK(dmn_caps_are_dropped());
	CHECK_EQ_INT(status_field("CapPrm", 16), KEPT_MASK);
	CHECK_EQ_INT(status_field("CapEff", 16), KEPT_MASK);
	CHECK_EQ_INT(status_field("CapInh", 16), 0);
	CHECK_EQ_INT(status_field("CapBnd", 16), KEPT_MASK);
	CHECK_EQ_INT(status_field("CapAmb", 16), 0);
	CHECK_EQ_INT(status_field("NoNewPrivs", 10), 1);
	/* A dropped capability cannot come back. */
	cap_t c = cap_from_text("cap_sys_admin=ep");
	CHECK(c != NULL);
	CHECK(cap_set_proc(c) < 0 && errno == EPERM);
	cap_free(c);
	/* Still uid 0, yet without CAP_DAC_OVERRIDE/CAP_SYS_ADMIN: setting the hostname fails. */
	CHECK(sethostname("x", 1) < 0 && errno == EPERM);
	/* A second call finds the same state and succeeds without CAP_SETPCAP. */
	CHECK_EQ_INT(dmn_caps_drop(), 0);
	CHECK_EQ_INT(status_field("CapBnd", 16), KEPT_MASK);
	return (int)test_failures;
}

/* Non-root, nothing permitted: a clear -EPERM and the sets are left alone. */
static int case_nonroot(void)
{
	if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
		return 50;
	CHECK_EQ_INT(status_field("CapPrm", 16), 0);
	CHECK_EQ_INT(dmn_caps_drop(), -EPERM);
	CHECK_EQ_INT(status_field("NoNewPrivs", 10), 0);
	CHECK(!dmn_caps_are_dropped());
	return (int)test_failures;
}

/* Only CAP_NET_ADMIN permitted (and no CAP_SETPCAP): -EPERM, naming the missing one. */
static int case_missing_one(void)
{
	cap_t c = cap_from_text("cap_net_admin=ep");
	int r = c ? cap_set_proc(c) : -1;
	cap_free(c);
	if (r < 0)
		return 50;
	CHECK_EQ_INT(dmn_caps_drop(), -EPERM);
	CHECK_EQ_INT(status_field("CapPrm", 16), 0x1000);
	return (int)test_failures;
}

/* Started by systemd-like parent: both kept caps plus CAP_SETPCAP absent, bounding set full. The
 * drop still succeeds (the bounding set cannot be reduced without CAP_SETPCAP). */
static int case_no_setpcap(void)
{
	cap_t c = cap_from_text("cap_net_admin,cap_net_bind_service,cap_sys_admin=ep");
	int r = c ? cap_set_proc(c) : -1;
	cap_free(c);
	if (r < 0)
		return 50;
	CHECK_EQ_INT(dmn_caps_drop(), 0);
	CHECK_EQ_INT(status_field("CapEff", 16), KEPT_MASK);
	CHECK_EQ_INT(status_field("CapPrm", 16), KEPT_MASK);
	CHECK(status_field("CapBnd", 16) != KEPT_MASK);
	CHECK(!dmn_caps_are_dropped());
	return (int)test_failures;
}

static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* Capabilities are per thread: with a second thread running the drop refuses (-EBUSY). */
static int case_threads(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, idle_thread, NULL) != 0)
		return 50;
	CHECK_EQ_INT(dmn_caps_drop(), -EBUSY);
	CHECK(status_field("CapEff", 16) != KEPT_MASK);
	return (int)test_failures;
}

int main(void)
{
	if (geteuid() != 0)
		TEST_SKIP("needs root (capabilities are dropped for real, in child processes)");
	dmn_log_setup(LOG_DEBUG, false);
	static const struct {
		const char *name;
		int (*fn)(void);
	} cases[] = {
		{"root", case_root},
		{"nonroot", case_nonroot},
		{"missing_one", case_missing_one},
		{"no_setpcap", case_no_setpcap},
		{"threads", case_threads},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = in_child(cases[i].fn);
		printf("case %s: %s (%d)\n", cases[i].name, r == 0 ? "ok" : "FAILED", r);
		CHECK_EQ_INT(r, 0);
	}
	return TEST_END();
}
