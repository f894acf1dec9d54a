/*
 * xenpv_recover.h: what a restarted daemon does with a job it finds
 * recorded in a domain's status (xenpv_domain_job.h): it finishes or undoes
 * it, so that the guest ends up running exactly once, or cleanly shut off.
 */
#pragma once

#include "xenpv_domain.h"

/* Called at daemon start for each domain loaded from its status, locked,
 * before it is reconnected (xenpvProcessReconnect).  A domain left
 * inactive by the recovery is the caller's to forget. */
void xenpvRecoverJob(xenpvDriver *driver, virDomainObj *vm);
