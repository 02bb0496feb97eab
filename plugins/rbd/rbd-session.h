/*
 * rbd-session.h: a disk's image on its RADOS connection, and, with
 * recover-session=auto, a new one after the cluster blocklisted the old.
 *
 * librbd, like this plugin by default, fails every request for good once
 * the cluster blocklists its client.  With recovery on, the first sign of
 * it (rbd_image_blocklisted) wakes a thread that connects anew, opens the
 * image again on the new connection and swaps it in; requests already
 * sent on the old session fail with -ESHUTDOWN, never acknowledged
 * unwritten, and later ones go to the new session, which takes the
 * exclusive lock again when it needs it.  Another client holding the
 * lock when the thread looks stops recovery for good: it took the image
 * over, and this disk must not write after it.
 */
#ifndef RBD_SESSION_H
#define RBD_SESSION_H

#include <stdbool.h>

#include "qemu-block-plugin.h"
#include "rbd-cluster.h"
#include "rbd-image.h"

struct rbd_session;

/*
 * Connects and opens the image (rbd_image_open); conn and spec are copied
 * when recover is set.  NULL with err set.
 */
struct rbd_session *rbd_session_open(const struct rbd_conn_opts *conn,
                                     const struct rbd_image_spec *spec,
                                     bool read_only, bool recover,
                                     struct qbp_error *err);
/* Nothing may be in flight (the host drained the disk). */
void rbd_session_close(struct rbd_session *s);

/*
 * The image for one request, counted until the request completes: *cb
 * and *opaque may be replaced by a completion that uncounts it first.
 * NULL (-ENOMEM) changes nothing.  If the request is then refused without
 * a completion, rbd_session_abort with the same *cb and *opaque.
 */
struct rbd_image *rbd_session_begin(struct rbd_session *s,
                                    qbp_completion_fn **cb, void **opaque);
void rbd_session_abort(struct rbd_session *s, qbp_completion_fn *cb,
                       void *opaque);

/* The image for a blocking call (truncate, snapshots, size), counted. */
struct rbd_image *rbd_session_hold(struct rbd_session *s);
void rbd_session_release(struct rbd_session *s, struct rbd_image *img);

#endif /* RBD_SESSION_H */
