/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ISAKMP wire codec (RFC 2408 §3, RFC 2407 §4.6, RFC 2409, RFC 3947, Cisco fragments).
 *
 * Decoding is zero-copy: proto_decode_header() checks the fixed header of a datagram, then
 * proto_decode_payloads() walks the payload chain of a (possibly just decrypted) body and fills a
 * struct proto_msg with views into the caller's buffer, which must outlive the msg. Every payload
 * is fully validated on the way (an SA down to its attributes), so the iterators below cannot meet
 * a malformation the walker did not already reject; they stay bounds-checked anyway.
 *
 * Policies (RFC 2408 §3.1, §5.2):
 * - Major version must be 1 (INVALID-MAJOR-VERSION), minor must be 0 (INVALID-MINOR-VERSION: we
 *   implement no other minor version, RFC 2408 §3.1 "MUST set the Minor Version to 0").
 * - The header length must be >= 28 and <= the datagram; bytes after it in the datagram are
 *   ignored and counted in proto_header.trailing (some stacks pad UDP payloads).
 * - Within the length, plaintext payloads must fill the body exactly (UNEQUAL-PAYLOAD-LENGTHS),
 *   except for 1..PROTO_PLAIN_PAD_MAX zero bytes after the last payload (alignment to 4 octets,
 *   as Libreswan sends by default; counted in proto_msg.padding); with PROTO_DECODE_PADDING (a
 *   decrypted body) any bytes after the last payload are padding.
 * - Generic header RESERVED byte: bit 0x80 is read as "critical" (as RFC 7296 §3.2 later defined
 *   it). An unknown payload type is skipped unless critical (then INVALID-PAYLOAD-TYPE); the other
 *   seven bits must be zero (PAYLOAD-MALFORMED).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

#include "proto/consts.h"
#include "proto/cursor.h"

#define PROTO_HDR_LEN	      28u
#define PROTO_GENERIC_LEN     4u
#define PROTO_PAYLOADS_MAX    64u
#define PROTO_PROPOSALS_MAX   32u
#define PROTO_TRANSFORMS_MAX  64u
#define PROTO_ATTRS_MAX	      64u
#define PROTO_DELETE_SPIS_MAX 256u
#define PROTO_FRAG_FLAG_LAST  0x01u
#define PROTO_CRITICAL	      0x80u
#define PROTO_NONCE_MIN	      8u
#define PROTO_NONCE_MAX	      256u
#define PROTO_PLAIN_PAD_MAX   3u /* zero bytes after the last plaintext payload */

/* Malformation classes: X(symbol, notify to send (RFC 2408 §3.14.1), description). */
#define PROTO_ERRORS(X)                                                                            \
	X(PROTO_OK, 0, "ok")                                                                       \
	X(PROTO_E_SHORT, ISAKMP_N_PAYLOAD_MALFORMED, "datagram shorter than the ISAKMP header")    \
	X(PROTO_E_HDR_LENGTH, ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS,                                    \
	  "header length below 28 or beyond the datagram")                                         \
	X(PROTO_E_MAJOR_VERSION, ISAKMP_N_INVALID_MAJOR_VERSION, "major version is not 1")         \
	X(PROTO_E_MINOR_VERSION, ISAKMP_N_INVALID_MINOR_VERSION, "minor version is not 0")         \
	X(PROTO_E_EXCHANGE_TYPE, ISAKMP_N_INVALID_EXCHANGE_TYPE, "reserved exchange type")         \
	X(PROTO_E_FLAGS, ISAKMP_N_INVALID_FLAGS, "undefined header flag set")                      \
	X(PROTO_E_COOKIE, ISAKMP_N_INVALID_COOKIE, "initiator cookie is zero")                     \
	X(PROTO_E_PAYLOAD_TYPE, ISAKMP_N_INVALID_PAYLOAD_TYPE,                                     \
	  "unknown critical or misplaced payload type")                                            \
	X(PROTO_E_OVERRUN, ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS, "payload overruns its container")     \
	X(PROTO_E_UNEQUAL, ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS,                                       \
	  "payload lengths do not add up to the container")                                        \
	X(PROTO_E_LENGTH, ISAKMP_N_PAYLOAD_MALFORMED, "payload length out of range for its type")  \
	X(PROTO_E_RESERVED, ISAKMP_N_PAYLOAD_MALFORMED, "reserved field is not zero")              \
	X(PROTO_E_TOO_MANY, ISAKMP_N_PAYLOAD_MALFORMED, "too many payloads or elements")           \
	X(PROTO_E_MALFORMED, ISAKMP_N_PAYLOAD_MALFORMED, "payload fields are inconsistent")        \
	X(PROTO_E_DOI, ISAKMP_N_DOI_NOT_SUPPORTED, "DOI is not IPsec")                             \
	X(PROTO_E_SITUATION, ISAKMP_N_SITUATION_NOT_SUPPORTED, "situation is not IDENTITY_ONLY")   \
	X(PROTO_E_PROPOSAL, ISAKMP_N_BAD_PROPOSAL_SYNTAX, "bad proposal/transform syntax")         \
	X(PROTO_E_PROTOCOL_ID, ISAKMP_N_INVALID_PROTOCOL_ID, "unknown protocol ID")                \
	X(PROTO_E_SPI, ISAKMP_N_INVALID_SPI, "SPI size wrong for the protocol")                    \
	X(PROTO_E_ATTR, ISAKMP_N_PAYLOAD_MALFORMED, "data attribute overruns its container")       \
	X(PROTO_E_ATTR_VALUE, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED, "attribute value too long")       \
	X(PROTO_E_KE, ISAKMP_N_INVALID_KEY_INFORMATION, "empty key exchange data")                 \
	X(PROTO_E_ID, ISAKMP_N_INVALID_ID_INFORMATION, "ID data wrong for its type")               \
	X(PROTO_E_CERT, ISAKMP_N_INVALID_CERT_ENCODING, "empty certificate data")                  \
	X(PROTO_E_HASH, ISAKMP_N_INVALID_HASH_INFORMATION, "empty hash data")                      \
	X(PROTO_E_SIG, ISAKMP_N_INVALID_SIGNATURE, "empty signature data")                         \
	X(PROTO_E_NONCE, ISAKMP_N_PAYLOAD_MALFORMED, "nonce not 8..256 bytes (RFC 2409 §5)")

#define PROTO_X_ERR_ENUM(sym, notify, desc) sym,
enum proto_err { PROTO_ERRORS(PROTO_X_ERR_ENUM) PROTO_E__MAX };

/* Short static description of an error, for logs. */
const char *proto_err_str(enum proto_err e);
/* The RFC 2408 notify type to send for an error (0 for PROTO_OK). */
uint16_t proto_err_notify(enum proto_err e);

/* A view into a caller's buffer; off is the offset of p from the start of the decoded buffer. */
struct proto_view {
	const uint8_t *p;
	size_t len;
	size_t off;
};

/* RFC 2408 §3.1 */
struct proto_header {
	uint8_t icookie[8];
	uint8_t rcookie[8];
	uint8_t next_payload;
	uint8_t major;
	uint8_t minor;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length;
	size_t trailing; /* datagram bytes after length (decode only) */
};

/* RFC 2408 §3.4 with the RFC 2407 §4.6.1 IPsec DOI situation */
struct proto_sa {
	uint32_t doi;
	uint32_t situation;
	struct proto_view proposals;
	unsigned n_proposals;
};

/* RFC 2408 §3.5 */
struct proto_proposal {
	uint8_t number;
	uint8_t protocol;
	uint8_t n_transforms;
	struct proto_view spi;
	struct proto_view transforms;
};

/* RFC 2408 §3.6 */
struct proto_transform {
	uint8_t number;
	uint8_t id;
	struct proto_view attrs;
};

/* RFC 2408 §3.3: TV (AF=1, 16-bit value in tv) or TLV (value view, may exceed 4 bytes). */
struct proto_attr {
	uint16_t type; /* without the AF bit */
	bool tv;
	uint16_t tv_value;
	struct proto_view value; /* TLV only */
};

/* RFC 2407 §4.6.2 (phase 1 and quick mode IDs) */
struct proto_id {
	uint8_t type;
	uint8_t protocol;
	uint16_t port;
	struct proto_view data;
};

/* An address ID as a range [from, to] with its prefix (prefix is -1 for a non-CIDR range). */
struct proto_id_net {
	int family; /* AF_INET or AF_INET6 */
	uint8_t from[16];
	uint8_t to[16];
	int prefix;
};

/* RFC 2408 §3.9 CERT and §3.10 CR */
struct proto_cert {
	uint8_t encoding;
	struct proto_view data;
};

/* RFC 2408 §3.14 */
struct proto_notify {
	uint32_t doi;
	uint8_t protocol;
	uint16_t type;
	struct proto_view spi;
	struct proto_view data;
};

/* RFC 2408 §3.15: count SPIs of spi_size bytes each in spis. */
struct proto_delete {
	uint32_t doi;
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t count;
	struct proto_view spis;
};

/* draft-ietf-ipsec-isakmp-mode-cfg-05 §3.2 */
struct proto_cfg {
	uint8_t type;
	uint16_t identifier;
	struct proto_view attrs;
};

/* RFC 3947 §5.2 */
struct proto_nat_oa {
	uint8_t id_type;
	int family;
	uint8_t addr[16];
};

/* Cisco IKE fragmentation payload 132 */
struct proto_frag {
	uint16_t id;
	uint8_t number;
	uint8_t flags;
	struct proto_view data;
};

struct proto_payload {
	uint8_t type;
	uint8_t reserved;	/* generic header RESERVED byte as received */
	bool known;		/* false: an unknown non-critical payload, skipped */
	size_t offset;		/* of the generic header from the start of the body */
	struct proto_view body; /* after the generic header */
	union {
		struct proto_sa sa;
		struct proto_id id;
		struct proto_cert cert; /* CERT and CR */
		struct proto_notify n;
		struct proto_delete d;
		struct proto_cfg cfg;
		struct proto_nat_oa nat_oa;
		struct proto_frag frag;
		struct proto_view data; /* KE, HASH, SIG, NONCE, VID, NAT-D, unknown */
	} u;
};

struct proto_msg {
	unsigned n;
	struct proto_payload pl[PROTO_PAYLOADS_MAX];
	uint8_t first[256]; /* index in pl of the first payload of each type, 0xff if none */
	uint8_t count[256];
	size_t padding; /* bytes after the last payload (padding or alignment) */
	enum proto_err err;
	size_t err_offset; /* offset in the body of the malformation */
};

enum proto_decode_flags {
	PROTO_DECODE_PADDING =
		1 << 0, /* body was decrypted: allow padding after the last payload */
};

/* Checks the 28-byte header at the start of a datagram of len bytes; fills *ret on success. */
enum proto_err proto_decode_header(const uint8_t *buf, size_t len, struct proto_header *ret,
				   size_t *ret_err_offset);

/* Walks the payload chain of body (len bytes, first payload type first_np) into *msg. On error
 * msg->err and msg->err_offset say what and where; the payloads before it stay usable. */
enum proto_err proto_decode_payloads(uint8_t first_np, const uint8_t *body, size_t len,
				     unsigned flags, struct proto_msg *msg);

/* The nth payload (from 0) of a type, or NULL. */
const struct proto_payload *proto_msg_find(const struct proto_msg *msg, uint8_t type, unsigned nth);
unsigned proto_msg_count(const struct proto_msg *msg, uint8_t type);

/* Iterators over proposals of an SA, transforms of a proposal, attributes of a transform or
 * mode-cfg payload: *_next() returns false at the end or on error (it->err, it->err_offset). */
struct proto_iter {
	struct cursor c;
	size_t off; /* offset of c.p in the decoded buffer */
	uint8_t last_number;
	unsigned seen;
	bool done;
	enum proto_err err;
	size_t err_offset;
};

void proto_proposals_begin(struct proto_iter *it, const struct proto_sa *sa);
bool proto_proposals_next(struct proto_iter *it, struct proto_proposal *ret);
void proto_transforms_begin(struct proto_iter *it, const struct proto_proposal *p);
bool proto_transforms_next(struct proto_iter *it, struct proto_transform *ret);
void proto_attrs_begin(struct proto_iter *it, struct proto_view attrs);
bool proto_attrs_next(struct proto_iter *it, struct proto_attr *ret);

/* The value of an attribute as an integer: TV, or TLV whose value has no significant bytes
 * beyond 4 (u32) or 8 (u64) (leading zero bytes are allowed, RFC 2408 §3.3 variable length).
 * Returns PROTO_E_ATTR_VALUE when it does not fit. */
enum proto_err proto_attr_u32(const struct proto_attr *a, uint32_t *ret);
enum proto_err proto_attr_u64(const struct proto_attr *a, uint64_t *ret);

/* An address ID (IPV4/IPV6 ADDR, ADDR_SUBNET, ADDR_RANGE) as a range; PROTO_E_ID for other types,
 * a non-contiguous mask or a range whose start is above its end. */
enum proto_err proto_id_to_net(const struct proto_id *id, struct proto_id_net *ret);

/* The i-th SPI of a Delete payload (i < count); NULL past the end. */
const uint8_t *proto_delete_spi(const struct proto_delete *d, unsigned i);

/*
 * Encoder over a caller-owned fixed buffer. Every proto_put_* returns the offset of what it wrote
 * (so a caller can fill a HASH later), or SIZE_MAX and marks the builder bad if it does not fit:
 * check once, at proto_builder_finish(). Next-payload fields, lengths, proposal/transform counts
 * and "more" bytes are patched by offset. SA -> proposal -> transform -> attribute nesting: a
 * proposal/transform/attribute goes into the most recently opened container; any other payload
 * closes them.
 */
struct proto_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool bad;
	bool has_header;
	uint8_t first_np; /* type of the first payload (for body-only builders) */
	size_t np_off;	  /* byte to receive the next payload's type, SIZE_MAX for first_np */
	size_t body_off;  /* first byte after the header */
	size_t pl_off;	  /* open top-level payload (SA/ATTR), SIZE_MAX if none */
	size_t prop_off;  /* open proposal, SIZE_MAX if none */
	size_t xf_off;	  /* open transform, SIZE_MAX if none */
	unsigned n_xf;	  /* transforms in the open proposal */
	uint8_t pl_type;  /* type of the open top-level payload */
};

void proto_builder_init(struct proto_builder *b, uint8_t *buf, size_t cap);
/* Writes the header (length and next payload are filled later). Call first or not at all. */
size_t proto_put_header(struct proto_builder *b, const struct proto_header *h);
/* Offset of the first byte after the header (0 without one). */
size_t proto_builder_body_offset(const struct proto_builder *b);
/* Closes open payloads; sets the header length; returns the total length, or 0 if bad. */
size_t proto_builder_finish(struct proto_builder *b);
/* After in-place encryption/padding by the caller: sets the total length (<= cap) and the header
 * length field. Returns false if it does not fit. */
bool proto_builder_set_length(struct proto_builder *b, size_t total);

size_t proto_put_raw(struct proto_builder *b, uint8_t type, uint8_t reserved, const void *data,
		     size_t len);
size_t proto_put_sa(struct proto_builder *b, uint32_t doi, uint32_t situation);
size_t proto_put_proposal(struct proto_builder *b, uint8_t number, uint8_t protocol,
			  const void *spi, size_t spi_len);
size_t proto_put_transform(struct proto_builder *b, uint8_t number, uint8_t id);
/* An attribute into the open transform or mode-cfg payload: TV if value fits 16 bits, else TLV
 * of 4 (or 8) bytes. */
size_t proto_put_attr(struct proto_builder *b, uint16_t type, uint64_t value);
size_t proto_put_attr_tv(struct proto_builder *b, uint16_t type, uint16_t value);
size_t proto_put_attr_tlv(struct proto_builder *b, uint16_t type, const void *value, size_t len);
size_t proto_put_ke(struct proto_builder *b, const void *data, size_t len);
size_t proto_put_id(struct proto_builder *b, uint8_t id_type, uint8_t protocol, uint16_t port,
		    const void *data, size_t len);
size_t proto_put_cert(struct proto_builder *b, uint8_t encoding, const void *data, size_t len);
size_t proto_put_cr(struct proto_builder *b, uint8_t encoding, const void *data, size_t len);
size_t proto_put_hash(struct proto_builder *b, const void *data, size_t len);
size_t proto_put_sig(struct proto_builder *b, const void *data, size_t len);
size_t proto_put_nonce(struct proto_builder *b, const void *data, size_t len);
size_t proto_put_notify(struct proto_builder *b, uint32_t doi, uint8_t protocol, uint16_t type,
			const void *spi, size_t spi_len, const void *data, size_t data_len);
size_t proto_put_delete(struct proto_builder *b, uint32_t doi, uint8_t protocol, uint8_t spi_size,
			const void *spis, uint16_t count);
size_t proto_put_vid(struct proto_builder *b, const void *data, size_t len);
/* Mode-cfg payload; follow with proto_put_attr*(). */
size_t proto_put_cfg(struct proto_builder *b, uint8_t type, uint16_t identifier);
/* type: ISAKMP_PL_NAT_D or ISAKMP_PL_NAT_D_DRAFT */
size_t proto_put_nat_d(struct proto_builder *b, uint8_t type, const void *hash, size_t len);
/* type: ISAKMP_PL_NAT_OA or ISAKMP_PL_NAT_OA_DRAFT; family AF_INET / AF_INET6 */
size_t proto_put_nat_oa(struct proto_builder *b, uint8_t type, int family, const void *addr);
size_t proto_put_frag(struct proto_builder *b, uint16_t id, uint8_t number, bool last,
		      const void *data, size_t len);
