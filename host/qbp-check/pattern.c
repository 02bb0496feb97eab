/*
 * pattern.c: written data that says where it belongs, and the diagnosis
 * of a read that does not match.
 */
#include <inttypes.h>
#include <stdio.h>

#include <glib.h>

#include "pattern.h"

#define GEN_BITS 24
#define GEN_MASK ((UINT32_C(1) << GEN_BITS) - 1)
/* Generations with this bit are fillers of read buffers, never written. */
#define POISON_BIT (UINT32_C(1) << 23)
/* 40 bits of word index: offsets are told apart over 8 TiB. */
#define INDEX_MASK ((UINT64_C(1) << 40) - 1)
#define GENS_PER_CHECK 4096u
#define MAX_CHECKS 64u
/* A mismatch ends where this many bytes in a row match again. */
#define RUN_GAP 8

static uint32_t gen_base;
static uint32_t gen_next;
static uint32_t poison_next;

void qc_pattern_init(uint32_t seed)
{
    uint32_t room = POISON_BIT - 1 - GENS_PER_CHECK * MAX_CHECKS;

    gen_base = 1 + seed % room;
    qc_pattern_begin_check(0);
}

void qc_pattern_begin_check(unsigned index)
{
    index %= MAX_CHECKS;
    gen_next = gen_base + index * GENS_PER_CHECK;
    poison_next = gen_next;
}

/* The generations of this run: data of an earlier check is still ours. */
static bool run_gen(uint32_t gen)
{
    return gen >= gen_base && gen < gen_base + GENS_PER_CHECK * MAX_CHECKS;
}

uint32_t qc_gen_new(void)
{
    return gen_next++;
}

uint32_t qc_poison_new(void)
{
    return POISON_BIT | (poison_next++ & (POISON_BIT - 1));
}

/*
 * MurmurHash3's finaliser and its inverse: every byte of a word depends on
 * both the offset and the generation, so two different words agree on a
 * byte only by chance, and a word can still be decoded.
 */
static uint64_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    k *= UINT64_C(0xc4ceb9fe1a85ec53);
    k ^= k >> 33;
    return k;
}

static uint64_t unmix(uint64_t k)
{
    k ^= k >> 33;
    k *= UINT64_C(0x9cb4b2f8129337db);
    k ^= k >> 33;
    k *= UINT64_C(0x4f74430c22a54005);
    k ^= k >> 33;
    return k;
}

static uint64_t word_at(uint64_t pos, uint32_t gen)
{
    return mix((((pos >> 3) & INDEX_MASK) << GEN_BITS) | (gen & GEN_MASK));
}

static uint8_t byte_at(uint64_t x, uint32_t gen)
{
    return (uint8_t)(word_at(x & ~UINT64_C(7), gen) >> (8 * (x & 7)));
}

/* Words are stored little-endian whatever the host, like the disk image. */
static uint64_t load_le64(const uint8_t *p)
{
    uint64_t w = 0;

    for (int i = 7; i >= 0; i--) {
        w = (w << 8) | p[i];
    }
    return w;
}

static void store_le64(uint8_t *p, uint64_t w)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(w >> (8 * i));
    }
}

void qc_pattern_fill(uint8_t *buf, uint64_t offset, size_t len, uint32_t gen)
{
    size_t i = 0;

    for (; i < len && ((offset + i) & 7); i++) {
        buf[i] = byte_at(offset + i, gen);
    }
    for (; i + 8 <= len; i += 8) {
        store_le64(buf + i, word_at(offset + i, gen));
    }
    for (; i < len; i++) {
        buf[i] = byte_at(offset + i, gen);
    }
}

/*
 * What the aligned word w, read at disk offset pos, is; e says what it
 * should have been, which tells "not zeroed" from "another write's".
 */
static char *describe_word(uint64_t pos, uint64_t w, uint32_t poison,
                           const struct qc_expect *e)
{
    uint64_t v = unmix(w);
    uint32_t gen = (uint32_t)(v & GEN_MASK);
    uint64_t from = (v >> GEN_BITS) << 3;
    bool here = from == (pos & (INDEX_MASK << 3));

    if (w == 0) {
        return g_strdup("zeroes");
    }
    if (gen == poison && here) {
        return g_strdup("the filler qbp-check put in the buffer before the "
                        "read (the plugin left these bytes untouched)");
    }
    if (gen & POISON_BIT) {
        return g_strdup("the filler of another read's buffer");
    }
    if (run_gen(gen) && here) {
        return g_strdup(e && e->kind == QC_EXPECT_ZERO ?
                        "the data written there" :
                        "the data of another write to the same offset");
    }
    if (run_gen(gen)) {
        return g_strdup_printf("the data written at offset %" PRIu64, from);
    }
    return g_strdup("bytes qbp-check never wrote");
}

static char *describe(const uint8_t *buf, uint64_t offset, size_t len,
                      uint32_t poison, const struct qc_expect *e)
{
    uint64_t skip = (8 - (offset & 7)) & 7;
    GString *hex;

    if (skip + 8 <= len) {
        return describe_word(offset + skip, load_le64(buf + skip), poison, e);
    }
    hex = g_string_new(len == 1 ? "the byte" : "the bytes");
    for (size_t i = 0; i < len && i < 8; i++) {
        g_string_append_printf(hex, " %02x", buf[i]);
    }
    return g_string_free(hex, FALSE);
}

char *qc_pattern_describe(const uint8_t *buf, uint64_t offset, size_t len,
                          uint32_t poison)
{
    return describe(buf, offset, len, poison, NULL);
}

static bool byte_ok(const struct qc_expect *e, uint64_t x, uint8_t b)
{
    switch (e->kind) {
    case QC_EXPECT_GEN:
        return b == byte_at(x, e->gen);
    case QC_EXPECT_ZERO:
        return b == 0;
    case QC_EXPECT_GEN_OR_ZERO:
        return b == 0 || b == byte_at(x, e->gen);
    case QC_EXPECT_SAME:
        return b == e->same[x - e->offset];
    }
    return false;
}

static const char *expect_name(enum qc_expect_kind kind)
{
    switch (kind) {
    case QC_EXPECT_GEN:
        return "the data written there";
    case QC_EXPECT_ZERO:
        return "zeroes";
    case QC_EXPECT_GEN_OR_ZERO:
        return "the data written there or zeroes";
    case QC_EXPECT_SAME:
        return "what an earlier read of them returned";
    }
    return "?";
}

/* First mismatch of e in buf (read at offset), and where its run ends. */
static bool find_mismatch(const uint8_t *buf, uint64_t offset,
                          const struct qc_expect *e, uint64_t *start,
                          uint64_t *end)
{
    uint64_t x = e->offset, stop = e->offset + e->length, good = 0;

    for (; x < stop && byte_ok(e, x, buf[x - offset]); x++) {
        /* matching */
    }
    if (x == stop) {
        return false;
    }
    *start = x;
    *end = x + 1;
    for (x++; x < stop && good < RUN_GAP; x++) {
        if (byte_ok(e, x, buf[x - offset])) {
            good++;
        } else {
            good = 0;
            *end = x + 1;
        }
    }
    return true;
}

bool qc_pattern_verify(const uint8_t *buf, uint64_t offset, size_t len,
                       uint32_t poison, const struct qc_expect *exp,
                       size_t n_exp, char **why)
{
    for (size_t i = 0; i < n_exp; i++) {
        const struct qc_expect *e = &exp[i];
        uint64_t start, end;
        char *found;

        g_assert(e->offset >= offset && e->offset + e->length <= offset + len);
        if (!find_mismatch(buf, offset, e, &start, &end)) {
            continue;
        }
        found = describe(buf + (start - offset), start, end - start, poison,
                         e);
        if (end - start == 1) {
            *why = g_strdup_printf("the byte at offset %" PRIu64 " read back "
                                   "as %s instead of %s", start, found,
                                   expect_name(e->kind));
        } else {
            *why = g_strdup_printf("the %" PRIu64 " bytes at offset %" PRIu64
                                   " read back as %s instead of %s",
                                   end - start, start, found,
                                   expect_name(e->kind));
        }
        g_free(found);
        return false;
    }
    return true;
}

uint64_t qc_pattern_untouched(const uint8_t *buf, uint64_t offset,
                              size_t len, uint32_t poison, uint64_t *first)
{
    uint64_t count = 0;
    size_t i = (8 - (offset & 7)) & 7;

    for (; i + 8 <= len; i += 8) {
        if (load_le64(buf + i) == word_at(offset + i, poison)) {
            if (count == 0) {
                *first = offset + i;
            }
            count += 8;
        }
    }
    return count;
}
