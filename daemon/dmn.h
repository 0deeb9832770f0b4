/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's one context object. daemon/ alone owns globals, the event loop, descriptors and
 * timers; everything lives in (or hangs off) struct dmn, created by dmn_new() and freed by
 * dmn_free().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon/ike_socket.h"
#include "daemon/kernel.h"

#define DMN_SOCKS_MAX 4

struct dmn_opts {
	const char *config_path;
	const char *secrets_path;
	bool secrets_given; /* --secrets: config setup secretsfile= does not override it */
	const char *socket_path;
	int log_level;
	bool foreground;
	bool check_config;
	uint16_t ike_port;  /* --ike-port, else config setup ikeport= (dmn_conf_ports) */
	uint16_t natt_port; /* --natt-port, else config setup nat-ikeport= */
	bool ike_port_set, natt_port_set; /* given on the command line */
	unsigned workers;
	unsigned updown_timeout;		 /* seconds, 0: DMN_UPDOWN_TIMEOUT_S */
	const char *firewall_script;		 /* leftfirewall=yes without leftupdown= runs it */
	const struct dmn_kernel_ops *kernel_ops; /* NULL: the real kernel (dmn_kernel_xfrm) */
};

struct dmn_stats {
	uint64_t rx_packets;
	uint64_t rx_dropped;
	uint64_t tx_packets;
	uint64_t tx_errors;
};

struct dmn_workers;
struct dmn_ike;
struct dmn_vici;
struct dmn_config;
struct dmn_secrets;
struct dmn_certs;
struct dmn_updown;

struct dmn {
	struct dmn_opts opts;
	sd_event *ev;
	struct dmn_sock socks[DMN_SOCKS_MAX];
	sd_event_source *sock_src[DMN_SOCKS_MAX];
	unsigned nsocks;
	struct dmn_workers *workers;
	struct dmn_kernel kernel;    /* the kernel's IPsec tables (daemon/kernel.h) */
	struct dmn_config *config;   /* the config in force (swapped whole on reload) */
	struct dmn_secrets *secrets; /* may be NULL: no secrets file */
	struct dmn_certs *certs;     /* the certificate store (daemon/ike_certs.c); may be NULL */
	struct dmn_ike *ike;
	struct dmn_vici *vici;	   /* the control socket (daemon/vici_srv.c) */
	struct dmn_updown *updown; /* updown scripts (daemon/updown.c) */
	struct dmn_stats stats;
	/* In-process tests only (NULL in oakleyd): every outgoing IKE datagram goes here instead of
	 * a socket; natt says it would have left from the NAT-T port. Returns 0 or -errno, as
	 * dmn_sock_send. A test delivers datagrams to a daemon through dmn_ike_input, as the
	 * socket callback does. */
	int (*tx_hook)(struct dmn *d, const uint8_t *msg, size_t len,
		       const struct sockaddr_storage *dst, const struct sockaddr_storage *src,
		       bool natt);
	void *tx_ctx; /* the hook's */
	uint8_t rxbuf[DMN_PKT_MAX];
};

/* Builds the daemon: loop, signals, sockets, workers, kernel handle. On failure *ret may hold a
 * half-built context for dmn_free(). Returns 0 or -errno (already logged). */
int dmn_new(const struct dmn_opts *opts, struct dmn **ret);

/* Runs the loop until SIGTERM/SIGINT; tells systemd READY and STOPPING. 0 or -errno. */
int dmn_run(struct dmn *d);

/* Frees everything; accepts NULL. */
void dmn_free(struct dmn *d);

/* --check-config: parses config and secrets, prints every problem with file:line. 0 or -EINVAL. */
int dmn_check_config(const struct dmn_opts *opts);

/* daemon/ike_glue.c: the IKE engine's glue (engine, timers, DH jobs, kernel programming). */
int dmn_ike_setup(struct dmn *d);
void dmn_ike_input(struct dmn *d, const struct dmn_pkt *pkt);
/* Starts the conn called name (auto=start at startup, `oakley up`). 0 or -errno (logged). */
int dmn_ike_initiate(struct dmn *d, const char *name);
/* Like dmn_ike_initiate, for an operator's `up`: over the established ISAKMP SA of the conn with
 * its peer when there is one (Quick Mode only). */
int dmn_ike_up(struct dmn *d, const char *name);
/* Deletes every SA (sending DELETEs) and removes what was installed in the kernel. */
void dmn_ike_shutdown(struct dmn *d);
void dmn_ike_free(struct dmn *d);
/* The conn list was changed in place (VICI load-conn/unload-conn). */
void dmn_ike_config_changed(struct dmn *d);
/*
 * Switches to a newly loaded config and secrets (ownership passes to d; daemon/ike_reload.c):
 * conns that did not change keep their tunnels untouched; removed conns are torn down (DELETE
 * sent, kernel state removed); changed conns keep their SAs until SAs with the new settings
 * replace them; new and changed auto=start conns are started, and a new auto= alone starts,
 * traps or untraps a conn without touching its SAs.
 */
void dmn_ike_reload(struct dmn *d, struct dmn_config *cfg, struct dmn_secrets *secrets);
/* SIGHUP: reload config and secrets atomically (daemon/loader.c). */
int dmn_on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata);

/* Monotonic milliseconds from the loop's clock (daemon/dmn.c). */
uint64_t dmn_now_ms(const struct dmn *d);
