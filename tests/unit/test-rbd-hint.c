/*
 * Unit tests of the allocation hint's settings (plugins/rbd/rbd-hint.c):
 * the values of rbd_enable_alloc_hint and rbd_compression_hint, as Ceph
 * prints them or as a user stored them, give the sizes and flags librbd
 * sends, and values Ceph would not take are refused.
 */
#include <errno.h>
#include <glib.h>
#include <rados/librados.h>

#include "rbd-hint.h"

#define OBJ (UINT64_C(4) << 20)

static void check(const char *enable, const char *compression,
                  uint64_t size, uint32_t flags)
{
    struct rbd_alloc_hint h = { 1, 1 };

    g_assert_cmpint(rbd_alloc_hint_parse(enable, compression, OBJ, &h), ==, 0);
    g_assert_cmpuint(h.size, ==, size);
    g_assert_cmpuint(h.flags, ==, flags);
    g_assert_true(rbd_alloc_hint_any(&h) == (size != 0 || flags != 0));
}

static void test_defaults(void)
{
    /* Unset settings are Ceph's defaults: sizes on, no flags. */
    check(NULL, NULL, OBJ, 0);
    check("true", "none", OBJ, 0);
}

static void test_off(void)
{
    check("false", "none", 0, 0);
    check("false", NULL, 0, 0);
}

static void test_compression(void)
{
    check("true", "compressible", OBJ, LIBRADOS_ALLOC_HINT_FLAG_COMPRESSIBLE);
    check("true", "incompressible", OBJ,
          LIBRADOS_ALLOC_HINT_FLAG_INCOMPRESSIBLE);
    /* Without sizes the flags still go, as librbd sends them. */
    check("false", "compressible", 0, LIBRADOS_ALLOC_HINT_FLAG_COMPRESSIBLE);
}

/*
 * A setting stored as metadata (`rbd config image set`) is the text given,
 * which Ceph reads as its options parser does: any case, or a number.
 */
static void test_bool_spellings(void)
{
    check("TRUE", NULL, OBJ, 0);
    check("False", NULL, 0, 0);
    check("1", NULL, OBJ, 0);
    check("0", NULL, 0, 0);
    check("-2", NULL, OBJ, 0);
}

static void test_refused(void)
{
    static const char *const bad[][2] = {
        { "yes", "none" }, { "", "none" }, { "1x", "none" }, { "on", "none" },
        { "true", "zstd" }, { "true", "" }, { "true", "Compressible" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        struct rbd_alloc_hint h = { 1, 1 };

        g_assert_cmpint(rbd_alloc_hint_parse(bad[i][0], bad[i][1], OBJ, &h),
                        ==, -EINVAL);
        g_assert_false(rbd_alloc_hint_any(&h));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rbd-hint/defaults", test_defaults);
    g_test_add_func("/rbd-hint/off", test_off);
    g_test_add_func("/rbd-hint/compression", test_compression);
    g_test_add_func("/rbd-hint/bool-spellings", test_bool_spellings);
    g_test_add_func("/rbd-hint/refused", test_refused);
    return g_test_run();
}
