// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ikeload: an IKEv1 load client for benchmarks. It drives proto_ike_engine as initiator: K
 * concurrent slots, each with its own UDP socket (its own source port, on one of A source
 * addresses), each running Main Mode (or Aggressive Mode) + Quick Mode with a PSK (or, with -C -K
 * -R, RSA or ECDSA signatures and a certificate: tests/bench/ikeload_sig.c) against one responder,
 * then starting the next handshake, until N handshakes were started and finished or T seconds
 * passed. A handshake counts as complete when the initiator's engine reports P2_UP (QM2 received
 * and its HASH(2) verified, QM3 sent). Nothing is installed in any kernel; SPIs are random.
 *
 * Initiator SAs are never deleted (the responder keeps its tunnels, which is what the memory and
 * scale figures measure): an engine holds at most GEN_SAS of them, then new handshakes go to a
 * fresh engine and the old one is freed (locally, silently) once its last handshake is over.
 *
 * DH runs on W worker threads (-w, default 1). The client's own CPU time (all threads) is printed,
 * so that a run where the client and not the responder is the bottleneck shows as such.
 *
 * Targets: only loopback (127.0.0.0/8, ::1) and documentation addresses (192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32); anything else is refused, for the destination
 * and for the source addresses.
 *
 * Output: human lines, then one JSON object on the last line. Exit status: 0 if at least one
 * handshake completed, 1 if none did, 2 for a usage error, 3 for a refused target.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/convert.h"
#include "proto/consts.h"
#include "proto/ike/engine.h"
#include "tests/bench/ikeload_pool.h"
#include "tests/bench/ikeload_sig.h"

#define SLOTS_MAX      1024	/* -c */
#define HANDSHAKES_MAX 1000000u /* -n */
#define SECONDS_MAX    3600u	/* -T */
#define GEN_SAS	       1000u	/* initiations per engine before a fresh one is used */
#define GENS_MAX       512	/* engines alive at once */
#define DRAIN_MS       3000u	/* after T: how long in-flight handshakes may still finish */
#define PSK_DEFAULT    "ikeload-bench-psk"

struct gen {
	struct proto_ike_engine *e;
	unsigned started, active, jobs;
	bool retired;
};

struct slot {
	int fd;
	struct proto_ike_addr local;
	struct gen *gen; /* NULL: idle */
	uint64_t sa_id;
	uint64_t started_us, deadline_ms;
	bool restart; /* its handshake ended: start the next one from the loop */
};

struct opts {
	struct proto_ike_addr dst, src;
	unsigned slots, addrs, workers, group, pfs, seconds;
	unsigned long handshakes;
	bool gcm, aggressive, verbose;
	bool fresh;	      /* -F: each handshake from a new socket, on the next source address */
	bool initial_contact; /* -I: INITIAL-CONTACT in phase 1 */
	const char *psk;
	const char *cert, *key, *ca; /* -C -K -R: signature authentication */
};

struct load {
	struct ikeload_sig *sig; /* first: the signature callbacks find it through ctx */
	struct opts o;
	struct proto_env env;
	struct proto_ike_policy pol;
	struct proto_ike_conn conn;
	struct slot slots[SLOTS_MAX];
	struct gen *gens[GENS_MAX];
	struct gen *cur;
	struct ikeload_pool *pool;
	unsigned long started, completed, failed, lost_send;
	uint64_t retransmits;
	uint32_t *lat_us;
	uint64_t t0_ms, last_done_ms;
	bool stopping;
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t env_now(void *ctx)
{
	(void)ctx;
	return now_us() / 1000u;
}

static void env_random(void *ctx, uint8_t *buf, size_t n)
{
	(void)ctx;
	while (n) {
		ssize_t r = getrandom(buf, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			abort(); /* never continue without entropy */
		}
		buf += r;
		n -= (size_t)r;
	}
}

__attribute__((format(printf, 3, 4))) static void env_log(void *ctx, enum proto_log_level level,
							  const char *fmt, ...)
{
	struct load *l = ctx;
	if (!l->o.verbose && level > PROTO_LOG_WARNING)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ikeload: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- policy: the initiator needs only its PSK and random SPIs ---- */

static int pol_find_p1(void *ctx, const struct proto_ike_addr *local,
		       const struct proto_ike_addr *peer, const struct proto_ike_id *peer_id,
		       struct proto_ike_conn *ret)
{
	(void)ctx, (void)local, (void)peer, (void)peer_id, (void)ret;
	return -ENOENT; /* ikeload never responds */
}

static int pol_find_p2(void *ctx, const struct proto_ike_conn *p1,
		       const struct proto_ike_addr *peer, const struct proto_ike_ts *local_ts,
		       const struct proto_ike_ts *remote_ts, struct proto_ike_conn *ret)
{
	(void)ctx, (void)p1, (void)peer, (void)local_ts, (void)remote_ts, (void)ret;
	return -ENOENT;
}

static int pol_get_psk(void *ctx, const struct proto_ike_conn *conn,
		       const struct proto_ike_id *local, const struct proto_ike_id *remote,
		       uint8_t *buf, size_t cap, size_t *ret_len)
{
	struct load *l = ctx;
	(void)conn, (void)local, (void)remote;
	size_t n = strlen(l->o.psk);
	if (n > cap)
		return -E2BIG;
	memcpy(buf, l->o.psk, n);
	*ret_len = n;
	return 0;
}

static int pol_alloc_spi(void *ctx, const struct proto_ike_conn *conn, uint8_t protocol,
			 const struct proto_ike_addr *local, const struct proto_ike_addr *peer,
			 uint32_t *ret_spi)
{
	(void)conn, (void)protocol, (void)local, (void)peer;
	uint32_t spi = 0;
	while (spi < 256) /* 1..255 are reserved (RFC 4303 §2.1) */
		env_random(ctx, (uint8_t *)&spi, sizeof(spi));
	*ret_spi = spi;
	return 0;
}

/* ---- addresses ---- */

/* Loopback or documentation range (see the header comment). */
static bool addr_allowed(const struct proto_ike_addr *a)
{
	static const uint8_t v6_loop[16] = {[15] = 1};
	const uint8_t *b = a->addr;
	if (a->family == AF_INET)
		return b[0] == 127 || (b[0] == 192 && b[1] == 0 && b[2] == 2) ||
		       (b[0] == 198 && b[1] == 51 && b[2] == 100) ||
		       (b[0] == 203 && b[1] == 0 && b[2] == 113);
	return memcmp(b, v6_loop, 16) == 0 ||
	       (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8);
}

static int parse_addr(const char *s, struct proto_ike_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (inet_pton(AF_INET, s, ret->addr) == 1)
		ret->family = AF_INET;
	else if (inet_pton(AF_INET6, s, ret->addr) == 1)
		ret->family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

/* base + k in the last 16 bits of the address (no carry beyond them). */
static void addr_add(const struct proto_ike_addr *base, unsigned k, struct proto_ike_addr *ret)
{
	*ret = *base;
	size_t last = base->family == AF_INET ? 3 : 15;
	unsigned v = (unsigned)ret->addr[last - 1] << 8 | ret->addr[last];
	v += k;
	ret->addr[last - 1] = (uint8_t)(v >> 8);
	ret->addr[last] = (uint8_t)v;
}

static void from_sockaddr(const struct sockaddr_storage *ss, struct proto_ike_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = ss->ss_family;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		memcpy(ret->addr, &sin->sin_addr, 4);
		ret->port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		memcpy(ret->addr, &sin6->sin6_addr, 16);
		ret->port = ntohs(sin6->sin6_port);
	}
}

/* Opens slot k's socket on source address src + (a % addrs), an ephemeral port. 0 or -errno. */
static int slot_open(struct load *l, unsigned k, unsigned long a, int epfd)
{
	struct slot *s = &l->slots[k];
	addr_add(&l->o.src, (unsigned)(a % l->o.addrs), &s->local);
	s->local.port = 0;
	s->fd = socket(s->local.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (s->fd < 0)
		return -errno;
	struct sockaddr_storage ss;
	socklen_t sl = dmn_addr_to_sockaddr(&s->local, &ss);
	if (bind(s->fd, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	sl = sizeof(ss);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	from_sockaddr(&ss, &s->local);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = k};
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
		return -errno;
	return 0;
}

/* ---- engines ---- */

static struct gen *gen_new(struct load *l)
{
	for (size_t i = 0; i < GENS_MAX; i++) {
		if (l->gens[i])
			continue;
		struct gen *g = calloc(1, sizeof(*g));
		if (!g)
			return NULL;
		g->e = proto_ike_engine_new(&l->env, &l->pol);
		if (!g->e) {
			free(g);
			return NULL;
		}
		l->gens[i] = g;
		return g;
	}
	return NULL; /* too many engines still busy */
}

static void gen_maybe_free(struct load *l, struct gen *g)
{
	if (!g->retired || g->active || g->jobs)
		return;
	struct proto_ike_stats st;
	proto_ike_get_stats(g->e, &st);
	l->retransmits += st.retransmits;
	proto_ike_engine_free(g->e);
	for (size_t i = 0; i < GENS_MAX; i++)
		if (l->gens[i] == g)
			l->gens[i] = NULL;
	free(g);
}

static struct slot *slot_of(struct load *l, const struct gen *g, uint64_t sa_id)
{
	for (unsigned k = 0; k < l->o.slots; k++)
		if (l->slots[k].gen == g && l->slots[k].sa_id == sa_id)
			return &l->slots[k];
	return NULL;
}

static void slot_finish(struct load *l, struct slot *s, bool ok)
{
	uint64_t t = now_us();
	if (ok) {
		uint64_t us = t - s->started_us;
		l->lat_us[l->completed++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		l->last_done_ms = t / 1000u;
	} else {
		l->failed++;
	}
	s->gen->active--;
	s->gen = NULL;
	s->deadline_ms = 0;
	s->restart = true;
}

static void pump(struct load *l, struct gen *g);

/* Starts the next handshake on slot s if the run is not over. */
static void slot_start(struct load *l, struct slot *s)
{
	if (l->stopping || l->started >= l->o.handshakes)
		return;
	if (!l->cur || l->cur->started >= GEN_SAS) {
		if (l->cur)
			l->cur->retired = true; /* freed by the loop once idle */
		l->cur = gen_new(l);
		if (!l->cur) {
			fprintf(stderr, "ikeload: cannot create an engine\n");
			l->stopping = true;
			return;
		}
	}
	struct gen *g = l->cur;
	struct proto_ike_conn c = l->conn;
	c.local_id.type = s->local.family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
	c.local_id.len = s->local.family == AF_INET ? 4 : 16;
	memcpy(c.local_id.data, s->local.addr, c.local_id.len);
	uint64_t sa_id;
	int r = proto_ike_initiate(g->e, &c, &s->local, &l->o.dst, &sa_id);
	l->started++;
	if (r < 0) {
		l->failed++;
		return;
	}
	g->started++;
	g->active++;
	s->gen = g;
	s->sa_id = sa_id;
	s->started_us = now_us();
	s->deadline_ms = 0;
	pump(l, g);
}

static void on_event(struct load *l, struct gen *g, const struct proto_ike_event *ev)
{
	struct slot *s = slot_of(l, g, ev->sa_id);
	if (!s)
		return;
	switch (ev->type) {
	case PROTO_IKE_EV_P2_UP:
		slot_finish(l, s, true);
		break;
	case PROTO_IKE_EV_P1_FAILED:
	case PROTO_IKE_EV_P2_FAILED:
	case PROTO_IKE_EV_SA_GONE:
		if (l->o.verbose)
			fprintf(stderr, "ikeload: handshake failed: %s\n",
				ev->text[0] ? ev->text : proto_ike_reason_str(ev->reason));
		slot_finish(l, s, false);
		break;
	default:
		break;
	}
}

static void send_dgram(struct load *l, const struct proto_ike_action *a)
{
	for (unsigned k = 0; k < l->o.slots; k++) {
		struct slot *s = &l->slots[k];
		if (s->local.port != a->src.port || s->local.family != a->src.family ||
		    memcmp(s->local.addr, a->src.addr, 16) != 0)
			continue;
		struct sockaddr_storage ss;
		socklen_t sl = dmn_addr_to_sockaddr(&a->dst, &ss);
		if (sendto(s->fd, a->data, a->len, 0, (struct sockaddr *)&ss, sl) < 0)
			l->lost_send++; /* the engine retransmits */
		return;
	}
	l->lost_send++;
}

static void pump(struct load *l, struct gen *g)
{
	struct proto_ike_action a;
	while (proto_ike_next_action(g->e, &a)) {
		struct slot *s;
		switch (a.type) {
		case PROTO_IKE_ACT_SEND:
			send_dgram(l, &a);
			break;
		case PROTO_IKE_ACT_TIMER:
			s = slot_of(l, g, a.sa_id);
			if (s)
				s->deadline_ms = a.deadline_ms;
			break;
		case PROTO_IKE_ACT_DH:
			a.job->user = g;
			g->jobs++;
			if (!l->pool || ikeload_pool_submit(l->pool, a.job) < 0) {
				proto_ike_dh_run(a.job);
				g->jobs--;
				proto_ike_dh_done(g->e, a.job, true);
			}
			break;
		case PROTO_IKE_ACT_EVENT:
			on_event(l, g, a.event);
			break;
		}
		proto_ike_action_release(&a);
	}
}

/* A datagram on slot k: every engine with a live handshake on that slot may own it, but only the
 * slot's current one can (older SAs of the slot are established and silent). */
static void on_readable(struct load *l, unsigned k)
{
	struct slot *s = &l->slots[k];
	uint8_t buf[PROTO_IKE_MSG_MAX];
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return;
		if (!s->gen)
			continue;
		struct proto_ike_addr peer;
		from_sockaddr(&ss, &peer);
		struct gen *g = s->gen;
		proto_ike_input(g->e, buf, (size_t)n, &s->local, &peer, false);
		pump(l, g);
	}
}

static void on_jobs(struct load *l)
{
	struct proto_ike_dh_job *jobs[64];
	size_t n = ikeload_pool_take(l->pool, jobs, 64);
	for (size_t i = 0; i < n; i++) {
		struct gen *g = jobs[i]->user;
		g->jobs--;
		proto_ike_dh_done(g->e, jobs[i], true);
		pump(l, g);
	}
}

static void on_timers(struct load *l, uint64_t now)
{
	for (unsigned k = 0; k < l->o.slots; k++) {
		struct slot *s = &l->slots[k];
		if (s->gen && s->deadline_ms && s->deadline_ms <= now) {
			struct gen *g = s->gen;
			s->deadline_ms = 0;
			proto_ike_timer(g->e, s->sa_id);
			pump(l, g);
		}
	}
}

static int next_timeout(const struct load *l, uint64_t now)
{
	uint64_t best = now + 100;
	for (unsigned k = 0; k < l->o.slots; k++)
		if (l->slots[k].gen && l->slots[k].deadline_ms && l->slots[k].deadline_ms < best)
			best = l->slots[k].deadline_ms;
	return best <= now ? 0 : (int)(best - now);
}

static unsigned active_slots(const struct load *l)
{
	unsigned n = 0;
	for (unsigned k = 0; k < l->o.slots; k++)
		n += l->slots[k].gen != NULL;
	return n;
}

/* The event loop: bounded by -T plus DRAIN_MS, whatever the responder does. */
static void run(struct load *l, int epfd, int pool_fd)
{
	l->t0_ms = env_now(NULL);
	uint64_t end = l->t0_ms + (uint64_t)l->o.seconds * 1000u;
	for (unsigned k = 0; k < l->o.slots; k++)
		slot_start(l, &l->slots[k]);
	for (;;) {
		uint64_t now = env_now(NULL);
		if (!l->stopping && now >= end)
			l->stopping = true;
		if (now >= end + DRAIN_MS || active_slots(l) == 0)
			break;
		struct epoll_event evs[64];
		int n = epoll_wait(epfd, evs, 64, next_timeout(l, now));
		for (int i = 0; i < n; i++) {
			if (pool_fd >= 0 && evs[i].data.u32 == SLOTS_MAX)
				on_jobs(l);
			else
				on_readable(l, evs[i].data.u32);
		}
		on_timers(l, env_now(NULL));
		/* Outside every pump(): starting a handshake or freeing an engine is safe here. */
		for (unsigned k = 0; k < l->o.slots; k++) {
			if (l->slots[k].restart) {
				l->slots[k].restart = false;
				/* -F: the next peer is another one (address, port, ID), as 100,000
				 * tunnels are 100,000 gateways or clients, not one peer again */
				if (l->o.fresh && !l->stopping && l->started < l->o.handshakes) {
					close(l->slots[k].fd);
					l->slots[k].fd = -1;
					if (slot_open(l, k, l->started, epfd) < 0) {
						fprintf(stderr, "ikeload: cannot open a socket\n");
						l->stopping = true;
						continue;
					}
				}
				slot_start(l, &l->slots[k]);
			}
		}
		for (size_t i = 0; i < GENS_MAX; i++)
			if (l->gens[i])
				gen_maybe_free(l, l->gens[i]);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void report(struct load *l, double elapsed_s, double cpu)
{
	for (size_t i = 0; i < GENS_MAX; i++) {
		if (!l->gens[i])
			continue;
		struct proto_ike_stats st;
		proto_ike_get_stats(l->gens[i]->e, &st);
		l->retransmits += st.retransmits;
	}
	qsort(l->lat_us, l->completed, sizeof(*l->lat_us), cmp_u32);
	double p50 = 0, p99 = 0;
	if (l->completed) {
		p50 = l->lat_us[(l->completed - 1) * 50 / 100] / 1000.0;
		p99 = l->lat_us[(l->completed - 1) * 99 / 100] / 1000.0;
	}
	double rate = elapsed_s > 0 ? (double)l->completed / elapsed_s : 0;
	unsigned long unfinished = l->started - l->completed - l->failed;
	printf("ikeload: %lu started, %lu completed, %lu failed, %lu unfinished, %llu retransmits, "
	       "%lu send errors\n",
	       l->started, l->completed, l->failed, unfinished, (unsigned long long)l->retransmits,
	       l->lost_send);
	printf("ikeload: %.3f s, %.1f handshakes/s, latency p50 %.2f ms p99 %.2f ms\n", elapsed_s,
	       rate, p50, p99);
	printf("ikeload: client CPU %.3f s (%.0f%% of one core, %.3f ms per handshake, %u DH "
	       "workers)\n",
	       cpu, elapsed_s > 0 ? 100.0 * cpu / elapsed_s : 0,
	       l->completed ? 1000.0 * cpu / (double)l->completed : 0, l->o.workers);
	printf("{\"started\":%lu,\"completed\":%lu,\"failed\":%lu,\"unfinished\":%lu,"
	       "\"retransmits\":%llu,\"elapsed_s\":%.3f,\"hs_per_s\":%.1f,\"p50_ms\":%.2f,"
	       "\"p99_ms\":%.2f,\"client_cpu_s\":%.3f}\n",
	       l->started, l->completed, l->failed, unfinished, (unsigned long long)l->retransmits,
	       elapsed_s, rate, p50, p99, cpu);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ikeload [-d DST] [-p PORT] [-s SRC] [-a ADDRS] [-c K] [-n N] [-T SECONDS]\n"
		"               [-g GROUP] [-e gcm|cbc] [-P PFS_GROUP] [-w WORKERS] [-A] [-F] "
		"[-I] [-v]\n"
		"               [-C CERT -K KEY -R CA]\n"
		"  -d DST     responder address (127.0.0.1); loopback or documentation ranges "
		"only\n"
		"  -p PORT    responder port (500)\n"
		"  -s SRC     first source address (127.0.1.1); slot k uses SRC + k %% ADDRS\n"
		"  -a ADDRS   source addresses (default: K)\n"
		"  -c K       concurrent handshakes (16, at most %d)\n"
		"  -n N       handshakes in all (1000, at most %u)\n"
		"  -T SECONDS time limit (60, at most %u)\n"
		"  -g GROUP   IKE group: 14 (modp2048) or 31 (curve25519), with AES-128-CBC, "
		"SHA2-256\n"
		"  -e ESP     gcm (aes128gcm16, default) or cbc (aes128-sha256)\n"
		"  -P GROUP   PFS group for Quick Mode (0: none)\n"
		"  -w N       DH worker threads (1; 0: on the loop thread)\n"
		"  -A         Aggressive Mode instead of Main Mode\n"
		"  -F         each handshake from a new socket on the next source address (a new\n"
		"             peer each time; handshake i uses SRC + i %% ADDRS)\n"
		"  -I         send INITIAL-CONTACT in phase 1, as iOS and most gateways do\n"
		"  -C CERT    sign with this certificate (its key decides: RSA or ECDSA), whose\n"
		"             subjectAltNames must carry the source addresses (the IDs sent)\n"
		"  -K KEY     its private key;  -R CA  the CA the responder's certificate chains "
		"to\n"
		"  PSK: $IKELOAD_PSK (default \"%s\")\n",
		SLOTS_MAX, HANDSHAKES_MAX, SECONDS_MAX, PSK_DEFAULT);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	unsigned long v;
	int c;
	parse_addr("127.0.0.1", &o->dst);
	parse_addr("127.0.1.1", &o->src);
	o->dst.port = 500;
	while ((c = getopt_long(argc, argv, "d:p:s:a:c:n:T:g:e:P:w:C:K:R:AFIvh", NULL, NULL)) !=
	       -1) {
		int r = 0;
		switch (c) {
		case 'd':
			r = parse_addr(optarg, &o->dst);
			o->dst.port = 500;
			break;
		case 's':
			r = parse_addr(optarg, &o->src);
			break;
		case 'p':
			r = parse_uint(optarg, 65535, &v);
			o->dst.port = (uint16_t)v;
			break;
		case 'a':
			r = parse_uint(optarg, 65535, &v);
			o->addrs = (unsigned)v;
			break;
		case 'c':
			r = parse_uint(optarg, SLOTS_MAX, &v);
			o->slots = (unsigned)v;
			break;
		case 'n':
			r = parse_uint(optarg, HANDSHAKES_MAX, &v);
			o->handshakes = v;
			break;
		case 'T':
			r = parse_uint(optarg, SECONDS_MAX, &v);
			o->seconds = (unsigned)v;
			break;
		case 'g':
			r = parse_uint(optarg, 255, &v);
			o->group = (unsigned)v;
			break;
		case 'P':
			r = parse_uint(optarg, 255, &v);
			o->pfs = (unsigned)v;
			break;
		case 'w':
			r = parse_uint(optarg, 16, &v);
			o->workers = (unsigned)v;
			break;
		case 'e':
			o->gcm = strcmp(optarg, "gcm") == 0;
			r = o->gcm || strcmp(optarg, "cbc") == 0 ? 0 : -EINVAL;
			break;
		case 'C':
			o->cert = optarg;
			break;
		case 'K':
			o->key = optarg;
			break;
		case 'R':
			o->ca = optarg;
			break;
		case 'A':
			o->aggressive = true;
			break;
		case 'F':
			o->fresh = true;
			break;
		case 'I':
			o->initial_contact = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
		if (r < 0) {
			fprintf(stderr, "ikeload: bad value for -%c: '%s'\n", c, optarg);
			return r;
		}
	}
	if (optind < argc || o->slots == 0 || o->handshakes == 0 || o->seconds == 0 ||
	    o->src.family != o->dst.family || o->dst.port == 0 ||
	    (o->cert || o->key || o->ca) != (o->cert && o->key && o->ca))
		return -EINVAL;
	if (o->addrs == 0)
		o->addrs = o->slots;
	struct proto_ike_addr last;
	addr_add(&o->src, o->addrs - 1, &last);
	if (!addr_allowed(&o->dst) || !addr_allowed(&o->src) || !addr_allowed(&last)) {
		fprintf(stderr,
			"ikeload: refusing: only loopback (127.0.0.0/8, ::1) and documentation "
			"addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, "
			"2001:db8::/32) may be used\n");
		return -EPERM;
	}
	return 0;
}

/* The conn every handshake uses; the local ID is filled per slot (its address). */
static void make_conn(const struct opts *o, struct proto_ike_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->handle = 1;
	c->reqid = 1;
	snprintf(c->name, sizeof(c->name), "ikeload");
	c->ike[0] = (struct proto_ike_p1_prop){.encr = IKE_ENCR_AES_CBC,
					       .key_bits = 128,
					       .hash = IKE_HASH_SHA2_256,
					       .group = (uint16_t)o->group};
	c->n_ike = 1;
	c->initial_contact = o->initial_contact;
	if (o->gcm)
		c->esp[0] = (struct proto_ike_p2_prop){
			.protocol = PROTO_IPSEC_ESP, .transform = ESP_AES_GCM_16, .key_bits = 128};
	else
		c->esp[0] = (struct proto_ike_p2_prop){.protocol = PROTO_IPSEC_ESP,
						       .transform = ESP_AES_CBC,
						       .key_bits = 128,
						       .auth = AUTH_HMAC_SHA2_256};
	c->n_esp = 1;
	c->ike_lifetime_s = 28800;
	c->ipsec_lifetime_s = 3600;
	c->pfs_group = (uint16_t)o->pfs;
	c->mode = ENCAP_TUNNEL;
	c->aggressive = o->aggressive;
}

int main(int argc, char **argv)
{
	static struct load l; /* large (slots, engine table): not on the stack */
	l.o = (struct opts){.slots = 16,
			    .handshakes = 1000,
			    .seconds = 60,
			    .group = 14,
			    .gcm = true,
			    .workers = 1};
	l.o.psk = getenv("IKELOAD_PSK") ? getenv("IKELOAD_PSK") : PSK_DEFAULT;
	int r = parse_opts(argc, argv, &l.o);
	if (r < 0) {
		if (r == -EINVAL)
			usage(stderr);
		return r == -EPERM ? 3 : 2; /* 3: a target outside the allowed ranges */
	}
	if (strlen(l.o.psk) > PROTO_IKE_PSK_MAX) {
		fprintf(stderr, "ikeload: PSK longer than %d bytes\n", PROTO_IKE_PSK_MAX);
		return 2;
	}
	if (l.o.slots > l.o.handshakes)
		l.o.slots = (unsigned)l.o.handshakes;
	l.env = (struct proto_env){
		.ctx = &l, .random = env_random, .now_ms = env_now, .log = env_log};
	l.pol = (struct proto_ike_policy){.ctx = &l,
					  .find_p1 = pol_find_p1,
					  .find_p2 = pol_find_p2,
					  .get_psk = pol_get_psk,
					  .alloc_spi = pol_alloc_spi};
	make_conn(&l.o, &l.conn);
	if (l.o.cert) {
		if (ikeload_sig_new(l.o.cert, l.o.key, l.o.ca, &l.sig) < 0)
			return 2;
		ikeload_sig_policy(&l.pol);
		l.conn.ike[0].auth = ikeload_sig_method(l.sig);
		l.conn.sendcert = PROTO_IKE_SENDCERT_ALWAYS;
	}
	l.lat_us = calloc(l.o.handshakes, sizeof(*l.lat_us));
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!l.lat_us || epfd < 0) {
		fprintf(stderr, "ikeload: out of memory or epoll: %s\n", strerror(errno));
		return 1;
	}
	int pool_fd = -1;
	if (l.o.workers) {
		r = ikeload_pool_new(l.o.workers, &l.pool, &pool_fd);
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = SLOTS_MAX};
		if (r == 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, pool_fd, &ev) < 0)
			r = -errno;
		if (r < 0) {
			fprintf(stderr, "ikeload: worker pool: %s\n", strerror(-r));
			return 1;
		}
	}
	for (unsigned k = 0; k < l.o.slots; k++) {
		r = slot_open(&l, k, k, epfd);
		if (r < 0) {
			fprintf(stderr, "ikeload: socket %u: %s\n", k, strerror(-r));
			return 1;
		}
	}
	double cpu0 = cpu_s();
	uint64_t t0 = now_us();
	run(&l, epfd, pool_fd);
	uint64_t t1 = now_us();
	double cpu = cpu_s() - cpu0;
	/* The rate is measured to the last completion: the drain after -T does not dilute it. */
	double elapsed = (double)(t1 - t0) / 1e6;
	if (l.completed && l.last_done_ms >= l.t0_ms)
		elapsed = (double)(l.last_done_ms - l.t0_ms) / 1000.0;
	ikeload_pool_free(l.pool);
	report(&l, elapsed, cpu);
	for (size_t i = 0; i < GENS_MAX; i++) {
		if (l.gens[i]) {
			proto_ike_engine_free(l.gens[i]->e);
			free(l.gens[i]);
		}
	}
	for (unsigned k = 0; k < l.o.slots; k++)
		close(l.slots[k].fd);
	close(epfd);
	free(l.lat_us);
	ikeload_sig_free(l.sig);
	return l.completed ? 0 : 1;
}
