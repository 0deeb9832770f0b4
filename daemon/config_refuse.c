// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The keywords of class CFG_KW_REFUSED (daemon/config_keywords.c): each adds an authentication
 * round (XAUTH), hands out configuration (Mode Config), names a credential (certificates, raw
 * keys, XAUTH user names) or restricts which peers may connect (CRL/OCSP strictness, groups).
 * oakley implements none of these yet, and ignoring one would let a peer in that the file meant
 * to keep out (a client with only the group PSK would get a tunnel without its user login), so a
 * line that asks for one is an error with its file:line and what to write instead. A value that
 * asks for nothing (the keyword's "off" value, or an empty one) is accepted with a notice.
 */
#include "daemon/config_int.h"

#include <string.h>

/* The values that ask for nothing, per keyword (the row's name, without left/right), '|'-separated.
 * A refused keyword not listed here has no such value: every non-empty value is refused. */
static const struct {
	const char *name;
	const char *off;
} harmless[] = {
	{"xauthserver", "no"},
	{"xauthclient", "no"},
	{"modecfgserver", "no"},
	{"modecfgclient", "no"},
	{"modecfgpull", "no"},
	{"cisco-unity", "no"},
	{"pam-authorize", "no"},
	{"remote-peer-type", "ietf"},
	{"sendcert", "never|no|ifasked|sendifasked"},
	{"rsasigkey", "%none"},
	{"sigkey", "%none"},
	{"strictcrlpolicy", "no"},
	{"crl-strict", "no"},
	{"ocsp-strict", "no"},
};

/* True when val is one of the '|'-separated words of list. */
static bool in_list(const char *list, const char *val)
{
	size_t n = strlen(val);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, '|');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && strncmp(p, val, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

bool dmn_cfg_kw_value_harmless(const struct cfg_kw *kw, const char *val)
{
	if (!val[0])
		return true; /* key= resets to the default, which is off */
	for (size_t i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++)
		if (strcmp(harmless[i].name, kw->name) == 0)
			return in_list(harmless[i].off, val);
	return false;
}

void dmn_cfg_kw_refuse(struct dmn_diags *d, const struct cfg_kv *kv)
{
	if (dmn_cfg_kw_value_harmless(kv->kw, kv->val))
		dmn_diag_add(d, DMN_DIAG_NOTICE, kv->file, kv->line,
			     "'%s=%.64s' ignored: it asks for nothing oakley would have to do",
			     kv->key, kv->val);
	else
		dmn_diag_add(d, DMN_DIAG_ERROR, kv->file, kv->line, "'%s=%.64s' refused: %s",
			     kv->key, kv->val, kv->kw->why);
}

const char *dmn_cfg_auth_refusal(const char *method)
{
	if (strncmp(method, "xauth", 5) == 0)
		return R_XAUTH;
	if (strncmp(method, "rsa", 3) == 0 || strncmp(method, "ecdsa", 5) == 0 ||
	    strcmp(method, "pubkey") == 0 || strncmp(method, "bliss", 5) == 0)
		return R_CERT;
	return "only pre-shared keys are implemented: use authby=secret (leftauth=psk)";
}
