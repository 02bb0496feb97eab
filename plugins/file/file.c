/*
 * file: a disk held in a plain file (or a block device).
 *
 * Requests block, so each handle owns a small pool of worker threads that
 * run them; completions therefore come from those threads.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

static const struct qbp_option file_options[] = {
    {
        .name = "filename",
        .type = QBP_OPT_STRING,
        .flags = QBP_OPTF_REQUIRED,
        .help = "path of the file holding the disk",
    },
    {
        .name = "workers",
        .type = QBP_OPT_NUMBER,
        .help = "threads doing the I/O of one disk, 1 to 64 (default 4)",
    },
    {
        .name = "inject-error",
        .type = QBP_OPT_STRING,
        .help = "for tests: fail every read and write with this errno; "
                "ERR, ERR@read or ERR@write, where ERR is an errno name "
                "such as EIO, ENOSPC or EPERM, or a number",
    },
    {
        .name = "inject-delay",
        .type = QBP_OPT_NUMBER,
        .help = "for tests: milliseconds each request waits before it "
                "runs (default 0)",
    },
    { .name = NULL },
};

QBP_HIDDEN int64_t file_fd_length(int fd)
{
    struct stat st;
    off_t end;

    if (fstat(fd, &st) < 0) {
        return -errno;
    }
    if (!S_ISBLK(st.st_mode)) {
        return st.st_size;
    }
    /* A block device's st_size is 0; seeking to its end gives its size. */
    end = lseek(fd, 0, SEEK_END);
    return end < 0 ? -errno : end;
}

/* Sizes the file can have: the kernel takes them as a signed off_t. */
static int file_check_size(const char *filename, uint64_t size,
                           struct qbp_error *err)
{
    if (size > INT64_MAX) {
        qbp_host->error_set(err, -EFBIG, "cannot make '%s' %" PRIu64
                            " bytes long: the limit is 2^63-1", filename,
                            size);
        return -EFBIG;
    }
    return 0;
}

/* ftruncate, with an error naming the file. */
static int file_resize(int fd, const char *filename, uint64_t size,
                       struct qbp_error *err)
{
    int r = file_check_size(filename, size, err);

    if (r == 0 && ftruncate(fd, (off_t)size) < 0) {
        r = -errno;
        qbp_host->error_set(err, r, "cannot resize '%s' to %" PRIu64
                            " bytes: %s", filename, size, strerror(-r));
    }
    return r;
}

/* A handle for the configured file, not yet opened. */
static struct file_disk *file_disk_new(const struct file_config *cfg,
                                           uint32_t flags,
                                           struct qbp_error *err)
{
    struct file_disk *h = calloc(1, sizeof(*h));

    if (h) {
        h->filename = strdup(cfg->filename);
    }
    if (!h || !h->filename) {
        free(h);
        qbp_host->error_set(err, -ENOMEM, "out of memory opening '%s'",
                            cfg->filename);
        return NULL;
    }
    h->fd = -1;
    h->read_only = (flags & QBP_OPEN_READ_ONLY) != 0;
    h->cfg = *cfg;
    h->cfg.filename = h->filename;
    return h;
}

/* Frees a handle whose workers are not running. */
static void file_disk_free(struct file_disk *h)
{
    if (h->fd >= 0) {
        close(h->fd);
    }
    free(h->filename);
    free(h);
}

/* open(2) of the handle's file; 0 or a negative errno. */
static int file_open_fd(struct file_disk *h, int oflags)
{
    /* The host forks helpers, which must not inherit the disk. */
    h->fd = open(h->filename, oflags | O_CLOEXEC);
    return h->fd < 0 ? -errno : 0;
}

/* Opens in the asked mode, giving up O_DIRECT where it is refused. */
static int file_open_mode(struct file_disk *h, uint32_t flags)
{
    int oflags = h->read_only ? O_RDONLY : O_RDWR;
    int r;

    if (flags & QBP_OPEN_NOCACHE) {
        r = file_open_fd(h, oflags | O_DIRECT);
        if (r != -EINVAL) {
            h->direct = r == 0;
            return r;
        }
        qbp_host->log(QBP_LOG_WARNING, "the filesystem of '%s' refuses "
                      "O_DIRECT; going through the page cache despite "
                      "cache=none", h->filename);
    }
    return file_open_fd(h, oflags);
}

/* Opens the file and checks that it can hold a disk. */
static int file_open_checked(struct file_disk *h, uint32_t flags,
                             struct qbp_error *err)
{
    struct stat st;
    int r = file_open_mode(h, flags);

    if (r < 0) {
        qbp_host->error_set(err, r, "cannot open '%s'%s: %s", h->filename,
                            h->read_only ? " read-only" : "", strerror(-r));
        return r;
    }
    if (fstat(h->fd, &st) < 0) {
        r = -errno;
        qbp_host->error_set(err, r, "cannot stat '%s': %s", h->filename,
                            strerror(-r));
        return r;
    }
    /* A directory opens fine read-only and only fails at the first read. */
    if (S_ISDIR(st.st_mode)) {
        qbp_host->error_set(err, -EISDIR, "'%s' is a directory, not a file "
                            "holding a disk", h->filename);
        return -EISDIR;
    }
    h->regular = S_ISREG(st.st_mode);
    return 0;
}

/* Opens the file and starts the handle's workers. */
static void *file_open(const struct qbp_kv *options, size_t n_options,
                       uint32_t flags, struct qbp_error *err)
{
    struct file_config cfg;
    struct file_disk *h;
    int r;

    if (flags & ~QBP_OPEN_MASK) {
        qbp_host->error_set(err, -EINVAL, "open flags 0x%" PRIx32 " have "
                            "bits this plugin does not know (0x%" PRIx32 ")",
                            flags, flags & ~QBP_OPEN_MASK);
        return NULL;
    }
    if (file_config_parse(options, n_options, &cfg, err) < 0) {
        return NULL;
    }
    h = file_disk_new(&cfg, flags, err);
    if (!h) {
        return NULL;
    }
    if (file_open_checked(h, flags, err) < 0) {
        file_disk_free(h);
        return NULL;
    }
    r = pool_start(&h->pool, h->cfg.workers, "qbp-file");
    if (r < 0) {
        qbp_host->error_set(err, r, "cannot start %u worker threads for "
                            "'%s': %s", h->cfg.workers, h->filename,
                            strerror(-r));
        file_disk_free(h);
        return NULL;
    }
    qbp_host->log(QBP_LOG_DEBUG, "opened '%s' %s%s, %u workers",
                  h->filename, h->read_only ? "read-only" : "read-write",
                  h->direct ? ", O_DIRECT" : "", h->cfg.workers);
    return h;
}

/* Joins the workers and closes the file. */
static void file_close(void *handle)
{
    struct file_disk *h = handle;

    pool_stop(&h->pool);
    file_disk_free(h);
}

/* The file's current size. */
static int64_t file_get_length(void *handle)
{
    const struct file_disk *h = handle;

    return file_fd_length(h->fd);
}

/*
 * Everything, unless the file is open read-only; block status even then,
 * since the source of a copy is opened read-only and is where it pays.
 */
static uint32_t file_get_caps(void *handle)
{
    const struct file_disk *h = handle;

    if (h->read_only) {
        return QBP_CAP_BLOCK_STATUS;
    }
    return QBP_CAP_WRITE | QBP_CAP_FLUSH | QBP_CAP_DISCARD |
           QBP_CAP_WRITE_ZEROES | QBP_CAP_FUA | QBP_CAP_TRUNCATE |
           QBP_CAP_ZERO_UNMAP | QBP_CAP_BLOCK_STATUS;
}

/*
 * O_DIRECT needs aligned requests; otherwise there is no constraint.
 * alloc_granularity stays unknown: holes come in filesystem blocks, but
 * st_blksize is only the preferred I/O size, and QEMU would show it as a
 * cluster size, which its own file driver never reports.
 */
static void file_get_limits(void *handle, struct qbp_limits *limits)
{
    const struct file_disk *h = handle;

    limits->request_alignment = h->direct ? FILE_DIRECT_ALIGNMENT : 1;
    limits->mem_alignment = h->direct ? FILE_DIRECT_ALIGNMENT : 0;
    limits->max_transfer = 0;
    limits->opt_transfer = 0;
    /*
     * create makes a file by ftruncate, which reads as zeroes; a block
     * device (which create cannot make) holds whatever it held.
     */
    if (QBP_HAS_FIELD(limits, struct qbp_limits, disk_flags)) {
        limits->disk_flags = h->regular ? QBP_DISK_ZERO_INIT : 0;
    }
}

/* True when the range fits the kernel's signed 64-bit offsets. */
static bool file_range_ok(uint64_t offset, uint64_t length)
{
    return offset <= INT64_MAX && length <= INT64_MAX - offset;
}

/* Queues one request; a negative errno when it is refused. */
static int file_submit(struct file_disk *h, enum file_op op,
                       uint64_t offset, uint64_t length,
                       const struct iovec *iov, int iovcnt, uint32_t flags,
                       qbp_completion_fn *cb, void *opaque)
{
    struct file_req *req;

    if (h->read_only && op != FILE_OP_READ && op != FILE_OP_FLUSH) {
        return -EROFS;
    }
    if ((flags & ~QBP_REQ_MASK) || !file_range_ok(offset, length)) {
        return -EINVAL;
    }
    req = malloc(sizeof(*req) + (size_t)iovcnt * sizeof(req->iov[0]));
    if (!req) {
        return -ENOMEM;
    }
    *req = (struct file_req){
        .job.run = file_req_run,
        .h = h,
        .op = op,
        .flags = flags,
        .offset = offset,
        .length = length,
        .cb = cb,
        .opaque = opaque,
        .iovcnt = iovcnt,
    };
    if (iovcnt > 0) {
        memcpy(req->iov, iov, (size_t)iovcnt * sizeof(req->iov[0]));
    }
    pool_submit(&h->pool, &req->job);
    return 0;
}

/* Queues a read or write after adding up its iovecs. */
static int file_submit_iov(void *handle, enum file_op op, uint64_t offset,
                           const struct iovec *iov, int iovcnt,
                           uint32_t flags, qbp_completion_fn *cb,
                           void *opaque)
{
    uint64_t length = 0;

    if (iovcnt < 0 ||
        (size_t)iovcnt > (SIZE_MAX - sizeof(struct file_req)) / sizeof(*iov)) {
        return -EINVAL;
    }
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > INT64_MAX - length) {
            return -EINVAL;
        }
        length += iov[i].iov_len;
    }
    return file_submit(handle, op, offset, length, iov, iovcnt, flags, cb,
                       opaque);
}

/* Reads on a worker; zeroes past EOF. */
static int file_aio_readv(void *handle, uint64_t offset,
                          const struct iovec *iov, int iovcnt, uint32_t flags,
                          qbp_completion_fn *cb, void *opaque)
{
    return file_submit_iov(handle, FILE_OP_READ, offset, iov, iovcnt, flags,
                           cb, opaque);
}

/* Writes on a worker; with FUA, syncs before completing. */
static int file_aio_writev(void *handle, uint64_t offset,
                           const struct iovec *iov, int iovcnt,
                           uint32_t flags, qbp_completion_fn *cb,
                           void *opaque)
{
    return file_submit_iov(handle, FILE_OP_WRITE, offset, iov, iovcnt, flags,
                           cb, opaque);
}

/* fdatasync on a worker. */
static int file_aio_flush(void *handle, qbp_completion_fn *cb, void *opaque)
{
    return file_submit(handle, FILE_OP_FLUSH, 0, 0, NULL, 0, 0, cb, opaque);
}

/* Punches a hole on a worker. */
static int file_aio_discard(void *handle, uint64_t offset, uint64_t length,
                            uint32_t flags, qbp_completion_fn *cb,
                            void *opaque)
{
    return file_submit(handle, FILE_OP_DISCARD, offset, length, NULL, 0,
                       flags, cb, opaque);
}

/* Zeroes on a worker, deallocating if QBP_REQ_MAY_UNMAP allows. */
static int file_aio_write_zeroes(void *handle, uint64_t offset,
                                 uint64_t length, uint32_t flags,
                                 qbp_completion_fn *cb, void *opaque)
{
    return file_submit(handle, FILE_OP_ZERO, offset, length, NULL, 0, flags,
                       cb, opaque);
}

/*
 * The lseeks run on a worker like any request: on NFS or FUSE they go to
 * a server, and the host's thread must not wait for that.
 */
static int file_aio_block_status(void *handle, uint64_t offset,
                                 uint64_t length, uint32_t flags,
                                 struct qbp_extent *extents,
                                 uint32_t max_extents, qbp_completion_fn *cb,
                                 void *opaque)
{
    struct file_disk *h = handle;
    struct file_req *req;

    /* The completion must report at least one extent of at least a byte. */
    if (flags != 0 || length == 0 || max_extents == 0 || !extents ||
        !file_range_ok(offset, length)) {
        return -EINVAL;
    }
    req = malloc(sizeof(*req));
    if (!req) {
        return -ENOMEM;
    }
    *req = (struct file_req){
        .job.run = file_req_run,
        .h = h,
        .op = FILE_OP_BLOCK_STATUS,
        .offset = offset,
        .length = length,
        .cb = cb,
        .opaque = opaque,
        .extents = extents,
        .max_extents = max_extents,
    };
    pool_submit(&h->pool, &req->job);
    return 0;
}

/* Grows or shrinks the file. */
static int file_truncate(void *handle, uint64_t size, struct qbp_error *err)
{
    const struct file_disk *h = handle;

    if (h->read_only) {
        qbp_host->error_set(err, -EROFS, "cannot resize '%s': it is open "
                            "read-only", h->filename);
        return -EROFS;
    }
    return file_resize(h->fd, h->filename, size, err);
}

/* Creates the file, or empties an existing one, with the given size. */
static int file_create(const struct qbp_kv *options, size_t n_options,
                       uint64_t size, struct qbp_error *err)
{
    struct file_config cfg;
    int fd;
    int r;

    r = file_config_parse(options, n_options, &cfg, err);
    if (r == 0) {
        /* Before O_TRUNC has destroyed anything. */
        r = file_check_size(cfg.filename, size, err);
    }
    if (r < 0) {
        return r;
    }
    fd = open(cfg.filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        r = -errno;
        qbp_host->error_set(err, r, "cannot create '%s': %s", cfg.filename,
                            strerror(-r));
        return r;
    }
    r = file_resize(fd, cfg.filename, size, err);
    /* On NFS, close is where a failed write-back shows. */
    if (close(fd) < 0 && r == 0) {
        r = -errno;
        qbp_host->error_set(err, r, "cannot close '%s': %s", cfg.filename,
                            strerror(-r));
    }
    return r;
}

static struct qbp_plugin file_plugin = {
    .thread_model = QBP_THREAD_MODEL_PARALLEL,
    .name = "file",
    .contact = "https://github.com/qemu-block-plugins/qemu-block-plugins/issues",
    .version = "1.0",
    .description = "a disk held in a plain file",
    .options = file_options,
    .open = file_open,
    .close = file_close,
    .get_length = file_get_length,
    .get_caps = file_get_caps,
    .get_limits = file_get_limits,
    .aio_readv = file_aio_readv,
    .aio_writev = file_aio_writev,
    .aio_flush = file_aio_flush,
    .aio_discard = file_aio_discard,
    .aio_write_zeroes = file_aio_write_zeroes,
    .truncate = file_truncate,
    .create = file_create,
    .aio_block_status = file_aio_block_status,
};

QBP_REGISTER_PLUGIN(file_plugin)
