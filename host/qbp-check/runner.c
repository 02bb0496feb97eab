/*
 * runner.c: one check in a child process.
 *
 * The child inherits the loaded plugin, opens its own disks and reports
 * on a pipe, one line per event; its stdout and stderr (where a plugin must
 * never write, and where sanitizers report) come back on a second pipe.
 * The parent stops a child that makes no progress for a while: the child
 * itself reports a missing completion after --timeout, so silence beyond
 * that means a call into the plugin never returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "pattern.h"
#include "runner.h"

/* Lines of the plugin's own output kept in the report. */
#define MAX_OUTPUT_LINES 20

struct child {
    pid_t pid;
    int fds[2];                 /* events, output; -1 once at EOF */
    GString *partial[2];
    struct qc_fold *fold;
    unsigned output_lines;
    gint64 last_progress;
};

static void run_here(const struct qc_check *c, struct qc_fold *fold)
{
    struct qc_ctx *ctx = qc_ctx_new(-1, fold);

    qc_ctx_set_current(ctx);
    c->run(ctx);
    qc_ctx_set_current(NULL);
    qc_ctx_end(ctx);
    qc_ctx_free(ctx);
}

static G_NORETURN void child_main(const struct qc_check *c, int ev, int out)
{
    struct qc_ctx *ctx;

    /* Never outlive qbp-check, whatever the plugin's threads do. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    close(out);
    ctx = qc_ctx_new(ev, NULL);
    qc_ctx_set_current(ctx);
    c->run(ctx);
    qc_ctx_end(ctx);
    /* No exit handlers: the plugin's threads may still be running. */
    _exit(0);
}

static void take_line(struct child *ch, int which, const char *line)
{
    if (which == 0) {
        if (*line) {
            qc_fold_event(ch->fold, line[0], line + 1);
        }
        return;
    }
    if (ch->output_lines++ < MAX_OUTPUT_LINES) {
        g_autofree char *d = g_strdup_printf("plugin output: %s", line);
        qc_fold_detail(ch->fold, d);
    }
}

static void drain(struct child *ch, int which)
{
    char buf[4096];
    ssize_t n = read(ch->fds[which], buf, sizeof(buf));
    GString *p = ch->partial[which];
    char *nl;

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    if (n <= 0) {
        if (p->len) {
            take_line(ch, which, p->str);
        }
        close(ch->fds[which]);
        ch->fds[which] = -1;
        return;
    }
    ch->last_progress = g_get_monotonic_time();
    g_string_append_len(p, buf, n);
    while ((nl = memchr(p->str, '\n', p->len))) {
        *nl = '\0';
        take_line(ch, which, p->str);
        g_string_erase(p, 0, nl - p->str + 1);
    }
}

/* Reads both pipes until EOF; false when the child had to be stopped. */
static bool watch(struct child *ch, unsigned stall_s)
{
    bool stopped = false;

    ch->last_progress = g_get_monotonic_time();
    while (ch->fds[0] >= 0 || ch->fds[1] >= 0) {
        struct pollfd pfd[2] = {
            { .fd = ch->fds[0], .events = POLLIN },
            { .fd = ch->fds[1], .events = POLLIN },
        };
        int r = poll(pfd, 2, 200);

        if (r < 0 && errno != EINTR) {
            break;
        }
        for (int i = 0; i < 2 && r > 0; i++) {
            if (pfd[i].revents) {
                drain(ch, i);
            }
        }
        if (!stopped && g_get_monotonic_time() - ch->last_progress >
                        (gint64)stall_s * G_USEC_PER_SEC) {
            kill(ch->pid, SIGKILL);
            stopped = true;
        }
    }
    return !stopped;
}

static void report_end(struct qc_fold *fold, int status, bool in_time,
                       unsigned stall_s)
{
    const char *step = fold->step ? fold->step : "starting";
    g_autofree char *msg = NULL;

    if (!in_time) {
        msg = g_strdup_printf("no progress for %u s while %s: a call into the "
                              "plugin did not return, so the check was "
                              "stopped", stall_s, step);
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        msg = g_strdup_printf("the plugin crashed with signal %d (%s) while %s",
                              sig, strsignal(sig), step);
    } else if (!fold->ended) {
        msg = g_strdup_printf("the process exited with status %d while %s: a "
                              "plugin must never call exit()",
                              WEXITSTATUS(status), step);
    }
    if (msg) {
        qc_fold_event(fold, QC_EV_FAIL, msg);
    }
}

static void run_child(const struct qc_check *c, struct qc_fold *fold)
{
    unsigned stall_s = 2 * qc_env.cfg.timeout_s + 2;
    struct child ch = { .fold = fold };
    int ev[2], out[2], status = 0;
    bool in_time;

    if (pipe2(ev, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
        qc_fold_event(fold, QC_EV_FAIL, "qbp-check cannot make a pipe");
        return;
    }
    fflush(NULL);
    ch.pid = fork();
    if (ch.pid < 0) {
        qc_fold_event(fold, QC_EV_FAIL, "qbp-check cannot fork");
        return;
    }
    if (ch.pid == 0) {
        close(ev[0]);
        close(out[0]);
        child_main(c, ev[1], out[1]);
    }
    close(ev[1]);
    close(out[1]);
    ch.fds[0] = ev[0];
    ch.fds[1] = out[0];
    ch.partial[0] = g_string_new(NULL);
    ch.partial[1] = g_string_new(NULL);
    in_time = watch(&ch, stall_s);
    while (waitpid(ch.pid, &status, 0) < 0 && errno == EINTR) {
        /* again */
    }
    if (ch.output_lines > MAX_OUTPUT_LINES) {
        g_autofree char *d = g_strdup_printf(
            "... and %u more lines of plugin output",
            ch.output_lines - MAX_OUTPUT_LINES);
        qc_fold_detail(fold, d);
    }
    report_end(fold, status, in_time, stall_s);
    g_string_free(ch.partial[0], TRUE);
    g_string_free(ch.partial[1], TRUE);
}

void qc_result_set(struct qc_result *res, enum qc_status status,
                   const char *headline)
{
    res->status = status;
    res->headline = g_strdup(headline);
    res->details = g_ptr_array_new_with_free_func(g_free);
}

void qc_result_clear(struct qc_result *res)
{
    g_free(res->headline);
    if (res->details) {
        g_ptr_array_unref(res->details);
    }
    memset(res, 0, sizeof(*res));
}

void qc_run_check(const struct qc_check *c, unsigned index,
                  struct qc_result *res)
{
    struct qc_fold fold;
    gint64 start = g_get_monotonic_time();

    qc_fold_init(&fold);
    qc_pattern_begin_check(index);
    if (qc_env.cfg.no_fork) {
        run_here(c, &fold);
    } else {
        run_child(c, &fold);
    }
    if (fold.n_fail) {
        qc_result_set(res, QC_FAIL, fold.first_fail);
    } else if (fold.skip) {
        qc_result_set(res, QC_SKIP, fold.skip);
    } else {
        qc_result_set(res, QC_PASS, fold.pass ? fold.pass : "no fault found");
    }
    for (guint i = 0; i < fold.details->len; i++) {
        g_ptr_array_add(res->details,
                        g_strdup(g_ptr_array_index(fold.details, i)));
    }
    if (fold.details_dropped) {
        g_ptr_array_add(res->details, g_strdup_printf("... and %u more",
                                                      fold.details_dropped));
    }
    res->seconds = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    qc_fold_clear(&fold);
}
