/*
 * rbd-qos.c: librbd's QoS gate (rbd-qos.h).  Buckets are filled for the
 * ticks that have passed whenever the gate is used, so nothing runs while
 * nobody waits; a thread of the gate's own sleeps until the next tick of a
 * bucket that has waiters, and lets them go.
 */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "rbd-qos.h"
#include "rbd-tbucket.h"

#define NS_PER_MS 1000000ull

struct rbd_qos {
    pthread_mutex_t mu;
    pthread_cond_t cond;            /* CLOCK_MONOTONIC */
    pthread_t thread;
    bool thread_started;
    bool stop;
    /* Some limit is on: without one a request passes without the mutex. */
    atomic_bool on;
    struct rbd_tbucket b[RBD_QOS_N];
    /*
     * When b[i]'s next tick is due; UINT64_MAX until the first request
     * after it was turned on: librbd applies new limits at the refresh
     * before the next request, so a bucket does not fill before it.
     */
    uint64_t next_ns[RBD_QOS_N];
    struct rbd_qos_waiter *head[RBD_QOS_N];
    struct rbd_qos_waiter *tail[RBD_QOS_N];
};

static const char *const limit_names[RBD_QOS_N] = {
    [RBD_QOS_IOPS] = "rbd_qos_iops_limit",
    [RBD_QOS_BPS] = "rbd_qos_bps_limit",
    [RBD_QOS_READ_IOPS] = "rbd_qos_read_iops_limit",
    [RBD_QOS_WRITE_IOPS] = "rbd_qos_write_iops_limit",
    [RBD_QOS_READ_BPS] = "rbd_qos_read_bps_limit",
    [RBD_QOS_WRITE_BPS] = "rbd_qos_write_bps_limit",
};

const char *rbd_qos_limit_name(enum rbd_qos_kind kind)
{
    return limit_names[kind];
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The tokens a request owes bucket kind: 0 if it does not count there. */
static uint64_t tokens(enum rbd_qos_kind kind, bool read, uint64_t bytes)
{
    switch (kind) {
    case RBD_QOS_IOPS:
        return 1;
    case RBD_QOS_BPS:
        return bytes;
    case RBD_QOS_READ_IOPS:
        return read ? 1 : 0;
    case RBD_QOS_WRITE_IOPS:
        return read ? 0 : 1;
    case RBD_QOS_READ_BPS:
        return read ? bytes : 0;
    case RBD_QOS_WRITE_BPS:
        return read ? 0 : bytes;
    default:
        return 0;
    }
}

/* The ticks due by now.  After a long idle time the bucket is full anyway. */
static void fill(struct rbd_qos *q, uint64_t now)
{
    for (int i = 0; i < RBD_QOS_N; i++) {
        struct rbd_tbucket *b = &q->b[i];
        uint64_t tick_ns = b->tick_ms * NS_PER_MS;
        uint64_t most = (uint64_t)b->ticks_per_sec *
                        (b->max ? b->capacity / b->max + 2 : 2);

        if (!rbd_tbucket_on(b) || q->next_ns[i] == UINT64_MAX) {
            continue;
        }
        for (uint64_t n = 0; q->next_ns[i] <= now; n++) {
            if (n == most) {
                q->next_ns[i] = now + tick_ns;
                break;
            }
            rbd_tbucket_fill(b);
            q->next_ns[i] += tick_ns;
        }
    }
}

static void enqueue(struct rbd_qos *q, int i, struct rbd_qos_waiter *w,
                    uint64_t owe)
{
    w->owe[i] = owe;
    w->next[i] = NULL;
    if (q->tail[i]) {
        q->tail[i]->next[i] = w;
    } else {
        q->head[i] = w;
    }
    q->tail[i] = w;
    w->pending++;
}

/* Waiters that may go, in the order they were paid. */
struct ready {
    struct rbd_qos_waiter *head;
    struct rbd_qos_waiter **tail;
};

#define READY_INIT(r) { NULL, &(r).head }

/* Pops bucket i's head; a waiter owed nothing more goes on ready. */
static void pop(struct rbd_qos *q, int i, struct ready *ready)
{
    struct rbd_qos_waiter *w = q->head[i];

    q->head[i] = w->next[i];
    if (!q->head[i]) {
        q->tail[i] = NULL;
    }
    if (--w->pending == 0) {
        /* In no queue any more: next[0] links the ready ones. */
        w->next[0] = NULL;
        *ready->tail = w;
        ready->tail = &w->next[0];
    }
}

/* Pays bucket i's waiters in order while it has tokens. */
static void serve(struct rbd_qos *q, int i, struct ready *ready)
{
    while (q->head[i] && q->b[i].available > 0) {
        struct rbd_qos_waiter *w = q->head[i];

        w->owe[i] -= rbd_tbucket_take(&q->b[i], w->owe[i]);
        if (w->owe[i] != 0) {
            break;
        }
        pop(q, i, ready);
    }
}

static void go_all(struct ready *ready)
{
    struct rbd_qos_waiter *next = ready->head;

    while (next) {
        struct rbd_qos_waiter *w = next;

        next = w->next[0];
        w->go(w);
    }
}

static void *gate_thread(void *arg)
{
    struct rbd_qos *q = arg;

    pthread_mutex_lock(&q->mu);
    while (!q->stop) {
        struct ready ready = READY_INIT(ready);
        uint64_t wake = UINT64_MAX;

        fill(q, now_ns());
        for (int i = 0; i < RBD_QOS_N; i++) {
            serve(q, i, &ready);
            if (q->head[i] && q->next_ns[i] < wake) {
                wake = q->next_ns[i];
            }
        }
        if (ready.head) {
            pthread_mutex_unlock(&q->mu);
            go_all(&ready);
            pthread_mutex_lock(&q->mu);
        } else if (wake == UINT64_MAX) {
            pthread_cond_wait(&q->cond, &q->mu);
        } else {
            struct timespec ts = { .tv_sec = (time_t)(wake / 1000000000ull),
                                   .tv_nsec = (long)(wake % 1000000000ull) };

            pthread_cond_timedwait(&q->cond, &q->mu, &ts);
        }
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

struct rbd_qos *rbd_qos_new(void)
{
    struct rbd_qos *q = calloc(1, sizeof(*q));
    pthread_condattr_t attr;

    if (!q) {
        return NULL;
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cond, &attr);
    pthread_condattr_destroy(&attr);
    for (int i = 0; i < RBD_QOS_N; i++) {
        rbd_tbucket_set(&q->b[i], 0, 0, 1, 1);
    }
    return q;
}

void rbd_qos_free(struct rbd_qos *q)
{
    if (!q) {
        return;
    }
    pthread_mutex_lock(&q->mu);
    for (int i = 0; i < RBD_QOS_N; i++) {
        assert(!q->head[i]);
    }
    q->stop = true;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->mu);
    if (q->thread_started) {
        pthread_join(q->thread, NULL);
    }
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

int rbd_qos_set(struct rbd_qos *q, const struct rbd_qos_limits *l)
{
    struct ready ready = READY_INIT(ready);
    uint64_t now = now_ns();
    struct rbd_qos_limits off = { .tick_min_ms = 1 };
    bool on = false;
    int ret = 0;

    for (int i = 0; i < RBD_QOS_N; i++) {
        on = on || l->limit[i] != 0;
    }
    pthread_mutex_lock(&q->mu);
    if (on && !q->thread_started) {
        ret = -pthread_create(&q->thread, NULL, gate_thread, q);
        q->thread_started = ret == 0;
        if (ret < 0) {
            l = &off;
        }
    }
    fill(q, now);
    for (int i = 0; i < RBD_QOS_N; i++) {
        struct rbd_tbucket *b = &q->b[i];
        bool was_on = rbd_tbucket_on(b);
        uint32_t tick_ms = b->tick_ms;

        if (rbd_tbucket_set(b, l->limit[i], l->burst[i], l->burst_seconds[i],
                            l->tick_min_ms) < 0) {
            rbd_tbucket_set(b, l->limit[i], 0, 1, l->tick_min_ms);
        }
        if (!rbd_tbucket_on(b)) {
            while (q->head[i]) {
                q->head[i]->owe[i] = 0;
                pop(q, i, &ready);
            }
        } else if (!was_on) {
            q->next_ns[i] = UINT64_MAX;
        } else if (b->tick_ms != tick_ms && q->next_ns[i] != UINT64_MAX) {
            q->next_ns[i] = now + b->tick_ms * NS_PER_MS;
        }
    }
    atomic_store(&q->on, on && ret == 0);
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->mu);
    go_all(&ready);
    return ret;
}

bool rbd_qos_admit(struct rbd_qos *q, struct rbd_qos_waiter *w, bool read,
                   uint64_t bytes)
{
    uint64_t now;
    bool wait;

    if (!atomic_load(&q->on)) {
        return true;
    }
    pthread_mutex_lock(&q->mu);
    now = now_ns();
    fill(q, now);
    w->pending = 0;
    for (int i = 0; i < RBD_QOS_N; i++) {
        uint64_t want = tokens((enum rbd_qos_kind)i, read, bytes);

        if (!rbd_tbucket_on(&q->b[i]) || want == 0) {
            continue;
        }
        if (q->next_ns[i] == UINT64_MAX) {
            q->next_ns[i] = now + q->b[i].tick_ms * NS_PER_MS;
        }
        /* Behind those already waiting, whatever the bucket holds. */
        if (!q->head[i]) {
            want -= rbd_tbucket_take(&q->b[i], want);
        }
        if (want != 0) {
            enqueue(q, i, w, want);
        }
    }
    wait = w->pending != 0;
    if (wait) {
        pthread_cond_signal(&q->cond);
    }
    pthread_mutex_unlock(&q->mu);
    return !wait;
}
