// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Building the config model from the lexer's raw sections: keyword check per section, inheritance
 * (%default, also=), per-conn validation, orientation. See daemon/config.h for the contract.
 */
#include "daemon/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "daemon/config_int.h"
#include "proto/consts.h"

void dmn_diags_free(struct dmn_diags *d)
{
	if (!d)
		return;
	free(d->v);
	memset(d, 0, sizeof(*d));
}

void dmn_diag_add(struct dmn_diags *d, enum dmn_diag_level level, const char *file, unsigned line,
		  const char *fmt, ...)
{
	struct dmn_diag m = {.level = level, .line = line};
	va_list ap;

	snprintf(m.file, sizeof(m.file), "%s", file ? file : "");
	va_start(ap, fmt);
	vsnprintf(m.msg, sizeof(m.msg), fmt, ap);
	va_end(ap);
	/* the same message about the same line once (a %default value is checked per conn) */
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].line == line && d->v[i].level == level && !strcmp(d->v[i].msg, m.msg) &&
		    !strcmp(d->v[i].file, m.file))
			return;
	if (level == DMN_DIAG_ERROR)
		d->n_errors++;
	else if (level == DMN_DIAG_WARNING)
		d->n_warnings++;
	else
		d->n_notices++;
	if (d->n >= DMN_CFG_DIAGS_MAX) {
		d->truncated = true;
		return;
	}
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 16;
		struct dmn_diag *nv = realloc(d->v, nc * sizeof(*nv));
		if (!nv) {
			d->truncated = true;
			return;
		}
		d->v = nv;
		d->cap = nc;
	}
	d->v[d->n++] = m;
}

void dmn_diags_print(const struct dmn_diags *d, FILE *out)
{
	static const char *const lv[] = {"error", "warning", "notice"};
	for (size_t i = 0; i < d->n; i++) {
		const struct dmn_diag *m = &d->v[i];
		if (m->line)
			fprintf(out, "%s:%u: %s: %s\n", m->file, m->line, lv[m->level], m->msg);
		else
			fprintf(out, "%s: %s: %s\n", m->file, lv[m->level], m->msg);
	}
	if (d->truncated)
		fprintf(out,
			"(more messages not shown: %u errors, %u warnings, %u notices in all)\n",
			d->n_errors, d->n_warnings, d->n_notices);
}

/* ---- keyword check, once per section ---- */

static void check_section(struct cfg_raw *raw, struct cfg_sect *s)
{
	const struct cfg_kv *seen[CFG_SLOTS_MAX] = {0};
	for (size_t i = 0; i < s->n_kv; i++) {
		const struct cfg_kv *kv = &s->kv[i];
		if (s->kind == CFG_SECT_CA)
			continue;
		const struct cfg_kw *kw = kv->kw; /* looked up by the lexer, as setup or conn */
		int side = kv->side;
		if (!kw) {
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, kv->file, kv->line,
				     "unknown keyword '%.64s' in %s", kv->key,
				     s->kind == CFG_SECT_SETUP ? "config setup" : "a conn");
			continue;
		}
		if (!s->libreswan && dmn_cfg_kv_libreswan(kv, s->kind == CFG_SECT_SETUP))
			s->libreswan = true;
		if (kw->cls == CFG_KW_IGNORED) {
			dmn_diag_add(raw->d, DMN_DIAG_NOTICE, kv->file, kv->line,
				     "'%s' ignored: %s", kv->key, kw->why);
			continue;
		}
		if (kw->cls == CFG_KW_REFUSED) {
			dmn_cfg_kw_refuse(raw->d, kv);
			continue;
		}
		if (kw->cls == CFG_KW_UNSUPPORTED) {
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, kv->file, kv->line,
				     "'%s' is not supported: %s", kv->key, kw->why);
			continue;
		}
		if (kv->is_also)
			continue;
		unsigned slot = dmn_cfg_kw_slot(kw, side);
		if (slot < CFG_SLOTS_MAX && seen[slot])
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, kv->file, kv->line,
				     "'%s' sets the same thing as '%s' at line %u", kv->key,
				     seen[slot]->key, seen[slot]->line);
		else if (slot < CFG_SLOTS_MAX)
			seen[slot] = kv;
	}
}

/* ---- inheritance ---- */

struct slots {
	const struct cfg_kv *kv[CFG_SLOTS_MAX];
	const struct cfg_kw *kw[CFG_SLOTS_MAX];
	int side[CFG_SLOTS_MAX];
	bool libreswan; /* some section applied uses a Libreswan-only keyword */
};

static const struct cfg_sect *find_conn_sect(const struct cfg_raw *raw, const char *name)
{
	return dmn_cfg_names_get(&raw->conns, name);
}

/* Applies s's also= sections (in order), then s's own keywords, into sl. stack holds the also=
 * chain for cycle detection. */
static void apply_section(struct cfg_raw *raw, const struct cfg_sect *s, struct slots *sl,
			  const struct cfg_sect **stack, unsigned depth)
{
	stack[depth] = s;
	sl->libreswan |= s->libreswan;
	for (size_t i = 0; i < s->n_kv; i++) {
		const struct cfg_kv *kv = &s->kv[i];
		if (!kv->is_also)
			continue;
		const struct cfg_sect *t = find_conn_sect(raw, kv->val);
		if (!t || !strcmp(kv->val, "%default")) {
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, kv->file, kv->line,
				     "also=%.64s: no conn of that name", kv->val);
			continue;
		}
		bool cycle = false;
		for (unsigned k = 0; k <= depth; k++)
			cycle |= stack[k] == t;
		if (cycle) {
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, kv->file, kv->line,
				     "also=%.64s: cycle (conn '%s' includes itself)", kv->val,
				     t->name);
			continue;
		}
		if (depth + 1 >= DMN_CFG_ALSO_DEPTH) {
			dmn_diag_add(raw->d, DMN_DIAG_ERROR, kv->file, kv->line,
				     "also=%.64s: nested deeper than %d", kv->val,
				     DMN_CFG_ALSO_DEPTH);
			continue;
		}
		apply_section(raw, t, sl, stack, depth + 1);
	}
	for (size_t i = 0; i < s->n_kv; i++) {
		const struct cfg_kv *kv = &s->kv[i];
		const struct cfg_kw *kw = kv->kw; /* s is a conn section: a conn keyword */
		int side = kv->side;
		if (!kw || kw->cls != CFG_KW_STORED || kv->is_also)
			continue;
		unsigned slot = dmn_cfg_kw_slot(kw, side);
		if (slot >= CFG_SLOTS_MAX)
			continue;
		sl->kv[slot] = kv;
		sl->kw[slot] = kw;
		sl->side[slot] = side;
	}
}

static void free_side(struct dmn_side *s)
{
	free(s->subnets);
	free(s->host.host);
	free(s->nexthop.host);
	free(s->sourceip.host);
	free(s->updown);
	free(s->cert);
	free(s->cert_file);
	free(s->ca);
}

static void free_conn(struct dmn_conn *c)
{
	if (!c)
		return;
	free_side(&c->left);
	free_side(&c->right);
	free(c);
}

static bool addr_is_any(const struct dmn_addr *a)
{
	return a->kind == DMN_ADDR_ANY || a->kind == DMN_ADDR_UNSET;
}

static unsigned families(const struct dmn_side *s)
{
	unsigned f = 0;
	for (size_t i = 0; i < s->n_subnets; i++)
		f |= s->subnets[i].family == AF_INET ? 1u : 2u;
	return f;
}

/* Checks that belong to the whole conn, after every keyword. */
static void validate_conn(struct dmn_diags *d, const struct dmn_conn *c)
{
#define CERR(...) dmn_diag_add(d, DMN_DIAG_ERROR, c->file, c->line, __VA_ARGS__)
	if (c->left.host.kind == DMN_ADDR_UNSET && c->right.host.kind == DMN_ADDR_UNSET)
		CERR("conn '%s': neither left= nor right= is set", c->name);
	else if (addr_is_any(&c->left.host) && addr_is_any(&c->right.host))
		CERR("conn '%s': left and right cannot both be %%any", c->name);
	if (c->left.host.kind == DMN_ADDR_IP && c->right.host.kind == DMN_ADDR_IP &&
	    c->left.host.family != c->right.host.family)
		CERR("conn '%s': left is IPv%d but right is IPv%d", c->name,
		     c->left.host.family == AF_INET ? 4 : 6,
		     c->right.host.family == AF_INET ? 4 : 6);
	unsigned lf = families(&c->left), rf = families(&c->right);
	if (lf && rf && !(lf & rf))
		CERR("conn '%s': leftsubnet and rightsubnet have no address family in common",
		     c->name);
	if (c->type == DMN_TYPE_TRANSPORT && (c->left.n_subnets || c->right.n_subnets))
		CERR("conn '%s': type=transport takes no leftsubnet/rightsubnet (use "
		     "leftprotoport to restrict traffic)",
		     c->name);
	if (c->rekeymargin >= c->lifetime)
		CERR("conn '%s': rekeymargin (%us) must be shorter than lifetime (%us)", c->name,
		     c->rekeymargin, c->lifetime);
	if (c->rekeymargin >= c->ikelifetime)
		CERR("conn '%s': rekeymargin (%us) must be shorter than ikelifetime (%us)", c->name,
		     c->rekeymargin, c->ikelifetime);
	if (c->lifebytes && c->marginbytes >= c->lifebytes)
		CERR("conn '%s': marginbytes must be smaller than lifebytes", c->name);
	if (c->lifepackets && c->marginpackets >= c->lifepackets)
		CERR("conn '%s': marginpackets must be smaller than lifepackets", c->name);
	if (c->lifetime == 0 || c->ikelifetime == 0)
		CERR("conn '%s': lifetimes must not be 0", c->name);
	if (c->retransmit_timeout == 0)
		CERR("conn '%s': retransmit-timeout must be at least 1s", c->name);
	if (!c->installpolicy &&
	    (c->autostart == DMN_AUTO_ROUTE || c->autostart == DMN_AUTO_ONDEMAND))
		CERR("conn '%s': auto=route needs the trap policies that installpolicy=no leaves "
		     "out "
		     "(use auto=add or auto=start)",
		     c->name);
#undef CERR
}

/* Builds one conn from the %default sections and its own section. Returns 0 with *ret NULL when
 * the conn is skipped (auto=ignore, IKEv2-only, a template without auto=). */
static int build_conn(struct cfg_raw *raw, const struct cfg_sect *s, bool also_target,
		      struct dmn_conn **ret)
{
	struct slots *sl = calloc(1, sizeof(*sl));
	struct dmn_conn *c = calloc(1, sizeof(*c));
	const struct cfg_sect *stack[DMN_CFG_ALSO_DEPTH + 1];
	struct cfg_build b = {.d = raw->d, .memo = &raw->memo};
	int r = 0;

	*ret = NULL;
	if (!sl || !c) {
		free(sl);
		free(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < raw->n_defaults; i++)
		apply_section(raw, raw->defaults[i], sl, stack, 0);
	apply_section(raw, s, sl, stack, 0);

	snprintf(c->name, sizeof(c->name), "%s", s->name);
	snprintf(c->file, sizeof(c->file), "%s", s->file);
	c->line = s->line;
	dmn_cfg_conn_defaults(c);
	for (unsigned slot = 0; slot < CFG_SLOTS_MAX && r == 0; slot++)
		if (sl->kv[slot] && sl->kv[slot]->val[0]) /* empty value: back to the default */
			r = dmn_cfg_conn_apply(&b, c, sl->kw[slot], sl->side[slot], sl->kv[slot]);
	b.libreswan = raw->libreswan || sl->libreswan;
	free(sl);
	if (r < 0) {
		free_conn(c);
		return r;
	}
	if (b.ignore) {
		free_conn(c);
		return 0;
	}
	if (b.ikev2_only) {
		dmn_diag_add(raw->d, DMN_DIAG_NOTICE, b.ikev2_kv->file, b.ikev2_kv->line,
			     "conn '%s' skipped: %s=%s makes it IKEv2-only", s->name,
			     b.ikev2_kv->key, b.ikev2_kv->val);
		free_conn(c);
		return 0;
	}
	dmn_cfg_conn_proposals(&b, c);
	dmn_cfg_conn_certs(&b, c);
	if (b.auto_set) {
		validate_conn(raw->d, c);
	} else {
		/* No auto= anywhere: both daemons default to auto=ignore, and such conns are often
		 * templates for also=. oakley loads it as auto=add when it is complete; an
		 * incomplete one, or one that other conns include, is left out (with a notice
		 * when incomplete), not an error. */
		struct dmn_diags tmp = {0};
		validate_conn(&tmp, c);
		if (tmp.n_errors && !also_target)
			dmn_diag_add(raw->d, DMN_DIAG_NOTICE, c->file, c->line,
				     "%s; conn has no auto= (the default is ignore): not loaded",
				     tmp.n ? tmp.v[0].msg : "incomplete");
		bool incomplete = tmp.n_errors != 0;
		dmn_diags_free(&tmp);
		if (incomplete || also_target) {
			free_conn(c);
			return 0;
		}
	}
	*ret = c;
	return 0;
}

/* True when some section includes conn name with also= (raw->alsos, filled by build). */
static bool is_also_target(const struct cfg_raw *raw, const char *name)
{
	return dmn_cfg_names_get(&raw->alsos, name) != NULL;
}

void dmn_config_free(struct dmn_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_conns; i++)
		free_conn(cfg->conns[i]);
	dmn_config_touch(cfg);
	free(cfg->conns);
	free(cfg);
}

static int build(struct cfg_raw *raw, struct dmn_config **ret_cfg)
{
	struct dmn_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	dmn_cfg_setup_defaults(&cfg->setup);
	for (size_t i = 0; i < raw->n; i++) {
		check_section(raw, raw->s[i]);
		if (raw->s[i]->kind == CFG_SECT_SETUP && raw->s[i]->libreswan)
			raw->libreswan = true;
	}
	for (size_t i = 0; i < raw->n; i++) {
		const struct cfg_sect *s = raw->s[i];
		if (s->kind != CFG_SECT_SETUP)
			continue;
		for (size_t k = 0; k < s->n_kv; k++) {
			const struct cfg_kw *kw = s->kv[k].kw; /* a config setup keyword */
			if (kw && kw->cls == CFG_KW_STORED && s->kv[k].val[0])
				dmn_cfg_setup_apply(raw->d, &cfg->setup, kw, &s->kv[k]);
		}
	}
	if (raw->n_conns && !(cfg->conns = calloc(raw->n_conns, sizeof(*cfg->conns)))) {
		free(cfg);
		return -ENOMEM;
	}
	free(raw->defaults);
	raw->n_defaults = 0;
	if (!(raw->defaults = calloc(raw->n ? raw->n : 1, sizeof(*raw->defaults)))) {
		free(cfg->conns);
		free(cfg);
		return -ENOMEM;
	}
	for (size_t i = 0; i < raw->n; i++)
		if (raw->s[i]->kind == CFG_SECT_CONN && !strcmp(raw->s[i]->name, "%default"))
			raw->defaults[raw->n_defaults++] = raw->s[i];
	for (size_t i = 0; i < raw->n; i++)
		for (size_t k = 0; k < raw->s[i]->n_kv; k++)
			if (raw->s[i]->kv[k].is_also &&
			    dmn_cfg_names_put(&raw->alsos, raw->s[i]->kv[k].val, raw->s[i], NULL) ==
				    -ENOMEM) {
				free(cfg->conns);
				free(cfg);
				return -ENOMEM;
			}
	for (size_t i = 0; i < raw->n; i++) {
		const struct cfg_sect *s = raw->s[i];
		if (s->kind != CFG_SECT_CONN || !strcmp(s->name, "%default"))
			continue;
		struct dmn_conn *c;
		int r = build_conn(raw, s, is_also_target(raw, s->name), &c);
		if (r < 0) {
			dmn_config_free(cfg);
			return r;
		}
		if (c && cfg->n_conns < raw->n_conns)
			cfg->conns[cfg->n_conns++] = c;
		else
			free_conn(c);
	}
	*ret_cfg = cfg;
	return 0;
}

/* Builds after lexing, and keeps the result only when this load added no error. */
static int finish(struct cfg_raw *raw, int lex_r, unsigned errors_before,
		  struct dmn_config **ret_cfg)
{
	struct dmn_config *cfg = NULL;
	int r = lex_r;
	if (r == 0)
		r = build(raw, &cfg);
	if (r == 0 && raw->d->n_errors != errors_before)
		r = -EINVAL;
	dmn_cfg_raw_free(raw);
	if (r < 0) {
		dmn_config_free(cfg);
		return r;
	}
	*ret_cfg = cfg;
	return 0;
}

int dmn_config_load(const char *path, struct dmn_diags *diags, struct dmn_config **ret_cfg)
{
	struct cfg_raw raw = {.d = diags};
	unsigned before = diags->n_errors;
	int r = dmn_cfg_lex_file(&raw, path, NULL, 0);
	if (r < 0 && r != -ENOMEM) {
		dmn_cfg_raw_free(&raw);
		return r;
	}
	return finish(&raw, r, before, ret_cfg);
}

int dmn_config_parse_buffer(const char *name, const char *buf, size_t len, const char *include_dir,
			    struct dmn_diags *diags, struct dmn_config **ret_cfg)
{
	struct cfg_raw raw = {.d = diags, .no_includes = include_dir == NULL};
	unsigned before = diags->n_errors;
	if (len > DMN_CFG_FILE_MAX) {
		dmn_diag_add(diags, DMN_DIAG_ERROR, name, 0, "larger than %u bytes",
			     DMN_CFG_FILE_MAX);
		return -EINVAL;
	}
	int r = dmn_cfg_lex_buffer(&raw, name, include_dir, buf, len);
	return finish(&raw, r, before, ret_cfg);
}

/* ---- orientation ---- */

static bool side_is_local(const struct dmn_side *s,
			  bool (*is_local)(const struct dmn_addr *addr, void *ctx), void *ctx)
{
	return s->host.kind == DMN_ADDR_IP && is_local(&s->host, ctx);
}

size_t dmn_config_orient(struct dmn_config *cfg,
			 bool (*is_local)(const struct dmn_addr *addr, void *ctx), void *ctx)
{
	size_t n = 0;
	for (size_t i = 0; cfg && i < cfg->n_conns; i++) {
		struct dmn_conn *c = cfg->conns[i];
		if (!strcmp(c->file, DMN_VICI_CONN_FILE) ||
		    side_is_local(&c->left, is_local, ctx) ||
		    !side_is_local(&c->right, is_local, ctx))
			continue;
		struct dmn_side t = c->left;
		c->left = c->right;
		c->right = t;
		c->swapped = !c->swapped;
		n++;
	}
	if (n)
		dmn_config_touch(cfg);
	return n;
}

enum dmn_conn_change dmn_conn_diff(const struct dmn_conn *old, const struct dmn_conn *new)
{
	unsigned m = dmn_conn_compare(old, new);
	if (m & DMN_CONN_CHANGED_SA)
		return DMN_CONN_NEW_SAS;
	if (m & DMN_CONN_CHANGED_AUTO)
		return DMN_CONN_AUTO_ONLY; /* reload compares auto=; LIVE ones apply anyway */
	return m ? DMN_CONN_NO_SA_CHANGE : DMN_CONN_SAME;
}
