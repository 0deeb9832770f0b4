/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel side of a child (IPsec SA pair), owned by daemon/child.c: its SAs (ESP/AH and
 * IPComp, each direction) and its policies, built from the child record alone (plus the KEYMAT
 * on install) and handed to the kernel through d->kernel (daemon/kernel.h). dmn_child_sa_id()
 * and dmn_child_installed() are declared in daemon/ike_glue.h.
 *
 * Which flags say what is installed (c->sa_in, sa_out, comp_in, comp_out, policies): each is set
 * when the kernel accepted, and cleared only once it confirmed a delete.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct dmn;
struct dmn_child;
struct dmn_conn;
struct proto_ike_child;

/* A child (or a conn's trap) takes conn's marks and if_ids (%unique ones are not supported yet),
 * replay window, installpolicy= and inactivity=; without a conn (removed by a reload) the
 * defaults. */
void dmn_child_take_conn(struct dmn_child *c, const struct dmn_conn *conn);

/* Installs one direction of child c with the keys of ch (its Quick Mode result): its IPComp SA
 * (if any) first, then the ESP/AH SA (inbound: over the larval SAs ALLOCSPI left; outbound:
 * new). Sets c->comp_in/comp_out, not sa_in/sa_out (the caller's). 0 or -errno; -EOPNOTSUPP when
 * an algorithm has no kernel equivalent. */
int dmn_child_sa_install(struct dmn *d, struct dmn_child *c, const struct proto_ike_child *ch,
			 bool inbound);

/* Adds (or replaces: a rekeyed child takes over the same policies) or removes c's policies: in,
 * fwd (tunnel mode) and out. Returns the first error, after trying all of them. */
int dmn_child_policies(struct dmn *d, const struct dmn_child *c, bool add);

/* Removes what the kernel holds of c (its SAs; its policies unless keep_policies, where they
 * stay as the conn's traps and c no longer holds them). A refusal is logged with the kernel's
 * message and leaves that flag set. */
void dmn_child_kernel_remove(struct dmn *d, struct dmn_child *c, bool keep_policies);

/* After a refused install: removes the larval inbound SAs (ESP/AH, IPComp) ALLOCSPI left, which
 * would otherwise linger until the kernel expires them. */
void dmn_child_larval_remove(struct dmn *d, const struct dmn_child *c);

/* Removes the larval IPComp SA of a CPI we offered and the peer did not take. */
void dmn_child_spare_cpi_remove(struct dmn *d, const struct dmn_child *c, uint16_t cpi);

/*
 * Points both SAs of child c at the peer's new NAT mapping (c->encap_sport/dport): an UPDSA of a
 * valid SA replaces its encapsulation and lifetimes only; the kernel keeps its keys and counters.
 * Returns 0 or -errno (-EOPNOTSUPP: not NAT-T, or an algorithm unknown).
 */
int dmn_ike_child_encap_update(struct dmn *d, struct dmn_child *c);
