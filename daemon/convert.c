// SPDX-License-Identifier: GPL-2.0-or-later
/* The daemon's boundary conversions (daemon/convert.h). */
#include "daemon/convert.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "daemon/certs.h"
#include "daemon/config.h"
#include "proto/consts.h"

void dmn_addr_to_xfrm(const struct proto_ike_addr *a, struct xfrm_ipaddr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = (uint8_t)a->family;
	memcpy(ret->bytes, a->addr, 16);
}

void dmn_addr_make(int family, const uint8_t *bytes, uint16_t port, struct proto_ike_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	memcpy(ret->addr, bytes, family == AF_INET ? 4 : 16);
	ret->port = port;
}

void dmn_addr_from_sockaddr(const struct sockaddr_storage *ss, struct proto_ike_addr *ret)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		dmn_addr_make(AF_INET, (const uint8_t *)&sin->sin_addr, ntohs(sin->sin_port), ret);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		dmn_addr_make(AF_INET6, (const uint8_t *)&sin6->sin6_addr, ntohs(sin6->sin6_port),
			      ret);
	}
}

socklen_t dmn_addr_to_sockaddr(const struct proto_ike_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(a->port);
	memcpy(&sin6->sin6_addr, a->addr, 16);
	return sizeof(*sin6);
}

const char *dmn_addr_str(int family, const uint8_t *bytes, char *buf, size_t cap)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, bytes, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
	return buf;
}

uint8_t dmn_ipproto(uint8_t ipsec_protocol)
{
	return ipsec_protocol == PROTO_IPSEC_AH ? IPPROTO_AH
	       : ipsec_protocol == PROTO_IPCOMP ? IPPROTO_COMP
						: IPPROTO_ESP;
}

uint8_t dmn_ipsec_protocol(uint8_t ipproto)
{
	return ipproto == IPPROTO_ESP  ? PROTO_IPSEC_ESP
	       : ipproto == IPPROTO_AH ? PROTO_IPSEC_AH
				       : 0;
}

void dmn_ts_host(const struct proto_ike_addr *a, struct proto_ike_ts *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = a->family;
	memcpy(ret->from, a->addr, 16);
	memcpy(ret->to, a->addr, 16);
	ret->prefix = a->family == AF_INET ? 32 : 128;
}

void dmn_ts_to_xfrm(const struct proto_ike_ts *ts, struct xfrm_ipaddr *addr, uint8_t *len)
{
	memset(addr, 0, sizeof(*addr));
	addr->family = (uint8_t)ts->family;
	memcpy(addr->bytes, ts->from, 16);
	*len = ts->prefix >= 0 ? (uint8_t)ts->prefix : (ts->family == AF_INET ? 32 : 128);
}

static const char *proto_str(uint8_t p, char *buf, size_t cap)
{
	switch (p) {
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMPV6:
		return "ipv6-icmp";
	default:
		snprintf(buf, cap, "%u", p);
		return buf;
	}
}

void dmn_ts_str(int family, const uint8_t *from, const uint8_t *to, int prefix, uint8_t proto,
		uint16_t port, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN], z[INET6_ADDRSTRLEN], p[8];
	dmn_addr_str(family, from, a, sizeof(a));
	int n;
	if (prefix >= 0) {
		n = snprintf(buf, cap, "%s/%d", a, prefix);
	} else {
		dmn_addr_str(family, to, z, sizeof(z));
		n = snprintf(buf, cap, "%s..%s", a, z);
	}
	if (n < 0 || (size_t)n >= cap || (!proto && !port))
		return;
	if (port)
		snprintf(buf + n, cap - (size_t)n, "[%s/%u]", proto_str(proto, p, sizeof(p)), port);
	else
		snprintf(buf + n, cap - (size_t)n, "[%s]", proto_str(proto, p, sizeof(p)));
}

const char *dmn_proto_ts_str(const struct proto_ike_ts *ts, char *buf, size_t cap)
{
	dmn_ts_str(ts->family, ts->from, ts->to, ts->prefix, ts->proto, ts->port, buf, cap);
	return buf;
}

void dmn_conf_id_str(const struct dmn_id *id, const struct proto_ike_addr *host,
		     enum dmn_id_form form, char *buf, size_t cap)
{
	switch (id->type) {
	case DMN_ID_DEFAULT:
		if (host)
			dmn_addr_str(host->family, host->addr, buf, cap);
		else
			snprintf(buf, cap, "%%any");
		break;
	case DMN_ID_ANY:
		snprintf(buf, cap, "%%any");
		break;
	case DMN_ID_IPV4:
		dmn_addr_str(AF_INET, id->addr, buf, cap);
		break;
	case DMN_ID_IPV6:
		dmn_addr_str(AF_INET6, id->addr, buf, cap);
		break;
	default:
		snprintf(buf, cap, "%s%s",
			 form == DMN_ID_FORM_ENV && id->type == DMN_ID_FQDN ? "@" : "", id->str);
		break;
	}
}

/* An FQDN or user FQDN's bytes as text; what cannot be printed (in the environment: spaces,
 * quotes and backslashes too) becomes '?'. */
static void id_name_str(const struct proto_ike_id *id, enum dmn_id_form form, char *buf, size_t cap)
{
	bool env = form == DMN_ID_FORM_ENV;
	size_t n = 0;
	if (env && id->type == ID_FQDN && cap > 1)
		buf[n++] = '@';
	for (size_t i = 0; i < id->len && i < sizeof(id->data) && n + 1 < cap; i++) {
		uint8_t ch = id->data[i];
		bool ok = env ? ch > 0x20 && ch < 0x7f && ch != '\'' && ch != '\\'
			      : ch >= 0x20 && ch < 0x7f;
		buf[n++] = ok ? (char)ch : '?';
	}
	if (cap)
		buf[n < cap ? n : cap - 1] = '\0';
}

void dmn_peer_id_str(const struct proto_ike_id *id, const struct proto_ike_addr *peer,
		     enum dmn_id_form form, char *buf, size_t cap)
{
	bool env = form == DMN_ID_FORM_ENV;
	if (id && id->type == ID_IPV4_ADDR && (env || id->len == 4)) {
		dmn_addr_str(AF_INET, id->data, buf, cap);
	} else if (id && id->type == ID_IPV6_ADDR && (env || id->len == 16)) {
		dmn_addr_str(AF_INET6, id->data, buf, cap);
	} else if (id && (id->type == ID_FQDN || id->type == ID_USER_FQDN)) {
		id_name_str(id, form, buf, cap);
	} else if (env || !id) {
		dmn_addr_str(peer->family, peer->addr, buf, cap);
	} else if (id->type == ID_DER_ASN1_DN && dmn_dn_to_text(id->data, id->len, buf, cap) == 0) {
		/* the DN as operators write it, as the local side's is shown */
	} else {
		int n = snprintf(buf, cap, "%u:", id->type);
		for (size_t i = 0; i < id->len && n > 0 && (size_t)n + 3 < cap; i++)
			n += snprintf(buf + n, cap - (size_t)n, "%02x", id->data[i]);
	}
}
