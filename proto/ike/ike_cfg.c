// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Transaction exchange (ISAKMP exchange type 6, draft-ietf-ipsec-isakmp-mode-cfg), the
 * carrier of XAUTH and Mode-Config. Each REQUEST/REPLY and each SET/ACK pair is one exchange
 * with a fresh random message ID and its own phase-2 IV (RFC 2409 Appendix B), run in a slot
 * like a Quick Mode:
 *
 *   Initiator                                  Responder
 *   HDR*, HASH, ATTR(REQUEST | SET, id)   -->
 *                                         <--  HDR*, HASH, ATTR(REPLY | ACK, id echoed)
 *
 * HASH = prf(SKEYID_a, M-ID | ATTR), the rest of the message after the HASH payload, for all
 * four types (the Informational formula, RFC 2409 §5.7). The initiator retransmits like any
 * exchange; the responder keeps its answer IKE_QM_LINGER_MS for a resent first message. The
 * attributes are the policy's (struct proto_ike_policy's cfg): the engine only checks that they
 * are well-formed ISAKMP data attributes. A message that comes before our phase 1 is done (our
 * last phase-1 message in is lost, the peer went on) is kept and run after it (ike_input.c).
 * On an SA that runs XAUTH or Mode-Config (sa->ra.on) the engine's own ike_xauth.c takes the
 * attributes instead of the policy's cfg.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto/ike/engine_int.h"

static struct ike_cfg_data *cfg_of(struct ike_xchg *x)
{
	return x->data;
}

/* Walks the data attributes of a message (TV: the type's high bit set, a 2-byte value; TLV: a
 * 2-byte length and the value) and, with b, appends each to b's open attribute payload. */
static bool attrs_walk(const uint8_t *p, size_t len, struct proto_builder *b)
{
	size_t off = 0;
	while (off < len) {
		if (len - off < 4)
			return false;
		uint16_t type = (uint16_t)(p[off] << 8 | p[off + 1]);
		uint16_t v = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
		size_t vlen = type & 0x8000 ? 0 : v;
		if (len - off - 4 < vlen)
			return false;
		if (b && type & 0x8000)
			proto_put_attr_tv(b, type & 0x7fff, v);
		else if (b)
			proto_put_attr_tlv(b, type, p + off + 4, vlen);
		off += 4 + vlen;
	}
	return true;
}

/* Builds HDR*, HASH, ATTR(m) for x. */
static bool cfg_put(struct ike_ctx *c, const struct proto_ike_cfg_msg *m)
{
	struct proto_builder b;
	uint8_t zero[CRYPTO_HASH_MAX_LEN] = {0};
	proto_ike_msg_begin(c, &b, true);
	size_t hoff = proto_put_hash(&b, zero, c->sa->keys.prf_len);
	proto_put_cfg(&b, m->type, m->identifier);
	if (!attrs_walk(m->attrs, m->len, &b))
		return false;
	return proto_ike_msg_end_hash(c, &b, hoff, IKE_HASH_INFO);
}

/* The peer's HASH checked and its ATTR payload taken into in; false (logged): drop. */
static bool cfg_take(struct ike_ctx *c, struct proto_ike_cfg_msg *in)
{
	const struct proto_payload *a = proto_msg_find(c->msg, ISAKMP_PL_ATTR, 0);
	const char *why = NULL;
	if (!proto_ike_qm_verify_hash(c, IKE_HASH_INFO))
		why = "bad HASH";
	else if (!a || proto_msg_count(c->msg, ISAKMP_PL_ATTR) != 1 ||
		 a->u.cfg.attrs.len > sizeof(in->attrs) ||
		 !attrs_walk(a->u.cfg.attrs.p, a->u.cfg.attrs.len, NULL))
		why = "malformed attributes";
	if (why) {
		proto_ike_log(c->e, PROTO_LOG_INFO, "\"%s\" #%llu: transaction %08x dropped: %s",
			      c->sa->conn->name, (unsigned long long)c->sa->id, c->x->msgid, why);
		return false;
	}
	crypto_iv_state_commit(&c->x->iv); /* authenticated: the CBC chain goes on from it */
	in->type = a->u.cfg.type;
	in->identifier = a->u.cfg.identifier;
	in->len = a->u.cfg.attrs.len;
	memcpy(in->attrs, a->u.cfg.attrs.p, in->len);
	return true;
}

/* HDR*, HASH, ATTR(REQUEST | SET) --> */
static enum ike_ret cfg_i_send(struct ike_ctx *c)
{
	struct proto_ike_cfg_msg *out = &cfg_of(c->x)->out;
	bool ok = cfg_put(c, out);
	explicit_bzero(out->attrs, sizeof(out->attrs)); /* an XAUTH password: sent, not kept */
	if (ok)
		return IKE_NEXT;
	proto_ike_fail(c, PROTO_IKE_E_INTERNAL, "could not build the message");
	return IKE_FAIL;
}

/* <-- HDR*, HASH, ATTR(REPLY | ACK): the answer to our REQUEST or SET, with its identifier. */
static enum ike_ret cfg_i_recv(struct ike_ctx *c)
{
	const struct proto_ike_cfg_msg *out = &cfg_of(c->x)->out;
	struct proto_ike_cfg_msg in;
	if (!cfg_take(c, &in))
		return IKE_DROP;
	uint8_t want = out->type == PROTO_IKE_CFG_REQUEST ? PROTO_IKE_CFG_REPLY : PROTO_IKE_CFG_ACK;
	if (in.type != want || in.identifier != out->identifier) {
		proto_ike_log(c->e, PROTO_LOG_INFO,
			      "\"%s\" #%llu: transaction %08x: answer of type %u, identifier %u "
			      "dropped (expected type %u, identifier %u)",
			      c->sa->conn->name, (unsigned long long)c->sa->id, c->x->msgid,
			      in.type, in.identifier, want, out->identifier);
		return IKE_DROP;
	}
	if (c->sa->ra.on)
		proto_ike_ra_answered(c, &in);
	else
		c->e->pol.cfg(c->e->pol.ctx, c->sa->conn, c->sa->id, c->x->msgid, &in, NULL, NULL);
	explicit_bzero(&in, sizeof(in));
	return IKE_DONE;
}

/* HDR*, HASH, ATTR(REQUEST | SET) --> <-- HDR*, HASH, ATTR(REPLY | ACK): the policy answers. */
static enum ike_ret cfg_r_recv_send(struct ike_ctx *c)
{
	struct proto_ike_cfg_msg in, *out = &cfg_of(c->x)->out;
	if (!cfg_take(c, &in))
		return IKE_DROP;
	if (in.type != PROTO_IKE_CFG_REQUEST && in.type != PROTO_IKE_CFG_SET) {
		proto_ike_log(c->e, PROTO_LOG_INFO,
			      "\"%s\" #%llu: transaction %08x starting with type %u dropped",
			      c->sa->conn->name, (unsigned long long)c->sa->id, c->x->msgid,
			      in.type);
		return IKE_DROP;
	}
	memset(out, 0, sizeof(*out));
	int r = c->sa->ra.on ? proto_ike_ra_answer(c, &in, out)
			     : c->e->pol.cfg(c->e->pol.ctx, c->sa->conn, c->sa->id, c->x->msgid,
					     &in, out, NULL);
	uint8_t type = in.type;
	uint16_t id = in.identifier;
	explicit_bzero(&in, sizeof(in));
	if (r < 0 || out->len > sizeof(out->attrs) || !attrs_walk(out->attrs, out->len, NULL)) {
		explicit_bzero(out, sizeof(*out));
		proto_ike_fail(c, PROTO_IKE_E_POLICY, "the policy refused a transaction of type %u",
			       type);
		return IKE_FAIL;
	}
	out->type = type == PROTO_IKE_CFG_REQUEST ? PROTO_IKE_CFG_REPLY : PROTO_IKE_CFG_ACK;
	out->identifier = id;
	bool ok = cfg_put(c, out);
	explicit_bzero(out->attrs, sizeof(out->attrs)); /* an XAUTH password: sent, not kept */
	return ok ? IKE_DONE : IKE_FAIL;
}

#define PL_CFG (PL(ISAKMP_PL_HASH) | PL(ISAKMP_PL_ATTR))

static const struct ike_row cfg_i_rows[] = {
	/* HDR*, HASH, ATTR(REQUEST | SET) --> */
	{S_CFG_I_START, S_CFG_I1_SENT, EV_START, 0, 0, NULL, cfg_i_send, true},
	/* <-- HDR*, HASH, ATTR(REPLY | ACK) */
	{S_CFG_I1_SENT, S_CFG_I_DONE, EV_RECV, PL_CFG, PL_CFG, NULL, cfg_i_recv, false},
};

static const struct ike_row cfg_r_rows[] = {
	/* HDR*, HASH, ATTR(REQUEST | SET) --> <-- HDR*, HASH, ATTR(REPLY | ACK) */
	{S_CFG_R_START, S_CFG_R_DONE, EV_RECV, PL_CFG, PL_CFG, NULL, cfg_r_recv_send, false},
};

const struct ike_table proto_ike_cfg_i_table = {"CFG-I", cfg_i_rows,
						sizeof(cfg_i_rows) / sizeof(cfg_i_rows[0])};
const struct ike_table proto_ike_cfg_r_table = {"CFG-R", cfg_r_rows,
						sizeof(cfg_r_rows) / sizeof(cfg_r_rows[0])};

/* The kind's hooks (ike_kind.c): the policy hears of a failed exchange it started. */
bool proto_ike_cfg_on_timeout(struct ike_sa *sa, struct ike_xchg *x, const char *text)
{
	proto_ike_log(sa->e, PROTO_LOG_INFO, "\"%s\" #%llu: transaction %08x failed: %s",
		      sa->conn->name, (unsigned long long)sa->id, x->msgid, text);
	if (x->initiator && sa->ra.on)
		proto_ike_ra_xchg_failed(sa, text);
	else if (x->initiator)
		sa->e->pol.cfg(sa->e->pol.ctx, sa->conn, sa->id, x->msgid, NULL, NULL, text);
	return true;
}

bool proto_ike_cfg_on_fail(struct ike_ctx *c, enum proto_ike_reason r, const char *text)
{
	(void)r;
	return proto_ike_cfg_on_timeout(c->sa, c->x, text);
}

int proto_ike_cfg_start(struct proto_ike_engine *e, uint64_t sa_id,
			const struct proto_ike_cfg_msg *m, uint32_t *ret_msgid)
{
	struct ike_sa *sa = proto_ike_sa_by_id(e, sa_id);
	if (!sa || !sa->established)
		return -ENOENT;
	if (!e->pol.cfg || sa->ra.on ||
	    (m->type != PROTO_IKE_CFG_REQUEST && m->type != PROTO_IKE_CFG_SET) ||
	    m->len > sizeof(m->attrs) || !attrs_walk(m->attrs, m->len, NULL))
		return -EINVAL;
	int r = proto_ike_cfg_begin(sa, m, ret_msgid);
	if (r == 0)
		proto_ike_slots_reclaim(sa);
	return r;
}

int proto_ike_cfg_begin(struct ike_sa *sa, const struct proto_ike_cfg_msg *m, uint32_t *ret_msgid)
{
	uint32_t msgid = proto_ike_msgid_new(sa);
	struct ike_xchg *x = proto_ike_xchg_new(sa, ISAKMP_XCHG_TRANSACTION, msgid, true);
	if (!x)
		return -EAGAIN;
	cfg_of(x)->out = *m;
	if (ret_msgid)
		*ret_msgid = msgid;
	struct ike_ctx c = {.e = sa->e, .sa = sa, .x = x};
	proto_ike_dispatch(&c, EV_START);
	return 0;
}
