/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "daemon/config.h"
#include "daemon/dmn.h"
#include "daemon/secrets.h"

/* A config and the secrets loaded with it: the unit that reload swaps. */
struct dmn_conf {
	struct dmn_config *config;
	struct dmn_secrets *secrets; /* may be NULL: no secrets file */
	struct dmn_certs *certs;     /* the certificate store (ipsec.d/) */
};

/*
 * Loads opts' config file and the secrets file (opts->secrets_path, or config setup
 * secretsfile= unless --secrets was given) into *ret, logging every diagnostic with file:line, and
 * orients the conns by this host's current addresses (dmn_config_orient: left is the local side
 * afterwards; one info line per swapped conn). Returns 0, or -EINVAL when either file has errors
 * (nothing is returned then), or another -errno (also when the host's addresses cannot be read).
 */
int dmn_conf_load(const struct dmn_opts *opts, struct dmn_conf *ret);

/*
 * The UDP ports to bind: oakleyd's --ike-port/--natt-port where given, else config setup's
 * ikeport=/nat-ikeport= (default 500 and 4500), written to opts. Then checks that no conn wants
 * another local IKE port (its local side's ikeport=: one port serves every conn). Returns 0, or
 * -EINVAL after logging each such conn with its file:line.
 */
int dmn_conf_ports(const struct dmn_config *cfg, struct dmn_opts *opts);

/* Frees both parts; accepts NULL. */
void dmn_conf_clear(struct dmn_conf *c);
