/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to the daemon's IKE glue (ike.c, ike_life.c): the helpers both halves use. Not for
 * the rest of the daemon, which goes through daemon/ike.h and daemon/dmn.h.
 */
#pragma once

#include <sys/socket.h>

#include "daemon/ike.h"
#include "xfrm/xfrm.h"

struct dmn_conn;

/* ike.c */
void ike_pump(struct dmn *d);
int ike_initiate(struct dmn *d, const char *name, bool reauth);
bool ike_conn_routed(const struct dmn_conn *c);
int ike_conn_to_proto(const struct dmn *d, size_t i, struct proto_ike_conn *ret);
uint32_t ike_conn_reqid(const struct dmn *d, size_t i);
struct dmn_conn_handle *ike_handle_by_name(const struct dmn_ike *ik, const char *name);
struct dmn_ike_sa *ike_newest_sa(struct dmn *d, const char *conn,
				 const struct proto_ike_addr *peer);
int ike_child_sa(struct dmn *d, const struct proto_ike_event *ev, bool inbound,
		 struct dmn_child *c);
void ike_child_send_delete(struct dmn *d, const struct dmn_child *c);
void ike_child_remove_kernel(struct dmn *d, struct dmn_child *c);
void ike_child_free(struct dmn *d, struct dmn_child *c);
int ike_child_encap_update(struct dmn *d, struct dmn_child *c);
uint64_t ike_child_key(uint8_t protocol, uint32_t spi_in);
bool ike_addr_eq_noport(const struct proto_ike_addr *a, const struct proto_ike_addr *b);
size_t ike_alen(int family);
void ike_to_xaddr(const struct proto_ike_addr *a, struct xfrm_ipaddr *ret);
socklen_t ike_proto_to_sockaddr(const struct proto_ike_addr *a, struct sockaddr_storage *ss);

/* resolve.c: right= hostnames. ike_resolve_peer: 0 when the conn's handle holds a fresh
 * address, -EINPROGRESS when a lookup runs (the conn is initiated when it ends), or -errno. */
int ike_resolve_peer(struct dmn *d, const struct dmn_conn *c, bool reauth);
bool ike_resolved_peer_is(const struct dmn *d, const struct dmn_conn *c,
			  const struct proto_ike_addr *a);

/* ike_life.c */
int ike_on_xfrm_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata);
void ike_children_tick(struct dmn *d, uint64_t now);
void ike_sa_lifetime_check(struct dmn *d, struct dmn_ike_sa *sa, uint64_t now);
