/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKE sockets: UDP 500 and 4500 (NAT-T, RFC 3948) for IPv4 and IPv6. Each socket knows the
 * local address a datagram arrived on (IP_PKTINFO / IPV6_RECVPKTINFO) so replies leave from it, has
 * per-socket XFRM bypass policies so IKE itself is never encrypted by a policy, and the 4500
 * sockets carry UDP_ENCAP_ESPINUDP: the kernel decapsulates ESP-in-UDP itself and hands userspace
 * only datagrams that start with the four-byte non-ESP marker, which recv strips and send adds.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Largest IKE datagram oakley accepts (RFC 2408 allows 64 KiB; fragments keep real ones small). */
#define DMN_PKT_MAX 65535

enum dmn_sock_kind {
	DMN_SOCK_IKE,  /* port 500 style: plain ISAKMP */
	DMN_SOCK_NATT, /* port 4500 style: non-ESP marker + ISAKMP, ESP-in-UDP to the kernel */
};

struct dmn_sock {
	int fd;
	/* IKE kind: a second socket on the same address and port (SO_REUSEPORT, every incoming
	 * datagram steered to fd), used only to answer first messages from addresses no conn
	 * names. Its send buffer is the only one such replies can fill: when spoofed sources are
	 * on-link, each reply waits seconds in the kernel's neighbour queue, charged to the
	 * socket that sent it, and would otherwise starve the replies configured peers need.
	 * -1 where the kernel cannot steer (SO_ATTACH_REUSEPORT_CBPF, Linux 4.5). */
	int reply_fd;
	int family;
	uint16_t port;
	enum dmn_sock_kind kind;
};

/* One received IKE datagram; data points into the caller's buffer, past any non-ESP marker. */
struct dmn_pkt {
	const uint8_t *data;
	size_t len;
	struct sockaddr_storage peer;
	struct sockaddr_storage local; /* destination address of the datagram, port = socket's */
	int ifindex;
	const struct dmn_sock *sock;
};

/*
 * Opens, configures and binds a socket on family (AF_INET/AF_INET6), port and kind; bind_addr may
 * be NULL for the wildcard; k sets its IPsec bypass (and ESP-in-UDP). Returns 0 and fills *ret, or
 * -errno (the socket is closed on failure).
 */
struct dmn_kernel;
int dmn_sock_open(const struct dmn_kernel *k, int family, const void *bind_addr, uint16_t port,
		  enum dmn_sock_kind kind, struct dmn_sock *ret);

void dmn_sock_close(struct dmn_sock *s);

/*
 * Receives one datagram into buf (size cap). Returns 1 and fills *ret for an IKE message, 0 for a
 * datagram that is not one (NAT keepalive, truncated marker) and should be ignored, -EAGAIN when
 * nothing is queued, or another -errno.
 */
int dmn_sock_recv(const struct dmn_sock *s, uint8_t *buf, size_t cap, struct dmn_pkt *ret);

/*
 * Sends one IKE message to peer from local (NULL: let the kernel choose), adding the non-ESP marker
 * on NAT-T sockets; untrusted: through reply_fd where there is one. Returns 0 or -errno.
 */
int dmn_sock_send(const struct dmn_sock *s, bool untrusted, const uint8_t *msg, size_t len,
		  const struct sockaddr *peer, const struct sockaddr *local);

/* Sends a one-byte NAT-keepalive (RFC 3948 §2.3) on a NAT-T socket. */
int dmn_sock_keepalive(const struct dmn_sock *s, const struct sockaddr *peer,
		       const struct sockaddr *local);

/* Formats addr:port into buf ("192.0.2.1[500]" / "2001:db8::1[4500]"); returns buf. */
const char *dmn_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len);
