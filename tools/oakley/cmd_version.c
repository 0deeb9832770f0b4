// SPDX-License-Identifier: GPL-2.0-or-later
/* oakley version: the daemon's name, version and system (VICI version). */
#include "oakley.h"

int oak_cmd_version(struct oak_ctx *ctx, int argc, char **argv)
{
	struct oak_response resp = {0};
	char daemon[64], version[64], sysname[64], release[128], machine[64];
	(void)argc, (void)argv;

	if (oak_call(ctx, "version", NULL, NULL, NULL, NULL, &resp))
		return 1;
	const struct vici_node *root = resp.tree->root;
	if (ctx->json) {
		oak_json_section(stdout, root);
		fputc('\n', stdout);
	} else {
		vici_node_str(root, "daemon", daemon, sizeof(daemon), "?");
		vici_node_str(root, "version", version, sizeof(version), "?");
		vici_node_str(root, "sysname", sysname, sizeof(sysname), "?");
		vici_node_str(root, "release", release, sizeof(release), "?");
		vici_node_str(root, "machine", machine, sizeof(machine), "?");
		oak_print_bytes(stdout, daemon, strlen(daemon));
		fputc(' ', stdout);
		oak_print_bytes(stdout, version, strlen(version));
		fputs(" (", stdout);
		oak_print_bytes(stdout, sysname, strlen(sysname));
		fputs(", ", stdout);
		oak_print_bytes(stdout, release, strlen(release));
		fputs(", ", stdout);
		oak_print_bytes(stdout, machine, strlen(machine));
		fputs(")\n", stdout);
	}
	oak_response_free(&resp);
	return 0;
}
