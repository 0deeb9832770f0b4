// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The IKE sockets (daemon/ike_socket.c) on the loopback interface, without root: the kernel's
 * per-socket settings go through the fake kernel table (fake_kernel.c), ports are free high ones.
 * An IKE socket receives what another sends with the sender's port and the local address
 * (IP_PKTINFO); the NAT-T kind adds and strips the non-ESP marker and ignores a keepalive; a
 * datagram to an untrusted peer leaves through the reply twin, from the same port.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/ike_socket.h"
#include "fake_kernel.h"
#include "tests/testutil.h"

static struct fake_kernel fk;
static const struct dmn_kernel kern = {&fk_ops, &fk};

/* A free UDP port on 127.0.0.1 (0 if none). */
static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sin);
	uint16_t port = 0;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int open_on(enum dmn_sock_kind kind, struct dmn_sock *s, struct sockaddr_in *addr)
{
	static const uint8_t lo[4] = {127, 0, 0, 1};
	uint16_t port = free_port();
	if (!port)
		return -EADDRINUSE;
	*addr = (struct sockaddr_in){.sin_family = AF_INET,
				     .sin_port = htons(port),
				     .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return dmn_sock_open(&kern, AF_INET, lo, port, kind, s);
}

/* Waits up to 2 s for a datagram on s and receives it. */
static int recv_one(const struct dmn_sock *s, uint8_t *buf, size_t cap, struct dmn_pkt *pkt)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	if (poll(&p, 1, 2000) != 1)
		return -ETIMEDOUT;
	return dmn_sock_recv(s, buf, cap, pkt);
}

static void check_ike(void)
{
	struct dmn_sock a, b;
	struct sockaddr_in aa, ba;
	if (open_on(DMN_SOCK_IKE, &a, &aa) < 0 || open_on(DMN_SOCK_IKE, &b, &ba) < 0)
		TEST_SKIP("no UDP socket on 127.0.0.1");
	static const uint8_t msg[] = "an ISAKMP message";
	uint8_t buf[256];
	struct dmn_pkt pkt;
	CHECK_EQ_INT(dmn_sock_send(&a, false, msg, sizeof(msg), (struct sockaddr *)&ba,
				   (struct sockaddr *)&aa),
		     0);
	if (CHECK_EQ_INT(recv_one(&b, buf, sizeof(buf), &pkt), 1)) {
		CHECK_EQ_INT(pkt.len, sizeof(msg));
		CHECK_MEM(pkt.data, msg, sizeof(msg));
		CHECK_EQ_INT(((struct sockaddr_in *)&pkt.peer)->sin_port, aa.sin_port);
		/* the local address from IP_PKTINFO, the port of the socket */
		CHECK_EQ_INT(pkt.local.ss_family, AF_INET);
		CHECK_EQ_INT(((struct sockaddr_in *)&pkt.local)->sin_addr.s_addr,
			     htonl(INADDR_LOOPBACK));
		CHECK_EQ_INT(((struct sockaddr_in *)&pkt.local)->sin_port, ba.sin_port);
		CHECK(pkt.sock == &b);
		char str[64];
		dmn_sockaddr_str((struct sockaddr *)&pkt.peer, str, sizeof(str));
		char want[64];
		snprintf(want, sizeof(want), "127.0.0.1[%u]", ntohs(aa.sin_port));
		CHECK(strcmp(str, want) == 0);
	}
	/* untrusted: through the reply twin (where the kernel can steer), same source port */
	CHECK_EQ_INT(dmn_sock_send(&a, true, msg, sizeof(msg), (struct sockaddr *)&ba, NULL), 0);
	if (CHECK_EQ_INT(recv_one(&b, buf, sizeof(buf), &pkt), 1))
		CHECK_EQ_INT(((struct sockaddr_in *)&pkt.peer)->sin_port, aa.sin_port);
	CHECK_EQ_INT(dmn_sock_recv(&b, buf, sizeof(buf), &pkt), -EAGAIN);
	dmn_sock_close(&a);
	dmn_sock_close(&b);
	CHECK_EQ_INT(a.fd, -1);
}

static void check_natt(void)
{
	struct dmn_sock x, y;
	struct sockaddr_in xa, ya;
	if (open_on(DMN_SOCK_NATT, &x, &xa) < 0 || open_on(DMN_SOCK_NATT, &y, &ya) < 0)
		TEST_SKIP("no UDP socket on 127.0.0.1");
	CHECK_EQ_INT(x.reply_fd, -1); /* only the IKE kind has a twin */
	static const uint8_t msg[] = "an ISAKMP message on 4500";
	uint8_t buf[256];
	struct dmn_pkt pkt;
	CHECK_EQ_INT(dmn_sock_send(&x, false, msg, sizeof(msg), (struct sockaddr *)&ya, NULL), 0);
	if (CHECK_EQ_INT(recv_one(&y, buf, sizeof(buf), &pkt), 1)) {
		CHECK_EQ_INT(pkt.len, sizeof(msg)); /* the marker stripped */
		CHECK_MEM(pkt.data, msg, sizeof(msg));
		CHECK_MEM(buf, "\0\0\0\0", 4); /* it was on the wire */
	}
	/* a NAT keepalive is no IKE message */
	CHECK_EQ_INT(dmn_sock_keepalive(&x, (struct sockaddr *)&ya, (struct sockaddr *)&xa), 0);
	CHECK_EQ_INT(recv_one(&y, buf, sizeof(buf), &pkt), 0);
	dmn_sock_close(&x);
	dmn_sock_close(&y);
}

int main(void)
{
	fk_init(&fk, "sockets", 0x100);
	check_ike();
	check_natt();
	fk_fini(&fk);
	return TEST_END();
}
