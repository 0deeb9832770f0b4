// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the seed corpus of the decode fuzz target: every sample message (samples.c) as one file,
 * the NAT-T ones also with the 4-byte non-ESP marker, and three seeds past the *_MAX limits. Usage:
 * gen_corpus DIR (DIR is tests/fuzz/corpus/decode; the output is committed).
 */
#include <stdio.h>
#include <string.h>

#include "proto/codec.h"
#include "tests/unit/proto/samples.h"

static int write_file(const char *dir, const char *name, const char *suffix, const uint8_t *pre,
		      size_t pre_len, const uint8_t *p, size_t n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return 1;
	}
	int bad = fwrite(pre, 1, pre_len, f) != pre_len || fwrite(p, 1, n, f) != n;
	return fclose(f) != 0 || bad;
}

/* Seeds just past the *_MAX limits, which random mutation rarely reaches: 65 VIDs, a transform
 * with 65 attributes, a delete with 257 SPIs. */
static int write_limits(const char *dir)
{
	static uint8_t buf[8192], spis[4 * (PROTO_DELETE_SPIS_MAX + 1)];
	struct proto_builder b;
	struct proto_header h = {.major = 1, .exchange = ISAKMP_XCHG_INFO};
	int r = 0;

	memcpy(h.icookie, sample_icookie, 8);
	proto_builder_init(&b, buf, sizeof(buf));
	proto_put_header(&b, &h);
	for (unsigned i = 0; i <= PROTO_PAYLOADS_MAX; i++)
		proto_put_vid(&b, "v", 1);
	r |= write_file(dir, "limit-payloads", "", NULL, 0, buf, proto_builder_finish(&b));

	proto_builder_init(&b, buf, sizeof(buf));
	proto_put_header(&b, &h);
	proto_put_sa(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	proto_put_proposal(&b, 1, PROTO_IPSEC_ESP, "\0\0\0\1", 4);
	proto_put_transform(&b, 1, ESP_AES_CBC);
	for (unsigned i = 0; i <= PROTO_ATTRS_MAX; i++)
		proto_put_attr(&b, IPSEC_ATTR_KEY_LENGTH, 128);
	r |= write_file(dir, "limit-attrs", "", NULL, 0, buf, proto_builder_finish(&b));

	proto_builder_init(&b, buf, sizeof(buf));
	proto_put_header(&b, &h);
	proto_put_delete(&b, ISAKMP_DOI_IPSEC, PROTO_IPSEC_ESP, 4, spis, PROTO_DELETE_SPIS_MAX + 1);
	r |= write_file(dir, "limit-spis", "", NULL, 0, buf, proto_builder_finish(&b));
	return r;
}

int main(int argc, char **argv)
{
	static struct sample s[SAMPLES_MAX];
	static const uint8_t marker[4];
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	size_t n = samples_build(s, SAMPLES_MAX);
	if (n == 0)
		return 1;
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		r |= write_file(argv[1], s[i].name, "", NULL, 0, s[i].buf, s[i].len);
		if (s[i].nat_t)
			r |= write_file(argv[1], s[i].name, "-4500", marker, 4, s[i].buf, s[i].len);
	}
	r |= write_limits(argv[1]);
	printf("wrote %zu samples and 3 limit seeds\n", n);
	return r;
}
