// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ipsec.conf lexer shared by both dialects, turning text into raw sections of key=value lines.
 *
 * Rules (strongSwan's starter and Libreswan agree on them):
 * - A line that starts in column 0 opens a section: "config setup", "conn NAME", "ca NAME"
 *   (accepted and ignored: oakley uses no certificates), or is "include PATTERN" (ends the current
 *   section) or "version N" (Libreswan's optional header, ignored with a notice).
 * - A line that starts with a space or tab belongs to the current section: "key=value", with
 *   optional blanks around '='. Values are one word, "a quoted string" (\" and \\ escapes) or a
 *   {braced list}. An empty value resets the keyword to its default.
 * - '#' outside quotes at the start of a line or after a blank starts a comment (so that
 *   "leftid=@#0a0b" stays a key ID). Blank lines do not end a section.
 * - Neither daemon has line continuation; a line ending in '\' is an error saying so.
 * - include: glob(3) pattern, relative to the including file's directory; a pattern with wildcards
 *   may match nothing (notice), a plain path must exist. Depth and file count are bounded and a
 *   file that includes itself (directly or not, by device and inode) is an error.
 */
#include "daemon/config_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *dmn_cfg_intern_file(struct cfg_raw *raw, const char *name)
{
	for (size_t i = 0; i < raw->n_files; i++)
		if (strcmp(raw->files[i], name) == 0)
			return raw->files[i];
	char **nf = realloc(raw->files, (raw->n_files + 1) * sizeof(*nf));
	if (!nf)
		return NULL;
	raw->files = nf;
	if (!(nf[raw->n_files] = strdup(name)))
		return NULL;
	return nf[raw->n_files++];
}

/* FNV-1a: the names come from the operator's files, not from the network. */
size_t dmn_name_hash(const char *k)
{
	uint64_t h = 1469598103934665603u;
	for (; *k; k++)
		h = (h ^ (uint8_t)*k) * 1099511628211u;
	return (size_t)h;
}

static size_t name_slot(const struct cfg_names *h, const char *key)
{
	size_t i = dmn_name_hash(key) & (h->cap - 1);
	while (h->keys[i] && strcmp(h->keys[i], key) != 0)
		i = (i + 1) & (h->cap - 1);
	return i;
}

int dmn_cfg_names_put(struct cfg_names *h, const char *key, const void *val, const void **ret_old)
{
	if (2 * (h->n + 1) > h->cap) { /* at most half full */
		struct cfg_names g = {.cap = h->cap ? 2 * h->cap : 64};
		g.keys = calloc(g.cap, sizeof(*g.keys));
		g.vals = calloc(g.cap, sizeof(*g.vals));
		if (!g.keys || !g.vals) {
			dmn_cfg_names_free(&g);
			return -ENOMEM;
		}
		for (size_t i = 0; i < h->cap; i++)
			if (h->keys[i]) {
				size_t k = name_slot(&g, h->keys[i]);
				g.keys[k] = h->keys[i];
				g.vals[k] = h->vals[i];
			}
		g.n = h->n;
		dmn_cfg_names_free(h);
		*h = g;
	}
	size_t i = name_slot(h, key);
	if (h->keys[i]) {
		if (ret_old)
			*ret_old = h->vals[i];
		return -EEXIST;
	}
	h->keys[i] = key;
	h->vals[i] = val;
	h->n++;
	return 0;
}

const void *dmn_cfg_names_get(const struct cfg_names *h, const char *key)
{
	if (!h->cap)
		return NULL;
	size_t i = name_slot(h, key);
	return h->keys[i] ? h->vals[i] : NULL;
}

void dmn_cfg_names_free(struct cfg_names *h)
{
	free(h->keys);
	free(h->vals);
	memset(h, 0, sizeof(*h));
}

void dmn_cfg_raw_free(struct cfg_raw *raw)
{
	if (!raw)
		return;
	dmn_cfg_names_free(&raw->conns);
	dmn_cfg_names_free(&raw->alsos);
	free(raw->defaults);
	for (size_t i = 0; i < raw->n; i++) {
		free(raw->s[i]->kv);
		free(raw->s[i]);
	}
	struct cfg_chunk *c;
	struct dmn_hlist_node *tmp;
	dmn_hlist_for_each_entry_safe (c, tmp, &raw->chunks, link)
		free(c);
	free(raw->s);
	for (size_t i = 0; i < raw->n_files; i++)
		free(raw->files[i]);
	free(raw->files);
	memset(raw, 0, sizeof(*raw));
}

int dmn_cfg_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len,
		      unsigned *ret_mode, dev_t *ret_dev, ino_t *ret_ino)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;
			free(buf);
			close(fd);
			return r;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*ret_buf = buf;
	*ret_len = got;
	if (ret_mode)
		*ret_mode = st.st_mode;
	if (ret_dev)
		*ret_dev = st.st_dev;
	if (ret_ino)
		*ret_ino = st.st_ino;
	return 0;
}

#define CFG_CHUNK_SIZE (64u << 10)

/* n bytes from raw's string arena, or NULL when out of memory. */
static char *arena_alloc(struct cfg_raw *raw, size_t n)
{
	struct cfg_chunk *c = dmn_hlist_first_entry(&raw->chunks, struct cfg_chunk, link);
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CFG_CHUNK_SIZE ? n : CFG_CHUNK_SIZE;
		if (!(c = malloc(sizeof(*c) + cap)))
			return NULL;
		*c = (struct cfg_chunk){.cap = cap};
		dmn_hlist_add_head(&c->link, &raw->chunks);
	}
	char *p = c->mem + c->used;
	c->used += n;
	return p;
}

/* A copy of s in raw's string arena, or NULL. */
static char *arena_strdup(struct cfg_raw *raw, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(raw, n);
	return p ? memcpy(p, s, n) : NULL;
}

static struct cfg_sect *sect_new(struct cfg_raw *raw, enum cfg_sect_kind kind, const char *name,
				 const char *file, unsigned line)
{
	if (raw->n == raw->cap) {
		size_t nc = raw->cap ? raw->cap * 2 : 16;
		struct cfg_sect **ns = realloc(raw->s, nc * sizeof(*ns));
		if (!ns)
			return NULL;
		raw->s = ns;
		raw->cap = nc;
	}
	struct cfg_sect *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (!(s->name = arena_strdup(raw, name))) {
		free(s);
		return NULL;
	}
	s->kind = kind;
	s->file = file;
	s->line = line;
	if (kind == CFG_SECT_CONN && strcmp(name, "%default") != 0 &&
	    dmn_cfg_names_put(&raw->conns, s->name, s, NULL) == -ENOMEM) {
		free(s);
		return NULL;
	}
	raw->s[raw->n++] = s;
	return s;
}

/* Adds key=val to s, with its keyword row looked up once here for the builder. A duplicate
 * keyword (other than also=) or one past DMN_CFG_KEYWORDS_MAX is an error at file:line. */
static int kv_add(struct cfg_raw *raw, struct cfg_sect *s, const char *key, const char *val,
		  const char *file, unsigned line)
{
	uint32_t h = (uint32_t)dmn_name_hash(key);
	bool also = strcmp(key, "also") == 0;
	for (size_t i = 0; i < s->n_kv && !also; i++)
		if (s->kv[i].key_hash == h && strcmp(s->kv[i].key, key) == 0) {
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line,
				     "duplicate keyword '%s' in section '%s' (first at %s:%u)", key,
				     s->name, s->kv[i].file, s->kv[i].line);
			return 0;
		}
	if (s->n_kv >= DMN_CFG_KEYWORDS_MAX) {
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line,
			     "more than %d keywords in section '%s'", DMN_CFG_KEYWORDS_MAX,
			     s->name);
		return 0;
	}
	if (s->n_kv == s->cap_kv) {
		size_t nc = s->cap_kv ? s->cap_kv * 2 : 16;
		struct cfg_kv *nk = realloc(s->kv, nc * sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		s->kv = nk;
		s->cap_kv = nc;
	}
	size_t kl = strlen(key), vl = strlen(val);
	char *mem = arena_alloc(raw, kl + 1 + vl + 1);
	if (!mem)
		return -ENOMEM;
	struct cfg_kv *kv = &s->kv[s->n_kv];
	*kv = (struct cfg_kv){.key = mem,
			      .val = mem + kl + 1,
			      .file = file,
			      .line = line,
			      .key_hash = h,
			      .is_also = also,
			      .side = -1};
	memcpy(kv->key, key, kl + 1);
	memcpy(kv->val, val, vl + 1);
	if (s->kind != CFG_SECT_CA)
		kv->kw = dmn_cfg_kw_lookup(kv->key, s->kind == CFG_SECT_SETUP, &kv->side);
	s->n_kv++;
	return 0;
}

/* Cuts a '#' comment outside quotes and trailing blanks from l (n bytes, no NUL inside); returns
 * the new length. */
static size_t strip_comment(char *l, size_t n)
{
	bool q = false;
	size_t i = n;
	if (!memchr(l, '#', n))
		goto trim; /* no comment to find: quotes do not matter */
	for (i = 0; l[i]; i++) {
		if (q && l[i] == '\\' && l[i + 1]) {
			i++;
			continue;
		}
		if (l[i] == '"')
			q = !q;
		else if (l[i] == '#' && !q && (i == 0 || l[i - 1] == ' ' || l[i - 1] == '\t'))
			break; /* "leftid=@#0a0b" is a key ID, not a comment */
	}
trim:
	l[i] = '\0';
	while (i && (l[i - 1] == ' ' || l[i - 1] == '\t'))
		l[--i] = '\0';
	return i;
}

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* Parses the value at p (after '=') into out (same size as the line). Returns NULL on success or
 * the error text. */
static const char *parse_value(const char *p, char *out)
{
	size_t o = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '"') {
		p++;
		for (;;) {
			if (!*p)
				return "unterminated quoted value";
			if (*p == '"')
				break;
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			out[o++] = *p++;
		}
		p++;
	} else if (*p == '{') {
		while (*p && *p != '}')
			out[o++] = *p++;
		if (!*p)
			return "unterminated '{' list";
		out[o++] = *p++;
	} else {
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '"')
				return "quote in the middle of a value";
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		return "unexpected text after the value (quote values that contain blanks)";
	return NULL;
}

/* A "key=value" line l of section cur. val is scratch space as large as the line buffer. */
static int lex_param(struct cfg_raw *raw, struct cfg_sect *cur, char *l, char *val,
		     const char *file, unsigned line)
{
	char *p = l;
	while (*p == ' ' || *p == '\t')
		p++;
	char *key = p;
	while (key_char(*p))
		p++;
	if (p == key) {
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line,
			     "expected a keyword, found '%.40s'", key);
		return 0;
	}
	char *key_end = p;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '=') {
		*key_end = '\0';
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line, "missing '=' after '%.64s'", key);
		return 0;
	}
	*key_end = '\0';
	if (!cur) {
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line,
			     "keyword '%.64s' outside a section (no conn or config setup above it)",
			     key);
		return 0;
	}
	const char *e = parse_value(p + 1, val);
	if (e) {
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line, "%.64s: %s", key, e);
		return 0;
	}
	return kv_add(raw, cur, key, val, file, line);
}

static bool valid_conn_name(const char *n)
{
	if (strcmp(n, "%default") == 0)
		return true;
	if (!*n || strlen(n) >= DMN_NAME_MAX)
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && *n != '_' && *n != '-' && *n != '.')
			return false;
	return true;
}

static int lex_include(struct cfg_raw *raw, const char *pat, const char *dir, const char *file,
		       unsigned line)
{
	if (raw->no_includes || !dir) {
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line,
			     "include '%.200s' is not followed when parsing from memory", pat);
		return 0;
	}
	char full[2 * DMN_PATH_MAX];
	int n = pat[0] == '/' ? snprintf(full, sizeof(full), "%s", pat)
			      : snprintf(full, sizeof(full), "%s/%s", dir, pat);
	if (n < 0 || (size_t)n >= sizeof(full)) {
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line, "include path too long");
		return 0;
	}
	glob_t g;
	int gr = glob(full, 0, NULL, &g);
	if (gr == GLOB_NOMATCH) {
		if (strpbrk(pat, "*?["))
			dmn_diag_add(raw->d, DMN_DIAG_NOTICE, file, line,
				     "include '%.200s' matches no file", pat);
		else
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line,
				     "cannot open include '%.200s': %s", full, strerror(ENOENT));
		return 0;
	}
	if (gr != 0) {
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line, "include '%.200s': %s", pat,
			     gr == GLOB_NOSPACE ? "out of memory" : "read error");
		if (gr != GLOB_NOSPACE)
			globfree(&g);
		return gr == GLOB_NOSPACE ? -ENOMEM : 0;
	}
	int r = 0;
	for (size_t i = 0; i < g.gl_pathc && r != -ENOMEM; i++)
		r = dmn_cfg_lex_file(raw, g.gl_pathv[i], file, line);
	globfree(&g);
	return r == -ENOMEM ? r : 0;
}

/* A column-0 line: section header, include or version. */
static int lex_header(struct cfg_raw *raw, struct cfg_sect **cur, char *l, const char *dir,
		      const char *file, unsigned line)
{
	char *w1 = l, *p = l;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	char *w1_end = p;
	while (*p == ' ' || *p == '\t')
		p++;
	char *w2 = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	char *w2_end = p;
	while (*p == ' ' || *p == '\t')
		p++;
	*w1_end = '\0';
	bool extra = *p != '\0';
	*w2_end = '\0';
	*cur = NULL;

	if (strcmp(w1, "include") == 0) {
		if (!*w2 || extra) {
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line,
				     "include takes exactly one path");
			return 0;
		}
		return lex_include(raw, w2, dir, file, line);
	}
	if (strcmp(w1, "version") == 0) {
		dmn_diag_add(raw->d, DMN_DIAG_NOTICE, file, line,
			     "'version %.20s' ignored (the file is read as Libreswan's dialect)",
			     w2);
		raw->libreswan = true;
		return 0;
	}
	enum cfg_sect_kind kind;
	if (strcmp(w1, "config") == 0 && strcmp(w2, "setup") == 0 && !extra) {
		kind = CFG_SECT_SETUP;
	} else if (strcmp(w1, "conn") == 0 && *w2 && !extra) {
		kind = CFG_SECT_CONN;
		if (!valid_conn_name(w2)) {
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line,
				     "invalid conn name '%.64s' (letters, digits, '.', '_', '-')",
				     w2);
			return 0;
		}
		if (strcmp(w2, "%default") != 0) {
			const struct cfg_sect *first = dmn_cfg_names_get(&raw->conns, w2);
			if (first) {
				dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line,
					     "duplicate conn '%s' (first at %s:%u)", w2,
					     first->file, first->line);
				return 0;
			}
			if (++raw->n_conns > DMN_CFG_CONNS_MAX) {
				dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line,
					     "more than %d conns", DMN_CFG_CONNS_MAX);
				return 0;
			}
		}
	} else if (strcmp(w1, "ca") == 0 && *w2 && !extra) {
		kind = CFG_SECT_CA;
		dmn_diag_add(
			raw->d, DMN_DIAG_NOTICE, file, line,
			"ca section '%.64s' ignored (oakley authenticates with pre-shared keys)",
			w2);
	} else if (strcmp(w1, "config") == 0 || strcmp(w1, "conn") == 0 || strcmp(w1, "ca") == 0) {
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, line,
			     "malformed section header (expected 'config setup', 'conn NAME' or "
			     "'ca NAME')");
		return 0;
	} else {
		dmn_diag_add(
			raw->d, DMN_DIAG_ERROR, file, line,
			"'%.64s' in column 0: parameters must be indented; sections are config, "
			"conn, ca and include",
			w1);
		return 0;
	}
	*cur = sect_new(raw, kind, w2, file, line);
	return *cur ? 0 : -ENOMEM;
}

int dmn_cfg_lex_buffer(struct cfg_raw *raw, const char *name, const char *dir, const char *buf,
		       size_t len)
{
	const char *file = dmn_cfg_intern_file(raw, name);
	if (!file)
		return -ENOMEM;
	if (memchr(buf, '\0', len)) {
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, 0, "file contains a NUL byte");
		return 0;
	}
	/* the line, then scratch space for its value (never longer than the line) */
	char *l = malloc(2 * (DMN_CFG_LINE_MAX + 1));
	if (!l)
		return -ENOMEM;
	struct cfg_sect *cur = NULL;
	unsigned lineno = 0;
	size_t pos = 0;
	int r = 0;
	while (pos < len && r == 0) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - pos;
		lineno++;
		if (n && buf[pos + n - 1] == '\r')
			n--;
		if (n > DMN_CFG_LINE_MAX) {
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, lineno,
				     "line too long (%zu bytes, at most %d)", n, DMN_CFG_LINE_MAX);
			pos = end + 1;
			continue;
		}
		memcpy(l, buf + pos, n);
		l[n] = '\0';
		pos = end + 1;
		n = strip_comment(l, n);
		size_t lead = strspn(l, " \t");
		if (lead == n)
			continue;
		if (l[n - 1] == '\\') {
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, file, lineno,
				     "line ends with '\\': ipsec.conf has no line continuation");
			continue;
		}
		if (lead)
			r = lex_param(raw, cur, l, l + DMN_CFG_LINE_MAX + 1, file, lineno);
		else
			r = lex_header(raw, &cur, l, dir, file, lineno);
	}
	free(l);
	return r;
}

int dmn_cfg_lex_file(struct cfg_raw *raw, const char *path, const char *from_file,
		     unsigned from_line)
{
	char *buf;
	size_t len;
	dev_t dev;
	ino_t ino;

	if (raw->n_files >= DMN_CFG_FILES_MAX) {
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, from_file ? from_file : path, from_line,
			     "more than %d config files", DMN_CFG_FILES_MAX);
		return 0;
	}
	if (raw->depth > DMN_CFG_INCLUDE_DEPTH) {
		dmn_diag_add(raw->d, DMN_DIAG_ERROR, from_file, from_line,
			     "includes nested deeper than %d at '%.200s'", DMN_CFG_INCLUDE_DEPTH,
			     path);
		return 0;
	}
	int r = dmn_cfg_read_file(path, DMN_CFG_FILE_MAX, &buf, &len, NULL, &dev, &ino);
	if (r < 0 && !from_file)
		return r; /* the main file: the caller reports it */
	if (r < 0) {
		if (r == -EFBIG)
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, from_file ? from_file : path,
				     from_line, "'%.200s' is larger than %u bytes", path,
				     DMN_CFG_FILE_MAX);
		else
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, from_file ? from_file : path,
				     from_line, "cannot read '%.200s': %s", path, strerror(-r));
		return r == -ENOMEM ? r : 0;
	}
	for (unsigned i = 0; i < raw->depth; i++)
		if (raw->stack_dev[i] == dev && raw->stack_ino[i] == ino) {
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, from_file, from_line,
				     "include cycle: '%.200s' is already being read", path);
			free(buf);
			return 0;
		}
	raw->stack_dev[raw->depth] = dev;
	raw->stack_ino[raw->depth] = ino;
	raw->depth++;
	char *copy = strdup(path);
	if (!copy) {
		free(buf);
		raw->depth--;
		return -ENOMEM;
	}
	r = dmn_cfg_lex_buffer(raw, path, dirname(copy), buf, len);
	free(copy);
	free(buf);
	raw->depth--;
	return r;
}
