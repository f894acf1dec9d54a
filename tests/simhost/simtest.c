/*
 * simtest.c: shared helpers for the simulated host's tests.
 */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "simtest.h"
#include "xenpv_simproto.h"

const char *
simTestLastError(void)
{
    const char *msg = virGetLastErrorMessage();

    return msg ? msg : "(no error)";
}


int
simTestLastErrorCode(void)
{
    return virGetLastErrorCode();
}


gboolean
simTestWaitFor(gboolean (*check)(gpointer), gpointer opaque, double seconds)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);

    while (!check(opaque)) {
        if (g_get_monotonic_time() > deadline)
            return FALSE;
        g_usleep(5000);
    }
    return TRUE;
}


/* A test that dies (a failed assertion) takes its simulated host along. */
static void
dieWithParent(gpointer unused)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}


static gboolean
socketReady(gpointer opaque)
{
    SimTestHost *host = opaque;
    g_autoptr(xenpvSimClient) c = xenpvSimClientConnect(host->socketPath, NULL);
    int status;

    /* A host that died on start-up will never answer. */
    if (waitpid(host->pid, &status, WNOHANG) == host->pid)
        g_error("xenpv-simhost exited during start-up (status %d)", status);
    return c != NULL;
}


SimTestHost *
simTestHostStart(const char *first, ...)
{
    SimTestHost *host = g_new0(SimTestHost, 1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    const char *exe = g_getenv("XENPV_SIMHOST");
    const char *a;
    va_list ap;

    g_assert_nonnull(exe);
    host->dir = g_dir_make_tmp("xenpv-simtest-XXXXXX", &err);
    g_assert_no_error(err);
    host->socketPath = g_build_filename(host->dir, "simhost.sock", NULL);
    host->consoleDir = g_build_filename(host->dir, "console", NULL);

    g_ptr_array_add(argv, (char *)exe);
    g_ptr_array_add(argv, (char *)"--socket");
    g_ptr_array_add(argv, host->socketPath);
    g_ptr_array_add(argv, (char *)"--console-dir");
    g_ptr_array_add(argv, host->consoleDir);
    va_start(ap, first);
    for (a = first; a; a = va_arg(ap, const char *))
        g_ptr_array_add(argv, (char *)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);

    if (!g_spawn_async(NULL, (char **)argv->pdata, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                       (g_getenv("XENPV_SIMTEST_VERBOSE") ? 0 : G_SPAWN_STDERR_TO_DEV_NULL),
                       dieWithParent, NULL, &host->pid, &err))
        g_error("cannot start %s: %s", exe, err->message);
    if (!simTestWaitFor(socketReady, host, 10))
        g_error("xenpv-simhost did not open %s within 10 s", host->socketPath);

    host->hyp.ops = &xenpvSimHypervisorOps;
    host->hyp.socketPath = host->socketPath;
    if (host->hyp.ops->open(&host->hyp) < 0)
        g_error("cannot open the sim back end: %s", simTestLastError());
    host->opened = TRUE;
    return host;
}


static void
removeTree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
            !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            removeTree(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}


void
simTestHostStop(SimTestHost *host)
{
    int status = 0;

    if (!host)
        return;
    if (host->opened)
        host->hyp.ops->close(&host->hyp);
    if (host->pid > 0) {
        kill(host->pid, SIGTERM);
        waitpid(host->pid, &status, 0);
        g_spawn_close_pid(host->pid);
        g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    removeTree(host->dir);
    g_free(host->dir);
    g_free(host->socketPath);
    g_free(host->consoleDir);
    g_free(host);
}


guint64
simTestHostRssKiB(SimTestHost *host)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", host->pid);
    g_autofree char *text = NULL;
    const char *p;

    if (!g_file_get_contents(path, &text, NULL, NULL) || !(p = strstr(text, "VmRSS:")))
        return 0;
    return g_ascii_strtoull(p + 6, NULL, 10);
}


static void
addNote(GByteArray *notes, guint32 type, const void *desc, guint32 descsz)
{
    guint32 hdr[3] = { 4, descsz, type };
    static const guint8 pad[4] = { 0 };

    g_byte_array_append(notes, (const guint8 *)hdr, sizeof(hdr));
    g_byte_array_append(notes, (const guint8 *)"Xen", 4);
    g_byte_array_append(notes, desc, descsz);
    g_byte_array_append(notes, pad, (4 - descsz % 4) % 4);
}


static void
addStrNote(GByteArray *notes, guint32 type, const char *s)
{
    addNote(notes, type, s, strlen(s) + 1);
}


/* A minimal PV kernel: one loadable segment and the Xen notes Xen's loader
 * reads; it is never run, the simulated host only inspects it. */
gboolean
simTestWriteKernel(const char *path, xenpvGuestAbi abi, gboolean pv)
{
    gboolean is64 = abi == XENPV_GUEST_ABI_X86_64;
    guint64 virtBase = is64 ? 0xffffffff80000000ULL : 0xC0000000ULL;
    guint64 paddr = is64 ? 0x1000000 : 0x100000;
    guint64 entry = virtBase + paddr;
    g_autoptr(GByteArray) notes = g_byte_array_new();
    g_autoptr(GByteArray) img = g_byte_array_new();
    gsize ehdrSize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    gsize phdrSize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    gsize notesOff = ehdrSize + 2 * phdrSize;
    gsize loadOff, loadSize = 8192;

    if (pv) {
        addStrNote(notes, 6, "linux");              /* GUEST_OS */
        addStrNote(notes, 7, "2.6");                /* GUEST_VERSION */
        addStrNote(notes, 5, "xen-3.0");            /* XEN_VERSION */
        addStrNote(notes, 8, "generic");            /* LOADER */
        if (!is64)
            addStrNote(notes, 9, abi == XENPV_GUEST_ABI_X86_32P ? "yes" : "no"); /* PAE_MODE */
        if (is64) {
            addNote(notes, 3, &virtBase, 8);        /* VIRT_BASE */
            addNote(notes, 1, &entry, 8);           /* ENTRY */
        } else {
            guint32 vb = virtBase, en = entry;

            addNote(notes, 3, &vb, 4);
            addNote(notes, 1, &en, 4);
        }
    }
    loadOff = (notesOff + notes->len + 4095) & ~(gsize)4095;
    g_byte_array_set_size(img, loadOff + loadSize);
    memset(img->data, 0, img->len);

    if (is64) {
        Elf64_Ehdr *eh = (Elf64_Ehdr *)img->data;
        Elf64_Phdr *ph = (Elf64_Phdr *)(img->data + ehdrSize);

        memcpy(eh->e_ident, ELFMAG, SELFMAG);
        eh->e_ident[EI_CLASS] = ELFCLASS64;
        eh->e_ident[EI_DATA] = ELFDATA2LSB;
        eh->e_ident[EI_VERSION] = EV_CURRENT;
        eh->e_type = ET_EXEC;
        eh->e_machine = EM_X86_64;
        eh->e_version = EV_CURRENT;
        eh->e_entry = entry;
        eh->e_phoff = ehdrSize;
        eh->e_ehsize = ehdrSize;
        eh->e_phentsize = phdrSize;
        eh->e_phnum = 2;
        ph[0].p_type = PT_LOAD;
        ph[0].p_offset = loadOff;
        ph[0].p_vaddr = entry;
        ph[0].p_paddr = paddr;
        ph[0].p_filesz = ph[0].p_memsz = loadSize;
        ph[0].p_flags = PF_R | PF_X;
        ph[0].p_align = 4096;
        ph[1].p_type = PT_NOTE;
        ph[1].p_offset = notesOff;
        ph[1].p_filesz = ph[1].p_memsz = notes->len;
        ph[1].p_align = 4;
    } else {
        Elf32_Ehdr *eh = (Elf32_Ehdr *)img->data;
        Elf32_Phdr *ph = (Elf32_Phdr *)(img->data + ehdrSize);

        memcpy(eh->e_ident, ELFMAG, SELFMAG);
        eh->e_ident[EI_CLASS] = ELFCLASS32;
        eh->e_ident[EI_DATA] = ELFDATA2LSB;
        eh->e_ident[EI_VERSION] = EV_CURRENT;
        eh->e_type = ET_EXEC;
        eh->e_machine = EM_386;
        eh->e_version = EV_CURRENT;
        eh->e_entry = entry;
        eh->e_phoff = ehdrSize;
        eh->e_ehsize = ehdrSize;
        eh->e_phentsize = phdrSize;
        eh->e_phnum = 2;
        ph[0].p_type = PT_LOAD;
        ph[0].p_offset = loadOff;
        ph[0].p_vaddr = entry;
        ph[0].p_paddr = paddr;
        ph[0].p_filesz = ph[0].p_memsz = loadSize;
        ph[0].p_flags = PF_R | PF_X;
        ph[0].p_align = 4096;
        ph[1].p_type = PT_NOTE;
        ph[1].p_offset = notesOff;
        ph[1].p_filesz = ph[1].p_memsz = notes->len;
        ph[1].p_align = 4;
    }
    /* A non-PV kernel has no notes, and an empty array no data. */
    if (notes->len)
        memcpy(img->data + notesOff, notes->data, notes->len);
    return g_file_set_contents(path, (const char *)img->data, img->len, NULL);
}


char *
simTestKernel(const char *dir, xenpvGuestAbi abi, gboolean pv)
{
    const char *shared = g_getenv("XENPV_TEST_KERNELS");
    const char *caps = xenpvGuestAbiToCaps(abi);
    const char *suffix = abi == XENPV_GUEST_ABI_X86_64 ? "x86_64" : "x86_32p";
    g_autofree char *name = NULL;
    char *path;

    if (pv && shared && abi != XENPV_GUEST_ABI_X86_32) {
        g_autofree char *file = g_strdup_printf("xenpv-test-%s.elf", suffix);

        path = g_build_filename(shared, file, NULL);
        if (g_file_test(path, G_FILE_TEST_EXISTS))
            return path;
        g_free(path);
    }
    name = g_strdup_printf("kernel-%s%s.elf", caps, pv ? "" : "-nopv");
    path = g_build_filename(dir, name, NULL);
    g_assert_true(simTestWriteKernel(path, abi, pv));
    return path;
}


void
simTestSpec(xenpvBuildSpec *spec, const char *name, const char *kernel,
            guint64 mib, const char *cmdline)
{
    guint i;

    memset(spec, 0, sizeof(*spec));
    spec->name = g_strdup(name);
    for (i = 0; i < 16; i++)
        spec->uuid[i] = g_random_int_range(0, 256);
    spec->maxMemKiB = spec->targetMemKiB = mib * 1024;
    spec->maxVcpus = spec->vcpus = 1;
    spec->kernel = g_strdup(kernel);
    spec->cmdline = g_strdup(cmdline ? cmdline : "console=hvc0");
}


uint32_t
simTestStartGuest(SimTestHost *host, const xenpvBuildSpec *spec)
{
    uint32_t domid = 0;

    if (host->hyp.ops->domainCreate(&host->hyp, spec, &domid) < 0)
        g_error("cannot create %s: %s", spec->name, simTestLastError());
    if (host->hyp.ops->domainUnpause(&host->hyp, domid) < 0)
        g_error("cannot unpause %s: %s", spec->name, simTestLastError());
    return domid;
}


typedef struct {
    SimTestHost *host;
    uint32_t domid;
    int reason;
    const char *path;
    const char *prefix;
    char *value;
} WaitCtx;

static gboolean
checkShutdown(gpointer opaque)
{
    WaitCtx *w = opaque;
    xenpvDomainInfo info;

    if (w->host->hyp.ops->getDomainInfo(&w->host->hyp, w->domid, &info) != 1)
        return FALSE;
    return info.shutdown && (w->reason < 0 || (int)info.shutdownReason == w->reason);
}


gboolean
simTestWaitShutdown(SimTestHost *host, uint32_t domid, int reason, double seconds)
{
    WaitCtx w = { .host = host, .domid = domid, .reason = reason };

    return simTestWaitFor(checkShutdown, &w, seconds);
}


static gboolean
checkStore(gpointer opaque)
{
    WaitCtx *w = opaque;

    g_clear_pointer(&w->value, g_free);
    if (w->host->hyp.ops->storeRead(&w->host->hyp, w->path, &w->value) < 0)
        return FALSE;
    return w->value && g_str_has_prefix(w->value, w->prefix);
}


char *
simTestWaitStore(SimTestHost *host, const char *path, const char *prefix, double seconds)
{
    WaitCtx w = { .host = host, .path = path, .prefix = prefix };

    if (!simTestWaitFor(checkStore, &w, seconds)) {
        g_test_message("store %s = '%s', wanted a value starting with '%s'",
                       path, w.value ? w.value : "(missing)", prefix);
        g_free(w.value);
        return NULL;
    }
    return w.value;
}


int
simTestSuspend(void *opaque)
{
    SimTestSuspend *s = opaque;
    g_autofree char *node = g_strdup_printf("/local/domain/%u/control/shutdown", s->domid);

    s->calls++;
    if (s->host->hyp.ops->storeWrite(&s->host->hyp, node, "suspend") < 0)
        return -1;
    return simTestWaitShutdown(s->host, s->domid, XENPV_SHUTDOWN_SUSPEND, 10) ? 0 : -1;
}
