/*
 * rbd-cls.c: inputs and outputs of the Ceph class methods the plugin
 * calls, one encoder or decoder per method, each checked field by field.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-cls.h"

/* The largest valid snapshot id (Ceph's CEPH_MAXSNAP). */
#define RBD_MAXSNAP ((uint64_t)-3)

/* ---- feature names ---- */

/* Indexed by bit number; the names of `rbd`'s FEATURE_MAPPING. */
static const char *const rbd_feature_names[] = {
    "layering",
    "striping",
    "exclusive-lock",
    "object-map",
    "fast-diff",
    "deep-flatten",
    "journaling",
    "data-pool",
    "operations",
    "migrating",
    "non-primary",
    "dirty-cache",
};

#define RBD_N_FEATURES (sizeof(rbd_feature_names) / sizeof(rbd_feature_names[0]))

const char *rbd_feature_name(uint64_t bit)
{
    size_t i;

    for (i = 0; i < RBD_N_FEATURES; i++) {
        if (bit == (uint64_t)1 << i) {
            return rbd_feature_names[i];
        }
    }
    return NULL;
}

/* The bit named by s[0..n), or 0 when no feature has that name. */
static uint64_t rbd_feature_lookup(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < RBD_N_FEATURES; i++) {
        if (strlen(rbd_feature_names[i]) == n &&
            memcmp(rbd_feature_names[i], s, n) == 0) {
            return (uint64_t)1 << i;
        }
    }
    return 0;
}

static bool rbd_is_blank(char c)
{
    return isspace((unsigned char)c) != 0;
}

/* A whole-string number with only known feature bits. */
static int rbd_features_parse_number(const char *s, size_t n,
                                     uint64_t *features)
{
    char tmp[32];
    char *end;
    unsigned long long v;

    if (n >= sizeof(tmp)) {
        return -EINVAL;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    errno = 0;
    v = strtoull(tmp, &end, 0);
    if (errno != 0 || *end != '\0' || ((uint64_t)v & ~RBD_FEATURES_KNOWN)) {
        return -EINVAL;
    }
    *features = (uint64_t)v;
    return 0;
}

int rbd_features_parse(const char *s, uint64_t *features)
{
    uint64_t mask = 0;
    uint64_t bit;
    const char *start;
    const char *end;
    const char *tok;
    size_t n;

    if (!s) {
        return -EINVAL;
    }
    start = s;
    end = s + strlen(s);
    while (start < end && rbd_is_blank(*start)) {
        start++;
    }
    while (end > start && rbd_is_blank(end[-1])) {
        end--;
    }
    if (start == end) {
        return -EINVAL;
    }
    if (isdigit((unsigned char)*start)) {
        return rbd_features_parse_number(start, (size_t)(end - start),
                                         features);
    }
    for (tok = start; ; ) {
        const char *sep = tok;
        const char *a;
        const char *b;

        while (sep < end && *sep != ',' && *sep != '+') {
            sep++;
        }
        a = tok;
        b = sep;
        while (a < b && rbd_is_blank(*a)) {
            a++;
        }
        while (b > a && rbd_is_blank(b[-1])) {
            b--;
        }
        n = (size_t)(b - a);
        bit = n > 0 ? rbd_feature_lookup(a, n) : 0;
        if (bit == 0) {
            return -EINVAL;
        }
        mask |= bit;
        if (sep == end) {
            break;
        }
        tok = sep + 1;
    }
    *features = mask;
    return 0;
}

/* Appends str at *pos, keeping buf NUL-terminated and cutting at len. */
static void rbd_append(char *buf, size_t len, size_t *pos, const char *str)
{
    size_t n = strlen(str);

    if (*pos + 1 >= len) {
        return;
    }
    if (n > len - 1 - *pos) {
        n = len - 1 - *pos;
    }
    memcpy(buf + *pos, str, n);
    *pos += n;
    buf[*pos] = '\0';
}

void rbd_features_format(uint64_t mask, char *buf, size_t len)
{
    size_t pos = 0;
    size_t i;
    bool first = true;
    uint64_t unknown = mask & ~RBD_FEATURES_KNOWN;
    char hex[24];

    if (!buf || len == 0) {
        return;
    }
    buf[0] = '\0';
    for (i = 0; i < RBD_N_FEATURES; i++) {
        if (mask & ((uint64_t)1 << i)) {
            if (!first) {
                rbd_append(buf, len, &pos, ", ");
            }
            rbd_append(buf, len, &pos, rbd_feature_names[i]);
            first = false;
        }
    }
    if (unknown) {
        if (!first) {
            rbd_append(buf, len, &pos, ", ");
        }
        snprintf(hex, sizeof(hex), "0x%" PRIx64, unknown);
        rbd_append(buf, len, &pos, hex);
    }
}

/* ---- inputs ---- */

void rbd_cls_enc_snap_id(struct rbd_enc *e, uint64_t snap_id)
{
    rbd_enc_le64(e, snap_id);
}

void rbd_cls_enc_get_features(struct rbd_enc *e, uint64_t snap_id,
                              bool read_only)
{
    rbd_enc_le64(e, snap_id);
    rbd_enc_u8(e, read_only ? 1 : 0);
}

void rbd_cls_enc_create(struct rbd_enc *e, uint64_t size, uint8_t order,
                        uint64_t features, const char *object_prefix,
                        int64_t data_pool_id)
{
    rbd_enc_le64(e, size);
    rbd_enc_u8(e, order);
    rbd_enc_le64(e, features);
    rbd_enc_string(e, object_prefix);
    rbd_enc_s64(e, data_pool_id);
}

void rbd_cls_enc_dir_add_image(struct rbd_enc *e, const char *name,
                               const char *id)
{
    rbd_enc_string(e, name);
    rbd_enc_string(e, id);
}

void rbd_cls_enc_set_id(struct rbd_enc *e, const char *id)
{
    rbd_enc_string(e, id);
}

void rbd_cls_enc_set_size(struct rbd_enc *e, uint64_t size)
{
    rbd_enc_le64(e, size);
}

void rbd_cls_enc_set_stripe_unit_count(struct rbd_enc *e, uint64_t unit,
                                       uint64_t count)
{
    rbd_enc_le64(e, unit);
    rbd_enc_le64(e, count);
}

void rbd_cls_enc_lock(struct rbd_enc *e, const char *name, uint8_t type,
                      const char *cookie, const char *tag,
                      const char *description)
{
    size_t start = rbd_enc_start(e, 1, 1);

    rbd_enc_string(e, name);
    rbd_enc_u8(e, type);
    rbd_enc_string(e, cookie);
    rbd_enc_string(e, tag);
    rbd_enc_string(e, description);
    rbd_enc_le32(e, 0);         /* utime_t duration: seconds... */
    rbd_enc_le32(e, 0);         /* ...and nanoseconds; 0 = until unlocked */
    rbd_enc_u8(e, 0);           /* flags: no renewal */
    rbd_enc_finish(e, start);
}

void rbd_cls_enc_assert_locked(struct rbd_enc *e, const char *name,
                               uint8_t type, const char *cookie,
                               const char *tag)
{
    size_t start = rbd_enc_start(e, 1, 1);

    rbd_enc_string(e, name);
    rbd_enc_u8(e, type);
    rbd_enc_string(e, cookie);
    rbd_enc_string(e, tag);
    rbd_enc_finish(e, start);
}

void rbd_cls_enc_set_cookie(struct rbd_enc *e, const char *name, uint8_t type,
                            const char *cookie, const char *tag,
                            const char *new_cookie)
{
    size_t start = rbd_enc_start(e, 1, 1);

    rbd_enc_string(e, name);
    rbd_enc_u8(e, type);
    rbd_enc_string(e, cookie);
    rbd_enc_string(e, tag);
    rbd_enc_string(e, new_cookie);
    rbd_enc_finish(e, start);
}

void rbd_cls_enc_object_map_update(struct rbd_enc *e, uint64_t start,
                                   uint64_t end, uint8_t state, int expect)
{
    rbd_enc_le64(e, start);
    rbd_enc_le64(e, end);
    rbd_enc_u8(e, state);
    rbd_enc_u8(e, expect >= 0);
    if (expect >= 0) {
        rbd_enc_u8(e, (uint8_t)expect);
    }
}

void rbd_cls_enc_object_map_resize(struct rbd_enc *e, uint64_t count,
                                   uint8_t state)
{
    rbd_enc_le64(e, count);
    rbd_enc_u8(e, state);
}

void rbd_cls_enc_set_flags(struct rbd_enc *e, uint64_t flags, uint64_t mask,
                           uint64_t snap_id)
{
    rbd_enc_le64(e, flags);
    rbd_enc_le64(e, mask);
    rbd_enc_le64(e, snap_id);
}

/* ---- outputs ---- */

/* A reply that is one string of 1..max bytes (0..max if may_be_empty). */
static int rbd_cls_dec_one_string(const void *buf, size_t len, size_t max,
                                  bool may_be_empty, char **out)
{
    struct rbd_dec d;
    char *s;
    int r;

    rbd_dec_init(&d, buf, len);
    s = rbd_dec_string(&d, max);
    r = rbd_dec_status(&d);
    if (r < 0) {
        return r;
    }
    if (!may_be_empty && s[0] == '\0') {
        free(s);
        return -EBADMSG;
    }
    *out = s;
    return 0;
}

int rbd_cls_dec_get_id(const void *buf, size_t len, char **id)
{
    return rbd_cls_dec_one_string(buf, len, RBD_ID_MAX, false, id);
}

int rbd_cls_dec_get_size(const void *buf, size_t len, uint8_t *order,
                         uint64_t *size)
{
    struct rbd_dec d;
    uint8_t o;
    uint64_t s;
    int r;

    rbd_dec_init(&d, buf, len);
    o = rbd_dec_u8(&d);
    s = rbd_dec_le64(&d);
    r = rbd_dec_status(&d);
    if (r < 0) {
        return r;
    }
    if (o < RBD_ORDER_MIN || o > RBD_ORDER_MAX) {
        return -EBADMSG;
    }
    /*
     * Sizes and offsets are int64_t from here to QEMU; a larger one would
     * turn negative there, so it is refused where it enters.
     */
    if (s > (uint64_t)INT64_MAX) {
        return -EOVERFLOW;
    }
    *order = o;
    *size = s;
    return 0;
}

int rbd_cls_dec_get_object_prefix(const void *buf, size_t len, char **prefix)
{
    return rbd_cls_dec_one_string(buf, len, RBD_OBJ_PREFIX_MAX, false,
                                  prefix);
}

/* A reply of two le64 values. */
static int rbd_cls_dec_two_le64(const void *buf, size_t len, uint64_t *a,
                                uint64_t *b)
{
    struct rbd_dec d;
    uint64_t x;
    uint64_t y;
    int r;

    rbd_dec_init(&d, buf, len);
    x = rbd_dec_le64(&d);
    y = rbd_dec_le64(&d);
    r = rbd_dec_status(&d);
    if (r < 0) {
        return r;
    }
    *a = x;
    *b = y;
    return 0;
}

int rbd_cls_dec_get_features(const void *buf, size_t len,
                             uint64_t *features, uint64_t *incompatible)
{
    return rbd_cls_dec_two_le64(buf, len, features, incompatible);
}

int rbd_cls_dec_get_flags(const void *buf, size_t len, uint64_t *flags)
{
    struct rbd_dec d;
    uint64_t f;
    int r;

    rbd_dec_init(&d, buf, len);
    f = rbd_dec_le64(&d);
    r = rbd_dec_status(&d);
    if (r < 0) {
        return r;
    }
    *flags = f;
    return 0;
}

int rbd_cls_dec_get_stripe_unit_count(const void *buf, size_t len,
                                      uint64_t *unit, uint64_t *count)
{
    return rbd_cls_dec_two_le64(buf, len, unit, count);
}

int rbd_cls_dec_get_data_pool(const void *buf, size_t len, int64_t *pool_id)
{
    struct rbd_dec d;
    int64_t id;
    int r;

    rbd_dec_init(&d, buf, len);
    id = rbd_dec_s64(&d);
    r = rbd_dec_status(&d);
    if (r < 0) {
        return r;
    }
    if (id < -1) {
        return -EBADMSG;
    }
    *pool_id = id;
    return 0;
}

int rbd_cls_dec_get_snapcontext(const void *buf, size_t len,
                                struct rbd_snapc *snapc)
{
    struct rbd_dec d;
    uint64_t seq;
    uint32_t n;
    uint32_t i;
    uint64_t *snaps = NULL;
    int r;

    rbd_dec_init(&d, buf, len);
    seq = rbd_dec_le64(&d);
    n = rbd_dec_le32(&d);
    r = rbd_dec_status(&d);
    if (r < 0) {
        return r;
    }
    /* Count checked against the bytes left before anything is allocated. */
    if (seq > RBD_MAXSNAP || n > RBD_SNAPC_MAX || n > d.left / 8) {
        return -EBADMSG;
    }
    if (n > 0) {
        snaps = malloc((size_t)n * sizeof(*snaps));
        if (!snaps) {
            return -ENOMEM;
        }
    }
    for (i = 0; i < n; i++) {
        snaps[i] = rbd_dec_le64(&d);
        /* Newest first, strictly decreasing, none above seq. */
        if (i == 0 ? snaps[i] > seq : snaps[i] >= snaps[i - 1]) {
            free(snaps);
            return -EBADMSG;
        }
    }
    r = rbd_dec_status(&d);
    if (r < 0) {
        free(snaps);
        return r;
    }
    snapc->seq = seq;
    snapc->n = n;
    snapc->snaps = snaps;
    return 0;
}

void rbd_snapc_free(struct rbd_snapc *snapc)
{
    free(snapc->snaps);
    snapc->snaps = NULL;
    snapc->n = 0;
    snapc->seq = 0;
}

int rbd_cls_dec_parent_get(const void *buf, size_t len,
                           struct rbd_parent *parent)
{
    struct rbd_dec d;
    struct rbd_dec payload;
    int64_t pool_id;
    char *pool_namespace = NULL;
    char *image_id = NULL;
    uint64_t snap_id;
    int r;

    rbd_dec_init(&d, buf, len);
    rbd_dec_start(&d, 1, NULL, &payload);
    pool_id = rbd_dec_s64(&payload);
    pool_namespace = rbd_dec_string(&payload, RBD_NAME_MAX);
    image_id = rbd_dec_string(&payload, RBD_ID_MAX);
    snap_id = rbd_dec_le64(&payload);
    rbd_dec_finish(&d, &payload);
    r = rbd_dec_status(&d);
    if (r == 0 && pool_id < -1) {
        r = -EBADMSG;
    }
    if (r == 0 && pool_id >= 0 &&
        (image_id[0] == '\0' || snap_id == RBD_NOSNAP)) {
        r = -EBADMSG;
    }
    if (r < 0) {
        free(pool_namespace);
        free(image_id);
        return r;
    }
    parent->pool_id = pool_id;
    parent->pool_namespace = pool_namespace;
    parent->image_id = image_id;
    parent->snap_id = snap_id;
    return 0;
}

void rbd_parent_free(struct rbd_parent *parent)
{
    free(parent->pool_namespace);
    free(parent->image_id);
    parent->pool_id = -1;
    parent->pool_namespace = NULL;
    parent->image_id = NULL;
    parent->snap_id = RBD_NOSNAP;
}

int rbd_cls_dec_parent_overlap_get(const void *buf, size_t len,
                                   bool *has_overlap, uint64_t *overlap)
{
    struct rbd_dec d;
    uint8_t present;
    uint64_t v = 0;
    int r;

    rbd_dec_init(&d, buf, len);
    present = rbd_dec_u8(&d);
    if (present > 1) {
        /* Ceph writes a bool as 0 or 1; anything else is not a reply. */
        return -EBADMSG;
    }
    if (present) {
        v = rbd_dec_le64(&d);
    }
    r = rbd_dec_status(&d);
    if (r < 0) {
        return r;
    }
    *has_overlap = present != 0;
    *overlap = v;
    return 0;
}

int rbd_cls_dec_get_snapshot_name(const void *buf, size_t len, char **name)
{
    return rbd_cls_dec_one_string(buf, len, RBD_NAME_MAX, false, name);
}

void rbd_cls_enc_snapshot_add(struct rbd_enc *e, const char *name,
                              uint64_t snap_id)
{
    rbd_enc_string(e, name);
    rbd_enc_le64(e, snap_id);
}

int rbd_cls_dec_get_snapshot_timestamp(const void *buf, size_t len,
                                       uint32_t *sec, uint32_t *nsec)
{
    struct rbd_dec d;
    uint32_t s, ns;
    int r;

    rbd_dec_init(&d, buf, len);
    s = rbd_dec_le32(&d);
    ns = rbd_dec_le32(&d);
    r = rbd_dec_status(&d);
    if (r < 0) {
        return r;
    }
    /* utime_t keeps nanoseconds below one second. */
    if (ns >= 1000000000u) {
        return -EBADMSG;
    }
    *sec = s;
    *nsec = ns;
    return 0;
}

int rbd_cls_dec_snapshot_get(const void *buf, size_t len,
                             struct rbd_snap_info *info)
{
    struct rbd_dec d, payload, ns;
    struct rbd_snap_info i;
    uint32_t name_len;
    int r;

    rbd_dec_init(&d, buf, len);
    rbd_dec_start(&d, 1, NULL, &payload);
    i.id = rbd_dec_le64(&payload);
    /* The namespace's own fields (a trashed snapshot's old name) are skipped. */
    rbd_dec_start(&payload, 1, NULL, &ns);
    i.ns_type = rbd_dec_le32(&ns);
    rbd_dec_finish(&payload, &ns);
    name_len = rbd_dec_le32(&payload);
    if (name_len > RBD_NAME_MAX) {
        return -EBADMSG;
    }
    rbd_dec_bytes(&payload, name_len);
    i.size = rbd_dec_le64(&payload);
    rbd_dec_le32(&payload);             /* timestamp: seconds */
    rbd_dec_le32(&payload);             /* and nanoseconds */
    i.child_count = rbd_dec_le32(&payload);
    rbd_dec_finish(&d, &payload);
    r = rbd_dec_status(&d);
    if (r < 0) {
        return r;
    }
    if (i.id == RBD_NOSNAP) {
        return -EBADMSG;
    }
    *info = i;
    return 0;
}

/* ---- metadata ---- */

void rbd_cls_enc_metadata_list(struct rbd_enc *e, const char *start_after,
                               uint64_t max_return)
{
    rbd_enc_string(e, start_after);
    rbd_enc_le64(e, max_return);
}

/* One pair: false when short, or a key or value is longer than allowed. */
static bool dec_meta_pair(struct rbd_dec *d, const uint8_t **key,
                          uint32_t *key_len, const uint8_t **value,
                          uint32_t *value_len)
{
    *key_len = rbd_dec_le32(d);
    *key = rbd_dec_bytes(d, *key_len);
    *value_len = rbd_dec_le32(d);
    *value = rbd_dec_bytes(d, *value_len);
    return *key && *value && *key_len <= RBD_META_KEY_MAX &&
           *value_len <= RBD_META_VALUE_MAX;
}

int rbd_cls_dec_metadata_list(const void *buf, size_t len, uint32_t *count,
                              rbd_meta_fn *fn, void *arg)
{
    const uint8_t *key, *value;
    uint32_t n, key_len, value_len;
    struct rbd_dec d;
    int r;

    /* A first pass checks it all, so that fn never sees half a reply. */
    rbd_dec_init(&d, buf, len);
    n = rbd_dec_le32(&d);
    /* Each pair takes at least its two lengths. */
    if (n > d.left / 8) {
        return -EBADMSG;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!dec_meta_pair(&d, &key, &key_len, &value, &value_len)) {
            return -EBADMSG;
        }
    }
    r = rbd_dec_status(&d);
    if (r < 0) {
        return r;
    }
    *count = n;
    rbd_dec_init(&d, buf, len);
    rbd_dec_le32(&d);
    for (uint32_t i = 0; i < n; i++) {
        dec_meta_pair(&d, &key, &key_len, &value, &value_len);
        r = fn((const char *)key, key_len, (const char *)value, value_len,
               arg);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}
