/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A hash map from 64-bit keys (SA ids, never 0) to pointers: open addressing with linear probing
 * and backward-shift deletion, so lookups stay O(1) at 100,000 SAs and no tombstones pile up.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct dmn_map_slot {
	uint64_t key; /* 0 = empty */
	void *value;
};

struct dmn_map {
	struct dmn_map_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

/* The value stored under key, or NULL. */
void *dmn_map_get(const struct dmn_map *m, uint64_t key);
/* Stores value under key (replacing). 0 or -ENOMEM; key 0 is -EINVAL. */
int dmn_map_put(struct dmn_map *m, uint64_t key, void *value);
/* Removes key; returns its value or NULL. */
void *dmn_map_del(struct dmn_map *m, uint64_t key);
/* Frees the slots (not the values). */
void dmn_map_clear(struct dmn_map *m);
