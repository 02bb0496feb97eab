/*
 * rbd-objwrite.h: one batch of mutations to one object, carried out the
 * way librbd does it: object map first, copy-up from the parent where the
 * clone lacks the object, then the data as one compound op, then the map
 * again after a removal.
 */
#ifndef RBD_OBJWRITE_H
#define RBD_OBJWRITE_H

#include <stdint.h>

#include "rbd-objq.h"

/*
 * Send units (a batch taken off objno's queue).  When it is over, the next
 * batch is taken (rbd_objq_retire), every unit's done is called exactly
 * once, and the next batch is sent (rbd_objq_run).  Never blocks; may
 * finish before it returns.
 */
void rbd_objwrite_send(struct rbd_image *img, uint64_t objno,
                       struct rbd_mutation *units);

#endif /* RBD_OBJWRITE_H */
