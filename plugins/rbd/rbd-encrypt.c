/*
 * rbd-encrypt.c: librbd's LUKS-encrypted images, on the image's requests.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "rbd-encrypt.h"
#include "rbd-io.h"
#include "rbd-resize.h"
#include "rbd-xts.h"

/* A passphrase longer than this is refused, as no LUKS tool makes one. */
#define PASS_MAX 8192

struct rbd_encrypt {
    struct rbd_xts *xts;
    uint64_t data_offset;
};

struct crypt_req {
    struct rbd_encrypt *e;
    bool write;
    uint64_t off;
    size_t len;
    uint8_t *buf;
    struct iovec biov;
    const struct iovec *iov;
    int iovcnt;
    qbp_completion_fn *cb;
    void *opaque;
};

int rbd_encrypt_parse_format(const char *name, enum rbd_luks_version *v,
                             struct qbp_error *err)
{
    if (strcmp(name, rbd_luks_qemu_name(RBD_LUKS1)) == 0) {
        *v = RBD_LUKS1;
    } else if (strcmp(name, rbd_luks_qemu_name(RBD_LUKS2)) == 0) {
        *v = RBD_LUKS2;
    } else {
        qbp_host->error_set(err, -EINVAL, "rbd: encrypt.format '%s' is not "
                            "one of luks, luks2", name);
        return -EINVAL;
    }
    return 0;
}

enum rbd_luks_version rbd_encrypt_probe(struct rbd_image *img)
{
    uint8_t magic[RBD_LUKS_MAGIC_LEN];

    if (rbd_image_size(img) < sizeof(magic) ||
        rbd_io_rw_sync(img, RBD_IO_READ, 0, magic, sizeof(magic)) < 0) {
        return RBD_LUKS_NONE;
    }
    return rbd_luks_probe(magic, sizeof(magic));
}

/* The passphrase in a secret, to free with free_pass. */
static char *get_pass(const char *id, size_t *len, struct qbp_error *err)
{
    char *pass = malloc(PASS_MAX);
    int64_t n;

    if (!pass) {
        qbp_host->error_set(err, -ENOMEM, "rbd: out of memory");
        return NULL;
    }
    n = qbp_host->secret_lookup(id, pass, PASS_MAX, NULL, err);
    if (n < 0) {
        free(pass);
        return NULL;
    }
    *len = (size_t)n;
    return pass;
}

static void free_pass(char *pass)
{
    OPENSSL_cleanse(pass, PASS_MAX);
    free(pass);
}

static struct rbd_encrypt *encrypt_new(struct rbd_luks_volume *vol,
                                       struct qbp_error *err)
{
    struct rbd_encrypt *e = calloc(1, sizeof(*e));

    if (e) {
        e->xts = rbd_xts_new(vol->key, vol->key_len, vol->sector_size);
        e->data_offset = vol->data_offset;
    }
    rbd_luks_volume_clear(vol);
    if (!e || !e->xts) {
        free(e);
        qbp_host->error_set(err, -ENOMEM, "rbd: cannot set up the "
                            "AES-XTS cipher");
        return NULL;
    }
    return e;
}

struct rbd_encrypt *rbd_encrypt_load(struct rbd_image *img,
                                     enum rbd_luks_version v,
                                     const char *secret_id,
                                     struct qbp_error *err)
{
    uint64_t size = rbd_image_size(img);
    size_t hdr_len = size < RBD_LUKS_HEADER_READ ? (size_t)size
                                                 : RBD_LUKS_HEADER_READ;
    struct rbd_luks_volume vol;
    size_t pass_len = 0;
    uint8_t *hdr;
    char msg[256];
    char *pass;
    int ret;

    pass = get_pass(secret_id, &pass_len, err);
    if (!pass) {
        return NULL;
    }
    hdr = malloc(hdr_len ? hdr_len : 1);
    if (!hdr) {
        free_pass(pass);
        qbp_host->error_set(err, -ENOMEM, "rbd: out of memory");
        return NULL;
    }
    ret = rbd_io_rw_sync(img, RBD_IO_READ, 0, hdr, hdr_len);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: cannot read the encryption "
                            "header of image '%s': %s", img->name,
                            strerror(-ret));
    } else {
        ret = rbd_luks_load(hdr, hdr_len, size, v, pass, pass_len, &vol,
                            msg, sizeof(msg));
        if (ret < 0) {
            qbp_host->error_set(err, ret, "rbd: cannot open encrypted image "
                                "'%s' with secret '%s': %s", img->name,
                                secret_id, msg);
        } else if (vol.data_offset > size) {
            ret = -EINVAL;
            qbp_host->error_set(err, ret, "rbd: encrypted image '%s' is "
                                "smaller (%" PRIu64 " bytes) than its LUKS "
                                "header says its data starts (%" PRIu64 ")",
                                img->name, size, vol.data_offset);
            rbd_luks_volume_clear(&vol);
        }
    }
    free(hdr);
    free_pass(pass);
    return ret < 0 ? NULL : encrypt_new(&vol, err);
}

int rbd_encrypt_format(struct rbd_image *img, enum rbd_luks_version v,
                       size_t key_len, const char *secret_id, uint64_t size,
                       struct qbp_error *err)
{
    struct rbd_luks_volume vol;
    size_t pass_len = 0, blob_len = 0;
    uint64_t data_offset;
    uint8_t *blob = NULL;
    char msg[256];
    char *pass;
    int ret;

    pass = get_pass(secret_id, &pass_len, err);
    if (!pass) {
        return -EINVAL;
    }
    ret = rbd_luks_format(v, key_len, img->layout.object_size, pass,
                          pass_len, &blob, &blob_len, &vol, msg, sizeof(msg));
    free_pass(pass);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: cannot format encrypted image "
                            "'%s': %s", img->name, msg);
        return ret;
    }
    data_offset = vol.data_offset;
    rbd_luks_volume_clear(&vol);
    /* The header first: the image grows past it only once it is there. */
    if (rbd_image_size(img) < blob_len &&
        (ret = rbd_image_resize(img, blob_len, err)) < 0) {
        free(blob);
        return ret;
    }
    ret = rbd_io_rw_sync(img, RBD_IO_WRITE, 0, blob, blob_len);
    free(blob);
    if (ret < 0) {
        qbp_host->error_set(err, ret, "rbd: cannot write the encryption "
                            "header of image '%s': %s", img->name,
                            strerror(-ret));
        return ret;
    }
    return rbd_image_resize(img, size + data_offset, err);
}

void rbd_encrypt_free(struct rbd_encrypt *e)
{
    if (e) {
        rbd_xts_free(e->xts);
        free(e);
    }
}

uint32_t rbd_encrypt_block_size(const struct rbd_encrypt *e)
{
    return rbd_xts_block_size(e->xts);
}

uint64_t rbd_encrypt_data_offset(const struct rbd_encrypt *e)
{
    return e->data_offset;
}

uint64_t rbd_encrypt_disk_size(const struct rbd_encrypt *e,
                               uint64_t raw_size)
{
    return raw_size > e->data_offset ? raw_size - e->data_offset : 0;
}

static void copy_iov(const struct iovec *iov, int iovcnt, uint8_t *buf,
                     bool to_buf)
{
    for (int i = 0; i < iovcnt; i++) {
        if (to_buf) {
            memcpy(buf, iov[i].iov_base, iov[i].iov_len);
        } else {
            memcpy(iov[i].iov_base, buf, iov[i].iov_len);
        }
        buf += iov[i].iov_len;
    }
}

static void crypt_req_done(void *opaque, int64_t result)
{
    struct crypt_req *r = opaque;

    if (result >= 0 && !r->write) {
        int ret = rbd_xts_run(r->e->xts, false, r->off, r->buf, r->len);

        if (ret < 0) {
            result = ret;
        } else {
            copy_iov(r->iov, r->iovcnt, r->buf, false);
        }
    }
    r->cb(r->opaque, result);
    free(r->buf);
    free(r);
}

int rbd_encrypt_submit(struct rbd_encrypt *e, struct rbd_image *img,
                       bool write, uint64_t off, uint64_t len,
                       const struct iovec *iov, int iovcnt, uint32_t flags,
                       qbp_completion_fn *cb, void *opaque)
{
    struct crypt_req *r;
    int ret;

    if ((off | len) & (rbd_xts_block_size(e->xts) - 1)) {
        return -EINVAL;
    }
    r = calloc(1, sizeof(*r));
    if (!r || !(r->buf = malloc(len ? len : 1))) {
        free(r);
        return -ENOMEM;
    }
    *r = (struct crypt_req){ .e = e, .write = write, .off = off, .len = len,
                             .buf = r->buf, .iov = iov, .iovcnt = iovcnt,
                             .cb = cb, .opaque = opaque };
    r->biov = (struct iovec){ .iov_base = r->buf, .iov_len = len };
    if (write) {
        copy_iov(iov, iovcnt, r->buf, true);
        ret = rbd_xts_run(e->xts, true, off, r->buf, len);
        if (ret < 0) {
            free(r->buf);
            free(r);
            return ret;
        }
    }
    ret = rbd_io_submit(img, write ? RBD_IO_WRITE : RBD_IO_READ,
                        off + e->data_offset, len, &r->biov, 1, flags,
                        crypt_req_done, r);
    if (ret < 0) {
        free(r->buf);
        free(r);
    }
    return ret;
}
