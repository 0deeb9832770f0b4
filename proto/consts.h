/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every ISAKMP / IKEv1 / IPsec DOI constant oakley uses, each set written once as an X-macro list
 * that yields both the enum and its name table (proto/consts.c). Values are from the RFCs named
 * above each list and the IANA "ISAKMP" and "IPsec DOI" registries.
 *
 * An entry is X(symbol, value, "name"); names follow the RFC spelling, as tshark prints them where
 * practical, so logs can be compared with captures.
 */
#pragma once

#include <stdint.h>

/* RFC 2408 §3.1 Next Payload; 14 mode-cfg (draft-ietf-ipsec-isakmp-mode-cfg-05 §3.2);
 * 20/21 RFC 3947 §3.2/§5.2; 130/131 draft-ietf-ipsec-nat-t-ike-02/03; 132 Cisco IKE fragmentation.
 */
#define ISAKMP_PAYLOADS(X)                                                                         \
	X(ISAKMP_PL_NONE, 0, "NONE")                                                               \
	X(ISAKMP_PL_SA, 1, "SA")                                                                   \
	X(ISAKMP_PL_P, 2, "Proposal")                                                              \
	X(ISAKMP_PL_T, 3, "Transform")                                                             \
	X(ISAKMP_PL_KE, 4, "Key Exchange")                                                         \
	X(ISAKMP_PL_ID, 5, "Identification")                                                       \
	X(ISAKMP_PL_CERT, 6, "Certificate")                                                        \
	X(ISAKMP_PL_CR, 7, "Certificate Request")                                                  \
	X(ISAKMP_PL_HASH, 8, "Hash")                                                               \
	X(ISAKMP_PL_SIG, 9, "Signature")                                                           \
	X(ISAKMP_PL_NONCE, 10, "Nonce")                                                            \
	X(ISAKMP_PL_N, 11, "Notification")                                                         \
	X(ISAKMP_PL_D, 12, "Delete")                                                               \
	X(ISAKMP_PL_VID, 13, "Vendor ID")                                                          \
	X(ISAKMP_PL_ATTR, 14, "Attributes")                                                        \
	X(ISAKMP_PL_NAT_D, 20, "NAT-D")                                                            \
	X(ISAKMP_PL_NAT_OA, 21, "NAT-OA")                                                          \
	X(ISAKMP_PL_NAT_D_DRAFT, 130, "NAT-D (draft)")                                             \
	X(ISAKMP_PL_NAT_OA_DRAFT, 131, "NAT-OA (draft)")                                           \
	X(ISAKMP_PL_FRAG, 132, "Fragment")

/* RFC 2408 §3.1 Exchange Type, RFC 2409 §5 (Main = Identity Protection), mode-cfg Transaction 6. */
#define ISAKMP_EXCHANGES(X)                                                                        \
	X(ISAKMP_XCHG_NONE, 0, "NONE")                                                             \
	X(ISAKMP_XCHG_BASE, 1, "Base")                                                             \
	X(ISAKMP_XCHG_IDPROT, 2, "Identity Protection (Main Mode)")                                \
	X(ISAKMP_XCHG_AUTH_ONLY, 3, "Authentication Only")                                         \
	X(ISAKMP_XCHG_AGGRESSIVE, 4, "Aggressive")                                                 \
	X(ISAKMP_XCHG_INFO, 5, "Informational")                                                    \
	X(ISAKMP_XCHG_TRANSACTION, 6, "Transaction (Config Mode)")                                 \
	X(ISAKMP_XCHG_QUICK, 32, "Quick Mode")                                                     \
	X(ISAKMP_XCHG_NEW_GROUP, 33, "New Group Mode")

/* RFC 2408 §3.1 flags */
#define ISAKMP_FLAG_E 0x01u
#define ISAKMP_FLAG_C 0x02u
#define ISAKMP_FLAG_A 0x04u

/* RFC 2408 §3.14.1 (errors 1-30, status 16384), RFC 2407 §4.6.3 (DOI status 24576-24578),
 * RFC 3706 §5 (DPD). */
#define ISAKMP_NOTIFIES(X)                                                                         \
	X(ISAKMP_N_INVALID_PAYLOAD_TYPE, 1, "INVALID-PAYLOAD-TYPE")                                \
	X(ISAKMP_N_DOI_NOT_SUPPORTED, 2, "DOI-NOT-SUPPORTED")                                      \
	X(ISAKMP_N_SITUATION_NOT_SUPPORTED, 3, "SITUATION-NOT-SUPPORTED")                          \
	X(ISAKMP_N_INVALID_COOKIE, 4, "INVALID-COOKIE")                                            \
	X(ISAKMP_N_INVALID_MAJOR_VERSION, 5, "INVALID-MAJOR-VERSION")                              \
	X(ISAKMP_N_INVALID_MINOR_VERSION, 6, "INVALID-MINOR-VERSION")                              \
	X(ISAKMP_N_INVALID_EXCHANGE_TYPE, 7, "INVALID-EXCHANGE-TYPE")                              \
	X(ISAKMP_N_INVALID_FLAGS, 8, "INVALID-FLAGS")                                              \
	X(ISAKMP_N_INVALID_MESSAGE_ID, 9, "INVALID-MESSAGE-ID")                                    \
	X(ISAKMP_N_INVALID_PROTOCOL_ID, 10, "INVALID-PROTOCOL-ID")                                 \
	X(ISAKMP_N_INVALID_SPI, 11, "INVALID-SPI")                                                 \
	X(ISAKMP_N_INVALID_TRANSFORM_ID, 12, "INVALID-TRANSFORM-ID")                               \
	X(ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED, 13, "ATTRIBUTES-NOT-SUPPORTED")                       \
	X(ISAKMP_N_NO_PROPOSAL_CHOSEN, 14, "NO-PROPOSAL-CHOSEN")                                   \
	X(ISAKMP_N_BAD_PROPOSAL_SYNTAX, 15, "BAD-PROPOSAL-SYNTAX")                                 \
	X(ISAKMP_N_PAYLOAD_MALFORMED, 16, "PAYLOAD-MALFORMED")                                     \
	X(ISAKMP_N_INVALID_KEY_INFORMATION, 17, "INVALID-KEY-INFORMATION")                         \
	X(ISAKMP_N_INVALID_ID_INFORMATION, 18, "INVALID-ID-INFORMATION")                           \
	X(ISAKMP_N_INVALID_CERT_ENCODING, 19, "INVALID-CERT-ENCODING")                             \
	X(ISAKMP_N_INVALID_CERTIFICATE, 20, "INVALID-CERTIFICATE")                                 \
	X(ISAKMP_N_CERT_TYPE_UNSUPPORTED, 21, "CERT-TYPE-UNSUPPORTED")                             \
	X(ISAKMP_N_INVALID_CERT_AUTHORITY, 22, "INVALID-CERT-AUTHORITY")                           \
	X(ISAKMP_N_INVALID_HASH_INFORMATION, 23, "INVALID-HASH-INFORMATION")                       \
	X(ISAKMP_N_AUTHENTICATION_FAILED, 24, "AUTHENTICATION-FAILED")                             \
	X(ISAKMP_N_INVALID_SIGNATURE, 25, "INVALID-SIGNATURE")                                     \
	X(ISAKMP_N_ADDRESS_NOTIFICATION, 26, "ADDRESS-NOTIFICATION")                               \
	X(ISAKMP_N_NOTIFY_SA_LIFETIME, 27, "NOTIFY-SA-LIFETIME")                                   \
	X(ISAKMP_N_CERTIFICATE_UNAVAILABLE, 28, "CERTIFICATE-UNAVAILABLE")                         \
	X(ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE, 29, "UNSUPPORTED-EXCHANGE-TYPE")                     \
	X(ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS, 30, "UNEQUAL-PAYLOAD-LENGTHS")                         \
	X(ISAKMP_N_CONNECTED, 16384, "CONNECTED")                                                  \
	X(ISAKMP_N_RESPONDER_LIFETIME, 24576, "RESPONDER-LIFETIME")                                \
	X(ISAKMP_N_REPLAY_STATUS, 24577, "REPLAY-STATUS")                                          \
	X(ISAKMP_N_INITIAL_CONTACT, 24578, "INITIAL-CONTACT")                                      \
	X(ISAKMP_N_R_U_THERE, 36136, "R-U-THERE")                                                  \
	X(ISAKMP_N_R_U_THERE_ACK, 36137, "R-U-THERE-ACK")

/* RFC 2408 §3.4 / RFC 2407 §4.2 */
#define ISAKMP_DOIS(X)                                                                             \
	X(ISAKMP_DOI_ISAKMP, 0, "ISAKMP")                                                          \
	X(ISAKMP_DOI_IPSEC, 1, "IPSEC")

/* RFC 2407 §4.2 Situation bits */
#define IPSEC_SIT_IDENTITY_ONLY 0x01u
#define IPSEC_SIT_SECRECY	0x02u
#define IPSEC_SIT_INTEGRITY	0x04u

/* RFC 2407 §4.4.1 Protocol IDs */
#define IPSEC_PROTOCOLS(X)                                                                         \
	X(PROTO_ISAKMP, 1, "PROTO_ISAKMP")                                                         \
	X(PROTO_IPSEC_AH, 2, "PROTO_IPSEC_AH")                                                     \
	X(PROTO_IPSEC_ESP, 3, "PROTO_IPSEC_ESP")                                                   \
	X(PROTO_IPCOMP, 4, "PROTO_IPCOMP")

/* RFC 2407 §4.4.2 ISAKMP transform IDs */
#define ISAKMP_TRANSFORMS(X) X(KEY_IKE, 1, "KEY_IKE")

/* RFC 2407 §4.4.3 AH transform IDs; 5-7 RFC 4868 §4 */
#define IPSEC_AH_TRANSFORMS(X)                                                                     \
	X(AH_MD5, 2, "AH_MD5")                                                                     \
	X(AH_SHA, 3, "AH_SHA")                                                                     \
	X(AH_DES, 4, "AH_DES")                                                                     \
	X(AH_SHA2_256, 5, "AH_SHA2-256")                                                           \
	X(AH_SHA2_384, 6, "AH_SHA2-384")                                                           \
	X(AH_SHA2_512, 7, "AH_SHA2-512")

/* RFC 2407 §4.4.4 ESP transform IDs; 12 RFC 3602, 13 RFC 3686, 14-16 RFC 4309, 18-20 RFC 4106,
 * 23 RFC 4543 (IANA "IPsec ESP Transform Identifiers"). */
#define IPSEC_ESP_TRANSFORMS(X)                                                                    \
	X(ESP_DES_IV64, 1, "ESP_DES_IV64")                                                         \
	X(ESP_DES, 2, "ESP_DES")                                                                   \
	X(ESP_3DES, 3, "ESP_3DES")                                                                 \
	X(ESP_RC5, 4, "ESP_RC5")                                                                   \
	X(ESP_IDEA, 5, "ESP_IDEA")                                                                 \
	X(ESP_CAST, 6, "ESP_CAST")                                                                 \
	X(ESP_BLOWFISH, 7, "ESP_BLOWFISH")                                                         \
	X(ESP_3IDEA, 8, "ESP_3IDEA")                                                               \
	X(ESP_DES_IV32, 9, "ESP_DES_IV32")                                                         \
	X(ESP_RC4, 10, "ESP_RC4")                                                                  \
	X(ESP_NULL, 11, "ESP_NULL")                                                                \
	X(ESP_AES_CBC, 12, "ESP_AES-CBC")                                                          \
	X(ESP_AES_CTR, 13, "ESP_AES-CTR")                                                          \
	X(ESP_AES_CCM_8, 14, "ESP_AES-CCM_8")                                                      \
	X(ESP_AES_CCM_12, 15, "ESP_AES-CCM_12")                                                    \
	X(ESP_AES_CCM_16, 16, "ESP_AES-CCM_16")                                                    \
	X(ESP_AES_GCM_8, 18, "ESP_AES-GCM_8")                                                      \
	X(ESP_AES_GCM_12, 19, "ESP_AES-GCM_12")                                                    \
	X(ESP_AES_GCM_16, 20, "ESP_AES-GCM_16")                                                    \
	X(ESP_NULL_AUTH_AES_GMAC, 23, "ESP_NULL_AUTH_AES-GMAC")

/* RFC 2407 §4.4.5 IPCOMP transform IDs */
#define IPSEC_IPCOMP_TRANSFORMS(X)                                                                 \
	X(IPCOMP_OUI, 1, "IPCOMP_OUI")                                                             \
	X(IPCOMP_DEFLATE, 2, "IPCOMP_DEFLATE")                                                     \
	X(IPCOMP_LZS, 3, "IPCOMP_LZS")                                                             \
	X(IPCOMP_LZJH, 4, "IPCOMP_LZJH")

/* RFC 2409 Appendix A: phase 1 attribute classes (B = basic/TV, V = variable/TLV) */
#define IKE_ATTRS(X)                                                                               \
	X(IKE_ATTR_ENCRYPTION_ALGORITHM, 1, "Encryption-Algorithm")                                \
	X(IKE_ATTR_HASH_ALGORITHM, 2, "Hash-Algorithm")                                            \
	X(IKE_ATTR_AUTHENTICATION_METHOD, 3, "Authentication-Method")                              \
	X(IKE_ATTR_GROUP_DESCRIPTION, 4, "Group-Description")                                      \
	X(IKE_ATTR_GROUP_TYPE, 5, "Group-Type")                                                    \
	X(IKE_ATTR_GROUP_PRIME, 6, "Group-Prime/Irreducible-Polynomial")                           \
	X(IKE_ATTR_GROUP_GENERATOR_ONE, 7, "Group-Generator-One")                                  \
	X(IKE_ATTR_GROUP_GENERATOR_TWO, 8, "Group-Generator-Two")                                  \
	X(IKE_ATTR_GROUP_CURVE_A, 9, "Group-Curve-A")                                              \
	X(IKE_ATTR_GROUP_CURVE_B, 10, "Group-Curve-B")                                             \
	X(IKE_ATTR_LIFE_TYPE, 11, "Life-Type")                                                     \
	X(IKE_ATTR_LIFE_DURATION, 12, "Life-Duration")                                             \
	X(IKE_ATTR_PRF, 13, "PRF")                                                                 \
	X(IKE_ATTR_KEY_LENGTH, 14, "Key-Length")                                                   \
	X(IKE_ATTR_FIELD_SIZE, 15, "Field-Size")                                                   \
	X(IKE_ATTR_GROUP_ORDER, 16, "Group-Order")

/* RFC 2409 Appendix A Encryption Algorithm; 7 AES-CBC (RFC 3602 §5.3 / IANA), 8 Camellia */
#define IKE_ENCRS(X)                                                                               \
	X(IKE_ENCR_DES_CBC, 1, "DES-CBC")                                                          \
	X(IKE_ENCR_IDEA_CBC, 2, "IDEA-CBC")                                                        \
	X(IKE_ENCR_BLOWFISH_CBC, 3, "Blowfish-CBC")                                                \
	X(IKE_ENCR_RC5_CBC, 4, "RC5-R16-B64-CBC")                                                  \
	X(IKE_ENCR_3DES_CBC, 5, "3DES-CBC")                                                        \
	X(IKE_ENCR_CAST_CBC, 6, "CAST-CBC")                                                        \
	X(IKE_ENCR_AES_CBC, 7, "AES-CBC")                                                          \
	X(IKE_ENCR_CAMELLIA_CBC, 8, "CAMELLIA-CBC")

/* RFC 2409 Appendix A Hash Algorithm; 4-6 IANA (RFC 4868 lengths) */
#define IKE_HASHES(X)                                                                              \
	X(IKE_HASH_MD5, 1, "MD5")                                                                  \
	X(IKE_HASH_SHA1, 2, "SHA")                                                                 \
	X(IKE_HASH_TIGER, 3, "Tiger")                                                              \
	X(IKE_HASH_SHA2_256, 4, "SHA2-256")                                                        \
	X(IKE_HASH_SHA2_384, 5, "SHA2-384")                                                        \
	X(IKE_HASH_SHA2_512, 6, "SHA2-512")

/* RFC 2409 Appendix A Authentication Method; 9-11 RFC 4754; 64221+
 * draft-ietf-ipsec-isakmp-hybrid-auth; 65001+ draft-ietf-ipsec-isakmp-xauth-06 §6 */
#define IKE_AUTHS(X)                                                                               \
	X(IKE_AUTH_PSK, 1, "Pre-Shared Key")                                                       \
	X(IKE_AUTH_DSS_SIG, 2, "DSS signatures")                                                   \
	X(IKE_AUTH_RSA_SIG, 3, "RSA signatures")                                                   \
	X(IKE_AUTH_RSA_ENC, 4, "Encryption with RSA")                                              \
	X(IKE_AUTH_RSA_REV_ENC, 5, "Revised encryption with RSA")                                  \
	X(IKE_AUTH_ECDSA_SHA256, 9, "ECDSA with SHA-256 on the P-256 curve")                       \
	X(IKE_AUTH_ECDSA_SHA384, 10, "ECDSA with SHA-384 on the P-384 curve")                      \
	X(IKE_AUTH_ECDSA_SHA512, 11, "ECDSA with SHA-512 on the P-521 curve")                      \
	X(IKE_AUTH_HYBRID_INIT_RSA, 64221, "HybridInitRSA")                                        \
	X(IKE_AUTH_HYBRID_RESP_RSA, 64222, "HybridRespRSA")                                        \
	X(IKE_AUTH_XAUTH_INIT_PSK, 65001, "XAUTHInitPreShared")                                    \
	X(IKE_AUTH_XAUTH_RESP_PSK, 65002, "XAUTHRespPreShared")                                    \
	X(IKE_AUTH_XAUTH_INIT_RSA, 65005, "XAUTHInitRSA")                                          \
	X(IKE_AUTH_XAUTH_RESP_RSA, 65006, "XAUTHRespRSA")

/* RFC 2409 §6 / RFC 3526 / RFC 5903 / RFC 8031 group numbers (Group Description) */
#define IKE_GROUPS(X)                                                                              \
	X(IKE_GROUP_MODP768, 1, "modp768")                                                         \
	X(IKE_GROUP_MODP1024, 2, "modp1024")                                                       \
	X(IKE_GROUP_EC2N155, 3, "ec2n155")                                                         \
	X(IKE_GROUP_EC2N185, 4, "ec2n185")                                                         \
	X(IKE_GROUP_MODP1536, 5, "modp1536")                                                       \
	X(IKE_GROUP_MODP2048, 14, "modp2048")                                                      \
	X(IKE_GROUP_MODP3072, 15, "modp3072")                                                      \
	X(IKE_GROUP_MODP4096, 16, "modp4096")                                                      \
	X(IKE_GROUP_MODP6144, 17, "modp6144")                                                      \
	X(IKE_GROUP_MODP8192, 18, "modp8192")                                                      \
	X(IKE_GROUP_ECP256, 19, "ecp256")                                                          \
	X(IKE_GROUP_ECP384, 20, "ecp384")                                                          \
	X(IKE_GROUP_ECP521, 21, "ecp521")                                                          \
	X(IKE_GROUP_CURVE25519, 31, "curve25519")

/* RFC 2409 Appendix A Group Type */
#define IKE_GROUP_TYPES(X)                                                                         \
	X(IKE_GROUP_TYPE_MODP, 1, "MODP")                                                          \
	X(IKE_GROUP_TYPE_ECP, 2, "ECP")                                                            \
	X(IKE_GROUP_TYPE_EC2N, 3, "EC2N")

/* RFC 2409 Appendix A Life Type; RFC 2407 §4.5 SA Life Type uses the same values */
#define IKE_LIFE_TYPES(X)                                                                          \
	X(LIFE_SECONDS, 1, "seconds")                                                              \
	X(LIFE_KILOBYTES, 2, "kilobytes")

/* RFC 2407 §4.5 IPsec SA attributes; 10-11 IANA (RFC 3168, RFC 4304) */
#define IPSEC_ATTRS(X)                                                                             \
	X(IPSEC_ATTR_SA_LIFE_TYPE, 1, "SA-Life-Type")                                              \
	X(IPSEC_ATTR_SA_LIFE_DURATION, 2, "SA-Life-Duration")                                      \
	X(IPSEC_ATTR_GROUP_DESCRIPTION, 3, "Group-Description")                                    \
	X(IPSEC_ATTR_ENCAPSULATION_MODE, 4, "Encapsulation-Mode")                                  \
	X(IPSEC_ATTR_AUTHENTICATION_ALGORITHM, 5, "Authentication-Algorithm")                      \
	X(IPSEC_ATTR_KEY_LENGTH, 6, "Key-Length")                                                  \
	X(IPSEC_ATTR_KEY_ROUNDS, 7, "Key-Rounds")                                                  \
	X(IPSEC_ATTR_COMPRESS_DICTIONARY_SIZE, 8, "Compress-Dictionary-Size")                      \
	X(IPSEC_ATTR_COMPRESS_PRIVATE_ALGORITHM, 9, "Compress-Private-Algorithm")                  \
	X(IPSEC_ATTR_ECN_TUNNEL, 10, "ECN-Tunnel")                                                 \
	X(IPSEC_ATTR_EXT_SEQ_NUMBER, 11, "Extended-Sequence-Number")

/* RFC 2407 §4.5 Encapsulation Mode; 3-4 RFC 3947 §5.1; 61443-61444 draft-ietf-ipsec-nat-t-ike-02/03
 */
#define IPSEC_ENCAP_MODES(X)                                                                       \
	X(ENCAP_TUNNEL, 1, "Tunnel")                                                               \
	X(ENCAP_TRANSPORT, 2, "Transport")                                                         \
	X(ENCAP_UDP_TUNNEL, 3, "UDP-Encapsulated-Tunnel")                                          \
	X(ENCAP_UDP_TRANSPORT, 4, "UDP-Encapsulated-Transport")                                    \
	X(ENCAP_UDP_TUNNEL_DRAFT, 61443, "UDP-Encapsulated-Tunnel (draft)")                        \
	X(ENCAP_UDP_TRANSPORT_DRAFT, 61444, "UDP-Encapsulated-Transport (draft)")

/* RFC 2407 §4.5 Authentication Algorithm; 5-7 RFC 4868; 9 RFC 3566; 11-13 RFC 4543 */
#define IPSEC_AUTHS(X)                                                                             \
	X(AUTH_HMAC_MD5, 1, "HMAC-MD5")                                                            \
	X(AUTH_HMAC_SHA1, 2, "HMAC-SHA")                                                           \
	X(AUTH_DES_MAC, 3, "DES-MAC")                                                              \
	X(AUTH_KPDK, 4, "KPDK")                                                                    \
	X(AUTH_HMAC_SHA2_256, 5, "HMAC-SHA2-256")                                                  \
	X(AUTH_HMAC_SHA2_384, 6, "HMAC-SHA2-384")                                                  \
	X(AUTH_HMAC_SHA2_512, 7, "HMAC-SHA2-512")                                                  \
	X(AUTH_HMAC_RIPEMD, 8, "HMAC-RIPEMD")                                                      \
	X(AUTH_AES_XCBC_MAC, 9, "AES-XCBC-MAC")                                                    \
	X(AUTH_AES_128_GMAC, 11, "AES-128-GMAC")                                                   \
	X(AUTH_AES_192_GMAC, 12, "AES-192-GMAC")                                                   \
	X(AUTH_AES_256_GMAC, 13, "AES-256-GMAC")

/* RFC 2407 §4.6.2.1 Identification Type */
#define IPSEC_ID_TYPES(X)                                                                          \
	X(ID_IPV4_ADDR, 1, "IPV4_ADDR")                                                            \
	X(ID_FQDN, 2, "FQDN")                                                                      \
	X(ID_USER_FQDN, 3, "USER_FQDN")                                                            \
	X(ID_IPV4_ADDR_SUBNET, 4, "IPV4_ADDR_SUBNET")                                              \
	X(ID_IPV6_ADDR, 5, "IPV6_ADDR")                                                            \
	X(ID_IPV6_ADDR_SUBNET, 6, "IPV6_ADDR_SUBNET")                                              \
	X(ID_IPV4_ADDR_RANGE, 7, "IPV4_ADDR_RANGE")                                                \
	X(ID_IPV6_ADDR_RANGE, 8, "IPV6_ADDR_RANGE")                                                \
	X(ID_DER_ASN1_DN, 9, "DER_ASN1_DN")                                                        \
	X(ID_DER_ASN1_GN, 10, "DER_ASN1_GN")                                                       \
	X(ID_KEY_ID, 11, "KEY_ID")

/* RFC 2408 §3.9 Certificate Encoding */
#define ISAKMP_CERT_ENCODINGS(X)                                                                   \
	X(CERT_NONE, 0, "NONE")                                                                    \
	X(CERT_PKCS7, 1, "PKCS #7 wrapped X.509 certificate")                                      \
	X(CERT_PGP, 2, "PGP Certificate")                                                          \
	X(CERT_DNS_SIGNED_KEY, 3, "DNS Signed Key")                                                \
	X(CERT_X509_SIG, 4, "X.509 Certificate - Signature")                                       \
	X(CERT_X509_KE, 5, "X.509 Certificate - Key Exchange")                                     \
	X(CERT_KERBEROS, 6, "Kerberos Tokens")                                                     \
	X(CERT_CRL, 7, "Certificate Revocation List (CRL)")                                        \
	X(CERT_ARL, 8, "Authority Revocation List (ARL)")                                          \
	X(CERT_SPKI, 9, "SPKI Certificate")                                                        \
	X(CERT_X509_ATTR, 10, "X.509 Certificate - Attribute")

/* draft-ietf-ipsec-isakmp-mode-cfg-05 §3.2 message types */
#define MODECFG_TYPES(X)                                                                           \
	X(CFG_REQUEST, 1, "ISAKMP_CFG_REQUEST")                                                    \
	X(CFG_REPLY, 2, "ISAKMP_CFG_REPLY")                                                        \
	X(CFG_SET, 3, "ISAKMP_CFG_SET")                                                            \
	X(CFG_ACK, 4, "ISAKMP_CFG_ACK")

/* draft-ietf-ipsec-isakmp-mode-cfg-05 §3.3 attributes (23456/23457: Microsoft), 16520+
 * draft-ietf-ipsec-isakmp-xauth-06 §3.2, 28672+ Cisco Unity (notes/remote-access.md §1.7).
 * X(sym, number, name, value kind (PROTO_CFG_K_*, proto/cfg_attr.h), longest value in bytes):
 * the enum, the name table and the attribute codec's bounds all come from this one list. */
#define MODECFG_ATTRS(X)                                                                           \
	X(CFG_INTERNAL_IP4_ADDRESS, 1, "INTERNAL_IP4_ADDRESS", ADDR4, 4)                           \
	X(CFG_INTERNAL_IP4_NETMASK, 2, "INTERNAL_IP4_NETMASK", ADDR4, 4)                           \
	X(CFG_INTERNAL_IP4_DNS, 3, "INTERNAL_IP4_DNS", ADDR4, 4)                                   \
	X(CFG_INTERNAL_IP4_NBNS, 4, "INTERNAL_IP4_NBNS", ADDR4, 4)                                 \
	X(CFG_INTERNAL_ADDRESS_EXPIRY, 5, "INTERNAL_ADDRESS_EXPIRY", U32, 4)                       \
	X(CFG_INTERNAL_IP4_DHCP, 6, "INTERNAL_IP4_DHCP", ADDR4, 4)                                 \
	X(CFG_APPLICATION_VERSION, 7, "APPLICATION_VERSION", STRING, 255)                          \
	X(CFG_INTERNAL_IP6_ADDRESS, 8, "INTERNAL_IP6_ADDRESS", ADDR6P, 17)                         \
	X(CFG_INTERNAL_IP6_NETMASK, 9, "INTERNAL_IP6_NETMASK", ADDR6, 16)                          \
	X(CFG_INTERNAL_IP6_DNS, 10, "INTERNAL_IP6_DNS", ADDR6, 16)                                 \
	X(CFG_INTERNAL_IP6_NBNS, 11, "INTERNAL_IP6_NBNS", ADDR6, 16)                               \
	X(CFG_INTERNAL_IP6_DHCP, 12, "INTERNAL_IP6_DHCP", ADDR6, 16)                               \
	X(CFG_INTERNAL_IP4_SUBNET, 13, "INTERNAL_IP4_SUBNET", SUBNET4, 8)                          \
	X(CFG_SUPPORTED_ATTRIBUTES, 14, "SUPPORTED_ATTRIBUTES", BYTES, 512)                        \
	X(CFG_INTERNAL_IP6_SUBNET, 15, "INTERNAL_IP6_SUBNET", ADDR6P, 17)                          \
	X(CFG_INTERNAL_IP4_SERVER, 23456, "INTERNAL_IP4_SERVER", ADDR4, 4)                         \
	X(CFG_INTERNAL_IP6_SERVER, 23457, "INTERNAL_IP6_SERVER", ADDR6, 16)                        \
	X(XAUTH_TYPE, 16520, "XAUTH_TYPE", U16, 2)                                                 \
	X(XAUTH_USER_NAME, 16521, "XAUTH_USER_NAME", STRING, 128)                                  \
	X(XAUTH_USER_PASSWORD, 16522, "XAUTH_USER_PASSWORD", SECRET, 128)                          \
	X(XAUTH_PASSCODE, 16523, "XAUTH_PASSCODE", SECRET, 128)                                    \
	X(XAUTH_MESSAGE, 16524, "XAUTH_MESSAGE", STRING, 255)                                      \
	X(XAUTH_CHALLENGE, 16525, "XAUTH_CHALLENGE", BYTES, 255)                                   \
	X(XAUTH_DOMAIN, 16526, "XAUTH_DOMAIN", STRING, 255)                                        \
	X(XAUTH_STATUS, 16527, "XAUTH_STATUS", U16, 2)                                             \
	X(XAUTH_NEXT_PIN, 16528, "XAUTH_NEXT_PIN", SECRET, 128)                                    \
	X(XAUTH_ANSWER, 16529, "XAUTH_ANSWER", SECRET, 128)                                        \
	X(UNITY_BANNER, 28672, "UNITY_BANNER", STRING, 1024)                                       \
	X(UNITY_SAVE_PASSWD, 28673, "UNITY_SAVE_PASSWD", U16, 2)                                   \
	X(UNITY_DEF_DOMAIN, 28674, "UNITY_DEF_DOMAIN", STRING, 255)                                \
	X(UNITY_SPLITDNS_NAME, 28675, "UNITY_SPLITDNS_NAME", STRING, 512)                          \
	X(UNITY_SPLIT_INCLUDE, 28676, "UNITY_SPLIT_INCLUDE", SPLIT, 448)                           \
	X(UNITY_NATT_PORT, 28677, "UNITY_NATT_PORT", U16, 2)                                       \
	X(UNITY_LOCAL_LAN, 28678, "UNITY_LOCAL_LAN", SPLIT, 448)                                   \
	X(UNITY_PFS, 28679, "UNITY_PFS", U16, 2)                                                   \
	X(UNITY_FW_TYPE, 28680, "UNITY_FW_TYPE", BYTES, 255)                                       \
	X(UNITY_BACKUP_SERVERS, 28681, "UNITY_BACKUP_SERVERS", STRING, 512)                        \
	X(UNITY_DDNS_HOSTNAME, 28682, "UNITY_DDNS_HOSTNAME", STRING, 255)

#define PROTO_X_ENUM(sym, val, str) sym = val,

enum isakmp_payload { ISAKMP_PAYLOADS(PROTO_X_ENUM) };
enum isakmp_exchange { ISAKMP_EXCHANGES(PROTO_X_ENUM) };
enum isakmp_notify { ISAKMP_NOTIFIES(PROTO_X_ENUM) };
enum isakmp_doi { ISAKMP_DOIS(PROTO_X_ENUM) };
enum ipsec_protocol { IPSEC_PROTOCOLS(PROTO_X_ENUM) };
enum isakmp_transform { ISAKMP_TRANSFORMS(PROTO_X_ENUM) };
enum ipsec_ah_transform { IPSEC_AH_TRANSFORMS(PROTO_X_ENUM) };
enum ipsec_esp_transform { IPSEC_ESP_TRANSFORMS(PROTO_X_ENUM) };
enum ipsec_ipcomp_transform { IPSEC_IPCOMP_TRANSFORMS(PROTO_X_ENUM) };
enum ike_attr { IKE_ATTRS(PROTO_X_ENUM) };
enum ike_encr { IKE_ENCRS(PROTO_X_ENUM) };
enum ike_hash { IKE_HASHES(PROTO_X_ENUM) };
enum ike_auth { IKE_AUTHS(PROTO_X_ENUM) };
enum ike_group { IKE_GROUPS(PROTO_X_ENUM) };
enum ike_group_type { IKE_GROUP_TYPES(PROTO_X_ENUM) };
enum ike_life_type { IKE_LIFE_TYPES(PROTO_X_ENUM) };
enum ipsec_attr { IPSEC_ATTRS(PROTO_X_ENUM) };
enum ipsec_encap_mode { IPSEC_ENCAP_MODES(PROTO_X_ENUM) };
enum ipsec_auth { IPSEC_AUTHS(PROTO_X_ENUM) };
enum ipsec_id_type { IPSEC_ID_TYPES(PROTO_X_ENUM) };
enum isakmp_cert_encoding { ISAKMP_CERT_ENCODINGS(PROTO_X_ENUM) };
enum modecfg_type { MODECFG_TYPES(PROTO_X_ENUM) };
#define PROTO_X_ENUM5(sym, val, str, kind, max) sym = val,
enum modecfg_attr { MODECFG_ATTRS(PROTO_X_ENUM5) };

/* Which name table proto_name() looks in. */
enum proto_names {
	PROTO_NAMES_PAYLOAD,
	PROTO_NAMES_EXCHANGE,
	PROTO_NAMES_NOTIFY,
	PROTO_NAMES_DOI,
	PROTO_NAMES_PROTOCOL,
	PROTO_NAMES_ISAKMP_TRANSFORM,
	PROTO_NAMES_AH_TRANSFORM,
	PROTO_NAMES_ESP_TRANSFORM,
	PROTO_NAMES_IPCOMP_TRANSFORM,
	PROTO_NAMES_IKE_ATTR,
	PROTO_NAMES_IKE_ENCR,
	PROTO_NAMES_IKE_HASH,
	PROTO_NAMES_IKE_AUTH,
	PROTO_NAMES_IKE_GROUP,
	PROTO_NAMES_IKE_GROUP_TYPE,
	PROTO_NAMES_LIFE_TYPE,
	PROTO_NAMES_IPSEC_ATTR,
	PROTO_NAMES_ENCAP_MODE,
	PROTO_NAMES_IPSEC_AUTH,
	PROTO_NAMES_ID_TYPE,
	PROTO_NAMES_CERT_ENCODING,
	PROTO_NAMES_MODECFG_TYPE,
	PROTO_NAMES_MODECFG_ATTR,
	PROTO_NAMES__MAX,
};

/* The RFC name of value v in table t, or NULL when the value has no name. */
const char *proto_name(enum proto_names t, unsigned v);

/* Like proto_name(), but never NULL: an unknown value is formatted as "UNKNOWN-<v>" into buf. */
const char *proto_name_buf(enum proto_names t, unsigned v, char *buf, unsigned len);
