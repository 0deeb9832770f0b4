/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xfrm/: oakley's only path into the kernel's IPsec tables, through NETLINK_XFRM on libmnl.
 *
 * The module takes neutral structs: addresses as family + 16 bytes, keys as bytes plus the kernel's
 * algorithm name (see xfrm_algs[]), never proto/ or crypto/ types. Every function returns 0 (or a
 * count) or -errno; a handle keeps a human message for its last error (xfrm_errmsg()), including
 * the kernel's extended-ack text when it sent one.
 *
 * Ownership. Every SA and every policy this module installs carries the tag XFRM_OWNER_TAG in the
 * `user` field of its struct xfrm_selector. The kernel stores that selector verbatim with the SA or
 * policy and reports it back in every dump and notification; it plays no part in packet matching
 * (xfrm_selector_match() ignores it), it survives a crash of the daemon, and no other IKE daemon or
 * iproute2 sets it (they leave it 0). xfrm_flush_owned() dumps both tables and deletes exactly the
 * entries that carry the tag, nothing else. Consequences: a policy is identified by its whole
 * selector, so oakley's policy never collides with (EEXIST) or replaces a foreign policy with the
 * same addresses; deleting one of oakley's policies by selector with `ip xfrm policy delete` does
 * not match (iproute2 sends user 0) -- delete by index instead. The caller may additionally keep
 * reqids in XFRM_REQID_MIN..XFRM_REQID_MAX so that SAs and templates are easy to spot in `ip xfrm`
 * output; the module does not require it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/xfrm.h>

/* 'oakl' in the selector's user field marks oakley's SAs and policies (see above). */
#define XFRM_OWNER_TAG 0x6f616b6cu
/* A reqid range no known IKE daemon uses by default ('ok' in the top half). */
#define XFRM_REQID_MIN 0x6f6b0000u
#define XFRM_REQID_MAX 0x6f6bffffu
/* Templates per policy (the kernel's XFRM_MAX_DEPTH is 6; ESP+IPComp needs 2). */
#define XFRM_TMPL_MAX 4
/* Kernel algorithm names are at most 63 characters (CRYPTO_MAX_ALG_NAME - 1). */
#define XFRM_ALG_NAME_MAX 63
/* The largest negotiated CPI (RFC 3173 §3.3: 61440..65535 are for private use). */
#define XFRM_CPI_MAX 0xefffu
/* Keys up to 512 bits (HMAC-SHA2-512 is the largest the daemon uses). */
#define XFRM_KEY_MAX 64

enum xfrm_alg_kind {
	XFRM_ALG_CRYPT,
	XFRM_ALG_AUTH,
	XFRM_ALG_AEAD,
	XFRM_ALG_COMP,
};

/* One row of the kernel algorithm table shared by SA building and status output. */
struct xfrm_alg {
	const char *name;   /* short name used in configuration and status: "aes-gcm-16" */
	const char *kernel; /* the kernel's name: "rfc4106(gcm(aes))" */
	enum xfrm_alg_kind kind;
	uint16_t icv_bits; /* truncation (auth) or ICV length (AEAD); 0 otherwise */
};

extern const struct xfrm_alg xfrm_algs[];
extern const size_t xfrm_algs_len;

/* An IPv4 (first 4 bytes used) or IPv6 address; family 0 means "none given". */
struct xfrm_ipaddr {
	uint8_t family; /* AF_INET, AF_INET6 or 0 */
	uint8_t bytes[16];
};

/* A traffic selector. Ports in host order, 0 = any; proto 0 = any. */
struct xfrm_sel {
	struct xfrm_ipaddr src, dst; /* families must agree; 0 on both = no selector */
	uint8_t src_len, dst_len;    /* prefix lengths */
	uint8_t proto;
	uint16_t sport, dport;
	uint32_t user; /* filled by parsers; requests always carry XFRM_OWNER_TAG */
};

/* Lifetimes; 0 means no limit. */
struct xfrm_lifetime {
	uint64_t soft_bytes, hard_bytes;
	uint64_t soft_packets, hard_packets;
	uint64_t soft_secs, hard_secs;	       /* since add */
	uint64_t soft_use_secs, hard_use_secs; /* since first use */
};

/* A key handed to the kernel. The caller owns and wipes `key`; the module wipes its copies. */
struct xfrm_key {
	const char *alg; /* kernel name, NULL = not used */
	const uint8_t *key;
	size_t len;    /* bytes; AEAD keys include the salt (4 bytes for rfc4106/rfc7539esp) */
	uint16_t bits; /* auth: truncation bits; AEAD: ICV bits */
};

/* Identifies one SA: destination, SPI and protocol (plus source and mark, if set). */
struct xfrm_sa_id {
	struct xfrm_ipaddr src; /* optional (family 0) */
	struct xfrm_ipaddr dst;
	uint32_t spi;  /* host order; a CPI for IPComp */
	uint8_t proto; /* IPPROTO_ESP, IPPROTO_AH or IPPROTO_COMP */
	uint32_t mark_v, mark_m;
};

/* Everything needed to install an SA (XFRM_MSG_NEWSA / XFRM_MSG_UPDSA). */
struct xfrm_sa {
	struct xfrm_ipaddr src, dst;
	uint32_t spi;
	uint8_t proto;
	uint8_t mode; /* XFRM_MODE_TRANSPORT or XFRM_MODE_TUNNEL */
	uint32_t reqid;
	struct xfrm_sel sel; /* optional: families 0 = derived (transport: the hosts) */
	struct xfrm_key enc, auth, aead, comp;
	bool encap; /* UDP_ENCAP_ESPINUDP (RFC 3948) */
	uint16_t encap_sport, encap_dport;
	struct xfrm_ipaddr encap_oa; /* NAT-OA (RFC 3947), optional */
	uint32_t replay_window;	     /* packets */
	bool esn;		     /* 64-bit sequence numbers (RFC 4303 §2.2.1) */
	struct xfrm_lifetime lft;
	uint32_t mark_v, mark_m;
	uint32_t if_id;
};

/* What the kernel reports about one SA (GETSA, dumps and events); keys are never copied out. */
struct xfrm_sa_info {
	struct xfrm_ipaddr src, dst;
	uint32_t spi;
	uint8_t proto, mode, flags;
	uint32_t reqid;
	struct xfrm_sel sel;
	struct xfrm_lifetime lft;
	uint64_t bytes, packets;     /* current counters */
	uint64_t add_time, use_time; /* seconds since the epoch; use_time 0 = never used */
	uint32_t replay_window;
	uint32_t mark_v, mark_m, if_id;
	bool encap;
	uint16_t encap_sport, encap_dport;
	bool owned; /* sel.user == XFRM_OWNER_TAG or reqid in our range */
};

/* One template of a policy. */
struct xfrm_tmpl {
	struct xfrm_ipaddr src, dst; /* tunnel endpoints (tunnel mode), family 0 in transport */
	uint8_t proto;		     /* IPPROTO_ESP, IPPROTO_AH, IPPROTO_COMP */
	uint8_t mode;
	uint32_t reqid;
	uint32_t spi;  /* usually 0 (any) */
	bool optional; /* "level use" instead of "level required" */
};

/* A policy (SPD entry); used for requests, dumps and events alike. */
struct xfrm_policy {
	struct xfrm_sel sel;
	uint8_t dir;	/* XFRM_POLICY_IN, XFRM_POLICY_OUT, XFRM_POLICY_FWD */
	uint8_t action; /* XFRM_POLICY_ALLOW or XFRM_POLICY_BLOCK */
	uint32_t priority;
	uint32_t index; /* set by the kernel; ignored in requests */
	uint32_t mark_v, mark_m, if_id;
	size_t n_tmpls;
	struct xfrm_tmpl tmpls[XFRM_TMPL_MAX];
	bool owned;
};

enum xfrm_event_type {
	XFRM_EV_ACQUIRE, /* a packet hit a policy with no SA: negotiate */
	XFRM_EV_EXPIRE,	 /* an SA reached a soft or hard limit */
	XFRM_EV_SA_ADD,
	XFRM_EV_SA_UPDATE,
	XFRM_EV_SA_DEL,
	XFRM_EV_SA_FLUSH,
	XFRM_EV_POLICY_ADD,
	XFRM_EV_POLICY_UPDATE,
	XFRM_EV_POLICY_DEL,
	XFRM_EV_POLICY_EXPIRE,
	XFRM_EV_POLICY_FLUSH,
	XFRM_EV_MAPPING, /* NAT-T peer address/port change (XFRMNLGRP_MAPPING) */
	XFRM_EV__MAX,
};

struct xfrm_event {
	enum xfrm_event_type type;
	union {
		struct {
			struct xfrm_sel sel;   /* the triggering flow */
			struct xfrm_tmpl tmpl; /* the template being acquired (XFRMA_TMPL) */
			struct xfrm_ipaddr src, dst;
			uint32_t policy_index;
			uint8_t policy_dir;
			uint32_t seq; /* to be used as the larval SA's ALLOCSPI seq */
		} acquire;
		struct {
			struct xfrm_sa_info sa;
			bool hard;
		} expire;
		struct xfrm_sa_info sa; /* SA_ADD, SA_UPDATE, SA_DEL */
		struct {
			struct xfrm_policy pol; /* POLICY_ADD/UPDATE/DEL/EXPIRE */
			bool hard;		/* POLICY_EXPIRE only */
		} policy;
		uint8_t flush_proto; /* SA_FLUSH: 0 = all */
		struct {
			struct xfrm_sa_id id;
			struct xfrm_ipaddr old_addr, new_addr;
			uint16_t old_port, new_port;
			uint32_t reqid;
		} mapping;
	};
};

/* Called once per parsed event; return 0 to go on, < 0 to stop (that value is returned). */
typedef int (*xfrm_event_cb)(const struct xfrm_event *ev, void *arg);

struct xfrm_handle;

/* Opens a request handle: its own NETLINK_XFRM socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK. */
int xfrm_open(struct xfrm_handle **ret_handle);
/* Opens an event handle subscribed to ACQUIRE, EXPIRE, SA, POLICY and MAPPING. */
int xfrm_events_open(struct xfrm_handle **ret_handle);
/* Closes the socket, wipes and frees the buffers. Accepts NULL. */
void xfrm_close(struct xfrm_handle *h);
/* The socket, for the caller's event loop (readable = call xfrm_events_recv()). */
int xfrm_fd(const struct xfrm_handle *h);
/* A human message for the last error on h ("kernel has no ESP support (CONFIG_INET_ESP)"). */
const char *xfrm_errmsg(const struct xfrm_handle *h);

/* Allocates an SPI (ESP/AH; range 0x100..0xffffffff if min == max == 0) or a CPI (IPComp;
 * 0x100..XFRM_CPI_MAX by default, at most 0xffff) for a larval SA src -> dst. seq ties it to an
 * ACQUIRE (0 if none). */
int xfrm_allocspi(struct xfrm_handle *h, const struct xfrm_ipaddr *src,
		  const struct xfrm_ipaddr *dst, uint8_t proto, uint32_t reqid, uint32_t seq,
		  uint32_t min, uint32_t max, uint32_t *ret_spi);

/* Installs (NEWSA) or replaces (UPDSA, e.g. a larval SA from ALLOCSPI) an SA. */
int xfrm_sa_add(struct xfrm_handle *h, const struct xfrm_sa *sa);
int xfrm_sa_update(struct xfrm_handle *h, const struct xfrm_sa *sa);
int xfrm_sa_del(struct xfrm_handle *h, const struct xfrm_sa_id *id);
/* Reads one SA: counters, times, lifetimes. Keys in the reply are wiped, never copied. */
int xfrm_sa_get(struct xfrm_handle *h, const struct xfrm_sa_id *id, struct xfrm_sa_info *ret_info);
/*
 * Calls cb for every SA in the kernel (all of them, owned or not); returns the count, or cb's
 * negative value (the rest of the dump is then read and dropped). cb must not use h.
 */
int xfrm_sa_dump(struct xfrm_handle *h, int (*cb)(const struct xfrm_sa_info *sa, void *arg),
		 void *arg);

int xfrm_policy_add(struct xfrm_handle *h, const struct xfrm_policy *pol);
int xfrm_policy_update(struct xfrm_handle *h, const struct xfrm_policy *pol);
/* Deletes by selector, dir, mark and if_id (pol->index == 0) or by index (pol->index != 0). */
int xfrm_policy_del(struct xfrm_handle *h, const struct xfrm_policy *pol);
int xfrm_policy_dump(struct xfrm_handle *h, int (*cb)(const struct xfrm_policy *pol, void *arg),
		     void *arg);

/* Removes every SA and policy carrying XFRM_OWNER_TAG and nothing else; returns how many. */
int xfrm_flush_owned(struct xfrm_handle *h);

/*
 * Receives what is queued on an event handle (non-blocking if the fd is) and hands each event to
 * cb. Returns the number of events, -EAGAIN if nothing was queued, or -ENOBUFS when the kernel
 * dropped events: the caller must resync with xfrm_sa_dump() and xfrm_policy_dump().
 */
int xfrm_events_recv(struct xfrm_handle *h, xfrm_event_cb cb, void *arg);

/*
 * Pure parser: one buffer as read from an XFRM netlink socket (one or more netlink messages) to
 * events. Messages of types that are not events (NLMSG_DONE, acks) are skipped. Returns the number
 * of events delivered, -EBADMSG at the first malformed message (events before it were delivered),
 * or the callback's negative value.
 */
int xfrm_events_parse(const uint8_t *buf, size_t len, xfrm_event_cb cb, void *arg);

/* Per-socket bypass policies in and out (IP_XFRM_POLICY / IPV6_XFRM_POLICY) for IKE sockets. */
int xfrm_socket_bypass(int fd, int family);
/* Turns a UDP socket into an ESP-in-UDP decapsulating socket (UDP_ENCAP_ESPINUDP, RFC 3948). */
int xfrm_socket_udp_encap(int fd);

/* Names for status output: "esp", "in", "tunnel", "acquire". */
const char *xfrm_proto_name(uint8_t proto);
const char *xfrm_dir_name(uint8_t dir);
const char *xfrm_mode_name(uint8_t mode);
const char *xfrm_event_name(enum xfrm_event_type type);
/* Looks up a table row by its short name or its kernel name; NULL if unknown. */
const struct xfrm_alg *xfrm_alg_find(const char *name);
/* Formats an address ("192.0.2.1", "2001:db8::1", "-" for none) into buf (>= 46 bytes). */
const char *xfrm_ipaddr_str(const struct xfrm_ipaddr *a, char *buf, size_t len);
/* Parses "192.0.2.1" or "2001:db8::1" (and "ADDR/LEN" with ret_len != NULL). */
int xfrm_ipaddr_parse(const char *s, struct xfrm_ipaddr *ret_addr, uint8_t *ret_len);
