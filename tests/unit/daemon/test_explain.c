// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon/explain.c on its own: which words a failure gets (a peer silent after MM4 or AM2, a
 * local send error), and the bounds of what is kept (unmatched peers in their own ring, which
 * never pushes out a conn's failure).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ike_glue.h"
#include "tests/testutil.h"

static uint64_t now = 1000;

uint64_t dmn_now_ms(const struct dmn *d)
{
	(void)d;
	return now;
}

const char *proto_ike_reason_str(enum proto_ike_reason r)
{
	return r == PROTO_IKE_E_TIMEOUT ? "peer not responding" : "other";
}

static void explain(const struct dmn_failure *f, char *why, char *fix)
{
	dmn_failure_explain(f, why, 512, fix, 512);
}

static void silent_after_keys(void)
{
	char why[512], fix[512];
	struct dmn_failure f = {.phase = 1, .initiator = true, .reason = PROTO_IKE_E_TIMEOUT};
	snprintf(f.text, sizeof(f.text),
		 "no reply from the peer after 5 transmissions in "
		 "MM_I5_SENT");
	explain(&f, why, fix);
	CHECK(strstr(why, "went silent at our MM5") && strstr(why, "pre-shared key mismatch"));
	CHECK(strstr(fix, "same PSK") != NULL);
	/* earlier in Main Mode it is still the unreachable peer */
	snprintf(f.text, sizeof(f.text),
		 "no reply from the peer after 5 transmissions in "
		 "MM_I1_SENT");
	explain(&f, why, fix);
	CHECK(strstr(why, "never answered") != NULL);
	/* Aggressive Mode: the initiator did not send AM3 after our AM2 */
	f.initiator = false;
	snprintf(f.text, sizeof(f.text),
		 "no reply from the peer after 5 transmissions in "
		 "AM_R2_SENT");
	explain(&f, why, fix);
	CHECK(strstr(why, "Aggressive Mode") && strstr(why, "pre-shared key mismatch"));
	/* a signature conn: the peer could not verify our certificate, no word of a PSK */
	f.sig = true;
	explain(&f, why, fix);
	CHECK(strstr(why, "Aggressive Mode") && strstr(why, "certificate or signature"));
	CHECK(!strstr(why, "pre-shared") && !strstr(fix, "PSK") && strstr(fix, "trust anchors"));
	f.initiator = true;
	snprintf(f.text, sizeof(f.text),
		 "no reply from the peer after 5 transmissions in "
		 "MM_I5_SENT");
	explain(&f, why, fix);
	CHECK(strstr(why, "went silent at our MM5") && strstr(why, "certificate or signature"));
	CHECK(!strstr(why, "pre-shared") && !strstr(fix, "PSK"));
	CHECK(strstr(fix, "trust anchors") && strstr(fix, "rightid=") && strstr(fix, "CRL") &&
	      strstr(fix, "clocks"));
}

static void send_errors(struct dmn *d)
{
	char why[512], fix[512];
	dmn_send_error_note(d, "203.0.113.9[500]", ENETUNREACH);
	now += 31000;
	dmn_failure_record(d, "t", "203.0.113.9[500]", 1, true, PROTO_IKE_E_TIMEOUT,
			   "no reply from the peer after 5 transmissions in MM_I1_SENT");
	const struct dmn_failure *f = &d->ike->failures[0];
	CHECK_EQ_INT(d->ike->n_failures, 1);
	CHECK(strstr(f->text, "sending to it failed here: Network is unreachable (no route)"));
	explain(f, why, fix);
	CHECK(strstr(why, "this host has no route") != NULL);
	/* another peer, or the same much later: not blamed on that error */
	dmn_failure_record(d, "u", "192.0.2.2[500]", 1, true, PROTO_IKE_E_TIMEOUT, "x");
	CHECK(!strstr(d->ike->failures[1].text, "failed here"));
	now += DMN_SEND_ERROR_MS + 1;
	dmn_failure_record(d, "t", "203.0.113.9[4500]", 1, true, PROTO_IKE_E_TIMEOUT, "x");
	CHECK(!strstr(d->ike->failures[2].text, "failed here"));
}

static void unmatched_ring(struct dmn *d)
{
	unsigned conns = d->ike->n_failures;
	for (unsigned i = 0; i < 40; i++) {
		char peer[64];
		snprintf(peer, sizeof(peer), "198.51.100.%u[500]", i + 1);
		now++;
		dmn_failure_record(d, "", peer, 1, false, PROTO_IKE_E_POLICY,
				   "no connection for this peer address");
	}
	CHECK_EQ_INT(d->ike->n_unmatched, DMN_UNMATCHED_MAX);
	CHECK_EQ_INT(d->ike->n_failures, conns); /* the conns' failures stay */
	/* the ring keeps the newest: peer 40 is there, peer 1 is gone */
	bool has40 = false, has1 = false;
	for (unsigned i = 0; i < d->ike->n_unmatched; i++) {
		has40 |= strcmp(d->ike->unmatched[i].peer, "198.51.100.40[500]") == 0;
		has1 |= strcmp(d->ike->unmatched[i].peer, "198.51.100.1[500]") == 0;
	}
	CHECK(has40 && !has1);
	/* the same peer again: counted, not a new entry */
	dmn_failure_record(d, "", "198.51.100.40[500]", 1, false, PROTO_IKE_E_POLICY, "again");
	CHECK_EQ_INT(d->ike->n_unmatched, DMN_UNMATCHED_MAX);
}

/* Certificate failures: each reason gets its own words; the particulars stay in f->text. */
static void cert_failures(void)
{
	static const struct {
		enum proto_ike_reason r;
		const char *text, *why, *fix;
	} cases[] = {
		{PROTO_IKE_E_CERT_UNTRUSTED, "", "does not chain to a CA this side trusts",
		 "ipsec.d/cacerts/"},
		{PROTO_IKE_E_CERT_EXPIRED, "", "expired or not yet valid", "renew"},
		{PROTO_IKE_E_CERT_REVOKED, "", "a CRL of this side", "ipsec.d/crls/"},
		{PROTO_IKE_E_CERT_ID, "", "subjectAltNames", "set rightid="},
		{PROTO_IKE_E_CERT_NONE, "", "sent no certificate", "leftsendcert=always"},
		{PROTO_IKE_E_BAD_SIG, "", "signature does not verify", "key and certificate"},
		{PROTO_IKE_E_NO_KEY, "", "no certificate or no private key", "leftcert="},
		{PROTO_IKE_E_NO_KEY, "the peer's CR names C=CH, CN=Other CA",
		 "names a CA we have no", "leftcert="},
		{PROTO_IKE_E_AUTH_METHOD, "", "different authentication methods", "authby="},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[512], fix[512];
		struct dmn_failure f = {.phase = 1, .reason = cases[i].r};
		snprintf(f.text, sizeof(f.text), "%s", cases[i].text);
		explain(&f, why, fix);
		if (!CHECK(strstr(why, cases[i].why) && strstr(fix, cases[i].fix)))
			fprintf(stderr, "  reason %d: why '%s' fix '%s'\n", cases[i].r, why, fix);
	}
}

int main(void)
{
	struct dmn *d = calloc(1, sizeof(*d));
	if (!d || !(d->ike = calloc(1, sizeof(*d->ike))))
		return 1;
	silent_after_keys();
	cert_failures();
	send_errors(d);
	unmatched_ring(d);
	free(d->ike);
	free(d);
	return TEST_END();
}
