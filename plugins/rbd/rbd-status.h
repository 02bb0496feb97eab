/*
 * rbd-status.h: which parts of an image hold data, for block status.
 *
 * An image's byte belongs to one object; the object is the unit of
 * allocation, as in librbd's diff with whole_object.  Where an object
 * exists the range is data.  Where it does not, a clone shows its parent
 * within the overlap (data if the parent's object holds any), and
 * anything else reads as zeroes.
 *
 * Whether an object exists comes from the object map when it can be
 * trusted: the map this client keeps while it holds the exclusive lock,
 * a snapshot's map, or else the head's map read from the cluster for the
 * request, unless the header flags it invalid.  Without one, each object
 * is asked with a stat, a bounded number at a time and per request.
 */
#ifndef RBD_STATUS_H
#define RBD_STATUS_H

#include <stdint.h>

#include "qemu-block-plugin.h"

struct rbd_image;

/*
 * aio_block_status for img: fill up to max extents of ext from off,
 * within [off, off + len), clipped to the image's size.  Never blocks;
 * cb(opaque, count or -errno) from any thread, possibly before this
 * returns.  Returns 0, or a negative errno when nothing was started.
 */
int rbd_status_submit(struct rbd_image *img, uint64_t off, uint64_t len,
                      struct qbp_extent *ext, uint32_t max,
                      qbp_completion_fn *cb, void *opaque);

#endif /* RBD_STATUS_H */
