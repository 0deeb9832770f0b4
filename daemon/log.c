// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int log_max = LOG_INFO;
static bool log_prefix;
static void (*log_hook)(void *ctx, int level, const char *line);
static void *log_hook_ctx;

void dmn_log_set_hook(void (*hook)(void *ctx, int level, const char *line), void *ctx)
{
	log_hook = hook;
	log_hook_ctx = ctx;
}

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

void dmn_log_setup(int max_level, bool prio_prefix)
{
	log_max = max_level;
	log_prefix = prio_prefix;
}

int dmn_log_level(void)
{
	return log_max;
}

int dmn_log_level_parse(const char *s)
{
	for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	if (strcmp(s, "warn") == 0)
		return LOG_WARNING;
	if (s[0] >= '3' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	return -EINVAL;
}

void dmn_logv(int level, const char *fmt, va_list ap)
{
	if (level > log_max)
		return;
	/* One write per line so concurrent writers (worker threads) never interleave inside it. */
	char line[1024];
	int off = 0;
	if (log_prefix)
		off = snprintf(line, sizeof(line), "<%d>", level);
	else if (level <= LOG_WARNING)
		off = snprintf(line, sizeof(line), "%s: ", level_names[level]);
	int n = vsnprintf(line + off, sizeof(line) - (size_t)off - 1, fmt, ap);
	if (n < 0)
		return;
	size_t len = (size_t)off + (size_t)n;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
	if (log_hook) {
		line[len - 1] = '\0';
		log_hook(log_hook_ctx, level, line + off);
	}
}

void dmn_log(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dmn_logv(level, fmt, ap);
	va_end(ap);
}

bool dmn_ratelimit_ok(struct dmn_ratelimit *rl, uint64_t now_ms, const char *what)
{
	if (now_ms - rl->window_start >= rl->interval_ms) {
		if (rl->suppressed)
			log_notice("%s: %u similar messages suppressed in the last %llu ms", what,
				   rl->suppressed, (unsigned long long)rl->interval_ms);
		rl->window_start = now_ms;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->suppressed++;
	return false;
}
