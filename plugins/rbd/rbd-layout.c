/*
 * rbd-layout.c: Ceph's file layout striping, image offset to object extent.
 *
 * Terms, as in librbd (src/osdc/Striper.cc) and Linux (net/ceph/striper.c):
 *   block      one stripe unit of the image: blockno = off / unit
 *   stripe     count consecutive blocks, one per object of an object set
 *   object set count objects; holds object_size / unit stripes
 * so that
 *   stripeno  = blockno / count      stripepos = blockno % count
 *   objsetno  = stripeno / (object_size / unit)
 *   objno     = objsetno * count + stripepos
 *   obj_off   = (stripeno % (object_size / unit)) * unit + off % unit
 *
 * Overflow: rbd_layout_check bounds object size by 2^25 and the count by
 * 2^32, so an object set holds at most 2^57 bytes and no product below
 * can pass 2^64.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdbool.h>

#include "rbd-cls.h"
#include "rbd-layout.h"

/* Ceph's file_layout_t keeps the stripe count in 32 bits. */
#define LAYOUT_MAX_STRIPE_COUNT UINT32_MAX

static bool layout_is_pow2(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

int rbd_layout_check(const struct rbd_layout *l)
{
    if (!layout_is_pow2(l->object_size) ||
        l->object_size < (UINT64_C(1) << RBD_ORDER_MIN) ||
        l->object_size > (UINT64_C(1) << RBD_ORDER_MAX)) {
        return -EINVAL;
    }
    /* librbd's validate_striping: the unit is a factor of the object size. */
    if (l->stripe_unit == 0 || l->stripe_unit > l->object_size ||
        l->object_size % l->stripe_unit != 0) {
        return -EINVAL;
    }
    if (l->stripe_count == 0 || l->stripe_count > LAYOUT_MAX_STRIPE_COUNT) {
        return -EINVAL;
    }
    return 0;
}

int rbd_layout_init(struct rbd_layout *l, unsigned int order,
                    uint64_t stripe_unit, uint64_t stripe_count)
{
    if (order < RBD_ORDER_MIN || order > RBD_ORDER_MAX) {
        return -EINVAL;
    }
    l->object_size = UINT64_C(1) << order;
    /* librbd's ImageCtx::init_layout: either one unset means the default. */
    if (stripe_unit == 0 || stripe_count == 0) {
        l->stripe_unit = l->object_size;
        l->stripe_count = 1;
    } else {
        l->stripe_unit = stripe_unit;
        l->stripe_count = stripe_count;
    }
    return rbd_layout_check(l);
}

/*
 * With one object per set, consecutive units of an object are consecutive
 * in the image too: the object is one unit, as Striper::file_to_extents
 * treats it, so pieces only end at objects.
 */
uint64_t rbd_layout_unit(const struct rbd_layout *l)
{
    return l->stripe_count == 1 ? l->object_size : l->stripe_unit;
}

uint64_t rbd_layout_objno(const struct rbd_layout *l, uint64_t off)
{
    uint64_t unit = rbd_layout_unit(l);
    uint64_t stripeno = off / unit / l->stripe_count;

    return stripeno / (l->object_size / unit) * l->stripe_count +
           off / unit % l->stripe_count;
}

uint64_t rbd_layout_object_start(const struct rbd_layout *l, uint64_t objno)
{
    uint64_t set = objno / l->stripe_count;

    return set * l->object_size * l->stripe_count +
           objno % l->stripe_count * rbd_layout_unit(l);
}

int rbd_layout_map(const struct rbd_layout *l, uint64_t off, uint64_t len,
                   rbd_extent_fn *fn, void *opaque)
{
    uint64_t unit;
    uint64_t count = l->stripe_count;
    uint64_t stripes_per_object;
    uint64_t done = 0;

    if (rbd_layout_check(l) < 0 || len > UINT64_MAX - off) {
        return -EINVAL;
    }
    unit = rbd_layout_unit(l);
    stripes_per_object = l->object_size / unit;

    while (done < len) {
        uint64_t cur = off + done;
        uint64_t blockno = cur / unit;
        uint64_t in_unit = cur % unit;
        uint64_t stripeno = blockno / count;
        uint64_t stripepos = blockno % count;
        uint64_t objsetno = stripeno / stripes_per_object;
        uint64_t objno = objsetno * count + stripepos;
        uint64_t obj_off = (stripeno % stripes_per_object) * unit + in_unit;
        uint64_t piece = unit - in_unit;
        int r;

        if (piece > len - done) {
            piece = len - done;
        }
        r = fn(opaque, objno, obj_off, piece, done);
        if (r != 0) {
            return r;
        }
        done += piece;
    }
    return 0;
}

uint64_t rbd_layout_object_count(const struct rbd_layout *l, uint64_t size)
{
    uint64_t period;
    uint64_t full_sets;
    uint64_t rest;
    uint64_t first_stripe;

    if (rbd_layout_check(l) < 0) {
        return 0;
    }
    period = l->stripe_count * l->object_size;
    full_sets = size / period;
    rest = size % period;
    if (rest == 0) {
        return full_sets * l->stripe_count;
    }
    /*
     * A partial last set: its first stripe reaches one object per unit
     * until the stripe is full, and then every object of the set exists.
     */
    first_stripe = l->stripe_count * l->stripe_unit;
    if (rest >= first_stripe) {
        return (full_sets + 1) * l->stripe_count;
    }
    return full_sets * l->stripe_count +
           (rest + l->stripe_unit - 1) / l->stripe_unit;
}
