/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VICI commands that change the configuration: load-conn, unload-conn and load-shared. Their
 * swanctl.conf-style input (the IKEv1 PSK subset) is written out as ipsec.conf or ipsec.secrets
 * text and goes through the same parsers as the files; the result is swapped into the daemon.
 */
#include "daemon/vici_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/config.h"
#include "daemon/ike_glue.h"
#include "daemon/log.h"
#include "daemon/secrets.h"

bool dmn_vici_is_loaded(const struct dmn_vici *v, const char *name)
{
	for (size_t i = 0; i < v->n_loaded; i++)
		if (strcmp(v->loaded[i], name) == 0)
			return true;
	return false;
}

/* Text we write into an ipsec.conf or ipsec.secrets line: printable, no quote, comment, comma or
 * backslash, so a value can never end its keyword or start another. */
static bool safe_token(const uint8_t *v, size_t len)
{
	if (len == 0 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++)
		if (v[i] <= 0x20 || v[i] >= 0x7f || strchr("\"#,\\'{}", v[i]))
			return false;
	return true;
}

struct conf_text {
	char buf[16384];
	size_t len;
	const char *err; /* first problem, for errmsg */
};

static void text_add(struct conf_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void text_add(struct conf_text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(t->buf) - t->len) {
		if (!t->err)
			t->err = "connection too large";
		return;
	}
	t->len += (size_t)n;
}

/* key=item1,item2 from a list (or a single key-value) node; suffix appended ("!" for proposals). */
static void text_list(struct conf_text *t, const char *key, const struct vici_node *n,
		      const char *suffix)
{
	if (!n)
		return;
	const struct vici_node *items = n->type == VICI_LIST_START ? n->child : n;
	text_add(t, "    %s=", key);
	bool first = true;
	for (const struct vici_node *i = items; i;
	     i = n->type == VICI_LIST_START ? i->next : NULL) {
		if (!safe_token(i->value, i->value_len)) {
			t->err = "a value has characters oakley does not accept";
			return;
		}
		text_add(t, "%s%.*s", first ? "" : ",", (int)i->value_len, (const char *)i->value);
		first = false;
	}
	text_add(t, "%s\n", suffix);
}

/* An ID value as swanctl writes it: an address, user@fqdn, %any, or a bare name, which is an
 * FQDN and gets ipsec.conf's '@'. The caller checked it with safe_token(). */
static void text_id_value(struct conf_text *t, const uint8_t *v, size_t len)
{
	uint8_t tmp[16];
	char s[256];
	snprintf(s, sizeof(s), "%.*s", (int)len, (const char *)v);
	bool plain = strchr(s, '@') || s[0] == '%' || inet_pton(AF_INET, s, tmp) == 1 ||
		     inet_pton(AF_INET6, s, tmp) == 1;
	text_add(t, "%s%s", plain ? "" : "@", s);
}

/* An ID as swanctl writes it: an address, user@fqdn, %any, or a bare name (an FQDN). */
static void text_id(struct conf_text *t, const char *key, const struct vici_node *auth)
{
	const struct vici_node *id = vici_node_get(auth, "id");
	if (!id || id->type != VICI_KEY_VALUE)
		return;
	if (!safe_token(id->value, id->value_len)) {
		t->err = "IDs other than addresses, FQDNs and user@FQDNs are not supported";
		return;
	}
	text_add(t, "    %s=", key);
	text_id_value(t, id->value, id->value_len);
	text_add(t, "\n");
}

static bool node_value_is(const struct vici_node *n, const char *v)
{
	return n && n->type == VICI_KEY_VALUE && n->value_len == strlen(v) &&
	       strncasecmp((const char *)n->value, v, n->value_len) == 0;
}

/* The auth sections of one side: local, local-*, remote, remote-* (PSK only). */
static const struct vici_node *find_auth(const struct vici_node *conn, const char *side,
					 struct conf_text *t)
{
	const struct vici_node *found = NULL;
	size_t sl = strlen(side);
	for (const struct vici_node *n = conn->child; n; n = n->next) {
		if (n->type != VICI_SECTION_START || n->name_len < sl ||
		    memcmp(n->name, side, sl) != 0 || (n->name_len > sl && n->name[sl] != '-'))
			continue;
		const struct vici_node *auth = vici_node_get(n, "auth");
		if (found || (auth && !node_value_is(auth, "psk")))
			t->err = "only one pre-shared key (auth = psk) round per side is supported";
		found = n;
	}
	return found;
}

/* Writes the ipsec.conf text of one swanctl connection section. */
static void conn_to_text(const struct vici_node *conn, struct conf_text *t)
{
	const struct vici_node *n = vici_node_get(conn, "version");
	if (n && !node_value_is(n, "1") && !node_value_is(n, "ikev1")) {
		t->err = "oakley speaks IKEv1 only (version = 1)";
		return;
	}
	const struct vici_node *children = vici_node_get(conn, "children");
	const struct vici_node *child = children ? children->child : NULL;
	if (!child || child->type != VICI_SECTION_START || child->next) {
		t->err = "exactly one child section is supported";
		return;
	}
	text_add(t, "conn %.*s\n    keyexchange=ikev1\n    authby=secret\n", (int)conn->name_len,
		 conn->name);
	text_list(t, "left", vici_node_get(conn, "local_addrs"), "");
	text_list(t, "right", vici_node_get(conn, "remote_addrs"), "");
	if (!vici_node_get(conn, "local_addrs"))
		text_add(t, "    left=%%any\n");
	if (!vici_node_get(conn, "remote_addrs"))
		text_add(t, "    right=%%any\n");
	text_list(t, "ike", vici_node_get(conn, "proposals"), "!");
	if (node_value_is(vici_node_get(conn, "aggressive"), "yes"))
		text_add(t, "    aggressive=yes\n");
	text_id(t, "leftid", find_auth(conn, "local", t));
	text_id(t, "rightid", find_auth(conn, "remote", t));
	text_list(t, "leftsubnet", vici_node_get(child, "local_ts"), "");
	text_list(t, "rightsubnet", vici_node_get(child, "remote_ts"), "");
	text_list(t, "esp", vici_node_get(child, "esp_proposals"), "!");
	text_list(t, "ah", vici_node_get(child, "ah_proposals"), "!");
	if (node_value_is(vici_node_get(child, "ipcomp"), "yes"))
		text_add(t, "    compress=yes\n");
	n = vici_node_get(child, "mode");
	if (n && !node_value_is(n, "tunnel") && !node_value_is(n, "transport"))
		t->err = "mode must be tunnel or transport";
	text_add(t, "    type=%s\n", node_value_is(n, "transport") ? "transport" : "tunnel");
	n = vici_node_get(child, "start_action");
	text_add(t, "    auto=%s\n",
		 node_value_is(n, "start")  ? "start"
		 : node_value_is(n, "trap") ? "route"
					    : "add");
}

/* Replaces d->config by one holding old's conns (minus drop, if named) plus add's; takes the
 * conns of add. dmn_config_free only frees the n_conns listed, which lets conns move. */
static int config_swap(struct dmn *d, struct dmn_config *add, const char *drop)
{
	struct dmn_config *old = d->config;
	size_t n_old = old ? old->n_conns : 0, n_add = add ? add->n_conns : 0;
	struct dmn_config *cfg = calloc(1, sizeof(*cfg));
	struct dmn_config *gone = calloc(1, sizeof(*gone));
	struct dmn_conn **v = calloc(n_old + n_add + 1, sizeof(*v));
	struct dmn_conn **g = calloc(n_old + 1, sizeof(*g));
	if (!cfg || !gone || !v || !g) {
		free(cfg);
		free(gone);
		free(v);
		free(g);
		return -ENOMEM;
	}
	if (old)
		cfg->setup = old->setup;
	for (size_t i = 0; i < n_old; i++) {
		bool replaced = drop && strcmp(old->conns[i]->name, drop) == 0;
		for (size_t k = 0; k < n_add && !replaced; k++)
			replaced = strcmp(old->conns[i]->name, add->conns[k]->name) == 0;
		if (replaced)
			g[gone->n_conns++] = old->conns[i];
		else
			v[cfg->n_conns++] = old->conns[i];
	}
	for (size_t k = 0; k < n_add; k++)
		v[cfg->n_conns++] = add->conns[k];
	cfg->conns = v;
	gone->conns = g;
	if (old)
		old->n_conns = 0;
	if (add)
		add->n_conns = 0;
	dmn_config_free(old);
	dmn_config_free(add);
	d->config = cfg;
	dmn_ike_config_changed(d);
	dmn_config_free(gone); /* after the engine let go of the old handles */
	return 0;
}

void dmn_vici_cmd_load_conn(const struct dmn_vici_req *rq)
{
	const struct vici_node *conn = rq->msg->child;
	if (!conn || conn->type != VICI_SECTION_START || conn->next ||
	    !safe_token((const uint8_t *)conn->name, conn->name_len) ||
	    conn->name_len >= DMN_NAME_MAX) {
		dmn_vici_reply_status(rq->c, false, "expected one connection section");
		return;
	}
	struct conf_text *t = calloc(1, sizeof(*t));
	if (!t) {
		dmn_vici_reply_status(rq->c, false, "out of memory");
		return;
	}
	conn_to_text(conn, t);
	struct dmn_diags diags = {0};
	struct dmn_config *add = NULL;
	char err[400] = "";
	if (t->err)
		snprintf(err, sizeof(err), "%s", t->err);
	else if (dmn_config_parse_buffer(DMN_VICI_CONN_FILE, t->buf, t->len, NULL, &diags, &add) <
		 0)
		snprintf(err, sizeof(err), "%s", diags.n ? diags.v[0].msg : "invalid connection");
	else if (add->n_conns != 1)
		snprintf(err, sizeof(err), "the connection was not kept (IKEv2 only or ignored)");
	else if (rq->d->config && rq->d->config->n_conns >= DMN_CFG_CONNS_MAX &&
		 !dmn_config_find(rq->d->config, add->conns[0]->name))
		snprintf(err, sizeof(err), "too many connections (%u)", DMN_CFG_CONNS_MAX);
	else if (config_swap(rq->d, add, NULL) < 0)
		snprintf(err, sizeof(err), "out of memory");
	else
		add = NULL;
	if (!err[0]) {
		struct dmn_vici *v = rq->d->vici;
		char name[DMN_NAME_MAX];
		snprintf(name, sizeof(name), "%.*s", (int)conn->name_len, conn->name);
		if (!dmn_vici_is_loaded(v, name) && v->n_loaded < DMN_CFG_CONNS_MAX) {
			char(*l)[64] = realloc(v->loaded, (v->n_loaded + 1) * sizeof(*l));
			if (l) {
				v->loaded = l;
				snprintf(l[v->n_loaded++], sizeof(l[0]), "%s", name);
			}
		}
		log_notice("vici: loaded connection %s", name);
	}
	dmn_config_free(add);
	dmn_diags_free(&diags);
	free(t);
	dmn_vici_reply_status(rq->c, !err[0], err);
}

void dmn_vici_cmd_unload_conn(const struct dmn_vici_req *rq)
{
	char name[DMN_NAME_MAX];
	const struct dmn_vici_arg arg = {"name", name, sizeof(name)};
	if (!dmn_vici_req_args(rq, &arg, 1))
		return;
	if (!name[0]) {
		dmn_vici_reply_status(rq->c, false, "unloading connection failed: missing name");
		return;
	}
	if (!rq->d->config || !dmn_config_find(rq->d->config, name)) {
		dmn_vici_reply_status(rq->c, false, "unloading connection failed: not found");
		return;
	}
	int r = config_swap(rq->d, NULL, name);
	struct dmn_vici *v = rq->d->vici;
	for (size_t i = 0; r == 0 && i < v->n_loaded; i++)
		if (strcmp(v->loaded[i], name) == 0)
			memmove(v->loaded[i], v->loaded[--v->n_loaded], sizeof(v->loaded[0]));
	if (r == 0)
		log_notice("vici: unloaded connection %s", name);
	dmn_vici_reply_status(rq->c, r == 0, "out of memory");
}

/* Removes (wiping its PSK) an entry an earlier load-shared added for the same owners, so that
 * loading the same secrets again replaces them instead of piling them up. */
static void drop_loaded_secret(struct dmn_secrets *s, const struct dmn_secret *like)
{
	for (size_t i = 0; i < s->n; i++) {
		struct dmn_secret *e = &s->v[i];
		bool same = strcmp(e->file, "vici:load-shared") == 0 && e->n_ids == like->n_ids;
		for (size_t k = 0; same && k < e->n_ids; k++)
			same = dmn_id_equal(&e->ids[k], &like->ids[k]);
		if (!same)
			continue;
		explicit_bzero(e->psk, e->psk_len);
		free(e->psk);
		memmove(e, e + 1, (s->n - i - 1) * sizeof(*e));
		s->n--;
		explicit_bzero(&s->v[s->n], sizeof(s->v[0]));
		return;
	}
}

/* load-shared { type = IKE, data = PSK, owners = [IDs] }: adds a PSK ahead of the file's. */
void dmn_vici_cmd_load_shared(const struct dmn_vici_req *rq)
{
	const struct vici_node *type = vici_node_get(rq->msg, "type");
	const struct vici_node *data = vici_node_get(rq->msg, "data");
	const struct vici_node *owners = vici_node_get(rq->msg, "owners");
	if (!node_value_is(type, "IKE") || !data || data->type != VICI_KEY_VALUE ||
	    data->value_len == 0 || data->value_len > DMN_PSK_MAX) {
		dmn_vici_reply_status(rq->c, false, "only type = IKE with 1..1024 bytes of data");
		return;
	}
	struct conf_text *t = calloc(1, sizeof(*t));
	if (!t) {
		dmn_vici_reply_status(rq->c, false, "out of memory");
		return;
	}
	unsigned n_owners = 0;
	for (const struct vici_node *o = owners && owners->type == VICI_LIST_START ? owners->child
										   : NULL;
	     o; o = o->next, n_owners++) {
		if (!safe_token(o->value, o->value_len) || n_owners >= DMN_SECRET_IDS_MAX)
			t->err = "owners must be at most 8 addresses, FQDNs or user@FQDNs";
		else {
			text_id_value(t, o->value, o->value_len);
			text_add(t, " ");
		}
	}
	/* The PSK as hex: no quoting of arbitrary bytes. */
	text_add(t, ": PSK 0x");
	for (size_t i = 0; i < data->value_len; i++)
		text_add(t, "%02x", data->value[i]);
	text_add(t, "\n");
	struct dmn_diags diags = {0};
	struct dmn_secrets *add = NULL;
	char err[400] = "";
	if (t->err)
		snprintf(err, sizeof(err), "%s", t->err);
	else if (dmn_secrets_parse_buffer("vici:load-shared", t->buf, t->len, NULL, &diags, &add) <
		 0)
		snprintf(err, sizeof(err), "%s", diags.n ? diags.v[0].msg : "invalid secret");
	else if (add->n != 1)
		snprintf(err, sizeof(err), "the secret was not kept");
	explicit_bzero(t, sizeof(*t));
	free(t);
	dmn_diags_free(&diags);
	struct dmn_secrets *old = rq->d->secrets;
	struct dmn_secret *v = NULL;
	if (!err[0] && old)
		drop_loaded_secret(old, &add->v[0]);
	if (!err[0] && old && old->n >= DMN_SECRETS_MAX)
		snprintf(err, sizeof(err), "too many secrets (%u)", DMN_SECRETS_MAX);
	if (!err[0] && old) {
		v = calloc(old->n + add->n, sizeof(*v));
		if (!v) {
			snprintf(err, sizeof(err), "out of memory");
		} else {
			/* New entries first: on a tie the first one wins. Entries move, PSKs too.
			 */
			memcpy(v, add->v, add->n * sizeof(*v));
			memcpy(v + add->n, old->v, old->n * sizeof(*v));
			explicit_bzero(old->v, old->n * sizeof(*v));
			free(old->v);
			old->v = v;
			old->n = old->cap = old->n + add->n;
			explicit_bzero(add->v, add->n * sizeof(*v));
			add->n = 0;
		}
	} else if (!err[0]) {
		rq->d->secrets = add;
		add = NULL;
	}
	dmn_secrets_free(add);
	if (!err[0])
		log_notice("vici: loaded a pre-shared key for %u owner%s", n_owners,
			   n_owners == 1 ? "" : "s");
	dmn_vici_reply_status(rq->c, !err[0], err);
}
