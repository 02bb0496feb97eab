/*
 * qbp-drive: one block plugin driven through its callbacks without QEMU,
 * command by command, so that valgrind (and ASan) see every path of the
 * plugin: tests/valgrind/test-plugins.sh.
 *
 *   qbp-drive PLUGIN COMMAND...
 *
 * Each COMMAND is one argument of blank-separated words:
 *   parse REST                parse_filename; prints KEY=VALUE per option
 *   open KEY=VALUE...         open read-write (options normalised and
 *   open-ro KEY=VALUE...        checked by the host, as QEMU does)
 *   open-fails KEY=VALUE...   open must fail; prints its message
 *   create SIZE KEY=VALUE...  create a disk
 *   length | caps | limits    print what the open disk says
 *   write OFF LEN BYTE        LEN bytes of BYTE, over three iovecs
 *   read OFF LEN BYTE         read back and compare
 *   zero OFF LEN [unmap]      write_zeroes
 *   discard OFF LEN | flush | truncate SIZE
 *   close
 *   !COMMAND                  COMMAND must fail (its message is printed)
 * Numbers take a k, M or G suffix.  "ok: COMMAND" follows each command
 * that did what it should; the first that did not prints why and the exit
 * status is 1.  An open disk is closed at the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-host.h"

struct drive {
    const QbpPlugin *p;
    const struct qbp_plugin *t;
    void *handle;
};

static gboolean parse_number(const char *s, uint64_t *out)
{
    char *end;
    uint64_t n;
    int shift = 0;

    if (!s || !g_ascii_isdigit(*s)) {
        return FALSE;
    }
    errno = 0;
    n = g_ascii_strtoull(s, &end, 0);
    switch (*end) {
    case 'k': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    }
    if (errno || *end || n > (G_MAXUINT64 >> shift)) {
        return FALSE;
    }
    *out = n << shift;
    return TRUE;
}

/* Prints the plugin's message from err and frees it. */
static void print_error(struct qbp_error *err)
{
    g_autofree char *msg = qbp_error_take(err, NULL);

    fprintf(stderr, "%s\n", msg);
}

static int print_option(void *opaque, const char *key, const char *value)
{
    printf("%s=%s\n", key, value);
    return 0;
}

static gboolean cmd_parse(struct drive *d, const char *rest)
{
    struct qbp_error *err;
    int ret;

    if (!d->t->parse_filename) {
        fprintf(stderr, "qbp-drive: plugin has no parse_filename\n");
        return FALSE;
    }
    err = qbp_error_new();
    ret = d->t->parse_filename(rest, print_option, NULL, err);
    if (ret < 0) {
        print_error(err);
    }
    qbp_error_free(err);
    return ret == 0;
}

/* open, open-ro, open-fails (want_fail) and create (size given). */
static gboolean cmd_open(struct drive *d, char **words, size_t n,
                         uint32_t flags, gboolean want_fail,
                         const uint64_t *create_size)
{
    struct qbp_kv *kv = test_parse_options("qbp-drive", d->t, words, n);
    struct qbp_error *err;
    gboolean ok;

    if (!kv) {
        return FALSE;
    }
    err = qbp_error_new();
    if (create_size) {
        ok = d->t->create &&
             d->t->create(kv, n, *create_size, err) == 0;
        if (!d->t->create) {
            fprintf(stderr, "qbp-drive: plugin has no create\n");
        }
    } else if (d->handle) {
        fprintf(stderr, "qbp-drive: a disk is already open\n");
        ok = FALSE;
    } else {
        d->handle = d->t->open(kv, n, flags, err);
        ok = d->handle != NULL;
    }
    if (qbp_error_is_set(err) || (!ok && want_fail)) {
        print_error(err);
    }
    qbp_error_free(err);
    test_free_options(kv);
    if (want_fail) {
        if (ok) {
            fprintf(stderr, "qbp-drive: open succeeded but should have "
                    "failed\n");
            d->t->close(d->handle);
            d->handle = NULL;
        }
        return !ok;
    }
    return ok;
}

/*
 * write/read OFF LEN BYTE: the buffer cut in three iovecs of different
 * sizes, so that a plugin which only looks at iov[0] is caught.
 */
static gboolean cmd_rw(struct drive *d, gboolean write, uint64_t off,
                       uint64_t len, uint8_t byte)
{
    uint8_t *buf = g_malloc(len ? len : 1);
    size_t a = len / 3;
    size_t b = len / 2;
    struct iovec iov[3] = {
        { .iov_base = buf, .iov_len = a },
        { .iov_base = buf + a, .iov_len = b - a },
        { .iov_base = buf + b, .iov_len = len - b },
    };
    struct test_request req = { .calls = 0 };
    gboolean ok;
    int ret;

    g_mutex_init(&req.lock);
    g_cond_init(&req.cond);
    memset(buf, write ? byte : (uint8_t)~byte, len);
    if (write && !d->t->aio_writev) {
        fprintf(stderr, "qbp-drive: plugin has no aio_writev\n");
        ok = FALSE;
    } else {
        ret = (write ? d->t->aio_writev : d->t->aio_readv)(
            d->handle, off, iov, 3, 0, test_request_done, &req);
        ok = test_request_finish("qbp-drive",
                                 write ? "aio_writev" : "aio_readv", ret,
                                 &req, (int64_t)len);
    }
    for (uint64_t i = 0; ok && !write && i < len; i++) {
        if (buf[i] != byte) {
            fprintf(stderr, "qbp-drive: byte %" PRIu64 " read is 0x%02x, "
                    "not 0x%02x\n", off + i, buf[i], byte);
            ok = FALSE;
        }
    }
    g_mutex_clear(&req.lock);
    g_cond_clear(&req.cond);
    g_free(buf);
    return ok;
}

/* zero, discard and flush. */
static gboolean cmd_ranged(struct drive *d, const char *what, uint64_t off,
                           uint64_t len, uint32_t flags)
{
    struct test_request req = { .calls = 0 };
    gboolean ok;
    int ret;

    g_mutex_init(&req.lock);
    g_cond_init(&req.cond);
    if (strcmp(what, "flush") == 0 && d->t->aio_flush) {
        ret = d->t->aio_flush(d->handle, test_request_done, &req);
    } else if (strcmp(what, "discard") == 0 && d->t->aio_discard) {
        ret = d->t->aio_discard(d->handle, off, len, flags, test_request_done,
                                &req);
    } else if (strcmp(what, "zero") == 0 && d->t->aio_write_zeroes) {
        ret = d->t->aio_write_zeroes(d->handle, off, len, flags,
                                     test_request_done, &req);
    } else {
        fprintf(stderr, "qbp-drive: plugin cannot %s\n", what);
        return FALSE;
    }
    ok = test_request_finish("qbp-drive", what, ret, &req, (int64_t)len);
    g_mutex_clear(&req.lock);
    g_cond_clear(&req.cond);
    return ok;
}

static gboolean cmd_info(struct drive *d, const char *what)
{
    if (strcmp(what, "length") == 0) {
        int64_t length = d->t->get_length(d->handle);

        printf("length %" PRId64 "\n", length);
        return length >= 0;
    }
    if (strcmp(what, "caps") == 0) {
        printf("caps 0x%" PRIx32 "\n", qbp_plugin_caps(d->p, d->handle));
        return TRUE;
    }
    if (d->t->get_limits) {
        struct qbp_limits l = {
            .hdr = {
                .struct_size = sizeof(l),
                .abi_major = QBP_ABI_MAJOR,
                .abi_minor = QBP_ABI_MINOR,
            },
        };

        d->t->get_limits(d->handle, &l);
        printf("limits align %" PRIu32 " max %" PRIu32 " opt %" PRIu32
               " discard %" PRIu32 " mem %" PRIu32 "\n", l.request_alignment,
               l.max_transfer, l.opt_transfer, l.discard_alignment,
               l.mem_alignment);
    }
    return TRUE;
}

static gboolean cmd_truncate(struct drive *d, uint64_t size)
{
    struct qbp_error *err;
    int ret;

    if (!d->t->truncate) {
        fprintf(stderr, "qbp-drive: plugin has no truncate\n");
        return FALSE;
    }
    err = qbp_error_new();
    ret = d->t->truncate(d->handle, size, err);
    if (ret < 0) {
        print_error(err);
    }
    qbp_error_free(err);
    return ret == 0;
}

static gboolean run_command(struct drive *d, const char *command)
{
    g_auto(GStrv) words = g_strsplit_set(command, " \t", -1);
    size_t n = g_strv_length(words);
    const char *c = words[0] ? words[0] : "";
    uint64_t a = 0;
    uint64_t b = 0;
    uint64_t byte = 0;
    gboolean needs_handle = strcmp(c, "parse") != 0 &&
                            strcmp(c, "create") != 0 &&
                            strncmp(c, "open", 4) != 0;

    if (needs_handle && !d->handle) {
        fprintf(stderr, "qbp-drive: '%s' needs an open disk\n", command);
        return FALSE;
    }
    if (strcmp(c, "parse") == 0) {
        return cmd_parse(d, n > 1 ? command + strlen("parse ") : "");
    }
    if (strcmp(c, "open") == 0 || strcmp(c, "open-ro") == 0 ||
        strcmp(c, "open-fails") == 0) {
        return cmd_open(d, words + 1, n - 1,
                        strcmp(c, "open-ro") == 0 ? QBP_OPEN_READ_ONLY : 0,
                        strcmp(c, "open-fails") == 0, NULL);
    }
    if (strcmp(c, "create") == 0 && parse_number(words[1], &a)) {
        return cmd_open(d, words + 2, n - 2, 0, FALSE, &a);
    }
    if (strcmp(c, "length") == 0 || strcmp(c, "caps") == 0 ||
        strcmp(c, "limits") == 0) {
        return cmd_info(d, c);
    }
    if ((strcmp(c, "write") == 0 || strcmp(c, "read") == 0) && n == 4 &&
        parse_number(words[1], &a) && parse_number(words[2], &b) &&
        parse_number(words[3], &byte) && byte <= 0xff) {
        return cmd_rw(d, c[0] == 'w', a, b, (uint8_t)byte);
    }
    if ((strcmp(c, "zero") == 0 || strcmp(c, "discard") == 0) &&
        (n == 3 || (n == 4 && strcmp(words[3], "unmap") == 0)) &&
        parse_number(words[1], &a) && parse_number(words[2], &b)) {
        return cmd_ranged(d, c, a, b, n == 4 ? QBP_REQ_MAY_UNMAP : 0);
    }
    if (strcmp(c, "flush") == 0 && n == 1) {
        return cmd_ranged(d, c, 0, 0, 0);
    }
    if (strcmp(c, "truncate") == 0 && n == 2 && parse_number(words[1], &a)) {
        return cmd_truncate(d, a);
    }
    if (strcmp(c, "close") == 0 && n == 1) {
        d->t->close(d->handle);
        d->handle = NULL;
        return TRUE;
    }
    fprintf(stderr, "qbp-drive: cannot understand '%s'\n", command);
    return FALSE;
}

int main(int argc, char **argv)
{
    struct drive d = { 0 };
    GError *err = NULL;
    int status = 0;
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: qbp-drive PLUGIN COMMAND...\n");
        return 2;
    }
    qbp_loader_setup(NULL);
    d.p = qbp_plugin_load(argv[1], &err);
    if (!d.p) {
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
        return 1;
    }
    d.t = qbp_plugin_table(d.p);
    for (i = 2; i < argc; i++) {
        gboolean must_fail = argv[i][0] == '!';

        if (run_command(&d, argv[i] + must_fail) == must_fail) {
            if (must_fail) {
                fprintf(stderr, "qbp-drive: '%s' did not fail\n",
                        argv[i] + 1);
            }
            status = 1;
            break;
        }
        printf("ok: %s\n", argv[i]);
        fflush(stdout);
    }
    if (d.handle) {
        d.t->close(d.handle);
    }
    return status;
}
