// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Applying one keyword line to the model, generated from its row of the keyword table
 * (daemon/config_keywords.c): the row's kind parses the value into the row's field by offset;
 * composite keywords (ike=, esp=, subnets, IDs, marks, ...) have a small CUSTOM function here.
 * Then the proposal strings, parsed after every other keyword of a conn, and the defaults.
 */
#include "daemon/config_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/consts.h"
#include "proto/ike/engine.h"

#define BAD(b, kv, ...) dmn_diag_add((b)->d, DMN_DIAG_ERROR, (kv)->file, (kv)->line, __VA_ARGS__)

const struct cfg_choice dmn_cfg_auto_choices[] = {
	{"add", DMN_AUTO_ADD},
	{"start", DMN_AUTO_START},
	{"up", DMN_AUTO_START},
	{"route", DMN_AUTO_ROUTE},
	{"trap", DMN_AUTO_ROUTE},
	{"ondemand", DMN_AUTO_ONDEMAND},
	{"keep", DMN_AUTO_KEEP},
	{"ignore", -1},
	{NULL, 0},
};
const struct cfg_choice dmn_cfg_type_choices[] = {
	{"tunnel", DMN_TYPE_TUNNEL},
	{"transport", DMN_TYPE_TRANSPORT},
	{"transport_proxy", DMN_TYPE_TRANSPORT},
	{"passthrough", DMN_TYPE_PASS},
	{"pass", DMN_TYPE_PASS},
	{"drop", DMN_TYPE_DROP},
	{"reject", DMN_TYPE_REJECT},
	{NULL, 0},
};
const struct cfg_choice dmn_cfg_dpd_choices[] = {
	{"none", DMN_DPD_NONE},	      {"clear", DMN_DPD_CLEAR}, {"hold", DMN_DPD_HOLD},
	{"restart", DMN_DPD_RESTART}, {"trap", DMN_DPD_HOLD},	{NULL, 0},
};
/* keyexchange: 1 = IKEv1 ok, 2 = IKEv2 only, 3 = both (notice) */
static const struct cfg_choice kex_choices[] = {
	{"ikev1", 1},
	{"ike", 3},
	{"ikev2", 2},
	{NULL, 0},
};
static const struct cfg_choice ikev2_choices[] = {
	{"no", 1},  {"never", 1},  {"permit", 3}, {"propose", 3},
	{"yes", 2}, {"insist", 2}, {NULL, 0},
};
const struct cfg_choice dmn_cfg_encaps_choices[] = {
	{"yes", DMN_FORCE},
	{"no", DMN_NO},
	{"auto", DMN_AUTO_DEFAULT},
	{NULL, 0},
};
const struct cfg_choice dmn_cfg_lifecheck_choices[] = {
	{"claim", 0},
	{"strict", 1},
	{NULL, 0},
};
const struct cfg_choice dmn_cfg_frag_choices[] = {
	{"yes", DMN_YES},     {"no", DMN_NO}, {"accept", DMN_AUTO_DEFAULT},
	{"force", DMN_FORCE}, {NULL, 0},
};
const struct cfg_choice dmn_cfg_uniq_choices[] = {
	{"yes", DMN_UNIQUE_YES},	 {"no", DMN_UNIQUE_NO},	    {"never", DMN_UNIQUE_NEVER},
	{"replace", DMN_UNIQUE_REPLACE}, {"keep", DMN_UNIQUE_KEEP}, {NULL, 0},
};
const struct cfg_choice dmn_cfg_pfs_choices[] = {
	{"yes", DMN_PFS_YES},
	{"true", DMN_PFS_YES},
	{"no", DMN_PFS_NO},
	{"false", DMN_PFS_NO},
	{NULL, 0},
};

void dmn_cfg_conn_defaults(struct dmn_conn *c)
{
	c->autostart = DMN_AUTO_ADD;
	c->type = DMN_TYPE_TUNNEL;
	c->rekey = true;
	c->reauth = true;
	c->installpolicy = true;
	c->initial_contact = true;
	c->encaps = DMN_AUTO_DEFAULT;
	c->fragmentation = DMN_YES;
	c->pfs = DMN_PFS_DEFAULT;
	c->ikelifetime = 3 * 3600;
	c->lifetime = 3600;
	c->rekeymargin = 9 * 60;
	c->rekeyfuzz = 100;
	c->keyingtries = 3;
	c->dpdtimeout = 150;
	c->dpdaction = DMN_DPD_NONE;
	c->closeaction = DMN_DPD_NONE;
	c->replay_window = 32;
	c->retransmit_timeout = 60;
	c->retransmit_interval = 500;
}

void dmn_cfg_setup_defaults(struct dmn_setup *s)
{
	memset(s, 0, sizeof(*s));
	s->uniqueids = DMN_UNIQUE_YES;
	s->keep_alive = 20;
	s->ikeport = 500;
	s->nat_ikeport = 4500;
	s->ikesa_limit = PROTO_IKE_SAS_DEFAULT;
}

/* ---- the generic kinds ---- */

static const char *const kind_what[] = {
	[CFG_V_BOOL] = "yes or no",
	[CFG_V_TIME] = "a duration (N, Ns, Nm, Nh or Nd, at most 10 years)",
	[CFG_V_U64] = "a number",
	[CFG_V_U32] = "a number in range",
};

/* Stores an integer into a field of 1, 2 or 4 bytes (bool, uint16_t, uint32_t or an enum). */
static void store_int(void *p, size_t size, uint32_t v)
{
	if (size == 1)
		*(bool *)p = v != 0;
	else if (size == 2)
		*(uint16_t *)p = (uint16_t)v;
	else
		*(uint32_t *)p = v;
}

static int apply_path(struct cfg_build *b, void *p, const struct cfg_kw *kw,
		      const struct cfg_kv *kv)
{
	/* a char * (owned) or a char[] of the struct: never 8 bytes long, see the assert */
	if (strlen(kv->val) >= DMN_PATH_MAX ||
	    (kw->size != sizeof(char *) && strlen(kv->val) >= kw->size)) {
		if (kw->size == sizeof(char *))
			return BAD(b, kv, "%s: path too long", kv->key), 0;
		else
			return BAD(b, kv, "%s: too long", kv->key), 0;
	}
	if (kw->size != sizeof(char *)) { /* a char[] of the struct */
		strcpy(p, kv->val);
		return 0;
	}
	char *u = strdup(kv->val);
	if (!u)
		return -ENOMEM;
	free(*(char **)p);
	*(char **)p = u;
	return 0;
}

/* Parses kv into the field of kw in base by the row's kind. Returns 0 or -ENOMEM. */
static int apply_row(struct cfg_build *b, void *base, const struct cfg_kw *kw,
		     const struct cfg_kv *kv)
{
	void *p = base ? (char *)base + kw->off : NULL;
	const char *v = kv->val;
	bool f;
	uint32_t n;
	int choice, r = 0;
	switch (kw->kind) {
	case CFG_V_BOOL:
		if ((r = dmn_cfg_parse_bool(v, &f)) == 0)
			store_int(p, kw->size, f);
		break;
	case CFG_V_TIME:
		r = dmn_cfg_parse_time(v, p);
		break;
	case CFG_V_U64:
		r = dmn_cfg_parse_u64(v, UINT64_MAX, p);
		break;
	case CFG_V_U32:
		if ((r = dmn_cfg_parse_u32(v, kw->hi, &n)) == 0 && n < kw->lo)
			r = -ERANGE;
		if (r == 0)
			store_int(p, kw->size, n);
		break;
	case CFG_V_CHOICE:
		if ((r = dmn_cfg_parse_choice(v, kw->choices, &choice)) == 0)
			store_int(p, kw->size, (uint32_t)choice);
		break;
	case CFG_V_PATH:
		return apply_path(b, p, kw, kv);
	case CFG_V_CUSTOM:
		return kw->apply ? kw->apply(b, base, kw, kv) : 0;
	case CFG_V_NONE:
		return 0;
	}
	if (r < 0)
		BAD(b, kv, "%s: '%.200s' is not %s", kv->key, v,
		    kw->what ? kw->what : kind_what[kw->kind]);
	return 0;
}

int dmn_cfg_conn_apply(struct cfg_build *b, struct dmn_conn *c, const struct cfg_kw *kw, int side,
		       const struct cfg_kv *kv)
{
	void *base = kw->at == CFG_AT_SIDE   ? (void *)(side ? &c->right : &c->left)
		     : kw->at == CFG_AT_CONN ? (void *)c
					     : NULL;
	return apply_row(b, base, kw, kv);
}

void dmn_cfg_setup_apply(struct dmn_diags *d, struct dmn_setup *s, const struct cfg_kw *kw,
			 const struct cfg_kv *kv)
{
	struct cfg_build b = {.d = d};
	(void)apply_row(&b, s, kw, kv); /* no setup keyword allocates */
}

/* ---- CUSTOM rows: conn ---- */

int dmn_cfg_apply_auto(struct cfg_build *b, void *base, const struct cfg_kw *kw,
		       const struct cfg_kv *kv)
{
	int choice;
	(void)kw;
	b->auto_set = true;
	if (dmn_cfg_parse_choice(kv->val, dmn_cfg_auto_choices, &choice) < 0)
		BAD(b, kv, "auto: '%s' is not add, start, route, ondemand, keep or ignore",
		    kv->val);
	else if (choice < 0)
		b->ignore = true;
	else
		((struct dmn_conn *)base)->autostart = (enum dmn_auto)choice, b->ignore = false;
	return 0;
}

/* keyexchange= and ikev2=: which IKE versions; an IKEv2-only conn is skipped (config.c). */
int dmn_cfg_apply_kex(struct cfg_build *b, void *base, const struct cfg_kw *kw,
		      const struct cfg_kv *kv)
{
	int choice;
	(void)base;
	if (dmn_cfg_parse_choice(kv->val, strcmp(kw->name, "ikev2") ? kex_choices : ikev2_choices,
				 &choice) < 0)
		return BAD(b, kv, "%s: bad value '%s'", kv->key, kv->val), 0;
	b->ikev2_only = choice == 2;
	b->ikev2_kv = kv;
	if (choice == 3)
		dmn_diag_add(b->d, DMN_DIAG_NOTICE, kv->file, kv->line,
			     "%s=%s: oakley speaks IKEv1 only for this conn", kv->key, kv->val);
	return 0;
}

/* The method one word of authby= or leftauth= names: DMN_AUTH_*, or -1 (PSK), -2 (XAUTH),
 * -3 (no authentication), -4 (unknown). */
static int auth_word(const char *t)
{
	if (!strcmp(t, "secret") || !strcmp(t, "psk"))
		return -1;
	if (!strcmp(t, "rsasig") || !strcmp(t, "rsa") || !strcmp(t, "rsa-sha1") ||
	    !strcmp(t, "rsasig-sha1"))
		return DMN_AUTH_RSA;
	if (!strcmp(t, "ecdsa") || !strcmp(t, "ecdsasig"))
		return DMN_AUTH_ECDSA;
	if (!strcmp(t, "pubkey"))
		return DMN_AUTH_PUBKEY;
	if (!strncmp(t, "xauth", 5))
		return -2;
	if (!strcmp(t, "never") || !strcmp(t, "null"))
		return -3;
	return -4;
}

/* authby=: pre-shared keys or signatures (decided with the certificate keywords, see
 * daemon/config_certs.c). Libreswan allows "secret|rsasig" (a peer may use either: PSK alone
 * is narrower); an XAUTH method adds a login round oakley lacks: refused. */
int dmn_cfg_apply_authby(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			 const struct cfg_kv *kv)
{
	char buf[128];
	int sig = -1, bad = 0;
	(void)base, (void)kw;
	if (strlen(kv->val) >= sizeof(buf))
		return BAD(b, kv, "authby: value too long"), 0;
	strcpy(buf, kv->val);
	char *save = NULL;
	for (char *t = strtok_r(buf, "|,", &save); t; t = strtok_r(NULL, "|,", &save)) {
		int m = auth_word(t);
		if (m == -4)
			return BAD(b, kv, "authby: unknown method '%s'", t), 0;
		if (m == -1)
			b->psk = true;
		else if (m >= 0 && sig < 0)
			sig = m;
		else if (m < -1 && bad != -2)
			bad = m;
	}
	if (bad == -2 || (bad && !b->psk && sig < 0))
		return BAD(b, kv, "'authby=%.64s' refused: %s", kv->val,
			   dmn_cfg_auth_refusal(bad == -2 ? "xauth" : "never")),
		       0;
	if (!b->psk && sig >= 0)
		b->auth = (uint8_t)sig, b->auth_kv = kv;
	return 0;
}

/* ike=, esp=, ah=: recorded, parsed by dmn_cfg_conn_proposals after allow-weak-crypto= and pfs=. */
int dmn_cfg_apply_proposal(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			   const struct cfg_kv *kv)
{
	(void)base;
	if (!strcmp(kw->name, "ike"))
		b->ike = kv->val, b->ike_kv = kv;
	else if (!strcmp(kw->name, "esp"))
		b->esp = kv->val, b->esp_kv = kv;
	else
		b->ah = kv->val, b->ah_kv = kv;
	return 0;
}

int dmn_cfg_apply_phase2(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			 const struct cfg_kv *kv)
{
	(void)base, (void)kw;
	if (strcmp(kv->val, "esp") && strcmp(kv->val, "ah"))
		BAD(b, kv, "%s: '%s' is not esp or ah", kv->key, kv->val);
	else
		b->phase2_ah = kv->val[0] == 'a';
	return 0;
}

int dmn_cfg_apply_pfsgroup(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			   const struct cfg_kv *kv)
{
	(void)base, (void)kw;
	b->pfsgroup_kv = kv;
	return 0;
}

int dmn_cfg_apply_rekeyfuzz(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			    const struct cfg_kv *kv)
{
	char buf[16];
	const char *v = kv->val;
	size_t l = strlen(v);
	(void)kw;
	if (l && l < sizeof(buf) && v[l - 1] == '%')
		l--;
	if (l == 0 || l >= sizeof(buf) ||
	    (memcpy(buf, v, l), buf[l] = '\0',
	     dmn_cfg_parse_u32(buf, 100000, &((struct dmn_conn *)base)->rekeyfuzz) < 0))
		BAD(b, kv, "rekeyfuzz: '%s' is not a percentage", v);
	return 0;
}

int dmn_cfg_apply_keyingtries(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			      const struct cfg_kv *kv)
{
	struct dmn_conn *c = base;
	(void)kw;
	if (!strcmp(kv->val, "%forever"))
		c->keyingtries = 0;
	else if (dmn_cfg_parse_u32(kv->val, 1000000, &c->keyingtries) < 0)
		BAD(b, kv, "keyingtries: '%s' is not a number or %%forever", kv->val);
	return 0;
}

/* mark=, mark_in=, mark_out= (and the - spellings): value[/mask] or %unique. */
int dmn_cfg_apply_mark(struct cfg_build *b, void *base, const struct cfg_kw *kw,
		       const struct cfg_kv *kv)
{
	struct dmn_conn *c = base;
	uint32_t val, mask;
	bool uniq, in = strcmp(kw->name, "mark_out") != 0, out = strcmp(kw->name, "mark_in") != 0;
	if (dmn_cfg_parse_mark(kv->val, &val, &mask, &uniq) < 0)
		return BAD(b, kv, "%s: '%s' is not value[/mask] or %%unique", kv->key, kv->val), 0;
	if (uniq) /* one mark per IPsec SA pair: not done yet, say so */
		dmn_diag_add(b->d, DMN_DIAG_NOTICE, kv->file, kv->line,
			     "%s=%%unique is not supported yet: ignored (no mark)", kv->key);
	if (in)
		c->mark_in = val, c->mark_in_mask = mask, c->mark_in_unique = uniq;
	if (out)
		c->mark_out = val, c->mark_out_mask = mask, c->mark_out_unique = uniq;
	return 0;
}

/* Libreswan: ipsec-interface=N is device ipsecN with XFRM if_id N; yes = 1 */
int dmn_cfg_apply_ipsec_interface(struct cfg_build *b, void *base, const struct cfg_kw *kw,
				  const struct cfg_kv *kv)
{
	struct dmn_conn *c = base;
	uint32_t n = 0;
	(void)kw;
	if (!strcmp(kv->val, "no"))
		c->if_id_in = c->if_id_out = 0;
	else if (!strcmp(kv->val, "yes"))
		c->if_id_in = c->if_id_out = 1;
	else if (dmn_cfg_parse_u32(kv->val, 0xfffffffe, &n) == 0 && n > 0)
		c->if_id_in = c->if_id_out = n;
	else
		BAD(b, kv,
		    "ipsec-interface: '%s' is not yes, no or a number from 1 (XFRM if_id 0 means "
		    "none)",
		    kv->val);
	return 0;
}

int dmn_cfg_apply_if_id(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			const struct cfg_kv *kv)
{
	struct dmn_conn *c = base;
	bool in = !strcmp(kw->name, "if_id_in");
	bool *uniq = in ? &c->if_id_in_unique : &c->if_id_out_unique;
	if (dmn_cfg_parse_ifid(kv->val, in ? &c->if_id_in : &c->if_id_out, uniq) < 0)
		BAD(b, kv, "%s: '%s' is not a number or %%unique", kv->key, kv->val);
	else if (*uniq)
		dmn_diag_add(b->d, DMN_DIAG_NOTICE, kv->file, kv->line,
			     "%s=%%unique is not supported yet: ignored (no if_id)", kv->key);
	return 0;
}

/* forceencaps=yes|no (no: NAT-T decides), encapsulation=yes|no|auto */
int dmn_cfg_apply_encaps(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			 const struct cfg_kv *kv)
{
	int choice;
	bool force = !strcmp(kv->key, "forceencaps");
	(void)kw;
	if (dmn_cfg_parse_choice(kv->val, dmn_cfg_encaps_choices, &choice) < 0 ||
	    (force && !strcmp(kv->val, "auto")))
		BAD(b, kv, "%s: '%s' is not yes or no%s", kv->key, kv->val,
		    force ? "" : " or auto");
	else
		((struct dmn_conn *)base)->encaps =
			choice == DMN_NO && force ? DMN_AUTO_DEFAULT : (enum dmn_tristate)choice;
	return 0;
}

/* fragmentation=yes|no|accept|force (ike_frag=): IKE fragmentation of phase-1 messages (the
 * meaning is enum proto_ike_frag_mode's). */
int dmn_cfg_apply_frag(struct cfg_build *b, void *base, const struct cfg_kw *kw,
		       const struct cfg_kv *kv)
{
	int choice;
	(void)kw;
	if (dmn_cfg_parse_choice(kv->val, dmn_cfg_frag_choices, &choice) < 0) {
		BAD(b, kv, "%s: '%s' is not yes, no, accept or force", kv->key, kv->val);
		return 0;
	}
	struct dmn_conn *c = base;
	c->fragmentation = (enum dmn_tristate)choice;
	return 0;
}

/* ---- CUSTOM rows: left/right ---- */

/* left=, leftnexthop=, leftsourceip=: an address, replacing (and freeing) the old one only on
 * success, with the kinds each accepts. */
int dmn_cfg_apply_addr(struct cfg_build *b, void *base, const struct cfg_kw *kw,
		       const struct cfg_kv *kv)
{
	struct dmn_addr t = {0}, *a = (struct dmn_addr *)((char *)base + kw->off);
	bool sourceip = !strcmp(kw->name, "sourceip"), nexthop = !strcmp(kw->name, "nexthop");
	int r = dmn_cfg_parse_addr(kv->val, sourceip, &t);
	if (r == -ENOMEM)
		return r;
	if (r == 0) {
		free(a->host);
		*a = t;
	}
	if (sourceip && r == 0 && a->kind == DMN_ADDR_CONFIG)
		BAD(b, kv, "'%s=%s' refused: %s", kv->key, kv->val, R_MODECFG);
	else if (sourceip &&
		 (r < 0 || a->kind == DMN_ADDR_HOSTNAME || a->kind == DMN_ADDR_DEFAULTROUTE))
		BAD(b, kv,
		    "%s: '%.64s' is not an address (pools and %%config need Mode Config, not "
		    "implemented yet)",
		    kv->key, kv->val);
	else if (nexthop && (r < 0 || a->kind == DMN_ADDR_HOSTNAME))
		BAD(b, kv, "%s: '%s' is not an address or %%defaultroute", kv->key, kv->val);
	else if (!sourceip && !nexthop && (r < 0 || a->kind == DMN_ADDR_CONFIG))
		BAD(b, kv, "%s: '%s' is not an address, %%any, %%defaultroute or hostname", kv->key,
		    kv->val);
	return 0;
}

int dmn_cfg_apply_subnets(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			  const struct cfg_kv *kv)
{
	const char *why = "bad value";
	(void)kw;
	int r = dmn_cfg_parse_subnets(kv->val, base, &why);
	if (r == -EINVAL) {
		BAD(b, kv, "%s: '%.200s': %s", kv->key, kv->val, why);
		r = 0;
	}
	return r;
}

int dmn_cfg_apply_id(struct cfg_build *b, void *base, const struct cfg_kw *kw,
		     const struct cfg_kv *kv)
{
	const struct dmn_id *id = &((struct dmn_side *)base)->id;
	(void)kw;
	if (!strcmp(kv->val, "%fromcert")) { /* the subject of leftcert= (daemon/config_certs.c) */
		b->fromcert_kv = kv;
		return 0;
	}
	if (dmn_cfg_parse_id(kv->val, &((struct dmn_side *)base)->id) < 0)
		BAD(b, kv, "%s: '%.200s' is not an ID (address, @fqdn, user@fqdn, DN, @#hex)",
		    kv->key, kv->val);
	else if (id->type == DMN_ID_DN && b->n_dn_kv < 2)
		b->dn_kv[b->n_dn_kv++] = kv; /* with certificates only: daemon/config_certs.c */
	else if (id->type == DMN_ID_KEY_ID)
		BAD(b, kv,
		    "'%s=%.64s' refused: KEY_ID IDs are not implemented yet: use an address, "
		    "@fqdn or user@fqdn (or a distinguished name with a certificate)",
		    kv->key, kv->val);
	return 0;
}

int dmn_cfg_apply_protoport(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			    const struct cfg_kv *kv)
{
	struct dmn_side *s = base;
	(void)kw;
	if (dmn_cfg_parse_protoport(kv->val, &s->proto, &s->port_lo, &s->port_hi) < 0)
		BAD(b, kv, "%s: '%s' is not proto[/port] (e.g. 17/1701, tcp/%%any)", kv->key,
		    kv->val);
	return 0;
}

int dmn_cfg_apply_side_auth(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			    const struct cfg_kv *kv)
{
	(void)base, (void)kw;
	int m = auth_word(kv->val);
	if (m >= 0) /* pubkey, rsa..., ecdsa...: a signature method (daemon/config_certs.c) */
		b->auth = (uint8_t)m, b->auth_kv = kv;
	else if (m != -1)
		BAD(b, kv, "'%s=%.64s' refused: %s", kv->key, kv->val,
		    dmn_cfg_auth_refusal(kv->val));
	return 0;
}

/* ---- proposals, after every other keyword of the conn ---- */

/* Libreswan reads an ike=/esp= list as exactly these proposals; strongSwan appends its defaults
 * unless the list ends in '!'. A ';' (before the DH group) in any of the conn's lists is
 * Libreswan's syntax alone. */
static bool list_exact(const struct cfg_build *b)
{
	return b->libreswan || (b->ike && strchr(b->ike, ';')) || (b->esp && strchr(b->esp, ';')) ||
	       (b->ah && strchr(b->ah, ';'));
}

/* dmn_parse_ike_list through b's memo: a string parsed before in this load is copied. */
static int parse_ike(struct cfg_build *b, const char *s, bool weak, struct dmn_ike_proposals *ret,
		     char *err, size_t errlen)
{
	struct cfg_prop_memo *m = b->memo;
	bool exact = list_exact(b);
	if (m && m->ike && m->ike_weak == weak && m->ike_exact == exact && strcmp(m->ike, s) == 0) {
		*ret = m->ike_v;
		return 0;
	}
	int r = dmn_parse_ike_list(s, weak, exact, ret, err, errlen);
	if (r == 0 && m) {
		m->ike = s;
		m->ike_weak = weak;
		m->ike_exact = exact;
		m->ike_v = *ret;
	}
	return r;
}

/* dmn_parse_esp_list through b's memo, as parse_ike. */
static int parse_esp(struct cfg_build *b, const char *s, uint8_t proto, bool weak,
		     struct dmn_esp_proposals *ret, char *err, size_t errlen)
{
	struct cfg_prop_memo *m = b->memo;
	bool exact = list_exact(b);
	if (m && m->esp && m->esp_proto == proto && m->esp_weak == weak && m->esp_exact == exact &&
	    strcmp(m->esp, s) == 0) {
		*ret = m->esp_v;
		return 0;
	}
	int r = dmn_parse_esp_list(s, proto, weak, exact, ret, err, errlen);
	if (r == 0 && m) {
		m->esp = s;
		m->esp_proto = proto;
		m->esp_weak = weak;
		m->esp_exact = exact;
		m->esp_v = *ret;
	}
	return r;
}

void dmn_cfg_conn_proposals(struct cfg_build *b, struct dmn_conn *c)
{
	char err[200];
	uint16_t pfsgroup = 0;
	if (b->pfsgroup_kv) {
		struct dmn_ike_proposals tmp;
		char s[80];
		snprintf(s, sizeof(s), "aes-sha256-%.60s!", b->pfsgroup_kv->val);
		if (dmn_parse_ike_proposals(s, c->allow_weak, &tmp, err, sizeof(err)) < 0)
			BAD(b, b->pfsgroup_kv, "conn '%s': pfsgroup: %s", c->name, err);
		else
			pfsgroup = tmp.v[0].group;
	}
	if (b->ike && parse_ike(b, b->ike, c->allow_weak, &c->ike, err, sizeof(err)) < 0)
		BAD(b, b->ike_kv, "conn '%s': %s=%.100s: %s", c->name, b->ike_kv->key, b->ike, err);
	if (!b->ike)
		dmn_default_ike_proposals(&c->ike);

	uint8_t proto = b->phase2_ah || (b->ah && !b->esp) ? PROTO_IPSEC_AH : PROTO_IPSEC_ESP;
	const char *s = proto == PROTO_IPSEC_AH ? b->ah : b->esp;
	const struct cfg_kv *kv = proto == PROTO_IPSEC_AH ? b->ah_kv : b->esp_kv;
	if (b->ah && b->esp)
		BAD(b, b->ah_kv, "ah= and esp= together: oakley negotiates one of them per conn");
	if (proto == PROTO_IPSEC_AH && !b->ah && b->esp)
		s = b->esp, kv = b->esp_kv; /* Libreswan: phase2=ah with phase2alg=sha1 */
	if (s && parse_esp(b, s, proto, c->allow_weak, &c->esp, err, sizeof(err)) < 0)
		BAD(b, kv, "conn '%s': %s=%.100s: %s", c->name, kv->key, s, err);
	if (!s)
		dmn_default_esp_proposals(proto, &c->esp);

	/* PFS: pfs=no strips groups; pfsgroup= sets one; otherwise esp='s group (strongSwan);
	 * pfs=yes without a group uses the phase-1 group at run time (group 0 + DMN_PFS_YES). */
	for (size_t i = 0; i < c->esp.n; i++) {
		if (c->pfs == DMN_PFS_NO)
			c->esp.v[i].group = 0;
		else if (pfsgroup)
			c->esp.v[i].group = pfsgroup;
	}
}
