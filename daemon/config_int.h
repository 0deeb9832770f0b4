/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to daemon/config*.c: the raw sections the lexer produces (daemon/config_lex.c) and the
 * model builder consumes (daemon/config.c).
 */
#pragma once

#include <sys/types.h>

#include "daemon/config.h"
#include "daemon/list.h"

enum cfg_sect_kind { CFG_SECT_SETUP, CFG_SECT_CONN, CFG_SECT_CA };

struct cfg_kw;

/* One "key=value" line. key and val live in the raw config's string arena. kw and
 * side are the keyword's row, looked up once by the lexer (NULL in a ca section or when unknown).
 */
struct cfg_kv {
	char *key;
	char *val;
	const char *file; /* owned by struct cfg_raw */
	const struct cfg_kw *kw;
	unsigned line;
	uint32_t key_hash; /* of key, for the duplicate check */
	int side;	   /* as dmn_cfg_kw_lookup's *ret_side */
	bool is_also;	   /* key is "also" */
};

struct cfg_sect {
	enum cfg_sect_kind kind;
	char *name; /* in the raw config's string arena */
	const char *file;
	unsigned line;
	struct cfg_kv *kv;
	size_t n_kv, cap_kv;
	bool libreswan; /* uses a Libreswan-only keyword (daemon/config_dialect.c; build) */
};

/* A string-keyed hash table (open addressing); keys are borrowed, not copied. */
struct cfg_names {
	const char **keys;
	const void **vals;
	size_t cap, n;
};

/* Adds key -> val; -EEXIST (and *ret_old, if given, the value present) when key is there. */
int dmn_cfg_names_put(struct cfg_names *h, const char *key, const void *val, const void **ret_old);
const void *dmn_cfg_names_get(const struct cfg_names *h, const char *key);
void dmn_cfg_names_free(struct cfg_names *h);

/* The last ike= and esp=/ah= strings parsed in one load and what they parsed to, so that 10,000
 * conns sharing a proposal string parse it once. Strings are borrowed from the raw sections; only
 * successful parses are kept (a failed one is parsed again, for its message). */
struct cfg_prop_memo {
	const char *ike;
	bool ike_weak, ike_exact;
	struct dmn_ike_proposals ike_v;
	const char *esp;
	bool esp_weak, esp_exact;
	uint8_t esp_proto;
	struct dmn_esp_proposals esp_v;
};

/* A block of the lexer's string arena (section names, keys, values), freed with the raw config:
 * 100,000 lines cost a few dozen allocations, not 200,000. */
struct cfg_chunk {
	struct dmn_hlist_node link; /* cfg_raw.chunks */
	size_t used, cap;
	char mem[];
};

/* Everything read from one config (main file and includes). */
struct cfg_raw {
	struct cfg_sect **s;
	size_t n, cap;
	char **files; /* file names, referenced by sections and diagnostics */
	size_t n_files;
	struct dmn_diags *d;
	/* include stack for cycle detection */
	dev_t stack_dev[DMN_CFG_INCLUDE_DEPTH + 1];
	ino_t stack_ino[DMN_CFG_INCLUDE_DEPTH + 1];
	unsigned depth;
	bool no_includes; /* parse-from-buffer without include_dir */
	bool libreswan;	  /* a "version" line or a Libreswan-only config setup keyword */
	unsigned n_conns;
	struct cfg_names conns; /* conn sections by name (not %default): lookups stay O(1) */
	struct cfg_names alsos; /* every also= value (build) */
	const struct cfg_sect **defaults; /* the conn %default sections, in order (build) */
	size_t n_defaults;
	struct cfg_prop_memo memo;    /* (build) */
	struct dmn_hlist_head chunks; /* the string arena, newest block first */
};

/* Parses the text buf (named name, for diagnostics) into raw. dir resolves relative includes.
 * Returns 0 or -ENOMEM; syntax errors are only counted in raw->d. */
int dmn_cfg_lex_buffer(struct cfg_raw *raw, const char *name, const char *dir, const char *buf,
		       size_t len);
/* Reads path (with fstat-checked size) and lexes it. */
int dmn_cfg_lex_file(struct cfg_raw *raw, const char *path, const char *from_file,
		     unsigned from_line);
void dmn_cfg_raw_free(struct cfg_raw *raw);
/* Reads a whole regular file (<= max bytes) into a NUL-terminated heap buffer. Sets *ret_mode to
 * its st_mode. Returns 0 or -errno (-EFBIG when too large). */
int dmn_cfg_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len,
		      unsigned *ret_mode, dev_t *ret_dev, ino_t *ret_ino);
/* Interns a file name into raw->files; returns the stable copy or NULL. */
const char *dmn_cfg_intern_file(struct cfg_raw *raw, const char *name);

/*
 * The keyword table (daemon/config_keywords.c): one row per keyword, with its aliases of both
 * dialects. A stored row says how the value is parsed (kind), where it is stored (a field of
 * struct dmn_conn, dmn_side or dmn_setup, by offset, or the builder for keywords that act at
 * load), what a change of it means on reload, and which code reads the field. Parsing
 * (dmn_cfg_conn_apply, dmn_cfg_setup_apply), the reload comparison (dmn_conn_compare), the dump and
 * list-conns (dmn_conn_keywords) are generated from the rows; tests/unit/daemon/test_kwtable.c
 * checks that each named consumer reads its field and that the man page lists exactly the rows.
 */
enum cfg_kw_class {
	CFG_KW_STORED,	    /* parsed into the model */
	CFG_KW_IGNORED,	    /* accepted with a notice naming why */
	CFG_KW_UNSUPPORTED, /* an error: oakley cannot honour it */
	CFG_KW_REFUSED,	    /* authentication or peer restriction oakley lacks: an error unless the
			     * value asks for nothing (daemon/config_refuse.c); why says what to
			     * write instead */
};

/* How a stored keyword's value is parsed, stored and shown. */
enum cfg_kind {
	CFG_V_NONE,   /* ignored or refused rows */
	CFG_V_BOOL,   /* yes|no|true|false -> bool */
	CFG_V_TIME,   /* duration -> uint32_t seconds */
	CFG_V_U64,    /* number -> uint64_t */
	CFG_V_U32,    /* number lo..hi -> uint32_t, or uint16_t (by the field's size) */
	CFG_V_CHOICE, /* a name of .choices -> its value, in an enum (int) or a bool */
	CFG_V_PATH,   /* text < DMN_PATH_MAX -> char * (owned) or char[] (by the field's size) */
	CFG_V_CUSTOM, /* .apply parses and stores, .show prints */
};

/* Where a stored keyword's value goes. */
enum cfg_at {
	CFG_AT_CONN,  /* a field of struct dmn_conn */
	CFG_AT_SIDE,  /* a field of struct dmn_side (leftX into left, rightX into right) */
	CFG_AT_SETUP, /* a field of struct dmn_setup */
	CFG_AT_LOAD,  /* no field: the keyword acts while the conn is built (selects, refuses,
		       * feeds another field: also=, authby=, ike=, pfsgroup=, ...) */
};

/* What a changed value means for a running conn on reload (maps to enum dmn_conn_changed). */
enum cfg_reload {
	CFG_RL_SA,   /* the SAs were negotiated or installed with it: new SAs are needed */
	CFG_RL_LIVE, /* read from the conn when used: existing SAs follow the new value */
	CFG_RL_AUTO, /* auto=: reported as such, reload decides */
	CFG_RL_NONE, /* not compared itself (CFG_AT_LOAD rows: the fields they feed are) */
};

/* How two values of a field are compared (besides the kind's own rule). */
enum cfg_cmp {
	CFG_CMP_BYTES,	 /* memcmp of the field (scalars, enums, fixed arrays) */
	CFG_CMP_ADDR,	 /* struct dmn_addr (its hostname by content) */
	CFG_CMP_SUBNETS, /* dmn_side.subnets[n_subnets] */
	CFG_CMP_ID,	 /* struct dmn_id (its string up to the NUL) */
	CFG_CMP_STR,	 /* char *, NULL = unset */
	CFG_CMP_IKE,	 /* struct dmn_ike_proposals (the n used ones) */
	CFG_CMP_ESP,	 /* struct dmn_esp_proposals (the n used ones) */
};

struct cfg_kw;
struct cfg_kv;
struct cfg_build;
struct cfg_choice {
	const char *name;
	int value;
};

/* Parses kv->val into the field of kw in base (a dmn_conn, dmn_side or dmn_setup; NULL for
 * CFG_AT_LOAD rows). Errors go to b->d with kv's file:line. Returns 0 or -ENOMEM. */
typedef int cfg_apply_fn(struct cfg_build *b, void *base, const struct cfg_kw *kw,
			 const struct cfg_kv *kv);
/* Formats the value of kw in base into buf. Returns false when there is nothing to show. */
typedef bool cfg_show_fn(const void *base, const struct cfg_kw *kw, char *buf, size_t len);

struct cfg_kw {
	const char *name;	/* side rows without left/right */
	const char *const *aka; /* other spellings (NULL-terminated) or NULL */
	enum cfg_kw_class cls;
	const char *why; /* IGNORED/UNSUPPORTED: the reason; REFUSED: what to write instead */
	/* stored rows: */
	enum cfg_kind kind;
	enum cfg_at at;
	enum cfg_reload reload;
	enum cfg_cmp cmp;
	unsigned short off, size;	  /* the field in the struct of .at */
	const char *field;		  /* its name, as written in C */
	const char *consumer;		  /* "file:function" that reads the field */
	const struct cfg_choice *choices; /* CFG_V_CHOICE (and the shown name of a CUSTOM one) */
	uint32_t lo, hi;		  /* CFG_V_U32 bounds */
	const char *what;		  /* "is not <what>" in the error (default by kind) */
	cfg_apply_fn *apply;		  /* CFG_V_CUSTOM */
	cfg_show_fn *show;		  /* CFG_V_CUSTOM (NULL: not shown) */
};

/* Fields that a CUSTOM apply fills besides its row's field (mark masks, ports of protoport,
 * vhost: flags, ...): compared on reload like the rows' fields and checked for a consumer. */
struct cfg_derived {
	const char *field;
	enum cfg_at at;
	enum cfg_reload reload;
	enum cfg_cmp cmp;
	unsigned short off, size;
	const char *consumer;
};

#define CFG_SLOTS_MAX 320

/* What to write instead of a refused keyword (class CFG_KW_REFUSED, daemon/config_refuse.c). */
#define R_XAUTH                                                                                    \
	"XAUTH is not implemented yet (a client with only the group PSK would get a tunnel "       \
	"without a user login): give each peer its own PSK (rightid= and ipsec.secrets), or use "  \
	"another daemon for remote access"
#define R_MODECFG                                                                                  \
	"Mode Config is not implemented yet: give each peer a conn with its own address "          \
	"(rightsubnet=ADDR/32) and its own PSK, or use another daemon for remote access"
#define R_CERT                                                                                     \
	"raw public keys, second authentication rounds and certificate policies are not "          \
	"implemented yet: use a certificate (leftcert=, authby=pubkey) or authby=secret"
#define R_GROUPS                                                                                   \
	"group checks need certificates or XAUTH, not implemented yet: give each peer its own "    \
	"conn (rightid=) and its own PSK"
#define R_CRL                                                                                      \
	"a strict revocation policy (a CRL or OCSP answer required for every certificate) is not " \
	"implemented yet: remove it or set it to no (CRLs in ipsec.d/crls/ are always checked)"

/* CFG_KW_REFUSED rows (daemon/config_refuse.c): true when val asks for nothing (empty, or the
 * keyword's off value such as no or never). */
bool dmn_cfg_kw_value_harmless(const struct cfg_kw *kw, const char *val);
/* Adds kv's refusal (an error naming the keyword and what to write instead) to d, or a notice
 * when its value is harmless. */
void dmn_cfg_kw_refuse(struct dmn_diags *d, const struct cfg_kv *kv);
/* What to write instead of an authentication method oakley lacks (authby=, leftauth=). */
const char *dmn_cfg_auth_refusal(const char *method);

/* True when kv (of a config setup section when setup, else of a conn) is a keyword that only
 * Libreswan knows: the conn is then read in Libreswan's dialect (daemon/config_dialect.c). */
bool dmn_cfg_kv_libreswan(const struct cfg_kv *kv, bool setup);

/* Looks key up for a conn (setup false) or config setup section. Returns the row or NULL.
 * For side keywords *ret_side is 0 (left) or 1 (right), else -1. */
const struct cfg_kw *dmn_cfg_kw_lookup(const char *key, bool setup, int *ret_side);
/* The keyword tables: 0 conn, 1 side (without left/right), 2 config setup. */
const struct cfg_kw *dmn_cfg_kw_table(int which, size_t *ret_n);
/* The derived fields (see struct cfg_derived). */
const struct cfg_derived *dmn_cfg_kw_derived(size_t *ret_n);
/* The slot of a row for a side: distinct for every row, and for left and right; aliases share
 * their row's slot. Ascending slots are the order of application. */
unsigned dmn_cfg_kw_slot(const struct cfg_kw *kw, int side);

/* What building one conn needs besides the conn itself. */
struct cfg_build {
	struct dmn_diags *d;
	struct cfg_prop_memo *memo; /* NULL: parse every time */
	const char *ike, *esp, *ah; /* proposal strings, parsed last */
	const struct cfg_kv *ike_kv, *esp_kv, *ah_kv;
	bool phase2_ah;
	bool ikev2_only;
	const struct cfg_kv *ikev2_kv;
	const struct cfg_kv *pfsgroup_kv;
	bool libreswan; /* the conn is read in Libreswan's dialect (daemon/config_dialect.c) */
	bool ignore;	/* auto=ignore */
	bool auto_set;	/* some level set auto= (else: a template when incomplete, see config.c) */
	const struct cfg_kv *cert_kv[4]; /* the certificate keywords seen (daemon/config_certs.c) */
	unsigned n_cert_kv;
	const struct cfg_kv *fromcert_kv; /* leftid=%fromcert */
	const struct cfg_kv *dn_kv[2];	  /* leftid=/rightid= distinguished names */
	unsigned n_dn_kv;
	const struct cfg_kv *auth_kv; /* authby=/leftauth= naming a signature method */
	uint8_t auth;		      /* enum dmn_auth it names */
	bool psk;		      /* authby= includes secret/psk */
};

/* The CUSTOM rows' parsers (daemon/config_apply.c) and printers (daemon/config_show.c), and the
 * choice lists the rows name (daemon/config_apply.c). */
cfg_apply_fn dmn_cfg_apply_auto, dmn_cfg_apply_kex, dmn_cfg_apply_authby, dmn_cfg_apply_proposal,
	dmn_cfg_apply_phase2, dmn_cfg_apply_pfsgroup, dmn_cfg_apply_rekeyfuzz,
	dmn_cfg_apply_keyingtries, dmn_cfg_apply_mark, dmn_cfg_apply_ipsec_interface,
	dmn_cfg_apply_if_id, dmn_cfg_apply_encaps, dmn_cfg_apply_frag, dmn_cfg_apply_addr,
	dmn_cfg_apply_subnets, dmn_cfg_apply_id, dmn_cfg_apply_protoport, dmn_cfg_apply_side_auth,
	dmn_cfg_apply_cert, dmn_cfg_apply_ca, dmn_cfg_apply_sendcert, dmn_cfg_apply_sigkey;
cfg_show_fn dmn_cfg_show_ike, dmn_cfg_show_esp, dmn_cfg_show_ah, dmn_cfg_show_rekeyfuzz,
	dmn_cfg_show_keyingtries, dmn_cfg_show_mark, dmn_cfg_show_if_id, dmn_cfg_show_choice,
	dmn_cfg_show_addr, dmn_cfg_show_subnets, dmn_cfg_show_id, dmn_cfg_show_protoport;
extern const struct cfg_choice dmn_cfg_auto_choices[], dmn_cfg_type_choices[],
	dmn_cfg_dpd_choices[], dmn_cfg_encaps_choices[], dmn_cfg_lifecheck_choices[],
	dmn_cfg_frag_choices[], dmn_cfg_uniq_choices[], dmn_cfg_pfs_choices[],
	dmn_cfg_sendcert_choices[];

/* Fills c with oakley's defaults. */
void dmn_cfg_conn_defaults(struct dmn_conn *c);
/* Applies one keyword (already looked up) to c. Errors go to b->d with kv's file:line.
 * Returns 0, or -ENOMEM. */
int dmn_cfg_conn_apply(struct cfg_build *b, struct dmn_conn *c, const struct cfg_kw *kw, int side,
		       const struct cfg_kv *kv);
/* Parses the proposal strings recorded in b into c (after every other keyword). */
void dmn_cfg_conn_proposals(struct cfg_build *b, struct dmn_conn *c);
/* The certificate keywords of a conn once all are applied (daemon/config_certs.c): Libreswan's
 * NSS nicknames named, and every keyword that asks for certificate authentication refused while
 * oakleyd cannot sign and verify. */
void dmn_cfg_conn_certs(struct cfg_build *b, struct dmn_conn *c);
void dmn_cfg_setup_defaults(struct dmn_setup *s);
void dmn_cfg_setup_apply(struct dmn_diags *d, struct dmn_setup *s, const struct cfg_kw *kw,
			 const struct cfg_kv *kv);
/* Value parsers (daemon/config_values.c). Return 0 or -EINVAL (-ERANGE for numbers too large,
 * -ENOMEM). */
int dmn_cfg_parse_bool(const char *v, bool *ret);		   /* yes|no|true|false */
int dmn_cfg_parse_u64(const char *v, uint64_t max, uint64_t *ret); /* decimal or 0x hex */
int dmn_cfg_parse_u32(const char *v, uint32_t max, uint32_t *ret);
int dmn_cfg_parse_time(const char *v,
		       uint32_t *ret); /* N, Ns, Nm, Nh, Nd -> seconds, <= 10 years */
int dmn_cfg_parse_ip(const char *s, int *ret_family, uint8_t ret_bytes[16]);
/* address, %any[46], %defaultroute, hostname, %hostname; sourceip also %config */
int dmn_cfg_parse_addr(const char *v, bool sourceip, struct dmn_addr *ret);
int dmn_cfg_parse_protoport(const char *v, uint8_t *proto, uint16_t *lo, uint16_t *hi);
/* Replaces side->subnets on success; *why explains -EINVAL. */
int dmn_cfg_parse_subnets(const char *v, struct dmn_side *side, const char **why);
int dmn_cfg_parse_id(const char *s, struct dmn_id *ret);
int dmn_cfg_parse_mark(const char *v, uint32_t *val, uint32_t *mask, bool *unique);
int dmn_cfg_parse_ifid(const char *v, uint32_t *val, bool *unique);
/* Looks v up in a list ended by {NULL, 0}. */
int dmn_cfg_parse_choice(const char *v, const struct cfg_choice *c, int *ret);
