/*
 * rbd-objwrite.h: one batch of mutations to one object, carried out the
 * way librbd does it: object map first, copy-up from the parent where the
 * clone lacks the object, then the data as one compound op, then the map
 * again after a removal.
 */
#ifndef RBD_OBJWRITE_H
#define RBD_OBJWRITE_H

#include "rbd-objq.h"

/* The object queue's ops, with the image as their ctx. */
extern const struct rbd_objq_ops rbd_objwrite_ops;

#endif /* RBD_OBJWRITE_H */
