// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Libreswan verbs of oakley-ipsec: `auto --VERB NAME`, `whack --trafficstatus|--status|
 * --shuntstatus`, `trafficstatus`, `shuntstatus`, and `status` in Libreswan's format. The lines
 * are built from VICI list-sas and get-conns in the shapes Libreswan 4.10 prints, so the usual
 * greps give the same answers: #2: "net", type=ESP, add_time=1733612345, inBytes=0, outBytes=0,
 * maxBytes=2^63B, id='@b' #1: "net":500 STATE_MAIN_I4 (ISAKMP SA established); newest ISAKMP; idle;
 *   #2: "net":500 STATE_QUICK_I2 (IPsec SA established); newest IPSEC; isakmp#1; idle;
 *   Total IPsec connections: loaded 1, active 1
 * IKE SA numbers are oakleyd's ISAKMP SA unique ids; IPsec SA numbers its child ids (inbound SPIs).
 */
#include "tools/ipsec/ipsec.h"

#include <stdlib.h>
#include <time.h>

/* An IPsec SA carries traffic (Libreswan lists it) when it is in the kernel. */
static bool child_up(const struct vici_node *c)
{
	char st[32];
	vici_node_str(c, "state", st, sizeof(st), "");
	return strcmp(st, "INSTALLED") == 0 || strcmp(st, "REKEYING") == 0;
}

static void put_str(const struct vici_node *sec, const char *key, const char *def)
{
	const struct vici_node *n = vici_node_get(sec, key);
	if (n && n->type == VICI_KEY_VALUE)
		oak_print_bytes(stdout, n->value, n->value_len);
	else
		fputs(def, stdout);
}

static unsigned long long num(const struct vici_node *sec, const char *key)
{
	char b[32];
	return strtoull(vici_node_str(sec, key, b, sizeof(b), "0"), NULL, 10);
}

static void traffic_ike(void *arg, const struct vici_node *ike)
{
	unsigned *count = arg;
	const struct vici_node *children = vici_node_get(ike, "child-sas");
	for (const struct vici_node *c = children ? children->child : NULL; c; c = c->next) {
		if (c->type != VICI_SECTION_START || !child_up(c))
			continue;
		(*count)++;
		printf("#%llu: \"", num(c, "uniqueid"));
		put_str(c, "name", "?");
		printf("\", type=");
		put_str(c, "protocol", "ESP");
		printf(", add_time=%llu, inBytes=%llu, outBytes=%llu, maxBytes=2^63B, id='",
		       (unsigned long long)time(NULL) - num(c, "install-time"), num(c, "bytes-in"),
		       num(c, "bytes-out"));
		put_str(ike, "remote-id", "");
		printf("'\n");
	}
}

int ips_trafficstatus(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	unsigned count = 0;
	return ips_each_ike(ctx, NULL, traffic_ike, &count) ? IPS_FAILED : IPS_OK;
}

int ips_shuntstatus(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)ctx, (void)argc, (void)argv;
	printf("Bare Shunt list:\n\n");
	return IPS_OK;
}

struct lsw_status {
	unsigned active;
};

static void status_ike(void *arg, const struct vici_node *ike)
{
	struct lsw_status *st = arg;
	char state[32], init[8];
	vici_node_str(ike, "state", state, sizeof(state), "");
	bool initiator =
		strcmp(vici_node_str(ike, "initiator", init, sizeof(init), ""), "yes") == 0;
	bool up = strcmp(state, "ESTABLISHED") == 0;
	printf("#%llu: \"", num(ike, "uniqueid"));
	oak_print_bytes(stdout, ike->name, ike->name_len);
	printf("\":%llu ", num(ike, "remote-port"));
	if (up)
		printf("%s (ISAKMP SA established); newest ISAKMP; idle;\n",
		       initiator ? "STATE_MAIN_I4" : "STATE_MAIN_R3");
	else
		printf("%s (sent MI1, expecting MR2); idle;\n",
		       initiator ? "STATE_MAIN_I1" : "STATE_MAIN_R1");
	const struct vici_node *children = vici_node_get(ike, "child-sas");
	bool any = false;
	for (const struct vici_node *c = children ? children->child : NULL; c; c = c->next) {
		if (c->type != VICI_SECTION_START || !child_up(c))
			continue;
		any = true;
		printf("#%llu: \"", num(c, "uniqueid"));
		put_str(c, "name", "?");
		printf("\":%llu %s (IPsec SA established); newest IPSEC; eroute owner; "
		       "isakmp#%llu; idle;\n",
		       num(ike, "remote-port"), initiator ? "STATE_QUICK_I2" : "STATE_QUICK_R2",
		       num(ike, "uniqueid"));
	}
	st->active += any;
}

/* Libreswan's `ipsec status`: the loaded conns, the states, and the totals line scripts read. */
int ips_lsw_status(struct oak_ctx *ctx, int argc, char **argv)
{
	struct lsw_status st = {0};
	unsigned loaded = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	printf("using kernel interface: xfrm\n\nConnection list:\n\n");
	if (ips_print_conns(ctx, only, "\"", "\": IKEv1;\n", &loaded))
		return IPS_FAILED;
	printf("\nState Information: DDoS cookies not required, Accepting new IKE connections\n\n");
	if (ips_each_ike(ctx, only, status_ike, &st))
		return IPS_FAILED;
	printf("\nTotal IPsec connections: loaded %u, active %u\n", loaded, st.active);
	return IPS_OK;
}

int ips_whack(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[1], "--trafficstatus") == 0)
		return ips_trafficstatus(ctx, 1, argv);
	if (strcmp(argv[1], "--status") == 0)
		return ips_lsw_status(ctx, 1, argv);
	if (strcmp(argv[1], "--shuntstatus") == 0)
		return ips_shuntstatus(ctx, 1, argv);
	fprintf(stderr,
		"ipsec: whack %s is not supported by oakley (supported: --trafficstatus, "
		"--status, --shuntstatus; use `oakley` for the rest)\n",
		argv[1]);
	return IPS_USAGE;
}

/* auto --add NAME: oakleyd loads every conn of its files at once, so add re-reads them and then
 * checks that NAME is among the loaded conns. */
static int auto_add(struct oak_ctx *ctx, const char *name)
{
	int r = ips_simple(ctx, "reload-settings", NULL, NULL, false);
	if (r)
		return r;
	int have = ips_conn_loaded(ctx, name);
	if (have == 1) {
		printf("\"%s\": added IKEv1 connection\n", name);
		return IPS_OK;
	}
	if (have == 0)
		fprintf(stderr, "ipsec: conn '%s' is not in oakleyd's ipsec.conf\n", name);
	return IPS_FAILED;
}

int ips_auto(struct oak_ctx *ctx, int argc, char **argv)
{
	static const char *const named[] = {"--up",	 "--down",  "--add",	"--delete",
					    "--replace", "--route", "--unroute"};
	static const char *const unnamed[] = {"--rereadsecrets", "--rereadall", "--status"};
	const char *op = argv[1], *name = argc > 2 ? argv[2] : NULL;
	bool needs_name = false, known = false;
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		known |= needs_name |= strcmp(op, named[i]) == 0;
	for (size_t i = 0; i < sizeof(unnamed) / sizeof(unnamed[0]); i++)
		known |= strcmp(op, unnamed[i]) == 0;
	if (!known) {
		fprintf(stderr, "ipsec: auto %s is not supported by oakley\n", op);
		return IPS_USAGE;
	}
	if (needs_name && !name) {
		fprintf(stderr, "ipsec: usage: ipsec auto %s NAME\n", op);
		return IPS_USAGE;
	}
	if (strcmp(op, "--up") == 0) {
		int r = ips_simple(ctx, "initiate", "child", name, true);
		printf(r ? "\"%s\": establishing failed\n" : "\"%s\": IPsec SA established\n",
		       name);
		return r;
	}
	if (strcmp(op, "--down") == 0)
		return ips_simple(ctx, "terminate", "ike", name, true);
	if (strcmp(op, "--add") == 0)
		return auto_add(ctx, name);
	if (strcmp(op, "--delete") == 0)
		return ips_simple(ctx, "unload-conn", "name", name, false);
	if (strcmp(op, "--replace") == 0) {
		int have = ips_conn_loaded(ctx, name);
		if (have == 1 && ips_simple(ctx, "unload-conn", "name", name, false))
			return IPS_FAILED;
		return have < 0 ? IPS_FAILED : auto_add(ctx, name);
	}
	if (strcmp(op, "--route") == 0)
		return ips_simple(ctx, "install", "child", name, false);
	if (strcmp(op, "--unroute") == 0)
		return ips_simple(ctx, "uninstall", "child", name, false);
	if (strcmp(op, "--rereadsecrets") == 0 || strcmp(op, "--rereadall") == 0)
		return ips_simple(ctx, "reload-settings", NULL, NULL, false);
	if (strcmp(op, "--status") == 0)
		return ips_lsw_status(ctx, name ? 2 : 1, argv + (name ? 1 : 0));
	fprintf(stderr, "ipsec: auto %s is not supported by oakley\n", op);
	return IPS_USAGE;
}
