/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VICI control socket of oakleyd (strongSwan swanctl's protocol, see tools/vici/vici.h for the
 * wire format). One listening unix socket, up to DMN_VICI_CLIENTS_MAX clients on the sd-event loop,
 * each non-blocking with a bounded output queue: a client that does not read is dropped, never
 * waited for. Commands are dispatched through a const table (daemon/vici_cmds.c).
 */
#pragma once

#include <stdbool.h>

#include "daemon/dmn.h"

struct dmn_ike_sa;
struct dmn_child;

/* Listens on d->opts.socket_path: creates its directory (0750), removes a stale socket, refuses
 * (-EADDRINUSE) if another daemon answers on it; the socket is 0660. 0 or -errno (logged). */
int dmn_vici_setup(struct dmn *d);

/* Closes every client and the socket and unlinks it. Accepts d->vici == NULL. */
void dmn_vici_free(struct dmn *d);

/* The 'ike-updown' event (and completion of pending initiate requests). */
void dmn_vici_ike_updown(struct dmn *d, const struct dmn_ike_sa *sa, bool up);

/* The 'child-updown' event (and completion of pending initiate requests). */
void dmn_vici_child_updown(struct dmn *d, const struct dmn_child *c, bool up);

/* An initiate request for conn failed (text says why): answers the clients waiting for it. Until
 * the engine calls this, failures are also taken from warnings and errors logged about conn. */
void dmn_vici_initiate_failed(struct dmn *d, const char *conn, const char *text);
