/*
 * xenpv_migration_outcome.h: the destination's durable record of what came
 * of each incoming migration: it runs the guest ("run"), or it does not and
 * never will ("refused").
 *
 * Writing that record is the hand-over's commit point.  Whoever writes it
 * first decides, once and atomically: the destination's Finish when the
 * source let go (GO), its tear-down when the migration failed, a restarted
 * daemon recovering the job, or a source asking about a migration whose
 * outcome it lost track of (xenpv_migration_inquiry.c).  Every later
 * attempt gets the decision that holds.  Records live in the driver's
 * migration directory (ID.pending from Prepare, ID.outcome once decided),
 * survive daemon restarts and host reboots, and are pruned after
 * XENPV_MIGRATION_OUTCOME_KEEP_DAYS.
 */
#pragma once

#include "xenpv_driver.h"
#include "xenpv_migration_cookie.h"

#define XENPV_MIGRATION_OUTCOME_KEEP_DAYS 30

typedef enum {
    XENPV_OUTCOME_ERROR = -1,   /* the record cannot be read or written */
    XENPV_OUTCOME_UNKNOWN = 0,  /* no migration of that id came here */
    XENPV_OUTCOME_PENDING,      /* prepared, not decided yet */
    XENPV_OUTCOME_RUN,          /* this host runs the guest */
    XENPV_OUTCOME_REFUSED,      /* this host does not, and never will */
} xenpvMigrationOutcome;

/* A fresh random id for an incoming migration, as hexadecimal text. */
int xenpvMigrationOutcomeNewId(char id[XENPV_MIGRATION_ID_HEX + 1]);

/* Prepare: record that migration @id (of the domain @what names, for the
 * human reading the directory) came here undecided. */
int xenpvMigrationOutcomeOpen(xenpvDriver *driver, const char *id, const char *what);

/* Decide @id as @decision (RUN or REFUSED) unless it was decided already;
 * returns the decision that holds, or XENPV_OUTCOME_ERROR with an error
 * when none could be recorded. */
xenpvMigrationOutcome xenpvMigrationOutcomeDecide(xenpvDriver *driver, const char *id,
                                                  xenpvMigrationOutcome decision);

/* What is recorded of @id (ERROR with an error if it cannot be read). */
xenpvMigrationOutcome xenpvMigrationOutcomeGet(xenpvDriver *driver, const char *id);

/* Remove the records older than XENPV_MIGRATION_OUTCOME_KEEP_DAYS. */
void xenpvMigrationOutcomePrune(xenpvDriver *driver);
