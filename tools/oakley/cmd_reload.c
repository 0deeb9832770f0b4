// SPDX-License-Identifier: GPL-2.0-or-later
/* oakley reload: re-read the daemon's settings (VICI reload-settings). */
#include "oakley.h"

int oak_cmd_reload(struct oak_ctx *ctx, int argc, char **argv)
{
	struct oak_response resp = {0};
	(void)argc, (void)argv;

	if (oak_call(ctx, "reload-settings", NULL, NULL, NULL, NULL, &resp))
		return 1;
	int r = oak_check_success("reload", &resp);
	if (!r)
		printf("reloaded\n");
	oak_response_free(&resp);
	return r ? 1 : 0;
}
