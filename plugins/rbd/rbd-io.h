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
 * What the plugin itself asks of a request, never in the host's flags:
 * those are QBP_REQ_* only.
 */
enum rbd_io_own {
    /* The caller holds the exclusive lock already (rbd_lock_get_sync). */
    RBD_IO_HELD = 1u << 0,
    /* Trims past a shrunk end: remove, even where the parent shows through. */
    RBD_IO_SHRINK = 1u << 1,
};

/*
 * Submit [off, off+len) of kind to img, for the host.  iov/iovcnt for reads
 * and writes (they cover exactly len bytes); flags are QBP_REQ_*, and a bit
 * outside QBP_REQ_MASK refuses the request with -EINVAL.  Returns 0 and
 * later calls cb exactly once, or a negative errno without calling it.
 * Mutations of an image with the exclusive lock wait for it (rbd-lock.h)
 * without blocking the caller.
 */
int rbd_io_submit(struct rbd_image *img, enum rbd_io_kind kind, uint64_t off,
                  uint64_t len, const struct iovec *iov, int iovcnt,
                  uint32_t flags, qbp_completion_fn *cb, void *opaque);

/*
 * A request of the plugin's own without data, waiting for the result: for
 * the plugin's blocking calls.  own is a set of enum rbd_io_own.
 */
int rbd_io_sync(struct rbd_image *img, enum rbd_io_kind kind, uint64_t off,
                uint64_t len, unsigned own);

/*
 * A read or write of the plugin's own with data, waiting for the result:
 * for open and create (an encrypted image's header).
 */
int rbd_io_rw_sync(struct rbd_image *img, enum rbd_io_kind kind,
                   uint64_t off, void *buf, size_t len);

#endif /* RBD_IO_H */
