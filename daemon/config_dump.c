// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmn_config_dump(): the resolved model as ipsec.conf-like text, for `oakleyd --check-config`
 * (verbose) and debugging: every stored keyword with its value, one per line, as the keyword
 * table prints them (dmn_conn_keywords). The config model holds no secrets; PSKs live in
 * daemon/secrets.h.
 */
#include "daemon/config.h"

#include <errno.h>

static void put_line(void *ctx, const char *name, const char *value)
{
	fprintf(ctx, "\t%s=%s\n", name, value);
}

int dmn_config_dump(const struct dmn_config *cfg, FILE *out)
{
	fprintf(out, "config setup\n");
	dmn_setup_keywords(&cfg->setup, put_line, out);
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct dmn_conn *c = cfg->conns[i];
		fprintf(out, "\nconn %s\n\t# %s:%u\n", c->name, c->file, c->line);
		if (c->swapped)
			fprintf(out, "\t# left and right swapped: right= is this host\n");
		dmn_conn_keywords(c, put_line, out);
	}
	return ferror(out) ? -EIO : 0;
}
