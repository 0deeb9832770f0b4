// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lookups into a loaded config that the daemon makes per packet or per event: a conn by name,
 * and the conns that may answer a peer address (right= that address, or right= not an address).
 * Built on first use and dropped by dmn_config_touch() whenever the conns change, so that a
 * config of 10,000 conns costs no walk over all of them per message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/config_int.h"

struct peer_key {
	int family;
	uint8_t bytes[16];
	size_t idx;
};

struct dmn_config_ix {
	struct cfg_names names; /* name -> index + 1 */
	struct peer_key *peers; /* conns with right= an address, sorted by (address, index) */
	size_t *peer_idx;	/* the same indexes in the same order */
	size_t n_peers;
	size_t *wild; /* conns whose right= is not an address, ascending */
	size_t n_wild;
};

static int key_cmp(const void *a, const void *b)
{
	const struct peer_key *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	int c = memcmp(x->bytes, y->bytes, 16);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void ix_free(struct dmn_config_ix *ix)
{
	if (!ix)
		return;
	dmn_cfg_names_free(&ix->names);
	free(ix->peers);
	free(ix->peer_idx);
	free(ix->wild);
	free(ix);
}

void dmn_config_touch(struct dmn_config *cfg)
{
	if (cfg) {
		ix_free(cfg->ix);
		cfg->ix = NULL;
	}
}

/* The index of cfg, built now if needed; NULL when out of memory (callers then walk). */
static const struct dmn_config_ix *ix_of(const struct dmn_config *ccfg)
{
	struct dmn_config *cfg = (struct dmn_config *)ccfg; /* the cache is not the config */
	if (!cfg || cfg->ix)
		return cfg ? cfg->ix : NULL;
	struct dmn_config_ix *ix = calloc(1, sizeof(*ix));
	size_t n = cfg->n_conns ? cfg->n_conns : 1;
	if (!ix || !(ix->peers = calloc(n, sizeof(*ix->peers))) ||
	    !(ix->peer_idx = calloc(n, sizeof(*ix->peer_idx))) ||
	    !(ix->wild = calloc(n, sizeof(*ix->wild)))) {
		ix_free(ix);
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct dmn_conn *c = cfg->conns[i];
		if (dmn_cfg_names_put(&ix->names, c->name, (const void *)(uintptr_t)(i + 1),
				      NULL) == -ENOMEM) {
			ix_free(ix);
			return NULL;
		}
		if (c->right.host.kind == DMN_ADDR_IP) {
			struct peer_key *k = &ix->peers[ix->n_peers++];
			k->family = c->right.host.family;
			memcpy(k->bytes, c->right.host.bytes, 16);
			k->idx = i;
		} else {
			ix->wild[ix->n_wild++] = i;
		}
	}
	qsort(ix->peers, ix->n_peers, sizeof(*ix->peers), key_cmp);
	for (size_t i = 0; i < ix->n_peers; i++)
		ix->peer_idx[i] = ix->peers[i].idx;
	cfg->ix = ix;
	return ix;
}

int dmn_config_index_of(const struct dmn_config *cfg, const char *name, size_t *ret_i)
{
	const struct dmn_config_ix *ix = ix_of(cfg);
	if (ix) {
		uintptr_t v = (uintptr_t)dmn_cfg_names_get(&ix->names, name);
		if (!v)
			return -ENOENT;
		*ret_i = v - 1;
		return 0;
	}
	for (size_t i = 0; cfg && i < cfg->n_conns; i++)
		if (!strcmp(cfg->conns[i]->name, name)) {
			*ret_i = i;
			return 0;
		}
	return -ENOENT;
}

const struct dmn_conn *dmn_config_find(const struct dmn_config *cfg, const char *name)
{
	size_t i;
	return dmn_config_index_of(cfg, name, &i) == 0 ? cfg->conns[i] : NULL;
}

int dmn_config_peer_candidates(const struct dmn_config *cfg, int family, const uint8_t *addr,
			       struct dmn_config_cands *ret)
{
	const struct dmn_config_ix *ix = ix_of(cfg);
	memset(ret, 0, sizeof(*ret));
	if (!ix)
		return -ENOMEM;
	struct peer_key probe = {.family = family};
	memcpy(probe.bytes, addr, family == AF_INET6 ? 16 : 4);
	/* lower bound of (family, addr, 0) */
	size_t lo = 0, hi = ix->n_peers;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (key_cmp(&ix->peers[mid], &probe) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < ix->n_peers && ix->peers[end].family == family &&
	       memcmp(ix->peers[end].bytes, probe.bytes, 16) == 0)
		end++;
	ret->exact = ix->peer_idx + lo;
	ret->n_exact = end - lo;
	ret->wild = ix->wild;
	ret->n_wild = ix->n_wild;
	return 0;
}
