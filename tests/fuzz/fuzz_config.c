// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target "config": the same bytes as an ipsec.conf and as an ipsec.secrets, parsed from
 * memory with includes refused (include_dir NULL), then every surface a loaded object offers
 * (dump, equality, lookup, orientation against a pretend host) is exercised. Seeds:
 * tests/fuzz/corpus/config/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/config.h"
#include "daemon/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A pretend host that owns every address whose last byte is odd. */
static bool odd_is_local(const struct dmn_addr *a, void *ctx)
{
	(void)ctx;
	if (a->kind != DMN_ADDR_IP)
		abort(); /* orientation asks about addresses only */
	return a->bytes[a->family == AF_INET ? 3 : 15] & 1;
}

static bool side_local(const struct dmn_side *s)
{
	return s->host.kind == DMN_ADDR_IP && odd_is_local(&s->host, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null_out;
	struct dmn_diags d = {0};
	struct dmn_config *cfg = NULL;
	struct dmn_secrets *sec = NULL;

	if (!null_out)
		null_out = fopen("/dev/null", "w");
	if (dmn_config_parse_buffer("fuzz.conf", (const char *)data, size, NULL, &d, &cfg) == 0) {
		for (size_t i = 0; i < cfg->n_conns; i++) {
			if (!dmn_conn_equal(cfg->conns[i], cfg->conns[i]))
				abort(); /* equality must be reflexive */
			if (dmn_config_find(cfg, cfg->conns[i]->name) == NULL)
				abort();
		}
		dmn_config_orient(cfg, odd_is_local, NULL);
		for (size_t i = 0; i < cfg->n_conns; i++)
			if (!side_local(&cfg->conns[i]->left) && side_local(&cfg->conns[i]->right))
				abort(); /* right= is this host: must have been swapped */
		if (dmn_config_orient(cfg, odd_is_local, NULL) != 0)
			abort(); /* a second run changes nothing */
		if (null_out)
			dmn_config_dump(cfg, null_out);
		dmn_config_free(cfg);
	}
	if (null_out)
		dmn_diags_print(&d, null_out);
	dmn_diags_free(&d);

	if (dmn_secrets_parse_buffer("fuzz.secrets", (const char *)data, size, NULL, &d, &sec) ==
	    0) {
		for (size_t i = 0; i < sec->n; i++) {
			if (sec->v[i].kind != DMN_SECRET_PSK)
				continue; /* ': RSA' / ': ECDSA' key entries are never a PSK */
			const uint8_t *psk;
			size_t len;
			const struct dmn_id *l = sec->v[i].n_ids ? &sec->v[i].ids[0] : NULL;
			const struct dmn_id *r = sec->v[i].n_ids > 1 ? &sec->v[i].ids[1] : NULL;
			if (dmn_secrets_find_psk(sec, l, r, &psk, &len) != 0 || len == 0)
				abort(); /* every PSK entry matches at least its own IDs */
		}
		if (null_out)
			dmn_secrets_dump(sec, null_out);
		dmn_secrets_free(sec);
	}
	dmn_diags_free(&d);
	return 0;
}
