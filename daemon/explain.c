// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakley explain: plain words for why a negotiation failed and what to change. The engine's own
 * account (with the proposals offered and accepted, the IDs seen) comes with each failure; this
 * adds the meaning of its reason and the usual fix.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/ike_glue.h"

/* The length of the address part of "address[port]". */
static size_t addr_len(const char *peer)
{
	const char *b = strchr(peer, '[');
	return b ? (size_t)(b - peer) : strlen(peer);
}

void dmn_send_error_note(struct dmn *d, const char *dst, int err)
{
	struct dmn_ike *ik = d->ike;
	struct dmn_send_error *e = &ik->send_errors[ik->send_error_next++ % DMN_SEND_ERRORS_MAX];
	snprintf(e->addr, sizeof(e->addr), "%.*s", (int)addr_len(dst), dst);
	e->err = err;
	e->at_ms = dmn_now_ms(d);
}

/* The newest recent send error to the address of peer, or NULL. */
static const struct dmn_send_error *send_error_of(const struct dmn_ike *ik, const char *peer,
						  uint64_t now)
{
	const struct dmn_send_error *best = NULL;
	size_t n = addr_len(peer);
	for (unsigned i = 0; i < DMN_SEND_ERRORS_MAX; i++) {
		const struct dmn_send_error *e = &ik->send_errors[i];
		if (e->at_ms && now - e->at_ms <= DMN_SEND_ERROR_MS && strlen(e->addr) == n &&
		    strncmp(e->addr, peer, n) == 0 && (!best || e->at_ms > best->at_ms))
			best = e;
	}
	return best;
}

struct dmn_failure *dmn_failure_record(struct dmn *d, const char *conn, const char *peer,
				       uint8_t phase, bool initiator, enum proto_ike_reason reason,
				       const char *text)
{
	struct dmn_ike *ik = d->ike;
	bool unmatched = !conn[0];
	struct dmn_failure *v = unmatched ? ik->unmatched : ik->failures;
	unsigned *n = unmatched ? &ik->n_unmatched : &ik->n_failures;
	unsigned max = unmatched ? DMN_UNMATCHED_MAX : DMN_FAILURES_MAX;
	struct dmn_failure *f = NULL, *oldest = NULL;
	uint64_t now = dmn_now_ms(d);
	for (unsigned i = 0; i < *n; i++) {
		struct dmn_failure *o = &v[i];
		if (strcmp(o->conn, conn) == 0 && strcmp(o->peer, peer) == 0)
			f = o;
		if (!oldest || o->at_ms < oldest->at_ms)
			oldest = o;
	}
	unsigned count = f ? f->count : 0;
	if (!f)
		f = *n < max ? &v[(*n)++] : oldest;
	memset(f, 0, sizeof(*f));
	snprintf(f->conn, sizeof(f->conn), "%s", conn);
	snprintf(f->peer, sizeof(f->peer), "%s", peer);
	f->phase = phase;
	f->initiator = initiator;
	f->reason = reason;
	const struct dmn_send_error *se =
		reason == PROTO_IKE_E_TIMEOUT && initiator ? send_error_of(ik, peer, now) : NULL;
	if (se)
		snprintf(f->text, sizeof(f->text), "%s; sending to it failed here: %s%s",
			 text[0] ? text : proto_ike_reason_str(reason), strerror(se->err),
			 se->err == ENETUNREACH || se->err == EHOSTUNREACH ? " (no route)" : "");
	else
		snprintf(f->text, sizeof(f->text), "%s",
			 text[0] ? text : proto_ike_reason_str(reason));
	f->at_ms = now;
	f->count = count + 1;
	return f;
}

/*
 * A peer that answered until the keys were in place and then fell silent: it could not verify
 * or decrypt our first encrypted message (MM5 of a Main Mode initiator), or did not accept our
 * HASH_R (AM2 of an Aggressive Mode responder). Most implementations (strongSwan among them)
 * drop such a message without a notify, so a PSK mismatch, or an ID the peer has no conn or
 * secret for, looks like a timeout here. False for other timeouts.
 */
static bool timeout_after_keys(const struct dmn_failure *f, const char **w, const char **x)
{
	if (f->sig && f->initiator && strstr(f->text, "in MM_I5_SENT")) {
		*w = "the peer answered MM2 and MM4, then went silent at our MM5 (the first "
		     "encrypted message, carrying our ID, certificate and signature): it could not "
		     "verify our certificate or signature, or our ID (leftid=) selects no conn "
		     "there; a path that loses only this larger message is rarer (fragmentation=)";
		*x = "check that the peer's trust anchors include the CA of our certificate, that "
		     "its rightid= matches our ID, that its CRL does not revoke our certificate, "
		     "and that both clocks are right (validity dates); the peer's log names the "
		     "failure";
		return true;
	}
	if (f->sig && !f->initiator && strstr(f->text, "in AM_R2_SENT")) {
		*w = "the peer started Aggressive Mode, got our answer (AM2 with our ID, "
		     "certificate and signature) and went silent: it could not verify our "
		     "certificate or signature, or our ID (leftid=) is not the one it expects";
		*x = "check that the peer's trust anchors include the CA of our certificate, that "
		     "its rightid= matches our ID, that its CRL does not revoke our certificate, "
		     "and that both clocks are right (validity dates)";
		return true;
	}
	if (f->initiator && strstr(f->text, "in MM_I5_SENT")) {
		*w = "the peer answered MM2 and MM4, then went silent at our MM5 (the first "
		     "encrypted message, carrying our ID and HASH): it could not decrypt or verify "
		     "it, which is a pre-shared key mismatch, or our ID (leftid=) selects no conn "
		     "or secret there; a path that loses only this larger message is rarer";
		*x = "give both sides the same PSK in ipsec.secrets for the IDs actually used, and "
		     "make leftid= here what the peer expects as our ID (its rightid=); the peer's "
		     "log names the failure";
		return true;
	}
	if (!f->initiator && strstr(f->text, "in AM_R2_SENT")) {
		*w = "the peer started Aggressive Mode, got our answer (AM2 with our ID and HASH) "
		     "and went silent: it could not verify our HASH, which is a pre-shared key "
		     "mismatch, or our ID (leftid=) is not the one it expects";
		*x = "give both sides the same PSK in ipsec.secrets for the IDs actually used, and "
		     "make leftid= here what the peer expects (its rightid=)";
		return true;
	}
	return false;
}

/*
 * Certificate authentication (issue 16). The engine's account (f->text, the certificate store's
 * sentence) names the particulars: which CA the peer's chain ends at, the validity dates, which
 * CRL, both IDs, the CA of the peer's CR; this adds the meaning and the usual fix. False for the
 * other reasons.
 */
static bool cert_words(const struct dmn_failure *f, const char **w, const char **x)
{
	switch (f->reason) {
	case PROTO_IKE_E_CERT_UNTRUSTED:
		*w = "the peer's certificate does not chain to a CA this side trusts (the CA its "
		     "chain ends at is named above), or not to the CA rightca= names";
		*x = "put that CA's certificate into ipsec.d/cacerts/ (or load it with swanctl "
		     "--load-creds) and reload, or fix rightca=; an intermediate CA the peer does "
		     "not send must be in ipsec.d/cacerts/ too";
		return true;
	case PROTO_IKE_E_CERT_EXPIRED:
		*w = "a certificate of the peer's chain is outside its validity period: expired or "
		     "not yet valid (the dates are above)";
		*x = "renew the peer's certificate; if the dates look right, check the clocks of "
		     "both hosts (NTP)";
		return true;
	case PROTO_IKE_E_CERT_REVOKED:
		*w = "the peer's certificate is revoked: a CRL of this side (named above) lists it";
		*x = "issue the peer a new certificate; if the revocation is a mistake, replace "
		     "the "
		     "CRL in ipsec.d/crls/ and reload";
		return true;
	case PROTO_IKE_E_CERT_ID:
		*w = "the ID the peer sent is not its certificate's subject or one of its "
		     "subjectAltNames, or not the ID rightid= expects (both are above)";
		*x = "set rightid= to the certificate's subject DN or a subjectAltName ('oakley "
		     "list-certs' shows them), or make the peer send an ID its certificate names "
		     "(leftid=%fromcert there)";
		return true;
	case PROTO_IKE_E_CERT_NONE:
		*w = "the peer sent no certificate and none is configured for its ID";
		*x = "make the peer send its certificate (leftsendcert=always there), or put it "
		     "into ipsec.d/certs/ and name it with rightcert=";
		return true;
	case PROTO_IKE_E_BAD_SIG:
		*w = "the peer's signature does not verify with the public key of its "
		     "certificate: its private key is not the certificate's";
		*x = "check the peer's key and certificate pair (its 'oakleyd --check-config' or "
		     "its log)";
		return true;
	case PROTO_IKE_E_NO_KEY:
		*w = strstr(f->text, "CR")
			     ? "the peer's certificate request (CR) names a CA we have no "
			       "certificate from (named above)"
			     : "this side has no certificate or no private key to sign with";
		*x = "give this side a certificate from the CA the peer trusts (leftcert=) and its "
		     "key (': RSA file' or ': ECDSA file' in ipsec.secrets); 'oakley list-certs' "
		     "shows what is loaded";
		return true;
	case PROTO_IKE_E_AUTH_METHOD:
		*w = "the two sides use different authentication methods (pre-shared key, RSA or "
		     "ECDSA signatures), or this method is not spoken here";
		*x = "use the same authby= on both sides; with certificates the key type decides: "
		     "rsasig for RSA keys, ecdsasig for ECDSA keys";
		return true;
	default:
		return false;
	}
}

/* No proposal in common (phase 1 or 2): who refused says where the fix is. */
static void explain_no_proposal(const struct dmn_failure *f, bool p2, const char **ret_w,
				const char **ret_x)
{
	const char *w, *x;
	w = p2 ? "the two sides share no phase-2 proposal: cipher, integrity, PFS group or "
		 "mode "
		 "(tunnel/transport) differ"
	       : "the two sides share no phase-1 proposal: cipher, key length, hash or DH "
		 "group "
		 "differ";
	if (!strstr(f->text, "peer offered"))
		/* we offered and the peer refused: its side knows what it accepts */
		x = p2 ? "the peer accepts none of what esp= (with pfs=/type=) offers: "
			 "look up what it accepts (its configuration or log) and add that "
			 "to esp=; a peer with strict lifetimes also refuses a lifetime= "
			 "or "
			 "lifebytes= longer than its own"
		       : "the peer accepts none of what ike= offers: look up what it "
			 "accepts (its configuration or log) and add that to ike=; a peer "
			 "with strict lifetimes (Cisco IOS, racoon's proposal_check "
			 "strict) "
			 "also refuses an ikelifetime= longer than its own";
	else
		x = p2 ? "make esp= (phase2alg=, pfs=, type=) accept one of the peer's "
			 "offers "
			 "listed above, or change the peer's"
		       : "add one of the peer's offers listed above to ike= (or drop the "
			 "trailing '!' to accept more), or change the peer's proposal";
	*ret_w = w;
	*ret_x = x;
}

/* A timeout: the port move of NAT-T, a local send error, silence after the keys, or none. */
static void explain_timeout(const struct dmn_failure *f, const char **w, const char **x)
{
	if (strstr(f->text, "NAT-T port")) {
		*w = f->initiator ? "the peer answered on UDP 500, but not after NAT traversal "
				    "moved "
				    "the negotiation to UDP 4500 (a NAT was detected, or "
				    "forceencaps=yes): UDP 4500 is blocked on the path, or the "
				    "peer does not listen on it"
				  : "a NAT was detected, and the peer's next message (it moves "
				    "to "
				    "UDP 4500) never arrived: UDP 4500 is blocked towards us";
		*x = "open UDP 4500 (both directions) on every firewall between the "
		     "gateways; if there is no NAT and ESP itself passes, removing "
		     "forceencaps=yes where it is set keeps IKE on port 500";
		return;
	}
	if (strstr(f->text, "sending to it failed here")) {
		bool route = strstr(f->text, "(no route)");
		*w = route ? "this host has no route to the peer: the kernel refused to "
			     "send "
			     "(network or host unreachable), nothing reached the wire; the "
			     "peer is not to blame"
			   : "this host could not send to the peer (the kernel refused the "
			     "datagrams, see the error above); the peer may never have seen "
			     "us";
		*x = route ? "add a route to the peer's address ('ip route get ADDRESS' "
			     "shows "
			     "the lookup), or fix right= or left= (the source address must "
			     "be "
			     "one of this host's)"
			   : "fix the local cause named above (address, interface, firewall "
			     "output rules)";
		return;
	}
	if (timeout_after_keys(f, w, x))
		return;
	*w = f->initiator ? "the peer never answered: it is unreachable, UDP 500 (and 4500 for "
			    "NAT-T) is blocked on the path, or it silently drops us (no conn "
			    "for our address, or a PSK mismatch it does not report)"
			  : "the peer started a negotiation and stopped answering: our replies "
			    "do not reach it (NAT or firewall), or the source was spoofed";
	*x = f->initiator ? "check the route and firewalls for UDP 500/4500 to the peer and the "
			    "peer's log for our address"
			  : "check that replies to the peer's address and port get through";
}

/* A local policy refusal: no secret for the pair of IDs, or no conn for the peer. */
static void explain_policy(const struct dmn_failure *f, const char **w, const char **x)
{
	if (strstr(f->text, "pre-shared key")) {
		*w = "ipsec.secrets has no pre-shared key for this pair of IDs (ours and "
		     "the "
		     "peer's, as leftid=/rightid= or the addresses say)";
		*x = "add a line 'OUR-ID PEER-ID : PSK \"...\"' to ipsec.secrets and "
		     "reload, or "
		     "fix leftid=/rightid=";
	} else {
		*w = "no conn matches this peer (its address, or the ID it sent)";
		*x = "add a conn with right= set to the peer's address (or %any) and "
		     "rightid= "
		     "its ID, or fix the one meant for it";
	}
}

/* Another failure: the kernel refused the IPsec SA, or an internal error. */
static void explain_other(const struct dmn_failure *f, const char **w, const char **x)
{
	if (strstr(f->text, "not installed")) {
		*w = "the negotiation succeeded but the kernel refused to install the IPsec "
		     "SA: no traffic passes through it (the tunnel only looks up)";
		*x = "check that the kernel has the protocol (ESP/AH, and IPComp with "
		     "compress=yes: the esp4/esp6/ipcomp modules) and the algorithm named "
		     "above; the daemon's log has the kernel's own message";
		return;
	}
	*w = "an internal error (out of memory or a kernel error)";
	*x = "see the daemon's log around that time";
}

/* The failures whose meaning and fix do not depend on the phase or the engine's text. */
static const struct {
	enum proto_ike_reason reason;
	const char *why, *fix;
} fixed_words[] = {
	{PROTO_IKE_E_AUTH,
	 "the HASH did not verify: the pre-shared keys differ (or the IDs select a "
	 "different secret on one side)",
	 "give both sides the same PSK in ipsec.secrets, for the IDs actually used "
	 "(leftid/rightid, or the addresses)"},
	{PROTO_IKE_E_NATT,
	 "NAT traversal disagreement: this side forces UDP encapsulation "
	 "(forceencaps=yes) and the peer does not do NAT-T (it announced no NAT-T "
	 "vendor "
	 "ID: encapsulation=no, or an implementation without it)",
	 "turn NAT-T on at the peer (or remove its encapsulation=no), or drop "
	 "forceencaps=yes here if ESP passes the path"},
	{PROTO_IKE_E_PEER_NOTIFY, "the peer refused with the error notify shown above",
	 "read the peer's log for the reason it gives"},
	{PROTO_IKE_E_AGGRESSIVE, "one side wants Aggressive Mode and the other refuses it",
	 "set aggressive=yes on both sides (PSK Aggressive Mode exposes the PSK hash to "
	 "offline guessing), or use Main Mode on both"},
	{PROTO_IKE_E_DH,
	 "the Diffie-Hellman exchange failed: the peer's public value was invalid or of "
	 "the "
	 "wrong size for the group",
	 "check that both sides implement the DH group the same way (RFC "
	 "3526/5903/8031); "
	 "try another group"},
	{PROTO_IKE_E_DELETED, "the SA was deleted while it was being negotiated",
	 "nothing to change if someone brought it down on purpose"},
};

void dmn_failure_explain(const struct dmn_failure *f, char *why, size_t why_len, char *fix,
			 size_t fix_len)
{
	const char *w = "", *x = "";
	bool p2 = f->phase == 2;
	if (cert_words(f, &w, &x)) {
		snprintf(why, why_len, "%s", w);
		snprintf(fix, fix_len, "%s", x);
		return;
	}
	for (size_t i = 0; i < sizeof(fixed_words) / sizeof(fixed_words[0]); i++)
		if (fixed_words[i].reason == f->reason) {
			snprintf(why, why_len, "%s", fixed_words[i].why);
			snprintf(fix, fix_len, "%s", fixed_words[i].fix);
			return;
		}
	switch (f->reason) {
	case PROTO_IKE_E_NO_PROPOSAL:
		explain_no_proposal(f, p2, &w, &x);
		break;
	case PROTO_IKE_E_ID:
		w = p2 ? "the traffic selectors (subnets) do not match what the peer proposes or "
			 "accepts"
		       : "the peer identified itself with an ID this conn does not expect";
		x = p2 ? "make leftsubnet=/rightsubnet= mirror the peer's subnets exactly"
		       : "set rightid= to the ID the peer sends (shown above), or change the "
			 "peer's "
			 "own ID";
		break;
	case PROTO_IKE_E_LIFETIME:
		w = p2 ? "the peer offered an IPsec SA lifetime (seconds or kilobytes) longer than "
			 "ours and lifetimecheck=strict refuses it"
		       : "the peer offered an ISAKMP SA lifetime longer than our ikelifetime= and "
			 "lifetimecheck=strict refuses it";
		x = p2 ? "make the peer's lifetime (and lifebytes) no longer than ours, shown "
			 "above, "
			 "or set lifetimecheck=claim to shorten it and tell the peer "
			 "(RESPONDER-LIFETIME)"
		       : "make the peer's ikelifetime no longer than ours, shown above, or set "
			 "lifetimecheck=claim to accept it and use the shorter one";
		break;
	case PROTO_IKE_E_TIMEOUT:
		explain_timeout(f, &w, &x);
		break;
	case PROTO_IKE_E_POLICY:
		explain_policy(f, &w, &x);
		break;
	default:
		explain_other(f, &w, &x);
		break;
	}
	snprintf(why, why_len, "%s", w);
	snprintf(fix, fix_len, "%s", x);
}
