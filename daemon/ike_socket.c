// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/ike_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "daemon/kernel.h"

static const uint8_t non_esp_marker[4];

static int set_opt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

static int configure(const struct dmn_kernel *k, int fd, int family, enum dmn_sock_kind kind)
{
	int r = set_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (r == 0 && kind == DMN_SOCK_IKE)
		r = set_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (r == 0 && family == AF_INET)
		r = set_opt(fd, IPPROTO_IP, IP_PKTINFO, 1);
	if (r == 0 && family == AF_INET6) {
		r = set_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
		if (r == 0)
			r = set_opt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	}
	/* IKE must never be caught by an IPsec policy, ours or another's. */
	if (r == 0)
		r = k->ops->socket_bypass(k->ctx, fd, family);
	if (r == 0 && kind == DMN_SOCK_NATT)
		r = k->ops->socket_udp_encap(k->ctx, fd);
	return r;
}

/* Opens, configures and binds one socket; returns the fd or -errno. */
static int open_bound(const struct dmn_kernel *k, int family, const struct sockaddr *sa,
		      socklen_t sl, enum dmn_sock_kind kind)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	int r = configure(k, fd, family, kind);
	if (r == 0 && bind(fd, sa, sl) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* The reply-only twin of an IKE socket: every datagram for the port goes to the group's first
 * socket (a one-instruction classic BPF program: "return index 0"), so the twin never receives,
 * and its own small receive buffer bounds what arrives before the program is in place. */
static int open_reply_twin(const struct dmn_kernel *k, int main_fd, int family,
			   const struct sockaddr *sa, socklen_t sl)
{
	struct sock_filter code[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
	struct sock_fprog prog = {.len = 1, .filter = code};
	if (setsockopt(main_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0)
		return -errno;
	int fd = open_bound(k, family, sa, sl, DMN_SOCK_IKE);
	if (fd >= 0)
		(void)set_opt(fd, SOL_SOCKET, SO_RCVBUF, 1); /* the kernel's minimum */
	return fd;
}

int dmn_sock_open(const struct dmn_kernel *k, int family, const void *bind_addr, uint16_t port,
		  enum dmn_sock_kind kind, struct dmn_sock *ret)
{
	int r;
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		if (bind_addr)
			memcpy(&sin->sin_addr, bind_addr, 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (bind_addr)
			memcpy(&sin6->sin6_addr, bind_addr, 16);
		sl = sizeof(*sin6);
	}
	int fd = open_bound(k, family, (struct sockaddr *)&ss, sl, kind);
	if (fd < 0)
		return fd;
	/* no twin where the kernel cannot steer: replies then share fd (the one socket) */
	r = kind == DMN_SOCK_IKE ? open_reply_twin(k, fd, family, (struct sockaddr *)&ss, sl) : -1;
	*ret = (struct dmn_sock){.fd = fd,
				 .reply_fd = r >= 0 ? r : -1,
				 .family = family,
				 .port = port,
				 .kind = kind};
	return 0;
}

void dmn_sock_close(struct dmn_sock *s)
{
	if (s && s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	if (s && s->reply_fd >= 0) {
		close(s->reply_fd);
		s->reply_fd = -1;
	}
}

/* Reads the destination address out of the PKTINFO control message. */
static void parse_cmsgs(struct msghdr *mh, const struct dmn_sock *s, struct dmn_pkt *pkt)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			struct sockaddr_in *sin = (struct sockaddr_in *)&pkt->local;
			sin->sin_family = AF_INET;
			sin->sin_addr = pi.ipi_addr;
			sin->sin_port = htons(s->port);
			pkt->ifindex = pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&pkt->local;
			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = pi.ipi6_addr;
			sin6->sin6_port = htons(s->port);
			pkt->ifindex = (int)pi.ipi6_ifindex;
		}
	}
}

int dmn_sock_recv(const struct dmn_sock *s, uint8_t *buf, size_t cap, struct dmn_pkt *ret)
{
	struct dmn_pkt pkt = {.sock = s};
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			 CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh = {
		.msg_name = &pkt.peer,
		.msg_namelen = sizeof(pkt.peer),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (mh.msg_flags & MSG_TRUNC)
		return 0;
	parse_cmsgs(&mh, s, &pkt);
	size_t len = (size_t)n;
	const uint8_t *p = buf;
	if (s->kind == DMN_SOCK_NATT) {
		/* RFC 3948 §2.2: IKE on 4500 starts with a zero non-ESP marker; a lone 0xff byte is
		 * a keepalive (the kernel usually eats those). Anything else is not ours. */
		if (len < sizeof(non_esp_marker) || memcmp(p, non_esp_marker, 4) != 0)
			return 0;
		p += 4;
		len -= 4;
	}
	pkt.data = p;
	pkt.len = len;
	*ret = pkt;
	return 1;
}

static int send_iov(const struct dmn_sock *s, int fd, struct iovec *iov, size_t niov,
		    const struct sockaddr *peer, const struct sockaddr *local)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct msghdr mh = {
		.msg_name = (void *)peer,
		.msg_namelen = peer->sa_family == AF_INET ? sizeof(struct sockaddr_in)
							  : sizeof(struct sockaddr_in6),
		.msg_iov = iov,
		.msg_iovlen = niov,
	};
	if (local && local->sa_family == AF_INET && s->family == AF_INET) {
		struct in_pktinfo pi = {.ipi_spec_dst =
						((const struct sockaddr_in *)local)->sin_addr};
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else if (local && local->sa_family == AF_INET6 && s->family == AF_INET6) {
		struct in6_pktinfo pi = {.ipi6_addr =
						 ((const struct sockaddr_in6 *)local)->sin6_addr};
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	return sendmsg(fd, &mh, MSG_DONTWAIT) < 0 ? -errno : 0;
}

int dmn_sock_send(const struct dmn_sock *s, bool untrusted, const uint8_t *msg, size_t len,
		  const struct sockaddr *peer, const struct sockaddr *local)
{
	struct iovec iov[2];
	size_t n = 0;
	if (s->kind == DMN_SOCK_NATT)
		iov[n++] = (struct iovec){.iov_base = (void *)non_esp_marker, .iov_len = 4};
	iov[n++] = (struct iovec){.iov_base = (void *)msg, .iov_len = len};
	return send_iov(s, untrusted && s->reply_fd >= 0 ? s->reply_fd : s->fd, iov, n, peer,
			local);
}

int dmn_sock_keepalive(const struct dmn_sock *s, const struct sockaddr *peer,
		       const struct sockaddr *local)
{
	static const uint8_t ka = 0xff;
	struct iovec iov = {.iov_base = (void *)&ka, .iov_len = 1};
	return send_iov(s, s->fd, &iov, 1, peer, local);
}

const char *dmn_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		port = ntohs(sin6->sin6_port);
	}
	snprintf(buf, len, "%s[%u]", a, port);
	return buf;
}
