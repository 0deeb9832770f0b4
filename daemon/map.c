// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/map.h"

#include <errno.h>
#include <stdlib.h>

/* SplitMix64's finaliser: SA ids are sequential, so spread them over the table. */
static size_t slot_of(const struct dmn_map *m, uint64_t key)
{
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ull;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebull;
	key ^= key >> 31;
	return (size_t)key & (m->cap - 1);
}

void *dmn_map_get(const struct dmn_map *m, uint64_t key)
{
	if (!m->cap || !key)
		return NULL;
	for (size_t i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key)
			return m->slots[i].value;
		if (m->slots[i].key == 0)
			return NULL;
	}
}

static int grow(struct dmn_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct dmn_map_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	struct dmn_map old = *m;
	m->slots = ns;
	m->cap = ncap;
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			dmn_map_put(m, old.slots[i].key, old.slots[i].value);
	free(old.slots);
	return 0;
}

int dmn_map_put(struct dmn_map *m, uint64_t key, void *value)
{
	if (!key)
		return -EINVAL;
	/* Keep the load factor under 1/2. */
	if ((m->n + 1) * 2 > m->cap) {
		int r = grow(m);
		if (r < 0)
			return r;
	}
	for (size_t i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key) {
			m->slots[i].value = value;
			return 0;
		}
		if (m->slots[i].key == 0) {
			m->slots[i] = (struct dmn_map_slot){key, value};
			m->n++;
			return 0;
		}
	}
}

void *dmn_map_del(struct dmn_map *m, uint64_t key)
{
	if (!m->cap || !key)
		return NULL;
	size_t mask = m->cap - 1, i = slot_of(m, key);
	while (m->slots[i].key != key) {
		if (m->slots[i].key == 0)
			return NULL;
		i = (i + 1) & mask;
	}
	void *value = m->slots[i].value;
	/* Backward-shift: move later entries of the run into the hole when their home allows. */
	size_t hole = i;
	for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = slot_of(m, m->slots[j].key);
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			m->slots[hole] = m->slots[j];
			hole = j;
		}
	}
	m->slots[hole] = (struct dmn_map_slot){0, NULL};
	m->n--;
	return value;
}

void dmn_map_clear(struct dmn_map *m)
{
	free(m->slots);
	*m = (struct dmn_map){0};
}
