/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipsec.secrets, the format shared by strongSwan's starter and Libreswan, for pre-shared keys:
 *
 *   [ID ...] : PSK "text" | 0xHEX | 0sBASE64
 *   include PATTERN                      (relative to the including file, depth-limited)
 *
 *   [ID ...] : RSA file [passphrase]     (private key for a certificate; relative file names
 *   [ID ...] : ECDSA file [passphrase]    are in ipsec.d/private/, see daemon/certs.h)
 *
 * IDs: addresses, @fqdn, user@fqdn, "DN", %any (also %any4/%any6/0.0.0.0/::). Lines starting
 * with a blank continue the previous entry; '#' starts a comment outside quotes. XAUTH, EAP, NTLM,
 * PIN, P12, PPK and NULL entries are accepted and ignored with a notice. RSA/ECDSA entries are
 * never PSKs: the lookups below skip them; the certificate store loads their keys.
 *
 * Lookup precedence (dmn_secrets_find_psk): an entry naming both the local and the remote ID
 * (score 4) beats one that names one of them and %any or nothing for the other (3), which beats
 * "%any %any" (2), which beats ": PSK" without IDs (1). On a tie the first entry in the file wins.
 *
 * PSK bytes live in heap buffers that are wiped with explicit_bzero when freed, and so is every
 * buffer that held file text, and so are key passphrases. Nothing prints a PSK or a passphrase:
 * dmn_secrets_dump() shows <redacted>.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/config.h"

#define DMN_SECRETS_MAX	   4096 /* entries per load */
#define DMN_SECRET_IDS_MAX 8	/* IDs before the ':' of one entry */
#define DMN_PSK_MAX	   1024 /* bytes of one PSK */

/* What an entry holds: a PSK, or the file of a private key (": RSA file [passphrase]"). */
enum dmn_secret_kind {
	DMN_SECRET_PSK,
	DMN_SECRET_RSA,
	DMN_SECRET_ECDSA,
};

struct dmn_secret {
	struct dmn_id ids[DMN_SECRET_IDS_MAX];
	size_t n_ids; /* 0: ": PSK" matches everything */
	enum dmn_secret_kind kind;
	uint8_t *psk; /* owned, wiped on free; NULL for RSA/ECDSA */
	size_t psk_len;
	char key_file[DMN_PATH_MAX]; /* RSA/ECDSA: as written (relative: ipsec.d/private/) */
	char *passphrase;	     /* RSA: owned, wiped on free; NULL when none given */
	char file[DMN_PATH_MAX];
	unsigned line;
};

struct dmn_secrets {
	struct dmn_secret *v;
	size_t n, cap;
};

/*
 * Loads path (and includes) into a new set of secrets. A file readable by group or others (mode
 * checked with fstat on the opened descriptor) gets a warning. Returns 0 and sets *ret (owned by
 * the caller, free with dmn_secrets_free), or -errno: -EINVAL when errors were added to diags,
 * -ENOENT/-EACCES/... when path itself cannot be read (no diagnostic added: the caller words it).
 */
int dmn_secrets_load(const char *path, struct dmn_diags *diags, struct dmn_secrets **ret);
/* The same for an in-memory text; include_dir NULL refuses include (fuzzing). */
int dmn_secrets_parse_buffer(const char *name, const char *buf, size_t len, const char *include_dir,
			     struct dmn_diags *diags, struct dmn_secrets **ret);
/* Wipes every PSK and frees. Accepts NULL. */
void dmn_secrets_free(struct dmn_secrets *s);

/*
 * The best PSK for (local, remote) by the precedence above. *ret_psk points into s (valid until
 * dmn_secrets_free). Returns 0 or -ENOENT; ret_* untouched on failure.
 */
int dmn_secrets_find_psk(const struct dmn_secrets *s, const struct dmn_id *local,
			 const struct dmn_id *remote, const uint8_t **ret_psk, size_t *ret_len);

/* True when entry e can be the PSK for (local, remote) (a score above 0, see above). */
bool dmn_secret_matches(const struct dmn_secret *e, const struct dmn_id *local,
			const struct dmn_id *remote);
/* True when dmn_secrets_find_psk would find a PSK for (local, remote) (stops at the first). */
bool dmn_secrets_has_psk(const struct dmn_secrets *s, const struct dmn_id *local,
			 const struct dmn_id *remote);

/*
 * Adds an error at "conn NAME"'s file:line to d for each conn of cfg that authenticates with a
 * PSK (every conn that negotiates; not pass/drop/reject, not conns loaded over VICI) but for
 * which no entry of s (NULL: no secrets file) can ever be the key: the lookup the daemon makes
 * (dmn_ike_policy_get_psk) with the conn's leftid/rightid, or its addresses when they are not set,
 * finds nothing. What is only known at run time (left=%defaultroute or %any without leftid,
 * right=%any or a hostname without rightid, id=%any) matches any entry, so a road-warrior conn
 * with a %any or an ID-keyed secret passes. Returns the number of errors added.
 */
unsigned dmn_secrets_check_conns(const struct dmn_secrets *s, const struct dmn_config *cfg,
				 struct dmn_diags *d);

/* One line per entry: its IDs, "PSK <redacted>" and file:line. Returns 0 or -EIO. */
int dmn_secrets_dump(const struct dmn_secrets *s, FILE *out);

/* True when two IDs name the same identity (FQDN and user@FQDN compare case-insensitively). */
bool dmn_id_equal(const struct dmn_id *a, const struct dmn_id *b);
