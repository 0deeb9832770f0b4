// SPDX-License-Identifier: GPL-2.0-or-later
/* Listings streamed as events (list-conns, list-sas), printed as text or as one JSON array. */
#include "oakley.h"

struct listing {
	struct oak_ctx *ctx;
	unsigned count;
};

static int on_event(void *arg, const struct vici_tree *msg)
{
	struct listing *l = arg;
	if (l->ctx->json) {
		fputs(l->count ? ",\n" : "", stdout);
		oak_json_section(stdout, msg->root);
	} else {
		oak_print_section(stdout, msg->root, 0);
	}
	l->count++;
	return 0;
}

int oak_listing(struct oak_ctx *ctx, const char *cmd, const char *event, struct vici_builder *req)
{
	struct listing l = {.ctx = ctx};
	struct oak_response resp = {0};

	if (ctx->json)
		fputs("[", stdout);
	int r = oak_call(ctx, cmd, req, event, on_event, &l, &resp);
	if (ctx->json)
		fputs("]\n", stdout);
	oak_response_free(&resp);
	return r;
}
