/*
 * rbd-objwrite.c: carrying out one batch of mutations to one object.
 *
 *   map: EXISTS before data lands in an object the map does not mark so
 *        (PENDING before a removal)
 *   copy-up, in a clone, where the object may be missing and the batch
 *        does not overwrite it whole: if the map says it is missing, read
 *        the parent's data at once; if nobody knows, send the batch with
 *        assert_exists first and copy up on -ENOENT.  The parent's data
 *        then goes in front of the batch in the same op (rbd.copyup writes
 *        only if the object is still missing) or, when the clone has
 *        snapshots, in an op of its own with no snap context first, so
 *        that the snapshots see the parent's data too (deep copy-up).
 *   data: the batch as one compound op
 *   map: NONEXISTENT after a removal
 *
 * Each step completes on librados' finisher thread (or the object map's
 * caller) and advance() starts the next from the state the write is in;
 * nothing waits.  librbd's AbstractObjectWriteRequest/CopyupRequest and
 * the kernel's rbd_obj_advance_write are the models.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-copyup.h"
#include "rbd-image.h"
#include "rbd-mapio.h"
#include "rbd-objwrite.h"

/* The step in flight; advance() is called when it is over. */
enum ow_state {
    OW_START,           /* nothing sent yet */
    OW_PRE_MAP,         /* the map marks the object before the data */
    OW_COPYUP_READ,     /* the parent's data for a copy-up being read */
    OW_SNAP_MAPS,       /* the snapshots' maps, before a deep copy-up */
    OW_DEEP_COPYUP,     /* the copy-up alone, under no snap context */
    OW_DATA,            /* the batch's op */
    OW_POST_MAP,        /* the map marks a removed object gone */
};

struct objwrite {
    enum ow_state state;
    struct rbd_image *img;
    uint64_t objno;
    struct rbd_mutation *units;
    struct rbd_objctx ctx;
    bool trim;                  /* a discard or write-zeroes (alone) */
    bool full;                  /* some unit covers the whole object */
    bool removal;               /* removes the object */
    bool copyup;                /* a partial write in a clone: may need it */
    bool map_known;
    uint8_t map_state;          /* as the map had it before the batch */
    bool guard;                 /* the op in flight asserts existence */
    int result;                 /* of the data op, while the map follows */
    char *data;                 /* copy-up data for the next op */
    size_t len;
    struct rbd_snapc snapc;     /* for the snapshots' maps (deep copy-up) */
    rados_write_op_t op;
    rados_completion_t comp;
};

/* The batch is over: the queue completes its units and goes on. */
static void finish(struct objwrite *w, int ret)
{
    struct rbd_image *img = w->img;
    uint64_t objno = w->objno;
    struct rbd_mutation *units = w->units;

    free(w->data);
    rbd_snapc_free(&w->snapc);
    free(w);
    rbd_objq_finished(img->objq, objno, units, ret);
}

static void release_op(struct objwrite *w)
{
    if (w->op) {
        rados_release_write_op(w->op);
        w->op = NULL;
    }
    if (w->comp) {
        rados_aio_release(w->comp);
        w->comp = NULL;
    }
}

/*
 * librbd's allocation hint in front of data, as it sends it: for writes
 * (not discards or write-zeroes) to an object that may not exist yet,
 * which is any object without an object map, else one the map marks
 * NONEXISTENT; all writes when the hint carries compression flags.
 * Behind copy-up data too, as librbd (16) sends it.
 */
static void maybe_hint(struct rbd_image *img, rados_write_op_t op,
                       bool may_exist)
{
    struct rbd_alloc_hint h = rbd_image_alloc_hint(img);

    if (rbd_alloc_hint_any(&h) && (!img->omap || !may_exist || h.flags)) {
        rados_write_op_set_alloc_hint2(op, h.size, h.size, h.flags);
    }
}

/* Whether any byte of objno lies within the parent overlap. */
static bool in_overlap(struct rbd_image *img, uint64_t objno)
{
    return rbd_layout_object_start(&img->layout, objno) <
           rbd_image_overlap(img);
}

static void advance(struct objwrite *w, int ret);

/* A RADOS op of the write is back. */
static void op_done(rados_completion_t comp, void *arg)
{
    struct objwrite *w = arg;
    int ret = rados_aio_get_return_value(comp);

    release_op(w);
    advance(w, ret);
}

/* An object map update (the head's, or the snapshots') is done. */
static void map_done(void *arg)
{
    advance(arg, 0);
}

static void copyup_read_done(void *arg, int ret, char *data, size_t len)
{
    struct objwrite *w = arg;

    w->data = data;
    w->len = len;
    advance(w, ret);
}

/* A new op for w, completing into op_done; false when out of memory. */
static bool new_op(struct objwrite *w)
{
    w->op = rados_create_write_op();
    if (!w->op || rados_aio_create_completion2(w, op_done, &w->comp) < 0) {
        release_op(w);
        return false;
    }
    return true;
}

/* Sends w->op to the object on io; finishes w if it cannot. */
static void send_op(struct objwrite *w, rados_ioctx_t io)
{
    char oid[RBD_OID_MAX];
    int ret;

    rbd_image_object_name(w->img, w->objno, oid);
    ret = rados_aio_write_op_operate(w->op, io, w->comp, oid, NULL, 0);
    if (ret < 0) {
        release_op(w);
        finish(w, ret);
    }
}

/*
 * OW_DATA: the batch as one op, behind assert_exists (guard), the copy-up
 * data and the allocation hint, if any.
 */
static void send_data(struct objwrite *w, bool guard)
{
    w->state = OW_DATA;
    w->guard = guard;
    if (!new_op(w)) {
        finish(w, -ENOMEM);
        return;
    }
    if (guard) {
        rados_write_op_assert_exists(w->op);
    }
    if (w->data) {
        /* librados copies it: the buffer can go now. */
        rados_write_op_exec(w->op, "rbd", "copyup", w->data, w->len, NULL);
        free(w->data);
        w->data = NULL;
        w->ctx.copyup = true;
    }
    if (!w->trim) {
        maybe_hint(w->img, w->op,
                   !(w->map_known && w->map_state == RBD_OBJ_NONEXISTENT));
    }
    for (struct rbd_mutation *m = w->units; m; m = m->next) {
        m->build(m, w->op, &w->ctx);
    }
    send_op(w, w->img->data);
}

/* OW_DEEP_COPYUP: an empty snap context, so every snapshot gets the data. */
static void send_deep_copyup(struct objwrite *w)
{
    w->state = OW_DEEP_COPYUP;
    if (!new_op(w)) {
        finish(w, -ENOMEM);
        return;
    }
    rados_write_op_exec(w->op, "rbd", "copyup", w->data, w->len, NULL);
    free(w->data);
    w->data = NULL;
    send_op(w, w->img->data_nosnap);
}

static void read_parent(struct objwrite *w)
{
    w->state = OW_COPYUP_READ;
    rbd_copyup_read(w->img, w->objno, copyup_read_done, w);
}

/* The step w->state names is over, with ret: start the next, or finish. */
static void advance(struct objwrite *w, int ret)
{
    struct rbd_image *img = w->img;

    switch (w->state) {
    case OW_START:
        if (w->trim && !w->ctx.parent && w->map_known &&
            w->map_state == RBD_OBJ_NONEXISTENT) {
            /* Nothing to discard or zero, and the map says so. */
            finish(w, 0);
            return;
        }
        w->state = OW_PRE_MAP;
        rbd_mapio_update(img->omap, w->objno,
                         w->removal ? RBD_OBJ_PENDING : RBD_OBJ_EXISTS, -1,
                         map_done, w);
        return;
    case OW_PRE_MAP:
        if (!w->copyup) {
            send_data(w, false);
        } else if (w->map_known && w->map_state == RBD_OBJ_NONEXISTENT) {
            read_parent(w);
        } else {
            /* Existing per the map: no copy-up; unknown: ask the OSD. */
            send_data(w, !(w->map_known &&
                           (w->map_state == RBD_OBJ_EXISTS ||
                            w->map_state == RBD_OBJ_EXISTS_CLEAN)));
        }
        return;
    case OW_COPYUP_READ:
        if (ret < 0) {
            finish(w, ret);
        } else if (w->len > 0 &&
                   rbd_image_snapc_copy(img, &w->snapc) == 0 &&
                   w->snapc.n > 0) {
            w->state = OW_SNAP_MAPS;
            rbd_mapio_update_snaps(img->omap, &w->snapc, w->objno, map_done,
                                   w);
        } else {
            /* Zeroes need no copy-up data: an empty object reads the same. */
            send_data(w, false);
        }
        return;
    case OW_SNAP_MAPS:
        send_deep_copyup(w);
        return;
    case OW_DEEP_COPYUP:
        if (ret < 0) {
            finish(w, ret);
            return;
        }
        /* The object exists in the head and every snapshot. */
        w->ctx.copyup = true;
        send_data(w, false);
        return;
    case OW_DATA:
        if (ret == -ENOENT && w->guard) {
            read_parent(w);
        } else if (w->removal && (ret == 0 || ret == -ENOENT)) {
            w->result = ret;
            w->state = OW_POST_MAP;
            rbd_mapio_update(img->omap, w->objno, RBD_OBJ_NONEXISTENT,
                             RBD_OBJ_PENDING, map_done, w);
        } else {
            finish(w, ret);
        }
        return;
    case OW_POST_MAP:
        finish(w, w->result);
        return;
    }
    assert(!"an objwrite state advance() does not know");
}

static void objwrite_send(void *ctx, uint64_t objno,
                          struct rbd_mutation *units)
{
    struct rbd_image *img = ctx;
    struct objwrite *w = calloc(1, sizeof(*w));

    if (!w) {
        rbd_objq_finished(img->objq, objno, units, -ENOMEM);
        return;
    }
    w->img = img;
    w->objno = objno;
    w->units = units;
    w->trim = units->trim;
    for (struct rbd_mutation *m = units; m; m = m->next) {
        w->full |= m->full;
    }
    w->ctx.parent = img->parent && !units->shrink && in_overlap(img, objno);
    w->map_known = rbd_mapio_state(img->omap, objno, &w->map_state);
    w->removal = w->trim && units->may_unmap && w->full && !w->ctx.parent;
    /* A whole-object write hides the parent anyway, unless snapshots need it. */
    w->copyup = w->ctx.parent &&
                !(w->full && !rbd_image_has_snapshots(img));
    w->state = OW_START;
    advance(w, 0);
}

static bool objwrite_plain(void *ctx, const struct rbd_mutation *m)
{
    struct rbd_image *img = ctx;
    uint8_t state;

    if (m->trim || m->alone) {
        return false;
    }
    if (img->parent && !m->shrink && in_overlap(img, m->objno)) {
        return false;       /* a copy-up may be due */
    }
    return !rbd_mapio_state(img->omap, m->objno, &state) ||
           !rbd_objmap_update_needed(state, RBD_OBJ_EXISTS);
}

static int objwrite_send_plain(void *ctx, uint64_t objno,
                               struct rbd_mutation *units)
{
    struct rbd_image *img = ctx;
    struct objwrite *w = calloc(1, sizeof(*w));
    char oid[RBD_OID_MAX];
    int ret;

    if (!w) {
        return -ENOMEM;
    }
    w->img = img;
    w->objno = objno;
    w->units = units;
    w->state = OW_DATA;
    if (!new_op(w)) {
        free(w);
        return -ENOMEM;
    }
    /* Plain: data to an object the map marks as existing, or no map. */
    maybe_hint(img, w->op, true);
    for (struct rbd_mutation *m = units; m; m = m->next) {
        m->build(m, w->op, &w->ctx);
    }
    rbd_image_object_name(img, objno, oid);
    ret = rados_aio_write_op_operate(w->op, img->data, w->comp, oid, NULL, 0);
    if (ret < 0) {
        release_op(w);
        free(w);
    }
    return ret;
}

const struct rbd_objq_ops rbd_objwrite_ops = {
    .plain = objwrite_plain,
    .send = objwrite_send,
    .send_plain = objwrite_send_plain,
};
