/*
 * rbd-luks.h: the LUKS1/LUKS2 header at the start of an image that
 * `rbd encryption format` (librbd's crypto/luks) wrote, read and written
 * with libcryptsetup, as librbd does: the header bytes go to a memfd that
 * libcryptsetup opens as its device.  No RADOS: the caller reads and
 * writes the image.
 */
#ifndef RBD_LUKS_H
#define RBD_LUKS_H

#include <stddef.h>
#include <stdint.h>

enum rbd_luks_version {
    RBD_LUKS_NONE = 0,
    RBD_LUKS1 = 1,
    RBD_LUKS2 = 2,
};

/*
 * QEMU's name of v, as encrypt.format takes it: "luks" or "luks2"; NULL
 * for none.
 */
const char *rbd_luks_qemu_name(enum rbd_luks_version v);

/* The bytes at an image's start that tell whose header it is. */
#define RBD_LUKS_MAGIC_LEN 8

/*
 * The version of the LUKS header that starts with the n bytes at magic
 * (fewer than RBD_LUKS_MAGIC_LEN: none), as QEMU's rbd driver probes an
 * image opened without encryption: LUKS's own magic, or the "RBDL" that
 * librbd writes in its place in a clone's header (layered encryption).
 */
enum rbd_luks_version rbd_luks_probe(const uint8_t *magic, size_t n);

/* What opening the header gives: the cipher's key and the data's place. */
struct rbd_luks_volume {
    uint8_t key[64];
    size_t key_len;         /* 32: AES-128-XTS, 64: AES-256-XTS */
    uint32_t sector_size;   /* the cipher's unit */
    uint64_t data_offset;   /* bytes from the image's start to the data */
};

/*
 * The bytes librbd reads before it opens a header: the LUKS2 binary and
 * JSON headers and keyslot material, and LUKS1's, lie inside it.
 */
#define RBD_LUKS_HEADER_READ (4u << 20)

/*
 * Opens the header in hdr (the image's first hdr_len bytes, of an image of
 * image_size bytes) with the passphrase, as LUKS version want.  Only
 * librbd's cipher is accepted: aes, xts-plain64.  Returns 0, or a
 * negative errno with msg saying what was wrong (never the passphrase):
 * -EINVAL no LUKS header or another LUKS version, -ENOTSUP another cipher,
 * -EPERM no key slot opens with the passphrase.
 */
int rbd_luks_load(const uint8_t *hdr, size_t hdr_len, uint64_t image_size,
                  enum rbd_luks_version want, const char *pass,
                  size_t pass_len, struct rbd_luks_volume *vol, char *msg,
                  size_t msg_len);

/*
 * Formats a new header as `rbd encryption format` does: aes-xts-plain64
 * with a random key of key_len bytes (32 or 64), data aligned to
 * data_alignment bytes (the object size), LUKS2 units of 4096 bytes, one
 * key slot for the passphrase, libcryptsetup's default PBKDF.  *blob (to
 * free) and *blob_len are the bytes to write at the image's start.
 */
int rbd_luks_format(enum rbd_luks_version v, size_t key_len,
                    uint64_t data_alignment, const char *pass,
                    size_t pass_len, uint8_t **blob, size_t *blob_len,
                    struct rbd_luks_volume *vol, char *msg, size_t msg_len);

/* Wipes the key. */
void rbd_luks_volume_clear(struct rbd_luks_volume *vol);

#endif /* RBD_LUKS_H */
