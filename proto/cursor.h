/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bounds-checked read cursor over untrusted bytes. Every read checks the remaining size (never
 * pointers); a read that does not fit returns NULL/0 and marks the cursor bad, and once bad the
 * cursor stays bad, so a run of reads needs one check at the end.
 *
 * The one cursor of the tree: the ISAKMP codec (proto/) and the VICI codec (tools/vici, which the
 * daemon's control socket uses too) read through it. Header-only and libc-only, so tools/ may
 * include it without linking anything of proto/. xfrm/ needs none: libmnl walks and validates
 * netlink messages there (xfrm/parse.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static inline struct cursor cur_init(const uint8_t *p, size_t len)
{
	struct cursor c = {.p = p, .left = p ? len : 0, .bad = false};
	return c;
}

/* Returns n bytes and advances, or NULL and marks the cursor bad. */
static inline const uint8_t *cur_take(struct cursor *c, size_t n)
{
	if (c->bad || c->left < n) {
		c->bad = true;
		c->left = 0;
		return NULL;
	}
	const uint8_t *r = c->p;
	c->p += n;
	c->left -= n;
	return r;
}

static inline uint8_t cur_u8(struct cursor *c)
{
	const uint8_t *p = cur_take(c, 1);
	return p ? p[0] : 0;
}

/* Network byte order. */
static inline uint16_t cur_u16(struct cursor *c)
{
	const uint8_t *p = cur_take(c, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint32_t cur_u32(struct cursor *c)
{
	const uint8_t *p = cur_take(c, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

static inline void cur_skip(struct cursor *c, size_t n)
{
	(void)cur_take(c, n);
}

/* A sub-cursor over the next n bytes (which the parent skips), or a bad one if they do not fit. */
static inline struct cursor cur_sub(struct cursor *c, size_t n)
{
	const uint8_t *p = cur_take(c, n);
	struct cursor s = {.p = p, .left = p ? n : 0, .bad = p == NULL};
	return s;
}
