/*
 * simhost_store.c: the store tree (read, write, remove, directory).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "simhost_store.h"
#include "xenpv_simproto.h"

#define SIM_STORE_MAX_PATH 3072

typedef struct _SimNode SimNode;
struct _SimNode {
    char *value;
    GTree *children;    /* name -> SimNode*, sorted */
};

struct _SimStore {
    SimNode *root;
};

static void simNodeFree(gpointer data);

static gint
compareNames(gconstpointer a, gconstpointer b, gpointer unused)
{
    return strcmp(a, b);
}


static SimNode *
simNodeNew(void)
{
    SimNode *node = g_new0(SimNode, 1);

    node->value = g_strdup("");
    node->children = g_tree_new_full(compareNames, NULL, g_free, simNodeFree);
    return node;
}


static void
simNodeFree(gpointer data)
{
    SimNode *node = data;

    g_tree_destroy(node->children);
    g_free(node->value);
    g_free(node);
}


SimStore *
simStoreNew(void)
{
    SimStore *store = g_new0(SimStore, 1);

    store->root = simNodeNew();
    return store;
}


void
simStoreFree(SimStore *store)
{
    if (!store)
        return;
    simNodeFree(store->root);
    g_free(store);
}


gboolean
simStorePathValid(const char *path, GError **error)
{
    const char *p;

    if (!path || path[0] != '/' || strlen(path) > SIM_STORE_MAX_PATH ||
        (path[1] && path[strlen(path) - 1] == '/') || strstr(path, "//")) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "invalid store path '%s'",
                    path ? path : "");
        return FALSE;
    }
    for (p = path; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("/-_@.", *p)) {
            g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                        "invalid character in store path '%s'", path);
            return FALSE;
        }
    }
    return TRUE;
}


/* Walk to @path; with @create, make missing nodes. */
static SimNode *
simStoreWalk(SimStore *store, const char *path, gboolean create, SimNode **parentOut,
             char **lastName)
{
    g_auto(GStrv) parts = g_strsplit(path + 1, "/", -1);
    SimNode *node = store->root;
    SimNode *parent = NULL;
    size_t i;

    for (i = 0; parts[i] && *parts[i]; i++) {
        SimNode *child = g_tree_lookup(node->children, parts[i]);

        if (!child) {
            if (!create)
                return NULL;
            child = simNodeNew();
            g_tree_insert(node->children, g_strdup(parts[i]), child);
        }
        parent = node;
        node = child;
        if (lastName) {
            g_free(*lastName);
            *lastName = g_strdup(parts[i]);
        }
    }
    if (parentOut)
        *parentOut = parent;
    return node;
}


const char *
simStoreRead(SimStore *store, const char *path)
{
    SimNode *node;

    if (!simStorePathValid(path, NULL))
        return NULL;
    node = simStoreWalk(store, path, FALSE, NULL, NULL);
    return node ? node->value : NULL;
}


gboolean
simStoreWrite(SimStore *store, const char *path, const char *value, GError **error)
{
    SimNode *node;

    if (!simStorePathValid(path, error))
        return FALSE;
    node = simStoreWalk(store, path, TRUE, NULL, NULL);
    g_free(node->value);
    node->value = g_strdup(value ? value : "");
    return TRUE;
}


gboolean
simStoreWritef(SimStore *store, const char *path, const char *fmt, ...)
{
    g_autofree char *value = NULL;
    va_list ap;

    va_start(ap, fmt);
    value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return simStoreWrite(store, path, value, NULL);
}


gboolean
simStoreRemove(SimStore *store, const char *path, GError **error)
{
    g_autofree char *name = NULL;
    SimNode *parent = NULL;
    SimNode *node;

    if (!simStorePathValid(path, error))
        return FALSE;
    if (!(node = simStoreWalk(store, path, FALSE, &parent, &name))) {
        g_set_error(error, XENPV_SIM_ERROR, ENOENT, "no store node %s", path);
        return FALSE;
    }
    if (!parent) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "the store root cannot be removed");
        return FALSE;
    }
    g_tree_remove(parent->children, name);
    return TRUE;
}


static gboolean
collectName(gpointer key, gpointer value, gpointer data)
{
    g_ptr_array_add(data, g_strdup(key));
    return FALSE;
}


GPtrArray *
simStoreList(SimStore *store, const char *path, GError **error)
{
    GPtrArray *names;
    SimNode *node;

    if (!simStorePathValid(path, error))
        return NULL;
    if (!(node = simStoreWalk(store, path, FALSE, NULL, NULL))) {
        g_set_error(error, XENPV_SIM_ERROR, ENOENT, "no store node %s", path);
        return NULL;
    }
    names = g_ptr_array_new_with_free_func(g_free);
    g_tree_foreach(node->children, collectName, names);
    return names;
}
