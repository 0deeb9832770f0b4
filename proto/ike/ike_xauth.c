// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * XAUTH (draft-beaulieu-ike-xauth) and Mode-Config (draft-dukes-ike-mode-cfg) after phase 1, on
 * the Transaction exchange (ike_cfg.c), server and client. The side the negotiated method makes
 * XAUTH-authenticated is the client (ike_auth.c), the other the server; each pair of messages
 * is one exchange with a fresh message ID:
 *
 *   server                                      client
 *   ATTR(REQUEST: USER_NAME, USER_PASSWORD) -->
 *                                           <-- ATTR(REPLY: USER_NAME=u, USER_PASSWORD=p)
 *   (the policy checks; -EAGAIN: another REQUEST, at most PROTO_IKE_XAUTH_ROUNDS_MAX)
 *   ATTR(SET: STATUS=1 | 0)                 -->
 *                                           <-- ATTR(ACK: STATUS)
 *   then Mode-Config, pull:                 <-- ATTR(REQUEST: INTERNAL_IP4_ADDRESS, ...)
 *                   ATTR(REPLY: values)     -->
 *   or push:        ATTR(SET: values)       -->
 *                                           <-- ATTR(ACK: types)
 *
 * The ISAKMP SA counts as up (P1_UP, Quick Mode) once both are done; STATUS=0, a refused step
 * or PROTO_IKE_RA_TIMEOUT_MS without completion end it. Passwords go from the policy to the
 * wire and back, are wiped after use (ike_cfg.c) and never reach a log line: only the user
 * name is logged. The engine answers what it is asked from its state: a REQUEST carrying XAUTH
 * attributes is XAUTH, any other is Mode-Config.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/cfg_attr.h"
#include "proto/ike/engine_int.h"

static bool cfg_wanted(const struct ike_sa *sa)
{
	return sa->conn->modecfg != PROTO_IKE_MODECFG_NONE;
}

/* Ends the SA at its timer (now): a Delete, P1_FAILED with reason and why. */
__attribute__((format(printf, 3, 4))) static void
ra_fail(struct ike_sa *sa, enum proto_ike_reason r, const char *fmt, ...)
{
	va_list ap;
	if (sa->ra.fail)
		return;
	va_start(ap, fmt);
	vsnprintf(sa->ra.why, sizeof(sa->ra.why), fmt, ap);
	va_end(ap);
	sa->ra.fail = (uint8_t)r;
	sa->ra.deadline = proto_ike_now(sa->e);
	proto_ike_sa_update_timer(sa);
}

/* The policy's callback, with a list decoded from a message (NULL: none). */
static int call(struct ike_sa *sa, enum proto_ike_ra_op op, const struct proto_cfg_list *in,
		struct proto_cfg_out *out)
{
	return sa->e->pol.ra(sa->e->pol.ctx, sa->conn, sa->id, op, in, out);
}

/* Starts one of our exchanges with the attributes in o (wiped here). */
static void send_attrs(struct ike_sa *sa, uint8_t type, uint8_t sent, struct proto_cfg_out *o)
{
	struct proto_ike_cfg_msg m = {.type = type};
	uint8_t id[2];
	proto_ike_random(sa->e, id, sizeof(id));
	m.identifier = (uint16_t)(id[0] << 8 | id[1]);
	if (o->bad || o->len > sizeof(m.attrs)) {
		ra_fail(sa, PROTO_IKE_E_INTERNAL, "transaction attributes do not fit");
	} else {
		memcpy(m.attrs, o->buf, o->len);
		m.len = o->len;
		sa->ra.busy = true;
		sa->ra.sent = sent;
		if (proto_ike_cfg_begin(sa, &m, NULL) < 0) {
			sa->ra.busy = false;
			ra_fail(sa, PROTO_IKE_E_INTERNAL,
				"no free exchange slot for a transaction");
		}
	}
	explicit_bzero(&m, sizeof(m));
	explicit_bzero(o, sizeof(*o));
}

/* Server: REQUEST(USER_NAME, USER_PASSWORD) after what the policy adds, unless it defers. */
static void xauth_request(struct ike_sa *sa)
{
	struct proto_cfg_out o = {0};
	int r = call(sa, PROTO_IKE_RA_XAUTH_REQUEST, NULL, &o);
	if (r > 0) {
		sa->ra.deferred = true;
		return;
	}
	if (r < 0) {
		ra_fail(sa, PROTO_IKE_E_XAUTH_FAILED, "the policy refused to start XAUTH");
		return;
	}
	proto_cfg_put_tlv(&o, XAUTH_USER_NAME, NULL, 0);
	proto_cfg_put_tlv(&o, XAUTH_USER_PASSWORD, NULL, 0);
	sa->ra.rounds++;
	send_attrs(sa, PROTO_IKE_CFG_REQUEST, RA_SENT_XAUTH_REQ, &o);
}

static void xauth_status(struct ike_sa *sa)
{
	struct proto_cfg_out o = {0};
	proto_cfg_put_tv(&o, XAUTH_STATUS, sa->ra.status == RA_ST_OK);
	send_attrs(sa, PROTO_IKE_CFG_SET, RA_SENT_STATUS, &o);
}

/* Client pull (REQUEST) or server push (SET) of Mode-Config. */
static void cfg_start(struct ike_sa *sa, bool push)
{
	struct proto_cfg_out o = {0};
	if (call(sa, push ? PROTO_IKE_RA_CFG_PUSH : PROTO_IKE_RA_CFG_REQUEST, NULL, &o) < 0) {
		explicit_bzero(&o, sizeof(o));
		ra_fail(sa, PROTO_IKE_E_MODECFG, "the policy refused Mode-Config %s",
			push ? "push" : "request");
		return;
	}
	send_attrs(sa, push ? PROTO_IKE_CFG_SET : PROTO_IKE_CFG_REQUEST,
		   push ? RA_SENT_CFG_SET : RA_SENT_CFG_REQ, &o);
}

/* What we start next, if anything; the SA comes up when all is done. */
static void ra_step(struct ike_sa *sa)
{
	struct ike_ra *ra = &sa->ra;
	if (!ra->pending || ra->fail || ra->busy)
		return;
	if (ra->xauth && !ra->xauth_done) {
		if (!ra->xauth_server || ra->wait_check || ra->deferred)
			return;
		if (ra->status)
			xauth_status(sa);
		else
			xauth_request(sa);
		return;
	}
	if (cfg_wanted(sa) && !ra->cfg_done) {
		if (sa->conn->modecfg == PROTO_IKE_MODECFG_CLIENT_PULL)
			cfg_start(sa, false);
		else if (sa->conn->modecfg == PROTO_IKE_MODECFG_SERVER_PUSH)
			cfg_start(sa, true);
		return;
	}
	ra->pending = false;
	ra->deadline = 0;
	proto_ike_log(sa->e, PROTO_LOG_INFO, "\"%s\" #%llu: %s%s%s done", sa->conn->name,
		      (unsigned long long)sa->id, ra->xauth ? "XAUTH" : "",
		      ra->xauth && cfg_wanted(sa) ? " and " : "",
		      cfg_wanted(sa) ? "Mode-Config" : "");
	proto_ike_p1_up(sa);
}

void proto_ike_ra_begin(struct ike_sa *sa)
{
	const struct ike_auth_method *a = proto_ike_auth_get(sa->prop.auth);
	struct ike_ra *ra = &sa->ra;
	memset(ra, 0, sizeof(*ra));
	ra->xauth = a && a->xauth;
	ra->xauth_server = proto_ike_auth_xauth_server(sa);
	if (!ra->xauth && !cfg_wanted(sa)) {
		proto_ike_p1_up(sa);
		return;
	}
	ra->on = ra->pending = true;
	ra->deadline = proto_ike_now(sa->e) + PROTO_IKE_RA_TIMEOUT_MS;
	if (!sa->e->pol.ra) {
		ra_fail(sa, PROTO_IKE_E_POLICY, "XAUTH/Mode-Config needed, and no policy for them");
		return;
	}
	proto_ike_log(sa->e, PROTO_LOG_INFO, "\"%s\" #%llu: waiting for %s%s%s", sa->conn->name,
		      (unsigned long long)sa->id,
		      ra->xauth ? (ra->xauth_server ? "XAUTH (server)" : "XAUTH (client)") : "",
		      ra->xauth && cfg_wanted(sa) ? " and " : "",
		      cfg_wanted(sa) ? "Mode-Config" : "");
	ra_step(sa);
}

/* The attributes of a list, one info line each (secrets hidden by their kind). */
static void log_attrs(struct ike_sa *sa, const char *what, const struct proto_cfg_list *l)
{
	char line[200];
	for (unsigned i = 0; i < l->n && i < PROTO_CFG_ATTRS_MAX; i++) {
		proto_cfg_attr_str(&l->a[i], line, sizeof(line));
		proto_ike_log(sa->e, PROTO_LOG_INFO, "\"%s\" #%llu: Mode-Config %s %s",
			      sa->conn->name, (unsigned long long)sa->id, what, line);
	}
}

/* The XAUTH user name of a REPLY, printable, for logs. */
static void take_user(struct ike_sa *sa, const struct proto_cfg_list *l)
{
	const struct proto_cfg_attr *u = proto_cfg_find(l, XAUTH_USER_NAME, NULL);
	size_t n = 0;
	for (size_t i = 0; u && i < u->value.len && n + 1 < sizeof(sa->ra.user); i++)
		sa->ra.user[n++] =
			u->value.p[i] >= 32 && u->value.p[i] < 127 && u->value.p[i] != '"'
				? (char)u->value.p[i]
				: '?';
	sa->ra.user[n] = 0;
}

static bool has_xauth(const struct proto_cfg_list *l)
{
	for (unsigned i = 0; i < l->n && i < PROTO_CFG_ATTRS_MAX; i++)
		if (l->a[i].type >= XAUTH_TYPE && l->a[i].type <= XAUTH_ANSWER)
			return true;
	return false;
}

/* Client: the server's REQUEST(USER_NAME, USER_PASSWORD): the policy's credentials. */
static int xauth_reply(struct ike_sa *sa, const struct proto_cfg_list *l, struct proto_cfg_out *o)
{
	if (!sa->ra.xauth || sa->ra.xauth_server || sa->ra.xauth_done)
		return -EPERM;
	if (call(sa, PROTO_IKE_RA_XAUTH_REPLY, l, o) < 0) {
		ra_fail(sa, PROTO_IKE_E_XAUTH_FAILED, "no XAUTH credentials for \"%s\"",
			sa->conn->name);
		return -ENOENT;
	}
	proto_ike_log(sa->e, PROTO_LOG_INFO, "\"%s\" #%llu: XAUTH: answered the server's request",
		      sa->conn->name, (unsigned long long)sa->id);
	return 0;
}

/* Client: SET(STATUS), ACKed with the status echoed. */
static int xauth_set(struct ike_sa *sa, const struct proto_cfg_list *l, struct proto_cfg_out *o)
{
	const struct proto_cfg_attr *st = proto_cfg_find(l, XAUTH_STATUS, NULL);
	if (!sa->ra.xauth || sa->ra.xauth_server || sa->ra.xauth_done)
		return -EPERM;
	call(sa, PROTO_IKE_RA_XAUTH_STATUS, l, NULL);
	proto_cfg_put_tv(o, XAUTH_STATUS, st->u16);
	if (st->u16 == 1) {
		sa->ra.xauth_done = true;
		proto_ike_log(sa->e, PROTO_LOG_INFO, "\"%s\" #%llu: XAUTH: the server accepted us",
			      sa->conn->name, (unsigned long long)sa->id);
	} else {
		ra_fail(sa, PROTO_IKE_E_XAUTH_FAILED, "the server refused our XAUTH credentials");
	}
	return 0;
}

/* Server pull: the client's REQUEST, the policy's REPLY. */
static int cfg_reply(struct ike_sa *sa, const struct proto_cfg_list *l, struct proto_cfg_out *o)
{
	uint8_t m = sa->conn->modecfg;
	if ((m != PROTO_IKE_MODECFG_SERVER_PULL && m != PROTO_IKE_MODECFG_SERVER_PUSH) ||
	    (sa->ra.xauth && !sa->ra.xauth_done))
		return -EPERM;
	if (call(sa, PROTO_IKE_RA_CFG_REPLY, l, o) < 0) {
		ra_fail(sa, PROTO_IKE_E_MODECFG, "the policy refused the Mode-Config request");
		return -EPERM;
	}
	sa->ra.cfg_done = true;
	return 0;
}

/* Client push: the server's SET; the ACK names the attributes taken, empty. */
static int cfg_set(struct ike_sa *sa, const struct proto_cfg_list *l, struct proto_cfg_out *o)
{
	uint8_t m = sa->conn->modecfg;
	if ((m != PROTO_IKE_MODECFG_CLIENT_PULL && m != PROTO_IKE_MODECFG_CLIENT_PUSH) ||
	    (sa->ra.xauth && !sa->ra.xauth_done))
		return -EPERM;
	log_attrs(sa, "received", l);
	if (call(sa, PROTO_IKE_RA_CFG_RECEIVED, l, NULL) < 0) {
		ra_fail(sa, PROTO_IKE_E_MODECFG, "the policy refused the pushed Mode-Config");
		return -EPERM;
	}
	for (unsigned i = 0; i < l->n && i < PROTO_CFG_ATTRS_MAX; i++)
		if (l->a[i].tv)
			proto_cfg_put_tv(o, l->a[i].type, 0);
		else
			proto_cfg_put_tlv(o, l->a[i].type, NULL, 0);
	sa->ra.cfg_done = true;
	return 0;
}

int proto_ike_ra_answer(struct ike_ctx *c, const struct proto_ike_cfg_msg *in,
			struct proto_ike_cfg_msg *out)
{
	struct ike_sa *sa = c->sa;
	struct proto_cfg_list l;
	struct proto_cfg_out o = {0};
	size_t off = 0;
	int r = -EINVAL;
	enum proto_err err = proto_cfg_decode(in->attrs, in->len, &l, &off);
	if (err != PROTO_OK)
		proto_ike_log(sa->e, PROTO_LOG_INFO,
			      "\"%s\" #%llu: transaction attributes: %s at %zu", sa->conn->name,
			      (unsigned long long)sa->id, proto_err_str(err), off);
	else if (in->type == PROTO_IKE_CFG_SET && proto_cfg_find(&l, XAUTH_STATUS, NULL))
		r = xauth_set(sa, &l, &o);
	else if (in->type == PROTO_IKE_CFG_REQUEST && has_xauth(&l))
		r = xauth_reply(sa, &l, &o);
	else if (in->type == PROTO_IKE_CFG_REQUEST)
		r = cfg_reply(sa, &l, &o);
	else
		r = cfg_set(sa, &l, &o);
	if (r == -EPERM && !sa->ra.fail)
		proto_ike_log(sa->e, PROTO_LOG_INFO,
			      "\"%s\" #%llu: transaction of type %u not expected here",
			      sa->conn->name, (unsigned long long)sa->id, in->type);
	if (r == 0 && (o.bad || o.len > sizeof(out->attrs)))
		r = -ENOSPC;
	if (r == 0) {
		memcpy(out->attrs, o.buf, o.len);
		out->len = o.len;
	}
	explicit_bzero(&o, sizeof(o));
	explicit_bzero(&l, sizeof(l));
	return r;
}

/* Server: what the policy's check of a REPLY means for the next step. */
static void check_result(struct ike_sa *sa, int r)
{
	struct ike_ra *ra = &sa->ra;
	if (r == -EINPROGRESS) {
		ra->wait_check = true;
		return;
	}
	ra->wait_check = false;
	if (r == -EAGAIN && ra->rounds < PROTO_IKE_XAUTH_ROUNDS_MAX) {
		proto_ike_log(
			sa->e, PROTO_LOG_INFO,
			"\"%s\" #%llu: XAUTH user \"%s\" refused, asking again (round %u of %u)",
			sa->conn->name, (unsigned long long)sa->id, ra->user, ra->rounds,
			PROTO_IKE_XAUTH_ROUNDS_MAX);
		return; /* ra_step sends the next REQUEST */
	}
	ra->status = r == 0 ? RA_ST_OK : RA_ST_FAIL;
	proto_ike_log(sa->e, PROTO_LOG_INFO, "\"%s\" #%llu: XAUTH user \"%s\" %s", sa->conn->name,
		      (unsigned long long)sa->id, ra->user, r == 0 ? "accepted" : "refused");
}

void proto_ike_ra_answered(struct ike_ctx *c, const struct proto_ike_cfg_msg *in)
{
	struct ike_sa *sa = c->sa;
	struct ike_ra *ra = &sa->ra;
	struct proto_cfg_list l;
	size_t off = 0;
	uint8_t sent = ra->sent;
	ra->busy = false;
	ra->sent = RA_SENT_NONE;
	if (proto_cfg_decode(in->attrs, in->len, &l, &off) != PROTO_OK) {
		ra_fail(sa,
			sent == RA_SENT_CFG_REQ ? PROTO_IKE_E_MODECFG : PROTO_IKE_E_XAUTH_FAILED,
			"malformed transaction attributes from the peer at %zu", off);
		return;
	}
	if (sent == RA_SENT_XAUTH_REQ) {
		take_user(sa, &l);
		check_result(sa, call(sa, PROTO_IKE_RA_XAUTH_CHECK, &l, NULL));
	} else if (sent == RA_SENT_STATUS && ra->status == RA_ST_OK) {
		ra->xauth_done = true;
	} else if (sent == RA_SENT_STATUS) {
		ra_fail(sa, PROTO_IKE_E_XAUTH_FAILED, "XAUTH user \"%s\" refused", ra->user);
	} else if (sent == RA_SENT_CFG_REQ) {
		log_attrs(sa, "received", &l);
		if (call(sa, PROTO_IKE_RA_CFG_RECEIVED, &l, NULL) < 0)
			ra_fail(sa, PROTO_IKE_E_MODECFG,
				"the policy refused the Mode-Config reply");
		else
			ra->cfg_done = true;
	} else if (sent == RA_SENT_CFG_SET) {
		ra->cfg_done = true;
	}
	explicit_bzero(&l, sizeof(l));
}

void proto_ike_ra_on_done(struct ike_ctx *c)
{
	if (c->sa && c->sa->ra.on)
		ra_step(c->sa);
}

void proto_ike_ra_xchg_failed(struct ike_sa *sa, const char *text)
{
	uint8_t sent = sa->ra.sent;
	sa->ra.busy = false;
	sa->ra.sent = RA_SENT_NONE;
	if (sa->ra.pending)
		ra_fail(sa, PROTO_IKE_E_XAUTH_TIMEOUT, "%s %s",
			sent == RA_SENT_CFG_REQ || sent == RA_SENT_CFG_SET ? "Mode-Config"
									   : "XAUTH",
			text);
}

bool proto_ike_ra_timer(struct ike_sa *sa, uint64_t now)
{
	struct ike_ra *ra = &sa->ra;
	if (!ra->pending || !ra->deadline || ra->deadline > now)
		return true;
	enum proto_ike_reason r = ra->fail ? ra->fail : PROTO_IKE_E_XAUTH_TIMEOUT;
	if (!ra->fail)
		snprintf(ra->why, sizeof(ra->why), "XAUTH/Mode-Config not done within %u s",
			 PROTO_IKE_RA_TIMEOUT_MS / 1000);
	proto_ike_log(sa->e, PROTO_LOG_INFO, "\"%s\" #%llu: ending the ISAKMP SA: %s",
		      sa->conn->name, (unsigned long long)sa->id, ra->why);
	uint8_t spi[16];
	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	proto_ike_send_info(sa, ISAKMP_PL_D, PROTO_ISAKMP, 0, spi, 16, 1, NULL, 0);
	struct proto_ike_event *ev = proto_ike_event_new(sa, PROTO_IKE_EV_P1_FAILED);
	if (ev) {
		ev->reason = r;
		snprintf(ev->text, sizeof(ev->text), "%s", ra->why);
	}
	proto_ike_push_event(sa->e, ev);
	sa->established = false; /* it never counted as up: no SA_GONE */
	proto_ike_sa_free(sa);
	return false;
}

int proto_ike_ra_xauth_start(struct proto_ike_engine *e, uint64_t sa_id)
{
	struct ike_sa *sa = proto_ike_sa_by_id(e, sa_id);
	if (!sa || !sa->ra.pending || !sa->ra.deferred)
		return -ENOENT;
	sa->ra.deferred = false;
	struct proto_cfg_out o = {0};
	proto_cfg_put_tlv(&o, XAUTH_USER_NAME, NULL, 0);
	proto_cfg_put_tlv(&o, XAUTH_USER_PASSWORD, NULL, 0);
	sa->ra.rounds++;
	send_attrs(sa, PROTO_IKE_CFG_REQUEST, RA_SENT_XAUTH_REQ, &o);
	proto_ike_sa_update_timer(sa);
	proto_ike_slots_reclaim(sa);
	return 0;
}

int proto_ike_ra_xauth_result(struct proto_ike_engine *e, uint64_t sa_id, int result)
{
	struct ike_sa *sa = proto_ike_sa_by_id(e, sa_id);
	if (!sa || !sa->ra.pending || !sa->ra.wait_check)
		return -ENOENT;
	check_result(sa, result == -EINPROGRESS ? -EACCES : result);
	ra_step(sa);
	proto_ike_sa_update_timer(sa);
	proto_ike_slots_reclaim(sa);
	return 0;
}
