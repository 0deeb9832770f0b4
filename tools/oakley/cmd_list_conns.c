// SPDX-License-Identifier: GPL-2.0-or-later
/* oakley list-conns: the loaded connections (VICI list-conns, streamed as list-conn events). */
#include "oakley.h"

int oak_cmd_list_conns(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	return oak_listing(ctx, "list-conns", "list-conn", NULL) ? 1 : 0;
}
