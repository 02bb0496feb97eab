/*
 * rbd-refresh.h: re-reading an image's header off the I/O path.
 *
 * When another client changes the header (a snapshot, a resize) or the
 * watch breaks, the watch callback (rbd-watch.c) only marks the image
 * stale: this worker, a thread of the image's own started the first time
 * it is needed, then runs the refresh it was made with (re-watch, re-read
 * the header) with the cluster round trips that takes.  It knows nothing
 * of images itself.  Mutations pass a gate in front of the exclusive lock's:
 * while the image is stale they wait in a queue (no thread blocks) and
 * the worker resumes them once the snap context is current, so no write
 * goes out without a snapshot it should carry.  Reads do not wait: they
 * go on with the snap context they had, as in librbd.
 */
#ifndef RBD_REFRESH_H
#define RBD_REFRESH_H

struct rbd_refresh;

/*
 * Bring what is stale up to date, blocking: 0, or why not.  -ESHUTDOWN
 * (this client is blocklisted) is for good: no retry until marked again.
 */
typedef int rbd_refresh_fn(void *arg);

/* A mutation waiting for the header to be current. */
struct rbd_refresh_waiter {
    struct rbd_refresh_waiter *next;
    /* Called once from the worker: 0, or why the header could not be read. */
    void (*resume)(struct rbd_refresh_waiter *w, int ret);
};

/* NULL if out of memory.  No thread yet: the first mark starts it. */
struct rbd_refresh *rbd_refresh_new(rbd_refresh_fn *run, void *arg);
/* Stop the worker (after the refresh it is doing).  Nothing may wait. */
void rbd_refresh_shutdown(struct rbd_refresh *r);
void rbd_refresh_free(struct rbd_refresh *r);

/*
 * What run brings up to date changed: mutations wait at the gate until it
 * has run again.  Never blocks; any thread (a watch callback).
 */
void rbd_refresh_mark_stale(struct rbd_refresh *r);
/*
 * The gate.  0: the header is current, go on; 1: w is queued and will be
 * resumed.  Never blocks.
 */
int rbd_refresh_gate(struct rbd_refresh *r, struct rbd_refresh_waiter *w);

#endif /* RBD_REFRESH_H */
