/*
 * fuzz-rbd-buf: Ceph's encoding primitives (plugins/rbd/rbd-buf.h), which
 * every decoder of a cluster reply is made of, driven by a program in the
 * input: what a decoder yet to be written could do with any bytes.
 *
 * Input: byte 0 is the number of operations (mod 64), the next that many
 * bytes are operations (low 3 bits: u8, le32, le64, s64, bytes, string,
 * DECODE_START, DECODE_FINISH; high 5 bits: their argument), the rest is
 * the reply they decode.  Checked after every operation, against a model
 * kept here: the bytes left and the position, the values read, the
 * latched failure (and reads after it returning 0 / NULL), strings
 * bounded and NUL-free, payloads confined to their length.  When the
 * whole program decodes, the values are encoded again with rbd_enc_*,
 * and the program decodes that encoding to the same values, whose
 * encoding is the same bytes (decode(encode(x)) = x).
 */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "rbd-buf.h"

enum { OP_U8, OP_LE32, OP_LE64, OP_S64, OP_BYTES, OP_STRING, OP_START,
       OP_FINISH };

#define MAX_OPS   64
#define MAX_DEPTH 8

/* String maxima an argument selects. */
static const size_t string_max[] = { 0, 1, 4, 12, 64, 256, 4096, 65536 };

/* What one operation read. */
struct value {
    int op;
    uint64_t u;             /* integers; v and compat for OP_START */
    const uint8_t *bytes;   /* OP_BYTES: into the input */
    char *str;              /* OP_STRING: the copy */
    size_t len;
};

/* The model of one decoder: where it is in its buffer. */
struct model {
    const uint8_t *p;
    size_t left;
    bool failed;
};

static const uint8_t *model_take(struct model *m, size_t n)
{
    const uint8_t *p = m->p;

    if (m->failed) {
        return NULL;
    }
    if (n > m->left) {
        m->failed = true;
        m->left = 0;
        return NULL;
    }
    if (n > 0) {                /* p is NULL for an empty encoding */
        m->p += n;
        m->left -= n;
    }
    return p;
}

static uint64_t model_le(struct model *m, size_t n)
{
    const uint8_t *p = model_take(m, n);

    return p ? fuzz_le(p, n) : 0;
}

/* The decoder agrees with its model. */
static void check_model(const struct rbd_dec *d, const struct model *m)
{
    FUZZ_CHECK(d->failed == m->failed);
    FUZZ_CHECK(rbd_dec_status(d) == (m->failed ? -EBADMSG : 0));
    FUZZ_CHECK(d->left == m->left);
    if (!m->failed && m->left > 0) {
        FUZZ_CHECK(d->p == m->p);
    }
}

/*
 * Runs ops on buf[0..len); fills vals (n_ops of them) and returns true
 * when nothing failed.
 */
static bool run(const uint8_t *ops, size_t n_ops, const uint8_t *buf,
                size_t len, struct value *vals)
{
    struct rbd_dec dec[MAX_DEPTH];
    struct model model[MAX_DEPTH];
    size_t depth = 0;
    size_t i;
    bool ok;

    rbd_dec_init(&dec[0], len ? buf : NULL, len);
    model[0] = (struct model){ .p = buf, .left = len };
    check_model(&dec[0], &model[0]);
    for (i = 0; i < n_ops; i++) {
        struct rbd_dec *d = &dec[depth];
        struct model *m = &model[depth];
        int op = ops[i] & 7;
        unsigned arg = ops[i] >> 3;
        struct value *v = &vals[i];
        const uint8_t *p;
        uint8_t sv;
        uint8_t compat;
        uint32_t plen;

        *v = (struct value){ .op = op };
        switch (op) {
        case OP_U8:
            v->u = rbd_dec_u8(d);
            FUZZ_CHECK(v->u == model_le(m, 1));
            break;
        case OP_LE32:
            v->u = rbd_dec_le32(d);
            FUZZ_CHECK(v->u == model_le(m, 4));
            break;
        case OP_LE64:
            v->u = rbd_dec_le64(d);
            FUZZ_CHECK(v->u == model_le(m, 8));
            break;
        case OP_S64: {
            int64_t s = rbd_dec_s64(d);

            v->u = (uint64_t)s;
            FUZZ_CHECK(v->u == model_le(m, 8));
            break;
        }
        case OP_BYTES:
            v->len = arg;
            v->bytes = rbd_dec_bytes(d, arg);
            p = model_take(m, arg);
            FUZZ_CHECK(v->bytes == p || (arg == 0 && !m->failed));
            FUZZ_CHECK((v->bytes == NULL) == m->failed);
            break;
        case OP_STRING: {
            size_t max = string_max[arg % 8];
            uint32_t n = (uint32_t)model_le(m, 4);

            v->str = rbd_dec_string(d, max);
            if (!m->failed && (n > max || n > m->left ||
                               memchr(m->p, '\0', n) != NULL)) {
                m->failed = true;
                m->left = 0;
            }
            p = model_take(m, m->failed ? 0 : n);
            FUZZ_CHECK((v->str == NULL) == m->failed);
            if (v->str) {
                FUZZ_CHECK(strlen(v->str) == n && memcmp(v->str, p, n) == 0);
                v->len = n;
            }
            break;
        }
        case OP_START:
            if (depth + 1 == MAX_DEPTH) {
                v->op = -1;
                break;
            }
            rbd_dec_start(d, (uint8_t)(arg & 3), &sv, &dec[depth + 1]);
            FUZZ_CHECK(sv == (uint8_t)model_le(m, 1));
            compat = (uint8_t)model_le(m, 1);
            plen = (uint32_t)model_le(m, 4);
            if (!m->failed && compat > (arg & 3)) {
                m->failed = true;
                m->left = 0;
            }
            p = model_take(m, plen);
            model[depth + 1] = (struct model){
                .p = p, .left = p ? plen : 0, .failed = p == NULL,
            };
            v->u = (uint64_t)sv << 8 | compat;
            depth++;
            break;
        case OP_FINISH:
            if (depth == 0) {
                v->op = -1;
                break;
            }
            rbd_dec_finish(&dec[depth - 1], d);
            if (m->failed) {
                model[depth - 1].failed = true;
                model[depth - 1].left = 0;
            }
            depth--;
            break;
        }
        check_model(&dec[depth], &model[depth]);
    }
    ok = !model[depth].failed;
    while (depth > 0) {
        rbd_dec_finish(&dec[depth - 1], &dec[depth]);
        if (model[depth].failed) {
            model[depth - 1].failed = true;
            model[depth - 1].left = 0;
        }
        depth--;
        check_model(&dec[depth], &model[depth]);
    }
    /* A failure anywhere reaches the outermost decoder. */
    FUZZ_CHECK(ok || model[0].failed);
    return !model[0].failed;
}

/* The values read, encoded again. */
static void encode(const struct value *vals, size_t n, struct rbd_enc *e)
{
    size_t starts[MAX_OPS];
    size_t depth = 0;
    size_t i;

    rbd_enc_init(e);
    for (i = 0; i < n; i++) {
        const struct value *v = &vals[i];

        switch (v->op) {
        case OP_U8:
            rbd_enc_u8(e, (uint8_t)v->u);
            break;
        case OP_LE32:
            rbd_enc_le32(e, (uint32_t)v->u);
            break;
        case OP_LE64:
            rbd_enc_le64(e, v->u);
            break;
        case OP_S64:
            rbd_enc_s64(e, (int64_t)v->u);
            break;
        case OP_BYTES:
            rbd_enc_bytes(e, v->bytes, v->len);
            break;
        case OP_STRING:
            rbd_enc_string(e, v->str);
            break;
        case OP_START:
            starts[depth++] = rbd_enc_start(e, (uint8_t)(v->u >> 8),
                                            (uint8_t)v->u);
            break;
        case OP_FINISH:
            rbd_enc_finish(e, starts[--depth]);
            break;
        }
    }
    while (depth > 0) {
        rbd_enc_finish(e, starts[--depth]);
    }
    FUZZ_CHECK(rbd_enc_status(e) == 0);
}

static void free_values(struct value *vals, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(vals[i].str);
        vals[i].str = NULL;
    }
}

static bool same_values(const struct value *a, const struct value *b,
                        size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (a[i].op != b[i].op || a[i].u != b[i].u || a[i].len != b[i].len) {
            return false;
        }
        if (a[i].op == OP_BYTES && a[i].len &&
            memcmp(a[i].bytes, b[i].bytes, a[i].len) != 0) {
            return false;
        }
        if (a[i].op == OP_STRING && strcmp(a[i].str, b[i].str) != 0) {
            return false;
        }
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct value first[MAX_OPS];
    struct value again[MAX_OPS];
    struct rbd_enc e1;
    struct rbd_enc e2;
    size_t n_ops;
    const uint8_t *ops;
    const uint8_t *reply;
    size_t reply_len;

    if (size == 0) {
        return 0;
    }
    n_ops = data[0] % MAX_OPS;
    if (n_ops > size - 1) {
        n_ops = size - 1;
    }
    ops = data + 1;
    reply = ops + n_ops;
    reply_len = size - 1 - n_ops;

    if (!run(ops, n_ops, reply, reply_len, first)) {
        free_values(first, n_ops);
        return 0;
    }
    encode(first, n_ops, &e1);
    FUZZ_CHECK(run(ops, n_ops, e1.data, e1.len, again));
    FUZZ_CHECK(same_values(first, again, n_ops));
    encode(again, n_ops, &e2);
    FUZZ_CHECK(e1.len == e2.len &&
               (e1.len == 0 || memcmp(e1.data, e2.data, e1.len) == 0));
    rbd_enc_free(&e1);
    rbd_enc_free(&e2);
    free_values(first, n_ops);
    free_values(again, n_ops);
    return 0;
}
