/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VICI commands: the const table that maps a CMD_REQUEST's name to its handler, the
 * dispatcher, and the replies several handlers share. The handlers live by concept in
 * vici_list.c (version, stats, list-sas, list-conns, get-conns), vici_ctl.c (initiate, terminate,
 * rekey, reload-settings), vici_load.c (load-conn, unload-conn, load-shared), vici_certs.c
 * (load-cert, load-key, list-certs, get-keys, get-shared) and vici_obs.c
 * (oakley-metrics, oakley-explain).
 */
#include "daemon/vici_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"

void dmn_vici_reply_empty(struct dmn_vici_client *c)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	dmn_vici_send(c, &b);
}

bool dmn_vici_parse_u64(const char *s, unsigned long long *ret)
{
	char *end = NULL;
	if (!*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !end || *end)
		return false;
	*ret = v;
	return true;
}

bool dmn_vici_req_args(const struct dmn_vici_req *rq, const struct dmn_vici_arg *args, size_t n)
{
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		int r = vici_node_copy(rq->msg, args[i].key, args[i].buf, args[i].cap);
		if (r >= 0 || r == -ENOENT || !ok)
			continue;
		char msg[160];
		snprintf(msg, sizeof(msg), "%s: %s", args[i].key,
			 r == -ENAMETOOLONG ? "value too long" : "value holds a NUL byte");
		dmn_vici_reply_status(rq->c, false, msg);
		ok = false; /* the other buffers are still written */
	}
	return ok;
}

bool dmn_vici_req_num(const struct dmn_vici_req *rq, const char *key, const char *s,
		      unsigned long long *ret)
{
	unsigned long long v = 0;
	if (!s[0] || dmn_vici_parse_u64(s, &v)) {
		*ret = v;
		return true;
	}
	char msg[160];
	snprintf(msg, sizeof(msg), "%s: not a number: '%.64s'", key, s);
	dmn_vici_reply_status(rq->c, false, msg);
	return false;
}

/* One command: its name on the wire and its handler (declared in vici_int.h). */
struct vici_cmd {
	const char *name;
	void (*run)(const struct dmn_vici_req *rq);
};

static const struct vici_cmd vici_cmds[] = {
	{"version", dmn_vici_cmd_version},
	{"stats", dmn_vici_cmd_stats},
	{"list-sas", dmn_vici_cmd_list_sas},
	{"list-conns", dmn_vici_cmd_list_conns},
	{"get-conns", dmn_vici_cmd_get_conns},
	{"initiate", dmn_vici_cmd_initiate},
	{"terminate", dmn_vici_cmd_terminate},
	{"rekey", dmn_vici_cmd_rekey},
	{"reload-settings", dmn_vici_cmd_reload_settings},
	{"install", dmn_vici_cmd_install},
	{"uninstall", dmn_vici_cmd_uninstall},
	{"load-conn", dmn_vici_cmd_load_conn},
	{"unload-conn", dmn_vici_cmd_unload_conn},
	{"load-shared", dmn_vici_cmd_load_shared},
	{"load-cert", dmn_vici_cmd_load_cert},
	{"load-key", dmn_vici_cmd_load_key},
	{"get-keys", dmn_vici_cmd_get_keys},
	{"get-shared", dmn_vici_cmd_get_keys},
	{"list-certs", dmn_vici_cmd_list_certs},
	{"oakley-metrics", dmn_vici_cmd_metrics},
	{"oakley-explain", dmn_vici_cmd_explain},
};

int dmn_vici_dispatch(struct dmn_vici_client *c, const uint8_t *name, size_t name_len,
		      const uint8_t *msg, size_t msg_len)
{
	const struct vici_cmd *cmd = NULL;
	for (size_t i = 0; i < sizeof(vici_cmds) / sizeof(vici_cmds[0]) && !cmd; i++)
		if (strlen(vici_cmds[i].name) == name_len &&
		    memcmp(vici_cmds[i].name, name, name_len) == 0)
			cmd = &vici_cmds[i];
	struct vici_tree *tree = NULL;
	int r = vici_tree_parse(msg, msg_len, &tree, NULL);
	if (r < 0)
		return r;
	if (!cmd) {
		vici_tree_free(tree);
		dmn_vici_reply_bare(c, VICI_CMD_UNKNOWN);
		return 0;
	}
	log_debug("vici: client %u: %s", c->id, cmd->name);
	struct dmn_vici_req rq = {.c = c, .d = c->v->d, .msg = tree->root};
	cmd->run(&rq);
	vici_tree_free(tree);
	return 0;
}
