/*
 * fuzz-migration-stream.c: the destination's receiving end of a
 * migration's data channel (docs/migration-stream.md), fed what a peer (or
 * a stranger) might send: the greeting checked against a token, then the
 * records unframed (DATA_ZSTD ones unpacked) into the restore's
 * descriptor, then the messages that follow.  Nothing may crash or leak,
 * the receiver never reads past its input nor hands on a chunk larger
 * than a record may unpack into, and a greeting is taken only with the
 * right token.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "virerror.h"

#include "fuzz_common.h"
#include "xenpv_migration_frame.h"

#define FUZZ_TOKEN "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
} FuzzInput;

static int sink = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc G_GNUC_UNUSED, char ***argv G_GNUC_UNUSED)
{
    fuzzSetup(false);
    if ((sink = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
        abort();
    return 0;
}


/* Reads come in short pieces, as from a socket. */
static ssize_t
fuzzRead(void *opaque, char *buf, size_t len)
{
    FuzzInput *in = opaque;
    size_t n = MIN(len, in->size - in->pos);

    if (n > 4096)
        n = 4096 - (in->pos % 7);
    memcpy(buf, in->data + in->pos, n);
    in->pos += n;
    return n;
}


static int
fuzzWrite(void *opaque G_GNUC_UNUSED, const char *buf G_GNUC_UNUSED, size_t len G_GNUC_UNUSED)
{
    return 0;
}


/* Each chunk handed on: at most what one record may carry, packed and
 * unpacked. */
static int
fuzzMeter(void *opaque G_GNUC_UNUSED, size_t len, size_t wireLen)
{
    if (len == 0 || len > XENPV_FRAME_MAX_DATA || wireLen == 0 ||
        wireLen > XENPV_FRAME_MAX_DATA) {
        fprintf(stderr, "a chunk of %zu bytes (%zu on the wire) was handed on\n", len, wireLen);
        abort();
    }
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in = { .data = data, .size = size };
    xenpvFrameTransport t = {
        .read = fuzzRead, .write = fuzzWrite, .opaque = &in, .peer = "the fuzzer",
    };
    xenpvFrameType type;
    g_autofree char *message = NULL;
    int rc;

    rc = xenpvFrameCheckHello(&t, FUZZ_TOKEN);
    if (rc > 0 && (size < XENPV_FRAME_HELLO_LEN || memcmp(data, XENPV_FRAME_MAGIC, 8) != 0)) {
        fprintf(stderr, "a greeting without the magic was taken\n");
        abort();
    }
    if (rc <= 0)
        goto done;
    if (xenpvFrameRecvStream(&t, sink, fuzzMeter, NULL) < 0)
        goto done;
    while (xenpvFrameRecv(&t, &type, &message) == 0)
        g_clear_pointer(&message, g_free);
    if (in.pos > in.size)
        abort();

 done:
    virResetLastError();
    return 0;
}
