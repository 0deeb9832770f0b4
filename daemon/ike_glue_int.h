/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to the daemon's IKE glue (ike_glue.c, ike_conn.c, ike_child.c, ike_records.c,
 * ike_life.c, ike_reload.c, ike_route.c, resolve.c): the helpers they share. Not for the rest of
 * the daemon, which goes through daemon/ike_glue.h and daemon/dmn.h.
 */
#pragma once

#include <sys/socket.h>

#include "daemon/child.h"
#include "daemon/convert.h"
#include "daemon/ike_glue.h"
#include "xfrm/xfrm.h"

struct dmn_conn;

/* ike_glue.c */
void dmn_ike_pump(struct dmn *d);
int dmn_ike_start(struct dmn *d, const char *name, bool reauth);
void dmn_ike_env_random(void *ctx, uint8_t *buf, size_t n);
/* ike_records.c: lookups over the ISAKMP SA records */
uint64_t dmn_ike_peer_id_hash(const struct dmn_ike *ik, const struct proto_ike_id *id);
struct dmn_ike_sa *dmn_ike_child_peer_sa(struct dmn *d, const struct dmn_child *c);
struct dmn_ike_sa *dmn_ike_newest_sa(struct dmn *d, const char *conn,
				     const struct proto_ike_addr *peer);

/* ike_conn.c: conns as the engine sees them, their handles, and the engine's policy callbacks */
bool dmn_ike_conn_routed(const struct dmn_conn *c);
/* Whether conn c's trap policies are in the kernel: auto=route, unless `ipsec route/unroute`
 * (dmn_ike_route) changed that by hand. */
bool dmn_ike_conn_trapped(const struct dmn *d, const struct dmn_conn *c);
int dmn_ike_conn_to_proto(const struct dmn *d, size_t i, struct proto_ike_conn *ret);
uint32_t dmn_ike_conn_reqid(const struct dmn *d, size_t i);
uint64_t dmn_ike_conn_handle(const struct dmn *d, size_t index);
void dmn_ike_conn_handle_forget(struct dmn_ike *ik, const char *name);
const struct dmn_conn *dmn_ike_conn_by_handle(const struct dmn *d, uint64_t handle, size_t *ret_i);
struct dmn_conn_handle *dmn_ike_handle_by_name(const struct dmn_ike *ik, const char *name);
int dmn_ike_conn_endpoints(struct dmn *d, const struct dmn_conn *c, struct proto_ike_addr *local,
			   struct proto_ike_addr *peer);
bool dmn_ike_conn_has_flow(const struct dmn_conn *c, const struct proto_ike_addr *peer,
			   const struct proto_ike_ts *local_ts,
			   const struct proto_ike_ts *remote_ts);
bool dmn_ike_configured_peer(const struct dmn *d, const struct proto_ike_addr *addr);
/* keyingtries: plan: a phase 1 we started with peer failed (the next attempt, or giving up);
 * tick: starts the attempts that are due */
void dmn_ike_plan_retry(struct dmn *d, const struct dmn_conn *conn, const char *peer);
void dmn_ike_retries_tick(struct dmn *d, uint64_t now);
int dmn_ike_policy_find_p1(void *ctx, const struct proto_ike_addr *local,
			   const struct proto_ike_addr *peer, const struct proto_ike_id *peer_id,
			   struct proto_ike_conn *ret);
int dmn_ike_policy_find_p2(void *ctx, const struct proto_ike_conn *p1,
			   const struct proto_ike_addr *peer, const struct proto_ike_ts *local_ts,
			   const struct proto_ike_ts *remote_ts, struct proto_ike_conn *ret);
int dmn_ike_policy_get_psk(void *ctx, const struct proto_ike_conn *conn,
			   const struct proto_ike_id *local, const struct proto_ike_id *remote,
			   uint8_t *buf, size_t cap, size_t *ret_len);
int dmn_ike_policy_alloc_spi(void *ctx, const struct proto_ike_conn *conn, uint8_t protocol,
			     const struct proto_ike_addr *local, const struct proto_ike_addr *peer,
			     uint32_t *ret_spi);
bool dmn_ike_addr_eq_noport(const struct proto_ike_addr *a, const struct proto_ike_addr *b);
size_t dmn_ike_alen(int family);

/* ike_child.c: a child's life from P2_UP to its free (its kernel state: daemon/child.h) */
void dmn_ike_on_child_up(struct dmn *d, const struct proto_ike_event *ev);
void dmn_ike_child_send_delete(struct dmn *d, const struct dmn_child *c);
void dmn_ike_child_remove_kernel(struct dmn *d, struct dmn_child *c);
void dmn_ike_child_free(struct dmn *d, struct dmn_child *c);
/* Child c goes before its time (a DELETE from the peer, an operator's): the child it superseded,
 * still within its retire window, carries the traffic again. Returns that child, or NULL. */
struct dmn_child *dmn_ike_child_unsupersede(struct dmn *d, struct dmn_child *c);
/* ike_records.c: makes sa_id (0: none) child c's ISAKMP SA, keeping the records' n_children. */
void dmn_ike_child_set_sa(struct dmn *d, struct dmn_child *c, uint64_t sa_id);
uint64_t dmn_ike_child_key(uint8_t protocol, uint32_t spi_in);
int dmn_ike_conn_trap(struct dmn *d, size_t i, bool add, const struct dmn_conn *keep);

/* resolve.c: right= hostnames. dmn_ike_resolve_peer: 0 when the conn's handle holds a fresh
 * address, -EINPROGRESS when a lookup runs (the conn is initiated when it ends), or -errno. */
int dmn_ike_resolve_peer(struct dmn *d, const struct dmn_conn *c, bool reauth);
bool dmn_ike_resolved_peer_is(const struct dmn *d, const struct dmn_conn *c,
			      const struct proto_ike_addr *a);

/* ISAKMP SA records and the (conn, peer address) index of children (ike_records.c) */
struct dmn_ike_sa *dmn_ike_sa_record_add(struct dmn *d, const struct proto_ike_event *ev,
					 const char *name);
void dmn_ike_sa_record_del(struct dmn *d, uint64_t sa_id);
void dmn_ike_sa_enforce_unique(struct dmn *d, struct dmn_ike_sa *sa);
unsigned dmn_ike_sa_children_remove(struct dmn *d, uint64_t sa_id, const struct dmn_ike_sa *sa,
				    bool send_delete, bool keep_policies);
void dmn_ike_on_initial_contact(struct dmn *d, const struct proto_ike_event *ev);
void dmn_ike_on_peer_moved(struct dmn *d, const struct proto_ike_event *ev);
/* Child records (ike_records.c). new: a zeroed record for the P2_UP event ev, for the caller
 * to fill, or NULL (out of memory, or dmn_ike.record_alloc_fail): the child is then deleted in
 * the engine (DELETE to the peer), logged and counted. link: sa_id becomes its ISAKMP SA and it
 * joins every index (dmn_ike.children by its key, the list of all, its flow and address chains);
 * -ENOMEM when it cannot: then it is freed and the child deleted as for new. free: leaves every
 * index and is freed (with its pending outbound event, wiped); what it installed in the kernel
 * and its updown are the caller's (dmn_ike_child_remove_kernel, dmn_ike_child_free). */
struct dmn_child *dmn_ike_child_record_new(struct dmn *d, const struct proto_ike_event *ev);
int dmn_ike_child_record_link(struct dmn *d, struct dmn_child *c, const struct proto_ike_event *ev);
void dmn_ike_child_record_free(struct dmn *d, struct dmn_child *c);

/* Walks that take either one (conn, peer address) bucket of the flow index (by_flow) or every
 * record: the first child or ISAKMP SA record, then the one after each. */
static inline struct dmn_child *dmn_ike_child_first(struct dmn_ike *ik, bool by_flow,
						    unsigned bucket)
{
	return by_flow ? dmn_hlist_first_entry(&ik->child_flow[bucket], struct dmn_child, flow)
		       : dmn_hlist_first_entry(&ik->child_list, struct dmn_child, node);
}
static inline struct dmn_child *dmn_ike_child_after(struct dmn_child *c, bool by_flow)
{
	return by_flow ? dmn_hlist_next_entry(c, flow) : dmn_hlist_next_entry(c, node);
}
static inline struct dmn_ike_sa *dmn_ike_sa_first(struct dmn_ike *ik, bool by_flow, unsigned bucket)
{
	return by_flow ? dmn_hlist_first_entry(&ik->sa_flow[bucket], struct dmn_ike_sa, flow)
		       : dmn_hlist_first_entry(&ik->sa_list, struct dmn_ike_sa, node);
}
static inline struct dmn_ike_sa *dmn_ike_sa_after(struct dmn_ike_sa *sa, bool by_flow)
{
	return by_flow ? dmn_hlist_next_entry(sa, flow) : dmn_hlist_next_entry(sa, node);
}

/* ike_life.c */
uint32_t dmn_ike_rekey_margin(const struct dmn_conn *conn, uint32_t life, bool initiator);
void dmn_ike_child_limits(struct dmn *d, struct dmn_child *c, const struct dmn_conn *conn,
			  bool initiator);
/* The rekey Quick Mode msgid of conn (NULL: gone) with peer gave no child (it failed, or the
 * child could not be kept): the child it was for may rekey again, in DMN_REKEY_AGAIN_MS. */
void dmn_ike_child_rekey_failed(struct dmn *d, const struct dmn_conn *conn,
				const struct proto_ike_addr *peer, uint32_t msgid);
int dmn_ike_on_xfrm_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata);
/* One kernel event (arg: the struct dmn): expiry, ACQUIRE, NAT mapping; what events_recv
 * hands over, and what a test table injects. Returns 0. */
int dmn_ike_on_kernel_event(const struct xfrm_event *xe, void *arg);
void dmn_ike_children_tick(struct dmn *d, uint64_t now);
void dmn_ike_sa_lifetime_check(struct dmn *d, struct dmn_ike_sa *sa, uint64_t now);

/* ike_reload.c: what a reload leaves in place (SAs of a changed conn until new ones replace
 * them), and auto=keep */
void dmn_ike_reload_p1_up(struct dmn *d, struct dmn_ike_sa *sa);
void dmn_ike_reload_child_up(struct dmn *d, const struct dmn_child *c);
bool dmn_ike_child_keeps_trap(const struct dmn *d, const struct dmn_child *c,
			      const struct dmn_conn *conn);
bool dmn_ike_child_may_rekey(const struct dmn_child *c, const struct dmn_conn *conn);
bool dmn_ike_conn_is_up(const struct dmn *d, const char *name);
void dmn_ike_keep_check(struct dmn *d, const char *name);
