/*
 * unhex.h: bytes from a hex string, for the unit tests that hold real
 * replies captured from a cluster.
 */
#ifndef UNHEX_H
#define UNHEX_H

#include <stddef.h>
#include <stdint.h>

/* Blanks are ignored; a bad digit or an odd count fails the test.  g_free. */
uint8_t *unhex(const char *hex, size_t *len);

#endif /* UNHEX_H */
