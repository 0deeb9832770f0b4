/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A kernel for the in-process daemon tests (test_glue.c): a table of kernel operations
 * (daemon/kernel.h, fk_ops, its context a struct fake_kernel) that keeps the SAs and policies a
 * daemon installed,
 * counts every call, refuses the next call of a kind on request, and queues events (EXPIRE,
 * ACQUIRE) that reach the glue through the event handle's descriptor, as netlink events do.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/kernel.h"
#include "xfrm/xfrm.h"

#define FK_MAX 256

enum fk_op { FK_ALLOCSPI, FK_SA_ADD, FK_SA_UPDATE, FK_SA_DEL, FK_POL_UPDATE, FK_POL_DEL, FK__MAX };

struct fk_sa {
	bool used;
	bool larval; /* ALLOCSPI only, not keyed yet */
	struct xfrm_sa sa;
	uint64_t bytes; /* what xfrm_sa_get reports */
};

struct fk_pol {
	bool used;
	struct xfrm_policy pol;
};

struct fake_kernel {
	const char *name;
	struct fk_sa sas[FK_MAX];
	struct fk_pol pols[FK_MAX];
	unsigned calls[FK__MAX];
	int fail[FK__MAX]; /* the next call of that kind returns this (-errno), then 0 again */
	uint32_t next_spi;
	int evfd; /* eventfd: readable while events are queued */
	struct xfrm_event events[32];
	unsigned n_events;
	char errmsg[128];
};

/* A daemon's kernel: struct dmn_kernel {&fk_ops, &the_fake_kernel}. */
extern const struct dmn_kernel_ops fk_ops;
void fk_init(struct fake_kernel *k, const char *name, uint32_t spi_base);
void fk_fini(struct fake_kernel *k);
/* Counts of what is installed: keyed SAs (proto 0: any), and policies. */
unsigned fk_n_sas(const struct fake_kernel *k, uint8_t proto);
unsigned fk_n_pols(const struct fake_kernel *k);
struct fk_sa *fk_find_sa(struct fake_kernel *k, uint8_t proto, uint32_t spi);
/* Queues an EXPIRE for the installed SA spi (the kernel deletes it first when hard), or an
 * ACQUIRE for reqid; the glue reads them when the loop next runs. */
void fk_expire(struct fake_kernel *k, uint32_t spi, bool hard);
void fk_acquire(struct fake_kernel *k, uint32_t reqid, const struct xfrm_sel *sel);
