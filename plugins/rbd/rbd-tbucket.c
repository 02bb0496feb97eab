/*
 * rbd-tbucket.c: librbd's QoS token bucket (rbd-tbucket.h).
 */
#include <errno.h>

#include "rbd-tbucket.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

int rbd_tbucket_set(struct rbd_tbucket *b, uint64_t avg, uint64_t burst,
                    uint64_t burst_seconds, uint32_t tick_min_ms)
{
    uint64_t max, capacity;

    if (burst != 0 && burst < avg) {
        return -EINVAL;
    }
    if (burst_seconds == 0) {
        burst_seconds = 1;
    }
    if (tick_min_ms == 0) {
        tick_min_ms = 1;
    }
    max = burst ? burst : avg;
    capacity = max > UINT64_MAX / burst_seconds ? UINT64_MAX
                                                 : max * burst_seconds;
    b->avg = avg;
    if (avg == 0) {
        *b = (struct rbd_tbucket){ .tick_ms = 1000, .ticks_per_sec = 1 };
        return 0;
    }
    b->tick_ms = 1000 / avg > tick_min_ms ? (uint32_t)(1000 / avg)
                                          : tick_min_ms;
    if (b->tick_ms > 1000) {
        b->tick_ms = 1000;
    }
    b->ticks_per_sec = 1000 / b->tick_ms;
    b->tick %= b->ticks_per_sec;
    if (capacity != b->capacity) {
        b->remain = capacity;
    }
    b->max = max;
    b->capacity = capacity;
    b->available = min_u64(b->available, min_u64(b->remain, max));
    return 0;
}

/* Tokens added by the first k ticks of a second. */
static uint64_t filled_by(const struct rbd_tbucket *b, uint32_t k)
{
    /* avg * k / tps without overflowing for any avg: */
    return b->avg / b->ticks_per_sec * k +
           b->avg % b->ticks_per_sec * k / b->ticks_per_sec;
}

void rbd_tbucket_fill(struct rbd_tbucket *b)
{
    uint64_t t, spend;

    if (!rbd_tbucket_on(b)) {
        return;
    }
    t = filled_by(b, b->tick + 1) - filled_by(b, b->tick);
    b->tick = (b->tick + 1) % b->ticks_per_sec;
    b->remain = b->capacity - b->remain < t ? b->capacity : b->remain + t;
    /* A burst above the limit may be spent faster than the refill. */
    spend = t;
    if (b->max > b->avg) {
        double s = (double)t * ((double)b->max / (double)b->avg);

        spend = s < 18446744073709549568.0 ? (uint64_t)s : UINT64_MAX;
    }
    b->available = min_u64(b->available + spend, min_u64(b->remain, b->max));
}

uint64_t rbd_tbucket_take(struct rbd_tbucket *b, uint64_t want)
{
    uint64_t got = min_u64(want, b->available);

    b->available -= got;
    b->remain -= got;
    return got;
}
