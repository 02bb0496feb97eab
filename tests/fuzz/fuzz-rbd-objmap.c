/*
 * fuzz-rbd-objmap: an object map as rbd.object_map_load returns it (or
 * the map object's raw bytes), decoded by rbd_objmap_decode, then changed
 * by a program: the bytes after the map drive rbd_objmap_get, _set,
 * _resize and the state rules (rbd_objmap_update_needed, _apply), all
 * checked against a plain array of states.
 *
 * Input: le32 header length, header (ENCODE_START{le64 count}), the
 * (count + 3) / 4 data bytes, le32 footer length, footer; then the
 * program, a sequence of operations (a byte, then its operands; an
 * operation cut short ends the program):
 *   op % 4 == 0  set:     le16 objno (may be past the end), u8 state
 *   op % 4 == 1  resize:  le16 count (below 32768), u8 state; with
 *                         op & 0x80, count RBD_OBJMAP_MAX_OBJECTS + 1 +
 *                         le16, which must be refused
 *   op % 4 == 2  get:     le16 objno, also read as UINT64_MAX - objno
 *   op % 4 == 3  rules:   u8 cur, u8 new, s8 expect (< 0: no filter)
 *
 * Checked, beyond not crashing or reading out of bounds:
 * - rbd_objmap_decode returns 0, -EBADMSG or -ENOMEM, succeeds exactly
 *   when an independent reading of the bytes says the map is well formed
 *   (count at most RBD_OBJMAP_MAX_OBJECTS, every part within the input),
 *   and leaves *m untouched on failure;
 * - the decoded map holds exactly the data bytes, object 0 in the top
 *   bits; bytes after the map change nothing;
 * - get, set and resize agree with the array; objects past the end read
 *   NONEXISTENT and setting them does nothing; too big a resize is
 *   -EINVAL and changes nothing; after a shrink the bits past the end
 *   are zero;
 * - update_needed and apply follow the rules in rbd-objmap.h.
 */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "rbd-objmap.h"

#define SENT64 0xa5a5a5a5a5a5a5a5ull

/* Resizes the program asks for stay below this many objects. */
#define RESIZE_MAX 32768u

static uint64_t data_bytes(uint64_t count)
{
    return (count + 3) / 4;
}

/* Object objno's state in the BitVector bytes: object 0 in the top bits. */
static uint8_t state_in(const uint8_t *bits, uint64_t objno)
{
    return (bits[objno / 4] >> ((3 - objno % 4) * 2)) & 3;
}

/*
 * The map read here: true when well formed, with its count, where its
 * data starts and where the map ends.
 */
static bool ref_map(const uint8_t *buf, size_t len, uint64_t *count,
                    size_t *data_at, size_t *end)
{
    size_t hdr_len;
    size_t at;

    if (len < 4 || fuzz_le(buf, 4) > len - 4) {
        return false;
    }
    hdr_len = (size_t)fuzz_le(buf, 4);
    /* ENCODE_START(v, compat <= 1) whose payload holds le64 count. */
    if (hdr_len < 6 || buf[5] > 1 || fuzz_le(buf + 6, 4) > hdr_len - 6 ||
        fuzz_le(buf + 6, 4) < 8) {
        return false;
    }
    *count = fuzz_le(buf + 10, 8);
    at = 4 + hdr_len;
    if (*count > RBD_OBJMAP_MAX_OBJECTS || data_bytes(*count) > len - at) {
        return false;
    }
    *data_at = at;
    at += data_bytes(*count);
    if (len - at < 4 || fuzz_le(buf + at, 4) > len - at - 4) {
        return false;
    }
    *end = at + 4 + (size_t)fuzz_le(buf + at, 4);
    return true;
}

/* The map and the array agree on objects [from, to), and past the end. */
static void check_range(const struct rbd_objmap *m, const uint8_t *states,
                        uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to && i < m->count; i++) {
        FUZZ_CHECK(rbd_objmap_get(m, i) == states[i]);
    }
    for (uint64_t i = m->count; i < m->count + 4; i++) {
        FUZZ_CHECK(rbd_objmap_get(m, i) == RBD_OBJ_NONEXISTENT);
    }
    FUZZ_CHECK(rbd_objmap_get(m, UINT64_MAX) == RBD_OBJ_NONEXISTENT);
}

static void op_resize(struct rbd_objmap *m, uint8_t *states, uint8_t op,
                      uint16_t n, uint8_t state)
{
    uint64_t old = m->count;
    uint64_t count = n % RESIZE_MAX;
    int r;

    if (op & 0x80) {
        uint8_t *bits = m->bits;

        r = rbd_objmap_resize(m, RBD_OBJMAP_MAX_OBJECTS + 1 + n, state);
        FUZZ_CHECK(r == -EINVAL && m->count == old && m->bits == bits);
        return;
    }
    r = rbd_objmap_resize(m, count, state);
    FUZZ_CHECK(r == 0 || r == -ENOMEM);
    if (r < 0) {
        return;
    }
    FUZZ_CHECK(m->count == count && m->bits != NULL);
    for (uint64_t i = old; i < count; i++) {
        states[i] = state & 3;
    }
    /* The objects either side of the old end, and the new ones. */
    check_range(m, states, (old < count ? old : count) & ~(uint64_t)3,
                count > old ? count : old);
    if (count < old && count % 4) {
        /* BitVector keeps the bits past the end zero. */
        FUZZ_CHECK((m->bits[count / 4] &
                    ((1u << ((3 - (count - 1) % 4) * 2)) - 1)) == 0);
    }
}

static void op_rules(uint8_t cur, uint8_t new_state, int8_t expect)
{
    bool needed = cur != new_state &&
                  !(new_state == RBD_OBJ_PENDING &&
                    cur == RBD_OBJ_NONEXISTENT) &&
                  !(new_state == RBD_OBJ_NONEXISTENT &&
                    cur != RBD_OBJ_PENDING);
    bool matches = expect < 0 || cur == expect ||
                   (expect == RBD_OBJ_EXISTS && cur == RBD_OBJ_EXISTS_CLEAN);

    FUZZ_CHECK(rbd_objmap_update_needed(cur, new_state) == needed);
    FUZZ_CHECK(rbd_objmap_apply(cur, new_state, expect) ==
               (matches ? new_state : cur));
}

/* Runs the program p[0..len) on m, mirrored in states. */
static void run_program(struct rbd_objmap *m, uint8_t *states,
                        const uint8_t *p, size_t len)
{
    while (len > 0) {
        uint8_t op = p[0];
        size_t need = op % 4 == 2 ? 3 : 4;
        uint16_t n;

        if (len < need) {
            break;
        }
        n = (uint16_t)fuzz_le(p + 1, 2);
        switch (op % 4) {
        case 0:
            rbd_objmap_set(m, n, p[3]);
            if (n < m->count) {
                states[n] = p[3] & 3;
            }
            check_range(m, states, n & ~3u, (uint64_t)n + 4);
            break;
        case 1:
            op_resize(m, states, op, n, p[3]);
            break;
        case 2:
            FUZZ_CHECK(rbd_objmap_get(m, n) ==
                       (n < m->count ? states[n] : RBD_OBJ_NONEXISTENT));
            FUZZ_CHECK(rbd_objmap_get(m, UINT64_MAX - n) ==
                       RBD_OBJ_NONEXISTENT);
            break;
        default:
            op_rules(p[1], p[2], (int8_t)p[3]);
            break;
        }
        p += need;
        len -= need;
    }
    check_range(m, states, 0, m->count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size, 0, 0);
    uint8_t *longer;
    uint8_t *states;
    uint64_t count = 0;
    size_t data_at = 0;
    size_t end = 0;
    bool ok = ref_map(buf, size, &count, &data_at, &end);
    struct rbd_objmap m = { SENT64, (uint8_t *)buf };
    struct rbd_objmap again = { SENT64, NULL };
    int r = rbd_objmap_decode(buf, size, &m);

    FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -ENOMEM);
    if (r < 0) {
        FUZZ_CHECK(r == -ENOMEM || !ok);
        FUZZ_CHECK(m.count == SENT64 && m.bits == buf);
        free(buf);
        return 0;
    }
    FUZZ_CHECK(ok && m.count == count && m.bits != NULL && m.bits != buf);
    FUZZ_CHECK(memcmp(m.bits, buf + data_at, data_bytes(count)) == 0);

    /* Bytes after the map change nothing: here, the map again. */
    longer = fuzz_copy(data, size, size + 1, 0xff);
    memcpy(longer + size, data, size);
    FUZZ_CHECK(rbd_objmap_decode(longer, 2 * size + 1, &again) == 0);
    FUZZ_CHECK(again.count == count &&
               memcmp(again.bits, m.bits, data_bytes(count)) == 0);
    rbd_objmap_free(&again);
    free(longer);

    states = malloc(count > RESIZE_MAX ? count : RESIZE_MAX);
    if (!states) {
        abort();
    }
    for (uint64_t i = 0; i < count; i++) {
        states[i] = state_in(buf + data_at, i);
    }
    check_range(&m, states, 0, count);
    run_program(&m, states, buf + end, size - end);
    free(states);

    rbd_objmap_free(&m);
    FUZZ_CHECK(m.count == 0 && m.bits == NULL);
    rbd_objmap_free(&m);
    free(buf);
    return 0;
}
