// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shared conns. A negotiating ISAKMP SA owns a copy of its conn (struct ike_p1_data), which the
 * responder's look-ups may still replace; once phase 1 is up the conn no longer changes, and
 * the SA points at one read-only copy per distinct conn instead, reference-counted. So 10,000
 * tunnels of one road-warrior conn hold its 1.5 KB once, not 10,000 times.
 *
 * Two conns are the same copy when their bytes are equal (they are copied whole, padding
 * included, from the caller's conn); conns that differ only in padding get two copies, which
 * costs memory, never correctness. The hash is keyed with the engine's secret, like the cookie
 * table: a conn can carry the peer's ID.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/ike/engine_int.h"

static uint64_t conn_hash(const struct proto_ike_engine *e, const struct proto_ike_conn *c)
{
	const uint8_t *p = (const uint8_t *)c;
	uint64_t h = 0xcbf29ce484222325u ^ e->hkey[0]; /* FNV-1a, keyed */
	for (size_t i = 0; i < sizeof(*c); i++)
		h = (h ^ p[i]) * 0x100000001b3u;
	return (h ^ h >> 32) * e->hkey[1];
}

/* Doubles the table once it holds twice as many conns as buckets; 64 buckets to begin with.
 * On allocation failure it stays as it is (longer chains). */
static void table_grow(struct proto_ike_engine *e)
{
	if (e->cr && e->n_cr < 2u * e->n_cr_buckets)
		return;
	unsigned n = e->cr ? 2 * e->n_cr_buckets : 64;
	struct ike_conn_ref **t = calloc(n, sizeof(*t));
	if (!t)
		return;
	for (unsigned i = 0; i < e->n_cr_buckets; i++)
		for (struct ike_conn_ref *r = e->cr[i], *next; r; r = next) {
			next = r->next;
			r->next = t[r->hash & (n - 1)];
			t[r->hash & (n - 1)] = r;
		}
	free(e->cr);
	e->cr = t;
	e->n_cr_buckets = n;
}

bool proto_ike_conn_share(struct ike_sa *sa)
{
	struct proto_ike_engine *e = sa->e;
	if (sa->conn_ref)
		return true;
	if (!sa->n)
		return false;
	const struct proto_ike_conn *c = &sa->n->conn;
	uint64_t h = conn_hash(e, c);
	struct ike_conn_ref *r = NULL;
	if (e->cr)
		for (r = e->cr[h & (e->n_cr_buckets - 1)]; r; r = r->next)
			if (r->hash == h && memcmp(&r->c, c, sizeof(*c)) == 0)
				break;
	if (!r) {
		table_grow(e);
		if (!e->cr || !(r = malloc(sizeof(*r))))
			return false;
		memcpy(&r->c, c, sizeof(*c));
		r->hash = h;
		r->refs = 0;
		r->next = e->cr[h & (e->n_cr_buckets - 1)];
		e->cr[h & (e->n_cr_buckets - 1)] = r;
		e->n_cr++;
	}
	r->refs++;
	sa->conn_ref = r;
	sa->conn = &r->c;
	return true;
}

void proto_ike_conn_release(struct ike_sa *sa)
{
	struct proto_ike_engine *e = sa->e;
	struct ike_conn_ref *r = sa->conn_ref;
	if (!r)
		return;
	sa->conn_ref = NULL;
	if (--r->refs)
		return;
	struct ike_conn_ref **pp = &e->cr[r->hash & (e->n_cr_buckets - 1)];
	while (*pp && *pp != r)
		pp = &(*pp)->next;
	if (*pp)
		*pp = r->next;
	e->n_cr--;
	explicit_bzero(r, sizeof(*r));
	free(r);
}

void proto_ike_conn_table_free(struct proto_ike_engine *e)
{
	free(e->cr);
	e->cr = NULL;
	e->n_cr_buckets = e->n_cr = 0;
}
