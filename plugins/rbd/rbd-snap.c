/*
 * rbd-snap.c: internal snapshots from QEMU (ABI 1.1) the way `rbd snap`
 * makes them: as the exclusive lock's owner, a self-managed snap id from
 * the pool, a record in the header, the object maps kept as librbd keeps
 * them (rbd-snapmap.c), and a HEADER_UPDATE so other clients re-read the
 * snap context.  The host calls these with nothing in flight.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-lock.h"
#include "rbd-resize.h"
#include "rbd-snap.h"
#include "rbd-snapmap.h"

/* snapshot_add says -ESTALE when another client took a newer id first. */
#define SNAP_ID_ATTEMPTS 8

/* Snapshots are a head-only affair: never of a snapshot, never read-only. */
static int check_head(struct rbd_image *img, const char *what,
                      struct qbp_error *err)
{
    if (img->read_only || img->snap_id != RBD_NOSNAP) {
        qbp_host->error_set(err, -EROFS, "rbd: image '%s' is open read-only; "
                            "cannot %s a snapshot", img->name, what);
        return -EROFS;
    }
    return 0;
}

/*
 * Snapshot operations change what writes do (snap context, object map),
 * so they run as the exclusive lock's owner, as in librbd.
 */
static int take_lock(struct rbd_image *img, const char *what,
                     struct qbp_error *err)
{
    int ret = rbd_lock_get_sync(img->xlock);

    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': cannot take its "
                            "exclusive lock to %s a snapshot: %s", img->name,
                            what, ret == -EROFS ? "another client holds it "
                            "and will not give it up" : strerror(-ret));
    }
    return ret;
}

static int snap_name(struct rbd_image *img, uint64_t snap_id, char **name)
{
    char *out;
    size_t len;
    int ret = rbd_image_call_at(img, "get_snapshot_name", snap_id, &out, &len);

    if (ret == 0) {
        ret = rbd_cls_dec_get_snapshot_name(out, len, name);
        free(out);
    }
    return ret;
}

/* The snapshot whose id (decimal) or name this is; -ENOENT if none. */
static int find_snap(struct rbd_image *img, const char *id, const char *name,
                     uint64_t *snap_id)
{
    struct rbd_snapc snapc = { 0 };
    int ret = rbd_image_refresh(img);

    if (ret == 0) {
        ret = rbd_image_snapc_copy(img, &snapc);
    }
    for (uint32_t i = 0; ret == 0 && i < snapc.n; i++) {
        char buf[24];
        char *n = NULL;

        snprintf(buf, sizeof(buf), "%" PRIu64, snapc.snaps[i]);
        if (id && strcmp(id, buf) == 0) {
            *snap_id = snapc.snaps[i];
            rbd_snapc_free(&snapc);
            return 0;
        }
        if (!name) {
            continue;
        }
        ret = snap_name(img, snapc.snaps[i], &n);
        if (ret == 0 && strcmp(n, name) == 0) {
            *snap_id = snapc.snaps[i];
            free(n);
            rbd_snapc_free(&snapc);
            return 0;
        }
        free(n);
    }
    rbd_snapc_free(&snapc);
    return ret < 0 ? ret : -ENOENT;
}

/* A new snap id recorded in the header as name; 0 or -errno. */
static int add_snapshot(struct rbd_image *img, const char *name,
                        uint64_t *snap_id)
{
    struct rbd_enc in;
    int ret = -ESTALE;

    for (int i = 0; i < SNAP_ID_ATTEMPTS && ret == -ESTALE; i++) {
        ret = rados_ioctx_selfmanaged_snap_create(img->data, snap_id);
        if (ret < 0) {
            return ret;
        }
        rbd_enc_init(&in);
        rbd_cls_enc_snapshot_add(&in, name, *snap_id);
        /* ctl: the header must not be cloned under the snapshots. */
        ret = rbd_exec_write(img->ctl, img->header_oid, "rbd",
                             "snapshot_add", &in, false);
        rbd_enc_free(&in);
        if (ret < 0) {
            rados_ioctx_selfmanaged_snap_remove(img->data, *snap_id);
        }
    }
    return ret;
}

int rbd_snap_create(struct rbd_image *img, const char *name,
                    struct qbp_error *err)
{
    uint64_t snap_id;
    int ret = check_head(img, "create", err);

    if (ret < 0) {
        return ret;
    }
    if (!*name || find_snap(img, NULL, name, &snap_id) == 0) {
        qbp_host->error_set(err, -EEXIST, "rbd: image '%s' %s", img->name,
                            *name ? "already has a snapshot of that name"
                                  : "snapshots need a name");
        return -EEXIST;
    }
    ret = take_lock(img, "create", err);
    if (ret < 0) {
        return ret;
    }
    ret = add_snapshot(img, name, &snap_id);
    if (ret < 0) {
        rbd_lock_put(img->xlock);
        qbp_host->error_set(err, ret, "rbd: image '%s': recording snapshot "
                            "'%s' failed: %s", img->name, name,
                            strerror(-ret));
        return ret;
    }
    /* From now on our writes preserve the snapshot. */
    ret = rbd_image_refresh(img);
    if (img->features & RBD_FEATURE_OBJECT_MAP) {
        rbd_snapmap_create(img, snap_id);
    }
    rbd_lock_put(img->xlock);
    rbd_image_notify_update(img);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': snapshot '%s' was "
                            "made, but re-reading the header failed: %s",
                            img->name, name, strerror(-ret));
    }
    return ret;
}

static int snap_info(struct rbd_image *img, uint64_t snap_id,
                     struct rbd_snap_info *info)
{
    char *out;
    size_t len;
    int ret = rbd_image_call_at(img, "snapshot_get", snap_id, &out, &len);

    if (ret == 0) {
        ret = rbd_cls_dec_snapshot_get(out, len, info);
        free(out);
    }
    return ret;
}

/*
 * As `rbd snap rm` (librbd's SnapshotRemoveRequest): first to the trash
 * namespace, which refuses a protected snapshot before anything changed;
 * one that clone v2 children still read from stays there, and goes with
 * the last of them.  Otherwise its object map, then the header record,
 * then its id.
 */
static int remove_snapshot(struct rbd_image *img, uint64_t snap_id)
{
    struct rbd_snap_info info;
    struct rbd_enc in;
    int ret;

    rbd_enc_init(&in);
    rbd_cls_enc_snap_id(&in, snap_id);
    ret = rbd_exec_write(img->ctl, img->header_oid, "rbd",
                         "snapshot_trash_add", &in, false);
    if (ret == 0 || ret == -EEXIST) {
        ret = snap_info(img, snap_id, &info);
    }
    if (ret == 0 && info.child_count > 0) {
        qbp_host->log(QBP_LOG_INFO, "rbd: image '%s': snapshot %" PRIu64
                      " still has clones; it stays in the trash until the "
                      "last of them is gone, as with `rbd snap rm`",
                      img->name, snap_id);
        rbd_enc_free(&in);
        return 0;
    }
    if (ret == 0 && (img->features & RBD_FEATURE_OBJECT_MAP)) {
        rbd_snapmap_remove(img, snap_id);
    }
    if (ret == 0) {
        ret = rbd_exec_write(img->ctl, img->header_oid, "rbd",
                             "snapshot_remove", &in, false);
    }
    rbd_enc_free(&in);
    if (ret == 0) {
        /* The OSDs trim the snapshot's object clones from here on. */
        rados_ioctx_selfmanaged_snap_remove(img->data, snap_id);
    }
    return ret;
}

int rbd_snap_delete(struct rbd_image *img, const char *id, const char *name,
                    struct qbp_error *err)
{
    uint64_t snap_id;
    int ret = check_head(img, "delete", err);

    if (ret < 0) {
        return ret;
    }
    ret = find_snap(img, id, name, &snap_id);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s' has no snapshot '%s'",
                            img->name, id ? id : name ? name : "");
        return ret;
    }
    ret = take_lock(img, "delete", err);
    if (ret < 0) {
        return ret;
    }
    ret = remove_snapshot(img, snap_id);
    rbd_lock_put(img->xlock);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': removing snapshot "
                            "'%s' failed: %s%s", img->name,
                            id ? id : name, strerror(-ret),
                            ret == -EBUSY ? " (it is protected: `rbd snap "
                            "unprotect` first)" : "");
        return ret;
    }
    rbd_image_notify_update(img);
    return rbd_image_refresh(img);
}

/* Roll every object back to snap_id, as `rbd snap rollback` does. */
static int rollback_objects(struct rbd_image *img, uint64_t snap_id,
                            uint64_t size)
{
    uint64_t count = rbd_layout_object_count(&img->layout, size);

    for (uint64_t objno = 0; objno < count; objno++) {
        char oid[RBD_OID_MAX];
        int ret;

        rbd_image_object_name(img, objno, oid);
        ret = rados_ioctx_selfmanaged_snap_rollback(img->data, oid, snap_id);
        if (ret < 0 && ret != -ENOENT) {
            return ret;
        }
    }
    return 0;
}

int rbd_snap_revert(struct rbd_image *img, const char *id_or_name,
                    struct qbp_error *err)
{
    uint64_t snap_id, size;
    uint8_t order;
    char *out;
    size_t len;
    int ret = check_head(img, "revert to", err);

    if (ret < 0) {
        return ret;
    }
    ret = find_snap(img, id_or_name, id_or_name, &snap_id);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s' has no snapshot '%s'",
                            img->name, id_or_name);
        return ret;
    }
    ret = rbd_image_call_at(img, "get_size", snap_id, &out, &len);
    if (ret == 0) {
        ret = rbd_cls_dec_get_size(out, len, &order, &size);
        free(out);
    }
    /* Resizing takes the lock itself: not nested inside ours. */
    if (ret == 0 && size != rbd_image_size(img) &&
        (ret = rbd_image_resize(img, size, err)) < 0) {
        return ret;
    }
    if (ret == 0 && (ret = take_lock(img, "revert to", err)) < 0) {
        return ret;
    }
    if (ret == 0) {
        /* librbd's order: the head's map, then the objects. */
        if (img->features & RBD_FEATURE_OBJECT_MAP) {
            rbd_snapmap_rollback(img, snap_id);
        }
        ret = rollback_objects(img, snap_id, size);
        rbd_lock_put(img->xlock);
    }
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': reverting to "
                            "snapshot '%s' failed: %s", img->name, id_or_name,
                            strerror(-ret));
    }
    return ret;
}

int rbd_snap_list(struct rbd_image *img, qbp_snapshot_fn *fn, void *opaque,
                  struct qbp_error *err)
{
    struct rbd_snapc snapc = { 0 };
    int ret = rbd_image_refresh(img);

    if (ret == 0) {
        ret = rbd_image_snapc_copy(img, &snapc);
    }
    /* The snap context is newest first; QEMU lists oldest first. */
    for (uint32_t k = snapc.n; ret == 0 && k-- > 0;) {
        uint64_t snap_id = snapc.snaps[k];
        struct qbp_snapshot snap = {
            .hdr = {
                .struct_size = sizeof(snap),
                .abi_major = QBP_ABI_MAJOR,
                .abi_minor = QBP_ABI_MINOR,
            },
        };
        struct rbd_snap_info info;
        char id[24], *name = NULL, *out;
        uint32_t sec = 0, nsec = 0;
        uint8_t order;
        size_t len;

        /* Only what `rbd snap ls` lists: not trashed, group or mirror ones. */
        ret = snap_info(img, snap_id, &info);
        if (ret < 0 || info.ns_type != RBD_SNAP_NS_USER) {
            continue;
        }
        snprintf(id, sizeof(id), "%" PRIu64, snap_id);
        ret = snap_name(img, snap_id, &name);
        if (ret == 0 &&
            (ret = rbd_image_call_at(img, "get_size", snap_id, &out,
                                     &len)) == 0) {
            ret = rbd_cls_dec_get_size(out, len, &order, &snap.size);
            free(out);
        }
        if (ret == 0 && rbd_image_call_at(img, "get_snapshot_timestamp",
                                          snap_id, &out, &len) == 0) {
            if (rbd_cls_dec_get_snapshot_timestamp(out, len, &sec,
                                                   &nsec) == 0) {
                snap.date_sec = sec;
                snap.date_nsec = nsec;
            }
            free(out);
        }
        if (ret == 0) {
            snap.id = id;
            snap.name = name;
            ret = fn(opaque, &snap);
        }
        free(name);
    }
    rbd_snapc_free(&snapc);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': listing snapshots "
                            "failed: %s", img->name, strerror(-ret));
    }
    return ret;
}
