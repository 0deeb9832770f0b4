// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Proposals: building our SA payloads and choosing from the peer's (RFC 2408 §3.4-3.6, RFC 2409
 * App. A attributes for phase 1, RFC 2407 §4.5 for phase 2). The responder picks by ITS OWN
 * preference order: for each of its proposals in turn, the first matching peer transform wins.
 * At most PROTO_IKE_CONSIDER_MAX peer transforms are looked at.
 *
 * IPComp (RFC 3173 §4.1, RFC 2407 §4.4.1): with compress=yes the initiator offers each of its
 * first PROTO_IKE_IPCOMP_OFFER_MAX ESP/AH proposals together with an IPComp proposal (DEFLATE,
 * our CPI in a 2-byte SPI field, the same mode and lifetimes) under the same proposal number,
 * then all of them again alone, so that a peer without IPComp has a suite it can take:
 *
 *   #1 ESP aes-sha2 (SPI)  #1 IPCOMP deflate (CPI)  #2 ESP 3des-sha1 (SPI)  #2 IPCOMP ...
 *   #3 ESP aes-sha2 (SPI)  #4 ESP 3des-sha1 (SPI)
 */
#include <stdio.h>
#include <string.h>

#include "proto/ike/engine_int.h"

#define IPSEC_LIFETIME_DEFAULT 28800u /* RFC 2407 §4.5 */
#define IKE_LIFETIME_DEFAULT   28800u /* RFC 2407 §4.6.1 */

/* ---- phase 1 ---- */

struct p1_xf {
	struct proto_ike_p1_prop p; /* p.auth: the method as on the wire */
	uint32_t life_s;
	uint8_t number;
	bool ok; /* only known attributes */
};

/* "AES-CBC-128/SHA2-256/MODP-2048", with "/RSA signatures" etc. for a method other than PSK. */
void proto_ike_p1_str(const struct proto_ike_p1_prop *p, char *buf, size_t len)
{
	char a[24], b[24], d[24], k[8] = "", m[40] = "";
	const struct ike_auth_method *au = proto_ike_auth_get(p->auth);
	if (p->key_bits) /* 3DES and the like have none */
		snprintf(k, sizeof(k), "-%u", p->key_bits);
	if (au && au->method != IKE_AUTH_PSK)
		snprintf(m, sizeof(m), "/%s", au->name);
	else if (!au)
		snprintf(m, sizeof(m), "/auth %u", p->auth);
	snprintf(buf, len, "%s%s/%s/%s%s",
		 proto_name_buf(PROTO_NAMES_IKE_ENCR, p->encr, a, sizeof(a)), k,
		 proto_name_buf(PROTO_NAMES_IKE_HASH, p->hash, b, sizeof(b)),
		 proto_name_buf(PROTO_NAMES_IKE_GROUP, p->group, d, sizeof(d)), m);
}

/* Our phase-1 offer; only_group != 0 keeps the transforms of that group (Aggressive Mode sends
 * its KE before a group is chosen). */
void proto_ike_put_p1_sa(struct proto_builder *b, const struct proto_ike_conn *conn,
			 uint16_t only_group)
{
	proto_put_sa(b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	proto_put_proposal(b, 1, PROTO_ISAKMP, NULL, 0);
	for (unsigned i = 0; i < conn->n_ike && i < PROTO_IKE_P1_PROPS_MAX; i++) {
		const struct proto_ike_p1_prop *p = &conn->ike[i];
		if ((only_group && p->group != only_group) || !proto_ike_auth_usable(p->auth))
			continue;
		proto_put_transform(b, (uint8_t)(i + 1), KEY_IKE);
		proto_put_attr_tv(b, IKE_ATTR_ENCRYPTION_ALGORITHM, p->encr);
		if (p->key_bits)
			proto_put_attr_tv(b, IKE_ATTR_KEY_LENGTH, p->key_bits);
		proto_put_attr_tv(b, IKE_ATTR_HASH_ALGORITHM, p->hash);
		proto_put_attr_tv(b, IKE_ATTR_AUTHENTICATION_METHOD, proto_ike_auth_norm(p->auth));
		proto_put_attr_tv(b, IKE_ATTR_GROUP_DESCRIPTION, p->group);
		proto_put_attr_tv(b, IKE_ATTR_LIFE_TYPE, LIFE_SECONDS);
		proto_put_attr(b, IKE_ATTR_LIFE_DURATION,
			       conn->ike_lifetime_s ? conn->ike_lifetime_s : IKE_LIFETIME_DEFAULT);
	}
}

static void parse_p1_xf(const struct proto_transform *t, struct p1_xf *ret)
{
	struct proto_iter it;
	struct proto_attr a;
	uint16_t life_type = 0;
	uint32_t v;
	memset(ret, 0, sizeof(*ret));
	ret->number = t->number;
	ret->ok = t->id == KEY_IKE;
	proto_attrs_begin(&it, t->attrs);
	while (ret->ok && proto_attrs_next(&it, &a)) {
		if (proto_attr_u32(&a, &v) != PROTO_OK ||
		    (a.type != IKE_ATTR_LIFE_DURATION && v > 0xffff)) {
			ret->ok = false;
			break;
		}
		switch (a.type) {
		case IKE_ATTR_ENCRYPTION_ALGORITHM:
			ret->p.encr = (uint16_t)v;
			break;
		case IKE_ATTR_HASH_ALGORITHM:
			ret->p.hash = (uint16_t)v;
			break;
		case IKE_ATTR_AUTHENTICATION_METHOD:
			ret->p.auth = (uint16_t)v;
			break;
		case IKE_ATTR_GROUP_DESCRIPTION:
			ret->p.group = (uint16_t)v;
			break;
		case IKE_ATTR_KEY_LENGTH:
			ret->p.key_bits = (uint16_t)v;
			break;
		case IKE_ATTR_LIFE_TYPE:
			life_type = (uint16_t)v;
			break;
		case IKE_ATTR_LIFE_DURATION:
			if (life_type == LIFE_SECONDS)
				ret->life_s = v;
			break;
		default:
			ret->ok = false; /* group types, PRF, ...: not supported */
		}
	}
	if (it.err != PROTO_OK)
		ret->ok = false;
}

/* The same suite, the authentication method aside. */
static bool p1_suite_eq(const struct proto_ike_p1_prop *a, const struct proto_ike_p1_prop *b)
{
	return a->encr == b->encr && a->hash == b->hash && a->group == b->group &&
	       a->key_bits == b->key_bits;
}

/* The same transform: suite and method (0 in a conn is PSK), and a method we speak. */
static bool p1_eq(const struct proto_ike_p1_prop *a, const struct proto_ike_p1_prop *b)
{
	return p1_suite_eq(a, b) && proto_ike_auth_norm(a->auth) == proto_ike_auth_norm(b->auth) &&
	       proto_ike_auth_usable(a->auth);
}

/* Collects up to PROTO_IKE_CONSIDER_MAX ISAKMP transforms of the peer's SA. */
static unsigned collect_p1(const struct proto_sa *sa, struct p1_xf *xf, uint8_t *ret_prop_number)
{
	struct proto_iter pi, ti;
	struct proto_proposal p;
	struct proto_transform t;
	unsigned n = 0;
	proto_proposals_begin(&pi, sa);
	while (n < PROTO_IKE_CONSIDER_MAX && proto_proposals_next(&pi, &p)) {
		if (p.protocol != PROTO_ISAKMP)
			continue;
		proto_transforms_begin(&ti, &p);
		while (n < PROTO_IKE_CONSIDER_MAX && proto_transforms_next(&ti, &t)) {
			parse_p1_xf(&t, &xf[n]);
			*ret_prop_number = p.number;
			n++;
		}
		break; /* one ISAKMP proposal (RFC 2409 §5: a single proposal in phase 1) */
	}
	return n;
}

static void p1_offer_str(const struct p1_xf *xf, unsigned n, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < n && at + 1 < len; i++) {
		char one[96];
		if (!xf[i].ok)
			snprintf(one, sizeof(one), "(unsupported attributes)");
		else
			proto_ike_p1_str(&xf[i].p, one, sizeof(one));
		int w = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", one);
		if (w < 0)
			break;
		at += (size_t)w;
	}
}

/* After no transform matched: when the suites would match but the methods do not, or the peer
 * offers only a method we refuse, fails with PROTO_IKE_E_AUTH_METHOD and says so. */
static bool p1_method_refused(struct ike_ctx *c, const struct p1_xf *xf, unsigned n,
			      const char *offered, const char *ours)
{
	const struct ike_auth_method *a;
	for (unsigned i = 0; i < n; i++) {
		if (!xf[i].ok)
			continue;
		if ((a = proto_ike_auth_get(xf[i].p.auth)) && a->refused) {
			proto_ike_fail(c, PROTO_IKE_E_AUTH_METHOD, "%s", a->refused);
			return true;
		}
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; xf[i].ok && j < c->sa->conn->n_ike; j++)
			if (p1_suite_eq(&xf[i].p, &c->sa->conn->ike[j])) {
				proto_ike_fail(c, PROTO_IKE_E_AUTH_METHOD,
					       "authentication method mismatch: peer offered %s, "
					       "we accept %s",
					       offered, ours);
				return true;
			}
	return false;
}

/* The responder's choice; puts the reply SA into b if respond. Fails the SA with the offer. */
bool proto_ike_select_p1(struct ike_ctx *c, const struct proto_sa *sa)
{
	struct ike_sa *s = c->sa;
	struct p1_xf xf[PROTO_IKE_CONSIDER_MAX];
	uint8_t pnum = 0;
	unsigned n = collect_p1(sa, xf, &pnum);
	const struct p1_xf *too_long = NULL;
	for (unsigned j = 0; j < s->conn->n_ike; j++) {
		for (unsigned i = 0; i < n; i++) {
			if (!xf[i].ok || !p1_eq(&xf[i].p, &s->conn->ike[j]))
				continue;
			if (s->conn->strict_lifetime && s->conn->ike_lifetime_s &&
			    (xf[i].life_s ? xf[i].life_s : IKE_LIFETIME_DEFAULT) >
				    s->conn->ike_lifetime_s) {
				too_long = too_long ? too_long : &xf[i];
				continue;
			}
			s->prop = xf[i].p;
			s->prop.auth = proto_ike_auth_norm(s->prop.auth);
			s->lifetime_s = xf[i].life_s ? xf[i].life_s : IKE_LIFETIME_DEFAULT;
			if (s->conn->ike_lifetime_s && s->lifetime_s > s->conn->ike_lifetime_s)
				s->lifetime_s = s->conn->ike_lifetime_s;
			s->prop_number = pnum;
			s->xf_number = xf[i].number;
			s->peer_life_s = xf[i].life_s;
			return true;
		}
	}
	char offered[512], ours[512];
	struct p1_xf own[PROTO_IKE_P1_PROPS_MAX];
	for (unsigned j = 0; j < s->conn->n_ike && j < PROTO_IKE_P1_PROPS_MAX; j++)
		own[j] = (struct p1_xf){.p = s->conn->ike[j], .ok = true};
	p1_offer_str(xf, n, offered, sizeof(offered));
	p1_offer_str(own, s->conn->n_ike, ours, sizeof(ours));
	c->notify = ISAKMP_N_NO_PROPOSAL_CHOSEN;
	if (too_long) {
		p1_offer_str(too_long, 1, offered, sizeof(offered));
		proto_ike_fail(
			c, PROTO_IKE_E_LIFETIME,
			"lifetime refused: peer offered %s with a lifetime of %u s, we accept at "
			"most %u s (lifetimecheck=strict)",
			offered, too_long->life_s ? too_long->life_s : IKE_LIFETIME_DEFAULT,
			s->conn->ike_lifetime_s);
		return false;
	}
	if (p1_method_refused(c, xf, n, offered, ours))
		return false;
	proto_ike_fail(c, PROTO_IKE_E_NO_PROPOSAL,
		       "no proposal chosen: peer offered %s, we accept %s", offered, ours);
	return false;
}

/* The responder's SA: the chosen transform with the initiator's values echoed. */
void proto_ike_put_p1_reply(const struct ike_sa *sa, struct proto_builder *b)
{
	const struct proto_ike_p1_prop *p = &sa->prop;
	proto_put_sa(b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	proto_put_proposal(b, sa->prop_number, PROTO_ISAKMP, NULL, 0);
	proto_put_transform(b, sa->xf_number, KEY_IKE);
	proto_put_attr_tv(b, IKE_ATTR_ENCRYPTION_ALGORITHM, p->encr);
	if (p->key_bits)
		proto_put_attr_tv(b, IKE_ATTR_KEY_LENGTH, p->key_bits);
	proto_put_attr_tv(b, IKE_ATTR_HASH_ALGORITHM, p->hash);
	proto_put_attr_tv(b, IKE_ATTR_AUTHENTICATION_METHOD, p->auth);
	proto_put_attr_tv(b, IKE_ATTR_GROUP_DESCRIPTION, p->group);
	if (sa->peer_life_s) {
		proto_put_attr_tv(b, IKE_ATTR_LIFE_TYPE, LIFE_SECONDS);
		proto_put_attr(b, IKE_ATTR_LIFE_DURATION, sa->peer_life_s);
	}
}

/* The initiator checks the responder's single transform is one it offered. */
bool proto_ike_p1_reply_ok(struct ike_ctx *c, const struct proto_sa *sa)
{
	struct ike_sa *s = c->sa;
	struct p1_xf xf[PROTO_IKE_CONSIDER_MAX];
	uint8_t pnum = 0;
	unsigned n = collect_p1(sa, xf, &pnum);
	if (n == 1 && xf[0].ok)
		for (unsigned j = 0; j < s->conn->n_ike; j++)
			if (p1_eq(&xf[0].p, &s->conn->ike[j])) {
				s->prop = xf[0].p;
				s->prop.auth = proto_ike_auth_norm(s->prop.auth);
				s->lifetime_s = xf[0].life_s ? xf[0].life_s : IKE_LIFETIME_DEFAULT;
				/* a reply may shorten what we offered, never lengthen it */
				if (s->conn->ike_lifetime_s &&
				    s->lifetime_s > s->conn->ike_lifetime_s)
					s->lifetime_s = s->conn->ike_lifetime_s;
				return true;
			}
	proto_ike_fail(
		c, PROTO_IKE_E_NO_PROPOSAL,
		"the responder chose a transform we did not offer (%u transforms in its reply)", n);
	return false;
}

/* ---- phase 2 ---- */

size_t proto_ike_enc_key_len(const struct proto_ike_p2_prop *p)
{
	unsigned bits = p->key_bits ? p->key_bits : 128;
	if (p->protocol != PROTO_IPSEC_ESP)
		return 0;
	switch (p->transform) {
	case ESP_3DES:
		return 24;
	case ESP_AES_CBC:
		return bits / 8;
	case ESP_AES_CTR:
	case ESP_AES_GCM_8:
	case ESP_AES_GCM_12:
	case ESP_AES_GCM_16:
	case ESP_NULL_AUTH_AES_GMAC:
		return bits / 8 + 4; /* + salt, RFC 3686 / RFC 4106 §8.1 */
	case ESP_AES_CCM_8:
	case ESP_AES_CCM_12:
	case ESP_AES_CCM_16:
		return bits / 8 + 3; /* RFC 4309 §7.1 */
	default:
		return 0;
	}
}

size_t proto_ike_auth_key_len(const struct proto_ike_p2_prop *p)
{
	switch (p->auth) {
	case AUTH_HMAC_MD5:
		return 16;
	case AUTH_HMAC_SHA1:
		return 20;
	case AUTH_HMAC_SHA2_256:
		return 32;
	case AUTH_HMAC_SHA2_384:
		return 48;
	case AUTH_HMAC_SHA2_512:
		return 64;
	default:
		return 0;
	}
}

void proto_ike_p2_str(const struct proto_ike_p2_prop *p, char *buf, size_t len)
{
	char a[32], b[32];
	enum proto_names t = p->protocol == PROTO_IPSEC_AH ? PROTO_NAMES_AH_TRANSFORM
							   : PROTO_NAMES_ESP_TRANSFORM;
	snprintf(buf, len, "%s-%u/%s", proto_name_buf(t, p->transform, a, sizeof(a)), p->key_bits,
		 p->auth ? proto_name_buf(PROTO_NAMES_IPSEC_AUTH, p->auth, b, sizeof(b)) : "none");
}

static void put_be32(uint8_t *o, uint32_t v)
{
	o[0] = (uint8_t)(v >> 24);
	o[1] = (uint8_t)(v >> 16);
	o[2] = (uint8_t)(v >> 8);
	o[3] = (uint8_t)v;
}

/* The attributes of one phase-2 transform; the mode is the UDP-encapsulated one over a NAT. The
 * IPComp transform of a suite (comp) carries its lifetimes and mode only. */
static void put_p2_attrs(const struct ike_sa *sa, struct proto_builder *b,
			 const struct ike_p2_choice *ch, bool comp)
{
	proto_put_attr_tv(b, IPSEC_ATTR_SA_LIFE_TYPE, LIFE_SECONDS);
	proto_put_attr(b, IPSEC_ATTR_SA_LIFE_DURATION, ch->offered_life_s);
	if (ch->offered_life_kb) {
		proto_put_attr_tv(b, IPSEC_ATTR_SA_LIFE_TYPE, LIFE_KILOBYTES);
		proto_put_attr(b, IPSEC_ATTR_SA_LIFE_DURATION, ch->offered_life_kb);
	}
	if (ch->group && !comp)
		proto_put_attr_tv(b, IPSEC_ATTR_GROUP_DESCRIPTION, ch->group);
	proto_put_attr_tv(b, IPSEC_ATTR_ENCAPSULATION_MODE, proto_ike_natt_mode(sa, ch->mode));
	if (comp)
		return;
	if (ch->prop.auth)
		proto_put_attr_tv(b, IPSEC_ATTR_AUTHENTICATION_ALGORITHM, ch->prop.auth);
	if (ch->prop.key_bits)
		proto_put_attr_tv(b, IPSEC_ATTR_KEY_LENGTH, ch->prop.key_bits);
}

/* One suite: the ESP/AH proposal with our SPI and, with IPComp, the IPComp proposal with our CPI
 * under the same number (RFC 2408 §4.2), in the order comp_first says. */
static void put_suite(const struct ike_sa *sa, struct proto_builder *b,
		      const struct ike_p2_choice *ch)
{
	uint8_t spi[4];
	for (int k = 0; k < 2; k++) {
		bool comp = (k == 0) == ch->comp_first;
		if (comp && !ch->comp)
			continue;
		if (comp) {
			size_t len = ch->cpi_len && ch->cpi_len <= 4 ? ch->cpi_len : 2;
			put_be32(spi, ch->cpi_in);
			proto_put_proposal(b, ch->number, PROTO_IPCOMP, spi + 4 - len, len);
			proto_put_transform(b, ch->comp_xf_number, ch->comp_transform);
		} else {
			put_be32(spi, ch->spi_in);
			proto_put_proposal(b, ch->number, ch->prop.protocol, spi, 4);
			proto_put_transform(b, ch->xf_number, ch->prop.transform);
		}
		put_p2_attrs(sa, b, ch, comp);
	}
}

void proto_ike_put_p2_offers(const struct ike_sa *sa, struct proto_builder *b,
			     const struct ike_p2_choice *v, unsigned n)
{
	proto_put_sa(b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	for (unsigned i = 0; i < n; i++)
		put_suite(sa, b, &v[i]);
}

void proto_ike_put_p2_choice(const struct ike_sa *sa, struct proto_builder *b,
			     const struct ike_p2_choice *ch)
{
	proto_put_sa(b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	put_suite(sa, b, ch);
}

/* The initiator's offer: the suites of x->offer (filled by the QM), SPIs and CPI included. */
void proto_ike_put_p2_sa(struct ike_ctx *c, struct proto_builder *b)
{
	proto_ike_put_p2_offers(c->sa, b, c->x->qm->offer, c->x->qm->n_offer);
}

/* The SPI of an ESP/AH proposal (4 bytes) or the CPI of an IPComp one (2 bytes, or 4 whose first
 * two are zero: RFC 3173 §4.1); false for any other size or a CPI above 16 bits. */
static bool proposal_spi(const struct proto_proposal *p, uint32_t *ret)
{
	uint32_t v = 0;
	for (size_t i = 0; i < p->spi.len && i < 4; i++)
		v = v << 8 | p->spi.p[i];
	*ret = v;
	if (p->protocol == PROTO_IPCOMP)
		return (p->spi.len == 2 || p->spi.len == 4) && v <= 0xffff;
	return p->spi.len == 4;
}

/* Reads the attributes of one phase-2 transform into ret (lifetimes, group, mode, auth, key
 * length); false if one is unknown or malformed. A missing mode stays 0, the UDP-encapsulated
 * modes of RFC 3947 §5.1 become the plain ones. */
static bool parse_p2_attrs(const struct proto_transform *t, struct ike_p2_choice *ret)
{
	struct proto_iter it;
	struct proto_attr a;
	uint16_t life_type = 0;
	uint32_t v;
	proto_attrs_begin(&it, t->attrs);
	while (proto_attrs_next(&it, &a)) {
		if (proto_attr_u32(&a, &v) != PROTO_OK)
			return false;
		switch (a.type) {
		case IPSEC_ATTR_SA_LIFE_TYPE:
			life_type = (uint16_t)v;
			break;
		case IPSEC_ATTR_SA_LIFE_DURATION:
			if (life_type == LIFE_SECONDS)
				ret->offered_life_s = v;
			else if (life_type == LIFE_KILOBYTES)
				ret->offered_life_kb = v;
			else
				return false;
			break;
		case IPSEC_ATTR_GROUP_DESCRIPTION:
			ret->group = (uint16_t)v;
			break;
		case IPSEC_ATTR_ENCAPSULATION_MODE:
			ret->mode = (uint16_t)v;
			break;
		case IPSEC_ATTR_AUTHENTICATION_ALGORITHM:
			ret->prop.auth = (uint16_t)v;
			break;
		case IPSEC_ATTR_KEY_LENGTH:
			ret->prop.key_bits = (uint16_t)v;
			break;
		default:
			return false;
		}
	}
	if (it.err != PROTO_OK)
		return false;
	if (ret->mode == ENCAP_UDP_TUNNEL || ret->mode == ENCAP_UDP_TUNNEL_DRAFT)
		ret->mode = ENCAP_TUNNEL;
	else if (ret->mode == ENCAP_UDP_TRANSPORT || ret->mode == ENCAP_UDP_TRANSPORT_DRAFT)
		ret->mode = ENCAP_TRANSPORT;
	return true;
}

/* Reads one ESP/AH transform of proposal p (SPI spi); false if it has an attribute we do not
 * know. */
static bool parse_p2_xf(const struct proto_proposal *p, const struct proto_transform *t,
			uint32_t spi, struct ike_p2_choice *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->number = p->number;
	ret->xf_number = t->number;
	ret->prop.protocol = p->protocol;
	ret->prop.transform = t->id;
	ret->spi_out = spi;
	if (!parse_p2_attrs(t, ret))
		return false;
	if (ret->mode == 0)
		ret->mode = ENCAP_TUNNEL; /* RFC 2407 §4.5: unspecified */
	return true;
}

/* The IPComp part of a peer's suite. */
struct comp_part {
	bool seen, usable, first;
	uint8_t xf_number, transform;
	uint16_t cpi, mode; /* mode 0: not given (the suite's) */
};

/* Reads an IPComp proposal: usable when its CPI is a negotiated one (RFC 3173 §3.3: 0..255 are
 * well-known or reserved) and one of its first PROTO_IKE_CONSIDER_MAX transforms is DEFLATE
 * with known attributes only (RFC 2407 §4.4.5; the first such is taken). */
static void parse_comp(const struct proto_proposal *p, struct comp_part *ret)
{
	struct proto_iter ti;
	struct proto_transform t;
	uint32_t cpi;
	unsigned looked = 0;
	ret->seen = true;
	if (!proposal_spi(p, &cpi) || cpi < IKE_CPI_MIN)
		return;
	ret->cpi = (uint16_t)cpi;
	proto_transforms_begin(&ti, p);
	while (!ret->usable && looked++ < PROTO_IKE_CONSIDER_MAX &&
	       proto_transforms_next(&ti, &t)) {
		struct ike_p2_choice a;
		memset(&a, 0, sizeof(a));
		if (t.id != IPCOMP_DEFLATE || !parse_p2_attrs(&t, &a) || a.prop.auth ||
		    a.prop.key_bits)
			continue;
		ret->usable = true;
		ret->xf_number = t.number;
		ret->transform = t.id;
		ret->mode = a.mode;
	}
}

static bool p2_eq(const struct proto_ike_p2_prop *a, const struct proto_ike_p2_prop *b)
{
	return a->protocol == b->protocol && a->transform == b->transform &&
	       a->key_bits == b->key_bits && a->auth == b->auth;
}

#define IKE_SUITE_MAX 3 /* proposals kept per number: enough to see a suite we do not take */

/*
 * Adds the transforms of one suite (the ns proposals sharing a number, RFC 2408 §4.2 "AND") to
 * out[n..], returning the new count: ESP or AH, alone or with one IPComp proposal (RFC 2407
 * §4.4.1). Other combinations (AH+ESP, two of a kind) are not supported and skipped.
 */
static unsigned collect_suite(const struct proto_proposal *v, unsigned ns,
			      struct ike_p2_choice *out, unsigned n)
{
	const struct proto_proposal *ipsec_p = NULL;
	struct comp_part comp = {0};
	struct proto_iter ti;
	struct proto_transform t;
	uint32_t spi;
	for (unsigned i = 0; i < ns; i++) {
		bool ipsec = v[i].protocol == PROTO_IPSEC_ESP || v[i].protocol == PROTO_IPSEC_AH;
		if (ipsec && !ipsec_p) {
			ipsec_p = &v[i];
		} else if (v[i].protocol == PROTO_IPCOMP && !comp.seen) {
			parse_comp(&v[i], &comp);
			comp.first = !ipsec_p;
		} else {
			return n;
		}
	}
	if (!ipsec_p || !proposal_spi(ipsec_p, &spi))
		return n;
	proto_transforms_begin(&ti, ipsec_p);
	while (n < PROTO_IKE_CONSIDER_MAX && proto_transforms_next(&ti, &t)) {
		struct ike_p2_choice *ch = &out[n];
		if (!parse_p2_xf(ipsec_p, &t, spi, ch))
			continue;
		ch->comp_seen = comp.seen;
		ch->comp = comp.usable && (comp.mode == 0 || comp.mode == ch->mode);
		ch->comp_first = comp.first;
		ch->comp_xf_number = comp.xf_number;
		ch->comp_transform = comp.transform;
		ch->cpi_out = comp.cpi;
		n++;
	}
	return n;
}

unsigned proto_ike_p2_collect(const struct proto_sa *sa, struct ike_p2_choice *out)
{
	struct proto_iter pi;
	struct proto_proposal p, suite[IKE_SUITE_MAX];
	unsigned n = 0, ns = 0;
	bool too_many = false;
	/* The decoder checked that proposal numbers never decrease: a suite is a run. */
	proto_proposals_begin(&pi, sa);
	while (n < PROTO_IKE_CONSIDER_MAX && proto_proposals_next(&pi, &p)) {
		if (ns && p.number != suite[0].number) {
			if (!too_many)
				n = collect_suite(suite, ns, out, n);
			ns = 0;
			too_many = false;
		}
		if (ns < IKE_SUITE_MAX)
			suite[ns++] = p;
		else
			too_many = true;
	}
	if (ns && !too_many && n < PROTO_IKE_CONSIDER_MAX)
		n = collect_suite(suite, ns, out, n);
	return n;
}

/* Whether the peer's suite p is our proposal own, in conn's mode and PFS (has_ke: a KE came). */
static bool p2_fits(const struct proto_ike_conn *conn, const struct proto_ike_p2_prop *own,
		    const struct ike_p2_choice *p, bool has_ke)
{
	uint16_t want_group = has_ke ? conn->pfs_group : 0;
	if (!p2_eq(&p->prop, own) || p->mode != conn->mode || p->group != want_group ||
	    has_ke != (conn->pfs_group != 0))
		return false;
	if (!conn->strict_lifetime)
		return true;
	/* lifetimecheck=strict: an offer that outlives ours is refused, not shortened */
	uint32_t life = conn->ipsec_lifetime_s ? conn->ipsec_lifetime_s : IPSEC_LIFETIME_DEFAULT;
	uint32_t offered = p->offered_life_s ? p->offered_life_s : IPSEC_LIFETIME_DEFAULT;
	return offered <= life &&
	       (!conn->ipsec_lifetime_kb ||
		(p->offered_life_kb && p->offered_life_kb <= conn->ipsec_lifetime_kb));
}

/*
 * The responder picks by its own preference order. With compress=yes the suites whose IPComp it
 * can use come first, then those without IPComp; with compress=no only the latter. A suite whose
 * IPComp part is refused is refused whole (RFC 2408 §4.2: the proposals of one number are taken
 * or left together), so an initiator that wants compression but can do without offers the same
 * proposals again without IPComp, as ours does.
 */
bool proto_ike_p2_pick(const struct proto_ike_conn *conn, const struct ike_p2_choice *peer,
		       unsigned n, bool has_ke, struct ike_p2_choice *ret)
{
	for (int pass = conn->compress ? 0 : 1; pass < 2; pass++)
		for (unsigned j = 0; j < conn->n_esp && j < PROTO_IKE_P2_PROPS_MAX; j++)
			for (unsigned i = 0; i < n; i++) {
				const struct ike_p2_choice *p = &peer[i];
				if ((pass == 0 ? !p->comp : p->comp_seen) ||
				    !p2_fits(conn, &conn->esp[j], p, has_ke))
					continue;
				*ret = *p;
				return true;
			}
	return false;
}

/* "AES-CBC-128/HMAC-SHA2-256+pfs+IPComp, ..." for a failure message. */
static void p2_offer_str(const struct ike_p2_choice *v, unsigned n, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < n && at + 1 < len; i++) {
		char one[80];
		proto_ike_p2_str(&v[i].prop, one, sizeof(one));
		int w = snprintf(buf + at, len - at, "%s%s%s%s", i ? ", " : "", one,
				 v[i].group ? "+pfs" : "",
				 !v[i].comp_seen ? ""
				 : v[i].comp	 ? "+IPComp"
						 : "+IPComp(unusable)");
		at += w > 0 ? (size_t)w : 0;
	}
}

bool proto_ike_select_p2(struct ike_ctx *c, const struct proto_sa *sa, bool has_ke)
{
	struct ike_xchg *x = c->x;
	struct ike_p2_choice peer[PROTO_IKE_CONSIDER_MAX], ch;
	unsigned n = proto_ike_p2_collect(sa, peer);
	if (proto_ike_p2_pick(&x->qm->conn, peer, n, has_ke, &ch)) {
		x->qm->chosen = ch;
		x->qm->chosen.valid = true;
		x->qm->chosen.cpi_len = 2;
		uint32_t own = x->qm->conn.ipsec_lifetime_s ? x->qm->conn.ipsec_lifetime_s
							    : IPSEC_LIFETIME_DEFAULT;
		uint32_t offered = ch.offered_life_s ? ch.offered_life_s : IPSEC_LIFETIME_DEFAULT;
		x->qm->chosen.lifetime_s = offered < own ? offered : own;
		x->qm->chosen.lifetime_kb = ch.offered_life_kb;
		if (x->qm->conn.ipsec_lifetime_kb &&
		    (!ch.offered_life_kb || ch.offered_life_kb > x->qm->conn.ipsec_lifetime_kb))
			x->qm->chosen.lifetime_kb = x->qm->conn.ipsec_lifetime_kb;
		x->qm->resp_lifetime = x->qm->chosen.lifetime_s != offered ||
				       x->qm->chosen.lifetime_kb != ch.offered_life_kb;
		return true;
	}
	char offered[512], ours[512] = "";
	size_t at = 0;
	p2_offer_str(peer, n, offered, sizeof(offered));
	for (unsigned j = 0; j < x->qm->conn.n_esp && at + 1 < sizeof(ours); j++) {
		char one[80];
		proto_ike_p2_str(&x->qm->conn.esp[j], one, sizeof(one));
		int w = snprintf(ours + at, sizeof(ours) - at, "%s%s", j ? ", " : "", one);
		at += w > 0 ? (size_t)w : 0;
	}
	c->notify = ISAKMP_N_NO_PROPOSAL_CHOSEN;
	struct proto_ike_conn lenient = x->qm->conn;
	lenient.strict_lifetime = false;
	struct ike_p2_choice too_long;
	if (x->qm->conn.strict_lifetime &&
	    proto_ike_p2_pick(&lenient, peer, n, has_ke, &too_long)) {
		/* only the lifetime stood in the way */
		char one[80];
		proto_ike_p2_str(&too_long.prop, one, sizeof(one));
		proto_ike_fail(
			c, PROTO_IKE_E_LIFETIME,
			"lifetime refused: peer offered %s with a lifetime of %u s and %u KB, we "
			"accept at most %u s and %u KB (0: no limit) (lifetimecheck=strict)",
			one,
			too_long.offered_life_s ? too_long.offered_life_s : IPSEC_LIFETIME_DEFAULT,
			too_long.offered_life_kb,
			x->qm->conn.ipsec_lifetime_s ? x->qm->conn.ipsec_lifetime_s
						     : IPSEC_LIFETIME_DEFAULT,
			x->qm->conn.ipsec_lifetime_kb);
		return false;
	}
	proto_ike_fail(c, PROTO_IKE_E_NO_PROPOSAL,
		       "no proposal chosen: peer offered %s%s, we accept %s (%s, pfs group %u, %s)",
		       n ? offered : "nothing usable", has_ke ? " with PFS" : "", ours,
		       x->qm->conn.mode == ENCAP_TRANSPORT ? "transport" : "tunnel",
		       x->qm->conn.pfs_group,
		       x->qm->conn.compress ? "IPComp or none" : "no IPComp");
	return false;
}

/* The responder's SA: the chosen suite with our SPI (and CPI) and the initiator's attributes
 * echoed. */
void proto_ike_put_p2_reply(struct ike_ctx *c, struct proto_builder *b)
{
	proto_ike_put_p2_choice(c->sa, b, &c->x->qm->chosen);
}

/*
 * The initiator checks the responder's choice is one of its offers and takes its SPI (and CPI).
 * A responder may leave out the IPComp part of a suite we offered with it: strictly that is not
 * the suite we offered (RFC 2408 §4.2), but the ESP/AH part is exactly ours and compression is
 * an optional service, so we go on without it.
 * RFC 2408 §4.2 also asks for one suite in the reply, but strongSwan 5.9, offered the same
 * ESP proposal with and without IPComp, echoes its choice under each of those numbers (seen in
 * tests/netns/ipcomp.sh). Such a reply is taken when every copy describes the same ESP/AH SA;
 * the copy with a CPI wins, as a responder that sent one compresses.
 */
bool proto_ike_p2_reply_ok(struct ike_ctx *c, const struct proto_sa *sa)
{
	struct ike_xchg *x = c->x;
	struct ike_p2_choice got[PROTO_IKE_CONSIDER_MAX];
	unsigned n = proto_ike_p2_collect(sa, got), k = 0;
	bool same = n > 0;
	for (unsigned i = 1; i < n; i++) {
		same = same && p2_eq(&got[i].prop, &got[0].prop) && got[i].mode == got[0].mode &&
		       got[i].group == got[0].group && got[i].spi_out == got[0].spi_out;
		if (!got[k].comp_seen && got[i].comp_seen)
			k = i;
	}
	for (unsigned i = 0; same && i < x->qm->n_offer; i++) {
		const struct ike_p2_choice *o = &x->qm->offer[i], *g = &got[k];
		if (o->number != g->number || !p2_eq(&o->prop, &g->prop) || o->mode != g->mode ||
		    o->group != g->group)
			continue;
		if (g->comp_seen &&
		    (!o->comp || !g->comp || g->comp_transform != o->comp_transform)) {
			proto_ike_fail(
				c, PROTO_IKE_E_NO_PROPOSAL,
				"the responder's IPComp part is not one we offered or can use "
				"(transform %u, CPI %u)",
				g->comp_transform, g->cpi_out);
			return false;
		}
		x->qm->chosen = *o;
		x->qm->chosen.valid = true;
		x->qm->chosen.spi_out = g->spi_out;
		x->qm->chosen.comp = g->comp;
		x->qm->chosen.cpi_out = g->cpi_out;
		x->qm->chosen.lifetime_s = o->offered_life_s;
		x->qm->chosen.lifetime_kb = o->offered_life_kb;
		if (n > 1)
			proto_ike_log(
				c->e, PROTO_LOG_DEBUG,
				"\"%s\" #%llu: quick mode %08x: the responder repeated its choice "
				"in "
				"%u proposals; taking #%u",
				x->qm->conn.name, (unsigned long long)c->sa->id, x->msgid, n,
				g->number);
		if (o->comp && !g->comp)
			proto_ike_log(
				c->e, PROTO_LOG_INFO,
				"\"%s\" #%llu: quick mode %08x: the responder declined IPComp",
				x->qm->conn.name, (unsigned long long)c->sa->id, x->msgid);
		return true;
	}
	char one[96] = "nothing usable";
	if (n) {
		proto_ike_p2_str(&got[k].prop, one, sizeof(one));
		snprintf(one + strlen(one), sizeof(one) - strlen(one), " #%u%s", got[k].number,
			 got[k].comp_seen ? "+IPComp" : "");
	}
	proto_ike_fail(c, PROTO_IKE_E_NO_PROPOSAL,
		       "the responder chose a proposal we did not offer (%s%s)", one,
		       n > 1 ? (same ? ", repeated" : ", and others") : "");
	return false;
}

void proto_ike_sa_offer_str(const struct proto_sa *sa, char *buf, size_t len)
{
	struct proto_iter pi;
	struct proto_proposal p;
	proto_proposals_begin(&pi, sa);
	bool p1 = proto_proposals_next(&pi, &p) && p.protocol == PROTO_ISAKMP;
	if (p1) {
		struct p1_xf xf[PROTO_IKE_CONSIDER_MAX];
		uint8_t pnum = 0;
		unsigned n = collect_p1(sa, xf, &pnum);
		p1_offer_str(xf, n, buf, len);
	} else {
		struct ike_p2_choice v[PROTO_IKE_CONSIDER_MAX];
		unsigned n = proto_ike_p2_collect(sa, v);
		p2_offer_str(v, n, buf, len);
	}
	if (!buf[0])
		snprintf(buf, len, "nothing usable");
}
