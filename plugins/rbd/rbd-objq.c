/*
 * rbd-objq.c: per-object queues of mutations; rbd-objwrite.c sends the
 * merged batches that drain them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "rbd-image.h"
#include "rbd-objq.h"
#include "rbd-objwrite.h"

#define BUCKETS 256
/* Bounds of one merged op: well under the OSD's largest write. */
#define BATCH_MAX_UNITS 256
#define BATCH_MAX_BYTES (16u << 20)

/* An object with an op in flight, and what waits behind it. */
struct objq_entry {
    struct objq_entry *next;
    uint64_t objno;
    struct rbd_mutation *head, *tail;
    bool sending;       /* inside rbd_objwrite_send */
    bool finished;      /* ...and the batch finished already */
};

struct rbd_objq {
    pthread_mutex_t lock;
    struct objq_entry *buckets[BUCKETS];
};

struct rbd_objq *rbd_objq_new(void)
{
    struct rbd_objq *q = calloc(1, sizeof(*q));

    if (q) {
        pthread_mutex_init(&q->lock, NULL);
    }
    return q;
}

void rbd_objq_free(struct rbd_objq *q)
{
    if (q) {
        pthread_mutex_destroy(&q->lock);
        free(q);
    }
}

static struct objq_entry **find(struct rbd_objq *q, uint64_t objno)
{
    struct objq_entry **e = &q->buckets[(objno * 0x9e3779b97f4a7c15ull) >> 56];

    while (*e && (*e)->objno != objno) {
        e = &(*e)->next;
    }
    return e;
}

/*
 * Take the next batch off an entry: a lone mutation by itself, else the
 * queued ones up to the next lone one or the bounds.  Called with the lock.
 */
static struct rbd_mutation *take_batch(struct objq_entry *e)
{
    struct rbd_mutation *first = e->head, *last = first;
    size_t units = 1, bytes = first->bytes;

    if (!first->alone) {
        while (last->next && !last->next->alone && units < BATCH_MAX_UNITS &&
               bytes + last->next->bytes <= BATCH_MAX_BYTES) {
            last = last->next;
            units++;
            bytes += last->bytes;
        }
    }
    e->head = last->next;
    if (!e->head) {
        e->tail = NULL;
    }
    last->next = NULL;
    return first;
}

/*
 * The object's batch is over: the next batch for it, or NULL and the
 * entry retired.  If the batch finished while rbd_objwrite_send was still
 * running for it (no RADOS round trip was needed), only note that: the
 * sender loops instead of recursing, however long the queue.
 */
static struct rbd_mutation *advance(struct rbd_objq *q, uint64_t objno,
                                    bool from_sender)
{
    struct rbd_mutation *next = NULL;
    struct objq_entry **pe, *e;

    pthread_mutex_lock(&q->lock);
    pe = find(q, objno);
    e = *pe;
    if (!from_sender && e->sending) {
        e->finished = true;
    } else if (e->head) {
        next = take_batch(e);
    } else {
        *pe = e->next;
        free(e);
    }
    pthread_mutex_unlock(&q->lock);
    return next;
}

/* Send batches for objno until one is left in flight. */
static void run(struct rbd_image *img, uint64_t objno,
                struct rbd_mutation *units)
{
    struct rbd_objq *q = img->objq;

    while (units) {
        struct objq_entry *e;
        bool finished;

        pthread_mutex_lock(&q->lock);
        (*find(q, objno))->sending = true;
        pthread_mutex_unlock(&q->lock);
        rbd_objwrite_send(img, objno, units);
        pthread_mutex_lock(&q->lock);
        e = *find(q, objno);
        e->sending = false;
        finished = e->finished;
        e->finished = false;
        pthread_mutex_unlock(&q->lock);
        if (!finished) {
            return;         /* in flight: its completion goes on */
        }
        units = advance(q, objno, true);
    }
}

struct rbd_mutation *rbd_objq_retire(struct rbd_image *img, uint64_t objno)
{
    return advance(img->objq, objno, false);
}

void rbd_objq_run(struct rbd_image *img, uint64_t objno,
                  struct rbd_mutation *units)
{
    run(img, objno, units);
}

void rbd_objq_submit(struct rbd_image *img, struct rbd_mutation *m)
{
    struct rbd_objq *q = img->objq;
    struct objq_entry **pe, *e;

    m->next = NULL;
    pthread_mutex_lock(&q->lock);
    pe = find(q, m->objno);
    if (*pe) {
        e = *pe;
        if (e->tail) {
            e->tail->next = m;
        } else {
            e->head = m;
        }
        e->tail = m;
        pthread_mutex_unlock(&q->lock);
        return;
    }
    e = calloc(1, sizeof(*e));
    if (!e) {
        pthread_mutex_unlock(&q->lock);
        m->done(m, -ENOMEM);
        return;
    }
    e->objno = m->objno;
    *pe = e;
    pthread_mutex_unlock(&q->lock);
    run(img, m->objno, m);
}
