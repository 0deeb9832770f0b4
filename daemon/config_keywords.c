// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every ipsec.conf keyword oakley knows, from strongSwan's starter and from Libreswan: ONE table
 * per section kind (conn, left/right, config setup), a row per keyword with its aliases. A row
 * is stored (ST: parsed into a field, see struct cfg_kw in daemon/config_int.h), ignored with a
 * notice (IG), refused as something oakley cannot honour (UN), or refused as an authentication,
 * credential or peer restriction oakley lacks unless its value asks for nothing (RF, with what to
 * write instead; daemon/config_refuse.c). Parsing (daemon/config_apply.c), the reload comparison
 * and the dump/list-conns output (daemon/config_show.c) are generated from the rows;
 * tests/unit/daemon/test_kwtable.c checks that every stored row's consumer reads its field and
 * that oakley-ipsec.conf(5) lists exactly these keywords, test_keywords.c has an accept test per
 * stored keyword and a bad-value test per value type.
 *
 * A stored row reads: ST(name, kind, where, reload, "consumer file:function", extras...) with
 *   kind    BOOL, TIME, U64, U32 (.lo/.hi), CHOICE (.choices), PATH or CUSTOM (.apply, .show);
 *   where   CONN(field), SIDE(field), SETUP(field) or LOAD (acts while the conn is built);
 *   reload  SA (a change needs new SAs), LIVE (existing SAs follow it), AUTO, NONE (LOAD rows);
 *   the consumer is the function outside daemon/config*.c that reads the field ("file" alone for
 *   code still being written, see the pending list in test_kwtable.c).
 * The order of the rows is the order of application (mark= before mark_in=, ipsec-interface=
 * before if_id_in=, keyexchange= before ikev2=).
 */
#include "daemon/config_int.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "proto/ike/engine.h"

#define AKA(...)                                                                                   \
	.aka = (const char *const[])                                                               \
	{                                                                                          \
		__VA_ARGS__, NULL                                                                  \
	}
#define CONN(f)                                                                                    \
	.at = CFG_AT_CONN, .off = offsetof(struct dmn_conn, f),                                    \
	.size = sizeof(((struct dmn_conn *)0)->f), .field = #f
#define SIDE(f)                                                                                    \
	.at = CFG_AT_SIDE, .off = offsetof(struct dmn_side, f),                                    \
	.size = sizeof(((struct dmn_side *)0)->f), .field = #f
#define SETUP(f)                                                                                   \
	.at = CFG_AT_SETUP, .off = offsetof(struct dmn_setup, f),                                  \
	.size = sizeof(((struct dmn_setup *)0)->f), .field = #f
#define LOAD .at = CFG_AT_LOAD
#define ST(nm, k, where, rl, use, ...)                                                             \
	{                                                                                          \
		.name = nm, .cls = CFG_KW_STORED, .kind = CFG_V_##k, where, .reload = CFG_RL_##rl, \
		.consumer = use, __VA_ARGS__                                                       \
	}
#define IG(nm, reason)                                                                             \
	{                                                                                          \
		.name = nm, .cls = CFG_KW_IGNORED, .why = reason                                   \
	}
#define UN(nm, reason)                                                                             \
	{                                                                                          \
		.name = nm, .cls = CFG_KW_UNSUPPORTED, .why = reason                               \
	}
#define CUSTOM(fn, sh) .apply = dmn_cfg_apply_##fn, .show = sh

#define RF(nm, reason)                                                                             \
	{                                                                                          \
		.name = nm, .cls = CFG_KW_REFUSED, .why = reason                                   \
	}

#define W_V2 "it only applies to IKEv2"
#define W_CERT                                                                                     \
	"oakley reads certificates and CRLs from ipsec.d/ (no NSS database, no CRL fetching, no "  \
	"OCSP)"
#define W_OTHER	 "it configures another daemon's internals"
#define W_KERNEL "oakley leaves this kernel/interface tuning to the system"

#define U_CONN	"daemon/ike_conn.c:dmn_ike_conn_to_proto"
#define U_LIMIT "daemon/ike_life.c:dmn_ike_child_limits"
#define U_MARKS "daemon/child.c:dmn_child_take_conn"
#define U_BUILD "daemon/config_apply.c:dmn_cfg_conn_proposals"
#define U_CERTS "daemon/ike_certs.c"

/* conn keywords (strongSwan starter ipsec.conf(5) and Libreswan ipsec.conf(5), IKEv1 subset) */
static const struct cfg_kw conn_kws[] = {
	ST("also", CUSTOM, LOAD, NONE, "daemon/config.c:apply_section"),
	ST("auto", CUSTOM, CONN(autostart), AUTO, "daemon/ike_glue.c:on_start",
	   CUSTOM(auto, dmn_cfg_show_choice), .choices = dmn_cfg_auto_choices),
	ST("type", CHOICE, CONN(type), SA, U_CONN, .choices = dmn_cfg_type_choices,
	   .what = "tunnel, transport, passthrough, drop or reject"),
	ST("keyexchange", CUSTOM, LOAD, NONE, "daemon/config.c:build_conn", CUSTOM(kex, NULL)),
	ST("ikev2", CUSTOM, LOAD, NONE, "daemon/config.c:build_conn", CUSTOM(kex, NULL)),
	ST("authby", CUSTOM, LOAD, NONE, "daemon/config_apply.c:dmn_cfg_apply_authby",
	   CUSTOM(authby, NULL)),
	ST("aggressive", BOOL, CONN(aggressive), SA, U_CONN, AKA("aggrmode")),
	ST("allow-weak-crypto", BOOL, CONN(allow_weak), NONE, U_BUILD), /* oakley's own opt-in */
	ST("ike", CUSTOM, CONN(ike), SA, U_CONN, AKA("ikealg"), CUSTOM(proposal, dmn_cfg_show_ike),
	   .cmp = CFG_CMP_IKE),
	ST("esp", CUSTOM, CONN(esp), SA, U_CONN, AKA("phase2alg"),
	   CUSTOM(proposal, dmn_cfg_show_esp), .cmp = CFG_CMP_ESP),
	ST("ah", CUSTOM, CONN(esp), SA, U_CONN, CUSTOM(proposal, dmn_cfg_show_ah),
	   .cmp = CFG_CMP_ESP),
	/* Libreswan's esp|ah, and auth= its FreeS/WAN-era spelling */
	ST("phase2", CUSTOM, LOAD, NONE, U_BUILD, AKA("auth"), CUSTOM(phase2, NULL)),
	ST("pfs", CHOICE, CONN(pfs), SA, "daemon/ike_conn.c:pfs_group",
	   .choices = dmn_cfg_pfs_choices, .what = "yes or no"),
	ST("pfsgroup", CUSTOM, LOAD, NONE, U_BUILD, CUSTOM(pfsgroup, NULL)), /* Libreswan */
	ST("ikelifetime", TIME, CONN(ikelifetime), SA, U_CONN),
	ST("lifetime", TIME, CONN(lifetime), SA, U_CONN, AKA("keylife", "salifetime")),
	ST("lifebytes", U64, CONN(lifebytes), SA, U_CONN),
	ST("lifepackets", U64, CONN(lifepackets), SA, U_LIMIT),
	ST("marginbytes", U64, CONN(marginbytes), SA, U_LIMIT),
	ST("marginpackets", U64, CONN(marginpackets), SA, U_LIMIT),
	ST("rekeymargin", TIME, CONN(rekeymargin), SA, "daemon/ike_life.c:dmn_ike_rekey_margin",
	   AKA("margintime")),
	ST("rekeyfuzz", CUSTOM, CONN(rekeyfuzz), SA, "daemon/ike_life.c:dmn_ike_rekey_margin",
	   CUSTOM(rekeyfuzz, dmn_cfg_show_rekeyfuzz)),
	ST("keyingtries", CUSTOM, CONN(keyingtries), LIVE, "daemon/ike_conn.c:dmn_ike_plan_retry",
	   CUSTOM(keyingtries, dmn_cfg_show_keyingtries)),
	ST("rekey", BOOL, CONN(rekey), SA, U_LIMIT),
	ST("reauth", BOOL, CONN(reauth), SA, "daemon/ike_records.c:dmn_ike_sa_record_add"),
	ST("dpddelay", TIME, CONN(dpddelay), LIVE, "daemon/ike_glue.c:dpd_check"),
	ST("dpdtimeout", TIME, CONN(dpdtimeout), LIVE, "daemon/ike_glue.c:dpd_check"),
	ST("dpdaction", CHOICE, CONN(dpdaction), LIVE, "daemon/ike_glue.c:on_dpd_dead",
	   .choices = dmn_cfg_dpd_choices, .what = "none, clear, hold or restart"),
	ST("closeaction", CHOICE, CONN(closeaction), LIVE, "daemon/ike_glue.c:on_delete",
	   .choices = dmn_cfg_dpd_choices, .what = "none, clear, hold or restart"),
	ST("inactivity", TIME, CONN(inactivity), SA, "daemon/child.c:dmn_child_take_conn"),
	ST("reqid", U32, CONN(reqid), SA, "daemon/ike_conn.c:dmn_ike_conn_reqid", .lo = 1,
	   .hi = 0x3fffffff, .what = "a number from 1 to 1073741823"),
	ST("mark", CUSTOM, CONN(mark_in), SA, U_MARKS, CUSTOM(mark, NULL)),
	ST("mark_in", CUSTOM, CONN(mark_in), SA, U_MARKS, AKA("mark-in"),
	   CUSTOM(mark, dmn_cfg_show_mark)),
	ST("mark_out", CUSTOM, CONN(mark_out), SA, U_MARKS, AKA("mark-out"),
	   CUSTOM(mark, dmn_cfg_show_mark)),
	/* Libreswan: ipsec-interface=N is device ipsecN with XFRM if_id N */
	ST("ipsec-interface", CUSTOM, CONN(if_id_in), SA, U_MARKS, CUSTOM(ipsec_interface, NULL)),
	ST("if_id_in", CUSTOM, CONN(if_id_in), SA, U_MARKS, CUSTOM(if_id, dmn_cfg_show_if_id)),
	ST("if_id_out", CUSTOM, CONN(if_id_out), SA, U_MARKS, CUSTOM(if_id, dmn_cfg_show_if_id)),
	/* encapsulation is Libreswan's (yes, no, auto), forceencaps strongSwan's (yes, no) */
	ST("encapsulation", CUSTOM, CONN(encaps), SA, U_CONN, AKA("forceencaps"),
	   CUSTOM(encaps, dmn_cfg_show_choice), .choices = dmn_cfg_encaps_choices),
	/* oakley: racoon's proposal_check, in part */
	ST("lifetimecheck", CHOICE, CONN(strict_lifetime), SA, U_CONN,
	   .choices = dmn_cfg_lifecheck_choices, .what = "claim or strict"),
	ST("fragmentation", CUSTOM, CONN(fragmentation), SA,
	   "daemon/ike_conn.c:dmn_ike_conn_to_proto", AKA("ike_frag"),
	   CUSTOM(frag, dmn_cfg_show_choice), .choices = dmn_cfg_frag_choices),
	/* oakley: strongSwan's charon.fragment_size, per conn */
	ST("fragment_size", U32, CONN(fragment_size), SA, "daemon/ike_conn.c:dmn_ike_conn_to_proto",
	   .lo = PROTO_IKE_FRAG_SIZE_MIN, .hi = PROTO_IKE_FRAG_SIZE_MAX,
	   .what = "bytes from 256 to 8192"),
	ST("compress", BOOL, CONN(compress), SA, U_CONN),
	ST("installpolicy", BOOL, CONN(installpolicy), SA, "daemon/child.c:dmn_child_take_conn"),
	ST("initial-contact", BOOL, CONN(initial_contact), SA, "daemon/ike_glue.c:initiate"),
	ST("replay_window", U32, CONN(replay_window), SA, "daemon/child.c:dmn_child_take_conn",
	   AKA("replay-window"), .hi = 4096, .what = "a number up to 4096"),
	ST("retransmit-timeout", TIME, CONN(retransmit_timeout), LIVE,
	   "daemon/ike_conn.c:dmn_ike_conn_to_proto"),
	ST("retransmit-interval", U32, CONN(retransmit_interval), LIVE,
	   "daemon/ike_conn.c:dmn_ike_conn_to_proto", .lo = 1, .hi = 60000,
	   .what = "milliseconds from 1 to 60000"),
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
	ST("", CUSTOM, SIDE(host), SA, "daemon/ike_conn.c:dmn_ike_conn_endpoints",
	   CUSTOM(addr, dmn_cfg_show_addr), .cmp = CFG_CMP_ADDR),
	/* leftsubnets= is Libreswan's: {a b} or "a,b" */
	ST("subnets", CUSTOM, SIDE(subnets), SA, U_CONN, AKA("subnet"),
	   CUSTOM(subnets, dmn_cfg_show_subnets), .cmp = CFG_CMP_SUBNETS),
	ST("id", CUSTOM, SIDE(id), SA, U_CONN, CUSTOM(id, dmn_cfg_show_id), .cmp = CFG_CMP_ID),
	ST("protoport", CUSTOM, SIDE(proto), SA, U_CONN, CUSTOM(protoport, dmn_cfg_show_protoport)),
	ST("sourceip", CUSTOM, SIDE(sourceip), SA, "daemon/updown_env.c:env_extras",
	   CUSTOM(addr, dmn_cfg_show_addr), .cmp = CFG_CMP_ADDR),
	ST("updown", PATH, SIDE(updown), SA, "daemon/updown_env.c:dmn_updown_script",
	   .cmp = CFG_CMP_STR),
	ST("firewall", BOOL, SIDE(firewall), SA, "daemon/updown_env.c:dmn_updown_script"),
	ST("hostaccess", BOOL, SIDE(hostaccess), SA, "daemon/updown_env.c:env_extras"),
	ST("nexthop", CUSTOM, SIDE(nexthop), SA, "daemon/updown_env.c:env_extras",
	   CUSTOM(addr, dmn_cfg_show_addr), .cmp = CFG_CMP_ADDR),
	ST("ikeport", U32, SIDE(ikeport), SA, "daemon/ike_conn.c:dmn_ike_conn_endpoints", .lo = 1,
	   .hi = 65535, .what = "a port number"),
	ST("auth", CUSTOM, LOAD, NONE, "daemon/config_apply.c:dmn_cfg_apply_side_auth",
	   CUSTOM(side_auth, NULL)),
	RF("auth2", R_XAUTH),
	/* certificates (daemon/config_certs.c): parsed, then refused by dmn_cfg_conn_certs until
	 * the engine's signature callbacks are wired (the pending list of test_kwtable.c) */
	ST("cert", CUSTOM, SIDE(cert), SA, U_CERTS, CUSTOM(cert, NULL), .cmp = CFG_CMP_STR),
	RF("cert2", R_CERT),
	ST("ca", CUSTOM, SIDE(ca), SA, U_CERTS, CUSTOM(ca, NULL), .cmp = CFG_CMP_STR),
	RF("ca2", R_CERT),
	ST("sendcert", CUSTOM, SIDE(sendcert), SA, U_CERTS, CUSTOM(sendcert, NULL),
	   .choices = dmn_cfg_sendcert_choices),
	ST("rsasigkey", CUSTOM, SIDE(sigkey_cert), SA, U_CERTS, AKA("sigkey"),
	   CUSTOM(sigkey, NULL)),
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
	ST("uniqueids", CHOICE, SETUP(uniqueids), LIVE,
	   "daemon/ike_records.c:dmn_ike_sa_enforce_unique", .choices = dmn_cfg_uniq_choices,
	   .what = "yes, no, never, replace or keep"),
	/* keep_alive is strongSwan 4's, keep-alive Libreswan's */
	ST("keep_alive", TIME, SETUP(keep_alive), LIVE, "daemon/ike_glue.c:on_tick",
	   AKA("keep-alive")),
	ST("secretsfile", PATH, SETUP(secretsfile), LIVE, "daemon/loader.c:dmn_conf_load"),
	ST("ikeport", U32, SETUP(ikeport), LIVE, "daemon/loader.c:dmn_conf_ports", .lo = 1,
	   .hi = 65535, .what = "a port number"),
	ST("nat-ikeport", U32, SETUP(nat_ikeport), LIVE, "daemon/loader.c:dmn_conf_ports", .lo = 1,
	   .hi = 65535, .what = "a port number"),
	/* strongSwan's charon.ikesa_limit */
	ST("ikesa_limit", U32, SETUP(ikesa_limit), LIVE, "daemon/ike_reload.c:dmn_ike_reload",
	   AKA("ikesa-limit"), .lo = 1, .hi = PROTO_IKE_SAS_LIMIT,
	   .what = "a number of ISAKMP SAs from 1 to 1000000"),
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

_Static_assert(sizeof(((struct dmn_setup *)0)->secretsfile) != sizeof(char *),
	       "a PATH row's char[] must not look like a char *");
_Static_assert(PROTO_IKE_SAS_LIMIT == 1000000, "ikesa_limit's message names the limit");

/* Fields that CUSTOM rows fill besides their own (see struct cfg_derived). */
static const struct cfg_derived derived[] = {
#define DC(f, use)                                                                                 \
	{                                                                                          \
#f, CFG_AT_CONN, CFG_RL_SA, CFG_CMP_BYTES, offsetof(struct dmn_conn, f),           \
			sizeof(((struct dmn_conn *)0)->f), use                                     \
	}
#define DS(f, use)                                                                                 \
	{                                                                                          \
#f, CFG_AT_SIDE, CFG_RL_SA, CFG_CMP_BYTES, offsetof(struct dmn_side, f),           \
			sizeof(((struct dmn_side *)0)->f), use                                     \
	}
	DC(mark_in_mask, U_MARKS),    /* mark=, mark_in= */
	DC(mark_out_mask, U_MARKS),   /* mark=, mark_out= */
	DC(mark_in_unique, U_MARKS),  /* %unique */
	DC(mark_out_unique, U_MARKS), /* %unique */
	DC(if_id_in_unique, U_MARKS), /* if_id_in=%unique */
	DC(if_id_out_unique, U_MARKS),
	DC(if_id_out, U_MARKS),	       /* ipsec-interface= sets both */
	DC(mark_out, U_MARKS),	       /* mark= sets both */
	DC(auth, U_CERTS),	       /* authby=, leftauth=, leftcert= */
	DS(n_subnets, U_CONN),	       /* leftsubnets= */
	DS(virt, "daemon/ike_conn.c"), /* rightsubnet=vhost:/vnet: */
	DS(ca_same, U_CERTS),	       /* rightca=%same */
	DS(port_lo, U_CONN),	       /* leftprotoport= */
	DS(port_hi, U_CONN),
#undef DC
#undef DS
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
		for (size_t i = 0; i < n && !ix->failed; i++) {
			/* -EEXIST keeps the first row of a name, as the table walk would */
			ix->failed =
				dmn_cfg_names_put(&ix->names, t[i].name, &t[i], NULL) == -ENOMEM;
			for (size_t k = 0; t[i].aka && t[i].aka[k] && !ix->failed; k++)
				ix->failed = dmn_cfg_names_put(&ix->names, t[i].aka[k], &t[i],
							       NULL) == -ENOMEM;
		}
		if (ix->failed)
			dmn_cfg_names_free(&ix->names);
	}
	if (ix->failed) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(t[i].name, key) == 0)
				return &t[i];
			for (size_t k = 0; t[i].aka && t[i].aka[k]; k++)
				if (strcmp(t[i].aka[k], key) == 0)
					return &t[i];
		}
		return NULL;
	}
	return dmn_cfg_names_get(&ix->names, key);
}

static struct kw_index setup_ix, conn_ix, side_ix;

const struct cfg_kw *dmn_cfg_kw_lookup(const char *key, bool setup, int *ret_side)
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

const struct cfg_kw *dmn_cfg_kw_table(int which, size_t *ret_n)
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

const struct cfg_derived *dmn_cfg_kw_derived(size_t *ret_n)
{
	*ret_n = N_OF(derived);
	return derived;
}

/* Slots: the conn rows by index, then the side rows for left, then for right. */
_Static_assert(N_OF(conn_kws) + 2 * N_OF(side_kws) <= CFG_SLOTS_MAX, "slot table too small");
_Static_assert(N_OF(setup_kws) <= CFG_SLOTS_MAX, "slot table too small");

static bool in_table(const struct cfg_kw *kw, const struct cfg_kw *t, size_t n)
{
	return (uintptr_t)kw >= (uintptr_t)t && (uintptr_t)kw < (uintptr_t)(t + n);
}

unsigned dmn_cfg_kw_slot(const struct cfg_kw *kw, int side)
{
	if (in_table(kw, side_kws, N_OF(side_kws)))
		return (unsigned)(N_OF(conn_kws) + (size_t)(side > 0) * N_OF(side_kws) +
				  (size_t)(kw - side_kws));
	if (in_table(kw, conn_kws, N_OF(conn_kws)))
		return (unsigned)(kw - conn_kws);
	return (unsigned)(kw - setup_kws);
}
