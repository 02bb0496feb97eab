/*
 * rbd.c: the rbd plugin: Ceph RBD format 2 images over librados, addressed
 * like QEMU's in-tree rbd driver (plugin:rbd:POOL[/NS]/IMAGE[@SNAP][:k=v]).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-block-plugin.h"
#include "rbd-cluster.h"
#include "rbd-create.h"
#include "rbd-encrypt.h"
#include "rbd-image.h"
#include "rbd-io.h"
#include "rbd-open.h"
#include "rbd-resize.h"
#include "rbd-session.h"
#include "rbd-status.h"
#include "rbd-snap.h"
#include "rbd-spec.h"

#define CEPH_PREFIX "ceph."
#define MAX_SETTINGS 64

static const struct qbp_option rbd_options[] = {
    { "pool", QBP_OPT_STRING, QBP_OPTF_REQUIRED, "RADOS pool of the image" },
    { "namespace", QBP_OPT_STRING, 0, "RADOS namespace of the image" },
    { "image", QBP_OPT_STRING, QBP_OPTF_REQUIRED, "image name" },
    { "snapshot", QBP_OPT_STRING, 0, "snapshot to open (read-only)" },
    { "conf", QBP_OPT_STRING, 0, "Ceph configuration file" },
    { "user", QBP_OPT_STRING, 0, "Ceph user (client.USER), default admin" },
    { "server", QBP_OPT_STRING, 0, "monitor addresses (mon_host)" },
    { "key-secret", QBP_OPT_STRING, 0, "id of a secret object holding the "
      "user's key" },
    { "auth-client-required", QBP_OPT_STRING, 0, "acceptable "
      "authentication modes, e.g. cephx;none" },
    { "osd-op-timeout", QBP_OPT_NUMBER, 0, "seconds before an OSD request "
      "fails (0: wait forever)" },
    { "mon-op-timeout", QBP_OPT_NUMBER, 0, "seconds before a monitor "
      "request or the connection fails (0: wait forever)" },
    { "recover-session", QBP_OPT_STRING, 0, "auto: after the cluster "
      "blocklisted this client, open a new session and go on, unless "
      "another client took the lock (default no: I/O fails from then on)" },
    { "exclusive", QBP_OPT_BOOL, 0, "hold the image's exclusive lock from "
      "open to close, refusing other clients' requests for it" },
    { "encrypt.format", QBP_OPT_STRING, 0, "open or create an image "
      "encrypted as librbd does it: luks or luks2" },
    { "encrypt.key-secret", QBP_OPT_STRING, 0, "id of a secret object "
      "holding the encryption passphrase" },
    { "encrypt.cipher-alg", QBP_OPT_STRING, 0, "create: aes-128 or aes-256 "
      "(default aes-256)" },
    { CEPH_PREFIX, QBP_OPT_STRING, 0, "any other Ceph setting, "
      "e.g. ceph.rbd_cache=false" },
    /* Used by create only. */
    { "object-size", QBP_OPT_SIZE, 0, "create: object size, a power of two "
      "from 4K to 32M (default 4M)" },
    { "features", QBP_OPT_STRING, 0, "create: image features, e.g. "
      "layering,deep-flatten (default Ceph's rbd_default_features: "
      "layering,exclusive-lock,object-map,fast-diff,deep-flatten)" },
    { "stripe-unit", QBP_OPT_SIZE, 0, "create: stripe unit (default the "
      "object size)" },
    { "stripe-count", QBP_OPT_NUMBER, 0, "create: stripe count (default 1)" },
    { "data-pool", QBP_OPT_STRING, 0, "create: pool for the data objects" },
    { NULL },
};

/* Everything the options say, picked out of the key/value list. */
struct rbd_args {
    struct rbd_image_spec spec;
    struct rbd_conn_opts conn;
    struct qbp_kv settings[MAX_SETTINGS];
    const char *object_size;
    const char *features;
    const char *stripe_unit;
    const char *stripe_count;
    const char *data_pool;
    const char *exclusive;
    const char *recover_session;
    const char *encrypt_format;
    const char *encrypt_secret;
    const char *encrypt_cipher;
};

struct rbd_disk {
    struct rbd_session *sess;
    struct rbd_encrypt *enc;        /* NULL: not encrypted */
    /* The header opened, or found at open without encrypt.*: NONE. */
    enum rbd_luks_version luks;
    /* The same in every session: the image's. */
    bool read_only;
    uint32_t object_size;
};

static int parse_args(const struct qbp_kv *kv, size_t n, struct rbd_args *a,
                      struct qbp_error *err)
{
    struct {
        const char *key;
        const char **dest;
    } map[] = {
        { "pool", &a->spec.pool }, { "namespace", &a->spec.pool_namespace },
        { "image", &a->spec.image }, { "snapshot", &a->spec.snapshot },
        { "conf", &a->conn.conf }, { "user", &a->conn.user },
        { "server", &a->conn.server }, { "key-secret", &a->conn.key_secret },
        { "auth-client-required", &a->conn.auth },
        { "osd-op-timeout", &a->conn.osd_op_timeout },
        { "mon-op-timeout", &a->conn.mon_op_timeout },
        { "object-size", &a->object_size }, { "features", &a->features },
        { "stripe-unit", &a->stripe_unit },
        { "stripe-count", &a->stripe_count }, { "data-pool", &a->data_pool },
        { "exclusive", &a->exclusive },
        { "recover-session", &a->recover_session },
        { "encrypt.format", &a->encrypt_format },
        { "encrypt.key-secret", &a->encrypt_secret },
        { "encrypt.cipher-alg", &a->encrypt_cipher },
    };

    memset(a, 0, sizeof(*a));
    a->conn.settings = a->settings;
    for (size_t i = 0; i < n; i++) {
        char msg[256];
        size_t k;

        if (rbd_spec_check_option(kv[i].key, kv[i].value, msg,
                                  sizeof(msg)) < 0) {
            qbp_host->error_set(err, -EINVAL, "%s", msg);
            return -EINVAL;
        }
        for (k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
            if (strcmp(kv[i].key, map[k].key) == 0) {
                *map[k].dest = kv[i].value;
                break;
            }
        }
        if (k < sizeof(map) / sizeof(map[0])) {
            continue;
        }
        if (strncmp(kv[i].key, CEPH_PREFIX, strlen(CEPH_PREFIX)) != 0 ||
            a->conn.n_settings == MAX_SETTINGS) {
            qbp_host->error_set(err, -EINVAL, "rbd: unexpected option '%s'",
                                kv[i].key);
            return -EINVAL;
        }
        a->settings[a->conn.n_settings].key = kv[i].key + strlen(CEPH_PREFIX);
        a->settings[a->conn.n_settings++].value = kv[i].value;
    }
    if (a->exclusive && strcmp(a->exclusive, "on") != 0 &&
        strcmp(a->exclusive, "off") != 0) {
        qbp_host->error_set(err, -EINVAL, "rbd: option 'exclusive' takes on "
                            "or off, not '%s'", a->exclusive);
        return -EINVAL;
    }
    a->spec.exclusive = a->exclusive && strcmp(a->exclusive, "on") == 0;
    if (a->recover_session && strcmp(a->recover_session, "auto") != 0 &&
        strcmp(a->recover_session, "no") != 0) {
        qbp_host->error_set(err, -EINVAL, "rbd: option 'recover-session' "
                            "takes auto or no, not '%s'", a->recover_session);
        return -EINVAL;
    }
    if (!a->encrypt_format != !a->encrypt_secret) {
        qbp_host->error_set(err, -EINVAL, "rbd: encrypt.%s is needed with "
                            "encrypt.%s", a->encrypt_format ? "key-secret" :
                            "format", a->encrypt_format ? "format" :
                            "key-secret");
        return -EINVAL;
    }
    if (a->encrypt_cipher && !a->encrypt_format) {
        qbp_host->error_set(err, -EINVAL, "rbd: encrypt.cipher-alg needs "
                            "encrypt.format");
        return -EINVAL;
    }
    if (!a->spec.pool || !*a->spec.pool || !a->spec.image || !*a->spec.image) {
        qbp_host->error_set(err, -EINVAL, "rbd: a pool and an image name are "
                            "needed, e.g. plugin:rbd:rbd/vm1");
        return -EINVAL;
    }
    return 0;
}

/* POOL[/NAMESPACE]/IMAGE[@SNAP][:key=value...] into options. */
static int rbd_parse_filename(const char *rest, qbp_add_option_fn *add,
                              void *opaque, struct qbp_error *err)
{
    char msg[256];
    int ret = rbd_spec_parse(rest, add, opaque, msg, sizeof(msg));

    if (ret < 0) {
        qbp_host->error_set(err, ret, "%s", msg);
    }
    return ret;
}

/* Opens a disk on a shared cluster connection. */
static void *rbd_open(const struct qbp_kv *kv, size_t n, uint32_t flags,
                      struct qbp_error *err)
{
    struct rbd_image *img;
    struct rbd_args a;
    struct rbd_disk *d;

    if (flags & ~QBP_OPEN_MASK) {
        qbp_host->error_set(err, -EINVAL, "rbd: open flags 0x%" PRIx32
                            " have bits this plugin does not know (0x%" PRIx32
                            ")", flags, flags & ~QBP_OPEN_MASK);
        return NULL;
    }
    if (parse_args(kv, n, &a, err) < 0) {
        return NULL;
    }
    d = calloc(1, sizeof(*d));
    if (!d) {
        qbp_host->error_set(err, -ENOMEM, "rbd: out of memory");
        return NULL;
    }
    d->sess = rbd_session_open(&a.conn, &a.spec, flags & QBP_OPEN_READ_ONLY,
                               a.recover_session &&
                               strcmp(a.recover_session, "auto") == 0, err);
    if (!d->sess) {
        free(d);
        return NULL;
    }
    img = rbd_session_hold(d->sess);
    d->read_only = img->read_only;
    d->object_size = (uint32_t)img->layout.object_size;
    if (a.encrypt_format) {
        enum rbd_luks_version v;

        if (rbd_encrypt_parse_format(a.encrypt_format, &v, err) == 0) {
            d->enc = rbd_encrypt_load(img, v, a.encrypt_secret, err);
            d->luks = v;
        }
    } else {
        /* So that `qemu-img info` can say an image is encrypted. */
        d->luks = rbd_encrypt_probe(img);
    }
    rbd_session_release(d->sess, img);
    if (a.encrypt_format && !d->enc) {
        rbd_session_close(d->sess);
        free(d);
        return NULL;
    }
    return d;
}

/* Nothing is in flight: the host drained the disk. */
static void rbd_close(void *handle)
{
    struct rbd_disk *d = handle;

    rbd_session_close(d->sess);
    rbd_encrypt_free(d->enc);
    free(d);
}

/*
 * The image's size, as of the last refresh: QEMU asks from its main loop,
 * and the refresher reads a changed header without making it wait.
 */
static int64_t rbd_get_length(void *handle)
{
    struct rbd_disk *d = handle;

    struct rbd_image *img = rbd_session_hold(d->sess);
    uint64_t size = rbd_image_size(img);

    rbd_session_release(d->sess, img);
    return (int64_t)(d->enc ? rbd_encrypt_disk_size(d->enc, size) : size);
}

/* Writes are durable on completion: RADOS acknowledges only committed data. */
static uint32_t rbd_get_caps(void *handle)
{
    struct rbd_disk *d = handle;

    /*
     * Encrypted: a discard is not passed on and write-zeroes is a write
     * of encrypted zeroes, which QEMU makes from writes; block status
     * would say nothing, as every written unit reads as data.
     */
    if (d->enc) {
        return d->read_only ? 0 : QBP_CAP_WRITE | QBP_CAP_FLUSH |
               QBP_CAP_FUA | QBP_CAP_TRUNCATE | QBP_CAP_SNAPSHOTS;
    }
    if (d->read_only) {
        return QBP_CAP_BLOCK_STATUS;
    }
    return QBP_CAP_WRITE | QBP_CAP_FLUSH | QBP_CAP_DISCARD |
           QBP_CAP_WRITE_ZEROES | QBP_CAP_FUA | QBP_CAP_TRUNCATE |
           QBP_CAP_ZERO_UNMAP | QBP_CAP_SNAPSHOTS | QBP_CAP_BLOCK_STATUS;
}

/*
 * Any byte range, as librbd takes them: with a larger alignment QEMU
 * would turn the unaligned ends of a write-zeroes into read-modify-write
 * data writes, creating objects librbd leaves absent.  Whole objects
 * where the caller can.
 */
static void rbd_get_limits(void *handle, struct qbp_limits *limits)
{
    struct rbd_disk *d = handle;

    limits->request_alignment = 1;
    limits->opt_transfer = d->object_size;
    /*
     * Encrypted: whole cipher units, QEMU reading around a partial one as
     * librbd does; a new image's unwritten units are not zeroes to
     * librbd, which deciphers what an object holds.
     */
    if (d->enc) {
        limits->request_alignment = rbd_encrypt_block_size(d->enc);
        if (QBP_HAS_FIELD(limits, struct qbp_limits, disk_flags)) {
            limits->alloc_granularity = d->object_size;
        }
        return;
    }
    /* As the in-tree driver: the object is QEMU's cluster; rbd create zeroes. */
    if (QBP_HAS_FIELD(limits, struct qbp_limits, disk_flags)) {
        limits->alloc_granularity = d->object_size;
        limits->disk_flags = QBP_DISK_ZERO_INIT;
    }
}

static int rbd_aio_block_status(void *handle, uint64_t offset,
                                uint64_t length, uint32_t flags,
                                struct qbp_extent *extents,
                                uint32_t max_extents, qbp_completion_fn *cb,
                                void *opaque)
{
    struct rbd_disk *d = handle;

    if (flags != 0) {
        return -EINVAL;
    }
    struct rbd_image *img = rbd_session_begin(d->sess, &cb, &opaque);
    int ret;

    if (!img) {
        return -ENOMEM;
    }
    ret = rbd_status_submit(img, offset, length, extents, max_extents, cb,
                            opaque);
    if (ret < 0) {
        rbd_session_abort(d->sess, cb, opaque);
    }
    return ret;
}

/*
 * One request on the disk's current session: through the cipher when the
 * disk is encrypted (reads and writes; the rest are not offered then).
 */
static int submit(struct rbd_disk *d, enum rbd_io_kind kind, uint64_t off,
                  const struct iovec *iov, int iovcnt, uint64_t len,
                  uint32_t flags, qbp_completion_fn *cb, void *opaque)
{
    struct rbd_image *img = rbd_session_begin(d->sess, &cb, &opaque);
    int ret;

    if (!img) {
        return -ENOMEM;
    }
    if (d->enc) {
        ret = rbd_encrypt_submit(d->enc, img, kind == RBD_IO_WRITE, off, len,
                                 iov, iovcnt, flags, cb, opaque);
    } else {
        ret = rbd_io_submit(img, kind, off, len, iov, iovcnt, flags, cb,
                            opaque);
    }
    if (ret < 0) {
        rbd_session_abort(d->sess, cb, opaque);
    }
    return ret;
}

static uint64_t iov_length(const struct iovec *iov, int iovcnt)
{
    uint64_t len = 0;

    for (int i = 0; i < iovcnt; i++) {
        len += iov[i].iov_len;
    }
    return len;
}

static int rbd_aio_readv(void *handle, uint64_t offset,
                         const struct iovec *iov, int iovcnt, uint32_t flags,
                         qbp_completion_fn *cb, void *opaque)
{
    return submit(handle, RBD_IO_READ, offset, iov, iovcnt,
                  iov_length(iov, iovcnt), flags, cb, opaque);
}

static int rbd_aio_writev(void *handle, uint64_t offset,
                          const struct iovec *iov, int iovcnt, uint32_t flags,
                          qbp_completion_fn *cb, void *opaque)
{
    return submit(handle, RBD_IO_WRITE, offset, iov, iovcnt,
                  iov_length(iov, iovcnt), flags, cb, opaque);
}

/* Every completed write is already committed by the OSDs. */
static int rbd_aio_flush(void *handle, qbp_completion_fn *cb, void *opaque)
{
    cb(opaque, 0);
    return 0;
}

static int rbd_aio_discard(void *handle, uint64_t offset, uint64_t length,
                           uint32_t flags, qbp_completion_fn *cb, void *opaque)
{
    return submit(handle, RBD_IO_DISCARD, offset, NULL, 0, length, flags, cb,
                  opaque);
}

static int rbd_aio_write_zeroes(void *handle, uint64_t offset,
                                uint64_t length, uint32_t flags,
                                qbp_completion_fn *cb, void *opaque)
{
    return submit(handle, RBD_IO_WRITE_ZEROES, offset, NULL, 0, length, flags,
                  cb, opaque);
}

static int rbd_truncate(void *handle, uint64_t size, struct qbp_error *err)
{
    struct rbd_disk *d = handle;

    struct rbd_image *img = rbd_session_hold(d->sess);
    int ret;

    if (d->enc) {
        size += rbd_encrypt_data_offset(d->enc);
    }
    ret = rbd_image_resize(img, size, err);
    rbd_session_release(d->sess, img);
    return ret;
}

static int rbd_snapshot_create(void *handle, const char *name,
                               struct qbp_error *err)
{
    struct rbd_disk *d = handle;

    struct rbd_image *img = rbd_session_hold(d->sess);
    int ret = rbd_snap_create(img, name, err);

    rbd_session_release(d->sess, img);
    return ret;
}

static int rbd_snapshot_list(void *handle, qbp_snapshot_fn *fn, void *opaque,
                             struct qbp_error *err)
{
    struct rbd_disk *d = handle;

    struct rbd_image *img = rbd_session_hold(d->sess);
    int ret = rbd_snap_list(img, fn, opaque, err);

    rbd_session_release(d->sess, img);
    return ret;
}

static int rbd_snapshot_delete(void *handle, const char *id, const char *name,
                               struct qbp_error *err)
{
    struct rbd_disk *d = handle;

    struct rbd_image *img = rbd_session_hold(d->sess);
    int ret = rbd_snap_delete(img, id, name, err);

    rbd_session_release(d->sess, img);
    return ret;
}

static int rbd_snapshot_revert(void *handle, const char *id_or_name,
                               struct qbp_error *err)
{
    struct rbd_disk *d = handle;

    struct rbd_image *img = rbd_session_hold(d->sess);
    int ret = rbd_snap_revert(img, id_or_name, err);

    rbd_session_release(d->sess, img);
    return ret;
}

static int parse_number(const char *name, const char *value, uint64_t dflt,
                        uint64_t *out, struct qbp_error *err)
{
    char *end;

    *out = dflt;
    if (!value) {
        return 0;
    }
    errno = 0;
    *out = strtoull(value, &end, 10);
    if (errno || *end || end == value) {
        qbp_host->error_set(err, -EINVAL, "rbd: option '%s' expects a "
                            "number, not '%s'", name, value);
        return -EINVAL;
    }
    return 0;
}

static int create_opts(const struct rbd_args *a, uint64_t size,
                       struct rbd_create_opts *o, struct qbp_error *err)
{
    uint64_t object_size;
    int ret;

    memset(o, 0, sizeof(*o));
    /* Whole sectors, as QEMU's rbd driver makes them: QEMU addresses no less. */
    o->size = (size + 511) & ~(uint64_t)511;
    o->data_pool = a->data_pool;
    if ((ret = parse_number("object-size", a->object_size, 4 << 20,
                            &object_size, err)) < 0 ||
        (ret = parse_number("stripe-unit", a->stripe_unit, 0,
                            &o->stripe_unit, err)) < 0 ||
        (ret = parse_number("stripe-count", a->stripe_count, 0,
                            &o->stripe_count, err)) < 0) {
        return ret;
    }
    if (object_size < 4096 || object_size > (32u << 20) ||
        (object_size & (object_size - 1))) {
        qbp_host->error_set(err, -EINVAL, "rbd: object-size %" PRIu64 " is "
                            "not a power of two from 4K to 32M", object_size);
        return -EINVAL;
    }
    while ((1ull << o->order) < object_size) {
        o->order++;
    }
    o->features_given = a->features != NULL;
    if (a->features && rbd_features_parse(a->features, &o->features) < 0) {
        qbp_host->error_set(err, -EINVAL, "rbd: unknown feature in '%s' "
                            "(known: layering, striping, exclusive-lock, "
                            "object-map, fast-diff, deep-flatten, journaling, "
                            "data-pool)", a->features);
        return -EINVAL;
    }
    return 0;
}

/*
 * What create's encrypt.* options ask for, checked before the image is
 * made, with the secret looked up so that a missing one makes nothing.
 */
static int create_encrypt_opts(const struct rbd_args *a,
                               enum rbd_luks_version *v, size_t *key_len,
                               struct qbp_error *err)
{
    char probe[1];
    int64_t n;

    if (rbd_encrypt_parse_format(a->encrypt_format, v, err) < 0) {
        return -EINVAL;
    }
    *key_len = 64;
    if (a->encrypt_cipher) {
        if (strcmp(a->encrypt_cipher, "aes-128") == 0) {
            *key_len = 32;
        } else if (strcmp(a->encrypt_cipher, "aes-256") != 0) {
            qbp_host->error_set(err, -EINVAL, "rbd: encrypt.cipher-alg '%s' "
                                "is not one of aes-128, aes-256",
                                a->encrypt_cipher);
            return -EINVAL;
        }
    }
    n = qbp_host->secret_lookup(a->encrypt_secret, probe, sizeof(probe),
                                NULL, NULL);
    if (n < 0 && n != -ERANGE) {
        qbp_host->error_set(err, (int)n, "rbd: no secret '%s' for "
                            "encrypt.key-secret", a->encrypt_secret);
        return (int)n;
    }
    return 0;
}

/* Formats the image create just made; the caller removes nothing. */
static int create_encrypted(struct rbd_cluster *c, const struct rbd_args *a,
                            enum rbd_luks_version v, size_t key_len,
                            uint64_t size, struct qbp_error *err)
{
    struct rbd_image *img = rbd_image_open(c, &a->spec, false, err);
    int ret;

    if (!img) {
        return -EIO;
    }
    ret = rbd_encrypt_format(img, v, key_len, a->encrypt_secret, size, err);
    rbd_image_close(img);
    return ret;
}

/* qemu-img create: a new image, as `rbd create` would make it. */
static int rbd_create(const struct qbp_kv *kv, size_t n, uint64_t size,
                      struct qbp_error *err)
{
    enum rbd_luks_version luks = RBD_LUKS1;
    struct rbd_create_opts o;
    struct rbd_cluster *c;
    struct rbd_args a;
    size_t key_len = 0;
    int ret;

    if ((ret = parse_args(kv, n, &a, err)) < 0 ||
        (ret = create_opts(&a, size, &o, err)) < 0 ||
        (a.encrypt_format &&
         (ret = create_encrypt_opts(&a, &luks, &key_len, err)) < 0)) {
        return ret;
    }
    if (a.spec.snapshot) {
        qbp_host->error_set(err, -EINVAL, "rbd: cannot create a snapshot "
                            "('%s@%s'); use `rbd snap create`", a.spec.image,
                            a.spec.snapshot);
        return -EINVAL;
    }
    c = rbd_cluster_get(&a.conn, err);
    if (!c) {
        return -EIO;
    }
    ret = rbd_image_create(c, &a.spec, &o, err);
    if (ret == 0 && a.encrypt_format) {
        ret = create_encrypted(c, &a, luks, key_len, o.size, err);
    }
    rbd_cluster_put(c);
    return ret;
}

/*
 * As QEMU 10.0's rbd driver: the encryption format the disk was opened
 * with, or the header open found.  (7.2's read the image's first bytes at
 * every query instead, on the main loop, and so saw no header through an
 * encrypted open.)
 */
static int rbd_get_info(void *handle, qbp_info_fn *fn, void *opaque,
                        struct qbp_error *err)
{
    struct rbd_disk *d = handle;
    struct qbp_info_item item = {
        .hdr.struct_size = sizeof(item),
        .hdr.abi_major = QBP_ABI_MAJOR,
        .hdr.abi_minor = QBP_ABI_MINOR,
        .type = QBP_INFO_STRING,
        .key = "encryption-format",
    };

    (void)err;
    item.string = rbd_luks_qemu_name(d->luks);
    return item.string ? fn(opaque, &item) : 0;
}

static struct qbp_plugin rbd_plugin = {
    .thread_model = QBP_THREAD_MODEL_PARALLEL,
    .name = "rbd",
    .contact = "https://github.com/qemu-block-plugins/qemu-block-plugins/issues",
    .version = "0.1",
    .description = "Ceph RBD format 2 images over librados",
    .options = rbd_options,
    .parse_filename = rbd_parse_filename,
    .open = rbd_open,
    .close = rbd_close,
    .get_length = rbd_get_length,
    .get_caps = rbd_get_caps,
    .get_limits = rbd_get_limits,
    .aio_readv = rbd_aio_readv,
    .aio_writev = rbd_aio_writev,
    .aio_flush = rbd_aio_flush,
    .aio_discard = rbd_aio_discard,
    .aio_write_zeroes = rbd_aio_write_zeroes,
    .aio_block_status = rbd_aio_block_status,
    .truncate = rbd_truncate,
    .create = rbd_create,
    .snapshot_create = rbd_snapshot_create,
    .snapshot_list = rbd_snapshot_list,
    .snapshot_delete = rbd_snapshot_delete,
    .snapshot_revert = rbd_snapshot_revert,
    .get_info = rbd_get_info,
};

QBP_REGISTER_PLUGIN(rbd_plugin)
