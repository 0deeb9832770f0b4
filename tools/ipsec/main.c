// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakley-ipsec [--socket PATH] VERB [ARGS]: the `ipsec` command of strongSwan's starter and of
 * Libreswan, for oakleyd. The verb table below is the contract (tests/netns/ipsec-cmd.sh runs every
 * row); anything not in it is refused with exit status 2.
 */
#include "tools/ipsec/ipsec.h"

#include <signal.h>
#include <stdlib.h>

static int unsupported(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)ctx, (void)argc;
	fprintf(stderr, "ipsec: '%s' is not supported by oakley", argv[0]);
	if (strcmp(argv[0], "listcerts") == 0 || strcmp(argv[0], "listcacerts") == 0 ||
	    strcmp(argv[0], "listcrls") == 0)
		fprintf(stderr,
			": oakley authenticates with pre-shared keys only (no certificates)");
	else if (strcmp(argv[0], "purgeike") == 0 || strcmp(argv[0], "scencrypt") == 0 ||
		 strcmp(argv[0], "pki") == 0 || strcmp(argv[0], "showhostkey") == 0 ||
		 strcmp(argv[0], "newhostkey") == 0)
		fprintf(stderr, ": it belongs to another daemon's key store");
	fputc('\n', stderr);
	return IPS_USAGE;
}

/* clang-format off */
static const struct ips_verb verbs[] = {
	/* strongSwan starter */
	{"up", "NAME", "initiate connection NAME", 1, 1, true, ips_up},
	{"down", "NAME|NAME{N}|NAME[N]|NAME{*}|NAME[*]", "close ISAKMP SA(s) or IPsec SA(s)", 1, 1, true, ips_down},
	{"route", "NAME", "install NAME's trap policies (auto=route)", 1, 1, true, ips_route},
	{"unroute", "NAME", "remove NAME's trap policies", 1, 1, true, ips_unroute},
	{"status", "[NAME]", "the SAs (Libreswan's format with OAKLEY_IPSEC_STYLE=libreswan)", 0, 1, true, ips_status},
	{"statusall", "[NAME]", "connections and SAs", 0, 1, true, ips_statusall},
	{"reload", "", "re-read ipsec.conf and ipsec.secrets", 0, 0, true, ips_reload},
	{"update", "", "same as reload: changed conns are replaced, others kept", 0, 0, true, ips_reload},
	{"rereadsecrets", "", "re-read ipsec.secrets (and ipsec.conf)", 0, 0, true, ips_reload},
	{"rereadall", "", "re-read ipsec.secrets and ipsec.conf", 0, 0, true, ips_reload},
	{"secrets", "", "Libreswan's rereadsecrets", 0, 0, true, ips_reload},
	{"start", "", "start oakleyd (through systemd when it runs)", 0, 0, false, ips_start},
	{"stop", "", "stop oakleyd", 0, 0, false, ips_stop},
	{"restart", "", "stop and start oakleyd", 0, 0, false, ips_restart},
	{"version", "", "versions of this tool and of the daemon", 0, 0, false, ips_version},
	{"--version", "", "same as version", 0, 0, false, ips_version},
	/* Libreswan */
	{"auto", "--up|--down|--add|--delete|--route|--unroute|--replace|--status|--rereadsecrets [NAME]",
	 "Libreswan's connection verbs", 1, 2, true, ips_auto},
	{"whack", "--trafficstatus|--status|--shuntstatus", "Libreswan's status verbs", 1, 1, true, ips_whack},
	{"trafficstatus", "", "one line per IPsec SA (Libreswan's format)", 0, 0, true, ips_trafficstatus},
	{"shuntstatus", "", "bare shunts (oakley installs none)", 0, 0, true, ips_shuntstatus},
	{"verify", "", "check the config and what the kernel and host offer", 0, 0, false, ips_verify},
	/* known verbs of the originals that oakley does not have */
	{"listcerts", "", NULL, 0, 9, false, unsupported},
	{"listcacerts", "", NULL, 0, 9, false, unsupported},
	{"listcrls", "", NULL, 0, 9, false, unsupported},
	{"purgeike", "", NULL, 0, 9, false, unsupported},
	{"showhostkey", "", NULL, 0, 9, false, unsupported},
	{"newhostkey", "", NULL, 0, 9, false, unsupported},
	{"pki", "", NULL, 0, 99, false, unsupported},
	{"scencrypt", "", NULL, 0, 99, false, unsupported},
};
/* clang-format on */

#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

static void usage(FILE *out)
{
	fprintf(out, "Usage: ipsec [--socket PATH] VERB [ARGS]   (oakley-ipsec, for oakleyd)\n"
		     "  --socket PATH  oakleyd's VICI socket (default $OAKLEY_SOCKET, "
		     "else " OAK_DEFAULT_SOCKET ")\nVerbs:\n");
	for (size_t i = 0; i < N_VERBS; i++)
		if (verbs[i].help)
			fprintf(out, "  %s %s\n      %s\n", verbs[i].name, verbs[i].args,
				verbs[i].help);
}

static const struct ips_verb *find_verb(const char *name)
{
	for (size_t i = 0; i < N_VERBS; i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct oak_ctx ctx = {.socket_path = OAK_DEFAULT_SOCKET, .fd = -1};
	const char *env = getenv("OAKLEY_SOCKET");
	int i = 1;

	if (env && *env)
		ctx.socket_path = env;
	for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--version") != 0; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			ctx.socket_path = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return IPS_OK;
		} else {
			fprintf(stderr, "ipsec: unknown option '%s' (try ipsec --help)\n", argv[i]);
			return IPS_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return IPS_USAGE;
	}
	const struct ips_verb *v = find_verb(argv[i]);
	if (!v) {
		fprintf(stderr, "ipsec: unknown verb '%s' (try ipsec --help)\n", argv[i]);
		return IPS_USAGE;
	}
	int nargs = argc - i - 1;
	if (nargs < v->min_args || nargs > v->max_args) {
		fprintf(stderr, "ipsec: usage: ipsec %s %s\n", v->name, v->args);
		return IPS_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	if (v->needs_daemon && oak_connect(&ctx) < 0)
		return IPS_NOT_RUNNING;
	int status = v->run(&ctx, nargs + 1, argv + i);
	oak_disconnect(&ctx);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "ipsec: writing output failed\n");
		return IPS_FAILED;
	}
	return status;
}
