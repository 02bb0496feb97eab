/*
 * expect.h: what a range of the disk should read back as, painted range by
 * range: "all the fill, except zeroes here and old-data-or-zeroes there".
 */
#ifndef QC_EXPECT_H
#define QC_EXPECT_H

#include <glib.h>

#include "pattern.h"

/* A map of [offset, +length) holding one expectation. */
GArray *qc_expect_map(uint64_t offset, uint64_t length,
                      enum qc_expect_kind kind, uint32_t gen);
/* Paints [offset, +length) of the map with another expectation. */
void qc_expect_paint(GArray *map, uint64_t offset, uint64_t length,
                     enum qc_expect_kind kind, uint32_t gen);

static inline const struct qc_expect *qc_expect_data(GArray *map)
{
    return (const struct qc_expect *)(const void *)map->data;
}

#endif /* QC_EXPECT_H */
