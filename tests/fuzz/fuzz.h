/*
 * fuzz.h: what every libFuzzer target in tests/fuzz/ shares.
 *
 * A target is one file, tests/fuzz/fuzz-NAME.c, defining
 * LLVMFuzzerTestOneInput; its seed corpus is tests/fuzz/corpus/NAME/.
 * Targets check what the code under test promises, not only that it does
 * not crash: FUZZ_CHECK(cond) prints the broken promise and aborts, which
 * libFuzzer reports as a crash and saves the input.
 */
#ifndef QBP_FUZZ_H
#define QBP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static inline void fuzz_fail(const char *file, int line,
                                       const char *what)
{
    fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
    abort();
}

#define FUZZ_CHECK(cond) \
    ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))

/* A NUL-terminated heap copy of data, cut at its first NUL. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t n = nul ? (size_t)(nul - data) : size;
    char *s = malloc(n + 1);

    if (!s) {
        abort();
    }
    if (n > 0) {
        memcpy(s, data, n);
    }
    s[n] = '\0';
    return s;
}

/* An exactly sized heap copy, so that reading past it is an ASan error. */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t size,
                                 size_t extra, uint8_t fill)
{
    uint8_t *p = malloc(size + extra ? size + extra : 1);

    if (!p) {
        abort();
    }
    if (size > 0) {
        memcpy(p, data, size);
    }
    memset(p + size, fill, extra);
    return p;
}

/* n little-endian bytes at p, the way Ceph encodes integers. */
static inline uint64_t fuzz_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

#endif /* QBP_FUZZ_H */
