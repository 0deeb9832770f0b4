// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakley [--socket PATH] COMMAND [ARGS] [--json]: the control tool of oakleyd, a VICI client.
 * Options may come anywhere on the line (until --). One subcommand per cmd_*.c, dispatched from
 * the table below.
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
	{"list-certs", "", "the certificates loaded: subject, issuer, validity, key", 0, 0,
	 oak_cmd_list_certs},
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
	fprintf(out, "Usage: oakley [--socket PATH] COMMAND [ARGS] [--json]\n"
		     "Options may come anywhere on the line; -- ends them.\n"
		     "  -s, --socket PATH  the daemon's VICI socket (default $OAKLEY_SOCKET, else\n"
		     "                     " OAK_DEFAULT_SOCKET ")\n"
		     "  -j, --json         print listings as JSON\n"
		     "  -h, --help         this text\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %-7s %s\n", commands[i].name, commands[i].args,
			commands[i].help);
}

/* Says which option getopt refused (argv[at] holds it, or is past it for a short option inside a
 * group) and why. Returns 2, the exit status of a usage error. */
static int bad_option(char **argv, int at, int opt, bool missing_arg)
{
	const char *arg = argv[at];
	char shortopt[3] = {'-', (char)opt, '\0'};
	if (!arg || strncmp(arg, "--", 2) != 0 || !arg[2])
		arg = shortopt; /* a short option, perhaps inside a group like -jx */
	if (missing_arg)
		fprintf(stderr, "oakley: option '%s' needs an argument\n", arg);
	else if (opt && arg != shortopt)
		fprintf(stderr, "oakley: option '%s' takes no argument\n", arg);
	else
		fprintf(stderr, "oakley: unknown option '%s'\n", arg);
	fprintf(stderr, "Try 'oakley --help'.\n");
	return 2;
}

/* Connects and runs cmd with its words (words[0] is the command). Returns the exit status. */
static int run(struct oak_ctx *ctx, const struct oak_command *cmd, int n, char **words)
{
	signal(SIGPIPE, SIG_IGN);
	if (oak_connect(ctx) < 0)
		return 1;
	int status = cmd->run(ctx, n, words);
	oak_disconnect(ctx);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "oakley: writing output failed\n");
		return 1;
	}
	return status;
}

/*
 * Parses the whole line: options wherever they are (until --), the rest in order into words
 * (at most argc of them). Returns the number of words, or -1 (usage printed, exit with 0 for
 * --help) or -2 (an error was printed, exit with 2).
 */
static int parse_line(int argc, char **argv, struct oak_ctx *ctx, char **words)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int n = 0, c;
	opterr = 0;
	/* "-": words come back as option 1, in order, whatever POSIXLY_CORRECT says */
	while ((c = getopt_long(argc, argv, "-:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 1:
			words[n++] = optarg;
			break;
		case 's':
			ctx->socket_path = optarg;
			break;
		case 'j':
			ctx->json = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case ':':
			bad_option(argv, optind - 1, optopt, true);
			return -2;
		default:
			bad_option(argv, optind - 1, optopt, false);
			return -2;
		}
	}
	while (optind < argc) /* after -- */
		words[n++] = argv[optind++];
	return n;
}

int main(int argc, char **argv)
{
	struct oak_ctx ctx = {.socket_path = OAK_DEFAULT_SOCKET, .fd = -1};
	const char *env = getenv("OAKLEY_SOCKET");
	char **words = calloc((size_t)argc + 1, sizeof(*words));

	if (!words) {
		fprintf(stderr, "oakley: out of memory\n");
		return 1;
	}
	if (env && *env)
		ctx.socket_path = env;
	int n = parse_line(argc, argv, &ctx, words);
	if (n < 0 || n == 0) {
		if (n == 0)
			usage(stderr);
		free(words);
		return n == -1 ? 0 : 2;
	}
	const struct oak_command *cmd = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(words[0], commands[i].name) == 0)
			cmd = &commands[i];
	int status = 2;
	if (!cmd)
		fprintf(stderr, "oakley: unknown command '%s' (try oakley --help)\n", words[0]);
	else if (n - 1 < cmd->min_args)
		fprintf(stderr, "oakley: %s: missing %s (usage: oakley %s %s)\n", cmd->name,
			cmd->args, cmd->name, cmd->args);
	else if (n - 1 > cmd->max_args)
		fprintf(stderr, "oakley: %s: unexpected argument '%s' (usage: oakley %s%s%s)\n",
			cmd->name, words[cmd->max_args + 1], cmd->name, cmd->args[0] ? " " : "",
			cmd->args);
	else
		status = run(&ctx, cmd, n, words);
	free(words);
	return status;
}
