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
#include "rbd-io.h"

struct copyup_read {
    rbd_copyup_cb *cb;
    void *arg;
    char *buf;                      /* object size */
    size_t len;                     /* end of the last part read */
    atomic_int pending;             /* parent reads, +1 while sending */
    atomic_int error;
};

/* The parts of one object found while mapping its object set. */
struct parts {
    struct rbd_image *img;
    uint64_t objno;
    uint64_t set_start;             /* image offset of the object set */
    uint64_t overlap;
    struct copyup_read *r;
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

/* rbd_layout_map callback over the object set: read this object's parts. */
static int read_part(void *opaque, uint64_t objno, uint64_t obj_off,
                     uint64_t len, uint64_t req_off)
{
    struct parts *p = opaque;
    uint64_t img_off = p->set_start + req_off;
    struct iovec iov;
    int ret;

    if (objno != p->objno || img_off >= p->overlap) {
        return 0;
    }
    if (len > p->overlap - img_off) {
        len = p->overlap - img_off;
    }
    if (obj_off + len > p->r->len) {
        p->r->len = obj_off + len;
    }
    iov = (struct iovec){ .iov_base = p->r->buf + obj_off, .iov_len = len };
    atomic_fetch_add(&p->r->pending, 1);
    ret = rbd_io_submit(p->img->parent, RBD_IO_READ, img_off, len, &iov, 1,
                        0, part_done, p->r);
    if (ret < 0) {
        finish(p->r, ret);
    }
    return 0;
}

void rbd_copyup_read(struct rbd_image *img, uint64_t objno, rbd_copyup_cb *cb,
                     void *arg)
{
    const struct rbd_layout *l = &img->layout;
    uint64_t set_size = l->object_size * l->stripe_count;
    struct copyup_read *r = calloc(1, sizeof(*r));
    struct parts p = {
        .img = img, .objno = objno, .r = r,
        .set_start = objno / l->stripe_count * set_size,
        .overlap = rbd_image_overlap(img),
    };
    int ret;

    if (!r || !(r->buf = calloc(1, l->object_size))) {
        free(r);
        cb(arg, -ENOMEM, NULL, 0);
        return;
    }
    r->cb = cb;
    r->arg = arg;
    atomic_init(&r->pending, 1);
    atomic_init(&r->error, 0);
    /* Which image bytes an object holds: map its whole object set. */
    ret = p.overlap > p.set_start
          ? rbd_layout_map(l, p.set_start, set_size, read_part, &p) : 0;
    finish(r, ret);
}
