// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Debug trace of the messages of an exchange, for interop work: for every message received and
 * sent, one line with its name and payload list ("recv MM3: KE NONCE NAT-D NAT-D, 1 VID"), the
 * vendor IDs received (by name when known, else in hex), and the proposals of every SA payload
 * (algorithms by name). Never a payload's content: no nonce, KE value, HASH, key or PSK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ike/engine_int.h"

/* Short payload names (RFC 2408 §3.1, RFC 3947 §3.2); NULL for other types. */
static const char *pl_short(uint8_t t)
{
	switch (t) {
	case ISAKMP_PL_SA:
		return "SA";
	case ISAKMP_PL_KE:
		return "KE";
	case ISAKMP_PL_ID:
		return "ID";
	case ISAKMP_PL_CERT:
		return "CERT";
	case ISAKMP_PL_CR:
		return "CR";
	case ISAKMP_PL_HASH:
		return "HASH";
	case ISAKMP_PL_SIG:
		return "SIG";
	case ISAKMP_PL_NONCE:
		return "NONCE";
	case ISAKMP_PL_N:
		return "N";
	case ISAKMP_PL_D:
		return "D";
	case ISAKMP_PL_ATTR:
		return "ATTR";
	case ISAKMP_PL_NAT_D:
		return "NAT-D";
	case ISAKMP_PL_NAT_OA:
		return "NAT-OA";
	case ISAKMP_PL_NAT_D_DRAFT:
		return "NAT-D(draft)";
	case ISAKMP_PL_NAT_OA_DRAFT:
		return "NAT-OA(draft)";
	case ISAKMP_PL_FRAG:
		return "FRAG";
	}
	return NULL;
}

/* Well-known vendor IDs: MD5 hashes of public strings (RFC 3947 §3.1, RFC 3706 §7), or their
 * published prefixes (fragmentation, XAUTH: followed by flags). */
static const struct {
	const char *name;
	uint8_t len; /* bytes compared */
	uint8_t v[16];
} known_vids[] = {
	{"RFC 3947 NAT-T",
	 16,
	 {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45,
	  0x2f}},
	{"draft-ietf-ipsec-nat-t-ike-02",
	 16,
	 {0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4,
	  0x48}},
	{"draft-ietf-ipsec-nat-t-ike-02\\n",
	 16,
	 {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b,
	  0x1f}},
	{"draft-ietf-ipsec-nat-t-ike-03",
	 16,
	 {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d,
	  0x56}},
	{"DPD (RFC 3706)",
	 16,
	 {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01,
	  0x00}},
	{"IKE fragmentation",
	 16,
	 {0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2,
	  0xd3}},
	{"XAUTH", 8, {0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12}},
	{"Cisco Unity",
	 16,
	 {0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9, 0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01,
	  0x00}},
	{"strongSwan",
	 16,
	 {0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc, 0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b,
	  0xeb}},
};

/* A vendor ID by name, or its first 32 bytes in hex (a vendor ID is public). */
static void vid_str(const struct proto_view *v, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(known_vids) / sizeof(known_vids[0]); i++)
		if (v->len >= known_vids[i].len &&
		    memcmp(v->p, known_vids[i].v, known_vids[i].len) == 0) {
			snprintf(buf, len, "%s", known_vids[i].name);
			return;
		}
	size_t at = 0, n = v->len < 32 ? v->len : 32;
	buf[0] = '\0';
	for (size_t i = 0; i < n && at + 3 <= len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%02x", v->p[i]);
	if (v->len > n && at + 4 <= len)
		snprintf(buf + at, len - at, "...");
}

/* The name of the message that state st receives (recv) or sends: "MM3", "QM2", or "". */
static const char *msg_name(enum ike_state st, bool sent)
{
	static const struct {
		enum ike_state st;
		const char *recv, *send;
	} t[] = {
		{S_MM_I_START, "", "MM1"},    {S_MM_I1_SENT, "MM2", "MM3"},
		{S_MM_I2_DH, "", "MM3"},      {S_MM_I3_SENT, "MM4", "MM5"},
		{S_MM_I4_DH, "", "MM5"},      {S_MM_I5_SENT, "MM6", ""},
		{S_MM_R_START, "MM1", "MM2"}, {S_MM_R2_SENT, "MM3", "MM4"},
		{S_MM_R3_DH, "", "MM4"},      {S_MM_R4_SENT, "MM5", "MM6"},
		{S_AM_I_START, "", "AM1"},    {S_AM_I0_DH, "", "AM1"},
		{S_AM_I1_SENT, "AM2", "AM3"}, {S_AM_I2_DH, "", "AM3"},
		{S_AM_R_START, "AM1", "AM2"}, {S_AM_R1_DH, "", "AM2"},
		{S_AM_R2_SENT, "AM3", ""},    {S_QM_I_START, "", "QM1"},
		{S_QM_I0_DH, "", "QM1"},      {S_QM_I1_SENT, "QM2", "QM3"},
		{S_QM_I2_DH, "", "QM3"},      {S_QM_I_DONE, "QM4", ""},
		{S_QM_R_START, "QM1", "QM2"}, {S_QM_R1_DH, "", "QM2"},
		{S_QM_R2_SENT, "QM3", "QM4"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].st == st)
			return sent ? t[i].send : t[i].recv;
	return "";
}

static bool tracing(const struct proto_ike_engine *e)
{
	return e->env.log &&
	       (!e->env.log_enabled || e->env.log_enabled(e->env.ctx, PROTO_LOG_DEBUG));
}

void proto_ike_trace_msg(struct ike_sa *sa, const struct ike_xchg *x, bool sent,
			 const struct proto_msg *m)
{
	char list[512], one[96];
	size_t at = 0;
	unsigned vids = 0;
	if (!tracing(sa->e))
		return;
	list[0] = '\0';
	for (unsigned i = 0; i < m->n && at + 1 < sizeof(list); i++) {
		const char *name = pl_short(m->pl[i].type);
		if (m->pl[i].type == ISAKMP_PL_VID) {
			vids++;
			continue;
		}
		if (!name)
			snprintf(one, sizeof(one), "#%u", m->pl[i].type), name = one;
		int w = snprintf(list + at, sizeof(list) - at, "%s%s", at ? " " : "", name);
		at += w > 0 ? (size_t)w : 0;
	}
	const char *mn = msg_name(x->state, sent);
	char xn[48];
	if (!*mn)
		mn = proto_name_buf(PROTO_NAMES_EXCHANGE, x->type, xn, sizeof(xn));
	char vn[24] = "", id[16] = "";
	if (vids)
		snprintf(vn, sizeof(vn), "%s%u VID", at ? ", " : "", vids);
	if (x->msgid)
		snprintf(id, sizeof(id), " %08x", x->msgid);
	proto_ike_log(sa->e, PROTO_LOG_DEBUG, "#%llu: %s %s%s: %s%s%s", (unsigned long long)sa->id,
		      sent ? "send" : "recv", mn, id, list, vn, m->n ? "" : "(no payload)");
	for (unsigned i = 0; i < m->n; i++) {
		const struct proto_payload *p = &m->pl[i];
		if (p->type == ISAKMP_PL_VID && !sent) {
			vid_str(&p->u.data, one, sizeof(one));
			proto_ike_log(sa->e, PROTO_LOG_DEBUG, "#%llu: recv VID %s",
				      (unsigned long long)sa->id, one);
		} else if (p->type == ISAKMP_PL_SA) {
			char props[640];
			proto_ike_sa_offer_str(&p->u.sa, props, sizeof(props));
			proto_ike_log(sa->e, PROTO_LOG_DEBUG, "#%llu: %s %s%s proposals: %s",
				      (unsigned long long)sa->id, sent ? "send" : "recv", mn, id,
				      props);
		}
	}
}

void proto_ike_trace_sent(struct ike_sa *sa, const struct ike_xchg *x, const uint8_t *buf, size_t n)
{
	if (!tracing(sa->e) || n < PROTO_HDR_LEN)
		return;
	struct proto_msg *m = malloc(sizeof(*m));
	if (!m)
		return;
	/* our own plaintext, before encryption: it decodes (payloads up to an error are kept) */
	proto_decode_payloads(buf[16], buf + PROTO_HDR_LEN, n - PROTO_HDR_LEN, 0, m);
	proto_ike_trace_msg(sa, x, true, m);
	free(m);
}
