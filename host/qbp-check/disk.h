/*
 * disk.h: one open handle of the plugin, what it declared, and the state
 * of the requests in flight on it.
 */
#ifndef QC_DISK_H
#define QC_DISK_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/uio.h>

#include "qc.h"

/* Completion threads remembered per disk, to count "foreign" threads. */
#define QC_MAX_THREADS 64

struct qc_disk {
    struct qc_ctx *ctx;
    const struct qbp_plugin *t;
    void *handle;
    uint32_t open_flags;
    bool writable;              /* write is declared and allowed */

    uint32_t raw_caps;          /* what get_caps returned (without it: ~0) */
    uint32_t caps;              /* what a host honours: qbp_plugin_caps */
    struct qbp_limits limits;   /* as get_limits filled them */
    int64_t length;

    /* The limits as the checks apply them. */
    uint32_t align;             /* request_alignment, at least 1 */
    uint32_t mem_align;         /* 0: any */
    uint32_t unit;              /* smallest request length: both alignments */
    uint32_t max_transfer;      /* 0: none; a multiple of unit */
    uint64_t block;             /* the usual request: 4 KiB, fitted */
    bool serialized;            /* one request in flight (thread model) */

    /* Request tracking, under lock. */
    GMutex lock;
    GCond cond;
    uint64_t accepted;
    uint64_t completed;         /* first completions */
    uint64_t n_inline;
    uint64_t n_foreign;
    pthread_t threads[QC_MAX_THREADS];
    unsigned n_threads;
    bool closed;
    bool abandoned;             /* a request never completed: do not close */
    /* Faults after the first of their kind are counted, not repeated. */
    unsigned n_twice;
    unsigned n_after_close;
};

/*
 * Opens a disk with the user's options, EXTRA replacing or adding to them,
 * and reads its length, capabilities and limits.  NULL after reporting a
 * failure when the plugin refuses.
 */
struct qc_disk *qc_disk_open(struct qc_ctx *ctx, uint32_t flags,
                             const struct qbp_kv *extra, size_t n_extra);
/*
 * Closes a disk with nothing in flight, then gives a stray completion a
 * moment to show.  A disk with a request that never completed is left
 * open.  False when a fault was found.
 */
bool qc_disk_close(struct qc_disk *d);
/* For qc_ctx_own: a disk is freed with its check, never before. */
void qc_disk_free(gpointer p);

/* The user's options plus EXTRA, as handed to open; g_free the array. */
struct qbp_kv *qc_disk_options(const struct qbp_kv *extra, size_t n_extra,
                               size_t *n);

/* The limits table a host passes to get_limits: zeroed, header stamped. */
void qc_limits_init(struct qbp_limits *l);

/* True when the disk is at least len bytes; otherwise a skip is reported. */
bool qc_disk_fits(struct qc_disk *d, uint64_t len, const char *what);

uint64_t qc_round_up(uint64_t x, uint64_t unit);
uint64_t qc_round_down(uint64_t x, uint64_t unit);

#endif /* QC_DISK_H */
