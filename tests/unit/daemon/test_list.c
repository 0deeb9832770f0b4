// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's intrusive lists (daemon/list.h): hlist insertion newest first, O(1) removal at the
 * head, in the middle and at the tail, one record on several lists at once, removal (and reuse)
 * of the current entry in a _safe walk; the circular list as a FIFO queue.
 */
#include <string.h>

#include "daemon/list.h"
#include "tests/testutil.h"

#define CHECK_EQ_STR(a, b) CHECK(strcmp((a), (b)) == 0)

struct rec {
	int v;
	struct dmn_hlist_node all, odd; /* on "all", and on "odd" when v is odd */
	struct dmn_list_head q;
};

/* The values of h through member all, in order, as decimal digits ("" when empty). */
static const char *walk_all(const struct dmn_hlist_head *h, char *buf)
{
	size_t n = 0;
	const struct rec *r;
	dmn_hlist_for_each_entry (r, h, all)
		if (n < 15)
			buf[n++] = (char)('0' + r->v);
	buf[n] = 0;
	return buf;
}

static const char *walk_odd(const struct dmn_hlist_head *h, char *buf)
{
	size_t n = 0;
	for (const struct rec *r = dmn_hlist_first_entry(h, const struct rec, odd); r && n < 15;
	     r = dmn_hlist_next_entry(r, odd))
		buf[n++] = (char)('0' + r->v);
	buf[n] = 0;
	return buf;
}

static const char *walk_q(struct dmn_list_head *h, char *buf)
{
	size_t n = 0;
	struct rec *r;
	dmn_list_for_each_entry (r, h, q)
		if (n < 15)
			buf[n++] = (char)('0' + r->v);
	buf[n] = 0;
	return buf;
}

static void test_hlist(void)
{
	struct rec r[6];
	memset(r, 0, sizeof(r));
	struct dmn_hlist_head all = {0}, odd = {0};
	char b[16];
	CHECK(dmn_hlist_empty(&all));
	CHECK(dmn_hlist_first_entry(&all, struct rec, all) == NULL);
	CHECK_EQ_STR(walk_all(&all, b), "");
	for (int i = 0; i < 6; i++) {
		r[i].v = i;
		CHECK(!dmn_hlist_linked(&r[i].all));
		dmn_hlist_add_head(&r[i].all, &all);
		if (i % 2)
			dmn_hlist_add_head(&r[i].odd, &odd);
	}
	CHECK(!dmn_hlist_empty(&all));
	CHECK_EQ_STR(walk_all(&all, b), "543210"); /* newest first */
	CHECK_EQ_STR(walk_odd(&odd, b), "531");
	CHECK(dmn_hlist_linked(&r[3].odd) && !dmn_hlist_linked(&r[2].odd));
	/* removal in the middle, at the head and at the tail, from one list only */
	dmn_hlist_del(&r[3].all);
	CHECK(!dmn_hlist_linked(&r[3].all));
	CHECK_EQ_STR(walk_all(&all, b), "54210");
	CHECK_EQ_STR(walk_odd(&odd, b), "531");
	dmn_hlist_del(&r[5].all);
	dmn_hlist_del(&r[0].all);
	CHECK_EQ_STR(walk_all(&all, b), "421");
	dmn_hlist_del(&r[0].all); /* on no list: nothing happens */
	CHECK_EQ_STR(walk_all(&all, b), "421");
	dmn_hlist_del(&r[1].odd);
	CHECK_EQ_STR(walk_odd(&odd, b), "53");
	/* a removed node can be linked again */
	dmn_hlist_add_head(&r[5].all, &all);
	CHECK_EQ_STR(walk_all(&all, b), "5421");
	/* a _safe walk that removes every other entry, then all of them */
	struct rec *p;
	struct dmn_hlist_node *tmp;
	int seen = 0;
	dmn_hlist_for_each_entry_safe (p, tmp, &all, all) {
		seen++;
		if (p->v % 2 == 0)
			dmn_hlist_del(&p->all);
	}
	CHECK_EQ_INT(seen, 4);
	CHECK_EQ_STR(walk_all(&all, b), "51");
	dmn_hlist_for_each_entry_safe (p, tmp, &all, all) {
		dmn_hlist_del(&p->all);
		p->all.next = (struct dmn_hlist_node *)1; /* as if freed: tmp must not be reread */
	}
	CHECK(dmn_hlist_empty(&all));
}

static void test_list(void)
{
	struct rec r[4];
	memset(r, 0, sizeof(r));
	struct dmn_list_head q;
	char b[16];
	dmn_list_init(&q);
	CHECK(dmn_list_empty(&q));
	CHECK(dmn_list_first_entry_or_null(&q, struct rec, q) == NULL);
	for (int i = 0; i < 4; i++) {
		r[i].v = i;
		dmn_list_add_tail(&r[i].q, &q);
	}
	CHECK_EQ_STR(walk_q(&q, b), "0123"); /* a queue: oldest first */
	CHECK(dmn_list_first_entry_or_null(&q, struct rec, q) == &r[0]);
	dmn_list_del_init(&r[0].q);
	dmn_list_del_init(&r[2].q);
	CHECK_EQ_STR(walk_q(&q, b), "13");
	dmn_list_add(&r[2].q, &q); /* at the head */
	CHECK_EQ_STR(walk_q(&q, b), "213");
	struct rec *p, *tmp;
	int seen = 0;
	dmn_list_for_each_entry_safe (p, tmp, &q, q) {
		seen++;
		dmn_list_del_init(&p->q);
	}
	CHECK_EQ_INT(seen, 3);
	CHECK(dmn_list_empty(&q));
	CHECK(dmn_list_empty(&r[1].q)); /* a removed node is on no list */
}

int main(void)
{
	test_hlist();
	test_list();
	return TEST_END();
}
