/*
 * rbd-meta.c: conf_ settings from metadata_list replies.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rbd-cls.h"
#include "rbd-meta.h"

#define CONF_PREFIX "conf_"
#define CONF_PREFIX_LEN (sizeof(CONF_PREFIX) - 1)

struct take {
    struct rbd_overrides *o;
    enum rbd_config_source source;
    uint32_t seen;
    bool over;              /* a key past the conf_ ones was listed */
    const char *last_key;   /* into the reply */
    size_t last_len;
};

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && memcmp(s, prefix, n) == 0;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static struct rbd_override *find(const struct rbd_overrides *o,
                                 const char *key, size_t len)
{
    for (size_t i = 0; i < o->n; i++) {
        if (strlen(o->v[i].key) == len && memcmp(o->v[i].key, key, len) == 0) {
            return &o->v[i];
        }
    }
    return NULL;
}

static int take_pair(const char *key, size_t key_len, const char *value,
                     size_t value_len, void *arg)
{
    struct take *t = arg;
    struct rbd_override *e;
    char *k, *v;

    t->seen++;
    t->last_key = key;
    t->last_len = key_len;
    /* Keys come in order: past the conf_ ones there are no more. */
    if (!has_prefix(key, key_len, CONF_PREFIX)) {
        t->over = true;
        return 0;
    }
    key += CONF_PREFIX_LEN;
    key_len -= CONF_PREFIX_LEN;
    if (!has_prefix(key, key_len, "rbd_") || memchr(key, '\0', key_len) ||
        memchr(value, '\0', value_len)) {
        return 0;
    }
    v = dup_n(value, value_len);
    if (!v) {
        return -ENOMEM;
    }
    e = find(t->o, key, key_len);
    if (e) {
        if (e->source > t->source) {
            /* A higher level said it already: it stays. */
            free(v);
            return 0;
        }
        free(e->value);
        e->value = v;
        e->source = t->source;
        return 0;
    }
    k = dup_n(key, key_len);
    e = realloc(t->o->v, (t->o->n + 1) * sizeof(*e));
    if (!k || !e) {
        free(k);
        free(v);
        if (e) {
            t->o->v = e;
        }
        return -ENOMEM;
    }
    t->o->v = e;
    e[t->o->n++] = (struct rbd_override){ k, v, t->source };
    return 0;
}

int rbd_overrides_take_reply(struct rbd_overrides *o, const void *reply,
                             size_t len, uint64_t max_return,
                             enum rbd_config_source source, char **next)
{
    struct take t = { .o = o, .source = source };
    uint32_t count;
    int r;

    /* The decoder checks the whole reply before take_pair sees a pair. */
    r = rbd_cls_dec_metadata_list(reply, len, &count, take_pair, &t);
    *next = NULL;
    if (r == 0 && !t.over && count > 0 && count >= max_return) {
        *next = dup_n(t.last_key, t.last_len);
        if (!*next) {
            r = -ENOMEM;
        }
    }
    return r;
}

const struct rbd_override *rbd_overrides_find(const struct rbd_overrides *o,
                                              const char *key)
{
    return find(o, key, strlen(key));
}

void rbd_overrides_free(struct rbd_overrides *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->v[i].key);
        free(o->v[i].value);
    }
    free(o->v);
    *o = (struct rbd_overrides){ 0 };
}

int rbd_conf_parse_bool(const char *s, bool *out)
{
    char *end;
    long v;

    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
        *out = strcasecmp(s, "true") == 0;
        return 0;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end) {
        return -EINVAL;
    }
    *out = v != 0;
    return 0;
}

int rbd_conf_parse_u64(const char *s, uint64_t *out)
{
    static const char suffixes[] = "KMGTPE";
    const char *unit;
    uint64_t v = 0;
    size_t i;

    for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10) {
            return -EINVAL;
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (i == 0) {
        return -EINVAL;
    }
    if (s[i] != '\0') {
        unit = strchr(suffixes, s[i]);
        if (!unit || s[i + 1] != '\0') {
            return -EINVAL;
        }
        for (ptrdiff_t p = 0; p <= unit - suffixes; p++) {
            if (v > UINT64_MAX / 1000) {
                return -EINVAL;
            }
            v *= 1000;
        }
    }
    *out = v;
    return 0;
}
