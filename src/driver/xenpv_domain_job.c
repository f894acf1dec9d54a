/*
 * xenpv_domain_job.c: the job record of a domain's status XML.
 */
#include "xenpv_domain_job.h"

#include "virerror.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_ENUM_IMPL(xenpvJob,
              XENPV_JOB_LAST,
              "none",
              "start",
              "save",
              "migration-out",
              "migration-in",
);


void
xenpvJobRecordClear(xenpvJobRecord *job)
{
    g_free(job->path);
    g_free(job->peer);
    g_free(job->id);
    memset(job, 0, sizeof(*job));
    job->cpuCap = -1;
}


void
xenpvJobRecordFormat(virBuffer *buf, const xenpvJobRecord *job)
{
    if (job->kind == XENPV_JOB_NONE)
        return;
    virBufferAsprintf(buf, "<job kind='%s' phase='%d' paused='%s' flags='%llu'",
                      xenpvJobTypeToString(job->kind), job->phase,
                      job->wasPaused ? "yes" : "no", job->flags);
    virBufferEscapeString(buf, " path='%s'", job->path);
    virBufferEscapeString(buf, " peer='%s'", job->peer);
    virBufferEscapeString(buf, " id='%s'", job->id);
    if (job->cpuCap >= 0)
        virBufferAsprintf(buf, " cpucap='%d'", job->cpuCap);
    virBufferAddLit(buf, "/>\n");
}


int
xenpvJobRecordParse(xmlXPathContextPtr ctxt, xenpvJobRecord *job)
{
    g_autofree char *kind = virXPathString("string(./job/@kind)", ctxt);
    g_autofree char *paused = NULL;
    int value;

    xenpvJobRecordClear(job);
    if (!kind)
        return 0;
    if ((value = xenpvJobTypeFromString(kind)) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("unknown job '%s' recorded in a domain's status"), kind);
        return -1;
    }
    job->kind = value;
    if (virXPathInt("string(./job/@phase)", ctxt, &job->phase) < -1 ||
        virXPathULongLong("string(./job/@flags)", ctxt, &job->flags) < -1) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("malformed '%s' job recorded in a domain's status"), kind);
        return -1;
    }
    paused = virXPathString("string(./job/@paused)", ctxt);
    job->wasPaused = paused && STREQ(paused, "yes");
    job->path = virXPathString("string(./job/@path)", ctxt);
    job->peer = virXPathString("string(./job/@peer)", ctxt);
    job->id = virXPathString("string(./job/@id)", ctxt);
    if (virXPathInt("string(./job/@cpucap)", ctxt, &job->cpuCap) < -1)
        job->cpuCap = -1;
    return 0;
}
