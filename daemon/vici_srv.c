/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VICI control socket: listening, clients, framing, bounded output queues, event registration
 * and the events the daemon raises (ike-updown, child-updown, log). The commands are dispatched
 * through the const table of daemon/vici_cmds.c.
 *
 * Every client is non-blocking. What a client cannot take at once is queued, up to
 * DMN_VICI_OUTQ_MAX bytes; past that the client is dropped, so a client that stops reading never
 * holds the daemon. A malformed packet drops only the client that sent it. Dropped clients are
 * closed at once and freed by a deferred "reaper" source, so code that is iterating over clients
 * or handling one of their requests never sees a freed client.
 */
#include "daemon/vici_srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/ike_glue.h"
#include "daemon/log.h"
#include "daemon/vici_int.h"

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
	if (!c->pending && !c->listing)
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
void dmn_vici_reply_bare(struct dmn_vici_client *c, enum vici_packet_type type)
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
	dmn_vici_listing_free(c->listing);
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
		dmn_vici_reply_bare(c, VICI_EVENT_UNKNOWN);
		return;
	}
	if (pk->type == VICI_EVENT_REGISTER)
		c->events |= 1u << e;
	else
		c->events &= ~(1u << e);
	dmn_vici_reply_bare(c, VICI_EVENT_CONFIRM);
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
	for (unsigned n = 0; n < DMN_VICI_BURST && !c->dead && !c->pending && !c->listing; n++) {
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
		if (c->listing)
			dmn_vici_listing_pump(c);
	}
	/* A request is pending, so input is not read: a hang-up now would be reported forever. */
	if ((revents & (EPOLLHUP | EPOLLERR)) && (c->pending || c->listing)) {
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
	for (const struct dmn_ike_sa *sa = dmn_ike_sas(d); sa; sa = dmn_ike_sa_next(sa))
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
