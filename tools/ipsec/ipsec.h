/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oakley-ipsec (installed as `ipsec` where no other package provides it): the verbs of strongSwan's
 * starter `ipsec` and of Libreswan's `ipsec`, spoken to oakleyd over VICI with the oakley tool's
 * client (tools/oakley), so that scripts written for either keep working. One const table of
 * verbs per family; a verb it does not support says so and exits 2.
 */
#pragma once

#include "tools/oakley/oakley.h"

#define IPS_NAME_MAX 64 /* a conn name, as oakleyd bounds it (DMN_NAME_MAX) */

/* Exit statuses, as the originals use them: 0 done, 1 failed, 2 usage or unsupported, 3 the
 * daemon is not running (status verbs). */
enum ips_exit {
	IPS_OK = 0,
	IPS_FAILED = 1,
	IPS_USAGE = 2,
	IPS_NOT_RUNNING = 3,
};

struct ips_verb {
	const char *name;
	const char *args;
	const char *help;
	int min_args, max_args;
	bool needs_daemon; /* connect to the VICI socket before run */
	int (*run)(struct oak_ctx *ctx, int argc, char **argv);
};

/*
 * Sends cmd with one optional key = value, streaming the daemon's control-log lines to stdout
 * when log is set. Returns 0 when the daemon answered success = yes, else 1 (the reason is
 * printed on stderr).
 */
int ips_simple(struct oak_ctx *ctx, const char *cmd, const char *key, const char *value, bool log);
/* Calls fn with the name of every conn oakleyd has (VICI list-conns). */
int ips_each_conn(struct oak_ctx *ctx, void (*fn)(void *arg, const char *name, size_t len),
		  void *arg);
/* Prints pre NAME post for every conn (only the one called only, when not NULL); *ret_n: how
 * many. */
int ips_print_conns(struct oak_ctx *ctx, const char *only, const char *pre, const char *post,
		    unsigned *ret_n);
/* Whether conn NAME is loaded. 1 yes, 0 no, -1 the call failed. */
int ips_conn_loaded(struct oak_ctx *ctx, const char *name);
/* Calls fn for every IKE SA section of VICI list-sas (filtered to conn name when non-NULL). */
int ips_each_ike(struct oak_ctx *ctx, const char *name,
		 void (*fn)(void *arg, const struct vici_node *ike), void *arg);

/* strongSwan starter verbs (swan.c) */
int ips_up(struct oak_ctx *ctx, int argc, char **argv);
int ips_down(struct oak_ctx *ctx, int argc, char **argv);
int ips_route(struct oak_ctx *ctx, int argc, char **argv);
int ips_unroute(struct oak_ctx *ctx, int argc, char **argv);
int ips_status(struct oak_ctx *ctx, int argc, char **argv);
int ips_statusall(struct oak_ctx *ctx, int argc, char **argv);
int ips_reload(struct oak_ctx *ctx, int argc, char **argv);
int ips_version(struct oak_ctx *ctx, int argc, char **argv);

/* Libreswan verbs (lsw.c) */
int ips_auto(struct oak_ctx *ctx, int argc, char **argv);
int ips_whack(struct oak_ctx *ctx, int argc, char **argv);
int ips_lsw_status(struct oak_ctx *ctx, int argc, char **argv);
int ips_trafficstatus(struct oak_ctx *ctx, int argc, char **argv);
int ips_shuntstatus(struct oak_ctx *ctx, int argc, char **argv);

/* The daemon's process and the host (service.c) */
int ips_start(struct oak_ctx *ctx, int argc, char **argv);
int ips_stop(struct oak_ctx *ctx, int argc, char **argv);
int ips_restart(struct oak_ctx *ctx, int argc, char **argv);
int ips_verify(struct oak_ctx *ctx, int argc, char **argv);
