#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Holds an IPv4 UDP socket bound to ADDR:PORT open the way an IKE daemon's NAT-T socket is:
UDP_ENCAP_ESPINUDP (RFC 3948) so the kernel decapsulates ESP-in-UDP arriving on it, and a per-socket
bypass policy in both directions (IP_XFRM_POLICY) so its own traffic is not caught by the SPD.
Creates the file READY once set up, then sleeps up to MAXSECS (or until killed).

usage: natt-socket.py ADDR PORT READY MAXSECS
"""
import socket
import struct
import sys
import time

SOL_UDP = 17
UDP_ENCAP = 100  # <linux/udp.h>
UDP_ENCAP_ESPINUDP = 2  # RFC 3948 framing (non-ESP marker 0 for IKE)
IP_XFRM_POLICY = 17  # <linux/in.h>
XFRM_POLICY_IN, XFRM_POLICY_OUT = 0, 1
XFRM_POLICY_ALLOW = 0
XFRM_INF = 0xFFFFFFFFFFFFFFFF


def bypass_policy(direction):
    """struct xfrm_userpolicy_info (<linux/xfrm.h>), 168 bytes on x86-64, no templates."""
    # struct xfrm_selector: daddr[16] saddr[16] dport dport_mask sport sport_mask family
    # prefixlen_d prefixlen_s proto (pad) ifindex user
    sel = struct.pack("=16s16sHHHHHBBBxxxiI", b"", b"", 0, 0, 0, 0, socket.AF_INET, 0, 0, 0, 0, 0)
    assert len(sel) == 56
    lft = struct.pack("=8Q", XFRM_INF, XFRM_INF, XFRM_INF, XFRM_INF, 0, 0, 0, 0)
    curlft = struct.pack("=4Q", 0, 0, 0, 0)
    tail = struct.pack("=IIBBBBxxxx", 0, 0, direction, XFRM_POLICY_ALLOW, 0, 0)
    pol = sel + lft + curlft + tail
    assert len(pol) == 168
    return pol


def main():
    addr, port, ready, maxsecs = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_XFRM_POLICY, bypass_policy(XFRM_POLICY_IN))
    s.setsockopt(socket.IPPROTO_IP, IP_XFRM_POLICY, bypass_policy(XFRM_POLICY_OUT))
    s.setsockopt(SOL_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)
    s.bind((addr, port))
    with open(ready, "w") as f:
        f.write("ok\n")
    time.sleep(maxsecs)
    s.close()


if __name__ == "__main__":
    main()
