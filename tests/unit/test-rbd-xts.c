/*
 * Unit tests of the AES-XTS-plain64 units of librbd's encryption
 * (plugins/rbd/rbd-xts.c): a known answer from IEEE 1619, the IV as the
 * unit's offset in 512-byte sectors, little endian, never-written units
 * read as zeroes, and what is refused.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "rbd-xts.h"
#include "unhex.h"

/*
 * IEEE 1619-2007 XTS-AES-128 vector 2: key1 11.., key2 22.., data unit
 * 0x3333333333, 32 bytes of 0x44.  XTS ciphers each 16-byte block with
 * its own tweak, so these are the first 32 bytes of a whole 512-byte unit.
 */
static void test_ieee_vector(void)
{
    uint8_t key[32], buf[512];
    uint64_t sector = UINT64_C(0x3333333333);
    size_t len;
    uint8_t *want = unhex("c454185e6a16936e39334038acef838b"
                          "fb186fff7480adc4289382ecd6d394f0", &len);
    struct rbd_xts *x;

    memset(key, 0x11, 16);
    memset(key + 16, 0x22, 16);
    memset(buf, 0x44, sizeof(buf));
    x = rbd_xts_new(key, sizeof(key), 512);
    g_assert_nonnull(x);
    g_assert_cmpint(rbd_xts_run(x, true, sector * 512, buf, sizeof(buf)), ==,
                    0);
    g_assert_cmpmem(buf, len, want, len);
    g_assert_cmpint(rbd_xts_run(x, false, sector * 512, buf, sizeof(buf)), ==,
                    0);
    for (size_t i = 0; i < sizeof(buf); i++) {
        g_assert_cmpuint(buf[i], ==, 0x44);
    }
    rbd_xts_free(x);
    g_free(want);
}

/*
 * A 4096-byte unit's IV is its offset / 512 (dm-crypt without
 * iv_large_sectors, as librbd): the same as the first of eight 512-byte
 * units at that offset.  The unit after it starts 8 sectors on.
 */
static void test_large_units(void)
{
    static uint8_t key[64], a[8192], b[8192];
    struct rbd_xts *small, *large;

    for (size_t i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t)(i * 7 + 1);
    }
    for (size_t i = 0; i < sizeof(a); i++) {
        a[i] = b[i] = (uint8_t)(i * 13);
    }
    small = rbd_xts_new(key, sizeof(key), 512);
    large = rbd_xts_new(key, sizeof(key), 4096);
    g_assert_nonnull(small);
    g_assert_nonnull(large);
    g_assert_cmpint(rbd_xts_run(small, true, 8192, a, 512), ==, 0);
    g_assert_cmpint(rbd_xts_run(small, true, 8192 + 4096, a + 4096, 512), ==,
                    0);
    g_assert_cmpint(rbd_xts_run(large, true, 8192, b, sizeof(b)), ==, 0);
    g_assert_cmpmem(a, 512, b, 512);
    g_assert_cmpmem(a + 4096, 512, b + 4096, 512);
    /* Inside a unit the tweak runs on: no new IV every 512 bytes. */
    g_assert_cmpint(rbd_xts_run(small, true, 8192 + 512, a + 512, 512), ==,
                    0);
    g_assert_true(memcmp(a + 512, b + 512, 512) != 0);
    rbd_xts_free(small);
    rbd_xts_free(large);
}

/* The same data at another offset is other ciphertext. */
static void test_offset_matters(void)
{
    static uint8_t key[64], a[4096], b[4096];
    struct rbd_xts *x;

    memset(key, 0x5a, 32);
    memset(key + 32, 0xa5, 32);
    x = rbd_xts_new(key, sizeof(key), 4096);
    g_assert_cmpint(rbd_xts_run(x, true, 0, a, sizeof(a)), ==, 0);
    g_assert_cmpint(rbd_xts_run(x, true, 4096, b, sizeof(b)), ==, 0);
    g_assert_true(memcmp(a, b, sizeof(a)) != 0);
    g_assert_cmpint(rbd_xts_run(x, false, 4096, b, sizeof(b)), ==, 0);
    for (size_t i = 0; i < sizeof(b); i++) {
        g_assert_cmpuint(b[i], ==, 0);
    }
    rbd_xts_free(x);
}

/*
 * RADOS gives zeroes where nothing was written: those units stay zeroes,
 * the units next to them are deciphered.
 */
static void test_holes_read_zero(void)
{
    static uint8_t key[32], buf[3 * 512], plain[512];
    struct rbd_xts *x;

    memset(key, 1, 16);
    memset(key + 16, 2, 16);
    memset(plain, 0x77, sizeof(plain));
    x = rbd_xts_new(key, sizeof(key), 512);
    memcpy(buf, plain, 512);
    memcpy(buf + 1024, plain, 512);
    g_assert_cmpint(rbd_xts_run(x, true, 0, buf, 512), ==, 0);
    g_assert_cmpint(rbd_xts_run(x, true, 1024, buf + 1024, 512), ==, 0);
    g_assert_cmpint(rbd_xts_run(x, false, 0, buf, sizeof(buf)), ==, 0);
    g_assert_cmpmem(buf, 512, plain, 512);
    for (size_t i = 512; i < 1024; i++) {
        g_assert_cmpuint(buf[i], ==, 0);
    }
    g_assert_cmpmem(buf + 1024, 512, plain, 512);
    rbd_xts_free(x);
}

static void test_refused(void)
{
    static uint8_t key[64], buf[1024];
    struct rbd_xts *x;

    memset(key, 3, 32);
    memset(key + 32, 4, 32);
    g_assert_null(rbd_xts_new(key, 16, 512));
    g_assert_null(rbd_xts_new(key, 48, 512));
    g_assert_null(rbd_xts_new(key, 64, 256));
    g_assert_null(rbd_xts_new(key, 64, 8192));
    g_assert_null(rbd_xts_new(key, 64, 1536));
    x = rbd_xts_new(key, 64, 512);
    g_assert_cmpint(rbd_xts_run(x, true, 100, buf, 512), ==, -EINVAL);
    g_assert_cmpint(rbd_xts_run(x, true, 0, buf, 700), ==, -EINVAL);
    g_assert_cmpint(rbd_xts_run(x, true, 512, buf, 0), ==, 0);
    rbd_xts_free(x);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rbd-xts/ieee-1619-vector", test_ieee_vector);
    g_test_add_func("/rbd-xts/large-units", test_large_units);
    g_test_add_func("/rbd-xts/offset-matters", test_offset_matters);
    g_test_add_func("/rbd-xts/holes-read-zero", test_holes_read_zero);
    g_test_add_func("/rbd-xts/refused", test_refused);
    return g_test_run();
}
