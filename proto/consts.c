// SPDX-License-Identifier: GPL-2.0-or-later
#include "proto/consts.h"

#include <stddef.h>
#include <stdio.h>

struct proto_name_entry {
	unsigned value;
	const char *name;
};

struct proto_name_table {
	const struct proto_name_entry *entries;
	size_t n;
};

#define PROTO_X_NAME(sym, val, str) {val, str},
#define TABLE(id, list)		    static const struct proto_name_entry id##_entries[] = {list(PROTO_X_NAME)};

TABLE(payload, ISAKMP_PAYLOADS)
TABLE(exchange, ISAKMP_EXCHANGES)
TABLE(notify, ISAKMP_NOTIFIES)
TABLE(doi, ISAKMP_DOIS)
TABLE(protocol, IPSEC_PROTOCOLS)
TABLE(isakmp_transform, ISAKMP_TRANSFORMS)
TABLE(ah_transform, IPSEC_AH_TRANSFORMS)
TABLE(esp_transform, IPSEC_ESP_TRANSFORMS)
TABLE(ipcomp_transform, IPSEC_IPCOMP_TRANSFORMS)
TABLE(ike_attr, IKE_ATTRS)
TABLE(ike_encr, IKE_ENCRS)
TABLE(ike_hash, IKE_HASHES)
TABLE(ike_auth, IKE_AUTHS)
TABLE(ike_group, IKE_GROUPS)
TABLE(ike_group_type, IKE_GROUP_TYPES)
TABLE(life_type, IKE_LIFE_TYPES)
TABLE(ipsec_attr, IPSEC_ATTRS)
TABLE(encap_mode, IPSEC_ENCAP_MODES)
TABLE(ipsec_auth, IPSEC_AUTHS)
TABLE(id_type, IPSEC_ID_TYPES)
TABLE(cert_encoding, ISAKMP_CERT_ENCODINGS)
TABLE(modecfg_type, MODECFG_TYPES)
#define PROTO_X_NAME5(sym, val, str, kind, max) {val, str},
static const struct proto_name_entry modecfg_attr_entries[] = {MODECFG_ATTRS(PROTO_X_NAME5)};

#define ROW(id)                                                                                    \
	{                                                                                          \
		id##_entries, sizeof(id##_entries) / sizeof(id##_entries[0])                       \
	}

static const struct proto_name_table tables[PROTO_NAMES__MAX] = {
	[PROTO_NAMES_PAYLOAD] = ROW(payload),
	[PROTO_NAMES_EXCHANGE] = ROW(exchange),
	[PROTO_NAMES_NOTIFY] = ROW(notify),
	[PROTO_NAMES_DOI] = ROW(doi),
	[PROTO_NAMES_PROTOCOL] = ROW(protocol),
	[PROTO_NAMES_ISAKMP_TRANSFORM] = ROW(isakmp_transform),
	[PROTO_NAMES_AH_TRANSFORM] = ROW(ah_transform),
	[PROTO_NAMES_ESP_TRANSFORM] = ROW(esp_transform),
	[PROTO_NAMES_IPCOMP_TRANSFORM] = ROW(ipcomp_transform),
	[PROTO_NAMES_IKE_ATTR] = ROW(ike_attr),
	[PROTO_NAMES_IKE_ENCR] = ROW(ike_encr),
	[PROTO_NAMES_IKE_HASH] = ROW(ike_hash),
	[PROTO_NAMES_IKE_AUTH] = ROW(ike_auth),
	[PROTO_NAMES_IKE_GROUP] = ROW(ike_group),
	[PROTO_NAMES_IKE_GROUP_TYPE] = ROW(ike_group_type),
	[PROTO_NAMES_LIFE_TYPE] = ROW(life_type),
	[PROTO_NAMES_IPSEC_ATTR] = ROW(ipsec_attr),
	[PROTO_NAMES_ENCAP_MODE] = ROW(encap_mode),
	[PROTO_NAMES_IPSEC_AUTH] = ROW(ipsec_auth),
	[PROTO_NAMES_ID_TYPE] = ROW(id_type),
	[PROTO_NAMES_CERT_ENCODING] = ROW(cert_encoding),
	[PROTO_NAMES_MODECFG_TYPE] = ROW(modecfg_type),
	[PROTO_NAMES_MODECFG_ATTR] = ROW(modecfg_attr),
};

const char *proto_name(enum proto_names t, unsigned v)
{
	if ((unsigned)t >= PROTO_NAMES__MAX)
		return NULL;
	const struct proto_name_table *tab = &tables[t];
	for (size_t i = 0; i < tab->n; i++)
		if (tab->entries[i].value == v)
			return tab->entries[i].name;
	return NULL;
}

const char *proto_name_buf(enum proto_names t, unsigned v, char *buf, unsigned len)
{
	const char *n = proto_name(t, v);
	if (n)
		return n;
	if (len)
		snprintf(buf, len, "UNKNOWN-%u", v);
	return len ? buf : "UNKNOWN";
}
