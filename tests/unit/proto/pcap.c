// SPDX-License-Identifier: GPL-2.0-or-later
/* The pcap writer and tshark runner of the proto tests (see pcap.h). */
#include "tests/unit/proto/pcap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int pcap_open(FILE *f)
{
	uint8_t h[24] = {0};
	le32(h, 0xa1b2c3d4);
	h[4] = 2, h[6] = 4;
	le32(h + 16, 65535);
	le32(h + 20, 1);
	return fwrite(h, 1, sizeof(h), f) == sizeof(h) ? 0 : -1;
}

int pcap_write(FILE *f, unsigned idx, const uint8_t *msg, size_t len, bool nat_t)
{
	static uint8_t frame[14 + 20 + 8 + 4 + PCAP_MSG_MAX];
	uint8_t rec[16];
	size_t marker = nat_t ? 4 : 0;
	size_t udp_len = 8 + marker + len, ip_len = 20 + udp_len, flen = 14 + ip_len;
	uint16_t port = nat_t ? 4500 : 500;

	if (len > PCAP_MSG_MAX)
		return -1;
	memset(frame, 0, 14 + 20 + 8 + 4);
	memcpy(frame, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	uint8_t *ip = frame + 14, *udp = ip + 20;
	ip[0] = 0x45;
	be16(ip + 2, (uint16_t)ip_len);
	be16(ip + 4, (uint16_t)idx);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\xc0\x00\x02\x01\xc6\x33\x64\x02", 8);
	be16(ip + 10, ip_checksum(ip, 20));
	be16(udp, port);
	be16(udp + 2, port);
	be16(udp + 4, (uint16_t)udp_len); /* checksum 0: none (RFC 768) */
	memcpy(udp + 8 + marker, msg, len);

	le32(rec, 1700000000u + idx);
	le32(rec + 4, 0);
	le32(rec + 8, (uint32_t)flen);
	le32(rec + 12, (uint32_t)flen);
	if (fwrite(rec, 1, 16, f) != 16 || fwrite(frame, 1, flen, f) != flen)
		return -1;
	return 0;
}

const char *pcap_tshark_find(void)
{
	static char found[4096];
	const char *env = getenv("TSHARK");
	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && n < sizeof(found) - sizeof("/tshark")) {
			memcpy(found, path, n);
			memcpy(found + n, "/tshark", sizeof("/tshark"));
			if (access(found, X_OK) == 0)
				return found;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

char *pcap_tshark(const char *tshark, const char *path, int *ret_status)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s' -n -r '%s' -V -O isakmp 2>&1", tshark, path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	size_t cap = 1 << 20, len = 0;
	char *out = malloc(cap);
	while (out && len + 1 < cap) {
		size_t r = fread(out + len, 1, cap - 1 - len, p);
		if (r == 0)
			break;
		len += r;
	}
	*ret_status = pclose(p);
	if (out)
		out[len] = '\0';
	return out;
}

const char *pcap_frame_text(const char *out, unsigned idx, char *buf, size_t cap)
{
	char needle[32];
	snprintf(needle, sizeof(needle), "Frame %u:", idx);
	const char *p = strstr(out, needle);
	if (!p) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(needle, sizeof(needle), "Frame %u:", idx + 1);
	const char *e = strstr(p, needle);
	size_t n = e ? (size_t)(e - p) : strlen(p);
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}
