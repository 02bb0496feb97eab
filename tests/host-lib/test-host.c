/* test-host.c: see test-host.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "test-host.h"

void test_request_done(void *opaque, int64_t result)
{
    struct test_request *req = opaque;

    g_mutex_lock(&req->lock);
    req->calls++;
    req->result = result;
    g_cond_broadcast(&req->cond);
    g_mutex_unlock(&req->lock);
}

int64_t test_request_wait(struct test_request *req)
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

gboolean test_request_finish(const char *prog, const char *what, int ret,
                             struct test_request *req, int64_t want)
{
    int64_t result;

    if (ret < 0) {
        fprintf(stderr, "%s: %s refused: %s\n", prog, what, strerror(-ret));
        return FALSE;
    }
    result = test_request_wait(req);
    if (result != want) {
        fprintf(stderr, "%s: %s of %" PRId64 " bytes completed with %" PRId64
                "%s%s\n", prog, what, want, result, result < 0 ? ": " : "",
                result < 0 ? strerror((int)-result) : "");
        return FALSE;
    }
    return TRUE;
}

struct qbp_kv *test_parse_options(const char *prog,
                                  const struct qbp_plugin *t,
                                  char **words, size_t n)
{
    struct qbp_kv *kv = g_new0(struct qbp_kv, n + 1);
    GError *err = NULL;
    size_t i;

    for (i = 0; i < n; i++) {
        const char *eq = strchr(words[i], '=');

        if (!eq) {
            fprintf(stderr, "%s: option '%s' is not KEY=VALUE\n", prog,
                    words[i]);
            break;
        }
        kv[i].key = g_strndup(words[i], eq - words[i]);
        kv[i].value = qbp_options_normalize(t, kv[i].key, eq + 1, &err);
        if (!kv[i].value) {
            break;
        }
    }
    if (i == n && qbp_options_check_required(t, kv, n, &err)) {
        return kv;
    }
    if (err) {
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
    }
    test_free_options(kv);
    return NULL;
}

void test_free_options(struct qbp_kv *kv)
{
    for (size_t i = 0; kv[i].key; i++) {
        g_free((char *)kv[i].key);
        g_free((char *)kv[i].value);
    }
    g_free(kv);
}
