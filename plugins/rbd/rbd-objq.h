/*
 * rbd-objq.h: mutations of one object go out one batch at a time, in
 * submission order; whatever queues up behind the batch in flight leaves
 * together in the next.
 *
 * This is where the speed of small writes is: QD32 writes to one object
 * become a handful of RADOS ops instead of 32, and each write still
 * completes only once the OSDs have committed it.  It also keeps every
 * mutation of an object in submission order, the object map updates and
 * copy-ups of a batch (rbd-objwrite.c) before its data.
 *
 * One batch in flight per object, even of large writes: sending 1 MiB
 * writes to one object concurrently was measured (docs/performance.md) to
 * raise the OSD ops per request from 0.59 to 1.00 and the client's CPU
 * per request by 11-14%, for no steady gain in IOPS on a machine whose
 * CPUs the client shares with the OSDs.  librbd merges these too.
 */
#ifndef RBD_OBJQ_H
#define RBD_OBJQ_H

#include <stdbool.h>
#include <stdint.h>
#include <rados/librados.h>

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
    /* The queue's own: a finished batch's result, parked (rbd-objq.c). */
    struct rbd_mutation *parked_next;
    int parked_ret;
    /* Add this mutation's steps to op. */
    void (*build)(struct rbd_mutation *m, rados_write_op_t op,
                  const struct rbd_objctx *ctx);
    /* The op carrying it finished with ret; called once, frees m. */
    void (*done)(struct rbd_mutation *m, int ret);
};

struct rbd_objq;

/*
 * How a batch goes out: the layer above (rbd-objwrite.c) says, so that the
 * queue knows nothing of images.  ctx is rbd_objq_new's.
 */
struct rbd_objq_ops {
    /*
     * Whether m needs nothing but its data: then its batch goes out with
     * send_plain, from the submitting thread.  Called with the queue's lock.
     */
    bool (*plain)(void *ctx, const struct rbd_mutation *m);
    /*
     * Send units (a batch taken off objno's queue), with every step it
     * needs; rbd_objq_finished follows.  Never blocks; may finish before
     * it returns.
     */
    void (*send)(void *ctx, uint64_t objno, struct rbd_mutation *units);
    /*
     * Send a batch of plain mutations as one op, now: 0, and
     * rbd_objq_finished follows, or -errno and nothing was sent.
     */
    int (*send_plain)(void *ctx, uint64_t objno, struct rbd_mutation *units);
};

struct rbd_objq *rbd_objq_new(const struct rbd_objq_ops *ops, void *ctx);
/* Nothing may be queued or in flight. */
void rbd_objq_free(struct rbd_objq *q);

/*
 * Send m now if its object's queue lets it go, else queue it.  Either way
 * m->done is called exactly once, possibly before this returns.
 */
void rbd_objq_submit(struct rbd_objq *q, struct rbd_mutation *m);

/*
 * A batch of objno (units, as ops->send* got it) is over with
 * ret: send what may go next, then call every unit's done with ret.  The
 * next batch is taken first, because once the last request completes the
 * host may close the image.  Any thread; never blocks on I/O.
 */
void rbd_objq_finished(struct rbd_objq *q, uint64_t objno,
                       struct rbd_mutation *units, int ret);

#endif /* RBD_OBJQ_H */
