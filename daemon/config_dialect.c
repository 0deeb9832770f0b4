// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which dialect a conn is written in, for the keywords whose meaning differs: an ike=/esp= list
 * without '!' is exact in Libreswan, but strongSwan's starter appends its defaults to it.
 *
 * A conn is read as Libreswan when its file set (main file and includes) starts a line with
 * "version", when a config setup section uses a keyword only Libreswan (or its Openswan
 * ancestors) knows, or when the conn itself, its also= sections or a conn %default use one
 * (ikev2=, aggrmode=, ikealg=, phase2alg=, leftsubnets=, ...). Otherwise it is read as
 * strongSwan. The lists below hold only keywords that strongSwan 5's starter does not know, so a
 * strongSwan file is never taken for a Libreswan one; when a file mixes both, Libreswan wins,
 * as its meaning (exact lists) never negotiates more than the file names.
 */
#include "daemon/config_int.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static const char *const conn_only[] = {
	"aggrmode",
	"ikealg",
	"phase2alg",
	"phase2",
	"pfsgroup",
	"salifetime",
	"mark-in",
	"mark-out",
	"ipsec-interface",
	"encapsulation",
	"ike_frag",
	"replay-window",
	"retransmit-timeout",
	"retransmit-interval",
	"ikev2",
	"xauthby",
	"xauthfail",
	"modecfgpull",
	"modecfgdns",
	"modecfgdomains",
	"modecfgbanner",
	"remote-peer-type",
	"cisco-unity",
	"nm-configured",
	"fake-strongswan",
	"send-vendorid",
	"sha2-truncbug",
	"sareftrack",
	"connaddrfamily",
	"hostaddrfamily",
	"clientaddrfamily",
	"ikev1-natt",
	"nat-keepalive",
	"send-no-esp-tfc",
	"nic-offload",
	"metric",
	"mtu",
	"priority",
	"nopmtudisc",
	"decap-dscp",
	"vti-interface",
	"vti-routing",
	"vti-shared",
	"esn",
	"nflog-group",
	"failureshunt",
	"negotiationshunt",
	"connalias",
	"pam-authorize",
	"require-id-on-certificate",
	"enable-tcp",
	"tcp-remoteport",
	"accept-redirect",
	"accept-redirect-to",
	"send-redirect",
	"intermediate",
	"ppk",
	"narrowing",
	"ikepad",
	"ms-dh-downgrade",
	"policy-label",
	"labeled-ipsec",
	"overlapip",
};

/* without left/right */
static const char *const side_only[] = {
	"subnets",	 "ckaid",	  "xauthserver", "xauthclient", "xauthusername", "username",
	"modecfgserver", "modecfgclient", "addresspool", "vti",		"interface-ip",	 "pubkey",
};

static const char *const setup_only[] = {
	"plutodebug",
	"protostack",
	"virtual_private",
	"virtual-private",
	"nat_traversal",
	"listen-tcp",
	"listen-udp",
	"ike-socket-bufsize",
	"ike-socket-errqueue",
	"statsbin",
	"audit-log",
	"crl-strict",
	"fragicmp",
	"hidetos",
	"overridemtu",
	"nflog-all",
	"xfrmlifetime",
	"interfaces",
	"listen",
	"ocsp-enable",
	"ocsp-strict",
	"ocsp-timeout",
	"ocsp-uri",
	"curl-iface",
	"curl-timeout",
	"nssdir",
	"ipsecdir",
	"dumpdir",
	"logfile",
	"logtime",
	"logappend",
	"logip",
	"plutostderrlog",
	"syslog",
	"nhelpers",
	"seedbits",
	"ddos-mode",
	"ddos-ike-threshold",
	"max-halfopen-ike",
	"dnssec-enable",
	"shuntlifetime",
	"ikev1-policy",
	"myid",
	"secretsfile",
	"keep-alive",
	"ikeport",
	"nat-ikeport",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Each list in a hash table made on first use (a lookup per keyword line of every section). */
struct only_index {
	struct cfg_names names;
	bool failed; /* out of memory: walk the list */
};

static bool in(struct only_index *ix, const char *const *list, size_t n, const char *key)
{
	if (!ix->names.cap && !ix->failed) {
		for (size_t i = 0; i < n && !ix->failed; i++)
			ix->failed =
				dmn_cfg_names_put(&ix->names, list[i], list[i], NULL) == -ENOMEM;
		if (ix->failed)
			dmn_cfg_names_free(&ix->names);
	}
	if (ix->failed) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(list[i], key) == 0)
				return true;
		return false;
	}
	return dmn_cfg_names_get(&ix->names, key) != NULL;
}

static struct only_index conn_ix, side_ix, setup_ix;

/* By the spelling written, not the row's name: a row holds both dialects' spellings (strongSwan's
 * leftsubnet= and forceencaps= share rows with Libreswan's leftsubnets= and encapsulation=). */
bool dmn_cfg_kv_libreswan(const struct cfg_kv *kv, bool setup)
{
	if (!kv->kw)
		return false;
	if (setup)
		return in(&setup_ix, setup_only, N_OF(setup_only), kv->key);
	if (kv->side >= 0)
		return in(&side_ix, side_only, N_OF(side_only), kv->key + (kv->side ? 5 : 4));
	return in(&conn_ix, conn_only, N_OF(conn_only), kv->key);
}
