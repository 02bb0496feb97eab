/*
 * fuzz-rbd-layout: an image header's replies (get_size, and
 * get_stripe_unit_count) decoded and turned into a layout, then requests
 * mapped onto objects (plugins/rbd/rbd-layout.h): what a header with
 * nonsense sizes would make the plugin do.
 *
 * Input: a get_size reply (9 bytes: order, size), a get_stripe_unit_count
 * reply (16 bytes: unit, count), then requests of 16 bytes (le64 offset,
 * le64 length).  Checked:
 * - a layout rbd_layout_check refuses maps nothing (-EINVAL before any
 *   call) and has no objects; rbd_layout_init agrees with it;
 * - an accepted one maps each request into pieces that are in order,
 *   non-empty, add up to the request, stay inside one object and, with a
 *   stripe count above 1, inside one stripe unit, are as long as they can
 *   be, and land where Ceph's formula (Striper::file_to_extents, computed
 *   here byte by byte, independently) puts their first and last bytes;
 * - an offset + length past 2^64 is -EINVAL before any call;
 * - objects a request inside the image touches are below the image's
 *   object count, which (for small images) is exactly one more than the
 *   largest object any stripe unit of the image maps to.
 */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "rbd-cls.h"
#include "rbd-layout.h"

/* Requests are cut to this many pieces, as QEMU's max transfer would. */
#define MAX_PIECES 4096
/* Object counts are checked unit by unit up to this many units. */
#define MAX_UNITS_BRUTE 65536

struct walk {
    const struct rbd_layout *l;
    uint64_t off;
    uint64_t len;
    uint64_t done;
    uint64_t calls;
    uint64_t max_objno;
    uint64_t last_objno;
    uint64_t last_end;      /* obj_off + len of the last piece */
};

/* Where image byte off lives, by Ceph's formula with the stripe unit. */
static void ceph_map(const struct rbd_layout *l, uint64_t off,
                     uint64_t *objno, uint64_t *obj_off)
{
    uint64_t su = l->stripe_unit;
    uint64_t count = l->stripe_count;
    uint64_t per_object = l->object_size / su;
    uint64_t blockno = off / su;
    uint64_t stripeno = blockno / count;
    uint64_t stripepos = blockno % count;
    uint64_t objsetno = stripeno / per_object;

    *objno = objsetno * count + stripepos;
    *obj_off = (stripeno % per_object) * su + off % su;
}

static int piece(void *opaque, uint64_t objno, uint64_t obj_off, uint64_t len,
                 uint64_t req_off)
{
    struct walk *w = opaque;
    const struct rbd_layout *l = w->l;
    uint64_t want_objno;
    uint64_t want_off;

    FUZZ_CHECK(len > 0 && req_off == w->done && len <= w->len - w->done);
    FUZZ_CHECK(obj_off < l->object_size && len <= l->object_size - obj_off);
    if (l->stripe_count > 1) {
        FUZZ_CHECK(obj_off / l->stripe_unit ==
                   (obj_off + len - 1) / l->stripe_unit);
    }
    /* As long as it can be: the previous piece does not continue here. */
    if (w->calls > 0) {
        FUZZ_CHECK(objno != w->last_objno || obj_off != w->last_end);
    }
    ceph_map(l, w->off + req_off, &want_objno, &want_off);
    FUZZ_CHECK(objno == want_objno && obj_off == want_off);
    ceph_map(l, w->off + req_off + len - 1, &want_objno, &want_off);
    FUZZ_CHECK(objno == want_objno && obj_off + len - 1 == want_off);

    w->done += len;
    w->calls++;
    w->last_objno = objno;
    w->last_end = obj_off + len;
    if (objno > w->max_objno) {
        w->max_objno = objno;
    }
    return 0;
}

static int no_piece(void *opaque, uint64_t objno, uint64_t obj_off,
                    uint64_t len, uint64_t req_off)
{
    FUZZ_CHECK(!"a refused layout or request maps nothing");
    return 0;
}

/* The object count of a small image, one stripe unit at a time. */
static void check_object_count(const struct rbd_layout *l, uint64_t size)
{
    uint64_t count = rbd_layout_object_count(l, size);
    uint64_t units = size / l->stripe_unit + (size % l->stripe_unit != 0);
    uint64_t max = 0;
    uint64_t b;

    if (size == 0) {
        FUZZ_CHECK(count == 0);
        return;
    }
    FUZZ_CHECK(count > 0);
    if (units > MAX_UNITS_BRUTE) {
        return;
    }
    for (b = 0; b < units; b++) {
        uint64_t objno;
        uint64_t obj_off;

        ceph_map(l, b * l->stripe_unit, &objno, &obj_off);
        if (objno > max) {
            max = objno;
        }
    }
    FUZZ_CHECK(count == max + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rbd_layout l;
    struct rbd_layout init;
    uint8_t order;
    uint64_t image_size;
    uint64_t unit;
    uint64_t count;
    uint64_t piece_len;
    size_t i;
    int r;

    if (size < 25 ||
        rbd_cls_dec_get_size(data, 9, &order, &image_size) < 0 ||
        rbd_cls_dec_get_stripe_unit_count(data + 9, 16, &unit, &count) < 0) {
        return 0;
    }
    l.object_size = UINT64_C(1) << order;
    l.stripe_unit = unit;
    l.stripe_count = count;
    r = rbd_layout_check(&l);
    FUZZ_CHECK(r == 0 || r == -EINVAL);
    if (unit != 0 && count != 0) {
        FUZZ_CHECK(rbd_layout_init(&init, order, unit, count) == r);
        FUZZ_CHECK(init.object_size == l.object_size &&
                   init.stripe_unit == unit && init.stripe_count == count);
    } else {
        /* librbd's default layout: always valid. */
        FUZZ_CHECK(rbd_layout_init(&init, order, unit, count) == 0);
        FUZZ_CHECK(init.stripe_unit == init.object_size &&
                   init.stripe_count == 1);
    }
    if (r < 0) {
        FUZZ_CHECK(rbd_layout_map(&l, 0, 1, no_piece, NULL) == -EINVAL);
        FUZZ_CHECK(rbd_layout_object_count(&l, image_size) == 0);
        return 0;
    }
    FUZZ_CHECK(l.stripe_unit <= l.object_size &&
               l.object_size % l.stripe_unit == 0);
    check_object_count(&l, image_size);

    /* A piece is at most an object (count 1) or a stripe unit. */
    piece_len = l.stripe_count == 1 ? l.object_size : l.stripe_unit;
    for (i = 25; i + 16 <= size; i += 16) {
        struct walk w = { .l = &l };

        w.off = fuzz_le(data + i, 8);
        w.len = fuzz_le(data + i + 8, 8);
        if (w.len > UINT64_MAX - w.off) {
            FUZZ_CHECK(rbd_layout_map(&l, w.off, w.len, no_piece, NULL) ==
                       -EINVAL);
            continue;
        }
        if (w.len / piece_len >= MAX_PIECES) {
            w.len %= MAX_PIECES * piece_len;
        }
        FUZZ_CHECK(rbd_layout_map(&l, w.off, w.len, piece, &w) == 0);
        FUZZ_CHECK(w.done == w.len);
        if (w.len > 0 && w.off + w.len <= image_size) {
            FUZZ_CHECK(w.max_objno < rbd_layout_object_count(&l,
                                                             image_size));
        }
    }
    return 0;
}
