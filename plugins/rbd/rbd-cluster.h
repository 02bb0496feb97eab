/*
 * rbd-cluster.h: one RADOS connection per cluster and user, shared by all
 * images of the process that name the same settings, closed with the last.
 */
#ifndef RBD_CLUSTER_H
#define RBD_CLUSTER_H

#include <rados/librados.h>

#include "qemu-block-plugin.h"

/* How to reach a cluster: everything that makes two connections differ. */
struct rbd_conn_opts {
    const char *conf;           /* ceph.conf path; NULL: Ceph's default search */
    const char *user;           /* without "client."; NULL: admin */
    const char *server;         /* mon_host; NULL: from the conf */
    const char *key_secret;     /* id of a host secret holding the key */
    const char *auth;           /* auth_client_required, e.g. "cephx;none" */
    const char *osd_op_timeout; /* seconds; NULL: Ceph's default */
    const char *mon_op_timeout; /* seconds; also bounds the connect */
    /* Other Ceph settings as "key=value" pairs, in the order given. */
    const struct qbp_kv *settings;
    size_t n_settings;
};

struct rbd_cluster;

/* A connected cluster, or NULL with err set (the message names why). */
struct rbd_cluster *rbd_cluster_get(const struct rbd_conn_opts *o,
                                    struct qbp_error *err);
void rbd_cluster_put(struct rbd_cluster *c);
/*
 * A new connection with old's settings, for an image whose connection was
 * blocklisted: old is no longer handed to new images (those holding it
 * keep it until they put it), and the first image to renew connects for
 * all.  NULL with err set, as rbd_cluster_get.
 */
struct rbd_cluster *rbd_cluster_renew(struct rbd_cluster *old,
                                      const struct rbd_conn_opts *o,
                                      struct qbp_error *err);
rados_t rbd_cluster_rados(const struct rbd_cluster *c);

#endif /* RBD_CLUSTER_H */
