/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VICI commands that report: version, stats, list-sas and list-conns (one event per SA or
 * conn, then an empty response), get-conns.
 */
#include "daemon/vici_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/ike_glue.h"

void dmn_vici_cmd_version(const struct dmn_vici_req *rq)
{
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_add_kv_str(&b, "daemon", "oakleyd");
	vici_add_kv_str(&b, "version", OAKLEY_VERSION);
	vici_add_kv_str(&b, "sysname", u.sysname);
	vici_add_kv_str(&b, "release", u.release);
	vici_add_kv_str(&b, "machine", u.machine);
	dmn_vici_send(rq->c, &b);
}

void dmn_vici_cmd_stats(const struct dmn_vici_req *rq)
{
	struct dmn *d = rq->d;
	struct dmn_vici *v = d->vici;
	struct vici_builder b;
	char since[64] = "?";
	time_t t0 = (time_t)v->started_real_s;
	struct tm tm;
	if (localtime_r(&t0, &tm))
		strftime(since, sizeof(since), "%b %d %H:%M:%S %Y", &tm);
	unsigned n_sas = d->ike ? d->ike->n_sas : 0, n_children = d->ike ? d->ike->n_children : 0;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_begin_section(&b, "uptime");
	vici_add_kv_fmt(&b, "running", "%llu seconds",
			(unsigned long long)((dmn_now_ms(d) - v->started_ms) / 1000));
	vici_add_kv_str(&b, "since", since);
	vici_end_section(&b);
	vici_begin_section(&b, "workers");
	vici_add_kv_fmt(&b, "total", "%u", d->opts.workers);
	vici_end_section(&b);
	struct proto_ike_stats es = {0};
	if (d->ike && d->ike->engine)
		proto_ike_get_stats(d->ike->engine, &es);
	vici_begin_section(&b, "ikesas");
	vici_add_kv_fmt(&b, "total", "%u", n_sas);
	vici_add_kv_fmt(&b, "half-open", "%u", es.half_open);
	vici_end_section(&b);
	vici_add_kv_fmt(&b, "child-sas", "%u", n_children);
	vici_begin_section(&b, "packets");
	vici_add_kv_fmt(&b, "rx", "%llu", (unsigned long long)d->stats.rx_packets);
	vici_add_kv_fmt(&b, "rx-dropped", "%llu", (unsigned long long)d->stats.rx_dropped);
	vici_add_kv_fmt(&b, "tx", "%llu", (unsigned long long)d->stats.tx_packets);
	vici_add_kv_fmt(&b, "tx-errors", "%llu", (unsigned long long)d->stats.tx_errors);
	vici_add_kv_fmt(&b, "retransmits", "%llu", (unsigned long long)es.retransmits);
	vici_add_kv_fmt(&b, "malformed", "%llu", (unsigned long long)es.drop_malformed);
	vici_end_section(&b);
	vici_begin_section(&b, "vici");
	vici_add_kv_fmt(&b, "clients", "%u", v->n_clients);
	vici_add_kv_fmt(&b, "requests", "%llu", (unsigned long long)v->requests);
	vici_add_kv_fmt(&b, "dropped", "%llu", (unsigned long long)v->dropped);
	vici_end_section(&b);
	dmn_vici_send(rq->c, &b);
}

void dmn_vici_listing_free(struct dmn_vici_listing *l)
{
	if (!l)
		return;
	free(l->sa_ids);
	free(l->child_keys);
	free(l->conns);
	free(l);
}

void dmn_vici_listing_pump(struct dmn_vici_client *c)
{
	struct dmn_vici_listing *l = c->listing;
	struct dmn *d = c->v->d;
	while (l && !c->dead && c->out_bytes < DMN_VICI_OUTQ_MAX / 2 &&
	       (l->next_sa < l->n_sa || l->next_child < l->n_child || l->next_conn < l->n_conn)) {
		const struct dmn_ike_sa *sa = NULL;
		const struct dmn_child *ch = NULL;
		const struct dmn_vici_connecting *cn = NULL;
		if (l->next_sa < l->n_sa)
			sa = d->ike ? dmn_map_get(&d->ike->sas, l->sa_ids[l->next_sa++]) : NULL;
		else if (l->next_child < l->n_child)
			ch = d->ike ? dmn_map_get(&d->ike->children, l->child_keys[l->next_child++])
				    : NULL;
		else
			cn = &l->conns[l->next_conn++];
		if (!sa && !ch && !cn)
			continue; /* gone since the listing began */
		struct vici_builder b;
		vici_builder_init_packet(&b, VICI_EVENT, "list-sa");
		if (cn)
			dmn_vici_connecting_section(d, &b, cn);
		else
			dmn_vici_ike_section(d, &b, sa, ch, false);
		dmn_vici_send_event(c, DMN_VICI_EV_LIST_SA, &b);
	}
	if (!l || c->dead || l->next_sa < l->n_sa || l->next_child < l->n_child ||
	    l->next_conn < l->n_conn)
		return;
	dmn_vici_listing_free(l);
	c->listing = NULL;
	dmn_vici_reply_empty(c);
}

/* Notes the conns (all, or only ike) that are connecting, for list-sas. 0 or -ENOMEM. */
static int note_connecting(const struct dmn *d, const char *ike, struct dmn_vici_listing *l)
{
	size_t n = d->ike ? d->ike->n_handles : 0;
	l->conns = calloc(n + 1, sizeof(*l->conns));
	if (!l->conns)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct dmn_conn_handle *h = &d->ike->handles[i];
		if (!dmn_ike_handle_connecting(h) || (ike[0] && strcmp(ike, h->name) != 0))
			continue;
		struct dmn_vici_connecting *cn = &l->conns[l->n_conn++];
		snprintf(cn->conn, sizeof(cn->conn), "%s", h->name);
		cn->attempt = h->tries + 1;
		cn->retry_ms = h->retry_ms;
	}
	return 0;
}

/*
 * list-sas: one list-sa event per ISAKMP SA (with its children), then one per child whose ISAKMP
 * SA is gone (IKEv1 lets them live on), then one per conn that is connecting (state CONNECTING:
 * a phase 1 we started runs, or a keyingtries retry is planned), then the reply. The SAs are
 * noted by id at the start and sent as the client reads, so a listing of any size never
 * overflows the output queue.
 */
void dmn_vici_cmd_list_sas(const struct dmn_vici_req *rq)
{
	struct dmn *d = rq->d;
	char ike[DMN_NAME_MAX], ike_id[32];
	const struct dmn_vici_arg args[] = {
		{"ike", ike, sizeof(ike)},
		{"ike-id", ike_id, sizeof(ike_id)},
	};
	unsigned long long want_id = 0;
	if (!dmn_vici_req_args(rq, args, sizeof(args) / sizeof(args[0])) ||
	    !dmn_vici_req_num(rq, "ike-id", ike_id, &want_id))
		return;
	bool by_id = ike_id[0] != '\0';
	struct dmn_vici_listing *l = calloc(1, sizeof(*l));
	size_t n_sa = d->ike ? d->ike->n_sas : 0, n_ch = d->ike ? d->ike->n_children : 0;
	if (!l || !(l->sa_ids = calloc(n_sa + 1, sizeof(*l->sa_ids))) ||
	    !(l->child_keys = calloc(n_ch + 1, sizeof(*l->child_keys))) ||
	    (!by_id && note_connecting(d, ike, l) < 0)) {
		dmn_vici_listing_free(l);
		dmn_vici_reply_status(rq->c, false, "out of memory");
		return;
	}
	for (const struct dmn_ike_sa *sa = dmn_ike_sas(d); sa && l->n_sa < n_sa;
	     sa = dmn_ike_sa_next(sa))
		if ((!ike[0] || strcmp(ike, sa->conn) == 0) && (!by_id || sa->sa_id == want_id))
			l->sa_ids[l->n_sa++] = sa->sa_id;
	for (const struct dmn_child *c = dmn_ike_children(d); c && !by_id && l->n_child < n_ch;
	     c = dmn_ike_child_next(c)) {
		if (dmn_ike_child_orphan(d, c) && (!ike[0] || strcmp(ike, c->conn) == 0))
			l->child_keys[l->n_child++] = ike_child_key_of(c);
	}
	rq->c->listing = l;
	dmn_vici_listing_pump(rq->c);
}

static void add_conf_addr(struct vici_builder *b, const struct dmn_addr *a)
{
	char s[DMN_HOST_MAX];
	switch (a->kind) {
	case DMN_ADDR_IP:
		dmn_addr_str(a->family, a->bytes, s, sizeof(s));
		vici_add_list_item_str(b, s);
		break;
	case DMN_ADDR_HOSTNAME:
		vici_add_list_item_str(b, a->host);
		break;
	default:
		vici_add_list_item_str(b, "%any");
		break;
	}
}

static void add_conf_ts(struct vici_builder *b, const char *key, const struct dmn_side *side)
{
	char s[128];
	vici_begin_list(b, key);
	for (size_t i = 0; i < side->n_subnets; i++) {
		const struct dmn_subnet *n = &side->subnets[i];
		dmn_ts_str(n->family, n->from, n->to, n->is_range ? -1 : n->prefix, n->proto,
			   n->port_lo == n->port_hi ? n->port_lo : 0, s, sizeof(s));
		vici_add_list_item_str(b, s);
	}
	if (side->n_subnets == 0)
		vici_add_list_item_str(b, "dynamic");
	vici_end_list(b);
}

static void add_conf_auth(struct vici_builder *b, const char *key, const struct dmn_side *side)
{
	char s[DMN_HOST_MAX];
	vici_begin_section(b, key);
	vici_add_kv_str(b, "class", "pre-shared key");
	if (side->id.type == DMN_ID_DEFAULT && side->host.kind == DMN_ADDR_IP) {
		dmn_addr_str(side->host.family, side->host.bytes, s, sizeof(s));
	} else {
		dmn_conf_id_str(&side->id, NULL, DMN_ID_FORM_LIST, s, sizeof(s));
	}
	vici_add_kv_str(b, "id", s);
	static const char *const empty[] = {"groups", "cert_policy", "certs", "cacerts"};
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		vici_begin_list(b, empty[i]);
		vici_end_list(b);
	}
	vici_end_section(b);
}

static const char *conn_mode(enum dmn_type t)
{
	switch (t) {
	case DMN_TYPE_TRANSPORT:
		return "TRANSPORT";
	case DMN_TYPE_PASS:
		return "PASS";
	case DMN_TYPE_DROP:
	case DMN_TYPE_REJECT:
		return "DROP";
	default:
		return "TUNNEL";
	}
}

/* ipsec.conf uniqueids= as charon's unique policy names (uniqueids=yes replaces). */
static const char *unique_name(enum dmn_uniqueids u)
{
	switch (u) {
	case DMN_UNIQUE_YES:
	case DMN_UNIQUE_REPLACE:
		return "UNIQUE_REPLACE";
	case DMN_UNIQUE_NEVER:
		return "UNIQUE_NEVER";
	case DMN_UNIQUE_KEEP:
		return "UNIQUE_KEEP";
	default:
		return "UNIQUE_NO";
	}
}

static const char *dpd_action_name(enum dmn_dpd_action a)
{
	switch (a) {
	case DMN_DPD_CLEAR:
		return "clear";
	case DMN_DPD_HOLD:
		return "hold";
	case DMN_DPD_RESTART:
		return "restart";
	default:
		return "none";
	}
}

static void add_keyword(void *ctx, const char *name, const char *value)
{
	vici_add_kv_str(ctx, name, value);
}

/* One list-conn event (the layout of swanctl --list-conns), and a "keywords" section with
 * every stored ipsec.conf keyword of the conn and its value (from the keyword table). */
static void send_conn(const struct dmn_vici_req *rq, const struct dmn_conn *conn)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_EVENT, "list-conn");
	vici_begin_section(&b, conn->name);
	vici_begin_list(&b, "local_addrs");
	add_conf_addr(&b, &conn->left.host);
	vici_end_list(&b);
	vici_begin_list(&b, "remote_addrs");
	add_conf_addr(&b, &conn->right.host);
	vici_end_list(&b);
	vici_add_kv_str(&b, "version", "IKEv1");
	vici_add_kv_fmt(&b, "reauth_time", "%u", conn->ikelifetime);
	vici_add_kv_str(&b, "rekey_time", "0");
	vici_add_kv_str(&b, "unique", unique_name(rq->d->config->setup.uniqueids));
	add_conf_auth(&b, "local-1", &conn->left);
	add_conf_auth(&b, "remote-1", &conn->right);
	vici_begin_section(&b, "children");
	vici_begin_section(&b, conn->name);
	vici_add_kv_str(&b, "mode", conn_mode(conn->type));
	vici_add_kv_fmt(&b, "rekey_time", "%u",
			conn->lifetime > conn->rekeymargin ? conn->lifetime - conn->rekeymargin
							   : 0);
	vici_add_kv_fmt(&b, "rekey_bytes", "%llu", (unsigned long long)conn->lifebytes);
	vici_add_kv_fmt(&b, "rekey_packets", "%llu", (unsigned long long)conn->lifepackets);
	vici_add_kv_str(&b, "dpd_action", dpd_action_name(conn->dpdaction));
	vici_add_kv_str(&b, "close_action", dpd_action_name(conn->closeaction));
	add_conf_ts(&b, "local-ts", &conn->left);
	add_conf_ts(&b, "remote-ts", &conn->right);
	vici_end_section(&b);
	vici_end_section(&b);
	vici_begin_section(&b, "keywords");
	dmn_conn_keywords(conn, add_keyword, &b);
	vici_end_section(&b);
	vici_end_section(&b);
	dmn_vici_send_event(rq->c, DMN_VICI_EV_LIST_CONN, &b);
}

void dmn_vici_cmd_list_conns(const struct dmn_vici_req *rq)
{
	char ike[DMN_NAME_MAX];
	const struct dmn_vici_arg arg = {"ike", ike, sizeof(ike)};
	if (!dmn_vici_req_args(rq, &arg, 1))
		return;
	const struct dmn_config *cfg = rq->d->config;
	for (size_t i = 0; cfg && i < cfg->n_conns && !rq->c->dead; i++)
		if (!ike[0] || strcmp(ike, cfg->conns[i]->name) == 0)
			send_conn(rq, cfg->conns[i]);
	dmn_vici_reply_empty(rq->c);
}

/* get-conns lists the conns loaded over VICI (as charon does: swanctl --load-conns unloads what
 * get-conns lists and its file lacks, so ipsec.conf's conns must not appear here). */
void dmn_vici_cmd_get_conns(const struct dmn_vici_req *rq)
{
	const struct dmn_config *cfg = rq->d->config;
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_begin_list(&b, "conns");
	for (size_t i = 0; cfg && i < cfg->n_conns; i++)
		if (dmn_vici_is_loaded(rq->d->vici, cfg->conns[i]->name))
			vici_add_list_item_str(&b, cfg->conns[i]->name);
	vici_end_list(&b);
	dmn_vici_send(rq->c, &b);
}
