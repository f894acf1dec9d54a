#!/usr/bin/python3
"""
Decompressed kernel images kept between domain builds (kernel_cache_mib,
docs/driver-config.md), through virsh, on a guest whose kernel is an
xz-compressed test kernel: define decompresses it and the start after
builds from the kept image, as does a start after destroy (the daemon's
log says which, with the time taken); a kernel replaced at the same path
by a 32-bit PAE one is read again, so the start is refused for the arch
mismatch instead of booting the 64-bit image kept before; a kernel
rewritten in place is read again too; with kernel_cache_mib = 0 every
start decompresses.
"""
import os
import re
import shutil

import xenpvlab
from xenpvlab import libvirt

NAME = 'kcache'
KERNELS_DIR = os.path.join(xenpvlab.BUILD_DIR, 'tests', 'kernels')
K64 = os.path.join(KERNELS_DIR, 'xenpv-test-x86_64.elf.xz')
K32 = os.path.join(KERNELS_DIR, 'xenpv-test-x86_32p.elf.xz')
KERNEL = os.path.join(xenpvlab.IMAGES_DIR, 'kcache-vmlinuz')


class LogWatch:
    """What libvirtd's log says of the kernel after a mark."""

    def __init__(self, lab):
        self.path = lab.path(xenpvlab.LIBVIRTD_LOG)
        self.mark()

    def mark(self):
        self.offset = os.path.getsize(self.path) if os.path.exists(self.path) else 0

    def reads(self):
        """How the kernel's image was had since the mark: 'read' or
        'image from the cache', one word per inspection."""
        with open(self.path, errors='replace') as f:
            f.seek(self.offset)
            text = f.read()
        pattern = r'kernel %s is [^(]*\(xz, (read|image from the cache) in \d+ ms\)' % re.escape(KERNEL)
        return re.findall(pattern, text)


# libvirtd logging how it reads kernels (a debug message).
LOG_KERNELS = {'LIBVIRT_LOG_FILTERS': '1:xenpv.domain_abi'}


def put_kernel(lab, src, in_place=False):
    """@src at KERNEL: a new file renamed over it, or (@in_place) the same
    file rewritten."""
    dst = lab.path(KERNEL)
    if in_place:
        with open(src, 'rb') as f, open(dst, 'r+b') as out:
            out.write(f.read())
            out.truncate()
        return
    shutil.copy(src, dst + '.new')
    os.rename(dst + '.new', dst)


def body(tap, lab):
    lab.restart_libvirtd(env=LOG_KERNELS)
    put_kernel(lab, K64)
    log = LogWatch(lab)
    xml = xenpvlab.guest_xml(name=NAME, kernel=KERNEL, arch='x86_64')
    tap.cmd_ok(lab.define(xml), 'define a guest whose kernel is xz-compressed')
    tap.eq(log.reads(), ['read'], 'define decompresses the kernel')

    log.mark()
    tap.cmd_ok(lab.virsh('start', NAME), 'start it')
    tap.eq(log.reads(), ['image from the cache'], 'the start builds from the image define kept')
    tap.eq(lab.virsh('domstate', NAME).out.strip(), 'running', 'it runs')
    lab.virsh('destroy', NAME)
    log.mark()
    tap.cmd_ok(lab.virsh('start', NAME), 'start it again after destroy')
    tap.eq(log.reads(), ['image from the cache'], 'the image is still kept')
    lab.virsh('destroy', NAME)

    # A package upgrade renames a new file over the old one.
    put_kernel(lab, K32)
    log.mark()
    res = lab.virsh('start', NAME)
    tap.cmd_fails(res, 'kernel replaced by a 32-bit PAE one: the start is refused, not the 64-bit image booted',
                  r'does not match')
    tap.eq(log.reads(), ['read'], 'the replaced kernel is read again')
    tap.libvirt_error(lambda: lab.conn().lookupByName(NAME).create(),
                      libvirt.VIR_ERR_CONFIG_UNSUPPORTED, 'python create() of it', r'x86_32p|32-bit')

    put_kernel(lab, K64, in_place=True)
    log.mark()
    tap.cmd_ok(lab.virsh('start', NAME), 'kernel rewritten in place with the 64-bit one: the start works')
    tap.eq(log.reads(), ['read'], 'the rewritten kernel is read again')
    tap.eq(lab.virsh('domstate', NAME).out.strip(), 'running', 'it runs')
    lab.virsh('destroy', NAME)

    lab.write_xenpv_conf('kernel_cache_mib = 0\n')
    lab.restart_libvirtd(env=LOG_KERNELS)
    log.mark()
    tap.cmd_ok(lab.virsh('start', NAME), 'kernel_cache_mib = 0: start')
    lab.virsh('destroy', NAME)
    tap.cmd_ok(lab.virsh('start', NAME), 'kernel_cache_mib = 0: start again')
    tap.eq(log.reads(), ['read', 'read'], 'kernel_cache_mib = 0: every start decompresses')
    lab.virsh('destroy', NAME)
    lab.virsh('undefine', NAME)
    lab.write_xenpv_conf()
    os.unlink(lab.path(KERNEL))


if __name__ == '__main__':
    xenpvlab.main(body)
