// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VICI message and packet builder: appends elements to a heap buffer capped at one segment
 * (VICI_MSG_MAX), patches the segment length by offset at the end. The first error sticks.
 */
#include "vici.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VICI_NAME_ROW(name, val) [val] = #name,
static const char *const element_names[] = {VICI_ELEMENTS(VICI_NAME_ROW)};
static const char *const packet_names[] = {VICI_PACKETS(VICI_NAME_ROW)};
#undef VICI_NAME_ROW

const char *vici_element_name(unsigned type)
{
	if (type < sizeof(element_names) / sizeof(element_names[0]) && element_names[type])
		return element_names[type];
	return "?";
}

const char *vici_packet_name(unsigned type)
{
	if (type < sizeof(packet_names) / sizeof(packet_names[0]) && packet_names[type])
		return packet_names[type];
	return "?";
}

/* Whether a packet type carries a name, and a message. */
static bool packet_has_name(enum vici_packet_type type)
{
	return type == VICI_CMD_REQUEST || type == VICI_EVENT_REGISTER ||
	       type == VICI_EVENT_UNREGISTER || type == VICI_EVENT;
}

static bool packet_has_msg(enum vici_packet_type type)
{
	return type == VICI_CMD_REQUEST || type == VICI_CMD_RESPONSE || type == VICI_EVENT;
}

static void fail(struct vici_builder *b, int err)
{
	if (!b->err)
		b->err = err;
}

/* Makes room for n more bytes within the segment cap. Returns false (error set) if it cannot. */
static bool reserve(struct vici_builder *b, size_t n)
{
	size_t limit = VICI_MSG_MAX + (b->framed ? 4 : 0);
	if (b->err)
		return false;
	if (n > limit - b->len) {
		fail(b, -EMSGSIZE);
		return false;
	}
	if (b->len + n <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	if (cap > limit)
		cap = limit;
	uint8_t *nb = realloc(b->buf, cap);
	if (!nb) {
		fail(b, -ENOMEM);
		return false;
	}
	b->buf = nb;
	b->cap = cap;
	return true;
}

static void put_u8(struct vici_builder *b, uint8_t v)
{
	b->buf[b->len++] = v;
}

static void put_bytes(struct vici_builder *b, const void *p, size_t n)
{
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
}

/* Checks a name: 1..255 printable ASCII bytes. Sets the error and returns 0 if it is not. */
static size_t name_len(struct vici_builder *b, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0) {
		fail(b, -EINVAL);
		return 0;
	}
	if (n > VICI_NAME_MAX) {
		fail(b, -ENAMETOOLONG);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] > 0x7e) {
			fail(b, -EINVAL);
			return 0;
		}
	}
	return n;
}

/* Appends an element type and, if name is non-NULL, its length-prefixed name. */
static bool put_head(struct vici_builder *b, enum vici_element type, const char *name)
{
	size_t n = 0;
	if (b->no_msg)
		fail(b, -EINVAL);
	if (name && !(n = name_len(b, name)))
		return false;
	if (!reserve(b, 1 + (name ? 1 + n : 0)))
		return false;
	put_u8(b, type);
	if (name) {
		put_u8(b, (uint8_t)n);
		put_bytes(b, name, n);
	}
	return true;
}

static bool put_value(struct vici_builder *b, const void *value, size_t len)
{
	if (len > VICI_VALUE_MAX) {
		fail(b, -EMSGSIZE);
		return false;
	}
	if (len && !value) {
		fail(b, -EINVAL);
		return false;
	}
	if (!reserve(b, 2 + len))
		return false;
	put_u8(b, (uint8_t)(len >> 8));
	put_u8(b, (uint8_t)len);
	put_bytes(b, value, len);
	return true;
}

void vici_builder_init(struct vici_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void vici_builder_init_packet(struct vici_builder *b, enum vici_packet_type type, const char *name)
{
	vici_builder_init(b);
	b->framed = true;
	if ((unsigned)type >= VICI_PACKET__MAX || packet_has_name(type) != (name != NULL)) {
		fail(b, -EINVAL);
		return;
	}
	size_t n = name ? name_len(b, name) : 0;
	if (!reserve(b, 4 + 1 + (name ? 1 + n : 0)))
		return;
	b->len = 4; /* segment length, patched by vici_finish() */
	put_u8(b, type);
	if (name) {
		put_u8(b, (uint8_t)n);
		put_bytes(b, name, n);
	}
	b->msg_start = b->len;
	b->no_msg = !packet_has_msg(type);
}

void vici_builder_free(struct vici_builder *b)
{
	if (!b)
		return;
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

void vici_begin_section(struct vici_builder *b, const char *name)
{
	if (b->in_list)
		fail(b, -EINVAL);
	if (b->depth >= VICI_DEPTH_MAX)
		fail(b, -EMSGSIZE);
	if (put_head(b, VICI_SECTION_START, name))
		b->depth++;
}

void vici_end_section(struct vici_builder *b)
{
	if (b->in_list || b->depth == 0)
		fail(b, -EINVAL);
	if (put_head(b, VICI_SECTION_END, NULL))
		b->depth--;
}

void vici_begin_list(struct vici_builder *b, const char *name)
{
	if (b->in_list)
		fail(b, -EINVAL);
	if (put_head(b, VICI_LIST_START, name))
		b->in_list = true;
}

void vici_end_list(struct vici_builder *b)
{
	if (!b->in_list)
		fail(b, -EINVAL);
	if (put_head(b, VICI_LIST_END, NULL))
		b->in_list = false;
}

void vici_add_list_item(struct vici_builder *b, const void *value, size_t value_len)
{
	if (!b->in_list)
		fail(b, -EINVAL);
	if (value_len > VICI_VALUE_MAX)
		fail(b, -EMSGSIZE);
	if (put_head(b, VICI_LIST_ITEM, NULL))
		put_value(b, value, value_len);
}

void vici_add_list_item_str(struct vici_builder *b, const char *value)
{
	vici_add_list_item(b, value, value ? strlen(value) : 0);
}

void vici_add_kv(struct vici_builder *b, const char *name, const void *value, size_t value_len)
{
	if (b->in_list)
		fail(b, -EINVAL);
	if (value_len > VICI_VALUE_MAX)
		fail(b, -EMSGSIZE);
	if (put_head(b, VICI_KEY_VALUE, name))
		put_value(b, value, value_len);
}

void vici_add_kv_str(struct vici_builder *b, const char *name, const char *value)
{
	vici_add_kv(b, name, value, value ? strlen(value) : 0);
}

void vici_add_kv_fmt(struct vici_builder *b, const char *name, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fail(b, -ENOMEM);
		return;
	}
	vici_add_kv(b, name, s, (size_t)n);
	free(s);
}

int vici_finish(struct vici_builder *b, const uint8_t **ret_buf, size_t *ret_len)
{
	if (!b->err && (b->depth || b->in_list))
		fail(b, -EINVAL);
	if (!b->err && !b->buf && !reserve(b, 1))
		return b->err;
	if (b->err)
		return b->err;
	if (b->framed) {
		size_t n = b->len - 4;
		b->buf[0] = (uint8_t)(n >> 24);
		b->buf[1] = (uint8_t)(n >> 16);
		b->buf[2] = (uint8_t)(n >> 8);
		b->buf[3] = (uint8_t)n;
	}
	*ret_buf = b->buf;
	*ret_len = b->len;
	return 0;
}
