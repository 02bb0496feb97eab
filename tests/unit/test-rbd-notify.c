/*
 * Unit tests for the RBD header notifications (plugins/rbd/rbd-notify.c)
 * and the class "lock" encoders (plugins/rbd/rbd-cls.c).
 *
 * The notifications below were captured from a live Ceph 16.2.15 cluster
 * by a watcher of an image header (python3-rados) while QEMU's in-tree
 * driver held the lock and `rbd snap create`, `rbd resize` and `rbd
 * bench` ran against the image; the notify replies by librados'
 * rados_notify2 sending REQUEST_LOCK to a header whose owner was the
 * plugin, librbd, the plugin with exclusive=on, nobody, or a stopped
 * process.  The lock encoders' bytes were sent to the same OSD: `rbd lock
 * ls` then listed the lock, and librbd took it over.
 */
#include <glib.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unhex.h"
#include "rbd-cls.h"
#include "rbd-notify.h"


/* The encoder holds exactly the bytes of hex; then it is emptied. */
static void assert_enc(struct rbd_enc *e, const char *hex)
{
    size_t len;
    g_autofree uint8_t *want = unhex(hex, &len);

    g_assert_cmpint(rbd_enc_status(e), ==, 0);
    g_assert_cmpmem(e->data, e->len, want, len);
    rbd_enc_free(e);
}

/* ---- live notifications (librbd 16) ---- */

/* client.4116, watch handle 0x7fb8800049c0 (in-tree qemu-io) */
#define N_ACQUIRED   "0701 14000000 00000000 1410000000000000 c0490080b87f0000"
#define N_RELEASED   "0701 14000000 01000000 1410000000000000 c0490080b87f0000"
/* client.4124 (`rbd bench`) asks for the lock, force false */
#define N_REQUEST    "0701 15000000 02000000 1c10000000000000 10100020947f0000 00"
#define N_HEADER     "0701 04000000 03000000"
/* `rbd snap create cap@s1` asks the owner to run it */
#define N_SNAP_CREATE "0701 34000000 08000000 02000000 7331 0101 04000000" \
                      " 00000000 1810000000000000 901f01d46c7f0000" \
                      " 0100000000000000 0000000000000000"
/* the owner quiesces the watchers before taking the snapshot */
#define N_QUIESCE    "0701 1c000000 12000000 1410000000000000 c0490080b87f0000" \
                     " 0100000000000000"
#define N_UNQUIESCE  "0701 1c000000 13000000 1410000000000000 c0490080b87f0000" \
                     " 0100000000000000"
#define N_PROGRESS   "0701 2c000000 04000000 1810000000000000 901f01d46c7f0000" \
                     " 0100000000000000 0100000000000000 0a00000000000000"
#define N_COMPLETE   "0701 20000000 05000000 1810000000000000 901f01d46c7f0000" \
                     " 0100000000000000 00000000"
/* `rbd resize --size 128M` asks the owner to run it */
#define N_RESIZE     "0701 25000000 07000000 0000000800000000 1a10000000000000" \
                     " 101000b0367f0000 0100000000000000 00"

/* ---- live replies to REQUEST_LOCK (rados_notify2) ---- */

/* The plugin owned the lock: ResponseMessage(0), then released it. */
#define R_PLUGIN     "01000000 ff10000000000000 e077f4f7e3550000 0a000000" \
                     " 0101040000000000000000 00000000"
/* The same plugin after the release: acked, no answer. */
#define R_NOT_OWNER  "01000000 ff10000000000000 e077f4f7e3550000 00000000" \
                     " 00000000"
/* librbd (in-tree qemu-io) owned it. */
#define R_LIBRBD     "01000000 0911000000000000 405a01f07a7f0000 0a000000" \
                     " 0101040000000000000000 00000000"
/* The plugin with exclusive=on: -EROFS. */
#define R_EXCLUSIVE  "01000000 2511000000000000 c0577085f1550000 0a000000" \
                     " 010104000000e2ffffff 00000000"
/* The owner was stopped (SIGSTOP): it timed out (rados_notify2: -ETIMEDOUT). */
#define R_STOPPED    "00000000 01000000 1711000000000000 005d8d192c560000"
/* Nobody watched. */
#define R_NOBODY     "00000000 00000000"

static void assert_decode(const char *hex, uint32_t op, bool has_client,
                          uint64_t gid, uint64_t handle, bool force)
{
    size_t len;
    g_autofree uint8_t *buf = unhex(hex, &len);
    struct rbd_notify_msg m;

    memset(&m, 0xa5, sizeof(m));
    g_assert_cmpint(rbd_notify_decode(buf, len, &m), ==, 0);
    g_assert_cmpuint(m.op, ==, op);
    g_assert_cmpint(m.has_client, ==, has_client);
    if (has_client) {
        g_assert_cmphex(m.client.gid, ==, gid);
        g_assert_cmphex(m.client.handle, ==, handle);
    }
    g_assert_cmpint(m.force, ==, force);
}

static void test_decode_live(void)
{
    assert_decode(N_ACQUIRED, RBD_NOTIFY_ACQUIRED_LOCK, true, 4116,
                  0x7fb8800049c0, false);
    assert_decode(N_RELEASED, RBD_NOTIFY_RELEASED_LOCK, true, 4116,
                  0x7fb8800049c0, false);
    assert_decode(N_REQUEST, RBD_NOTIFY_REQUEST_LOCK, true, 4124,
                  0x7f9420001010, false);
    assert_decode(N_HEADER, RBD_NOTIFY_HEADER_UPDATE, false, 0, 0, false);
    assert_decode(N_SNAP_CREATE, RBD_NOTIFY_SNAP_CREATE, false, 0, 0, false);
    assert_decode(N_QUIESCE, RBD_NOTIFY_QUIESCE, false, 0, 0, false);
    assert_decode(N_UNQUIESCE, RBD_NOTIFY_UNQUIESCE, false, 0, 0, false);
    assert_decode(N_PROGRESS, RBD_NOTIFY_ASYNC_PROGRESS, false, 0, 0, false);
    assert_decode(N_COMPLETE, RBD_NOTIFY_ASYNC_COMPLETE, false, 0, 0, false);
    assert_decode(N_RESIZE, RBD_NOTIFY_RESIZE, false, 0, 0, false);
}

static void test_decode_old_versions(void)
{
    /* Before Hammer: an empty payload is a header update. */
    assert_decode("", RBD_NOTIFY_HEADER_UPDATE, false, 0, 0, false);
    /* v1: the lock ops had no client id yet. */
    assert_decode("0101 04000000 02000000", RBD_NOTIFY_REQUEST_LOCK, false,
                  0, 0, false);
    /* v2: a client, no force flag. */
    assert_decode("0201 14000000 02000000 0100000000000000 0200000000000000",
                  RBD_NOTIFY_REQUEST_LOCK, true, 1, 2, false);
    /* v3 with force; a newer version's extra bytes are skipped. */
    assert_decode("0301 17000000 02000000 0100000000000000 0200000000000000"
                  " 01 aabb", RBD_NOTIFY_REQUEST_LOCK, true, 1, 2, true);
    /* An op this file does not know. */
    assert_decode("0701 08000000 63000000 01020304", 99, false, 0, 0, false);
}

static void assert_decode_fails(const char *hex)
{
    size_t len;
    g_autofree uint8_t *buf = unhex(hex, &len);
    struct rbd_notify_msg m = { .op = 77 };

    g_assert_cmpint(rbd_notify_decode(buf, len, &m), ==, -EBADMSG);
    g_assert_cmpuint(m.op, ==, 77);
}

static void test_decode_nonsense(void)
{
    assert_decode_fails("07");
    assert_decode_fails("0701 14000000");
    assert_decode_fails("0701 14000000 00000000 1410000000000000");
    assert_decode_fails("0702 04000000 03000000");      /* compat too new */
    assert_decode_fails("0701 03000000 030000");         /* no whole op */
    assert_decode_fails("0701 ffffffff 03000000");       /* past the end */
    /* A client id cut short inside the declared payload. */
    assert_decode_fails("0701 0c000000 00000000 1410000000000000");
}

static void test_encode(void)
{
    struct rbd_client_id c4116 = { 4116, 0x7fb8800049c0 };
    struct rbd_client_id c4124 = { 4124, 0x7f9420001010 };
    struct rbd_enc e;

    rbd_enc_init(&e);
    /* Byte for byte what librbd sent. */
    rbd_notify_encode(&e, RBD_NOTIFY_ACQUIRED_LOCK, &c4116, false);
    assert_enc(&e, N_ACQUIRED);
    rbd_notify_encode(&e, RBD_NOTIFY_RELEASED_LOCK, &c4116, false);
    assert_enc(&e, N_RELEASED);
    rbd_notify_encode(&e, RBD_NOTIFY_REQUEST_LOCK, &c4124, false);
    assert_enc(&e, N_REQUEST);
    rbd_notify_encode(&e, RBD_NOTIFY_HEADER_UPDATE, NULL, false);
    assert_enc(&e, N_HEADER);
    rbd_notify_encode(&e, RBD_NOTIFY_REQUEST_LOCK, &c4124, true);
    assert_enc(&e, "0701 15000000 02000000 1c10000000000000 10100020947f0000"
               " 01");
}

static void test_response(void)
{
    struct rbd_enc e;
    int32_t r = 1;
    size_t len;
    g_autofree uint8_t *eol = unhex("01010400000000000000", &len);

    rbd_enc_init(&e);
    rbd_notify_encode_response(&e, 0);
    assert_enc(&e, "0101 04000000 00000000");
    rbd_notify_encode_response(&e, -EROFS);
    assert_enc(&e, "0101 04000000 e2ffffff");
    rbd_notify_encode_response(&e, -EOPNOTSUPP);
    assert_enc(&e, "0101 04000000 a1ffffff");

    g_assert_cmpint(rbd_notify_decode_response(eol, 10, &r), ==, 0);
    g_assert_cmpint(r, ==, 0);
    g_assert_cmpint(rbd_notify_decode_response(eol, 9, &r), ==, -EBADMSG);
    g_assert_cmpint(rbd_notify_decode_response(NULL, 0, &r), ==, -EBADMSG);
}

static void decode_reply(const char *hex, struct rbd_notify_reply *r,
                         uint8_t **keep)
{
    size_t len;

    *keep = unhex(hex, &len);
    g_assert_cmpint(rbd_notify_decode_reply(*keep, len, r), ==, 0);
}

static void test_reply_live(void)
{
    struct rbd_client_id plugin = { 0x10ff, 0x55e3f7f477e0 };
    struct rbd_client_id librbd = { 0x1109, 0x7f7af0015a40 };
    struct rbd_client_id excl = { 0x1125, 0x55f1857057c0 };
    struct rbd_client_id stopped = { 0x1117, 0x562c198d5d00 };
    struct rbd_notify_reply r;
    uint8_t *buf;
    int32_t res = 1;

    decode_reply(R_PLUGIN, &r, &buf);
    g_assert_cmpuint(r.n_acks, ==, 1);
    g_assert_cmpuint(r.n_timeouts, ==, 0);
    g_assert_cmphex(r.acks[0].id.gid, ==, plugin.gid);
    g_assert_cmphex(r.acks[0].id.handle, ==, plugin.handle);
    g_assert_cmpuint(r.acks[0].len, ==, 10);
    g_assert_cmpint(rbd_notify_owner_reply(&r, &plugin, &res), ==,
                    RBD_OWNER_RESPONDED);
    g_assert_cmpint(res, ==, 0);
    rbd_notify_reply_free(&r);
    g_free(buf);

    decode_reply(R_NOT_OWNER, &r, &buf);
    g_assert_cmpint(rbd_notify_owner_reply(&r, &plugin, &res), ==,
                    RBD_OWNER_SILENT);
    /* Someone else acked, and the owner is nowhere: gone. */
    g_assert_cmpint(rbd_notify_owner_reply(&r, &librbd, &res), ==,
                    RBD_OWNER_GONE);
    rbd_notify_reply_free(&r);
    g_free(buf);

    decode_reply(R_LIBRBD, &r, &buf);
    res = 1;
    g_assert_cmpint(rbd_notify_owner_reply(&r, &librbd, &res), ==,
                    RBD_OWNER_RESPONDED);
    g_assert_cmpint(res, ==, 0);
    rbd_notify_reply_free(&r);
    g_free(buf);

    decode_reply(R_EXCLUSIVE, &r, &buf);
    g_assert_cmpint(rbd_notify_owner_reply(&r, &excl, &res), ==,
                    RBD_OWNER_RESPONDED);
    g_assert_cmpint(res, ==, -EROFS);
    rbd_notify_reply_free(&r);
    g_free(buf);

    decode_reply(R_STOPPED, &r, &buf);
    g_assert_cmpuint(r.n_acks, ==, 0);
    g_assert_cmpuint(r.n_timeouts, ==, 1);
    g_assert_cmpint(rbd_notify_owner_reply(&r, &stopped, &res), ==,
                    RBD_OWNER_TIMED_OUT);
    rbd_notify_reply_free(&r);
    g_free(buf);

    decode_reply(R_NOBODY, &r, &buf);
    g_assert_cmpint(rbd_notify_owner_reply(&r, &stopped, &res), ==,
                    RBD_OWNER_GONE);
    rbd_notify_reply_free(&r);
    g_free(buf);
}

static void test_reply_confused(void)
{
    struct rbd_client_id a = { 1, 2 };
    struct rbd_notify_reply r;
    uint8_t *buf;
    int32_t res;

    /* Two answers: two clients think they own the lock. */
    decode_reply("02000000 0100000000000000 0200000000000000 0a000000"
                 " 01010400000000000000 0300000000000000 0400000000000000"
                 " 0a000000 01010400000000000000 00000000", &r, &buf);
    g_assert_cmpint(rbd_notify_owner_reply(&r, &a, &res), ==,
                    RBD_OWNER_CONFUSED);
    rbd_notify_reply_free(&r);
    g_free(buf);
    /* An answer that is no ResponseMessage. */
    decode_reply("01000000 0100000000000000 0200000000000000 02000000 0101"
                 " 00000000", &r, &buf);
    g_assert_cmpint(rbd_notify_owner_reply(&r, &a, &res), ==,
                    RBD_OWNER_CONFUSED);
    rbd_notify_reply_free(&r);
    g_free(buf);
}

static void assert_reply_fails(const char *hex)
{
    size_t len;
    g_autofree uint8_t *buf = unhex(hex, &len);
    struct rbd_notify_reply r = { .n_acks = 7 };

    g_assert_cmpint(rbd_notify_decode_reply(buf, len, &r), ==, -EBADMSG);
    g_assert_cmpuint(r.n_acks, ==, 7);
}

static void test_reply_nonsense(void)
{
    assert_reply_fails("");
    assert_reply_fails("000000");
    assert_reply_fails("00000000");                          /* no timeouts */
    assert_reply_fails("01000000 0100000000000000");          /* short ack */
    assert_reply_fails("01000000 0100000000000000 0200000000000000 ffffffff"
                       " 00000000");                          /* data past end */
    assert_reply_fails("ffffffff 00000000");                  /* huge count */
    assert_reply_fails("00000000 02000000 0100000000000000 0200000000000000");
}

/* What the plugin answers, as librbd's ImageWatcher does. */
static void assert_answer(const char *hex, bool owner, bool exclusive,
                          bool respond, int32_t result,
                          enum rbd_notify_action action)
{
    struct rbd_client_id self = { 4355, 0x5555 };
    struct rbd_notify_answer a;
    struct rbd_notify_msg m;
    size_t len;
    g_autofree uint8_t *buf = unhex(hex, &len);

    g_assert_cmpint(rbd_notify_decode(buf, len, &m), ==, 0);
    rbd_notify_answer(&m, &self, owner, exclusive, &a);
    g_assert_cmpint(a.respond, ==, respond);
    if (respond) {
        g_assert_cmpint(a.result, ==, result);
    }
    g_assert_cmpint(a.action, ==, action);
}

static void test_answers(void)
{
    /* Header updates: everyone answers 0 and re-reads. */
    assert_answer(N_HEADER, false, false, true, 0, RBD_NOTIFY_REFRESH);
    assert_answer(N_HEADER, true, true, true, 0, RBD_NOTIFY_REFRESH);
    assert_answer("", false, false, true, 0, RBD_NOTIFY_REFRESH);
    /* Lock announcements are only acked; a release is a chance to take it. */
    assert_answer(N_ACQUIRED, false, false, false, 0, RBD_NOTIFY_NOTHING);
    assert_answer(N_RELEASED, false, false, false, 0, RBD_NOTIFY_LOCK_FREE);
    /* REQUEST_LOCK: the owner answers and lets go, unless exclusive. */
    assert_answer(N_REQUEST, true, false, true, 0, RBD_NOTIFY_RELEASE);
    assert_answer(N_REQUEST, true, true, true, -EROFS, RBD_NOTIFY_NOTHING);
    assert_answer(N_REQUEST, false, false, false, 0, RBD_NOTIFY_NOTHING);
    /* ...never to our own request. */
    assert_answer("0701 15000000 02000000 0311000000000000 5555000000000000"
                  " 00", true, false, false, 0, RBD_NOTIFY_NOTHING);
    /* Operations for the owner: it cannot, so the asker takes the lock. */
    assert_answer(N_SNAP_CREATE, true, false, true, -EOPNOTSUPP,
                  RBD_NOTIFY_NOTHING);
    assert_answer(N_RESIZE, true, true, true, -EOPNOTSUPP,
                  RBD_NOTIFY_NOTHING);
    assert_answer(N_SNAP_CREATE, false, false, false, 0, RBD_NOTIFY_NOTHING);
    assert_answer("0701 08000000 63000000 01020304", true, false, true,
                  -EOPNOTSUPP, RBD_NOTIFY_NOTHING);
    assert_answer("0701 08000000 63000000 01020304", false, false, false, 0,
                  RBD_NOTIFY_NOTHING);
    /* Quiesce: not supported, which the snapshot's maker ignores. */
    assert_answer(N_QUIESCE, false, false, true, -EOPNOTSUPP,
                  RBD_NOTIFY_NOTHING);
    assert_answer(N_UNQUIESCE, true, false, false, 0, RBD_NOTIFY_NOTHING);
    assert_answer(N_PROGRESS, true, false, false, 0, RBD_NOTIFY_NOTHING);
    assert_answer(N_COMPLETE, true, false, false, 0, RBD_NOTIFY_NOTHING);
}

static void test_parse_locker(void)
{
    struct rbd_client_id id = { 9, 9 };

    g_assert_cmpint(rbd_notify_parse_locker("client.4116",
                                            "auto 140430398212544", &id),
                    ==, 0);
    g_assert_cmpuint(id.gid, ==, 4116);
    g_assert_cmpuint(id.handle, ==, 140430398212544ull);
    g_assert_cmpint(rbd_notify_parse_locker("client.1", "auto 0", &id), ==, 0);
    g_assert_cmpuint(id.gid, ==, 1);
    g_assert_cmpuint(id.handle, ==, 0);

    id.gid = 9;
    g_assert_cmpint(rbd_notify_parse_locker("client.4116", "auto", &id), ==,
                    -EINVAL);
    g_assert_cmpint(rbd_notify_parse_locker("client.4116", "mycookie", &id),
                    ==, -EINVAL);
    g_assert_cmpint(rbd_notify_parse_locker("client.4116", "auto 12x", &id),
                    ==, -EINVAL);
    g_assert_cmpint(rbd_notify_parse_locker("client.4116", "auto -1", &id),
                    ==, -EINVAL);
    g_assert_cmpint(rbd_notify_parse_locker("client.4116", "auto  1", &id),
                    ==, -EINVAL);
    g_assert_cmpint(rbd_notify_parse_locker("client.4116",
                                            "auto 99999999999999999999999",
                                            &id), ==, -EINVAL);
    g_assert_cmpint(rbd_notify_parse_locker("osd.1", "auto 1", &id), ==,
                    -EINVAL);
    g_assert_cmpint(rbd_notify_parse_locker("client.", "auto 1", &id), ==,
                    -EINVAL);
    g_assert_cmpint(rbd_notify_parse_locker(NULL, "auto 1", &id), ==,
                    -EINVAL);
    g_assert_cmpint(rbd_notify_parse_locker("client.1", NULL, &id), ==,
                    -EINVAL);
    g_assert_cmpuint(id.gid, ==, 9);
}

/* ---- class "lock" and object map inputs ---- */

static void test_enc_lock(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_cls_enc_lock(&e, "rbd_lock", RBD_LOCK_EXCLUSIVE, "auto 1234",
                     "internal", "");
    assert_enc(&e, "0101 33000000 08000000 7262645f6c6f636b 01"
               " 09000000 6175746f2031323334 08000000 696e7465726e616c"
               " 00000000 00000000 00000000 00");
    rbd_cls_enc_assert_locked(&e, "rbd_lock", RBD_LOCK_EXCLUSIVE, "", "");
    assert_enc(&e, "0101 15000000 08000000 7262645f6c6f636b 01 00000000"
               " 00000000");
    rbd_cls_enc_set_cookie(&e, "rbd_lock", RBD_LOCK_EXCLUSIVE, "auto 1",
                           "internal", "auto 2");
    assert_enc(&e, "0101 2d000000 08000000 7262645f6c6f636b 01"
               " 06000000 6175746f2031 08000000 696e7465726e616c"
               " 06000000 6175746f2032");
}

static void test_enc_object_map(void)
{
    struct rbd_enc e;

    rbd_enc_init(&e);
    rbd_cls_enc_object_map_update(&e, 5, 6, 1, -1);
    assert_enc(&e, "0500000000000000 0600000000000000 01 00");
    rbd_cls_enc_object_map_update(&e, 5, 6, 0, 2);
    assert_enc(&e, "0500000000000000 0600000000000000 00 01 02");
    rbd_cls_enc_object_map_resize(&e, 16, 0);
    assert_enc(&e, "1000000000000000 00");
    rbd_cls_enc_set_flags(&e, 3, 3, RBD_NOSNAP);
    assert_enc(&e, "0300000000000000 0300000000000000 feffffffffffffff");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rbd-notify/decode/live", test_decode_live);
    g_test_add_func("/rbd-notify/decode/old-versions",
                    test_decode_old_versions);
    g_test_add_func("/rbd-notify/decode/nonsense", test_decode_nonsense);
    g_test_add_func("/rbd-notify/encode", test_encode);
    g_test_add_func("/rbd-notify/response", test_response);
    g_test_add_func("/rbd-notify/reply/live", test_reply_live);
    g_test_add_func("/rbd-notify/reply/confused", test_reply_confused);
    g_test_add_func("/rbd-notify/reply/nonsense", test_reply_nonsense);
    g_test_add_func("/rbd-notify/answers", test_answers);
    g_test_add_func("/rbd-notify/parse-locker", test_parse_locker);
    g_test_add_func("/rbd-cls/enc/lock", test_enc_lock);
    g_test_add_func("/rbd-cls/enc/object-map", test_enc_object_map);
    return g_test_run();
}
