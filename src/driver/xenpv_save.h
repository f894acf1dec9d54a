/*
 * xenpv_save.h: save images (docs/save-format.md), saving and restoring
 * domains, and managed save.
 */
#pragma once

#include "xenpv_domain.h"

/* Start a defined domain, from its managed save image if it has one (and
 * @forceBoot is false; the image is removed either way once it is used
 * or discarded).  @startFlags are xenpvStartFlags.  On success *@event is
 * the lifecycle event to queue. */
int xenpvSaveStartDomain(xenpvDriver *driver,
                         virDomainObj *vm,
                         virConnectPtr conn,
                         unsigned int startFlags,
                         bool forceBoot,
                         virObjectEvent **event);

/* Look for the managed save image of @vm and set vm->hasManagedSave. */
void xenpvSaveCheckManaged(xenpvDriver *driver, virDomainObj *vm);

/* Entry points. */
int xenpvDomainSave(virDomainPtr dom, const char *to);
int xenpvDomainSaveFlags(virDomainPtr dom, const char *to, const char *dxml,
                         unsigned int flags);
int xenpvDomainRestore(virConnectPtr conn, const char *from);
int xenpvDomainRestoreFlags(virConnectPtr conn, const char *from, const char *dxml,
                            unsigned int flags);
char *xenpvDomainSaveImageGetXMLDesc(virConnectPtr conn, const char *path,
                                     unsigned int flags);
char *xenpvDomainManagedSaveGetXMLDesc(virDomainPtr dom, unsigned int flags);
int xenpvDomainManagedSave(virDomainPtr dom, unsigned int flags);
int xenpvDomainHasManagedSaveImage(virDomainPtr dom, unsigned int flags);
int xenpvDomainManagedSaveRemove(virDomainPtr dom, unsigned int flags);
