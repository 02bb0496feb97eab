/*
 * rbd-snap.h: snapshots of an open image, for the ABI 1.1 callbacks.
 */
#ifndef RBD_SNAP_H
#define RBD_SNAP_H

#include "qemu-block-plugin.h"
#include "rbd-image.h"

int rbd_snap_create(struct rbd_image *img, const char *name,
                    struct qbp_error *err);
/* By id (decimal snap id) if given, else by name. */
int rbd_snap_delete(struct rbd_image *img, const char *id, const char *name,
                    struct qbp_error *err);
/* Resizes the image to the snapshot's size first, trimming the rest. */
int rbd_snap_revert(struct rbd_image *img, const char *id_or_name,
                    struct qbp_error *err);
/* Oldest first. */
int rbd_snap_list(struct rbd_image *img, qbp_snapshot_fn *fn, void *opaque,
                  struct qbp_error *err);

#endif /* RBD_SNAP_H */
