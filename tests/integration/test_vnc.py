#!/usr/bin/python3
"""
The PV framebuffer over VNC: ports from 5900 up in the live XML
(autoport), `virsh vncdisplay`, an RFB client (RFC 6143) doing VNC
authentication with the password and reading the guest's console drawn
into the framebuffer, keys typed through VNC reaching the guest, a wrong
password refused, ports released at stop and kept across a daemon restart,
and what cannot be served refused at define.
"""
import socket
import xml.etree.ElementTree as ET

import xenpvlab
from rfbclient import Rfb, lit_pixels
from xenpvlab import wait_for

PASSWORD = 's3cret'


def graphics(lab, name, *flags):
    root = ET.fromstring(lab.virsh('dumpxml', *flags, name).out)
    return root.find('devices/graphics')


def body(tap, lab):
    vnc = ("<graphics type='vnc' autoport='yes' passwd='%s'/>" % PASSWORD)
    xml = xenpvlab.guest_xml(name='vnc-one', extra_devices=[vnc])
    tap.cmd_ok(lab.define(xml, start=True), 'define and start a guest with VNC and a password')

    g = graphics(lab, 'vnc-one')
    tap.eq((g.get('port'), g.get('autoport'), g.get('listen')), ('5900', 'yes', '127.0.0.1'),
           'live XML: port 5900 from autoport, listening on 127.0.0.1')
    tap.ok(g.get('passwd') is None, 'the password is not shown without --security-info')
    tap.eq(graphics(lab, 'vnc-one', '--security-info').get('passwd'), PASSWORD,
           'with --security-info it is')
    tap.eq(graphics(lab, 'vnc-one', '--inactive').get('port'), '-1',
           'the persistent definition keeps autoport (-1)')
    tap.eq(lab.virsh('vncdisplay', 'vnc-one').out.strip(), '127.0.0.1:0', 'vncdisplay :0')

    rfb = Rfb(5900)
    types, result, reason, init = rfb.handshake(PASSWORD)
    tap.eq(types, [2], 'the server offers VNC authentication only')
    tap.eq(result, 0, 'VNC authentication with the password succeeds', reason)
    tap.eq((init['width'], init['height']) if init else None, (640, 400),
           'the framebuffer is 80x25 cells of 8x16')
    tap.eq(init['name'] if init else None, 'vnc-one', 'the desktop name is the guest\'s')
    rfb.set_pixel_format_32()
    rfb.request(False, 640, 400)
    rects = rfb.read_update()
    pixels = rects[0][4] if rects else b''
    tap.eq((rects[0][2], rects[0][3]) if rects else None, (640, 400), 'a full update')
    lit = lit_pixels(pixels)
    tap.ok(lit > 1000, 'the framebuffer shows the console text (%d lit pixels)' % lit)
    # The first text line ("Linux version ...") is drawn in the first 16 rows.
    tap.ok(lit_pixels(pixels[:640 * 16 * 4]) > 100, 'the first console line is drawn')

    rfb.request(True, 640, 400)
    rfb.type('status\r')
    rects = rfb.read_update()
    tap.ok(rects and lit_pixels(rects[0][4]) > 0, 'typing brings an update with the echo')
    tap.ok(wait_for(lambda: 'workload=idle' in lab.console_log('vnc-one'), 5),
           'keys typed over VNC reach the guest: it answered "status"',
           lambda: lab.console_log('vnc-one')[-300:])
    rfb.close()

    rfb = Rfb(5900)
    types, result, reason, init = rfb.handshake('wrong')
    tap.eq(result, 1, 'a wrong password is refused')
    tap.like(reason or '', r'Authentication failed', 'with the reason')
    rfb.close()

    # A second guest, no password: the next port, no authentication.
    xml = xenpvlab.guest_xml(name='vnc-two', extra_devices=["<graphics type='vnc'/>"])
    tap.cmd_ok(lab.define(xml, start=True), 'a second guest with VNC')
    tap.eq(graphics(lab, 'vnc-two').get('port'), '5901', 'it gets port 5901')
    tap.eq(lab.virsh('vncdisplay', 'vnc-two').out.strip(), '127.0.0.1:1', 'vncdisplay :1')
    rfb = Rfb(5901)
    types, result, reason, init = rfb.handshake()
    tap.eq((types, result), ([1], 0), 'no authentication offered or needed')
    rfb.close()

    # The daemon restarts: the running guests keep their ports.
    lab.restart_libvirtd()
    xml = xenpvlab.guest_xml(name='vnc-three', extra_devices=["<graphics type='vnc'/>"])
    tap.cmd_ok(lab.define(xml, start=True), 'after a daemon restart, a third guest')
    tap.eq(graphics(lab, 'vnc-three').get('port'), '5902', 'it gets 5902, not a taken port')
    tap.eq(lab.virsh('vncdisplay', 'vnc-one').out.strip(), '127.0.0.1:0',
           'the first guest still shows :0')

    # Stopping gives the port back.
    lab.virsh('destroy', 'vnc-one')
    tap.ok(wait_for(lambda: not port_listening(5900), 5), 'port 5900 is closed with the guest')
    tap.cmd_ok(lab.virsh('start', 'vnc-one'), 'start the first guest again')
    tap.eq(graphics(lab, 'vnc-one').get('port'), '5900', 'it gets 5900 back')

    # What cannot be served is refused at define, never left at port -1.
    sdl = xenpvlab.guest_xml(name='vnc-sdl', extra_devices=["<graphics type='sdl'/>"])
    tap.cmd_fails(lab.define(sdl), 'an SDL display is refused at define',
                  r"type='sdl'.*use type='vnc'")
    exp = xenpvlab.guest_xml(name='vnc-exp', extra_devices=[
        "<graphics type='vnc' autoport='yes' passwd='x' passwdValidTo='2030-01-01T00:00:00'/>"])
    tap.cmd_fails(lab.define(exp), 'a password expiry is refused by name', r'passwdValidTo')
    two = xenpvlab.guest_xml(name='vnc-twice', extra_devices=[
        "<graphics type='vnc'/>", "<graphics type='vnc'/>"])
    tap.cmd_fails(lab.define(two), 'two framebuffers are refused', r'one framebuffer')
    tap.ok(all(n not in lab.list_names('--all') for n in ('vnc-sdl', 'vnc-exp', 'vnc-twice')),
           'nothing refused was defined')

    for name in ('vnc-one', 'vnc-two', 'vnc-three'):
        lab.virsh('destroy', name)
        lab.virsh('undefine', name)


def port_listening(port):
    s = socket.socket()
    try:
        s.connect(('127.0.0.1', port))
        return True
    except OSError:
        return False
    finally:
        s.close()


if __name__ == '__main__':
    xenpvlab.main(body)
