/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two oakleyd instances in one process for the in-process daemon tests: gateway "left"
 * (192.0.2.1) and "right" (198.51.100.1), each a struct dmn built from ipsec.conf and
 * ipsec.secrets text, on one sd-event loop, each with its own fake kernel (fake_kernel.h). Their
 * IKE datagrams travel through an in-memory transport (the daemon's tx_hook; delivery through
 * dmn_ike_input, as the socket callback does) that can drop or duplicate them.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon/dmn.h"
#include "daemon/ike_glue.h"
#include "fake_kernel.h"

struct gw {
	const char *name;
	const char *addr;
	struct dmn *d;
	struct fake_kernel k;
	bool drop_rx;	    /* the transport drops every datagram to this gateway */
	unsigned dup_rx;    /* the next n datagrams to it are delivered twice */
	uint16_t nat_shift; /* a NAT before it: its datagrams leave from port 500/4500 + this */
	unsigned rx, tx;    /* datagrams delivered to it / sent by it */
	unsigned rx_dropped;
};

extern struct gw gw_left, gw_right;
extern sd_event *gw_loop;

/* The loop and both fake kernels (not the daemons). */
void gw_setup(void);
/* Builds g's daemon from conf and secrets (both texts as a file would hold them); 0 or -errno. */
int gw_start(struct gw *g, const char *conf, const char *secrets);
/* A crash: the daemon goes without sending anything; its kernel keeps what it had. */
void gw_crash(struct gw *g);
/* A clean stop: DELETEs sent (and delivered while the loop runs), kernel state removed. */
void gw_stop(struct gw *g);
void gw_teardown(void);
/* Parses conf for g (oriented to g's address) without starting anything. */
struct dmn_config *gw_config(const struct gw *g, const char *conf);
struct dmn_secrets *gw_secrets(const char *secrets);

/* Runs the loop until pred(arg) holds or ms milliseconds passed; returns pred's last value. */
bool gw_run_until(bool (*pred)(void *arg), void *arg, unsigned ms);
/* Runs the loop for ms milliseconds. */
void gw_run_for(unsigned ms);
uint64_t gw_now_ms(void);

/* Of a daemon's records: children of conn (superseded ones too when all), ISAKMP SAs. */
unsigned gw_children(const struct gw *g, const char *conn, bool all);
const struct dmn_child *gw_child(const struct gw *g, const char *conn);
unsigned gw_sas(const struct gw *g, const char *conn);
