/*
 * rbd-objq.h: mutations of one object go out one compound op at a time;
 * whatever queues up behind an op in flight leaves together in the next.
 *
 * This is where the speed of small writes is: QD32 writes to one object
 * become a handful of RADOS ops instead of 32, and each write still
 * completes only once the OSDs have committed it.  It also keeps every
 * mutation of an object in submission order.
 */
#ifndef RBD_OBJQ_H
#define RBD_OBJQ_H

#include <stdbool.h>
#include <stdint.h>
#include <rados/librados.h>

struct rbd_image;

/* What the op a mutation's steps go into already does to the object. */
struct rbd_objctx {
    bool parent;        /* the object lies (partly) within the parent overlap */
    bool copyup;        /* it was just created from the parent's data */
};

struct rbd_mutation {
    struct rbd_mutation *next;
    uint64_t objno;
    size_t bytes;       /* data carried, to bound a merged op */
    bool alone;         /* may not share an op (it asserts existence) */
    bool trim;          /* discard or write-zeroes, else a write of data */
    bool may_unmap;     /* trim: may remove or truncate the object */
    bool full;          /* covers the whole object */
    bool shrink;        /* trim past a shrunk end: the parent is cut off */
    /* Add this mutation's steps to op. */
    void (*build)(struct rbd_mutation *m, rados_write_op_t op,
                  const struct rbd_objctx *ctx);
    /* The op carrying it finished with ret; called once, frees m. */
    void (*done)(struct rbd_mutation *m, int ret);
};

struct rbd_objq;

struct rbd_objq *rbd_objq_new(void);
/* Nothing may be queued or in flight. */
void rbd_objq_free(struct rbd_objq *q);

/*
 * Send m now if no op to its object is in flight, else queue it.  Either
 * way m->done is called exactly once, possibly before this returns.
 */
void rbd_objq_submit(struct rbd_image *img, struct rbd_mutation *m);

/*
 * The object's batch is over.  rbd_objq_retire takes the next batch for it
 * (or retires the object and returns NULL); call it before completing the
 * finished batch's requests, because once the last of them completes the
 * host may close the image.  Then send what it returned with rbd_objq_run.
 */
struct rbd_mutation *rbd_objq_retire(struct rbd_image *img, uint64_t objno);
void rbd_objq_run(struct rbd_image *img, uint64_t objno,
                  struct rbd_mutation *units);

#endif /* RBD_OBJQ_H */
