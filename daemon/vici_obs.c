/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VICI commands for observability: oakley-metrics (counters and gauges for Prometheus) and
 * oakley-explain (the recorded failures, in plain words).
 */
#include "daemon/vici_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/ike_glue.h"
#include "proto/consts.h"
#include "xfrm/xfrm.h"

/* ---- oakley-metrics: counters and gauges for Prometheus (oakley metrics formats them) ---- */

/* One sample: key = family name with its labels, value = the number. */
static void metric(struct vici_builder *b, const char *family, const char *labels,
		   unsigned long long v)
{
	char key[256];
	snprintf(key, sizeof(key), "%s%s", family, labels ? labels : "");
	vici_add_kv_fmt(b, key, "%llu", v);
}

struct conn_sample {
	uint64_t sas, bytes[2]; /* bytes[1]: in */
};

/* A label value as Prometheus reads it: backslash, quote and newline escaped. */
static void label_value(const char *s, char *out, size_t len)
{
	size_t at = 0;
	for (; *s && at + 3 < len; s++) {
		if (*s == '\\' || *s == '"')
			out[at++] = '\\';
		if (*s == '\n') {
			out[at++] = '\\';
			out[at++] = 'n';
			continue;
		}
		out[at++] = *s;
	}
	out[at] = '\0';
}

/* The per-conn families, one sample per configured conn in each that has negotiated, failed or
 * holds an IPsec SA (conn handles are made and forgotten with the configuration, so the label's
 * cardinality is at most the number of conns; idle conns of a large hub add nothing); per:
 * the installed pairs and bytes by handle index, NULL when they could not be counted. */
static void conn_metrics(struct vici_builder *b, const struct dmn_ike *ik,
			 const struct conn_sample *per)
{
	static const char *const fams[] = {"oakley_conn_ike_sas_established_total",
					   "oakley_conn_ipsec_sas_established_total",
					   "oakley_conn_failures_total", "oakley_conn_ipsec_sas",
					   "oakley_conn_ipsec_bytes_total"};
	for (size_t f = 0; ik && f < sizeof(fams) / sizeof(fams[0]); f++)
		for (size_t i = 0; i < ik->n_handles; i++) {
			const struct dmn_conn_handle *h = &ik->handles[i];
			char name[160], l[200];
			if (!h->p1_up && !h->p2_up && !h->p1_failed && !h->p2_failed &&
			    (!per || !per[i].sas))
				continue; /* a conn that never did anything: no samples */
			label_value(h->name, name, sizeof(name));
			for (int k = 0; k < 2; k++) {
				if (f < 2 || f == 3) { /* one sample */
					snprintf(l, sizeof(l), "{conn=\"%s\"}", name);
					metric(b, fams[f], l,
					       f == 0	? h->p1_up
					       : f == 1 ? h->p2_up
					       : per	? per[i].sas
							: 0);
					break;
				}
				if (f == 2)
					snprintf(l, sizeof(l), "{conn=\"%s\",phase=\"%d\"}", name,
						 k + 1);
				else
					snprintf(l, sizeof(l), "{conn=\"%s\",direction=\"%s\"}",
						 name, k ? "in" : "out");
				metric(b, fams[f], l,
				       f == 2 ? (k ? h->p2_failed : h->p1_failed)
				       : per  ? per[i].bytes[k]
					      : 0);
			}
		}
}

/* The metric families, their types and help texts, in the order of the samples. */
static const struct {
	const char *family, *type, *text;
} metric_families[] = {
	{"oakley_ike_sas", "gauge", "Established ISAKMP SAs."},
	{"oakley_ike_sas_half_open", "gauge", "Responder ISAKMP SAs not yet established."},
	{"oakley_ipsec_sas", "gauge",
	 "IPsec SA pairs carrying traffic: installed in the kernel (replaced ones "
	 "excluded)."},
	{"oakley_ipsec_sas_not_installed", "gauge",
	 "IPsec SA pairs negotiated that the kernel refused to install."},
	{"oakley_negotiations_started_total", "counter", "Phase-1 negotiations we initiated."},
	{"oakley_ike_sas_established_total", "counter", "ISAKMP SAs established."},
	{"oakley_ipsec_sas_established_total", "counter", "IPsec SA pairs negotiated."},
	{"oakley_ike_sa_failures_total", "counter", "Failed phase-1 negotiations by reason."},
	{"oakley_ipsec_sa_failures_total", "counter", "Failed Quick Modes by reason."},
	{"oakley_rekeys_total", "counter", "IPsec SA rekeys started and completed."},
	{"oakley_reauthentications_total", "counter", "ISAKMP SA reauthentications started."},
	{"oakley_uniqueids_total", "counter",
	 "ISAKMP SAs deleted by uniqueids= (the older one replaced, or the new one "
	 "refused)."},
	{"oakley_sa_expired_total", "counter", "Kernel SA lifetime events by limit."},
	{"oakley_ike_packets_total", "counter", "IKE datagrams by direction."},
	{"oakley_ike_retransmits_total", "counter", "IKE messages retransmitted."},
	{"oakley_ike_dropped_total", "counter", "IKE datagrams dropped by cause."},
	{"oakley_dpd_probes_total", "counter", "R-U-THERE probes sent."},
	{"oakley_nat_keepalives_total", "counter", "NAT-T keepalives sent."},
	{"oakley_ipsec_bytes_total", "counter",
	 "Bytes through current IPsec SAs (kernel counters)."},
	{"oakley_ipsec_packets_total", "counter",
	 "Packets through current IPsec SAs (kernel counters)."},
	{"oakley_conn_ike_sas_established_total", "counter",
	 "ISAKMP SAs established, per configured conn."},
	{"oakley_conn_ipsec_sas_established_total", "counter",
	 "IPsec SA pairs negotiated, per configured conn."},
	{"oakley_conn_failures_total", "counter",
	 "Failed negotiations per configured conn, by phase."},
	{"oakley_conn_ipsec_sas", "gauge",
	 "IPsec SA pairs installed in the kernel, per configured conn."},
	{"oakley_conn_ipsec_bytes_total", "counter",
	 "Bytes through current IPsec SAs per configured conn (kernel counters)."},
};

static void metrics_help(struct vici_builder *b)
{
	vici_begin_section(b, "help");
	for (size_t i = 0; i < sizeof(metric_families) / sizeof(metric_families[0]); i++) {
		char h[256];
		snprintf(h, sizeof(h), "%s|%s", metric_families[i].type, metric_families[i].text);
		vici_add_kv_str(b, metric_families[i].family, h);
	}
	vici_end_section(b);
}

struct child_totals {
	unsigned children, refused;    /* installed pairs, refused ones */
	uint64_t bytes[2], packets[2]; /* [0] out, [1] in, from the kernel's counters */
};

/* The children that are not replaced: counts, and bytes and packets from the kernel (also per
 * conn into per, when not NULL). */
static void child_totals(struct dmn *d, struct conn_sample *per, struct child_totals *t)
{
	const struct dmn_ike *ik = d->ike;
	for (const struct dmn_child *c = dmn_ike_children(d); c; c = c->next) {
		if (c->superseded)
			continue;
		const struct dmn_conn_handle *h = per ? dmn_ike_handle(d, c->conn) : NULL;
		struct conn_sample *cs = h ? &per[h - ik->handles] : NULL;
		if (dmn_child_installed(c)) {
			t->children++;
			if (cs)
				cs->sas++;
		} else {
			t->refused++;
		}
		for (int in = 0; in < 2 && d->kernel.ops; in++) {
			if (!(in ? c->sa_in : c->sa_out))
				continue;
			struct xfrm_sa_id id;
			dmn_child_sa_id(c, in, false, &id);
			struct xfrm_sa_info info;
			if (dmn_kernel_sa_get(&d->kernel, &id, &info) == 0) {
				t->bytes[in] += info.bytes;
				t->packets[in] += info.packets;
				if (cs)
					cs->bytes[in] += info.bytes;
			}
		}
	}
}

void dmn_vici_cmd_metrics(const struct dmn_vici_req *rq)
{
	struct dmn *d = rq->d;
	const struct dmn_ike *ik = d->ike;
	struct vici_builder b;
	struct proto_ike_stats es = {0};
	if (ik && ik->engine)
		proto_ike_get_stats(ik->engine, &es);
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	/* the help texts first, as a section; the samples after, in the same order */
	metrics_help(&b);
	vici_begin_section(&b, "samples");
	/* per conn (its handle's index): installed pairs and bytes in/out */
	size_t n_conns = ik ? ik->n_handles : 0;
	struct conn_sample *per = n_conns ? calloc(n_conns, sizeof(*per)) : NULL;
	struct child_totals t = {0};
	child_totals(d, per, &t);
	metric(&b, "oakley_ike_sas", NULL, ik ? ik->n_sas : 0);
	metric(&b, "oakley_ike_sas_half_open", NULL, es.half_open);
	metric(&b, "oakley_ipsec_sas", NULL, t.children);
	metric(&b, "oakley_ipsec_sas_not_installed", NULL, t.refused);
	metric(&b, "oakley_negotiations_started_total", NULL, ik ? ik->p1_initiated : 0);
	metric(&b, "oakley_ike_sas_established_total", NULL, ik ? ik->p1_up : 0);
	metric(&b, "oakley_ipsec_sas_established_total", NULL, ik ? ik->p2_up : 0);
	for (int phase = 1; phase <= 2; phase++)
		for (int r = 1; r < PROTO_IKE_REASON__MAX; r++) {
			char l[128];
			snprintf(l, sizeof(l), "{reason=\"%s\"}",
				 proto_ike_reason_str((enum proto_ike_reason)r));
			metric(&b,
			       phase == 1 ? "oakley_ike_sa_failures_total"
					  : "oakley_ipsec_sa_failures_total",
			       l, ik ? (phase == 1 ? ik->p1_failed[r] : ik->p2_failed[r]) : 0);
		}
	metric(&b, "oakley_rekeys_total", "{state=\"started\"}", ik ? ik->rekeys_started : 0);
	metric(&b, "oakley_rekeys_total", "{state=\"completed\"}", ik ? ik->rekeys_done : 0);
	metric(&b, "oakley_reauthentications_total", NULL, ik ? ik->reauths_started : 0);
	metric(&b, "oakley_uniqueids_total", "{action=\"replaced\"}", ik ? ik->unique_replaced : 0);
	metric(&b, "oakley_uniqueids_total", "{action=\"refused\"}", ik ? ik->unique_refused : 0);
	metric(&b, "oakley_sa_expired_total", "{limit=\"soft\"}", ik ? ik->expired_soft : 0);
	metric(&b, "oakley_sa_expired_total", "{limit=\"hard\"}", ik ? ik->expired_hard : 0);
	metric(&b, "oakley_ike_packets_total", "{direction=\"in\"}", es.rx);
	metric(&b, "oakley_ike_packets_total", "{direction=\"out\"}", es.tx);
	metric(&b, "oakley_ike_retransmits_total", NULL, es.retransmits);
	static const char *const why[] = {"malformed", "unknown_sa", "message_id",
					  "half_open_limit", "ikesa_limit"};
	uint64_t whyv[] = {es.drop_malformed, es.drop_unknown_sa, es.drop_msgid, es.drop_half_open,
			   es.drop_sa_limit};
	for (size_t i = 0; i < sizeof(whyv) / sizeof(whyv[0]); i++) {
		char l[64];
		snprintf(l, sizeof(l), "{cause=\"%s\"}", why[i]);
		metric(&b, "oakley_ike_dropped_total", l, whyv[i]);
	}
	metric(&b, "oakley_dpd_probes_total", NULL, ik ? ik->dpd_probes : 0);
	metric(&b, "oakley_nat_keepalives_total", NULL, ik ? ik->keepalives_sent : 0);
	metric(&b, "oakley_ipsec_bytes_total", "{direction=\"in\"}", t.bytes[1]);
	metric(&b, "oakley_ipsec_bytes_total", "{direction=\"out\"}", t.bytes[0]);
	metric(&b, "oakley_ipsec_packets_total", "{direction=\"in\"}", t.packets[1]);
	metric(&b, "oakley_ipsec_packets_total", "{direction=\"out\"}", t.packets[0]);
	conn_metrics(&b, ik, per);
	free(per);
	vici_end_section(&b);
	dmn_vici_send(rq->c, &b);
}

/* True if a peer no conn matched may have been meant for conn: its address is conn's right=, or
 * conn takes any address (right=%any). */
static bool peer_may_be(const struct dmn_conn *conn, const char *peer)
{
	const struct dmn_addr *r = &conn->right.host;
	char a[INET6_ADDRSTRLEN];
	if (r->kind == DMN_ADDR_ANY)
		return true;
	if (r->kind != DMN_ADDR_IP)
		return r->any_allowed;
	if (!inet_ntop(r->family, r->bytes, a, sizeof(a)))
		return false;
	size_t n = strlen(a);
	return strncmp(peer, a, n) == 0 && (peer[n] == '[' || peer[n] == '\0');
}

/* oakley-explain [name = NAME]: the recorded failures (of NAME), newest first, in plain words. */
void dmn_vici_cmd_explain(const struct dmn_vici_req *rq)
{
	struct dmn *d = rq->d;
	char name[DMN_NAME_MAX];
	const struct dmn_vici_arg arg = {"name", name, sizeof(name)};
	if (!dmn_vici_req_args(rq, &arg, 1))
		return;
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_begin_list(&b, "order");
	const struct dmn_failure *v[DMN_FAILURES_MAX + DMN_UNMATCHED_MAX];
	unsigned n = 0;
	for (unsigned i = 0; d->ike && i < d->ike->n_failures; i++) {
		const struct dmn_failure *f = &d->ike->failures[i];
		if (!name[0] || strcmp(f->conn, name) == 0)
			v[n++] = f;
	}
	const struct dmn_conn *conn = name[0] ? dmn_config_find(d->config, name) : NULL;
	for (unsigned i = 0; d->ike && i < d->ike->n_unmatched; i++) {
		const struct dmn_failure *f = &d->ike->unmatched[i];
		if (!name[0] || (conn && peer_may_be(conn, f->peer)))
			v[n++] = f;
	}
	for (unsigned i = 1; i < n; i++) /* newest first */
		for (unsigned k = i; k > 0 && v[k]->at_ms > v[k - 1]->at_ms; k--) {
			const struct dmn_failure *t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	for (unsigned i = 0; i < n; i++) {
		char key[16];
		snprintf(key, sizeof(key), "%u", i + 1);
		vici_add_list_item_str(&b, key);
	}
	vici_end_list(&b);
	uint64_t now = dmn_now_ms(d);
	for (unsigned i = 0; i < n; i++) {
		const struct dmn_failure *f = v[i];
		char key[16], why[512], fix[512];
		snprintf(key, sizeof(key), "%u", i + 1);
		dmn_failure_explain(f, why, sizeof(why), fix, sizeof(fix));
		vici_begin_section(&b, key);
		vici_add_kv_str(&b, "conn", f->conn);
		vici_add_kv_str(&b, "peer", f->peer);
		vici_add_kv_fmt(&b, "phase", "%u", f->phase);
		vici_add_kv_str(&b, "role", f->initiator ? "initiator" : "responder");
		vici_add_kv_str(&b, "reason", proto_ike_reason_str(f->reason));
		vici_add_kv_str(&b, "detail", f->text);
		vici_add_kv_str(&b, "why", why);
		vici_add_kv_str(&b, "fix", fix);
		vici_add_kv_fmt(&b, "seconds-ago", "%llu",
				(unsigned long long)(now > f->at_ms ? (now - f->at_ms) / 1000 : 0));
		vici_add_kv_fmt(&b, "count", "%u", f->count);
		vici_end_section(&b);
	}
	dmn_vici_send(rq->c, &b);
}
