/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon side of IKE: the proto/ike engine plus what it cannot do itself (sockets, timers,
 * worker threads, config look-ups, the kernel). One struct dmn_ike hangs off struct dmn.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon/dmn.h"
#include "daemon/idle.h"
#include "daemon/list.h"
#include "daemon/log.h"
#include "daemon/map.h"
#include "proto/ike/engine.h"

/* IPsec SAs the daemon installed for one negotiated child (an inbound and an outbound SA and their
 * policies). Listed so a DELETE, a shutdown or a reload removes exactly these. */
struct dmn_child {
	struct dmn_hlist_node node; /* dmn_ike.child_list: every child */
	struct dmn_hlist_node flow; /* its dmn_ike.child_flow bucket */
	struct dmn_hlist_node addr; /* its dmn_ike.child_addr bucket */
	uint64_t ike_sa_id;
	bool orphan; /* its ISAKMP SA is gone (the next one with its peer takes it over) */
	bool stale;  /* negotiated before a reload changed its conn (ike_reload.c) */
	uint64_t peer_id_hash; /* dmn_ike_peer_id_hash of the ID its peer proved (0: unknown) */
	uint64_t conn_handle;
	char conn[64];
	uint8_t protocol; /* PROTO_IPSEC_ESP / PROTO_IPSEC_AH */
	uint8_t mode;	  /* ENCAP_TUNNEL / ENCAP_TRANSPORT */
	uint32_t spi_in, spi_out, reqid;
	/* mark= / mark_in= / mark_out= and if_id (ipsec-interface=) of its conn, as installed on
	 * its SAs and policies (inbound: SA in, policies in and fwd; outbound: SA and policy out)
	 */
	uint32_t mark_in, mark_in_mask, mark_out, mark_out_mask, if_id_in, if_id_out;
	uint32_t replay_window; /* replay_window= of its conn, packets (0: off) */
	bool no_policies;	/* installpolicy=no: SAs only */
	uint32_t inactivity_s;	/* inactivity= of its conn (0: off) */
	struct dmn_idle idle;	/* its SAs' byte counters as last sampled */
	struct proto_ike_addr local, peer;
	struct proto_ike_ts local_ts, remote_ts;
	bool sa_in, sa_out, policies; /* what is actually in the kernel */
	uint16_t transform, key_bits, auth;
	uint64_t established_ms;
	/* NAT-T (RFC 3948) and what an encap update (peer's NAT mapping moved) must repeat */
	bool natt;
	uint16_t encap_sport, encap_dport; /* of the outbound SA */
	bool has_oa;
	struct proto_ike_addr oa_peer;
	size_t enc_key_len, auth_key_len;
	uint32_t lifetime_s, lifetime_kb;
	/* IPComp (RFC 3173): an IPComp SA pair applied before the ESP/AH one (which then runs in
	 * transport mode, the IPComp SAs carrying the tunnel), installed and removed with it. */
	bool ipcomp;
	uint16_t cpi_in, cpi_out;
	bool comp_in, comp_out; /* what is actually in the kernel */
	/* Lifetimes and replacement. The kernel's soft limit (lifetime - rekeymargin - fuzz) starts
	 * a rekey; a new child with the same selectors supersedes this one, which is deleted a few
	 * seconds later; the hard limit removes it. */
	uint32_t soft_s;     /* soft time limit given to the kernel (0: none, rekey=no) */
	uint64_t soft_bytes; /* soft byte limit (0: none) */
	uint64_t soft_packets, hard_packets; /* lifepackets (0: none) */
	uint64_t soft_ms, hard_ms; /* when the time limits fall due, on our clock (0: none) */
	bool soft_expired;	   /* the kernel (or, failing that, the clock) said so */
	bool superseded;	   /* a newer child took over its traffic and policies */
	uint64_t retire_ms;	   /* superseded: when its SAs go (DELETE sent) */
	uint32_t rekey_msgid;	   /* the rekey's Quick Mode in flight (0: none) */
	uint64_t rekey_next_ms;	   /* earliest next rekey attempt */
	uint64_t rekey_p1_ms;	   /* a new phase 1 was started for its rekey at (0: no) */
	/* The outbound SA of a replacement is installed DMN_REKEY_OUT_DELAY_MS after the inbound
	 * one, so that the peer has installed its new inbound SA before anything arrives on it;
	 * until then the event (with the KEYMAT) waits here, and is wiped once used. */
	struct proto_ike_event *out_pending;
	uint64_t out_at_ms;
	/* its updown script ran (queued) for its up: the down runs when it goes (daemon/updown.c);
	 * NULL when no script is configured or its up belongs to the child it replaced */
	struct dmn_updown_saved *updown;
};

/* The id of child c's SA of one direction (comp: its IPComp SA), with its mark. */
struct xfrm_sa_id;
void dmn_child_sa_id(const struct dmn_child *c, bool inbound, bool comp, struct xfrm_sa_id *ret);
/* True if c's SAs are in the kernel (inbound, and outbound or about to be): it can carry
 * traffic. False for a child whose install the kernel refused. */
bool dmn_child_installed(const struct dmn_child *c);
/* The handle of the configured conn name (its per-conn counters), or NULL. */
struct dmn_conn_handle *dmn_ike_handle(const struct dmn *d, const char *name);

#define DMN_REKEY_OUT_DELAY_MS 1000u
#define DMN_REKEY_RETIRE_MS    5000u  /* a replaced child's SAs live on this long */
#define DMN_REKEY_RETRY_MS     40000u /* a rekey with no result is tried again after this */
#define DMN_REKEY_AGAIN_MS     10000u /* a failed rekey (or one undone) is tried again after */
#define DMN_RETRY_MAX_MS       60000u /* keyingtries backoff: 1 s doubling up to this */
#define DMN_RESOLVE_TTL_MS     60000u /* a right= hostname is looked up again after this */
#define DMN_ACQUIRE_HOLDOFF_MS 10000u /* auto=route: ACQUIREs within this start nothing */
#define DMN_REKEY_LATE_MS      2000u  /* the clock takes over from a kernel event this late */

/* An ISAKMP SA as the daemon knows it from the engine's events (for status and control). */
struct dmn_ike_sa {
	struct dmn_hlist_node node; /* dmn_ike.sa_list: every ISAKMP SA record */
	struct dmn_hlist_node flow; /* its dmn_ike.sa_flow bucket */
	struct dmn_hlist_node addr; /* its dmn_ike.sa_addr bucket */
	struct dmn_hlist_node idh;  /* its dmn_ike.sa_idh bucket */
	uint64_t sa_id;
	uint64_t conn_handle;
	char conn[64];
	uint64_t peer_id_hash; /* dmn_ike_peer_id_hash(p1.peer_id) */
	bool initiator;
	bool stale; /* negotiated before a reload changed its conn (ike_reload.c) */
	struct proto_ike_addr local, peer;
	struct proto_ike_p1_info p1;
	uint64_t established_ms;
	/* NAT keepalives (RFC 3948 §2.3) when we are behind a NAT; DPD (RFC 3706) when enabled */
	uint64_t keepalive_next_ms;
	uint64_t dpd_next_ms;	 /* earliest next R-U-THERE (one per dpddelay) */
	uint64_t dpd_sample_ms;	 /* next look at the inbound byte counters */
	uint64_t dpd_last_rx_ms; /* when they last grew (or the SA came up) */
	uint64_t dpd_in_bytes;	 /* inbound bytes of its children at the last look */
	bool dpd_probing;
	unsigned dpd_dead; /* times the peer was declared dead */
	/* Reauthentication: a new ISAKMP SA is negotiated at reauth_ms (lifetime - margin - fuzz),
	 * the children move to it, and this one is deleted at expire_ms. */
	uint64_t reauth_ms, expire_ms;
	bool reauth_started;
	/* children whose ike_sa_id is this SA (dmn_ike_child_set_sa): listings skip the flow chain
	 * of an SA without any, which is most of them when one peer address holds many SAs (a NAT)
	 */
	unsigned n_children;
};

/* The last failed negotiation of a conn (or of a peer no conn matched), for oakley explain. */
struct dmn_failure {
	char conn[64];	/* "" when no conn matched */
	char peer[64];	/* address[port] */
	uint8_t phase;	/* 1 or 2 */
	bool initiator; /* our role in the ISAKMP SA */
	bool sig;	/* the conn authenticates with signatures (certificates), not a PSK */
	enum proto_ike_reason reason;
	char text[256]; /* the engine's own account */
	uint64_t at_ms;
	unsigned count; /* failures of this conn and peer since the daemon started */
};
#define DMN_FAILURES_MAX 64
/* Peers no conn matched have a ring of their own, so that a scan of the port cannot push the
 * conns' failures out of oakley explain. */
#define DMN_UNMATCHED_MAX 16

/* A datagram the kernel refused to send (sendto's errno), kept so that a negotiation that then
 * timed out is blamed on this host (no route) rather than on the peer. */
struct dmn_send_error {
	char addr[64]; /* the destination address, without the port */
	int err;       /* positive errno */
	uint64_t at_ms;
};
#define DMN_SEND_ERRORS_MAX 8
#define DMN_SEND_ERROR_MS   120000 /* a send error this old no longer explains a timeout */

/* Plain words for a failure: what it means and what to change. */
void dmn_failure_explain(const struct dmn_failure *f, char *why, size_t why_len, char *fix,
			 size_t fix_len);
/* Keeps the last failure of each (conn, peer) for oakley explain, within DMN_FAILURES_MAX (a
 * peer no conn matched: within DMN_UNMATCHED_MAX); a timeout after local send errors to that
 * peer says so in its text. Returns the record (the caller may add what it knows). */
struct dmn_failure *dmn_failure_record(struct dmn *d, const char *conn, const char *peer,
				       uint8_t phase, bool initiator, enum proto_ike_reason reason,
				       const char *text);
/* Notes that sending to dst (its address as dmn_sockaddr_str prints it) failed with -err. */
void dmn_send_error_note(struct dmn *d, const char *dst, int err);

#define DMN_IKE_TICK_MS 250 /* NAT keepalive and DPD checks */

/* Half-open SAs that count as a flood, after which the heap is trimmed (trim_after_flood). */
#define DMN_TRIM_HALF_OPEN 64

/* Buckets of the (conn, peer address) index of children and ISAKMP SAs (dmn_ike_flow_*). */
#define DMN_FLOW_BUCKETS 4096

struct dmn_ike {
	struct proto_ike_engine *engine;
	uint64_t id_key[2]; /* random: keys dmn_ike_peer_id_hash */
	/* children and ISAKMP SA records by (conn name, peer address), newest first in each chain:
	 * a rekey, an adoption or "the newest SA with this peer" look at one chain, not at all */
	struct dmn_hlist_head child_flow[DMN_FLOW_BUCKETS]; /* struct dmn_child, through flow */
	struct dmn_hlist_head sa_flow[DMN_FLOW_BUCKETS];    /* struct dmn_ike_sa, through flow */
	/* the same by peer address alone, whatever the conn: what INITIAL-CONTACT (received, or
	 * whether to send it) looks at */
	struct dmn_hlist_head child_addr[DMN_FLOW_BUCKETS]; /* through addr */
	struct dmn_hlist_head sa_addr[DMN_FLOW_BUCKETS];    /* through addr */
	/* ISAKMP SA records by the peer's proved ID (peer_id_hash): uniqueids= looks there */
	struct dmn_hlist_head sa_idh[DMN_FLOW_BUCKETS]; /* through idh */
	struct dmn_map timers;				/* sa_id -> sd_event_source * */
	struct dmn_map children;	  /* (protocol << 32 | spi_in) + 1 -> struct dmn_child * */
	struct dmn_hlist_head child_list; /* every child, newest first (through node) */
	struct dmn_map sas;	       /* sa_id -> struct dmn_ike_sa * (established ISAKMP SAs) */
	struct dmn_hlist_head sa_list; /* every ISAKMP SA record, newest first (through node) */
	unsigned n_sas;
	unsigned n_children;
	/* Test seam for allocation failure (ike_records.c): while record_alloc_fail is nonzero,
	 * each allocation of an ISAKMP SA or child record fails and decrements it; an in-process
	 * test sets it to 1 to make the next one fail. A record that cannot be allocated (or
	 * indexed) takes its SA with it: the engine's ISAKMP SA is deleted, or the child is deleted
	 * with the peer before anything of it is installed, with a log line; records_failed counts
	 * them. */
	unsigned record_alloc_fail;
	uint64_t records_failed;
	/* Conn handles the engine echoes in events: one id per conn name, kept across a reload for
	 * a conn that did not change, forgotten for one that changed or went away. */
	struct dmn_conn_handle {
		char name[64];
		uint64_t id;
		uint64_t acquire_ms;	/* auto=route: last negotiation an ACQUIRE started */
		unsigned tries;		/* phase-1 attempts that failed in a row (keyingtries) */
		uint64_t retry_ms;	/* when the next attempt starts (0: none planned) */
		uint64_t connecting_ms; /* a phase 1 we started (not a reauthentication) runs
					 * since (0: none) */
		struct proto_ike_addr resolved; /* right= hostname: its address (resolve.c) */
		uint64_t resolved_ms;		/* when it was resolved (0: never) */
		bool resolving;			/* a lookup is running */
		int8_t route_override; /* ipsec route (1) / unroute (-1) by hand; 0: as auto= */
		/* oakley metrics, per conn: ISAKMP SAs and IPsec SA pairs established, failed
		 * phase-1 and phase-2 negotiations */
		uint64_t p1_up, p2_up, p1_failed, p2_failed;
		unsigned changed_gen; /* reload_gen of the last reload that changed it */
		bool peer_moved;      /* such a reload gave it another right= address */
		bool keep_up;	      /* auto=keep: it was up; initiated again when it goes down */
	} * handles;
	size_t n_handles, cap_handles;
	/* handles by name (ike_conn.c): open addressing over index + 1 into handles (0: empty),
	 * at most half full; NULL when it could not be allocated (lookups then walk handles) */
	uint32_t *handle_ix;
	size_t handle_ix_cap; /* power of two */
	/* handles by id: id -> index + 1 into handles. Every event and every SA's tick look up
	 * their conn by handle id. handle_id_partial: an insert failed (out of memory), so a miss
	 * walks handles */
	struct dmn_map handle_by_id;
	bool handle_id_partial;
	uint64_t next_handle;
	struct dmn_ratelimit rl_drop;
	struct dmn_ratelimit rl_halfopen; /* responder negotiations the peer never finished */
	sd_event_source *tick;		  /* 1 s: NAT keepalives and DPD idle checks */
	uint64_t keepalives_sent, dpd_probes;
	uint64_t rekeys_started, rekeys_done, reauths_started, expired_soft, expired_hard;
	uint64_t unique_replaced, unique_refused; /* uniqueids= acted */
	uint64_t acquires;
	struct dmn_failure failures[DMN_FAILURES_MAX]; /* oakley explain; oldest replaced */
	unsigned n_failures;
	struct dmn_failure unmatched[DMN_UNMATCHED_MAX]; /* peers no conn matched; a ring */
	unsigned n_unmatched;
	struct dmn_send_error send_errors[DMN_SEND_ERRORS_MAX]; /* a ring */
	unsigned send_error_next;
	/* negotiations, for oakley metrics */
	uint64_t p1_initiated, p1_up, p2_up;
	uint64_t p1_failed[PROTO_IKE_REASON__MAX], p2_failed[PROTO_IKE_REASON__MAX];
	bool unrouting;	     /* removing a conn: its trap policies go too */
	unsigned reload_gen; /* reloads so far (ike_reload.c) */
	sd_event_source
		*xev_source; /* kernel events: SA expiry, ACQUIRE (dmn_kernel_events_open) */
	struct proto_ike_stats summary_stats; /* engine counters at the last drop summary */
	uint64_t summary_next_ms;
	bool trim_pending; /* many half-open SAs were alive: trim the heap once they are gone */
};

/* Whether the conn of handle h is connecting (what status counts so): a phase 1 we started runs,
 * a keyingtries retry is planned or its right= hostname is being looked up. */
static inline bool dmn_ike_handle_connecting(const struct dmn_conn_handle *h)
{
	return h->connecting_ms || h->retry_ms || h->resolving;
}

/* The bucket of (conn name, peer address) in dmn_ike.child_flow / sa_flow: FNV-1a over the name
 * and the address (not the port, which a NAT may change). */
static inline unsigned dmn_ike_flow_bucket(const char *conn, const struct proto_ike_addr *peer)
{
	uint32_t h = 2166136261u;
	for (const char *p = conn; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (int i = 0; i < (peer->family == AF_INET6 ? 16 : 4); i++)
		h = (h ^ peer->addr[i]) * 16777619u;
	return h & (DMN_FLOW_BUCKETS - 1);
}

/* The bucket of a peer address (not its port) in dmn_ike.child_addr / sa_addr. */
static inline unsigned dmn_ike_addr_bucket(const struct proto_ike_addr *peer)
{
	return dmn_ike_flow_bucket("", peer);
}

/* The children that may belong to ISAKMP SA sa (those of its conn and peer; check ike_sa_id),
 * then each next one through dmn_ike_child_flow_next. */
static inline const struct dmn_child *dmn_ike_flow_children(const struct dmn *d,
							    const struct dmn_ike_sa *sa)
{
	return d->ike ? dmn_hlist_first_entry(
				&d->ike->child_flow[dmn_ike_flow_bucket(sa->conn, &sa->peer)],
				const struct dmn_child, flow)
		      : NULL;
}
static inline const struct dmn_child *dmn_ike_child_flow_next(const struct dmn_child *c)
{
	return dmn_hlist_next_entry(c, flow);
}

/* Whether child c is listed on its own, not under an ISAKMP SA: the SA it names is gone, or is
 * not in the flow chain of c's conn and peer (where a listing of that SA looks). O(1). */
static inline bool dmn_ike_child_orphan(const struct dmn *d, const struct dmn_child *c)
{
	const struct dmn_ike_sa *sa =
		d->ike && c->ike_sa_id ? dmn_map_get(&d->ike->sas, c->ike_sa_id) : NULL;
	return !sa ||
	       dmn_ike_flow_bucket(sa->conn, &sa->peer) != dmn_ike_flow_bucket(c->conn, &c->peer);
}

/* The key of child c in dmn_ike.children. */
static inline uint64_t ike_child_key_of(const struct dmn_child *c)
{
	return ((uint64_t)c->protocol << 32 | c->spi_in) + 1;
}

/* Iteration for status and control: established ISAKMP SAs and installed children, newest first. */
static inline const struct dmn_ike_sa *dmn_ike_sas(const struct dmn *d)
{
	return d->ike ? dmn_hlist_first_entry(&d->ike->sa_list, const struct dmn_ike_sa, node)
		      : NULL;
}
static inline const struct dmn_ike_sa *dmn_ike_sa_next(const struct dmn_ike_sa *sa)
{
	return dmn_hlist_next_entry(sa, node);
}
static inline const struct dmn_child *dmn_ike_children(const struct dmn *d)
{
	return d->ike ? dmn_hlist_first_entry(&d->ike->child_list, const struct dmn_child, node)
		      : NULL;
}
static inline const struct dmn_child *dmn_ike_child_next(const struct dmn_child *c)
{
	return dmn_hlist_next_entry(c, node);
}

/* Deletes (with DELETE notifications) every ISAKMP SA and child of the conn called name; returns
 * how many ISAKMP SAs were deleted, or -ENOENT. */
int dmn_ike_terminate(struct dmn *d, const char *name);
/* Deletes ISAKMP SA sa_id (its uniqueid in list-sas) and its children, telling the peer; 0 or
 * -ENOENT. */
int dmn_ike_terminate_sa(struct dmn *d, uint64_t sa_id);
/* Deletes the child whose key in dmn_ike.children is key, telling the peer (over its ISAKMP SA,
 * else the newest with its peer); its ISAKMP SA stays. 0 or -ENOENT. */
int dmn_ike_terminate_child(struct dmn *d, uint64_t key);
/* Rekeys the children of conn name now (ike: reauthenticates its ISAKMP SA instead); returns
 * how many were started, or -ENOENT. */
int dmn_ike_rekey(struct dmn *d, const char *name, bool ike);
/* `ipsec route`/`unroute` (VICI install/uninstall): installs (add) or removes conn name's trap
 * policies, as auto=route would, until the conn changes on a reload or the daemon restarts. A
 * live tunnel's policies are never removed: they stay or go with its SAs. Returns 0, -ENOENT (no
 * such conn), -EALREADY (already routed / not routed) or the kernel's -errno. */
int dmn_ike_route(struct dmn *d, const char *name, bool add);
