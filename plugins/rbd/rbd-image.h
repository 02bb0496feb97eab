/*
 * rbd-image.h: an RBD format 2 image's state: its header as read from the
 * cluster, and the I/O contexts its objects are reached through.  The
 * lowest layer that knows images; only librados, rbd-rados and the pure
 * modules below it.
 */
#ifndef RBD_IMAGE_H
#define RBD_IMAGE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <rados/librados.h>

#include "qemu-block-plugin.h"
#include "rbd-cls.h"
#include "rbd-cluster.h"
#include "rbd-hint.h"
#include "rbd-layout.h"
#include "rbd-notify.h"
#include "rbd-qos.h"
#include "rbd-rados.h"

/* Features this plugin implements, for reading and for writing. */
#define RBD_PLUGIN_READ_FEATURES                                     \
    (RBD_FEATURE_LAYERING | RBD_FEATURE_STRIPINGV2 | RBD_FEATURE_DATA_POOL)
#define RBD_PLUGIN_WRITE_FEATURES                                    \
    (RBD_PLUGIN_READ_FEATURES | RBD_FEATURE_DEEP_FLATTEN |           \
     RBD_FEATURE_OPERATIONS | RBD_FEATURE_EXCLUSIVE_LOCK |           \
     RBD_FEATURE_OBJECT_MAP | RBD_FEATURE_FAST_DIFF)

struct rbd_image;
struct rbd_lock;
struct rbd_mapio;
struct rbd_objq;
struct rbd_refresh;

struct rbd_image_spec {
    const char *pool;
    const char *pool_namespace;     /* NULL or "": the default namespace */
    const char *image;
    const char *snapshot;           /* NULL: the head */
    /* Take the exclusive lock at open and never hand it over. */
    bool exclusive;
};

/*
 * A header notification for the layers above (the exclusive lock): decide
 * the answer (rbd-notify.h), from librados' thread, without blocking.
 */
struct rbd_watch_hooks {
    void (*notify)(void *arg, const struct rbd_notify_msg *m,
                   const struct rbd_client_id *self,
                   struct rbd_notify_answer *a);
    /* The watch was set up again under a new handle. */
    void (*rewatched)(void *arg);
    void *arg;
};

/* Reads [off, off + len) of an image into iov; rbd_io_submit's contract. */
typedef int rbd_read_fn(struct rbd_image *img, uint64_t off, uint64_t len,
                        const struct iovec *iov, int iovcnt,
                        qbp_completion_fn *cb, void *opaque);

/*
 * Lock order, the one place it is written: objq's lock -> img->lock, and
 * objq's lock -> the object map's mu; refresh_mu -> img->lock.  Every
 * other mutex of the plugin (the lock's mu, the refresher's mu, a sync
 * wait's) is taken alone, and no completion, resume or done callback runs
 * with any of them held.
 */
struct rbd_image {
    /* ---- set by rbd_image_load, read-only afterwards ---- */
    struct rbd_cluster *cluster;
    rados_ioctx_t meta;             /* header, id and directory objects */
    /* data objects: meta, or the data pool; its snap context: under lock */
    rados_ioctx_t data;
    /*
     * The same pools with no snap context (writable opens only): header
     * lock and object map writes must not clone those objects, and a
     * deep copy-up writes a clone's data under every snapshot at once.
     */
    rados_ioctx_t ctl;
    rados_ioctx_t data_nosnap;      /* ctl, or the data pool */
    char *pool_namespace;           /* "" for the default */
    char *name;                     /* for messages: pool/[ns/]image[@snap] */
    char *id;
    char *header_oid;
    char *object_prefix;
    uint8_t order;
    uint64_t features;
    uint64_t snap_id;               /* RBD_NOSNAP for the head */
    bool read_only;
    struct rbd_layout layout;
    /* A clone reads what it lacks from its parent, up to the overlap. */
    struct rbd_image *parent;
    /* rbd_qos_* limits of the host's requests (not a parent's reads) */
    struct rbd_qos *qos;

    /* ---- set by rbd_image_open (rbd-open.c) before any I/O ---- */
    struct rbd_objq *objq;          /* mutations in flight, per object */
    struct rbd_lock *xlock;         /* exclusive lock; NULL if not used */
    struct rbd_mapio *omap;         /* object map; NULL if not used */
    /* Re-reads the header on a thread of its own (rbd-watch.c). */
    struct rbd_refresh *refresher;
    struct rbd_watch_hooks watch_hooks;
    rbd_read_fn *read_parent;       /* how a copy-up reads the parent */

    /* ---- under lock ---- */
    pthread_mutex_t lock;
    uint64_t size;
    /* for writes: rbd_image_alloc_hint; a refresh may change it */
    struct rbd_alloc_hint alloc_hint;
    struct rbd_snapc snapc;
    uint64_t parent_overlap;
    uint64_t watch_handle;          /* written only by the watching thread */

    /* ---- rbd_image_refresh, from reading to installing ---- */
    pthread_mutex_t refresh_mu;

    /* ---- atomic ---- */
    atomic_bool rewatch;            /* the watch broke; set it up again */
    /* The cluster blocklisted this client: its I/O can only fail now. */
    atomic_bool blocklisted;

    /*
     * ---- set before the first request, then read-only ----
     * Told once, from any thread and without blocking, when the image
     * learns that its connection is blocklisted: the disk's recovery.
     */
    void (*on_blocklisted)(void *arg);
    void *on_blocklisted_arg;

    /* ---- the refresher's thread (or open and close, before and after) ---- */
    bool watching;
};

/*
 * The image's state: pools, id, header, layout, parent chain (loaded the
 * same way, read-only); for a writable open also the allocation hint and
 * the pools without a snap context.  NULL with err set naming the image
 * and what was wrong.  rbd_image_open (rbd-open.h) builds on it.
 */
struct rbd_image *rbd_image_load(struct rbd_cluster *cluster,
                                 const struct rbd_image_spec *spec,
                                 bool read_only, struct qbp_error *err);
/* Frees what rbd_image_load made, the parent chain included. */
void rbd_image_unload(struct rbd_image *img);

uint64_t rbd_image_size(struct rbd_image *img);
/* The allocation hint writes go behind now (rbd-hint.h). */
struct rbd_alloc_hint rbd_image_alloc_hint(struct rbd_image *img);
/* How much of the image reads through to the parent (0: nothing). */
uint64_t rbd_image_overlap(struct rbd_image *img);
/* Whether writes carry snapshots (copy-up must then be deep). */
bool rbd_image_has_snapshots(struct rbd_image *img);
/*
 * A copy of the snap context as of the last refresh (free it with
 * rbd_snapc_free): a refresh on another thread replaces it under
 * img->lock.  0 or -ENOMEM.
 */
int rbd_image_snapc_copy(struct rbd_image *img, struct rbd_snapc *out);
/* This client as other RBD clients see it: instance id, watch handle. */
void rbd_image_client_id(struct rbd_image *img, struct rbd_client_id *id);
/*
 * Re-read size, snap context and overlap, and apply the snap context to
 * writes.  Blocks; serialised with the other refreshes.
 */
int rbd_image_refresh(struct rbd_image *img);
/*
 * ret is what a cluster call returned: true if it says that this client
 * is blocklisted (-ESHUTDOWN, librados' EBLOCKLISTED), which is then
 * logged and told to on_blocklisted, once per image.
 */
bool rbd_image_blocklisted(struct rbd_image *img, int ret);
/*
 * Set the size in the header (as the exclusive lock's owner), tell the
 * other watchers, and refresh.
 */
int rbd_image_set_size(struct rbd_image *img, uint64_t size);
/* "rbd_data.<id>.%016llx" for object objno, into buf of RBD_OID_MAX. */
#define RBD_OID_MAX 128
void rbd_image_object_name(const struct rbd_image *img, uint64_t objno,
                           char *buf);

/*
 * Call a method of the image's header whose input is one snap id
 * (get_size, get_snapshot_name, get_flags, ...); the reply in *out, to free().
 */
int rbd_image_call_at(struct rbd_image *img, const char *method,
                      uint64_t snap_id, char **out, size_t *len);
/* get_flags of the head or a snapshot: RBD_FLAG_* (rbd-objmap.h). */
int rbd_image_get_flags(struct rbd_image *img, uint64_t snap_id,
                        uint64_t *flags);
/* Tell the header's other watchers to re-read it (HEADER_UPDATE). */
void rbd_image_notify_update(struct rbd_image *img);

#endif /* RBD_IMAGE_H */
