/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Intrusive lists for the daemon, in the style of the Linux kernel's list.h: a record embeds one
 * node per list it is on, and dmn_container_of gets the record back from a node. Nothing here
 * allocates.
 *
 * - struct dmn_hlist_head / struct dmn_hlist_node: a NULL-terminated doubly linked list whose
 *   head is one pointer, for hash buckets and for lists whose head lives in a zeroed struct (an
 *   all-zero head is an empty list). Insertion at the head (newest first), O(1) removal without
 *   knowing the head.
 * - struct dmn_list_head: a circular doubly linked list with both ends, for FIFO queues. A head
 *   must be initialised (dmn_list_init) before use; a node that is on no list after
 *   dmn_list_del_init is one.
 *
 * The _safe iterations allow the current entry to be removed (and freed) in the loop body; no
 * iteration allows another entry to be removed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The struct of type type whose member member is at ptr. */
#define dmn_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* ---- hlist: NULL-terminated, one-pointer heads ---- */

struct dmn_hlist_node {
	struct dmn_hlist_node *next;
	struct dmn_hlist_node **pprev; /* the pointer that points at this node (NULL: unlinked) */
};

struct dmn_hlist_head {
	struct dmn_hlist_node *first;
};

static inline bool dmn_hlist_empty(const struct dmn_hlist_head *h)
{
	return !h->first;
}

/* Whether n is on a list. A zeroed node is not. */
static inline bool dmn_hlist_linked(const struct dmn_hlist_node *n)
{
	return n->pprev != NULL;
}

/* Links n (on no list) at the head of h. */
static inline void dmn_hlist_add_head(struct dmn_hlist_node *n, struct dmn_hlist_head *h)
{
	n->next = h->first;
	if (n->next)
		n->next->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}

/* Unlinks n from its list; n is then on none. A node on no list is left alone. */
static inline void dmn_hlist_del(struct dmn_hlist_node *n)
{
	if (!n->pprev)
		return;
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}

/* The entry of node ptr (of type type, through member), or NULL when ptr is NULL. */
#define dmn_hlist_entry_safe(ptr, type, member)                                                    \
	({                                                                                         \
		struct dmn_hlist_node *dmn_hl_p_ = (ptr);                                          \
		dmn_hl_p_ ? dmn_container_of(dmn_hl_p_, type, member) : NULL;                      \
	})

/* The first entry of h, or NULL. */
#define dmn_hlist_first_entry(h, type, member) dmn_hlist_entry_safe((h)->first, type, member)

/* The entry after pos on its list through member, or NULL. */
#define dmn_hlist_next_entry(pos, member)                                                          \
	dmn_hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member)

/* for (each entry pos of h, through member) */
#define dmn_hlist_for_each_entry(pos, h, member)                                                   \
	for (pos = dmn_hlist_first_entry(h, __typeof__(*(pos)), member); pos;                      \
	     pos = dmn_hlist_next_entry(pos, member))

/* The same, where the body may unlink and free pos; tmp is a struct dmn_hlist_node *. */
#define dmn_hlist_for_each_entry_safe(pos, tmp, h, member)                                         \
	for (pos = dmn_hlist_first_entry(h, __typeof__(*(pos)), member);                           \
	     pos && ((tmp) = (pos)->member.next, 1);                                               \
	     pos = dmn_hlist_entry_safe(tmp, __typeof__(*(pos)), member))

/* ---- list: circular, with both ends ---- */

struct dmn_list_head {
	struct dmn_list_head *next, *prev;
};

/* Makes h an empty list (or a node that is on none). */
static inline void dmn_list_init(struct dmn_list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool dmn_list_empty(const struct dmn_list_head *h)
{
	return h->next == h;
}

static inline void dmn_list_insert_(struct dmn_list_head *n, struct dmn_list_head *prev,
				    struct dmn_list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

/* Links n at the head of h (a stack). */
static inline void dmn_list_add(struct dmn_list_head *n, struct dmn_list_head *h)
{
	dmn_list_insert_(n, h, h->next);
}

/* Links n at the tail of h (a queue). */
static inline void dmn_list_add_tail(struct dmn_list_head *n, struct dmn_list_head *h)
{
	dmn_list_insert_(n, h->prev, h);
}

/* Unlinks n from its list and makes it a node on none. */
static inline void dmn_list_del_init(struct dmn_list_head *n)
{
	n->next->prev = n->prev;
	n->prev->next = n->next;
	dmn_list_init(n);
}

#define dmn_list_entry(ptr, type, member) dmn_container_of(ptr, type, member)

/* The first entry of h, or NULL when h is empty. */
#define dmn_list_first_entry_or_null(h, type, member)                                              \
	({                                                                                         \
		struct dmn_list_head *dmn_l_h_ = (h);                                              \
		dmn_l_h_->next != dmn_l_h_ ? dmn_list_entry(dmn_l_h_->next, type, member) : NULL;  \
	})

/* for (each entry pos of h, through member, head to tail) */
#define dmn_list_for_each_entry(pos, h, member)                                                    \
	for (pos = dmn_list_entry((h)->next, __typeof__(*(pos)), member); &(pos)->member != (h);   \
	     pos = dmn_list_entry((pos)->member.next, __typeof__(*(pos)), member))

/* The same, where the body may unlink and free pos; tmp is of pos's type. */
#define dmn_list_for_each_entry_safe(pos, tmp, h, member)                                          \
	for (pos = dmn_list_entry((h)->next, __typeof__(*(pos)), member),                          \
	    tmp = dmn_list_entry((pos)->member.next, __typeof__(*(pos)), member);                  \
	     &(pos)->member != (h);                                                                \
	     pos = tmp, tmp = dmn_list_entry((tmp)->member.next, __typeof__(*(tmp)), member))
