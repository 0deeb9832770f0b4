// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for xfrm_events_parse(): buffers as read from an XFRM netlink socket (events,
 * dump replies). Seeded with real kernel messages captured by `xfrmctl monitor --raw` in
 * tests/fuzz/corpus/xfrm_events/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xfrm/xfrm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every field so the sanitizers see uninitialised or out-of-bounds data. */
static int sink(const struct xfrm_event *ev, void *arg)
{
	uint64_t *acc = arg;
	const uint8_t *p = (const uint8_t *)ev;
	for (size_t i = 0; i < sizeof(*ev); i++)
		*acc += p[i];
	char buf[64];
	if (ev->type == XFRM_EV_ACQUIRE)
		*acc += strlen(xfrm_ipaddr_str(&ev->acquire.src, buf, sizeof(buf)));
	*acc += strlen(xfrm_event_name(ev->type));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t acc = 0;
	int r = xfrm_events_parse(data, size, sink, &acc);
	if (r > 0 && (size_t)r > size / 16)
		__builtin_trap(); /* more events than 16-byte headers: impossible */
	return 0;
}
