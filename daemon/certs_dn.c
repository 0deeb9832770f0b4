// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Distinguished names and IDs for the certificate store: a bounded DER walker for X.501 Names
 * (RFC 5280 §4.1.2.4), DN text in the order operators write it ("C=CH, O=Example, CN=gw", the
 * DER order), wildcard RDN matching, and matching an IKE ID (RFC 2407 §4.6.2.1) or a configured
 * ID against a certificate's subject and subjectAltNames.
 */
#include "daemon/certs_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DN_AVAS_MAX  32 /* attributes of one DN */
#define DN_VALUE_MAX 256

/* One attribute: its OID (DER content bytes) and value as text (UTF-8). */
struct dn_ava {
	uint8_t oid[32];
	size_t oid_len;
	char value[DN_VALUE_MAX];
};

struct dn {
	struct dn_ava v[DN_AVAS_MAX];
	size_t n;
};

/* Attribute names operators write, with their OIDs (content bytes). */
static const struct {
	const char *name;
	uint8_t oid[10];
	size_t len;
} dn_names[] = {
	{"C", {0x55, 0x04, 0x06}, 3},
	{"ST", {0x55, 0x04, 0x08}, 3},
	{"S", {0x55, 0x04, 0x08}, 3},
	{"L", {0x55, 0x04, 0x07}, 3},
	{"O", {0x55, 0x04, 0x0a}, 3},
	{"OU", {0x55, 0x04, 0x0b}, 3},
	{"CN", {0x55, 0x04, 0x03}, 3},
	{"SN", {0x55, 0x04, 0x04}, 3},
	{"serialNumber", {0x55, 0x04, 0x05}, 3},
	{"T", {0x55, 0x04, 0x0c}, 3},
	{"title", {0x55, 0x04, 0x0c}, 3},
	{"street", {0x55, 0x04, 0x09}, 3},
	{"postalCode", {0x55, 0x04, 0x11}, 3},
	{"G", {0x55, 0x04, 0x2a}, 3},
	{"GN", {0x55, 0x04, 0x2a}, 3},
	{"I", {0x55, 0x04, 0x2b}, 3},
	{"dnQualifier", {0x55, 0x04, 0x2e}, 3},
	{"pseudonym", {0x55, 0x04, 0x41}, 3},
	{"E", {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, 9},
	{"emailAddress", {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, 9},
	{"DC", {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, 10},
	{"UID", {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}, 10},
};
#define DN_NAMES (sizeof(dn_names) / sizeof(dn_names[0]))

/* A bounded DER reader: one TLV at a time. */
struct der {
	const uint8_t *p;
	size_t left;
};

/* Reads one TLV; returns its tag and sets val and len, or -1 (malformed, long tags, > 4 GiB). */
static int der_next(struct der *d, const uint8_t **val, size_t *len)
{
	if (d->left < 2)
		return -1;
	int tag = d->p[0];
	size_t l = d->p[1], hdr = 2;
	if ((tag & 0x1f) == 0x1f)
		return -1;
	if (l & 0x80) {
		size_t nb = l & 0x7f;
		if (nb == 0 || nb > 4 || d->left < 2 + nb)
			return -1;
		l = 0;
		for (size_t i = 0; i < nb; i++)
			l = l << 8 | d->p[2 + i];
		hdr += nb;
	}
	if (l > d->left - hdr)
		return -1;
	*val = d->p + hdr;
	*len = l;
	d->p += hdr + l;
	d->left -= hdr + l;
	return tag;
}

/* A string value as UTF-8 text: the string types as they are, BMPString converted. */
static int value_text(int tag, const uint8_t *v, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	if (tag == 0x1e) { /* BMPString: UCS-2 big-endian */
		if (len % 2)
			return -1;
		for (size_t i = 0; i < len; i += 2) {
			unsigned c = (unsigned)v[i] << 8 | v[i + 1];
			uint8_t u[3];
			size_t k = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
			if (k == 1)
				u[0] = (uint8_t)c;
			else if (k == 2)
				u[0] = (uint8_t)(0xc0 | c >> 6),
				u[1] = (uint8_t)(0x80 | (c & 0x3f));
			else
				u[0] = (uint8_t)(0xe0 | c >> 12),
				u[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f)),
				u[2] = (uint8_t)(0x80 | (c & 0x3f));
			if (n + k >= cap)
				return -1;
			memcpy(out + n, u, k);
			n += k;
		}
	} else if (tag == 0x0c || tag == 0x13 || tag == 0x14 || tag == 0x16 || tag == 0x1a) {
		if (len >= cap || memchr(v, 0, len))
			return -1;
		memcpy(out, v, len);
		n = len;
	} else { /* anything else: #hex of the value, as RFC 4514 does */
		if (1 + 2 * len >= cap)
			return -1;
		out[n++] = '#';
		for (size_t i = 0; i < len; i++)
			n += (size_t)snprintf(out + n, cap - n, "%02x", v[i]);
	}
	out[n] = '\0';
	return 0;
}

/* Parses a DER Name (SEQUENCE OF SET OF AttributeTypeAndValue). Returns 0 or -EINVAL. */
static int dn_parse(const uint8_t *p, size_t len, struct dn *dn)
{
	struct der top = {p, len}, seq, set, atv;
	const uint8_t *v;
	size_t l;
	dn->n = 0;
	if (der_next(&top, &v, &l) != 0x30 || top.left)
		return -EINVAL;
	seq = (struct der){v, l};
	while (seq.left) {
		if (der_next(&seq, &v, &l) != 0x31)
			return -EINVAL;
		set = (struct der){v, l};
		while (set.left) {
			if (der_next(&set, &v, &l) != 0x30 || dn->n >= DN_AVAS_MAX)
				return -EINVAL;
			atv = (struct der){v, l};
			struct dn_ava *a = &dn->v[dn->n];
			const uint8_t *ov, *vv;
			size_t ol, vl;
			if (der_next(&atv, &ov, &ol) != 0x06 || ol == 0 || ol > sizeof(a->oid))
				return -EINVAL;
			int tag = der_next(&atv, &vv, &vl);
			if (tag < 0 || atv.left || value_text(tag, vv, vl, a->value, DN_VALUE_MAX))
				return -EINVAL;
			memcpy(a->oid, ov, ol);
			a->oid_len = ol;
			dn->n++;
		}
	}
	return 0;
}

/* The attribute's short name, or its dotted OID. */
static void oid_text(const uint8_t *oid, size_t len, char *out, size_t cap)
{
	for (size_t i = 0; i < DN_NAMES; i++)
		if (dn_names[i].len == len && !memcmp(dn_names[i].oid, oid, len) &&
		    strcmp(dn_names[i].name, "S") && strcmp(dn_names[i].name, "GN") &&
		    strcmp(dn_names[i].name, "emailAddress") && strcmp(dn_names[i].name, "title")) {
			snprintf(out, cap, "%s", dn_names[i].name);
			return;
		}
	size_t n = (size_t)snprintf(out, cap, "%u.%u", oid[0] / 40, oid[0] % 40);
	unsigned long acc = 0;
	for (size_t i = 1; i < len && n < cap; i++) {
		acc = acc << 7 | (oid[i] & 0x7f);
		if (!(oid[i] & 0x80)) {
			n += (size_t)snprintf(out + n, cap - n, ".%lu", acc);
			acc = 0;
		}
	}
}

int dmn_dn_to_text(const uint8_t *der, size_t dn_len, char *out, size_t cap)
{
	struct dn *dn = malloc(sizeof(*dn));
	size_t n = 0;
	int r = 0;
	if (!dn)
		return -ENOMEM;
	if (!cap || dn_parse(der, dn_len, dn) < 0) {
		free(dn);
		return -EINVAL;
	}
	out[0] = '\0';
	for (size_t i = 0; i < dn->n && r == 0; i++) {
		char name[64];
		oid_text(dn->v[i].oid, dn->v[i].oid_len, name, sizeof(name));
		int k = snprintf(out + n, cap - n, "%s%s=", i ? ", " : "", name);
		if (k < 0 || (size_t)k >= cap - n) {
			r = -ENOBUFS;
			break;
		}
		n += (size_t)k;
		for (const char *c = dn->v[i].value; *c; c++) {
			if (n + 3 >= cap) {
				r = -ENOBUFS;
				break;
			}
			if (*c == ',' || *c == '\\')
				out[n++] = '\\';
			out[n++] = *c;
		}
		out[n] = '\0';
	}
	free(dn);
	return r;
}

static void trim(char *s)
{
	size_t l = strlen(s);
	while (l && isspace((unsigned char)s[l - 1]))
		s[--l] = '\0';
	size_t k = strspn(s, " \t");
	memmove(s, s + k, l - k + 1);
}

/* One "NAME=value" of a text DN into a (value may be "*"). Returns 0 or -EINVAL. */
static int text_ava(char *part, struct dn_ava *a)
{
	char *eq = strchr(part, '=');
	if (!eq)
		return -EINVAL;
	*eq = '\0';
	trim(part);
	char *val = eq + 1;
	trim(val);
	size_t vl = strlen(val);
	if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
		val[vl - 1] = '\0';
		val++;
	}
	for (size_t i = 0; i < DN_NAMES; i++)
		if (!strcasecmp(dn_names[i].name, part)) {
			memcpy(a->oid, dn_names[i].oid, dn_names[i].len);
			a->oid_len = dn_names[i].len;
			snprintf(a->value, sizeof(a->value), "%s", val);
			return strlen(val) < sizeof(a->value) ? 0 : -EINVAL;
		}
	return -EINVAL;
}

/* Parses "C=CH, O=Example, CN=*" (or "/C=CH/O=Example/CN=*"); '\' escapes a separator. */
static int dn_parse_text(const char *text, struct dn *dn)
{
	char part[DN_VALUE_MAX + 64];
	char sep = ',';
	size_t n = 0;
	dn->n = 0;
	text += strspn(text, " \t");
	if (*text == '/') {
		sep = '/';
		text++;
	}
	for (const char *c = text;; c++) {
		if (*c == '\\' && c[1]) {
			c++;
		} else if (*c == sep || *c == '\0' || (sep == ',' && *c == ';')) {
			part[n] = '\0';
			if (dn->n >= DN_AVAS_MAX || text_ava(part, &dn->v[dn->n]) < 0)
				return -EINVAL;
			dn->n++;
			n = 0;
			if (*c == '\0')
				break;
			continue;
		}
		if (n + 1 >= sizeof(part))
			return -EINVAL;
		part[n++] = *c;
	}
	return dn->n ? 0 : -EINVAL;
}

/* Same attribute count, order and types; values equal ignoring case, or pattern value "*". */
static bool dn_match(const struct dn *pat, const struct dn *dn, bool wild)
{
	if (pat->n != dn->n)
		return false;
	for (size_t i = 0; i < dn->n; i++) {
		const struct dn_ava *p = &pat->v[i], *a = &dn->v[i];
		if (p->oid_len != a->oid_len || memcmp(p->oid, a->oid, a->oid_len))
			return false;
		if (wild && !strcmp(p->value, "*"))
			continue;
		if (strcasecmp(p->value, a->value))
			return false;
	}
	return true;
}

bool dmn_dn_match(const char *pattern, const uint8_t *der, size_t dn_len)
{
	struct dn *pat = malloc(sizeof(*pat)), *dn = malloc(sizeof(*dn));
	bool ok = pat && dn && pattern && dn_parse_text(pattern, pat) == 0 &&
		  dn_parse(der, dn_len, dn) == 0 && dn_match(pat, dn, true);
	free(pat);
	free(dn);
	return ok;
}

bool dmn_certs_dn_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	if (a_len == b_len && !memcmp(a, b, a_len))
		return true;
	struct dn *x = malloc(sizeof(*x)), *y = malloc(sizeof(*y));
	bool ok = x && y && dn_parse(a, a_len, x) == 0 && dn_parse(b, b_len, y) == 0 &&
		  dn_match(x, y, false);
	free(x);
	free(y);
	return ok;
}

/* Calls fn on each subjectAltName of c (type, bytes) until it returns true. */
static bool san_any(const struct dmn_cert *c,
		    bool (*fn)(unsigned type, const uint8_t *v, size_t len, const void *ctx),
		    const void *ctx)
{
	for (unsigned seq = 0; seq < 64; seq++) {
		uint8_t buf[512];
		size_t size = sizeof(buf);
		unsigned type = 0;
		int r = gnutls_x509_crt_get_subject_alt_name2(c->crt, seq, buf, &size, &type, NULL);
		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r == GNUTLS_E_SHORT_MEMORY_BUFFER || r < 0)
			continue;
		if (fn(type, buf, size, ctx))
			return true;
	}
	return false;
}

struct san_want {
	unsigned type;
	const uint8_t *v;
	size_t len;
};

static bool san_eq(unsigned type, const uint8_t *v, size_t len, const void *ctx)
{
	const struct san_want *w = ctx;
	if (type != w->type || len != w->len)
		return false;
	if (type == GNUTLS_SAN_IPADDRESS)
		return !memcmp(v, w->v, len);
	/* names compare ignoring case; a NUL inside either never matches ("a\0b" is not "a") */
	if (memchr(v, '\0', len) || memchr(w->v, '\0', len))
		return false;
	return !strncasecmp((const char *)v, (const char *)w->v, len);
}

static bool san_has(const struct dmn_cert *c, unsigned type, const uint8_t *v, size_t len)
{
	struct san_want w = {type, v, len};
	return san_any(c, san_eq, &w);
}

bool dmn_cert_matches_id(const struct dmn_cert *c, uint8_t id_type, const uint8_t *id, size_t len)
{
	if (!c || (!id && len))
		return false;
	switch (id_type) {
	case DMN_CERT_ID_IPV4_ADDR:
		return len == 4 && san_has(c, GNUTLS_SAN_IPADDRESS, id, 4);
	case DMN_CERT_ID_IPV6_ADDR:
		return len == 16 && san_has(c, GNUTLS_SAN_IPADDRESS, id, 16);
	case DMN_CERT_ID_FQDN:
		return len && san_has(c, GNUTLS_SAN_DNSNAME, id, len);
	case DMN_CERT_ID_USER_FQDN:
		return len && san_has(c, GNUTLS_SAN_RFC822NAME, id, len);
	case DMN_CERT_ID_DER_ASN1_DN:
		return dmn_certs_dn_equal(id, len, c->subject_der.data, c->subject_der.size);
	default:
		return false;
	}
}

bool dmn_cert_matches_cfg_id(const struct dmn_cert *c, const struct dmn_id *id)
{
	if (!c || !id)
		return false;
	switch (id->type) {
	case DMN_ID_DEFAULT:
	case DMN_ID_ANY:
		return true;
	case DMN_ID_IPV4:
		return san_has(c, GNUTLS_SAN_IPADDRESS, id->addr, 4);
	case DMN_ID_IPV6:
		return san_has(c, GNUTLS_SAN_IPADDRESS, id->addr, 16);
	case DMN_ID_FQDN:
		return san_has(c, GNUTLS_SAN_DNSNAME, (const uint8_t *)id->str, strlen(id->str));
	case DMN_ID_USER_FQDN:
		return san_has(c, GNUTLS_SAN_RFC822NAME, (const uint8_t *)id->str, strlen(id->str));
	case DMN_ID_DN:
		return dmn_dn_match(id->str, c->subject_der.data, c->subject_der.size);
	default:
		return false;
	}
}

struct san_text {
	char *out;
	size_t cap, n;
};

static bool san_append(unsigned type, const uint8_t *v, size_t len, const void *ctx)
{
	struct san_text *t = (struct san_text *)ctx;
	char item[300] = "";
	if (type == GNUTLS_SAN_IPADDRESS && (len == 4 || len == 16))
		inet_ntop(len == 4 ? AF_INET : AF_INET6, v, item, sizeof(item));
	else if (type == GNUTLS_SAN_DNSNAME || type == GNUTLS_SAN_RFC822NAME ||
		 type == GNUTLS_SAN_URI)
		snprintf(item, sizeof(item), "%.*s", (int)(len < 256 ? len : 256), v);
	if (item[0] && t->n + strlen(item) + 3 < t->cap)
		t->n += (size_t)snprintf(t->out + t->n, t->cap - t->n, "%s%s", t->n ? ", " : "",
					 item);
	return false;
}

void dmn_certs_altnames_text(const struct dmn_cert *c, char *out, size_t cap)
{
	struct san_text t = {out, cap, 0};
	out[0] = '\0';
	san_any(c, san_append, &t);
}

void dmn_certs_id_text(uint8_t id_type, const uint8_t *id, size_t len, char *out, size_t cap)
{
	switch (id_type) {
	case DMN_CERT_ID_IPV4_ADDR:
	case DMN_CERT_ID_IPV6_ADDR:
		if (len == (id_type == DMN_CERT_ID_IPV4_ADDR ? 4u : 16u) &&
		    inet_ntop(len == 4 ? AF_INET : AF_INET6, id, out, (socklen_t)cap))
			return;
		break;
	case DMN_CERT_ID_FQDN:
	case DMN_CERT_ID_USER_FQDN: {
		size_t k = 0;
		if (id_type == DMN_CERT_ID_FQDN && cap > 1)
			out[k++] = '@';
		for (size_t i = 0; i < len && k + 1 < cap && i < 255; i++)
			out[k++] = isprint(id[i]) ? (char)id[i] : '?';
		out[k] = '\0';
		return;
	}
	case DMN_CERT_ID_DER_ASN1_DN:
		if (dmn_dn_to_text(id, len, out, cap) == 0)
			return;
		break;
	default:
		break;
	}
	snprintf(out, cap, "(ID type %u, %zu bytes)", id_type, len);
}
