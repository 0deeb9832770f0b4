// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One accept test per stored keyword (checked against the keyword tables, so a new keyword
 * without a test fails here), a notice test per ignored keyword, an error test per unsupported
 * one, and a bad-value test per value type.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "daemon/config_int.h"
#include "proto/consts.h"
#include "proto/ike/ike.h"
#include "tests/unit/daemon/cfgtest.h"

#define HOSTS "\tleft=192.0.2.1\n\tright=192.0.2.2\n"

static const char *tested[256];
static size_t n_tested;

static void mark_tested(const char *line)
{
	static char names[256][48];
	size_t k = strcspn(line, "=");
	if (n_tested < 256 && k < 48) {
		memcpy(names[n_tested], line, k);
		names[n_tested][k] = '\0';
		tested[n_tested] = names[n_tested];
		n_tested++;
	}
}

static bool was_tested(const char *name)
{
	for (size_t i = 0; i < n_tested; i++)
		if (!strcmp(tested[i], name))
			return true;
	return false;
}

/* Parses "conn a" with HOSTS and the keyword line; expr is evaluated with c = the conn. */
#define ACCEPT_IN(text, line, expr)                                                                \
	do {                                                                                       \
		struct dmn_diags d_;                                                               \
		struct dmn_config *cfg_ = cfg_parse(text, &d_);                                    \
		mark_tested(line);                                                                 \
		if (CHECK(cfg_ && cfg_->n_conns == 1)) {                                           \
			const struct dmn_conn *c = cfg_->conns[0];                                 \
			(void)c;                                                                   \
			if (!CHECK(expr))                                                          \
				fprintf(stderr, "  keyword line: %s\n", line);                     \
			CHECK_EQ_INT(d_.n_errors, 0);                                              \
		} else {                                                                           \
			fprintf(stderr, "  keyword line: %s\n", line);                             \
			cfg_show(&d_);                                                             \
		}                                                                                  \
		dmn_config_free(cfg_);                                                             \
		dmn_diags_free(&d_);                                                               \
	} while (0)

#define ACCEPT(line, expr) ACCEPT_IN("conn a\n" HOSTS "\t" line "\n", line, expr)

static bool ip_is(const uint8_t *b, int fam, const char *s)
{
	uint8_t x[16] = {0};
	return inet_pton(fam, s, x) == 1 && !memcmp(b, x, fam == AF_INET ? 4 : 16);
}

static void conn_keywords(void)
{
	ACCEPT("auto=add", c->autostart == DMN_AUTO_ADD);
	ACCEPT("auto=start", c->autostart == DMN_AUTO_START);
	ACCEPT("auto=route", c->autostart == DMN_AUTO_ROUTE);
	ACCEPT("auto=ondemand", c->autostart == DMN_AUTO_ONDEMAND);
	ACCEPT("auto=keep", c->autostart == DMN_AUTO_KEEP);
	ACCEPT("type=tunnel", c->type == DMN_TYPE_TUNNEL);
	ACCEPT("type=transport", c->type == DMN_TYPE_TRANSPORT);
	ACCEPT("type=passthrough", c->type == DMN_TYPE_PASS);
	ACCEPT("type=drop", c->type == DMN_TYPE_DROP);
	ACCEPT("keyexchange=ikev1", true);
	ACCEPT("ikev2=no", true);
	ACCEPT("ikev2=never", true);
	ACCEPT("ikev2=permit", true);
	ACCEPT("authby=secret", true);
	ACCEPT("authby=psk", true);
	ACCEPT("authby=secret|rsasig", true);
	ACCEPT("aggressive=yes", c->aggressive);
	ACCEPT("aggrmode=yes", c->aggressive);
	ACCEPT("allow-weak-crypto=yes", c->allow_weak);
	ACCEPT("ike=aes256-sha256-modp3072!", c->ike.n == 1 && c->ike.v[0].group == 15);
	ACCEPT("ikealg=aes256-sha2;dh15!", c->ike.n == 1 && c->ike.v[0].group == 15);
	ACCEPT("esp=aes128gcm16!", c->esp.n == 1 && c->esp.v[0].transform == ESP_AES_GCM_16);
	ACCEPT("phase2alg=aes_gcm128-null!", c->esp.v[0].transform == ESP_AES_GCM_16);
	ACCEPT("ah=sha256!",
	       c->esp.v[0].protocol == PROTO_IPSEC_AH && c->esp.v[0].transform == AH_SHA2_256);
	ACCEPT_IN("conn a\n" HOSTS "\tphase2=ah\n\tphase2alg=sha1!\n", "phase2=ah",
		  c->esp.v[0].protocol == PROTO_IPSEC_AH && c->esp.v[0].auth == AUTH_HMAC_SHA1);
	ACCEPT("auth=ah", c->esp.v[0].protocol == PROTO_IPSEC_AH);
	ACCEPT("pfs=no", c->pfs == DMN_PFS_NO);
	ACCEPT_IN("conn a\n" HOSTS "\tpfs=no\n\tesp=aes128-sha256-modp2048!\n", "pfs=no",
		  c->esp.v[0].group == 0);
	ACCEPT("pfs=yes", c->pfs == DMN_PFS_YES);
	ACCEPT("pfsgroup=modp3072", c->esp.v[0].group == IKE_GROUP_MODP3072);
	ACCEPT("ikelifetime=8h", c->ikelifetime == 28800);
	ACCEPT("lifetime=2h", c->lifetime == 7200);
	ACCEPT("keylife=20m", c->lifetime == 1200);
	ACCEPT("salifetime=1d", c->lifetime == 86400);
	ACCEPT("lifebytes=1000000000", c->lifebytes == 1000000000u);
	ACCEPT("lifepackets=5000000", c->lifepackets == 5000000);
	ACCEPT_IN("conn a\n" HOSTS "\tlifebytes=1000\n\tmarginbytes=100\n", "marginbytes=100",
		  c->marginbytes == 100);
	ACCEPT_IN("conn a\n" HOSTS "\tlifepackets=1000\n\tmarginpackets=10\n", "marginpackets=10",
		  c->marginpackets == 10);
	ACCEPT("rekeymargin=5m", c->rekeymargin == 300);
	ACCEPT("margintime=90s", c->rekeymargin == 90);
	ACCEPT("rekeyfuzz=50%", c->rekeyfuzz == 50);
	ACCEPT("keyingtries=%forever", c->keyingtries == 0);
	ACCEPT("keyingtries=7", c->keyingtries == 7);
	ACCEPT("rekey=no", !c->rekey);
	ACCEPT("reauth=no", !c->reauth);
	ACCEPT("dpddelay=30s", c->dpddelay == 30);
	ACCEPT("dpdtimeout=2m", c->dpdtimeout == 120);
	ACCEPT("dpdaction=restart", c->dpdaction == DMN_DPD_RESTART);
	ACCEPT("dpdaction=clear", c->dpdaction == DMN_DPD_CLEAR);
	ACCEPT("dpdaction=hold", c->dpdaction == DMN_DPD_HOLD);
	ACCEPT("closeaction=restart", c->closeaction == DMN_DPD_RESTART);
	ACCEPT("inactivity=10m", c->inactivity == 600);
	ACCEPT("reqid=42", c->reqid == 42);
	ACCEPT("mark=0x12/0xff",
	       c->mark_in == 0x12 && c->mark_in_mask == 0xff && c->mark_out == 0x12);
	ACCEPT("mark=%unique", c->mark_in_unique && c->mark_out_unique);
	ACCEPT("mark_in=7", c->mark_in == 7 && c->mark_in_mask == 0xffffffff && c->mark_out == 0);
	ACCEPT("mark_out=8/0xf", c->mark_out == 8 && c->mark_out_mask == 0xf && c->mark_in == 0);
	ACCEPT("mark-in=5", c->mark_in == 5 && c->mark_out == 0);
	ACCEPT("mark-out=6", c->mark_out == 6 && c->mark_in == 0);
	ACCEPT("ipsec-interface=3", c->if_id_in == 3 && c->if_id_out == 3);
	ACCEPT("ipsec-interface=yes", c->if_id_in == 1);
	ACCEPT("if_id_in=9", c->if_id_in == 9 && c->if_id_out == 0);
	ACCEPT("if_id_out=%unique", c->if_id_out_unique);
	ACCEPT("forceencaps=yes", c->encaps == DMN_FORCE);
	ACCEPT("lifetimecheck=strict", c->strict_lifetime);
	ACCEPT("lifetimecheck=claim", !c->strict_lifetime);
	ACCEPT("encapsulation=no", c->encaps == DMN_NO);
	ACCEPT("encapsulation=auto", c->encaps == DMN_AUTO_DEFAULT);
	ACCEPT("fragmentation=force", c->fragmentation == DMN_FORCE);
	ACCEPT("ike_frag=no", c->fragmentation == DMN_NO);
	ACCEPT("compress=yes", c->compress);
	ACCEPT("installpolicy=no", !c->installpolicy);
	ACCEPT("initial-contact=no", !c->initial_contact);
	ACCEPT("replay_window=64", c->replay_window == 64);
	ACCEPT("replay-window=128", c->replay_window == 128);
	ACCEPT("retransmit-timeout=2m", c->retransmit_timeout == 120);
	ACCEPT("retransmit-interval=750", c->retransmit_interval == 750);
	mark_tested("also="); /* test_config.c: inheritance */
}

static void side_keywords(void)
{
	ACCEPT_IN("conn a\n\tleft=%defaultroute\n\tright=203.0.113.9\n", "left=",
		  c->left.host.kind == DMN_ADDR_DEFAULTROUTE &&
			  ip_is(c->right.host.bytes, AF_INET, "203.0.113.9"));
	ACCEPT_IN("conn a\n\tleft=2001:db8::1\n\tright=%any\n",
		  "left=", c->left.host.family == AF_INET6 && c->right.host.kind == DMN_ADDR_ANY);
	ACCEPT_IN("conn a\n\tleft=%any6\n\tright=vpn.example.com\n", "left=",
		  c->left.host.family == AF_INET6 && c->right.host.kind == DMN_ADDR_HOSTNAME &&
			  !strcmp(c->right.host.host, "vpn.example.com"));
	ACCEPT_IN("conn a\n\tleft=192.0.2.1\n\tright=%peer.example.com\n",
		  "left=", c->right.host.kind == DMN_ADDR_HOSTNAME && c->right.host.any_allowed);
	ACCEPT("leftsubnet=10.1.0.0/16",
	       c->left.n_subnets == 1 && c->left.subnets[0].prefix == 16 &&
		       ip_is(c->left.subnets[0].to, AF_INET, "10.1.255.255"));
	ACCEPT("rightsubnet=10.2.0.0/24,10.3.0.0/24", c->right.n_subnets == 2);
	ACCEPT("leftsubnet=10.1.0.5", c->left.subnets[0].prefix == 32);
	ACCEPT("leftsubnet=10.1.0.5-10.1.0.9",
	       c->left.subnets[0].is_range && ip_is(c->left.subnets[0].to, AF_INET, "10.1.0.9"));
	ACCEPT("leftsubnet=10.1.0.0/16[tcp/80]", c->left.subnets[0].proto == 6 &&
							 c->left.subnets[0].port_lo == 80 &&
							 c->left.subnets[0].port_hi == 80);
	ACCEPT("leftsubnet=%dynamic", c->left.n_subnets == 0);
	ACCEPT("leftsubnets={10.1.0.0/24 10.2.0.0/24 10.3.0.0/24}", c->left.n_subnets == 3);
	ACCEPT("rightsubnets=\"10.1.0.0/24,10.2.0.0/24\"", c->right.n_subnets == 2);
	ACCEPT("rightsubnet=vhost:%no,%priv",
	       c->right.virt == (DMN_VIRT_VHOST | DMN_VIRT_NO | DMN_VIRT_PRIV));
	ACCEPT("rightsubnet=vnet:%v4:10.0.0.0/8",
	       c->right.virt == DMN_VIRT_VNET && c->right.n_subnets == 1);
	ACCEPT_IN("conn a\n\tleft=2001:db8::1\n\tright=2001:db8::2\n\tleftsubnet=2001:db8:1::/48\n",
		  "leftsubnet=",
		  c->left.subnets[0].family == AF_INET6 && c->left.subnets[0].prefix == 48);
	ACCEPT("leftid=@gw.example.com",
	       c->left.id.type == DMN_ID_FQDN && !strcmp(c->left.id.str, "gw.example.com"));
	ACCEPT("rightid=alice@example.com", c->right.id.type == DMN_ID_USER_FQDN);
	ACCEPT("rightid=@alice@example.com", c->right.id.type == DMN_ID_USER_FQDN &&
						     !strcmp(c->right.id.str, "alice@example.com"));
	ACCEPT("leftid=192.0.2.1", c->left.id.type == DMN_ID_IPV4);
	ACCEPT("leftid=2001:db8::1", c->left.id.type == DMN_ID_IPV6);
	ACCEPT("rightid=%any", c->right.id.type == DMN_ID_ANY);
	ACCEPT("rightid=\"C=CH, O=Example, CN=gw\"",
	       c->right.id.type == DMN_ID_DN && !strcmp(c->right.id.str, "C=CH, O=Example, CN=gw"));
	ACCEPT("rightid=@#0a0b0c", c->right.id.type == DMN_ID_KEY_ID);
	ACCEPT("rightid=fqdn:gw.example.org", c->right.id.type == DMN_ID_FQDN);
	ACCEPT("rightid=email:bob@example.org", c->right.id.type == DMN_ID_USER_FQDN);
	ACCEPT("rightid=vpn.example.net", c->right.id.type == DMN_ID_FQDN);
	ACCEPT("leftprotoport=17/1701",
	       c->left.proto == 17 && c->left.port_lo == 1701 && c->left.port_hi == 1701);
	ACCEPT("rightprotoport=udp/%any",
	       c->right.proto == 17 && c->right.port_lo == 0 && c->right.port_hi == 65535);
	ACCEPT("leftprotoport=tcp/1000-2000", c->left.port_lo == 1000 && c->left.port_hi == 2000);
	ACCEPT("leftsourceip=10.9.0.1", c->left.sourceip.kind == DMN_ADDR_IP);
	ACCEPT("leftsourceip=%config", c->left.sourceip.kind == DMN_ADDR_CONFIG);
	ACCEPT("leftupdown=/usr/lib/oakley/updown",
	       !strcmp(c->left.updown, "/usr/lib/oakley/updown"));
	ACCEPT("leftfirewall=yes", c->left.firewall);
	ACCEPT("lefthostaccess=yes", c->left.hostaccess);
	ACCEPT("leftnexthop=%defaultroute", c->left.nexthop.kind == DMN_ADDR_DEFAULTROUTE);
	ACCEPT("rightnexthop=192.0.2.254", c->right.nexthop.kind == DMN_ADDR_IP);
	ACCEPT("rightikeport=4501", c->right.ikeport == 4501);
	ACCEPT("leftauth=psk", true);
}

static void setup_keywords(void)
{
	struct dmn_diags d;
	struct dmn_config *c = cfg_parse("config setup\n"
					 "\tuniqueids=replace\n"
					 "\tkeep_alive=30s\n"
					 "\tsecretsfile=/etc/oakley/other.secrets\n"
					 "\tikeport=5500\n"
					 "\tnat-ikeport=5501\n",
					 &d);
	if (CHECK(c != NULL)) {
		CHECK_EQ_INT(c->setup.uniqueids, DMN_UNIQUE_REPLACE);
		CHECK_EQ_INT(c->setup.keep_alive, 30);
		CHECK(!strcmp(c->setup.secretsfile, "/etc/oakley/other.secrets"));
		CHECK_EQ_INT(c->setup.ikeport, 5500);
		CHECK_EQ_INT(c->setup.nat_ikeport, 5501);
		CHECK_EQ_INT(c->n_conns, 0);
	}
	dmn_config_free(c);
	dmn_diags_free(&d);
	c = cfg_parse("config setup\n\tkeep-alive=45\n", &d);
	CHECK(c && c->setup.keep_alive == 45);
	dmn_config_free(c);
	dmn_diags_free(&d);
	EXPECT_ERROR("config setup\n\tuniqueids=maybe\n", 2, "uniqueids: 'maybe'");
	EXPECT_ERROR("config setup\n\tkeep_alive=soon\n", 2, "not a duration");
	EXPECT_ERROR("config setup\n\tikeport=70000\n", 2, "not a port");
}

/* ikesa_limit: the engine's cap on ISAKMP SAs, default PROTO_IKE_SAS_DEFAULT, 1..1000000. */
static void setup_ikesa_limit(void)
{
	struct dmn_diags d;
	struct dmn_config *c = cfg_parse("config setup\n\tuniqueids=yes\n", &d);
	CHECK(c && c->setup.ikesa_limit == PROTO_IKE_SAS_DEFAULT && PROTO_IKE_SAS_DEFAULT == 16384);
	dmn_config_free(c);
	dmn_diags_free(&d);
	c = cfg_parse("config setup\n\tikesa_limit=100000\n", &d);
	CHECK(c && c->setup.ikesa_limit == 100000 && d.n_errors == 0);
	dmn_config_free(c);
	dmn_diags_free(&d);
	c = cfg_parse("config setup\n\tikesa-limit=1000000\n", &d);
	CHECK(c && c->setup.ikesa_limit == PROTO_IKE_SAS_LIMIT && PROTO_IKE_SAS_LIMIT == 1000000);
	dmn_config_free(c);
	dmn_diags_free(&d);
	c = cfg_parse("config setup\n\tikesa_limit=1\n", &d);
	CHECK(c && c->setup.ikesa_limit == 1);
	dmn_config_free(c);
	dmn_diags_free(&d);
	EXPECT_ERROR("config setup\n\tuniqueids=yes\n\tikesa_limit=1000001\n", 3,
		     "ikesa_limit: '1000001' is not a number of ISAKMP SAs from 1 to 1000000");
	EXPECT_ERROR("config setup\n\tikesa-limit=0\n", 2, "ikesa-limit: '0' is not a number");
	EXPECT_ERROR("config setup\n\tikesa_limit=-5\n", 2, "is not a number of ISAKMP SAs");
	EXPECT_ERROR("config setup\n\tikesa_limit=100k\n", 2, "is not a number of ISAKMP SAs");
	EXPECT_ERROR("config setup\n\tikesa_limit=99999999999999999999\n", 2,
		     "is not a number of ISAKMP SAs");
}

/* Every keyword of the tables: stored ones were tested above, ignored ones give a notice naming
 * file:line, unsupported ones an error. */
static void table_coverage(void)
{
	static const char *const names[] = {"conn", "side", "setup"};
	for (int t = 0; t < 3; t++) {
		size_t n;
		const struct cfg_kw *kw = cfg_kw_table(t, &n);
		for (size_t i = 0; i < n; i++) {
			char text[256], key[64];
			snprintf(key, sizeof(key), "%s%s", t == 1 ? "left" : "", kw[i].name);
			if (t == 2)
				snprintf(text, sizeof(text), "config setup\n\t%s=x\n", key);
			else
				snprintf(text, sizeof(text), "conn a\n\t%s=x\n" HOSTS, key);
			if (kw[i].cls == CFG_KW_STORED) {
				bool ok = t == 2 || was_tested(key) ||
					  (t == 1 && was_tested(key + 4));
				char rkey[64];
				snprintf(rkey, sizeof(rkey), "right%s", kw[i].name);
				ok |= t == 1 && was_tested(rkey);
				if (!CHECK(ok))
					fprintf(stderr, "  %s keyword '%s' has no accept test\n",
						names[t], key);
				continue;
			}
			struct dmn_diags d;
			struct dmn_config *c = cfg_parse(text, &d);
			char want[96];
			snprintf(want, sizeof(want), "'%s' %s", key,
				 kw[i].cls == CFG_KW_IGNORED ? "ignored" : "is not supported");
			bool ok = cfg_has(
				&d, kw[i].cls == CFG_KW_IGNORED ? DMN_DIAG_NOTICE : DMN_DIAG_ERROR,
				2, want);
			ok &= kw[i].cls == CFG_KW_IGNORED ? c != NULL : c == NULL;
			if (!CHECK(ok)) {
				fprintf(stderr, "  %s\n", text);
				cfg_show(&d);
			}
			dmn_config_free(c);
			dmn_diags_free(&d);
		}
	}
}

#define BADV(line, sub) EXPECT_ERROR("conn a\n" HOSTS "\t" line "\n", 4, sub)

/* One bad value per value type. */
static void bad_values(void)
{
	BADV("aggressive=maybe", "not yes or no"); /* bool */
	BADV("ikelifetime=8x", "not a duration");  /* duration */
	BADV("ikelifetime=-5", "not a duration");
	BADV("lifetime=99999999999", "not a duration"); /* overflow */
	BADV("lifebytes=12ab", "not a number");		/* counter */
	BADV("lifebytes=99999999999999999999999", "not a number");
	BADV("type=bridge", "type: 'bridge'"); /* choice */
	BADV("dpdaction=explode", "not none, clear, hold or restart");
	BADV("ikev2=sometimes", "ikev2: bad value");
	BADV("fragmentation=maybe", "fragmentation");
	BADV("forceencaps=auto", "not yes or no");
	BADV("lifetimecheck=exact", "not claim or strict");
	BADV("phase2=gre", "not esp or ah");
	BADV("rekeyfuzz=lots", "not a percentage");		 /* percent */
	BADV("keyingtries=forever", "not a number or %forever"); /* count */
	BADV("reqid=0", "not a number from 1");
	BADV("replay_window=100000", "up to 4096");
	BADV("mark=0x1/0xzz", "value[/mask]");		/* mark */
	BADV("if_id_in=-1", "not a number or %unique"); /* if_id */
	BADV("ipsec-interface=0", "from 1");
	BADV("ike=aes128-sha256-modp9999", "unknown algorithm"); /* proposal */
	BADV("esp=aes128gcm16-sha1", "AEAD");
	BADV("authby=foo", "unknown method"); /* auth method */
	BADV("leftauth=pubkey", "psk only");
	BADV("retransmit-interval=0", "milliseconds");
	EXPECT_ERROR("conn a\n\tleft=not_a^host\n\tright=192.0.2.2\n", 2, "not an address");
	EXPECT_ERROR("conn a\n\tleft=192.0.2.1\n\tright=192.0.2.300\n", 3, "not an address");
	BADV("leftnexthop=gw.example.com", "not an address or %defaultroute");
	BADV("leftsourceip=%defaultroute", "not an address or %config");
	BADV("leftsubnet=10.1.0.1/16", "host bits set"); /* subnet */
	BADV("leftsubnet=10.1.0.0/33", "bad prefix length");
	BADV("leftsubnet=10.1.0.9-10.1.0.1", "bad address range");
	BADV("leftsubnet=foo/24", "not an IP address");
	BADV("leftsubnet=10.0.0.0/8[tcp/99999]", "bad [proto/port]");
	BADV("rightsubnet=vhost:", "empty vhost");
	BADV("leftid=%fromcert", "not an ID"); /* id */
	BADV("leftid=@", "not an ID");
	BADV("leftid=ipv4:2001:db8::1", "not an ID");
	BADV("leftprotoport=tcp/http", "not proto[/port]"); /* protoport */
	BADV("leftprotoport=999", "not proto[/port]");
	BADV("leftprotoport=tcp/90-80", "not proto[/port]");
	BADV("leftikeport=0", "not a port number"); /* port */
	BADV("leftfirewall=sometimes", "not yes or no");
}

/* cfg_kw_lookup tries the side table first for leftX/rightX: that is only the same as trying
 * the conn table first while no conn keyword starts with left or right. */
static void no_conn_keyword_looks_like_a_side(void)
{
	size_t n;
	const struct cfg_kw *kw = cfg_kw_table(0, &n);
	for (size_t i = 0; i < n; i++)
		if (!CHECK(strncmp(kw[i].name, "left", 4) != 0 &&
			   strncmp(kw[i].name, "right", 5) != 0))
			fprintf(stderr, "  conn keyword '%s' starts like a side keyword\n",
				kw[i].name);
}

int main(void)
{
	no_conn_keyword_looks_like_a_side();
	conn_keywords();
	side_keywords();
	setup_keywords();
	setup_ikesa_limit();
	table_coverage();
	bad_values();
	return TEST_END();
}
