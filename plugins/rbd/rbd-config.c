/*
 * rbd-config.c: an image's rbd_* settings, with the pool's and the
 * image's overrides read from the cluster.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-block-plugin.h"
#include "rbd-cls.h"
#include "rbd-config.h"
#include "rbd-rados.h"

/* The pool's settings live in the metadata of this object. */
#define RBD_INFO "rbd_info"
/* Keys a metadata_list call returns at most. */
#define LIST_MAX 64

/* Every conf_ key of oid, at level source, into c. */
static int read_level(struct rbd_config *c, rados_ioctx_t io, const char *oid,
                      enum rbd_config_source source)
{
    /* The conf_ keys sort right after "conf_" itself. */
    char *after = strdup("conf_");
    int ret = after ? 0 : -ENOMEM;

    while (ret == 0 && after) {
        struct rbd_enc in;
        char *out = NULL;
        size_t len = 0;
        char *next = NULL;

        rbd_enc_init(&in);
        rbd_cls_enc_metadata_list(&in, after, LIST_MAX);
        ret = rbd_exec(io, oid, "rbd", "metadata_list", &in, &out, &len);
        rbd_enc_free(&in);
        if (ret == 0) {
            ret = rbd_overrides_take_reply(&c->over, out, len, LIST_MAX,
                                           source, &next);
        }
        free(out);
        free(after);
        after = next;
    }
    free(after);
    /*
     * A pool where nobody ever set anything has no rbd_info; librbd reads
     * that, and an OSD without the method, as no settings.
     */
    return ret == -ENOENT || ret == -EOPNOTSUPP ? 0 : ret;
}

int rbd_config_read(struct rbd_config *c, rados_t rados, rados_ioctx_t pool_io,
                    rados_ioctx_t image_io, const char *header_oid)
{
    int ret = 0;

    *c = (struct rbd_config){ .rados = rados };
    if (pool_io) {
        ret = read_level(c, pool_io, RBD_INFO, RBD_CONFIG_POOL);
    }
    if (ret == 0 && header_oid) {
        ret = read_level(c, image_io, header_oid, RBD_CONFIG_IMAGE);
    }
    if (ret < 0) {
        rbd_overrides_free(&c->over);
    }
    return ret;
}

void rbd_config_free(struct rbd_config *c)
{
    rbd_overrides_free(&c->over);
}

int rbd_config_get(const struct rbd_config *c, const char *key, char *buf,
                   size_t len, enum rbd_config_source *source)
{
    const struct rbd_override *o = rbd_overrides_find(&c->over, key);
    int ret;

    if (o) {
        if (strlen(o->value) >= len) {
            return -ERANGE;
        }
        strcpy(buf, o->value);
        if (source) {
            *source = o->source;
        }
        return 0;
    }
    ret = rados_conf_get(c->rados, key, buf, len);
    if (ret == 0 && source) {
        *source = RBD_CONFIG_CLIENT;
    }
    return ret == -ENAMETOOLONG ? -ERANGE : ret;
}

int rbd_config_get_valid(const struct rbd_config *c, const char *key,
                         char *buf, size_t len, bool (*valid)(const char *),
                         const char *what, const char *name)
{
    enum rbd_config_source source;
    int ret = rbd_config_get(c, key, buf, len, &source);

    if (ret == 0 && source != RBD_CONFIG_CLIENT && !valid(buf)) {
        qbp_host->log(QBP_LOG_WARNING, "rbd: %s '%s': ignoring %s setting "
                      "%s='%s', which Ceph would not take", what, name,
                      rbd_config_source_name(source), key, buf);
        ret = rados_conf_get(c->rados, key, buf, len);
    }
    return ret;
}

const char *rbd_config_source_name(enum rbd_config_source source)
{
    switch (source) {
    case RBD_CONFIG_POOL:
        return "the pool's";
    case RBD_CONFIG_IMAGE:
        return "the image's";
    case RBD_CONFIG_CLIENT:
    default:
        return "the client's configuration";
    }
}
