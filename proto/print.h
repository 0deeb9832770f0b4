/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A pretty-printer of decoded ISAKMP messages (header and every payload's fields, named from
 * proto/consts.h) for debug logs and the demo. With redact (the default callers should use),
 * key-exchange data, nonces, hashes, signatures, certificates, NAT-D hashes and XAUTH secrets are
 * printed as lengths only; without it they are printed in hex.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "proto/codec.h"

/* Prints hdr (may be NULL) and msg into buf (always NUL-terminated if cap > 0); returns the length
 * the full text needs, like snprintf. */
size_t proto_print(const struct proto_header *hdr, const struct proto_msg *msg, bool redact,
		   char *buf, size_t cap);

/* The same, to a stream. */
void proto_fprint(FILE *f, const struct proto_header *hdr, const struct proto_msg *msg,
		  bool redact);
