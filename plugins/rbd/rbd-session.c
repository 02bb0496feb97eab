/*
 * rbd-session.c: the disk's current session, and its recovery thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rbd-lock.h"
#include "rbd-open.h"
#include "rbd-session.h"

#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 30000

struct sess {
    struct rbd_session *owner;
    struct rbd_image *img;
    struct rbd_cluster *cluster;
    unsigned refs;              /* requests and holds; under owner->mu */
    struct sess *next;          /* on the retired list */
};

struct rbd_session {
    bool recover;
    bool read_only;
    struct sess *cur;

    /* ---- recovery only ---- */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct sess *retired;       /* swapped out, closed once drained */
    bool blocklisted;           /* cur's connection is blocklisted */
    bool given_up;              /* another client took the image over */
    bool closing;
    pthread_t thread;
    /* What the session was opened with, copied, to open it again. */
    struct rbd_conn_opts conn;
    struct rbd_image_spec spec;
    struct qbp_kv *settings;
    char *strings[16];
    size_t n_strings;
};

struct counted {
    struct sess *x;
    qbp_completion_fn *cb;
    void *opaque;
};

static const char *keep(struct rbd_session *s, const char *str)
{
    char *copy;

    if (!str || s->n_strings == sizeof(s->strings) / sizeof(s->strings[0])) {
        return NULL;
    }
    copy = strdup(str);
    s->strings[s->n_strings++] = copy;
    return copy;
}

/* Copies; false if out of memory (or more strings than room: a bug). */
static bool copy_opts(struct rbd_session *s, const struct rbd_conn_opts *c,
                      const struct rbd_image_spec *spec)
{
    const char *const *from[] = {
        &c->conf, &c->user, &c->server, &c->key_secret, &c->auth,
        &c->osd_op_timeout, &c->mon_op_timeout, &spec->pool,
        &spec->pool_namespace, &spec->image, &spec->snapshot,
    };
    const char **to[] = {
        &s->conn.conf, &s->conn.user, &s->conn.server, &s->conn.key_secret,
        &s->conn.auth, &s->conn.osd_op_timeout, &s->conn.mon_op_timeout,
        &s->spec.pool, &s->spec.pool_namespace, &s->spec.image,
        &s->spec.snapshot,
    };

    s->spec.exclusive = spec->exclusive;
    for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
        if (*from[i] && !(*to[i] = keep(s, *from[i]))) {
            return false;
        }
    }
    s->settings = calloc(c->n_settings ? c->n_settings : 1,
                         sizeof(*s->settings));
    if (!s->settings) {
        return false;
    }
    for (size_t i = 0; i < c->n_settings; i++) {
        s->settings[i].key = strdup(c->settings[i].key);
        s->settings[i].value = strdup(c->settings[i].value);
        if (!s->settings[i].key || !s->settings[i].value) {
            s->conn.n_settings = i + 1;
            return false;
        }
    }
    s->conn.settings = s->settings;
    s->conn.n_settings = c->n_settings;
    return true;
}

static void free_opts(struct rbd_session *s)
{
    for (size_t i = 0; i < s->n_strings; i++) {
        free(s->strings[i]);
    }
    for (size_t i = 0; s->settings && i < s->conn.n_settings; i++) {
        free((char *)s->settings[i].key);
        free((char *)s->settings[i].value);
    }
    free(s->settings);
}

static void sess_close(struct sess *x)
{
    rbd_image_close(x->img);
    rbd_cluster_put(x->cluster);
    free(x);
}

/* From any thread, never blocking: wake the recovery thread. */
static void blocklisted(void *arg)
{
    struct sess *x = arg;
    struct rbd_session *s = x->owner;

    pthread_mutex_lock(&s->mu);
    if (x == s->cur) {
        s->blocklisted = true;
        pthread_cond_signal(&s->cond);
    }
    pthread_mutex_unlock(&s->mu);
}

static struct sess *sess_new(struct rbd_session *s, struct rbd_cluster *c,
                             struct rbd_image *img)
{
    struct sess *x = calloc(1, sizeof(*x));

    if (x) {
        *x = (struct sess){ .owner = s, .img = img, .cluster = c };
        if (s->recover) {
            img->on_blocklisted = blocklisted;
            img->on_blocklisted_arg = x;
        }
    }
    return x;
}

/*
 * Whether another RBD client holds the lock now (the old session's own
 * stale lock does not count: the new one breaks it as a dead owner's).
 */
static int taken_over(struct rbd_session *s, struct rbd_cluster *c,
                      uint64_t old_gid)
{
    struct rbd_image_spec probe = s->spec;
    struct rbd_image *img;
    uint64_t gid = 0;
    int ret = 0;

    probe.exclusive = false;
    img = rbd_image_open(c, &probe, true, NULL);
    if (!img) {
        return -EIO;
    }
    if (img->features & RBD_FEATURE_EXCLUSIVE_LOCK) {
        ret = rbd_lock_owner(img, &gid);
        if (ret == 0 && gid != old_gid) {
            qbp_host->log(QBP_LOG_ERROR, "rbd: image '%s': client.%" PRIu64
                          " holds the lock that this blocklisted client had: "
                          "it took the image over, and this disk does not "
                          "recover (its I/O keeps failing)", img->name, gid);
            ret = -EBUSY;
        } else if (ret == -EBUSY) {
            qbp_host->log(QBP_LOG_ERROR, "rbd: image '%s' is locked by "
                          "another tool: this disk does not recover",
                          img->name);
        } else {
            ret = 0;
        }
    }
    rbd_image_close(img);
    return ret;
}

/* A new connection and image; -EBUSY: never again. */
static int reopen(struct rbd_session *s, struct sess **out)
{
    struct sess *old = s->cur;
    uint64_t old_gid = rados_get_instance_id(rbd_cluster_rados(old->cluster));
    struct rbd_cluster *c = rbd_cluster_renew(old->cluster, &s->conn, NULL);
    struct rbd_image *img;
    int ret;

    if (!c) {
        return -EIO;
    }
    if (!s->read_only && (ret = taken_over(s, c, old_gid)) < 0) {
        rbd_cluster_put(c);
        return ret;
    }
    img = rbd_image_open(c, &s->spec, s->read_only, NULL);
    if (!img) {
        rbd_cluster_put(c);
        return -EIO;
    }
    *out = sess_new(s, c, img);
    if (!*out) {
        rbd_image_close(img);
        rbd_cluster_put(c);
        return -ENOMEM;
    }
    qbp_host->log(QBP_LOG_WARNING, "rbd: image '%s': recovered from the "
                  "blocklisting on a new session (client.%" PRIu64 ")",
                  img->name, rados_get_instance_id(rbd_cluster_rados(c)));
    return 0;
}

/* Under mu: close every retired session that has drained. */
static void close_drained(struct rbd_session *s)
{
    for (struct sess **p = &s->retired; *p;) {
        struct sess *x = *p;

        if (x->refs > 0) {
            p = &x->next;
            continue;
        }
        *p = x->next;
        pthread_mutex_unlock(&s->mu);
        sess_close(x);
        pthread_mutex_lock(&s->mu);
        p = &s->retired;
    }
}

static void wait_ms(struct rbd_session *s, unsigned ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (!s->closing &&
           pthread_cond_timedwait(&s->cond, &s->mu, &ts) != ETIMEDOUT) {
        /* woken early: closing, or a drained session to close */
        close_drained(s);
    }
}

static void *recover_main(void *arg)
{
    struct rbd_session *s = arg;
    unsigned delay = 0;

    pthread_mutex_lock(&s->mu);
    while (!s->closing) {
        struct sess *x = NULL;
        int ret;

        close_drained(s);
        if (!s->blocklisted || s->given_up) {
            pthread_cond_wait(&s->cond, &s->mu);
            continue;
        }
        if (delay) {
            wait_ms(s, delay);
            if (s->closing) {
                break;
            }
        }
        pthread_mutex_unlock(&s->mu);
        ret = reopen(s, &x);
        pthread_mutex_lock(&s->mu);
        if (ret == 0) {
            x->next = NULL;
            s->cur->next = s->retired;
            s->retired = s->cur;
            s->cur = x;
            s->blocklisted = false;
            delay = 0;
        } else if (ret == -EBUSY) {
            s->given_up = true;
        } else {
            delay = delay ? (delay * 2 > RETRY_MAX_MS ? RETRY_MAX_MS
                                                      : delay * 2)
                          : RETRY_MIN_MS;
            qbp_host->log(QBP_LOG_WARNING, "rbd: image '%s': no new session "
                          "yet (%s); trying again in %u ms", s->spec.image,
                          strerror(-ret), delay);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

struct rbd_session *rbd_session_open(const struct rbd_conn_opts *conn,
                                     const struct rbd_image_spec *spec,
                                     bool read_only, bool recover,
                                     struct qbp_error *err)
{
    struct rbd_session *s = calloc(1, sizeof(*s));
    struct rbd_cluster *c;
    struct rbd_image *img = NULL;
    pthread_condattr_t ca;

    if (!s || (recover && !copy_opts(s, conn, spec))) {
        if (s) {
            free_opts(s);
        }
        free(s);
        qbp_host->error_set(err, -ENOMEM, "rbd: out of memory");
        return NULL;
    }
    s->recover = recover;
    s->read_only = read_only;
    c = rbd_cluster_get(conn, err);
    if (c) {
        img = rbd_image_open(c, spec, read_only, err);
    }
    if (img && !(s->cur = sess_new(s, c, img))) {
        qbp_host->error_set(err, -ENOMEM, "rbd: out of memory");
        rbd_image_close(img);
        img = NULL;
    }
    if (!img) {
        if (c) {
            rbd_cluster_put(c);
        }
        free_opts(s);
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (recover && pthread_create(&s->thread, NULL, recover_main, s) != 0) {
        qbp_host->error_set(err, -EAGAIN, "rbd: cannot start the session "
                            "recovery thread");
        rbd_session_close(s);
        return NULL;
    }
    return s;
}

void rbd_session_close(struct rbd_session *s)
{
    if (s->recover && s->thread) {
        pthread_mutex_lock(&s->mu);
        s->closing = true;
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    /* Drained: the retired sessions too. */
    while (s->retired) {
        struct sess *x = s->retired;

        s->retired = x->next;
        sess_close(x);
    }
    sess_close(s->cur);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    free_opts(s);
    free(s);
}

static struct sess *get(struct rbd_session *s)
{
    struct sess *x;

    pthread_mutex_lock(&s->mu);
    x = s->cur;
    x->refs++;
    pthread_mutex_unlock(&s->mu);
    return x;
}

static void put(struct sess *x)
{
    struct rbd_session *s = x->owner;

    pthread_mutex_lock(&s->mu);
    if (--x->refs == 0 && x != s->cur) {
        pthread_cond_signal(&s->cond);
    }
    pthread_mutex_unlock(&s->mu);
}

/* Uncounted before the host hears of it, so that close finds none. */
static void counted_done(void *opaque, int64_t result)
{
    struct counted *r = opaque;
    qbp_completion_fn *cb = r->cb;
    void *cb_opaque = r->opaque;

    put(r->x);
    free(r);
    cb(cb_opaque, result);
}

struct rbd_image *rbd_session_begin(struct rbd_session *s,
                                    qbp_completion_fn **cb, void **opaque)
{
    struct counted *r;

    if (!s->recover) {
        return s->cur->img;
    }
    r = malloc(sizeof(*r));
    if (!r) {
        return NULL;
    }
    *r = (struct counted){ .x = get(s), .cb = *cb, .opaque = *opaque };
    *cb = counted_done;
    *opaque = r;
    return r->x->img;
}

void rbd_session_abort(struct rbd_session *s, qbp_completion_fn *cb,
                       void *opaque)
{
    if (cb == counted_done) {
        struct counted *r = opaque;

        put(r->x);
        free(r);
    }
}

struct rbd_image *rbd_session_hold(struct rbd_session *s)
{
    return s->recover ? get(s)->img : s->cur->img;
}

void rbd_session_release(struct rbd_session *s, struct rbd_image *img)
{
    struct sess *x;

    if (!s->recover) {
        return;
    }
    pthread_mutex_lock(&s->mu);
    /* The current session, or one retired since the hold. */
    x = s->cur;
    if (x->img != img) {
        for (x = s->retired; x && x->img != img; x = x->next) {
            /* find it */
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (x) {
        put(x);
    }
}
