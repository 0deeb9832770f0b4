// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target `vici`: the input is a VICI segment (packet type, name, message) and also,
 * read whole, a bare message. Every message the parser accepts is re-encoded from its tree with
 * the builder; the encoding is canonical, so the bytes must come back identical (else abort).
 * Its JSON form (tools/oakley/output.c, which sees the same untrusted bytes) must be well-formed
 * UTF-8 without raw control characters, and its text form printable ASCII plus newlines.
 */
#include "tools/oakley/oakley.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Copies a node name into a C string (names are 1..255 printable bytes, never NUL). */
static const char *cname(const struct vici_node *n, char buf[VICI_NAME_MAX + 1])
{
	memcpy(buf, n->name, n->name_len);
	buf[n->name_len] = '\0';
	return buf;
}

static void encode(struct vici_builder *b, const struct vici_node *sec)
{
	char name[VICI_NAME_MAX + 1];
	for (const struct vici_node *n = sec->child; n; n = n->next) {
		switch (n->type) {
		case VICI_SECTION_START:
			vici_begin_section(b, cname(n, name));
			encode(b, n);
			vici_end_section(b);
			break;
		case VICI_LIST_START:
			vici_begin_list(b, cname(n, name));
			for (const struct vici_node *it = n->child; it; it = it->next)
				vici_add_list_item(b, it->value, it->value_len);
			vici_end_list(b);
			break;
		case VICI_KEY_VALUE:
			vici_add_kv(b, cname(n, name), n->value, n->value_len);
			break;
		default:
			abort();
		}
	}
}

/* Whether s is well-formed UTF-8 (RFC 3629 §4) with no byte below 0x20 except newline. */
static bool clean_utf8(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		size_t n = c < 0x80		    ? 1
			   : c >= 0xc2 && c <= 0xdf ? 2
			   : c >= 0xe0 && c <= 0xef ? 3
			   : c >= 0xf0 && c <= 0xf4 ? 4
						    : 0;
		if (n == 0 || n > len - i || (c < 0x20 && c != '\n'))
			return false;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
		    (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
			return false;
		i += n;
	}
	return true;
}

/* Renders the tree as JSON and as text and checks both are safe to print. */
static void check_output(const struct vici_tree *tree)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return;
	oak_json_section(out, tree->root);
	fputc('\n', out);
	oak_print_section(out, tree->root, 0);
	fclose(out);
	if (!clean_utf8((const uint8_t *)text, len))
		abort();
	free(text);
}

/* Parses msg; if accepted, checks the re-encoding round trip. */
static void check_message(const uint8_t *msg, size_t len)
{
	struct vici_tree *tree = NULL;
	struct vici_parse_error err = {0};
	struct vici_builder b;
	const uint8_t *out;
	size_t out_len;

	if (vici_tree_parse(msg, len, &tree, &err) != 0) {
		if (!err.reason || err.offset > len)
			abort();
		return;
	}
	vici_builder_init(&b);
	encode(&b, tree->root);
	if (vici_finish(&b, &out, &out_len) != 0 || out_len != len ||
	    (len && memcmp(out, msg, len) != 0)) {
		fprintf(stderr, "round trip mismatch (%zu -> %zu bytes)\n", len, out_len);
		abort();
	}
	vici_builder_free(&b);
	check_output(tree);
	vici_tree_free(tree);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vici_packet pk;
	if (vici_packet_parse(data, size, &pk) == 0 && pk.msg)
		check_message(pk.msg, pk.msg_len);
	check_message(data, size);
	return 0;
}
