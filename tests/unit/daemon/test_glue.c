// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon glue in-process (issue 21): two oakleyd instances on one loop (glue_harness.h), each
 * with a fake kernel, no root, no namespace, no socket. Each case brings conns up and down through
 * the daemon's own entry points and checks what each kernel was asked to hold and what the
 * daemon's records say.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/ike_glue.h"
#include "daemon/ike_glue_int.h" /* dmn_ike_child_key */
#include "glue_harness.h"
#include "tests/testutil.h"

#define PSK "192.0.2.1 198.51.100.1 : PSK \"glue-test-secret-0123456789\"\n"

/* conn net: left 10.1.0.0/24 <-> right 10.2.0.0/24, auto=add unless extra says; extra lines go
 * at the end of the conn. */
static char conf_buf[4096];
static const char *conf(const char *setup, const char *extra)
{
	snprintf(conf_buf, sizeof(conf_buf),
		 "config setup\n%s\n"
		 "conn net\n"
		 "    keyexchange=ikev1\n"
		 "    authby=secret\n"
		 "    left=192.0.2.1\n"
		 "    right=198.51.100.1\n"
		 "    leftsubnet=10.1.0.0/24\n"
		 "    rightsubnet=10.2.0.0/24\n"
		 "    ike=aes128-sha256-modp2048!\n"
		 "    esp=aes128-sha256!\n"
		 "    keyingtries=1\n"
		 "%s%s\n",
		 setup ? setup : "", extra && strstr(extra, "auto=") ? "" : "    auto=add\n",
		 extra ? extra : "");
	return conf_buf;
}

struct want {
	const struct gw *g;
	const char *conn;
	unsigned n;
};

__attribute__((unused)) static bool has_children(void *arg)
{
	const struct want *w = arg;
	return gw_children(w->g, w->conn, false) == w->n;
}

static bool both_up(void *arg)
{
	const char *conn = arg;
	const struct dmn_child *l = gw_child(&gw_left, conn), *r = gw_child(&gw_right, conn);
	return l && r && dmn_child_installed(l) && dmn_child_installed(r);
}

static bool children_gone(void *arg)
{
	const char *conn = arg;
	return gw_children(&gw_left, conn, true) == 0 && gw_children(&gw_right, conn, true) == 0;
}

static void start_both(const char *setup, const char *extra)
{
	gw_setup();
	CHECK_EQ_INT(gw_start(&gw_left, conf(setup, extra), PSK), 0);
	CHECK_EQ_INT(gw_start(&gw_right, conf(setup, extra), PSK), 0);
}

/* The child of conn net up on both sides: one SA pair each, the SPIs crossed, policies. */
static bool bring_up(void)
{
	CHECK_EQ_INT(dmn_ike_initiate(gw_left.d, "net"), 0);
	if (!CHECK(gw_run_until(both_up, "net", 20000)))
		return false;
	const struct dmn_child *l = gw_child(&gw_left, "net"), *r = gw_child(&gw_right, "net");
	CHECK_EQ_INT(l->spi_in, r->spi_out);
	CHECK_EQ_INT(l->spi_out, r->spi_in);
	return true;
}

static void case_up_down(void)
{
	start_both(NULL, NULL);
	/* every datagram of the negotiation arrives twice: still one child each */
	gw_left.dup_rx = gw_right.dup_rx = 10;
	if (bring_up()) {
		gw_run_for(50);
		CHECK_EQ_INT(gw_children(&gw_left, "net", true), 1);
		CHECK_EQ_INT(gw_children(&gw_right, "net", true), 1);
		CHECK(gw_left.rx > 3 && gw_right.rx > 3);
		const struct dmn_child *l = gw_child(&gw_left, "net");
		uint32_t spi_in = l->spi_in, spi_out = l->spi_out;
		CHECK_EQ_INT(fk_n_sas(&gw_left.k, IPPROTO_ESP), 2);
		CHECK_EQ_INT(fk_n_sas(&gw_right.k, IPPROTO_ESP), 2);
		/* out, in and fwd on each side */
		CHECK_EQ_INT(fk_n_pols(&gw_left.k), 3);
		CHECK_EQ_INT(fk_n_pols(&gw_right.k), 3);
		struct fk_sa *in = fk_find_sa(&gw_left.k, IPPROTO_ESP, spi_in);
		struct fk_sa *out = fk_find_sa(&gw_left.k, IPPROTO_ESP, spi_out);
		if (CHECK(in && out)) {
			CHECK_EQ_INT(in->sa.mode, XFRM_MODE_TUNNEL);
			CHECK_EQ_INT(in->sa.src.bytes[0], 198); /* from right */
			CHECK_EQ_INT(out->sa.dst.bytes[0], 198);
			CHECK_EQ_INT(out->sa.reqid, in->sa.reqid);
		}
		CHECK_EQ_INT(gw_sas(&gw_left, "net"), 1);
		CHECK_EQ_INT(gw_sas(&gw_right, "net"), 1);
		/* operator down on left: DELETE to right, both remove SAs and policies */
		CHECK_EQ_INT(dmn_ike_terminate(gw_left.d, "net"), 1); /* ISAKMP SAs */
		CHECK(gw_run_until(children_gone, "net", 10000));
		CHECK_EQ_INT(fk_n_sas(&gw_left.k, 0), 0);
		CHECK_EQ_INT(fk_n_sas(&gw_right.k, 0), 0);
		CHECK_EQ_INT(fk_n_pols(&gw_left.k), 0);
		CHECK_EQ_INT(fk_n_pols(&gw_right.k), 0);
		CHECK(gw_right.k.calls[FK_SA_DEL] >= 2);
	}
	gw_teardown();
}

/* A kernel soft expire on left's inbound SA starts a rekey: a second child with new SPIs is
 * installed on both sides, the old one superseded, then retired (its SAs deleted) on both. */
static bool rekeyed(void *arg)
{
	const uint32_t *old = arg;
	const struct dmn_child *l = gw_child(&gw_left, "net"), *r = gw_child(&gw_right, "net");
	return l && r && l->spi_in != *old && dmn_child_installed(l) && dmn_child_installed(r) &&
	       r->spi_out == l->spi_in;
}

static bool old_retired(void *arg)
{
	const uint32_t *old = arg; /* left's inbound, left's outbound */
	return !fk_find_sa(&gw_left.k, IPPROTO_ESP, old[0]) &&
	       !fk_find_sa(&gw_left.k, IPPROTO_ESP, old[1]) &&
	       !fk_find_sa(&gw_right.k, IPPROTO_ESP, old[0]) &&
	       !fk_find_sa(&gw_right.k, IPPROTO_ESP, old[1]) &&
	       gw_children(&gw_left, "net", true) == 1 && gw_children(&gw_right, "net", true) == 1;
}

static void case_rekey(void)
{
	start_both(NULL, "    lifetime=60s\n    rekeymargin=20s\n");
	if (bring_up()) {
		const struct dmn_child *l = gw_child(&gw_left, "net");
		uint32_t old[2] = {l->spi_in, l->spi_out};
		CHECK(l->soft_s > 0 && l->soft_s < 60);
		fk_expire(&gw_left.k, old[0], false);
		CHECK(gw_run_until(rekeyed, old, 10000));
		CHECK_EQ_INT(gw_left.d->ike->expired_soft, 1);
		CHECK_EQ_INT(gw_left.d->ike->rekeys_started, 1);
		/* old and new until the old one retires (the new outbound SA follows its inbound
		 * one DMN_REKEY_OUT_DELAY_MS later) */
		CHECK_EQ_INT(gw_children(&gw_left, "net", true), 2);
		CHECK(gw_left.d && gw_child(&gw_left, "net")->superseded == false);
		CHECK(fk_n_sas(&gw_left.k, IPPROTO_ESP) >= 3);
		CHECK(gw_run_until(old_retired, old, DMN_REKEY_RETIRE_MS + 5000));
		CHECK_EQ_INT(fk_n_sas(&gw_left.k, IPPROTO_ESP), 2);
		CHECK_EQ_INT(fk_n_sas(&gw_right.k, IPPROTO_ESP), 2);
		CHECK_EQ_INT(fk_n_pols(&gw_left.k), 3);
		CHECK_EQ_INT(fk_n_pols(&gw_right.k), 3);
	}
	gw_teardown();
}

/* A hard expire (the kernel deleted left's outbound SA): the child goes on both sides. */
static void case_expire(void)
{
	start_both(NULL, NULL);
	if (bring_up()) {
		const struct dmn_child *l = gw_child(&gw_left, "net");
		fk_expire(&gw_left.k, l->spi_out, true);
		CHECK(gw_run_until(children_gone, "net", 10000));
		CHECK_EQ_INT(gw_left.d->ike->expired_hard, 1);
		CHECK_EQ_INT(fk_n_sas(&gw_left.k, 0), 0);
		CHECK_EQ_INT(fk_n_sas(&gw_right.k, 0), 0);
		CHECK_EQ_INT(fk_n_pols(&gw_left.k), 0);
		CHECK_EQ_INT(fk_n_pols(&gw_right.k), 0);
		/* the ISAKMP SA stays */
		CHECK_EQ_INT(gw_sas(&gw_left, "net"), 1);
	}
	gw_teardown();
}

/* DPD: nothing from right reaches left any more; dpdaction=clear removes left's SAs and
 * policies (and nothing is started again), dpdaction=restart initiates the conn again, which
 * comes up once the transport carries datagrams again. */
static bool left_dead(void *arg)
{
	(void)arg;
	return gw_children(&gw_left, "net", true) == 0 && gw_sas(&gw_left, "net") == 0;
}

static bool left_restarted(void *arg)
{
	(void)arg;
	return gw_left.d->ike->p1_initiated >= 2;
}

static void case_dpd(bool restart)
{
	start_both(NULL, restart ? "    dpddelay=1s\n    dpdtimeout=3s\n    dpdaction=restart\n"
				 : "    dpddelay=1s\n    dpdtimeout=3s\n    dpdaction=clear\n");
	if (bring_up()) {
		uint32_t old = gw_child(&gw_left, "net")->spi_in;
		gw_left.drop_rx = true;
		if (restart) {
			CHECK(gw_run_until(left_restarted, NULL, 15000));
			gw_left.drop_rx = false;
			CHECK(gw_run_until(both_up, "net", 20000));
			const struct dmn_child *l = gw_child(&gw_left, "net");
			CHECK(l && l->spi_in != old);
			CHECK(!fk_find_sa(&gw_left.k, IPPROTO_ESP, old));
		} else {
			CHECK(gw_run_until(left_dead, NULL, 15000));
			CHECK_EQ_INT(fk_n_sas(&gw_left.k, 0), 0);
			CHECK_EQ_INT(fk_n_pols(&gw_left.k), 0);
			CHECK(gw_left.rx_dropped > 0);
			CHECK(gw_left.d->ike->dpd_probes > 0);
			gw_run_for(1500);
			CHECK_EQ_INT(gw_left.d->ike->p1_initiated, 1);
		}
	}
	gw_teardown();
}

static void case_dpd_clear(void)
{
	case_dpd(false);
}

static void case_dpd_restart(void)
{
	case_dpd(true);
}

/* Right crashes and starts again (its kernel flushed by the new daemon): its new phase 1
 * carries INITIAL-CONTACT, and left removes the SAs of the old instance. */
static bool left_replaced(void *arg)
{
	const uint32_t *old = arg;
	const struct dmn_child *l = gw_child(&gw_left, "net");
	return l && l->spi_in != *old && gw_children(&gw_left, "net", true) == 1 && both_up("net");
}

static void crash_restart_right(const char *extra)
{
	gw_crash(&gw_right);
	CHECK_EQ_INT(gw_start(&gw_right, conf(NULL, extra), PSK), 0);
	CHECK_EQ_INT(fk_n_sas(&gw_right.k, 0), 0); /* the leftovers flushed */
	CHECK_EQ_INT(dmn_ike_initiate(gw_right.d, "net"), 0);
}

static void case_initial_contact(void)
{
	start_both(NULL, NULL);
	if (bring_up()) {
		uint32_t old[2] = {gw_child(&gw_left, "net")->spi_in,
				   gw_child(&gw_left, "net")->spi_out};
		gw_run_for(20); /* INITIAL-CONTACT spares children newer than the new phase 1 */
		crash_restart_right(NULL);
		/* removed at once, not retired DMN_REKEY_RETIRE_MS after being replaced */
		CHECK(gw_run_until(left_replaced, old, DMN_REKEY_RETIRE_MS / 2));
		CHECK(!fk_find_sa(&gw_left.k, IPPROTO_ESP, old[0]));
		CHECK(!fk_find_sa(&gw_left.k, IPPROTO_ESP, old[1]));
		CHECK_EQ_INT(fk_n_sas(&gw_left.k, IPPROTO_ESP), 2);
		CHECK_EQ_INT(fk_n_pols(&gw_left.k), 3);
		/* the old ISAKMP SA record stays (only IPsec SAs are removed; DPD or its expiry
		 * ends it) */
		CHECK_EQ_INT(gw_left.d->ike->unique_replaced, 0);
	}
	gw_teardown();
}

/* The same restart without INITIAL-CONTACT (initial-contact=no), from another port (a NAT
 * before right gave its new instance a new mapping): uniqueids=yes on left replaces the old
 * ISAKMP SA of the same ID and its IPsec SAs; the new child is NAT-T (ESP in UDP). */
static void case_uniqueids(void)
{
	start_both("    uniqueids=yes", NULL);
	if (bring_up()) {
		uint32_t old[2] = {gw_child(&gw_left, "net")->spi_in,
				   gw_child(&gw_left, "net")->spi_out};
		gw_right.nat_shift = 1000;
		crash_restart_right("    initial-contact=no\n");
		CHECK(gw_run_until(left_replaced, old, 20000));
		CHECK_EQ_INT(gw_left.d->ike->unique_replaced, 1);
		const struct dmn_child *l = gw_child(&gw_left, "net");
		if (CHECK(l && l->natt)) {
			struct fk_sa *out = fk_find_sa(&gw_left.k, IPPROTO_ESP, l->spi_out);
			CHECK(out && out->sa.encap);
			CHECK_EQ_INT(out ? out->sa.encap_dport : 0, 5500);
		}
		CHECK(!fk_find_sa(&gw_left.k, IPPROTO_ESP, old[0]));
		CHECK(!fk_find_sa(&gw_left.k, IPPROTO_ESP, old[1]));
		CHECK_EQ_INT(gw_sas(&gw_left, "net"), 1);
	}
	gw_teardown();
}

/* Two conns, net and net2 (10.1.1.0/24 <-> 10.2.1.0/24, esp=esp2, auto=auto2). */
static char conf2_buf[8192];
static const char *conf2(const char *esp2, const char *auto2)
{
	char net2[1024];
	snprintf(net2, sizeof(net2),
		 "conn net2\n"
		 "    keyexchange=ikev1\n"
		 "    authby=secret\n"
		 "    left=192.0.2.1\n"
		 "    right=198.51.100.1\n"
		 "    leftsubnet=10.1.1.0/24\n"
		 "    rightsubnet=10.2.1.0/24\n"
		 "    ike=aes128-sha256-modp2048!\n"
		 "    esp=%s!\n"
		 "    auto=%s\n",
		 esp2, auto2);
	snprintf(conf2_buf, sizeof(conf2_buf), "%s%s", conf(NULL, NULL), net2);
	return conf2_buf;
}

static void reload(struct gw *g, const char *text)
{
	struct dmn_config *cfg = gw_config(g, text);
	struct dmn_secrets *sec = gw_secrets(PSK);
	if (CHECK(cfg && sec))
		dmn_ike_reload(g->d, cfg, sec);
}

struct spis {
	uint32_t net_in, net_out, net2_in, net2_out;
};

static bool net2_replaced(void *arg)
{
	const struct spis *old = arg;
	const struct dmn_child *l = gw_child(&gw_left, "net2"), *r = gw_child(&gw_right, "net2");
	return l && r && l->spi_in != old->net2_in && dmn_child_installed(l) &&
	       dmn_child_installed(r) && !fk_find_sa(&gw_left.k, IPPROTO_ESP, old->net2_in) &&
	       !fk_find_sa(&gw_right.k, IPPROTO_ESP, old->net2_in) &&
	       gw_children(&gw_left, "net2", true) == 1 &&
	       gw_children(&gw_right, "net2", true) == 1;
}

/* A reload that changes net2 (esp=aes256) and not net: net's SAs stay as they are (same SPIs,
 * never deleted), net2 (auto=start now) is negotiated again and its old SAs go. */
static void case_reload(void)
{
	gw_setup();
	CHECK_EQ_INT(gw_start(&gw_left, conf2("aes128-sha256", "add"), PSK), 0);
	CHECK_EQ_INT(gw_start(&gw_right, conf2("aes128-sha256", "add"), PSK), 0);
	CHECK_EQ_INT(dmn_ike_initiate(gw_left.d, "net2"), 0);
	if (bring_up() && CHECK(gw_run_until(both_up, "net2", 20000))) {
		const struct dmn_child *n = gw_child(&gw_left, "net"),
				       *n2 = gw_child(&gw_left, "net2");
		struct spis old = {n->spi_in, n->spi_out, n2->spi_in, n2->spi_out};
		CHECK_EQ_INT(fk_find_sa(&gw_left.k, IPPROTO_ESP, old.net2_out)->sa.enc.len, 16);
		reload(&gw_right, conf2("aes256-sha256", "add"));
		reload(&gw_left, conf2("aes256-sha256", "start"));
		CHECK(gw_run_until(net2_replaced, &old, DMN_REKEY_RETIRE_MS + 5000));
		n = gw_child(&gw_left, "net");
		n2 = gw_child(&gw_left, "net2");
		if (CHECK(n && n2)) {
			CHECK_EQ_INT(n->spi_in, old.net_in);
			CHECK(!n->stale);
			struct fk_sa *out2 = fk_find_sa(&gw_left.k, IPPROTO_ESP, n2->spi_out);
			CHECK(out2 && out2->sa.enc.len == 32); /* AES-256 */
		}
		CHECK(fk_find_sa(&gw_left.k, IPPROTO_ESP, old.net_in) != NULL);
		CHECK(fk_find_sa(&gw_left.k, IPPROTO_ESP, old.net_out) != NULL);
		CHECK(fk_find_sa(&gw_right.k, IPPROTO_ESP, old.net_in) != NULL);
		CHECK(fk_find_sa(&gw_right.k, IPPROTO_ESP, old.net_out) != NULL);
		CHECK_EQ_INT(gw_children(&gw_left, "net", true), 1);
		CHECK_EQ_INT(fk_n_sas(&gw_left.k, IPPROTO_ESP), 4);
		CHECK_EQ_INT(fk_n_pols(&gw_left.k), 6);
	}
	gw_teardown();
}

/* Right's kernel refuses its outbound SA: right's child is not installed (no policies either),
 * and the failure is kept for `oakley explain` with the kernel's words. */
static bool right_failed(void *arg)
{
	(void)arg;
	return gw_right.d->ike->n_failures > 0;
}

static void case_refuse_install(void)
{
	start_both(NULL, NULL);
	gw_right.k.fail[FK_SA_ADD] = -ENOENT;
	CHECK_EQ_INT(dmn_ike_initiate(gw_left.d, "net"), 0);
	if (CHECK(gw_run_until(right_failed, NULL, 20000))) {
		const struct dmn_failure *f = &gw_right.d->ike->failures[0];
		CHECK(strcmp(f->conn, "net") == 0);
		CHECK_EQ_INT(f->phase, 2);
		CHECK(strstr(f->text, "not installed") != NULL);
		CHECK(strstr(f->text, "refused by the test kernel") != NULL);
		char why[512], fix[512];
		dmn_failure_explain(f, why, sizeof(why), fix, sizeof(fix));
		CHECK(why[0] != 0);
		const struct dmn_child *r = gw_child(&gw_right, "net");
		CHECK(!r || !dmn_child_installed(r));
		CHECK_EQ_INT(fk_n_pols(&gw_right.k), 0);
		if (r)
			CHECK(!fk_find_sa(&gw_right.k, IPPROTO_ESP, r->spi_out));
	}
	gw_teardown();
}

/* Left's kernel refuses to delete an SA at an operator's down: that SA stays installed (and the
 * daemon says so), everything else goes on both sides. */
static void case_refuse_delete(void)
{
	start_both(NULL, NULL);
	if (bring_up()) {
		gw_left.k.fail[FK_SA_DEL] = -EPERM;
		unsigned dels = gw_left.k.calls[FK_SA_DEL];
		CHECK_EQ_INT(dmn_ike_terminate(gw_left.d, "net"), 1);
		CHECK(gw_run_until(children_gone, "net", 10000));
		CHECK(gw_left.k.calls[FK_SA_DEL] >= dels + 2);
		CHECK_EQ_INT(fk_n_sas(&gw_left.k, IPPROTO_ESP), 1);
		CHECK_EQ_INT(fk_n_pols(&gw_left.k), 0);
		CHECK_EQ_INT(fk_n_sas(&gw_right.k, 0), 0);
	}
	gw_teardown();
}

/* auto=route: trap policies at start; a kernel ACQUIRE for their reqid negotiates the conn,
 * whose child takes the policies over; an operator's down leaves the traps. */
static void case_acquire(void)
{
	start_both(NULL, "    auto=route\n");
	gw_run_for(50); /* the traps are installed once the loop runs */
	unsigned traps = fk_n_pols(&gw_left.k);
	CHECK(traps >= 1);
	uint32_t reqid = 0;
	for (unsigned i = 0; i < FK_MAX && !reqid; i++)
		if (gw_left.k.pols[i].used && gw_left.k.pols[i].pol.n_tmpls)
			reqid = gw_left.k.pols[i].pol.tmpls[0].reqid;
	CHECK(reqid != 0);
	CHECK_EQ_INT(fk_n_sas(&gw_left.k, 0), 0);
	struct xfrm_sel sel = {.src = {.family = AF_INET, .bytes = {10, 1, 0, 5}},
			       .dst = {.family = AF_INET, .bytes = {10, 2, 0, 7}},
			       .src_len = 32,
			       .dst_len = 32};
	fk_acquire(&gw_left.k, reqid, &sel);
	if (CHECK(gw_run_until(both_up, "net", 20000))) {
		CHECK_EQ_INT(gw_left.d->ike->acquires, 1);
		CHECK_EQ_INT(fk_n_sas(&gw_left.k, IPPROTO_ESP), 2);
		CHECK_EQ_INT(fk_n_pols(&gw_left.k), 3);
		/* a second ACQUIRE while the child is up starts nothing */
		fk_acquire(&gw_left.k, reqid, &sel);
		gw_run_for(50);
		CHECK_EQ_INT(gw_left.d->ike->acquires, 1);
		CHECK_EQ_INT(dmn_ike_terminate(gw_left.d, "net"), 1);
		CHECK(gw_run_until(children_gone, "net", 10000));
		CHECK_EQ_INT(fk_n_sas(&gw_left.k, 0), 0);
		CHECK_EQ_INT(fk_n_pols(&gw_left.k), traps);
	}
	gw_teardown();
}

/* Allocation failure of a record (dmn_ike.record_alloc_fail). Left's ISAKMP SA record at
 * P1_UP: the engine's SA is deleted with it (DELETE to right), so neither side keeps an ISAKMP
 * SA or installs anything. Then, with a tunnel up, left's record of the child of its rekey (a
 * soft expire): that child is deleted (DELETE to right) before anything of it is installed at
 * left; right, which had installed it and superseded its old child, takes the old one back, so
 * the tunnel carries on past the retire window, and left's rekey is tried again and succeeds. */
static bool p1_gone(void *arg)
{
	(void)arg;
	return gw_left.d->ike->records_failed == 1 && gw_sas(&gw_left, "net") == 0 &&
	       gw_sas(&gw_right, "net") == 0;
}

static bool rekey_failed(void *arg)
{
	(void)arg;
	return gw_left.d->ike->records_failed == 1 && gw_children(&gw_right, "net", true) == 1;
}

/* Both sides hold exactly the child old (left's inbound, outbound SPIs): one non-superseded
 * child each, its SA pair and its three policies in each kernel, nothing else. */
static void check_only_old(const uint32_t *old)
{
	const struct dmn_child *l = gw_child(&gw_left, "net"), *r = gw_child(&gw_right, "net");
	CHECK_EQ_INT(gw_children(&gw_left, "net", true), 1);
	CHECK_EQ_INT(gw_children(&gw_right, "net", true), 1);
	CHECK(l && l->spi_in == old[0] && l->spi_out == old[1] && dmn_child_installed(l));
	CHECK(r && r->spi_in == old[1] && r->spi_out == old[0] && dmn_child_installed(r));
	CHECK(l && !l->rekey_msgid && l->policies && r && r->policies && !r->retire_ms);
	for (int k = 0; k < 2; k++) {
		CHECK(fk_find_sa(&gw_left.k, IPPROTO_ESP, old[k]) != NULL);
		CHECK(fk_find_sa(&gw_right.k, IPPROTO_ESP, old[k]) != NULL);
	}
	CHECK_EQ_INT(fk_n_sas(&gw_left.k, IPPROTO_ESP), 2);
	CHECK_EQ_INT(fk_n_sas(&gw_right.k, IPPROTO_ESP), 2);
	CHECK_EQ_INT(fk_n_pols(&gw_left.k), 3);
	CHECK_EQ_INT(fk_n_pols(&gw_right.k), 3);
}

static bool children_gone_but_one(void *arg)
{
	(void)arg;
	return gw_children(&gw_left, "net", true) == 1 && gw_children(&gw_right, "net", true) == 1;
}

/* After an undone rekey (check_only_old): still so past the retire window, then left's rekey
 * is tried again (DMN_REKEY_AGAIN_MS later) and replaces old on both sides. */
static void check_rekey_again(uint32_t *old)
{
	gw_run_for(DMN_REKEY_RETIRE_MS + 1000);
	check_only_old(old);
	unsigned started = gw_left.d->ike->rekeys_started;
	CHECK(gw_run_until(rekeyed, old, DMN_REKEY_AGAIN_MS + 5000));
	CHECK_EQ_INT(gw_left.d->ike->rekeys_started, started + 1);
	CHECK(gw_run_until(old_retired, old, DMN_REKEY_RETIRE_MS + 5000));
	const struct dmn_child *l = gw_child(&gw_left, "net");
	CHECK(l && fk_find_sa(&gw_left.k, IPPROTO_ESP, l->spi_out) != NULL);
	CHECK_EQ_INT(fk_n_sas(&gw_left.k, IPPROTO_ESP), 2);
	CHECK_EQ_INT(fk_n_sas(&gw_right.k, IPPROTO_ESP), 2);
	CHECK_EQ_INT(fk_n_pols(&gw_left.k), 3);
	CHECK_EQ_INT(fk_n_pols(&gw_right.k), 3);
}

#define LIFE "    lifetime=60s\n    rekeymargin=20s\n"

static void case_record_alloc(void)
{
	start_both(NULL, NULL);
	gw_left.d->ike->record_alloc_fail = 1;
	CHECK_EQ_INT(dmn_ike_initiate(gw_left.d, "net"), 0);
	CHECK(gw_run_until(p1_gone, NULL, 20000));
	gw_run_for(200);
	CHECK_EQ_INT(gw_left.d->ike->record_alloc_fail, 0);
	CHECK_EQ_INT(gw_children(&gw_left, "net", true), 0);
	CHECK_EQ_INT(fk_n_sas(&gw_left.k, 0), 0);
	CHECK_EQ_INT(fk_n_pols(&gw_left.k), 0);
	CHECK_EQ_INT(gw_sas(&gw_right, "net"), 0);
	gw_teardown();

	start_both(NULL, LIFE);
	if (bring_up()) {
		const struct dmn_child *l = gw_child(&gw_left, "net");
		uint32_t old[2] = {l->spi_in, l->spi_out};
		gw_left.d->ike->record_alloc_fail = 1;
		fk_expire(&gw_left.k, old[0], false);
		CHECK(gw_run_until(rekey_failed, NULL, 20000));
		gw_run_for(200); /* the DELETE reaches right */
		CHECK_EQ_INT(gw_left.d->ike->rekeys_started, 1);
		/* left installed nothing of the new child; right's went with the DELETE, its old
		 * one is its again (not superseded, no retire time, its policies) */
		check_only_old(old);
		check_rekey_again(old);
	}
	gw_teardown();
}

/* Right deletes the child of left's rekey at once (an operator's terminate by its unique id,
 * DELETE to left): on both sides the old child takes the traffic back, stays past its retire
 * window, and left rekeys it again. */
static void case_rekey_delete(void)
{
	start_both(NULL, LIFE);
	if (bring_up()) {
		const struct dmn_child *l = gw_child(&gw_left, "net");
		uint32_t old[2] = {l->spi_in, l->spi_out};
		fk_expire(&gw_left.k, old[0], false);
		if (CHECK(gw_run_until(rekeyed, old, 10000))) {
			const struct dmn_child *r = gw_child(&gw_right, "net");
			CHECK_EQ_INT(gw_children(&gw_right, "net", true), 2);
			CHECK_EQ_INT(dmn_ike_terminate_child(
					     gw_right.d, dmn_ike_child_key(r->protocol, r->spi_in)),
				     0);
			CHECK(gw_run_until(children_gone_but_one, NULL, 2000));
			check_only_old(old);
			check_rekey_again(old);
		}
	}
	gw_teardown();
}

/* The kernel refuses the inbound SA of the rekey's new child, on left (the rekey's initiator)
 * or on right: that side deletes it (DELETE to the other, which takes its old child back), both
 * keep the old child with its SAs and policies past the retire window, and left's rekey is tried
 * again and replaces it on both sides. */
static void rekey_refused(struct gw *g)
{
	start_both(NULL, LIFE);
	if (bring_up()) {
		const struct dmn_child *l = gw_child(&gw_left, "net");
		uint32_t old[2] = {l->spi_in, l->spi_out};
		unsigned failures = g->d->ike->n_failures;
		g->k.fail[FK_SA_UPDATE] = -ENOENT;
		fk_expire(&gw_left.k, old[0], false);
		gw_run_for(500); /* the QM, the refusal, the DELETE */
		CHECK_EQ_INT(g->d->ike->n_failures, failures + 1);
		CHECK_EQ_INT(gw_left.d->ike->rekeys_started, 1);
		check_only_old(old);
		check_rekey_again(old);
	}
	gw_teardown();
}

static void case_rekey_refused(void)
{
	rekey_refused(&gw_left);
	rekey_refused(&gw_right);
}

int main(void)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} cases[] = {
		{"up-down", case_up_down},
		{"rekey", case_rekey},
		{"expire", case_expire},
		{"dpd-clear", case_dpd_clear},
		{"dpd-restart", case_dpd_restart},
		{"initial-contact", case_initial_contact},
		{"uniqueids", case_uniqueids},
		{"reload", case_reload},
		{"refuse-install", case_refuse_install},
		{"refuse-delete", case_refuse_delete},
		{"acquire", case_acquire},
		{"record-alloc", case_record_alloc},
		{"rekey-delete", case_rekey_delete},
		{"rekey-refused", case_rekey_refused},
	};
	const char *only = getenv("GLUE_CASE");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (only && strcmp(only, cases[i].name) != 0)
			continue;
		unsigned before = test_failures;
		uint64_t t0 = gw_now_ms();
		cases[i].run();
		printf("%s: %s (%llu ms)\n", cases[i].name,
		       test_failures == before ? "ok" : "FAILED",
		       (unsigned long long)(gw_now_ms() - t0));
	}
	return TEST_END();
}
