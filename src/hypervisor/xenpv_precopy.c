/*
 * xenpv_precopy.c: the pre-copy policy of a live save (see the header).
 */
#include "xenpv_precopy.h"


unsigned int
xenpvPrecopyMaxRounds(const xenpvSaveParams *params)
{
    if (params->maxIterations)
        return params->maxIterations;
    return params->maxDowntimeMs ? XENPV_PRECOPY_TARGET_ROUNDS : XENPV_PRECOPY_DEFAULT_ROUNDS;
}


double
xenpvPrecopyRate(const xenpvSaveParams *params, const xenpvSaveRound *round)
{
    double limit = params->bandwidthBps / (double)XENPV_PAGE_SIZE;

    if (round->sendRate <= 0)
        return limit;
    if (limit > 0 && limit < round->sendRate)
        return limit;
    return round->sendRate;
}


double
xenpvPrecopyDowntimeMs(const xenpvSaveParams *params, const xenpvSaveRound *round)
{
    double rate = xenpvPrecopyRate(params, round);

    if (rate <= 0)
        return -1;
    return round->dirtyPages * 1000.0 / rate;
}


bool
xenpvPrecopyShouldStop(const xenpvSaveParams *params, const xenpvSaveRound *round)
{
    double downtimeMs;

    if (round->iteration == 0)
        return false;           /* nothing copied yet */
    if (round->iteration >= xenpvPrecopyMaxRounds(params))
        return true;
    if (!params->maxDowntimeMs)
        return round->dirtyPages <= XENPV_PRECOPY_FEW_DIRTY_PAGES;
    downtimeMs = xenpvPrecopyDowntimeMs(params, round);
    return downtimeMs >= 0 && downtimeMs <= params->maxDowntimeMs;
}
