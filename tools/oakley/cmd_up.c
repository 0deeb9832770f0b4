// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakley up NAME: initiate CHILD_SA config NAME (VICI initiate with child = NAME), printing the
 * control-log events while the daemon works, as swanctl --initiate does: each step of the
 * negotiation and each retransmission while the peer does not answer. On failure, the reason,
 * and whether the daemon tries again on its own (keyingtries).
 */
#include "oakley.h"

static int on_control_log(void *arg, const struct vici_tree *msg)
{
	(void)arg;
	oak_print_log(stdout, msg->root);
	fflush(stdout); /* progress: shown as it comes, also through a pipe */
	return 0;
}

/* The next attempt of a connecting conn, from its list-sa event. */
struct retry {
	char attempt[16], in[24];
};

static int on_sa(void *arg, const struct vici_tree *msg)
{
	struct retry *rt = arg;
	char state[16];
	for (const struct vici_node *ike = msg->root->child; ike; ike = ike->next) {
		if (ike->type != VICI_SECTION_START ||
		    strcmp(vici_node_str(ike, "state", state, sizeof(state), ""), "CONNECTING") !=
			    0 ||
		    !vici_node_get(ike, "next-attempt-in"))
			continue;
		vici_node_str(ike, "attempt", rt->attempt, sizeof(rt->attempt), "?");
		vici_node_str(ike, "next-attempt-in", rt->in, sizeof(rt->in), "?");
	}
	return 0;
}

/* After a failed attempt: says so if the daemon plans another one (keyingtries). */
static void report_retry(struct oak_ctx *ctx, const char *name)
{
	struct oak_response resp = {0};
	struct vici_builder req;
	struct retry rt = {.attempt = "", .in = ""};
	vici_builder_init_packet(&req, VICI_CMD_REQUEST, "list-sas");
	vici_add_kv_str(&req, "ike", name);
	int r = oak_call(ctx, "list-sas", &req, "list-sa", on_sa, &rt, &resp);
	vici_builder_free(&req);
	oak_response_free(&resp);
	if (r || !rt.in[0])
		return;
	fputs("oakley: the daemon tries ", stderr);
	oak_print_bytes(stderr, name, strlen(name));
	fputs(" again in ", stderr);
	oak_print_bytes(stderr, rt.in, strlen(rt.in));
	fputs("s (attempt ", stderr);
	oak_print_bytes(stderr, rt.attempt, strlen(rt.attempt));
	fputs(", keyingtries)\n", stderr);
}

int oak_cmd_up(struct oak_ctx *ctx, int argc, char **argv)
{
	struct oak_response resp = {0};
	struct vici_builder req;
	(void)argc;

	vici_builder_init_packet(&req, VICI_CMD_REQUEST, "initiate");
	vici_add_kv_str(&req, "child", argv[1]);
	int r = oak_call(ctx, "initiate", &req, "control-log", on_control_log, NULL, &resp);
	vici_builder_free(&req);
	if (r)
		return 1;
	r = oak_check_success("up", &resp);
	if (!r) {
		printf("initiate of ");
		oak_print_bytes(stdout, argv[1], strlen(argv[1]));
		printf(" completed successfully\n");
	} else {
		report_retry(ctx, argv[1]);
	}
	oak_response_free(&resp);
	return r ? 1 : 0;
}
