// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ipsec.conf lexer and model builder: every error class with its file:line, inheritance
 * (%default, also= order), both dialects giving the same model, includes on disk, atomic load,
 * dmn_conn_equal and the dump.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/consts.h"
#include "tests/unit/daemon/cfgtest.h"

#define HOSTS "\tleft=192.0.2.1\n\tright=192.0.2.2\n"

static void test_error_classes(void)
{
	EXPECT_ERROR("conn a\n" HOSTS "\tfoo=bar\n", 4, "unknown keyword 'foo'");
	EXPECT_ERROR("config setup\n\tleft=192.0.2.1\n", 2,
		     "unknown keyword 'left' in config setup");
	EXPECT_ERROR("conn a\n" HOSTS "\tauto=sometimes\n", 4, "auto: 'sometimes'");
	EXPECT_ERROR("conn a\n\tleft 192.0.2.1\n", 2, "missing '=' after 'left'");
	EXPECT_ERROR("\tleft=192.0.2.1\nconn a\n" HOSTS, 1, "outside a section");
	EXPECT_ERROR("include x.conf\n\tleft=192.0.2.1\n", 2, "outside a section");
	EXPECT_ERROR("conn a\n" HOSTS "conn b\n" HOSTS "conn a\n" HOSTS, 7,
		     "duplicate conn 'a' (first at t.conf:1)");
	EXPECT_ERROR("conn a\n" HOSTS "\tleft=192.0.2.3\n", 4, "duplicate keyword 'left'");
	EXPECT_ERROR("conn a\n" HOSTS "\tkeylife=1h\n\tlifetime=2h\n", 5,
		     "'lifetime' sets the same thing as 'keylife' at line 4");
	EXPECT_ERROR("conn a\n" HOSTS "\talso=nothere\n", 4, "also=nothere: no conn of that name");
	EXPECT_ERROR("conn a\n" HOSTS "\talso=b\nconn b\n\talso=a\n", 6, "cycle");
	EXPECT_ERROR("conn a\n" HOSTS "\talso=a\n", 4, "cycle");
	EXPECT_ERROR("include other.conf\n", 1, "not followed");
	EXPECT_ERROR("left=192.0.2.1\n", 1, "parameters must be indented");
	EXPECT_ERROR("config nonsense\n", 1, "malformed section header");
	EXPECT_ERROR("conn\n", 1, "malformed section header");
	EXPECT_ERROR("conn a b\n", 1, "malformed section header");
	EXPECT_ERROR("conn a/b\n", 1, "invalid conn name");
	EXPECT_ERROR("conn a\n\tleftid=\"unterminated\n", 2, "unterminated quoted value");
	EXPECT_ERROR("conn a\n\tleftsubnets={10.0.0.0/8\n", 2, "unterminated '{'");
	EXPECT_ERROR("conn a\n\tleft=192.0.2.1 192.0.2.3\n", 2, "unexpected text after the value");
	EXPECT_ERROR("conn a\n\tleft=192.0.2.1 \\\n", 2, "no line continuation");
	EXPECT_ERROR("conn a\n\t=x\n", 2, "expected a keyword");
	EXPECT_ERROR("conn a\n" HOSTS "\tlabeled-ipsec=yes\n", 4, "not supported");
	EXPECT_ERROR("conn a\n" HOSTS "\tauthby=xauthrsasig\n", 4,
		     "'authby=xauthrsasig' refused: XAUTH");
	EXPECT_ERROR("conn a\n\tleft=%any\n\tright=%any\n\tauto=add\n", 1, "cannot both be %any");
	EXPECT_ERROR("conn a\n\tauto=add\n", 1, "neither left= nor right=");
	EXPECT_ERROR("conn a\n\tleft=192.0.2.1\n\tright=2001:db8::1\n\tauto=add\n", 1,
		     "left is IPv4");
	EXPECT_ERROR("conn a\n" HOSTS
		     "\tleftsubnet=10.0.0.0/8\n\trightsubnet=2001:db8::/32\n\tauto=add\n",
		     1, "no address family in common");
	EXPECT_ERROR("conn a\n" HOSTS "\ttype=transport\n\tleftsubnet=10.0.0.0/8\n\tauto=add\n", 1,
		     "type=transport takes no");
	EXPECT_ERROR("conn a\n" HOSTS "\tlifetime=10m\n\trekeymargin=10m\n\tauto=add\n", 1,
		     "rekeymargin (600s) must be shorter than lifetime");
	EXPECT_ERROR("conn a\n" HOSTS "\tike=3des-sha1;modp1024\n", 4,
		     "add allow-weak-crypto=yes to the conn");
	EXPECT_ERROR("conn a\n" HOSTS "\tesp=aes128-md5\n", 4, "allow-weak-crypto=yes");
	EXPECT_ERROR("conn a\n" HOSTS "\tpfsgroup=modp1024\n", 4, "allow-weak-crypto=yes");
	/* a proposal string parsed once for many conns still gives each conn its own verdict */
	EXPECT_ERROR("conn a\n" HOSTS "\tallow-weak-crypto=yes\n\tike=3des-md5-modp1024\n"
		     "\tesp=aes128-md5\n\tauto=add\n"
		     "conn b\n" HOSTS "\tike=3des-md5-modp1024\n\tesp=aes128-sha1\n\tauto=add\n",
		     11, "add allow-weak-crypto=yes to the conn");
	EXPECT_ERROR("conn a\n" HOSTS "\tesp=aes128-md5\n\tallow-weak-crypto=yes\n\tauto=add\n"
		     "conn b\n" HOSTS "\tesp=aes128-md5\n\tauto=add\n",
		     10, "allow-weak-crypto=yes");
	EXPECT_ERROR("conn a\n" HOSTS "\tphase2=ah\n\tesp=sha1\n\tauto=add\n"
		     "conn b\n" HOSTS "\tesp=sha1\n\tauto=add\n",
		     10, "no encryption algorithm");

	/* a line longer than the limit */
	size_t n = DMN_CFG_LINE_MAX + 100;
	char *longl = malloc(n + 64);
	strcpy(longl, "conn a\n\tleftid=");
	memset(longl + strlen(longl), 'x', n);
	strcpy(longl + 15 + n, "\n");
	EXPECT_ERROR(longl, 2, "line too long");
	free(longl);

	/* NUL byte, file too large */
	struct dmn_diags d = {0};
	struct dmn_config *c = NULL;
	CHECK_EQ_INT(dmn_config_parse_buffer("nul.conf", "conn a\n\0x", 9, NULL, &d, &c), -EINVAL);
	CHECK(cfg_has(&d, DMN_DIAG_ERROR, 0, "NUL byte"));
	CHECK(c == NULL);
	dmn_diags_free(&d);
	char *big = calloc(1, DMN_CFG_FILE_MAX + 2);
	memset(big, '#', DMN_CFG_FILE_MAX + 1);
	CHECK_EQ_INT(dmn_config_parse_buffer("big.conf", big, DMN_CFG_FILE_MAX + 1, NULL, &d, &c),
		     -EINVAL);
	CHECK(cfg_has(&d, DMN_DIAG_ERROR, 0, "larger than"));
	dmn_diags_free(&d);
	free(big);

	/* too many conns */
	size_t cap = (DMN_CFG_CONNS_MAX + 2) * 64;
	char *many = malloc(cap), *p = many;
	for (int i = 0; i < DMN_CFG_CONNS_MAX + 1; i++)
		p += sprintf(p, "conn c%d\n\tleft=192.0.2.1\n\tright=192.0.2.2\n", i);
	EXPECT_ERROR(many, 3 * DMN_CFG_CONNS_MAX + 1, "more than 16384 conns");
	free(many);

	/* also= nested too deep */
	char deep[2048];
	p = deep;
	p += sprintf(p, "conn c0\n" HOSTS "\tauto=ignore\n");
	for (int i = 1; i <= DMN_CFG_ALSO_DEPTH + 1; i++)
		p += sprintf(p, "conn c%d\n\talso=c%d\n", i, i - 1);
	EXPECT_ERROR(deep, 0, "nested deeper than 8");
}

static void test_notices(void)
{
	struct dmn_diags d;
	struct dmn_config *c = cfg_parse("version 2.0\n"
					 "config setup\n"
					 "\tcharondebug=\"ike 2\"\n"
					 "\tplutodebug=all\n"
					 "\tnat_traversal=yes\n"
					 "ca myca\n"
					 "\tcacert=ca.pem\n"
					 "conn a\n" HOSTS "\tmobike=no\n"
					 "\tleftsendcert=never\n"
					 "conn v2\n" HOSTS "\tkeyexchange=ikev2\n"
					 "conn v2b\n" HOSTS "\tikev2=insist\n"
					 "conn both\n" HOSTS "\tkeyexchange=ike\n"
					 "conn tmpl\n\tauto=ignore\n\tesp=aes128-sha256\n",
					 &d);
	if (!CHECK(c != NULL)) {
		cfg_show(&d);
		return;
	}
	CHECK_EQ_INT(d.n_errors, 0);
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 1, "'version 2.0' ignored"));
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 3, "'charondebug' ignored"));
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 4, "'plutodebug' ignored"));
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 5, "'nat_traversal' ignored"));
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 6, "ca section 'myca' ignored"));
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 11, "'mobike' ignored: it only applies to IKEv2"));
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 12, "'leftsendcert=never' ignored"));
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 16, "conn 'v2' skipped"));
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 20, "conn 'v2b' skipped"));
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 24, "IKEv1 only"));
	/* a, both: kept; v2, v2b: IKEv2-only; tmpl: auto=ignore */
	CHECK_EQ_INT(c->n_conns, 2);
	CHECK(dmn_config_find(c, "a") != NULL);
	CHECK(dmn_config_find(c, "both") != NULL);
	CHECK(dmn_config_find(c, "v2") == NULL);
	CHECK(dmn_config_find(c, "tmpl") == NULL);
	dmn_config_free(c);
	dmn_diags_free(&d);
}

/* Without auto= (both daemons default to ignore): a complete conn is loaded as auto=add, an
 * incomplete one is left out with a notice, one that others include with also= is a template. */
static void test_templates(void)
{
	struct dmn_diags d;
	struct dmn_config *c = cfg_parse("conn base\n"
					 "\tleft=192.0.2.1\n"
					 "\tike=aes256-sha256-modp2048!\n"
					 "conn full\n"
					 "\talso=base\n"
					 "\tright=192.0.2.2\n"
					 "conn half\n"
					 "\tleftid=@half.example\n",
					 &d);
	if (!CHECK(c != NULL)) {
		cfg_show(&d);
		return;
	}
	CHECK_EQ_INT(d.n_errors, 0);
	CHECK_EQ_INT(c->n_conns, 1);
	const struct dmn_conn *full = dmn_config_find(c, "full");
	CHECK(full && full->autostart == DMN_AUTO_ADD && full->ike.n == 1);
	CHECK(dmn_config_find(c, "base") == NULL);
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 7, "no auto= (the default is ignore): not loaded"));
	dmn_config_free(c);
	dmn_diags_free(&d);
	/* with auto=, the same incompleteness is an error */
	EXPECT_ERROR("conn half\n\tleftid=@half.example\n\tauto=add\n", 1,
		     "neither left= nor right= is set");
	/* a bad value is an error even in a template */
	EXPECT_ERROR("conn base\n\tkeylife=soon\nconn a\n\talso=base\n" HOSTS, 2, "not a duration");
}

static void test_inheritance(void)
{
	struct dmn_diags d;
	struct dmn_config *c =
		cfg_parse("conn %default\n"
			  "\tikelifetime=4h\n"
			  "\tkeylife=30m\n"
			  "\tdpddelay=30s\n"
			  "\tkeyingtries=5\n"
			  "conn base\n"
			  "\tleft=192.0.2.1\n"
			  "\tkeylife=40m\n"
			  "\tauto=ignore\n"
			  "conn a1\n"
			  "\tkeylife=50m\n"
			  "\tdpdtimeout=60\n"
			  "\tauto=ignore\n"
			  "conn a2\n"
			  "\tkeylife=55m\n"
			  "\tdpdtimeout=90\n"
			  "\tinactivity=5m\n"
			  "\tauto=ignore\n"
			  "conn own\n"
			  "\tinactivity=7m\n" /* own keyword before also= still wins */
			  "\talso=base\n"
			  "\talso=a1\n"
			  "\talso=a2\n"
			  "\tright=192.0.2.2\n"
			  "\tdpddelay=\n" /* empty: back to oakley's default (0) */
			  "\tauto=start\n"
			  "conn plain\n" HOSTS
			  "conn %default\n" /* a later %default applies to every conn too */
			  "\trekeyfuzz=50%\n",
			  &d);
	if (!CHECK(c != NULL)) {
		cfg_show(&d);
		return;
	}
	const struct dmn_conn *own = dmn_config_find(c, "own"),
			      *plain = dmn_config_find(c, "plain");
	CHECK(own && plain);
	if (own && plain) {
		CHECK_EQ_INT(own->ikelifetime, 4 * 3600);     /* %default */
		CHECK_EQ_INT(own->lifetime, 55 * 60);	      /* last also= wins over earlier */
		CHECK_EQ_INT(own->dpdtimeout, 90);	      /* a2 after a1 */
		CHECK_EQ_INT(own->inactivity, 7 * 60);	      /* own beats also= */
		CHECK_EQ_INT(own->dpddelay, 0);		      /* reset by the empty value */
		CHECK_EQ_INT(own->keyingtries, 5);	      /* %default */
		CHECK_EQ_INT(own->rekeyfuzz, 50);	      /* later %default */
		CHECK_EQ_INT(own->autostart, DMN_AUTO_START); /* own auto= beats also='s ignore */
		CHECK_EQ_INT(own->left.host.kind, DMN_ADDR_IP);
		CHECK_EQ_INT(plain->lifetime, 30 * 60);
		CHECK_EQ_INT(plain->dpddelay, 30);
		CHECK_EQ_INT(plain->rekeyfuzz, 50);
	}
	CHECK_EQ_INT(c->n_conns, 2);
	dmn_config_free(c);
	dmn_diags_free(&d);
}

/* The same tunnel written the strongSwan way and the Libreswan way. */
static const char *const sswan = "config setup\n"
				 "\tuniqueids=yes\n"
				 "conn net-net\n"
				 "\tkeyexchange=ikev1\n"
				 "\tauthby=secret\n"
				 "\tleft=192.0.2.1\n"
				 "\tleftid=@gw1.example.com\n"
				 "\tleftsubnet=10.1.0.0/16,10.2.0.0/16\n"
				 "\tright=198.51.100.2\n"
				 "\trightid=@gw2.example.com\n"
				 "\trightsubnet=10.3.0.0/16\n"
				 "\tike=aes128-sha256-modp2048!\n"
				 "\tesp=aes128-sha256-modp2048!\n"
				 "\taggressive=yes\n"
				 "\tforceencaps=yes\n"
				 "\tikelifetime=8h\n"
				 "\tkeylife=1h\n"
				 "\trekeymargin=3m\n"
				 "\tif_id_in=7\n"
				 "\tif_id_out=7\n"
				 "\tfragmentation=yes\n"
				 "\tdpddelay=30s\n"
				 "\tdpdtimeout=120s\n"
				 "\tdpdaction=restart\n"
				 "\tauto=start\n";

static const char *const lswan = "version 2.0\n"
				 "config setup\n"
				 "\tprotostack=netkey\n"
				 "conn net-net\n"
				 "\tikev2=no\n"
				 "\tauthby=secret\n"
				 "\tleft=192.0.2.1\n"
				 "\tleftid=@gw1.example.com\n"
				 "\tleftsubnets={10.1.0.0/16 10.2.0.0/16}\n"
				 "\tright=198.51.100.2\n"
				 "\trightid=@gw2.example.com\n"
				 "\trightsubnet=10.3.0.0/16\n"
				 "\tike=aes128-sha2;dh14!\n"
				 "\tphase2alg=aes128-sha2_256;modp2048!\n"
				 "\taggrmode=yes\n"
				 "\tencapsulation=yes\n"
				 "\tikelifetime=28800\n"
				 "\tsalifetime=60m\n"
				 "\tmargintime=180\n"
				 "\tipsec-interface=7\n"
				 "\tfragmentation=yes\n"
				 "\tdpddelay=30\n"
				 "\tdpdtimeout=120\n"
				 "\tdpdaction=restart\n"
				 "\tauto=start\n";

/* n proposals of ike= and esp= for the first conn of text, or -1/-1 when it does not load. */
static void list_sizes(const char *text, int *ike, int *esp)
{
	struct dmn_diags d;
	struct dmn_config *c = cfg_parse(text, &d);
	*ike = *esp = -1;
	if (c && c->n_conns >= 1) {
		*ike = (int)c->conns[0]->ike.n;
		*esp = (int)c->conns[0]->esp.n;
		CHECK(c->conns[0]->ike.strict == (*ike == 1));
	} else {
		cfg_show(&d);
	}
	dmn_config_free(c);
	dmn_diags_free(&d);
}

#define LIST_IS(text, want_ike, want_esp)                                                          \
	do {                                                                                       \
		int i_, e_;                                                                        \
		list_sizes(text, &i_, &e_);                                                        \
		if (!CHECK(i_ == (want_ike) && e_ == (want_esp)))                                  \
			fprintf(stderr, "  ike %d esp %d, want %d %d for:\n%s", i_, e_, want_ike,  \
				want_esp, text);                                                   \
	} while (0)

/* An ike=/esp= list without '!' is exact in Libreswan's dialect and gets oakley's defaults
 * appended in strongSwan's (daemon/config_dialect.c): 1 proposal vs 1 + the defaults. */
static void test_dialect_lists(void)
{
	const int di = 1 + 6, de = 1 + 6; /* the list's one proposal + the 6 defaults */
#define LISTS "\tike=aes256-sha256-modp3072\n\tesp=aes192-sha256\n"
	/* no marker: strongSwan's meaning */
	LIST_IS("conn a\n" HOSTS LISTS, di, de);
	LIST_IS("conn a\n" HOSTS "\tkeyexchange=ikev1\n" LISTS, di, de);
	LIST_IS("config setup\n\tcharondebug=\"ike 1\"\nconn a\n" HOSTS LISTS, di, de);
	/* '!' is exact in both */
	LIST_IS("conn a\n" HOSTS "\tike=aes256-sha256-modp3072!\n\tesp=aes256-sha256!\n", 1, 1);
	/* Libreswan-only keyword in the conn, a %default, an also= section, config setup, or a
	 * version line: Libreswan's meaning */
	LIST_IS("conn a\n" HOSTS "\tikev2=no\n" LISTS, 1, 1);
	LIST_IS("conn a\n" HOSTS "\taggrmode=no\n" LISTS, 1, 1);
	LIST_IS("conn %default\n\tikev2=no\nconn a\n" HOSTS LISTS, 1, 1);
	LIST_IS("conn base\n\tencapsulation=auto\nconn a\n\talso=base\n" HOSTS LISTS, 1, 1);
	LIST_IS("config setup\n\tprotostack=netkey\nconn a\n" HOSTS LISTS, 1, 1);
	LIST_IS("config setup\n\tikev1-policy=accept\nconn a\n" HOSTS LISTS, 1, 1);
	LIST_IS("version 2.0\nconn a\n" HOSTS LISTS, 1, 1);
	LIST_IS("conn a\n" HOSTS "\trightsubnets=10.0.0.0/24\n" LISTS, 1, 1);
	/* Libreswan's own spellings and syntax */
	LIST_IS("conn a\n" HOSTS "\tikealg=aes256-sha2_256-modp3072\n\tphase2alg=aes256-sha256\n",
		1, 1);
	LIST_IS("conn a\n" HOSTS "\tike=aes256-sha2_256;modp3072\n\tesp=aes192-sha256\n", 1, 1);
	/* the spelling decides, not the keyword table's row: strongSwan's leftsubnet=,
	 * forceencaps= and keep_alive= share rows with Libreswan's leftsubnets=, encapsulation=
	 * and keep-alive= */
	LIST_IS("conn a\n" HOSTS "\tleftsubnet=10.0.0.0/24\n\tforceencaps=yes\n" LISTS, di, de);
	LIST_IS("config setup\n\tkeep_alive=20\nconn a\n" HOSTS LISTS, di, de);
	LIST_IS("config setup\n\tkeep-alive=20\nconn a\n" HOSTS LISTS, 1, 1);
	LIST_IS("conn a\n" HOSTS "\tmark-in=5\n" LISTS, 1, 1);
	/* a marker in another conn does not change this one */
	LIST_IS("conn a\n" HOSTS LISTS "conn b\n" HOSTS "\tikev2=no\n", di, de);
#undef LISTS
}

static void test_dialects(void)
{
	struct dmn_diags d1, d2;
	struct dmn_config *a = cfg_parse(sswan, &d1), *b = cfg_parse(lswan, &d2);
	if (!CHECK(a && b)) {
		cfg_show(&d1);
		cfg_show(&d2);
	} else {
		CHECK_EQ_INT(a->n_conns, 1);
		CHECK_EQ_INT(b->n_conns, 1);
		const struct dmn_conn *x = a->conns[0], *y = b->conns[0];
		CHECK(dmn_conn_equal(x, y));
		CHECK_EQ_INT(x->autostart, y->autostart);
		CHECK_EQ_INT(x->left.n_subnets, 2);
		CHECK_EQ_INT(y->left.n_subnets, 2);
		CHECK_EQ_INT(x->left.id.type, DMN_ID_FQDN);
		CHECK(!strcmp(y->right.id.str, "gw2.example.com"));
		CHECK_EQ_INT(x->ike.n, 1);
		CHECK_EQ_INT(y->ike.v[0].group, IKE_GROUP_MODP2048);
		CHECK_EQ_INT(y->esp.v[0].group, IKE_GROUP_MODP2048);
		CHECK_EQ_INT(x->encaps, DMN_FORCE);
		CHECK_EQ_INT(y->if_id_in, 7);
		CHECK_EQ_INT(x->aggressive, 1);
		CHECK_EQ_INT(y->rekeymargin, 180);
		CHECK_EQ_INT(y->dpdaction, DMN_DPD_RESTART);
	}
	dmn_config_free(a);
	dmn_config_free(b);
	dmn_diags_free(&d1);
	dmn_diags_free(&d2);
}

/* Parses base and each variant: the first conns compare equal exactly where the variant says "1".
 * Returns base's config (the caller frees it), or NULL. */
static struct dmn_config *check_variants(const char *base, const char *const (*variants)[2],
					 size_t n)
{
	struct dmn_diags d;
	struct dmn_config *b = cfg_parse(base, &d);
	CHECK(b != NULL);
	dmn_diags_free(&d);
	for (size_t i = 0; b && i < n; i++) {
		struct dmn_config *v = cfg_parse(variants[i][0], &d);
		if (CHECK(v != NULL) && !CHECK_EQ_INT(dmn_conn_equal(b->conns[0], v->conns[0]),
						      variants[i][1][0] == '1'))
			fprintf(stderr, "  variant %zu\n", i);
		dmn_config_free(v);
		dmn_diags_free(&d);
	}
	return b;
}

static void test_equal(void)
{
	const char *base = "conn a\n" HOSTS "\tleftsubnet=10.0.0.0/24\n\tauto=add\n";
	const char *const variants[][2] = {
		/* text, 1 = equal to base */
		{"conn a\n" HOSTS "\tleftsubnet=10.0.0.0/24\n\tauto=start\n", "1"},
		{"conn b\n" HOSTS "\tleftsubnet=10.0.0.0/24\n", "1"},
		{"conn a\n" HOSTS "\tleftsubnet=10.0.0.0/24\n\tkeyingtries=9\n", "1"},
		{"conn a\n" HOSTS "\tleftsubnet=10.0.1.0/24\n", "0"},
		{"conn a\n" HOSTS "\tleftsubnet=10.0.0.0/24\n\tkeylife=2h\n", "0"},
		{"conn a\n" HOSTS "\tleftsubnet=10.0.0.0/24\n\tesp=aes256-sha256\n", "0"},
		{"conn a\n" HOSTS "\tleftsubnet=10.0.0.0/24\n\trightid=@x.example\n", "0"},
		{"conn a\n" HOSTS "\tleftsubnet=10.0.0.0/24\n\tmark=5\n", "0"},
		{"conn a\n\tleft=192.0.2.1\n\tright=192.0.2.3\n\tleftsubnet=10.0.0.0/24\n", "0"},
	};
	struct dmn_config *b =
		check_variants(base, variants, sizeof(variants) / sizeof(variants[0]));
	CHECK(b && dmn_conn_equal(b->conns[0], b->conns[0]));
	CHECK(!dmn_conn_equal(b ? b->conns[0] : NULL, NULL));
	dmn_config_free(b);
}

/* The strings a conn owns (right= hostname, updown) take part in the comparison, and the error
 * paths that parsed one free it (the sanitizer build checks). */
static void test_equal_strings(void)
{
	const char *base = "conn a\n\tleft=192.0.2.1\n\tright=vpn.example.com\n"
			   "\tleftupdown=/bin/u\n\tauto=add\n";
	const char *const variants[][2] = {
		{"conn a\n\tleft=192.0.2.1\n\tright=vpn.example.com\n\tleftupdown=/bin/u\n", "1"},
		{"conn a\n\tleft=192.0.2.1\n\tright=vpn2.example.com\n\tleftupdown=/bin/u\n", "0"},
		{"conn a\n\tleft=192.0.2.1\n\tright=%vpn.example.com\n\tleftupdown=/bin/u\n", "0"},
		{"conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tleftupdown=/bin/u\n", "0"},
		{"conn a\n\tleft=192.0.2.1\n\tright=vpn.example.com\n\tleftupdown=/bin/v\n", "0"},
		{"conn a\n\tleft=192.0.2.1\n\tright=vpn.example.com\n\trightupdown=/bin/u\n", "0"},
		{"conn a\n\tleft=192.0.2.1\n\tright=vpn.example.com\n", "0"},
	};
	struct dmn_config *b =
		check_variants(base, variants, sizeof(variants) / sizeof(variants[0]));
	dmn_config_free(b);
	EXPECT_ERROR("conn a\n" HOSTS "\tleftnexthop=gw.example.com\n", 4,
		     "not an address or %defaultroute");
	EXPECT_ERROR("conn a\n" HOSTS "\tleftsourceip=gw.example.com\n", 4,
		     "not an address (pools and %config need Mode Config");
	EXPECT_ERROR("conn a\n" HOSTS "\tleftupdown=/bin/u\n\tauto=bogus\n", 5, "auto: 'bogus'");
}

static char tmpdir[64];

static void write_file(const char *rel, const char *text, mode_t mode)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	FILE *f = fopen(path, "w");
	if (!CHECK(f != NULL))
		return;
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void test_files(void)
{
	char path[256], sub[256];
	strcpy(tmpdir, "/tmp/oak-cfgtest-XXXXXX");
	if (!CHECK(mkdtemp(tmpdir) != NULL))
		return;
	snprintf(sub, sizeof(sub), "%s/conns", tmpdir);
	mkdir(sub, 0700);
	write_file("main.conf",
		   "config setup\n\tuniqueids=no\ninclude conns/*.conf\n"
		   "include nothing/*.conf\n",
		   0644);
	write_file("conns/a.conf", "conn a\n" HOSTS "\tauto=add\n", 0644);
	write_file("conns/b.conf", "conn b\n" HOSTS "\talso=a\n", 0644);
	write_file("cyc1.conf", "include cyc2.conf\n", 0644);
	write_file("cyc2.conf", "conn x\n" HOSTS "include cyc1.conf\n", 0644);
	write_file("bad.conf", "conn a\n" HOSTS "\tbogus=1\n", 0644);
	write_file("missing.conf", "include /nonexistent/oak.conf\n", 0644);

	struct dmn_diags d = {0};
	struct dmn_config *c = NULL;
	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	if (!CHECK_EQ_INT(dmn_config_load(path, &d, &c), 0))
		cfg_show(&d);
	CHECK(c && c->n_conns == 2 && c->setup.uniqueids == DMN_UNIQUE_NO);
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 4, "matches no file"));
	dmn_config_free(c);
	dmn_diags_free(&d);

	c = (struct dmn_config *)&d; /* sentinel: must stay untouched on failure */
	snprintf(path, sizeof(path), "%s/cyc1.conf", tmpdir);
	CHECK_EQ_INT(dmn_config_load(path, &d, &c), -EINVAL);
	CHECK(cfg_has(&d, DMN_DIAG_ERROR, 4, "include cycle"));
	CHECK(c == (struct dmn_config *)&d);
	dmn_diags_free(&d);

	snprintf(path, sizeof(path), "%s/bad.conf", tmpdir);
	CHECK_EQ_INT(dmn_config_load(path, &d, &c), -EINVAL);
	CHECK(d.n && strstr(d.v[0].file, "bad.conf") && d.v[0].line == 4);
	dmn_diags_free(&d);

	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	CHECK_EQ_INT(dmn_config_load(path, &d, &c), -EINVAL);
	CHECK(cfg_has(&d, DMN_DIAG_ERROR, 1, "cannot open include"));
	dmn_diags_free(&d);

	snprintf(path, sizeof(path), "%s/none.conf", tmpdir);
	CHECK_EQ_INT(dmn_config_load(path, &d, &c), -ENOENT);
	CHECK_EQ_INT(d.n, 0); /* the caller words "cannot read" for the main file */
	CHECK_EQ_INT(dmn_config_load(tmpdir, &d, &c), -EISDIR);
	dmn_diags_free(&d);

	/* include depth: d0 -> d1 -> ... -> d10 */
	for (int i = 0; i <= 10; i++) {
		char n[32], t[64];
		snprintf(n, sizeof(n), "d%d.conf", i);
		snprintf(t, sizeof(t), "include d%d.conf\n", i + 1);
		write_file(n, i == 10 ? "" : t, 0644);
	}
	snprintf(path, sizeof(path), "%s/d0.conf", tmpdir);
	CHECK_EQ_INT(dmn_config_load(path, &d, &c), -EINVAL);
	CHECK(cfg_has(&d, DMN_DIAG_ERROR, 1, "nested deeper than 8"));
	dmn_diags_free(&d);
	CHECK(c == (struct dmn_config *)&d);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	CHECK_EQ_INT(system(cmd), 0);
}

static void test_dump(void)
{
	struct dmn_diags d;
	struct dmn_config *c = cfg_parse(sswan, &d);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(c && f);
	if (c && f) {
		CHECK_EQ_INT(dmn_config_dump(c, f), 0);
		fclose(f);
		CHECK(strstr(buf, "conn net-net") != NULL);
		CHECK(strstr(buf, "ike=aes128-sha256-modp2048!") != NULL);
		CHECK(strstr(buf, "esp=aes128-sha256-modp2048!") != NULL);
		CHECK(strstr(buf, "leftsubnets={10.1.0.0/16 10.2.0.0/16}") != NULL);
		CHECK(strstr(buf, "leftid=fqdn:\"gw1.example.com\"") != NULL);
		free(buf);
	}
	dmn_config_free(c);
	dmn_diags_free(&d);
	/* the diagnostics printer: file:line: level: message */
	c = cfg_parse("conn a\n" HOSTS "\tfoo=1\n", &d);
	buf = NULL;
	f = open_memstream(&buf, &len);
	dmn_diags_print(&d, f);
	fclose(f);
	CHECK(strstr(buf, "t.conf:4: error: unknown keyword 'foo'") != NULL);
	free(buf);
	dmn_diags_free(&d);
}

int main(void)
{
	test_error_classes();
	test_notices();
	test_templates();
	test_inheritance();
	test_dialects();
	test_dialect_lists();
	test_equal();
	test_equal_strings();
	test_files();
	test_dump();
	return TEST_END();
}
