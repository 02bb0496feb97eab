/*
 * fuzz-rbd-notify: the decoders of plugins/rbd/rbd-notify.h, each on
 * every input: a notification's payload (rbd_notify_decode), a watcher's
 * ResponseMessage (rbd_notify_decode_response), what rados_notify2 hands
 * back to a notifier (rbd_notify_decode_reply, then
 * rbd_notify_owner_reply on it), and a lock's locker and cookie strings
 * (rbd_notify_parse_locker: the input cut at its first two NULs).  Any
 * watcher of an image header, or anything posing as an OSD, chooses these
 * bytes.
 *
 * Checked, beyond not crashing or reading out of bounds:
 * - results are 0 or -EBADMSG (-ENOMEM for the reply, -EINVAL for the
 *   locker), and a decoder succeeds exactly when an independent reading
 *   of the bytes here says the input is well formed;
 * - on failure the outputs are untouched;
 * - on success the values are what the bytes say: op, client (the lock
 *   ops from v2 on), force (REQUEST_LOCK from v3 on); acks pointing into
 *   the input at their data, counts the input can hold;
 * - bytes after a message change nothing (a newer client may append);
 * - decode(encode(x)) = x for the messages and responses; the locker's
 *   canonical strings parse back to the same id;
 * - rbd_notify_owner_reply and rbd_notify_answer keep the rules their
 *   header states, for every client the input names.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>

#include "fuzz.h"
#include "rbd-notify.h"

#define SENT64 0xa5a5a5a5a5a5a5a5ull
#define SENT32 0xa5a5a5a5u

/* Same as rbd-notify.c: bigger counts are refused, not allocated. */
#define MAX_WATCHERS 65536u

/* How many of a reply's clients are tried as the lock owner. */
#define OWNERS_MAX 8

static bool is_lock_op(uint32_t op)
{
    return op == RBD_NOTIFY_ACQUIRED_LOCK || op == RBD_NOTIFY_RELEASED_LOCK ||
           op == RBD_NOTIFY_REQUEST_LOCK;
}

static bool same_client(const struct rbd_client_id *a,
                        const struct rbd_client_id *b)
{
    return a->gid == b->gid && a->handle == b->handle;
}

/*
 * ENCODE_START(v, compat <= 1) read independently: the payload's start
 * and length, or false.
 */
static bool ref_start(const uint8_t *buf, size_t len, uint8_t *v,
                      const uint8_t **payload, size_t *plen)
{
    if (len < 6 || buf[1] > 1 || fuzz_le(buf + 2, 4) > len - 6) {
        return false;
    }
    *v = buf[0];
    *payload = buf + 6;
    *plen = (size_t)fuzz_le(buf + 2, 4);
    return true;
}

/* rbd_notify_decode's output, or false, read here from the bytes. */
static bool ref_msg(const uint8_t *buf, size_t len, struct rbd_notify_msg *m)
{
    const uint8_t *p;
    size_t plen;
    uint8_t v;

    *m = (struct rbd_notify_msg){ .op = RBD_NOTIFY_HEADER_UPDATE };
    if (len == 0) {
        return true;
    }
    if (!ref_start(buf, len, &v, &p, &plen) || plen < 4) {
        return false;
    }
    m->op = (uint32_t)fuzz_le(p, 4);
    if (is_lock_op(m->op) && v >= 2) {
        if (plen < 20) {
            return false;
        }
        m->has_client = true;
        m->client.gid = fuzz_le(p + 4, 8);
        m->client.handle = fuzz_le(p + 12, 8);
    }
    if (m->op == RBD_NOTIFY_REQUEST_LOCK && v >= 3) {
        if (plen < 21) {
            return false;
        }
        m->force = p[20] != 0;
    }
    return true;
}

static bool same_msg(const struct rbd_notify_msg *a,
                     const struct rbd_notify_msg *b)
{
    return a->op == b->op && a->has_client == b->has_client &&
           (!a->has_client || same_client(&a->client, &b->client)) &&
           a->force == b->force;
}

/* What rbd_notify_answer promises, for each way we can stand. */
static void check_answers(const struct rbd_notify_msg *m)
{
    struct rbd_client_id other = { m->client.gid + 1, m->client.handle };
    const struct rbd_client_id *selves[] = { &m->client, &other };

    for (int s = 0; s < 2; s++) {
        for (int k = 0; k < 4; k++) {
            bool owner = k & 1;
            bool exclusive = k & 2;
            bool ours = m->has_client && same_client(&m->client, selves[s]);
            struct rbd_notify_answer a;

            memset(&a, 0xa5, sizeof(a));
            rbd_notify_answer(m, selves[s], owner, exclusive, &a);
            FUZZ_CHECK(a.action == RBD_NOTIFY_NOTHING ||
                       a.action == RBD_NOTIFY_REFRESH ||
                       a.action == RBD_NOTIFY_RELEASE ||
                       a.action == RBD_NOTIFY_LOCK_FREE);
            FUZZ_CHECK(a.result == 0 || a.result == -EROFS ||
                       a.result == -EOPNOTSUPP);
            /* Only the owner answers, but to header updates and quiesce. */
            if (!owner && m->op != RBD_NOTIFY_HEADER_UPDATE &&
                m->op != RBD_NOTIFY_QUIESCE) {
                FUZZ_CHECK(!a.respond);
            }
            FUZZ_CHECK((a.action == RBD_NOTIFY_REFRESH) ==
                       (m->op == RBD_NOTIFY_HEADER_UPDATE));
            FUZZ_CHECK((a.action == RBD_NOTIFY_LOCK_FREE) ==
                       (m->op == RBD_NOTIFY_RELEASED_LOCK));
            if (m->op == RBD_NOTIFY_REQUEST_LOCK) {
                /* Never to our own request; the owner lets go unless exclusive. */
                FUZZ_CHECK(a.respond == (owner && !ours));
                FUZZ_CHECK((a.action == RBD_NOTIFY_RELEASE) ==
                           (owner && !ours && !exclusive));
                FUZZ_CHECK(!a.respond || a.result == (exclusive ? -EROFS : 0));
            } else {
                FUZZ_CHECK(a.action != RBD_NOTIFY_RELEASE);
            }
        }
    }
}

static void check_msg(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size, 0, 0);
    uint8_t *longer;
    struct rbd_notify_msg want;
    struct rbd_notify_msg m;
    struct rbd_notify_msg sent;
    struct rbd_notify_msg again;
    struct rbd_enc e;
    bool ok = ref_msg(buf, size, &want);
    int r;

    memset(&m, 0xa5, sizeof(m));
    memset(&sent, 0xa5, sizeof(sent));
    r = rbd_notify_decode(buf, size, &m);
    FUZZ_CHECK(r == 0 || r == -EBADMSG);
    FUZZ_CHECK((r == 0) == ok);
    if (r < 0) {
        FUZZ_CHECK(memcmp(&m, &sent, sizeof(m)) == 0);
        free(buf);
        return;
    }
    FUZZ_CHECK(same_msg(&m, &want));
    FUZZ_CHECK(m.has_client || (m.client.gid == 0 && m.client.handle == 0));
    check_answers(&m);

    /* Whatever follows the message is ignored: here, the message again. */
    if (size > 0) {
        longer = fuzz_copy(data, size, size + 1, 0xff);
        memcpy(longer + size, data, size);
        memset(&again, 0xa5, sizeof(again));
        FUZZ_CHECK(rbd_notify_decode(longer, 2 * size + 1, &again) == 0);
        FUZZ_CHECK(same_msg(&again, &m));
        free(longer);
    }

    /* decode(encode(m)) = m; a lock op always carries a client when sent. */
    rbd_enc_init(&e);
    rbd_notify_encode(&e, m.op, m.has_client ? &m.client : NULL, m.force);
    FUZZ_CHECK(rbd_enc_status(&e) == 0);
    FUZZ_CHECK(e.len >= 10 && e.data[0] == 7 && e.data[1] == 1 &&
               fuzz_le(e.data + 2, 4) == e.len - 6);
    memset(&again, 0xa5, sizeof(again));
    FUZZ_CHECK(rbd_notify_decode(e.data, e.len, &again) == 0);
    FUZZ_CHECK(again.op == m.op);
    FUZZ_CHECK(again.has_client == is_lock_op(m.op));
    if (m.has_client) {
        FUZZ_CHECK(same_client(&again.client, &m.client));
    } else if (again.has_client) {
        FUZZ_CHECK(again.client.gid == 0 && again.client.handle == 0);
    }
    FUZZ_CHECK(again.force == (m.op == RBD_NOTIFY_REQUEST_LOCK && m.force));
    rbd_enc_free(&e);
    free(buf);
}

/* rbd_notify_decode_response's result, or false, read here. */
static bool ref_response(const uint8_t *buf, size_t len, int32_t *result)
{
    const uint8_t *p;
    size_t plen;
    uint8_t v;
    uint32_t u;

    if (!ref_start(buf, len, &v, &p, &plen) || plen < 4) {
        return false;
    }
    u = (uint32_t)fuzz_le(p, 4);
    memcpy(result, &u, sizeof(*result));
    return true;
}

static void check_response(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size, 0, 0);
    uint8_t *longer;
    int32_t want = 0;
    int32_t result = (int32_t)SENT32;
    int32_t again = (int32_t)SENT32;
    bool ok = ref_response(buf, size, &want);
    struct rbd_enc e;
    int r = rbd_notify_decode_response(buf, size, &result);

    FUZZ_CHECK(r == 0 || r == -EBADMSG);
    FUZZ_CHECK((r == 0) == ok);
    if (r < 0) {
        FUZZ_CHECK(result == (int32_t)SENT32);
        free(buf);
        return;
    }
    FUZZ_CHECK(result == want);

    longer = fuzz_copy(data, size, size + 1, 0xff);
    memcpy(longer + size, data, size);
    FUZZ_CHECK(rbd_notify_decode_response(longer, 2 * size + 1, &again) == 0);
    FUZZ_CHECK(again == result);
    free(longer);

    /* Encoded as librbd does: ENCODE_START(1,1){s32}, and back. */
    rbd_enc_init(&e);
    rbd_notify_encode_response(&e, result);
    FUZZ_CHECK(rbd_enc_status(&e) == 0);
    FUZZ_CHECK(e.len == 10 && e.data[0] == 1 && e.data[1] == 1 &&
               fuzz_le(e.data + 2, 4) == 4);
    again = (int32_t)SENT32;
    FUZZ_CHECK(rbd_notify_decode_response(e.data, e.len, &again) == 0);
    FUZZ_CHECK(again == result);
    rbd_enc_free(&e);
    free(buf);
}

/*
 * The reply read here: true when well formed, with the acks' offsets and
 * the end of the reply.  Acks and timeouts are then read from buf again.
 */
static bool ref_reply(const uint8_t *buf, size_t len, uint32_t *n_acks,
                      uint32_t *n_timeouts, size_t *timeouts_at)
{
    size_t at = 4;

    if (len < 4) {
        return false;
    }
    *n_acks = (uint32_t)fuzz_le(buf, 4);
    if (*n_acks > MAX_WATCHERS) {
        return false;
    }
    for (uint32_t i = 0; i < *n_acks; i++) {
        if (len - at < 20 || len - at - 20 < fuzz_le(buf + at + 16, 4)) {
            return false;
        }
        at += 20 + (size_t)fuzz_le(buf + at + 16, 4);
    }
    if (len - at < 4) {
        return false;
    }
    *n_timeouts = (uint32_t)fuzz_le(buf + at, 4);
    at += 4;
    if (*n_timeouts > MAX_WATCHERS || (len - at) / 16 < *n_timeouts) {
        return false;
    }
    *timeouts_at = at;
    return true;
}

/* rbd_notify_owner_reply's rules (rbd-notify.h), for one owner. */
static void check_owner(const struct rbd_notify_reply *rep,
                        const struct rbd_client_id *owner)
{
    const struct rbd_notify_ack *answer = NULL;
    unsigned answers = 0;
    bool acked = false;
    bool timed_out = false;
    int32_t want = 0;
    int32_t result = (int32_t)SENT32;
    enum rbd_owner_reply how = rbd_notify_owner_reply(rep, owner, &result);

    for (uint32_t i = 0; i < rep->n_acks; i++) {
        if (rep->acks[i].len > 0) {
            answers++;
            answer = &rep->acks[i];
        }
        acked |= same_client(&rep->acks[i].id, owner);
    }
    for (uint32_t i = 0; i < rep->n_timeouts; i++) {
        timed_out |= same_client(&rep->timeouts[i], owner);
    }
    if (answers > 1) {
        FUZZ_CHECK(how == RBD_OWNER_CONFUSED);
    } else if (answers == 1) {
        if (ref_response(answer->data, answer->len, &want)) {
            FUZZ_CHECK(how == RBD_OWNER_RESPONDED && result == want);
        } else {
            FUZZ_CHECK(how == RBD_OWNER_CONFUSED);
        }
    } else if (acked) {
        FUZZ_CHECK(how == RBD_OWNER_SILENT);
    } else if (timed_out) {
        FUZZ_CHECK(how == RBD_OWNER_TIMED_OUT);
    } else {
        FUZZ_CHECK(how == RBD_OWNER_GONE);
    }
    if (how != RBD_OWNER_RESPONDED) {
        FUZZ_CHECK(result == (int32_t)SENT32);
    }
}

/* The reply decoded from buf[0..len) is rep, read field by field. */
static void check_reply_fields(const uint8_t *buf,
                               const struct rbd_notify_reply *rep,
                               uint32_t n_acks, uint32_t n_timeouts,
                               size_t timeouts_at)
{
    size_t at = 4;

    FUZZ_CHECK(rep->n_acks == n_acks && rep->n_timeouts == n_timeouts);
    FUZZ_CHECK(rep->acks != NULL && rep->timeouts != NULL);
    for (uint32_t i = 0; i < n_acks; i++) {
        const struct rbd_notify_ack *a = &rep->acks[i];

        FUZZ_CHECK(a->id.gid == fuzz_le(buf + at, 8) &&
                   a->id.handle == fuzz_le(buf + at + 8, 8) &&
                   a->len == fuzz_le(buf + at + 16, 4));
        FUZZ_CHECK(a->data == buf + at + 20);
        at += 20 + a->len;
    }
    FUZZ_CHECK(at + 4 == timeouts_at);
    for (uint32_t i = 0; i < n_timeouts; i++) {
        FUZZ_CHECK(rep->timeouts[i].gid == fuzz_le(buf + at + 4 + 16 * i, 8));
        FUZZ_CHECK(rep->timeouts[i].handle ==
                   fuzz_le(buf + at + 12 + 16 * i, 8));
    }
}

static void check_reply(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size, 0, 0);
    uint8_t *longer;
    uint32_t n_acks = 0;
    uint32_t n_timeouts = 0;
    size_t timeouts_at = 0;
    bool ok = ref_reply(buf, size, &n_acks, &n_timeouts, &timeouts_at);
    struct rbd_notify_reply rep;
    struct rbd_notify_reply sent;
    struct rbd_client_id nobody = { SENT64, SENT64 };
    int r;

    memset(&rep, 0xa5, sizeof(rep));
    memset(&sent, 0xa5, sizeof(sent));
    r = rbd_notify_decode_reply(buf, size, &rep);
    FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -ENOMEM);
    if (r < 0) {
        FUZZ_CHECK(r == -ENOMEM || !ok);
        FUZZ_CHECK(memcmp(&rep, &sent, sizeof(rep)) == 0);
        free(buf);
        return;
    }
    FUZZ_CHECK(ok);
    /* Counts the reply can hold: 20 bytes an ack, 16 a timeout. */
    FUZZ_CHECK(8 + 20 * (uint64_t)rep.n_acks + 16 * (uint64_t)rep.n_timeouts
               <= size);
    check_reply_fields(buf, &rep, n_acks, n_timeouts, timeouts_at);

    for (uint32_t i = 0; i < rep.n_acks && i < OWNERS_MAX; i++) {
        check_owner(&rep, &rep.acks[i].id);
    }
    for (uint32_t i = 0; i < rep.n_timeouts && i < OWNERS_MAX; i++) {
        check_owner(&rep, &rep.timeouts[i]);
    }
    check_owner(&rep, &nobody);
    rbd_notify_reply_free(&rep);
    FUZZ_CHECK(rep.n_acks == 0 && rep.acks == NULL && rep.n_timeouts == 0 &&
               rep.timeouts == NULL);
    rbd_notify_reply_free(&rep);

    /* Bytes after the reply change nothing. */
    longer = fuzz_copy(data, size, size + 1, 0xff);
    memcpy(longer + size, data, size);
    FUZZ_CHECK(rbd_notify_decode_reply(longer, 2 * size + 1, &rep) == 0);
    check_reply_fields(longer, &rep, n_acks, n_timeouts, timeouts_at);
    rbd_notify_reply_free(&rep);
    free(longer);
    free(buf);
}

/* A decimal u64 after prefix and nothing else, read here. */
static bool ref_number(const char *s, const char *prefix, uint64_t *out)
{
    size_t n = strlen(prefix);
    uint64_t v = 0;

    if (strncmp(s, prefix, n) != 0 || s[n] == '\0') {
        return false;
    }
    for (s += n; *s; s++) {
        if (*s < '0' || *s > '9' ||
            v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

/* The input cut at its first NUL is the locker, what follows the cookie. */
static void check_locker(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t n = nul ? (size_t)(nul - data) + 1 : size;
    char *client = fuzz_cstring(data, size);
    char *cookie = fuzz_cstring(data + n, size - n);
    struct rbd_client_id want = { 0, 0 };
    struct rbd_client_id id = { SENT64, SENT64 };
    bool ok = ref_number(client, "client.", &want.gid) &&
              ref_number(cookie, "auto ", &want.handle);
    char c[64];
    char k[64];
    int r = rbd_notify_parse_locker(client, cookie, &id);

    FUZZ_CHECK(r == 0 || r == -EINVAL);
    FUZZ_CHECK((r == 0) == ok);
    if (r < 0) {
        FUZZ_CHECK(id.gid == SENT64 && id.handle == SENT64);
    } else {
        FUZZ_CHECK(same_client(&id, &want));
        /* The strings librbd writes for this id parse back to it. */
        snprintf(c, sizeof(c), "client.%" PRIu64, id.gid);
        snprintf(k, sizeof(k), "auto %" PRIu64, id.handle);
        want = (struct rbd_client_id){ SENT64, SENT64 };
        FUZZ_CHECK(rbd_notify_parse_locker(c, k, &want) == 0);
        FUZZ_CHECK(same_client(&id, &want));
    }
    free(client);
    free(cookie);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_msg(data, size);
    check_response(data, size);
    check_reply(data, size);
    check_locker(data, size);
    return 0;
}
