// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ISAKMP codec: round trips of every payload type and attribute form (samples.c, built with
 * the encoder), hand-built vectors written from the RFC diagrams (each cites its section) that
 * must decode to the expected fields and that the encoder must reproduce byte for byte, and one
 * case per malformation class checking the error and the RFC 2408 notify it maps to.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/codec.h"
#include "proto/print.h"
#include "tests/testutil.h"
#include "tests/unit/proto/samples.h"

static struct sample samples[SAMPLES_MAX];
static size_t n_samples;
static struct proto_msg msg;

static const struct sample *sample(const char *name)
{
	for (size_t i = 0; i < n_samples; i++)
		if (strcmp(samples[i].name, name) == 0)
			return &samples[i];
	fprintf(stderr, "no sample %s\n", name);
	exit(1);
}

/* Decodes a whole datagram into msg (header into *h); returns the first error. */
static enum proto_err decode(const uint8_t *buf, size_t len, struct proto_header *h, unsigned flags)
{
	size_t off;
	enum proto_err e = proto_decode_header(buf, len, h, &off);
	if (e != PROTO_OK)
		return e;
	return proto_decode_payloads(h->next_payload, buf + PROTO_HDR_LEN,
				     h->length - PROTO_HDR_LEN, flags, &msg);
}

static const struct proto_payload *decode_sample(const char *name, struct proto_header *h)
{
	const struct sample *s = sample(name);
	CHECK_EQ_INT(decode(s->buf, s->len, h, 0), PROTO_OK);
	CHECK_EQ_INT(h->length, s->len);
	return msg.n ? &msg.pl[0] : NULL;
}

/* Collects the attributes of a view into arrays; returns the count. */
static unsigned attrs(struct proto_view v, struct proto_attr *out, unsigned max)
{
	struct proto_iter it;
	unsigned n = 0;
	proto_attrs_begin(&it, v);
	while (n < max && proto_attrs_next(&it, &out[n]))
		n++;
	CHECK_EQ_INT(it.err, PROTO_OK);
	return n;
}

static uint32_t u32(const struct proto_attr *a)
{
	uint32_t v = 0xdeadbeef;
	CHECK_EQ_INT(proto_attr_u32(a, &v), PROTO_OK);
	return v;
}

static void test_roundtrip_phase1(void)
{
	struct proto_header h;
	struct proto_iter pi, ti;
	struct proto_proposal p;
	struct proto_transform t;
	struct proto_attr a[16];

	/* MM1: header fields, SA -> 1 proposal -> 3 transforms, TV, TLV and long-TLV attributes */
	decode_sample("mm1", &h);
	CHECK_MEM(h.icookie, sample_icookie, 8);
	CHECK_EQ_INT(h.rcookie[0] | h.rcookie[7], 0);
	CHECK_EQ_INT(h.exchange, ISAKMP_XCHG_IDPROT);
	CHECK_EQ_INT(h.major, 1);
	CHECK_EQ_INT(h.trailing, 0);
	CHECK_EQ_INT(msg.n, 3);
	CHECK_EQ_INT(proto_msg_count(&msg, ISAKMP_PL_VID), 2);
	const struct proto_payload *sa = proto_msg_find(&msg, ISAKMP_PL_SA, 0);
	CHECK(sa && sa->known && sa->u.sa.doi == ISAKMP_DOI_IPSEC && sa->u.sa.n_proposals == 1);
	const struct proto_payload *vid = proto_msg_find(&msg, ISAKMP_PL_VID, 0);
	CHECK(vid && vid->u.data.len == 16 && memcmp(vid->u.data.p, sample_vid_rfc3947, 16) == 0);
	CHECK(proto_msg_find(&msg, ISAKMP_PL_VID, 1) == &msg.pl[2]);
	CHECK(proto_msg_find(&msg, ISAKMP_PL_VID, 2) == NULL);
	CHECK(proto_msg_find(&msg, ISAKMP_PL_KE, 0) == NULL);
	if (!sa)
		return;
	proto_proposals_begin(&pi, &sa->u.sa);
	CHECK(proto_proposals_next(&pi, &p));
	CHECK_EQ_INT(p.number, 1);
	CHECK_EQ_INT(p.protocol, PROTO_ISAKMP);
	CHECK_EQ_INT(p.spi.len, 0);
	CHECK_EQ_INT(p.n_transforms, 3);
	CHECK(!proto_proposals_next(&pi, &p) && pi.err == PROTO_OK);
	proto_transforms_begin(&ti, &p);
	unsigned nt = 0;
	while (proto_transforms_next(&ti, &t)) {
		nt++;
		CHECK_EQ_INT(t.number, nt);
		CHECK_EQ_INT(t.id, KEY_IKE);
		unsigned na = attrs(t.attrs, a, 16);
		if (nt == 1) {
			CHECK_EQ_INT(na, 7);
			CHECK(a[0].tv && a[0].type == IKE_ATTR_ENCRYPTION_ALGORITHM &&
			      a[0].tv_value == IKE_ENCR_AES_CBC);
			CHECK(a[1].tv && a[1].type == IKE_ATTR_KEY_LENGTH && u32(&a[1]) == 128);
			CHECK(a[4].tv && u32(&a[4]) == IKE_GROUP_MODP2048);
			CHECK(a[6].tv && a[6].type == IKE_ATTR_LIFE_DURATION &&
			      u32(&a[6]) == 28800);
		} else if (nt == 2) {
			/* 86400 does not fit 16 bits: a 4-byte TLV */
			CHECK_EQ_INT(na, 6);
			CHECK(!a[5].tv && a[5].type == IKE_ATTR_LIFE_DURATION &&
			      a[5].value.len == 4);
			CHECK_EQ_INT(u32(&a[5]), 86400);
		} else {
			/* 2^32: an 8-byte TLV, too long for u32, fine for u64 */
			uint64_t v = 0;
			uint32_t v32 = 7;
			CHECK_EQ_INT(na, 7);
			CHECK(!a[6].tv && a[6].value.len == 8);
			CHECK_EQ_INT(proto_attr_u32(&a[6], &v32), PROTO_E_ATTR_VALUE);
			CHECK_EQ_INT(v32, 7);
			CHECK_EQ_INT(proto_attr_u64(&a[6], &v), PROTO_OK);
			CHECK(v == 0x100000000ull);
			CHECK_EQ_INT(u32(&a[3]), IKE_AUTH_RSA_SIG);
		}
	}
	CHECK_EQ_INT(nt, 3);
	CHECK_EQ_INT(ti.err, PROTO_OK);

	/* MM3: KE, NONCE, NAT-D x2 */
	decode_sample("mm3", &h);
	CHECK_EQ_INT(msg.n, 4);
	CHECK(msg.pl[0].type == ISAKMP_PL_KE && msg.pl[0].u.data.len == 256);
	CHECK(msg.pl[1].type == ISAKMP_PL_NONCE && msg.pl[1].u.data.len == 32);
	CHECK_EQ_INT(proto_msg_count(&msg, ISAKMP_PL_NAT_D), 2);
	CHECK_EQ_INT(msg.pl[2].offset, 4 + 256 + 4 + 32);
	CHECK_EQ_INT(msg.pl[2].body.off, msg.pl[2].offset + 4);

	/* MM5: ID IPV4_ADDR, HASH, N(INITIAL-CONTACT) with the cookies as SPI */
	decode_sample("mm5", &h);
	const struct proto_payload *id = proto_msg_find(&msg, ISAKMP_PL_ID, 0);
	struct proto_id_net net;
	CHECK(id && id->u.id.type == ID_IPV4_ADDR && id->u.id.protocol == 17 &&
	      id->u.id.port == 500);
	if (id) {
		CHECK_EQ_INT(proto_id_to_net(&id->u.id, &net), PROTO_OK);
		CHECK(net.family == AF_INET && net.prefix == 32 &&
		      memcmp(net.from, "\xc0\x00\x02\x01", 4) == 0 &&
		      memcmp(net.to, "\xc0\x00\x02\x01", 4) == 0);
	}
	const struct proto_payload *n = proto_msg_find(&msg, ISAKMP_PL_N, 0);
	CHECK(n && n->u.n.type == ISAKMP_N_INITIAL_CONTACT && n->u.n.protocol == PROTO_ISAKMP &&
	      n->u.n.spi.len == 16 && n->u.n.data.len == 0 && n->u.n.doi == ISAKMP_DOI_IPSEC);
	if (n)
		CHECK_MEM(n->u.n.spi.p + 8, sample_rcookie, 8);
	CHECK(proto_msg_find(&msg, ISAKMP_PL_HASH, 0)->u.data.len == 32);

	/* MM6: FQDN ID, not an address */
	decode_sample("mm6", &h);
	CHECK(msg.pl[0].u.id.type == ID_FQDN && msg.pl[0].u.id.data.len == 21 &&
	      memcmp(msg.pl[0].u.id.data.p, "responder.example.org", 21) == 0);
	CHECK_EQ_INT(proto_id_to_net(&msg.pl[0].u.id, &net), PROTO_E_ID);

	/* MM5 with signatures: DN ID, CERT, empty CR, SIG */
	decode_sample("mm5-sig", &h);
	CHECK_EQ_INT(msg.n, 4);
	CHECK(msg.pl[0].u.id.type == ID_DER_ASN1_DN && msg.pl[0].u.id.data.len == 24);
	CHECK(msg.pl[1].type == ISAKMP_PL_CERT && msg.pl[1].u.cert.encoding == CERT_X509_SIG &&
	      msg.pl[1].u.cert.data.len == sizeof(sample_cert));
	CHECK(msg.pl[2].type == ISAKMP_PL_CR && msg.pl[2].u.cert.data.len == 0);
	CHECK(msg.pl[3].type == ISAKMP_PL_SIG && msg.pl[3].u.data.len == 256);

	/* AM1/AM2: USER_FQDN and IPV6_ADDR IDs */
	decode_sample("am1", &h);
	CHECK_EQ_INT(h.exchange, ISAKMP_XCHG_AGGRESSIVE);
	CHECK(msg.pl[3].u.id.type == ID_USER_FQDN && msg.pl[2].u.data.len == 16);
	decode_sample("am2", &h);
	id = proto_msg_find(&msg, ISAKMP_PL_ID, 0);
	CHECK(id && proto_id_to_net(&id->u.id, &net) == PROTO_OK && net.family == AF_INET6 &&
	      net.prefix == 128 && net.from[0] == 0x20 && net.from[15] == 1);
	decode_sample("am3-draft", &h);
	CHECK_EQ_INT(proto_msg_count(&msg, ISAKMP_PL_NAT_D_DRAFT), 2);
	CHECK(msg.pl[0].known && msg.pl[0].u.data.len == 20);
}

static void test_roundtrip_phase2(void)
{
	struct proto_header h;
	struct proto_iter pi, ti;
	struct proto_proposal p;
	struct proto_transform t;
	struct proto_attr a[16];
	struct proto_id_net net;

	/* QM1: ESP proposal with SPI, IPsec attributes incl. a kilobyte lifetime TLV */
	decode_sample("qm1", &h);
	CHECK_EQ_INT(h.msgid, 0x11223344);
	CHECK_EQ_INT(h.exchange, ISAKMP_XCHG_QUICK);
	const struct proto_payload *sa = proto_msg_find(&msg, ISAKMP_PL_SA, 0);
	CHECK(sa != NULL);
	if (!sa)
		return;
	proto_proposals_begin(&pi, &sa->u.sa);
	CHECK(proto_proposals_next(&pi, &p));
	CHECK(p.protocol == PROTO_IPSEC_ESP && p.spi.len == 4 &&
	      memcmp(p.spi.p, "\xc0\x01\xd0\x0d", 4) == 0 && p.n_transforms == 2);
	proto_transforms_begin(&ti, &p);
	CHECK(proto_transforms_next(&ti, &t) && t.id == ESP_AES_CBC);
	CHECK_EQ_INT(attrs(t.attrs, a, 16), 8);
	CHECK(a[3].type == IPSEC_ATTR_SA_LIFE_DURATION && !a[3].tv && u32(&a[3]) == 4608000);
	CHECK(a[4].type == IPSEC_ATTR_ENCAPSULATION_MODE && u32(&a[4]) == ENCAP_UDP_TUNNEL);
	CHECK(proto_transforms_next(&ti, &t) && t.id == ESP_3DES && t.number == 2);
	CHECK(!proto_transforms_next(&ti, &t) && ti.err == PROTO_OK);
	CHECK_EQ_INT(proto_msg_count(&msg, ISAKMP_PL_ID), 2);
	const struct proto_payload *idcr = proto_msg_find(&msg, ISAKMP_PL_ID, 1);
	CHECK(idcr && proto_id_to_net(&idcr->u.id, &net) == PROTO_OK && net.prefix == 25 &&
	      memcmp(net.from, "\xcb\x00\x71\x00", 4) == 0 &&
	      memcmp(net.to, "\xcb\x00\x71\x7f", 4) == 0);
	const struct proto_payload *oa = proto_msg_find(&msg, ISAKMP_PL_NAT_OA, 0);
	CHECK(oa && oa->u.nat_oa.family == AF_INET && oa->u.nat_oa.id_type == ID_IPV4_ADDR &&
	      memcmp(oa->u.nat_oa.addr, "\xc0\x00\x02\x01", 4) == 0);
	oa = proto_msg_find(&msg, ISAKMP_PL_NAT_OA, 1);
	CHECK(oa && oa->u.nat_oa.family == AF_INET6 && oa->u.nat_oa.addr[1] == 0x01);

	/* QM1 IPv6: two proposals numbered 1 (AH AND ESP), v6 subnet and range IDs */
	decode_sample("qm1-v6", &h);
	sa = proto_msg_find(&msg, ISAKMP_PL_SA, 0);
	CHECK(sa && sa->u.sa.n_proposals == 2);
	idcr = proto_msg_find(&msg, ISAKMP_PL_ID, 0);
	CHECK(idcr && proto_id_to_net(&idcr->u.id, &net) == PROTO_OK && net.family == AF_INET6 &&
	      net.prefix == 48 && net.to[6] == 0xff && net.to[15] == 0xff && net.from[5] == 1);
	idcr = proto_msg_find(&msg, ISAKMP_PL_ID, 1);
	CHECK(idcr && proto_id_to_net(&idcr->u.id, &net) == PROTO_OK && net.prefix == -1 &&
	      net.from[15] == 1 && net.to[15] == 0xff);

	/* QM2: IPCOMP CPI of 2 bytes, IPv4 range with protocol/port */
	decode_sample("qm2", &h);
	sa = proto_msg_find(&msg, ISAKMP_PL_SA, 0);
	if (sa) {
		proto_proposals_begin(&pi, &sa->u.sa);
		CHECK(proto_proposals_next(&pi, &p) && p.protocol == PROTO_IPCOMP &&
		      p.spi.len == 2);
	}
	idcr = proto_msg_find(&msg, ISAKMP_PL_ID, 0);
	CHECK(idcr && idcr->u.id.protocol == 6 && idcr->u.id.port == 80 &&
	      proto_id_to_net(&idcr->u.id, &net) == PROTO_OK && net.prefix == -1 &&
	      net.from[3] == 10 && net.to[3] == 20);
	decode_sample("qm3", &h);
	CHECK(h.flags == ISAKMP_FLAG_C && msg.n == 1);
	decode_sample("qm1-draft-natoa", &h);
	CHECK(proto_msg_count(&msg, ISAKMP_PL_NAT_OA_DRAFT) == 1);
}

static void test_roundtrip_info(void)
{
	struct proto_header h;
	struct proto_attr a[16];

	decode_sample("info-dpd", &h);
	const struct proto_payload *n = proto_msg_find(&msg, ISAKMP_PL_N, 0);
	CHECK(n && n->u.n.type == ISAKMP_N_R_U_THERE && n->u.n.data.len == 4 &&
	      n->u.n.data.p[3] == 0x34);

	decode_sample("info-delete-esp", &h);
	const struct proto_payload *d = proto_msg_find(&msg, ISAKMP_PL_D, 0);
	CHECK(d && d->u.d.protocol == PROTO_IPSEC_ESP && d->u.d.count == 2 && d->u.d.spi_size == 4);
	if (d) {
		CHECK(proto_delete_spi(&d->u.d, 1) &&
		      memcmp(proto_delete_spi(&d->u.d, 1), sample_del_spis + 4, 4) == 0);
		CHECK(proto_delete_spi(&d->u.d, 2) == NULL);
	}
	decode_sample("info-delete-isakmp", &h);
	d = proto_msg_find(&msg, ISAKMP_PL_D, 0);
	CHECK(d && d->u.d.spi_size == 16 && d->u.d.count == 1);
	decode_sample("info-error", &h);
	CHECK(msg.n == 1 && msg.pl[0].u.n.type == ISAKMP_N_NO_PROPOSAL_CHOSEN);

	/* mode-cfg: empty TLVs in a request, a TV, a 17-byte IPv6 address in the reply */
	decode_sample("cfg-request", &h);
	const struct proto_payload *c = proto_msg_find(&msg, ISAKMP_PL_ATTR, 0);
	CHECK(c && c->u.cfg.type == CFG_REQUEST && c->u.cfg.identifier == 7);
	if (c) {
		CHECK_EQ_INT(attrs(c->u.cfg.attrs, a, 16), 5);
		CHECK(!a[0].tv && a[0].type == CFG_INTERNAL_IP4_ADDRESS && a[0].value.len == 0);
		CHECK(a[3].tv && a[3].type == XAUTH_TYPE && a[3].tv_value == 0);
	}
	decode_sample("cfg-reply", &h);
	c = proto_msg_find(&msg, ISAKMP_PL_ATTR, 0);
	if (c) {
		CHECK_EQ_INT(attrs(c->u.cfg.attrs, a, 16), 4);
		CHECK(a[0].value.len == 4 && u32(&a[0]) == 0xc633640a);
		CHECK(a[2].type == CFG_INTERNAL_IP6_ADDRESS && a[2].value.len == 17);
	}

	/* fragments */
	decode_sample("frag1", &h);
	CHECK(msg.pl[0].type == ISAKMP_PL_FRAG && msg.pl[0].u.frag.id == 0x42 &&
	      msg.pl[0].u.frag.number == 1 && msg.pl[0].u.frag.flags == 0 &&
	      msg.pl[0].u.frag.data.len == sample("mm5")->len / 2);
	decode_sample("frag2", &h);
	CHECK(msg.pl[0].u.frag.number == 2 && msg.pl[0].u.frag.flags == PROTO_FRAG_FLAG_LAST);

	/* encrypted body: header fine, body is opaque; as a "decrypted" body with the padding flag
	 * the first bytes are garbage, so only the header is checked here */
	const struct sample *s = sample("mm5-encrypted");
	CHECK_EQ_INT(proto_decode_header(s->buf, s->len, &h, NULL), PROTO_OK);
	CHECK(h.flags == ISAKMP_FLAG_E && (h.length - PROTO_HDR_LEN) % 16 == 0);
}

/*
 * RFC 2408 §3.1 header + §3.4 SA + §3.5 proposal + §3.6 transform + §3.3 attributes (TV and TLV)
 * + RFC 2407 §4.6.1 situation, laid out field by field from the RFC diagrams.
 */
static const char vec_mm1[] =
	/* §3.1: cookies, next payload SA, version 1.0, exchange 2, flags 0, msgid 0, length 88 */
	"0123456789abcdef 0000000000000000 01 10 02 00 00000000 00000058"
	/* §3.4 SA: next 0, reserved, length 60; DOI 1; situation SIT_IDENTITY_ONLY */
	"00 00 003c 00000001 00000001"
	/* §3.5 proposal: last (0), reserved, length 48; #1, PROTO_ISAKMP, SPI size 0, 1 transform
	 */
	"00 00 0030 01 01 00 01"
	/* §3.6 transform: last, reserved, length 40; #1, KEY_IKE, reserved 2 */
	"00 00 0028 01 01 0000"
	/* §3.3 TV attributes (AF=1): enc 7 (AES-CBC), keylen 128, hash 4, auth 1, group 14 */
	"800e 0080 8001 0007 8002 0004 8003 0001 8004 000e"
	/* life type seconds (TV), life duration 86400 as TLV (AF=0, length 4) */
	"800b 0001 000c 0004 00015180";

static void test_vector_mm1(void)
{
	uint8_t buf[256], out[256];
	struct proto_header h;
	struct proto_attr a[8];
	int n = test_unhex(vec_mm1, buf, sizeof(buf));
	CHECK_EQ_INT(n, 88);
	CHECK_EQ_INT(decode(buf, (size_t)n, &h, 0), PROTO_OK);
	CHECK_EQ_INT(h.next_payload, ISAKMP_PL_SA);
	CHECK_EQ_INT(h.icookie[7], 0xef);
	CHECK_EQ_INT(msg.n, 1);
	struct proto_iter pi, ti;
	struct proto_proposal p;
	struct proto_transform t;
	proto_proposals_begin(&pi, &msg.pl[0].u.sa);
	CHECK(proto_proposals_next(&pi, &p));
	proto_transforms_begin(&ti, &p);
	CHECK(proto_transforms_next(&ti, &t));
	CHECK_EQ_INT(attrs(t.attrs, a, 8), 7);
	CHECK(a[0].type == IKE_ATTR_KEY_LENGTH && a[0].tv_value == 128);
	CHECK(a[6].type == IKE_ATTR_LIFE_DURATION && !a[6].tv && u32(&a[6]) == 86400);
	CHECK_EQ_INT(a[6].value.off, 56);

	/* the encoder reproduces it byte for byte */
	struct proto_builder b;
	struct proto_header hh = {.major = 1, .exchange = ISAKMP_XCHG_IDPROT};
	memcpy(hh.icookie, buf, 8);
	proto_builder_init(&b, out, sizeof(out));
	proto_put_header(&b, &hh);
	CHECK_EQ_INT(proto_builder_body_offset(&b), 28);
	proto_put_sa(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	proto_put_proposal(&b, 1, PROTO_ISAKMP, NULL, 0);
	proto_put_transform(&b, 1, KEY_IKE);
	proto_put_attr(&b, IKE_ATTR_KEY_LENGTH, 128);
	proto_put_attr(&b, IKE_ATTR_ENCRYPTION_ALGORITHM, IKE_ENCR_AES_CBC);
	proto_put_attr(&b, IKE_ATTR_HASH_ALGORITHM, IKE_HASH_SHA2_256);
	proto_put_attr(&b, IKE_ATTR_AUTHENTICATION_METHOD, IKE_AUTH_PSK);
	proto_put_attr(&b, IKE_ATTR_GROUP_DESCRIPTION, IKE_GROUP_MODP2048);
	proto_put_attr_tv(&b, IKE_ATTR_LIFE_TYPE, LIFE_SECONDS);
	proto_put_attr(&b, IKE_ATTR_LIFE_DURATION, 86400);
	CHECK_EQ_INT(proto_builder_finish(&b), 88);
	CHECK_MEM(out, buf, 88);
}

/* RFC 2408 §3.5/§3.6: two proposals (more = 2), the second with two transforms (more = 3),
 * quick mode ESP with SPIs (RFC 2407 §4.4.4 ESP_AES-CBC 12, ESP_3DES 3; §4.5 attributes). */
static const char vec_qm_sa[] =
	/* SA: next NONE, length 72, DOI 1, situation 1 */
	"00 00 0048 00000001 00000001"
	/* proposal #1 (more): length 24, ESP, SPI size 4, 1 transform, SPI 11111111 */
	"02 00 0018 01 03 04 01 11111111"
	/* transform #1 ESP_AES-CBC: key length 128 (TV 6), encapsulation tunnel (TV 4) */
	"00 00 000c 01 0c 0000 8004 0001"
	/* proposal #2 (last): length 36, ESP, SPI 22222222, 2 transforms */
	"00 00 0024 02 03 04 02 22222222"
	/* transform #1 (more) ESP_3DES with auth HMAC-SHA (TV 5 = 2) */
	"03 00 000c 01 03 0000 8005 0002"
	/* transform #2 (last) ESP_AES-CBC with key length 256 */
	"00 00 000c 02 0c 0000 8006 0100";

static void test_vector_qm_sa(void)
{
	uint8_t body[128], out[128];
	int n = test_unhex(vec_qm_sa, body, sizeof(body));
	CHECK_EQ_INT(n, 72);
	CHECK_EQ_INT(proto_decode_payloads(ISAKMP_PL_SA, body, (size_t)n, 0, &msg), PROTO_OK);
	CHECK_EQ_INT(msg.pl[0].u.sa.n_proposals, 2);
	struct proto_iter pi, ti;
	struct proto_proposal p;
	struct proto_transform t;
	proto_proposals_begin(&pi, &msg.pl[0].u.sa);
	CHECK(proto_proposals_next(&pi, &p) && p.number == 1 && p.spi.p[0] == 0x11);
	CHECK(proto_proposals_next(&pi, &p) && p.number == 2 && p.n_transforms == 2);
	CHECK_EQ_INT(p.spi.off, 44);
	proto_transforms_begin(&ti, &p);
	CHECK(proto_transforms_next(&ti, &t) && t.id == ESP_3DES);
	CHECK(proto_transforms_next(&ti, &t) && t.id == ESP_AES_CBC && t.number == 2);
	CHECK(!proto_transforms_next(&ti, &t));
	CHECK(!proto_proposals_next(&pi, &p) && pi.err == PROTO_OK);

	/* body-only builder: the first payload type comes back in first_np */
	struct proto_builder b;
	proto_builder_init(&b, out, sizeof(out));
	proto_put_sa(&b, 1, 1);
	proto_put_proposal(&b, 1, PROTO_IPSEC_ESP, "\x11\x11\x11\x11", 4);
	proto_put_transform(&b, 1, ESP_AES_CBC);
	proto_put_attr(&b, IPSEC_ATTR_ENCAPSULATION_MODE, ENCAP_TUNNEL);
	proto_put_proposal(&b, 2, PROTO_IPSEC_ESP, "\x22\x22\x22\x22", 4);
	proto_put_transform(&b, 1, ESP_3DES);
	proto_put_attr(&b, IPSEC_ATTR_AUTHENTICATION_ALGORITHM, AUTH_HMAC_SHA1);
	proto_put_transform(&b, 2, ESP_AES_CBC);
	proto_put_attr(&b, IPSEC_ATTR_KEY_LENGTH, 256);
	CHECK_EQ_INT(proto_builder_finish(&b), 72);
	CHECK_EQ_INT(b.first_np, ISAKMP_PL_SA);
	CHECK_MEM(out, body, 72);
}

/* Other payloads, laid out from their RFC diagrams, each decoded and re-encoded. */
static const char vec_misc[] =
	/* RFC 2407 §4.6.2.1 ID: next N(11), length 16, IPV4_ADDR_SUBNET, UDP, port 500,
	 * 198.51.100.0/255.255.255.0 */
	"0b 00 0010 04 11 01f4 c6336400 ffffff00"
	/* RFC 2408 §3.14 N: next D(12), length 16, DOI 1, proto ESP, SPI size 4, REPLAY-STATUS
	 * (24577 = 0x6001), SPI 01020304, data 00000001 */
	"0c 00 0014 00000001 03 04 6001 01020304 00000001"
	/* RFC 2408 §3.15 D: next NAT-OA(21), length 20, DOI 1, AH, SPI size 4, 2 SPIs */
	"15 00 0014 00000001 02 04 0002 aaaaaaaa bbbbbbbb"
	/* RFC 3947 §5.2 NAT-OA: next ATTR(14), length 24, IPV6_ADDR, reserved, 2001:db8::1 */
	"0e 00 0018 05 000000 20010db8000000000000000000000001"
	/* mode-cfg §3.2 ATTR: next FRAG(132), length 16, SET, reserved, id 0x0102; IP4_ADDRESS TLV
	 * 192.0.2.7 (type 1, length 4) */
	"84 00 0010 03 00 0102 0001 0004 c0000207"
	/* Cisco fragment: last payload, length 12, id 0x0007, number 3, LAST, 4 data bytes */
	"00 00 000c 0007 03 01 deadbeef";

static void test_vector_misc(void)
{
	uint8_t body[256], out[256];
	int n = test_unhex(vec_misc, body, sizeof(body));
	CHECK_EQ_INT(n, 16 + 20 + 20 + 24 + 16 + 12);
	CHECK_EQ_INT(proto_decode_payloads(ISAKMP_PL_ID, body, (size_t)n, 0, &msg), PROTO_OK);
	CHECK_EQ_INT(msg.n, 6);
	struct proto_id_net net;
	CHECK(proto_id_to_net(&msg.pl[0].u.id, &net) == PROTO_OK && net.prefix == 24 &&
	      msg.pl[0].u.id.port == 500 && msg.pl[0].u.id.protocol == 17);
	CHECK(msg.pl[1].u.n.type == ISAKMP_N_REPLAY_STATUS && msg.pl[1].u.n.spi.len == 4 &&
	      msg.pl[1].u.n.data.len == 4 && msg.pl[1].u.n.protocol == PROTO_IPSEC_ESP);
	CHECK(msg.pl[2].u.d.protocol == PROTO_IPSEC_AH && msg.pl[2].u.d.count == 2 &&
	      proto_delete_spi(&msg.pl[2].u.d, 1)[0] == 0xbb);
	CHECK(msg.pl[3].u.nat_oa.family == AF_INET6 && msg.pl[3].u.nat_oa.addr[15] == 1);
	CHECK(msg.pl[4].u.cfg.type == CFG_SET && msg.pl[4].u.cfg.identifier == 0x102);
	CHECK(msg.pl[5].u.frag.number == 3 && msg.pl[5].u.frag.id == 7 &&
	      msg.pl[5].u.frag.flags == PROTO_FRAG_FLAG_LAST && msg.pl[5].u.frag.data.len == 4);

	struct proto_builder b;
	static const uint8_t sub[8] = {198, 51, 100, 0, 255, 255, 255, 0};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	proto_builder_init(&b, out, sizeof(out));
	proto_put_id(&b, ID_IPV4_ADDR_SUBNET, 17, 500, sub, 8);
	proto_put_notify(&b, 1, PROTO_IPSEC_ESP, ISAKMP_N_REPLAY_STATUS, "\x01\x02\x03\x04", 4,
			 "\x00\x00\x00\x01", 4);
	proto_put_delete(&b, 1, PROTO_IPSEC_AH, 4, "\xaa\xaa\xaa\xaa\xbb\xbb\xbb\xbb", 2);
	proto_put_nat_oa(&b, ISAKMP_PL_NAT_OA, AF_INET6, v6);
	proto_put_cfg(&b, CFG_SET, 0x102);
	proto_put_attr(&b, CFG_INTERNAL_IP4_ADDRESS, 0xc0000207);
	proto_put_frag(&b, 7, 3, true, "\xde\xad\xbe\xef", 4);
	CHECK_EQ_INT(proto_builder_finish(&b), (size_t)n);
	CHECK_MEM(out, body, (size_t)n);
}

/* One payload of a given type (generic reserved byte res) around hex body bytes. */
static enum proto_err one(uint8_t type, uint8_t res, const char *hex)
{
	uint8_t body[512], out[600];
	struct proto_builder b;
	int n = test_unhex(hex, body, sizeof(body));
	if (n < 0) {
		fprintf(stderr, "bad hex %s\n", hex);
		return PROTO_E__MAX;
	}
	proto_builder_init(&b, out, sizeof(out));
	proto_put_raw(&b, type, res, body, (size_t)n);
	size_t len = proto_builder_finish(&b);
	return proto_decode_payloads(b.first_np, out, len, 0, &msg);
}

#define SA_HDR		      "00000001 00000001"
#define ESP_PROP(np, len, nt) np " 00 00" len " 01 03 04 " nt " c001d00d"
#define XF(np, len)	      np " 00 00" len " 01 0c 0000"
static const char sa_ok[] = SA_HDR ESP_PROP("00", "18", "01") XF("00", "0c") "8004 0001";

struct bad_case {
	const char *what;
	uint8_t type;
	uint8_t res;
	const char *hex;
	enum proto_err err;
	uint16_t notify;
};

static const struct bad_case bad_cases[] = {
	{"SA ok", ISAKMP_PL_SA, 0, sa_ok, PROTO_OK, 0},
	{"unknown non-critical skipped", 99, 0, "01020304", PROTO_OK, 0},
	{"unknown critical", 99, PROTO_CRITICAL, "01020304", PROTO_E_PAYLOAD_TYPE,
	 ISAKMP_N_INVALID_PAYLOAD_TYPE},
	{"top-level proposal", ISAKMP_PL_P, 0, "01010001", PROTO_E_PAYLOAD_TYPE,
	 ISAKMP_N_INVALID_PAYLOAD_TYPE},
	{"reserved bits", ISAKMP_PL_VID, 0x01, "01020304", PROTO_E_RESERVED,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"SA DOI", ISAKMP_PL_SA, 0,
	 "00000002 00000001" ESP_PROP("00", "18", "01") XF("00", "0c") "8004 0001", PROTO_E_DOI,
	 ISAKMP_N_DOI_NOT_SUPPORTED},
	{"SA situation", ISAKMP_PL_SA, 0,
	 "00000001 00000002" ESP_PROP("00", "18", "01") XF("00", "0c") "8004 0001",
	 PROTO_E_SITUATION, ISAKMP_N_SITUATION_NOT_SUPPORTED},
	{"SA short", ISAKMP_PL_SA, 0, "00000001", PROTO_E_LENGTH, ISAKMP_N_PAYLOAD_MALFORMED},
	{"SA no proposal", ISAKMP_PL_SA, 0, SA_HDR, PROTO_E_PROPOSAL, ISAKMP_N_BAD_PROPOSAL_SYNTAX},
	{"proposal next payload", ISAKMP_PL_SA, 0,
	 SA_HDR ESP_PROP("05", "18", "01") XF("00", "0c") "8004 0001", PROTO_E_PROPOSAL,
	 ISAKMP_N_BAD_PROPOSAL_SYNTAX},
	{"proposal says more, none", ISAKMP_PL_SA, 0,
	 SA_HDR ESP_PROP("02", "18", "01") XF("00", "0c") "8004 0001", PROTO_E_PROPOSAL,
	 ISAKMP_N_BAD_PROPOSAL_SYNTAX},
	{"proposal reserved", ISAKMP_PL_SA, 0,
	 SA_HDR "00 01 0018 01 03 04 01 c001d00d" XF("00", "0c") "8004 0001", PROTO_E_RESERVED,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"proposal overruns SA", ISAKMP_PL_SA, 0,
	 SA_HDR ESP_PROP("00", "19", "01") XF("00", "0c") "8004 0001", PROTO_E_OVERRUN,
	 ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS},
	{"proposal short of SA", ISAKMP_PL_SA, 0,
	 SA_HDR ESP_PROP("00", "18", "01") XF("00", "0c") "8004 0001 00", PROTO_E_UNEQUAL,
	 ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS},
	{"proposal length < 8", ISAKMP_PL_SA, 0, SA_HDR "00 00 0006 0103", PROTO_E_LENGTH,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"transform count", ISAKMP_PL_SA, 0,
	 SA_HDR ESP_PROP("00", "18", "02") XF("00", "0c") "8004 0001", PROTO_E_PROPOSAL,
	 ISAKMP_N_BAD_PROPOSAL_SYNTAX},
	{"ESP SPI size 3", ISAKMP_PL_SA, 0,
	 SA_HDR "00 00 0017 01 03 03 01 c001d0" XF("00", "0c") "8004 0001", PROTO_E_SPI,
	 ISAKMP_N_INVALID_SPI},
	{"ISAKMP SPI size 4", ISAKMP_PL_SA, 0,
	 SA_HDR "00 00 0018 01 01 04 01 c001d00d" XF("00", "0c") "8004 0001", PROTO_E_SPI,
	 ISAKMP_N_INVALID_SPI},
	{"protocol 9", ISAKMP_PL_SA, 0,
	 SA_HDR "00 00 0018 01 09 04 01 c001d00d" XF("00", "0c") "8004 0001", PROTO_E_PROTOCOL_ID,
	 ISAKMP_N_INVALID_PROTOCOL_ID},
	{"SPI overruns proposal", ISAKMP_PL_SA, 0, SA_HDR "00 00 000c 01 03 10 01 c001d00d",
	 PROTO_E_OVERRUN, ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS},
	{"transform reserved", ISAKMP_PL_SA, 0,
	 SA_HDR ESP_PROP("00", "18", "01") "00 00 000c 01 0c 0001 8004 0001", PROTO_E_RESERVED,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"transform next payload", ISAKMP_PL_SA, 0,
	 SA_HDR ESP_PROP("00", "18", "01") XF("02", "0c") "8004 0001", PROTO_E_PROPOSAL,
	 ISAKMP_N_BAD_PROPOSAL_SYNTAX},
	{"attribute overrun", ISAKMP_PL_SA, 0,
	 SA_HDR ESP_PROP("00", "18", "01") XF("00", "0c") "0004 0008", PROTO_E_ATTR,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"attribute truncated", ISAKMP_PL_SA, 0,
	 SA_HDR ESP_PROP("00", "16", "01") XF("00", "0a") "8004", PROTO_E_ATTR,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"proposal numbers decrease", ISAKMP_PL_SA, 0,
	 SA_HDR "02 00 0018 02 03 04 01 c001d00d" XF("00", "0c") "8004 0001" ESP_PROP(
		 "00", "18", "01") XF("00", "0c") "8004 0001",
	 PROTO_E_PROPOSAL, ISAKMP_N_BAD_PROPOSAL_SYNTAX},
	{"KE empty", ISAKMP_PL_KE, 0, "", PROTO_E_KE, ISAKMP_N_INVALID_KEY_INFORMATION},
	{"HASH empty", ISAKMP_PL_HASH, 0, "", PROTO_E_HASH, ISAKMP_N_INVALID_HASH_INFORMATION},
	{"SIG empty", ISAKMP_PL_SIG, 0, "", PROTO_E_SIG, ISAKMP_N_INVALID_SIGNATURE},
	{"CERT empty", ISAKMP_PL_CERT, 0, "04", PROTO_E_CERT, ISAKMP_N_INVALID_CERT_ENCODING},
	{"CR any CA", ISAKMP_PL_CR, 0, "04", PROTO_OK, 0},
	{"CR without encoding", ISAKMP_PL_CR, 0, "", PROTO_E_LENGTH, ISAKMP_N_PAYLOAD_MALFORMED},
	{"NONCE 7", ISAKMP_PL_NONCE, 0, "01020304050607", PROTO_E_NONCE,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"NONCE 8", ISAKMP_PL_NONCE, 0, "0102030405060708", PROTO_OK, 0},
	{"ID IPv4 5 bytes", ISAKMP_PL_ID, 0, "01 00 0000 c000020101", PROTO_E_ID,
	 ISAKMP_N_INVALID_ID_INFORMATION},
	{"ID type 99", ISAKMP_PL_ID, 0, "63 00 0000 c0000201", PROTO_E_ID,
	 ISAKMP_N_INVALID_ID_INFORMATION},
	{"ID FQDN empty", ISAKMP_PL_ID, 0, "02 00 0000", PROTO_E_ID,
	 ISAKMP_N_INVALID_ID_INFORMATION},
	{"ID short", ISAKMP_PL_ID, 0, "01 00 00", PROTO_E_LENGTH, ISAKMP_N_PAYLOAD_MALFORMED},
	{"ID mask not contiguous", ISAKMP_PL_ID, 0, "04 00 0000 c0000200 ffff00ff", PROTO_E_ID,
	 ISAKMP_N_INVALID_ID_INFORMATION},
	{"ID range reversed", ISAKMP_PL_ID, 0, "07 00 0000 c0000214 c000020a", PROTO_E_ID,
	 ISAKMP_N_INVALID_ID_INFORMATION},
	{"ID v6 subnet 31 bytes", ISAKMP_PL_ID, 0,
	 "06 00 0000 20010db8000000000000000000000000 ffffffffffffffffffffffffffffff", PROTO_E_ID,
	 ISAKMP_N_INVALID_ID_INFORMATION},
	{"N SPI overrun", ISAKMP_PL_N, 0, "00000001 03 08 6001 01020304", PROTO_E_OVERRUN,
	 ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS},
	{"N DOI", ISAKMP_PL_N, 0, "00000007 03 00 6001", PROTO_E_DOI, ISAKMP_N_DOI_NOT_SUPPORTED},
	{"D count*size", ISAKMP_PL_D, 0, "00000001 03 04 0002 01020304", PROTO_E_UNEQUAL,
	 ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS},
	{"D count 0", ISAKMP_PL_D, 0, "00000001 03 04 0000", PROTO_E_MALFORMED,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"D ESP SPI size 3", ISAKMP_PL_D, 0, "00000001 03 03 0001 010203", PROTO_E_SPI,
	 ISAKMP_N_INVALID_SPI},
	{"D protocol 7", ISAKMP_PL_D, 0, "00000001 07 04 0001 01020304", PROTO_E_PROTOCOL_ID,
	 ISAKMP_N_INVALID_PROTOCOL_ID},
	{"ATTR reserved", ISAKMP_PL_ATTR, 0, "01 01 0000", PROTO_E_RESERVED,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"ATTR type 9", ISAKMP_PL_ATTR, 0, "09 00 0000", PROTO_E_MALFORMED,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"ATTR attribute overrun", ISAKMP_PL_ATTR, 0, "01 00 0000 0001 0004 c000", PROTO_E_ATTR,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"NAT-OA type FQDN", ISAKMP_PL_NAT_OA, 0, "02 000000 c0000201", PROTO_E_ID,
	 ISAKMP_N_INVALID_ID_INFORMATION},
	{"NAT-OA reserved", ISAKMP_PL_NAT_OA, 0, "01 000100 c0000201", PROTO_E_RESERVED,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"NAT-OA v4 with 16 bytes", ISAKMP_PL_NAT_OA, 0,
	 "01 000000 20010db8000000000000000000000001", PROTO_E_ID, ISAKMP_N_INVALID_ID_INFORMATION},
	{"NAT-D empty", ISAKMP_PL_NAT_D, 0, "", PROTO_E_LENGTH, ISAKMP_N_PAYLOAD_MALFORMED},
	{"VID empty", ISAKMP_PL_VID, 0, "", PROTO_E_LENGTH, ISAKMP_N_PAYLOAD_MALFORMED},
	{"FRAG number 0", ISAKMP_PL_FRAG, 0, "0001 00 00 aa", PROTO_E_MALFORMED,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"FRAG flags", ISAKMP_PL_FRAG, 0, "0001 01 02 aa", PROTO_E_RESERVED,
	 ISAKMP_N_PAYLOAD_MALFORMED},
	{"FRAG no data", ISAKMP_PL_FRAG, 0, "0001 01 01", PROTO_E_LENGTH,
	 ISAKMP_N_PAYLOAD_MALFORMED},
};

static void test_payload_errors(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		enum proto_err e = one(c->type, c->res, c->hex);
		if (!CHECK_EQ_INT(e, c->err))
			fprintf(stderr, "  case '%s': got %s\n", c->what, proto_err_str(e));
		CHECK_EQ_INT(proto_err_notify(e), c->notify);
		CHECK_EQ_INT(msg.err, e);
		if (e != PROTO_OK) {
			CHECK(msg.err_offset < 600);
			CHECK_EQ_INT(msg.n, 0);
		}
	}
	/* the skipped unknown payload is recorded but not "known" */
	CHECK_EQ_INT(one(99, 0, "01020304"), PROTO_OK);
	CHECK(msg.n == 1 && !msg.pl[0].known && msg.pl[0].u.data.len == 4);
	/* error offsets point at the field: transform reserved is at body 4 + SA 8 + prop 12 + 6 */
	CHECK_EQ_INT(one(ISAKMP_PL_SA, 0, bad_cases[20].hex), PROTO_E_RESERVED);
	CHECK_EQ_INT(msg.err_offset, 4 + 8 + 12 + 6);
	/* every error has a description and a notify */
	for (int e = PROTO_OK + 1; e < PROTO_E__MAX; e++) {
		CHECK(proto_err_str((enum proto_err)e)[0] != '\0');
		CHECK(proto_err_notify((enum proto_err)e) != 0);
	}
	CHECK(strcmp(proto_err_str(PROTO_E__MAX), "unknown error") == 0);
}

/*
 * Plaintext alignment padding (Libreswan ikepad=yes): 1..3 zero bytes after the last payload
 * are accepted and counted; 4 zero bytes, or a non-zero byte among 1..3, are UNEQUAL at the
 * offset where the payloads end. buf holds the body of h (body bytes) followed by 7 zero bytes.
 */
static void test_alignment_padding(const struct proto_header *h, uint8_t *buf, size_t body)
{
	for (size_t pad = 1; pad <= 3; pad++) {
		CHECK_EQ_INT(proto_decode_payloads(h->next_payload, buf, body + pad, 0, &msg),
			     PROTO_OK);
		CHECK_EQ_INT(msg.padding, pad);
		CHECK_EQ_INT(msg.n, 3);
	}
	CHECK_EQ_INT(proto_decode_payloads(h->next_payload, buf, body + 4, 0, &msg),
		     PROTO_E_UNEQUAL);
	CHECK_EQ_INT(msg.err_offset, body);
	for (size_t at = 0; at < 3; at++) {
		buf[body + at] = 0x01;
		CHECK_EQ_INT(proto_decode_payloads(h->next_payload, buf, body + 3, 0, &msg),
			     PROTO_E_UNEQUAL);
		CHECK_EQ_INT(msg.err_offset, body);
		buf[body + at] = 0;
	}
	/* a padded Aggressive Mode first message as pluto sends it (ID "@abc": 7 bytes of
	 * payload data, so 1 byte of padding), through the header check and the chain walker */
	uint8_t am[256];
	struct proto_builder b;
	proto_builder_init(&b, am, sizeof(am));
	struct proto_header ah = {.icookie = {1, 2, 3, 4, 5, 6, 7, 8},
				  .major = 1,
				  .exchange = ISAKMP_XCHG_AGGRESSIVE};
	proto_put_header(&b, &ah);
	proto_put_id(&b, ID_FQDN, 0, 0, "abc", 3);
	size_t len = proto_builder_finish(&b);
	CHECK(len % 4 == 3);
	am[len] = 0;
	CHECK(proto_builder_set_length(&b, len + 1));
	struct proto_header got;
	CHECK_EQ_INT(proto_decode_header(am, len + 1, &got, NULL), PROTO_OK);
	CHECK_EQ_INT(got.length, len + 1);
	CHECK_EQ_INT(got.trailing, 0);
	CHECK_EQ_INT(proto_decode_payloads(got.next_payload, am + PROTO_HDR_LEN,
					   got.length - PROTO_HDR_LEN, 0, &msg),
		     PROTO_OK);
	CHECK_EQ_INT(msg.padding, 1);
	CHECK(msg.n == 1 && msg.pl[0].u.id.data.len == 3);
}

static void set_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void test_header_errors(void)
{
	const struct sample *s = sample("mm5");
	uint8_t buf[SAMPLE_BUF + 8];
	struct proto_header h;
	size_t off = 99;

#define MUT(stmt, err, notify, at)                                                                 \
	do {                                                                                       \
		memcpy(buf, s->buf, s->len);                                                       \
		stmt;                                                                              \
		CHECK_EQ_INT(proto_decode_header(buf, s->len, &h, &off), err);                     \
		CHECK_EQ_INT(proto_err_notify(err), notify);                                       \
		CHECK_EQ_INT(off, at);                                                             \
	} while (0)
	MUT(buf[17] = 0x20, PROTO_E_MAJOR_VERSION, ISAKMP_N_INVALID_MAJOR_VERSION, 17);
	MUT(buf[17] = 0x11, PROTO_E_MINOR_VERSION, ISAKMP_N_INVALID_MINOR_VERSION, 17);
	MUT(buf[18] = 0, PROTO_E_EXCHANGE_TYPE, ISAKMP_N_INVALID_EXCHANGE_TYPE, 18);
	MUT(buf[18] = 7, PROTO_E_EXCHANGE_TYPE, ISAKMP_N_INVALID_EXCHANGE_TYPE, 18);
	MUT(buf[19] = 0x08, PROTO_E_FLAGS, ISAKMP_N_INVALID_FLAGS, 19);
	MUT(memset(buf, 0, 8), PROTO_E_COOKIE, ISAKMP_N_INVALID_COOKIE, 0);
	MUT(set_u32(buf + 24, (uint32_t)s->len + 1), PROTO_E_HDR_LENGTH,
	    ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS, 24);
	MUT(set_u32(buf + 24, 27), PROTO_E_HDR_LENGTH, ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS, 24);
	MUT(set_u32(buf + 24, 0xffffffff), PROTO_E_HDR_LENGTH, ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS,
	    24);
#undef MUT
	CHECK_EQ_INT(proto_decode_header(s->buf, 27, &h, &off), PROTO_E_SHORT);
	CHECK_EQ_INT(proto_decode_header(NULL, 0, &h, NULL), PROTO_E_SHORT);
	/* exchange 32 (QM) and private 240 are fine */
	memcpy(buf, s->buf, s->len);
	buf[18] = 240;
	CHECK_EQ_INT(proto_decode_header(buf, s->len, &h, NULL), PROTO_OK);

	/* trailing datagram bytes after the header length are ignored and counted */
	memcpy(buf, s->buf, s->len);
	memset(buf + s->len, 0xee, 5);
	CHECK_EQ_INT(proto_decode_header(buf, s->len + 5, &h, NULL), PROTO_OK);
	CHECK_EQ_INT(h.trailing, 5);

	/* payload chain: body longer than the payloads -> UNEQUAL unless padding is allowed */
	CHECK_EQ_INT(decode(s->buf, s->len, &h, 0), PROTO_OK);
	size_t body = s->len - PROTO_HDR_LEN;
	memcpy(buf, s->buf + PROTO_HDR_LEN, body);
	memset(buf + body, 0, 7);
	test_alignment_padding(&h, buf, body);
	CHECK_EQ_INT(proto_decode_payloads(h.next_payload, buf, body + 7, 0, &msg),
		     PROTO_E_UNEQUAL);
	CHECK_EQ_INT(msg.err_offset, body);
	CHECK_EQ_INT(
		proto_decode_payloads(h.next_payload, buf, body + 7, PROTO_DECODE_PADDING, &msg),
		PROTO_OK);
	CHECK_EQ_INT(msg.padding, 7);
	CHECK_EQ_INT(msg.n, 3);
	/* chain overruns: body cut short, then a payload length below 4 */
	CHECK_EQ_INT(proto_decode_payloads(h.next_payload, buf, body - 1, 0, &msg),
		     PROTO_E_OVERRUN);
	CHECK_EQ_INT(msg.n, 2); /* the payloads before stay usable */
	CHECK_EQ_INT(proto_decode_payloads(h.next_payload, buf, 2, 0, &msg), PROTO_E_OVERRUN);
	buf[3] = 3;
	CHECK_EQ_INT(proto_decode_payloads(h.next_payload, buf, body, 0, &msg), PROTO_E_LENGTH);
	CHECK_EQ_INT(proto_err_notify(msg.err), ISAKMP_N_PAYLOAD_MALFORMED);

	/* too many payloads: 65 one-byte VIDs */
	uint8_t many[600];
	struct proto_builder b;
	proto_builder_init(&b, many, sizeof(many));
	for (unsigned i = 0; i <= PROTO_PAYLOADS_MAX; i++)
		proto_put_vid(&b, "v", 1);
	size_t len = proto_builder_finish(&b);
	CHECK_EQ_INT(len, 5 * (PROTO_PAYLOADS_MAX + 1));
	CHECK_EQ_INT(proto_decode_payloads(ISAKMP_PL_VID, many, len, 0, &msg), PROTO_E_TOO_MANY);
	CHECK_EQ_INT(msg.n, PROTO_PAYLOADS_MAX);
	proto_builder_init(&b, many, sizeof(many));
	for (unsigned i = 0; i < PROTO_PAYLOADS_MAX; i++)
		proto_put_vid(&b, "v", 1);
	len = proto_builder_finish(&b);
	CHECK_EQ_INT(proto_decode_payloads(ISAKMP_PL_VID, many, len, 0, &msg), PROTO_OK);
	CHECK_EQ_INT(proto_msg_count(&msg, ISAKMP_PL_VID), PROTO_PAYLOADS_MAX);
}

static void test_limits(void)
{
	uint8_t buf[4096];
	struct proto_builder b;

	/* too many attributes in a transform, too many transforms, too many proposals */
	proto_builder_init(&b, buf, sizeof(buf));
	proto_put_sa(&b, 1, 1);
	proto_put_proposal(&b, 1, PROTO_IPSEC_ESP, "\0\0\0\1", 4);
	proto_put_transform(&b, 1, ESP_AES_CBC);
	for (unsigned i = 0; i <= PROTO_ATTRS_MAX; i++)
		proto_put_attr(&b, IPSEC_ATTR_KEY_LENGTH, 128);
	size_t len = proto_builder_finish(&b);
	CHECK(len > 0);
	CHECK_EQ_INT(proto_decode_payloads(ISAKMP_PL_SA, buf, len, 0, &msg), PROTO_E_TOO_MANY);

	proto_builder_init(&b, buf, sizeof(buf));
	proto_put_sa(&b, 1, 1);
	proto_put_proposal(&b, 1, PROTO_IPSEC_ESP, "\0\0\0\1", 4);
	for (unsigned i = 0; i <= PROTO_TRANSFORMS_MAX; i++)
		proto_put_transform(&b, (uint8_t)i, ESP_AES_CBC);
	len = proto_builder_finish(&b);
	CHECK_EQ_INT(buf[4 + 8 + 7], PROTO_TRANSFORMS_MAX + 1);
	CHECK_EQ_INT(proto_decode_payloads(ISAKMP_PL_SA, buf, len, 0, &msg), PROTO_E_TOO_MANY);

	proto_builder_init(&b, buf, sizeof(buf));
	proto_put_sa(&b, 1, 1);
	for (unsigned i = 0; i <= PROTO_PROPOSALS_MAX; i++) {
		proto_put_proposal(&b, (uint8_t)i, PROTO_IPSEC_ESP, "\0\0\0\1", 4);
		proto_put_transform(&b, 1, ESP_AES_CBC);
	}
	len = proto_builder_finish(&b);
	CHECK_EQ_INT(proto_decode_payloads(ISAKMP_PL_SA, buf, len, 0, &msg), PROTO_E_TOO_MANY);

	/* delete with too many SPIs */
	static uint8_t spis[4 * (PROTO_DELETE_SPIS_MAX + 1)];
	proto_builder_init(&b, buf, sizeof(buf));
	proto_put_delete(&b, 1, PROTO_IPSEC_ESP, 4, spis, PROTO_DELETE_SPIS_MAX + 1);
	len = proto_builder_finish(&b);
	CHECK_EQ_INT(proto_decode_payloads(ISAKMP_PL_D, buf, len, 0, &msg), PROTO_E_TOO_MANY);

	/* builder overflow: marked bad, finish returns 0, nothing written past cap */
	uint8_t small[40];
	memset(small, 0xaa, sizeof(small));
	struct proto_header h = {.major = 1, .exchange = 2, .icookie = {1}};
	proto_builder_init(&b, small, 32);
	proto_put_header(&b, &h);
	proto_put_nonce(&b, "0123456789", 10);
	CHECK(b.bad);
	CHECK_EQ_INT(proto_builder_finish(&b), 0);
	CHECK_EQ_INT(small[32], 0xaa);
	/* misuse: a transform without a proposal, an attribute without a container */
	proto_builder_init(&b, buf, sizeof(buf));
	proto_put_transform(&b, 1, 1);
	CHECK_EQ_INT(proto_builder_finish(&b), 0);
	proto_builder_init(&b, buf, sizeof(buf));
	proto_put_vid(&b, "x", 1);
	proto_put_attr(&b, 1, 1);
	CHECK_EQ_INT(proto_builder_finish(&b), 0);
	/* a payload longer than 65535 bytes */
	static uint8_t huge[70000], src[65532];
	proto_builder_init(&b, huge, sizeof(huge));
	proto_put_ke(&b, src, sizeof(src));
	CHECK_EQ_INT(proto_builder_finish(&b), 0);

	/* set_length after in-place encryption: header length follows */
	proto_builder_init(&b, buf, sizeof(buf));
	proto_put_header(&b, &h);
	proto_put_hash(&b, "0123456789abcdef0123", 20);
	CHECK_EQ_INT(proto_builder_finish(&b), 52);
	CHECK(proto_builder_set_length(&b, 60));
	CHECK(buf[27] == 60 && b.len == 60);
	CHECK(!proto_builder_set_length(&b, sizeof(buf) + 1));
}

static void test_print(void)
{
	struct proto_header h;
	char out[8192];

	decode_sample("mm1", &h);
	size_t n = proto_print(&h, &msg, true, out, sizeof(out));
	CHECK(n > 0 && n < sizeof(out) && strlen(out) == n);
	CHECK(strstr(out, "0123456789abcdef:0000000000000000") != NULL);
	CHECK(strstr(out, "Identity Protection (Main Mode)") != NULL);
	CHECK(strstr(out, "Encryption-Algorithm = 7 (AES-CBC) [TV]") != NULL);
	CHECK(strstr(out, "Life-Duration = 86400 [TLV]") != NULL);
	CHECK(strstr(out, "Life-Duration value(8 bytes)=0000000100000000 [TLV]") != NULL);
	CHECK(strstr(out, "4a131c81070358455c5728f20e95452f") != NULL);

	/* redaction: KE/nonce/NAT-D lengths only; full hex without redact */
	decode_sample("mm3", &h);
	proto_print(&h, &msg, true, out, sizeof(out));
	CHECK(strstr(out, "Nonce (10) len=36 data(32 bytes)\n") != NULL);
	CHECK(strstr(out, "data(256 bytes)\n") != NULL);
	proto_print(&h, &msg, false, out, sizeof(out));
	CHECK(strstr(out, "Nonce (10) len=36 data(32 bytes)=40474e55") != NULL);

	decode_sample("cfg-reply", &h);
	proto_print(&h, &msg, true, out, sizeof(out));
	CHECK(strstr(out, "XAUTH_USER_PASSWORD = <hidden, 6 bytes> [TLV]") != NULL);
	CHECK(strstr(out, "736563726574") == NULL); /* "secret" */
	CHECK(strstr(out, "INTERNAL_IP4_ADDRESS = 198.51.100.10 [TLV]") != NULL);
	proto_print(&h, &msg, false, out, sizeof(out)); /* unredacted: still no password */
	CHECK(strstr(out, "736563726574") == NULL && strstr(out, "secret") == NULL);

	decode_sample("qm1-v6", &h);
	proto_print(&h, &msg, true, out, sizeof(out));
	CHECK(strstr(out, "type=IPV6_ADDR_SUBNET protocol=0 port=0 2001:db8:1:0:0:0:0:0/48") !=
	      NULL);
	CHECK(strstr(out, "-2001:db8:2:0:0:0:0:ff") != NULL);
	CHECK(strstr(out, "transform #1 id=AH_SHA2-256") != NULL);

	decode_sample("info-delete-esp", &h);
	proto_print(&h, &msg, true, out, sizeof(out));
	CHECK(strstr(out, "protocol=PROTO_IPSEC_ESP count=2 spis=c001d00d,c002d00d") != NULL);

	/* every sample prints in both modes; a few fields per payload kind */
	static const struct {
		const char *sample, *want;
	} prints[] = {
		{"mm5",
		 "Identification (5) len=12 type=IPV4_ADDR protocol=17 port=500 192.0.2.1\n"},
		{"mm5", "type=INITIAL-CONTACT spi=0123456789abcdeffedcba9876543210 data(0 bytes)="},
		{"mm6", "type=FQDN protocol=0 port=0 \"responder.example.org\""},
		{"mm5-sig", "encoding=X.509 Certificate - Signature data(324 bytes)\n"},
		{"mm5-sig", "Certificate Request (7) len=5 encoding=X.509 Certificate - Signature "
			    "data(0 bytes)=\n"},
		{"mm5-sig", "Signature (9) len=260 data(256 bytes)\n"},
		{"qm1", "NAT-OA (21) len=12 192.0.2.1\n"},
		{"qm1", "NAT-OA (21) len=24 2001:db8:0:0:0:0:0:1\n"},
		{"qm1", "Encapsulation-Mode = 3 (UDP-Encapsulated-Tunnel) [TV]"},
		{"qm2", "type=IPV4_ADDR_RANGE protocol=6 port=80 203.0.113.10-203.0.113.20"},
		{"qm1-v6", "proposal #1 protocol=PROTO_IPSEC_AH transforms=1 spi=00001001"},
		{"frag2", "Fragment (132) len="},
		{"frag2", " id=66 number=2 last data("},
		{"am3-draft", "NAT-D (draft) (130) len=24 data(20 bytes)\n"},
		{"qm3", "Quick Mode np=Hash flags=-C- msgid=11223344"},
	};
	for (size_t i = 0; i < n_samples; i++) {
		if (samples[i].encrypted)
			continue;
		decode(samples[i].buf, samples[i].len, &h, 0);
		CHECK(proto_print(&h, &msg, false, out, sizeof(out)) < sizeof(out));
		CHECK(proto_print(&h, &msg, true, out, sizeof(out)) < sizeof(out));
		for (size_t k = 0; k < sizeof(prints) / sizeof(prints[0]); k++)
			if (strcmp(prints[k].sample, samples[i].name) == 0 &&
			    !CHECK(strstr(out, prints[k].want) != NULL))
				fprintf(stderr, "  %s: no \"%s\" in:\n%s", samples[i].name,
					prints[k].want, out);
	}
	/* unknown skipped payload, padding */
	one(99, 0, "01020304");
	proto_print(NULL, &msg, true, out, sizeof(out));
	CHECK(strstr(out, "UNKNOWN-99 (99) len=8 (skipped)\n") != NULL);
	{
		uint8_t body[16] = {0, 0x80, 0, 5, 0x42, 0, 0, 0};
		CHECK_EQ_INT(
			proto_decode_payloads(ISAKMP_PL_VID, body, 8, PROTO_DECODE_PADDING, &msg),
			PROTO_OK);
		proto_print(NULL, &msg, true, out, sizeof(out));
		CHECK(strstr(out, "Vendor ID (13) len=5 critical data(1 bytes)=42\n  padding 3 "
				  "bytes\n") != NULL);
	}
	decode_sample("info-delete-esp", &h);

	/* truncation: snprintf semantics */
	char tiny[16];
	size_t need = proto_print(&h, &msg, true, tiny, sizeof(tiny));
	CHECK(need > sizeof(tiny) && strlen(tiny) == sizeof(tiny) - 1);
	CHECK_EQ_INT(proto_print(&h, &msg, true, NULL, 0), need);

	/* an error is printed with its notify */
	one(ISAKMP_PL_KE, 0, "");
	proto_print(NULL, &msg, true, out, sizeof(out));
	CHECK(strstr(out, "error at offset 4: empty key exchange data (notify "
			  "INVALID-KEY-INFORMATION)") != NULL);
	FILE *f = fopen("/dev/null", "w");
	if (f) {
		proto_fprint(f, &h, &msg, true);
		fclose(f);
	}
}

int main(void)
{
	n_samples = samples_build(samples, SAMPLES_MAX);
	CHECK(n_samples >= 20);
	/* every plaintext sample decodes, and every payload type appears in at least one */
	bool seen[256] = {false};
	for (size_t i = 0; i < n_samples; i++) {
		struct proto_header h;
		if (samples[i].encrypted)
			continue;
		if (!CHECK_EQ_INT(decode(samples[i].buf, samples[i].len, &h, 0), PROTO_OK))
			fprintf(stderr, "  sample %s: %s at %zu\n", samples[i].name,
				proto_err_str(msg.err), msg.err_offset);
		for (unsigned k = 0; k < msg.n; k++)
			seen[msg.pl[k].type] = true;
	}
	static const uint8_t all[] = {
		ISAKMP_PL_SA,	 ISAKMP_PL_KE,	   ISAKMP_PL_ID,	  ISAKMP_PL_CERT,
		ISAKMP_PL_CR,	 ISAKMP_PL_HASH,   ISAKMP_PL_SIG,	  ISAKMP_PL_NONCE,
		ISAKMP_PL_N,	 ISAKMP_PL_D,	   ISAKMP_PL_VID,	  ISAKMP_PL_ATTR,
		ISAKMP_PL_NAT_D, ISAKMP_PL_NAT_OA, ISAKMP_PL_NAT_D_DRAFT, ISAKMP_PL_NAT_OA_DRAFT,
		ISAKMP_PL_FRAG};
	for (size_t i = 0; i < sizeof(all); i++)
		if (!CHECK(seen[all[i]]))
			fprintf(stderr, "  payload type %u not covered\n", all[i]);
	test_roundtrip_phase1();
	test_roundtrip_phase2();
	test_roundtrip_info();
	test_vector_mm1();
	test_vector_qm_sa();
	test_vector_misc();
	test_payload_errors();
	test_header_errors();
	test_limits();
	test_print();
	return TEST_END();
}
