/*
 * qbp-host: an nbdkit plugin that serves any block plugin of ours, loaded
 * through the project's loader, so that the same NAME-plugin.so can run
 * out of QEMU's process.
 *
 *   nbdkit --unix SOCK qbp-host.so module=rbd pool=rbd image=vm1
 *
 * module= names the plugin (a name searched like QEMU does, or a path);
 * cache=none opens the disk as QEMU's cache=none does (the file plugin then
 * uses O_DIRECT); secret.ID=PASSWORD makes the secret ID that the plugin
 * may look up (key-secret=ID of the rbd plugin), PASSWORD read as nbdkit
 * reads passwords: "+FILE" reads it from FILE, "-" asks on the terminal.
 * Every other key=value goes to the plugin, checked against its option
 * table.
 *
 * Each connection opens one handle.  The plugin's capabilities become
 * nbdkit's can_* answers, its thread model nbdkit's, and its asynchronous
 * completions, which may come from any thread, wake the nbdkit thread that
 * waits for them.
 *
 * SPDX-License-Identifier: MIT
 */
#define NBDKIT_API_VERSION 2
#define THREAD_MODEL NBDKIT_THREAD_MODEL_PARALLEL

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nbdkit-plugin.h>
#include <nbdkit-version.h>

#include "qbp-loader.h"

#define SECRET_PREFIX "secret."

/* What the command line gave, kept until config_complete checks it. */
static char *module;
static uint32_t open_flags;     /* QBP_OPEN_NOCACHE from cache=none */
static GPtrArray *raw_keys;     /* option keys, in command-line order */
static GPtrArray *raw_values;
static GHashTable *secrets;     /* secret id -> its bytes, NUL-terminated */

/* Set by config_complete. */
static QbpPlugin *plugin;
static const struct qbp_plugin *table;
static struct qbp_kv *options;  /* normalised, as the plugin receives them */
static size_t n_options;

/*
 * QEMU opens and closes disks from its main thread only, so plugins have
 * only ever been run that way; nbdkit may open two connections at once.
 */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

struct handle {
    void *disk;                 /* the plugin's handle */
    uint32_t caps;
    uint32_t align;             /* request alignment, at least 1 */
    uint32_t max_transfer;      /* 0 = none */
    uint32_t opt_transfer;
    uint32_t mem_align;         /* 0 = any */
};

/* ---- the host table's services, nbdkit flavour ---- */

static void nbdkit_host_log(int level, const char *msg)
{
    switch (level) {
    case QBP_LOG_ERROR:
        nbdkit_error("%s", msg);
        break;
    case QBP_LOG_WARNING:
        /* nbdkit has no warning level; an error line is the one seen. */
        nbdkit_error("warning: %s", msg);
        break;
    default:
        nbdkit_debug("%s", msg);
    }
}

static int64_t nbdkit_host_secret_lookup(const char *id, void *buf,
                                         size_t bufsize, size_t *needed,
                                         char **errmsg)
{
    const char *secret = secrets ? g_hash_table_lookup(secrets, id) : NULL;
    size_t len;

    if (!secret) {
        *errmsg = g_strdup_printf("no secret '%s': give it to nbdkit as "
                                  SECRET_PREFIX "%s=+FILE", id, id);
        return -ENOENT;
    }
    len = strlen(secret);
    if (needed) {
        *needed = len;
    }
    if (len > bufsize) {
        *errmsg = g_strdup_printf("secret '%s' is %zu bytes, more than the "
                                  "%zu the plugin has room for", id, len,
                                  bufsize);
        return -ERANGE;
    }
    memcpy(buf, secret, len);
    return (int64_t)len;
}

static void wipe_secret(gpointer data)
{
    char *s = data;

    memset(s, 0, strlen(s));
    free(s);
}

/* ---- configuration ---- */

static void qbp_host_load(void)
{
    static const QbpHostOps ops = {
        .host_name = "nbdkit " NBDKIT_VERSION_STRING,
        .host_title = "this nbdkit host",
        .log = nbdkit_host_log,
        .secret_lookup = nbdkit_host_secret_lookup,
    };

    qbp_loader_setup(&ops);
    raw_keys = g_ptr_array_new_with_free_func(g_free);
    raw_values = g_ptr_array_new_with_free_func(g_free);
    secrets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                    wipe_secret);
}

static void qbp_host_unload(void)
{
    for (size_t i = 0; i < n_options; i++) {
        g_free((char *)options[i].key);
        g_free((char *)options[i].value);
    }
    g_free(options);
    g_ptr_array_free(raw_keys, TRUE);
    g_ptr_array_free(raw_values, TRUE);
    g_hash_table_destroy(secrets);
    g_free(module);
}

static int qbp_host_config(const char *key, const char *value)
{
    const char *id;

    if (!strcmp(key, "module")) {
        if (module) {
            nbdkit_error("module given twice ('%s' and '%s')", module, value);
            return -1;
        }
        module = g_strdup(value);
        return 0;
    }
    if (!strcmp(key, "cache")) {
        if (!strcmp(value, "none")) {
            open_flags |= QBP_OPEN_NOCACHE;
        } else if (!strcmp(value, "writeback")) {
            open_flags &= ~(uint32_t)QBP_OPEN_NOCACHE;
        } else {
            nbdkit_error("cache=%s: use cache=none (bypass host caches, "
                         "as QEMU's cache=none) or cache=writeback", value);
            return -1;
        }
        return 0;
    }
    if (g_str_has_prefix(key, SECRET_PREFIX)) {
        char *secret;

        id = key + strlen(SECRET_PREFIX);
        if (!*id) {
            nbdkit_error("'%s' names no secret: use " SECRET_PREFIX "ID=...",
                         key);
            return -1;
        }
        if (nbdkit_read_password(value, &secret) < 0) {
            return -1;
        }
        g_hash_table_replace(secrets, g_strdup(id), secret);
        return 0;
    }
    for (guint i = 0; i < raw_keys->len; i++) {
        if (!strcmp(g_ptr_array_index(raw_keys, i), key)) {
            nbdkit_error("option '%s' given twice", key);
            return -1;
        }
    }
    g_ptr_array_add(raw_keys, g_strdup(key));
    g_ptr_array_add(raw_values, g_strdup(value));
    return 0;
}

/* Load the plugin; keep it, or say why not. */
static int load_module(void)
{
    GError *gerr = NULL;

    if (plugin) {
        return 0;
    }
    if (!module) {
        nbdkit_error("module=NAME-or-PATH is required: the block plugin to "
                     "serve, e.g. module=rbd or module=/path/rbd-plugin.so");
        return -1;
    }
    plugin = qbp_plugin_load(module, &gerr);
    if (!plugin) {
        nbdkit_error("%s", gerr->message);
        g_error_free(gerr);
        return -1;
    }
    table = qbp_plugin_table(plugin);
    return 0;
}

/* Check every option against the plugin's table, as QEMU's shim does. */
static int qbp_host_config_complete(void)
{
    GError *gerr = NULL;

    if (load_module() < 0) {
        return -1;
    }
    options = g_new0(struct qbp_kv, raw_keys->len + 1);
    for (guint i = 0; i < raw_keys->len; i++) {
        const char *key = g_ptr_array_index(raw_keys, i);
        char *value = qbp_options_normalize(table, key,
                                            g_ptr_array_index(raw_values, i),
                                            &gerr);
        if (!value) {
            nbdkit_error("%s", gerr->message);
            g_error_free(gerr);
            return -1;
        }
        options[n_options].key = g_strdup(key);
        options[n_options].value = value;
        n_options++;
    }
    if (!qbp_options_check_required(table, options, n_options, &gerr)) {
        nbdkit_error("%s", gerr->message);
        g_error_free(gerr);
        return -1;
    }
    return 0;
}

/* The plugin's model, never looser; nbdkit asks after config_complete. */
static int qbp_host_thread_model(void)
{
    /* --dump-plugin skips config_complete but still asks. */
    if (!plugin && module && load_module() < 0) {
        return NBDKIT_THREAD_MODEL_SERIALIZE_ALL_REQUESTS;
    }
    if (!plugin) {
        return NBDKIT_THREAD_MODEL_PARALLEL;   /* the host's own */
    }
    switch (qbp_plugin_thread_model(plugin)) {
    case QBP_THREAD_MODEL_PARALLEL:
        return NBDKIT_THREAD_MODEL_PARALLEL;
    case QBP_THREAD_MODEL_SERIALIZE_REQUESTS:
        return NBDKIT_THREAD_MODEL_SERIALIZE_REQUESTS;
    default:
        return NBDKIT_THREAD_MODEL_SERIALIZE_ALL_REQUESTS;
    }
}

static void qbp_host_dump_plugin(void)
{
    printf("qbp_abi=%d.%d\n", QBP_ABI_MAJOR, QBP_ABI_MINOR);
    if (module && load_module() == 0) {
        printf("qbp_plugin_name=%s\n", table->name);
        printf("qbp_plugin_path=%s\n", qbp_plugin_path(plugin));
        printf("qbp_plugin_abi=%u.%u\n", (unsigned)table->hdr.abi_major,
               (unsigned)table->hdr.abi_minor);
        if (table->version) {
            printf("qbp_plugin_version=%s\n", table->version);
        }
        for (const struct qbp_option *o = table->options; o && o->name; o++) {
            printf("qbp_plugin_option=%s\n", o->name);
        }
    }
    fflush(stdout);
}

/* ---- connections ---- */

static void *qbp_host_open(int readonly)
{
    struct handle *h = g_new0(struct handle, 1);
    struct qbp_limits l = {
        .hdr = {
            .struct_size = sizeof(l),
            .abi_major = QBP_ABI_MAJOR,
            .abi_minor = QBP_ABI_MINOR,
        },
    };
    struct qbp_error *err = qbp_error_new();

    pthread_mutex_lock(&open_lock);
    h->disk = table->open(options, n_options,
                          open_flags | (readonly ? QBP_OPEN_READ_ONLY : 0),
                          err);
    pthread_mutex_unlock(&open_lock);
    if (!h->disk) {
        g_autofree char *msg = qbp_error_take(err, NULL);
        nbdkit_error("%s", msg);
        qbp_error_free(err);
        g_free(h);
        return NULL;
    }
    qbp_error_free(err);

    h->caps = qbp_plugin_caps(plugin, h->disk);
    if (table->get_limits) {
        table->get_limits(h->disk, &l);
    }
    h->align = l.request_alignment ? l.request_alignment : 1;
    h->max_transfer = l.max_transfer - l.max_transfer % h->align;
    h->opt_transfer = l.opt_transfer;
    h->mem_align = l.mem_alignment;
    if (h->align & (h->align - 1) ||
        (h->mem_align & (h->mem_align - 1))) {
        nbdkit_error("block plugin '%s' declares a request alignment of "
                     "%" PRIu32 " and a memory alignment of %" PRIu32 "; "
                     "both must be powers of two", table->name, h->align,
                     h->mem_align);
        pthread_mutex_lock(&open_lock);
        table->close(h->disk);
        pthread_mutex_unlock(&open_lock);
        g_free(h);
        return NULL;
    }
    return h;
}

/* nbdkit has finished every request of the connection before close. */
static void qbp_host_close(void *handle)
{
    struct handle *h = handle;

    pthread_mutex_lock(&open_lock);
    table->close(h->disk);
    pthread_mutex_unlock(&open_lock);
    g_free(h);
}

static int64_t qbp_host_get_size(void *handle)
{
    struct handle *h = handle;
    int64_t len = table->get_length(h->disk);

    if (len < 0) {
        nbdkit_error("block plugin '%s' cannot tell the disk's size: %s",
                     table->name, strerror((int)-len));
        nbdkit_set_error((int)-len);
        return -1;
    }
    return len;
}

static int qbp_host_can_write(void *handle)
{
    struct handle *h = handle;

    return !!(h->caps & QBP_CAP_WRITE);
}

/*
 * A plugin without flush promises that every write is durable when it
 * completes, so flush is there for every writable disk: without it, a
 * client could not ask.
 */
static int qbp_host_can_flush(void *handle)
{
    struct handle *h = handle;

    return !!(h->caps & (QBP_CAP_FLUSH | QBP_CAP_WRITE));
}

static int qbp_host_can_trim(void *handle)
{
    struct handle *h = handle;

    return !!(h->caps & QBP_CAP_DISCARD);
}

/* Without it nbdkit writes zeroes with pwrite, as the contract wants. */
static int qbp_host_can_zero(void *handle)
{
    struct handle *h = handle;

    return !!(h->caps & QBP_CAP_WRITE_ZEROES);
}

/* The plugin cannot promise that a zero request fails fast. */
static int qbp_host_can_fast_zero(void *handle)
{
    (void)handle;
    return 0;
}

/*
 * FUA: the plugin's own when it has it; else a flush after the write; and
 * a plugin without flush is durable on completion, which FUA asks for.
 */
static int qbp_host_can_fua(void *handle)
{
    struct handle *h = handle;

    if (!(h->caps & QBP_CAP_WRITE)) {
        return NBDKIT_FUA_NONE;
    }
    if (h->caps & QBP_CAP_FUA || !(h->caps & QBP_CAP_FLUSH)) {
        return NBDKIT_FUA_NATIVE;
    }
    return NBDKIT_FUA_EMULATE;
}

/*
 * Several connections may share a disk when a flush on one makes every
 * connection's writes durable.  The ABI promises that only per handle, so
 * only two cases qualify: nothing can be written, or every write is durable
 * on completion (no flush at all).
 */
static int qbp_host_can_multi_conn(void *handle)
{
    struct handle *h = handle;

    return !(h->caps & QBP_CAP_WRITE) || !(h->caps & QBP_CAP_FLUSH);
}

/* nbdkit wants powers of two: minimum <= preferred <= maximum. */
static int qbp_host_block_size(void *handle, uint32_t *minimum,
                               uint32_t *preferred, uint32_t *maximum)
{
    struct handle *h = handle;
    uint32_t pref = 4096;

    if (h->align > 65536) {
        nbdkit_error("block plugin '%s' needs %" PRIu32 "-byte requests; "
                     "NBD allows at most 65536", table->name, h->align);
        return -1;
    }
    if (h->opt_transfer >= 512 && h->opt_transfer <= 32 * 1024 * 1024) {
        /* The largest power of two that divides into it. */
        pref = 512;
        while (pref * 2 <= h->opt_transfer && h->opt_transfer % (pref * 2) == 0) {
            pref *= 2;
        }
    }
    if (pref < h->align) {
        pref = h->align;
    }
    *minimum = h->align;
    *maximum = h->max_transfer ? h->max_transfer : 0xffffffff;
    while (pref > 512 && pref > h->align && pref > *maximum) {
        pref /= 2;
    }
    *preferred = pref;
    if (*maximum < pref) {
        nbdkit_error("block plugin '%s' declares a maximum transfer of "
                     "%" PRIu32 " bytes, below NBD's smallest preferred "
                     "block size", table->name, h->max_transfer);
        return -1;
    }
    return 0;
}

/* ---- requests: the plugin's completion wakes the waiting thread ---- */

struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    int64_t result;
};

/* Any thread, possibly inside the submit call itself. */
static void waiter_complete(void *opaque, int64_t result)
{
    struct waiter *w = opaque;

    /*
     * Signalled under the lock: the waiter lives on the waiting thread's
     * stack and may be gone as soon as that thread can see done.
     */
    pthread_mutex_lock(&w->lock);
    w->result = result;
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

enum op {
    OP_READ, OP_WRITE, OP_FLUSH, OP_DISCARD, OP_WRITE_ZEROES, OP_BLOCK_STATUS,
};

static const char *const op_names[] = {
    [OP_READ] = "read", [OP_WRITE] = "write", [OP_FLUSH] = "flush",
    [OP_DISCARD] = "discard", [OP_WRITE_ZEROES] = "write-zeroes",
    [OP_BLOCK_STATUS] = "block status",
};

/*
 * The result of a request the plugin accepted (submitted is 0), once its
 * completion has come; else the refusal.  Either way w is done with.
 */
static int64_t waiter_wait(struct waiter *w, int64_t submitted)
{
    int64_t ret = submitted;

    if (ret == 0) {
        pthread_mutex_lock(&w->lock);
        while (!w->done) {
            pthread_cond_wait(&w->cond, &w->lock);
        }
        pthread_mutex_unlock(&w->lock);
        ret = w->result;
    } else if (ret > 0) {
        /* Refusals are negative errnos; anything else is a broken plugin. */
        ret = -EIO;
    }
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    return ret;
}

/* 0 for a result >= 0; else -1, with the error logged and set for nbdkit. */
static int request_failed(enum op op, uint64_t offset, uint64_t length,
                          int64_t ret)
{
    int e;
    bool fallback;

    if (ret >= 0) {
        return 0;
    }
    e = ret < -QBP_MAX_ERRNO ? EIO : (int)-ret;
    /* nbdkit falls back to writing zeroes then; nothing went wrong. */
    fallback = op == OP_WRITE_ZEROES && (e == ENOTSUP || e == EOPNOTSUPP);
    if (!fallback) {
        nbdkit_error("%s of %" PRIu64 " bytes at %" PRIu64 " failed: %s",
                     op_names[op], length, offset, strerror(e));
    }
    nbdkit_set_error(e);
    return -1;
}

static int submit(struct handle *h, enum op op, uint64_t offset,
                  uint64_t length, struct iovec *iov, uint32_t flags,
                  struct waiter *w)
{
    qbp_completion_fn *cb = waiter_complete;

    switch (op) {
    case OP_READ:
        return table->aio_readv(h->disk, offset, iov, 1, flags, cb, w);
    case OP_WRITE:
        return table->aio_writev(h->disk, offset, iov, 1, flags, cb, w);
    case OP_FLUSH:
        return table->aio_flush(h->disk, cb, w);
    case OP_DISCARD:
        return table->aio_discard(h->disk, offset, length, flags, cb, w);
    case OP_WRITE_ZEROES:
        return table->aio_write_zeroes(h->disk, offset, length, flags, cb, w);
    case OP_BLOCK_STATUS:
        /* Has its own submission, with the extents array. */
        break;
    }
    return -EINVAL;
}

/*
 * One request to the plugin, waited for.  Returns 0, or -1 with nbdkit's
 * error set from the plugin's negative errno.
 */
static int request(struct handle *h, enum op op, uint64_t offset,
                   uint64_t length, void *buf, uint32_t flags)
{
    struct waiter w = {
        .lock = PTHREAD_MUTEX_INITIALIZER,
        .cond = PTHREAD_COND_INITIALIZER,
    };
    struct iovec iov = { .iov_base = buf, .iov_len = length };
    uint64_t want = op == OP_FLUSH ? 0 : length;
    int64_t ret = waiter_wait(&w, submit(h, op, offset, length, &iov,
                                         flags, &w));

    if (ret >= 0 && (uint64_t)ret != want) {
        nbdkit_error("block plugin '%s' completed a %s of %" PRIu64
                     " bytes with %" PRId64 "; treating it as an I/O "
                     "error", table->name, op_names[op], want, ret);
        ret = -EIO;
    }
    return request_failed(op, offset, length, ret);
}

/* The contract promises aligned requests; a client may not keep to them. */
static int check_aligned(struct handle *h, const char *what, uint64_t offset,
                         uint64_t count)
{
    if (offset % h->align || count % h->align) {
        nbdkit_error("%s of %" PRIu64 " bytes at %" PRIu64 " is not "
                     "aligned to the %" PRIu32 " bytes block plugin '%s' "
                     "needs", what, count, offset, h->align, table->name);
        nbdkit_set_error(EINVAL);
        return -1;
    }
    return 0;
}

/*
 * Reads and writes in pieces of at most max_transfer, one after another
 * (a plugin may take one request at a time), through an aligned buffer
 * when the plugin needs aligned memory and nbdkit's is not.
 */
static int read_write(struct handle *h, enum op op, void *buf,
                      uint32_t count, uint64_t offset, uint32_t flags)
{
    uint64_t chunk = h->max_transfer ? h->max_transfer : count;
    void *bounce = NULL;
    int ret = 0;

    if (check_aligned(h, op_names[op], offset, count) < 0) {
        return -1;
    }
    if (h->mem_align && (uintptr_t)buf % h->mem_align) {
        size_t size = chunk < count ? chunk : count;
        if (posix_memalign(&bounce, h->mem_align, size ? size : 1) != 0) {
            nbdkit_error("out of memory for a %zu bytes aligned buffer", size);
            nbdkit_set_error(ENOMEM);
            return -1;
        }
    }
    for (uint64_t done = 0; done < count && ret == 0; done += chunk) {
        uint64_t n = count - done < chunk ? count - done : chunk;
        char *p = (char *)buf + done;

        if (bounce && op == OP_WRITE) {
            memcpy(bounce, p, n);
        }
        ret = request(h, op, offset + done, n, bounce ? bounce : p, flags);
        if (bounce && op == OP_READ && ret == 0) {
            memcpy(p, bounce, n);
        }
    }
    free(bounce);
    return ret;
}

static int qbp_host_pread(void *handle, void *buf, uint32_t count,
                          uint64_t offset, uint32_t flags)
{
    (void)flags;    /* reads have no flags in the ABI */
    return read_write(handle, OP_READ, buf, count, offset, 0);
}

static int qbp_host_pwrite(void *handle, const void *buf, uint32_t count,
                           uint64_t offset, uint32_t flags)
{
    struct handle *h = handle;
    /*
     * FUA goes to a plugin that has it.  Otherwise either nbdkit emulates
     * it with a flush (NBDKIT_FUA_EMULATE) or the plugin has no flush and
     * every write is durable on completion anyway.
     */
    uint32_t qflags = flags & NBDKIT_FLAG_FUA && h->caps & QBP_CAP_FUA
                      ? QBP_REQ_FUA : 0;

    /* The plugin only reads the buffer of a write. */
    return read_write(h, OP_WRITE, (void *)buf, count, offset, qflags);
}

static int qbp_host_flush(void *handle, uint32_t flags)
{
    struct handle *h = handle;

    (void)flags;    /* NBD defines none */

    if (!(h->caps & QBP_CAP_FLUSH)) {
        return 0;   /* every completed write is durable already */
    }
    return request(h, OP_FLUSH, 0, 0, NULL, 0);
}

/* Requests other than writes have no FUA of their own in the ABI. */
static int flush_for_fua(struct handle *h, uint32_t flags)
{
    if (flags & NBDKIT_FLAG_FUA) {
        return qbp_host_flush(h, 0);
    }
    return 0;
}

/* Discard is a hint: the aligned middle of the range is enough. */
static int qbp_host_trim(void *handle, uint32_t count, uint64_t offset,
                         uint32_t flags)
{
    struct handle *h = handle;
    uint64_t start = (offset + h->align - 1) / h->align * h->align;
    uint64_t end = (offset + count) / h->align * h->align;

    if (end > start && request(h, OP_DISCARD, start, end - start, NULL, 0) < 0) {
        return -1;
    }
    return flush_for_fua(h, flags);
}

static int qbp_host_zero(void *handle, uint32_t count, uint64_t offset,
                         uint32_t flags)
{
    struct handle *h = handle;
    uint32_t qflags = 0;

    if (check_aligned(h, "write-zeroes", offset, count) < 0) {
        return -1;
    }
    if (flags & NBDKIT_FLAG_MAY_TRIM && h->caps & QBP_CAP_ZERO_UNMAP) {
        qflags |= QBP_REQ_MAY_UNMAP;
    }
    if (flags & NBDKIT_FLAG_FUA && h->caps & QBP_CAP_FUA) {
        qflags |= QBP_REQ_FUA;
        flags &= ~(uint32_t)NBDKIT_FLAG_FUA;
    }
    if (request(h, OP_WRITE_ZEROES, offset, count, NULL, qflags) < 0) {
        return -1;
    }
    return flush_for_fua(h, flags);
}

/*
 * The plugin's allocation status: its callback, and the capability (the
 * loader's caps have it only with the callback, and never for a plugin
 * older than 1.2, whose table has no such slot).  Without it nbdkit
 * reports the whole disk as data.
 */
static int qbp_host_can_extents(void *handle)
{
    struct handle *h = handle;

    return table->aio_block_status && (h->caps & QBP_CAP_BLOCK_STATUS);
}

/* How many extents the host asks the plugin for at a time. */
#define EXTENTS_PER_CALL 64

/*
 * One aio_block_status of the plugin, waited for: the number of extents it
 * filled in ext[], checked against the contract, or -1 with nbdkit's error
 * set.
 */
static int64_t block_status(struct handle *h, uint64_t offset,
                            uint64_t length, struct qbp_extent *ext)
{
    struct waiter w = {
        .lock = PTHREAD_MUTEX_INITIALIZER,
        .cond = PTHREAD_COND_INITIALIZER,
    };
    int64_t ret = waiter_wait(&w, table->aio_block_status(
                                  h->disk, offset, length, 0, ext,
                                  EXTENTS_PER_CALL, waiter_complete, &w));
    uint64_t sum = 0;

    if (ret == 0 || ret > EXTENTS_PER_CALL) {
        nbdkit_error("block plugin '%s' completed a block status with %"
                     PRId64 " extents, not 1 to %d; treating it as an I/O "
                     "error", table->name, ret, EXTENTS_PER_CALL);
        ret = -EIO;
    }
    for (int64_t i = 0; i < ret; i++) {
        if (ext[i].length == 0 || ext[i].length > length - sum) {
            nbdkit_error("block plugin '%s' reported an extent of %" PRIu64
                         " bytes at %" PRIu64 " for a block status of %"
                         PRIu64 " bytes at %" PRIu64 "; treating it as an "
                         "I/O error", table->name, ext[i].length,
                         offset + sum, length, offset);
            ret = -EIO;
            break;
        }
        sum += ext[i].length;
    }
    if (request_failed(OP_BLOCK_STATUS, offset, length, ret) < 0) {
        return -1;
    }
    return ret;
}

/*
 * Asks the plugin until the range is covered, since it may answer with
 * less; with NBDKIT_FLAG_REQ_ONE the client wants the first extent only.
 */
static int qbp_host_extents(void *handle, uint32_t count, uint64_t offset,
                            uint32_t flags, struct nbdkit_extents *extents)
{
    struct handle *h = handle;
    struct qbp_extent ext[EXTENTS_PER_CALL];
    uint64_t end = offset + count;
    uint64_t pos = offset;
    uint32_t type;
    int64_t n;

    while (pos < end) {
        n = block_status(h, pos, end - pos, ext);
        if (n < 0) {
            return -1;
        }
        for (int64_t i = 0; i < n; i++) {
            /* UNKNOWN, or a type from a later minor, reads as data. */
            type = ext[i].type == QBP_EXTENT_ZERO
                   ? NBDKIT_EXTENT_HOLE | NBDKIT_EXTENT_ZERO : 0;
            if (nbdkit_add_extent(extents, pos, ext[i].length, type) < 0) {
                return -1;
            }
            pos += ext[i].length;
        }
        if (flags & NBDKIT_FLAG_REQ_ONE) {
            break;
        }
    }
    return 0;
}

static struct nbdkit_plugin qbp_host_plugin = {
    .name = "qbp-host",
    .longname = "qemu-block-plugin host",
    .version = "1.0",
    .description = "serves a qemu-block-plugin (NAME-plugin.so) over NBD",
    .load = qbp_host_load,
    .unload = qbp_host_unload,
    .config = qbp_host_config,
    .config_complete = qbp_host_config_complete,
    .config_help =
        "module=NAME|PATH     (required) the block plugin: a name found as\n"
        "                     NAME-plugin.so in $QEMU_BLOCK_PLUGIN_PATH, then\n"
        "                     the installed directory; or a path\n"
        "cache=none           bypass host caches (O_DIRECT), as in QEMU\n"
        "secret.ID=PASSWORD   the secret ID a plugin may look up, e.g. for\n"
        "                     key-secret=ID; +FILE reads it from FILE\n"
        "KEY=VALUE            any option of the plugin",
    .magic_config_key = "module",
    .thread_model = qbp_host_thread_model,
    .dump_plugin = qbp_host_dump_plugin,
    .open = qbp_host_open,
    .close = qbp_host_close,
    .get_size = qbp_host_get_size,
    .block_size = qbp_host_block_size,
    .can_write = qbp_host_can_write,
    .can_flush = qbp_host_can_flush,
    .can_trim = qbp_host_can_trim,
    .can_zero = qbp_host_can_zero,
    .can_fast_zero = qbp_host_can_fast_zero,
    .can_fua = qbp_host_can_fua,
    .can_multi_conn = qbp_host_can_multi_conn,
    .can_extents = qbp_host_can_extents,
    .pread = qbp_host_pread,
    .pwrite = qbp_host_pwrite,
    .flush = qbp_host_flush,
    .trim = qbp_host_trim,
    .zero = qbp_host_zero,
    .extents = qbp_host_extents,
    .errno_is_preserved = 0,
};

NBDKIT_REGISTER_PLUGIN(qbp_host_plugin)
