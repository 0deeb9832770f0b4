// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The exchange kinds the engine runs, one row each (struct ike_kind in engine_int.h): which
 * state tables drive it, when its messages must be encrypted, where it lives (phase 1's exchange
 * or a post-phase-1 slot with its own message ID), its per-exchange data and what a timeout or a
 * failure does. The dispatcher, the input path and the timers read nothing else about a kind.
 */
#include "proto/ike/engine_int.h"

static const struct ike_kind kinds[] = {
	/* RFC 2409 §5: HDR, SA --> ... HDR*, IDii, HASH_I --> <-- HDR*, IDir, HASH_R */
	{
		.type = ISAKMP_XCHG_IDPROT,
		.name = "Main Mode",
		.i = &proto_ike_mm_i_table,
		.r = &proto_ike_mm_r_table,
		.enc = IKE_ENC_AFTER_KEYS,
		.start_i = S_MM_I_START,
		.start_r = S_MM_R_START,
		.done_i = S_P1_UP,
		.done_r = S_P1_UP,
		.on_timeout = proto_ike_p1_on_timeout,
		.on_fail = proto_ike_p1_on_fail,
	},
	/* RFC 2409 §5: HDR, SA, KE, Ni, IDii --> <-- HDR, SA, KE, Nr, IDir, HASH_R; HDR, HASH_I -->
	 */
	{
		.type = ISAKMP_XCHG_AGGRESSIVE,
		.name = "Aggressive Mode",
		.i = &proto_ike_am_i_table,
		.r = &proto_ike_am_r_table,
		.enc = IKE_ENC_NEVER,
		.start_i = S_AM_I_START,
		.start_r = S_AM_R_START,
		.done_i = S_P1_UP,
		.done_r = S_P1_UP,
		.on_timeout = proto_ike_p1_on_timeout,
		.on_fail = proto_ike_p1_on_fail,
	},
	/* RFC 2409 §5.7: HDR*, HASH(1), N/D --> (and HDR, N during phase 1). One message and no
	 * state: ike_info.c takes it whole (see there why it has no slot). */
	{
		.type = ISAKMP_XCHG_INFO,
		.name = "Informational",
		.enc = IKE_ENC_NEVER,
		.input = proto_ike_info_input,
	},
	/* RFC 2409 §5.5: HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] --> <-- HDR*, HASH(2), ...;
	 * HDR*, HASH(3) --> */
	{
		.type = ISAKMP_XCHG_QUICK,
		.name = "Quick Mode",
		.i = &proto_ike_qm_i_table,
		.r = &proto_ike_qm_r_table,
		.enc = IKE_ENC_ALWAYS,
		.phase2 = true,
		.start_i = S_QM_I_START,
		.start_r = S_QM_R_START,
		.done_i = S_QM_I_DONE,
		.done_r = S_QM_R_DONE,
		.linger_i = true,
		.data_size = sizeof(struct ike_qm_data),
		.init = proto_ike_qm_init,
		.clear = proto_ike_qm_clear,
		.on_timeout = proto_ike_qm_on_timeout,
		.on_fail = proto_ike_qm_on_fail,
	},
	/* draft-ietf-ipsec-isakmp-mode-cfg: HDR*, HASH, ATTR(REQUEST | SET) -->
	 * <-- HDR*, HASH, ATTR(REPLY | ACK) (ike_cfg.c) */
	{
		.type = ISAKMP_XCHG_TRANSACTION,
		.name = "Transaction",
		.i = &proto_ike_cfg_i_table,
		.r = &proto_ike_cfg_r_table,
		.enc = IKE_ENC_ALWAYS,
		.phase2 = true,
		.early = true,
		.start_i = S_CFG_I_START,
		.start_r = S_CFG_R_START,
		.done_i = S_CFG_I_DONE,
		.done_r = S_CFG_R_DONE,
		.linger_r = true,
		.data_size = sizeof(struct ike_cfg_data),
		.on_timeout = proto_ike_cfg_on_timeout,
		.on_fail = proto_ike_cfg_on_fail,
		.on_done = proto_ike_ra_on_done,
	},
};

const struct ike_kind *proto_ike_kind(uint8_t type)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].type == type)
			return &kinds[i];
	return NULL;
}
