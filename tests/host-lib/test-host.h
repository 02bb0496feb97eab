/*
 * test-host.h: what the test programs that drive plugins without QEMU
 * (tests/qbp-load.c, tests/valgrind/qbp-drive.c) share: waiting for a
 * request's completion, and KEY=VALUE options checked as a host must.
 */
#ifndef TEST_HOST_H
#define TEST_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "qbp-loader.h"

/* One request in flight, completed from any thread or before submit returns. */
struct test_request {
    GMutex lock;
    GCond cond;
    int calls;
    int64_t result;
};

/* The completion callback to pass with a struct test_request. */
void test_request_done(void *opaque, int64_t result);

/* The result of a submitted request, once its completion came. */
int64_t test_request_wait(struct test_request *req);

/*
 * A request submitted with result ret: waits for it and says whether it
 * came to want; if not, prints why, prefixed by PROG and WHAT.
 */
gboolean test_request_finish(const char *prog, const char *what, int ret,
                             struct test_request *req, int64_t want);

/*
 * KEY=VALUE words, normalised and checked by the loader as a host must:
 * a NULL-terminated array, or NULL with the message printed.
 */
struct qbp_kv *test_parse_options(const char *prog,
                                  const struct qbp_plugin *t,
                                  char **words, size_t n);

void test_free_options(struct qbp_kv *kv);

#endif /* TEST_HOST_H */
