// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VICI message and packet parser over the bounds-checked cursor of proto/cursor.h (header-only,
 * libc only: the one cursor of proto/ and VICI): a callback walk (vici_parse), a read-only tree
 * built on it (vici_tree_parse) and the packet split (vici_packet_parse).
 */
#include "vici.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "proto/cursor.h"

/* Reads a length-prefixed name. Returns NULL (reason set) if it is truncated, empty or not ASCII.
 */
static const char *cur_name(struct cursor *c, size_t *ret_len, const char **reason)
{
	size_t n = cur_u8(c);
	const uint8_t *p = cur_take(c, n);
	if (!p) {
		*reason = "truncated name";
		return NULL;
	}
	if (n == 0) {
		*reason = "empty name";
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e) {
			*reason = "name byte not printable ASCII";
			return NULL;
		}
	}
	*ret_len = n;
	return (const char *)p;
}

static const uint8_t *cur_value(struct cursor *c, size_t *ret_len, const char **reason)
{
	size_t n = cur_u16(c);
	const uint8_t *p = cur_take(c, n);
	if (c->bad) {
		*reason = "truncated value";
		return NULL;
	}
	*ret_len = n;
	return p ? p : (const uint8_t *)"";
}

/* Walk state: section depth and whether a list is open. */
struct walk {
	unsigned depth;
	bool in_list;
};

/*
 * Reads one element at c and calls its callback. Returns 0, a callback's return, or -EBADMSG with
 * *reason set.
 */
static int parse_element(struct cursor *c, struct walk *w, const struct vici_parse_ops *ops,
			 void *ctx, const char **reason)
{
	const char *name = NULL;
	const uint8_t *value = NULL;
	size_t nlen = 0, vlen = 0;
	uint8_t type = cur_u8(c);

	switch (type) {
	case VICI_SECTION_START:
		if (w->in_list)
			return *reason = "section inside a list", -EBADMSG;
		if (w->depth >= VICI_DEPTH_MAX)
			return *reason = "sections nested too deep", -EBADMSG;
		if (!(name = cur_name(c, &nlen, reason)))
			return -EBADMSG;
		w->depth++;
		return ops && ops->section_start ? ops->section_start(ctx, w->depth - 1, name, nlen)
						 : 0;
	case VICI_SECTION_END:
		if (w->in_list)
			return *reason = "section end inside a list", -EBADMSG;
		if (w->depth == 0)
			return *reason = "section end without a section", -EBADMSG;
		w->depth--;
		return ops && ops->section_end ? ops->section_end(ctx, w->depth) : 0;
	case VICI_KEY_VALUE:
		if (w->in_list)
			return *reason = "key-value inside a list", -EBADMSG;
		if (!(name = cur_name(c, &nlen, reason)) || !(value = cur_value(c, &vlen, reason)))
			return -EBADMSG;
		return ops && ops->key_value
			       ? ops->key_value(ctx, w->depth, name, nlen, value, vlen)
			       : 0;
	case VICI_LIST_START:
		if (w->in_list)
			return *reason = "list inside a list", -EBADMSG;
		if (!(name = cur_name(c, &nlen, reason)))
			return -EBADMSG;
		w->in_list = true;
		return ops && ops->list_start ? ops->list_start(ctx, w->depth, name, nlen) : 0;
	case VICI_LIST_ITEM:
		if (!w->in_list)
			return *reason = "list item outside a list", -EBADMSG;
		if (!(value = cur_value(c, &vlen, reason)))
			return -EBADMSG;
		return ops && ops->list_item ? ops->list_item(ctx, w->depth, value, vlen) : 0;
	case VICI_LIST_END:
		if (!w->in_list)
			return *reason = "list end without a list", -EBADMSG;
		w->in_list = false;
		return ops && ops->list_end ? ops->list_end(ctx, w->depth) : 0;
	default:
		return *reason = "unknown element type", -EBADMSG;
	}
}

int vici_parse(const uint8_t *msg, size_t len, const struct vici_parse_ops *ops, void *ctx,
	       struct vici_parse_error *err)
{
	struct cursor c = cur_init(msg, len);
	struct walk w = {0};
	const char *reason = NULL;
	size_t at = 0;
	int r = 0;

	if (!msg && len) {
		reason = "no buffer";
		r = -EBADMSG;
	} else if (len > VICI_MSG_MAX) {
		reason = "message over VICI_MSG_MAX";
		r = -EBADMSG;
	}
	while (!r && c.left > 0) {
		at = len - c.left;
		r = parse_element(&c, &w, ops, ctx, &reason);
	}
	if (!r && (w.depth || w.in_list)) {
		at = len;
		reason = w.in_list ? "list not closed" : "section not closed";
		r = -EBADMSG;
	}
	if (r == -EBADMSG && reason && err) {
		err->offset = at;
		err->reason = reason;
	}
	return r;
}

/* Tree building: nodes come from one array; stack[d] is the open section or list at level d. */
struct tree_builder {
	struct vici_tree *tree;
	struct vici_node *stack[VICI_DEPTH_MAX + 2];
	struct vici_node *last[VICI_DEPTH_MAX + 2];
	unsigned top;
};

static int count_cb(void *ctx)
{
	(*(size_t *)ctx)++;
	return 0;
}

static int count_named(void *ctx, unsigned depth, const char *name, size_t name_len)
{
	(void)depth, (void)name, (void)name_len;
	return count_cb(ctx);
}

static int count_kv(void *ctx, unsigned depth, const char *name, size_t name_len,
		    const uint8_t *value, size_t value_len)
{
	(void)depth, (void)name, (void)name_len, (void)value, (void)value_len;
	return count_cb(ctx);
}

static int count_item(void *ctx, unsigned depth, const uint8_t *value, size_t value_len)
{
	(void)depth, (void)value, (void)value_len;
	return count_cb(ctx);
}

/* Appends a node under the open section or list; for sections and lists, opens it. */
static struct vici_node *tree_add(struct tree_builder *tb, enum vici_element type, bool open)
{
	struct vici_tree *t = tb->tree;
	struct vici_node *n = &t->nodes[++t->count];
	struct vici_node *parent = tb->stack[tb->top];

	n->type = type;
	if (tb->last[tb->top])
		tb->last[tb->top]->next = n;
	else
		parent->child = n;
	tb->last[tb->top] = n;
	if (open) {
		tb->top++;
		tb->stack[tb->top] = n;
		tb->last[tb->top] = NULL;
	}
	return n;
}

static int tree_named(struct tree_builder *tb, enum vici_element type, const char *name,
		      size_t name_len)
{
	struct vici_node *n = tree_add(tb, type, true);
	n->name = name;
	n->name_len = name_len;
	return 0;
}

static int tree_section(void *ctx, unsigned depth, const char *name, size_t name_len)
{
	(void)depth;
	return tree_named(ctx, VICI_SECTION_START, name, name_len);
}

static int tree_list(void *ctx, unsigned depth, const char *name, size_t name_len)
{
	(void)depth;
	return tree_named(ctx, VICI_LIST_START, name, name_len);
}

static int tree_close(void *ctx, unsigned depth)
{
	struct tree_builder *tb = ctx;
	(void)depth;
	tb->top--;
	return 0;
}

static int tree_kv(void *ctx, unsigned depth, const char *name, size_t name_len,
		   const uint8_t *value, size_t value_len)
{
	struct vici_node *n = tree_add(ctx, VICI_KEY_VALUE, false);
	(void)depth;
	n->name = name;
	n->name_len = name_len;
	n->value = value;
	n->value_len = value_len;
	return 0;
}

static int tree_item(void *ctx, unsigned depth, const uint8_t *value, size_t value_len)
{
	struct vici_node *n = tree_add(ctx, VICI_LIST_ITEM, false);
	(void)depth;
	n->value = value;
	n->value_len = value_len;
	return 0;
}

int vici_tree_parse(const uint8_t *msg, size_t len, struct vici_tree **ret_tree,
		    struct vici_parse_error *err)
{
	static const struct vici_parse_ops count_ops = {
		.section_start = count_named,
		.key_value = count_kv,
		.list_start = count_named,
		.list_item = count_item,
	};
	static const struct vici_parse_ops tree_ops = {
		.section_start = tree_section,
		.section_end = tree_close,
		.key_value = tree_kv,
		.list_start = tree_list,
		.list_item = tree_item,
		.list_end = tree_close,
	};
	size_t count = 0;
	int r = vici_parse(msg, len, &count_ops, &count, err);
	if (r)
		return r;
	/* count <= len / 2, so this stays far below SIZE_MAX. */
	struct vici_tree *t = calloc(1, sizeof(*t) + (count + 1) * sizeof(t->nodes[0]));
	if (!t)
		return -ENOMEM;
	struct tree_builder tb = {.tree = t};
	t->root = &t->nodes[0];
	t->root->type = VICI_SECTION_START;
	tb.stack[0] = t->root;
	r = vici_parse(msg, len, &tree_ops, &tb, err);
	if (r) {
		free(t);
		return r;
	}
	*ret_tree = t;
	return 0;
}

void vici_tree_free(struct vici_tree *tree)
{
	free(tree);
}

bool vici_node_is(const struct vici_node *node, const char *name)
{
	size_t n = strlen(name);
	return node && node->name && node->name_len == n && memcmp(node->name, name, n) == 0;
}

const struct vici_node *vici_node_get(const struct vici_node *sec, const char *name)
{
	if (!sec)
		return NULL;
	for (const struct vici_node *n = sec->child; n; n = n->next)
		if (vici_node_is(n, name))
			return n;
	return NULL;
}

const char *vici_node_str(const struct vici_node *sec, const char *name, char *out, size_t cap,
			  const char *def)
{
	if (cap == 0)
		return def;
	const struct vici_node *n = vici_node_get(sec, name);
	const void *v = def;
	size_t len = strlen(def);
	if (n && n->type == VICI_KEY_VALUE) {
		v = n->value;
		len = n->value_len;
	}
	if (len > cap - 1)
		len = cap - 1;
	if (len)
		memmove(out, v, len); /* def may be out itself */
	out[len] = '\0';
	return out;
}

int vici_node_copy(const struct vici_node *sec, const char *name, char *out, size_t cap)
{
	if (cap == 0)
		return -EINVAL;
	out[0] = '\0';
	const struct vici_node *n = vici_node_get(sec, name);
	if (!n || n->type != VICI_KEY_VALUE)
		return -ENOENT;
	if (n->value_len > cap - 1 || n->value_len > INT_MAX)
		return -ENAMETOOLONG;
	if (n->value_len && memchr(n->value, '\0', n->value_len))
		return -EINVAL;
	if (n->value_len)
		memcpy(out, n->value, n->value_len);
	out[n->value_len] = '\0';
	return (int)n->value_len;
}

int vici_packet_parse(const uint8_t *seg, size_t len, struct vici_packet *ret_packet)
{
	struct cursor c = cur_init(seg, len);
	struct vici_packet pk = {0};
	const char *reason = NULL;
	uint8_t type = cur_u8(&c);

	if (c.bad || type >= VICI_PACKET__MAX || len > VICI_MSG_MAX)
		return -EBADMSG;
	pk.type = type;
	if (type == VICI_CMD_REQUEST || type == VICI_EVENT_REGISTER ||
	    type == VICI_EVENT_UNREGISTER || type == VICI_EVENT) {
		pk.name = (const uint8_t *)cur_name(&c, &pk.name_len, &reason);
		if (!pk.name)
			return -EBADMSG;
	}
	if (type == VICI_CMD_REQUEST || type == VICI_CMD_RESPONSE || type == VICI_EVENT) {
		pk.msg = c.p;
		pk.msg_len = c.left;
	} else if (c.left) {
		return -EBADMSG;
	}
	*ret_packet = pk;
	return 0;
}
