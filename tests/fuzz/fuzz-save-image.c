/*
 * fuzz-save-image.c: a save image as a restore reads it before anything is
 * built: our header and the domain XML (xenpvSaveImageLoad), the check of
 * its stream's format, the definition formatted back as save-image-dumpxml
 * shows it, then the sim back end's stream: its header, and its records
 * applied to a guest memory.  However corrupt or malicious the image, the
 * answer is an error, never a crash, a leak or a write outside the guest.
 *
 * The first input byte is not part of the image: when it is odd, the
 * stream's checksums are put right before it is read, so that mutations
 * reach the records behind them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"
#include "virerror.h"

#include "fuzz_common.h"
#include "xenpv_hyp_sim_priv.h"
#include "xenpv_save_image.h"

/* Guest memory the records land in; pages beyond it are refused. */
#define FUZZ_GUEST_PAGES 16

static xenpvDriver driver;
static int memfd = -1;
static uint8_t *mem;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc G_GNUC_UNUSED, char ***argv G_GNUC_UNUSED)
{
    /* What a restore on a simulated host's driver has to hand. */
    driver.xmlopt = fuzzSetup(false);
    driver.hyp.ops = &xenpvSimHypervisorOps;
    if ((memfd = memfd_create("fuzz-guest", MFD_CLOEXEC)) < 0 ||
        ftruncate(memfd, FUZZ_GUEST_PAGES * XENPV_PAGE_SIZE) < 0 ||
        (mem = mmap(NULL, FUZZ_GUEST_PAGES * XENPV_PAGE_SIZE, PROT_READ | PROT_WRITE,
                    MAP_SHARED, memfd, 0)) == MAP_FAILED)
        abort();
    return 0;
}


/* Put the stream's checksums right: its header's, then each record's as
 * far as the image holds it. */
static void
fuzzFixStream(uint8_t *image, size_t size)
{
    xenpvSaveHeader hdr;
    uint64_t at;

    if (size < sizeof(hdr))
        return;
    memcpy(&hdr, image, sizeof(hdr));
    at = GUINT64_FROM_LE(hdr.streamOffset);
    if (at >= size || size - at < sizeof(xenpvSimSaveHeader))
        return;
    {
        xenpvSimSaveHeader sh;

        memcpy(&sh, image + at, sizeof(sh));
        sh.crc = crc32(0, (const Bytef *)&sh, offsetof(xenpvSimSaveHeader, crc));
        memcpy(image + at, &sh, sizeof(sh));
    }
    at += sizeof(xenpvSimSaveHeader);
    while (size - at >= 16) {
        uint32_t rec[4];

        memcpy(rec, image + at, sizeof(rec));
        at += sizeof(rec);
        if (rec[2] > size - at)
            return;
        rec[3] = crc32(0, image + at, rec[2]);
        memcpy(image + at - sizeof(rec), rec, sizeof(rec));
        at += rec[2];
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree uint8_t *image = NULL;
    g_autofree char *path = NULL;
    g_autoptr(virDomainDef) def = NULL;
    g_autofree char *xml = NULL;
    xenpvSaveImage img = { 0 };
    xenpvSimSaveHeader sh;
    xenpvGuestAbi abi;
    int file = -1;
    int fd = -1;

    if (size < 1)
        return 0;
    image = g_malloc(size);
    memcpy(image, data + 1, size - 1);
    if (data[0] & 1)
        fuzzFixStream(image, size - 1);

    /* The image is a file, as save images are. */
    if ((file = memfd_create("fuzz-save-image", MFD_CLOEXEC)) < 0 ||
        (size > 1 && write(file, image, size - 1) != (ssize_t)(size - 1)))
        abort();
    path = g_strdup_printf("/proc/self/fd/%d", file);

    if ((fd = xenpvSaveImageLoad(&driver, path, &img, &def)) < 0)
        goto done;
    if (!img.xml || img.abi == XENPV_GUEST_ABI_UNKNOWN)
        abort();
    if (!(xml = xenpvSaveImageFormatDef(&driver, def, 0)))
        goto done;
    if (xenpvSaveImageCheckStream(&driver, &img, path) < 0)
        goto done;

    if (xenpvSimStreamReadHeader(fd, &sh, &abi) < 0)
        goto done;
    if (abi == XENPV_GUEST_ABI_UNKNOWN || sh.memPages == 0 || sh.nrPages > sh.memPages)
        abort();
    ignore_value(xenpvSimStreamReadRecords(fd, memfd, mem,
                                           MIN(sh.memPages, FUZZ_GUEST_PAGES)));

 done:
    if (fd >= 0)
        close(fd);
    close(file);
    xenpvSaveImageClear(&img);
    virResetLastError();
    return 0;
}
