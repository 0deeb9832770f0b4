// SPDX-License-Identifier: GPL-2.0-or-later
/* oakley list-certs: the certificates of the daemon's store (VICI list-certs, streamed as
 * list-cert events, asked for their readable fields rather than the DER swanctl gets). */
#include "oakley.h"

int oak_cmd_list_certs(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	struct vici_builder req;
	vici_builder_init_packet(&req, VICI_CMD_REQUEST, "list-certs");
	vici_add_kv_str(&req, "oakley-text", "yes");
	int r = oak_listing(ctx, "list-certs", "list-cert", &req);
	vici_builder_free(&req);
	return r ? 1 : 0;
}
