// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ikeload's DH worker pool (see ikeload_pool.h): a mutex-protected FIFO of jobs to run, another of
 * jobs run, and an eventfd that wakes the loop thread.
 */
#include "tests/bench/ikeload_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "proto/ike/engine.h"

#define POOL_THREADS_MAX 16

struct pool_item {
	struct pool_item *next;
	struct proto_ike_dh_job *job;
};

struct pool_list {
	struct pool_item *head, *tail;
};

struct ikeload_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pool_list todo, done;
	bool stop;
	int efd;
	unsigned n_threads;
	pthread_t threads[POOL_THREADS_MAX];
};

static void list_push(struct pool_list *l, struct pool_item *it)
{
	it->next = NULL;
	if (l->tail)
		l->tail->next = it;
	else
		l->head = it;
	l->tail = it;
}

static struct pool_item *list_pop(struct pool_list *l)
{
	struct pool_item *it = l->head;
	if (it) {
		l->head = it->next;
		if (!l->head)
			l->tail = NULL;
	}
	return it;
}

static void *worker(void *arg)
{
	struct ikeload_pool *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && !p->todo.head)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop)
			break;
		struct pool_item *it = list_pop(&p->todo);
		pthread_mutex_unlock(&p->lock);
		proto_ike_dh_run(it->job);
		pthread_mutex_lock(&p->lock);
		list_push(&p->done, it);
		uint64_t one = 1;
		/* The counter cannot overflow in a bounded run; a failed write only delays. */
		if (write(p->efd, &one, sizeof(one)) < 0) {
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int ikeload_pool_new(unsigned workers, struct ikeload_pool **ret, int *ret_fd)
{
	if (workers > POOL_THREADS_MAX)
		return -EINVAL;
	struct ikeload_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0) {
		int r = -errno;
		free(p);
		return r;
	}
	for (unsigned i = 0; i < workers; i++) {
		int r = pthread_create(&p->threads[i], NULL, worker, p);
		if (r != 0) {
			ikeload_pool_free(p);
			return -r;
		}
		p->n_threads++;
	}
	*ret = p;
	*ret_fd = p->efd;
	return 0;
}

int ikeload_pool_submit(struct ikeload_pool *p, struct proto_ike_dh_job *job)
{
	struct pool_item *it = malloc(sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->job = job;
	pthread_mutex_lock(&p->lock);
	list_push(&p->todo, it);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

size_t ikeload_pool_take(struct ikeload_pool *p, struct proto_ike_dh_job **out, size_t cap)
{
	uint64_t v;
	if (read(p->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing signalled since the last read; the list may still hold jobs. */
	}
	size_t n = 0;
	pthread_mutex_lock(&p->lock);
	while (n < cap && p->done.head) {
		struct pool_item *it = list_pop(&p->done);
		out[n++] = it->job;
		free(it);
	}
	bool more = p->done.head != NULL;
	pthread_mutex_unlock(&p->lock);
	if (more) {
		uint64_t one = 1;
		if (write(p->efd, &one, sizeof(one)) < 0) {
		}
	}
	return n;
}

void ikeload_pool_free(struct ikeload_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	struct pool_item *it;
	while ((it = list_pop(&p->todo)) || (it = list_pop(&p->done))) {
		proto_ike_dh_free(it->job);
		free(it);
	}
	close(p->efd);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
