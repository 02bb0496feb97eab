/*
 * rbd-io.h: image requests as RADOS operations, one compound operation per
 * object a request touches.
 */
#ifndef RBD_IO_H
#define RBD_IO_H

#include <stdint.h>
#include <sys/uio.h>

#include "qemu-block-plugin.h"
#include "rbd-image.h"

enum rbd_io_kind {
    RBD_IO_READ,
    RBD_IO_WRITE,
    RBD_IO_DISCARD,
    RBD_IO_WRITE_ZEROES,
};

/*
 * Submit [off, off+len) of kind to img.  iov/iovcnt for reads and writes
 * (they cover exactly len bytes); flags are QBP_REQ_*.  Returns 0 and later
 * calls cb exactly once, or a negative errno without calling it.
 */
int rbd_io_submit(struct rbd_image *img, enum rbd_io_kind kind, uint64_t off,
                  uint64_t len, const struct iovec *iov, int iovcnt,
                  uint32_t flags, qbp_completion_fn *cb, void *opaque);

/* rbd_io_submit, waiting for the result: for the plugin's blocking calls. */
int rbd_io_sync(struct rbd_image *img, enum rbd_io_kind kind, uint64_t off,
                uint64_t len);

#endif /* RBD_IO_H */
