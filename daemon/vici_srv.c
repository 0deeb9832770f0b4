/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VICI control socket: listening, clients, framing, bounded output queues, event registration
 * and the events the daemon raises (ike-updown, child-updown, log). The commands (a const
 * table of handlers) follow in the second half ("==== commands ===="); they move to vici_cmds.c
 * once daemon/meson.build lists that file.
 *
 * Every client is non-blocking. What a client cannot take at once is queued, up to
 * DMN_VICI_OUTQ_MAX bytes; past that the client is dropped, so a client that stops reading never
 * holds the daemon. A malformed packet drops only the client that sent it. Dropped clients are
 * closed at once and freed by a deferred "reaper" source, so code that is iterating over clients
 * or handling one of their requests never sees a freed client.
 */
#include "daemon/vici_srv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/ike.h"
#include "daemon/log.h"
#include "daemon/secrets.h"
#include "daemon/vici_int.h"
#include "proto/consts.h"
#include "xfrm/xfrm.h"

static const char *const event_names[] = {
#define DMN_VICI_X_NAME(sym, name) name,
	DMN_VICI_EVENTS(DMN_VICI_X_NAME)
#undef DMN_VICI_X_NAME
};

const char *dmn_vici_event_name(enum dmn_vici_event e)
{
	return (unsigned)e < DMN_VICI_EV__MAX ? event_names[e] : "?";
}

int dmn_vici_event_lookup(const uint8_t *name, size_t len)
{
	for (unsigned i = 0; i < DMN_VICI_EV__MAX; i++)
		if (strlen(event_names[i]) == len && memcmp(event_names[i], name, len) == 0)
			return (int)i;
	return -1;
}

/* ---- clients: output ---- */

static void client_update_io(struct dmn_vici_client *c)
{
	uint32_t ev = 0;
	if (!c->pending)
		ev |= EPOLLIN;
	if (c->out_head)
		ev |= EPOLLOUT;
	sd_event_source_set_io_events(c->src, ev);
}

/* Writes what the socket takes from the queue. 0, or -errno (the caller drops the client). */
static int client_flush(struct dmn_vici_client *c)
{
	while (c->out_head) {
		struct dmn_vici_out *o = c->out_head;
		int r = vici_write_some(c->fd, o->data, o->len, &o->off);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		c->out_head = o->next;
		if (!c->out_head)
			c->out_tail = NULL;
		c->out_bytes -= o->len;
		free(o);
	}
	return 0;
}

static void client_queue(struct dmn_vici_client *c, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	if (c->dead)
		return;
	if (!c->out_head) {
		int r = vici_write_some(c->fd, buf, len, &off);
		if (r < 0) {
			dmn_vici_client_kill(c, strerror(-r));
			return;
		}
		if (r == 1)
			return;
	}
	size_t rest = len - off;
	if (c->out_bytes + rest > DMN_VICI_OUTQ_MAX) {
		dmn_vici_client_kill(c, "not reading (output queue full)");
		return;
	}
	struct dmn_vici_out *o = malloc(sizeof(*o) + rest);
	if (!o) {
		dmn_vici_client_kill(c, "out of memory");
		return;
	}
	o->next = NULL;
	o->len = rest;
	o->off = 0;
	memcpy(o->data, buf + off, rest);
	if (c->out_tail)
		c->out_tail->next = o;
	else
		c->out_head = o;
	c->out_tail = o;
	c->out_bytes += rest;
	client_update_io(c);
}

void dmn_vici_send(struct dmn_vici_client *c, struct vici_builder *b)
{
	const uint8_t *buf;
	size_t len;
	int r = vici_finish(b, &buf, &len);
	if (r < 0)
		log_err("vici: client %u: cannot build a reply: %s", c->id, strerror(-r));
	else
		client_queue(c, buf, len);
	vici_builder_free(b);
}

void dmn_vici_send_event(struct dmn_vici_client *c, enum dmn_vici_event e, struct vici_builder *b)
{
	if (!c->dead && (c->events & (1u << e)))
		dmn_vici_send(c, b);
	else
		vici_builder_free(b);
}

void dmn_vici_reply_status(struct dmn_vici_client *c, bool ok, const char *errmsg)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_add_kv_str(&b, "success", ok ? "yes" : "no");
	if (!ok && errmsg)
		vici_add_kv_str(&b, "errmsg", errmsg);
	dmn_vici_send(c, &b);
}

/* A packet with no message (EVENT_CONFIRM, EVENT_UNKNOWN, CMD_UNKNOWN). */
static void client_reply_bare(struct dmn_vici_client *c, enum vici_packet_type type)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, type, NULL);
	dmn_vici_send(c, &b);
}

/* ---- clients: life cycle ---- */

static void pending_free(struct dmn_vici_pending *p)
{
	if (!p)
		return;
	sd_event_source_disable_unref(p->timer);
	free(p);
}

static void client_free(struct dmn_vici_client *c)
{
	struct dmn_vici *v = c->v;
	if (c->prev)
		c->prev->next = c->next;
	else
		v->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	v->n_clients--;
	sd_event_source_disable_unref(c->src);
	if (c->fd >= 0)
		close(c->fd);
	vici_reader_reset(&c->rd);
	for (struct dmn_vici_out *o = c->out_head, *next; o; o = next) {
		next = o->next;
		free(o);
	}
	pending_free(c->pending);
	free(c);
}

static int on_reap(sd_event_source *s, void *userdata)
{
	(void)s;
	struct dmn_vici *v = userdata;
	for (struct dmn_vici_client *c = v->head, *next; c; c = next) {
		next = c->next;
		if (c->dead)
			client_free(c);
	}
	return 0;
}

void dmn_vici_client_kill(struct dmn_vici_client *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	c->v->dropped++;
	sd_event_source_set_enabled(c->src, SD_EVENT_OFF);
	close(c->fd);
	c->fd = -1;
	sd_event_source_disable_unref(c->pending ? c->pending->timer : NULL);
	if (c->pending)
		c->pending->timer = NULL;
	sd_event_source_set_enabled(c->v->reaper, SD_EVENT_ONESHOT);
	if (why)
		log_info("vici: client %u dropped: %s", c->id, why);
}

void dmn_vici_pending_done(struct dmn_vici_client *c, bool ok, const char *errmsg)
{
	pending_free(c->pending);
	c->pending = NULL;
	if (c->dead)
		return;
	dmn_vici_reply_status(c, ok, errmsg);
	if (!c->dead)
		client_update_io(c);
}

/* EVENT_REGISTER / EVENT_UNREGISTER */
static void client_register(struct dmn_vici_client *c, const struct vici_packet *pk)
{
	int e = dmn_vici_event_lookup(pk->name, pk->name_len);
	if (e < 0) {
		client_reply_bare(c, VICI_EVENT_UNKNOWN);
		return;
	}
	if (pk->type == VICI_EVENT_REGISTER)
		c->events |= 1u << e;
	else
		c->events &= ~(1u << e);
	client_reply_bare(c, VICI_EVENT_CONFIRM);
}

int dmn_vici_input(struct dmn_vici_client *c, const uint8_t *seg, size_t len)
{
	struct vici_packet pk;
	int r = vici_packet_parse(seg, len, &pk);
	if (r < 0)
		return r;
	switch (pk.type) {
	case VICI_CMD_REQUEST:
		c->v->requests++;
		return dmn_vici_dispatch(c, pk.name, pk.name_len, pk.msg, pk.msg_len);
	case VICI_EVENT_REGISTER:
	case VICI_EVENT_UNREGISTER:
		client_register(c, &pk);
		return 0;
	default:
		return -EBADMSG;
	}
}

static void client_read(struct dmn_vici_client *c)
{
	for (unsigned n = 0; n < DMN_VICI_BURST && !c->dead && !c->pending; n++) {
		int r = vici_reader_feed(&c->rd, c->fd);
		if (r == 0)
			return;
		if (r == -ENOTCONN) {
			dmn_vici_client_kill(c, NULL);
			return;
		}
		if (r < 0) {
			dmn_vici_client_kill(c, r == -EMSGSIZE ? "segment length out of bounds"
							       : strerror(-r));
			return;
		}
		size_t len = 0;
		uint8_t *seg = vici_reader_take(&c->rd, &len);
		r = seg ? dmn_vici_input(c, seg, len) : -ENOMEM;
		/* Requests may carry a PSK (load-shared): wipe every one. */
		if (seg)
			explicit_bzero(seg, len);
		free(seg);
		if (r < 0) {
			dmn_vici_client_kill(c, r == -EBADMSG ? "malformed packet" : strerror(-r));
			return;
		}
	}
}

static int on_client_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s;
	(void)fd;
	struct dmn_vici_client *c = userdata;
	if (c->dead)
		return 0;
	if (revents & EPOLLOUT) {
		int r = client_flush(c);
		if (r < 0) {
			dmn_vici_client_kill(c, strerror(-r));
			return 0;
		}
	}
	/* A request is pending, so input is not read: a hang-up now would be reported forever. */
	if ((revents & (EPOLLHUP | EPOLLERR)) && c->pending) {
		dmn_vici_client_kill(c, NULL);
		return 0;
	}
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(c);
	if (!c->dead)
		client_update_io(c);
	return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s;
	(void)revents;
	struct dmn_vici *v = userdata;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("vici: accept: %s", strerror(errno));
		return 0;
	}
	if (v->n_clients >= DMN_VICI_CLIENTS_MAX) {
		if (dmn_ratelimit_ok(&v->rl_refuse, dmn_now_ms(v->d), "vici: refusing a client"))
			log_warn("vici: refusing a client: %u clients connected", v->n_clients);
		close(cfd);
		return 0;
	}
	struct dmn_vici_client *c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return 0;
	}
	c->v = v;
	c->fd = cfd;
	c->id = ++v->next_id;
	vici_reader_init(&c->rd, DMN_VICI_REQ_MAX);
	int r = sd_event_add_io(v->d->ev, &c->src, cfd, EPOLLIN, on_client_io, c);
	if (r < 0) {
		log_warn("vici: cannot watch a client: %s", strerror(-r));
		close(cfd);
		free(c);
		return 0;
	}
	c->next = v->head;
	if (c->next)
		c->next->prev = c;
	v->head = c;
	v->n_clients++;
	log_debug("vici: client %u connected", c->id);
	return 0;
}

/* ---- events raised by the daemon ---- */

/* The log hook: called on any thread; only lines of the loop thread are forwarded. */
static void on_log(void *ctx, int level, const char *line)
{
	struct dmn_vici *v = ctx;
	if (!pthread_equal(pthread_self(), v->loop_thread) || v->in_log)
		return;
	v->in_log = true;
	if (v->capture && !v->capture[0] && level <= LOG_ERR)
		snprintf(v->capture, v->capture_cap, "%s", line);
	/* swanctl's levels: 0 basic .. 4 private; syslog's err/warning/notice are all "basic". */
	int vlevel = level <= LOG_NOTICE ? 0 : level == LOG_INFO ? 1 : 2;
	for (struct dmn_vici_client *c = v->head; c; c = c->next) {
		if (c->dead)
			continue;
		struct dmn_vici_pending *p = c->pending;
		const char *conn = p ? p->conn : c->control[0] ? c->control : NULL;
		size_t cl = conn ? strlen(conn) : 0;
		/* The daemon writes "NAME: ...", the engine "\"NAME\" #N: ...". */
		bool daemon_line = conn && strncmp(line, conn, cl) == 0 && line[cl] == ':';
		bool about =
			daemon_line || (conn && line[0] == '"' &&
					strncmp(line + 1, conn, cl) == 0 && line[cl + 1] == '"');
		if (p && daemon_line && level <= LOG_WARNING && !p->fail[0])
			snprintf(p->fail, sizeof(p->fail), "%s", line);
		for (int e = DMN_VICI_EV_LOG; e <= DMN_VICI_EV_CONTROL_LOG; e++) {
			if (!(c->events & (1u << e)) || (e == DMN_VICI_EV_CONTROL_LOG && !about))
				continue;
			struct vici_builder b;
			vici_builder_init_packet(&b, VICI_EVENT, dmn_vici_event_name(e));
			vici_add_kv_str(&b, "group", "IKE");
			vici_add_kv_fmt(&b, "level", "%d", vlevel);
			vici_add_kv_str(&b, "thread", "0");
			if (about)
				vici_add_kv_str(&b, "ikesa-name", conn);
			vici_add_kv_str(&b, "msg", line);
			dmn_vici_send(c, &b);
		}
	}
	/* A pending initiate fails on the first warning or error about its conn. */
	for (struct dmn_vici_client *c = v->head; c; c = c->next)
		if (!c->dead && c->pending && c->pending->fail[0]) {
			char msg[256];
			snprintf(msg, sizeof(msg), "%s", c->pending->fail);
			dmn_vici_pending_done(c, false, msg);
		}
	v->in_log = false;
}

void dmn_vici_ike_updown(struct dmn *d, const struct dmn_ike_sa *sa, bool up)
{
	struct dmn_vici *v = d->vici;
	if (!v || !sa)
		return;
	for (struct dmn_vici_client *c = v->head; c; c = c->next) {
		if (c->dead)
			continue;
		if (c->events & (1u << DMN_VICI_EV_IKE_UPDOWN)) {
			struct vici_builder b;
			vici_builder_init_packet(&b, VICI_EVENT, "ike-updown");
			if (up)
				vici_add_kv_str(&b, "up", "yes");
			dmn_vici_ike_section(d, &b, sa, NULL, true);
			dmn_vici_send(c, &b);
		}
		struct dmn_vici_pending *p = c->pending;
		if (!c->dead && p && strcmp(p->conn, sa->conn) == 0) {
			if (up && !p->want_child)
				dmn_vici_pending_done(c, true, NULL);
		}
	}
}

static const struct dmn_ike_sa *ike_sa_of(const struct dmn *d, const struct dmn_child *ch)
{
	for (const struct dmn_ike_sa *sa = dmn_ike_sas(d); sa; sa = sa->next)
		if (sa->sa_id == ch->ike_sa_id)
			return sa;
	return NULL;
}

void dmn_vici_child_updown(struct dmn *d, const struct dmn_child *ch, bool up)
{
	struct dmn_vici *v = d->vici;
	if (!v || !ch)
		return;
	for (struct dmn_vici_client *c = v->head; c; c = c->next) {
		if (c->dead)
			continue;
		if (c->events & (1u << DMN_VICI_EV_CHILD_UPDOWN)) {
			struct vici_builder b;
			vici_builder_init_packet(&b, VICI_EVENT, "child-updown");
			if (up)
				vici_add_kv_str(&b, "up", "yes");
			dmn_vici_ike_section(d, &b, ike_sa_of(d, ch), ch, false);
			dmn_vici_send(c, &b);
		}
		struct dmn_vici_pending *p = c->pending;
		if (!c->dead && p && up && strcmp(p->conn, ch->conn) == 0)
			dmn_vici_pending_done(c, true, NULL);
	}
}

void dmn_vici_initiate_failed(struct dmn *d, const char *conn, const char *text)
{
	struct dmn_vici *v = d->vici;
	if (!v || !conn)
		return;
	for (struct dmn_vici_client *c = v->head; c; c = c->next) {
		if (!c->dead && c->pending && strcmp(c->pending->conn, conn) == 0) {
			char msg[320];
			snprintf(msg, sizeof(msg), "%s: %s", conn, text ? text : "failed");
			dmn_vici_pending_done(c, false, msg);
		}
	}
}

/* ---- the listening socket ---- */

/* mkdir -p of path's directory; new directories get 0750. */
static int make_parent_dirs(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		bool last = *p == '\0';
		if (*p == '/' || last) {
			char save = *p;
			*p = '\0';
			if (mkdir(dir, 0750) < 0 && errno != EEXIST)
				return -errno;
			*p = save;
		}
		if (last)
			break;
	}
	return 0;
}

/* A socket file already at path: refuse if a daemon answers on it, else remove it. */
static int clear_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("vici: %s exists and is not a socket", sun->sun_path);
		return -EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	int err = errno;
	close(fd);
	if (r == 0) {
		log_err("vici: another daemon answers on %s", sun->sun_path);
		return -EADDRINUSE;
	}
	if (err != ECONNREFUSED && err != ENOENT)
		return -err;
	if (unlink(sun->sun_path) < 0 && errno != ENOENT)
		return -errno;
	log_info("vici: removed stale socket %s", sun->sun_path);
	return 0;
}

static int listen_on(struct dmn_vici *v, const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (!path || !*path || strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int r = make_parent_dirs(path);
	if (r < 0)
		return r;
	r = clear_stale(&sun);
	if (r < 0)
		return r;
	v->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (v->fd < 0)
		return -errno;
	/* The loop thread is the only one creating files: umask is process-wide but safe here. */
	mode_t old = umask(0117);
	r = bind(v->fd, (const struct sockaddr *)&sun, sizeof(sun));
	int err = errno;
	umask(old);
	if (r < 0)
		return -err;
	v->path = strdup(path);
	if (!v->path)
		return -ENOMEM;
	if (chmod(path, 0660) < 0 || listen(v->fd, 16) < 0)
		return -errno;
	return sd_event_add_io(v->d->ev, &v->listen_src, v->fd, EPOLLIN, on_accept, v);
}

int dmn_vici_setup(struct dmn *d)
{
	struct dmn_vici *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->vici = v;
	v->d = d;
	v->fd = -1;
	v->loop_thread = pthread_self();
	v->started_ms = dmn_now_ms(d);
	v->started_real_s = (uint64_t)time(NULL);
	v->rl_refuse = (struct dmn_ratelimit)DMN_RATELIMIT_INIT(10000, 5);
	int r = sd_event_add_defer(d->ev, &v->reaper, on_reap, v);
	if (r >= 0)
		r = sd_event_source_set_enabled(v->reaper, SD_EVENT_OFF);
	if (r >= 0)
		r = listen_on(v, d->opts.socket_path);
	if (r < 0)
		return r;
	dmn_log_set_hook(on_log, v);
	return 0;
}

void dmn_vici_free(struct dmn *d)
{
	struct dmn_vici *v = d ? d->vici : NULL;
	if (!v)
		return;
	dmn_log_set_hook(NULL, NULL);
	while (v->head)
		client_free(v->head);
	sd_event_source_disable_unref(v->listen_src);
	sd_event_source_disable_unref(v->reaper);
	if (v->fd >= 0) {
		close(v->fd);
		if (v->path)
			unlink(v->path);
	}
	free(v->path);
	free(v->loaded);
	free(v);
	d->vici = NULL;
}

/* ==== commands ==== */

/* strongSwan's spellings of the algorithms (what swanctl prints), by IKEv1/IPsec DOI number. */
struct alg_name {
	uint16_t id;
	const char *name;
};

/* RFC 2409 App. A encryption algorithms */
static const struct alg_name ike_encr_names[] = {
	{IKE_ENCR_DES_CBC, "DES_CBC"},	 {IKE_ENCR_BLOWFISH_CBC, "BLOWFISH_CBC"},
	{IKE_ENCR_3DES_CBC, "3DES_CBC"}, {IKE_ENCR_CAST_CBC, "CAST_CBC"},
	{IKE_ENCR_AES_CBC, "AES_CBC"},	 {IKE_ENCR_CAMELLIA_CBC, "CAMELLIA_CBC"},
};
/* RFC 2409 App. A hash algorithms as IKE integrity (HMAC truncated as in RFC 2404/4868) */
static const struct alg_name ike_integ_names[] = {
	{IKE_HASH_MD5, "HMAC_MD5_96"},
	{IKE_HASH_SHA1, "HMAC_SHA1_96"},
	{IKE_HASH_SHA2_256, "HMAC_SHA2_256_128"},
	{IKE_HASH_SHA2_384, "HMAC_SHA2_384_192"},
	{IKE_HASH_SHA2_512, "HMAC_SHA2_512_256"},
};
/* RFC 2409 §4: the PRF is the HMAC of the negotiated hash */
static const struct alg_name ike_prf_names[] = {
	{IKE_HASH_MD5, "PRF_HMAC_MD5"},		  {IKE_HASH_SHA1, "PRF_HMAC_SHA1"},
	{IKE_HASH_SHA2_256, "PRF_HMAC_SHA2_256"}, {IKE_HASH_SHA2_384, "PRF_HMAC_SHA2_384"},
	{IKE_HASH_SHA2_512, "PRF_HMAC_SHA2_512"},
};
/* IANA "Group Description" (RFC 2409 §6, RFC 3526, RFC 5114, RFC 5903, RFC 8031) */
static const struct alg_name dh_group_names[] = {
	{1, "MODP_768"},       {2, "MODP_1024"},      {5, "MODP_1536"},	  {14, "MODP_2048"},
	{15, "MODP_3072"},     {16, "MODP_4096"},     {17, "MODP_6144"},  {18, "MODP_8192"},
	{19, "ECP_256"},       {20, "ECP_384"},	      {21, "ECP_521"},	  {22, "MODP_1024_160"},
	{23, "MODP_2048_224"}, {24, "MODP_2048_256"}, {25, "ECP_192"},	  {26, "ECP_224"},
	{27, "ECP_224_BP"},    {28, "ECP_256_BP"},    {29, "ECP_384_BP"}, {30, "ECP_512_BP"},
	{31, "CURVE_25519"},   {32, "CURVE_448"},
};
/* RFC 2407 §4.4.4 ESP transform IDs */
static const struct alg_name esp_encr_names[] = {
	{ESP_DES, "DES_CBC"},
	{ESP_3DES, "3DES_CBC"},
	{ESP_NULL, "NULL"},
	{ESP_AES_CBC, "AES_CBC"},
	{ESP_AES_CTR, "AES_CTR"},
	{ESP_AES_CCM_8, "AES_CCM_8"},
	{ESP_AES_CCM_12, "AES_CCM_12"},
	{ESP_AES_CCM_16, "AES_CCM_16"},
	{ESP_AES_GCM_8, "AES_GCM_8"},
	{ESP_AES_GCM_12, "AES_GCM_12"},
	{ESP_AES_GCM_16, "AES_GCM_16"},
	{ESP_NULL_AUTH_AES_GMAC, "NULL_AES_GMAC"},
};
/* RFC 2407 §4.5 authentication algorithms */
static const struct alg_name ipsec_auth_names[] = {
	{AUTH_HMAC_MD5, "HMAC_MD5_96"},
	{AUTH_HMAC_SHA1, "HMAC_SHA1_96"},
	{AUTH_HMAC_SHA2_256, "HMAC_SHA2_256_128"},
	{AUTH_HMAC_SHA2_384, "HMAC_SHA2_384_192"},
	{AUTH_HMAC_SHA2_512, "HMAC_SHA2_512_256"},
	{AUTH_AES_XCBC_MAC, "AES_XCBC_96"},
	{AUTH_AES_128_GMAC, "AES_128_GMAC"},
	{AUTH_AES_192_GMAC, "AES_192_GMAC"},
	{AUTH_AES_256_GMAC, "AES_256_GMAC"},
};

#define ALG(tab, id) alg_lookup(tab, sizeof(tab) / sizeof(tab[0]), id)

static const char *alg_lookup(const struct alg_name *tab, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i].id == id)
			return tab[i].name;
	return NULL;
}

static void add_alg(struct vici_builder *b, const char *key, const char *name, unsigned id)
{
	if (name)
		vici_add_kv_str(b, key, name);
	else
		vici_add_kv_fmt(b, key, "UNKNOWN_%u", id);
}

static void addr_str(int family, const uint8_t *bytes, char *buf, size_t cap)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, bytes, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
}

/* An ID as received (RFC 2407 §4.6.2.1), as charon prints it. */
static void ike_id_str(const struct proto_ike_id *id, char *buf, size_t cap)
{
	if (id->type == ID_IPV4_ADDR && id->len == 4) {
		addr_str(AF_INET, id->data, buf, cap);
	} else if (id->type == ID_IPV6_ADDR && id->len == 16) {
		addr_str(AF_INET6, id->data, buf, cap);
	} else if (id->type == ID_FQDN || id->type == ID_USER_FQDN) {
		size_t n = 0;
		for (size_t i = 0; i < id->len && n + 1 < cap; i++)
			buf[n++] =
				id->data[i] >= 0x20 && id->data[i] < 0x7f ? (char)id->data[i] : '?';
		buf[n] = '\0';
	} else {
		int n = snprintf(buf, cap, "%u:", id->type);
		for (size_t i = 0; i < id->len && n > 0 && (size_t)n + 3 < cap; i++)
			n += snprintf(buf + n, cap - (size_t)n, "%02x", id->data[i]);
	}
}

/* Our configured ID; the host address when the conn leaves it unset. */
static void conf_id_str(const struct dmn_id *id, const struct proto_ike_addr *host, char *buf,
			size_t cap)
{
	switch (id->type) {
	case DMN_ID_DEFAULT:
		if (host)
			addr_str(host->family, host->addr, buf, cap);
		else
			snprintf(buf, cap, "%%any");
		break;
	case DMN_ID_ANY:
		snprintf(buf, cap, "%%any");
		break;
	case DMN_ID_IPV4:
		addr_str(AF_INET, id->addr, buf, cap);
		break;
	case DMN_ID_IPV6:
		addr_str(AF_INET6, id->addr, buf, cap);
		break;
	default:
		snprintf(buf, cap, "%s", id->str);
		break;
	}
}

static const char *proto_str(uint8_t p, char *buf, size_t cap)
{
	switch (p) {
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMPV6:
		return "ipv6-icmp";
	default:
		snprintf(buf, cap, "%u", p);
		return buf;
	}
}

/* A traffic selector as swanctl prints one: 10.1.0.0/16, a..b, with [proto/port] if narrowed. */
static void ts_str(int family, const uint8_t *from, const uint8_t *to, int prefix, uint8_t proto,
		   uint16_t port, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN], z[INET6_ADDRSTRLEN], p[8];
	addr_str(family, from, a, sizeof(a));
	int n;
	if (prefix >= 0) {
		n = snprintf(buf, cap, "%s/%d", a, prefix);
	} else {
		addr_str(family, to, z, sizeof(z));
		n = snprintf(buf, cap, "%s..%s", a, z);
	}
	if (n < 0 || (size_t)n >= cap || (!proto && !port))
		return;
	if (port)
		snprintf(buf + n, cap - (size_t)n, "[%s/%u]", proto_str(proto, p, sizeof(p)), port);
	else
		snprintf(buf + n, cap - (size_t)n, "[%s]", proto_str(proto, p, sizeof(p)));
}

static void add_proto_ts(struct vici_builder *b, const char *key, const struct proto_ike_ts *ts)
{
	char s[128];
	ts_str(ts->family, ts->from, ts->to, ts->prefix, ts->proto, ts->port, s, sizeof(s));
	vici_begin_list(b, key);
	vici_add_list_item_str(b, s);
	vici_end_list(b);
}

static void to_xaddr(const struct proto_ike_addr *a, struct xfrm_ipaddr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = (uint8_t)a->family;
	memcpy(ret->bytes, a->addr, 16);
}

/* bytes-/packets-/use- counters of one direction of a child, from the kernel. */
static void add_counters(struct dmn *d, struct vici_builder *b, const struct dmn_child *c, bool in)
{
	const char *dir = in ? "in" : "out";
	char key[16];
	if (!(in ? c->sa_in : c->sa_out) || !d->xfrm) {
		/* Not in the kernel: nothing has passed through it. */
		snprintf(key, sizeof(key), "bytes-%s", dir);
		vici_add_kv_str(b, key, "0");
		snprintf(key, sizeof(key), "packets-%s", dir);
		vici_add_kv_str(b, key, "0");
		return;
	}
	struct xfrm_sa_id id = {.spi = in ? c->spi_in : c->spi_out,
				.proto = c->protocol == PROTO_IPSEC_AH ? IPPROTO_AH : IPPROTO_ESP};
	to_xaddr(in ? &c->peer : &c->local, &id.src);
	to_xaddr(in ? &c->local : &c->peer, &id.dst);
	const struct dmn_conn *conn = d->config ? dmn_config_find(d->config, c->conn) : NULL;
	if (conn) {
		id.mark_v = in ? conn->mark_in : conn->mark_out;
		id.mark_m = in ? conn->mark_in_mask : conn->mark_out_mask;
	}
	struct xfrm_sa_info info;
	if (xfrm_sa_get(d->xfrm, &id, &info) < 0)
		return;
	snprintf(key, sizeof(key), "bytes-%s", dir);
	vici_add_kv_fmt(b, key, "%llu", (unsigned long long)info.bytes);
	snprintf(key, sizeof(key), "packets-%s", dir);
	vici_add_kv_fmt(b, key, "%llu", (unsigned long long)info.packets);
	if (info.use_time) {
		uint64_t now = (uint64_t)time(NULL);
		snprintf(key, sizeof(key), "use-%s", dir);
		vici_add_kv_fmt(
			b, key, "%llu",
			(unsigned long long)(now > info.use_time ? now - info.use_time : 0));
	}
}

static bool child_installed(const struct dmn_child *c)
{
	return c->sa_in && c->sa_out && c->policies;
}

/* One entry of child-sas, keyed NAME-UNIQUEID (the uniqueid of a child is its inbound SPI). */
static void add_child(struct dmn *d, struct vici_builder *b, const struct dmn_child *c)
{
	char key[96];
	snprintf(key, sizeof(key), "%s-%u", c->conn, c->spi_in);
	vici_begin_section(b, key);
	vici_add_kv_str(b, "name", c->conn);
	vici_add_kv_fmt(b, "uniqueid", "%u", c->spi_in);
	vici_add_kv_fmt(b, "reqid", "%u", c->reqid);
	/* Not all of SAs and policies made it into the kernel: say so rather than INSTALLED. */
	vici_add_kv_str(b, "state",
			c->superseded			   ? "REKEYED"
			: c->out_pending		   ? "INSTALLING"
			: !child_installed(c)		   ? "FAILED"
			: c->rekey_msgid || c->rekey_p1_ms ? "REKEYING"
							   : "INSTALLED");
	vici_add_kv_str(b, "mode", c->mode == ENCAP_TRANSPORT ? "TRANSPORT" : "TUNNEL");
	vici_add_kv_str(b, "protocol", c->protocol == PROTO_IPSEC_AH ? "AH" : "ESP");
	vici_add_kv_fmt(b, "spi-in", "%08x", c->spi_in);
	vici_add_kv_fmt(b, "spi-out", "%08x", c->spi_out);
	if (c->ipcomp) { /* as charon reports an IPComp pair */
		vici_add_kv_fmt(b, "cpi-in", "%04x", c->cpi_in);
		vici_add_kv_fmt(b, "cpi-out", "%04x", c->cpi_out);
	}
	if (c->protocol != PROTO_IPSEC_AH) {
		add_alg(b, "encr-alg", ALG(esp_encr_names, c->transform), c->transform);
		if (c->key_bits)
			vici_add_kv_fmt(b, "encr-keysize", "%u", c->key_bits);
	}
	if (c->auth)
		add_alg(b, "integ-alg", ALG(ipsec_auth_names, c->auth), c->auth);
	add_counters(d, b, c, true);
	add_counters(d, b, c, false);
	uint64_t now = dmn_now_ms(d);
	vici_add_kv_fmt(b, "install-time", "%llu",
			(unsigned long long)((now - c->established_ms) / 1000));
	if (c->soft_ms && !c->superseded)
		vici_add_kv_fmt(
			b, "rekey-time", "%llu",
			(unsigned long long)(c->soft_ms > now ? (c->soft_ms - now) / 1000 : 0));
	if (c->hard_ms)
		vici_add_kv_fmt(
			b, "life-time", "%llu",
			(unsigned long long)(c->hard_ms > now ? (c->hard_ms - now) / 1000 : 0));
	add_proto_ts(b, "local-ts", &c->local_ts);
	add_proto_ts(b, "remote-ts", &c->remote_ts);
	vici_end_section(b);
}

void dmn_vici_ike_section(struct dmn *d, struct vici_builder *b, const struct dmn_ike_sa *sa,
			  const struct dmn_child *child, bool no_children)
{
	const char *name = sa ? sa->conn : child ? child->conn : "?";
	const struct proto_ike_addr *local = sa ? &sa->local : &child->local;
	const struct proto_ike_addr *peer = sa ? &sa->peer : &child->peer;
	const struct dmn_conn *conn = d->config ? dmn_config_find(d->config, name) : NULL;
	char s[DMN_HOST_MAX];
	vici_begin_section(b, name);
	if (sa)
		vici_add_kv_fmt(b, "uniqueid", "%llu", (unsigned long long)sa->sa_id);
	vici_add_kv_str(b, "version", "1");
	/* Children outlive their ISAKMP SA in IKEv1: such a group is listed as DELETED. */
	vici_add_kv_str(b, "state", sa ? "ESTABLISHED" : "DELETED");
	addr_str(local->family, local->addr, s, sizeof(s));
	vici_add_kv_str(b, "local-host", s);
	vici_add_kv_fmt(b, "local-port", "%u", local->port);
	if (conn) {
		conf_id_str(&conn->left.id, local, s, sizeof(s));
		vici_add_kv_str(b, "local-id", s);
	}
	addr_str(peer->family, peer->addr, s, sizeof(s));
	vici_add_kv_str(b, "remote-host", s);
	vici_add_kv_fmt(b, "remote-port", "%u", peer->port);
	if (sa) {
		ike_id_str(&sa->p1.peer_id, s, sizeof(s));
		vici_add_kv_str(b, "remote-id", s);
		vici_add_kv_str(b, "initiator", sa->initiator ? "yes" : "no");
		/* swanctl shows the cookies as the IKE SA's SPIs, 16 hex digits each */
		char ck[17];
		for (int k = 0; k < 8; k++)
			snprintf(ck + 2 * k, 3, "%02x", sa->p1.icookie[k]);
		vici_add_kv_str(b, "initiator-spi", ck);
		for (int k = 0; k < 8; k++)
			snprintf(ck + 2 * k, 3, "%02x", sa->p1.rcookie[k]);
		vici_add_kv_str(b, "responder-spi", ck);
		/* RFC 3947 §3.2 NAT detection, under charon's names */
		if (sa->p1.nat_local)
			vici_add_kv_str(b, "nat-local", "yes");
		if (sa->p1.nat_peer)
			vici_add_kv_str(b, "nat-remote", "yes");
		const struct proto_ike_p1_prop *p = &sa->p1.prop;
		add_alg(b, "encr-alg", ALG(ike_encr_names, p->encr), p->encr);
		if (p->key_bits)
			vici_add_kv_fmt(b, "encr-keysize", "%u", p->key_bits);
		add_alg(b, "integ-alg", ALG(ike_integ_names, p->hash), p->hash);
		add_alg(b, "prf-alg", ALG(ike_prf_names, p->hash), p->hash);
		add_alg(b, "dh-group", ALG(dh_group_names, p->group), p->group);
		uint64_t age = (dmn_now_ms(d) - sa->established_ms) / 1000;
		vici_add_kv_fmt(b, "established", "%llu", (unsigned long long)age);
		uint64_t now = dmn_now_ms(d);
		if (sa->reauth_ms && !sa->reauth_started)
			vici_add_kv_fmt(b, "reauth-time", "%llu",
					(unsigned long long)(sa->reauth_ms > now
								     ? (sa->reauth_ms - now) / 1000
								     : 0));
		if (sa->expire_ms)
			vici_add_kv_fmt(b, "life-time", "%llu",
					(unsigned long long)(sa->expire_ms > now
								     ? (sa->expire_ms - now) / 1000
								     : 0));
	}
	vici_begin_section(b, "child-sas");
	if (child) {
		add_child(d, b, child);
	} else if (!no_children) {
		for (const struct dmn_child *c = dmn_ike_children(d); c; c = c->next)
			if (c->ike_sa_id == sa->sa_id)
				add_child(d, b, c);
	}
	vici_end_section(b);
	vici_end_section(b);
}

/* ---- handlers ---- */

struct vici_req {
	struct dmn_vici_client *c;
	struct dmn *d;
	const struct vici_node *msg; /* root section of the request */
};

static void reply_empty(struct dmn_vici_client *c)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	dmn_vici_send(c, &b);
}

static void cmd_version(const struct vici_req *rq)
{
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_add_kv_str(&b, "daemon", "oakleyd");
	vici_add_kv_str(&b, "version", OAKLEY_VERSION);
	vici_add_kv_str(&b, "sysname", u.sysname);
	vici_add_kv_str(&b, "release", u.release);
	vici_add_kv_str(&b, "machine", u.machine);
	dmn_vici_send(rq->c, &b);
}

static void cmd_stats(const struct vici_req *rq)
{
	struct dmn *d = rq->d;
	struct dmn_vici *v = d->vici;
	struct vici_builder b;
	char since[64] = "?";
	time_t t0 = (time_t)v->started_real_s;
	struct tm tm;
	if (localtime_r(&t0, &tm))
		strftime(since, sizeof(since), "%b %d %H:%M:%S %Y", &tm);
	unsigned n_sas = d->ike ? d->ike->n_sas : 0, n_children = d->ike ? d->ike->n_children : 0;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_begin_section(&b, "uptime");
	vici_add_kv_fmt(&b, "running", "%llu seconds",
			(unsigned long long)((dmn_now_ms(d) - v->started_ms) / 1000));
	vici_add_kv_str(&b, "since", since);
	vici_end_section(&b);
	vici_begin_section(&b, "workers");
	vici_add_kv_fmt(&b, "total", "%u", d->opts.workers);
	vici_end_section(&b);
	struct proto_ike_stats es = {0};
	if (d->ike && d->ike->engine)
		proto_ike_get_stats(d->ike->engine, &es);
	vici_begin_section(&b, "ikesas");
	vici_add_kv_fmt(&b, "total", "%u", n_sas);
	vici_add_kv_fmt(&b, "half-open", "%u", es.half_open);
	vici_end_section(&b);
	vici_add_kv_fmt(&b, "child-sas", "%u", n_children);
	vici_begin_section(&b, "packets");
	vici_add_kv_fmt(&b, "rx", "%llu", (unsigned long long)d->stats.rx_packets);
	vici_add_kv_fmt(&b, "rx-dropped", "%llu", (unsigned long long)d->stats.rx_dropped);
	vici_add_kv_fmt(&b, "tx", "%llu", (unsigned long long)d->stats.tx_packets);
	vici_add_kv_fmt(&b, "tx-errors", "%llu", (unsigned long long)d->stats.tx_errors);
	vici_add_kv_fmt(&b, "retransmits", "%llu", (unsigned long long)es.retransmits);
	vici_add_kv_fmt(&b, "malformed", "%llu", (unsigned long long)es.drop_malformed);
	vici_end_section(&b);
	vici_begin_section(&b, "vici");
	vici_add_kv_fmt(&b, "clients", "%u", v->n_clients);
	vici_add_kv_fmt(&b, "requests", "%llu", (unsigned long long)v->requests);
	vici_add_kv_fmt(&b, "dropped", "%llu", (unsigned long long)v->dropped);
	vici_end_section(&b);
	dmn_vici_send(rq->c, &b);
}

static bool parse_u64(const char *s, unsigned long long *ret)
{
	char *end = NULL;
	if (!*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !end || *end)
		return false;
	*ret = v;
	return true;
}

static void cmd_list_sas(const struct vici_req *rq)
{
	char ike[DMN_NAME_MAX], ike_id[32];
	vici_node_str(rq->msg, "ike", ike, sizeof(ike), "");
	vici_node_str(rq->msg, "ike-id", ike_id, sizeof(ike_id), "");
	unsigned long long want_id = 0;
	bool by_id = ike_id[0] && parse_u64(ike_id, &want_id);
	for (const struct dmn_ike_sa *sa = dmn_ike_sas(rq->d); sa && !rq->c->dead; sa = sa->next) {
		if ((ike[0] && strcmp(ike, sa->conn) != 0) || (by_id && sa->sa_id != want_id))
			continue;
		struct vici_builder b;
		vici_builder_init_packet(&b, VICI_EVENT, "list-sa");
		dmn_vici_ike_section(rq->d, &b, sa, NULL, false);
		dmn_vici_send_event(rq->c, DMN_VICI_EV_LIST_SA, &b);
	}
	/* Children whose ISAKMP SA is gone (IKEv1 lets them live on), one event each. */
	for (const struct dmn_child *c = dmn_ike_children(rq->d); c && !by_id && !rq->c->dead;
	     c = c->next) {
		bool orphan = true;
		for (const struct dmn_ike_sa *sa = dmn_ike_sas(rq->d); sa && orphan; sa = sa->next)
			orphan = sa->sa_id != c->ike_sa_id;
		if (!orphan || (ike[0] && strcmp(ike, c->conn) != 0))
			continue;
		struct vici_builder b;
		vici_builder_init_packet(&b, VICI_EVENT, "list-sa");
		dmn_vici_ike_section(rq->d, &b, NULL, c, false);
		dmn_vici_send_event(rq->c, DMN_VICI_EV_LIST_SA, &b);
	}
	reply_empty(rq->c);
}

static void add_conf_addr(struct vici_builder *b, const struct dmn_addr *a)
{
	char s[DMN_HOST_MAX];
	switch (a->kind) {
	case DMN_ADDR_IP:
		addr_str(a->family, a->bytes, s, sizeof(s));
		vici_add_list_item_str(b, s);
		break;
	case DMN_ADDR_HOSTNAME:
		vici_add_list_item_str(b, a->host);
		break;
	default:
		vici_add_list_item_str(b, "%any");
		break;
	}
}

static void add_conf_ts(struct vici_builder *b, const char *key, const struct dmn_side *side)
{
	char s[128];
	vici_begin_list(b, key);
	for (size_t i = 0; i < side->n_subnets; i++) {
		const struct dmn_subnet *n = &side->subnets[i];
		ts_str(n->family, n->from, n->to, n->is_range ? -1 : n->prefix, n->proto,
		       n->port_lo == n->port_hi ? n->port_lo : 0, s, sizeof(s));
		vici_add_list_item_str(b, s);
	}
	if (side->n_subnets == 0)
		vici_add_list_item_str(b, "dynamic");
	vici_end_list(b);
}

static void add_conf_auth(struct vici_builder *b, const char *key, const struct dmn_side *side)
{
	char s[DMN_HOST_MAX];
	vici_begin_section(b, key);
	vici_add_kv_str(b, "class", "pre-shared key");
	if (side->id.type == DMN_ID_DEFAULT && side->host.kind == DMN_ADDR_IP) {
		addr_str(side->host.family, side->host.bytes, s, sizeof(s));
	} else {
		conf_id_str(&side->id, NULL, s, sizeof(s));
	}
	vici_add_kv_str(b, "id", s);
	static const char *const empty[] = {"groups", "cert_policy", "certs", "cacerts"};
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		vici_begin_list(b, empty[i]);
		vici_end_list(b);
	}
	vici_end_section(b);
}

static const char *conn_mode(enum dmn_type t)
{
	switch (t) {
	case DMN_TYPE_TRANSPORT:
		return "TRANSPORT";
	case DMN_TYPE_PASS:
		return "PASS";
	case DMN_TYPE_DROP:
	case DMN_TYPE_REJECT:
		return "DROP";
	default:
		return "TUNNEL";
	}
}

/* ipsec.conf uniqueids= as charon's unique policy names (uniqueids=yes replaces). */
static const char *unique_name(enum dmn_uniqueids u)
{
	switch (u) {
	case DMN_UNIQUE_YES:
	case DMN_UNIQUE_REPLACE:
		return "UNIQUE_REPLACE";
	case DMN_UNIQUE_NEVER:
		return "UNIQUE_NEVER";
	case DMN_UNIQUE_KEEP:
		return "UNIQUE_KEEP";
	default:
		return "UNIQUE_NO";
	}
}

static const char *dpd_action_name(enum dmn_dpd_action a)
{
	switch (a) {
	case DMN_DPD_CLEAR:
		return "clear";
	case DMN_DPD_HOLD:
		return "hold";
	case DMN_DPD_RESTART:
		return "restart";
	default:
		return "none";
	}
}

/* One list-conn event (the layout of swanctl --list-conns). */
static void send_conn(const struct vici_req *rq, const struct dmn_conn *conn)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_EVENT, "list-conn");
	vici_begin_section(&b, conn->name);
	vici_begin_list(&b, "local_addrs");
	add_conf_addr(&b, &conn->left.host);
	vici_end_list(&b);
	vici_begin_list(&b, "remote_addrs");
	add_conf_addr(&b, &conn->right.host);
	vici_end_list(&b);
	vici_add_kv_str(&b, "version", "IKEv1");
	vici_add_kv_fmt(&b, "reauth_time", "%u", conn->ikelifetime);
	vici_add_kv_str(&b, "rekey_time", "0");
	vici_add_kv_str(&b, "unique", unique_name(rq->d->config->setup.uniqueids));
	add_conf_auth(&b, "local-1", &conn->left);
	add_conf_auth(&b, "remote-1", &conn->right);
	vici_begin_section(&b, "children");
	vici_begin_section(&b, conn->name);
	vici_add_kv_str(&b, "mode", conn_mode(conn->type));
	vici_add_kv_fmt(&b, "rekey_time", "%u",
			conn->lifetime > conn->rekeymargin ? conn->lifetime - conn->rekeymargin
							   : 0);
	vici_add_kv_fmt(&b, "rekey_bytes", "%llu", (unsigned long long)conn->lifebytes);
	vici_add_kv_fmt(&b, "rekey_packets", "%llu", (unsigned long long)conn->lifepackets);
	vici_add_kv_str(&b, "dpd_action", dpd_action_name(conn->dpdaction));
	vici_add_kv_str(&b, "close_action", dpd_action_name(conn->closeaction));
	add_conf_ts(&b, "local-ts", &conn->left);
	add_conf_ts(&b, "remote-ts", &conn->right);
	vici_end_section(&b);
	vici_end_section(&b);
	vici_end_section(&b);
	dmn_vici_send_event(rq->c, DMN_VICI_EV_LIST_CONN, &b);
}

static void cmd_list_conns(const struct vici_req *rq)
{
	char ike[DMN_NAME_MAX];
	vici_node_str(rq->msg, "ike", ike, sizeof(ike), "");
	const struct dmn_config *cfg = rq->d->config;
	for (size_t i = 0; cfg && i < cfg->n_conns && !rq->c->dead; i++)
		if (!ike[0] || strcmp(ike, cfg->conns[i]->name) == 0)
			send_conn(rq, cfg->conns[i]);
	reply_empty(rq->c);
}

static bool is_loaded(const struct dmn_vici *v, const char *name)
{
	for (size_t i = 0; i < v->n_loaded; i++)
		if (strcmp(v->loaded[i], name) == 0)
			return true;
	return false;
}

/* get-conns lists the conns loaded over VICI (as charon does: swanctl --load-conns unloads what
 * get-conns lists and its file lacks, so ipsec.conf's conns must not appear here). */
static void cmd_get_conns(const struct vici_req *rq)
{
	const struct dmn_config *cfg = rq->d->config;
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_begin_list(&b, "conns");
	for (size_t i = 0; cfg && i < cfg->n_conns; i++)
		if (is_loaded(rq->d->vici, cfg->conns[i]->name))
			vici_add_list_item_str(&b, cfg->conns[i]->name);
	vici_end_list(&b);
	dmn_vici_send(rq->c, &b);
}

static int on_pending_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	struct dmn_vici_client *c = userdata;
	if (!c->pending)
		return 0;
	char msg[128];
	snprintf(msg, sizeof(msg), "%s: timeout waiting for the tunnel to come up",
		 c->pending->conn);
	sd_event_source_disable_unref(c->pending->timer);
	c->pending->timer = NULL;
	dmn_vici_pending_done(c, false, msg);
	return 0;
}

/* initiate: starts the conn and answers once its first child (or, for `ike`, the ISAKMP SA) is
 * up, or the attempt failed, or timeout ms passed (negative timeout: answer at once). */
static void cmd_initiate(const struct vici_req *rq)
{
	struct dmn_vici_client *c = rq->c;
	char child[DMN_NAME_MAX], ike[DMN_NAME_MAX], tmo[24];
	vici_node_str(rq->msg, "child", child, sizeof(child), "");
	vici_node_str(rq->msg, "ike", ike, sizeof(ike), "");
	vici_node_str(rq->msg, "timeout", tmo, sizeof(tmo), "0");
	const char *name = child[0] ? child : ike;
	if (!name[0]) {
		dmn_vici_reply_status(c, false, "missing child or ike name");
		return;
	}
	if (!rq->d->config || !dmn_config_find(rq->d->config, name)) {
		char msg[128];
		snprintf(msg, sizeof(msg), "no connection named '%s'", name);
		dmn_vici_reply_status(c, false, msg);
		return;
	}
	long long t = strtoll(tmo, NULL, 10);
	uint64_t timeout_ms = t <= 0 ? DMN_VICI_INITIATE_TIMEOUT_MS : (uint64_t)t;
	if (timeout_ms > DMN_VICI_INITIATE_TIMEOUT_MAX_MS)
		timeout_ms = DMN_VICI_INITIATE_TIMEOUT_MAX_MS;
	struct dmn_vici_pending *p = calloc(1, sizeof(*p));
	if (!p) {
		dmn_vici_reply_status(c, false, "out of memory");
		return;
	}
	snprintf(p->conn, sizeof(p->conn), "%s", name);
	p->want_child = child[0] != '\0';
	c->pending = p;
	int r = dmn_ike_initiate(rq->d, name);
	if (c->pending != p) /* answered already: an error was logged about name */
		return;
	if (r < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s: cannot initiate: %s", name, strerror(-r));
		dmn_vici_pending_done(c, false, msg);
		return;
	}
	if (t < 0) {
		dmn_vici_pending_done(c, true, NULL);
		return;
	}
	r = sd_event_add_time_relative(rq->d->ev, &p->timer, CLOCK_MONOTONIC, timeout_ms * 1000, 0,
				       on_pending_timeout, c);
	if (r < 0)
		dmn_vici_pending_done(c, false, "cannot arm a timer");
	else if (!c->dead)
		sd_event_source_set_io_events(c->src, c->out_head ? EPOLLOUT : 0);
}

/* success = yes with matches = n (and terminated = n when terminated is set). */
static void reply_matches(const struct vici_req *rq, int n, bool terminated)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_add_kv_str(&b, "success", "yes");
	vici_add_kv_fmt(&b, "matches", "%d", n);
	if (terminated)
		vici_add_kv_fmt(&b, "terminated", "%d", n);
	dmn_vici_send(rq->c, &b);
}

static void cmd_terminate(const struct vici_req *rq)
{
	char name[DMN_NAME_MAX], ike_id[32];
	vici_node_str(rq->msg, "ike", name, sizeof(name), "");
	if (!name[0])
		vici_node_str(rq->msg, "child", name, sizeof(name), "");
	vici_node_str(rq->msg, "ike-id", ike_id, sizeof(ike_id), "");
	unsigned long long id;
	if (!name[0] && ike_id[0] && parse_u64(ike_id, &id)) {
		for (const struct dmn_ike_sa *sa = dmn_ike_sas(rq->d); sa; sa = sa->next)
			if (sa->sa_id == id)
				snprintf(name, sizeof(name), "%s", sa->conn);
	}
	if (!name[0]) {
		dmn_vici_reply_status(rq->c, false, "no matching SAs to terminate found");
		return;
	}
	snprintf(rq->c->control, sizeof(rq->c->control), "%s", name);
	int r = dmn_ike_terminate(rq->d, name);
	rq->c->control[0] = '\0';
	if (r < 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "no ISAKMP SA of '%s' to terminate", name);
		dmn_vici_reply_status(rq->c, false, msg);
		return;
	}
	reply_matches(rq, r, true);
}

/* rekey: child = NAME rekeys its IPsec SAs, ike = NAME reauthenticates its ISAKMP SA (IKEv1 has no
 * ISAKMP SA rekey). */
static void cmd_rekey(const struct vici_req *rq)
{
	char name[DMN_NAME_MAX];
	bool ike = false;
	vici_node_str(rq->msg, "child", name, sizeof(name), "");
	if (!name[0]) {
		vici_node_str(rq->msg, "ike", name, sizeof(name), "");
		ike = true;
	}
	if (!name[0]) {
		dmn_vici_reply_status(rq->c, false, "rekey needs child or ike");
		return;
	}
	int r = dmn_ike_rekey(rq->d, name, ike);
	if (r < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "no %s of '%s' to rekey", ike ? "ISAKMP SA" : "IPsec SA",
			 name);
		dmn_vici_reply_status(rq->c, false, msg);
		return;
	}
	reply_matches(rq, r, false);
}

static void cmd_reload_settings(const struct vici_req *rq)
{
	struct dmn_vici *v = rq->d->vici;
	char err[256] = "";
	v->capture = err;
	v->capture_cap = sizeof(err);
	dmn_on_sighup(NULL, NULL, rq->d);
	v->capture = NULL;
	dmn_vici_reply_status(rq->c, err[0] == '\0', err);
}

/* ---- load-conn, unload-conn, load-shared: swanctl.conf-style input, IKEv1 PSK subset ---- */

/* Text we write into an ipsec.conf or ipsec.secrets line: printable, no quote, comment, comma or
 * backslash, so a value can never end its keyword or start another. */
static bool safe_token(const uint8_t *v, size_t len)
{
	if (len == 0 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++)
		if (v[i] <= 0x20 || v[i] >= 0x7f || strchr("\"#,\\'{}", v[i]))
			return false;
	return true;
}

struct conf_text {
	char buf[16384];
	size_t len;
	const char *err; /* first problem, for errmsg */
};

static void text_add(struct conf_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void text_add(struct conf_text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(t->buf) - t->len) {
		if (!t->err)
			t->err = "connection too large";
		return;
	}
	t->len += (size_t)n;
}

/* key=item1,item2 from a list (or a single key-value) node; suffix appended ("!" for proposals). */
static void text_list(struct conf_text *t, const char *key, const struct vici_node *n,
		      const char *suffix)
{
	if (!n)
		return;
	const struct vici_node *items = n->type == VICI_LIST_START ? n->child : n;
	text_add(t, "    %s=", key);
	bool first = true;
	for (const struct vici_node *i = items; i;
	     i = n->type == VICI_LIST_START ? i->next : NULL) {
		if (!safe_token(i->value, i->value_len)) {
			t->err = "a value has characters oakley does not accept";
			return;
		}
		text_add(t, "%s%.*s", first ? "" : ",", (int)i->value_len, (const char *)i->value);
		first = false;
	}
	text_add(t, "%s\n", suffix);
}

/* An ID value as swanctl writes it: an address, user@fqdn, %any, or a bare name, which is an
 * FQDN and gets ipsec.conf's '@'. The caller checked it with safe_token(). */
static void text_id_value(struct conf_text *t, const uint8_t *v, size_t len)
{
	uint8_t tmp[16];
	char s[256];
	snprintf(s, sizeof(s), "%.*s", (int)len, (const char *)v);
	bool plain = strchr(s, '@') || s[0] == '%' || inet_pton(AF_INET, s, tmp) == 1 ||
		     inet_pton(AF_INET6, s, tmp) == 1;
	text_add(t, "%s%s", plain ? "" : "@", s);
}

/* An ID as swanctl writes it: an address, user@fqdn, %any, or a bare name (an FQDN). */
static void text_id(struct conf_text *t, const char *key, const struct vici_node *auth)
{
	const struct vici_node *id = vici_node_get(auth, "id");
	if (!id || id->type != VICI_KEY_VALUE)
		return;
	if (!safe_token(id->value, id->value_len)) {
		t->err = "IDs other than addresses, FQDNs and user@FQDNs are not supported";
		return;
	}
	text_add(t, "    %s=", key);
	text_id_value(t, id->value, id->value_len);
	text_add(t, "\n");
}

static bool node_value_is(const struct vici_node *n, const char *v)
{
	return n && n->type == VICI_KEY_VALUE && n->value_len == strlen(v) &&
	       strncasecmp((const char *)n->value, v, n->value_len) == 0;
}

/* The auth sections of one side: local, local-*, remote, remote-* (PSK only). */
static const struct vici_node *find_auth(const struct vici_node *conn, const char *side,
					 struct conf_text *t)
{
	const struct vici_node *found = NULL;
	size_t sl = strlen(side);
	for (const struct vici_node *n = conn->child; n; n = n->next) {
		if (n->type != VICI_SECTION_START || n->name_len < sl ||
		    memcmp(n->name, side, sl) != 0 || (n->name_len > sl && n->name[sl] != '-'))
			continue;
		const struct vici_node *auth = vici_node_get(n, "auth");
		if (found || (auth && !node_value_is(auth, "psk")))
			t->err = "only one pre-shared key (auth = psk) round per side is supported";
		found = n;
	}
	return found;
}

/* Writes the ipsec.conf text of one swanctl connection section. */
static void conn_to_text(const struct vici_node *conn, struct conf_text *t)
{
	const struct vici_node *n = vici_node_get(conn, "version");
	if (n && !node_value_is(n, "1") && !node_value_is(n, "ikev1")) {
		t->err = "oakley speaks IKEv1 only (version = 1)";
		return;
	}
	const struct vici_node *children = vici_node_get(conn, "children");
	const struct vici_node *child = children ? children->child : NULL;
	if (!child || child->type != VICI_SECTION_START || child->next) {
		t->err = "exactly one child section is supported";
		return;
	}
	text_add(t, "conn %.*s\n    keyexchange=ikev1\n    authby=secret\n", (int)conn->name_len,
		 conn->name);
	text_list(t, "left", vici_node_get(conn, "local_addrs"), "");
	text_list(t, "right", vici_node_get(conn, "remote_addrs"), "");
	if (!vici_node_get(conn, "local_addrs"))
		text_add(t, "    left=%%any\n");
	if (!vici_node_get(conn, "remote_addrs"))
		text_add(t, "    right=%%any\n");
	text_list(t, "ike", vici_node_get(conn, "proposals"), "!");
	if (node_value_is(vici_node_get(conn, "aggressive"), "yes"))
		text_add(t, "    aggressive=yes\n");
	text_id(t, "leftid", find_auth(conn, "local", t));
	text_id(t, "rightid", find_auth(conn, "remote", t));
	text_list(t, "leftsubnet", vici_node_get(child, "local_ts"), "");
	text_list(t, "rightsubnet", vici_node_get(child, "remote_ts"), "");
	text_list(t, "esp", vici_node_get(child, "esp_proposals"), "!");
	text_list(t, "ah", vici_node_get(child, "ah_proposals"), "!");
	if (node_value_is(vici_node_get(child, "ipcomp"), "yes"))
		text_add(t, "    compress=yes\n");
	n = vici_node_get(child, "mode");
	if (n && !node_value_is(n, "tunnel") && !node_value_is(n, "transport"))
		t->err = "mode must be tunnel or transport";
	text_add(t, "    type=%s\n", node_value_is(n, "transport") ? "transport" : "tunnel");
	n = vici_node_get(child, "start_action");
	text_add(t, "    auto=%s\n",
		 node_value_is(n, "start")  ? "start"
		 : node_value_is(n, "trap") ? "route"
					    : "add");
}

/* Replaces d->config by one holding old's conns (minus drop, if named) plus add's; takes the
 * conns of add. dmn_config_free only frees the n_conns listed, which lets conns move. */
static int config_swap(struct dmn *d, struct dmn_config *add, const char *drop)
{
	struct dmn_config *old = d->config;
	size_t n_old = old ? old->n_conns : 0, n_add = add ? add->n_conns : 0;
	struct dmn_config *cfg = calloc(1, sizeof(*cfg));
	struct dmn_config *gone = calloc(1, sizeof(*gone));
	struct dmn_conn **v = calloc(n_old + n_add + 1, sizeof(*v));
	struct dmn_conn **g = calloc(n_old + 1, sizeof(*g));
	if (!cfg || !gone || !v || !g) {
		free(cfg);
		free(gone);
		free(v);
		free(g);
		return -ENOMEM;
	}
	if (old)
		cfg->setup = old->setup;
	for (size_t i = 0; i < n_old; i++) {
		bool replaced = drop && strcmp(old->conns[i]->name, drop) == 0;
		for (size_t k = 0; k < n_add && !replaced; k++)
			replaced = strcmp(old->conns[i]->name, add->conns[k]->name) == 0;
		if (replaced)
			g[gone->n_conns++] = old->conns[i];
		else
			v[cfg->n_conns++] = old->conns[i];
	}
	for (size_t k = 0; k < n_add; k++)
		v[cfg->n_conns++] = add->conns[k];
	cfg->conns = v;
	gone->conns = g;
	if (old)
		old->n_conns = 0;
	if (add)
		add->n_conns = 0;
	dmn_config_free(old);
	dmn_config_free(add);
	d->config = cfg;
	dmn_ike_config_changed(d);
	dmn_config_free(gone); /* after the engine let go of the old handles */
	return 0;
}

static void cmd_load_conn(const struct vici_req *rq)
{
	const struct vici_node *conn = rq->msg->child;
	if (!conn || conn->type != VICI_SECTION_START || conn->next ||
	    !safe_token((const uint8_t *)conn->name, conn->name_len) ||
	    conn->name_len >= DMN_NAME_MAX) {
		dmn_vici_reply_status(rq->c, false, "expected one connection section");
		return;
	}
	struct conf_text *t = calloc(1, sizeof(*t));
	if (!t) {
		dmn_vici_reply_status(rq->c, false, "out of memory");
		return;
	}
	conn_to_text(conn, t);
	struct dmn_diags diags = {0};
	struct dmn_config *add = NULL;
	char err[400] = "";
	if (t->err)
		snprintf(err, sizeof(err), "%s", t->err);
	else if (dmn_config_parse_buffer(DMN_VICI_CONN_FILE, t->buf, t->len, NULL, &diags, &add) <
		 0)
		snprintf(err, sizeof(err), "%s", diags.n ? diags.v[0].msg : "invalid connection");
	else if (add->n_conns != 1)
		snprintf(err, sizeof(err), "the connection was not kept (IKEv2 only or ignored)");
	else if (rq->d->config && rq->d->config->n_conns >= DMN_CFG_CONNS_MAX &&
		 !dmn_config_find(rq->d->config, add->conns[0]->name))
		snprintf(err, sizeof(err), "too many connections (%u)", DMN_CFG_CONNS_MAX);
	else if (config_swap(rq->d, add, NULL) < 0)
		snprintf(err, sizeof(err), "out of memory");
	else
		add = NULL;
	if (!err[0]) {
		struct dmn_vici *v = rq->d->vici;
		char name[DMN_NAME_MAX];
		snprintf(name, sizeof(name), "%.*s", (int)conn->name_len, conn->name);
		if (!is_loaded(v, name) && v->n_loaded < DMN_CFG_CONNS_MAX) {
			char(*l)[64] = realloc(v->loaded, (v->n_loaded + 1) * sizeof(*l));
			if (l) {
				v->loaded = l;
				snprintf(l[v->n_loaded++], sizeof(l[0]), "%s", name);
			}
		}
		log_notice("vici: loaded connection %s", name);
	}
	dmn_config_free(add);
	dmn_diags_free(&diags);
	free(t);
	dmn_vici_reply_status(rq->c, !err[0], err);
}

static void cmd_unload_conn(const struct vici_req *rq)
{
	char name[DMN_NAME_MAX];
	vici_node_str(rq->msg, "name", name, sizeof(name), "");
	if (!rq->d->config || !dmn_config_find(rq->d->config, name)) {
		dmn_vici_reply_status(rq->c, false, "unloading connection failed: not found");
		return;
	}
	int r = config_swap(rq->d, NULL, name);
	struct dmn_vici *v = rq->d->vici;
	for (size_t i = 0; r == 0 && i < v->n_loaded; i++)
		if (strcmp(v->loaded[i], name) == 0)
			memmove(v->loaded[i], v->loaded[--v->n_loaded], sizeof(v->loaded[0]));
	if (r == 0)
		log_notice("vici: unloaded connection %s", name);
	dmn_vici_reply_status(rq->c, r == 0, "out of memory");
}

/* Removes (wiping its PSK) an entry an earlier load-shared added for the same owners, so that
 * loading the same secrets again replaces them instead of piling them up. */
static void drop_loaded_secret(struct dmn_secrets *s, const struct dmn_secret *like)
{
	for (size_t i = 0; i < s->n; i++) {
		struct dmn_secret *e = &s->v[i];
		bool same = strcmp(e->file, "vici:load-shared") == 0 && e->n_ids == like->n_ids;
		for (size_t k = 0; same && k < e->n_ids; k++)
			same = dmn_id_equal(&e->ids[k], &like->ids[k]);
		if (!same)
			continue;
		explicit_bzero(e->psk, e->psk_len);
		free(e->psk);
		memmove(e, e + 1, (s->n - i - 1) * sizeof(*e));
		s->n--;
		explicit_bzero(&s->v[s->n], sizeof(s->v[0]));
		return;
	}
}

/* load-shared { type = IKE, data = PSK, owners = [IDs] }: adds a PSK ahead of the file's. */
static void cmd_load_shared(const struct vici_req *rq)
{
	const struct vici_node *type = vici_node_get(rq->msg, "type");
	const struct vici_node *data = vici_node_get(rq->msg, "data");
	const struct vici_node *owners = vici_node_get(rq->msg, "owners");
	if (!node_value_is(type, "IKE") || !data || data->type != VICI_KEY_VALUE ||
	    data->value_len == 0 || data->value_len > DMN_PSK_MAX) {
		dmn_vici_reply_status(rq->c, false, "only type = IKE with 1..1024 bytes of data");
		return;
	}
	struct conf_text *t = calloc(1, sizeof(*t));
	if (!t) {
		dmn_vici_reply_status(rq->c, false, "out of memory");
		return;
	}
	unsigned n_owners = 0;
	for (const struct vici_node *o = owners && owners->type == VICI_LIST_START ? owners->child
										   : NULL;
	     o; o = o->next, n_owners++) {
		if (!safe_token(o->value, o->value_len) || n_owners >= DMN_SECRET_IDS_MAX)
			t->err = "owners must be at most 8 addresses, FQDNs or user@FQDNs";
		else {
			text_id_value(t, o->value, o->value_len);
			text_add(t, " ");
		}
	}
	/* The PSK as hex: no quoting of arbitrary bytes. */
	text_add(t, ": PSK 0x");
	for (size_t i = 0; i < data->value_len; i++)
		text_add(t, "%02x", data->value[i]);
	text_add(t, "\n");
	struct dmn_diags diags = {0};
	struct dmn_secrets *add = NULL;
	char err[400] = "";
	if (t->err)
		snprintf(err, sizeof(err), "%s", t->err);
	else if (dmn_secrets_parse_buffer("vici:load-shared", t->buf, t->len, NULL, &diags, &add) <
		 0)
		snprintf(err, sizeof(err), "%s", diags.n ? diags.v[0].msg : "invalid secret");
	else if (add->n != 1)
		snprintf(err, sizeof(err), "the secret was not kept");
	explicit_bzero(t, sizeof(*t));
	free(t);
	dmn_diags_free(&diags);
	struct dmn_secrets *old = rq->d->secrets;
	struct dmn_secret *v = NULL;
	if (!err[0] && old)
		drop_loaded_secret(old, &add->v[0]);
	if (!err[0] && old && old->n >= DMN_SECRETS_MAX)
		snprintf(err, sizeof(err), "too many secrets (%u)", DMN_SECRETS_MAX);
	if (!err[0] && old) {
		v = calloc(old->n + add->n, sizeof(*v));
		if (!v) {
			snprintf(err, sizeof(err), "out of memory");
		} else {
			/* New entries first: on a tie the first one wins. Entries move, PSKs too.
			 */
			memcpy(v, add->v, add->n * sizeof(*v));
			memcpy(v + add->n, old->v, old->n * sizeof(*v));
			explicit_bzero(old->v, old->n * sizeof(*v));
			free(old->v);
			old->v = v;
			old->n = old->cap = old->n + add->n;
			explicit_bzero(add->v, add->n * sizeof(*v));
			add->n = 0;
		}
	} else if (!err[0]) {
		rq->d->secrets = add;
		add = NULL;
	}
	dmn_secrets_free(add);
	if (!err[0])
		log_notice("vici: loaded a pre-shared key for %u owner%s", n_owners,
			   n_owners == 1 ? "" : "s");
	dmn_vici_reply_status(rq->c, !err[0], err);
}

struct vici_cmd {
	const char *name;
	void (*run)(const struct vici_req *rq);
};

/* ---- oakley-metrics: counters and gauges for Prometheus (oakley metrics formats them) ---- */

/* One sample: key = family name with its labels, value = the number. */
static void metric(struct vici_builder *b, const char *family, const char *labels,
		   unsigned long long v)
{
	char key[256];
	snprintf(key, sizeof(key), "%s%s", family, labels ? labels : "");
	vici_add_kv_fmt(b, key, "%llu", v);
}

static void cmd_metrics(const struct vici_req *rq)
{
	struct dmn *d = rq->d;
	const struct dmn_ike *ik = d->ike;
	struct vici_builder b;
	struct proto_ike_stats es = {0};
	if (ik && ik->engine)
		proto_ike_get_stats(ik->engine, &es);
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	/* the help texts first, as a section; the samples after, in the same order */
	static const struct {
		const char *family, *type, *text;
	} fam[] = {
		{"oakley_ike_sas", "gauge", "Established ISAKMP SAs."},
		{"oakley_ike_sas_half_open", "gauge", "Responder ISAKMP SAs not yet established."},
		{"oakley_ipsec_sas", "gauge",
		 "IPsec SA pairs carrying traffic (replaced ones excluded)."},
		{"oakley_negotiations_started_total", "counter",
		 "Phase-1 negotiations we initiated."},
		{"oakley_ike_sas_established_total", "counter", "ISAKMP SAs established."},
		{"oakley_ipsec_sas_established_total", "counter", "IPsec SA pairs negotiated."},
		{"oakley_ike_sa_failures_total", "counter",
		 "Failed phase-1 negotiations by reason."},
		{"oakley_ipsec_sa_failures_total", "counter", "Failed Quick Modes by reason."},
		{"oakley_rekeys_total", "counter", "IPsec SA rekeys started and completed."},
		{"oakley_reauthentications_total", "counter",
		 "ISAKMP SA reauthentications started."},
		{"oakley_sa_expired_total", "counter", "Kernel SA lifetime events by limit."},
		{"oakley_ike_packets_total", "counter", "IKE datagrams by direction."},
		{"oakley_ike_retransmits_total", "counter", "IKE messages retransmitted."},
		{"oakley_ike_dropped_total", "counter", "IKE datagrams dropped by cause."},
		{"oakley_dpd_probes_total", "counter", "R-U-THERE probes sent."},
		{"oakley_nat_keepalives_total", "counter", "NAT-T keepalives sent."},
		{"oakley_ipsec_bytes_total", "counter",
		 "Bytes through current IPsec SAs (kernel counters)."},
		{"oakley_ipsec_packets_total", "counter",
		 "Packets through current IPsec SAs (kernel counters)."},
	};
	vici_begin_section(&b, "help");
	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		char h[256];
		snprintf(h, sizeof(h), "%s|%s", fam[i].type, fam[i].text);
		vici_add_kv_str(&b, fam[i].family, h);
	}
	vici_end_section(&b);
	vici_begin_section(&b, "samples");
	unsigned children = 0;
	uint64_t bytes[2] = {0, 0}, packets[2] = {0, 0};
	for (const struct dmn_child *c = dmn_ike_children(d); c; c = c->next) {
		if (c->superseded)
			continue;
		children++;
		for (int in = 0; in < 2 && d->xfrm; in++) {
			if (!(in ? c->sa_in : c->sa_out))
				continue;
			struct xfrm_sa_id id = {
				.spi = in ? c->spi_in : c->spi_out,
				.proto = c->protocol == PROTO_IPSEC_AH ? IPPROTO_AH : IPPROTO_ESP};
			to_xaddr(in ? &c->peer : &c->local, &id.src);
			to_xaddr(in ? &c->local : &c->peer, &id.dst);
			struct xfrm_sa_info info;
			if (xfrm_sa_get(d->xfrm, &id, &info) == 0) {
				bytes[in] += info.bytes;
				packets[in] += info.packets;
			}
		}
	}
	metric(&b, "oakley_ike_sas", NULL, ik ? ik->n_sas : 0);
	metric(&b, "oakley_ike_sas_half_open", NULL, es.half_open);
	metric(&b, "oakley_ipsec_sas", NULL, children);
	metric(&b, "oakley_negotiations_started_total", NULL, ik ? ik->p1_initiated : 0);
	metric(&b, "oakley_ike_sas_established_total", NULL, ik ? ik->p1_up : 0);
	metric(&b, "oakley_ipsec_sas_established_total", NULL, ik ? ik->p2_up : 0);
	for (int phase = 1; phase <= 2; phase++)
		for (int r = 1; r < PROTO_IKE_REASON__MAX; r++) {
			char l[128];
			snprintf(l, sizeof(l), "{reason=\"%s\"}",
				 proto_ike_reason_str((enum proto_ike_reason)r));
			metric(&b,
			       phase == 1 ? "oakley_ike_sa_failures_total"
					  : "oakley_ipsec_sa_failures_total",
			       l, ik ? (phase == 1 ? ik->p1_failed[r] : ik->p2_failed[r]) : 0);
		}
	metric(&b, "oakley_rekeys_total", "{state=\"started\"}", ik ? ik->rekeys_started : 0);
	metric(&b, "oakley_rekeys_total", "{state=\"completed\"}", ik ? ik->rekeys_done : 0);
	metric(&b, "oakley_reauthentications_total", NULL, ik ? ik->reauths_started : 0);
	metric(&b, "oakley_sa_expired_total", "{limit=\"soft\"}", ik ? ik->expired_soft : 0);
	metric(&b, "oakley_sa_expired_total", "{limit=\"hard\"}", ik ? ik->expired_hard : 0);
	metric(&b, "oakley_ike_packets_total", "{direction=\"in\"}", es.rx);
	metric(&b, "oakley_ike_packets_total", "{direction=\"out\"}", es.tx);
	metric(&b, "oakley_ike_retransmits_total", NULL, es.retransmits);
	static const char *const why[] = {"malformed", "unknown_sa", "message_id",
					  "half_open_limit"};
	uint64_t whyv[] = {es.drop_malformed, es.drop_unknown_sa, es.drop_msgid, es.drop_half_open};
	for (size_t i = 0; i < 4; i++) {
		char l[64];
		snprintf(l, sizeof(l), "{cause=\"%s\"}", why[i]);
		metric(&b, "oakley_ike_dropped_total", l, whyv[i]);
	}
	metric(&b, "oakley_dpd_probes_total", NULL, ik ? ik->dpd_probes : 0);
	metric(&b, "oakley_nat_keepalives_total", NULL, ik ? ik->keepalives_sent : 0);
	metric(&b, "oakley_ipsec_bytes_total", "{direction=\"in\"}", bytes[1]);
	metric(&b, "oakley_ipsec_bytes_total", "{direction=\"out\"}", bytes[0]);
	metric(&b, "oakley_ipsec_packets_total", "{direction=\"in\"}", packets[1]);
	metric(&b, "oakley_ipsec_packets_total", "{direction=\"out\"}", packets[0]);
	vici_end_section(&b);
	dmn_vici_send(rq->c, &b);
}

/* oakley-explain [name = NAME]: the recorded failures (of NAME), newest first, in plain words. */
static void cmd_explain(const struct vici_req *rq)
{
	struct dmn *d = rq->d;
	char name[DMN_NAME_MAX];
	vici_node_str(rq->msg, "name", name, sizeof(name), "");
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_begin_list(&b, "order");
	const struct dmn_failure *v[DMN_FAILURES_MAX];
	unsigned n = 0;
	for (unsigned i = 0; d->ike && i < d->ike->n_failures; i++) {
		const struct dmn_failure *f = &d->ike->failures[i];
		if (!name[0] || strcmp(f->conn, name) == 0)
			v[n++] = f;
	}
	for (unsigned i = 1; i < n; i++) /* newest first */
		for (unsigned k = i; k > 0 && v[k]->at_ms > v[k - 1]->at_ms; k--) {
			const struct dmn_failure *t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	for (unsigned i = 0; i < n; i++) {
		char key[16];
		snprintf(key, sizeof(key), "%u", i + 1);
		vici_add_list_item_str(&b, key);
	}
	vici_end_list(&b);
	uint64_t now = dmn_now_ms(d);
	for (unsigned i = 0; i < n; i++) {
		const struct dmn_failure *f = v[i];
		char key[16], why[512], fix[512];
		snprintf(key, sizeof(key), "%u", i + 1);
		dmn_failure_explain(f, why, sizeof(why), fix, sizeof(fix));
		vici_begin_section(&b, key);
		vici_add_kv_str(&b, "conn", f->conn);
		vici_add_kv_str(&b, "peer", f->peer);
		vici_add_kv_fmt(&b, "phase", "%u", f->phase);
		vici_add_kv_str(&b, "role", f->initiator ? "initiator" : "responder");
		vici_add_kv_str(&b, "reason", proto_ike_reason_str(f->reason));
		vici_add_kv_str(&b, "detail", f->text);
		vici_add_kv_str(&b, "why", why);
		vici_add_kv_str(&b, "fix", fix);
		vici_add_kv_fmt(&b, "seconds-ago", "%llu",
				(unsigned long long)(now > f->at_ms ? (now - f->at_ms) / 1000 : 0));
		vici_add_kv_fmt(&b, "count", "%u", f->count);
		vici_end_section(&b);
	}
	dmn_vici_send(rq->c, &b);
}

static const struct vici_cmd vici_cmds[] = {
	{"version", cmd_version},
	{"stats", cmd_stats},
	{"list-sas", cmd_list_sas},
	{"list-conns", cmd_list_conns},
	{"get-conns", cmd_get_conns},
	{"initiate", cmd_initiate},
	{"terminate", cmd_terminate},
	{"rekey", cmd_rekey},
	{"reload-settings", cmd_reload_settings},
	{"load-conn", cmd_load_conn},
	{"unload-conn", cmd_unload_conn},
	{"load-shared", cmd_load_shared},
	{"oakley-metrics", cmd_metrics},
	{"oakley-explain", cmd_explain},
};

int dmn_vici_dispatch(struct dmn_vici_client *c, const uint8_t *name, size_t name_len,
		      const uint8_t *msg, size_t msg_len)
{
	const struct vici_cmd *cmd = NULL;
	for (size_t i = 0; i < sizeof(vici_cmds) / sizeof(vici_cmds[0]) && !cmd; i++)
		if (strlen(vici_cmds[i].name) == name_len &&
		    memcmp(vici_cmds[i].name, name, name_len) == 0)
			cmd = &vici_cmds[i];
	struct vici_tree *tree = NULL;
	int r = vici_tree_parse(msg, msg_len, &tree, NULL);
	if (r < 0)
		return r;
	if (!cmd) {
		vici_tree_free(tree);
		client_reply_bare(c, VICI_CMD_UNKNOWN);
		return 0;
	}
	log_debug("vici: client %u: %s", c->id, cmd->name);
	struct vici_req rq = {.c = c, .d = c->v->d, .msg = tree->root};
	cmd->run(&rq);
	vici_tree_free(tree);
	return 0;
}
