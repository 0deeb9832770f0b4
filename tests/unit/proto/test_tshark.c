// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An independent decoder agrees: every sample message (samples.c, built by our encoder) is written
 * into a classic libpcap file (Ethernet/IPv4/UDP 500, or UDP 4500 with the 4-byte non-ESP marker of
 * RFC 3948 §2.2) by the tiny writer of pcap.c, then dissected by `tshark -r FILE -V -O isakmp`. The
 * test asserts tshark reports no malformed packet or expert error and prints the field values we
 * encoded. SKIP when tshark is missing. Addresses: 192.0.2.1 -> 198.51.100.2 (RFC 5737).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"
#include "tests/unit/proto/pcap.h"
#include "tests/unit/proto/samples.h"

static char *out;

static struct sample samples[SAMPLES_MAX];

/* Expects each string in turn to appear in the frame's text of sample `name`. */
static void expect(size_t n, const char *name, const char *const *want)
{
	static char buf[1 << 17];
	for (size_t i = 0; i < n; i++) {
		if (strcmp(samples[i].name, name) != 0)
			continue;
		pcap_frame_text(out, (unsigned)i + 1, buf, sizeof(buf));
		for (; *want; want++)
			if (!CHECK(strstr(buf, *want) != NULL))
				fprintf(stderr, "  %s: tshark did not print \"%s\"\n", name, *want);
		return;
	}
	fprintf(stderr, "no sample %s\n", name);
	test_failures++;
}

#define EXPECT(name, ...) expect(n, name, (const char *const[]){__VA_ARGS__, NULL})

int main(void)
{
	const char *tshark = pcap_tshark_find();
	if (!tshark)
		TEST_SKIP("tshark is not installed (apt-get install tshark)");

	size_t n = samples_build(samples, SAMPLES_MAX);
	CHECK(n >= 20);
	char path[] = "/tmp/oakley-proto-tshark-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 1;
	FILE *f = fdopen(fd, "wb");
	CHECK(f && pcap_open(f) == 0);
	for (size_t i = 0; f && i < n; i++)
		CHECK(pcap_write(f, (unsigned)i + 1, samples[i].buf, samples[i].len,
				 samples[i].nat_t) == 0);
	if (f)
		fclose(f);

	int st = 0;
	out = pcap_tshark(tshark, path, &st);
	unlink(path);
	if (!out)
		return 1;
	if (getenv("TSHARK_DUMP"))
		fputs(out, stdout);
	CHECK_EQ_INT(st, 0);

	/* no dissector complaint anywhere */
	CHECK(strstr(out, "Malformed Packet") == NULL);
	CHECK(strstr(out, "[Expert Info (Error") == NULL);
	CHECK(strstr(out, "[Expert Info (Warning") == NULL);
	CHECK(strstr(out, "Frame ") != NULL);
	char last[32];
	snprintf(last, sizeof(last), "Frame %zu:", n);
	CHECK(strstr(out, last) != NULL);

	EXPECT("mm1", "Initiator SPI: 0123456789abcdef", "Responder SPI: 0000000000000000",
	       "Exchange type: Identity Protection (Main Mode) (2)", "Version: 1.0",
	       "Payload: Security Association (1)", "Payload: Proposal (2) # 1",
	       "Protocol ID: ISAKMP (1)", "Payload: Transform (3) # 3", "Transform ID: KEY_IKE (1)",
	       "Encryption Algorithm: AES-CBC (7)", "Key Length: 128",
	       "HASH Algorithm: SHA2-256 (4)", "Authentication Method: Pre-shared key (1)",
	       "Group Description: 2048 bit MODP group (14)", "Life Type: Seconds (1)",
	       "Life Duration: 28800", "IKE Attribute (t=12,l=4): Life-Duration: 86400",
	       "IKE Attribute (t=12,l=8): Life-Duration: 4294967296",
	       "Vendor ID: 4a131c81070358455c5728f20e95452f",
	       "Vendor ID: RFC 3947 Negotiation of NAT-Traversal in the IKE",
	       "Vendor ID: afcad71368a1f1c96b8696fc77570100");
	EXPECT("mm2", "Responder SPI: fedcba9876543210", "Payload: Security Association (1)");
	EXPECT("mm3", "Payload: Key Exchange (4)", "Payload: Nonce (10)",
	       "Nonce DATA: 40474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae1e8eff6fd040b1219",
	       "Payload: NAT-D (RFC 3947) (20)",
	       "HASH of the address and port: "
	       "60676e757c838a91989fa6adb4bbc2c9d0d7dee5ecf3fa01080f161d242b3239");
	EXPECT("mm5", "ID type: IPV4_ADDR (1)", "Protocol ID: UDP (17)", "Port: 500",
	       "ID_IPV4_ADDR: 192.0.2.1", "Payload: Hash (8)", "Payload: Notification (11)",
	       "Notify Message Type: INITIAL-CONTACT (24578)",
	       "SPI: 0123456789abcdeffedcba9876543210");
	EXPECT("mm6", "ID type: FQDN (2)", "ID_FQDN: responder.example.org");
	EXPECT("mm5-sig", "ID type: DER_ASN1_DN (9)", "uTF8String: oakley test",
	       "Payload: Certificate (6)",
	       "Certificate Encoding: X.509 Certificate - Signature (4)",
	       "Certificate Data (id-at-commonName=oakley test)",
	       "Payload: Certificate Request (7)", "Payload: Signature (9)");
	EXPECT("am1", "Exchange type: Aggressive (4)", "ID type: USER_FQDN (3)",
	       "alice@example.org", "Nonce DATA: 222930373e454c535a61686f767d848b");
	EXPECT("am2", "ID type: IPV6_ADDR (5)", "ID_IPV6_ADDR: 2001:db8::1",
	       "HASH of the address and port: 61686f767d848b9299a0a7aeb5bcc3cad1d8dfe6");
	EXPECT("am3-draft", "Payload: NAT-D (draft-ietf-ipsec-nat-t-ike-01 to 03) (130)");
	EXPECT("qm1", "UDP Encapsulation of IPsec Packets", "Exchange type: Quick Mode (32)",
	       "Message ID: 0x11223344", "Protocol ID: IPSEC_ESP (3)", "SPI: c001d00d",
	       "Transform ID: AES (12)", "SA-Life-Duration: 3600",
	       "IPsec Attribute (t=2,l=4): SA-Life-Duration: 4608000",
	       "Encapsulation Mode: UDP-Encapsulated-Tunnel (3)",
	       "Authentication Algorithm: HMAC-SHA2-256 (5)", "Transform ID: 3DES (3)",
	       "ID type: IPV4_ADDR_SUBNET (4)", "ID_IPV4_ADDR: 198.51.100.0",
	       "ID_IPV4_SUBNET: 255.255.255.0", "ID_IPV4_SUBNET: 255.255.255.128",
	       "Payload: NAT-OA (RFC 3947) (21)", "NAT Original IPv4 Address: 192.0.2.1",
	       "NAT Original IPv6 Address: 2001:db8::1");
	EXPECT("qm1-v6", "Protocol ID: IPSEC_AH (2)", "SPI: 00001001", "Transform ID: SHA2-256 (5)",
	       "ID type: IPV6_ADDR_SUBNET (6)", "ID_IPV6_ADDR: 2001:db8:1::",
	       "ID_IPV6A_ADDR_SUBNET: ffff:ffff:ffff::", "ID type: IPV6_ADDR_RANGE (8)",
	       "ID_IPV6_ADDR_RANGE (Start): 2001:db8:2::1",
	       "ID_IPV6_ADDR_RANGE (End): 2001:db8:2::ff");
	EXPECT("qm2", "Protocol ID: IPCOMP (4)", "SPI Size: 2", "SPI: 1234",
	       "Transform ID: DEFLATE (2)", "Encapsulation Mode: Transport (2)",
	       "ID type: IPV4_ADDR_RANGE (7)", "Protocol ID: TCP (6)", "Port: 80",
	       "ID_IPV4_RANGE (Start): 203.0.113.10", "ID_IPV4_RANGE (End): 203.0.113.20");
	EXPECT("qm3", "Commit: Commit", "Payload: Hash (8)");
	EXPECT("info-dpd", "Exchange type: Informational (5)",
	       "Notify Message Type: R-U-THERE (36136)", "DPD ARE-YOU-THERE sequence: 4660");
	EXPECT("info-delete-esp", "Payload: Delete (12)", "Protocol ID: IPSEC_ESP (3)",
	       "Number of SPIs: 2", "Delete SPI: c001d00d", "Delete SPI: c002d00d");
	EXPECT("info-delete-isakmp", "Delete SPI: 0123456789abcdeffedcba9876543210");
	EXPECT("info-error", "Notify Message Type: NO-PROPOSAL-CHOSEN (14)");
	EXPECT("cfg-request", "Exchange type: Transaction (Config Mode) (6)",
	       "Payload: Attributes (14)", "Type: ISAKMP_CFG_REQUEST (1)", "Identifier: 7",
	       "Config Attribute (t=1,l=0): INTERNAL_IP4_ADDRESS", "XAUTH_TYPE: Generic",
	       "XAUTH USER NAME: alice");
	EXPECT("cfg-reply", "Type: ISAKMP_CFG_REPLY (2)", "INTERNAL IP4 ADDRESS: 198.51.100.10",
	       "INTERNAL IP4 NETMASK: 255.255.255.0", "INTERNAL IP6 ADDRESS: 2001:db8::1",
	       "INTERNAL IP6 ADDRESS (PREFIX): 64");
	EXPECT("frag1", "Payload: Cisco-Fragmentation (132)", "Frag ID: 0x0042", "Frag seq: 1",
	       "Frag last: More fragments (0)");
	/* tshark reassembles the two fragments into the MM5 they carry */
	EXPECT("frag2", "Frag seq: 2", "Frag last: Last fragment (1)", "[2 Message fragments",
	       "ID_IPV4_ADDR: 192.0.2.1", "Notify Message Type: INITIAL-CONTACT (24578)");
	EXPECT("qm1-draft-natoa", "Payload: NAT-OA (draft-ietf-ipsec-nat-t-ike-01 to 03) (131)",
	       "Encapsulation Mode: UDP-Encapsulated-Tunnel (draft) (61443)");
	EXPECT("mm5-encrypted", "Encryption: Encrypted", "Encrypted Data (64 bytes)");

	free(out);
	return TEST_END();
}
