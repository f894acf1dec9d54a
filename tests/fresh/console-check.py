#!/usr/bin/python3
"""
The fresh-root test's console check (tests/fresh/in-root.sh): `virsh console`
of the running example guest, on a pseudo-terminal as a person would use it,
reaches the guest: Enter gives the guest's shell prompt, a typed line comes
back with the shell's answer, and ^] leaves.  Prints unnumbered TAP lines.

Usage: console-check.py URI NAME
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
from test_console import ESCAPE, Terminal  # noqa: E402
from xenpvlab import wait_for  # noqa: E402


def check(ok, what, term, mark=0):
    print('%s - %s' % ('ok' if ok else 'not ok', what))
    if not ok:
        for line in repr(term.output[mark:]).splitlines() or ['(nothing)']:
            print('# terminal: %s' % line)
    return ok


def main(uri, name):
    term = Terminal(['virsh', '-c', uri, 'console', '--force', name])
    try:
        if not check(term.expect('Escape character is') and wait_for(term.raw, 10),
                     'virsh console %s connects' % name, term):
            return 1
        mark = len(term.output)
        term.send(b'\r')
        good = check(term.expect('root@%s:~# ' % name, 15),
                     "Enter gives the guest's shell prompt", term, mark)
        marker = 'fresh-root-%d' % os.getpid()
        mark = len(term.output)
        term.send(marker.encode() + b'\r')
        good &= check(term.expect('%s: command not found' % marker, 15),
                      "a typed line reaches the guest's shell and its answer comes back",
                      term, mark)
        term.send(ESCAPE)
        good &= check(term.wait_exit(10) and term.proc.returncode == 0,
                      'virsh console leaves on ^] with status 0', term)
        return 0 if good else 1
    finally:
        term.close()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
