/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `oakley` command-line tool: one subcommand per cmd_*.c file behind the const table in
 * main.c, a small VICI client (client.c) and output helpers (output.c: text tree, JSON).
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tools/vici/vici.h"

#define OAK_DEFAULT_SOCKET "/run/oakley/oakley.vici"
/* Events accepted while one request runs (a bound on list-sas of a very busy daemon, not a rate).
 */
#define OAK_EVENTS_MAX 1000000u

struct oak_ctx {
	const char *socket_path;
	bool json;
	int fd;
};

struct oak_command {
	const char *name;
	const char *args;
	const char *help;
	int min_args; /* operands after the command name */
	int max_args;
	int (*run)(struct oak_ctx *ctx, int argc, char **argv);
};

/* Called for each event of the registered name; msg is the parsed event message. */
typedef int (*oak_event_fn)(void *arg, const struct vici_tree *msg);

/*
 * The response to a command: its raw segment (owned) and the message tree over it. Free with
 * oak_response_free(), which accepts a zeroed struct.
 */
struct oak_response {
	uint8_t *seg;
	struct vici_tree *tree;
};

/* Connects to ctx->socket_path. Prints a one-line reason and returns -errno on failure. */
int oak_connect(struct oak_ctx *ctx);
void oak_disconnect(struct oak_ctx *ctx);

/*
 * Sends command cmd with the message built in req (a CMD_REQUEST packet builder, or NULL for an
 * empty message). If event is non-NULL, registers for it first, hands each such event to fn while
 * the command runs, and unregisters afterwards. Fills ret_resp on success. Prints a one-line
 * reason and returns -errno on transport or protocol errors (-ENOSYS for an unknown command or
 * event).
 */
int oak_call(struct oak_ctx *ctx, const char *cmd, struct vici_builder *req, const char *event,
	     oak_event_fn fn, void *arg, struct oak_response *ret_resp);
/* Registers for event and passes every event to fn until fn returns non-zero or the stream ends. */
int oak_follow(struct oak_ctx *ctx, const char *event, oak_event_fn fn, void *arg);
void oak_response_free(struct oak_response *resp);
/*
 * Checks a `success = yes|no` response: returns 0 for yes; otherwise prints
 * "oakley: CMD failed: ERRMSG" and returns -1.
 */
int oak_check_success(const char *cmd, const struct oak_response *resp);

/*
 * Runs a listing command that streams its results as events (list-sas -> list-sa): prints each
 * event as a text tree, or all of them as one JSON array with ctx->json. Returns 0 or -errno.
 */
int oak_listing(struct oak_ctx *ctx, const char *cmd, const char *event, struct vici_builder *req);

/* Writes a byte string as a JSON string literal (escaped; bytes that are not UTF-8 as \u00XX). */
void oak_json_string(FILE *out, const void *s, size_t len);
/* Writes a section's children as a JSON object: sections objects, lists arrays, values strings. */
void oak_json_section(FILE *out, const struct vici_node *sec);
/* With --json: prints the response tree as JSON, frees it and returns true. */
bool oak_json_reply(struct oak_ctx *ctx, struct oak_response *resp);
/* Writes bytes with anything but printable ASCII as \xNN (values are untrusted). */
void oak_print_bytes(FILE *out, const void *s, size_t len);
/* Writes a section's children as an indented text tree, starting at indent levels. */
void oak_print_section(FILE *out, const struct vici_node *sec, unsigned indent);
/* Prints a log or control-log event as one line: "[GROUP] message". */
void oak_print_log(FILE *out, const struct vici_node *root);
/* Formats a byte count like ipsec status ("1234 bytes", "5.2 MB"). */
const char *oak_fmt_bytes(char *buf, size_t cap, const char *count);

int oak_cmd_up(struct oak_ctx *ctx, int argc, char **argv);
int oak_cmd_down(struct oak_ctx *ctx, int argc, char **argv);
int oak_cmd_status(struct oak_ctx *ctx, int argc, char **argv);
int oak_cmd_list_conns(struct oak_ctx *ctx, int argc, char **argv);
int oak_cmd_list_sas(struct oak_ctx *ctx, int argc, char **argv);
int oak_cmd_list_certs(struct oak_ctx *ctx, int argc, char **argv);
int oak_cmd_reload(struct oak_ctx *ctx, int argc, char **argv);
int oak_cmd_rekey(struct oak_ctx *ctx, int argc, char **argv);
int oak_cmd_log(struct oak_ctx *ctx, int argc, char **argv);
int oak_cmd_version(struct oak_ctx *ctx, int argc, char **argv);
int oak_cmd_metrics(struct oak_ctx *ctx, int argc, char **argv);
int oak_cmd_explain(struct oak_ctx *ctx, int argc, char **argv);
