/*
 * verdict.c: what a finished request's result means: the full length (a
 * count of extents, for a block status), a negative errno, or a fault,
 * named with the rule it breaks.
 */
#include <inttypes.h>
#include <string.h>

#include "engine.h"


/* -5 (EIO, Input/output error), or the bare number when not an errno. */
char *qc_result_text(int64_t v)
{
    if (v < 0 && v >= -QBP_MAX_ERRNO) {
        g_autofree char *e = qc_errno_text(v);
        return g_strdup_printf("%" PRId64 " (%s)", v, e);
    }
    return g_strdup_printf("%" PRId64, v);
}

/* "; 5 is EIO as a positive number: ..." when v looks like one, or "". */
static char *positive_errno_hint(int64_t v)
{
    if (v > 0 && v <= QBP_MAX_ERRNO) {
        const char *name = strerrorname_np((int)v);
        if (name) {
            return g_strdup_printf("; %" PRId64 " is %s as a positive number: "
                                   "errors are negative (-%s)", v, name, name);
        }
    }
    return g_strdup("");
}

static bool check_refused(struct qc_req *r, const char *what, bool want_error)
{
    int ret = r->submit_ret;

    if (ret > 0) {
        g_autofree char *hint = positive_errno_hint(ret);
        qc_fail(r->disk->ctx, "%s returned %d for %s: a submit call returns 0 "
                "(accepted) or a negative errno (refused)%s",
                qc_submit_name(r->op), ret, what, hint);
        return false;
    }
    if (!want_error) {
        g_autofree char *e = qc_result_text(ret);
        qc_fail(r->disk->ctx, "%s was refused: %s returned %s", what,
                qc_submit_name(r->op), e);
        return false;
    }
    if (ret < -QBP_MAX_ERRNO) {
        qc_fail(r->disk->ctx, "%s returned %d for %s, which is not an errno "
                "(errnos are -1 to -%d)", qc_submit_name(r->op), ret, what,
                QBP_MAX_ERRNO);
        return false;
    }
    return true;
}

static bool check_error(struct qc_req *r, const char *what, bool want_error)
{
    g_autofree char *e = qc_result_text(r->result);

    if (r->result < -QBP_MAX_ERRNO) {
        qc_fail(r->disk->ctx, "%s completed with %" PRId64 ", which is not "
                "an errno (errnos are -1 to -%d)", what, r->result,
                QBP_MAX_ERRNO);
        return false;
    }
    if (!want_error) {
        qc_fail(r->disk->ctx, "%s failed with %s", what, e);
        return false;
    }
    return true;
}

static bool check_length(struct qc_req *r, const char *what)
{
    g_autofree char *hint = positive_errno_hint(r->result);

    if (r->op == QC_OP_FLUSH) {
        qc_fail(r->disk->ctx, "%s completed with %" PRId64 ": a flush "
                "completes with 0 or a negative errno%s", what, r->result,
                hint);
    } else if (*hint) {
        qc_fail(r->disk->ctx, "%s completed with %" PRId64 ", which is "
                "neither its length (%" PRIu64 ") nor a negative errno%s",
                what, r->result, r->length, hint);
    } else {
        qc_fail(r->disk->ctx, "%s completed with %" PRId64 ", not its "
                "length: a completion reports the whole request's length (%"
                PRIu64 ") or a negative errno", what, r->result, r->length);
    }
    return false;
}

/* A block status completes with a count of extents, not a length. */
static bool check_count(struct qc_req *r, const char *what)
{
    g_autofree char *hint = positive_errno_hint(r->result);

    if (r->result >= 1 && r->result <= (int64_t)r->max_extents) {
        return true;
    }
    qc_fail(r->disk->ctx, "%s completed with %" PRId64 ": a block status "
            "completes with the number of extents it filled in (at most %u) "
            "or a negative errno%s", what, r->result, (unsigned)r->max_extents,
            hint);
    return false;
}

static bool check_untouched(struct qc_req *r, const char *what)
{
    uint64_t first = 0;
    uint64_t n = qc_pattern_untouched(r->buf, r->offset, (size_t)r->length,
                                      r->poison, &first);

    if (n == 0) {
        return true;
    }
    qc_fail(r->disk->ctx, "%s completed with its full length but left %"
            PRIu64 " bytes of the buffer untouched, the first at offset %"
            PRIu64 ": a read fills the whole buffer, with zeroes where "
            "there is no data (short reads are zero-filled)", what, n, first);
    return false;
}

bool qc_req_check(struct qc_req *r, bool want_error)
{
    g_autofree char *what = qc_req_describe(r);
    int calls = atomic_load(&r->calls);

    if (!r->accepted) {
        return check_refused(r, what, want_error);
    }
    if (calls == 0) {
        return false;   /* reported by qc_wait */
    }
    if (r->result < 0) {
        return check_error(r, what, want_error);
    }
    if (r->op == QC_OP_BLOCK_STATUS) {
        if (!check_count(r, what)) {
            return false;
        }
    } else if (r->result != (int64_t)r->length) {
        return check_length(r, what);
    }
    if (want_error) {
        qc_fail(r->disk->ctx, "%s succeeded, but with the error options "
                "every request should fail", what);
        return false;
    }
    if (r->op == QC_OP_READ && !check_untouched(r, what)) {
        return false;
    }
    return calls == 1;
}
