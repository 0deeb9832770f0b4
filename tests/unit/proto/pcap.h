/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny classic-libpcap writer (Ethernet/IPv4/UDP 500, or UDP 4500 with the 4-byte non-ESP
 * marker of RFC 3948 §2.2) and a tshark runner, for checking our encoder against an independent
 * dissector. Addresses: 192.0.2.1 -> 198.51.100.2 (RFC 5737).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAP_MSG_MAX 8192

/* Writes the pcap global header (v2.4, LINKTYPE_ETHERNET). 0 or -1. */
int pcap_open(FILE *f);
/* Appends frame idx (1-based, also the IP ID and the timestamp) around an ISAKMP message of
 * len <= PCAP_MSG_MAX bytes. 0 or -1. */
int pcap_write(FILE *f, unsigned idx, const uint8_t *msg, size_t len, bool nat_t);
/* The tshark to run: $TSHARK when set and executable, else the first tshark on $PATH, looked up
 * when the test runs (not when meson configured the build, which may have been before tshark was
 * installed). NULL when there is none. */
const char *pcap_tshark_find(void);
/* Runs `TSHARK -n -r PATH -V -O isakmp` and returns its output (malloc'd, NUL-terminated), or
 * NULL; *ret_status is pclose()'s status. */
char *pcap_tshark(const char *tshark, const char *path, int *ret_status);
/* The part of tshark's output for frame idx, up to the next frame, into buf. */
const char *pcap_frame_text(const char *out, unsigned idx, char *buf, size_t cap);
