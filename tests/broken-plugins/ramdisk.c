/*
 * ramdisk.c: the correct disk every seeded broken plugin starts from.
 * See ramdisk.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ramdisk.h"

enum ram_op {
    RAM_WRITE,
    RAM_FLUSH,
    RAM_DISCARD,
    RAM_ZERO,
    RAM_STATUS,
};

/* A request waiting for the worker. */
struct ram_job {
    struct ram_job *next;
    enum ram_op op;
    uint64_t offset;
    uint64_t length;
    const struct iovec *iov;
    int iovcnt;
    struct qbp_extent *extents;
    uint32_t max_extents;
    qbp_completion_fn *cb;
    void *opaque;
};

struct ram_disk {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct ram_job *head;
    struct ram_job *tail;
    bool stopping;
    pthread_t worker;
    bool read_only;
    bool fail_requests;
    bool dirty;
};

/* The disk itself, one for the whole plugin: it outlives every handle. */
static uint8_t ram_data[RAM_SIZE];
static bool ram_written[RAM_SIZE / RAM_CHUNK];
static pthread_mutex_t ram_data_lock = PTHREAD_MUTEX_INITIALIZER;

const struct qbp_option ram_options[] = {
    {
        .name = "fail-requests",
        .type = QBP_OPT_BOOL,
        .help = "for tests: every read and write fails with EIO",
    },
    { .name = NULL },
};

uint64_t ram_iov_length(const struct iovec *iov, int iovcnt)
{
    uint64_t n = 0;

    for (int i = 0; i < iovcnt; i++) {
        n += iov[i].iov_len;
    }
    return n;
}

void ram_copy_out(uint64_t offset, const struct iovec *iov, int iovcnt)
{
    pthread_mutex_lock(&ram_data_lock);
    for (int i = 0; i < iovcnt; i++) {
        memcpy(iov[i].iov_base, ram_data + offset, iov[i].iov_len);
        offset += iov[i].iov_len;
    }
    pthread_mutex_unlock(&ram_data_lock);
}

bool ram_chunk_written(uint64_t i)
{
    bool w;

    pthread_mutex_lock(&ram_data_lock);
    w = ram_written[i];
    pthread_mutex_unlock(&ram_data_lock);
    return w;
}

uint32_t ram_extents(uint64_t offset, uint64_t length,
                     struct qbp_extent *extents, uint32_t max_extents)
{
    uint64_t end = offset + length;
    uint32_t n = 0;

    /* Chunk by chunk, a run of the same kind being one extent. */
    while (offset < end && n < max_extents) {
        uint32_t type = ram_chunk_written(offset / RAM_CHUNK)
                        ? QBP_EXTENT_DATA : QBP_EXTENT_ZERO;
        uint64_t next = (offset / RAM_CHUNK + 1) * RAM_CHUNK;
        uint64_t len = (next < end ? next : end) - offset;

        if (n > 0 && extents[n - 1].type == type) {
            extents[n - 1].length += len;
        } else {
            extents[n++] = (struct qbp_extent){ .length = len, .type = type };
        }
        offset += len;
    }
    return n;
}

static void copy_in(uint64_t offset, const struct iovec *iov, int iovcnt)
{
    pthread_mutex_lock(&ram_data_lock);
    for (int i = 0; i < iovcnt; i++) {
        memcpy(ram_data + offset, iov[i].iov_base, iov[i].iov_len);
        for (uint64_t c = offset / RAM_CHUNK;
             c * RAM_CHUNK < offset + iov[i].iov_len; c++) {
            ram_written[c] = true;
        }
        offset += iov[i].iov_len;
    }
    pthread_mutex_unlock(&ram_data_lock);
}

/* Zeroes a range; whole chunks inside it become unwritten again. */
static void zero_range(uint64_t offset, uint64_t length)
{
    pthread_mutex_lock(&ram_data_lock);
    memset(ram_data + offset, 0, length);
    for (uint64_t c = (offset + RAM_CHUNK - 1) / RAM_CHUNK;
         (c + 1) * RAM_CHUNK <= offset + length; c++) {
        ram_written[c] = false;
    }
    pthread_mutex_unlock(&ram_data_lock);
}

static int64_t run_job(struct ram_disk *h, const struct ram_job *j)
{
    switch (j->op) {
    case RAM_WRITE:
        if (h->fail_requests) {
            return -EIO;
        }
        copy_in(j->offset, j->iov, j->iovcnt);
        return (int64_t)j->length;
    case RAM_FLUSH:
        pthread_mutex_lock(&h->lock);
        h->dirty = false;
        pthread_mutex_unlock(&h->lock);
        return 0;
    case RAM_DISCARD:
    case RAM_ZERO:
        zero_range(j->offset, j->length);
        return (int64_t)j->length;
    case RAM_STATUS:
        return ram_extents(j->offset, j->length, j->extents, j->max_extents);
    }
    return -EINVAL;
}

/* Runs queued jobs until close; the queue is empty when it stops. */
static void *worker(void *opaque)
{
    struct ram_disk *h = opaque;

    pthread_mutex_lock(&h->lock);
    for (;;) {
        struct ram_job *j = h->head;

        if (!j) {
            if (h->stopping) {
                break;
            }
            pthread_cond_wait(&h->cond, &h->lock);
            continue;
        }
        h->head = j->next;
        if (!h->head) {
            h->tail = NULL;
        }
        pthread_mutex_unlock(&h->lock);
        j->cb(j->opaque, run_job(h, j));
        free(j);
        pthread_mutex_lock(&h->lock);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

static int queue(struct ram_disk *h, struct ram_job *tmpl)
{
    struct ram_job *j = malloc(sizeof(*j));

    if (!j) {
        return -ENOMEM;
    }
    *j = *tmpl;
    j->next = NULL;
    pthread_mutex_lock(&h->lock);
    if (h->tail) {
        h->tail->next = j;
    } else {
        h->head = j;
    }
    h->tail = j;
    if (j->op != RAM_FLUSH && j->op != RAM_STATUS) {
        h->dirty = true;
    }
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
    return 0;
}

void *ram_open(const struct qbp_kv *options, size_t n_options,
               uint32_t flags, struct qbp_error *err)
{
    struct ram_disk *h;

    if (flags & ~QBP_OPEN_MASK) {
        qbp_host->error_set(err, -EINVAL, "unknown open flags 0x%x",
                            flags & ~QBP_OPEN_MASK);
        return NULL;
    }
    h = calloc(1, sizeof(*h));
    if (!h) {
        qbp_host->error_set(err, -ENOMEM, "cannot allocate a ram disk");
        return NULL;
    }
    for (size_t i = 0; i < n_options; i++) {
        if (strcmp(options[i].key, "fail-requests") == 0) {
            h->fail_requests = strcmp(options[i].value, "on") == 0;
        }
    }
    h->read_only = flags & QBP_OPEN_READ_ONLY;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    if (pthread_create(&h->worker, NULL, worker, h) != 0) {
        qbp_host->error_set(err, -EAGAIN, "cannot start the ram disk's "
                            "worker thread");
        free(h);
        return NULL;
    }
    return h;
}

void ram_close(void *handle)
{
    struct ram_disk *h = handle;

    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->worker, NULL);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->cond);
    free(h);
}

int64_t ram_get_length(void *handle)
{
    return RAM_SIZE;
}

uint32_t ram_get_caps(void *handle)
{
    const struct ram_disk *h = handle;

    if (h->read_only) {
        return 0;
    }
    return QBP_CAP_WRITE | QBP_CAP_FLUSH | QBP_CAP_DISCARD |
           QBP_CAP_WRITE_ZEROES | QBP_CAP_FUA | QBP_CAP_ZERO_UNMAP;
}

uint32_t ram_get_caps_status(void *handle)
{
    return ram_get_caps(handle) | QBP_CAP_BLOCK_STATUS;
}

void ram_get_limits(void *handle, struct qbp_limits *limits)
{
    limits->request_alignment = RAM_ALIGNMENT;
    limits->max_transfer = RAM_MAX_TRANSFER;
    /* A host older than 1.2 passes a table without it. */
    if (QBP_HAS_FIELD(limits, struct qbp_limits, alloc_granularity)) {
        limits->alloc_granularity = RAM_CHUNK;
    }
}

/* One fact of each type, so that a host shows all three. */
int ram_get_info(void *handle, qbp_info_fn *fn, void *opaque,
                 struct qbp_error *err)
{
    const struct ram_disk *h = handle;
    struct qbp_info_item items[] = {
        { .type = QBP_INFO_STRING, .key = "storage", .string = "memory" },
        { .type = QBP_INFO_INT, .key = "chunk-size", .number = RAM_CHUNK },
        { .type = QBP_INFO_BOOL, .key = "read-only",
          .number = h->read_only },
    };

    (void)err;
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        int r;

        items[i].hdr = (struct qbp_table_header){
            .struct_size = sizeof(items[i]),
            .abi_major = QBP_ABI_MAJOR,
            .abi_minor = QBP_ABI_MINOR,
        };
        r = fn(opaque, &items[i]);
        if (r) {
            return r;
        }
    }
    return 0;
}

bool ram_is_dirty(void *handle)
{
    struct ram_disk *h = handle;
    bool dirty;

    pthread_mutex_lock(&h->lock);
    dirty = h->dirty;
    pthread_mutex_unlock(&h->lock);
    return dirty;
}

bool ram_failing(void *handle)
{
    const struct ram_disk *h = handle;

    return h->fail_requests;
}

int ram_aio_readv(void *handle, uint64_t offset, const struct iovec *iov,
                  int iovcnt, uint32_t flags, qbp_completion_fn *cb,
                  void *opaque)
{
    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    if (ram_failing(handle)) {
        cb(opaque, -EIO);
        return 0;
    }
    ram_copy_out(offset, iov, iovcnt);
    cb(opaque, (int64_t)ram_iov_length(iov, iovcnt));
    return 0;
}

int ram_aio_writev(void *handle, uint64_t offset, const struct iovec *iov,
                   int iovcnt, uint32_t flags, qbp_completion_fn *cb,
                   void *opaque)
{
    struct ram_job j = {
        .op = RAM_WRITE, .offset = offset,
        .length = ram_iov_length(iov, iovcnt), .iov = iov, .iovcnt = iovcnt,
        .cb = cb, .opaque = opaque,
    };

    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    return queue(handle, &j);
}

int ram_aio_flush(void *handle, qbp_completion_fn *cb, void *opaque)
{
    struct ram_job j = { .op = RAM_FLUSH, .cb = cb, .opaque = opaque };

    return queue(handle, &j);
}

int ram_aio_discard(void *handle, uint64_t offset, uint64_t length,
                    uint32_t flags, qbp_completion_fn *cb, void *opaque)
{
    struct ram_job j = {
        .op = RAM_DISCARD, .offset = offset, .length = length,
        .cb = cb, .opaque = opaque,
    };

    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    return queue(handle, &j);
}

int ram_aio_write_zeroes(void *handle, uint64_t offset, uint64_t length,
                         uint32_t flags, qbp_completion_fn *cb, void *opaque)
{
    struct ram_job j = {
        .op = RAM_ZERO, .offset = offset, .length = length,
        .cb = cb, .opaque = opaque,
    };

    if (flags & ~QBP_REQ_MASK) {
        return -EINVAL;
    }
    return queue(handle, &j);
}

/* From the worker: a status never waits on the caller's thread. */
int ram_aio_block_status(void *handle, uint64_t offset, uint64_t length,
                         uint32_t flags, struct qbp_extent *extents,
                         uint32_t max_extents, qbp_completion_fn *cb,
                         void *opaque)
{
    struct ram_job j = {
        .op = RAM_STATUS, .offset = offset, .length = length,
        .extents = extents, .max_extents = max_extents,
        .cb = cb, .opaque = opaque,
    };

    if (flags != 0) {
        return -EINVAL;
    }
    return queue(handle, &j);
}
