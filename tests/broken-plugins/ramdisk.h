/*
 * ramdisk.h: a small, correct plugin that the seeded broken plugins of
 * this directory are built from.  Each *-plugin.c takes these callbacks
 * and replaces or breaks exactly one thing, so that qbp-check's message
 * for it can only come from that fault.  control-plugin.c breaks nothing.
 *
 * The disk is RAM_SIZE bytes of memory shared by every handle of the
 * plugin, so that it keeps its data across close and open.  Reads complete
 * inline; writes, flushes, discards and write-zeroes complete from one
 * worker thread per handle.  It declares request_alignment 512 and
 * max_transfer 1 MiB.  The option fail-requests=on makes every read and
 * write fail with -EIO.
 *
 * Block status (ABI 1.2) reports the chunks ever written as DATA and the
 * others as ZERO, from the worker thread too; only the plugins that set
 * aio_block_status and ram_get_caps_status declare it.  Only control and
 * info-key have get_info (ABI 1.3).
 */
#ifndef RAMDISK_H
#define RAMDISK_H

#include <stdbool.h>
#include <stdint.h>

#include "qemu-block-plugin.h"

#define RAM_SIZE (4u * 1024 * 1024)
/* Data is kept in chunks; a chunk never written reads as zeroes. */
#define RAM_CHUNK 4096u
#define RAM_ALIGNMENT 512u
#define RAM_MAX_TRANSFER (1024u * 1024)
#define RAM_CONTACT "qbp-tests@example.org"

extern const struct qbp_option ram_options[];

void *ram_open(const struct qbp_kv *options, size_t n_options,
               uint32_t flags, struct qbp_error *err);
void ram_close(void *handle);
int64_t ram_get_length(void *handle);
uint32_t ram_get_caps(void *handle);
void ram_get_limits(void *handle, struct qbp_limits *limits);
int ram_aio_readv(void *handle, uint64_t offset, const struct iovec *iov,
                  int iovcnt, uint32_t flags, qbp_completion_fn *cb,
                  void *opaque);
int ram_aio_writev(void *handle, uint64_t offset, const struct iovec *iov,
                   int iovcnt, uint32_t flags, qbp_completion_fn *cb,
                   void *opaque);
int ram_aio_flush(void *handle, qbp_completion_fn *cb, void *opaque);
int ram_aio_discard(void *handle, uint64_t offset, uint64_t length,
                    uint32_t flags, qbp_completion_fn *cb, void *opaque);
int ram_aio_write_zeroes(void *handle, uint64_t offset, uint64_t length,
                         uint32_t flags, qbp_completion_fn *cb, void *opaque);
/* ram_get_caps and QBP_CAP_BLOCK_STATUS. */
uint32_t ram_get_caps_status(void *handle);
int ram_aio_block_status(void *handle, uint64_t offset, uint64_t length,
                         uint32_t flags, struct qbp_extent *extents,
                         uint32_t max_extents, qbp_completion_fn *cb,
                         void *opaque);

/*
 * Format-specific information (ABI 1.3): storage "memory", chunk-size
 * RAM_CHUNK and read-only, one of each type.
 */
int ram_get_info(void *handle, qbp_info_fn *fn, void *opaque,
                 struct qbp_error *err);

/* For the variants: pieces of what the callbacks above do. */
uint64_t ram_iov_length(const struct iovec *iov, int iovcnt);
/* Copies [offset, +length of iov) of the disk into iov. */
void ram_copy_out(uint64_t offset, const struct iovec *iov, int iovcnt);
/* True once any byte of chunk number i was written. */
bool ram_chunk_written(uint64_t i);
/*
 * Fills extents[] for [offset, +length) as ram_aio_block_status does;
 * returns how many it filled in.
 */
uint32_t ram_extents(uint64_t offset, uint64_t length,
                     struct qbp_extent *extents, uint32_t max_extents);
/* Something was written since the handle's last flush. */
bool ram_is_dirty(void *handle);
/* The handle was opened with fail-requests=on. */
bool ram_failing(void *handle);

/* Identity and options, the same for every variant. */
#define RAM_IDENTITY                                                      \
    .thread_model = QBP_THREAD_MODEL_PARALLEL,                            \
    .contact = RAM_CONTACT,                                               \
    .version = "1.0",                                                     \
    .options = ram_options

#define RAM_LIFECYCLE                                                     \
    .open = ram_open,                                                     \
    .close = ram_close,                                                   \
    .get_length = ram_get_length

#endif /* RAMDISK_H */
