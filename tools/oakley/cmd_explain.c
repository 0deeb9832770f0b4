// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakley explain [NAME]: why the last negotiations of connection NAME (or of every conn and of
 * peers no conn matched) failed, in plain words, and what to change (VICI oakley-explain).
 */
#include "oakley.h"

static void field(const struct vici_node *sec, const char *key, char *buf, size_t len)
{
	vici_node_str(sec, key, buf, len, "?");
}

static void out(const char *s)
{
	oak_print_bytes(stdout, s, strlen(s));
}

int oak_cmd_explain(struct oak_ctx *ctx, int argc, char **argv)
{
	struct oak_response resp = {0};
	struct vici_builder req;
	vici_builder_init_packet(&req, VICI_CMD_REQUEST, "oakley-explain");
	if (argc > 1)
		vici_add_kv_str(&req, "name", argv[1]);
	int r = oak_call(ctx, "oakley-explain", &req, NULL, NULL, NULL, &resp);
	vici_builder_free(&req);
	if (r)
		return 1;
	const struct vici_node *root = resp.tree->root;
	if (oak_json_reply(ctx, &resp))
		return 0;
	const struct vici_node *order = vici_node_get(root, "order");
	unsigned n = 0;
	for (const struct vici_node *it = order ? order->child : NULL; it; it = it->next) {
		char key[16];
		snprintf(key, sizeof(key), "%.*s", (int)it->value_len, (const char *)it->value);
		const struct vici_node *f = vici_node_get(root, key);
		if (!f)
			continue;
		char conn[128], peer[128], phase[8], role[16], reason[64], detail[512], why[512],
			fix[512], ago[32], count[16];
		field(f, "conn", conn, sizeof(conn));
		field(f, "peer", peer, sizeof(peer));
		field(f, "phase", phase, sizeof(phase));
		field(f, "role", role, sizeof(role));
		field(f, "reason", reason, sizeof(reason));
		field(f, "detail", detail, sizeof(detail));
		field(f, "why", why, sizeof(why));
		field(f, "fix", fix, sizeof(fix));
		field(f, "seconds-ago", ago, sizeof(ago));
		field(f, "count", count, sizeof(count));
		if (n++)
			fputc('\n', stdout);
		out(conn[0] ? conn : "(no conn)");
		printf(": phase %s as %s with ", phase, role);
		out(peer);
		printf(", %s s ago (%s time%s): ", ago, count, strcmp(count, "1") ? "s" : "");
		out(reason);
		fputs("\n  what happened: ", stdout);
		out(detail);
		fputs("\n  why:           ", stdout);
		out(why);
		fputs("\n  fix:           ", stdout);
		out(fix);
		fputc('\n', stdout);
	}
	if (!n) {
		if (argc > 1) {
			fputs("no failed negotiation recorded for ", stdout);
			out(argv[1]);
			fputc('\n', stdout);
		} else {
			puts("no failed negotiation recorded");
		}
	}
	oak_response_free(&resp);
	return 0;
}
