// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the oakley tool's output helpers (tools/oakley/output.c): JSON string escaping
 * (RFC 8259 §7: '"', '\\' and U+0000..U+001F must be escaped; the text must be UTF-8, RFC 8259
 * §8.1, so bytes that are not well-formed UTF-8 per RFC 3629 §4 are written as \u00XX), the JSON
 * and text forms of a message tree, and the byte-count formatting of `status`.
 */
#include "tools/oakley/oakley.h"

#include <stdlib.h>

#include "tests/testutil.h"

/* Runs fn on a memstream and compares what it wrote with want. */
#define CHECK_OUT(want, call)                                                                      \
	do {                                                                                       \
		char *text_ = NULL;                                                                \
		size_t len_ = 0;                                                                   \
		FILE *out = open_memstream(&text_, &len_);                                         \
		call;                                                                              \
		fclose(out);                                                                       \
		if (!CHECK(text_ && strcmp(text_, (want)) == 0))                                   \
			fprintf(stderr, "  got  %s\n  want %s\n", text_, (want));                  \
		free(text_);                                                                       \
	} while (0)

static void test_json_string(void)
{
	CHECK_OUT("\"plain\"", oak_json_string(out, "plain", 5));
	CHECK_OUT("\"\"", oak_json_string(out, "", 0));
	CHECK_OUT("\"q\\\"b\\\\s\"", oak_json_string(out, "q\"b\\s", 5));
	CHECK_OUT("\"\\n\\r\\t\\u0000\\u001f\\u007f\"",
		  oak_json_string(out, "\n\r\t\0\x1f\x7f", 6));
	CHECK_OUT("\"/\"", oak_json_string(out, "/", 1));
	/* Well-formed UTF-8 passes through: U+00E9, U+20AC, U+1F600. */
	CHECK_OUT("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
		  oak_json_string(out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	/* Not UTF-8: a lone continuation byte, an overlong '/', a surrogate, a truncated sequence,
	 * a code point over U+10FFFF, 0xff. */
	CHECK_OUT("\"\\u0080\"", oak_json_string(out, "\x80", 1));
	CHECK_OUT("\"\\u00c0\\u00af\"", oak_json_string(out, "\xc0\xaf", 2));
	CHECK_OUT("\"\\u00ed\\u00a0\\u0080\"", oak_json_string(out, "\xed\xa0\x80", 3));
	CHECK_OUT("\"\\u00e2\\u0082\"", oak_json_string(out, "\xe2\x82", 2));
	CHECK_OUT("\"\\u00f4\\u0090\\u0080\\u0080\"", oak_json_string(out, "\xf4\x90\x80\x80", 4));
	CHECK_OUT("\"a\\u00ffb\"", oak_json_string(out,
						   "a\xff"
						   "b",
						   3));
}

static void test_tree_output(void)
{
	struct vici_builder b;
	const uint8_t *msg;
	size_t len;
	struct vici_tree *tree = NULL;

	vici_builder_init(&b);
	vici_begin_section(&b, "net");
	vici_add_kv_str(&b, "state", "ESTABLISHED");
	vici_add_kv(&b, "odd", "a\"\x1b", 3);
	vici_begin_list(&b, "local-ts");
	vici_add_list_item_str(&b, "198.51.100.0/24");
	vici_add_list_item_str(&b, "2001:db8::/32");
	vici_end_list(&b);
	vici_begin_list(&b, "empty");
	vici_end_list(&b);
	vici_begin_section(&b, "child-sas");
	vici_end_section(&b);
	vici_end_section(&b);
	vici_add_kv_str(&b, "top", "1");
	if (!CHECK_EQ_INT(vici_finish(&b, &msg, &len), 0) ||
	    !CHECK_EQ_INT(vici_tree_parse(msg, len, &tree, NULL), 0)) {
		vici_builder_free(&b);
		return;
	}
	CHECK_OUT("{\"net\":{\"state\":\"ESTABLISHED\",\"odd\":\"a\\\"\\u001b\","
		  "\"local-ts\":[\"198.51.100.0/24\",\"2001:db8::/32\"],\"empty\":[],"
		  "\"child-sas\":{}},\"top\":\"1\"}",
		  oak_json_section(out, tree->root));
	CHECK_OUT("net:\n"
		  "  state: ESTABLISHED\n"
		  "  odd: a\"\\x1b\n"
		  "  local-ts: [198.51.100.0/24, 2001:db8::/32]\n"
		  "  empty: []\n"
		  "  child-sas:\n"
		  "top: 1\n",
		  oak_print_section(out, tree->root, 0));
	vici_tree_free(tree);
	vici_builder_free(&b);

	/* A log event as swanctl's log/control-log carry it. */
	vici_builder_init(&b);
	vici_add_kv_str(&b, "group", "IKE");
	vici_add_kv_str(&b, "level", "1");
	vici_add_kv_str(&b, "msg", "initiating Main Mode IKE_SA net[1] to 192.0.2.2\n");
	CHECK_EQ_INT(vici_finish(&b, &msg, &len), 0);
	CHECK_EQ_INT(vici_tree_parse(msg, len, &tree, NULL), 0);
	if (tree)
		CHECK_OUT("[IKE] initiating Main Mode IKE_SA net[1] to 192.0.2.2\\x0a\n",
			  oak_print_log(out, tree->root));
	vici_tree_free(tree);
	vici_builder_free(&b);
}

static void test_fmt_bytes(void)
{
	char buf[32];
	CHECK(strcmp(oak_fmt_bytes(buf, sizeof(buf), "0"), "0 bytes") == 0);
	CHECK(strcmp(oak_fmt_bytes(buf, sizeof(buf), "1023"), "1023 bytes") == 0);
	CHECK(strcmp(oak_fmt_bytes(buf, sizeof(buf), "1536"), "1.5 KB") == 0);
	CHECK(strcmp(oak_fmt_bytes(buf, sizeof(buf), "5242880"), "5.0 MB") == 0);
	CHECK(strcmp(oak_fmt_bytes(buf, sizeof(buf), ""), "? bytes") == 0);
	CHECK(strcmp(oak_fmt_bytes(buf, sizeof(buf), "12x"), "? bytes") == 0);
}

int main(void)
{
	test_json_string();
	test_tree_output();
	test_fmt_bytes();
	return TEST_END();
}
