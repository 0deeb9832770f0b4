// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The example configs in tests/unit/daemon/configs/ (both dialects: site-to-site PSK, transport,
 * several subnets, road warriors, Libreswan ikev2=no): each loads without errors, and the key
 * facts of each model are what the file says. The example secrets load and answer lookups. Each
 * file is also oriented as each of its gateways would (dmn_config_orient with a pretend host):
 * the gateway named by right= takes that side, and the PSK it then looks up is the file's.
 * tests/netns/examples.sh brings the same files up between two oakleyd.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

#include "daemon/config_int.h"
#include "daemon/secrets.h"
#include "proto/consts.h"
#include "tests/unit/daemon/cfgtest.h"

static const char *dir;

static struct dmn_config *load(const char *name)
{
	char path[512];
	struct dmn_diags d = {0};
	struct dmn_config *c = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int r = dmn_config_load(path, &d, &c);
	if (!CHECK_EQ_INT(r, 0) || !CHECK_EQ_INT(d.n_errors, 0)) {
		fprintf(stderr, "  %s:\n", name);
		dmn_diags_print(&d, stderr);
	}
	dmn_diags_free(&d);
	return c;
}

/* Subnet n of side is the prefix text ("203.0.113.0/26"). */
static bool subnet_is(const struct dmn_side *side, size_t n, const char *text)
{
	char ip[64];
	const char *slash = strchr(text, '/');
	int family;
	uint8_t b[16];
	if (n >= side->n_subnets || !slash || (size_t)(slash - text) >= sizeof(ip))
		return false;
	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - text), text);
	if (dmn_cfg_parse_ip(ip, &family, b))
		return false;
	const struct dmn_subnet *s = &side->subnets[n];
	return !s->is_range && s->family == family && !memcmp(s->from, b, 16) &&
	       s->prefix == atoi(slash + 1);
}

/* The subnet lies inside the prefix range ("198.51.100.0/24"). */
static bool subnet_within(const struct dmn_subnet *s, const char *range)
{
	struct dmn_side r = {0};
	const char *why;
	bool in = false;
	if (dmn_cfg_parse_subnets(range, &r, &why) == 0 && r.n_subnets == 1) {
		size_t len = s->family == AF_INET ? 4 : 16;
		in = r.subnets[0].family == s->family &&
		     memcmp(s->from, r.subnets[0].from, len) >= 0 &&
		     memcmp(s->to, r.subnets[0].to, len) <= 0;
	}
	free(r.subnets);
	return in;
}

static void every_file(void)
{
	DIR *dp = opendir(dir);
	unsigned n = 0;
	if (!CHECK(dp != NULL))
		return;
	struct dirent *e;
	while ((e = readdir(dp))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".conf"))
			continue;
		struct dmn_config *c = load(e->d_name);
		CHECK(c && c->n_conns >= 1);
		dmn_config_free(c);
		n++;
	}
	closedir(dp);
	CHECK(n >= 7);
	printf("%u example configs loaded\n", n);
}

static void facts(void)
{
	struct dmn_config *c = load("sswan-site-to-site.conf");
	const struct dmn_conn *k = dmn_config_find(c, "west-east");
	if (CHECK(k != NULL)) {
		CHECK_EQ_INT(k->autostart, DMN_AUTO_START);
		CHECK_EQ_INT(k->ike.n, 1);
		CHECK_EQ_INT(k->ike.v[0].hash, IKE_HASH_SHA2_256);
		CHECK_EQ_INT(k->esp.v[0].transform, ESP_AES_GCM_16);
		CHECK_EQ_INT(k->esp.v[0].group, IKE_GROUP_MODP2048);
		CHECK_EQ_INT(k->lifetime, 3600);
		CHECK_EQ_INT(k->dpdaction, DMN_DPD_RESTART);
		CHECK(subnet_is(&k->left, 0, "203.0.113.0/26") &&
		      subnet_is(&k->right, 0, "203.0.113.64/26"));
	}
	dmn_config_free(c);

	c = load("sswan-transport.conf");
	k = dmn_config_find(c, "host-host");
	CHECK(k && k->type == DMN_TYPE_TRANSPORT && k->left.proto == 17 && k->left.port_lo == 1701);
	dmn_config_free(c);

	c = load("sswan-roadwarrior.conf");
	CHECK(c && c->n_conns == 2);
	k = dmn_config_find(c, "rw-gateway");
	CHECK(k && k->right.host.kind == DMN_ADDR_ANY &&
	      k->left.host.kind == DMN_ADDR_DEFAULTROUTE);
	k = dmn_config_find(c, "rw-client");
	CHECK(k && k->right.host.kind == DMN_ADDR_HOSTNAME && k->encaps == DMN_FORCE);
	/* strongSwan's lists without '!': oakley's defaults appended */
	CHECK(k && k->ike.n > 2 && !k->ike.strict && k->esp.n > 2 && !k->esp.strict);
	dmn_config_free(c);

	c = load("lsw-subnets.conf");
	k = dmn_config_find(c, "branch-hq");
	CHECK(k && k->left.n_subnets == 2 && k->right.n_subnets == 2 && k->pfs == DMN_PFS_YES);
	CHECK(k && subnet_is(&k->left, 0, "203.0.113.0/27") &&
	      subnet_is(&k->left, 1, "203.0.113.32/27") &&
	      subnet_is(&k->right, 0, "203.0.113.64/27") &&
	      subnet_is(&k->right, 1, "203.0.113.96/27"));
	CHECK(k && k->esp.v[0].auth == AUTH_HMAC_SHA2_256 && k->lifetime == 8 * 3600);
	dmn_config_free(c);

	c = load("lsw-l2tp-roadwarrior.conf");
	k = dmn_config_find(c, "l2tp-psk");
	CHECK(k && k->type == DMN_TYPE_TRANSPORT && !k->rekey && k->pfs == DMN_PFS_NO &&
	      (k->right.virt & DMN_VIRT_VHOST));
	dmn_config_free(c);

	c = load("lsw-aggressive.conf");
	k = dmn_config_find(c, "branch");
	CHECK(k && k->aggressive && k->if_id_in == 2 && k->right.id.type == DMN_ID_FQDN);
	/* Libreswan's lists are exact: no defaults appended to ike=aes128-sha2;dh14 */
	CHECK(k && k->ike.n == 1 && k->ike.strict && k->esp.n == 1 && k->esp.strict);
	CHECK(k && subnet_is(&k->left, 0, "198.51.100.0/25") &&
	      subnet_is(&k->right, 0, "198.51.100.128/25"));
	dmn_config_free(c);

	c = load("sswan-ipv6.conf");
	k = dmn_config_find(c, "v6-net");
	CHECK(k && k->allow_weak && k->ike.n == 2 && k->ike.v[1].group == IKE_GROUP_MODP1024 &&
	      k->autostart == DMN_AUTO_ROUTE && k->mark_in == 42);
	CHECK(k && subnet_is(&k->left, 0, "2001:db8:100::/48") &&
	      subnet_is(&k->right, 0, "2001:db8:200::/48"));
	dmn_config_free(c);
}

/* Every protected subnet of the examples is in a documentation range (RFC 5737, RFC 3849), so
 * tests/netns/examples.sh can bring them up as written. */
static void documentation_ranges(void)
{
	static const char *const ranges[] = {"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
					     "2001:db8::/32"};
	static const char *const files[] = {"sswan-site-to-site.conf", "sswan-transport.conf",
					    "sswan-roadwarrior.conf",  "sswan-ipv6.conf",
					    "lsw-subnets.conf",	       "lsw-aggressive.conf"};
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct dmn_config *c = load(files[f]);
		for (size_t i = 0; c && i < c->n_conns; i++) {
			const struct dmn_side *sides[2] = {&c->conns[i]->left, &c->conns[i]->right};
			for (int s = 0; s < 2; s++)
				for (size_t n = 0; n < sides[s]->n_subnets; n++) {
					/* 0.0.0.0/0: the road warrior's "everything" */
					bool in = sides[s]->subnets[n].prefix == 0 &&
						  !sides[s]->subnets[n].is_range;
					for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]);
					     r++)
						in |= subnet_within(&sides[s]->subnets[n],
								    ranges[r]);
					if (!CHECK(in))
						fprintf(stderr, "  %s: conn %s: subnet %zu of %s\n",
							files[f], c->conns[i]->name, n,
							s ? "right" : "left");
				}
		}
		dmn_config_free(c);
	}
}

/* The ID a side presents: its id=, else its address (what the daemon sends). */
static void side_id(const struct dmn_side *s, struct dmn_id *ret)
{
	char a[INET6_ADDRSTRLEN] = "";
	if (s->id.type != DMN_ID_DEFAULT) {
		*ret = s->id;
		return;
	}
	memset(ret, 0, sizeof(*ret));
	if (s->host.kind == DMN_ADDR_IP && inet_ntop(s->host.family, s->host.bytes, a, sizeof(a)))
		dmn_cfg_parse_id(a, ret);
}

/* One gateway's view of file's conn: swapped or not, the local address kind, and the PSK that
 * local and remote IDs select in sswan.secrets. */
static void gateway(const struct dmn_secrets *sec, const char *file, const char *conn,
		    const char *host_addr, bool want_swapped, const char *psk)
{
	struct cfg_fake_host h = {.addrs = {"127.0.0.1", "::1", host_addr}};
	struct dmn_config *c = load(file);
	size_t n = c ? dmn_config_orient(c, cfg_fake_is_local, &h) : 0;
	const struct dmn_conn *k = dmn_config_find(c, conn);
	if (!CHECK(k != NULL)) {
		dmn_config_free(c);
		return;
	}
	CHECK_EQ_INT(h.calls_not_ip, 0);
	if (!CHECK(k->swapped == want_swapped && n == (want_swapped ? 1u : 0u)))
		fprintf(stderr, "  %s on %s: swapped %d, want %d\n", conn, host_addr, k->swapped,
			want_swapped);
	struct dmn_id l, r;
	const uint8_t *got;
	size_t len;
	side_id(&k->left, &l);
	side_id(&k->right, &r);
	if (psk && !CHECK(sec && dmn_secrets_find_psk(sec, &l, &r, &got, &len) == 0 &&
			  len == strlen(psk) && !memcmp(got, psk, len)))
		fprintf(stderr, "  %s on %s: not the PSK '%s'\n", conn, host_addr, psk);
	dmn_config_free(c);
}

static void orientation(void)
{
	char path[512];
	struct dmn_diags d = {0};
	struct dmn_secrets *s = NULL;
	snprintf(path, sizeof(path), "%s/sswan.secrets", dir);
	CHECK_EQ_INT(dmn_secrets_load(path, &d, &s), 0);
	dmn_diags_free(&d);

	gateway(s, "sswan-site-to-site.conf", "west-east", "192.0.2.10", false,
		"west-east test key");
	gateway(s, "sswan-site-to-site.conf", "west-east", "198.51.100.20", true,
		"west-east test key");
	gateway(s, "sswan-transport.conf", "host-host", "203.0.113.5", false, "transport key");
	gateway(s, "sswan-transport.conf", "host-host", "203.0.113.6", true, "transport key");
	gateway(s, "lsw-subnets.conf", "branch-hq", "192.0.2.1", false, "branch-hq test key");
	gateway(s, "lsw-subnets.conf", "branch-hq", "198.51.100.1", true, "branch-hq test key");
	gateway(s, "sswan-ipv6.conf", "v6-net", "2001:db8:1::1", false, "v6 test key");
	gateway(s, "sswan-ipv6.conf", "v6-net", "2001:db8:2::1", true, "v6 test key");
	/* left=%defaultroute: the branch keeps it, HQ (right=) swaps it */
	gateway(s, "lsw-aggressive.conf", "branch", "192.0.2.10", false, "aggressive test key");
	gateway(s, "lsw-aggressive.conf", "branch", "203.0.113.80", true, "aggressive test key");
	/* no address in the file: nothing to swap anywhere */
	gateway(s, "sswan-roadwarrior.conf", "rw-gateway", "198.51.100.5", false, NULL);
	gateway(s, "sswan-roadwarrior.conf", "rw-client", "192.0.2.100", false, "laptop test key");
	gateway(s, "lsw-l2tp-roadwarrior.conf", "l2tp-psk", "192.0.2.1", false, NULL);
	dmn_secrets_free(s);
}

static void secrets(void)
{
	char path[512];
	struct dmn_diags d = {0};
	struct dmn_secrets *s = NULL;
	snprintf(path, sizeof(path), "%s/sswan.secrets", dir);
	if (!CHECK_EQ_INT(dmn_secrets_load(path, &d, &s), 0))
		dmn_diags_print(&d, stderr);
	CHECK(s && s->n == 7);
	struct dmn_id a, b;
	const uint8_t *psk;
	size_t len;
	CHECK_EQ_INT(dmn_cfg_parse_id("@laptop.example.com", &a), 0);
	CHECK_EQ_INT(dmn_cfg_parse_id("@vpn.example.com", &b), 0);
	CHECK(s && dmn_secrets_find_psk(s, &b, &a, &psk, &len) == 0 && len == 15 &&
	      !memcmp(psk, "laptop test key", 15));
	CHECK_EQ_INT(dmn_cfg_parse_id("203.0.113.6", &a), 0);
	CHECK_EQ_INT(dmn_cfg_parse_id("203.0.113.5", &b), 0);
	CHECK(s && dmn_secrets_find_psk(s, &a, &b, &psk, &len) == 0 && len == 13 &&
	      !memcmp(psk, "transport key", 13));
	dmn_secrets_free(s);
	dmn_diags_free(&d);
}

int main(void)
{
	dir = getenv("OAKLEY_CONFIGS");
	if (!dir)
		TEST_SKIP("OAKLEY_CONFIGS is not set (run through meson test)");
	every_file();
	facts();
	documentation_ranges();
	secrets();
	orientation();
	return TEST_END();
}
