/*
 * rbd-encrypt.h: an image encrypted as librbd encrypts it (`rbd encryption
 * format`, QEMU's encrypt.format=luks|luks2): a LUKS header at the start
 * of the image, then the data area, whose units are AES-XTS ciphertext.
 * The disk is the data area: its offset 0 is the image's data_offset, its
 * size the image's less that.  Sits on top of the image's requests
 * (rbd-io.h), so striping, clones (the parent's ciphertext under the same
 * key), the exclusive lock and QoS see the raw image, as librbd's own
 * crypto layer sits above its object layer.
 */
#ifndef RBD_ENCRYPT_H
#define RBD_ENCRYPT_H

#include <stdint.h>
#include <sys/uio.h>

#include "qemu-block-plugin.h"
#include "rbd-image.h"
#include "rbd-luks.h"

struct rbd_encrypt;

/*
 * "luks" (LUKS1) or "luks2", as QEMU's rbd driver names them; -EINVAL
 * with err set otherwise.
 */
int rbd_encrypt_parse_format(const char *name, enum rbd_luks_version *v,
                             struct qbp_error *err);

/*
 * The version of the LUKS header at img's start, RBD_LUKS_NONE when there
 * is none or it cannot be read.  Blocks for one small read.
 */
enum rbd_luks_version rbd_encrypt_probe(struct rbd_image *img);

/*
 * Opens the header of img with the passphrase in the secret secret_id.
 * Blocks.  NULL with err set: a missing secret, no or another LUKS header,
 * another cipher, a wrong passphrase.
 */
struct rbd_encrypt *rbd_encrypt_load(struct rbd_image *img,
                                     enum rbd_luks_version v,
                                     const char *secret_id,
                                     struct qbp_error *err);

/*
 * Formats the new, empty img as `rbd encryption format` does, with a key
 * of key_len bytes (32: aes-128, 64: aes-256), and grows it so that the
 * disk holds size bytes, as QEMU's rbd driver does after formatting.
 * Blocks.  0, or -errno with err set.
 */
int rbd_encrypt_format(struct rbd_image *img, enum rbd_luks_version v,
                       size_t key_len, const char *secret_id, uint64_t size,
                       struct qbp_error *err);

void rbd_encrypt_free(struct rbd_encrypt *e);

/* The cipher's unit: every request is a multiple of it, at a multiple. */
uint32_t rbd_encrypt_block_size(const struct rbd_encrypt *e);
uint64_t rbd_encrypt_data_offset(const struct rbd_encrypt *e);
/* The disk's size for an image of raw_size bytes. */
uint64_t rbd_encrypt_disk_size(const struct rbd_encrypt *e,
                               uint64_t raw_size);

/*
 * A read or write of the disk: ciphered through a buffer of its own, so
 * the caller's iov is never written with ciphertext.  As rbd_io_submit:
 * iov covers exactly len bytes.
 */
int rbd_encrypt_submit(struct rbd_encrypt *e, struct rbd_image *img,
                       bool write, uint64_t off, uint64_t len,
                       const struct iovec *iov, int iovcnt, uint32_t flags,
                       qbp_completion_fn *cb, void *opaque);

#endif /* RBD_ENCRYPT_H */
