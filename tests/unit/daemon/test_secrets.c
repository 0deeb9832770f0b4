// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ipsec.secrets: every PSK form (quoted, 0x hex, 0s base64 (RFC 4648 §4 test vectors)), IDs,
 * includes, ignored types, errors with file:line, lookup precedence, the permission warning and
 * the redacted dump.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/config_int.h"
#include "daemon/secrets.h"
#include "tests/unit/daemon/cfgtest.h"

static struct dmn_secrets *sparse(const char *text, struct dmn_diags *d)
{
	struct dmn_secrets *s = NULL;
	memset(d, 0, sizeof(*d));
	if (dmn_secrets_parse_buffer("t.secrets", text, strlen(text), NULL, d, &s) < 0)
		return NULL;
	return s;
}

static struct dmn_id id(const char *s)
{
	struct dmn_id i = {0};
	if (!strcmp(s, "%any"))
		i.type = DMN_ID_ANY;
	else
		CHECK_EQ_INT(dmn_cfg_parse_id(s, &i), 0);
	return i;
}

/* The PSK chosen for (local, remote) as a string, or "" when none. */
static const char *lookup(const struct dmn_secrets *s, const char *l, const char *r)
{
	static char out[128];
	struct dmn_id a = id(l), b = id(r);
	const uint8_t *psk;
	size_t len;
	if (dmn_secrets_find_psk(s, &a, &b, &psk, &len) < 0)
		return "";
	snprintf(out, sizeof(out), "%.*s", (int)len, (const char *)psk);
	return out;
}

static void test_forms(void)
{
	struct dmn_diags d;
	struct dmn_secrets *s =
		sparse("# site-to-site\n"
		       "192.0.2.1 198.51.100.2 : PSK \"pair secret\"\n"
		       "@gw1.example.com @gw2.example.com : PSK 'single quoted'\n"
		       "alice@example.com : PSK 0x616263\n"  /* "abc" */
		       "@hex.example : PSK 0x666f6f626172\n" /* "foobar" */
		       "@b64.example : PSK 0sZm9vYmFy\n"     /* RFC 4648 §10: "foobar" */
		       "@b64b.example : PSK 0sZm8=\n"	     /* "fo" */
		       "2001:db8::1 %any : PSK \"v6 any\"\n"
		       "%any : PSK \"any only\"\n"
		       ": PSK \"catch-all\"\n"
		       "@multi.example\n"
		       "\t@multi2.example : PSK \"continued\"\n"
		       ": XAUTH alice \"pw\"\n"
		       ": RSA key.pem\n"
		       "\"C=CH, O=Example, CN=gw\" : PSK \"dn key\"\n"
		       "@plain.example : PSK unquoted\n",
		       &d);
	if (!CHECK(s != NULL)) {
		cfg_show(&d);
		return;
	}
	CHECK_EQ_INT(s->n, 13);
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 13, "XAUTH secret ignored"));
	CHECK(s->n > 10 && s->v[10].kind == DMN_SECRET_RSA &&
	      !strcmp(s->v[10].key_file, "key.pem"));
	CHECK(!strcmp(lookup(s, "192.0.2.1", "198.51.100.2"), "pair secret"));
	CHECK(!strcmp(lookup(s, "198.51.100.2", "192.0.2.1"), "pair secret")); /* either order */
	CHECK(!strcmp(lookup(s, "@gw1.example.com", "@GW2.example.com"), "single quoted"));
	CHECK(!strcmp(lookup(s, "192.0.2.9", "alice@example.com"), "abc"));
	CHECK(!strcmp(lookup(s, "192.0.2.9", "@hex.example"), "foobar"));
	CHECK(!strcmp(lookup(s, "192.0.2.9", "@b64.example"), "foobar"));
	CHECK(!strcmp(lookup(s, "192.0.2.9", "@b64b.example"), "fo"));
	CHECK(!strcmp(lookup(s, "2001:db8::1", "2001:db8::99"), "v6 any"));
	if (!CHECK(!strcmp(lookup(s, "192.0.2.77", "192.0.2.78"), "any only")))
		fprintf(stderr, "  got '%s'\n", lookup(s, "192.0.2.77", "192.0.2.78"));
	CHECK(!strcmp(lookup(s, "@multi2.example", "@multi.example"), "continued"));
	CHECK(!strcmp(lookup(s, "C=CH, O=Example, CN=gw", "@x"), "dn key"));
	CHECK(!strcmp(lookup(s, "@x", "@plain.example"), "unquoted"));
	dmn_secrets_free(s);
	dmn_diags_free(&d);
}

/* exact pair (4) > one side + %any or a single ID (3) > %any %any (2) > ": PSK" (1) */
static void test_precedence(void)
{
	struct dmn_diags d;
	struct dmn_secrets *s = sparse(": PSK \"p1\"\n"
				       "%any %any : PSK \"p2\"\n"
				       "@a.example %any : PSK \"p3\"\n"
				       "@a.example @b.example : PSK \"p4\"\n"
				       "@c.example : PSK \"p5\"\n"
				       "@a.example @b.example : PSK \"p4-later\"\n",
				       &d);
	if (!CHECK(s != NULL)) {
		cfg_show(&d);
		return;
	}
	CHECK(!strcmp(lookup(s, "@a.example", "@b.example"), "p4")); /* first of a tie */
	CHECK(!strcmp(lookup(s, "@a.example", "@z.example"), "p3"));
	CHECK(!strcmp(lookup(s, "@c.example", "@z.example"), "p5"));
	CHECK(!strcmp(lookup(s, "@y.example", "@z.example"), "p2"));
	dmn_secrets_free(s);
	dmn_diags_free(&d);
	s = sparse(": PSK \"only\"\n@a.example @b.example : PSK \"pair\"\n", &d);
	CHECK(s && !strcmp(lookup(s, "@y.example", "@z.example"), "only"));
	CHECK(s && !strcmp(lookup(s, "@a.example", "@z.example"), "only")); /* pair needs both */
	dmn_secrets_free(s);
	dmn_diags_free(&d);
	/* Main Mode responder of a right=%any conn: the peer's ID is not known yet (%any); an
	 * entry naming our ID (with any other) beats a bare %any one */
	s = sparse("%any : PSK \"any\"\n@gw.example @laptop.example : PSK \"rw\"\n", &d);
	CHECK(s && !strcmp(lookup(s, "@gw.example", "%any"), "rw"));
	CHECK(s && !strcmp(lookup(s, "@other.example", "%any"), "any"));
	dmn_secrets_free(s);
	dmn_diags_free(&d);
	s = sparse("@a.example @b.example : PSK \"pair\"\n", &d);
	const uint8_t *p = (const uint8_t *)"untouched";
	size_t len = 1234;
	struct dmn_id x = id("@x.example"), y = id("@y.example");
	CHECK(s && dmn_secrets_find_psk(s, &x, &y, &p, &len) == -ENOENT);
	CHECK(len == 1234 && !strcmp((const char *)p, "untouched"));
	dmn_secrets_free(s);
	dmn_diags_free(&d);
}

#define SECRET_ERROR(text, line, sub)                                                              \
	do {                                                                                       \
		struct dmn_diags d_;                                                               \
		struct dmn_secrets *s_ = sparse(text, &d_);                                        \
		CHECK(s_ == NULL);                                                                 \
		if (!CHECK(cfg_has(&d_, DMN_DIAG_ERROR, line, sub))) {                             \
			fprintf(stderr, "  wanted '%s' at %d for:\n%s\n", sub, line, text);        \
			cfg_show(&d_);                                                             \
		}                                                                                  \
		dmn_secrets_free(s_);                                                              \
		dmn_diags_free(&d_);                                                               \
	} while (0)

static void test_errors(void)
{
	SECRET_ERROR("@a PSK \"x\"\n", 1, "missing ':'");
	SECRET_ERROR("@a :\n", 1, "missing secret type");
	SECRET_ERROR("@a : FOO bar\n", 1, "unknown secret type 'FOO'");
	SECRET_ERROR("@a : PSK\n", 1, "PSK: missing value");
	SECRET_ERROR("\n\n@a : PSK \"unterminated\n", 3, "unterminated");
	SECRET_ERROR("@a : PSK 0x12345\n", 1, "bad 0x/0s encoding");
	SECRET_ERROR("@a : PSK 0xzz\n", 1, "bad 0x/0s encoding");
	SECRET_ERROR("@a : PSK 0s!!!!\n", 1, "bad 0x/0s encoding");
	SECRET_ERROR("@a : PSK 0sZm9vY\n", 1, "bad 0x/0s encoding");
	SECRET_ERROR("@a : PSK \"\"\n", 1, "empty key");
	SECRET_ERROR("@a : PSK \"x\" extra\n", 1, "unexpected text");
	SECRET_ERROR("%fromcert : PSK \"x\"\n", 1, "not an ID");
	SECRET_ERROR("\t@a : PSK \"x\"\n", 1, "indented line");
	SECRET_ERROR("include other.secrets\n", 1, "not followed");
	SECRET_ERROR("a b c d e f g h i : PSK \"x\"\n", 1, "more than 8 IDs");
}

static char tmpdir[64];

static void put(const char *rel, const char *text, mode_t mode)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	FILE *f = fopen(path, "w");
	if (!CHECK(f != NULL))
		return;
	fputs(text, f);
	fclose(f);
	CHECK_EQ_INT(chmod(path, mode), 0);
}

static void test_files(void)
{
	char path[256];
	strcpy(tmpdir, "/tmp/oak-sectest-XXXXXX");
	if (!CHECK(mkdtemp(tmpdir) != NULL))
		return;
	put("main.secrets", ": PSK \"main\"\ninclude sub/*.secrets\n", 0600);
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	mkdir(path, 0700);
	put("sub/a.secrets", "@a.example @b.example : PSK \"from include\"\n", 0644);
	put("loop.secrets", "include loop.secrets\n", 0600);

	struct dmn_diags d = {0};
	struct dmn_secrets *s = NULL;
	snprintf(path, sizeof(path), "%s/main.secrets", tmpdir);
	if (!CHECK_EQ_INT(dmn_secrets_load(path, &d, &s), 0))
		cfg_show(&d);
	CHECK(s && s->n == 2);
	CHECK(s && !strcmp(lookup(s, "@a.example", "@b.example"), "from include"));
	/* main is 0600: no warning for it; the included 0644 file gets one */
	CHECK_EQ_INT(d.n_warnings, 1);
	CHECK(d.n && strstr(d.v[0].file, "sub/a.secrets") &&
	      strstr(d.v[0].msg, "readable by group or others (mode 0644)"));

	/* the dump never shows the key */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK_EQ_INT(dmn_secrets_dump(s, f), 0);
	fclose(f);
	CHECK(strstr(buf, "<redacted>") != NULL);
	CHECK(strstr(buf, "from include") == NULL && strstr(buf, "\"main\"") == NULL);
	CHECK(strstr(buf, "fqdn:a.example") != NULL);
	free(buf);
	dmn_secrets_free(s);
	dmn_diags_free(&d);

	snprintf(path, sizeof(path), "%s/loop.secrets", tmpdir);
	s = (struct dmn_secrets *)&d;
	CHECK_EQ_INT(dmn_secrets_load(path, &d, &s), -EINVAL);
	CHECK(cfg_has(&d, DMN_DIAG_ERROR, 1, "nested deeper"));
	CHECK(s == (struct dmn_secrets *)&d);
	dmn_diags_free(&d);

	snprintf(path, sizeof(path), "%s/absent.secrets", tmpdir);
	CHECK_EQ_INT(dmn_secrets_load(path, &d, &s), -ENOENT);
	CHECK_EQ_INT(d.n, 0);
	dmn_diags_free(&d);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	CHECK_EQ_INT(system(cmd), 0);
}

/* ": RSA file [passphrase]" and ": ECDSA file": key entries, never PSKs, passphrase redacted. */
static void test_keys(void)
{
	struct dmn_diags d;
	struct dmn_secrets *s =
		sparse(": RSA gw.pem\n"
		       "@gw.example : RSA \"/etc/keys/gw key.pem\" \"secret phrase\"\n"
		       ": ECDSA ec.der\n"
		       ": RSA\n"
		       ": RSA enc.pem %prompt\n"
		       ": ECDSA a.pem pw extra\n",
		       &d);
	CHECK(s == NULL);
	CHECK(cfg_has(&d, DMN_DIAG_ERROR, 4, "missing private key file"));
	CHECK(cfg_has(&d, DMN_DIAG_ERROR, 5, "%prompt"));
	CHECK(cfg_has(&d, DMN_DIAG_ERROR, 6, "unexpected text after the passphrase"));
	dmn_diags_free(&d);

	s = sparse(": RSA gw.pem\n"
		   "@gw.example : RSA \"/etc/keys/gw key.pem\" \"secret phrase\"\n"
		   ": ECDSA ec.der\n",
		   &d);
	if (!CHECK(s != NULL)) {
		cfg_show(&d);
		return;
	}
	CHECK_EQ_INT(s->n, 3);
	CHECK(s->v[0].kind == DMN_SECRET_RSA && !strcmp(s->v[0].key_file, "gw.pem") &&
	      !s->v[0].passphrase && !s->v[0].psk);
	CHECK(s->v[1].kind == DMN_SECRET_RSA && !strcmp(s->v[1].key_file, "/etc/keys/gw key.pem") &&
	      s->v[1].passphrase && !strcmp(s->v[1].passphrase, "secret phrase"));
	CHECK(s->v[2].kind == DMN_SECRET_ECDSA && !strcmp(s->v[2].key_file, "ec.der"));
	/* a key entry without IDs is no ": PSK" catch-all */
	CHECK(!strcmp(lookup(s, "@gw.example", "@x"), ""));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK_EQ_INT(dmn_secrets_dump(s, f), 0);
	fclose(f);
	CHECK(buf && strstr(buf, ": RSA gw.pem #") && strstr(buf, "<redacted>") &&
	      !strstr(buf, "secret phrase"));
	free(buf);
	dmn_secrets_free(s);
	dmn_diags_free(&d);
}

int main(void)
{
	test_forms();
	test_keys();
	test_precedence();
	test_errors();
	test_files();
	dmn_secrets_free(NULL);
	return TEST_END();
}
