// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The environment of an updown script (see daemon/updown.h and oakley-ipsec.conf(5)): a pure
 * function of the child, its conn and the peer's ID, so that it is unit-tested field by field.
 */
#include "daemon/updown.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/convert.h"
#include "daemon/ike_glue.h"
#include "proto/consts.h"

/* Appends one "NAME=value" (printf format) to env; -ENOSPC when it does not fit. */
__attribute__((format(printf, 2, 3))) static int env_add(struct dmn_updown_env *env,
							 const char *fmt, ...)
{
	if (env->n >= DMN_UPDOWN_ENV_MAX)
		return -ENOSPC;
	size_t room = sizeof(env->buf) - env->used;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(env->buf + env->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		env->buf[env->used] = '\0';
		return -ENOSPC;
	}
	env->off[env->n++] = (uint16_t)env->used;
	env->used += (size_t)n + 1;
	return 0;
}

/* The subnet of a traffic selector: its prefix, or for a range the smallest prefix covering it
 * (the address bits from and to share). */
static void ts_subnet(const struct proto_ike_ts *ts, uint8_t net[16], unsigned *ret_len)
{
	unsigned max = ts->family == AF_INET6 ? 128 : 32, len = 0;
	if (ts->prefix >= 0) {
		len = (unsigned)ts->prefix > max ? max : (unsigned)ts->prefix;
	} else {
		while (len < max &&
		       ((ts->from[len / 8] ^ ts->to[len / 8]) & (0x80u >> (len % 8))) == 0)
			len++;
	}
	memset(net, 0, 16);
	for (unsigned i = 0; i < len; i++)
		net[i / 8] |= ts->from[i / 8] & (0x80u >> (i % 8));
	*ret_len = len;
}

/* PLUTO_{MY,PEER}_CLIENT ("net/len"), _NET (the address) and _MASK (the mask as an address:
 * dotted for IPv4, as Libreswan writes it). */
static int env_client(struct dmn_updown_env *env, const char *who, const struct proto_ike_ts *ts)
{
	uint8_t net[16], mask[16] = {0};
	unsigned len;
	ts_subnet(ts, net, &len);
	for (unsigned i = 0; i < len; i++)
		mask[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	char a[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];
	dmn_addr_str(ts->family, net, a, sizeof(a));
	dmn_addr_str(ts->family, mask, m, sizeof(m));
	int r = env_add(env, "PLUTO_%s_CLIENT=%s/%u", who, a, len);
	if (r == 0)
		r = env_add(env, "PLUTO_%s_CLIENT_NET=%s", who, a);
	if (r == 0)
		r = env_add(env, "PLUTO_%s_CLIENT_MASK=%s", who, m);
	if (r == 0)
		r = env_add(env, "PLUTO_%s_PORT=%u", who, ts->port);
	if (r == 0)
		r = env_add(env, "PLUTO_%s_PROTOCOL=%u", who, ts->proto);
	return r;
}

/* Whether the local selector is our own address alone ("-host" verbs). */
static bool ts_is_host(const struct proto_ike_ts *ts, const struct proto_ike_addr *a)
{
	size_t alen = a->family == AF_INET6 ? 16 : 4;
	return ts->family == a->family && ts->prefix == (int)alen * 8 &&
	       memcmp(ts->from, a->addr, alen) == 0;
}

/* The variables that depend on the conn and the kernel objects (marks, NAT-T, options). */
static int env_extras(struct dmn_updown_env *env, const struct dmn_child *c,
		      const struct dmn_conn *conn)
{
	int r = 0;
	char a[INET6_ADDRSTRLEN];
	if (c->ipcomp)
		r = env_add(env, "PLUTO_IPCOMP=1");
	if (r == 0 && c->mark_in)
		r = env_add(env, "PLUTO_MARK_IN=%" PRIu32 "/0x%08" PRIx32, c->mark_in,
			    c->mark_in_mask);
	if (r == 0 && c->mark_out)
		r = env_add(env, "PLUTO_MARK_OUT=%" PRIu32 "/0x%08" PRIx32, c->mark_out,
			    c->mark_out_mask);
	if (r == 0 && c->if_id_in)
		r = env_add(env, "PLUTO_IF_ID_IN=%" PRIu32, c->if_id_in);
	if (r == 0 && c->if_id_out)
		r = env_add(env, "PLUTO_IF_ID_OUT=%" PRIu32, c->if_id_out);
	if (r == 0 && c->natt)
		r = env_add(env, "PLUTO_UDP_ENC=%u", c->encap_dport);
	if (r == 0 && conn && conn->left.hostaccess)
		r = env_add(env, "PLUTO_HOST_ACCESS=1");
	if (r == 0 && conn && conn->left.nexthop.kind == DMN_ADDR_IP)
		r = env_add(env, "PLUTO_NEXT_HOP=%s",
			    dmn_addr_str(conn->left.nexthop.family, conn->left.nexthop.bytes, a,
					 sizeof(a)));
	/* leftsourceip=/rightsourceip= with an address (Libreswan's meaning): the source address
	 * the scripts give routes into the tunnel; oakley assigns no virtual IPs */
	if (r == 0 && conn && conn->left.sourceip.kind == DMN_ADDR_IP)
		r = env_add(env, "PLUTO_MY_SOURCEIP=%s",
			    dmn_addr_str(conn->left.sourceip.family, conn->left.sourceip.bytes, a,
					 sizeof(a)));
	if (r == 0 && conn && conn->right.sourceip.kind == DMN_ADDR_IP)
		r = env_add(env, "PLUTO_PEER_SOURCEIP=%s",
			    dmn_addr_str(conn->right.sourceip.family, conn->right.sourceip.bytes, a,
					 sizeof(a)));
	return r;
}

int dmn_updown_env_build(const struct dmn_child *c, const struct dmn_conn *conn,
			 const struct proto_ike_id *peer_id, uint64_t unique_id, const char *iface,
			 bool up, struct dmn_updown_env *ret)
{
	memset(ret, 0, offsetof(struct dmn_updown_env, buf));
	ret->buf[0] = '\0';
	bool host = ts_is_host(&c->local_ts, &c->local);
	bool v6 = host ? c->local.family == AF_INET6 : c->local_ts.family == AF_INET6;
	char me[INET6_ADDRSTRLEN], peer[INET6_ADDRSTRLEN], id[DMN_HOST_MAX + 2];
	int r = env_add(ret, "PLUTO_VERB=%s-%s%s", up ? "up" : "down", host ? "host" : "client",
			v6 ? "-v6" : "");
	if (r == 0)
		r = env_add(ret, "PLUTO_VERSION=1.1");
	if (r == 0)
		r = env_add(ret, "PLUTO_CONNECTION=%s", c->conn);
	if (r == 0)
		r = env_add(ret, "PLUTO_INTERFACE=%s", iface && *iface ? iface : "unknown");
	if (r == 0)
		r = env_add(ret, "PLUTO_REQID=%" PRIu32, c->reqid);
	if (r == 0)
		r = env_add(ret, "PLUTO_PROTO=%s", c->protocol == PROTO_IPSEC_AH ? "ah" : "esp");
	if (r == 0)
		r = env_add(ret, "PLUTO_UNIQUEID=%" PRIu64, unique_id);
	if (r == 0)
		r = env_add(ret, "PLUTO_ME=%s",
			    dmn_addr_str(c->local.family, c->local.addr, me, sizeof(me)));
	if (r == 0 && conn)
		dmn_conf_id_str(&conn->left.id, &c->local, DMN_ID_FORM_ENV, id, sizeof(id));
	else if (r == 0)
		dmn_addr_str(c->local.family, c->local.addr, id, sizeof(id));
	if (r == 0)
		r = env_add(ret, "PLUTO_MY_ID=%s", id);
	if (r == 0)
		r = env_client(ret, "MY", &c->local_ts);
	if (r == 0)
		r = env_add(ret, "PLUTO_PEER=%s",
			    dmn_addr_str(c->peer.family, c->peer.addr, peer, sizeof(peer)));
	dmn_peer_id_str(peer_id, &c->peer, DMN_ID_FORM_ENV, id, sizeof(id));
	if (r == 0)
		r = env_add(ret, "PLUTO_PEER_ID=%s", id);
	if (r == 0)
		r = env_client(ret, "PEER", &c->remote_ts);
	if (r == 0)
		r = env_add(ret, "SPI_IN=0x%08" PRIx32, c->spi_in);
	if (r == 0)
		r = env_add(ret, "SPI_OUT=0x%08" PRIx32, c->spi_out);
	if (r == 0)
		r = env_extras(ret, c, conn);
	if (r == 0)
		r = env_add(ret, "PATH=%s", DMN_UPDOWN_PATH);
	return r;
}

const char *dmn_updown_script(const struct dmn_conn *conn, const char *firewall_script)
{
	if (!conn)
		return NULL;
	if (conn->left.updown && conn->left.updown[0])
		return strcmp(conn->left.updown, "%disabled") == 0 ? NULL : conn->left.updown;
	return conn->left.firewall ? firewall_script : NULL;
}
