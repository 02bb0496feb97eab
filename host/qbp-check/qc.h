/*
 * qc.h: what the parts of qbp-check share.
 *
 * qbp-check loads one block plugin through the loader QEMU uses and runs a
 * conformance suite against it.  Each check runs in a child process of its
 * own, so that a plugin that crashes, hangs or corrupts memory fails that
 * check with a message instead of taking the whole run down.
 *
 * main.c       loading, normalising the options, running the checks
 * args.c       the command line
 * checks.c     the list of checks and their order
 * runner.c     one check in a child process; its events; timeouts
 * report.c     the readable report and the TAP stream
 * ctx.c        what a check reports (steps, failures, notes, facts)
 * pattern.c    data that says where it belongs; diagnosis of bad reads
 * expect.c     what a range should read back as, range by range
 * disk.c       opening a disk with the user's options; its limits
 * req.c        building requests: buffers, iovecs, what may be sent
 * engine.c     submission, completion tracking, waiting
 * verdict.c    judging a finished request's result
 * io.c         one request at a time, for checks that read like a script
 * elf-symbols.c  the plugin file's dynamic symbols
 * util.c       words for numbers in messages
 * check-*.c    the checks, by subject
 */
#ifndef QC_H
#define QC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qbp-loader.h"

/* What the user's disk is expected to do with written data. */
enum qc_data {
    QC_DATA_AUTO,       /* find out with the first write */
    QC_DATA_KEPT,       /* what is written reads back */
    QC_DATA_NONE,       /* reads return zeroes whatever was written */
};

struct qc_config {
    const char *plugin;             /* a name or a path, as given */
    GPtrArray *given;               /* the options as given, "key=value" */
    struct qbp_kv *options;         /* ...checked and normalised */
    size_t n_options;
    GPtrArray *error_given;         /* --error-option KEY=VALUE, as given */
    struct qbp_kv *error_options;   /* ...normalised: requests must fail */
    size_t n_error_options;
    GHashTable *secrets;            /* --secret ID=VALUE */
    GPtrArray *only;                /* --check NAME; NULL: every check */
    unsigned timeout_s;             /* for one request, open or close */
    uint32_t seed;                  /* of the data patterns */
    enum qc_data data;
    bool tap;
    bool verbose;
    bool no_fork;
    bool read_only;
    bool nocache;
    bool forgets_on_close;          /* --volatile */
};

/* What every check may read; set by main before the checks run. */
struct qc_env {
    struct qc_config cfg;
    QbpPlugin *plugin;
    const struct qbp_plugin *t;
    enum qc_data data;              /* cfg.data, or what read-write found */
    char *options_error;            /* why the given options are refused */
};

extern struct qc_env qc_env;

/* Fills cfg from the command line; -1 to go on, else the exit status. */
int qc_parse_args(int argc, char **argv, struct qc_config *cfg);

/* ---- what a check reports (ctx.c) ---- */

struct qc_ctx;

/* What the check is doing now: a crash or a hang is reported with it. */
void qc_step(struct qc_ctx *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* A fault: the first one is the check's headline, later ones details. */
void qc_fail(struct qc_ctx *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/*
 * A fault of the completion protocol (a request completed twice, never, or
 * after close): the data faults it causes come first, but it explains
 * them, so it becomes the headline.
 */
void qc_fail_root(struct qc_ctx *ctx, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
/* A detail line under the check's headline. */
void qc_note(struct qc_ctx *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The summary of a check that found nothing wrong. */
void qc_pass(struct qc_ctx *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Why the check does not apply to this plugin. */
void qc_skip(struct qc_ctx *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Something later checks need to know, e.g. data=kept. */
void qc_fact(struct qc_ctx *ctx, const char *key, const char *value);
/* A message the plugin logged through the host table. */
void qc_log(struct qc_ctx *ctx, int level, const char *msg);
bool qc_has_failed(const struct qc_ctx *ctx);

/*
 * Memory the plugin may still hold a pointer to (requests, disks): freed
 * when the check ends, unless qc_ctx_unsafe said a request never finished.
 * In a child process nothing is freed at all: the process ends.
 */
void qc_ctx_own(struct qc_ctx *ctx, gpointer p, GDestroyNotify free_fn);
void qc_ctx_unsafe(struct qc_ctx *ctx);

/* ---- the checks ---- */

struct qc_check {
    const char *name;
    const char *what;               /* one line, for --list and the man page */
    void (*run)(struct qc_ctx *ctx);
    bool needs_open;                /* skipped when the options are wrong */
};

extern const struct qc_check qc_checks[];
extern const size_t qc_n_checks;

/* "Input/output error (EIO)"; for messages about errno values. */
char *qc_errno_text(int64_t negative_errno);
/* "write, flush, discard": the capability bits, for messages. */
char *qc_caps_text(uint32_t caps);
const char *qc_thread_model_name(uint32_t model);
/* "1 byte", "4096 bytes"; g_free it. */
char *qc_bytes(uint64_t n);

#endif /* QC_H */
