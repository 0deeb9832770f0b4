// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/unit/proto/samples.h"

#include <string.h>
#include <sys/socket.h>

#include "proto/codec.h"

const uint8_t sample_icookie[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
const uint8_t sample_rcookie[8] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
/* RFC 3947 §3.1: MD5("RFC 3947") */
const uint8_t sample_vid_rfc3947[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
					0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
/* RFC 3706 §5: DPD vendor ID */
static const uint8_t vid_dpd[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
				    0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
const uint8_t sample_del_spis[8] = {0xc0, 0x01, 0xd0, 0x0d, 0xc0, 0x02, 0xd0, 0x0d};

/* DER of the DN "CN=oakley test" (X.690: SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String } } })
 */
const uint8_t sample_dn[24] = {0x30, 0x16, 0x31, 0x14, 0x30, 0x12, 0x06, 0x03,
			       0x55, 0x04, 0x03, 0x0c, 0x0b, 'o',  'a',	 'k',
			       'l',  'e',  'y',	 ' ',  't',  'e',  's',	 't'};

/* A self-signed Ed25519 X.509 certificate for CN=oakley test (generated with openssl for this
 * test). */
const uint8_t sample_cert[324] = {
	0x30, 0x82, 0x01, 0x40, 0x30, 0x81, 0xf3, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x14, 0x24,
	0xdd, 0x2d, 0x3f, 0x2c, 0x0d, 0x5a, 0x52, 0x0a, 0x5f, 0x12, 0xf9, 0x53, 0xb5, 0x6e, 0x40,
	0x7f, 0x86, 0xde, 0xb8, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x30, 0x16, 0x31, 0x14,
	0x30, 0x12, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x0b, 0x6f, 0x61, 0x6b, 0x6c, 0x65, 0x79,
	0x20, 0x74, 0x65, 0x73, 0x74, 0x30, 0x1e, 0x17, 0x0d, 0x32, 0x36, 0x31, 0x31, 0x32, 0x37,
	0x30, 0x33, 0x34, 0x38, 0x34, 0x31, 0x5a, 0x17, 0x0d, 0x33, 0x36, 0x31, 0x31, 0x32, 0x34,
	0x30, 0x33, 0x34, 0x38, 0x34, 0x31, 0x5a, 0x30, 0x16, 0x31, 0x14, 0x30, 0x12, 0x06, 0x03,
	0x55, 0x04, 0x03, 0x0c, 0x0b, 0x6f, 0x61, 0x6b, 0x6c, 0x65, 0x79, 0x20, 0x74, 0x65, 0x73,
	0x74, 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00, 0xde, 0xa8,
	0x3e, 0x90, 0x9a, 0x05, 0xe3, 0x25, 0x75, 0x9f, 0xd5, 0xe8, 0xa2, 0x88, 0x52, 0x0e, 0x10,
	0x64, 0xeb, 0xf5, 0x2d, 0x46, 0x8d, 0x7d, 0x8b, 0x56, 0xed, 0xee, 0x70, 0x02, 0x69, 0x37,
	0xa3, 0x53, 0x30, 0x51, 0x30, 0x1d, 0x06, 0x03, 0x55, 0x1d, 0x0e, 0x04, 0x16, 0x04, 0x14,
	0x44, 0xf7, 0xf9, 0xf5, 0xe8, 0x17, 0x7d, 0x89, 0xd8, 0x49, 0xe4, 0x88, 0xa7, 0xf2, 0x1d,
	0x67, 0x66, 0xfa, 0x15, 0x6f, 0x30, 0x1f, 0x06, 0x03, 0x55, 0x1d, 0x23, 0x04, 0x18, 0x30,
	0x16, 0x80, 0x14, 0x44, 0xf7, 0xf9, 0xf5, 0xe8, 0x17, 0x7d, 0x89, 0xd8, 0x49, 0xe4, 0x88,
	0xa7, 0xf2, 0x1d, 0x67, 0x66, 0xfa, 0x15, 0x6f, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x13,
	0x01, 0x01, 0xff, 0x04, 0x05, 0x30, 0x03, 0x01, 0x01, 0xff, 0x30, 0x05, 0x06, 0x03, 0x2b,
	0x65, 0x70, 0x03, 0x41, 0x00, 0x45, 0xdd, 0x62, 0x06, 0x21, 0x68, 0x15, 0xb2, 0xdb, 0xf3,
	0x55, 0x32, 0xf5, 0x8f, 0xde, 0xc6, 0x17, 0x6b, 0x3c, 0xfc, 0x6e, 0xdb, 0xea, 0xee, 0xad,
	0xef, 0x0d, 0x26, 0x44, 0x0b, 0xca, 0x64, 0x6b, 0xf6, 0x7c, 0x5b, 0xf3, 0xfe, 0xf9, 0xce,
	0x64, 0x6e, 0xfb, 0xb7, 0x85, 0x92, 0xe8, 0x33, 0x62, 0x27, 0x37, 0x1b, 0x1c, 0x04, 0xb1,
	0xc2, 0x9a, 0x66, 0x46, 0xae, 0x3d, 0x88, 0x77, 0x09,
};

static uint8_t filler[512];

static const uint8_t *fill(uint8_t seed, size_t n)
{
	for (size_t i = 0; i < n && i < sizeof(filler); i++)
		filler[i] = (uint8_t)(seed + i * 7);
	return filler;
}

static void begin(struct proto_builder *b, struct sample *s, const char *name, uint8_t exch,
		  uint8_t flags, uint32_t msgid, bool responder_known)
{
	struct proto_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, sample_icookie, 8);
	if (responder_known)
		memcpy(h.rcookie, sample_rcookie, 8);
	h.major = 1;
	h.exchange = exch;
	h.flags = flags;
	h.msgid = msgid;
	s->name = name;
	proto_builder_init(b, s->buf, sizeof(s->buf));
	proto_put_header(b, &h);
}

/* Phase 1 transform: AES-CBC-128, SHA2-256, PSK, modp2048, 28800 s (RFC 2409 Appendix A). */
static void p1_transform(struct proto_builder *b, uint8_t n, uint16_t encr, uint16_t hash,
			 uint32_t life)
{
	proto_put_transform(b, n, KEY_IKE);
	proto_put_attr(b, IKE_ATTR_ENCRYPTION_ALGORITHM, encr);
	if (encr == IKE_ENCR_AES_CBC)
		proto_put_attr(b, IKE_ATTR_KEY_LENGTH, 128);
	proto_put_attr(b, IKE_ATTR_HASH_ALGORITHM, hash);
	proto_put_attr(b, IKE_ATTR_AUTHENTICATION_METHOD, IKE_AUTH_PSK);
	proto_put_attr(b, IKE_ATTR_GROUP_DESCRIPTION, IKE_GROUP_MODP2048);
	proto_put_attr(b, IKE_ATTR_LIFE_TYPE, LIFE_SECONDS);
	proto_put_attr(b, IKE_ATTR_LIFE_DURATION, life);
}

static void p1_sa(struct proto_builder *b, bool offer)
{
	proto_put_sa(b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	proto_put_proposal(b, 1, PROTO_ISAKMP, NULL, 0);
	p1_transform(b, 1, IKE_ENCR_AES_CBC, IKE_HASH_SHA2_256, 28800);
	if (offer) {
		p1_transform(b, 2, IKE_ENCR_3DES_CBC, IKE_HASH_SHA1, 86400);
		/* A long TLV: life duration in 8 bytes (RFC 2408 §3.3 variable length). */
		proto_put_transform(b, 3, KEY_IKE);
		proto_put_attr(b, IKE_ATTR_ENCRYPTION_ALGORITHM, IKE_ENCR_AES_CBC);
		proto_put_attr(b, IKE_ATTR_KEY_LENGTH, 256);
		proto_put_attr(b, IKE_ATTR_HASH_ALGORITHM, IKE_HASH_SHA2_512);
		proto_put_attr(b, IKE_ATTR_AUTHENTICATION_METHOD, IKE_AUTH_RSA_SIG);
		proto_put_attr(b, IKE_ATTR_GROUP_DESCRIPTION, IKE_GROUP_ECP256);
		proto_put_attr(b, IKE_ATTR_LIFE_TYPE, LIFE_SECONDS);
		proto_put_attr(b, IKE_ATTR_LIFE_DURATION, 0x100000000ull);
	}
}

/* Quick mode ESP proposal (RFC 2407 §4.5 attributes). */
static void qm_esp(struct proto_builder *b, uint8_t pn, uint32_t spi, uint16_t encap)
{
	uint8_t s[4] = {(uint8_t)(spi >> 24), (uint8_t)(spi >> 16), (uint8_t)(spi >> 8),
			(uint8_t)spi};
	proto_put_proposal(b, pn, PROTO_IPSEC_ESP, s, 4);
	proto_put_transform(b, 1, ESP_AES_CBC);
	proto_put_attr(b, IPSEC_ATTR_SA_LIFE_TYPE, LIFE_SECONDS);
	proto_put_attr(b, IPSEC_ATTR_SA_LIFE_DURATION, 3600);
	proto_put_attr(b, IPSEC_ATTR_SA_LIFE_TYPE, LIFE_KILOBYTES);
	proto_put_attr(b, IPSEC_ATTR_SA_LIFE_DURATION, 4608000);
	proto_put_attr(b, IPSEC_ATTR_ENCAPSULATION_MODE, encap);
	proto_put_attr(b, IPSEC_ATTR_AUTHENTICATION_ALGORITHM, AUTH_HMAC_SHA2_256);
	proto_put_attr(b, IPSEC_ATTR_KEY_LENGTH, 256);
	proto_put_attr(b, IPSEC_ATTR_GROUP_DESCRIPTION, IKE_GROUP_MODP2048);
	proto_put_transform(b, 2, ESP_3DES);
	proto_put_attr(b, IPSEC_ATTR_ENCAPSULATION_MODE, encap);
	proto_put_attr(b, IPSEC_ATTR_AUTHENTICATION_ALGORITHM, AUTH_HMAC_SHA1);
}

static const uint8_t v4_self[4] = {192, 0, 2, 1};
static const uint8_t v4_subnets[8] = {198, 51, 100, 0, 255, 255, 255, 0};
static const uint8_t v4_subnet2[8] = {203, 0, 113, 0, 255, 255, 255, 128};
static const uint8_t v4_range[8] = {203, 0, 113, 10, 203, 0, 113, 20};
static const uint8_t v6_subnet[32] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 1, [16] = 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t v6_range[32] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1,
				     0x20, 0x01, 0x0d, 0xb8, 0, 2, [31] = 0xff};
static const uint8_t v6_addr[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};

static size_t build_one(struct sample *s, unsigned i)
{
	struct proto_builder b;
	switch (i) {
	case 0: /* MM1: HDR, SA, VID, VID */
		begin(&b, s, "mm1", ISAKMP_XCHG_IDPROT, 0, 0, false);
		p1_sa(&b, true);
		proto_put_vid(&b, sample_vid_rfc3947, 16);
		proto_put_vid(&b, vid_dpd, 16);
		break;
	case 1: /* MM2: HDR, SA, VID */
		begin(&b, s, "mm2", ISAKMP_XCHG_IDPROT, 0, 0, true);
		p1_sa(&b, false);
		proto_put_vid(&b, sample_vid_rfc3947, 16);
		break;
	case 2: /* MM3: HDR, KE, Ni, NAT-D, NAT-D */
	case 3: /* MM4: HDR, KE, Nr, NAT-D, NAT-D */
		begin(&b, s, i == 2 ? "mm3" : "mm4", ISAKMP_XCHG_IDPROT, 0, 0, true);
		proto_put_ke(&b, fill((uint8_t)i, 256), 256);
		proto_put_nonce(&b, fill(0x40, 32), 32);
		proto_put_nat_d(&b, ISAKMP_PL_NAT_D, fill(0x50, 32), 32);
		proto_put_nat_d(&b, ISAKMP_PL_NAT_D, fill(0x60, 32), 32);
		break;
	case 4: /* MM5 (plaintext layout): HDR*, IDii, HASH_I, N(INITIAL-CONTACT) */
		begin(&b, s, "mm5", ISAKMP_XCHG_IDPROT, 0, 0, true);
		proto_put_id(&b, ID_IPV4_ADDR, 17, 500, v4_self, 4);
		proto_put_hash(&b, fill(0x70, 32), 32);
		{
			uint8_t spi[16];
			memcpy(spi, sample_icookie, 8);
			memcpy(spi + 8, sample_rcookie, 8);
			proto_put_notify(&b, ISAKMP_DOI_IPSEC, PROTO_ISAKMP,
					 ISAKMP_N_INITIAL_CONTACT, spi, 16, NULL, 0);
		}
		break;
	case 5: /* MM6: HDR*, IDir, HASH_R */
		begin(&b, s, "mm6", ISAKMP_XCHG_IDPROT, 0, 0, true);
		proto_put_id(&b, ID_FQDN, 0, 0, "responder.example.org", 21);
		proto_put_hash(&b, fill(0x71, 32), 32);
		break;
	case 6: /* MM5 with signatures: HDR*, IDii, CERT, CR, SIG_I */
		begin(&b, s, "mm5-sig", ISAKMP_XCHG_IDPROT, 0, 0, true);
		proto_put_id(&b, ID_DER_ASN1_DN, 0, 0, sample_dn, sizeof(sample_dn));
		proto_put_cert(&b, CERT_X509_SIG, sample_cert, sizeof(sample_cert));
		proto_put_cr(&b, CERT_X509_SIG, NULL, 0);
		proto_put_sig(&b, fill(0x90, 256), 256);
		break;
	case 7: /* AM1: HDR, SA, KE, Ni, IDii, VID */
		begin(&b, s, "am1", ISAKMP_XCHG_AGGRESSIVE, 0, 0, false);
		p1_sa(&b, false);
		proto_put_ke(&b, fill(0x11, 128), 128);
		proto_put_nonce(&b, fill(0x22, 16), 16);
		proto_put_id(&b, ID_USER_FQDN, 0, 0, "alice@example.org", 17);
		proto_put_vid(&b, sample_vid_rfc3947, 16);
		break;
	case 8: /* AM2: HDR, SA, KE, Nr, IDir, NAT-D, NAT-D, HASH_R */
		begin(&b, s, "am2", ISAKMP_XCHG_AGGRESSIVE, 0, 0, true);
		p1_sa(&b, false);
		proto_put_ke(&b, fill(0x12, 128), 128);
		proto_put_nonce(&b, fill(0x23, 16), 16);
		proto_put_id(&b, ID_IPV6_ADDR, 17, 500, v6_addr, 16);
		proto_put_nat_d(&b, ISAKMP_PL_NAT_D, fill(0x51, 20), 20);
		proto_put_nat_d(&b, ISAKMP_PL_NAT_D, fill(0x61, 20), 20);
		proto_put_hash(&b, fill(0x72, 20), 20);
		break;
	case 9: /* AM3 with draft NAT-T numbers: HDR, NAT-D(130), NAT-D(130), HASH_I */
		begin(&b, s, "am3-draft", ISAKMP_XCHG_AGGRESSIVE, 0, 0, true);
		proto_put_nat_d(&b, ISAKMP_PL_NAT_D_DRAFT, fill(0x52, 20), 20);
		proto_put_nat_d(&b, ISAKMP_PL_NAT_D_DRAFT, fill(0x62, 20), 20);
		proto_put_hash(&b, fill(0x73, 20), 20);
		break;
	case 10: /* QM1: HDR*, HASH(1), SA, Ni, KE, IDci, IDcr, NAT-OAi, NAT-OAr */
		begin(&b, s, "qm1", ISAKMP_XCHG_QUICK, 0, 0x11223344, true);
		proto_put_hash(&b, fill(0x74, 32), 32);
		proto_put_sa(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
		qm_esp(&b, 1, 0xc001d00d, ENCAP_UDP_TUNNEL);
		proto_put_nonce(&b, fill(0x24, 32), 32);
		proto_put_ke(&b, fill(0x13, 256), 256);
		proto_put_id(&b, ID_IPV4_ADDR_SUBNET, 0, 0, v4_subnets, 8);
		proto_put_id(&b, ID_IPV4_ADDR_SUBNET, 0, 0, v4_subnet2, 8);
		proto_put_nat_oa(&b, ISAKMP_PL_NAT_OA, AF_INET, v4_self);
		proto_put_nat_oa(&b, ISAKMP_PL_NAT_OA, AF_INET6, v6_addr);
		s->nat_t = true;
		break;
	case 11: /* QM1 IPv6, AH+ESP bundle: HDR*, HASH(1), SA, Ni, IDci, IDcr */
		begin(&b, s, "qm1-v6", ISAKMP_XCHG_QUICK, 0, 0x55667788, true);
		proto_put_hash(&b, fill(0x75, 32), 32);
		proto_put_sa(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
		proto_put_proposal(&b, 1, PROTO_IPSEC_AH, "\x00\x00\x10\x01", 4);
		proto_put_transform(&b, 1, AH_SHA2_256);
		proto_put_attr(&b, IPSEC_ATTR_ENCAPSULATION_MODE, ENCAP_TUNNEL);
		proto_put_attr(&b, IPSEC_ATTR_AUTHENTICATION_ALGORITHM, AUTH_HMAC_SHA2_256);
		qm_esp(&b, 1, 0x00001002, ENCAP_TUNNEL);
		proto_put_nonce(&b, fill(0x25, 32), 32);
		proto_put_id(&b, ID_IPV6_ADDR_SUBNET, 0, 0, v6_subnet, 32);
		proto_put_id(&b, ID_IPV6_ADDR_RANGE, 0, 0, v6_range, 32);
		break;
	case 12: /* QM2: HDR*, HASH(2), SA (IPCOMP + ESP transport), Nr, IDci, IDcr */
		begin(&b, s, "qm2", ISAKMP_XCHG_QUICK, 0, 0x11223344, true);
		proto_put_hash(&b, fill(0x76, 32), 32);
		proto_put_sa(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
		proto_put_proposal(&b, 1, PROTO_IPCOMP, "\x12\x34", 2);
		proto_put_transform(&b, 1, IPCOMP_DEFLATE);
		proto_put_attr(&b, IPSEC_ATTR_ENCAPSULATION_MODE, ENCAP_TRANSPORT);
		qm_esp(&b, 1, 0xdeadbeef, ENCAP_TRANSPORT);
		proto_put_nonce(&b, fill(0x26, 32), 32);
		proto_put_id(&b, ID_IPV4_ADDR_RANGE, 6, 80, v4_range, 8);
		proto_put_id(&b, ID_IPV4_ADDR, 6, 0, v4_self, 4);
		break;
	case 13: /* QM3: HDR*, HASH(3), with the commit bit */
		begin(&b, s, "qm3", ISAKMP_XCHG_QUICK, ISAKMP_FLAG_C, 0x11223344, true);
		proto_put_hash(&b, fill(0x77, 32), 32);
		break;
	case 14: /* Informational DPD (RFC 3706 §5): HDR*, HASH, N(R-U-THERE, seqno) */
		begin(&b, s, "info-dpd", ISAKMP_XCHG_INFO, 0, 0x0badcafe, true);
		proto_put_hash(&b, fill(0x78, 32), 32);
		{
			uint8_t spi[16], seq[4] = {0, 0, 0x12, 0x34};
			memcpy(spi, sample_icookie, 8);
			memcpy(spi + 8, sample_rcookie, 8);
			proto_put_notify(&b, ISAKMP_DOI_IPSEC, PROTO_ISAKMP, ISAKMP_N_R_U_THERE,
					 spi, 16, seq, 4);
		}
		break;
	case 15: /* Informational Delete of two ESP SAs: HDR*, HASH, D */
		begin(&b, s, "info-delete-esp", ISAKMP_XCHG_INFO, 0, 0x0badcaff, true);
		proto_put_hash(&b, fill(0x79, 32), 32);
		proto_put_delete(&b, ISAKMP_DOI_IPSEC, PROTO_IPSEC_ESP, 4, sample_del_spis, 2);
		break;
	case 16: /* Informational Delete of the ISAKMP SA: HDR*, HASH, D (SPI = cookies) */
		begin(&b, s, "info-delete-isakmp", ISAKMP_XCHG_INFO, 0, 0x0badcb00, true);
		proto_put_hash(&b, fill(0x7a, 20), 20);
		{
			uint8_t spi[16];
			memcpy(spi, sample_icookie, 8);
			memcpy(spi + 8, sample_rcookie, 8);
			proto_put_delete(&b, ISAKMP_DOI_IPSEC, PROTO_ISAKMP, 16, spi, 1);
		}
		break;
	case 17: /* Unprotected error notify: HDR, N(NO-PROPOSAL-CHOSEN) */
		begin(&b, s, "info-error", ISAKMP_XCHG_INFO, 0, 0, true);
		proto_put_notify(&b, ISAKMP_DOI_IPSEC, PROTO_ISAKMP, ISAKMP_N_NO_PROPOSAL_CHOSEN,
				 NULL, 0, NULL, 0);
		break;
	case 18: /* Transaction request: HDR*, HASH, ATTR(REQUEST) */
		begin(&b, s, "cfg-request", ISAKMP_XCHG_TRANSACTION, 0, 0x01020304, true);
		proto_put_hash(&b, fill(0x7b, 32), 32);
		proto_put_cfg(&b, CFG_REQUEST, 7);
		proto_put_attr_tlv(&b, CFG_INTERNAL_IP4_ADDRESS, NULL, 0);
		proto_put_attr_tlv(&b, CFG_INTERNAL_IP4_DNS, NULL, 0);
		proto_put_attr_tlv(&b, CFG_INTERNAL_IP6_ADDRESS, NULL, 0);
		proto_put_attr_tv(&b, XAUTH_TYPE, 0);
		proto_put_attr_tlv(&b, XAUTH_USER_NAME, "alice", 5);
		break;
	case 19: /* Transaction reply: HDR*, HASH, ATTR(REPLY) with IPv4 and IPv6 addresses */
		begin(&b, s, "cfg-reply", ISAKMP_XCHG_TRANSACTION, 0, 0x01020304, true);
		proto_put_hash(&b, fill(0x7c, 32), 32);
		proto_put_cfg(&b, CFG_REPLY, 7);
		proto_put_attr_tlv(&b, CFG_INTERNAL_IP4_ADDRESS, "\xc6\x33\x64\x0a", 4);
		proto_put_attr_tlv(&b, CFG_INTERNAL_IP4_NETMASK, "\xff\xff\xff\x00", 4);
		{
			uint8_t a6[17];
			memcpy(a6, v6_addr, 16);
			a6[16] = 64;
			proto_put_attr_tlv(&b, CFG_INTERNAL_IP6_ADDRESS, a6, 17);
		}
		proto_put_attr_tlv(&b, XAUTH_USER_PASSWORD, "secret", 6);
		break;
	case 20: /* Cisco fragment 1 of 2: HDR, FRAG, carrying the first half of an MM5 */
	case 21: /* fragment 2 of 2, LAST */
	{
		struct sample whole;
		size_t len = build_one(&whole, 4), half = len / 2;
		begin(&b, s, i == 20 ? "frag1" : "frag2", ISAKMP_XCHG_IDPROT, 0, 0, true);
		proto_put_frag(&b, 0x0042, (uint8_t)(i - 19), i == 21,
			       i == 20 ? whole.buf : whole.buf + half, i == 20 ? half : len - half);
		s->nat_t = i == 21;
		break;
	}
	case 22: /* NAT-T draft numbers in QM: HDR*, HASH, SA, Ni, NAT-OA(131) */
		begin(&b, s, "qm1-draft-natoa", ISAKMP_XCHG_QUICK, 0, 0x99aabbcc, true);
		proto_put_hash(&b, fill(0x7d, 32), 32);
		proto_put_sa(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
		qm_esp(&b, 1, 0x0000beef, ENCAP_UDP_TUNNEL_DRAFT);
		proto_put_nonce(&b, fill(0x27, 32), 32);
		proto_put_nat_oa(&b, ISAKMP_PL_NAT_OA_DRAFT, AF_INET, v4_self);
		s->nat_t = true;
		break;
	case 23: /* An encrypted MM5 (opaque body, E flag) */
		begin(&b, s, "mm5-encrypted", ISAKMP_XCHG_IDPROT, ISAKMP_FLAG_E, 0, true);
		proto_put_id(&b, ID_IPV4_ADDR, 17, 500, v4_self, 4);
		proto_put_hash(&b, fill(0x70, 32), 32);
		{
			size_t end = proto_builder_finish(&b);
			size_t body = proto_builder_body_offset(&b);
			size_t padded = end + 16 - (end - body) % 16;
			for (size_t k = body; k < padded && k < sizeof(s->buf); k++)
				s->buf[k] = (uint8_t)(k * 31 + 7);
			s->encrypted = true;
			return proto_builder_set_length(&b, padded) ? padded : 0;
		}
	default:
		return 0;
	}
	return proto_builder_finish(&b);
}

size_t samples_build(struct sample *out, size_t max)
{
	size_t n = 0;
	for (unsigned i = 0; n < max; i++) {
		memset(&out[n], 0, sizeof(out[n]));
		out[n].len = build_one(&out[n], i);
		if (out[n].len == 0)
			return out[n].name ? 0 : n;
		n++;
	}
	return n;
}
