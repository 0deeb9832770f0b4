// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The glue between the IKE engine (proto/ike) and the world: it gives the engine its environment
 * (random, clock, log) and policy (conns, PSKs, SPIs from the kernel), and carries out the
 * engine's actions: datagrams to the sockets, timers to sd-event, DH jobs to the worker pool,
 * events to the kernel (d->kernel: kernel.h) and the log. The policy is in ike_conn.c, ISAKMP SA
 * records in ike_records.c, a child's life in ike_child.c and its kernel side in child.c,
 * rekeys and expiry in ike_life.c, right= names in resolve.c, reload and auto=keep in ike_reload.c.
 */
#include "daemon/ike_certs.h"
#include "daemon/ike_glue.h"
#include "daemon/ike_glue_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>

#include "daemon/config.h"
#include "daemon/kalg.h"
#include "daemon/log.h"
#include "daemon/secrets.h"
#include "daemon/vici_srv.h"
#include "daemon/worker.h"
#include "proto/consts.h"
#include "xfrm/xfrm.h"

/* ---- environment ---- */

void dmn_ike_env_random(void *ctx, uint8_t *buf, size_t n)
{
	(void)ctx;
	while (n) {
		ssize_t r = getrandom(buf, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* getrandom only fails on a broken kernel; never continue without entropy.
			 */
			log_err("getrandom failed: %s", strerror(errno));
			abort();
		}
		buf += r;
		n -= (size_t)r;
	}
}

static uint64_t env_now(void *ctx)
{
	return dmn_now_ms(ctx);
}

static void env_log(void *ctx, enum proto_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void env_log(void *ctx, enum proto_log_level level, const char *fmt, ...)
{
	(void)ctx;
	va_list ap;
	va_start(ap, fmt);
	dmn_logv((int)level, fmt, ap);
	va_end(ap);
}

static bool env_log_enabled(void *ctx, enum proto_log_level level)
{
	(void)ctx;
	return (int)level <= dmn_log_level();
}

/* ---- the peer removed or moved its SAs ---- */

/*
 * The peer deleted SAs: it names its inbound SPIs, which are our outbound ones. Unless a rekey
 * replaced the child (superseded), its conn's closeaction= says what follows, as dpdaction= does
 * for a dead peer: none and clear remove its SAs and policies, hold keeps the policies (traffic
 * is dropped, never sent in the clear, until a new negotiation replaces them), restart removes
 * them and initiates the conn again.
 */
static void on_delete(struct dmn *d, const struct proto_ike_event *ev)
{
	unsigned ab = dmn_ike_addr_bucket(&ev->peer);
	char restart[sizeof(((struct dmn_child *)0)->conn)] = "";
	for (unsigned k = 0; k < ev->u.del.n_spis; k++) {
		struct dmn_child *c;
		struct dmn_hlist_node *tmp;
		dmn_hlist_for_each_entry_safe (c, tmp, &d->ike->child_addr[ab], addr) {
			if (c->protocol != ev->u.del.protocol || c->spi_out != ev->u.del.spis[k] ||
			    memcmp(&c->peer.addr, &ev->peer.addr, 16) != 0)
				continue;
			const struct dmn_conn *conn = dmn_config_find(d->config, c->conn);
			/* the child it replaced carries on: no closeaction */
			bool undone = dmn_ike_child_unsupersede(d, c) != NULL;
			enum dmn_dpd_action act = conn && !c->superseded && !undone
							  ? conn->closeaction
							  : DMN_DPD_NONE;
			log_info("%s: peer deleted IPsec SA 0x%08x%s", c->conn, c->spi_out,
				 act == DMN_DPD_HOLD ? ": holding its traffic (closeaction=hold)"
				 : act == DMN_DPD_RESTART ? ": restarting (closeaction=restart)"
							  : "");
			if (act == DMN_DPD_HOLD)
				c->policies = false; /* they stay in the kernel */
			char name[sizeof(c->conn)];
			memcpy(name, c->conn, sizeof(name));
			if (act == DMN_DPD_RESTART)
				snprintf(restart, sizeof(restart), "%s", c->conn);
			dmn_ike_child_remove_kernel(d, c);
			dmn_ike_child_free(d, c);
			if (act != DMN_DPD_RESTART)
				dmn_ike_keep_check(d, name); /* auto=keep */
		}
	}
	if (restart[0])
		dmn_ike_initiate(d, restart);
}

/* ---- Dead Peer Detection (RFC 3706) ---- */

/* The peer did not answer R-U-THERE: dpdaction= says what happens to its SAs. clear removes them,
 * hold removes the SAs but keeps the policies (traffic is dropped, never sent in the clear, until
 * a new negotiation replaces them), restart removes them and initiates the conn again. */
static void on_dpd_dead(struct dmn *d, const struct proto_ike_event *ev)
{
	struct dmn_ike *ik = d->ike;
	const struct dmn_conn *conn = dmn_ike_conn_by_handle(d, ev->conn_handle, NULL);
	enum dmn_dpd_action act = conn ? conn->dpdaction : DMN_DPD_CLEAR;
	struct dmn_ike_sa *sa = dmn_map_get(&ik->sas, ev->sa_id);
	char name[64], peer[64];
	struct sockaddr_storage ss;
	snprintf(name, sizeof(name), "%s", conn ? conn->name : sa ? sa->conn : "?");
	dmn_addr_to_sockaddr(&ev->peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, peer, sizeof(peer));
	if (sa)
		sa->dpd_dead++;
	log_warn("%s: peer %s is dead (DPD: no R-U-THERE-ACK within %u s): %s", name, peer,
		 conn ? conn->dpdtimeout : 0,
		 act == DMN_DPD_HOLD	  ? "holding its traffic"
		 : act == DMN_DPD_RESTART ? "restarting the connection"
					  : "clearing its SAs");
	/* hold: the policies stay in the kernel */
	dmn_ike_sa_children_remove(d, ev->sa_id, sa, false, act == DMN_DPD_HOLD);
	/* restarted here, not again by auto=keep */
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(ik, name);
	if (h && act == DMN_DPD_RESTART)
		h->keep_up = false;
	proto_ike_delete_sa(ik->engine, ev->sa_id); /* SA_GONE drops the record */
	if (act == DMN_DPD_RESTART && conn)
		dmn_ike_initiate(d, name);
}

/* The natt socket of a family (NULL if none). */
static const struct dmn_sock *natt_sock(const struct dmn *d, int family)
{
	for (unsigned i = 0; i < d->nsocks; i++)
		if (d->socks[i].family == family && d->socks[i].kind == DMN_SOCK_NATT)
			return &d->socks[i];
	return NULL;
}

/* RFC 3948 §2.3: a one-byte 0xff datagram keeps the NAT mapping in front of us open. */
static void send_keepalive(struct dmn *d, const struct dmn_ike_sa *sa)
{
	const struct dmn_sock *s = natt_sock(d, sa->peer.family);
	struct sockaddr_storage dst, src;
	if (!s)
		return;
	dmn_addr_to_sockaddr(&sa->peer, &dst);
	dmn_addr_to_sockaddr(&sa->local, &src);
	int r = dmn_sock_keepalive(s, (struct sockaddr *)&dst,
				   sa->local.family == sa->peer.family ? (struct sockaddr *)&src
								       : NULL);
	if (r == 0)
		d->ike->keepalives_sent++;
	else
		d->stats.tx_errors++;
}

/* Inbound bytes of the children of an ISAKMP SA, from the kernel's counters. Its children are
 * in the chain of its conn and peer (as its listing finds them), not all children: with DPD on
 * every tunnel, each sample would otherwise cost a walk over all of them. */
static uint64_t children_in_bytes(struct dmn *d, const struct dmn_ike_sa *sa)
{
	uint64_t sum = 0;
	for (const struct dmn_child *c = dmn_ike_flow_children(d, sa); c;
	     c = dmn_ike_child_flow_next(c)) {
		struct xfrm_sa_info info;
		if (c->ike_sa_id != sa->sa_id || !c->sa_in)
			continue;
		struct xfrm_sa_id id;
		dmn_child_sa_id(c, true, false, &id);
		if (dmn_kernel_sa_get(&d->kernel, &id, &info) == 0)
			sum += info.bytes;
	}
	return sum;
}

/*
 * A tunnel that received nothing for dpddelay is probed, at most once per dpddelay (RFC 3706 §5.3:
 * only when idle, so a busy tunnel costs no IKE traffic). The inbound byte counters are sampled
 * every dpddelay/4 (250 ms to 1 s), so a peer that dies is probed at most dpddelay + one sample
 * after its last packet, and declared dead dpdtimeout later.
 */
static void dpd_check(struct dmn *d, struct dmn_ike_sa *sa, uint64_t now)
{
	const struct dmn_conn *conn = dmn_ike_conn_by_handle(d, sa->conn_handle, NULL);
	if (!conn || !conn->dpddelay || conn->dpdaction == DMN_DPD_NONE || !sa->p1.peer_dpd)
		return;
	uint64_t delay = (uint64_t)conn->dpddelay * 1000, sample = delay / 4;
	sample = sample < DMN_IKE_TICK_MS ? DMN_IKE_TICK_MS : sample > 1000 ? 1000 : sample;
	if (!sa->dpd_last_rx_ms) {
		sa->dpd_last_rx_ms = now;
		sa->dpd_sample_ms = now + sample;
		return;
	}
	if (now >= sa->dpd_sample_ms) {
		uint64_t bytes = children_in_bytes(d, sa);
		if (bytes != sa->dpd_in_bytes)
			sa->dpd_last_rx_ms = now; /* traffic arrived: the peer is alive */
		sa->dpd_in_bytes = bytes;
		sa->dpd_sample_ms = now + sample;
	}
	if (now < sa->dpd_last_rx_ms + delay || now < sa->dpd_next_ms)
		return;
	sa->dpd_next_ms = now + delay;
	int r = proto_ike_dpd_probe(d->ike->engine, sa->sa_id, conn->dpdtimeout * 1000u);
	if (r == 0) {
		sa->dpd_probing = true;
		d->ike->dpd_probes++;
		log_debug("%s: tunnel idle for %u s: R-U-THERE sent", sa->conn, conn->dpddelay);
	}
}

/* Our probe of sa_id was answered or timed out. */
static void dpd_settled(struct dmn *d, uint64_t sa_id)
{
	struct dmn_ike_sa *sa = dmn_map_get(&d->ike->sas, sa_id);
	if (sa)
		sa->dpd_probing = false;
}

/* Dropped datagrams are counted, not logged one by one (a flood would fill the log): once a
 * minute, if any were dropped, one line says how many and why. */
static void drop_summary(struct dmn *d, uint64_t now)
{
	struct dmn_ike *ik = d->ike;
	if (now < ik->summary_next_ms)
		return;
	struct proto_ike_stats st, *o = &ik->summary_stats;
	proto_ike_get_stats(ik->engine, &st);
	uint64_t mal = st.drop_malformed - o->drop_malformed,
		 unk = st.drop_unknown_sa - o->drop_unknown_sa, mid = st.drop_msgid - o->drop_msgid,
		 ho = st.drop_half_open - o->drop_half_open, dup = st.duplicates - o->duplicates,
		 ev = st.evict_half_open - o->evict_half_open,
		 lim = st.drop_sa_limit - o->drop_sa_limit;
	if (!(mal || unk || mid || ho || ev || lim))
		return; /* quiet: the next drop is reported at once */
	/* the first drop after a quiet minute is reported at the next tick, then once a minute */
	log_notice(
		"since the last report dropped %llu malformed, %llu for unknown SAs, %llu with "
		"wrong message IDs, "
		"%llu over the half-open limit, %llu at ikesa_limit; %llu unanswered half-open "
		"SAs made room for new ones; %llu duplicates answered from cache; %u ISAKMP SAs, "
		"%u half-open now",
		(unsigned long long)mal, (unsigned long long)unk, (unsigned long long)mid,
		(unsigned long long)ho, (unsigned long long)lim, (unsigned long long)ev,
		(unsigned long long)dup, st.sas, st.half_open);
	ik->summary_next_ms = now + 60000;
	*o = st;
}

/* After a flood of first messages has passed (many half-open SAs, all gone now), hands the
 * freed heap back to the kernel: glibc keeps most of it otherwise, and the daemon's RSS would
 * stay at the flood's peak. */
static void trim_after_flood(struct dmn *d)
{
	struct proto_ike_stats st;
	proto_ike_get_stats(d->ike->engine, &st);
	if (st.half_open >= DMN_TRIM_HALF_OPEN)
		d->ike->trim_pending = true;
	else if (d->ike->trim_pending && st.half_open == 0) {
		d->ike->trim_pending = false;
		malloc_trim(0);
	}
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct dmn *d = userdata;
	uint64_t now = dmn_now_ms(d);
	drop_summary(d, now);
	trim_after_flood(d);
	uint32_t ka = d->config ? d->config->setup.keep_alive : 20;
	struct dmn_ike_sa *sa;
	struct dmn_hlist_node *tmp;
	dmn_hlist_for_each_entry_safe (sa, tmp, &d->ike->sa_list, node) {
		if (ka && sa->p1.nat_local && sa->p1.natt && now >= sa->keepalive_next_ms) {
			if (sa->keepalive_next_ms)
				send_keepalive(d, sa);
			sa->keepalive_next_ms = now + (uint64_t)ka * 1000;
		}
		dpd_check(d, sa, now);
		dmn_ike_sa_lifetime_check(d, sa, now);
	}
	dmn_ike_children_tick(d, now);
	dmn_ike_retries_tick(d, now);
	dmn_ike_pump(d);
	sd_event_source_set_time(s, usec + DMN_IKE_TICK_MS * 1000);
	return 0;
}

/* Phase 1 is up: its record (which adopts a reauthenticated peer's children), uniqueids=, what a
 * reload left in place, and the end of keyingtries retries. */
static void on_p1_up(struct dmn *d, const struct proto_ike_event *ev, const struct dmn_conn *conn,
		     struct dmn_conn_handle *h, const char *peer)
{
	const char *name = conn ? conn->name : "(no conn)";
	char b1[32], b2[32], b3[32];
	/* The engine logs the info line (with the peer's ID); this one is for debugging. */
	log_debug("%s: ISAKMP SA established with %s (%s): %s-%s-%s%s%u, lifetime %u s", name, peer,
		  ev->u.p1.exchange == ISAKMP_XCHG_AGGRESSIVE ? "Aggressive" : "Main",
		  proto_name_buf(PROTO_NAMES_IKE_ENCR, ev->u.p1.prop.encr, b1, sizeof(b1)),
		  proto_name_buf(PROTO_NAMES_IKE_HASH, ev->u.p1.prop.hash, b2, sizeof(b2)),
		  proto_name_buf(PROTO_NAMES_IKE_GROUP, ev->u.p1.prop.group, b3, sizeof(b3)),
		  ev->u.p1.prop.key_bits ? " key " : "", ev->u.p1.prop.key_bits,
		  ev->u.p1.lifetime_s);
	struct dmn_ike_sa *rec = dmn_ike_sa_record_add(d, ev, name);
	d->ike->p1_up++;
	if (rec)
		dmn_ike_sa_enforce_unique(d, rec);
	if (rec && conn && dmn_map_get(&d->ike->sas, ev->sa_id) == rec)
		dmn_ike_reload_p1_up(d, rec);
	if (h)
		h->tries = 0, h->retry_ms = 0, h->connecting_ms = 0;
}

/* Phase 1 failed: recorded for oakley explain, logged (rate-limited for abandoned responder
 * negotiations), told to a waiting `up`, and retried per keyingtries. */
static void on_p1_failed(struct dmn *d, const struct proto_ike_event *ev,
			 const struct dmn_conn *conn, const char *peer)
{
	const char *name = conn ? conn->name : "(no conn)";
	if (ev->reason < PROTO_IKE_REASON__MAX)
		d->ike->p1_failed[ev->reason]++;
	/* a responder negotiation the peer abandoned is what floods leave: not recorded */
	if (ev->initiator || ev->reason != PROTO_IKE_E_TIMEOUT || conn) {
		struct dmn_failure *f = dmn_failure_record(d, conn ? conn->name : "", peer, 1,
							   ev->initiator, ev->reason, ev->text);
		f->sig = conn && conn->auth != DMN_AUTH_PSK;
	}
	/* A responder-side negotiation that the peer never finished is what a spoofed MM1
	 * flood leaves behind: those lines are rate-limited (the drop summary counts). */
	if (!ev->initiator && ev->reason == PROTO_IKE_E_TIMEOUT &&
	    !dmn_ratelimit_ok(&d->ike->rl_halfopen, dmn_now_ms(d), "half-open timeouts"))
		return;
	log_warn("%s: ISAKMP SA with %s failed: %s", name, peer,
		 ev->text[0] ? ev->text : proto_ike_reason_str(ev->reason));
	if (conn)
		dmn_vici_initiate_failed(d, name,
					 ev->text[0] ? ev->text : proto_ike_reason_str(ev->reason));
	if (conn && ev->initiator)
		dmn_ike_plan_retry(d, conn, peer);
}

/* A Quick Mode failed: recorded and logged; a rekey it was is tried again in 10 s. */
static void on_p2_failed(struct dmn *d, const struct proto_ike_event *ev,
			 const struct dmn_conn *conn, const char *peer)
{
	const char *name = conn ? conn->name : "(no conn)";
	if (ev->reason < PROTO_IKE_REASON__MAX)
		d->ike->p2_failed[ev->reason]++;
	dmn_failure_record(d, conn ? conn->name : "", peer, 2, ev->initiator, ev->reason, ev->text);
	log_warn("%s: Quick Mode with %s failed: %s", name, peer,
		 ev->text[0] ? ev->text : proto_ike_reason_str(ev->reason));
	dmn_ike_child_rekey_failed(d, conn, &ev->peer, ev->u.child.msgid);
	if (conn)
		dmn_vici_initiate_failed(d, name,
					 ev->text[0] ? ev->text : proto_ike_reason_str(ev->reason));
}

static void on_event(struct dmn *d, const struct proto_ike_event *ev)
{
	const struct dmn_conn *conn = dmn_ike_conn_by_handle(d, ev->conn_handle, NULL);
	const char *name = conn ? conn->name : "(no conn)";
	struct dmn_conn_handle *h = conn ? dmn_ike_handle_by_name(d->ike, conn->name) : NULL;
	if (h) { /* per-conn counters of oakley metrics */
		h->p1_up += ev->type == PROTO_IKE_EV_P1_UP;
		h->p2_up += ev->type == PROTO_IKE_EV_P2_UP;
		h->p1_failed += ev->type == PROTO_IKE_EV_P1_FAILED;
		h->p2_failed += ev->type == PROTO_IKE_EV_P2_FAILED;
	}
	char peer[64];
	struct sockaddr_storage ss;
	dmn_addr_to_sockaddr(&ev->peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, peer, sizeof(peer));
	char b1[32];
	switch (ev->type) {
	case PROTO_IKE_EV_P1_UP:
		on_p1_up(d, ev, conn, h, peer);
		break;
	case PROTO_IKE_EV_P1_FAILED:
		on_p1_failed(d, ev, conn, peer);
		break;
	case PROTO_IKE_EV_P2_UP:
		d->ike->p2_up++;
		dmn_ike_on_child_up(d, ev);
		break;
	case PROTO_IKE_EV_P2_FAILED:
		on_p2_failed(d, ev, conn, peer);
		break;
	case PROTO_IKE_EV_DELETE:
		on_delete(d, ev);
		break;
	case PROTO_IKE_EV_INITIAL_CONTACT:
		dmn_ike_on_initial_contact(d, ev);
		break;
	case PROTO_IKE_EV_NOTIFY:
		log_notice("%s: notify %s from %s", name,
			   proto_name_buf(PROTO_NAMES_NOTIFY, ev->u.notify.type, b1, sizeof(b1)),
			   peer);
		break;
	case PROTO_IKE_EV_SA_GONE:
		sd_event_source_disable_unref(dmn_map_del(&d->ike->timers, ev->sa_id));
		dmn_ike_sa_record_del(d, ev->sa_id);
		if (conn)
			dmn_ike_keep_check(d, conn->name);
		break;
	case PROTO_IKE_EV_PEER_MOVED:
		dmn_ike_on_peer_moved(d, ev);
		break;
	case PROTO_IKE_EV_DPD_ACK:
		dpd_settled(d, ev->sa_id);
		log_debug("%s: R-U-THERE-ACK %u from %s", name, ev->u.dpd.seq, peer);
		break;
	case PROTO_IKE_EV_DPD_DEAD:
		dpd_settled(d, ev->sa_id);
		on_dpd_dead(d, ev);
		break;
	}
}

/* ---- timers, DH jobs, sends: carrying out the engine's actions ---- */

struct timer_ctx {
	struct dmn *d;
	uint64_t sa_id;
};

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)usec;
	struct timer_ctx *t = userdata;
	struct dmn *d = t->d;
	uint64_t sa_id = t->sa_id;
	/* One-shot: forget it before the engine possibly re-arms a new one. */
	if (dmn_map_get(&d->ike->timers, sa_id) == s)
		dmn_map_del(&d->ike->timers, sa_id);
	sd_event_source_disable_unref(s);
	proto_ike_timer(d->ike->engine, sa_id);
	dmn_ike_pump(d);
	return 0;
}

static void arm_timer(struct dmn *d, uint64_t sa_id, uint64_t deadline_ms)
{
	struct dmn_ike *ik = d->ike;
	sd_event_source *old = dmn_map_del(&ik->timers, sa_id);
	sd_event_source_disable_unref(old);
	if (deadline_ms == 0)
		return;
	struct timer_ctx *t = malloc(sizeof(*t));
	if (!t) {
		log_err("out of memory for a timer");
		return;
	}
	*t = (struct timer_ctx){d, sa_id};
	sd_event_source *s = NULL;
	int r = sd_event_add_time(d->ev, &s, CLOCK_MONOTONIC, deadline_ms * 1000, 1000, on_timer,
				  t);
	if (r >= 0)
		r = sd_event_source_set_destroy_callback(s, free);
	if (r < 0) {
		sd_event_source_unref(s);
		free(t);
		log_err("cannot arm a timer: %s", strerror(-r));
		return;
	}
	if (dmn_map_put(&ik->timers, sa_id, s) < 0) {
		sd_event_source_disable_unref(s);
		log_err("out of memory for a timer");
	}
}

struct dh_work {
	struct dmn_job job;
	struct dmn *d;
	struct proto_ike_dh_job *dh;
};

static void dh_run(struct dmn_job *j)
{
	struct dh_work *w = (struct dh_work *)j;
	proto_ike_dh_run(w->dh);
}

static void dh_done(struct dmn_job *j)
{
	struct dh_work *w = (struct dh_work *)j;
	struct dmn *d = w->d;
	if (d->ike && d->ike->engine)
		proto_ike_dh_done(d->ike->engine, w->dh, j->ran);
	free(w);
	if (d->ike && d->ike->engine)
		dmn_ike_pump(d);
}

static void submit_dh(struct dmn *d, struct proto_ike_dh_job *job)
{
	struct dh_work *w = calloc(1, sizeof(*w));
	int r = w ? 0 : -ENOMEM;
	if (w) {
		*w = (struct dh_work){.job = {.run = dh_run, .done = dh_done}, .d = d, .dh = job};
		r = dmn_workers_submit(d->workers, &w->job);
	}
	if (r < 0) {
		/* Overload: the exchange fails instead of queueing without bound. */
		free(w);
		proto_ike_dh_done(d->ike->engine, job, false);
	}
}

static void send_datagram(struct dmn *d, const struct proto_ike_action *a)
{
	const struct dmn_sock *sock = NULL;
	for (unsigned i = 0; i < d->nsocks; i++)
		if (d->socks[i].family == a->dst.family &&
		    (d->socks[i].kind == DMN_SOCK_NATT) == a->natt)
			sock = &d->socks[i];
	if (!sock && !d->tx_hook) {
		d->stats.tx_errors++;
		return;
	}
	struct sockaddr_storage dst, src;
	dmn_addr_to_sockaddr(&a->dst, &dst);
	bool have_src = a->src.family == a->dst.family;
	if (have_src)
		dmn_addr_to_sockaddr(&a->src, &src);
	bool untrusted = a->unproven && !dmn_ike_configured_peer(d, &a->dst);
	int r = d->tx_hook
			? d->tx_hook(d, a->data, a->len, &dst, have_src ? &src : NULL, a->natt)
			: dmn_sock_send(sock, untrusted, a->data, a->len, (struct sockaddr *)&dst,
					have_src ? (struct sockaddr *)&src : NULL);
	if (r < 0) {
		d->stats.tx_errors++;
		char b[64];
		dmn_sockaddr_str((struct sockaddr *)&dst, b, sizeof(b));
		dmn_send_error_note(d, b, -r);
		if (dmn_ratelimit_ok(&d->ike->rl_drop, dmn_now_ms(d), "send errors"))
			log_warn("cannot send to %s: %s%s", b, strerror(-r),
				 r == -ENETUNREACH || r == -EHOSTUNREACH
					 ? " (this host has no route to it)"
					 : "");
	} else {
		d->stats.tx_packets++;
	}
}

/* Carries out every queued action; the engine may queue more while we do (events are handled
 * after the datagrams queued before them, in order). */
void dmn_ike_pump(struct dmn *d)
{
	struct proto_ike_action a;
	while (proto_ike_next_action(d->ike->engine, &a)) {
		switch (a.type) {
		case PROTO_IKE_ACT_SEND:
			send_datagram(d, &a);
			break;
		case PROTO_IKE_ACT_TIMER:
			arm_timer(d, a.sa_id, a.deadline_ms);
			break;
		case PROTO_IKE_ACT_DH:
			submit_dh(d, a.job);
			break;
		case PROTO_IKE_ACT_EVENT:
			on_event(d, a.event);
			break;
		}
		proto_ike_action_release(&a);
	}
}

/* ---- entry points ---- */

void dmn_ike_input(struct dmn *d, const struct dmn_pkt *pkt)
{
	struct proto_ike_addr local, peer;
	dmn_addr_from_sockaddr(&pkt->local, &local);
	dmn_addr_from_sockaddr(&pkt->peer, &peer);
	if (pkt->local.ss_family != pkt->peer.ss_family)
		memset(&local, 0, sizeof(local)); /* no PKTINFO: unknown local address */
	enum proto_ike_input_result r = proto_ike_input(d->ike->engine, pkt->data, pkt->len, &local,
							&peer, pkt->sock->kind == DMN_SOCK_NATT);
	if (r == PROTO_IKE_IN_DROPPED)
		d->stats.rx_dropped++;
	dmn_ike_pump(d);
}

/* Starts conn name (phase 1 and its Quick Modes, or phase 1 alone for a reauthentication).
 * Queues the engine's actions without carrying them out: the caller pumps. */
/* `up` of a conn whose ISAKMP SA with the peer is established: one Quick Mode per selector pair,
 * as proto_ike_initiate would start after a new phase 1. */
static int initiate_quick_modes(struct dmn *d, const struct dmn_ike_sa *sa,
				const struct proto_ike_conn *pc)
{
	unsigned nl = pc->n_local_ts ? pc->n_local_ts : 1,
		 nr = pc->n_remote_ts ? pc->n_remote_ts : 1;
	int r = 0;
	for (unsigned k = 0; k < nl * nr && r == 0; k++) {
		struct proto_ike_ts lts, rts;
		uint32_t msgid;
		if (pc->n_local_ts)
			lts = pc->local_ts[k / nr];
		else
			dmn_ts_host(&sa->local, &lts);
		if (pc->n_remote_ts)
			rts = pc->remote_ts[k % nr];
		else
			dmn_ts_host(&sa->peer, &rts);
		r = proto_ike_quick_mode(d->ike->engine, sa->sa_id, pc, &lts, &rts, &msgid);
	}
	if (r < 0)
		log_err("%s: cannot start Quick Mode: %s", sa->conn,
			r == -EAGAIN ? "too many Quick Modes in flight" : strerror(-r));
	else
		log_info("%s: initiating Quick Mode over the ISAKMP SA with the peer", sa->conn);
	return r;
}

/* reuse: an established ISAKMP SA of the conn with the peer carries the Quick Modes (an
 * operator's `up`, as charon and pluto do); else a new phase 1, as restarts need (their ISAKMP SA
 * may be on its way out) */
static int initiate(struct dmn *d, const char *name, bool reauth, bool reuse)
{
	size_t i;
	if (dmn_config_index_of(d->config, name, &i) == 0) {
		const struct dmn_conn *c = d->config->conns[i];
		struct proto_ike_addr peer, local;
		int r = 0;
		if (c->right.host.kind == DMN_ADDR_HOSTNAME) {
			(void)dmn_ike_conn_handle(d, i);
			r = dmn_ike_resolve_peer(d, c, reauth);
			if (r == -EINPROGRESS)
				return 0; /* resolve_done initiates */
		}
		if (r == 0)
			r = dmn_ike_conn_endpoints(d, c, &local, &peer);
		if (r < 0)
			return r;
		struct proto_ike_conn pc;
		r = dmn_ike_conn_to_proto(d, i, &pc);
		if (r < 0) {
			log_err("%s: cannot initiate: %s", name,
				r == -EOPNOTSUPP ? "ID type not supported yet" : strerror(-r));
			return r;
		}
		if (pc.local_id.type == 0) {
			pc.local_id.type = local.family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
			pc.local_id.len = (uint8_t)dmn_ike_alen(local.family);
			memcpy(pc.local_id.data, local.addr, pc.local_id.len);
		}
		/* INITIAL-CONTACT tells the peer to drop everything it has with us: only when we
		 * have nothing with it (RFC 2407 §4.6.3.3), never while other tunnels are up. */
		unsigned ab = dmn_ike_addr_bucket(&peer);
		for (const struct dmn_ike_sa *s =
			     dmn_hlist_first_entry(&d->ike->sa_addr[ab], struct dmn_ike_sa, addr);
		     s && pc.initial_contact; s = dmn_hlist_next_entry(s, addr))
			pc.initial_contact = !dmn_ike_addr_eq_noport(&s->peer, &peer);
		for (const struct dmn_child *k =
			     dmn_hlist_first_entry(&d->ike->child_addr[ab], struct dmn_child, addr);
		     k && pc.initial_contact; k = dmn_hlist_next_entry(k, addr))
			pc.initial_contact = !dmn_ike_addr_eq_noport(&k->peer, &peer);
		uint64_t sa_id;
		struct dmn_ike_sa *up = reuse ? dmn_ike_newest_sa(d, name, &peer) : NULL;
		if (up) /* as charon and pluto do: new IPsec SAs over the ISAKMP SA there is */
			return initiate_quick_modes(d, up, &pc);
		if (reauth) {
			/* the peer did not reboot: its IPsec SAs stay */
			pc.initial_contact = false;
			r = proto_ike_initiate_p1(d->ike->engine, &pc, &local, &peer, &sa_id);
		} else {
			r = proto_ike_initiate(d->ike->engine, &pc, &local, &peer, &sa_id);
		}
		if (r == -EAGAIN)
			log_err("%s: cannot initiate: ikesa_limit=%u ISAKMP SAs reached", name,
				d->config->setup.ikesa_limit);
		else if (r < 0)
			log_err("%s: cannot initiate: %s", name, strerror(-r));
		if (r < 0)
			return r;
		d->ike->p1_initiated++;
		struct dmn_conn_handle *h = reauth ? NULL : dmn_ike_handle_by_name(d->ike, name);
		if (h)
			h->connecting_ms = dmn_now_ms(d);
		log_info("%s: initiating %s Mode%s", name, c->aggressive ? "Aggressive" : "Main",
			 reauth ? " (reauthentication)" : "");
		return 0;
	}
	log_err("no connection named '%s'", name);
	return -ENOENT;
}

int dmn_ike_start(struct dmn *d, const char *name, bool reauth)
{
	return initiate(d, name, reauth, false);
}

int dmn_ike_initiate(struct dmn *d, const char *name)
{
	int r = initiate(d, name, false, false);
	dmn_ike_pump(d);
	return r;
}

int dmn_ike_up(struct dmn *d, const char *name)
{
	int r = initiate(d, name, false, true);
	dmn_ike_pump(d);
	return r;
}

static int on_start(sd_event_source *s, void *userdata)
{
	struct dmn *d = userdata;
	(void)s;
	for (size_t i = 0; d->config && i < d->config->n_conns; i++) {
		if (d->config->conns[i]->autostart == DMN_AUTO_START)
			dmn_ike_initiate(d, d->config->conns[i]->name);
		else if (dmn_ike_conn_routed(d->config->conns[i]))
			dmn_ike_conn_trap(d, i, true, NULL);
	}
	return 0;
}

int dmn_ike_setup(struct dmn *d)
{
	struct dmn_ike *ik = calloc(1, sizeof(*ik));
	if (!ik)
		return -ENOMEM;
	d->ike = ik;
	dmn_ike_env_random(d, (uint8_t *)ik->id_key, sizeof(ik->id_key));
	ik->rl_drop = (struct dmn_ratelimit)DMN_RATELIMIT_INIT(10000, 10);
	ik->rl_halfopen = (struct dmn_ratelimit)DMN_RATELIMIT_INIT(10000, 10);
	struct proto_env env = {.ctx = d,
				.random = dmn_ike_env_random,
				.now_ms = env_now,
				.log = env_log,
				.log_enabled = env_log_enabled};
	struct proto_ike_policy pol = {
		.ctx = d,
		.sas_max = d->config ? d->config->setup.ikesa_limit : 0,
		.find_p1 = dmn_ike_policy_find_p1,
		.find_p2 = dmn_ike_policy_find_p2,
		.get_psk = dmn_ike_policy_get_psk,
		.alloc_spi = dmn_ike_policy_alloc_spi,
		.sign = dmn_ike_policy_sign, /* signatures: daemon/ike_certs.c */
		.own_certs = dmn_ike_policy_own_certs,
		.ca_dns = dmn_ike_policy_ca_dns,
		.verify = dmn_ike_policy_verify,
	};
	ik->engine = proto_ike_engine_new(&env, &pol);
	if (!ik->engine)
		return -ENOMEM;
	proto_ike_set_natt_port(ik->engine, d->opts.natt_port);
	int rt = sd_event_add_time_relative(d->ev, &ik->tick, CLOCK_MONOTONIC,
					    DMN_IKE_TICK_MS * 1000, 10000, on_tick, d);
	if (rt >= 0)
		rt = sd_event_source_set_enabled(ik->tick, SD_EVENT_ON);
	if (rt < 0)
		return rt;
	/* SA expiry comes from the kernel; without the events the clock alone drives rekeys. */
	rt = dmn_kernel_events_open(&d->kernel);
	if (rt >= 0)
		rt = sd_event_add_io(d->ev, &ik->xev_source, rt, EPOLLIN, dmn_ike_on_xfrm_readable,
				     d);
	if (rt < 0)
		log_warn("no xfrm events (%s): SA lifetimes are followed by the clock only",
			 strerror(-rt));
	/* Leftovers of a crashed run would shadow the new SAs: remove them (ours only). */
	int n = dmn_kernel_flush_owned(&d->kernel);
	if (n > 0)
		log_notice("removed %d SAs and policies left over by an earlier oakleyd", n);
	else if (n < 0)
		log_warn("could not remove the SAs and policies of an earlier oakleyd: %s",
			 dmn_kernel_errmsg(&d->kernel));
	/* auto=start conns come up once the loop runs. */
	return sd_event_add_defer(d->ev, NULL, on_start, d);
}

void dmn_ike_shutdown(struct dmn *d)
{
	struct dmn_ike *ik = d->ike;
	if (!ik || !ik->engine)
		return;
	for (size_t k = 0; k < ik->n_handles; k++)
		ik->handles[k].keep_up = false; /* nothing is brought up again */
	/* Tell every peer (DELETE for each child and ISAKMP SA), then remove what we installed. */
	struct dmn_child *c;
	struct dmn_ike_sa *sa;
	dmn_hlist_for_each_entry (c, &ik->child_list, node)
		proto_ike_delete_child(ik->engine, c->ike_sa_id, c->protocol, c->spi_in);
	dmn_hlist_for_each_entry (sa, &ik->sa_list, node)
		proto_ike_delete_sa(ik->engine, sa->sa_id);
	dmn_ike_pump(d);
	while ((c = dmn_hlist_first_entry(&ik->child_list, struct dmn_child, node))) {
		dmn_ike_child_remove_kernel(d, c);
		dmn_ike_child_free(d, c);
	}
	/* Larval SAs of negotiations still in progress carry our reqids: remove them too. */
	int n = dmn_kernel_flush_owned(&d->kernel);
	if (n > 0)
		log_debug("removed %d half-negotiated SAs", n);
	else if (n < 0)
		log_warn("could not remove the SAs of unfinished negotiations: %s",
			 dmn_kernel_errmsg(&d->kernel));
}

void dmn_ike_config_changed(struct dmn *d)
{
	/* Handles are per conn name; a conn replaced over VICI keeps its tunnels, as in charon. */
	(void)d;
}

void dmn_ike_free(struct dmn *d)
{
	struct dmn_ike *ik = d->ike;
	if (!ik)
		return;
	ik->tick = sd_event_source_disable_unref(ik->tick);
	ik->xev_source = sd_event_source_disable_unref(ik->xev_source);
	dmn_kernel_events_close(&d->kernel);
	for (size_t i = 0; i < ik->timers.cap; i++)
		if (ik->timers.slots[i].key)
			sd_event_source_disable_unref(ik->timers.slots[i].value);
	dmn_map_clear(&ik->timers);
	struct dmn_child *c;
	struct dmn_ike_sa *sa;
	while ((c = dmn_hlist_first_entry(&ik->child_list, struct dmn_child, node)))
		dmn_ike_child_free(d, c);
	dmn_map_clear(&ik->children);
	while ((sa = dmn_hlist_first_entry(&ik->sa_list, struct dmn_ike_sa, node)))
		dmn_ike_sa_record_del(d, sa->sa_id);
	dmn_map_clear(&ik->sas);
	free(ik->handles);
	free(ik->handle_ix);
	dmn_map_clear(&ik->handle_by_id);
	proto_ike_engine_free(ik->engine);
	ik->engine = NULL;
	free(ik);
	d->ike = NULL;
}
