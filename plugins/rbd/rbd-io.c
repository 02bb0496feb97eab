/*
 * rbd-io.c: turn an image request into one RADOS operation per object.
 *
 * The striping mapper cuts the request into pieces; the pieces of each
 * object become the steps of one compound op, reading into and writing
 * from the caller's iovecs directly.  The request completes when the last
 * object op does, with the first error any of them saw.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-io.h"

struct rbd_piece {
    uint64_t objno;
    uint64_t obj_off;
    uint64_t len;
    uint64_t req_off;
};

struct rbd_req {
    enum rbd_io_kind kind;
    uint32_t flags;
    uint64_t off;
    uint64_t len;
    qbp_completion_fn *cb;
    void *opaque;
    atomic_int pending;     /* object ops in flight, +1 while submitting */
    atomic_int error;       /* the first error, 0 if none */
};

/* One read step: where it lands and what RADOS says of it. */
struct rbd_read_step {
    char *buf;
    size_t len;
    uint64_t img_off;       /* where the step's bytes are in the image */
    size_t done;
    int prval;
};

struct rbd_objop {
    struct rbd_req *req;
    struct rbd_image *img;
    rados_completion_t comp;
    rados_read_op_t rop;
    rados_write_op_t wop;
    size_t n_steps;
    struct rbd_read_step steps[];
};

struct piece_list {
    struct rbd_piece *v;
    size_t n;
    size_t cap;
};

static int collect_piece(void *opaque, uint64_t objno, uint64_t obj_off,
                         uint64_t len, uint64_t req_off)
{
    struct piece_list *l = opaque;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct rbd_piece *v = realloc(l->v, cap * sizeof(*v));

        if (!v) {
            return -ENOMEM;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct rbd_piece){ objno, obj_off, len, req_off };
    return 0;
}

static int piece_cmp(const void *a, const void *b)
{
    const struct rbd_piece *x = a, *y = b;

    if (x->objno != y->objno) {
        return x->objno < y->objno ? -1 : 1;
    }
    return x->obj_off < y->obj_off ? -1 : x->obj_off > y->obj_off;
}

static void req_finish_one(struct rbd_req *req, int ret)
{
    int expected = 0;

    if (ret < 0) {
        atomic_compare_exchange_strong(&req->error, &expected, ret);
    }
    if (atomic_fetch_sub(&req->pending, 1) == 1) {
        int error = atomic_load(&req->error);

        req->cb(req->opaque, error < 0 ? error : (int64_t)req->len);
        free(req);
    }
}

static void objop_free(struct rbd_objop *o)
{
    if (o->rop) {
        rados_release_read_op(o->rop);
    }
    if (o->wop) {
        rados_release_write_op(o->wop);
    }
    if (o->comp) {
        rados_aio_release(o->comp);
    }
    free(o);
}

static void parent_read_done(void *opaque, int64_t result)
{
    req_finish_one(opaque, result < 0 ? (int)result : 0);
}

/*
 * A clone lacks this object: its bytes are the parent's up to the overlap,
 * zeroes after.  Each step becomes a read of the parent, counted in the
 * request like an object op of its own.
 */
static void read_from_parent(struct rbd_objop *o)
{
    struct rbd_image *parent = o->img->parent;
    uint64_t overlap = o->img->parent_overlap;

    for (size_t i = 0; i < o->n_steps; i++) {
        struct rbd_read_step *s = &o->steps[i];
        uint64_t in = s->img_off >= overlap ? 0 :
                      s->len < overlap - s->img_off ? s->len :
                      overlap - s->img_off;
        struct iovec iov = { .iov_base = s->buf, .iov_len = in };
        int ret = 0;

        memset(s->buf + in, 0, s->len - in);
        if (in == 0) {
            continue;
        }
        atomic_fetch_add(&o->req->pending, 1);
        ret = rbd_io_submit(parent, RBD_IO_READ, s->img_off, in, &iov, 1, 0,
                            parent_read_done, o->req);
        if (ret < 0) {
            req_finish_one(o->req, ret);
        }
    }
}

/* librados' finisher thread: no blocking here. */
static void objop_done(rados_completion_t comp, void *arg)
{
    struct rbd_objop *o = arg;
    struct rbd_req *req = o->req;
    int ret = rados_aio_get_return_value(comp);

    if (req->kind == RBD_IO_READ && ret == -ENOENT && o->img->parent) {
        read_from_parent(o);
        ret = 0;
    } else if (req->kind == RBD_IO_READ) {
        /* A missing object, or data short of the range, reads as zeroes. */
        for (size_t i = 0; i < o->n_steps; i++) {
            struct rbd_read_step *s = &o->steps[i];
            size_t done = ret == 0 && s->prval >= 0 ? s->done : 0;

            if (ret == 0 && s->prval < 0) {
                ret = s->prval;
            }
            if (done < s->len) {
                memset(s->buf + done, 0, s->len - done);
            }
        }
        if (ret == -ENOENT) {
            ret = 0;
        }
    } else if (req->kind != RBD_IO_WRITE && ret == -ENOENT) {
        /* Nothing to discard or zero where there is no object. */
        ret = 0;
    }
    objop_free(o);
    req_finish_one(req, ret);
}

/* Cut [req_off, req_off+len) of the request's iovecs into steps via fn. */
typedef int step_fn(struct rbd_objop *o, uint64_t obj_off, uint64_t img_off,
                    char *buf, size_t len);

static int for_each_segment(const struct iovec *iov, int iovcnt,
                            uint64_t req_off, uint64_t len, uint64_t obj_off,
                            struct rbd_objop *o, step_fn *fn)
{
    uint64_t img_off = o->req->off + req_off;
    int i = 0;

    while (i < iovcnt && req_off >= iov[i].iov_len) {
        req_off -= iov[i].iov_len;
        i++;
    }
    for (; len > 0 && i < iovcnt; i++) {
        size_t n = iov[i].iov_len - req_off;
        int ret;

        if (n > len) {
            n = len;
        }
        if (n == 0) {
            continue;
        }
        ret = fn(o, obj_off, img_off, (char *)iov[i].iov_base + req_off, n);
        if (ret < 0) {
            return ret;
        }
        obj_off += n;
        img_off += n;
        len -= n;
        req_off = 0;
    }
    return len ? -EINVAL : 0;
}

static int read_step(struct rbd_objop *o, uint64_t obj_off, uint64_t img_off,
                     char *buf, size_t len)
{
    struct rbd_read_step *s = &o->steps[o->n_steps++];

    s->buf = buf;
    s->len = len;
    s->img_off = img_off;
    rados_read_op_read(o->rop, obj_off, len, buf, &s->done, &s->prval);
    return 0;
}

static int write_step(struct rbd_objop *o, uint64_t obj_off,
                      uint64_t img_off, char *buf, size_t len)
{
    rados_write_op_write(o->wop, buf, len, obj_off);
    return 0;
}

/* How many iovec segments the pieces of one object are cut into. */
static size_t count_steps(const struct rbd_piece *p, size_t n,
                          const struct iovec *iov, int iovcnt)
{
    size_t steps = 0;

    for (size_t k = 0; k < n; k++) {
        uint64_t off = p[k].req_off, end = off + p[k].len, pos = 0;

        for (int i = 0; i < iovcnt && pos < end; i++) {
            uint64_t next = pos + iov[i].iov_len;

            steps += next > off && iov[i].iov_len > 0;
            pos = next;
        }
    }
    return steps;
}

/*
 * Discard and write-zeroes of one object, as the kernel client does: the
 * whole object is removed, a range to its end is truncated, anything else
 * is zeroed.  Adjacent pieces are merged first.
 */
static void add_trim_steps(struct rbd_objop *o, const struct rbd_piece *p,
                           size_t n, uint64_t object_size, bool may_unmap)
{
    rados_write_op_assert_exists(o->wop);
    for (size_t i = 0; i < n;) {
        uint64_t start = p[i].obj_off, end = start + p[i].len;

        for (i++; i < n && p[i].obj_off == end; i++) {
            end += p[i].len;
        }
        if (may_unmap && start == 0 && end == object_size) {
            rados_write_op_remove(o->wop);
        } else if (may_unmap && end == object_size) {
            rados_write_op_truncate(o->wop, start);
        } else {
            rados_write_op_zero(o->wop, start, end - start);
        }
    }
}

static int submit_object(struct rbd_image *img, struct rbd_req *req,
                         const struct rbd_piece *p, size_t n,
                         const struct iovec *iov, int iovcnt)
{
    size_t max_steps = req->kind == RBD_IO_READ ? count_steps(p, n, iov, iovcnt) : 0;
    struct rbd_objop *o = calloc(1, sizeof(*o) + max_steps * sizeof(o->steps[0]));
    char oid[RBD_OID_MAX];
    int ret = 0;

    if (!o) {
        return -ENOMEM;
    }
    o->req = req;
    o->img = img;
    rbd_image_object_name(img, p[0].objno, oid);
    if (rados_aio_create_completion2(o, objop_done, &o->comp) < 0) {
        objop_free(o);
        return -ENOMEM;
    }
    if (req->kind == RBD_IO_READ) {
        o->rop = rados_create_read_op();
        for (size_t i = 0; o->rop && ret == 0 && i < n; i++) {
            ret = for_each_segment(iov, iovcnt, p[i].req_off, p[i].len,
                                   p[i].obj_off, o, read_step);
        }
    } else {
        o->wop = rados_create_write_op();
        if (o->wop && req->kind == RBD_IO_WRITE) {
            for (size_t i = 0; ret == 0 && i < n; i++) {
                ret = for_each_segment(iov, iovcnt, p[i].req_off, p[i].len,
                                       p[i].obj_off, o, write_step);
            }
        } else if (o->wop) {
            add_trim_steps(o, p, n, img->layout.object_size,
                           req->kind == RBD_IO_DISCARD ||
                           (req->flags & QBP_REQ_MAY_UNMAP));
        }
    }
    if (!o->rop && !o->wop) {
        ret = -ENOMEM;
    }
    if (ret == 0) {
        atomic_fetch_add(&req->pending, 1);
        ret = o->rop
              ? rados_aio_read_op_operate(o->rop, img->data, o->comp, oid, 0)
              : rados_aio_write_op_operate(o->wop, img->data, o->comp, oid,
                                           NULL, 0);
        if (ret < 0) {
            atomic_fetch_sub(&req->pending, 1);
        }
    }
    if (ret < 0) {
        objop_free(o);
    }
    return ret;
}

int rbd_io_submit(struct rbd_image *img, enum rbd_io_kind kind, uint64_t off,
                  uint64_t len, const struct iovec *iov, int iovcnt,
                  uint32_t flags, qbp_completion_fn *cb, void *opaque)
{
    struct piece_list l = { 0 };
    struct rbd_req *req;
    size_t submitted = 0;
    int ret;

    if (kind != RBD_IO_READ && img->read_only) {
        return -EROFS;
    }
    ret = rbd_image_refresh_if_stale(img);
    if (ret < 0 && kind != RBD_IO_READ) {
        return ret;
    }
    ret = rbd_layout_map(&img->layout, off, len, collect_piece, &l);
    req = ret == 0 ? calloc(1, sizeof(*req)) : NULL;
    if (!req) {
        free(l.v);
        return ret < 0 ? ret : -ENOMEM;
    }
    *req = (struct rbd_req){ .kind = kind, .flags = flags, .off = off,
                             .len = len, .cb = cb, .opaque = opaque };
    atomic_init(&req->pending, 1);
    atomic_init(&req->error, 0);
    if (img->layout.stripe_count > 1) {
        qsort(l.v, l.n, sizeof(l.v[0]), piece_cmp);
    }
    for (size_t i = 0; i < l.n;) {
        size_t j = i + 1;

        while (j < l.n && l.v[j].objno == l.v[i].objno) {
            j++;
        }
        ret = submit_object(img, req, &l.v[i], j - i, iov, iovcnt);
        if (ret < 0) {
            break;
        }
        submitted++;
        i = j;
    }
    free(l.v);
    if (ret < 0 && submitted == 0) {
        free(req);
        return ret;
    }
    /* Drop the submission guard; a partial failure completes with it. */
    req_finish_one(req, ret);
    return 0;
}

struct sync_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    int64_t result;
};

static void sync_done(void *opaque, int64_t result)
{
    struct sync_wait *w = opaque;

    pthread_mutex_lock(&w->lock);
    w->result = result;
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

int rbd_io_sync(struct rbd_image *img, enum rbd_io_kind kind, uint64_t off,
                uint64_t len)
{
    struct sync_wait w = { .lock = PTHREAD_MUTEX_INITIALIZER,
                           .cond = PTHREAD_COND_INITIALIZER };
    int ret = rbd_io_submit(img, kind, off, len, NULL, 0, 0, sync_done, &w);

    if (ret < 0) {
        return ret;
    }
    pthread_mutex_lock(&w.lock);
    while (!w.done) {
        pthread_cond_wait(&w.cond, &w.lock);
    }
    pthread_mutex_unlock(&w.lock);
    return w.result < 0 ? (int)w.result : 0;
}
