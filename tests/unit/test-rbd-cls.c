/*
 * Unit tests for the RBD class-method encoders and decoders
 * (plugins/rbd/rbd-cls.c) and the feature names.
 *
 * Every reply below was captured from a live Ceph 16.2.15 OSD with
 * ioctx.execute() (python3-rados) on images made by the `rbd` CLI:
 * "img1" (default features, snapshots s1=4 and s3=6, one removed between),
 * "child" (clone of img1@s1), "striped" (--stripe-unit 64K --stripe-count
 * 4), "dp" (--data-pool data2, pool id 2), "tiny" (--object-size 4K),
 * "om" (object-map enabled later, so flagged invalid; snapshots 10, 11,
 * 13, 14), "flat" (clone flattened while a snapshot of it still has the
 * parent), "xchild" (clone v2 of ns1/pimg@base, across namespaces).
 * Every encoder's expected bytes were sent to the same OSD and did what
 * they should (`rbd info` on the result).
 */
#include <glib.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unhex.h"
#include "rbd-cls.h"


/* The encoder holds exactly the bytes of hex; then it is emptied. */
static void assert_enc(struct rbd_enc *e, const char *hex)
{
    size_t len;
    g_autofree uint8_t *want = unhex(hex, &len);

    g_assert_cmpint(rbd_enc_status(e), ==, 0);
    g_assert_cmpmem(e->data, e->len, want, len);
    rbd_enc_free(e);
}

/* ---- live replies (Ceph 16.2.15) ---- */

#define ID_IMG1         "0c000000 313031336538663633343631"
#define ID_STRIPED      "0b000000 3130323133363633323532"
#define SIZE_IMG1       "16 0000004000000000"
#define SIZE_TINY       "0c 0000900303000000"
#define SIZE_STRIPED    "16 0000400600000000"
#define PREFIX_IMG1     "15000000 7262645f646174612e313031336538663633343631"
#define PREFIX_DP       "17000000 7262645f646174612e312e313032333431323138336439"
#define FEAT_IMG1_RW    "3d00000000000000 3d00000000000000"
#define FEAT_IMG1_RO    "3d00000000000000 0100000000000000"
#define FEAT_STRIPED_RO "3f00000000000000 0300000000000000"
#define FEAT_DP_RO      "bd00000000000000 8100000000000000"
#define FEAT_XCHILD_RW  "0101000000000000 0101000000000000"
#define SNAPC_IMG1      "0600000000000000 02000000 0600000000000000" \
                        " 0400000000000000"
#define SNAPC_NONE      "0000000000000000 00000000"
#define SNAPC_OM        "0e00000000000000 04000000 0e00000000000000" \
                        " 0d00000000000000 0b00000000000000 0a00000000000000"
#define FLAGS_OM        "0300000000000000"
#define FLAGS_IMG1      "0000000000000000"
#define STRIPE_STRIPED  "0000010000000000 0400000000000000"
#define POOL_NONE       "ffffffffffffffff"
#define POOL_DP         "0200000000000000"
#define PARENT_NONE     "0101 18000000 ffffffffffffffff 00000000 00000000" \
                        " feffffffffffffff"
#define PARENT_CHILD    "0101 24000000 0100000000000000 00000000" \
                        " 0c000000 313031336538663633343631 0400000000000000"
#define PARENT_XCHILD   "0101 27000000 0100000000000000 03000000 6e7331" \
                        " 0c000000 313032393935396138336464 0800000000000000"
#define OVERLAP_CHILD   "01 0000004000000000"
#define OVERLAP_NONE    "00"
#define SNAPNAME_S3     "02000000 7333"
#define SNAPNAME_BASE   "04000000 62617365"

/* ---- feature names ---- */

static void test_feature_names(void)
{
    /* The names of `rbd`'s FEATURE_MAPPING, by bit. */
    static const char *const want[] = {
        "layering", "striping", "exclusive-lock", "object-map", "fast-diff",
        "deep-flatten", "journaling", "data-pool", "operations", "migrating",
        "non-primary", "dirty-cache",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(want); i++) {
        g_assert_cmpstr(rbd_feature_name(1ull << i), ==, want[i]);
    }
    g_assert_cmpstr(rbd_feature_name(RBD_FEATURE_DEEP_FLATTEN), ==,
                    "deep-flatten");
    g_assert_null(rbd_feature_name(0));
    g_assert_null(rbd_feature_name(3));
    g_assert_null(rbd_feature_name(1ull << 12));
    g_assert_null(rbd_feature_name(1ull << 63));
    g_assert_cmphex(RBD_FEATURES_KNOWN, ==, 0xfff);
}

/* Parses s into exactly want. */
static void assert_parse(const char *s, uint64_t want)
{
    uint64_t f = 0xdead;

    g_assert_cmpint(rbd_features_parse(s, &f), ==, 0);
    g_assert_cmphex(f, ==, want);
}

/* Refuses s, leaving the result alone. */
static void assert_parse_fails(const char *s)
{
    uint64_t f = 0xdead;

    g_assert_cmpint(rbd_features_parse(s, &f), ==, -EINVAL);
    g_assert_cmphex(f, ==, 0xdead);
}

static void test_features_parse(void)
{
    assert_parse("layering", RBD_FEATURE_LAYERING);
    assert_parse("layering,exclusive-lock,object-map,fast-diff,deep-flatten",
                 0x3d);
    assert_parse("layering+striping", 0x3);
    assert_parse(" layering , striping ", 0x3);
    assert_parse("layering, exclusive-lock, object-map, fast-diff, "
                 "deep-flatten, data-pool", 0xbd);
    assert_parse("layering,layering", 0x1);
    assert_parse("journaling+data-pool,operations,migrating,non-primary,"
                 "dirty-cache", 0xfc0);
    assert_parse("61", 0x3d);
    assert_parse("0x3d", 0x3d);
    assert_parse(" 0 ", 0);
    assert_parse("4095", 0xfff);

    assert_parse_fails(NULL);
    assert_parse_fails("");
    assert_parse_fails("   ");
    assert_parse_fails("layering,,striping");
    assert_parse_fails("layering,");
    assert_parse_fails(",layering");
    assert_parse_fails("layering+");
    assert_parse_fails("Layering");
    assert_parse_fails("stripingv2");
    assert_parse_fails("exclusive_lock");
    assert_parse_fails("layering,bogus");
    assert_parse_fails("layering striping");
    assert_parse_fails("4096");             /* an unknown bit */
    assert_parse_fails("-1");
    assert_parse_fails("0x");
    assert_parse_fails("12abc");
    assert_parse_fails("99999999999999999999999");
    assert_parse_fails("0x10000000000000000");
}

static void assert_format(uint64_t mask, const char *want)
{
    char buf[RBD_FEATURES_FORMAT_LEN];

    memset(buf, 'x', sizeof(buf));
    rbd_features_format(mask, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, want);
}

static void test_features_format(void)
{
    /* As `rbd info` printed these images' features. */
    assert_format(0x3d, "layering, exclusive-lock, object-map, fast-diff, "
                  "deep-flatten");
    assert_format(0x3f, "layering, striping, exclusive-lock, object-map, "
                  "fast-diff, deep-flatten");
    assert_format(0xbd, "layering, exclusive-lock, object-map, fast-diff, "
                  "deep-flatten, data-pool");
    assert_format(0x101, "layering, operations");
    assert_format(0, "");
    assert_format(0x1000, "0x1000");
    assert_format(0x1001, "layering, 0x1000");
    assert_format(0xfff, "layering, striping, exclusive-lock, object-map, "
                  "fast-diff, deep-flatten, journaling, data-pool, "
                  "operations, migrating, non-primary, dirty-cache");
    assert_format(UINT64_MAX, "layering, striping, exclusive-lock, "
                  "object-map, fast-diff, deep-flatten, journaling, "
                  "data-pool, operations, migrating, non-primary, "
                  "dirty-cache, 0xfffffffffffff000");
}

static void test_features_format_short(void)
{
    char buf[8];

    memset(buf, 'x', sizeof(buf));
    rbd_features_format(0x3d, buf, 5);
    g_assert_cmpstr(buf, ==, "laye");
    g_assert_cmpint(buf[5], ==, 'x');

    memset(buf, 'x', sizeof(buf));
    rbd_features_format(0x3d, buf, 1);
    g_assert_cmpstr(buf, ==, "");

    memset(buf, 'x', sizeof(buf));
    rbd_features_format(0x3d, buf, 0);
    g_assert_cmpint(buf[0], ==, 'x');
    rbd_features_format(0x3d, NULL, 0);

    memset(buf, 'x', sizeof(buf));
    rbd_features_format(0x1001, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "layerin");
}

/* Every known mask formats to a list that parses back to it. */
static void test_features_round_trip(void)
{
    uint64_t mask;

    for (mask = 1; mask <= RBD_FEATURES_KNOWN; mask++) {
        char buf[RBD_FEATURES_FORMAT_LEN];
        uint64_t f = 0;

        rbd_features_format(mask, buf, sizeof(buf));
        g_assert_cmpint(rbd_features_parse(buf, &f), ==, 0);
        g_assert_cmphex(f, ==, mask);
    }
}

/* ---- encoders (each byte string also accepted by a live OSD) ---- */

static void test_enc_snap_id(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_cls_enc_snap_id(&e, 4);
    assert_enc(&e, "0400000000000000");
    rbd_cls_enc_snap_id(&e, RBD_NOSNAP);
    assert_enc(&e, "feffffffffffffff");
}

static void test_enc_get_features(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_cls_enc_get_features(&e, RBD_NOSNAP, true);
    assert_enc(&e, "feffffffffffffff 01");
    rbd_cls_enc_get_features(&e, RBD_NOSNAP, false);
    assert_enc(&e, "feffffffffffffff 00");
}

static void test_enc_create(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_cls_enc_create(&e, 1ull << 30, 22, 0x3d, "rbd_data.abc123def456", -1);
    assert_enc(&e, "0000004000000000 16 3d00000000000000"
               " 15000000 7262645f646174612e616263313233646566343536"
               " ffffffffffffffff");
    rbd_cls_enc_create(&e, 100ull << 20, 22,
                       RBD_FEATURE_LAYERING | RBD_FEATURE_DATA_POOL,
                       "rbd_data.1.abc123def457", 2);
    assert_enc(&e, "0000400600000000 16 8100000000000000"
               " 17000000 7262645f646174612e312e616263313233646566343537"
               " 0200000000000000");
    rbd_cls_enc_create(&e, 1ull << 30, 22,
                       RBD_FEATURE_LAYERING | RBD_FEATURE_STRIPINGV2,
                       "rbd_data.abc123def458", -1);
    assert_enc(&e, "0000004000000000 16 0300000000000000"
               " 15000000 7262645f646174612e616263313233646566343538"
               " ffffffffffffffff");
}

static void test_enc_dir_add_image(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_cls_enc_dir_add_image(&e, "capimg", "abc123def456");
    assert_enc(&e, "06000000 636170696d67 0c000000 616263313233646566343536");
    rbd_cls_enc_dir_add_image(&e, "capgone", "abc123def459");
    assert_enc(&e, "07000000 63617067 6f6e65 0c000000"
               " 616263313233646566343539");
}

static void test_enc_set_id(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_cls_enc_set_id(&e, "abc123def456");
    assert_enc(&e, "0c000000 616263313233646566343536");
}

static void test_enc_set_size(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_cls_enc_set_size(&e, 2ull << 30);
    assert_enc(&e, "0000008000000000");
}

static void test_enc_set_stripe_unit_count(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_cls_enc_set_stripe_unit_count(&e, 65536, 4);
    assert_enc(&e, "0000010000000000 0400000000000000");
}

/* Encoders append: a compound input is the concatenation. */
static void test_enc_appends(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_enc_u8(&e, 0x99);
    rbd_cls_enc_set_size(&e, 1);
    rbd_cls_enc_set_id(&e, "a");
    assert_enc(&e, "99 0100000000000000 01000000 61");
}

/* ---- decoders on live replies ---- */

static void test_dec_get_id(void)
{
    size_t len;
    g_autofree uint8_t *a = unhex(ID_IMG1, &len);
    g_autofree uint8_t *b = NULL;
    char *id = NULL;

    g_assert_cmpint(rbd_cls_dec_get_id(a, len, &id), ==, 0);
    g_assert_cmpstr(id, ==, "1013e8f63461");
    free(id);
    b = unhex(ID_STRIPED, &len);
    g_assert_cmpint(rbd_cls_dec_get_id(b, len, &id), ==, 0);
    g_assert_cmpstr(id, ==, "10213663252");
    free(id);
}

static void test_dec_get_size(void)
{
    size_t len;
    uint8_t order = 0;
    uint64_t size = 0;
    g_autofree uint8_t *a = unhex(SIZE_IMG1, &len);
    g_autofree uint8_t *b = NULL;
    g_autofree uint8_t *c = NULL;

    g_assert_cmpint(rbd_cls_dec_get_size(a, len, &order, &size), ==, 0);
    g_assert_cmpuint(order, ==, 22);
    g_assert_cmpuint(size, ==, 1ull << 30);
    b = unhex(SIZE_TINY, &len);
    g_assert_cmpint(rbd_cls_dec_get_size(b, len, &order, &size), ==, 0);
    g_assert_cmpuint(order, ==, 12);
    g_assert_cmpuint(size, ==, 12345ull << 20);
    c = unhex(SIZE_STRIPED, &len);
    g_assert_cmpint(rbd_cls_dec_get_size(c, len, &order, &size), ==, 0);
    g_assert_cmpuint(order, ==, 22);
    g_assert_cmpuint(size, ==, 100ull << 20);
}

static void test_dec_get_object_prefix(void)
{
    size_t len;
    g_autofree uint8_t *a = unhex(PREFIX_IMG1, &len);
    g_autofree uint8_t *b = NULL;
    char *prefix = NULL;

    g_assert_cmpint(rbd_cls_dec_get_object_prefix(a, len, &prefix), ==, 0);
    g_assert_cmpstr(prefix, ==, "rbd_data.1013e8f63461");
    free(prefix);
    /* With a data pool the prefix carries the header's pool id (1). */
    b = unhex(PREFIX_DP, &len);
    g_assert_cmpint(rbd_cls_dec_get_object_prefix(b, len, &prefix), ==, 0);
    g_assert_cmpstr(prefix, ==, "rbd_data.1.1023412183d9");
    free(prefix);
}

static void test_dec_get_features(void)
{
    static const struct {
        const char *hex;
        uint64_t features;
        uint64_t incompatible;
    } cases[] = {
        { FEAT_IMG1_RW, 0x3d, 0x3d },
        { FEAT_IMG1_RO, 0x3d, 0x01 },
        { FEAT_STRIPED_RO, 0x3f, 0x03 },
        { FEAT_DP_RO, 0xbd, 0x81 },
        { FEAT_XCHILD_RW, 0x101, 0x101 },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        size_t len;
        g_autofree uint8_t *buf = unhex(cases[i].hex, &len);
        uint64_t f = 0;
        uint64_t inc = 0;

        g_assert_cmpint(rbd_cls_dec_get_features(buf, len, &f, &inc), ==, 0);
        g_assert_cmphex(f, ==, cases[i].features);
        g_assert_cmphex(inc, ==, cases[i].incompatible);
    }
}

static void test_dec_get_flags(void)
{
    size_t len;
    g_autofree uint8_t *a = unhex(FLAGS_OM, &len);
    g_autofree uint8_t *b = NULL;
    uint64_t flags = 99;

    g_assert_cmpint(rbd_cls_dec_get_flags(a, len, &flags), ==, 0);
    g_assert_cmphex(flags, ==, 3);      /* object map + fast diff invalid */
    b = unhex(FLAGS_IMG1, &len);
    g_assert_cmpint(rbd_cls_dec_get_flags(b, len, &flags), ==, 0);
    g_assert_cmphex(flags, ==, 0);
}

/*
 * snapshot_get, live (Ceph 16.2.15): image "par" with snapshots "base"
 * (id 4, one clone v2 child) and "lone" (id 5); then base again after
 * `rbd snap rm` moved it to the trash namespace for its child (its old
 * name "base" in the namespace, a uuid as its name).
 */
#define SNAPGET_BASE  "0101 2e000000 0400000000000000 0101 04000000 00000000" \
                      " 04000000 62617365 0000000100000000 5392086b ddb1c218" \
                      " 01000000"
#define SNAPGET_LONE  "0101 2e000000 0500000000000000 0101 04000000 00000000" \
                      " 04000000 6c6f6e65 0000000100000000 5392086b 7504ca1e" \
                      " 00000000"
#define SNAPGET_TRASH "0101 5a000000 0400000000000000 0101 10000000 02000000" \
                      " 04000000 62617365 00000000 24000000" \
                      " 33323439633630652d326238352d343030622d616236372d" \
                      "626462333032643864326562 0000000100000000 5392086b" \
                      " ddb1c218 01000000"

static void test_dec_snapshot_get(void)
{
    static const struct {
        const char *hex;
        uint64_t id;
        uint32_t ns_type;
        uint32_t child_count;
    } cases[] = {
        { SNAPGET_BASE, 4, RBD_SNAP_NS_USER, 1 },
        { SNAPGET_LONE, 5, RBD_SNAP_NS_USER, 0 },
        { SNAPGET_TRASH, 4, RBD_SNAP_NS_TRASH, 1 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        size_t len;
        g_autofree uint8_t *buf = unhex(cases[i].hex, &len);
        struct rbd_snap_info info = { 0 };

        g_assert_cmpint(rbd_cls_dec_snapshot_get(buf, len, &info), ==, 0);
        g_assert_cmpuint(info.id, ==, cases[i].id);
        g_assert_cmpuint(info.ns_type, ==, cases[i].ns_type);
        g_assert_cmpuint(info.size, ==, 16 << 20);
        g_assert_cmpuint(info.child_count, ==, cases[i].child_count);
    }
}

/* Cut short anywhere, or a name longer than the reply: refused, untouched. */
static void test_nonsense_snapshot_get(void)
{
    size_t len;
    g_autofree uint8_t *buf = unhex(SNAPGET_TRASH, &len);
    struct rbd_snap_info info = { .id = 7 };

    for (size_t cut = 0; cut < len; cut++) {
        g_assert_cmpint(rbd_cls_dec_snapshot_get(buf, cut, &info), ==,
                        -EBADMSG);
    }
    /* The uuid name's le32 length: after it 36 bytes, size, time, count. */
    buf[len - 4 - 8 - 8 - 36 - 4] = 0x25;
    g_assert_cmpint(rbd_cls_dec_snapshot_get(buf, len, &info), ==, -EBADMSG);
    buf[len - 4 - 8 - 8 - 36 - 1] = 0x7f;
    g_assert_cmpint(rbd_cls_dec_snapshot_get(buf, len, &info), ==, -EBADMSG);
    g_assert_cmpuint(info.id, ==, 7);
}

static void test_dec_get_stripe_unit_count(void)
{
    size_t len;
    g_autofree uint8_t *buf = unhex(STRIPE_STRIPED, &len);
    uint64_t unit = 0;
    uint64_t count = 0;

    g_assert_cmpint(rbd_cls_dec_get_stripe_unit_count(buf, len, &unit,
                                                      &count), ==, 0);
    g_assert_cmpuint(unit, ==, 65536);
    g_assert_cmpuint(count, ==, 4);
}

static void test_dec_get_data_pool(void)
{
    size_t len;
    g_autofree uint8_t *a = unhex(POOL_NONE, &len);
    g_autofree uint8_t *b = NULL;
    int64_t pool = 7;

    g_assert_cmpint(rbd_cls_dec_get_data_pool(a, len, &pool), ==, 0);
    g_assert_cmpint(pool, ==, -1);
    b = unhex(POOL_DP, &len);
    g_assert_cmpint(rbd_cls_dec_get_data_pool(b, len, &pool), ==, 0);
    g_assert_cmpint(pool, ==, 2);
}

static void test_dec_get_snapcontext(void)
{
    size_t len;
    g_autofree uint8_t *a = unhex(SNAPC_IMG1, &len);
    g_autofree uint8_t *b = NULL;
    g_autofree uint8_t *c = NULL;
    struct rbd_snapc snapc;

    g_assert_cmpint(rbd_cls_dec_get_snapcontext(a, len, &snapc), ==, 0);
    g_assert_cmpuint(snapc.seq, ==, 6);
    g_assert_cmpuint(snapc.n, ==, 2);
    g_assert_cmpuint(snapc.snaps[0], ==, 6);
    g_assert_cmpuint(snapc.snaps[1], ==, 4);
    rbd_snapc_free(&snapc);
    g_assert_null(snapc.snaps);
    g_assert_cmpuint(snapc.n, ==, 0);
    rbd_snapc_free(&snapc);

    b = unhex(SNAPC_NONE, &len);
    g_assert_cmpint(rbd_cls_dec_get_snapcontext(b, len, &snapc), ==, 0);
    g_assert_cmpuint(snapc.seq, ==, 0);
    g_assert_cmpuint(snapc.n, ==, 0);
    g_assert_null(snapc.snaps);
    rbd_snapc_free(&snapc);

    c = unhex(SNAPC_OM, &len);
    g_assert_cmpint(rbd_cls_dec_get_snapcontext(c, len, &snapc), ==, 0);
    g_assert_cmpuint(snapc.seq, ==, 14);
    g_assert_cmpuint(snapc.n, ==, 4);
    g_assert_cmpuint(snapc.snaps[0], ==, 14);
    g_assert_cmpuint(snapc.snaps[1], ==, 13);
    g_assert_cmpuint(snapc.snaps[2], ==, 11);
    g_assert_cmpuint(snapc.snaps[3], ==, 10);
    rbd_snapc_free(&snapc);
}

static void test_dec_parent_get(void)
{
    size_t len;
    g_autofree uint8_t *a = unhex(PARENT_NONE, &len);
    g_autofree uint8_t *b = NULL;
    g_autofree uint8_t *c = NULL;
    struct rbd_parent parent;

    g_assert_cmpint(rbd_cls_dec_parent_get(a, len, &parent), ==, 0);
    g_assert_cmpint(parent.pool_id, ==, -1);
    g_assert_cmpstr(parent.pool_namespace, ==, "");
    g_assert_cmpstr(parent.image_id, ==, "");
    g_assert_cmphex(parent.snap_id, ==, RBD_NOSNAP);
    rbd_parent_free(&parent);
    g_assert_null(parent.image_id);
    g_assert_cmpint(parent.pool_id, ==, -1);
    rbd_parent_free(&parent);

    b = unhex(PARENT_CHILD, &len);
    g_assert_cmpint(rbd_cls_dec_parent_get(b, len, &parent), ==, 0);
    g_assert_cmpint(parent.pool_id, ==, 1);
    g_assert_cmpstr(parent.pool_namespace, ==, "");
    g_assert_cmpstr(parent.image_id, ==, "1013e8f63461");
    g_assert_cmpuint(parent.snap_id, ==, 4);
    rbd_parent_free(&parent);

    c = unhex(PARENT_XCHILD, &len);
    g_assert_cmpint(rbd_cls_dec_parent_get(c, len, &parent), ==, 0);
    g_assert_cmpint(parent.pool_id, ==, 1);
    g_assert_cmpstr(parent.pool_namespace, ==, "ns1");
    g_assert_cmpstr(parent.image_id, ==, "1029959a83dd");
    g_assert_cmpuint(parent.snap_id, ==, 8);
    rbd_parent_free(&parent);
}

static void test_dec_parent_overlap_get(void)
{
    size_t len;
    g_autofree uint8_t *a = unhex(OVERLAP_CHILD, &len);
    g_autofree uint8_t *b = NULL;
    bool has = false;
    uint64_t overlap = 5;

    g_assert_cmpint(rbd_cls_dec_parent_overlap_get(a, len, &has, &overlap),
                    ==, 0);
    g_assert_true(has);
    g_assert_cmpuint(overlap, ==, 1ull << 30);
    /* No parent, or (image "flat") flattened with the parent kept. */
    b = unhex(OVERLAP_NONE, &len);
    g_assert_cmpint(rbd_cls_dec_parent_overlap_get(b, len, &has, &overlap),
                    ==, 0);
    g_assert_false(has);
    g_assert_cmpuint(overlap, ==, 0);
}

static void test_dec_get_snapshot_name(void)
{
    size_t len;
    g_autofree uint8_t *a = unhex(SNAPNAME_S3, &len);
    g_autofree uint8_t *b = NULL;
    char *name = NULL;

    g_assert_cmpint(rbd_cls_dec_get_snapshot_name(a, len, &name), ==, 0);
    g_assert_cmpstr(name, ==, "s3");
    free(name);
    b = unhex(SNAPNAME_BASE, &len);
    g_assert_cmpint(rbd_cls_dec_get_snapshot_name(b, len, &name), ==, 0);
    g_assert_cmpstr(name, ==, "base");
    free(name);
}

/* ---- every decoder on every live reply, truncated and extended ---- */

/* Runs one decoder, freeing what it returned; its return value. */
typedef int dec_fn(const void *buf, size_t len);

static int run_get_id(const void *buf, size_t len)
{
    char *s = NULL;
    int r = rbd_cls_dec_get_id(buf, len, &s);

    g_assert_true((r == 0) == (s != NULL));
    free(s);
    return r;
}

static int run_get_size(const void *buf, size_t len)
{
    uint8_t order;
    uint64_t size;

    return rbd_cls_dec_get_size(buf, len, &order, &size);
}

static int run_get_object_prefix(const void *buf, size_t len)
{
    char *s = NULL;
    int r = rbd_cls_dec_get_object_prefix(buf, len, &s);

    g_assert_true((r == 0) == (s != NULL));
    free(s);
    return r;
}

static int run_get_features(const void *buf, size_t len)
{
    uint64_t f;
    uint64_t inc;

    return rbd_cls_dec_get_features(buf, len, &f, &inc);
}

static int run_get_flags(const void *buf, size_t len)
{
    uint64_t flags;

    return rbd_cls_dec_get_flags(buf, len, &flags);
}

static int run_get_stripe_unit_count(const void *buf, size_t len)
{
    uint64_t unit;
    uint64_t count;

    return rbd_cls_dec_get_stripe_unit_count(buf, len, &unit, &count);
}

static int run_get_data_pool(const void *buf, size_t len)
{
    int64_t pool;

    return rbd_cls_dec_get_data_pool(buf, len, &pool);
}

static int run_get_snapcontext(const void *buf, size_t len)
{
    struct rbd_snapc snapc = { .seq = 0 };
    int r = rbd_cls_dec_get_snapcontext(buf, len, &snapc);

    if (r == 0) {
        rbd_snapc_free(&snapc);
    }
    return r;
}

static int run_parent_get(const void *buf, size_t len)
{
    struct rbd_parent parent = { .pool_id = -1 };
    int r = rbd_cls_dec_parent_get(buf, len, &parent);

    if (r == 0) {
        rbd_parent_free(&parent);
    } else {
        g_assert_null(parent.image_id);
        g_assert_null(parent.pool_namespace);
    }
    return r;
}

static int run_parent_overlap_get(const void *buf, size_t len)
{
    bool has;
    uint64_t overlap;

    return rbd_cls_dec_parent_overlap_get(buf, len, &has, &overlap);
}

static int run_get_snapshot_name(const void *buf, size_t len)
{
    char *s = NULL;
    int r = rbd_cls_dec_get_snapshot_name(buf, len, &s);

    g_assert_true((r == 0) == (s != NULL));
    free(s);
    return r;
}

static const struct {
    const char *what;
    const char *hex;
    dec_fn *run;
} live_replies[] = {
    { "get_id img1", ID_IMG1, run_get_id },
    { "get_id striped", ID_STRIPED, run_get_id },
    { "get_size img1", SIZE_IMG1, run_get_size },
    { "get_size tiny", SIZE_TINY, run_get_size },
    { "get_object_prefix img1", PREFIX_IMG1, run_get_object_prefix },
    { "get_object_prefix dp", PREFIX_DP, run_get_object_prefix },
    { "get_features img1 rw", FEAT_IMG1_RW, run_get_features },
    { "get_features dp ro", FEAT_DP_RO, run_get_features },
    { "get_flags om", FLAGS_OM, run_get_flags },
    { "get_stripe_unit_count striped", STRIPE_STRIPED,
      run_get_stripe_unit_count },
    { "get_data_pool img1", POOL_NONE, run_get_data_pool },
    { "get_data_pool dp", POOL_DP, run_get_data_pool },
    { "get_snapcontext img1", SNAPC_IMG1, run_get_snapcontext },
    { "get_snapcontext none", SNAPC_NONE, run_get_snapcontext },
    { "get_snapcontext om", SNAPC_OM, run_get_snapcontext },
    { "parent_get none", PARENT_NONE, run_parent_get },
    { "parent_get child", PARENT_CHILD, run_parent_get },
    { "parent_get xchild", PARENT_XCHILD, run_parent_get },
    { "parent_overlap_get child", OVERLAP_CHILD, run_parent_overlap_get },
    { "parent_overlap_get none", OVERLAP_NONE, run_parent_overlap_get },
    { "get_snapshot_name s3", SNAPNAME_S3, run_get_snapshot_name },
    { "get_snapshot_name base", SNAPNAME_BASE, run_get_snapshot_name },
};

/*
 * Every proper prefix of every live reply is -EBADMSG; each is decoded
 * from an exact-size heap copy so that a read past it is caught (by
 * valgrind or AddressSanitizer).
 */
static void test_live_prefixes(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(live_replies); i++) {
        size_t len;
        size_t n;
        g_autofree uint8_t *full = unhex(live_replies[i].hex, &len);

        g_test_message("%s", live_replies[i].what);
        {
            g_autofree uint8_t *exact = g_memdup2(full, len);

            g_assert_cmpint(live_replies[i].run(exact, len), ==, 0);
        }
        for (n = 0; n < len; n++) {
            g_autofree uint8_t *cut = g_memdup2(full, n);

            g_assert_cmpint(live_replies[i].run(cut, n), ==, -EBADMSG);
        }
    }
}

/* Bytes after the known fields are ignored (a newer OSD may add some). */
static void test_live_trailing_bytes(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(live_replies); i++) {
        size_t len;
        g_autofree uint8_t *full = unhex(live_replies[i].hex, &len);
        g_autofree uint8_t *more = g_malloc(len + 3);

        memcpy(more, full, len);
        memcpy(more + len, "\x01\x02\x03", 3);
        g_assert_cmpint(live_replies[i].run(more, len + 3), ==, 0);
    }
}

/* ---- nonsense ---- */

/* The decoder refuses hex with -EBADMSG. */
static void assert_refused(dec_fn *run, const char *hex)
{
    size_t len;
    g_autofree uint8_t *buf = unhex(hex, &len);
    g_autofree uint8_t *exact = g_memdup2(buf, len);

    g_test_message("refuses %s", hex);
    g_assert_cmpint(run(exact, len), ==, -EBADMSG);
}

static void assert_accepted(dec_fn *run, const char *hex)
{
    size_t len;
    g_autofree uint8_t *buf = unhex(hex, &len);
    g_autofree uint8_t *exact = g_memdup2(buf, len);

    g_test_message("accepts %s", hex);
    g_assert_cmpint(run(exact, len), ==, 0);
}

static void test_nonsense_strings(void)
{
    /* Length past the end, huge, NUL inside, empty, too long. */
    assert_refused(run_get_id, "0d000000 313031336538663633343631");
    assert_refused(run_get_id, "ffffffff 313031336538663633343631");
    assert_refused(run_get_id, "04000000 31300031");
    assert_refused(run_get_id, "00000000");
    assert_refused(run_get_id,
                   "41000000 "
                   "31313131313131313131313131313131"
                   "31313131313131313131313131313131"
                   "31313131313131313131313131313131"
                   "31313131313131313131313131313131 31");
    assert_accepted(run_get_id,
                    "40000000 "
                    "31313131313131313131313131313131"
                    "31313131313131313131313131313131"
                    "31313131313131313131313131313131"
                    "31313131313131313131313131313131");
    assert_refused(run_get_object_prefix, "00000000");
    assert_refused(run_get_object_prefix, "ffffff7f 72");
    assert_refused(run_get_snapshot_name, "00000000");
    assert_refused(run_get_snapshot_name, "02000000 7300");
    assert_refused(run_get_snapshot_name, "01100000 73");
}

static void test_nonsense_strings_too_long(void)
{
    /* Longer than the maxima, with all the bytes present. */
    struct {
        dec_fn *run;
        size_t max;
    } cases[] = {
        { run_get_object_prefix, RBD_OBJ_PREFIX_MAX },
        { run_get_snapshot_name, RBD_NAME_MAX },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        size_t n = cases[i].max;
        g_autofree uint8_t *buf = g_malloc(4 + n + 1);

        memset(buf + 4, 'a', n + 1);
        buf[0] = (uint8_t)n;
        buf[1] = (uint8_t)(n >> 8);
        buf[2] = 0;
        buf[3] = 0;
        g_assert_cmpint(cases[i].run(buf, 4 + n), ==, 0);
        buf[0] = (uint8_t)(n + 1);
        buf[1] = (uint8_t)((n + 1) >> 8);
        g_assert_cmpint(cases[i].run(buf, 4 + n + 1), ==, -EBADMSG);
    }
}

static void test_nonsense_order(void)
{
    assert_refused(run_get_size, "0b 0000004000000000");
    assert_refused(run_get_size, "1a 0000004000000000");
    assert_refused(run_get_size, "ff 0000004000000000");
    assert_refused(run_get_size, "00 0000004000000000");
    assert_accepted(run_get_size, "0c 0000000000000000");
    assert_accepted(run_get_size, "19 ffffffffffffff7f");
}

/* A size QEMU's int64_t offsets cannot hold is an overflow, not a disk. */
static void test_nonsense_size(void)
{
    static const char *const too_big[] = {
        "16 0000000000000080",      /* INT64_MAX + 1 */
        "16 ffffffffffffffff",
        "0c 0100000000000080",
    };
    uint8_t order = 7;
    uint64_t size = 7;

    for (size_t i = 0; i < G_N_ELEMENTS(too_big); i++) {
        size_t len;
        g_autofree uint8_t *buf = unhex(too_big[i], &len);

        g_test_message("refuses %s", too_big[i]);
        g_assert_cmpint(rbd_cls_dec_get_size(buf, len, &order, &size), ==,
                        -EOVERFLOW);
        g_assert_cmpuint(order, ==, 7);
        g_assert_cmpuint(size, ==, 7);
    }
    assert_accepted(run_get_size, "16 ffffffffffffff7f");
}

static void test_nonsense_data_pool(void)
{
    assert_refused(run_get_data_pool, "feffffffffffffff");
    assert_refused(run_get_data_pool, "0000000000000080");
    assert_accepted(run_get_data_pool, "0000000000000000");
    assert_accepted(run_get_data_pool, "ffffffffffffff7f");
}

static void test_nonsense_snapcontext(void)
{
    /* Counts the reply cannot hold, from 1 over to 2^32 - 1. */
    assert_refused(run_get_snapcontext, "0600000000000000 03000000"
                   " 0600000000000000 0400000000000000");
    assert_refused(run_get_snapcontext, "0600000000000000 ffffffff"
                   " 0600000000000000 0400000000000000");
    assert_refused(run_get_snapcontext, "0600000000000000 00000080");
    /* Not what librados would accept as a snap context. */
    assert_refused(run_get_snapcontext, "0500000000000000 02000000"
                   " 0600000000000000 0400000000000000");  /* snap > seq */
    assert_refused(run_get_snapcontext, "0600000000000000 02000000"
                   " 0400000000000000 0600000000000000");  /* increasing */
    assert_refused(run_get_snapcontext, "0600000000000000 02000000"
                   " 0400000000000000 0400000000000000");  /* repeated */
    assert_refused(run_get_snapcontext, "feffffffffffffff 00000000");
    assert_accepted(run_get_snapcontext, "fdffffffffffffff 00000000");
    assert_accepted(run_get_snapcontext, "0600000000000000 01000000"
                    " 0600000000000000");
}

/* n = RBD_SNAPC_MAX fits; one more is refused even with all its bytes. */
static void test_nonsense_snapcontext_max(void)
{
    uint32_t n;

    for (n = RBD_SNAPC_MAX; n <= RBD_SNAPC_MAX + 1; n++) {
        size_t len = 12 + 8 * (size_t)n;
        g_autofree uint8_t *buf = g_malloc0(len);
        struct rbd_snapc snapc;
        uint32_t i;
        int r;

        /* seq = n, snaps n, n-1, ..., 1 */
        buf[0] = (uint8_t)n;
        buf[1] = (uint8_t)(n >> 8);
        buf[2] = (uint8_t)(n >> 16);
        buf[8] = (uint8_t)n;
        buf[9] = (uint8_t)(n >> 8);
        buf[10] = (uint8_t)(n >> 16);
        for (i = 0; i < n; i++) {
            uint32_t v = n - i;
            uint8_t *p = buf + 12 + 8 * (size_t)i;

            p[0] = (uint8_t)v;
            p[1] = (uint8_t)(v >> 8);
            p[2] = (uint8_t)(v >> 16);
        }
        r = rbd_cls_dec_get_snapcontext(buf, len, &snapc);
        if (n == RBD_SNAPC_MAX) {
            g_assert_cmpint(r, ==, 0);
            g_assert_cmpuint(snapc.n, ==, n);
            g_assert_cmpuint(snapc.snaps[n - 1], ==, 1);
            rbd_snapc_free(&snapc);
        } else {
            g_assert_cmpint(r, ==, -EBADMSG);
        }
    }
}

static void test_nonsense_parent(void)
{
    /* compat 2: an encoding too new to understand */
    assert_refused(run_parent_get, "0202 18000000 ffffffffffffffff 00000000"
                   " 00000000 feffffffffffffff");
    /* payload length past the end, and huge */
    assert_refused(run_parent_get, "0101 19000000 ffffffffffffffff 00000000"
                   " 00000000 feffffffffffffff");
    assert_refused(run_parent_get, "0101 ffffffff ffffffffffffffff 00000000"
                   " 00000000 feffffffffffffff");
    /* payload length too short for the fields, bytes there after it */
    assert_refused(run_parent_get, "0101 17000000 ffffffffffffffff 00000000"
                   " 00000000 feffffffffffffff");
    /* a string length running out of the payload */
    assert_refused(run_parent_get, "0101 18000000 ffffffffffffffff 0d000000"
                   " 00000000 feffffffffffffff");
    /* pool -2 */
    assert_refused(run_parent_get, "0101 18000000 feffffffffffffff 00000000"
                   " 00000000 feffffffffffffff");
    /* a parent pool without an image id, or without a snapshot */
    assert_refused(run_parent_get, "0101 18000000 0100000000000000 00000000"
                   " 00000000 0400000000000000");
    assert_refused(run_parent_get, "0101 24000000 0100000000000000 00000000"
                   " 0c000000 313031336538663633343631 feffffffffffffff");
    /* an image id with a NUL, and one longer than RBD_ID_MAX */
    assert_refused(run_parent_get, "0101 1a000000 0100000000000000 00000000"
                   " 02000000 3100 0400000000000000");
    assert_refused(run_parent_get,
                   "0101 59000000 0100000000000000 00000000 41000000 "
                   "31313131313131313131313131313131"
                   "31313131313131313131313131313131"
                   "31313131313131313131313131313131"
                   "31313131313131313131313131313131 31"
                   " 0400000000000000");
    /* v2 with a field we don't know yet: fine, it is skipped */
    assert_accepted(run_parent_get, "0201 1d000000 0100000000000000 00000000"
                    " 01000000 61 0400000000000000 ddccbbaa");
    assert_accepted(run_parent_get, "0101 1a000000 0200000000000000 00000000"
                    " 02000000 6869 0500000000000000");
}

static void test_nonsense_overlap(void)
{
    assert_refused(run_parent_overlap_get, "02 0000004000000000");
    assert_refused(run_parent_overlap_get, "ff");
    assert_accepted(run_parent_overlap_get, "01 ffffffffffffffff");
}

/* A failed decoder leaves its outputs as they were. */
static void test_outputs_untouched(void)
{
    size_t len;
    g_autofree uint8_t *buf = unhex(SNAPC_IMG1, &len);
    uint8_t order = 77;
    uint64_t size = 77;
    uint64_t a = 77;
    uint64_t b = 77;
    int64_t pool = 77;
    char *s = (char *)"untouched";
    bool has = true;
    struct rbd_snapc snapc = { .seq = 77, .n = 77, .snaps = NULL };
    struct rbd_parent parent = { .pool_id = 77 };

    g_assert_cmpint(rbd_cls_dec_get_size(buf, 8, &order, &size), ==,
                    -EBADMSG);
    g_assert_cmpuint(order, ==, 77);
    g_assert_cmpuint(size, ==, 77);
    g_assert_cmpint(rbd_cls_dec_get_features(buf, 15, &a, &b), ==, -EBADMSG);
    g_assert_cmpuint(a, ==, 77);
    g_assert_cmpuint(b, ==, 77);
    g_assert_cmpint(rbd_cls_dec_get_flags(buf, 7, &a), ==, -EBADMSG);
    g_assert_cmpuint(a, ==, 77);
    g_assert_cmpint(rbd_cls_dec_get_stripe_unit_count(buf, 15, &a, &b), ==,
                    -EBADMSG);
    g_assert_cmpuint(a, ==, 77);
    g_assert_cmpint(rbd_cls_dec_get_data_pool(buf, 7, &pool), ==, -EBADMSG);
    g_assert_cmpint(pool, ==, 77);
    g_assert_cmpint(rbd_cls_dec_get_id(buf, 3, &s), ==, -EBADMSG);
    g_assert_cmpstr(s, ==, "untouched");
    g_assert_cmpint(rbd_cls_dec_get_snapcontext(buf, len - 1, &snapc), ==,
                    -EBADMSG);
    g_assert_cmpuint(snapc.seq, ==, 77);
    g_assert_cmpuint(snapc.n, ==, 77);
    g_assert_cmpint(rbd_cls_dec_parent_get(buf, len, &parent), ==, -EBADMSG);
    g_assert_cmpint(parent.pool_id, ==, 77);
    g_assert_null(parent.image_id);
    g_assert_cmpint(rbd_cls_dec_parent_overlap_get(buf, 0, &has, &a), ==,
                    -EBADMSG);
    g_assert_true(has);
    g_assert_cmpuint(a, ==, 77);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rbd-cls/features/names", test_feature_names);
    g_test_add_func("/rbd-cls/features/parse", test_features_parse);
    g_test_add_func("/rbd-cls/features/format", test_features_format);
    g_test_add_func("/rbd-cls/features/format-short",
                    test_features_format_short);
    g_test_add_func("/rbd-cls/features/round-trip", test_features_round_trip);
    g_test_add_func("/rbd-cls/enc/snap-id", test_enc_snap_id);
    g_test_add_func("/rbd-cls/enc/get-features", test_enc_get_features);
    g_test_add_func("/rbd-cls/enc/create", test_enc_create);
    g_test_add_func("/rbd-cls/enc/dir-add-image", test_enc_dir_add_image);
    g_test_add_func("/rbd-cls/enc/set-id", test_enc_set_id);
    g_test_add_func("/rbd-cls/enc/set-size", test_enc_set_size);
    g_test_add_func("/rbd-cls/enc/set-stripe-unit-count",
                    test_enc_set_stripe_unit_count);
    g_test_add_func("/rbd-cls/enc/appends", test_enc_appends);
    g_test_add_func("/rbd-cls/dec/get-id", test_dec_get_id);
    g_test_add_func("/rbd-cls/dec/get-size", test_dec_get_size);
    g_test_add_func("/rbd-cls/dec/get-object-prefix",
                    test_dec_get_object_prefix);
    g_test_add_func("/rbd-cls/dec/get-features", test_dec_get_features);
    g_test_add_func("/rbd-cls/dec/get-flags", test_dec_get_flags);
    g_test_add_func("/rbd-cls/dec/snapshot-get", test_dec_snapshot_get);
    g_test_add_func("/rbd-cls/dec/nonsense-snapshot-get",
                    test_nonsense_snapshot_get);
    g_test_add_func("/rbd-cls/dec/get-stripe-unit-count",
                    test_dec_get_stripe_unit_count);
    g_test_add_func("/rbd-cls/dec/get-data-pool", test_dec_get_data_pool);
    g_test_add_func("/rbd-cls/dec/get-snapcontext", test_dec_get_snapcontext);
    g_test_add_func("/rbd-cls/dec/parent-get", test_dec_parent_get);
    g_test_add_func("/rbd-cls/dec/parent-overlap-get",
                    test_dec_parent_overlap_get);
    g_test_add_func("/rbd-cls/dec/get-snapshot-name",
                    test_dec_get_snapshot_name);
    g_test_add_func("/rbd-cls/dec/live-prefixes-refused", test_live_prefixes);
    g_test_add_func("/rbd-cls/dec/live-trailing-bytes-ignored",
                    test_live_trailing_bytes);
    g_test_add_func("/rbd-cls/dec/nonsense-strings", test_nonsense_strings);
    g_test_add_func("/rbd-cls/dec/nonsense-strings-too-long",
                    test_nonsense_strings_too_long);
    g_test_add_func("/rbd-cls/dec/nonsense-order", test_nonsense_order);
    g_test_add_func("/rbd-cls/dec/nonsense-size", test_nonsense_size);
    g_test_add_func("/rbd-cls/dec/nonsense-data-pool",
                    test_nonsense_data_pool);
    g_test_add_func("/rbd-cls/dec/nonsense-snapcontext",
                    test_nonsense_snapcontext);
    g_test_add_func("/rbd-cls/dec/nonsense-snapcontext-max",
                    test_nonsense_snapcontext_max);
    g_test_add_func("/rbd-cls/dec/nonsense-parent", test_nonsense_parent);
    g_test_add_func("/rbd-cls/dec/nonsense-overlap", test_nonsense_overlap);
    g_test_add_func("/rbd-cls/dec/outputs-untouched-on-failure",
                    test_outputs_untouched);
    return g_test_run();
}
