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

#include "qbp-loader.h"

#define IO_SIZE 4096

/* One request in flight, completed from any thread or before submit returns. */
struct request {
    GMutex lock;
    GCond cond;
    int calls;
    int64_t result;
};

static void request_done(void *opaque, int64_t result)
{
    struct request *req = opaque;

    g_mutex_lock(&req->lock);
    req->calls++;
    req->result = result;
    g_cond_broadcast(&req->cond);
    g_mutex_unlock(&req->lock);
}

static int64_t request_wait(struct request *req)
{
    int64_t result;

    g_mutex_lock(&req->lock);
    while (req->calls == 0) {
        g_cond_wait(&req->cond, &req->lock);
    }
    result = req->result;
    g_mutex_unlock(&req->lock);
    return result;
}

typedef int qbp_rw_fn(void *handle, uint64_t offset, const struct iovec *iov,
                      int iovcnt, uint32_t flags, qbp_completion_fn *cb,
                      void *opaque);

/*
 * Submit one request of IO_SIZE bytes and wait for it.  The buffer is split
 * into two iovecs of different sizes so that a plugin which only looks at
 * iov[0] fails the check.
 */
static gboolean do_request(const char *what, qbp_rw_fn *fn, void *handle,
                           uint8_t *buf, struct request *req)
{
    struct iovec iov[2] = {
        { .iov_base = buf, .iov_len = 1024 },
        { .iov_base = buf + 1024, .iov_len = IO_SIZE - 1024 },
    };
    int64_t result;
    int ret;

    ret = fn(handle, 0, iov, 2, 0, request_done, req);
    if (ret < 0) {
        fprintf(stderr, "qbp-load: %s refused: %s\n", what, strerror(-ret));
        return FALSE;
    }
    result = request_wait(req);
    if (result != IO_SIZE) {
        fprintf(stderr, "qbp-load: %s of %d bytes completed with %" PRId64
                "%s%s\n", what, IO_SIZE, result, result < 0 ? ": " : "",
                result < 0 ? strerror((int)-result) : "");
        return FALSE;
    }
    return TRUE;
}

static void free_options(struct qbp_kv *kv, int n)
{
    for (int i = 0; i < n; i++) {
        g_free((char *)kv[i].key);
        g_free((char *)kv[i].value);
    }
    g_free(kv);
}

/* KEY=VALUE arguments, checked and normalised as a host must. */
static struct qbp_kv *parse_options(const struct qbp_plugin *t, char **args,
                                    int n)
{
    struct qbp_kv *kv = g_new0(struct qbp_kv, n + 1);
    GError *err = NULL;

    for (int i = 0; i < n; i++) {
        const char *eq = strchr(args[i], '=');

        if (!eq) {
            fprintf(stderr, "qbp-load: option '%s' is not KEY=VALUE\n",
                    args[i]);
            goto fail;
        }
        kv[i].key = g_strndup(args[i], eq - args[i]);
        kv[i].value = qbp_options_normalize(t, kv[i].key, eq + 1, &err);
        if (!kv[i].value) {
            goto fail;
        }
    }
    if (qbp_options_check_required(t, kv, n, &err)) {
        return kv;
    }
fail:
    if (err) {
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
    }
    free_options(kv, n);
    return NULL;
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
    struct request wreq = { .calls = 0 }, rreq = { .calls = 0 };
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

    kv = parse_options(t, args, n);
    if (!kv) {
        return FALSE;
    }
    if (!t->aio_writev) {
        fprintf(stderr, "qbp-load: block plugin '%s' cannot write\n",
                t->name);
        free_options(kv, n);
        return FALSE;
    }
    err = qbp_error_new();
    /* Option strings need only live during open. */
    handle = t->open(kv, n, 0, err);
    free_options(kv, n);
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
