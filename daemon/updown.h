/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * updown scripts (leftupdown=, leftfirewall=, lefthostaccess=, leftnexthop=): a script runs when a
 * child (IPsec SA pair) comes up and when it goes, with the PLUTO_* environment that strongSwan's
 * and Libreswan's updown scripts read (the list, with formats, is in oakley-ipsec.conf(5)).
 *
 * Scripts never block the event loop: each is spawned (/bin/sh -c SCRIPT, its own process group,
 * a clean environment, stdin /dev/null) and reaped through an sd-event child source; its output
 * (stdout and stderr, bounded) and exit status are logged; at the time limit its process group is
 * killed. The scripts of one child run strictly in order (its down starts after its up ended); at
 * most DMN_UPDOWN_RUNNING_MAX run at once and DMN_UPDOWN_QUEUE_MAX wait, more are refused (logged).
 * A rekey runs nothing: the new child takes over the old one's up, and the old one's down is not
 * run (the traffic never stopped). The environment carries no secret.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ike/engine.h"

struct dmn;
struct dmn_child;
struct dmn_conn;

#define DMN_UPDOWN_ENV_MAX     40   /* variables */
#define DMN_UPDOWN_ENV_BYTES   3072 /* their text */
#define DMN_UPDOWN_QUEUE_MAX   256  /* scripts waiting or running */
#define DMN_UPDOWN_RUNNING_MAX 4    /* scripts running at once */
#define DMN_UPDOWN_TIMEOUT_S   30   /* default time limit (oakleyd --updown-timeout) */
#define DMN_UPDOWN_OUTPUT_MAX  2048 /* bytes of a script's output logged */
#define DMN_UPDOWN_PATH	       "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* A script's environment: n "NAME=value" strings at offsets into buf. */
struct dmn_updown_env {
	size_t n, used;
	uint16_t off[DMN_UPDOWN_ENV_MAX];
	char buf[DMN_UPDOWN_ENV_BYTES];
};

/* The string of variable i of env. */
static inline const char *dmn_updown_env_at(const struct dmn_updown_env *env, size_t i)
{
	return env->buf + env->off[i];
}

/*
 * The environment of child c of conn (left is the local side) going up or down: a pure function
 * of its arguments. peer_id is the ID the peer proved (NULL: unknown, its address is used);
 * unique_id the ISAKMP SA's number (PLUTO_UNIQUEID); iface the local address's interface (NULL:
 * "unknown"). Returns 0, or -ENOSPC when it does not fit (ret then holds what did).
 */
int dmn_updown_env_build(const struct dmn_child *c, const struct dmn_conn *conn,
			 const struct proto_ike_id *peer_id, uint64_t unique_id, const char *iface,
			 bool up, struct dmn_updown_env *ret);

/* The script of conn's local side: leftupdown= (unless "%disabled"), else the default script
 * (firewall_script) with leftfirewall=yes, else NULL (nothing runs). */
const char *dmn_updown_script(const struct dmn_conn *conn, const char *firewall_script);

/* Sets the script runner up on d's loop (timeout_s: the time limit of every script). 0 or -errno.
 */
int dmn_updown_setup(struct dmn *d, unsigned timeout_s, const char *firewall_script);

/* Child c is up: queues its conn's up script (nothing for a rekey, which took over the replaced
 * child's up through dmn_updown_handover, or when no script is configured). */
void dmn_updown_child_up(struct dmn *d, struct dmn_child *c);

/* Child c goes away: queues the down script matching its up (nothing when no up ran). */
void dmn_updown_child_down(struct dmn *d, struct dmn_child *c);

/* A rekey: child to replaces child from, whose up becomes to's (from's down will not run). */
void dmn_updown_handover(struct dmn_child *from, struct dmn_child *to);

/* At exit: runs what is queued (the down scripts of the children just removed) to the end, within
 * one time limit in all, then kills what is left and frees everything. Accepts d without runner. */
void dmn_updown_free(struct dmn *d);
