/*
 * null: a disk that reads as zeroes and forgets what is written to it.
 *
 * It exists to measure what the plugin ABI itself costs, so every request
 * completes inline in the submitting call: no allocation, no locks, no
 * threads.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-block-plugin.h"

#define NULL_DEFAULT_SIZE (UINT64_C(1) << 30)

struct null_handle {
    uint64_t size;
    bool read_only;
};

static const struct qbp_option null_options[] = {
    {
        .name = "size",
        .type = QBP_OPT_SIZE,
        .help = "size of the disk in bytes (default 1G)",
    },
    { .name = NULL },
};

/*
 * Reads the leading decimal digits of s.  strtoull alone would take
 * blanks, a sign, and "-1" as 2^64-1, none of which is a size.
 */
static int null_parse_digits(const char *s, char **end, uint64_t *out)
{
    unsigned long long v;

    if (*s < '0' || *s > '9') {
        return -EINVAL;
    }
    errno = 0;
    v = strtoull(s, end, 10);
    if (errno == ERANGE || v > INT64_MAX) {
        /* get_length returns int64_t, so larger disks cannot be reported. */
        return -ERANGE;
    }
    *out = v;
    return 0;
}

/* Binary shift for a size suffix, or -1 for a character that is none. */
static int null_suffix_shift(char c)
{
    switch (c) {
    case 'k':
    case 'K':
        return 10;
    case 'm':
    case 'M':
        return 20;
    case 'g':
    case 'G':
        return 30;
    case 't':
    case 'T':
        return 40;
    default:
        return -1;
    }
}

/* Parses "512", "64K", "1G", "2T" into bytes; -EINVAL or -ERANGE if not. */
static int null_parse_size(const char *s, uint64_t *out)
{
    char *end;
    uint64_t v;
    int shift = 0;
    int r;

    r = null_parse_digits(s, &end, &v);
    if (r < 0) {
        return r;
    }
    if (*end != '\0') {
        shift = null_suffix_shift(*end);
        if (shift < 0 || end[1] != '\0') {
            return -EINVAL;
        }
    }
    if (v > ((uint64_t)INT64_MAX >> shift)) {
        return -ERANGE;
    }
    *out = v << shift;
    return 0;
}

/* Turns "plugin:null:SIZE" into the option size=BYTES. */
static int null_parse_filename(const char *rest, qbp_add_option_fn *add,
                               void *opaque, struct qbp_error *err)
{
    char bytes[32];
    uint64_t size;
    int r;

    if (*rest == '\0') {
        return 0;
    }
    r = null_parse_size(rest, &size);
    if (r < 0) {
        qbp_host->error_set(err, r, "invalid size '%s' in filename: %s",
                            rest, r == -ERANGE ? "larger than 2^63-1 bytes"
                            : "expected a number of bytes with an optional "
                              "K, M, G or T suffix (powers of 1024)");
        return r;
    }
    snprintf(bytes, sizeof(bytes), "%" PRIu64, size);
    r = add(opaque, "size", bytes);
    if (r < 0) {
        qbp_host->error_set(err, r, "cannot set option 'size' from filename "
                            "'%s': %s", rest, strerror(-r));
    }
    return r;
}

/* Takes the options of one disk; only size exists. */
static int null_set_option(struct null_handle *h, const char *key,
                           const char *value, struct qbp_error *err)
{
    char *end;
    int r;

    if (strcmp(key, "size") != 0) {
        qbp_host->error_set(err, -EINVAL, "unknown option '%s'", key);
        return -EINVAL;
    }
    r = null_parse_digits(value, &end, &h->size);
    if (r == 0 && *end != '\0') {
        r = -EINVAL;
    }
    if (r < 0) {
        qbp_host->error_set(err, r, "invalid value '%s' for option 'size': "
                            "expected bytes in decimal, at most %" PRId64,
                            value, INT64_MAX);
    }
    return r;
}

/* Creates a handle remembering the size and mode asked for. */
static void *null_open(const struct qbp_kv *options, size_t n_options,
                       uint32_t flags, struct qbp_error *err)
{
    struct null_handle *h;

    if (flags & ~QBP_OPEN_MASK) {
        qbp_host->error_set(err, -EINVAL, "open flags 0x%" PRIx32 " have "
                            "bits this plugin does not know (0x%" PRIx32 ")",
                            flags, flags & ~QBP_OPEN_MASK);
        return NULL;
    }
    h = malloc(sizeof(*h));
    if (!h) {
        qbp_host->error_set(err, -ENOMEM, "cannot allocate a null disk");
        return NULL;
    }
    h->size = NULL_DEFAULT_SIZE;
    h->read_only = flags & QBP_OPEN_READ_ONLY;
    for (size_t i = 0; i < n_options; i++) {
        if (null_set_option(h, options[i].key, options[i].value, err) < 0) {
            free(h);
            return NULL;
        }
    }
    return h;
}

/* Frees the handle. */
static void null_close(void *handle)
{
    free(handle);
}

/* The size given at open. */
static int64_t null_get_length(void *handle)
{
    const struct null_handle *h = handle;

    return (int64_t)h->size;
}

/*
 * Everything but truncate; for a read-only disk only block status, which
 * lets a copy skip the whole disk.
 */
static uint32_t null_get_caps(void *handle)
{
    const struct null_handle *h = handle;

    if (h->read_only) {
        return QBP_CAP_BLOCK_STATUS;
    }
    return QBP_CAP_WRITE | QBP_CAP_FLUSH | QBP_CAP_DISCARD |
           QBP_CAP_WRITE_ZEROES | QBP_CAP_FUA | QBP_CAP_ZERO_UNMAP |
           QBP_CAP_BLOCK_STATUS;
}

/*
 * No constraint on requests.  The disk reads as zeroes from the start, so
 * a copy onto it may skip the zeroes too.
 */
static void null_get_limits(void *handle, struct qbp_limits *limits)
{
    if (QBP_HAS_FIELD(limits, struct qbp_limits, disk_flags)) {
        limits->disk_flags = QBP_DISK_ZERO_INIT;
    }
}

/* Zeroes, completed before returning. */
static int null_aio_readv(void *handle, uint64_t offset,
                          const struct iovec *iov, int iovcnt, uint32_t flags,
                          qbp_completion_fn *cb, void *opaque)
{
    uint64_t total = 0;

    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    for (int i = 0; i < iovcnt; i++) {
        memset(iov[i].iov_base, 0, iov[i].iov_len);
        total += iov[i].iov_len;
    }
    cb(opaque, (int64_t)total);
    return 0;
}

/* Accepts the data and drops it; FUA is trivially met. */
static int null_aio_writev(void *handle, uint64_t offset,
                           const struct iovec *iov, int iovcnt,
                           uint32_t flags, qbp_completion_fn *cb,
                           void *opaque)
{
    uint64_t total = 0;

    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    for (int i = 0; i < iovcnt; i++) {
        total += iov[i].iov_len;
    }
    cb(opaque, (int64_t)total);
    return 0;
}

/* Nothing is ever stored, so everything is always durable. */
static int null_aio_flush(void *handle, qbp_completion_fn *cb, void *opaque)
{
    cb(opaque, 0);
    return 0;
}

/* Discarding changes nothing: every block already reads as zeroes. */
static int null_aio_discard(void *handle, uint64_t offset, uint64_t length,
                            uint32_t flags, qbp_completion_fn *cb,
                            void *opaque)
{
    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    cb(opaque, (int64_t)length);
    return 0;
}

/* Zeroing, with or without unmapping, changes nothing either. */
static int null_aio_write_zeroes(void *handle, uint64_t offset,
                                 uint64_t length, uint32_t flags,
                                 qbp_completion_fn *cb, void *opaque)
{
    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    cb(opaque, (int64_t)length);
    return 0;
}

/* The whole range in one extent: every byte reads as zero. */
static int null_aio_block_status(void *handle, uint64_t offset,
                                 uint64_t length, uint32_t flags,
                                 struct qbp_extent *extents,
                                 uint32_t max_extents, qbp_completion_fn *cb,
                                 void *opaque)
{
    /* An extent must have a byte, and the host room for it. */
    if (flags != 0 || length == 0 || max_extents == 0 || !extents) {
        return -EINVAL;
    }
    extents[0] = (struct qbp_extent){
        .length = length,
        .type = QBP_EXTENT_ZERO,
    };
    cb(opaque, 1);
    return 0;
}

static struct qbp_plugin null_plugin = {
    .thread_model = QBP_THREAD_MODEL_PARALLEL,
    .name = "null",
    .contact = "https://github.com/qemu-block-plugins/qemu-block-plugins/issues",
    .version = "1.0",
    .description = "a disk that reads as zeroes and discards writes",
    .options = null_options,
    .parse_filename = null_parse_filename,
    .open = null_open,
    .close = null_close,
    .get_length = null_get_length,
    .get_caps = null_get_caps,
    .get_limits = null_get_limits,
    .aio_readv = null_aio_readv,
    .aio_writev = null_aio_writev,
    .aio_flush = null_aio_flush,
    .aio_discard = null_aio_discard,
    .aio_write_zeroes = null_aio_write_zeroes,
    .aio_block_status = null_aio_block_status,
};

QBP_REGISTER_PLUGIN(null_plugin)
