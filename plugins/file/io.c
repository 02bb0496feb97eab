/*
 * io.c: what a worker thread does with one request of the file plugin.
 *
 * Everything here blocks; it runs on the handle's pool, never in the
 * host's submitting thread.
 *
 * SPDX-License-Identifier: MIT
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "file.h"

/* A 32-bit off_t would silently wrap offsets past 2 GiB. */
static_assert(sizeof(off_t) == 8, "the file plugin needs a 64-bit off_t");

/*
 * Written where the filesystem cannot zero a range by itself.  Aligned and
 * sized for O_DIRECT; not const, so that it sits in .bss rather than
 * adding 64 KiB to the shared object.
 */
static alignas(FILE_DIRECT_ALIGNMENT) unsigned char io_zero_buf[64 * 1024];

/* The inject-delay wait; signals cannot cut it short. */
static void io_delay(uint32_t ms)
{
    struct timespec left = {
        .tv_sec = ms / 1000,
        .tv_nsec = (long)(ms % 1000) * 1000000L,
    };

    while (nanosleep(&left, &left) < 0 && errno == EINTR) {
        /* left now holds what remains */
    }
}

/* True when inject-error applies to this request. */
static bool io_injected(const struct file_req *req)
{
    const struct file_config *cfg = &req->h->cfg;

    switch (req->op) {
    case FILE_OP_READ:
        return cfg->inject_ops & FILE_INJECT_READ;
    case FILE_OP_WRITE:
        return cfg->inject_ops & FILE_INJECT_WRITE;
    case FILE_OP_FLUSH:
    case FILE_OP_DISCARD:
    case FILE_OP_ZERO:
    case FILE_OP_BLOCK_STATUS:
        return false;
    }
    return false;
}

/*
 * Drops n transferred bytes from the front of the iovecs, and any empty
 * iovecs after them, so that a transfer of 0 bytes can only mean EOF.
 */
static void io_skip(struct iovec **iov, int *iovcnt, size_t n)
{
    while (*iovcnt > 0 && n >= (*iov)->iov_len) {
        n -= (*iov)->iov_len;
        (*iov)++;
        (*iovcnt)--;
    }
    if (*iovcnt > 0) {
        (*iov)->iov_base = (char *)(*iov)->iov_base + n;
        (*iov)->iov_len -= n;
    }
}

/* How many iovecs one preadv/pwritev call may take. */
static int io_window(int iovcnt)
{
    return iovcnt < IOV_MAX ? iovcnt : IOV_MAX;
}

/* Zeroes what a read could not fill because the file ended. */
static void io_zero_fill(const struct iovec *iov, int iovcnt)
{
    for (int i = 0; i < iovcnt; i++) {
        memset(iov[i].iov_base, 0, iov[i].iov_len);
    }
}

/*
 * With O_DIRECT, a short read at EOF leaves pos unaligned, and reading on
 * from there would fail with EINVAL instead of returning 0.
 */
static bool io_direct_eof(const struct file_disk *h, uint64_t pos)
{
    int64_t length;

    if (!h->direct || pos % FILE_DIRECT_ALIGNMENT == 0) {
        return false;
    }
    length = file_fd_length(h->fd);
    return length >= 0 && pos >= (uint64_t)length;
}

/* Fills the request's iovecs, with zeroes past EOF. */
static int io_read(struct file_req *req)
{
    struct iovec *iov = req->iov;
    int iovcnt = req->iovcnt;
    uint64_t pos = req->offset;
    ssize_t n;

    io_skip(&iov, &iovcnt, 0);
    while (iovcnt > 0) {
        n = preadv(req->h->fd, iov, io_window(iovcnt), (off_t)pos);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        pos += (uint64_t)n;
        io_skip(&iov, &iovcnt, (size_t)n);
        if (n == 0 || io_direct_eof(req->h, pos)) {
            io_zero_fill(iov, iovcnt);
            return 0;
        }
    }
    return 0;
}

/* Writes the request's iovecs in full. */
static int io_write(struct file_req *req)
{
    struct iovec *iov = req->iov;
    int iovcnt = req->iovcnt;
    uint64_t pos = req->offset;
    ssize_t n;

    io_skip(&iov, &iovcnt, 0);
    while (iovcnt > 0) {
        n = pwritev(req->h->fd, iov, io_window(iovcnt), (off_t)pos);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0) {
            /* No progress and no errno: retrying would spin forever. */
            return -EIO;
        }
        pos += (uint64_t)n;
        io_skip(&iov, &iovcnt, (size_t)n);
    }
    return 0;
}

/* fallocate, retried when a signal interrupts it. */
static int io_fallocate(int fd, int mode, uint64_t offset, uint64_t length)
{
    if (length == 0) {
        /* fallocate calls an empty range EINVAL; for us it is done. */
        return 0;
    }
    while (fallocate(fd, mode, (off_t)offset, (off_t)length) < 0) {
        if (errno != EINTR) {
            return -errno;
        }
    }
    return 0;
}

/* True for the ways Linux says "this file cannot do that fallocate". */
static bool io_unsupported(int r)
{
    return r == -EOPNOTSUPP || r == -ENOSYS || r == -ENOTTY || r == -ENODEV;
}

/* Zeroes a range by writing zeroes, for filesystems that cannot do better. */
static int io_write_zero_buf(int fd, uint64_t offset, uint64_t length)
{
    size_t chunk;
    ssize_t n;

    while (length > 0) {
        chunk = length < sizeof(io_zero_buf) ? length : sizeof(io_zero_buf);
        n = pwrite(fd, io_zero_buf, chunk, (off_t)offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0) {
            return -EIO;
        }
        offset += (uint64_t)n;
        length -= (uint64_t)n;
    }
    return 0;
}

/* Deallocates when allowed, else zeroes in place, else writes zeroes. */
static int io_zero(const struct file_req *req)
{
    int fd = req->h->fd;
    int r;

    if (req->flags & QBP_REQ_MAY_UNMAP) {
        r = io_fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                         req->offset, req->length);
        if (!io_unsupported(r)) {
            return r;
        }
    }
    r = io_fallocate(fd, FALLOC_FL_ZERO_RANGE, req->offset, req->length);
    if (!io_unsupported(r)) {
        return r;
    }
    return io_write_zero_buf(fd, req->offset, req->length);
}

/* Deallocates the range; where the file cannot, discard is a no-op. */
static int io_discard(const struct file_req *req)
{
    int r = io_fallocate(req->h->fd,
                         FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                         req->offset, req->length);

    /* A discard is only a hint: keeping the data fulfils it too. */
    return io_unsupported(r) ? 0 : r;
}

/*
 * The extent that starts at pos, cut at end: its type, and where it ends
 * in *ext_end (> pos).  Any answer lseek cannot give becomes data, which
 * is always correct, as QEMU's file driver does.
 */
static uint32_t io_extent_at(int fd, uint64_t pos, uint64_t end,
                             uint64_t *ext_end)
{
    off_t data = lseek(fd, (off_t)pos, SEEK_DATA);
    off_t hole;

    *ext_end = end;
    if (data < 0) {
        /*
         * ENXIO: no data from pos to the end of the file (past it, reads
         * are zero-filled).  EINVAL: a filesystem without SEEK_DATA.
         */
        return errno == ENXIO ? QBP_EXTENT_ZERO : QBP_EXTENT_DATA;
    }
    if ((uint64_t)data > pos) {
        *ext_end = (uint64_t)data < end ? (uint64_t)data : end;
        return QBP_EXTENT_ZERO;
    }
    if ((uint64_t)data < pos) {
        /* Not a valid answer: the end of the range is as good as any. */
        return QBP_EXTENT_DATA;
    }
    hole = lseek(fd, (off_t)pos, SEEK_HOLE);
    /*
     * Otherwise data to the end: no hole before it, or lseek failed, or
     * finds a hole at pos now (someone punched it since): still correct.
     */
    if (hole > 0 && (uint64_t)hole > pos && (uint64_t)hole < end) {
        *ext_end = (uint64_t)hole;
    }
    return QBP_EXTENT_DATA;
}

/*
 * With O_DIRECT the host may only ask in whole units of the alignment, so
 * an extent that ends inside one is cut back to it when it is a hole, or
 * widened over it when it is data (or becomes data when it is a hole
 * smaller than a unit): claiming data is never wrong.
 */
static uint64_t io_align_extent(uint32_t *type, uint64_t pos,
                                uint64_t ext_end, uint64_t end,
                                uint64_t align)
{
    uint64_t rest = ext_end % align;

    if (ext_end == end || rest == 0) {
        return ext_end;
    }
    if (*type == QBP_EXTENT_ZERO && ext_end - rest > pos) {
        return ext_end - rest;
    }
    *type = QBP_EXTENT_DATA;
    ext_end += align - rest;
    return ext_end < end ? ext_end : end;
}

/*
 * Fills the host's extents from SEEK_DATA and SEEK_HOLE, merging neighbours
 * of one type; anything but a regular file is data throughout.  The number
 * of extents filled in.
 */
static int io_block_status(const struct file_req *req)
{
    const struct file_disk *h = req->h;
    uint64_t align = h->direct ? FILE_DIRECT_ALIGNMENT : 1;
    uint64_t end = req->offset + req->length;
    uint64_t pos = req->offset;
    uint32_t max = req->max_extents < INT_MAX ? req->max_extents : INT_MAX;
    struct qbp_extent *last = NULL;
    uint64_t ext_end;
    uint32_t type;
    uint32_t n = 0;

    while (pos < end && n < max) {
        type = QBP_EXTENT_DATA;
        ext_end = end;
        if (h->regular) {
            type = io_extent_at(h->fd, pos, end, &ext_end);
            ext_end = io_align_extent(&type, pos, ext_end, end, align);
        }
        if (last && last->type == type) {
            last->length += ext_end - pos;
        } else {
            last = &req->extents[n++];
            *last = (struct qbp_extent){
                .length = ext_end - pos,
                .type = type,
            };
        }
        pos = ext_end;
    }
    return (int)n;
}

/* fdatasync, as a negative errno. */
static int io_sync(int fd)
{
    return fdatasync(fd) < 0 ? -errno : 0;
}

/*
 * The operation itself, without delay, injection or FUA: 0, or for block
 * status the number of extents, or a negative errno.
 */
static int io_perform(struct file_req *req)
{
    switch (req->op) {
    case FILE_OP_READ:
        return io_read(req);
    case FILE_OP_WRITE:
        return io_write(req);
    case FILE_OP_FLUSH:
        return io_sync(req->h->fd);
    case FILE_OP_DISCARD:
        return io_discard(req);
    case FILE_OP_ZERO:
        return io_zero(req);
    case FILE_OP_BLOCK_STATUS:
        return io_block_status(req);
    }
    return -EINVAL;
}

/* The request's result: its length (or extents), or a negative errno. */
static int64_t io_execute(struct file_req *req)
{
    const struct file_config *cfg = &req->h->cfg;
    int r;

    if (cfg->inject_delay_ms > 0) {
        io_delay(cfg->inject_delay_ms);
    }
    if (cfg->inject_errno != 0 && io_injected(req)) {
        return -cfg->inject_errno;
    }
    r = io_perform(req);
    if (r < 0 || req->op == FILE_OP_BLOCK_STATUS) {
        /* Block status counts extents, not bytes. */
        return r;
    }
    if ((req->flags & QBP_REQ_FUA) && req->op != FILE_OP_READ) {
        r = io_sync(req->h->fd);
    }
    return r < 0 ? r : (int64_t)req->length;
}

QBP_HIDDEN void file_req_run(struct pool_job *job)
{
    struct file_req *req = (struct file_req *)job;
    qbp_completion_fn *cb = req->cb;
    void *opaque = req->opaque;
    int64_t result = io_execute(req);

    /*
     * Free first: once the completion runs, the host may close the handle,
     * and nothing of it may be touched after that.
     */
    free(req);
    cb(opaque, result);
}
