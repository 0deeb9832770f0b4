/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small pool of worker threads for CPU-heavy work (Diffie-Hellman), so both cores serve
 * handshakes while all protocol state stays on the event-loop thread. A job's run() executes on a
 * worker and must touch only the job's own data; its done() then runs on the loop thread (woken
 * through an eventfd), where it may re-enter the exchange that submitted it.
 */
#pragma once

#include <stdbool.h>

#include "daemon/list.h"
#include <systemd/sd-event.h>

/* Jobs queued and not yet finished, at most; submit says -EAGAIN past it (back-pressure). */
#define DMN_JOBS_MAX 4096

struct dmn_job {
	void (*run)(struct dmn_job *job);  /* on a worker thread */
	void (*done)(struct dmn_job *job); /* on the loop thread; owns the job afterwards */
	bool ran;			   /* false when stop() cancelled the job unrun */
	struct dmn_list_head link;	   /* private to the pool */
};

struct dmn_workers;

/* Starts n threads (0: one per online CPU) and hooks completions into ev. 0 or -errno. */
int dmn_workers_start(sd_event *ev, unsigned n, struct dmn_workers **ret);

/* Queues job (loop thread only); returns 0, or -EAGAIN when DMN_JOBS_MAX jobs are pending. */
int dmn_workers_submit(struct dmn_workers *w, struct dmn_job *job);

/* Jobs submitted and not yet completed on the loop thread. */
unsigned dmn_workers_pending(const struct dmn_workers *w);

/*
 * Stops the threads after their current job and frees the pool. Jobs still queued or finished but
 * not yet delivered get their done() called on the caller's thread so their owners can free them.
 * Accepts NULL.
 */
void dmn_workers_stop(struct dmn_workers *w);
