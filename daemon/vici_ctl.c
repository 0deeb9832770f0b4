/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VICI commands that drive the IKE engine: initiate (which holds the client until the tunnel
 * is up, the attempt failed or it timed out), terminate, rekey, and reload-settings.
 */
#include "daemon/vici_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/ike_glue.h"

static int on_pending_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	struct dmn_vici_client *c = userdata;
	if (!c->pending)
		return 0;
	char msg[128];
	snprintf(msg, sizeof(msg), "%s: timeout waiting for the tunnel to come up",
		 c->pending->conn);
	sd_event_source_disable_unref(c->pending->timer);
	c->pending->timer = NULL;
	dmn_vici_pending_done(c, false, msg);
	return 0;
}

/* initiate: starts the conn (child = NAME, else ike = NAME: in IKEv1 both name the conn) and
 * answers once its first child (or, for ike alone, the ISAKMP SA) is up, or the attempt failed,
 * or timeout ms passed (negative timeout: answer at once). */
void dmn_vici_cmd_initiate(const struct dmn_vici_req *rq)
{
	struct dmn_vici_client *c = rq->c;
	char child[DMN_NAME_MAX], ike[DMN_NAME_MAX], tmo[24];
	const struct dmn_vici_arg args[] = {
		{"child", child, sizeof(child)},
		{"ike", ike, sizeof(ike)},
		{"timeout", tmo, sizeof(tmo)},
	};
	if (!dmn_vici_req_args(rq, args, sizeof(args) / sizeof(args[0])))
		return;
	const char *name = child[0] ? child : ike;
	if (!name[0]) {
		dmn_vici_reply_status(c, false, "missing child or ike name");
		return;
	}
	if (child[0] && ike[0] && strcmp(child, ike) != 0) {
		dmn_vici_reply_status(c, false, "child and ike name different connections");
		return;
	}
	if (!rq->d->config || !dmn_config_find(rq->d->config, name)) {
		char msg[128];
		snprintf(msg, sizeof(msg), "no connection named '%s'", name);
		dmn_vici_reply_status(c, false, msg);
		return;
	}
	long long t = strtoll(tmo, NULL, 10);
	uint64_t timeout_ms = t <= 0 ? DMN_VICI_INITIATE_TIMEOUT_MS : (uint64_t)t;
	if (timeout_ms > DMN_VICI_INITIATE_TIMEOUT_MAX_MS)
		timeout_ms = DMN_VICI_INITIATE_TIMEOUT_MAX_MS;
	struct dmn_vici_pending *p = calloc(1, sizeof(*p));
	if (!p) {
		dmn_vici_reply_status(c, false, "out of memory");
		return;
	}
	snprintf(p->conn, sizeof(p->conn), "%s", name);
	p->want_child = child[0] != '\0';
	c->pending = p;
	int r = dmn_ike_up(rq->d, name);
	if (c->pending != p) /* answered already: an error was logged about name */
		return;
	if (r < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s: cannot initiate: %s", name, strerror(-r));
		dmn_vici_pending_done(c, false, msg);
		return;
	}
	if (t < 0) {
		dmn_vici_pending_done(c, true, NULL);
		return;
	}
	r = sd_event_add_time_relative(rq->d->ev, &p->timer, CLOCK_MONOTONIC, timeout_ms * 1000, 0,
				       on_pending_timeout, c);
	if (r < 0)
		dmn_vici_pending_done(c, false, "cannot arm a timer");
	else if (!c->dead)
		sd_event_source_set_io_events(c->src, c->out_head ? EPOLLOUT : 0);
}

/* success = yes with matches = n (and terminated = n when terminated is set). */
static void reply_matches(const struct dmn_vici_req *rq, int n, bool terminated)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_add_kv_str(&b, "success", "yes");
	vici_add_kv_fmt(&b, "matches", "%d", n);
	if (terminated)
		vici_add_kv_fmt(&b, "terminated", "%d", n);
	dmn_vici_send(rq->c, &b);
}

/* What a terminate selects: each key given must match (ids 0: not given). */
struct term_sel {
	char child[DMN_NAME_MAX], ike[DMN_NAME_MAX];
	unsigned long long child_id, ike_id;
};

/* child-id: an IPsec SA's uniqueid, its 32-bit inbound SPI. swanctl sends it through a signed int,
 * so one above 2^31 arrives negative: taken modulo 2^32. */
static bool req_child_id(const struct dmn_vici_req *rq, const char *s, unsigned long long *ret)
{
	unsigned long long v;
	if (s[0] == '-' && dmn_vici_parse_u64(s + 1, &v) && v > 0 && v <= 0x80000000ull) {
		*ret = 0x100000000ull - v;
		return true;
	}
	return dmn_vici_req_num(rq, "child-id", s, ret);
}

/* Terminates each IPsec SA that sel selects (its ISAKMP SA stays). Returns how many. */
static int terminate_children(const struct dmn_vici_req *rq, const struct term_sel *sel)
{
	struct dmn *d = rq->d;
	size_t cap = d->ike ? d->ike->n_children : 0, n = 0;
	uint64_t *keys = calloc(cap + 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (const struct dmn_child *c = dmn_ike_children(d); c && n < cap;
	     c = dmn_ike_child_next(c)) {
		if ((sel->child[0] && strcmp(c->conn, sel->child) != 0) ||
		    (sel->child_id && c->spi_in != sel->child_id) ||
		    (sel->ike[0] && strcmp(c->conn, sel->ike) != 0) ||
		    (sel->ike_id && (c->ike_sa_id != sel->ike_id || dmn_ike_child_orphan(d, c))))
			continue;
		keys[n++] = ike_child_key_of(c);
	}
	int done = 0;
	for (size_t i = 0; i < n; i++) {
		const struct dmn_child *c = d->ike ? dmn_map_get(&d->ike->children, keys[i]) : NULL;
		if (!c)
			continue;
		snprintf(rq->c->control, sizeof(rq->c->control), "%s", c->conn);
		if (dmn_ike_terminate_child(d, keys[i]) == 0)
			done++;
	}
	free(keys);
	return done;
}

/* Terminates each ISAKMP SA that sel selects by id (and name), with its IPsec SAs. */
static int terminate_sas(const struct dmn_vici_req *rq, const struct term_sel *sel)
{
	struct dmn *d = rq->d;
	const struct dmn_ike_sa *sa = d->ike ? dmn_map_get(&d->ike->sas, sel->ike_id) : NULL;
	if (!sa || (sel->ike[0] && strcmp(sa->conn, sel->ike) != 0))
		return 0;
	snprintf(rq->c->control, sizeof(rq->c->control), "%s", sa->conn);
	return dmn_ike_terminate_sa(d, sel->ike_id) == 0 ? 1 : 0;
}

/* Terminates every SA of conn name (dmn_ike_terminate). Returns how many ISAKMP SAs, plus the
 * IPsec SAs whose ISAKMP SA was gone already (they count as SAs of their own). */
static int terminate_conn(const struct dmn_vici_req *rq, const char *name)
{
	int lone = 0;
	for (const struct dmn_child *c = dmn_ike_children(rq->d); c; c = dmn_ike_child_next(c))
		if (strcmp(c->conn, name) == 0 && dmn_ike_child_orphan(rq->d, c))
			lone++;
	snprintf(rq->c->control, sizeof(rq->c->control), "%s", name);
	int n = dmn_ike_terminate(rq->d, name);
	return (n > 0 ? n : 0) + lone;
}

/*
 * terminate: child = NAME and child-id = N (an IPsec SA's uniqueid) select IPsec SAs, which go
 * alone; otherwise ike = NAME and ike-id = N (an ISAKMP SA's uniqueid) select ISAKMP SAs, which
 * go with their IPsec SAs; ike = NAME alone takes every SA of the conn (IPsec SAs whose ISAKMP SA
 * is gone too) and ends its keyingtries retries. The keys given must all match.
 */
void dmn_vici_cmd_terminate(const struct dmn_vici_req *rq)
{
	struct term_sel sel;
	char child_id[24], ike_id[24];
	const struct dmn_vici_arg args[] = {
		{"child", sel.child, sizeof(sel.child)},
		{"ike", sel.ike, sizeof(sel.ike)},
		{"child-id", child_id, sizeof(child_id)},
		{"ike-id", ike_id, sizeof(ike_id)},
	};
	if (!dmn_vici_req_args(rq, args, sizeof(args) / sizeof(args[0])) ||
	    !req_child_id(rq, child_id, &sel.child_id) ||
	    !dmn_vici_req_num(rq, "ike-id", ike_id, &sel.ike_id))
		return;
	if (!sel.child[0] && !sel.ike[0] && !child_id[0] && !ike_id[0]) {
		dmn_vici_reply_status(rq->c, false, "missing terminate selector");
		return;
	}
	int n;
	if ((child_id[0] && !sel.child_id) || (ike_id[0] && !sel.ike_id))
		n = 0; /* no SA has uniqueid 0 */
	else if (sel.child[0] || child_id[0])
		n = terminate_children(rq, &sel);
	else if (ike_id[0])
		n = terminate_sas(rq, &sel);
	else
		n = terminate_conn(rq, sel.ike);
	rq->c->control[0] = '\0';
	if (n == -ENOMEM)
		dmn_vici_reply_status(rq->c, false, "out of memory");
	else if (n <= 0)
		dmn_vici_reply_status(rq->c, false, "no matching SAs to terminate found");
	else
		reply_matches(rq, n, true);
}

/* rekey: child = NAME rekeys its IPsec SAs, ike = NAME reauthenticates its ISAKMP SA (IKEv1 has no
 * ISAKMP SA rekey). */
void dmn_vici_cmd_rekey(const struct dmn_vici_req *rq)
{
	char child[DMN_NAME_MAX], ike[DMN_NAME_MAX];
	const struct dmn_vici_arg args[] = {
		{"child", child, sizeof(child)},
		{"ike", ike, sizeof(ike)},
	};
	if (!dmn_vici_req_args(rq, args, sizeof(args) / sizeof(args[0])))
		return;
	bool reauth = !child[0];
	const char *name = reauth ? ike : child;
	if (!name[0]) {
		dmn_vici_reply_status(rq->c, false, "rekey needs a child or ike name");
		return;
	}
	int r = dmn_ike_rekey(rq->d, name, reauth);
	if (r < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "no %s of '%s' to rekey",
			 reauth ? "ISAKMP SA" : "IPsec SA", name);
		dmn_vici_reply_status(rq->c, false, msg);
		return;
	}
	reply_matches(rq, r, false);
}

void dmn_vici_cmd_reload_settings(const struct dmn_vici_req *rq)
{
	struct dmn_vici *v = rq->d->vici;
	char err[256] = "";
	v->capture = err;
	v->capture_cap = sizeof(err);
	dmn_on_sighup(NULL, NULL, rq->d);
	v->capture = NULL;
	dmn_vici_reply_status(rq->c, err[0] == '\0', err);
}
