// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakley-ipsec verify: what an operator checks before blaming the peer. Each line ends in [OK],
 * [WARNING] (works, but often the cause of trouble) or [FAILED] (oakley cannot work so); the exit
 * status is 1 when anything failed.
 *   - the config: oakleyd --check-config (with OAKLEYD_ARGS' --config/--secrets);
 *   - netlink XFRM; ESP, AH and IPComp in the kernel (loaded, built in, or loadable);
 *   - UDP 500 and 4500: free, or held by an oakleyd that answers;
 *   - IPv4 forwarding (needed for subnets behind the gateway) and rp_filter (strict mode drops
 *     decapsulated packets of some setups).
 */
#include "tools/ipsec/ipsec.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>

enum verdict { V_OK, V_WARN, V_FAIL };

static int line(const char *what, enum verdict v, const char *detail)
{
	static const char *const word[] = {"OK", "WARNING", "FAILED"};
	printf("%-52s [%s]%s%s\n", what, word[v], detail ? " " : "", detail ? detail : "");
	return v == V_FAIL;
}

static int check_config(void)
{
	char buf[1024];
	char *argv[32];
	int n = 0;
	const char *d = getenv("OAKLEYD");
	const char *a = getenv("OAKLEYD_ARGS");
	argv[n++] = (char *)(d && *d ? d : "/usr/sbin/oakleyd");
	argv[n++] = "--check-config";
	snprintf(buf, sizeof(buf), "%s", a ? a : "");
	for (char *s = NULL, *t = strtok_r(buf, " ", &s); t && n < 32 - 1;
	     t = strtok_r(NULL, " ", &s))
		argv[n++] = t;
	argv[n] = NULL;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(2, 1); /* its diagnostics (file:line) go with ours, to stderr */
		execv(argv[0], argv);
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return line("Checking the configuration (oakleyd --check-config)", V_FAIL,
			    "could not run oakleyd");
	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	return line("Checking the configuration (oakleyd --check-config)", ok ? V_OK : V_FAIL,
		    ok ? NULL : "(its messages are above)");
}

/* Whether a kernel module is loaded, built in, or can be loaded. */
static bool have_module(const char *name)
{
	char path[512], want[64];
	struct utsname u;
	snprintf(path, sizeof(path), "/sys/module/%s", name);
	if (access(path, F_OK) == 0)
		return true;
	if (uname(&u) < 0)
		return false;
	snprintf(want, sizeof(want), "/%s.ko", name);
	const char *lists[] = {"modules.builtin", "modules.dep"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release, lists[i]);
		FILE *f = fopen(path, "r");
		char l[1024];
		bool found = false;
		while (f && !found && fgets(l, sizeof(l), f)) {
			char *colon = strchr(l, ':');
			if (colon)
				*colon = '\0';
			l[strcspn(l, "\n")] = '\0';
			char *dot = strstr(l, want);
			found = dot && (dot[strlen(want)] == '\0' || dot[strlen(want)] == '.');
		}
		if (f)
			fclose(f);
		if (found)
			return true;
	}
	return false;
}

/* Whether some socket in /proc/net/udp{,6} is bound to local port port. */
static bool udp_bound(unsigned port)
{
	const char *files[] = {"/proc/net/udp", "/proc/net/udp6"};
	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "r");
		char l[512];
		bool found = false;
		while (f && !found && fgets(l, sizeof(l), f)) {
			char *colon = strchr(l, ':'); /* "  N: ADDR:PORT ..." */
			colon = colon ? strchr(colon + 1, ':') : NULL;
			found = colon && strtoul(colon + 1, NULL, 16) == port;
		}
		if (f)
			fclose(f);
		if (found)
			return true;
	}
	return false;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int check_kernel(void)
{
	int bad = 0;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	bad += line("Checking for netlink XFRM in the kernel", fd >= 0 ? V_OK : V_FAIL,
		    fd >= 0 ? NULL : strerror(errno));
	if (fd >= 0)
		close(fd);
	static const struct {
		const char *what, *m4, *m6;
		enum verdict missing;
	} mods[] = {
		{"Checking for ESP in the kernel (esp4, esp6)", "esp4", "esp6", V_FAIL},
		{"Checking for AH in the kernel (ah4, ah6)", "ah4", "ah6", V_WARN},
		{"Checking for IPComp in the kernel (ipcomp, ipcomp6)", "ipcomp", "ipcomp6",
		 V_WARN},
	};
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		bool v4 = have_module(mods[i].m4), v6 = have_module(mods[i].m6);
		bad += line(mods[i].what,
			    v4 && v6 ? V_OK
			    : v4     ? V_WARN
				     : mods[i].missing,
			    v4 && v6 ? NULL
			    : v4     ? "(IPv4 only)"
				     : "(not loaded, built in or loadable)");
	}
	return bad;
}

static int check_host(struct oak_ctx *ctx)
{
	int bad = 0;
	bool daemon = oak_connect(ctx) == 0;
	oak_disconnect(ctx);
	static const unsigned ports[] = {500, 4500};
	for (size_t i = 0; i < 2; i++) {
		char what[64];
		snprintf(what, sizeof(what), "Checking UDP port %u", ports[i]);
		bool bound = udp_bound(ports[i]);
		bad += line(what, !bound || daemon ? V_OK : V_WARN,
			    !bound   ? "(free)"
			    : daemon ? "(in use; oakleyd answers on its socket)"
				     : "(in use by another program; oakleyd is not running)");
	}
	long fwd = read_long("/proc/sys/net/ipv4/ip_forward");
	bad += line("Checking IPv4 forwarding", fwd == 1 ? V_OK : V_WARN,
		    fwd == 1 ? NULL : "(off: subnets behind this gateway are not routed)");
	long all = read_long("/proc/sys/net/ipv4/conf/all/rp_filter");
	long def = read_long("/proc/sys/net/ipv4/conf/default/rp_filter");
	bool strict = all == 1 || def == 1;
	bad += line("Checking rp_filter", strict ? V_WARN : V_OK,
		    strict ? "(strict mode 1 can drop decapsulated packets: use 0 or 2)" : NULL);
	return bad;
}

int ips_verify(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("Verifying installed system and configuration files\n\n");
	int bad = check_config();
	bad += check_kernel();
	bad += check_host(ctx);
	return bad ? IPS_FAILED : IPS_OK;
}
