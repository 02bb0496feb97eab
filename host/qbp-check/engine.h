/*
 * engine.h: requests as a host makes them.
 *
 * Every request gets its own completion tracking: how many times it was
 * completed, with what, from which thread, and whether inline.  A second
 * completion, a completion after close or of a refused request is
 * reported the moment it happens.  The engine never sends what a host
 * must not: requests past the end, against the declared alignments or
 * above the declared maximum transfer, more than one at a time to a
 * serializing plugin, or an operation the disk does not declare.
 */
#ifndef QC_ENGINE_H
#define QC_ENGINE_H

#include "disk.h"
#include "pattern.h"

enum qc_op {
    QC_OP_READ,
    QC_OP_WRITE,
    QC_OP_FLUSH,
    QC_OP_DISCARD,
    QC_OP_WRITE_ZEROES,
    QC_OP_BLOCK_STATUS,     /* ABI 1.2: completes with a count of extents */
};

/*
 * Entries after a block status's max_extents, and the byte every entry is
 * poisoned with: the plugin writes none of the guard, and all it reports.
 */
#define QC_EXTENT_GUARD 4
#define QC_EXTENT_POISON 0xa5

struct qc_req {
    struct qc_disk *disk;
    enum qc_op op;
    uint64_t offset;
    uint64_t length;
    uint32_t flags;             /* QBP_REQ_* */
    uint8_t *mem;               /* the allocation behind buf */
    uint8_t *buf;               /* the data, contiguous; iov points into it */
    struct iovec *iov;
    int iovcnt;
    uint32_t poison;            /* a read's filler */
    /*
     * A block status's array: max_extents entries for the plugin, then
     * QC_EXTENT_GUARD more, poisoned, that it must leave alone.
     */
    struct qbp_extent *extents;
    uint32_t max_extents;
    int submit_ret;
    bool submit_done;
    bool accepted;
    pthread_t submitter;
    atomic_bool in_submit;
    atomic_int calls;
    int64_t result;             /* of the first completion */
    bool was_inline;
};

/*
 * A new request.  Reads and writes get a buffer split into iovecs (three
 * of different sizes when the length allows, or n_iov when given), poisoned
 * for reads; writes are filled with qc_req_fill.  NULL, after reporting it,
 * when the request is one a host must not send.
 */
struct qc_req *qc_req_new(struct qc_disk *d, enum qc_op op, uint64_t offset,
                          uint64_t length, uint32_t flags);
struct qc_req *qc_req_new_iov(struct qc_disk *d, enum qc_op op,
                              uint64_t offset, uint64_t length, int n_iov);
/*
 * A block status of [offset, +length) into max_extents extents, each
 * poisoned so that an entry the plugin did not fill in shows.
 */
struct qc_req *qc_req_new_status(struct qc_disk *d, uint64_t offset,
                                 uint64_t length, uint32_t max_extents);
void qc_req_fill(struct qc_req *r, uint32_t gen);
/* Frees the data of a completed request; the tracking stays. */
void qc_req_release(struct qc_req *r);

/* "a read of 4096 bytes at offset 0 in 3 iovecs"; g_free it. */
char *qc_req_describe(const struct qc_req *r);
/* "read"; "aio_readv": for messages. */
/* The capability an operation needs (UINT32_MAX: none this ABI has). */
uint32_t qc_op_cap(enum qc_op op);
const char *qc_op_name(enum qc_op op);
const char *qc_submit_name(enum qc_op op);
/* "-5 (EIO, Input/output error)", or the bare number; g_free it. */
char *qc_result_text(int64_t v);

/* Submits; true when accepted. */
bool qc_submit(struct qc_req *r);
/*
 * Waits for every accepted request of reqs.  False, with the fault
 * reported and the disk marked abandoned, when nothing completes for
 * --timeout seconds.
 */
bool qc_wait(struct qc_disk *d, struct qc_req **reqs, size_t n);
/*
 * Checks a finished request: accepted, completed once with its length (a
 * block status: with 1 to max_extents; with want_error, with a negative
 * errno), a read buffer fully written.
 * Reports what is wrong and returns false.
 */
bool qc_req_check(struct qc_req *r, bool want_error);

/*
 * Submits reqs as the plugin's thread model allows (from `threads` threads
 * at once for a parallel plugin, one at a time for a serializing one),
 * waits for them and checks each.  True when all succeeded.
 */
bool qc_batch(struct qc_disk *d, struct qc_req **reqs, size_t n,
              unsigned threads);

/* ---- synchronous helpers (io.c) ---- */

bool qc_io_write(struct qc_disk *d, uint64_t offset, uint64_t length,
                 uint32_t gen, uint32_t flags);
/* A read whose request the caller verifies, then releases. */
struct qc_req *qc_io_read(struct qc_disk *d, uint64_t offset,
                          uint64_t length);
bool qc_io_flush(struct qc_disk *d);
bool qc_io_discard(struct qc_disk *d, uint64_t offset, uint64_t length);
bool qc_io_write_zeroes(struct qc_disk *d, uint64_t offset, uint64_t length,
                        uint32_t flags);
/* Checks a read against expectations; NULL when it matches, else why. */
char *qc_verify(const struct qc_req *r, const struct qc_expect *exp,
                size_t n_exp);
/*
 * Reads [offset, +length) in requests of at most the maximum transfer and
 * checks the whole against exp: NULL when it matches, else why.  A fault
 * of the requests themselves is reported, and *io_ok set to false.
 */
char *qc_io_read_why(struct qc_disk *d, uint64_t offset, uint64_t length,
                     const struct qc_expect *exp, size_t n_exp, bool *io_ok);
/* The same, reporting "CONTEXT: why" on a mismatch. */
bool qc_io_read_expect(struct qc_disk *d, uint64_t offset, uint64_t length,
                       const struct qc_expect *exp, size_t n_exp,
                       const char *context);
/* Appends the bytes of [offset, +length) to out, read in pieces. */
bool qc_io_read_bytes(struct qc_disk *d, uint64_t offset, uint64_t length,
                      GByteArray *out);
/* Writes generation gen over [offset, +length), in pieces as above. */
bool qc_io_fill(struct qc_disk *d, uint64_t offset, uint64_t length,
                uint32_t gen);

#endif /* QC_ENGINE_H */
