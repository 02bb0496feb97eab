/*
 * rbd-spec.c: "POOL[/NAMESPACE]/IMAGE[@SNAP][:key=value...]", the part of
 * "plugin:rbd:..." after the plugin name, in QEMU's rbd filename syntax.
 *
 * Two passes.  The first checks everything and copies each piece,
 * unescaped and NUL-terminated, into one buffer; the second hands the
 * pieces to add().  Pieces are found by scanning for a delimiter that no
 * '\' escapes, on the filename as written; escapes are only removed when
 * a piece is copied, so "a\:b" stays one piece and becomes "a:b".
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-spec.h"

#if defined(__GNUC__)
#define SPEC_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define SPEC_PRINTF(fmt, first)
#endif

#define SPEC_SYNTAX "POOL[/NAMESPACE]/IMAGE[@SNAP][:key=value...]"

/* What a filename key without a named-option equivalent is prefixed with. */
#define SPEC_CEPH_PREFIX "ceph."
#define SPEC_CEPH_PREFIX_LEN (sizeof(SPEC_CEPH_PREFIX) - 1)

/* Filename keys that are named options of the plugin, and their names. */
struct spec_rename {
    const char *filename_key;
    const char *option;
};

static const struct spec_rename spec_renames[] = {
    { "conf", "conf" },
    { "id", "user" },
    { "mon_host", "server" },
    { "key-secret", "key-secret" },
    { "osd-op-timeout", "osd-op-timeout" },
    { "mon-op-timeout", "mon-op-timeout" },
    { "exclusive", "exclusive" },
};

/* The longest value of each option, and for names, what they name. */
struct spec_limit {
    const char *option;
    size_t max;
    const char *names;          /* "image" etc. for a Ceph name, or NULL */
};

static const struct spec_limit spec_limits[] = {
    { "pool", RBD_SPEC_POOL_MAX, "pool" },
    { "namespace", RBD_SPEC_NAMESPACE_MAX, "namespace" },
    { "image", RBD_SPEC_IMAGE_MAX, "image" },
    { "snapshot", RBD_SPEC_SNAPSHOT_MAX, "snapshot" },
    { "data-pool", RBD_SPEC_POOL_MAX, "data pool" },
    { "user", 256, NULL },
    { "key-secret", 256, NULL },
    { "auth-client-required", 64, NULL },
    { "osd-op-timeout", 32, NULL },
    { "mon-op-timeout", 32, NULL },
    { "exclusive", 8, NULL },
    { "object-size", 32, NULL },
    { "stripe-unit", 32, NULL },
    { "stripe-count", 32, NULL },
    { "features", 1024, NULL },
};

/* Messages quote at most this much of a location. */
#define SPEC_QUOTE_MAX 64

/* The parsed filename; every string points into buf. */
struct spec_parts {
    char *buf;
    const char *pool;
    const char *pool_namespace;     /* NULL when not given */
    const char *image;
    const char *snapshot;           /* NULL when not given */
    /* n_options entries, each "ceph.KEY\0VALUE\0" with KEY unescaped. */
    const char *options;
    size_t n_options;
};

/* Where a message goes, and the location part it may quote. */
struct spec_err {
    char *buf;
    size_t len;
    const char *loc;
    int loc_len;
};

static int spec_fail(const struct spec_err *e, int errnum,
                     const char *fmt, ...) SPEC_PRINTF(3, 4);

/* Writes a message into the caller's errbuf and returns -errnum. */
static int spec_fail(const struct spec_err *e, int errnum,
                     const char *fmt, ...)
{
    va_list ap;

    if (e->len > 0) {
        va_start(ap, fmt);
        vsnprintf(e->buf, e->len, fmt, ap);
        va_end(ap);
    }
    return -errnum;
}

/* "rbd filename 'LOCATION': what", a long location cut short. */
static int spec_loc_fail(const struct spec_err *e, const char *what)
{
    if (e->loc_len > SPEC_QUOTE_MAX) {
        return spec_fail(e, EINVAL, "rbd filename '%.*s...': %s",
                         SPEC_QUOTE_MAX, e->loc, what);
    }
    return spec_fail(e, EINVAL, "rbd filename '%.*s': %s", e->loc_len,
                     e->loc, what);
}

/*
 * Why NAME cannot be a Ceph name of the kind WHAT ("image"), at most max
 * bytes long: written to why (a sentence part), or "" when it can.
 */
static void spec_name_problem(const char *what, const char *name, size_t max,
                              char *why, size_t len)
{
    size_t n = strlen(name);
    const char *bad = strpbrk(name, "/@");

    why[0] = '\0';
    if (n > max) {
        snprintf(why, len, "%s name is %zu bytes, more than %zu", what, n,
                 max);
    } else if (bad) {
        snprintf(why, len, "'%c' in the %s name (Ceph names cannot contain "
                 "'/' or '@')", *bad, what);
    }
}

static const struct spec_limit *spec_limit_of(const char *option)
{
    size_t i;

    for (i = 0; i < sizeof(spec_limits) / sizeof(spec_limits[0]); i++) {
        if (strcmp(option, spec_limits[i].option) == 0) {
            return &spec_limits[i];
        }
    }
    return NULL;
}

/*
 * The length of OPTION's value (shown as SHOWN, the key as the user wrote
 * it) and of a Ceph setting's name.  Messages never quote the value.
 */
static int spec_check_length(const struct spec_err *e, const char *prefix,
                             const char *shown, const char *option,
                             const char *value)
{
    const struct spec_limit *l = spec_limit_of(option);
    size_t max = l ? l->max : RBD_SPEC_VALUE_MAX;
    size_t n;

    if (!l && strncmp(option, SPEC_CEPH_PREFIX, SPEC_CEPH_PREFIX_LEN) == 0) {
        n = strlen(option + SPEC_CEPH_PREFIX_LEN);
        if (n > RBD_SPEC_KEY_MAX) {
            return spec_fail(e, EINVAL, "%s: a Ceph setting's name is %zu "
                             "bytes, more than %d", prefix, n,
                             RBD_SPEC_KEY_MAX);
        }
    }
    n = strlen(value);
    if (n > max) {
        if (strlen(shown) > SPEC_QUOTE_MAX) {
            return spec_fail(e, EINVAL, "%s: option '%.*s...' is %zu bytes, "
                             "more than %zu", prefix, SPEC_QUOTE_MAX, shown,
                             n, max);
        }
        return spec_fail(e, EINVAL, "%s: option '%s' is %zu bytes, more "
                         "than %zu", prefix, shown, n, max);
    }
    return 0;
}

int rbd_spec_check_option(const char *key, const char *value, char *errbuf,
                          size_t errlen)
{
    struct spec_err e = { .buf = errbuf, .len = errlen };
    const struct spec_limit *l = spec_limit_of(key);
    char why[128];
    int r;

    if (errlen > 0) {
        errbuf[0] = '\0';
    }
    if (l && l->names) {
        if (!*value && strcmp(key, "snapshot") == 0) {
            return spec_fail(&e, EINVAL, "rbd: option 'snapshot': empty "
                             "snapshot name");
        }
        spec_name_problem(l->names, value, l->max, why, sizeof(why));
        if (why[0]) {
            return spec_fail(&e, EINVAL, "rbd: option '%s': %s", key, why);
        }
        return 0;
    }
    r = spec_check_length(&e, "rbd", key, key, value);
    return r;
}

/* The first c in [s, end) that no '\' escapes, or NULL. */
static const char *spec_find(const char *s, const char *end, char c)
{
    while (s < end) {
        if (*s == c) {
            return s;
        }
        if (*s == '\\' && s + 1 < end) {
            s++;
        }
        s++;
    }
    return NULL;
}

/* Copies [s, end) to out without its escapes; returns the byte after the NUL. */
static char *spec_unescape(char *out, const char *s, const char *end)
{
    while (s < end) {
        if (*s == '\\' && s + 1 < end) {
            s++;
        }
        *out++ = *s++;
    }
    *out++ = '\0';
    return out;
}

/* The named option a filename key stands for, or NULL for a Ceph setting. */
static const char *spec_option_for(const char *filename_key)
{
    size_t i;

    for (i = 0; i < sizeof(spec_renames) / sizeof(spec_renames[0]); i++) {
        if (strcmp(filename_key, spec_renames[i].filename_key) == 0) {
            return spec_renames[i].option;
        }
    }
    return NULL;
}

/* The entry after entry in spec_parts.options; *key and *value if wanted. */
static const char *spec_next_option(const char *entry, const char **key,
                                    const char **value)
{
    const char *k = entry + SPEC_CEPH_PREFIX_LEN;
    const char *v = k + strlen(k) + 1;

    if (key) {
        *key = k;
    }
    if (value) {
        *value = v;
    }
    return v + strlen(v) + 1;
}

/* Whether the copied NAME breaks Ceph's rules, with the message written. */
static bool spec_bad_name(const struct spec_err *e, const char *what,
                          const char *name, size_t max, int *ret)
{
    char why[128];

    spec_name_problem(what, name, max, why, sizeof(why));
    if (why[0]) {
        *ret = spec_loc_fail(e, why);
        return true;
    }
    return false;
}

/*
 * POOL[/NAMESPACE]/IMAGE[@SNAP] in [s, end), into out; returns the byte
 * of out after the last copy, or NULL with the message written and the
 * error in *ret.
 */
static char *spec_parse_location(struct spec_parts *p, const char *s,
                                 const char *end, char *out,
                                 const struct spec_err *e, int *ret)
{
    const char *slash = spec_find(s, end, '/');
    const char *name;
    const char *at;
    const char *image_end;
    const char *slash2;

    if (s == end) {
        *ret = spec_fail(e, EINVAL, "rbd filename has no pool or image "
                         "name: expected " SPEC_SYNTAX);
        return NULL;
    }
    if (!slash) {
        *ret = spec_fail(e, EINVAL, "rbd filename '%.*s' has no image name: "
                         "expected " SPEC_SYNTAX, e->loc_len, e->loc);
        return NULL;
    }
    if (slash == s) {
        *ret = spec_loc_fail(e, "empty pool name");
        return NULL;
    }
    p->pool = out;
    out = spec_unescape(out, s, slash);
    if (spec_bad_name(e, "pool", p->pool, RBD_SPEC_POOL_MAX, ret)) {
        return NULL;
    }

    name = slash + 1;
    at = spec_find(name, end, '@');
    image_end = at ? at : end;
    slash2 = spec_find(name, image_end, '/');
    if (slash2) {
        if (slash2 == name) {
            *ret = spec_loc_fail(e, "empty namespace");
            return NULL;
        }
        if (spec_find(slash2 + 1, image_end, '/')) {
            *ret = spec_loc_fail(e, "too many '/' (Ceph names cannot "
                                 "contain '/' or '@')");
            return NULL;
        }
        p->pool_namespace = out;
        out = spec_unescape(out, name, slash2);
        if (spec_bad_name(e, "namespace", p->pool_namespace,
                          RBD_SPEC_NAMESPACE_MAX, ret)) {
            return NULL;
        }
        name = slash2 + 1;
    }
    if (name == image_end) {
        *ret = spec_loc_fail(e, "empty image name");
        return NULL;
    }
    p->image = out;
    out = spec_unescape(out, name, image_end);
    if (spec_bad_name(e, "image", p->image, RBD_SPEC_IMAGE_MAX, ret)) {
        return NULL;
    }

    if (at) {
        name = at + 1;
        if (name == end) {
            *ret = spec_loc_fail(e, "empty snapshot name");
            return NULL;
        }
        if (spec_find(name, end, '@')) {
            *ret = spec_loc_fail(e, "more than one '@' (Ceph names cannot "
                                 "contain '/' or '@')");
            return NULL;
        }
        p->snapshot = out;
        out = spec_unescape(out, name, end);
        if (spec_bad_name(e, "snapshot", p->snapshot, RBD_SPEC_SNAPSHOT_MAX,
                          ret)) {
            return NULL;
        }
    }
    return out;
}

/*
 * The ":key=value" options in [s, end), s at the first ':' (or at end),
 * into out; returns 0 or the error with the message written.  Messages
 * name keys but never values, which may be secrets.
 */
static int spec_parse_options(struct spec_parts *p, const char *s,
                              const char *end, char *out,
                              const struct spec_err *e)
{
    p->options = out;
    while (s < end) {
        const char *opt = s + 1;
        const char *opt_end = spec_find(opt, end, ':');
        const char *eq;
        const char *key;
        const char *entry;
        char *value;
        size_t i;
        int r;

        if (!opt_end) {
            opt_end = end;
        }
        if (opt == opt_end) {
            return spec_fail(e, EINVAL, "rbd filename: empty option after "
                             "':' (expected key=value)");
        }
        eq = spec_find(opt, opt_end, '=');
        if (eq == opt) {
            return spec_fail(e, EINVAL, "rbd filename: option with an empty "
                             "name before '='");
        }

        memcpy(out, SPEC_CEPH_PREFIX, SPEC_CEPH_PREFIX_LEN);
        key = out + SPEC_CEPH_PREFIX_LEN;
        value = spec_unescape(out + SPEC_CEPH_PREFIX_LEN, opt,
                              eq ? eq : opt_end);
        if (!eq) {
            return spec_fail(e, EINVAL, "rbd filename: option '%s' has no "
                             "value", key);
        }
        for (i = 0, entry = p->options; i < p->n_options; i++) {
            const char *earlier;

            entry = spec_next_option(entry, &earlier, NULL);
            if (strcmp(earlier, key) == 0) {
                return spec_fail(e, EINVAL, "rbd filename: duplicate option "
                                 "'%s'", key);
            }
        }
        if (eq + 1 == opt_end && spec_option_for(key)) {
            return spec_fail(e, EINVAL, "rbd filename: option '%s' has an "
                             "empty value", key);
        }
        out = spec_unescape(value, eq + 1, opt_end);
        r = spec_check_length(e, "rbd filename", key,
                              spec_option_for(key) ? spec_option_for(key)
                                                   : key - SPEC_CEPH_PREFIX_LEN,
                              value);
        if (r < 0) {
            return r;
        }
        p->n_options++;
        s = opt_end;
    }
    return 0;
}

/* Hands the parsed pieces to add() in order; the first non-zero stops. */
static int spec_emit(const struct spec_parts *p, rbd_spec_add_fn *add,
                     void *opaque)
{
    const char *entry = p->options;
    size_t i;
    int r;

    r = add(opaque, "pool", p->pool);
    if (r == 0 && p->pool_namespace) {
        r = add(opaque, "namespace", p->pool_namespace);
    }
    if (r == 0) {
        r = add(opaque, "image", p->image);
    }
    if (r == 0 && p->snapshot) {
        r = add(opaque, "snapshot", p->snapshot);
    }
    for (i = 0; r == 0 && i < p->n_options; i++) {
        const char *ceph_key = entry;
        const char *key;
        const char *value;
        const char *option;

        entry = spec_next_option(entry, &key, &value);
        option = spec_option_for(key);
        r = add(opaque, option ? option : ceph_key, value);
    }
    return r;
}

int rbd_spec_parse(const char *rest, rbd_spec_add_fn *add, void *opaque,
                   char *errbuf, size_t errlen)
{
    struct spec_parts parts = { 0 };
    struct spec_err e = { .buf = errbuf, .len = errlen };
    size_t len = strlen(rest);
    const char *end = rest + len;
    const char *loc_end;
    const char *s;
    size_t colons = 0;
    size_t size;
    char *out;
    int r = 0;

    if (errlen > 0) {
        errbuf[0] = '\0';
    }
    for (s = rest; s < end; s++) {
        if (*s == '\\') {
            if (s + 1 == end) {
                return spec_fail(&e, EINVAL, "rbd filename: trailing "
                                 "backslash escapes nothing (write '\\\\' "
                                 "for a backslash)");
            }
            s++;
        } else if (*s == ':') {
            colons++;
        }
    }

    loc_end = spec_find(rest, end, ':');
    if (!loc_end) {
        loc_end = end;
    }
    e.loc = rest;
    e.loc_len = loc_end - rest > INT_MAX ? INT_MAX : (int)(loc_end - rest);

    /*
     * Each piece is at most as long unescaped as written, and each
     * delimiter becomes its NUL, so len + 1 bytes hold them all, plus the
     * "ceph." in front of each option's key.
     */
    if (colons > (SIZE_MAX - len - 1) / SPEC_CEPH_PREFIX_LEN) {
        return spec_fail(&e, ENOMEM, "rbd filename: out of memory");
    }
    size = len + 1 + colons * SPEC_CEPH_PREFIX_LEN;
    parts.buf = malloc(size);
    if (!parts.buf) {
        return spec_fail(&e, ENOMEM, "rbd filename: out of memory");
    }

    out = spec_parse_location(&parts, rest, loc_end, parts.buf, &e, &r);
    if (out) {
        r = spec_parse_options(&parts, loc_end, end, out, &e);
    }
    if (r == 0) {
        r = spec_emit(&parts, add, opaque);
    }
    free(parts.buf);
    return r;
}
