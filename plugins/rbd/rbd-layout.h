/*
 * rbd-layout.h: where an image byte lives, under Ceph's striping
 * (object size 2^order, stripe unit, stripe count; the default layout is
 * unit = object size, count = 1).
 *
 * The image is cut into stripe units.  Unit b goes to position b % count
 * of an "object set" of count objects, filling the sets' objects one unit
 * row ("stripe") at a time; a set holds count * object_size bytes.  With
 * the default layout object n simply holds bytes [n << order, (n+1) << order).
 * Same arithmetic as librbd (src/osdc/Striper.cc) and Linux
 * (net/ceph/striper.c).
 */
#ifndef RBD_LAYOUT_H
#define RBD_LAYOUT_H

#include <stdint.h>

struct rbd_layout {
    uint64_t object_size;
    uint64_t stripe_unit;
    uint64_t stripe_count;
};

/*
 * 0, or -EINVAL naming nothing.  Accepted is what librbd lets an image
 * have: object size a power of two from 4 KiB to 32 MiB (order 12..25),
 * a stripe unit that divides it (so a power of two, possibly below 4 KiB),
 * and a stripe count from 1 to 2^32-1 (Ceph keeps it in 32 bits).  Zero
 * unit or count is refused here; librbd reads zeroes in an image header
 * as "default layout", which rbd_layout_init does.
 */
int rbd_layout_check(const struct rbd_layout *l);

/*
 * Fill in *l from an image header's order, stripe unit and stripe count
 * (pass 0, 0 without STRIPINGV2), as librbd does: a zero unit or count
 * means the default layout.  Returns rbd_layout_check's verdict; *l is
 * filled in either way, unless the order is out of range.
 */
int rbd_layout_init(struct rbd_layout *l, unsigned int order,
                    uint64_t stripe_unit, uint64_t stripe_count);

/*
 * Called once per contiguous piece of [off, off+len) in image order:
 * object number, offset in the object, length, offset of the piece from
 * the start of the request.  A non-zero return stops the walk and is
 * returned by rbd_layout_map.
 *
 * A piece is as long as it can be while staying contiguous both in the
 * image and in one object: with a stripe count above 1 it never crosses a
 * stripe unit boundary; with a count of 1 (whatever the unit) it only
 * stops at object boundaries.  Nothing is called when len is 0.
 * Returns 0 when the walk completes, or -EINVAL (before any call) for a
 * layout rbd_layout_check refuses or when off + len overflows 64 bits.
 */
typedef int rbd_extent_fn(void *opaque, uint64_t objno, uint64_t obj_off,
                          uint64_t len, uint64_t req_off);
int rbd_layout_map(const struct rbd_layout *l, uint64_t off, uint64_t len,
                   rbd_extent_fn *fn, void *opaque);

/*
 * The longest piece rbd_layout_map can return: the stripe unit, or the
 * object size with one object per set.  Pieces start and end on
 * multiples of it.  For a layout rbd_layout_check accepts.
 */
uint64_t rbd_layout_unit(const struct rbd_layout *l);
/* The object that holds image byte off.  For a layout it accepts. */
uint64_t rbd_layout_objno(const struct rbd_layout *l, uint64_t off);
/*
 * The first image byte object objno holds: its first unit's place.  For a
 * layout it accepts, and an objno whose object set starts below 2^64.
 */
uint64_t rbd_layout_object_start(const struct rbd_layout *l, uint64_t objno);

/*
 * Number of objects that hold an image of size bytes: the objects that
 * [0, size) touches, which are objects 0 .. count-1, as librbd's
 * Striper::get_num_objects counts them (object map size).  The last
 * object set may be partial: if size ends within its first stripe, only
 * the objects that stripe reaches exist.  0 for a layout
 * rbd_layout_check refuses.
 */
uint64_t rbd_layout_object_count(const struct rbd_layout *l, uint64_t size);

#endif /* RBD_LAYOUT_H */
