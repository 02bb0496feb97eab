/*
 * file.h: what the parts of the file plugin share.
 *
 * file.c    the plugin table: open, close, create, truncate, submission
 * config.c  the options, checked and turned into a struct file_config
 * io.c      what a worker does with one request
 * pool.c    the worker threads
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef FILE_FILE_H
#define FILE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "pool.h"
#include "qemu-block-plugin.h"

#define FILE_DEFAULT_WORKERS 4
#define FILE_MAX_WORKERS POOL_MAX_WORKERS
/* What O_DIRECT needs on every Linux filesystem and device we know of. */
#define FILE_DIRECT_ALIGNMENT 4096
/* A test delay beyond this is a typo rather than a test. */
#define FILE_MAX_DELAY_MS 3600000

/* The requests inject-error fails. */
#define FILE_INJECT_READ  (1u << 0)
#define FILE_INJECT_WRITE (1u << 1)

struct file_config {
    const char *filename;
    unsigned workers;
    int inject_errno;           /* positive; 0 when nothing is injected */
    uint32_t inject_ops;        /* FILE_INJECT_* */
    uint32_t inject_delay_ms;
};

struct file_disk {
    int fd;
    bool read_only;
    bool direct;                /* O_DIRECT is in effect */
    bool regular;               /* a regular file: it can have holes */
    char *filename;
    struct file_config cfg;     /* cfg.filename is this filename */
    struct pool pool;
};

enum file_op {
    FILE_OP_READ,
    FILE_OP_WRITE,
    FILE_OP_FLUSH,
    FILE_OP_DISCARD,
    FILE_OP_ZERO,
    FILE_OP_BLOCK_STATUS,
};

/* One accepted request, from submission until its completion is called. */
struct file_req {
    struct pool_job job;        /* first, so that a job is its request */
    const struct file_disk *h;
    enum file_op op;
    uint32_t flags;             /* QBP_REQ_* */
    uint64_t offset;
    uint64_t length;            /* the result on success (but see extents) */
    qbp_completion_fn *cb;
    void *opaque;
    /* Block status: the host's array; the result counts its entries. */
    struct qbp_extent *extents;
    uint32_t max_extents;
    /* A copy of the caller's iovecs, consumed as partial transfers go. */
    int iovcnt;
    struct iovec iov[];
};

/*
 * Checks options against what the plugin understands and fills in cfg,
 * whose filename then points into options.  0, or a negative errno with
 * err set.
 */
QBP_HIDDEN int file_config_parse(const struct qbp_kv *options,
                                 size_t n_options, struct file_config *cfg,
                                 struct qbp_error *err);

/* Size of the file or block device behind fd, or a negative errno. */
QBP_HIDDEN int64_t file_fd_length(int fd);

/* A pool job: carries out the request, frees it, calls its completion. */
QBP_HIDDEN void file_req_run(struct pool_job *job);

#endif /* FILE_FILE_H */
