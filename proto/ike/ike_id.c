// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Identities (RFC 2407 §4.6.2): phase-1 IDs (IPV4/IPV6 address, FQDN, USER_FQDN, DER_ASN1_DN) and
 * the Quick Mode client IDs used as traffic selectors (addresses, subnets, ranges, protocol and
 * port).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/ike/engine_int.h"

/* Our phase-1 ID: the conn's, or our address. */
void proto_ike_local_id(const struct ike_sa *sa, struct proto_ike_id *ret)
{
	if (sa->conn->local_id.type) {
		*ret = sa->conn->local_id;
		return;
	}
	memset(ret, 0, sizeof(*ret));
	bool v6 = sa->local.family == AF_INET6;
	ret->type = v6 ? ID_IPV6_ADDR : ID_IPV4_ADDR;
	ret->len = v6 ? 16 : 4;
	memcpy(ret->data, sa->local.addr, ret->len);
}

/* The ID payload body (type, protocol 0, port 0, data) as hashed in HASH_I/HASH_R. */
size_t proto_ike_id_body(const struct proto_ike_id *id, uint8_t *out, size_t cap)
{
	if (cap < 4u + id->len)
		return 0;
	out[0] = id->type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, id->data, id->len);
	return 4u + id->len;
}

bool proto_ike_id_from_payload(const struct proto_payload *pl, struct proto_ike_id *ret)
{
	const struct proto_id *id = &pl->u.id;
	if (id->data.len > PROTO_IKE_ID_MAX)
		return false;
	switch (id->type) {
	case ID_IPV4_ADDR:
		if (id->data.len != 4)
			return false;
		break;
	case ID_IPV6_ADDR:
		if (id->data.len != 16)
			return false;
		break;
	case ID_FQDN:
	case ID_USER_FQDN:
	case ID_KEY_ID:
	case ID_DER_ASN1_DN: /* compared as bytes; the policy matches it to the certificate */
		if (id->data.len == 0)
			return false;
		break;
	default:
		return false;
	}
	memset(ret, 0, sizeof(*ret));
	ret->type = id->type;
	ret->len = (uint8_t)id->data.len;
	memcpy(ret->data, id->data.p, id->data.len);
	return true;
}

/* True if got is acceptable where want is configured (type 0 accepts anything). FQDNs compare
 * case-insensitively (RFC 4343). */
bool proto_ike_id_match(const struct proto_ike_id *want, const struct proto_ike_id *got)
{
	if (want->type == 0)
		return true;
	if (want->type != got->type || want->len != got->len)
		return false;
	if (want->type == ID_FQDN || want->type == ID_USER_FQDN) {
		for (unsigned i = 0; i < want->len; i++) {
			uint8_t a = want->data[i], b = got->data[i];
			if (a >= 'A' && a <= 'Z')
				a += 32;
			if (b >= 'A' && b <= 'Z')
				b += 32;
			if (a != b)
				return false;
		}
		return true;
	}
	return memcmp(want->data, got->data, want->len) == 0;
}

/* Printable form of an ID: non-printable bytes of FQDNs become '?'. */
void proto_ike_id_str(const struct proto_ike_id *id, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	switch (id->type) {
	case 0:
		snprintf(buf, len, "%%any");
		return;
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		inet_ntop(id->type == ID_IPV4_ADDR ? AF_INET : AF_INET6, id->data, a, sizeof(a));
		snprintf(buf, len, "%s", a);
		return;
	case ID_USER_FQDN:
	case ID_FQDN: {
		size_t n = 0;
		if (id->type == ID_FQDN && len > 1)
			buf[n++] = '@';
		for (unsigned i = 0; i < id->len && n + 1 < len; i++)
			buf[n++] =
				id->data[i] >= 0x20 && id->data[i] < 0x7f ? (char)id->data[i] : '?';
		if (len)
			buf[n < len ? n : len - 1] = '\0';
		return;
	}
	default:
		snprintf(buf, len, "%s", proto_name(PROTO_NAMES_ID_TYPE, id->type) ?: "ID?");
	}
}

/* ---- traffic selectors ---- */

void proto_ike_ts_host(const struct proto_ike_addr *a, struct proto_ike_ts *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = a->family;
	memcpy(ret->from, a->addr, 16);
	memcpy(ret->to, a->addr, 16);
	ret->prefix = a->family == AF_INET6 ? 128 : 32;
}

/* IDci/IDcr for a selector: a host as ADDR, a prefix as ADDR_SUBNET, else ADDR_RANGE. */
void proto_ike_put_ts(struct proto_builder *b, const struct proto_ike_ts *ts)
{
	bool v6 = ts->family == AF_INET6;
	size_t al = v6 ? 16 : 4;
	uint8_t data[32];
	uint8_t type;
	if (ts->prefix == (int)(al * 8)) {
		type = v6 ? ID_IPV6_ADDR : ID_IPV4_ADDR;
		memcpy(data, ts->from, al);
		proto_put_id(b, type, ts->proto, ts->port, data, al);
		return;
	}
	if (ts->prefix >= 0) {
		type = v6 ? ID_IPV6_ADDR_SUBNET : ID_IPV4_ADDR_SUBNET;
		memcpy(data, ts->from, al);
		for (size_t i = 0; i < al; i++) {
			int bits = ts->prefix - (int)i * 8;
			data[al + i] = bits >= 8   ? 0xff
				       : bits <= 0 ? 0
						   : (uint8_t)(0xff << (8 - bits));
		}
	} else {
		type = v6 ? ID_IPV6_ADDR_RANGE : ID_IPV4_ADDR_RANGE;
		memcpy(data, ts->from, al);
		memcpy(data + al, ts->to, al);
	}
	proto_put_id(b, type, ts->proto, ts->port, data, 2 * al);
}

bool proto_ike_ts_from_payload(const struct proto_payload *pl, struct proto_ike_ts *ret)
{
	struct proto_id_net net;
	if (proto_id_to_net(&pl->u.id, &net) != PROTO_OK)
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->family = net.family;
	memcpy(ret->from, net.from, 16);
	memcpy(ret->to, net.to, 16);
	ret->prefix = net.prefix;
	ret->proto = pl->u.id.protocol;
	ret->port = pl->u.id.port;
	return true;
}

void proto_ike_ts_str(const struct proto_ike_ts *ts, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], z[INET6_ADDRSTRLEN];
	inet_ntop(ts->family, ts->from, a, sizeof(a));
	if (ts->prefix >= 0) {
		snprintf(buf, len, "%s/%d[%u/%u]", a, ts->prefix, ts->proto, ts->port);
		return;
	}
	inet_ntop(ts->family, ts->to, z, sizeof(z));
	snprintf(buf, len, "%s-%s[%u/%u]", a, z, ts->proto, ts->port);
}

void proto_ike_addr_str(const struct proto_ike_addr *a, char *buf, size_t len)
{
	char t[INET6_ADDRSTRLEN];
	if (!inet_ntop(a->family, a->addr, t, sizeof(t)))
		snprintf(t, sizeof(t), "?");
	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", t, a->port);
}
