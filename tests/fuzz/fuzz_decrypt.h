/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decrypt fuzz target (fuzz_decrypt.c) and its seed generator (gen_decrypt.c): the fuzzer
 * writes PLAINTEXT payload chains; the target wraps each in an ISAKMP header, optionally the
 * correct HASH, pads and encrypts it with the phase-1 key of the responder's ISAKMP SA and the IV
 * the responder will use (RFC 2409 App. B), so the bytes reach the decoder and the exchange
 * handlers after decryption.
 *
 * Input: one setup byte, then up to FZD_RECORDS_MAX records, each a datagram to the responder.
 *
 *   setup byte   bits 0-1: the state peer b (the responder of tests/exch/harness.c, ECP-256) is
 *                brought to by a real initiator before the records arrive (enum fzd_stage);
 *                bit 2 (FZD_PFS): both conns ask for PFS (ECP-256) in Quick Mode;
 *                bit 3 (FZD_SIG): both conns authenticate with RSA signatures (method 3)
 *                through stub policy callbacks: a "signature" is the hash itself, verify
 *                accepts exactly that, own_certs sends two CERTs, ca_dns asks with one CR;
 *                bit 4 (FZD_XAUTH, without FZD_SIG): XAUTHInitPreShared and Mode-Config pull
 *                through a stub ra policy: b is the XAUTH server, its REQUEST is in flight
 *                once phase 1 is up. A Transaction record (FZD_X_OTHER, type 6) with message
 *                ID selector 0xff answers it: b's M-ID, its IV chain, its identifier written
 *                into a first ATTR payload; FZD_HASH gives the Transaction's HASH.
 *   record       0  exchange: bits 0-1 enum fzd_xchg; for FZD_X_OTHER, bits 2-7 are the
 *                   exchange type written to the header
 *                1  flags (FZD_HASH ...)
 *                2  message ID selector m: the M-ID is m * 0x01010101 (0 for m = 0)
 *                3  type of the chain's first payload (the header's, or the HASH's, next
 *                   payload)
 *                4  chain length n, 16 bits big-endian (cut to the bytes that are left)
 *                6  n bytes: the plaintext payload chain
 *
 * FZD_HASH puts in the correct authentication: for Quick Mode, a HASH(1) payload first, or
 * HASH(3) when the responder's Quick Mode of that M-ID waits for its third message (the chain is
 * then normally empty); for Informational, HASH(1) first; for a phase-1 message (MM5, AM3), the
 * chain's first HASH payload (FZD_SIG: SIG payload), if it has the PRF's length, is overwritten
 * with HASH_I (the stub signature of it) over the
 * chain's first ID payload (or the ID the SA already holds). The HASH covers the chain up to the
 * end of its last payload when the chain decodes (trailing bytes are dropped: the receiver would
 * take them for padding and not hash them).
 */
#pragma once

#include <stdint.h>

#include "tests/exch/harness.h"

#define FZD_RECORDS_MAX 32 /* > PROTO_IKE_QM_MAX: a peer can try to exceed the cap */
#define FZD_REC_HDR_LEN 6
#define FZD_TIMERS_MS	60000u /* fake time FZD_TIMERS lets pass */

/* What the responder has been through when the records arrive (setup byte, bits 0-1). */
enum fzd_stage {
	FZD_MM_UP,   /* Main Mode phase 1 established: records play Quick Mode / Informational */
	FZD_MM_KEYS, /* Main Mode after MM3, keys derived: a record plays MM5 */
	FZD_AM_KEYS, /* Aggressive Mode after AM1, keys derived: a record plays AM3 */
	FZD_AM_UP,   /* Aggressive Mode phase 1 established */
};

#define FZD_STAGE_MASK 3u
#define FZD_PFS	       4u
#define FZD_SIG	       8u
#define FZD_XAUTH      16u

/* The exchange of a record (byte 0, bits 0-1). */
enum fzd_xchg {
	FZD_X_QUICK,  /* Quick Mode: the Quick Mode's IV if the responder has one at that M-ID,
			 else hash(last phase-1 block | M-ID) */
	FZD_X_INFO,   /* Informational: hash(last phase-1 block | M-ID) */
	FZD_X_PHASE1, /* the SA's phase-1 exchange (Main or Aggressive): the phase-1 IV at M-ID 0 */
	FZD_X_OTHER,  /* the exchange type in bits 2-7, IV as for Informational */
};

/* Record flags (byte 1). */
enum fzd_flag {
	FZD_HASH = 1 << 0,   /* the correct HASH, as described above */
	FZD_COMMIT = 1 << 1, /* the commit bit (RFC 2408 §3.1) in the header */
	FZD_PLAIN = 1 << 2,  /* no encryption bit: the chain goes out in the clear */
	FZD_TIMERS = 1 << 3, /* afterwards let FZD_TIMERS_MS of fake time pass (timers fire) */
	FZD_NATT = 1 << 4,   /* on the NAT-T socket, from and to port 4500 */
};

/*
 * Brings w (initialised here; the caller h_free()s it) to the stage of setup and returns b's only
 * ISAKMP SA, or NULL if the harness did not get there. What was sent but not delivered stays on
 * w->wire (the initiator's first Quick Mode message in the established stages).
 */
struct ike_sa *fzd_setup(struct h_world *w, uint8_t setup);
