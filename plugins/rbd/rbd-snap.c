/*
 * rbd-snap.c: internal snapshots from QEMU (ABI 1.1) the way `rbd snap`
 * makes them: a self-managed snap id from the pool, a record in the
 * header, and a HEADER_UPDATE so other clients re-read the snap context.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-io.h"
#include "rbd-snap.h"

/* Snapshots are a head-only affair: never of a snapshot, never read-only. */
static int check_head(struct rbd_image *img, const char *what,
                      struct qbp_error *err)
{
    if (img->read_only || img->snap_id != RBD_NOSNAP) {
        qbp_host->error_set(err, -EROFS, "rbd: image '%s' is open read-only; "
                            "cannot %s a snapshot", img->name, what);
        return -EROFS;
    }
    if (img->features & RBD_FEATURE_OBJECT_MAP) {
        qbp_host->error_set(err, -ENOTSUP, "rbd: image '%s' has an object "
                            "map, which the plugin's snapshots do not keep "
                            "yet; use `rbd snap %s`", img->name, what);
        return -ENOTSUP;
    }
    return 0;
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
    int ret = rbd_image_refresh(img);

    if (ret < 0) {
        return ret;
    }
    for (uint32_t i = 0; i < img->snapc.n; i++) {
        char buf[24];
        char *n = NULL;
        bool match;

        snprintf(buf, sizeof(buf), "%" PRIu64, img->snapc.snaps[i]);
        if (id && strcmp(id, buf) == 0) {
            *snap_id = img->snapc.snaps[i];
            return 0;
        }
        if (!name) {
            continue;
        }
        ret = snap_name(img, img->snapc.snaps[i], &n);
        if (ret < 0) {
            return ret;
        }
        match = strcmp(n, name) == 0;
        free(n);
        if (match) {
            *snap_id = img->snapc.snaps[i];
            return 0;
        }
    }
    return -ENOENT;
}

int rbd_snap_create(struct rbd_image *img, const char *name,
                    struct qbp_error *err)
{
    struct rbd_enc in;
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
    ret = rados_ioctx_selfmanaged_snap_create(img->data, &snap_id);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': cannot allocate a "
                            "snapshot id: %s", img->name, strerror(-ret));
        return ret;
    }
    rbd_enc_init(&in);
    rbd_cls_enc_snapshot_add(&in, name, snap_id);
    ret = rbd_exec_write(img->meta, img->header_oid, "snapshot_add", &in,
                         false);
    rbd_enc_free(&in);
    if (ret < 0) {
        rados_ioctx_selfmanaged_snap_remove(img->data, snap_id);
        qbp_host->error_set(err, ret, "rbd: image '%s': recording snapshot "
                            "'%s' failed: %s", img->name, name,
                            strerror(-ret));
        return ret;
    }
    rbd_image_notify_update(img);
    /* From now on our writes preserve the snapshot. */
    return rbd_image_refresh(img);
}

int rbd_snap_delete(struct rbd_image *img, const char *id, const char *name,
                    struct qbp_error *err)
{
    struct rbd_enc in;
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
    rbd_enc_init(&in);
    rbd_cls_enc_snap_id(&in, snap_id);
    ret = rbd_exec_write(img->meta, img->header_oid, "snapshot_remove", &in,
                         false);
    rbd_enc_free(&in);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': removing snapshot "
                            "'%s' failed: %s%s", img->name,
                            id ? id : name, strerror(-ret),
                            ret == -EBUSY ? " (it is protected: `rbd snap "
                            "unprotect` first)" : "");
        return ret;
    }
    /* The OSDs trim the snapshot's object clones from here on. */
    rados_ioctx_selfmanaged_snap_remove(img->data, snap_id);
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
                    int (*resize)(struct rbd_image *img, uint64_t size,
                                  struct qbp_error *err),
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
    if (ret == 0 && size != rbd_image_size(img)) {
        ret = resize(img, size, err);
    }
    if (ret == 0) {
        ret = rollback_objects(img, snap_id, size);
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
    int ret = rbd_image_refresh(img);

    /* The snap context is newest first; QEMU lists oldest first. */
    for (uint32_t k = img->snapc.n; ret == 0 && k-- > 0;) {
        uint64_t snap_id = img->snapc.snaps[k];
        struct qbp_snapshot snap = {
            .hdr = {
                .struct_size = sizeof(snap),
                .abi_major = QBP_ABI_MAJOR,
                .abi_minor = QBP_ABI_MINOR,
            },
        };
        char id[24], *name = NULL, *out;
        uint32_t sec = 0, nsec = 0;
        uint8_t order;
        size_t len;

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
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': listing snapshots "
                            "failed: %s", img->name, strerror(-ret));
    }
    return ret;
}
