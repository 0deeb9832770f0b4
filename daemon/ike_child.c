// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A child (IPsec SA pair)'s kernel side: selectors, the ESP/AH and IPComp SAs with their marks
 * and if_ids, the policies (and the trap policies of auto=route conns), installing and removing
 * them, a NAT mapping's encapsulation update, and the child's life in the daemon from P2_UP (make
 * before break over the child it replaces) to its free.
 */
#include "daemon/ike_glue.h"
#include "daemon/ike_glue_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/kalg.h"
#include "daemon/log.h"
#include "daemon/updown.h"
#include "daemon/vici_srv.h"
#include "proto/consts.h"
#include "xfrm/xfrm.h"

/* ---- the kernel: installing and removing a child's SAs and policies ---- */

void dmn_ike_to_xaddr(const struct proto_ike_addr *a, struct xfrm_ipaddr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = (uint8_t)a->family;
	memcpy(ret->bytes, a->addr, 16);
}

/* A selector from a traffic selector; ranges that are not prefixes are narrowed to their first
 * address's host route (TODO(rfc2407 §4.6.2.1): install one policy per covering prefix). */
static void ts_to_sel(const struct proto_ike_ts *ts, struct xfrm_ipaddr *addr, uint8_t *len)
{
	memset(addr, 0, sizeof(*addr));
	addr->family = (uint8_t)ts->family;
	memcpy(addr->bytes, ts->from, 16);
	*len = ts->prefix >= 0 ? (uint8_t)ts->prefix : (ts->family == AF_INET ? 32 : 128);
}

/* The mark and if_id child c's SA of one direction carries. */
static void child_sa_marks(const struct dmn_child *c, bool inbound, struct xfrm_sa *sa)
{
	sa->mark_v = inbound ? c->mark_in : c->mark_out;
	sa->mark_m = inbound ? c->mark_in_mask : c->mark_out_mask;
	sa->if_id = inbound ? c->if_id_in : c->if_id_out;
}

/* A child (or trap) takes its conn's marks and if_id (%unique ones are not supported yet),
 * replay window and installpolicy=; without a conn (removed by a reload) the defaults. */
static void child_take_marks(struct dmn_child *c, const struct dmn_conn *conn)
{
	c->replay_window = conn ? conn->replay_window : 32; /* its default */
	c->no_policies = conn && !conn->installpolicy;
	c->inactivity_s = conn ? conn->inactivity : 0;
	if (!conn)
		return;
	if (!conn->mark_in_unique)
		c->mark_in = conn->mark_in, c->mark_in_mask = conn->mark_in_mask;
	if (!conn->mark_out_unique)
		c->mark_out = conn->mark_out, c->mark_out_mask = conn->mark_out_mask;
	if (!conn->if_id_in_unique)
		c->if_id_in = conn->if_id_in;
	if (!conn->if_id_out_unique)
		c->if_id_out = conn->if_id_out;
}

/*
 * The mode and selector of a child's ESP/AH SA of one direction. A tunnel-mode SA carries its
 * child's traffic selectors: the kernel picks an outbound SA by reqid and tunnel endpoints, and
 * then only among SAs whose selector matches the packet, so children of one conn that share the
 * peer's address (road warriors behind one NAT, several subnets) each get their own SA; inbound
 * it refuses what the child did not negotiate. With IPComp in tunnel mode the IPComp SA carries
 * the tunnel and the ESP/AH SA runs in transport mode over the tunnel's outer header; its
 * selector is then a wildcard, as the kernel matches the inner flow against it (measured in the
 * VM).
 */
/* The selector of child c's traffic in one direction: its negotiated traffic selectors. */
static void child_sel(const struct dmn_child *c, bool out, struct xfrm_sel *sel)
{
	const struct proto_ike_ts *src = out ? &c->local_ts : &c->remote_ts;
	const struct proto_ike_ts *dst = out ? &c->remote_ts : &c->local_ts;
	ts_to_sel(src, &sel->src, &sel->src_len);
	ts_to_sel(dst, &sel->dst, &sel->dst_len);
	sel->proto = src->proto;
	sel->sport = src->port;
	sel->dport = dst->port;
}

static void child_ipsec_mode(const struct dmn_child *c, bool inbound, struct xfrm_sa *sa)
{
	sa->mode = c->mode == ENCAP_TRANSPORT ? XFRM_MODE_TRANSPORT : XFRM_MODE_TUNNEL;
	if (c->ipcomp && sa->mode == XFRM_MODE_TUNNEL) {
		sa->mode = XFRM_MODE_TRANSPORT;
		sa->sel = (struct xfrm_sel){.src.family = (uint8_t)c->local.family,
					    .dst.family = (uint8_t)c->local.family};
	} else if (sa->mode == XFRM_MODE_TUNNEL) {
		child_sel(c, !inbound, &sa->sel);
	}
}

/* The IPComp SA of one direction (inbound: over the larval SA its CPI's ALLOCSPI left). It has
 * no lifetime of its own: it goes with its child. */
static int child_comp_sa(struct dmn *d, struct dmn_child *c, bool inbound)
{
	struct xfrm_sa sa = {0};
	dmn_ike_to_xaddr(inbound ? &c->peer : &c->local, &sa.src);
	dmn_ike_to_xaddr(inbound ? &c->local : &c->peer, &sa.dst);
	sa.spi = inbound ? c->cpi_in : c->cpi_out;
	sa.proto = IPPROTO_COMP;
	sa.mode = c->mode == ENCAP_TRANSPORT ? XFRM_MODE_TRANSPORT : XFRM_MODE_TUNNEL;
	sa.reqid = c->reqid;
	sa.comp = (struct xfrm_key){.alg = "deflate"}; /* IPCOMP_DEFLATE, RFC 2394 */
	child_sa_marks(c, inbound, &sa);
	int r = inbound ? dmn_kernel_sa_update(&d->kernel, &sa)
			: dmn_kernel_sa_add(&d->kernel, &sa);
	if (inbound)
		c->comp_in = r == 0;
	else
		c->comp_out = r == 0;
	return r;
}

/* Installs one direction of child c: its IPComp SA (if any) first, then the ESP/AH SA. */
int dmn_ike_child_sa(struct dmn *d, const struct proto_ike_event *ev, bool inbound,
		     struct dmn_child *c)
{
	const struct proto_ike_child *ch = &ev->u.child;
	struct xfrm_sa sa = {0};
	if (c->ipcomp) {
		if (ch->ipcomp_transform != IPCOMP_DEFLATE)
			return -EOPNOTSUPP;
		int r = child_comp_sa(d, c, inbound);
		if (r < 0)
			return r;
	}
	dmn_ike_to_xaddr(inbound ? &ev->peer : &ev->local, &sa.src);
	dmn_ike_to_xaddr(inbound ? &ev->local : &ev->peer, &sa.dst);
	sa.spi = inbound ? ch->spi_in : ch->spi_out;
	sa.proto = ch->protocol == PROTO_IPSEC_AH ? IPPROTO_AH : IPPROTO_ESP;
	child_ipsec_mode(c, inbound, &sa);
	child_sa_marks(c, inbound, &sa);
	sa.reqid = ev->reqid;
	sa.replay_window = c->replay_window;
	const uint8_t *km = inbound ? ch->keymat_in : ch->keymat_out;
	const struct dmn_kalg *auth = ch->auth ? dmn_kalg_auth(ch->auth) : NULL;
	if (ch->protocol == PROTO_IPSEC_ESP) {
		const struct dmn_kalg *enc = dmn_kalg_esp(ch->transform);
		if (!enc || (ch->auth && !auth))
			return -EOPNOTSUPP;
		struct xfrm_key *k = enc->aead ? &sa.aead : &sa.enc;
		*k = (struct xfrm_key){
			.alg = enc->kernel, .key = km, .len = ch->enc_key_len, .bits = enc->bits};
	} else if (!auth) {
		return -EOPNOTSUPP;
	}
	if (auth)
		sa.auth = (struct xfrm_key){
			.alg = auth->kernel,
			.key = km + (ch->protocol == PROTO_IPSEC_ESP ? ch->enc_key_len : 0),
			.len = ch->auth_key_len,
			.bits = auth->bits};
	if (ch->natt) {
		sa.encap = true;
		sa.encap_sport = inbound ? ch->encap_dport : ch->encap_sport;
		sa.encap_dport = inbound ? ch->encap_sport : ch->encap_dport;
		if (ch->has_oa && ch->mode == ENCAP_TRANSPORT)
			dmn_ike_to_xaddr(&ch->oa_peer, &sa.encap_oa);
	}
	sa.lft.hard_secs = ch->lifetime_s;
	sa.lft.hard_bytes = (uint64_t)ch->lifetime_kb * 1024;
	sa.lft.soft_secs = c->soft_s;
	sa.lft.soft_bytes = c->soft_bytes;
	sa.lft.soft_packets = c->soft_packets;
	sa.lft.hard_packets = c->hard_packets;
	/* Inbound replaces the larval SA ALLOCSPI left; outbound is new. */
	return inbound ? dmn_kernel_sa_update(&d->kernel, &sa) : dmn_kernel_sa_add(&d->kernel, &sa);
}

static void child_policy(const struct dmn_child *c, uint8_t dir, struct xfrm_policy *p)
{
	bool out = dir == XFRM_POLICY_OUT;
	memset(p, 0, sizeof(*p));
	child_sel(c, out, &p->sel);
	p->dir = dir;
	p->action = XFRM_POLICY_ALLOW;
	p->mark_v = out ? c->mark_out : c->mark_in;
	p->mark_m = out ? c->mark_out_mask : c->mark_in_mask;
	p->if_id = out ? c->if_id_out : c->if_id_in;
	/* More specific selectors get a better (lower) priority, as the kernel picks the lowest. */
	p->priority = 0x10000u - (uint32_t)p->sel.src_len - (uint32_t)p->sel.dst_len;
	/* With IPComp: [IPComp, ESP/AH], IPComp applied first on the way out and carrying the
	 * tunnel; optional inbound, where small packets come uncompressed (RFC 3173 §2.2). */
	p->n_tmpls = c->ipcomp ? 2 : 1;
	for (size_t i = 0; i < p->n_tmpls; i++) {
		struct xfrm_tmpl *t = &p->tmpls[i];
		bool comp = c->ipcomp && i == 0;
		t->proto = comp				   ? IPPROTO_COMP
			   : c->protocol == PROTO_IPSEC_AH ? IPPROTO_AH
							   : IPPROTO_ESP;
		t->mode = c->mode == ENCAP_TRANSPORT || (c->ipcomp && !comp) ? XFRM_MODE_TRANSPORT
									     : XFRM_MODE_TUNNEL;
		t->reqid = c->reqid;
		t->optional = comp && !out;
		if (t->mode == XFRM_MODE_TUNNEL) {
			dmn_ike_to_xaddr(out ? &c->local : &c->peer, &t->src);
			dmn_ike_to_xaddr(out ? &c->peer : &c->local, &t->dst);
		}
	}
}

static int child_policies(struct dmn *d, struct dmn_child *c, bool add)
{
	static const uint8_t dirs[] = {XFRM_POLICY_IN, XFRM_POLICY_FWD, XFRM_POLICY_OUT};
	int ret = 0;
	for (size_t i = 0; i < sizeof(dirs); i++) {
		if (dirs[i] == XFRM_POLICY_FWD && c->mode != ENCAP_TUNNEL)
			continue;
		struct xfrm_policy p;
		child_policy(c, dirs[i], &p);
		/* update = add or replace: a re-keyed child reuses the same policies. */
		int r = add ? dmn_kernel_policy_update(&d->kernel, &p)
			    : dmn_kernel_policy_del(&d->kernel, &p);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

uint64_t dmn_ike_child_key(uint8_t protocol, uint32_t spi_in)
{
	return ((uint64_t)protocol << 32 | spi_in) + 1;
}

/* Logs a refused kernel delete with the kernel's own message; true when the object is gone
 * (deleted now, or already: -ENOENT after an expiry or an outside flush). */
static bool child_del_done(struct dmn *d, const struct dmn_child *c, const char *what, int r)
{
	if (r == 0 || r == -ENOENT)
		return true;
	log_err("%s: the kernel refused to delete %s of IPsec SA 0x%08x/0x%08x (it stays "
		"installed): %s",
		c->conn, what, c->spi_in, c->spi_out, dmn_kernel_errmsg(&d->kernel));
	return false;
}

/* Deletes child c's IPComp SA of one direction (its larval one too, if it never got further). */
static int child_comp_del(struct dmn *d, const struct dmn_child *c, bool inbound)
{
	struct xfrm_sa_id id;
	dmn_child_sa_id(c, inbound, true, &id);
	return dmn_kernel_sa_del(&d->kernel, &id);
}

/* Removes what the kernel holds of c; each flag is cleared only once the kernel confirmed the
 * delete, so that it keeps meaning "installed" (a refusal is logged with the kernel's message). */
void dmn_ike_child_remove_kernel(struct dmn *d, struct dmn_child *c)
{
	struct xfrm_sa_id id;
	if (c->comp_in)
		c->comp_in =
			!child_del_done(d, c, "its inbound IPComp SA", child_comp_del(d, c, true));
	if (c->comp_out)
		c->comp_out = !child_del_done(d, c, "its outbound IPComp SA",
					      child_comp_del(d, c, false));
	if (c->sa_in) {
		dmn_child_sa_id(c, true, false, &id);
		c->sa_in =
			!child_del_done(d, c, "its inbound SA", dmn_kernel_sa_del(&d->kernel, &id));
	}
	if (c->sa_out) {
		dmn_child_sa_id(c, false, false, &id);
		c->sa_out = !child_del_done(d, c, "its outbound SA",
					    dmn_kernel_sa_del(&d->kernel, &id));
	}
	if (c->policies) {
		const struct dmn_conn *conn = dmn_config_find(d->config, c->conn);
		/* auto=route: the policies stay as traps for the next negotiation */
		if (!dmn_ike_child_keeps_trap(d, c, conn))
			c->policies =
				!child_del_done(d, c, "its policies", child_policies(d, c, false));
		else
			c->policies = false; /* the conn's traps now */
	}
}

void dmn_ike_child_free(struct dmn *d, struct dmn_child *c)
{
	dmn_vici_child_updown(d, c, false);
	dmn_updown_child_down(d, c);
	dmn_ike_child_record_free(d, c);
}

/* Formats a traffic selector as "198.51.100.0/25", "192.0.2.1-192.0.2.9" or with "[proto/port]". */
static const char *ts_str(const struct proto_ike_ts *t, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	inet_ntop(t->family, t->from, a, sizeof(a));
	int n;
	if (t->prefix >= 0) {
		n = snprintf(buf, len, "%s/%d", a, t->prefix);
	} else {
		inet_ntop(t->family, t->to, b, sizeof(b));
		n = snprintf(buf, len, "%s-%s", a, b);
	}
	if ((t->proto || t->port) && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "[%u/%u]", t->proto, t->port);
	return buf;
}

/* The selector of one host address. */
void dmn_ike_host_ts(const struct proto_ike_addr *a, struct proto_ike_ts *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = a->family;
	memcpy(ret->from, a->addr, 16);
	memcpy(ret->to, a->addr, 16);
	ret->prefix = a->family == AF_INET ? 32 : 128;
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

/* Phase 2 is up: inbound SA first, then outbound, then the policies that send traffic into it. */
void dmn_ike_on_child_up(struct dmn *d, const struct proto_ike_event *ev)
{
	struct dmn_ike *ik = d->ike;
	const struct proto_ike_child *ch = &ev->u.child;
	struct dmn_child *c = dmn_ike_child_record_new(d, ev);
	if (!c)
		return;
	const struct dmn_conn *conn = dmn_ike_conn_by_handle(d, ev->conn_handle, NULL);
	snprintf(c->conn, sizeof(c->conn), "%s", conn ? conn->name : "?");
	child_take_marks(c, conn);
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
	if (ch->cpi_spare) {
		/* offered, not taken: the larval SA of its ALLOCSPI need not wait for its expiry */
		struct xfrm_sa_id id = {.spi = ch->cpi_spare, .proto = IPPROTO_COMP};
		dmn_ike_to_xaddr(&ev->peer, &id.src);
		dmn_ike_to_xaddr(&ev->local, &id.dst);
		int r = dmn_kernel_sa_del(&d->kernel, &id);
		if (r < 0 && r != -ENOENT)
			log_warn("%s: the kernel refused to delete the unused larval IPComp SA "
				 "0x%04x: %s",
				 c->conn, ch->cpi_spare, dmn_kernel_errmsg(&d->kernel));
	}
	dmn_ike_child_limits(d, c, conn, ev->initiator);
	if (dmn_ike_child_record_link(d, c, ev) < 0)
		return;

	char peer[64];
	struct sockaddr_storage ss;
	dmn_ike_proto_to_sockaddr(&ev->peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, peer, sizeof(peer));
	/* A rekey (by either side) replaces the children with the same traffic. */
	/* An old child from before an ISAKMP SA that carried our INITIAL-CONTACT is gone at the
	 * peer (it dropped everything older, RFC 2407 §4.6.3.3): its outbound SA leads nowhere, so
	 * there is nothing to make before breaking (both sides started at once, each made an
	 * ISAKMP SA). A rekey of a child of this same ISAKMP SA still waits. */
	const struct dmn_ike_sa *isa = dmn_map_get(&ik->sas, ev->sa_id);
	uint64_t dropped_before = isa && isa->p1.initial_contact_sent ? isa->p1.started_ms : 0;
	bool replaces = false;
	for (struct dmn_child *o =
		     dmn_ike_child_first(ik, true, dmn_ike_flow_bucket(c->conn, &c->peer));
	     o && !replaces; o = dmn_ike_child_after(o, true))
		replaces = !o->superseded && child_same_flow(c, o) &&
			   o->established_ms >= dropped_before;
	int r = dmn_ike_child_sa(d, ev, true, c);
	c->sa_in = r == 0;
	if (r == 0 && replaces && (c->out_pending = malloc(sizeof(*ev)))) {
		/* make before break: the old outbound SA carries on until the peer has this
		 * child's inbound SA for sure */
		memcpy(c->out_pending, ev, sizeof(*ev));
		c->out_at_ms = dmn_now_ms(d) + DMN_REKEY_OUT_DELAY_MS;
	} else if (r == 0) {
		r = dmn_ike_child_sa(d, ev, false, c);
		c->sa_out = r == 0;
	}
	if (r == 0 && c->no_policies) {
		log_info("%s: installpolicy=no: SAs installed, no XFRM policies", c->conn);
	} else if (r == 0) {
		r = child_policies(d, c, true);
		c->policies = r == 0;
	}
	unsigned replaced = 0;
	for (struct dmn_child *o =
		     dmn_ike_child_first(ik, true, dmn_ike_flow_bucket(c->conn, &c->peer));
	     r == 0 && o; o = dmn_ike_child_after(o, true)) {
		if (o->superseded || !child_same_flow(c, o))
			continue;
		/* the policies are the new child's now; the old SAs go a little later */
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
	if (r < 0 && !c->sa_in) {
		/* The larval SA ALLOCSPI left would otherwise linger until the kernel expires it.
		 */
		struct xfrm_sa_id id;
		dmn_child_sa_id(c, true, false, &id);
		child_del_done(d, c, "its larval inbound SA", dmn_kernel_sa_del(&d->kernel, &id));
		if (c->ipcomp && !c->comp_in) /* its larval SA */
			child_del_done(d, c, "its larval IPComp SA", child_comp_del(d, c, true));
	}
	if (r < 0) {
		char why[384];
		snprintf(why, sizeof(why), "%s: IPsec SA with %s negotiated but not installed: %s",
			 c->conn, peer,
			 r == -EOPNOTSUPP ? "algorithm has no kernel equivalent"
					  : dmn_kernel_errmsg(&d->kernel));
		log_err("%s", why);
		/* explain: negotiated is not carrying traffic */
		dmn_failure_record(d, c->conn, peer, 2, ev->initiator, PROTO_IKE_E_INTERNAL,
				   why + strlen(c->conn) + 2);
		/* The control socket prefixes the conn name itself. */
		dmn_vici_initiate_failed(d, c->conn, why + strlen(c->conn) + 2);
		return;
	}
	char pfs[128] = "", gname[24];
	if (ch->pfs_group)
		snprintf(
			pfs, sizeof(pfs), ", PFS %s",
			proto_name_buf(PROTO_NAMES_IKE_GROUP, ch->pfs_group, gname, sizeof(gname)));
	dmn_vici_child_updown(d, c, true);
	dmn_updown_child_up(d, c);
	char tsl[96], tsr[96];
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
		 ts_str(&ch->local_ts, tsl, sizeof(tsl)), ts_str(&ch->remote_ts, tsr, sizeof(tsr)),
		 ch->spi_in, ch->spi_out, pfs);
	dmn_ike_reload_child_up(d, c);
}

/*
 * Points both SAs of child c at the peer's new NAT mapping (XFRM_MSG_UPDSA on a valid SA
 * replaces its encapsulation and lifetimes only; the kernel keeps its keys and counters). UPDSA
 * still wants well-formed key attributes: a fixed non-secret pattern of the right length (never
 * a weak DES key) is sent, so the daemon need not keep the KEYMAT. Returns 0 or -errno.
 */
int dmn_ike_child_encap_update(struct dmn *d, struct dmn_child *c)
{
	uint8_t pattern[PROTO_IKE_KEYMAT_MAX];
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 37 + 11);
	const struct dmn_kalg *enc =
		c->protocol == PROTO_IPSEC_ESP ? dmn_kalg_esp((uint8_t)c->transform) : NULL;
	const struct dmn_kalg *auth = c->auth ? dmn_kalg_auth(c->auth) : NULL;
	if (!c->natt || (c->protocol == PROTO_IPSEC_ESP && !enc) || (c->auth && !auth) ||
	    c->enc_key_len + c->auth_key_len > sizeof(pattern))
		return -EOPNOTSUPP;
	int ret = 0;
	for (int inbound = 0; inbound < 2; inbound++) {
		struct xfrm_sa sa = {0};
		dmn_ike_to_xaddr(inbound ? &c->peer : &c->local, &sa.src);
		dmn_ike_to_xaddr(inbound ? &c->local : &c->peer, &sa.dst);
		sa.spi = inbound ? c->spi_in : c->spi_out;
		sa.proto = c->protocol == PROTO_IPSEC_AH ? IPPROTO_AH : IPPROTO_ESP;
		child_ipsec_mode(c, inbound, &sa);
		sa.reqid = c->reqid;
		child_sa_marks(c, inbound, &sa);
		sa.replay_window = c->replay_window;
		if (enc) {
			struct xfrm_key *k = enc->aead ? &sa.aead : &sa.enc;
			*k = (struct xfrm_key){.alg = enc->kernel,
					       .key = pattern,
					       .len = c->enc_key_len,
					       .bits = enc->bits};
		}
		if (auth)
			sa.auth = (struct xfrm_key){.alg = auth->kernel,
						    .key = pattern + (enc ? c->enc_key_len : 0),
						    .len = c->auth_key_len,
						    .bits = auth->bits};
		sa.encap = true;
		sa.encap_sport = inbound ? c->encap_dport : c->encap_sport;
		sa.encap_dport = inbound ? c->encap_sport : c->encap_dport;
		if (c->has_oa && c->mode == ENCAP_TRANSPORT)
			dmn_ike_to_xaddr(&c->oa_peer, &sa.encap_oa);
		sa.lft.hard_secs = c->lifetime_s;
		sa.lft.hard_bytes = (uint64_t)c->lifetime_kb * 1024;
		sa.lft.soft_secs = c->soft_s;
		sa.lft.soft_bytes = c->soft_bytes;
		sa.lft.soft_packets = c->soft_packets;
		sa.lft.hard_packets = c->hard_packets;
		int r = dmn_kernel_sa_update(&d->kernel, &sa);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
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
	child_take_marks(&t, conn);
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
			dmn_ike_host_ts(&t.local, &t.local_ts);
		if (pc.n_remote_ts)
			t.remote_ts = pc.remote_ts[k % nr];
		else
			dmn_ike_host_ts(&t.peer, &t.remote_ts);
		if (trap_flow_held(d, conn->name, &t) ||
		    (!add && keep &&
		     dmn_ike_conn_has_flow(keep, &t.peer, &t.local_ts, &t.remote_ts)))
			continue;
		int e = child_policies(d, &t, add);
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
