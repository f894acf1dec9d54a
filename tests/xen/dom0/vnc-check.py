#!/usr/bin/python3
"""
In dom0 of the real-Xen tier: check the VNC server of a PV framebuffer on
127.0.0.1:PORT as a client would: with PASSWORD, a wrong password refused
and the right one accepted; without, no authentication asked; then a
framebuffer update with pixels in it.  Prints what it saw; exits 0 when
all of that holds.
Usage: vnc-check.py PORT [PASSWORD]
"""
import sys

from rfbclient import Rfb, lit_pixels


def main(port, password):
    if password:
        rfb = Rfb(port)
        types, result, reason, init = rfb.handshake(password + 'x')
        rfb.close()
        print('wrong password: types %s, result %s (%s)' % (types, result, reason))
        if result == 0:
            return 1
    rfb = Rfb(port)
    types, result, reason, init = rfb.handshake(password)
    print('handshake: types %s, result %s, init %s' % (types, result, init and
                                                        (init['width'], init['height'])))
    if result != 0 or not init or types != ([2] if password else [1]):
        return 1
    rfb.set_pixel_format_32()
    rfb.request(False, init['width'], init['height'])
    rects = rfb.read_update()
    lit = sum(lit_pixels(r[4]) for r in rects)
    print('update: %d rectangles, %d lit pixels' % (len(rects), lit))
    rfb.close()
    return 0 if lit > 0 else 1


if __name__ == '__main__':
    sys.exit(main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None))
