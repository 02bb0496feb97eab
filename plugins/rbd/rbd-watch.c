/*
 * rbd-watch.c: the watch on an image's header.  Another client's change
 * marks the image stale and the refresher's thread (rbd-refresh.c) runs
 * rbd_watch_refresh: re-watch if the watch broke, then re-read the header.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "rbd-refresh.h"
#include "rbd-watch.h"

/*
 * A watch is a write to the header (the OSD records the watcher): sent
 * with the data's snap context, each (un)watch would clone the header
 * under the newest snapshot, which librbd never does.
 */
static rados_ioctx_t watch_io(const struct rbd_image *img)
{
    return img->ctl ? img->ctl : img->meta;
}

/*
 * Header notifications: another client resized the image or took a
 * snapshot (refresh), wants the exclusive lock, released it, or asks its
 * owner to run an operation.  librados' thread: answer at once, never
 * block.  A header update sets the stale flag before the ack goes out,
 * so the notifier (`rbd snap create`) returns only after it is set and
 * every write submitted after that re-reads the snap context first.
 */
static void watch_notify(void *arg, uint64_t notify_id, uint64_t handle,
                         uint64_t notifier_id, void *data, size_t data_len)
{
    struct rbd_image *img = arg;
    struct rbd_notify_answer a = { .action = RBD_NOTIFY_REFRESH };
    struct rbd_client_id self;
    struct rbd_notify_msg m;
    struct rbd_enc reply;

    rbd_image_client_id(img, &self);
    if (rbd_notify_decode(data, data_len, &m) == 0) {
        if (img->watch_hooks.notify) {
            img->watch_hooks.notify(img->watch_hooks.arg, &m, &self, &a);
        } else {
            rbd_notify_answer(&m, &self, false, false, &a);
        }
    }
    /* Also for what cannot be decoded: re-reading is always safe. */
    if (a.action == RBD_NOTIFY_REFRESH) {
        rbd_refresh_mark_stale(img->refresher);
    }
    rbd_enc_init(&reply);
    if (a.respond) {
        rbd_notify_encode_response(&reply, a.result);
    }
    rados_notify_ack(watch_io(img), img->header_oid, notify_id, handle,
                     rbd_enc_status(&reply) == 0 ? (const char *)reply.data
                                                 : NULL,
                     rbd_enc_status(&reply) == 0 ? (int)reply.len : 0);
    rbd_enc_free(&reply);
}

static void watch_error(void *arg, uint64_t handle, int err)
{
    struct rbd_image *img = arg;

    atomic_store(&img->rewatch, true);
    rbd_refresh_mark_stale(img->refresher);
}

int rbd_watch_start(struct rbd_image *img)
{
    uint64_t handle = 0;
    int ret = rados_watch2(watch_io(img), img->header_oid, &handle,
                           watch_notify, watch_error, img);

    /* The handle names this client in lock cookies and notifications. */
    pthread_mutex_lock(&img->lock);
    img->watch_handle = handle;
    pthread_mutex_unlock(&img->lock);
    img->watching = ret == 0;
    return ret;
}

static void unwatch_header(struct rbd_image *img)
{
    if (img->watching) {
        rados_unwatch2(watch_io(img), img->watch_handle);
        img->watching = false;
    }
}


void rbd_watch_stop(struct rbd_image *img)
{
    unwatch_header(img);
    if (img->meta) {
        /* No notification callback may still be running on img. */
        rados_watch_flush(rbd_cluster_rados(img->cluster));
    }
}

int rbd_watch_refresh(void *arg)
{
    struct rbd_image *img = arg;
    int ret;

    if (atomic_exchange(&img->rewatch, false)) {
        unwatch_header(img);
        if (rbd_watch_start(img) < 0) {
            atomic_store(&img->rewatch, true);
        } else if (img->watch_hooks.rewatched) {
            img->watch_hooks.rewatched(img->watch_hooks.arg);
        }
    }
    ret = rbd_image_refresh(img);
    /* The refresher keeps the image stale: writes wait, never go blind. */
    if (ret < 0 && !rbd_image_blocklisted(img, ret)) {
        qbp_host->log(QBP_LOG_WARNING, "rbd: image '%s': re-reading its "
                      "header failed: %s", img->name, strerror(-ret));
    }
    /* That is for good: the refresher then waits until it is asked. */
    if (ret < 0 && atomic_load(&img->blocklisted)) {
        ret = -ESHUTDOWN;
    }
    return ret;
}
