/*
 * rbd-lock.c: the exclusive lock's state machine and its thread.
 *
 *   UNLOCKED --(a mutation waits)--> ACQUIRING --(lock.lock)--> LOCKED
 *   ACQUIRING --(owner alive: REQUEST_LOCK sent)--> UNLOCKED, retry on
 *       RELEASED_LOCK or after a second
 *   ACQUIRING --(owner dead: blocklist, break_lock)--> try again
 *   LOCKED --(REQUEST_LOCK, not exclusive)--> RELEASING --(no mutation
 *       counted any more: unlock, RELEASED_LOCK)--> UNLOCKED
 *
 * Every cluster round trip happens on the lock's thread; the gate, the
 * completions and the watch callback only take the mutex briefly, so
 * neither QEMU's threads nor librados' are ever held up by the lock.
 * The kernel client's rbd_try_lock/rbd_request_lock and librbd's
 * ExclusiveLock are the models.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rbd-image.h"
#include "rbd-lock.h"
#include "rbd-mapio.h"

#define LOCK_NAME "rbd_lock"
#define LOCK_TAG "internal"
/* How long a waiting mutation waits before asking the owner again. */
#define RETRY_MS 1000
/* After handing the lock over, let the asker take it before we ask back. */
#define HANDOVER_MS 200
/* Rounds of lock / ask / break before waiting for the retry timer. */
#define ATTEMPTS 8
/* rados_list_lockers buffers: one locker's client, cookie and address. */
#define LOCKER_BUF 256

enum lock_state {
    LOCK_UNLOCKED,
    LOCK_ACQUIRING,
    LOCK_LOCKED,
    LOCK_RELEASING,
};

struct rbd_lock {
    struct rbd_image *img;
    bool exclusive;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;            /* the lock's thread has work */
    enum lock_state state;
    bool held;                      /* the header lock is ours */
    unsigned counted;               /* mutations past the gate, in flight */
    bool release_wanted;            /* a REQUEST_LOCK came in */
    bool recookie;                  /* the watch handle changed */
    bool retry_now;                 /* the owner released: ask no timer */
    bool stop;
    bool resuming;                  /* resume_all is handing waiters on */
    struct timespec retry_at;       /* CLOCK_MONOTONIC */
    struct rbd_lock_waiter *head, *tail;
    /* What the lock was taken with, to release exactly that. */
    char cookie[64];
    struct rbd_client_id self;
};

/* The holder of the lock, from lock.get_info. */
struct locker {
    struct rbd_client_id id;
    char client[LOCKER_BUF];
    char cookie[LOCKER_BUF];
    char addr[LOCKER_BUF];
};

static void now_plus(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static bool due(const struct timespec *ts)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > ts->tv_sec ||
           (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

/* The lock's calls on the header, without a snap context (ctl). */
static int header_write(struct rbd_image *img, const char *cls,
                        const char *method, const struct rbd_enc *in)
{
    return rbd_exec_write(img->ctl, img->header_oid, cls, method, in, false);
}

/* Tell the other watchers; a reply buffer only for REQUEST_LOCK. */
static int notify(struct rbd_image *img, uint32_t op,
                  const struct rbd_client_id *self, char **reply,
                  size_t *reply_len)
{
    struct rbd_enc e;
    int ret;

    rbd_enc_init(&e);
    rbd_notify_encode(&e, op, self, false);
    ret = rbd_notify(img->ctl, img->header_oid, &e, RBD_NOTIFY_TIMEOUT_MS,
                     reply, reply_len);
    rbd_enc_free(&e);
    return ret;
}

/*
 * lock.get_info through librados on io (the header's pool and namespace);
 * -ENOENT when nobody holds it now.
 */
static int get_locker_on(struct rbd_image *img, rados_ioctx_t io,
                         struct locker *o)
{
    char tag[LOCKER_BUF];
    size_t tag_len = sizeof(tag), clients_len = sizeof(o->client);
    size_t cookies_len = sizeof(o->cookie), addrs_len = sizeof(o->addr);
    int exclusive = 0;
    ssize_t n;

    n = rados_list_lockers(io, img->header_oid, LOCK_NAME, &exclusive,
                           tag, &tag_len, o->client, &clients_len, o->cookie,
                           &cookies_len, o->addr, &addrs_len);
    if (n == 0) {
        return -ENOENT;
    }
    if (n < 0) {
        return (int)n;
    }
    tag[sizeof(tag) - 1] = o->client[sizeof(o->client) - 1] = '\0';
    o->cookie[sizeof(o->cookie) - 1] = o->addr[sizeof(o->addr) - 1] = '\0';
    if (n != 1 || !exclusive || strcmp(tag, LOCK_TAG) != 0 ||
        rbd_notify_parse_locker(o->client, o->cookie, &o->id) < 0) {
        /* `rbd lock add` or another tool: not ours to take away. */
        qbp_host->log(QBP_LOG_WARNING, "rbd: image '%s' is locked by "
                      "something other than an RBD client (%s, cookie "
                      "'%s', tag '%s')", img->name, o->client, o->cookie,
                      tag);
        return -EBUSY;
    }
    return 0;
}

static int get_locker(struct rbd_image *img, struct locker *o)
{
    return get_locker_on(img, img->ctl, o);
}

int rbd_lock_owner(struct rbd_image *img, uint64_t *gid)
{
    struct locker o;
    /* A read-only open has no ctl; meta reads the head's header too. */
    int ret = get_locker_on(img, img->ctl ? img->ctl : img->meta, &o);

    if (ret == 0) {
        *gid = o.id.gid;
    }
    return ret;
}

/* The owner is dead: fence it off first, so it cannot write after us. */
static int break_dead_owner(struct rbd_lock *l, const struct locker *o,
                            bool ours)
{
    struct rbd_image *img = l->img;
    int ret;

    if (!ours) {
        qbp_host->log(QBP_LOG_WARNING, "rbd: image '%s': lock owner %s (%s) "
                      "does not answer; blocklisting it and breaking its "
                      "lock", img->name, o->client, o->addr);
        ret = rados_blocklist_add(rbd_cluster_rados(img->cluster),
                                  (char *)o->addr, 0);
        if (ret < 0) {
            qbp_host->log(QBP_LOG_ERROR, "rbd: image '%s': blocklisting %s "
                          "failed: %s", img->name, o->addr, strerror(-ret));
            return ret;
        }
    }
    ret = rados_break_lock(img->ctl, img->header_oid, LOCK_NAME, o->client,
                           o->cookie);
    return ret == -ENOENT ? 0 : ret;
}

/*
 * Ask the owner to release: -EAGAIN (it will, or may: wait and retry),
 * -EROFS (it keeps the lock), 1 (it is dead: break its lock), or an error.
 */
static int request_lock(struct rbd_lock *l, const struct locker *o)
{
    struct rbd_notify_reply r;
    char *reply = NULL;
    size_t reply_len = 0;
    int32_t result = 0;
    int ret;

    ret = notify(l->img, RBD_NOTIFY_REQUEST_LOCK, &l->self, &reply,
                 &reply_len);
    /* A watcher that timed out still leaves its mark in the reply. */
    if (ret < 0 && ret != -ETIMEDOUT) {
        if (reply) {
            rados_buffer_free(reply);
        }
        return ret;
    }
    ret = rbd_notify_decode_reply(reply, reply_len, &r);
    if (reply) {
        rados_buffer_free(reply);
    }
    if (ret < 0) {
        return -EAGAIN;
    }
    switch (rbd_notify_owner_reply(&r, &o->id, &result)) {
    case RBD_OWNER_RESPONDED:
        ret = result == -EROFS ? -EROFS : -EAGAIN;
        break;
    case RBD_OWNER_TIMED_OUT:
    case RBD_OWNER_GONE:
        ret = 1;
        break;
    default:
        ret = -EAGAIN;
        break;
    }
    rbd_notify_reply_free(&r);
    return ret;
}

static void unlock_header(struct rbd_lock *l)
{
    int ret = rados_unlock(l->img->ctl, l->img->header_oid, LOCK_NAME,
                           l->cookie);

    if (ret < 0 && ret != -ENOENT && !rbd_image_blocklisted(l->img, ret)) {
        qbp_host->log(QBP_LOG_WARNING, "rbd: image '%s': unlocking failed: "
                      "%s", l->img->name, strerror(-ret));
    }
}

/* With the header lock taken: what the new owner must know. */
static int post_acquire(struct rbd_lock *l)
{
    struct rbd_image *img = l->img;
    int ret;

    /* The last owner may have resized or snapshotted: writes need it now. */
    ret = rbd_image_refresh(img);
    if (ret < 0) {
        return ret;
    }
    if (img->omap) {
        rbd_mapio_open(img->omap);
    }
    notify(img, RBD_NOTIFY_ACQUIRED_LOCK, &l->self, NULL, NULL);
    return 0;
}

/* 0: the lock is ours; -EAGAIN: asked for it, try later; else failed. */
static int acquire(struct rbd_lock *l)
{
    struct rbd_image *img = l->img;
    struct locker o;
    struct rbd_enc in;
    int ret = -EAGAIN;

    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        rbd_image_client_id(img, &l->self);
        snprintf(l->cookie, sizeof(l->cookie), "auto %" PRIu64,
                 l->self.handle);
        rbd_enc_init(&in);
        rbd_cls_enc_lock(&in, LOCK_NAME, RBD_LOCK_EXCLUSIVE, l->cookie,
                         LOCK_TAG, "");
        ret = header_write(img, "lock", "lock", &in);
        rbd_enc_free(&in);
        if (ret == 0 || ret == -EEXIST) {
            pthread_mutex_lock(&l->mu);
            l->held = true;
            l->recookie = false;        /* taken with the current handle */
            pthread_mutex_unlock(&l->mu);
            ret = post_acquire(l);
            if (ret < 0) {
                pthread_mutex_lock(&l->mu);
                l->held = false;
                pthread_mutex_unlock(&l->mu);
                unlock_header(l);
            }
            return ret;
        }
        if (ret != -EBUSY) {
            return ret;
        }
        ret = get_locker(img, &o);
        if (ret == -ENOENT) {
            continue;               /* released meanwhile */
        }
        if (ret < 0) {
            return ret;
        }
        if (o.id.gid == l->self.gid) {
            /* Our own, from before the watch was set up again. */
            ret = break_dead_owner(l, &o, true);
        } else {
            ret = request_lock(l, &o);
            if (ret == 1) {
                ret = break_dead_owner(l, &o, false);
            }
        }
        if (ret < 0) {
            return ret;
        }
    }
    return -EAGAIN;
}

/*
 * After set_cookie said -EBUSY: 0 when the lock is ours under cookie
 * already (a set_cookie resent after a reconnection, applied the first
 * time), else -EBUSY.
 */
static int holds_with(struct rbd_lock *l, const struct rbd_client_id *self,
                      const char *cookie)
{
    struct locker o;

    if (get_locker(l->img, &o) == 0 && o.id.gid == self->gid &&
        strcmp(o.cookie, cookie) == 0) {
        return 0;
    }
    return -EBUSY;
}

/*
 * The watch was set up again under a new handle: the cookie must name it,
 * or other clients would take us for dead (the kernel's
 * rbd_reacquire_lock).  If that fails, let the lock go.
 */
static void recookie(struct rbd_lock *l)
{
    struct rbd_client_id self;
    char cookie[sizeof(l->cookie)];
    struct rbd_enc in;
    int ret;

    rbd_image_client_id(l->img, &self);
    snprintf(cookie, sizeof(cookie), "auto %" PRIu64, self.handle);
    /*
     * Taken after the new watch, before the news of it reached us: the
     * cookie names the handle already, and set_cookie to the same cookie
     * fails with -EBUSY (cls_lock: "cookie in use").
     */
    if (strcmp(cookie, l->cookie) == 0) {
        return;
    }
    rbd_enc_init(&in);
    rbd_cls_enc_set_cookie(&in, LOCK_NAME, RBD_LOCK_EXCLUSIVE, l->cookie,
                           LOCK_TAG, cookie);
    ret = header_write(l->img, "lock", "set_cookie", &in);
    rbd_enc_free(&in);
    if (ret == -EBUSY) {
        ret = holds_with(l, &self, cookie);
    }
    pthread_mutex_lock(&l->mu);
    if (ret == 0) {
        memcpy(l->cookie, cookie, sizeof(cookie));
        l->self = self;
    } else {
        qbp_host->log(QBP_LOG_WARNING, "rbd: image '%s': updating the lock "
                      "cookie failed: %s", l->img->name, strerror(-ret));
        /* Hand it over rather than look dead; exclusive keeps it anyway. */
        l->release_wanted = !l->exclusive;
    }
    pthread_mutex_unlock(&l->mu);
}

static void release(struct rbd_lock *l)
{
    struct rbd_image *img = l->img;

    if (img->omap) {
        rbd_mapio_close(img->omap);
    }
    unlock_header(l);
    pthread_mutex_lock(&l->mu);
    l->held = false;
    pthread_mutex_unlock(&l->mu);
    notify(img, RBD_NOTIFY_RELEASED_LOCK, &l->self, NULL, NULL);
}

/*
 * Resume every waiter with ret; counted first when ret is 0.  Under mu.
 * Mutations that come while the waiters are being resumed queue behind
 * them (rbd_lock_get sees resuming) and are resumed next, in turn: one
 * that passed straight through could overtake a waiter submitted before
 * it, and overlapping writes would land out of order.
 */
static void resume_all(struct rbd_lock *l, int ret)
{
    l->resuming = true;
    do {
        struct rbd_lock_waiter *w = l->head;

        l->head = l->tail = NULL;
        for (struct rbd_lock_waiter *v = w; ret == 0 && v; v = v->next) {
            l->counted++;
        }
        pthread_mutex_unlock(&l->mu);
        while (w) {
            struct rbd_lock_waiter *next = w->next;

            w->resume(w, ret);
            w = next;
        }
        pthread_mutex_lock(&l->mu);
    } while (ret == 0 && l->head && l->state == LOCK_LOCKED &&
             !l->release_wanted);
    l->resuming = false;
}

/* One step of the state machine; false when there is nothing to do now. */
static bool step(struct rbd_lock *l)
{
    int ret;

    if (l->state == LOCK_LOCKED && l->recookie) {
        l->recookie = false;
        pthread_mutex_unlock(&l->mu);
        recookie(l);
        pthread_mutex_lock(&l->mu);
        return true;
    }
    if (l->state == LOCK_LOCKED && l->release_wanted && !l->exclusive) {
        l->state = LOCK_RELEASING;
    }
    if (l->state == LOCK_RELEASING && l->counted == 0) {
        pthread_mutex_unlock(&l->mu);
        release(l);
        pthread_mutex_lock(&l->mu);
        l->state = LOCK_UNLOCKED;
        l->release_wanted = false;
        l->retry_now = false;
        now_plus(&l->retry_at, HANDOVER_MS);
        return true;
    }
    if (l->state != LOCK_UNLOCKED || !l->head ||
        (!l->retry_now && !due(&l->retry_at))) {
        return false;
    }
    l->state = LOCK_ACQUIRING;
    l->retry_now = false;
    pthread_mutex_unlock(&l->mu);
    ret = acquire(l);
    pthread_mutex_lock(&l->mu);
    if (ret == 0) {
        l->state = LOCK_LOCKED;
        resume_all(l, 0);
    } else {
        l->state = LOCK_UNLOCKED;
        now_plus(&l->retry_at, RETRY_MS);
        if (ret != -EAGAIN) {
            if (!rbd_image_blocklisted(l->img, ret)) {
                qbp_host->log(QBP_LOG_WARNING, "rbd: image '%s': cannot "
                              "take the exclusive lock: %s", l->img->name,
                              strerror(-ret));
            }
            resume_all(l, ret);
        }
    }
    return true;
}

static void *lock_thread(void *arg)
{
    struct rbd_lock *l = arg;

    pthread_mutex_lock(&l->mu);
    while (!l->stop) {
        if (step(l)) {
            continue;
        }
        if (l->state == LOCK_UNLOCKED && l->head && !l->retry_now) {
            pthread_cond_timedwait(&l->wake, &l->mu, &l->retry_at);
        } else {
            pthread_cond_wait(&l->wake, &l->mu);
        }
    }
    if (l->held) {
        /* Closing: the host drained every request. */
        pthread_mutex_unlock(&l->mu);
        release(l);
        pthread_mutex_lock(&l->mu);
    }
    l->state = LOCK_UNLOCKED;
    resume_all(l, -ESHUTDOWN);
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

struct rbd_lock *rbd_lock_new(struct rbd_image *img, bool exclusive)
{
    struct rbd_lock *l = calloc(1, sizeof(*l));
    pthread_condattr_t attr;

    if (!l) {
        return NULL;
    }
    l->img = img;
    l->exclusive = exclusive;
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&l->wake, &attr);
    pthread_condattr_destroy(&attr);
    clock_gettime(CLOCK_MONOTONIC, &l->retry_at);
    if (pthread_create(&l->thread, NULL, lock_thread, l) != 0) {
        pthread_cond_destroy(&l->wake);
        pthread_mutex_destroy(&l->mu);
        free(l);
        return NULL;
    }
    return l;
}

void rbd_lock_shutdown(struct rbd_lock *l)
{
    pthread_mutex_lock(&l->mu);
    if (l->stop) {
        pthread_mutex_unlock(&l->mu);
        return;
    }
    l->stop = true;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
}

void rbd_lock_free(struct rbd_lock *l)
{
    if (!l) {
        return;
    }
    rbd_lock_shutdown(l);
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

int rbd_lock_get(struct rbd_lock *l, struct rbd_lock_waiter *w)
{
    if (!l) {
        return 0;
    }
    pthread_mutex_lock(&l->mu);
    /* Waiters first: a mutation does not overtake those that queued. */
    if (l->state == LOCK_LOCKED && !l->release_wanted && !l->head &&
        !l->resuming) {
        l->counted++;
        pthread_mutex_unlock(&l->mu);
        return 0;
    }
    if (l->stop) {
        pthread_mutex_unlock(&l->mu);
        return -ESHUTDOWN;
    }
    w->next = NULL;
    if (l->tail) {
        l->tail->next = w;
    } else {
        l->head = w;
    }
    l->tail = w;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->mu);
    return 1;
}

struct sync_waiter {
    struct rbd_lock_waiter w;       /* first: resume gets &s->w */
    struct rbd_sync sync;
};

static void sync_resume(struct rbd_lock_waiter *w, int ret)
{
    struct sync_waiter *s = (struct sync_waiter *)w;

    rbd_sync_done(&s->sync, ret);
}

int rbd_lock_get_sync(struct rbd_lock *l)
{
    struct sync_waiter s = { .w.resume = sync_resume,
                             .sync = RBD_SYNC_INIT };
    int ret = rbd_lock_get(l, &s.w);

    if (ret <= 0) {
        return ret;
    }
    return (int)rbd_sync_wait(&s.sync);
}

void rbd_lock_put(struct rbd_lock *l)
{
    if (!l) {
        return;
    }
    pthread_mutex_lock(&l->mu);
    assert(l->counted > 0);
    if (--l->counted == 0 && l->state == LOCK_RELEASING) {
        pthread_cond_signal(&l->wake);
    }
    pthread_mutex_unlock(&l->mu);
}

void rbd_lock_handle_notify(struct rbd_lock *l, const struct rbd_notify_msg *m,
                            const struct rbd_client_id *self,
                            struct rbd_notify_answer *a)
{
    pthread_mutex_lock(&l->mu);
    rbd_notify_answer(m, self, l->held, l->exclusive, a);
    if (a->action == RBD_NOTIFY_RELEASE && l->held) {
        l->release_wanted = true;
        pthread_cond_signal(&l->wake);
    } else if (a->action == RBD_NOTIFY_LOCK_FREE && l->head) {
        l->retry_now = true;
        pthread_cond_signal(&l->wake);
    }
    pthread_mutex_unlock(&l->mu);
}

void rbd_lock_rewatched(struct rbd_lock *l)
{
    pthread_mutex_lock(&l->mu);
    l->recookie = true;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->mu);
}
