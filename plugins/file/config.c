/*
 * config.c: the file plugin's options.
 *
 * The host has already checked values against the declared types, but a
 * host with a bug, or a test calling us directly, must still get a clear
 * message naming the option rather than a silently wrong disk.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "file.h"

#define CONFIG_INJECT_SYNTAX                                            \
    "expected ERR, ERR@read or ERR@write, where ERR is an errno name "  \
    "such as EIO, ENOSPC or EPERM, or a number from 1 to 4095"

struct config_errno_name {
    const char *name;
    int value;
};

/* The errno names inject-error understands: what a disk can report. */
static const struct config_errno_name config_errnos[] = {
    { "EIO", EIO },
    { "ENOSPC", ENOSPC },
    { "EDQUOT", EDQUOT },
    { "EPERM", EPERM },
    { "EACCES", EACCES },
    { "EROFS", EROFS },
    { "EINVAL", EINVAL },
    { "ENOMEM", ENOMEM },
    { "EAGAIN", EAGAIN },
    { "EBUSY", EBUSY },
    { "EFBIG", EFBIG },
    { "ENODEV", ENODEV },
    { "ENXIO", ENXIO },
    { "ENOENT", ENOENT },
    { "ESTALE", ESTALE },
    { "ENOTSUP", ENOTSUP },
    { "EOPNOTSUPP", EOPNOTSUPP },
    { "ETIMEDOUT", ETIMEDOUT },
    { "ECANCELED", ECANCELED },
    { "ECONNRESET", ECONNRESET },
    { "ENOTCONN", ENOTCONN },
    { "ESHUTDOWN", ESHUTDOWN },
};

/*
 * Parses all of s as decimal digits.  strtoull alone would take blanks,
 * a sign, and "-1" as 2^64-1.
 */
static int config_parse_u64(const char *s, uint64_t *out)
{
    unsigned long long v;
    char *end;

    if (*s < '0' || *s > '9') {
        return -EINVAL;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno == ERANGE) {
        return -ERANGE;
    }
    if (*end != '\0') {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

/* A decimal option value between min and max. */
static int config_number(const char *key, const char *value, uint64_t min,
                         uint64_t max, uint64_t *out, struct qbp_error *err)
{
    int r = config_parse_u64(value, out);

    if (r == 0 && (*out < min || *out > max)) {
        r = -ERANGE;
    }
    if (r < 0) {
        qbp_host->error_set(err, r, "invalid value '%s' for option '%s': "
                            "expected a decimal number from %llu to %llu",
                            value, key, (unsigned long long)min,
                            (unsigned long long)max);
    }
    return r;
}

/* The errno a name or number stands for, or 0 when it stands for none. */
static int config_errno(const char *s, size_t len)
{
    char digits[8];
    uint64_t v;

    if (len > 0 && s[0] >= '0' && s[0] <= '9') {
        if (len >= sizeof(digits)) {
            return 0;
        }
        memcpy(digits, s, len);
        digits[len] = '\0';
        if (config_parse_u64(digits, &v) < 0 || v > QBP_MAX_ERRNO) {
            return 0;
        }
        return (int)v;
    }
    for (size_t i = 0; i < sizeof(config_errnos) / sizeof(config_errnos[0]);
         i++) {
        if (strlen(config_errnos[i].name) == len &&
            strncasecmp(config_errnos[i].name, s, len) == 0) {
            return config_errnos[i].value;
        }
    }
    return 0;
}

/* The FILE_INJECT_* bits an "@..." suffix names, or 0 for a bad one. */
static uint32_t config_inject_ops(const char *at)
{
    if (!at) {
        return FILE_INJECT_READ | FILE_INJECT_WRITE;
    }
    if (strcmp(at, "@read") == 0) {
        return FILE_INJECT_READ;
    }
    if (strcmp(at, "@write") == 0) {
        return FILE_INJECT_WRITE;
    }
    return 0;
}

/* inject-error=ERR[@read|@write]. */
static int config_inject_error(struct file_config *cfg, const char *value,
                               struct qbp_error *err)
{
    const char *at = strchr(value, '@');
    size_t len = at ? (size_t)(at - value) : strlen(value);

    cfg->inject_errno = config_errno(value, len);
    cfg->inject_ops = config_inject_ops(at);
    if (cfg->inject_errno == 0 || cfg->inject_ops == 0) {
        qbp_host->error_set(err, -EINVAL, "invalid value '%s' for option "
                            "'inject-error': " CONFIG_INJECT_SYNTAX, value);
        return -EINVAL;
    }
    return 0;
}

/* filename=PATH: any non-empty path. */
static int config_filename(struct file_config *cfg, const char *value,
                           struct qbp_error *err)
{
    if (*value == '\0') {
        qbp_host->error_set(err, -EINVAL, "option 'filename' is empty: "
                            "it must be the path of the file holding the "
                            "disk");
        return -EINVAL;
    }
    cfg->filename = value;
    return 0;
}

/* One option into cfg. */
static int config_set(struct file_config *cfg, const char *key,
                      const char *value, struct qbp_error *err)
{
    uint64_t v;
    int r;

    if (strcmp(key, "filename") == 0) {
        return config_filename(cfg, value, err);
    }
    if (strcmp(key, "inject-error") == 0) {
        return config_inject_error(cfg, value, err);
    }
    if (strcmp(key, "workers") == 0) {
        r = config_number(key, value, 1, FILE_MAX_WORKERS, &v, err);
        if (r == 0) {
            cfg->workers = (unsigned)v;
        }
        return r;
    }
    if (strcmp(key, "inject-delay") == 0) {
        r = config_number(key, value, 0, FILE_MAX_DELAY_MS, &v, err);
        if (r == 0) {
            cfg->inject_delay_ms = (uint32_t)v;
        }
        return r;
    }
    qbp_host->error_set(err, -EINVAL, "unknown option '%s'", key);
    return -EINVAL;
}

QBP_HIDDEN int file_config_parse(const struct qbp_kv *options,
                                 size_t n_options, struct file_config *cfg,
                                 struct qbp_error *err)
{
    int r;

    *cfg = (struct file_config){ .workers = FILE_DEFAULT_WORKERS };
    for (size_t i = 0; i < n_options; i++) {
        r = config_set(cfg, options[i].key, options[i].value, err);
        if (r < 0) {
            return r;
        }
    }
    if (!cfg->filename) {
        qbp_host->error_set(err, -EINVAL, "option 'filename' is missing: it "
                            "must be the path of the file holding the disk");
        return -EINVAL;
    }
    return 0;
}
