/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VICI wire codec (the control protocol of strongSwan's swanctl, documented in its vici plugin
 * README; this is an independent implementation from that description). Shared by the `oakley` tool
 * (client) and, later, the daemon's control socket (server): nothing here assumes a side.
 *
 * Transport: a stream of segments, each a 32-bit big-endian length (of the data only) followed by
 * that many bytes; segments are capped at 512 KiB.
 * Packet (one per segment): 8-bit type, then for CMD_REQUEST, EVENT_REGISTER, EVENT_UNREGISTER and
 * EVENT an 8-bit-length-prefixed name; then for CMD_REQUEST, CMD_RESPONSE and EVENT a message.
 * Message: a flat run of elements, each an 8-bit type:
 *   SECTION_START name | SECTION_END | KEY_VALUE name value | LIST_START name | LIST_ITEM value |
 *   LIST_END
 * where a name is an 8-bit length and that many ASCII bytes, a value a 16-bit big-endian length
 * and that many opaque bytes. Sections nest; lists hold only items and do not nest.
 *
 * Errors are negative errno values: -EMSGSIZE (a size cap), -ENAMETOOLONG (a name over 255
 * bytes), -EINVAL (a bad name or an element out of order), -EBADMSG (malformed input), -ENOMEM.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Segment cap: the documented 512 KiB limit of the length-prefixed transport. */
#define VICI_MSG_MAX (512u * 1024u)
/* Section nesting cap: the deepest swanctl message (list-sas: sa, child-sas, child) is 3. */
#define VICI_DEPTH_MAX 16
#define VICI_NAME_MAX  255
#define VICI_VALUE_MAX 65535
/* Bytes before the message in a segment: type, name length, name. */
#define VICI_HDR_MAX (2 + VICI_NAME_MAX)

#define VICI_ELEMENTS(X)                                                                           \
	X(SECTION_START, 1)                                                                        \
	X(SECTION_END, 2)                                                                          \
	X(KEY_VALUE, 3)                                                                            \
	X(LIST_START, 4)                                                                           \
	X(LIST_ITEM, 5)                                                                            \
	X(LIST_END, 6)

#define VICI_PACKETS(X)                                                                            \
	X(CMD_REQUEST, 0)                                                                          \
	X(CMD_RESPONSE, 1)                                                                         \
	X(CMD_UNKNOWN, 2)                                                                          \
	X(EVENT_REGISTER, 3)                                                                       \
	X(EVENT_UNREGISTER, 4)                                                                     \
	X(EVENT_CONFIRM, 5)                                                                        \
	X(EVENT_UNKNOWN, 6)                                                                        \
	X(EVENT, 7)

#define VICI_ENUM_ROW(name, val) VICI_##name = val,
enum vici_element { VICI_ELEMENTS(VICI_ENUM_ROW) VICI_ELEMENT__MAX };
enum vici_packet_type { VICI_PACKETS(VICI_ENUM_ROW) VICI_PACKET__MAX };
#undef VICI_ENUM_ROW

/*
 * A message (or whole packet) under construction, in a heap buffer that grows up to
 * VICI_MSG_MAX + 4. The first error sticks: later calls do nothing and vici_finish() returns it,
 * so a run of adds needs one check at the end.
 */
struct vici_builder {
	uint8_t *buf;
	size_t len;
	size_t cap;
	size_t msg_start; /* offset of the first message byte */
	bool framed;	  /* the buffer starts with a 4-byte segment length, patched by finish */
	bool in_list;
	bool no_msg; /* a packet type without a message: adding elements is an error */
	unsigned depth;
	int err;
};

/*
 * A packet view into a received segment (no copies): name and msg point into the segment and
 * stay valid as long as it does. name_len is 0 for packet types without a name.
 */
struct vici_packet {
	enum vici_packet_type type;
	const uint8_t *name;
	size_t name_len;
	const uint8_t *msg;
	size_t msg_len;
};

/* Callbacks of vici_parse(). Any may be NULL. A non-zero return stops the walk and is returned. */
struct vici_parse_ops {
	int (*section_start)(void *ctx, unsigned depth, const char *name, size_t name_len);
	int (*section_end)(void *ctx, unsigned depth);
	int (*key_value)(void *ctx, unsigned depth, const char *name, size_t name_len,
			 const uint8_t *value, size_t value_len);
	int (*list_start)(void *ctx, unsigned depth, const char *name, size_t name_len);
	int (*list_item)(void *ctx, unsigned depth, const uint8_t *value, size_t value_len);
	int (*list_end)(void *ctx, unsigned depth);
};

/* Why and where vici_parse() rejected a message. */
struct vici_parse_error {
	size_t offset;
	const char *reason;
};

/*
 * A read-only tree over a parsed message. Names and values point into the message buffer, which
 * the caller keeps alive. The root is a section without a name. A section's or list's children
 * are linked through next; a key-value or list item has a value and no children.
 */
struct vici_node {
	enum vici_element
		type;	  /* VICI_SECTION_START, VICI_KEY_VALUE, VICI_LIST_START, VICI_LIST_ITEM */
	const char *name; /* not NUL-terminated */
	size_t name_len;
	const uint8_t *value;
	size_t value_len;
	struct vici_node *child;
	struct vici_node *next;
};

struct vici_tree {
	struct vici_node *root;
	size_t count;
	struct vici_node nodes[]; /* count + 1 nodes, one allocation */
};

/*
 * Incremental segment reader for blocking or non-blocking stream sockets. Owns buf until
 * vici_reader_take() hands it over; vici_reader_reset() frees it.
 */
struct vici_reader {
	uint8_t hdr[4];
	size_t hdr_got;
	uint8_t *buf;
	size_t len;
	size_t got;
	size_t max;
};

/* Names of element and packet types, "?" for unknown values. */
const char *vici_element_name(unsigned type);
const char *vici_packet_name(unsigned type);

/* Starts a bare message (no framing). */
void vici_builder_init(struct vici_builder *b);
/*
 * Starts a whole segment: length placeholder, packet type and, for named types, name. The message
 * (if the type carries one) is added with the calls below. vici_finish() patches the length.
 */
void vici_builder_init_packet(struct vici_builder *b, enum vici_packet_type type, const char *name);
void vici_builder_free(struct vici_builder *b);

void vici_begin_section(struct vici_builder *b, const char *name);
void vici_end_section(struct vici_builder *b);
void vici_begin_list(struct vici_builder *b, const char *name);
void vici_end_list(struct vici_builder *b);
void vici_add_list_item(struct vici_builder *b, const void *value, size_t value_len);
void vici_add_list_item_str(struct vici_builder *b, const char *value);
void vici_add_kv(struct vici_builder *b, const char *name, const void *value, size_t value_len);
void vici_add_kv_str(struct vici_builder *b, const char *name, const char *value);
void vici_add_kv_fmt(struct vici_builder *b, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Checks that every section and list is closed, patches the segment length of a framed builder and
 * returns the bytes (still owned by the builder) or the first error.
 */
int vici_finish(struct vici_builder *b, const uint8_t **ret_buf, size_t *ret_len);

/*
 * Walks one message: checks every length against the buffer, names (1..255 printable ASCII bytes),
 * element order (items only inside lists, no sections inside lists, balanced ends) and depth
 * (VICI_DEPTH_MAX). depth passed to callbacks is the section depth (0 at top level). Returns 0,
 * -EBADMSG (with err filled if non-NULL) or a callback's non-zero return.
 */
int vici_parse(const uint8_t *msg, size_t len, const struct vici_parse_ops *ops, void *ctx,
	       struct vici_parse_error *err);

/* Parses msg into a tree of at most len nodes (one allocation). Returns 0 or -EBADMSG/-ENOMEM. */
int vici_tree_parse(const uint8_t *msg, size_t len, struct vici_tree **ret_tree,
		    struct vici_parse_error *err);
void vici_tree_free(struct vici_tree *tree);

/* The first child of a section named name (NUL-terminated), or NULL. sec may be NULL. */
const struct vici_node *vici_node_get(const struct vici_node *sec, const char *name);
/* Whether a node's name equals the NUL-terminated name. */
bool vici_node_is(const struct vici_node *node, const char *name);
/*
 * For display: copies the value of the key-value name in sec into out (cap > 0) as a C string,
 * truncated to cap - 1 bytes (NUL bytes in the value kept as-is), or def (truncated alike) when
 * sec has no such key-value. out is always written. Returns out.
 */
const char *vici_node_str(const struct vici_node *sec, const char *name, char *out, size_t cap,
			  const char *def);
/*
 * For a value that must be exact (a name, a number): copies the value of the key-value name in
 * sec into out (cap > 0) as a C string. out is always written: the value, or "" when there is
 * none or it does not fit, so that a missing or cut value is never taken for another. Returns
 * the value's length, -ENOENT (no such key-value; a section or list of that name does not count),
 * -ENAMETOOLONG (longer than cap - 1 bytes) or -EINVAL (a NUL byte inside, or cap 0).
 */
int vici_node_copy(const struct vici_node *sec, const char *name, char *out, size_t cap)
	__attribute__((warn_unused_result));

/* Splits a segment into a packet view. Returns 0 or -EBADMSG (unknown type, bad name, extra data).
 */
int vici_packet_parse(const uint8_t *seg, size_t len, struct vici_packet *ret_packet);

/* Initialises a reader that accepts segments of 1..max bytes (max <= VICI_MSG_MAX). */
void vici_reader_init(struct vici_reader *r, size_t max);
/*
 * Reads what fd has. Returns 1 when a whole segment is buffered (take it), 0 if more is needed
 * (EAGAIN on a non-blocking fd), -ECONNRESET on end of stream inside a segment, -ENOTCONN on end of
 * stream between segments, -EMSGSIZE for a length of 0 or over max, or another -errno.
 */
int vici_reader_feed(struct vici_reader *r, int fd);
/* Hands the buffered segment to the caller (free() it) and readies the reader for the next. */
uint8_t *vici_reader_take(struct vici_reader *r, size_t *ret_len);
void vici_reader_reset(struct vici_reader *r);

/* Blocking: reads one segment (malloc'd into *ret_buf). Returns its length (> 0) or -errno. */
ssize_t vici_segment_read(int fd, size_t max, uint8_t **ret_buf);
/*
 * Non-blocking: writes what fd takes of buf from *off on, advancing *off. Returns 1 when all of buf
 * is written, 0 if fd would block (call again when writable), or -errno. For a server that must not
 * wait for a slow client.
 */
int vici_write_some(int fd, const uint8_t *buf, size_t len, size_t *off);
/* Blocking: writes a whole framed buffer (from vici_finish on a packet builder). 0 or -errno. */
int vici_write_all(int fd, const uint8_t *buf, size_t len);
