/*
 * qbp-host-table.c: what the host offers a plugin (logging, errors, secret
 * lookup) and the error object that carries an open's failure back.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "qbp-host-table.h"

struct qbp_error {
    int errnum;
    char *msg;
};

static QbpHostOps host_ops;
static gsize host_ops_set;

static void default_log(int level, const char *msg)
{
    static const char *const names[] = { "error", "warning", "info", "debug" };

    if (level >= QBP_LOG_DEBUG && !g_getenv("QBP_DEBUG")) {
        return;
    }
    fprintf(stderr, "block plugin %s: %s\n",
            names[CLAMP(level, QBP_LOG_ERROR, QBP_LOG_DEBUG)], msg);
}

static int64_t no_secrets(const char *id, void *buf, size_t bufsize,
                          size_t *needed, char **errmsg)
{
    *errmsg = g_strdup_printf("no secret '%s': this host has no secret store",
                              id);
    return -ENOENT;
}

static void QBP_PRINTF(2, 3) host_log(int level, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    host_ops.log(level, msg);
}

static void QBP_PRINTF(3, 4) host_error_set(struct qbp_error *err, int errnum,
                                            const char *fmt, ...)
{
    va_list ap;

    if (!err || err->msg) {
        return;
    }
    va_start(ap, fmt);
    err->msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* Accept a positive errno from a sloppy plugin; the contract says < 0. */
    err->errnum = errnum > 0 ? -errnum : (errnum ? errnum : -EIO);
}

static int64_t host_secret_lookup(const char *id, void *buf, size_t bufsize,
                                  size_t *needed, struct qbp_error *err)
{
    g_autofree char *msg = NULL;
    int64_t ret;

    if (!id) {
        host_error_set(err, -EINVAL, "secret lookup without a secret id");
        return -EINVAL;
    }
    ret = host_ops.secret_lookup(id, buf, bufsize, needed, &msg);
    if (ret < 0) {
        host_error_set(err, (int)ret, "%s",
                       msg ? msg : "secret lookup failed");
    }
    return ret;
}

static struct qbp_host host_table = {
    .hdr = {
        .struct_size = sizeof(struct qbp_host),
        .abi_major = QBP_ABI_MAJOR,
        .abi_minor = QBP_ABI_MINOR,
    },
    .log = host_log,
    .error_set = host_error_set,
    .secret_lookup = host_secret_lookup,
};

void qbp_host_table_setup(const QbpHostOps *ops)
{
    if (g_once_init_enter(&host_ops_set)) {
        host_ops = ops ? *ops : (QbpHostOps){ 0 };
        if (!host_ops.host_name) {
            host_ops.host_name = "qemu-block-plugin host";
        }
        if (!host_ops.host_title) {
            host_ops.host_title = "this host";
        }
        if (!host_ops.log) {
            host_ops.log = default_log;
        }
        if (!host_ops.secret_lookup) {
            host_ops.secret_lookup = no_secrets;
        }
        host_table.host_name = host_ops.host_name;
        g_once_init_leave(&host_ops_set, 1);
    }
}

const struct qbp_host *qbp_host_table(void)
{
    return &host_table;
}

const char *qbp_host_title(void)
{
    return host_ops.host_title;
}

struct qbp_error *qbp_error_new(void)
{
    return g_new0(struct qbp_error, 1);
}

void qbp_error_free(struct qbp_error *err)
{
    if (err) {
        g_free(err->msg);
        g_free(err);
    }
}

gboolean qbp_error_is_set(const struct qbp_error *err)
{
    return err->msg != NULL;
}

char *qbp_error_take(struct qbp_error *err, int *errnum)
{
    char *msg = err->msg;
    int e = err->errnum ? err->errnum : -EIO;

    if (!msg) {
        msg = g_strdup("the plugin failed without giving a reason");
    }
    if (errnum) {
        *errnum = e;
    }
    err->msg = NULL;
    err->errnum = 0;
    return msg;
}
