/*
 * rbd-open.c: the one place that knows every layer of an open image, so
 * that none of them needs to know the ones above it: it loads the state,
 * attaches the object maps, the queue and the lock, hands the watch the
 * lock's hooks and the copy-up its way to read the parent, and takes it
 * all down again in the reverse order.
 */
#include <errno.h>
#include <string.h>

#include "rbd-io.h"
#include "rbd-lock.h"
#include "rbd-mapio.h"
#include "rbd-objwrite.h"
#include "rbd-open.h"
#include "rbd-refresh.h"
#include "rbd-watch.h"

static void lock_notify(void *arg, const struct rbd_notify_msg *m,
                        const struct rbd_client_id *self,
                        struct rbd_notify_answer *a)
{
    rbd_lock_handle_notify(arg, m, self, a);
}

static void lock_rewatched(void *arg)
{
    rbd_lock_rewatched(arg);
}

/* A clone's copy-up reads through the parent's own read path. */
static int read_parent(struct rbd_image *img, uint64_t off, uint64_t len,
                       const struct iovec *iov, int iovcnt,
                       qbp_completion_fn *cb, void *opaque)
{
    return rbd_io_submit(img->parent, RBD_IO_READ, off, len, iov, iovcnt, 0,
                         cb, opaque);
}

/*
 * Snapshots (an image opened at one, and every parent) answer block status
 * from their object map, read once: it never changes.
 */
static void attach_snapshot_maps(struct rbd_image *img)
{
    for (struct rbd_image *p = img; p; p = p->parent) {
        if (p->snap_id != RBD_NOSNAP &&
            (p->features & RBD_FEATURE_OBJECT_MAP) &&
            (p->omap = rbd_mapio_new(p)) != NULL) {
            rbd_mapio_load_snapshot(p->omap);
        }
    }
}

/* What writes need beyond reads: the lock and the object map. */
static int attach_writable(struct rbd_image *img,
                           const struct rbd_image_spec *spec)
{
    if (img->read_only) {
        return 0;
    }
    if ((img->features & RBD_FEATURE_EXCLUSIVE_LOCK) &&
        !(img->xlock = rbd_lock_new(img, spec->exclusive))) {
        return -ENOMEM;
    }
    if ((img->features & RBD_FEATURE_OBJECT_MAP) &&
        !(img->omap = rbd_mapio_new(img))) {
        return -ENOMEM;
    }
    if (img->xlock) {
        img->watch_hooks = (struct rbd_watch_hooks){
            .notify = lock_notify,
            .rewatched = lock_rewatched,
            .arg = img->xlock,
        };
    }
    return 0;
}

/* The exclusive option: the lock from now on, whatever others ask. */
static int take_exclusive(struct rbd_image *img, struct qbp_error *err)
{
    int ret = rbd_lock_get_sync(img->xlock);

    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': cannot take its "
                            "exclusive lock: %s", img->name,
                            ret == -EROFS ? "another client holds it and "
                            "will not give it up" : strerror(-ret));
        return ret;
    }
    /* Counted only while taking it: it stays, since it is never handed over. */
    rbd_lock_put(img->xlock);
    return 0;
}

struct rbd_image *rbd_image_open(struct rbd_cluster *cluster,
                                 const struct rbd_image_spec *spec,
                                 bool read_only, struct qbp_error *err)
{
    struct rbd_image *img = rbd_image_load(cluster, spec, read_only, err);
    int ret;

    if (!img) {
        return NULL;
    }
    attach_snapshot_maps(img);
    img->read_parent = read_parent;
    img->objq = rbd_objq_new(&rbd_objwrite_ops, img);
    img->refresher = rbd_refresh_new(rbd_watch_refresh, img);
    ret = img->objq && img->refresher ? attach_writable(img, spec) : -ENOMEM;
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: out of memory");
    } else {
        /* Watch first, then read again: no update can fall in between. */
        ret = rbd_watch_start(img);
        if (ret < 0) {
            qbp_host->error_set(err, ret, "rbd: image '%s': cannot watch its "
                                "header: %s", img->name, strerror(-ret));
        } else if ((ret = rbd_image_refresh(img)) < 0) {
            qbp_host->error_set(err, ret, "rbd: image '%s': reading its "
                                "header (refresh) failed: %s", img->name,
                                strerror(-ret));
        }
    }
    if (ret == 0 && spec->exclusive && img->xlock) {
        ret = take_exclusive(img, err);
    }
    if (ret < 0) {
        rbd_image_close(img);
        return NULL;
    }
    return img;
}

void rbd_image_close(struct rbd_image *img)
{
    /* Its thread may be re-watching, or telling the lock about it. */
    rbd_refresh_shutdown(img->refresher);
    if (img->xlock) {
        /* Unlock and say so while the other clients still see us. */
        rbd_lock_shutdown(img->xlock);
    }
    rbd_watch_stop(img);
    rbd_lock_free(img->xlock);
    rbd_refresh_free(img->refresher);
    for (struct rbd_image *p = img; p; p = p->parent) {
        rbd_mapio_free(p->omap);
    }
    rbd_objq_free(img->objq);
    rbd_image_unload(img);
}
