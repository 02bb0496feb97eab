/*
 * pool.c: the worker threads behind one file handle.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>

#include "pool.h"

/* Runs queued jobs until the pool is stopping and the queue is empty. */
static void *pool_worker(void *arg)
{
    struct pool *pool = arg;
    struct pool_job *job;

    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->head && !pool->stopping) {
            pthread_cond_wait(&pool->cond, &pool->lock);
        }
        job = pool->head;
        if (!job) {
            break;
        }
        pool->head = job->next;
        if (!pool->head) {
            pool->tail = NULL;
        }
        /* The job may block for long and may call back into the host. */
        pthread_mutex_unlock(&pool->lock);
        job->run(job);
        pthread_mutex_lock(&pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

/* Creates the threads; the caller has blocked signals around this. */
static int pool_create_threads(struct pool *pool, unsigned n_threads,
                               const char *thread_name)
{
    int r;

    while (pool->n_threads < n_threads) {
        r = pthread_create(&pool->threads[pool->n_threads], NULL,
                           pool_worker, pool);
        if (r != 0) {
            return -r;
        }
        /* Only a debugging aid: a failure changes nothing. */
        pthread_setname_np(pool->threads[pool->n_threads], thread_name);
        pool->n_threads++;
    }
    return 0;
}

QBP_HIDDEN int pool_start(struct pool *pool, unsigned n_threads,
                          const char *thread_name)
{
    sigset_t all;
    sigset_t old;
    int r;

    if (n_threads < 1 || n_threads > POOL_MAX_WORKERS) {
        return -EINVAL;
    }
    pool->head = NULL;
    pool->tail = NULL;
    pool->stopping = false;
    pool->n_threads = 0;
    r = pthread_mutex_init(&pool->lock, NULL);
    if (r != 0) {
        return -r;
    }
    r = pthread_cond_init(&pool->cond, NULL);
    if (r != 0) {
        pthread_mutex_destroy(&pool->lock);
        return -r;
    }

    /*
     * Threads inherit the creator's mask.  The host (QEMU) expects its
     * signals on its own threads, so ours must take none of them.
     */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    r = pool_create_threads(pool, n_threads, thread_name);
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (r < 0) {
        pool_stop(pool);
    }
    return r;
}

QBP_HIDDEN void pool_submit(struct pool *pool, struct pool_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&pool->lock);
    if (pool->tail) {
        pool->tail->next = job;
    } else {
        pool->head = job;
    }
    pool->tail = job;
    pthread_cond_signal(&pool->cond);
    pthread_mutex_unlock(&pool->lock);
}

QBP_HIDDEN void pool_stop(struct pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->cond);
    pthread_mutex_unlock(&pool->lock);
    for (unsigned i = 0; i < pool->n_threads; i++) {
        pthread_join(pool->threads[i], NULL);
    }
    pool->n_threads = 0;
    pthread_cond_destroy(&pool->cond);
    pthread_mutex_destroy(&pool->lock);
}
