/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VICI commands that drive the IKE engine: initiate (which holds the client until the tunnel
 * is up, the attempt failed or it timed out), terminate, rekey, and reload-settings.
 */
#include "daemon/vici_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/ike.h"

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

/* initiate: starts the conn and answers once its first child (or, for `ike`, the ISAKMP SA) is
 * up, or the attempt failed, or timeout ms passed (negative timeout: answer at once). */
void dmn_vici_cmd_initiate(const struct dmn_vici_req *rq)
{
	struct dmn_vici_client *c = rq->c;
	char child[DMN_NAME_MAX], ike[DMN_NAME_MAX], tmo[24];
	vici_node_str(rq->msg, "child", child, sizeof(child), "");
	vici_node_str(rq->msg, "ike", ike, sizeof(ike), "");
	vici_node_str(rq->msg, "timeout", tmo, sizeof(tmo), "0");
	const char *name = child[0] ? child : ike;
	if (!name[0]) {
		dmn_vici_reply_status(c, false, "missing child or ike name");
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
	int r = dmn_ike_initiate(rq->d, name);
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

void dmn_vici_cmd_terminate(const struct dmn_vici_req *rq)
{
	char name[DMN_NAME_MAX], ike_id[32];
	vici_node_str(rq->msg, "ike", name, sizeof(name), "");
	if (!name[0])
		vici_node_str(rq->msg, "child", name, sizeof(name), "");
	vici_node_str(rq->msg, "ike-id", ike_id, sizeof(ike_id), "");
	unsigned long long id;
	if (!name[0] && ike_id[0] && dmn_vici_parse_u64(ike_id, &id)) {
		for (const struct dmn_ike_sa *sa = dmn_ike_sas(rq->d); sa; sa = sa->next)
			if (sa->sa_id == id)
				snprintf(name, sizeof(name), "%s", sa->conn);
	}
	if (!name[0]) {
		dmn_vici_reply_status(rq->c, false, "no matching SAs to terminate found");
		return;
	}
	snprintf(rq->c->control, sizeof(rq->c->control), "%s", name);
	int r = dmn_ike_terminate(rq->d, name);
	rq->c->control[0] = '\0';
	if (r < 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "no ISAKMP SA of '%s' to terminate", name);
		dmn_vici_reply_status(rq->c, false, msg);
		return;
	}
	reply_matches(rq, r, true);
}

/* rekey: child = NAME rekeys its IPsec SAs, ike = NAME reauthenticates its ISAKMP SA (IKEv1 has no
 * ISAKMP SA rekey). */
void dmn_vici_cmd_rekey(const struct dmn_vici_req *rq)
{
	char name[DMN_NAME_MAX];
	bool ike = false;
	vici_node_str(rq->msg, "child", name, sizeof(name), "");
	if (!name[0]) {
		vici_node_str(rq->msg, "ike", name, sizeof(name), "");
		ike = true;
	}
	if (!name[0]) {
		dmn_vici_reply_status(rq->c, false, "rekey needs child or ike");
		return;
	}
	int r = dmn_ike_rekey(rq->d, name, ike);
	if (r < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "no %s of '%s' to rekey", ike ? "ISAKMP SA" : "IPsec SA",
			 name);
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
