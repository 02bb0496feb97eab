/*
 * unhex.c: see unhex.h.
 */
#include <glib.h>
#include <string.h>

#include "unhex.h"

uint8_t *unhex(const char *hex, size_t *len)
{
    uint8_t *out = g_malloc(strlen(hex) / 2 + 1);
    size_t n = 0;
    int hi = -1;

    for (; *hex; hex++) {
        int v = g_ascii_xdigit_value(*hex);

        if (*hex == ' ') {
            continue;
        }
        g_assert_cmpint(v, >=, 0);
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    g_assert_cmpint(hi, ==, -1);
    *len = n;
    return out;
}
