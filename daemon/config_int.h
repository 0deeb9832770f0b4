/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to daemon/config*.c: the raw sections the lexer produces (daemon/config_lex.c) and the
 * model builder consumes (daemon/config.c).
 */
#pragma once

#include <sys/types.h>

#include "daemon/config.h"

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
	int side;	   /* as cfg_kw_lookup's *ret_side */
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
int cfg_names_put(struct cfg_names *h, const char *key, const void *val, const void **ret_old);
const void *cfg_names_get(const struct cfg_names *h, const char *key);
void cfg_names_free(struct cfg_names *h);

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
	struct cfg_chunk *next;
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
	struct cfg_prop_memo memo; /* (build) */
	struct cfg_chunk *chunks;  /* the string arena, newest block first */
};

/* Parses the text buf (named name, for diagnostics) into raw. dir resolves relative includes.
 * Returns 0 or -ENOMEM; syntax errors are only counted in raw->d. */
int cfg_lex_buffer(struct cfg_raw *raw, const char *name, const char *dir, const char *buf,
		   size_t len);
/* Reads path (with fstat-checked size) and lexes it. */
int cfg_lex_file(struct cfg_raw *raw, const char *path, const char *from_file, unsigned from_line);
void cfg_raw_free(struct cfg_raw *raw);
/* Reads a whole regular file (<= max bytes) into a NUL-terminated heap buffer. Sets *ret_mode to
 * its st_mode. Returns 0 or -errno (-EFBIG when too large). */
int cfg_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len, unsigned *ret_mode,
		  dev_t *ret_dev, ino_t *ret_ino);
/* Interns a file name into raw->files; returns the stable copy or NULL. */
const char *cfg_intern_file(struct cfg_raw *raw, const char *name);

/* Keyword slots (daemon/config_keywords.c): aliases share a slot; side keywords (leftX and rightX)
 * occupy CFG_SLOT_SIDE0 + side * CFG_SIDE_SLOTS + n. */
enum cfg_kw_class {
	CFG_KW_STORED,	    /* parsed into the model */
	CFG_KW_IGNORED,	    /* accepted with a notice naming why */
	CFG_KW_UNSUPPORTED, /* an error: oakley cannot honour it */
	CFG_KW_REFUSED,	    /* authentication or peer restriction oakley lacks: an error unless the
			     * value asks for nothing (daemon/config_refuse.c); why says what to
			     * write instead */
};

struct cfg_kw {
	const char *name;
	unsigned slot;
	enum cfg_kw_class cls;
	const char *why; /* for IGNORED/UNSUPPORTED */
};

#define CFG_SLOTS_MAX 256

/* What to write instead of a refused keyword (class CFG_KW_REFUSED, daemon/config_refuse.c). */
#define R_XAUTH                                                                                    \
	"XAUTH is not implemented yet (a client with only the group PSK would get a tunnel "       \
	"without a user login): give each peer its own PSK (rightid= and ipsec.secrets), or use "  \
	"another daemon for remote access"
#define R_MODECFG                                                                                  \
	"Mode Config is not implemented yet: give each peer a conn with its own address "          \
	"(rightsubnet=ADDR/32) and its own PSK, or use another daemon for remote access"
#define R_CERT                                                                                     \
	"certificates and raw public keys are not implemented yet: use authby=secret with a "      \
	"pre-shared key per peer in ipsec.secrets"
#define R_GROUPS                                                                                   \
	"group checks need certificates or XAUTH, not implemented yet: give each peer its own "    \
	"conn (rightid=) and its own PSK"
#define R_CRL                                                                                      \
	"revocation checks need certificates, not implemented yet: remove it or set it to no "     \
	"(peers authenticate with pre-shared keys)"

/* CFG_KW_REFUSED rows (daemon/config_refuse.c): true when val asks for nothing (empty, or the
 * keyword's off value such as no or never). */
bool cfg_kw_value_harmless(const struct cfg_kw *kw, const char *val);
/* Adds kv's refusal (an error naming the keyword and what to write instead) to d, or a notice
 * when its value is harmless. */
void cfg_kw_refuse(struct dmn_diags *d, const struct cfg_kv *kv);
/* What to write instead of an authentication method oakley lacks (authby=, leftauth=). */
const char *cfg_auth_refusal(const char *method);

/* True when kv (of a config setup section when setup, else of a conn) is a keyword that only
 * Libreswan knows: the conn is then read in Libreswan's dialect (daemon/config_dialect.c). */
bool cfg_kv_libreswan(const struct cfg_kv *kv, bool setup);

/* Looks key up for a conn (setup false) or config setup section. Returns the row or NULL.
 * For side keywords *ret_side is 0 (left) or 1 (right), else -1. */
const struct cfg_kw *cfg_kw_lookup(const char *key, bool setup, int *ret_side);
/* The keyword tables, for tests: 0 conn, 1 side (without left/right), 2 config setup. */
const struct cfg_kw *cfg_kw_table(int which, size_t *ret_n);
/* The slot of a row for a side: distinct for left and right. */
unsigned cfg_kw_slot(const struct cfg_kw *kw, int side);

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
};

/* Fills c with oakley's defaults. */
void cfg_conn_defaults(struct dmn_conn *c);
/* Applies one keyword (already looked up) to c. Errors go to b->d with kv's file:line.
 * Returns 0, or -ENOMEM. */
int cfg_conn_apply(struct cfg_build *b, struct dmn_conn *c, const struct cfg_kw *kw, int side,
		   const struct cfg_kv *kv);
/* Parses the proposal strings recorded in b into c (after every other keyword). */
void cfg_conn_proposals(struct cfg_build *b, struct dmn_conn *c);
void cfg_setup_defaults(struct dmn_setup *s);
void cfg_setup_apply(struct dmn_diags *d, struct dmn_setup *s, const struct cfg_kw *kw,
		     const struct cfg_kv *kv);
/* Value parsers (daemon/config_values.c). Return 0 or -EINVAL (-ERANGE for numbers too large,
 * -ENOMEM). */
int cfg_parse_bool(const char *v, bool *ret);		       /* yes|no|true|false */
int cfg_parse_u64(const char *v, uint64_t max, uint64_t *ret); /* decimal or 0x hex */
int cfg_parse_u32(const char *v, uint32_t max, uint32_t *ret);
int cfg_parse_time(const char *v, uint32_t *ret); /* N, Ns, Nm, Nh, Nd -> seconds, <= 10 years */
int cfg_parse_ip(const char *s, int *ret_family, uint8_t ret_bytes[16]);
/* address, %any[46], %defaultroute, hostname, %hostname; sourceip also %config */
int cfg_parse_addr(const char *v, bool sourceip, struct dmn_addr *ret);
int cfg_parse_protoport(const char *v, uint8_t *proto, uint16_t *lo, uint16_t *hi);
/* Replaces side->subnets on success; *why explains -EINVAL. */
int cfg_parse_subnets(const char *v, struct dmn_side *side, const char **why);
int cfg_parse_id(const char *s, struct dmn_id *ret);
int cfg_parse_mark(const char *v, uint32_t *val, uint32_t *mask, bool *unique);
int cfg_parse_ifid(const char *v, uint32_t *val, bool *unique);
struct cfg_choice {
	const char *name;
	int value;
};
/* Looks v up in a list ended by {NULL, 0}. */
int cfg_parse_choice(const char *v, const struct cfg_choice *c, int *ret);
