// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A child (IPsec SA pair)'s life in the daemon, from P2_UP (make before break over the child it
 * replaces) to its free, and the trap policies of auto=route conns. Its kernel state (SAs,
 * policies, NAT-T updates) is daemon/child.c's.
 */
#include "daemon/ike_glue.h"
#include "daemon/ike_glue_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/child.h"
#include "daemon/config.h"
#include "daemon/kalg.h"
#include "daemon/log.h"
#include "daemon/updown.h"
#include "daemon/vici_srv.h"
#include "proto/consts.h"
#include "xfrm/xfrm.h"

uint64_t dmn_ike_child_key(uint8_t protocol, uint32_t spi_in)
{
	return ((uint64_t)protocol << 32 | spi_in) + 1;
}

/* Removes what the kernel holds of c; auto=route: its policies stay as traps for the next
 * negotiation. */
void dmn_ike_child_remove_kernel(struct dmn *d, struct dmn_child *c)
{
	bool keep =
		c->policies && dmn_ike_child_keeps_trap(d, c, dmn_config_find(d->config, c->conn));
	dmn_child_kernel_remove(d, c, keep);
}

void dmn_ike_child_free(struct dmn *d, struct dmn_child *c)
{
	dmn_vici_child_updown(d, c, false);
	dmn_updown_child_down(d, c);
	dmn_ike_child_record_free(d, c);
}

static bool ts_eq(const struct proto_ike_ts *a, const struct proto_ike_ts *b)
{
	return a->family == b->family && memcmp(a->from, b->from, 16) == 0 &&
	       memcmp(a->to, b->to, 16) == 0 && a->prefix == b->prefix && a->proto == b->proto &&
	       a->port == b->port;
}

/* Whether b carries the same traffic as a (same conn, peer and selectors): a rekey of it. */
static bool child_same_flow(const struct dmn_child *a, const struct dmn_child *b)
{
	return a != b && a->protocol == b->protocol && strcmp(a->conn, b->conn) == 0 &&
	       dmn_ike_addr_eq_noport(&a->peer, &b->peer) && ts_eq(&a->local_ts, &b->local_ts) &&
	       ts_eq(&a->remote_ts, &b->remote_ts);
}

/* Tells the peer a child is gone (over its ISAKMP SA, else the newest with its peer). */
void dmn_ike_child_send_delete(struct dmn *d, const struct dmn_child *c)
{
	struct dmn_ike_sa *sa = dmn_ike_child_peer_sa(d, c);
	proto_ike_delete_child(d->ike->engine, sa ? sa->sa_id : c->ike_sa_id, c->protocol,
			       c->spi_in);
}

/* Child c's record from the Quick Mode result ev (conn: its conn, NULL if gone). */
static void child_fill(struct dmn *d, struct dmn_child *c, const struct proto_ike_event *ev,
		       const struct dmn_conn *conn)
{
	const struct proto_ike_child *ch = &ev->u.child;
	snprintf(c->conn, sizeof(c->conn), "%s", conn ? conn->name : "?");
	dmn_child_take_conn(c, conn);
	c->conn_handle = ev->conn_handle;
	c->protocol = ch->protocol;
	c->mode = ch->mode;
	c->spi_in = ch->spi_in;
	c->spi_out = ch->spi_out;
	c->reqid = ev->reqid;
	c->local = ev->local;
	c->peer = ev->peer;
	c->local_ts = ch->local_ts;
	c->remote_ts = ch->remote_ts;
	c->transform = ch->transform;
	c->key_bits = ch->key_bits;
	c->auth = ch->auth;
	c->established_ms = dmn_now_ms(d);
	c->natt = ch->natt;
	c->encap_sport = ch->encap_sport;
	c->encap_dport = ch->encap_dport;
	c->has_oa = ch->has_oa;
	c->oa_peer = ch->oa_peer;
	c->enc_key_len = ch->enc_key_len;
	c->auth_key_len = ch->auth_key_len;
	c->lifetime_s = ch->lifetime_s;
	c->lifetime_kb = ch->lifetime_kb;
	c->ipcomp = ch->ipcomp;
	c->cpi_in = ch->cpi_in;
	c->cpi_out = ch->cpi_out;
}

/*
 * Whether c replaces a child with the same traffic (a rekey, by either side). An old child from
 * before an ISAKMP SA that carried our INITIAL-CONTACT is gone at the peer (it dropped everything
 * older, RFC 2407 §4.6.3.3): its outbound SA leads nowhere, so there is nothing to make before
 * breaking (both sides started at once, each made an ISAKMP SA). A rekey of a child of this same
 * ISAKMP SA still waits.
 */
static bool child_replaces(struct dmn *d, const struct dmn_child *c, uint64_t sa_id, bool working)
{
	struct dmn_ike *ik = d->ike;
	const struct dmn_ike_sa *isa = dmn_map_get(&ik->sas, sa_id);
	uint64_t dropped_before = isa && isa->p1.initial_contact_sent ? isa->p1.started_ms : 0;
	for (struct dmn_child *o =
		     dmn_ike_child_first(ik, true, dmn_ike_flow_bucket(c->conn, &c->peer));
	     o; o = dmn_ike_child_after(o, true))
		if (!o->superseded && child_same_flow(c, o) &&
		    o->established_ms >= dropped_before &&
		    (!working || (dmn_child_installed(o) && !o->stale)))
			return true;
	return false;
}

/* Inbound SA first, then outbound (a replacement's a little later: make before break, the old
 * outbound SA carries on until the peer has this child's inbound SA for sure), then the
 * policies that send traffic into it. 0 or -errno. */
static int child_install(struct dmn *d, struct dmn_child *c, const struct proto_ike_event *ev,
			 bool replaces)
{
	int r = dmn_child_sa_install(d, c, &ev->u.child, true);
	c->sa_in = r == 0;
	if (r == 0 && replaces && (c->out_pending = malloc(sizeof(*ev)))) {
		memcpy(c->out_pending, ev, sizeof(*ev));
		c->out_at_ms = dmn_now_ms(d) + DMN_REKEY_OUT_DELAY_MS;
	} else if (r == 0) {
		r = dmn_child_sa_install(d, c, &ev->u.child, false);
		c->sa_out = r == 0;
	}
	if (r == 0 && c->no_policies) {
		log_info("%s: installpolicy=no: SAs installed, no XFRM policies", c->conn);
	} else if (r == 0) {
		r = dmn_child_policies(d, c, true);
		c->policies = r == 0;
	}
	return r;
}

/* The children c replaces hand it their policies; their SAs go a little later. */
static void child_supersede(struct dmn *d, struct dmn_child *c)
{
	struct dmn_ike *ik = d->ike;
	unsigned replaced = 0;
	for (struct dmn_child *o =
		     dmn_ike_child_first(ik, true, dmn_ike_flow_bucket(c->conn, &c->peer));
	     o; o = dmn_ike_child_after(o, true)) {
		if (o->superseded || !child_same_flow(c, o))
			continue;
		o->superseded = true;
		o->policies = false;
		o->rekey_msgid = 0;
		o->retire_ms = dmn_now_ms(d) + DMN_REKEY_RETIRE_MS;
		dmn_updown_handover(o, c);
		replaced++;
		log_info("%s: IPsec SA 0x%08x/0x%08x replaced by 0x%08x/0x%08x", c->conn, o->spi_in,
			 o->spi_out, c->spi_in, c->spi_out);
	}
	if (replaced)
		ik->rekeys_done++;
}

/*
 * The newest child c superseded, if still within its retire window, is no longer superseded: its
 * policies, which c's removal would take away, are its again (re-installed with its templates,
 * in place), its updown state comes back, and it rekeys again in DMN_REKEY_AGAIN_MS. The peer
 * that deletes the new child of a rekey at once (its initiator could not keep it) thus keeps the
 * tunnel on the old SAs.
 */
struct dmn_child *dmn_ike_child_unsupersede(struct dmn *d, struct dmn_child *c)
{
	struct dmn_child *o, *back = NULL;
	uint64_t now = dmn_now_ms(d);
	for (o = c->superseded ? NULL
			       : dmn_ike_child_first(d->ike, true,
						     dmn_ike_flow_bucket(c->conn, &c->peer));
	     o; o = dmn_ike_child_after(o, true))
		if (o->superseded && !o->stale && now < o->retire_ms && child_same_flow(c, o) &&
		    dmn_child_installed(o) && (!back || o->established_ms > back->established_ms))
			back = o;
	if (!back)
		return NULL;
	back->superseded = false;
	back->retire_ms = 0;
	back->rekey_next_ms = now + DMN_REKEY_AGAIN_MS;
	if (!back->no_policies) {
		back->policies = dmn_child_policies(d, back, true) == 0;
		if (back->policies)
			c->policies = false; /* they stay for back at c's removal */
		else
			log_err("%s: cannot re-install the policies of IPsec SA 0x%08x/0x%08x: %s",
				back->conn, back->spi_in, back->spi_out,
				dmn_kernel_errmsg(&d->kernel));
	}
	dmn_updown_handover(c, back);
	log_info("%s: IPsec SA 0x%08x/0x%08x deleted right after it replaced 0x%08x/0x%08x: that "
		 "one carries the traffic again",
		 c->conn, c->spi_in, c->spi_out, back->spi_in, back->spi_out);
	return back;
}

/* The kernel refused child c (error r): its larval SAs go, and the failure is told (log,
 * oakley explain, the control socket's pending initiate). */
static void child_refused(struct dmn *d, const struct dmn_child *c, const char *peer, int r,
			  bool initiator)
{
	dmn_child_larval_remove(d, c);
	char why[384];
	snprintf(why, sizeof(why), "%s: IPsec SA with %s negotiated but not installed: %s", c->conn,
		 peer,
		 r == -EOPNOTSUPP ? "algorithm has no kernel equivalent"
				  : dmn_kernel_errmsg(&d->kernel));
	log_err("%s", why);
	/* explain: negotiated is not carrying traffic */
	dmn_failure_record(d, c->conn, peer, 2, initiator, PROTO_IKE_E_INTERNAL,
			   why + strlen(c->conn) + 2);
	/* The control socket prefixes the conn name itself. */
	dmn_vici_initiate_failed(d, c->conn, why + strlen(c->conn) + 2);
}

/*
 * The kernel refused child c of a rekey (by either side): the peer is told (DELETE: it takes
 * back the child c would have replaced, dmn_ike_child_unsupersede), what got into the kernel of
 * c goes, the children of its flow that c did not supersede keep their policies (re-installed in
 * place: c's may have been written over them), and a rekey of ours is tried again as after a
 * failed Quick Mode. c's record goes: it never carried traffic.
 */
static void child_rekey_refused(struct dmn *d, struct dmn_child *c,
				const struct proto_ike_event *ev, const struct dmn_conn *conn)
{
	dmn_ike_child_send_delete(d, c);
	c->policies = false; /* the flow's, which the old child keeps */
	dmn_child_kernel_remove(d, c, false);
	for (struct dmn_child *o =
		     dmn_ike_child_first(d->ike, true, dmn_ike_flow_bucket(c->conn, &c->peer));
	     o; o = dmn_ike_child_after(o, true))
		if (!o->superseded && o->policies && child_same_flow(c, o) &&
		    dmn_child_policies(d, o, true) < 0)
			log_err("%s: cannot re-install the policies of IPsec SA 0x%08x/0x%08x: %s",
				o->conn, o->spi_in, o->spi_out, dmn_kernel_errmsg(&d->kernel));
	log_info("%s: IPsec SA 0x%08x/0x%08x of a rekey deleted: the SA it replaces carries on",
		 c->conn, c->spi_in, c->spi_out);
	if (ev->initiator)
		dmn_ike_child_rekey_failed(d, conn, &ev->peer, ev->u.child.msgid);
	dmn_ike_child_record_free(d, c);
}

static void child_log_up(const struct dmn_child *c, const struct proto_ike_child *ch,
			 const char *peer)
{
	char pfs[128] = "", gname[24], tsl[96], tsr[96];
	if (ch->pfs_group)
		snprintf(
			pfs, sizeof(pfs), ", PFS %s",
			proto_name_buf(PROTO_NAMES_IKE_GROUP, ch->pfs_group, gname, sizeof(gname)));
	if (ch->natt)
		snprintf(pfs + strlen(pfs), sizeof(pfs) - strlen(pfs), ", ESP in UDP %u->%u",
			 ch->encap_sport, ch->encap_dport);
	if (c->ipcomp)
		snprintf(pfs + strlen(pfs), sizeof(pfs) - strlen(pfs),
			 ", IPComp CPIs 0x%04x in, 0x%04x out", c->cpi_in, c->cpi_out);
	log_info("%s: IPsec SA established with %s: %s %s %u-bit, auth %s, %s, %s === %s, SPIs "
		 "0x%08x in, 0x%08x out%s",
		 c->conn, peer, ch->protocol == PROTO_IPSEC_AH ? "AH" : "ESP",
		 ch->protocol == PROTO_IPSEC_AH ? "-" : dmn_kalg_esp_name(ch->transform),
		 ch->key_bits, dmn_kalg_auth_name(ch->auth),
		 ch->mode == ENCAP_TRANSPORT ? "transport" : "tunnel",
		 dmn_proto_ts_str(&ch->local_ts, tsl, sizeof(tsl)),
		 dmn_proto_ts_str(&ch->remote_ts, tsr, sizeof(tsr)), ch->spi_in, ch->spi_out, pfs);
}

/* Phase 2 is up: the child's record, its kernel state, the children it replaces, then the
 * scripts and the log. */
void dmn_ike_on_child_up(struct dmn *d, const struct proto_ike_event *ev)
{
	const struct proto_ike_child *ch = &ev->u.child;
	struct dmn_child *c = dmn_ike_child_record_new(d, ev);
	if (!c)
		return;
	const struct dmn_conn *conn = dmn_ike_conn_by_handle(d, ev->conn_handle, NULL);
	child_fill(d, c, ev, conn);
	/* offered, not taken: the larval SA of its ALLOCSPI need not wait for its expiry */
	if (ch->cpi_spare)
		dmn_child_spare_cpi_remove(d, c, ch->cpi_spare);
	dmn_ike_child_limits(d, c, conn, ev->initiator);
	if (dmn_ike_child_record_link(d, c, ev) < 0)
		return;

	char peer[64];
	struct sockaddr_storage ss;
	dmn_addr_to_sockaddr(&ev->peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, peer, sizeof(peer));
	bool replaces = child_replaces(d, c, ev->sa_id, false);
	int r = child_install(d, c, ev, replaces);
	if (r < 0) {
		child_refused(d, c, peer, r, ev->initiator);
		/* a rekey of a child that carries traffic: that one carries on. A child that never
		 * got into the kernel, or one a reload changed (the operator asked for the new
		 * settings), is not taken back: the refusal stands as at a first install. */
		if (replaces && child_replaces(d, c, ev->sa_id, true))
			child_rekey_refused(d, c, ev, conn);
		return;
	}
	child_supersede(d, c);
	dmn_vici_child_updown(d, c, true);
	dmn_updown_child_up(d, c);
	child_log_up(c, ch, peer);
	dmn_ike_reload_child_up(d, c);
}

/* Whether a child of conn with t's selectors holds the policies (they are its, not a trap). */
static bool trap_flow_held(const struct dmn *d, const char *conn, const struct dmn_child *t)
{
	const struct dmn_child *c;
	dmn_hlist_for_each_entry (c, &d->ike->child_flow[dmn_ike_flow_bucket(conn, &t->peer)], flow)
		if (c->policies && strcmp(c->conn, conn) == 0 &&
		    ts_eq(&c->local_ts, &t->local_ts) && ts_eq(&c->remote_ts, &t->remote_ts))
			return true;
	return false;
}

/*
 * auto=route: the conn's policies, with the template its SAs will match (same selectors,
 * priority and reqid as a child's), are installed without SAs, so that the first packet makes
 * the kernel send an ACQUIRE, which starts the negotiation. The child's policies replace them in
 * place, and they stay when its SAs go (dmn_ike_child_remove_kernel), until the conn is removed.
 * Policies a child holds are left alone; when removing, so are those conn keep (a reload's new
 * version of the conn, or NULL) also traps.
 */
int dmn_ike_conn_trap(struct dmn *d, size_t i, bool add, const struct dmn_conn *keep)
{
	const struct dmn_conn *conn = d->config->conns[i];
	struct dmn_child t = {0};
	dmn_child_take_conn(&t, conn);
	struct proto_ike_conn pc;
	int r = dmn_ike_conn_endpoints(d, conn, &t.local, &t.peer);
	if (r == 0)
		r = dmn_ike_conn_to_proto(d, i, &pc);
	if (r < 0)
		return r;
	t.protocol = pc.n_esp ? pc.esp[0].protocol : PROTO_IPSEC_ESP;
	t.mode = pc.mode;
	t.reqid = pc.reqid;
	t.ipcomp = pc.compress;
	unsigned nl = pc.n_local_ts ? pc.n_local_ts : 1, nr = pc.n_remote_ts ? pc.n_remote_ts : 1;
	for (unsigned k = 0; k < nl * nr; k++) {
		if (pc.n_local_ts)
			t.local_ts = pc.local_ts[k / nr];
		else
			dmn_ts_host(&t.local, &t.local_ts);
		if (pc.n_remote_ts)
			t.remote_ts = pc.remote_ts[k % nr];
		else
			dmn_ts_host(&t.peer, &t.remote_ts);
		if (trap_flow_held(d, conn->name, &t) ||
		    (!add && keep &&
		     dmn_ike_conn_has_flow(keep, &t.peer, &t.local_ts, &t.remote_ts)))
			continue;
		int e = dmn_child_policies(d, &t, add);
		if (e < 0 && r == 0)
			r = e;
	}
	if (r < 0)
		log_err("%s: cannot %s its trap policies: %s", conn->name,
			add ? "install" : "remove", dmn_kernel_errmsg(&d->kernel));
	else if (add)
		log_info("%s: routed: traffic for its subnets starts the negotiation", conn->name);
	return r;
}
