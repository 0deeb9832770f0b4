// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The load-time check that every PSK conn has a key (see dmn_secrets_check_conns in
 * daemon/secrets.h): a conn without one could never authenticate, so the configuration is
 * refused at load and by oakleyd --check-config, not found out at the first negotiation.
 */
#include "daemon/secrets.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

/* The ID a side presents or is expected to present, as ike_conn.c id_to_proto makes it: its
 * id=, else its address; DMN_ID_ANY when that is only known at run time. */
static void side_id(const struct dmn_side *s, struct dmn_id *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (s->id.type != DMN_ID_DEFAULT) {
		*ret = s->id;
	} else if (s->host.kind == DMN_ADDR_IP) {
		ret->type = s->host.family == AF_INET ? DMN_ID_IPV4 : DMN_ID_IPV6;
		memcpy(ret->addr, s->host.bytes, 16);
	} else {
		ret->type = DMN_ID_ANY;
	}
}

/* An ID as ipsec.secrets spells it. */
static const char *id_str(const struct dmn_id *id, char *buf, size_t len)
{
	switch (id->type) {
	case DMN_ID_IPV4:
	case DMN_ID_IPV6:
		if (!inet_ntop(id->type == DMN_ID_IPV4 ? AF_INET : AF_INET6, id->addr, buf,
			       (socklen_t)len))
			snprintf(buf, len, "?");
		break;
	case DMN_ID_FQDN:
		snprintf(buf, len, "@%.100s", id->str);
		break;
	case DMN_ID_USER_FQDN:
	case DMN_ID_DN:
	case DMN_ID_KEY_ID:
		snprintf(buf, len, "%.100s", id->str);
		break;
	default:
		snprintf(buf, len, "%%any");
	}
	return buf;
}

unsigned dmn_secrets_check_conns(const struct dmn_secrets *s, const struct dmn_config *cfg,
				 struct dmn_diags *d)
{
	unsigned n = 0;
	for (size_t i = 0; cfg && i < cfg->n_conns; i++) {
		const struct dmn_conn *c = cfg->conns[i];
		if (c->type == DMN_TYPE_PASS || c->type == DMN_TYPE_DROP ||
		    c->type == DMN_TYPE_REJECT || !strcmp(c->file, DMN_VICI_CONN_FILE))
			continue;
		struct dmn_id l, r;
		side_id(&c->left, &l);
		side_id(&c->right, &r);
		if (dmn_secrets_has_psk(s, &l, &r))
			continue;
		char a[128], b[128];
		dmn_diag_add(d, DMN_DIAG_ERROR, c->file, c->line,
			     "conn '%s': no pre-shared key in ipsec.secrets for IDs %s and %s: it "
			     "could never authenticate; add a line '%s %s : PSK \"...\"' or fix "
			     "leftid=/rightid=",
			     c->name, id_str(&l, a, sizeof(a)), id_str(&r, b, sizeof(b)), a, b);
		n++;
	}
	return n;
}
