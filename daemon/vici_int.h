/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals shared by the VICI server (daemon/vici_srv.c: socket, clients, queues, events), the
 * list-sa formatting (vici_sa.c), the command table and dispatcher (vici_cmds.c) and the command
 * handlers (vici_list.c, vici_ctl.c, vici_load.c, vici_obs.c).
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon/convert.h"
#include "daemon/dmn.h"
#include "daemon/list.h"
#include "daemon/log.h"
#include "tools/vici/vici.h"

#define DMN_VICI_CLIENTS_MAX 64
/* Largest request accepted from a client (requests are small: names and a few options). */
#define DMN_VICI_REQ_MAX (64u * 1024u)
/* Bytes queued for one client before it counts as not reading and is dropped. */
#define DMN_VICI_OUTQ_MAX (4u * 1024u * 1024u)
/* Requests handled per wake-up of one client, so one client cannot starve the loop. */
#define DMN_VICI_BURST 16
/* initiate: how long a request waits for its result unless it asks otherwise. */
#define DMN_VICI_INITIATE_TIMEOUT_MS	 60000u
#define DMN_VICI_INITIATE_TIMEOUT_MAX_MS 600000u

/* Events a client may register for (bit = 1 << enum dmn_vici_event; names: dmn_vici_event_name). */
#define DMN_VICI_EVENTS(X)                                                                         \
	X(IKE_UPDOWN, "ike-updown")                                                                \
	X(CHILD_UPDOWN, "child-updown")                                                            \
	X(LOG, "log")                                                                              \
	X(CONTROL_LOG, "control-log")                                                              \
	X(LIST_SA, "list-sa")                                                                      \
	X(LIST_CONN, "list-conn")                                                                  \
	X(LIST_CERT, "list-cert")

#define DMN_VICI_X_EVENT(sym, name) DMN_VICI_EV_##sym,
enum dmn_vici_event { DMN_VICI_EVENTS(DMN_VICI_X_EVENT) DMN_VICI_EV__MAX };
#undef DMN_VICI_X_EVENT

struct dmn_vici_out {
	struct dmn_list_head link; /* dmn_vici_client.out */
	size_t len, off;
	uint8_t data[];
};

/* A request waiting for the IKE engine (initiate). */
struct dmn_vici_pending {
	char conn[64];
	bool want_child; /* done on child-updown; else on ike-updown */
	sd_event_source *timer;
	char fail[256]; /* first warning/error logged about conn while waiting */
};

/* A conn that is connecting (no ISAKMP SA yet), as list-sas shows it. */
struct dmn_vici_connecting {
	char conn[64];
	unsigned attempt;  /* 1 for the first */
	uint64_t retry_ms; /* when the next attempt starts (0: one runs now) */
};

/* A list-sas that streams more events than the output queue may hold: what is left to send, as
 * ids (an SA or child gone meanwhile is skipped), then the conns that were connecting when it
 * began; resumed whenever the client has read enough. */
struct dmn_vici_listing {
	uint64_t *sa_ids, *child_keys; /* dmn_ike.sas ids, dmn_ike.children keys */
	size_t n_sa, next_sa, n_child, next_child;
	struct dmn_vici_connecting *conns;
	size_t n_conn, next_conn;
};

struct dmn_vici_client {
	struct dmn_hlist_node link; /* dmn_vici.clients */
	struct dmn_vici *v;
	unsigned id;
	int fd;
	sd_event_source *src;
	struct vici_reader rd;
	struct dmn_list_head out; /* struct dmn_vici_out, oldest first (dmn_list_init it) */
	size_t out_bytes;
	uint32_t events; /* 1 << enum dmn_vici_event */
	bool dead;	 /* dropped: freed by the reaper, skipped by everyone else */
	struct dmn_vici_pending *pending;
	struct dmn_vici_listing *listing; /* no request is read while it runs */
	char control[64]; /* while a terminate runs: the conn whose lines go to control-log */
};

struct dmn_vici {
	struct dmn *d;
	int fd;
	char *path;
	sd_event_source *listen_src;
	sd_event_source *reaper;
	struct dmn_hlist_head clients; /* struct dmn_vici_client, newest first */
	unsigned n_clients;
	unsigned next_id;
	pthread_t loop_thread;
	bool in_log;   /* a log line is being forwarded: lines logged meanwhile are dropped */
	char *capture; /* while set, the first error logged on the loop thread lands here */
	size_t capture_cap;
	uint64_t started_ms;
	uint64_t started_real_s;
	uint64_t requests, dropped;	/* counters for `stats` */
	struct dmn_ratelimit rl_refuse; /* "refusing a client" lines */
	char (*loaded)[64]; /* names of conns loaded with load-conn (what get-conns lists) */
	size_t n_loaded;
};

/* The name of an event ("ike-updown"), and its index for a name (or -1). */
const char *dmn_vici_event_name(enum dmn_vici_event e);
int dmn_vici_event_lookup(const uint8_t *name, size_t len);

/* vici_list.c: sends more of c's listing while its output queue is below half full; the reply
 * ends it. */
void dmn_vici_listing_pump(struct dmn_vici_client *c);
void dmn_vici_listing_free(struct dmn_vici_listing *l);

/* Queues a finished packet builder's bytes to c (dropping c if its queue overflows); frees b. */
void dmn_vici_send(struct dmn_vici_client *c, struct vici_builder *b);
/* Sends an event packet (built by b) to c if c registered for e; frees b either way. */
void dmn_vici_send_event(struct dmn_vici_client *c, enum dmn_vici_event e, struct vici_builder *b);
/* A CMD_RESPONSE with success = yes, or success = no and errmsg. */
void dmn_vici_reply_status(struct dmn_vici_client *c, bool ok, const char *errmsg);
/* A packet with no message (EVENT_CONFIRM, EVENT_UNKNOWN, CMD_UNKNOWN). */
void dmn_vici_reply_bare(struct dmn_vici_client *c, enum vici_packet_type type);
/* A CMD_RESPONSE with an empty message (ends the events of list-sas and list-conns). */
void dmn_vici_reply_empty(struct dmn_vici_client *c);
/* Drops c (closes it now, frees it from the loop soon). */
void dmn_vici_client_kill(struct dmn_vici_client *c, const char *why);
/* Ends c's pending request with a response and resumes reading from c. */
void dmn_vici_pending_done(struct dmn_vici_client *c, bool ok, const char *errmsg);

struct dmn_ike_sa;
struct dmn_child;

/*
 * Adds the list-sa style section of an ISAKMP SA (keyed by its conn name) with, in child-sas,
 * its children (all of them, or only child if child is non-NULL, or none if no_children).
 * sa may be NULL for children whose ISAKMP SA is gone (they are listed under their conn name).
 */
void dmn_vici_ike_section(struct dmn *d, struct vici_builder *b, const struct dmn_ike_sa *sa,
			  const struct dmn_child *child, bool no_children);
/* The list-sa style section of a connecting conn: state CONNECTING, its configured hosts, attempt
 * (1 for the first) and, when a keyingtries retry is planned, next-attempt-in (seconds). */
void dmn_vici_connecting_section(struct dmn *d, struct vici_builder *b,
				 const struct dmn_vici_connecting *cn);

/*
 * Handles one received segment from c (the entry point for a fuzz harness: c needs an fd that
 * takes writes, e.g. one end of a socketpair). Returns 0, or -EBADMSG for a packet a client must
 * not send (the caller drops c).
 */
int dmn_vici_input(struct dmn_vici_client *c, const uint8_t *seg, size_t len);

/*
 * Runs one CMD_REQUEST from c: looks name up in the const command table and calls the handler
 * with the parsed message (root section). Answers CMD_UNKNOWN for unknown names. Returns 0, or
 * -EBADMSG when the message is malformed (the caller drops the client).
 */
int dmn_vici_dispatch(struct dmn_vici_client *c, const uint8_t *name, size_t name_len,
		      const uint8_t *msg, size_t msg_len);

/* A CMD_REQUEST being handled: the client, the daemon and the parsed message. */
struct dmn_vici_req {
	struct dmn_vici_client *c;
	struct dmn *d;
	const struct vici_node *msg; /* root section of the request */
};

/* A decimal number and nothing else (no sign): true and *ret set, or false. */
bool dmn_vici_parse_u64(const char *s, unsigned long long *ret);

/* One key-value of a request to read as a string: its key, and the buffer it goes to. */
struct dmn_vici_arg {
	const char *key;
	char *buf;
	size_t cap; /* > 0 */
};
/*
 * Reads the key-values args[0..n) of rq's message into their buffers, every one of which is
 * written: the value, or "" when the key is absent or empty. Returns true, or false after
 * answering rq (success = no, errmsg naming the key) when a value is longer than its buffer
 * allows or holds a NUL byte: a name is taken whole or not at all.
 */
bool dmn_vici_req_args(const struct dmn_vici_req *rq, const struct dmn_vici_arg *args, size_t n)
	__attribute__((warn_unused_result));
/*
 * The number in the string s read from key (dmn_vici_req_args): true with *ret set (0 if s is
 * empty), or false after answering rq when s is not a decimal number.
 */
bool dmn_vici_req_num(const struct dmn_vici_req *rq, const char *key, const char *s,
		      unsigned long long *ret) __attribute__((warn_unused_result));
/* Whether name was loaded with load-conn (and not unloaded since): what get-conns lists. */
bool dmn_vici_is_loaded(const struct dmn_vici *v, const char *name);

/*
 * The command handlers, one per entry of the table in vici_cmds.c. Each answers rq->c exactly
 * once (initiate possibly later, through dmn_vici_pending_done) and may drop it.
 */
/* vici_list.c */
void dmn_vici_cmd_version(const struct dmn_vici_req *rq);
void dmn_vici_cmd_stats(const struct dmn_vici_req *rq);
void dmn_vici_cmd_list_sas(const struct dmn_vici_req *rq);
void dmn_vici_cmd_list_conns(const struct dmn_vici_req *rq);
void dmn_vici_cmd_get_conns(const struct dmn_vici_req *rq);
/* vici_ctl.c */
void dmn_vici_cmd_initiate(const struct dmn_vici_req *rq);
void dmn_vici_cmd_terminate(const struct dmn_vici_req *rq);
void dmn_vici_cmd_rekey(const struct dmn_vici_req *rq);
void dmn_vici_cmd_reload_settings(const struct dmn_vici_req *rq);
/* vici_route.c */
void dmn_vici_cmd_install(const struct dmn_vici_req *rq);
void dmn_vici_cmd_uninstall(const struct dmn_vici_req *rq);
/* vici_load.c */
void dmn_vici_cmd_load_conn(const struct dmn_vici_req *rq);
void dmn_vici_cmd_unload_conn(const struct dmn_vici_req *rq);
void dmn_vici_cmd_load_shared(const struct dmn_vici_req *rq);
/* daemon/vici_certs.c */
void dmn_vici_cmd_load_cert(const struct dmn_vici_req *rq);
void dmn_vici_cmd_load_key(const struct dmn_vici_req *rq);
void dmn_vici_cmd_get_keys(const struct dmn_vici_req *rq);
void dmn_vici_cmd_list_certs(const struct dmn_vici_req *rq);
/* vici_obs.c */
void dmn_vici_cmd_metrics(const struct dmn_vici_req *rq);
void dmn_vici_cmd_explain(const struct dmn_vici_req *rq);
