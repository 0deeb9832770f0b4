// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output of VICI messages: as JSON (RFC 8259 string escaping; the output is always valid UTF-8)
 * and as an indented text tree in which untrusted bytes cannot reach the terminal raw.
 */
#include "oakley.h"

#include <stdlib.h>
#include <string.h>

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629 §4: no overlongs, no surrogates, at
 * most U+10FFFF), or 0 if the bytes there are not one.
 */
static size_t utf8_len(const uint8_t *p, size_t left)
{
	size_t n;
	uint8_t lo = 0x80, hi = 0xbf;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void oak_json_string(FILE *out, const void *s, size_t len)
{
	const uint8_t *p = s;
	fputc('"', out);
	for (size_t i = 0; i < len;) {
		uint8_t c = p[i];
		size_t n = utf8_len(p + i, len - i);
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\r') {
			fputs("\\r", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (c < 0x20 || c == 0x7f || n == 0) {
			/* Control bytes, and bytes that are not UTF-8, as their Latin-1 code point.
			 */
			fprintf(out, "\\u%04x", c);
			n = 1;
		} else {
			fwrite(p + i, 1, n, out);
		}
		i += n ? n : 1;
	}
	fputc('"', out);
}

static void json_node(FILE *out, const struct vici_node *n);

/* Writes the children of a list as a JSON array of strings. */
static void json_list(FILE *out, const struct vici_node *list)
{
	fputc('[', out);
	for (const struct vici_node *it = list->child; it; it = it->next) {
		oak_json_string(out, it->value, it->value_len);
		if (it->next)
			fputc(',', out);
	}
	fputc(']', out);
}

static void json_node(FILE *out, const struct vici_node *n)
{
	oak_json_string(out, n->name, n->name_len);
	fputc(':', out);
	if (n->type == VICI_SECTION_START)
		oak_json_section(out, n);
	else if (n->type == VICI_LIST_START)
		json_list(out, n);
	else
		oak_json_string(out, n->value, n->value_len);
}

void oak_json_section(FILE *out, const struct vici_node *sec)
{
	fputc('{', out);
	for (const struct vici_node *n = sec->child; n; n = n->next) {
		json_node(out, n);
		if (n->next)
			fputc(',', out);
	}
	fputc('}', out);
}

void oak_print_bytes(FILE *out, const void *s, size_t len)
{
	const uint8_t *p = s;
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			fputc(p[i], out);
		else
			fprintf(out, "\\x%02x", p[i]);
	}
}

static void indent_to(FILE *out, unsigned indent)
{
	for (unsigned i = 0; i < indent; i++)
		fputs("  ", out);
}

void oak_print_section(FILE *out, const struct vici_node *sec, unsigned indent)
{
	for (const struct vici_node *n = sec->child; n; n = n->next) {
		indent_to(out, indent);
		oak_print_bytes(out, n->name, n->name_len);
		if (n->type == VICI_SECTION_START) {
			fputs(":\n", out);
			oak_print_section(out, n, indent + 1);
			continue;
		}
		fputs(n->type == VICI_LIST_START ? ": [" : ": ", out);
		if (n->type == VICI_KEY_VALUE)
			oak_print_bytes(out, n->value, n->value_len);
		for (const struct vici_node *it = n->type == VICI_LIST_START ? n->child : NULL; it;
		     it = it->next) {
			oak_print_bytes(out, it->value, it->value_len);
			if (it->next)
				fputs(", ", out);
		}
		fputs(n->type == VICI_LIST_START ? "]\n" : "\n", out);
	}
}

void oak_print_log(FILE *out, const struct vici_node *root)
{
	char group[16], msg[1024];
	vici_node_str(root, "group", group, sizeof(group), "???");
	vici_node_str(root, "msg", msg, sizeof(msg), "");
	fputc('[', out);
	oak_print_bytes(out, group, strlen(group));
	fputs("] ", out);
	oak_print_bytes(out, msg, strlen(msg));
	fputc('\n', out);
	fflush(out);
}

const char *oak_fmt_bytes(char *buf, size_t cap, const char *count)
{
	static const char *const units[] = {"bytes", "KB", "MB", "GB", "TB"};
	char *end = NULL;
	unsigned long long n = strtoull(count, &end, 10);
	if (!*count || !end || *end) {
		snprintf(buf, cap, "? bytes");
		return buf;
	}
	double v = (double)n;
	unsigned u = 0;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%llu bytes", n);
	else
		snprintf(buf, cap, "%.1f %s", v, units[u]);
	return buf;
}
