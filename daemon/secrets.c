// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ipsec.secrets parser and PSK lookup (see daemon/secrets.h for the format and precedence).
 * Every buffer that holds file text or key bytes is wiped before it is freed.
 */
#include "daemon/secrets.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "daemon/config_int.h"

#define SECRETS_INCLUDE_DEPTH 8

struct sctx {
	struct dmn_secrets *s;
	struct dmn_diags *d;
	unsigned depth;
	bool no_includes;
	unsigned n_files;
};

static int secrets_file(struct sctx *x, const char *path, const char *from, unsigned from_line);

void dmn_secrets_free(struct dmn_secrets *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].psk) {
			explicit_bzero(s->v[i].psk, s->v[i].psk_len);
			free(s->v[i].psk);
		}
		if (s->v[i].passphrase) {
			explicit_bzero(s->v[i].passphrase, strlen(s->v[i].passphrase));
			free(s->v[i].passphrase);
		}
	}
	free(s->v);
	free(s);
}

/* Frees a text buffer that may hold secrets. */
static void wipe_free(char *p, size_t n)
{
	if (!p)
		return;
	explicit_bzero(p, n);
	free(p);
}

static int b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* RFC 4648 §4 base64 with '=' padding; writes at most cap bytes. Returns the length or -EINVAL. */
static int b64_decode(const char *s, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0, pad = 0, chars = 0;
	for (; *s; s++) {
		if (*s == '=') {
			pad++;
			continue;
		}
		int v = b64_val((unsigned char)*s);
		if (v < 0 || pad)
			return -EINVAL;
		chars++;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -EINVAL;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (pad > 2 || (chars + pad) % 4 != 0)
		return -EINVAL;
	return (int)n;
}

static int hex_decode(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0, len = strlen(s);
	if (len == 0 || len % 2)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 2) {
		if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]) ||
		    n >= cap)
			return -EINVAL;
		char b[3] = {s[i], s[i + 1], 0};
		out[n++] = (uint8_t)strtoul(b, NULL, 16);
	}
	return (int)n;
}

/* Next blank-separated token of *p into out (cap bytes), honouring "..." and '...' quotes.
 * Returns 1 and sets *quoted, 0 at the end, -EINVAL for an unterminated quote or overflow. */
static int next_token(char **p, char *out, size_t cap, bool *quoted)
{
	char *s = *p;
	size_t n = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return 0;
	*quoted = false;
	if (*s == '"' || *s == '\'') {
		char q = *s++;
		*quoted = true;
		while (*s && *s != q) {
			if (n + 1 >= cap)
				return -EINVAL;
			out[n++] = *s++;
		}
		if (*s != q)
			return -EINVAL;
		s++;
		if (*s && *s != ' ' && *s != '\t')
			return -EINVAL;
	} else {
		while (*s && *s != ' ' && *s != '\t') {
			if (n + 1 >= cap)
				return -EINVAL;
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	*p = s;
	return 1;
}

static bool is_wild(const char *t)
{
	return !strcmp(t, "%any") || !strcmp(t, "%any4") || !strcmp(t, "%any6") ||
	       !strcmp(t, "0.0.0.0") || !strcmp(t, "::");
}

#define SERR(x, f, l, ...) dmn_diag_add((x)->d, DMN_DIAG_ERROR, f, l, __VA_ARGS__)

/* The PSK value after "PSK": quoted text, 0x hex or 0s base64. */
static int psk_value(struct sctx *x, const char *tok, bool quoted, struct dmn_secret *e,
		     const char *file, unsigned line)
{
	uint8_t *buf = malloc(DMN_PSK_MAX);
	int n;
	if (!buf)
		return -ENOMEM;
	if (quoted || (strncmp(tok, "0x", 2) && strncmp(tok, "0s", 2))) {
		size_t l = strlen(tok);
		n = l <= DMN_PSK_MAX ? (int)l : -EINVAL;
		if (n > 0)
			memcpy(buf, tok, l);
	} else if (tok[1] == 'x') {
		n = hex_decode(tok + 2, buf, DMN_PSK_MAX);
	} else {
		n = b64_decode(tok + 2, buf, DMN_PSK_MAX);
	}
	if (n <= 0) {
		explicit_bzero(buf, DMN_PSK_MAX);
		free(buf);
		SERR(x, file, line, "PSK: %s",
		     n == 0 ? "empty key"
			    : "bad 0x/0s encoding or longer "
			      "than 1024 bytes");
		return 0;
	}
	e->psk = buf;
	e->psk_len = (size_t)n;
	return 0;
}

static int push_entry(struct sctx *x, struct dmn_secret *e, const char *file, unsigned line)
{
	struct dmn_secrets *s = x->s;
	if (s->n >= DMN_SECRETS_MAX) {
		SERR(x, file, line, "more than %d secrets", DMN_SECRETS_MAX);
		return -E2BIG;
	}
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		struct dmn_secret *nv = realloc(s->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	snprintf(e->file, sizeof(e->file), "%s", file);
	e->line = line;
	s->v[s->n++] = *e;
	return 0;
}

/*
 * The rest of ": RSA file [passphrase]" or ": ECDSA file [passphrase]": the key file (relative
 * names are resolved in ipsec.d/private/ by the certificate store) and an optional passphrase
 * (quoted text; %prompt cannot be answered by a daemon). tok is scratch space of cap bytes. Takes
 * e into x->s on success (then e->passphrase is NULL); errors are diagnostics, returns 0 or -errno.
 */
static int key_entry(struct sctx *x, char **p, char *tok, size_t cap, struct dmn_secret *e,
		     const char *file, unsigned line)
{
	const char *what = e->kind == DMN_SECRET_RSA ? "RSA" : "ECDSA";
	bool quoted;
	int r = next_token(p, tok, cap, &quoted);
	if (r <= 0 || !tok[0] || strlen(tok) >= sizeof(e->key_file)) {
		SERR(x, file, line, "%s: %s", what,
		     r == 0 || !tok[0] ? "missing private key file"
				       : "key file name too long or unterminated quote");
		return 0;
	}
	snprintf(e->key_file, sizeof(e->key_file), "%s", tok);
	r = next_token(p, tok, cap, &quoted);
	if (r < 0) {
		SERR(x, file, line, "%s: unterminated quote in the passphrase", what);
		return 0;
	}
	if (r > 0 && !quoted && !strcmp(tok, "%prompt")) {
		SERR(x, file, line,
		     "%s: %%prompt: oakleyd cannot ask for a passphrase; write it "
		     "in the entry or decrypt the key",
		     what);
		return 0;
	}
	if (r > 0 && !(e->passphrase = strdup(tok)))
		return -ENOMEM;
	if (next_token(p, tok, cap, &quoted) != 0) {
		SERR(x, file, line, "%s: unexpected text after the passphrase", what);
		return 0;
	}
	r = push_entry(x, e, file, line);
	if (r == 0)
		e->passphrase = NULL; /* now owned by x->s */
	return r == -E2BIG ? 0 : r;
}

/* One logical entry "IDs : TYPE value" (text is wiped by the caller). */
static int parse_entry(struct sctx *x, char *text, const char *file, unsigned line)
{
	char tok[DMN_PSK_MAX * 2 + 8];
	struct dmn_secret *e = calloc(1, sizeof(*e));
	char *p = text;
	bool quoted, colon = false;
	int r, ret = 0;

	if (!e)
		return -ENOMEM;
	while ((r = next_token(&p, tok, sizeof(tok), &quoted)) > 0) {
		if (!quoted && !strcmp(tok, ":")) {
			colon = true;
			break;
		}
		if (e->n_ids >= DMN_SECRET_IDS_MAX) {
			SERR(x, file, line, "more than %d IDs in one entry", DMN_SECRET_IDS_MAX);
			goto out;
		}
		struct dmn_id *id = &e->ids[e->n_ids++];
		if (!quoted && is_wild(tok)) {
			id->type = DMN_ID_ANY;
		} else if (dmn_cfg_parse_id(tok, id) < 0) {
			SERR(x, file, line, "'%.64s' is not an ID", tok);
			goto out;
		}
	}
	if (r < 0 || !colon) {
		SERR(x, file, line,
		     r < 0 ? "unterminated quote or token too long"
			   : "missing ':' between the IDs and the secret");
		goto out;
	}
	if (next_token(&p, tok, sizeof(tok), &quoted) <= 0 || quoted) {
		SERR(x, file, line, "missing secret type after ':' (PSK)");
		goto out;
	}
	if (!strcasecmp(tok, "RSA") || !strcasecmp(tok, "ECDSA")) {
		e->kind = !strcasecmp(tok, "RSA") ? DMN_SECRET_RSA : DMN_SECRET_ECDSA;
		ret = key_entry(x, &p, tok, sizeof(tok), e, file, line);
		goto out;
	}
	if (strcasecmp(tok, "PSK") != 0) {
		static const char *const ign[] = {"XAUTH", "EAP",    "NTLM", "BLISS", "PIN",
						  "P12",   "PKCS12", "PPK",  "NULL",  "PKCS8"};
		for (size_t i = 0; i < sizeof(ign) / sizeof(ign[0]); i++)
			if (!strcasecmp(tok, ign[i])) {
				dmn_diag_add(x->d, DMN_DIAG_NOTICE, file, line,
					     "%s secret ignored: oakley uses pre-shared keys and "
					     "RSA/ECDSA private keys only",
					     ign[i]);
				goto out;
			}
		SERR(x, file, line, "unknown secret type '%.32s'", tok);
		goto out;
	}
	r = next_token(&p, tok, sizeof(tok), &quoted);
	if (r <= 0) {
		SERR(x, file, line,
		     r < 0 ? "PSK: unterminated quote or longer than 1024 bytes"
			   : "PSK: missing value");
		goto out;
	}
	if ((ret = psk_value(x, tok, quoted, e, file, line)) < 0 || !e->psk)
		goto out;
	if (next_token(&p, tok, sizeof(tok), &quoted) != 0) {
		SERR(x, file, line, "unexpected text after the PSK value");
		goto out;
	}
	ret = push_entry(x, e, file, line);
	if (ret == 0) {
		e->psk = NULL; /* now owned by x->s */
		ret = 0;
	} else if (ret == -E2BIG) {
		ret = 0;
	}
out:
	explicit_bzero(tok, sizeof(tok));
	if (e->psk) {
		explicit_bzero(e->psk, e->psk_len);
		free(e->psk);
	}
	if (e->passphrase) {
		explicit_bzero(e->passphrase, strlen(e->passphrase));
		free(e->passphrase);
	}
	free(e);
	return ret;
}

static int secrets_include(struct sctx *x, const char *pat, const char *dir, const char *file,
			   unsigned line)
{
	char full[2 * DMN_PATH_MAX];
	if (x->no_includes || !dir) {
		SERR(x, file, line, "include '%.200s' is not followed when parsing from memory",
		     pat);
		return 0;
	}
	int n = pat[0] == '/' ? snprintf(full, sizeof(full), "%s", pat)
			      : snprintf(full, sizeof(full), "%s/%s", dir, pat);
	if (n < 0 || (size_t)n >= sizeof(full)) {
		SERR(x, file, line, "include path too long");
		return 0;
	}
	glob_t g;
	int gr = glob(full, 0, NULL, &g);
	if (gr == GLOB_NOMATCH) {
		if (strpbrk(pat, "*?["))
			dmn_diag_add(x->d, DMN_DIAG_NOTICE, file, line,
				     "include '%.200s' matches no file", pat);
		else
			SERR(x, file, line, "cannot open include '%.200s': %s", full,
			     strerror(ENOENT));
		return 0;
	}
	if (gr != 0) {
		SERR(x, file, line, "include '%.200s': glob failed", pat);
		if (gr != GLOB_NOSPACE)
			globfree(&g);
		return gr == GLOB_NOSPACE ? -ENOMEM : 0;
	}
	int r = 0;
	for (size_t i = 0; i < g.gl_pathc && r != -ENOMEM; i++)
		r = secrets_file(x, g.gl_pathv[i], file, line);
	globfree(&g);
	return r == -ENOMEM ? r : 0;
}

/* Strips a '#' comment outside quotes. */
static void strip_comment(char *l)
{
	char q = 0;
	for (; *l; l++) {
		if (q) {
			if (*l == q)
				q = 0;
		} else if (*l == '"' || *l == '\'') {
			q = *l;
		} else if (*l == '#') {
			*l = '\0';
			return;
		}
	}
}

static int secrets_buffer(struct sctx *x, const char *name, const char *dir, const char *buf,
			  size_t len)
{
	size_t cap = DMN_CFG_LINE_MAX + 1;
	char *entry = calloc(1, cap), *l = calloc(1, cap);
	size_t elen = 0;
	unsigned eline = 0, lineno = 0;
	int r = 0;

	if (!entry || !l) {
		free(entry);
		free(l);
		return -ENOMEM;
	}
	if (memchr(buf, '\0', len)) {
		SERR(x, name, 0, "file contains a NUL byte");
		goto out;
	}
	for (size_t pos = 0; pos < len && r == 0;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, n = end - pos;
		lineno++;
		if (n && buf[pos + n - 1] == '\r')
			n--;
		if (n >= cap) {
			SERR(x, name, lineno, "line too long (at most %d bytes)", DMN_CFG_LINE_MAX);
			n = 0;
		}
		memcpy(l, buf + pos, n);
		l[n] = '\0';
		pos = end + 1;
		strip_comment(l);
		bool blank = strspn(l, " \t") == strlen(l);
		bool cont = !blank && (l[0] == ' ' || l[0] == '\t');
		if (cont && elen) {
			if (elen + 1 + strlen(l) >= cap) {
				SERR(x, name, lineno, "entry too long");
				continue;
			}
			entry[elen++] = ' ';
			strcpy(entry + elen, l);
			elen += strlen(l);
			continue;
		}
		if (elen) { /* the previous entry is complete */
			r = parse_entry(x, entry, name, eline);
			explicit_bzero(entry, elen + 1);
			elen = 0;
		}
		if (blank || r)
			continue;
		if (!strncmp(l, "include", 7) && (l[7] == ' ' || l[7] == '\t')) {
			char *p = l + 8;
			p += strspn(p, " \t");
			p[strcspn(p, " \t")] = '\0';
			r = secrets_include(x, p, dir, name, lineno);
			continue;
		}
		if (cont) {
			SERR(x, name, lineno, "indented line without an entry above it");
			continue;
		}
		strcpy(entry, l);
		elen = strlen(l);
		eline = lineno;
	}
	if (elen && r == 0)
		r = parse_entry(x, entry, name, eline);
out:
	wipe_free(entry, cap);
	wipe_free(l, cap);
	return r;
}

static int secrets_file(struct sctx *x, const char *path, const char *from, unsigned from_line)
{
	char *buf;
	size_t len;
	unsigned mode;
	if (x->depth > SECRETS_INCLUDE_DEPTH || x->n_files >= DMN_CFG_FILES_MAX) {
		SERR(x, from, from_line, "includes nested deeper than %d or more than %d files",
		     SECRETS_INCLUDE_DEPTH, DMN_CFG_FILES_MAX);
		return 0;
	}
	int r = dmn_cfg_read_file(path, DMN_CFG_FILE_MAX, &buf, &len, &mode, NULL, NULL);
	if (r < 0 && !from)
		return r; /* the main file: the caller reports it */
	if (r < 0) {
		SERR(x, from ? from : path, from_line, "cannot read '%.200s': %s", path,
		     strerror(-r));
		return r == -ENOMEM ? r : 0;
	}
	x->n_files++;
	if (mode & (S_IRWXG | S_IRWXO))
		dmn_diag_add(x->d, DMN_DIAG_WARNING, path, 0,
			     "readable by group or others (mode %04o): run chmod 600 on it",
			     mode & 07777);
	char *copy = strdup(path);
	if (!copy) {
		wipe_free(buf, len);
		return -ENOMEM;
	}
	x->depth++;
	r = secrets_buffer(x, path, dirname(copy), buf, len);
	x->depth--;
	free(copy);
	wipe_free(buf, len);
	return r;
}

static int finish(struct sctx *x, int r, unsigned before, struct dmn_secrets **ret)
{
	if (r == 0 && x->d->n_errors != before)
		r = -EINVAL;
	if (r < 0) {
		dmn_secrets_free(x->s);
		return r;
	}
	*ret = x->s;
	return 0;
}

int dmn_secrets_load(const char *path, struct dmn_diags *diags, struct dmn_secrets **ret)
{
	struct sctx x = {.d = diags};
	unsigned before = diags->n_errors;
	if (!(x.s = calloc(1, sizeof(*x.s))))
		return -ENOMEM;
	return finish(&x, secrets_file(&x, path, NULL, 0), before, ret);
}

int dmn_secrets_parse_buffer(const char *name, const char *buf, size_t len, const char *include_dir,
			     struct dmn_diags *diags, struct dmn_secrets **ret)
{
	struct sctx x = {.d = diags, .no_includes = include_dir == NULL};
	unsigned before = diags->n_errors;
	if (len > DMN_CFG_FILE_MAX) {
		dmn_diag_add(diags, DMN_DIAG_ERROR, name, 0, "larger than %u bytes",
			     DMN_CFG_FILE_MAX);
		return -EINVAL;
	}
	if (!(x.s = calloc(1, sizeof(*x.s))))
		return -ENOMEM;
	return finish(&x, secrets_buffer(&x, name, include_dir, buf, len), before, ret);
}

bool dmn_id_equal(const struct dmn_id *a, const struct dmn_id *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case DMN_ID_IPV4:
		return !memcmp(a->addr, b->addr, 4);
	case DMN_ID_IPV6:
		return !memcmp(a->addr, b->addr, 16);
	case DMN_ID_FQDN:
	case DMN_ID_USER_FQDN:
		return !strcasecmp(a->str, b->str);
	case DMN_ID_DN:
	case DMN_ID_KEY_ID:
		return !strcmp(a->str, b->str);
	default:
		return true;
	}
}

/* 2 the entry's ID i names id exactly, 1 it is %any or id is not known yet, 0 no match. A
 * Main Mode responder for a conn with rightid=%any needs the PSK before the peer's ID arrives
 * (encrypted, in message 5): then any entry that names our own ID may be the one. */
static int match_id(const struct dmn_id *e, const struct dmn_id *id)
{
	if (e->type == DMN_ID_ANY || (id && id->type == DMN_ID_ANY))
		return 1;
	return id && dmn_id_equal(e, id) ? 2 : 0;
}

/* For two or more IDs, one of them must match the local end and a different one the remote
 * end; a single ID names either end (the other is implied %any). */
static int score(const struct dmn_secret *e, const struct dmn_id *local,
		 const struct dmn_id *remote)
{
	int best = 0;
	if (e->kind != DMN_SECRET_PSK)
		return 0; /* a private key is never a PSK */
	if (e->n_ids == 0)
		return 1;
	if (e->n_ids == 1) {
		int m = match_id(&e->ids[0], local), n = match_id(&e->ids[0], remote);
		return m == 2 || n == 2 ? 3 : m || n ? 2 : 0;
	}
	for (size_t i = 0; i < e->n_ids; i++)
		for (size_t j = 0; j < e->n_ids; j++) {
			int l = match_id(&e->ids[i], local), r = match_id(&e->ids[j], remote);
			if (i != j && l && r && l + r > best)
				best = l + r; /* 4 exact pair, 3 exact + %any, 2 %any %any */
		}
	return best;
}

int dmn_secrets_find_psk(const struct dmn_secrets *s, const struct dmn_id *local,
			 const struct dmn_id *remote, const uint8_t **ret_psk, size_t *ret_len)
{
	const struct dmn_secret *best = NULL;
	int best_score = 0;
	for (size_t i = 0; s && i < s->n; i++) {
		int sc = score(&s->v[i], local, remote);
		if (sc > best_score) {
			best_score = sc;
			best = &s->v[i];
		}
	}
	if (!best)
		return -ENOENT;
	*ret_psk = best->psk;
	*ret_len = best->psk_len;
	return 0;
}

bool dmn_secret_matches(const struct dmn_secret *e, const struct dmn_id *local,
			const struct dmn_id *remote)
{
	return score(e, local, remote) > 0;
}

bool dmn_secrets_has_psk(const struct dmn_secrets *s, const struct dmn_id *local,
			 const struct dmn_id *remote)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (score(&s->v[i], local, remote) > 0)
			return true;
	return false;
}

int dmn_secrets_dump(const struct dmn_secrets *s, FILE *out)
{
	static const char *const t[] = {"default", "%any",     "ipv4", "ipv6",
					"fqdn",	   "userfqdn", "dn",   "keyid"};
	for (size_t i = 0; s && i < s->n; i++) {
		const struct dmn_secret *e = &s->v[i];
		for (size_t k = 0; k < e->n_ids; k++) {
			const struct dmn_id *id = &e->ids[k];
			char a[64] = "";
			if (id->type == DMN_ID_IPV4 || id->type == DMN_ID_IPV6)
				inet_ntop(id->type == DMN_ID_IPV4 ? AF_INET : AF_INET6, id->addr, a,
					  sizeof(a));
			fprintf(out, "%s%s%s%s ", t[id->type], a[0] || id->str[0] ? ":" : "", a,
				id->str);
		}
		if (e->kind == DMN_SECRET_PSK)
			fprintf(out, ": PSK <redacted> # %s:%u\n", e->file, e->line);
		else
			fprintf(out, ": %s %s%s # %s:%u\n",
				e->kind == DMN_SECRET_RSA ? "RSA" : "ECDSA", e->key_file,
				e->passphrase ? " <redacted>" : "", e->file, e->line);
	}
	return ferror(out) ? -EIO : 0;
}
