// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The updown script runner (see daemon/updown.h): a FIFO of jobs, each one script run with its
 * environment; a job starts when fewer than DMN_UPDOWN_RUNNING_MAX run and no earlier job of the
 * same child is still queued or running. Spawned with posix_spawn (never waits in the loop), reaped
 * by an sd-event child source, killed (its whole process group) at the time limit.
 */
#include "daemon/updown.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/dmn.h"
#include "daemon/ike_glue.h"
#include "daemon/list.h"
#include "daemon/log.h"

/* What a child keeps of its up script, for its down: the script and the up environment. */
struct dmn_updown_saved {
	uint64_t key; /* the child's jobs run in order under this key */
	char script[DMN_PATH_MAX];
	struct dmn_updown_env env;
};

struct updown_job {
	struct dmn_list_head link; /* dmn_updown.jobs */
	struct dmn_updown *r;
	uint64_t key;
	bool running, killed;
	char script[DMN_PATH_MAX];
	struct dmn_updown_env env;
	pid_t pid;
	int out_fd;
	sd_event_source *child_src, *out_src, *timer_src;
	uint64_t started_ms;
	size_t out_len;
	bool out_cut;
	char out[DMN_UPDOWN_OUTPUT_MAX];
};

struct dmn_updown {
	struct dmn *d;
	bool live; /* the loop runs: jobs get event sources (else dmn_updown_free drives them) */
	struct dmn_list_head jobs; /* struct updown_job, in the order they were queued */
	unsigned n_jobs, n_running;
	unsigned timeout_s;
	uint64_t next_key;
	char firewall_script[DMN_PATH_MAX];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "conn up-client" for log lines, from the job's environment (PLUTO_VERB is first, then
 * PLUTO_VERSION, PLUTO_CONNECTION). */
static void job_name(const struct updown_job *j, char *buf, size_t len)
{
	const char *verb = j->env.n > 0 ? dmn_updown_env_at(&j->env, 0) : "=?";
	const char *conn = j->env.n > 2 ? dmn_updown_env_at(&j->env, 2) : "=?";
	snprintf(buf, len, "%s: updown %s", strchr(conn, '=') + 1, strchr(verb, '=') + 1);
}

/* Reads what the script wrote, keeping the first DMN_UPDOWN_OUTPUT_MAX bytes. 0 at EOF. */
static int job_read(struct updown_job *j)
{
	char tmp[512];
	for (unsigned budget = 64; budget; budget--) {
		ssize_t n = read(j->out_fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 1 : 0;
		if (n == 0)
			return 0;
		size_t room = sizeof(j->out) - j->out_len,
		       take = (size_t)n < room ? (size_t)n : room;
		memcpy(j->out + j->out_len, tmp, take);
		j->out_len += take;
		j->out_cut |= take < (size_t)n;
	}
	return 1;
}

/* Logs the script's output, one line each, and how it ended. */
static void job_log_end(const struct updown_job *j, int code, int status)
{
	char name[128];
	job_name(j, name, sizeof(name));
	bool ok = code == CLD_EXITED && status == 0;
	int level = ok ? LOG_INFO : LOG_WARNING;
	for (size_t at = 0; at < j->out_len;) {
		const char *nl = memchr(j->out + at, '\n', j->out_len - at);
		size_t n = nl ? (size_t)(nl - (j->out + at)) : j->out_len - at;
		dmn_log(level, "%s: %.*s", name, (int)n, j->out + at);
		at += n + 1;
	}
	if (j->out_cut)
		dmn_log(level, "%s: (output cut at %d bytes)", name, DMN_UPDOWN_OUTPUT_MAX);
	unsigned ms = (unsigned)(mono_ms() - j->started_ms);
	if (j->killed)
		log_warn("%s (%s): killed at its time limit of %u s", name, j->script,
			 j->r->timeout_s);
	else if (code == CLD_EXITED)
		dmn_log(level, "%s (%s): exit status %d after %u ms", name, j->script, status, ms);
	else
		log_warn("%s (%s): ended by signal %d after %u ms", name, j->script, status, ms);
}

static void job_free(struct updown_job *j)
{
	sd_event_source_disable_unref(j->child_src);
	sd_event_source_disable_unref(j->out_src);
	sd_event_source_disable_unref(j->timer_src);
	if (j->out_fd >= 0)
		close(j->out_fd);
	free(j);
}

static void runner_kick(struct dmn_updown *r);

/* Job j's process ended (code and status as waitid gives them): log, unlink, start the next. */
static void job_done(struct updown_job *j, int code, int status)
{
	struct dmn_updown *r = j->r;
	if (j->out_fd >= 0)
		job_read(j); /* what is left; a background process holding the pipe is not waited
				for */
	job_log_end(j, code, status);
	dmn_list_del_init(&j->link);
	r->n_jobs--;
	r->n_running--;
	job_free(j);
	runner_kick(r);
}

static int on_job_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
	(void)s;
	job_done(userdata, si->si_code, si->si_status);
	return 0;
}

static int on_job_output(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct updown_job *j = userdata;
	(void)fd;
	(void)revents;
	if (job_read(j) == 0) {
		/* EOF: the exit is reported by the child source */
		sd_event_source_disable_unref(s);
		j->out_src = NULL;
		close(j->out_fd);
		j->out_fd = -1;
	}
	return 0;
}

static int on_job_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct updown_job *j = userdata;
	(void)s;
	(void)usec;
	j->killed = true;
	kill(-j->pid, SIGKILL);
	return 0;
}

/* Spawns /bin/sh -c SCRIPT for j in its own process group with a clean signal state, in /, stdin
 * from /dev/null, stdout and stderr into a pipe, no other descriptor. 0 or -errno. */
static int job_spawn(struct updown_job *j)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawn_file_actions_addchdir_np(&fa, "/");
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaddset(&dfl, sig);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	char *envp[DMN_UPDOWN_ENV_MAX + 1];
	for (size_t i = 0; i < j->env.n; i++)
		envp[i] = j->env.buf + j->env.off[i];
	envp[j->env.n] = NULL;
	char *argv[] = {"sh", "-c", j->script, NULL};
	int e = posix_spawn(&j->pid, "/bin/sh", &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[1]);
	if (e != 0) {
		close(p[0]);
		return -e;
	}
	j->out_fd = p[0];
	return 0;
}

/* Gives running job j its event sources: exit, output, time limit. 0 or -errno. */
static int job_watch(struct dmn_updown *r, struct updown_job *j)
{
	sd_event *ev = r->d->ev;
	uint64_t now = 0;
	int e = sd_event_add_child(ev, &j->child_src, j->pid, WEXITED, on_job_exit, j);
	if (e >= 0)
		e = sd_event_add_io(ev, &j->out_src, j->out_fd, EPOLLIN, on_job_output, j);
	if (e >= 0)
		e = sd_event_now(ev, CLOCK_MONOTONIC, &now);
	if (e >= 0)
		e = sd_event_add_time(ev, &j->timer_src, CLOCK_MONOTONIC,
				      now + (uint64_t)r->timeout_s * 1000000u, 0, on_job_timeout,
				      j);
	return e < 0 ? e : 0;
}

/* Whether jobs can get event sources: the loop has not finished (dmn_run's shutdown queues the
 * down scripts after it did; dmn_updown_free runs those). */
static bool runner_live(const struct dmn_updown *r)
{
	return r->live && sd_event_get_state(r->d->ev) != SD_EVENT_FINISHED;
}

/* Whether an earlier job of the same child is queued or running. */
static bool job_blocked(const struct dmn_updown *r, const struct updown_job *j)
{
	const struct updown_job *o;
	dmn_list_for_each_entry (o, &r->jobs, link)
		if (o == j)
			return false;
		else if (o->key == j->key)
			return true;
	return false;
}

/* Starts every job that may start now. */
static void runner_kick(struct dmn_updown *r)
{
	struct updown_job *j, *next;
	dmn_list_for_each_entry_safe (j, next, &r->jobs, link) {
		if (r->n_running >= DMN_UPDOWN_RUNNING_MAX)
			break;
		if (j->running || job_blocked(r, j))
			continue;
		j->started_ms = mono_ms();
		int e = job_spawn(j);
		if (e == 0) {
			j->running = true;
			r->n_running++;
			if (runner_live(r) && (e = job_watch(r, j)) < 0) {
				/* no way to wait for it: stop it now rather than lose track */
				kill(-j->pid, SIGKILL);
				waitpid(j->pid, NULL, 0);
				job_done(j, CLD_KILLED, SIGKILL);
				return; /* job_done kicked again */
			}
			continue;
		}
		char name[128];
		job_name(j, name, sizeof(name));
		log_err("%s: cannot run %s: %s", name, j->script, strerror(-e));
		j->running = true;
		r->n_running++;
		job_done(j, CLD_EXITED, 127);
		return;
	}
}

/* Queues script with env under key. */
static void runner_queue(struct dmn_updown *r, uint64_t key, const char *script,
			 const struct dmn_updown_env *env)
{
	char name[128];
	struct updown_job *j = NULL;
	if (r->n_jobs < DMN_UPDOWN_QUEUE_MAX)
		j = calloc(1, sizeof(*j));
	if (!j) {
		struct updown_job tmp = {.env = *env};
		job_name(&tmp, name, sizeof(name));
		log_err("%s: not run: %s", name,
			r->n_jobs >= DMN_UPDOWN_QUEUE_MAX ? "too many scripts waiting"
							  : "out of memory");
		return;
	}
	j->r = r;
	j->key = key;
	j->out_fd = -1;
	snprintf(j->script, sizeof(j->script), "%s", script);
	j->env = *env;
	dmn_list_add_tail(&j->link, &r->jobs);
	r->n_jobs++;
	job_name(j, name, sizeof(name));
	log_debug("%s: queued (%s)", name, script);
	runner_kick(r);
}

/* The interface that holds address a ("unknown" when none does). */
static void iface_of(const struct proto_ike_addr *a, char *buf, size_t len)
{
	struct ifaddrs *list = NULL;
	snprintf(buf, len, "unknown");
	if (getifaddrs(&list) < 0)
		return;
	for (struct ifaddrs *i = list; i; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;
		if (!sa || sa->sa_family != a->family)
			continue;
		const void *p =
			sa->sa_family == AF_INET
				? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
				: (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (memcmp(p, a->addr, a->family == AF_INET ? 4 : 16) == 0) {
			snprintf(buf, len, "%s", i->ifa_name);
			break;
		}
	}
	freeifaddrs(list);
}

void dmn_updown_child_up(struct dmn *d, struct dmn_child *c)
{
	struct dmn_updown *r = d->updown;
	if (!r || c->updown)
		return;
	const struct dmn_conn *conn = dmn_config_find(d->config, c->conn);
	const char *script = dmn_updown_script(conn, r->firewall_script);
	if (!script)
		return;
	struct dmn_updown_saved *s = malloc(sizeof(*s));
	if (!s) {
		log_err("%s: updown not run: out of memory", c->conn);
		return;
	}
	const struct dmn_ike_sa *sa = d->ike ? dmn_map_get(&d->ike->sas, c->ike_sa_id) : NULL;
	char iface[64];
	iface_of(&c->local, iface, sizeof(iface));
	if (dmn_updown_env_build(c, conn, sa ? &sa->p1.peer_id : NULL, c->ike_sa_id, iface, true,
				 &s->env) < 0)
		log_warn("%s: updown environment cut short (too long)", c->conn);
	s->key = ++r->next_key;
	snprintf(s->script, sizeof(s->script), "%s", script);
	c->updown = s;
	runner_queue(r, s->key, s->script, &s->env);
}

void dmn_updown_child_down(struct dmn *d, struct dmn_child *c)
{
	struct dmn_updown_saved *s = c->updown;
	if (!s)
		return;
	c->updown = NULL;
	if (d->updown) {
		/* the up environment with the down verb: "up-..." becomes "down-..." */
		struct dmn_updown_env env = s->env;
		const char *verb = env.n ? dmn_updown_env_at(&s->env, 0) : "";
		if (strncmp(verb, "PLUTO_VERB=up-", 14) == 0) {
			char down[32];
			snprintf(down, sizeof(down), "PLUTO_VERB=down-%s", verb + 14);
			size_t need = strlen(down) + 1;
			if (env.used + need <= sizeof(env.buf)) {
				memcpy(env.buf + env.used, down, need);
				env.off[0] = (uint16_t)env.used;
				env.used += need;
			}
		}
		runner_queue(d->updown, s->key, s->script, &env);
	}
	free(s);
}

void dmn_updown_handover(struct dmn_child *from, struct dmn_child *to)
{
	if (!to->updown) {
		to->updown = from->updown;
		from->updown = NULL;
	}
}

int dmn_updown_setup(struct dmn *d, unsigned timeout_s, const char *firewall_script)
{
	struct dmn_updown *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->d = d;
	r->live = true;
	dmn_list_init(&r->jobs);
	r->timeout_s = timeout_s ? timeout_s : DMN_UPDOWN_TIMEOUT_S;
	snprintf(r->firewall_script, sizeof(r->firewall_script), "%s", firewall_script);
	d->updown = r;
	return 0;
}

/* Without the loop: waits (poll) for the running jobs, reading their output, until deadline;
 * starts the next ones as they end. Returns when none is left or the deadline passed. */
static void runner_drain(struct dmn_updown *r, uint64_t deadline)
{
	while (!dmn_list_empty(&r->jobs) && mono_ms() < deadline) {
		struct pollfd pfd[DMN_UPDOWN_RUNNING_MAX];
		nfds_t n = 0;
		struct updown_job *j, *next;
		dmn_list_for_each_entry (j, &r->jobs, link) {
			if (n >= DMN_UPDOWN_RUNNING_MAX)
				break;
			if (j->running && j->out_fd >= 0)
				pfd[n++] = (struct pollfd){.fd = j->out_fd, .events = POLLIN};
		}
		poll(pfd, n, 50);
		dmn_list_for_each_entry_safe (j, next, &r->jobs, link) {
			if (!j->running)
				continue;
			if (j->out_fd >= 0 && job_read(j) == 0) {
				close(j->out_fd);
				j->out_fd = -1;
			}
			int st;
			if (waitpid(j->pid, &st, WNOHANG) == j->pid) {
				job_done(j, WIFEXITED(st) ? CLD_EXITED : CLD_KILLED,
					 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
				break; /* the list changed */
			}
		}
	}
}

void dmn_updown_free(struct dmn *d)
{
	struct dmn_updown *r = d ? d->updown : NULL;
	if (!r)
		return;
	/* The loop is over: the scripts queued by the shutdown (the downs) run here, in one time
	 * limit in all. */
	r->live = false;
	struct updown_job *j;
	dmn_list_for_each_entry (j, &r->jobs, link) {
		j->child_src = sd_event_source_disable_unref(j->child_src);
		j->out_src = sd_event_source_disable_unref(j->out_src);
		j->timer_src = sd_event_source_disable_unref(j->timer_src);
	}
	if (!dmn_list_empty(&r->jobs))
		log_info("running %u updown script(s) before exiting", r->n_jobs);
	runner_kick(r);
	runner_drain(r, mono_ms() + (uint64_t)r->timeout_s * 1000);
	while ((j = dmn_list_first_entry_or_null(&r->jobs, struct updown_job, link))) {
		if (!j->running) {
			char name[128];
			job_name(j, name, sizeof(name));
			log_warn("%s: not run: oakleyd exits", name);
			dmn_list_del_init(&j->link);
			job_free(j);
			continue;
		}
		j->killed = true;
		kill(-j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
		dmn_list_del_init(&j->link); /* job_done would start the next */
		job_log_end(j, CLD_KILLED, SIGKILL);
		job_free(j);
	}
	free(r);
	d->updown = NULL;
}
