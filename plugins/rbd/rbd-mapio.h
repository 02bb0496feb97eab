/*
 * rbd-mapio.h: an image's object map on the cluster (OBJECT_MAP,
 * FAST_DIFF): rbd_object_map.<id> for the head, rbd_object_map.<id>.<snap>
 * for snapshots, kept the way librbd keeps them.
 *
 * The head's map is only trusted while this client holds the exclusive
 * lock: it is loaded (and its object locked) right after the lock is
 * taken and dropped before it is released, since another owner changes
 * it in between.  A map flagged invalid in the header is never used.
 * A snapshot's map never changes and is loaded at open.
 */
#ifndef RBD_MAPIO_H
#define RBD_MAPIO_H

#include <stdbool.h>
#include <stdint.h>

#include "rbd-cls.h"
#include "rbd-objmap.h"

struct rbd_image;
struct rbd_mapio;

/* The map of img at img->snap_id; NULL if out of memory.  Not in use yet. */
struct rbd_mapio *rbd_mapio_new(struct rbd_image *img);
void rbd_mapio_free(struct rbd_mapio *mi);

/* A snapshot's map, at open: a failure only means it is not used. */
int rbd_mapio_load_snapshot(struct rbd_mapio *mi);
/*
 * The lock's thread, with the header lock just taken: lock the map
 * object (breaking a stale holder's lock), load it.  A map that is
 * flagged invalid, missing or too small is not used (and flagged).
 */
int rbd_mapio_open(struct rbd_mapio *mi);
/* The lock's thread, before the header lock goes: stop using it. */
void rbd_mapio_close(struct rbd_mapio *mi);

/* objno's state, if the map is in use (mi may be NULL). */
bool rbd_mapio_state(struct rbd_mapio *mi, uint64_t objno, uint8_t *state);

typedef void rbd_mapio_cb(void *arg);
/*
 * Bring objno of the head to state (from expect only, if expect >= 0)
 * under lock.assert_locked, when rbd_objmap_update_needed says so; then
 * cb(arg), at once if there is nothing to do.  A failed update flags the
 * map invalid and stops using it, and cb is still called: the data
 * operation goes on, as in librbd.  Never blocks.
 */
void rbd_mapio_update(struct rbd_mapio *mi, uint64_t objno, uint8_t state,
                      int expect, rbd_mapio_cb *cb, void *arg);
/*
 * After a deep copy-up: objno exists in every snapshot of snapc, EXISTS
 * in the oldest and (with fast-diff) EXISTS_CLEAN in the newer ones, as
 * the kernel client marks them.  Then cb(arg).  Never blocks.
 */
void rbd_mapio_update_snaps(struct rbd_mapio *mi, const struct rbd_snapc *snapc,
                            uint64_t objno, rbd_mapio_cb *cb, void *arg);
/* The lock held (resize): the head's map to the object count of size. */
int rbd_mapio_resize(struct rbd_mapio *mi, uint64_t size);

#endif /* RBD_MAPIO_H */
