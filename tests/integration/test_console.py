#!/usr/bin/python3
"""
The guest's console through `virsh console`, driven on a pseudo-terminal as
a person would: connect, type a line, see the guest echo it, leave with ^];
and the console log the simulated host keeps, which holds the boot lines.
"""
import os
import pty
import re
import select
import subprocess
import termios
import time

import xenpvlab
from xenpvlab import wait_for

NAME = 'console-guest'
ESCAPE = b'\x1d'   # ^]


class Terminal:
    """A command on a pty; everything it printed is kept in self.output."""

    def __init__(self, argv):
        master, slave = pty.openpty()
        self.master = master
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True)
        os.close(slave)
        self.output = b''

    def pump(self, timeout=0.2):
        r, _, _ = select.select([self.master], [], [], timeout)
        if r:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                data = b''
            self.output += data
            return bool(data)
        return False

    def expect(self, needle, timeout=15):
        if isinstance(needle, str):
            needle = needle.encode()
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            if time.monotonic() >= deadline:
                return False
            self.pump()
        return True

    def raw(self):
        """True once the program switched the terminal to raw mode: until
        then the pty itself would echo what is typed."""
        self.pump(0.05)
        return not termios.tcgetattr(self.master)[3] & termios.ECHO

    def send(self, data):
        os.write(self.master, data)

    def wait_exit(self, timeout=10):
        def gone():
            self.pump(0.05)
            return self.proc.poll() is not None
        return wait_for(gone, timeout, 0.05)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)

    def text(self):
        return self.output.decode(errors='replace')


def body(tap, lab):
    tag = 'xenpv.test=console%d' % os.getpid()
    xml = xenpvlab.guest_xml('x86_64', name=NAME, cmdline=tag)
    tap.cmd_ok(lab.define(xml, start=True), 'console guest started')
    log_path = os.path.join(xenpvlab.CONSOLE_DIR, 'guest-%s.log' % NAME)
    tap.ok(wait_for(lambda: os.path.exists(log_path) and os.path.getsize(log_path) > 0, 15),
           'console log %s is written' % log_path)
    tap.ok(wait_for(lambda: 'login:' in lab.console_log(NAME), 15),
           'the guest boots to its login line')
    boot = lab.console_log(NAME)
    tap.like(boot, r'^Linux version ', 'console log has the kernel banner', re.M)
    tap.like(boot, r'^Command line: .*%s' % re.escape(tag),
             'console log has the boot command line from the domain XML', re.M)

    term = Terminal(['virsh', '-c', xenpvlab.URI, 'console', NAME])
    try:
        tap.ok(term.expect("Connected to domain '%s'" % NAME), 'virsh console connects',
               term.text)
        tap.ok(term.expect('Escape character is'), 'virsh console gives the escape character',
               term.text)
        tap.ok(wait_for(term.raw, 10), 'virsh console puts the terminal in raw mode')
        mark = len(term.output)
        term.send(b'\r')
        tap.ok(term.expect('root@%s:~# ' % NAME, 15), 'Enter gives the guest\'s shell prompt',
               lambda: 'terminal:\n%r' % term.output[mark:])
        mark = len(term.output)
        term.send(b'cat /proc/cmdline\r')
        tap.ok(term.expect(tag, 15), 'the guest answers a command: its kernel command line',
               lambda: 'terminal:\n%r' % term.output[mark:])
        marker = 'hello-from-the-console-%d' % os.getpid()
        mark = len(term.output)
        term.send(marker.encode() + b'\r')
        tap.ok(term.expect(marker, 15), 'the typed line comes back from the guest',
               lambda: 'terminal:\n%r' % term.output[mark:])
        tap.ok(term.expect('%s: command not found' % marker, 15),
               'and the guest\'s shell answers it', lambda: 'terminal:\n%r' % term.output[mark:])
        # Another line, to see the guest keeps reading.
        second = 'second-line-%d' % os.getpid()
        term.send(second.encode() + b'\r')
        tap.ok(term.expect(second, 15), 'a second typed line comes back too',
               lambda: 'terminal:\n%r' % term.output[mark:])
        tap.ok(wait_for(lambda: marker in lab.console_log(NAME), 10),
               'the console log records the echoed line')
        term.send(ESCAPE)
        tap.ok(term.wait_exit(10), 'virsh console leaves on ^]', term.text)
        tap.eq(term.proc.returncode, 0, 'virsh console exits 0')
    finally:
        term.close()
    tap.eq(lab.domstate(NAME), 'running (booted)', 'the guest runs on after the console closed')

    # A second console session sees the guest as well.
    term = Terminal(['virsh', '-c', xenpvlab.URI, 'console', NAME])
    try:
        tap.ok(term.expect('Escape character is') and wait_for(term.raw, 10),
               'a second virsh console connects', term.text)
        third = 'third-line-%d' % os.getpid()
        term.send(third.encode() + b'\r')
        tap.ok(term.expect(third, 15), 'the second session gets the echo', term.text)
        term.send(ESCAPE)
        term.wait_exit(10)
    finally:
        term.close()

    # No console for a guest that is not running.
    lab.virsh('destroy', NAME)
    res = lab.virsh('console', NAME, timeout=20)
    tap.cmd_fails(res, 'console of a stopped guest fails', r'not running')
    lab.virsh('undefine', NAME)


if __name__ == '__main__':
    xenpvlab.main(body)
