/*
 * rbd-spec.h: the REST of "plugin:rbd:REST", the same syntax as QEMU's
 * in-tree rbd driver: POOL[/NAMESPACE]/IMAGE[@SNAP][:key=value[:…]], with
 * '\' escaping ':', '@', '/', '=' and '\' itself (a '\' before any other
 * character stands for that character, as in QEMU).
 *
 * Where QEMU 7.2 (block/rbd.c, qemu_rbd_parse_filename) is looser, this
 * parser is stricter rather than different: the location ends at the first
 * unescaped ':' (QEMU splits the pool at the first '/' of the whole
 * string, so "img:conf=/etc/ceph.conf" became pool "img:conf="), and
 * empty names, a second '@' or a third '/', '@' in the pool, '/' in the
 * snapshot, options without '=' or without a name, repeated options and a
 * trailing lone '\' are refused.
 *
 * Names are checked the way Ceph's rbd tool checks them with
 * rbd_validate_names on (its default): no pool, namespace, image or
 * snapshot name may contain '/' or '@', escaped or not, so an image that
 * `rbd` could not have created is never addressed.  Every value has a
 * length limit (rbd_spec_check_option).
 */
#ifndef RBD_SPEC_H
#define RBD_SPEC_H

#include <stddef.h>

/*
 * Calls add(opaque, key, value) for pool, namespace (if given), image,
 * snapshot (if given), and each key=value in the order written, with
 * these renamings so that filename keys and named options agree:
 * id -> user, mon_host -> server; conf, key-secret, osd-op-timeout,
 * mon-op-timeout and exclusive kept; any other key becomes "ceph.<key>"
 * (passed to rados_conf_set).  Those seven need a non-empty value; a
 * ceph.<key> may be empty ("log_file=").  key and value are valid only
 * during the call.
 *
 * The whole of rest is checked before the first add() call, so add() is
 * never called for a filename that is then refused.  Returns 0, the first
 * non-zero add() result, -EINVAL with a message in errbuf naming what was
 * wrong, or -ENOMEM.  errbuf (errlen bytes, may be 0) is always
 * NUL-terminated when errlen > 0; messages quote the POOL/IMAGE part but
 * never an option's value (it may be a key).
 */
typedef int rbd_spec_add_fn(void *opaque, const char *key, const char *value);
int rbd_spec_parse(const char *rest, rbd_spec_add_fn *add, void *opaque,
                   char *errbuf, size_t errlen);

/*
 * Longest names, in bytes.  Ceph's own limits where it has one: a
 * namespace is at most osd_max_object_namespace_len (256), and an image's
 * "rbd_id.<name>" object at most osd_max_object_name_len (2048).  Ceph
 * sets none for pools and snapshots: ours are generous.
 */
#define RBD_SPEC_POOL_MAX 256
#define RBD_SPEC_NAMESPACE_MAX 256
#define RBD_SPEC_IMAGE_MAX (2048 - 7)
#define RBD_SPEC_SNAPSHOT_MAX 1024
/* Any other option's value, unless rbd-spec.c names a smaller limit. */
#define RBD_SPEC_VALUE_MAX 4096
/* A "ceph.<setting>" key. */
#define RBD_SPEC_KEY_MAX 256

/*
 * Checks one named option of the plugin (as rbd_spec_parse passes them to
 * add(), or as the host hands them to open): its length, and for pool,
 * namespace, image, snapshot and data-pool the name rules above.  Returns
 * 0, or -EINVAL with a message in errbuf ("rbd: option 'image': ...")
 * naming the option but never quoting its value.
 */
int rbd_spec_check_option(const char *key, const char *value, char *errbuf,
                          size_t errlen);

#endif /* RBD_SPEC_H */
