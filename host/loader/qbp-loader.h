/*
 * qbp-loader.h: find, load and check block plugins (libltdl + glib).
 *
 * Used by the QEMU shim and by every other host of ours.  Knows nothing of
 * QEMU: the embedding host supplies its name and how to log and look up
 * secrets.
 */
#ifndef QBP_LOADER_H
#define QBP_LOADER_H

#include <glib.h>
#include "qemu-block-plugin.h"

/* The ABI majors this host accepts, and the minor of the newest. */
#define QBP_HOST_MIN_MAJOR 1
#define QBP_HOST_MAX_MAJOR QBP_ABI_MAJOR

/* The environment variable searched before the installed directory. */
#define QBP_PATH_ENV "QEMU_BLOCK_PLUGIN_PATH"

typedef struct QbpPlugin QbpPlugin;

/* What the embedding host provides; copied by qbp_loader_setup. */
typedef struct QbpHostOps {
    const char *host_name;   /* "QEMU 7.2.0": in the host table */
    const char *host_title;  /* "this QEMU": in refusal messages */
    void (*log)(int level, const char *msg);
    /* As qbp_host.secret_lookup, but errors go to *errmsg (g_strdup'd). */
    int64_t (*secret_lookup)(const char *id, void *buf, size_t bufsize,
                             size_t *needed, char **errmsg);
} QbpHostOps;

/* Once per process, before anything else.  ops may be NULL for defaults. */
void qbp_loader_setup(const QbpHostOps *ops);

/*
 * Load a plugin by name ("rbd" -> rbd-plugin.so, looked up among the
 * preloaded ones, in $QEMU_BLOCK_PLUGIN_PATH, then in plugindir) or by path
 * (anything containing '/').  A plugin already loaded is returned again.
 * Returns NULL with *errp set to the exact refusal message.
 */
QbpPlugin *qbp_plugin_load(const char *name_or_path, GError **errp);

/* The plugin's checked table; fields past the plugin's size read as 0. */
const struct qbp_plugin *qbp_plugin_table(const QbpPlugin *p);
const char *qbp_plugin_path(const QbpPlugin *p);
/* The plugin's thread model after the host's own limits. */
uint32_t qbp_plugin_thread_model(const QbpPlugin *p);

/*
 * Options, checked against a plugin table's declared option list.
 *
 * qbp_options_find: the declared option NAME, or NULL.
 * qbp_options_normalize: check one value against the declared type and
 * return it in the form the contract promises the plugin (bool -> on/off,
 * size -> decimal bytes); NULL with *errp set when the name is unknown or
 * the value bad.
 * qbp_options_check_required: every required option is in KV.
 */
const struct qbp_option *qbp_options_find(const struct qbp_plugin *t,
                                          const char *name);
char *qbp_options_normalize(const struct qbp_plugin *t, const char *key,
                            const char *value, GError **errp);
gboolean qbp_options_check_required(const struct qbp_plugin *t,
                                    const struct qbp_kv *kv, size_t n,
                                    GError **errp);

/*
 * The error object handed to plugin calls.  qbp_error_new/free are for
 * hosts; qbp_error_take returns the message (or a fallback naming the
 * operation and errno) and the errno, and resets the object.
 */
struct qbp_error *qbp_error_new(void);
void qbp_error_free(struct qbp_error *err);
gboolean qbp_error_is_set(const struct qbp_error *err);
char *qbp_error_take(struct qbp_error *err, int *errnum);

/* Capabilities of an open handle, limited to callbacks that exist. */
uint32_t qbp_plugin_caps(const QbpPlugin *p, void *handle);

/*
 * What is wrong with one fact that get_info (ABI 1.3) handed over, to
 * follow "reported": "a fact named 'Size': ...", or NULL when it is
 * well-formed.  Whether its name came twice is the caller's to check.
 */
char *qbp_info_item_problem(const struct qbp_info_item *item);

/* Parse "NAME:REST" (the part after "plugin:") into its two halves. */
gboolean qbp_split_filename(const char *spec, char **name, char **rest,
                            GError **errp);

#endif /* QBP_LOADER_H */
