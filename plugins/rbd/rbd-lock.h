/*
 * rbd-lock.h: the exclusive lock of an image (EXCLUSIVE_LOCK), taken the
 * way librbd and the kernel client take it, so that they and this plugin
 * can share an image: class "lock" on the header, name "rbd_lock", tag
 * "internal", cookie "auto <watch handle>", announced with ACQUIRED_LOCK
 * and RELEASED_LOCK, handed over when another client sends REQUEST_LOCK.
 *
 * Mutations pass a gate: while the lock is held they go on at once and
 * are counted until they complete; otherwise they wait in a queue (no
 * thread blocks) and a thread of the lock's own does the cluster round
 * trips (lock, ask the owner, break a dead owner's lock, unlock) and
 * resumes them.  A requested release waits for the counted ones to
 * complete, so no write of ours lands after another client took over.
 */
#ifndef RBD_LOCK_H
#define RBD_LOCK_H

#include <stdbool.h>

#include "rbd-notify.h"

struct rbd_image;
struct rbd_lock;

/* A mutation waiting for the lock. */
struct rbd_lock_waiter {
    struct rbd_lock_waiter *next;
    /*
     * Called once from the lock's thread: ret 0 when the lock is held
     * and the waiter counted (rbd_lock_put when it completes), or a
     * negative errno (-EROFS: the owner keeps the lock) when it cannot
     * be had.
     */
    void (*resume)(struct rbd_lock_waiter *w, int ret);
};

/* NULL if out of memory.  exclusive: refuse every REQUEST_LOCK. */
struct rbd_lock *rbd_lock_new(struct rbd_image *img, bool exclusive);
/*
 * Release the lock if held (unlock, RELEASED_LOCK) and stop the thread.
 * Nothing may be in flight.  Notifications may still arrive until the
 * header watch is gone; rbd_lock_free after that.
 */
void rbd_lock_shutdown(struct rbd_lock *l);
void rbd_lock_free(struct rbd_lock *l);

/*
 * The gate.  0: the lock is held and the caller counted; 1: w is queued
 * and will be resumed.  l NULL (an image without the feature): 0.
 */
int rbd_lock_get(struct rbd_lock *l, struct rbd_lock_waiter *w);
/* The same, waiting: for the blocking calls (open, truncate). */
int rbd_lock_get_sync(struct rbd_lock *l);
/*
 * Who holds img's exclusive lock now, by RADOS client (instance) id, read
 * from the cluster: 0 and *gid, -ENOENT when nobody does, -EBUSY when
 * something other than an RBD client locked it.  Blocks.
 */
int rbd_lock_owner(struct rbd_image *img, uint64_t *gid);
/* A counted mutation completed.  Never blocks: any thread. */
void rbd_lock_put(struct rbd_lock *l);

/*
 * From the header watch callback: how to answer m (see
 * rbd_notify_answer), and act on it (hand over, retry).  Never blocks.
 */
void rbd_lock_handle_notify(struct rbd_lock *l, const struct rbd_notify_msg *m,
                            const struct rbd_client_id *self,
                            struct rbd_notify_answer *a);
/* The header watch was set up again: a held lock's cookie is stale. */
void rbd_lock_rewatched(struct rbd_lock *l);

#endif /* RBD_LOCK_H */
