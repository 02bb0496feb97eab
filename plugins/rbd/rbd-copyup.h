/*
 * rbd-copyup.h: what a clone's parent shows through one of the clone's
 * objects, read for a copy-up: before the first partial write to an
 * object the clone lacks, the object is created from the parent's data
 * (class method rbd.copyup), so that the write does not hide the rest of
 * the parent's data behind zeroes.
 */
#ifndef RBD_COPYUP_H
#define RBD_COPYUP_H

#include <stddef.h>
#include <stdint.h>

struct rbd_image;

/*
 * ret < 0, or 0 with data (malloc'd, the callee's to free) holding the
 * object's bytes as the parent shows them, len bytes long: up to the end
 * of the last part within the parent overlap, or 0 when all of them are
 * zero (a copy-up of nothing then stands for an object of zeroes).
 */
typedef void rbd_copyup_cb(void *arg, int ret, char *data, size_t len);

/*
 * Read object objno of img from img's parent: the image extents the
 * object holds (one, or one per stripe unit with fancy striping), each
 * clipped to the overlap, through the parent's own read path (so a
 * chain of clones reads through as far as it goes).  cb is called
 * exactly once, from any thread, possibly before this returns.
 */
void rbd_copyup_read(struct rbd_image *img, uint64_t objno, rbd_copyup_cb *cb,
                     void *arg);

#endif /* RBD_COPYUP_H */
