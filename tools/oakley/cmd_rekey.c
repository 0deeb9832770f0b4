// SPDX-License-Identifier: GPL-2.0-or-later
/* oakley rekey NAME: new IPsec SAs for connection NAME (VICI rekey with child = NAME);
 * oakley reauth NAME: a new ISAKMP SA for it (VICI rekey with ike = NAME). */
#include "oakley.h"

int oak_cmd_rekey(struct oak_ctx *ctx, int argc, char **argv)
{
	struct oak_response resp = {0};
	struct vici_builder req;
	char matches[32];
	(void)argc;

	vici_builder_init_packet(&req, VICI_CMD_REQUEST, "rekey");
	bool ike = strcmp(argv[0], "reauth") == 0;
	vici_add_kv_str(&req, ike ? "ike" : "child", argv[1]);
	int r = oak_call(ctx, "rekey", &req, NULL, NULL, NULL, &resp);
	vici_builder_free(&req);
	if (r)
		return 1;
	r = oak_check_success("rekey", &resp);
	if (!r) {
		vici_node_str(resp.tree->root, "matches", matches, sizeof(matches), "?");
		printf("%s of ", ike ? "reauthentication" : "rekey");
		oak_print_bytes(stdout, argv[1], strlen(argv[1]));
		printf(" started (%s SAs matched)\n", matches);
	}
	oak_response_free(&resp);
	return r ? 1 : 0;
}
