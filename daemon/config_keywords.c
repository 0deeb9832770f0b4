// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every ipsec.conf keyword oakley knows, from strongSwan's starter and from Libreswan, with its
 * class (stored / ignored with a notice / refused), and the value parsers that fill struct
 * dmn_conn and struct dmn_setup. The tables below are the documentation of what is accepted;
 * tests/unit/daemon/test_keywords.c has an accept test per stored keyword and a bad-value test per
 * value type.
 */
#include "daemon/config_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/consts.h"
#include "proto/ike/ike.h"

enum slot {
	/* conn: the order is the order of application (see cfg_conn_apply's callers) */
	S_AUTO,
	S_TYPE,
	S_KEYEXCHANGE,
	S_IKEV2,
	S_AUTHBY,
	S_AGGRESSIVE,
	S_ALLOW_WEAK,
	S_IKE,
	S_ESP,
	S_AH,
	S_PHASE2,
	S_PFS,
	S_PFSGROUP,
	S_IKELIFETIME,
	S_LIFETIME,
	S_LIFEBYTES,
	S_LIFEPACKETS,
	S_MARGINBYTES,
	S_MARGINPACKETS,
	S_REKEYMARGIN,
	S_REKEYFUZZ,
	S_KEYINGTRIES,
	S_REKEY,
	S_REAUTH,
	S_DPDDELAY,
	S_DPDTIMEOUT,
	S_DPDACTION,
	S_CLOSEACTION,
	S_INACTIVITY,
	S_REQID,
	S_MARK,
	S_MARK_IN,
	S_MARK_OUT,
	S_IPSEC_INTERFACE,
	S_IF_ID_IN,
	S_IF_ID_OUT,
	S_ENCAPS,
	S_LIFETIMECHECK,
	S_FRAGMENTATION,
	S_COMPRESS,
	S_INSTALLPOLICY,
	S_INITIAL_CONTACT,
	S_REPLAY_WINDOW,
	S_RETRANSMIT_TIMEOUT,
	S_RETRANSMIT_INTERVAL,
	S_ALSO,
	S__CONN_MAX,
	/* side keywords, relative to CFG_SLOT_SIDE0 + side * CFG_SIDE_SLOTS */
	SS_HOST = 0,
	SS_SUBNET,
	SS_ID,
	SS_PROTOPORT,
	SS_SOURCEIP,
	SS_UPDOWN,
	SS_FIREWALL,
	SS_HOSTACCESS,
	SS_NEXTHOP,
	SS_IKEPORT,
	SS_AUTH,
	SS__MAX,
	/* config setup */
	U_UNIQUEIDS = 0,
	U_KEEPALIVE,
	U_SECRETSFILE,
	U_IKEPORT,
	U_NAT_IKEPORT,
	U_IKESA_LIMIT,
};

#define CFG_SLOT_SIDE0 64
#define CFG_SIDE_SLOTS 16
#define SLOT_NONE      (CFG_SLOTS_MAX - 1)

_Static_assert(S__CONN_MAX <= CFG_SLOT_SIDE0, "conn slots overlap side slots");
_Static_assert(SS__MAX <= CFG_SIDE_SLOTS, "too many side slots");
_Static_assert(CFG_SLOT_SIDE0 + 2 * CFG_SIDE_SLOTS < SLOT_NONE, "slot table too small");

#define ST(name, slot)                                                                             \
	{                                                                                          \
		name, slot, CFG_KW_STORED, NULL                                                    \
	}
#define IG(name, why)                                                                              \
	{                                                                                          \
		name, SLOT_NONE, CFG_KW_IGNORED, why                                               \
	}
#define UN(name, why)                                                                              \
	{                                                                                          \
		name, SLOT_NONE, CFG_KW_UNSUPPORTED, why                                           \
	}

#define RF(name, why)                                                                              \
	{                                                                                          \
		name, SLOT_NONE, CFG_KW_REFUSED, why                                               \
	}

#define W_V2	 "it only applies to IKEv2"
#define W_CERT	 "oakley authenticates with pre-shared keys only, no certificates or raw keys"
#define W_OTHER	 "it configures another daemon's internals"
#define W_KERNEL "oakley leaves this kernel/interface tuning to the system"

/* conn keywords (strongSwan starter ipsec.conf(5) and Libreswan ipsec.conf(5), IKEv1 subset) */
static const struct cfg_kw conn_kws[] = {
	ST("also", S_ALSO),
	ST("auto", S_AUTO),
	ST("type", S_TYPE),
	ST("keyexchange", S_KEYEXCHANGE),
	ST("ikev2", S_IKEV2),
	ST("authby", S_AUTHBY),
	ST("aggressive", S_AGGRESSIVE),	       /* strongSwan */
	ST("aggrmode", S_AGGRESSIVE),	       /* Libreswan */
	ST("allow-weak-crypto", S_ALLOW_WEAK), /* oakley's own opt-in */
	ST("ike", S_IKE),
	ST("ikealg", S_IKE), /* Libreswan alias */
	ST("esp", S_ESP),
	ST("phase2alg", S_ESP), /* Libreswan */
	ST("ah", S_AH),
	ST("phase2", S_PHASE2), /* Libreswan: esp|ah */
	ST("auth", S_PHASE2),	/* FreeS/WAN-era spelling of phase2 */
	ST("pfs", S_PFS),
	ST("pfsgroup", S_PFSGROUP), /* Libreswan (deprecated there) */
	ST("ikelifetime", S_IKELIFETIME),
	ST("lifetime", S_LIFETIME),
	ST("keylife", S_LIFETIME),
	ST("salifetime", S_LIFETIME),
	ST("lifebytes", S_LIFEBYTES),
	ST("lifepackets", S_LIFEPACKETS),
	ST("marginbytes", S_MARGINBYTES),
	ST("marginpackets", S_MARGINPACKETS),
	ST("rekeymargin", S_REKEYMARGIN),
	ST("margintime", S_REKEYMARGIN),
	ST("rekeyfuzz", S_REKEYFUZZ),
	ST("keyingtries", S_KEYINGTRIES),
	ST("rekey", S_REKEY),
	ST("reauth", S_REAUTH),
	ST("dpddelay", S_DPDDELAY),
	ST("dpdtimeout", S_DPDTIMEOUT),
	ST("dpdaction", S_DPDACTION),
	ST("closeaction", S_CLOSEACTION),
	ST("inactivity", S_INACTIVITY),
	ST("reqid", S_REQID),
	ST("mark", S_MARK),
	ST("mark_in", S_MARK_IN),
	ST("mark_out", S_MARK_OUT),
	ST("mark-in", S_MARK_IN),		  /* Libreswan */
	ST("mark-out", S_MARK_OUT),		  /* Libreswan */
	ST("ipsec-interface", S_IPSEC_INTERFACE), /* Libreswan */
	ST("if_id_in", S_IF_ID_IN),
	ST("if_id_out", S_IF_ID_OUT),
	ST("forceencaps", S_ENCAPS),	      /* strongSwan */
	ST("encapsulation", S_ENCAPS),	      /* Libreswan */
	ST("lifetimecheck", S_LIFETIMECHECK), /* oakley: racoon's proposal_check, in part */
	ST("fragmentation", S_FRAGMENTATION),
	ST("ike_frag", S_FRAGMENTATION), /* Libreswan 3.x */
	ST("compress", S_COMPRESS),
	ST("installpolicy", S_INSTALLPOLICY),
	ST("initial-contact", S_INITIAL_CONTACT),
	ST("replay_window", S_REPLAY_WINDOW),
	ST("replay-window", S_REPLAY_WINDOW),
	ST("retransmit-timeout", S_RETRANSMIT_TIMEOUT),
	ST("retransmit-interval", S_RETRANSMIT_INTERVAL),
	IG("mobike", W_V2),
	IG("eap", W_V2),
	IG("eap_identity", W_V2),
	IG("aaa_identity", W_V2),
	IG("ppk", W_V2),
	IG("narrowing", W_V2),
	IG("ikepad", W_V2),
	IG("ms-dh-downgrade", W_V2),
	IG("me_peerid", W_V2),
	IG("mediation", W_V2),
	IG("mediated_by", W_V2),
	IG("childless", W_V2),
	RF("xauth", R_XAUTH),
	RF("xauth_identity", R_XAUTH),
	RF("xauthby", R_XAUTH),
	RF("xauthfail", R_XAUTH),
	RF("modeconfig", R_MODECFG),
	RF("modecfgpull", R_MODECFG),
	RF("modecfgdns", R_MODECFG),
	RF("modecfgdomains", R_MODECFG),
	RF("modecfgbanner", R_MODECFG),
	RF("remote-peer-type", R_XAUTH),
	RF("cisco-unity", R_MODECFG),
	IG("nm-configured", W_OTHER),
	IG("fake-strongswan", W_OTHER),
	IG("send-vendorid", W_OTHER),
	IG("sha256_96", W_OTHER),
	IG("sha2-truncbug", W_OTHER),
	IG("sareftrack", W_OTHER),
	IG("connaddrfamily", "the address family follows from the addresses"),
	IG("hostaddrfamily", "the address family follows from the addresses"),
	IG("clientaddrfamily", "the address family follows from the addresses"),
	IG("ikev1-natt", "oakley speaks RFC 3947 NAT-T and its drafts"),
	IG("nat-keepalive", "keepalives follow config setup keep_alive"),
	IG("tfc", W_KERNEL),
	IG("send-no-esp-tfc", W_KERNEL),
	IG("hw_offload", W_KERNEL),
	IG("nic-offload", W_KERNEL),
	IG("metric", W_KERNEL),
	IG("mtu", W_KERNEL),
	IG("priority", W_KERNEL),
	IG("nopmtudisc", W_KERNEL),
	IG("decap-dscp", W_KERNEL),
	IG("vti-interface", W_KERNEL),
	IG("vti-routing", W_KERNEL),
	IG("vti-shared", W_KERNEL),
	IG("esn", "write -esn in esp= instead"),
	IG("ikedscp", W_KERNEL),
	IG("nflog-group", W_KERNEL),
	IG("failureshunt", "oakley installs no shunt policies"),
	IG("negotiationshunt", "oakley installs no shunt policies"),
	IG("connalias", W_OTHER),
	RF("pam-authorize", R_XAUTH),
	RF("require-id-on-certificate", R_CERT),
	IG("enable-tcp", W_V2),
	IG("tcp-remoteport", W_V2),
	IG("accept-redirect", W_V2),
	IG("accept-redirect-to", W_V2),
	IG("send-redirect", W_V2),
	IG("intermediate", W_V2),
	UN("policy-label", "labeled IPsec is not implemented"),
	UN("labeled-ipsec", "labeled IPsec is not implemented"),
	UN("overlapip", "overlapping addresses are not implemented"),
};

/* left... / right... keywords */
static const struct cfg_kw side_kws[] = {
	ST("", SS_HOST),
	ST("subnet", SS_SUBNET),
	ST("subnets", SS_SUBNET), /* Libreswan: {a b} or "a,b" */
	ST("id", SS_ID),
	ST("protoport", SS_PROTOPORT),
	ST("sourceip", SS_SOURCEIP),
	ST("updown", SS_UPDOWN),
	ST("firewall", SS_FIREWALL),
	ST("hostaccess", SS_HOSTACCESS),
	ST("nexthop", SS_NEXTHOP),
	ST("ikeport", SS_IKEPORT),
	ST("auth", SS_AUTH),
	RF("auth2", R_XAUTH),
	RF("cert", R_CERT),
	RF("cert2", R_CERT),
	RF("ca", R_CERT),
	RF("ca2", R_CERT),
	RF("sendcert", R_CERT),
	RF("rsasigkey", R_CERT),
	RF("sigkey", R_CERT),
	RF("pubkey", R_CERT),
	RF("ckaid", R_CERT),
	RF("groups", R_GROUPS),
	RF("groups2", R_GROUPS),
	RF("cert_policy", R_CERT),
	IG("id2", W_V2),
	IG("allowany", "oakley always requires the configured peer address unless it is %any"),
	RF("dns", R_MODECFG),
	RF("xauthserver", R_XAUTH),
	RF("xauthclient", R_XAUTH),
	RF("xauthusername", R_XAUTH),
	RF("username", R_XAUTH),
	RF("modecfgserver", R_MODECFG),
	RF("modecfgclient", R_MODECFG),
	RF("addresspool", R_MODECFG),
	IG("vti", W_KERNEL),
	IG("interface-ip", W_KERNEL),
};

/* config setup */
static const struct cfg_kw setup_kws[] = {
	ST("uniqueids", U_UNIQUEIDS),
	ST("keep_alive", U_KEEPALIVE), /* strongSwan 4 */
	ST("keep-alive", U_KEEPALIVE), /* Libreswan */
	ST("secretsfile", U_SECRETSFILE),
	ST("ikeport", U_IKEPORT),
	ST("nat-ikeport", U_NAT_IKEPORT),
	ST("ikesa_limit", U_IKESA_LIMIT), /* strongSwan's charon.ikesa_limit */
	ST("ikesa-limit", U_IKESA_LIMIT),
	IG("charondebug", W_OTHER),
	IG("plutodebug", W_OTHER),
	IG("klipsdebug", W_OTHER),
	IG("charonstart", W_OTHER),
	IG("plutostart", W_OTHER),
	IG("protostack", "oakley always uses the kernel's XFRM stack"),
	IG("nat_traversal", "NAT-T (RFC 3947) is always on in oakley"),
	IG("nat-traversal", "NAT-T (RFC 3947) is always on in oakley"),
	IG("force_keepalive", "keepalives are sent whenever a NAT is detected"),
	IG("virtual_private", "vhost:/vnet: subnets are checked against their own list"),
	IG("virtual-private", "vhost:/vnet: subnets are checked against their own list"),
	IG("listen-tcp", "oakley speaks IKE over UDP only"),
	IG("listen-udp", "oakley always listens on UDP"),
	IG("ike-socket-bufsize", W_OTHER),
	IG("ike-socket-errqueue", W_OTHER),
	IG("statsbin", W_OTHER),
	IG("audit-log", W_OTHER),
	RF("crl-strict", R_CRL),
	IG("fragicmp", W_KERNEL),
	IG("hidetos", W_KERNEL),
	IG("overridemtu", W_KERNEL),
	IG("nflog-all", W_KERNEL),
	IG("xfrmlifetime", W_KERNEL),
	IG("interfaces", "oakley listens on every address"),
	IG("listen", "oakley listens on every address"),
	IG("cachecrls", W_CERT),
	RF("strictcrlpolicy", R_CRL),
	IG("crlcheckinterval", W_CERT),
	IG("nocrsend", W_CERT),
	IG("ocsp-enable", W_CERT),
	RF("ocsp-strict", R_CRL),
	IG("ocsp-timeout", W_CERT),
	IG("ocsp-uri", W_CERT),
	IG("curl-iface", W_CERT),
	IG("curl-timeout", W_CERT),
	IG("nssdir", W_CERT),
	IG("ipsecdir", W_OTHER),
	IG("dumpdir", W_OTHER),
	IG("logfile", "oakley logs to stderr/journal"),
	IG("logtime", "oakley logs to stderr/journal"),
	IG("logappend", "oakley logs to stderr/journal"),
	IG("logip", "oakley logs to stderr/journal"),
	IG("plutostderrlog", "oakley logs to stderr/journal"),
	IG("syslog", "oakley logs to stderr/journal"),
	IG("nhelpers", "oakley sizes its worker pool from the CPU count"),
	IG("seedbits", W_OTHER),
	IG("ddos-mode", W_OTHER),
	IG("ddos-ike-threshold", W_OTHER),
	IG("max-halfopen-ike", W_OTHER),
	IG("dnssec-enable", W_OTHER),
	IG("shuntlifetime", W_OTHER),
	IG("ikev1-policy", "oakley is an IKEv1 daemon"),
	IG("myid", "set leftid= in each conn"),
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Each table's entries in a hash table by name, made on first use, so that a lookup (one per
 * line of every conn: tens of thousands for a large config) costs one hash and one strcmp. */
struct kw_index {
	struct cfg_names names;
	bool failed; /* out of memory: search the table itself */
};

static const struct cfg_kw *find(struct kw_index *ix, const struct cfg_kw *t, size_t n,
				 const char *key)
{
	if (!ix->names.cap && !ix->failed) {
		for (size_t i = 0; i < n && !ix->failed; i++)
			/* -EEXIST keeps the first row of a name, as the table walk would */
			ix->failed = cfg_names_put(&ix->names, t[i].name, &t[i], NULL) == -ENOMEM;
		if (ix->failed)
			cfg_names_free(&ix->names);
	}
	if (ix->failed) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(t[i].name, key) == 0)
				return &t[i];
		return NULL;
	}
	return cfg_names_get(&ix->names, key);
}

static struct kw_index setup_ix, conn_ix, side_ix;

const struct cfg_kw *cfg_kw_lookup(const char *key, bool setup, int *ret_side)
{
	*ret_side = -1;
	if (setup)
		return find(&setup_ix, setup_kws, N_OF(setup_kws), key);
	/* leftX/rightX first: no conn keyword starts with left or right (test_keywords checks),
	 * so a side keyword is found with one lookup, not after a miss in the conn table */
	int side = strncmp(key, "left", 4) == 0 ? 0 : strncmp(key, "right", 5) == 0 ? 1 : -1;
	if (side >= 0) {
		const struct cfg_kw *kw =
			find(&side_ix, side_kws, N_OF(side_kws), key + (side ? 5 : 4));
		if (kw) {
			*ret_side = side;
			return kw;
		}
	}
	return find(&conn_ix, conn_kws, N_OF(conn_kws), key);
}

const struct cfg_kw *cfg_kw_table(int which, size_t *ret_n)
{
	switch (which) {
	case 0:
		*ret_n = N_OF(conn_kws);
		return conn_kws;
	case 1:
		*ret_n = N_OF(side_kws);
		return side_kws;
	default:
		*ret_n = N_OF(setup_kws);
		return setup_kws;
	}
}

unsigned cfg_kw_slot(const struct cfg_kw *kw, int side)
{
	if (kw->slot == SLOT_NONE || side < 0)
		return kw->slot;
	return CFG_SLOT_SIDE0 + (unsigned)side * CFG_SIDE_SLOTS + kw->slot;
}

static const struct cfg_choice auto_choices[] = {
	{"add", DMN_AUTO_ADD},
	{"start", DMN_AUTO_START},
	{"up", DMN_AUTO_START},
	{"route", DMN_AUTO_ROUTE},
	{"trap", DMN_AUTO_ROUTE},
	{"ondemand", DMN_AUTO_ONDEMAND},
	{"keep", DMN_AUTO_KEEP},
	{"ignore", -1},
	{NULL, 0},
};
static const struct cfg_choice type_choices[] = {
	{"tunnel", DMN_TYPE_TUNNEL},
	{"transport", DMN_TYPE_TRANSPORT},
	{"transport_proxy", DMN_TYPE_TRANSPORT},
	{"passthrough", DMN_TYPE_PASS},
	{"pass", DMN_TYPE_PASS},
	{"drop", DMN_TYPE_DROP},
	{"reject", DMN_TYPE_REJECT},
	{NULL, 0},
};
static const struct cfg_choice dpd_choices[] = {
	{"none", DMN_DPD_NONE},	      {"clear", DMN_DPD_CLEAR}, {"hold", DMN_DPD_HOLD},
	{"restart", DMN_DPD_RESTART}, {"trap", DMN_DPD_HOLD},	{NULL, 0},
};
/* keyexchange: 1 = IKEv1 ok, 2 = IKEv2 only, 3 = both (notice) */
static const struct cfg_choice kex_choices[] = {
	{"ikev1", 1},
	{"ike", 3},
	{"ikev2", 2},
	{NULL, 0},
};
static const struct cfg_choice ikev2_choices[] = {
	{"no", 1},  {"never", 1},  {"permit", 3}, {"propose", 3},
	{"yes", 2}, {"insist", 2}, {NULL, 0},
};
static const struct cfg_choice encaps_choices[] = {
	{"yes", DMN_FORCE},
	{"no", DMN_NO},
	{"auto", DMN_AUTO_DEFAULT},
	{NULL, 0},
};
static const struct cfg_choice lifecheck_choices[] = {
	{"claim", 0},
	{"strict", 1},
	{NULL, 0},
};
static const struct cfg_choice frag_choices[] = {
	{"yes", DMN_YES},     {"no", DMN_NO}, {"accept", DMN_AUTO_DEFAULT},
	{"force", DMN_FORCE}, {NULL, 0},
};
static const struct cfg_choice uniq_choices[] = {
	{"yes", DMN_UNIQUE_YES},	 {"no", DMN_UNIQUE_NO},	    {"never", DMN_UNIQUE_NEVER},
	{"replace", DMN_UNIQUE_REPLACE}, {"keep", DMN_UNIQUE_KEEP}, {NULL, 0},
};

void cfg_conn_defaults(struct dmn_conn *c)
{
	c->autostart = DMN_AUTO_ADD;
	c->type = DMN_TYPE_TUNNEL;
	c->rekey = true;
	c->reauth = true;
	c->installpolicy = true;
	c->initial_contact = true;
	c->encaps = DMN_AUTO_DEFAULT;
	c->fragmentation = DMN_AUTO_DEFAULT;
	c->pfs = DMN_PFS_DEFAULT;
	c->ikelifetime = 3 * 3600;
	c->lifetime = 3600;
	c->rekeymargin = 9 * 60;
	c->rekeyfuzz = 100;
	c->keyingtries = 3;
	c->dpdtimeout = 150;
	c->dpdaction = DMN_DPD_NONE;
	c->closeaction = DMN_DPD_NONE;
	c->replay_window = 32;
	c->retransmit_timeout = 60;
	c->retransmit_interval = 500;
}

void cfg_setup_defaults(struct dmn_setup *s)
{
	memset(s, 0, sizeof(*s));
	s->uniqueids = DMN_UNIQUE_YES;
	s->keep_alive = 20;
	s->ikeport = 500;
	s->nat_ikeport = 4500;
	s->ikesa_limit = PROTO_IKE_SAS_DEFAULT;
}

#define BAD(b, kv, ...) dmn_diag_add((b)->d, DMN_DIAG_ERROR, (kv)->file, (kv)->line, __VA_ARGS__)

/* Parses an address into *a, replacing (and freeing) what was there only on success. */
static int side_addr(const char *v, bool sourceip, struct dmn_addr *a)
{
	struct dmn_addr t = {0};
	int r = cfg_parse_addr(v, sourceip, &t);
	if (r == 0) {
		free(a->host);
		*a = t;
	}
	return r;
}

/* Applies a side keyword. Returns 0 (errors are in b->d) or -ENOMEM. */
static int side_apply(struct cfg_build *b, struct dmn_side *s, unsigned slot,
		      const struct cfg_kv *kv)
{
	const char *v = kv->val, *why = "bad value";
	int r = 0, e;
	uint32_t n = 0;
	switch (slot) {
	case SS_HOST:
		if ((e = side_addr(v, false, &s->host)) == -ENOMEM)
			return e;
		if (e < 0 || s->host.kind == DMN_ADDR_CONFIG)
			BAD(b, kv, "%s: '%s' is not an address, %%any, %%defaultroute or hostname",
			    kv->key, v);
		break;
	case SS_NEXTHOP:
		if ((e = side_addr(v, false, &s->nexthop)) == -ENOMEM)
			return e;
		if (e < 0 || s->nexthop.kind == DMN_ADDR_HOSTNAME)
			BAD(b, kv, "%s: '%s' is not an address or %%defaultroute", kv->key, v);
		break;
	case SS_SOURCEIP:
		if ((e = side_addr(v, true, &s->sourceip)) == -ENOMEM)
			return e;
		if (e == 0 && s->sourceip.kind == DMN_ADDR_CONFIG)
			BAD(b, kv, "'%s=%s' refused: %s", kv->key, v, R_MODECFG);
		else if (e < 0 || s->sourceip.kind == DMN_ADDR_HOSTNAME ||
			 s->sourceip.kind == DMN_ADDR_DEFAULTROUTE)
			BAD(b, kv,
			    "%s: '%.64s' is not an address (pools and %%config need Mode Config, "
			    "not implemented yet)",
			    kv->key, v);
		break;
	case SS_SUBNET:
		r = cfg_parse_subnets(v, s, &why);
		if (r == -EINVAL) {
			BAD(b, kv, "%s: '%.200s': %s", kv->key, v, why);
			r = 0;
		}
		break;
	case SS_ID:
		if (cfg_parse_id(v, &s->id) < 0)
			BAD(b, kv,
			    "%s: '%.200s' is not an ID (address, @fqdn, user@fqdn, DN, @#hex)",
			    kv->key, v);
		else if (s->id.type == DMN_ID_DN || s->id.type == DMN_ID_KEY_ID)
			BAD(b, kv,
			    "'%s=%.64s' refused: %s IDs are not implemented yet (they come with "
			    "certificates): use an address, @fqdn or user@fqdn",
			    kv->key, v, s->id.type == DMN_ID_DN ? "distinguished-name" : "KEY_ID");
		break;
	case SS_PROTOPORT:
		if (cfg_parse_protoport(v, &s->proto, &s->port_lo, &s->port_hi) < 0)
			BAD(b, kv, "%s: '%s' is not proto[/port] (e.g. 17/1701, tcp/%%any)",
			    kv->key, v);
		break;
	case SS_UPDOWN:
		if (strlen(v) >= DMN_PATH_MAX) {
			BAD(b, kv, "%s: path too long", kv->key);
		} else {
			char *u = strdup(v);
			if (!u)
				return -ENOMEM;
			free(s->updown);
			s->updown = u;
		}
		break;
	case SS_FIREWALL:
	case SS_HOSTACCESS:
		if (cfg_parse_bool(v, slot == SS_FIREWALL ? &s->firewall : &s->hostaccess) < 0)
			BAD(b, kv, "%s: '%s' is not yes or no", kv->key, v);
		break;
	case SS_IKEPORT:
		if (cfg_parse_u32(v, 65535, &n) < 0 || n == 0)
			BAD(b, kv, "%s: '%s' is not a port number", kv->key, v);
		else
			s->ikeport = (uint16_t)n;
		break;
	case SS_AUTH:
		if (strcmp(v, "psk") != 0 && strcmp(v, "secret") != 0)
			BAD(b, kv, "'%s=%.64s' refused: %s", kv->key, v, cfg_auth_refusal(v));
		break;
	}
	return r;
}

/* The conn keywords with a simple time/number/bool value. */
static bool apply_simple(struct cfg_build *b, struct dmn_conn *c, unsigned slot,
			 const struct cfg_kv *kv)
{
	const char *v = kv->val;
	uint32_t *t = NULL;
	uint64_t *u = NULL;
	bool *f = NULL;
	switch (slot) {
	case S_IKELIFETIME:
		t = &c->ikelifetime;
		break;
	case S_LIFETIME:
		t = &c->lifetime;
		break;
	case S_REKEYMARGIN:
		t = &c->rekeymargin;
		break;
	case S_DPDDELAY:
		t = &c->dpddelay;
		break;
	case S_DPDTIMEOUT:
		t = &c->dpdtimeout;
		break;
	case S_INACTIVITY:
		t = &c->inactivity;
		break;
	case S_RETRANSMIT_TIMEOUT:
		t = &c->retransmit_timeout;
		break;
	case S_LIFEBYTES:
		u = &c->lifebytes;
		break;
	case S_LIFEPACKETS:
		u = &c->lifepackets;
		break;
	case S_MARGINBYTES:
		u = &c->marginbytes;
		break;
	case S_MARGINPACKETS:
		u = &c->marginpackets;
		break;
	case S_AGGRESSIVE:
		f = &c->aggressive;
		break;
	case S_ALLOW_WEAK:
		f = &c->allow_weak;
		break;
	case S_COMPRESS:
		f = &c->compress;
		break;
	case S_REKEY:
		f = &c->rekey;
		break;
	case S_REAUTH:
		f = &c->reauth;
		break;
	case S_INSTALLPOLICY:
		f = &c->installpolicy;
		break;
	case S_INITIAL_CONTACT:
		f = &c->initial_contact;
		break;
	default:
		return false;
	}
	if (t && cfg_parse_time(v, t) < 0)
		BAD(b, kv, "%s: '%s' is not a duration (N, Ns, Nm, Nh or Nd, at most 10 years)",
		    kv->key, v);
	if (u && cfg_parse_u64(v, UINT64_MAX, u) < 0)
		BAD(b, kv, "%s: '%s' is not a number", kv->key, v);
	if (f && cfg_parse_bool(v, f) < 0)
		BAD(b, kv, "%s: '%s' is not yes or no", kv->key, v);
	return true;
}

/* authby=: oakley implements pre-shared keys. Libreswan allows "secret|rsasig" (a peer may use
 * either: PSK alone is narrower); an XAUTH method adds a login round oakley lacks: refused. */
static void apply_authby(struct cfg_build *b, const struct cfg_kv *kv)
{
	char buf[128];
	const char *other = NULL; /* a method other than PSK */
	bool psk = false, xauth = false;
	if (strlen(kv->val) >= sizeof(buf)) {
		BAD(b, kv, "authby: value too long");
		return;
	}
	strcpy(buf, kv->val);
	char *save = NULL;
	for (char *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		if (!strcmp(t, "secret") || !strcmp(t, "psk"))
			psk = true;
		else if (strcmp(t, "rsasig") && strcmp(t, "rsa") && strcmp(t, "pubkey") &&
			 strcmp(t, "ecdsa") && strcmp(t, "never") && strcmp(t, "null") &&
			 strcmp(t, "xauthpsk") && strcmp(t, "xauthrsasig") &&
			 strcmp(t, "rsa-sha1") && strcmp(t, "rsasig-sha1"))
			return (void)BAD(b, kv, "authby: unknown method '%s'", t);
		else if (!xauth)
			other = cfg_auth_refusal(t), xauth = !strncmp(t, "xauth", 5);
	}
	if (!psk || xauth)
		BAD(b, kv, "'authby=%.64s' refused: %s", kv->val, other);
}

int cfg_conn_apply(struct cfg_build *b, struct dmn_conn *c, const struct cfg_kw *kw, int side,
		   const struct cfg_kv *kv)
{
	const char *v = kv->val;
	int choice;
	uint32_t n = 0;

	if (side >= 0)
		return side_apply(b, side ? &c->right : &c->left, kw->slot, kv);
	if (apply_simple(b, c, kw->slot, kv))
		return 0;
	switch (kw->slot) {
	case S_AUTO:
		b->auto_set = true;
		if (cfg_parse_choice(v, auto_choices, &choice) < 0)
			BAD(b, kv, "auto: '%s' is not add, start, route, ondemand, keep or ignore",
			    v);
		else if (choice < 0)
			b->ignore = true;
		else
			c->autostart = (enum dmn_auto)choice, b->ignore = false;
		break;
	case S_TYPE:
		if (cfg_parse_choice(v, type_choices, &choice) < 0)
			BAD(b, kv,
			    "type: '%s' is not tunnel, transport, passthrough, drop or reject", v);
		else
			c->type = (enum dmn_type)choice;
		break;
	case S_KEYEXCHANGE:
	case S_IKEV2:
		if (cfg_parse_choice(v, kw->slot == S_IKEV2 ? ikev2_choices : kex_choices,
				     &choice) < 0) {
			BAD(b, kv, "%s: bad value '%s'", kv->key, v);
		} else {
			b->ikev2_only = choice == 2;
			b->ikev2_kv = kv;
			if (choice == 3)
				dmn_diag_add(b->d, DMN_DIAG_NOTICE, kv->file, kv->line,
					     "%s=%s: oakley speaks IKEv1 only for this conn",
					     kv->key, v);
		}
		break;
	case S_AUTHBY:
		apply_authby(b, kv);
		break;
	case S_IKE:
		b->ike = v, b->ike_kv = kv;
		break;
	case S_ESP:
		b->esp = v, b->esp_kv = kv;
		break;
	case S_AH:
		b->ah = v, b->ah_kv = kv;
		break;
	case S_PHASE2:
		if (strcmp(v, "esp") && strcmp(v, "ah"))
			BAD(b, kv, "%s: '%s' is not esp or ah", kv->key, v);
		else
			b->phase2_ah = v[0] == 'a';
		break;
	case S_PFS:
		if (cfg_parse_bool(v, (bool[1]){0}) < 0)
			BAD(b, kv, "pfs: '%s' is not yes or no", v);
		else
			c->pfs = !strcmp(v, "yes") || !strcmp(v, "true") ? DMN_PFS_YES : DMN_PFS_NO;
		break;
	case S_PFSGROUP:
		b->pfsgroup_kv = kv;
		break;
	case S_REKEYFUZZ: {
		char buf[16];
		size_t l = strlen(v);
		if (l && l < sizeof(buf) && v[l - 1] == '%')
			l--;
		if (l == 0 || l >= sizeof(buf) ||
		    (memcpy(buf, v, l), buf[l] = '\0',
		     cfg_parse_u32(buf, 100000, &c->rekeyfuzz) < 0))
			BAD(b, kv, "rekeyfuzz: '%s' is not a percentage", v);
		break;
	}
	case S_KEYINGTRIES:
		if (!strcmp(v, "%forever"))
			c->keyingtries = 0;
		else if (cfg_parse_u32(v, 1000000, &c->keyingtries) < 0)
			BAD(b, kv, "keyingtries: '%s' is not a number or %%forever", v);
		break;
	case S_DPDACTION:
	case S_CLOSEACTION:
		if (cfg_parse_choice(v, dpd_choices, &choice) < 0)
			BAD(b, kv, "%s: '%s' is not none, clear, hold or restart", kv->key, v);
		else if (kw->slot == S_DPDACTION)
			c->dpdaction = (enum dmn_dpd_action)choice;
		else
			c->closeaction = (enum dmn_dpd_action)choice;
		break;
	case S_REQID:
		if (cfg_parse_u32(v, 0x3fffffff, &c->reqid) < 0 || c->reqid == 0)
			BAD(b, kv, "reqid: '%s' is not a number from 1 to 1073741823", v);
		break;
	case S_MARK:
	case S_MARK_IN:
	case S_MARK_OUT: {
		uint32_t val, mask;
		bool uniq;
		if (cfg_parse_mark(v, &val, &mask, &uniq) < 0)
			return BAD(b, kv, "%s: '%s' is not value[/mask] or %%unique", kv->key, v),
			       0;
		if (uniq) /* one mark per IPsec SA pair: not done yet, say so */
			dmn_diag_add(b->d, DMN_DIAG_NOTICE, kv->file, kv->line,
				     "%s=%%unique is not supported yet: ignored (no mark)",
				     kv->key);
		if (kw->slot != S_MARK_OUT)
			c->mark_in = val, c->mark_in_mask = mask, c->mark_in_unique = uniq;
		if (kw->slot != S_MARK_IN)
			c->mark_out = val, c->mark_out_mask = mask, c->mark_out_unique = uniq;
		break;
	}
	case S_IPSEC_INTERFACE:
		/* Libreswan: ipsec-interface=N is device ipsecN with XFRM if_id N; yes = 1 */
		if (!strcmp(v, "no"))
			c->if_id_in = c->if_id_out = 0;
		else if (!strcmp(v, "yes"))
			c->if_id_in = c->if_id_out = 1;
		else if (cfg_parse_u32(v, 0xfffffffe, &n) == 0 && n > 0)
			c->if_id_in = c->if_id_out = n;
		else
			BAD(b, kv,
			    "ipsec-interface: '%s' is not yes, no or a number from 1 (XFRM "
			    "if_id 0 means none)",
			    v);
		break;
	case S_IF_ID_IN:
	case S_IF_ID_OUT:
		if (cfg_parse_ifid(v, kw->slot == S_IF_ID_IN ? &c->if_id_in : &c->if_id_out,
				   kw->slot == S_IF_ID_IN ? &c->if_id_in_unique
							  : &c->if_id_out_unique) < 0)
			BAD(b, kv, "%s: '%s' is not a number or %%unique", kv->key, v);
		else if (kw->slot == S_IF_ID_IN ? c->if_id_in_unique : c->if_id_out_unique)
			dmn_diag_add(b->d, DMN_DIAG_NOTICE, kv->file, kv->line,
				     "%s=%%unique is not supported yet: ignored (no if_id)",
				     kv->key);
		break;
	case S_LIFETIMECHECK:
		if (cfg_parse_choice(v, lifecheck_choices, &choice) < 0)
			BAD(b, kv, "lifetimecheck: '%s' is not claim or strict", v);
		else
			c->strict_lifetime = choice == 1;
		break;
	case S_ENCAPS:
		if (cfg_parse_choice(v, encaps_choices, &choice) < 0 ||
		    (!strcmp(kv->key, "forceencaps") && !strcmp(v, "auto")))
			BAD(b, kv, "%s: '%s' is not yes or no%s", kv->key, v,
			    strcmp(kv->key, "forceencaps") ? " or auto" : "");
		else
			c->encaps = choice == DMN_NO && !strcmp(kv->key, "forceencaps")
					    ? DMN_AUTO_DEFAULT
					    : (enum dmn_tristate)choice;
		break;
	case S_FRAGMENTATION:
		if (cfg_parse_choice(v, frag_choices, &choice) < 0)
			BAD(b, kv, "%s: '%s' is not yes, no, accept or force", kv->key, v);
		else
			c->fragmentation = (enum dmn_tristate)choice;
		break;
	case S_REPLAY_WINDOW:
		if (cfg_parse_u32(v, 4096, &c->replay_window) < 0)
			BAD(b, kv, "%s: '%s' is not a number up to 4096", kv->key, v);
		break;
	case S_RETRANSMIT_INTERVAL:
		if (cfg_parse_u32(v, 60000, &c->retransmit_interval) < 0 || !c->retransmit_interval)
			BAD(b, kv, "%s: '%s' is not milliseconds from 1 to 60000", kv->key, v);
		break;
	default:
		break;
	}
	return 0;
}

/* Libreswan reads an ike=/esp= list as exactly these proposals; strongSwan appends its defaults
 * unless the list ends in '!'. A ';' (before the DH group) in any of the conn's lists is
 * Libreswan's syntax alone. */
static bool list_exact(const struct cfg_build *b)
{
	return b->libreswan || (b->ike && strchr(b->ike, ';')) || (b->esp && strchr(b->esp, ';')) ||
	       (b->ah && strchr(b->ah, ';'));
}

/* dmn_parse_ike_list through b's memo: a string parsed before in this load is copied. */
static int parse_ike(struct cfg_build *b, const char *s, bool weak, struct dmn_ike_proposals *ret,
		     char *err, size_t errlen)
{
	struct cfg_prop_memo *m = b->memo;
	bool exact = list_exact(b);
	if (m && m->ike && m->ike_weak == weak && m->ike_exact == exact && strcmp(m->ike, s) == 0) {
		*ret = m->ike_v;
		return 0;
	}
	int r = dmn_parse_ike_list(s, weak, exact, ret, err, errlen);
	if (r == 0 && m) {
		m->ike = s;
		m->ike_weak = weak;
		m->ike_exact = exact;
		m->ike_v = *ret;
	}
	return r;
}

/* dmn_parse_esp_list through b's memo, as parse_ike. */
static int parse_esp(struct cfg_build *b, const char *s, uint8_t proto, bool weak,
		     struct dmn_esp_proposals *ret, char *err, size_t errlen)
{
	struct cfg_prop_memo *m = b->memo;
	bool exact = list_exact(b);
	if (m && m->esp && m->esp_proto == proto && m->esp_weak == weak && m->esp_exact == exact &&
	    strcmp(m->esp, s) == 0) {
		*ret = m->esp_v;
		return 0;
	}
	int r = dmn_parse_esp_list(s, proto, weak, exact, ret, err, errlen);
	if (r == 0 && m) {
		m->esp = s;
		m->esp_proto = proto;
		m->esp_weak = weak;
		m->esp_exact = exact;
		m->esp_v = *ret;
	}
	return r;
}

void cfg_conn_proposals(struct cfg_build *b, struct dmn_conn *c)
{
	char err[200];
	uint16_t pfsgroup = 0;
	if (b->pfsgroup_kv) {
		struct dmn_ike_proposals tmp;
		char s[80];
		snprintf(s, sizeof(s), "aes-sha256-%.60s!", b->pfsgroup_kv->val);
		if (dmn_parse_ike_proposals(s, c->allow_weak, &tmp, err, sizeof(err)) < 0)
			BAD(b, b->pfsgroup_kv, "conn '%s': pfsgroup: %s", c->name, err);
		else
			pfsgroup = tmp.v[0].group;
	}
	if (b->ike && parse_ike(b, b->ike, c->allow_weak, &c->ike, err, sizeof(err)) < 0)
		BAD(b, b->ike_kv, "conn '%s': %s=%.100s: %s", c->name, b->ike_kv->key, b->ike, err);
	if (!b->ike)
		dmn_default_ike_proposals(&c->ike);

	uint8_t proto = b->phase2_ah || (b->ah && !b->esp) ? PROTO_IPSEC_AH : PROTO_IPSEC_ESP;
	const char *s = proto == PROTO_IPSEC_AH ? b->ah : b->esp;
	const struct cfg_kv *kv = proto == PROTO_IPSEC_AH ? b->ah_kv : b->esp_kv;
	if (b->ah && b->esp)
		BAD(b, b->ah_kv, "ah= and esp= together: oakley negotiates one of them per conn");
	if (proto == PROTO_IPSEC_AH && !b->ah && b->esp)
		s = b->esp, kv = b->esp_kv; /* Libreswan: phase2=ah with phase2alg=sha1 */
	if (s && parse_esp(b, s, proto, c->allow_weak, &c->esp, err, sizeof(err)) < 0)
		BAD(b, kv, "conn '%s': %s=%.100s: %s", c->name, kv->key, s, err);
	if (!s)
		dmn_default_esp_proposals(proto, &c->esp);

	/* PFS: pfs=no strips groups; pfsgroup= sets one; otherwise esp='s group (strongSwan);
	 * pfs=yes without a group uses the phase-1 group at run time (group 0 + DMN_PFS_YES). */
	for (size_t i = 0; i < c->esp.n; i++) {
		if (c->pfs == DMN_PFS_NO)
			c->esp.v[i].group = 0;
		else if (pfsgroup)
			c->esp.v[i].group = pfsgroup;
	}
}

void cfg_setup_apply(struct dmn_diags *d, struct dmn_setup *s, const struct cfg_kw *kw,
		     const struct cfg_kv *kv)
{
	const char *v = kv->val;
	int choice;
	uint32_t n = 0;
	switch (kw->slot) {
	case U_UNIQUEIDS:
		if (cfg_parse_choice(v, uniq_choices, &choice) < 0)
			dmn_diag_add(d, DMN_DIAG_ERROR, kv->file, kv->line,
				     "uniqueids: '%s' is not yes, no, never, replace or keep", v);
		else
			s->uniqueids = (enum dmn_uniqueids)choice;
		break;
	case U_KEEPALIVE:
		if (cfg_parse_time(v, &s->keep_alive) < 0)
			dmn_diag_add(d, DMN_DIAG_ERROR, kv->file, kv->line,
				     "%s: '%s' is not a duration", kv->key, v);
		break;
	case U_SECRETSFILE:
		if (strlen(v) >= sizeof(s->secretsfile))
			dmn_diag_add(d, DMN_DIAG_ERROR, kv->file, kv->line,
				     "secretsfile: too long");
		else
			strcpy(s->secretsfile, v);
		break;
	case U_IKEPORT:
	case U_NAT_IKEPORT:
		if (cfg_parse_u32(v, 65535, &n) < 0 || n == 0)
			dmn_diag_add(d, DMN_DIAG_ERROR, kv->file, kv->line,
				     "%s: '%s' is not a port number", kv->key, v);
		else if (kw->slot == U_IKEPORT)
			s->ikeport = (uint16_t)n;
		else
			s->nat_ikeport = (uint16_t)n;
		break;
	case U_IKESA_LIMIT:
		if (cfg_parse_u32(v, PROTO_IKE_SAS_LIMIT, &n) < 0 || n == 0)
			dmn_diag_add(d, DMN_DIAG_ERROR, kv->file, kv->line,
				     "%s: '%.100s' is not a number of ISAKMP SAs from 1 to %u",
				     kv->key, v, PROTO_IKE_SAS_LIMIT);
		else
			s->ikesa_limit = n;
		break;
	default:
		break;
	}
}
