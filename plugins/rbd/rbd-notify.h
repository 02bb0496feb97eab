/*
 * rbd-notify.h: the messages RBD clients exchange through watch/notify on
 * an image header (librbd's watch_notify::NotifyMessage and
 * ResponseMessage), the reply a notifier gets back, and what a watcher
 * answers to each message.  Pure encoding and decision logic: no RADOS.
 *
 * Facts: ../../../shared/reference/rbd-format2.md, and librbd's
 * WatchNotifyTypes.cc / ImageWatcher.cc (Ceph 16), which this follows.
 */
#ifndef RBD_NOTIFY_H
#define RBD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "rbd-buf.h"

/* librbd waits this long for watchers to answer (watcher::Notifier). */
#define RBD_NOTIFY_TIMEOUT_MS 5000

/* NotifyOp. */
enum {
    RBD_NOTIFY_ACQUIRED_LOCK = 0,
    RBD_NOTIFY_RELEASED_LOCK = 1,
    RBD_NOTIFY_REQUEST_LOCK = 2,
    RBD_NOTIFY_HEADER_UPDATE = 3,
    RBD_NOTIFY_ASYNC_PROGRESS = 4,
    RBD_NOTIFY_ASYNC_COMPLETE = 5,
    RBD_NOTIFY_FLATTEN = 6,
    RBD_NOTIFY_RESIZE = 7,
    RBD_NOTIFY_SNAP_CREATE = 8,
    RBD_NOTIFY_SPARSIFY = 17,
    RBD_NOTIFY_QUIESCE = 18,
    RBD_NOTIFY_UNQUIESCE = 19,
};

/* A client: its RADOS instance id and the handle of its header watch. */
struct rbd_client_id {
    uint64_t gid;
    uint64_t handle;
};

struct rbd_notify_msg {
    uint32_t op;
    bool has_client;            /* the lock ops carry a client from v2 on */
    struct rbd_client_id client;
    bool force;                 /* REQUEST_LOCK from v3 on */
};

/*
 * A notification's payload: ENCODE_START(v, compat<=1){le32 op, payload}.
 * An empty payload is a legacy HEADER_UPDATE.  Unknown ops decode (op
 * set, nothing else); payload fields this file does not need are skipped.
 * 0 or -EBADMSG.
 */
int rbd_notify_decode(const void *buf, size_t len, struct rbd_notify_msg *m);
/*
 * What librbd 16 sends: ENCODE_START(7,1){le32 op, ClientId (lock ops),
 * u8 force (REQUEST_LOCK)}; client may be NULL for HEADER_UPDATE.
 */
void rbd_notify_encode(struct rbd_enc *e, uint32_t op,
                       const struct rbd_client_id *client, bool force);

/* ResponseMessage: ENCODE_START(1,1){s32 result}. */
void rbd_notify_encode_response(struct rbd_enc *e, int32_t result);
int rbd_notify_decode_response(const void *buf, size_t len, int32_t *result);

/*
 * What a notifier gets back (librados.h, rados_notify2): le32 n, n x
 * {le64 gid, le64 cookie, le32 len, bytes}, le32 m, m x {le64 gid, le64
 * cookie} for the watchers that timed out.  The acks point into buf.
 */
struct rbd_notify_ack {
    struct rbd_client_id id;    /* handle = the watcher's cookie */
    const uint8_t *data;
    uint32_t len;
};

struct rbd_notify_reply {
    uint32_t n_acks;
    struct rbd_notify_ack *acks;
    uint32_t n_timeouts;
    struct rbd_client_id *timeouts;
};

/* 0, -EBADMSG or -ENOMEM; free with rbd_notify_reply_free. */
int rbd_notify_decode_reply(const void *buf, size_t len,
                            struct rbd_notify_reply *r);
void rbd_notify_reply_free(struct rbd_notify_reply *r);

/* How the lock owner took a REQUEST_LOCK, judged from the reply. */
enum rbd_owner_reply {
    RBD_OWNER_RESPONDED,        /* answered as the owner: see *result */
    RBD_OWNER_SILENT,           /* acked without an answer: not owner (any more) */
    RBD_OWNER_TIMED_OUT,        /* watches the header, but does not answer */
    RBD_OWNER_GONE,             /* does not watch the header at all */
    RBD_OWNER_CONFUSED,         /* several answered, or a malformed answer */
};

enum rbd_owner_reply rbd_notify_owner_reply(const struct rbd_notify_reply *r,
                                            const struct rbd_client_id *owner,
                                            int32_t *result);

/* What a watcher does about a notification, besides acking it. */
enum rbd_notify_action {
    RBD_NOTIFY_NOTHING,
    RBD_NOTIFY_REFRESH,         /* re-read the header */
    RBD_NOTIFY_RELEASE,         /* another client asks for our lock */
    RBD_NOTIFY_LOCK_FREE,       /* the owner released it: try to take it now */
};

struct rbd_notify_answer {
    bool respond;               /* the ack carries a ResponseMessage... */
    int32_t result;             /* ...with this result */
    enum rbd_notify_action action;
};

/*
 * librbd's answers (ImageWatcher::handle_payload): header updates are
 * answered 0 and refresh; REQUEST_LOCK is answered by the owner only (0
 * and release, or -EROFS when it keeps the lock), never to ourselves;
 * the operations librbd asks the lock owner to run (resize, snap create,
 * flatten, ...) and unknown ops get -EOPNOTSUPP from the owner, so the
 * asker takes the lock and runs them itself; QUIESCE gets -EOPNOTSUPP
 * (we cannot quiesce the guest: the notifier ignores that answer).
 * Everything else, and every message to a non-owner, is acked empty:
 * an answer from a non-owner would look like a second lock owner.
 */
void rbd_notify_answer(const struct rbd_notify_msg *m,
                       const struct rbd_client_id *self, bool owner,
                       bool exclusive, struct rbd_notify_answer *a);

/*
 * A lock cookie "auto <handle>" and locker "client.<gid>" as librbd
 * writes them; 0 or -EINVAL for anything else (a lock taken by another
 * tool, which must not be broken).
 */
int rbd_notify_parse_locker(const char *client, const char *cookie,
                            struct rbd_client_id *id);

#endif /* RBD_NOTIFY_H */
