/*
 * rbd-mapio.c: loading, locking and updating object maps on the cluster.
 *
 * Updates of the head's map go out as one op on rbd_object_map.<id>:
 * lock.assert_locked (the map object's own lock, cookie "", taken when
 * the map is opened) then rbd.object_map_update, so a client that lost
 * the image to another can never change the map behind the new owner.
 * The in-memory copy follows once the OSD has applied the update.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-image.h"
#include "rbd-mapio.h"

#define LOCK_NAME "rbd_lock"

struct rbd_mapio {
    struct rbd_image *img;
    pthread_mutex_t mu;
    bool active;                    /* loaded and trusted */
    bool flagged;                   /* invalidated since it was opened */
    struct rbd_objmap map;
};

struct rbd_mapio *rbd_mapio_new(struct rbd_image *img)
{
    struct rbd_mapio *mi = calloc(1, sizeof(*mi));

    if (mi) {
        mi->img = img;
        pthread_mutex_init(&mi->mu, NULL);
    }
    return mi;
}

void rbd_mapio_free(struct rbd_mapio *mi)
{
    if (mi) {
        rbd_objmap_free(&mi->map);
        pthread_mutex_destroy(&mi->mu);
        free(mi);
    }
}

static void map_oid(const struct rbd_image *img, uint64_t snap_id, char *buf)
{
    rbd_objmap_oid(img->id, snap_id, buf, RBD_OID_MAX);
}

/* Load oid into mi->map, for an image of size bytes. */
static int load(struct rbd_mapio *mi, rados_ioctx_t io, const char *oid,
                uint64_t size)
{
    struct rbd_image *img = mi->img;
    uint64_t count = rbd_layout_object_count(&img->layout, size);
    struct rbd_objmap map;
    char *out;
    size_t len;
    int ret;

    ret = rbd_exec(io, oid, "rbd", "object_map_load", NULL, &out, &len);
    if (ret < 0) {
        return ret;
    }
    ret = rbd_objmap_decode(out, len, &map);
    free(out);
    if (ret < 0) {
        return ret;
    }
    if (map.count < count) {
        /* Objects it knows nothing of: librbd calls that invalid too. */
        rbd_objmap_free(&map);
        return -ERANGE;
    }
    if (map.count > count) {
        rbd_objmap_resize(&map, count, RBD_OBJ_NONEXISTENT);
    }
    pthread_mutex_lock(&mi->mu);
    rbd_objmap_free(&mi->map);
    mi->map = map;
    mi->active = true;
    pthread_mutex_unlock(&mi->mu);
    return 0;
}

int rbd_mapio_load_snapshot(struct rbd_mapio *mi)
{
    struct rbd_image *img = mi->img;
    char oid[RBD_OID_MAX];
    uint64_t flags = 0;
    int ret;

    ret = rbd_image_get_flags(img, img->snap_id, &flags);
    if (ret < 0 || (flags & RBD_FLAG_OBJECT_MAP_INVALID)) {
        return ret < 0 ? ret : -ESTALE;
    }
    map_oid(img, img->snap_id, oid);
    return load(mi, img->meta, oid, rbd_image_size(img));
}

static void invalidate_done(rados_completion_t comp, void *arg)
{
    rados_write_op_t op = arg;

    rados_release_write_op(op);
    rados_aio_release(comp);
}

/*
 * Stop trusting the map and say so in the header, as librbd does, so that
 * `rbd object-map check`/`rebuild` know.  Sent without waiting: any thread.
 */
static void invalidate(struct rbd_mapio *mi, int why)
{
    struct rbd_image *img = mi->img;
    uint64_t flags = RBD_FLAG_OBJECT_MAP_INVALID;
    rados_completion_t comp;
    rados_write_op_t op;
    struct rbd_enc in;
    bool flagged;

    pthread_mutex_lock(&mi->mu);
    flagged = mi->flagged;
    mi->flagged = true;
    mi->active = false;
    rbd_objmap_free(&mi->map);
    pthread_mutex_unlock(&mi->mu);
    if (flagged) {
        return;
    }
    qbp_host->log(QBP_LOG_WARNING, "rbd: image '%s': object map unusable "
                  "(%s); flagging it invalid", img->name, strerror(-why));
    if (img->features & RBD_FEATURE_FAST_DIFF) {
        flags |= RBD_FLAG_FAST_DIFF_INVALID;
    }
    rbd_enc_init(&in);
    rbd_cls_enc_set_flags(&in, flags, flags, RBD_NOSNAP);
    op = rados_create_write_op();
    if (op && rbd_enc_status(&in) == 0 &&
        rados_aio_create_completion2(op, invalidate_done, &comp) == 0) {
        rados_write_op_exec(op, "rbd", "set_flags", (const char *)in.data,
                            in.len, NULL);
        if (rados_aio_write_op_operate(op, img->ctl, comp, img->header_oid,
                                       NULL, 0) < 0) {
            invalidate_done(comp, op);
        }
    } else if (op) {
        rados_release_write_op(op);
    }
    rbd_enc_free(&in);
}

/* Take the map object's lock; a holder other than us is stale, as we own the image. */
static int lock_map(struct rbd_mapio *mi, const char *oid)
{
    struct rbd_image *img = mi->img;
    int ret;

    for (int attempt = 0; attempt < 2; attempt++) {
        char tag[64], client[128], cookie[128], addr[128];
        size_t tag_len = sizeof(tag), client_len = sizeof(client);
        size_t cookie_len = sizeof(cookie), addr_len = sizeof(addr);
        int exclusive;
        ssize_t n;

        ret = rados_lock_exclusive(img->ctl, oid, LOCK_NAME, "", "", NULL, 0);
        if (ret == 0 || ret == -EEXIST) {
            return 0;
        }
        if (ret != -EBUSY) {
            return ret;
        }
        n = rados_list_lockers(img->ctl, oid, LOCK_NAME, &exclusive, tag,
                               &tag_len, client, &client_len, cookie,
                               &cookie_len, addr, &addr_len);
        if (n == 1) {
            client[sizeof(client) - 1] = cookie[sizeof(cookie) - 1] = '\0';
            rados_break_lock(img->ctl, oid, LOCK_NAME, client, cookie);
        }
    }
    return ret;
}

int rbd_mapio_open(struct rbd_mapio *mi)
{
    struct rbd_image *img = mi->img;
    char oid[RBD_OID_MAX];
    uint64_t flags = 0;
    int ret;

    ret = rbd_image_get_flags(img, RBD_NOSNAP, &flags);
    if (ret < 0 || (flags & RBD_FLAG_OBJECT_MAP_INVALID)) {
        /* Not trusted until `rbd object-map rebuild`; writes go on without. */
        return ret;
    }
    pthread_mutex_lock(&mi->mu);
    mi->flagged = false;
    pthread_mutex_unlock(&mi->mu);
    map_oid(img, RBD_NOSNAP, oid);
    ret = lock_map(mi, oid);
    if (ret == 0) {
        ret = load(mi, img->ctl, oid, rbd_image_size(img));
    }
    if (ret < 0) {
        invalidate(mi, ret);
    }
    return ret;
}

void rbd_mapio_close(struct rbd_mapio *mi)
{
    char oid[RBD_OID_MAX];

    pthread_mutex_lock(&mi->mu);
    mi->active = false;
    rbd_objmap_free(&mi->map);
    pthread_mutex_unlock(&mi->mu);
    map_oid(mi->img, RBD_NOSNAP, oid);
    rados_unlock(mi->img->ctl, oid, LOCK_NAME, "");
}

bool rbd_mapio_state(struct rbd_mapio *mi, uint64_t objno, uint8_t *state)
{
    bool active;

    if (!mi) {
        return false;
    }
    pthread_mutex_lock(&mi->mu);
    active = mi->active;
    if (active) {
        *state = rbd_objmap_get(&mi->map, objno);
    }
    pthread_mutex_unlock(&mi->mu);
    return active;
}

/* One update in flight. */
struct update {
    struct rbd_mapio *mi;
    uint64_t objno;
    uint8_t state;
    int expect;
    rados_write_op_t op;
    rados_completion_t comp;
    rbd_mapio_cb *cb;
    void *arg;
    atomic_int *pending;            /* snapshot updates: shared count */
};

static void update_free(struct update *u)
{
    if (u->op) {
        rados_release_write_op(u->op);
    }
    if (u->comp) {
        rados_aio_release(u->comp);
    }
    free(u);
}

/* librados' finisher thread. */
static void update_done(rados_completion_t comp, void *arg)
{
    struct update *u = arg;
    struct rbd_mapio *mi = u->mi;
    rbd_mapio_cb *cb = u->cb;
    void *cb_arg = u->arg;
    int ret = rados_aio_get_return_value(comp);

    if (u->pending) {
        /* A snapshot's map: may be missing; nothing in memory to follow. */
        atomic_int *pending = u->pending;

        update_free(u);
        if (atomic_fetch_sub(pending, 1) == 1) {
            free(pending);
            cb(cb_arg);
        }
        return;
    }
    if (ret == 0) {
        pthread_mutex_lock(&mi->mu);
        if (mi->active) {
            rbd_objmap_set(&mi->map, u->objno,
                           rbd_objmap_apply(rbd_objmap_get(&mi->map, u->objno),
                                            u->state, u->expect));
        }
        pthread_mutex_unlock(&mi->mu);
    } else {
        invalidate(mi, ret);
    }
    update_free(u);
    cb(cb_arg);
}

/* Send the update of objno in the map at snap_id; -errno if not sent. */
static int send_update(struct update *u, uint64_t snap_id)
{
    struct rbd_image *img = u->mi->img;
    char oid[RBD_OID_MAX];
    struct rbd_enc lock, in;
    int ret;

    rbd_enc_init(&lock);
    rbd_enc_init(&in);
    rbd_cls_enc_assert_locked(&lock, LOCK_NAME, RBD_LOCK_EXCLUSIVE, "", "");
    rbd_cls_enc_object_map_update(&in, u->objno, u->objno + 1, u->state,
                                  u->expect);
    u->op = rados_create_write_op();
    ret = rbd_enc_status(&lock) < 0 || rbd_enc_status(&in) < 0 || !u->op ||
          rados_aio_create_completion2(u, update_done, &u->comp) < 0
          ? -ENOMEM : 0;
    if (ret == 0) {
        if (snap_id == RBD_NOSNAP) {
            rados_write_op_exec(u->op, "lock", "assert_locked",
                                (const char *)lock.data, lock.len, NULL);
        }
        rados_write_op_exec(u->op, "rbd", "object_map_update",
                            (const char *)in.data, in.len, NULL);
        map_oid(img, snap_id, oid);
        ret = rados_aio_write_op_operate(u->op, img->ctl, u->comp, oid, NULL,
                                         0);
    }
    rbd_enc_free(&lock);
    rbd_enc_free(&in);
    return ret;
}

void rbd_mapio_update(struct rbd_mapio *mi, uint64_t objno, uint8_t state,
                      int expect, rbd_mapio_cb *cb, void *arg)
{
    struct update *u;
    uint8_t cur;
    int ret;

    if (!rbd_mapio_state(mi, objno, &cur) ||
        !rbd_objmap_update_needed(cur, state)) {
        cb(arg);
        return;
    }
    u = calloc(1, sizeof(*u));
    if (!u) {
        invalidate(mi, -ENOMEM);
        cb(arg);
        return;
    }
    *u = (struct update){ .mi = mi, .objno = objno, .state = state,
                          .expect = expect, .cb = cb, .arg = arg };
    ret = send_update(u, RBD_NOSNAP);
    if (ret < 0) {
        update_free(u);
        invalidate(mi, ret);
        cb(arg);
    }
}

void rbd_mapio_update_snaps(struct rbd_mapio *mi, const struct rbd_snapc *snapc,
                            uint64_t objno, rbd_mapio_cb *cb, void *arg)
{
    bool fast_diff = mi && (mi->img->features & RBD_FEATURE_FAST_DIFF);
    atomic_int *pending;
    uint8_t cur;

    if (!rbd_mapio_state(mi, objno, &cur) || snapc->n == 0 ||
        !(pending = malloc(sizeof(*pending)))) {
        cb(arg);
        return;
    }
    /* One extra count while sending, so cb runs once, after the last. */
    atomic_init(pending, (int)snapc->n + 1);
    for (uint32_t i = 0; i < snapc->n; i++) {
        struct update *u = calloc(1, sizeof(*u));

        if (u) {
            *u = (struct update){
                .mi = mi, .objno = objno, .expect = -1, .cb = cb, .arg = arg,
                .pending = pending,
                /* Newest first: only the oldest saw the object appear. */
                .state = fast_diff && i + 1 < snapc->n ? RBD_OBJ_EXISTS_CLEAN
                                                       : RBD_OBJ_EXISTS,
            };
        }
        if (!u || send_update(u, snapc->snaps[i]) < 0) {
            if (u) {
                update_free(u);
            }
            atomic_fetch_sub(pending, 1);
        }
    }
    if (atomic_fetch_sub(pending, 1) == 1) {
        free(pending);
        cb(arg);
    }
}

int rbd_mapio_resize(struct rbd_mapio *mi, uint64_t size)
{
    struct rbd_image *img;
    uint64_t count;
    char oid[RBD_OID_MAX];
    struct rbd_enc lock, in;
    rados_write_op_t op;
    uint8_t cur;
    int ret;

    if (!rbd_mapio_state(mi, 0, &cur)) {
        return 0;
    }
    img = mi->img;
    count = rbd_layout_object_count(&img->layout, size);
    rbd_enc_init(&lock);
    rbd_enc_init(&in);
    rbd_cls_enc_assert_locked(&lock, LOCK_NAME, RBD_LOCK_EXCLUSIVE, "", "");
    rbd_cls_enc_object_map_resize(&in, count, RBD_OBJ_NONEXISTENT);
    op = rados_create_write_op();
    ret = rbd_enc_status(&lock) < 0 || rbd_enc_status(&in) < 0 || !op
          ? -ENOMEM : 0;
    if (ret == 0) {
        rados_write_op_exec(op, "lock", "assert_locked",
                            (const char *)lock.data, lock.len, NULL);
        rados_write_op_exec(op, "rbd", "object_map_resize",
                            (const char *)in.data, in.len, NULL);
        map_oid(img, RBD_NOSNAP, oid);
        ret = rados_write_op_operate(op, img->ctl, oid, NULL, 0);
    }
    if (op) {
        rados_release_write_op(op);
    }
    rbd_enc_free(&lock);
    rbd_enc_free(&in);
    if (ret == 0) {
        pthread_mutex_lock(&mi->mu);
        if (mi->active &&
            rbd_objmap_resize(&mi->map, count, RBD_OBJ_NONEXISTENT) < 0) {
            ret = -ENOMEM;
        }
        pthread_mutex_unlock(&mi->mu);
    }
    if (ret < 0) {
        invalidate(mi, ret);
    }
    return ret;
}
