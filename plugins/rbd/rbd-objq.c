/*
 * rbd-objq.c: per-object queues of mutations; rbd-objwrite.c sends the
 * merged batches that drain them.
 *
 * Ordering: one thread at a time is an object's sender, and it sends the
 * object's batches in queue order, without the queue's lock held (a send
 * costs a few microseconds, and the completions of other objects should
 * not wait for it).  While an object has a sender, the batches of that
 * object that finish only park their units in its entry, and the sender
 * completes them: so the entry, and the image, outlive every send (once
 * the last request completes the host may close the image), and a batch
 * that finishes inside its own send needs no recursion.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "rbd-objq.h"

#define BUCKETS 256
/* Bounds of one merged op: well under the OSD's largest write. */
#define BATCH_MAX_UNITS 256
#define BATCH_MAX_BYTES (16u << 20)

/* An object with a batch in flight, and what waits behind it. */
struct objq_entry {
    struct objq_entry *next;
    uint64_t objno;
    struct rbd_mutation *head, *tail;
    bool in_flight;                 /* a batch is out (at most one) */
    bool sending;                   /* a thread is the object's sender */
    struct rbd_mutation *parked;    /* it finished: for the sender */
};

/* Idle entries kept for reuse: most requests would allocate one else. */
#define MAX_SPARE 64

struct rbd_objq {
    const struct rbd_objq_ops *ops;
    void *ctx;
    pthread_mutex_t lock;
    struct objq_entry *buckets[BUCKETS];
    struct objq_entry *spare;
    unsigned n_spare;
};

struct rbd_objq *rbd_objq_new(const struct rbd_objq_ops *ops, void *ctx)
{
    struct rbd_objq *q = calloc(1, sizeof(*q));

    if (q) {
        q->ops = ops;
        q->ctx = ctx;
        pthread_mutex_init(&q->lock, NULL);
    }
    return q;
}

void rbd_objq_free(struct rbd_objq *q)
{
    if (q) {
        for (size_t i = 0; i < BUCKETS; i++) {
            assert(!q->buckets[i]);         /* nothing queued or in flight */
        }
        while (q->spare) {
            struct objq_entry *e = q->spare;

            q->spare = e->next;
            free(e);
        }
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

/* With the lock: an idle entry goes (to the spares). */
static void drop_if_idle(struct rbd_objq *q, struct objq_entry **pe)
{
    struct objq_entry *e = *pe;

    if (e->head || e->in_flight || e->sending) {
        return;
    }
    *pe = e->next;
    if (q->n_spare < MAX_SPARE) {
        e->next = q->spare;
        q->spare = e;
        q->n_spare++;
    } else {
        free(e);
    }
}

/*
 * With the lock: the next batch, if it may go now (nothing of its object
 * is in flight), or NULL.  *plain says how to send it.
 */
static struct rbd_mutation *take_next(struct rbd_objq *q,
                                      struct objq_entry *e, bool *plain)
{
    if (!e->head || e->in_flight) {
        return NULL;
    }
    *plain = q->ops->plain(q->ctx, e->head);
    e->in_flight = true;
    return take_batch(e);
}

static void complete_units(struct rbd_mutation *m, int ret)
{
    while (m) {
        struct rbd_mutation *next = m->next;

        m->done(m, ret);
        m = next;
    }
}

/*
 * The sender's loop, with the sender role taken: send b; if it finished
 * meanwhile (parked), take the next batch, complete the finished one, and
 * send the next; else give the role up and let the completion go on.
 */
static void run(struct rbd_objq *q, uint64_t objno, struct rbd_mutation *b,
                bool plain)
{
    while (b) {
        struct objq_entry **pe;
        struct rbd_mutation *parked;
        int ret = 0;

        if (!plain) {
            q->ops->send(q->ctx, objno, b);
        } else if ((ret = q->ops->send_plain(q->ctx, objno, b)) < 0) {
            /* Not sent: it finished, with that error. */
            rbd_objq_finished(q, objno, b, ret);
        }
        pthread_mutex_lock(&q->lock);
        pe = find(q, objno);
        parked = (*pe)->parked;
        (*pe)->parked = NULL;
        if (parked) {
            (*pe)->in_flight = false;
        }
        b = take_next(q, *pe, &plain);
        if (!b) {
            (*pe)->sending = false;
            drop_if_idle(q, pe);
        }
        pthread_mutex_unlock(&q->lock);
        while (parked) {
            struct rbd_mutation *next = parked->parked_next;

            complete_units(parked, parked->parked_ret);
            parked = next;
        }
    }
}

void rbd_objq_finished(struct rbd_objq *q, uint64_t objno,
                       struct rbd_mutation *units, int ret)
{
    struct objq_entry **pe;
    struct rbd_mutation *next;
    bool plain = false;

    pthread_mutex_lock(&q->lock);
    pe = find(q, objno);
    assert(*pe && (*pe)->in_flight);
    if ((*pe)->sending) {
        units->parked_ret = ret;
        units->parked_next = (*pe)->parked;
        (*pe)->parked = units;
        pthread_mutex_unlock(&q->lock);
        return;
    }
    (*pe)->in_flight = false;
    next = take_next(q, *pe, &plain);
    if (next) {
        (*pe)->sending = true;
    } else {
        drop_if_idle(q, pe);
    }
    pthread_mutex_unlock(&q->lock);
    complete_units(units, ret);
    if (next) {
        run(q, objno, next, plain);
    }
}

void rbd_objq_submit(struct rbd_objq *q, struct rbd_mutation *m)
{
    uint64_t objno = m->objno;      /* m may be gone once it is sent */
    struct objq_entry **pe;
    struct rbd_mutation *b = NULL;
    bool plain = false;

    m->next = NULL;
    pthread_mutex_lock(&q->lock);
    pe = find(q, objno);
    if (!*pe) {
        if (q->spare) {
            *pe = q->spare;
            q->spare = q->spare->next;
            q->n_spare--;
            **pe = (struct objq_entry){ 0 };
        } else if (!(*pe = calloc(1, sizeof(**pe)))) {
            pthread_mutex_unlock(&q->lock);
            m->done(m, -ENOMEM);
            return;
        }
        (*pe)->objno = objno;
    }
    if ((*pe)->tail) {
        (*pe)->tail->next = m;
    } else {
        (*pe)->head = m;
    }
    (*pe)->tail = m;
    /* With a sender at work, it takes m in turn. */
    if (!(*pe)->sending) {
        b = take_next(q, *pe, &plain);
        (*pe)->sending = b != NULL;
    }
    pthread_mutex_unlock(&q->lock);
    if (b) {
        run(q, objno, b, plain);
    }
}
