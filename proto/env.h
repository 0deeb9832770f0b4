/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The environment proto/ is given: every entry point takes a struct proto_env *, so unit tests,
 * exchange tests and fuzzers drive the protocol without sockets, clocks or globals.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum proto_log_level {
	PROTO_LOG_ERR = 3,
	PROTO_LOG_WARNING = 4,
	PROTO_LOG_NOTICE = 5,
	PROTO_LOG_INFO = 6,
	PROTO_LOG_DEBUG = 7,
};

struct proto_env {
	void *ctx;
	/* Fills buf with n unpredictable bytes (getrandom in the daemon, a seeded stream in tests).
	 * Called on the engine's thread only: a DH job's private bytes are drawn before it runs. */
	void (*random)(void *ctx, uint8_t *buf, size_t n);
	/* Monotonic milliseconds. */
	uint64_t (*now_ms)(void *ctx);
	/* One log line without a trailing newline; never called with secret material. May be NULL.
	 */
	void (*log)(void *ctx, enum proto_log_level level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* Whether log keeps lines of level (so that costly debug output is not even built). May
	 * be NULL: every level is kept. */
	bool (*log_enabled)(void *ctx, enum proto_log_level level);
};
