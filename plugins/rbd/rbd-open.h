/*
 * rbd-open.h: an image put together for I/O: its state (rbd-image.h), its
 * object maps, object queue, exclusive lock, watch and refresher.
 */
#ifndef RBD_OPEN_H
#define RBD_OPEN_H

#include <stdbool.h>

#include "qemu-block-plugin.h"
#include "rbd-cluster.h"
#include "rbd-image.h"

/* Open; NULL with err set naming the image and what was wrong. */
struct rbd_image *rbd_image_open(struct rbd_cluster *cluster,
                                 const struct rbd_image_spec *spec,
                                 bool read_only, struct qbp_error *err);
/* Nothing may be in flight. */
void rbd_image_close(struct rbd_image *img);

#endif /* RBD_OPEN_H */
