// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VICI transport framing: an incremental reader of 32-bit length-prefixed segments that works on
 * blocking and non-blocking stream sockets, and a blocking write of a framed buffer.
 */
#include "vici.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/cursor.h"

void vici_reader_init(struct vici_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max && max <= VICI_MSG_MAX ? max : VICI_MSG_MAX;
}

void vici_reader_reset(struct vici_reader *r)
{
	size_t max = r->max;
	free(r->buf);
	vici_reader_init(r, max);
}

/* One read(2) into dst. Returns bytes read, 0 on end of stream, -EAGAIN, or -errno. */
static ssize_t read_some(int fd, uint8_t *dst, size_t n)
{
	for (unsigned tries = 0; tries < 1000; tries++) {
		ssize_t got = read(fd, dst, n);
		if (got >= 0)
			return got;
		if (errno != EINTR)
			return -errno;
	}
	return -EINTR;
}

int vici_reader_feed(struct vici_reader *r, int fd)
{
	while (r->hdr_got < sizeof(r->hdr)) {
		ssize_t got = read_some(fd, r->hdr + r->hdr_got, sizeof(r->hdr) - r->hdr_got);
		if (got == -EAGAIN || got == -EWOULDBLOCK)
			return 0;
		if (got < 0)
			return (int)got;
		if (got == 0)
			return r->hdr_got ? -ECONNRESET : -ENOTCONN;
		r->hdr_got += (size_t)got;
		if (r->hdr_got < sizeof(r->hdr))
			continue;
		struct cursor c = cur_init(r->hdr, sizeof(r->hdr));
		r->len = cur_u32(&c);
		if (r->len == 0 || r->len > r->max)
			return -EMSGSIZE;
		r->buf = malloc(r->len);
		if (!r->buf)
			return -ENOMEM;
		r->got = 0;
	}
	while (r->got < r->len) {
		ssize_t got = read_some(fd, r->buf + r->got, r->len - r->got);
		if (got == -EAGAIN || got == -EWOULDBLOCK)
			return 0;
		if (got < 0)
			return (int)got;
		if (got == 0)
			return -ECONNRESET;
		r->got += (size_t)got;
	}
	return 1;
}

uint8_t *vici_reader_take(struct vici_reader *r, size_t *ret_len)
{
	uint8_t *buf = r->buf;
	if (!buf || r->got != r->len)
		return NULL;
	*ret_len = r->len;
	r->buf = NULL;
	vici_reader_reset(r);
	return buf;
}

ssize_t vici_segment_read(int fd, size_t max, uint8_t **ret_buf)
{
	struct vici_reader r;
	size_t len = 0;
	int rc;

	vici_reader_init(&r, max);
	/* A blocking fd fills the segment in one feed unless a signal or EAGAIN intervenes. */
	for (unsigned tries = 0; tries < 1000; tries++) {
		rc = vici_reader_feed(&r, fd);
		if (rc < 0) {
			vici_reader_reset(&r);
			return rc;
		}
		if (rc == 1) {
			*ret_buf = vici_reader_take(&r, &len);
			return (ssize_t)len;
		}
	}
	vici_reader_reset(&r);
	return -EAGAIN;
}

int vici_write_some(int fd, const uint8_t *buf, size_t len, size_t *off)
{
	unsigned tries = 0;
	while (*off < len) {
		ssize_t n = send(fd, buf + *off, len - *off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR && ++tries < 1000)
				continue;
			return -errno;
		}
		*off += (size_t)n;
	}
	return 1;
}

int vici_write_all(int fd, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	unsigned tries = 0;
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR && ++tries < 1000)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}
