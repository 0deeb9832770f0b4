/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oakleyd's log: one line per event on stderr. Under systemd (JOURNAL_STREAM set) each line starts
 * with the syslog priority prefix <N> so journald records the level. Levels are syslog's (LOG_ERR ..
 * LOG_DEBUG). Never pass key material, nonces, DH values or PSKs to these functions.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* Sets the highest level printed (LOG_DEBUG prints everything) and whether to print <N> prefixes. */
void dmn_log_setup(int max_level, bool prio_prefix);

/* Parses "err", "warning", "notice", "info", "debug" (or 3-7); returns the level or -EINVAL. */
int dmn_log_level_parse(const char *s);

/* The current maximum level. */
int dmn_log_level(void);

/* A second sink for log lines (the VICI 'log' event): called with each printed line, without
 * prefix or newline, on the thread that logged. NULL removes it. */
void dmn_log_set_hook(void (*hook)(void *ctx, int level, const char *line), void *ctx);

void dmn_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dmn_logv(int level, const char *fmt, __builtin_va_list ap) __attribute__((format(printf, 2, 0)));

#define log_err(...) dmn_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...) dmn_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) dmn_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) dmn_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) dmn_log(LOG_DEBUG, __VA_ARGS__)

/*
 * A token bucket for log lines about events a peer can cause at will (bad packets, floods): at most
 * burst lines per interval_ms; the lines suppressed are counted and reported in one summary line
 * ("... N similar messages suppressed") when the next interval opens.
 */
struct dmn_ratelimit {
	uint64_t interval_ms;
	unsigned burst;
	uint64_t window_start;
	unsigned printed;
	unsigned suppressed;
};

#define DMN_RATELIMIT_INIT(ms, n) {.interval_ms = (ms), .burst = (n)}

/* Returns true if a line may be printed now. May print the summary of the previous window. */
bool dmn_ratelimit_ok(struct dmn_ratelimit *rl, uint64_t now_ms, const char *what);
