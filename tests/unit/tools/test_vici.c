// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the VICI codec (tools/vici): builder, parser (walk and tree), packet split and
 * segment framing. The byte vectors are written by hand from the wire description in strongSwan's
 * src/libcharon/plugins/vici/README.md ("Transport protocol", "Packet layer", "Message format":
 * 32-bit big-endian segment length; 8-bit packet type; 8-bit name length; element types
 * SECTION_START=1 .. LIST_END=6; 8-bit name lengths, 16-bit big-endian value lengths).
 */
#include "tools/vici/vici.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/testutil.h"

/* The message every element type appears in, built below and written out by hand here:
 *   key1 = value1
 *   section1 { sub-section { key2 = value2 }  list1 [ item1, item2 ] }
 */
static const char msg_hex[] = "03 04 6b657931 0006 76616c756531" /* KEY_VALUE key1=value1 */
			      "01 08 73656374696f6e31"		 /* SECTION_START section1 */
			      "01 0b 7375622d73656374696f6e"	 /* SECTION_START sub-section */
			      "03 04 6b657932 0006 76616c756532" /* KEY_VALUE key2=value2 */
			      "02"				 /* SECTION_END */
			      "04 05 6c69737431"		 /* LIST_START list1 */
			      "05 0005 6974656d31 05 0005 6974656d32" /* LIST_ITEM item1, item2 */
			      "06"				      /* LIST_END */
			      "02";				      /* SECTION_END */

static void build_example(struct vici_builder *b)
{
	vici_add_kv_str(b, "key1", "value1");
	vici_begin_section(b, "section1");
	vici_begin_section(b, "sub-section");
	vici_add_kv_fmt(b, "key2", "value%d", 2);
	vici_end_section(b);
	vici_begin_list(b, "list1");
	vici_add_list_item_str(b, "item1");
	vici_add_list_item(b, "item2", 5);
	vici_end_list(b);
	vici_end_section(b);
}

/* Records the walk as a string: S(name) E K(name=value) L(name) I(value) e, depth digits. */
struct trace {
	char buf[512];
	size_t len;
};

static void tr(struct trace *t, const char *s, size_t n)
{
	if (t->len + n < sizeof(t->buf)) {
		memcpy(t->buf + t->len, s, n);
		t->len += n;
		t->buf[t->len] = '\0';
	}
}

static int on_section(void *ctx, unsigned depth, const char *name, size_t len)
{
	char d = (char)('0' + depth);
	tr(ctx, "S", 1), tr(ctx, &d, 1), tr(ctx, "(", 1), tr(ctx, name, len), tr(ctx, ")", 1);
	return 0;
}

static int on_section_end(void *ctx, unsigned depth)
{
	char d = (char)('0' + depth);
	tr(ctx, "E", 1), tr(ctx, &d, 1);
	return 0;
}

static int on_kv(void *ctx, unsigned depth, const char *name, size_t len, const uint8_t *v,
		 size_t vlen)
{
	char d = (char)('0' + depth);
	tr(ctx, "K", 1), tr(ctx, &d, 1), tr(ctx, "(", 1), tr(ctx, name, len), tr(ctx, "=", 1);
	tr(ctx, (const char *)v, vlen), tr(ctx, ")", 1);
	return 0;
}

static int on_list(void *ctx, unsigned depth, const char *name, size_t len)
{
	(void)depth;
	tr(ctx, "L(", 2), tr(ctx, name, len), tr(ctx, ")", 1);
	return 0;
}

static int on_item(void *ctx, unsigned depth, const uint8_t *v, size_t vlen)
{
	(void)depth;
	tr(ctx, "I(", 2), tr(ctx, (const char *)v, vlen), tr(ctx, ")", 1);
	return 0;
}

static int on_list_end(void *ctx, unsigned depth)
{
	(void)depth;
	tr(ctx, "e", 1);
	return 0;
}

static const struct vici_parse_ops trace_ops = {
	.section_start = on_section,
	.section_end = on_section_end,
	.key_value = on_kv,
	.list_start = on_list,
	.list_item = on_item,
	.list_end = on_list_end,
};

static void test_round_trip(void)
{
	uint8_t want[256];
	int n = test_unhex(msg_hex, want, sizeof(want));
	struct vici_builder b;
	const uint8_t *out;
	size_t len;

	vici_builder_init(&b);
	build_example(&b);
	CHECK_EQ_INT(vici_finish(&b, &out, &len), 0);
	CHECK_EQ_INT(len, n);
	CHECK(len == (size_t)n && memcmp(out, want, len) == 0);

	struct trace t = {0};
	CHECK_EQ_INT(vici_parse(want, (size_t)n, &trace_ops, &t, NULL), 0);
	CHECK(strcmp(t.buf, "K0(key1=value1)S0(section1)S1(sub-section)K2(key2=value2)E1"
			    "L(list1)I(item1)I(item2)eE0") == 0);

	struct vici_tree *tree = NULL;
	char v[32];
	CHECK_EQ_INT(vici_tree_parse(out, len, &tree, NULL), 0);
	if (tree) {
		const struct vici_node *root = tree->root;
		const struct vici_node *s1 = vici_node_get(root, "section1");
		const struct vici_node *sub = vici_node_get(s1, "sub-section");
		const struct vici_node *l1 = vici_node_get(s1, "list1");
		CHECK_EQ_INT(tree->count, 7);
		CHECK(strcmp(vici_node_str(root, "key1", v, sizeof(v), "-"), "value1") == 0);
		CHECK(strcmp(vici_node_str(sub, "key2", v, sizeof(v), "-"), "value2") == 0);
		CHECK(strcmp(vici_node_str(sub, "nokey", v, sizeof(v), "-"), "-") == 0);
		CHECK(strcmp(vici_node_str(root, "key1", v, 4, "-"), "val") == 0);
		/* out is written even when the key is absent: never stale or uninitialised */
		memset(v, 'Z', sizeof(v));
		vici_node_str(root, "nokey", v, sizeof(v), "");
		CHECK_EQ_INT(v[0], '\0');
		memset(v, 'Z', sizeof(v));
		vici_node_str(root, "section1", v, sizeof(v), "dflt"); /* a section, not a value */
		CHECK(strcmp(v, "dflt") == 0);
		/* vici_node_copy: exact values or "" with a status */
		memset(v, 'Z', sizeof(v));
		CHECK_EQ_INT(vici_node_copy(root, "key1", v, sizeof(v)), 6);
		CHECK(strcmp(v, "value1") == 0);
		memset(v, 'Z', sizeof(v));
		CHECK_EQ_INT(vici_node_copy(root, "nokey", v, sizeof(v)), -ENOENT);
		CHECK_EQ_INT(v[0], '\0');
		memset(v, 'Z', sizeof(v));
		CHECK_EQ_INT(vici_node_copy(root, "section1", v, sizeof(v)), -ENOENT);
		CHECK_EQ_INT(v[0], '\0');
		memset(v, 'Z', sizeof(v));
		CHECK_EQ_INT(vici_node_copy(root, "key1", v, 6), -ENAMETOOLONG); /* no cut name */
		CHECK_EQ_INT(v[0], '\0');
		CHECK_EQ_INT(vici_node_copy(root, "key1", v, 7), 6);
		CHECK_EQ_INT(vici_node_copy(root, "key1", v, 0), -EINVAL);
		CHECK(s1 && s1->type == VICI_SECTION_START);
		CHECK(l1 && l1->type == VICI_LIST_START && l1->child && l1->child->next &&
		      !l1->child->next->next);
		CHECK(l1 && l1->child && l1->child->value_len == 5 &&
		      memcmp(l1->child->value, "item1", 5) == 0);
		CHECK(vici_node_get(root, "list1") == NULL);
	}
	vici_tree_free(tree);
	vici_builder_free(&b);
	vici_builder_free(NULL);
}

/* Empty values and binary values (NUL, 0xff) survive; an empty message parses to an empty tree. */
static void test_values(void)
{
	struct vici_builder b;
	const uint8_t *out;
	size_t len;
	static const uint8_t bin[] = {0x00, 0xff, 0x0a};
	uint8_t want[64];
	int n = test_unhex("03 01 61 0000  03 01 62 0003 00ff0a  04 01 6c 05 0000 06", want,
			   sizeof(want));

	vici_builder_init(&b);
	vici_add_kv(&b, "a", NULL, 0);
	vici_add_kv(&b, "b", bin, sizeof(bin));
	vici_begin_list(&b, "l");
	vici_add_list_item_str(&b, "");
	vici_end_list(&b);
	CHECK_EQ_INT(vici_finish(&b, &out, &len), 0);
	CHECK(len == (size_t)n && memcmp(out, want, len) == 0);
	vici_builder_free(&b);

	/* a name with a NUL byte inside is refused, not cut at the NUL; an empty one is "" */
	struct vici_tree *tree = NULL;
	char v[8];
	CHECK_EQ_INT(vici_tree_parse(want, (size_t)n, &tree, NULL), 0);
	CHECK_EQ_INT(vici_node_copy(tree ? tree->root : NULL, "b", v, sizeof(v)), -EINVAL);
	CHECK_EQ_INT(v[0], '\0');
	CHECK_EQ_INT(vici_node_copy(tree ? tree->root : NULL, "a", v, sizeof(v)), 0);
	CHECK_EQ_INT(v[0], '\0');
	vici_tree_free(tree);
	tree = NULL;
	CHECK_EQ_INT(vici_tree_parse(want, 0, &tree, NULL), 0);
	CHECK(tree && tree->root->child == NULL && tree->count == 0);
	vici_tree_free(tree);
	vici_builder_init(&b);
	CHECK_EQ_INT(vici_finish(&b, &out, &len), 0);
	CHECK_EQ_INT(len, 0);
	vici_builder_free(&b);
}

/* Packets: hand-built segments of each packet layout. */
static void test_packets(void)
{
	struct vici_builder b;
	const uint8_t *out;
	size_t len;
	uint8_t want[64];
	struct vici_packet pk;
	int n;

	/* CMD_REQUEST "version", empty message: length 9, type 0, name. */
	n = test_unhex("00000009 00 07 76657273696f6e", want, sizeof(want));
	vici_builder_init_packet(&b, VICI_CMD_REQUEST, "version");
	CHECK_EQ_INT(vici_finish(&b, &out, &len), 0);
	CHECK(len == (size_t)n && memcmp(out, want, len) == 0);
	vici_builder_free(&b);
	CHECK_EQ_INT(vici_packet_parse(want + 4, (size_t)n - 4, &pk), 0);
	CHECK_EQ_INT(pk.type, VICI_CMD_REQUEST);
	CHECK(pk.name_len == 7 && memcmp(pk.name, "version", 7) == 0 && pk.msg_len == 0);

	/* EVENT_REGISTER "log": no message. */
	n = test_unhex("00000005 03 03 6c6f67", want, sizeof(want));
	vici_builder_init_packet(&b, VICI_EVENT_REGISTER, "log");
	CHECK_EQ_INT(vici_finish(&b, &out, &len), 0);
	CHECK(len == (size_t)n && memcmp(out, want, len) == 0);
	vici_add_kv_str(&b, "k", "v"); /* no message in this packet type */
	CHECK_EQ_INT(vici_finish(&b, &out, &len), -EINVAL);
	vici_builder_free(&b);

	/* CMD_RESPONSE with success = yes. */
	n = test_unhex("0000000f 01 03 07 73756363657373 0003 796573", want, sizeof(want));
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_add_kv_str(&b, "success", "yes");
	CHECK_EQ_INT(vici_finish(&b, &out, &len), 0);
	CHECK(len == (size_t)n && memcmp(out, want, len) == 0);
	vici_builder_free(&b);
	CHECK_EQ_INT(vici_packet_parse(want + 4, (size_t)n - 4, &pk), 0);
	CHECK(pk.type == VICI_CMD_RESPONSE && pk.name_len == 0 && pk.msg_len == 14);

	/* Types without data must have none; named types need a name; unknown types fail. */
	n = test_unhex("05", want, sizeof(want));
	CHECK_EQ_INT(vici_packet_parse(want, 1, &pk), 0);
	CHECK_EQ_INT(pk.type, VICI_EVENT_CONFIRM);
	n = test_unhex("02 00", want, sizeof(want));
	CHECK_EQ_INT(vici_packet_parse(want, 2, &pk), -EBADMSG); /* CMD_UNKNOWN with data */
	n = test_unhex("07", want, sizeof(want));
	CHECK_EQ_INT(vici_packet_parse(want, 1, &pk), -EBADMSG); /* EVENT without a name */
	n = test_unhex("07 05 6c6f67", want, sizeof(want));
	CHECK_EQ_INT(vici_packet_parse(want, 3, &pk), -EBADMSG); /* name truncated */
	n = test_unhex("08", want, sizeof(want));
	CHECK_EQ_INT(vici_packet_parse(want, 1, &pk), -EBADMSG); /* unknown type */
	CHECK_EQ_INT(vici_packet_parse(want, 0, &pk), -EBADMSG); /* empty */
	(void)n;

	vici_builder_init_packet(&b, VICI_CMD_REQUEST, NULL);
	CHECK_EQ_INT(vici_finish(&b, &out, &len), -EINVAL); /* a request needs a name */
	vici_builder_free(&b);
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, "x");
	CHECK_EQ_INT(vici_finish(&b, &out, &len), -EINVAL); /* a response has none */
	vici_builder_free(&b);
	CHECK(strcmp(vici_packet_name(VICI_EVENT_CONFIRM), "EVENT_CONFIRM") == 0);
	CHECK(strcmp(vici_element_name(VICI_LIST_END), "LIST_END") == 0);
	CHECK(strcmp(vici_element_name(0), "?") == 0 && strcmp(vici_packet_name(99), "?") == 0);
}

/* Expects hex to be rejected with a reason at offset at. */
static void reject(const char *hex, size_t at, const char *why)
{
	uint8_t buf[128];
	struct vici_parse_error err = {0};
	struct vici_tree *tree = NULL;
	int n = test_unhex(hex, buf, sizeof(buf));
	CHECK(n >= 0);
	if (!CHECK_EQ_INT(vici_tree_parse(buf, (size_t)n, &tree, &err), -EBADMSG))
		fprintf(stderr, "  input %s (%s)\n", hex, why);
	CHECK(tree == NULL);
	CHECK(err.reason != NULL);
	if (!CHECK_EQ_INT(err.offset, at))
		fprintf(stderr, "  input %s: %s\n", hex, err.reason);
}

static void test_malformed(void)
{
	reject("00", 0, "element type 0");
	reject("07", 0, "element type 7");
	reject("02", 0, "section end at top level");
	reject("01 01 61", 3, "section not closed");
	reject("01 01 61 02 02", 4, "one end too many");
	reject("04 01 6c", 3, "list not closed");
	reject("05 0001 61", 0, "item outside a list");
	reject("06", 0, "list end without list");
	reject("04 01 6c 01 01 61 02 06", 3, "section inside list");
	reject("04 01 6c 04 01 6d 06 06", 3, "list inside list");
	reject("04 01 6c 03 01 61 0000 06", 3, "key-value inside list");
	reject("04 01 6c 02 06", 3, "section end inside list");
	reject("03 05 6b6579", 0, "name longer than the buffer");
	reject("03 03 6b6579 0005 7661", 0, "value longer than the buffer");
	reject("03 03 6b6579 00", 0, "value length truncated");
	reject("03", 0, "name length missing");
	reject("01 00 02", 0, "empty name");
	reject("03 01 0a 0000", 0, "control byte in name");
	reject("03 02 c3a9 0000", 0, "non-ASCII name");
	reject("03 01 61 0000 01 01 73", 8, "valid prefix, open section");

	/* Depth: VICI_DEPTH_MAX sections nest, one more does not. */
	uint8_t buf[4 * (VICI_DEPTH_MAX + 1) + 8];
	size_t n = 0;
	for (unsigned i = 0; i < VICI_DEPTH_MAX; i++)
		buf[n++] = VICI_SECTION_START, buf[n++] = 1, buf[n++] = 's';
	for (unsigned i = 0; i < VICI_DEPTH_MAX; i++)
		buf[n++] = VICI_SECTION_END;
	CHECK_EQ_INT(vici_parse(buf, n, NULL, NULL, NULL), 0);
	n = 0;
	for (unsigned i = 0; i <= VICI_DEPTH_MAX; i++)
		buf[n++] = VICI_SECTION_START, buf[n++] = 1, buf[n++] = 's';
	for (unsigned i = 0; i <= VICI_DEPTH_MAX; i++)
		buf[n++] = VICI_SECTION_END;
	struct vici_parse_error err = {0};
	CHECK_EQ_INT(vici_parse(buf, n, NULL, NULL, &err), -EBADMSG);
	CHECK_EQ_INT(err.offset, 3 * VICI_DEPTH_MAX);

	CHECK_EQ_INT(vici_parse(NULL, 1, NULL, NULL, NULL), -EBADMSG);
	CHECK_EQ_INT(vici_parse(NULL, 0, NULL, NULL, NULL), 0);

	/* Over the segment cap, whatever the content. */
	uint8_t *big = calloc(1, VICI_MSG_MAX + 1);
	CHECK_EQ_INT(vici_parse(big, VICI_MSG_MAX + 1, NULL, NULL, NULL), -EBADMSG);
	free(big);
}

/* A callback's return stops the walk and is passed through. */
static int stop_at_kv(void *ctx, unsigned depth, const char *name, size_t len, const uint8_t *v,
		      size_t vlen)
{
	(void)ctx, (void)depth, (void)name, (void)len, (void)v, (void)vlen;
	return 42;
}

static void test_callback_stop(void)
{
	static const struct vici_parse_ops ops = {.key_value = stop_at_kv};
	uint8_t buf[256];
	int n = test_unhex(msg_hex, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK_EQ_INT(vici_parse(buf, (size_t)n, &ops, NULL, NULL), 42);
}

static void test_builder_errors(void)
{
	struct vici_builder b;
	const uint8_t *out;
	size_t len;
	char name[300];

	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	vici_builder_init(&b);
	vici_add_kv_str(&b, name, "v");
	CHECK_EQ_INT(vici_finish(&b, &out, &len), -ENAMETOOLONG);
	vici_add_kv_str(&b, "ok", "v"); /* the first error sticks */
	CHECK_EQ_INT(vici_finish(&b, &out, &len), -ENAMETOOLONG);
	vici_builder_free(&b);

	name[255] = '\0'; /* 255 is the largest name */
	vici_builder_init(&b);
	vici_begin_section(&b, name);
	vici_end_section(&b);
	CHECK_EQ_INT(vici_finish(&b, &out, &len), 0);
	CHECK_EQ_INT(len, 2 + 255 + 1);
	vici_builder_free(&b);

	static const struct {
		const char *what;
		int err;
	} cases[] = {
		{"empty name", -EINVAL},
		{"name with a newline", -EINVAL},
		{"section left open", -EINVAL},
		{"list left open", -EINVAL},
		{"end without section", -EINVAL},
		{"item outside list", -EINVAL},
		{"kv inside list", -EINVAL},
		{"section inside list", -EINVAL},
		{"value over 65535", -EMSGSIZE},
		{"too deep", -EMSGSIZE},
		{"end list without list", -EINVAL},
	};
	static uint8_t big_value[VICI_VALUE_MAX + 1];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vici_builder_init(&b);
		switch (i) {
		case 0:
			vici_add_kv_str(&b, "", "v");
			break;
		case 1:
			vici_add_kv_str(&b, "a\nb", "v");
			break;
		case 2:
			vici_begin_section(&b, "s");
			break;
		case 3:
			vici_begin_list(&b, "l");
			break;
		case 4:
			vici_end_section(&b);
			break;
		case 5:
			vici_add_list_item_str(&b, "x");
			break;
		case 6:
			vici_begin_list(&b, "l"), vici_add_kv_str(&b, "k", "v");
			break;
		case 7:
			vici_begin_list(&b, "l"), vici_begin_section(&b, "s");
			break;
		case 8:
			vici_add_kv(&b, "k", big_value, sizeof(big_value));
			break;
		case 9:
			for (unsigned d = 0; d <= VICI_DEPTH_MAX; d++)
				vici_begin_section(&b, "s");
			break;
		case 10:
			vici_end_list(&b);
			break;
		}
		if (!CHECK_EQ_INT(vici_finish(&b, &out, &len), cases[i].err))
			fprintf(stderr, "  case: %s\n", cases[i].what);
		vici_builder_free(&b);
	}

	/* The segment cap: 65535-byte values until the message would pass VICI_MSG_MAX. */
	vici_builder_init_packet(&b, VICI_EVENT, "list-sa");
	unsigned added = 0;
	for (unsigned i = 0; i < 16 && !b.err; i++, added++)
		vici_add_kv(&b, "k", big_value, VICI_VALUE_MAX);
	CHECK_EQ_INT(vici_finish(&b, &out, &len), -EMSGSIZE);
	CHECK_EQ_INT(added, VICI_MSG_MAX / (VICI_VALUE_MAX + 4) + 1);
	CHECK(b.len <= VICI_MSG_MAX + 4);
	vici_builder_free(&b);
}

/* Writes bytes to fd, failing the test on a short write. */
static void put(int fd, const char *hex)
{
	uint8_t buf[64];
	int n = test_unhex(hex, buf, sizeof(buf));
	CHECK(n > 0 && write(fd, buf, (size_t)n) == n);
}

static void test_reader(void)
{
	int sv[2];
	struct vici_reader r;
	uint8_t *seg;
	size_t len = 0;

	if (!CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0))
		return;
	CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	vici_reader_init(&r, 0);
	CHECK_EQ_INT(r.max, VICI_MSG_MAX);
	CHECK_EQ_INT(vici_reader_feed(&r, sv[0]), 0); /* nothing yet */
	put(sv[1], "0000");
	CHECK_EQ_INT(vici_reader_feed(&r, sv[0]), 0); /* half a header */
	put(sv[1], "0005 03 03 6c");
	CHECK_EQ_INT(vici_reader_feed(&r, sv[0]), 0); /* part of the data */
	CHECK(vici_reader_take(&r, &len) == NULL);
	put(sv[1], "6f67 00000001");
	CHECK_EQ_INT(vici_reader_feed(&r, sv[0]), 1);
	seg = vici_reader_take(&r, &len);
	CHECK(seg && len == 5 && memcmp(seg, "\x03\x03log", 5) == 0);
	free(seg);
	put(sv[1], "05"); /* the second segment was already half read */
	CHECK_EQ_INT(vici_reader_feed(&r, sv[0]), 1);
	seg = vici_reader_take(&r, &len);
	CHECK(seg && len == 1 && seg[0] == VICI_EVENT_CONFIRM);
	free(seg);

	put(sv[1], "00000000"); /* zero length */
	CHECK_EQ_INT(vici_reader_feed(&r, sv[0]), -EMSGSIZE);
	vici_reader_reset(&r);
	put(sv[1], "00080001"); /* 524289 > VICI_MSG_MAX */
	CHECK_EQ_INT(vici_reader_feed(&r, sv[0]), -EMSGSIZE);
	vici_reader_reset(&r);
	vici_reader_init(&r, 4); /* a smaller cap of the caller's */
	put(sv[1], "00000005");
	CHECK_EQ_INT(vici_reader_feed(&r, sv[0]), -EMSGSIZE);
	vici_reader_reset(&r);

	/* End of stream inside a segment, and between segments. */
	put(sv[1], "00000003 0102");
	close(sv[1]);
	CHECK_EQ_INT(vici_reader_feed(&r, sv[0]), -ECONNRESET);
	vici_reader_reset(&r);
	CHECK_EQ_INT(vici_reader_feed(&r, sv[0]), -ENOTCONN);
	vici_reader_reset(&r);
	close(sv[0]);

	/* Blocking read and write of a built packet. */
	struct vici_builder b;
	const uint8_t *out;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	vici_builder_init_packet(&b, VICI_CMD_REQUEST, "list-sas");
	vici_add_kv_str(&b, "ike", "net");
	CHECK_EQ_INT(vici_finish(&b, &out, &len), 0);
	CHECK_EQ_INT(vici_write_all(sv[1], out, len), 0);
	seg = NULL;
	ssize_t got = vici_segment_read(sv[0], VICI_MSG_MAX, &seg);
	CHECK_EQ_INT(got, len - 4);
	CHECK(seg && got > 0 && memcmp(seg, out + 4, (size_t)got) == 0);
	free(seg);
	vici_builder_free(&b);
	close(sv[1]);
	CHECK_EQ_INT(vici_segment_read(sv[0], VICI_MSG_MAX, &seg), -ENOTCONN);
	close(sv[0]);
	CHECK_EQ_INT(vici_write_all(-1, (const uint8_t *)"x", 1), -EBADF);

	/* Non-blocking writes: fill the socket until it would block, drain, finish. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	size_t big_len = VICI_MSG_MAX, off = 0, drained = 0;
	uint8_t *big = calloc(1, big_len), *sink = malloc(65536);
	int rc = 0;
	for (unsigned i = 0; i < 1000 && (rc = vici_write_some(sv[1], big, big_len, &off)) == 0;
	     i++) {
		ssize_t n = read(sv[0], sink, 65536);
		drained += n > 0 ? (size_t)n : 0;
	}
	CHECK_EQ_INT(rc, 1);
	CHECK_EQ_INT(off, big_len);
	CHECK(drained > 0 && drained < big_len); /* it did block at least once */
	close(sv[0]);
	off = 0;
	CHECK_EQ_INT(vici_write_some(sv[1], big, 1, &off), -EPIPE); /* peer gone: no SIGPIPE */
	close(sv[1]);
	free(big);
	free(sink);
}

int main(void)
{
	test_round_trip();
	test_values();
	test_packets();
	test_malformed();
	test_callback_stop();
	test_builder_errors();
	test_reader();
	return TEST_END();
}
