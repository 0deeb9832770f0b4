// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define WORKERS_MAX 16

struct dmn_workers {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct dmn_list_head todo, finished; /* struct dmn_job, oldest first */
	unsigned pending;
	bool stopping;
	int efd;
	sd_event_source *src;
	unsigned n;
	pthread_t threads[WORKERS_MAX];
};

static void *worker_main(void *arg)
{
	struct dmn_workers *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (dmn_list_empty(&w->todo) && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->stopping)
			break;
		struct dmn_job *j = dmn_list_entry(w->todo.next, struct dmn_job, link);
		dmn_list_del_init(&j->link);
		pthread_mutex_unlock(&w->lock);
		j->run(j);
		j->ran = true;
		pthread_mutex_lock(&w->lock);
		dmn_list_add_tail(&j->link, &w->finished);
		uint64_t one = 1;
		/* The eventfd counter cannot overflow with DMN_JOBS_MAX jobs; a failed write would
		 * only delay delivery until the next completion. */
		(void)!write(w->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Hands the jobs of l (taken from the pool's lists) to their done(), which owns each after. */
static void deliver(struct dmn_workers *w, struct dmn_list_head *l)
{
	struct dmn_job *j;
	while ((j = dmn_list_first_entry_or_null(l, struct dmn_job, link))) {
		dmn_list_del_init(&j->link);
		w->pending--;
		j->done(j);
	}
}

static int on_eventfd(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s;
	(void)revents;
	struct dmn_workers *w = userdata;
	uint64_t v;
	(void)!read(fd, &v, sizeof(v));
	struct dmn_list_head got;
	dmn_list_init(&got);
	pthread_mutex_lock(&w->lock);
	dmn_list_splice_tail_init(&w->finished, &got);
	pthread_mutex_unlock(&w->lock);
	deliver(w, &got);
	return 0;
}

int dmn_workers_start(sd_event *ev, unsigned n, struct dmn_workers **ret)
{
	if (n == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		n = c > 0 ? (unsigned)c : 1;
	}
	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	struct dmn_workers *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	dmn_list_init(&w->todo);
	dmn_list_init(&w->finished);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int r = w->efd < 0 ? -errno : 0;
	if (r == 0)
		r = sd_event_add_io(ev, &w->src, w->efd, EPOLLIN, on_eventfd, w);
	for (unsigned i = 0; r == 0 && i < n; i++) {
		r = -pthread_create(&w->threads[i], NULL, worker_main, w);
		if (r == 0)
			w->n++;
	}
	if (r < 0) {
		dmn_workers_stop(w);
		return r;
	}
	*ret = w;
	return 0;
}

int dmn_workers_submit(struct dmn_workers *w, struct dmn_job *job)
{
	pthread_mutex_lock(&w->lock);
	if (w->pending >= DMN_JOBS_MAX || w->stopping) {
		pthread_mutex_unlock(&w->lock);
		return -EAGAIN;
	}
	w->pending++;
	job->ran = false;
	dmn_list_add_tail(&job->link, &w->todo);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

unsigned dmn_workers_pending(const struct dmn_workers *w)
{
	return w->pending;
}

void dmn_workers_stop(struct dmn_workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	/* Threads are gone: hand back whatever is left, finished or not. */
	deliver(w, &w->finished);
	deliver(w, &w->todo);
	sd_event_source_unref(w->src);
	if (w->efd >= 0)
		close(w->efd);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
