/*
 * rbd-refresh.c: the worker that re-reads a stale header.
 *
 * r->mu is taken alone, and run is called without it (the lock order is
 * in rbd-image.h).
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "rbd-refresh.h"

#define REFRESH_RETRY_SECONDS 1

struct rbd_refresh {
    rbd_refresh_fn *run;
    void *arg;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    pthread_t thread;
    bool started;               /* the thread runs */
    bool stopping;
    bool stale;                 /* run is due */
    bool busy;                  /* run is under way */
    struct rbd_refresh_waiter *waiters;
    struct rbd_refresh_waiter **tail;
};

struct rbd_refresh *rbd_refresh_new(rbd_refresh_fn *run, void *arg)
{
    struct rbd_refresh *r = calloc(1, sizeof(*r));

    if (r) {
        r->run = run;
        r->arg = arg;
        r->tail = &r->waiters;
        pthread_mutex_init(&r->mu, NULL);
        pthread_cond_init(&r->cond, NULL);
    }
    return r;
}

/* With r->mu held, after a refresh: the queue, emptied. */
static struct rbd_refresh_waiter *take_waiters(struct rbd_refresh *r)
{
    struct rbd_refresh_waiter *w = r->waiters;

    r->waiters = NULL;
    r->tail = &r->waiters;
    return w;
}

static void *refresh_thread(void *arg)
{
    struct rbd_refresh *r = arg;
    struct rbd_refresh_waiter *w, *next;
    int ret;

    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->stopping && !r->stale) {
            pthread_cond_wait(&r->cond, &r->mu);
        }
        if (r->stopping) {
            break;
        }
        r->stale = false;
        r->busy = true;
        pthread_mutex_unlock(&r->mu);
        ret = r->run(r->arg);
        pthread_mutex_lock(&r->mu);
        r->busy = false;
        if (ret < 0) {
            r->stale = true;
        }
        w = take_waiters(r);
        pthread_mutex_unlock(&r->mu);
        /*
         * A failed refresh leaves the image stale: the waiters fail with
         * it rather than write blind, and the next mutation tries again.
         */
        for (; w; w = next) {
            next = w->next;
            w->resume(w, ret);
        }
        pthread_mutex_lock(&r->mu);
        if (ret < 0 && !r->stopping && !r->waiters) {
            /*
             * The cluster may be away: try again in a second, or sooner
             * when a mutation waits.
             */
            struct timespec until;

            if (ret == -ESHUTDOWN) {
                /* Nothing will change that: only when asked again. */
                pthread_cond_wait(&r->cond, &r->mu);
            } else {
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_sec += REFRESH_RETRY_SECONDS;
                pthread_cond_timedwait(&r->cond, &r->mu, &until);
            }
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* With r->mu held: the thread, started if it is not. */
static int wake(struct rbd_refresh *r)
{
    if (r->stopping) {
        return -ESHUTDOWN;
    }
    if (!r->started) {
        if (pthread_create(&r->thread, NULL, refresh_thread, r) != 0) {
            return -EAGAIN;
        }
        r->started = true;
    }
    pthread_cond_signal(&r->cond);
    return 0;
}

void rbd_refresh_mark_stale(struct rbd_refresh *r)
{
    pthread_mutex_lock(&r->mu);
    r->stale = true;
    /* A failure to start the thread leaves the work to the next gate. */
    wake(r);
    pthread_mutex_unlock(&r->mu);
}

int rbd_refresh_gate(struct rbd_refresh *r, struct rbd_refresh_waiter *w)
{
    int ret;

    pthread_mutex_lock(&r->mu);
    if (!r->busy && !r->stale) {
        pthread_mutex_unlock(&r->mu);
        return 0;
    }
    ret = wake(r);
    if (ret == 0) {
        w->next = NULL;
        *r->tail = w;
        r->tail = &w->next;
    }
    pthread_mutex_unlock(&r->mu);
    return ret < 0 ? ret : 1;
}

void rbd_refresh_shutdown(struct rbd_refresh *r)
{
    bool started;

    if (!r) {
        return;
    }
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    started = r->started;
    r->started = false;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
    if (started) {
        pthread_join(r->thread, NULL);
    }
}

void rbd_refresh_free(struct rbd_refresh *r)
{
    if (r) {
        assert(!r->waiters && !r->started);
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cond);
        free(r);
    }
}
