/*
 * qbp-host-table.h: the struct qbp_host handed to every plugin, built from
 * the embedding host's QbpHostOps.  Internal to the loader.
 */
#ifndef QBP_HOST_TABLE_H
#define QBP_HOST_TABLE_H

#include "qbp-loader.h"

void qbp_host_table_setup(const QbpHostOps *ops);
const struct qbp_host *qbp_host_table(void);
/* "this QEMU", "this host": how refusal messages name the host. */
const char *qbp_host_title(void);

#endif /* QBP_HOST_TABLE_H */
