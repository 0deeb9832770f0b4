// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pretty-printer: one function per payload kind writing through a sink (a caller buffer or a
 * FILE *). It only reads a decoded struct proto_msg, so anything it prints was bounds-checked.
 */
#include "proto/print.h"
#include "proto/cfg_attr.h"

#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

struct sink {
	char *buf;
	size_t cap;
	size_t len;
	FILE *f;
	bool redact;
};

__attribute__((format(printf, 2, 3))) static void out(struct sink *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (s->f) {
		int n = vfprintf(s->f, fmt, ap);
		if (n > 0)
			s->len += (size_t)n;
	} else {
		size_t room = s->len < s->cap ? s->cap - s->len : 0;
		int n = vsnprintf(room ? s->buf + s->len : NULL, room, fmt, ap);
		if (n > 0)
			s->len += (size_t)n;
	}
	va_end(ap);
}

static void hex(struct sink *s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out(s, "%02x", p[i]);
}

/* Secret or bulky data: its length, plus hex when not redacting. */
static void data(struct sink *s, const char *what, struct proto_view v, bool secret)
{
	out(s, " %s(%zu bytes)", what, v.len);
	if (!secret || !s->redact) {
		out(s, "=");
		hex(s, v.p, v.len);
	}
}

static const char *name(enum proto_names t, unsigned v, char *buf, unsigned len)
{
	return proto_name_buf(t, v, buf, len);
}

static void print_addr(struct sink *s, int family, const uint8_t *a)
{
	if (family == AF_INET) {
		out(s, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	for (int i = 0; i < 16; i += 2)
		out(s, "%s%x", i ? ":" : "", (unsigned)(a[i] << 8 | a[i + 1]));
}

/* Which value table an attribute's value uses, by attribute class and type, or -1. */
static int attr_value_table(int cls, uint16_t type)
{
	if (cls == PROTO_NAMES_IKE_ATTR) {
		switch (type) {
		case IKE_ATTR_ENCRYPTION_ALGORITHM:
			return PROTO_NAMES_IKE_ENCR;
		case IKE_ATTR_HASH_ALGORITHM:
			return PROTO_NAMES_IKE_HASH;
		case IKE_ATTR_AUTHENTICATION_METHOD:
			return PROTO_NAMES_IKE_AUTH;
		case IKE_ATTR_GROUP_DESCRIPTION:
			return PROTO_NAMES_IKE_GROUP;
		case IKE_ATTR_GROUP_TYPE:
			return PROTO_NAMES_IKE_GROUP_TYPE;
		case IKE_ATTR_LIFE_TYPE:
			return PROTO_NAMES_LIFE_TYPE;
		}
	} else if (cls == PROTO_NAMES_IPSEC_ATTR) {
		switch (type) {
		case IPSEC_ATTR_SA_LIFE_TYPE:
			return PROTO_NAMES_LIFE_TYPE;
		case IPSEC_ATTR_GROUP_DESCRIPTION:
			return PROTO_NAMES_IKE_GROUP;
		case IPSEC_ATTR_ENCAPSULATION_MODE:
			return PROTO_NAMES_ENCAP_MODE;
		case IPSEC_ATTR_AUTHENTICATION_ALGORITHM:
			return PROTO_NAMES_IPSEC_AUTH;
		}
	}
	return -1;
}

static bool secret_attr(int cls, uint16_t type)
{
	return cls == PROTO_NAMES_MODECFG_ATTR &&
	       (type == XAUTH_USER_PASSWORD || type == XAUTH_PASSCODE || type == XAUTH_NEXT_PIN ||
		type == XAUTH_ANSWER);
}

static void print_attrs(struct sink *s, struct proto_view attrs, int cls, const char *indent)
{
	struct proto_iter it;
	struct proto_attr a;
	char b1[24], b2[24];
	proto_attrs_begin(&it, attrs);
	while (proto_attrs_next(&it, &a)) {
		out(s, "%s%s", indent, name((enum proto_names)cls, a.type, b1, sizeof(b1)));
		uint32_t v;
		int vt = attr_value_table(cls, a.type);
		if (secret_attr(cls, a.type)) {
			data(s, "value", a.value, true);
		} else if (proto_attr_u32(&a, &v) == PROTO_OK &&
			   (a.tv || cls != PROTO_NAMES_MODECFG_ATTR)) {
			out(s, " = %u", v);
			if (vt >= 0)
				out(s, " (%s)", name((enum proto_names)vt, v, b2, sizeof(b2)));
		} else {
			data(s, "value", a.value, false);
		}
		out(s, " [%s]\n", a.tv ? "TV" : "TLV");
	}
	if (it.err)
		out(s, "%s(attributes: %s)\n", indent, proto_err_str(it.err));
}

/* A Transaction exchange's attributes through their codec (proto/cfg_attr.h): values as their
 * kind reads, secrets never; a list the codec refuses is printed raw, secrets redacted. */
static void print_cfg_attrs(struct sink *s, struct proto_view attrs)
{
	struct proto_cfg_list l; /* views: PROTO_CFG_ATTRS_MAX x 40 bytes */
	size_t off = 0;
	char line[256];
	enum proto_err err = proto_cfg_decode(attrs.p, attrs.len, &l, &off);
	if (err != PROTO_OK) {
		bool redact = s->redact;
		s->redact = true; /* an XAUTH password stays hidden even in a full trace */
		print_attrs(s, attrs, PROTO_NAMES_MODECFG_ATTR, "    ");
		s->redact = redact;
		out(s, "    (attribute codec: %s at %zu)\n", proto_err_str(err), off);
		return;
	}
	for (unsigned i = 0; i < l.n; i++) {
		proto_cfg_attr_str(&l.a[i], line, sizeof(line));
		out(s, "    %s [%s]\n", line, l.a[i].tv ? "TV" : "TLV");
	}
}

static void print_sa(struct sink *s, const struct proto_sa *sa)
{
	struct proto_iter pi, ti;
	struct proto_proposal p;
	struct proto_transform t;
	char b1[24], b2[24];
	out(s, " doi=%s situation=0x%x proposals=%u\n",
	    name(PROTO_NAMES_DOI, sa->doi, b1, sizeof(b1)), (unsigned)sa->situation,
	    sa->n_proposals);
	proto_proposals_begin(&pi, sa);
	while (proto_proposals_next(&pi, &p)) {
		out(s, "    proposal #%u protocol=%s transforms=%u spi=", p.number,
		    name(PROTO_NAMES_PROTOCOL, p.protocol, b1, sizeof(b1)), p.n_transforms);
		hex(s, p.spi.p, p.spi.len);
		out(s, "\n");
		enum proto_names idt = p.protocol == PROTO_ISAKMP     ? PROTO_NAMES_ISAKMP_TRANSFORM
				       : p.protocol == PROTO_IPSEC_AH ? PROTO_NAMES_AH_TRANSFORM
				       : p.protocol == PROTO_IPSEC_ESP
					       ? PROTO_NAMES_ESP_TRANSFORM
					       : PROTO_NAMES_IPCOMP_TRANSFORM;
		int cls =
			p.protocol == PROTO_ISAKMP ? PROTO_NAMES_IKE_ATTR : PROTO_NAMES_IPSEC_ATTR;
		proto_transforms_begin(&ti, &p);
		while (proto_transforms_next(&ti, &t)) {
			out(s, "      transform #%u id=%s\n", t.number,
			    name(idt, t.id, b2, sizeof(b2)));
			print_attrs(s, t.attrs, cls, "        ");
		}
	}
}

static void print_id(struct sink *s, const struct proto_id *id)
{
	char b[24];
	struct proto_id_net n;
	out(s, " type=%s protocol=%u port=%u", name(PROTO_NAMES_ID_TYPE, id->type, b, sizeof(b)),
	    id->protocol, id->port);
	if (proto_id_to_net(id, &n) == PROTO_OK) {
		out(s, " ");
		print_addr(s, n.family, n.from);
		if (n.prefix >= 0 && n.prefix != (n.family == AF_INET ? 32 : 128)) {
			out(s, "/%d", n.prefix);
		} else if (n.prefix < 0) {
			out(s, "-");
			print_addr(s, n.family, n.to);
		}
	} else if (id->type == ID_FQDN || id->type == ID_USER_FQDN) {
		out(s, " \"");
		for (size_t i = 0; i < id->data.len; i++) {
			uint8_t ch = id->data.p[i];
			out(s,
			    ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\' ? "%c" : "\\x%02x",
			    ch);
		}
		out(s, "\"");
	} else {
		data(s, "data", id->data, false);
	}
}

static void print_payload(struct sink *s, const struct proto_payload *pl)
{
	char b1[24], b2[24];
	out(s, "  %s (%u) len=%zu", name(PROTO_NAMES_PAYLOAD, pl->type, b1, sizeof(b1)), pl->type,
	    pl->body.len + PROTO_GENERIC_LEN);
	if (pl->reserved & PROTO_CRITICAL)
		out(s, " critical");
	if (!pl->known) {
		out(s, " (skipped)\n");
		return;
	}
	switch (pl->type) {
	case ISAKMP_PL_SA:
		print_sa(s, &pl->u.sa);
		return;
	case ISAKMP_PL_ID:
		print_id(s, &pl->u.id);
		break;
	case ISAKMP_PL_CERT:
	case ISAKMP_PL_CR:
		out(s, " encoding=%s",
		    name(PROTO_NAMES_CERT_ENCODING, pl->u.cert.encoding, b2, sizeof(b2)));
		data(s, "data", pl->u.cert.data, pl->type == ISAKMP_PL_CERT);
		break;
	case ISAKMP_PL_N:
		out(s,
		    " doi=%s protocol=%u type=%s spi=", name(PROTO_NAMES_DOI, pl->u.n.doi, b1, 24),
		    pl->u.n.protocol, name(PROTO_NAMES_NOTIFY, pl->u.n.type, b2, sizeof(b2)));
		hex(s, pl->u.n.spi.p, pl->u.n.spi.len);
		data(s, "data", pl->u.n.data, false);
		break;
	case ISAKMP_PL_D:
		out(s, " doi=%s protocol=%s count=%u spis=",
		    name(PROTO_NAMES_DOI, pl->u.d.doi, b1, 24),
		    name(PROTO_NAMES_PROTOCOL, pl->u.d.protocol, b2, sizeof(b2)), pl->u.d.count);
		for (unsigned i = 0; i < pl->u.d.count; i++) {
			const uint8_t *spi = proto_delete_spi(&pl->u.d, i);
			if (!spi)
				break;
			out(s, i ? "," : "");
			hex(s, spi, pl->u.d.spi_size);
		}
		break;
	case ISAKMP_PL_ATTR:
		out(s, " type=%s identifier=%u\n",
		    name(PROTO_NAMES_MODECFG_TYPE, pl->u.cfg.type, b1, sizeof(b1)),
		    pl->u.cfg.identifier);
		print_cfg_attrs(s, pl->u.cfg.attrs);
		return;
	case ISAKMP_PL_NAT_OA:
	case ISAKMP_PL_NAT_OA_DRAFT:
		out(s, " ");
		print_addr(s, pl->u.nat_oa.family, pl->u.nat_oa.addr);
		break;
	case ISAKMP_PL_FRAG:
		out(s, " id=%u number=%u%s", pl->u.frag.id, pl->u.frag.number,
		    pl->u.frag.flags & PROTO_FRAG_FLAG_LAST ? " last" : "");
		data(s, "data", pl->u.frag.data, true);
		break;
	case ISAKMP_PL_VID:
		data(s, "data", pl->u.data, false);
		break;
	default: /* KE, HASH, SIG, NONCE, NAT-D */
		data(s, "data", pl->u.data, true);
		break;
	}
	out(s, "\n");
}

static void print_all(struct sink *s, const struct proto_header *h, const struct proto_msg *msg)
{
	char b1[24], b2[40];
	if (h) {
		out(s, "ISAKMP ");
		hex(s, h->icookie, 8);
		out(s, ":");
		hex(s, h->rcookie, 8);
		out(s, " v%u.%u %s np=%s flags=%s%s%s msgid=%08x len=%u\n", h->major, h->minor,
		    name(PROTO_NAMES_EXCHANGE, h->exchange, b2, sizeof(b2)),
		    name(PROTO_NAMES_PAYLOAD, h->next_payload, b1, sizeof(b1)),
		    h->flags & ISAKMP_FLAG_E ? "E" : "-", h->flags & ISAKMP_FLAG_C ? "C" : "-",
		    h->flags & ISAKMP_FLAG_A ? "A" : "-", (unsigned)h->msgid, (unsigned)h->length);
	}
	for (unsigned i = 0; i < msg->n && i < PROTO_PAYLOADS_MAX; i++)
		print_payload(s, &msg->pl[i]);
	if (msg->padding)
		out(s, "  padding %zu bytes\n", msg->padding);
	if (msg->err)
		out(s, "  error at offset %zu: %s (notify %s)\n", msg->err_offset,
		    proto_err_str(msg->err),
		    name(PROTO_NAMES_NOTIFY, proto_err_notify(msg->err), b2, sizeof(b2)));
}

size_t proto_print(const struct proto_header *hdr, const struct proto_msg *msg, bool redact,
		   char *buf, size_t cap)
{
	struct sink s = {.buf = buf, .cap = buf ? cap : 0, .redact = redact};
	if (s.cap)
		buf[0] = '\0';
	print_all(&s, hdr, msg);
	return s.len;
}

void proto_fprint(FILE *f, const struct proto_header *hdr, const struct proto_msg *msg, bool redact)
{
	struct sink s = {.f = f, .redact = redact};
	print_all(&s, hdr, msg);
}
