// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Socket helpers for the daemon's IKE sockets: per-socket bypass policies and ESP-in-UDP.
 */
#include "xfrm/xfrm.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

/*
 * IKE packets must never be caught by the SPD (RFC 4301 §5.2 processes IKE outside IPsec): an
 * "allow" socket policy per direction overrides every global policy for this socket. Needs
 * CAP_NET_ADMIN.
 */
int xfrm_socket_bypass(int fd, int family)
{
	int level, opt;
	if (family == AF_INET) {
		level = IPPROTO_IP;
		opt = IP_XFRM_POLICY;
	} else if (family == AF_INET6) {
		level = IPPROTO_IPV6;
		opt = IPV6_XFRM_POLICY;
	} else {
		return -EAFNOSUPPORT;
	}
	for (uint8_t dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		struct xfrm_userpolicy_info pol;
		memset(&pol, 0, sizeof(pol));
		pol.action = XFRM_POLICY_ALLOW;
		pol.sel.family = (uint16_t)family;
		pol.dir = dir;
		pol.lft.soft_byte_limit = pol.lft.hard_byte_limit = XFRM_INF;
		pol.lft.soft_packet_limit = pol.lft.hard_packet_limit = XFRM_INF;
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0)
			return -errno;
	}
	return 0;
}

int xfrm_socket_udp_encap(int fd)
{
	int type = UDP_ENCAP_ESPINUDP;
	return setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) < 0 ? -errno : 0;
}
