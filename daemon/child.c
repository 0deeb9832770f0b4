// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel side of a child (daemon/child.h): one builder for its SA of each direction, used by
 * the install (and the rekey's delayed outbound SA) and by the NAT-T encapsulation update; one
 * for its policies, used by the child and by its conn's traps; and their removal.
 */
#include "daemon/child.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/convert.h"
#include "daemon/ike_glue.h"
#include "daemon/kalg.h"
#include "daemon/kernel.h"
#include "daemon/log.h"
#include "proto/consts.h"

void dmn_child_sa_id(const struct dmn_child *c, bool inbound, bool comp, struct xfrm_sa_id *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->spi = comp ? (inbound ? c->cpi_in : c->cpi_out) : (inbound ? c->spi_in : c->spi_out);
	ret->proto = comp ? IPPROTO_COMP : dmn_ipproto(c->protocol);
	dmn_addr_to_xfrm(inbound ? &c->peer : &c->local, &ret->src);
	dmn_addr_to_xfrm(inbound ? &c->local : &c->peer, &ret->dst);
	ret->mark_v = inbound ? c->mark_in : c->mark_out;
	ret->mark_m = inbound ? c->mark_in_mask : c->mark_out_mask;
}

bool dmn_child_installed(const struct dmn_child *c)
{
	return c->sa_in && (c->sa_out || c->out_pending);
}

void dmn_child_take_conn(struct dmn_child *c, const struct dmn_conn *conn)
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

/* ---- building: SAs ---- */

/* The selector of child c's traffic in one direction: its negotiated traffic selectors. */
static void child_sel(const struct dmn_child *c, bool out, struct xfrm_sel *sel)
{
	const struct proto_ike_ts *src = out ? &c->local_ts : &c->remote_ts;
	const struct proto_ike_ts *dst = out ? &c->remote_ts : &c->local_ts;
	dmn_ts_to_xfrm(src, &sel->src, &sel->src_len);
	dmn_ts_to_xfrm(dst, &sel->dst, &sel->dst_len);
	sel->proto = src->proto;
	sel->sport = src->port;
	sel->dport = dst->port;
}

/* What every SA of child c in one direction carries: endpoints, reqid, mark and if_id. */
static void child_sa_common(const struct dmn_child *c, bool inbound, struct xfrm_sa *sa)
{
	dmn_addr_to_xfrm(inbound ? &c->peer : &c->local, &sa->src);
	dmn_addr_to_xfrm(inbound ? &c->local : &c->peer, &sa->dst);
	sa->reqid = c->reqid;
	sa->mark_v = inbound ? c->mark_in : c->mark_out;
	sa->mark_m = inbound ? c->mark_in_mask : c->mark_out_mask;
	sa->if_id = inbound ? c->if_id_in : c->if_id_out;
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
static void child_sa_mode(const struct dmn_child *c, bool inbound, struct xfrm_sa *sa)
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

/* The keys: km holds the encryption key (ESP), then the integrity key. */
static int child_sa_keys(const struct dmn_child *c, const uint8_t *km, struct xfrm_sa *sa)
{
	bool esp = c->protocol == PROTO_IPSEC_ESP;
	const struct dmn_kalg *enc = esp ? dmn_kalg_esp(c->transform) : NULL;
	const struct dmn_kalg *auth = c->auth ? dmn_kalg_auth(c->auth) : NULL;
	if ((esp && !enc) || (c->auth && !auth) || (!esp && !auth))
		return -EOPNOTSUPP;
	if (enc) {
		struct xfrm_key *k = enc->aead ? &sa->aead : &sa->enc;
		*k = (struct xfrm_key){
			.alg = enc->kernel, .key = km, .len = c->enc_key_len, .bits = enc->bits};
	}
	if (auth)
		sa->auth = (struct xfrm_key){.alg = auth->kernel,
					     .key = km + (esp ? c->enc_key_len : 0),
					     .len = c->auth_key_len,
					     .bits = auth->bits};
	return 0;
}

/* THE builder of child c's ESP/AH SA of one direction, keyed with km. 0 or -EOPNOTSUPP. */
static int child_sa_build(const struct dmn_child *c, bool inbound, const uint8_t *km,
			  struct xfrm_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	child_sa_common(c, inbound, sa);
	sa->spi = inbound ? c->spi_in : c->spi_out;
	sa->proto = dmn_ipproto(c->protocol);
	child_sa_mode(c, inbound, sa);
	sa->replay_window = c->replay_window;
	int r = child_sa_keys(c, km, sa);
	if (r < 0)
		return r;
	if (c->natt) {
		sa->encap = true;
		sa->encap_sport = inbound ? c->encap_dport : c->encap_sport;
		sa->encap_dport = inbound ? c->encap_sport : c->encap_dport;
		if (c->has_oa && c->mode == ENCAP_TRANSPORT)
			dmn_addr_to_xfrm(&c->oa_peer, &sa->encap_oa);
	}
	sa->lft.hard_secs = c->lifetime_s;
	sa->lft.hard_bytes = (uint64_t)c->lifetime_kb * 1024;
	sa->lft.soft_secs = c->soft_s;
	sa->lft.soft_bytes = c->soft_bytes;
	sa->lft.soft_packets = c->soft_packets;
	sa->lft.hard_packets = c->hard_packets;
	return 0;
}

/* The IPComp SA of one direction (inbound: over the larval SA its CPI's ALLOCSPI left). It has
 * no lifetime of its own: it goes with its child. */
static int child_comp_sa(struct dmn *d, struct dmn_child *c, bool inbound)
{
	struct xfrm_sa sa = {0};
	child_sa_common(c, inbound, &sa);
	sa.spi = inbound ? c->cpi_in : c->cpi_out;
	sa.proto = IPPROTO_COMP;
	sa.mode = c->mode == ENCAP_TRANSPORT ? XFRM_MODE_TRANSPORT : XFRM_MODE_TUNNEL;
	sa.comp = (struct xfrm_key){.alg = "deflate"}; /* IPCOMP_DEFLATE, RFC 2394 */
	int r = inbound ? dmn_kernel_sa_update(&d->kernel, &sa)
			: dmn_kernel_sa_add(&d->kernel, &sa);
	if (inbound)
		c->comp_in = r == 0;
	else
		c->comp_out = r == 0;
	return r;
}

int dmn_child_sa_install(struct dmn *d, struct dmn_child *c, const struct proto_ike_child *ch,
			 bool inbound)
{
	if (c->ipcomp) {
		if (ch->ipcomp_transform != IPCOMP_DEFLATE)
			return -EOPNOTSUPP;
		int r = child_comp_sa(d, c, inbound);
		if (r < 0)
			return r;
	}
	struct xfrm_sa sa;
	int r = child_sa_build(c, inbound, inbound ? ch->keymat_in : ch->keymat_out, &sa);
	if (r < 0)
		return r;
	/* Inbound replaces the larval SA ALLOCSPI left; outbound is new. */
	return inbound ? dmn_kernel_sa_update(&d->kernel, &sa) : dmn_kernel_sa_add(&d->kernel, &sa);
}

/*
 * UPDSA still wants well-formed key attributes: a fixed non-secret pattern of the right length
 * (never a weak DES key) is sent, so the daemon need not keep the KEYMAT.
 */
int dmn_ike_child_encap_update(struct dmn *d, struct dmn_child *c)
{
	uint8_t pattern[PROTO_IKE_KEYMAT_MAX];
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 37 + 11);
	if (!c->natt || c->enc_key_len + c->auth_key_len > sizeof(pattern))
		return -EOPNOTSUPP;
	int ret = 0;
	for (int inbound = 0; inbound < 2; inbound++) {
		struct xfrm_sa sa;
		int r = child_sa_build(c, inbound, pattern, &sa);
		if (r == 0)
			r = dmn_kernel_sa_update(&d->kernel, &sa);
		if (r == -EOPNOTSUPP)
			return r;
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* ---- building: policies ---- */

/* The templates of a policy of c. With IPComp: [IPComp, ESP/AH], IPComp applied first on the way
 * out and carrying the tunnel; optional inbound, where small packets come uncompressed (RFC 3173
 * §2.2). */
static void child_tmpls(const struct dmn_child *c, bool out, struct xfrm_policy *p)
{
	p->n_tmpls = c->ipcomp ? 2 : 1;
	for (size_t i = 0; i < p->n_tmpls; i++) {
		struct xfrm_tmpl *t = &p->tmpls[i];
		bool comp = c->ipcomp && i == 0;
		t->proto = comp ? IPPROTO_COMP : dmn_ipproto(c->protocol);
		t->mode = c->mode == ENCAP_TRANSPORT || (c->ipcomp && !comp) ? XFRM_MODE_TRANSPORT
									     : XFRM_MODE_TUNNEL;
		t->reqid = c->reqid;
		t->optional = comp && !out;
		if (t->mode == XFRM_MODE_TUNNEL) {
			dmn_addr_to_xfrm(out ? &c->local : &c->peer, &t->src);
			dmn_addr_to_xfrm(out ? &c->peer : &c->local, &t->dst);
		}
	}
}

/* THE builder of child c's policy of direction dir. */
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
	child_tmpls(c, out, p);
}

int dmn_child_policies(struct dmn *d, const struct dmn_child *c, bool add)
{
	static const uint8_t dirs[] = {XFRM_POLICY_IN, XFRM_POLICY_FWD, XFRM_POLICY_OUT};
	int ret = 0;
	for (size_t i = 0; i < sizeof(dirs); i++) {
		if (dirs[i] == XFRM_POLICY_FWD && c->mode != ENCAP_TUNNEL)
			continue;
		struct xfrm_policy p;
		child_policy(c, dirs[i], &p);
		int r = add ? dmn_kernel_policy_update(&d->kernel, &p)
			    : dmn_kernel_policy_del(&d->kernel, &p);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* ---- removing ---- */

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

/* Deletes one of child c's SAs (comp: its IPComp SA, larval or not); 0 or -errno. */
static int child_sa_del(struct dmn *d, const struct dmn_child *c, bool inbound, bool comp)
{
	struct xfrm_sa_id id;
	dmn_child_sa_id(c, inbound, comp, &id);
	return dmn_kernel_sa_del(&d->kernel, &id);
}

void dmn_child_kernel_remove(struct dmn *d, struct dmn_child *c, bool keep_policies)
{
	if (c->comp_in)
		c->comp_in = !child_del_done(d, c, "its inbound IPComp SA",
					     child_sa_del(d, c, true, true));
	if (c->comp_out)
		c->comp_out = !child_del_done(d, c, "its outbound IPComp SA",
					      child_sa_del(d, c, false, true));
	if (c->sa_in)
		c->sa_in = !child_del_done(d, c, "its inbound SA", child_sa_del(d, c, true, false));
	if (c->sa_out)
		c->sa_out =
			!child_del_done(d, c, "its outbound SA", child_sa_del(d, c, false, false));
	if (c->policies && !keep_policies)
		c->policies =
			!child_del_done(d, c, "its policies", dmn_child_policies(d, c, false));
	else if (c->policies)
		c->policies = false; /* the conn's traps now */
}

void dmn_child_larval_remove(struct dmn *d, const struct dmn_child *c)
{
	if (!c->sa_in)
		child_del_done(d, c, "its larval inbound SA", child_sa_del(d, c, true, false));
	if (!c->sa_in && c->ipcomp && !c->comp_in)
		child_del_done(d, c, "its larval IPComp SA", child_sa_del(d, c, true, true));
}

void dmn_child_spare_cpi_remove(struct dmn *d, const struct dmn_child *c, uint16_t cpi)
{
	struct xfrm_sa_id id = {.spi = cpi, .proto = IPPROTO_COMP};
	dmn_addr_to_xfrm(&c->peer, &id.src);
	dmn_addr_to_xfrm(&c->local, &id.dst);
	int r = dmn_kernel_sa_del(&d->kernel, &id);
	if (r < 0 && r != -ENOENT)
		log_warn("%s: the kernel refused to delete the unused larval IPComp SA 0x%04x: %s",
			 c->conn, cpi, dmn_kernel_errmsg(&d->kernel));
}
