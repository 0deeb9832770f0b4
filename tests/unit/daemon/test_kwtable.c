// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The keyword table (daemon/config_keywords.c) against the code and the man page.
 *
 * (a) Every stored keyword is read by the code its row names. Mechanism: each row (and each
 *     derived field) names a consumer "file:function" outside daemon/config*.c and the C field it
 *     fills; this test opens that source file (the source dir is argv[1], passed by meson), finds
 *     the function's definition (a line at column 0 naming "function(", then the line "{" and
 *     the body up to the line "}", the layout clang-format gives every function) and looks in the
 *     body for a read of the field: "->field" or ".field" not followed by an assignment ("=" but
 *     not "=="). Naming the function, not just the file, keeps generic field names (type, id,
 *     host, proto) from matching unrelated code. A keyword that no code acts on thus fails here
 *     as soon as its row names where it should act; a row cannot name no consumer (only
 *     keywords that act while the conn is built, .at == CFG_AT_LOAD or .reload == CFG_RL_NONE,
 *     may name daemon/config*.c). It is a syntactic check: it proves that the function reads
 *     the field, not what it does with it; the behavioural tests (unit, exch, netns, vm) do that.
 * (b) packaging/man/oakley-ipsec.conf.5.scd lists exactly the table's keywords, each in the
 *     place of its class: a stored keyword as "*name=*" (with every alias) on an entry line of
 *     CONNECTION KEYWORDS, SIDE KEYWORDS (as *leftname=* or *rightname=*) or CONFIG SETUP
 *     KEYWORDS; an ignored one as "*name*" in an indented group of IGNORED KEYWORDS, a refused
 *     one likewise in REFUSED KEYWORDS, where "left/right:" and "config setup:" switch the group
 *     to side and config setup keywords.
 * (c) dmn_conn_compare reports the class each row gives (auto=, existing SAs follow, new SAs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/config_int.h"
#include "tests/unit/daemon/cfgtest.h"

/*
 * Keywords whose consumer another helper is writing on its branch (issue 15), as written in a
 * file ("left..." for side keywords, "setup ..." for config setup ones). Their rows already name
 * the consumer file; the check is skipped for them (and a line says when one already passes).
 * The lead empties this list when merging those branches.
 */
static const char *const pending[] = {
	/* rightsubnet=vhost:/vnet: flags (the derived field virt) are parsed but no code checks
	 * a proposal against them yet: listed under BUGS in oakley-ipsec.conf(5) */
	"derived virt",
};

static bool is_pending(const char *key)
{
	for (size_t i = 0; i < sizeof(pending) / sizeof(pending[0]); i++)
		if (!strcmp(pending[i], key))
			return true;
	return false;
}

static const char *srcdir = ".";

static char *slurp(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", srcdir, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	for (size_t r; buf && (r = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += r;
		if (n == cap) {
			char *nb = realloc(buf, 2 * cap + 1);
			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

static bool ident(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* The body of function fn in text, as [*ret_b, *ret_e): false when there is no definition. */
static bool function_body(const char *text, const char *fn, const char **ret_b, const char **ret_e)
{
	size_t l = strlen(fn);
	for (const char *p = strstr(text, fn); p; p = strstr(p + 1, fn)) {
		if ((p > text && ident(p[-1])) || p[l] != '(')
			continue;
		const char *ls = p;
		while (ls > text && ls[-1] != '\n')
			ls--;
		if (*ls == '\t' || *ls == ' ' || *ls == '#' || *ls == '/' || *ls == '*')
			continue; /* a call or a comment, not a definition */
		const char *open = strstr(p, "\n{\n"), *semi = strstr(p, ";\n");
		if (!open || (semi && semi < open))
			continue; /* a prototype */
		const char *close = strstr(open, "\n}\n");
		if (!close)
			return false;
		*ret_b = open;
		*ret_e = close;
		return true;
	}
	return false;
}

/* True when [b, e) reads field: "->field" or ".field", not assigned to. */
static bool reads_field(const char *b, const char *e, const char *field)
{
	size_t l = strlen(field);
	for (const char *p = b; p < e && (p = strstr(p, field)) && p < e; p++) {
		bool arrow = p - b >= 2 && p[-2] == '-' && p[-1] == '>';
		bool dot = p - b >= 1 && p[-1] == '.';
		if (!(arrow || dot) || ident(p[l]))
			continue;
		const char *q = p + l;
		while (*q == ' ' || *q == '\t')
			q++;
		if (q[0] == '=' && q[1] != '=')
			continue; /* an assignment */
		return true;
	}
	return false;
}

/* Checks one consumer; returns "" when fine, else why not. */
static const char *consumer_reads(const char *consumer, const char *field, bool load_time)
{
	static char why[160];
	char file[128];
	const char *colon = strchr(consumer, ':');
	size_t fl = colon ? (size_t)(colon - consumer) : strlen(consumer);
	if (fl >= sizeof(file))
		return "consumer name too long";
	memcpy(file, consumer, fl);
	file[fl] = '\0';
	if (!strncmp(file, "daemon/config", 13) && !load_time)
		return "the consumer of a stored field must be outside daemon/config*.c";
	if (load_time && !field)
		return ""; /* acts while the conn is built: the tests of test_keywords show how */
	char *text = slurp(file);
	if (!text) {
		snprintf(why, sizeof(why), "cannot read %s", file);
		return why;
	}
	const char *b = text, *e = text + strlen(text);
	bool ok = colon ? function_body(text, colon + 1, &b, &e) : true;
	if (!ok)
		snprintf(why, sizeof(why), "no function %s in %s", colon + 1, file);
	else if (!(ok = reads_field(b, e, field)))
		snprintf(why, sizeof(why), "%s does not read ->%s", consumer, field);
	free(text);
	return ok ? "" : why;
}

static void check_one(const char *key, const char *consumer, const char *field, bool load_time)
{
	const char *why = consumer ? consumer_reads(consumer, field, load_time) : "no consumer";
	if (is_pending(key)) {
		if (!why[0])
			printf("note: pending '%s' is read by %s now: remove it from the list\n",
			       key, consumer);
		return;
	}
	if (!CHECK(!why[0]))
		fprintf(stderr, "  keyword %s: %s\n", key, why);
}

static void every_stored_keyword_is_read(void)
{
	static const char *const prefix[] = {"", "left", "setup "};
	unsigned n_checked = 0;
	for (int t = 0; t < 3; t++) {
		size_t n;
		const struct cfg_kw *kw = dmn_cfg_kw_table(t, &n);
		for (size_t i = 0; i < n; i++) {
			char key[80];
			if (kw[i].cls != CFG_KW_STORED)
				continue;
			snprintf(key, sizeof(key), "%s%s", prefix[t], kw[i].name);
			bool load = kw[i].at == CFG_AT_LOAD || kw[i].reload == CFG_RL_NONE;
			CHECK(kw[i].at != CFG_AT_LOAD || kw[i].field == NULL);
			CHECK(kw[i].kind != CFG_V_CUSTOM || kw[i].apply ||
			      !strcmp(kw[i].name, "also"));
			check_one(key, kw[i].consumer, kw[i].field, load);
			n_checked++;
		}
	}
	size_t n;
	const struct cfg_derived *dv = dmn_cfg_kw_derived(&n);
	for (size_t i = 0; i < n; i++) {
		char key[80];
		snprintf(key, sizeof(key), "derived %s", dv[i].field);
		check_one(key, dv[i].consumer, dv[i].field, false);
		n_checked++;
	}
	printf("consumers: %u stored keywords and derived fields checked, %zu pending\n", n_checked,
	       sizeof(pending) / sizeof(pending[0]));
}

/* The mechanism itself: a function that only writes a field does not count as reading it. */
static void reads_field_is_strict(void)
{
	const char *text = "static void f(struct x *c)\n{\n\tc->dpddelay = 3;\n\tc->mark_in_mask "
			   "= 1;\n}\n\nstatic int g(void)\n{\n\treturn c->dpddelay == 3 || "
			   "s.mark_in;\n}\n";
	const char *b, *e;
	CHECK(function_body(text, "f", &b, &e) && !reads_field(b, e, "dpddelay"));
	CHECK(function_body(text, "g", &b, &e) && reads_field(b, e, "dpddelay"));
	CHECK(!reads_field(b, e, "mark_in_mask") && reads_field(b, e, "mark_in"));
	CHECK(!function_body(text, "h", &b, &e));
}

/* ---- (b) the man page ---- */

enum { K_STORED, K_IGNORED, K_REFUSED };

struct man_kw {
	char name[64];
	int table; /* 0 conn, 1 side, 2 setup */
	int cls;
	bool matched;
};

struct man {
	struct man_kw v[512];
	size_t n;
	bool overflow;
};

static void man_add(struct man *m, const char *name, size_t len, int table, int cls)
{
	if (m->n == sizeof(m->v) / sizeof(m->v[0]) || len >= sizeof(m->v[0].name)) {
		m->overflow = true;
		return;
	}
	struct man_kw *k = &m->v[m->n++];
	memcpy(k->name, name, len);
	k->name[len] = '\0';
	k->table = table;
	k->cls = cls;
	k->matched = false;
}

static bool kwchar(char ch)
{
	return ident(ch) || ch == '-';
}

/* An entry line of a keyword section: every "*name=" starting a bold run. */
static void man_entry_line(struct man *m, const char *line, size_t len, int table)
{
	for (size_t i = 0; i < len; i++) {
		if (line[i] != '*' || (i && line[i - 1] != ' '))
			continue;
		size_t k = i + 1;
		while (k < len && kwchar(line[k]))
			k++;
		if (k >= len || line[k] != '=')
			continue;
		const char *name = line + i + 1;
		size_t nl = k - i - 1;
		if (table == 1) { /* leftX / rightX */
			size_t pl = !strncmp(name, "left", 4)	 ? 4
				    : !strncmp(name, "right", 5) ? 5
								 : 0;
			if (!CHECK(pl != 0))
				fprintf(stderr, "  man: side keyword %.*s without left/right\n",
					(int)nl, name);
			name += pl, nl -= pl;
		}
		man_add(m, name, nl, table, K_STORED);
	}
}

/* An indented group of IGNORED/REFUSED KEYWORDS (its lines joined): "*name*" tokens, with
 * "left/right:" and "config setup:" switching the table. */
static void man_group(struct man *m, const char *g, int cls)
{
	int table = 0;
	for (const char *p = g; *p; p++) {
		if (!strncmp(p, "left/right:", 11))
			table = 1;
		else if (!strncmp(p, "config setup:", 13))
			table = 2;
		if (*p != '*' || (p > g && p[-1] != ' '))
			continue;
		size_t k = 1;
		while (kwchar(p[k]))
			k++;
		if (k > 1 && p[k] == '*')
			man_add(m, p + 1, k - 1, table, cls);
		p += k;
	}
}

static void man_parse(struct man *m, const char *text)
{
	int section = -1; /* 0..2 the keyword sections, 3 ignored, 4 refused */
	char group[4096];
	size_t gl = 0;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		bool indented = line[0] == '\t';
		if (!indented && gl) { /* a group ends */
			group[gl] = '\0';
			man_group(m, group, section == 3 ? K_IGNORED : K_REFUSED);
			gl = 0;
		}
		if (line[0] == '#') {
			section = !strncmp(line, "# CONNECTION KEYWORDS", 21)	  ? 0
				  : !strncmp(line, "# SIDE KEYWORDS", 15)	  ? 1
				  : !strncmp(line, "# CONFIG SETUP KEYWORDS", 23) ? 2
				  : !strncmp(line, "# IGNORED KEYWORDS", 18)	  ? 3
				  : !strncmp(line, "# REFUSED KEYWORDS", 18)	  ? 4
										  : -1;
		} else if (section >= 0 && section <= 2 && line[0] == '*') {
			man_entry_line(m, line, len, section);
		} else if (section >= 3 && indented && gl + len + 1 < sizeof(group)) {
			memcpy(group + gl, line + 1, len - 1);
			gl += len - 1;
			group[gl++] = ' ';
		}
		line = nl ? nl + 1 : line + len;
	}
}

/* Marks (name, table, cls) in m; false when the man page lacks it. */
static bool man_has(struct man *m, const char *name, int table, int cls)
{
	bool found = false;
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].table == table && !strcmp(m->v[i].name, name)) {
			found |= m->v[i].cls == cls;
			m->v[i].matched |= m->v[i].cls == cls;
		}
	return found;
}

static void man_page_lists_the_table(void)
{
	static const char *const cls_name[] = {"stored", "ignored", "refused"};
	static const char *const tab_name[] = {"conn", "left/right", "config setup"};
	char *text = slurp("packaging/man/oakley-ipsec.conf.5.scd");
	struct man *m = calloc(1, sizeof(*m));
	if (!CHECK(text && m)) {
		free(text);
		free(m);
		return;
	}
	man_parse(m, text);
	CHECK(!m->overflow);
	size_t rows = 0;
	for (int t = 0; t < 3; t++) {
		size_t n;
		const struct cfg_kw *kw = dmn_cfg_kw_table(t, &n);
		for (size_t i = 0; i < n; i++, rows++) {
			int cls = kw[i].cls == CFG_KW_STORED	? K_STORED
				  : kw[i].cls == CFG_KW_IGNORED ? K_IGNORED
								: K_REFUSED;
			if (!CHECK(man_has(m, kw[i].name, t, cls)))
				fprintf(stderr, "  man page lacks %s keyword '%s' (%s)\n",
					tab_name[t], kw[i].name, cls_name[cls]);
			for (size_t k = 0; kw[i].aka && kw[i].aka[k]; k++)
				if (!CHECK(man_has(m, kw[i].aka[k], t, cls)))
					fprintf(stderr, "  man page lacks %s alias '%s' of '%s'\n",
						tab_name[t], kw[i].aka[k], kw[i].name);
		}
	}
	for (size_t i = 0; i < m->n; i++)
		if (!CHECK(m->v[i].matched))
			fprintf(stderr,
				"  man page lists %s keyword '%s' as %s: not so in the table\n",
				tab_name[m->v[i].table], m->v[i].name, cls_name[m->v[i].cls]);
	printf("man page: %zu keyword mentions, %zu table rows\n", m->n, rows);
	free(m);
	free(text);
}

/* Every alias finds its row, and no spelling is in two rows of a table. */
static void aliases_resolve(void)
{
	for (int t = 0; t < 3; t++) {
		size_t n;
		const struct cfg_kw *kw = dmn_cfg_kw_table(t, &n);
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; kw[i].aka && kw[i].aka[k]; k++) {
				char key[64];
				int side;
				snprintf(key, sizeof(key), "%s%s", t == 1 ? "right" : "",
					 kw[i].aka[k]);
				if (!CHECK(dmn_cfg_kw_lookup(key, t == 2, &side) == &kw[i]))
					fprintf(stderr, "  alias %s\n", key);
				CHECK(t == 1 ||
				      (strncmp(key, "left", 4) && strncmp(key, "right", 5)));
				for (size_t j = 0; j < n; j++)
					CHECK(strcmp(kw[j].name, kw[i].aka[k]) != 0);
			}
	}
}

/* ---- (c) the reload comparison ---- */

#define BASE "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"

static void compare_classes(void)
{
	static const struct {
		const char *extra;
		unsigned want;
	} v[] = {
		{"", DMN_CONN_UNCHANGED},
		{"\tauto=start\n", DMN_CONN_CHANGED_AUTO},
		{"\tdpddelay=30\n", DMN_CONN_CHANGED_LIVE},
		{"\tdpdaction=restart\n", DMN_CONN_CHANGED_LIVE},
		{"\tkeyingtries=%forever\n", DMN_CONN_CHANGED_LIVE},
		{"\tcloseaction=hold\n", DMN_CONN_CHANGED_LIVE},
		{"\tesp=aes256-sha256\n", DMN_CONN_CHANGED_SA},
		{"\tmark_out=7/0xff\n", DMN_CONN_CHANGED_SA},
		{"\tmark=0x5/0xf0\n", DMN_CONN_CHANGED_SA},
		{"\trightprotoport=udp/1701\n", DMN_CONN_CHANGED_SA},
		{"\tleftikeport=4501\n", DMN_CONN_CHANGED_SA},
		{"\tauto=start\n\tdpddelay=30\n\tlifetime=2h\n",
		 DMN_CONN_CHANGED_AUTO | DMN_CONN_CHANGED_LIVE | DMN_CONN_CHANGED_SA},
	};
	struct dmn_diags d;
	struct dmn_config *base = cfg_parse(BASE, &d);
	dmn_diags_free(&d);
	for (size_t i = 0; base && i < sizeof(v) / sizeof(v[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text), "%s%s", BASE, v[i].extra);
		struct dmn_config *c = cfg_parse(text, &d);
		if (CHECK(c && c->n_conns == 1)) {
			unsigned got = dmn_conn_compare(base->conns[0], c->conns[0]);
			if (!CHECK_EQ_INT(got, v[i].want))
				fprintf(stderr, "  variant: %s\n", v[i].extra);
			CHECK_EQ_INT(dmn_conn_equal(base->conns[0], c->conns[0]),
				     !(v[i].want & DMN_CONN_CHANGED_SA));
		}
		dmn_config_free(c);
		dmn_diags_free(&d);
	}
	CHECK(base != NULL);
	CHECK_EQ_INT(dmn_conn_compare(NULL, NULL), DMN_CONN_SAME);
	CHECK_EQ_INT(dmn_conn_compare(base ? base->conns[0] : NULL, NULL), DMN_CONN_CHANGED_SA);
	dmn_config_free(base);
}

/* Each stored keyword of the dump (and list-conns) comes from the table, with its value. */
static void put(void *ctx, const char *name, const char *value)
{
	char *out = ctx;
	size_t l = strlen(out);
	snprintf(out + l, 4096 - l, "%s=%s\n", name, value);
}

static void keywords_shown(void)
{
	struct dmn_diags d;
	struct dmn_config *c = cfg_parse(BASE "\tdpddelay=30\n\tmark_in=5/0xff\n\tleftupdown=/x\n"
					      "\trightsubnet=10.0.0.0/8\n\tencapsulation=yes\n",
					 &d);
	char *out = calloc(1, 4096);
	if (CHECK(c && out)) {
		dmn_conn_keywords(c->conns[0], put, out);
		CHECK(strstr(out, "auto=add\n") && strstr(out, "dpddelay=30s\n") &&
		      strstr(out, "mark_in=0x5/0xff\n") && strstr(out, "leftupdown=/x\n") &&
		      strstr(out, "rightsubnets={10.0.0.0/8}\n") &&
		      strstr(out, "encapsulation=yes\n") && strstr(out, "left=192.0.2.1\n"));
		CHECK(!strstr(out, "mark_out=") && !strstr(out, "authby"));
	}
	free(out);
	dmn_config_free(c);
	dmn_diags_free(&d);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		srcdir = argv[1];
	reads_field_is_strict();
	every_stored_keyword_is_read();
	man_page_lists_the_table();
	aliases_resolve();
	compare_classes();
	keywords_shown();
	return TEST_END();
}
