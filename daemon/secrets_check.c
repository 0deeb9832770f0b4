// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The load-time check that every PSK conn has a key (see dmn_secrets_check_conns in
 * daemon/secrets.h): a conn without one could never authenticate, so the configuration is
 * refused at load and by oakleyd --check-config, not found out at the first negotiation.
 */
#include "daemon/secrets.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The ID a side presents or is expected to present, as ike_conn.c id_to_proto makes it: its
 * id=, else its address; DMN_ID_ANY when that is only known at run time. */
static void side_id(const struct dmn_side *s, struct dmn_id *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (s->id.type != DMN_ID_DEFAULT) {
		*ret = s->id;
	} else if (s->host.kind == DMN_ADDR_IP) {
		ret->type = s->host.family == AF_INET ? DMN_ID_IPV4 : DMN_ID_IPV6;
		memcpy(ret->addr, s->host.bytes, 16);
	} else {
		ret->type = DMN_ID_ANY;
	}
}

/*
 * The entries by ID, so that checking 10,000 conns against 4,096 per-peer entries does not walk
 * the file once per conn. An entry that can match (local, remote) when both are known contains
 * one of them exactly (secrets.c, score(): without a %any ID, an ID matches only its equal),
 * and one with two or more IDs contains both: so the candidates are the entries without IDs or
 * with a %any ID ("wild"), the one-ID entries under local or remote, and the others under
 * remote. Distinct IDs are hashed (chained); each lists its entries.
 */
struct id_slot {
	const struct dmn_id *id; /* NULL: empty */
	uint32_t head;		 /* first ref + 1 */
};

struct id_ref {
	uint32_t entry;
	uint32_t next; /* ref + 1, 0 ends */
};

struct id_index {
	struct id_slot *slots; /* single-ID entries in [0, cap), the others in [cap, 2 cap) */
	struct id_ref *refs;
	uint32_t *wild;
	size_t cap, n_refs, n_wild;
};

/* A hash that agrees with dmn_id_equal (FQDNs case-insensitive). */
static size_t id_hash(const struct dmn_id *id)
{
	size_t h = 1469598103934665603u ^ (size_t)id->type;
	if (id->type == DMN_ID_IPV4 || id->type == DMN_ID_IPV6) {
		for (size_t i = 0; i < (id->type == DMN_ID_IPV4 ? 4u : 16u); i++)
			h = (h ^ id->addr[i]) * 1099511628211u;
		return h;
	}
	for (const char *p = id->str; *p; p++)
		h = (h ^ (unsigned char)tolower((unsigned char)*p)) * 1099511628211u;
	return h;
}

static void index_free(struct id_index *x)
{
	free(x->slots);
	free(x->refs);
	free(x->wild);
}

static bool is_wild(const struct dmn_secret *e)
{
	for (size_t k = 0; k < e->n_ids; k++)
		if (e->ids[k].type == DMN_ID_ANY)
			return true;
	return e->n_ids == 0;
}

/* Adds ref (entry i under id) to the table half at base. */
static void index_put(struct id_index *x, size_t base, const struct dmn_id *id, uint32_t i)
{
	size_t m = x->cap - 1, j = id_hash(id) & m;
	while (x->slots[base + j].id && !dmn_id_equal(x->slots[base + j].id, id))
		j = (j + 1) & m;
	struct id_slot *sl = &x->slots[base + j];
	sl->id = id;
	x->refs[x->n_refs] = (struct id_ref){.entry = i, .next = sl->head};
	sl->head = (uint32_t)++x->n_refs;
}

/* Returns 0 or -ENOMEM (x is then empty). */
static int index_build(const struct dmn_secrets *s, struct id_index *x)
{
	size_t n = s ? s->n : 0, ids = 0;
	memset(x, 0, sizeof(*x));
	for (size_t i = 0; i < n; i++)
		ids += s->v[i].n_ids;
	x->cap = 16;
	while (x->cap < 2 * ids)
		x->cap *= 2;
	x->slots = calloc(2 * x->cap, sizeof(*x->slots));
	x->refs = calloc(ids ? ids : 1, sizeof(*x->refs));
	x->wild = calloc(n ? n : 1, sizeof(*x->wild));
	if (!x->slots || !x->refs || !x->wild) {
		index_free(x);
		memset(x, 0, sizeof(*x));
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct dmn_secret *e = &s->v[i];
		if (is_wild(e))
			x->wild[x->n_wild++] = i;
		else
			for (size_t k = 0; k < e->n_ids; k++)
				index_put(x, e->n_ids == 1 ? 0 : x->cap, &e->ids[k], i);
	}
	return 0;
}

/* Does an entry filed under id in the table half at base match (l, r)? */
static bool index_any(const struct id_index *x, const struct dmn_secrets *s, size_t base,
		      const struct dmn_id *id, const struct dmn_id *l, const struct dmn_id *r)
{
	size_t m = x->cap - 1, j = id_hash(id) & m;
	for (; x->slots[base + j].id; j = (j + 1) & m) {
		if (!dmn_id_equal(x->slots[base + j].id, id))
			continue;
		for (uint32_t k = x->slots[base + j].head; k; k = x->refs[k - 1].next)
			if (dmn_secret_matches(&s->v[x->refs[k - 1].entry], l, r))
				return true;
		return false;
	}
	return false;
}

/* dmn_secrets_has_psk through the index when both IDs are known. */
static bool has_psk(const struct id_index *x, const struct dmn_secrets *s, const struct dmn_id *l,
		    const struct dmn_id *r)
{
	if (!x->slots || l->type == DMN_ID_ANY || r->type == DMN_ID_ANY)
		return dmn_secrets_has_psk(s, l, r); /* nearly any entry matches: it stops soon */
	for (size_t i = 0; i < x->n_wild; i++)
		if (dmn_secret_matches(&s->v[x->wild[i]], l, r))
			return true;
	return index_any(x, s, 0, l, l, r) || index_any(x, s, 0, r, l, r) ||
	       index_any(x, s, x->cap, r, l, r);
}

/* An ID as ipsec.secrets spells it. */
static const char *id_str(const struct dmn_id *id, char *buf, size_t len)
{
	switch (id->type) {
	case DMN_ID_IPV4:
	case DMN_ID_IPV6:
		if (!inet_ntop(id->type == DMN_ID_IPV4 ? AF_INET : AF_INET6, id->addr, buf,
			       (socklen_t)len))
			snprintf(buf, len, "?");
		break;
	case DMN_ID_FQDN:
		snprintf(buf, len, "@%.100s", id->str);
		break;
	case DMN_ID_USER_FQDN:
	case DMN_ID_DN:
	case DMN_ID_KEY_ID:
		snprintf(buf, len, "%.100s", id->str);
		break;
	default:
		snprintf(buf, len, "%%any");
	}
	return buf;
}

unsigned dmn_secrets_check_conns(const struct dmn_secrets *s, const struct dmn_config *cfg,
				 struct dmn_diags *d)
{
	unsigned n = 0;
	struct id_index x;
	(void)index_build(s, &x); /* out of memory: walk the entries instead */
	for (size_t i = 0; cfg && i < cfg->n_conns; i++) {
		const struct dmn_conn *c = cfg->conns[i];
		if (c->type == DMN_TYPE_PASS || c->type == DMN_TYPE_DROP ||
		    c->type == DMN_TYPE_REJECT || !strcmp(c->file, DMN_VICI_CONN_FILE) ||
		    c->auth != DMN_AUTH_PSK) /* signatures: the certificate store checks */
			continue;
		struct dmn_id l, r;
		side_id(&c->left, &l);
		side_id(&c->right, &r);
		if (has_psk(&x, s, &l, &r))
			continue;
		char a[128], b[128];
		dmn_diag_add(d, DMN_DIAG_ERROR, c->file, c->line,
			     "conn '%s': no pre-shared key in ipsec.secrets for IDs %s and %s: it "
			     "could never authenticate; add a line '%s %s : PSK \"...\"' or fix "
			     "leftid=/rightid=",
			     c->name, id_str(&l, a, sizeof(a)), id_str(&r, b, sizeof(b)), a, b);
		n++;
	}
	index_free(&x);
	return n;
}
