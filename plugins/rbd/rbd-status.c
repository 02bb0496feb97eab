/*
 * rbd-status.c: block status of an RBD image, from object maps or stats.
 *
 * A request walks the image in units that each lie in one object (the
 * object, or a stripe unit of it when the image is striped), a batch at a
 * time.  Each unit ends up data or not: from a map at once, or when the
 * stats it needed are back.  A finished batch is folded into extents in
 * order; the request ends at the first change of type past the last
 * extent it may fill, at the end of the range, or after a bounded amount
 * of work, and the host asks again from there.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rbd-image.h"
#include "rbd-mapio.h"
#include "rbd-objmap.h"
#include "rbd-status.h"

/* Units looked at per batch: also the bound on stats in flight per level. */
#define STATUS_BATCH 64
/* Work per request before the answer goes back short. */
#define STATUS_MAX_STATS 4096
#define STATUS_MAX_UNITS (1u << 20)

/* Where the top image's object states come from for this request. */
enum status_source {
    SRC_MAPIO,      /* the map this client keeps (lock held, or a snapshot) */
    SRC_HEAD,       /* the head's map, read from the cluster for this request */
    SRC_STAT,       /* no map to trust: ask each object */
};

struct status_unit {
    uint64_t len;
    atomic_bool data;
};

struct status_req {
    struct rbd_image *img;
    uint64_t end;               /* of the range, clipped to the image */
    uint64_t cur;               /* the first byte not folded yet */
    struct qbp_extent *ext;
    uint32_t max;
    uint32_t n;
    qbp_completion_fn *cb;
    void *opaque;

    enum status_source src;
    struct rbd_objmap head;     /* SRC_HEAD */
    /* The head map's read: get_flags on the header, the map object. */
    char *flags_out, *map_out;
    size_t flags_len, map_len;
    int flags_rc, map_rc;

    atomic_int pending;
    atomic_int error;
    atomic_uint stats;          /* also from stat completions (parents) */
    unsigned int units;
    unsigned int n_batch;
    struct status_unit batch[STATUS_BATCH];
};

struct status_stat {
    struct status_req *req;
    struct status_unit *unit;
    struct rbd_image *img;
    uint64_t off, len;
    uint64_t size;
    time_t mtime;
    rados_completion_t comp;
};

static void status_continue(struct status_req *req);
static void resolve(struct status_req *req, struct rbd_image *img,
                    uint64_t off, uint64_t len, struct status_unit *u);

static void set_error(struct status_req *req, int err)
{
    int none = 0;

    atomic_compare_exchange_strong(&req->error, &none, err);
}

/* The last of a batch's (or the head map's) operations calls continue. */
static void put(struct status_req *req)
{
    if (atomic_fetch_sub(&req->pending, 1) == 1) {
        status_continue(req);
    }
}

/* Nothing of img's own in [off, off + len): the parent's, or zeroes. */
static void absent(struct status_req *req, struct rbd_image *img,
                   uint64_t off, uint64_t len, struct status_unit *u)
{
    uint64_t overlap;

    if (!img->parent) {
        return;
    }
    overlap = rbd_image_overlap(img);
    if (off < overlap) {
        resolve(req, img->parent, off, len < overlap - off ? len :
                overlap - off, u);
    }
}

static void stat_done(rados_completion_t comp, void *arg)
{
    struct status_stat *st = arg;
    struct status_req *req = st->req;
    int ret = rados_aio_get_return_value(comp);

    if (ret == 0) {
        atomic_store(&st->unit->data, true);
    } else if (ret == -ENOENT) {
        if (!atomic_load(&st->unit->data)) {
            absent(req, st->img, st->off, st->len, st->unit);
        }
    } else {
        rbd_image_blocklisted(req->img, ret);
        set_error(req, ret);
    }
    rados_aio_release(st->comp);
    free(st);
    put(req);
}

static void stat_object(struct status_req *req, struct rbd_image *img,
                        uint64_t objno, uint64_t off, uint64_t len,
                        struct status_unit *u)
{
    struct status_stat *st = calloc(1, sizeof(*st));
    char oid[RBD_OID_MAX];
    int ret;

    if (!st || rados_aio_create_completion2(st, stat_done, &st->comp) < 0) {
        free(st);
        set_error(req, -ENOMEM);
        return;
    }
    st->req = req;
    st->unit = u;
    st->img = img;
    st->off = off;
    st->len = len;
    rbd_image_object_name(img, objno, oid);
    atomic_fetch_add(&req->stats, 1);
    atomic_fetch_add(&req->pending, 1);
    ret = rados_aio_stat(img->data, oid, st->comp, &st->size, &st->mtime);
    if (ret < 0) {
        rados_aio_release(st->comp);
        free(st);
        set_error(req, ret);
        put(req);
    }
}

/* objno's state in img, if a map says it: the request's own, or img's. */
static bool known_state(struct status_req *req, struct rbd_image *img,
                        uint64_t objno, uint8_t *state)
{
    if (img == req->img && req->src == SRC_HEAD) {
        *state = rbd_objmap_get(&req->head, objno);
        return true;
    }
    if (img == req->img && req->src == SRC_STAT) {
        return false;
    }
    return rbd_mapio_state(img->omap, objno, state);
}

/* Mark u as data if img holds any of [off, off + len), now or later. */
static void resolve(struct status_req *req, struct rbd_image *img,
                    uint64_t off, uint64_t len, struct status_unit *u)
{
    uint64_t usize = rbd_layout_unit(&img->layout);
    uint64_t end = off + len;

    while (off < end && !atomic_load(&u->data)) {
        uint64_t next = (off / usize + 1) * usize;
        uint64_t piece = (next < end ? next : end) - off;
        uint64_t objno = rbd_layout_objno(&img->layout, off);
        uint8_t state;

        if (!known_state(req, img, objno, &state)) {
            stat_object(req, img, objno, off, piece, u);
        } else if (state != RBD_OBJ_NONEXISTENT) {
            atomic_store(&u->data, true);
        } else {
            absent(req, img, off, piece, u);
        }
        off += piece;
    }
}

/* Start the next batch; true if it is already complete. */
static bool batch_start(struct status_req *req)
{
    uint64_t usize = rbd_layout_unit(&req->img->layout);
    uint64_t off = req->cur;

    atomic_store(&req->pending, 1);
    req->n_batch = 0;
    while (req->n_batch < STATUS_BATCH && off < req->end) {
        struct status_unit *u = &req->batch[req->n_batch++];
        uint64_t next = (off / usize + 1) * usize;

        u->len = (next < req->end ? next : req->end) - off;
        atomic_init(&u->data, false);
        resolve(req, req->img, off, u->len, u);
        off += u->len;
    }
    return atomic_fetch_sub(&req->pending, 1) == 1;
}

/* Fold the batch into extents; true when the request has its answer. */
static bool batch_fold(struct status_req *req)
{
    for (unsigned int i = 0; i < req->n_batch; i++) {
        struct status_unit *u = &req->batch[i];
        uint32_t type = atomic_load(&u->data) ? QBP_EXTENT_DATA
                                              : QBP_EXTENT_ZERO;

        if (req->n && req->ext[req->n - 1].type == type) {
            req->ext[req->n - 1].length += u->len;
        } else if (req->n == req->max) {
            return true;
        } else {
            req->ext[req->n++] = (struct qbp_extent){
                .length = u->len, .type = type,
            };
        }
        req->cur += u->len;
        req->units++;
    }
    return req->cur >= req->end ||
           atomic_load(&req->stats) >= STATUS_MAX_STATS ||
           req->units >= STATUS_MAX_UNITS;
}

static void finish(struct status_req *req)
{
    int err = atomic_load(&req->error);

    req->cb(req->opaque, err ? err : (int64_t)req->n);
    rbd_objmap_free(&req->head);
    free(req);
}

/*
 * Batches that complete at once (the maps) run in this loop; one that
 * waits for stats comes back here from its last completion.
 */
static void status_continue(struct status_req *req)
{
    for (;;) {
        if (atomic_load(&req->error) ||
            (req->n_batch && batch_fold(req))) {
            finish(req);
            return;
        }
        if (!batch_start(req)) {
            return;
        }
    }
}

/* The head map's read is back: use the map, or stats if it is unusable. */
static void head_map_done(struct status_req *req)
{
    struct rbd_image *img = req->img;
    uint64_t flags = 0;

    req->src = SRC_STAT;
    if (req->flags_rc == 0 && req->map_rc == 0 &&
        rbd_cls_dec_get_flags(req->flags_out, req->flags_len, &flags) == 0 &&
        !(flags & RBD_FLAG_OBJECT_MAP_INVALID) &&
        rbd_objmap_decode(req->map_out, req->map_len, &req->head) == 0) {
        if (req->head.count >= rbd_layout_object_count(&img->layout,
                                                        rbd_image_size(img))) {
            req->src = SRC_HEAD;
        } else {
            rbd_objmap_free(&req->head);
        }
    }
    if (req->flags_out) {
        rados_buffer_free(req->flags_out);
    }
    if (req->map_out) {
        rados_buffer_free(req->map_out);
    }
    req->flags_out = req->map_out = NULL;
}

struct head_read {
    struct status_req *req;
    rados_read_op_t op;
    rados_completion_t comp;
    int *rc;
};

static void head_read_done(rados_completion_t comp, void *arg)
{
    struct head_read *hr = arg;
    struct status_req *req = hr->req;
    int ret = rados_aio_get_return_value(comp);

    if (ret == 0) {
        ret = *hr->rc;
    }
    *hr->rc = ret < 0 ? ret : 0;
    rados_release_read_op(hr->op);
    rados_aio_release(hr->comp);
    free(hr);
    if (atomic_fetch_sub(&req->pending, 1) == 1) {
        head_map_done(req);
        status_continue(req);
    }
}

/* A class method call on oid, its output into *out; counted in pending. */
static void head_read(struct status_req *req, const char *oid,
                      const char *method, const struct rbd_enc *in,
                      char **out, size_t *len, int *rc)
{
    struct head_read *hr = calloc(1, sizeof(*hr));
    int ret = -ENOMEM;

    *rc = -ENOMEM;
    if (hr && (hr->op = rados_create_read_op()) != NULL &&
        rados_aio_create_completion2(hr, head_read_done, &hr->comp) == 0) {
        hr->req = req;
        hr->rc = rc;
        rados_read_op_exec(hr->op, "rbd", method,
                           in ? (const char *)in->data : NULL,
                           in ? in->len : 0, out, len, rc);
        atomic_fetch_add(&req->pending, 1);
        ret = rados_aio_read_op_operate(hr->op, req->img->meta, hr->comp,
                                        oid, 0);
        if (ret == 0) {
            return;
        }
        atomic_fetch_sub(&req->pending, 1);
        *rc = ret;
    }
    if (hr && hr->comp) {
        rados_aio_release(hr->comp);
    }
    if (hr && hr->op) {
        rados_release_read_op(hr->op);
    }
    free(hr);
}

/* Read the head's flags and map; true if both are already back. */
static bool head_map_start(struct status_req *req)
{
    struct rbd_image *img = req->img;
    char map_oid[RBD_OBJMAP_OID_MAX];
    struct rbd_enc in;

    rbd_objmap_oid(img->id, RBD_NOSNAP, map_oid, sizeof(map_oid));
    rbd_enc_init(&in);
    rbd_cls_enc_snap_id(&in, RBD_NOSNAP);
    atomic_store(&req->pending, 1);
    if (rbd_enc_status(&in) == 0) {
        head_read(req, img->header_oid, "get_flags", &in, &req->flags_out,
                  &req->flags_len, &req->flags_rc);
    } else {
        req->flags_rc = -ENOMEM;
    }
    rbd_enc_free(&in);
    head_read(req, map_oid, "object_map_load", NULL, &req->map_out,
              &req->map_len, &req->map_rc);
    if (atomic_fetch_sub(&req->pending, 1) == 1) {
        head_map_done(req);
        return true;
    }
    return false;
}

int rbd_status_submit(struct rbd_image *img, uint64_t off, uint64_t len,
                      struct qbp_extent *ext, uint32_t max,
                      qbp_completion_fn *cb, void *opaque)
{
    uint64_t size = rbd_image_size(img);
    struct status_req *req;
    uint8_t state;

    if (max == 0 || len == 0 || off >= size) {
        return -EINVAL;
    }
    req = calloc(1, sizeof(*req));
    if (!req) {
        return -ENOMEM;
    }
    req->img = img;
    req->cur = off;
    req->end = len < size - off ? off + len : size;
    req->ext = ext;
    req->max = max;
    req->cb = cb;
    req->opaque = opaque;
    atomic_init(&req->pending, 0);
    atomic_init(&req->error, 0);
    atomic_init(&req->stats, 0);

    if (rbd_mapio_state(img->omap, 0, &state)) {
        req->src = SRC_MAPIO;
    } else if (img->snap_id == RBD_NOSNAP &&
               (img->features & RBD_FEATURE_OBJECT_MAP)) {
        if (!head_map_start(req)) {
            return 0;
        }
    } else {
        req->src = SRC_STAT;
    }
    status_continue(req);
    return 0;
}
