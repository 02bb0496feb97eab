/*
 * rbd-rados.c: blocking RADOS calls as 0 / -errno, and waiting for one
 * completion.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-rados.h"

int rbd_exec(rados_ioctx_t io, const char *oid, const char *cls,
             const char *method, const struct rbd_enc *in,
             char **out, size_t *out_len)
{
    rados_read_op_t op = rados_create_read_op();
    char *buf = NULL;
    size_t len = 0;
    int prval = 0;
    int ret;

    if (!op) {
        return -ENOMEM;
    }
    rados_read_op_exec(op, cls, method, in ? (const char *)in->data : NULL,
                       in ? in->len : 0, &buf, &len, &prval);
    ret = rados_read_op_operate(op, io, oid, 0);
    if (ret == 0) {
        ret = prval;
    }
    if (ret >= 0) {
        *out = malloc(len ? len : 1);
        if (*out) {
            memcpy(*out, buf, len);
            *out_len = len;
            ret = 0;
        } else {
            ret = -ENOMEM;
        }
    }
    if (buf) {
        rados_buffer_free(buf);
    }
    rados_release_read_op(op);
    return ret;
}

int rbd_exec_write(rados_ioctx_t io, const char *oid, const char *cls,
                   const char *method, const struct rbd_enc *in,
                   bool create_exclusive)
{
    rados_write_op_t op = rados_create_write_op();
    int prval = 0;
    int ret = rbd_enc_status(in);

    if (!op) {
        return -ENOMEM;
    }
    if (ret == 0) {
        if (create_exclusive) {
            rados_write_op_create(op, LIBRADOS_CREATE_EXCLUSIVE, NULL);
        }
        rados_write_op_exec(op, cls, method, (const char *)in->data, in->len,
                            &prval);
        ret = rados_write_op_operate(op, io, oid, NULL, 0);
        if (ret == 0) {
            ret = prval;
        }
    }
    rados_release_write_op(op);
    return ret;
}

int rbd_notify(rados_ioctx_t io, const char *oid, const struct rbd_enc *msg,
               uint64_t timeout_ms, char **reply, size_t *reply_len)
{
    int ret = rbd_enc_status(msg);

    if (ret == 0) {
        ret = rados_notify2(io, oid, (const char *)msg->data, (int)msg->len,
                            timeout_ms, reply, reply_len);
    }
    return ret;
}

void rbd_sync_done(struct rbd_sync *s, int64_t result)
{
    pthread_mutex_lock(&s->mu);
    s->result = result;
    s->done = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

int64_t rbd_sync_wait(struct rbd_sync *s)
{
    int64_t result;

    pthread_mutex_lock(&s->mu);
    while (!s->done) {
        pthread_cond_wait(&s->cond, &s->mu);
    }
    result = s->result;
    pthread_mutex_unlock(&s->mu);
    return result;
}
