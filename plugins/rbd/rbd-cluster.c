/*
 * rbd-cluster.c: the shared RADOS connections.  A VM with several disks on
 * one cluster pays for one set of messenger threads and one monitor
 * session, not one per disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rbd-cluster.h"

#define SECRET_MAX 4096

struct rbd_cluster {
    struct rbd_cluster *next;
    char *key;          /* the settings, flattened: identity of the connection */
    size_t key_len;
    unsigned refs;
    bool listed;        /* others with the same settings may share it */
    rados_t rados;
};

static pthread_mutex_t clusters_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rbd_cluster *clusters;

static void append(char **buf, size_t *len, const char *name,
                   const char *value)
{
    size_t add;
    char *n;

    if (!value) {
        return;
    }
    add = strlen(name) + strlen(value) + 3;
    n = realloc(*buf, *len + add);
    if (!n) {
        free(*buf);
        *buf = NULL;
        return;
    }
    *buf = n;
    /* NUL separators: no value can contain one, so keys never collide. */
    snprintf(*buf + *len, add, "%s=%s", name, value);
    *len += add - 1;
}

static char *connection_key(const struct rbd_conn_opts *o, size_t *len_out)
{
    char *buf = calloc(1, 1);
    size_t len = 0;

    append(&buf, &len, "conf", o->conf);
    append(&buf, &len, "user", o->user);
    append(&buf, &len, "server", o->server);
    append(&buf, &len, "key-secret", o->key_secret);
    append(&buf, &len, "auth", o->auth);
    append(&buf, &len, "osd", o->osd_op_timeout);
    append(&buf, &len, "mon", o->mon_op_timeout);
    for (size_t i = 0; buf && i < o->n_settings; i++) {
        append(&buf, &len, o->settings[i].key, o->settings[i].value);
    }
    *len_out = len;
    return buf;
}

static int set(rados_t r, const char *key, const char *value,
               struct qbp_error *err)
{
    int ret = rados_conf_set(r, key, value);

    if (ret < 0 && strcmp(key, "key") == 0) {
        /* A key's value is never repeated, even when it is wrong. */
        qbp_host->error_set(err, ret, "rbd: invalid Ceph setting %s: %s",
                            key, strerror(-ret));
    } else if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: invalid Ceph setting %s=%s: %s",
                            key, value, strerror(-ret));
    }
    return ret;
}

/*
 * A Ceph key (CryptoKey) as bytes: le16 type (1: AES), le32 seconds, le32
 * nanoseconds of its creation, le16 length, and that many bytes of secret
 * (16 for AES).
 */
#define CEPH_KEY_HEADER 12
#define CEPH_KEY_AES 1
#define CEPH_KEY_AES_LEN 16
#define CEPH_KEY_BYTES (CEPH_KEY_HEADER + CEPH_KEY_AES_LEN)
#define CEPH_KEY_BASE64 (4 * ((CEPH_KEY_BYTES + 2) / 3))

static bool ceph_key_bytes_valid(const uint8_t *b, size_t len)
{
    if (len != CEPH_KEY_BYTES) {
        return false;
    }
    return (b[0] | b[1] << 8) == CEPH_KEY_AES &&
           (b[10] | b[11] << 8) == CEPH_KEY_AES_LEN;
}

static int base64_value(char c)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(alphabet, c) : NULL;

    return p ? (int)(p - alphabet) : -1;
}

/* Decodes padded base64 text into out (room for max bytes); -1 if invalid. */
static long base64_decode(const char *s, size_t len, uint8_t *out, size_t max)
{
    uint32_t acc = 0;
    size_t n = 0;
    int bits = 0;

    if (len % 4) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        int v = base64_value(s[i]);

        if (v < 0) {
            /* '=' only as the last one or two characters. */
            if (s[i] == '=' && i + 2 >= len &&
                (i + 1 == len || s[i + 1] == '=')) {
                break;
            }
            return -1;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == max) {
                return -1;
            }
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)n;
}

static void base64_encode(const uint8_t *b, size_t len, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16 |
                     (i + 1 < len ? (uint32_t)b[i + 1] << 8 : 0) |
                     (i + 2 < len ? b[i + 2] : 0);

        *out++ = alphabet[v >> 18 & 63];
        *out++ = alphabet[v >> 12 & 63];
        *out++ = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
        *out++ = i + 2 < len ? alphabet[v & 63] : '=';
    }
    *out = '\0';
}

/*
 * The key in a secret, as the base64 text librados takes in "key", in out
 * (CEPH_KEY_BASE64 + 1 bytes).  Two forms are accepted: the text a
 * keyring holds (a trailing newline, as `echo` leaves it, ignored), and
 * the bytes it stands for, which is what a secret defined for QEMU's
 * in-tree rbd driver holds (format=base64, as libvirt writes them).
 * librados would take anything and fail the connect with EINVAL; checked
 * here, the message names the secret.
 */
static bool secret_to_key(const char *secret, size_t len, char *out)
{
    uint8_t raw[CEPH_KEY_BYTES + 3];
    size_t text_len = len;
    long n;

    while (text_len > 0 && (secret[text_len - 1] == '\n' ||
                            secret[text_len - 1] == '\r')) {
        text_len--;
    }
    n = base64_decode(secret, text_len, raw, sizeof(raw));
    if (n >= 0 && ceph_key_bytes_valid(raw, (size_t)n)) {
        base64_encode(raw, (size_t)n, out);
    } else if (ceph_key_bytes_valid((const uint8_t *)secret, len)) {
        base64_encode((const uint8_t *)secret, len, out);
    } else {
        memset(raw, 0, sizeof(raw));
        return false;
    }
    memset(raw, 0, sizeof(raw));
    return true;
}

static int set_key_from_secret(rados_t r, const char *id,
                               struct qbp_error *err)
{
    char secret[SECRET_MAX + 1];
    char key[CEPH_KEY_BASE64 + 1];
    int64_t len;
    int ret;

    len = qbp_host->secret_lookup(id, secret, SECRET_MAX, NULL, err);
    if (len < 0) {
        return (int)len;
    }
    if (!secret_to_key(secret, (size_t)len, key)) {
        memset(secret, 0, sizeof(secret));
        qbp_host->error_set(err, -EINVAL, "rbd: the key in secret '%s' is "
                            "not a valid Ceph key (expected the base64 text "
                            "of a keyring's 'key =' line, or its %d bytes)",
                            id, CEPH_KEY_BYTES);
        return -EINVAL;
    }
    memset(secret, 0, sizeof(secret));
    ret = set(r, "key", key, NULL);
    memset(key, 0, sizeof(key));
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: the key in secret '%s' is not "
                            "a valid Ceph key", id);
        return ret;
    }
    /* Says where the key came from, never what it is. */
    qbp_host->log(QBP_LOG_DEBUG, "rbd: using the key in secret '%s' "
                  "(%lld bytes)", id, (long long)len);
    return 0;
}

static int check_readable(const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int ret = 0;

    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &st) < 0) {
        ret = -errno;
    } else if (S_ISDIR(st.st_mode)) {
        ret = -EISDIR;
    }
    close(fd);
    return ret;
}

static int configure(rados_t r, const struct rbd_conn_opts *o,
                     struct qbp_error *err)
{
    int ret;

    /* librados says ENOENT for any file it cannot read: find the real why. */
    if (o->conf && (ret = check_readable(o->conf)) < 0) {
        qbp_host->error_set(err, ret, "rbd: cannot read the Ceph "
                            "configuration '%s': %s", o->conf,
                            strerror(-ret));
        return ret;
    }
    ret = rados_conf_read_file(r, o->conf);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: cannot read the Ceph "
                            "configuration %s%s%s: %s",
                            o->conf ? "'" : "(default search path",
                            o->conf ? o->conf : "",
                            o->conf ? "'" : ")", strerror(-ret));
        return ret;
    }
    if ((o->server && (ret = set(r, "mon_host", o->server, err)) < 0) ||
        (o->auth && (ret = set(r, "auth_client_required", o->auth, err)) < 0) ||
        (o->osd_op_timeout &&
         (ret = set(r, "rados_osd_op_timeout", o->osd_op_timeout, err)) < 0) ||
        (o->mon_op_timeout &&
         ((ret = set(r, "rados_mon_op_timeout", o->mon_op_timeout, err)) < 0 ||
          (ret = set(r, "client_mount_timeout", o->mon_op_timeout, err)) < 0))) {
        return ret;
    }
    for (size_t i = 0; i < o->n_settings; i++) {
        ret = set(r, o->settings[i].key, o->settings[i].value, err);
        if (ret < 0) {
            return ret;
        }
        /* The name only: a setting's value may be a key. */
        qbp_host->log(QBP_LOG_DEBUG, "rbd: Ceph setting '%s' set",
                      o->settings[i].key);
    }
    if (o->key_secret) {
        return set_key_from_secret(r, o->key_secret, err);
    }
    return 0;
}

static struct rbd_cluster *connect_new(const struct rbd_conn_opts *o,
                                       char *key, size_t key_len,
                                       struct qbp_error *err)
{
    struct rbd_cluster *c;
    rados_t r;
    int ret;

    ret = rados_create(&r, o->user);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: cannot create a RADOS client "
                            "for user '%s': %s", o->user ? o->user : "admin",
                            strerror(-ret));
        return NULL;
    }
    ret = configure(r, o, err);
    if (ret == 0) {
        qbp_host->log(QBP_LOG_DEBUG, "rbd: connecting to the Ceph cluster%s%s "
                      "as client.%s", o->conf ? " of " : "",
                      o->conf ? o->conf : "", o->user ? o->user : "admin");
        ret = rados_connect(r);
        if (ret == -EACCES || ret == -EPERM) {
            /* What cephx says when the monitor does not accept the key. */
            qbp_host->error_set(err, ret, "rbd: cannot connect to the Ceph "
                                "cluster%s%s as client.%s: authentication "
                                "failed (%s): check the key%s%s%s",
                                o->conf ? " of " : "",
                                o->conf ? o->conf : "",
                                o->user ? o->user : "admin", strerror(-ret),
                                o->key_secret ? " in secret '" : " in the "
                                "keyring",
                                o->key_secret ? o->key_secret : "",
                                o->key_secret ? "'" : "");
        } else if (ret < 0) {
            qbp_host->error_set(err, ret, "rbd: cannot connect to the Ceph "
                                "cluster%s%s as client.%s: %s",
                                o->conf ? " of " : "",
                                o->conf ? o->conf : "",
                                o->user ? o->user : "admin", strerror(-ret));
        } else {
            qbp_host->log(QBP_LOG_DEBUG, "rbd: connected as client.%s",
                          o->user ? o->user : "admin");
        }
    }
    c = ret == 0 ? calloc(1, sizeof(*c)) : NULL;
    if (!c) {
        if (ret == 0) {
            qbp_host->error_set(err, -ENOMEM, "rbd: out of memory");
        }
        rados_shutdown(r);
        return NULL;
    }
    c->key = key;
    c->key_len = key_len;
    c->refs = 1;
    c->listed = true;
    c->rados = r;
    return c;
}

struct rbd_cluster *rbd_cluster_get(const struct rbd_conn_opts *o,
                                    struct qbp_error *err)
{
    size_t key_len;
    char *key = connection_key(o, &key_len);
    struct rbd_cluster *c;

    if (!key) {
        qbp_host->error_set(err, -ENOMEM, "rbd: out of memory");
        return NULL;
    }
    pthread_mutex_lock(&clusters_lock);
    for (c = clusters; c; c = c->next) {
        if (c->key_len == key_len && memcmp(c->key, key, key_len) == 0) {
            c->refs++;
            free(key);
            goto out;
        }
    }
    /* Connecting under the lock keeps two opens from racing to connect. */
    c = connect_new(o, key, key_len, err);
    if (c) {
        c->next = clusters;
        clusters = c;
    } else {
        free(key);
    }
out:
    pthread_mutex_unlock(&clusters_lock);
    return c;
}

/* Under clusters_lock: no new image gets c. */
static void unlist(struct rbd_cluster *c)
{
    struct rbd_cluster **p;

    if (c->listed) {
        for (p = &clusters; *p != c; p = &(*p)->next) {
            /* find it */
        }
        *p = c->next;
        c->listed = false;
    }
}

void rbd_cluster_put(struct rbd_cluster *c)
{
    pthread_mutex_lock(&clusters_lock);
    if (--c->refs > 0) {
        pthread_mutex_unlock(&clusters_lock);
        return;
    }
    unlist(c);
    pthread_mutex_unlock(&clusters_lock);
    rados_shutdown(c->rados);
    free(c->key);
    free(c);
}

struct rbd_cluster *rbd_cluster_renew(struct rbd_cluster *old,
                                      const struct rbd_conn_opts *o,
                                      struct qbp_error *err)
{
    pthread_mutex_lock(&clusters_lock);
    unlist(old);
    pthread_mutex_unlock(&clusters_lock);
    /* Another image of the same connection may have renewed it already. */
    return rbd_cluster_get(o, err);
}

rados_t rbd_cluster_rados(const struct rbd_cluster *c)
{
    return c->rados;
}
