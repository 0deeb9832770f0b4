// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IKE fragmentation for IKEv1, the vendor-ID scheme Cisco introduced and the other IKEv1 daemons
 * follow: each side announces it with a vendor ID (MD5("FRAGMENTATION"), optionally followed by a
 * 4-byte capability word); a message too large for the path is sent as several datagrams, each
 * an ISAKMP header (the message's cookies, exchange type and message ID, no flags) and one
 * fragment payload (132):
 *
 *   HDR(next payload 132), FRAG(id, number 1..n, LAST on the n-th, bytes of the whole message)
 *
 * The fragments' data, in order, is the whole original datagram, header included (encrypted if
 * it was). Only phase-1 messages (Main and Aggressive Mode, message ID 0) are fragmented and
 * accepted in fragments, as the other daemons do; a reassembled message re-enters
 * proto_ike_input() like a datagram.
 *
 * Reassembly keeps a small table per engine with hard limits (engine.h PROTO_IKE_FRAG_*): at most
 * 16 fragments and PROTO_IKE_MSG_MAX bytes per message, FRAG_PEER_MAX partial messages per peer
 * address and FRAG_PARTIAL_MAX in all (the oldest goes for a new one), each dropped
 * FRAG_TIMEOUT_MS after its first fragment (checked on every fragment and every timer, from the
 * env clock). Held bytes and messages are counted in the engine's stats.
 */
#include "proto/ike/engine.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/ike/engine_int.h"

/* MD5("FRAGMENTATION"); the capability word 0x80000000 follows it in what we send. */
static const uint8_t vid_frag[20] = {0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7,
				     0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3, 0x80, 0x00, 0x00, 0x00};

/* One message being reassembled: the peer and cookies it came with, its fragment ID, the
 * fragments held by number (1..PROTO_IKE_FRAG_MAX) and the number of the LAST one (0: not yet). */
struct ike_frag_msg {
	bool used;
	struct proto_ike_addr local, peer;
	bool natt;
	uint8_t icookie[8], rcookie[8];
	uint8_t exchange;
	uint16_t id;
	uint8_t last, have;
	size_t bytes;
	uint64_t started;
	uint8_t *part[PROTO_IKE_FRAG_MAX + 1];
	uint16_t part_len[PROTO_IKE_FRAG_MAX + 1];
};

struct ike_frag_tab {
	struct ike_frag_msg m[PROTO_IKE_FRAG_PARTIAL_MAX];
};

void proto_ike_frag_vid_put(const struct ike_sa *sa, struct proto_builder *b)
{
	if (sa->conn->fragmentation != PROTO_IKE_FRAG_NO)
		proto_put_vid(b, vid_frag, sizeof(vid_frag));
}

/* Records the peer's fragmentation vendor ID, with or without the capability word. */
bool proto_ike_frag_vid(struct ike_sa *sa, const uint8_t *vid, size_t len)
{
	if ((len != 16 && len != 20) || memcmp(vid, vid_frag, 16) != 0)
		return false;
	sa->peer_frag = true;
	return true;
}

/* ---- sending ---- */

/* IP and UDP headers (and the NAT-T marker) around an IKE datagram to sa's peer. */
static size_t overhead(const struct ike_sa *sa)
{
	return (sa->peer.family == AF_INET6 ? 40u : 20u) + 8u + (sa->natt ? 4u : 0u);
}

/*
 * Sends buf (a whole message of sa) as fragments if the conn's mode and the peer allow it, it is
 * a phase-1 message and its datagram is larger than the fragment size. Returns false if the
 * caller is to send it whole. Each fragment carries at most the same share of the message, and
 * never more than PROTO_IKE_FRAG_MAX fragments are made (they grow instead).
 */
bool proto_ike_frag_send(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	const struct proto_ike_conn *c = sa->conn;
	struct proto_header h;
	size_t err_off;
	if (c->fragmentation == PROTO_IKE_FRAG_NO || c->fragmentation == PROTO_IKE_FRAG_ACCEPT ||
	    (c->fragmentation == PROTO_IKE_FRAG_YES && !sa->peer_frag))
		return false;
	if (proto_decode_header(buf, len, &h, &err_off) != PROTO_OK || h.msgid != 0 ||
	    (h.exchange != ISAKMP_XCHG_IDPROT && h.exchange != ISAKMP_XCHG_AGGRESSIVE))
		return false;
	size_t size = c->fragment_size ? c->fragment_size : PROTO_IKE_FRAG_SIZE_DEFAULT;
	if (len + overhead(sa) <= size)
		return false;
	/* FRAG: 4 + 4 bytes; a size too small for headers (the daemon allows none) still
	 * carries 64 bytes a fragment */
	size_t room = overhead(sa) + PROTO_HDR_LEN + 8;
	size_t chunk = size > room + 64 ? size - room : 64;
	size_t n = (len + chunk - 1) / chunk;
	if (n > PROTO_IKE_FRAG_MAX) {
		n = PROTO_IKE_FRAG_MAX;
		chunk = (len + n - 1) / n;
	}
	if (++sa->frag_id == 0)
		sa->frag_id = 1;
	h.next_payload = ISAKMP_PL_FRAG;
	h.flags = 0;
	uint8_t out[PROTO_IKE_MSG_MAX];
	for (size_t i = 0, off = 0; off < len; i++, off += chunk) {
		size_t part = len - off < chunk ? len - off : chunk;
		struct proto_builder b;
		proto_builder_init(&b, out, sizeof(out));
		proto_put_header(&b, &h);
		proto_put_frag(&b, sa->frag_id, (uint8_t)(i + 1), off + part == len, buf + off,
			       part);
		size_t flen = proto_builder_finish(&b);
		if (!flen)
			return false;
		proto_ike_push_datagram(sa, out, flen);
		sa->e->st.frag_tx++;
	}
	explicit_bzero(out, sizeof(out));
	proto_ike_log(sa->e, PROTO_LOG_DEBUG,
		      "#%llu: sent a %zu-byte message in %zu fragments (id %u)",
		      (unsigned long long)sa->id, len, (len + chunk - 1) / chunk, sa->frag_id);
	return true;
}

/* ---- reassembly ---- */

static void msg_drop(struct proto_ike_engine *e, struct ike_frag_msg *m)
{
	for (unsigned i = 1; i <= PROTO_IKE_FRAG_MAX; i++)
		free(m->part[i]);
	e->st.frag_bytes -= m->bytes;
	e->st.frag_partial--;
	memset(m, 0, sizeof(*m));
}

void proto_ike_frag_expire(struct proto_ike_engine *e)
{
	if (!e->frag)
		return;
	uint64_t now = proto_ike_now(e);
	for (unsigned i = 0; i < PROTO_IKE_FRAG_PARTIAL_MAX; i++) {
		struct ike_frag_msg *m = &e->frag->m[i];
		if (m->used && now >= m->started + PROTO_IKE_FRAG_TIMEOUT_MS) {
			e->st.frag_timeout++;
			msg_drop(e, m);
		}
	}
}

void proto_ike_frag_free(struct proto_ike_engine *e)
{
	if (!e->frag)
		return;
	for (unsigned i = 0; i < PROTO_IKE_FRAG_PARTIAL_MAX; i++)
		if (e->frag->m[i].used)
			msg_drop(e, &e->frag->m[i]);
	free(e->frag);
	e->frag = NULL;
}

static bool same_peer(const struct proto_ike_addr *a, const struct proto_ike_addr *b)
{
	return proto_ike_addr_eq(a, b) && a->port == b->port;
}

/*
 * The partial message fragment (h, id) from peer belongs to, or a new one. A partial message
 * with the same cookies but another fragment ID is dropped (the peer resent the message). A new
 * one takes a free slot, else the peer's oldest at FRAG_PEER_MAX, else the oldest of all. NULL
 * only without memory.
 */
static struct ike_frag_msg *msg_of(struct proto_ike_engine *e, const struct proto_header *h,
				   uint16_t id, const struct proto_ike_addr *peer)
{
	if (!e->frag && !(e->frag = calloc(1, sizeof(*e->frag))))
		return NULL;
	struct ike_frag_msg *free_slot = NULL, *oldest = NULL, *peer_oldest = NULL;
	unsigned from_peer = 0;
	for (unsigned i = 0; i < PROTO_IKE_FRAG_PARTIAL_MAX; i++) {
		struct ike_frag_msg *m = &e->frag->m[i];
		if (!m->used) {
			free_slot = free_slot ? free_slot : m;
			continue;
		}
		if (same_peer(&m->peer, peer) && !memcmp(m->icookie, h->icookie, 8) &&
		    !memcmp(m->rcookie, h->rcookie, 8) && m->exchange == h->exchange) {
			if (m->id == id)
				return m;
			e->st.frag_evict++;
			msg_drop(e, m);
			free_slot = free_slot ? free_slot : m;
			continue;
		}
		if (!oldest || m->started < oldest->started)
			oldest = m;
		if (proto_ike_addr_eq(&m->peer, peer)) {
			from_peer++;
			if (!peer_oldest || m->started < peer_oldest->started)
				peer_oldest = m;
		}
	}
	struct ike_frag_msg *m = free_slot;
	if (from_peer >= PROTO_IKE_FRAG_PEER_MAX || !m)
		m = from_peer >= PROTO_IKE_FRAG_PEER_MAX ? peer_oldest : oldest;
	if (m->used) {
		e->st.frag_evict++;
		msg_drop(e, m);
	}
	m->used = true;
	m->peer = *peer;
	memcpy(m->icookie, h->icookie, 8);
	memcpy(m->rcookie, h->rcookie, 8);
	m->exchange = h->exchange;
	m->id = id;
	m->started = proto_ike_now(e);
	e->st.frag_partial++;
	return m;
}

/* Adds fragment f to m. False if it breaks a limit or contradicts what m holds (m is dropped). */
static bool msg_add(struct proto_ike_engine *e, struct ike_frag_msg *m, const struct proto_frag *f)
{
	bool last = f->flags & PROTO_FRAG_FLAG_LAST;
	bool bad = f->number > PROTO_IKE_FRAG_MAX || (last && m->last) ||
		   (m->last && f->number > m->last) || m->bytes + f->data.len > PROTO_IKE_MSG_MAX;
	for (unsigned i = f->number + 1; last && !bad && i <= PROTO_IKE_FRAG_MAX; i++)
		bad = m->part[i] != NULL; /* a fragment after the LAST one */
	uint8_t *copy = bad ? NULL : malloc(f->data.len);
	if (!copy) {
		e->st.drop_frag++;
		msg_drop(e, m);
		return false;
	}
	memcpy(copy, f->data.p, f->data.len);
	m->part[f->number] = copy;
	m->part_len[f->number] = (uint16_t)f->data.len;
	m->bytes += f->data.len;
	e->st.frag_bytes += f->data.len;
	m->have++;
	if (last)
		m->last = f->number;
	return true;
}

/* The whole message of a complete m (freed), checked against the fragments' header, into the
 * input path. */
static enum proto_ike_input_result msg_done(struct proto_ike_engine *e, struct ike_frag_msg *m,
					    const struct proto_header *fh)
{
	struct proto_ike_addr local = m->local, peer = m->peer;
	bool natt = m->natt;
	uint8_t n_frags = m->last;
	size_t len = 0;
	uint8_t *whole = malloc(m->bytes);
	if (!whole) {
		msg_drop(e, m);
		return PROTO_IKE_IN_DROPPED;
	}
	for (unsigned i = 1; i <= m->last; i++) {
		memcpy(whole + len, m->part[i], m->part_len[i]);
		len += m->part_len[i];
	}
	msg_drop(e, m);
	struct proto_header h;
	size_t err_off;
	enum proto_ike_input_result r = PROTO_IKE_IN_DROPPED;
	if (proto_decode_header(whole, len, &h, &err_off) == PROTO_OK &&
	    h.next_payload != ISAKMP_PL_FRAG && h.exchange == fh->exchange && h.msgid == 0 &&
	    !memcmp(h.icookie, fh->icookie, 8) && !memcmp(h.rcookie, fh->rcookie, 8)) {
		e->st.frag_reassembled++;
		proto_ike_log(e, PROTO_LOG_DEBUG,
			      "reassembled a %zu-byte message from %u fragments", len,
			      (unsigned)n_frags);
		r = proto_ike_input(e, whole, len, &local, &peer, natt);
	} else {
		e->st.drop_frag++;
	}
	explicit_bzero(whole, len);
	free(whole);
	return r;
}

/*
 * A datagram whose first payload is a fragment (h is its checked header). Holds the fragment;
 * when it completes a message, runs that message and returns its result. A fragment of
 * anything but a phase-1 message, or one not alone in its datagram, is dropped; a duplicate
 * fragment says DUPLICATE.
 */
enum proto_ike_input_result proto_ike_frag_input(struct proto_ike_engine *e, const uint8_t *buf,
						 const struct proto_header *h,
						 const struct proto_ike_addr *local,
						 const struct proto_ike_addr *peer, bool natt)
{
	e->st.frag_rx++;
	proto_ike_frag_expire(e);
	if (h->msgid != 0 ||
	    (h->exchange != ISAKMP_XCHG_IDPROT && h->exchange != ISAKMP_XCHG_AGGRESSIVE)) {
		e->st.drop_frag++;
		return PROTO_IKE_IN_DROPPED;
	}
	struct proto_msg *pm = malloc(sizeof(*pm));
	if (!pm)
		return PROTO_IKE_IN_DROPPED;
	enum proto_ike_input_result r = PROTO_IKE_IN_DROPPED;
	if (proto_decode_payloads(h->next_payload, buf + PROTO_HDR_LEN, h->length - PROTO_HDR_LEN,
				  0, pm) != PROTO_OK ||
	    pm->n != 1) {
		e->st.drop_malformed++;
		goto out;
	}
	const struct proto_frag *f = &pm->pl[0].u.frag;
	struct ike_frag_msg *m = msg_of(e, h, f->id, peer);
	if (!m)
		goto out;
	if (f->number <= PROTO_IKE_FRAG_MAX && m->part[f->number]) {
		e->st.frag_dup++;
		r = PROTO_IKE_IN_DUPLICATE;
		goto out;
	}
	if (!msg_add(e, m, f))
		goto out;
	m->local = *local;
	m->natt = natt;
	r = PROTO_IKE_IN_OK;
	if (m->last && m->have == m->last)
		r = msg_done(e, m, h);
out:
	free(pm);
	return r;
}
