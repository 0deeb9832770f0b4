// SPDX-License-Identifier: GPL-2.0-or-later
/* How a child's SAs are named to the kernel (shared by the IKE glue and the VICI listings). */
#include <netinet/in.h>
#include <string.h>

#include "daemon/ike_glue.h"
#include "proto/consts.h"
#include "xfrm/xfrm.h"

static void to_xaddr(const struct proto_ike_addr *a, struct xfrm_ipaddr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = (uint8_t)a->family;
	memcpy(ret->bytes, a->addr, 16);
}

void dmn_child_sa_id(const struct dmn_child *c, bool inbound, bool comp, struct xfrm_sa_id *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->spi = comp ? (inbound ? c->cpi_in : c->cpi_out) : (inbound ? c->spi_in : c->spi_out);
	ret->proto = comp ? IPPROTO_COMP : c->protocol == PROTO_IPSEC_AH ? IPPROTO_AH : IPPROTO_ESP;
	to_xaddr(inbound ? &c->peer : &c->local, &ret->src);
	to_xaddr(inbound ? &c->local : &c->peer, &ret->dst);
	ret->mark_v = inbound ? c->mark_in : c->mark_out;
	ret->mark_m = inbound ? c->mark_in_mask : c->mark_out_mask;
}

bool dmn_child_installed(const struct dmn_child *c)
{
	return c->sa_in && (c->sa_out || c->out_pending);
}
