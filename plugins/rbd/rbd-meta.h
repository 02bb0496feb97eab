/*
 * rbd-meta.h: the conf_ settings among an image's or a pool's metadata
 * (`rbd config image set`, `rbd config pool set`: metadata key
 * "conf_rbd_..." with the value as text), collected from metadata_list
 * replies.  Pure: rbd-config.c reads the replies and resolves settings.
 */
#ifndef RBD_META_H
#define RBD_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The level a setting comes from, lowest first. */
enum rbd_config_source {
    RBD_CONFIG_CLIENT,      /* the client's own configuration */
    RBD_CONFIG_POOL,
    RBD_CONFIG_IMAGE,
};

struct rbd_override {
    char *key;              /* "rbd_...", without "conf_" */
    char *value;
    enum rbd_config_source source;
};

struct rbd_overrides {
    size_t n;
    struct rbd_override *v;
};

/*
 * Takes the conf_rbd_* pairs of one metadata_list reply (listed with
 * max_return) at level source, replacing a lower level's value of the same
 * key; conf_ keys not starting "rbd_" and values with a NUL byte are
 * skipped, as librbd skips them.  *next is the key to list after next
 * time (malloc'd), or NULL when the conf_ keys are over.  0, -EBADMSG for
 * a malformed reply (o untouched), or -ENOMEM (o may hold some of the
 * reply's pairs: the caller drops it).
 */
int rbd_overrides_take_reply(struct rbd_overrides *o, const void *reply,
                             size_t len, uint64_t max_return,
                             enum rbd_config_source source, char **next);
/* The entry for key, or NULL. */
const struct rbd_override *rbd_overrides_find(const struct rbd_overrides *o,
                                              const char *key);
void rbd_overrides_free(struct rbd_overrides *o);

/*
 * A boolean setting's text as Ceph takes it (Option::parse_value): "true"
 * or "false" in any case, or a decimal integer (nonzero is true).  0, or
 * -EINVAL with *out unchanged.
 */
int rbd_conf_parse_bool(const char *s, bool *out);
/*
 * An unsigned setting's text as Ceph takes it (strict_si_cast): decimal
 * digits with an optional K, M, G, T, P or E for powers of 1000 ("10M" is
 * 10000000).  0, or -EINVAL (also on overflow) with *out unchanged.
 */
int rbd_conf_parse_u64(const char *s, uint64_t *out);

#endif /* RBD_META_H */
