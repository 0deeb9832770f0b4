/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How ISAKMP SAs and their children read over VICI: the list-sa section (used by list-sas and by
 * the ike-updown and child-updown events) and the vocabulary it shares with list-conns and
 * oakley-metrics: strongSwan's algorithm names, addresses, IDs and traffic selectors as swanctl
 * prints them, kernel addresses of an SA.
 */
#include "daemon/vici_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/ike_glue.h"
#include "proto/consts.h"
#include "xfrm/xfrm.h"

/* strongSwan's spellings of the algorithms (what swanctl prints), by IKEv1/IPsec DOI number. */
struct alg_name {
	uint16_t id;
	const char *name;
};

/* RFC 2409 App. A encryption algorithms */
static const struct alg_name ike_encr_names[] = {
	{IKE_ENCR_DES_CBC, "DES_CBC"},	 {IKE_ENCR_BLOWFISH_CBC, "BLOWFISH_CBC"},
	{IKE_ENCR_3DES_CBC, "3DES_CBC"}, {IKE_ENCR_CAST_CBC, "CAST_CBC"},
	{IKE_ENCR_AES_CBC, "AES_CBC"},	 {IKE_ENCR_CAMELLIA_CBC, "CAMELLIA_CBC"},
};
/* RFC 2409 App. A hash algorithms as IKE integrity (HMAC truncated as in RFC 2404/4868) */
static const struct alg_name ike_integ_names[] = {
	{IKE_HASH_MD5, "HMAC_MD5_96"},
	{IKE_HASH_SHA1, "HMAC_SHA1_96"},
	{IKE_HASH_SHA2_256, "HMAC_SHA2_256_128"},
	{IKE_HASH_SHA2_384, "HMAC_SHA2_384_192"},
	{IKE_HASH_SHA2_512, "HMAC_SHA2_512_256"},
};
/* RFC 2409 §4: the PRF is the HMAC of the negotiated hash */
static const struct alg_name ike_prf_names[] = {
	{IKE_HASH_MD5, "PRF_HMAC_MD5"},		  {IKE_HASH_SHA1, "PRF_HMAC_SHA1"},
	{IKE_HASH_SHA2_256, "PRF_HMAC_SHA2_256"}, {IKE_HASH_SHA2_384, "PRF_HMAC_SHA2_384"},
	{IKE_HASH_SHA2_512, "PRF_HMAC_SHA2_512"},
};
/* IANA "Group Description" (RFC 2409 §6, RFC 3526, RFC 5114, RFC 5903, RFC 8031) */
static const struct alg_name dh_group_names[] = {
	{1, "MODP_768"},       {2, "MODP_1024"},      {5, "MODP_1536"},	  {14, "MODP_2048"},
	{15, "MODP_3072"},     {16, "MODP_4096"},     {17, "MODP_6144"},  {18, "MODP_8192"},
	{19, "ECP_256"},       {20, "ECP_384"},	      {21, "ECP_521"},	  {22, "MODP_1024_160"},
	{23, "MODP_2048_224"}, {24, "MODP_2048_256"}, {25, "ECP_192"},	  {26, "ECP_224"},
	{27, "ECP_224_BP"},    {28, "ECP_256_BP"},    {29, "ECP_384_BP"}, {30, "ECP_512_BP"},
	{31, "CURVE_25519"},   {32, "CURVE_448"},
};
/* RFC 2407 §4.4.4 ESP transform IDs */
static const struct alg_name esp_encr_names[] = {
	{ESP_DES, "DES_CBC"},
	{ESP_3DES, "3DES_CBC"},
	{ESP_NULL, "NULL"},
	{ESP_AES_CBC, "AES_CBC"},
	{ESP_AES_CTR, "AES_CTR"},
	{ESP_AES_CCM_8, "AES_CCM_8"},
	{ESP_AES_CCM_12, "AES_CCM_12"},
	{ESP_AES_CCM_16, "AES_CCM_16"},
	{ESP_AES_GCM_8, "AES_GCM_8"},
	{ESP_AES_GCM_12, "AES_GCM_12"},
	{ESP_AES_GCM_16, "AES_GCM_16"},
	{ESP_NULL_AUTH_AES_GMAC, "NULL_AES_GMAC"},
};
/* RFC 2407 §4.5 authentication algorithms */
static const struct alg_name ipsec_auth_names[] = {
	{AUTH_HMAC_MD5, "HMAC_MD5_96"},
	{AUTH_HMAC_SHA1, "HMAC_SHA1_96"},
	{AUTH_HMAC_SHA2_256, "HMAC_SHA2_256_128"},
	{AUTH_HMAC_SHA2_384, "HMAC_SHA2_384_192"},
	{AUTH_HMAC_SHA2_512, "HMAC_SHA2_512_256"},
	{AUTH_AES_XCBC_MAC, "AES_XCBC_96"},
	{AUTH_AES_128_GMAC, "AES_128_GMAC"},
	{AUTH_AES_192_GMAC, "AES_192_GMAC"},
	{AUTH_AES_256_GMAC, "AES_256_GMAC"},
};

#define ALG(tab, id) alg_lookup(tab, sizeof(tab) / sizeof(tab[0]), id)

static const char *alg_lookup(const struct alg_name *tab, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i].id == id)
			return tab[i].name;
	return NULL;
}

static void add_alg(struct vici_builder *b, const char *key, const char *name, unsigned id)
{
	if (name)
		vici_add_kv_str(b, key, name);
	else
		vici_add_kv_fmt(b, key, "UNKNOWN_%u", id);
}

static void add_proto_ts(struct vici_builder *b, const char *key, const struct proto_ike_ts *ts)
{
	char s[128];
	vici_begin_list(b, key);
	vici_add_list_item_str(b, dmn_proto_ts_str(ts, s, sizeof(s)));
	vici_end_list(b);
}

/* bytes-/packets-/use- counters of one direction of a child, from the kernel. */
static void add_counters(struct dmn *d, struct vici_builder *b, const struct dmn_child *c, bool in)
{
	const char *dir = in ? "in" : "out";
	char key[16];
	if (!(in ? c->sa_in : c->sa_out) || !d->kernel.ops) {
		/* Not in the kernel: nothing has passed through it. */
		snprintf(key, sizeof(key), "bytes-%s", dir);
		vici_add_kv_str(b, key, "0");
		snprintf(key, sizeof(key), "packets-%s", dir);
		vici_add_kv_str(b, key, "0");
		return;
	}
	struct xfrm_sa_id id;
	dmn_child_sa_id(c, in, false, &id);
	struct xfrm_sa_info info;
	if (dmn_kernel_sa_get(&d->kernel, &id, &info) < 0)
		return;
	snprintf(key, sizeof(key), "bytes-%s", dir);
	vici_add_kv_fmt(b, key, "%llu", (unsigned long long)info.bytes);
	snprintf(key, sizeof(key), "packets-%s", dir);
	vici_add_kv_fmt(b, key, "%llu", (unsigned long long)info.packets);
	if (info.use_time) {
		uint64_t now = (uint64_t)time(NULL);
		snprintf(key, sizeof(key), "use-%s", dir);
		vici_add_kv_fmt(
			b, key, "%llu",
			(unsigned long long)(now > info.use_time ? now - info.use_time : 0));
	}
}

static bool child_installed(const struct dmn_child *c)
{
	return c->sa_in && c->sa_out && c->policies;
}

/* <side>-host, <side>-port and, when id is not NULL, <side>-id. */
static void add_endpoint(struct vici_builder *b, const char *side, const struct proto_ike_addr *a,
			 const char *id)
{
	char key[16], s[INET6_ADDRSTRLEN];
	snprintf(key, sizeof(key), "%s-host", side);
	vici_add_kv_str(b, key, dmn_addr_str(a->family, a->addr, s, sizeof(s)));
	snprintf(key, sizeof(key), "%s-port", side);
	vici_add_kv_fmt(b, key, "%u", a->port);
	snprintf(key, sizeof(key), "%s-id", side);
	if (id)
		vici_add_kv_str(b, key, id);
}

/* One entry of child-sas, keyed NAME-UNIQUEID (the uniqueid of a child is its inbound SPI). */
static void add_child(struct dmn *d, struct vici_builder *b, const struct dmn_child *c)
{
	char key[96];
	snprintf(key, sizeof(key), "%s-%u", c->conn, c->spi_in);
	vici_begin_section(b, key);
	vici_add_kv_str(b, "name", c->conn);
	vici_add_kv_fmt(b, "uniqueid", "%u", c->spi_in);
	vici_add_kv_fmt(b, "reqid", "%u", c->reqid);
	/* Not all of SAs and policies made it into the kernel: say so rather than INSTALLED. */
	vici_add_kv_str(b, "state",
			c->superseded			   ? "REKEYED"
			: c->out_pending		   ? "INSTALLING"
			: !child_installed(c)		   ? "FAILED"
			: c->rekey_msgid || c->rekey_p1_ms ? "REKEYING"
							   : "INSTALLED");
	vici_add_kv_str(b, "mode", c->mode == ENCAP_TRANSPORT ? "TRANSPORT" : "TUNNEL");
	vici_add_kv_str(b, "protocol", c->protocol == PROTO_IPSEC_AH ? "AH" : "ESP");
	vici_add_kv_fmt(b, "spi-in", "%08x", c->spi_in);
	vici_add_kv_fmt(b, "spi-out", "%08x", c->spi_out);
	if (c->ipcomp) {
		/* as charon reports an IPComp pair */
		vici_add_kv_fmt(b, "cpi-in", "%04x", c->cpi_in);
		vici_add_kv_fmt(b, "cpi-out", "%04x", c->cpi_out);
	}
	if (c->protocol != PROTO_IPSEC_AH) {
		add_alg(b, "encr-alg", ALG(esp_encr_names, c->transform), c->transform);
		if (c->key_bits)
			vici_add_kv_fmt(b, "encr-keysize", "%u", c->key_bits);
	}
	if (c->auth)
		add_alg(b, "integ-alg", ALG(ipsec_auth_names, c->auth), c->auth);
	add_counters(d, b, c, true);
	add_counters(d, b, c, false);
	uint64_t now = dmn_now_ms(d);
	vici_add_kv_fmt(b, "install-time", "%llu",
			(unsigned long long)((now - c->established_ms) / 1000));
	if (c->soft_ms && !c->superseded)
		vici_add_kv_fmt(
			b, "rekey-time", "%llu",
			(unsigned long long)(c->soft_ms > now ? (c->soft_ms - now) / 1000 : 0));
	if (c->hard_ms)
		vici_add_kv_fmt(
			b, "life-time", "%llu",
			(unsigned long long)(c->hard_ms > now ? (c->hard_ms - now) / 1000 : 0));
	add_proto_ts(b, "local-ts", &c->local_ts);
	add_proto_ts(b, "remote-ts", &c->remote_ts);
	vici_end_section(b);
}

void dmn_vici_ike_section(struct dmn *d, struct vici_builder *b, const struct dmn_ike_sa *sa,
			  const struct dmn_child *child, bool no_children)
{
	const char *name = sa ? sa->conn : child ? child->conn : "?";
	const struct proto_ike_addr *local = sa ? &sa->local : &child->local;
	const struct proto_ike_addr *peer = sa ? &sa->peer : &child->peer;
	const struct dmn_conn *conn = d->config ? dmn_config_find(d->config, name) : NULL;
	char s[DMN_HOST_MAX];
	vici_begin_section(b, name);
	if (sa)
		vici_add_kv_fmt(b, "uniqueid", "%llu", (unsigned long long)sa->sa_id);
	vici_add_kv_str(b, "version", "1");
	/* Children outlive their ISAKMP SA in IKEv1: such a group is listed as DELETED. */
	vici_add_kv_str(b, "state", sa ? "ESTABLISHED" : "DELETED");
	if (conn)
		dmn_conf_id_str(&conn->left.id, local, DMN_ID_FORM_LIST, s, sizeof(s));
	add_endpoint(b, "local", local, conn ? s : NULL);
	if (sa)
		dmn_peer_id_str(&sa->p1.peer_id, peer, DMN_ID_FORM_LIST, s, sizeof(s));
	add_endpoint(b, "remote", peer, sa ? s : NULL);
	if (sa) {
		vici_add_kv_str(b, "initiator", sa->initiator ? "yes" : "no");
		/* swanctl shows the cookies as the IKE SA's SPIs, 16 hex digits each */
		char ck[17];
		for (int k = 0; k < 8; k++)
			snprintf(ck + 2 * k, 3, "%02x", sa->p1.icookie[k]);
		vici_add_kv_str(b, "initiator-spi", ck);
		for (int k = 0; k < 8; k++)
			snprintf(ck + 2 * k, 3, "%02x", sa->p1.rcookie[k]);
		vici_add_kv_str(b, "responder-spi", ck);
		/* RFC 3947 §3.2 NAT detection, under charon's names */
		if (sa->p1.nat_local)
			vici_add_kv_str(b, "nat-local", "yes");
		if (sa->p1.nat_peer)
			vici_add_kv_str(b, "nat-remote", "yes");
		const struct proto_ike_p1_prop *p = &sa->p1.prop;
		add_alg(b, "encr-alg", ALG(ike_encr_names, p->encr), p->encr);
		if (p->key_bits)
			vici_add_kv_fmt(b, "encr-keysize", "%u", p->key_bits);
		add_alg(b, "integ-alg", ALG(ike_integ_names, p->hash), p->hash);
		add_alg(b, "prf-alg", ALG(ike_prf_names, p->hash), p->hash);
		add_alg(b, "dh-group", ALG(dh_group_names, p->group), p->group);
		uint64_t age = (dmn_now_ms(d) - sa->established_ms) / 1000;
		vici_add_kv_fmt(b, "established", "%llu", (unsigned long long)age);
		uint64_t now = dmn_now_ms(d);
		if (sa->reauth_ms && !sa->reauth_started)
			vici_add_kv_fmt(b, "reauth-time", "%llu",
					(unsigned long long)(sa->reauth_ms > now
								     ? (sa->reauth_ms - now) / 1000
								     : 0));
		if (sa->expire_ms)
			vici_add_kv_fmt(b, "life-time", "%llu",
					(unsigned long long)(sa->expire_ms > now
								     ? (sa->expire_ms - now) / 1000
								     : 0));
	}
	vici_begin_section(b, "child-sas");
	if (child) {
		add_child(d, b, child);
	} else if (!no_children && sa->n_children) {
		for (const struct dmn_child *c = dmn_ike_flow_children(d, sa); c;
		     c = dmn_ike_child_flow_next(c))
			if (c->ike_sa_id == sa->sa_id)
				add_child(d, b, c);
	}
	vici_end_section(b);
	vici_end_section(b);
}

/* A configured host as a key-value: its address, its hostname, or %any. */
static void add_conf_host(struct vici_builder *b, const char *key, const struct dmn_addr *a)
{
	char s[DMN_HOST_MAX];
	if (a->kind == DMN_ADDR_IP)
		dmn_addr_str(a->family, a->bytes, s, sizeof(s));
	else
		snprintf(s, sizeof(s), "%s", a->kind == DMN_ADDR_HOSTNAME ? a->host : "%any");
	vici_add_kv_str(b, key, s);
}

void dmn_vici_connecting_section(struct dmn *d, struct vici_builder *b,
				 const struct dmn_vici_connecting *cn)
{
	const struct dmn_conn *conn = d->config ? dmn_config_find(d->config, cn->conn) : NULL;
	vici_begin_section(b, cn->conn);
	/* no ISAKMP SA yet: swanctl prints these fields of every SA */
	vici_add_kv_str(b, "uniqueid", "0");
	vici_add_kv_str(b, "version", "1");
	vici_add_kv_str(b, "state", "CONNECTING");
	if (conn) {
		add_conf_host(b, "local-host", &conn->left.host);
		add_conf_host(b, "remote-host", &conn->right.host);
	}
	vici_add_kv_str(b, "initiator", "yes");
	vici_add_kv_str(b, "initiator-spi", "0000000000000000");
	vici_add_kv_str(b, "responder-spi", "0000000000000000");
	vici_add_kv_fmt(b, "attempt", "%u", cn->attempt);
	uint64_t now = dmn_now_ms(d);
	if (cn->retry_ms)
		vici_add_kv_fmt(b, "next-attempt-in", "%llu",
				(unsigned long long)(cn->retry_ms > now
							     ? (cn->retry_ms - now + 999) / 1000
							     : 0));
	vici_begin_section(b, "child-sas");
	vici_end_section(b);
	vici_end_section(b);
}
