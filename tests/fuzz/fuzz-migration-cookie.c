/*
 * fuzz-migration-cookie.c: the migration cookie parser
 * (docs/migration-cookie.md), which reads what another host sends.  A
 * cookie that parses must format, and the formatted text must parse again
 * into the same cookie.
 */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"
#include "virerror.h"

#include "fuzz_common.h"
#include "xenpv_migration_cookie.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc G_GNUC_UNUSED, char ***argv G_GNUC_UNUSED)
{
    fuzzSetup(false);
    return 0;
}


static bool
sameCookie(const xenpvMigrationCookie *a, const xenpvMigrationCookie *b)
{
    return a->parts == b->parts &&
           STREQ_NULLABLE(a->hostname, b->hostname) &&
           memcmp(a->hostUUID, b->hostUUID, sizeof(a->hostUUID)) == 0 &&
           STREQ_NULLABLE(a->name, b->name) &&
           memcmp(a->uuid, b->uuid, sizeof(a->uuid)) == 0 &&
           a->abi == b->abi && a->memoryKiB == b->memoryKiB &&
           a->maxMemoryKiB == b->maxMemoryKiB && a->paused == b->paused &&
           STREQ_NULLABLE(a->streamFormat, b->streamFormat) &&
           a->streamVersion == b->streamVersion && a->logDirty == b->logDirty &&
           STREQ_NULLABLE(a->address, b->address) && a->port == b->port &&
           STREQ(a->token, b->token) && a->tls == b->tls &&
           STREQ(a->id, b->id) && STREQ_NULLABLE(a->inquiryUri, b->inquiryUri) &&
           a->stoppedMs == b->stoppedMs && STREQ_NULLABLE(a->compression, b->compression);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_auto(xenpvMigrationCookie) cookie = { 0 };
    g_auto(xenpvMigrationCookie) again = { 0 };
    g_autofree char *xml = NULL;

    if (size > 128 * 1024)
        return 0;
    if (xenpvMigrationCookieParse((const char *)data, size, "the fuzzer", 0, &cookie) < 0)
        goto done;

    xml = xenpvMigrationCookieFormat(&cookie);
    if (xenpvMigrationCookieParse(xml, strlen(xml) + 1, "the fuzzer", cookie.parts, &again) < 0) {
        fprintf(stderr, "a parsed cookie formats into one that does not parse: %s\n%s\n",
                virGetLastErrorMessage(), xml);
        abort();
    }
    if (!sameCookie(&cookie, &again)) {
        fprintf(stderr, "a cookie changed through format and parse:\n%s\n", xml);
        abort();
    }

 done:
    virResetLastError();
    return 0;
}
