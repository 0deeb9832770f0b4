// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SAs: XFRM_MSG_ALLOCSPI, NEWSA, UPDSA, DELSA, GETSA and the SA dump. Key bytes are written
 * straight into the request buffer, which xfrm_req_run() wipes after sending; replies (which echo
 * keys for GETSA) are wiped in the receive buffer.
 */
#include "xfrm/xfrm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netlink.h>

#include "xfrm/internal.h"

static const char *kconfig_of(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_AH:
		return "AH support (CONFIG_INET_AH)";
	case IPPROTO_COMP:
		return "IPComp support (CONFIG_INET_IPCOMP)";
	default:
		return "ESP support (CONFIG_INET_ESP)";
	}
}

/* The message for an SA request that failed with err; appends the kernel's own text. */
static int sa_fail(struct xfrm_handle *h, int err, const char *op, uint8_t proto)
{
	const char *what;
	char buf[128];
	switch (-err) {
	case EPROTONOSUPPORT:
		snprintf(buf, sizeof(buf), "kernel has no %s", kconfig_of(proto));
		what = buf;
		break;
	case ENOSYS:
		snprintf(buf, sizeof(buf), "kernel has no %s or lacks the algorithm",
			 kconfig_of(proto));
		what = buf;
		break;
	default:
		what = NULL;
		break;
	}
	return xfrm_req_fail(h, err, op, "SA", what);
}

static uint64_t lft_to_kernel(uint64_t v)
{
	return v ? v : XFRM_INF;
}

static void lft_fill(const struct xfrm_lifetime *l, struct xfrm_lifetime_cfg *k)
{
	k->soft_byte_limit = lft_to_kernel(l->soft_bytes);
	k->hard_byte_limit = lft_to_kernel(l->hard_bytes);
	k->soft_packet_limit = lft_to_kernel(l->soft_packets);
	k->hard_packet_limit = lft_to_kernel(l->hard_packets);
	k->soft_add_expires_seconds = l->soft_secs;
	k->hard_add_expires_seconds = l->hard_secs;
	k->soft_use_expires_seconds = l->soft_use_secs;
	k->hard_use_expires_seconds = l->hard_use_secs;
}

/* Puts XFRMA_ALG_CRYPT/COMP (struct xfrm_algo), AUTH_TRUNC or AEAD with the key in place. */
static int put_alg(struct xfrm_req *req, uint16_t type, const struct xfrm_key *k)
{
	size_t nlen = strlen(k->alg);
	if (nlen > XFRM_ALG_NAME_MAX || k->len > XFRM_KEY_MAX || (k->len && !k->key))
		return -EINVAL;
	size_t hdr = type == XFRMA_ALG_CRYPT || type == XFRMA_ALG_COMP
			     ? sizeof(struct xfrm_algo)
			     : sizeof(struct xfrm_algo_auth);
	uint8_t *p = xfrm_req_attr(req, type, hdr + k->len);
	if (!p)
		return -EMSGSIZE;
	/* struct xfrm_algo{,_auth,_aead}: char name[64]; u32 key bits; (u32 trunc/icv bits); key */
	memcpy(p, k->alg, nlen);
	uint32_t bits = (uint32_t)k->len * 8;
	memcpy(p + 64, &bits, sizeof(bits));
	if (hdr == sizeof(struct xfrm_algo_auth)) {
		uint32_t tb = k->bits;
		memcpy(p + 68, &tb, sizeof(tb));
	}
	if (k->len)
		memcpy(p + hdr, k->key, k->len);
	return 0;
}

static int put_sa_attrs(struct xfrm_req *req, const struct xfrm_sa *sa)
{
	int r = 0;
	if (sa->enc.alg && r == 0)
		r = put_alg(req, XFRMA_ALG_CRYPT, &sa->enc);
	if (sa->auth.alg && r == 0)
		r = put_alg(req, XFRMA_ALG_AUTH_TRUNC, &sa->auth);
	if (sa->aead.alg && r == 0)
		r = put_alg(req, XFRMA_ALG_AEAD, &sa->aead);
	if (sa->comp.alg && r == 0)
		r = put_alg(req, XFRMA_ALG_COMP, &sa->comp);
	if (r < 0)
		return r;
	if (sa->encap) {
		struct xfrm_encap_tmpl e = {
			.encap_type = 2, /* UDP_ENCAP_ESPINUDP, RFC 3948 */
			.encap_sport = htons(sa->encap_sport),
			.encap_dport = htons(sa->encap_dport),
		};
		xfrm_addr_to_kernel(&sa->encap_oa, &e.encap_oa);
		xfrm_req_put(req, XFRMA_ENCAP, sizeof(e), &e);
	}
	bool use_esn_attr = sa->esn || sa->replay_window > 32;
	if (use_esn_attr && (sa->proto == IPPROTO_ESP || sa->proto == IPPROTO_AH)) {
		uint32_t win = sa->replay_window ? sa->replay_window : 32;
		if (win > XFRMA_REPLAY_ESN_MAX * 8)
			return -EINVAL;
		uint32_t bmp_len = (win + 31) / 32;
		struct xfrm_replay_state_esn *esn =
			xfrm_req_attr(req, XFRMA_REPLAY_ESN_VAL, sizeof(*esn) + bmp_len * 4);
		if (!esn)
			return -EMSGSIZE;
		esn->bmp_len = bmp_len;
		esn->replay_window = win;
	}
	if (sa->mark_v || sa->mark_m)
		xfrm_mark_put(req, sa->mark_v, sa->mark_m);
	if (sa->if_id)
		xfrm_req_put(req, XFRMA_IF_ID, sizeof(sa->if_id), &sa->if_id);
	return req->overflow ? -EMSGSIZE : 0;
}

/* Fills the fixed part of NEWSA/UPDSA. */
static int sa_info_fill(const struct xfrm_sa *sa, struct xfrm_usersa_info *k)
{
	if (!sa->src.family || sa->src.family != sa->dst.family)
		return -EAFNOSUPPORT;
	if (sa->sel.src.family || sa->sel.dst.family) {
		if (xfrm_sel_to_kernel(&sa->sel, &k->sel) < 0)
			return -EINVAL;
	} else if (sa->mode == XFRM_MODE_TRANSPORT) {
		struct xfrm_sel s = {.src = sa->src, .dst = sa->dst};
		s.src_len = s.dst_len = sa->src.family == AF_INET ? 32 : 128;
		xfrm_sel_to_kernel(&s, &k->sel);
	} else {
		k->sel.family = sa->src.family;
		k->sel.user = XFRM_OWNER_TAG;
	}
	xfrm_addr_to_kernel(&sa->dst, &k->id.daddr);
	xfrm_addr_to_kernel(&sa->src, &k->saddr);
	k->id.spi = htonl(sa->spi);
	k->id.proto = sa->proto;
	k->family = sa->src.family;
	k->mode = sa->mode;
	k->reqid = sa->reqid;
	lft_fill(&sa->lft, &k->lft);
	bool use_esn_attr = sa->esn || sa->replay_window > 32;
	if (!use_esn_attr)
		k->replay_window = (uint8_t)sa->replay_window;
	if (sa->esn)
		k->flags |= XFRM_STATE_ESN;
	if (k->sel.family != k->family)
		k->flags |= XFRM_STATE_AF_UNSPEC;
	return 0;
}

static int sa_send(struct xfrm_handle *h, const struct xfrm_sa *sa, uint16_t type)
{
	const char *op = type == XFRM_MSG_NEWSA ? "SA add" : "SA update";
	struct xfrm_req req;
	xfrm_req_start(h, &req, type, type == XFRM_MSG_NEWSA ? NLM_F_CREATE | NLM_F_EXCL : 0);
	struct xfrm_usersa_info *k = xfrm_req_extra(&req, sizeof(*k));
	int r = k ? sa_info_fill(sa, k) : -EMSGSIZE;
	if (r == 0)
		r = put_sa_attrs(&req, sa);
	if (r < 0) {
		explicit_bzero(req.buf, sizeof(req.buf));
		return xfrm_fail(h, r, "%s: invalid SA parameters (%s)", op, strerror(-r));
	}
	r = xfrm_req_run(h, &req, NULL, NULL);
	return r < 0 ? sa_fail(h, r, op, sa->proto) : 0;
}

int xfrm_sa_add(struct xfrm_handle *h, const struct xfrm_sa *sa)
{
	return sa_send(h, sa, XFRM_MSG_NEWSA);
}

int xfrm_sa_update(struct xfrm_handle *h, const struct xfrm_sa *sa)
{
	return sa_send(h, sa, XFRM_MSG_UPDSA);
}

/* Builds DELSA/GETSA: struct xfrm_usersa_id, XFRMA_SRCADDR, XFRMA_MARK. */
static int sa_id_req(struct xfrm_handle *h, struct xfrm_req *req, uint16_t type,
		     const struct xfrm_sa_id *id)
{
	xfrm_req_start(h, req, type, 0);
	struct xfrm_usersa_id *k = xfrm_req_extra(req, sizeof(*k));
	if (!k || !id->dst.family)
		return -EINVAL;
	xfrm_addr_to_kernel(&id->dst, &k->daddr);
	k->spi = htonl(id->spi);
	k->family = id->dst.family;
	k->proto = id->proto;
	if (id->src.family) {
		xfrm_address_t a = {0};
		xfrm_addr_to_kernel(&id->src, &a);
		xfrm_req_put(req, XFRMA_SRCADDR, sizeof(a), &a);
	}
	if (id->mark_v || id->mark_m)
		xfrm_mark_put(req, id->mark_v, id->mark_m);
	return req->overflow ? -EMSGSIZE : 0;
}

int xfrm_sa_del(struct xfrm_handle *h, const struct xfrm_sa_id *id)
{
	struct xfrm_req req;
	int r = sa_id_req(h, &req, XFRM_MSG_DELSA, id);
	if (r == 0)
		r = xfrm_req_run(h, &req, NULL, NULL);
	return r < 0 ? sa_fail(h, r, "SA delete", id->proto) : 0;
}

/* Reply handler for GETSA and ALLOCSPI: the NEWSA message into a struct xfrm_sa_info. */
static int on_sa_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct xfrm_event ev;
	if (nlh->nlmsg_type != XFRM_MSG_NEWSA)
		return MNL_CB_OK;
	int r = xfrm_parse_msg(nlh->nlmsg_type, mnl_nlmsg_get_payload(nlh),
			       mnl_nlmsg_get_payload_len(nlh), &ev);
	if (r <= 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	*(struct xfrm_sa_info *)arg = ev.sa;
	return MNL_CB_OK;
}

int xfrm_sa_get(struct xfrm_handle *h, const struct xfrm_sa_id *id, struct xfrm_sa_info *ret_info)
{
	struct xfrm_req req;
	struct xfrm_sa_info info = {.proto = 0};
	int r = sa_id_req(h, &req, XFRM_MSG_GETSA, id);
	if (r == 0)
		r = xfrm_req_run(h, &req, on_sa_reply, &info);
	if (r == 0 && info.proto == 0)
		r = -EBADMSG;
	if (r < 0)
		return sa_fail(h, r, "SA get", id->proto);
	*ret_info = info;
	return 0;
}

int xfrm_allocspi(struct xfrm_handle *h, const struct xfrm_ipaddr *src,
		  const struct xfrm_ipaddr *dst, uint8_t proto, uint32_t reqid, uint32_t seq,
		  uint32_t min, uint32_t max, uint32_t *ret_spi)
{
	if (min == 0 && max == 0) {
		/* RFC 4303 §2.1: SPIs 1..255 are reserved; RFC 3173 §3.3: CPIs 0..255 are
		 * well-known or reserved, 61440..65535 for private use. */
		min = 0x100;
		max = proto == IPPROTO_COMP ? XFRM_CPI_MAX : 0xffffffffu;
	}
	if (!src->family || src->family != dst->family || min > max ||
	    (proto == IPPROTO_COMP && max > 0xffff))
		return xfrm_fail(h, -EINVAL, "SPI allocation: invalid addresses or range");
	struct xfrm_req req;
	xfrm_req_start(h, &req, XFRM_MSG_ALLOCSPI, 0);
	struct xfrm_userspi_info *k = xfrm_req_extra(&req, sizeof(*k));
	if (!k)
		return xfrm_fail(h, -EMSGSIZE, "SPI allocation: request too large");
	k->info.sel.family = src->family;
	k->info.sel.user = XFRM_OWNER_TAG;
	xfrm_addr_to_kernel(dst, &k->info.id.daddr);
	xfrm_addr_to_kernel(src, &k->info.saddr);
	k->info.id.proto = proto;
	k->info.family = src->family;
	k->info.reqid = reqid;
	k->info.seq = seq;
	k->min = min;
	k->max = max;
	struct xfrm_sa_info info = {.proto = 0};
	int r = xfrm_req_run(h, &req, on_sa_reply, &info);
	if (r == 0 && info.proto == 0)
		r = -EBADMSG;
	if (r < 0) {
		if (r == -ENOENT)
			return xfrm_fail(h, r, "no free SPI in 0x%x-0x%x", min, max);
		return sa_fail(h, r, "SPI allocation", proto);
	}
	*ret_spi = info.spi;
	return 0;
}

struct sa_dump_arg {
	int (*cb)(const struct xfrm_sa_info *sa, void *arg);
	void *arg;
};

static int sa_dump_one(const struct xfrm_event *ev, void *arg)
{
	const struct sa_dump_arg *a = arg;
	return a->cb ? a->cb(&ev->sa, a->arg) : 0;
}

int xfrm_sa_dump(struct xfrm_handle *h, int (*cb)(const struct xfrm_sa_info *sa, void *arg),
		 void *arg)
{
	struct sa_dump_arg a = {cb, arg};
	return xfrm_dump(h, XFRM_MSG_GETSA, XFRM_EV_SA_ADD, sa_dump_one, &a, "SA dump");
}
