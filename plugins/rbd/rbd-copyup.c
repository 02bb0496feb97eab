/*
 * rbd-copyup.c: reading a clone object's data from the parent.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "rbd-copyup.h"
#include "rbd-image.h"

struct copyup_read {
    rbd_copyup_cb *cb;
    void *arg;
    char *buf;                      /* object size */
    size_t len;                     /* end of the last part read */
    atomic_int pending;             /* parent reads, +1 while sending */
    atomic_int error;
};

static void finish(struct copyup_read *r, int ret)
{
    int expected = 0;

    if (ret < 0) {
        atomic_compare_exchange_strong(&r->error, &expected, ret);
    }
    if (atomic_fetch_sub(&r->pending, 1) != 1) {
        return;
    }
    ret = atomic_load(&r->error);
    if (ret < 0) {
        free(r->buf);
        r->cb(r->arg, ret, NULL, 0);
    } else {
        size_t len = r->len;
        bool zero = true;

        for (size_t i = 0; zero && i < len; i++) {
            zero = r->buf[i] == 0;
        }
        r->cb(r->arg, 0, r->buf, zero ? 0 : len);
    }
    free(r);
}

static void part_done(void *opaque, int64_t result)
{
    finish(opaque, result < 0 ? (int)result : 0);
}

/* Read the object's bytes [obj_off, +len), image bytes [img_off, +len). */
static void read_part(struct rbd_image *img, struct copyup_read *r,
                      uint64_t img_off, uint64_t obj_off, uint64_t len)
{
    struct iovec iov = { .iov_base = r->buf + obj_off, .iov_len = len };
    int ret;

    if (obj_off + len > r->len) {
        r->len = obj_off + len;
    }
    atomic_fetch_add(&r->pending, 1);
    ret = img->read_parent(img, img_off, len, &iov, 1, part_done, r);
    if (ret < 0) {
        finish(r, ret);
    }
}

void rbd_copyup_read(struct rbd_image *img, uint64_t objno, rbd_copyup_cb *cb,
                     void *arg)
{
    const struct rbd_layout *l = &img->layout;
    uint64_t unit = rbd_layout_unit(l);
    uint64_t start = rbd_layout_object_start(l, objno);
    uint64_t overlap = rbd_image_overlap(img);
    struct copyup_read *r = calloc(1, sizeof(*r));

    if (!r || !(r->buf = calloc(1, l->object_size))) {
        free(r);
        cb(arg, -ENOMEM, NULL, 0);
        return;
    }
    r->cb = cb;
    r->arg = arg;
    atomic_init(&r->pending, 1);
    atomic_init(&r->error, 0);
    /* Row k of the object's units lies k stripes after its first unit. */
    for (uint64_t k = 0; k < l->object_size / unit; k++) {
        uint64_t img_off = start + k * unit * l->stripe_count;

        if (img_off >= overlap) {
            break;
        }
        read_part(img, r, img_off, k * unit,
                  unit < overlap - img_off ? unit : overlap - img_off);
    }
    finish(r, 0);
}
