// SPDX-License-Identifier: GPL-2.0-or-later
/* The in-memory two-engine harness of tests/exch (see harness.h). */
#include "tests/exch/harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/consts.h"

static struct h_peer *peer_of(void *ctx)
{
	return ctx;
}

/* xorshift64*: a deterministic stream per peer. */
static void h_random(void *ctx, uint8_t *buf, size_t n)
{
	struct h_peer *p = peer_of(ctx);
	for (size_t i = 0; i < n; i++) {
		p->rng ^= p->rng >> 12;
		p->rng ^= p->rng << 25;
		p->rng ^= p->rng >> 27;
		buf[i] = (uint8_t)((p->rng * 0x2545F4914F6CDD1DULL) >> 56);
	}
}

static uint64_t h_now(void *ctx)
{
	return peer_of(ctx)->w->now;
}

static void h_log(void *ctx, enum proto_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void h_log(void *ctx, enum proto_log_level level, const char *fmt, ...)
{
	struct h_peer *p = peer_of(ctx);
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (p->w->verbose)
		fprintf(stderr, "[%6llu] %s <%d> %s\n", (unsigned long long)p->w->now, p->name,
			level, line);
	size_t len = strlen(line);
	if (p->log_len + len + 2 < H_LOG_MAX) {
		memcpy(p->log + p->log_len, line, len);
		p->log_len += len;
		p->log[p->log_len++] = '\n';
		p->log[p->log_len] = '\0';
	}
}

static bool ts_eq(const struct proto_ike_ts *a, const struct proto_ike_ts *b)
{
	return a->family == b->family && memcmp(a->from, b->from, 16) == 0 &&
	       memcmp(a->to, b->to, 16) == 0 && a->proto == b->proto && a->port == b->port;
}

static int pol_find_p1(void *ctx, const struct proto_ike_addr *local,
		       const struct proto_ike_addr *peer, const struct proto_ike_id *peer_id,
		       struct proto_ike_conn *ret)
{
	struct h_peer *p = peer_of(ctx);
	(void)local;
	(void)peer;
	(void)peer_id;
	if (!p->has_conn)
		return -ENOENT;
	*ret = p->conn;
	return 0;
}

static int pol_find_p2(void *ctx, const struct proto_ike_conn *p1,
		       const struct proto_ike_addr *peer, const struct proto_ike_ts *local_ts,
		       const struct proto_ike_ts *remote_ts, struct proto_ike_conn *ret)
{
	struct h_peer *p = peer_of(ctx);
	bool l = false, r = false;
	(void)peer;
	for (unsigned i = 0; i < p1->n_local_ts; i++)
		l = l || ts_eq(&p1->local_ts[i], local_ts);
	for (unsigned i = 0; i < p1->n_remote_ts; i++)
		r = r || ts_eq(&p1->remote_ts[i], remote_ts);
	if (!p1->n_local_ts)
		l = local_ts->family == p->addr.family &&
		    memcmp(local_ts->from, p->addr.addr, 16) == 0;
	if (!p1->n_remote_ts)
		r = true;
	if (!l || !r)
		return -ENOENT;
	*ret = *p1;
	return 0;
}

static int pol_get_psk(void *ctx, const struct proto_ike_conn *conn,
		       const struct proto_ike_id *local, const struct proto_ike_id *remote,
		       uint8_t *buf, size_t cap, size_t *ret_len)
{
	struct h_peer *p = peer_of(ctx);
	size_t n = strlen(p->psk);
	(void)conn;
	(void)local;
	(void)remote;
	if (n > cap)
		return -ENOBUFS;
	memcpy(buf, p->psk, n);
	*ret_len = n;
	return 0;
}

static int pol_cfg(void *ctx, const struct proto_ike_conn *conn, uint64_t sa_id, uint32_t msgid,
		   const struct proto_ike_cfg_msg *in, struct proto_ike_cfg_msg *ret,
		   const char *text)
{
	struct h_peer *p = ctx;
	(void)conn;
	return p->cfg ? p->cfg(p, sa_id, msgid, in, ret, text) : -1;
}

static int pol_alloc_spi(void *ctx, const struct proto_ike_conn *conn, uint8_t protocol,
			 const struct proto_ike_addr *local, const struct proto_ike_addr *peer,
			 uint32_t *ret_spi)
{
	struct h_peer *p = peer_of(ctx);
	(void)conn;
	(void)local;
	(void)peer;
	if (protocol == PROTO_IPCOMP) {
		if (p->fail_cpi)
			return -ENOENT;
		*ret_spi = p->next_cpi++;
		return 0;
	}
	*ret_spi = p->next_spi++;
	return 0;
}

static void set_addr(struct proto_ike_addr *a, bool v6, int host)
{
	memset(a, 0, sizeof(*a));
	a->family = v6 ? AF_INET6 : AF_INET;
	inet_pton(a->family,
		  v6 ? (host == 1 ? "2001:db8::1" : "2001:db8::2")
		     : (host == 1 ? "192.0.2.1" : "192.0.2.2"),
		  a->addr);
	a->port = 500;
}

void h_init(struct h_world *w, bool v6, uint64_t seed)
{
	memset(w, 0, sizeof(*w));
	w->now = 1000000;
	w->verbose = getenv("EXCH_VERBOSE") != NULL;
	for (int i = 0; i < 2; i++) {
		struct h_peer *p = &w->p[i];
		p->w = w;
		p->name = i ? "b" : "a";
		p->rng = seed * 2654435761u + (uint64_t)i + 1;
		p->next_spi = i ? 0xb0000100u : 0xa0000100u;
		p->next_cpi = i ? 0x2100u : 0x1100u;
		p->log = calloc(1, H_LOG_MAX);
		set_addr(&p->addr, v6, i + 1);
		snprintf(p->psk, sizeof(p->psk), "%s", "correct horse battery staple");
		p->env = (struct proto_env){
			.ctx = p, .random = h_random, .now_ms = h_now, .log = h_log};
		p->pol = (struct proto_ike_policy){.ctx = p,
						   .find_p1 = pol_find_p1,
						   .find_p2 = pol_find_p2,
						   .get_psk = pol_get_psk,
						   .alloc_spi = pol_alloc_spi,
						   .cfg = pol_cfg};
		p->e = proto_ike_engine_new(&p->env, &p->pol);
		h_default_conn(w, i, &p->conn);
		p->has_conn = true;
	}
}

void h_free(struct h_world *w)
{
	for (unsigned i = 0; i < w->n_jobs; i++) {
		struct h_peer *p = w->jobs[i]->user;
		proto_ike_dh_done(p->e, w->jobs[i], false); /* frees the job */
	}
	for (int i = 0; i < 2; i++) {
		proto_ike_engine_free(w->p[i].e);
		free(w->p[i].log);
	}
	for (unsigned i = 0; i < w->n_wire; i++)
		free(w->wire[i].data);
}

static void subnet(struct proto_ike_ts *ts, bool v6, const char *addr, int prefix)
{
	memset(ts, 0, sizeof(*ts));
	ts->family = v6 ? AF_INET6 : AF_INET;
	inet_pton(ts->family, addr, ts->from);
	size_t al = v6 ? 16 : 4;
	for (size_t i = 0; i < al; i++) {
		int bits = prefix - (int)i * 8;
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		ts->from[i] &= mask;
		ts->to[i] = (uint8_t)(ts->from[i] | (uint8_t)~mask);
	}
	ts->prefix = prefix;
}

void h_default_conn(struct h_world *w, int who, struct proto_ike_conn *c)
{
	bool v6 = w->p[who].addr.family == AF_INET6;
	memset(c, 0, sizeof(*c));
	c->handle = 100 + (uint64_t)who;
	c->reqid = 7;
	snprintf(c->name, sizeof(c->name), "net-%s", who ? "b" : "a");
	c->ike[0] = (struct proto_ike_p1_prop){IKE_ENCR_AES_CBC, 128, IKE_HASH_SHA2_256,
					       IKE_GROUP_MODP2048, IKE_AUTH_PSK};
	c->ike[1] = (struct proto_ike_p1_prop){IKE_ENCR_3DES_CBC, 0, IKE_HASH_SHA1,
					       IKE_GROUP_MODP1536, IKE_AUTH_PSK};
	c->n_ike = 2;
	c->esp[0] =
		(struct proto_ike_p2_prop){PROTO_IPSEC_ESP, ESP_AES_CBC, 128, AUTH_HMAC_SHA2_256};
	c->n_esp = 1;
	c->ike_lifetime_s = 10800;
	c->ipsec_lifetime_s = 3600;
	c->mode = ENCAP_TUNNEL;
	const char *na = v6 ? "2001:db8:a::" : "10.1.0.0", *nb = v6 ? "2001:db8:b::" : "10.2.0.0";
	int pl = v6 ? 48 : 16;
	subnet(&c->local_ts[0], v6, who ? nb : na, pl);
	subnet(&c->remote_ts[0], v6, who ? na : nb, pl);
	c->n_local_ts = c->n_remote_ts = 1;
}

void h_nat(struct h_world *w, int who)
{
	struct h_nat *n = &w->nat[who];
	n->on = true;
	n->pub = w->p[who].addr;
	inet_pton(n->pub.family, n->pub.family == AF_INET6 ? "2001:db8:ffff::5" : "203.0.113.5",
		  n->pub.addr);
	n->port500 = 40500;
	n->port4500 = 44500;
}

static void wire_put(struct h_world *w, int to, const struct proto_ike_action *a)
{
	const uint8_t *data = a->data;
	size_t len = a->len;
	int from = !to;
	w->sent++;
	if (a->natt)
		w->natt_sent[from]++;
	else
		w->plain_sent[from]++;
	if (w->n_sent_at[from] < sizeof(w->sent_at[from]) / sizeof(w->sent_at[from][0]))
		w->sent_at[from][w->n_sent_at[from]++] = w->now;
	w->last_sport[from] = a->src.port;
	w->last_dport[from] = a->dst.port;
	/* the engine sends NAT-T datagrams from and (unless a NAT maps it) to port 4500 */
	if (a->natt != (a->src.port == 4500) ||
	    (!w->nat[to].on && a->natt != (a->dst.port == 4500)))
		w->bad_port = true;
	if (w->blackhole_to[to])
		return;
	for (unsigned i = 0; i < w->n_drop; i++)
		if (w->drop_nth[i] == w->sent) {
			if (w->verbose)
				fprintf(stderr, "wire: dropping datagram %u\n", w->sent);
			return;
		}
	for (int copies = w->duplicate_all ? 2 : 1; copies > 0 && w->n_wire < H_WIRE_MAX;
	     copies--) {
		struct h_pkt *p = &w->wire[w->n_wire++];
		p->to = to;
		p->len = len;
		p->natt = a->natt;
		p->sport = a->src.port;
		p->dport = a->dst.port;
		p->data = malloc(len);
		memcpy(p->data, data, len);
	}
}

static void set_timer(struct h_peer *p, uint64_t sa_id, uint64_t deadline)
{
	int free_slot = -1;
	for (int i = 0; i < H_TIMERS_MAX; i++) {
		if (p->timers[i].sa_id == sa_id) {
			p->timers[i].deadline = deadline;
			if (!deadline)
				p->timers[i].sa_id = 0;
			return;
		}
		if (!p->timers[i].sa_id && free_slot < 0)
			free_slot = i;
	}
	if (deadline && free_slot >= 0)
		p->timers[free_slot].sa_id = sa_id, p->timers[free_slot].deadline = deadline;
}

/* Drains the actions of peer i. Returns how many there were. */
static unsigned drain(struct h_world *w, int i)
{
	struct h_peer *p = &w->p[i];
	struct proto_ike_action a;
	unsigned n = 0;
	while (proto_ike_next_action(p->e, &a)) {
		n++;
		switch (a.type) {
		case PROTO_IKE_ACT_SEND:
			wire_put(w, !i, &a);
			break;
		case PROTO_IKE_ACT_TIMER:
			set_timer(p, a.sa_id, a.deadline_ms);
			break;
		case PROTO_IKE_ACT_DH:
			a.job->user = p;
			if (w->n_jobs < 64)
				w->jobs[w->n_jobs++] = a.job;
			break;
		case PROTO_IKE_ACT_EVENT:
			if (p->n_ev < H_EVENTS_MAX)
				p->ev[p->n_ev++] = *a.event;
			if (w->verbose)
				fprintf(stderr, "event %s: type %d reason %d %s\n", p->name,
					a.event->type, a.event->reason, a.event->text);
			break;
		}
		proto_ike_action_release(&a);
	}
	return n;
}

/* One step: deliver the wire, then run the queued DH jobs. Returns false when idle. */
static bool step(struct h_world *w)
{
	unsigned busy = drain(w, 0) + drain(w, 1);
	if (w->n_wire && (!w->deliver_limit || w->delivered < w->deliver_limit)) {
		struct h_pkt batch[H_WIRE_MAX];
		unsigned n = w->n_wire;
		memcpy(batch, w->wire, n * sizeof(batch[0]));
		w->n_wire = 0;
		for (unsigned k = 0; k < n; k++) {
			struct h_pkt *pk = &batch[w->reverse ? n - 1 - k : k];
			struct h_peer *to = &w->p[pk->to], *from = &w->p[!pk->to];
			if (w->deliver_limit && w->delivered >= w->deliver_limit) {
				w->wire[w->n_wire++] = *pk; /* keep it queued */
				continue;
			}
			if (w->mangle)
				w->mangle(w, pk);
			if (w->tap)
				w->tap(w, pk->to, pk->data, pk->len);
			/* what the receiver sees: its own address on the socket the datagram
			 * went to, and the sender's address after its NAT (if any) */
			struct proto_ike_addr local = to->addr, src = from->addr;
			const struct h_nat *nat = &w->nat[!pk->to];
			local.port = pk->natt ? 4500 : 500;
			src.port = pk->sport;
			if (nat->on) {
				memcpy(src.addr, nat->pub.addr, 16);
				src.port = pk->sport == 4500 ? nat->port4500 : nat->port500;
			}
			proto_ike_input(to->e, pk->data, pk->len, &local, &src, pk->natt);
			w->delivered++;
			free(pk->data);
			drain(w, 0);
			drain(w, 1);
		}
		busy++;
	}
	if (w->n_jobs && w->before_dh)
		w->before_dh(w);
	if (w->n_jobs) {
		struct proto_ike_dh_job *jobs[64];
		unsigned n = w->n_jobs;
		memcpy(jobs, w->jobs, n * sizeof(jobs[0]));
		w->n_jobs = 0;
		for (unsigned k = 0; k < n; k++) {
			struct h_peer *p = jobs[k]->user;
			proto_ike_dh_run(jobs[k]);
			proto_ike_dh_done(p->e, jobs[k], true);
			drain(w, 0);
			drain(w, 1);
		}
		busy++;
	}
	return busy != 0;
}

void h_run(struct h_world *w, uint64_t max_ms)
{
	uint64_t end = w->now + max_ms;
	for (unsigned guard = 0; guard < 100000; guard++) {
		if (step(w))
			continue;
		/* idle: advance the clock to the next timer */
		uint64_t next = 0;
		int who = -1, slot = -1;
		for (int i = 0; i < 2; i++)
			for (int k = 0; k < H_TIMERS_MAX; k++)
				if (w->p[i].timers[k].sa_id &&
				    (!next || w->p[i].timers[k].deadline < next)) {
					next = w->p[i].timers[k].deadline;
					who = i;
					slot = k;
				}
		if (who < 0 || next > end)
			return;
		if (next > w->now)
			w->now = next;
		uint64_t id = w->p[who].timers[slot].sa_id;
		w->p[who].timers[slot].sa_id = 0;
		proto_ike_timer(w->p[who].e, id);
	}
}

uint64_t h_initiate(struct h_world *w, int who)
{
	uint64_t id = 0;
	struct h_peer *p = &w->p[who];
	struct proto_ike_addr peer = w->p[!who].addr;
	if (w->nat[!who].on) {
		memcpy(peer.addr, w->nat[!who].pub.addr, 16);
		peer.port = w->nat[!who].port500; /* a port forwarded by the peer's NAT */
	}
	if (proto_ike_initiate(p->e, &p->conn, &p->addr, &peer, &id) < 0)
		return 0;
	return id;
}

const struct proto_ike_event *h_event(const struct h_peer *p, enum proto_ike_event_type t,
				      unsigned nth)
{
	for (unsigned i = 0; i < p->n_ev; i++)
		if (p->ev[i].type == t && nth-- == 0)
			return &p->ev[i];
	return NULL;
}

unsigned h_count(const struct h_peer *p, enum proto_ike_event_type t)
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->n_ev; i++)
		n += p->ev[i].type == t;
	return n;
}

bool h_log_has(const struct h_peer *p, const char *s)
{
	return p->log_len && strstr(p->log, s) != NULL;
}

bool h_run_cases(const struct h_case *cases, size_t n, int argc, char **argv)
{
	unsigned ran = 0;
	for (size_t i = 0; i < n; i++) {
		if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
			continue;
		cases[i].fn();
		ran++;
	}
	if (!ran)
		fprintf(stderr, "unknown case %s\n", argc > 1 ? argv[1] : "");
	return ran > 0;
}
