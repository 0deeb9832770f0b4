// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading config and secrets for the running daemon and for --check-config. A load parses both
 * files completely into new objects; only when both are free of errors does the daemon switch to
 * them (dmn_on_sighup hands both to dmn_ike_reload), so a bad file changes nothing.
 */
#include "daemon/loader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/certs.h"
#include "daemon/hostaddr.h"
#include "daemon/ike_certs.h"
#include "daemon/log.h"

/* Logs every diagnostic at the matching level: config problems go to the log, never silently. */
static void log_diags(const struct dmn_diags *dg)
{
	for (size_t i = 0; i < dg->n; i++) {
		const struct dmn_diag *g = &dg->v[i];
		int lvl = g->level == DMN_DIAG_ERROR	 ? LOG_ERR
			  : g->level == DMN_DIAG_WARNING ? LOG_WARNING
							 : LOG_NOTICE;
		if (g->line)
			dmn_log(lvl, "%s:%u: %s", g->file, g->line, g->msg);
		else
			dmn_log(lvl, "%s: %s", g->file[0] ? g->file : "config", g->msg);
	}
	if (dg->truncated)
		log_err("(more config messages were not kept)");
}

/*
 * Makes left the local side of every conn (dmn_config_orient) by this host's addresses as they are
 * now, and logs each conn it swapped. Returns 0, or -errno (logged) when the addresses cannot be
 * read: the config is then refused, as its conns might point the wrong way.
 */
static int orient(struct dmn_config *cfg, const char *config_path)
{
	struct dmn_hostaddrs h = {0};
	const char *why = "";
	int r = dmn_hostaddrs_read(&h, &why);
	if (r < 0) {
		log_err("%s: cannot read this host's addresses to tell left from right: %s",
			config_path, why);
		return r;
	}
	dmn_config_orient(cfg, dmn_hostaddrs_has, &h);
	dmn_hostaddrs_clear(&h);
	for (size_t i = 0; i < cfg->n_conns; i++)
		if (cfg->conns[i]->swapped)
			log_info("conn %s: right= is this host: using it as the local side",
				 cfg->conns[i]->name);
	return 0;
}

/*
 * The certificate store (daemon/ike_certs.c): the ipsec.d/ next to the config file (missing
 * directories are fine), its files and the key entries of ipsec.secrets; every certificate a
 * conn names is checked (file:line and the reason, as for --check-config). VICI load-cert and
 * load-key add to it. Sets *ret; returns 0, or -EINVAL/-errno with the problems logged.
 */
static int load_certs(const char *config_path, const struct dmn_config *cfg,
		      const struct dmn_secrets *sec, struct dmn_certs **ret)
{
	*ret = NULL;
	struct dmn_diags dg = {0};
	struct dmn_certs *s = NULL;
	int r = dmn_ike_certs_build(config_path, sec, &dg, &s);
	if (r < 0)
		dmn_diag_add(&dg, DMN_DIAG_ERROR, config_path, 0, "certificate store: %s",
			     strerror(-r));
	else
		dmn_ike_certs_check(s, cfg, &dg);
	log_diags(&dg);
	if (r == 0 && dg.n_errors)
		r = -EINVAL;
	dmn_diags_free(&dg);
	if (r < 0) {
		dmn_certs_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int dmn_conf_load(const struct dmn_opts *opts, struct dmn_conf *ret)
{
	const char *config_path = opts->config_path;
	struct dmn_diags dg = {0};
	struct dmn_config *cfg = NULL;
	struct dmn_secrets *sec = NULL;
	int r = dmn_config_load(config_path, &dg, &cfg);
	if (r == -EFBIG)
		dmn_diag_add(&dg, DMN_DIAG_ERROR, config_path, 0,
			     "larger than %u bytes: split it with include", DMN_CFG_FILE_MAX);
	else if (r < 0 && r != -EINVAL && r != -ENOMEM)
		dmn_diag_add(&dg, DMN_DIAG_ERROR, config_path, 0, "cannot read: %s", strerror(-r));
	/* Libreswan's secretsfile= in config setup overrides the default path, not --secrets. */
	const char *spath = opts->secrets_path;
	if (cfg && cfg->setup.secretsfile[0] && !opts->secrets_given)
		spath = cfg->setup.secretsfile;
	int rs = dmn_secrets_load(spath, &dg, &sec);
	if (rs == -ENOENT) {
		/* No secrets file is not an error for a config without PSK conns; say so once. */
		dmn_diag_add(&dg, DMN_DIAG_NOTICE, spath, 0, "no secrets file: no pre-shared keys");
		rs = 0;
	} else if (rs < 0 && rs != -EINVAL) {
		dmn_diag_add(&dg, DMN_DIAG_ERROR, spath, 0, "cannot read: %s", strerror(-rs));
	}
	/* A PSK conn that no secret can ever match could never authenticate: refused here, so
	 * that neither the daemon nor --check-config accepts it. */
	if (r == 0 && rs == 0)
		dmn_secrets_check_conns(sec, cfg, &dg);
	log_diags(&dg);
	if (r < 0 || rs < 0 || dg.n_errors) {
		dmn_config_free(cfg);
		dmn_secrets_free(sec);
		dmn_diags_free(&dg);
		return r < 0 ? r : -EINVAL;
	}
	dmn_diags_free(&dg);
	r = orient(cfg, config_path);
	struct dmn_certs *certs = NULL;
	if (r == 0)
		r = load_certs(config_path, cfg, sec, &certs);
	if (r < 0) {
		dmn_config_free(cfg);
		dmn_secrets_free(sec);
		return r;
	}
	ret->config = cfg;
	ret->secrets = sec;
	ret->certs = certs;
	return 0;
}

int dmn_conf_ports(const struct dmn_config *cfg, struct dmn_opts *opts)
{
	if (!opts->ike_port_set)
		opts->ike_port = cfg->setup.ikeport;
	if (!opts->natt_port_set)
		opts->natt_port = cfg->setup.nat_ikeport;
	int r = 0;
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct dmn_conn *c = cfg->conns[i];
		if (!c->left.ikeport || c->left.ikeport == opts->ike_port)
			continue;
		log_err("%s:%u: conn '%s': %sikeport=%u is this host's side, but oakleyd serves "
			"every "
			"conn on UDP %u: set ikeport= in config setup (or oakleyd --ike-port) "
			"instead",
			c->file, c->line, c->name, c->swapped ? "right" : "left", c->left.ikeport,
			opts->ike_port);
		r = -EINVAL;
	}
	return r;
}

void dmn_conf_clear(struct dmn_conf *c)
{
	if (!c)
		return;
	dmn_config_free(c->config);
	dmn_secrets_free(c->secrets);
	dmn_certs_free(c->certs);
	c->config = NULL;
	c->secrets = NULL;
	c->certs = NULL;
}

int dmn_check_config(const struct dmn_opts *opts)
{
	struct dmn_conf c = {0};
	struct dmn_opts o = *opts;
	int r = dmn_conf_load(opts, &c);
	if (r == 0 && dmn_conf_ports(c.config, &o) < 0) {
		dmn_conf_clear(&c);
		r = -EINVAL;
	}
	if (r < 0) {
		fprintf(stderr, "oakleyd: %s: configuration has errors\n", opts->config_path);
		return -EINVAL;
	}
	printf("%s: %zu connection%s, %zu secret%s: OK\n", opts->config_path, c.config->n_conns,
	       c.config->n_conns == 1 ? "" : "s", c.secrets ? c.secrets->n : 0,
	       c.secrets && c.secrets->n == 1 ? "" : "s");
	for (size_t i = 0; i < c.config->n_conns; i++)
		if (c.config->conns[i]->swapped)
			printf("conn %s: right= is this host: left and right swapped\n",
			       c.config->conns[i]->name);
	if (opts->log_level >= LOG_DEBUG) {
		dmn_config_dump(c.config, stdout);
		if (c.secrets)
			dmn_secrets_dump(c.secrets, stdout);
	}
	dmn_conf_clear(&c);
	return 0;
}

int dmn_on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct dmn *d = userdata;
	(void)s;
	(void)si;
	log_notice("SIGHUP: reloading %s and its secrets", d->opts.config_path);
	struct dmn_conf c = {0};
	int r = dmn_conf_load(&d->opts, &c);
	struct dmn_opts bound = d->opts; /* the sockets stay: conns are checked against them */
	bound.ike_port_set = bound.natt_port_set = true;
	if (r == 0 && dmn_conf_ports(c.config, &bound) < 0) {
		dmn_conf_clear(&c);
		r = -EINVAL;
	}
	if (r < 0) {
		log_err("reload failed: keeping the configuration in force");
		return 0;
	}
	const struct dmn_setup *su = &c.config->setup;
	if ((!d->opts.ike_port_set && su->ikeport != d->opts.ike_port) ||
	    (!d->opts.natt_port_set && su->nat_ikeport != d->opts.natt_port))
		log_notice(
			"config setup: ikeport=%u and nat-ikeport=%u take effect at the next start "
			"(bound: UDP %u and %u)",
			su->ikeport, su->nat_ikeport, d->opts.ike_port, d->opts.natt_port);
	/* new certificates, keys and CRLs for the negotiations to come; established SAs keep
	 * what they proved */
	dmn_certs_free(d->certs);
	d->certs = c.certs;
	dmn_ike_reload(d, c.config, c.secrets);
	return 0;
}
