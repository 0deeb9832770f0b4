// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the keyword table (daemon/config_keywords.c) generates besides parsing: the reload
 * comparison of two conns (dmn_conn_compare: exactly the fields the rows and the derived list
 * name, each with its row's reload class) and the text of every stored keyword
 * (dmn_conn_keywords, dmn_setup_keywords: the dump of --check-config and VICI list-conns).
 */
#include "daemon/config_int.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/consts.h"

/* ---- printing ---- */

static const char *addr_str(const struct dmn_addr *a, char *buf, size_t len)
{
	switch (a->kind) {
	case DMN_ADDR_UNSET:
		return "(unset)";
	case DMN_ADDR_ANY:
		return a->family == AF_INET ? "%any4" : a->family == AF_INET6 ? "%any6" : "%any";
	case DMN_ADDR_DEFAULTROUTE:
		return "%defaultroute";
	case DMN_ADDR_CONFIG:
		return "%config";
	case DMN_ADDR_HOSTNAME:
		snprintf(buf, len, "%s%s", a->any_allowed ? "%" : "", a->host);
		return buf;
	case DMN_ADDR_IP:
		if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
			return "?";
		return buf;
	}
	return "?";
}

/* Appends to buf (of len, *used so far); output that does not fit is cut. */
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	if (*used >= len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	*used = n < 0 ? len : *used + (size_t)n;
}

bool dmn_cfg_show_addr(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	const struct dmn_addr *a = (const void *)((const char *)base + kw->off);
	char tmp[DMN_HOST_MAX + 2];
	if (a->kind == DMN_ADDR_UNSET && strcmp(kw->name, "") != 0)
		return false; /* left= is always shown, an unset nexthop or sourceip is not */
	snprintf(buf, len, "%s", addr_str(a, tmp, sizeof(tmp)));
	return true;
}

bool dmn_cfg_show_subnets(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	const struct dmn_side *s = base;
	size_t u = 0;
	const char *sep = "";
	(void)kw;
	if (!s->n_subnets && !s->virt)
		return false;
	put(buf, len, &u, "%s{",
	    s->virt & DMN_VIRT_VHOST  ? "vhost:"
	    : s->virt & DMN_VIRT_VNET ? "vnet:"
				      : "");
	if (s->virt & DMN_VIRT_NO)
		put(buf, len, &u, "%%no"), sep = " ";
	if (s->virt & DMN_VIRT_PRIV)
		put(buf, len, &u, "%s%%priv", sep), sep = " ";
	for (size_t i = 0; i < s->n_subnets; i++) {
		const struct dmn_subnet *n = &s->subnets[i];
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		inet_ntop(n->family, n->from, a, sizeof(a));
		if (n->is_range)
			put(buf, len, &u, "%s%s-%s", sep, a,
			    inet_ntop(n->family, n->to, b, sizeof(b)));
		else
			put(buf, len, &u, "%s%s/%u", sep, a, n->prefix);
		if (n->proto || n->port_lo || n->port_hi != 65535)
			put(buf, len, &u, "[%u/%u-%u]", n->proto, n->port_lo, n->port_hi);
		sep = " ";
	}
	put(buf, len, &u, "}");
	return true;
}

bool dmn_cfg_show_id(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	static const char *const t[] = {"default", "%any",     "ipv4", "ipv6",
					"fqdn",	   "userfqdn", "dn",   "keyid"};
	const struct dmn_id *id = &((const struct dmn_side *)base)->id;
	char a[INET6_ADDRSTRLEN];
	(void)kw;
	if (id->type == DMN_ID_IPV4 || id->type == DMN_ID_IPV6)
		snprintf(buf, len, "%s:%s", t[id->type],
			 inet_ntop(id->type == DMN_ID_IPV4 ? AF_INET : AF_INET6, id->addr, a,
				   sizeof(a)));
	else if (id->type >= DMN_ID_FQDN)
		snprintf(buf, len, "%s:\"%s\"", t[id->type], id->str);
	else
		snprintf(buf, len, "%s", t[id->type]);
	return true;
}

bool dmn_cfg_show_protoport(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	const struct dmn_side *s = base;
	(void)kw;
	if (!s->proto && !s->port_lo && !s->port_hi)
		return false;
	snprintf(buf, len, "%u/%u-%u", s->proto, s->port_lo, s->port_hi);
	return true;
}

static bool show_props(const struct dmn_conn *c, bool ike, char *buf, size_t len)
{
	size_t u = 0, n = ike ? c->ike.n : c->esp.n;
	char p[96];
	for (size_t i = 0; i < n; i++) {
		if (ike)
			dmn_ike_proposal_str(&c->ike.v[i], p, sizeof(p));
		else
			dmn_esp_proposal_str(&c->esp.v[i], p, sizeof(p));
		put(buf, len, &u, "%s%s", i ? "," : "", p);
	}
	put(buf, len, &u, "%s", (ike ? c->ike.strict : c->esp.strict) ? "!" : "");
	if (!u && len)
		buf[0] = '\0';
	return true;
}

bool dmn_cfg_show_ike(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	(void)kw;
	return show_props(base, true, buf, len);
}

/* esp= or ah=: the one of the two the conn negotiates */
static bool is_ah(const struct dmn_conn *c)
{
	return c->esp.n && c->esp.v[0].protocol == PROTO_IPSEC_AH;
}

bool dmn_cfg_show_esp(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	(void)kw;
	return !is_ah(base) && show_props(base, false, buf, len);
}

bool dmn_cfg_show_ah(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	(void)kw;
	return is_ah(base) && show_props(base, false, buf, len);
}

bool dmn_cfg_show_rekeyfuzz(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	(void)kw;
	snprintf(buf, len, "%u%%", ((const struct dmn_conn *)base)->rekeyfuzz);
	return true;
}

bool dmn_cfg_show_keyingtries(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	uint32_t n = ((const struct dmn_conn *)base)->keyingtries;
	(void)kw;
	if (n)
		snprintf(buf, len, "%u", n);
	else
		snprintf(buf, len, "%%forever");
	return true;
}

bool dmn_cfg_show_mark(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	const struct dmn_conn *c = base;
	bool in = !strcmp(kw->name, "mark_in");
	uint32_t v = in ? c->mark_in : c->mark_out, m = in ? c->mark_in_mask : c->mark_out_mask;
	if (!m)
		return false;
	snprintf(buf, len, "%#x/%#x", v, m);
	return true;
}

bool dmn_cfg_show_if_id(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	const struct dmn_conn *c = base;
	uint32_t v = !strcmp(kw->name, "if_id_in") ? c->if_id_in : c->if_id_out;
	if (!v)
		return false;
	snprintf(buf, len, "%u", v);
	return true;
}

/* The name of the field's value in the row's choices (the first one that has it). */
bool dmn_cfg_show_choice(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	const void *p = (const char *)base + kw->off;
	int v = kw->size == 1 ? *(const bool *)p : *(const int *)p;
	for (const struct cfg_choice *ch = kw->choices; ch && ch->name; ch++)
		if (ch->value == v) {
			snprintf(buf, len, "%s", ch->name);
			return true;
		}
	return false; /* a default without a name (pfs= not set) */
}

/* The value of row kw in base (a conn, side or setup) as text. False: nothing to show. */
static bool show_row(const void *base, const struct cfg_kw *kw, char *buf, size_t len)
{
	const void *p = (const char *)base + kw->off;
	if (kw->cls != CFG_KW_STORED || kw->at == CFG_AT_LOAD)
		return false;
	switch (kw->kind) {
	case CFG_V_BOOL:
		snprintf(buf, len, "%s", *(const bool *)p ? "yes" : "no");
		return true;
	case CFG_V_TIME:
		snprintf(buf, len, "%us", *(const uint32_t *)p);
		return true;
	case CFG_V_U64:
		snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)p);
		return true;
	case CFG_V_U32:
		snprintf(buf, len, "%u",
			 kw->size == 2 ? *(const uint16_t *)p : *(const uint32_t *)p);
		return true;
	case CFG_V_CHOICE:
		return dmn_cfg_show_choice(base, kw, buf, len);
	case CFG_V_PATH: {
		const char *s = kw->size == sizeof(char *) ? *(const char *const *)p : p;
		if (!s || !s[0])
			return false;
		snprintf(buf, len, "%s", s);
		return true;
	}
	case CFG_V_CUSTOM:
		return kw->show && kw->show(base, kw, buf, len);
	case CFG_V_NONE:
		break;
	}
	return false;
}

#define VALUE_MAX 8192 /* 64 subnets with ports, 32 proposals */

static void each_row(int table, const void *base, const char *prefix, dmn_keyword_fn *fn, void *ctx)
{
	char name[64], *val = malloc(VALUE_MAX);
	size_t n;
	const struct cfg_kw *t = dmn_cfg_kw_table(table, &n);
	if (!val)
		return;
	for (size_t i = 0; i < n; i++)
		if (show_row(base, &t[i], val, VALUE_MAX)) {
			snprintf(name, sizeof(name), "%s%s", prefix, t[i].name);
			fn(ctx, name, val);
		}
	free(val);
}

void dmn_conn_keywords(const struct dmn_conn *c, dmn_keyword_fn *fn, void *ctx)
{
	each_row(0, c, "", fn, ctx);
	each_row(1, &c->left, "left", fn, ctx);
	each_row(1, &c->right, "right", fn, ctx);
}

void dmn_setup_keywords(const struct dmn_setup *s, dmn_keyword_fn *fn, void *ctx)
{
	each_row(2, s, "", fn, ctx);
}

/* ---- comparison ---- */

/* Two optional strings (NULL: not set) are the same. */
static bool str_eq(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

static bool addr_eq(const struct dmn_addr *a, const struct dmn_addr *b)
{
	return a->kind == b->kind && a->family == b->family && !memcmp(a->bytes, b->bytes, 16) &&
	       a->any_allowed == b->any_allowed && str_eq(a->host, b->host);
}

static bool subnet_eq(const struct dmn_subnet *a, const struct dmn_subnet *b)
{
	return a->family == b->family && !memcmp(a->from, b->from, 16) &&
	       !memcmp(a->to, b->to, 16) && a->prefix == b->prefix && a->is_range == b->is_range &&
	       a->proto == b->proto && a->port_lo == b->port_lo && a->port_hi == b->port_hi;
}

static bool subnets_eq(const struct dmn_side *a, const struct dmn_side *b)
{
	if (a->n_subnets != b->n_subnets)
		return false;
	for (size_t i = 0; i < a->n_subnets; i++)
		if (!subnet_eq(&a->subnets[i], &b->subnets[i]))
			return false;
	return true;
}

static bool ike_eq(const struct dmn_ike_proposals *a, const struct dmn_ike_proposals *b)
{
	if (a->n != b->n || a->strict != b->strict)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct dmn_ike_proposal *x = &a->v[i], *y = &b->v[i];
		if (x->encr != y->encr || x->key_bits != y->key_bits || x->hash != y->hash ||
		    x->prf != y->prf || x->group != y->group)
			return false;
	}
	return true;
}

static bool esp_eq(const struct dmn_esp_proposals *a, const struct dmn_esp_proposals *b)
{
	if (a->n != b->n || a->strict != b->strict)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct dmn_esp_proposal *x = &a->v[i], *y = &b->v[i];
		if (x->protocol != y->protocol || x->transform != y->transform ||
		    x->key_bits != y->key_bits || x->auth != y->auth || x->group != y->group ||
		    x->esn != y->esn)
			return false;
	}
	return true;
}

/* One field (off, size, cmp) of two structs; side fields compare in both sides. */
static bool field_eq(enum cfg_cmp cmp, size_t off, size_t size, const void *a, const void *b)
{
	const void *x = (const char *)a + off, *y = (const char *)b + off;
	switch (cmp) {
	case CFG_CMP_ADDR:
		return addr_eq(x, y);
	case CFG_CMP_SUBNETS:
		return subnets_eq(a, b);
	case CFG_CMP_ID: {
		const struct dmn_id *p = x, *q = y;
		return p->type == q->type && !memcmp(p->addr, q->addr, 16) &&
		       !strcmp(p->str, q->str);
	}
	case CFG_CMP_STR:
		return str_eq(*(const char *const *)x, *(const char *const *)y);
	case CFG_CMP_IKE:
		return ike_eq(x, y);
	case CFG_CMP_ESP:
		return esp_eq(x, y);
	case CFG_CMP_BYTES:
		break;
	}
	return !memcmp(x, y, size);
}

static unsigned change_bit(enum cfg_reload r)
{
	return r == CFG_RL_SA	  ? DMN_CONN_CHANGED_SA
	       : r == CFG_RL_LIVE ? DMN_CONN_CHANGED_LIVE
	       : r == CFG_RL_AUTO ? DMN_CONN_CHANGED_AUTO
				  : 0;
}

static unsigned differ(enum cfg_at at, enum cfg_reload rl, enum cfg_cmp cmp, size_t off,
		       size_t size, const struct dmn_conn *a, const struct dmn_conn *b)
{
	bool eq = at == CFG_AT_CONN   ? field_eq(cmp, off, size, a, b)
		  : at == CFG_AT_SIDE ? field_eq(cmp, off, size, &a->left, &b->left) &&
						field_eq(cmp, off, size, &a->right, &b->right)
				      : true;
	return eq ? 0 : change_bit(rl);
}

unsigned dmn_conn_compare(const struct dmn_conn *a, const struct dmn_conn *b)
{
	unsigned r = 0;
	size_t n;
	if (!a || !b)
		return a == b ? DMN_CONN_UNCHANGED : DMN_CONN_CHANGED_SA;
	for (int t = 0; t < 2; t++) {
		const struct cfg_kw *kw = dmn_cfg_kw_table(t, &n);
		for (size_t i = 0; i < n; i++)
			if (kw[i].cls == CFG_KW_STORED && kw[i].reload != CFG_RL_NONE)
				r |= differ(kw[i].at, kw[i].reload, kw[i].cmp, kw[i].off,
					    kw[i].size, a, b);
	}
	const struct cfg_derived *dv = dmn_cfg_kw_derived(&n);
	for (size_t i = 0; i < n; i++)
		r |= differ(dv[i].at, dv[i].reload, dv[i].cmp, dv[i].off, dv[i].size, a, b);
	return r;
}

bool dmn_conn_equal(const struct dmn_conn *a, const struct dmn_conn *b)
{
	return !(dmn_conn_compare(a, b) & DMN_CONN_CHANGED_SA);
}
