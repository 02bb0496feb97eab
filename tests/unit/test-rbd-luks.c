/*
 * Unit tests of encrypted images' LUKS headers (plugins/rbd/rbd-luks.c),
 * through libcryptsetup as librbd uses it: a header formatted as `rbd
 * encryption format` formats it opens with its passphrase and gives back
 * the key, unit and data offset librbd uses; a wrong passphrase, the
 * other LUKS version and a header that is not LUKS are refused, each
 * with its own error; the probe tells the version from the first bytes.  Each format and open runs the PBKDF at
 * libcryptsetup's defaults, as librbd does (about 2 s).
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "rbd-luks.h"

#define OBJ (UINT64_C(4) << 20)
#define PASS "correct horse"

struct formatted {
    uint8_t *blob;
    size_t len;
    struct rbd_luks_volume vol;
};

static void format(enum rbd_luks_version v, size_t key_len,
                   struct formatted *f)
{
    char msg[256];

    g_assert_cmpint(rbd_luks_format(v, key_len, OBJ, PASS, strlen(PASS),
                                    &f->blob, &f->len, &f->vol, msg,
                                    sizeof(msg)), ==, 0);
    g_assert_cmpuint(f->vol.key_len, ==, key_len);
    g_assert_cmpuint(f->len, <=, f->vol.data_offset);
}

static int load(const struct formatted *f, enum rbd_luks_version v,
                const char *pass, struct rbd_luks_volume *vol, char *msg,
                size_t msg_len)
{
    size_t len = f->len < RBD_LUKS_HEADER_READ ? f->len : RBD_LUKS_HEADER_READ;

    return rbd_luks_load(f->blob, len, 64 * OBJ, v, pass, strlen(pass), vol,
                         msg, msg_len);
}

/* LUKS1: 512-byte units, data at the first object boundary (4 MiB). */
static void test_luks1(void)
{
    struct rbd_luks_volume vol;
    struct formatted f;
    char msg[256] = "";

    format(RBD_LUKS1, 32, &f);
    g_assert_cmpuint(f.vol.sector_size, ==, 512);
    g_assert_cmpuint(f.vol.data_offset, ==, OBJ);
    g_assert_cmpint(rbd_luks_probe(f.blob, f.len), ==, RBD_LUKS1);
    g_assert_cmpint(load(&f, RBD_LUKS1, PASS, &vol, msg, sizeof(msg)), ==, 0);
    g_assert_cmpmem(vol.key, vol.key_len, f.vol.key, f.vol.key_len);
    g_assert_cmpuint(vol.sector_size, ==, 512);
    g_assert_cmpuint(vol.data_offset, ==, OBJ);

    g_assert_cmpint(load(&f, RBD_LUKS1, "wrong", &vol, msg, sizeof(msg)), ==,
                    -EPERM);
    g_assert_nonnull(strstr(msg, "passphrase"));
    g_assert_cmpuint(vol.key_len, ==, 0);
    g_assert_cmpint(load(&f, RBD_LUKS2, PASS, &vol, msg, sizeof(msg)), ==,
                    -EINVAL);
    g_assert_nonnull(strstr(msg, "encrypt.format=luks"));
    g_free(f.blob);
}

/*
 * LUKS2 as librbd formats it: 4096-byte units, data after the 16 MiB of
 * metadata and key slots, rounded up to the object size.
 */
static void test_luks2(void)
{
    struct rbd_luks_volume vol;
    struct formatted f;
    char msg[256] = "";

    format(RBD_LUKS2, 64, &f);
    g_assert_cmpuint(f.vol.sector_size, ==, 4096);
    g_assert_cmpuint(f.vol.data_offset, ==, 4 * OBJ);
    g_assert_cmpint(rbd_luks_probe(f.blob, f.len), ==, RBD_LUKS2);
    g_assert_cmpint(load(&f, RBD_LUKS2, PASS, &vol, msg, sizeof(msg)), ==, 0);
    g_assert_cmpmem(vol.key, vol.key_len, f.vol.key, f.vol.key_len);
    g_assert_cmpuint(vol.sector_size, ==, 4096);
    g_assert_cmpuint(vol.data_offset, ==, 4 * OBJ);
    g_assert_cmpint(load(&f, RBD_LUKS1, PASS, &vol, msg, sizeof(msg)), ==,
                    -EINVAL);
    g_assert_nonnull(strstr(msg, "encrypt.format=luks2"));
    g_free(f.blob);
}

static void test_not_luks(void)
{
    static uint8_t zeroes[65536];
    struct rbd_luks_volume vol;
    char msg[256] = "";

    g_assert_cmpint(rbd_luks_load(zeroes, sizeof(zeroes), 64 * OBJ, RBD_LUKS1,
                                  PASS, strlen(PASS), &vol, msg, sizeof(msg)),
                    ==, -EINVAL);
    g_assert_nonnull(strstr(msg, "no LUKS header"));
}

/*
 * The probe of an image opened without a key: LUKS's magic, and librbd's
 * "RBDL" in its place in a layered clone, of either version; nothing else.
 */
static void test_probe(void)
{
    static const uint8_t luks1[] = "LUKS\xba\xbe\x00\x01";
    static const uint8_t rbdl2[] = "RBDL\xba\xbe\x00\x02";
    static const uint8_t luks3[] = "LUKS\xba\xbe\x00\x03";
    static const uint8_t other[] = "LUKS\xba\xbf\x00\x01";
    static const uint8_t zeroes[8];

    g_assert_cmpint(rbd_luks_probe(luks1, 8), ==, RBD_LUKS1);
    g_assert_cmpint(rbd_luks_probe(rbdl2, 8), ==, RBD_LUKS2);
    g_assert_cmpint(rbd_luks_probe(luks3, 8), ==, RBD_LUKS_NONE);
    g_assert_cmpint(rbd_luks_probe(other, 8), ==, RBD_LUKS_NONE);
    g_assert_cmpint(rbd_luks_probe(zeroes, 8), ==, RBD_LUKS_NONE);
    /* An image shorter than the magic has none. */
    g_assert_cmpint(rbd_luks_probe(luks1, 7), ==, RBD_LUKS_NONE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rbd-luks/luks1", test_luks1);
    g_test_add_func("/rbd-luks/luks2", test_luks2);
    g_test_add_func("/rbd-luks/not-luks", test_not_luks);
    g_test_add_func("/rbd-luks/probe", test_probe);
    return g_test_run();
}
