/*
 * rbd-hint.h: the allocation hint that librbd sends in front of a write
 * to a data object that may not exist yet: the object and write size it
 * should expect (the image's object size), and whether its data
 * compresses.  BlueStore sizes and compresses the object by it; memstore
 * ignores it.  Ceph's settings rbd_enable_alloc_hint (true unless set)
 * and rbd_compression_hint (none, compressible, incompressible) decide
 * it, as they do for librbd (ObjectRequest::add_write_hint).
 */
#ifndef RBD_HINT_H
#define RBD_HINT_H

#include <stdbool.h>
#include <stdint.h>

struct rbd_alloc_hint {
    uint64_t size;      /* expected object and write size; 0: none */
    uint32_t flags;     /* LIBRADOS_ALLOC_HINT_FLAG_* */
};

/*
 * The hint from the two settings' values as Ceph prints them (NULL: not
 * set, the default); -EINVAL for a value Ceph would not have taken.
 */
int rbd_alloc_hint_parse(const char *enable, const char *compression,
                         uint64_t object_size, struct rbd_alloc_hint *h);

/* Whether there is a hint to send at all. */
static inline bool rbd_alloc_hint_any(const struct rbd_alloc_hint *h)
{
    return h->size != 0 || h->flags != 0;
}

#endif
