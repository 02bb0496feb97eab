/*
 * rbd-xts.c: AES-XTS-plain64 units, as dm-crypt and librbd cipher them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "rbd-xts.h"

#define IV_SECTOR 512

struct rbd_xts {
    const EVP_CIPHER *cipher;
    uint8_t key[64];
    size_t key_len;
    uint32_t block_size;
};

struct rbd_xts *rbd_xts_new(const uint8_t *key, size_t key_len,
                            uint32_t block_size)
{
    struct rbd_xts *x;

    if ((key_len != 32 && key_len != 64) || block_size < IV_SECTOR ||
        block_size > 4096 || (block_size & (block_size - 1))) {
        return NULL;
    }
    x = calloc(1, sizeof(*x));
    if (!x) {
        return NULL;
    }
    x->cipher = key_len == 32 ? EVP_aes_128_xts() : EVP_aes_256_xts();
    memcpy(x->key, key, key_len);
    x->key_len = key_len;
    x->block_size = block_size;
    return x;
}

void rbd_xts_free(struct rbd_xts *x)
{
    if (x) {
        OPENSSL_cleanse(x->key, sizeof(x->key));
        free(x);
    }
}

uint32_t rbd_xts_block_size(const struct rbd_xts *x)
{
    return x->block_size;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    return p[0] == 0 && memcmp(p, p + 1, n - 1) == 0;
}

int rbd_xts_run(const struct rbd_xts *x, bool encrypt, uint64_t off,
                uint8_t *buf, size_t len)
{
    EVP_CIPHER_CTX *ctx;
    int ret = 0;

    if ((off | len) & (x->block_size - 1)) {
        return -EINVAL;
    }
    if (len == 0) {
        return 0;
    }
    /* A context per call: the key schedule is cheap next to the data. */
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx || !EVP_CipherInit_ex(ctx, x->cipher, NULL, x->key, NULL,
                                   encrypt)) {
        EVP_CIPHER_CTX_free(ctx);
        return -EIO;
    }
    for (size_t done = 0; done < len; done += x->block_size) {
        uint64_t sector = (off + done) / IV_SECTOR;
        uint8_t iv[16] = { 0 };
        uint8_t *unit = buf + done;
        int outl;

        if (!encrypt && all_zero(unit, x->block_size)) {
            continue;
        }
        for (int i = 0; i < 8; i++) {
            iv[i] = (uint8_t)(sector >> (8 * i));
        }
        if (!EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) ||
            !EVP_CipherUpdate(ctx, unit, &outl, unit, (int)x->block_size) ||
            outl != (int)x->block_size) {
            ret = -EIO;
            break;
        }
    }
    EVP_CIPHER_CTX_free(ctx);
    return ret;
}
