/*
 * rbd-objmap.c: the object map bit vector, decoded field by field.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-buf.h"
#include "rbd-cls.h"
#include "rbd-objmap.h"

void rbd_objmap_oid(const char *image_id, uint64_t snap_id, char *buf,
                    size_t len)
{
    if (snap_id == RBD_NOSNAP) {
        snprintf(buf, len, "rbd_object_map.%s", image_id);
    } else {
        snprintf(buf, len, "rbd_object_map.%s.%016" PRIx64, image_id,
                 snap_id);
    }
}

static uint64_t data_bytes(uint64_t count)
{
    return (count + 3) / 4;
}

int rbd_objmap_decode(const void *buf, size_t len, struct rbd_objmap *m)
{
    struct rbd_dec d, hdr, payload;
    uint32_t hdr_len, footer_len;
    const uint8_t *data;
    uint64_t count;
    uint8_t *bits;
    int r;

    rbd_dec_init(&d, buf, len);
    /* The header is a bufferlist of its own: le32 length, then the bytes. */
    hdr_len = rbd_dec_le32(&d);
    data = rbd_dec_bytes(&d, hdr_len);
    rbd_dec_init(&hdr, data, data ? hdr_len : 0);
    rbd_dec_start(&hdr, 1, NULL, &payload);
    count = rbd_dec_le64(&payload);
    rbd_dec_finish(&hdr, &payload);
    if (d.failed || hdr.failed || count > RBD_OBJMAP_MAX_OBJECTS ||
        data_bytes(count) > d.left) {
        return -EBADMSG;
    }
    data = rbd_dec_bytes(&d, data_bytes(count));
    /* The footer (CRCs) must be there, but its content is not needed. */
    footer_len = rbd_dec_le32(&d);
    rbd_dec_bytes(&d, footer_len);
    r = rbd_dec_status(&d);
    if (r < 0) {
        return r;
    }
    bits = malloc(data_bytes(count) ? data_bytes(count) : 1);
    if (!bits) {
        return -ENOMEM;
    }
    memcpy(bits, data, data_bytes(count));
    m->count = count;
    m->bits = bits;
    return 0;
}

void rbd_objmap_free(struct rbd_objmap *m)
{
    free(m->bits);
    m->bits = NULL;
    m->count = 0;
}

/* Object objno's two bits: byte objno / 4, object 0 in the top bits. */
static unsigned shift_of(uint64_t objno)
{
    return (3 - (unsigned)(objno % 4)) * 2;
}

uint8_t rbd_objmap_get(const struct rbd_objmap *m, uint64_t objno)
{
    if (objno >= m->count) {
        return RBD_OBJ_NONEXISTENT;
    }
    return (m->bits[objno / 4] >> shift_of(objno)) & 3;
}

void rbd_objmap_set(struct rbd_objmap *m, uint64_t objno, uint8_t state)
{
    uint8_t *b;

    if (objno >= m->count) {
        return;
    }
    b = &m->bits[objno / 4];
    *b = (uint8_t)((*b & ~(3u << shift_of(objno))) |
                   ((state & 3u) << shift_of(objno)));
}

int rbd_objmap_resize(struct rbd_objmap *m, uint64_t count, uint8_t state)
{
    uint64_t old = m->count;
    uint8_t *bits;

    if (count > RBD_OBJMAP_MAX_OBJECTS) {
        return -EINVAL;
    }
    bits = realloc(m->bits, data_bytes(count) ? data_bytes(count) : 1);
    if (!bits) {
        return -ENOMEM;
    }
    if (data_bytes(count) > data_bytes(old)) {
        memset(bits + data_bytes(old), 0, data_bytes(count) - data_bytes(old));
    }
    m->bits = bits;
    m->count = count;
    for (uint64_t i = old; i < count; i++) {
        rbd_objmap_set(m, i, state);
    }
    if (count < old && count % 4) {
        /* Bits past the end are zero, as BitVector keeps them. */
        bits[count / 4] &= (uint8_t)(0xffu << (shift_of(count - 1)));
    }
    return 0;
}

bool rbd_objmap_update_needed(uint8_t cur, uint8_t new_state)
{
    if (cur == new_state) {
        return false;
    }
    if (new_state == RBD_OBJ_PENDING && cur == RBD_OBJ_NONEXISTENT) {
        return false;
    }
    if (new_state == RBD_OBJ_NONEXISTENT && cur != RBD_OBJ_PENDING) {
        return false;
    }
    return true;
}

uint8_t rbd_objmap_apply(uint8_t cur, uint8_t new_state, int expect)
{
    if (expect < 0 || cur == expect ||
        (expect == RBD_OBJ_EXISTS && cur == RBD_OBJ_EXISTS_CLEAN)) {
        return new_state;
    }
    return cur;
}
