// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tunnels that outlive their lifetimes: phase-2 rekeys started by the kernel's soft-expire events
 * (or the clock), replacements that supersede the old child make-before-break, hard expiry,
 * ISAKMP SA reauthentication and expiry, and the other kernel events (NAT mapping changes,
 * ACQUIREs of auto=route conns).
 */
#include "daemon/ike_glue.h"
#include "daemon/ike_glue_int.h"
#include <arpa/inet.h>
#include <errno.h>
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

/* ---- lifetimes ---- */

static uint64_t random_below(uint64_t n)
{
	uint64_t r;
	dmn_ike_env_random(NULL, (uint8_t *)&r, sizeof(r));
	return n ? r % n : 0;
}

/*
 * How long before the end of a lifetime of life seconds a replacement starts: rekeymargin plus
 * a random share of it up to rekeyfuzz percent. The side that did not initiate the ISAKMP SA uses
 * half the margin, so the initiator normally rekeys first and both rarely rekey at once. At most
 * half the lifetime.
 */
uint32_t dmn_ike_rekey_margin(const struct dmn_conn *conn, uint32_t life, bool initiator)
{
	uint64_t m = conn->rekeymargin;
	if (!initiator)
		m /= 2;
	m += random_below(m * conn->rekeyfuzz / 100 + 1);
	if (m > life / 2)
		m = life / 2;
	return (uint32_t)m;
}

/* A soft byte or packet limit: margin (0: a tenth of hard) before hard, half on the responder. */
static uint64_t soft_count(uint64_t hard, uint64_t margin, bool initiator)
{
	if (!margin || margin >= hard)
		margin = hard / 10;
	if (!initiator)
		margin /= 2;
	return hard - margin > 0 ? hard - margin : 1;
}

/* The soft limits of a new child (none with rekey=no) and when both fall due. */
void dmn_ike_child_limits(struct dmn *d, struct dmn_child *c, const struct dmn_conn *conn,
			  bool initiator)
{
	uint64_t now = dmn_now_ms(d);
	c->hard_ms = c->lifetime_s ? now + (uint64_t)c->lifetime_s * 1000 : 0;
	c->hard_packets = conn ? conn->lifepackets : 0;
	if (!conn || !conn->rekey || !c->lifetime_s)
		return;
	c->soft_s = c->lifetime_s - dmn_ike_rekey_margin(conn, c->lifetime_s, initiator);
	if (c->soft_s == 0)
		c->soft_s = 1;
	c->soft_ms = now + (uint64_t)c->soft_s * 1000;
	/* byte and packet limits: marginbytes/marginpackets (default a tenth) before the hard one,
	 * half of it on the ISAKMP responder side, as for time */
	if (c->lifetime_kb)
		c->soft_bytes =
			soft_count((uint64_t)c->lifetime_kb * 1024, conn->marginbytes, initiator);
	if (c->hard_packets)
		c->soft_packets = soft_count(c->hard_packets, conn->marginpackets, initiator);
}

/* ---- rekeying, reauthentication, expiry ---- */

static const struct dmn_conn *conn_by_name(const struct dmn *d, const char *name, size_t *ret_i)
{
	return dmn_config_index_of(d->config, name, ret_i) == 0 ? d->config->conns[*ret_i] : NULL;
}

/*
 * Starts the replacement of child c: a Quick Mode with the same selectors over the newest
 * ISAKMP SA with the peer, or, when there is none left, a new phase 1 whose Quick Modes replace
 * it. The result (P2_UP) supersedes c; failing that it is tried again, until the hard limit.
 * Only queues engine actions.
 */
static void child_rekey(struct dmn *d, struct dmn_child *c, uint64_t now)
{
	struct dmn_ike *ik = d->ike;
	size_t i;
	const struct dmn_conn *conn = conn_by_name(d, c->conn, &i);
	c->rekey_next_ms = now + DMN_REKEY_RETRY_MS;
	if (!conn) {
		c->rekey_next_ms = UINT64_MAX;
		log_info("%s: IPsec SA 0x%08x expires in %llu s; its conn is gone, no rekey",
			 c->conn, c->spi_out,
			 (unsigned long long)(c->hard_ms > now ? (c->hard_ms - now) / 1000 : 0));
		return;
	}
	if (!dmn_ike_child_may_rekey(c, conn)) {
		c->rekey_next_ms = UINT64_MAX;
		log_info("%s: IPsec SA 0x%08x expires in %llu s; negotiated before a reload, its "
			 "traffic is no longer the conn's: no rekey",
			 c->conn, c->spi_out,
			 (unsigned long long)(c->hard_ms > now ? (c->hard_ms - now) / 1000 : 0));
		return;
	}
	struct dmn_ike_sa *sa = dmn_ike_child_peer_sa(d, c);
	if (sa) {
		struct proto_ike_conn pc;
		uint32_t msgid;
		int r = dmn_ike_conn_to_proto(d, i, &pc);
		if (r == 0)
			r = proto_ike_quick_mode(ik->engine, sa->sa_id, &pc, &c->local_ts,
						 &c->remote_ts, &msgid);
		if (r == 0) {
			c->rekey_msgid = msgid;
			ik->rekeys_started++;
			log_info("%s: rekeying IPsec SA 0x%08x/0x%08x (Quick Mode %08x)", c->conn,
				 c->spi_in, c->spi_out, msgid);
		} else {
			c->rekey_next_ms = now + 5000;
			log_warn("%s: cannot rekey IPsec SA 0x%08x now: %s", c->conn, c->spi_out,
				 r == -EAGAIN ? "too many Quick Modes in flight" : strerror(-r));
		}
		return;
	}
	/* No ISAKMP SA: one new phase 1 for the conn (its Quick Modes replace all its children). */
	struct dmn_child *o;
	dmn_hlist_for_each_entry (o, &ik->child_flow[dmn_ike_flow_bucket(c->conn, &c->peer)], flow)
		if (o->rekey_p1_ms && now < o->rekey_p1_ms + DMN_REKEY_RETRY_MS &&
		    strcmp(o->conn, c->conn) == 0 && dmn_ike_addr_eq_noport(&o->peer, &c->peer))
			return;
	if (conn->right.host.kind != DMN_ADDR_IP) {
		log_info("%s: IPsec SA 0x%08x expires in %llu s: no ISAKMP SA with the peer to "
			 "rekey "
			 "it over, and right= is not an address to start one",
			 c->conn, c->spi_out,
			 (unsigned long long)(c->hard_ms > now ? (c->hard_ms - now) / 1000 : 0));
		return;
	}
	log_info("%s: rekeying IPsec SA 0x%08x/0x%08x: no ISAKMP SA left, starting a new one",
		 c->conn, c->spi_in, c->spi_out);
	if (dmn_ike_start(d, c->conn, false) == 0) {
		c->rekey_p1_ms = now;
		ik->rekeys_started++;
	}
}

/* A child's rekey runs with its conn over an ISAKMP SA with its peer: that chain (all children
 * if the conn is gone). */
void dmn_ike_child_rekey_failed(struct dmn *d, const struct dmn_conn *conn,
				const struct proto_ike_addr *peer, uint32_t msgid)
{
	const char *name = conn ? conn->name : "(no conn)";
	for (struct dmn_child *c =
		     dmn_ike_child_first(d->ike, conn, dmn_ike_flow_bucket(name, peer));
	     c; c = dmn_ike_child_after(c, conn))
		if (c->rekey_msgid && c->rekey_msgid == msgid) {
			c->rekey_msgid = 0;
			c->rekey_next_ms = dmn_now_ms(d) + DMN_REKEY_AGAIN_MS;
			log_warn("%s: rekey of IPsec SA 0x%08x failed; trying again in %u s",
				 c->conn, c->spi_out, DMN_REKEY_AGAIN_MS / 1000);
		}
}

/* The outbound SA of a replacement, DMN_REKEY_OUT_DELAY_MS after its inbound SA. */
static void child_install_out(struct dmn *d, struct dmn_child *c)
{
	struct proto_ike_event *ev = c->out_pending;
	c->out_pending = NULL;
	int r = dmn_child_sa_install(d, c, &ev->u.child, false);
	c->sa_out = r == 0;
	explicit_bzero(ev, sizeof(*ev));
	free(ev);
	if (r < 0)
		log_err("%s: outbound IPsec SA 0x%08x not installed: %s", c->conn, c->spi_out,
			r == -EOPNOTSUPP ? "algorithm has no kernel equivalent"
					 : dmn_kernel_errmsg(&d->kernel));
}

/* A child reached its hard limit (the kernel removed that SA): the rest of it goes. */
static void child_expired(struct dmn *d, struct dmn_child *c)
{
	if (!c->superseded) {
		size_t i;
		const struct dmn_conn *conn = conn_by_name(d, c->conn, &i);
		log_warn("%s: IPsec SA 0x%08x/0x%08x expired without a replacement (%s)", c->conn,
			 c->spi_in, c->spi_out,
			 conn && !conn->rekey ? "rekey=no" : "its rekey did not succeed");
	}
	dmn_ike_child_send_delete(d, c);
	dmn_ike_child_remove_kernel(d, c);
	dmn_ike_child_free(d, c);
}

/*
 * RFC 3948 §3 / RFC 3947 §4: an authenticated ESP-in-UDP packet arrived from a new source port
 * (the peer's NAT gave it a new mapping, e.g. after the mapping timed out between packets): the
 * kernel reports it (XFRM_MSG_MAPPING is sent only after the packet passed ESP authentication),
 * and the SAs with that peer follow the new port at once rather than at the next IKE message.
 * A new address is not followed here (IKE moves it, after its own authentication).
 */
static int on_xfrm_mapping(struct dmn *d, const struct xfrm_event *xe)
{
	struct dmn_ike *ik = d->ike;
	if (xe->mapping.id.proto != IPPROTO_ESP)
		return 0;
	struct dmn_child *c =
		dmn_map_get(&ik->children, dmn_ike_child_key(PROTO_IPSEC_ESP, xe->mapping.id.spi));
	if (!c || !c->natt || xe->mapping.new_port == 0 || xe->mapping.new_port == c->encap_dport)
		return 0;
	if (xe->mapping.new_addr.family != c->peer.family ||
	    memcmp(xe->mapping.new_addr.bytes, c->peer.addr, dmn_ike_alen(c->peer.family)) != 0)
		return 0;
	uint16_t old = c->encap_dport;
	char a[INET6_ADDRSTRLEN];
	inet_ntop(c->peer.family, c->peer.addr, a, sizeof(a));
	struct dmn_child *o;
	dmn_hlist_for_each_entry (o, &ik->child_addr[dmn_ike_addr_bucket(&c->peer)], addr) {
		if (!o->natt || o->encap_dport != old ||
		    !dmn_ike_addr_eq_noport(&o->peer, &c->peer))
			continue;
		o->encap_dport = xe->mapping.new_port;
		int r = dmn_ike_child_encap_update(d, o);
		if (r < 0)
			log_warn("%s: cannot move IPsec SA 0x%08x to port %u: %s", o->conn,
				 o->spi_out, xe->mapping.new_port,
				 r == -EOPNOTSUPP ? "algorithm unknown"
						  : dmn_kernel_errmsg(&d->kernel));
		else
			log_info("%s: peer's NAT mapping moved from %s:%u to %s:%u (seen on ESP): "
				 "IPsec "
				 "SAs 0x%08x/0x%08x updated",
				 o->conn, a, old, a, xe->mapping.new_port, o->spi_in, o->spi_out);
	}
	return 0;
}

/*
 * A packet hit a trap policy (auto=route) that has no SA: the conn whose reqid the template
 * names is started, at most once per DMN_ACQUIRE_HOLDOFF_MS (the kernel repeats ACQUIREs while
 * packets keep coming) and not while it has a child.
 */
static int on_xfrm_acquire(struct dmn *d, const struct xfrm_event *xe)
{
	struct dmn_ike *ik = d->ike;
	uint32_t reqid = xe->acquire.tmpl.reqid;
	for (size_t i = 0; d->config && i < d->config->n_conns; i++) {
		const struct dmn_conn *c = d->config->conns[i];
		if (!dmn_ike_conn_trapped(d, c) || dmn_ike_conn_reqid(d, i) != reqid)
			continue;
		for (const struct dmn_child *ch = dmn_ike_children(d); ch;
		     ch = dmn_ike_child_next(ch))
			if (!ch->superseded && ch->sa_out && strcmp(ch->conn, c->name) == 0)
				return 0;
		uint64_t now = dmn_now_ms(d);
		struct dmn_conn_handle *h = dmn_ike_handle_by_name(ik, c->name);
		if (h && h->acquire_ms && now < h->acquire_ms + DMN_ACQUIRE_HOLDOFF_MS)
			return 0;
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		inet_ntop(xe->acquire.sel.src.family, xe->acquire.sel.src.bytes, a, sizeof(a));
		inet_ntop(xe->acquire.sel.dst.family, xe->acquire.sel.dst.bytes, b, sizeof(b));
		log_info("%s: traffic from %s to %s needs the tunnel: negotiating", c->name, a, b);
		ik->acquires++;
		if (dmn_ike_start(d, c->name, false) == 0 &&
		    (h = dmn_ike_handle_by_name(ik, c->name)))
			h->acquire_ms = now;
		return 0;
	}
	return 0;
}

/* Kernel events: an SA's soft limit starts its rekey, the hard limit removes its child. */
int dmn_ike_on_kernel_event(const struct xfrm_event *xe, void *arg)
{
	struct dmn *d = arg;
	struct dmn_ike *ik = d->ike;
	if (xe->type == XFRM_EV_MAPPING)
		return on_xfrm_mapping(d, xe);
	if (xe->type == XFRM_EV_ACQUIRE)
		return on_xfrm_acquire(d, xe);
	if (xe->type != XFRM_EV_EXPIRE)
		return 0;
	const struct xfrm_sa_info *si = &xe->expire.sa;
	uint8_t proto = dmn_ipsec_protocol(si->proto);
	if (!proto)
		return 0;
	bool inbound = true;
	struct dmn_child *c = dmn_map_get(&ik->children, dmn_ike_child_key(proto, si->spi));
	if (c && memcmp(c->local.addr, si->dst.bytes, dmn_ike_alen(c->local.family)) != 0)
		c = NULL;
	/* an outbound SA: its destination is the peer, whose address chain holds its child */
	struct proto_ike_addr dst = {.family = si->dst.family};
	memcpy(dst.addr, si->dst.bytes, dmn_ike_alen(dst.family));
	for (struct dmn_child *o =
		     c ? NULL
		       : dmn_hlist_first_entry(&ik->child_addr[dmn_ike_addr_bucket(&dst)],
					       struct dmn_child, addr);
	     !c && o; o = dmn_hlist_next_entry(o, addr))
		if (o->protocol == proto && o->spi_out == si->spi &&
		    memcmp(o->peer.addr, si->dst.bytes, dmn_ike_alen(o->peer.family)) == 0) {
			c = o;
			inbound = false;
		}
	if (!c)
		return 0;
	if (!xe->expire.hard) {
		ik->expired_soft++;
		if (c->soft_expired || c->superseded)
			return 0;
		c->soft_expired = true;
		log_debug("%s: IPsec SA 0x%08x reached its soft lifetime", c->conn, si->spi);
		if (dmn_now_ms(d) >= c->rekey_next_ms)
			child_rekey(d, c, dmn_now_ms(d));
		return 0;
	}
	ik->expired_hard++;
	if (inbound)
		c->sa_in = false; /* the kernel deleted it */
	else
		c->sa_out = false;
	child_expired(d, c);
	return 0;
}

int dmn_ike_on_xfrm_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s;
	(void)fd;
	(void)revents;
	struct dmn *d = userdata;
	for (int k = 0; k < 64; k++) {
		int r = dmn_kernel_events_recv(&d->kernel, dmn_ike_on_kernel_event, d);
		if (r == -EAGAIN || r == -EWOULDBLOCK)
			break;
		if (r == -ENOBUFS) {
			/* The clock checks in on_tick catch what the lost events would have said.
			 */
			log_warn("kernel dropped xfrm events: lifetimes are checked by the clock");
			continue;
		}
		if (r < 0) {
			log_warn("xfrm events: %s", dmn_kernel_errmsg(&d->kernel));
			break;
		}
	}
	dmn_ike_pump(d);
	return 0;
}

/* inactivity=: a child whose SAs carried no traffic either way for that long is closed (Delete
 * sent, its SAs removed); its ISAKMP SA stays. Returns true when c was freed. */
static bool child_idle_check(struct dmn *d, struct dmn_child *c, uint64_t now)
{
	if (!c->inactivity_s || !dmn_idle_due(&c->idle, now))
		return false;
	uint64_t sum = 0;
	for (int in = 0; in < 2; in++) {
		struct xfrm_sa_id id;
		struct xfrm_sa_info info;
		if (!(in ? c->sa_in : c->sa_out))
			continue;
		dmn_child_sa_id(c, in, false, &id);
		if (dmn_kernel_sa_get(&d->kernel, &id, &info) < 0) {
			c->idle.next_ms = now + DMN_IDLE_SAMPLE_MAX_MS; /* try again later */
			return false;
		}
		sum += info.bytes;
	}
	if (!dmn_idle_sample(&c->idle, sum, now, c->inactivity_s))
		return false;
	log_info("%s: IPsec SA 0x%08x/0x%08x carried no traffic for %u s (inactivity=): closing it",
		 c->conn, c->spi_in, c->spi_out, c->inactivity_s);
	dmn_ike_child_send_delete(d, c);
	dmn_ike_child_remove_kernel(d, c);
	dmn_ike_child_free(d, c);
	return true;
}

/* Replacements, retirements and the clock's view of lifetimes, for every child. */
void dmn_ike_children_tick(struct dmn *d, uint64_t now)
{
	struct dmn_child *c;
	struct dmn_hlist_node *tmp;
	dmn_hlist_for_each_entry_safe (c, tmp, &d->ike->child_list, node) {
		if (c->out_pending && now >= c->out_at_ms)
			child_install_out(d, c);
		if (c->superseded) {
			if (now >= c->retire_ms) {
				log_debug("%s: deleting replaced IPsec SA 0x%08x/0x%08x", c->conn,
					  c->spi_in, c->spi_out);
				dmn_ike_child_send_delete(d, c);
				dmn_ike_child_remove_kernel(d, c);
				dmn_ike_child_free(d, c);
			}
			continue;
		}
		if (!c->sa_in)
			continue;
		/* a lost kernel event must not cost the tunnel */
		if (c->hard_ms && now >= c->hard_ms + DMN_REKEY_LATE_MS) {
			child_expired(d, c);
			continue;
		}
		if (child_idle_check(d, c, now))
			continue;
		if (c->soft_ms && !c->soft_expired && now >= c->soft_ms + DMN_REKEY_LATE_MS) {
			c->soft_expired = true;
			log_debug("%s: IPsec SA 0x%08x: soft lifetime passed (no kernel event)",
				  c->conn, c->spi_in);
		}
		if (c->soft_expired && now >= c->rekey_next_ms)
			child_rekey(d, c, now);
	}
}

/* An ISAKMP SA is reauthenticated (a new one, phase 1 only) before it expires, then deleted. */
void dmn_ike_sa_lifetime_check(struct dmn *d, struct dmn_ike_sa *sa, uint64_t now)
{
	char peer[64];
	struct sockaddr_storage ss;
	if (sa->expire_ms && now >= sa->expire_ms) {
		sa->expire_ms = 0;
		dmn_addr_to_sockaddr(&sa->peer, &ss);
		log_info("%s: ISAKMP SA with %s expired after %u s", sa->conn,
			 dmn_sockaddr_str((struct sockaddr *)&ss, peer, sizeof(peer)),
			 sa->p1.lifetime_s);
		proto_ike_delete_sa(d->ike->engine, sa->sa_id); /* SA_GONE drops the record */
		return;
	}
	if (!sa->reauth_ms || sa->reauth_started || now < sa->reauth_ms)
		return;
	sa->reauth_started = true;
	size_t i;
	const struct dmn_conn *conn = conn_by_name(d, sa->conn, &i);
	/* a newer SA (the peer reauthenticated first) or one we cannot start: nothing to do */
	if (!conn || dmn_ike_newest_sa(d, sa->conn, &sa->peer) != sa ||
	    conn->right.host.kind != DMN_ADDR_IP)
		return;
	dmn_addr_to_sockaddr(&sa->peer, &ss);
	log_info("%s: reauthenticating with %s, %llu s before the ISAKMP SA expires", sa->conn,
		 dmn_sockaddr_str((struct sockaddr *)&ss, peer, sizeof(peer)),
		 (unsigned long long)((sa->expire_ms - now) / 1000));
	if (dmn_ike_start(d, sa->conn, true) == 0)
		d->ike->reauths_started++;
}

int dmn_ike_rekey(struct dmn *d, const char *name, bool ike)
{
	uint64_t now = dmn_now_ms(d);
	int n = 0;
	if (ike) {
		struct dmn_ike_sa *sa;
		dmn_hlist_for_each_entry (sa, &d->ike->sa_list, node)
			if (strcmp(sa->conn, name) == 0 &&
			    dmn_ike_newest_sa(d, name, &sa->peer) == sa) {
				sa->reauth_ms = now;
				sa->reauth_started = false;
				dmn_ike_sa_lifetime_check(d, sa, now);
				n++;
			}
	} else {
		struct dmn_child *c;
		dmn_hlist_for_each_entry (c, &d->ike->child_list, node)
			if (strcmp(c->conn, name) == 0 && !c->superseded && !c->rekey_msgid) {
				child_rekey(d, c, now);
				n++;
			}
	}
	dmn_ike_pump(d);
	return n ? n : -ENOENT;
}
