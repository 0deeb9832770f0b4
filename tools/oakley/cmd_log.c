// SPDX-License-Identifier: GPL-2.0-or-later
/* oakley log: follow the daemon's log (VICI log events) until interrupted. */
#include "oakley.h"

static int on_log(void *arg, const struct vici_tree *msg)
{
	(void)arg;
	oak_print_log(stdout, msg->root);
	return 0;
}

int oak_cmd_log(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	return oak_follow(ctx, "log", on_log, NULL) ? 1 : 0;
}
