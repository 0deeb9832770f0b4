/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikeload's DH worker pool: W threads run proto_ike_dh_run() on jobs the loop thread submits and
 * hand them back through a done list and an eventfd the loop thread polls. With W = 0 nothing is
 * started and the caller runs jobs inline.
 */
#pragma once

#include <stddef.h>

struct proto_ike_dh_job;
struct ikeload_pool;

/* Starts workers threads; *ret_fd receives the eventfd that becomes readable when jobs are done.
 * Returns 0 or -errno. */
int ikeload_pool_new(unsigned workers, struct ikeload_pool **ret, int *ret_fd);
/* Queues job (never blocks; the queue is a linked list through a wrapper). 0 or -ENOMEM. */
int ikeload_pool_submit(struct ikeload_pool *p, struct proto_ike_dh_job *job);
/* Takes up to cap finished jobs (loop thread). Returns the count. */
size_t ikeload_pool_take(struct ikeload_pool *p, struct proto_ike_dh_job **out, size_t cap);
/* Stops and joins the workers and frees (wiping) every job still queued or done but not taken.
 * Accepts NULL. */
void ikeload_pool_free(struct ikeload_pool *p);
