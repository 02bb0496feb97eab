/*
 * rbd-resize.c: resize in the order librbd's ResizeRequest keeps: the
 * object map grows before the header and shrinks after the objects past
 * the new end are gone, so that it never says an object is absent that a
 * reader could find.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "rbd-io.h"
#include "rbd-lock.h"
#include "rbd-mapio.h"
#include "rbd-resize.h"

int rbd_image_resize(struct rbd_image *img, uint64_t size,
                     struct qbp_error *err)
{
    uint64_t old;
    int ret;

    ret = rbd_lock_get_sync(img->xlock);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: resizing image '%s': cannot "
                            "take its exclusive lock: %s", img->name,
                            strerror(-ret));
        return ret;
    }
    old = rbd_image_size(img);
    if (size > old) {
        ret = rbd_mapio_resize(img->omap, size);
    }
    if (ret == 0) {
        ret = rbd_image_set_size(img, size);
    }
    if (ret == 0 && size < old) {
        ret = rbd_io_sync(img, RBD_IO_DISCARD, size, old - size,
                          RBD_IO_HELD | RBD_IO_SHRINK);
        if (ret == 0) {
            ret = rbd_mapio_resize(img->omap, size);
        }
    }
    rbd_lock_put(img->xlock);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: resizing image '%s' to %" PRIu64
                            " bytes failed: %s", img->name, size,
                            strerror(-ret));
    }
    return ret;
}
