/*
 * xenpv_migration.h: live migration, libvirt's protocol v3 (docs/migration.md):
 * the driver's entry points, and what the driver's start and restart need.
 */
#pragma once

#include "xenpv_driver.h"

/* The port range for incoming migrations, from xenpv.conf. */
int xenpvMigrationInit(xenpvDriver *driver);
void xenpvMigrationShutdown(xenpvDriver *driver);

/* After a daemon restart, for a domain whose status records a migration
 * out or in (xenpv_domain_job.h): finish or undo it.  Called locked,
 * before the domain is reconnected. */
void xenpvMigrationRecover(xenpvDriver *driver, virDomainObj *vm);

/* A migration out of @vm whose outcome is not known yet: the guest is
 * held paused until the destination says whether it took it
 * (xenpv_migration_inquiry.c).  Other jobs are refused meanwhile. */
bool xenpvMigrationSrcUnsettled(virDomainObj *vm);
/* Has the migration out of @vm reached its switch-over (GO, or a
 * tunnelled Finish called)?  It can no longer be aborted then. */
bool xenpvMigrationSrcHandingOver(virDomainObj *vm);
/* The operator resumes such a guest (virsh resume): it carries on here,
 * and its migration is over.  Called locked with a job held. */
int xenpvMigrationSrcResumeUnsettled(xenpvDriver *driver, virDomainObj *vm);

/* The entry points (xenpv_migration_entry.c). */
char *xenpvDomainMigrateBegin3Params(virDomainPtr domain, virTypedParameterPtr params,
                                     int nparams, char **cookieout, int *cookieoutlen,
                                     unsigned int flags);
char *xenpvDomainMigrateBegin3(virDomainPtr domain, const char *xmlin, char **cookieout,
                               int *cookieoutlen, unsigned long flags, const char *dname,
                               unsigned long resource);
int xenpvDomainMigratePrepare3Params(virConnectPtr dconn, virTypedParameterPtr params,
                                     int nparams, const char *cookiein, int cookieinlen,
                                     char **cookieout, int *cookieoutlen, char **uri_out,
                                     unsigned int flags);
int xenpvDomainMigratePrepare3(virConnectPtr dconn, const char *cookiein, int cookieinlen,
                               char **cookieout, int *cookieoutlen, const char *uri_in,
                               char **uri_out, unsigned long flags, const char *dname,
                               unsigned long resource, const char *dom_xml);
int xenpvDomainMigratePrepareTunnel3Params(virConnectPtr dconn, virStreamPtr st,
                                           virTypedParameterPtr params, int nparams,
                                           const char *cookiein, int cookieinlen,
                                           char **cookieout, int *cookieoutlen,
                                           unsigned int flags);
int xenpvDomainMigratePrepareTunnel3(virConnectPtr dconn, virStreamPtr st,
                                     const char *cookiein, int cookieinlen,
                                     char **cookieout, int *cookieoutlen,
                                     unsigned long flags, const char *dname,
                                     unsigned long resource, const char *dom_xml);
int xenpvDomainMigratePerform3Params(virDomainPtr dom, const char *dconnuri,
                                     virTypedParameterPtr params, int nparams,
                                     const char *cookiein, int cookieinlen,
                                     char **cookieout, int *cookieoutlen,
                                     unsigned int flags);
int xenpvDomainMigratePerform3(virDomainPtr dom, const char *xmlin, const char *cookiein,
                               int cookieinlen, char **cookieout, int *cookieoutlen,
                               const char *dconnuri, const char *uri, unsigned long flags,
                               const char *dname, unsigned long resource);
virDomainPtr xenpvDomainMigrateFinish3Params(virConnectPtr dconn, virTypedParameterPtr params,
                                             int nparams, const char *cookiein,
                                             int cookieinlen, char **cookieout,
                                             int *cookieoutlen, unsigned int flags,
                                             int cancelled);
virDomainPtr xenpvDomainMigrateFinish3(virConnectPtr dconn, const char *dname,
                                       const char *cookiein, int cookieinlen,
                                       char **cookieout, int *cookieoutlen,
                                       const char *dconnuri, const char *uri,
                                       unsigned long flags, int cancelled);
int xenpvDomainMigrateConfirm3Params(virDomainPtr domain, virTypedParameterPtr params,
                                     int nparams, const char *cookiein, int cookieinlen,
                                     unsigned int flags, int cancelled);
int xenpvDomainMigrateConfirm3(virDomainPtr domain, const char *cookiein, int cookieinlen,
                               unsigned long flags, int cancelled);
