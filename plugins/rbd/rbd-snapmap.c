/*
 * rbd-snapmap.c: object maps around snapshot create, remove and rollback.
 * Map objects are reached through img->ctl, with no snap context: they
 * must never be cloned by the OSD.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rbd-mapio.h"
#include "rbd-objmap.h"
#include "rbd-snapmap.h"

#define LOCK_NAME "rbd_lock"
/* A map of RBD_OBJMAP_MAX_OBJECTS, with room for its header and CRCs. */
#define MAP_BYTES_MAX (RBD_OBJMAP_MAX_OBJECTS / 4 + (1u << 20))

static void oid_of(const struct rbd_image *img, uint64_t snap_id, char *buf)
{
    rbd_objmap_oid(img->id, snap_id, buf, RBD_OBJMAP_OID_MAX);
}

/* 0 if the map of snap_id is to be trusted, -ESTALE if flagged invalid. */
static int check_trusted(struct rbd_image *img, uint64_t snap_id)
{
    uint64_t flags = 0;
    int ret = rbd_image_get_flags(img, snap_id, &flags);

    if (ret == 0 && (flags & RBD_FLAG_OBJECT_MAP_INVALID)) {
        ret = -ESTALE;
    }
    return ret;
}

/* Flag the map of snap_id invalid in the header, as librbd's InvalidateRequest. */
static void invalidate(struct rbd_image *img, uint64_t snap_id)
{
    uint64_t flags = RBD_FLAG_OBJECT_MAP_INVALID;
    struct rbd_enc in;
    int ret;

    if (img->features & RBD_FEATURE_FAST_DIFF) {
        flags |= RBD_FLAG_FAST_DIFF_INVALID;
    }
    rbd_enc_init(&in);
    rbd_cls_enc_set_flags(&in, flags, flags, snap_id);
    ret = rbd_exec_write(img->ctl, img->header_oid, "rbd", "set_flags", &in,
                         false);
    rbd_enc_free(&in);
    if (ret < 0 && snap_id == RBD_NOSNAP) {
        qbp_host->log(QBP_LOG_ERROR, "rbd: image '%s': flagging the object "
                      "map of the head invalid failed: %s", img->name,
                      strerror(-ret));
    } else if (ret < 0) {
        qbp_host->log(QBP_LOG_ERROR, "rbd: image '%s': flagging the object "
                      "map of snapshot %" PRIu64 " invalid failed: %s",
                      img->name, snap_id, strerror(-ret));
    }
}

static void warn(struct rbd_image *img, const char *what, uint64_t snap_id,
                 int ret)
{
    qbp_host->log(QBP_LOG_WARNING, "rbd: image '%s': %s (snapshot %" PRIu64
                  ") failed: %s; flagging the object map invalid",
                  img->name, what, snap_id, strerror(-ret));
}

/* The map object's bytes as they are, as librbd copies them. */
static int read_whole(struct rbd_image *img, uint64_t snap_id, char **buf,
                      size_t *len)
{
    char oid[RBD_OBJMAP_OID_MAX];
    uint64_t size;
    time_t mtime;
    char *b;
    int ret;

    oid_of(img, snap_id, oid);
    ret = rados_stat(img->ctl, oid, &size, &mtime);
    if (ret < 0) {
        return ret;
    }
    if (size == 0 || size > MAP_BYTES_MAX) {
        return -EBADMSG;
    }
    b = malloc(size);
    if (!b) {
        return -ENOMEM;
    }
    ret = rados_read(img->ctl, oid, b, size, 0);
    if (ret >= 0 && (uint64_t)ret != size) {
        ret = -EIO;             /* it cannot change while we own the image */
    }
    if (ret < 0) {
        free(b);
        return ret;
    }
    *buf = b;
    *len = size;
    return 0;
}

/*
 * One op on the map of snap_id: rbd.<method>(data) or, with no method, a
 * write_full of data; on the head's under lock.assert_locked, so that a
 * client that lost the image cannot change the new owner's map.
 */
static int map_write(struct rbd_image *img, uint64_t snap_id,
                     const char *method, const char *data, size_t len)
{
    char oid[RBD_OBJMAP_OID_MAX];
    struct rbd_enc lock;
    rados_write_op_t op = rados_create_write_op();
    int prval = 0;
    int ret;

    if (!op) {
        return -ENOMEM;
    }
    rbd_enc_init(&lock);
    rbd_cls_enc_assert_locked(&lock, LOCK_NAME, RBD_LOCK_EXCLUSIVE, "", "");
    ret = rbd_enc_status(&lock);
    if (ret == 0) {
        if (snap_id == RBD_NOSNAP) {
            rados_write_op_exec(op, "lock", "assert_locked",
                                (const char *)lock.data, lock.len, NULL);
        }
        if (method) {
            rados_write_op_exec(op, "rbd", method, data, len, &prval);
        } else {
            rados_write_op_write_full(op, data, len);
        }
        oid_of(img, snap_id, oid);
        ret = rados_write_op_operate(op, img->ctl, oid, NULL, 0);
        if (ret == 0) {
            ret = prval;
        }
    }
    rbd_enc_free(&lock);
    rados_release_write_op(op);
    return ret;
}

/* The head's map changed on the cluster: the plugin's copy follows. */
static void reload_head(struct rbd_image *img)
{
    if (img->omap) {
        rbd_mapio_close(img->omap);
        rbd_mapio_open(img->omap);
    }
}

void rbd_snapmap_create(struct rbd_image *img, uint64_t snap_id)
{
    char *buf;
    size_t len;
    int ret = read_whole(img, RBD_NOSNAP, &buf, &len);

    if (ret == 0) {
        ret = map_write(img, snap_id, NULL, buf, len);
        free(buf);
    }
    if (ret < 0) {
        warn(img, "copying the object map to a new snapshot", snap_id, ret);
        invalidate(img, snap_id);
        return;
    }
    if (img->features & RBD_FEATURE_FAST_DIFF) {
        ret = map_write(img, RBD_NOSNAP, "object_map_snap_add", NULL, 0);
        if (ret < 0) {
            /*
             * The head's map is unchanged, so still right; librbd flags
             * the snapshot's, which fast-diff would start from.
             */
            warn(img, "marking the head's objects clean", snap_id, ret);
            invalidate(img, snap_id);
        }
        reload_head(img);
    }
}

/* The snapshot after snap_id (ids only grow), or the head. */
static uint64_t next_snap(struct rbd_image *img, uint64_t snap_id)
{
    uint64_t next = RBD_NOSNAP;

    pthread_mutex_lock(&img->lock);
    for (uint32_t i = 0; i < img->snapc.n; i++) {
        if (img->snapc.snaps[i] > snap_id && img->snapc.snaps[i] < next) {
            next = img->snapc.snaps[i];
        }
    }
    pthread_mutex_unlock(&img->lock);
    return next;
}

static void fold_into_next(struct rbd_image *img, uint64_t snap_id)
{
    uint64_t next = next_snap(img, snap_id);
    char oid[RBD_OBJMAP_OID_MAX];
    char *out;
    size_t len;
    int ret = check_trusted(img, snap_id);

    if (ret == 0) {
        oid_of(img, snap_id, oid);
        ret = rbd_exec(img->ctl, oid, "rbd", "object_map_load", NULL, &out,
                       &len);
        if (ret == -ENOENT) {
            return;             /* nothing was ever marked clean for it */
        }
    }
    if (ret == 0) {
        /* object_map_load's output is the encoded bit vector the method takes. */
        ret = map_write(img, next, "object_map_snap_remove", out, len);
        free(out);
    }
    if (ret < 0 && ret != -ENOENT) {
        /* What changed after it is unknown: so is the next map's cleanness. */
        if (ret != -ESTALE) {
            warn(img, "folding a removed snapshot's object map into the next",
                 snap_id, ret);
        }
        invalidate(img, next);
    }
    if (next == RBD_NOSNAP) {
        reload_head(img);
    }
}

void rbd_snapmap_remove(struct rbd_image *img, uint64_t snap_id)
{
    char oid[RBD_OBJMAP_OID_MAX];
    int ret;

    if (img->features & RBD_FEATURE_FAST_DIFF) {
        fold_into_next(img, snap_id);
    }
    oid_of(img, snap_id, oid);
    ret = rados_remove(img->ctl, oid);
    if (ret < 0 && ret != -ENOENT) {
        qbp_host->log(QBP_LOG_WARNING, "rbd: image '%s': removing the object "
                      "map %s failed: %s", img->name, oid, strerror(-ret));
    }
}

void rbd_snapmap_rollback(struct rbd_image *img, uint64_t snap_id)
{
    char *buf;
    size_t len;
    int ret = check_trusted(img, snap_id);

    if (ret == 0) {
        ret = read_whole(img, snap_id, &buf, &len);
        if (ret < 0) {
            invalidate(img, snap_id);
        }
    }
    if (ret == 0) {
        ret = map_write(img, RBD_NOSNAP, NULL, buf, len);
        free(buf);
    }
    if (ret < 0) {
        /* An untrusted map stays untrusted as the head's. */
        if (ret != -ESTALE) {
            warn(img, "rolling the object map back", snap_id, ret);
        }
        invalidate(img, RBD_NOSNAP);
    }
    reload_head(img);
}
