/*
 * runner.h: run one check, in a child process unless --no-fork, and turn
 * what it reported (or how it died) into a result.
 */
#ifndef QC_RUNNER_H
#define QC_RUNNER_H

#include "qc.h"

enum qc_status {
    QC_PASS,
    QC_FAIL,
    QC_SKIP,
};

struct qc_result {
    enum qc_status status;
    char *headline;
    GPtrArray *details;
    double seconds;
};

void qc_run_check(const struct qc_check *c, unsigned index,
                  struct qc_result *res);
/* A result made without running anything, e.g. "not run: ...". */
void qc_result_set(struct qc_result *res, enum qc_status status,
                   const char *headline);
void qc_result_clear(struct qc_result *res);

#endif /* QC_RUNNER_H */
