/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the IKEv1 engine shared by its files: the SA and exchange objects, the state
 * table rows and the dispatcher's contract with the handlers.
 */
#pragma once

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/cipher.h"
#include "crypto/dh.h"
#include "crypto/ike_keys.h"
#include "crypto/prf.h"
#include "proto/codec.h"
#include "proto/consts.h"
#include "proto/env.h"
#include "proto/ike/engine.h"

#define IKE_NONCE_LEN	 32
#define IKE_SA_BUCKETS	 256  /* initial size of the cookie and id tables (they grow) */
#define IKE_HO_BUCKETS	 1024 /* per-address half-open chains */
#define IKE_QM_LINGER_MS 30000u
#define IKE_SLOTS	 PROTO_IKE_QM_MAX /* post-phase-1 exchanges in progress per SA */
#define IKE_DONE_MSGIDS	 32	 /* an initiator keeps a finished QM to answer a resent QM2 */
#define IKE_CPI_MIN	 256u	 /* RFC 3173 §3.3: 0..63 well-known, 64..255 reserved */
#define IKE_CPI_MAX	 0xefffu /* ... 61440..65535 for private use */

/* Every state of every exchange and role. The *_DH states wait for a DH job. */
/* One state a line: clang-format 14 does not settle on a layout for this list. */
/* clang-format off */
#define IKE_STATES(X) \
	X(S_NONE) \
	X(S_MM_I_START) \
	X(S_MM_I1_SENT) \
	X(S_MM_I2_DH) \
	X(S_MM_I3_SENT) \
	X(S_MM_I4_DH) \
	X(S_MM_I5_SENT) \
	X(S_MM_R_START) \
	X(S_MM_R2_SENT) \
	X(S_MM_R3_DH) \
	X(S_MM_R4_SENT) \
	X(S_AM_I_START) \
	X(S_AM_I0_DH) \
	X(S_AM_I1_SENT) \
	X(S_AM_I2_DH) \
	X(S_AM_R_START) \
	X(S_AM_R1_DH) \
	X(S_AM_R2_SENT) \
	X(S_P1_UP) \
	X(S_QM_I_START) \
	X(S_QM_I0_DH) \
	X(S_QM_I1_SENT) \
	X(S_QM_I2_DH) \
	X(S_QM_I_DONE) \
	X(S_QM_R_START) \
	X(S_QM_R1_DH) \
	X(S_QM_R2_SENT) \
	X(S_QM_R_DONE) \
	X(S_CFG_I_START) \
	X(S_CFG_I1_SENT) \
	X(S_CFG_I_DONE) \
	X(S_CFG_R_START) \
	X(S_CFG_R_DONE)
/* clang-format on */

#define IKE_X_STATE(s) s,
enum ike_state { IKE_STATES(IKE_X_STATE) S__MAX };

const char *proto_ike_state_name(enum ike_state s);

/* What woke the dispatcher. */
enum ike_ev {
	EV_START, /* we initiate */
	EV_RECV,  /* a message arrived (x->msg decoded) */
	EV_DH,	  /* the exchange's DH job finished (x->job) */
};

/*
 * Handler results. The dispatcher applies them:
 *   result     | state           | reply                        | timer          | IV
 *   IKE_NEXT   | row.to          | x->out sent, cached          | row.arm: retx  | committed
 *   IKE_WAIT   | row.to (a _DH)  | none                         | unchanged      | committed
 *   IKE_DONE   | row.to          | x->out sent if built, cached | linger/none    | committed
 *   IKE_DROP   | unchanged       | none                         | unchanged      | discarded
 *   IKE_FAIL   | exchange freed  | an error notify if set       | cancelled      | discarded
 *   IKE_GONE   | SA freed by the handler (delete received)      | -              | -
 * IKE_FAIL runs the kind's on_fail hook (struct ike_kind: phase 1 frees the SA and emits
 * P1_FAILED; a QM emits P2_FAILED) with reason and text from the handler via proto_ike_fail(),
 * then frees a post-phase-1 exchange.
 */
enum ike_ret {
	IKE_NEXT,
	IKE_WAIT,
	IKE_DONE,
	IKE_DROP,
	IKE_FAIL,
	IKE_GONE,
};

/* Payload sets are bit masks over payload types 0..63. */
#define PL(t)	   (UINT64_C(1) << (t))
#define PL_ANY_VID PL(ISAKMP_PL_VID)
/* In a row's allowed set: the message carries the peer's phase-1 authentication, the payloads
 * of the negotiated method (ike_auth.c) are added to required and allowed. Type 0 (NONE) is no
 * payload, so its bit is free. */
#define PL_AUTH PL(ISAKMP_PL_NONE)

struct ike_sa;
struct ike_xchg;

/* The arguments of one handler call. */
struct ike_ctx {
	struct proto_ike_engine *e;
	struct ike_sa *sa;
	struct ike_xchg *x;
	const struct proto_msg *msg;  /* EV_RECV */
	const uint8_t *body;	      /* decrypted body (EV_RECV) */
	size_t body_len;	      /* without padding */
	struct proto_ike_dh_job *job; /* EV_DH */
	uint16_t notify;	      /* IKE_FAIL: notify type to send, 0 = none */
	uint8_t flags;		      /* ISAKMP header flags of the message (EV_RECV) */
};

struct ike_row {
	enum ike_state from, to;
	enum ike_ev ev;
	uint64_t required, allowed;	       /* payloads (allowed includes required) */
	bool (*when)(const struct ike_ctx *c); /* guard; NULL = always */
	enum ike_ret (*handler)(struct ike_ctx *c);
	bool arm; /* arm the retransmission timer after sending */
};

/* When the messages of an exchange kind must be encrypted (a plaintext one is dropped). */
enum ike_enc {
	IKE_ENC_NEVER,	    /* Aggressive Mode, Informational (checked by its input) */
	IKE_ENC_AFTER_KEYS, /* Main Mode: MM5 on */
	IKE_ENC_ALWAYS,	    /* Quick Mode, Transaction */
};

/*
 * One kind of exchange (the table is in ike_kind.c). Phase-1 kinds run in sa->p1 with message
 * ID 0; phase2 kinds in one of the SA's IKE_SLOTS slots, each with its own message ID, IV and
 * data_size bytes of data (x->data) that init fills and clear releases. A kind without tables
 * (Informational: one message, nothing to keep) has input, which takes the whole message.
 */
struct ike_kind {
	uint8_t type; /* ISAKMP_XCHG_* */
	const char *name;
	const struct ike_table *i, *r; /* state tables of the initiator and the responder */
	enum ike_enc enc;
	bool phase2;
	bool early; /* queued (one per SA) when it arrives before our phase 1 is done */
	enum ike_state start_i, start_r, done_i, done_r;
	bool linger_i, linger_r; /* a finished exchange is kept IKE_QM_LINGER_MS (it answers a
				    resent last message) instead of being retired at once */
	size_t data_size;
	void (*init)(struct ike_sa *sa, struct ike_xchg *x);
	void (*clear)(struct ike_xchg *x);
	/* no reply within the retransmit timeout; false: the SA is gone */
	bool (*on_timeout)(struct ike_sa *sa, struct ike_xchg *x, const char *text);
	/* the exchange ended well and its last message went out */
	void (*on_done)(struct ike_ctx *c);
	/* a handler failed (IKE_FAIL); false: the SA is gone */
	bool (*on_fail)(struct ike_ctx *c, enum proto_ike_reason r, const char *text);
	/* true when the message was authenticated */
	bool (*input)(struct ike_sa *sa, const struct proto_header *h, uint8_t *body, size_t len);
};

/* NULL for an exchange type the engine does not run. */
const struct ike_kind *proto_ike_kind(uint8_t type);

/* One phase-1 authentication method (ike_auth.c). */
struct ike_auth_method {
	uint16_t method; /* IKE_AUTH_* */
	const char *name;
	bool sig; /* signatures: SKEYID from the nonces and g^xy, [CERT] SIG, CRs */
	/* SKEYID (RFC 2409 §5); psk is used by PSK only, gxy by signatures only */
	int (*skeyid)(enum crypto_hash hash, struct crypto_buf psk, struct crypto_buf ni_b,
		      struct crypto_buf nr_b, struct crypto_buf gxy, uint8_t *ret_skeyid);
	uint64_t required, allowed; /* payloads of the peer's authenticating message */
	const char *refused;	    /* not NULL: never negotiated, and why */
	/* XAUTH (draft-beaulieu-ike-xauth): which phase-1 role the XAUTH round authenticates
	 * (IKE_XAUTH_*); hybrid (draft-ietf-ipsec-isakmp-hybrid-auth): that role sends HASH over
	 * the signature SKEYID and only the other signs. */
	uint8_t xauth;
	bool hybrid;
};

enum { IKE_XAUTH_NONE, IKE_XAUTH_INIT, IKE_XAUTH_RESP };

struct ike_table {
	const char *name;
	const struct ike_row *rows;
	size_t n;
};

/* A chosen or offered phase-2 proposal: one ESP or AH transform, alone or with an IPComp
 * transform under the same proposal number (RFC 2408 §4.2: proposals sharing a number are one
 * suite; RFC 2407 §4.4.1, RFC 3173 §4.1: IPComp offered that way, its CPI in the SPI field). */
struct ike_p2_choice {
	struct proto_ike_p2_prop prop;
	uint8_t number, xf_number;
	uint32_t offered_life_s, offered_life_kb; /* as the initiator sent them (echoed) */
	uint32_t spi_in, spi_out;
	uint32_t lifetime_s, lifetime_kb;
	uint16_t group;
	uint16_t mode;
	bool valid;
	/* IPComp. comp: offered by us (initiator), or usable in the peer's suite / chosen. */
	bool comp;
	bool comp_seen;	 /* the peer's suite has an IPComp part, usable or not */
	bool comp_first; /* ... before the ESP/AH part (a reply echoes that order) */
	uint8_t comp_xf_number, comp_transform;
	uint8_t cpi_len;	  /* CPI bytes on the wire (2; RFC 3173 §4.1 also allows 4) */
	uint16_t cpi_in, cpi_out; /* host order */
};

/* What only a Quick Mode needs (phase 1's exchange has none: qm is NULL there). */
struct ike_qm_data {
	uint8_t ni[PROTO_NONCE_MAX], nr[PROTO_NONCE_MAX];
	size_t ni_len, nr_len;
	struct crypto_dh *dh;
	uint8_t gqm[CRYPTO_DH_SHARED_MAX];
	size_t gqm_len;
	uint8_t peer_ke[CRYPTO_DH_PUBLIC_MAX];
	size_t peer_ke_len;
	struct proto_ike_conn conn;	/* the QM's conn (responder: from find_p2) */
	struct proto_ike_ts ts_i, ts_r; /* IDci / IDcr */
	struct ike_p2_choice offer[PROTO_IKE_P2_PROPS_MAX + PROTO_IKE_IPCOMP_OFFER_MAX];
	unsigned n_offer;
	struct ike_p2_choice chosen;
	bool resp_lifetime; /* responder shortened the lifetime */
	bool send_ids;	    /* responder: the initiator sent IDci/IDcr */
	bool has_oa;	    /* the peer's NAT-OA (RFC 3947 §5.2) */
	struct proto_ike_addr oa_peer;
};

/* What a Transaction exchange keeps (ike_cfg.c): the message it sends, REQUEST or SET
 * (initiator) or REPLY or ACK (responder). */
struct ike_cfg_data {
	struct proto_ike_cfg_msg out;
};

/* One exchange: phase 1 (msgid 0) or a post-phase-1 one (Quick Mode, Transaction). */
struct ike_xchg {
	bool used;
	bool initiator;
	uint8_t type; /* ISAKMP_XCHG_* */
	uint32_t msgid;
	enum ike_state state;
	struct crypto_iv_state iv;
	bool has_iv;
	/* retransmission and duplicate detection */
	uint8_t *last_sent;
	size_t last_len;
	unsigned tries;
	uint64_t first_sent; /* when last_sent went out the first time */
	uint64_t deadline;   /* 0 = no timer */
	uint8_t rx_digest[32];
	bool has_rx;
	bool reply_to_rx;     /* last_sent answers the message of rx_digest */
	unsigned dup_resends; /* cached replies resent for this rx_digest */
	uint64_t dup_resent_at;
	/* the message being built */
	uint8_t *out;
	size_t out_len;
	bool out_ready;
	bool commit; /* RFC 2408 §3.1 commit bit: a 4th message, CONNECTED (Quick Mode) */
	/* its kind's data, in the same allocation (struct ike_slot); NULL in phase 1 */
	void *data;
	size_t data_cap;
	struct ike_qm_data *qm; /* data, for a Quick Mode; else NULL */
};

/* A slot's allocation: the exchange and its data (x first: freeing &slot->x frees it). */
struct ike_slot {
	struct ike_xchg x;
	_Alignas(max_align_t) unsigned char d[];
};

/* What phase 1 needs until it is established: nonces, DH values, the bodies HASH_I/R cover.
 * Allocated with the SA and freed (wiped) once phase 1 is up, so that an established ISAKMP SA
 * keeps only its keys. */
struct ike_p1_data {
	struct proto_ike_conn conn; /* filled in by the initiator's call or find_p1, may change */
	uint8_t *sai_b;		    /* initiator's SA payload body */
	size_t sai_b_len;
	uint8_t ni[PROTO_NONCE_MAX], nr[PROTO_NONCE_MAX];
	size_t ni_len, nr_len;
	uint8_t gxi[CRYPTO_DH_PUBLIC_MAX], gxr[CRYPTO_DH_PUBLIC_MAX];
	size_t gx_len;
	struct crypto_dh *dh;
	uint8_t gxy[CRYPTO_DH_SHARED_MAX];
	size_t gxy_len;
	uint8_t idi_b[4 + PROTO_IKE_ID_MAX],
		idr_b[4 + PROTO_IKE_ID_MAX]; /* ID bodies for HASH_I/R */
	size_t idi_b_len, idr_b_len;
	uint8_t hash_peer[CRYPTO_HASH_MAX_LEN]; /* the peer's HASH, kept until checked */
	size_t hash_peer_len;
	/* signatures (ike_auth.c): the peer's SIG and CERTs until checked, its CRs */
	uint8_t sig_peer[PROTO_IKE_SIG_MAX];
	size_t sig_peer_len;
	uint8_t *cert_buf, *cr_buf; /* copies of the CERT / CR data the views below point to */
	struct proto_ike_cert peer_certs[PROTO_IKE_CERTS_MAX];
	unsigned n_certs;
	struct proto_ike_cert peer_crs[PROTO_IKE_CRS_MAX];
	unsigned n_peer_crs;
	bool peer_cr; /* the peer sent a CR (sendcert=ifasked) */
};

/* XAUTH and Mode-Config after phase 1 (ike_xauth.c). */
enum { RA_SENT_NONE, RA_SENT_XAUTH_REQ, RA_SENT_STATUS, RA_SENT_CFG_REQ, RA_SENT_CFG_SET };
enum { RA_ST_NONE, RA_ST_OK, RA_ST_FAIL };
struct ike_ra {
	bool on;	   /* this SA runs XAUTH and/or Mode-Config: transactions are ours */
	bool pending;	   /* not done yet: no P1_UP, no Quick Mode */
	bool xauth;	   /* XAUTH runs (the method says so) */
	bool xauth_server; /* ... and we are its server */
	bool xauth_done, cfg_done;
	bool busy;	 /* an exchange of ours is in flight (sent says what it carries) */
	bool wait_check; /* server: the policy's check of the REPLY is outstanding */
	bool deferred;	 /* server: the policy put the REQUEST off */
	uint8_t sent;	 /* RA_SENT_* */
	uint8_t status;	 /* server: the XAUTH_STATUS to send (RA_ST_*) */
	uint8_t rounds;	 /* server: REQUESTs sent */
	uint8_t fail;	 /* enum proto_ike_reason; != OK: the SA ends at its timer (now) */
	uint64_t deadline;
	char user[64]; /* the XAUTH user, printable, for logs */
	char why[160];
};

struct ike_sa {
	uint64_t id;
	struct ike_sa *next;	/* hash chain by icookie (engine's ck table) */
	struct ike_sa *id_next; /* hash chain by id (engine's ids table) */
	/* while half_open: the chain of its peer address's bucket, and the list of all half-open
	 * SAs, oldest first (so neither cap needs a walk over every SA) */
	struct ike_sa *ho_next, *ho_newer, *ho_older;
	struct proto_ike_engine *e;
	bool initiator;
	bool half_open; /* responder, not established: counted against the caps */
	bool linked;	/* in the engine's tables */
	bool proven;	/* responder: the peer sent our cookie back (it receives our replies) */
	bool established;
	bool malformed_logged; /* a malformed message of this SA was logged at info level */
	uint8_t icookie[8], rcookie[8];
	struct proto_ike_addr local, peer;
	bool natt;
	bool peer_frag;	  /* the peer sent the fragmentation vendor ID */
	uint16_t frag_id; /* of the last message we fragmented */
	/* Its conn: phase 1's own copy (n->conn) until established, then one shared read-only copy
	 * per distinct conn (proto_ike_conn_share): 10,000 tunnels of one conn hold it once. */
	struct proto_ike_conn *conn;
	struct ike_conn_ref *conn_ref; /* the shared copy, once established */
	/* negotiated */
	struct proto_ike_p1_prop prop;
	uint32_t lifetime_s, peer_life_s;
	uint8_t prop_number, xf_number;
	struct ike_p1_data *n; /* until established (then NULL) */
	struct crypto_ike_keys keys;
	struct crypto_cipher cipher;
	bool keys_ready;
	struct proto_ike_id peer_id; /* as received */
	bool peer_dpd, peer_natt, peer_initial_contact;
	uint8_t natt_kind; /* IKE_NATT_NONE / _DRAFT / _RFC: the best NAT-T VID the peer sent */
	bool nat_local, nat_peer; /* RFC 3947 §3.2 detection (nat_local also when forced) */
	bool natd_seen;		  /* the peer sent NAT-D payloads */
	/* RFC 3706 DPD: our probe in flight */
	bool dpd_pending;
	uint32_t dpd_seq, dpd_first; /* last sent; first of this probe (ACKs in [first, seq]) */
	uint64_t dpd_expire, dpd_resend;
	uint64_t expire;  /* half-open give-up time */
	uint64_t created; /* env clock when the negotiation began */
	uint64_t timer_armed;
	struct ike_xchg p1;
	/* Post-phase-1 exchanges, allocated on first use: a half-open SA (the state a flood of
	 * first messages leaves behind) carries only its phase-1 exchange. */
	struct ike_xchg *xs[IKE_SLOTS];
	struct ike_early *early; /* ike_input.c; NULL but for a moment around phase 1's end */
	unsigned qm_next_pair;	 /* initiator: next (local, remote) ts pair to negotiate */
	uint32_t done_msgids[IKE_DONE_MSGIDS]; /* finished exchanges: a replay is not a new one */
	unsigned done_next;
	struct ike_ra ra;
};

/* A message of an early kind that came before phase 1 was done, as it came. */
struct ike_early {
	struct proto_ike_addr local, peer;
	bool natt;
	size_t len;
	uint8_t buf[];
};

struct ike_action_q {
	struct proto_ike_action *v;
	size_t head, n;
};

struct proto_ike_engine {
	struct proto_env env;
	struct proto_ike_policy pol;
	uint8_t secret[32], old_secret[32];
	uint64_t next_id;
	/* SAs by initiator cookie (keyed hash: a peer chooses the cookie) and by id; both sized
	 * n_buckets, a power of two that doubles as SAs are added */
	struct ike_sa **ck, **ids;
	unsigned n_buckets;
	uint64_t hkey[2];
	struct ike_sa *ho[IKE_HO_BUCKETS];
	struct ike_sa *ho_oldest, *ho_newest;
	struct ike_action_q q;
	/* established SAs' conns, one shared copy per distinct conn (ike_share.c) */
	struct ike_conn_ref **cr;
	unsigned n_cr_buckets, n_cr;
	struct proto_ike_stats st;
	uint64_t malformed_log_ms; /* no info line on a responder's first message before this */
	uint16_t natt_port;
	struct ike_frag_tab *frag; /* partial messages (ike_frag.c), NULL until a fragment came */
};

enum { IKE_NATT_NONE, IKE_NATT_DRAFT, IKE_NATT_RFC };

/* ike_frag.c: IKE fragmentation */
enum proto_ike_input_result proto_ike_frag_input(struct proto_ike_engine *e, const uint8_t *buf,
						 const struct proto_header *h,
						 const struct proto_ike_addr *local,
						 const struct proto_ike_addr *peer, bool natt);
bool proto_ike_frag_send(struct ike_sa *sa, const uint8_t *buf, size_t len);
void proto_ike_frag_expire(struct proto_ike_engine *e);
void proto_ike_frag_free(struct proto_ike_engine *e);
void proto_ike_frag_vid_put(const struct ike_sa *sa, struct proto_builder *b);
bool proto_ike_frag_vid(struct ike_sa *sa, const uint8_t *vid, size_t len);
/* ike_engine.c: queues one datagram to the peer as it is (proto_ike_push_send fragments) */
void proto_ike_push_datagram(struct ike_sa *sa, const uint8_t *buf, size_t len);

/* ike_engine.c and ike_dispatch.c */
uint64_t proto_ike_now(struct proto_ike_engine *e);
/* ike_prop.c: "AES-CBC-128/SHA2-256/MODP-2048, ..." for the proposals of an SA payload. */
void proto_ike_sa_offer_str(const struct proto_sa *sa, char *buf, size_t len);
/* Debug trace of a message (ike_trace.c): its payload list, received vendor IDs, proposals. */
void proto_ike_trace_msg(struct ike_sa *sa, const struct ike_xchg *x, bool sent,
			 const struct proto_msg *m);
/* The same for a message we built: n plaintext bytes from the ISAKMP header. */
void proto_ike_trace_sent(struct ike_sa *sa, const struct ike_xchg *x, const uint8_t *buf,
			  size_t n);
void proto_ike_log(struct proto_ike_engine *e, enum proto_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* ike_dispatch.c: the line for a message the codec refused (plain: not encrypted when it must be)
 */
void proto_ike_log_malformed(struct ike_sa *sa, const struct ike_xchg *x, bool enc, bool plain,
			     const struct proto_msg *m);
struct ike_sa *proto_ike_sa_new(struct proto_ike_engine *e, bool initiator,
				const struct proto_ike_addr *local,
				const struct proto_ike_addr *peer);
void proto_ike_sa_free(struct ike_sa *sa);
void proto_ike_sa_half_open_end(struct ike_sa *sa);
void proto_ike_p1_data_free(struct ike_sa *sa);
void proto_ike_slots_reclaim(struct ike_sa *sa);
struct ike_sa *proto_ike_sa_by_id(struct proto_ike_engine *e, uint64_t id);
bool proto_ike_addr_eq(const struct proto_ike_addr *a, const struct proto_ike_addr *b);
struct ike_sa *proto_ike_sa_find(struct proto_ike_engine *e, const struct proto_header *h,
				 const struct proto_ike_addr *peer, bool *ret_adopted);
struct ike_sa *proto_ike_sa_respond(struct proto_ike_engine *e, const struct proto_header *h,
				    const struct proto_ike_addr *local,
				    const struct proto_ike_addr *peer, bool natt);
struct ike_xchg *proto_ike_xchg_new(struct ike_sa *sa, uint8_t type, uint32_t msgid,
				    bool initiator);
struct ike_xchg *proto_ike_xchg_find(struct ike_sa *sa, uint32_t msgid);
uint32_t proto_ike_msgid_new(struct ike_sa *sa);
/* ike_input.c: runs the queued early message once phase 1 is done, frees it with the SA */
void proto_ike_early_replay(struct ike_sa *sa);
void proto_ike_early_free(struct ike_sa *sa);
bool proto_ike_msgid_done(const struct ike_sa *sa, uint32_t msgid);
struct proto_ike_action *proto_ike_q_push(struct proto_ike_engine *e);
void proto_ike_xchg_clear(struct ike_xchg *x);
void proto_ike_xchg_retire(struct ike_sa *sa, struct ike_xchg *x);
void proto_ike_sa_update_timer(struct ike_sa *sa);
void proto_ike_fail(struct ike_ctx *c, enum proto_ike_reason r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct proto_ike_event *proto_ike_event_new(struct ike_sa *sa, enum proto_ike_event_type t);
void proto_ike_push_event(struct proto_ike_engine *e, struct proto_ike_event *ev);
void proto_ike_push_send(struct ike_sa *sa, const uint8_t *buf, size_t len);
int proto_ike_dh_start(struct ike_ctx *c, unsigned group, struct crypto_dh *dh, const uint8_t *peer,
		       size_t peer_len);
void proto_ike_dispatch(struct ike_ctx *c, enum ike_ev ev);
void proto_ike_start_qms(struct ike_sa *sa);
void proto_ike_established(struct ike_ctx *c);
void proto_ike_p1_up(struct ike_sa *sa);

/* ike_xauth.c: XAUTH and Mode-Config on the Transaction exchange */
void proto_ike_ra_begin(struct ike_sa *sa);
int proto_ike_ra_answer(struct ike_ctx *c, const struct proto_ike_cfg_msg *in,
			struct proto_ike_cfg_msg *out);
void proto_ike_ra_answered(struct ike_ctx *c, const struct proto_ike_cfg_msg *in);
void proto_ike_ra_on_done(struct ike_ctx *c);
void proto_ike_ra_xchg_failed(struct ike_sa *sa, const char *text);
bool proto_ike_ra_timer(struct ike_sa *sa, uint64_t now);
/* ike_cfg.c: a Transaction exchange the engine starts itself */
int proto_ike_cfg_begin(struct ike_sa *sa, const struct proto_ike_cfg_msg *m, uint32_t *ret_msgid);
void proto_ike_random(struct proto_ike_engine *e, uint8_t *buf, size_t n);

/* ike_share.c: one read-only copy of each distinct conn for the established SAs */
struct ike_conn_ref {
	struct ike_conn_ref *next;
	uint64_t hash;
	unsigned refs;
	struct proto_ike_conn c;
};
bool proto_ike_conn_share(struct ike_sa *sa);
void proto_ike_conn_release(struct ike_sa *sa);
void proto_ike_conn_table_free(struct proto_ike_engine *e);

/* ike_crypt.c: building, encrypting, decrypting */
void proto_ike_msg_begin(struct ike_ctx *c, struct proto_builder *b, bool encrypt);
bool proto_ike_msg_end(struct ike_ctx *c, struct proto_builder *b);
bool proto_ike_msg_end_hash(struct ike_ctx *c, struct proto_builder *b, size_t hash_off, int kind);
int proto_ike_decrypt(struct ike_sa *sa, struct crypto_iv_state *iv, uint8_t *body, size_t len);
bool proto_ike_iv_phase2(struct ike_sa *sa, uint32_t msgid, struct crypto_iv_state *ret);
bool proto_ike_qm_verify_hash(struct ike_ctx *c, int kind);
bool proto_ike_keys_derive(struct ike_ctx *c, const uint8_t *skeyid);
void proto_ike_send_notify_plain(struct ike_sa *sa, uint16_t type);
int proto_ike_send_info(struct ike_sa *sa, uint8_t pl_type, uint8_t protocol, uint16_t type,
			const uint8_t *spis, uint8_t spi_size, uint16_t count, const uint8_t *data,
			size_t data_len);
bool proto_ike_auth_hash(struct ike_sa *sa, bool hash_i, uint8_t *out);
void proto_ike_save_sai(struct ike_sa *sa, const uint8_t *p, size_t len);
void proto_ike_keymat_digest(const uint8_t *km, size_t len, char out[9]);
enum { IKE_HASH1 = 1, IKE_HASH2 = 2, IKE_HASH_INFO = 4 };

/* ike_prop.c */
void proto_ike_put_p1_sa(struct proto_builder *b, const struct proto_ike_conn *conn,
			 uint16_t only_group);
bool proto_ike_select_p1(struct ike_ctx *c, const struct proto_sa *sa);
void proto_ike_put_p1_reply(const struct ike_sa *sa, struct proto_builder *b);
bool proto_ike_p1_reply_ok(struct ike_ctx *c, const struct proto_sa *sa);
void proto_ike_put_p2_sa(struct ike_ctx *c, struct proto_builder *b);
bool proto_ike_select_p2(struct ike_ctx *c, const struct proto_sa *sa, bool has_ke);
void proto_ike_put_p2_reply(struct ike_ctx *c, struct proto_builder *b);
bool proto_ike_p2_reply_ok(struct ike_ctx *c, const struct proto_sa *sa);
/* The pure parts of the above, for tests: an SA payload of offers (initiator) or of one choice
 * (responder), with the encapsulation modes sa asks for (only its NAT-T fields are read); the
 * peer's suites of an SA payload (at most PROTO_IKE_CONSIDER_MAX transforms); the responder's
 * pick among them for conn. */
void proto_ike_put_p2_offers(const struct ike_sa *sa, struct proto_builder *b,
			     const struct ike_p2_choice *v, unsigned n);
void proto_ike_put_p2_choice(const struct ike_sa *sa, struct proto_builder *b,
			     const struct ike_p2_choice *ch);
unsigned proto_ike_p2_collect(const struct proto_sa *sa, struct ike_p2_choice *out);
bool proto_ike_p2_pick(const struct proto_ike_conn *conn, const struct ike_p2_choice *peer,
		       unsigned n, bool has_ke, struct ike_p2_choice *ret);
size_t proto_ike_enc_key_len(const struct proto_ike_p2_prop *p);
size_t proto_ike_auth_key_len(const struct proto_ike_p2_prop *p);
void proto_ike_p1_str(const struct proto_ike_p1_prop *p, char *buf, size_t len);
void proto_ike_p2_str(const struct proto_ike_p2_prop *p, char *buf, size_t len);

/* ike_id.c */
void proto_ike_local_id(const struct ike_sa *sa, struct proto_ike_id *ret);
size_t proto_ike_id_body(const struct proto_ike_id *id, uint8_t *out, size_t cap);
bool proto_ike_id_from_payload(const struct proto_payload *pl, struct proto_ike_id *ret);
bool proto_ike_id_match(const struct proto_ike_id *want, const struct proto_ike_id *got);
void proto_ike_id_str(const struct proto_ike_id *id, char *buf, size_t len);
void proto_ike_put_ts(struct proto_builder *b, const struct proto_ike_ts *ts);
bool proto_ike_ts_from_payload(const struct proto_payload *pl, struct proto_ike_ts *ret);
void proto_ike_ts_host(const struct proto_ike_addr *a, struct proto_ike_ts *ret);
void proto_ike_ts_str(const struct proto_ike_ts *ts, char *buf, size_t len);
void proto_ike_addr_str(const struct proto_ike_addr *a, char *buf, size_t len);

/* ike_mm.c: phase-1 steps shared with Aggressive Mode */
bool proto_ike_take_public(struct ike_ctx *c, uint8_t *gx);
bool proto_ike_take_peer_ke(struct ike_ctx *c, uint8_t *gx);
bool proto_ike_take_nonce(struct ike_ctx *c, uint8_t *out, size_t *ret_len);
bool proto_ike_take_shared(struct ike_ctx *c);
void proto_ike_set_own_id(struct ike_sa *sa, uint8_t *out, size_t *ret_len);
bool proto_ike_take_peer_id(struct ike_ctx *c, uint8_t *id_b, size_t *ret_len);
bool proto_ike_check_auth(struct ike_ctx *c, const uint8_t *got, size_t len, bool hash_i);

/* ike_auth.c: authentication methods */
static inline uint16_t proto_ike_auth_norm(uint16_t method)
{
	return method ? method : IKE_AUTH_PSK;
}
const struct ike_auth_method *proto_ike_auth_get(uint16_t method);
bool proto_ike_auth_usable(uint16_t method);
int proto_ike_auth_skeyid(uint16_t method, enum crypto_hash hash, struct crypto_buf psk,
			  struct crypto_buf ni_b, struct crypto_buf nr_b, struct crypto_buf gxy,
			  uint8_t *ret_skeyid);
void proto_ike_auth_payloads(const struct ike_sa *sa, uint64_t *ret_required,
			     uint64_t *ret_allowed);
bool proto_ike_auth_keys(struct ike_ctx *c, const struct proto_ike_id *remote);
void proto_ike_auth_put_cr(struct ike_ctx *c, struct proto_builder *b);
bool proto_ike_auth_take_cr(struct ike_ctx *c);
bool proto_ike_auth_take(struct ike_ctx *c);
bool proto_ike_auth_put(struct ike_ctx *c, struct proto_builder *b, bool hash_i);
bool proto_ike_auth_check(struct ike_ctx *c, bool hash_i);
void proto_ike_auth_free(struct ike_p1_data *n);
bool proto_ike_auth_offer_ok(struct ike_ctx *c);
bool proto_ike_auth_xauth_client(const struct ike_sa *sa);
bool proto_ike_auth_xauth_server(const struct ike_sa *sa);

/* the tables (ike_mm.c, ike_am.c, ike_qm.c, ike_cfg.c) */
extern const struct ike_table proto_ike_mm_i_table, proto_ike_mm_r_table, proto_ike_am_i_table,
	proto_ike_am_r_table, proto_ike_qm_i_table, proto_ike_qm_r_table, proto_ike_cfg_i_table,
	proto_ike_cfg_r_table;
/* the kinds' hooks (ike_dispatch.c for phase 1, ike_qm.c, ike_cfg.c) */
bool proto_ike_p1_on_timeout(struct ike_sa *sa, struct ike_xchg *x, const char *text);
bool proto_ike_p1_on_fail(struct ike_ctx *c, enum proto_ike_reason r, const char *text);
void proto_ike_qm_init(struct ike_sa *sa, struct ike_xchg *x);
void proto_ike_qm_clear(struct ike_xchg *x);
bool proto_ike_qm_on_timeout(struct ike_sa *sa, struct ike_xchg *x, const char *text);
bool proto_ike_qm_on_fail(struct ike_ctx *c, enum proto_ike_reason r, const char *text);
bool proto_ike_cfg_on_timeout(struct ike_sa *sa, struct ike_xchg *x, const char *text);
bool proto_ike_cfg_on_fail(struct ike_ctx *c, enum proto_ike_reason r, const char *text);

/* ike_info.c */
bool proto_ike_info_input(struct ike_sa *sa, const struct proto_header *h, uint8_t *body,
			  size_t len);
void proto_ike_dpd_ack(struct ike_sa *sa, uint32_t seq);
void proto_ike_dpd_timer(struct ike_sa *sa, uint64_t now);

/* ike_natt.c: NAT traversal (RFC 3947) */
bool proto_ike_natt_vid(struct ike_sa *sa, const uint8_t *vid, size_t len);
bool proto_ike_natt_on(const struct ike_sa *sa);
void proto_ike_natd_put(struct ike_sa *sa, struct proto_builder *b);
void proto_ike_natd_check(struct ike_ctx *c);
bool proto_ike_natt_agree(struct ike_ctx *c);
void proto_ike_natt_float(struct ike_sa *sa);
uint16_t proto_ike_natt_mode(const struct ike_sa *sa, uint16_t mode);
void proto_ike_nat_oa_put(struct ike_ctx *c, struct proto_builder *b);
void proto_ike_nat_oa_take(struct ike_ctx *c);
uint8_t proto_ike_pl_canonical(uint8_t type);
/* ike_info.c: the Vendor IDs we send, and those we recognise in a message */
void proto_ike_vid_put(const struct ike_sa *sa, struct proto_builder *b);
void proto_ike_vid_scan(struct ike_sa *sa, const struct proto_msg *m);
