/*
 * seed.h: the least a plugin needs to pass the loader's checks, shared by
 * the seeded plugins of this directory so that each of them differs from a
 * valid plugin only in the way its file name says.
 *
 * The disk it opens is 64 KiB of zeroes that forgets what is written.
 */
#ifndef SEED_H
#define SEED_H

#include <stdint.h>
#include <string.h>

#include "qemu-block-plugin.h"

#define SEED_CONTACT "qbp-tests@example.org"
#define SEED_DISK_SIZE 65536

/* Open returns its address: the seeded disks have no state of their own. */
static int seed_handle;

static inline void *seed_open(const struct qbp_kv *options, size_t n_options,
                              uint32_t flags, struct qbp_error *err)
{
    (void)options;
    (void)n_options;
    (void)flags;
    (void)err;
    return &seed_handle;
}

static inline void seed_close(void *handle)
{
    (void)handle;
}

static inline int64_t seed_get_length(void *handle)
{
    (void)handle;
    return SEED_DISK_SIZE;
}

/* Zeroes, completed inline as the contract allows. */
static inline int seed_aio_readv(void *handle, uint64_t offset,
                                 const struct iovec *iov, int iovcnt,
                                 uint32_t flags, qbp_completion_fn *cb,
                                 void *opaque)
{
    int64_t total = 0;

    (void)handle;
    (void)offset;
    (void)flags;
    for (int i = 0; i < iovcnt; i++) {
        memset(iov[i].iov_base, 0, iov[i].iov_len);
        total += (int64_t)iov[i].iov_len;
    }
    cb(opaque, total);
    return 0;
}

/* Designated initialisers for the four callbacks the loader requires. */
#define SEED_REQUIRED_CALLBACKS                                           \
    .open = seed_open,                                                    \
    .close = seed_close,                                                  \
    .get_length = seed_get_length,                                        \
    .aio_readv = seed_aio_readv

#endif /* SEED_H */
