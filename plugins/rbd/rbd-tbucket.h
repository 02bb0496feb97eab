/*
 * rbd-tbucket.h: one of librbd's QoS token buckets (16.x: common/Throttle's
 * TokenBucketThrottle, as io::QosImageDispatch sets it up), so that an
 * image limited by rbd_qos_* settings runs at the same rate through the
 * plugin.  Pure: rbd-qos.c ticks it on time and queues what waits.
 *
 * A bucket refills avg tokens a second in ticks of max(1000 / avg,
 * tick_min) ms, spread so that each second adds exactly avg.  What can be
 * spent at once is max (the burst, or avg without one); the reservoir holds
 * max × burst_seconds and refills at avg.  A new bucket starts empty.
 */
#ifndef RBD_TBUCKET_H
#define RBD_TBUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct rbd_tbucket {
    uint64_t avg;           /* tokens a second; 0: the bucket is off */
    uint64_t max;           /* spendable at once */
    uint64_t capacity;      /* the reservoir */
    uint64_t remain;        /* in the reservoir, <= capacity */
    uint64_t available;     /* spendable now, <= min(remain, max) */
    uint32_t tick_ms;
    uint32_t ticks_per_sec;
    uint32_t tick;          /* ticks done this second, 0..ticks_per_sec - 1 */
};

/*
 * Sets the limit (tokens a second, 0: off), the burst (0: the limit) and
 * the seconds a burst may last (at least 1).  -EINVAL, changing nothing,
 * for a burst below the limit, which librbd refuses too.
 */
int rbd_tbucket_set(struct rbd_tbucket *b, uint64_t avg, uint64_t burst,
                    uint64_t burst_seconds, uint32_t tick_min_ms);
static inline bool rbd_tbucket_on(const struct rbd_tbucket *b)
{
    return b->avg != 0;
}
/* One tick's tokens. */
void rbd_tbucket_fill(struct rbd_tbucket *b);
/* Takes up to want tokens; returns how many it took. */
uint64_t rbd_tbucket_take(struct rbd_tbucket *b, uint64_t want);

#endif /* RBD_TBUCKET_H */
