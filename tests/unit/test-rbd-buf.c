/*
 * Unit tests for the RBD plugin's Ceph encoding primitives
 * (plugins/rbd/rbd-buf.c): every encoder byte against expected bytes,
 * every decoder on short, long and malformed input, and the nested
 * ENCODE_START/DECODE_START framing on bytes seen from a live Ceph 16
 * cluster (those marked [checked] come from shared/reference/rbd-format2.md;
 * the others were captured for these tests).
 */
#include <glib.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unhex.h"
#include "rbd-buf.h"


/* The encoder holds exactly the bytes of hex. */
static void assert_enc(const struct rbd_enc *e, const char *hex)
{
    size_t len;
    g_autofree uint8_t *want = unhex(hex, &len);

    g_assert_cmpint(rbd_enc_status(e), ==, 0);
    g_assert_cmpmem(e->data, e->len, want, len);
}

static void test_enc_empty(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    g_assert_null(e.data);
    g_assert_cmpuint(e.len, ==, 0);
    g_assert_cmpint(rbd_enc_status(&e), ==, 0);
    rbd_enc_free(&e);
    rbd_enc_free(&e);           /* twice is fine */
    g_assert_null(e.data);
}

static void test_enc_integers(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_enc_u8(&e, 0x00);
    rbd_enc_u8(&e, 0xff);
    rbd_enc_le32(&e, 0x01020304);
    rbd_enc_le32(&e, 0xffffffffu);
    rbd_enc_le64(&e, 0x0102030405060708ull);
    rbd_enc_le64(&e, (uint64_t)-2);     /* CEPH_NOSNAP */
    assert_enc(&e, "00 ff 04030201 ffffffff 0807060504030201"
               " feffffffffffffff");
    rbd_enc_free(&e);
}

static void test_enc_s64(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_enc_s64(&e, -1);
    rbd_enc_s64(&e, 2);
    rbd_enc_s64(&e, INT64_MIN);
    rbd_enc_s64(&e, INT64_MAX);
    assert_enc(&e, "ffffffffffffffff 0200000000000000 0000000000000080"
               " ffffffffffffff7f");
    rbd_enc_free(&e);
}

static void test_enc_string(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    /* [checked] the contents of rbd_id.<name> */
    rbd_enc_string(&e, "101b9046fb05");
    assert_enc(&e, "0c000000 313031623930343666623035");
    rbd_enc_free(&e);

    rbd_enc_string(&e, "");
    rbd_enc_string(&e, NULL);
    rbd_enc_bytes(&e, NULL, 0);
    rbd_enc_bytes(&e, "\0\1", 2);
    assert_enc(&e, "00000000 00000000 0001");
    rbd_enc_free(&e);
}

/* The [checked] notify librbd 16 sent on ACQUIRED_LOCK and HEADER_UPDATE. */
static void test_enc_start_finish(void)
{
    struct rbd_enc e;
    size_t start;

    rbd_enc_init(&e);
    start = rbd_enc_start(&e, 7, 1);
    g_assert_cmpuint(start, ==, 0);
    rbd_enc_le32(&e, 0);                        /* ACQUIRED_LOCK */
    rbd_enc_le64(&e, 0x110b);                   /* gid */
    rbd_enc_le64(&e, 0x7fa890001480ull);        /* handle */
    rbd_enc_finish(&e, start);
    assert_enc(&e, "07 01 14000000 00000000 0b11000000000000"
               " 80140090a87f0000");
    rbd_enc_free(&e);

    start = rbd_enc_start(&e, 7, 1);
    rbd_enc_le32(&e, 3);                        /* HEADER_UPDATE */
    rbd_enc_finish(&e, start);
    assert_enc(&e, "07 01 04000000 03000000");
    rbd_enc_free(&e);
}

/* Nested and empty structs, after other fields: the lengths land right. */
static void test_enc_nested(void)
{
    struct rbd_enc e;
    size_t outer;
    size_t inner;
    size_t empty;

    rbd_enc_init(&e);
    rbd_enc_u8(&e, 0xaa);
    outer = rbd_enc_start(&e, 2, 1);
    rbd_enc_string(&e, "ab");
    inner = rbd_enc_start(&e, 1, 1);
    rbd_enc_le32(&e, 5);
    rbd_enc_finish(&e, inner);
    empty = rbd_enc_start(&e, 3, 3);
    rbd_enc_finish(&e, empty);
    rbd_enc_finish(&e, outer);
    rbd_enc_u8(&e, 0xbb);
    g_assert_cmpuint(outer, ==, 1);
    assert_enc(&e, "aa 02 01 16000000 02000000 6162"
               " 01 01 04000000 05000000 03 03 00000000 bb");
    rbd_enc_free(&e);
}

/* A large buffer grows through many reallocations intact. */
static void test_enc_grows(void)
{
    struct rbd_enc e;
    uint32_t i;

    rbd_enc_init(&e);
    for (i = 0; i < 100000; i++) {
        rbd_enc_le32(&e, i);
    }
    g_assert_cmpint(rbd_enc_status(&e), ==, 0);
    g_assert_cmpuint(e.len, ==, 400000);
    g_assert_cmpuint(e.cap, >=, e.len);
    for (i = 0; i < 100000; i++) {
        const uint8_t *p = e.data + 4 * (size_t)i;

        g_assert_cmpuint(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24,
                         ==, i);
    }
    rbd_enc_free(&e);
}

/* A size that cannot be held latches the failure; later calls do nothing. */
static void test_enc_failure_latches(void)
{
    struct rbd_enc e;
    size_t start;

    rbd_enc_init(&e);
    rbd_enc_u8(&e, 1);
    rbd_enc_bytes(&e, "x", SIZE_MAX);   /* len + n overflows: refused */
    g_assert_true(e.failed);
    g_assert_cmpint(rbd_enc_status(&e), ==, -ENOMEM);
    rbd_enc_le64(&e, 7);
    start = rbd_enc_start(&e, 1, 1);
    rbd_enc_finish(&e, start);
    g_assert_cmpuint(e.len, ==, 1);
    g_assert_cmpint(rbd_enc_status(&e), ==, -ENOMEM);
    rbd_enc_free(&e);
    g_assert_false(e.failed);
    g_assert_cmpint(rbd_enc_status(&e), ==, 0);

    /* A position rbd_enc_start never returned is a failure, not a write. */
    rbd_enc_u8(&e, 1);
    rbd_enc_finish(&e, 0);
    g_assert_cmpint(rbd_enc_status(&e), ==, -ENOMEM);
    rbd_enc_free(&e);
}

static void test_dec_integers(void)
{
    size_t len;
    g_autofree uint8_t *buf = unhex("ff 04030201 0807060504030201"
                                    " feffffffffffffff", &len);
    struct rbd_dec d;

    rbd_dec_init(&d, buf, len);
    g_assert_cmpuint(rbd_dec_u8(&d), ==, 0xff);
    g_assert_cmpuint(rbd_dec_le32(&d), ==, 0x01020304);
    g_assert_cmpuint(rbd_dec_le64(&d), ==, 0x0102030405060708ull);
    g_assert_cmpuint(rbd_dec_le64(&d), ==, (uint64_t)-2);
    g_assert_cmpuint(d.left, ==, 0);
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);
    /* One more byte than there is. */
    g_assert_cmpuint(rbd_dec_u8(&d), ==, 0);
    g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
}

static void test_dec_s64(void)
{
    size_t len;
    g_autofree uint8_t *buf = unhex("ffffffffffffffff 0200000000000000"
                                    " 0000000000000080 ffffffffffffff7f"
                                    " feffffffffffffff", &len);
    struct rbd_dec d;

    rbd_dec_init(&d, buf, len);
    g_assert_cmpint(rbd_dec_s64(&d), ==, -1);
    g_assert_cmpint(rbd_dec_s64(&d), ==, 2);
    g_assert_cmpint(rbd_dec_s64(&d), ==, INT64_MIN);
    g_assert_cmpint(rbd_dec_s64(&d), ==, INT64_MAX);
    g_assert_cmpint(rbd_dec_s64(&d), ==, -2);
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);
}

/* Every read of every width fails cleanly on every shorter input. */
static void test_dec_short(void)
{
    static const uint8_t full[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    size_t n;

    for (n = 0; n < 8; n++) {
        /* An exact-size heap copy, so a read past it is caught. */
        g_autofree uint8_t *buf = g_memdup2(full, n);
        struct rbd_dec d;

        rbd_dec_init(&d, buf, n);
        g_assert_cmpuint(rbd_dec_le64(&d), ==, 0);
        g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
        if (n < 4) {
            rbd_dec_init(&d, buf, n);
            g_assert_cmpuint(rbd_dec_le32(&d), ==, 0);
            g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
        }
        if (n < 1) {
            rbd_dec_init(&d, buf, n);
            g_assert_cmpuint(rbd_dec_u8(&d), ==, 0);
            g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
        }
        rbd_dec_init(&d, buf, n);
        g_assert_null(rbd_dec_bytes(&d, n + 1));
        g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
    }
}

/* After a failure nothing more is read, even what would fit. */
static void test_dec_failure_latches(void)
{
    static const uint8_t buf[6] = { 1, 2, 3, 4, 5, 6 };
    struct rbd_dec d;

    rbd_dec_init(&d, buf, sizeof(buf));
    g_assert_cmpuint(rbd_dec_le64(&d), ==, 0);
    g_assert_cmpuint(rbd_dec_u8(&d), ==, 0);
    g_assert_cmpuint(rbd_dec_le32(&d), ==, 0);
    g_assert_null(rbd_dec_bytes(&d, 0));
    g_assert_null(rbd_dec_string(&d, 100));
    g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
}

static void test_dec_init_null(void)
{
    struct rbd_dec d;

    rbd_dec_init(&d, NULL, 0);
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);
    g_assert_nonnull(rbd_dec_bytes(&d, 0));
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);
    g_assert_cmpuint(rbd_dec_u8(&d), ==, 0);
    g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);

    rbd_dec_init(&d, NULL, 5);
    g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
}

static void test_dec_bytes(void)
{
    static const uint8_t buf[5] = { 1, 2, 3, 4, 5 };
    struct rbd_dec d;
    const uint8_t *p;

    rbd_dec_init(&d, buf, sizeof(buf));
    p = rbd_dec_bytes(&d, 0);
    g_assert_true(p == buf);
    p = rbd_dec_bytes(&d, 2);
    g_assert_true(p == buf);
    p = rbd_dec_bytes(&d, 3);
    g_assert_true(p == buf + 2);
    g_assert_cmpuint(d.left, ==, 0);
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);
    g_assert_null(rbd_dec_bytes(&d, 1));
    g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);

    rbd_dec_init(&d, buf, sizeof(buf));
    g_assert_null(rbd_dec_bytes(&d, SIZE_MAX));
    g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
}

/* Decodes hex as one string with the given maximum; NULL if it fails. */
static char *dec_string_hex(const char *hex, size_t max, int *status,
                            size_t *left)
{
    size_t len;
    g_autofree uint8_t *buf = unhex(hex, &len);
    struct rbd_dec d;
    char *s;

    rbd_dec_init(&d, buf, len);
    s = rbd_dec_string(&d, max);
    *status = rbd_dec_status(&d);
    *left = d.left;
    g_assert_true((s == NULL) == (*status != 0));
    return s;
}

static void test_dec_string(void)
{
    int status;
    size_t left;
    char *s;

    /* [checked] rbd_id.<name> of an image made by `rbd create` */
    s = dec_string_hex("0c000000 313031623930343666623035", 64, &status,
                       &left);
    g_assert_cmpstr(s, ==, "101b9046fb05");
    g_assert_cmpuint(left, ==, 0);
    free(s);

    s = dec_string_hex("00000000 99", 64, &status, &left);
    g_assert_cmpstr(s, ==, "");
    g_assert_cmpuint(left, ==, 1);
    free(s);

    /* Exactly max is fine, one more is not. */
    s = dec_string_hex("03000000 616263", 3, &status, &left);
    g_assert_cmpstr(s, ==, "abc");
    free(s);
    s = dec_string_hex("03000000 616263", 2, &status, &left);
    g_assert_null(s);
    g_assert_cmpint(status, ==, -EBADMSG);

    /* A length past the end, a huge one, a NUL inside, a short length. */
    g_assert_null(dec_string_hex("04000000 616263", 64, &status, &left));
    g_assert_cmpint(status, ==, -EBADMSG);
    g_assert_null(dec_string_hex("ffffffff 616263", SIZE_MAX, &status,
                                 &left));
    g_assert_cmpint(status, ==, -EBADMSG);
    g_assert_null(dec_string_hex("03000000 610063", 64, &status, &left));
    g_assert_cmpint(status, ==, -EBADMSG);
    g_assert_null(dec_string_hex("030000", 64, &status, &left));
    g_assert_cmpint(status, ==, -EBADMSG);
    g_assert_null(dec_string_hex("", 64, &status, &left));
    g_assert_cmpint(status, ==, -EBADMSG);
}

/* Every prefix of a string fails, without reading past it. */
static void test_dec_string_prefixes(void)
{
    size_t len;
    g_autofree uint8_t *full = unhex("0c000000 313031623930343666623035",
                                     &len);
    size_t n;

    for (n = 0; n < len; n++) {
        g_autofree uint8_t *buf = g_memdup2(full, n);
        struct rbd_dec d;

        rbd_dec_init(&d, buf, n);
        g_assert_null(rbd_dec_string(&d, 64));
        g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
    }
}

/*
 * [checked] lock.get_info of an unlocked header: ENCODE_START(1,1){map
 * lockers (0), u8 type, string tag ""}.
 */
static void test_dec_start_lock_info(void)
{
    size_t len;
    g_autofree uint8_t *buf = unhex("01 01 09000000 00000000 00 00000000",
                                    &len);
    struct rbd_dec d;
    struct rbd_dec payload;
    uint8_t v = 0;
    char *tag;

    rbd_dec_init(&d, buf, len);
    rbd_dec_start(&d, 1, &v, &payload);
    g_assert_cmpuint(v, ==, 1);
    g_assert_cmpuint(payload.left, ==, 9);
    g_assert_cmpuint(d.left, ==, 0);
    g_assert_cmpuint(rbd_dec_le32(&payload), ==, 0);
    g_assert_cmpuint(rbd_dec_u8(&payload), ==, 0);
    tag = rbd_dec_string(&payload, 64);
    g_assert_cmpstr(tag, ==, "");
    free(tag);
    rbd_dec_finish(&d, &payload);
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);

    /* Every prefix fails at the framing. */
    for (size_t n = 0; n < len; n++) {
        g_autofree uint8_t *cut = g_memdup2(buf, n);

        rbd_dec_init(&d, cut, n);
        rbd_dec_start(&d, 1, &v, &payload);
        g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
        g_assert_cmpint(rbd_dec_status(&payload), ==, -EBADMSG);
        g_assert_cmpuint(rbd_dec_le32(&payload), ==, 0);
    }
}

/*
 * [checked] rbd.object_map_load of a 16-object image with objects 0 and 2
 * written: a bufferlist holding ENCODE_START(1,1){le64 count}, then the
 * data bits, then the footer length.
 */
static void test_dec_object_map_framing(void)
{
    size_t len;
    g_autofree uint8_t *buf = unhex("0e000000 0101 08000000 1000000000000000"
                                    " 44000000 00000000", &len);
    struct rbd_dec d;
    struct rbd_dec header;
    struct rbd_dec inner;
    uint32_t header_len;
    const uint8_t *p;

    rbd_dec_init(&d, buf, len);
    header_len = rbd_dec_le32(&d);
    p = rbd_dec_bytes(&d, header_len);
    g_assert_nonnull(p);
    rbd_dec_init(&header, p, header_len);
    rbd_dec_start(&header, 1, NULL, &inner);
    g_assert_cmpuint(rbd_dec_le64(&inner), ==, 16);
    rbd_dec_finish(&header, &inner);
    g_assert_cmpint(rbd_dec_status(&header), ==, 0);
    g_assert_cmpuint(header.left, ==, 0);
    g_assert_cmpuint(rbd_dec_le32(&d), ==, 0x44);
    g_assert_cmpuint(rbd_dec_le32(&d), ==, 0);
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);
    g_assert_cmpuint(d.left, ==, 0);
}

/*
 * lock.get_info of a header whose exclusive lock librbd held and released
 * (captured from a live Ceph 16.2.15 OSD): no lockers, type 1, tag
 * "internal".  Then object_map_load of a 16-object image with object 0
 * written: data byte 0x40 (object 0 EXISTS, in the top bits).
 */
static void test_dec_live_lock_info_and_object_map(void)
{
    size_t len;
    g_autofree uint8_t *info = unhex("01 01 11000000 00000000 01"
                                     " 08000000 696e7465726e616c", &len);
    g_autofree uint8_t *map = NULL;
    struct rbd_dec d;
    struct rbd_dec payload;
    struct rbd_dec header;
    char *tag;
    const uint8_t *p;
    uint32_t n;

    rbd_dec_init(&d, info, len);
    rbd_dec_start(&d, 1, NULL, &payload);
    g_assert_cmpuint(rbd_dec_le32(&payload), ==, 0);
    g_assert_cmpuint(rbd_dec_u8(&payload), ==, 1);
    tag = rbd_dec_string(&payload, 64);
    g_assert_cmpstr(tag, ==, "internal");
    free(tag);
    rbd_dec_finish(&d, &payload);
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);
    g_assert_cmpuint(d.left, ==, 0);

    map = unhex("0e000000 0101 08000000 1000000000000000 40000000 00000000",
                &len);
    rbd_dec_init(&d, map, len);
    n = rbd_dec_le32(&d);
    p = rbd_dec_bytes(&d, n);
    rbd_dec_init(&header, p, p ? n : 0);
    rbd_dec_start(&header, 1, NULL, &payload);
    g_assert_cmpuint(rbd_dec_le64(&payload), ==, 16);
    rbd_dec_finish(&header, &payload);
    g_assert_cmpint(rbd_dec_status(&header), ==, 0);
    p = rbd_dec_bytes(&d, 16 / 4);
    g_assert_nonnull(p);
    g_assert_cmphex(p[0], ==, 0x40);
    g_assert_cmpuint(rbd_dec_le32(&d), ==, 0);
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);
}

/* The payload is exactly the declared length; what follows is skipped. */
static void test_dec_start_skips(void)
{
    size_t len;
    /* v2 with a field this reader doesn't know, then a byte after. */
    g_autofree uint8_t *buf = unhex("02 01 05000000 2a000000 ee 7f", &len);
    struct rbd_dec d;
    struct rbd_dec payload;
    uint8_t v = 0;

    rbd_dec_init(&d, buf, len);
    rbd_dec_start(&d, 1, &v, &payload);
    g_assert_cmpuint(v, ==, 2);
    g_assert_cmpuint(rbd_dec_le32(&payload), ==, 42);
    rbd_dec_finish(&d, &payload);
    g_assert_cmpuint(rbd_dec_u8(&d), ==, 0x7f);
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);

    /* Reading past the payload fails, even though d has bytes there. */
    rbd_dec_init(&d, buf, len);
    rbd_dec_start(&d, 1, &v, &payload);
    g_assert_cmpuint(rbd_dec_le64(&payload), ==, 0);
    g_assert_cmpint(rbd_dec_status(&payload), ==, -EBADMSG);
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);
    rbd_dec_finish(&d, &payload);
    g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
}

static void test_dec_start_refuses(void)
{
    struct {
        const char *hex;
        uint8_t max_compat;
    } cases[] = {
        { "02 02 00000000", 1 },            /* compat too new */
        { "01 01 05000000 00000000", 1 },   /* length past the end */
        { "01 01 ffffffff 00", 1 },         /* huge length */
        { "01 01 000000", 1 },              /* short length */
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        size_t len;
        g_autofree uint8_t *buf = unhex(cases[i].hex, &len);
        struct rbd_dec d;
        struct rbd_dec payload;

        rbd_dec_init(&d, buf, len);
        rbd_dec_start(&d, cases[i].max_compat, NULL, &payload);
        g_assert_cmpint(rbd_dec_status(&d), ==, -EBADMSG);
        g_assert_cmpint(rbd_dec_status(&payload), ==, -EBADMSG);
        g_assert_cmpuint(rbd_dec_u8(&payload), ==, 0);
    }

    /* A newer version within our compat is fine. */
    {
        size_t len;
        g_autofree uint8_t *buf = unhex("09 02 00000000", &len);
        struct rbd_dec d;
        struct rbd_dec payload;

        rbd_dec_init(&d, buf, len);
        rbd_dec_start(&d, 2, NULL, &payload);
        rbd_dec_finish(&d, &payload);
        g_assert_cmpint(rbd_dec_status(&d), ==, 0);
    }
}

/* What the encoder writes, the decoder reads back. */
static void test_round_trip(void)
{
    struct rbd_enc e;
    struct rbd_dec d;
    struct rbd_dec payload;
    size_t start;
    char *s;

    rbd_enc_init(&e);
    start = rbd_enc_start(&e, 1, 1);
    rbd_enc_s64(&e, -1);
    rbd_enc_string(&e, "namespace");
    rbd_enc_le64(&e, 0xfffffffffffffffeull);
    rbd_enc_finish(&e, start);
    rbd_enc_u8(&e, 9);
    g_assert_cmpint(rbd_enc_status(&e), ==, 0);

    rbd_dec_init(&d, e.data, e.len);
    rbd_dec_start(&d, 1, NULL, &payload);
    g_assert_cmpint(rbd_dec_s64(&payload), ==, -1);
    s = rbd_dec_string(&payload, 100);
    g_assert_cmpstr(s, ==, "namespace");
    free(s);
    g_assert_cmpuint(rbd_dec_le64(&payload), ==, 0xfffffffffffffffeull);
    g_assert_cmpuint(payload.left, ==, 0);
    rbd_dec_finish(&d, &payload);
    g_assert_cmpuint(rbd_dec_u8(&d), ==, 9);
    g_assert_cmpint(rbd_dec_status(&d), ==, 0);
    rbd_enc_free(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rbd-buf/enc/empty", test_enc_empty);
    g_test_add_func("/rbd-buf/enc/integers", test_enc_integers);
    g_test_add_func("/rbd-buf/enc/s64", test_enc_s64);
    g_test_add_func("/rbd-buf/enc/string", test_enc_string);
    g_test_add_func("/rbd-buf/enc/start-finish-notify", test_enc_start_finish);
    g_test_add_func("/rbd-buf/enc/nested", test_enc_nested);
    g_test_add_func("/rbd-buf/enc/grows", test_enc_grows);
    g_test_add_func("/rbd-buf/enc/failure-latches", test_enc_failure_latches);
    g_test_add_func("/rbd-buf/dec/integers", test_dec_integers);
    g_test_add_func("/rbd-buf/dec/s64", test_dec_s64);
    g_test_add_func("/rbd-buf/dec/short", test_dec_short);
    g_test_add_func("/rbd-buf/dec/failure-latches", test_dec_failure_latches);
    g_test_add_func("/rbd-buf/dec/init-null", test_dec_init_null);
    g_test_add_func("/rbd-buf/dec/bytes", test_dec_bytes);
    g_test_add_func("/rbd-buf/dec/string", test_dec_string);
    g_test_add_func("/rbd-buf/dec/string-prefixes", test_dec_string_prefixes);
    g_test_add_func("/rbd-buf/dec/start-lock-info", test_dec_start_lock_info);
    g_test_add_func("/rbd-buf/dec/object-map-framing",
                    test_dec_object_map_framing);
    g_test_add_func("/rbd-buf/dec/live-lock-info-and-object-map",
                    test_dec_live_lock_info_and_object_map);
    g_test_add_func("/rbd-buf/dec/start-skips", test_dec_start_skips);
    g_test_add_func("/rbd-buf/dec/start-refuses", test_dec_start_refuses);
    g_test_add_func("/rbd-buf/round-trip", test_round_trip);
    return g_test_run();
}
