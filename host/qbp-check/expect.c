/*
 * expect.c: expectation maps, kept sorted and without overlaps, as
 * qc_pattern_verify needs them.
 */
#include "expect.h"

GArray *qc_expect_map(uint64_t offset, uint64_t length,
                      enum qc_expect_kind kind, uint32_t gen)
{
    GArray *map = g_array_new(FALSE, FALSE, sizeof(struct qc_expect));
    struct qc_expect e = { offset, length, kind, gen, NULL };

    g_array_append_val(map, e);
    return map;
}

static gint by_offset(gconstpointer a, gconstpointer b)
{
    const struct qc_expect *x = a, *y = b;

    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

void qc_expect_paint(GArray *map, uint64_t offset, uint64_t length,
                     enum qc_expect_kind kind, uint32_t gen)
{
    GArray *old = g_array_copy(map);
    uint64_t end = offset + length;
    struct qc_expect e = { offset, length, kind, gen, NULL };

    g_array_set_size(map, 0);
    for (guint i = 0; i < old->len; i++) {
        struct qc_expect s = g_array_index(old, struct qc_expect, i);
        uint64_t s_end = s.offset + s.length;

        if (s_end <= offset || s.offset >= end) {
            g_array_append_val(map, s);
            continue;
        }
        if (s.offset < offset) {
            struct qc_expect head = s;
            head.length = offset - s.offset;
            g_array_append_val(map, head);
        }
        if (s_end > end) {
            struct qc_expect tail = s;
            tail.offset = end;
            tail.length = s_end - end;
            if (tail.kind == QC_EXPECT_SAME) {
                tail.same += end - s.offset;
            }
            g_array_append_val(map, tail);
        }
    }
    g_array_append_val(map, e);
    g_array_sort(map, by_offset);
    g_array_unref(old);
}
