// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakley metrics: the daemon's counters and gauges (VICI oakley-metrics) in the Prometheus text
 * exposition format (version 0.0.4), e.g. for node_exporter's textfile collector.
 */
#include "oakley.h"

/* Prints bytes that came from the daemon; label values are its own and printable. */
static void print_n(const char *s, size_t n)
{
	oak_print_bytes(stdout, s, n);
}

int oak_cmd_metrics(struct oak_ctx *ctx, int argc, char **argv)
{
	struct oak_response resp = {0};
	(void)argc, (void)argv;
	if (oak_call(ctx, "oakley-metrics", NULL, NULL, NULL, NULL, &resp))
		return 1;
	const struct vici_node *root = resp.tree->root;
	if (oak_json_reply(ctx, &resp))
		return 0;
	const struct vici_node *help = vici_node_get(root, "help");
	const struct vici_node *samples = vici_node_get(root, "samples");
	if (!samples) {
		fprintf(stderr, "oakley: metrics: the daemon sent no samples\n");
		oak_response_free(&resp);
		return 1;
	}
	const char *last = NULL;
	size_t last_len = 0;
	for (const struct vici_node *n = samples->child; n; n = n->next) {
		if (n->type != VICI_KEY_VALUE)
			continue;
		const char *brace = memchr(n->name, '{', n->name_len);
		size_t flen = brace ? (size_t)(brace - n->name) : n->name_len;
		if (!last || flen != last_len || memcmp(last, n->name, flen) != 0) {
			char fam[256], h[512];
			snprintf(fam, sizeof(fam), "%.*s", (int)flen, n->name);
			vici_node_str(help, fam, h, sizeof(h), "");
			char *bar = strchr(h, '|');
			if (bar) {
				*bar = '\0';
				printf("# HELP %s ", fam);
				print_n(bar + 1, strlen(bar + 1));
				printf("\n# TYPE %s %s\n", fam, h);
			}
			last = n->name;
			last_len = flen;
		}
		print_n(n->name, n->name_len);
		fputc(' ', stdout);
		print_n((const char *)n->value, n->value_len);
		fputc('\n', stdout);
	}
	oak_response_free(&resp);
	return 0;
}
