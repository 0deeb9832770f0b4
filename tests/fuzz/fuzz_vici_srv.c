// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: daemon/vici_*.c request handling (dmn_vici_input) with the engine and the
 * kernel stubbed; every reply must be a well-formed VICI packet. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/ike_glue.h"
#include "daemon/secrets.h"
#include "daemon/vici_int.h"
#include "daemon/vici_srv.h"
#include "xfrm/xfrm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

uint64_t dmn_now_ms(const struct dmn *d)
{
	(void)d;
	return 1000000;
}
int dmn_ike_initiate(struct dmn *d, const char *name)
{
	(void)d;
	return name[0] == 'x' ? -ENOENT : 0;
}
int dmn_ike_up(struct dmn *d, const char *name)
{
	(void)d;
	return name[0] == 'x' ? -ENOENT : 0;
}
int dmn_ike_terminate(struct dmn *d, const char *name)
{
	(void)d;
	(void)name;
	return 1;
}
int dmn_ike_terminate_sa(struct dmn *d, uint64_t sa_id)
{
	(void)d;
	return sa_id == 1 ? 0 : -ENOENT;
}
int dmn_ike_terminate_child(struct dmn *d, uint64_t key)
{
	(void)d;
	(void)key;
	return 0; /* the child stays: the harness's SAs live across runs */
}
int dmn_ike_rekey(struct dmn *d, const char *name, bool ike)
{
	(void)d;
	(void)ike;
	return name[0] == 'x' ? -ENOENT : 1;
}
int dmn_ike_route(struct dmn *d, const char *name, bool add)
{
	(void)d;
	(void)add;
	return name[0] == 'x' ? -ENOENT : 0;
}
int dmn_on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *u)
{
	(void)s;
	(void)si;
	(void)u;
	log_err("reload failed");
	return 0;
}
void dmn_ike_config_changed(struct dmn *d)
{
	(void)d;
}
struct dmn_conn_handle *dmn_ike_handle(const struct dmn *d, const char *name)
{
	(void)d;
	(void)name;
	return NULL;
}

/* The kernel: only counters are read (the listing's bytes and packets). */
static int fake_sa_get(void *ctx, const struct xfrm_sa_id *id, struct xfrm_sa_info *ret)
{
	(void)ctx;
	(void)id;
	memset(ret, 0, sizeof(*ret));
	ret->bytes = 5;
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
	return r == PROTO_IKE_E_AUTH ? "authentication failed" : "other";
}

static struct dmn *d;
static struct dmn_ike ik;
static struct dmn_ike_sa sa;
static struct dmn_child ch;

static void init(void)
{
	d = calloc(1, sizeof(*d));
	sd_event_new(&d->ev);
	const char *conf = "conn pair\n keyexchange=ikev1\n authby=secret\n left=192.0.2.1\n "
			   "right=192.0.2.2\n leftsubnet=198.51.100.0/25\n "
			   "rightsubnet=198.51.100.128/25\n auto=add\n";
	struct dmn_diags diags = {0};
	if (dmn_config_parse_buffer("f", conf, strlen(conf), NULL, &diags, &d->config) < 0)
		abort();
	dmn_diags_free(&diags);
	struct dmn_vici *v = calloc(1, sizeof(*v));
	v->d = d;
	v->fd = -1;
	v->loop_thread = pthread_self();
	sd_event_add_defer(d->ev, &v->reaper, NULL, v);
	sd_event_source_set_enabled(v->reaper, SD_EVENT_OFF);
	d->vici = v;
	d->ike = &ik;
	d->kernel.ops = &fake_kernel;
	sa.sa_id = 1;
	strcpy(sa.conn, "pair");
	sa.local.family = AF_INET;
	sa.peer.family = AF_INET;
	sa.p1.prop.encr = 7;
	sa.p1.prop.hash = 4;
	sa.p1.prop.group = 14;
	sa.p1.peer_id.type = 2;
	sa.p1.peer_id.len = 3;
	memcpy(sa.p1.peer_id.data, "a\x01z", 3);
	dmn_hlist_add_head(&sa.node, &ik.sa_list);
	ik.n_sas = 1;
	ch.ike_sa_id = 1;
	strcpy(ch.conn, "pair");
	ch.sa_in = ch.sa_out = true;
	ch.local.family = AF_INET;
	ch.peer.family = AF_INET;
	ch.local_ts.family = AF_INET;
	ch.local_ts.prefix = -1;
	ch.remote_ts.family = AF_INET;
	ch.remote_ts.prefix = 24;
	ch.remote_ts.proto = 6;
	ch.remote_ts.port = 80;
	dmn_hlist_add_head(&ch.node, &ik.child_list);
	ik.n_children = 1;
	/* the engine's indexes, as the daemon keeps them */
	if (dmn_map_put(&ik.sas, sa.sa_id, &sa) < 0 ||
	    dmn_map_put(&ik.children, ike_child_key_of(&ch), &ch) < 0)
		abort();
	dmn_hlist_add_head(&sa.flow, &ik.sa_flow[dmn_ike_flow_bucket(sa.conn, &sa.peer)]);
	dmn_hlist_add_head(&ch.flow, &ik.child_flow[dmn_ike_flow_bucket(ch.conn, &ch.peer)]);
	dmn_log_setup(LOG_ERR - 1, false);
	dmn_log_set_hook(NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!d)
		init();
	struct dmn_vici *v = d->vici;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	struct dmn_vici_client *c = calloc(1, sizeof(*c));
	c->v = v;
	c->fd = sv[0];
	c->id = 1;
	dmn_list_init(&c->out);
	c->events = ~0u;
	sd_event_add_io(d->ev, &c->src, sv[0], EPOLLIN, NULL, c);
	dmn_hlist_add_head(&c->link, &v->clients);
	v->n_clients = 1;
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (size > 0)
		dmn_vici_input(c, copy, size);
	free(copy);
	/* Everything the server wrote must be well-formed packets. */
	uint8_t buf[1 << 16];
	size_t have = 0;
	ssize_t n;
	while ((n = read(sv[1], buf + have, sizeof(buf) - have)) > 0) {
		have += (size_t)n;
		size_t off = 0;
		while (have - off >= 4) {
			size_t l = (size_t)buf[off] << 24 | buf[off + 1] << 16 | buf[off + 2] << 8 |
				   buf[off + 3];
			if (have - off - 4 < l)
				break;
			struct vici_packet pk;
			if (vici_packet_parse(buf + off + 4, l, &pk) < 0)
				abort();
			if (pk.msg_len && vici_parse(pk.msg, pk.msg_len,
						     &(struct vici_parse_ops){0}, NULL, NULL) != 0)
				abort();
			off += 4 + l;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
		if (have == sizeof(buf))
			abort();
	}
	/* free the client the way the reaper does */
	c->dead = true;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	sd_event_source_disable_unref(c->src);
	c->src = NULL;
	vici_reader_reset(&c->rd);
	struct dmn_vici_out *o, *tmp;
	dmn_list_for_each_entry_safe (o, tmp, &c->out, link)
		free(o);
	if (c->pending) {
		sd_event_source_disable_unref(c->pending->timer);
		free(c->pending);
	}
	dmn_hlist_del(&c->link);
	free(c);
	v->n_clients = 0;
	close(sv[1]);
	return 0;
}
