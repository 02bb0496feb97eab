/*
 * qbp-load: the smallest host of block plugins, for tests.
 *
 *   qbp-load PLUGIN... [--io KEY=VALUE...]
 *
 * Loads each PLUGIN (a name or a path) through the loader and prints
 * "loaded NAME ABI X.Y" for it, X.Y being the version the plugin declares.
 * A refusal is printed exactly as the loader words it, one line on stderr,
 * and the exit status is 1: tests compare it word for word.
 *
 * With --io, the last plugin also opens a disk with the given options
 * (normalised and checked by qbp_options_normalize/check_required),
 * writes a 4 KiB pattern at offset 0, reads it back, checks it, closes the
 * disk and prints "io ok".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-host.h"

#define IO_SIZE 4096

typedef int qbp_rw_fn(void *handle, uint64_t offset, const struct iovec *iov,
                      int iovcnt, uint32_t flags, qbp_completion_fn *cb,
                      void *opaque);

/*
 * Submit one request of IO_SIZE bytes and wait for it.  The buffer is split
 * into two iovecs of different sizes so that a plugin which only looks at
 * iov[0] fails the check.
 */
static gboolean do_request(const char *what, qbp_rw_fn *fn, void *handle,
                           uint8_t *buf, struct test_request *req)
{
    struct iovec iov[2] = {
        { .iov_base = buf, .iov_len = 1024 },
        { .iov_base = buf + 1024, .iov_len = IO_SIZE - 1024 },
    };
    int ret = fn(handle, 0, iov, 2, 0, test_request_done, req);

    return test_request_finish("qbp-load", what, ret, req, IO_SIZE);
}

static gboolean check_disk(const struct qbp_plugin *t, const QbpPlugin *p,
                           void *handle)
{
    int64_t length = t->get_length(handle);

    if (length < IO_SIZE) {
        fprintf(stderr, "qbp-load: disk is %" PRId64 " bytes, too small for "
                "the %d-byte test\n", length, IO_SIZE);
        return FALSE;
    }
    if (!(qbp_plugin_caps(p, handle) & QBP_CAP_WRITE)) {
        fprintf(stderr, "qbp-load: block plugin '%s' cannot write\n",
                t->name);
        return FALSE;
    }
    return TRUE;
}

/* Write a pattern, read it back into a poisoned buffer, compare. */
static gboolean write_read_check(const struct qbp_plugin *t, void *handle)
{
    static uint8_t out[IO_SIZE], in[IO_SIZE];
    struct test_request wreq = { .calls = 0 }, rreq = { .calls = 0 };
    gboolean ok;

    for (size_t i = 0; i < IO_SIZE; i++) {
        /* Not a multiple of any block size, so misplaced data shows. */
        out[i] = (uint8_t)(i * 7 + i / 251);
    }
    memset(in, 0xcc, sizeof(in));
    g_mutex_init(&wreq.lock);
    g_cond_init(&wreq.cond);
    g_mutex_init(&rreq.lock);
    g_cond_init(&rreq.cond);
    ok = do_request("aio_writev", t->aio_writev, handle, out, &wreq) &&
         do_request("aio_readv", t->aio_readv, handle, in, &rreq);
    if (ok && memcmp(in, out, IO_SIZE) != 0) {
        fprintf(stderr, "qbp-load: data read back differs from data "
                "written\n");
        ok = FALSE;
    }
    t->close(handle);
    /* A completion called twice would have come in by now or never. */
    if (wreq.calls > 1 || rreq.calls > 1) {
        fprintf(stderr, "qbp-load: a completion was called %d times\n",
                MAX(wreq.calls, rreq.calls));
        ok = FALSE;
    }
    return ok;
}

static gboolean run_io(const QbpPlugin *p, char **args, int n)
{
    const struct qbp_plugin *t = qbp_plugin_table(p);
    struct qbp_error *err;
    struct qbp_kv *kv;
    void *handle;

    kv = test_parse_options("qbp-load", t, args, n);
    if (!kv) {
        return FALSE;
    }
    if (!t->aio_writev) {
        fprintf(stderr, "qbp-load: block plugin '%s' cannot write\n",
                t->name);
        test_free_options(kv);
        return FALSE;
    }
    err = qbp_error_new();
    /* Option strings need only live during open. */
    handle = t->open(kv, n, 0, err);
    test_free_options(kv);
    if (!handle) {
        g_autofree char *msg = qbp_error_take(err, NULL);
        fprintf(stderr, "%s\n", msg);
        qbp_error_free(err);
        return FALSE;
    }
    qbp_error_free(err);
    if (!check_disk(t, p, handle)) {
        t->close(handle);
        return FALSE;
    }
    return write_read_check(t, handle);
}

int main(int argc, char **argv)
{
    const QbpPlugin *last = NULL;
    int i;

    qbp_loader_setup(NULL);
    for (i = 1; i < argc && strcmp(argv[i], "--io") != 0; i++) {
        GError *err = NULL;
        const QbpPlugin *p = qbp_plugin_load(argv[i], &err);
        const struct qbp_plugin *t;

        if (!p) {
            fprintf(stderr, "%s\n", err->message);
            g_error_free(err);
            return 1;
        }
        t = qbp_plugin_table(p);
        printf("loaded %s ABI %u.%u\n", t->name, t->hdr.abi_major,
               t->hdr.abi_minor);
        fflush(stdout);
        last = p;
    }
    if (!last) {
        fprintf(stderr, "usage: qbp-load PLUGIN... [--io KEY=VALUE...]\n");
        return 2;
    }
    if (i < argc) {
        if (!run_io(last, argv + i + 1, argc - i - 1)) {
            return 1;
        }
        printf("io ok\n");
    }
    return 0;
}
