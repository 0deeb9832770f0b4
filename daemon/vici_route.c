// SPDX-License-Identifier: GPL-2.0-or-later
/* VICI install / uninstall { child = NAME }: trap policies by hand (dmn_ike_route). */
#include "daemon/vici_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/ike_glue.h"

static void route(const struct dmn_vici_req *rq, bool add)
{
	char name[DMN_NAME_MAX], msg[160];
	const struct dmn_vici_arg args[] = {{"child", name, sizeof(name)}};
	if (!dmn_vici_req_args(rq, args, 1))
		return;
	if (!name[0]) {
		dmn_vici_reply_status(rq->c, false, "missing child name");
		return;
	}
	int r = dmn_ike_route(rq->d, name, add);
	if (r == -ENOENT)
		snprintf(msg, sizeof(msg), "no connection named '%s'", name);
	else if (r == -EALREADY)
		snprintf(msg, sizeof(msg), "'%s' is %s routed", name, add ? "already" : "not");
	else if (r < 0)
		snprintf(msg, sizeof(msg), "%s '%s' failed: %s", add ? "routing" : "unrouting",
			 name, strerror(-r));
	dmn_vici_reply_status(rq->c, r == 0, r == 0 ? "" : msg);
}

void dmn_vici_cmd_install(const struct dmn_vici_req *rq)
{
	route(rq, true);
}

void dmn_vici_cmd_uninstall(const struct dmn_vici_req *rq)
{
	route(rq, false);
}
