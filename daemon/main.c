// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakleyd: the IKEv1 keying daemon. main() parses the command line, sets up logging, the event
 * loop (sd-event), signals, the IKE sockets and the worker pool, and runs until SIGTERM/SIGINT.
 */
#include "daemon/dmn.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon/log.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: oakleyd [--foreground] [--config FILE] [--secrets FILE] [--socket PATH]\n"
		   "               [--log-level err|warning|notice|info|debug] [--ike-port N]\n"
		   "               [--natt-port N] [--workers N]\n"
		   "       oakleyd --check-config [--config FILE] [--secrets FILE]\n"
		   "       oakleyd --version\n");
}

enum {
	OPT_CHECK = 0x100,
	OPT_IKE_PORT,
	OPT_NATT_PORT,
	OPT_WORKERS,
	OPT_VERSION,
};

static const struct option long_opts[] = {
	{"foreground", no_argument, NULL, 'f'},
	{"config", required_argument, NULL, 'c'},
	{"secrets", required_argument, NULL, 's'},
	{"socket", required_argument, NULL, 'S'},
	{"log-level", required_argument, NULL, 'l'},
	{"check-config", no_argument, NULL, OPT_CHECK},
	{"ike-port", required_argument, NULL, OPT_IKE_PORT},
	{"natt-port", required_argument, NULL, OPT_NATT_PORT},
	{"workers", required_argument, NULL, OPT_WORKERS},
	{"version", no_argument, NULL, OPT_VERSION},
	{"help", no_argument, NULL, 'h'},
	{0},
};

static int parse_port(const char *s, uint16_t *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* Fills opts from argv; returns 0, 1 to exit successfully (help/version) or -EINVAL. */
static int parse_args(int argc, char **argv, struct dmn_opts *opts)
{
	int c, lvl;
	while ((c = getopt_long(argc, argv, "fc:s:S:l:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			opts->foreground = true;
			break;
		case 'c':
			opts->config_path = optarg;
			break;
		case 's':
			opts->secrets_path = optarg;
			opts->secrets_given = true;
			break;
		case 'S':
			opts->socket_path = optarg;
			break;
		case 'l':
			lvl = dmn_log_level_parse(optarg);
			if (lvl < 0) {
				fprintf(stderr, "oakleyd: unknown log level '%s'\n", optarg);
				return -EINVAL;
			}
			opts->log_level = lvl;
			break;
		case OPT_CHECK:
			opts->check_config = true;
			break;
		case OPT_IKE_PORT:
		case OPT_NATT_PORT:
			if (parse_port(optarg, c == OPT_IKE_PORT ? &opts->ike_port : &opts->natt_port)) {
				fprintf(stderr, "oakleyd: bad port '%s'\n", optarg);
				return -EINVAL;
			}
			*(c == OPT_IKE_PORT ? &opts->ike_port_set : &opts->natt_port_set) = true;
			break;
		case OPT_WORKERS:
			opts->workers = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case OPT_VERSION:
			printf("oakleyd %s\n", OAKLEY_VERSION);
			return 1;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "oakleyd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct dmn_opts opts = {
		.config_path = "/etc/oakley/ipsec.conf",
		.secrets_path = "/etc/oakley/ipsec.secrets",
		.socket_path = "/run/oakley/oakley.vici",
		.log_level = LOG_INFO,
		.ike_port = 500,
		.natt_port = 4500,
	};
	int r = parse_args(argc, argv, &opts);
	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	/* journald reads <N> prefixes from stderr when it is connected to the journal. */
	dmn_log_setup(opts.log_level, getenv("JOURNAL_STREAM") != NULL);

	if (opts.check_config)
		return dmn_check_config(&opts) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;

	struct dmn *d = NULL;
	r = dmn_new(&opts, &d);
	if (r < 0) {
		log_err("startup failed: %s", strerror(-r));
		dmn_free(d);
		return EXIT_FAILURE;
	}
	r = dmn_run(d);
	dmn_free(d);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
