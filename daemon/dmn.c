// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/dmn.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "daemon/caps.h"
#include "daemon/loader.h"
#include "daemon/log.h"
#include "daemon/certs.h"
#include "daemon/updown.h"
#include "daemon/vici_srv.h"
#include "daemon/worker.h"

uint64_t dmn_now_ms(const struct dmn *d)
{
	uint64_t usec = 0;
	if (sd_event_now(d->ev, CLOCK_MONOTONIC, &usec) < 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	}
	return usec / 1000;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct dmn *d = userdata;
	(void)s;
	log_notice("received %s, shutting down", strsignal((int)si->ssi_signo));
	sd_notify(0, "STOPPING=1");
	return sd_event_exit(d->ev, 0);
}

/* One readable IKE socket: drain it (bounded per wakeup so one flood cannot starve the loop). */
static int on_packet(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct dmn *d = userdata;
	(void)s;
	(void)fd;
	(void)revents;
	const struct dmn_sock *sock = NULL;
	for (unsigned i = 0; i < d->nsocks; i++)
		if (d->sock_src[i] == s)
			sock = &d->socks[i];
	if (!sock)
		return 0;
	for (unsigned budget = 64; budget; budget--) {
		struct dmn_pkt pkt;
		int r = dmn_sock_recv(sock, d->rxbuf, sizeof(d->rxbuf), &pkt);
		if (r == -EAGAIN || r == -EWOULDBLOCK)
			break;
		if (r <= 0) {
			d->stats.rx_dropped++;
			continue;
		}
		d->stats.rx_packets++;
		dmn_ike_input(d, &pkt);
	}
	return 0;
}

/* Opens the four IKE sockets; IPv6 ones are optional (a host without IPv6 still serves IPv4). */
static int open_sockets(struct dmn *d)
{
	static const struct {
		int family;
		enum dmn_sock_kind kind;
	} want[] = {
		{AF_INET, DMN_SOCK_IKE},
		{AF_INET, DMN_SOCK_NATT},
		{AF_INET6, DMN_SOCK_IKE},
		{AF_INET6, DMN_SOCK_NATT},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint16_t port = want[i].kind == DMN_SOCK_IKE ? d->opts.ike_port : d->opts.natt_port;
		struct dmn_sock *sk = &d->socks[d->nsocks];
		int r = dmn_sock_open(&d->kernel, want[i].family, NULL, port, want[i].kind, sk);
		if (r < 0) {
			if (want[i].family == AF_INET6 &&
			    (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL)) {
				log_notice("no IPv6 on this host: IKE over IPv6 disabled");
				continue;
			}
			log_err("cannot open UDP %s port %u: %s",
				want[i].family == AF_INET ? "IPv4" : "IPv6", port, strerror(-r));
			return r;
		}
		r = sd_event_add_io(d->ev, &d->sock_src[d->nsocks], sk->fd, EPOLLIN, on_packet, d);
		if (r < 0) {
			dmn_sock_close(sk);
			return r;
		}
		d->nsocks++;
	}
	return 0;
}

int dmn_new(const struct dmn_opts *opts, struct dmn **ret)
{
	struct dmn *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	*ret = d;
	d->opts = *opts;
	for (unsigned i = 0; i < DMN_SOCKS_MAX; i++)
		d->socks[i].fd = d->socks[i].reply_fd = -1;
	int r = dmn_caps_check();
	if (r < 0)
		return r;
	r = sd_event_new(&d->ev);
	if (r < 0)
		return r;
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGCHLD); /* updown scripts: reaped through sd-event child sources */
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = sd_event_add_signal(d->ev, NULL, SIGTERM, on_signal, d);
	if (r >= 0)
		r = sd_event_add_signal(d->ev, NULL, SIGINT, on_signal, d);
	if (r >= 0)
		r = sd_event_add_signal(d->ev, NULL, SIGHUP, dmn_on_sighup, d);
	/* With WatchdogSec= set, sd-event sends WATCHDOG=1 at half the interval by itself. */
	if (r >= 0)
		r = sd_event_set_watchdog(d->ev, true);
	if (r < 0) {
		log_err("event loop setup failed: %s", strerror(-r));
		return r;
	}
	struct dmn_conf conf = {0};
	r = dmn_conf_load(&d->opts, &conf);
	if (r < 0) {
		log_err("%s: cannot start with this configuration", d->opts.config_path);
		return r;
	}
	d->config = conf.config;
	d->secrets = conf.secrets;
	d->certs = conf.certs;
	r = dmn_conf_ports(d->config, &d->opts);
	if (r < 0) {
		log_err("%s: cannot start with this configuration", d->opts.config_path);
		return r;
	}
	r = dmn_kernel_open(&d->kernel, d->opts.kernel_ops);
	if (r < 0) {
		log_err("cannot open the kernel's XFRM netlink socket: %s", strerror(-r));
		return r;
	}
	r = open_sockets(d);
	if (r < 0)
		return r;
	/* Sockets bound and netlink open: keep only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE. Before
	 * the workers start, as capabilities are per thread. */
	r = dmn_caps_drop();
	if (r < 0) {
		log_err("cannot drop capabilities: %s", strerror(-r));
		return r;
	}
	r = dmn_workers_start(d->ev, d->opts.workers, &d->workers);
	if (r < 0) {
		log_err("cannot start worker threads: %s", strerror(-r));
		return r;
	}
	r = dmn_updown_setup(d, d->opts.updown_timeout, d->opts.firewall_script);
	if (r < 0)
		return r;
	r = dmn_ike_setup(d);
	if (r < 0)
		return r;
	r = dmn_vici_setup(d);
	if (r < 0)
		log_err("cannot open the control socket %s: %s", d->opts.socket_path, strerror(-r));
	return r;
}

int dmn_run(struct dmn *d)
{
	log_info("oakleyd %s ready: IKE on UDP %u and %u", OAKLEY_VERSION, d->opts.ike_port,
		 d->opts.natt_port);
	sd_notify(0, "READY=1\nSTATUS=running");
	int r = sd_event_loop(d->ev);
	dmn_ike_shutdown(d);
	return r;
}

void dmn_free(struct dmn *d)
{
	if (!d)
		return;
	/* Workers first: their last jobs are handed back to the engine, which must still exist. */
	dmn_workers_stop(d->workers);
	dmn_vici_free(d);
	dmn_ike_free(d);
	dmn_updown_free(d); /* runs the down scripts the shutdown queued */
	dmn_config_free(d->config);
	dmn_secrets_free(d->secrets);
	dmn_certs_free(d->certs);
	for (unsigned i = 0; i < d->nsocks; i++) {
		sd_event_source_unref(d->sock_src[i]);
		dmn_sock_close(&d->socks[i]);
	}
	dmn_kernel_close(&d->kernel);
	sd_event_unref(d->ev);
	free(d);
}
