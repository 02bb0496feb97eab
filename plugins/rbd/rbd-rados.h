/*
 * rbd-rados.h: the RADOS calls of the plugin's blocking paths (open,
 * refresh, the lock's thread, snapshots, resize), each turned into
 * 0 / -errno in one place, and the one way a blocking path waits for a
 * completion.  The I/O path never calls these: it goes through librados'
 * asynchronous calls.
 */
#ifndef RBD_RADOS_H
#define RBD_RADOS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rados/librados.h>

#include "rbd-buf.h"

/*
 * Call a class method on oid and return its output in *out (malloc'd, to
 * free()), or a negative errno.
 */
int rbd_exec(rados_ioctx_t io, const char *oid, const char *cls,
             const char *method, const struct rbd_enc *in,
             char **out, size_t *out_len);
/* A class method that writes; optionally creates oid first. */
int rbd_exec_write(rados_ioctx_t io, const char *oid, const char *cls,
                   const char *method, const struct rbd_enc *in,
                   bool create_exclusive);
/*
 * Notify oid's watchers with msg and wait for their acks (or timeout_ms);
 * their replies in *reply (rados_buffer_free it) when reply is not NULL.
 */
int rbd_notify(rados_ioctx_t io, const char *oid, const struct rbd_enc *msg,
               uint64_t timeout_ms, char **reply, size_t *reply_len);

/* A blocking path waiting for one completion. */
struct rbd_sync {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool done;
    int64_t result;
};

#define RBD_SYNC_INIT                                                     \
    { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER }

/* The completion: records result and wakes the waiter.  Any thread. */
void rbd_sync_done(struct rbd_sync *s, int64_t result);
/* Waits for rbd_sync_done and returns its result. */
int64_t rbd_sync_wait(struct rbd_sync *s);

#endif /* RBD_RADOS_H */
