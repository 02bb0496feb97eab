/*
 * util.c: words for numbers that appear in messages.
 */
#include <string.h>

#include "qc.h"

char *qc_errno_text(int64_t negative_errno)
{
    int e = (int)-negative_errno;
    const char *name = e > 0 ? strerrorname_np(e) : NULL;

    if (!name) {
        return g_strdup("not an errno");
    }
    return g_strdup_printf("%s, %s", name, strerror(e));
}

char *qc_caps_text(uint32_t caps)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        { QBP_CAP_WRITE, "write" },
        { QBP_CAP_FLUSH, "flush" },
        { QBP_CAP_DISCARD, "discard" },
        { QBP_CAP_WRITE_ZEROES, "write-zeroes" },
        { QBP_CAP_FUA, "fua" },
        { QBP_CAP_TRUNCATE, "truncate" },
        { QBP_CAP_ZERO_UNMAP, "zero-unmap" },
#ifdef QBP_CAP_SNAPSHOTS
        { QBP_CAP_SNAPSHOTS, "snapshots" },
#endif
#ifdef QBP_CAP_BLOCK_STATUS
        { QBP_CAP_BLOCK_STATUS, "block-status" },
#endif
    };
    GString *s = g_string_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (caps & names[i].bit) {
            g_string_append_printf(s, "%s%s", s->len ? ", " : "",
                                   names[i].name);
            caps &= ~names[i].bit;
        }
    }
    if (caps) {
        g_string_append_printf(s, "%sunknown bits 0x%x", s->len ? ", " : "",
                               (unsigned)caps);
    }
    if (!s->len) {
        g_string_append(s, "nothing but read");
    }
    return g_string_free(s, FALSE);
}

char *qc_bytes(uint64_t n)
{
    return g_strdup_printf("%" G_GUINT64_FORMAT " byte%s", n,
                           n == 1 ? "" : "s");
}

const char *qc_thread_model_name(uint32_t model)
{
    switch (model) {
    case QBP_THREAD_MODEL_SERIALIZE_ALL:
        return "serialize-all";
    case QBP_THREAD_MODEL_SERIALIZE_REQUESTS:
        return "serialize-requests";
    case QBP_THREAD_MODEL_PARALLEL:
        return "parallel";
    default:
        return "unknown";
    }
}
