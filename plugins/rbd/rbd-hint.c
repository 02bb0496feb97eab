/*
 * rbd-hint.c: the allocation hint from Ceph's settings (rbd-hint.h).
 */
#include <errno.h>
#include <string.h>

#include <rados/librados.h>

#include "rbd-hint.h"
#include "rbd-meta.h"

int rbd_alloc_hint_parse(const char *enable, const char *compression,
                         uint64_t object_size, struct rbd_alloc_hint *h)
{
    bool on;

    *h = (struct rbd_alloc_hint){ 0 };
    if (!enable) {
        on = true;
    } else if (rbd_conf_parse_bool(enable, &on) < 0) {
        return -EINVAL;
    }
    if (!compression || strcmp(compression, "none") == 0) {
        h->flags = 0;
    } else if (strcmp(compression, "compressible") == 0) {
        h->flags = LIBRADOS_ALLOC_HINT_FLAG_COMPRESSIBLE;
    } else if (strcmp(compression, "incompressible") == 0) {
        h->flags = LIBRADOS_ALLOC_HINT_FLAG_INCOMPRESSIBLE;
    } else {
        return -EINVAL;
    }
    /* Without sizes librbd still sends the flags, with sizes of 0. */
    h->size = on ? object_size : 0;
    return 0;
}
