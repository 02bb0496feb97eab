/*
 * Block driver "plugin": block drivers loaded from shared objects through
 * the qemu-block-plugin ABI.
 *
 * The plugin never sees a QEMU type.  Each request runs in the coroutine
 * that issued it: the guest's iovecs go to the plugin as they are, and the
 * plugin's completion, which may come from any thread or before the submit
 * call returns, wakes the coroutine in its own AioContext.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 */

#include "qemu/osdep.h"
#include "block/block_int.h"
#include "block/block-io.h"
#include "block/plugin.h"
#include "crypto/secret_common.h"
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qemu/memalign.h"
#include "qemu/module.h"
#include "qemu/option.h"
#include "qemu-version.h"
#include "qbp-loader.h"
#include "qemu-compat.h"

#define PLUGIN_PREFIX "plugin:"
/* Plugin options parsed from a filename, kept apart from QEMU's own. */
#define OPTIONS_PREFIX "options."

typedef struct BDRVPluginState {
    QbpPlugin *plugin;
    const struct qbp_plugin *t;
    void *handle;
    uint32_t caps;
    uint32_t mem_alignment;     /* iovecs must be aligned to this; 0 = any */
    uint32_t alloc_granularity; /* QEMU's cluster_size; 0 = unknown */
    uint32_t disk_flags;        /* QBP_DISK_* */
    CoMutex *serialize;     /* NULL when the plugin takes parallel requests */
    CoMutex own_lock;
} BDRVPluginState;

/* Shared by every handle of every plugin that wants one request at a time. */
static CoMutex serialize_all_lock;

enum { REQ_SUBMITTING, REQ_WAITING, REQ_DONE };

typedef struct PluginReq {
    Coroutine *co;
    int64_t result;
    int state;
    struct qbp_extent *extents; /* block status: where the answer goes */
} PluginReq;

/* ---- the host table's services, QEMU flavour ---- */

static void qemu_host_log(int level, const char *msg)
{
    switch (level) {
    case QBP_LOG_ERROR:
        error_report("%s", msg);
        break;
    case QBP_LOG_WARNING:
        warn_report("%s", msg);
        break;
    case QBP_LOG_INFO:
        info_report("%s", msg);
        break;
    default:
        if (getenv("QBP_DEBUG")) {
            info_report("%s", msg);
        }
    }
}

static int64_t qemu_host_secret_lookup(const char *id, void *buf,
                                       size_t bufsize, size_t *needed,
                                       char **errmsg)
{
    Error *err = NULL;
    uint8_t *data;
    size_t len;

    if (qcrypto_secret_lookup(id, &data, &len, &err) < 0) {
        *errmsg = g_strdup(error_get_pretty(err));
        error_free(err);
        return -ENOENT;
    }
    if (needed) {
        *needed = len;
    }
    if (len > bufsize) {
        *errmsg = g_strdup_printf("secret '%s' is %zu bytes, more than the "
                                  "%zu the plugin has room for", id, len,
                                  bufsize);
        memset(data, 0, len);
        g_free(data);
        return -ERANGE;
    }
    memcpy(buf, data, len);
    memset(data, 0, len);
    g_free(data);
    return len;
}

static void plugin_loader_setup(void)
{
    static const QbpHostOps ops = {
        .host_name = "QEMU " QEMU_FULL_VERSION,
        .host_title = "this QEMU",
        .log = qemu_host_log,
        .secret_lookup = qemu_host_secret_lookup,
    };

    qbp_loader_setup(&ops);
}

static QbpPlugin *plugin_load(const char *module, Error **errp)
{
    GError *gerr = NULL;
    QbpPlugin *p;

    plugin_loader_setup();
    p = qbp_plugin_load(module, &gerr);
    if (!p) {
        error_setg(errp, "%s", gerr->message);
        g_error_free(gerr);
    }
    return p;
}

/* The plugin files named by -module, until they are loaded. */
static GPtrArray *module_args;

void bdrv_plugin_strip_module_args(int *argc, char **argv)
{
    int out = 1;

    if (!module_args) {
        module_args = g_ptr_array_new();
    }
    for (int i = 1; i < *argc; i++) {
        const char *path = NULL;

        if (!strcmp(argv[i], "--")) {
            /* Everything after "--" belongs to the program. */
            while (i < *argc) {
                argv[out++] = argv[i++];
            }
            break;
        }
        if (!strcmp(argv[i], "-module") || !strcmp(argv[i], "--module")) {
            if (i + 1 == *argc) {
                /* Not error_report(): a monitor may not be set up yet. */
                fprintf(stderr, "%s: %s needs the path of a block plugin\n",
                        g_get_prgname(), argv[i]);
                exit(1);
            }
            path = argv[++i];
        } else if (!strstart(argv[i], "--module=", &path) &&
                   !strstart(argv[i], "-module=", &path)) {
            argv[out++] = argv[i];
            continue;
        }
        g_ptr_array_add(module_args, (gpointer)path);
    }
    argv[out] = NULL;
    *argc = out;
}

void bdrv_plugin_load_module_args(void)
{
    for (guint i = 0; module_args && i < module_args->len; i++) {
        if (!plugin_load(g_ptr_array_index(module_args, i), &error_fatal)) {
            exit(1);
        }
    }
    g_clear_pointer(&module_args, g_ptr_array_unref);
}

void bdrv_plugin_take_module_args(int *argc, char **argv)
{
    bdrv_plugin_strip_module_args(argc, argv);
    bdrv_plugin_load_module_args();
}

/* ---- options ---- */

typedef struct AddCtx {
    QDict *options;
} AddCtx;

static int add_filename_option(void *opaque, const char *key,
                               const char *value)
{
    AddCtx *ctx = opaque;
    g_autofree char *k = g_strconcat(OPTIONS_PREFIX, key, NULL);

    qdict_put_str(ctx->options, k, value);
    return 0;
}

/* "plugin:NAME:REST" -> module=NAME plus the plugin's reading of REST. */
static void plugin_parse_filename(const char *filename, QDict *options,
                                  Error **errp)
{
    g_autofree char *name = NULL;
    g_autofree char *rest = NULL;
    const char *spec;
    GError *gerr = NULL;
    const struct qbp_plugin *t;
    QbpPlugin *p;
    AddCtx ctx = { .options = options };

    if (!strstart(filename, PLUGIN_PREFIX, &spec)) {
        error_setg(errp, "'%s': block plugin filenames start with '%s'",
                   filename, PLUGIN_PREFIX);
        return;
    }
    if (!qbp_split_filename(spec, &name, &rest, &gerr)) {
        error_setg(errp, "%s", gerr->message);
        g_error_free(gerr);
        return;
    }
    p = plugin_load(name, errp);
    if (!p) {
        return;
    }
    qdict_put_str(options, "module", name);
    t = qbp_plugin_table(p);
    if (t->parse_filename) {
        struct qbp_error *err = qbp_error_new();

        if (t->parse_filename(rest, add_filename_option, &ctx, err) < 0) {
            g_autofree char *msg = qbp_error_take(err, NULL);
            error_setg(errp, "%s", msg);
        }
        qbp_error_free(err);
    } else if (*rest) {
        add_filename_option(&ctx, "filename", rest);
    }
}

static char *qobject_to_option_string(QObject *obj)
{
    switch (qobject_type(obj)) {
    case QTYPE_QSTRING:
        return g_strdup(qstring_get_str(qobject_to(QString, obj)));
    case QTYPE_QNUM:
        return qnum_to_string(qobject_to(QNum, obj));
    case QTYPE_QBOOL:
        return g_strdup(qbool_get_bool(qobject_to(QBool, obj)) ? "on" : "off");
    default:
        return NULL;
    }
}

/*
 * Take every option meant for the plugin out of QDICT, checked and
 * normalised against its option table, as key/value strings in KV.
 */
static bool plugin_take_options(QbpPlugin *p, QDict *qdict, GArray *kv,
                                Error **errp)
{
    const struct qbp_plugin *t = qbp_plugin_table(p);
    const char *plugin = t->name;
    g_autoptr(GPtrArray) consumed = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    const QDictEntry *e;
    GError *gerr = NULL;
    bool ok = true;

    for (e = qdict_first(qdict); e && ok; e = qdict_next(qdict, e)) {
        const char *key = qdict_entry_key(e);
        g_autofree char *value = NULL;
        struct qbp_kv pair;

        if (!strcmp(key, "module")) {
            continue;
        }
        g_ptr_array_add(consumed, g_strdup(key));
        strstart(key, OPTIONS_PREFIX, &key);
        if (g_hash_table_contains(seen, key)) {
            error_setg(errp, "block plugin '%s': option '%s' given twice",
                       plugin, key);
            ok = false;
            break;
        }
        value = qobject_to_option_string(qdict_entry_value(e));
        if (!value) {
            error_setg(errp, "block plugin '%s': option '%s' must be a "
                       "single value", plugin, key);
            ok = false;
            break;
        }
        pair.value = qbp_options_normalize(t, key, value, &gerr);
        if (!pair.value) {
            error_setg(errp, "%s", gerr->message);
            g_clear_error(&gerr);
            ok = false;
            break;
        }
        pair.key = g_strdup(key);
        g_hash_table_add(seen, (char *)pair.key);
        g_array_append_val(kv, pair);
    }
    if (ok && !qbp_options_check_required(t, (struct qbp_kv *)kv->data,
                                          kv->len, &gerr)) {
        error_setg(errp, "%s", gerr->message);
        g_error_free(gerr);
        ok = false;
    }
    for (guint i = 0; i < consumed->len; i++) {
        qdict_del(qdict, g_ptr_array_index(consumed, i));
    }
    return ok;
}

static void kv_array_free(GArray *kv)
{
    for (guint i = 0; i < kv->len; i++) {
        g_free((char *)g_array_index(kv, struct qbp_kv, i).key);
        g_free((char *)g_array_index(kv, struct qbp_kv, i).value);
    }
    g_array_free(kv, true);
}
/* The key/value list handed to open and create; all strings are ours. */
typedef GArray KvArray;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KvArray, kv_array_free)

/* ---- open and close ---- */

static int plugin_open(BlockDriverState *bs, QDict *options, int flags,
                       Error **errp)
{
    BDRVPluginState *s = bs->opaque;
    g_autoptr(KvArray) kv = g_array_new(false, false, sizeof(struct qbp_kv));
    g_autofree char *module = g_strdup(qdict_get_try_str(options, "module"));
    struct qbp_error *err;
    uint32_t open_flags = 0;
    int ret = 0;

    if (!module) {
        error_setg(errp, "block driver 'plugin' needs the option 'module' "
                   "(a plugin name such as 'file', or the path of its .so)");
        return -EINVAL;
    }
    qdict_del(options, "module");
    s->plugin = plugin_load(module, errp);
    if (!s->plugin) {
        return -ENOENT;
    }
    s->t = qbp_plugin_table(s->plugin);
    if (!plugin_take_options(s->plugin, options, kv, errp)) {
        return -EINVAL;
    }

    if (!(flags & BDRV_O_RDWR)) {
        open_flags |= QBP_OPEN_READ_ONLY;
    }
    if (flags & BDRV_O_NOCACHE) {
        open_flags |= QBP_OPEN_NOCACHE;
    }
    err = qbp_error_new();
    s->handle = s->t->open((struct qbp_kv *)kv->data, kv->len, open_flags,
                           err);
    if (!s->handle) {
        g_autofree char *msg = qbp_error_take(err, &ret);
        error_setg(errp, "%s", msg);
        qbp_error_free(err);
        return ret;
    }
    qbp_error_free(err);

    s->caps = qbp_plugin_caps(s->plugin, s->handle);
    if ((flags & BDRV_O_RDWR) && !(s->caps & QBP_CAP_WRITE)) {
        ret = bdrv_apply_auto_read_only(bs, "the block plugin cannot write",
                                        errp);
        if (ret < 0) {
            s->t->close(s->handle);
            s->handle = NULL;
            return ret;
        }
    }
    if (s->caps & QBP_CAP_FUA) {
        bs->supported_write_flags = BDRV_REQ_FUA;
    }
    if (s->caps & QBP_CAP_WRITE_ZEROES) {
        bs->supported_zero_flags =
            (s->caps & QBP_CAP_FUA ? BDRV_REQ_FUA : 0) |
            (s->caps & QBP_CAP_ZERO_UNMAP ? BDRV_REQ_MAY_UNMAP : 0);
    }

    switch (qbp_plugin_thread_model(s->plugin)) {
    case QBP_THREAD_MODEL_SERIALIZE_ALL:
        s->serialize = &serialize_all_lock;
        break;
    case QBP_THREAD_MODEL_SERIALIZE_REQUESTS:
        qemu_co_mutex_init(&s->own_lock);
        s->serialize = &s->own_lock;
        break;
    default:
        s->serialize = NULL;
    }
    return 0;
}

/* The block layer drains the node first, so nothing is in flight here. */
static void plugin_close(BlockDriverState *bs)
{
    BDRVPluginState *s = bs->opaque;

    if (s->handle) {
        s->t->close(s->handle);
        s->handle = NULL;
    }
}

static int plugin_reopen_prepare(BDRVReopenState *state,
                                 BlockReopenQueue *queue, Error **errp)
{
    BDRVPluginState *s = state->bs->opaque;

    /* Dropping to read-only needs nothing; gaining write needs a reopen. */
    if ((state->flags & BDRV_O_RDWR) && !(s->caps & QBP_CAP_WRITE)) {
        error_setg(errp, "block plugin '%s' cannot switch this disk to "
                   "read-write; open it read-write instead", s->t->name);
        return -EACCES;
    }
    if ((state->flags & BDRV_O_RDWR) &&
        !(bdrv_get_flags(state->bs) & BDRV_O_RDWR)) {
        error_setg(errp, "block plugin '%s' cannot switch this disk from "
                   "read-only to read-write", s->t->name);
        return -EACCES;
    }
    return 0;
}

static int64_t plugin_getlength_fn plugin_getlength(BlockDriverState *bs)
{
    BDRVPluginState *s = bs->opaque;

    return s->t->get_length(s->handle);
}

static void GRAPH_RDLOCK plugin_refresh_limits(BlockDriverState *bs,
                                               Error **errp)
{
    BDRVPluginState *s = bs->opaque;
    struct qbp_limits l = {
        .hdr = {
            .struct_size = sizeof(l),
            .abi_major = QBP_ABI_MAJOR,
            .abi_minor = QBP_ABI_MINOR,
        },
    };
    uint32_t align;

    if (!s->t->get_limits) {
        return;
    }
    s->t->get_limits(s->handle, &l);
    align = l.request_alignment ? l.request_alignment : 1;
    if (!is_power_of_2(align)) {
        error_setg(errp, "block plugin '%s' declares a request alignment of "
                   "%" PRIu32 ", which is not a power of two", s->t->name,
                   align);
        return;
    }
    if (l.mem_alignment && !is_power_of_2(l.mem_alignment)) {
        error_setg(errp, "block plugin '%s' declares a memory alignment of "
                   "%" PRIu32 ", which is not a power of two", s->t->name,
                   l.mem_alignment);
        return;
    }
    s->mem_alignment = l.mem_alignment;
    if (l.mem_alignment) {
        bs->bl.min_mem_alignment = MAX(bs->bl.min_mem_alignment,
                                       l.mem_alignment);
        bs->bl.opt_mem_alignment = MAX(bs->bl.opt_mem_alignment,
                                       l.mem_alignment);
    }
    bs->bl.request_alignment = align;
    bs->bl.max_transfer = QEMU_ALIGN_DOWN(l.max_transfer, align);
    bs->bl.opt_transfer = l.opt_transfer;
    bs->bl.pdiscard_alignment = l.discard_alignment;
    bs->bl.pwrite_zeroes_alignment = l.discard_alignment;
    s->alloc_granularity = l.alloc_granularity;
    s->disk_flags = l.disk_flags;
}

/* ---- requests ---- */

/* Any thread, possibly inside the submit call itself. */
static void plugin_req_complete(void *opaque, int64_t result)
{
    PluginReq *req = opaque;

    req->result = result;
    if (qatomic_xchg(&req->state, REQ_DONE) == REQ_WAITING) {
        aio_co_wake(req->co);
    }
}

typedef enum {
    OP_READ, OP_WRITE, OP_FLUSH, OP_DISCARD, OP_WRITE_ZEROES, OP_BLOCK_STATUS,
} PluginOp;

static const char *const op_names[] = {
    [OP_READ] = "read", [OP_WRITE] = "write", [OP_FLUSH] = "flush",
    [OP_DISCARD] = "discard", [OP_WRITE_ZEROES] = "write-zeroes",
    [OP_BLOCK_STATUS] = "block status",
};

static uint32_t plugin_req_flags(BdrvRequestFlags flags)
{
    return (flags & BDRV_REQ_FUA ? QBP_REQ_FUA : 0) |
           (flags & BDRV_REQ_MAY_UNMAP ? QBP_REQ_MAY_UNMAP : 0);
}

static int plugin_submit(BDRVPluginState *s, PluginOp op, int64_t offset,
                         int64_t bytes, QEMUIOVector *qiov, uint32_t flags,
                         PluginReq *req)
{
    const struct qbp_plugin *t = s->t;
    qbp_completion_fn *cb = plugin_req_complete;

    switch (op) {
    case OP_READ:
        return t->aio_readv(s->handle, offset, qiov->iov, qiov->niov, flags,
                            cb, req);
    case OP_WRITE:
        return t->aio_writev(s->handle, offset, qiov->iov, qiov->niov, flags,
                             cb, req);
    case OP_FLUSH:
        return t->aio_flush(s->handle, cb, req);
    case OP_DISCARD:
        return t->aio_discard(s->handle, offset, bytes, flags, cb, req);
    case OP_WRITE_ZEROES:
        return t->aio_write_zeroes(s->handle, offset, bytes, flags, cb, req);
    case OP_BLOCK_STATUS:
        return t->aio_block_status(s->handle, offset, bytes, 0, req->extents,
                                   1, cb, req);
    }
    g_assert_not_reached();
}

static int coroutine_fn plugin_co_request(BlockDriverState *bs, PluginOp op,
                                          int64_t offset, int64_t bytes,
                                          QEMUIOVector *qiov,
                                          BdrvRequestFlags flags,
                                          struct qbp_extent *extents)
{
    BDRVPluginState *s = bs->opaque;
    PluginReq req = {
        .co = qemu_coroutine_self(),
        .state = REQ_SUBMITTING,
        .extents = extents,
    };
    int64_t want = op == OP_READ || op == OP_WRITE ? bytes :
                   op == OP_BLOCK_STATUS ? 1 : 0;
    int ret;

    if (s->serialize) {
        qemu_co_mutex_lock(s->serialize);
    }
    ret = plugin_submit(s, op, offset, bytes, qiov, plugin_req_flags(flags),
                        &req);
    if (ret == 0) {
        /*
         * An inline completion leaves nothing to wait for; checking for it
         * with a plain load first saves a locked instruction per request.
         */
        if (qatomic_load_acquire(&req.state) != REQ_DONE &&
            qatomic_cmpxchg(&req.state, REQ_SUBMITTING, REQ_WAITING) ==
            REQ_SUBMITTING) {
            while (qatomic_load_acquire(&req.state) != REQ_DONE) {
                qemu_coroutine_yield();
            }
        }
        if (req.result < 0) {
            ret = req.result < -QBP_MAX_ERRNO ? -EIO : (int)req.result;
        } else if (want && req.result != want) {
            error_report_once("block plugin '%s' completed a %s of %" PRId64
                              " bytes with %" PRId64 "; treating it as an "
                              "I/O error", s->t->name, op_names[op], want,
                              req.result);
            ret = -EIO;
        }
    } else if (ret > 0) {
        ret = -EIO;
    }
    if (s->serialize) {
        qemu_co_mutex_unlock(s->serialize);
    }
    return ret;
}

static bool plugin_qiov_is_aligned(QEMUIOVector *qiov, uint32_t align)
{
    for (int i = 0; i < qiov->niov; i++) {
        if ((uintptr_t)qiov->iov[i].iov_base % align ||
            qiov->iov[i].iov_len % align) {
            return false;
        }
    }
    return true;
}

/*
 * Reads and writes pass the caller's iovecs straight through, unless the
 * plugin needs aligned memory and they are not: then through one buffer.
 */
static int coroutine_fn plugin_co_rw(BlockDriverState *bs, PluginOp op,
                                     int64_t offset, int64_t bytes,
                                     QEMUIOVector *qiov,
                                     BdrvRequestFlags flags)
{
    BDRVPluginState *s = bs->opaque;
    QEMUIOVector bounce_qiov;
    void *bounce;
    int ret;

    if (!s->mem_alignment || plugin_qiov_is_aligned(qiov, s->mem_alignment)) {
        return plugin_co_request(bs, op, offset, bytes, qiov, flags, NULL);
    }
    bounce = qemu_try_blockalign(bs, bytes);
    if (!bounce) {
        return -ENOMEM;
    }
    qemu_iovec_init_buf(&bounce_qiov, bounce, bytes);
    if (op == OP_WRITE) {
        qemu_iovec_to_buf(qiov, 0, bounce, bytes);
    }
    ret = plugin_co_request(bs, op, offset, bytes, &bounce_qiov, flags,
                            NULL);
    if (op == OP_READ && ret == 0) {
        qemu_iovec_from_buf(qiov, 0, bounce, bytes);
    }
    qemu_vfree(bounce);
    return ret;
}

static int coroutine_fn GRAPH_RDLOCK
plugin_co_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                 QEMUIOVector *qiov, BdrvRequestFlags flags)
{
    return plugin_co_rw(bs, OP_READ, offset, bytes, qiov, 0);
}

static int coroutine_fn GRAPH_RDLOCK
plugin_co_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                  QEMUIOVector *qiov, BdrvRequestFlags flags)
{
    BDRVPluginState *s = bs->opaque;

    if (!(s->caps & QBP_CAP_WRITE)) {
        return -EACCES;
    }
    return plugin_co_rw(bs, OP_WRITE, offset, bytes, qiov, flags);
}

static int coroutine_fn GRAPH_RDLOCK
plugin_co_flush(BlockDriverState *bs)
{
    BDRVPluginState *s = bs->opaque;

    /* Without flush the plugin promises writes are durable on completion. */
    if (!(s->caps & QBP_CAP_FLUSH)) {
        return 0;
    }
    return plugin_co_request(bs, OP_FLUSH, 0, 0, NULL, 0, NULL);
}

static int coroutine_fn GRAPH_RDLOCK
plugin_co_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    BDRVPluginState *s = bs->opaque;

    if (!(s->caps & QBP_CAP_DISCARD)) {
        return -ENOTSUP;
    }
    return plugin_co_request(bs, OP_DISCARD, offset, bytes, NULL, 0, NULL);
}

static int coroutine_fn GRAPH_RDLOCK
plugin_co_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        BdrvRequestFlags flags)
{
    BDRVPluginState *s = bs->opaque;

    /* -ENOTSUP makes the block layer write a buffer of zeroes instead. */
    if (!(s->caps & QBP_CAP_WRITE_ZEROES)) {
        return -ENOTSUP;
    }
    return plugin_co_request(bs, OP_WRITE_ZEROES, offset, bytes, NULL, flags,
                             NULL);
}

/*
 * One extent per call: QEMU asks again from where the answer ended, and a
 * plugin that has to ask the network stops at the first change of type.
 */
static int coroutine_fn GRAPH_RDLOCK
plugin_co_block_status(BlockDriverState *bs, bool want_zero, int64_t offset,
                       int64_t bytes, int64_t *pnum, int64_t *map,
                       BlockDriverState **file)
{
    BDRVPluginState *s = bs->opaque;
    uint32_t align = bs->bl.request_alignment;
    struct qbp_extent ext = { .length = 0 };
    int64_t len;
    int ret;

    *pnum = bytes;
    *map = offset;
    *file = bs;
    if (!(s->caps & QBP_CAP_BLOCK_STATUS)) {
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
    }
    ret = plugin_co_request(bs, OP_BLOCK_STATUS, offset, bytes, NULL, 0, &ext);
    if (ret < 0) {
        return ret;
    }
    if (ext.length == 0 || ext.length > (uint64_t)bytes ||
        ext.type > QBP_EXTENT_UNKNOWN) {
        error_report_once("block plugin '%s' reported an extent of %" PRIu64
                          " bytes of type %" PRIu32 " for a range of %"
                          PRId64 "; treating it as an I/O error",
                          s->t->name, ext.length, ext.type, bytes);
        return -EIO;
    }
    /*
     * QEMU needs whole units of the request alignment; data is always a
     * correct answer, so a short extent widens to one unit of it.
     */
    len = QEMU_ALIGN_DOWN(ext.length, align);
    if (len == 0) {
        len = MIN(align, bytes);
        ext.type = QBP_EXTENT_DATA;
    }
    *pnum = len;
    if (ext.type == QBP_EXTENT_ZERO) {
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID;
    }
    return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
}

static int plugin_get_info_fn plugin_get_info(BlockDriverState *bs,
                                              BlockDriverInfo *bdi)
{
    BDRVPluginState *s = bs->opaque;

    bdi->cluster_size = s->alloc_granularity;
    return 0;
}

static int GRAPH_RDLOCK plugin_has_zero_init(BlockDriverState *bs)
{
    BDRVPluginState *s = bs->opaque;

    return !!(s->disk_flags & QBP_DISK_ZERO_INIT);
}

/* ---- format-specific information (ABI 1.3) ---- */

typedef struct PluginInfo {
    BDRVPluginState *s;
    QDict *dict;
    Error *err;
} PluginInfo;

static int plugin_info_add(void *opaque, const struct qbp_info_item *item)
{
    PluginInfo *info = opaque;
    g_autofree char *problem = NULL;

    if (info->err) {
        /* The plugin went on after a refusal: the first one is the story. */
        return -EINVAL;
    }
    problem = qbp_info_item_problem(item);
    if (!problem && qdict_haskey(info->dict, item->key)) {
        problem = g_strdup_printf("the fact '%s' twice", item->key);
    }
    if (problem) {
        error_setg(&info->err, "block plugin '%s' reported %s",
                   info->s->t->name, problem);
        return -EINVAL;
    }
    switch (item->type) {
    case QBP_INFO_STRING:
        qdict_put_str(info->dict, item->key, item->string);
        break;
    case QBP_INFO_INT:
        qdict_put_int(info->dict, item->key, item->number);
        break;
    default:
        qdict_put_bool(info->dict, item->key, item->number);
        break;
    }
    return 0;
}

/*
 * What the plugin says of the disk, shown under "Format specific
 * information" as the dictionary it makes, so that its facts read as an
 * in-tree driver's do ("encryption format: luks").
 */
static ImageInfoSpecific * GRAPH_RDLOCK
plugin_get_specific_info(BlockDriverState *bs, Error **errp)
{
    BDRVPluginState *s = bs->opaque;
    PluginInfo info = { .s = s };
    ImageInfoSpecific *spec;
    struct qbp_error *err;
    int ret;

    if (!s->t->get_info) {
        return NULL;
    }
    info.dict = qdict_new();
    err = qbp_error_new();
    ret = s->t->get_info(s->handle, plugin_info_add, &info, err);
    if (info.err) {
        error_propagate(errp, info.err);
        ret = -EINVAL;
    } else if (ret < 0) {
        g_autofree char *msg = qbp_error_take(err, &ret);
        error_setg(errp, "%s", msg);
    }
    qbp_error_free(err);
    if (ret != 0 || qdict_size(info.dict) == 0) {
        qobject_unref(info.dict);
        return NULL;
    }
    spec = g_new0(ImageInfoSpecific, 1);
    spec->type = IMAGE_INFO_SPECIFIC_KIND_PLUGIN;
    spec->u.plugin.data = QOBJECT(info.dict);
    return spec;
}

/* ---- blocking calls, run in the thread pool ---- */

typedef struct TruncateJob {
    BDRVPluginState *s;
    uint64_t size;
    struct qbp_error *err;
} TruncateJob;

static int plugin_truncate_worker(void *opaque)
{
    TruncateJob *job = opaque;

    return job->s->t->truncate(job->s->handle, job->size, job->err);
}

static int coroutine_fn GRAPH_RDLOCK
plugin_co_truncate(BlockDriverState *bs, int64_t offset, bool exact,
                   PreallocMode prealloc, BdrvRequestFlags flags, Error **errp)
{
    BDRVPluginState *s = bs->opaque;
    TruncateJob job = { .s = s, .size = offset };
    int64_t len;
    int ret;

    if (prealloc != PREALLOC_MODE_OFF) {
        error_setg(errp, "block plugin '%s' does not support preallocation "
                   "mode '%s'", s->t->name, PreallocMode_str(prealloc));
        return -ENOTSUP;
    }
    len = plugin_getlength(bs);
    if (!exact && len >= offset) {
        return 0;
    }
    if (!(s->caps & QBP_CAP_TRUNCATE)) {
        error_setg(errp, "block plugin '%s' cannot resize disks", s->t->name);
        return -ENOTSUP;
    }
    job.err = qbp_error_new();
    ret = plugin_thread_pool_submit_co(bs, plugin_truncate_worker, &job);
    if (ret < 0) {
        g_autofree char *msg = qbp_error_take(job.err, NULL);
        error_setg(errp, "%s", msg);
    }
    qbp_error_free(job.err);
    return ret;
}

/* ---- internal snapshots (ABI 1.1) ---- */

/*
 * The snapshot callbacks of QEMU 7.2 have no Error **: the plugin's message
 * goes to the log so the user sees why, and QEMU reports the errno.
 */
static int plugin_snapshot_result(BDRVPluginState *s, struct qbp_error *err,
                                  int ret)
{
    if (ret < 0) {
        g_autofree char *msg = qbp_error_take(err, &ret);
        error_report("%s", msg);
    }
    qbp_error_free(err);
    return ret;
}

static bool plugin_has_snapshots(BDRVPluginState *s)
{
    return s->caps & QBP_CAP_SNAPSHOTS;
}

static int GRAPH_RDLOCK
plugin_snapshot_create(BlockDriverState *bs, QEMUSnapshotInfo *sn_info)
{
    BDRVPluginState *s = bs->opaque;
    struct qbp_error *err;

    if (!plugin_has_snapshots(s)) {
        return -ENOTSUP;
    }
    if (sn_info->vm_state_size) {
        error_report("block plugin '%s' cannot store VM state in a snapshot",
                     s->t->name);
        return -ENOTSUP;
    }
    err = qbp_error_new();
    return plugin_snapshot_result(s, err, s->t->snapshot_create(
                                      s->handle, sn_info->name, err));
}

static int GRAPH_RDLOCK
plugin_snapshot_delete(BlockDriverState *bs, const char *snapshot_id,
                       const char *name, Error **errp)
{
    BDRVPluginState *s = bs->opaque;
    struct qbp_error *err;
    int ret;

    if (!plugin_has_snapshots(s)) {
        error_setg(errp, "block plugin '%s' cannot delete snapshots",
                   s->t->name);
        return -ENOTSUP;
    }
    err = qbp_error_new();
    ret = s->t->snapshot_delete(s->handle, snapshot_id && *snapshot_id ?
                                snapshot_id : NULL, name, err);
    if (ret < 0) {
        g_autofree char *msg = qbp_error_take(err, &ret);
        error_setg(errp, "%s", msg);
    }
    qbp_error_free(err);
    return ret;
}

static int GRAPH_UNLOCKED
plugin_snapshot_goto(BlockDriverState *bs, const char *snapshot_id)
{
    BDRVPluginState *s = bs->opaque;
    struct qbp_error *err;

    if (!plugin_has_snapshots(s)) {
        return -ENOTSUP;
    }
    err = qbp_error_new();
    return plugin_snapshot_result(s, err, s->t->snapshot_revert(
                                      s->handle, snapshot_id, err));
}

static int plugin_snapshot_add(void *opaque, const struct qbp_snapshot *snap)
{
    GArray *list = opaque;
    QEMUSnapshotInfo sn = { 0 };

    pstrcpy(sn.id_str, sizeof(sn.id_str), snap->id ? snap->id : "");
    pstrcpy(sn.name, sizeof(sn.name), snap->name ? snap->name : "");
    if (QBP_HAS_FIELD(snap, struct qbp_snapshot, date_sec)) {
        sn.date_sec = snap->date_sec;
        sn.date_nsec = snap->date_nsec;
    }
    g_array_append_val(list, sn);
    return 0;
}

static int GRAPH_RDLOCK
plugin_snapshot_list(BlockDriverState *bs, QEMUSnapshotInfo **psn_info)
{
    BDRVPluginState *s = bs->opaque;
    GArray *list = g_array_new(false, true, sizeof(QEMUSnapshotInfo));
    struct qbp_error *err;
    int ret;

    /* A read-only handle still lists; only the snapshot_list callback counts. */
    if (!s->t->snapshot_list) {
        g_array_free(list, true);
        return -ENOTSUP;
    }
    err = qbp_error_new();
    ret = plugin_snapshot_result(s, err, s->t->snapshot_list(
                                     s->handle, plugin_snapshot_add, list,
                                     err));
    if (ret < 0) {
        g_array_free(list, true);
        return ret;
    }
    ret = list->len;
    *psn_info = (QEMUSnapshotInfo *)g_array_free(list, false);
    return ret;
}

/* ---- create ---- */

static QemuOptsList plugin_create_opts_base = {
    .name = "plugin-create-opts",
    .head = QTAILQ_HEAD_INITIALIZER(plugin_create_opts_base.head),
    .desc = {
        {
            .name = BLOCK_OPT_SIZE,
            .type = QEMU_OPT_SIZE,
            .help = "Virtual disk size"
        },
        { /* end of list */ }
    }
};

static BlockDriver bdrv_plugin;

static enum QemuOptType qemu_opt_type(uint32_t qbp_type)
{
    switch (qbp_type) {
    case QBP_OPT_BOOL:
        return QEMU_OPT_BOOL;
    case QBP_OPT_NUMBER:
        return QEMU_OPT_NUMBER;
    case QBP_OPT_SIZE:
        return QEMU_OPT_SIZE;
    default:
        return QEMU_OPT_STRING;
    }
}

/* Make `qemu-img create -o` accept, and `-o help` list, P's options. */
static void plugin_use_create_opts(QbpPlugin *p)
{
    static QemuOptsList *current;
    const struct qbp_option *o = qbp_plugin_table(p)->options;
    size_t n = 0, i = 1;
    QemuOptsList *l;

    for (; o && o[n].name; n++) {
        /* count */
    }
    l = g_malloc0(sizeof(*l) + (n + 2) * sizeof(QemuOptDesc));
    l->name = "plugin-create-opts";
    QTAILQ_INIT(&l->head);
    l->desc[0] = plugin_create_opts_base.desc[0];
    for (size_t k = 0; k < n; k++) {
        if (!strcmp(o[k].name, BLOCK_OPT_SIZE)) {
            continue;   /* the disk size is QEMU's own option */
        }
        l->desc[i].name = o[k].name;
        l->desc[i].type = qemu_opt_type(o[k].type);
        l->desc[i].help = o[k].help;
        i++;
    }
    bdrv_plugin.create_opts = l;
    g_free(current);
    current = l;
}

/*
 * Called for every filename QEMU resolves to a driver: the only place a
 * protocol driver sees the filename before qemu-img reads create_opts.  It
 * never claims the file; for "plugin:NAME:" it loads NAME and publishes
 * NAME's options as the create options.
 */
static int plugin_probe_device(const char *filename)
{
    g_autofree char *name = NULL;
    g_autofree char *rest = NULL;
    const char *spec;
    QbpPlugin *p;

    if (strstart(filename, PLUGIN_PREFIX, &spec) &&
        qbp_split_filename(spec, &name, &rest, NULL)) {
        p = plugin_load(name, NULL);
        if (p) {
            plugin_use_create_opts(p);
        }
    }
    return 0;
}

typedef struct CreateOptCtx {
    QbpPlugin *plugin;
    QDict *options;
} CreateOptCtx;

/* Pass on the -o options that belong to the plugin. */
static int plugin_create_opt_take(void *opaque, const char *name,
                                  const char *value, Error **errp)
{
    CreateOptCtx *ctx = opaque;

    if (qbp_options_find(qbp_plugin_table(ctx->plugin), name)) {
        qdict_put_str(ctx->options, name, value);
    }
    return 0;
}

static int coroutine_fn GRAPH_UNLOCKED
plugin_co_create_opts(BlockDriver *drv, const char *filename, QemuOpts *opts,
                      Error **errp)
{
    g_autoptr(KvArray) kv = g_array_new(false, false, sizeof(struct qbp_kv));
    g_autoptr(QDict) options = qdict_new();
    uint64_t size = qemu_opt_get_size_del(opts, BLOCK_OPT_SIZE, 0);
    const struct qbp_plugin *t;
    struct qbp_error *err;
    CreateOptCtx ctx;
    QbpPlugin *p;
    int ret = 0;

    plugin_parse_filename(filename, options, errp);
    if (!qdict_haskey(options, "module")) {
        return -EINVAL;
    }
    p = plugin_load(qdict_get_str(options, "module"), errp);
    if (!p) {
        return -ENOENT;
    }
    t = qbp_plugin_table(p);
    if (!t->create) {
        error_setg(errp, "block plugin '%s' cannot create disks", t->name);
        return -ENOTSUP;
    }
    ctx.plugin = p;
    ctx.options = options;
    qemu_opt_foreach(opts, plugin_create_opt_take, &ctx, NULL);
    if (!plugin_take_options(p, options, kv, errp)) {
        return -EINVAL;
    }
    err = qbp_error_new();
    if (t->create((struct qbp_kv *)kv->data, kv->len, size, err) < 0) {
        g_autofree char *msg = qbp_error_take(err, &ret);
        error_setg(errp, "%s", msg);
    }
    qbp_error_free(err);
    return ret;
}

/* Every plugin option may change what the disk holds. */
static const char *const plugin_strong_runtime_opts[] = {
    "module",
    "filename",
    OPTIONS_PREFIX,
    NULL
};

static BlockDriver bdrv_plugin = {
    .format_name            = "plugin",
    .protocol_name          = "plugin",
    .instance_size          = sizeof(BDRVPluginState),

    .bdrv_parse_filename    = plugin_parse_filename,
    .bdrv_probe_device      = plugin_probe_device,
    PLUGIN_DRIVER_OPEN_AND_LENGTH(plugin_open, plugin_getlength),
    .bdrv_close             = plugin_close,
    .bdrv_reopen_prepare    = plugin_reopen_prepare,
    .bdrv_co_create_opts    = plugin_co_create_opts,
    .create_opts            = &plugin_create_opts_base,

    .bdrv_refresh_limits    = plugin_refresh_limits,
    .bdrv_co_preadv         = plugin_co_preadv,
    .bdrv_co_pwritev        = plugin_co_pwritev,
    .bdrv_co_flush_to_disk  = plugin_co_flush,
    .bdrv_co_pdiscard       = plugin_co_pdiscard,
    .bdrv_co_pwrite_zeroes  = plugin_co_pwrite_zeroes,
    .bdrv_co_truncate       = plugin_co_truncate,
    .bdrv_co_block_status   = plugin_co_block_status,
    PLUGIN_DRIVER_GET_INFO(plugin_get_info),
    .bdrv_get_specific_info = plugin_get_specific_info,
    .bdrv_has_zero_init     = plugin_has_zero_init,

    .bdrv_snapshot_create   = plugin_snapshot_create,
    .bdrv_snapshot_goto     = plugin_snapshot_goto,
    .bdrv_snapshot_delete   = plugin_snapshot_delete,
    .bdrv_snapshot_list     = plugin_snapshot_list,

    .strong_runtime_opts    = plugin_strong_runtime_opts,
};

static void bdrv_plugin_init(void)
{
    qemu_co_mutex_init(&serialize_all_lock);
    bdrv_register(&bdrv_plugin);
}

block_init(bdrv_plugin_init);
