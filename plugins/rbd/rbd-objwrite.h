/*
 * rbd-objwrite.h: one batch of mutations to one object, carried out the
 * way librbd does it: object map first, copy-up from the parent where the
 * clone lacks the object, then the data as one compound op, then the map
 * again after a removal.
 */
#ifndef RBD_OBJWRITE_H
#define RBD_OBJWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "rbd-objq.h"

/*
 * Send units (a batch taken off objno's queue), with every step it needs.
 * When it is over, rbd_objq_finished gets units and the result.  Never
 * blocks; may finish before it returns.
 */
void rbd_objwrite_send(struct rbd_image *img, uint64_t objno,
                       struct rbd_mutation *units);

/*
 * Whether m needs nothing but its data: a write (no discard) that neither
 * the object map nor a copy-up from a parent has to come before.
 */
bool rbd_objwrite_plain(struct rbd_image *img, const struct rbd_mutation *m);

/*
 * Send a batch of plain mutations as one op, now: 0, and rbd_objq_finished
 * follows from librados' thread, or -errno and nothing was sent.
 */
int rbd_objwrite_send_plain(struct rbd_image *img, uint64_t objno,
                            struct rbd_mutation *units);

#endif /* RBD_OBJWRITE_H */
