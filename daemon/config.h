/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oakley's configuration: the ipsec.conf dialects of strongSwan's starter and of Libreswan, parsed
 * into one typed, fully resolved model (struct dmn_config). Loading is atomic: everything is parsed
 * into a new object, and on any error the caller gets the diagnostics and no object, so a running
 * daemon keeps its old config. Every error, warning and notice carries file:line.
 *
 * Inheritance (documented contract, tested in tests/unit/daemon/test_config.c):
 *   a conn's own keywords  >  its also= sections (in the order listed; a later also= overrides an
 *   earlier one; an also= section's own also= are applied first, depth-first)  >  conn %default
 *   (all %default sections merged in file order, a later one overriding an earlier one).
 * An empty value (`key=`) resets the keyword to oakley's default at that level.
 *
 * Secrets (ipsec.secrets) are in daemon/secrets.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The file name of conns loaded over VICI (load-conn): they survive a reload of the files. */
#define DMN_VICI_CONN_FILE "vici:load-conn"

/* Limits: every count the file controls is bounded. */
#define DMN_CFG_LINE_MAX      4096	  /* bytes per line, without the newline */
#define DMN_CFG_FILE_MAX      (16u << 20) /* bytes per file */
#define DMN_CFG_FILES_MAX     64	  /* files per load (main file + includes) */
#define DMN_CFG_INCLUDE_DEPTH 8		  /* nesting of include */
#define DMN_CFG_ALSO_DEPTH    8		  /* nesting of also= */
#define DMN_CFG_CONNS_MAX     16384	  /* conn sections */
#define DMN_CFG_KEYWORDS_MAX  512	  /* keyword lines per section */
#define DMN_CFG_SUBNETS_MAX   64	  /* subnets per side */
#define DMN_CFG_PROPOSALS_MAX 32	  /* proposals per ike=/esp= after expansion */
#define DMN_CFG_DIAGS_MAX     1000	  /* diagnostics kept per load */
#define DMN_NAME_MAX	      64	  /* conn name */
#define DMN_HOST_MAX	      256	  /* hostname, ID string */
#define DMN_PATH_MAX	      256	  /* updown script, secrets file path */

enum dmn_diag_level {
	DMN_DIAG_ERROR,
	DMN_DIAG_WARNING,
	DMN_DIAG_NOTICE,
};

/* One message about the config, with where it comes from ("file:line: msg"). */
struct dmn_diag {
	enum dmn_diag_level level;
	unsigned line; /* 0 when not about one line */
	char file[DMN_PATH_MAX];
	char msg[320];
};

/* The diagnostics of one load (config or secrets). Zero-initialise; free with dmn_diags_free. */
struct dmn_diags {
	struct dmn_diag *v;
	size_t n, cap;
	unsigned n_errors, n_warnings, n_notices;
	bool truncated; /* more than DMN_CFG_DIAGS_MAX messages; the rest were counted, not kept */
};

enum dmn_addr_kind {
	DMN_ADDR_UNSET,
	DMN_ADDR_IP,	       /* family + bytes */
	DMN_ADDR_ANY,	       /* %any, %any4, %any6 (family 0, AF_INET or AF_INET6) */
	DMN_ADDR_DEFAULTROUTE, /* %defaultroute: resolved by the daemon from the routing table */
	DMN_ADDR_HOSTNAME,     /* resolved later; `%name` (any_allowed) accepts any peer address */
	DMN_ADDR_CONFIG,       /* leftsourceip=%config / %modecfg: ask the peer */
};

struct dmn_addr {
	enum dmn_addr_kind kind;
	int family; /* AF_INET, AF_INET6 or 0 */
	uint8_t bytes[16];
	bool any_allowed;
	char *host; /* DMN_ADDR_HOSTNAME: the name (< DMN_HOST_MAX bytes), owned by the conn; else
		     * NULL. A pointer, not an array: 6 per conn, 10,000 conns (issue 9) */
};

/* A traffic selector: a prefix (from, prefix) or a range (from..to), with protocol and ports. */
struct dmn_subnet {
	int family;
	uint8_t from[16];
	uint8_t to[16]; /* last address, also filled for prefixes */
	uint8_t prefix; /* 0..32/128; 0 for ranges */
	bool is_range;
	uint8_t proto;		   /* 0 = any */
	uint16_t port_lo, port_hi; /* 0..65535 = any */
};

enum dmn_id_type {
	DMN_ID_DEFAULT, /* not set: the host address is used */
	DMN_ID_ANY,	/* %any: accept whatever the peer sends */
	DMN_ID_IPV4,
	DMN_ID_IPV6,
	DMN_ID_FQDN,
	DMN_ID_USER_FQDN,
	DMN_ID_DN,     /* kept as the configured string */
	DMN_ID_KEY_ID, /* @#hex or keyid: */
};

struct dmn_id {
	enum dmn_id_type type;
	uint8_t addr[16];
	char str[DMN_HOST_MAX]; /* FQDN/USER_FQDN/DN/KEY_ID text, '\0' otherwise */
};

/* vhost:/vnet: virtual subnets (Libreswan): what the peer may propose. */
#define DMN_VIRT_VHOST 0x1u
#define DMN_VIRT_VNET  0x2u
#define DMN_VIRT_NO    0x4u /* %no: the peer's own address */
#define DMN_VIRT_PRIV  0x8u /* %priv: any of virtual_private */

struct dmn_side {
	struct dmn_addr host;
	struct dmn_addr nexthop;
	struct dmn_subnet *subnets; /* owned; leftsubnet= / leftsubnets= */
	size_t n_subnets;
	unsigned virt; /* DMN_VIRT_* when rightsubnet=vhost:/vnet: */
	struct dmn_id id;
	uint8_t proto; /* leftprotoport, 0 = any */
	uint16_t port_lo, port_hi;
	struct dmn_addr sourceip;
	char *updown; /* < DMN_PATH_MAX bytes, owned by the conn; NULL when not set */
	bool firewall;
	bool hostaccess;
	uint16_t ikeport; /* 0 = 500 */
	/* certificate authentication (daemon/config_certs.c): parsed, refused at load until oakleyd
	 * signs and verifies (issue 16) */
	char *cert;	 /* leftcert=: file, relative names in ipsec.d/certs/; owned, NULL = none */
	char *cert_file; /* where leftcert= is (owned), for the messages of --check-config */
	unsigned cert_line;
	char *ca;	  /* leftca=: the CA's DN (wildcard RDNs); owned, NULL = any trust anchor */
	bool ca_same;	  /* rightca=%same: the CA of the other side's certificate */
	uint8_t sendcert; /* enum dmn_sendcert */
	bool sigkey_cert; /* leftrsasigkey=%cert / leftsigkey=%cert */
};

/* authby=: pre-shared keys, or signatures with the key of leftcert= (pubkey: RSA or ECDSA as the
 * key is; rsasig and ecdsasig insist on one). */
enum dmn_auth { DMN_AUTH_PSK, DMN_AUTH_PUBKEY, DMN_AUTH_RSA, DMN_AUTH_ECDSA };

/* leftsendcert=: when this side sends its certificate (strongSwan's default: ifasked). */
enum dmn_sendcert { DMN_SENDCERT_IFASKED, DMN_SENDCERT_ALWAYS, DMN_SENDCERT_NEVER };

enum dmn_auto { DMN_AUTO_ADD, DMN_AUTO_START, DMN_AUTO_ROUTE, DMN_AUTO_ONDEMAND, DMN_AUTO_KEEP };
enum dmn_type {
	DMN_TYPE_TUNNEL,
	DMN_TYPE_TRANSPORT,
	DMN_TYPE_PASS,
	DMN_TYPE_DROP,
	DMN_TYPE_REJECT
};
enum dmn_dpd_action { DMN_DPD_NONE, DMN_DPD_CLEAR, DMN_DPD_HOLD, DMN_DPD_RESTART };
enum dmn_tristate { DMN_AUTO_DEFAULT, DMN_NO, DMN_YES, DMN_FORCE }; /* encaps, fragmentation */

/* One IKE (phase 1) transform: values of proto/consts.h (enum ike_encr, ike_hash, ike_group). */
struct dmn_ike_proposal {
	uint16_t encr;
	uint16_t key_bits; /* 0 = the algorithm's fixed size */
	uint16_t hash;
	uint16_t prf; /* 0: HMAC of hash (RFC 2409 §4); IKEv1 has no separate PRF in practice */
	uint16_t group;
};

/* One ESP or AH (phase 2) transform. protocol is PROTO_IPSEC_ESP or PROTO_IPSEC_AH;
 * transform is enum ipsec_esp_transform or ipsec_ah_transform, auth enum ipsec_auth (0 = none,
 * AEAD), group the PFS group (0 = none, see dmn_conn.pfs). */
struct dmn_esp_proposal {
	uint8_t protocol;
	uint16_t transform;
	uint16_t key_bits;
	uint16_t auth;
	uint16_t group;
	bool esn;
};

struct dmn_ike_proposals {
	struct dmn_ike_proposal v[DMN_CFG_PROPOSALS_MAX];
	size_t n;
	bool strict; /* '!': only these; otherwise oakley's defaults were appended */
};

struct dmn_esp_proposals {
	struct dmn_esp_proposal v[DMN_CFG_PROPOSALS_MAX];
	size_t n;
	bool strict;
};

enum dmn_pfs { DMN_PFS_DEFAULT, DMN_PFS_NO, DMN_PFS_YES };

struct dmn_conn {
	char name[DMN_NAME_MAX];
	char file[DMN_PATH_MAX]; /* where "conn NAME" is */
	unsigned line;
	struct dmn_side left, right; /* left is the local side once dmn_config_orient() ran */
	bool swapped; /* dmn_config_orient() exchanged left and right: right= named this host */
	enum dmn_auto autostart;
	enum dmn_type type;
	bool aggressive; /* aggressive= / aggrmode=: initiate with AM and accept AM as responder */
	uint8_t auth;	 /* enum dmn_auth: authby= (daemon/config_certs.c) */
	bool allow_weak; /* allow-weak-crypto=yes (oakley) */
	bool compress;	 /* IPComp */
	bool strict_lifetime; /* lifetimecheck=strict: refuse offers longer than our lifetimes */
	bool rekey;	      /* default yes */
	bool reauth;	      /* default yes */
	bool installpolicy;   /* default yes */
	bool initial_contact; /* default yes */
	enum dmn_tristate encaps; /* forceencaps=yes -> DMN_FORCE; encapsulation=no -> DMN_NO */
	enum dmn_tristate fragmentation; /* yes (default), no, accept(=DMN_AUTO_DEFAULT), force */
	uint32_t fragment_size;		 /* largest IKE datagram sent whole, bytes; 0 = 1280 */
	struct dmn_ike_proposals ike;
	struct dmn_esp_proposals esp; /* ESP or AH, per phase2=/ah= */
	enum dmn_pfs pfs;
	uint32_t ikelifetime;		 /* seconds, default 10800 */
	uint32_t lifetime;		 /* IPsec SA seconds, default 3600 */
	uint64_t lifebytes, lifepackets; /* 0 = unlimited */
	uint64_t marginbytes, marginpackets;
	uint32_t rekeymargin;	       /* seconds, default 540 */
	uint32_t rekeyfuzz;	       /* percent, default 100 */
	uint32_t keyingtries;	       /* 0 = %forever, default 3 */
	uint32_t dpddelay, dpdtimeout; /* seconds; dpddelay 0 = DPD off */
	enum dmn_dpd_action dpdaction;
	enum dmn_dpd_action closeaction;
	uint32_t inactivity;					 /* seconds, 0 = off */
	uint32_t reqid;						 /* 0 = automatic */
	uint32_t mark_in, mark_in_mask, mark_out, mark_out_mask; /* mask 0 = no mark */
	bool mark_in_unique, mark_out_unique;
	uint32_t if_id_in, if_id_out; /* 0 = none */
	bool if_id_in_unique, if_id_out_unique;
	uint32_t replay_window;	      /* packets, default 32 */
	uint32_t retransmit_timeout;  /* seconds total, default 60 */
	uint32_t retransmit_interval; /* first retransmit, milliseconds, default 500 */
};

enum dmn_uniqueids {
	DMN_UNIQUE_YES,
	DMN_UNIQUE_NO,
	DMN_UNIQUE_NEVER,
	DMN_UNIQUE_REPLACE,
	DMN_UNIQUE_KEEP
};

struct dmn_setup {
	enum dmn_uniqueids uniqueids;
	uint32_t keep_alive;		/* NAT-T keepalive interval in seconds, default 20 */
	char secretsfile[DMN_PATH_MAX]; /* Libreswan's secretsfile=, "" = command-line default */
	uint16_t ikeport;		/* Libreswan ikeport=, default 500 */
	uint16_t nat_ikeport;		/* default 4500 */
	uint32_t ikesa_limit; /* ISAKMP SAs at once (strongSwan's charon.ikesa_limit), default
				 PROTO_IKE_SAS_DEFAULT, 1..PROTO_IKE_SAS_LIMIT */
};

struct dmn_config_ix;

struct dmn_config {
	struct dmn_setup setup;
	struct dmn_conn **conns; /* auto=ignore and IKEv2-only conns are not in this list */
	size_t n_conns;
	struct dmn_config_ix *ix; /* lookup cache (config_index.c): dmn_config_touch() after any
				     change to conns or their sides */
};

/* The position of conn name in cfg->conns: 0, or -ENOENT. */
int dmn_config_index_of(const struct dmn_config *cfg, const char *name, size_t *ret_i);

/* Drops the lookup cache of cfg; call after changing cfg->conns or a conn's sides. */
void dmn_config_touch(struct dmn_config *cfg);

/* The conns that may answer a peer address, as indexes into cfg->conns in ascending order:
 * exact (right= is that address) and wild (right= is not an address: %any, a name, unset).
 * 0, or -ENOMEM (then walk cfg->conns). */
struct dmn_config_cands {
	const size_t *exact, *wild;
	size_t n_exact, n_wild;
};
int dmn_config_peer_candidates(const struct dmn_config *cfg, int family, const uint8_t *addr,
			       struct dmn_config_cands *ret);

void dmn_diags_free(struct dmn_diags *d);
/* Adds one message (printf format). file may be NULL. */
void dmn_diag_add(struct dmn_diags *d, enum dmn_diag_level level, const char *file, unsigned line,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Prints every message as "file:line: error|warning|notice: msg" to out. */
void dmn_diags_print(const struct dmn_diags *d, FILE *out);

/*
 * Loads path (and every include) into a new config. Diagnostics are appended to diags. Returns 0
 * and sets *ret_cfg (owned by the caller), or a negative errno and leaves *ret_cfg untouched:
 * -EINVAL for a config with errors (all in diags), -ENOENT/-EACCES/-EFBIG/... when path itself
 * cannot be read (no diagnostic is added for that: the caller words it), -ENOMEM.
 */
int dmn_config_load(const char *path, struct dmn_diags *diags, struct dmn_config **ret_cfg);

/*
 * Like dmn_config_load() for an in-memory text named name (used in diagnostics). Relative
 * includes are resolved against include_dir; include_dir NULL refuses every include (fuzzing).
 */
int dmn_config_parse_buffer(const char *name, const char *buf, size_t len, const char *include_dir,
			    struct dmn_diags *diags, struct dmn_config **ret_cfg);

void dmn_config_free(struct dmn_config *cfg);

/*
 * Orientation, the rule of both dialects that lets one conn text serve both gateways: a conn whose
 * left= is not an address of this host but whose right= is gets its two sides exchanged whole
 * (struct dmn_side: address, ID, subnets, protoport, nexthop, sourceip, updown, ...) and
 * conn->swapped flipped (it tells whether the sides differ from the file). Every other conn is
 * kept as written: left= local; neither local (left=
 * %defaultroute, %any or unset means this host anyway); both local. is_local(addr, ctx) is asked
 * only about IP addresses (DMN_ADDR_IP); hostnames are not resolved (oakleyd does not resolve them
 * at all yet), so a side written as a hostname never counts as local. Conns loaded over VICI
 * (file DMN_VICI_CONN_FILE) name local and remote explicitly and are left alone. Running it again
 * with the same addresses changes nothing. Returns how many conns it swapped.
 */
size_t dmn_config_orient(struct dmn_config *cfg,
			 bool (*is_local)(const struct dmn_addr *addr, void *ctx), void *ctx);

/* The conn called name, or NULL. */
const struct dmn_conn *dmn_config_find(const struct dmn_config *cfg, const char *name);

/*
 * What differs between two versions of a conn (the one running and the one a reload loaded), as
 * a mask; generated from the keyword table (daemon/config_keywords.c), whose rows say which class
 * a change of each keyword is. The name, file:line and orientation flag are not compared (a conn
 * moved in the file keeps its tunnel), and keywords that act only while the conn is built
 * (also=, authby=, allow-weak-crypto=, ...) are compared through what they produce (proposals).
 * a or b NULL (added or removed) is DMN_CONN_CHANGED_SA unless both are.
 */
enum dmn_conn_changed {
	DMN_CONN_UNCHANGED = 0,
	DMN_CONN_CHANGED_LIVE = 1u << 0, /* e.g. dpddelay=, keyingtries=: the existing SAs follow
					  * the new value (the daemon reads it from the conn) */
	DMN_CONN_CHANGED_AUTO = 1u << 1, /* auto=: reload decides what to start, route or stop */
	DMN_CONN_CHANGED_SA = 1u << 2,	 /* addresses, IDs, subnets, proposals, lifetimes, marks...:
					  * the SAs must be negotiated again */
};
unsigned dmn_conn_compare(const struct dmn_conn *a, const struct dmn_conn *b);

/* True when the SAs of a can carry on under b: !(dmn_conn_compare(a, b) & DMN_CONN_CHANGED_SA).
 * (auto= and the LIVE keywords may differ.) */
bool dmn_conn_equal(const struct dmn_conn *a, const struct dmn_conn *b);

/* Called with each stored keyword that has a value to show, e.g. ("leftsubnets", "{10.0.0.0/8}"),
 * in the order of the keyword table (conn keywords, then left..., then right...). */
typedef void dmn_keyword_fn(void *ctx, const char *name, const char *value);
void dmn_conn_keywords(const struct dmn_conn *c, dmn_keyword_fn *fn, void *ctx);
void dmn_setup_keywords(const struct dmn_setup *s, dmn_keyword_fn *fn, void *ctx);

/* What a reload must do about a conn found in both the old and the new config. */
enum dmn_conn_change {
	DMN_CONN_SAME,	       /* nothing that matters differs */
	DMN_CONN_NO_SA_CHANGE, /* settings that apply to the SAs in place (e.g. DPD timers) */
	DMN_CONN_AUTO_ONLY,    /* auto= differs (and maybe LIVE settings), no new SAs */
	DMN_CONN_NEW_SAS,      /* new negotiations differ: the SAs in place are replaced */
};
/* The class of change from old to new (both non-NULL). */
enum dmn_conn_change dmn_conn_diff(const struct dmn_conn *old, const struct dmn_conn *new);

/* Writes a readable dump of cfg (no secrets: the config holds none) to out. Returns 0 or -errno. */
int dmn_config_dump(const struct dmn_config *cfg, FILE *out);

/*
 * Proposal strings (daemon/config_algs.c). Both dialects: "aes128-sha256-modp2048!",
 * "aes128-sha2;dh14", "aes128-sha2_256;modp2048", "aes128gcm16-modp2048", "aes_gcm128-null".
 * err receives a one-line reason on failure. allow_weak accepts DES, MD5, MODP 768/1024/1536, ...
 * Return 0 or -EINVAL; ret_* untouched on failure.
 */
int dmn_parse_ike_proposals(const char *s, bool allow_weak, struct dmn_ike_proposals *ret,
			    char *err, size_t errlen);
/* protocol PROTO_IPSEC_ESP or PROTO_IPSEC_AH. */
int dmn_parse_esp_proposals(const char *s, uint8_t protocol, bool allow_weak,
			    struct dmn_esp_proposals *ret, char *err, size_t errlen);
/* The same with the list's meaning given: exact (Libreswan's, or a trailing '!') takes only the
 * listed proposals; otherwise (strongSwan's) oakley's defaults are appended. The two above are
 * these with exact false. */
int dmn_parse_ike_list(const char *s, bool allow_weak, bool exact, struct dmn_ike_proposals *ret,
		       char *err, size_t errlen);
int dmn_parse_esp_list(const char *s, uint8_t protocol, bool allow_weak, bool exact,
		       struct dmn_esp_proposals *ret, char *err, size_t errlen);
/* oakley's defaults (used when ike=/esp= is absent and appended when no '!' is given). */
void dmn_default_ike_proposals(struct dmn_ike_proposals *ret);
void dmn_default_esp_proposals(uint8_t protocol, struct dmn_esp_proposals *ret);
/* Formats one proposal as "aes128-sha256-modp2048" into buf. */
void dmn_ike_proposal_str(const struct dmn_ike_proposal *p, char *buf, size_t len);
void dmn_esp_proposal_str(const struct dmn_esp_proposal *p, char *buf, size_t len);

/* A hash of a name from the operator's files (conn names, keys): FNV-1a, not for network input. */
size_t dmn_name_hash(const char *name);
