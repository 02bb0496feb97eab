/*
 * ctx.c: the reports of a check, as lines on a pipe or folded in place.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <stdatomic.h>
#include <unistd.h>

#include "ctx.h"

/* A report longer than this is cut: one line must stay readable. */
#define MAX_LINE 2000
/* Beyond this, details are counted, not kept. */
#define MAX_DETAILS 40

struct owned {
    gpointer p;
    GDestroyNotify free_fn;
};

struct qc_ctx {
    int fd;
    struct qc_fold *fold;
    GMutex lock;                /* completions report from plugin threads */
    atomic_bool failed;
    gint64 last_beat;
    GArray *owned;              /* struct owned, freed in reverse */
    bool unsafe;
    /* Submissions, under lock: how many, how many slow, the slowest. */
    uint64_t n_submits;
    uint64_t n_slow;
    gint64 slowest_ms;
    char *slowest;
};

static struct qc_ctx *current;

void qc_fold_init(struct qc_fold *f)
{
    memset(f, 0, sizeof(*f));
    f->details = g_ptr_array_new_with_free_func(g_free);
}

void qc_fold_clear(struct qc_fold *f)
{
    g_free(f->first_fail);
    g_free(f->pass);
    g_free(f->skip);
    g_free(f->step);
    g_ptr_array_unref(f->details);
    memset(f, 0, sizeof(*f));
}

void qc_fold_detail(struct qc_fold *f, const char *text)
{
    if (f->details->len < MAX_DETAILS) {
        g_ptr_array_add(f->details, g_strdup(text));
    } else {
        f->details_dropped++;
    }
}

static void apply_fact(const char *text)
{
    if (strcmp(text, "data=kept") == 0) {
        qc_env.data = QC_DATA_KEPT;
    } else if (strcmp(text, "data=none") == 0) {
        qc_env.data = QC_DATA_NONE;
    }
}

static void replace(char **slot, const char *text)
{
    g_free(*slot);
    *slot = g_strdup(text);
}

void qc_fold_event(struct qc_fold *f, char kind, const char *text)
{
    switch (kind) {
    case QC_EV_STEP:
        replace(&f->step, text);
        break;
    case QC_EV_FAIL:
        if (f->n_fail++ == 0) {
            f->first_fail = g_strdup(text);
        } else {
            qc_fold_detail(f, text);
        }
        break;
    case QC_EV_ROOT:
        if (f->n_fail++ == 0) {
            f->first_fail = g_strdup(text);
        } else if (!f->root) {
            /* The earlier headline was a consequence of this. */
            g_ptr_array_insert(f->details, 0, f->first_fail);
            f->first_fail = g_strdup(text);
        } else {
            qc_fold_detail(f, text);
        }
        f->root = true;
        break;
    case QC_EV_NOTE:
        qc_fold_detail(f, text);
        break;
    case QC_EV_PASS:
        replace(&f->pass, text);
        break;
    case QC_EV_SKIP:
        replace(&f->skip, text);
        break;
    case QC_EV_FACT:
        apply_fact(text);
        break;
    case QC_EV_LOG:
        qc_fold_detail(f, text);
        break;
    case QC_EV_END:
        f->ended = true;
        break;
    default:
        break;
    }
}

struct qc_ctx *qc_ctx_new(int fd, struct qc_fold *f)
{
    struct qc_ctx *ctx = g_new0(struct qc_ctx, 1);

    ctx->fd = fd;
    ctx->fold = f;
    ctx->owned = g_array_new(FALSE, FALSE, sizeof(struct owned));
    g_mutex_init(&ctx->lock);
    return ctx;
}

void qc_ctx_own(struct qc_ctx *ctx, gpointer p, GDestroyNotify free_fn)
{
    struct owned o = { p, free_fn };

    g_mutex_lock(&ctx->lock);
    g_array_append_val(ctx->owned, o);
    g_mutex_unlock(&ctx->lock);
}

void qc_ctx_unsafe(struct qc_ctx *ctx)
{
    g_mutex_lock(&ctx->lock);
    ctx->unsafe = true;
    g_mutex_unlock(&ctx->lock);
}

void qc_ctx_free(struct qc_ctx *ctx)
{
    /* A request still in flight may complete into this memory later. */
    for (guint i = ctx->owned->len; i > 0 && !ctx->unsafe; i--) {
        struct owned *o = &g_array_index(ctx->owned, struct owned, i - 1);
        o->free_fn(o->p);
    }
    g_array_free(ctx->owned, TRUE);
    g_free(ctx->slowest);
    g_mutex_clear(&ctx->lock);
    g_free(ctx);
}

/* The whole line in one write, so that the parent never sees half of it. */
static void write_line(int fd, const char *line, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, line, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        line += n;
        len -= (size_t)n;
    }
}

static void emit(struct qc_ctx *ctx, char kind, const char *text)
{
    g_autoptr(GString) line = g_string_sized_new(128);

    g_string_append_c(line, kind);
    for (const char *c = text; *c && line->len < MAX_LINE; c++) {
        g_string_append_c(line, *c == '\n' || *c == '\r' ? ' ' : *c);
    }
    g_mutex_lock(&ctx->lock);
    if (kind == QC_EV_FAIL || kind == QC_EV_ROOT) {
        ctx->failed = true;
    }
    if (ctx->fd >= 0) {
        g_string_append_c(line, '\n');
        write_line(ctx->fd, line->str, line->len);
    } else {
        qc_fold_event(ctx->fold, kind, line->str + 1);
    }
    g_mutex_unlock(&ctx->lock);
}

static void emit_va(struct qc_ctx *ctx, char kind, const char *fmt,
                    va_list ap)
{
    g_autofree char *text = g_strdup_vprintf(fmt, ap);

    emit(ctx, kind, text);
}

#define DEFINE_REPORT(fn, kind)                                           \
    void fn(struct qc_ctx *ctx, const char *fmt, ...)                     \
    {                                                                     \
        va_list ap;                                                       \
                                                                          \
        va_start(ap, fmt);                                                \
        emit_va(ctx, kind, fmt, ap);                                      \
        va_end(ap);                                                       \
    }

DEFINE_REPORT(qc_step, QC_EV_STEP)
DEFINE_REPORT(qc_fail, QC_EV_FAIL)
DEFINE_REPORT(qc_fail_root, QC_EV_ROOT)
DEFINE_REPORT(qc_note, QC_EV_NOTE)
DEFINE_REPORT(qc_pass, QC_EV_PASS)
DEFINE_REPORT(qc_skip, QC_EV_SKIP)

void qc_fact(struct qc_ctx *ctx, const char *key, const char *value)
{
    g_autofree char *text = g_strdup_printf("%s=%s", key, value);

    if (ctx->fd < 0) {
        apply_fact(text);
    } else {
        emit(ctx, QC_EV_FACT, text);
    }
}

void qc_log(struct qc_ctx *ctx, int level, const char *msg)
{
    static const char *const names[] = { "error", "warning", "info", "debug" };
    g_autofree char *text = NULL;

    /* Warnings explain failures; the chatter only when asked for. */
    if (level > QBP_LOG_WARNING && !qc_env.cfg.verbose) {
        return;
    }
    text = g_strdup_printf("plugin log (%s): %s",
                           names[CLAMP(level, 0, 3)], msg);
    emit(ctx, QC_EV_LOG, text);
}

bool qc_has_failed(const struct qc_ctx *ctx)
{
    return atomic_load(&ctx->failed);
}

void qc_ctx_fast_submit(struct qc_ctx *ctx)
{
    g_mutex_lock(&ctx->lock);
    ctx->n_submits++;
    g_mutex_unlock(&ctx->lock);
}

void qc_ctx_slow_submit(struct qc_ctx *ctx, gint64 ms, const char *call,
                        const char *what)
{
    g_mutex_lock(&ctx->lock);
    ctx->n_submits++;
    ctx->n_slow++;
    if (ms > ctx->slowest_ms) {
        ctx->slowest_ms = ms;
        g_free(ctx->slowest);
        ctx->slowest = g_strdup_printf("%s took %" G_GINT64_FORMAT " ms to "
                                       "return (%s)", call, ms, what);
    }
    g_mutex_unlock(&ctx->lock);
}

/* A warning, not a fault: a loaded machine can stall any thread. */
static void warn_slow_submits(struct qc_ctx *ctx)
{
    g_autofree char *slowest = NULL;
    uint64_t n_slow, n;

    g_mutex_lock(&ctx->lock);
    n_slow = ctx->n_slow;
    n = ctx->n_submits;
    slowest = g_steal_pointer(&ctx->slowest);
    g_mutex_unlock(&ctx->lock);
    if (n_slow == 0) {
        return;
    }
    qc_note(ctx, "warning: %" PRIu64 " of %" PRIu64 " submissions took %d ms "
            "or more, the slowest: %s; a submission must not wait on the "
            "calling thread (for the network, a lock or another request): "
            "under QEMU that thread runs the guest and the monitor", n_slow,
            n, QC_SLOW_SUBMIT_MS, slowest);
}

void qc_ctx_end(struct qc_ctx *ctx)
{
    warn_slow_submits(ctx);
    emit(ctx, QC_EV_END, "");
}

void qc_ctx_heartbeat(struct qc_ctx *ctx)
{
    gint64 now = g_get_monotonic_time();
    bool due;

    if (ctx->fd < 0) {
        return;
    }
    g_mutex_lock(&ctx->lock);
    due = now - ctx->last_beat > G_USEC_PER_SEC;
    if (due) {
        ctx->last_beat = now;
    }
    g_mutex_unlock(&ctx->lock);
    if (due) {
        emit(ctx, QC_EV_BEAT, "");
    }
}

void qc_ctx_set_current(struct qc_ctx *ctx)
{
    current = ctx;
}

struct qc_ctx *qc_ctx_current(void)
{
    return current;
}
