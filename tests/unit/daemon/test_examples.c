// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The example configs in tests/unit/daemon/configs/ (both dialects: site-to-site PSK, transport,
 * several subnets, road warriors, Libreswan ikev2=no): each loads without errors, and the key
 * facts of each model are what the file says. The example secrets load and answer lookups.
 */
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
	dmn_config_free(c);

	c = load("lsw-subnets.conf");
	k = dmn_config_find(c, "branch-hq");
	CHECK(k && k->left.n_subnets == 2 && k->right.n_subnets == 2 && k->pfs == DMN_PFS_YES);
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
	dmn_config_free(c);

	c = load("sswan-ipv6.conf");
	k = dmn_config_find(c, "v6-net");
	CHECK(k && k->allow_weak && k->ike.n == 2 && k->ike.v[1].group == IKE_GROUP_MODP1024 &&
	      k->autostart == DMN_AUTO_ROUTE && k->mark_in == 42);
	dmn_config_free(c);
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
	CHECK_EQ_INT(cfg_parse_id("@laptop.example.com", &a), 0);
	CHECK_EQ_INT(cfg_parse_id("@vpn.example.com", &b), 0);
	CHECK(s && dmn_secrets_find_psk(s, &b, &a, &psk, &len) == 0 && len == 15 &&
	      !memcmp(psk, "laptop test key", 15));
	CHECK_EQ_INT(cfg_parse_id("203.0.113.6", &a), 0);
	CHECK_EQ_INT(cfg_parse_id("203.0.113.5", &b), 0);
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
	secrets();
	return TEST_END();
}
