"""
rfbclient: a small RFB (VNC) client, RFC 6143 version 3.8, for tests: the
handshake, VNC authentication (DES from python3-cryptography, the
password's bits reversed as the RFC says), a 32-bit pixel format, raw
framebuffer updates and key events.  Used by the integration tests and, in
dom0, by the real-Xen tier.
"""
import socket
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


class Rfb:
    """A minimal RFB 3.8 client: handshake, VNC authentication, pixel
    format, framebuffer updates in raw encoding, key events."""

    def __init__(self, port, host='127.0.0.1'):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b''

    def recv(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError('the server closed the connection')
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def close(self):
        self.sock.close()

    @staticmethod
    def des_response(password, challenge):
        key = bytes(int('{:08b}'.format(c)[::-1], 2)
                    for c in password.encode()[:8].ljust(8, b'\0'))
        enc = Cipher(algorithms.TripleDES(key), modes.ECB()).encryptor()
        return enc.update(challenge) + enc.finalize()

    def handshake(self, password=None):
        """Returns (security types offered, result, reason, server init)."""
        version = self.recv(12)
        assert version == b'RFB 003.008\n', version
        self.sock.sendall(b'RFB 003.008\n')
        n = self.recv(1)[0]
        types = list(self.recv(n))
        chosen = types[0]
        self.sock.sendall(bytes([chosen]))
        if chosen == 2:
            challenge = self.recv(16)
            self.sock.sendall(self.des_response(password or '', challenge))
        result = struct.unpack('>I', self.recv(4))[0]
        if result != 0:
            length = struct.unpack('>I', self.recv(4))[0]
            return types, result, self.recv(length).decode(), None
        self.sock.sendall(b'\x01')       # ClientInit, shared
        w, h = struct.unpack('>HH', self.recv(4))
        pixfmt = self.recv(16)
        length = struct.unpack('>I', self.recv(4))[0]
        name = self.recv(length).decode()
        return types, 0, None, {'width': w, 'height': h, 'pixfmt': pixfmt, 'name': name}

    def set_pixel_format_32(self):
        # 32 bpp, depth 24, little endian, true colour, 255 each, shifts 16 8 0
        self.sock.sendall(struct.pack('>BxxxBBBBHHHBBBxxx', 0, 32, 24, 0, 1,
                                      255, 255, 255, 16, 8, 0))

    def request(self, incremental, w, h):
        self.sock.sendall(struct.pack('>BBHHHH', 3, 1 if incremental else 0, 0, 0, w, h))

    def read_update(self):
        """[(x, y, w, h, pixels as bytes)] of one FramebufferUpdate."""
        msg = self.recv(1)[0]
        assert msg == 0, 'unexpected server message %d' % msg
        self.recv(1)
        n = struct.unpack('>H', self.recv(2))[0]
        rects = []
        for _ in range(n):
            x, y, w, h, enc = struct.unpack('>HHHHi', self.recv(12))
            assert enc == 0, 'encoding %d' % enc
            rects.append((x, y, w, h, self.recv(w * h * 4)))
        return rects

    def key(self, keysym):
        for down in (1, 0):
            self.sock.sendall(struct.pack('>BBxxI', 4, down, keysym))

    def type(self, text):
        for c in text:
            self.key(0xff0d if c == '\r' else ord(c))


def lit_pixels(pixels):
    """How many 32-bit pixels of @pixels are not black."""
    return sum(1 for i in range(0, len(pixels), 4) if pixels[i:i + 3] != b'\0\0\0')
