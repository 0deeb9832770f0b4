// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * right= hostnames (right=vpn.example.com): looked up with getaddrinfo on a worker thread, since a
 * DNS query may take seconds and the event loop must not wait, and kept per conn handle for
 * DMN_RESOLVE_TTL_MS. Initiating such a conn first starts the lookup; its completion starts the
 * negotiation. A responder accepts the conn's peer at the address last resolved.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/ike_glue_int.h"
#include "daemon/log.h"
#include "daemon/worker.h"

struct resolve_job {
	struct dmn_job job;
	struct dmn *d;
	char name[64];
	char host[DMN_HOST_MAX];
	int family; /* 0: either */
	bool reauth;
	int err; /* getaddrinfo's EAI_* (0: ok) */
	struct sockaddr_storage addr;
};

static void resolve_run(struct dmn_job *job)
{
	struct resolve_job *j = (struct resolve_job *)job;
	struct addrinfo hints = {.ai_family = j->family ? j->family : AF_UNSPEC,
				 .ai_socktype = SOCK_DGRAM},
			*res = NULL;
	j->err = getaddrinfo(j->host, NULL, &hints, &res);
	if (j->err == 0 && res && res->ai_addrlen <= sizeof(j->addr))
		memcpy(&j->addr, res->ai_addr, res->ai_addrlen);
	else if (j->err == 0)
		j->err = EAI_FAIL;
	freeaddrinfo(res);
}

static void resolve_done(struct dmn_job *job)
{
	struct resolve_job *j = (struct resolve_job *)job;
	struct dmn *d = j->d;
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(d->ike, j->name);
	if (h)
		h->resolving = false;
	if (!job->ran || !h) {
		free(j);
		return; /* shutting down, or the conn went away meanwhile */
	}
	if (j->err) {
		log_err("%s: cannot resolve right=%s: %s", j->name, j->host, gai_strerror(j->err));
		free(j);
		return;
	}
	struct proto_ike_addr a = {0};
	if (j->addr.ss_family == AF_INET) {
		a.family = AF_INET;
		memcpy(a.addr, &((struct sockaddr_in *)&j->addr)->sin_addr, 4);
	} else {
		a.family = AF_INET6;
		memcpy(a.addr, &((struct sockaddr_in6 *)&j->addr)->sin6_addr, 16);
	}
	h->resolved = a;
	h->resolved_ms = dmn_now_ms(d);
	char buf[64];
	log_info("%s: right=%s is %s", j->name, j->host,
		 dmn_sockaddr_str((struct sockaddr *)&j->addr, buf, sizeof(buf)));
	char name[64];
	snprintf(name, sizeof(name), "%s", j->name);
	bool reauth = j->reauth;
	free(j);
	dmn_ike_start(d, name, reauth);
	dmn_ike_pump(d);
}

int dmn_ike_resolve_peer(struct dmn *d, const struct dmn_conn *c, bool reauth)
{
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(d->ike, c->name);
	if (!h)
		return -ENOENT;
	if (h->resolved_ms && dmn_now_ms(d) < h->resolved_ms + DMN_RESOLVE_TTL_MS)
		return 0;
	if (h->resolving)
		return -EINPROGRESS;
	struct resolve_job *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	*j = (struct resolve_job){.job = {.run = resolve_run, .done = resolve_done},
				  .d = d,
				  .family = c->right.host.family,
				  .reauth = reauth};
	snprintf(j->name, sizeof(j->name), "%s", c->name);
	snprintf(j->host, sizeof(j->host), "%s", c->right.host.host);
	int r = dmn_workers_submit(d->workers, &j->job);
	if (r < 0) {
		free(j);
		return r;
	}
	h->resolving = true;
	log_info("%s: resolving right=%s", c->name, c->right.host.host);
	return -EINPROGRESS;
}

bool dmn_ike_resolved_peer_is(const struct dmn *d, const struct dmn_conn *c,
			      const struct proto_ike_addr *a)
{
	const struct dmn_conn_handle *h = dmn_ike_handle_by_name(d->ike, c->name);
	return h && h->resolved_ms && dmn_ike_addr_eq_noport(&h->resolved, a);
}
