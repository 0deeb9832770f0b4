// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tool's VICI client: connect to the daemon's UNIX socket, send a command (registering for
 * its streamed events around it), read packets until the response. Every failure is reported
 * here, once, as one line on stderr.
 */
#include "oakley.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int oak_connect(struct oak_ctx *ctx)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = ctx->socket_path;

	if (strncmp(path, "unix://", 7) == 0)
		path += 7;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "oakley: socket path too long: %s\n", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int err = errno;
		fprintf(stderr, "oakley: socket: %s\n", strerror(err));
		return -err;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		fprintf(stderr, "oakley: cannot connect to %s: %s (is oakleyd running?)\n", path,
			strerror(err));
		close(fd);
		return -err;
	}
	ctx->fd = fd;
	return 0;
}

void oak_disconnect(struct oak_ctx *ctx)
{
	if (ctx->fd >= 0)
		close(ctx->fd);
	ctx->fd = -1;
}

void oak_response_free(struct oak_response *resp)
{
	if (!resp)
		return;
	vici_tree_free(resp->tree);
	free(resp->seg);
	resp->tree = NULL;
	resp->seg = NULL;
}

/* Sends a packet without a message (event register/unregister). */
static int send_simple(struct oak_ctx *ctx, enum vici_packet_type type, const char *name)
{
	struct vici_builder b;
	const uint8_t *buf;
	size_t len;
	vici_builder_init_packet(&b, type, name);
	int r = vici_finish(&b, &buf, &len);
	if (!r)
		r = vici_write_all(ctx->fd, buf, len);
	vici_builder_free(&b);
	if (r)
		fprintf(stderr, "oakley: sending %s %s: %s\n", vici_packet_name(type), name,
			strerror(-r));
	return r;
}

/*
 * Reads one packet into *ret_seg / *ret_pk. Returns 0 or -errno (reported).
 */
static int recv_packet(struct oak_ctx *ctx, uint8_t **ret_seg, struct vici_packet *ret_pk)
{
	uint8_t *seg = NULL;
	ssize_t n = vici_segment_read(ctx->fd, VICI_MSG_MAX, &seg);
	if (n < 0) {
		if (n == -ENOTCONN || n == -ECONNRESET)
			fprintf(stderr, "oakley: %s closed the connection\n", ctx->socket_path);
		else
			fprintf(stderr, "oakley: reading from %s: %s\n", ctx->socket_path,
				strerror((int)-n));
		return (int)n;
	}
	if (vici_packet_parse(seg, (size_t)n, ret_pk) < 0) {
		fprintf(stderr, "oakley: malformed packet from %s\n", ctx->socket_path);
		free(seg);
		return -EBADMSG;
	}
	*ret_seg = seg;
	return 0;
}

/* Parses a packet's message into a tree, reporting a malformed one. */
static int parse_msg(const struct vici_packet *pk, struct vici_tree **ret_tree)
{
	struct vici_parse_error perr = {0};
	int r = vici_tree_parse(pk->msg, pk->msg_len, ret_tree, &perr);
	if (r == -EBADMSG)
		fprintf(stderr, "oakley: malformed %s message at byte %zu: %s\n",
			vici_packet_name(pk->type), perr.offset, perr.reason);
	else if (r)
		fprintf(stderr, "oakley: %s\n", strerror(-r));
	return r;
}

static bool name_is(const struct vici_packet *pk, const char *name)
{
	return pk->name_len == strlen(name) && memcmp(pk->name, name, pk->name_len) == 0;
}

/* Hands an event to fn if it is the one registered for. */
static int deliver_event(const struct vici_packet *pk, const char *event, oak_event_fn fn,
			 void *arg)
{
	struct vici_tree *tree = NULL;
	if (!event || !fn || !name_is(pk, event))
		return 0;
	int r = parse_msg(pk, &tree);
	if (!r)
		r = fn(arg, tree);
	vici_tree_free(tree);
	return r;
}

/* Registers or unregisters event and waits for the confirmation, passing events on meanwhile. */
static int event_ctl(struct oak_ctx *ctx, enum vici_packet_type type, const char *event,
		     oak_event_fn fn, void *arg)
{
	int r = send_simple(ctx, type, event);
	for (unsigned i = 0; !r && i < OAK_EVENTS_MAX; i++) {
		struct vici_packet pk;
		uint8_t *seg = NULL;
		if ((r = recv_packet(ctx, &seg, &pk)))
			break;
		if (pk.type == VICI_EVENT_CONFIRM) {
			free(seg);
			return 0;
		}
		if (pk.type == VICI_EVENT_UNKNOWN) {
			fprintf(stderr, "oakley: the daemon does not know the event '%s'\n", event);
			r = -ENOSYS;
		} else if (pk.type == VICI_EVENT) {
			r = deliver_event(&pk, event, fn, arg);
		} else {
			fprintf(stderr, "oakley: unexpected %s packet\n",
				vici_packet_name(pk.type));
			r = -EPROTO;
		}
		free(seg);
	}
	return r;
}

/* Sends the request and reads until its response. */
static int request(struct oak_ctx *ctx, const char *cmd, struct vici_builder *req,
		   const char *event, oak_event_fn fn, void *arg, struct oak_response *ret_resp)
{
	struct vici_builder empty;
	const uint8_t *buf;
	size_t len;
	int r;

	if (!req) {
		vici_builder_init_packet(&empty, VICI_CMD_REQUEST, cmd);
		req = &empty;
	}
	r = vici_finish(req, &buf, &len);
	if (r)
		fprintf(stderr, "oakley: cannot build the %s request: %s\n", cmd, strerror(-r));
	else if ((r = vici_write_all(ctx->fd, buf, len)))
		fprintf(stderr, "oakley: sending %s: %s\n", cmd, strerror(-r));
	if (req == &empty)
		vici_builder_free(&empty);
	for (unsigned i = 0; !r && i < OAK_EVENTS_MAX; i++) {
		struct vici_packet pk;
		uint8_t *seg = NULL;
		if ((r = recv_packet(ctx, &seg, &pk)))
			break;
		if (pk.type == VICI_CMD_RESPONSE) {
			r = parse_msg(&pk, &ret_resp->tree);
			if (!r) {
				ret_resp->seg = seg;
				return 0;
			}
		} else if (pk.type == VICI_CMD_UNKNOWN) {
			fprintf(stderr, "oakley: the daemon does not know the command '%s'\n", cmd);
			r = -ENOSYS;
		} else if (pk.type == VICI_EVENT) {
			r = deliver_event(&pk, event, fn, arg);
		} else {
			fprintf(stderr, "oakley: unexpected %s packet\n",
				vici_packet_name(pk.type));
			r = -EPROTO;
		}
		free(seg);
	}
	return r;
}

int oak_call(struct oak_ctx *ctx, const char *cmd, struct vici_builder *req, const char *event,
	     oak_event_fn fn, void *arg, struct oak_response *ret_resp)
{
	struct oak_response resp = {0};
	int r = 0;

	if (event)
		r = event_ctl(ctx, VICI_EVENT_REGISTER, event, fn, arg);
	if (!r)
		r = request(ctx, cmd, req, event, fn, arg, &resp);
	if (!r && event)
		r = event_ctl(ctx, VICI_EVENT_UNREGISTER, event, NULL, NULL);
	if (r) {
		oak_response_free(&resp);
		return r;
	}
	*ret_resp = resp;
	return 0;
}

int oak_follow(struct oak_ctx *ctx, const char *event, oak_event_fn fn, void *arg)
{
	int r = event_ctl(ctx, VICI_EVENT_REGISTER, event, fn, arg);
	/* Bounded only by OAK_EVENTS_MAX per run; the user ends it with ^C. */
	for (unsigned i = 0; !r && i < OAK_EVENTS_MAX; i++) {
		struct vici_packet pk;
		uint8_t *seg = NULL;
		if ((r = recv_packet(ctx, &seg, &pk)))
			break;
		if (pk.type == VICI_EVENT)
			r = deliver_event(&pk, event, fn, arg);
		free(seg);
	}
	return r > 0 ? 0 : r;
}

int oak_check_success(const char *cmd, const struct oak_response *resp)
{
	char ok[8], msg[512];
	const struct vici_node *root = resp->tree ? resp->tree->root : NULL;
	if (strcmp(vici_node_str(root, "success", ok, sizeof(ok), ""), "yes") == 0)
		return 0;
	const char *err = vici_node_str(root, "errmsg", msg, sizeof(msg), "no reason given");
	fprintf(stderr, "oakley: %s failed: ", cmd);
	oak_print_bytes(stderr, err, strlen(err));
	fputc('\n', stderr);
	return -1;
}

bool oak_json_reply(struct oak_ctx *ctx, struct oak_response *resp)
{
	if (!ctx->json)
		return false;
	oak_json_section(stdout, resp->tree->root);
	fputc('\n', stdout);
	oak_response_free(resp);
	return true;
}
