/*
 * Unit tests of the conf_ settings among an image's or a pool's metadata
 * (plugins/rbd/rbd-meta.c, and metadata_list in rbd-cls.c).
 *
 * The replies were captured from a live Ceph 16.2.15 OSD with
 * ioctx.execute() (python3-rados) after
 *   rbd config image set img rbd_compression_hint compressible
 *   rbd config image set img rbd_qos_iops_limit 100
 *   rbd image-meta set img zeta 'some value'
 *   rbd image-meta set img alpha first
 *   rbd config pool set rbd rbd_default_features layering
 * on rbd_header.<id> and on the pool's rbd_info.
 */
#include <glib.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unhex.h"
#include "rbd-cls.h"
#include "rbd-meta.h"

/* metadata_list input: start_after "conf_", max_return 64. */
#define IN_CONF_64 "05000000 636f6e665f 4000000000000000"
/* The header listed after "conf_": its two settings, then "zeta". */
#define HDR_AFTER_CONF                                                  \
    "03000000"                                                          \
    "19000000 636f6e665f7262645f636f6d7072657373696f6e5f68696e74"       \
    "0c000000 636f6d707265737369626c65"                                 \
    "17000000 636f6e665f7262645f716f735f696f70735f6c696d6974"           \
    "03000000 313030"                                                   \
    "04000000 7a657461 0a000000 736f6d652076616c7565"
/* The same with max_return 1: one pair, maybe more to come. */
#define HDR_AFTER_CONF_MAX1                                             \
    "01000000"                                                          \
    "19000000 636f6e665f7262645f636f6d7072657373696f6e5f68696e74"       \
    "0c000000 636f6d707265737369626c65"
/* The header listed from the start: "alpha" first. */
#define HDR_ALL                                                         \
    "04000000"                                                          \
    "05000000 616c706861 05000000 6669727374"                           \
    "19000000 636f6e665f7262645f636f6d7072657373696f6e5f68696e74"       \
    "0c000000 636f6d707265737369626c65"                                 \
    "17000000 636f6e665f7262645f716f735f696f70735f6c696d6974"           \
    "03000000 313030"                                                   \
    "04000000 7a657461 0a000000 736f6d652076616c7565"
/* rbd_info after "conf_": the pool's one setting. */
#define POOL_AFTER_CONF                                                 \
    "01000000"                                                          \
    "19000000 636f6e665f7262645f64656661756c745f6665617475726573"       \
    "08000000 6c61796572696e67"

static uint8_t *bytes(const char *hex, size_t *len)
{
    return unhex(hex, len);
}

static void test_enc_list(void)
{
    struct rbd_enc e;
    size_t len;
    g_autofree uint8_t *want = bytes(IN_CONF_64, &len);

    rbd_enc_init(&e);
    rbd_cls_enc_metadata_list(&e, "conf_", 64);
    g_assert_cmpint(rbd_enc_status(&e), ==, 0);
    g_assert_cmpmem(e.data, e.len, want, len);
    rbd_enc_free(&e);
}

struct seen {
    GString *s;
    int stop_at;
};

static int record(const char *key, size_t key_len, const char *value,
                  size_t value_len, void *arg)
{
    struct seen *seen = arg;

    g_string_append_printf(seen->s, "%.*s=%.*s;", (int)key_len, key,
                           (int)value_len, value);
    return --seen->stop_at == 0 ? 7 : 0;
}

static void test_dec_list(void)
{
    struct seen seen = { g_string_new(""), -1 };
    size_t len;
    g_autofree uint8_t *reply = bytes(HDR_ALL, &len);
    uint32_t count = 0;

    g_assert_cmpint(rbd_cls_dec_metadata_list(reply, len, &count, record,
                                              &seen), ==, 0);
    g_assert_cmpuint(count, ==, 4);
    g_assert_cmpstr(seen.s->str, ==,
                    "alpha=first;conf_rbd_compression_hint=compressible;"
                    "conf_rbd_qos_iops_limit=100;zeta=some value;");
    /* A nonzero return from fn stops the walk and is returned. */
    g_string_truncate(seen.s, 0);
    seen.stop_at = 2;
    g_assert_cmpint(rbd_cls_dec_metadata_list(reply, len, &count, record,
                                              &seen), ==, 7);
    g_assert_cmpstr(seen.s->str, ==,
                    "alpha=first;conf_rbd_compression_hint=compressible;");
    g_string_free(seen.s, TRUE);
}

/* Every cut of a good reply is refused before fn sees anything. */
static void test_dec_list_truncated(void)
{
    size_t len;
    g_autofree uint8_t *reply = bytes(HDR_ALL, &len);

    for (size_t cut = 0; cut < len; cut++) {
        struct seen seen = { g_string_new(""), -1 };
        uint32_t count = 99;

        g_assert_cmpint(rbd_cls_dec_metadata_list(reply, cut, &count, record,
                                                  &seen), ==, -EBADMSG);
        g_assert_cmpuint(count, ==, 99);
        g_assert_cmpstr(seen.s->str, ==, "");
        g_string_free(seen.s, TRUE);
    }
}

static void test_dec_list_nonsense(void)
{
    /* A count no reply of that size can hold; a key of 5 GB. */
    static const char *const bad[] = {
        "ffffffff",
        "01000000 ffffffff 00",
        "01000000 01000000 61 ffffff7f",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        size_t len;
        g_autofree uint8_t *reply = bytes(bad[i], &len);
        struct seen seen = { g_string_new(""), -1 };
        uint32_t count;

        g_assert_cmpint(rbd_cls_dec_metadata_list(reply, len, &count, record,
                                                  &seen), ==, -EBADMSG);
        g_string_free(seen.s, TRUE);
    }
}

static void take(struct rbd_overrides *o, const char *hex, uint64_t max,
                 enum rbd_config_source source, const char *want_next)
{
    size_t len;
    g_autofree uint8_t *reply = bytes(hex, &len);
    char *next = (char *)"unset";

    g_assert_cmpint(rbd_overrides_take_reply(o, reply, len, max, source,
                                             &next), ==, 0);
    g_assert_cmpstr(next, ==, want_next);
    free(next);
}

static void assert_value(const struct rbd_overrides *o, const char *key,
                         const char *value, enum rbd_config_source source)
{
    const struct rbd_override *e = rbd_overrides_find(o, key);

    if (!value) {
        g_assert_null(e);
        return;
    }
    g_assert_nonnull(e);
    g_assert_cmpstr(e->value, ==, value);
    g_assert_cmpint(e->source, ==, source);
}

/* The conf_ keys end at the first other key: nothing more to list. */
static void test_take_image(void)
{
    struct rbd_overrides o = { 0 };

    take(&o, HDR_AFTER_CONF, 64, RBD_CONFIG_IMAGE, NULL);
    g_assert_cmpuint(o.n, ==, 2);
    assert_value(&o, "rbd_compression_hint", "compressible", RBD_CONFIG_IMAGE);
    assert_value(&o, "rbd_qos_iops_limit", "100", RBD_CONFIG_IMAGE);
    assert_value(&o, "zeta", NULL, 0);
    rbd_overrides_free(&o);
}

/* A full page may have more after its last key. */
static void test_take_paged(void)
{
    struct rbd_overrides o = { 0 };

    take(&o, HDR_AFTER_CONF_MAX1, 1, RBD_CONFIG_IMAGE,
         "conf_rbd_compression_hint");
    g_assert_cmpuint(o.n, ==, 1);
    rbd_overrides_free(&o);
}

/* The image's value beats the pool's, whichever is read first. */
static void test_precedence(void)
{
    /* The pool sets rbd_compression_hint=incompressible. */
    static const char pool_hint[] =
        "01000000"
        "19000000 636f6e665f7262645f636f6d7072657373696f6e5f68696e74"
        "0e000000 696e636f6d707265737369626c65";
    struct rbd_overrides o = { 0 };

    take(&o, pool_hint, 64, RBD_CONFIG_POOL, NULL);
    take(&o, POOL_AFTER_CONF, 64, RBD_CONFIG_POOL, NULL);
    take(&o, HDR_AFTER_CONF, 64, RBD_CONFIG_IMAGE, NULL);
    assert_value(&o, "rbd_compression_hint", "compressible", RBD_CONFIG_IMAGE);
    assert_value(&o, "rbd_default_features", "layering", RBD_CONFIG_POOL);
    rbd_overrides_free(&o);

    take(&o, HDR_AFTER_CONF, 64, RBD_CONFIG_IMAGE, NULL);
    take(&o, pool_hint, 64, RBD_CONFIG_POOL, NULL);
    assert_value(&o, "rbd_compression_hint", "compressible", RBD_CONFIG_IMAGE);
    rbd_overrides_free(&o);
}

/* librbd takes only rbd_ options from conf_ keys. */
static void test_skipped(void)
{
    /* conf_debug_ms=20, conf_rbd_x=a<NUL>b. */
    static const char odd[] =
        "02000000"
        "0d000000 636f6e665f64656275675f6d73 02000000 3230"
        "0a000000 636f6e665f7262645f78 03000000 610062";
    struct rbd_overrides o = { 0 };

    take(&o, odd, 64, RBD_CONFIG_IMAGE, NULL);
    g_assert_cmpuint(o.n, ==, 0);
    rbd_overrides_free(&o);
}

static void test_take_malformed(void)
{
    struct rbd_overrides o = { 0 };
    size_t len;
    g_autofree uint8_t *reply = bytes(HDR_AFTER_CONF, &len);
    char *next = NULL;

    take(&o, POOL_AFTER_CONF, 64, RBD_CONFIG_POOL, NULL);
    g_assert_cmpint(rbd_overrides_take_reply(&o, reply, len - 1, 64,
                                             RBD_CONFIG_IMAGE, &next),
                    ==, -EBADMSG);
    g_assert_null(next);
    /* What was there stays. */
    g_assert_cmpuint(o.n, ==, 1);
    assert_value(&o, "rbd_default_features", "layering", RBD_CONFIG_POOL);
    rbd_overrides_free(&o);
}

static void test_parse_bool(void)
{
    static const struct {
        const char *s;
        int ret;
        bool value;
    } cases[] = {
        { "true", 0, true }, { "FALSE", 0, false }, { "True", 0, true },
        { "1", 0, true }, { "0", 0, false }, { "17", 0, true },
        { "yes", -EINVAL, false }, { "", -EINVAL, false },
        { "1.0", -EINVAL, false }, { "truex", -EINVAL, false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        bool v = !cases[i].value;

        g_assert_cmpint(rbd_conf_parse_bool(cases[i].s, &v), ==, cases[i].ret);
        if (cases[i].ret == 0) {
            g_assert_true(v == cases[i].value);
        }
    }
}

static void test_parse_u64(void)
{
    static const struct {
        const char *s;
        int ret;
        uint64_t value;
    } cases[] = {
        { "0", 0, 0 }, { "100", 0, 100 }, { "10K", 0, 10000 },
        { "10M", 0, 10000000 }, { "2G", 0, 2000000000 },
        { "1E", 0, 1000000000000000000ull },
        { "18446744073709551615", 0, UINT64_MAX },
        { "18446744073709551616", -EINVAL, 0 }, { "19E", -EINVAL, 0 },
        { "", -EINVAL, 0 }, { "M", -EINVAL, 0 }, { "10k", -EINVAL, 0 },
        { "10MB", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { " 1", -EINVAL, 0 },
        { "1.5M", -EINVAL, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint64_t v = 12345;

        g_assert_cmpint(rbd_conf_parse_u64(cases[i].s, &v), ==, cases[i].ret);
        g_assert_cmpuint(v, ==, cases[i].ret == 0 ? cases[i].value : 12345);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rbd-meta/enc-list", test_enc_list);
    g_test_add_func("/rbd-meta/dec-list", test_dec_list);
    g_test_add_func("/rbd-meta/dec-list-truncated", test_dec_list_truncated);
    g_test_add_func("/rbd-meta/dec-list-nonsense", test_dec_list_nonsense);
    g_test_add_func("/rbd-meta/take-image", test_take_image);
    g_test_add_func("/rbd-meta/take-paged", test_take_paged);
    g_test_add_func("/rbd-meta/precedence", test_precedence);
    g_test_add_func("/rbd-meta/skipped", test_skipped);
    g_test_add_func("/rbd-meta/take-malformed", test_take_malformed);
    g_test_add_func("/rbd-meta/parse-bool", test_parse_bool);
    g_test_add_func("/rbd-meta/parse-u64", test_parse_u64);
    return g_test_run();
}
