// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ike= / esp= / ah= / phase2alg= proposal strings in both dialects, turned into IKEv1 transforms
 * with the numeric values of proto/consts.h.
 *
 * Grammar (a superset of both daemons' IKEv1 syntax):
 *   list     := proposal { ',' proposal } [ '!' ]
 *   proposal := token { ('-' | ';') token }          Libreswan puts ';' before the DH group
 *   token    := alt { '+' alt }                       alternatives, expanded as a cross product
 * A bare number after a variable-length cipher is its key size ("aes-256"). Tokens are
 * case-insensitive. Missing parts get defaults: IKE hash sha256+sha1, IKE group modp2048, ESP
 * integrity sha256+sha1 for non-AEAD ciphers.
 *
 * Defaults (no ike=/esp=): AES-CBC 128/256 with SHA-256/SHA-1 and MODP-2048, plus ECP-256/384
 * with SHA-256/384 for IKE; AES-GCM-16 and AES-CBC with SHA-256/SHA-1 for ESP. These are what a
 * strongSwan 5.9 or Libreswan 4 peer accepts out of the box for IKEv1, and all are >= 112-bit.
 * Without '!' the defaults are appended to the configured list (strongSwan's rule), except in
 * Libreswan's dialect, where a list is exact (dmn_parse_ike_list/esp_list with exact, see
 * daemon/config_dialect.c).
 *
 * Weak (refused unless allow-weak-crypto=yes): DES, MD5, MODP-768/1024/1536 (< 112-bit strength,
 * NIST SP 800-57 Part 1 Table 2), EC2N groups, ESP NULL, and legacy 64-bit-block ciphers other
 * than 3DES (Blowfish, CAST, IDEA, RC5).
 */
#include "daemon/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/consts.h"

#define TOK_MAX 64
#define ALT_MAX 16

enum tok_class { T_ENCR, T_HASH, T_PRF, T_GROUP, T_ESN };

/* One cipher spelling: IKE value, ESP value, fixed key bits (0 = variable), ICV bytes (AEAD). */
struct cipher_row {
	const char *name;
	uint16_t ike, esp;
	bool variable; /* key size 128/192/256 */
	bool aead;
	bool weak;
};

static const struct cipher_row ciphers[] = {
	{"aes", IKE_ENCR_AES_CBC, ESP_AES_CBC, true, false, false},
	{"aes_cbc", IKE_ENCR_AES_CBC, ESP_AES_CBC, true, false, false},
	{"aesctr", 0, ESP_AES_CTR, true, false, false},
	{"aes_ctr", 0, ESP_AES_CTR, true, false, false},
	{"aesgcm8", 0, ESP_AES_GCM_8, true, true, false},
	{"aesgcm64", 0, ESP_AES_GCM_8, true, true, false},
	{"aes_gcm_a", 0, ESP_AES_GCM_8, true, true, false},
	{"aesgcm12", 0, ESP_AES_GCM_12, true, true, false},
	{"aesgcm96", 0, ESP_AES_GCM_12, true, true, false},
	{"aes_gcm_b", 0, ESP_AES_GCM_12, true, true, false},
	{"aesgcm16", 0, ESP_AES_GCM_16, true, true, false},
	{"aesgcm128", 0, ESP_AES_GCM_16, true, true, false},
	{"aes_gcm_c", 0, ESP_AES_GCM_16, true, true, false},
	{"aes_gcm", 0, ESP_AES_GCM_16, true, true, false},
	{"aesccm8", 0, ESP_AES_CCM_8, true, true, false},
	{"aesccm64", 0, ESP_AES_CCM_8, true, true, false},
	{"aes_ccm_a", 0, ESP_AES_CCM_8, true, true, false},
	{"aesccm12", 0, ESP_AES_CCM_12, true, true, false},
	{"aesccm96", 0, ESP_AES_CCM_12, true, true, false},
	{"aes_ccm_b", 0, ESP_AES_CCM_12, true, true, false},
	{"aesccm16", 0, ESP_AES_CCM_16, true, true, false},
	{"aesccm128", 0, ESP_AES_CCM_16, true, true, false},
	{"aes_ccm_c", 0, ESP_AES_CCM_16, true, true, false},
	{"aes_ccm", 0, ESP_AES_CCM_16, true, true, false},
	{"aesgmac", 0, ESP_NULL_AUTH_AES_GMAC, true, true, false},
	{"null_auth_aes_gmac", 0, ESP_NULL_AUTH_AES_GMAC, true, true, false},
	{"camellia", IKE_ENCR_CAMELLIA_CBC, 0, true, false, false},
	{"3des", IKE_ENCR_3DES_CBC, ESP_3DES, false, false, false},
	{"des", IKE_ENCR_DES_CBC, ESP_DES, false, false, true},
	{"blowfish", IKE_ENCR_BLOWFISH_CBC, ESP_BLOWFISH, false, false, true},
	{"cast", IKE_ENCR_CAST_CBC, ESP_CAST, false, false, true},
	{"cast128", IKE_ENCR_CAST_CBC, ESP_CAST, false, false, true},
	{"idea", IKE_ENCR_IDEA_CBC, ESP_IDEA, false, false, true},
	{"null", 0, ESP_NULL, false, false, true},
};

/* Integrity / hash spellings: IKE hash, IPsec auth, AH transform. */
struct hash_row {
	const char *name;
	uint16_t ike, auth, ah;
	bool weak;
};

static const struct hash_row hashes[] = {
	{"md5", IKE_HASH_MD5, AUTH_HMAC_MD5, AH_MD5, true},
	{"md5_96", IKE_HASH_MD5, AUTH_HMAC_MD5, AH_MD5, true},
	{"sha1", IKE_HASH_SHA1, AUTH_HMAC_SHA1, AH_SHA, false},
	{"sha", IKE_HASH_SHA1, AUTH_HMAC_SHA1, AH_SHA, false},
	{"sha1_96", IKE_HASH_SHA1, AUTH_HMAC_SHA1, AH_SHA, false},
	{"sha256", IKE_HASH_SHA2_256, AUTH_HMAC_SHA2_256, AH_SHA2_256, false},
	{"sha2", IKE_HASH_SHA2_256, AUTH_HMAC_SHA2_256, AH_SHA2_256, false},
	{"sha2_256", IKE_HASH_SHA2_256, AUTH_HMAC_SHA2_256, AH_SHA2_256, false},
	{"sha256_128", IKE_HASH_SHA2_256, AUTH_HMAC_SHA2_256, AH_SHA2_256, false},
	{"sha384", IKE_HASH_SHA2_384, AUTH_HMAC_SHA2_384, AH_SHA2_384, false},
	{"sha2_384", IKE_HASH_SHA2_384, AUTH_HMAC_SHA2_384, AH_SHA2_384, false},
	{"sha384_192", IKE_HASH_SHA2_384, AUTH_HMAC_SHA2_384, AH_SHA2_384, false},
	{"sha512", IKE_HASH_SHA2_512, AUTH_HMAC_SHA2_512, AH_SHA2_512, false},
	{"sha2_512", IKE_HASH_SHA2_512, AUTH_HMAC_SHA2_512, AH_SHA2_512, false},
	{"sha512_256", IKE_HASH_SHA2_512, AUTH_HMAC_SHA2_512, AH_SHA2_512, false},
	{"aesxcbc", 0, AUTH_AES_XCBC_MAC, 0, false},
	{"aes_xcbc", 0, AUTH_AES_XCBC_MAC, 0, false},
};

struct group_row {
	const char *name;
	uint16_t group;
	bool weak;
};

static const struct group_row groups[] = {
	{"modp768", IKE_GROUP_MODP768, true},	     {"dh1", IKE_GROUP_MODP768, true},
	{"modp1024", IKE_GROUP_MODP1024, true},	     {"dh2", IKE_GROUP_MODP1024, true},
	{"ec2n155", IKE_GROUP_EC2N155, true},	     {"dh3", IKE_GROUP_EC2N155, true},
	{"ec2n185", IKE_GROUP_EC2N185, true},	     {"dh4", IKE_GROUP_EC2N185, true},
	{"modp1536", IKE_GROUP_MODP1536, true},	     {"dh5", IKE_GROUP_MODP1536, true},
	{"modp2048", IKE_GROUP_MODP2048, false},     {"dh14", IKE_GROUP_MODP2048, false},
	{"modp3072", IKE_GROUP_MODP3072, false},     {"dh15", IKE_GROUP_MODP3072, false},
	{"modp4096", IKE_GROUP_MODP4096, false},     {"dh16", IKE_GROUP_MODP4096, false},
	{"modp6144", IKE_GROUP_MODP6144, false},     {"dh17", IKE_GROUP_MODP6144, false},
	{"modp8192", IKE_GROUP_MODP8192, false},     {"dh18", IKE_GROUP_MODP8192, false},
	{"ecp256", IKE_GROUP_ECP256, false},	     {"dh19", IKE_GROUP_ECP256, false},
	{"ecp384", IKE_GROUP_ECP384, false},	     {"dh20", IKE_GROUP_ECP384, false},
	{"ecp521", IKE_GROUP_ECP521, false},	     {"dh21", IKE_GROUP_ECP521, false},
	{"curve25519", IKE_GROUP_CURVE25519, false}, {"x25519", IKE_GROUP_CURVE25519, false},
	{"dh31", IKE_GROUP_CURVE25519, false},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The parts of one proposal before expansion. */
struct parts {
	const struct cipher_row *encr[ALT_MAX];
	uint16_t encr_bits[ALT_MAX];
	size_t n_encr;
	const struct hash_row *hash[ALT_MAX];
	size_t n_hash;
	const struct hash_row *prf[ALT_MAX];
	size_t n_prf;
	const struct group_row *group[ALT_MAX];
	size_t n_group;
	bool no_group; /* "none"/"null" as DH group (ESP: no PFS) */
	bool esn;
	bool null_auth;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Splits "aes256gcm16" / "aes_gcm256" / "aes_gcm_c_256" / "camellia128" into row + key bits. */
static const struct cipher_row *find_cipher(const char *tok, uint16_t *bits)
{
	for (size_t i = 0; i < N_OF(ciphers); i++) {
		const struct cipher_row *c = &ciphers[i];
		size_t n = strlen(c->name);
		if (strcmp(tok, c->name) == 0) {
			*bits = 0;
			return c;
		}
		if (!c->variable)
			continue;
		/* Libreswan: name then bits ("aes_gcm128", "aes_gcm_c_256", "aes_cbc_128") */
		bool lsw = strchr(c->name, '_') || strcmp(c->name, "aes") == 0 ||
			   strcmp(c->name, "camellia") == 0;
		if (lsw && strncmp(tok, c->name, n) == 0) {
			const char *rest = tok + n;
			if (*rest == '_')
				rest++;
			if (all_digits(rest) && strlen(rest) <= 3) {
				*bits = (uint16_t)atoi(rest);
				return c;
			}
		}
		/* strongSwan: "aes" BITS suffix ("aes256gcm16", "aes128ctr", "camellia192") */
		if (strncmp(c->name, "aes", 3) == 0 && strncmp(tok, "aes", 3) == 0 &&
		    c->name[3] != '_' && isdigit((unsigned char)tok[3])) {
			const char *p = tok + 3;
			unsigned b = 0;
			for (int k = 0; k < 3 && isdigit((unsigned char)*p); k++, p++)
				b = b * 10 + (unsigned)(*p - '0');
			if (strcmp(p, c->name + 3) == 0) {
				*bits = (uint16_t)b;
				return c;
			}
		}
	}
	return NULL;
}

static const struct hash_row *find_hash(const char *tok)
{
	for (size_t i = 0; i < N_OF(hashes); i++)
		if (strcmp(tok, hashes[i].name) == 0)
			return &hashes[i];
	return NULL;
}

static const struct group_row *find_group(const char *tok)
{
	for (size_t i = 0; i < N_OF(groups); i++)
		if (strcmp(tok, groups[i].name) == 0)
			return &groups[i];
	return NULL;
}

/* Classifies one alternative and adds it to parts. last_encr tells whether a bare key size may
 * follow. */
static int add_alt(struct parts *p, const char *tok, bool *last_encr, char *err, size_t errlen)
{
	uint16_t bits = 0;
	const struct cipher_row *c;
	const struct hash_row *h;
	const struct group_row *g;

	if (*last_encr && all_digits(tok) && p->n_encr && p->encr[p->n_encr - 1]->variable &&
	    p->encr_bits[p->n_encr - 1] == 0) {
		p->encr_bits[p->n_encr - 1] = (uint16_t)(strlen(tok) <= 3 ? atoi(tok) : 9999);
		*last_encr = false;
		return 0;
	}
	*last_encr = false;
	if (strcmp(tok, "esn") == 0 || strcmp(tok, "noesn") == 0) {
		p->esn = tok[0] == 'e';
		return 0;
	}
	if (strcmp(tok, "none") == 0 || (strcmp(tok, "null") == 0 && p->n_encr)) {
		/* after a cipher, "null" is the (absent) integrity of an AEAD, or no PFS group */
		if (p->n_hash || p->n_group)
			p->no_group = true;
		else
			p->null_auth = true;
		return 0;
	}
	if ((c = find_cipher(tok, &bits))) {
		if (p->n_encr >= ALT_MAX)
			return fail(err, errlen, "too many alternatives at '%s'", tok);
		p->encr[p->n_encr] = c;
		p->encr_bits[p->n_encr++] = bits;
		*last_encr = true;
		return 0;
	}
	if (strncmp(tok, "prf", 3) == 0 && (h = find_hash(tok + 3))) {
		if (p->n_prf >= ALT_MAX)
			return fail(err, errlen, "too many alternatives at '%s'", tok);
		p->prf[p->n_prf++] = h;
		return 0;
	}
	if ((h = find_hash(tok))) {
		if (p->n_hash >= ALT_MAX)
			return fail(err, errlen, "too many alternatives at '%s'", tok);
		p->hash[p->n_hash++] = h;
		return 0;
	}
	if ((g = find_group(tok))) {
		if (p->n_group >= ALT_MAX)
			return fail(err, errlen, "too many alternatives at '%s'", tok);
		p->group[p->n_group++] = g;
		return 0;
	}
	return fail(err, errlen, "unknown algorithm '%s'", tok);
}

/* Splits one proposal (no ',' and no '!') into parts. */
static int split_proposal(const char *s, size_t len, struct parts *p, char *err, size_t errlen)
{
	char tok[TOK_MAX];
	size_t i = 0;
	bool last_encr = false;

	memset(p, 0, sizeof(*p));
	if (len == 0)
		return fail(err, errlen, "empty proposal");
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != '-' && s[j] != ';' && s[j] != '+')
			j++;
		if (j == i)
			return fail(err, errlen, "empty algorithm name in '%.*s'", (int)len, s);
		if (j - i >= TOK_MAX)
			return fail(err, errlen, "algorithm name too long in '%.*s'", (int)len, s);
		for (size_t k = 0; k < j - i; k++)
			tok[k] = (char)tolower((unsigned char)s[i + k]);
		tok[j - i] = '\0';
		bool was_encr = last_encr;
		int r = add_alt(p, tok, &last_encr, err, errlen);
		if (r < 0)
			return r;
		if (j < len && s[j] == '+')
			last_encr =
				was_encr && last_encr; /* "aes128+aes256": no bare size after '+' */
		i = j + 1;
	}
	return 0;
}

static int check_bits(const struct cipher_row *c, uint16_t *bits, char *err, size_t errlen)
{
	if (!c->variable) {
		if (*bits)
			return fail(err, errlen, "'%s' takes no key size", c->name);
		return 0;
	}
	if (*bits == 0)
		*bits = 128;
	if (*bits != 128 && *bits != 192 && *bits != 256)
		return fail(err, errlen, "'%s' with a %u-bit key: use 128, 192 or 256", c->name,
			    (unsigned)*bits);
	return 0;
}

#define WEAK_HINT "; add allow-weak-crypto=yes to the conn to accept it"

/* "modp1024" or "dh2 (modp1024)" for messages. */
static const char *group_label(const struct group_row *g)
{
	static __thread char buf[48];
	const char *canon = proto_name(PROTO_NAMES_IKE_GROUP, g->group);
	if (!canon || !strcmp(canon, g->name))
		return g->name;
	snprintf(buf, sizeof(buf), "%s (%s)", g->name, canon);
	return buf;
}

static int weak(char *err, size_t errlen, const char *what)
{
	return fail(err, errlen, "%s is weaker than 112 bits or deprecated" WEAK_HINT, what);
}

static bool ike_equal(const struct dmn_ike_proposal *a, const struct dmn_ike_proposal *b)
{
	return a->encr == b->encr && a->key_bits == b->key_bits && a->hash == b->hash &&
	       a->prf == b->prf && a->group == b->group;
}

static bool esp_equal(const struct dmn_esp_proposal *a, const struct dmn_esp_proposal *b)
{
	return a->protocol == b->protocol && a->transform == b->transform &&
	       a->key_bits == b->key_bits && a->auth == b->auth && a->group == b->group &&
	       a->esn == b->esn;
}

static int ike_push(struct dmn_ike_proposals *out, const struct dmn_ike_proposal *p, char *err,
		    size_t errlen)
{
	for (size_t i = 0; i < out->n; i++)
		if (ike_equal(&out->v[i], p))
			return 0;
	if (out->n >= DMN_CFG_PROPOSALS_MAX)
		return fail(err, errlen, "more than %d proposals", DMN_CFG_PROPOSALS_MAX);
	out->v[out->n++] = *p;
	return 0;
}

static int esp_push(struct dmn_esp_proposals *out, const struct dmn_esp_proposal *p, char *err,
		    size_t errlen)
{
	for (size_t i = 0; i < out->n; i++)
		if (esp_equal(&out->v[i], p))
			return 0;
	if (out->n >= DMN_CFG_PROPOSALS_MAX)
		return fail(err, errlen, "more than %d proposals", DMN_CFG_PROPOSALS_MAX);
	out->v[out->n++] = *p;
	return 0;
}

static const struct hash_row *hash_by_name(const char *n)
{
	return find_hash(n);
}

static int ike_expand(struct parts *p, bool allow_weak, struct dmn_ike_proposals *out, char *err,
		      size_t errlen)
{
	if (p->n_encr == 0)
		return fail(err, errlen, "no encryption algorithm");
	if (p->null_auth || p->no_group || p->esn)
		return fail(err, errlen, "null/none/esn have no meaning in an IKE proposal");
	if (p->n_hash == 0) {
		p->hash[p->n_hash++] = hash_by_name("sha256");
		p->hash[p->n_hash++] = hash_by_name("sha1");
	}
	if (p->n_group == 0)
		p->group[p->n_group++] = find_group("modp2048");
	for (size_t i = 0; i < p->n_prf; i++) {
		bool ok = false;
		for (size_t k = 0; k < p->n_hash; k++)
			ok |= p->prf[i]->ike == p->hash[k]->ike;
		if (!ok || !p->prf[i]->ike)
			return fail(
				err, errlen,
				"IKEv1 uses the HMAC of the hash as PRF: prf%s must match the hash",
				p->prf[i]->name);
	}
	for (size_t e = 0; e < p->n_encr; e++) {
		const struct cipher_row *c = p->encr[e];
		if (!c->ike)
			return fail(err, errlen,
				    "'%s' is not defined for IKEv1 phase 1 (RFC 2409 "
				    "Appendix A)",
				    c->name);
		int r = check_bits(c, &p->encr_bits[e], err, errlen);
		if (r < 0)
			return r;
		if (c->weak && !allow_weak)
			return weak(err, errlen, c->name);
	}
	for (size_t h = 0; h < p->n_hash; h++) {
		if (!p->hash[h]->ike)
			return fail(err, errlen, "'%s' is not an IKEv1 hash", p->hash[h]->name);
		if (p->hash[h]->weak && !allow_weak)
			return weak(err, errlen, p->hash[h]->name);
	}
	for (size_t g = 0; g < p->n_group; g++)
		if (p->group[g]->weak && !allow_weak)
			return weak(err, errlen, group_label(p->group[g]));
	for (size_t e = 0; e < p->n_encr; e++)
		for (size_t h = 0; h < p->n_hash; h++)
			for (size_t g = 0; g < p->n_group; g++) {
				struct dmn_ike_proposal t = {
					.encr = p->encr[e]->ike,
					.key_bits = p->encr[e]->variable ? p->encr_bits[e] : 0,
					.hash = p->hash[h]->ike,
					.group = p->group[g]->group,
				};
				int r = ike_push(out, &t, err, errlen);
				if (r < 0)
					return r;
			}
	return 0;
}

static int esp_check_encr(struct parts *p, bool allow_weak, bool *aead, char *err, size_t errlen)
{
	*aead = false;
	for (size_t e = 0; e < p->n_encr; e++) {
		const struct cipher_row *c = p->encr[e];
		if (!c->esp)
			return fail(err, errlen, "'%s' is not defined for ESP", c->name);
		int r = check_bits(c, &p->encr_bits[e], err, errlen);
		if (r < 0)
			return r;
		if (c->weak && !allow_weak)
			return weak(err, errlen, c->name);
		if (e && c->aead != *aead)
			return fail(err, errlen, "AEAD and non-AEAD ciphers mixed in one proposal");
		*aead = c->aead;
	}
	if (*aead && p->n_hash)
		return fail(err, errlen, "an AEAD cipher takes no integrity algorithm");
	return 0;
}

static int esp_expand(struct parts *p, uint8_t protocol, bool allow_weak,
		      struct dmn_esp_proposals *out, char *err, size_t errlen)
{
	bool aead = false;
	int r;

	if (protocol == PROTO_IPSEC_AH) {
		if (p->n_encr)
			return fail(err, errlen, "AH has no encryption ('%s')", p->encr[0]->name);
		if (!p->n_hash)
			return fail(err, errlen, "no integrity algorithm");
	} else {
		if (p->n_encr == 0)
			return fail(err, errlen, "no encryption algorithm");
		if ((r = esp_check_encr(p, allow_weak, &aead, err, errlen)) < 0)
			return r;
		if (!aead && p->null_auth && !allow_weak)
			return weak(err, errlen, "ESP without integrity");
		if (!aead && !p->null_auth && p->n_hash == 0) {
			p->hash[p->n_hash++] = hash_by_name("sha256");
			p->hash[p->n_hash++] = hash_by_name("sha1");
		}
	}
	if (p->n_prf)
		return fail(err, errlen, "a PRF has no meaning in an ESP/AH proposal");
	for (size_t h = 0; h < p->n_hash; h++) {
		if (protocol == PROTO_IPSEC_AH && !p->hash[h]->ah)
			return fail(err, errlen, "'%s' is not defined for AH", p->hash[h]->name);
		if (p->hash[h]->weak && !allow_weak)
			return weak(err, errlen, p->hash[h]->name);
	}
	for (size_t g = 0; g < p->n_group; g++)
		if (p->group[g]->weak && !allow_weak)
			return weak(err, errlen, group_label(p->group[g]));
	size_t ne = p->n_encr ? p->n_encr : 1, nh = p->n_hash ? p->n_hash : 1;
	size_t ng = p->n_group ? p->n_group : 1;
	for (size_t e = 0; e < ne; e++)
		for (size_t h = 0; h < nh; h++)
			for (size_t g = 0; g < ng; g++) {
				struct dmn_esp_proposal t = {.protocol = protocol, .esn = p->esn};
				if (p->n_encr) {
					t.transform = p->encr[e]->esp;
					t.key_bits = p->encr[e]->variable ? p->encr_bits[e] : 0;
				}
				if (p->n_hash) {
					t.auth = p->hash[h]->auth;
					if (protocol == PROTO_IPSEC_AH)
						t.transform = p->hash[h]->ah;
				}
				if (p->n_group)
					t.group = p->group[g]->group;
				if ((r = esp_push(out, &t, err, errlen)) < 0)
					return r;
			}
	return 0;
}

/* Walks the ','-separated list; one() is called once per proposal. Returns strictness. */
static int walk_list(const char *s, bool *strict, char *err, size_t errlen,
		     int (*one)(struct parts *p, void *ctx, char *err, size_t errlen), void *ctx)
{
	size_t len = strlen(s);
	*strict = false;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len && s[len - 1] == '!') {
		*strict = true;
		len--;
	}
	if (len == 0)
		return fail(err, errlen, "empty proposal list");
	size_t i = 0;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != ',')
			j++;
		size_t a = i, b = j;
		while (a < b && (s[a] == ' ' || s[a] == '\t'))
			a++;
		while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
			b--;
		if (b > a && s[b - 1] == '!') /* per-proposal '!' as well */
			*strict = true, b--;
		struct parts p;
		int r = split_proposal(s + a, b - a, &p, err, errlen);
		if (r < 0)
			return r;
		if ((r = one(&p, ctx, err, errlen)) < 0)
			return r;
		i = j + 1;
	}
	return 0;
}

struct ike_ctx {
	bool allow_weak;
	struct dmn_ike_proposals *out;
};

static int ike_one(struct parts *p, void *ctx, char *err, size_t errlen)
{
	struct ike_ctx *c = ctx;
	return ike_expand(p, c->allow_weak, c->out, err, errlen);
}

struct esp_ctx {
	bool allow_weak;
	uint8_t protocol;
	struct dmn_esp_proposals *out;
};

static int esp_one(struct parts *p, void *ctx, char *err, size_t errlen)
{
	struct esp_ctx *c = ctx;
	return esp_expand(p, c->protocol, c->allow_weak, c->out, err, errlen);
}

void dmn_default_ike_proposals(struct dmn_ike_proposals *ret)
{
	static const struct dmn_ike_proposal def[] = {
		{IKE_ENCR_AES_CBC, 128, IKE_HASH_SHA2_256, 0, IKE_GROUP_MODP2048},
		{IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA2_256, 0, IKE_GROUP_MODP2048},
		{IKE_ENCR_AES_CBC, 128, IKE_HASH_SHA1, 0, IKE_GROUP_MODP2048},
		{IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA1, 0, IKE_GROUP_MODP2048},
		{IKE_ENCR_AES_CBC, 128, IKE_HASH_SHA2_256, 0, IKE_GROUP_ECP256},
		{IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA2_384, 0, IKE_GROUP_ECP384},
	};
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < N_OF(def); i++)
		ret->v[ret->n++] = def[i];
}

void dmn_default_esp_proposals(uint8_t protocol, struct dmn_esp_proposals *ret)
{
	static const struct dmn_esp_proposal def[] = {
		{PROTO_IPSEC_ESP, ESP_AES_GCM_16, 128, 0, 0, false},
		{PROTO_IPSEC_ESP, ESP_AES_GCM_16, 256, 0, 0, false},
		{PROTO_IPSEC_ESP, ESP_AES_CBC, 128, AUTH_HMAC_SHA2_256, 0, false},
		{PROTO_IPSEC_ESP, ESP_AES_CBC, 256, AUTH_HMAC_SHA2_256, 0, false},
		{PROTO_IPSEC_ESP, ESP_AES_CBC, 128, AUTH_HMAC_SHA1, 0, false},
		{PROTO_IPSEC_ESP, ESP_AES_CBC, 256, AUTH_HMAC_SHA1, 0, false},
	};
	static const struct dmn_esp_proposal def_ah[] = {
		{PROTO_IPSEC_AH, AH_SHA2_256, 0, AUTH_HMAC_SHA2_256, 0, false},
		{PROTO_IPSEC_AH, AH_SHA, 0, AUTH_HMAC_SHA1, 0, false},
	};
	memset(ret, 0, sizeof(*ret));
	if (protocol == PROTO_IPSEC_AH) {
		for (size_t i = 0; i < N_OF(def_ah); i++)
			ret->v[ret->n++] = def_ah[i];
		return;
	}
	for (size_t i = 0; i < N_OF(def); i++)
		ret->v[ret->n++] = def[i];
}

int dmn_parse_ike_proposals(const char *s, bool allow_weak, struct dmn_ike_proposals *ret,
			    char *err, size_t errlen)
{
	return dmn_parse_ike_list(s, allow_weak, false, ret, err, errlen);
}

int dmn_parse_ike_list(const char *s, bool allow_weak, bool exact, struct dmn_ike_proposals *ret,
		       char *err, size_t errlen)
{
	struct dmn_ike_proposals out = {0};
	struct ike_ctx ctx = {allow_weak, &out};
	bool strict;
	int r = walk_list(s, &strict, err, errlen, ike_one, &ctx);
	if (r < 0)
		return r;
	strict |= exact;
	if (!strict) {
		struct dmn_ike_proposals def;
		dmn_default_ike_proposals(&def);
		for (size_t i = 0; i < def.n && out.n < DMN_CFG_PROPOSALS_MAX; i++)
			(void)ike_push(&out, &def.v[i], NULL, 0);
	}
	out.strict = strict;
	*ret = out;
	return 0;
}

int dmn_parse_esp_proposals(const char *s, uint8_t protocol, bool allow_weak,
			    struct dmn_esp_proposals *ret, char *err, size_t errlen)
{
	return dmn_parse_esp_list(s, protocol, allow_weak, false, ret, err, errlen);
}

int dmn_parse_esp_list(const char *s, uint8_t protocol, bool allow_weak, bool exact,
		       struct dmn_esp_proposals *ret, char *err, size_t errlen)
{
	struct dmn_esp_proposals out = {0};
	struct esp_ctx ctx = {allow_weak, protocol, &out};
	bool strict;
	int r = walk_list(s, &strict, err, errlen, esp_one, &ctx);
	if (r < 0)
		return r;
	strict |= exact;
	if (!strict) {
		/* the appended defaults use the configured PFS group, so PFS is not weakened */
		uint16_t group = out.n ? out.v[0].group : 0;
		struct dmn_esp_proposals def;
		dmn_default_esp_proposals(protocol, &def);
		for (size_t i = 0; i < def.n && out.n < DMN_CFG_PROPOSALS_MAX; i++) {
			def.v[i].group = group;
			(void)esp_push(&out, &def.v[i], NULL, 0);
		}
	}
	out.strict = strict;
	*ret = out;
	return 0;
}

static const char *hash_short(uint16_t auth_or_hash, bool ike)
{
	static const char *const ike_names[] = {"?",	  "md5",    "sha1",  "tiger",
						"sha256", "sha384", "sha512"};
	if (ike)
		return auth_or_hash < N_OF(ike_names) ? ike_names[auth_or_hash] : "?";
	for (size_t i = 0; i < N_OF(hashes); i++)
		if (hashes[i].auth == auth_or_hash)
			return hashes[i].name;
	return "?";
}

void dmn_ike_proposal_str(const struct dmn_ike_proposal *p, char *buf, size_t len)
{
	const char *e = "?";
	for (size_t i = 0; i < N_OF(ciphers); i++)
		if (ciphers[i].ike == p->encr) {
			e = ciphers[i].name;
			break;
		}
	char bits[8] = "";
	if (p->key_bits)
		snprintf(bits, sizeof(bits), "%u", (unsigned)p->key_bits);
	const char *g = proto_name(PROTO_NAMES_IKE_GROUP, p->group);
	snprintf(buf, len, "%s%s-%s-%s", e, bits, hash_short(p->hash, true), g ? g : "?");
}

void dmn_esp_proposal_str(const struct dmn_esp_proposal *p, char *buf, size_t len)
{
	char enc[32] = "";
	if (p->protocol == PROTO_IPSEC_ESP) {
		const char *e = "?";
		for (size_t i = 0; i < N_OF(ciphers); i++)
			if (ciphers[i].esp == p->transform) {
				e = ciphers[i].name;
				break;
			}
		if (p->key_bits && strncmp(e, "aes", 3) == 0)
			snprintf(enc, sizeof(enc), "aes%u%s-", (unsigned)p->key_bits, e + 3);
		else
			snprintf(enc, sizeof(enc), "%s-", e);
	}
	const char *g = p->group ? proto_name(PROTO_NAMES_IKE_GROUP, p->group) : NULL;
	snprintf(buf, len, "%s%s%s%s%s", enc, p->auth ? hash_short(p->auth, false) : "null",
		 g ? "-" : "", g ? g : "", p->esn ? "-esn" : "");
}
