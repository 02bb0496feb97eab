/*
 * ctx.h: how a check's reports travel.  In a child process each report is
 * one line on a pipe to the parent; with --no-fork it is folded in place.
 * Either way the parent ends up with a struct qc_fold.
 */
#ifndef QC_CTX_H
#define QC_CTX_H

#include "qc.h"

/* Event kinds, the first byte of each line on the pipe. */
enum {
    QC_EV_STEP = 'S',
    QC_EV_FAIL = 'F',
    QC_EV_ROOT = 'R',       /* a fault that explains the others */
    QC_EV_NOTE = 'N',
    QC_EV_PASS = 'P',
    QC_EV_SKIP = 'K',
    QC_EV_FACT = 'X',
    QC_EV_LOG = 'L',
    QC_EV_BEAT = 'H',       /* progress, so that the parent does not time out */
    QC_EV_END = 'E',
};

/* Everything a check reported, folded. */
struct qc_fold {
    char *first_fail;
    bool root;              /* first_fail is a root fault */
    unsigned n_fail;
    GPtrArray *details;
    unsigned details_dropped;
    char *pass;
    char *skip;
    char *step;
    bool ended;
};

void qc_fold_init(struct qc_fold *f);
void qc_fold_clear(struct qc_fold *f);
void qc_fold_event(struct qc_fold *f, char kind, const char *text);
void qc_fold_detail(struct qc_fold *f, const char *text);

/* A context writing lines to fd, or (fd < 0) folding into f. */
struct qc_ctx *qc_ctx_new(int fd, struct qc_fold *f);
void qc_ctx_free(struct qc_ctx *ctx);
void qc_ctx_end(struct qc_ctx *ctx);
/* At most one event a second: cheap to call on every completion. */
void qc_ctx_heartbeat(struct qc_ctx *ctx);

/*
 * A submission that took this long to return waited on the calling thread:
 * under QEMU that thread runs the guest and the monitor.
 */
#define QC_SLOW_SUBMIT_MS 100

/* Counts one submission, and keeps the slowest for the check's warning. */
void qc_ctx_fast_submit(struct qc_ctx *ctx);
void qc_ctx_slow_submit(struct qc_ctx *ctx, gint64 ms, const char *call,
                        const char *what);

/* The context of the running check, for the host's log function. */
void qc_ctx_set_current(struct qc_ctx *ctx);
struct qc_ctx *qc_ctx_current(void);

#endif /* QC_CTX_H */
