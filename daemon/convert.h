/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's boundary conversions, in one place: between the engine's types (proto/: struct
 * proto_ike_addr, proto_ike_ts, proto_ike_id, PROTO_IPSEC_* numbers), the kernel's (xfrm/:
 * struct xfrm_ipaddr, IPPROTO_* numbers), the sockets' (struct sockaddr_storage) and text (the
 * control socket's listings, the log, the updown environment). Pure functions: no state, no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto/ike/engine.h"
#include "xfrm/xfrm.h"

struct dmn_id;

/* ---- addresses ---- */
/* An engine address from family (AF_INET: 4 bytes, else 16), bytes and port. */
void dmn_addr_make(int family, const uint8_t *bytes, uint16_t port, struct proto_ike_addr *ret);
/* An engine address as the kernel's (the port is dropped). */
void dmn_addr_to_xfrm(const struct proto_ike_addr *a, struct xfrm_ipaddr *ret);
/* A socket address (AF_INET, else AF_INET6) as the engine's, port included. */
void dmn_addr_from_sockaddr(const struct sockaddr_storage *ss, struct proto_ike_addr *ret);
/* An engine address as a socket address; returns its length. */
socklen_t dmn_addr_to_sockaddr(const struct proto_ike_addr *a, struct sockaddr_storage *ss);
/* An address as text (family AF_INET6, else AF_INET); "?" if inet_ntop cannot print it. */
const char *dmn_addr_str(int family, const uint8_t *bytes, char *buf, size_t cap);

/* ---- IP protocols ---- */
/* The kernel's protocol of an IPsec protocol: IPPROTO_AH, IPPROTO_COMP, else IPPROTO_ESP. */
uint8_t dmn_ipproto(uint8_t ipsec_protocol);
/* The IPsec protocol of a kernel SA's: PROTO_IPSEC_ESP or PROTO_IPSEC_AH, else 0. */
uint8_t dmn_ipsec_protocol(uint8_t ipproto);

/* ---- traffic selectors ---- */
/* The traffic selector of host address a alone (all protocols and ports). */
void dmn_ts_host(const struct proto_ike_addr *a, struct proto_ike_ts *ret);
/* One side of a kernel selector from a traffic selector; ranges that are not prefixes are
 * narrowed to their first address's host route (TODO(rfc2407 §4.6.2.1): one policy per
 * covering prefix). */
void dmn_ts_to_xfrm(const struct proto_ike_ts *ts, struct xfrm_ipaddr *addr, uint8_t *len);
/* A selector as text, as swanctl prints one: 10.1.0.0/16 (prefix >= 0) or a..b (prefix < 0),
 * with [proto/port] if narrowed ("[tcp/80]", "[udp]"). */
void dmn_ts_str(int family, const uint8_t *from, const uint8_t *to, int prefix, uint8_t proto,
		uint16_t port, char *buf, size_t cap);
/* The same for an engine traffic selector; returns buf. */
const char *dmn_proto_ts_str(const struct proto_ike_ts *ts, char *buf, size_t cap);

/* ---- IDs ---- */
/* Where an ID is written: the control socket's listings (as charon prints it) or the updown
 * environment (as Libreswan's PLUTO_*_ID: "@" before an FQDN, no quote or backslash). */
enum dmn_id_form {
	DMN_ID_FORM_LIST,
	DMN_ID_FORM_ENV,
};
/* A configured ID; DMN_ID_DEFAULT is host's address (or %any if host is NULL). */
void dmn_conf_id_str(const struct dmn_id *id, const struct proto_ike_addr *host,
		     enum dmn_id_form form, char *buf, size_t cap);
/* An ID as received (RFC 2407 §4.6.2.1). LIST: addresses, FQDNs and user FQDNs as they are,
 * others as "type:hex". ENV: the same, but other types (or no id) are peer's address. */
void dmn_peer_id_str(const struct proto_ike_id *id, const struct proto_ike_addr *peer,
		     enum dmn_id_form form, char *buf, size_t cap);
