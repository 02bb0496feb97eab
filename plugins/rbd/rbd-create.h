/*
 * rbd-create.h: create a format 2 image the way `rbd create` does.
 */
#ifndef RBD_CREATE_H
#define RBD_CREATE_H

#include <stdbool.h>
#include <stdint.h>

#include "qemu-block-plugin.h"
#include "rbd-cluster.h"
#include "rbd-image.h"

struct rbd_create_opts {
    uint64_t size;
    uint8_t order;              /* object size 2^order */
    uint64_t features;          /* as asked; striping and data-pool added */
    bool features_given;        /* false: Ceph's rbd_default_features */
    uint64_t stripe_unit;       /* 0: the object size */
    uint64_t stripe_count;      /* 0: 1 */
    const char *data_pool;      /* NULL: none */
};

int rbd_image_create(struct rbd_cluster *cluster,
                     const struct rbd_image_spec *spec,
                     const struct rbd_create_opts *o, struct qbp_error *err);

#endif /* RBD_CREATE_H */
