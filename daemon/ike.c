// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The glue between the IKE engine (proto/ike) and the world: it gives the engine its environment
 * (random, clock, log) and policy (conns, PSKs, SPIs from the kernel), and carries out the
 * engine's actions: datagrams to the sockets, timers to sd-event, DH jobs to the worker pool,
 * events to the kernel (xfrm) and the log.
 */
#include "daemon/ike.h"
#include "daemon/ike_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
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

/* ---- environment ---- */

static void env_random(void *ctx, uint8_t *buf, size_t n)
{
	(void)ctx;
	while (n) {
		ssize_t r = getrandom(buf, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* getrandom only fails on a broken kernel; never continue without entropy.
			 */
			log_err("getrandom failed: %s", strerror(errno));
			abort();
		}
		buf += r;
		n -= (size_t)r;
	}
}

static uint64_t env_now(void *ctx)
{
	return dmn_now_ms(ctx);
}

static void env_log(void *ctx, enum proto_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void env_log(void *ctx, enum proto_log_level level, const char *fmt, ...)
{
	(void)ctx;
	va_list ap;
	va_start(ap, fmt);
	dmn_logv((int)level, fmt, ap);
	va_end(ap);
}

/* ---- conversions between config and engine ---- */

static void addr_to_proto(int family, const uint8_t *bytes, uint16_t port,
			  struct proto_ike_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	memcpy(ret->addr, bytes, family == AF_INET ? 4 : 16);
	ret->port = port;
}

static void sockaddr_to_proto(const struct sockaddr_storage *ss, struct proto_ike_addr *ret)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		addr_to_proto(AF_INET, (const uint8_t *)&sin->sin_addr, ntohs(sin->sin_port), ret);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		addr_to_proto(AF_INET6, (const uint8_t *)&sin6->sin6_addr, ntohs(sin6->sin6_port),
			      ret);
	}
}

socklen_t ike_proto_to_sockaddr(const struct proto_ike_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(a->port);
	memcpy(&sin6->sin6_addr, a->addr, 16);
	return sizeof(*sin6);
}

size_t ike_alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* The ID a side presents: its configured ID, or its address when none is set. */
static int id_to_proto(const struct dmn_id *id, const struct dmn_addr *host,
		       struct proto_ike_id *ret)
{
	memset(ret, 0, sizeof(*ret));
	size_t n;
	switch (id->type) {
	case DMN_ID_DEFAULT:
		if (host->kind != DMN_ADDR_IP)
			return 0; /* unknown until the address is: the engine uses the address */
		ret->type = host->family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
		ret->len = (uint8_t)ike_alen(host->family);
		memcpy(ret->data, host->bytes, ret->len);
		return 0;
	case DMN_ID_ANY:
		return 0;
	case DMN_ID_IPV4:
		ret->type = ID_IPV4_ADDR;
		ret->len = 4;
		memcpy(ret->data, id->addr, 4);
		return 0;
	case DMN_ID_IPV6:
		ret->type = ID_IPV6_ADDR;
		ret->len = 16;
		memcpy(ret->data, id->addr, 16);
		return 0;
	case DMN_ID_FQDN:
	case DMN_ID_USER_FQDN:
		n = strlen(id->str);
		if (n > PROTO_IKE_ID_MAX)
			return -EINVAL;
		ret->type = id->type == DMN_ID_FQDN ? ID_FQDN : ID_USER_FQDN;
		ret->len = (uint8_t)n;
		memcpy(ret->data, id->str, n);
		return 0;
	default:
		/* TODO(rfc2407 §4.6.2.1): DER_ASN1_DN and KEY_ID IDs, with certificates. */
		return -EOPNOTSUPP;
	}
}

/* The engine's ID back to the config's form, for secrets look-ups and matching. */
static void id_from_proto(const struct proto_ike_id *p, struct dmn_id *ret)
{
	memset(ret, 0, sizeof(*ret));
	switch (p->type) {
	case ID_IPV4_ADDR:
		if (p->len == 4) {
			ret->type = DMN_ID_IPV4;
			memcpy(ret->addr, p->data, 4);
			return;
		}
		break;
	case ID_IPV6_ADDR:
		if (p->len == 16) {
			ret->type = DMN_ID_IPV6;
			memcpy(ret->addr, p->data, 16);
			return;
		}
		break;
	case ID_FQDN:
	case ID_USER_FQDN:
		/* p->len is at most 255 < sizeof(ret->str): the terminator always fits. */
		{
			ret->type = p->type == ID_FQDN ? DMN_ID_FQDN : DMN_ID_USER_FQDN;
			memcpy(ret->str, p->data, p->len);
			ret->str[p->len] = '\0';
			return;
		}
		break;
	}
	ret->type = DMN_ID_ANY;
}

static void subnet_to_ts(const struct dmn_subnet *s, struct proto_ike_ts *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = s->family;
	memcpy(ret->from, s->from, 16);
	memcpy(ret->to, s->to, 16);
	ret->prefix = s->is_range ? -1 : s->prefix;
	ret->proto = s->proto;
	ret->port = s->port_lo == s->port_hi ? s->port_lo : 0;
}

/* The PFS group: an explicit group in esp= wins; pfs=yes without one reuses the first IKE group
 * (Libreswan's rule); otherwise no PFS (strongSwan's rule when esp= names no group). */
static uint16_t pfs_group(const struct dmn_conn *c)
{
	if (c->pfs == DMN_PFS_NO)
		return 0;
	if (c->esp.n && c->esp.v[0].group)
		return c->esp.v[0].group;
	if (c->pfs == DMN_PFS_YES && c->ike.n)
		return c->ike.v[0].group;
	return 0;
}

struct dmn_conn_handle *ike_handle_by_name(const struct dmn_ike *ik, const char *name)
{
	for (size_t k = 0; k < ik->n_handles; k++)
		if (strcmp(ik->handles[k].name, name) == 0)
			return &ik->handles[k];
	return NULL;
}

/* The handle of conn number index, assigning one on first use (0 only when out of memory). */
static uint64_t conn_handle(const struct dmn *d, size_t index)
{
	struct dmn_ike *ik = d->ike;
	const char *name = d->config->conns[index]->name;
	struct dmn_conn_handle *h = ike_handle_by_name(ik, name);
	if (h)
		return h->id;
	if (ik->n_handles == ik->cap_handles) {
		size_t cap = ik->cap_handles ? ik->cap_handles * 2 : 16;
		struct dmn_conn_handle *v = realloc(ik->handles, cap * sizeof(*v));
		if (!v)
			return 0;
		ik->handles = v;
		ik->cap_handles = cap;
	}
	h = &ik->handles[ik->n_handles++];
	*h = (struct dmn_conn_handle){.id = ++ik->next_handle};
	snprintf(h->name, sizeof(h->name), "%s", name);
	return h->id;
}

/* Forgets name's handle: events of SAs negotiated under it no longer find a conn. */
static void conn_handle_forget(struct dmn_ike *ik, const char *name)
{
	struct dmn_conn_handle *h = ike_handle_by_name(ik, name);
	if (h)
		*h = ik->handles[--ik->n_handles];
}

static const struct dmn_conn *conn_by_handle(const struct dmn *d, uint64_t handle, size_t *ret_i)
{
	const struct dmn_ike *ik = d->ike;
	for (size_t k = 0; handle && d->config && k < ik->n_handles; k++) {
		if (ik->handles[k].id != handle)
			continue;
		size_t i;
		if (dmn_config_index_of(d->config, ik->handles[k].name, &i) < 0)
			return NULL;
		if (ret_i)
			*ret_i = i;
		return d->config->conns[i];
	}
	return NULL;
}

/*
 * The reqid that ties conn number i's policies to its SAs: reqid= if set, else one derived from
 * the conn's handle, which a conn keeps across reloads while it does not change (an index into
 * the conn list would hand a kept tunnel's reqid to another conn after a reload, and the kernel
 * would then send that tunnel's traffic into the other conn's SAs).
 */
uint32_t ike_conn_reqid(const struct dmn *d, size_t i)
{
	const struct dmn_conn *c = d->config->conns[i];
	if (c->reqid)
		return c->reqid;
	uint64_t h = conn_handle(d, i);
	return XFRM_REQID_MIN + 1 + (uint32_t)(h % (XFRM_REQID_MAX - XFRM_REQID_MIN));
}

/* Fills the engine's view of conn number i. Returns 0 or -errno (logged once by the caller). */
int ike_conn_to_proto(const struct dmn *d, size_t i, struct proto_ike_conn *ret)
{
	const struct dmn_conn *c = d->config->conns[i];
	memset(ret, 0, sizeof(*ret));
	ret->handle = conn_handle(d, i);
	ret->reqid = ike_conn_reqid(d, i);
	snprintf(ret->name, sizeof(ret->name), "%s", c->name);
	int r = id_to_proto(&c->left.id, &c->left.host, &ret->local_id);
	if (r == 0)
		r = id_to_proto(&c->right.id, &c->right.host, &ret->remote_id);
	if (r < 0)
		return r;
	for (size_t k = 0; k < c->ike.n && ret->n_ike < PROTO_IKE_P1_PROPS_MAX; k++) {
		const struct dmn_ike_proposal *p = &c->ike.v[k];
		ret->ike[ret->n_ike++] = (struct proto_ike_p1_prop){.encr = p->encr,
								    .key_bits = p->key_bits,
								    .hash = p->hash,
								    .group = p->group};
	}
	for (size_t k = 0; k < c->esp.n && ret->n_esp < PROTO_IKE_P2_PROPS_MAX; k++) {
		const struct dmn_esp_proposal *p = &c->esp.v[k];
		ret->esp[ret->n_esp++] = (struct proto_ike_p2_prop){
			.protocol = p->protocol,
			.transform = (uint8_t)p->transform,
			.key_bits = p->key_bits,
			.auth = p->auth,
		};
	}
	ret->ike_lifetime_s = c->ikelifetime;
	ret->ipsec_lifetime_s = c->lifetime;
	ret->ipsec_lifetime_kb = (uint32_t)(c->lifebytes / 1024);
	ret->pfs_group = pfs_group(c);
	ret->mode = c->type == DMN_TYPE_TRANSPORT ? ENCAP_TRANSPORT : ENCAP_TUNNEL;
	ret->aggressive = c->aggressive;
	ret->initial_contact = c->initial_contact;
	ret->force_encaps = c->encaps == DMN_FORCE;
	ret->no_natt = c->encaps == DMN_NO;
	ret->strict_lifetime = c->strict_lifetime;
	ret->compress = c->compress;
	for (size_t k = 0; k < c->left.n_subnets && ret->n_local_ts < PROTO_IKE_TS_MAX; k++)
		subnet_to_ts(&c->left.subnets[k], &ret->local_ts[ret->n_local_ts++]);
	for (size_t k = 0; k < c->right.n_subnets && ret->n_remote_ts < PROTO_IKE_TS_MAX; k++)
		subnet_to_ts(&c->right.subnets[k], &ret->remote_ts[ret->n_remote_ts++]);
	return 0;
}

/* ---- policy callbacks ---- */

/* How well a configured address matches a real one: 2 exact, 1 wildcard, 0 no. */
static int addr_match(const struct dmn_addr *cfg, const struct proto_ike_addr *a)
{
	switch (cfg->kind) {
	case DMN_ADDR_IP:
		return cfg->family == a->family &&
				       memcmp(cfg->bytes, a->addr, ike_alen(a->family)) == 0
			       ? 2
			       : 0;
	case DMN_ADDR_ANY:
	case DMN_ADDR_DEFAULTROUTE:
	case DMN_ADDR_UNSET:
		return cfg->family == 0 || cfg->family == a->family ? 1 : 0;
	default:
		return cfg->any_allowed ? 1 : 0;
	}
}

/* Does the peer's ID satisfy what the conn expects of it? */
static bool peer_id_ok(const struct dmn_conn *c, const struct proto_ike_id *peer_id,
		       const struct proto_ike_addr *peer)
{
	if (!peer_id)
		return true;
	struct dmn_id got;
	id_from_proto(peer_id, &got);
	if (c->right.id.type == DMN_ID_ANY)
		return true;
	if (c->right.id.type == DMN_ID_DEFAULT) {
		/* No rightid: the peer must identify itself with the address it comes from. */
		return (got.type == DMN_ID_IPV4 && peer->family == AF_INET &&
			memcmp(got.addr, peer->addr, 4) == 0) ||
		       (got.type == DMN_ID_IPV6 && peer->family == AF_INET6 &&
			memcmp(got.addr, peer->addr, 16) == 0);
	}
	return dmn_id_equal(&c->right.id, &got);
}

static int policy_find_p1(void *ctx, const struct proto_ike_addr *local,
			  const struct proto_ike_addr *peer, const struct proto_ike_id *peer_id,
			  struct proto_ike_conn *ret)
{
	struct dmn *d = ctx;
	int best = 0;
	size_t best_i = 0, n = d->config ? d->config->n_conns : 0;
	struct dmn_config_cands k;
	/* only the conns for this address and those for any: in config order, as a walk would */
	bool ix = d->config &&
		  dmn_config_peer_candidates(d->config, peer->family, peer->addr, &k) == 0;
	size_t ie = 0, iw = 0;
	for (size_t step = 0; step < n; step++) {
		size_t i = step;
		if (ix) {
			if (ie < k.n_exact && (iw >= k.n_wild || k.exact[ie] < k.wild[iw]))
				i = k.exact[ie++];
			else if (iw < k.n_wild)
				i = k.wild[iw++];
			else
				break;
		}
		const struct dmn_conn *c = d->config->conns[i];
		int ml = addr_match(&c->left.host, local), mr = addr_match(&c->right.host, peer);
		if (!mr && c->right.host.kind == DMN_ADDR_HOSTNAME &&
		    ike_resolved_peer_is(d, c, peer))
			mr = 2; /* the address right='s name had when we last looked */
		if (!ml || !mr || !peer_id_ok(c, peer_id, peer))
			continue;
		int score = ml + 2 * mr;
		if (score > best) {
			best = score;
			best_i = i;
		}
	}
	if (!best)
		return -ENOENT;
	return ike_conn_to_proto(d, best_i, ret);
}

static bool ts_inside(const struct proto_ike_ts *t, const struct dmn_subnet *s)
{
	size_t n = ike_alen(t->family);
	if (t->family != s->family)
		return false;
	if (memcmp(t->from, s->from, n) < 0 || memcmp(t->to, s->to, n) > 0)
		return false;
	if (s->proto && t->proto != s->proto)
		return false;
	if (s->port_lo == s->port_hi && s->port_lo && t->port != s->port_lo)
		return false;
	return true;
}

/* A side's selectors contain ts: a listed subnet does, or (no subnets) the host address is it. */
static bool side_has_ts(const struct dmn_side *side, const struct proto_ike_ts *ts,
			const struct proto_ike_addr *host)
{
	if (side->n_subnets == 0) {
		size_t n = ike_alen(ts->family);
		return ts->family == host->family && memcmp(ts->from, host->addr, n) == 0 &&
		       memcmp(ts->to, host->addr, n) == 0;
	}
	for (size_t k = 0; k < side->n_subnets; k++)
		if (ts_inside(ts, &side->subnets[k]))
			return true;
	return false;
}

static int policy_find_p2(void *ctx, const struct proto_ike_conn *p1,
			  const struct proto_ike_addr *peer, const struct proto_ike_ts *local_ts,
			  const struct proto_ike_ts *remote_ts, struct proto_ike_conn *ret)
{
	struct dmn *d = ctx;
	size_t p1_i;
	const struct dmn_conn *pc = conn_by_handle(d, p1->handle, &p1_i);
	if (!pc)
		return -ENOENT;
	/* The phase-1 conn first, then any other conn to the same peer. */
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < d->config->n_conns; i++) {
			if ((pass == 0) != (i == p1_i))
				continue;
			const struct dmn_conn *c = d->config->conns[i];
			if (pass == 1 &&
			    !(c->right.host.kind == pc->right.host.kind &&
			      memcmp(c->right.host.bytes, pc->right.host.bytes, 16) == 0))
				continue;
			struct proto_ike_addr lh = {0}, rh = {0};
			if (c->left.host.kind == DMN_ADDR_IP)
				addr_to_proto(c->left.host.family, c->left.host.bytes, 0, &lh);
			if (c->right.host.kind == DMN_ADDR_IP)
				addr_to_proto(c->right.host.family, c->right.host.bytes, 0, &rh);
			else if (peer)
				rh = *peer; /* right=%any or a name: the address it came from */
			if (side_has_ts(&c->left, local_ts, &lh) &&
			    side_has_ts(&c->right, remote_ts, &rh))
				return ike_conn_to_proto(d, i, ret);
		}
	}
	return -ENOENT;
}

static int policy_get_psk(void *ctx, const struct proto_ike_conn *conn,
			  const struct proto_ike_id *local, const struct proto_ike_id *remote,
			  uint8_t *buf, size_t cap, size_t *ret_len)
{
	struct dmn *d = ctx;
	(void)conn;
	if (!d->secrets)
		return -ENOENT;
	struct dmn_id l, r;
	id_from_proto(local, &l);
	/* Main Mode: the PSK is needed before the peer's (encrypted) ID arrives, so it is chosen by
	 * what the conn expects of the peer, which by default is its address. */
	if (!remote && conn->remote_id.type)
		remote = &conn->remote_id;
	if (remote)
		id_from_proto(remote, &r);
	else
		r.type = DMN_ID_ANY;
	const uint8_t *psk;
	size_t len;
	int rr = dmn_secrets_find_psk(d->secrets, &l, &r, &psk, &len);
	if (rr < 0)
		return rr;
	if (len > cap)
		return -E2BIG;
	memcpy(buf, psk, len);
	*ret_len = len;
	return 0;
}

static int policy_alloc_spi(void *ctx, const struct proto_ike_conn *conn, uint8_t protocol,
			    const struct proto_ike_addr *local, const struct proto_ike_addr *peer,
			    uint32_t *ret_spi)
{
	struct dmn *d = ctx;
	struct xfrm_ipaddr src = {.family = (uint8_t)peer->family},
			   dst = {.family = (uint8_t)local->family};
	memcpy(src.bytes, peer->addr, 16);
	memcpy(dst.bytes, local->addr, 16);
	uint8_t ipproto = protocol == PROTO_IPSEC_AH ? IPPROTO_AH
			  : protocol == PROTO_IPCOMP ? IPPROTO_COMP
						     : IPPROTO_ESP;
	/* the default range of a CPI is the negotiable one, 256..61439 (RFC 3173 §3.3) */
	int r = xfrm_allocspi(d->xfrm, &src, &dst, ipproto, conn->reqid, 0, 0, 0, ret_spi);
	if (r < 0)
		log_warn("%s: cannot allocate %s: %s", conn->name,
			 ipproto == IPPROTO_COMP ? "a CPI" : "an SPI", xfrm_errmsg(d->xfrm));
	return r;
}

/* ---- the kernel: installing and removing a child's SAs and policies ---- */

void ike_to_xaddr(const struct proto_ike_addr *a, struct xfrm_ipaddr *ret)
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

/* A child (or trap) takes its conn's marks and if_id (%unique ones are not supported yet). */
static void child_take_marks(struct dmn_child *c, const struct dmn_conn *conn)
{
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
 * The mode of a child's ESP/AH SA. With IPComp in tunnel mode the IPComp SA carries the tunnel
 * and the ESP/AH SA runs in transport mode over the tunnel's outer header; its selector is then a
 * wildcard, as the kernel matches the inner flow against it (measured in the VM).
 */
static void child_ipsec_mode(const struct dmn_child *c, struct xfrm_sa *sa)
{
	sa->mode = c->mode == ENCAP_TRANSPORT ? XFRM_MODE_TRANSPORT : XFRM_MODE_TUNNEL;
	if (c->ipcomp && sa->mode == XFRM_MODE_TUNNEL) {
		sa->mode = XFRM_MODE_TRANSPORT;
		sa->sel = (struct xfrm_sel){.src.family = (uint8_t)c->local.family,
					    .dst.family = (uint8_t)c->local.family};
	}
}

/* The IPComp SA of one direction (inbound: over the larval SA its CPI's ALLOCSPI left). It has
 * no lifetime of its own: it goes with its child. */
static int child_comp_sa(struct dmn *d, struct dmn_child *c, bool inbound)
{
	struct xfrm_sa sa = {0};
	ike_to_xaddr(inbound ? &c->peer : &c->local, &sa.src);
	ike_to_xaddr(inbound ? &c->local : &c->peer, &sa.dst);
	sa.spi = inbound ? c->cpi_in : c->cpi_out;
	sa.proto = IPPROTO_COMP;
	sa.mode = c->mode == ENCAP_TRANSPORT ? XFRM_MODE_TRANSPORT : XFRM_MODE_TUNNEL;
	sa.reqid = c->reqid;
	sa.comp = (struct xfrm_key){.alg = "deflate"}; /* IPCOMP_DEFLATE, RFC 2394 */
	child_sa_marks(c, inbound, &sa);
	int r = inbound ? xfrm_sa_update(d->xfrm, &sa) : xfrm_sa_add(d->xfrm, &sa);
	if (inbound)
		c->comp_in = r == 0;
	else
		c->comp_out = r == 0;
	return r;
}

/* Installs one direction of child c: its IPComp SA (if any) first, then the ESP/AH SA. */
int ike_child_sa(struct dmn *d, const struct proto_ike_event *ev, bool inbound, struct dmn_child *c)
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
	ike_to_xaddr(inbound ? &ev->peer : &ev->local, &sa.src);
	ike_to_xaddr(inbound ? &ev->local : &ev->peer, &sa.dst);
	sa.spi = inbound ? ch->spi_in : ch->spi_out;
	sa.proto = ch->protocol == PROTO_IPSEC_AH ? IPPROTO_AH : IPPROTO_ESP;
	child_ipsec_mode(c, &sa);
	child_sa_marks(c, inbound, &sa);
	sa.reqid = ev->reqid;
	sa.replay_window = 32;
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
			ike_to_xaddr(&ch->oa_peer, &sa.encap_oa);
	}
	sa.lft.hard_secs = ch->lifetime_s;
	sa.lft.hard_bytes = (uint64_t)ch->lifetime_kb * 1024;
	sa.lft.soft_secs = c->soft_s;
	sa.lft.soft_bytes = c->soft_bytes;
	sa.lft.soft_packets = c->soft_packets;
	sa.lft.hard_packets = c->hard_packets;
	/* Inbound replaces the larval SA ALLOCSPI left; outbound is new. */
	return inbound ? xfrm_sa_update(d->xfrm, &sa) : xfrm_sa_add(d->xfrm, &sa);
}

static void child_policy(const struct dmn_child *c, uint8_t dir, struct xfrm_policy *p)
{
	bool out = dir == XFRM_POLICY_OUT;
	memset(p, 0, sizeof(*p));
	const struct proto_ike_ts *src_ts = out ? &c->local_ts : &c->remote_ts;
	const struct proto_ike_ts *dst_ts = out ? &c->remote_ts : &c->local_ts;
	ts_to_sel(src_ts, &p->sel.src, &p->sel.src_len);
	ts_to_sel(dst_ts, &p->sel.dst, &p->sel.dst_len);
	p->sel.proto = src_ts->proto;
	p->sel.sport = src_ts->port;
	p->sel.dport = dst_ts->port;
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
			ike_to_xaddr(out ? &c->local : &c->peer, &t->src);
			ike_to_xaddr(out ? &c->peer : &c->local, &t->dst);
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
		int r = add ? xfrm_policy_update(d->xfrm, &p) : xfrm_policy_del(d->xfrm, &p);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

uint64_t ike_child_key(uint8_t protocol, uint32_t spi_in)
{
	return ((uint64_t)protocol << 32 | spi_in) + 1;
}

/* Deletes child c's IPComp SA of one direction (its larval one too, if it never got further). */
static void child_comp_del(struct dmn *d, const struct dmn_child *c, bool inbound)
{
	struct xfrm_sa_id id;
	dmn_child_sa_id(c, inbound, true, &id);
	xfrm_sa_del(d->xfrm, &id);
}

void ike_child_remove_kernel(struct dmn *d, struct dmn_child *c)
{
	if (c->comp_in)
		child_comp_del(d, c, true);
	if (c->comp_out)
		child_comp_del(d, c, false);
	c->comp_in = c->comp_out = false;
	struct xfrm_sa_id id;
	if (c->sa_in) {
		dmn_child_sa_id(c, true, false, &id);
		xfrm_sa_del(d->xfrm, &id);
	}
	if (c->sa_out) {
		dmn_child_sa_id(c, false, false, &id);
		xfrm_sa_del(d->xfrm, &id);
	}
	if (c->policies) {
		const struct dmn_conn *conn = dmn_config_find(d->config, c->conn);
		/* auto=route: the policies stay as traps for the next negotiation */
		if (!ike_conn_routed(conn) || d->ike->unrouting)
			child_policies(d, c, false);
	}
	c->sa_in = c->sa_out = c->policies = false;
}

void ike_child_free(struct dmn *d, struct dmn_child *c)
{
	struct dmn_ike *ik = d->ike;
	dmn_vici_child_updown(d, c, false);
	if (c->out_pending) {
		explicit_bzero(c->out_pending, sizeof(*c->out_pending));
		free(c->out_pending);
	}
	dmn_map_del(&ik->children, ike_child_key(c->protocol, c->spi_in));
	if (c->prev)
		c->prev->next = c->next;
	else
		ik->child_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ik->n_children--;
	free(c);
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

/* ---- lifetimes ---- */

static uint64_t random_below(uint64_t n)
{
	uint64_t r;
	env_random(NULL, (uint8_t *)&r, sizeof(r));
	return n ? r % n : 0;
}

/*
 * How long before the end of a lifetime of life seconds a replacement starts: rekeymargin plus
 * a random share of it up to rekeyfuzz percent. The side that did not initiate the ISAKMP SA uses
 * half the margin, so the initiator normally rekeys first and both rarely rekey at once. At most
 * half the lifetime.
 */
static uint32_t rekey_margin(const struct dmn_conn *conn, uint32_t life, bool initiator)
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
static void child_limits(struct dmn *d, struct dmn_child *c, const struct dmn_conn *conn,
			 bool initiator)
{
	uint64_t now = dmn_now_ms(d);
	c->hard_ms = c->lifetime_s ? now + (uint64_t)c->lifetime_s * 1000 : 0;
	c->hard_packets = conn ? conn->lifepackets : 0;
	if (!conn || !conn->rekey || !c->lifetime_s)
		return;
	c->soft_s = c->lifetime_s - rekey_margin(conn, c->lifetime_s, initiator);
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

/* The selector of one host address. */
static void host_ts(const struct proto_ike_addr *a, struct proto_ike_ts *ret)
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

bool ike_addr_eq_noport(const struct proto_ike_addr *a, const struct proto_ike_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, ike_alen(a->family)) == 0;
}

/* Whether b carries the same traffic as a (same conn, peer and selectors): a rekey of it. */
static bool child_same_flow(const struct dmn_child *a, const struct dmn_child *b)
{
	return a != b && a->protocol == b->protocol && strcmp(a->conn, b->conn) == 0 &&
	       ike_addr_eq_noport(&a->peer, &b->peer) && ts_eq(&a->local_ts, &b->local_ts) &&
	       ts_eq(&a->remote_ts, &b->remote_ts);
}

/* The newest established ISAKMP SA of conn with peer (the list is newest first), or NULL. */
struct dmn_ike_sa *ike_newest_sa(struct dmn *d, const char *conn, const struct proto_ike_addr *peer)
{
	for (struct dmn_ike_sa *sa = d->ike->sa_head; sa; sa = sa->next)
		if (strcmp(sa->conn, conn) == 0 && ike_addr_eq_noport(&sa->peer, peer))
			return sa;
	return NULL;
}

/* Tells the peer a child is gone (over the newest ISAKMP SA with it, if any). */
void ike_child_send_delete(struct dmn *d, const struct dmn_child *c)
{
	struct dmn_ike_sa *sa = ike_newest_sa(d, c->conn, &c->peer);
	proto_ike_delete_child(d->ike->engine, sa ? sa->sa_id : c->ike_sa_id, c->protocol,
			       c->spi_in);
}

/* Phase 2 is up: inbound SA first, then outbound, then the policies that send traffic into it. */
static void on_child_up(struct dmn *d, const struct proto_ike_event *ev)
{
	struct dmn_ike *ik = d->ike;
	const struct proto_ike_child *ch = &ev->u.child;
	struct dmn_child *c = calloc(1, sizeof(*c));
	if (!c) {
		log_err("out of memory for a child SA");
		return;
	}
	const struct dmn_conn *conn = conn_by_handle(d, ev->conn_handle, NULL);
	snprintf(c->conn, sizeof(c->conn), "%s", conn ? conn->name : "?");
	child_take_marks(c, conn);
	c->ike_sa_id = ev->sa_id;
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
		ike_to_xaddr(&ev->peer, &id.src);
		ike_to_xaddr(&ev->local, &id.dst);
		xfrm_sa_del(d->xfrm, &id);
	}
	child_limits(d, c, conn, ev->initiator);
	if (dmn_map_put(&ik->children, ike_child_key(c->protocol, c->spi_in), c) < 0) {
		free(c);
		log_err("out of memory for a child SA");
		return;
	}
	c->next = ik->child_head;
	if (c->next)
		c->next->prev = c;
	ik->child_head = c;
	ik->n_children++;

	char peer[64];
	struct sockaddr_storage ss;
	ike_proto_to_sockaddr(&ev->peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, peer, sizeof(peer));
	/* A rekey (by either side) replaces the children with the same traffic. */
	bool replaces = false;
	for (struct dmn_child *o = ik->child_head; o && !replaces; o = o->next)
		replaces = !o->superseded && child_same_flow(c, o);
	int r = ike_child_sa(d, ev, true, c);
	c->sa_in = r == 0;
	if (r == 0 && replaces && (c->out_pending = malloc(sizeof(*ev)))) {
		/* make before break: the old outbound SA carries on until the peer has this
		 * child's inbound SA for sure */
		memcpy(c->out_pending, ev, sizeof(*ev));
		c->out_at_ms = dmn_now_ms(d) + DMN_REKEY_OUT_DELAY_MS;
	} else if (r == 0) {
		r = ike_child_sa(d, ev, false, c);
		c->sa_out = r == 0;
	}
	if (r == 0) {
		r = child_policies(d, c, true);
		c->policies = r == 0;
	}
	unsigned replaced = 0;
	for (struct dmn_child *o = ik->child_head; r == 0 && o; o = o->next) {
		if (o->superseded || !child_same_flow(c, o))
			continue;
		/* the policies are the new child's now; the old SAs go a little later */
		o->superseded = true;
		o->policies = false;
		o->rekey_msgid = 0;
		o->retire_ms = dmn_now_ms(d) + DMN_REKEY_RETIRE_MS;
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
		xfrm_sa_del(d->xfrm, &id);
		if (c->ipcomp && !c->comp_in)
			child_comp_del(d, c, true); /* its larval SA */
	}
	if (r < 0) {
		char why[384];
		snprintf(why, sizeof(why), "%s: IPsec SA with %s negotiated but not installed: %s",
			 c->conn, peer,
			 r == -EOPNOTSUPP ? "algorithm has no kernel equivalent"
					  : xfrm_errmsg(d->xfrm));
		log_err("%s", why);
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
}

/* The peer deleted SAs: it names its inbound SPIs, which are our outbound ones. */
static void on_delete(struct dmn *d, const struct proto_ike_event *ev)
{
	for (unsigned k = 0; k < ev->u.del.n_spis; k++) {
		for (struct dmn_child *c = d->ike->child_head, *next; c; c = next) {
			next = c->next;
			if (c->protocol == ev->u.del.protocol && c->spi_out == ev->u.del.spis[k] &&
			    memcmp(&c->peer.addr, &ev->peer.addr, 16) == 0) {
				log_info("%s: peer deleted IPsec SA 0x%08x", c->conn, c->spi_out);
				ike_child_remove_kernel(d, c);
				ike_child_free(d, c);
			}
		}
	}
}

/* INITIAL-CONTACT (RFC 2407 §4.6.3.3): the peer rebooted; its children from before this ISAKMP
 * SA's negotiation began are stale. Children that came up meanwhile, over the peer's other new
 * ISAKMP SAs (several conns started at once each send INITIAL-CONTACT), are not. */
static void on_initial_contact(struct dmn *d, const struct proto_ike_event *ev)
{
	const struct dmn_ike_sa *sa = dmn_map_get(&d->ike->sas, ev->sa_id);
	uint64_t began = sa ? sa->p1.started_ms : dmn_now_ms(d);
	for (struct dmn_child *c = d->ike->child_head, *next; c; c = next) {
		next = c->next;
		if (c->ike_sa_id != ev->sa_id && c->established_ms < began &&
		    c->peer.family == ev->peer.family &&
		    memcmp(c->peer.addr, ev->peer.addr, 16) == 0) {
			log_info("%s: INITIAL-CONTACT from peer: removing old IPsec SA 0x%08x",
				 c->conn, c->spi_out);
			ike_child_remove_kernel(d, c);
			ike_child_free(d, c);
		}
	}
}

/* ---- NAT traversal: a moved NAT mapping, keepalives ---- */

/*
 * Points both SAs of child c at the peer's new NAT mapping (XFRM_MSG_UPDSA on a valid SA
 * replaces its encapsulation and lifetimes only; the kernel keeps its keys and counters). UPDSA
 * still wants well-formed key attributes: a fixed non-secret pattern of the right length (never
 * a weak DES key) is sent, so the daemon need not keep the KEYMAT. Returns 0 or -errno.
 */
int ike_child_encap_update(struct dmn *d, struct dmn_child *c)
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
		ike_to_xaddr(inbound ? &c->peer : &c->local, &sa.src);
		ike_to_xaddr(inbound ? &c->local : &c->peer, &sa.dst);
		sa.spi = inbound ? c->spi_in : c->spi_out;
		sa.proto = c->protocol == PROTO_IPSEC_AH ? IPPROTO_AH : IPPROTO_ESP;
		child_ipsec_mode(c, &sa);
		sa.reqid = c->reqid;
		child_sa_marks(c, inbound, &sa);
		sa.replay_window = 32;
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
			ike_to_xaddr(&c->oa_peer, &sa.encap_oa);
		sa.lft.hard_secs = c->lifetime_s;
		sa.lft.hard_bytes = (uint64_t)c->lifetime_kb * 1024;
		sa.lft.soft_secs = c->soft_s;
		sa.lft.soft_bytes = c->soft_bytes;
		sa.lft.soft_packets = c->soft_packets;
		sa.lft.hard_packets = c->hard_packets;
		int r = xfrm_sa_update(d->xfrm, &sa);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* RFC 3947 §4: the peer's NAT gave it a new port; its SAs follow instead of being torn down. */
static void on_peer_moved(struct dmn *d, const struct proto_ike_event *ev)
{
	struct dmn_ike_sa *sa = dmn_map_get(&d->ike->sas, ev->sa_id);
	char from[64], to[64];
	struct sockaddr_storage ss;
	ike_proto_to_sockaddr(&ev->u.moved.old_peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, from, sizeof(from));
	ike_proto_to_sockaddr(&ev->peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, to, sizeof(to));
	if (sa) {
		sa->peer = ev->peer;
		sa->local = ev->local;
	}
	for (struct dmn_child *c = d->ike->child_head; c; c = c->next) {
		if (c->ike_sa_id != ev->sa_id || !c->natt)
			continue;
		c->encap_dport = ev->peer.port;
		c->encap_sport = ev->local.port;
		int r = ike_child_encap_update(d, c);
		if (r < 0)
			log_warn("%s: cannot move IPsec SA 0x%08x to %s: %s", c->conn, c->spi_out,
				 to, r == -EOPNOTSUPP ? "algorithm unknown" : xfrm_errmsg(d->xfrm));
		else
			log_info("%s: peer's NAT mapping moved from %s to %s: IPsec SAs "
				 "0x%08x/0x%08x "
				 "updated",
				 c->conn, from, to, c->spi_in, c->spi_out);
	}
}

static void sa_record_add(struct dmn *d, const struct proto_ike_event *ev, const char *name)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_ike_sa *sa = calloc(1, sizeof(*sa));
	if (!sa || dmn_map_put(&ik->sas, ev->sa_id, sa) < 0) {
		free(sa);
		log_err("out of memory for an ISAKMP SA record");
		return;
	}
	sa->sa_id = ev->sa_id;
	sa->conn_handle = ev->conn_handle;
	snprintf(sa->conn, sizeof(sa->conn), "%s", name);
	sa->initiator = ev->initiator;
	sa->local = ev->local;
	sa->peer = ev->peer;
	sa->p1 = ev->u.p1;
	sa->established_ms = dmn_now_ms(d);
	const struct dmn_conn *conn = conn_by_handle(d, ev->conn_handle, NULL);
	uint32_t life = ev->u.p1.lifetime_s;
	if (life) {
		sa->expire_ms = sa->established_ms + (uint64_t)life * 1000;
		if (conn && conn->rekey && conn->reauth)
			sa->reauth_ms = sa->expire_ms -
					(uint64_t)rekey_margin(conn, life, ev->initiator) * 1000;
	}
	/* IKEv1 children outlive their ISAKMP SA: a new one with the same peer (a
	 * reauthentication) takes them over, unless the peer says it rebooted (INITIAL-CONTACT
	 * then removes them). */
	unsigned adopted = 0;
	for (struct dmn_child *c = ik->child_head; c && !ev->u.p1.peer_initial_contact; c = c->next)
		if (strcmp(c->conn, name) == 0 && ike_addr_eq_noport(&c->peer, &ev->peer) &&
		    c->ike_sa_id != ev->sa_id) {
			c->ike_sa_id = ev->sa_id;
			adopted++;
		}
	if (adopted)
		log_info("%s: new ISAKMP SA with the peer takes over %u IPsec SA%s", name, adopted,
			 adopted == 1 ? "" : "s");
	sa->next = ik->sa_head;
	if (sa->next)
		sa->next->prev = sa;
	ik->sa_head = sa;
	ik->n_sas++;
	dmn_vici_ike_updown(d, sa, true);
}

static void sa_record_del(struct dmn *d, uint64_t sa_id)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_ike_sa *sa = dmn_map_del(&ik->sas, sa_id);
	if (!sa)
		return;
	dmn_vici_ike_updown(d, sa, false);
	if (sa->prev)
		sa->prev->next = sa->next;
	else
		ik->sa_head = sa->next;
	if (sa->next)
		sa->next->prev = sa->prev;
	ik->n_sas--;
	free(sa);
}

/* ---- Dead Peer Detection (RFC 3706) ---- */

/* The peer did not answer R-U-THERE: dpdaction= says what happens to its SAs. clear removes them,
 * hold removes the SAs but keeps the policies (traffic is dropped, never sent in the clear, until
 * a new negotiation replaces them), restart removes them and initiates the conn again. */
static void on_dpd_dead(struct dmn *d, const struct proto_ike_event *ev)
{
	struct dmn_ike *ik = d->ike;
	const struct dmn_conn *conn = conn_by_handle(d, ev->conn_handle, NULL);
	enum dmn_dpd_action act = conn ? conn->dpdaction : DMN_DPD_CLEAR;
	struct dmn_ike_sa *sa = dmn_map_get(&ik->sas, ev->sa_id);
	char name[64], peer[64];
	struct sockaddr_storage ss;
	snprintf(name, sizeof(name), "%s", conn ? conn->name : sa ? sa->conn : "?");
	ike_proto_to_sockaddr(&ev->peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, peer, sizeof(peer));
	if (sa)
		sa->dpd_dead++;
	log_warn("%s: peer %s is dead (DPD: no R-U-THERE-ACK within %u s): %s", name, peer,
		 conn ? conn->dpdtimeout : 0,
		 act == DMN_DPD_HOLD	  ? "holding its traffic"
		 : act == DMN_DPD_RESTART ? "restarting the connection"
					  : "clearing its SAs");
	for (struct dmn_child *c = ik->child_head, *next; c; c = next) {
		next = c->next;
		if (c->ike_sa_id != ev->sa_id)
			continue;
		if (act == DMN_DPD_HOLD)
			c->policies = false; /* leave them in the kernel */
		ike_child_remove_kernel(d, c);
		ike_child_free(d, c);
	}
	proto_ike_delete_sa(ik->engine, ev->sa_id); /* SA_GONE drops the record */
	if (act == DMN_DPD_RESTART && conn)
		dmn_ike_initiate(d, name);
}

/* The natt socket of a family (NULL if none). */
static const struct dmn_sock *natt_sock(const struct dmn *d, int family)
{
	for (unsigned i = 0; i < d->nsocks; i++)
		if (d->socks[i].family == family && d->socks[i].kind == DMN_SOCK_NATT)
			return &d->socks[i];
	return NULL;
}

/* RFC 3948 §2.3: a one-byte 0xff datagram keeps the NAT mapping in front of us open. */
static void send_keepalive(struct dmn *d, const struct dmn_ike_sa *sa)
{
	const struct dmn_sock *s = natt_sock(d, sa->peer.family);
	struct sockaddr_storage dst, src;
	if (!s)
		return;
	ike_proto_to_sockaddr(&sa->peer, &dst);
	ike_proto_to_sockaddr(&sa->local, &src);
	int r = dmn_sock_keepalive(s, (struct sockaddr *)&dst,
				   sa->local.family == sa->peer.family ? (struct sockaddr *)&src
								       : NULL);
	if (r == 0)
		d->ike->keepalives_sent++;
	else
		d->stats.tx_errors++;
}

/* Inbound bytes of the children of an ISAKMP SA, from the kernel's counters. */
static uint64_t children_in_bytes(struct dmn *d, uint64_t sa_id)
{
	uint64_t sum = 0;
	for (struct dmn_child *c = d->ike->child_head; c; c = c->next) {
		struct xfrm_sa_info info;
		if (c->ike_sa_id != sa_id || !c->sa_in)
			continue;
		struct xfrm_sa_id id;
		dmn_child_sa_id(c, true, false, &id);
		if (xfrm_sa_get(d->xfrm, &id, &info) == 0)
			sum += info.bytes;
	}
	return sum;
}

/*
 * A tunnel that received nothing for dpddelay is probed, at most once per dpddelay (RFC 3706 §5.3:
 * only when idle, so a busy tunnel costs no IKE traffic). The inbound byte counters are sampled
 * every dpddelay/4 (250 ms to 1 s), so a peer that dies is probed at most dpddelay + one sample
 * after its last packet, and declared dead dpdtimeout later.
 */
static void dpd_check(struct dmn *d, struct dmn_ike_sa *sa, uint64_t now)
{
	const struct dmn_conn *conn = conn_by_handle(d, sa->conn_handle, NULL);
	if (!conn || !conn->dpddelay || conn->dpdaction == DMN_DPD_NONE || !sa->p1.peer_dpd)
		return;
	uint64_t delay = (uint64_t)conn->dpddelay * 1000, sample = delay / 4;
	sample = sample < DMN_IKE_TICK_MS ? DMN_IKE_TICK_MS : sample > 1000 ? 1000 : sample;
	if (!sa->dpd_last_rx_ms) {
		sa->dpd_last_rx_ms = now;
		sa->dpd_sample_ms = now + sample;
		return;
	}
	if (now >= sa->dpd_sample_ms) {
		uint64_t bytes = children_in_bytes(d, sa->sa_id);
		if (bytes != sa->dpd_in_bytes)
			sa->dpd_last_rx_ms = now; /* traffic arrived: the peer is alive */
		sa->dpd_in_bytes = bytes;
		sa->dpd_sample_ms = now + sample;
	}
	if (now < sa->dpd_last_rx_ms + delay || now < sa->dpd_next_ms)
		return;
	sa->dpd_next_ms = now + delay;
	int r = proto_ike_dpd_probe(d->ike->engine, sa->sa_id, conn->dpdtimeout * 1000u);
	if (r == 0) {
		sa->dpd_probing = true;
		d->ike->dpd_probes++;
		log_debug("%s: tunnel idle for %u s: R-U-THERE sent", sa->conn, conn->dpddelay);
	}
}

/* Our probe of sa_id was answered or timed out. */
static void dpd_settled(struct dmn *d, uint64_t sa_id)
{
	struct dmn_ike_sa *sa = dmn_map_get(&d->ike->sas, sa_id);
	if (sa)
		sa->dpd_probing = false;
}

/* Dropped datagrams are counted, not logged one by one (a flood would fill the log): once a
 * minute, if any were dropped, one line says how many and why. */
static void drop_summary(struct dmn *d, uint64_t now)
{
	struct dmn_ike *ik = d->ike;
	if (now < ik->summary_next_ms)
		return;
	struct proto_ike_stats st, *o = &ik->summary_stats;
	proto_ike_get_stats(ik->engine, &st);
	uint64_t mal = st.drop_malformed - o->drop_malformed,
		 unk = st.drop_unknown_sa - o->drop_unknown_sa, mid = st.drop_msgid - o->drop_msgid,
		 ho = st.drop_half_open - o->drop_half_open, dup = st.duplicates - o->duplicates,
		 ev = st.evict_half_open - o->evict_half_open;
	if (!(mal || unk || mid || ho || ev))
		return; /* quiet: the next drop is reported at once */
	/* the first drop after a quiet minute is reported at the next tick, then once a minute */
	log_notice("since the last report dropped %llu malformed, %llu for unknown SAs, %llu with "
		   "wrong message IDs, "
		   "%llu over the half-open limit; %llu unanswered half-open SAs made room for new "
		   "ones; %llu duplicates answered from cache; %u half-open now",
		   (unsigned long long)mal, (unsigned long long)unk, (unsigned long long)mid,
		   (unsigned long long)ho, (unsigned long long)ev, (unsigned long long)dup,
		   st.half_open);
	ik->summary_next_ms = now + 60000;
	*o = st;
}

/*
 * keyingtries: a phase 1 we started failed; unless the conn still has an ISAKMP SA with the
 * peer (a failed reauthentication: the old SA carries on), it is started again after 1 s,
 * doubling up to DMN_RETRY_MAX_MS, until keyingtries attempts failed (0: %forever).
 */
static void plan_retry(struct dmn *d, const struct dmn_conn *conn, const char *peer)
{
	struct dmn_conn_handle *h = ike_handle_by_name(d->ike, conn->name);
	if (!h)
		return;
	for (const struct dmn_ike_sa *sa = d->ike->sa_head; sa; sa = sa->next)
		if (strcmp(sa->conn, conn->name) == 0)
			return;
	h->tries++;
	if (conn->keyingtries && h->tries >= conn->keyingtries) {
		log_warn("%s: giving up after %u failed attempt%s (keyingtries=%u)", conn->name,
			 h->tries, h->tries == 1 ? "" : "s", conn->keyingtries);
		h->tries = 0;
		h->retry_ms = 0;
		return;
	}
	uint64_t delay = h->tries >= 7 ? DMN_RETRY_MAX_MS : 1000ull << (h->tries - 1);
	if (delay > DMN_RETRY_MAX_MS)
		delay = DMN_RETRY_MAX_MS;
	h->retry_ms = dmn_now_ms(d) + delay;
	log_info("%s: attempt %u with %s failed; trying again in %llu s%s", conn->name, h->tries,
		 peer, (unsigned long long)(delay / 1000),
		 conn->keyingtries ? "" : " (keyingtries=%forever)");
}

/* The planned keyingtries attempts that are due (from the tick). */
static void retries_tick(struct dmn *d, uint64_t now)
{
	for (size_t k = 0; k < d->ike->n_handles; k++) {
		struct dmn_conn_handle *h = &d->ike->handles[k];
		if (!h->retry_ms || now < h->retry_ms)
			continue;
		h->retry_ms = 0;
		char name[64];
		snprintf(name, sizeof(name), "%s", h->name);
		ike_initiate(d, name, false); /* may grow (move) the handle table */
	}
}

/* After a flood of first messages has passed (many half-open SAs, all gone now), hands the
 * freed heap back to the kernel: glibc keeps most of it otherwise, and the daemon's RSS would
 * stay at the flood's peak. */
static void trim_after_flood(struct dmn *d)
{
	struct proto_ike_stats st;
	proto_ike_get_stats(d->ike->engine, &st);
	if (st.half_open >= DMN_TRIM_HALF_OPEN)
		d->ike->trim_pending = true;
	else if (d->ike->trim_pending && st.half_open == 0) {
		d->ike->trim_pending = false;
		malloc_trim(0);
	}
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct dmn *d = userdata;
	uint64_t now = dmn_now_ms(d);
	drop_summary(d, now);
	trim_after_flood(d);
	uint32_t ka = d->config ? d->config->setup.keep_alive : 20;
	for (struct dmn_ike_sa *sa = d->ike->sa_head, *next; sa; sa = next) {
		next = sa->next;
		if (ka && sa->p1.nat_local && sa->p1.natt && now >= sa->keepalive_next_ms) {
			if (sa->keepalive_next_ms)
				send_keepalive(d, sa);
			sa->keepalive_next_ms = now + (uint64_t)ka * 1000;
		}
		dpd_check(d, sa, now);
		ike_sa_lifetime_check(d, sa, now);
	}
	ike_children_tick(d, now);
	retries_tick(d, now);
	ike_pump(d);
	sd_event_source_set_time(s, usec + DMN_IKE_TICK_MS * 1000);
	return 0;
}

/* Keeps the last failure of each (conn, peer) for oakley explain, within DMN_FAILURES_MAX. */
static void record_failure(struct dmn *d, const struct proto_ike_event *ev, const char *conn,
			   const char *peer, uint8_t phase)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_failure *f = NULL, *oldest = NULL;
	for (unsigned i = 0; i < ik->n_failures; i++) {
		struct dmn_failure *o = &ik->failures[i];
		if (strcmp(o->conn, conn) == 0 && strcmp(o->peer, peer) == 0)
			f = o;
		if (!oldest || o->at_ms < oldest->at_ms)
			oldest = o;
	}
	unsigned count = f ? f->count : 0;
	if (!f)
		f = ik->n_failures < DMN_FAILURES_MAX ? &ik->failures[ik->n_failures++] : oldest;
	memset(f, 0, sizeof(*f));
	snprintf(f->conn, sizeof(f->conn), "%s", conn);
	snprintf(f->peer, sizeof(f->peer), "%s", peer);
	f->phase = phase;
	f->initiator = ev->initiator;
	f->reason = ev->reason;
	snprintf(f->text, sizeof(f->text), "%s",
		 ev->text[0] ? ev->text : proto_ike_reason_str(ev->reason));
	f->at_ms = dmn_now_ms(d);
	f->count = count + 1;
}

static void on_event(struct dmn *d, const struct proto_ike_event *ev)
{
	const struct dmn_conn *conn = conn_by_handle(d, ev->conn_handle, NULL);
	const char *name = conn ? conn->name : "(no conn)";
	char peer[64];
	struct sockaddr_storage ss;
	ike_proto_to_sockaddr(&ev->peer, &ss);
	dmn_sockaddr_str((struct sockaddr *)&ss, peer, sizeof(peer));
	char b1[32], b2[32], b3[32];
	switch (ev->type) {
	case PROTO_IKE_EV_P1_UP:
		/* The engine logs the info line (with the peer's ID); this one is for debugging. */
		log_debug(
			"%s: ISAKMP SA established with %s (%s): %s-%s-%s%s%u, lifetime %u s", name,
			peer, ev->u.p1.exchange == ISAKMP_XCHG_AGGRESSIVE ? "Aggressive" : "Main",
			proto_name_buf(PROTO_NAMES_IKE_ENCR, ev->u.p1.prop.encr, b1, sizeof(b1)),
			proto_name_buf(PROTO_NAMES_IKE_HASH, ev->u.p1.prop.hash, b2, sizeof(b2)),
			proto_name_buf(PROTO_NAMES_IKE_GROUP, ev->u.p1.prop.group, b3, sizeof(b3)),
			ev->u.p1.prop.key_bits ? " key " : "", ev->u.p1.prop.key_bits,
			ev->u.p1.lifetime_s);
		sa_record_add(d, ev, name);
		d->ike->p1_up++;
		if (conn) {
			struct dmn_conn_handle *h = ike_handle_by_name(d->ike, conn->name);
			if (h)
				h->tries = 0, h->retry_ms = 0;
		}
		break;
	case PROTO_IKE_EV_P1_FAILED:
		if (ev->reason < PROTO_IKE_REASON__MAX)
			d->ike->p1_failed[ev->reason]++;
		/* a responder negotiation the peer abandoned is what floods leave: not recorded */
		if (ev->initiator || ev->reason != PROTO_IKE_E_TIMEOUT || conn)
			record_failure(d, ev, conn ? conn->name : "", peer, 1);
		/* A responder-side negotiation that the peer never finished is what a spoofed MM1
		 * flood leaves behind: those lines are rate-limited (the drop summary counts). */
		if (!ev->initiator && ev->reason == PROTO_IKE_E_TIMEOUT &&
		    !dmn_ratelimit_ok(&d->ike->rl_halfopen, dmn_now_ms(d), "half-open timeouts"))
			break;
		log_warn("%s: ISAKMP SA with %s failed: %s", name, peer,
			 ev->text[0] ? ev->text : proto_ike_reason_str(ev->reason));
		if (conn)
			dmn_vici_initiate_failed(
				d, name, ev->text[0] ? ev->text : proto_ike_reason_str(ev->reason));
		if (conn && ev->initiator)
			plan_retry(d, conn, peer);
		break;
	case PROTO_IKE_EV_P2_UP:
		d->ike->p2_up++;
		on_child_up(d, ev);
		break;
	case PROTO_IKE_EV_P2_FAILED:
		if (ev->reason < PROTO_IKE_REASON__MAX)
			d->ike->p2_failed[ev->reason]++;
		record_failure(d, ev, conn ? conn->name : "", peer, 2);
		log_warn("%s: Quick Mode with %s failed: %s", name, peer,
			 ev->text[0] ? ev->text : proto_ike_reason_str(ev->reason));
		for (struct dmn_child *c = d->ike->child_head; c; c = c->next)
			if (c->rekey_msgid && c->rekey_msgid == ev->u.child.msgid) {
				c->rekey_msgid = 0;
				c->rekey_next_ms = dmn_now_ms(d) + 10000;
				log_warn(
					"%s: rekey of IPsec SA 0x%08x failed; trying again in 10 s",
					c->conn, c->spi_out);
			}
		if (conn)
			dmn_vici_initiate_failed(
				d, name, ev->text[0] ? ev->text : proto_ike_reason_str(ev->reason));
		break;
	case PROTO_IKE_EV_DELETE:
		on_delete(d, ev);
		break;
	case PROTO_IKE_EV_INITIAL_CONTACT:
		on_initial_contact(d, ev);
		break;
	case PROTO_IKE_EV_NOTIFY:
		log_notice("%s: notify %s from %s", name,
			   proto_name_buf(PROTO_NAMES_NOTIFY, ev->u.notify.type, b1, sizeof(b1)),
			   peer);
		break;
	case PROTO_IKE_EV_SA_GONE:
		sd_event_source_disable_unref(dmn_map_del(&d->ike->timers, ev->sa_id));
		sa_record_del(d, ev->sa_id);
		break;
	case PROTO_IKE_EV_PEER_MOVED:
		on_peer_moved(d, ev);
		break;
	case PROTO_IKE_EV_DPD_ACK:
		dpd_settled(d, ev->sa_id);
		log_debug("%s: R-U-THERE-ACK %u from %s", name, ev->u.dpd.seq, peer);
		break;
	case PROTO_IKE_EV_DPD_DEAD:
		dpd_settled(d, ev->sa_id);
		on_dpd_dead(d, ev);
		break;
	}
}

/* ---- timers, DH jobs, sends: carrying out the engine's actions ---- */

struct timer_ctx {
	struct dmn *d;
	uint64_t sa_id;
};

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)usec;
	struct timer_ctx *t = userdata;
	struct dmn *d = t->d;
	uint64_t sa_id = t->sa_id;
	/* One-shot: forget it before the engine possibly re-arms a new one. */
	if (dmn_map_get(&d->ike->timers, sa_id) == s)
		dmn_map_del(&d->ike->timers, sa_id);
	sd_event_source_disable_unref(s);
	proto_ike_timer(d->ike->engine, sa_id);
	ike_pump(d);
	return 0;
}

static void arm_timer(struct dmn *d, uint64_t sa_id, uint64_t deadline_ms)
{
	struct dmn_ike *ik = d->ike;
	sd_event_source *old = dmn_map_del(&ik->timers, sa_id);
	sd_event_source_disable_unref(old);
	if (deadline_ms == 0)
		return;
	struct timer_ctx *t = malloc(sizeof(*t));
	if (!t) {
		log_err("out of memory for a timer");
		return;
	}
	*t = (struct timer_ctx){d, sa_id};
	sd_event_source *s = NULL;
	int r = sd_event_add_time(d->ev, &s, CLOCK_MONOTONIC, deadline_ms * 1000, 1000, on_timer,
				  t);
	if (r >= 0)
		r = sd_event_source_set_destroy_callback(s, free);
	if (r < 0) {
		sd_event_source_unref(s);
		free(t);
		log_err("cannot arm a timer: %s", strerror(-r));
		return;
	}
	if (dmn_map_put(&ik->timers, sa_id, s) < 0) {
		sd_event_source_disable_unref(s);
		log_err("out of memory for a timer");
	}
}

struct dh_work {
	struct dmn_job job;
	struct dmn *d;
	struct proto_ike_dh_job *dh;
};

static void dh_run(struct dmn_job *j)
{
	struct dh_work *w = (struct dh_work *)j;
	proto_ike_dh_run(w->dh);
}

static void dh_done(struct dmn_job *j)
{
	struct dh_work *w = (struct dh_work *)j;
	struct dmn *d = w->d;
	if (d->ike && d->ike->engine)
		proto_ike_dh_done(d->ike->engine, w->dh, j->ran);
	free(w);
	if (d->ike && d->ike->engine)
		ike_pump(d);
}

static void submit_dh(struct dmn *d, struct proto_ike_dh_job *job)
{
	struct dh_work *w = calloc(1, sizeof(*w));
	int r = w ? 0 : -ENOMEM;
	if (w) {
		*w = (struct dh_work){.job = {.run = dh_run, .done = dh_done}, .d = d, .dh = job};
		r = dmn_workers_submit(d->workers, &w->job);
	}
	if (r < 0) {
		/* Overload: the exchange fails instead of queueing without bound. */
		free(w);
		proto_ike_dh_done(d->ike->engine, job, false);
	}
}

/* True if a conn names addr as its peer (right=): replies to it never go out through the
 * untrusted reply socket, whatever the state of the negotiation. */
static bool configured_peer(const struct dmn *d, const struct proto_ike_addr *addr)
{
	size_t n = addr->family == AF_INET6 ? 16 : 4;
	struct dmn_config_cands k;
	if (d->config && dmn_config_peer_candidates(d->config, addr->family, addr->addr, &k) == 0)
		return k.n_exact > 0;
	for (size_t i = 0; d->config && i < d->config->n_conns; i++) {
		const struct dmn_addr *h = &d->config->conns[i]->right.host;
		if (h->kind == DMN_ADDR_IP && h->family == addr->family &&
		    memcmp(h->bytes, addr->addr, n) == 0)
			return true;
	}
	return false;
}

static void send_datagram(struct dmn *d, const struct proto_ike_action *a)
{
	const struct dmn_sock *sock = NULL;
	for (unsigned i = 0; i < d->nsocks; i++)
		if (d->socks[i].family == a->dst.family &&
		    (d->socks[i].kind == DMN_SOCK_NATT) == a->natt)
			sock = &d->socks[i];
	if (!sock) {
		d->stats.tx_errors++;
		return;
	}
	struct sockaddr_storage dst, src;
	ike_proto_to_sockaddr(&a->dst, &dst);
	bool have_src = a->src.family == a->dst.family;
	if (have_src)
		ike_proto_to_sockaddr(&a->src, &src);
	bool untrusted = a->unproven && !configured_peer(d, &a->dst);
	int r = dmn_sock_send(sock, untrusted, a->data, a->len, (struct sockaddr *)&dst,
			      have_src ? (struct sockaddr *)&src : NULL);
	if (r < 0) {
		d->stats.tx_errors++;
		char b[64];
		if (dmn_ratelimit_ok(&d->ike->rl_drop, dmn_now_ms(d), "send errors"))
			log_warn("cannot send to %s: %s",
				 dmn_sockaddr_str((struct sockaddr *)&dst, b, sizeof(b)),
				 strerror(-r));
	} else {
		d->stats.tx_packets++;
	}
}

/* Carries out every queued action; the engine may queue more while we do (events are handled
 * after the datagrams queued before them, in order). */
void ike_pump(struct dmn *d)
{
	struct proto_ike_action a;
	while (proto_ike_next_action(d->ike->engine, &a)) {
		switch (a.type) {
		case PROTO_IKE_ACT_SEND:
			send_datagram(d, &a);
			break;
		case PROTO_IKE_ACT_TIMER:
			arm_timer(d, a.sa_id, a.deadline_ms);
			break;
		case PROTO_IKE_ACT_DH:
			submit_dh(d, a.job);
			break;
		case PROTO_IKE_ACT_EVENT:
			on_event(d, a.event);
			break;
		}
		proto_ike_action_release(&a);
	}
}

/* ---- entry points ---- */

void dmn_ike_input(struct dmn *d, const struct dmn_pkt *pkt)
{
	struct proto_ike_addr local, peer;
	sockaddr_to_proto(&pkt->local, &local);
	sockaddr_to_proto(&pkt->peer, &peer);
	if (pkt->local.ss_family != pkt->peer.ss_family)
		memset(&local, 0, sizeof(local)); /* no PKTINFO: unknown local address */
	enum proto_ike_input_result r = proto_ike_input(d->ike->engine, pkt->data, pkt->len, &local,
							&peer, pkt->sock->kind == DMN_SOCK_NATT);
	if (r == PROTO_IKE_IN_DROPPED)
		d->stats.rx_dropped++;
	ike_pump(d);
}

/* The local address the kernel would use towards peer (the %defaultroute / unset left= rule). */
static int route_source(const struct proto_ike_addr *peer, struct proto_ike_addr *ret)
{
	struct sockaddr_storage ss, got;
	socklen_t sl = ike_proto_to_sockaddr(peer, &ss), gl = sizeof(got);
	int fd = socket(peer->family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	/* connect() on UDP sends nothing: it only asks the routing table. */
	int r = connect(fd, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
	if (r == 0 && getsockname(fd, (struct sockaddr *)&got, &gl) < 0)
		r = -errno;
	close(fd);
	if (r == 0)
		sockaddr_to_proto(&got, ret);
	return r;
}

/* Our address and the peer's (with IKE ports) for initiating conn c; logs why not. */
static int conn_endpoints(struct dmn *d, const struct dmn_conn *c, struct proto_ike_addr *local,
			  struct proto_ike_addr *peer)
{
	const struct dmn_conn_handle *h = ike_handle_by_name(d->ike, c->name);
	if (c->right.host.kind == DMN_ADDR_HOSTNAME && h && h->resolved_ms) {
		*peer = h->resolved;
		peer->port = c->right.ikeport ? c->right.ikeport : d->opts.ike_port;
	} else if (c->right.host.kind != DMN_ADDR_IP) {
		log_err("%s: cannot initiate: right= is not an IP address%s", c->name,
			c->right.host.kind == DMN_ADDR_HOSTNAME ? " (its name is not resolved yet)"
								: "");
		return -EDESTADDRREQ;
	} else {
		addr_to_proto(c->right.host.family, c->right.host.bytes,
			      c->right.ikeport ? c->right.ikeport : d->opts.ike_port, peer);
	}
	int r = 0;
	if (c->left.host.kind == DMN_ADDR_IP)
		addr_to_proto(c->left.host.family, c->left.host.bytes, d->opts.ike_port, local);
	else
		r = route_source(peer, local);
	if (r < 0) {
		log_err("%s: no route to %s's address: %s", c->name, c->name, strerror(-r));
		return r;
	}
	local->port = d->opts.ike_port;
	return 0;
}

/*
 * auto=route: the conn's policies, with the template its SAs will match (same selectors,
 * priority and reqid as a child's), are installed without SAs, so that the first packet makes
 * the kernel send an ACQUIRE, which starts the negotiation. The child's policies replace them in
 * place, and they stay when its SAs go (ike_child_remove_kernel), until the conn is removed.
 */
static int conn_trap(struct dmn *d, size_t i, bool add)
{
	const struct dmn_conn *conn = d->config->conns[i];
	struct dmn_child t = {0};
	child_take_marks(&t, conn);
	struct proto_ike_conn pc;
	int r = conn_endpoints(d, conn, &t.local, &t.peer);
	if (r == 0)
		r = ike_conn_to_proto(d, i, &pc);
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
			host_ts(&t.local, &t.local_ts);
		if (pc.n_remote_ts)
			t.remote_ts = pc.remote_ts[k % nr];
		else
			host_ts(&t.peer, &t.remote_ts);
		int e = child_policies(d, &t, add);
		if (e < 0 && r == 0)
			r = e;
	}
	if (r < 0)
		log_err("%s: cannot %s its trap policies: %s", conn->name,
			add ? "install" : "remove", xfrm_errmsg(d->xfrm));
	else if (add)
		log_info("%s: routed: traffic for its subnets starts the negotiation", conn->name);
	return r;
}

bool ike_conn_routed(const struct dmn_conn *c)
{
	return c && (c->autostart == DMN_AUTO_ROUTE || c->autostart == DMN_AUTO_ONDEMAND);
}

/* Starts conn name (phase 1 and its Quick Modes, or phase 1 alone for a reauthentication).
 * Queues the engine's actions without carrying them out: the caller pumps. */
int ike_initiate(struct dmn *d, const char *name, bool reauth)
{
	size_t i;
	if (dmn_config_index_of(d->config, name, &i) == 0) {
		const struct dmn_conn *c = d->config->conns[i];
		struct proto_ike_addr peer, local;
		int r = 0;
		if (c->right.host.kind == DMN_ADDR_HOSTNAME) {
			(void)conn_handle(d, i);
			r = ike_resolve_peer(d, c, reauth);
			if (r == -EINPROGRESS)
				return 0; /* resolve_done initiates */
		}
		if (r == 0)
			r = conn_endpoints(d, c, &local, &peer);
		if (r < 0)
			return r;
		struct proto_ike_conn pc;
		r = ike_conn_to_proto(d, i, &pc);
		if (r < 0) {
			log_err("%s: cannot initiate: %s", name,
				r == -EOPNOTSUPP ? "ID type not supported yet" : strerror(-r));
			return r;
		}
		if (pc.local_id.type == 0) {
			pc.local_id.type = local.family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
			pc.local_id.len = (uint8_t)ike_alen(local.family);
			memcpy(pc.local_id.data, local.addr, pc.local_id.len);
		}
		/* INITIAL-CONTACT tells the peer to drop everything it has with us: only when we
		 * have nothing with it (RFC 2407 §4.6.3.3), never while other tunnels are up. */
		for (const struct dmn_ike_sa *s = d->ike->sa_head; s && pc.initial_contact;
		     s = s->next)
			pc.initial_contact = !ike_addr_eq_noport(&s->peer, &peer);
		for (const struct dmn_child *k = d->ike->child_head; k && pc.initial_contact;
		     k = k->next)
			pc.initial_contact = !ike_addr_eq_noport(&k->peer, &peer);
		uint64_t sa_id;
		if (reauth) {
			/* the peer did not reboot: its IPsec SAs stay */
			pc.initial_contact = false;
			r = proto_ike_initiate_p1(d->ike->engine, &pc, &local, &peer, &sa_id);
		} else {
			r = proto_ike_initiate(d->ike->engine, &pc, &local, &peer, &sa_id);
		}
		if (r < 0) {
			log_err("%s: cannot initiate: %s", name, strerror(-r));
			return r;
		}
		d->ike->p1_initiated++;
		log_info("%s: initiating %s Mode%s", name, c->aggressive ? "Aggressive" : "Main",
			 reauth ? " (reauthentication)" : "");
		return 0;
	}
	log_err("no connection named '%s'", name);
	return -ENOENT;
}

int dmn_ike_initiate(struct dmn *d, const char *name)
{
	int r = ike_initiate(d, name, false);
	ike_pump(d);
	return r;
}

int dmn_ike_terminate(struct dmn *d, const char *name)
{
	struct dmn_ike *ik = d->ike;
	int n = 0;
	struct dmn_conn_handle *h = ike_handle_by_name(ik, name);
	if (h)
		h->tries = 0, h->retry_ms = 0; /* brought down on purpose: no retry */
	for (struct dmn_child *c = ik->child_head, *next; c; c = next) {
		next = c->next;
		if (strcmp(c->conn, name) != 0)
			continue;
		proto_ike_delete_child(ik->engine, c->ike_sa_id, c->protocol, c->spi_in);
		ike_child_remove_kernel(d, c);
		ike_child_free(d, c);
	}
	for (struct dmn_ike_sa *sa = ik->sa_head, *next; sa; sa = next) {
		next = sa->next;
		if (strcmp(sa->conn, name) != 0)
			continue;
		uint64_t id = sa->sa_id;
		if (proto_ike_delete_sa(ik->engine, id) == 0)
			n++;
		sa_record_del(d, id); /* no-op if SA_GONE already removed it */
	}
	ike_pump(d);
	if (n == 0)
		return -ENOENT;
	log_info("%s: terminated %d ISAKMP SA%s", name, n, n == 1 ? "" : "s");
	return n;
}

static int on_start(sd_event_source *s, void *userdata)
{
	struct dmn *d = userdata;
	(void)s;
	for (size_t i = 0; d->config && i < d->config->n_conns; i++) {
		if (d->config->conns[i]->autostart == DMN_AUTO_START)
			dmn_ike_initiate(d, d->config->conns[i]->name);
		else if (ike_conn_routed(d->config->conns[i]))
			conn_trap(d, i, true);
	}
	return 0;
}

int dmn_ike_setup(struct dmn *d)
{
	struct dmn_ike *ik = calloc(1, sizeof(*ik));
	if (!ik)
		return -ENOMEM;
	d->ike = ik;
	ik->rl_drop = (struct dmn_ratelimit)DMN_RATELIMIT_INIT(10000, 10);
	ik->rl_halfopen = (struct dmn_ratelimit)DMN_RATELIMIT_INIT(10000, 10);
	struct proto_env env = {.ctx = d, .random = env_random, .now_ms = env_now, .log = env_log};
	struct proto_ike_policy pol = {
		.ctx = d,
		.find_p1 = policy_find_p1,
		.find_p2 = policy_find_p2,
		.get_psk = policy_get_psk,
		.alloc_spi = policy_alloc_spi,
	};
	ik->engine = proto_ike_engine_new(&env, &pol);
	if (!ik->engine)
		return -ENOMEM;
	proto_ike_set_natt_port(ik->engine, d->opts.natt_port);
	int rt = sd_event_add_time_relative(d->ev, &ik->tick, CLOCK_MONOTONIC,
					    DMN_IKE_TICK_MS * 1000, 10000, on_tick, d);
	if (rt >= 0)
		rt = sd_event_source_set_enabled(ik->tick, SD_EVENT_ON);
	if (rt < 0)
		return rt;
	/* SA expiry comes from the kernel; without the events the clock alone drives rekeys. */
	rt = xfrm_events_open(&ik->xev);
	if (rt == 0) {
		int fd = xfrm_fd(ik->xev);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		rt = sd_event_add_io(d->ev, &ik->xev_source, fd, EPOLLIN, ike_on_xfrm_readable, d);
	}
	if (rt < 0)
		log_warn("no xfrm events (%s): SA lifetimes are followed by the clock only",
			 strerror(-rt));
	/* Leftovers of a crashed run would shadow the new SAs: remove them (ours only). */
	int n = xfrm_flush_owned(d->xfrm);
	if (n > 0)
		log_notice("removed %d SAs and policies left over by an earlier oakleyd", n);
	/* auto=start conns come up once the loop runs. */
	return sd_event_add_defer(d->ev, NULL, on_start, d);
}

void dmn_ike_shutdown(struct dmn *d)
{
	struct dmn_ike *ik = d->ike;
	if (!ik || !ik->engine)
		return;
	/* Tell every peer (DELETE for each child and ISAKMP SA), then remove what we installed. */
	for (struct dmn_child *c = ik->child_head; c; c = c->next)
		proto_ike_delete_child(ik->engine, c->ike_sa_id, c->protocol, c->spi_in);
	for (struct dmn_ike_sa *sa = ik->sa_head; sa; sa = sa->next)
		proto_ike_delete_sa(ik->engine, sa->sa_id);
	ike_pump(d);
	while (ik->child_head) {
		ike_child_remove_kernel(d, ik->child_head);
		ike_child_free(d, ik->child_head);
	}
	/* Larval SAs of negotiations still in progress carry our reqids: remove them too. */
	int n = xfrm_flush_owned(d->xfrm);
	if (n > 0)
		log_debug("removed %d half-negotiated SAs", n);
}

void dmn_ike_config_changed(struct dmn *d)
{
	/* Handles are per conn name; a conn replaced over VICI keeps its tunnels, as in charon. */
	(void)d;
}

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

void dmn_ike_reload(struct dmn *d, struct dmn_config *cfg, struct dmn_secrets *secrets)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_config *old = d->config;
	unsigned kept = 0, gone = 0, started = 0;
	unsigned carried = carry_vici_conns(old, cfg);
	if (carried)
		log_notice("reload: %u connection%s loaded over VICI kept", carried,
			   carried == 1 ? "" : "s");
	for (size_t i = 0; old && i < old->n_conns; i++) {
		const struct dmn_conn *o = old->conns[i];
		const struct dmn_conn *n = dmn_config_find(cfg, o->name);
		if (n && dmn_conn_equal(o, n)) {
			kept++;
			continue;
		}
		log_notice("reload: %s %s: tearing its tunnels down", o->name,
			   n ? "changed" : "was removed");
		ik->unrouting = true;
		dmn_ike_terminate(d, o->name);
		ik->unrouting = false;
		if (ike_conn_routed(o))
			conn_trap(d, i, false);
		conn_handle_forget(ik, o->name);
		gone++;
	}
	d->config = cfg;
	dmn_secrets_free(d->secrets);
	d->secrets = secrets;
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct dmn_conn *n = cfg->conns[i];
		const struct dmn_conn *o = old ? dmn_config_find(old, n->name) : NULL;
		if (!o && strcmp(n->file, DMN_VICI_CONN_FILE) == 0) {
			kept++; /* carried over above, tunnels untouched */
			continue;
		}
		if (o && dmn_conn_equal(o, n))
			continue;
		if (n->autostart == DMN_AUTO_START) {
			dmn_ike_initiate(d, n->name);
			started++;
		} else if (ike_conn_routed(n)) {
			conn_trap(d, i, true);
		}
	}
	dmn_config_free(old);
	log_notice("reload: %zu connections: %u unchanged (tunnels kept), %u removed or changed, "
		   "%u started",
		   cfg->n_conns, kept, gone, started);
}

void dmn_ike_free(struct dmn *d)
{
	struct dmn_ike *ik = d->ike;
	if (!ik)
		return;
	ik->tick = sd_event_source_disable_unref(ik->tick);
	ik->xev_source = sd_event_source_disable_unref(ik->xev_source);
	xfrm_close(ik->xev);
	ik->xev = NULL;
	for (size_t i = 0; i < ik->timers.cap; i++)
		if (ik->timers.slots[i].key)
			sd_event_source_disable_unref(ik->timers.slots[i].value);
	dmn_map_clear(&ik->timers);
	while (ik->child_head)
		ike_child_free(d, ik->child_head);
	dmn_map_clear(&ik->children);
	while (ik->sa_head)
		sa_record_del(d, ik->sa_head->sa_id);
	dmn_map_clear(&ik->sas);
	free(ik->handles);
	proto_ike_engine_free(ik->engine);
	ik->engine = NULL;
	free(ik);
	d->ike = NULL;
}
