/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * This host's addresses: every address on every interface of the daemon's network namespace, read
 * from the kernel (RTM_GETADDR) through libnl-route's rtnl_addr cache. A snapshot, taken when a
 * config is loaded, to tell which side of each conn is this host (dmn_config_orient).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"

#define DMN_HOSTADDRS_MAX 65536 /* addresses kept; a host with more is refused, not truncated */

struct dmn_hostaddr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

struct dmn_hostaddrs {
	struct dmn_hostaddr *v; /* owned */
	size_t n;
};

/*
 * Reads the current addresses into *ret (zero-initialised by the caller, freed with
 * dmn_hostaddrs_clear). Returns 0, or -ENOMEM, -E2BIG (more than DMN_HOSTADDRS_MAX) or -EIO with
 * libnl's reason in *ret_why (a static string); *ret is untouched on failure.
 */
int dmn_hostaddrs_read(struct dmn_hostaddrs *ret, const char **ret_why);

/* True when a is an IP address (DMN_ADDR_IP) of the snapshot ctx (a struct dmn_hostaddrs *): the
 * is_local callback of dmn_config_orient(). */
bool dmn_hostaddrs_has(const struct dmn_addr *a, void *ctx);

/* Frees the snapshot; accepts NULL. */
void dmn_hostaddrs_clear(struct dmn_hostaddrs *h);
