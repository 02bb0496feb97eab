/*
 * rbd-image.c: an RBD format 2 image's state, loaded the way the kernel
 * client does it (rbd_id -> header methods -> layout, data pool, snap
 * context, parent chain), refusing what this plugin does not implement,
 * and read again on a refresh.  What runs on top of it (watch, lock,
 * object map, queues) is put together in rbd-open.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-config.h"
#include "rbd-image.h"

/* The rbd_id.<name> object holds one short string. */
#define RBD_ID_OBJECT_MAX 4096

void rbd_image_notify_update(struct rbd_image *img)
{
    char *reply = NULL;
    size_t reply_len = 0;
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_notify_encode(&e, RBD_NOTIFY_HEADER_UPDATE, NULL, false);
    /* Best effort: a watcher that misses it re-reads on its own later. */
    rbd_notify(img->meta, img->header_oid, &e, 5000, &reply, &reply_len);
    rbd_enc_free(&e);
    if (reply) {
        rados_buffer_free(reply);
    }
}

/* Call a method of the image's header; the reply goes to *out. */
static int header_call(struct rbd_image *img, const char *method,
                       const struct rbd_enc *in, char **out, size_t *len)
{
    int ret = in ? rbd_enc_status(in) : 0;

    return ret < 0 ? ret : rbd_exec(img->meta, img->header_oid, "rbd", method,
                                    in, out, len);
}

int rbd_image_call_at(struct rbd_image *img, const char *method,
                      uint64_t snap_id, char **out, size_t *len)
{
    struct rbd_enc in;
    int ret;

    rbd_enc_init(&in);
    rbd_cls_enc_snap_id(&in, snap_id);
    ret = header_call(img, method, &in, out, len);
    rbd_enc_free(&in);
    return ret;
}

int rbd_image_get_flags(struct rbd_image *img, uint64_t snap_id,
                        uint64_t *flags)
{
    char *out;
    size_t len;
    int ret = rbd_image_call_at(img, "get_flags", snap_id, &out, &len);

    if (ret == 0) {
        ret = rbd_cls_dec_get_flags(out, len, flags);
        free(out);
    }
    return ret;
}

/* Set err, naming the image and the method, when ret is an error. */
static int header_result(struct rbd_image *img, struct qbp_error *err,
                         const char *method, int ret)
{
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': reading its header "
                            "(%s) failed: %s", img->name, method,
                            strerror(-ret));
    }
    return ret;
}

static char *format_name(const struct rbd_image_spec *s)
{
    const char *ns = s->pool_namespace && *s->pool_namespace
                     ? s->pool_namespace : NULL;
    size_t len = strlen(s->pool) + strlen(s->image) + 4 +
                 (ns ? strlen(ns) : 0) + (s->snapshot ? strlen(s->snapshot) : 0);
    char *name = malloc(len);

    if (name) {
        snprintf(name, len, "%s/%s%s%s%s%s", s->pool, ns ? ns : "",
                 ns ? "/" : "", s->image, s->snapshot ? "@" : "",
                 s->snapshot ? s->snapshot : "");
    }
    return name;
}

static int open_pool(struct rbd_image *img, const struct rbd_image_spec *s,
                     struct qbp_error *err)
{
    rados_t r = rbd_cluster_rados(img->cluster);
    int ret = rados_ioctx_create(r, s->pool, &img->meta);

    if (ret < 0) {
        img->meta = NULL;
        qbp_host->error_set(err, ret, "rbd: pool '%s' %s", s->pool,
                            ret == -ENOENT ? "does not exist"
                                           : strerror(-ret));
        return ret;
    }
    rados_ioctx_set_namespace(img->meta, s->pool_namespace);
    img->pool_namespace = strdup(s->pool_namespace ? s->pool_namespace : "");
    img->data = img->meta;
    return img->pool_namespace ? 0 : -ENOMEM;
}

static int read_image_id(struct rbd_image *img,
                         const struct rbd_image_spec *s,
                         struct qbp_error *err)
{
    char *oid = malloc(strlen(s->image) + sizeof("rbd_id."));
    char buf[RBD_ID_OBJECT_MAX];
    int ret;

    if (!oid) {
        return -ENOMEM;
    }
    sprintf(oid, "rbd_id.%s", s->image);
    ret = rados_read(img->meta, oid, buf, sizeof(buf), 0);
    if (ret == -ENOENT) {
        qbp_host->error_set(err, ret, "rbd: image '%s' not found in pool "
                            "'%s'%s%s%s", s->image, s->pool,
                            s->pool_namespace && *s->pool_namespace
                            ? " (namespace '" : "",
                            s->pool_namespace ? s->pool_namespace : "",
                            s->pool_namespace && *s->pool_namespace
                            ? "')" : "");
        free(oid);
        return ret;
    }
    if (ret >= 0) {
        ret = rbd_cls_dec_get_id(buf, ret, &img->id);
    }
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': cannot read its id "
                            "(%s): %s", img->name, oid, strerror(-ret));
        free(oid);
        return ret;
    }
    free(oid);
    img->header_oid = malloc(strlen(img->id) + sizeof("rbd_header."));
    if (!img->header_oid) {
        return -ENOMEM;
    }
    sprintf(img->header_oid, "rbd_header.%s", img->id);
    return 0;
}

/* The snapshot's id, by name, among those in the snap context. */
static int find_snapshot(struct rbd_image *img, const char *snapshot,
                         struct qbp_error *err)
{
    for (uint32_t i = 0; i < img->snapc.n; i++) {
        char *name = NULL;
        char *out;
        size_t len;
        int ret;

        ret = rbd_image_call_at(img, "get_snapshot_name", img->snapc.snaps[i],
                                &out, &len);
        if (ret == 0) {
            ret = rbd_cls_dec_get_snapshot_name(out, len, &name);
            free(out);
        }
        if (header_result(img, err, "get_snapshot_name", ret) < 0) {
            return ret;
        }
        ret = strcmp(name, snapshot);
        free(name);
        if (ret == 0) {
            img->snap_id = img->snapc.snaps[i];
            return 0;
        }
    }
    qbp_host->error_set(err, -ENOENT, "rbd: snapshot '%s' of image '%s' "
                        "not found", snapshot, img->name);
    return -ENOENT;
}

static int check_features(struct rbd_image *img, uint64_t incompatible,
                          struct qbp_error *err)
{
    uint64_t allowed = img->read_only ? RBD_PLUGIN_READ_FEATURES
                                      : RBD_PLUGIN_WRITE_FEATURES;
    uint64_t missing = incompatible & ~allowed;
    char names[512];

    if (!missing) {
        return 0;
    }
    rbd_features_format(missing, names, sizeof(names));
    if (img->read_only) {
        qbp_host->error_set(err, -ENXIO, "image '%s' uses features the rbd "
                            "plugin cannot read: %s", img->name, names);
    } else {
        qbp_host->error_set(err, -ENXIO, "image '%s' uses features the rbd "
                            "plugin cannot write yet: %s; open it read-only "
                            "or run `rbd feature disable`", img->name, names);
    }
    return -ENXIO;
}

static int read_layout(struct rbd_image *img, struct qbp_error *err)
{
    uint64_t unit = 0, count = 0;
    char *out;
    size_t len;
    int ret;

    if (img->features & RBD_FEATURE_STRIPINGV2) {
        ret = header_call(img, "get_stripe_unit_count", NULL, &out, &len);
        if (ret == 0) {
            ret = rbd_cls_dec_get_stripe_unit_count(out, len, &unit, &count);
            free(out);
        }
        if (header_result(img, err, "get_stripe_unit_count", ret) < 0) {
            return ret;
        }
    }
    /* As librbd: a unit or count of 0 means the default layout. */
    ret = rbd_layout_init(&img->layout, img->order, unit, count);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s' has an impossible "
                            "layout: object size %" PRIu64 ", stripe unit %"
                            PRIu64 ", stripe count %" PRIu64, img->name,
                            img->layout.object_size, img->layout.stripe_unit,
                            img->layout.stripe_count);
    }
    return ret;
}

static int open_data_pool(struct rbd_image *img, struct qbp_error *err)
{
    int64_t pool_id = -1;
    char *out;
    size_t len;
    int ret;

    if (!(img->features & RBD_FEATURE_DATA_POOL)) {
        return 0;
    }
    ret = header_call(img, "get_data_pool", NULL, &out, &len);
    if (ret == 0) {
        ret = rbd_cls_dec_get_data_pool(out, len, &pool_id);
        free(out);
    }
    if (header_result(img, err, "get_data_pool", ret) < 0 || pool_id < 0) {
        return ret;
    }
    ret = rados_ioctx_create2(rbd_cluster_rados(img->cluster), pool_id,
                              &img->data);
    if (ret < 0) {
        img->data = img->meta;
        qbp_host->error_set(err, ret, "rbd: image '%s': cannot open its "
                            "data pool (id %" PRId64 "): %s", img->name,
                            pool_id, strerror(-ret));
        return ret;
    }
    rados_ioctx_set_namespace(img->data, img->pool_namespace);
    return 0;
}

/* Chains deeper than this are refused rather than followed forever. */
#define RBD_MAX_CLONE_DEPTH 16

static struct rbd_image *open_parent(struct rbd_image *child,
                                     const struct rbd_parent *p, int depth,
                                     struct qbp_error *err);

static int read_overlap(struct rbd_image *img, bool *has, uint64_t *overlap,
                        struct qbp_error *err)
{
    char *out;
    size_t len;
    int ret = rbd_image_call_at(img, "parent_overlap_get", img->snap_id,
                                &out, &len);

    if (ret == 0) {
        ret = rbd_cls_dec_parent_overlap_get(out, len, has, overlap);
        free(out);
    }
    return header_result(img, err, "parent_overlap_get", ret);
}

/*
 * A clone reads through to the parent snapshot within the overlap, and
 * copies objects up from it before writing to them (rbd-copyup.c).
 */
static int load_parent(struct rbd_image *img, int depth,
                       struct qbp_error *err)
{
    struct rbd_parent parent = { .pool_id = -1 };
    bool has_overlap = false;
    char *out;
    size_t len;
    int ret;

    if (!(img->features & RBD_FEATURE_LAYERING)) {
        return 0;
    }
    ret = header_call(img, "parent_get", NULL, &out, &len);
    if (ret == 0) {
        ret = rbd_cls_dec_parent_get(out, len, &parent);
        free(out);
    }
    if (header_result(img, err, "parent_get", ret) < 0 || parent.pool_id < 0) {
        rbd_parent_free(&parent);
        return ret;
    }
    /* A flattened image may still name its parent for older snapshots. */
    ret = read_overlap(img, &has_overlap, &img->parent_overlap, err);
    if (ret < 0 || !has_overlap || img->parent_overlap == 0) {
        img->parent_overlap = 0;
    } else if (depth >= RBD_MAX_CLONE_DEPTH) {
        ret = -ELOOP;
        qbp_host->error_set(err, ret, "image '%s': its chain of parents is "
                            "deeper than %d", img->name, RBD_MAX_CLONE_DEPTH);
    } else {
        img->parent = open_parent(img, &parent, depth + 1, err);
        ret = img->parent ? 0 : -EIO;
    }
    rbd_parent_free(&parent);
    return ret;
}

static int read_snapc(struct rbd_image *img, struct rbd_snapc *snapc,
                      struct qbp_error *err)
{
    char *out;
    size_t len;
    int ret = header_call(img, "get_snapcontext", NULL, &out, &len);

    if (ret == 0) {
        ret = rbd_cls_dec_get_snapcontext(out, len, snapc);
        free(out);
    }
    return header_result(img, err, "get_snapcontext", ret);
}

static int read_size(struct rbd_image *img, uint8_t *order, uint64_t *size,
                     struct qbp_error *err)
{
    char *out;
    size_t len;
    int ret = rbd_image_call_at(img, "get_size", img->snap_id, &out,
                                &len);

    if (ret == 0) {
        ret = rbd_cls_dec_get_size(out, len, order, size);
        free(out);
    }
    return header_result(img, err, "get_size", ret);
}

static int apply_snapc(struct rbd_image *img)
{
    if (img->read_only) {
        return 0;
    }
    return rados_ioctx_selfmanaged_snap_set_write_ctx(
        img->data, img->snapc.seq, (rados_snap_t *)img->snapc.snaps,
        (int)img->snapc.n);
}

static int read_header(struct rbd_image *img, const struct rbd_image_spec *s,
                       int depth, struct qbp_error *err)
{
    struct rbd_enc in;
    uint64_t incompatible = 0;
    char *out;
    size_t len;
    int ret;

    ret = read_snapc(img, &img->snapc, err);
    if (ret < 0) {
        return ret;
    }
    if (s && s->snapshot && (ret = find_snapshot(img, s->snapshot, err)) < 0) {
        return ret;
    }
    if ((ret = read_size(img, &img->order, &img->size, err)) < 0) {
        return ret;
    }
    ret = header_call(img, "get_object_prefix", NULL, &out, &len);
    if (ret == 0) {
        ret = rbd_cls_dec_get_object_prefix(out, len, &img->object_prefix);
        free(out);
    }
    if (header_result(img, err, "get_object_prefix", ret) < 0) {
        return ret;
    }
    if (strlen(img->object_prefix) + sizeof(".0123456789abcdef") > RBD_OID_MAX) {
        qbp_host->error_set(err, -EBADMSG, "rbd: image '%s' has an object "
                            "prefix of %zu bytes, which is not plausible",
                            img->name, strlen(img->object_prefix));
        return -EBADMSG;
    }
    rbd_enc_init(&in);
    rbd_cls_enc_get_features(&in, img->snap_id, img->read_only);
    ret = header_call(img, "get_features", &in, &out, &len);
    rbd_enc_free(&in);
    if (ret == 0) {
        ret = rbd_cls_dec_get_features(out, len, &img->features,
                                       &incompatible);
        free(out);
    }
    if (header_result(img, err, "get_features", ret) < 0 ||
        (ret = check_features(img, incompatible, err)) < 0 ||
        (ret = read_layout(img, err)) < 0 ||
        (ret = open_data_pool(img, err)) < 0 ||
        (ret = load_parent(img, depth, err)) < 0) {
        return ret;
    }
    if (img->snap_id != RBD_NOSNAP) {
        rados_ioctx_snap_set_read(img->data, img->snap_id);
    }
    ret = apply_snapc(img);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': cannot apply its "
                            "snapshot context: %s", img->name, strerror(-ret));
    }
    return ret;
}

/* The parent, by pool id, namespace, image id and snapshot id. */
static struct rbd_image *open_parent(struct rbd_image *child,
                                     const struct rbd_parent *p, int depth,
                                     struct qbp_error *err)
{
    struct rbd_image *img = calloc(1, sizeof(*img));
    size_t name_len;
    int ret;

    if (!img) {
        qbp_host->error_set(err, -ENOMEM, "rbd: out of memory");
        return NULL;
    }
    img->cluster = child->cluster;
    img->read_only = true;
    img->snap_id = p->snap_id;
    pthread_mutex_init(&img->lock, NULL);
    pthread_mutex_init(&img->refresh_mu, NULL);
    name_len = strlen(child->name) + strlen(p->image_id) + 32;
    img->name = malloc(name_len);
    img->id = strdup(p->image_id);
    img->pool_namespace = strdup(p->pool_namespace ? p->pool_namespace : "");
    img->header_oid = malloc(strlen(p->image_id) + sizeof("rbd_header."));
    if (!img->name || !img->id || !img->pool_namespace || !img->header_oid) {
        qbp_host->error_set(err, -ENOMEM, "rbd: out of memory");
        rbd_image_unload(img);
        return NULL;
    }
    snprintf(img->name, name_len, "parent %s of %s", p->image_id,
             child->name);
    sprintf(img->header_oid, "rbd_header.%s", p->image_id);
    ret = rados_ioctx_create2(rbd_cluster_rados(img->cluster), p->pool_id,
                              &img->meta);
    if (ret < 0) {
        img->meta = NULL;
        qbp_host->error_set(err, ret, "rbd: image '%s': cannot open the pool "
                            "(id %" PRId64 ") of its parent: %s", child->name,
                            p->pool_id, strerror(-ret));
    } else {
        rados_ioctx_set_namespace(img->meta, img->pool_namespace);
        img->data = img->meta;
        ret = read_header(img, NULL, depth, err);
    }
    if (ret < 0) {
        rbd_image_unload(img);
        return NULL;
    }
    return img;
}

/* An ioctx on the same pool and namespace as io, with no snap context. */
static int open_nosnap(struct rbd_image *img, rados_ioctx_t io,
                       rados_ioctx_t *out)
{
    int ret = rados_ioctx_create2(rbd_cluster_rados(img->cluster),
                                  rados_ioctx_get_id(io), out);

    if (ret < 0) {
        *out = NULL;
        return ret;
    }
    rados_ioctx_set_namespace(*out, img->pool_namespace);
    return 0;
}

/*
 * The image's rbd_* settings: the pool's and its own overrides on the
 * client's configuration (rbd-config.h).  The pool's settings are those of
 * its default namespace, which `rbd config pool set` writes.
 */
static int read_config(struct rbd_image *img, struct rbd_config *conf)
{
    rados_t r = rbd_cluster_rados(img->cluster);
    rados_ioctx_t pool;
    int ret;

    ret = rados_ioctx_create2(r, rados_ioctx_get_id(img->meta), &pool);
    if (ret < 0) {
        *conf = (struct rbd_config){ .rados = r };
        return ret;
    }
    ret = rbd_config_read(conf, r, pool, img->meta, img->header_oid);
    rados_ioctx_destroy(pool);
    return ret;
}

/* key's value into buf, checked by valid (rbd_config_get_valid). */
static bool config_value(struct rbd_image *img, const struct rbd_config *conf,
                         const char *key, char *buf, size_t len,
                         bool (*valid)(const char *))
{
    return rbd_config_get_valid(conf, key, buf, len, valid, "image",
                                img->name) == 0;
}

static bool valid_enable(const char *s)
{
    struct rbd_alloc_hint h;

    return rbd_alloc_hint_parse(s, NULL, 1, &h) == 0;
}

static bool valid_compression(const char *s)
{
    struct rbd_alloc_hint h;

    return rbd_alloc_hint_parse(NULL, s, 1, &h) == 0;
}

/* The allocation hint for writes, from the settings as librbd reads it. */
static int config_alloc_hint(struct rbd_image *img,
                             const struct rbd_config *conf,
                             struct rbd_alloc_hint *hint,
                             struct qbp_error *err)
{
    char enable[16];
    char compression[32];
    bool have_enable;
    bool have_compression;

    have_enable = config_value(img, conf, "rbd_enable_alloc_hint", enable,
                               sizeof(enable), valid_enable);
    have_compression = config_value(img, conf, "rbd_compression_hint",
                                    compression, sizeof(compression),
                                    valid_compression);
    if (rbd_alloc_hint_parse(have_enable ? enable : NULL,
                             have_compression ? compression : NULL,
                             img->layout.object_size, hint) < 0) {
        qbp_host->error_set(err, -EINVAL, "rbd: image '%s': Ceph setting "
                            "rbd_enable_alloc_hint is not true or false, or "
                            "rbd_compression_hint not none, compressible or "
                            "incompressible", img->name);
        return -EINVAL;
    }
    return 0;
}

static bool valid_u64(const char *s)
{
    uint64_t v;

    return rbd_conf_parse_u64(s, &v) == 0;
}

/* An unsigned setting, or dflt when it is not set or not a number. */
static uint64_t config_u64(struct rbd_image *img, const struct rbd_config *conf,
                           const char *key, uint64_t dflt)
{
    char buf[32];
    uint64_t v;

    if (!config_value(img, conf, key, buf, sizeof(buf), valid_u64) ||
        rbd_conf_parse_u64(buf, &v) < 0) {
        return dflt;
    }
    return v;
}

/* The rbd_qos_* settings, as librbd reads them (rbd-qos.h). */
static void config_qos(struct rbd_image *img, const struct rbd_config *conf,
                       struct rbd_qos_limits *l)
{
    for (int i = 0; i < RBD_QOS_N; i++) {
        const char *name = rbd_qos_limit_name((enum rbd_qos_kind)i);
        /* "rbd_qos_iops_limit" -> "rbd_qos_iops_burst[_seconds]" */
        size_t stem = strlen(name) - strlen("limit");
        char key[64];

        l->limit[i] = config_u64(img, conf, name, 0);
        snprintf(key, sizeof(key), "%.*sburst", (int)stem, name);
        l->burst[i] = config_u64(img, conf, key, 0);
        snprintf(key, sizeof(key), "%.*sburst_seconds", (int)stem, name);
        l->burst_seconds[i] = config_u64(img, conf, key, 1);
    }
    l->tick_min_ms = (uint32_t)config_u64(img, conf,
                                          "rbd_qos_schedule_tick_min", 50);
}

static int apply_qos(struct rbd_image *img, const struct rbd_config *conf)
{
    struct rbd_qos_limits limits;
    int ret;

    config_qos(img, conf, &limits);
    ret = rbd_qos_set(img->qos, &limits);
    if (ret < 0) {
        qbp_host->log(QBP_LOG_ERROR, "rbd: image '%s': cannot start the "
                      "thread of its rbd_qos_* limits, which are off: %s",
                      img->name, strerror(-ret));
    }
    return ret;
}

/* The settings at open: the QoS limits, and for writes the hint. */
static int load_settings(struct rbd_image *img, struct qbp_error *err)
{
    struct rbd_config conf;
    int ret;

    img->qos = rbd_qos_new();
    if (!img->qos) {
        qbp_host->error_set(err, -ENOMEM, "rbd: out of memory");
        return -ENOMEM;
    }
    ret = read_config(img, &conf);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': cannot read the "
                            "pool's and the image's settings: %s", img->name,
                            strerror(-ret));
    } else if (!img->read_only) {
        ret = config_alloc_hint(img, &conf, &img->alloc_hint, err);
    }
    if (ret == 0) {
        apply_qos(img, &conf);
    }
    rbd_config_free(&conf);
    return ret;
}

/*
 * The settings again: someone may have changed an override since (`rbd
 * config image set` notifies the header's watchers).  A failure keeps
 * what was read before.
 */
static void refresh_config(struct rbd_image *img)
{
    struct rbd_alloc_hint hint;
    struct rbd_config conf;

    if (read_config(img, &conf) < 0) {
        return;
    }
    if (!img->read_only && config_alloc_hint(img, &conf, &hint, NULL) == 0) {
        pthread_mutex_lock(&img->lock);
        img->alloc_hint = hint;
        pthread_mutex_unlock(&img->lock);
    }
    apply_qos(img, &conf);
    rbd_config_free(&conf);
}

/*
 * The settings (QoS, and for writes the allocation hint), then what
 * writes need besides: the pools again without a snap context.
 */
static int load_open_state(struct rbd_image *img,
                           const struct rbd_image_spec *spec,
                           struct qbp_error *err)
{
    int ret;

    ret = load_settings(img, err);
    if (ret < 0 || img->read_only) {
        return ret;
    }
    if (spec->exclusive && !(img->features & RBD_FEATURE_EXCLUSIVE_LOCK)) {
        qbp_host->error_set(err, -EINVAL, "rbd: image '%s' has no "
                            "exclusive-lock feature for the exclusive "
                            "option to hold", img->name);
        return -EINVAL;
    }
    ret = open_nosnap(img, img->meta, &img->ctl);
    if (ret == 0) {
        img->data_nosnap = img->ctl;
        if (img->data != img->meta) {
            ret = open_nosnap(img, img->data, &img->data_nosnap);
        }
    }
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: image '%s': cannot open its "
                            "pool again: %s", img->name, strerror(-ret));
    }
    return ret;
}

struct rbd_image *rbd_image_load(struct rbd_cluster *cluster,
                                 const struct rbd_image_spec *spec,
                                 bool read_only, struct qbp_error *err)
{
    struct rbd_image *img = calloc(1, sizeof(*img));
    int ret;

    if (!img || !(img->name = format_name(spec))) {
        free(img);
        qbp_host->error_set(err, -ENOMEM, "rbd: out of memory");
        return NULL;
    }
    img->cluster = cluster;
    img->read_only = read_only;
    img->snap_id = RBD_NOSNAP;
    pthread_mutex_init(&img->lock, NULL);
    pthread_mutex_init(&img->refresh_mu, NULL);
    if (spec->snapshot && !read_only) {
        qbp_host->error_set(err, -EROFS, "rbd: snapshot '%s' can only be "
                            "opened read-only", img->name);
        ret = -EROFS;
    } else if ((ret = open_pool(img, spec, err)) == 0 &&
               (ret = read_image_id(img, spec, err)) == 0 &&
               (ret = read_header(img, spec, 0, err)) == 0) {
        ret = load_open_state(img, spec, err);
    }
    if (ret < 0) {
        rbd_image_unload(img);
        return NULL;
    }
    return img;
}

void rbd_image_unload(struct rbd_image *img)
{
    if (img->data_nosnap && img->data_nosnap != img->ctl) {
        rados_aio_flush(img->data_nosnap);
        rados_ioctx_destroy(img->data_nosnap);
    }
    if (img->ctl) {
        /* Object map invalidations are sent without waiting for them. */
        rados_aio_flush(img->ctl);
        rados_ioctx_destroy(img->ctl);
    }
    if (img->data && img->data != img->meta) {
        rados_ioctx_destroy(img->data);
    }
    if (img->meta) {
        rados_ioctx_destroy(img->meta);
    }
    if (img->parent) {
        rbd_image_unload(img->parent);
    }
    rbd_qos_free(img->qos);
    rbd_snapc_free(&img->snapc);
    pthread_mutex_destroy(&img->refresh_mu);
    pthread_mutex_destroy(&img->lock);
    free(img->pool_namespace);
    free(img->object_prefix);
    free(img->header_oid);
    free(img->id);
    free(img->name);
    free(img);
}

uint64_t rbd_image_overlap(struct rbd_image *img)
{
    uint64_t overlap;

    pthread_mutex_lock(&img->lock);
    overlap = img->parent ? img->parent_overlap : 0;
    pthread_mutex_unlock(&img->lock);
    return overlap;
}

int rbd_image_snapc_copy(struct rbd_image *img, struct rbd_snapc *out)
{
    int ret = 0;

    pthread_mutex_lock(&img->lock);
    *out = img->snapc;
    out->snaps = NULL;
    if (out->n) {
        out->snaps = malloc(out->n * sizeof(out->snaps[0]));
        if (out->snaps) {
            memcpy(out->snaps, img->snapc.snaps,
                   out->n * sizeof(out->snaps[0]));
        } else {
            out->n = 0;
            ret = -ENOMEM;
        }
    }
    pthread_mutex_unlock(&img->lock);
    return ret;
}

bool rbd_image_has_snapshots(struct rbd_image *img)
{
    bool snaps;

    pthread_mutex_lock(&img->lock);
    snaps = img->snapc.n > 0;
    pthread_mutex_unlock(&img->lock);
    return snaps;
}

void rbd_image_client_id(struct rbd_image *img, struct rbd_client_id *id)
{
    id->gid = rados_get_instance_id(rbd_cluster_rados(img->cluster));
    pthread_mutex_lock(&img->lock);
    id->handle = img->watch_handle;
    pthread_mutex_unlock(&img->lock);
}

struct rbd_alloc_hint rbd_image_alloc_hint(struct rbd_image *img)
{
    struct rbd_alloc_hint hint;

    pthread_mutex_lock(&img->lock);
    hint = img->alloc_hint;
    pthread_mutex_unlock(&img->lock);
    return hint;
}

uint64_t rbd_image_size(struct rbd_image *img)
{
    uint64_t size;

    pthread_mutex_lock(&img->lock);
    size = img->size;
    pthread_mutex_unlock(&img->lock);
    return size;
}

/*
 * A resize by another client shrinks the overlap, a flatten ends it: from
 * then on nothing more is read from or copied up from the parent (which
 * stays open, as requests in flight may still use it).
 */
static int refresh_overlap(struct rbd_image *img)
{
    struct rbd_parent parent = { .pool_id = -1 };
    uint64_t overlap = 0;
    bool has = false;
    char *out;
    size_t len;
    int ret;

    if (!img->parent) {
        return 0;
    }
    ret = header_call(img, "parent_get", NULL, &out, &len);
    if (ret == 0) {
        ret = rbd_cls_dec_parent_get(out, len, &parent);
        free(out);
    }
    if (ret == 0 && parent.pool_id >= 0) {
        ret = read_overlap(img, &has, &overlap, NULL);
    }
    rbd_parent_free(&parent);
    if (ret < 0) {
        return ret;
    }
    pthread_mutex_lock(&img->lock);
    if (!has || overlap < img->parent_overlap) {
        /* It only ever shrinks: growing the image does not grow it. */
        img->parent_overlap = has ? overlap : 0;
    }
    pthread_mutex_unlock(&img->lock);
    return 0;
}

/*
 * Under refresh_mu from reading to installing: the refresher's thread, the
 * lock's and the host's blocking calls all refresh, and a slower read of
 * an older header must not be installed over a newer one.
 */
int rbd_image_refresh(struct rbd_image *img)
{
    struct rbd_snapc snapc = { 0 };
    uint64_t size;
    uint8_t order;
    int ret;

    pthread_mutex_lock(&img->refresh_mu);
    ret = read_size(img, &order, &size, NULL);
    if (ret == 0) {
        ret = read_snapc(img, &snapc, NULL);
    }
    if (ret == 0) {
        ret = refresh_overlap(img);
    }
    if (ret == 0 && img->order != order) {
        /* An image's object size never changes: do not trust this header. */
        ret = -EBADMSG;
    }
    if (ret < 0) {
        rbd_snapc_free(&snapc);
        pthread_mutex_unlock(&img->refresh_mu);
        return ret;
    }
    refresh_config(img);
    pthread_mutex_lock(&img->lock);
    img->size = size;
    rbd_snapc_free(&img->snapc);
    img->snapc = snapc;
    ret = apply_snapc(img);
    pthread_mutex_unlock(&img->lock);
    pthread_mutex_unlock(&img->refresh_mu);
    return ret;
}

int rbd_image_set_size(struct rbd_image *img, uint64_t size)
{
    struct rbd_enc in;
    int ret;

    rbd_enc_init(&in);
    rbd_cls_enc_set_size(&in, size);
    /* ctl: the header must not be cloned under the snapshots. */
    ret = rbd_exec_write(img->ctl, img->header_oid, "rbd", "set_size", &in,
                         false);
    rbd_enc_free(&in);
    if (ret == 0) {
        rbd_image_notify_update(img);
        ret = rbd_image_refresh(img);
    }
    return ret;
}

bool rbd_image_blocklisted(struct rbd_image *img, int ret)
{
    if (ret != -ESHUTDOWN) {
        return false;
    }
    /*
     * For good: the blocklist names this connection.  librbd fails all
     * I/O the same way; only a new connection gets back in (a new QEMU,
     * or the disk's own with recover-session=auto).
     */
    if (!atomic_exchange(&img->blocklisted, true)) {
        qbp_host->log(QBP_LOG_ERROR, "rbd: image '%s': this client has been "
                      "blocklisted by the Ceph cluster (another client broke "
                      "its lock, or took it for dead); its I/O fails from now "
                      "on%s", img->name, img->on_blocklisted ?
                      ", until a new session is up (recover-session=auto)" :
                      "");
        if (img->on_blocklisted) {
            img->on_blocklisted(img->on_blocklisted_arg);
        }
    }
    return true;
}

void rbd_image_object_name(const struct rbd_image *img, uint64_t objno,
                           char *buf)
{
    /* Once or twice per request: by hand, snprintf showed in profiles. */
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(img->object_prefix);   /* fits: checked at open */

    memcpy(buf, img->object_prefix, n);
    buf[n] = '.';
    for (int i = 16; i > 0; i--) {
        buf[n + i] = hex[objno & 0xf];
        objno >>= 4;
    }
    buf[n + 17] = '\0';
}
