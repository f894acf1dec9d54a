/*
 * xenpv_kernel_elf.h: reading an ELF image's Xen notes and legacy
 * __xen_guest section.  Internal to the kernel inspector.
 */
#pragma once

#include <glib.h>

#include "xenpv_kernel.h"

/* Read the ELF image @data (bounds-checked throughout): its class, machine
 * and entry, and the Xen notes from PT_NOTE segments, else from SHT_NOTE
 * sections, else from the __xen_guest section, into @info.  *foundNotes
 * says whether any of them was there.  Fails with NOT_ELF, CORRUPT or
 * UNSUPPORTED (big-endian); @name names the image in messages. */
gboolean xenpvKernelReadElf(const char *name,
                            const guint8 *data, gsize len,
                            xenpvKernelInfo *info,
                            gboolean *foundNotes,
                            GError **error);
