/*
 * fuzz-rbd-features: the rbd plugin's "features" option
 * (rbd_features_parse) and the feature list it prints in messages
 * (rbd_features_format), plugins/rbd/rbd-cls.h.
 *
 * The input is the option's value; its first 8 bytes are also a feature
 * mask to print.  Checked:
 * - parse accepts only known bits, leaves the result alone when it
 *   refuses, and agrees with an independent parser (names exact and
 *   lower case, ',' or '+' between them, blanks around them ignored; or
 *   one number of known bits, as strtoull base 0 reads it);
 * - a printed list fits RBD_FEATURES_FORMAT_LEN, and a non-empty mask of
 *   known bits parses back from it; into any smaller buffer it prints a
 *   NUL-terminated prefix of the same text and nothing past the buffer.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "rbd-cls.h"

static const char *const names[] = {
    "layering", "striping", "exclusive-lock", "object-map", "fast-diff",
    "deep-flatten", "journaling", "data-pool", "operations", "migrating",
    "non-primary", "dirty-cache",
};

#define N_NAMES (sizeof(names) / sizeof(names[0]))

static bool blank(char c)
{
    return isspace((unsigned char)c) != 0;
}

/* [a, b) without blanks at either end. */
static void trim(const char **a, const char **b)
{
    while (*a < *b && blank(**a)) {
        (*a)++;
    }
    while (*b > *a && blank((*b)[-1])) {
        (*b)--;
    }
}

/* The independent parser: 0 and *mask, or -EINVAL. */
static int ref_parse(const char *s, uint64_t *mask)
{
    const char *a = s;
    const char *b = s + strlen(s);
    uint64_t m = 0;

    trim(&a, &b);
    if (a == b) {
        return -EINVAL;
    }
    if (isdigit((unsigned char)*a)) {
        char tmp[32];
        char *end;
        unsigned long long v;

        /*
         * 32 characters or more (only zeros in front make a number of
         * known bits that long) are refused, as the plugin does.
         */
        if ((size_t)(b - a) >= 32) {
            return -EINVAL;
        }
        memcpy(tmp, a, (size_t)(b - a));
        tmp[b - a] = '\0';
        errno = 0;
        v = strtoull(tmp, &end, 0);
        if (errno || *end || (v & ~RBD_FEATURES_KNOWN)) {
            return -EINVAL;
        }
        *mask = v;
        return 0;
    }
    for (;;) {
        const char *sep = a;
        const char *na;
        const char *nb;
        size_t i;

        while (sep < b && *sep != ',' && *sep != '+') {
            sep++;
        }
        na = a;
        nb = sep;
        trim(&na, &nb);
        for (i = 0; i < N_NAMES; i++) {
            if (strlen(names[i]) == (size_t)(nb - na) &&
                memcmp(names[i], na, (size_t)(nb - na)) == 0) {
                break;
            }
        }
        if (i == N_NAMES) {
            return -EINVAL;
        }
        m |= UINT64_C(1) << i;
        if (sep == b) {
            break;
        }
        a = sep + 1;
    }
    *mask = m;
    return 0;
}

static void check_format(uint64_t mask)
{
    char full[RBD_FEATURES_FORMAT_LEN + 64];
    uint64_t back = 0;
    size_t len;

    memset(full, 'x', sizeof(full));
    rbd_features_format(mask, full, sizeof(full));
    FUZZ_CHECK(strlen(full) < RBD_FEATURES_FORMAT_LEN);
    if (mask != 0 && !(mask & ~RBD_FEATURES_KNOWN)) {
        FUZZ_CHECK(rbd_features_parse(full, &back) == 0 && back == mask);
    } else if (mask & ~RBD_FEATURES_KNOWN) {
        FUZZ_CHECK(rbd_features_parse(full, &back) == -EINVAL);
    } else {
        FUZZ_CHECK(full[0] == '\0');
    }
    /* Every cut, and one buffer larger than needed. */
    for (len = 0; len <= strlen(full) + 2; len++) {
        char *buf = malloc(len ? len : 1);

        if (!buf) {
            abort();
        }
        memset(buf, 'x', len);
        rbd_features_format(mask, len ? buf : NULL, len);
        if (len > 0) {
            FUZZ_CHECK(memchr(buf, '\0', len) != NULL);
            FUZZ_CHECK(strncmp(buf, full, len - 1) == 0);
            FUZZ_CHECK(strlen(buf) == len - 1 || strcmp(buf, full) == 0);
        }
        free(buf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstring(data, size);
    uint64_t sentinel = 0xa5a5a5a5a5a5a5a5ull;
    uint64_t got = sentinel;
    uint64_t want = sentinel;
    int r = rbd_features_parse(s, &got);
    int ref = ref_parse(s, &want);

    FUZZ_CHECK(r == 0 || r == -EINVAL);
    if (r != ref || (r == 0 && got != want)) {
        fprintf(stderr, "rbd_features_parse(\"%s\"): %d, 0x%llx; "
                "expected %d, 0x%llx\n", s, r, (unsigned long long)got, ref,
                (unsigned long long)want);
        FUZZ_CHECK(!"rbd_features_parse disagrees with the reference");
    }
    if (r == 0) {
        FUZZ_CHECK(!(got & ~RBD_FEATURES_KNOWN));
    } else {
        FUZZ_CHECK(got == sentinel);
    }
    check_format(got == sentinel ? 0 : got);
    if (size >= 8) {
        check_format(fuzz_le(data, 8));
    }
    free(s);
    return 0;
}
