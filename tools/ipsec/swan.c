// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The strongSwan starter verbs of oakley-ipsec (up, down, route, unroute, status, statusall,
 * reload and its aliases, version), and the VICI helpers the Libreswan verbs share.
 */
#include "tools/ipsec/ipsec.h"

#include <errno.h>
#include <stdlib.h>

static int on_control_log(void *arg, const struct vici_tree *msg)
{
	(void)arg;
	oak_print_log(stdout, msg->root);
	return 0;
}

int ips_simple(struct oak_ctx *ctx, const char *cmd, const char *key, const char *value, bool log)
{
	struct oak_response resp = {0};
	struct vici_builder req;

	vici_builder_init_packet(&req, VICI_CMD_REQUEST, cmd);
	if (key)
		vici_add_kv_str(&req, key, value);
	int r = oak_call(ctx, cmd, &req, log ? "control-log" : NULL, log ? on_control_log : NULL,
			 NULL, &resp);
	vici_builder_free(&req);
	if (r)
		return IPS_FAILED;
	r = oak_check_success(cmd, &resp);
	oak_response_free(&resp);
	return r ? IPS_FAILED : IPS_OK;
}

struct each_conn {
	void (*fn)(void *arg, const char *name, size_t len);
	void *arg;
};

static int on_list_conn(void *arg, const struct vici_tree *msg)
{
	struct each_conn *e = arg;
	for (const struct vici_node *c = msg->root->child; c; c = c->next)
		if (c->type == VICI_SECTION_START)
			e->fn(e->arg, (const char *)c->name, c->name_len);
	return 0;
}

int ips_each_conn(struct oak_ctx *ctx, void (*fn)(void *arg, const char *name, size_t len),
		  void *arg)
{
	struct oak_response resp = {0};
	struct each_conn e = {fn, arg};
	int r = oak_call(ctx, "list-conns", NULL, "list-conn", on_list_conn, &e, &resp);
	oak_response_free(&resp);
	return r;
}

struct find_conn {
	const char *name;
	bool found;
};

static void match_conn(void *arg, const char *name, size_t len)
{
	struct find_conn *f = arg;
	f->found |= len == strlen(f->name) && memcmp(name, f->name, len) == 0;
}

int ips_conn_loaded(struct oak_ctx *ctx, const char *name)
{
	struct find_conn f = {name, false};
	if (ips_each_conn(ctx, match_conn, &f))
		return -1;
	return f.found;
}

struct each {
	void (*fn)(void *arg, const struct vici_node *ike);
	void *arg;
};

static int on_list_sa(void *arg, const struct vici_tree *msg)
{
	struct each *e = arg;
	for (const struct vici_node *ike = msg->root->child; ike; ike = ike->next)
		if (ike->type == VICI_SECTION_START)
			e->fn(e->arg, ike);
	return 0;
}

int ips_each_ike(struct oak_ctx *ctx, const char *name,
		 void (*fn)(void *arg, const struct vici_node *ike), void *arg)
{
	struct oak_response resp = {0};
	struct vici_builder req;
	struct each e = {fn, arg};

	vici_builder_init_packet(&req, VICI_CMD_REQUEST, "list-sas");
	if (name)
		vici_add_kv_str(&req, "ike", name);
	int r = oak_call(ctx, "list-sas", &req, "list-sa", on_list_sa, &e, &resp);
	vici_builder_free(&req);
	oak_response_free(&resp);
	return r;
}

int ips_up(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	int r = ips_simple(ctx, "initiate", "child", argv[1], true);
	if (r == IPS_OK)
		printf("connection '%s' established successfully\n", argv[1]);
	else
		printf("establishing connection '%s' failed\n", argv[1]);
	return r;
}

/* NAME, NAME{N} (IPsec SA N), NAME[N] (ISAKMP SA N), NAME{*} (all of NAME's IPsec SAs), NAME[*]. */
int ips_down(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	char name[IPS_NAME_MAX];
	const char *arg = argv[1];
	size_t n = strcspn(arg, "{[");
	if (n >= sizeof(name)) {
		fprintf(stderr, "ipsec: connection name too long\n");
		return IPS_USAGE;
	}
	memcpy(name, arg, n);
	name[n] = '\0';
	if (arg[n] == '\0')
		return ips_simple(ctx, "terminate", "ike", name, true);
	char open = arg[n], close = open == '{' ? '}' : ']';
	const char *num = arg + n + 1;
	size_t len = strlen(num);
	if (len < 2 || num[len - 1] != close) {
		fprintf(stderr, "ipsec: usage: ipsec down NAME|NAME{N}|NAME[N]|NAME{*}|NAME[*]\n");
		return IPS_USAGE;
	}
	if (strncmp(num, "*", len - 1) == 0 && len == 2)
		return ips_simple(ctx, "terminate", open == '{' ? "child" : "ike", name, true);
	char digits[16];
	if (len - 1 >= sizeof(digits) || strspn(num, "0123456789") != len - 1) {
		fprintf(stderr, "ipsec: '%s': not a number between %c%c\n", arg, open, close);
		return IPS_USAGE;
	}
	memcpy(digits, num, len - 1);
	digits[len - 1] = '\0';
	return ips_simple(ctx, "terminate", open == '{' ? "child-id" : "ike-id", digits, true);
}

int ips_route(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	int r = ips_simple(ctx, "install", "child", argv[1], false);
	if (r == IPS_OK)
		printf("'%s' routed\n", argv[1]);
	return r;
}

int ips_unroute(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	int r = ips_simple(ctx, "uninstall", "child", argv[1], false);
	if (r == IPS_OK)
		printf("configuration '%s' unrouted\n", argv[1]);
	return r;
}

int ips_status(struct oak_ctx *ctx, int argc, char **argv)
{
	const char *style = getenv("OAKLEY_IPSEC_STYLE");
	if (style && strcmp(style, "libreswan") == 0)
		return ips_lsw_status(ctx, argc, argv);
	return oak_cmd_status(ctx, argc, argv) ? IPS_FAILED : IPS_OK;
}

struct conn_line {
	const char *only;
	unsigned n;
	const char *fmt_pre, *fmt_post;
};

static void print_conn(void *arg, const char *name, size_t len)
{
	struct conn_line *l = arg;
	if (l->only && (len != strlen(l->only) || memcmp(name, l->only, len) != 0))
		return;
	l->n++;
	fputs(l->fmt_pre, stdout);
	oak_print_bytes(stdout, name, len);
	fputs(l->fmt_post, stdout);
}

int ips_print_conns(struct oak_ctx *ctx, const char *only, const char *pre, const char *post,
		    unsigned *ret_n)
{
	struct conn_line l = {only, 0, pre, post};
	int r = ips_each_conn(ctx, print_conn, &l);
	*ret_n = l.n;
	return r;
}

int ips_statusall(struct oak_ctx *ctx, int argc, char **argv)
{
	unsigned n;
	printf("Connections:\n");
	if (ips_print_conns(ctx, argc > 1 ? argv[1] : NULL, "  ", ": IKEv1\n", &n))
		return IPS_FAILED;
	return oak_cmd_status(ctx, argc, argv) ? IPS_FAILED : IPS_OK;
}

int ips_reload(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "reload") == 0 || strcmp(argv[0], "update") == 0)
		printf("Reloading oakley IPsec configuration...\n");
	else
		printf("Rereading secrets and configuration...\n");
	return ips_simple(ctx, "reload-settings", NULL, NULL, false);
}

int ips_version(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("Linux oakley-ipsec " OAKLEY_VERSION " (IKEv1 only, for oakleyd)\n");
	if (oak_connect(ctx) < 0)
		return IPS_OK; /* the tool's own version still answers */
	struct oak_response resp = {0};
	if (oak_call(ctx, "version", NULL, NULL, NULL, NULL, &resp) == 0) {
		char d[64], v[64];
		printf("daemon: %s %s\n",
		       vici_node_str(resp.tree->root, "daemon", d, sizeof(d), "?"),
		       vici_node_str(resp.tree->root, "version", v, sizeof(v), "?"));
	}
	oak_response_free(&resp);
	return IPS_OK;
}
