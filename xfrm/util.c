// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The algorithm table, names for status output, and address/selector conversions.
 */
#include "xfrm/xfrm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "xfrm/internal.h"

/* Kernel names as in the kernel's net/xfrm/xfrm_algo.c; ICV sizes from RFC 4106, 7634, 4868, 2404.
 */
const struct xfrm_alg xfrm_algs[] = {
	{"aes-gcm-16", "rfc4106(gcm(aes))", XFRM_ALG_AEAD, 128},
	{"aes-gcm-12", "rfc4106(gcm(aes))", XFRM_ALG_AEAD, 96},
	{"aes-gcm-8", "rfc4106(gcm(aes))", XFRM_ALG_AEAD, 64},
	{"chacha20-poly1305", "rfc7539esp(chacha20,poly1305)", XFRM_ALG_AEAD, 128},
	{"aes-cbc", "cbc(aes)", XFRM_ALG_CRYPT, 0},
	{"aes-ctr", "rfc3686(ctr(aes))", XFRM_ALG_CRYPT, 0},
	{"3des-cbc", "cbc(des3_ede)", XFRM_ALG_CRYPT, 0},
	{"null", "ecb(cipher_null)", XFRM_ALG_CRYPT, 0},
	{"hmac-sha1-96", "hmac(sha1)", XFRM_ALG_AUTH, 96},
	{"hmac-md5-96", "hmac(md5)", XFRM_ALG_AUTH, 96},
	{"hmac-sha2-256-128", "hmac(sha256)", XFRM_ALG_AUTH, 128},
	{"hmac-sha2-384-192", "hmac(sha384)", XFRM_ALG_AUTH, 192},
	{"hmac-sha2-512-256", "hmac(sha512)", XFRM_ALG_AUTH, 256},
	{"deflate", "deflate", XFRM_ALG_COMP, 0},
	{"lzs", "lzs", XFRM_ALG_COMP, 0},
	{"lzjh", "lzjh", XFRM_ALG_COMP, 0},
};
const size_t xfrm_algs_len = sizeof(xfrm_algs) / sizeof(xfrm_algs[0]);

const struct xfrm_alg *xfrm_alg_find(const char *name)
{
	for (size_t i = 0; i < xfrm_algs_len; i++)
		if (strcmp(xfrm_algs[i].name, name) == 0 || strcmp(xfrm_algs[i].kernel, name) == 0)
			return &xfrm_algs[i];
	return NULL;
}

const char *xfrm_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_COMP:
		return "comp";
	default:
		return "?";
	}
}

const char *xfrm_dir_name(uint8_t dir)
{
	static const char *const names[] = {"in", "out", "fwd"};
	return dir < 3 ? names[dir] : "?";
}

const char *xfrm_mode_name(uint8_t mode)
{
	switch (mode) {
	case XFRM_MODE_TRANSPORT:
		return "transport";
	case XFRM_MODE_TUNNEL:
		return "tunnel";
	case XFRM_MODE_BEET:
		return "beet";
	default:
		return "?";
	}
}

const char *xfrm_event_name(enum xfrm_event_type type)
{
	static const char *const names[XFRM_EV__MAX] = {
		[XFRM_EV_ACQUIRE] = "acquire",
		[XFRM_EV_EXPIRE] = "expire",
		[XFRM_EV_SA_ADD] = "sa-add",
		[XFRM_EV_SA_UPDATE] = "sa-update",
		[XFRM_EV_SA_DEL] = "sa-del",
		[XFRM_EV_SA_FLUSH] = "sa-flush",
		[XFRM_EV_POLICY_ADD] = "policy-add",
		[XFRM_EV_POLICY_UPDATE] = "policy-update",
		[XFRM_EV_POLICY_DEL] = "policy-del",
		[XFRM_EV_POLICY_EXPIRE] = "policy-expire",
		[XFRM_EV_POLICY_FLUSH] = "policy-flush",
		[XFRM_EV_MAPPING] = "mapping",
	};
	return (unsigned)type < XFRM_EV__MAX ? names[type] : "?";
}

const char *xfrm_ipaddr_str(const struct xfrm_ipaddr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "-");
	return buf;
}

int xfrm_ipaddr_parse(const char *s, struct xfrm_ipaddr *ret_addr, uint8_t *ret_len)
{
	char tmp[64];
	struct xfrm_ipaddr a = {0};
	if (strlen(s) >= sizeof(tmp))
		return -EINVAL;
	strcpy(tmp, s);
	char *slash = strchr(tmp, '/');
	if (slash) {
		if (!ret_len)
			return -EINVAL;
		*slash = '\0';
	}
	if (inet_pton(AF_INET, tmp, a.bytes) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, tmp, a.bytes) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	unsigned max = a.family == AF_INET ? 32 : 128, plen = max;
	if (slash) {
		char *end;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (*end || end == slash + 1 || v > max)
			return -EINVAL;
		plen = (unsigned)v;
	}
	*ret_addr = a;
	if (ret_len)
		*ret_len = (uint8_t)plen;
	return 0;
}

void xfrm_addr_to_kernel(const struct xfrm_ipaddr *a, xfrm_address_t *k)
{
	memset(k, 0, sizeof(*k));
	if (a->family == AF_INET)
		memcpy(k, a->bytes, 4);
	else if (a->family == AF_INET6)
		memcpy(k, a->bytes, 16);
}

int xfrm_sel_to_kernel(const struct xfrm_sel *s, struct xfrm_selector *k)
{
	uint8_t family = s->src.family ? s->src.family : s->dst.family;
	if (!family || (s->src.family && s->dst.family && s->src.family != s->dst.family))
		return -EINVAL;
	unsigned max = family == AF_INET ? 32 : 128;
	if (s->src_len > max || s->dst_len > max)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->family = family;
	xfrm_addr_to_kernel(&s->src, &k->saddr);
	xfrm_addr_to_kernel(&s->dst, &k->daddr);
	k->prefixlen_s = s->src.family ? s->src_len : 0;
	k->prefixlen_d = s->dst.family ? s->dst_len : 0;
	k->proto = s->proto;
	if (s->sport) {
		k->sport = htons(s->sport);
		k->sport_mask = 0xffff;
	}
	if (s->dport) {
		k->dport = htons(s->dport);
		k->dport_mask = 0xffff;
	}
	k->user = XFRM_OWNER_TAG;
	return 0;
}
