/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKEv1 exchange engine (RFC 2409 Main, Aggressive, Quick and Informational exchanges with
 * pre-shared keys or signatures, RFC 2408 ISAKMP SA handling). Pure proto/ code: no sockets, no
 * clock, no globals; randomness, time and logging come from the struct proto_env given at
 * creation, policy (connections, PSKs, inbound SPIs, certificates, signing and verifying) from
 * the struct proto_ike_policy callbacks. The engine never holds a private key or parses a
 * certificate: it hands hashes to sign and the peer's CERT payloads to verify to the policy.
 *
 * How the daemon drives it (all calls on one thread, the event-loop thread):
 *
 *   e = proto_ike_engine_new(env, policy)
 *   on a datagram:        proto_ike_input(e, bytes, len, local, peer, natt)
 *   to start a tunnel:    proto_ike_initiate(e, conn, local, peer, &sa_id)
 *   when a timer fires:   proto_ike_timer(e, sa_id)
 *   a DH job:             proto_ike_dh_run(job) on a worker (only the job, not env), then
 *                         proto_ike_dh_done(e, job) back on the loop thread (frees the job)
 *   after each call:      while (proto_ike_next_action(e, &a)) { ...; proto_ike_action_release(&a);
 * }
 *
 * Actions (struct proto_ike_action) are: a datagram to send, a timer to (re)arm or cancel for one
 * SA (the engine decides the retransmission schedule from the conn's retransmit_interval_ms and
 * retransmit_timeout_ms, see struct proto_ike_conn), a DH job to run, and events (phase 1 up /
 * failed, phase 2 up / failed, delete received, INITIAL-CONTACT received, notify received, SA
 * gone).
 *
 * SAs are named by a 64-bit id that is never reused: a timer or job for an SA that is gone is
 * ignored, so the daemon never holds a dangling pointer.
 *
 * Secrets: key material lives in wiped buffers; the phase-2 event carries the KEYMAT (the daemon
 * needs it for xfrm) and proto_ike_action_release() wipes it. Nothing secret is ever logged; at
 * debug level the engine logs the first 4 bytes of SHA-256(KEYMAT) so both sides can be compared.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/env.h"

struct crypto_dh;

/* Bounds: every count a peer or the config controls. */
#define PROTO_IKE_HALF_OPEN_MAX	     1024 /* responder SAs not yet established, all peers */
#define PROTO_IKE_HALF_OPEN_PEER_MAX 16	  /* ... from one peer address */
/* At its cap, an address gets a new half-open SA (by evicting its oldest unanswered one) at most
 * once per this many ms: more first messages from it are dropped, so one address cannot make us
 * answer a flood (a reflection through our replies). A real peer's resent MM1 gets through. */
#define PROTO_IKE_HALF_OPEN_PEER_INTERVAL_MS 250u
#define PROTO_IKE_SAS_DEFAULT		     16384 /* ISAKMP SAs in all: proto_ike_policy.sas_max */
#define PROTO_IKE_SAS_LIMIT		     1000000 /* ... at most this */
#define PROTO_IKE_QM_MAX		     16	     /* Quick Modes in progress per ISAKMP SA */
#define PROTO_IKE_P1_PROPS_MAX		     16 /* phase-1 transforms a conn offers / accepts */
#define PROTO_IKE_P2_PROPS_MAX		     16 /* phase-2 proposals a conn offers / accepts */
#define PROTO_IKE_CONSIDER_MAX		     64 /* peer proposals/transforms looked at per SA payload */
#define PROTO_IKE_TS_MAX		     8	 /* traffic selectors per side of a conn */
#define PROTO_IKE_ID_MAX		     255 /* ID data bytes */
#define PROTO_IKE_PSK_MAX		     256 /* pre-shared key bytes */
#define PROTO_IKE_ACTIONS_MAX		     1024 /* queued actions; beyond, sends are dropped (counted) */
#define PROTO_IKE_DELETE_SPIS_MAX	     32	  /* SPIs reported per delete event */
#define PROTO_IKE_KEYMAT_MAX		     128  /* KEYMAT bytes per direction */
#define PROTO_IKE_MSG_MAX		     8192 /* largest datagram built or accepted */
#define PROTO_IKE_CERTS_MAX		     8	  /* CERT payloads sent, or accepted, per message */
#define PROTO_IKE_CRS_MAX		     8	  /* CR payloads sent, or remembered, per message */
#define PROTO_IKE_SIG_MAX		     1024 /* signature bytes (RSA up to 8192 bits) */
/* An unanswered message is resent after the conn's interval, then after twice as long each
 * time, but never waiting longer than WAIT_MAX between two sends; the exchange fails once the
 * conn's timeout has passed since the message was first sent (no send at that instant). */
#define PROTO_IKE_RETRANSMIT_INTERVAL_MS 500u	/* default first wait */
#define PROTO_IKE_RETRANSMIT_TIMEOUT_MS	 60000u /* default give-up time */
#define PROTO_IKE_RETRANSMIT_WAIT_MAX_MS 16000u
/* A duplicate is answered with the cached reply at most this often and RETRANSMIT_TRIES times,
 * so that two peers cannot keep answering each other's duplicates. */
#define PROTO_IKE_RETRANSMIT_TRIES     5u
#define PROTO_IKE_DUP_INTERVAL_MS      500u
#define PROTO_IKE_HALF_OPEN_TIMEOUT_MS 30000u /* responder gives up a silent negotiation */
#define PROTO_IKE_NATT_PORT	       4500u  /* RFC 3947 §4: the port both sides float to */
#define PROTO_IKE_DPD_RESEND_MS	       2000u  /* R-U-THERE resent this often until the timeout */
/* IKE fragmentation (the Cisco vendor-ID scheme, payload 132): limits on reassembly. A message
 * arrives in at most FRAG_MAX fragments and is at most PROTO_IKE_MSG_MAX bytes once whole; at most
 * FRAG_PARTIAL_MAX messages are reassembled at once (FRAG_PEER_MAX from one peer address, so one
 * peer holds at most FRAG_PEER_MAX * PROTO_IKE_MSG_MAX bytes); a partial message is dropped
 * FRAG_TIMEOUT_MS after its first fragment. */
#define PROTO_IKE_FRAG_MAX	   16
#define PROTO_IKE_FRAG_PARTIAL_MAX 64
#define PROTO_IKE_FRAG_PEER_MAX	   2
#define PROTO_IKE_FRAG_TIMEOUT_MS  10000u
/* Largest IP datagram of an IKE message we send unfragmented (fragment_size=; 0 = this) and the
 * range a conn may set. */
#define PROTO_IKE_FRAG_SIZE_DEFAULT 1280u
#define PROTO_IKE_FRAG_SIZE_MIN	    256u
#define PROTO_IKE_FRAG_SIZE_MAX	    PROTO_IKE_MSG_MAX
/* Proposals offered with IPComp (each followed later by the same one without): 2 payloads per
 * suite with IPComp + 1 per fallback keep an SA within the decoder's PROTO_PROPOSALS_MAX (32). */
#define PROTO_IKE_IPCOMP_OFFER_MAX 8

struct proto_ike_engine;

/* An IP address (network byte order) and UDP port (host order). */
struct proto_ike_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port;
};

/* A phase-1 or phase-2 identity (RFC 2407 §4.6.2.1): type and the ID data as on the wire.
 * ID_DER_ASN1_DN carries the DER encoding of the Name and is compared as bytes; a DN with
 * wildcards is the daemon's business: it leaves the conn's remote_id at type 0 (any) and matches
 * in the verify callback, which sees the ID the peer sent. */
struct proto_ike_id {
	uint8_t type; /* ID_IPV4_ADDR, ID_IPV6_ADDR, ID_FQDN, ID_USER_FQDN, ID_DER_ASN1_DN; 0 = any
			 (responder) */
	uint8_t len;
	uint8_t data[PROTO_IKE_ID_MAX];
};

/* A traffic selector: address range [from, to] (prefix >= 0 when it is a subnet), protocol, port.
 */
struct proto_ike_ts {
	int family;
	uint8_t from[16];
	uint8_t to[16];
	int prefix;    /* 0..32/128, or -1 for a range */
	uint8_t proto; /* 0 = any */
	uint16_t port; /* 0 = any */
};

/* One phase-1 transform (RFC 2409 App. A values). The authentication method is negotiated like
 * the other attributes: a conn offers (initiator) or accepts (responder) the methods of its
 * transforms. Spoken: IKE_AUTH_PSK, IKE_AUTH_RSA_SIG (RFC 2409 §5.1), IKE_AUTH_ECDSA_SHA256/384/512
 * (RFC 4754); 0 is read as IKE_AUTH_PSK (events always carry the method number). DSS and the RSA
 * encryption methods are refused (PROTO_IKE_E_AUTH_METHOD). */
struct proto_ike_p1_prop {
	uint16_t encr;	   /* IKE_ENCR_AES_CBC, IKE_ENCR_3DES_CBC */
	uint16_t key_bits; /* 0 when the cipher has a fixed key length */
	uint16_t hash;	   /* IKE_HASH_* (the PRF is HMAC with it) */
	uint16_t group;	   /* IKE_GROUP_* */
	uint16_t auth;	   /* IKE_AUTH_*; 0 = IKE_AUTH_PSK */
};

/* When we send our certificates in CERT payloads (leftsendcert=). */
enum proto_ike_sendcert {
	PROTO_IKE_SENDCERT_IFASKED, /* when the peer sent a CR (strongSwan's default) */
	PROTO_IKE_SENDCERT_ALWAYS,
	PROTO_IKE_SENDCERT_NEVER,
};

/* A read-only view of bytes the caller owns (a DER certificate, a DER Name, a CRL). */
struct proto_ike_blob {
	const uint8_t *p;
	size_t len;
};

/* A certificate the peer sent: the CERT payload's encoding and data, as received (a view into
 * the decrypted message, valid during the verify call only). */
struct proto_ike_cert {
	uint8_t encoding; /* CERT_X509_SIG (DER), CERT_PKCS7 (a wrapped chain, passed as is),
			     CERT_CRL (a DER CRL); other encodings are not passed */
	struct proto_ike_blob data;
};

/* What the verify callback checks: the peer proved it holds the private key of a certificate that
 * names its ID, for the method negotiated. hash is HASH_I (the peer is the initiator) or HASH_R,
 * computed by us; sig is the SIG payload's data. RSA (IKE_AUTH_RSA_SIG): PKCS#1 v1.5 type-1
 * padding around the raw hash bytes, no DigestInfo. ECDSA (RFC 4754 §7/§8): the signature is r|s,
 * each as long as the curve's order, over the method's hash (SHA-256/384/512) of hash, whatever
 * the negotiated PRF. */
struct proto_ike_peer_auth {
	uint16_t method;		    /* IKE_AUTH_* */
	const struct proto_ike_id *peer_id; /* the ID payload the peer sent */
	const struct proto_ike_cert *certs; /* in the order received */
	unsigned n_certs;
	const uint8_t *hash;
	size_t hash_len;
	const uint8_t *sig;
	size_t sig_len;
};

/* One phase-2 proposal: one protocol with one transform (RFC 2407 §4.4, §4.5 values). */
struct proto_ike_p2_prop {
	uint8_t protocol;  /* PROTO_IPSEC_ESP or PROTO_IPSEC_AH */
	uint8_t transform; /* ESP_* or AH_* */
	uint16_t key_bits; /* ESP cipher key length, 0 if fixed */
	uint16_t auth;	   /* AUTH_HMAC_*; 0 = none (combined-mode ESP) */
};

/* fragmentation=: YES announces the fragmentation vendor ID and fragments a phase-1 message larger
 * than the fragment size when the peer announced it too; ACCEPT announces but never fragments;
 * FORCE also fragments before (or without) the peer's vendor ID; NO neither announces nor sends. */
enum proto_ike_frag_mode {
	PROTO_IKE_FRAG_YES = 0,
	PROTO_IKE_FRAG_ACCEPT,
	PROTO_IKE_FRAG_FORCE,
	PROTO_IKE_FRAG_NO,
};

/* The neutral description of a connection, filled by the daemon from its config. The engine
 * copies it when an SA starts, so the daemon may change or free its own afterwards. */
struct proto_ike_conn {
	uint64_t handle; /* the daemon's own name for the conn; echoed in events */
	uint32_t reqid;
	char name[64];
	struct proto_ike_id local_id, remote_id;	      /* remote type 0: accept any ID */
	struct proto_ike_p1_prop ike[PROTO_IKE_P1_PROPS_MAX]; /* in preference order */
	unsigned n_ike;
	struct proto_ike_p2_prop esp[PROTO_IKE_P2_PROPS_MAX]; /* ESP and AH, in preference order */
	unsigned n_esp;
	uint32_t ike_lifetime_s;
	uint32_t ipsec_lifetime_s;
	uint32_t ipsec_lifetime_kb; /* 0 = none */
	uint16_t pfs_group;	    /* 0 = no PFS */
	uint8_t mode;		    /* ENCAP_TUNNEL or ENCAP_TRANSPORT */
	bool aggressive;	    /* initiate with, and accept, Aggressive Mode */
	bool initial_contact;	    /* send INITIAL-CONTACT when initiating */
	bool commit;		    /* set the commit bit in Quick Mode (ask for CONNECTED) */
	bool force_encaps;	    /* fake our NAT-D so the peer believes we are behind a NAT and
				       both sides use ESP-in-UDP (forceencaps=yes) */
	bool no_natt;		    /* no NAT traversal at all: no NAT-T vendor ID, no NAT-D
				       (encapsulation=no) */
	bool strict_lifetime; /* responder: refuse offers with lifetimes longer than ours instead
				 of shortening them (lifetimecheck=strict) */
	bool compress;	      /* IPComp (RFC 3173, DEFLATE): offer it with each ESP/AH
				 proposal, accept it when offered (compress=yes) */
	uint8_t sendcert;     /* enum proto_ike_sendcert; signature methods only */
	uint8_t modecfg;      /* enum proto_ike_modecfg: our Mode-Config role after phase 1 */
	/* retransmission of our unanswered messages (PROTO_IKE_RETRANSMIT_*): the first wait
	 * and the time after the first send at which the exchange fails; 0 = the default.
	 * Phase 1 follows the ISAKMP SA's conn, a Quick Mode its own. */
	uint32_t retransmit_interval_ms;
	uint32_t retransmit_timeout_ms;
	/* IKE fragmentation of phase-1 messages (enum proto_ike_frag_mode) and the largest IP
	 * datagram sent whole (PROTO_IKE_FRAG_SIZE_*; 0 = the default). Fragments from the peer
	 * are reassembled whatever the mode. */
	uint8_t fragmentation;
	uint16_t fragment_size;
	/* a side without traffic selectors is its host address, limited to this protocol and port
	 * (leftprotoport=/rightprotoport=, e.g. 17/1701 for L2TP; 0 = any) */
	uint8_t local_proto, remote_proto;
	uint16_t local_port, remote_port;
	struct proto_ike_ts local_ts[PROTO_IKE_TS_MAX];
	unsigned n_local_ts; /* 0: the local host address */
	struct proto_ike_ts remote_ts[PROTO_IKE_TS_MAX];
	unsigned n_remote_ts; /* 0: the peer's host address */
};

/* Why a negotiation failed (events carry one, with a human sentence in text). */
#define PROTO_IKE_REASONS(X)                                                                       \
	X(PROTO_IKE_OK, "ok")                                                                      \
	X(PROTO_IKE_E_NO_PROPOSAL, "no proposal chosen")                                           \
	X(PROTO_IKE_E_AUTH, "authentication failed")                                               \
	X(PROTO_IKE_E_ID, "invalid ID")                                                            \
	X(PROTO_IKE_E_TIMEOUT, "peer not responding")                                              \
	X(PROTO_IKE_E_PEER_NOTIFY, "peer sent an error notify")                                    \
	X(PROTO_IKE_E_POLICY, "no matching connection")                                            \
	X(PROTO_IKE_E_AGGRESSIVE, "aggressive mode refused")                                       \
	X(PROTO_IKE_E_DH, "Diffie-Hellman failed")                                                 \
	X(PROTO_IKE_E_NATT, "NAT traversal disagreement")                                          \
	X(PROTO_IKE_E_LIFETIME, "lifetime refused")                                                \
	X(PROTO_IKE_E_INTERNAL, "internal error")                                                  \
	X(PROTO_IKE_E_DELETED, "deleted")                                                          \
	X(PROTO_IKE_E_AUTH_METHOD, "authentication method refused")                                \
	X(PROTO_IKE_E_CERT_UNTRUSTED, "certificate not trusted")                                   \
	X(PROTO_IKE_E_CERT_EXPIRED, "certificate expired or not yet valid")                        \
	X(PROTO_IKE_E_CERT_REVOKED, "certificate revoked")                                         \
	X(PROTO_IKE_E_CERT_ID, "ID does not match the certificate")                                \
	X(PROTO_IKE_E_CERT_NONE, "no certificate")                                                 \
	X(PROTO_IKE_E_BAD_SIG, "bad signature")                                                    \
	X(PROTO_IKE_E_NO_KEY, "no private key or certificate of our own")                          \
	X(PROTO_IKE_E_XAUTH_FAILED, "XAUTH authentication failed")                                 \
	X(PROTO_IKE_E_XAUTH_TIMEOUT, "XAUTH or Mode-Config not completed in time")                 \
	X(PROTO_IKE_E_MODECFG, "Mode-Config refused")

#define PROTO_IKE_X_REASON(sym, text) sym,
enum proto_ike_reason { PROTO_IKE_REASONS(PROTO_IKE_X_REASON) PROTO_IKE_REASON__MAX };

/* Static description of a reason. */
const char *proto_ike_reason_str(enum proto_ike_reason r);

/*
 * Policy callbacks, all on the loop thread. Each returns 0 on success or a negative errno
 * (verify: a reason).
 * find_p1:  the conn for a phase-1 negotiation with peer; peer_id is NULL while the peer's ID is
 *           not yet known (Main Mode responder before message 5), else the ID it sent.
 * find_p2:  the conn for a Quick Mode whose selectors are local_ts/remote_ts (from our point of
 *           view) inside phase-1 conn p1 (a copy the engine keeps), with the ISAKMP SA's peer
 *           (what a conn with right=%any and no rightsubnet means by "the peer's address").
 * get_psk:  the PSK for (local ID, remote ID) of conn; remote is NULL when not known yet. Writes
 *           at most cap bytes; the engine wipes them.
 * alloc_spi: an inbound SPI (host order) for protocol from peer to local; for PROTO_IPCOMP a
 *           CPI, which must lie in 256..61439 (RFC 3173 §3.3: below are well-known values,
 *           above private use).
 * sas_max:  the most ISAKMP SAs at once (established and in negotiation). At it, a peer's first
 *           message replaces a half-open SA whose peer never answered, or is dropped (counted in
 *           drop_sa_limit); proto_ike_initiate() fails with -EAGAIN. 0 means
 *           PROTO_IKE_SAS_DEFAULT; above PROTO_IKE_SAS_LIMIT, proto_ike_engine_new() fails.
 *
 * Signature authentication (RFC 2409 §5.1; needed only by conns with a signature method):
 * sign:     signs hash (our HASH_I or HASH_R, hash_len bytes) for method with the private key of
 *           conn's local identity, as described at struct proto_ike_peer_auth. Writes at most cap
 *           (PROTO_IKE_SIG_MAX) bytes. -ENOENT: no key for it.
 * own_certs: our certificates for conn, DER, leaf first, at most cap views (the engine sends
 *           them in CERT payloads of type CERT_X509_SIG as conn->sendcert says). cr/n_cr are the
 *           DER Names the peer asked for in CR payloads (an empty view: a CR without a CA), so
 *           the daemon may pick the chain the peer trusts. The views must stay valid until the
 *           next policy call.
 * ca_dns:   the DER Names of the CAs we accept for conn, one CR payload each (0 of them: no CR).
 *           The same lifetime rule as own_certs.
 * verify:   PROTO_IKE_OK when the peer's certificate (from in->certs, or one configured for it)
 *           is trusted, valid, not revoked, names in->peer_id, and in->sig verifies with its key;
 *           else the reason (PROTO_IKE_E_CERT_*, PROTO_IKE_E_BAD_SIG) and, in text, a sentence
 *           for the operator (the engine logs it and puts it in the P1_FAILED event).
 */
/* One Transaction exchange message (exchange type 6, draft-ietf-ipsec-isakmp-mode-cfg): the
 * attribute payload's type (PROTO_IKE_CFG_*), identifier and data attributes as on the wire
 * (ISAKMP data attributes: TV with the high bit of the type set, else TLV). */
#define PROTO_IKE_CFG_ATTRS_MAX 1024
enum {
	PROTO_IKE_CFG_REQUEST = 1,
	PROTO_IKE_CFG_REPLY = 2,
	PROTO_IKE_CFG_SET = 3,
	PROTO_IKE_CFG_ACK = 4,
};
struct proto_ike_cfg_msg {
	uint8_t type;
	uint16_t identifier;
	size_t len;
	uint8_t attrs[PROTO_IKE_CFG_ATTRS_MAX];
};

/*
 * Remote access (ike_xauth.c): XAUTH (draft-beaulieu-ike-xauth) and Mode-Config
 * (draft-dukes-ike-mode-cfg) on top of the Transaction exchange. XAUTH runs when the negotiated
 * authentication method is an XAUTH or hybrid one (65001/65002/65005/65006, 64221/64222): the
 * side it authenticates is the client, the other the server. Mode-Config runs when
 * conn->modecfg says so (PULL: the client sends REQUEST, the server REPLY; PUSH: the server
 * SET, the client ACK). Until both are done the ISAKMP SA does not count as up: no
 * PROTO_IKE_EV_P1_UP, no Quick Mode (ours waits, the peer's is dropped until then). A failure
 * ends the SA with PROTO_IKE_EV_P1_FAILED (PROTO_IKE_E_XAUTH_FAILED, _XAUTH_TIMEOUT,
 * _MODECFG) and a Delete to the peer.
 */
enum proto_ike_modecfg {
	PROTO_IKE_MODECFG_NONE,
	PROTO_IKE_MODECFG_CLIENT_PULL, /* we ask (REQUEST) after XAUTH */
	PROTO_IKE_MODECFG_CLIENT_PUSH, /* we wait for the server's SET */
	PROTO_IKE_MODECFG_SERVER_PULL, /* we answer the client's REQUEST */
	PROTO_IKE_MODECFG_SERVER_PUSH, /* we send SET after XAUTH */
};
#define PROTO_IKE_XAUTH_ROUNDS_MAX 3 /* REQUESTs a server sends (the policy may retry) */
#define PROTO_IKE_RA_TIMEOUT_MS                                                                    \
	120000u /* XAUTH and Mode-Config done within, after phase 1 (twice                         \
		  the retransmit give-up time: the server gives up first) */

/*
 * What the ra policy callback is asked. in: the peer's message decoded (proto/cfg_attr.h), or
 * NULL; out: the attributes we send (proto_cfg_put_*); the engine sends it and wipes it.
 *   op                     side    in          out           return
 *   XAUTH_REQUEST          server  NULL        extra attrs   0 send now (USER_NAME and
 *                                                            USER_PASSWORD are added), 1 later:
 *                                                            proto_ike_ra_xauth_start()
 *   XAUTH_REPLY            client  REQUEST     REPLY         0 send, < 0 end the SA
 *   XAUTH_CHECK            server  REPLY       -             0 OK, -EACCES FAIL, -EAGAIN ask
 *                                                            again (bounded by ROUNDS_MAX),
 *                                                            -EINPROGRESS: proto_ike_ra_xauth_
 *                                                            result() later
 *   XAUTH_STATUS           client  SET(STATUS) -             ignored (the engine ACKs)
 *   CFG_REQUEST            client  NULL        REQUEST       0 send, < 0 end the SA
 *   CFG_REPLY              server  REQUEST     REPLY         0 send, < 0 end the SA
 *   CFG_PUSH               server  NULL        SET           0 send, < 0 end the SA
 *   CFG_RECEIVED           client  REPLY/SET   -             0 accept, < 0 end the SA
 * The user name is in the XAUTH_REPLY/CHECK lists; the engine logs it, never a password.
 */
enum proto_ike_ra_op {
	PROTO_IKE_RA_XAUTH_REQUEST,
	PROTO_IKE_RA_XAUTH_REPLY,
	PROTO_IKE_RA_XAUTH_CHECK,
	PROTO_IKE_RA_XAUTH_STATUS,
	PROTO_IKE_RA_CFG_REQUEST,
	PROTO_IKE_RA_CFG_REPLY,
	PROTO_IKE_RA_CFG_PUSH,
	PROTO_IKE_RA_CFG_RECEIVED,
};
struct proto_cfg_list;
struct proto_cfg_out;

struct proto_ike_policy {
	void *ctx;
	unsigned sas_max;
	int (*find_p1)(void *ctx, const struct proto_ike_addr *local,
		       const struct proto_ike_addr *peer, const struct proto_ike_id *peer_id,
		       struct proto_ike_conn *ret);
	int (*find_p2)(void *ctx, const struct proto_ike_conn *p1,
		       const struct proto_ike_addr *peer, const struct proto_ike_ts *local_ts,
		       const struct proto_ike_ts *remote_ts, struct proto_ike_conn *ret);
	int (*get_psk)(void *ctx, const struct proto_ike_conn *conn,
		       const struct proto_ike_id *local, const struct proto_ike_id *remote,
		       uint8_t *buf, size_t cap, size_t *ret_len);
	int (*alloc_spi)(void *ctx, const struct proto_ike_conn *conn, uint8_t protocol,
			 const struct proto_ike_addr *local, const struct proto_ike_addr *peer,
			 uint32_t *ret_spi);
	int (*sign)(void *ctx, const struct proto_ike_conn *conn, uint16_t method,
		    const uint8_t *hash, size_t hash_len, uint8_t *sig, size_t cap,
		    size_t *ret_len);
	int (*own_certs)(void *ctx, const struct proto_ike_conn *conn,
			 const struct proto_ike_blob *cr, unsigned n_cr, struct proto_ike_blob *ret,
			 unsigned cap, unsigned *ret_n);
	int (*ca_dns)(void *ctx, const struct proto_ike_conn *conn, struct proto_ike_blob *ret,
		      unsigned cap, unsigned *ret_n);
	enum proto_ike_reason (*verify)(void *ctx, const struct proto_ike_conn *conn,
					const struct proto_ike_peer_auth *in, char *text,
					size_t text_cap);
	/* Transaction exchanges (NULL: they are dropped, and none can be started). in is what
	 * the peer sent: a REQUEST or a SET (we answer: fill ret->attrs and ret->len, type and
	 * identifier are set; < 0 answers nothing and ends the exchange), or the REPLY or ACK to
	 * one we started (ret is NULL), or NULL when one we started failed (text says why). */
	int (*cfg)(void *ctx, const struct proto_ike_conn *conn, uint64_t sa_id, uint32_t msgid,
		   const struct proto_ike_cfg_msg *in, struct proto_ike_cfg_msg *ret,
		   const char *text);
	/* XAUTH and Mode-Config (see enum proto_ike_ra_op). NULL: an SA that needs them fails. */
	int (*ra)(void *ctx, const struct proto_ike_conn *conn, uint64_t sa_id,
		  enum proto_ike_ra_op op, const struct proto_cfg_list *in,
		  struct proto_cfg_out *out);
};

enum proto_ike_event_type {
	PROTO_IKE_EV_P1_UP,	      /* ISAKMP SA established: u.p1 */
	PROTO_IKE_EV_P1_FAILED,	      /* reason, text; the SA is gone */
	PROTO_IKE_EV_P2_UP,	      /* IPsec SA pair negotiated: u.child (program xfrm) */
	PROTO_IKE_EV_P2_FAILED,	      /* reason, text; u.child.msgid */
	PROTO_IKE_EV_DELETE,	      /* peer deleted IPsec SAs: u.del */
	PROTO_IKE_EV_INITIAL_CONTACT, /* peer rebooted: remove its old SAs */
	PROTO_IKE_EV_NOTIFY,	      /* any other authenticated notify: u.notify */
	PROTO_IKE_EV_SA_GONE,	      /* ISAKMP SA freed (deleted by us or by the peer) */
	PROTO_IKE_EV_PEER_MOVED, /* NAT mapping changed: u.moved (peer/local are the new ones) */
	PROTO_IKE_EV_DPD_ACK,	 /* R-U-THERE-ACK for our probe: u.dpd */
	PROTO_IKE_EV_DPD_DEAD,	 /* no R-U-THERE-ACK within the timeout: u.dpd; SA kept */
};

/* Phase-1 result. */
struct proto_ike_p1_info {
	struct proto_ike_p1_prop prop;
	uint8_t exchange; /* ISAKMP_XCHG_IDPROT or ISAKMP_XCHG_AGGRESSIVE */
	uint32_t lifetime_s;
	struct proto_ike_id peer_id;
	bool peer_dpd, peer_natt; /* vendor IDs seen (peer_natt: RFC 3947 or a draft) */
	bool nat_local, nat_peer; /* RFC 3947 §3.2: a NAT in front of us / of the peer (or faked) */
	bool natt; /* the SA floated to the NAT-T port (local/peer ports are those) */
	bool peer_initial_contact;	/* the peer sent INITIAL-CONTACT (an INITIAL_CONTACT event
					   follows) */
	bool initial_contact_sent;	/* we sent INITIAL-CONTACT: the peer drops what it had */
	uint64_t started_ms;		/* env clock when the negotiation began (first message) */
	uint8_t icookie[8], rcookie[8]; /* the ISAKMP SA's cookies (RFC 2408 §3.1), for status */
};

/* Everything the daemon needs to install one IPsec SA pair. */
struct proto_ike_child {
	uint8_t protocol; /* PROTO_IPSEC_ESP or PROTO_IPSEC_AH */
	uint8_t transform;
	uint16_t key_bits;
	uint16_t auth;
	uint8_t mode;		  /* ENCAP_TUNNEL or ENCAP_TRANSPORT */
	uint32_t spi_in, spi_out; /* host order */
	uint8_t keymat_in[PROTO_IKE_KEYMAT_MAX], keymat_out[PROTO_IKE_KEYMAT_MAX];
	size_t enc_key_len, auth_key_len; /* keymat = enc key (incl. salt) | auth key */
	uint32_t lifetime_s, lifetime_kb;
	uint16_t pfs_group; /* 0 without PFS */
	struct proto_ike_ts local_ts, remote_ts;
	bool natt; /* UDP encapsulation (RFC 3948) */
	uint16_t encap_sport, encap_dport;
	uint32_t msgid;
	bool has_oa;		       /* transport mode over NAT: the peer sent NAT-OA */
	struct proto_ike_addr oa_peer; /* the peer's original address (RFC 3947 §5.2) */
	/* IPComp (RFC 3173) negotiated in the same proposal: an IPComp SA pair goes with this
	 * one, applied before it on the way out (the ESP/AH SA then runs in transport mode). */
	bool ipcomp;
	uint8_t ipcomp_transform; /* IPCOMP_DEFLATE */
	uint16_t cpi_in, cpi_out; /* host order */
	uint16_t cpi_spare; /* without IPComp: a CPI we allocated and offered all the same (its
			       larval SA can go), else 0 */
};

struct proto_ike_event {
	enum proto_ike_event_type type;
	uint64_t sa_id;
	uint64_t conn_handle;
	uint32_t reqid;
	bool initiator;
	struct proto_ike_addr local, peer;
	enum proto_ike_reason reason;
	char text[256];
	union {
		struct proto_ike_p1_info p1;
		struct proto_ike_child child;
		struct {
			uint8_t protocol;
			unsigned n_spis;
			uint32_t spis[PROTO_IKE_DELETE_SPIS_MAX];
		} del;
		struct {
			uint16_t type;
			uint8_t protocol;
			uint32_t spi;
		} notify;
		struct {
			struct proto_ike_addr old_local, old_peer;
		} moved;
		struct {
			uint32_t seq; /* DPD_ACK: acknowledged; DPD_DEAD: last sent */
		} dpd;
	} u;
};

/* A Diffie-Hellman computation. Fields are private to the engine except user, which the daemon may
 * use freely (e.g. to link its own job wrapper). */
struct proto_ike_dh_job {
	void *user;
	unsigned group;
	/* private */
	uint64_t sa_id;
	uint32_t msgid; /* 0 for phase 1 */
	struct crypto_dh *dh;
	/* dh NULL: the crypto_dh_random_len() bytes of its new private value, drawn from the env
	 * on the loop thread (so the env's random need not be thread-safe); wiped once used */
	uint8_t rnd[132];
	size_t rnd_len;
	uint8_t peer[1024];
	size_t peer_len;
	uint8_t shared[1024];
	size_t shared_len;
	int result;
};

enum proto_ike_action_type {
	PROTO_IKE_ACT_SEND, /* data/len from src to dst; natt: send on the NAT-T socket (add marker)
			     */
	PROTO_IKE_ACT_TIMER, /* (re)arm the timer of sa_id at deadline_ms; 0 = cancel it */
	PROTO_IKE_ACT_DH,    /* run job on a worker, then proto_ike_dh_done() */
	PROTO_IKE_ACT_EVENT, /* event */
};

struct proto_ike_action {
	enum proto_ike_action_type type;
	uint64_t sa_id;
	uint8_t *data;
	size_t len;
	struct proto_ike_addr src, dst;
	bool natt;
	bool unproven; /* SEND: a reply to a peer that has not yet shown it receives ours (a
			  responder before the peer echoed our cookie): maybe a spoofed source */
	uint64_t deadline_ms;
	struct proto_ike_dh_job *job; /* owned by the daemon until proto_ike_dh_done() */
	struct proto_ike_event *event;
};

/* Counters, for status output and tests. */
struct proto_ike_stats {
	uint64_t rx, tx, retransmits;
	uint64_t drop_malformed, drop_unknown_sa, drop_msgid, drop_state, drop_half_open;
	uint64_t duplicates, drop_actions;
	uint64_t evict_half_open; /* unproven responder SAs dropped for newer ones at the caps */
	uint64_t drop_sa_limit;	  /* first messages dropped at the policy's sas_max */
	/* IKE fragments: sent, received, messages reassembled, duplicate fragments, partial
	 * messages dropped at the timeout, evicted for a newer one at FRAG_PEER_MAX or
	 * FRAG_PARTIAL_MAX, and dropped over a limit (a 17th fragment, oversize, inconsistent) */
	uint64_t frag_tx, frag_rx, frag_reassembled, frag_dup, frag_timeout, frag_evict, drop_frag;
	unsigned sas, half_open;
	unsigned frag_partial; /* messages being reassembled now */
	size_t frag_bytes;     /* fragment bytes they hold */
};

/* Creates an engine: draws the cookie secret from env->random. NULL on allocation failure or a
 * policy->sas_max above PROTO_IKE_SAS_LIMIT. env and policy are copied. */
struct proto_ike_engine *proto_ike_engine_new(const struct proto_env *env,
					      const struct proto_ike_policy *policy);
/* Frees every SA (wiping keys) and queued action. Accepts NULL. DH jobs the daemon still holds
 * must be freed with proto_ike_dh_free() afterwards (or delivered before). */
void proto_ike_engine_free(struct proto_ike_engine *e);
/* Draws a new cookie secret (RFC 2408 §2.5.3) for the responder cookies of new SAs; existing SAs
 * keep theirs (they are looked up by the cookies they hold). */
void proto_ike_rotate_secret(struct proto_ike_engine *e);

/* Results of proto_ike_input: what happened to the datagram (details are counted and logged). */
enum proto_ike_input_result {
	PROTO_IKE_IN_OK,	/* processed (a state may have changed) */
	PROTO_IKE_IN_DUPLICATE, /* a retransmission: the cached reply was resent */
	PROTO_IKE_IN_DROPPED,	/* malformed, unknown SA, wrong state or message ID */
};

/* Processes one received datagram (without the NAT-T non-ESP marker). */
enum proto_ike_input_result proto_ike_input(struct proto_ike_engine *e, const uint8_t *buf,
					    size_t len, const struct proto_ike_addr *local,
					    const struct proto_ike_addr *peer, bool natt);

/*
 * Starts a phase 1 (Main Mode, or Aggressive Mode if conn->aggressive) towards peer, followed by
 * one Quick Mode per (local_ts, remote_ts) pair once it is up. Returns 0 and the SA id, or
 * -ENOMEM / -EAGAIN (limit) / -EINVAL (conn without proposals).
 */
int proto_ike_initiate(struct proto_ike_engine *e, const struct proto_ike_conn *conn,
		       const struct proto_ike_addr *local, const struct proto_ike_addr *peer,
		       uint64_t *ret_sa_id);

/*
 * Like proto_ike_initiate, but phase 1 only: no Quick Mode follows (a reauthentication; the
 * daemon keeps its IPsec SAs and rekeys them over whichever ISAKMP SA is newest).
 */
int proto_ike_initiate_p1(struct proto_ike_engine *e, const struct proto_ike_conn *conn,
			  const struct proto_ike_addr *local, const struct proto_ike_addr *peer,
			  uint64_t *ret_sa_id);

/*
 * Starts one Quick Mode as initiator on the established ISAKMP SA sa_id, for conn (NULL: the
 * conn the SA was negotiated under) and the selectors local_ts/remote_ts (NULL: the host
 * address of that side): a phase-2 rekey, or a child added later. Its result is a P2_UP or
 * P2_FAILED event whose u.child.msgid is *ret_msgid. Returns 0, -ENOENT (no such established
 * SA), -EINVAL (conn without ESP/AH proposals) or -EAGAIN (PROTO_IKE_QM_MAX in flight).
 */
int proto_ike_quick_mode(struct proto_ike_engine *e, uint64_t sa_id,
			 const struct proto_ike_conn *conn, const struct proto_ike_ts *local_ts,
			 const struct proto_ike_ts *remote_ts, uint32_t *ret_msgid);

/* The timer of sa_id fired (unknown ids are ignored). */
void proto_ike_timer(struct proto_ike_engine *e, uint64_t sa_id);

/* Runs a DH job (keygen and/or shared secret). Thread-safe: touches only the job. */
void proto_ike_dh_run(struct proto_ike_dh_job *job);
/* Delivers a finished job (loop thread) and frees it; ran = false if it was cancelled unrun. */
void proto_ike_dh_done(struct proto_ike_engine *e, struct proto_ike_dh_job *job, bool ran);
/* Frees a job without delivering it (e.g. the engine is already gone); wipes its secrets. */
void proto_ike_dh_free(struct proto_ike_dh_job *job);

/*
 * Starts a Transaction exchange (type 6) as initiator on the established ISAKMP SA sa_id: m is a
 * REQUEST or a SET; the answer (REPLY or ACK, the identifier echoed) or the failure reaches the
 * policy's cfg callback with *ret_msgid (may be NULL). Every call takes a fresh message ID.
 * Returns 0, -ENOENT (no such established SA), -EINVAL (no cfg callback, another type, or
 * malformed attributes) or -EAGAIN (PROTO_IKE_QM_MAX exchanges in flight).
 */
int proto_ike_cfg_start(struct proto_ike_engine *e, uint64_t sa_id,
			const struct proto_ike_cfg_msg *m, uint32_t *ret_msgid);

/*
 * The XAUTH server's deferred steps: send the REQUEST the policy put off (XAUTH_REQUEST returned
 * 1), and the result of a check it put off (XAUTH_CHECK returned -EINPROGRESS): 0 OK, -EACCES
 * FAIL, -EAGAIN ask again. Return 0, -ENOENT (no such SA waiting for it).
 */
int proto_ike_ra_xauth_start(struct proto_ike_engine *e, uint64_t sa_id);
int proto_ike_ra_xauth_result(struct proto_ike_engine *e, uint64_t sa_id, int result);

/* Sends an Informational DELETE for an IPsec SA we own (spi_in: our inbound SPI). 0 or -ENOENT. */
int proto_ike_delete_child(struct proto_ike_engine *e, uint64_t sa_id, uint8_t protocol,
			   uint32_t spi_in);
/* Sends an ISAKMP DELETE (if established) and frees the SA. 0 or -ENOENT. */
int proto_ike_delete_sa(struct proto_ike_engine *e, uint64_t sa_id);

/* Pops the next action; false when none is queued. */
bool proto_ike_next_action(struct proto_ike_engine *e, struct proto_ike_action *ret);
/* Frees an action's data and event (wiping KEYMAT); a DH job is NOT freed (see dh_done). */
void proto_ike_action_release(struct proto_ike_action *a);

void proto_ike_get_stats(const struct proto_ike_engine *e, struct proto_ike_stats *ret);

/* The UDP port NAT-T floats to, on both sides (default PROTO_IKE_NATT_PORT). */
void proto_ike_set_natt_port(struct proto_ike_engine *e, uint16_t port);

/* Changes the policy's sas_max (0: PROTO_IKE_SAS_DEFAULT) for SAs created from now on: below the
 * current count, existing SAs stay and new ones wait until enough are gone. -EINVAL above
 * PROTO_IKE_SAS_LIMIT (nothing changes), else 0. */
int proto_ike_set_sas_max(struct proto_ike_engine *e, unsigned sas_max);

/*
 * Dead Peer Detection (RFC 3706 §5): sends R-U-THERE with the next sequence number on the
 * established ISAKMP SA sa_id, resends it every PROTO_IKE_DPD_RESEND_MS (a new sequence number
 * each time, §5.5) and emits PROTO_IKE_EV_DPD_ACK when an ACK for any of them arrives, or
 * PROTO_IKE_EV_DPD_DEAD once timeout_ms passed without one. The daemon decides when (idle
 * tunnels only) and what to do with a dead peer. Returns 0, -ENOENT (no such established SA),
 * -EOPNOTSUPP (the peer did not send the DPD vendor ID) or -EALREADY (a probe is in flight).
 */
int proto_ike_dpd_probe(struct proto_ike_engine *e, uint64_t sa_id, uint32_t timeout_ms);
