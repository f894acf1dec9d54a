/*
 * xenpv_kernel_elf.h: reading an ELF image's Xen notes and legacy
 * __xen_guest section.  Internal to the kernel inspector.
 */
#pragma once

#include <glib.h>

#include "xenpv_kernel.h"

/* What the ELF image says beyond the notes. */
typedef struct {
    gboolean foundNotes;    /* Xen notes or __xen_guest were there */
    gboolean haveLoad;      /* it has a PT_LOAD segment */
    guint64 pstart;         /* lowest p_paddr of the PT_LOAD segments */
    guint64 pend;           /* highest p_paddr + p_memsz */
} xenpvElfLayout;

/* Read the ELF image @data (bounds-checked throughout): its class, machine
 * and entry, and the Xen notes from PT_NOTE segments, else from SHT_NOTE
 * sections, else from the __xen_guest section, into @info, and the extent
 * of its loadable segments into @layout.  Fails with NOT_ELF, CORRUPT or
 * UNSUPPORTED (big-endian); @name names the image in messages. */
gboolean xenpvKernelReadElf(const char *name,
                            const guint8 *data, gsize len,
                            xenpvKernelInfo *info,
                            xenpvElfLayout *layout,
                            GError **error);
