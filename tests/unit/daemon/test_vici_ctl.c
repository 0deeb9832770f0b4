// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The VICI commands that drive the engine (daemon/vici_ctl.c: initiate, terminate, rekey) and the
 * other handlers that read a name from the request, with the engine stubbed: what the engine is
 * asked to do for each request, and the reply. Before each request the stack is filled with
 * garbage, so a handler that reads a name it never wrote (a key absent from the request) acts on
 * a random name here instead of passing by luck.
 *
 * The daemon's state: conns "pair" and "other"; ISAKMP SA 1 of pair with child 0x1001 under it,
 * child 0x1002 of pair whose ISAKMP SA is gone, ISAKMP SA 2 of other with children 0x2001 and
 * 0x9abcdef0.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/ike_glue.h"
#include "daemon/vici_int.h"
#include "tests/testutil.h"
#include "xfrm/xfrm.h"

/* ---- the engine, stubbed: each call is noted in calls ---- */

static char calls[1024];

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	size_t n = strlen(calls);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(calls + n, sizeof(calls) - n, fmt, ap);
	va_end(ap);
}

uint64_t dmn_now_ms(const struct dmn *d)
{
	(void)d;
	return 1000000;
}
int dmn_ike_initiate(struct dmn *d, const char *name)
{
	(void)d;
	note("initiate(%s) ", name);
	return 0;
}
int dmn_ike_up(struct dmn *d, const char *name)
{
	(void)d;
	note("initiate(%s) ", name);
	return 0;
}
int dmn_ike_terminate(struct dmn *d, const char *name)
{
	(void)d;
	note("terminate(%s) ", name);
	return strcmp(name, "pair") == 0 ? 1 : -ENOENT;
}
int dmn_ike_terminate_sa(struct dmn *d, uint64_t sa_id)
{
	(void)d;
	note("terminate_sa(%llu) ", (unsigned long long)sa_id);
	return 0;
}
int dmn_ike_terminate_child(struct dmn *d, uint64_t key)
{
	(void)d;
	note("terminate_child(%llx) ", (unsigned long long)(key - 1) & 0xffffffffu);
	return 0;
}
int dmn_ike_route(struct dmn *d, const char *name, bool add)
{
	(void)d;
	note("route(%s,%s) ", name, add ? "add" : "remove");
	return 0;
}
int dmn_ike_rekey(struct dmn *d, const char *name, bool ike)
{
	(void)d;
	note("rekey(%s,%s) ", name, ike ? "ike" : "child");
	return 1;
}
struct dmn_conn_handle *dmn_ike_handle(const struct dmn *d, const char *name)
{
	(void)d;
	(void)name;
	return NULL;
}
int dmn_on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *u)
{
	(void)s;
	(void)si;
	(void)u;
	return 0;
}
void dmn_ike_config_changed(struct dmn *d)
{
	(void)d;
}
/* The kernel: only counters are read (the listing's bytes and packets). */
static int fake_sa_get(void *ctx, const struct xfrm_sa_id *id, struct xfrm_sa_info *ret)
{
	(void)ctx;
	(void)id;
	memset(ret, 0, sizeof(*ret));
	return 0;
}
static const struct dmn_kernel_ops fake_kernel = {.sa_get = fake_sa_get};
void proto_ike_get_stats(const struct proto_ike_engine *e, struct proto_ike_stats *ret)
{
	(void)e;
	memset(ret, 0, sizeof(*ret));
}
const char *proto_ike_reason_str(enum proto_ike_reason r)
{
	(void)r;
	return "other";
}

/* ---- the daemon's state ---- */

static struct dmn d;
static struct dmn_vici v;
static struct dmn_ike ik;
static struct dmn_ike_sa sas[2];
static struct dmn_child children[4];
static struct dmn_vici_client client;
static int peer_fd = -1;

static void add_sa(struct dmn_ike_sa *sa, uint64_t id, const char *conn)
{
	sa->sa_id = id;
	snprintf(sa->conn, sizeof(sa->conn), "%s", conn);
	sa->local.family = sa->peer.family = AF_INET;
	dmn_hlist_add_head(&sa->node, &ik.sa_list);
	ik.n_sas++;
	if (dmn_map_put(&ik.sas, id, sa) < 0)
		abort();
	dmn_hlist_add_head(&sa->flow, &ik.sa_flow[dmn_ike_flow_bucket(sa->conn, &sa->peer)]);
}

static void add_child(struct dmn_child *c, uint32_t spi, uint64_t sa_id, const char *conn)
{
	c->spi_in = spi;
	c->protocol = 50;
	c->ike_sa_id = sa_id;
	snprintf(c->conn, sizeof(c->conn), "%s", conn);
	c->local.family = c->peer.family = AF_INET;
	dmn_hlist_add_head(&c->node, &ik.child_list);
	ik.n_children++;
	if (dmn_map_put(&ik.children, ike_child_key_of(c), c) < 0)
		abort();
	dmn_hlist_add_head(&c->flow, &ik.child_flow[dmn_ike_flow_bucket(c->conn, &c->peer)]);
}

static void setup(void)
{
	const char *conf = "conn pair\n keyexchange=ikev1\n authby=secret\n left=192.0.2.1\n "
			   "right=192.0.2.2\n auto=add\n"
			   "conn other\n keyexchange=ikev1\n authby=secret\n left=192.0.2.1\n "
			   "right=192.0.2.3\n auto=add\n";
	struct dmn_diags diags = {0};
	if (dmn_config_parse_buffer("f", conf, strlen(conf), NULL, &diags, &d.config) < 0)
		abort();
	dmn_diags_free(&diags);
	if (sd_event_new(&d.ev) < 0)
		abort();
	v.d = &d;
	v.fd = -1;
	v.loop_thread = pthread_self();
	d.vici = &v;
	d.ike = &ik;
	d.kernel.ops = &fake_kernel;
	add_sa(&sas[0], 1, "pair");
	add_sa(&sas[1], 2, "other");
	add_child(&children[0], 0x1001, 1, "pair");
	add_child(&children[1], 0x1002, 7, "pair"); /* ISAKMP SA 7 is gone */
	add_child(&children[2], 0x2001, 2, "other");
	add_child(&children[3], 0x9abcdef0, 2, "other"); /* above 2^31 */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	client.v = &v;
	client.fd = sv[0];
	client.id = 1;
	dmn_list_init(&client.out);
	if (sd_event_add_io(d.ev, &client.src, sv[0], EPOLLIN, NULL, &client) < 0)
		abort();
	dmn_hlist_add_head(&client.link, &v.clients);
	v.n_clients = 1;
	peer_fd = sv[1];
	dmn_log_setup(LOG_ERR - 1, false);
}

/* Leaves garbage where the handlers' stack frames will be. */
static __attribute__((noinline)) void dirty_stack(void)
{
	volatile char junk[32768];
	memset((char *)junk, 'Z', sizeof(junk));
	__asm__ volatile("" : : "r"(junk) : "memory");
}

/* The reply to a request: success and errmsg ("" when absent), other keys by name. */
struct reply {
	bool got;
	char success[8], errmsg[160], matches[16], terminated[16];
};

/* Reads one packet from the client's socket, if there is one. */
static void read_reply(struct reply *ret)
{
	uint8_t buf[4096];
	memset(ret, 0, sizeof(*ret));
	ssize_t n = read(peer_fd, buf, sizeof(buf));
	if (n < 5)
		return;
	struct vici_packet pk;
	struct vici_tree *t = NULL;
	if (!CHECK_EQ_INT(vici_packet_parse(buf + 4, (size_t)n - 4, &pk), 0) ||
	    !CHECK_EQ_INT(pk.type, VICI_CMD_RESPONSE) ||
	    !CHECK_EQ_INT(vici_tree_parse(pk.msg, pk.msg_len, &t, NULL), 0))
		return;
	ret->got = true;
	vici_node_str(t->root, "success", ret->success, sizeof(ret->success), "");
	vici_node_str(t->root, "errmsg", ret->errmsg, sizeof(ret->errmsg), "");
	vici_node_str(t->root, "matches", ret->matches, sizeof(ret->matches), "");
	vici_node_str(t->root, "terminated", ret->terminated, sizeof(ret->terminated), "");
	vici_tree_free(t);
}

/* The handlers under test, called directly so that their frames lie where dirty_stack left
 * garbage (through the dispatcher, the tree parse would write over it first). */
static const struct {
	const char *name;
	void (*run)(const struct dmn_vici_req *rq);
} handlers[] = {
	{"initiate", dmn_vici_cmd_initiate},
	{"terminate", dmn_vici_cmd_terminate},
	{"rekey", dmn_vici_cmd_rekey},
	{"install", dmn_vici_cmd_install},
	{"uninstall", dmn_vici_cmd_uninstall},
	{"unload-conn", dmn_vici_cmd_unload_conn},
	{"list-sas", dmn_vici_cmd_list_sas},
	{"list-conns", dmn_vici_cmd_list_conns},
	{"oakley-explain", dmn_vici_cmd_explain},
};

/* Runs command cmd with the key-values kv[0] = kv[1], kv[2] = kv[3] ... (NULL-terminated). */
static void request(const char *cmd, const char *const *kv, struct reply *ret)
{
	struct vici_builder b;
	const uint8_t *msg;
	size_t len;
	struct vici_tree *t = NULL;
	vici_builder_init(&b);
	for (; kv[0] && kv[1]; kv += 2)
		vici_add_kv_str(&b, kv[0], kv[1]);
	if (vici_finish(&b, &msg, &len) < 0 || vici_tree_parse(msg, len, &t, NULL) < 0)
		abort();
	calls[0] = '\0';
	struct dmn_vici_req rq = {.c = &client, .d = &d, .msg = t->root};
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (strcmp(handlers[i].name, cmd) == 0) {
			dirty_stack();
			handlers[i].run(&rq);
		}
	vici_tree_free(t);
	vici_builder_free(&b);
	read_reply(ret);
}

#define REQ(cmd, r, ...) request((cmd), (const char *const[]){__VA_ARGS__, NULL}, (r))
#define CHECK_STR(got, want)                                                                       \
	(CHECK(strcmp((got), (want)) == 0)                                                         \
		 ? 1                                                                               \
		 : (fprintf(stderr, "  got '%s', want '%s'\n", (got), (want)), 0))

/* A failure reply with errmsg, and no call into the engine. */
static void check_refused(const struct reply *r, const char *errmsg)
{
	CHECK(r->got);
	CHECK_STR(r->success, "no");
	CHECK_STR(r->errmsg, errmsg);
	CHECK_STR(calls, "");
}

static void check_ok(const struct reply *r, const char *want_calls, const char *matches)
{
	CHECK(r->got);
	CHECK_STR(r->success, "yes");
	CHECK_STR(r->errmsg, "");
	CHECK_STR(calls, want_calls);
	CHECK_STR(r->matches, matches);
}

/* initiate waits for the engine: the pending request says what it waits for. */
static void check_pending(const struct reply *r, const char *want_calls, bool want_child)
{
	CHECK(!r->got);
	CHECK_STR(calls, want_calls);
	if (CHECK(client.pending != NULL)) {
		CHECK_STR(client.pending->conn, "pair");
		CHECK_EQ_INT(client.pending->want_child, want_child);
		dmn_vici_pending_done(&client, true, NULL);
		struct reply done;
		read_reply(&done);
		CHECK_STR(done.success, "yes");
	}
}

static void test_initiate(void)
{
	struct reply r;
	/* swanctl --initiate --ike pair: no child key */
	REQ("initiate", &r, "ike", "pair");
	check_pending(&r, "initiate(pair) ", false);
	REQ("initiate", &r, "child", "pair");
	check_pending(&r, "initiate(pair) ", true);
	REQ("initiate", &r, "child", "pair", "ike", "pair", "timeout", "5000");
	check_pending(&r, "initiate(pair) ", true);
	REQ("initiate", &r, "timeout", "5000");
	check_refused(&r, "missing child or ike name");
	REQ("initiate", &r, "child", "");
	check_refused(&r, "missing child or ike name");
	REQ("initiate", &r, "child", "pair", "ike", "other");
	check_refused(&r, "child and ike name different connections");
	REQ("initiate", &r, "child", "nosuch");
	check_refused(&r, "no connection named 'nosuch'");
	/* a name longer than any conn's is refused whole, never cut to one that exists */
	char longname[DMN_NAME_MAX + 8];
	memset(longname, 'p', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	REQ("initiate", &r, "child", longname);
	check_refused(&r, "child: value too long");
}

static void test_rekey(void)
{
	struct reply r;
	/* oakley reauth pair: ike only */
	REQ("rekey", &r, "ike", "pair");
	check_ok(&r, "rekey(pair,ike) ", "1");
	REQ("rekey", &r, "child", "pair");
	check_ok(&r, "rekey(pair,child) ", "1");
	REQ("rekey", &r, "reauth", "yes");
	check_refused(&r, "rekey needs a child or ike name");
}

/* ipsec route / unroute: install / uninstall { child = NAME } */
static void test_route(void)
{
	struct reply r;
	REQ("install", &r, "child", "pair");
	check_ok(&r, "route(pair,add) ", "");
	REQ("uninstall", &r, "child", "pair");
	check_ok(&r, "route(pair,remove) ", "");
	REQ("install", &r, "ike", "pair");
	check_refused(&r, "missing child name");
	char longname[DMN_NAME_MAX + 8];
	memset(longname, 'p', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	REQ("uninstall", &r, "child", longname);
	check_refused(&r, "child: value too long");
}

static void test_terminate(void)
{
	struct reply r;
	/* its ISAKMP SA, and the IPsec SA whose ISAKMP SA is gone */
	REQ("terminate", &r, "ike", "pair");
	check_ok(&r, "terminate(pair) ", "2");
	CHECK_STR(r.terminated, "2");
	REQ("terminate", &r, "ike", "nosuch");
	CHECK_STR(r.errmsg, "no matching SAs to terminate found");
	/* swanctl --terminate --ike-id 2 */
	REQ("terminate", &r, "ike-id", "2");
	check_ok(&r, "terminate_sa(2) ", "1");
	REQ("terminate", &r, "ike-id", "2", "ike", "pair"); /* SA 2 is other's */
	check_refused(&r, "no matching SAs to terminate found");
	REQ("terminate", &r, "ike-id", "9");
	check_refused(&r, "no matching SAs to terminate found");
	REQ("terminate", &r, "ike-id", "two");
	check_refused(&r, "ike-id: not a number: 'two'");
	/* swanctl --terminate --child pair: its IPsec SAs alone, that of a gone ISAKMP SA too */
	REQ("terminate", &r, "child", "pair");
	check_ok(&r, "terminate_child(1002) terminate_child(1001) ", "2");
	CHECK_STR(r.terminated, "2");
	/* swanctl --terminate --child-id N: N is the uniqueid list-sas shows (the inbound SPI) */
	REQ("terminate", &r, "child-id", "8193");
	check_ok(&r, "terminate_child(2001) ", "1");
	/* swanctl sends child-id as a signed int: 0x9abcdef0 = 2596069104 arrives as -1698898192 */
	REQ("terminate", &r, "child-id", "-1698898192");
	check_ok(&r, "terminate_child(9abcdef0) ", "1");
	REQ("terminate", &r, "child-id", "2596069104");
	check_ok(&r, "terminate_child(9abcdef0) ", "1");
	REQ("terminate", &r, "child-id", "-4294967296");
	check_refused(&r, "child-id: not a number: '-4294967296'");
	REQ("terminate", &r, "child-id", "4097", "ike-id", "1");
	check_ok(&r, "terminate_child(1001) ", "1");
	REQ("terminate", &r, "child-id", "4098", "ike-id", "1"); /* not under SA 1 (any more) */
	check_refused(&r, "no matching SAs to terminate found");
	REQ("terminate", &r, "child", "pair", "ike-id", "2");
	check_refused(&r, "no matching SAs to terminate found");
	REQ("terminate", &r, "child", "pair", "ike-id", "0");
	check_refused(&r, "no matching SAs to terminate found");
	REQ("terminate", &r, "child-id", "0");
	check_refused(&r, "no matching SAs to terminate found");
	REQ("terminate", &r, "force", "yes");
	check_refused(&r, "missing terminate selector");
}

/* The other handlers that take a name: absent means "all" or a clear error, never garbage. */
static void test_names(void)
{
	struct reply r;
	REQ("unload-conn", &r, "x", "y");
	check_refused(&r, "unloading connection failed: missing name");
	REQ("list-sas", &r, "ike-id", "1x");
	check_refused(&r, "ike-id: not a number: '1x'");
	/* list-conns without ike: every conn (events not registered: just the empty reply) */
	REQ("list-conns", &r, "x", "y");
	CHECK(r.got && r.success[0] == '\0' && r.errmsg[0] == '\0');
	REQ("oakley-explain", &r, "x", "y");
	CHECK(r.got && r.success[0] == '\0');
}

int main(void)
{
	setup();
	test_initiate();
	test_rekey();
	test_route();
	test_terminate();
	test_names();
	return TEST_END();
}
