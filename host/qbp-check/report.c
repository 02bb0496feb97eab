/*
 * report.c: one line per check.  Readable:
 *
 *   PASS  completion    256 reads, writes and flushes, each completed ...
 *   FAIL  zero-fill     a read of 65536 bytes at offset 0 ... left ...
 *                       (details, indented)
 *
 * or TAP ("ok 9 - completion: ..."), with the details as comments, for
 * prove and make check.
 */
#include <stdarg.h>
#include <stdio.h>

#include "report.h"

#define NAME_WIDTH 13

static unsigned counts[3];
static gint64 started;

void qc_report_begin(unsigned n_checks)
{
    started = g_get_monotonic_time();
    if (qc_env.cfg.tap) {
        printf("1..%u\n", n_checks);
    }
}

void qc_report_info(const char *fmt, ...)
{
    va_list ap;

    fputs(qc_env.cfg.tap ? "# " : "", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void details(const struct qc_result *r, const char *prefix)
{
    for (guint i = 0; i < r->details->len; i++) {
        printf("%s%s\n", prefix,
               (const char *)g_ptr_array_index(r->details, i));
    }
}

void qc_report_check(unsigned number, const char *name,
                     const struct qc_result *r)
{
    static const char *const words[] = { "PASS", "FAIL", "SKIP" };

    counts[r->status]++;
    if (qc_env.cfg.tap) {
        if (r->status == QC_SKIP) {
            printf("ok %u - %s # SKIP %s\n", number, name, r->headline);
        } else {
            printf("%s %u - %s: %s\n", r->status == QC_PASS ? "ok" : "not ok",
                   number, name, r->headline);
        }
        details(r, "#   ");
    } else {
        printf("%s  %-*s %s\n", words[r->status], NAME_WIDTH, name,
               r->headline);
        details(r, "                     ");
    }
    if (qc_env.cfg.verbose) {
        printf("%s(%.2f s)\n", qc_env.cfg.tap ? "#   " :
               "                     ", r->seconds);
    }
    fflush(stdout);
}

int qc_report_end(void)
{
    double s = (double)(g_get_monotonic_time() - started) / G_USEC_PER_SEC;
    const char *plugin = qc_env.plugin ? qbp_plugin_path(qc_env.plugin)
                                       : qc_env.cfg.plugin;

    if (qc_env.cfg.tap) {
        printf("# %u passed, %u failed, %u skipped in %.1f s\n",
               counts[QC_PASS], counts[QC_FAIL], counts[QC_SKIP], s);
    } else {
        printf("%u passed, %u failed, %u skipped in %.1f s: %s %s\n",
               counts[QC_PASS], counts[QC_FAIL], counts[QC_SKIP], s, plugin,
               counts[QC_FAIL] ? "does not conform" :
               "conforms as far as checked");
    }
    fflush(stdout);
    return counts[QC_FAIL] ? 1 : 0;
}
