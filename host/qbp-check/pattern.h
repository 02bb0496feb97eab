/*
 * pattern.h: the bytes qbp-check writes, and what it makes of the bytes it
 * reads back.
 *
 * Every 8-byte word of written data encodes the disk offset it was written
 * to and a generation (one per write, or per group of writes), so that a
 * wrong read can be explained: data from another offset, an older write,
 * zeroes, or the filler qbp-check put in the buffer before the read (the
 * plugin never touched those bytes).
 */
#ifndef QC_PATTERN_H
#define QC_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one range of a read must hold. */
enum qc_expect_kind {
    QC_EXPECT_GEN,          /* the data of generation gen */
    QC_EXPECT_ZERO,         /* zeroes */
    QC_EXPECT_GEN_OR_ZERO,  /* each byte either (after a discard) */
    QC_EXPECT_SAME,         /* the bytes of an earlier read, in same */
};

struct qc_expect {
    uint64_t offset;        /* on the disk */
    uint64_t length;
    enum qc_expect_kind kind;
    uint32_t gen;
    const uint8_t *same;    /* QC_EXPECT_SAME: length bytes */
};

/*
 * Each check draws from its own range of generations, so that data left
 * by an earlier check (or an earlier run) never passes for this one's.
 */
void qc_pattern_init(uint32_t seed);
void qc_pattern_begin_check(unsigned index);
uint32_t qc_gen_new(void);
uint32_t qc_poison_new(void);

/* buf receives the bytes of generation gen for disk bytes [offset, +len). */
void qc_pattern_fill(uint8_t *buf, uint64_t offset, size_t len, uint32_t gen);

/*
 * Checks a read of [offset, +len) against expectations covering it.
 * Returns true when it matches; otherwise *why (g_free it) says which bytes
 * differ, what they hold and what they should hold.  poison is the filler
 * of the read's buffer.
 */
bool qc_pattern_verify(const uint8_t *buf, uint64_t offset, size_t len,
                       uint32_t poison, const struct qc_expect *exp,
                       size_t n_exp, char **why);

/*
 * Counts the bytes of buf, read from offset, that still hold the filler
 * poison, in whole 8-byte words (a coincidence on fewer bytes is likely
 * with real data); *first receives the disk offset of the first.
 */
uint64_t qc_pattern_untouched(const uint8_t *buf, uint64_t offset,
                              size_t len, uint32_t poison, uint64_t *first);

/* "zeroes", "the data written at offset 4096", ...: for messages. */
char *qc_pattern_describe(const uint8_t *buf, uint64_t offset, size_t len,
                          uint32_t poison);

#endif /* QC_PATTERN_H */
