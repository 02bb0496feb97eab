/*
 * rbd-io.c: turn an image request into one RADOS operation per object.
 *
 * The striping mapper cuts the request into pieces; the pieces of each
 * object become the steps of one compound op, reading into and writing
 * from the caller's iovecs directly.  The request completes when the last
 * object op does, with the first error any of them saw.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-io.h"
#include "rbd-lock.h"
#include "rbd-mapio.h"
#include "rbd-objq.h"
#include "rbd-refresh.h"

struct rbd_piece {
    uint64_t objno;
    uint64_t obj_off;
    uint64_t len;
    uint64_t req_off;
};

/* Pieces most requests fit in, inside the request: one allocation less. */
#define INLINE_PIECES 4

struct rbd_req {
    enum rbd_io_kind kind;
    uint32_t flags;         /* QBP_REQ_* */
    unsigned own;           /* enum rbd_io_own */
    uint64_t off;
    uint64_t len;
    qbp_completion_fn *cb;
    void *opaque;
    atomic_int pending;     /* object ops in flight, +1 while submitting */
    atomic_int error;       /* the first error, 0 if none */
    /*
     * A mutation waits for a stale header to be read again, then for the
     * exclusive lock, with what it needs to go on.
     */
    struct rbd_refresh_waiter refresh_wait;
    struct rbd_lock_waiter wait;
    /* The host's requests first pass the image's QoS limits. */
    struct rbd_qos_waiter qos_wait;
    struct rbd_image *img;
    struct rbd_piece *pieces;
    size_t n_pieces;
    const struct iovec *iov;
    int iovcnt;
    bool counted;           /* holds the lock until it completes */
    struct rbd_piece inline_pieces[INLINE_PIECES];
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
    size_t n_steps;
    struct rbd_read_step steps[];
};

struct piece_list {
    struct rbd_piece *v;    /* inline (not to be freed) while cap is small */
    size_t n;
    size_t cap;
};

static int collect_piece(void *opaque, uint64_t objno, uint64_t obj_off,
                         uint64_t len, uint64_t req_off)
{
    struct piece_list *l = opaque;

    if (l->n == l->cap) {
        size_t cap = l->cap * 4;
        struct rbd_piece *v = l->cap == INLINE_PIECES
                              ? malloc(cap * sizeof(*v))
                              : realloc(l->v, cap * sizeof(*v));

        if (!v) {
            return -ENOMEM;
        }
        if (l->cap == INLINE_PIECES) {
            memcpy(v, l->v, l->n * sizeof(*v));
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

static void req_free(struct rbd_req *req)
{
    if (req->pieces != req->inline_pieces) {
        free(req->pieces);
    }
    free(req);
}

static void req_finish_one(struct rbd_req *req, int ret)
{
    int expected = 0;

    if (ret < 0) {
        rbd_image_blocklisted(req->img, ret);
        atomic_compare_exchange_strong(&req->error, &expected, ret);
    }
    if (atomic_fetch_sub(&req->pending, 1) == 1) {
        int error = atomic_load(&req->error);

        if (req->counted) {
            /* Before the callback: the host may close the image after it. */
            rbd_lock_put(req->img->xlock);
        }
        req->cb(req->opaque, error < 0 ? error : (int64_t)req->len);
        req_free(req);
    }
}

static void objop_free(struct rbd_objop *o)
{
    if (o->rop) {
        rados_release_read_op(o->rop);
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
    uint64_t overlap = rbd_image_overlap(o->img);

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

/* A read's op is back (or not sent): parent, zeroes or data. */
static void objop_finish(struct rbd_objop *o, int ret)
{
    struct rbd_req *req = o->req;

    if (ret == -ENOENT && o->img->parent) {
        read_from_parent(o);
        ret = 0;
    } else {
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
    }
    objop_free(o);
    req_finish_one(req, ret);
}

/* librados' finisher thread: no blocking here. */
static void objop_done(rados_completion_t comp, void *arg)
{
    objop_finish(arg, rados_aio_get_return_value(comp));
}

/* Cut [req_off, req_off+len) of the request's iovecs into steps via fn. */
typedef int step_fn(void *ctx, uint64_t obj_off, uint64_t img_off,
                    char *buf, size_t len);

static int for_each_segment(const struct iovec *iov, int iovcnt,
                            uint64_t img_off, uint64_t req_off, uint64_t len,
                            uint64_t obj_off, void *ctx, step_fn *fn)
{
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
        ret = fn(ctx, obj_off, img_off, (char *)iov[i].iov_base + req_off, n);
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

static int read_step(void *ctx, uint64_t obj_off, uint64_t img_off,
                     char *buf, size_t len)
{
    struct rbd_objop *o = ctx;
    struct rbd_read_step *s = &o->steps[o->n_steps++];

    s->buf = buf;
    s->len = len;
    s->img_off = img_off;
    rados_read_op_read(o->rop, obj_off, len, buf, &s->done, &s->prval);
    return 0;
}

/* Writes of one request to one object, waiting in the object's queue. */
struct rbd_write_unit {
    struct rbd_mutation m;
    struct rbd_req *req;
    size_t n_steps;
    struct rbd_write_step {
        uint64_t obj_off;
        const char *buf;
        size_t len;
    } steps[];
};

static int write_step(void *ctx, uint64_t obj_off, uint64_t img_off,
                      char *buf, size_t len)
{
    struct rbd_write_unit *u = ctx;

    u->steps[u->n_steps++] = (struct rbd_write_step){ obj_off, buf, len };
    return 0;
}

/*
 * Adjacent pieces of a vector write go out as one write, as librbd sends
 * them: librados copies the bytes at once, so the joined copy is freed
 * right away.  A whole object goes as writefull, as librbd sends it.
 */
static void write_run(rados_write_op_t op, const struct rbd_write_step *s,
                      size_t n, size_t len, bool full)
{
    char *joined = NULL;
    const char *buf = s[0].buf;

    if (n > 1) {
        joined = malloc(len);
        if (!joined) {
            /* The same bytes in several writes of one op. */
            for (size_t i = 0; i < n; i++) {
                rados_write_op_write(op, s[i].buf, s[i].len, s[i].obj_off);
            }
            return;
        }
        for (size_t i = 0, at = 0; i < n; at += s[i].len, i++) {
            memcpy(joined + at, s[i].buf, s[i].len);
        }
        buf = joined;
    }
    if (full) {
        rados_write_op_write_full(op, buf, len);
    } else {
        rados_write_op_write(op, buf, len, s[0].obj_off);
    }
    free(joined);
}

static void write_build(struct rbd_mutation *m, rados_write_op_t op,
                        const struct rbd_objctx *ctx)
{
    struct rbd_write_unit *u = (struct rbd_write_unit *)m;
    const struct rbd_write_step *s = u->steps;

    for (size_t i = 0; i < u->n_steps;) {
        size_t j = i + 1;
        size_t len = s[i].len;

        while (j < u->n_steps && s[j].obj_off == s[i].obj_off + len) {
            len += s[j++].len;
        }
        /* Full: this one run covers the whole object. */
        write_run(op, &s[i], j - i, len, m->full && i == 0 && j == u->n_steps);
        i = j;
    }
}

static void write_done(struct rbd_mutation *m, int ret)
{
    struct rbd_write_unit *u = (struct rbd_write_unit *)m;
    struct rbd_req *req = u->req;

    free(u);
    req_finish_one(req, ret);
}

/* Discard or write-zeroes of one request to one object. */
struct rbd_trim_unit {
    struct rbd_mutation m;
    struct rbd_req *req;
    uint64_t object_size;
    bool may_unmap;
    size_t n;
    struct rbd_piece p[];
};

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
 * is zeroed.  Adjacent pieces are merged first.  It asserts the object
 * exists, so that nothing is created, and so it travels alone.
 *
 * Where a clone's parent shows through, as librbd does: the object is
 * never removed (the parent's data would reappear), but truncated to 0;
 * a missing one is created empty, or copied up first when only part of
 * it goes (rbd-objwrite.c), so the range reads as zeroes afterwards.
 */
static void trim_build(struct rbd_mutation *m, rados_write_op_t op,
                       const struct rbd_objctx *ctx)
{
    struct rbd_trim_unit *u = (struct rbd_trim_unit *)m;
    const struct rbd_piece *p = u->p;

    if (!ctx->parent) {
        rados_write_op_assert_exists(op);
    } else if (m->full && !ctx->copyup) {
        rados_write_op_create(op, LIBRADOS_CREATE_IDEMPOTENT, NULL);
    }
    for (size_t i = 0; i < u->n;) {
        uint64_t start = p[i].obj_off, end = start + p[i].len;

        for (i++; i < u->n && p[i].obj_off == end; i++) {
            end += p[i].len;
        }
        if (!ctx->parent && u->may_unmap && start == 0 &&
            end == u->object_size) {
            rados_write_op_remove(op);
        } else if (u->may_unmap && end == u->object_size) {
            rados_write_op_truncate(op, start);
        } else {
            rados_write_op_zero(op, start, end - start);
        }
    }
}

static void trim_done(struct rbd_mutation *m, int ret)
{
    struct rbd_trim_unit *u = (struct rbd_trim_unit *)m;
    struct rbd_req *req = u->req;

    free(u);
    /* Nothing to discard or zero where there is no object. */
    req_finish_one(req, ret == -ENOENT ? 0 : ret);
}

/* Queue the request's mutation of one object behind the object's ops. */
static int queue_mutation(struct rbd_image *img, struct rbd_req *req,
                          const struct rbd_piece *p, size_t n,
                          const struct iovec *iov, int iovcnt)
{
    struct rbd_mutation *m;
    uint64_t covered = 0;
    int ret = 0;

    /* Pieces come in object order: contiguous from 0 means whole. */
    for (size_t i = 0; i < n && p[i].obj_off == covered; i++) {
        covered += p[i].len;
    }
    if (req->kind == RBD_IO_WRITE) {
        size_t steps = count_steps(p, n, iov, iovcnt);
        struct rbd_write_unit *u = calloc(1, sizeof(*u) +
                                          steps * sizeof(u->steps[0]));

        if (!u) {
            return -ENOMEM;
        }
        for (size_t i = 0; ret == 0 && i < n; i++) {
            ret = for_each_segment(iov, iovcnt, req->off + p[i].req_off,
                                   p[i].req_off, p[i].len, p[i].obj_off, u,
                                   write_step);
            u->m.bytes += p[i].len;
        }
        if (ret < 0) {
            free(u);
            return ret;
        }
        u->req = req;
        u->m.build = write_build;
        u->m.done = write_done;
        m = &u->m;
    } else {
        struct rbd_trim_unit *u = calloc(1, sizeof(*u) + n * sizeof(u->p[0]));

        if (!u) {
            return -ENOMEM;
        }
        memcpy(u->p, p, n * sizeof(p[0]));
        u->n = n;
        u->req = req;
        u->object_size = img->layout.object_size;
        u->may_unmap = req->kind == RBD_IO_DISCARD ||
                       (req->flags & QBP_REQ_MAY_UNMAP);
        u->m.alone = true;
        u->m.trim = true;
        u->m.may_unmap = u->may_unmap;
        u->m.shrink = (req->own & RBD_IO_SHRINK) != 0;
        u->m.build = trim_build;
        u->m.done = trim_done;
        m = &u->m;
    }
    m->objno = p[0].objno;
    m->full = covered == img->layout.object_size;
    atomic_fetch_add(&req->pending, 1);
    rbd_objq_submit(img->objq, m);
    return 0;
}

/* A read of one object: one compound op straight into the caller's iovecs. */
static int submit_read(struct rbd_image *img, struct rbd_req *req,
                       const struct rbd_piece *p, size_t n,
                       const struct iovec *iov, int iovcnt)
{
    size_t steps = count_steps(p, n, iov, iovcnt);
    struct rbd_objop *o = calloc(1, sizeof(*o) + steps * sizeof(o->steps[0]));
    char oid[RBD_OID_MAX];
    uint8_t state;
    int ret = 0;

    if (!o) {
        return -ENOMEM;
    }
    o->req = req;
    o->img = img;
    o->rop = rados_create_read_op();
    if (!o->rop || rados_aio_create_completion2(o, objop_done, &o->comp) < 0) {
        objop_free(o);
        return -ENOMEM;
    }
    for (size_t i = 0; ret == 0 && i < n; i++) {
        ret = for_each_segment(iov, iovcnt, req->off + p[i].req_off,
                               p[i].req_off, p[i].len, p[i].obj_off, o,
                               read_step);
    }
    if (ret == 0 && rbd_mapio_state(img->omap, p[0].objno, &state) &&
        state == RBD_OBJ_NONEXISTENT) {
        /* The object map knows it is missing: no round trip for that. */
        atomic_fetch_add(&req->pending, 1);
        objop_finish(o, -ENOENT);
        return 0;
    }
    if (ret == 0) {
        rbd_image_object_name(img, p[0].objno, oid);
        atomic_fetch_add(&req->pending, 1);
        ret = rados_aio_read_op_operate(o->rop, img->data, o->comp, oid, 0);
        if (ret < 0) {
            atomic_fetch_sub(&req->pending, 1);
        }
    }
    if (ret < 0) {
        objop_free(o);
    }
    return ret;
}

/*
 * One op per object the request touches; 0 if any went out (a later
 * failure completes the request with it), else the error.
 */
static int submit_pieces(struct rbd_req *req)
{
    struct rbd_image *img = req->img;
    const struct rbd_piece *v = req->pieces;
    size_t submitted = 0;
    int ret = 0;

    for (size_t i = 0; i < req->n_pieces;) {
        size_t j = i + 1;

        while (j < req->n_pieces && v[j].objno == v[i].objno) {
            j++;
        }
        ret = req->kind == RBD_IO_READ
              ? submit_read(img, req, &v[i], j - i, req->iov, req->iovcnt)
              : queue_mutation(img, req, &v[i], j - i, req->iov, req->iovcnt);
        if (ret < 0) {
            break;
        }
        submitted++;
        i = j;
    }
    if (ret < 0 && submitted == 0) {
        return ret;
    }
    /* Drop the submission guard; a partial failure completes with it. */
    req_finish_one(req, ret);
    return 0;
}

/* The exclusive lock's thread: the lock is ours (ret 0) or cannot be. */
static void resume_mutation(struct rbd_lock_waiter *w, int ret)
{
    struct rbd_req *req = (struct rbd_req *)((char *)w -
                                             offsetof(struct rbd_req, wait));

    req->counted = ret == 0;
    if (ret == 0) {
        ret = submit_pieces(req);
    }
    if (ret < 0) {
        /* Accepted long ago: the completion carries the error. */
        req_finish_one(req, ret);
    }
}

/* The refresher's thread: the snap context is current (ret 0) or cannot be. */
static void resume_refreshed(struct rbd_refresh_waiter *w, int ret)
{
    struct rbd_req *req = (struct rbd_req *)((char *)w -
                                             offsetof(struct rbd_req,
                                                      refresh_wait));

    if (ret == 0) {
        ret = rbd_lock_get(req->img->xlock, &req->wait);
        if (ret == 1) {
            return;             /* resume_mutation goes on */
        }
        req->counted = ret == 0 && req->img->xlock;
    }
    if (ret == 0) {
        ret = submit_pieces(req);
    }
    if (ret < 0) {
        req_finish_one(req, ret);
    }
}

/*
 * Past the QoS gate: a mutation waits for a current header and the lock.
 * 0 when the request goes on (or waits), or a negative errno with nothing
 * sent (req->counted says whether it holds the lock).
 */
static int proceed(struct rbd_req *req)
{
    struct rbd_image *img = req->img;
    int ret = 0;

    /* Reads go on with the snap context they have, as in librbd. */
    if (req->kind != RBD_IO_READ && !(req->own & RBD_IO_HELD)) {
        ret = rbd_refresh_gate(img->refresher, &req->refresh_wait);
        if (ret == 1) {
            return 0;           /* resume_refreshed goes on */
        }
    }
    if (ret == 0 && req->kind != RBD_IO_READ && !(req->own & RBD_IO_HELD)) {
        ret = rbd_lock_get(img->xlock, &req->wait);
        if (ret == 1) {
            return 0;           /* resume_mutation goes on */
        }
        req->counted = ret == 0 && img->xlock;
    }
    return ret == 0 ? submit_pieces(req) : ret;
}

/* The QoS gate's thread: the request's turn has come. */
static void resume_admitted(struct rbd_qos_waiter *w)
{
    struct rbd_req *req = (struct rbd_req *)((char *)w -
                                             offsetof(struct rbd_req,
                                                      qos_wait));
    int ret = proceed(req);

    if (ret < 0) {
        req_finish_one(req, ret);
    }
}

static int io_submit(struct rbd_image *img, enum rbd_io_kind kind,
                     uint64_t off, uint64_t len, const struct iovec *iov,
                     int iovcnt, uint32_t flags, unsigned own,
                     qbp_completion_fn *cb, void *opaque)
{
    struct piece_list l;
    struct rbd_req *req;
    int ret;

    if (kind != RBD_IO_READ && img->read_only) {
        return -EROFS;
    }
    req = calloc(1, sizeof(*req));
    if (!req) {
        return -ENOMEM;
    }
    *req = (struct rbd_req){ .kind = kind, .flags = flags, .own = own,
                             .off = off, .len = len, .cb = cb, .opaque = opaque,
                             .img = img, .iov = iov, .iovcnt = iovcnt,
                             .refresh_wait.resume = resume_refreshed,
                             .wait.resume = resume_mutation,
                             .qos_wait.go = resume_admitted };
    l = (struct piece_list){ req->inline_pieces, 0, INLINE_PIECES };
    ret = rbd_layout_map(&img->layout, off, len, collect_piece, &l);
    req->pieces = l.v;
    req->n_pieces = l.n;
    if (ret < 0) {
        req_free(req);
        return ret;
    }
    atomic_init(&req->pending, 1);
    atomic_init(&req->error, 0);
    if (img->layout.stripe_count > 1) {
        qsort(l.v, l.n, sizeof(l.v[0]), piece_cmp);
    }
    /* Parents are opened read-only: only an open image takes mutations. */
    assert(kind == RBD_IO_READ || (img->objq && img->refresher));
    /*
     * The host's requests count against the limits, the plugin's own
     * (a resize's trims) do not, as librbd throttles image requests only.
     */
    if (img->qos && own == 0 &&
        !rbd_qos_admit(img->qos, &req->qos_wait, kind == RBD_IO_READ, len)) {
        return 0;               /* resume_admitted goes on */
    }
    ret = proceed(req);
    if (ret < 0) {
        if (req->counted) {
            rbd_lock_put(img->xlock);
        }
        req_free(req);
    }
    return ret;
}

int rbd_io_submit(struct rbd_image *img, enum rbd_io_kind kind, uint64_t off,
                  uint64_t len, const struct iovec *iov, int iovcnt,
                  uint32_t flags, qbp_completion_fn *cb, void *opaque)
{
    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    return io_submit(img, kind, off, len, iov, iovcnt, flags, 0, cb, opaque);
}

static void sync_done(void *opaque, int64_t result)
{
    rbd_sync_done(opaque, result);
}

int rbd_io_sync(struct rbd_image *img, enum rbd_io_kind kind, uint64_t off,
                uint64_t len, unsigned own)
{
    struct rbd_sync s = RBD_SYNC_INIT;
    int64_t ret = io_submit(img, kind, off, len, NULL, 0, 0, own, sync_done,
                            &s);

    if (ret == 0) {
        ret = rbd_sync_wait(&s);
    }
    return ret < 0 ? (int)ret : 0;
}

int rbd_io_rw_sync(struct rbd_image *img, enum rbd_io_kind kind,
                   uint64_t off, void *buf, size_t len)
{
    struct rbd_sync s = RBD_SYNC_INIT;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    int64_t ret = io_submit(img, kind, off, len, &iov, 1, 0, 0, sync_done,
                            &s);

    if (ret == 0) {
        ret = rbd_sync_wait(&s);
    }
    return ret < 0 ? (int)ret : 0;
}
