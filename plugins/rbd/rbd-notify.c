/*
 * rbd-notify.c: librbd's header notifications and answers, field by
 * field.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-notify.h"

/* Replies with more acks than this are refused rather than allocated. */
#define RBD_NOTIFY_MAX_WATCHERS 65536

int rbd_notify_decode(const void *buf, size_t len, struct rbd_notify_msg *m)
{
    struct rbd_notify_msg out = { .op = RBD_NOTIFY_HEADER_UPDATE };
    struct rbd_dec d, payload;
    uint8_t v = 0;
    int r;

    if (len == 0) {
        /* Clients before Hammer sent header updates with no payload. */
        *m = out;
        return 0;
    }
    rbd_dec_init(&d, buf, len);
    rbd_dec_start(&d, 1, &v, &payload);
    out.op = rbd_dec_le32(&payload);
    switch (out.op) {
    case RBD_NOTIFY_ACQUIRED_LOCK:
    case RBD_NOTIFY_RELEASED_LOCK:
    case RBD_NOTIFY_REQUEST_LOCK:
        if (v >= 2) {
            out.has_client = true;
            out.client.gid = rbd_dec_le64(&payload);
            out.client.handle = rbd_dec_le64(&payload);
        }
        if (out.op == RBD_NOTIFY_REQUEST_LOCK && v >= 3) {
            out.force = rbd_dec_u8(&payload) != 0;
        }
        break;
    default:
        /* The other payloads only matter to librbd's own operations. */
        break;
    }
    rbd_dec_finish(&d, &payload);
    r = rbd_dec_status(&d);
    if (r == 0) {
        *m = out;
    }
    return r;
}

static void enc_client(struct rbd_enc *e, const struct rbd_client_id *c)
{
    rbd_enc_le64(e, c ? c->gid : 0);
    rbd_enc_le64(e, c ? c->handle : 0);
}

void rbd_notify_encode(struct rbd_enc *e, uint32_t op,
                       const struct rbd_client_id *client, bool force)
{
    size_t start = rbd_enc_start(e, 7, 1);

    rbd_enc_le32(e, op);
    if (op == RBD_NOTIFY_ACQUIRED_LOCK || op == RBD_NOTIFY_RELEASED_LOCK ||
        op == RBD_NOTIFY_REQUEST_LOCK) {
        enc_client(e, client);
    }
    if (op == RBD_NOTIFY_REQUEST_LOCK) {
        rbd_enc_u8(e, force ? 1 : 0);
    }
    rbd_enc_finish(e, start);
}

void rbd_notify_encode_response(struct rbd_enc *e, int32_t result)
{
    size_t start = rbd_enc_start(e, 1, 1);

    rbd_enc_le32(e, (uint32_t)result);
    rbd_enc_finish(e, start);
}

int rbd_notify_decode_response(const void *buf, size_t len, int32_t *result)
{
    struct rbd_dec d, payload;
    uint32_t v;
    int r;

    rbd_dec_init(&d, buf, len);
    rbd_dec_start(&d, 1, NULL, &payload);
    v = rbd_dec_le32(&payload);
    rbd_dec_finish(&d, &payload);
    r = rbd_dec_status(&d);
    if (r == 0) {
        /* Two's complement back, spelled out as in rbd_dec_s64. */
        *result = v <= INT32_MAX ? (int32_t)v : -(int32_t)(~v) - 1;
    }
    return r;
}

int rbd_notify_decode_reply(const void *buf, size_t len,
                            struct rbd_notify_reply *r)
{
    struct rbd_notify_reply out = { 0 };
    struct rbd_dec d;
    int ret;

    rbd_dec_init(&d, buf, len);
    out.n_acks = rbd_dec_le32(&d);
    /* Each ack takes at least 20 bytes: refuse counts the reply cannot hold. */
    if (d.failed || out.n_acks > RBD_NOTIFY_MAX_WATCHERS ||
        out.n_acks > d.left / 20) {
        return -EBADMSG;
    }
    out.acks = calloc(out.n_acks ? out.n_acks : 1, sizeof(out.acks[0]));
    if (!out.acks) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < out.n_acks; i++) {
        struct rbd_notify_ack *a = &out.acks[i];

        a->id.gid = rbd_dec_le64(&d);
        a->id.handle = rbd_dec_le64(&d);
        a->len = rbd_dec_le32(&d);
        a->data = rbd_dec_bytes(&d, a->len);
    }
    out.n_timeouts = rbd_dec_le32(&d);
    if (d.failed || out.n_timeouts > RBD_NOTIFY_MAX_WATCHERS ||
        out.n_timeouts > d.left / 16) {
        free(out.acks);
        return -EBADMSG;
    }
    out.timeouts = calloc(out.n_timeouts ? out.n_timeouts : 1,
                          sizeof(out.timeouts[0]));
    if (!out.timeouts) {
        free(out.acks);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < out.n_timeouts; i++) {
        out.timeouts[i].gid = rbd_dec_le64(&d);
        out.timeouts[i].handle = rbd_dec_le64(&d);
    }
    ret = rbd_dec_status(&d);
    if (ret < 0) {
        rbd_notify_reply_free(&out);
        return ret;
    }
    *r = out;
    return 0;
}

void rbd_notify_reply_free(struct rbd_notify_reply *r)
{
    free(r->acks);
    free(r->timeouts);
    memset(r, 0, sizeof(*r));
}

static bool same_client(const struct rbd_client_id *a,
                        const struct rbd_client_id *b)
{
    return a->gid == b->gid && a->handle == b->handle;
}

enum rbd_owner_reply rbd_notify_owner_reply(const struct rbd_notify_reply *r,
                                            const struct rbd_client_id *owner,
                                            int32_t *result)
{
    const struct rbd_notify_ack *answer = NULL;
    bool owner_acked = false;

    for (uint32_t i = 0; i < r->n_acks; i++) {
        const struct rbd_notify_ack *a = &r->acks[i];

        if (a->len > 0) {
            /* Only an owner answers a REQUEST_LOCK: two would be a split. */
            if (answer) {
                return RBD_OWNER_CONFUSED;
            }
            answer = a;
        }
        owner_acked |= same_client(&a->id, owner);
    }
    if (answer) {
        return rbd_notify_decode_response(answer->data, answer->len,
                                          result) < 0
               ? RBD_OWNER_CONFUSED : RBD_OWNER_RESPONDED;
    }
    if (owner_acked) {
        return RBD_OWNER_SILENT;
    }
    for (uint32_t i = 0; i < r->n_timeouts; i++) {
        if (same_client(&r->timeouts[i], owner)) {
            return RBD_OWNER_TIMED_OUT;
        }
    }
    return RBD_OWNER_GONE;
}

void rbd_notify_answer(const struct rbd_notify_msg *m,
                       const struct rbd_client_id *self, bool owner,
                       bool exclusive, struct rbd_notify_answer *a)
{
    *a = (struct rbd_notify_answer){ .action = RBD_NOTIFY_NOTHING };
    switch (m->op) {
    case RBD_NOTIFY_HEADER_UPDATE:
        a->respond = true;
        a->action = RBD_NOTIFY_REFRESH;
        break;
    case RBD_NOTIFY_ACQUIRED_LOCK:
        break;
    case RBD_NOTIFY_RELEASED_LOCK:
        a->action = RBD_NOTIFY_LOCK_FREE;
        break;
    case RBD_NOTIFY_REQUEST_LOCK:
        if (!owner || (m->has_client && same_client(&m->client, self))) {
            break;
        }
        a->respond = true;
        if (exclusive) {
            a->result = -EROFS;
        } else {
            a->action = RBD_NOTIFY_RELEASE;
        }
        break;
    case RBD_NOTIFY_ASYNC_PROGRESS:
    case RBD_NOTIFY_ASYNC_COMPLETE:
    case RBD_NOTIFY_UNQUIESCE:
        break;
    case RBD_NOTIFY_QUIESCE:
        a->respond = true;
        a->result = -EOPNOTSUPP;
        break;
    default:
        /*
         * The operations librbd asks the lock owner to run, and ops newer
         * than this file: the owner says it cannot, so the asker takes
         * the lock and runs them itself.
         */
        a->respond = owner;
        a->result = -EOPNOTSUPP;
        break;
    }
}

/* A decimal u64 after prefix, and nothing else: 0 or -EINVAL. */
static int parse_number(const char *s, const char *prefix, uint64_t *out)
{
    size_t n = strlen(prefix);
    unsigned long long v;
    char *end;

    if (!s || strncmp(s, prefix, n) != 0 || s[n] < '0' || s[n] > '9') {
        return -EINVAL;
    }
    errno = 0;
    v = strtoull(s + n, &end, 10);
    if (errno || *end) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

int rbd_notify_parse_locker(const char *client, const char *cookie,
                            struct rbd_client_id *id)
{
    struct rbd_client_id out;

    if (parse_number(client, "client.", &out.gid) < 0 ||
        parse_number(cookie, "auto ", &out.handle) < 0) {
        return -EINVAL;
    }
    *id = out;
    return 0;
}
