/*
 * DELIBERATELY BROKEN COPY for tests/test-abi-baseline.sh: version 1.4
 * below inserts `license` in the middle of struct qbp_plugin instead of
 * appending it, which moves every later field.  check-abi.sh must refuse
 * it even though the minor version was bumped.
 *
 * qemu-block-plugin.h: the stable C ABI between a block-device host (QEMU)
 * and a block driver built as a shared object.
 *
 * Plain C99.  No glib, no QEMU types.  The rules a plugin and a host must
 * follow are in plugin-api/CONTRACT.md; this header is the reference for
 * each field and callback.
 *
 * Changelog (newest first).  A minor version only appends fields at the end
 * of a table; a major version may change anything and old plugins are then
 * refused with a message that names their contact.
 *
 *   1.4  plugin table: license.
 *   1.3  plugin table: get_info; struct qbp_info_item, QBP_INFO_*,
 *        qbp_info_fn.
 *   1.2  (header only, no change to any table) QBP_OPEN_MASK, QBP_REQ_MASK,
 *        QBP_MAX_ERRNO, qbp_option_get(); the required callbacks marked.
 *   1.2  plugin table: aio_block_status; struct qbp_extent, QBP_EXTENT_*,
 *        QBP_CAP_BLOCK_STATUS; limits: alloc_granularity, disk_flags,
 *        QBP_DISK_ZERO_INIT.
 *   1.1  plugin table: snapshot_create, snapshot_list, snapshot_delete,
 *        snapshot_revert; struct qbp_snapshot; QBP_CAP_SNAPSHOTS.
 *   1.0  first stable version: entry point, host table (log, errors,
 *        secrets), plugin table (identity, options, thread model, open,
 *        close, get_length, aio_readv/aio_writev, flush, discard,
 *        write_zeroes, FUA, truncate, create, block limits).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QEMU_BLOCK_PLUGIN_H
#define QEMU_BLOCK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QBP_ABI_MAJOR 1
#define QBP_ABI_MINOR 4

/* The one symbol a plugin exports; QBP_REGISTER_PLUGIN defines it. */
#define QBP_ENTRY_SYMBOL "qbp_plugin_init"

#if defined(__GNUC__) && __GNUC__ >= 4
#define QBP_EXPORT __attribute__((visibility("default")))
#define QBP_HIDDEN __attribute__((visibility("hidden")))
#define QBP_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define QBP_EXPORT
#define QBP_HIDDEN
#define QBP_PRINTF(fmt, first)
#endif

/*
 * Every table that crosses the boundary starts with this header, filled in
 * by the side that owns the table.  struct_size is sizeof() of the table as
 * that side was compiled; the reader never looks past min(its size, this).
 */
struct qbp_table_header {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
};

/* True when a table of this layout carries FIELD (appended in some minor). */
#define QBP_HAS_FIELD(table, type, field)                                 \
    ((table)->hdr.struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* Opaque to plugins: where open/create/truncate put their error message. */
struct qbp_error;

/* Log levels for qbp_host.log. */
enum {
    QBP_LOG_ERROR = 0,
    QBP_LOG_WARNING = 1,
    QBP_LOG_INFO = 2,
    QBP_LOG_DEBUG = 3,
};

/*
 * What the host offers.  Passed to qbp_plugin_init; valid until the plugin
 * is unloaded.  Every function may be called from any thread.
 */
struct qbp_host {
    struct qbp_table_header hdr;
    /* Human-readable host name and version, e.g. "QEMU 7.2.0". */
    const char *host_name;

    void (*log)(int level, const char *fmt, ...) QBP_PRINTF(2, 3);

    /*
     * Set the error of a failed open, create or truncate.  errnum is a
     * negative errno saying what kind of failure it was; the message names
     * what was wrong ("image 'vm1' not found in pool 'rbd'").  The first
     * call wins; later calls are ignored.
     */
    void (*error_set)(struct qbp_error *err, int errnum,
                      const char *fmt, ...) QBP_PRINTF(3, 4);

    /*
     * Copy the secret ID (a QEMU "secret" object) into buf, which holds
     * bufsize bytes, so that no password needs to be on a command line.
     * Returns the secret's length in bytes, or a negative errno: -ENOENT
     * when there is no such secret, -ERANGE when buf is too small.  In both
     * the success and the -ERANGE case, *needed (if not NULL) receives the
     * secret's length.  Nothing is NUL-terminated.  Sets err (when not NULL)
     * on failure.
     */
    int64_t (*secret_lookup)(const char *id, void *buf, size_t bufsize,
                             size_t *needed, struct qbp_error *err);
};

/* Option types, for help text and for the host's validation. */
enum {
    QBP_OPT_STRING = 0,
    QBP_OPT_BOOL = 1,     /* host passes "on" or "off" */
    QBP_OPT_NUMBER = 2,   /* host passes a decimal unsigned integer */
    QBP_OPT_SIZE = 3,     /* host accepts 1G etc. and passes bytes in decimal */
};

/* Option flags. */
#define QBP_OPTF_REQUIRED (1u << 0)   /* open fails without it */

/*
 * One entry of the plugin's option table; the table ends with name NULL.
 * A name ending in '.' declares a family: "ceph." accepts "ceph.rbd_cache"
 * and any other key with that prefix, as a string.
 */
struct qbp_option {
    const char *name;
    uint32_t type;
    uint32_t flags;
    const char *help;
};

/* One option value handed to open or create. */
struct qbp_kv {
    const char *key;
    const char *value;
};

/*
 * The value of the first option named key among the n options of open or
 * create, or NULL when the user did not give it.
 */
static inline const char *qbp_option_get(const struct qbp_kv *options,
                                         size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(options[i].key, key) == 0) {
            return options[i].value;
        }
    }
    return NULL;
}

/*
 * Thread models, from strictest to loosest.  The plugin declares the
 * loosest it can take; the host may run it stricter, never looser.
 */
enum {
    /* One request at a time over all handles of the plugin. */
    QBP_THREAD_MODEL_SERIALIZE_ALL = 0,
    /* One request at a time per handle; handles are independent. */
    QBP_THREAD_MODEL_SERIALIZE_REQUESTS = 1,
    /* Any number of requests in flight, submitted from any thread. */
    QBP_THREAD_MODEL_PARALLEL = 2,
};

/*
 * Flags for open.  A host passes no bit outside QBP_OPEN_MASK of the
 * plugin's ABI version; a plugin refuses any it does not know (open fails
 * with -EINVAL), so that a flag it would ignore is never taken as honoured.
 */
#define QBP_OPEN_READ_ONLY (1u << 0)
/* The user asked to bypass host caches (cache=none / O_DIRECT). */
#define QBP_OPEN_NOCACHE   (1u << 1)
#define QBP_OPEN_MASK      (QBP_OPEN_READ_ONLY | QBP_OPEN_NOCACHE)

/*
 * Request flags.  The same rule: a host passes no bit outside QBP_REQ_MASK,
 * a plugin refuses (returns -EINVAL from the aio_* call) any request with a
 * bit it does not know.  A plugin that needs flags of its own keeps them in
 * its own request state, never in these bits.
 */
#define QBP_REQ_FUA       (1u << 0)   /* durable before completion */
#define QBP_REQ_MAY_UNMAP (1u << 1)   /* write_zeroes may deallocate */
#define QBP_REQ_MASK      (QBP_REQ_FUA | QBP_REQ_MAY_UNMAP)

/*
 * The largest errno a completion or a return value may carry (Linux's
 * MAX_ERRNO): a negative result below -QBP_MAX_ERRNO is not an errno, and a
 * host treats it as -EIO.
 */
#define QBP_MAX_ERRNO 4095

/* Capabilities, as returned by get_caps. */
#define QBP_CAP_WRITE        (1u << 0)
#define QBP_CAP_FLUSH        (1u << 1)
#define QBP_CAP_DISCARD      (1u << 2)
#define QBP_CAP_WRITE_ZEROES (1u << 3)
#define QBP_CAP_FUA          (1u << 4)
#define QBP_CAP_TRUNCATE     (1u << 5)
/* write_zeroes honours QBP_REQ_MAY_UNMAP by deallocating. */
#define QBP_CAP_ZERO_UNMAP   (1u << 6)
/* snapshot_create, _delete and _revert work on this handle (since 1.1). */
#define QBP_CAP_SNAPSHOTS    (1u << 7)
/*
 * aio_block_status works on this handle (since 1.2); read-only handles
 * should have it too, since the source of a copy is one.
 */
#define QBP_CAP_BLOCK_STATUS (1u << 8)

/* Facts about a disk, in qbp_limits.disk_flags (since 1.2). */
/*
 * A disk this plugin creates reads as zeroes everywhere (QEMU asks it of a
 * disk it has just created, to skip writing zeroes to it).
 */
#define QBP_DISK_ZERO_INIT   (1u << 0)

/* Block limits; the host owns the table and passes it zeroed. */
struct qbp_limits {
    struct qbp_table_header hdr;
    /* Offsets and lengths of every request are multiples of this; 0 = 1. */
    uint32_t request_alignment;
    /* Largest request the plugin takes; 0 = no limit. */
    uint32_t max_transfer;
    /* Preferred request size, e.g. the object size; 0 = none. */
    uint32_t opt_transfer;
    /* Discards and write_zeroes work best in units of this; 0 = none. */
    uint32_t discard_alignment;
    /*
     * The base and length of every iovec are multiples of this (O_DIRECT
     * needs it); the host copies through an aligned buffer when the
     * guest's memory is not.  0 = any.
     */
    uint32_t mem_alignment;

    /* ---- 1.2: write these only when QBP_HAS_FIELD says the host has them */

    /*
     * The unit the disk allocates in (for rbd the object size), shown by
     * QEMU as the cluster size; block status is no finer than this.
     * 0 = unknown.
     */
    uint32_t alloc_granularity;
    /* QBP_DISK_* facts. */
    uint32_t disk_flags;
};

/*
 * Called exactly once per accepted request, from any thread, possibly
 * before the submitting call has returned.  result is the length of the
 * whole request in bytes (reads are zero-filled past the end of data; flush
 * has length 0; aio_block_status: the number of extents filled in), or a negative
 * errno.
 */
typedef void qbp_completion_fn(void *opaque, int64_t result);

/* What a range of the disk holds, as aio_block_status reports it (1.2). */
enum {
    /* Allocated: holds data, which a copy must read. */
    QBP_EXTENT_DATA = 0,
    /* Reads as zeroes (allocated or not); a copy may skip it. */
    QBP_EXTENT_ZERO = 1,
    /* Not known without more work than the plugin will do: as DATA. */
    QBP_EXTENT_UNKNOWN = 2,
};

/*
 * One extent (since 1.2).  The host passes an array of them; it travels
 * in an array, so it never grows.
 */
struct qbp_extent {
    uint64_t length;               /* bytes, > 0 */
    uint32_t type;                 /* QBP_EXTENT_* */
    uint32_t reserved0;            /* must be 0 */
};

/*
 * One snapshot, as snapshot_list reports it (since 1.1).  The plugin owns
 * the table and its strings for the duration of the callback.
 */
struct qbp_snapshot {
    struct qbp_table_header hdr;
    uint32_t date_nsec;
    uint32_t reserved0;            /* explicit padding; must be 0 */
    const char *id;                /* unique and stable, e.g. "4" */
    const char *name;
    uint64_t size;                 /* disk size when it was taken */
    int64_t date_sec;              /* when, since the epoch; 0: unknown */
};

/* Receives one snapshot; a non-zero return stops the listing with it. */
typedef int qbp_snapshot_fn(void *opaque, const struct qbp_snapshot *snap);

/* What a qbp_info_item holds (since 1.3). */
enum {
    QBP_INFO_STRING = 0,           /* string */
    QBP_INFO_INT = 1,              /* number */
    QBP_INFO_BOOL = 2,             /* number, 0 or 1 */
};

/*
 * One fact about a disk, as get_info reports it (since 1.3): a name and a
 * typed value, which QEMU shows under "Format specific information".  The
 * plugin owns the table and its strings for the duration of the callback.
 */
struct qbp_info_item {
    struct qbp_table_header hdr;
    uint32_t type;                 /* QBP_INFO_* */
    uint32_t reserved0;            /* explicit padding; must be 0 */
    /*
     * Lower-case letters and digits in words joined by '-', starting with
     * a letter, as QAPI names are: "encryption-format".  Unique within one
     * get_info call.
     */
    const char *key;
    const char *string;            /* QBP_INFO_STRING; not NULL */
    int64_t number;                /* QBP_INFO_INT and QBP_INFO_BOOL */
};

/* Receives one fact; a non-zero return stops get_info with it. */
typedef int qbp_info_fn(void *opaque, const struct qbp_info_item *item);

/* Receives one option parsed out of a filename. */
typedef int qbp_add_option_fn(void *opaque, const char *key, const char *value);

/*
 * The plugin's table.  The fields up to and including `contact` keep their
 * place in every major version, so that any host can name a plugin it
 * refuses and say whom to contact.
 */
struct qbp_plugin {
    struct qbp_table_header hdr;
    uint32_t thread_model;
    uint32_t reserved0;            /* explicit padding; must be 0 */
    const char *name;              /* required; "rbd": rbd-plugin.so */
    const char *contact;           /* where users report problems */
    const char *license;           /* SPDX identifier (since 1.4) */
    /* ---- end of the part that is stable across major versions ---- */
    const char *version;           /* the plugin's own version */
    const char *description;       /* one line */
    const struct qbp_option *options;

    /*
     * Called once after the host accepted the table, before any other
     * callback.  Optional.  Returns 0, or a negative errno with err set.
     */
    int (*load)(struct qbp_error *err);
    /* Called once after the last close, before the file is unloaded. */
    void (*unload)(void);

    /*
     * Turn the REST of "plugin:NAME:REST" into options, one add() call each.
     * Optional: without it REST becomes the option "filename".
     * Returns 0, or a negative errno with err set.
     */
    int (*parse_filename)(const char *rest, qbp_add_option_fn *add,
                          void *opaque, struct qbp_error *err);

    /*
     * Required.  Open a disk.  options holds every option the user gave,
     * already checked against the option table (qbp_option_get finds one);
     * flags are QBP_OPEN_*.  Returns a handle, or NULL with err set.
     */
    void *(*open)(const struct qbp_kv *options, size_t n_options,
                  uint32_t flags, struct qbp_error *err);
    /* Required.  Nothing is in flight when close is called. */
    void (*close)(void *handle);
    /* Required.  Size in bytes, or a negative errno. */
    int64_t (*get_length)(void *handle);

    /*
     * Optional.  Which optional operations this handle supports; without
     * it, every operation whose callback is set.  A capability is only
     * honoured when its callback is also set.
     */
    uint32_t (*get_caps)(void *handle);
    /* Optional.  Fill in the fields of limits that apply. */
    void (*get_limits)(void *handle, struct qbp_limits *limits);

    /*
     * Requests; aio_readv is required, the others optional.  Return 0 when
     * accepted (the completion will be called exactly once) or a negative
     * errno when refused (it never will be), -EINVAL for flags outside
     * QBP_REQ_MASK.  They never wait on the calling thread: it runs the
     * guest.  The iovecs and their memory stay valid until the completion.
     */
    int (*aio_readv)(void *handle, uint64_t offset, const struct iovec *iov,
                     int iovcnt, uint32_t flags,
                     qbp_completion_fn *cb, void *opaque);
    int (*aio_writev)(void *handle, uint64_t offset, const struct iovec *iov,
                      int iovcnt, uint32_t flags,
                      qbp_completion_fn *cb, void *opaque);
    /* Completes once every write completed before it is durable. */
    int (*aio_flush)(void *handle, qbp_completion_fn *cb, void *opaque);
    int (*aio_discard)(void *handle, uint64_t offset, uint64_t length,
                       uint32_t flags, qbp_completion_fn *cb, void *opaque);
    int (*aio_write_zeroes)(void *handle, uint64_t offset, uint64_t length,
                            uint32_t flags, qbp_completion_fn *cb,
                            void *opaque);

    /*
     * Blocking calls; the host runs them where blocking is acceptable.
     * Return 0, or a negative errno with err set.
     */
    int (*truncate)(void *handle, uint64_t size, struct qbp_error *err);
    int (*create)(const struct qbp_kv *options, size_t n_options,
                  uint64_t size, struct qbp_error *err);

    /* ---- 1.1: internal snapshots, all optional and blocking ---- */

    /* Take a snapshot of the disk named name.  Nothing is in flight. */
    int (*snapshot_create)(void *handle, const char *name,
                           struct qbp_error *err);
    /* Call fn once per snapshot, oldest first. */
    int (*snapshot_list)(void *handle, qbp_snapshot_fn *fn, void *opaque,
                         struct qbp_error *err);
    /* Delete the snapshot with this id, or (id NULL) this name. */
    int (*snapshot_delete)(void *handle, const char *id, const char *name,
                           struct qbp_error *err);
    /*
     * Make the disk's content that of the snapshot with this id or name
     * (ids are tried first).  Nothing is in flight; get_length may change.
     */
    int (*snapshot_revert)(void *handle, const char *id_or_name,
                           struct qbp_error *err);

    /* ---- 1.2: allocation status ---- */

    /*
     * Optional (QBP_CAP_BLOCK_STATUS).  Describe the disk from offset on,
     * within [offset, offset + length), in at most max_extents entries of
     * extents[]: consecutive, in disk order, the first starting at offset.
     * The completion's result is the number of entries filled in (at least
     * 1), or a negative errno; their lengths add up to at most length (less
     * is fine: the host asks again for the rest).  flags is 0.  A request like
     * the data operations: it never waits on the calling thread, since on
     * some backends the answer comes from the network.  DATA is always a
     * correct answer; ZERO only when the range reads as zeroes.  Where an
     * answer ends before the end of the disk, it should end on a multiple
     * of the request alignment: a host widens a partial unit to data.
     */
    int (*aio_block_status)(void *handle, uint64_t offset, uint64_t length,
                            uint32_t flags, struct qbp_extent *extents,
                            uint32_t max_extents,
                            qbp_completion_fn *cb, void *opaque);

    /* ---- 1.3: format-specific information ---- */

    /*
     * Optional.  Report what a user asking `qemu-img info` about this disk
     * should learn beyond its size (for rbd, its encryption format): one
     * fn() call per fact, none when there is nothing to say; QEMU shows
     * them in an order of its own.  The host calls it from its main loop
     * (QMP query-block), so it answers from what the handle already knows
     * and never waits on the network.  Requests may be in flight.
     * Returns 0, the non-zero value fn returned, or a negative errno with
     * err set.
     */
    int (*get_info)(void *handle, qbp_info_fn *fn, void *opaque,
                    struct qbp_error *err);
};

/* The host table the running plugin was given; set by QBP_REGISTER_PLUGIN. */
extern QBP_HIDDEN const struct qbp_host *qbp_host;

typedef const struct qbp_plugin *qbp_plugin_init_fn(const struct qbp_host *host);
QBP_EXPORT const struct qbp_plugin *qbp_plugin_init(const struct qbp_host *host);

/*
 * End every plugin with QBP_REGISTER_PLUGIN(table), table being a
 * non-const struct qbp_plugin.  It stamps the table's size and ABI version
 * and defines the one exported symbol.
 */
#define QBP_REGISTER_PLUGIN(plugin)                                       \
    QBP_HIDDEN const struct qbp_host *qbp_host;                           \
    QBP_EXPORT const struct qbp_plugin *                                  \
    qbp_plugin_init(const struct qbp_host *host)                          \
    {                                                                     \
        qbp_host = host;                                                  \
        (plugin).hdr.struct_size = sizeof(plugin);                        \
        (plugin).hdr.abi_major = QBP_ABI_MAJOR;                           \
        (plugin).hdr.abi_minor = QBP_ABI_MINOR;                           \
        return &(plugin);                                                 \
    }

#ifdef __cplusplus
}
#endif

#endif /* QEMU_BLOCK_PLUGIN_H */
