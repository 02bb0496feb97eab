/*
 * Unit tests of the rbd plugin's striping mapper (plugins/rbd/rbd-layout.c):
 * hand-computed pieces for the default and a "fancy" layout, a byte-by-byte
 * cross-check of the walk against Ceph's formula, object counts as
 * librbd's Striper::get_num_objects gives them, and refused layouts.
 */
#include <errno.h>
#include <glib.h>
#include <stdint.h>

#include "rbd-layout.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static const struct rbd_layout default_4m = {
    .object_size = 4 * MiB, .stripe_unit = 4 * MiB, .stripe_count = 1,
};
static const struct rbd_layout fancy_4m = {
    .object_size = 4 * MiB, .stripe_unit = 64 * KiB, .stripe_count = 4,
};

struct piece {
    uint64_t objno;
    uint64_t obj_off;
    uint64_t len;
    uint64_t req_off;
};

/* Pieces as the walk reports them. */
struct pieces {
    GArray *list;
    guint fail_at;      /* return -EIO from this call (1-based); 0 = never */
};

static int collect(void *opaque, uint64_t objno, uint64_t obj_off,
                   uint64_t len, uint64_t req_off)
{
    struct pieces *p = opaque;
    struct piece pc = { objno, obj_off, len, req_off };

    g_array_append_val(p->list, pc);
    if (p->list->len == p->fail_at) {
        return -EIO;
    }
    return 0;
}

/* Maps [off, off+len) and compares with want[0..n). */
static void assert_pieces(const struct rbd_layout *l, uint64_t off,
                          uint64_t len, const struct piece *want, guint n)
{
    struct pieces p = { .list = g_array_new(FALSE, FALSE,
                                            sizeof(struct piece)) };
    guint i;

    g_assert_cmpint(rbd_layout_map(l, off, len, collect, &p), ==, 0);
    g_assert_cmpuint(p.list->len, ==, n);
    for (i = 0; i < n; i++) {
        const struct piece *got = &g_array_index(p.list, struct piece, i);

        g_assert_cmpuint(got->objno, ==, want[i].objno);
        g_assert_cmpuint(got->obj_off, ==, want[i].obj_off);
        g_assert_cmpuint(got->len, ==, want[i].len);
        g_assert_cmpuint(got->req_off, ==, want[i].req_off);
    }
    g_array_free(p.list, TRUE);
}

/* Ceph's formula for one byte, written out independently of the walk. */
static void formula(const struct rbd_layout *l, uint64_t off,
                    uint64_t *objno, uint64_t *obj_off)
{
    uint64_t su = l->stripe_unit;
    uint64_t sc = l->stripe_count;
    uint64_t per_object = l->object_size / su;
    uint64_t blockno = off / su;
    uint64_t stripeno = blockno / sc;
    uint64_t stripepos = blockno % sc;
    uint64_t objsetno = stripeno / per_object;

    *objno = objsetno * sc + stripepos;
    *obj_off = (stripeno % per_object) * su + off % su;
}

static void test_default_one_object(void)
{
    const struct piece want[] = { { 0, 0, 4 * MiB, 0 } };
    const struct piece want7[] = { { 7, 0, 4 * MiB, 0 } };
    const struct piece inside[] = { { 2, 4096, 512, 0 } };

    assert_pieces(&default_4m, 0, 4 * MiB, want, 1);
    assert_pieces(&default_4m, 28 * MiB, 4 * MiB, want7, 1);
    assert_pieces(&default_4m, 8 * MiB + 4096, 512, inside, 1);
}

static void test_default_crossing(void)
{
    /* 1 KiB across the 4 MiB boundary. */
    const struct piece across[] = {
        { 0, 4 * MiB - 512, 512, 0 },
        { 1, 0, 512, 512 },
    };
    /* Unaligned, over three objects. */
    const struct piece three[] = {
        { 0, 1, 4 * MiB - 1, 0 },
        { 1, 0, 4 * MiB, 4 * MiB - 1 },
        { 2, 0, 2 * MiB + 1, 8 * MiB - 1 },
    };
    /* Far out: objno is off >> 22. */
    const struct piece far[] = {
        { 256000, 4 * MiB - 100, 100, 0 },
        { 256001, 0, 50, 100 },
    };

    assert_pieces(&default_4m, 4 * MiB - 512, 1024, across, 2);
    assert_pieces(&default_4m, 1, 10 * MiB, three, 3);
    assert_pieces(&default_4m, 256001 * 4 * MiB - 100, 150, far, 2);
}

static void test_zero_length(void)
{
    assert_pieces(&default_4m, 0, 0, NULL, 0);
    assert_pieces(&fancy_4m, 12345, 0, NULL, 0);
    assert_pieces(&default_4m, UINT64_MAX, 0, NULL, 0);
}

static void test_fancy_hand_computed(void)
{
    /* 64 KiB units over 4 objects: unit b is in object b % 4. */
    const struct piece unit0[] = { { 0, 0, 64 * KiB, 0 } };
    const struct piece unit1[] = { { 1, 0, 64 * KiB, 0 } };
    /* Unit 4 starts the second stripe: back to object 0, 64 KiB in. */
    const struct piece unit4[] = { { 0, 64 * KiB, 64 * KiB, 0 } };
    /*
     * 100000 bytes at 100000: unit 1 from 34464 on, units 2 and 3.
     * Object 1 at 34464, 31072 bytes; object 2 whole unit; object 3 3392.
     */
    const struct piece span[] = {
        { 1, 34464, 31072, 0 },
        { 2, 0, 65536, 31072 },
        { 3, 0, 3392, 96608 },
    };
    /* The last byte of the first object set, and the first of the next. */
    const struct piece set_edge[] = {
        { 3, 4 * MiB - 1, 1, 0 },
        { 4, 0, 1, 1 },
    };
    /* 10 GiB + 5 units + 7: unit 163845, stripe 40961, set 640. */
    const struct piece far[] = { { 2561, 65536 + 7, 10, 0 } };
    /* Two stripes of object 0 are adjacent in it but not in the image. */
    const struct piece eight_units[] = {
        { 0, 0, 64 * KiB, 0 },
        { 1, 0, 64 * KiB, 64 * KiB },
        { 2, 0, 64 * KiB, 128 * KiB },
        { 3, 0, 64 * KiB, 192 * KiB },
        { 0, 64 * KiB, 64 * KiB, 256 * KiB },
        { 1, 64 * KiB, 64 * KiB, 320 * KiB },
        { 2, 64 * KiB, 64 * KiB, 384 * KiB },
        { 3, 64 * KiB, 64 * KiB, 448 * KiB },
    };

    assert_pieces(&fancy_4m, 0, 64 * KiB, unit0, 1);
    assert_pieces(&fancy_4m, 64 * KiB, 64 * KiB, unit1, 1);
    assert_pieces(&fancy_4m, 256 * KiB, 64 * KiB, unit4, 1);
    assert_pieces(&fancy_4m, 100000, 100000, span, 3);
    assert_pieces(&fancy_4m, 16 * MiB - 1, 2, set_edge, 2);
    assert_pieces(&fancy_4m, 10 * GiB + 5 * 64 * KiB + 7, 10, far, 1);
    assert_pieces(&fancy_4m, 0, 512 * KiB, eight_units, 8);
}

/* A count of 1 maps like the default, whatever the unit: pieces merge. */
static void test_count_one_small_unit(void)
{
    const struct rbd_layout l = {
        .object_size = 4 * MiB, .stripe_unit = 64 * KiB, .stripe_count = 1,
    };
    const struct piece want[] = {
        { 0, 1000, 4 * MiB - 1000, 0 },
        { 1, 0, 1000, 4 * MiB - 1000 },
    };

    assert_pieces(&l, 1000, 4 * MiB, want, 2);
}

/*
 * The walk against the formula, byte by byte: pieces tile the request in
 * order, every byte lands where the formula says, and no two neighbouring
 * pieces could have been one.
 */
static void cross_check(const struct rbd_layout *l, uint64_t off,
                        uint64_t len)
{
    struct pieces p = { .list = g_array_new(FALSE, FALSE,
                                            sizeof(struct piece)) };
    uint64_t next_req = 0;
    guint i;

    g_assert_cmpint(rbd_layout_map(l, off, len, collect, &p), ==, 0);
    for (i = 0; i < p.list->len; i++) {
        const struct piece *pc = &g_array_index(p.list, struct piece, i);
        uint64_t b;

        g_assert_cmpuint(pc->req_off, ==, next_req);
        g_assert_cmpuint(pc->len, >, 0);
        g_assert_cmpuint(pc->obj_off + pc->len, <=, l->object_size);
        for (b = 0; b < pc->len; b++) {
            uint64_t objno;
            uint64_t obj_off;

            formula(l, off + pc->req_off + b, &objno, &obj_off);
            if (objno != pc->objno || obj_off != pc->obj_off + b) {
                g_error("byte %" G_GUINT64_FORMAT " of [%" G_GUINT64_FORMAT
                        ", +%" G_GUINT64_FORMAT "): walk says object %"
                        G_GUINT64_FORMAT " at %" G_GUINT64_FORMAT
                        ", formula %" G_GUINT64_FORMAT " at %"
                        G_GUINT64_FORMAT, pc->req_off + b, off, len,
                        pc->objno, pc->obj_off + b, objno, obj_off);
            }
        }
        if (i > 0) {
            const struct piece *prev = pc - 1;

            g_assert_false(prev->objno == pc->objno &&
                           prev->obj_off + prev->len == pc->obj_off);
        }
        next_req += pc->len;
    }
    g_assert_cmpuint(next_req, ==, len);
    g_array_free(p.list, TRUE);
}

/* The first piece rbd_layout_map gives for byte off. */
static int first_piece(void *opaque, uint64_t objno, uint64_t obj_off,
                       uint64_t len, uint64_t req_off)
{
    uint64_t *out = opaque;

    out[0] = objno;
    out[1] = obj_off;
    return 1;
}

/*
 * rbd_layout_objno and rbd_layout_object_start agree with the walk: the
 * object of every byte is the walk's, and an object's start is the byte
 * the walk puts at its offset 0; pieces never cross a multiple of
 * rbd_layout_unit.
 */
static void test_object_helpers(void)
{
    const struct rbd_layout layouts[] = {
        { 4 * MiB, 4 * MiB, 1 },
        { 4 * MiB, 64 * KiB, 1 },
        { 4 * MiB, 64 * KiB, 4 },
        { 16 * KiB, 4 * KiB, 3 },
        { 4 * KiB, 512, 5 },
        { 32 * MiB, 1 * MiB, 16 },
    };
    GRand *rand = g_rand_new_with_seed(20261203);

    for (gsize i = 0; i < G_N_ELEMENTS(layouts); i++) {
        const struct rbd_layout *l = &layouts[i];
        uint64_t unit = rbd_layout_unit(l);
        uint64_t set = l->object_size * l->stripe_count;

        g_assert_cmpuint(unit, ==, l->stripe_count == 1 ? l->object_size
                                                        : l->stripe_unit);
        for (int n = 0; n < 200; n++) {
            uint64_t off = set * (uint64_t)g_rand_int_range(rand, 0, 100000) +
                           (uint64_t)g_rand_int_range(rand, 0, (gint32)set);
            uint64_t got[2];
            uint64_t start;

            g_assert_cmpint(rbd_layout_map(l, off, unit, first_piece, got),
                            ==, 1);
            g_assert_cmpuint(rbd_layout_objno(l, off), ==, got[0]);
            start = rbd_layout_object_start(l, got[0]);
            g_assert_cmpuint(rbd_layout_objno(l, start), ==, got[0]);
            g_assert_cmpint(rbd_layout_map(l, start, 1, first_piece, got),
                            ==, 1);
            g_assert_cmpuint(got[1], ==, 0);
            g_assert_cmpuint(start % unit, ==, 0);
            g_assert_cmpuint(start, <=, off - off % unit);
        }
    }
    g_rand_free(rand);
}

static void test_brute_force(void)
{
    const struct rbd_layout layouts[] = {
        { 4 * MiB, 64 * KiB, 4 },
        { 4 * MiB, 4 * MiB, 1 },
        { 4 * MiB, 64 * KiB, 1 },
        { 16 * KiB, 4 * KiB, 3 },
        { 4 * KiB, 512, 5 },
        { 4 * KiB, 1, 2 },
        { 32 * MiB, 1 * MiB, 16 },
        { 64 * KiB, 64 * KiB, 7 },
    };
    GRand *rand = g_rand_new_with_seed(20240611);
    gsize i;
    int n;

    for (i = 0; i < G_N_ELEMENTS(layouts); i++) {
        const struct rbd_layout *l = &layouts[i];
        uint64_t set = l->object_size * l->stripe_count;

        g_assert_cmpint(rbd_layout_check(l), ==, 0);
        for (n = 0; n < 40; n++) {
            /* Near the start, near a set boundary, or far out. */
            uint64_t base;
            uint64_t back;
            uint64_t off;
            uint64_t len;

            switch (n % 3) {
            case 0:
                base = 0;
                break;
            case 1:
                base = set * (uint64_t)g_rand_int_range(rand, 1, 1000);
                break;
            default:
                /* set <= 2^29 here, so this stays below 2^61. */
                base = set * (uint64_t)g_rand_int(rand);
                break;
            }
            back = (uint64_t)g_rand_int_range(rand, 0, 70000);
            off = base + (uint64_t)g_rand_int_range(rand, 0, 3 * (gint32)
                                                    MIN(set, 1 * MiB));
            off -= MIN(off, back);
            len = (uint64_t)g_rand_int_range(rand, 1, 200000);
            cross_check(l, off, len);
        }
    }
    g_rand_free(rand);
}

/* The walk stops at the callback's first non-zero result. */
static void test_callback_stops(void)
{
    struct pieces p = { .list = g_array_new(FALSE, FALSE,
                                            sizeof(struct piece)),
                        .fail_at = 2 };

    g_assert_cmpint(rbd_layout_map(&fancy_4m, 0, 1 * MiB, collect, &p), ==,
                    -EIO);
    g_assert_cmpuint(p.list->len, ==, 2);
    g_array_free(p.list, TRUE);
}

static void test_map_refused(void)
{
    const struct rbd_layout bad = {
        .object_size = 4 * MiB, .stripe_unit = 0, .stripe_count = 1,
    };
    struct pieces p = { .list = g_array_new(FALSE, FALSE,
                                            sizeof(struct piece)) };
    const struct piece last[] = { { UINT64_MAX >> 22, 4 * MiB - 2, 1, 0 } };

    g_assert_cmpint(rbd_layout_map(&default_4m, UINT64_MAX, 1, collect, &p),
                    ==, -EINVAL);
    g_assert_cmpint(rbd_layout_map(&default_4m, 1, UINT64_MAX, collect, &p),
                    ==, -EINVAL);
    g_assert_cmpint(rbd_layout_map(&default_4m, UINT64_MAX / 2 + 1,
                                   UINT64_MAX / 2 + 1, collect, &p),
                    ==, -EINVAL);
    g_assert_cmpint(rbd_layout_map(&bad, 0, 1, collect, &p), ==, -EINVAL);
    g_assert_cmpuint(p.list->len, ==, 0);
    g_array_free(p.list, TRUE);

    /* off + len == 2^64 - 1 is fine: the last byte is 2^64 - 2. */
    assert_pieces(&default_4m, UINT64_MAX - 1, 1, last, 1);
}

/* librbd's Striper::get_num_objects, by hand. */
static void test_object_count(void)
{
    const struct rbd_layout small = {
        .object_size = 16 * KiB, .stripe_unit = 4 * KiB, .stripe_count = 3,
    };

    g_assert_cmpuint(rbd_layout_object_count(&default_4m, 0), ==, 0);
    g_assert_cmpuint(rbd_layout_object_count(&default_4m, 1), ==, 1);
    g_assert_cmpuint(rbd_layout_object_count(&default_4m, 4 * MiB), ==, 1);
    g_assert_cmpuint(rbd_layout_object_count(&default_4m, 4 * MiB + 1), ==,
                     2);
    g_assert_cmpuint(rbd_layout_object_count(&default_4m, 10 * GiB), ==,
                     2560);
    g_assert_cmpuint(rbd_layout_object_count(&default_4m, UINT64_MAX), ==,
                     (UINT64_MAX >> 22) + 1);

    /* The first stripe of a set reaches its objects one unit at a time. */
    g_assert_cmpuint(rbd_layout_object_count(&fancy_4m, 0), ==, 0);
    g_assert_cmpuint(rbd_layout_object_count(&fancy_4m, 1), ==, 1);
    g_assert_cmpuint(rbd_layout_object_count(&fancy_4m, 64 * KiB), ==, 1);
    g_assert_cmpuint(rbd_layout_object_count(&fancy_4m, 64 * KiB + 1), ==,
                     2);
    g_assert_cmpuint(rbd_layout_object_count(&fancy_4m, 192 * KiB + 1), ==,
                     4);
    g_assert_cmpuint(rbd_layout_object_count(&fancy_4m, 256 * KiB), ==, 4);
    g_assert_cmpuint(rbd_layout_object_count(&fancy_4m, 16 * MiB), ==, 4);
    g_assert_cmpuint(rbd_layout_object_count(&fancy_4m, 16 * MiB + 1), ==,
                     5);
    g_assert_cmpuint(rbd_layout_object_count(&fancy_4m, 20 * MiB), ==, 8);
    g_assert_cmpuint(rbd_layout_object_count(&fancy_4m, 10 * GiB), ==,
                     2560);

    g_assert_cmpuint(rbd_layout_object_count(&small, 8 * KiB), ==, 2);
    g_assert_cmpuint(rbd_layout_object_count(&small, 12 * KiB), ==, 3);
    g_assert_cmpuint(rbd_layout_object_count(&small, 48 * KiB + 1), ==, 4);
}

/*
 * Object counts against the walk: the objects [0, size) touches are
 * exactly 0 .. count-1.
 */
static void test_object_count_vs_walk(void)
{
    const struct rbd_layout layouts[] = {
        { 16 * KiB, 4 * KiB, 3 },
        { 4 * KiB, 512, 5 },
        { 4 * KiB, 4 * KiB, 1 },
        { 8 * KiB, 1 * KiB, 1 },
        { 64 * KiB, 4 * KiB, 16 },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(layouts); i++) {
        const struct rbd_layout *l = &layouts[i];
        uint64_t limit = 3 * l->object_size * l->stripe_count + 5000;
        uint64_t size;

        for (size = 0; size < limit; size += 97) {
            struct pieces p = { .list = g_array_new(FALSE, FALSE,
                                                    sizeof(struct piece)) };
            g_autofree gboolean *seen = NULL;
            uint64_t count = rbd_layout_object_count(l, size);
            uint64_t touched = 0;
            guint k;

            g_assert_cmpint(rbd_layout_map(l, 0, size, collect, &p), ==, 0);
            seen = g_new0(gboolean, count + 1);
            for (k = 0; k < p.list->len; k++) {
                const struct piece *pc = &g_array_index(p.list,
                                                        struct piece, k);

                g_assert_cmpuint(pc->objno, <, count);
                if (!seen[pc->objno]) {
                    seen[pc->objno] = TRUE;
                    touched++;
                }
            }
            g_assert_cmpuint(touched, ==, count);
            g_array_free(p.list, TRUE);
        }
    }
}

static void assert_check(uint64_t object_size, uint64_t unit, uint64_t count,
                         int want)
{
    const struct rbd_layout l = {
        .object_size = object_size, .stripe_unit = unit,
        .stripe_count = count,
    };

    g_assert_cmpint(rbd_layout_check(&l), ==, want);
    if (want < 0) {
        g_assert_cmpuint(rbd_layout_object_count(&l, 1 * GiB), ==, 0);
    }
}

static void test_check(void)
{
    /* What librbd accepts. */
    assert_check(4 * MiB, 4 * MiB, 1, 0);
    assert_check(4 * MiB, 64 * KiB, 4, 0);
    assert_check(4 * KiB, 4 * KiB, 1, 0);
    assert_check(32 * MiB, 32 * MiB, 1, 0);
    assert_check(4 * MiB, 512, 8, 0);
    assert_check(4 * MiB, 1, 2, 0);
    assert_check(4 * MiB, 64 * KiB, 1, 0);
    assert_check(4 * MiB, 4 * MiB, UINT32_MAX, 0);

    /* Object size: a power of two, order 12..25. */
    assert_check(0, 4 * KiB, 1, -EINVAL);
    assert_check(12 * KiB, 4 * KiB, 1, -EINVAL);
    assert_check(2 * KiB, 2 * KiB, 1, -EINVAL);
    assert_check(64 * MiB, 64 * MiB, 1, -EINVAL);
    assert_check(UINT64_C(1) << 63, UINT64_C(1) << 63, 1, -EINVAL);
    /* Unit: a factor of the object size. */
    assert_check(4 * MiB, 0, 1, -EINVAL);
    assert_check(4 * MiB, 12 * KiB, 4, -EINVAL);
    assert_check(4 * MiB, 8 * MiB, 1, -EINVAL);
    assert_check(4 * MiB, 3, 2, -EINVAL);
    /* Count: 1 .. 2^32-1. */
    assert_check(4 * MiB, 64 * KiB, 0, -EINVAL);
    assert_check(4 * MiB, 64 * KiB, UINT64_C(1) << 32, -EINVAL);
    assert_check(4 * MiB, 64 * KiB, UINT64_MAX, -EINVAL);
}

/* From an image header, with librbd's defaulting of zeroes. */
static void test_init(void)
{
    struct rbd_layout l;

    g_assert_cmpint(rbd_layout_init(&l, 22, 0, 0), ==, 0);
    g_assert_cmpuint(l.object_size, ==, 4 * MiB);
    g_assert_cmpuint(l.stripe_unit, ==, 4 * MiB);
    g_assert_cmpuint(l.stripe_count, ==, 1);

    g_assert_cmpint(rbd_layout_init(&l, 22, 64 * KiB, 0), ==, 0);
    g_assert_cmpuint(l.stripe_unit, ==, 4 * MiB);
    g_assert_cmpuint(l.stripe_count, ==, 1);

    g_assert_cmpint(rbd_layout_init(&l, 12, 0, 16), ==, 0);
    g_assert_cmpuint(l.object_size, ==, 4 * KiB);
    g_assert_cmpuint(l.stripe_unit, ==, 4 * KiB);
    g_assert_cmpuint(l.stripe_count, ==, 1);

    g_assert_cmpint(rbd_layout_init(&l, 25, 1 * MiB, 8), ==, 0);
    g_assert_cmpuint(l.object_size, ==, 32 * MiB);
    g_assert_cmpuint(l.stripe_unit, ==, 1 * MiB);
    g_assert_cmpuint(l.stripe_count, ==, 8);

    g_assert_cmpint(rbd_layout_init(&l, 22, 3 * KiB, 2), ==, -EINVAL);
    g_assert_cmpint(rbd_layout_init(&l, 11, 0, 0), ==, -EINVAL);
    g_assert_cmpint(rbd_layout_init(&l, 26, 0, 0), ==, -EINVAL);
    g_assert_cmpint(rbd_layout_init(&l, 64, 0, 0), ==, -EINVAL);
    g_assert_cmpint(rbd_layout_init(&l, 200, 0, 0), ==, -EINVAL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rbd-layout/default-one-object",
                    test_default_one_object);
    g_test_add_func("/rbd-layout/default-crossing", test_default_crossing);
    g_test_add_func("/rbd-layout/zero-length", test_zero_length);
    g_test_add_func("/rbd-layout/fancy-hand-computed",
                    test_fancy_hand_computed);
    g_test_add_func("/rbd-layout/count-one-small-unit",
                    test_count_one_small_unit);
    g_test_add_func("/rbd-layout/brute-force", test_brute_force);
    g_test_add_func("/rbd-layout/object-helpers", test_object_helpers);
    g_test_add_func("/rbd-layout/callback-stops", test_callback_stops);
    g_test_add_func("/rbd-layout/map-refused", test_map_refused);
    g_test_add_func("/rbd-layout/object-count", test_object_count);
    g_test_add_func("/rbd-layout/object-count-vs-walk",
                    test_object_count_vs_walk);
    g_test_add_func("/rbd-layout/check", test_check);
    g_test_add_func("/rbd-layout/init", test_init);
    return g_test_run();
}
