/*
 * rbd-buf.c: Ceph's little-endian encoding, field by field.
 *
 * Every integer is written and read one byte at a time, so the host's
 * byte order and alignment never matter.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-buf.h"

/* The smallest buffer the encoder allocates. */
#define RBD_ENC_MIN_CAP 64

void rbd_enc_init(struct rbd_enc *e)
{
    e->data = NULL;
    e->len = 0;
    e->cap = 0;
    e->failed = false;
}

void rbd_enc_free(struct rbd_enc *e)
{
    free(e->data);
    rbd_enc_init(e);
}

/* Makes room for n more bytes; false (and latched) when it cannot. */
static bool rbd_enc_reserve(struct rbd_enc *e, size_t n)
{
    size_t need;
    size_t cap;
    uint8_t *data;

    if (e->failed) {
        return false;
    }
    if (n > SIZE_MAX - e->len) {
        e->failed = true;
        return false;
    }
    need = e->len + n;
    if (need <= e->cap) {
        return true;
    }
    cap = e->cap < RBD_ENC_MIN_CAP ? RBD_ENC_MIN_CAP : e->cap;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    data = realloc(e->data, cap);
    if (!data) {
        e->failed = true;
        return false;
    }
    e->data = data;
    e->cap = cap;
    return true;
}

void rbd_enc_u8(struct rbd_enc *e, uint8_t v)
{
    if (rbd_enc_reserve(e, 1)) {
        e->data[e->len++] = v;
    }
}

/* Writes v as n little-endian bytes at dst. */
static void rbd_put_le(uint8_t *dst, uint64_t v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        dst[i] = (uint8_t)(v >> (8 * i));
    }
}

void rbd_enc_le32(struct rbd_enc *e, uint32_t v)
{
    if (rbd_enc_reserve(e, 4)) {
        rbd_put_le(e->data + e->len, v, 4);
        e->len += 4;
    }
}

void rbd_enc_le64(struct rbd_enc *e, uint64_t v)
{
    if (rbd_enc_reserve(e, 8)) {
        rbd_put_le(e->data + e->len, v, 8);
        e->len += 8;
    }
}

void rbd_enc_s64(struct rbd_enc *e, int64_t v)
{
    /* Conversion to unsigned is defined as modulo 2^64: two's complement. */
    rbd_enc_le64(e, (uint64_t)v);
}

void rbd_enc_bytes(struct rbd_enc *e, const void *p, size_t n)
{
    if (n == 0) {
        return;
    }
    if (rbd_enc_reserve(e, n)) {
        memcpy(e->data + e->len, p, n);
        e->len += n;
    }
}

void rbd_enc_string(struct rbd_enc *e, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n > UINT32_MAX) {
        e->failed = true;
        return;
    }
    rbd_enc_le32(e, (uint32_t)n);
    rbd_enc_bytes(e, s, n);
}

size_t rbd_enc_start(struct rbd_enc *e, uint8_t v, uint8_t compat)
{
    size_t start = e->len;

    rbd_enc_u8(e, v);
    rbd_enc_u8(e, compat);
    rbd_enc_le32(e, 0);         /* patched by rbd_enc_finish */
    return start;
}

void rbd_enc_finish(struct rbd_enc *e, size_t start)
{
    size_t payload;

    if (e->failed) {
        return;
    }
    if (start > e->len || e->len - start < 6) {
        /* Not a position rbd_enc_start returned: a caller's bug. */
        e->failed = true;
        return;
    }
    payload = e->len - start - 6;
    if (payload > UINT32_MAX) {
        e->failed = true;
        return;
    }
    rbd_put_le(e->data + start + 2, payload, 4);
}

int rbd_enc_status(const struct rbd_enc *e)
{
    return e->failed ? -ENOMEM : 0;
}

void rbd_dec_init(struct rbd_dec *d, const void *buf, size_t len)
{
    d->p = buf;
    d->left = buf ? len : 0;
    d->failed = !buf && len > 0;
    d->nomem = false;
}

/* Marks d failed; it reads nothing more. */
static void rbd_dec_fail(struct rbd_dec *d)
{
    d->failed = true;
    d->left = 0;
}

/* The next n bytes, consumed; NULL (and failed) when short. */
static const uint8_t *rbd_dec_take(struct rbd_dec *d, size_t n)
{
    const uint8_t *p;

    if (d->failed) {
        return NULL;
    }
    if (n > d->left) {
        rbd_dec_fail(d);
        return NULL;
    }
    p = d->p;
    if (n > 0) {                /* no arithmetic on a NULL empty buffer */
        d->p += n;
        d->left -= n;
    }
    return p;
}

/* Reads n little-endian bytes at src. */
static uint64_t rbd_get_le(const uint8_t *src, size_t n)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        v |= (uint64_t)src[i] << (8 * i);
    }
    return v;
}

uint8_t rbd_dec_u8(struct rbd_dec *d)
{
    const uint8_t *p = rbd_dec_take(d, 1);

    return p ? p[0] : 0;
}

uint32_t rbd_dec_le32(struct rbd_dec *d)
{
    const uint8_t *p = rbd_dec_take(d, 4);

    return p ? (uint32_t)rbd_get_le(p, 4) : 0;
}

uint64_t rbd_dec_le64(struct rbd_dec *d)
{
    const uint8_t *p = rbd_dec_take(d, 8);

    return p ? rbd_get_le(p, 8) : 0;
}

int64_t rbd_dec_s64(struct rbd_dec *d)
{
    uint64_t v = rbd_dec_le64(d);

    /* Spelled out: converting a too-large unsigned is not portable. */
    if (v <= (uint64_t)INT64_MAX) {
        return (int64_t)v;
    }
    return -(int64_t)(~v) - 1;
}

const uint8_t *rbd_dec_bytes(struct rbd_dec *d, size_t n)
{
    static const uint8_t empty[1];
    const uint8_t *p = rbd_dec_take(d, n);

    if (p == NULL && !d->failed) {
        return empty;           /* n == 0 on an empty buffer */
    }
    return p;
}

char *rbd_dec_string(struct rbd_dec *d, size_t max)
{
    uint32_t n = rbd_dec_le32(d);
    const uint8_t *p;
    char *s;

    if (d->failed) {
        return NULL;
    }
    if (n > max || n > d->left) {
        rbd_dec_fail(d);
        return NULL;
    }
    p = rbd_dec_take(d, n);
    if (n > 0 && memchr(p, '\0', n) != NULL) {
        rbd_dec_fail(d);
        return NULL;
    }
    s = malloc((size_t)n + 1);
    if (!s) {
        d->nomem = true;
        rbd_dec_fail(d);
        return NULL;
    }
    if (n > 0) {
        memcpy(s, p, n);
    }
    s[n] = '\0';
    return s;
}

void rbd_dec_start(struct rbd_dec *d, uint8_t max_compat, uint8_t *v,
                   struct rbd_dec *payload)
{
    uint8_t struct_v = rbd_dec_u8(d);
    uint8_t compat = rbd_dec_u8(d);
    uint32_t len = rbd_dec_le32(d);
    const uint8_t *p;

    if (v) {
        *v = struct_v;
    }
    rbd_dec_init(payload, NULL, 0);
    if (!d->failed && compat > max_compat) {
        rbd_dec_fail(d);
    }
    p = d->failed ? NULL : rbd_dec_take(d, len);
    if (!p) {
        payload->failed = true;
        return;
    }
    rbd_dec_init(payload, p, len);
}

void rbd_dec_finish(struct rbd_dec *d, const struct rbd_dec *payload)
{
    if (payload->nomem) {
        d->nomem = true;
    }
    if (payload->failed) {
        rbd_dec_fail(d);
    }
}

int rbd_dec_status(const struct rbd_dec *d)
{
    if (d->nomem) {
        return -ENOMEM;
    }
    return d->failed ? -EBADMSG : 0;
}
