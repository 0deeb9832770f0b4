// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ISAKMP SA records (struct dmn_ike_sa) and the indexes over them and the children: by conn and
 * peer address (flow chains), by peer address alone, by the peer's proved ID. Adding a record
 * (phase 1 up) adopts a reauthenticated peer's children and applies uniqueids=; INITIAL-CONTACT
 * and a moved NAT mapping act on the records of one peer.
 */
#include "daemon/ike_glue.h"
#include "daemon/ike_glue_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/convert.h"
#include "daemon/log.h"
#include "daemon/vici_srv.h"
#include "proto/consts.h"
#include "xfrm/xfrm.h"

/* A keyed hash of a peer's proved ID, never 0: what tells two peers behind one address apart. */
uint64_t dmn_ike_peer_id_hash(const struct dmn_ike *ik, const struct proto_ike_id *id)
{
	uint64_t h = 0xcbf29ce484222325u ^ ik->id_key[0]; /* FNV-1a over type, length, data */
	h = (h ^ id->type) * 0x100000001b3u;
	h = (h ^ id->len) * 0x100000001b3u;
	for (unsigned i = 0; i < id->len && i < sizeof(id->data); i++)
		h = (h ^ id->data[i]) * 0x100000001b3u;
	h = (h ^ h >> 32) * (ik->id_key[1] | 1);
	return h ? h : 1;
}

/* INITIAL-CONTACT (RFC 2407 §4.6.3.3): the peer rebooted; its children from before this ISAKMP
 * SA's negotiation began are stale. Children that came up meanwhile, over the peer's other new
 * ISAKMP SAs (several conns started at once each send INITIAL-CONTACT), are not. The peer is
 * the one at that address that proved the same ID: road warriors behind one NAT each send
 * INITIAL-CONTACT (iOS always does) and must not remove each other's SAs. */
void dmn_ike_on_initial_contact(struct dmn *d, const struct proto_ike_event *ev)
{
	const struct dmn_ike_sa *sa = dmn_map_get(&d->ike->sas, ev->sa_id);
	if (!sa)
		return; /* its record is added at P1_UP, before this event (or uniqueids=keep
			 * deleted it) */
	if (d->config && d->config->setup.uniqueids == DMN_UNIQUE_NEVER) {
		log_info("%s: INITIAL-CONTACT from peer ignored (uniqueids=never)", sa->conn);
		return;
	}
	uint64_t began = sa->p1.started_ms;
	struct dmn_child *c;
	struct dmn_hlist_node *tmp;
	dmn_hlist_for_each_entry_safe (c, tmp, &d->ike->child_addr[dmn_ike_addr_bucket(&ev->peer)],
				       addr) {
		if (c->ike_sa_id != ev->sa_id && c->established_ms < began &&
		    c->peer_id_hash == sa->peer_id_hash && c->peer.family == ev->peer.family &&
		    memcmp(c->peer.addr, ev->peer.addr, 16) == 0) {
			log_info("%s: INITIAL-CONTACT from peer: removing old IPsec SA 0x%08x",
				 c->conn, c->spi_out);
			dmn_ike_child_remove_kernel(d, c);
			dmn_ike_child_free(d, c);
		}
	}
}

static void sa_flow_link(struct dmn_ike *ik, struct dmn_ike_sa *sa);
static void sa_flow_unlink(struct dmn_ike_sa *sa);

/* RFC 3947 §4: the peer's NAT gave it a new port; its SAs follow instead of being torn down. */
void dmn_ike_on_peer_moved(struct dmn *d, const struct proto_ike_event *ev)
{
	struct dmn_ike_sa *sa = dmn_map_get(&d->ike->sas, ev->sa_id);
	char from[64], to[64];
	struct sockaddr_storage ss;
	dmn_addr_to_sockaddr(&ev->u.moved.old_peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, from, sizeof(from));
	dmn_addr_to_sockaddr(&ev->peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, to, sizeof(to));
	if (sa) {
		sa_flow_unlink(sa); /* its address may have changed with the port */
		sa->peer = ev->peer;
		sa->local = ev->local;
		sa_flow_link(d->ike, sa);
	}
	struct dmn_child *c;
	dmn_hlist_for_each_entry (c, &d->ike->child_list, node) {
		if (c->ike_sa_id != ev->sa_id || !c->natt)
			continue;
		c->encap_dport = ev->peer.port;
		c->encap_sport = ev->local.port;
		int r = dmn_ike_child_encap_update(d, c);
		if (r < 0)
			log_warn("%s: cannot move IPsec SA 0x%08x to %s: %s", c->conn, c->spi_out,
				 to,
				 r == -EOPNOTSUPP ? "algorithm unknown"
						  : dmn_kernel_errmsg(&d->kernel));
		else
			log_info("%s: peer's NAT mapping moved from %s to %s: IPsec SAs "
				 "0x%08x/0x%08x "
				 "updated",
				 c->conn, from, to, c->spi_in, c->spi_out);
	}
}

/* ---- ISAKMP SA records ---- */

/* The allocator of records: calloc, unless a test asked for the next allocations to fail
 * (dmn_ike.record_alloc_fail). */
static void *record_alloc(struct dmn_ike *ik, size_t size)
{
	if (ik->record_alloc_fail) {
		ik->record_alloc_fail--;
		return NULL;
	}
	return calloc(1, size);
}

/* A child of event ev that has no record: nothing would ever remove it, so the peer is told
 * it is gone. Nothing of it is in the kernel yet. */
static void child_record_lost(struct dmn *d, const struct proto_ike_event *ev)
{
	const struct dmn_conn *conn = dmn_ike_conn_by_handle(d, ev->conn_handle, NULL);
	log_err("%s: out of memory for the record of IPsec SA 0x%08x: deleting it",
		conn ? conn->name : "?", ev->u.child.spi_out);
	d->ike->records_failed++;
	proto_ike_delete_child(d->ike->engine, ev->sa_id, ev->u.child.protocol, ev->u.child.spi_in);
	if (ev->initiator) /* a rekey of ours, maybe: the old child tries again */
		dmn_ike_child_rekey_failed(d, conn, &ev->peer, ev->u.child.msgid);
}

struct dmn_child *dmn_ike_child_record_new(struct dmn *d, const struct proto_ike_event *ev)
{
	struct dmn_child *c = record_alloc(d->ike, sizeof(*c));
	if (!c)
		child_record_lost(d, ev);
	return c;
}

int dmn_ike_child_record_link(struct dmn *d, struct dmn_child *c, const struct proto_ike_event *ev)
{
	struct dmn_ike *ik = d->ike;
	if (dmn_map_put(&ik->children, dmn_ike_child_key(c->protocol, c->spi_in), c) < 0) {
		free(c);
		child_record_lost(d, ev);
		return -ENOMEM;
	}
	dmn_ike_child_set_sa(d, c, ev->sa_id);
	dmn_hlist_add_head(&c->node, &ik->child_list);
	dmn_hlist_add_head(&c->flow, &ik->child_flow[dmn_ike_flow_bucket(c->conn, &c->peer)]);
	dmn_hlist_add_head(&c->addr, &ik->child_addr[dmn_ike_addr_bucket(&c->peer)]);
	ik->n_children++;
	return 0;
}

void dmn_ike_child_record_free(struct dmn *d, struct dmn_child *c)
{
	struct dmn_ike *ik = d->ike;
	if (c->out_pending) {
		explicit_bzero(c->out_pending, sizeof(*c->out_pending));
		free(c->out_pending);
	}
	dmn_map_del(&ik->children, dmn_ike_child_key(c->protocol, c->spi_in));
	dmn_hlist_del(&c->flow);
	dmn_hlist_del(&c->addr);
	dmn_hlist_del(&c->node);
	ik->n_children--;
	dmn_ike_child_set_sa(d, c, 0);
	free(c);
}

/* Links ISAKMP SA record sa into its (conn, peer), peer address and peer ID buckets, newest
 * first. */
static void sa_flow_link(struct dmn_ike *ik, struct dmn_ike_sa *sa)
{
	dmn_hlist_add_head(&sa->flow, &ik->sa_flow[dmn_ike_flow_bucket(sa->conn, &sa->peer)]);
	dmn_hlist_add_head(&sa->addr, &ik->sa_addr[dmn_ike_addr_bucket(&sa->peer)]);
	dmn_hlist_add_head(&sa->idh, &ik->sa_idh[sa->peer_id_hash & (DMN_FLOW_BUCKETS - 1)]);
}

static void sa_flow_unlink(struct dmn_ike_sa *sa)
{
	dmn_hlist_del(&sa->flow);
	dmn_hlist_del(&sa->addr);
	dmn_hlist_del(&sa->idh);
}

/* The ISAKMP SA to speak to child c's peer over: its own while it is up, else the newest with
 * its conn and peer address, or NULL. */
struct dmn_ike_sa *dmn_ike_child_peer_sa(struct dmn *d, const struct dmn_child *c)
{
	struct dmn_ike_sa *sa = c->orphan ? NULL : dmn_map_get(&d->ike->sas, c->ike_sa_id);
	return sa ? sa : dmn_ike_newest_sa(d, c->conn, &c->peer);
}

/* The newest established ISAKMP SA of conn with peer (chains are newest first), or NULL. */
struct dmn_ike_sa *dmn_ike_newest_sa(struct dmn *d, const char *conn,
				     const struct proto_ike_addr *peer)
{
	struct dmn_ike_sa *sa;
	dmn_hlist_for_each_entry (sa, &d->ike->sa_flow[dmn_ike_flow_bucket(conn, peer)], flow)
		if (strcmp(sa->conn, conn) == 0 && dmn_ike_addr_eq_noport(&sa->peer, peer))
			return sa;
	return NULL;
}

void dmn_ike_child_set_sa(struct dmn *d, struct dmn_child *c, uint64_t sa_id)
{
	struct dmn_ike_sa *o = c->ike_sa_id ? dmn_map_get(&d->ike->sas, c->ike_sa_id) : NULL;
	struct dmn_ike_sa *n = sa_id ? dmn_map_get(&d->ike->sas, sa_id) : NULL;
	if (o && o->n_children)
		o->n_children--;
	if (n)
		n->n_children++;
	c->ike_sa_id = sa_id;
	c->orphan = !n;
	if (n)
		c->peer_id_hash = n->peer_id_hash;
}

struct dmn_ike_sa *dmn_ike_sa_record_add(struct dmn *d, const struct proto_ike_event *ev,
					 const char *name)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_ike_sa *sa = record_alloc(ik, sizeof(*sa));
	if (!sa || dmn_map_put(&ik->sas, ev->sa_id, sa) < 0) {
		/* without its record it would run on with no DPD, reauthentication or expiry */
		free(sa);
		log_err("%s: out of memory for the record of ISAKMP SA #%llu: deleting it", name,
			(unsigned long long)ev->sa_id);
		ik->records_failed++;
		proto_ike_delete_sa(ik->engine, ev->sa_id);
		return NULL;
	}
	sa->sa_id = ev->sa_id;
	sa->conn_handle = ev->conn_handle;
	snprintf(sa->conn, sizeof(sa->conn), "%s", name);
	sa->initiator = ev->initiator;
	sa->local = ev->local;
	sa->peer = ev->peer;
	sa->p1 = ev->u.p1;
	sa->peer_id_hash = dmn_ike_peer_id_hash(ik, &ev->u.p1.peer_id);
	sa->established_ms = dmn_now_ms(d);
	if (ev->u.p1.peer_id.type == ID_DER_ASN1_DN) {
		/* the engine's own line names only the type: it cannot read a DN */
		char dn[512];
		dmn_peer_id_str(&ev->u.p1.peer_id, &ev->peer, DMN_ID_FORM_LIST, dn, sizeof(dn));
		log_info("%s: ISAKMP SA #%llu: the peer's ID is \"%s\"", name,
			 (unsigned long long)ev->sa_id, dn);
	}
	const struct dmn_conn *conn = dmn_ike_conn_by_handle(d, ev->conn_handle, NULL);
	uint32_t life = ev->u.p1.lifetime_s;
	if (life) {
		sa->expire_ms = sa->established_ms + (uint64_t)life * 1000;
		if (conn && conn->rekey && conn->reauth)
			sa->reauth_ms =
				sa->expire_ms -
				(uint64_t)dmn_ike_rekey_margin(conn, life, ev->initiator) * 1000;
	}
	/* IKEv1 children outlive their ISAKMP SA: a new one with the same peer (a
	 * reauthentication) takes them over, unless the peer says it rebooted (INITIAL-CONTACT
	 * then removes them). The same peer: the children's ISAKMP SA is gone (they are orphans),
	 * or it is still up with the same address, port and ID. Road warriors behind one NAT share
	 * the conn and the address; each keeps its own children (their ports or IDs differ). */
	unsigned adopted = 0;
	struct dmn_child *c;
	struct dmn_hlist_head *chain = &ik->child_flow[dmn_ike_flow_bucket(name, &ev->peer)];
	if (!ev->u.p1.peer_initial_contact) {
		dmn_hlist_for_each_entry (c, chain, flow)
			if (c->ike_sa_id != ev->sa_id && c->peer_id_hash == sa->peer_id_hash &&
			    (c->orphan || c->peer.port == ev->peer.port) &&
			    dmn_ike_addr_eq_noport(&c->peer, &ev->peer) &&
			    strcmp(c->conn, name) == 0) {
				dmn_ike_child_set_sa(d, c, ev->sa_id);
				adopted++;
			}
	}
	if (adopted)
		log_info("%s: new ISAKMP SA with the peer takes over %u IPsec SA%s", name, adopted,
			 adopted == 1 ? "" : "s");
	dmn_hlist_add_head(&sa->node, &ik->sa_list);
	sa_flow_link(ik, sa);
	ik->n_sas++;
	dmn_vici_ike_updown(d, sa, true);
	return sa;
}

/*
 * uniqueids= (config setup): a peer proved an ID that an ISAKMP SA of the same conn with another
 * endpoint (address or port) already has: the same client moved (a new network, a new NAT
 * mapping) or a second one uses its ID. yes/replace delete the older SA and its IPsec SAs, keep
 * deletes the new one, no and never allow both. The same endpoint is left alone: that is the
 * peer reauthenticating, whose new SA takes over the children (dmn_ike_sa_record_add). O(SAs with
 * that ID hash).
 */
void dmn_ike_sa_enforce_unique(struct dmn *d, struct dmn_ike_sa *sa)
{
	struct dmn_ike *ik = d->ike;
	enum dmn_uniqueids u = d->config ? d->config->setup.uniqueids : DMN_UNIQUE_YES;
	if (u == DMN_UNIQUE_NO || u == DMN_UNIQUE_NEVER || !sa->peer_id_hash)
		return;
	char now_at[64], was_at[64];
	struct sockaddr_storage ss;
	dmn_addr_to_sockaddr(&sa->peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, now_at, sizeof(now_at));
	struct dmn_ike_sa *o;
	struct dmn_hlist_node *tmp;
	dmn_hlist_for_each_entry_safe (
		o, tmp, &ik->sa_idh[sa->peer_id_hash & (DMN_FLOW_BUCKETS - 1)], idh) {
		if (o == sa || o->peer_id_hash != sa->peer_id_hash ||
		    strcmp(o->conn, sa->conn) != 0 ||
		    (dmn_ike_addr_eq_noport(&o->peer, &sa->peer) && o->peer.port == sa->peer.port))
			continue;
		dmn_addr_to_sockaddr(&o->peer, &ss);
		dmn_sockaddr_str((struct sockaddr *)&ss, was_at, sizeof(was_at));
		if (u == DMN_UNIQUE_KEEP) {
			log_info("%s: peer's ID already has an ISAKMP SA with %s: refusing the new "
				 "one "
				 "with %s (uniqueids=keep)",
				 sa->conn, was_at, now_at);
			d->ike->unique_refused++;
			uint64_t id = sa->sa_id;
			proto_ike_delete_sa(ik->engine, id);
			dmn_ike_sa_record_del(d, id);
			return;
		}
		unsigned n = dmn_ike_sa_children_remove(d, o->sa_id, o, true, false);
		log_info(
			"%s: peer's ID now at %s: deleting its ISAKMP SA with %s and %u IPsec SA%s "
			"(uniqueids=%s)",
			sa->conn, now_at, was_at, n, n == 1 ? "" : "s",
			u == DMN_UNIQUE_REPLACE ? "replace" : "yes");
		d->ike->unique_replaced++;
		uint64_t id = o->sa_id;
		proto_ike_delete_sa(ik->engine, id);
		dmn_ike_sa_record_del(d, id); /* next is still valid: only o left the chain */
	}
}

/*
 * Removes the children of ISAKMP SA sa_id from the kernel and frees them: those in the
 * conn-and-peer chain of its record sa, or, with sa NULL (the record is gone), any child.
 * send_delete tells the peer first; keep_policies leaves their policies in the kernel
 * (dpdaction=hold). Returns how many.
 */
unsigned dmn_ike_sa_children_remove(struct dmn *d, uint64_t sa_id, const struct dmn_ike_sa *sa,
				    bool send_delete, bool keep_policies)
{
	struct dmn_ike *ik = d->ike;
	unsigned n = 0;
	unsigned b = sa ? dmn_ike_flow_bucket(sa->conn, &sa->peer) : 0;
	for (struct dmn_child *c = dmn_ike_child_first(ik, sa, b), *next; c; c = next) {
		next = dmn_ike_child_after(c, sa);
		if (c->ike_sa_id != sa_id)
			continue;
		if (send_delete)
			dmn_ike_child_send_delete(d, c);
		if (keep_policies)
			c->policies = false;
		dmn_ike_child_remove_kernel(d, c);
		dmn_ike_child_free(d, c);
		n++;
	}
	return n;
}

void dmn_ike_sa_record_del(struct dmn *d, uint64_t sa_id)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_ike_sa *sa = dmn_map_del(&ik->sas, sa_id);
	if (!sa)
		return;
	/* its children outlive it, as orphans that the next ISAKMP SA with the peer takes over */
	struct dmn_child *c;
	dmn_hlist_for_each_entry (c, &ik->child_flow[dmn_ike_flow_bucket(sa->conn, &sa->peer)],
				  flow)
		if (!sa->n_children)
			break;
		else if (c->ike_sa_id == sa_id) {
			c->orphan = true;
			sa->n_children--;
		}
	dmn_vici_ike_updown(d, sa, false);
	sa_flow_unlink(sa);
	dmn_hlist_del(&sa->node);
	ik->n_sas--;
	free(sa);
}

int dmn_ike_terminate(struct dmn *d, const char *name)
{
	struct dmn_ike *ik = d->ike;
	int n = 0;
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(ik, name);
	if (h) /* brought down on purpose: no retry, no auto=keep */
		h->tries = 0, h->retry_ms = 0, h->keep_up = false;
	struct dmn_child *c;
	struct dmn_ike_sa *sa;
	struct dmn_hlist_node *tmp;
	dmn_hlist_for_each_entry_safe (c, tmp, &ik->child_list, node) {
		if (strcmp(c->conn, name) != 0)
			continue;
		proto_ike_delete_child(ik->engine, c->ike_sa_id, c->protocol, c->spi_in);
		dmn_ike_child_remove_kernel(d, c);
		dmn_ike_child_free(d, c);
	}
	dmn_hlist_for_each_entry_safe (sa, tmp, &ik->sa_list, node) {
		if (strcmp(sa->conn, name) != 0)
			continue;
		uint64_t id = sa->sa_id;
		if (proto_ike_delete_sa(ik->engine, id) == 0)
			n++;
		dmn_ike_sa_record_del(d, id); /* no-op if SA_GONE already removed it */
	}
	dmn_ike_pump(d);
	if (n == 0)
		return -ENOENT;
	log_info("%s: terminated %d ISAKMP SA%s", name, n, n == 1 ? "" : "s");
	return n;
}

int dmn_ike_terminate_sa(struct dmn *d, uint64_t sa_id)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_ike_sa *sa = ik ? dmn_map_get(&ik->sas, sa_id) : NULL;
	if (!sa)
		return -ENOENT;
	char conn[sizeof(sa->conn)];
	snprintf(conn, sizeof(conn), "%s", sa->conn);
	unsigned n = dmn_ike_sa_children_remove(d, sa_id, sa, true, false);
	proto_ike_delete_sa(ik->engine, sa_id);
	dmn_ike_sa_record_del(d, sa_id); /* no-op if SA_GONE already removed it */
	dmn_ike_pump(d);
	log_info("%s: terminated ISAKMP SA #%llu and %u IPsec SA%s", conn,
		 (unsigned long long)sa_id, n, n == 1 ? "" : "s");
	return 0;
}

int dmn_ike_terminate_child(struct dmn *d, uint64_t key)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_child *c = ik ? dmn_map_get(&ik->children, key) : NULL;
	if (!c)
		return -ENOENT;
	log_info("%s: terminating IPsec SA 0x%08x (uniqueid %u)", c->conn, c->spi_out, c->spi_in);
	dmn_ike_child_unsupersede(d, c);
	dmn_ike_child_send_delete(d, c);
	dmn_ike_child_remove_kernel(d, c);
	dmn_ike_child_free(d, c);
	dmn_ike_pump(d);
	return 0;
}
