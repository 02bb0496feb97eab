/*
 * memdisk: a disk in memory, the plugin of docs/tutorial.md.
 *
 *   plugin:memdisk:64M                     (or -blockdev ...,options.size=64M)
 *
 * Each open disk is a zeroed buffer of the size asked for; its data lives
 * as long as the disk is open.  Requests are served inside the submitting
 * call under one lock per disk, so they complete inline.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-block-plugin.h"

#define MEMDISK_DEFAULT_SIZE (UINT64_C(64) << 20)
/* Block status tells zero pages from data pages of this size. */
#define MEMDISK_PAGE 4096

struct memdisk {
    pthread_mutex_t lock;       /* requests may come from many threads */
    uint8_t *data;
    uint64_t size;
};

static const struct qbp_option memdisk_options[] = {
    {
        .name = "size",
        .type = QBP_OPT_SIZE,
        .help = "size of the disk in bytes (default 64M)",
    },
    { .name = NULL },
};

/* "plugin:memdisk:64M": the rest of the filename is the size. */
static int memdisk_parse_filename(const char *rest, qbp_add_option_fn *add,
                                  void *opaque, struct qbp_error *err)
{
    int r;

    if (*rest == '\0') {
        return 0;
    }
    r = add(opaque, "size", rest);
    if (r < 0) {
        qbp_host->error_set(err, r, "memdisk: invalid size '%s'", rest);
    }
    return r;
}

/* The host checked and normalised the options: size is decimal bytes. */
static void *memdisk_open(const struct qbp_kv *options, size_t n_options,
                          uint32_t flags, struct qbp_error *err)
{
    const char *given = qbp_option_get(options, n_options, "size");
    uint64_t size = given ? strtoull(given, NULL, 10) : MEMDISK_DEFAULT_SIZE;
    struct memdisk *m;

    if (flags & ~QBP_OPEN_MASK) {
        qbp_host->error_set(err, -EINVAL, "memdisk: unknown open flags 0x%"
                            PRIx32, flags & ~QBP_OPEN_MASK);
        return NULL;
    }
    if (size == 0 || size > (uint64_t)PTRDIFF_MAX) {
        qbp_host->error_set(err, -EINVAL, "memdisk: size %" PRIu64 " is "
                            "out of range", size);
        return NULL;
    }
    m = calloc(1, sizeof(*m));
    if (m) {
        m->data = calloc(1, (size_t)size);
    }
    if (!m || !m->data) {
        free(m);
        qbp_host->error_set(err, -ENOMEM, "memdisk: cannot allocate %"
                            PRIu64 " bytes", size);
        return NULL;
    }
    m->size = size;
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

/* Nothing is in flight when the host closes: free everything. */
static void memdisk_close(void *handle)
{
    struct memdisk *m = handle;

    pthread_mutex_destroy(&m->lock);
    free(m->data);
    free(m);
}

static int64_t memdisk_get_length(void *handle)
{
    const struct memdisk *m = handle;

    return (int64_t)m->size;
}

/* Everything but truncate; memory is as durable as it gets, so FUA too. */
static uint32_t memdisk_get_caps(void *handle)
{
    return QBP_CAP_WRITE | QBP_CAP_FLUSH | QBP_CAP_DISCARD |
           QBP_CAP_WRITE_ZEROES | QBP_CAP_FUA | QBP_CAP_ZERO_UNMAP |
           QBP_CAP_BLOCK_STATUS;
}

/* Fields added after 1.0 are only written when the host's table has them. */
static void memdisk_get_limits(void *handle, struct qbp_limits *limits)
{
    if (QBP_HAS_FIELD(limits, struct qbp_limits, disk_flags)) {
        limits->alloc_granularity = MEMDISK_PAGE;
        limits->disk_flags = QBP_DISK_ZERO_INIT;
    }
}

/* Copies between the disk and the iovecs; returns the bytes moved. */
static int64_t memdisk_copy(struct memdisk *m, uint64_t offset,
                            const struct iovec *iov, int iovcnt, bool write)
{
    uint64_t at = offset;

    pthread_mutex_lock(&m->lock);
    for (int i = 0; i < iovcnt; i++) {
        if (write) {
            memcpy(m->data + at, iov[i].iov_base, iov[i].iov_len);
        } else {
            memcpy(iov[i].iov_base, m->data + at, iov[i].iov_len);
        }
        at += iov[i].iov_len;
    }
    pthread_mutex_unlock(&m->lock);
    return (int64_t)(at - offset);
}

/* The host never sends a request past the end; complete inline. */
static int memdisk_aio_readv(void *handle, uint64_t offset,
                             const struct iovec *iov, int iovcnt,
                             uint32_t flags, qbp_completion_fn *cb,
                             void *opaque)
{
    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    cb(opaque, memdisk_copy(handle, offset, iov, iovcnt, false));
    return 0;
}

static int memdisk_aio_writev(void *handle, uint64_t offset,
                              const struct iovec *iov, int iovcnt,
                              uint32_t flags, qbp_completion_fn *cb,
                              void *opaque)
{
    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    cb(opaque, memdisk_copy(handle, offset, iov, iovcnt, true));
    return 0;
}

/* Every write is in memory once it completed: nothing to flush. */
static int memdisk_aio_flush(void *handle, qbp_completion_fn *cb,
                             void *opaque)
{
    cb(opaque, 0);
    return 0;
}

/* Discard and write-zeroes both zero: the simplest allowed behaviour. */
static int memdisk_zero(void *handle, uint64_t offset, uint64_t length,
                        uint32_t flags, qbp_completion_fn *cb, void *opaque)
{
    struct memdisk *m = handle;

    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    pthread_mutex_lock(&m->lock);
    memset(m->data + offset, 0, (size_t)length);
    pthread_mutex_unlock(&m->lock);
    cb(opaque, (int64_t)length);
    return 0;
}

static bool memdisk_page_is_zero(const uint8_t *p, size_t len)
{
    return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

/*
 * Pages of zeroes are ZERO, the rest DATA: a copy of the disk then skips
 * what was never written.  Memory answers at once, so inline too.
 */
static int memdisk_aio_block_status(void *handle, uint64_t offset,
                                    uint64_t length, uint32_t flags,
                                    struct qbp_extent *extents,
                                    uint32_t max_extents,
                                    qbp_completion_fn *cb, void *opaque)
{
    struct memdisk *m = handle;
    uint64_t end = offset + length;
    uint32_t n = 0;

    if (flags != 0) {
        return -EINVAL;
    }
    pthread_mutex_lock(&m->lock);
    while (offset < end) {
        uint64_t page_end = (offset / MEMDISK_PAGE + 1) * MEMDISK_PAGE;
        uint64_t len = (page_end < end ? page_end : end) - offset;
        uint32_t type = memdisk_page_is_zero(m->data + offset, (size_t)len)
                        ? QBP_EXTENT_ZERO : QBP_EXTENT_DATA;

        if (n > 0 && extents[n - 1].type == type) {
            extents[n - 1].length += len;
        } else if (n == max_extents) {
            break;
        } else {
            extents[n++] = (struct qbp_extent){ .length = len, .type = type };
        }
        offset += len;
    }
    pthread_mutex_unlock(&m->lock);
    cb(opaque, n);
    return 0;
}

static struct qbp_plugin memdisk_plugin = {
    .thread_model = QBP_THREAD_MODEL_PARALLEL,
    .name = "memdisk",
    .contact = "you@example.org",
    .version = "1.0",
    .description = "a disk in memory, for as long as it is open",
    .options = memdisk_options,
    .parse_filename = memdisk_parse_filename,
    .open = memdisk_open,
    .close = memdisk_close,
    .get_length = memdisk_get_length,
    .get_caps = memdisk_get_caps,
    .get_limits = memdisk_get_limits,
    .aio_readv = memdisk_aio_readv,
    .aio_writev = memdisk_aio_writev,
    .aio_flush = memdisk_aio_flush,
    .aio_discard = memdisk_zero,
    .aio_write_zeroes = memdisk_zero,
    .aio_block_status = memdisk_aio_block_status,
};

QBP_REGISTER_PLUGIN(memdisk_plugin)
