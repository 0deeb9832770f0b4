// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A reload (SIGHUP, oakley reload) applied conn by conn: an unchanged conn keeps everything; a
 * removed one is torn down; a changed one keeps its SAs until SAs negotiated with the new
 * settings replace them (marked stale meanwhile); a new auto= starts, traps or untraps the conn
 * without touching its SAs. Also auto=keep: a conn that was up is initiated again when it goes
 * down other than by our own doing.
 */
#include "daemon/ike_glue.h"
#include "daemon/ike_glue_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/secrets.h"

/* ---- SAs of a changed conn ---- */

static bool ts_same(const struct proto_ike_ts *a, const struct proto_ike_ts *b)
{
	return a->family == b->family && memcmp(a->from, b->from, 16) == 0 &&
	       memcmp(a->to, b->to, 16) == 0 && a->prefix == b->prefix && a->proto == b->proto &&
	       a->port == b->port;
}

/* The handle of conn name if a reload changed the conn since it was created. */
static const struct dmn_conn_handle *changed_handle(const struct dmn *d, const char *name)
{
	const struct dmn_conn_handle *h = dmn_ike_handle_by_name(d->ike, name);
	return h && h->changed_gen ? h : NULL;
}

/* Whether conn has a fixed peer address (right=) that is not peer's: SAs with peer are no longer
 * its own. */
static bool peer_gone(const struct dmn_conn *conn, const struct proto_ike_addr *peer)
{
	return conn && conn->right.host.kind == DMN_ADDR_IP &&
	       (conn->right.host.family != peer->family ||
		memcmp(conn->right.host.bytes, peer->addr, dmn_ike_alen(peer->family)) != 0);
}

/* The same peer: address, port and proved ID (road warriors behind one NAT share the address). */
static bool same_peer(const struct proto_ike_addr *a, uint64_t a_id, const struct proto_ike_addr *b,
		      uint64_t b_id)
{
	return dmn_ike_addr_eq_noport(a, b) && a->port == b->port && a_id == b_id;
}

/*
 * A new ISAKMP SA sa is up. auto=keep: its conn is now kept up. A changed conn: its ISAKMP SAs
 * from before the reload with the same peer (address, port, ID: the new one took their IPsec SAs
 * over when it was added, as at a reauthentication), or with a peer its right= no longer names,
 * are deleted. Only
 * a conn whose right= address changed walks all SAs; others the chain of the peer.
 */
void dmn_ike_reload_p1_up(struct dmn *d, struct dmn_ike_sa *sa)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(ik, sa->conn);
	const struct dmn_conn *conn = dmn_config_find(d->config, sa->conn);
	if (h && conn && conn->autostart == DMN_AUTO_KEEP)
		h->keep_up = true;
	if (!h || !h->changed_gen)
		return;
	bool all = h->peer_moved;
	unsigned b = dmn_ike_flow_bucket(sa->conn, &sa->peer);
	for (struct dmn_ike_sa *o = dmn_ike_sa_first(ik, !all, b), *next; o; o = next) {
		next = dmn_ike_sa_after(o, !all);
		if (!o->stale || strcmp(o->conn, sa->conn) != 0 ||
		    !(same_peer(&o->peer, o->peer_id_hash, &sa->peer, sa->peer_id_hash) ||
		      peer_gone(conn, &o->peer)))
			continue;
		log_info("%s: ISAKMP SA negotiated before the reload replaced by the new one: "
			 "deleting it",
			 sa->conn);
		uint64_t id = o->sa_id;
		proto_ike_delete_sa(ik->engine, id);
		dmn_ike_sa_record_del(d, id); /* next stays valid: only o left the lists */
	}
}

/*
 * A new IPsec SA c is installed. A changed conn: its IPsec SAs from before the reload that carry
 * the same traffic are replaced (deleted a few seconds later, as at a rekey, whatever their
 * protocol or peer: c's policies replaced theirs), and those with c's peer or a peer the conn no
 * longer has whose traffic the new conn does not have are deleted now. The others wait for their
 * own replacement or their expiry.
 */
void dmn_ike_reload_child_up(struct dmn *d, const struct dmn_child *c)
{
	struct dmn_ike *ik = d->ike;
	const struct dmn_conn_handle *h = changed_handle(d, c->conn);
	if (c->stale || !h)
		return;
	const struct dmn_conn *conn = dmn_config_find(d->config, c->conn);
	bool all = h->peer_moved;
	uint64_t now = dmn_now_ms(d);
	unsigned b = dmn_ike_flow_bucket(c->conn, &c->peer);
	for (struct dmn_child *o = dmn_ike_child_first(ik, !all, b), *next; o; o = next) {
		next = dmn_ike_child_after(o, !all);
		if (!o->stale || o->superseded || strcmp(o->conn, c->conn) != 0 ||
		    !(same_peer(&o->peer, o->peer_id_hash, &c->peer, c->peer_id_hash) ||
		      peer_gone(conn, &o->peer)))
			continue;
		if (ts_same(&o->local_ts, &c->local_ts) && ts_same(&o->remote_ts, &c->remote_ts)) {
			o->superseded = true;
			o->policies = false;
			o->rekey_msgid = 0;
			o->retire_ms = now + DMN_REKEY_RETIRE_MS;
			log_info("%s: IPsec SA 0x%08x/0x%08x negotiated before the reload replaced "
				 "by 0x%08x/0x%08x",
				 c->conn, o->spi_in, o->spi_out, c->spi_in, c->spi_out);
		} else if (!conn ||
			   !dmn_ike_conn_has_flow(conn, &o->peer, &o->local_ts, &o->remote_ts)) {
			log_info("%s: IPsec SA 0x%08x/0x%08x negotiated before the reload: its "
				 "traffic is no longer the conn's, deleting it",
				 c->conn, o->spi_in, o->spi_out);
			dmn_ike_child_send_delete(d, o);
			dmn_ike_child_remove_kernel(d, o);
			dmn_ike_child_free(d, o); /* next is still valid: only o left the lists */
		}
	}
}

/* Whether child c's policies stay as trap policies when its SAs go: its conn is routed, is not
 * being removed, and (after a reload that changed it) still has c's traffic. */
bool dmn_ike_child_keeps_trap(const struct dmn *d, const struct dmn_child *c,
			      const struct dmn_conn *conn)
{
	if (!dmn_ike_conn_trapped(d, conn) || d->ike->unrouting)
		return false;
	return !c->stale || dmn_ike_conn_has_flow(conn, &c->peer, &c->local_ts, &c->remote_ts);
}

/* Whether child c is rekeyed under conn: not when it predates a reload after which conn no
 * longer has its peer or traffic. */
bool dmn_ike_child_may_rekey(const struct dmn_child *c, const struct dmn_conn *conn)
{
	return !c->stale || dmn_ike_conn_has_flow(conn, &c->peer, &c->local_ts, &c->remote_ts);
}

/* Marks the SAs of the conns whose handle the reload of generation gen changed as stale. */
static void mark_stale(struct dmn *d, unsigned gen, unsigned *ret_sas, unsigned *ret_children)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_ike_sa *sa;
	dmn_hlist_for_each_entry (sa, &ik->sa_list, node) {
		const struct dmn_conn_handle *h = dmn_ike_handle_by_name(ik, sa->conn);
		if (h && h->changed_gen == gen && !sa->stale)
			sa->stale = true, ++*ret_sas;
	}
	struct dmn_child *c;
	dmn_hlist_for_each_entry (c, &ik->child_list, node) {
		const struct dmn_conn_handle *h = dmn_ike_handle_by_name(ik, c->conn);
		if (h && h->changed_gen == gen && !c->stale && !c->superseded)
			c->stale = true, ++*ret_children;
	}
}

/* ---- auto=keep ---- */

/* Whether conn name has an established ISAKMP SA or an IPsec SA that is not being replaced. */
bool dmn_ike_conn_is_up(const struct dmn *d, const char *name)
{
	for (const struct dmn_ike_sa *sa = dmn_ike_sas(d); sa; sa = dmn_ike_sa_next(sa))
		if (strcmp(sa->conn, name) == 0)
			return true;
	for (const struct dmn_child *c = dmn_ike_children(d); c; c = dmn_ike_child_next(c))
		if (!c->superseded && strcmp(c->conn, name) == 0)
			return true;
	return false;
}

/*
 * auto=keep: conn name, once up, is initiated again when it has neither an ISAKMP SA nor an
 * IPsec SA left (the peer deleted them, DPD declared it dead, they expired). Once: if that
 * negotiation fails (after keyingtries= attempts), it waits for the peer to bring it up. Bringing
 * it down ourselves (oakley down, a reload, stopping) clears keep_up first.
 */
void dmn_ike_keep_check(struct dmn *d, const char *name)
{
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(d->ike, name);
	if (!h || !h->keep_up)
		return;
	const struct dmn_conn *conn = dmn_config_find(d->config, name);
	if (!conn || conn->autostart != DMN_AUTO_KEEP) {
		h->keep_up = false;
		return;
	}
	if (dmn_ike_conn_is_up(d, name))
		return;
	h->keep_up = false;
	char n[sizeof(h->name)];
	snprintf(n, sizeof(n), "%s", name); /* ike_initiate may move the handles */
	log_notice("%s: the connection went down: initiating it again (auto=keep)", n);
	dmn_ike_start(d, n, false);
}

/* ---- the reload ---- */

struct reload_counts {
	unsigned same, in_place, changed, autos, gone, started, stale_sas, stale_children;
};

/*
 * Conns loaded over VICI (load-conn) are not in the files: they carry over into the new config, as
 * in charon, unless the files now define a conn of the same name (that one wins). Returns how many.
 */
static unsigned carry_vici_conns(struct dmn_config *old, struct dmn_config *cfg)
{
	unsigned n = 0;
	for (size_t i = 0; old && i < old->n_conns; i++) {
		struct dmn_conn *c = old->conns[i];
		if (strcmp(c->file, DMN_VICI_CONN_FILE) != 0 || dmn_config_find(cfg, c->name) ||
		    cfg->n_conns >= DMN_CFG_CONNS_MAX)
			continue;
		struct dmn_conn **v = realloc(cfg->conns, (cfg->n_conns + 1) * sizeof(*v));
		if (!v) {
			log_err("reload: out of memory: VICI-loaded conn %s dropped", c->name);
			continue;
		}
		cfg->conns = v;
		v[cfg->n_conns++] = c;
		old->conns[i--] = old->conns[--old->n_conns]; /* moved, not freed with old */
		dmn_config_touch(cfg);
		dmn_config_touch(old);
		n++;
	}
	return n;
}

/* Whether n has a right= address and o had another one, or none. */
static bool right_moved(const struct dmn_conn *o, const struct dmn_conn *n)
{
	const struct dmn_addr *a = &o->right.host, *b = &n->right.host;
	return b->kind == DMN_ADDR_IP && (a->kind != DMN_ADDR_IP || a->family != b->family ||
					  memcmp(a->bytes, b->bytes, sizeof(a->bytes)) != 0);
}

/*
 * Conn number i of the old config (still in force), o, becomes n (NULL: removed). A removed conn
 * is torn down; a changed one has its handle marked (its SAs become stale) and its old traps
 * removed, except those n traps too.
 */
static void reload_old_conn(struct dmn *d, size_t i, const struct dmn_conn *o,
			    const struct dmn_conn *n, struct reload_counts *k)
{
	struct dmn_ike *ik = d->ike;
	enum dmn_conn_change chg = n ? dmn_conn_diff(o, n) : DMN_CONN_NEW_SAS;
	if (chg == DMN_CONN_SAME) {
		k->same++;
		return;
	}
	if (!n) {
		log_notice("reload: %s was removed: tearing its tunnels down", o->name);
		ik->unrouting = true;
		dmn_ike_terminate(d, o->name);
		ik->unrouting = false;
		if (dmn_ike_conn_trapped(d, o)) /* auto=route, or `ipsec route` by hand */
			dmn_ike_conn_trap(d, i, false, NULL);
		dmn_ike_conn_handle_forget(ik, o->name);
		k->gone++;
		return;
	}
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(ik, o->name);
	if (chg == DMN_CONN_NEW_SAS) {
		log_notice("reload: %s changed: its SAs stay until SAs with the new settings "
			   "replace them",
			   o->name);
		if (h) {
			h->changed_gen = ik->reload_gen;
			h->peer_moved |= right_moved(o, n);
			h->tries = 0, h->retry_ms = 0, h->resolved_ms = 0;
		}
		if (dmn_ike_conn_trapped(d, o))
			dmn_ike_conn_trap(d, i, false, dmn_ike_conn_routed(n) ? n : NULL);
		if (h)
			h->route_override =
				0; /* `ipsec route/unroute` lasts until the conn changes */
		k->changed++;
	} else {
		k->in_place += chg == DMN_CONN_NO_SA_CHANGE;
	}
	if (o->autostart != n->autostart)
		k->autos++;
}

/*
 * Conn number i of the new config (in force now), n, was o: what its auto= asks for. A changed
 * conn (renew) is negotiated again when it is auto=start (the new SAs replace the stale ones) and
 * its traps installed again when routed; otherwise only a change of auto= acts: to start, the conn
 * is initiated unless up; from start, planned retries stop; to route, traps are installed, from
 * route removed (policies a child holds stay); to keep, it counts as up if it is; SAs stay.
 */
static void reload_auto(struct dmn *d, size_t i, const struct dmn_conn *o, const struct dmn_conn *n,
			bool renew, struct reload_counts *k)
{
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(d->ike, n->name);
	/* traps now and wanted: an `ipsec route/unroute` by hand holds until auto= changes */
	bool was = h && h->route_override ? h->route_override > 0 : dmn_ike_conn_routed(o);
	bool now = dmn_ike_conn_routed(n);
	if (h && h->route_override && !renew && n->autostart == o->autostart)
		now = was;
	else if (h)
		h->route_override = 0;
	if (h && n->autostart != o->autostart) {
		h->keep_up = n->autostart == DMN_AUTO_KEEP && dmn_ike_conn_is_up(d, n->name);
		if (o->autostart == DMN_AUTO_START)
			h->tries = 0, h->retry_ms = 0;
	}
	if (n->autostart != o->autostart)
		log_notice("reload: %s: auto= changed", n->name);
	if (now && (renew || !was))
		dmn_ike_conn_trap(d, i, true, NULL);
	else if (!now && was && !renew)
		dmn_ike_conn_trap(d, i, false, NULL);
	if (n->autostart == DMN_AUTO_START && (renew || !dmn_ike_conn_is_up(d, n->name))) {
		dmn_ike_initiate(d, n->name);
		k->started++;
	}
}

void dmn_ike_reload(struct dmn *d, struct dmn_config *cfg, struct dmn_secrets *secrets)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_config *old = d->config;
	struct reload_counts k = {0};
	unsigned carried = carry_vici_conns(old, cfg);
	if (carried)
		log_notice("reload: %u connection%s loaded over VICI kept", carried,
			   carried == 1 ? "" : "s");
	ik->reload_gen++;
	for (size_t i = 0; old && i < old->n_conns; i++)
		reload_old_conn(d, i, old->conns[i], dmn_config_find(cfg, old->conns[i]->name), &k);
	mark_stale(d, ik->reload_gen, &k.stale_sas, &k.stale_children);
	d->config = cfg;
	dmn_secrets_free(d->secrets);
	d->secrets = secrets;
	if (!old || old->setup.ikesa_limit != cfg->setup.ikesa_limit) {
		proto_ike_set_sas_max(ik->engine, cfg->setup.ikesa_limit); /* checked when parsed */
		log_notice("reload: ikesa_limit=%u ISAKMP SAs", cfg->setup.ikesa_limit);
	}
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct dmn_conn *n = cfg->conns[i];
		const struct dmn_conn *o = old ? dmn_config_find(old, n->name) : NULL;
		if (!o && strcmp(n->file, DMN_VICI_CONN_FILE) == 0) {
			k.same++; /* carried over above, tunnels untouched */
		} else if (!o && n->autostart == DMN_AUTO_START) {
			dmn_ike_initiate(d, n->name);
			k.started++;
		} else if (!o && dmn_ike_conn_routed(n)) {
			dmn_ike_conn_trap(d, i, true, NULL);
		} else if (o && dmn_conn_diff(o, n) != DMN_CONN_SAME) {
			reload_auto(d, i, o, n, dmn_conn_diff(o, n) == DMN_CONN_NEW_SAS, &k);
		}
	}
	dmn_config_free(old);
	if (k.stale_sas || k.stale_children)
		log_notice("reload: %u ISAKMP SA%s and %u IPsec SA%s of changed connections stay "
			   "until replaced",
			   k.stale_sas, k.stale_sas == 1 ? "" : "s", k.stale_children,
			   k.stale_children == 1 ? "" : "s");
	log_notice("reload: %zu connections: %u unchanged, %u changed in place, %u changed (SAs "
		   "kept until replaced), %u with a new auto=, %u removed (torn down), %u started",
		   cfg->n_conns, k.same, k.in_place, k.changed, k.autos, k.gone, k.started);
}
