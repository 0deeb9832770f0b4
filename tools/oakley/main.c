// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakley [--socket PATH] [--json] COMMAND [ARGS]: the control tool of oakleyd, a VICI client.
 * One subcommand per cmd_*.c, dispatched from the table below.
 */
#include "oakley.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>

static const struct oak_command commands[] = {
	{"up", "NAME", "initiate CHILD_SA config NAME, showing the daemon's log", 1, 1, oak_cmd_up},
	{"down", "NAME", "terminate the IKE SA NAME and its CHILD SAs", 1, 1, oak_cmd_down},
	{"status", "[NAME]", "one line per IKE and CHILD SA", 0, 1, oak_cmd_status},
	{"list-conns", "", "the loaded connections", 0, 0, oak_cmd_list_conns},
	{"list-sas", "[NAME]", "the IKE and CHILD SAs, every field", 0, 1, oak_cmd_list_sas},
	{"reload", "", "re-read the daemon's settings", 0, 0, oak_cmd_reload},
	{"rekey", "NAME", "new IPsec SAs for connection NAME (the old ones go once replaced)", 1, 1,
	 oak_cmd_rekey},
	{"explain", "[NAME]",
	 "why negotiations of NAME (or of any conn) failed, and what to change", 0, 1,
	 oak_cmd_explain},
	{"metrics", "", "counters and gauges in the Prometheus text format", 0, 0, oak_cmd_metrics},
	{"reauth", "NAME", "a new ISAKMP SA for connection NAME (its IPsec SAs move to it)", 1, 1,
	 oak_cmd_rekey},
	{"log", "", "follow the daemon's log until interrupted", 0, 0, oak_cmd_log},
	{"version", "", "the daemon's name and version", 0, 0, oak_cmd_version},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: oakley [--socket PATH] [--json] COMMAND [ARGS]\n"
		     "  --socket PATH  the daemon's VICI socket (default $OAKLEY_SOCKET, else\n"
		     "                 " OAK_DEFAULT_SOCKET ")\n"
		     "  --json         print listings as JSON\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %-7s %s\n", commands[i].name, commands[i].args,
			commands[i].help);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct oak_ctx ctx = {.socket_path = OAK_DEFAULT_SOCKET, .fd = -1};
	const char *env = getenv("OAKLEY_SOCKET");
	int c;

	if (env && *env)
		ctx.socket_path = env;
	while ((c = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			ctx.socket_path = optarg;
			break;
		case 'j':
			ctx.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const struct oak_command *cmd = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "oakley: unknown command '%s' (try oakley --help)\n", argv[optind]);
		return 2;
	}
	int nargs = argc - optind - 1;
	if (nargs < cmd->min_args || nargs > cmd->max_args) {
		fprintf(stderr, "oakley: usage: oakley %s %s\n", cmd->name, cmd->args);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (oak_connect(&ctx) < 0)
		return 1;
	int status = cmd->run(&ctx, nargs + 1, argv + optind);
	oak_disconnect(&ctx);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "oakley: writing output failed\n");
		return 1;
	}
	return status;
}
