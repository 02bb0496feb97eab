/*
 * rbd-config.h: the rbd_* settings of an image as librbd resolves them.
 * The client's own Ceph configuration (ceph.conf, the monitors' database,
 * the ceph.* options) is overridden by the pool's settings (`rbd config
 * pool set`), which the image's override (`rbd config image set`), as
 * librbd applies them at open and at every refresh
 * (ImageCtx::apply_metadata).
 */
#ifndef RBD_CONFIG_H
#define RBD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <rados/librados.h>

#include "rbd-meta.h"

struct rbd_config {
    rados_t rados;          /* the client's configuration, below the rest */
    struct rbd_overrides over;
};

/*
 * Reads the pool's overrides (from rbd_info in pool_io, whose namespace
 * must be the default one; NULL: none) and the image's (its header in
 * image_io; NULL: none, as before a create).  0, or a negative errno with
 * c empty but usable.
 */
int rbd_config_read(struct rbd_config *c, rados_t rados, rados_ioctx_t pool_io,
                    rados_ioctx_t image_io, const char *header_oid);
void rbd_config_free(struct rbd_config *c);

/*
 * The value of key in buf: 0, -ENOENT when librados knows no such option
 * and nothing overrides it, -ERANGE when buf is too small.  *source (may
 * be NULL) says which level it came from.
 */
int rbd_config_get(const struct rbd_config *c, const char *key, char *buf,
                   size_t len, enum rbd_config_source *source);
/*
 * rbd_config_get, with the value checked by valid: an override librbd
 * would not take (ConfigProxy::set_val fails) is ignored for the client's
 * own value, as librbd ignores it, with a warning naming what ("image",
 * "pool") and name.  The client's own value is not checked here.
 */
int rbd_config_get_valid(const struct rbd_config *c, const char *key,
                         char *buf, size_t len, bool (*valid)(const char *),
                         const char *what, const char *name);
/* For messages: "the client's configuration", "the pool's", "the image's". */
const char *rbd_config_source_name(enum rbd_config_source source);

#endif /* RBD_CONFIG_H */
