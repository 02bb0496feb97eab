/*
 * rbd-qos.h: librbd's QoS for an image (rbd_qos_* settings): six token
 * buckets (IOPS and bytes a second, for all requests, reads alone and
 * writes alone), each request paying every bucket that counts it at once,
 * in arrival order.  Discards and write-zeroes count as writes; flushes
 * are not throttled.  A request that has to wait is released later by a
 * thread of the gate's own, never by blocking the thread that submits it.
 */
#ifndef RBD_QOS_H
#define RBD_QOS_H

#include <stdbool.h>
#include <stdint.h>

enum rbd_qos_kind {
    RBD_QOS_IOPS,
    RBD_QOS_BPS,
    RBD_QOS_READ_IOPS,
    RBD_QOS_WRITE_IOPS,
    RBD_QOS_READ_BPS,
    RBD_QOS_WRITE_BPS,
    RBD_QOS_N
};

/* The settings, as librbd reads them; 0 limits are off. */
struct rbd_qos_limits {
    uint64_t limit[RBD_QOS_N];
    uint64_t burst[RBD_QOS_N];
    uint64_t burst_seconds[RBD_QOS_N];
    uint32_t tick_min_ms;
};

/* Setting names of kind: "rbd_qos_iops_limit", ... */
const char *rbd_qos_limit_name(enum rbd_qos_kind kind);

/* A request waiting at the gate; embedded in it. */
struct rbd_qos_waiter {
    /* Called once it may go, on the gate's thread. */
    void (*go)(struct rbd_qos_waiter *w);
    /* ---- the gate's ---- */
    struct rbd_qos_waiter *next[RBD_QOS_N];
    uint64_t owe[RBD_QOS_N];
    unsigned pending;
};

struct rbd_qos;

struct rbd_qos *rbd_qos_new(void);
/* Nobody may be waiting: the host drains before it closes. */
void rbd_qos_free(struct rbd_qos *q);
/*
 * New limits, from open or a refresh; a bucket turned off lets its
 * waiters go.  A burst below its limit is taken as none, as librbd
 * does.  The gate's thread starts with the first limit: when it cannot,
 * every limit is off and the result is a negative errno.
 */
int rbd_qos_set(struct rbd_qos *q, const struct rbd_qos_limits *l);
/*
 * A request of bytes (a read or not): true when it may go now, false when
 * w->go will be called once it may.
 */
bool rbd_qos_admit(struct rbd_qos *q, struct rbd_qos_waiter *w, bool read,
                   uint64_t bytes);

#endif /* RBD_QOS_H */
