// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The certificate keywords of a conn, both dialects (issue 16): leftcert= (a file, relative names
 * in ipsec.d/certs/; Libreswan's NSS nicknames are named as such), leftca= (a DN with wildcard
 * RDNs, or %same), leftsendcert=always|ifasked|never (and Libreswan's sendifasked, yes/no) and
 * leftrsasigkey=%cert (leftsigkey=). leftid=%fromcert is recorded by dmn_cfg_apply_id.
 *
 * Each is parsed and its value checked; then dmn_cfg_conn_certs refuses the conn, with the
 * keyword's file:line, as long as oakleyd cannot sign and verify: a conn that names a certificate
 * and fell back to pre-shared keys would let in a peer the file meant to keep out. The values
 * that ask for nothing (sendcert=never, rsasigkey=%none, an empty value) get a notice instead.
 */
#include "daemon/config_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BAD(b, kv, ...) dmn_diag_add((b)->d, DMN_DIAG_ERROR, (kv)->file, (kv)->line, __VA_ARGS__)

/* Until the engine's signature callbacks are wired into oakleyd, every conn that asks for a
 * certificate is refused (see the header comment). */
static const bool certs_wired = true;

const struct cfg_choice dmn_cfg_sendcert_choices[] = {
	{"always", DMN_SENDCERT_ALWAYS},
	{"yes", DMN_SENDCERT_ALWAYS},
	{"ifasked", DMN_SENDCERT_IFASKED},
	{"sendifasked", DMN_SENDCERT_IFASKED},
	{"never", DMN_SENDCERT_NEVER},
	{"no", DMN_SENDCERT_NEVER},
	{NULL, 0},
};

static void remember(struct cfg_build *b, const struct cfg_kv *kv)
{
	if (b->n_cert_kv < sizeof(b->cert_kv) / sizeof(b->cert_kv[0]))
		b->cert_kv[b->n_cert_kv++] = kv;
}

static int set_str(char **field, const char *val)
{
	char *s = strdup(val);
	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

/* leftcert=FILE */
int dmn_cfg_apply_cert(struct cfg_build *b, void *base, const struct cfg_kw *kw,
		       const struct cfg_kv *kv)
{
	(void)kw;
	if (strlen(kv->val) >= DMN_PATH_MAX)
		return BAD(b, kv, "%s: path too long", kv->key), 0;
	remember(b, kv);
	struct dmn_side *sd = base;
	sd->cert_line = kv->line;
	if (set_str(&sd->cert_file, kv->file) < 0)
		return -ENOMEM;
	return set_str(&sd->cert, kv->val);
}

/* leftca="C=CH, O=Example, CN=Root CA" or %same */
int dmn_cfg_apply_ca(struct cfg_build *b, void *base, const struct cfg_kw *kw,
		     const struct cfg_kv *kv)
{
	struct dmn_side *s = base;
	(void)kw;
	if (!strcmp(kv->val, "%same")) {
		s->ca_same = true;
		remember(b, kv);
		return 0;
	}
	if (strlen(kv->val) >= DMN_PATH_MAX || !strchr(kv->val, '='))
		return BAD(b, kv,
			   "%s: '%.64s' is not a distinguished name (\"C=CH, O=Example, CN=CA\") "
			   "or %%same",
			   kv->key, kv->val),
		       0;
	s->ca_same = false;
	remember(b, kv);
	return set_str(&s->ca, kv->val);
}

int dmn_cfg_apply_sendcert(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			   const struct cfg_kv *kv)
{
	int v;
	(void)kw;
	if (dmn_cfg_parse_choice(kv->val, dmn_cfg_sendcert_choices, &v) < 0)
		return BAD(b, kv, "%s: '%.64s' is not always, ifasked or never", kv->key, kv->val),
		       0;
	((struct dmn_side *)base)->sendcert = (uint8_t)v;
	if (v == DMN_SENDCERT_ALWAYS)
		remember(b, kv); /* ifasked and never ask for nothing without a certificate */
	else
		dmn_diag_add(b->d, DMN_DIAG_NOTICE, kv->file, kv->line,
			     "'%s=%.64s' ignored: it asks for nothing oakley would have to do",
			     kv->key, kv->val);
	return 0;
}

/* leftrsasigkey=%cert: the key is the certificate's; raw public keys are not implemented. */
int dmn_cfg_apply_sigkey(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			 const struct cfg_kv *kv)
{
	(void)kw;
	if (!strcmp(kv->val, "%none")) {
		dmn_diag_add(b->d, DMN_DIAG_NOTICE, kv->file, kv->line,
			     "'%s=%%none' ignored: it asks for nothing oakley would have to do",
			     kv->key);
		return 0;
	}
	if (strcmp(kv->val, "%cert")) /* a raw key */
		return BAD(b, kv, "'%s=%.64s' refused: %s", kv->key, kv->val, R_CERT), 0;
	((struct dmn_side *)base)->sigkey_cert = true;
	remember(b, kv);
	return 0;
}

/* Libreswan names certificates by their NSS nickname ("gw", "East Cert"), not by file: a name
 * without a '/' and without a certificate suffix. */
static bool nss_nickname(const char *v)
{
	static const char *const sfx[] = {".pem", ".crt", ".der", ".cer", ".p12"};
	size_t n = strlen(v);
	if (strchr(v, '/'))
		return false;
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (n > 4 && !strcasecmp(v + n - 4, sfx[i]))
			return false;
	return true;
}

/* Libreswan's leftcert=NICKNAME becomes the file NICKNAME.pem of ipsec.d/certs/, with a notice. */
static void map_nickname(struct cfg_build *b, struct dmn_conn *c, const struct cfg_kv *kv)
{
	struct dmn_side *sd = kv->side > 0 ? &c->right : &c->left;
	size_t n = strlen(kv->val);
	char *f = n + 5 <= DMN_PATH_MAX ? malloc(n + 5) : NULL;
	if (!f)
		return; /* the name stays as written: the store then says it cannot read it */
	memcpy(f, kv->val, n);
	memcpy(f + n, ".pem", 5);
	free(sd->cert);
	sd->cert = f;
	dmn_diag_add(b->d, DMN_DIAG_NOTICE, kv->file, kv->line,
		     "'%s=%.64s' is an NSS nickname in Libreswan; oakley reads files: it uses "
		     "ipsec.d/certs/%.64s.pem (export it with pk12util -n and openssl pkcs12 "
		     "-nokeys)",
		     kv->key, kv->val, kv->val);
}

void dmn_cfg_conn_certs(struct cfg_build *b, struct dmn_conn *c)
{
	for (unsigned i = 0; i < b->n_cert_kv; i++) {
		const struct cfg_kv *kv = b->cert_kv[i];
		if (b->libreswan && kv->kw && kv->kw->apply == dmn_cfg_apply_cert &&
		    nss_nickname(kv->val))
			map_nickname(b, c, kv);
	}
	/* a DN names a certificate's subject: it needs certificate authentication */
	for (unsigned i = 0; i < b->n_dn_kv; i++)
		if (!certs_wired || (!b->auth_kv && !(b->n_cert_kv && !b->psk)))
			BAD(b, b->dn_kv[i],
			    "'%s=%.64s' refused: distinguished-name IDs are not implemented yet "
			    "(they come with certificates): use an address, @fqdn or user@fqdn",
			    b->dn_kv[i]->key, b->dn_kv[i]->val);
	if (certs_wired) {
		/* both other daemons default to certificates: a conn naming one without authby=
		 * authenticates with it */
		if (b->auth_kv || (!b->psk && b->n_cert_kv))
			c->auth = b->auth_kv ? b->auth : DMN_AUTH_PUBKEY;
		for (unsigned i = 0; i < b->n_cert_kv && c->auth == DMN_AUTH_PSK; i++)
			dmn_diag_add(b->d, DMN_DIAG_NOTICE, b->cert_kv[i]->file,
				     b->cert_kv[i]->line,
				     "'%s=%.64s' unused: authby= uses pre-shared keys",
				     b->cert_kv[i]->key, b->cert_kv[i]->val);
		return;
	}
	(void)c;
	if (b->auth_kv)
		BAD(b, b->auth_kv, "'%s=%.64s' refused: %s", b->auth_kv->key, b->auth_kv->val,
		    R_CERT);
	for (unsigned i = 0; i < b->n_cert_kv; i++)
		BAD(b, b->cert_kv[i], "'%s=%.64s' refused: %s", b->cert_kv[i]->key,
		    b->cert_kv[i]->val, R_CERT);
	if (b->fromcert_kv)
		BAD(b, b->fromcert_kv, "'%s=%%fromcert' refused: %s", b->fromcert_kv->key, R_CERT);
}
