/*
 * xenpv_bootloader.c: running a PV guest's bootloader (pygrub) to pick its
 * kernel from its own disk, the way libxl does: non-interactively, with
 * pygrub's "simple0" output (NUL-separated "kernel PATH", "ramdisk PATH",
 * "args ARGS"), the kernel and initrd copied out of the disk image into a
 * directory that lives as long as the domain.
 */
#include <fcntl.h>
#include <glob.h>

#include "xenpv_bootloader.h"
#include "xenpv_domain_build.h"

#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.bootloader");

/* Where Debian's Xen packages keep their tools (pygrub among them); libxl
 * looks there for a bootloader named without a path. */
#define XENPV_XEN_TOOLS_GLOB "/usr/lib/xen-*/bin"
#define XENPV_BOOTLOADER_RESULT "result"
/* How much of the bootloader's complaint goes into the error. */
#define XENPV_STDERR_TAIL_LINES 4


static char *
xenpvBootloaderDir(xenpvDriver *driver, const virDomainDef *def)
{
    return g_strdup_printf("%s/bootloader/%s", driver->stateDir, def->name);
}


/* The bootloader to run: a path as given, a bare name from $PATH or from
 * Xen's tools directory. */
static char *
xenpvBootloaderFind(const char *name)
{
    g_autofree char *found = NULL;
    glob_t dirs = { 0 };
    size_t i;

    if (strchr(name, '/'))
        return virFileIsExecutable(name) ? g_strdup(name) : NULL;
    if ((found = virFindFileInPath(name)))
        return g_steal_pointer(&found);
    if (glob(XENPV_XEN_TOOLS_GLOB, GLOB_ONLYDIR, NULL, &dirs) == 0) {
        for (i = 0; i < dirs.gl_pathc && !found; i++) {
            g_autofree char *path = g_build_filename(dirs.gl_pathv[i], name, NULL);

            if (virFileIsExecutable(path))
                found = g_steal_pointer(&path);
        }
    }
    globfree(&dirs);
    return g_steal_pointer(&found);
}


/* The last lines of @text, one line, for an error message. */
static char *
xenpvStderrTail(const char *text)
{
    g_auto(GStrv) lines = NULL;
    g_autoptr(GPtrArray) kept = g_ptr_array_new();
    size_t n;
    size_t i;

    if (!text || !*text)
        return g_strdup(_("(nothing on stderr)"));
    lines = g_strsplit(text, "\n", -1);
    n = g_strv_length(lines);
    for (i = n; i > 0 && kept->len < XENPV_STDERR_TAIL_LINES; i--) {
        g_strstrip(lines[i - 1]);
        if (*lines[i - 1])
            g_ptr_array_insert(kept, 0, lines[i - 1]);
    }
    g_ptr_array_add(kept, NULL);
    return g_strjoinv(" | ", (char **)kept->pdata);
}


/* Read pygrub's simple0 answer into @spec.  The files it names must be
 * the ones it extracted into @dir. */
static int
xenpvBootloaderParse(const char *bootloader, const char *dir,
                     const char *result, xenpvBuildSpec *spec)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *prefix = g_strdup_printf("%s/", dir);
    gsize len = 0;
    const char *p;
    const char *end;

    if (!g_file_get_contents(result, &text, &len, &err)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("bootloader '%s' gave no answer: %s"), bootloader, err->message);
        return -1;
    }
    for (p = text, end = text + len; p < end; p += strlen(p) + 1) {
        if (g_str_has_prefix(p, "kernel ")) {
            g_free(spec->kernel);
            spec->kernel = g_strdup(p + strlen("kernel "));
        } else if (g_str_has_prefix(p, "ramdisk ")) {
            g_free(spec->ramdisk);
            spec->ramdisk = g_strdup(p + strlen("ramdisk "));
        } else if (g_str_has_prefix(p, "args ")) {
            g_free(spec->cmdline);
            spec->cmdline = g_strdup(p + strlen("args "));
        }
    }
    if (!spec->kernel || !g_str_has_prefix(spec->kernel, prefix) ||
        (spec->ramdisk && !g_str_has_prefix(spec->ramdisk, prefix))) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("bootloader '%s' did not name a kernel it extracted into %s"),
                       bootloader, dir);
        return -1;
    }
    return 0;
}


int
xenpvBootloaderRun(xenpvDriver *driver,
                   const virDomainDef *def,
                   xenpvBuildSpec *spec,
                   char **from)
{
    g_autoptr(virCommand) cmd = NULL;
    g_autofree char *bootloader = NULL;
    g_autofree char *dir = xenpvBootloaderDir(driver, def);
    g_autofree char *result = g_build_filename(dir, XENPV_BOOTLOADER_RESULT, NULL);
    g_autofree char *errbuf = NULL;
    g_autofree char *tail = NULL;
    g_auto(GStrv) userArgs = NULL;
    g_autoptr(GError) err = NULL;
    const char *name = def->os.bootloader ? def->os.bootloader : XENPV_DEFAULT_BOOTLOADER;
    const char *disk = NULL;
    int status = -1;
    int fd;
    size_t i;
    int ret = -1;

    for (i = 0; i < def->ndisks && !disk; i++)
        disk = virDomainDiskGetSource(def->disks[i]);
    if (!disk) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("domain '%s' boots through bootloader '%s' (it names no <os><kernel>) but has no disk for it to read"),
                       def->name, name);
        return -1;
    }
    if (!(bootloader = xenpvBootloaderFind(name))) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("bootloader '%s' of domain '%s' is not an executable program here (pygrub is in package xen-utils)"),
                       name, def->name);
        return -1;
    }
    if (def->os.bootloaderArgs &&
        !g_shell_parse_argv(def->os.bootloaderArgs, NULL, &userArgs, &err) &&
        !g_error_matches(err, G_SHELL_ERROR, G_SHELL_ERROR_EMPTY_STRING)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("cannot split <bootloader_args> '%s' of domain '%s': %s"),
                       def->os.bootloaderArgs, def->name, err->message);
        return -1;
    }

    /* Whatever an earlier run left is stale now. */
    xenpvBootloaderCleanup(driver, def);
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        virReportSystemError(errno, _("cannot create directory '%s' for the bootloader"), dir);
        return -1;
    }
    /* pygrub writes its answer into an existing file. */
    if ((fd = open(result, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
        virReportSystemError(errno, _("cannot create '%s'"), result);
        goto cleanup;
    }
    VIR_FORCE_CLOSE(fd);

    /* -q: there is no console to show a menu on before the domain exists;
     * pygrub boots the default entry (or --entry from the user's args). */
    cmd = virCommandNewArgList(bootloader, "-q", "--output-format=simple0", NULL);
    virCommandAddArgFormat(cmd, "--output-directory=%s", dir);
    virCommandAddArgFormat(cmd, "--output=%s", result);
    /* As libxl asks: <kernel> and <initrd> are paths inside the guest's
     * disk, <cmdline> words added to the command line the bootloader picks. */
    if (def->os.kernel)
        virCommandAddArgFormat(cmd, "--kernel=%s", def->os.kernel);
    if (def->os.initrd)
        virCommandAddArgFormat(cmd, "--ramdisk=%s", def->os.initrd);
    if (spec->cmdline && *spec->cmdline)
        virCommandAddArgFormat(cmd, "--args=%s", spec->cmdline);
    if (userArgs)
        virCommandAddArgSet(cmd, (const char *const *)userArgs);
    virCommandAddArg(cmd, disk);
    virCommandSetErrorBuffer(cmd, &errbuf);

    VIR_DEBUG("running bootloader '%s' for domain '%s' on '%s'", bootloader, def->name, disk);
    if (virCommandRun(cmd, &status) < 0)
        goto cleanup;
    if (status != 0) {
        tail = xenpvStderrTail(errbuf);
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("bootloader '%s' could not pick a kernel from '%s' for domain '%s' (exit status %d): %s"),
                       bootloader, disk, def->name, status, tail);
        goto cleanup;
    }
    if (xenpvBootloaderParse(bootloader, dir, result, spec) < 0)
        goto cleanup;
    /* The back end builds what the bootloader picked, as a direct boot. */
    g_clear_pointer(&spec->bootloader, g_free);
    g_clear_pointer(&spec->bootloaderArgs, g_free);

    *from = g_strdup_printf(_("the kernel bootloader '%s' picked from '%s'"), bootloader, disk);
    VIR_INFO("bootloader '%s' picked kernel %s%s%s for domain '%s'", bootloader, spec->kernel,
             spec->ramdisk ? " with initrd " : "", NULLSTR_EMPTY(spec->ramdisk), def->name);
    ret = 0;

 cleanup:
    if (ret < 0)
        xenpvBootloaderCleanup(driver, def);
    return ret;
}


void
xenpvBootloaderCleanup(xenpvDriver *driver, const virDomainDef *def)
{
    g_autofree char *dir = xenpvBootloaderDir(driver, def);
    virErrorPtr origErr = NULL;

    if (!virFileExists(dir))
        return;
    /* Called on error paths too: the error being reported stays. */
    virErrorPreserveLast(&origErr);
    if (virFileDeleteTree(dir) < 0)
        VIR_WARN("cannot remove the bootloader's files in %s: %s", dir,
                 virGetLastErrorMessage());
    if (origErr)
        virErrorRestore(&origErr);
    else
        virResetLastError();
}
