/*
 * old-ram: a RAM disk built against the frozen 1.0 header only
 * (abi-check/frozen/1.0), never against plugin-api/.  It stands for a
 * plugin compiled when 1.0 was current and never rebuilt: every later
 * loader and QEMU must still load it and do I/O with it.
 *
 * Each open gets its own zeroed buffer of the size asked for (1 MiB by
 * default); nothing outlives close.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-block-plugin.h"

#if QBP_ABI_MAJOR != 1 || QBP_ABI_MINOR != 0
#error "old-ram must be built against the frozen 1.0 header"
#endif

#define RAM_DEFAULT_SIZE (UINT64_C(1) << 20)
/* Enough for any test; a typo like size=1T should fail, not swap. */
#define RAM_MAX_SIZE (UINT64_C(64) << 20)

struct ram_disk {
    uint8_t *data;
    uint64_t size;
};

static const struct qbp_option ram_options[] = {
    {
        .name = "size",
        .type = QBP_OPT_SIZE,
        .help = "size of the RAM disk in bytes (default 1M, at most 64M)",
    },
    { .name = NULL },
};

/* The host has already turned the size into decimal bytes. */
static int ram_parse_size(const char *value, uint64_t *size,
                          struct qbp_error *err)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(value, &end, 10);
    if (errno || *end || v == 0 || v > RAM_MAX_SIZE) {
        qbp_host->error_set(err, -EINVAL, "old-ram: size '%s' must be "
                            "between 1 and %" PRIu64 " bytes", value,
                            RAM_MAX_SIZE);
        return -EINVAL;
    }
    *size = v;
    return 0;
}

static void *ram_open(const struct qbp_kv *options, size_t n_options,
                      uint32_t flags, struct qbp_error *err)
{
    struct ram_disk *d;
    uint64_t size = RAM_DEFAULT_SIZE;

    (void)flags;
    for (size_t i = 0; i < n_options; i++) {
        /* The host only passes options from ram_options. */
        if (strcmp(options[i].key, "size") == 0 &&
            ram_parse_size(options[i].value, &size, err) < 0) {
            return NULL;
        }
    }
    d = calloc(1, sizeof(*d));
    if (d) {
        d->data = calloc(1, size);
    }
    if (!d || !d->data) {
        free(d);
        qbp_host->error_set(err, -ENOMEM, "old-ram: cannot allocate %"
                            PRIu64 " bytes", size);
        return NULL;
    }
    d->size = size;
    return d;
}

static void ram_close(void *handle)
{
    struct ram_disk *d = handle;

    free(d->data);
    free(d);
}

static int64_t ram_get_length(void *handle)
{
    const struct ram_disk *d = handle;

    return (int64_t)d->size;
}

/* Total length of a request, or -EINVAL if it does not fit the disk. */
static int64_t ram_check(const struct ram_disk *d, uint64_t offset,
                         const struct iovec *iov, int iovcnt)
{
    uint64_t total = 0;

    for (int i = 0; i < iovcnt; i++) {
        total += iov[i].iov_len;
    }
    if (offset > d->size || total > d->size - offset) {
        return -EINVAL;
    }
    return (int64_t)total;
}

/* Completed inline: memory needs no waiting, and the contract allows it. */
static int ram_readv(void *handle, uint64_t offset, const struct iovec *iov,
                     int iovcnt, uint32_t flags, qbp_completion_fn *cb,
                     void *opaque)
{
    const struct ram_disk *d = handle;
    int64_t total = ram_check(d, offset, iov, iovcnt);

    (void)flags;
    if (total < 0) {
        return (int)total;
    }
    for (int i = 0; i < iovcnt; i++) {
        memcpy(iov[i].iov_base, d->data + offset, iov[i].iov_len);
        offset += iov[i].iov_len;
    }
    cb(opaque, total);
    return 0;
}

/* FUA needs nothing extra: RAM is as durable as it will ever be. */
static int ram_writev(void *handle, uint64_t offset, const struct iovec *iov,
                      int iovcnt, uint32_t flags, qbp_completion_fn *cb,
                      void *opaque)
{
    struct ram_disk *d = handle;
    int64_t total = ram_check(d, offset, iov, iovcnt);

    (void)flags;
    if (total < 0) {
        return (int)total;
    }
    for (int i = 0; i < iovcnt; i++) {
        memcpy(d->data + offset, iov[i].iov_base, iov[i].iov_len);
        offset += iov[i].iov_len;
    }
    cb(opaque, total);
    return 0;
}

static int ram_flush(void *handle, qbp_completion_fn *cb, void *opaque)
{
    (void)handle;
    cb(opaque, 0);
    return 0;
}

static struct qbp_plugin ram_plugin = {
    /* One request at a time per disk, so the buffer needs no lock. */
    .thread_model = QBP_THREAD_MODEL_SERIALIZE_REQUESTS,
    .name = "old-ram",
    .contact = "old-ram maintainers <old-ram@example.org>",
    .version = "1.0.0",
    .description = "a RAM disk built against block plugin ABI 1.0",
    .options = ram_options,
    .open = ram_open,
    .close = ram_close,
    .get_length = ram_get_length,
    .aio_readv = ram_readv,
    .aio_writev = ram_writev,
    .aio_flush = ram_flush,
};

QBP_REGISTER_PLUGIN(ram_plugin)
