/*
 * rbd-buf.h: Ceph's little-endian encoding, field by field.
 *
 * The encoder grows a heap buffer; the decoder reads a bounded view and
 * never past it.  Both latch their first failure (out of memory, short or
 * malformed input) so a sequence of calls is checked once at the end:
 * after a failure every further call does nothing and reads return 0 or
 * NULL.
 */
#ifndef RBD_BUF_H
#define RBD_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rbd_enc {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool failed;        /* an allocation failed; data is incomplete */
};

/* An empty encoder; nothing is allocated until the first byte. */
void rbd_enc_init(struct rbd_enc *e);
/* Frees the buffer and leaves e empty (initialised) again. */
void rbd_enc_free(struct rbd_enc *e);
void rbd_enc_u8(struct rbd_enc *e, uint8_t v);
void rbd_enc_le32(struct rbd_enc *e, uint32_t v);
void rbd_enc_le64(struct rbd_enc *e, uint64_t v);
/* Two's complement, as Ceph encodes int64_t (pool ids, -1 = none). */
void rbd_enc_s64(struct rbd_enc *e, int64_t v);
void rbd_enc_bytes(struct rbd_enc *e, const void *p, size_t n);
/* le32 length + bytes, without the NUL.  NULL encodes as "". */
void rbd_enc_string(struct rbd_enc *e, const char *s);
/*
 * ENCODE_START(v, compat): u8 v, u8 compat, le32 payload length.  Returns
 * the position to pass to rbd_enc_finish once the payload is written
 * (rbd_enc_finish patches the length in).
 */
size_t rbd_enc_start(struct rbd_enc *e, uint8_t v, uint8_t compat);
void rbd_enc_finish(struct rbd_enc *e, size_t start);
/* 0, or -ENOMEM when any call failed. */
int rbd_enc_status(const struct rbd_enc *e);

struct rbd_dec {
    const uint8_t *p;
    size_t left;
    bool failed;        /* input ran short or was malformed */
    bool nomem;         /* a string copy could not be allocated */
};

/* A decoder over buf[0..len); buf may be NULL when len is 0. */
void rbd_dec_init(struct rbd_dec *d, const void *buf, size_t len);
uint8_t rbd_dec_u8(struct rbd_dec *d);
uint32_t rbd_dec_le32(struct rbd_dec *d);
uint64_t rbd_dec_le64(struct rbd_dec *d);
/* A le64 read back as Ceph's int64_t (two's complement). */
int64_t rbd_dec_s64(struct rbd_dec *d);
/*
 * Returns a pointer into the input (never NULL for n == 0 on a good
 * decoder), or NULL (and fails) if short.
 */
const uint8_t *rbd_dec_bytes(struct rbd_dec *d, size_t n);
/*
 * A le32-length string, copied into a new NUL-terminated heap string;
 * strings longer than max or the bytes left, or containing NUL, fail.
 * NULL on failure.  The caller frees the result.
 */
char *rbd_dec_string(struct rbd_dec *d, size_t max);
/*
 * DECODE_START: reads v, compat and the payload length, and sets *payload
 * to a decoder over exactly the payload (what follows in d is skipped).
 * Fails when compat > max_compat (an encoding too new to understand) or
 * the length runs past the end of d; *payload is then a failed decoder,
 * so decoding on from it is safe and fails too.  v may be NULL.
 */
void rbd_dec_start(struct rbd_dec *d, uint8_t max_compat, uint8_t *v,
                   struct rbd_dec *payload);
/*
 * DECODE_FINISH: carries a failure of the payload decoder over to d.
 * Bytes left in the payload (fields added by a newer version) are fine.
 */
void rbd_dec_finish(struct rbd_dec *d, const struct rbd_dec *payload);
/* 0, -ENOMEM when a string copy could not be allocated, or -EBADMSG. */
int rbd_dec_status(const struct rbd_dec *d);

#endif /* RBD_BUF_H */
