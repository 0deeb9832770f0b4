// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The certificate store: its lifetime, loading certificates, private keys and CRLs from the
 * ipsec.d directories, from named files and from memory, finding our own certificate, and
 * signing with a private key that stays here (see daemon/certs.h). Chains and verdicts are in
 * daemon/certs_verify.c, DNs and IDs in daemon/certs_dn.c.
 */
#include "daemon/certs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/certs_int.h"
#include "daemon/secrets.h"

static const char *const verdict_names[DMN_CERT__MAX] = {
	[DMN_CERT_OK] = "OK",
	[DMN_CERT_UNREADABLE] = "unreadable",
	[DMN_CERT_MALFORMED] = "malformed",
	[DMN_CERT_NO_CERT] = "no certificate",
	[DMN_CERT_UNTRUSTED] = "untrusted CA",
	[DMN_CERT_EXPIRED] = "expired",
	[DMN_CERT_NOT_YET_VALID] = "not yet valid",
	[DMN_CERT_REVOKED] = "revoked",
	[DMN_CERT_KEY_USAGE] = "key usage",
	[DMN_CERT_ID_MISMATCH] = "ID mismatch",
	[DMN_CERT_BAD_SIGNATURE] = "bad signature",
	[DMN_CERT_WRONG_KEY_TYPE] = "wrong key type",
	[DMN_CERT_NO_KEY] = "no private key",
	[DMN_CERT_KEY_MISMATCH] = "key/cert mismatch",
};

static const char *const dir_names[DMN_CERT_DIR__MAX] = {"cacerts", "certs", "private", "crls",
							 "ocspcerts"};

const char *dmn_cert_verdict_name(enum dmn_cert_verdict v)
{
	return (unsigned)v < DMN_CERT__MAX ? verdict_names[v] : "?";
}

const char *dmn_cert_dir_name(enum dmn_cert_dir d)
{
	return (unsigned)d < DMN_CERT_DIR__MAX ? dir_names[d] : "?";
}

int dmn_certs_status(struct dmn_cert_status *st, enum dmn_cert_verdict v, const char *fmt, ...)
{
	if (st) {
		va_list ap;
		st->verdict = v;
		va_start(ap, fmt);
		vsnprintf(st->text, sizeof(st->text), fmt, ap);
		va_end(ap);
	}
	return v == DMN_CERT_OK ? 0 : -EACCES;
}

void dmn_certs_time_text(time_t t, char *out, size_t cap)
{
	struct tm tm;
	if (t == (time_t)-1 || !gmtime_r(&t, &tm) ||
	    !strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, cap, "(unknown date)");
}

int dmn_certs_new(const char *basedir, struct dmn_certs **ret)
{
	struct dmn_certs *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (!basedir)
		basedir = DMN_CERTS_BASEDIR;
	if (strlen(basedir) >= sizeof(s->base) - 16) {
		free(s);
		return -ENAMETOOLONG;
	}
	snprintf(s->base, sizeof(s->base), "%s", basedir);
	s->tl_dirty = true;
	*ret = s;
	return 0;
}

void dmn_certs_peer_clear(struct dmn_certs *s)
{
	for (size_t i = 0; i < s->n_peer; i++)
		dmn_certs_cert_free(s->peer[i]);
	s->n_peer = 0;
}

static void key_wipe(struct certs_key *k)
{
	gnutls_x509_privkey_deinit(k->key); /* GnuTLS zeroes its key numbers when freeing */
	explicit_bzero(k, sizeof(*k));
}

void dmn_certs_free(struct dmn_certs *s)
{
	if (!s)
		return;
	dmn_certs_peer_clear(s);
	if (s->tl)
		gnutls_x509_trust_list_deinit(s->tl, 0);
	for (size_t i = 0; i < s->n_certs; i++)
		dmn_certs_cert_free(s->certs[i]);
	free(s->certs);
	for (size_t i = 0; i < s->n_keys; i++)
		key_wipe(&s->keys[i]);
	for (size_t i = 0; i < s->n_crls; i++)
		gnutls_x509_crl_deinit(s->crls[i].crl);
	free(s);
}

const char *dmn_certs_basedir(const struct dmn_certs *s)
{
	return s->base;
}

int dmn_certs_path(const struct dmn_certs *s, enum dmn_cert_dir dir, const char *name, char *out,
		   size_t cap)
{
	int n = name[0] == '/'
			? snprintf(out, cap, "%s", name)
			: snprintf(out, cap, "%s/%s/%s", s->base, dmn_cert_dir_name(dir), name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Reads a whole file of at most CERTS_FILE_MAX bytes into *ret (free with wipe_datum). */
static int read_file(const char *path, gnutls_datum_t *ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > CERTS_FILE_MAX) {
		int e = S_ISREG(sb.st_mode) ? -EFBIG : -EINVAL;
		close(fd);
		return e;
	}
	size_t len = (size_t)sb.st_size, got = 0;
	uint8_t *buf = malloc(len + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (unsigned tries = 0; got < len && tries < 64; tries++) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	ret->data = buf;
	ret->size = (unsigned)got;
	return 0;
}

static void wipe_datum(gnutls_datum_t *d)
{
	if (d->data) {
		explicit_bzero(d->data, d->size);
		free(d->data);
	}
	d->data = NULL;
	d->size = 0;
}

static bool is_pem(const gnutls_datum_t *d)
{
	return d->size > 10 && memmem(d->data, d->size, "-----BEGIN", 10);
}

int dmn_certs_cert_new(const gnutls_datum_t *der, struct dmn_cert **ret)
{
	struct dmn_cert *c = calloc(1, sizeof(*c));
	unsigned crit = 0;
	if (!c)
		return -ENOMEM;
	if (gnutls_x509_crt_init(&c->crt) < 0) {
		free(c);
		return -ENOMEM;
	}
	if (gnutls_x509_crt_import(c->crt, der, GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_export2(c->crt, GNUTLS_X509_FMT_DER, &c->der) < 0 ||
	    gnutls_x509_crt_get_raw_dn(c->crt, &c->subject_der) < 0) {
		dmn_certs_cert_free(c);
		return -EINVAL;
	}
	if (dmn_dn_to_text(c->subject_der.data, c->subject_der.size, c->subject,
			   sizeof(c->subject)) < 0)
		snprintf(c->subject, sizeof(c->subject), "(unprintable DN)");
	c->ca = gnutls_x509_crt_get_ca_status(c->crt, &crit) > 0;
	unsigned vst = 0;
	c->self_signed = gnutls_x509_crt_check_issuer(c->crt, c->crt) &&
			 gnutls_x509_crt_verify(c->crt, &c->crt, 1,
						GNUTLS_VERIFY_DISABLE_TIME_CHECKS, &vst) == 0 &&
			 vst == 0;
	size_t kl = sizeof(c->keyid);
	if (gnutls_x509_crt_get_key_id(c->crt, GNUTLS_KEYID_USE_SHA256, c->keyid, &kl) == 0)
		c->keyid_len = kl;
	*ret = c;
	return 0;
}

void dmn_certs_cert_free(struct dmn_cert *c)
{
	if (!c)
		return;
	gnutls_free(c->der.data);
	gnutls_free(c->subject_der.data); /* GnuTLS 3 hands out a copy */
	gnutls_x509_crt_deinit(c->crt);
	free(c);
}

/* The certificate of the store with the same DER, or NULL. */
static struct dmn_cert *find_der(const struct dmn_certs *s, const gnutls_datum_t *der)
{
	for (size_t i = 0; i < s->n_certs; i++)
		if (s->certs[i]->der.size == der->size &&
		    !memcmp(s->certs[i]->der.data, der->data, der->size))
			return s->certs[i];
	return NULL;
}

/* Adds one DER certificate (or finds it). Returns 0 and sets *ret, or -errno. */
static int store_add(struct dmn_certs *s, const gnutls_datum_t *der, enum dmn_cert_dir dir,
		     enum certs_origin origin, const char *file, struct dmn_cert **ret)
{
	struct dmn_cert *c;
	int r = dmn_certs_cert_new(der, &c);
	if (r < 0)
		return r;
	struct dmn_cert *old = find_der(s, &c->der);
	if (old) {
		dmn_certs_cert_free(c);
		old->seen = true;
		if (dir == DMN_CERT_DIR_CACERTS && old->dir != DMN_CERT_DIR_CACERTS) {
			old->dir = dir; /* now also a trust anchor */
			s->tl_dirty = true;
		}
		*ret = old;
		return 0;
	}
	if (s->n_certs >= DMN_CERTS_MAX) {
		dmn_certs_cert_free(c);
		return -E2BIG;
	}
	if (s->n_certs == s->cap_certs) {
		size_t nc = s->cap_certs ? 2 * s->cap_certs : 16;
		struct dmn_cert **nv = realloc(s->certs, nc * sizeof(*nv));
		if (!nv) {
			dmn_certs_cert_free(c);
			return -ENOMEM;
		}
		s->certs = nv;
		s->cap_certs = nc;
	}
	c->dir = dir;
	c->origin = origin;
	c->seen = true;
	snprintf(c->file, sizeof(c->file), "%s", file);
	s->certs[s->n_certs++] = c;
	if (dir == DMN_CERT_DIR_CACERTS)
		s->tl_dirty = true;
	*ret = c;
	return 0;
}

/* Imports every certificate of data (PEM list or one DER). *ret gets the first. */
static int load_certs(struct dmn_certs *s, const gnutls_datum_t *data, enum dmn_cert_dir dir,
		      enum certs_origin origin, const char *file, const struct dmn_cert **ret,
		      struct dmn_cert_status *st)
{
	gnutls_x509_crt_t *list = NULL;
	unsigned n = 0;
	struct dmn_cert *first = NULL;
	int r = 0;

	if (!is_pem(data))
		r = gnutls_x509_crt_list_import2(&list, &n, data, GNUTLS_X509_FMT_DER, 0);
	else
		r = gnutls_x509_crt_list_import2(&list, &n, data, GNUTLS_X509_FMT_PEM, 0);
	if (r < 0 || n == 0)
		return dmn_certs_status(st, DMN_CERT_MALFORMED, "%s: not an X.509 certificate (%s)",
					file, r < 0 ? gnutls_strerror(r) : "empty"),
		       -EINVAL;
	r = 0;
	for (unsigned i = 0; i < n; i++) {
		gnutls_datum_t der = {NULL, 0};
		struct dmn_cert *c = NULL;
		int e = gnutls_x509_crt_export2(list[i], GNUTLS_X509_FMT_DER, &der);
		if (e == 0 && r == 0)
			r = store_add(s, &der, dir, origin, file, &c);
		gnutls_free(der.data);
		gnutls_x509_crt_deinit(list[i]);
		if (c && !first)
			first = c;
	}
	gnutls_free(list);
	if (r < 0)
		return dmn_certs_status(st, DMN_CERT_MALFORMED, "%s: %s", file,
					r == -E2BIG ? "more than DMN_CERTS_MAX certificates"
						    : strerror(-r)),
		       r;
	if (ret)
		*ret = first;
	dmn_certs_status(st, DMN_CERT_OK, "%s: '%s'", file, first ? first->subject : "");
	return 0;
}

/* Reads path for a load: the status names the file when it cannot be read. */
static int read_for_load(const char *path, gnutls_datum_t *d, struct dmn_cert_status *st)
{
	int r = read_file(path, d);
	if (r < 0)
		dmn_certs_status(st, DMN_CERT_UNREADABLE, "cannot read %s: %s", path,
				 r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
	return r;
}

static int cert_file(struct dmn_certs *s, const char *name, bool ca, enum certs_origin origin,
		     const struct dmn_cert **ret, struct dmn_cert_status *st)
{
	char path[DMN_PATH_MAX];
	gnutls_datum_t d = {NULL, 0};
	enum dmn_cert_dir dir = ca ? DMN_CERT_DIR_CACERTS : DMN_CERT_DIR_CERTS;
	if (dmn_certs_path(s, dir, name, path, sizeof(path)) < 0)
		return dmn_certs_status(st, DMN_CERT_UNREADABLE, "%s: path too long", name),
		       -ENAMETOOLONG;
	int r = read_for_load(path, &d, st);
	if (r == 0)
		r = load_certs(s, &d, dir, origin, path, ret, st);
	wipe_datum(&d);
	return r;
}

int dmn_certs_load_cert_file(struct dmn_certs *s, const char *name, bool ca,
			     const struct dmn_cert **ret, struct dmn_cert_status *st)
{
	return cert_file(s, name, ca, CERTS_FROM_FILE, ret, st);
}

int dmn_certs_load_cert_mem(struct dmn_certs *s, const uint8_t *data, size_t len, bool ca,
			    const char *origin, const struct dmn_cert **ret,
			    struct dmn_cert_status *st)
{
	gnutls_datum_t d = {(unsigned char *)data, (unsigned)len};
	if (len > CERTS_FILE_MAX)
		return dmn_certs_status(st, DMN_CERT_MALFORMED, "%s: too large", origin), -EFBIG;
	return load_certs(s, &d, ca ? DMN_CERT_DIR_CACERTS : DMN_CERT_DIR_CERTS, CERTS_FROM_MEM,
			  origin ? origin : "(vici)", ret, st);
}

/* Decodes a private key (PEM or DER, PKCS#1, PKCS#8, encrypted PKCS#8) and adds it. */
static int load_key(struct dmn_certs *s, const gnutls_datum_t *d, const char *pass,
		    const char *origin, struct dmn_cert_status *st)
{
	struct certs_key k = {0};
	size_t kl = sizeof(k.keyid);
	int r;
	if (gnutls_x509_privkey_init(&k.key) < 0)
		return -ENOMEM;
	r = gnutls_x509_privkey_import2(k.key, d,
					is_pem(d) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER, pass,
					pass ? 0 : GNUTLS_PKCS_PLAIN);
	if (r < 0) {
		bool enc = r == GNUTLS_E_DECRYPTION_FAILED || r == GNUTLS_E_INVALID_PASSWORD;
		gnutls_x509_privkey_deinit(k.key);
		return dmn_certs_status(
			       st, DMN_CERT_MALFORMED, "%s: %s", origin,
			       enc ? (pass ? "cannot decrypt the key: wrong passphrase"
					   : "the key is encrypted and no passphrase is given")
				   : "not a private key (PKCS#1 or PKCS#8, PEM or DER)"),
		       -EINVAL;
	}
	int alg = gnutls_x509_privkey_get_pk_algorithm(k.key);
	if ((alg != GNUTLS_PK_RSA && alg != GNUTLS_PK_ECDSA) ||
	    gnutls_x509_privkey_get_key_id(k.key, GNUTLS_KEYID_USE_SHA256, k.keyid, &kl) < 0) {
		gnutls_x509_privkey_deinit(k.key);
		return dmn_certs_status(st, DMN_CERT_WRONG_KEY_TYPE, "%s: not an RSA or ECDSA key",
					origin),
		       -EINVAL;
	}
	k.keyid_len = kl;
	snprintf(k.origin, sizeof(k.origin), "%s", origin);
	for (size_t i = 0; i < s->n_keys; i++)
		if (s->keys[i].keyid_len == kl && !memcmp(s->keys[i].keyid, k.keyid, kl)) {
			key_wipe(&k); /* already loaded */
			return dmn_certs_status(st, DMN_CERT_OK, "%s: already loaded", origin);
		}
	if (s->n_keys >= CERTS_KEYS_MAX) {
		key_wipe(&k);
		return dmn_certs_status(st, DMN_CERT_MALFORMED, "%s: more than %d keys", origin,
					CERTS_KEYS_MAX),
		       -E2BIG;
	}
	s->keys[s->n_keys++] = k;
	return dmn_certs_status(st, DMN_CERT_OK, "%s: %s key loaded", origin,
				alg == GNUTLS_PK_RSA ? "RSA" : "ECDSA");
}

int dmn_certs_load_key_file(struct dmn_certs *s, const char *name, const char *passphrase,
			    struct dmn_cert_status *st)
{
	char path[DMN_PATH_MAX];
	gnutls_datum_t d = {NULL, 0};
	if (dmn_certs_path(s, DMN_CERT_DIR_PRIVATE, name, path, sizeof(path)) < 0)
		return dmn_certs_status(st, DMN_CERT_UNREADABLE, "%s: path too long", name),
		       -ENAMETOOLONG;
	int r = read_for_load(path, &d, st);
	if (r == 0)
		r = load_key(s, &d, passphrase, path, st);
	wipe_datum(&d);
	return r;
}

int dmn_certs_load_key_mem(struct dmn_certs *s, const uint8_t *data, size_t len,
			   const char *passphrase, const char *origin, struct dmn_cert_status *st)
{
	gnutls_datum_t d = {(unsigned char *)data, (unsigned)len};
	if (len > CERTS_FILE_MAX)
		return dmn_certs_status(st, DMN_CERT_MALFORMED, "key too large"), -EFBIG;
	return load_key(s, &d, passphrase, origin ? origin : "(vici)", st);
}

/* Adds the CRLs of d; a peer's CRLs replace the oldest peer CRL beyond CERTS_PEER_CRLS. */
static int load_crls(struct dmn_certs *s, const gnutls_datum_t *d, enum certs_origin from,
		     const char *origin, struct dmn_cert_status *st)
{
	gnutls_x509_crl_t *list = NULL;
	unsigned n = 0;
	int r = gnutls_x509_crl_list_import2(
		&list, &n, d, is_pem(d) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER, 0);
	if (r < 0 || n == 0)
		return dmn_certs_status(st, DMN_CERT_MALFORMED, "%s: not a CRL", origin), -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		size_t peers = 0, oldest = SIZE_MAX;
		for (size_t j = 0; j < s->n_crls; j++)
			if (s->crls[j].from == CERTS_FROM_PEER && peers++ == 0)
				oldest = j;
		if (from == CERTS_FROM_PEER && peers >= CERTS_PEER_CRLS && oldest != SIZE_MAX) {
			gnutls_x509_crl_deinit(s->crls[oldest].crl);
			memmove(&s->crls[oldest], &s->crls[oldest + 1],
				(s->n_crls - oldest - 1) * sizeof(s->crls[0]));
			s->n_crls--;
		}
		if (s->n_crls >= CERTS_CRLS_MAX) {
			gnutls_x509_crl_deinit(list[i]);
			continue;
		}
		struct certs_crl *c = &s->crls[s->n_crls++];
		c->crl = list[i];
		c->from = from;
		c->seen = true;
		snprintf(c->origin, sizeof(c->origin), "%s", origin);
	}
	gnutls_free(list);
	return dmn_certs_status(st, DMN_CERT_OK, "%s: %u CRL(s)", origin, n);
}

int dmn_certs_load_crl_file(struct dmn_certs *s, const char *name, struct dmn_cert_status *st)
{
	char path[DMN_PATH_MAX];
	gnutls_datum_t d = {NULL, 0};
	if (dmn_certs_path(s, DMN_CERT_DIR_CRLS, name, path, sizeof(path)) < 0)
		return dmn_certs_status(st, DMN_CERT_UNREADABLE, "%s: path too long", name),
		       -ENAMETOOLONG;
	int r = read_for_load(path, &d, st);
	if (r == 0)
		r = load_crls(s, &d, CERTS_FROM_FILE, path, st);
	wipe_datum(&d);
	return r;
}

int dmn_certs_load_crl_mem(struct dmn_certs *s, const uint8_t *data, size_t len, const char *origin,
			   struct dmn_cert_status *st)
{
	gnutls_datum_t d = {(unsigned char *)data, (unsigned)len};
	bool peer = origin && !strncmp(origin, "peer", 4);
	if (len > CERTS_FILE_MAX)
		return dmn_certs_status(st, DMN_CERT_MALFORMED, "CRL too large"), -EFBIG;
	return load_crls(s, &d, peer ? CERTS_FROM_PEER : CERTS_FROM_MEM, origin ? origin : "(vici)",
			 st);
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_hidden(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* Loads the files of one directory; returns the number loaded. */
static int load_dir(struct dmn_certs *s, enum dmn_cert_dir dir, struct dmn_diags *diags)
{
	char path[DMN_PATH_MAX + 32];
	struct dirent **ents = NULL;
	int loaded = 0;
	snprintf(path, sizeof(path), "%s/%s", s->base, dmn_cert_dir_name(dir));
	int n = scandir(path, &ents, skip_hidden, name_cmp);
	if (n < 0)
		return 0; /* a missing directory is fine */
	for (int i = 0; i < n && i < DMN_CERTS_MAX; i++) {
		char file[DMN_PATH_MAX + 300];
		struct dmn_cert_status st;
		struct stat sb;
		gnutls_datum_t d = {NULL, 0};
		snprintf(file, sizeof(file), "%s/%s", path, ents[i]->d_name);
		if (stat(file, &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		int r = read_for_load(file, &d, &st);
		if (r == 0 && dir == DMN_CERT_DIR_CRLS)
			r = load_crls(s, &d, CERTS_FROM_DIR, file, &st);
		else if (r == 0)
			r = load_certs(s, &d, dir, CERTS_FROM_DIR, file, NULL, &st);
		wipe_datum(&d);
		if (r < 0 && diags)
			dmn_diag_add(diags, DMN_DIAG_WARNING, file, 0, "%s", st.text);
		loaded += r == 0;
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return loaded;
}

int dmn_certs_load_dirs(struct dmn_certs *s, struct dmn_diags *diags)
{
	static const enum dmn_cert_dir dirs[] = {DMN_CERT_DIR_CACERTS, DMN_CERT_DIR_CERTS,
						 DMN_CERT_DIR_OCSPCERTS, DMN_CERT_DIR_CRLS};
	int n = 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		n += load_dir(s, dirs[i], diags);
	return n;
}

int dmn_certs_reload(struct dmn_certs *s, struct dmn_diags *diags, bool *ret_changed)
{
	size_t before = s->n_certs;
	bool changed = false;
	for (size_t i = 0; i < s->n_certs; i++)
		s->certs[i]->seen = s->certs[i]->origin != CERTS_FROM_DIR;
	/* file CRLs are read again: drop them first */
	size_t k = 0;
	for (size_t i = 0; i < s->n_crls; i++) {
		if (s->crls[i].from == CERTS_FROM_DIR)
			gnutls_x509_crl_deinit(s->crls[i].crl);
		else
			s->crls[k++] = s->crls[i];
	}
	s->n_crls = k;
	int n = dmn_certs_load_dirs(s, diags);
	k = 0;
	for (size_t i = 0; i < s->n_certs; i++) {
		if (s->certs[i]->seen) {
			s->certs[k++] = s->certs[i];
			continue;
		}
		dmn_certs_cert_free(s->certs[i]);
		changed = true;
	}
	s->n_certs = k;
	changed = changed || s->n_certs != before;
	if (changed)
		s->tl_dirty = true;
	if (ret_changed)
		*ret_changed = changed;
	return n;
}

int dmn_certs_load_secrets(struct dmn_certs *s, const struct dmn_secrets *secrets,
			   struct dmn_diags *diags)
{
	int n = 0;
	for (size_t i = 0; secrets && i < secrets->n; i++) {
		const struct dmn_secret *e = &secrets->v[i];
		struct dmn_cert_status st;
		if (e->kind == DMN_SECRET_PSK)
			continue;
		if (dmn_certs_load_key_file(s, e->key_file, e->passphrase, &st) < 0) {
			if (diags)
				dmn_diag_add(diags, DMN_DIAG_ERROR, e->file, e->line, "%s",
					     st.text);
			continue;
		}
		int idx = (int)s->n_keys - 1;
		int alg = idx >= 0 ? gnutls_x509_privkey_get_pk_algorithm(s->keys[idx].key) : 0;
		if (diags && idx >= 0 && !strstr(st.text, "already") &&
		    (alg == GNUTLS_PK_RSA) != (e->kind == DMN_SECRET_RSA))
			dmn_diag_add(diags, DMN_DIAG_WARNING, e->file, e->line,
				     "%s is an %s key, the entry says %s", e->key_file,
				     alg == GNUTLS_PK_RSA ? "RSA" : "ECDSA",
				     e->kind == DMN_SECRET_RSA ? "RSA" : "ECDSA");
		n++;
	}
	return n;
}

int dmn_certs_key_index(const struct dmn_certs *s, const struct dmn_cert *c)
{
	for (size_t i = 0; c && c->keyid_len && i < s->n_keys; i++)
		if (s->keys[i].keyid_len == c->keyid_len &&
		    !memcmp(s->keys[i].keyid, c->keyid, c->keyid_len))
			return (int)i;
	return -1;
}

bool dmn_cert_has_key(const struct dmn_certs *s, const struct dmn_cert *c)
{
	return dmn_certs_key_index(s, c) >= 0;
}
