/*
 * rbd-cls.h: inputs and outputs of the Ceph class methods the plugin calls
 * (class "rbd" on rbd_header.<id>, rbd_id.<name>, rbd_directory; class
 * "lock").  Encoders append to an rbd_enc; decoders take the reply bytes
 * and return 0 or -EBADMSG (malformed or nonsense sizes), never reading
 * out of bounds (-ENOMEM only if a small string copy cannot be allocated).
 * On failure a decoder leaves nothing allocated and its outputs untouched.
 * Bytes after the fields a decoder knows are ignored, as Ceph's own
 * decoders do (a newer OSD may append fields).
 * Facts: ../../../shared/reference/rbd-format2.md.
 */
#ifndef RBD_CLS_H
#define RBD_CLS_H

#include <stdint.h>

#include "rbd-buf.h"

#define RBD_NOSNAP ((uint64_t)-2)

/* Object size 2^order: what librbd lets `rbd create` use (4 KiB..32 MiB). */
#define RBD_ORDER_MIN 12
#define RBD_ORDER_MAX 25

/* The longest strings the decoders accept; longer ones are -EBADMSG. */
#define RBD_ID_MAX          64      /* image id (librbd makes ~12..20) */
#define RBD_OBJ_PREFIX_MAX  256     /* "rbd_data.[<pool>.]<id>" */
#define RBD_NAME_MAX        4096    /* image, snapshot, namespace names */

/* Snapshot contexts with more snapshots are -EBADMSG. */
#define RBD_SNAPC_MAX       65536

/* Feature bits (librbd's features.h). */
#define RBD_FEATURE_LAYERING       (1ull << 0)
#define RBD_FEATURE_STRIPINGV2     (1ull << 1)
#define RBD_FEATURE_EXCLUSIVE_LOCK (1ull << 2)
#define RBD_FEATURE_OBJECT_MAP     (1ull << 3)
#define RBD_FEATURE_FAST_DIFF      (1ull << 4)
#define RBD_FEATURE_DEEP_FLATTEN   (1ull << 5)
#define RBD_FEATURE_JOURNALING     (1ull << 6)
#define RBD_FEATURE_DATA_POOL      (1ull << 7)
#define RBD_FEATURE_OPERATIONS     (1ull << 8)
#define RBD_FEATURE_MIGRATING      (1ull << 9)
#define RBD_FEATURE_NON_PRIMARY    (1ull << 10)
#define RBD_FEATURE_DIRTY_CACHE    (1ull << 11)

/* Every feature bit this file has a name for. */
#define RBD_FEATURES_KNOWN         ((RBD_FEATURE_DIRTY_CACHE << 1) - 1)

/*
 * "layering", "exclusive-lock", …: the names `rbd` uses (its
 * ImageFeatures::FEATURE_MAPPING); NULL unless bit is exactly one known
 * feature bit.
 */
const char *rbd_feature_name(uint64_t bit);
/*
 * Parse "layering,striping"-style lists (also "+"-separated; blanks
 * around names are ignored; names are exact and lower case, as `rbd
 * --image-feature` takes them) or a number ("61", "0x3d") with known bits
 * only.  0, or -EINVAL (empty list, empty or unknown name) with *features
 * unchanged.
 */
int rbd_features_parse(const char *s, uint64_t *features);
/*
 * Comma-separated names of the bits in mask in bit order, as `rbd info`
 * prints them, e.g. "exclusive-lock, object-map"; unknown bits are
 * appended as one hex number ("layering, 0x1000"); no bits give "".
 * Always NUL-terminated when len > 0; cut short if buf is too small
 * (RBD_FEATURES_FORMAT_LEN always suffices).
 */
#define RBD_FEATURES_FORMAT_LEN 192
void rbd_features_format(uint64_t mask, char *buf, size_t len);

/* ---- inputs ---- */
/* le64: get_size, get_flags, get_snapshot_name, parent_overlap_get, snapshot_get. */
void rbd_cls_enc_snap_id(struct rbd_enc *e, uint64_t snap_id);
/* le64 snap_id, u8 read_only. */
void rbd_cls_enc_get_features(struct rbd_enc *e, uint64_t snap_id, bool read_only);
/* le64 size, u8 order, le64 features, string object_prefix, s64 data pool (-1 = none). */
void rbd_cls_enc_create(struct rbd_enc *e, uint64_t size, uint8_t order,
                        uint64_t features, const char *object_prefix,
                        int64_t data_pool_id);
/* string name, string id: dir_add_image, also dir_remove_image. */
void rbd_cls_enc_dir_add_image(struct rbd_enc *e, const char *name, const char *id);
/* string id: set_id on rbd_id.<name>. */
void rbd_cls_enc_set_id(struct rbd_enc *e, const char *id);
/* le64 size. */
void rbd_cls_enc_set_size(struct rbd_enc *e, uint64_t size);
/* le64 unit, le64 count. */
void rbd_cls_enc_set_stripe_unit_count(struct rbd_enc *e, uint64_t unit, uint64_t count);

/* Class "lock" (src/cls/lock/cls_lock_ops.h); lock types: */
#define RBD_LOCK_EXCLUSIVE 1
#define RBD_LOCK_SHARED    2
/*
 * lock.lock: ENCODE_START(1,1){string name, u8 type, string cookie,
 * string tag, string description, utime_t duration 0 (forever), u8 flags 0}.
 */
void rbd_cls_enc_lock(struct rbd_enc *e, const char *name, uint8_t type,
                      const char *cookie, const char *tag,
                      const char *description);
/* lock.assert_locked: ENCODE_START(1,1){string name, u8 type, string cookie, string tag}. */
void rbd_cls_enc_assert_locked(struct rbd_enc *e, const char *name,
                               uint8_t type, const char *cookie,
                               const char *tag);
/*
 * lock.set_cookie: ENCODE_START(1,1){string name, u8 type, string cookie,
 * string tag, string new cookie}.
 */
void rbd_cls_enc_set_cookie(struct rbd_enc *e, const char *name, uint8_t type,
                            const char *cookie, const char *tag,
                            const char *new_cookie);
/*
 * rbd.object_map_update: le64 start, le64 end (exclusive), u8 new state,
 * optional<u8> current state (expect < 0: none).
 */
void rbd_cls_enc_object_map_update(struct rbd_enc *e, uint64_t start,
                                   uint64_t end, uint8_t state, int expect);
/* rbd.object_map_resize: le64 object count, u8 state of new objects. */
void rbd_cls_enc_object_map_resize(struct rbd_enc *e, uint64_t count,
                                   uint8_t state);
/* rbd.set_flags: le64 flags, le64 mask, le64 snap id. */
void rbd_cls_enc_set_flags(struct rbd_enc *e, uint64_t flags, uint64_t mask,
                           uint64_t snap_id);

/* ---- outputs ---- */
/* rbd_id.<name> contents / get_id: a non-empty id of at most RBD_ID_MAX. */
int rbd_cls_dec_get_id(const void *buf, size_t len, char **id);
/* u8 order (RBD_ORDER_MIN..RBD_ORDER_MAX), le64 size (-EOVERFLOW above INT64_MAX). */
int rbd_cls_dec_get_size(const void *buf, size_t len, uint8_t *order, uint64_t *size);
/* A non-empty string of at most RBD_OBJ_PREFIX_MAX. */
int rbd_cls_dec_get_object_prefix(const void *buf, size_t len, char **prefix);
/* le64 features, le64 incompatible. */
int rbd_cls_dec_get_features(const void *buf, size_t len, uint64_t *features, uint64_t *incompatible);
int rbd_cls_dec_get_flags(const void *buf, size_t len, uint64_t *flags);
/* le64 unit, le64 count, as stored: rbd_layout_check judges them. */
int rbd_cls_dec_get_stripe_unit_count(const void *buf, size_t len, uint64_t *unit, uint64_t *count);
/* s64 pool id: -1 (none) or >= 0. */
int rbd_cls_dec_get_data_pool(const void *buf, size_t len, int64_t *pool_id);

struct rbd_snapc {
    uint64_t seq;
    uint32_t n;
    uint64_t *snaps;    /* newest first, n entries, heap */
};
/*
 * Refuses counts the reply cannot hold and n > RBD_SNAPC_MAX, and
 * contexts librados would refuse (SnapContext::is_valid: seq a valid snap
 * id >= every snap, snaps strictly decreasing).  snaps is NULL when n == 0.
 */
int rbd_cls_dec_get_snapcontext(const void *buf, size_t len, struct rbd_snapc *snapc);
/* Frees snaps and zeroes *snapc; safe on a zeroed or already freed one. */
void rbd_snapc_free(struct rbd_snapc *snapc);

struct rbd_parent {
    int64_t pool_id;        /* -1: no parent */
    char *pool_namespace;
    char *image_id;
    uint64_t snap_id;
};
/*
 * ENCODE_START(1,1){s64 pool, string namespace, string image_id, le64
 * snap_id}.  pool_id < -1 is refused; a parent (pool_id >= 0) must name
 * an image id and a snapshot (not RBD_NOSNAP), as Ceph's
 * cls_rbd_parent::exists() requires.  Strings are heap, "" when empty.
 * The parent may be recorded with no overlap left (parent_overlap_get).
 */
int rbd_cls_dec_parent_get(const void *buf, size_t len, struct rbd_parent *parent);
/*
 * Frees the strings and leaves *parent as "no parent" (pool -1, NULL
 * strings, RBD_NOSNAP); safe on a zeroed or already freed one.
 */
void rbd_parent_free(struct rbd_parent *parent);

/*
 * parent_overlap_get output: optional<le64>.  *has_overlap false (and
 * *overlap 0) when absent, e.g. a snapshot taken without a parent.
 */
int rbd_cls_dec_parent_overlap_get(const void *buf, size_t len,
                                   bool *has_overlap, uint64_t *overlap);

/* get_snapshot_name output: one string of at most RBD_NAME_MAX. */
int rbd_cls_dec_get_snapshot_name(const void *buf, size_t len, char **name);

/*
 * Snapshots.  snapshot_add input: string name, le64 snap id (the OSD takes
 * a user snapshot namespace when none follows); snapshot_remove input: le64
 * snap id; get_snapshot_timestamp output: utime_t (le32 sec, le32 nsec).
 */
void rbd_cls_enc_snapshot_add(struct rbd_enc *e, const char *name,
                              uint64_t snap_id);
int rbd_cls_dec_get_snapshot_timestamp(const void *buf, size_t len,
                                       uint32_t *sec, uint32_t *nsec);

/*
 * snapshot_get output, cls::rbd::SnapshotInfo: ENCODE_START(1,1){le64 id,
 * SnapshotNamespace as ENCODE_START(1,1){le32 type, what the type adds},
 * string name, le64 image size, utime_t timestamp, le32 child count (its
 * clone v2 children)}.  The name must be at most RBD_NAME_MAX; it is not
 * returned (get_snapshot_name gives it).
 */
#define RBD_SNAP_NS_USER   0    /* what `rbd snap ls` lists */
#define RBD_SNAP_NS_GROUP  1
#define RBD_SNAP_NS_TRASH  2    /* removed, kept for its clones */
#define RBD_SNAP_NS_MIRROR 3
struct rbd_snap_info {
    uint64_t id;
    uint32_t ns_type;
    uint64_t size;
    uint32_t child_count;
};
int rbd_cls_dec_snapshot_get(const void *buf, size_t len,
                             struct rbd_snap_info *info);

/*
 * Metadata (`rbd image-meta`, and the conf_ settings of `rbd config image
 * set` / `rbd config pool set`): metadata_list on rbd_header.<id> or on a
 * pool's rbd_info.  Input: string start_after (list the keys after it),
 * le64 max_return.  Output: map<string, bufferlist>: le32 count, then
 * count × (string key, le32 length + bytes value), keys in order.
 * rbd_cls_dec_metadata_list checks the whole reply first, then calls fn for
 * each pair with pointers into buf (neither is NUL-terminated; a value may
 * hold any byte); a nonzero return from fn stops it and is returned.
 */
#define RBD_META_KEY_MAX   4096
#define RBD_META_VALUE_MAX (1 << 20)
void rbd_cls_enc_metadata_list(struct rbd_enc *e, const char *start_after,
                               uint64_t max_return);
typedef int rbd_meta_fn(const char *key, size_t key_len, const char *value,
                        size_t value_len, void *arg);
int rbd_cls_dec_metadata_list(const void *buf, size_t len, uint32_t *count,
                              rbd_meta_fn *fn, void *arg);

#endif /* RBD_CLS_H */
