# SPDX-License-Identifier: GPL-2.0-or-later
"""IKEv1 byte builders and the little crypto the hostile suite needs to play a Main Mode initiator.

Layouts: ISAKMP header and generic payload header RFC 2408 §3.1-§3.2; SA/Proposal/Transform §3.4-§3.6;
data attributes §3.3; KE §3.7, ID §3.8 (RFC 2407 §4.6.2), HASH §3.11, Nonce §3.13, Notify §3.14.
Phase-1 attribute values RFC 2409 appendix A; Main Mode with pre-shared keys and its key schedule RFC
2409 §5, §5.4 and appendix B (IV). Cisco-style fragment payload 132: fragment ID (2), number (1),
flags (1, 1 = last), data. Non-ESP marker for port 4500: RFC 3948 §2.2.
Everything here builds bytes; nothing is parsed from the network except by parse_reply(), which
bounds-checks every length.
"""
import hashlib
import hmac
import os
import struct

# RFC 2408 §3.1 payload types, §3.1 exchange types, RFC 2408 §3.14.1 notify types.
PL_NONE, PL_SA, PL_P, PL_T, PL_KE, PL_ID, PL_CERT, PL_CR, PL_HASH, PL_SIG, PL_NONCE, PL_N, PL_D, PL_VID = range(14)
PL_FRAG = 132
X_BASE, X_IDPROT, X_AUTH, X_AGGR, X_INFO = 1, 2, 3, 4, 5
X_QUICK = 32
FLAG_E = 1
N_NAMES = {1: 'INVALID_PAYLOAD_TYPE', 5: 'INVALID_MAJOR_VERSION', 7: 'INVALID_EXCHANGE_TYPE',
           9: 'INVALID_MESSAGE_ID', 11: 'INVALID_COOKIE', 14: 'NO_PROPOSAL_CHOSEN',
           16: 'PAYLOAD_MALFORMED', 17: 'INVALID_KEY_INFORMATION', 18: 'INVALID_ID_INFORMATION',
           23: 'INVALID_HASH_INFORMATION', 24: 'AUTHENTICATION_FAILED', 30: 'UNEQUAL_PAYLOAD_LENGTHS'}


def hdr(icky, rcky, np, exch, flags=0, msgid=0, length=None, body_len=0):
    """The 28-byte ISAKMP header; length defaults to 28 + body_len."""
    if length is None:
        length = 28 + body_len
    return icky + rcky + struct.pack('>BBBBII', np, 0x10, exch, flags, msgid, length & 0xffffffff)


def payload(np, body, critical=False, length=None):
    """A generic payload header (RFC 2408 §3.2) and body; length defaults to the true one."""
    if length is None:
        length = 4 + len(body)
    return struct.pack('>BBH', np, 0x80 if critical else 0, length & 0xffff) + body


def chain(payloads):
    """payloads: [(type, body)]. Returns (first type, bytes) with each next-payload set."""
    out = b''
    for i, (t, body) in enumerate(payloads):
        np = payloads[i + 1][0] if i + 1 < len(payloads) else PL_NONE
        out += payload(np, body)
    return (payloads[0][0] if payloads else PL_NONE), out


def message(icky, rcky, exch, payloads, flags=0, msgid=0):
    np, body = chain(payloads)
    return hdr(icky, rcky, np, exch, flags, msgid, body_len=len(body)) + body


def attr_tv(t, v):
    return struct.pack('>HH', 0x8000 | t, v)


def attr_tlv(t, v):
    return struct.pack('>HH', t, len(v)) + v


# RFC 2409 appendix A: 1 encryption (7 = AES-CBC), 14 key length, 2 hash (4 = SHA2-256),
# 3 auth method (1 = pre-shared key), 4 group description, 11/12 life type/duration.
def p1_attrs(group, lifetime=3600):
    return (attr_tv(1, 7) + attr_tv(14, 128) + attr_tv(2, 4) + attr_tv(3, 1) + attr_tv(4, group) +
            attr_tv(11, 1) + attr_tlv(12, struct.pack('>I', lifetime)))


def transform(num, attrs, np=PL_NONE, tid=1):
    body = struct.pack('>BBH', num & 0xff, tid, 0) + attrs
    return payload(np, body)


def proposal(transforms, num=1, proto=1, np=PL_NONE, ntrans=None):
    """transforms: list of already-built transform payloads (their np set by the caller)."""
    body = b''.join(transforms)
    n = len(transforms) if ntrans is None else ntrans
    return payload(np, struct.pack('>BBBB', num, proto, 0, n & 0xff) + body)


def sa_body(props):
    """RFC 2407 §4.6.1: DOI 1 (IPsec), situation 1 (identity only), then proposal payloads."""
    return struct.pack('>II', 1, 1) + b''.join(props)


def p1_sa_body(group, ntrans=1):
    ts = [transform(i + 1, p1_attrs(group), PL_T if i + 1 < ntrans else PL_NONE)
          for i in range(ntrans)]
    return sa_body([proposal(ts)])


def id_ipv4(addr_bytes):
    """RFC 2407 §4.6.2: ID_IPV4_ADDR (1), protocol 0, port 0 (as RFC 2409 §5 allows)."""
    return struct.pack('>BBH', 1, 0, 0) + addr_bytes


def frag(fid, num, last, data):
    return struct.pack('>HBB', fid, num, 1 if last else 0) + data


def cookie():
    c = os.urandom(8)
    return c if c != bytes(8) else b'\x01' * 8


def parse_reply(data):
    """Returns a dict (exch, icky, rcky, msgid, flags, payload types, notify types) or None for bytes
    that are not a well-formed ISAKMP message. Notify types only where the message is plaintext."""
    if len(data) >= 4 and data[:4] == b'\0\0\0\0':
        data = data[4:]
    if len(data) < 28:
        return None
    icky, rcky = data[:8], data[8:16]
    np, ver, exch, flags, msgid, length = struct.unpack('>BBBBII', data[16:28])
    if length < 28 or length > len(data):
        return None
    r = {'exch': exch, 'icky': icky, 'rcky': rcky, 'msgid': msgid, 'flags': flags,
         'types': [], 'notify': [], 'raw': data[:length], 'payloads': {}}
    if flags & FLAG_E:
        return r
    off, left, n = 28, length - 28, 0
    while np != PL_NONE and n < 64:
        if left < 4:
            return None
        nnp, _, plen = struct.unpack('>BBH', data[off:off + 4])
        if plen < 4 or plen > left:
            return None
        body = data[off + 4:off + plen]
        r['types'].append(np)
        r['payloads'].setdefault(np, body)
        if np == PL_N and len(body) >= 8:
            r['notify'].append(struct.unpack('>H', body[6:8])[0])
        off, left, np, n = off + plen, left - plen, nnp, n + 1
    return r


# ---- Oakley groups -------------------------------------------------------------------------------

def _pi_bits(nbits):
    """floor(pi * 2^nbits), by Machin's formula in integers (plenty of guard bits)."""
    guard = 64
    one = 1 << (nbits + guard)

    def arctan_inv(x):
        total, term, x2, k, sign = 0, one // x, x * x, 1, 1
        while term:
            total += sign * (term // k)
            term //= x2
            k += 2
            sign = -sign
        return total
    return (4 * (4 * arctan_inv(5) - arctan_inv(239))) >> guard


def modp_prime(bits, k):
    """p = 2^N - 2^(N-64) - 1 + 2^64 * (floor(2^(N-130) pi) + k): RFC 2409 §6.1/§6.2 (768, 1024),
    RFC 3526 §2-§7 (1536-8192)."""
    return (1 << bits) - (1 << (bits - 64)) - 1 + (1 << 64) * (_pi_bits(bits - 130) + k)


# group number -> (kind, size in bits, k). Group numbers RFC 2409 §6, RFC 3526, RFC 5903 §5 (ECP,
# KE is x || y), 31 = Curve25519 (IANA IKEv2 registry, used by IKEv1 implementations too).
MODP = {1: (768, 149686), 2: (1024, 129093), 5: (1536, 741804), 14: (2048, 124476),
        15: (3072, 1690314), 16: (4096, 240904), 17: (6144, 929484), 18: (8192, 4743158)}
ECP = {19: 32, 20: 48, 21: 66}
X25519 = 31
_primes = {}


def group_prime(g):
    if g not in _primes:
        bits, k = MODP[g]
        _primes[g] = modp_prime(bits, k)
    return _primes[g]


def ke_len(g):
    if g in MODP:
        return MODP[g][0] // 8
    if g in ECP:
        return 2 * ECP[g]
    return 32


class DH:
    """Our side of one DH exchange in group g: .public (KE bytes) and .shared(peer)."""

    def __init__(self, g):
        self.g = g
        if g in MODP:
            self.p = group_prime(g)
            self.x = int.from_bytes(os.urandom(32), 'big') | 1
            self.public = pow(2, self.x, self.p).to_bytes(ke_len(g), 'big')
        elif g in ECP:
            from cryptography.hazmat.primitives.asymmetric import ec
            curve = {19: ec.SECP256R1(), 20: ec.SECP384R1(), 21: ec.SECP521R1()}[g]
            self.key = ec.generate_private_key(curve)
            n = self.key.public_key().public_numbers()
            self.public = n.x.to_bytes(ECP[g], 'big') + n.y.to_bytes(ECP[g], 'big')
        else:
            from cryptography.hazmat.primitives.asymmetric import x25519
            from cryptography.hazmat.primitives import serialization
            self.key = x25519.X25519PrivateKey.generate()
            self.public = self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                             serialization.PublicFormat.Raw)

    def shared(self, peer):
        if self.g in MODP:
            return pow(int.from_bytes(peer, 'big'), self.x, self.p).to_bytes(ke_len(self.g), 'big')
        if self.g in ECP:
            from cryptography.hazmat.primitives.asymmetric import ec
            n = ECP[self.g]
            curve = self.key.curve
            pub = ec.EllipticCurvePublicNumbers(int.from_bytes(peer[:n], 'big'),
                                                int.from_bytes(peer[n:], 'big'), curve).public_key()
            return self.key.exchange(ec.ECDH(), pub)  # RFC 5903 §7: the x coordinate
        from cryptography.hazmat.primitives.asymmetric import x25519
        return self.key.exchange(x25519.X25519PublicKey.from_public_bytes(peer))


def bad_kes(g):
    """(name, KE bytes) a responder must refuse for group g."""
    n = ke_len(g)
    out = [('zero-length', b''), ('short', b'\x02' * (n - 1)), ('long', b'\x02' * (n + 1))]
    if g in MODP:
        p = group_prime(g)
        for name, v in (('0', 0), ('1', 1), ('p-1', p - 1), ('p', p), ('p+1', p + 1)):
            out.append((name, v.to_bytes(n, 'big')))
        out.append(('all-ff', b'\xff' * n))
    elif g in ECP:
        c = ECP[g]
        out += [('zero-point', bytes(n)),
                ('off-curve-1-1', (1).to_bytes(c, 'big') + (1).to_bytes(c, 'big')),
                ('coords-ff', b'\xff' * n)]
    else:
        # RFC 7748 §6.1: all-zero output for low-order points; u = 0 and u = 1 are such points.
        out += [('u0', bytes(32)), ('u1', b'\x01' + bytes(31))]
    return out


# ---- Main Mode key schedule (RFC 2409 §5, §5.4, appendix B) with AES-128-CBC and HMAC-SHA2-256 ---

def prf(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


class MMKeys:
    def __init__(self, psk, ni, nr, gxy, icky, rcky, gxi, gxr):
        self.skeyid = prf(psk, ni + nr)
        self.d = prf(self.skeyid, gxy + icky + rcky + b'\0')
        self.a = prf(self.skeyid, self.d + gxy + icky + rcky + b'\1')
        self.e = prf(self.skeyid, self.a + gxy + icky + rcky + b'\2')
        self.key = self.e[:16]
        self.iv = hashlib.sha256(gxi + gxr).digest()[:16]
        self.gxi, self.gxr, self.icky, self.rcky = gxi, gxr, icky, rcky

    def hash_i(self, sai_b, idii_b):
        return prf(self.skeyid, self.gxi + self.gxr + self.icky + self.rcky + sai_b + idii_b)

    def encrypt(self, plain):
        """Pads to the block size (last pad byte = pad length - 1 is not required by RFC 2409;
        zero padding as §5.3 allows) and encrypts; the next IV is the last cipher block."""
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        pad = (16 - len(plain) % 16) % 16
        data = plain + bytes(pad)
        enc = Cipher(algorithms.AES(self.key), modes.CBC(self.iv)).encryptor()
        ct = enc.update(data) + enc.finalize()
        return ct
