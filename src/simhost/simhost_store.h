/*
 * simhost_store.h: the simulated host's store, a stand-in for xenstored:
 * a tree of nodes, each with a value and children.
 */
#pragma once

#include <glib.h>

typedef struct _SimStore SimStore;

SimStore *simStoreNew(void);
void simStoreFree(SimStore *store);

/* Xenstore's path rules: absolute, components of [A-Za-z0-9-_@.]. */
gboolean simStorePathValid(const char *path, GError **error);

/* The node's value, or NULL if it does not exist. */
const char *simStoreRead(SimStore *store, const char *path);
/* Create or overwrite, making missing parents with empty values. */
gboolean simStoreWrite(SimStore *store, const char *path, const char *value, GError **error);
gboolean simStoreWritef(SimStore *store, const char *path, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Remove the node and everything below; FALSE (ENOENT) if it did not exist. */
gboolean simStoreRemove(SimStore *store, const char *path, GError **error);
/* Child names, sorted; NULL with ENOENT if the node does not exist. */
GPtrArray *simStoreList(SimStore *store, const char *path, GError **error);
