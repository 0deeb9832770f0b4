// SPDX-License-Identifier: GPL-2.0-or-later
/* oakley list-sas [NAME]: the IKE and CHILD SAs (VICI list-sas, streamed as list-sa events). */
#include "oakley.h"

int oak_cmd_list_sas(struct oak_ctx *ctx, int argc, char **argv)
{
	struct vici_builder req;
	vici_builder_init_packet(&req, VICI_CMD_REQUEST, "list-sas");
	if (argc > 1)
		vici_add_kv_str(&req, "ike", argv[1]);
	int r = oak_listing(ctx, "list-sas", "list-sa", &req);
	vici_builder_free(&req);
	return r ? 1 : 0;
}
