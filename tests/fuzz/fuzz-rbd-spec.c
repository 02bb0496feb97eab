/*
 * fuzz-rbd-spec: the rbd plugin's filename parser, rbd_spec_parse
 * (plugins/rbd/rbd-spec.h), on the REST of "plugin:rbd:REST".
 *
 * Beyond not crashing, every input checks what rbd-spec.h promises:
 * - accepted: add() sees pool, [namespace], image, [snapshot] (non-empty),
 *   then options whose keys are only the documented ones (conf, user,
 *   server, key-secret with a non-empty value; "ceph.KEY"), each once;
 *   escaping the pieces again and parsing that gives the same calls;
 * - refused: -EINVAL (or -ENOMEM), add() never called, a message in
 *   errbuf, and never an option's value in it (a canary value is put in
 *   front of the filename's options: it must not show up);
 * - any errbuf size gives the same result and a NUL-terminated prefix of
 *   the same message; add()'s own error stops the walk and is returned.
 */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "rbd-spec.h"

#define CANARY "QbpCanaryValue7"

/*
 * The filename keys rbd-spec.h documents as named options, and the option
 * each becomes; any other key must reach add() as "ceph.KEY".  A key added
 * to the parser is added here when rbd-spec.h documents it.
 */
static const char *const documented[][2] = {
    { "conf", "conf" },
    { "id", "user" },
    { "mon_host", "server" },
    { "key-secret", "key-secret" },
    { "osd-op-timeout", "osd-op-timeout" },
    { "mon-op-timeout", "mon-op-timeout" },
    { "exclusive", "exclusive" },
};
#define N_DOCUMENTED (sizeof(documented) / sizeof(documented[0]))

struct call {
    char *key;
    char *value;
};

struct calls {
    struct call *v;
    size_t n;
    size_t fail_at;     /* return FAIL_RET from this call (1-based); 0 never */
};

#define FAIL_RET (-12345)

static int collect(void *opaque, const char *key, const char *value)
{
    struct calls *c = opaque;
    struct call *v = realloc(c->v, (c->n + 1) * sizeof(*v));

    FUZZ_CHECK(key != NULL && value != NULL);
    if (!v) {
        abort();
    }
    c->v = v;
    v[c->n].key = strdup(key);
    v[c->n].value = strdup(value);
    if (!v[c->n].key || !v[c->n].value) {
        abort();
    }
    c->n++;
    return c->n == c->fail_at ? FAIL_RET : 0;
}

static void calls_free(struct calls *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        free(c->v[i].key);
        free(c->v[i].value);
    }
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

static bool calls_equal(const struct calls *a, const struct calls *b)
{
    size_t i;

    if (a->n != b->n) {
        return false;
    }
    for (i = 0; i < a->n; i++) {
        if (strcmp(a->v[i].key, b->v[i].key) != 0 ||
            strcmp(a->v[i].value, b->v[i].value) != 0) {
            return false;
        }
    }
    return true;
}

/* The documented option a key names, or NULL. */
static const char *const *documented_option(const char *key)
{
    size_t i;

    for (i = 0; i < N_DOCUMENTED; i++) {
        if (strcmp(key, documented[i][1]) == 0) {
            return documented[i];
        }
    }
    return NULL;
}

/* The filename key an option key came from (the inverse of the renames). */
static const char *filename_key(const char *key)
{
    const char *const *d = documented_option(key);

    return d ? d[0] : key + 5;      /* "ceph.KEY" */
}

/* Appends s to buf at *pos with every delimiter escaped. */
static void put_escaped(char *buf, size_t *pos, const char *s)
{
    for (; *s; s++) {
        if (strchr(":@/=\\", *s)) {
            buf[(*pos)++] = '\\';
        }
        buf[(*pos)++] = *s;
    }
}

static void put(char *buf, size_t *pos, const char *s)
{
    size_t n = strlen(s);

    memcpy(buf + *pos, s, n);
    *pos += n;
}

/* The calls of an accepted filename, written back as a filename. */
static char *reescape(const struct calls *c)
{
    size_t cap = 1;
    size_t pos = 0;
    size_t i = 0;
    char *buf;

    for (i = 0; i < c->n; i++) {
        cap += 2 * (strlen(c->v[i].key) + strlen(c->v[i].value)) + 2;
    }
    buf = malloc(cap);
    if (!buf) {
        abort();
    }
    i = 0;
    put_escaped(buf, &pos, c->v[i++].value);            /* pool */
    if (strcmp(c->v[i].key, "namespace") == 0) {
        put(buf, &pos, "/");
        put_escaped(buf, &pos, c->v[i++].value);
    }
    put(buf, &pos, "/");
    put_escaped(buf, &pos, c->v[i++].value);            /* image */
    if (i < c->n && strcmp(c->v[i].key, "snapshot") == 0) {
        put(buf, &pos, "@");
        put_escaped(buf, &pos, c->v[i++].value);
    }
    for (; i < c->n; i++) {
        put(buf, &pos, ":");
        put_escaped(buf, &pos, filename_key(c->v[i].key));
        put(buf, &pos, "=");
        put_escaped(buf, &pos, c->v[i].value);
    }
    buf[pos] = '\0';
    return buf;
}

/* What an accepted filename must have produced. */
static void check_accepted(const char *rest, const struct calls *c)
{
    size_t i = 0;
    size_t j;
    size_t colons = 0;
    const char *s;

    FUZZ_CHECK(c->n >= 2);
    FUZZ_CHECK(strcmp(c->v[i].key, "pool") == 0 && c->v[i].value[0]);
    i++;
    if (strcmp(c->v[i].key, "namespace") == 0) {
        FUZZ_CHECK(c->v[i].value[0]);
        i++;
    }
    FUZZ_CHECK(i < c->n);
    FUZZ_CHECK(strcmp(c->v[i].key, "image") == 0 && c->v[i].value[0]);
    i++;
    if (i < c->n && strcmp(c->v[i].key, "snapshot") == 0) {
        FUZZ_CHECK(c->v[i].value[0]);
        i++;
    }
    for (s = rest; *s; s++) {
        colons += *s == ':';
    }
    FUZZ_CHECK(c->n - i <= colons);
    for (; i < c->n; i++) {
        const char *key = c->v[i].key;

        if (documented_option(key)) {
            FUZZ_CHECK(c->v[i].value[0]);
        } else if (strncmp(key, "ceph.", 5) != 0 || !key[5]) {
            /* Only the documented keys: anything else is "ceph.KEY". */
            fprintf(stderr, "add() got the key '%s', which rbd-spec.h does "
                    "not document (a new one goes into `documented` in "
                    "tests/fuzz/fuzz-rbd-spec.c too)\n", key);
            FUZZ_CHECK(!"add() sees only the documented keys");
        }
        for (j = 0; j < i; j++) {
            FUZZ_CHECK(strcmp(c->v[j].key, key) != 0);
        }
    }
}

/*
 * Where the location part of rest ends: its first unescaped ':'; or
 * SIZE_MAX when rest ends in a lone '\', which would escape what follows.
 */
static size_t location_end(const char *rest)
{
    size_t i;

    for (i = 0; rest[i]; i++) {
        if (rest[i] == ':') {
            return i;
        }
        if (rest[i] == '\\') {
            if (!rest[i + 1]) {
                return SIZE_MAX;
            }
            i++;
        }
    }
    return i;
}

/* s holds the canary, escaped or not. */
static bool holds_canary(const char *s)
{
    char *plain = strdup(s);
    char *out = plain;
    bool found;

    if (!plain) {
        abort();
    }
    for (; *s; s++) {
        if (*s != '\\') {
            *out++ = *s;
        }
    }
    *out = '\0';
    found = strstr(plain, CANARY) != NULL;
    free(plain);
    return found;
}

/* A refused filename with a canary option first: the value never shows. */
static void check_no_value_in_message(const char *rest)
{
    size_t loc = location_end(rest);
    size_t n = strlen(rest);
    char *with = malloc(n + sizeof(":zz=" CANARY ":key-secret=" CANARY));
    struct calls c = { 0 };
    char errbuf[1024];
    int r;

    if (!with) {
        abort();
    }
    /* Names are quoted, so the filename must not hold the canary itself. */
    if (loc == SIZE_MAX || holds_canary(rest)) {
        free(with);
        return;
    }
    memcpy(with, rest, loc);
    strcpy(with + loc, ":zz=" CANARY ":key-secret=" CANARY);
    strcat(with, rest + loc);
    r = rbd_spec_parse(with, collect, &c, errbuf, sizeof(errbuf));
    if (r != 0) {
        FUZZ_CHECK(strstr(errbuf, CANARY) == NULL);
    }
    calls_free(&c);
    free(with);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *rest = fuzz_cstring(data, size);
    struct calls c = { 0 };
    struct calls again = { 0 };
    char errbuf[1024];
    size_t small_len = 1 + size % 24;
    char *small = malloc(small_len);
    int r;
    int r2;

    if (!small) {
        abort();
    }
    memset(errbuf, 'x', sizeof(errbuf));
    r = rbd_spec_parse(rest, collect, &c, errbuf, sizeof(errbuf));
    FUZZ_CHECK(memchr(errbuf, '\0', sizeof(errbuf)) != NULL);
    if (r == 0) {
        char *round;

        FUZZ_CHECK(errbuf[0] == '\0');
        check_accepted(rest, &c);
        /* The pieces, escaped again, parse to the same calls. */
        round = reescape(&c);
        r2 = rbd_spec_parse(round, collect, &again, NULL, 0);
        FUZZ_CHECK(r2 == 0);
        FUZZ_CHECK(calls_equal(&c, &again));
        calls_free(&again);
        free(round);
        /* add()'s error stops the walk at that call and is returned. */
        again.fail_at = 1 + size % c.n;
        r2 = rbd_spec_parse(rest, collect, &again, NULL, 0);
        FUZZ_CHECK(r2 == FAIL_RET && again.n == again.fail_at);
        calls_free(&again);
    } else {
        FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
        FUZZ_CHECK(c.n == 0);
        FUZZ_CHECK(strncmp(errbuf, "rbd filename", 12) == 0);
        check_no_value_in_message(rest);
    }

    /* Any errbuf size: the same result, a cut copy of the same message. */
    again = (struct calls){ 0 };
    memset(small, 'x', small_len);
    r2 = rbd_spec_parse(rest, collect, &again, small, small_len);
    FUZZ_CHECK(r2 == r);
    FUZZ_CHECK(calls_equal(&c, &again));
    FUZZ_CHECK(memchr(small, '\0', small_len) != NULL);
    FUZZ_CHECK(strncmp(small, errbuf, small_len - 1) == 0);
    FUZZ_CHECK(strlen(small) == small_len - 1 || strcmp(small, errbuf) == 0);
    calls_free(&again);
    r2 = rbd_spec_parse(rest, collect, &again, NULL, 0);
    FUZZ_CHECK(r2 == r);
    calls_free(&again);

    calls_free(&c);
    free(small);
    free(rest);
    return 0;
}
