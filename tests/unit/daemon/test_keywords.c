// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One accept test per stored keyword (checked against the keyword tables, so a new keyword
 * without a test fails here), a notice test per ignored keyword, an error test per unsupported
 * or refused one, a refusal test per family of authentication keywords (XAUTH, Mode Config,
 * certificates and raw keys, IDs) with the values that ask for nothing, and a bad-value test per
 * value type.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "daemon/config_int.h"
#include "proto/consts.h"
#include "proto/ike/engine.h"
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
	ACCEPT("fragment_size=576", c->fragment_size == 576);
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
	ACCEPT("rightid=fqdn:gw.example.org", c->right.id.type == DMN_ID_FQDN);
	ACCEPT("rightid=email:bob@example.org", c->right.id.type == DMN_ID_USER_FQDN);
	ACCEPT("rightid=vpn.example.net", c->right.id.type == DMN_ID_FQDN);
	ACCEPT("leftprotoport=17/1701",
	       c->left.proto == 17 && c->left.port_lo == 1701 && c->left.port_hi == 1701);
	ACCEPT("rightprotoport=udp/%any",
	       c->right.proto == 17 && c->right.port_lo == 0 && c->right.port_hi == 65535);
	ACCEPT("leftprotoport=tcp/1000-2000", c->left.port_lo == 1000 && c->left.port_hi == 2000);
	ACCEPT("leftsourceip=10.9.0.1", c->left.sourceip.kind == DMN_ADDR_IP);
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
		const struct cfg_kw *kw = dmn_cfg_kw_table(t, &n);
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
			if (kw[i].cls == CFG_KW_REFUSED)
				snprintf(want, sizeof(want), "'%s=x' refused: ", key);
			else
				snprintf(want, sizeof(want), "'%s' %s", key,
					 kw[i].cls == CFG_KW_IGNORED ? "ignored"
								     : "is not supported");
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
	BADV("leftauth=bliss", "'leftauth=bliss' refused: raw public keys");
	BADV("retransmit-interval=0", "milliseconds");
	BADV("fragment_size=255", "bytes from 256");
	EXPECT_ERROR("conn a\n\tleft=not_a^host\n\tright=192.0.2.2\n", 2, "not an address");
	EXPECT_ERROR("conn a\n\tleft=192.0.2.1\n\tright=192.0.2.300\n", 3, "not an address");
	BADV("leftnexthop=gw.example.com", "not an address or %defaultroute");
	BADV("leftsourceip=%defaultroute", "not an address");
	BADV("leftsubnet=10.1.0.1/16", "host bits set"); /* subnet */
	BADV("leftsubnet=10.1.0.0/33", "bad prefix length");
	BADV("leftsubnet=10.1.0.9-10.1.0.1", "bad address range");
	BADV("leftsubnet=foo/24", "not an IP address");
	BADV("leftsubnet=10.0.0.0/8[tcp/99999]", "bad [proto/port]");
	BADV("rightsubnet=vhost:", "empty vhost");
	BADV("leftid=@", "not an ID");
	BADV("leftid=ipv4:2001:db8::1", "not an ID");
	BADV("leftprotoport=tcp/http", "not proto[/port]"); /* protoport */
	BADV("leftprotoport=999", "not proto[/port]");
	BADV("leftprotoport=tcp/90-80", "not proto[/port]");
	BADV("leftikeport=0", "not a port number"); /* port */
	BADV("leftfirewall=sometimes", "not yes or no");
}

#define REFUSED(line, sub) EXPECT_ERROR("conn a\n" HOSTS "\t" line "\n", 4, sub)
#define R_XAUTH_SUB	   "refused: XAUTH is not implemented yet"
#define R_MODECFG_SUB	   "refused: Mode Config is not implemented yet"
#define R_CERT_SUB	   "refused: raw public keys, second authentication rounds"

/* Every keyword that adds an authentication round, names a credential or restricts the peers is
 * an error at its file:line naming it and what to write instead (it used to be ignored with a
 * notice, and a remote-access server then ran as a plain group-PSK gateway). */
static void refused_xauth(void)
{
	/* strongSwan */
	REFUSED("rightauth2=xauth", "'rightauth2=xauth' " R_XAUTH_SUB);
	REFUSED("leftauth2=xauth-pam", "'leftauth2=xauth-pam' " R_XAUTH_SUB);
	REFUSED("rightauth=xauth", "'rightauth=xauth' " R_XAUTH_SUB);
	REFUSED("leftauth=xauth-generic", "'leftauth=xauth-generic' " R_XAUTH_SUB);
	REFUSED("xauth=server", "'xauth=server' " R_XAUTH_SUB);
	REFUSED("xauth_identity=alice", "'xauth_identity=alice' " R_XAUTH_SUB);
	REFUSED("authby=xauthpsk", "'authby=xauthpsk' " R_XAUTH_SUB);
	REFUSED("authby=secret|xauthpsk", "'authby=secret|xauthpsk' " R_XAUTH_SUB);
	REFUSED("authby=xauthrsasig", R_XAUTH_SUB);
	/* Libreswan */
	REFUSED("leftxauthserver=yes", "'leftxauthserver=yes' " R_XAUTH_SUB);
	REFUSED("rightxauthclient=yes", "'rightxauthclient=yes' " R_XAUTH_SUB);
	REFUSED("xauthby=alwaysok", "'xauthby=alwaysok' " R_XAUTH_SUB);
	REFUSED("xauthby=file", R_XAUTH_SUB);
	REFUSED("xauthfail=soft", "'xauthfail=soft' " R_XAUTH_SUB);
	REFUSED("leftxauthusername=alice", "'leftxauthusername=alice' " R_XAUTH_SUB);
	REFUSED("leftusername=alice", "'leftusername=alice' " R_XAUTH_SUB);
	REFUSED("pam-authorize=yes", "'pam-authorize=yes' " R_XAUTH_SUB);
	REFUSED("remote-peer-type=cisco", "'remote-peer-type=cisco' " R_XAUTH_SUB);
	REFUSED("rightxauthclient=yes", "give each peer its own PSK");
}

static void refused_modecfg(void)
{
	REFUSED("leftsourceip=%config", "'leftsourceip=%config' " R_MODECFG_SUB);
	REFUSED("leftsourceip=%modecfg", R_MODECFG_SUB);
	REFUSED("rightsourceip=%config4", R_MODECFG_SUB);
	REFUSED("rightsourceip=10.3.0.0/24", "pools and %config need Mode Config");
	REFUSED("rightsourceip=%poolname", "pools and %config need Mode Config");
	REFUSED("rightdns=192.0.2.53", "'rightdns=192.0.2.53' " R_MODECFG_SUB);
	REFUSED("modeconfig=push", "'modeconfig=push' " R_MODECFG_SUB);
	REFUSED("modecfgpull=yes", "'modecfgpull=yes' " R_MODECFG_SUB);
	REFUSED("modecfgdns=192.0.2.53", "'modecfgdns=192.0.2.53' " R_MODECFG_SUB);
	REFUSED("modecfgdomains=example.org", "'modecfgdomains=example.org' " R_MODECFG_SUB);
	REFUSED("modecfgbanner=hello", "'modecfgbanner=hello' " R_MODECFG_SUB);
	REFUSED("leftmodecfgserver=yes", "'leftmodecfgserver=yes' " R_MODECFG_SUB);
	REFUSED("rightmodecfgclient=yes", "'rightmodecfgclient=yes' " R_MODECFG_SUB);
	REFUSED("rightaddresspool=10.3.0.1-10.3.0.99",
		"'rightaddresspool=10.3.0.1-10.3.0.99' " R_MODECFG_SUB);
	REFUSED("cisco-unity=yes", "'cisco-unity=yes' " R_MODECFG_SUB);
	REFUSED("leftgroups=staff", "'leftgroups=staff' refused: group checks need");
	REFUSED("rightgroups2=staff", "refused: group checks need");
}

/* One side keyword applied to a fresh side through its row, as the loader does; returns the
 * number of errors. */
static unsigned apply_side(const char *key, const char *val, struct dmn_side *s,
			   struct cfg_build *b)
{
	int side;
	const struct cfg_kw *kw = dmn_cfg_kw_lookup(key, false, &side);
	struct cfg_kv kv = {.key = (char *)key,
			    .val = (char *)val,
			    .file = "t.conf",
			    .kw = kw,
			    .line = 7,
			    .side = side};
	mark_tested(key);
	if (!CHECK(kw && kw->apply))
		return 1;
	CHECK_EQ_INT(kw->apply(b, s, kw, &kv), 0);
	return b->d->n_errors;
}

/* The certificate keywords are parsed into the side (daemon/config_certs.c), and the conn is then
 * refused while oakleyd cannot authenticate with certificates. */
static void cert_keywords(void)
{
	struct dmn_diags d = {0};
	struct cfg_build b = {.d = &d};
	struct dmn_side s = {0};
	CHECK_EQ_INT(apply_side("leftcert", "gw.pem", &s, &b), 0);
	CHECK(s.cert && !strcmp(s.cert, "gw.pem"));
	CHECK_EQ_INT(apply_side("rightca", "C=CH, O=Example, CN=*", &s, &b), 0);
	CHECK(s.ca && !strcmp(s.ca, "C=CH, O=Example, CN=*") && !s.ca_same);
	CHECK_EQ_INT(apply_side("rightca", "%same", &s, &b), 0);
	CHECK(s.ca_same);
	CHECK_EQ_INT(apply_side("leftsendcert", "always", &s, &b), 0);
	CHECK_EQ_INT(s.sendcert, DMN_SENDCERT_ALWAYS);
	CHECK_EQ_INT(apply_side("leftsendcert", "sendifasked", &s, &b), 0);
	CHECK_EQ_INT(s.sendcert, DMN_SENDCERT_IFASKED);
	CHECK_EQ_INT(apply_side("leftrsasigkey", "%cert", &s, &b), 0);
	CHECK(s.sigkey_cert);
	CHECK_EQ_INT(b.n_cert_kv, 4); /* cert, ca twice, sendcert=always (sigkey is the 5th) */
	CHECK_EQ_INT(apply_side("leftsendcert", "sometimes", &s, &b), 1);
	CHECK_EQ_INT(apply_side("leftca", "Example CA", &s, &b), 2);
	free(s.cert);
	free(s.cert_file);
	free(s.ca);
	dmn_diags_free(&d);
	/* the conn: a certificate without authby= authenticates with it (both other daemons'
	 * default); authby=secret keeps PSK and says the certificate is unused */
	ACCEPT("leftcert=gw.pem",
	       c->left.cert && !strcmp(c->left.cert, "gw.pem") && c->auth == DMN_AUTH_PUBKEY);
	ACCEPT("rightcert=peer.pem", c->right.cert && c->auth == DMN_AUTH_PUBKEY);
	ACCEPT("leftca=\"C=CH, CN=ca\"", c->left.ca && !strcmp(c->left.ca, "C=CH, CN=ca"));
	ACCEPT("rightca=%same", c->right.ca_same);
	ACCEPT("leftsendcert=always", c->left.sendcert == DMN_SENDCERT_ALWAYS);
	ACCEPT("leftrsasigkey=%cert", c->left.sigkey_cert);
	ACCEPT("leftid=%fromcert", c->left.id.type == DMN_ID_DEFAULT);
	ACCEPT("authby=rsasig", c->auth == DMN_AUTH_RSA);
	ACCEPT("authby=ecdsasig", c->auth == DMN_AUTH_ECDSA);
	ACCEPT("authby=pubkey", c->auth == DMN_AUTH_PUBKEY);
	ACCEPT("leftauth=pubkey", c->auth == DMN_AUTH_PUBKEY);
	ACCEPT("authby=secret|rsasig", c->auth == DMN_AUTH_PSK);
	ACCEPT("rightid=\"C=CH, O=Example, CN=*\"\n\tauthby=pubkey",
	       c->right.id.type == DMN_ID_DN && c->auth == DMN_AUTH_PUBKEY);
	struct dmn_config *cfg =
		cfg_parse("conn a\n" HOSTS "\tauthby=secret\n\tleftcert=gw.pem\n", &d);
	CHECK(cfg && cfg->n_conns == 1 && cfg->conns[0]->auth == DMN_AUTH_PSK);
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 5, "unused: authby= uses pre-shared keys"));
	dmn_config_free(cfg);
	dmn_diags_free(&d);
	/* Libreswan's NSS nickname: named as such, with the file oakley reads instead */
	cfg = cfg_parse("version 2.0\nconn a\n" HOSTS "\tleftcert=\"East Cert\"\n", &d);
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 5, "is an NSS nickname in Libreswan"));
	CHECK(cfg_has(&d, DMN_DIAG_NOTICE, 5, "ipsec.d/certs/East Cert.pem"));
	CHECK(cfg && cfg->n_conns == 1 && cfg->conns[0]->left.cert &&
	      !strcmp(cfg->conns[0]->left.cert, "East Cert.pem"));
	dmn_config_free(cfg);
	dmn_diags_free(&d);
	/* a DN ID needs certificates */
	EXPECT_ERROR("conn a\n" HOSTS "\tauthby=secret\n\trightid=\"C=CH, CN=peer\"\n", 5,
		     "refused: distinguished-name IDs");
}

static void refused_certs(void)
{
	REFUSED("leftcert2=gw.pem", R_CERT_SUB);
	REFUSED("rightca2=%same", R_CERT_SUB);
	REFUSED("leftrsasigkey=0sAQOoaQ", "'leftrsasigkey=0sAQOoaQ' " R_CERT_SUB);
	REFUSED("rightsigkey=peer.pub", R_CERT_SUB);
	REFUSED("leftpubkey=0sAQOoaQ", "'leftpubkey=0sAQOoaQ' " R_CERT_SUB);
	REFUSED("leftckaid=0a0b0c", "'leftckaid=0a0b0c' " R_CERT_SUB);
	REFUSED("rightcert_policy=1.3.6.1", "'rightcert_policy=1.3.6.1' " R_CERT_SUB);
	REFUSED("require-id-on-certificate=no", "'require-id-on-certificate=no' " R_CERT_SUB);
	/* IDs the engine cannot send or match yet (ike_conn.c id_to_proto): refused at load, not
	 * at `oakley up` with "ID type not supported yet"; a DN needs a certificate */
	REFUSED("leftid=\"C=CH, O=Example, CN=gw\"",
		"'leftid=C=CH, O=Example, CN=gw' refused: distinguished-name IDs are not "
		"implemented yet");
	REFUSED("rightid=\"C=CH, CN=peer\"", "refused: distinguished-name IDs");
	REFUSED("rightid=asn1dn:CN=peer", "refused: distinguished-name IDs");
	REFUSED("rightid=@#0a0b0c", "'rightid=@#0a0b0c' refused: KEY_ID IDs are not implemented");
	REFUSED("leftid=keyid:abcd", "refused: KEY_ID IDs");
	REFUSED("rightid=@#0a0b0c", "use an address, @fqdn or user@fqdn");
	/* config setup: revocation strictness restricts the peers */
	EXPECT_ERROR("config setup\n\tstrictcrlpolicy=yes\n", 2,
		     "'strictcrlpolicy=yes' refused: a strict revocation policy");
	EXPECT_ERROR("config setup\n\tstrictcrlpolicy=ifuri\n", 2, "refused");
	EXPECT_ERROR("config setup\n\tcrl-strict=yes\n", 2, "'crl-strict=yes' refused");
	EXPECT_ERROR("config setup\n\tocsp-strict=yes\n", 2, "'ocsp-strict=yes' refused");
}

/* The remote-access server of issue 15 (Libreswan): refused at each of its lines, not loaded as
 * a group-PSK gateway. */
static void refused_remote_access_server(void)
{
	static const char text[] = "conn xauth-psk\n"				 /* 1 */
				   "\tauthby=secret\n"				 /* 2 */
				   "\tikev2=no\n"				 /* 3 */
				   "\tleft=%defaultroute\n"			 /* 4 */
				   "\tleftxauthserver=yes\n"			 /* 5 */
				   "\tleftmodecfgserver=yes\n"			 /* 6 */
				   "\tright=%any\n"				 /* 7 */
				   "\trightxauthclient=yes\n"			 /* 8 */
				   "\trightmodecfgclient=yes\n"			 /* 9 */
				   "\trightaddresspool=192.0.2.10-192.0.2.250\n" /* 10 */
				   "\txauthby=file\n"				 /* 11 */
				   "\tmodecfgdns=192.0.2.53\n"			 /* 12 */
				   "\tmodecfgpull=yes\n"			 /* 13 */
				   "\tcisco-unity=yes\n"			 /* 14 */
				   "\tauto=add\n";
	struct dmn_diags d;
	struct dmn_config *c = cfg_parse(text, &d);
	CHECK(c == NULL);
	static const unsigned lines[] = {5, 6, 8, 9, 10, 11, 12, 13, 14};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!CHECK(cfg_has(&d, DMN_DIAG_ERROR, lines[i], "refused: ")))
			fprintf(stderr, "  line %u not refused\n", lines[i]);
	CHECK_EQ_INT(d.n_errors, 9);
	dmn_config_free(c);
	dmn_diags_free(&d);
}

/* The values that ask for nothing load, with a notice at their line. */
static void harmless_values(void)
{
	static const char *const lines[] = {
		"leftxauthserver=no",	"rightxauthclient=no",
		"leftmodecfgserver=no", "rightmodecfgclient=no",
		"modecfgpull=no",	"cisco-unity=no",
		"pam-authorize=no",	"remote-peer-type=ietf",
		"leftsendcert=never",	"rightsendcert=no",
		"leftsendcert=ifasked", "leftrsasigkey=%none",
		"rightsigkey=%none",	"rightcert=",
		"leftauth=secret",	"authby=secret|rsasig",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), "conn a\n" HOSTS "\t%s\n", lines[i]);
		struct dmn_diags d;
		struct dmn_config *c = cfg_parse(text, &d);
		if (!CHECK(c && c->n_conns == 1 && d.n_errors == 0)) {
			fprintf(stderr, "  %s\n", lines[i]);
			cfg_show(&d);
		}
		dmn_config_free(c);
		dmn_diags_free(&d);
	}
	struct dmn_diags d;
	struct dmn_config *c = cfg_parse("config setup\n\tstrictcrlpolicy=no\n\tcrl-strict=no\n"
					 "\tocsp-strict=no\n",
					 &d);
	CHECK(c && d.n_errors == 0 &&
	      cfg_has(&d, DMN_DIAG_NOTICE, 2, "'strictcrlpolicy=no' ignored"));
	dmn_config_free(c);
	dmn_diags_free(&d);
}

/* fragmentation= acts (IKE fragmentation, enum proto_ike_frag_mode): no notice for any value,
 * and no keyword at all means yes, as in strongSwan and Libreswan. */
static void fragmentation_values(void)
{
	static const struct {
		const char *text;
		enum dmn_tristate v;
	} cases[] = {
		{"conn a\n" HOSTS "\tfragmentation=yes\n", DMN_YES},
		{"conn a\n" HOSTS "\tike_frag=force\n", DMN_FORCE},
		{"conn a\n" HOSTS "\tfragmentation=accept\n", DMN_AUTO_DEFAULT},
		{"conn a\n" HOSTS "\tfragmentation=no\n", DMN_NO},
		{"conn a\n" HOSTS, DMN_YES},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dmn_diags d;
		struct dmn_config *c = cfg_parse(cases[i].text, &d);
		bool said = cfg_has(&d, DMN_DIAG_NOTICE, 4, "fragment");
		if (!CHECK(c && d.n_errors == 0 && !said && c->n_conns == 1 &&
			   c->conns[0]->fragmentation == cases[i].v))
			fprintf(stderr, "  fragmentation case %zu\n", i);
		dmn_config_free(c);
		dmn_diags_free(&d);
	}
}

/* dmn_cfg_kw_lookup tries the side table first for leftX/rightX: that is only the same as trying
 * the conn table first while no conn keyword starts with left or right. */
static void no_conn_keyword_looks_like_a_side(void)
{
	size_t n;
	const struct cfg_kw *kw = dmn_cfg_kw_table(0, &n);
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
	cert_keywords(); /* before table_coverage: it marks the rows tested */
	table_coverage();
	fragmentation_values();
	bad_values();
	refused_xauth();
	refused_modecfg();
	refused_certs();
	refused_remote_access_server();
	harmless_values();
	return TEST_END();
}
