// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/kalg.h"

#include <stddef.h>

#include "proto/consts.h"

struct esp_row {
	uint16_t transform;
	const char *name;
	struct dmn_kalg k;
};

/* RFC 3602 (AES-CBC), RFC 2451 (3DES), RFC 3686 (CTR), RFC 4106 (GCM), RFC 4309 (CCM), RFC 4543. */
static const struct esp_row esp_rows[] = {
	{ESP_AES_CBC, "aes-cbc", {"cbc(aes)", 0, false}},
	{ESP_3DES, "3des", {"cbc(des3_ede)", 0, false}},
	{ESP_DES, "des", {"cbc(des)", 0, false}},
	{ESP_NULL, "null", {"ecb(cipher_null)", 0, false}},
	{ESP_AES_CTR, "aes-ctr", {"rfc3686(ctr(aes))", 0, false}},
	{ESP_AES_GCM_8, "aes-gcm-8", {"rfc4106(gcm(aes))", 64, true}},
	{ESP_AES_GCM_12, "aes-gcm-12", {"rfc4106(gcm(aes))", 96, true}},
	{ESP_AES_GCM_16, "aes-gcm-16", {"rfc4106(gcm(aes))", 128, true}},
	{ESP_AES_CCM_8, "aes-ccm-8", {"rfc4309(ccm(aes))", 64, true}},
	{ESP_AES_CCM_12, "aes-ccm-12", {"rfc4309(ccm(aes))", 96, true}},
	{ESP_AES_CCM_16, "aes-ccm-16", {"rfc4309(ccm(aes))", 128, true}},
	{ESP_NULL_AUTH_AES_GMAC, "aes-gmac", {"rfc4543(gcm(aes))", 128, true}},
};

struct auth_row {
	uint16_t auth;
	const char *name;
	struct dmn_kalg k;
};

/* RFC 2403/2404 (96-bit truncation), RFC 4868 (half the hash), RFC 3566. */
static const struct auth_row auth_rows[] = {
	{AUTH_HMAC_MD5, "hmac-md5", {"hmac(md5)", 96, false}},
	{AUTH_HMAC_SHA1, "hmac-sha1", {"hmac(sha1)", 96, false}},
	{AUTH_HMAC_SHA2_256, "hmac-sha256", {"hmac(sha256)", 128, false}},
	{AUTH_HMAC_SHA2_384, "hmac-sha384", {"hmac(sha384)", 192, false}},
	{AUTH_HMAC_SHA2_512, "hmac-sha512", {"hmac(sha512)", 256, false}},
	{AUTH_AES_XCBC_MAC, "aes-xcbc", {"xcbc(aes)", 96, false}},
};

const struct dmn_kalg *dmn_kalg_esp(uint16_t transform)
{
	for (size_t i = 0; i < sizeof(esp_rows) / sizeof(esp_rows[0]); i++)
		if (esp_rows[i].transform == transform)
			return &esp_rows[i].k;
	return NULL;
}

const struct dmn_kalg *dmn_kalg_auth(uint16_t auth)
{
	for (size_t i = 0; i < sizeof(auth_rows) / sizeof(auth_rows[0]); i++)
		if (auth_rows[i].auth == auth)
			return &auth_rows[i].k;
	return NULL;
}

const char *dmn_kalg_esp_name(uint16_t transform)
{
	for (size_t i = 0; i < sizeof(esp_rows) / sizeof(esp_rows[0]); i++)
		if (esp_rows[i].transform == transform)
			return esp_rows[i].name;
	return "?";
}

const char *dmn_kalg_auth_name(uint16_t auth)
{
	for (size_t i = 0; i < sizeof(auth_rows) / sizeof(auth_rows[0]); i++)
		if (auth_rows[i].auth == auth)
			return auth_rows[i].name;
	return auth ? "?" : "none";
}
