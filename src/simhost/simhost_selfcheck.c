/*
 * simhost_selfcheck.c: the "selfcheck" workload.  Every data page carries
 * (page index, generation, content derived from both); a generation table in
 * guest memory says which generation each page must hold.  The workload keeps
 * re-stamping pages (so memory keeps being dirtied) and verifies every page
 * after each resume and, a slice per tick, all the time: a page lost or left
 * stale by a save, restore or migration is found and named.
 */
#include <stdio.h>
#include <string.h>

#include "simhost_workload.h"

#define SELFCHECK_MAGIC 0x5850565343484b31ULL    /* "XPVSCHK1" */
#define WORDS_PER_PAGE (XENPV_PAGE_SIZE / sizeof(guint64))
#define GEN_PER_PAGE (XENPV_PAGE_SIZE / sizeof(guint32))
#define SELFCHECK_MIN_DATA 16
/* A full verification pass takes about this many ticks. */
#define SELFCHECK_PASS_TICKS 50

static guint64
mix64(guint64 x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}


static void
stampPage(guint64 *words, guint64 pfn, guint32 gen)
{
    guint64 seed = mix64(pfn * 0x100000001B3ULL ^ ((guint64)gen << 40));
    size_t i;

    words[0] = SELFCHECK_MAGIC;
    words[1] = pfn;
    words[2] = gen;
    for (i = 3; i < WORDS_PER_PAGE; i++) {
        seed = mix64(seed);
        words[i] = seed;
    }
}


static guint32 *
genEntryForWrite(SimDomain *dom, SimKernelPage *kp, guint64 pfn)
{
    guint32 *table = (guint32 *)simDomainPageForWrite(dom, 1 + pfn / GEN_PER_PAGE);

    return &table[pfn % GEN_PER_PAGE];
}


static guint32
genEntry(SimDomain *dom, guint64 pfn)
{
    const guint32 *table = (const guint32 *)simDomainPage(dom, 1 + pfn / GEN_PER_PAGE);

    return table[pfn % GEN_PER_PAGE];
}


static void
restamp(SimDomain *dom, SimKernelPage *kp, guint64 pfn)
{
    guint32 *gen = genEntryForWrite(dom, kp, pfn);

    (*gen)++;
    if (*gen == 0)
        *gen = 1;
    stampPage((guint64 *)simDomainPageForWrite(dom, pfn), pfn, *gen);
}


/* NULL if the page is what the table says, else why not. */
static char *
checkPage(SimDomain *dom, guint64 pfn)
{
    const guint64 *words = (const guint64 *)simDomainPage(dom, pfn);
    guint32 gen = genEntry(dom, pfn);
    guint64 expect[WORDS_PER_PAGE];
    size_t i;

    if (gen == 0)
        return g_strdup("generation table entry is zero (table page lost)");
    if (words[0] != SELFCHECK_MAGIC) {
        for (i = 0; i < WORDS_PER_PAGE && words[i] == 0; i++)
            ;
        if (i == WORDS_PER_PAGE)
            return g_strdup("lost (page is all zero)");
        return g_strdup("corrupt (no stamp at offset 0)");
    }
    if (words[1] != pfn)
        return g_strdup_printf("misplaced (holds page %" G_GUINT64_FORMAT ")", words[1]);
    if (words[2] != gen)
        return g_strdup_printf("stale (generation %" G_GUINT64_FORMAT ", table says %u)",
                               words[2], gen);
    stampPage(expect, pfn, gen);
    for (i = 3; i < WORDS_PER_PAGE; i++) {
        if (words[i] != expect[i])
            return g_strdup_printf("corrupt content at byte %zu", i * sizeof(guint64));
    }
    return NULL;
}


static void
report(SimDomain *dom, SimKernelPage *kp, gboolean toConsole)
{
    g_autofree char *node = simDomainPath(dom, "data/selfcheck");

    simStoreWrite(dom->host->store, node, kp->verdict, NULL);
    if (toConsole)
        simGuestPrintf(dom, "selfcheck: %s\n", kp->verdict);
}


static void
fail(SimDomain *dom, SimKernelPage *kp, guint64 pfn, const char *why)
{
    kp->failed = 1;
    kp->failPage = pfn;
    g_snprintf(kp->verdict, sizeof(kp->verdict), "FAIL page=%" G_GUINT64_FORMAT " %s",
               pfn, why);
    report(dom, kp, TRUE);
    /* A failed guest stops writing so the evidence stays in memory. */
    dom->load = 0.01 * simDomainOnlineVcpus(dom);
}


static void
passDone(SimDomain *dom, SimKernelPage *kp, guint64 verified, const char *why,
         gboolean toConsole)
{
    kp->passes++;
    kp->lastVerified = verified;
    g_snprintf(kp->verdict, sizeof(kp->verdict),
               "OK verified=%" G_GUINT64_FORMAT " pass=%" G_GUINT64_FORMAT
               " resumes=%" G_GUINT64_FORMAT " restamps=%" G_GUINT64_FORMAT " after=%s",
               verified, kp->passes, kp->resumes, kp->restamps, why);
    report(dom, kp, toConsole);
}


guint64
simSelfcheckMinPages(guint64 maxPages)
{
    guint64 tablePages = (maxPages + GEN_PER_PAGE - 1) / GEN_PER_PAGE;

    return 1 + tablePages + SELFCHECK_MIN_DATA;
}


gboolean
simSelfcheckBoot(SimDomain *dom, SimKernelPage *kp)
{
    guint64 maxPages = dom->memBytes / XENPV_PAGE_SIZE;
    guint64 pfn;

    kp->tablePages = (maxPages + GEN_PER_PAGE - 1) / GEN_PER_PAGE;
    kp->dataStart = 1 + kp->tablePages;
    kp->regionPages = MIN(dom->nrPages, maxPages);
    if (kp->regionPages < simSelfcheckMinPages(maxPages)) {
        simGuestPrintf(dom, "selfcheck: needs at least %" G_GUINT64_FORMAT
                       " pages, has %" G_GUINT64_FORMAT "\n",
                       simSelfcheckMinPages(maxPages), kp->regionPages);
        return FALSE;
    }
    for (pfn = kp->dataStart; pfn < kp->regionPages; pfn++)
        restamp(dom, kp, pfn);
    kp->verifyCursor = kp->dataStart;
    simGuestPrintf(dom, "selfcheck: stamped %" G_GUINT64_FORMAT " pages (%" G_GUINT64_FORMAT
                   " table pages)\n", kp->regionPages - kp->dataStart, kp->tablePages);
    g_snprintf(kp->verdict, sizeof(kp->verdict),
               "OK verified=0 pass=0 resumes=0 restamps=0 after=boot");
    report(dom, kp, TRUE);
    return TRUE;
}


void
simSelfcheckVerifyAll(SimDomain *dom, SimKernelPage *kp, const char *why)
{
    guint64 pfn;

    if (kp->failed) {
        report(dom, kp, TRUE);
        return;
    }
    if (kp->dataStart < 1 || kp->regionPages > dom->memBytes / XENPV_PAGE_SIZE ||
        kp->dataStart != 1 + kp->tablePages) {
        fail(dom, kp, 0, "kernel page holds an impossible layout");
        return;
    }
    for (pfn = kp->dataStart; pfn < kp->regionPages; pfn++) {
        g_autofree char *why_bad = checkPage(dom, pfn);

        if (why_bad) {
            fail(dom, kp, pfn, why_bad);
            return;
        }
    }
    kp->verifyCursor = kp->dataStart;
    passDone(dom, kp, kp->regionPages - kp->dataStart, why, TRUE);
}


void
simSelfcheckTick(SimDomain *dom, SimKernelPage *kp, guint64 restampPages)
{
    guint64 dataPages;
    guint64 chunk;
    guint64 i;

    if (kp->failed || kp->regionPages <= kp->dataStart)
        return;
    dataPages = kp->regionPages - kp->dataStart;
    for (i = 0; i < restampPages; i++) {
        restamp(dom, kp, kp->dataStart + simWorkloadRng(kp) % dataPages);
        kp->restamps++;
    }

    chunk = MAX(256, dataPages / SELFCHECK_PASS_TICKS);
    for (i = 0; i < chunk; i++) {
        g_autofree char *why_bad = NULL;

        if (kp->verifyCursor < kp->dataStart || kp->verifyCursor >= kp->regionPages) {
            kp->verifyCursor = kp->dataStart;
            /* Only the store hears about routine passes; the console would
             * fill with them. */
            passDone(dom, kp, dataPages, "periodic", FALSE);
            break;
        }
        if ((why_bad = checkPage(dom, kp->verifyCursor))) {
            fail(dom, kp, kp->verifyCursor, why_bad);
            return;
        }
        kp->verifyCursor++;
    }
}


void
simSelfcheckResize(SimDomain *dom, SimKernelPage *kp, guint64 newPages)
{
    guint64 maxPages = dom->memBytes / XENPV_PAGE_SIZE;
    guint64 pfn;

    if (kp->failed)
        return;
    newPages = MIN(MAX(newPages, simSelfcheckMinPages(maxPages)), maxPages);
    /* The table was sized at boot; memory added later stays unchecked. */
    newPages = MIN(newPages, kp->tablePages * GEN_PER_PAGE);
    /* Pages coming back from the balloon are new memory: stamp them. */
    for (pfn = kp->regionPages; pfn < newPages; pfn++)
        restamp(dom, kp, pfn);
    kp->regionPages = newPages;
    if (kp->verifyCursor >= newPages)
        kp->verifyCursor = kp->dataStart;
}
