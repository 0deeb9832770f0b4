// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmn_config_dump(): the resolved model as ipsec.conf-like text, for `oakleyd --check-config`
 * (verbose) and debugging. The config model holds no secrets; PSKs live in daemon/secrets.h.
 */
#include "daemon/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const char *addr_str(const struct dmn_addr *a, char *buf, size_t len)
{
	switch (a->kind) {
	case DMN_ADDR_UNSET:
		return "(unset)";
	case DMN_ADDR_ANY:
		return a->family == AF_INET ? "%any4" : a->family == AF_INET6 ? "%any6" : "%any";
	case DMN_ADDR_DEFAULTROUTE:
		return "%defaultroute";
	case DMN_ADDR_CONFIG:
		return "%config";
	case DMN_ADDR_HOSTNAME:
		snprintf(buf, len, "%s%s", a->any_allowed ? "%" : "", a->host);
		return buf;
	case DMN_ADDR_IP:
		if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
			return "?";
		return buf;
	}
	return "?";
}

static void dump_subnet(FILE *out, const struct dmn_subnet *s)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	inet_ntop(s->family, s->from, a, sizeof(a));
	if (s->is_range) {
		inet_ntop(s->family, s->to, b, sizeof(b));
		fprintf(out, "%s-%s", a, b);
	} else {
		fprintf(out, "%s/%u", a, s->prefix);
	}
	if (s->proto || s->port_lo || s->port_hi != 65535)
		fprintf(out, "[%u/%u-%u]", s->proto, s->port_lo, s->port_hi);
}

static void dump_id(FILE *out, const struct dmn_id *id)
{
	static const char *const t[] = {"default", "%any",     "ipv4", "ipv6",
					"fqdn",	   "userfqdn", "dn",   "keyid"};
	char buf[INET6_ADDRSTRLEN];
	if (id->type == DMN_ID_IPV4 || id->type == DMN_ID_IPV6)
		fprintf(out, "%s:%s", t[id->type],
			inet_ntop(id->type == DMN_ID_IPV4 ? AF_INET : AF_INET6, id->addr, buf,
				  sizeof(buf)));
	else if (id->type >= DMN_ID_FQDN)
		fprintf(out, "%s:\"%s\"", t[id->type], id->str);
	else
		fprintf(out, "%s", t[id->type]);
}

static void dump_side(FILE *out, const char *n, const struct dmn_side *s)
{
	char buf[DMN_HOST_MAX + 2];
	fprintf(out, "\t%s=%s\n", n, addr_str(&s->host, buf, sizeof(buf)));
	fprintf(out, "\t%sid=", n);
	dump_id(out, &s->id);
	fprintf(out, "\n");
	if (s->n_subnets || s->virt) {
		fprintf(out, "\t%ssubnets=%s{", n,
			s->virt & DMN_VIRT_VHOST  ? "vhost:"
			: s->virt & DMN_VIRT_VNET ? "vnet:"
						  : "");
		const char *sep = "";
		if (s->virt & DMN_VIRT_NO)
			fprintf(out, "%%no"), sep = " ";
		if (s->virt & DMN_VIRT_PRIV)
			fprintf(out, "%s%%priv", sep), sep = " ";
		for (size_t i = 0; i < s->n_subnets; i++) {
			fprintf(out, "%s", sep);
			dump_subnet(out, &s->subnets[i]);
			sep = " ";
		}
		fprintf(out, "}\n");
	}
	if (s->proto || s->port_lo || s->port_hi)
		fprintf(out, "\t%sprotoport=%u/%u-%u\n", n, s->proto, s->port_lo, s->port_hi);
	if (s->nexthop.kind != DMN_ADDR_UNSET)
		fprintf(out, "\t%snexthop=%s\n", n, addr_str(&s->nexthop, buf, sizeof(buf)));
	if (s->sourceip.kind != DMN_ADDR_UNSET)
		fprintf(out, "\t%ssourceip=%s\n", n, addr_str(&s->sourceip, buf, sizeof(buf)));
	if (s->updown)
		fprintf(out, "\t%supdown=\"%s\"\n", n, s->updown);
	if (s->firewall || s->hostaccess)
		fprintf(out, "\t%sfirewall=%s %shostaccess=%s\n", n, s->firewall ? "yes" : "no", n,
			s->hostaccess ? "yes" : "no");
	if (s->ikeport)
		fprintf(out, "\t%sikeport=%u\n", n, s->ikeport);
}

static void dump_conn(FILE *out, const struct dmn_conn *c)
{
	static const char *const autos[] = {"add", "start", "route", "ondemand", "keep"};
	static const char *const types[] = {"tunnel", "transport", "passthrough", "drop", "reject"};
	static const char *const dpd[] = {"none", "clear", "hold", "restart"};
	static const char *const tri[] = {"auto", "no", "yes", "force"};
	static const char *const pfs[] = {"default", "no", "yes"};
	char buf[96];

	fprintf(out, "conn %s\n\t# %s:%u\n", c->name, c->file, c->line);
	if (c->swapped)
		fprintf(out, "\t# left and right swapped: right= is this host\n");
	dump_side(out, "left", &c->left);
	dump_side(out, "right", &c->right);
	fprintf(out,
		"\tauto=%s type=%s aggressive=%s allow-weak-crypto=%s compress=%s "
		"lifetimecheck=%s\n",
		autos[c->autostart], types[c->type], c->aggressive ? "yes" : "no",
		c->allow_weak ? "yes" : "no", c->compress ? "yes" : "no",
		c->strict_lifetime ? "strict" : "claim");
	fprintf(out, "\tike=");
	for (size_t i = 0; i < c->ike.n; i++) {
		dmn_ike_proposal_str(&c->ike.v[i], buf, sizeof(buf));
		fprintf(out, "%s%s", i ? "," : "", buf);
	}
	fprintf(out, "%s\n\t%s=", c->ike.strict ? "!" : "",
		c->esp.n && c->esp.v[0].protocol == 2 ? "ah" : "esp");
	for (size_t i = 0; i < c->esp.n; i++) {
		dmn_esp_proposal_str(&c->esp.v[i], buf, sizeof(buf));
		fprintf(out, "%s%s", i ? "," : "", buf);
	}
	fprintf(out, "%s\n\tpfs=%s\n", c->esp.strict ? "!" : "", pfs[c->pfs]);
	fprintf(out, "\tikelifetime=%us lifetime=%us lifebytes=%llu lifepackets=%llu\n",
		c->ikelifetime, c->lifetime, (unsigned long long)c->lifebytes,
		(unsigned long long)c->lifepackets);
	fprintf(out, "\trekeymargin=%us rekeyfuzz=%u%% keyingtries=%u rekey=%s reauth=%s\n",
		c->rekeymargin, c->rekeyfuzz, c->keyingtries, c->rekey ? "yes" : "no",
		c->reauth ? "yes" : "no");
	fprintf(out, "\tdpddelay=%us dpdtimeout=%us dpdaction=%s closeaction=%s inactivity=%us\n",
		c->dpddelay, c->dpdtimeout, dpd[c->dpdaction], dpd[c->closeaction], c->inactivity);
	fprintf(out, "\treqid=%u mark_in=%#x/%#x mark_out=%#x/%#x if_id_in=%u if_id_out=%u\n",
		c->reqid, c->mark_in, c->mark_in_mask, c->mark_out, c->mark_out_mask, c->if_id_in,
		c->if_id_out);
	fprintf(out, "\tencapsulation=%s fragmentation=%s installpolicy=%s replay_window=%u\n",
		tri[c->encaps], tri[c->fragmentation], c->installpolicy ? "yes" : "no",
		c->replay_window);
}

int dmn_config_dump(const struct dmn_config *cfg, FILE *out)
{
	static const char *const uniq[] = {"yes", "no", "never", "replace", "keep"};
	fprintf(out,
		"config setup\n\tuniqueids=%s keep_alive=%us ikeport=%u nat-ikeport=%u "
		"ikesa_limit=%u\n",
		uniq[cfg->setup.uniqueids], cfg->setup.keep_alive, cfg->setup.ikeport,
		cfg->setup.nat_ikeport, cfg->setup.ikesa_limit);
	if (cfg->setup.secretsfile[0])
		fprintf(out, "\tsecretsfile=%s\n", cfg->setup.secretsfile);
	for (size_t i = 0; i < cfg->n_conns; i++) {
		fprintf(out, "\n");
		dump_conn(out, cfg->conns[i]);
	}
	return ferror(out) ? -EIO : 0;
}
