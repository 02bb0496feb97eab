/*
 * pool.h: a fixed set of worker threads running queued jobs in order of
 * arrival.  One pool per open handle.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef FILE_POOL_H
#define FILE_POOL_H

#include <pthread.h>
#include <stdbool.h>

#include "qemu-block-plugin.h"

#define POOL_MAX_WORKERS 64

/* Embedded in whatever the job carries; run may free the job. */
struct pool_job {
    struct pool_job *next;
    void (*run)(struct pool_job *job);
};

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct pool_job *head;
    struct pool_job *tail;
    bool stopping;
    unsigned n_threads;
    pthread_t threads[POOL_MAX_WORKERS];
};

/* Starts n_threads (1..POOL_MAX_WORKERS) workers.  0 or a negative errno. */
QBP_HIDDEN int pool_start(struct pool *pool, unsigned n_threads,
                          const char *thread_name);
/* Queues a job; a worker will run it.  Never fails. */
QBP_HIDDEN void pool_submit(struct pool *pool, struct pool_job *job);
/* Runs what is still queued, then joins every worker. */
QBP_HIDDEN void pool_stop(struct pool *pool);

#endif /* FILE_POOL_H */
