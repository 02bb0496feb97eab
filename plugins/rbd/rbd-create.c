/*
 * rbd-create.c: the steps of `rbd create` for a format 2 image: directory
 * entry, id object, header, striping, object map; undone in reverse on
 * failure so a failed create leaves nothing behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "rbd-config.h"
#include "rbd-create.h"

#define RBD_DIRECTORY "rbd_directory"

/* Features a create may ask for: those this plugin can then write. */
#define RBD_CREATE_FEATURES                                          \
    (RBD_FEATURE_LAYERING | RBD_FEATURE_STRIPINGV2 |                 \
     RBD_FEATURE_EXCLUSIVE_LOCK | RBD_FEATURE_OBJECT_MAP |           \
     RBD_FEATURE_FAST_DIFF | RBD_FEATURE_DEEP_FLATTEN |              \
     RBD_FEATURE_DATA_POOL)

/* Ceph's own default for rbd_default_features (`rbd create`'s features). */
#define RBD_CEPH_DEFAULT_FEATURES                                    \
    (RBD_FEATURE_LAYERING | RBD_FEATURE_EXCLUSIVE_LOCK |             \
     RBD_FEATURE_OBJECT_MAP | RBD_FEATURE_FAST_DIFF |                \
     RBD_FEATURE_DEEP_FLATTEN)

static bool valid_features(const char *s)
{
    uint64_t features;

    return rbd_features_parse(s, &features) == 0;
}

/*
 * Features not asked for are what `rbd create` would give: Ceph's
 * rbd_default_features setting (a ceph.conf or a ceph.* option may change
 * it, and the pool's `rbd config pool set` overrides that), 0x3d unless
 * set.  A pool's value Ceph would not take is ignored, as librbd ignores
 * it.
 */
static int default_features(const struct rbd_config *conf,
                            const struct rbd_image_spec *spec,
                            struct rbd_create_opts *o, struct qbp_error *err)
{
    char value[256];

    if (o->features_given) {
        return 0;
    }
    if (rbd_config_get_valid(conf, "rbd_default_features", value,
                             sizeof(value), valid_features, "pool",
                             spec->pool) < 0) {
        o->features = RBD_CEPH_DEFAULT_FEATURES;
        return 0;
    }
    if (rbd_features_parse(value, &o->features) < 0) {
        qbp_host->error_set(err, -EINVAL, "rbd: cannot create image '%s': "
                            "Ceph setting rbd_default_features '%s' is not a "
                            "list of features; give them with the features "
                            "option", spec->image, value);
        return -EINVAL;
    }
    return 0;
}

/* A random image id, lowercase hex, as librbd makes them. */
static int make_image_id(char *id, size_t len)
{
    uint8_t bytes[6];

    if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes)) {
        return -errno;
    }
    for (size_t i = 0; i < sizeof(bytes) && 2 * i + 2 < len; i++) {
        snprintf(id + 2 * i, 3, "%02x", bytes[i]);
    }
    return 0;
}

static int check_opts(const struct rbd_image_spec *spec,
                      struct rbd_create_opts *o, struct qbp_error *err)
{
    struct rbd_layout l = {
        .object_size = 1ull << o->order,
        .stripe_unit = o->stripe_unit ? o->stripe_unit : 1ull << o->order,
        .stripe_count = o->stripe_count ? o->stripe_count : 1,
    };
    char names[256];

    if (o->features & ~RBD_CREATE_FEATURES) {
        rbd_features_format(o->features & ~RBD_CREATE_FEATURES, names,
                            sizeof(names));
        qbp_host->error_set(err, -ENOTSUP, "rbd: cannot create image '%s' "
                            "with features the plugin cannot write yet: %s%s",
                            spec->image, names, o->features_given ? "" :
                            " (from Ceph's rbd_default_features; give the "
                            "features option)");
        return -ENOTSUP;
    }
    /* What librbd refuses too: each needs the one before it. */
    if ((o->features & RBD_FEATURE_OBJECT_MAP) &&
        !(o->features & RBD_FEATURE_EXCLUSIVE_LOCK)) {
        qbp_host->error_set(err, -EINVAL, "rbd: cannot create image '%s': "
                            "object-map needs exclusive-lock", spec->image);
        return -EINVAL;
    }
    if ((o->features & RBD_FEATURE_FAST_DIFF) &&
        !(o->features & RBD_FEATURE_OBJECT_MAP)) {
        qbp_host->error_set(err, -EINVAL, "rbd: cannot create image '%s': "
                            "fast-diff needs object-map", spec->image);
        return -EINVAL;
    }
    if (rbd_layout_check(&l) < 0) {
        qbp_host->error_set(err, -EINVAL, "rbd: cannot create image '%s': "
                            "object size %" PRIu64 ", stripe unit %" PRIu64
                            " and stripe count %" PRIu64 " do not fit together "
                            "(the stripe unit must divide the object size)",
                            spec->image, l.object_size, l.stripe_unit,
                            l.stripe_count);
        return -EINVAL;
    }
    o->stripe_unit = l.stripe_unit;
    o->stripe_count = l.stripe_count;
    if (l.stripe_unit != l.object_size || l.stripe_count != 1) {
        o->features |= RBD_FEATURE_STRIPINGV2;
    } else {
        o->features &= ~RBD_FEATURE_STRIPINGV2;
    }
    return 0;
}

static int lookup_data_pool(rados_t r, const struct rbd_create_opts *o,
                            int64_t *pool_id, struct qbp_error *err)
{
    *pool_id = -1;
    if (!o->data_pool) {
        return 0;
    }
    *pool_id = rados_pool_lookup(r, o->data_pool);
    if (*pool_id < 0) {
        int ret = *pool_id == -ENOENT ? -ENOENT : (int)*pool_id;
        qbp_host->error_set(err, ret, "rbd: data pool '%s' does not exist",
                            o->data_pool);
        return ret;
    }
    return 0;
}

int rbd_image_create(struct rbd_cluster *cluster,
                     const struct rbd_image_spec *spec,
                     const struct rbd_create_opts *opts, struct qbp_error *err)
{
    rados_t r = rbd_cluster_rados(cluster);
    struct rbd_create_opts o = *opts;
    rados_ioctx_t io;
    struct rbd_config conf;
    struct rbd_enc in;
    char id[16] = "";
    char id_oid[RBD_OID_MAX * 2], header_oid[RBD_OID_MAX], prefix[RBD_OID_MAX];
    char map_oid[RBD_OID_MAX];
    int64_t data_pool_id;
    const char *step;
    int ret, undo = 0;

    ret = rados_ioctx_create(r, spec->pool, &io);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: pool '%s' %s", spec->pool,
                            ret == -ENOENT ? "does not exist" : strerror(-ret));
        return ret;
    }
    /* The pool's settings are its default namespace's. */
    ret = rbd_config_read(&conf, r, io, NULL, NULL);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: pool '%s': cannot read its "
                            "settings: %s", spec->pool, strerror(-ret));
    } else if ((ret = default_features(&conf, spec, &o, err)) == 0 &&
               (ret = check_opts(spec, &o, err)) == 0) {
        ret = lookup_data_pool(r, &o, &data_pool_id, err);
    }
    rbd_config_free(&conf);
    if (ret < 0) {
        rados_ioctx_destroy(io);
        return ret;
    }
    rados_ioctx_set_namespace(io, spec->pool_namespace);
    /* A data pool that is the image's own pool is no data pool, as in rbd. */
    if (data_pool_id == rados_ioctx_get_id(io)) {
        data_pool_id = -1;
    }
    if ((ret = make_image_id(id, sizeof(id))) < 0) {
        step = "making an id";
        goto fail;
    }
    if (data_pool_id >= 0) {
        o.features |= RBD_FEATURE_DATA_POOL;
        snprintf(prefix, sizeof(prefix), "rbd_data.%" PRId64 ".%s",
                 rados_ioctx_get_id(io), id);
    } else {
        snprintf(prefix, sizeof(prefix), "rbd_data.%s", id);
    }
    snprintf(id_oid, sizeof(id_oid), "rbd_id.%s", spec->image);
    snprintf(header_oid, sizeof(header_oid), "rbd_header.%s", id);
    snprintf(map_oid, sizeof(map_oid), "rbd_object_map.%s", id);

    step = "adding it to the pool's directory";
    rbd_enc_init(&in);
    rbd_cls_enc_dir_add_image(&in, spec->image, id);
    ret = rbd_exec_write(io, RBD_DIRECTORY, "rbd", "dir_add_image", &in,
                         false);
    rbd_enc_free(&in);
    if (ret == -EEXIST) {
        qbp_host->error_set(err, ret, "rbd: image '%s' already exists in "
                            "pool '%s'", spec->image, spec->pool);
        goto out;
    }
    if (ret < 0) {
        goto fail;
    }
    undo = 1;

    step = "writing its id object";
    rbd_enc_init(&in);
    rbd_cls_enc_set_id(&in, id);
    ret = rbd_exec_write(io, id_oid, "rbd", "set_id", &in, true);
    rbd_enc_free(&in);
    if (ret < 0) {
        goto fail;
    }
    undo = 2;

    step = "writing its header";
    rbd_enc_init(&in);
    rbd_cls_enc_create(&in, o.size, o.order, o.features, prefix,
                       data_pool_id);
    ret = rbd_exec_write(io, header_oid, "rbd", "create", &in, true);
    rbd_enc_free(&in);
    if (ret < 0) {
        goto fail;
    }
    undo = 3;

    if (o.features & RBD_FEATURE_STRIPINGV2) {
        step = "setting its striping";
        rbd_enc_init(&in);
        rbd_cls_enc_set_stripe_unit_count(&in, o.stripe_unit, o.stripe_count);
        ret = rbd_exec_write(io, header_oid, "rbd", "set_stripe_unit_count",
                             &in, false);
        rbd_enc_free(&in);
        if (ret < 0) {
            goto fail;
        }
    }

    if (o.features & RBD_FEATURE_OBJECT_MAP) {
        struct rbd_layout l = { .object_size = 1ull << o.order,
                                .stripe_unit = o.stripe_unit,
                                .stripe_count = o.stripe_count };

        step = "creating its object map";
        rbd_enc_init(&in);
        rbd_cls_enc_object_map_resize(&in, rbd_layout_object_count(&l, o.size),
                                      0);
        ret = rbd_exec_write(io, map_oid, "rbd", "object_map_resize", &in,
                             false);
        rbd_enc_free(&in);
        if (ret < 0) {
            goto fail;
        }
    }
    goto out;

fail:
    qbp_host->error_set(err, ret, "rbd: creating image '%s' in pool '%s' "
                        "failed while %s: %s", spec->image, spec->pool, step,
                        strerror(-ret));
    if (undo >= 3) {
        rados_remove(io, map_oid);      /* -ENOENT if not made yet */
        rados_remove(io, header_oid);
    }
    if (undo >= 2) {
        rados_remove(io, id_oid);
    }
    if (undo >= 1) {
        rbd_enc_init(&in);
        rbd_cls_enc_dir_add_image(&in, spec->image, id);
        rbd_exec_write(io, RBD_DIRECTORY, "rbd", "dir_remove_image", &in,
                       false);
        rbd_enc_free(&in);
    }
out:
    rados_ioctx_destroy(io);
    return ret;
}
