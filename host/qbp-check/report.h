/*
 * report.h: the report, one line per check, readable or TAP.
 */
#ifndef QC_REPORT_H
#define QC_REPORT_H

#include "runner.h"

void qc_report_begin(unsigned n_checks);
void qc_report_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void qc_report_check(unsigned number, const char *name,
                     const struct qc_result *r);
/* Returns the exit status: 0 when nothing failed. */
int qc_report_end(void);

#endif /* QC_REPORT_H */
