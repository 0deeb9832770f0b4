/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two IKEv1 engines in one process over an in-memory wire, with a mocked proto_env (seeded
 * random stream, fake millisecond clock, captured log) and mocked policy callbacks. The wire can
 * drop, duplicate and reorder messages; DH jobs are queued and run one pump step later, so the
 * exchanges really suspend.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ike/engine.h"

#define H_EVENTS_MAX 64
#define H_WIRE_MAX   256
#define H_TIMERS_MAX 64
#define H_LOG_MAX    (256 * 1024)

struct h_peer {
	const char *name;
	struct proto_ike_engine *e;
	struct proto_env env;
	struct proto_ike_policy pol;
	struct proto_ike_conn conn;
	bool has_conn;
	char psk[64];
	struct proto_ike_addr addr;
	uint64_t rng;
	uint32_t next_spi;
	uint32_t next_cpi; /* IPComp CPIs: 0x1100.. (a), 0x2100.. (b) */
	bool fail_cpi;	   /* alloc_spi refuses PROTO_IPCOMP */
	struct proto_ike_event ev[H_EVENTS_MAX];
	unsigned n_ev;
	struct {
		uint64_t sa_id, deadline;
	} timers[H_TIMERS_MAX];
	char *log;
	size_t log_len;
	struct h_world *w;
	/* the policy's Transaction callback (struct proto_ike_policy's cfg); NULL: refuse (-1) */
	int (*cfg)(struct h_peer *p, uint64_t sa_id, uint32_t msgid,
		   const struct proto_ike_cfg_msg *in, struct proto_ike_cfg_msg *ret,
		   const char *text);
};

struct h_pkt {
	int to; /* 0 = a, 1 = b */
	uint8_t *data;
	size_t len;
	bool natt;	       /* sent on the NAT-T socket */
	uint16_t sport, dport; /* UDP ports the sender used */
};

/* A NAT in front of one peer: its datagrams appear to come from pub, with source port 500
 * mapped to port500 and 4500 to port4500 (change them to simulate a new mapping). */
struct h_nat {
	bool on;
	struct proto_ike_addr pub;
	uint16_t port500, port4500;
};

struct h_world {
	struct h_peer p[2];
	uint64_t now;
	struct h_pkt wire[H_WIRE_MAX];
	unsigned n_wire;
	struct proto_ike_dh_job *jobs[64];
	unsigned n_jobs;
	unsigned sent;	      /* datagrams put on the wire so far */
	unsigned drop_nth[8]; /* 1-based numbers of datagrams to drop */
	unsigned n_drop;
	bool duplicate_all;
	bool blackhole_to[2];	/* drop everything sent to this peer */
	unsigned deliver_limit; /* stop delivering after this many datagrams (0 = no limit) */
	void (*tap)(struct h_world *w, int to, const uint8_t *data,
		    size_t len);			     /* sees deliveries */
	void (*mangle)(struct h_world *w, struct h_pkt *pk); /* may rewrite (realloc) a datagram
								before it is delivered */
	bool reverse;			      /* deliver each batch in reverse order */
	void (*before_dh)(struct h_world *w); /* sees the world before queued DH jobs run (a test
						 may change a suspended exchange there) */
	bool verbose;
	unsigned delivered;
	struct h_nat nat[2];		       /* NAT in front of peer i */
	unsigned natt_sent[2];		       /* datagrams peer i sent on its NAT-T socket */
	unsigned plain_sent[2];		       /* ... on its IKE socket */
	uint16_t last_sport[2], last_dport[2]; /* ports of peer i's last datagram */
	uint64_t sent_at[2][32]; /* clock of peer i's first 32 datagrams, blackholed ones too */
	unsigned n_sent_at[2];
	bool bad_port; /* a NAT-T datagram not between NAT-T ports, or vice versa */
};

/* Puts a NAT (public address 203.0.113.5 or 2001:db8:ffff::5) in front of peer who. */
void h_nat(struct h_world *w, int who);

/* A world with peers a (192.0.2.1) and b (192.0.2.2), or IPv6 2001:db8::1/::2. */
void h_init(struct h_world *w, bool v6, uint64_t seed);
void h_free(struct h_world *w);
/* A default conn: aes128-sha256-modp2048 (+3des-sha1-modp1536), esp aes128-sha256, tunnel,
 * local 10.1.0.0/16 (a) / 10.2.0.0/16 (b) seen from that peer's side, IDs = addresses. */
void h_default_conn(struct h_world *w, int who, struct proto_ike_conn *ret);
/* Runs until nothing is queued and no timer is armed, or max_ms of fake time passed. */
void h_run(struct h_world *w, uint64_t max_ms);
/* Starts a negotiation from peer who with its conn. */
uint64_t h_initiate(struct h_world *w, int who);
/* The nth event of type t of a peer, or NULL. */
const struct proto_ike_event *h_event(const struct h_peer *p, enum proto_ike_event_type t,
				      unsigned nth);
unsigned h_count(const struct h_peer *p, enum proto_ike_event_type t);
/* True if the captured log of p contains s. */
bool h_log_has(const struct h_peer *p, const char *s);

/* One named test case of an exch test program. */
struct h_case {
	const char *name;
	void (*fn)(void);
};

/* Runs the case named by argv[1] (all of them without one); false (and a message) when no case
 * has that name. The caller then returns TEST_END(), whose counters are its own. */
bool h_run_cases(const struct h_case *cases, size_t n, int argc, char **argv);
