/*
 * rbd-luks.c: LUKS headers through libcryptsetup, on a memfd.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libcryptsetup.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "rbd-luks.h"

static void say(char *msg, size_t msg_len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, msg_len, fmt, ap);
    va_end(ap);
}

/* libcryptsetup's messages would go to stderr; ours name what failed. */
static void quiet_log(int level, const char *text, void *opaque)
{
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return w < 0 ? -errno : -EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A device for libcryptsetup: a memfd holding hdr, size bytes long. */
static int open_device(const uint8_t *hdr, size_t hdr_len, uint64_t size,
                       int *fdp, struct crypt_device **cdp, char *msg,
                       size_t msg_len)
{
    char path[64];
    int fd = memfd_create("qbp-rbd-luks", MFD_CLOEXEC);
    int ret;

    if (fd < 0) {
        ret = -errno;
        say(msg, msg_len, "memfd_create: %s", strerror(-ret));
        return ret;
    }
    if ((ret = write_all(fd, hdr, hdr_len)) < 0 ||
        (ftruncate(fd, (off_t)size) < 0 && (ret = -errno) < 0)) {
        say(msg, msg_len, "cannot stage the LUKS header: %s", strerror(-ret));
        close(fd);
        return ret;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ret = crypt_init(cdp, path);
    if (ret < 0) {
        say(msg, msg_len, "libcryptsetup cannot open its device: %s",
            strerror(-ret));
        close(fd);
        return ret;
    }
    crypt_set_log_callback(*cdp, quiet_log, NULL);
    /* The device is private to this process: nothing to lock against. */
    crypt_metadata_locking(*cdp, 0);
    *fdp = fd;
    return 0;
}

/* Done with the device; on failure (ret < 0) nothing of the key stays. */
static int close_device(struct crypt_device *cd, int fd,
                        struct rbd_luks_volume *vol, int ret)
{
    crypt_free(cd);
    close(fd);
    if (ret < 0) {
        rbd_luks_volume_clear(vol);
        return ret;
    }
    return 0;
}

static const char *version_name(enum rbd_luks_version v)
{
    return v == RBD_LUKS1 ? CRYPT_LUKS1 : CRYPT_LUKS2;
}

static int check_cipher(struct crypt_device *cd, char *msg, size_t msg_len)
{
    const char *cipher = crypt_get_cipher(cd);
    const char *mode = crypt_get_cipher_mode(cd);
    int key_len = crypt_get_volume_key_size(cd);

    if (!cipher || strcmp(cipher, "aes") != 0 || !mode ||
        strcmp(mode, "xts-plain64") != 0) {
        say(msg, msg_len, "cipher %s-%s is not supported (librbd's is "
            "aes-xts-plain64)", cipher ? cipher : "?", mode ? mode : "?");
        return -ENOTSUP;
    }
    if (key_len != 32 && key_len != 64) {
        say(msg, msg_len, "a %d-byte AES-XTS key is not supported (32 or "
            "64 bytes)", key_len);
        return -ENOTSUP;
    }
    return 0;
}

static int read_volume(struct crypt_device *cd, struct rbd_luks_volume *vol,
                       char *msg, size_t msg_len)
{
    int sector = crypt_get_sector_size(cd);

    vol->sector_size = sector > 0 ? (uint32_t)sector : 512;
    vol->data_offset = crypt_get_data_offset(cd) * 512;
    if (vol->sector_size < 512 || vol->sector_size > 4096 ||
        (vol->sector_size & (vol->sector_size - 1))) {
        say(msg, msg_len, "LUKS sector size %d is not supported", sector);
        return -ENOTSUP;
    }
    return 0;
}

const char *rbd_luks_qemu_name(enum rbd_luks_version v)
{
    switch (v) {
    case RBD_LUKS1:
        return "luks";
    case RBD_LUKS2:
        return "luks2";
    default:
        return NULL;
    }
}

enum rbd_luks_version rbd_luks_probe(const uint8_t *magic, size_t n)
{
    static const uint8_t tail[] = { 0xba, 0xbe, 0x00 };

    if (n < RBD_LUKS_MAGIC_LEN ||
        (memcmp(magic, "LUKS", 4) != 0 && memcmp(magic, "RBDL", 4) != 0) ||
        memcmp(magic + 4, tail, sizeof(tail)) != 0) {
        return RBD_LUKS_NONE;
    }
    switch (magic[7]) {
    case 1:
        return RBD_LUKS1;
    case 2:
        return RBD_LUKS2;
    default:
        return RBD_LUKS_NONE;
    }
}

int rbd_luks_load(const uint8_t *hdr, size_t hdr_len, uint64_t image_size,
                  enum rbd_luks_version want, const char *pass,
                  size_t pass_len, struct rbd_luks_volume *vol, char *msg,
                  size_t msg_len)
{
    struct crypt_device *cd;
    const char *type;
    int fd, ret;

    memset(vol, 0, sizeof(*vol));
    if (image_size < hdr_len) {
        image_size = hdr_len;
    }
    ret = open_device(hdr, hdr_len, image_size, &fd, &cd, msg, msg_len);
    if (ret < 0) {
        return ret;
    }
    ret = crypt_load(cd, CRYPT_LUKS, NULL);
    type = ret == 0 ? crypt_get_type(cd) : NULL;
    if (!type) {
        say(msg, msg_len, "no LUKS header at the start of the image (was "
            "it formatted with `rbd encryption format`?)");
        ret = -EINVAL;
    } else if (strcmp(type, version_name(want)) != 0) {
        say(msg, msg_len, "the image's header is %s, not %s: use "
            "encrypt.format=%s", type, version_name(want),
            rbd_luks_qemu_name(strcmp(type, CRYPT_LUKS1) == 0 ? RBD_LUKS1
                                                              : RBD_LUKS2));
        ret = -EINVAL;
    } else if ((ret = check_cipher(cd, msg, msg_len)) == 0) {
        vol->key_len = sizeof(vol->key);
        ret = crypt_volume_key_get(cd, CRYPT_ANY_SLOT, (char *)vol->key,
                                   &vol->key_len, pass, pass_len);
        if (ret < 0) {
            say(msg, msg_len, ret == -EPERM ? "the passphrase opens no key "
                "slot of the LUKS header" : "cannot open the LUKS key "
                "slots: %s", strerror(-ret));
        } else {
            ret = read_volume(cd, vol, msg, msg_len);
        }
    }
    return close_device(cd, fd, vol, ret);
}

static int read_blob(int fd, uint8_t **blob, size_t *blob_len)
{
    struct stat st;
    uint8_t *p;
    size_t done = 0;

    if (fstat(fd, &st) < 0) {
        return -errno;
    }
    p = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!p) {
        return -ENOMEM;
    }
    while (done < (size_t)st.st_size) {
        ssize_t r = pread(fd, p + done, (size_t)st.st_size - done,
                          (off_t)done);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            free(p);
            return r < 0 ? -errno : -EIO;
        }
        done += (size_t)r;
    }
    *blob = p;
    *blob_len = done;
    return 0;
}

int rbd_luks_format(enum rbd_luks_version v, size_t key_len,
                    uint64_t data_alignment, const char *pass,
                    size_t pass_len, uint8_t **blob, size_t *blob_len,
                    struct rbd_luks_volume *vol, char *msg, size_t msg_len)
{
    struct crypt_params_luks1 p1 = { .data_alignment = data_alignment / 512 };
    struct crypt_params_luks2 p2 = {
        .data_alignment = data_alignment / 512,
        .sector_size = 4096,
    };
    static const uint8_t empty[1];
    struct crypt_device *cd;
    int fd, ret;

    memset(vol, 0, sizeof(*vol));
    if (key_len != 32 && key_len != 64) {
        say(msg, msg_len, "a %zu-byte AES-XTS key is not supported", key_len);
        return -EINVAL;
    }
    if (RAND_bytes(vol->key, (int)key_len) != 1) {
        say(msg, msg_len, "cannot generate a random encryption key");
        return -EIO;
    }
    vol->key_len = key_len;
    ret = open_device(empty, 0, 4096, &fd, &cd, msg, msg_len);
    if (ret < 0) {
        rbd_luks_volume_clear(vol);
        return ret;
    }
    ret = crypt_format(cd, version_name(v), "aes", "xts-plain64", NULL,
                       (const char *)vol->key, key_len,
                       v == RBD_LUKS1 ? (void *)&p1 : (void *)&p2);
    if (ret < 0) {
        say(msg, msg_len, "cannot format the LUKS header: %s",
            strerror(-ret));
    } else if ((ret = crypt_keyslot_add_by_volume_key(
                    cd, CRYPT_ANY_SLOT, NULL, 0, pass, pass_len)) < 0) {
        say(msg, msg_len, "cannot add the passphrase's key slot: %s",
            strerror(-ret));
    } else if ((ret = read_volume(cd, vol, msg, msg_len)) == 0 &&
               (ret = read_blob(fd, blob, blob_len)) < 0) {
        say(msg, msg_len, "cannot read the new LUKS header back: %s",
            strerror(-ret));
    }
    return close_device(cd, fd, vol, ret);
}

void rbd_luks_volume_clear(struct rbd_luks_volume *vol)
{
    OPENSSL_cleanse(vol, sizeof(*vol));
}
