/*
 * Unit tests for the object map bit vector (plugins/rbd/rbd-objmap.c).
 *
 * The maps below came from a live Ceph 16.2.15 cluster: image "om1"
 * (40 MiB, 10 objects of 4 MiB), written by QEMU's in-tree driver at
 * objects 0, 2, 5 and 9, snapshot "a" (id 5) taken, then object 2
 * rewritten and object 5 discarded.  rbd.object_map_load of the head and
 * of the snapshot, and the head map object's raw bytes (which carry the
 * CRC footer object_map_load leaves out).  `rbd object-map check` passed.
 */
#include <glib.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unhex.h"
#include "rbd-objmap.h"


/* head: 0 EXISTS_CLEAN, 2 EXISTS (rewritten), 5 gone, 9 EXISTS_CLEAN */
#define MAP_HEAD "0e000000 0101 08000000 0a00000000000000 c40030 00000000"
#define MAP_RAW  "0e000000 0101 08000000 0a00000000000000 c40030" \
                 " 0c000000 c644f43a 01000000 311a7fe2"
/* snapshot 5: objects 0, 2, 5, 9 EXISTS */
#define MAP_SNAP "0e000000 0101 08000000 0a00000000000000 441010 00000000"
/* The reference's example: 16 objects, 0 and 2 written by librbd. */
#define MAP_16   "0e000000 0101 08000000 1000000000000000 44000000 00000000"

static void decode(const char *hex, struct rbd_objmap *m)
{
    size_t len;
    g_autofree uint8_t *buf = unhex(hex, &len);

    g_assert_cmpint(rbd_objmap_decode(buf, len, m), ==, 0);
}

static void assert_states(const struct rbd_objmap *m, const char *want)
{
    g_assert_cmpuint(m->count, ==, strlen(want));
    for (uint64_t i = 0; i < m->count; i++) {
        g_assert_cmpuint(rbd_objmap_get(m, i), ==, (unsigned)(want[i] - '0'));
    }
}

static void test_decode_live(void)
{
    struct rbd_objmap m;

    decode(MAP_HEAD, &m);
    assert_states(&m, "3010000003");
    g_assert_cmpuint(rbd_objmap_get(&m, 10), ==, RBD_OBJ_NONEXISTENT);
    g_assert_cmpuint(rbd_objmap_get(&m, UINT64_MAX), ==, RBD_OBJ_NONEXISTENT);
    rbd_objmap_free(&m);

    decode(MAP_RAW, &m);
    assert_states(&m, "3010000003");
    rbd_objmap_free(&m);

    decode(MAP_SNAP, &m);
    assert_states(&m, "1010010001");
    rbd_objmap_free(&m);

    decode(MAP_16, &m);
    assert_states(&m, "1010000000000000");
    rbd_objmap_free(&m);
    rbd_objmap_free(&m);            /* twice is fine */

    /* No objects at all (an empty image). */
    decode("0e000000 0101 08000000 0000000000000000 00000000", &m);
    g_assert_cmpuint(m.count, ==, 0);
    rbd_objmap_free(&m);
}

static void assert_decode_fails(const char *hex)
{
    size_t len;
    g_autofree uint8_t *buf = unhex(hex, &len);
    struct rbd_objmap m = { .count = 42 };

    g_assert_cmpint(rbd_objmap_decode(buf, len, &m), ==, -EBADMSG);
    g_assert_cmpuint(m.count, ==, 42);
    g_assert_null(m.bits);
}

static void test_decode_nonsense(void)
{
    assert_decode_fails("");
    assert_decode_fails("0e000000 0101 08000000 0a00000000000000 c400");
    assert_decode_fails("0e000000 0101 08000000 0a00000000000000 c40030");
    assert_decode_fails("0e000000 0101 08000000 0a00000000000000 c40030"
                        " 0c000000 c644");                 /* footer short */
    assert_decode_fails("ff000000 0101 08000000 0a00000000000000 c40030"
                        " 00000000");                      /* header long */
    assert_decode_fails("0e000000 0102 08000000 0a00000000000000 c40030"
                        " 00000000");                      /* compat 2 */
    assert_decode_fails("0a000000 0101 04000000 0a000000 c40030 00000000");
    /* More objects than cls_rbd ever allows, before any allocation. */
    assert_decode_fails("0e000000 0101 08000000 ffffffffffffffff 00000000");
    assert_decode_fails("0e000000 0101 08000000 0140420f00000000 00000000");
}

static void test_set_resize(void)
{
    struct rbd_objmap m;

    decode(MAP_HEAD, &m);
    rbd_objmap_set(&m, 1, RBD_OBJ_PENDING);
    rbd_objmap_set(&m, 9, RBD_OBJ_EXISTS);
    rbd_objmap_set(&m, 0, RBD_OBJ_NONEXISTENT);
    rbd_objmap_set(&m, 10, RBD_OBJ_EXISTS);         /* past the end: ignored */
    assert_states(&m, "0210000001");
    g_assert_cmphex(m.bits[0], ==, 0x24);
    g_assert_cmphex(m.bits[2], ==, 0x10);

    g_assert_cmpint(rbd_objmap_resize(&m, 13, RBD_OBJ_EXISTS), ==, 0);
    assert_states(&m, "0210000001111");
    g_assert_cmpint(rbd_objmap_resize(&m, 9, 0), ==, 0);
    assert_states(&m, "021000000");
    /* Bits past the end are cleared, as BitVector keeps them. */
    g_assert_cmphex(m.bits[2], ==, 0x00);
    g_assert_cmpint(rbd_objmap_resize(&m, 12, RBD_OBJ_NONEXISTENT), ==, 0);
    assert_states(&m, "021000000000");
    g_assert_cmpint(rbd_objmap_resize(&m, 0, 0), ==, 0);
    g_assert_cmpuint(m.count, ==, 0);
    g_assert_cmpint(rbd_objmap_resize(&m, RBD_OBJMAP_MAX_OBJECTS + 1, 0), ==,
                    -EINVAL);
    rbd_objmap_free(&m);
}

static void test_update_rules(void)
{
    /* The kernel's update_needed. */
    g_assert_true(rbd_objmap_update_needed(RBD_OBJ_NONEXISTENT,
                                           RBD_OBJ_EXISTS));
    g_assert_true(rbd_objmap_update_needed(RBD_OBJ_EXISTS_CLEAN,
                                           RBD_OBJ_EXISTS));
    g_assert_false(rbd_objmap_update_needed(RBD_OBJ_EXISTS, RBD_OBJ_EXISTS));
    g_assert_true(rbd_objmap_update_needed(RBD_OBJ_EXISTS, RBD_OBJ_PENDING));
    g_assert_false(rbd_objmap_update_needed(RBD_OBJ_NONEXISTENT,
                                            RBD_OBJ_PENDING));
    g_assert_true(rbd_objmap_update_needed(RBD_OBJ_PENDING,
                                           RBD_OBJ_NONEXISTENT));
    g_assert_false(rbd_objmap_update_needed(RBD_OBJ_EXISTS,
                                            RBD_OBJ_NONEXISTENT));

    /* cls_rbd's object_map_update, one object. */
    g_assert_cmpuint(rbd_objmap_apply(RBD_OBJ_NONEXISTENT, RBD_OBJ_EXISTS, -1),
                     ==, RBD_OBJ_EXISTS);
    g_assert_cmpuint(rbd_objmap_apply(RBD_OBJ_PENDING, RBD_OBJ_NONEXISTENT,
                                      RBD_OBJ_PENDING), ==,
                     RBD_OBJ_NONEXISTENT);
    g_assert_cmpuint(rbd_objmap_apply(RBD_OBJ_EXISTS, RBD_OBJ_NONEXISTENT,
                                      RBD_OBJ_PENDING), ==, RBD_OBJ_EXISTS);
    g_assert_cmpuint(rbd_objmap_apply(RBD_OBJ_EXISTS_CLEAN, RBD_OBJ_PENDING,
                                      RBD_OBJ_EXISTS), ==, RBD_OBJ_PENDING);
}

static void test_oid(void)
{
    char buf[RBD_OBJMAP_OID_MAX];

    /* Names seen with `rados ls` next to an image id "101b9046fb05". */
    rbd_objmap_oid("101b9046fb05", (uint64_t)-2, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "rbd_object_map.101b9046fb05");
    rbd_objmap_oid("101b9046fb05", 0x1a, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "rbd_object_map.101b9046fb05.000000000000001a");
    /* Too small a buffer cuts the name short, terminated. */
    rbd_objmap_oid("101b9046fb05", 4, buf, 8);
    g_assert_cmpstr(buf, ==, "rbd_obj");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rbd-objmap/decode/live", test_decode_live);
    g_test_add_func("/rbd-objmap/decode/nonsense", test_decode_nonsense);
    g_test_add_func("/rbd-objmap/set-resize", test_set_resize);
    g_test_add_func("/rbd-objmap/update-rules", test_update_rules);
    g_test_add_func("/rbd-objmap/oid", test_oid);
    return g_test_run();
}
