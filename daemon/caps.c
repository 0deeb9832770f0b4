// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Privilege dropping with libcap: see daemon/caps.h. The order matters: the bounding set can only
 * be reduced while CAP_SETPCAP is still effective, so it goes first, then the ambient set, then
 * no_new_privs, and last the permitted/effective/inheritable sets in one capset().
 */
#include "daemon/caps.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "daemon/log.h"

static const cap_value_t caps_keep[] = {CAP_NET_ADMIN, CAP_NET_BIND_SERVICE};
#define CAPS_KEEP_N (sizeof(caps_keep) / sizeof(caps_keep[0]))

static bool cap_is_kept(cap_value_t c)
{
	for (unsigned i = 0; i < CAPS_KEEP_N; i++)
		if (caps_keep[i] == c)
			return true;
	return false;
}

/* Counts the entries of /proc/self/task (the threads), or returns 0 when /proc is not readable. */
static unsigned count_threads(void)
{
	DIR *dir = opendir("/proc/self/task");
	if (!dir)
		return 0;
	unsigned n = 0;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

int dmn_caps_check(void)
{
	cap_t cur = cap_get_proc();
	if (!cur)
		return -errno;
	char missing[64] = "";
	for (unsigned i = 0; i < CAPS_KEEP_N; i++) {
		cap_flag_value_t v = CAP_CLEAR;
		if (cap_get_flag(cur, caps_keep[i], CAP_PERMITTED, &v) < 0 || v != CAP_SET) {
			char *name = cap_to_name(caps_keep[i]);
			if (missing[0])
				strncat(missing, " ", sizeof(missing) - strlen(missing) - 1);
			strncat(missing, name ? name : "?", sizeof(missing) - strlen(missing) - 1);
			cap_free(name);
		}
	}
	cap_free(cur);
	if (!missing[0])
		return 0;
	log_err("oakleyd lacks the capabilities it needs (%s): run it as root, from "
		"oakleyd.service, or grant cap_net_admin,cap_net_bind_service (setcap or "
		"AmbientCapabilities=)",
		missing);
	return -EPERM;
}

/* Drops every capability but the kept ones from the bounding set; stops quietly without
 * CAP_SETPCAP (the set is then left as the parent, e.g. systemd, made it). */
static int drop_bounding(void)
{
	cap_value_t max = cap_max_bits();
	for (cap_value_t c = 0; c < max; c++) {
		if (cap_is_kept(c) || cap_get_bound(c) <= 0)
			continue;
		if (cap_drop_bound(c) < 0) {
			if (errno == EPERM) {
				log_debug("no CAP_SETPCAP: bounding set left as inherited");
				return 0;
			}
			return -errno;
		}
	}
	return 0;
}

/* Sets permitted and effective to exactly the kept capabilities, inheritable to none. */
static int set_kept(void)
{
	cap_t want = cap_init();
	if (!want)
		return -errno;
	int r = 0;
	if (cap_set_flag(want, CAP_PERMITTED, CAPS_KEEP_N, caps_keep, CAP_SET) < 0 ||
	    cap_set_flag(want, CAP_EFFECTIVE, CAPS_KEEP_N, caps_keep, CAP_SET) < 0 ||
	    cap_set_proc(want) < 0)
		r = -errno;
	cap_free(want);
	return r;
}

/* Whether permitted and effective are exactly the kept capabilities, inheritable and ambient are
 * empty and no_new_privs is set. */
static bool sets_are_kept(void)
{
	cap_t cur = cap_get_proc();
	cap_t want = cap_init();
	bool ok = cur && want &&
		  cap_set_flag(want, CAP_PERMITTED, CAPS_KEEP_N, caps_keep, CAP_SET) == 0 &&
		  cap_set_flag(want, CAP_EFFECTIVE, CAPS_KEEP_N, caps_keep, CAP_SET) == 0 &&
		  cap_compare(cur, want) == 0;
	cap_free(cur);
	cap_free(want);
	cap_value_t max = cap_max_bits();
	for (cap_value_t c = 0; ok && c < max; c++)
		if (cap_get_ambient(c) > 0)
			ok = false;
	return ok && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
}

int dmn_caps_drop(void)
{
	unsigned threads = count_threads();
	if (threads > 1) {
		log_err("internal error: capabilities dropped with %u threads running", threads);
		return -EBUSY;
	}
	int r = dmn_caps_check();
	if (r < 0)
		return r;
	r = drop_bounding();
	if (r < 0) {
		log_err("cannot reduce the capability bounding set: %s", strerror(-r));
		return r;
	}
	/* EINVAL: a kernel without ambient capabilities (< 4.3) has none to clear. */
	if (cap_reset_ambient() < 0 && errno != EINVAL) {
		r = -errno;
		log_err("cannot clear the ambient capabilities: %s", strerror(-r));
		return r;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		log_err("cannot set no_new_privs: %s", strerror(-r));
		return r;
	}
	r = set_kept();
	if (r < 0) {
		log_err("cannot drop capabilities: %s", strerror(-r));
		return r;
	}
	if (!sets_are_kept()) {
		log_err("capabilities still held after dropping them");
		return -EPERM;
	}
	log_info("capabilities dropped to cap_net_admin,cap_net_bind_service");
	return 0;
}

bool dmn_caps_are_dropped(void)
{
	bool ok = sets_are_kept();
	cap_value_t max = cap_max_bits();
	for (cap_value_t c = 0; ok && c < max; c++) {
		if (cap_get_bound(c) > 0 && !cap_is_kept(c))
			ok = false;
	}
	return ok;
}
