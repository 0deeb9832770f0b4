// SPDX-License-Identifier: GPL-2.0-or-later
/* Two daemons, one loop, an in-memory transport: see glue_harness.h. */
#include "glue_harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/secrets.h"
#include "daemon/worker.h"

struct gw gw_left = {.name = "left", .addr = "192.0.2.1"};
struct gw gw_right = {.name = "right", .addr = "198.51.100.1"};
sd_event *gw_loop;

static const struct dmn_sock sock_ike = {
	.fd = -1, .reply_fd = -1, .family = AF_INET, .port = 500, .kind = DMN_SOCK_IKE};
static const struct dmn_sock sock_natt = {
	.fd = -1, .reply_fd = -1, .family = AF_INET, .port = 4500, .kind = DMN_SOCK_NATT};

struct dgram {
	struct gw *to;
	bool natt;
	struct sockaddr_storage src, dst;
	size_t len;
	uint8_t data[];
};

uint64_t gw_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct gw *gw_by_addr(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	char a[INET_ADDRSTRLEN];
	if (ss->ss_family != AF_INET || !inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)))
		return NULL;
	if (strcmp(a, gw_left.addr) == 0)
		return &gw_left;
	if (strcmp(a, gw_right.addr) == 0)
		return &gw_right;
	return NULL;
}

static int deliver(sd_event_source *s, void *userdata)
{
	struct dgram *g = userdata;
	(void)s;
	if (g->to->d && g->to->d->ike) {
		struct dmn_pkt pkt = {.data = g->data,
				      .len = g->len,
				      .peer = g->src,
				      .local = g->dst,
				      .sock = g->natt ? &sock_natt : &sock_ike};
		g->to->rx++;
		dmn_ike_input(g->to->d, &pkt);
	}
	return 0;
}

static void dgram_free(void *p)
{
	free(p);
}

static int queue_dgram(struct dgram *g)
{
	sd_event_source *s = NULL;
	int r = sd_event_add_defer(gw_loop, &s, deliver, g);
	if (r < 0)
		return r;
	sd_event_source_set_destroy_callback(s, dgram_free);
	sd_event_source_set_floating(s, true);
	sd_event_source_unref(s);
	return 0;
}

/* The daemon's tx_hook: queues the datagram for its destination (delivered on the next loop
 * iteration, never inside the sender's pump). */
static int tx(struct dmn *d, const uint8_t *msg, size_t len, const struct sockaddr_storage *dst,
	      const struct sockaddr_storage *src, bool natt)
{
	struct gw *from = d->tx_ctx, *to = gw_by_addr(dst);
	from->tx++;
	if (!to)
		return -EHOSTUNREACH;
	if (to->drop_rx) {
		to->rx_dropped++;
		return 0;
	}
	for (int copy = to->dup_rx ? 2 : 1; copy > 0; copy--) {
		struct dgram *g = malloc(sizeof(*g) + len);
		if (!g)
			return -ENOMEM;
		*g = (struct dgram){.to = to, .natt = natt, .dst = *dst, .len = len};
		memcpy(g->data, msg, len);
		/* from the sender's socket's port, as its NAT (if any) maps it */
		struct sockaddr_in *sin = (struct sockaddr_in *)&g->src;
		if (src)
			g->src = *src;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)((natt ? 4500 : 500) + from->nat_shift));
		inet_pton(AF_INET, from->addr, &sin->sin_addr);
		/* to the socket the receiver's NAT (if any) forwards that port to */
		sin = (struct sockaddr_in *)&g->dst;
		if (ntohs(sin->sin_port) != 500 && ntohs(sin->sin_port) != 4500)
			g->natt = ntohs(sin->sin_port) - to->nat_shift == 4500;
		int r = queue_dgram(g);
		if (r < 0) {
			free(g);
			return r;
		}
	}
	if (to->dup_rx)
		to->dup_rx--;
	return 0;
}

void gw_setup(void)
{
	dmn_log_setup(getenv("GLUE_DEBUG") ? LOG_DEBUG : LOG_WARNING, false);
	if (sd_event_new(&gw_loop) < 0)
		abort();
	gw_left = (struct gw){.name = "left", .addr = "192.0.2.1"};
	gw_right = (struct gw){.name = "right", .addr = "198.51.100.1"};
	fk_init(&gw_left.k, "left", 0xc1000000u);
	fk_init(&gw_right.k, "right", 0xc2000000u);
}

static bool is_local(const struct dmn_addr *a, void *ctx)
{
	const struct gw *g = ctx;
	char buf[INET6_ADDRSTRLEN];
	return a->family == AF_INET && inet_ntop(AF_INET, a->bytes, buf, sizeof(buf)) &&
	       strcmp(buf, g->addr) == 0;
}

struct dmn_config *gw_config(const struct gw *g, const char *conf)
{
	struct dmn_diags dg = {0};
	struct dmn_config *cfg = NULL;
	int r = dmn_config_parse_buffer("ipsec.conf", conf, strlen(conf), NULL, &dg, &cfg);
	if (dg.n_errors || dg.n_warnings) {
		fprintf(stderr, "%s's ipsec.conf:\n", g->name);
		dmn_diags_print(&dg, stderr);
	}
	dmn_diags_free(&dg);
	if (r < 0)
		return NULL;
	dmn_config_orient(cfg, is_local, (void *)g);
	return cfg;
}

struct dmn_secrets *gw_secrets(const char *secrets)
{
	struct dmn_diags dg = {0};
	struct dmn_secrets *s = NULL;
	int r = dmn_secrets_parse_buffer("ipsec.secrets", secrets, strlen(secrets), NULL, &dg, &s);
	dmn_diags_print(&dg, stderr);
	dmn_diags_free(&dg);
	return r < 0 ? NULL : s;
}

int gw_start(struct gw *g, const char *conf, const char *secrets)
{
	struct dmn *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	g->d = d;
	d->opts = (struct dmn_opts){.log_level = LOG_WARNING,
				    .ike_port = 500,
				    .natt_port = 4500,
				    .workers = 1,
				    .socket_path = "",
				    .firewall_script = ""};
	for (unsigned i = 0; i < DMN_SOCKS_MAX; i++)
		d->socks[i].fd = d->socks[i].reply_fd = -1;
	d->ev = sd_event_ref(gw_loop);
	d->tx_hook = tx;
	d->tx_ctx = g;
	d->config = gw_config(g, conf);
	d->secrets = gw_secrets(secrets);
	if (!d->config || !d->secrets)
		return -EINVAL;
	d->kernel = (struct dmn_kernel){&fk_ops, &g->k};
	int r = dmn_workers_start(d->ev, 1, &d->workers);
	if (r >= 0)
		r = dmn_ike_setup(d);
	return r;
}

void gw_crash(struct gw *g)
{
	struct dmn *d = g->d;
	g->d = NULL;
	dmn_free(d);
}

void gw_stop(struct gw *g)
{
	if (!g->d)
		return;
	dmn_ike_shutdown(g->d);
	gw_crash(g);
}

void gw_teardown(void)
{
	gw_stop(&gw_left);
	gw_stop(&gw_right);
	gw_run_for(10); /* frees the datagrams still queued */
	fk_fini(&gw_left.k);
	fk_fini(&gw_right.k);
	gw_loop = sd_event_unref(gw_loop);
}

bool gw_run_until(bool (*pred)(void *arg), void *arg, unsigned ms)
{
	uint64_t end = gw_now_ms() + ms;
	while (!pred(arg)) {
		uint64_t now = gw_now_ms();
		if (now >= end)
			return false;
		sd_event_run(gw_loop, (end - now) * 1000);
	}
	return true;
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

void gw_run_for(unsigned ms)
{
	gw_run_until(never, NULL, ms);
}

unsigned gw_children(const struct gw *g, const char *conn, bool all)
{
	unsigned n = 0;
	for (const struct dmn_child *c = g->d ? dmn_ike_children(g->d) : NULL; c;
	     c = dmn_ike_child_next(c))
		n += strcmp(c->conn, conn) == 0 && (all || !c->superseded);
	return n;
}

const struct dmn_child *gw_child(const struct gw *g, const char *conn)
{
	for (const struct dmn_child *c = g->d ? dmn_ike_children(g->d) : NULL; c;
	     c = dmn_ike_child_next(c))
		if (strcmp(c->conn, conn) == 0 && !c->superseded)
			return c;
	return NULL;
}

unsigned gw_sas(const struct gw *g, const char *conn)
{
	unsigned n = 0;
	for (const struct dmn_ike_sa *s = g->d ? dmn_ike_sas(g->d) : NULL; s;
	     s = dmn_ike_sa_next(s))
		n += strcmp(s->conn, conn) == 0;
	return n;
}
