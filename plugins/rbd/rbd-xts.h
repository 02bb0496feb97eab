/*
 * rbd-xts.h: the cipher of librbd's LUKS encryption: AES-XTS with
 * dm-crypt's plain64 IV, as librbd (crypto/BlockCrypto) and the kernel
 * apply it, through OpenSSL's libcrypto.  The unit is the LUKS sector
 * (512 bytes for LUKS1, 4096 for LUKS2 as librbd formats them); the IV of
 * a unit is its offset in the data area in 512-byte sectors, little
 * endian, zero-padded to 16 bytes.  Pure: no RADOS.
 */
#ifndef RBD_XTS_H
#define RBD_XTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rbd_xts;

/*
 * A cipher for a 32-byte (AES-128-XTS) or 64-byte (AES-256-XTS) volume
 * key and a unit of block_size bytes (a power of two from 512 to 4096).
 * The key is copied.  NULL for any other key length or unit, or when
 * libcrypto cannot set the key up.
 */
struct rbd_xts *rbd_xts_new(const uint8_t *key, size_t key_len,
                            uint32_t block_size);
/* Wipes the key. */
void rbd_xts_free(struct rbd_xts *x);

uint32_t rbd_xts_block_size(const struct rbd_xts *x);

/*
 * En- or decrypts len bytes of buf in place, which hold the data area at
 * offset off; both are multiples of the unit.  Decrypting leaves a unit
 * whose ciphertext is all zero bytes as zeroes: RADOS returns zeroes for
 * an object that does not exist or for bytes past its end, never written
 * through the cipher (librbd reads these as zeroes too), and a real
 * ciphertext unit is all zero with probability 2^-4096.  Thread-safe on
 * one rbd_xts.  Returns 0, or -EINVAL for a misaligned range, -EIO when
 * libcrypto fails.
 */
int rbd_xts_run(const struct rbd_xts *x, bool encrypt, uint64_t off,
                uint8_t *buf, size_t len);

#endif /* RBD_XTS_H */
