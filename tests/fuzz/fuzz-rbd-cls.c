/*
 * fuzz-rbd-cls: every decoder of a class-method reply in
 * plugins/rbd/rbd-cls.h, each on every input (a reply is whatever bytes
 * an OSD, or something posing as one, sends back).
 *
 * Checked for each decoder, beyond not crashing or reading out of bounds:
 * - it returns 0, -EBADMSG or -ENOMEM (get_size: -EOVERFLOW for a size
 *   above INT64_MAX, and only then);
 * - on failure its outputs are untouched (and, by LeakSanitizer, nothing
 *   is left allocated);
 * - on success the values are what the bytes say (read again here,
 *   independently) and sane: order 12..25, a snapshot context with as
 *   many snapshots as it says, strictly decreasing, none above seq,
 *   strings non-empty where required and within their maximum length, a
 *   parent that exists names an image and a snapshot;
 * - bytes after the reply change nothing (a newer OSD may append fields).
 *
 * Adding a decoder: write its run_NAME() below and add DECODER(NAME) to
 * the table at the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>

#include "fuzz.h"
#include "rbd-cls.h"

/* CEPH_MAXSNAP: the largest valid snapshot id. */
#define MAXSNAP ((uint64_t)-3)

/* What outputs hold before a call: a failed call must leave them so. */
#define SENT8  0xa5u
#define SENT64 0xa5a5a5a5a5a5a5a5ull
static char sentinel_string[] = "untouched";

/*
 * Runs a decoder on buf[0..len), checks what it promises, and prints its
 * outputs to out (to compare runs).  Returns the decoder's result.
 */
typedef int decoder_run_fn(const uint8_t *buf, size_t len, FILE *out);

/* A reply that is one string of 1..max bytes (le32 length, bytes). */
static int run_string(const uint8_t *buf, size_t len, FILE *out, size_t max,
                      int (*dec)(const void *, size_t, char **))
{
    char *s = sentinel_string;
    size_t n;
    int r = dec(buf, len, &s);

    if (r < 0) {
        FUZZ_CHECK(s == sentinel_string);
        return r;
    }
    FUZZ_CHECK(s != NULL && s != sentinel_string);
    n = strlen(s);
    FUZZ_CHECK(n >= 1 && n <= max);
    FUZZ_CHECK(len >= 4 + n && fuzz_le(buf, 4) == n);
    FUZZ_CHECK(memcmp(s, buf + 4, n) == 0);
    fprintf(out, "%s", s);
    free(s);
    return r;
}

static int run_get_id(const uint8_t *buf, size_t len, FILE *out)
{
    return run_string(buf, len, out, RBD_ID_MAX, rbd_cls_dec_get_id);
}

static int run_get_object_prefix(const uint8_t *buf, size_t len, FILE *out)
{
    return run_string(buf, len, out, RBD_OBJ_PREFIX_MAX,
                      rbd_cls_dec_get_object_prefix);
}

static int run_get_snapshot_name(const uint8_t *buf, size_t len, FILE *out)
{
    return run_string(buf, len, out, RBD_NAME_MAX,
                      rbd_cls_dec_get_snapshot_name);
}

static int run_get_size(const uint8_t *buf, size_t len, FILE *out)
{
    uint8_t order = SENT8;
    uint64_t size = SENT64;
    int r = rbd_cls_dec_get_size(buf, len, &order, &size);

    if (r == -EOVERFLOW) {
        FUZZ_CHECK(len >= 9 && fuzz_le(buf + 1, 8) > (uint64_t)INT64_MAX);
    }
    if (r < 0) {
        FUZZ_CHECK(order == SENT8 && size == SENT64);
        return r;
    }
    FUZZ_CHECK(order >= RBD_ORDER_MIN && order <= RBD_ORDER_MAX);
    FUZZ_CHECK(size <= (uint64_t)INT64_MAX);
    FUZZ_CHECK(len >= 9 && order == buf[0] && size == fuzz_le(buf + 1, 8));
    fprintf(out, "%u %" PRIu64, order, size);
    return r;
}

/* Replies of two le64 values. */
static int run_two_le64(const uint8_t *buf, size_t len, FILE *out,
                        int (*dec)(const void *, size_t, uint64_t *,
                                   uint64_t *))
{
    uint64_t a = SENT64;
    uint64_t b = SENT64;
    int r = dec(buf, len, &a, &b);

    if (r < 0) {
        FUZZ_CHECK(a == SENT64 && b == SENT64);
        return r;
    }
    FUZZ_CHECK(len >= 16);
    FUZZ_CHECK(a == fuzz_le(buf, 8) && b == fuzz_le(buf + 8, 8));
    fprintf(out, "%" PRIu64 " %" PRIu64, a, b);
    return r;
}

static int run_get_features(const uint8_t *buf, size_t len, FILE *out)
{
    return run_two_le64(buf, len, out, rbd_cls_dec_get_features);
}

static int run_get_stripe_unit_count(const uint8_t *buf, size_t len,
                                     FILE *out)
{
    return run_two_le64(buf, len, out, rbd_cls_dec_get_stripe_unit_count);
}

static int run_get_flags(const uint8_t *buf, size_t len, FILE *out)
{
    uint64_t flags = SENT64;
    int r = rbd_cls_dec_get_flags(buf, len, &flags);

    if (r < 0) {
        FUZZ_CHECK(flags == SENT64);
        return r;
    }
    FUZZ_CHECK(len >= 8 && flags == fuzz_le(buf, 8));
    fprintf(out, "%" PRIu64, flags);
    return r;
}

static int run_get_data_pool(const uint8_t *buf, size_t len, FILE *out)
{
    int64_t pool = (int64_t)SENT64;
    int r = rbd_cls_dec_get_data_pool(buf, len, &pool);

    if (r < 0) {
        FUZZ_CHECK(pool == (int64_t)SENT64);
        return r;
    }
    FUZZ_CHECK(pool >= -1);
    FUZZ_CHECK(len >= 8 && (uint64_t)pool == fuzz_le(buf, 8));
    fprintf(out, "%" PRId64, pool);
    return r;
}

static int run_get_snapcontext(const uint8_t *buf, size_t len, FILE *out)
{
    struct rbd_snapc snapc = {
        .seq = SENT64, .n = (uint32_t)SENT64,
        .snaps = (uint64_t *)sentinel_string,
    };
    uint32_t i;
    int r = rbd_cls_dec_get_snapcontext(buf, len, &snapc);

    if (r < 0) {
        FUZZ_CHECK(snapc.seq == SENT64 && snapc.n == (uint32_t)SENT64 &&
                   snapc.snaps == (uint64_t *)sentinel_string);
        return r;
    }
    /* As many snapshots as it says, and as the bytes hold. */
    FUZZ_CHECK(len >= 12 && snapc.seq == fuzz_le(buf, 8) &&
               snapc.n == fuzz_le(buf + 8, 4));
    FUZZ_CHECK(snapc.n <= RBD_SNAPC_MAX && (len - 12) / 8 >= snapc.n);
    FUZZ_CHECK((snapc.n == 0) == (snapc.snaps == NULL));
    FUZZ_CHECK(snapc.seq <= MAXSNAP);
    fprintf(out, "%" PRIu64 " %" PRIu32, snapc.seq, snapc.n);
    for (i = 0; i < snapc.n; i++) {
        FUZZ_CHECK(snapc.snaps[i] == fuzz_le(buf + 12 + 8 * i, 8));
        /* Newest first, strictly decreasing, none above seq. */
        FUZZ_CHECK(i == 0 ? snapc.snaps[i] <= snapc.seq
                          : snapc.snaps[i] < snapc.snaps[i - 1]);
        fprintf(out, " %" PRIu64, snapc.snaps[i]);
    }
    rbd_snapc_free(&snapc);
    FUZZ_CHECK(snapc.snaps == NULL && snapc.n == 0 && snapc.seq == 0);
    rbd_snapc_free(&snapc);
    return r;
}

/* A le32-length string at *p within end, independently of rbd-buf. */
static bool ref_string(const uint8_t **p, const uint8_t *end, size_t *n,
                       const uint8_t **s)
{
    if (end - *p < 4) {
        return false;
    }
    *n = (size_t)fuzz_le(*p, 4);
    *p += 4;
    if ((size_t)(end - *p) < *n) {
        return false;
    }
    *s = *p;
    *p += *n;
    return true;
}

static int run_parent_get(const uint8_t *buf, size_t len, FILE *out)
{
    struct rbd_parent parent = {
        .pool_id = (int64_t)SENT64, .pool_namespace = sentinel_string,
        .image_id = sentinel_string, .snap_id = SENT64,
    };
    const uint8_t *p = buf + 6;
    const uint8_t *end;
    const uint8_t *ns;
    const uint8_t *id;
    size_t ns_len;
    size_t id_len;
    int r = rbd_cls_dec_parent_get(buf, len, &parent);

    if (r < 0) {
        FUZZ_CHECK(parent.pool_id == (int64_t)SENT64 &&
                   parent.pool_namespace == sentinel_string &&
                   parent.image_id == sentinel_string &&
                   parent.snap_id == SENT64);
        return r;
    }
    /* ENCODE_START(1, 1) and the payload, read again here. */
    FUZZ_CHECK(len >= 6 && buf[1] <= 1);
    FUZZ_CHECK(len - 6 >= fuzz_le(buf + 2, 4));
    end = p + fuzz_le(buf + 2, 4);
    FUZZ_CHECK(end - p >= 8 && (uint64_t)parent.pool_id == fuzz_le(p, 8));
    p += 8;
    FUZZ_CHECK(ref_string(&p, end, &ns_len, &ns));
    FUZZ_CHECK(ref_string(&p, end, &id_len, &id));
    FUZZ_CHECK(end - p >= 8 && parent.snap_id == fuzz_le(p, 8));
    FUZZ_CHECK(parent.pool_namespace && parent.image_id);
    FUZZ_CHECK(strlen(parent.pool_namespace) == ns_len &&
               memcmp(parent.pool_namespace, ns, ns_len) == 0);
    FUZZ_CHECK(strlen(parent.image_id) == id_len &&
               memcmp(parent.image_id, id, id_len) == 0);
    FUZZ_CHECK(ns_len <= RBD_NAME_MAX && id_len <= RBD_ID_MAX);
    /* No parent, or one that exists (cls_rbd_parent::exists()). */
    FUZZ_CHECK(parent.pool_id >= -1);
    if (parent.pool_id >= 0) {
        FUZZ_CHECK(id_len > 0 && parent.snap_id != RBD_NOSNAP);
    }
    fprintf(out, "%" PRId64 " %s %s %" PRIu64, parent.pool_id,
            parent.pool_namespace, parent.image_id, parent.snap_id);
    rbd_parent_free(&parent);
    FUZZ_CHECK(parent.pool_id == -1 && parent.pool_namespace == NULL &&
               parent.image_id == NULL && parent.snap_id == RBD_NOSNAP);
    rbd_parent_free(&parent);
    return r;
}

static int run_parent_overlap_get(const uint8_t *buf, size_t len, FILE *out)
{
    bool has = true;
    uint64_t overlap = SENT64;
    int r;

    r = rbd_cls_dec_parent_overlap_get(buf, len, &has, &overlap);
    if (r < 0) {
        FUZZ_CHECK(has == true && overlap == SENT64);
        has = false;
        r = rbd_cls_dec_parent_overlap_get(buf, len, &has, &overlap);
        FUZZ_CHECK(has == false && overlap == SENT64);
        return r;
    }
    FUZZ_CHECK(len >= 1 && buf[0] <= 1 && has == (buf[0] == 1));
    if (has) {
        FUZZ_CHECK(len >= 9 && overlap == fuzz_le(buf + 1, 8));
    } else {
        FUZZ_CHECK(overlap == 0);
    }
    fprintf(out, "%d %" PRIu64, has, overlap);
    return r;
}

static int run_get_snapshot_timestamp(const uint8_t *buf, size_t len,
                                      FILE *out)
{
    uint32_t sec = (uint32_t)SENT64;
    uint32_t nsec = (uint32_t)SENT64;
    int r = rbd_cls_dec_get_snapshot_timestamp(buf, len, &sec, &nsec);

    if (r < 0) {
        FUZZ_CHECK(sec == (uint32_t)SENT64 && nsec == (uint32_t)SENT64);
        return r;
    }
    /* utime_t: nanoseconds below one second. */
    FUZZ_CHECK(nsec < 1000000000u);
    FUZZ_CHECK(len >= 8 && sec == fuzz_le(buf, 4) &&
               nsec == fuzz_le(buf + 4, 4));
    fprintf(out, "%" PRIu32 ".%09" PRIu32, sec, nsec);
    return r;
}

static int run_snapshot_get(const uint8_t *buf, size_t len, FILE *out)
{
    struct rbd_snap_info info = { SENT64, (uint32_t)SENT64, SENT64,
                                  (uint32_t)SENT64 };
    int r = rbd_cls_dec_snapshot_get(buf, len, &info);

    if (r < 0) {
        FUZZ_CHECK(info.id == SENT64 && info.ns_type == (uint32_t)SENT64 &&
                   info.size == SENT64 &&
                   info.child_count == (uint32_t)SENT64);
        return r;
    }
    /* ENCODE_START header (6 bytes), then the id. */
    FUZZ_CHECK(len >= 14 && info.id == fuzz_le(buf + 6, 8) &&
               info.id != RBD_NOSNAP);
    fprintf(out, "%" PRIu64 " %" PRIu32 " %" PRIu64 " %" PRIu32, info.id,
            info.ns_type, info.size, info.child_count);
    return r;
}

struct decoder {
    const char *name;
    decoder_run_fn *run;
};

#define DECODER(name) { #name, run_##name }

/* Every decoder of a cluster reply: one line each. */
static const struct decoder decoders[] = {
    DECODER(get_id),
    DECODER(get_size),
    DECODER(get_object_prefix),
    DECODER(get_features),
    DECODER(get_flags),
    DECODER(get_stripe_unit_count),
    DECODER(get_data_pool),
    DECODER(get_snapcontext),
    DECODER(parent_get),
    DECODER(parent_overlap_get),
    DECODER(get_snapshot_name),
    DECODER(get_snapshot_timestamp),
    DECODER(snapshot_get),
};

/* One decoder on the input, then on the input with bytes appended. */
static void check_decoder(const struct decoder *d, const uint8_t *data,
                          size_t size)
{
    char *first = NULL;
    char *second = NULL;
    size_t first_len = 0;
    size_t second_len = 0;
    FILE *out = open_memstream(&first, &first_len);
    uint8_t *longer;
    int r;

    if (!out) {
        abort();
    }
    r = d->run(data, size, out);
    fclose(out);
    if (r != 0) {
        FUZZ_CHECK(r == -EBADMSG || r == -ENOMEM || r == -EOVERFLOW);
        free(first);
        return;
    }
    /* Whatever follows the reply is ignored: here, the reply again. */
    longer = fuzz_copy(data, size, size + 1, 0xff);
    if (size > 0) {
        memcpy(longer + size, data, size);
    }
    out = open_memstream(&second, &second_len);
    if (!out) {
        abort();
    }
    r = d->run(longer, 2 * size + 1, out);
    fclose(out);
    if (r != 0 || first_len != second_len ||
        memcmp(first, second, first_len) != 0) {
        fprintf(stderr, "%s: %d, [%.*s] once bytes were appended, not 0, "
                "[%.*s]\n", d->name, r, (int)second_len, second,
                (int)first_len, first);
        FUZZ_CHECK(!"bytes after a reply change its decoding");
    }
    free(longer);
    free(first);
    free(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i;

    for (i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
        check_decoder(&decoders[i], data, size);
    }
    return 0;
}
