// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakley down NAME: terminate the IKE SA of connection NAME and its CHILD SAs (VICI terminate with
 * ike = NAME), printing the control-log events meanwhile.
 */
#include "oakley.h"

static int on_control_log(void *arg, const struct vici_tree *msg)
{
	(void)arg;
	oak_print_log(stdout, msg->root);
	return 0;
}

int oak_cmd_down(struct oak_ctx *ctx, int argc, char **argv)
{
	struct oak_response resp = {0};
	struct vici_builder req;
	(void)argc;

	vici_builder_init_packet(&req, VICI_CMD_REQUEST, "terminate");
	vici_add_kv_str(&req, "ike", argv[1]);
	int r = oak_call(ctx, "terminate", &req, "control-log", on_control_log, NULL, &resp);
	vici_builder_free(&req);
	if (r)
		return 1;
	r = oak_check_success("down", &resp);
	if (!r) {
		printf("terminate of ");
		oak_print_bytes(stdout, argv[1], strlen(argv[1]));
		printf(" completed successfully\n");
	}
	oak_response_free(&resp);
	return r ? 1 : 0;
}
