/*
 * rbd-resize.h: resizing an open image, as truncate and a snapshot revert
 * do it.
 */
#ifndef RBD_RESIZE_H
#define RBD_RESIZE_H

#include <stdint.h>

#include "qemu-block-plugin.h"
#include "rbd-image.h"

/*
 * Sets the size in the header, then removes what lies past a shrunk end,
 * as the exclusive lock's owner.  Blocks.  0, or -errno with err set.
 */
int rbd_image_resize(struct rbd_image *img, uint64_t size,
                     struct qbp_error *err);

#endif /* RBD_RESIZE_H */
