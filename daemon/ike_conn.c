// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the config says to the IKE engine: conns converted to the engine's proto_ike_conn (IDs,
 * proposals, selectors), the conn handles and reqids that outlive a reload, the engine's policy
 * callbacks (which conn a peer's phase 1 or Quick Mode falls under, its PSK, SPIs from the
 * kernel) and the addresses a conn is initiated from and to.
 */
#include "daemon/ike_certs.h"
#include "daemon/ike_glue.h"
#include "daemon/ike_glue_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/certs.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/secrets.h"
#include "proto/consts.h"
#include "xfrm/xfrm.h"

/* ---- conversions between config and engine ---- */

size_t dmn_ike_alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

bool dmn_ike_addr_eq_noport(const struct proto_ike_addr *a, const struct proto_ike_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, dmn_ike_alen(a->family)) == 0;
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
		ret->len = (uint8_t)dmn_ike_alen(host->family);
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
	case DMN_ID_DN: /* our own: the certificate's subject (daemon/ike_certs.c); the peer's:
			   any, matched with wildcards by the verify callback */
		return 0;
	default:
		/* TODO(rfc2407 §4.6.2.1): KEY_ID IDs. */
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

/* ---- conn handles by name: every initiate, resolve and auto=start looks one up ---- */

/* The index slot that holds name's handle, or the empty slot where it would go. */
static size_t handle_slot(const struct dmn_ike *ik, const char *name)
{
	size_t mask = ik->handle_ix_cap - 1, i = dmn_name_hash(name) & mask;
	while (ik->handle_ix[i] && strcmp(ik->handles[ik->handle_ix[i] - 1].name, name) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Makes the index hold every handle in cap slots. On -ENOMEM the index is dropped and lookups
 * walk the handles until a later rebuild succeeds. */
static int handle_ix_rebuild(struct dmn_ike *ik, size_t cap)
{
	free(ik->handle_ix);
	ik->handle_ix_cap = 0;
	if (!(ik->handle_ix = calloc(cap, sizeof(*ik->handle_ix))))
		return -ENOMEM;
	ik->handle_ix_cap = cap;
	for (size_t k = 0; k < ik->n_handles; k++)
		ik->handle_ix[handle_slot(ik, ik->handles[k].name)] = (uint32_t)(k + 1);
	return 0;
}

/* Removes name from the index (backward-shift deletion: no tombstones). */
static void handle_ix_del(struct dmn_ike *ik, const char *name)
{
	size_t mask = ik->handle_ix_cap - 1, i = handle_slot(ik, name);
	if (!ik->handle_ix[i])
		return;
	for (size_t j = (i + 1) & mask; ik->handle_ix[j]; j = (j + 1) & mask) {
		size_t home = dmn_name_hash(ik->handles[ik->handle_ix[j] - 1].name) & mask;
		/* the entry at j may move to the hole at i unless its home lies in (i, j] */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			ik->handle_ix[i] = ik->handle_ix[j];
			i = j;
		}
	}
	ik->handle_ix[i] = 0;
}

struct dmn_conn_handle *dmn_ike_handle_by_name(const struct dmn_ike *ik, const char *name)
{
	if (ik->handle_ix) {
		uint32_t k = ik->handle_ix[handle_slot(ik, name)];
		return k ? &ik->handles[k - 1] : NULL;
	}
	for (size_t k = 0; k < ik->n_handles; k++)
		if (strcmp(ik->handles[k].name, name) == 0)
			return &ik->handles[k];
	return NULL;
}

/* The handle of conn number index, assigning one on first use (0 only when out of memory). */
uint64_t dmn_ike_conn_handle(const struct dmn *d, size_t index)
{
	struct dmn_ike *ik = d->ike;
	const char *name = d->config->conns[index]->name;
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(ik, name);
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
	if (dmn_map_put(&ik->handle_by_id, h->id, (void *)(uintptr_t)ik->n_handles) < 0)
		ik->handle_id_partial = true;
	if (ik->handle_ix && 2 * ik->n_handles <= ik->handle_ix_cap) {
		ik->handle_ix[handle_slot(ik, h->name)] = (uint32_t)ik->n_handles;
	} else {
		size_t cap = 64;
		while (2 * ik->n_handles > cap)
			cap *= 2;
		(void)handle_ix_rebuild(ik, cap); /* else lookups walk the handles */
	}
	return h->id;
}

/* Forgets name's handle: events of SAs negotiated under it no longer find a conn. */
void dmn_ike_conn_handle_forget(struct dmn_ike *ik, const char *name)
{
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(ik, name);
	if (!h)
		return;
	size_t k = (size_t)(h - ik->handles), last = ik->n_handles - 1;
	if (ik->handle_ix) {
		handle_ix_del(ik, h->name);
		if (k != last) /* the last handle moves into k */
			ik->handle_ix[handle_slot(ik, ik->handles[last].name)] = (uint32_t)(k + 1);
	}
	dmn_map_del(&ik->handle_by_id, h->id);
	if (k != last &&
	    dmn_map_put(&ik->handle_by_id, ik->handles[last].id, (void *)(uintptr_t)(k + 1)) < 0)
		ik->handle_id_partial = true;
	*h = ik->handles[last];
	ik->n_handles--;
}

const struct dmn_conn *dmn_ike_conn_by_handle(const struct dmn *d, uint64_t handle, size_t *ret_i)
{
	const struct dmn_ike *ik = d->ike;
	if (!handle || !d->config)
		return NULL;
	size_t k = (size_t)(uintptr_t)dmn_map_get(&ik->handle_by_id, handle);
	if (k && k <= ik->n_handles && ik->handles[k - 1].id == handle) {
		k--;
	} else if (ik->handle_id_partial) { /* the index missed an insert: walk */
		for (k = 0; k < ik->n_handles && ik->handles[k].id != handle; k++)
			;
		if (k == ik->n_handles)
			return NULL;
	} else {
		return NULL;
	}
	size_t i;
	if (dmn_config_index_of(d->config, ik->handles[k].name, &i) < 0)
		return NULL;
	if (ret_i)
		*ret_i = i;
	return d->config->conns[i];
}

/*
 * The reqid that ties conn number i's policies to its SAs: reqid= if set, else one derived from
 * the conn's handle, which a conn keeps across reloads while it does not change (an index into
 * the conn list would hand a kept tunnel's reqid to another conn after a reload, and the kernel
 * would then send that tunnel's traffic into the other conn's SAs).
 */
uint32_t dmn_ike_conn_reqid(const struct dmn *d, size_t i)
{
	const struct dmn_conn *c = d->config->conns[i];
	if (c->reqid)
		return c->reqid;
	uint64_t h = dmn_ike_conn_handle(d, i);
	return XFRM_REQID_MIN + 1 + (uint32_t)(h % (XFRM_REQID_MAX - XFRM_REQID_MIN));
}

/* Fills the engine's view of conn number i. Returns 0 or -errno (logged once by the caller). */
int dmn_ike_conn_to_proto(const struct dmn *d, size_t i, struct proto_ike_conn *ret)
{
	const struct dmn_conn *c = d->config->conns[i];
	memset(ret, 0, sizeof(*ret));
	ret->handle = dmn_ike_conn_handle(d, i);
	ret->reqid = dmn_ike_conn_reqid(d, i);
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
	ret->fragmentation = c->fragmentation == DMN_NO		    ? PROTO_IKE_FRAG_NO
			     : c->fragmentation == DMN_FORCE	    ? PROTO_IKE_FRAG_FORCE
			     : c->fragmentation == DMN_AUTO_DEFAULT ? PROTO_IKE_FRAG_ACCEPT
								    : PROTO_IKE_FRAG_YES;
	ret->fragment_size = (uint16_t)c->fragment_size;
	ret->retransmit_interval_ms = c->retransmit_interval;
	ret->retransmit_timeout_ms = c->retransmit_timeout > UINT32_MAX / 1000
					     ? UINT32_MAX
					     : c->retransmit_timeout * 1000;
	for (size_t k = 0; k < c->left.n_subnets && ret->n_local_ts < PROTO_IKE_TS_MAX; k++)
		subnet_to_ts(&c->left.subnets[k], &ret->local_ts[ret->n_local_ts++]);
	for (size_t k = 0; k < c->right.n_subnets && ret->n_remote_ts < PROTO_IKE_TS_MAX; k++)
		subnet_to_ts(&c->right.subnets[k], &ret->remote_ts[ret->n_remote_ts++]);
	/* leftprotoport=/rightprotoport= narrow a side that is its host address */
	ret->local_proto = c->left.proto;
	ret->local_port = c->left.port_lo == c->left.port_hi ? c->left.port_lo : 0;
	ret->remote_proto = c->right.proto;
	ret->remote_port = c->right.port_lo == c->right.port_hi ? c->right.port_lo : 0;
	return dmn_ike_certs_to_proto(d, c, ret); /* signature methods, our DN */
}

/* ---- policy callbacks ---- */

/* How well a configured address matches a real one: 2 exact, 1 wildcard, 0 no. */
static int addr_match(const struct dmn_addr *cfg, const struct proto_ike_addr *a)
{
	switch (cfg->kind) {
	case DMN_ADDR_IP:
		return cfg->family == a->family &&
				       memcmp(cfg->bytes, a->addr, dmn_ike_alen(a->family)) == 0
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
	if (c->auth != DMN_AUTH_PSK) /* the verify callback matches the certificate too */
		return dmn_certs_cfg_id_is_payload(&c->right.id, peer_id->type, peer_id->data,
						   peer_id->len);
	if (c->right.id.type == DMN_ID_DEFAULT) {
		/* No rightid: the peer must identify itself with the address it comes from. */
		return (got.type == DMN_ID_IPV4 && peer->family == AF_INET &&
			memcmp(got.addr, peer->addr, 4) == 0) ||
		       (got.type == DMN_ID_IPV6 && peer->family == AF_INET6 &&
			memcmp(got.addr, peer->addr, 16) == 0);
	}
	return dmn_id_equal(&c->right.id, &got);
}

int dmn_ike_policy_find_p1(void *ctx, const struct proto_ike_addr *local,
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
		    dmn_ike_resolved_peer_is(d, c, peer))
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
	return dmn_ike_conn_to_proto(d, best_i, ret);
}

static bool ts_inside(const struct proto_ike_ts *t, const struct dmn_subnet *s)
{
	size_t n = dmn_ike_alen(t->family);
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
		size_t n = dmn_ike_alen(ts->family);
		bool port_set = side->port_lo == side->port_hi && side->port_lo;
		return ts->family == host->family && memcmp(ts->from, host->addr, n) == 0 &&
		       memcmp(ts->to, host->addr, n) == 0 &&
		       (!side->proto || ts->proto == side->proto) &&
		       (!port_set || ts->port == side->port_lo);
	}
	for (size_t k = 0; k < side->n_subnets; k++)
		if (ts_inside(ts, &side->subnets[k]))
			return true;
	return false;
}

/* Whether conn c's selectors contain local_ts/remote_ts, peer being the address of a right= that
 * is not one. */
static bool flow_in_conn(const struct dmn_conn *c, const struct proto_ike_addr *peer,
			 const struct proto_ike_ts *local_ts, const struct proto_ike_ts *remote_ts)
{
	struct proto_ike_addr lh = {0}, rh = {0};
	if (c->left.host.kind == DMN_ADDR_IP)
		dmn_addr_make(c->left.host.family, c->left.host.bytes, 0, &lh);
	if (c->right.host.kind == DMN_ADDR_IP)
		dmn_addr_make(c->right.host.family, c->right.host.bytes, 0, &rh);
	else if (peer)
		rh = *peer; /* right=%any or a name: the address it came from */
	return side_has_ts(&c->left, local_ts, &lh) && side_has_ts(&c->right, remote_ts, &rh);
}

/* Whether conn c would negotiate local_ts/remote_ts with peer: its selectors contain them and a
 * right= address is peer's. */
bool dmn_ike_conn_has_flow(const struct dmn_conn *c, const struct proto_ike_addr *peer,
			   const struct proto_ike_ts *local_ts,
			   const struct proto_ike_ts *remote_ts)
{
	if (c->right.host.kind == DMN_ADDR_IP &&
	    (c->right.host.family != peer->family ||
	     memcmp(c->right.host.bytes, peer->addr, dmn_ike_alen(peer->family)) != 0))
		return false;
	return flow_in_conn(c, peer, local_ts, remote_ts);
}

int dmn_ike_policy_find_p2(void *ctx, const struct proto_ike_conn *p1,
			   const struct proto_ike_addr *peer, const struct proto_ike_ts *local_ts,
			   const struct proto_ike_ts *remote_ts, struct proto_ike_conn *ret)
{
	struct dmn *d = ctx;
	size_t p1_i;
	const struct dmn_conn *pc = dmn_ike_conn_by_handle(d, p1->handle, &p1_i);
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
			if (flow_in_conn(c, peer, local_ts, remote_ts))
				return dmn_ike_conn_to_proto(d, i, ret);
		}
	}
	return -ENOENT;
}

int dmn_ike_policy_get_psk(void *ctx, const struct proto_ike_conn *conn,
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

int dmn_ike_policy_alloc_spi(void *ctx, const struct proto_ike_conn *conn, uint8_t protocol,
			     const struct proto_ike_addr *local, const struct proto_ike_addr *peer,
			     uint32_t *ret_spi)
{
	struct dmn *d = ctx;
	struct xfrm_ipaddr src, dst;
	dmn_addr_to_xfrm(peer, &src);
	dmn_addr_to_xfrm(local, &dst);
	uint8_t ipproto = dmn_ipproto(protocol);
	/* the default range of a CPI is the negotiable one, 256..61439 (RFC 3173 §3.3) */
	int r = dmn_kernel_allocspi(&d->kernel, &src, &dst, ipproto, conn->reqid, ret_spi);
	if (r < 0)
		log_warn("%s: cannot allocate %s: %s", conn->name,
			 ipproto == IPPROTO_COMP ? "a CPI" : "an SPI",
			 dmn_kernel_errmsg(&d->kernel));
	return r;
}

/* True if a conn names addr as its peer (right=): replies to it never go out through the
 * untrusted reply socket, whatever the state of the negotiation. */
bool dmn_ike_configured_peer(const struct dmn *d, const struct proto_ike_addr *addr)
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

/* ---- where a conn is initiated from and to ---- */

/* The local address the kernel would use towards peer (the %defaultroute / unset left= rule). */
static int route_source(const struct proto_ike_addr *peer, struct proto_ike_addr *ret)
{
	struct sockaddr_storage ss, got;
	socklen_t sl = dmn_addr_to_sockaddr(peer, &ss), gl = sizeof(got);
	int fd = socket(peer->family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	/* connect() on UDP sends nothing: it only asks the routing table. */
	int r = connect(fd, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
	if (r == 0 && getsockname(fd, (struct sockaddr *)&got, &gl) < 0)
		r = -errno;
	close(fd);
	if (r == 0)
		dmn_addr_from_sockaddr(&got, ret);
	return r;
}

/* Our address and the peer's (with IKE ports) for initiating conn c; logs why not. */
int dmn_ike_conn_endpoints(struct dmn *d, const struct dmn_conn *c, struct proto_ike_addr *local,
			   struct proto_ike_addr *peer)
{
	const struct dmn_conn_handle *h = dmn_ike_handle_by_name(d->ike, c->name);
	if (c->right.host.kind == DMN_ADDR_HOSTNAME && h && h->resolved_ms) {
		*peer = h->resolved;
		peer->port = c->right.ikeport ? c->right.ikeport : d->opts.ike_port;
	} else if (c->right.host.kind != DMN_ADDR_IP) {
		log_err("%s: cannot initiate: right= is not an IP address%s", c->name,
			c->right.host.kind == DMN_ADDR_HOSTNAME ? " (its name is not resolved yet)"
								: "");
		return -EDESTADDRREQ;
	} else {
		dmn_addr_make(c->right.host.family, c->right.host.bytes,
			      c->right.ikeport ? c->right.ikeport : d->opts.ike_port, peer);
	}
	int r = 0;
	if (c->left.host.kind == DMN_ADDR_IP)
		dmn_addr_make(c->left.host.family, c->left.host.bytes, d->opts.ike_port, local);
	else
		r = route_source(peer, local);
	if (r < 0) {
		log_err("%s: no route to %s's address: %s", c->name, c->name, strerror(-r));
		return r;
	}
	local->port = d->opts.ike_port;
	return 0;
}

bool dmn_ike_conn_routed(const struct dmn_conn *c)
{
	return c && (c->autostart == DMN_AUTO_ROUTE || c->autostart == DMN_AUTO_ONDEMAND);
}

struct dmn_conn_handle *dmn_ike_handle(const struct dmn *d, const char *name)
{
	return d->ike ? dmn_ike_handle_by_name(d->ike, name) : NULL;
}

/* ---- keyingtries ---- */

/*
 * keyingtries: a phase 1 we started failed; unless the conn still has an ISAKMP SA with the
 * peer (a failed reauthentication: the old SA carries on), it is started again after 1 s,
 * doubling up to DMN_RETRY_MAX_MS, until keyingtries attempts failed (0: %forever).
 */
void dmn_ike_plan_retry(struct dmn *d, const struct dmn_conn *conn, const char *peer)
{
	struct dmn_conn_handle *h = dmn_ike_handle_by_name(d->ike, conn->name);
	if (!h)
		return;
	h->connecting_ms = 0;
	for (const struct dmn_ike_sa *sa = dmn_ike_sas(d); sa; sa = dmn_ike_sa_next(sa))
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
void dmn_ike_retries_tick(struct dmn *d, uint64_t now)
{
	for (size_t k = 0; k < d->ike->n_handles; k++) {
		struct dmn_conn_handle *h = &d->ike->handles[k];
		if (!h->retry_ms || now < h->retry_ms)
			continue;
		h->retry_ms = 0;
		char name[64];
		snprintf(name, sizeof(name), "%s", h->name);
		dmn_ike_start(d, name, false); /* may grow (move) the handle table */
	}
}
