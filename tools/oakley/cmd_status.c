// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakley status [NAME]: one line per IKE SA and one per CHILD SA under it, like `ipsec status`,
 * built from the list-sa events of VICI list-sas (field names as swanctl spells them):
 *   Security Associations (1 up, 0 connecting):
 *   net[1]: ESTABLISHED 12s ago, 192.0.2.1[a]...192.0.2.2[b], AES_CBC-128/HMAC_SHA2_256_128/...
 *     net{1}: INSTALLED, TUNNEL, ESP SPIs c1234567_i c7654321_o, AES_CBC-128/HMAC_SHA2_256_128,
 *             1.2 KB in, 900 bytes out, 10.0.1.0/24 === 10.0.2.0/24
 * (with IPComp "ESP SPIs c1234567_i c7654321_o IPComp CPIs 1a2b_i 3c4d_o, ...")
 * and a conn that has no ISAKMP SA yet (a negotiation runs, or a keyingtries retry is planned):
 *   net: CONNECTING, 192.0.2.1...192.0.2.2, attempt 2, next in 2s
 */
#include "oakley.h"

#include <stdlib.h>

struct status {
	FILE *out;
	unsigned up;
	unsigned connecting;
};

/* Prints the value of key in sec (escaped), or def if it is missing. */
static void put(FILE *out, const struct vici_node *sec, const char *key, const char *def)
{
	const struct vici_node *n = vici_node_get(sec, key);
	if (n && n->type == VICI_KEY_VALUE)
		oak_print_bytes(out, n->value, n->value_len);
	else
		fputs(def, out);
}

/* Prints "ENCR[-KEYSIZE]/INTEG[/PRF][/DH]" from whichever of the algorithm keys are present. */
static void put_algs(FILE *out, const struct vici_node *sec)
{
	static const char *const keys[] = {"integ-alg", "prf-alg", "dh-group"};
	put(out, sec, "encr-alg", "?");
	if (vici_node_get(sec, "encr-keysize")) {
		fputc('-', out);
		put(out, sec, "encr-keysize", "");
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (vici_node_get(sec, keys[i])) {
			fputc('/', out);
			put(out, sec, keys[i], "");
		}
	}
}

static void put_ts(FILE *out, const struct vici_node *child, const char *key)
{
	const struct vici_node *l = vici_node_get(child, key);
	if (!l || l->type != VICI_LIST_START || !l->child) {
		fputs("?", out);
		return;
	}
	for (const struct vici_node *it = l->child; it; it = it->next) {
		oak_print_bytes(out, it->value, it->value_len);
		if (it->next)
			fputc(',', out);
	}
}

static void put_child(FILE *out, const struct vici_node *c)
{
	char num[32], buf[32];
	fputs("  ", out);
	put(out, c, "name", "?");
	fputc('{', out);
	put(out, c, "uniqueid", "?");
	fputs("}: ", out);
	put(out, c, "state", "?");
	fputs(", ", out);
	put(out, c, "mode", "?");
	fputs(", ", out);
	put(out, c, "protocol", "?");
	fputs(" SPIs ", out);
	put(out, c, "spi-in", "?");
	fputs("_i ", out);
	put(out, c, "spi-out", "?");
	fputs("_o", out);
	if (vici_node_get(c, "cpi-in")) { /* IPComp */
		fputs(" IPComp CPIs ", out);
		put(out, c, "cpi-in", "?");
		fputs("_i ", out);
		put(out, c, "cpi-out", "?");
		fputs("_o", out);
	}
	fputs(", ", out);
	put_algs(out, c);
	fprintf(out, ", %s in",
		oak_fmt_bytes(buf, sizeof(buf),
			      vici_node_str(c, "bytes-in", num, sizeof(num), "")));
	fprintf(out, ", %s out",
		oak_fmt_bytes(buf, sizeof(buf),
			      vici_node_str(c, "bytes-out", num, sizeof(num), "")));
	if (vici_node_get(c, "install-time")) {
		fputs(", installed ", out);
		put(out, c, "install-time", "?");
		fputs("s ago", out);
	}
	fputs(", ", out);
	put_ts(out, c, "local-ts");
	fputs(" === ", out);
	put_ts(out, c, "remote-ts");
	fputc('\n', out);
}

/* A conn that is connecting: no SA to show yet, only the attempt. */
static void put_connecting(FILE *out, const struct vici_node *ike)
{
	oak_print_bytes(out, ike->name, ike->name_len);
	fputs(": CONNECTING, ", out);
	put(out, ike, "local-host", "?");
	fputs("...", out);
	put(out, ike, "remote-host", "?");
	if (vici_node_get(ike, "attempt")) {
		fputs(", attempt ", out);
		put(out, ike, "attempt", "?");
	}
	if (vici_node_get(ike, "next-attempt-in")) {
		fputs(", next in ", out);
		put(out, ike, "next-attempt-in", "?");
		fputc('s', out);
	}
	fputc('\n', out);
}

static void put_ike(struct status *st, const struct vici_node *ike)
{
	FILE *out = st->out;
	char state[32];

	vici_node_str(ike, "state", state, sizeof(state), "?");
	if (strcmp(state, "ESTABLISHED") == 0)
		st->up++;
	else if (strcmp(state, "CONNECTING") == 0)
		st->connecting++;
	if (strcmp(state, "CONNECTING") == 0 && !vici_node_get(ike, "established")) {
		put_connecting(out, ike);
		return;
	}
	oak_print_bytes(out, ike->name, ike->name_len);
	fputc('[', out);
	put(out, ike, "uniqueid", "?");
	fputs("]: ", out);
	oak_print_bytes(out, state, strlen(state));
	if (vici_node_get(ike, "established")) {
		fputc(' ', out);
		put(out, ike, "established", "?");
		fputs("s ago", out);
	}
	fputs(", ", out);
	put(out, ike, "local-host", "?");
	fputc('[', out);
	put(out, ike, "local-id", "");
	fputs("]...", out);
	put(out, ike, "remote-host", "?");
	fputc('[', out);
	put(out, ike, "remote-id", "");
	fputs("], IKEv", out);
	put(out, ike, "version", "?");
	fputs(", ", out);
	put_algs(out, ike);
	fputc('\n', out);
	const struct vici_node *children = vici_node_get(ike, "child-sas");
	for (const struct vici_node *c = children ? children->child : NULL; c; c = c->next)
		if (c->type == VICI_SECTION_START)
			put_child(out, c);
}

static int on_sa(void *arg, const struct vici_tree *msg)
{
	for (const struct vici_node *ike = msg->root->child; ike; ike = ike->next)
		if (ike->type == VICI_SECTION_START)
			put_ike(arg, ike);
	return 0;
}

int oak_cmd_status(struct oak_ctx *ctx, int argc, char **argv)
{
	struct oak_response resp = {0};
	struct vici_builder req;
	struct status st = {0};
	char *text = NULL;
	size_t text_len = 0;

	vici_builder_init_packet(&req, VICI_CMD_REQUEST, "list-sas");
	if (argc > 1)
		vici_add_kv_str(&req, "ike", argv[1]);
	if (ctx->json) {
		int r = oak_listing(ctx, "list-sas", "list-sa", &req);
		vici_builder_free(&req);
		return r ? 1 : 0;
	}
	st.out = open_memstream(&text, &text_len);
	if (!st.out) {
		vici_builder_free(&req);
		fprintf(stderr, "oakley: out of memory\n");
		return 1;
	}
	int r = oak_call(ctx, "list-sas", &req, "list-sa", on_sa, &st, &resp);
	vici_builder_free(&req);
	oak_response_free(&resp);
	fclose(st.out);
	if (!r) {
		printf("Security Associations (%u up, %u connecting):\n", st.up, st.connecting);
		fwrite(text, 1, text_len, stdout);
		if (!st.up && !st.connecting && !text_len)
			printf("  none\n");
	}
	free(text);
	return r ? 1 : 0;
}
