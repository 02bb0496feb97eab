/*
 * rbd-objq.c: per-object queues of mutations, and the merged ops that
 * drain them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "rbd-image.h"
#include "rbd-objq.h"

#define BUCKETS 256
/* Bounds of one merged op: well under the OSD's largest write. */
#define BATCH_MAX_UNITS 256
#define BATCH_MAX_BYTES (16u << 20)

/* An object with an op in flight, and what waits behind it. */
struct objq_entry {
    struct objq_entry *next;
    uint64_t objno;
    struct rbd_mutation *head, *tail;
};

struct rbd_objq {
    pthread_mutex_t lock;
    struct objq_entry *buckets[BUCKETS];
};

struct batch {
    struct rbd_image *img;
    uint64_t objno;
    struct rbd_mutation *units;
    rados_write_op_t op;
    rados_completion_t comp;
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

static void finish_units(struct rbd_mutation *m, int ret)
{
    while (m) {
        struct rbd_mutation *next = m->next;

        m->done(m, ret);
        m = next;
    }
}

/* The object's op is over: the next batch for it, or NULL and retired. */
static struct rbd_mutation *advance(struct rbd_objq *q, uint64_t objno)
{
    struct rbd_mutation *next = NULL;
    struct objq_entry **pe, *e;

    pthread_mutex_lock(&q->lock);
    pe = find(q, objno);
    e = *pe;
    if (e->head) {
        next = take_batch(e);
    } else {
        *pe = e->next;
        free(e);
    }
    pthread_mutex_unlock(&q->lock);
    return next;
}

static void batch_free(struct batch *b)
{
    if (b->op) {
        rados_release_write_op(b->op);
    }
    if (b->comp) {
        rados_aio_release(b->comp);
    }
    free(b);
}

static void dispatch(struct rbd_image *img, uint64_t objno,
                     struct rbd_mutation *units);

/* librados' finisher thread: finish the batch, send what queued behind it. */
static void batch_done(rados_completion_t comp, void *arg)
{
    struct batch *b = arg;
    struct rbd_image *img = b->img;
    uint64_t objno = b->objno;
    int ret = rados_aio_get_return_value(comp);

    finish_units(b->units, ret);
    batch_free(b);
    dispatch(img, objno, advance(img->objq, objno));
}

/* Units as one op in flight: 0, or a negative errno and nothing sent. */
static int send_batch(struct rbd_image *img, uint64_t objno,
                      struct rbd_mutation *units)
{
    struct batch *b = calloc(1, sizeof(*b));
    char oid[RBD_OID_MAX];
    int ret;

    if (!b) {
        return -ENOMEM;
    }
    b->img = img;
    b->objno = objno;
    b->units = units;
    b->op = rados_create_write_op();
    if (!b->op || rados_aio_create_completion2(b, batch_done, &b->comp) < 0) {
        batch_free(b);
        return -ENOMEM;
    }
    for (struct rbd_mutation *m = units; m; m = m->next) {
        m->build(m, b->op);
    }
    rbd_image_object_name(img, objno, oid);
    ret = rados_aio_write_op_operate(b->op, img->data, b->comp, oid, NULL, 0);
    if (ret < 0) {
        batch_free(b);
    }
    return ret;
}

static void dispatch(struct rbd_image *img, uint64_t objno,
                     struct rbd_mutation *units)
{
    while (units) {
        int ret = send_batch(img, objno, units);

        if (ret == 0) {
            return;
        }
        /* As if the op had failed: its units finish, the queue moves on. */
        finish_units(units, ret);
        units = advance(img->objq, objno);
    }
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
    dispatch(img, m->objno, m);
}
