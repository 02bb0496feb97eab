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
 * Each step completes on librados' finisher thread and starts the next;
 * nothing waits.  librbd's AbstractObjectWriteRequest/CopyupRequest and
 * the kernel's rbd_obj_write_* are the models.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-copyup.h"
#include "rbd-image.h"
#include "rbd-mapio.h"
#include "rbd-objwrite.h"

struct objwrite {
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
    rbd_objq_finished(img, objno, units, ret);
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

static void start_copyup(struct objwrite *w);

static void after_post_map(void *arg)
{
    struct objwrite *w = arg;

    finish(w, w->result);
}

/* The data op is back: copy up, mark a removal done, or finish. */
static void op_done(rados_completion_t comp, void *arg)
{
    struct objwrite *w = arg;
    int ret = rados_aio_get_return_value(comp);

    release_op(w);
    if (ret == -ENOENT && w->guard) {
        start_copyup(w);
        return;
    }
    if (w->removal && (ret == 0 || ret == -ENOENT)) {
        w->result = ret;
        rbd_mapio_update(w->img->omap, w->objno, RBD_OBJ_NONEXISTENT,
                         RBD_OBJ_PENDING, after_post_map, w);
        return;
    }
    finish(w, ret);
}

/*
 * Whether data goes behind librbd's allocation hint: writes (not discards
 * or write-zeroes) to an object that may not exist yet, which is any
 * object without an object map, else one the map marks NONEXISTENT; all
 * writes when the hint carries compression flags.  Behind copy-up data
 * too, as librbd (16) sends it.
 */
static bool hint_wanted(const struct rbd_image *img, bool may_exist)
{
    const struct rbd_alloc_hint *h = &img->alloc_hint;

    return rbd_alloc_hint_any(h) && (!img->omap || !may_exist || h->flags);
}

static void add_hint(const struct rbd_image *img, rados_write_op_t op)
{
    const struct rbd_alloc_hint *h = &img->alloc_hint;

    rados_write_op_set_alloc_hint2(op, h->size, h->size, h->flags);
}

/*
 * The batch as one op on io, behind assert_exists (guard), the copy-up
 * data and the allocation hint, if any.
 */
static void send_op(struct objwrite *w, rados_ioctx_t io, bool guard)
{
    char oid[RBD_OID_MAX];
    int ret;

    w->guard = guard;
    w->op = rados_create_write_op();
    if (!w->op || rados_aio_create_completion2(w, op_done, &w->comp) < 0) {
        release_op(w);
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
    if (!w->trim &&
        hint_wanted(w->img, !(w->map_known &&
                              w->map_state == RBD_OBJ_NONEXISTENT))) {
        add_hint(w->img, w->op);
    }
    for (struct rbd_mutation *m = w->units; m; m = m->next) {
        m->build(m, w->op, &w->ctx);
    }
    rbd_image_object_name(w->img, w->objno, oid);
    ret = rados_aio_write_op_operate(w->op, io, w->comp, oid, NULL, 0);
    if (ret < 0) {
        release_op(w);
        finish(w, ret);
    }
}

/* Deep copy-up done: the object exists in the head and every snapshot. */
static void deep_done(rados_completion_t comp, void *arg)
{
    struct objwrite *w = arg;
    int ret = rados_aio_get_return_value(comp);

    release_op(w);
    if (ret < 0) {
        finish(w, ret);
        return;
    }
    w->ctx.copyup = true;
    send_op(w, w->img->data, false);
}

static void after_snap_maps(void *arg)
{
    struct objwrite *w = arg;
    char oid[RBD_OID_MAX];
    int ret;

    /* An empty snap context: the data belongs to every snapshot too. */
    w->op = rados_create_write_op();
    if (!w->op || rados_aio_create_completion2(w, deep_done, &w->comp) < 0) {
        release_op(w);
        finish(w, -ENOMEM);
        return;
    }
    rados_write_op_exec(w->op, "rbd", "copyup", w->data, w->len, NULL);
    free(w->data);
    w->data = NULL;
    rbd_image_object_name(w->img, w->objno, oid);
    ret = rados_aio_write_op_operate(w->op, w->img->data_nosnap, w->comp, oid,
                                     NULL, 0);
    if (ret < 0) {
        release_op(w);
        finish(w, ret);
    }
}

static void copyup_read_done(void *arg, int ret, char *data, size_t len)
{
    struct objwrite *w = arg;

    if (ret < 0) {
        finish(w, ret);
        return;
    }
    w->data = data;
    w->len = len;
    if (len > 0 && rbd_image_snapc_copy(w->img, &w->snapc) == 0 &&
        w->snapc.n > 0) {
        rbd_mapio_update_snaps(w->img->omap, &w->snapc, w->objno,
                               after_snap_maps, w);
        return;
    }
    /* Zeroes need no copy-up data: an empty object reads the same. */
    send_op(w, w->img->data, false);
}

static void start_copyup(struct objwrite *w)
{
    rbd_copyup_read(w->img, w->objno, copyup_read_done, w);
}

/* The object map is ready for the data: send it, copying up as needed. */
static void after_pre_map(void *arg)
{
    struct objwrite *w = arg;

    if (!w->copyup) {
        send_op(w, w->img->data, false);
    } else if (w->map_known && w->map_state == RBD_OBJ_NONEXISTENT) {
        start_copyup(w);
    } else if (w->map_known && (w->map_state == RBD_OBJ_EXISTS ||
                                w->map_state == RBD_OBJ_EXISTS_CLEAN)) {
        send_op(w, w->img->data, false);
    } else {
        send_op(w, w->img->data, true);
    }
}

/* Whether any byte of objno lies within the parent overlap. */
static bool in_overlap(struct rbd_image *img, uint64_t objno)
{
    const struct rbd_layout *l = &img->layout;
    uint64_t set = objno / l->stripe_count;
    uint64_t first = set * l->object_size * l->stripe_count +
                     objno % l->stripe_count * l->stripe_unit;

    return first < rbd_image_overlap(img);
}

void rbd_objwrite_send(struct rbd_image *img, uint64_t objno,
                       struct rbd_mutation *units)
{
    struct objwrite *w = calloc(1, sizeof(*w));

    if (!w) {
        rbd_objq_finished(img, objno, units, -ENOMEM);
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
    if (w->trim && !w->ctx.parent && w->map_known &&
        w->map_state == RBD_OBJ_NONEXISTENT) {
        /* Nothing to discard or zero, and the map says so: no round trip. */
        finish(w, 0);
        return;
    }
    w->removal = w->trim && units->may_unmap && w->full && !w->ctx.parent;
    /* A whole-object write hides the parent anyway, unless snapshots need it. */
    w->copyup = w->ctx.parent &&
                !(w->full && !rbd_image_has_snapshots(img));
    rbd_mapio_update(img->omap, objno,
                     w->removal ? RBD_OBJ_PENDING : RBD_OBJ_EXISTS, -1,
                     after_pre_map, w);
}

bool rbd_objwrite_plain(struct rbd_image *img, const struct rbd_mutation *m)
{
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

int rbd_objwrite_send_plain(struct rbd_image *img, uint64_t objno,
                            struct rbd_mutation *units)
{
    struct objwrite *w = calloc(1, sizeof(*w));
    char oid[RBD_OID_MAX];
    int ret;

    if (!w) {
        return -ENOMEM;
    }
    w->img = img;
    w->objno = objno;
    w->units = units;
    w->op = rados_create_write_op();
    if (!w->op || rados_aio_create_completion2(w, op_done, &w->comp) < 0) {
        ret = -ENOMEM;
        goto fail;
    }
    /* Plain: data to an object the map marks as existing, or no map. */
    if (hint_wanted(img, true)) {
        add_hint(img, w->op);
    }
    for (struct rbd_mutation *m = units; m; m = m->next) {
        m->build(m, w->op, &w->ctx);
    }
    rbd_image_object_name(img, objno, oid);
    ret = rados_aio_write_op_operate(w->op, img->data, w->comp, oid, NULL, 0);
    if (ret == 0) {
        return 0;
    }
fail:
    release_op(w);
    free(w);
    return ret;
}
