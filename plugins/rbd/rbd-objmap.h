/*
 * rbd-objmap.h: an image's object map in memory: Ceph's BitVector<2>,
 * two bits per object, object 0 in the top bits of byte 0, as
 * rbd.object_map_load returns it.  Pure: decoding and the state rules
 * librbd and the kernel client follow; no RADOS.
 */
#ifndef RBD_OBJMAP_H
#define RBD_OBJMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Object states. */
#define RBD_OBJ_NONEXISTENT  0
#define RBD_OBJ_EXISTS       1
#define RBD_OBJ_PENDING      2      /* being removed */
#define RBD_OBJ_EXISTS_CLEAN 3      /* unchanged since the last snapshot */

/* get_flags bits. */
#define RBD_FLAG_OBJECT_MAP_INVALID 1ull
#define RBD_FLAG_FAST_DIFF_INVALID  2ull

/* cls_rbd refuses bigger maps (cls::rbd::MAX_OBJECT_MAP_OBJECT_COUNT). */
#define RBD_OBJMAP_MAX_OBJECTS 256000000ull

/*
 * The map object's name, as librbd's ObjectMap::object_map_name makes it:
 * "rbd_object_map.<image id>" for the head (snap_id RBD_NOSNAP), with
 * ".<snap id in 16 hex digits>" appended for a snapshot.  Cut short, but
 * always NUL-terminated, if len is too small (RBD_OBJMAP_OID_MAX is not,
 * for any image id the decoders accept).
 */
#define RBD_OBJMAP_OID_MAX 128
void rbd_objmap_oid(const char *image_id, uint64_t snap_id, char *buf,
                    size_t len);

struct rbd_objmap {
    uint64_t count;
    uint8_t *bits;              /* (count + 3) / 4 bytes, heap */
};

/*
 * object_map_load's output (or the map object's raw bytes): le32 header
 * length, ENCODE_START(1,1){le64 count}, the data bytes, le32 footer
 * length, footer (CRCs, ignored).  0, -EBADMSG or -ENOMEM; *m untouched
 * on failure.
 */
int rbd_objmap_decode(const void *buf, size_t len, struct rbd_objmap *m);
void rbd_objmap_free(struct rbd_objmap *m);

/* Objects at or past count are NONEXISTENT. */
uint8_t rbd_objmap_get(const struct rbd_objmap *m, uint64_t objno);
void rbd_objmap_set(struct rbd_objmap *m, uint64_t objno, uint8_t state);
/* Grow (new objects get state) or shrink; 0 or -ENOMEM. */
int rbd_objmap_resize(struct rbd_objmap *m, uint64_t count, uint8_t state);

/*
 * Whether moving an object in state cur to new_state needs an update
 * (the kernel's update_needed): not when it is there already, not to
 * PENDING from NONEXISTENT (nothing to remove), and to NONEXISTENT only
 * from PENDING (the end of a removal).
 */
bool rbd_objmap_update_needed(uint8_t cur, uint8_t new_state);
/*
 * What rbd.object_map_update does to one object's state (expect < 0: no
 * filter): new_state if cur matches expect (EXISTS_CLEAN counts as
 * EXISTS), else cur.
 */
uint8_t rbd_objmap_apply(uint8_t cur, uint8_t new_state, int expect);

#endif /* RBD_OBJMAP_H */
