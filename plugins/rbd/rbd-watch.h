/*
 * rbd-watch.h: the watch on an image's header, and the refresh it drives.
 *
 * Notifications come on librados' thread and never block there: a header
 * update marks the image stale (rbd-refresh.h) before the ack goes out,
 * so that a notifier such as `rbd snap create` returns only once every
 * later write waits for the new snap context; lock messages go to the
 * image's watch_hooks.
 */
#ifndef RBD_WATCH_H
#define RBD_WATCH_H

#include "rbd-image.h"

/* Watch img's header; img->refresher and watch_hooks are set.  Blocks. */
int rbd_watch_start(struct rbd_image *img);
/* Unwatch, and wait until no notification callback runs on img. */
void rbd_watch_stop(struct rbd_image *img);
/*
 * The refresher's work (an rbd_refresh_fn, arg the image): set the watch
 * up again if it broke, then rbd_image_refresh.  Blocks.  -ESHUTDOWN when
 * this client is blocklisted.
 */
int rbd_watch_refresh(void *arg);

#endif /* RBD_WATCH_H */
