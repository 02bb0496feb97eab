/*
 * checks.h: the checks, one function each, in the order they run (see
 * the table in checks.c).
 */
#ifndef QC_CHECKS_H
#define QC_CHECKS_H

#include "qc.h"

void qc_check_load(struct qc_ctx *ctx);
void qc_check_table(struct qc_ctx *ctx);
void qc_check_symbols(struct qc_ctx *ctx);
void qc_check_options(struct qc_ctx *ctx);
void qc_check_open_close(struct qc_ctx *ctx);
void qc_check_open_fails(struct qc_ctx *ctx);
void qc_check_limits(struct qc_ctx *ctx);
void qc_check_read_write(struct qc_ctx *ctx);
void qc_check_completion(struct qc_ctx *ctx);
void qc_check_concurrency(struct qc_ctx *ctx);
void qc_check_alignment(struct qc_ctx *ctx);
void qc_check_max_transfer(struct qc_ctx *ctx);
void qc_check_zero_fill(struct qc_ctx *ctx);
void qc_check_errors(struct qc_ctx *ctx);
void qc_check_flush(struct qc_ctx *ctx);
void qc_check_discard(struct qc_ctx *ctx);
void qc_check_write_zeroes(struct qc_ctx *ctx);
void qc_check_capabilities(struct qc_ctx *ctx);
void qc_check_snapshots(struct qc_ctx *ctx);
void qc_check_block_status(struct qc_ctx *ctx);
void qc_check_info(struct qc_ctx *ctx);
void qc_check_flags(struct qc_ctx *ctx);
void qc_check_drain_close(struct qc_ctx *ctx);

#endif /* QC_CHECKS_H */
