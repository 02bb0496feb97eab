/*
 * rbd-snapmap.h: the object maps' side of snapshots (OBJECT_MAP,
 * FAST_DIFF), done the way librbd's object_map/Snapshot{Create,Remove,
 * Rollback}Request do it, on plain RADOS.
 *
 * Every call here needs the exclusive lock held (rbd_lock_get_sync) and
 * nothing in flight: the head's map is changed under lock.assert_locked,
 * and the plugin's copy of it is loaded again afterwards.  A step that
 * fails flags the map it leaves untrustworthy invalid in the header, as
 * librbd does, so that `rbd object-map check`/`rebuild` know; the
 * snapshot operation itself goes on.
 */
#ifndef RBD_SNAPMAP_H
#define RBD_SNAPMAP_H

#include <stdint.h>

#include "rbd-image.h"

/*
 * Right after snapshot_add of snap_id: the snapshot's map becomes a copy
 * of the head's, then (fast-diff) the head's EXISTS objects become
 * EXISTS_CLEAN, so that the next write to each is seen.
 */
void rbd_snapmap_create(struct rbd_image *img, uint64_t snap_id);
/*
 * Before snapshot_remove of snap_id: (fast-diff) objects the next newer
 * map (a snapshot's, or the head's) has EXISTS_CLEAN become EXISTS where
 * the removed map had them EXISTS, since they changed after the snapshot
 * before; then the snapshot's map object goes.  The header's snap
 * context must still list snap_id.
 */
void rbd_snapmap_remove(struct rbd_image *img, uint64_t snap_id);
/* Before the objects are rolled back: the head's map becomes snap_id's. */
void rbd_snapmap_rollback(struct rbd_image *img, uint64_t snap_id);

#endif /* RBD_SNAPMAP_H */
